//! A connection's remote address and user agent in the list, and its upgrade headers in the
//! detail with secret-looking ones (cookies, authorization) masked.

use crate::support;

use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn the_address_user_agent_and_masked_headers_are_shown() {
    let h = support::start().await;
    let url = format!("{}?role=user&name=dora", h.core.app_url());
    let mut req = url.into_client_request().unwrap();
    let headers = req.headers_mut();
    headers.insert("user-agent", "probe/1.0 (e2e)".parse().unwrap());
    headers.insert("cookie", "session=s3cr3t-cookie".parse().unwrap());
    headers.insert("authorization", "Bearer s3cr3t-bearer".parse().unwrap());
    headers.insert("x-trace", "t-42".parse().unwrap());
    let (_ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let id = h.conn_id("dora").await;

    let page: Value = h.get("/api/connections?q=dora").await;
    let row = &page["rows"][0];
    assert_eq!(row["user_agent"], "probe/1.0 (e2e)");
    assert!(
        row["remote"].as_str().unwrap().starts_with("127.0.0.1:"),
        "{row}"
    );

    let detail: Value = h.get(&format!("/api/connections/{id}")).await;
    let headers = &detail["headers"];
    assert_eq!(headers["x-trace"], "t-42");
    assert_eq!(headers["cookie"], "********");
    assert_eq!(headers["authorization"], "********");
    assert_eq!(headers["user-agent"], "probe/1.0 (e2e)");
    let text = detail.to_string();
    assert!(!text.contains("s3cr3t"), "no secret leaks: {text}");
}
