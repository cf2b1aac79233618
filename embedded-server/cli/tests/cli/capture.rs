//! The `capture` subcommand: flags parse into filters and redaction, and export, import and stats
//! run end to end on files.

use crate::capture_support;

use capture_support::*;
use clap::Parser;
use serde_json::{json, Value};
use switchboard_capture::CaptureStats;
use switchboard_cli::capture_cmd::CaptureCommand;
use switchboard_server::tap::{Tap, TapKind};

/// How the server binary mounts the subcommand.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    capture: CaptureCommand,
}

fn run(args: &[&str]) -> Result<String, String> {
    let cli = Cli::try_parse_from(std::iter::once("switchboard").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    cli.capture.run_to(&mut out).map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

fn fixture(t: &TempCapture) {
    let rec = recorder(&t.path);
    rec.observe(&at(connect("c1", "user", "alice"), 1_700_000_000_000_000));
    rec.observe(&at(room_add("c1", "lobby"), 1_700_000_000_100_000));
    rec.observe(&at(
        request_in(
            "c1",
            "user",
            "say",
            json!({"text": "hi", "pin": "0000", "auth": {"key": "k"}}),
        ),
        1_700_000_001_000_000,
    ));
    rec.observe(&at(
        room_broadcast(&["lobby"], "message", &json!({"text": "hi"}), 1),
        1_700_000_002_000_000,
    ));
    rec.observe(&at(
        emit("c1", "alice", "notice", &json!({"text": "yo"})),
        1_700_000_003_000_000,
    ));
}

fn data_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[test]
fn export_with_filters_and_redaction_flags() {
    let t = temp_capture();
    fixture(&t);
    let db = t.path.to_str().unwrap();
    let out = t.dir.path().join("x.jsonl");
    let o = out.to_str().unwrap();

    let msg = run(&[
        "export",
        "--db",
        db,
        "--format",
        "jsonl",
        "--out",
        o,
        "--kind",
        "request_in",
        "--kind",
        "emit",
    ])
    .expect("export");
    assert_eq!(msg.trim(), format!("exported 2 rows to {o}"));
    let rows = data_lines(&out);
    assert_eq!(
        rows.iter()
            .map(|r| r["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["request_in", "emit"]
    );
    assert_eq!(rows[0]["payload"]["pin"], "0000");

    // Time in RFC 3339 and in Unix ms; --since inclusive, --until exclusive.
    run(&[
        "export",
        "--db",
        db,
        "--format",
        "jsonl",
        "--out",
        o,
        "--since",
        "2023-11-14T22:13:21Z",
        "--until",
        "1700000003000",
    ])
    .expect("export");
    let rows = data_lines(&out);
    assert_eq!(
        rows.iter()
            .map(|r| r["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["request_in", "room_broadcast"]
    );

    for (flag, value, want) in [
        ("--name", "notice", 1),
        ("--role", "user", 3),
        ("--room", "lobby", 2),
        // c1's own four rows and the lobby broadcast it received as a member.
        ("--conn", "c1", 5),
        ("--user", "alice", 2),
        ("--origin", "server", 2),
        ("--text", "YO", 1),
    ] {
        run(&[
            "export", "--db", db, "--format", "jsonl", "--out", o, flag, value,
        ])
        .expect("export");
        assert_eq!(data_lines(&out).len(), want, "{flag} {value}");
    }

    run(&[
        "export",
        "--db",
        db,
        "--format",
        "jsonl",
        "--out",
        o,
        "--kind",
        "request_in",
        "--redact-key",
        "PIN",
        "--redact-path",
        "$.auth.key",
    ])
    .expect("export");
    let rows = data_lines(&out);
    assert!(rows[0]["payload"]["pin"]
        .as_str()
        .unwrap()
        .starts_with("[redacted:"));
    assert!(rows[0]["payload"]["auth"]["key"]
        .as_str()
        .unwrap()
        .starts_with("[redacted:"));
    assert_eq!(rows[0]["payload"]["text"], "hi");

    // Defaults mask the connect params' token; --no-default-redaction keeps it.
    run(&[
        "export", "--db", db, "--format", "jsonl", "--out", o, "--kind", "connect",
    ])
    .expect("export");
    assert_ne!(data_lines(&out)[0]["meta"]["params"]["token"], "tok-secret");
    run(&[
        "export",
        "--db",
        db,
        "--format",
        "jsonl",
        "--out",
        o,
        "--kind",
        "connect",
        "--no-default-redaction",
    ])
    .expect("export");
    assert_eq!(data_lines(&out)[0]["meta"]["params"]["token"], "tok-secret");

    for format in ["csv", "har", "sqlite"] {
        let out = t.dir.path().join(format!("x.{format}"));
        run(&[
            "export",
            "--db",
            db,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ])
        .expect(format);
        assert!(out.exists());
    }
}

#[test]
fn bad_flags_are_refused_with_help() {
    let e = run(&[
        "export", "--db", "x", "--format", "jsonl", "--out", "y", "--kind", "emitt",
    ])
    .expect_err("bad kind");
    assert!(
        e.contains("unknown kind \"emitt\"") && e.contains("room_broadcast"),
        "{e}"
    );
    let e = run(&["export", "--db", "x", "--format", "xml", "--out", "y"]).expect_err("bad format");
    assert!(e.contains("xml"), "{e}");
    let e = run(&[
        "export",
        "--db",
        "x",
        "--format",
        "csv",
        "--out",
        "y",
        "--since",
        "yesterday",
    ])
    .expect_err("bad time");
    assert!(e.contains("RFC 3339"), "{e}");
    let e = run(&[
        "export",
        "--db",
        "x",
        "--format",
        "csv",
        "--out",
        "y",
        "--redact-path",
        "a.b",
    ])
    .expect_err("bad path");
    assert!(e.contains("must start with `$`"), "{e}");
    let e = run(&["stats", "--db", "/nonexistent/capture.db"]).expect_err("missing file");
    assert!(e.contains("/nonexistent/capture.db"), "{e}");
}

#[test]
fn import_then_stats() {
    let t = temp_capture();
    fixture(&t);
    let export = t.dir.path().join("bug.jsonl");
    run(&[
        "export",
        "--db",
        t.path.to_str().unwrap(),
        "--format",
        "jsonl",
        "--out",
        export.to_str().unwrap(),
    ])
    .expect("export");
    let dst = t.dir.path().join("mine.db");
    let msg = run(&[
        "import",
        "--db",
        dst.to_str().unwrap(),
        "--in",
        export.to_str().unwrap(),
    ])
    .expect("import");
    assert!(msg.starts_with("imported 5 rows"), "{msg}");

    let text = run(&["stats", "--db", dst.to_str().unwrap()]).expect("stats");
    assert!(text.contains("rows:         5"), "{text}");
    assert!(
        text.contains("2023-11-14T22:13:20.000000Z .. 2023-11-14T22:13:23.000000Z (3.000 s)"),
        "{text}"
    );
    assert!(text.contains("dropped:      0"), "{text}");
    assert!(text.contains("room_broadcast"), "{text}");

    let json = run(&["stats", "--db", dst.to_str().unwrap(), "--json"]).expect("stats json");
    let stats: CaptureStats = serde_json::from_str(&json).expect("stats parse");
    assert_eq!(stats.rows, 5);
    assert_eq!(stats.sessions.len(), 1);
    assert_eq!(
        stats
            .by_kind
            .iter()
            .find(|k| k.kind == TapKind::Emit)
            .map(|k| k.count),
        Some(1)
    );
}
