//! `switchboard-server replay`: the summary, the JSON report, and the exit codes CI relies on
//! (0 same, 1 differences with --check, 2 the replay cannot run).

use std::path::Path;
use std::process::Output;

use switchboard_capture::replay::ReplayReport;

use super::scenarios;
use super::support::*;

async fn replay(db: &Path, target: &str, extra: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard-server"));
    cmd.arg("replay")
        .arg("--db")
        .arg(db)
        .args(["--target", target, "--speed", "0", "--order", "recorded"])
        .args(extra)
        .kill_on_drop(true);
    tokio::time::timeout(WAIT, cmd.output())
        .await
        .expect("replay command finishes")
        .expect("replay command runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn check_passes_on_an_unchanged_server_and_writes_the_report() {
    let capture = record(scenarios::chat).await;
    let target = start_demo().await;
    let report_path = capture.path.with_file_name("report.json");
    let report_arg = report_path.display().to_string();
    let out = replay(
        &capture.path,
        &target.url(),
        &["--check", "--report", &report_arg],
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(" 0 differ, 0 missing, 0 extra"), "{stdout}");
    let report: ReplayReport =
        serde_json::from_slice(&std::fs::read(&report_path).expect("report written"))
            .expect("report parses");
    assert!(!report.has_differences());
    assert_eq!(report.connections.len(), 3);
    assert!(report.replay_id.starts_with("rp-"));
}

#[tokio::test]
async fn check_fails_with_status_1_when_replies_differ() {
    let capture = record(scenarios::chat).await;
    let target = start_changed_demo().await;
    let out = replay(&capture.path, &target.url(), &["--check"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(" 13 differ,"), "{stdout}");
    assert!(
        stdout.contains("$.d.text: \"hello\" -> \"HELLO\""),
        "{stdout}"
    );

    // Without --check the same differences are reported, and the command succeeds.
    let out = replay(&capture.path, &target.url(), &[]).await;
    assert_eq!(out.status.code(), Some(0));
    // With the changed paths declared volatile, the check passes.
    let out = replay(
        &capture.path,
        &target.url(),
        &["--check", "--ignore", "$.d.v", "--ignore", "$.d.text"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[tokio::test]
async fn a_replay_that_cannot_run_exits_with_status_2() {
    let capture = record(scenarios::solo).await;
    let target = start_demo().await;

    let missing = capture.path.with_file_name("nope.db");
    let out = replay(&missing, &target.url(), &["--check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no such file"),
        "{}",
        text(&out.stderr)
    );

    let out = replay(&capture.path, &target.url(), &["--mode", "pushes"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("server handle"),
        "{}",
        text(&out.stderr)
    );

    let out = replay(&capture.path, "http://example.invalid/", &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("ws://"), "{}", text(&out.stderr));

    let out = replay(
        &capture.path,
        &target.url(),
        &["--ignore", "$..", "--check"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid ignore path"),
        "{}",
        text(&out.stderr)
    );

    let out = replay(&capture.path, &target.url(), &["--session", "99"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no session 99"),
        "{}",
        text(&out.stderr)
    );
}
