//! `/api/graph` past the limit of members drawn one by one: the answer counts rooms and groups
//! instead of listing every member, lists only what the panel asks for (the selected room's
//! members, an expanded group's), and every count agrees with `/api/rooms` and the room's
//! detail. Under the limit every member is listed with its rooms, as before.

use crate::support;

use serde_json::{json, Value};
use switchboard_client::Client;

/// Room sizes by name from `/api/graph`'s `rooms`.
fn sizes(rooms: &Value) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = rooms
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["size"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Each room's members summed over its groups.
fn group_sums(graph: &Value) -> Vec<(String, u64)> {
    let mut sums = std::collections::BTreeMap::<String, u64>::new();
    for g in graph["groups"].as_array().unwrap() {
        *sums
            .entry(g["room"].as_str().unwrap().to_owned())
            .or_default() += g["count"].as_u64().unwrap();
    }
    sums.into_iter().collect()
}

#[tokio::test]
async fn a_graph_past_the_limit_lists_counts_and_only_the_members_asked_for() {
    let h = support::start().await;
    let mut clients: Vec<Client> = Vec::new();
    for i in 0..320 {
        let role = if i % 3 == 0 { "agent" } else { "user" };
        clients.push(h.client(role, &format!("member-{i}")).await);
    }
    let server = h.core.server().clone();
    support::eventually("320 connections", || async {
        (server.local_in_order().len() == 320).then_some(())
    })
    .await;
    // Everyone in `big`; every fifth connection also in `small`; one connection in no room.
    for (i, c) in server.local_in_order().iter().enumerate().skip(1) {
        server.room("big").add_id(c.id()).unwrap();
        if i % 5 == 0 {
            server.room("small").add_id(c.id()).unwrap();
        }
    }

    let graph: Value = h.get("/api/graph").await;
    assert_eq!(graph["grouped"], true);
    assert_eq!(graph["members"], 319);
    assert_eq!(
        graph["conns"],
        json!([]),
        "no member is listed past the limit"
    );
    assert_eq!(graph["listed"], json!([]), "nothing was asked for");
    // One number for a room everywhere: the graph, its groups, the list and the detail.
    let list: Value = h.get("/api/rooms").await;
    assert_eq!(sizes(&graph["rooms"]), sizes(&list["rooms"]));
    assert_eq!(sizes(&graph["rooms"]), group_sums(&graph));
    assert_eq!(
        sizes(&graph["rooms"]),
        vec![("big".to_owned(), 319), ("small".to_owned(), 63)]
    );
    let detail: Value = h.get("/api/rooms/small").await;
    assert_eq!(detail["size"], 63);
    // The list's members per role are the graph's groups per room and role.
    let roles_of = |rooms: &Value| -> Vec<(String, String, u64)> {
        let mut v: Vec<(String, String, u64)> = rooms
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                r["roles"].as_array().unwrap().iter().map(move |rc| {
                    (
                        r["name"].as_str().unwrap().to_owned(),
                        rc["role"].as_str().unwrap().to_owned(),
                        rc["connections"].as_u64().unwrap(),
                    )
                })
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(roles_of(&list["rooms"]), roles_of(&graph["rooms"]));
    let mut from_groups: Vec<(String, String, u64)> = graph["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["room"].as_str().unwrap().to_owned(),
                g["role"].as_str().unwrap().to_owned(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect();
    from_groups.sort();
    assert_eq!(roles_of(&list["rooms"]), from_groups);

    // The legend's counts: distinct connections per role and per node, a member of both rooms
    // counted once (the groups, summed per role, count it once per room: 382 in all).
    let members = server.local_in_order();
    let agents = members
        .iter()
        .skip(1)
        .filter(|c| c.role() == "agent")
        .count() as u64;
    assert_eq!(
        graph["by_role"],
        json!([
            { "role": "user", "connections": 319 - agents },
            { "role": "agent", "connections": agents },
        ])
    );
    assert_eq!(
        graph["by_node"],
        json!([{ "node": server.node_id(), "connections": 319 }])
    );
    let summed: u64 = from_groups.iter().map(|(_, _, n)| n).sum();
    assert_eq!(summed, 382);

    // The selected room: its members by role then id, with its size.
    let graph: Value = h.get("/api/graph?room=small").await;
    let listed = &graph["listed"].as_array().unwrap()[0];
    assert_eq!(listed["room"], "small");
    assert!(listed.get("facet").is_none());
    assert_eq!(listed["total"], 63);
    let members: Vec<(String, String)> = listed["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                m["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = members.clone();
    sorted.sort();
    assert_eq!(members, sorted);
    let mut ids: Vec<&str> = members.iter().map(|(_, id)| id.as_str()).collect();
    let mut want: Vec<&str> = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    ids.sort();
    want.sort();
    assert_eq!(ids, want);

    // An expanded group: that role's members of the room, by id, at most 400.
    let graph: Value = h
        .get("/api/graph?expand=big%00agent&expand=big%00nobody")
        .await;
    let listed = graph["listed"].as_array().unwrap();
    let agents = &listed[0];
    assert_eq!(
        (&agents["room"], &agents["facet"]),
        (&json!("big"), &json!("agent"))
    );
    let agent_group = graph["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["room"] == "big" && g["role"] == "agent")
        .unwrap();
    assert_eq!(agents["total"], agent_group["count"]);
    let rows = agents["members"].as_array().unwrap();
    assert_eq!(rows.len() as u64, agents["total"].as_u64().unwrap());
    assert!(rows.iter().all(|m| m["role"] == "agent"));
    assert!(rows
        .windows(2)
        .all(|w| w[0]["id"].as_str() < w[1]["id"].as_str()));
    assert_eq!(listed[1]["total"], 0);

    let (status, body) = h.get_status("/api/graph?expand=big").await;
    assert_eq!(status, 400, "{body}");

    // Back under the limit: every member is listed with its rooms again.
    for c in server.local_in_order().iter().skip(10) {
        server.room("big").remove_id(c.id());
        server.room("small").remove_id(c.id());
    }
    let graph: Value = h.get("/api/graph").await;
    assert_eq!(graph["grouped"], false);
    let conns = graph["conns"].as_array().unwrap();
    assert_eq!(conns.len() as u64, graph["members"].as_u64().unwrap());
    assert_eq!(conns.len(), 9);
    assert!(conns
        .iter()
        .all(|c| c["rooms"].as_array().unwrap().contains(&json!("big"))));
    drop(clients);
}
