//! What a plan expects each connection to receive, rebuilt from membership rows.

use serde_json::{json, Value};
use switchboard_capture::replay::{ActionKind, ReplayPlan, Selection};
use switchboard_capture::Row;
use switchboard_server::tap::{Origin, TapKind};

fn row(seq: i64, kind: TapKind, conn: Option<&str>, user: Option<&str>) -> Row {
    Row {
        seq,
        at_us: 1_000 + seq,
        node_id: "n".into(),
        session_id: 1,
        kind,
        name: None,
        conn: conn.map(Into::into),
        role: user.map(|u| if u == "bot" { "agent" } else { "user" }.to_owned()),
        user: user.map(Into::into),
        rooms: Vec::new(),
        topic: None,
        payload: None,
        payload_text: None,
        size: 0,
        recipients: None,
        origin: Origin::Client,
        meta: None,
    }
}

fn connect(seq: i64, conn: &str, user: &str) -> Row {
    let mut r = row(seq, TapKind::Connect, Some(conn), Some(user));
    let role = r.role.clone();
    r.meta = Some(json!({ "params": { "role": role, "name": user } }));
    r
}

fn join(seq: i64, conn: &str, user: &str, room: &str) -> Row {
    let mut r = row(seq, TapKind::RoomAdd, Some(conn), Some(user));
    r.rooms = vec![room.into()];
    r
}

fn push(seq: i64, kind: TapKind, name: &str, d: Value) -> Row {
    let mut r = row(seq, kind, None, None);
    r.name = Some(name.into());
    r.payload = serde_json::value::to_raw_value(&d).ok();
    r
}

fn received(plan: &ReplayPlan, conn: &str) -> Vec<String> {
    plan.connections
        .iter()
        .find(|c| c.conn == conn)
        .map(|c| {
            c.pushes
                .iter()
                .map(|p| p.frame["d"]["text"].to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn deliveries_follow_rooms_filters_roles_and_disconnects() {
    let contract = json!({
        "shared": { "serverToClient": { "message": {} } },
        "roles": { "user": { "serverToClient": { "alert": {} } }, "agent": {} }
    });
    let mut rows = vec![
        connect(1, "a", "alice"),
        connect(2, "b", "bob"),
        connect(3, "c", "bot"),
        join(4, "a", "alice", "lobby"),
        join(5, "b", "bob", "lobby"),
        join(6, "c", "bot", "lobby"),
    ];
    // A broadcast from alice to the room, leaving her out.
    let mut from_alice = push(7, TapKind::RoomBroadcast, "message", json!({ "text": "1" }));
    from_alice.rooms = vec!["lobby".into()];
    from_alice.meta = Some(json!({ "except": "a", "only_conns": null, "only_users": null }));
    rows.push(from_alice);
    // Only bob.
    let mut only_bob = push(8, TapKind::RoomBroadcast, "message", json!({ "text": "2" }));
    only_bob.rooms = vec!["lobby".into()];
    only_bob.meta = Some(json!({ "except": null, "only_conns": null, "only_users": ["bob"] }));
    rows.push(only_bob);
    // bob leaves; a broadcast to everyone still connected.
    rows.push(row(9, TapKind::Disconnect, Some("b"), Some("bob")));
    rows.push(push(
        10,
        TapKind::Broadcast,
        "message",
        json!({ "text": "3" }),
    ));
    // A to-user push of an event only the `user` role declares, to an agent: not delivered.
    let mut alert = push(11, TapKind::ToUser, "alert", json!({ "text": "4" }));
    alert.user = Some("bot".into());
    rows.push(alert);

    let plan = ReplayPlan::from_rows(rows, Some(&contract), &Selection::default());
    assert_eq!(received(&plan, "a"), ["\"3\""]);
    assert_eq!(received(&plan, "b"), ["\"1\"", "\"2\""]);
    assert_eq!(received(&plan, "c"), ["\"1\"", "\"3\""]);
    // bob's close is a client close: it is replayed as an action.
    let bob = plan
        .connections
        .iter()
        .find(|c| c.conn == "b")
        .expect("bob");
    assert_eq!(
        bob.actions.last().map(|a| &a.kind),
        Some(&ActionKind::Close)
    );
    assert_eq!(plan.pushes.len(), 4);
    assert_eq!(plan.pushes[0].except_user.as_deref(), Some("alice"));
    assert_eq!(plan.pushes[1].only_users, Some(vec!["bob".to_owned()]));
}
