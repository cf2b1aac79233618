//! The newest page of a connection's rows (the connection drawer) derives what the connection
//! received only as far back as the page reaches (`received.rs`): it must hold exactly the
//! newest rows of the whole history, whatever the page size, for a connection that received
//! many pushes, left and rejoined its room in between, and made few rows of its own.

use serde_json::json;
use switchboard_capture::{CaptureReader, Cursor, Filter};
use switchboard_server::tap::TapKind;
use switchboard_server::Server;

use crate::replay::support::{call, client, record};

/// `listen` sits in the lobby while `talk` says 120 things there, leaves for 40 more, rejoins
/// for 40 more; another room's chatter and a bus publish it is not subscribed to go on beside,
/// and the other room's chatter goes on alone at the end.
async fn long_listen(url: String, _server: Server) {
    let listen = client(&url, "user", "listen").await;
    let talk = client(&url, "user", "talk").await;
    let other = client(&url, "agent", "other").await;
    call(&listen, "join", json!({ "room": "lobby" })).await;
    call(&talk, "join", json!({ "room": "lobby" })).await;
    call(&other, "join", json!({ "room": "back" })).await;
    let say = |text: String| json!({ "room": "lobby", "text": text });
    for i in 0..120 {
        call(&talk, "say", say(format!("in {i}"))).await;
        call(&other, "say", json!({ "room": "back", "text": "x" })).await;
    }
    call(&listen, "leave", json!({ "room": "lobby" })).await;
    for i in 0..40 {
        call(&talk, "say", say(format!("away {i}"))).await;
    }
    call(&other, "announce", json!({ "msg": "nobody here" })).await;
    call(&listen, "join", json!({ "room": "lobby" })).await;
    for i in 0..40 {
        call(&talk, "say", say(format!("back {i}"))).await;
        call(&other, "say", json!({ "room": "back", "text": "y" })).await;
    }
    // Then a long stretch of rows that are none of its own and reached nobody in the lobby:
    // the newest page must look back past them.
    for _ in 0..150 {
        call(&other, "say", json!({ "room": "back", "text": "z" })).await;
    }
}

#[tokio::test]
async fn the_newest_page_of_a_connection_is_the_tail_of_its_whole_history() {
    let capture = record(long_listen).await;
    let reader = CaptureReader::open(&capture.path).expect("open");
    let connect = reader
        .query(
            &Filter {
                kinds: vec![TapKind::Connect],
                users: vec!["listen".into()],
                ..Filter::default()
            },
            Cursor::Start,
            10,
        )
        .expect("connect");
    let listen = connect.rows[0].conn.clone().expect("conn");
    let of = Filter {
        conns: vec![listen.clone()],
        ..Filter::default()
    };
    let whole = reader.query(&of, Cursor::Start, 10_000).expect("whole");
    assert!(!whole.has_newer);
    let all: Vec<i64> = whole.rows.iter().map(|r| r.seq).collect();
    let broadcasts: Vec<&str> = whole
        .rows
        .iter()
        .filter(|r| r.kind == TapKind::RoomBroadcast)
        .filter_map(|r| r.payload_str())
        .collect();
    // talk's 160 lobby messages said while it was there (and the demo's "left" notices when the
    // others close), none of the 40 said while it was away.
    let said = |prefix: &str| {
        broadcasts
            .iter()
            .filter(|p| p.contains(&format!("\"{prefix} ")))
            .count()
    };
    assert_eq!((said("in"), said("away"), said("back")), (120, 0, 40));
    let own = whole
        .rows
        .iter()
        .filter(|r| r.conn.as_deref() == Some(listen.as_str()))
        .count();
    assert!(own < 30, "few rows of its own: {own}");
    for limit in (1..=60).chain([100, 150, 170, all.len() - 1, all.len(), all.len() + 5]) {
        let page = reader.query(&of, Cursor::End, limit).expect("page");
        let seqs: Vec<i64> = page.rows.iter().map(|r| r.seq).collect();
        let tail = &all[all.len().saturating_sub(limit)..];
        assert_eq!(seqs, tail, "newest {limit}");
        assert_eq!(page.has_older, limit < all.len(), "has_older at {limit}");
        assert!(!page.has_newer);
    }
}
