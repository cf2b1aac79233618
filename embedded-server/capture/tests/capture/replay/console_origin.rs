//! The console's test connections ("Try it") carry `sb_console` with the server's key (sent by
//! the Rust client as an upgrade header): they are recorded with origin `console`, and a replay
//! of the capture leaves them out while keeping the ordinary clients. Without the key the
//! parameter proves nothing.

use switchboard_capture::replay::{ReplayPlan, Selection};
use switchboard_capture::{CaptureReader, Cursor, Filter, Row};
use switchboard_client::{Client, ClientOptions};
use switchboard_server::tap::{Origin, TapKind};
use switchboard_server::{CONSOLE_PARAM, REPLAY_KEY_HEADER};

use super::support::*;

#[tokio::test]
async fn console_connections_are_recorded_as_console_and_left_out_of_replays() {
    let capture = temp_capture();
    let rec = recorder(&capture.path);
    let target = start(demo_builder().tap(rec.clone())).await;
    let key = target.server.replay_key().expose().to_owned();
    let connect = |name: &str, keyed: bool| {
        let mut opts = ClientOptions::new(target.url(), "user")
            .param("name", name)
            .param(CONSOLE_PARAM, "try-1")
            .reconnect(false)
            .request_timeout(WAIT);
        if keyed {
            opts = opts.header(REPLAY_KEY_HEADER, key.as_str());
        }
        Client::connect(opts)
    };
    let tester = connect("tester", true);
    let pretender = connect("pretender", false);
    let ordinary = client(&target.url(), "user", "ordinary").await;
    for c in [&tester, &pretender] {
        c.wait_connected(WAIT).await.expect("connects");
    }
    for c in [&tester, &pretender, &ordinary] {
        call(c, "join", serde_json::json!({"room":"lobby"})).await;
    }
    drop((tester, pretender, ordinary));
    settle(&target).await;
    rec.flush().expect("flush");

    let reader = CaptureReader::open(&capture.path).expect("open capture");
    let rows: Vec<Row> = reader
        .query(&Filter::default(), Cursor::Start, 10_000)
        .expect("query")
        .rows;
    let origin_of = |user: &str| {
        rows.iter()
            .find(|r| r.kind == TapKind::RequestIn && r.user.as_deref() == Some(user))
            .map(|r| r.origin)
    };
    assert_eq!(origin_of("tester"), Some(Origin::Console));
    assert_eq!(origin_of("pretender"), Some(Origin::Client));
    assert_eq!(origin_of("ordinary"), Some(Origin::Client));
    // The origin filter finds the console's rows: the tester's own, and what the server did while
    // handling them (the room broadcast its join caused names no connection).
    let console_rows = reader
        .query(
            &Filter {
                origins: vec![Origin::Console],
                ..Filter::default()
            },
            Cursor::Start,
            1_000,
        )
        .expect("query")
        .rows;
    assert!(!console_rows.is_empty());
    let odd: Vec<_> = console_rows
        .iter()
        .filter(|r| r.user.as_deref() != Some("tester") && r.conn.is_some())
        .map(|r| {
            (
                r.kind.as_str(),
                r.user.clone(),
                r.conn.clone(),
                r.name.clone(),
            )
        })
        .collect();
    assert!(odd.is_empty(), "{odd:?}");

    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let planned: Vec<Option<&str>> = plan.connections.iter().map(|c| c.user.as_deref()).collect();
    assert!(planned.contains(&Some("ordinary")), "{planned:?}");
    assert!(planned.contains(&Some("pretender")), "{planned:?}");
    assert!(!planned.contains(&Some("tester")), "{planned:?}");
}
