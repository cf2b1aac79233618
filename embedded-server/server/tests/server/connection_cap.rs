//! The connection cap refuses upgrades beyond it with 503.

use switchboard_demo as demo;
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::support::*;

#[tokio::test]
async fn upgrades_beyond_the_cap_get_503() {
    let mut config = test_config();
    config.max_connections = 2;
    let server = start(demo::builder().unwrap().config(config)).await;
    let _a = Raw::user(&server, "a").await;
    let _b = Raw::user(&server, "b").await;
    match tokio_tungstenite::connect_async(url(&server, "role=user&name=c")).await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status().as_u16(), 503),
        other => panic!("expected 503, got {:?}", other.map(|_| ())),
    }
}
