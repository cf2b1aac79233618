//! `CaptureReader::message_rows`: the rows a per-message summary counts, with the role and the
//! server's measured duration, only of the kinds asked for, only of sessions older than the one
//! given (a console counts its own session live).

use crate::support as capture_support;

use capture_support::*;
use serde_json::json;
use switchboard_capture::CaptureReader;
use switchboard_server::tap::{Tap, TapKind};

#[test]
fn rows_of_the_kinds_asked_for_from_older_sessions_with_their_durations() {
    let t = temp_capture();
    let first = recorder(&t.path);
    let first_session = first.session_id();
    first.observe(&connect("c1", "user", "alice"));
    first.observe(&request_in("c1", "user", "say", json!({"text": "hi"})));
    let mut answer = response_out("c1", "say", &json!({"ok": true}));
    answer.role = Some("user".into());
    first.observe(&answer);
    first.observe(&room_broadcast(
        &["lobby"],
        "message",
        &json!({"text": "hi"}),
        1,
    ));
    drop(first);
    let second = recorder(&t.path);
    let second_session = second.session_id();
    assert!(second_session > first_session);
    second.observe(&request_in("c2", "user", "say", json!({"text": "later"})));
    drop(second);

    let reader = CaptureReader::open(&t.path).expect("open");
    let kinds = [
        TapKind::RequestIn,
        TapKind::ResponseOut,
        TapKind::RoomBroadcast,
    ];
    let collect = |before: Option<i64>, kinds: &[TapKind]| {
        let mut seen = Vec::new();
        let n = reader
            .message_rows(kinds, before, |r| {
                seen.push((
                    r.kind,
                    r.name.to_owned(),
                    r.role.map(str::to_owned),
                    r.duration_us,
                ))
            })
            .expect("rows");
        assert_eq!(n as usize, seen.len());
        seen
    };

    // Before the second session: the first one's request, answer and broadcast, not its
    // connect (no name, not asked for).
    let older = collect(Some(second_session), &kinds);
    let user = Some("user".to_owned());
    assert_eq!(
        older,
        vec![
            (TapKind::RequestIn, "say".to_owned(), user.clone(), None),
            (
                TapKind::ResponseOut,
                "say".to_owned(),
                user.clone(),
                Some(250)
            ),
            (TapKind::RoomBroadcast, "message".to_owned(), None, None),
        ]
    );
    // Every session, one kind.
    let requests = collect(None, &[TapKind::RequestIn]);
    assert_eq!(requests.len(), 2, "{requests:?}");
    // Nothing asked, nothing read.
    assert!(collect(None, &[]).is_empty());
}
