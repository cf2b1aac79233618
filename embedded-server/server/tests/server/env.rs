//! `set_env` re-sends the whole `env` frame.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn set_env_resends_env() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let conn = server.server.conn(&server.server.local()[0].id).unwrap();
    conn.set_env(json!({"plan":"pro","unread":3})).unwrap();
    assert_eq!(
        alice.drain().await,
        vec![json!({"t":"env","d":{"plan":"pro","unread":3}})]
    );
    assert_eq!(conn.env(), json!({"plan":"pro","unread":3}));
}
