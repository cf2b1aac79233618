#![allow(dead_code)] // shared by the capture and command-line test binaries; each uses a part
//! Harness for the replay tests: real demo servers on port 0, a recorder writing a real SQLite
//! capture, scripted clients, and a second demo whose `say` handler was changed.
//!
//! Every wait is bounded by [`WAIT`], so a broken replay fails a test instead of hanging it.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_capture::replay::{
    ConnectionReport, MessageReport, ReplayOptions, ReplayOrder, ReplayPlan, ReplayReport,
    ReplayTarget, Replayer, Status, Stream,
};
use switchboard_capture::{Recorder, RecorderConfig};
use switchboard_client::{Client, ClientOptions};
use switchboard_demo as demo;
use switchboard_server::{Conn, Ctx, HandlerError, RunningServer, ServerBuilder};
use switchboard_server::{Server, ServerConfig};

/// The deadline every harness shares.
pub use switchboard_testkit::WAIT;

pub fn config() -> ServerConfig {
    ServerConfig {
        // No pings during a test: they are not traffic a replay compares.
        heartbeat_interval: Duration::from_secs(3600),
        validate_output: true,
        validate_pushes: true,
        ..ServerConfig::default()
    }
}

pub async fn start(builder: ServerBuilder) -> RunningServer {
    let server = builder.config(config()).build().expect("server builds");
    server.start("127.0.0.1:0").await.expect("server starts")
}

pub fn demo_builder() -> ServerBuilder {
    demo::builder().expect("demo contract")
}

pub async fn start_demo() -> RunningServer {
    start(demo_builder()).await
}

/// The demo with a different `say`: the broadcast text is upper-cased and the reply carries a
/// version field. Everything else (membership check, error) is unchanged, so the expected
/// differences are exactly: each successful `say` reply at `$.d.v`, each resulting `message`
/// push at `$.d.text`.
/// Replays `plan` with `options` against a fresh demo server, shut down afterwards.
pub async fn replay_on_fresh_demo(plan: &ReplayPlan, options: ReplayOptions) -> ReplayReport {
    let target = start_demo().await;
    let report = tokio::time::timeout(
        WAIT,
        Replayer::new(options).run(plan, &ReplayTarget::url(target.url())),
    )
    .await
    .expect("replay finishes")
    .expect("replay runs");
    tokio::time::timeout(WAIT, target.shutdown())
        .await
        .expect("shutdown in time")
        .expect("shutdown");
    report
}

pub async fn start_changed_demo() -> RunningServer {
    start(
        demo_builder()
            .handle("user", "say", changed_say)
            .handle("agent", "say", changed_say),
    )
    .await
}

async fn changed_say(input: Value, _ctx: Ctx, conn: Conn) -> Result<Value, HandlerError> {
    let server = conn
        .server()
        .ok_or_else(|| HandlerError::internal("server stopped"))?;
    let room = server.room(input["room"].as_str().unwrap_or_default());
    if !room.has(&conn) {
        return Err(HandlerError::forbidden(format!(
            "not a member of room {}",
            room.name()
        )));
    }
    let text = input["text"].as_str().unwrap_or_default().to_uppercase();
    room.broadcast(
        "message",
        &json!({ "room": room.name(), "text": text, "from": conn.user() }),
    )?;
    Ok(json!({ "ok": true, "v": 2 }))
}

