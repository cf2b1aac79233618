//! Redaction: default keys anywhere (objects in arrays in objects), user keys and JSON paths,
//! consistent masks within an export, payloads and meta alike.

use crate::support as capture_support;

use capture_support::*;
use serde_json::{json, Value};
use switchboard_capture::{export, CaptureReader, ExportFormat, ExportOptions, Redaction, Row};
use switchboard_server::tap::Tap;

fn nested() -> Value {
    json!({
        "user": "alice",
        "auth": {"Authorization": "Bearer abc", "session": {"refresh_token": "rt-1"}},
        "items": [
            {"name": "a", "creds": {"password": "p1", "apiKey": "k1"}},
            {"name": "b", "creds": {"PASSWORD": "p1", "api-key": "k2", "note": "keep me"}},
            [{"Cookie": "c=1"}, {"x-api-key": "k1"}]
        ],
        "card": {"number": "4111", "cvc": "123"},
        "secretive": false
    })
}

#[test]
fn default_keys_are_masked_at_any_depth() {
    let r = Redaction::new();
    let mut v = nested();
    assert!(r.redact_value(&mut v));
    let text = v.to_string();
    for secret in ["Bearer abc", "rt-1", "\"p1\"", "\"k1\"", "\"k2\"", "c=1"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    // Non-secrets stay.
    assert_eq!(v["user"], "alice");
    assert_eq!(v["items"][1]["creds"]["note"], "keep me");
    assert_eq!(v["card"]["number"], "4111");
    // Same secret, same mask; different secrets, different masks.
    assert_eq!(
        v["items"][0]["creds"]["password"],
        v["items"][1]["creds"]["PASSWORD"]
    );
    assert_eq!(
        v["items"][0]["creds"]["apiKey"],
        v["items"][2][1]["x-api-key"]
    );
    assert_ne!(
        v["items"][0]["creds"]["apiKey"],
        v["items"][1]["creds"]["api-key"]
    );
    let mask = v["items"][0]["creds"]["password"].as_str().unwrap();
    assert!(
        mask.starts_with("[redacted:") && mask.len() == "[redacted:]".len() + 12,
        "{mask}"
    );
    // A key whose value is an object is masked whole.
    assert!(v["secretive"].is_string());
    // Redacting again changes nothing (masks are not re-masked).
    let before = v.clone();
    assert!(!r.redact_value(&mut v));
    assert_eq!(v, before);
}

#[test]
fn user_keys_and_paths() {
    let r = Redaction::none()
        .with_key("CVC")
        .with_path("$.items[*].name")
        .expect("path")
        .with_path("$['card'].number")
        .expect("path");
    let mut v = nested();
    assert!(r.redact_value(&mut v));
    assert!(v["card"]["cvc"].as_str().unwrap().starts_with("[redacted:"));
    assert!(v["card"]["number"]
        .as_str()
        .unwrap()
        .starts_with("[redacted:"));
    assert!(v["items"][0]["name"]
        .as_str()
        .unwrap()
        .starts_with("[redacted:"));
    assert!(v["items"][1]["name"]
        .as_str()
        .unwrap()
        .starts_with("[redacted:"));
    // Defaults are off here.
    assert_eq!(v["items"][0]["creds"]["password"], "p1");
    assert!(Redaction::none().with_path("items").is_err());
}

#[test]
fn masks_differ_between_exports_but_not_within_one() {
    let a = Redaction::new();
    let b = Redaction::new();
    let secret = json!("hunter2");
    assert_eq!(a.mask(&secret), a.mask(&secret));
    assert_ne!(a.mask(&secret), b.mask(&secret), "a fresh salt per export");
}

#[test]
fn exports_mask_payloads_and_meta() {
    let t = temp_capture();
    let rec = recorder(&t.path);
    rec.observe(&connect("c1", "user", "alice")); // meta.params.token
    rec.observe(&request_in("c1", "user", "login", nested()));
    rec.observe(&room_broadcast(
        &["lobby"],
        "message",
        &json!({"list": [{"deep": {"token": "rt-1"}}]}),
        1,
    ));
    rec.observe(&frame_error("c1", r#"{"t":"req","d":{"apiKey":"k1","x":1"#));
    rec.flush().expect("flush");
    let reader = CaptureReader::open(&t.path).expect("open");
    let out = t.dir.path().join("out.jsonl");
    let opts = ExportOptions {
        redaction: Redaction::new()
            .with_key("number")
            .with_path("$.card.cvc")
            .expect("path"),
        ..ExportOptions::default()
    };
    export(&reader, ExportFormat::Jsonl, &out, &opts, &mut |_| {}).expect("export");
    let text = std::fs::read_to_string(&out).expect("read");
    for secret in [
        "tok-secret",
        "Bearer abc",
        "rt-1",
        "\"p1\"",
        "k1",
        "k2",
        "4111",
        "\"123\"",
    ] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    let rows: Vec<Row> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).expect("row"))
        .collect();
    assert_eq!(rows[0].meta.as_ref().unwrap()["params"]["role"], "user");
    let login: Value = serde_json::from_str(rows[1].payload_str().unwrap()).unwrap();
    let broadcast: Value = serde_json::from_str(rows[2].payload_str().unwrap()).unwrap();
    // "rt-1" appears in two rows and maps to one mask across the export.
    assert_eq!(
        login["auth"]["session"]["refresh_token"],
        broadcast["list"][0]["deep"]["token"]
    );
    assert!(rows[3].payload_text.as_ref().unwrap().contains("\"x\":1"));
    let header: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["redaction"]["keys"], json!(["number"]));
    assert_eq!(header["redaction"]["paths"], json!(["$.card.cvc"]));
}

#[test]
fn untouched_payloads_keep_their_exact_bytes() {
    let t = temp_capture();
    let rec = recorder(&t.path);
    // Key order and number formatting that a re-serialisation would change.
    let e = request_in("c1", "user", "x", json!(null));
    let mut e = e;
    e.payload = Some(switchboard_server::tap::TapPayload::Frame(
        switchboard_server::wire::encode::evt(
            "x",
            &serde_json::value::RawValue::from_string(r#"{"z":1,"a":1.50}"#.into()).unwrap(),
        )
        .unwrap(),
    ));
    rec.observe(&e);
    rec.flush().expect("flush");
    let reader = CaptureReader::open(&t.path).expect("open");
    let out = t.dir.path().join("out.jsonl");
    export(
        &reader,
        ExportFormat::Jsonl,
        &out,
        &ExportOptions::default(),
        &mut |_| {},
    )
    .expect("export");
    let text = std::fs::read_to_string(&out).expect("read");
    assert!(text.contains(r#""payload":{"z":1,"a":1.50}"#), "{text}");
}
