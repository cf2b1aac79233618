//! The report of one replayed connection: its replies in action order, then its received
//! pushes aligned with the recorded ones.

use std::collections::BTreeMap;

use serde_json::Value;

use super::actor::{ConnOutcome, Outcome};
use super::align::{align, Aligned};
use super::client_replay::RunCtx;
use super::plan::{ActionKind, PlannedConn};
use super::report::{ConnectionReport, MessageReport, Status, Stream};

/// Builds the report of one connection: replies in action order, then aligned pushes.
pub(crate) fn report(
    conn: &PlannedConn,
    params: BTreeMap<String, String>,
    mut out: ConnOutcome,
    compare_pushes: bool,
    ctx: &RunCtx,
) -> ConnectionReport {
    let ignore = &ctx.ignore;
    let mut messages = Vec::new();
    let stopped = ctx.control.is_stopped();
    for (idx, action) in conn.actions.iter().enumerate() {
        let expects = action.kind.expects_reply();
        let outcome = out.outcomes.get(idx).cloned().flatten();
        if !expects {
            // Connects, unsubscribes and closes have no reply: they only appear when they did
            // not happen (a refused connect is a difference: the recording's was accepted).
            let (status, note) = match (&action.kind, outcome) {
                (_, Some(Outcome::Done | Outcome::Reply(_) | Outcome::NoReply(_))) => continue,
                (ActionKind::Connect, Some(Outcome::NotSent(why))) => (Status::Missing, why),
                (_, Some(Outcome::NotSent(why))) => (Status::Skipped, why),
                (_, None) => (Status::Skipped, not_reached(stopped)),
            };
            messages.push(MessageReport {
                stream: Stream::Reply,
                index: messages.len(),
                name: action.kind.label(),
                status,
                action_seq: Some(action.seq),
                recorded_seq: None,
                recorded: None,
                replayed: None,
                diffs: Vec::new(),
                note: Some(note),
            });
            continue;
        }
        let recorded = action.expected.as_ref().map(|e| e.frame.clone());
        let mut m = MessageReport {
            stream: Stream::Reply,
            index: messages.len(),
            name: action.kind.label(),
            status: Status::Same,
            action_seq: Some(action.seq),
            recorded_seq: action.expected.as_ref().map(|e| e.seq),
            recorded: recorded.clone(),
            replayed: None,
            diffs: Vec::new(),
            note: None,
        };
        match outcome {
            Some(Outcome::Reply(frame)) => {
                match &recorded {
                    Some(r) => {
                        m.diffs = ignore.diff(r, &frame);
                        m.status = if m.diffs.is_empty() {
                            Status::Same
                        } else {
                            Status::Differs
                        };
                    }
                    None => {
                        m.status = Status::Extra;
                        m.note = Some("the capture holds no reply to this action".into());
                    }
                }
                m.replayed = Some(frame);
            }
            Some(Outcome::NoReply(why)) => {
                m.status = if recorded.is_some() {
                    Status::Missing
                } else {
                    Status::Same
                };
                let late = out.late.remove(&idx);
                m.note = Some(match (&late, recorded.is_some()) {
                    (Some(_), _) => format!("{why}; a reply came later (shown as replayed)"),
                    (None, true) => why,
                    (None, false) => format!("{why}; the capture has no reply either"),
                });
                m.replayed = late;
            }
            Some(Outcome::NotSent(why)) => {
                m.status = Status::Missing;
                m.note = Some(why);
            }
            Some(Outcome::Done) => continue,
            None => {
                m.status = Status::Skipped;
                m.note = Some(not_reached(stopped));
            }
        }
        messages.push(m);
    }

    let skip_event = |f: &Value| {
        ["e", "c"]
            .iter()
            .filter_map(|k| f.get(*k).and_then(Value::as_str))
            .any(|name| ctx.options.ignore_events.iter().any(|e| e == name))
    };
    let compare = compare_pushes && ctx.options.compare_pushes && !stopped;
    if stopped {
        out.notes
            .push("the replay was stopped: received pushes were not compared".into());
    }
    if compare {
        let mut index = 0;
        let mut expected = Vec::new();
        let mut expected_rows = Vec::new();
        for p in &conn.pushes {
            if skip_event(&p.frame) {
                continue;
            }
            if !p.reproducible() {
                messages.push(MessageReport {
                    stream: Stream::Push,
                    index,
                    name: p.name.clone(),
                    status: Status::Skipped,
                    action_seq: None,
                    recorded_seq: Some(p.seq),
                    recorded: Some(p.frame.clone()),
                    replayed: None,
                    diffs: Vec::new(),
                    note: Some(if p.by_hand {
                        "received through a room membership the console made by hand: client \
                         replay does not re-create it"
                            .to_owned()
                    } else {
                        format!(
                            "pushed by the server on its own (origin {}), not by a recorded \
                             client: client replay does not re-create it (push replay does)",
                            p.origin.as_str()
                        )
                    }),
                });
                index += 1;
                continue;
            }
            expected.push(p.frame.clone());
            expected_rows.push(p);
        }
        // Where the replay's own teardown began, counted among the frames kept for comparing.
        let mut teardown_from = None;
        let mut received: Vec<Value> = Vec::new();
        for (i, f) in std::mem::take(&mut out.received).into_iter().enumerate() {
            if out.teardown_from == Some(i) {
                teardown_from = Some(received.len());
            }
            if !skip_event(&f) {
                received.push(f);
            }
        }
        let moves = !ctx.options.strict_order;
        // Where the recorded client's close took effect (see `planner`).
        let closing_from = conn
            .actions
            .iter()
            .find(|a| a.kind == ActionKind::Close)
            .map(|a| a.effect_seq.unwrap_or(a.seq));
        for a in align(&expected, &received, ignore, moves) {
            let mut note = None;
            let (status, rec, rep, row, diffs) = match a {
                Aligned::Pair(l, r) => {
                    let diffs = ignore.diff(&expected[l], &received[r]);
                    let status = if diffs.is_empty() {
                        Status::Same
                    } else {
                        Status::Differs
                    };
                    (status, Some(l), Some(r), Some(expected_rows[l]), diffs)
                }
                // Sent while the connection was closing: whether it still arrives depends on
                // how the server interleaved this close with others' (a member that closed at
                // the same time hears the other's leave notice, or not).
                Aligned::Left(l) if closing_from.is_some_and(|c| expected_rows[l].seq >= c) => {
                    note = Some(
                        "recorded while this connection was closing: whether it arrives depends \
                         on how the server interleaves concurrent closes"
                            .into(),
                    );
                    (
                        Status::Skipped,
                        Some(l),
                        None,
                        Some(expected_rows[l]),
                        vec![],
                    )
                }
                Aligned::Left(l) => (
                    Status::Missing,
                    Some(l),
                    None,
                    Some(expected_rows[l]),
                    vec![],
                ),
                // Arrived after the last recorded action, while the replay closed the
                // connections the recording left open: caused by that close (a "left" notice),
                // which the recording, still open, could not hold.
                Aligned::Right(r) if teardown_from.is_some_and(|t| r >= t) => {
                    note = Some(
                        "arrived while the replay closed the connections the recording left \
                         open (the recording has no such close to compare with)"
                            .into(),
                    );
                    (Status::Skipped, None, Some(r), None, vec![])
                }
                Aligned::Right(r) => (Status::Extra, None, Some(r), None, vec![]),
                Aligned::Moved(l, r) => {
                    note = Some(format!(
                        "recorded as push #{} of this connection, received as #{}",
                        l + 1,
                        r + 1
                    ));
                    (
                        Status::Moved,
                        Some(l),
                        Some(r),
                        Some(expected_rows[l]),
                        vec![],
                    )
                }
            };
            let name = row
                .map(|p| p.name.clone())
                .or_else(|| rep.map(|r| push_name(&received[r])))
                .unwrap_or_default();
            messages.push(MessageReport {
                stream: Stream::Push,
                index,
                name,
                status,
                action_seq: None,
                recorded_seq: row.map(|p| p.seq),
                recorded: rec.map(|l| expected[l].clone()),
                replayed: rep.map(|r| received[r].clone()),
                diffs,
                note,
            });
            index += 1;
        }
        if out.dropped > 0 {
            out.notes.push(format!(
                "{} more pushes arrived than could be kept; they are not in this report",
                out.dropped
            ));
        }
    }

    let mut notes = conn.notes.clone();
    notes.extend(out.notes);
    ConnectionReport {
        session_id: conn.session_id,
        conn: conn.conn.clone(),
        role: conn.role.clone(),
        user: conn.user.clone(),
        params,
        notes,
        error: out.connect_error,
        recorded_server_close: conn.server_close.clone(),
        replayed_server_close: out.server_close,
        pushes_compared: compare,
        messages,
    }
}

fn not_reached(stopped: bool) -> String {
    if stopped {
        "the replay was stopped before this action".into()
    } else {
        "not reached".into()
    }
}

fn push_name(frame: &Value) -> String {
    ["e", "c", "m", "code", "t"]
        .iter()
        .find_map(|k| frame.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned()
}
