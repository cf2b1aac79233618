//! Connections: the list grouped by role and searchable, the detail with secrets masked and
//! recent traffic, and disconnecting by hand.

use crate::support;

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_client::ConnState;

#[tokio::test]
async fn the_list_is_ordered_by_role_filtered_and_paged() {
    let h = support::start().await;
    let _u1 = h.client("user", "ann").await;
    let _a1 = h.client("agent", "bot").await;
    let _u2 = h.client("user", "ben").await;

    let page: Value = h.get("/api/connections").await;
    assert_eq!(page["total"], 3);
    let roles: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, vec!["agent", "user", "user"]);

    let users: Value = h.get("/api/connections?role=user&limit=1&offset=1").await;
    assert_eq!(users["total"], 2);
    assert_eq!(users["rows"].as_array().unwrap().len(), 1);
    assert_eq!(users["rows"][0]["user"], "ben");

    let search: Value = h.get("/api/connections?q=BO").await;
    assert_eq!(search["total"], 1);
}

#[tokio::test]
async fn the_detail_masks_secrets_and_shows_recent_traffic() {
    let h = support::start().await;
    let opts = switchboard_client::ClientOptions::new(h.core.app_url(), "user")
        .param("name", "carol")
        .param("api_key", "hunter2");
    let carol = switchboard_client::Client::connect(opts);
    carol.wait_connected(Duration::from_secs(10)).await.unwrap();
    carol
        .request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    let id = h.conn_id("carol").await;

    let detail: Value = support::eventually("recorded traffic", || async {
        let d: Value = h.get(&format!("/api/connections/{id}")).await;
        (!d["recent"].as_array().unwrap().is_empty()).then_some(d)
    })
    .await;
    assert_eq!(detail["params"]["api_key"], "********");
    assert_eq!(detail["params"]["name"], "carol");
    assert_eq!(detail["info"]["rooms"], json!(["lobby"]));
    assert!(!detail.to_string().contains("hunter2"));
}

#[tokio::test]
async fn disconnecting_by_hand_closes_the_client() {
    let h = support::start().await;
    let dave = h.client("user", "dave").await;
    let mut state = dave.watch_state();
    let id = h.conn_id("dave").await;
    let (status, _) = h
        .post(
            &format!("/api/connections/{id}/disconnect"),
            &json!({ "reason": "bye" }),
        )
        .await;
    assert_eq!(status, 200);
    tokio::time::timeout(Duration::from_secs(5), async {
        while *state.borrow_and_update() == ConnState::Connected {
            if state.changed().await.is_err() {
                break;
            }
        }
    })
    .await
    .expect("the client saw the close");
    let (status, _) = h
        .post("/api/connections/nobody/disconnect", &json!({}))
        .await;
    assert_eq!(status, 404);
}
