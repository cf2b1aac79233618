//! A node with an inspector publishes where consoles attach in its cluster presence record
//! (without the token), so `switchboard attach --redis` can find it; stopping the inspector
//! withdraws it.

use std::net::SocketAddr;

use switchboard_inspector::InspectorConfig;

use crate::support::*;

/// The inspector address in this node's own presence record, as the cluster sees it.
async fn published(server: &switchboard_server::RunningServer) -> Option<String> {
    let me = server.server.node_id().to_owned();
    let nodes = server
        .server
        .cluster()
        .nodes()
        .await
        .expect("presence reads");
    nodes.into_iter().find(|n| n.id == me)?.inspector
}

#[tokio::test]
async fn the_bound_address_is_published_without_the_token_and_withdrawn_on_shutdown() {
    let server = start_demo().await;
    let inspector = start_inspector(&server).await;
    let expected = format!("ws://{}/", inspector.addr());
    assert_eq!(server.server.advertised_inspector(), Some(expected.clone()));
    until("the presence record names the inspector", || async {
        published(&server).await.as_deref() == Some(expected.as_str())
    })
    .await;
    let record = published(&server).await.unwrap();
    assert!(
        !record.contains(inspector.token()),
        "the token is never published"
    );
    inspector.shutdown().await;
    assert_eq!(server.server.advertised_inspector(), None);
    until("the presence record no longer names it", || async {
        published(&server).await.is_none()
    })
    .await;
}

#[tokio::test]
async fn a_wildcard_address_is_published_only_as_configured() {
    let server = start_demo().await;
    let wildcard: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let inspector = start_inspector_with(
        &server,
        InspectorConfig {
            listen: wildcard,
            token: Some("cluster-token".into()),
            ..InspectorConfig::default()
        },
    )
    .await;
    assert_eq!(
        server.server.advertised_inspector(),
        None,
        "0.0.0.0 is no address a console could dial"
    );
    inspector.shutdown().await;

    let inspector = start_inspector_with(
        &server,
        InspectorConfig {
            listen: wildcard,
            token: Some("cluster-token".into()),
            advertise: Some("10.1.2.3:7071".into()),
            ..InspectorConfig::default()
        },
    )
    .await;
    assert_eq!(
        server.server.advertised_inspector().as_deref(),
        Some("ws://10.1.2.3:7071/")
    );
    inspector.shutdown().await;
}
