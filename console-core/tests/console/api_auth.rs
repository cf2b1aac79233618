//! Every API call needs the per-run token; other origins are refused; no CORS is offered.

use crate::support;

#[tokio::test]
async fn calls_without_the_right_token_are_refused() {
    let h = support::start().await;
    let url = format!("{}/api/overview", h.base);
    let none = h.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let body: serde_json::Value = none.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");

    let wrong = h.http.get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), 401);

    let by_header = h.http.get(&url).bearer_auth(&h.token).send().await.unwrap();
    assert_eq!(by_header.status(), 200);
    let by_query = h
        .http
        .get(format!("{url}?token={}", h.token))
        .send()
        .await
        .unwrap();
    assert_eq!(by_query.status(), 200);
    assert!(by_query
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn other_origins_are_refused_even_with_the_token() {
    let h = support::start().await;
    let res = h
        .http
        .get(format!("{}/api/overview", h.base))
        .bearer_auth(&h.token)
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let same = h
        .http
        .get(format!("{}/api/overview", h.base))
        .bearer_auth(&h.token)
        .header("Origin", &h.base)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
}

#[tokio::test]
async fn the_page_needs_the_token_and_unknown_endpoints_are_404() {
    let h = support::start().await;
    let page = h.http.get(format!("{}/", h.base)).send().await.unwrap();
    assert_eq!(page.status(), 401);
    let page = h
        .http
        .get(format!("{}/?token={}", h.base, h.token))
        .send()
        .await
        .unwrap();
    assert!(
        page.status() == 200 || page.status() == 503,
        "{}",
        page.status()
    );
    let unknown = h
        .http
        .get(format!("{}/api/nothing-here", h.base))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}
