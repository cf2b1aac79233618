//! The connection list sorted by the API by a column (messages in and out, queue, errors, age)
//! over every match, then paged; without a column it stays grouped by role, oldest first.

use crate::support;

use serde_json::{json, Value};

fn users(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_list_sorts_by_a_column_over_every_match_then_pages() {
    let h = support::start().await;
    let ann = h.client("user", "ann").await;
    let bot = h.client("agent", "bot").await;
    let cy = h.client("user", "cy").await;
    for _ in 0..4 {
        ann.request("join", json!({ "room": "lobby" }))
            .await
            .unwrap();
    }
    bot.request("join", json!({ "room": "lobby" }))
        .await
        .unwrap();
    // An answer that is an error (no such request) counts against cy.
    let _ = cy.request("no-such-request", json!({})).await;
    let _ = cy.request("no-such-request", json!({})).await;

    let by_in: Value = support::eventually("counts settle", || async {
        let p: Value = h.get("/api/connections?sort=msgs_in").await;
        (users(&p) == ["ann", "cy", "bot"]).then_some(p)
    })
    .await;
    assert_eq!(by_in["total"], 3);
    let smallest: Value = h.get("/api/connections?sort=msgs_in&desc=false").await;
    assert_eq!(users(&smallest), ["bot", "cy", "ann"]);
    // Paging a sorted list: the second of the largest first.
    let second: Value = h
        .get("/api/connections?sort=msgs_in&offset=1&limit=1")
        .await;
    assert_eq!(users(&second), ["cy"]);
    assert_eq!(second["offset"], 1);
    assert_eq!(second["total"], 3);

    let by_errors: Value = h.get("/api/connections?sort=errors").await;
    assert_eq!(users(&by_errors)[0], "cy");
    assert_eq!(by_errors["rows"][0]["errors"], 2);
    assert_eq!(by_errors["rows"][1]["errors"], 0);

    // Age: descending is the oldest first; ties and equal keys keep the list order.
    let oldest: Value = h.get("/api/connections?sort=age").await;
    assert_eq!(users(&oldest), ["ann", "bot", "cy"]);
    let newest: Value = h.get("/api/connections?sort=age&desc=false").await;
    assert_eq!(users(&newest), ["cy", "bot", "ann"]);

    // A filter applies before the sort; without a column the list is grouped by role.
    let role: Value = h
        .get("/api/connections?role=user&sort=msgs_in&desc=false")
        .await;
    assert_eq!(users(&role), ["cy", "ann"]);
    let grouped: Value = h.get("/api/connections").await;
    assert_eq!(users(&grouped), ["bot", "ann", "cy"]);

    let (status, body) = h.get_status("/api/connections?sort=shoe_size").await;
    assert_eq!(status, 400, "an unknown column is refused: {body}");
}
