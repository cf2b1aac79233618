//! Who may attach: the token (401), the `Origin` rule (403), the session cap (503), and the
//! refusal to listen beyond loopback without a token.

use switchboard_inspector::{
    ClientError, ClientOptions, Inspector, InspectorClient, InspectorConfig, InspectorError,
};

use crate::support::*;

fn refused_status(result: Result<InspectorClient, ClientError>) -> u16 {
    match result {
        Err(ClientError::Refused { status, .. }) => status,
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected an HTTP refusal, the console attached"),
    }
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_refused_with_401() {
    let server = start_demo().await;
    let inspector = start_inspector(&server).await;
    let bare = format!("ws://{}/", inspector.addr());
    assert_eq!(refused_status(InspectorClient::connect(&bare).await), 401);
    let wrong = format!("{bare}?token=0123456789abcdef0123456789abcdef");
    assert_eq!(refused_status(InspectorClient::connect(&wrong).await), 401);
    let bad_bearer = ClientOptions {
        bearer: Some("nope".into()),
        ..ClientOptions::default()
    };
    assert_eq!(
        refused_status(InspectorClient::connect_with(&bare, bad_bearer).await),
        401
    );

    // The right token, in the query or as a bearer header, attaches.
    let _by_query = attach(&inspector).await;
    let bearer = ClientOptions {
        bearer: Some(inspector.token().to_owned()),
        ..ClientOptions::default()
    };
    let by_header = InspectorClient::connect_with(&bare, bearer)
        .await
        .expect("a bearer token attaches");
    assert_eq!(by_header.hello().node, server.server.node_id());
    // Consoles are never application connections.
    assert_eq!(server.server.connection_count(), 0);
    assert_eq!(server.server.stats().connections_total, 0);
}

#[tokio::test]
async fn a_foreign_origin_is_refused_with_403_even_with_the_token() {
    let server = start_demo().await;
    let inspector = start_inspector_with(
        &server,
        InspectorConfig {
            allowed_origins: vec!["https://console.example.com".into()],
            ..InspectorConfig::default()
        },
    )
    .await;
    let from = |origin: &str| ClientOptions {
        origin: Some(origin.to_owned()),
        ..ClientOptions::default()
    };
    let url = inspector.attach_url();
    assert_eq!(
        refused_status(InspectorClient::connect_with(&url, from("https://evil.example")).await),
        403
    );
    assert_eq!(
        refused_status(InspectorClient::connect_with(&url, from("null")).await),
        403
    );
    // Loopback pages and listed origins may attach (with the token).
    for ok in ["http://localhost:5173", "https://console.example.com"] {
        InspectorClient::connect_with(&url, from(ok))
            .await
            .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    // A foreign origin is refused before the token is looked at.
    let no_token = format!("ws://{}/", inspector.addr());
    assert_eq!(
        refused_status(
            InspectorClient::connect_with(&no_token, from("https://evil.example")).await
        ),
        403
    );
}

#[tokio::test]
async fn a_non_loopback_address_without_a_token_refuses_to_start() {
    let server = start_demo().await;
    let open = InspectorConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..InspectorConfig::default()
    };
    match Inspector::start(&server.server, open.clone()).await {
        Err(InspectorError::TokenRequired { addr }) => assert_eq!(addr, open.listen),
        Err(e) => panic!("expected TokenRequired, got {e}"),
        Ok(_) => panic!("expected TokenRequired, the inspector started"),
    }
    let empty = InspectorConfig {
        token: Some(String::new()),
        ..InspectorConfig::default()
    };
    assert!(matches!(
        Inspector::start(&server.server, empty).await,
        Err(InspectorError::EmptyToken)
    ));
    // With a token it starts, and the URL carries the token.
    let with_token = InspectorConfig {
        token: Some("a token/with+odd&chars".into()),
        ..open
    };
    let inspector = Inspector::start(&server.server, with_token)
        .await
        .expect("starts with a token");
    assert_eq!(inspector.token(), "a token/with+odd&chars");
    let url = format!(
        "ws://127.0.0.1:{}/?{}",
        inspector.addr().port(),
        inspector.attach_url().split_once('?').unwrap().1
    );
    let console = InspectorClient::connect(&url).await.expect("attaches");
    assert_eq!(console.hello().node, server.server.node_id());
    assert_eq!(
        console.hello().transport.as_deref(),
        Some("memory"),
        "a node alone says so, so a console knows its pushes stay on it"
    );
    inspector.shutdown().await;
}

#[tokio::test]
async fn a_generated_token_is_random_hex_of_32_digits_or_more() {
    let server = start_demo().await;
    let a = start_inspector(&server).await;
    let b = start_inspector(&server).await;
    for t in [a.token(), b.token()] {
        assert!(t.len() >= 32, "{t}");
        assert!(t.bytes().all(|c| c.is_ascii_hexdigit()), "{t}");
    }
    assert_ne!(a.token(), b.token());
    assert!(a.attach_url().ends_with(&format!("/?token={}", a.token())));
}

#[tokio::test]
async fn consoles_beyond_the_cap_are_refused_with_503() {
    let server = start_demo().await;
    let inspector = start_inspector_with(
        &server,
        InspectorConfig {
            max_sessions: 1,
            ..InspectorConfig::default()
        },
    )
    .await;
    let first = attach(&inspector).await;
    assert_eq!(
        refused_status(InspectorClient::connect(&inspector.attach_url()).await),
        503
    );
    // A slot frees when its console leaves.
    drop(first);
    let again = eventually_some("the slot to free", || async {
        InspectorClient::connect(&inspector.attach_url()).await.ok()
    })
    .await;
    assert_eq!(again.hello().node, server.server.node_id());
}
