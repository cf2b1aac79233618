//! Embedded and attached modes must not diverge: one server, seen by a console that runs it
//! (embedded) and by a console that follows it through an in-process inspector session
//! (attached), gives the same answers for connections, rooms, the membership graph and the
//! overview's counts, and a change made through either console shows in both.

use serde_json::{json, Value};

use crate::support::{self, Harness};

/// What both modes must agree on in a connection row (the rest, such as traffic counters,
/// the attached side only refreshes from snapshots).
fn conn_facts(page: &Value) -> Vec<Value> {
    let mut rows: Vec<Value> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            json!({ "id": r["id"], "role": r["role"], "user": r["user"], "node": r["node"],
                    "rooms": r["rooms"], "topics": r["topics"] })
        })
        .collect();
    rows.sort_by_key(|r| r["id"].to_string());
    rows
}

fn members(room: &Value) -> Vec<Value> {
    let mut m = room["members"].as_array().cloned().unwrap_or_default();
    m.sort_by_key(|r| r["id"].to_string());
    m
}

fn graph(g: &Value) -> Value {
    let mut conns = g["conns"].as_array().cloned().unwrap_or_default();
    for c in &mut conns {
        if let Some(rooms) = c["rooms"].as_array_mut() {
            rooms.sort_by_key(|r| r.to_string());
        }
    }
    conns.sort_by_key(|c| c["id"].to_string());
    let mut rooms = g["rooms"].as_array().cloned().unwrap_or_default();
    rooms.sort_by_key(|r| r["name"].to_string());
    json!({ "conns": conns, "rooms": rooms, "grouped": g["grouped"] })
}

/// Everything compared, as one value per console.
async fn view(h: &Harness) -> Value {
    let conns: Value = h.get("/api/connections").await;
    let rooms: Value = h.get("/api/rooms").await;
    // Until a console has seen the first join the room does not exist there yet (404):
    // that is a difference to wait out, not a failure.
    let (_, lobby) = h.get_status("/api/rooms/lobby").await;
    let g: Value = h.get("/api/graph").await;
    let overview: Value = h.get("/api/overview").await;
    json!({
        "connections": conn_facts(&conns),
        "total": conns["total"],
        "rooms": rooms,
        "lobby": members(&lobby),
        "graph": graph(&g),
        "overview": { "connections": overview["connections"], "rooms": overview["rooms"],
                      "roles": overview["roles"] },
    })
}

/// Waits until both consoles show the same, and it is what `done` expects (a change is
/// asynchronous on both sides: before it lands they also agree, on the old state), and returns
/// it.
async fn agreed(
    embedded: &Harness,
    attached: &Harness,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = (Value::Null, Value::Null);
    let found = tokio::time::timeout(switchboard_testkit::WAIT, async {
        loop {
            let (e, a) = (view(embedded).await, view(attached).await);
            if e == a && done(&e) {
                return e;
            }
            last = (e, a);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    match found {
        Ok(v) => v,
        Err(_) => panic!(
            "{what}: the modes disagree\nembedded: {:#}\nattached: {:#}",
            last.0, last.1
        ),
    }
}

#[tokio::test]
async fn one_server_seen_embedded_and_attached_gives_the_same_answers() {
    let embedded = support::start().await;
    let attached = support::start_attached(Vec::new()).await;
    attached
        .core
        .attached()
        .expect("attach mode")
        .add_local(embedded.core.server())
        .expect("the embedded server is followed");

    let alice = embedded.client("user", "alice").await;
    let bot = embedded.client("agent", "bot").await;
    alice
        .request("join", json!({ "room": "lobby" }))
        .await
        .expect("join");
    bot.request("join", json!({ "room": "lobby" }))
        .await
        .expect("join");
    bot.request("join", json!({ "room": "ops" }))
        .await
        .expect("join");
    let first = agreed(&embedded, &attached, "after the joins", |v| {
        v["total"] == 2 && v["lobby"].as_array().is_some_and(|m| m.len() == 2)
    })
    .await;
    assert_eq!(first["total"], 2, "{first:#}");
    assert_eq!(first["lobby"].as_array().unwrap().len(), 2, "{first:#}");

    // A change made through the attached console shows in both.
    let alice_id = embedded.conn_id("alice").await;
    let (status, body) = attached
        .post("/api/rooms/vip/members", &json!({ "conn": alice_id }))
        .await;
    assert_eq!(status, 200, "{body}");
    let second = agreed(
        &embedded,
        &attached,
        "after a room change by the attached console",
        |v| v["rooms"].to_string().contains("vip"),
    )
    .await;
    assert!(second["rooms"].to_string().contains("vip"), "{second:#}");

    // And one made through the embedded console.
    let (status, _) = embedded
        .post(
            &format!("/api/connections/{alice_id}/disconnect"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    // The client reconnects on its own (with a jittered delay, as a new connection), so the
    // count may be back to 2 by the time both consoles agree: what must be gone is the
    // connection that was closed.
    let gone = |v: &Value| {
        v["connections"]
            .as_array()
            .is_some_and(|rows| rows.iter().all(|r| r["id"] != alice_id.as_str()))
    };
    let third = agreed(
        &embedded,
        &attached,
        "after a disconnect by the embedded console",
        gone,
    )
    .await;
    assert!(gone(&third), "{third:#}");

    attached.stop().await;
    embedded.stop().await;
}
