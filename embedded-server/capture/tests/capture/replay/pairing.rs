//! The recorder pairs a reply with its request (`request`, `latency_us`) and a row made inside a
//! handler with that handler's request (`cause`); the replay plan places a request where it
//! took effect.

use std::collections::HashMap;

use switchboard_capture::replay::{ActionKind, ReplayPlan, Selection};
use switchboard_capture::{CaptureReader, Filter, Row};
use switchboard_server::tap::TapKind;

use super::scenarios;
use super::support::*;

fn all_rows(path: &std::path::Path) -> Vec<Row> {
    let reader = CaptureReader::open(path).expect("open");
    let mut rows = Vec::new();
    reader
        .scan(&Filter::default(), |r| {
            rows.push(r);
            Ok(())
        })
        .expect("scan");
    rows
}

#[tokio::test]
async fn answers_carry_their_request_and_latency_and_effects_their_cause() {
    let capture = record(scenarios::chat).await;
    let rows = all_rows(&capture.path);
    let by_seq: HashMap<i64, &Row> = rows.iter().map(|r| (r.seq, r)).collect();
    let i_of = |r: &Row| r.meta.as_ref().and_then(|m| m["i"].as_u64());

    let answers: Vec<&Row> = rows
        .iter()
        .filter(|r| matches!(r.kind, TapKind::ResponseOut | TapKind::ErrorOut))
        .collect();
    assert!(answers.len() > 10);
    for answer in &answers {
        let request = answer
            .request_seq()
            .and_then(|s| by_seq.get(&s))
            .unwrap_or_else(|| panic!("row {} has no request: {:?}", answer.seq, answer.meta));
        assert_eq!(request.kind, TapKind::RequestIn);
        assert_eq!(request.conn, answer.conn);
        assert_eq!(i_of(request), i_of(answer));
        let latency = answer.latency_us().expect("latency_us");
        assert_eq!(latency, answer.at_us - request.at_us);
        assert!(latency >= 0);
    }
    // Error rows say their code.
    let codes: Vec<&str> = answers.iter().filter_map(|r| r.code()).collect();
    for code in ["VALIDATION", "FORBIDDEN", "NOT_FOUND"] {
        assert!(codes.contains(&code), "{codes:?}");
    }

    // alice's `say hello` caused the room broadcast; ann's `announce` the publish and its bus
    // message; a `join` its room_add.
    // The demo's on_disconnect hook says who left: made by no request, it has no cause.
    let by_hook = |r: &Row| {
        r.kind == TapKind::RoomBroadcast
            && r.payload_str().unwrap_or_default().contains("\"system\"")
    };
    for r in rows.iter().filter(|r| by_hook(r)) {
        assert_eq!(r.cause(), None, "row {}", r.seq);
    }
    let caused = |kind: TapKind| -> Vec<(&Row, &Row)> {
        rows.iter()
            .filter(|r| r.kind == kind && !by_hook(r))
            .map(|r| {
                let cause = r
                    .cause()
                    .and_then(|s| by_seq.get(&s).copied())
                    .unwrap_or_else(|| panic!("{kind:?} row {} has no cause", r.seq));
                (r, cause)
            })
            .collect()
    };
    let broadcasts = caused(TapKind::RoomBroadcast);
    assert!(broadcasts
        .iter()
        .all(|(_, c)| c.name.as_deref() == Some("say")));
    let (hello, said) = broadcasts[0];
    assert!(hello.payload_str().unwrap_or_default().contains("hello"));
    assert_eq!(said.user.as_deref(), Some("alice"));
    assert!(said.seq < hello.seq);
    for kind in [TapKind::SharedPublish, TapKind::ToUser, TapKind::RoomAdd] {
        assert!(!caused(kind).is_empty(), "{kind:?}");
    }
    assert!(caused(TapKind::SharedPublish)
        .iter()
        .all(|(_, c)| c.name.as_deref() == Some("announce")));
    // Rows no handler made carry no cause.
    for r in rows
        .iter()
        .filter(|r| matches!(r.kind, TapKind::Connect | TapKind::RequestIn))
    {
        assert_eq!(r.cause(), None, "row {}", r.seq);
    }

    // The plan places each request at its first effect: `say hello` at its broadcast.
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let action = plan
        .connections
        .iter()
        .flat_map(|c| &c.actions)
        .find(|a| a.seq == said.seq)
        .expect("say planned");
    assert!(matches!(action.kind, ActionKind::Request { .. }));
    assert_eq!(action.effect_seq, Some(hello.seq));
}
