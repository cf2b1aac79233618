//! Who is recorded as the replayer: only a connection that carries the server's replay key. A
//! client that merely adds `sb_replay=...` to its URL is an ordinary client, recorded (and later
//! replayed) as one.

use std::sync::Arc;
use switchboard_capture::replay::{ReplayOrder, ReplayPlan, ReplayTarget, Replayer, Selection};

use switchboard_capture::{CaptureReader, Cursor, Filter, Recorder, Row};
use switchboard_client::{Client, ClientOptions};
use switchboard_server::tap::{Origin, TapKind};
use switchboard_server::{ReplayKey, RunningServer, ServerConfig, REPLAY_KEY_HEADER, REPLAY_PARAM};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::scenarios;
use super::support::*;

/// Every row of a capture file.
fn rows(path: &std::path::Path) -> Vec<Row> {
    let reader = CaptureReader::open(path).expect("open capture");
    reader
        .query(&Filter::default(), Cursor::Start, 10_000)
        .expect("query")
        .rows
}

#[tokio::test]
async fn a_client_claiming_to_be_the_replayer_is_recorded_as_a_client() {
    let capture = temp_capture();
    let rec = recorder(&capture.path);
    let target = start(demo_builder().tap(rec.clone())).await;
    let mallory = Client::connect(
        ClientOptions::new(target.url(), "user")
            .param("name", "mallory")
            .param(REPLAY_PARAM, "rp-spoofed")
            .reconnect(false)
            .request_timeout(WAIT),
    );
    mallory
        .wait_connected(WAIT)
        .await
        .expect("mallory connects");
    call(&mallory, "join", serde_json::json!({"room":"lobby"})).await;
    drop(mallory);
    settle(&target).await;
    rec.flush().expect("flush");

    let rows = rows(&capture.path);
    let mine: Vec<&Row> = rows
        .iter()
        .filter(|r| r.user.as_deref() == Some("mallory"))
        .collect();
    assert!(mine.iter().any(|r| r.kind == TapKind::RequestIn));
    for row in &mine {
        assert_eq!(
            row.origin,
            Origin::Client,
            "{} row of a spoofing client",
            row.kind.as_str()
        );
    }
    // So a replay of this capture replays mallory like any other recorded client.
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    assert!(
        plan.connections
            .iter()
            .any(|c| c.user.as_deref() == Some("mallory")),
        "{:?}",
        plan.skipped
    );
}

/// A demo server recording into `capture`, started with the operator's replay key.
async fn keyed_target(capture: &Capture, key: &ReplayKey) -> (RunningServer, Arc<Recorder>) {
    let rec = recorder(&capture.path);
    let server = demo_builder()
        .tap(rec.clone())
        .config(ServerConfig {
            replay_key: Some(key.clone()),
            ..config()
        })
        .build()
        .expect("server builds");
    let running = server.start("127.0.0.1:0").await.expect("server starts");
    (running, rec)
}

#[tokio::test]
async fn a_client_with_a_wrong_key_is_recorded_as_a_client() {
    let key = ReplayKey::new("the-operators-replay-key").unwrap();
    let capture = temp_capture();
    let (target, _rec) = keyed_target(&capture, &key).await;
    let url = format!(
        "{}?role=user&name=eve&{REPLAY_PARAM}=rp-guess",
        target.url()
    );
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        REPLAY_KEY_HEADER,
        HeaderValue::from_static("the-operators-replay-kez"),
    );
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("a wrong key does not refuse the upgrade");
    let eve = target.server.local().pop().expect("eve connected");
    assert_eq!((eve.user.as_str(), eve.origin.as_str()), ("eve", "client"));
    drop(ws);
    settle(&target).await;
}

#[tokio::test]
async fn a_replay_with_the_targets_key_is_recorded_as_replay_and_the_key_is_never_stored() {
    let recorded = record(scenarios::solo).await;
    let plan = ReplayPlan::load(&recorded.path, &Selection::default()).expect("plan");
    let key = ReplayKey::new("the-operators-replay-key").unwrap();
    let capture = temp_capture();
    let (target, rec) = keyed_target(&capture, &key).await;

    // Without the key, the replayed connections are recorded as the clients they seem to be.
    let report = Replayer::with_id(opts(ReplayOrder::Recorded), "rp-keyless")
        .run(&plan, &ReplayTarget::url(target.url()))
        .await
        .expect("replay runs");
    assert!(!report.has_differences(), "{}", explain(&report));
    // With it, as the replayer's.
    let report = Replayer::with_id(opts(ReplayOrder::Recorded), "rp-keyed")
        .run(
            &plan,
            &ReplayTarget::url_with_key(target.url(), key.clone()),
        )
        .await
        .expect("replay runs");
    assert!(!report.has_differences(), "{}", explain(&report));
    settle(&target).await;
    rec.flush().expect("flush");

    let rows = rows(&capture.path);
    let replay_of = |row: &Row| -> String {
        let conn = row.conn.as_deref();
        let connect = rows
            .iter()
            .find(|r| r.kind == TapKind::Connect && r.conn.as_deref() == conn)
            .expect("a connect row");
        connect.meta.as_ref().expect("meta")["params"][REPLAY_PARAM]
            .as_str()
            .expect("the replay id is kept")
            .to_owned()
    };
    assert!(rows.iter().any(|r| r.kind == TapKind::RequestIn));
    for row in rows.iter().filter(|r| r.conn.is_some()) {
        let expected = match replay_of(row).as_str() {
            "rp-keyless" => Origin::Client,
            "rp-keyed" => Origin::Replay,
            other => panic!("unexpected replay id {other}"),
        };
        assert_eq!(row.origin, expected, "{} row", row.kind.as_str());
    }
    // The key travelled in a header the server took off the request: no row holds it, and
    // neither does any byte of the capture files (where the replay id is found).
    let files: Vec<Vec<u8>> = std::fs::read_dir(capture._dir.path())
        .unwrap()
        .map(|f| std::fs::read(f.unwrap().path()).unwrap())
        .collect();
    let stored = |needle: &[u8]| {
        files
            .iter()
            .any(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
    };
    assert!(stored(b"rp-keyed"));
    assert!(
        !stored(key.expose().as_bytes()),
        "the replay key was stored"
    );
}
