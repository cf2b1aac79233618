//! Every panel is one code path whatever the node source: the same panel calls (a page of
//! connections, a room's members, a push to a user, room add and remove, disconnect, and their
//! refusals) made through a console that runs a demo server (embedded) and through a console
//! attached to another demo server (through an in-process inspector session) give the same
//! answers, once connection ids and node ids are named by what they stand for.

use serde_json::{json, Value};
use std::collections::HashMap;

use crate::support::{self, Harness};

/// One side of the comparison: the console the calls go to, and the console whose server the
/// clients connect to (the same console when it is embedded).
struct Side<'a> {
    console: &'a Harness,
    host: &'a Harness,
}

/// `value` with every string that is a known id replaced by its name, so two servers' answers
/// compare (their connection ids and node ids differ).
fn named(value: &Value, names: &HashMap<String, String>) -> Value {
    match value {
        Value::String(s) => Value::String(names.get(s).cloned().unwrap_or_else(|| s.clone())),
        Value::Array(items) => Value::Array(items.iter().map(|v| named(v, names)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), named(v, names)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What the connection list must agree on (traffic counters and timings are each server's
/// own; an inspector does not report addresses).
fn conn_facts(page: &Value) -> Value {
    let mut rows: Vec<Value> = page["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            json!({ "id": r["id"], "role": r["role"], "user": r["user"], "node": r["node"],
                    "rooms": r["rooms"], "topics": r["topics"] })
        })
        .collect();
    rows.sort_by_key(|r| r["user"].to_string());
    json!({ "total": page["total"], "offset": page["offset"], "roles": page["roles"], "rows": rows })
}

/// A refusal as the panels read it: the status and the error's code (the wording names the
/// source: "on this node", "on any attached node").
fn refusal((status, body): (u16, Value)) -> Value {
    json!({ "status": status, "code": body["code"] })
}

/// The rows of `user` on the console's first page.
async fn conn_of(console: &Harness, user: &str) -> Option<String> {
    let page: Value = console.get("/api/connections").await;
    page["rows"]
        .as_array()?
        .iter()
        .find(|r| r["user"] == user)
        .and_then(|r| r["id"].as_str())
        .map(str::to_owned)
}

/// The same calls in the same order; each answer named and recorded as (step, answer).
async fn panel_calls(side: Side<'_>) -> Vec<(&'static str, Value)> {
    let c = side.console;
    let mut answers = Vec::new();
    let alice = side.host.client("user", "alice").await;
    let bot = side.host.client("agent", "bot").await;
    let mut alerts = alice.events("alert", 4);
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

    // An attached console learns of the joins from the node's events: wait for them.
    let page: Value = support::eventually("both clients listed with their rooms", || async {
        let page: Value = c.get("/api/connections").await;
        let rows = page["rows"].as_array()?;
        let in_rooms = rows.iter().filter(|r| r["rooms"] != json!([])).count();
        (rows.len() == 2
            && in_rooms == 2
            && rows.iter().any(|r| r["rooms"] == json!(["lobby", "ops"])))
        .then_some(page)
    })
    .await;
    let mut names: HashMap<String, String> = HashMap::new();
    names.insert(
        side.host.core.server().node_id().to_owned(),
        "<node>".into(),
    );
    for row in page["rows"].as_array().unwrap() {
        names.insert(
            row["id"].as_str().unwrap().to_owned(),
            format!("<{}>", row["user"].as_str().unwrap()),
        );
    }
    let alice_id = conn_of(c, "alice").await.expect("alice listed");
    let bot_id = conn_of(c, "bot").await.expect("bot listed");

    answers.push(("connections page", conn_facts(&named(&page, &names))));
    let agents: Value = c.get("/api/connections?role=agent").await;
    answers.push((
        "connections of one role",
        conn_facts(&named(&agents, &names)),
    ));
    let found: Value = c.get("/api/connections?q=ops&limit=1").await;
    answers.push((
        "connections found by room",
        conn_facts(&named(&found, &names)),
    ));

    let lobby: Value = c.get("/api/rooms/lobby").await;
    answers.push(("room members", named(&lobby, &names)));
    let few: Value = c.get("/api/rooms/lobby?limit=1").await;
    answers.push(("room members, first one", named(&few, &names)));
    let rooms: Value = c.get("/api/rooms").await;
    answers.push(("rooms", rooms));
    answers.push((
        "a room nobody is in",
        refusal(c.get_status("/api/rooms/nowhere").await),
    ));

    // A push to a user: the same count delivered, and the client gets the same payload.
    let payload = json!({ "level": "warn", "text": "from the console" });
    let (status, record) = c
        .post(
            "/api/push",
            &json!({ "target": { "kind": "user", "user": "alice" }, "name": "alert", "payload": payload }),
        )
        .await;
    answers.push((
        "push to a user",
        json!({ "status": status, "delivered": record["delivered"], "error": record["error"] }),
    ));
    let got = tokio::time::timeout(switchboard_testkit::WAIT, alerts.recv())
        .await
        .expect("the push arrives")
        .expect("alice's events are open");
    answers.push(("what the user received", got));
    answers.push((
        "push to a user with no connection",
        refusal(
            c.post(
                "/api/push",
                &json!({ "target": { "kind": "user", "user": "nobody" }, "name": "alert", "payload": payload }),
            )
            .await,
        ),
    ));
    let (status, body) = c
        .post(
            "/api/push",
            &json!({ "target": { "kind": "user", "user": "alice" }, "name": "alert", "payload": { "level": "loud" } }),
        )
        .await;
    let mut paths: Vec<String> = body["issues"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| i["path"].to_string())
        .collect();
    paths.sort();
    answers.push((
        "push with a payload its schema refuses",
        json!({ "status": status, "code": body["code"], "paths": paths }),
    ));

    // Room add and remove, each answered and then seen in the room.
    let add = json!({ "conn": alice_id });
    let (status, body) = c.post("/api/rooms/vip/members", &add).await;
    answers.push(("add to a room", json!({ "status": status, "body": body })));
    let vip: Value = support::eventually("the room with its new member", || async {
        let (status, vip) = c.get_status("/api/rooms/vip").await;
        (status == 200).then_some(vip)
    })
    .await;
    answers.push(("the room after the add", named(&vip, &names)));
    let (status, body) = c.post("/api/rooms/vip/members", &add).await;
    answers.push((
        "add to a room again",
        json!({ "status": status, "body": body }),
    ));
    let (status, body) = c
        .delete(&format!("/api/rooms/vip/members/{alice_id}"))
        .await;
    answers.push((
        "remove from a room",
        json!({ "status": status, "body": body }),
    ));
    let gone = support::eventually("the room gone with its last member", || async {
        let (status, body) = c.get_status("/api/rooms/vip").await;
        (status == 404).then_some((status, body))
    })
    .await;
    answers.push(("the room after the remove", refusal(gone)));
    answers.push((
        "add a connection that is not there",
        refusal(
            c.post("/api/rooms/vip/members", &json!({ "conn": "no-such-conn" }))
                .await,
        ),
    ));

    // Disconnect: answered, then the connection is gone from the list (the demo client comes
    // back as a new connection after a jittered delay, so what is compared is the closed id).
    let (status, body) = c
        .post(&format!("/api/connections/{bot_id}/disconnect"), &json!({}))
        .await;
    answers.push(("disconnect", json!({ "status": status, "body": body })));
    support::eventually("the closed connection gone from the list", || async {
        let page: Value = c.get("/api/connections").await;
        let rows = page["rows"].as_array()?;
        rows.iter()
            .all(|r| r["id"] != bot_id.as_str())
            .then_some(())
    })
    .await;
    answers.push((
        "disconnect a connection that is not there",
        refusal(
            c.post("/api/connections/no-such-conn/disconnect", &json!({}))
                .await,
        ),
    ));
    answers.push((
        "the detail of a closed connection",
        refusal(c.get_status(&format!("/api/connections/{bot_id}")).await),
    ));
    drop((alice, bot));
    answers
}

#[tokio::test]
async fn the_same_panel_calls_answer_the_same_embedded_and_attached() {
    let embedded = support::start().await;
    let host = support::start().await;
    let attached = support::start_attached(Vec::new()).await;
    attached
        .core
        .attached()
        .expect("attach mode")
        .add_local(host.core.server())
        .expect("the other server is followed");

    let from_embedded = panel_calls(Side {
        console: &embedded,
        host: &embedded,
    })
    .await;
    let from_attached = panel_calls(Side {
        console: &attached,
        host: &host,
    })
    .await;

    assert_eq!(from_embedded.len(), from_attached.len());
    for ((step, e), (_, a)) in from_embedded.iter().zip(&from_attached) {
        assert_eq!(e, a, "{step}: embedded {e:#}\nattached {a:#}");
    }
    // The comparison is not vacuous: the answers say what happened.
    let answer = |step: &str| {
        from_embedded
            .iter()
            .find(|(s, _)| *s == step)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(answer("connections page")["total"], 2);
    assert_eq!(answer("room members")["size"], 2);
    assert_eq!(answer("push to a user")["delivered"], 1);
    assert_eq!(answer("add to a room")["body"]["changed"], true);
    assert_eq!(answer("add to a room again")["body"]["changed"], false);
    assert_eq!(answer("remove from a room")["body"]["changed"], true);
    assert_eq!(answer("disconnect")["body"]["closed"], true);
    assert_eq!(answer("push to a user with no connection")["status"], 404);

    attached.stop().await;
    host.stop().await;
    embedded.stop().await;
}