/// A capture file in a temporary directory.
pub struct Capture {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn temp_capture() -> Capture {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("capture.db");
    Capture { _dir: dir, path }
}

pub fn recorder(path: &Path) -> Arc<Recorder> {
    let mut cfg = RecorderConfig::new(path);
    cfg.node_id = "recorded".into();
    cfg.contract = serde_json::from_str(demo::CONTRACT_JSON).expect("contract json");
    cfg.batch_window = Duration::from_millis(20);
    Arc::new(Recorder::open(cfg).expect("open recorder"))
}

/// Records `script` against a demo server into a new capture file. The script gets the URL and
/// the server handle (for server-side pushes, and to wait for disconnects). Returns once every
/// connection the script opened is gone and its rows are committed.
pub async fn record<F, Fut>(script: F) -> Capture
where
    F: FnOnce(String, Server) -> Fut,
    Fut: Future<Output = ()>,
{
    record_on(demo_builder(), script).await
}

/// [`record`] against a server built from `builder` (the demo contract with other handlers).
pub async fn record_on<F, Fut>(builder: ServerBuilder, script: F) -> Capture
where
    F: FnOnce(String, Server) -> Fut,
    Fut: Future<Output = ()>,
{
    let capture = temp_capture();
    let rec = recorder(&capture.path);
    let running = start(builder.tap(rec.clone())).await;
    tokio::time::timeout(WAIT, script(running.url(), running.server.clone()))
        .await
        .expect("script finishes");
    settle(&running).await;
    rec.flush().expect("flush");
    tokio::time::timeout(WAIT, running.shutdown())
        .await
        .expect("shutdown in time")
        .expect("shutdown");
    rec.flush().expect("flush");
    capture
}

/// Waits until the server has no connection left (their disconnect rows are then tapped).
pub async fn settle(running: &RunningServer) {
    connections_down_to(&running.server, 0).await;
}

/// Waits until the server holds at most `n` connections, so a script's close is recorded before
/// its next action (the recorded order is then the order the replay reproduces).
pub async fn connections_down_to(server: &Server, n: usize) {
    tokio::time::timeout(WAIT, async {
        while server.connection_count() > n {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("connections close");
}

/// A scripted client that never reconnects (a reconnect would be traffic of its own).
pub async fn client(url: &str, role: &str, name: &str) -> Client {
    let c = Client::connect(
        ClientOptions::new(url, role)
            .param("name", name)
            .reconnect(false)
            .request_timeout(WAIT),
    );
    c.wait_connected(WAIT).await.expect("client connects");
    c
}

/// A request whose outcome the script does not care about (errors are part of the scenario).
pub async fn call(c: &Client, name: &str, input: Value) {
    let _ = c.request(name, input).await;
}

pub fn opts(order: ReplayOrder) -> ReplayOptions {
    ReplayOptions {
        speed: 0.0,
        order,
        timeout: Duration::from_secs(5),
        ..ReplayOptions::default()
    }
}

/// One line per message that is not `same`: `conn-user stream name status paths`, sorted, so
/// a test states its expected differences as a plain list.
pub fn differences(report: &ReplayReport) -> Vec<String> {
    let mut out: Vec<String> = report
        .differences()
        .into_iter()
        .map(|(conn, m)| line(conn, m))
        .collect();
    out.sort();
    out
}

pub fn line(conn: Option<&ConnectionReport>, m: &MessageReport) -> String {
    let who = conn
        .map(|c| c.user.clone().unwrap_or_else(|| c.conn.clone()))
        .unwrap_or_else(|| "-".into());
    let stream = match m.stream {
        Stream::Reply => "reply",
        Stream::Push => "push",
        Stream::Fired => "fired",
    };
    let status = match m.status {
        Status::Same => "same",
        Status::Differs => "differs",
        Status::Missing => "missing",
        Status::Extra => "extra",
        Status::Skipped => "skipped",
        Status::Moved => "moved",
    };
    // Sorted: the order of keys inside a JSON object is not part of what is compared.
    let mut paths: Vec<&str> = m.diffs.iter().map(|d| d.path.as_str()).collect();
    paths.sort_unstable();
    format!("{who} {stream} {} {status} {}", m.name, paths.join(","))
        .trim_end()
        .to_owned()
}

/// Fails with the whole text report, so a failing test shows what the replay saw.
pub fn explain(report: &ReplayReport) -> String {
    let mut buf = Vec::new();
    let _ = report.write_text(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}
