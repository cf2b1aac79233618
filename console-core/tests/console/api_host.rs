//! The console answers only under its own host names (a page on another name that resolves to
//! loopback, DNS rebinding, is refused), sends headers that keep its page from being framed,
//! leaking its URL or loading foreign scripts, and trades the token in the page's URL for a
//! cookie after the first load.

use crate::support;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn only_the_consoles_own_host_names_are_served() {
    let h = support::start().await;
    let port = h.core.ui_addr().port();
    let url = format!("{}/api/overview", h.base);
    let with_host = |host: String| {
        h.http
            .get(&url)
            .bearer_auth(&h.token)
            .header("Host", host)
            .send()
    };
    let evil = with_host("evil.example".into()).await.unwrap();
    assert_eq!(evil.status(), 421, "a foreign host name is refused");
    let evil_port = with_host(format!("evil.example:{port}")).await.unwrap();
    assert_eq!(evil_port.status(), 421);
    for ok in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let res = with_host(ok.clone()).await.unwrap();
        assert_eq!(res.status(), 200, "{ok}");
    }
    // Also the page and the UI's files.
    let page = h
        .http
        .get(format!("{}/?token={}", h.base, h.token))
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 421);
}

#[tokio::test]
async fn every_answer_carries_the_protective_headers() {
    let h = support::start().await;
    let api = h
        .http
        .get(format!("{}/api/overview", h.base))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    let page = no_redirects()
        .get(format!("{}/?token={}", h.base, h.token))
        .send()
        .await
        .unwrap();
    for res in [&api, &page] {
        let hd = res.headers();
        assert_eq!(hd["referrer-policy"], "no-referrer");
        assert_eq!(hd["x-frame-options"], "DENY");
        assert_eq!(hd["x-content-type-options"], "nosniff");
    }
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    let scripts = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .expect("script-src");
    assert!(!scripts.contains("unsafe-inline"), "{scripts}");
}

#[tokio::test]
async fn the_token_in_the_url_becomes_a_cookie() {
    let h = support::start().await;
    let http = no_redirects();
    let page = http
        .get(format!("{}/?token={}", h.base, h.token))
        .send()
        .await
        .unwrap();
    assert!(
        page.status() == 200 || page.status() == 503,
        "{}",
        page.status()
    );
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains(&h.token), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();
    if page.status() == 200 {
        let html = page.text().await.unwrap();
        assert!(
            html.contains("forget-token.js"),
            "the page drops the token from its URL"
        );
        let script = http
            .get(format!("{}/__switchboard/forget-token.js", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(script.status(), 200);
        assert!(script
            .text()
            .await
            .unwrap()
            .contains("history.replaceState"));
    }

    // The cookie alone opens the API.
    let api = http
        .get(format!("{}/api/overview", h.base))
        .header("Cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    // ... but not from another site.
    let cross = http
        .get(format!("{}/api/overview", h.base))
        .header("Cookie", &pair)
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    // A reload of the bare page with the cookie gets the page back.
    let reload = http
        .get(format!("{}/", h.base))
        .header("Cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(reload.status(), 303);
    // Without token or cookie: refused as before.
    let bare = http.get(format!("{}/", h.base)).send().await.unwrap();
    assert_eq!(bare.status(), 401);
}
