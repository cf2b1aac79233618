//! Push replay: the recorded server pushes are fired again, through a server handle, at the
//! connections the target has now, to exercise clients (a UI, an agent) with real traffic.
//!
//! Connection ids do not survive from one run to another, so targets are mapped by what does:
//! an emit to a recorded connection goes to the current connections of the same user and role;
//! to-user pushes, room broadcasts, role and shared publishes are addressed by user, room, role
//! and topic as recorded. A room broadcast's `except` (the sender, usually) is applied when its
//! user has exactly one connection now; `only_conns` was mapped to users when planning.
//!
//! Every push is fired with `Server::with_origin(Origin::Replay)`, so the target's capture marks
//! it as replayed. The report compares the recipient count with the recorded one (ignore
//! `$.recipients` to accept any count).

use serde_json::{json, Value};

use super::client_replay::RunCtx;
use super::plan::{PlannedPush, ReplayPlan};
use super::report::{MessageReport, Status, Stream};
use crate::tap::{Origin, TapKind};
use switchboard_server::Server;

/// Why a push was not fired.
enum NotFired {
    /// Nobody to fire it at (skipped: not a difference).
    NoTarget(String),
    /// The target refused it (a difference: its contract no longer accepts the push).
    Refused(String),
}

/// Fires the plan's pushes at `server` on the recorded schedule and reports each one.
pub(crate) async fn run(plan: &ReplayPlan, server: &Server, ctx: &RunCtx) -> Vec<MessageReport> {
    let server = server.with_origin(Origin::Replay);
    let first_at = plan.first_at_us.unwrap_or(0);
    let mut clock = ctx.control.clock();
    let mut reports = Vec::with_capacity(plan.pushes.len());
    let mut stopped = false;
    for (index, push) in plan.pushes.iter().enumerate() {
        let recorded = describe(push, push.recipients);
        let mut m = MessageReport {
            stream: Stream::Fired,
            index,
            name: push.name.clone(),
            status: Status::Skipped,
            action_seq: Some(push.seq),
            recorded_seq: Some(push.seq),
            recorded: Some(recorded.clone()),
            replayed: None,
            diffs: Vec::new(),
            note: None,
        };
        if ctx.options.ignore_events.contains(&push.name) {
            m.note = Some("left out by --ignore-event".into());
            reports.push(m);
            continue;
        }
        if stopped
            || clock
                .wait_until(ctx.options.scaled(push.at_us - first_at))
                .await
                .is_err()
        {
            stopped = true;
            m.note = Some("the replay was stopped before this push".into());
            reports.push(m);
            continue;
        }
        match fire(&server, push) {
            Ok((delivered, note)) => {
                let replayed = describe(push, Some(delivered as u32));
                m.diffs = ctx.ignore.diff(&recorded, &replayed);
                m.status = if m.diffs.is_empty() {
                    Status::Same
                } else {
                    Status::Differs
                };
                m.replayed = Some(replayed);
                m.note = note;
            }
            Err(NotFired::NoTarget(why)) => m.note = Some(why),
            Err(NotFired::Refused(why)) => {
                m.status = Status::Missing;
                m.note = Some(format!("the target refused the push: {why}"));
            }
        }
        ctx.progress.update(|p| p.sent += 1);
        reports.push(m);
    }
    reports
}

/// The push as compared: where it went, what it carried, how many it reached.
fn describe(push: &PlannedPush, recipients: Option<u32>) -> Value {
    let mut v = json!({
        "kind": push.kind.as_str(),
        "name": push.name,
        "d": push.payload,
    });
    if !push.rooms.is_empty() {
        v["rooms"] = json!(push.rooms);
    }
    for (key, value) in [
        ("user", &push.user),
        ("role", &push.role),
        ("topic", &push.topic),
    ] {
        if let Some(value) = value {
            v[key] = json!(value);
        }
    }
    if let Some(n) = recipients {
        v["recipients"] = json!(n);
    }
    v
}

/// Fires one push; returns how many connections it reached and a remark.
fn fire(server: &Server, p: &PlannedPush) -> Result<(usize, Option<String>), NotFired> {
    let refused = |e: switchboard_server::PushError| NotFired::Refused(e.to_string());
    let topic = p.topic.clone().unwrap_or_else(|| p.name.clone());
    match p.kind {
        TapKind::Emit | TapKind::ToConn => {
            let Some(user) = &p.user else {
                return Err(NotFired::NoTarget(
                    "the capture does not say whose connection this went to".into(),
                ));
            };
            let conns: Vec<_> = server
                .to_user(user)
                .connections()
                .into_iter()
                .filter(|c| p.role.as_deref().is_none_or(|r| c.role() == r))
                .collect();
            if conns.is_empty() {
                return Err(NotFired::NoTarget(format!(
                    "no connection of user {user}{} is connected to the target",
                    p.role
                        .as_deref()
                        .map(|r| format!(" with role {r}"))
                        .unwrap_or_default()
                )));
            }
            let mut delivered = 0;
            for conn in &conns {
                delivered += server
                    .to_conn(conn.id())
                    .emit(&p.name, &p.payload)
                    .map_err(refused)?;
            }
            let note = (conns.len() > 1).then(|| {
                format!(
                    "recorded for one connection; fired at all {} connections of {user}",
                    conns.len()
                )
            });
            Ok((delivered, note))
        }
        TapKind::ToUser => {
            let Some(user) = &p.user else {
                return Err(NotFired::NoTarget(
                    "the capture does not name the user".into(),
                ));
            };
            let target = server.to_user(user);
            if target.connections().is_empty() {
                return Err(NotFired::NoTarget(format!(
                    "no connection of user {user} is connected to the target"
                )));
            }
            Ok((target.emit(&p.name, &p.payload).map_err(refused)?, None))
        }
        TapKind::RoomBroadcast => {
            let mut target = server.rooms(p.rooms.iter().cloned());
            let mut note = None;
            if let Some(users) = &p.only_users {
                target = target.only_users(users.iter().cloned());
            }
            if let Some(user) = &p.except_user {
                let conns = server.to_user(user).connections();
                match conns.as_slice() {
                    [one] => target = target.except(one.id()),
                    [] => {}
                    _ => {
                        note = Some(format!(
                            "the recorded broadcast left out one connection of {user}; {user} has \
                             {} connections now, so none was left out",
                            conns.len()
                        ))
                    }
                }
            }
            let n = target.broadcast(&p.name, &p.payload).map_err(refused)?;
            Ok((n, note))
        }
        TapKind::Broadcast => Ok((
            server.broadcast(&p.name, &p.payload).map_err(refused)?,
            None,
        )),
        TapKind::RolePublish => {
            let Some(role) = &p.role else {
                return Err(NotFired::NoTarget(
                    "the capture does not name the role".into(),
                ));
            };
            let n = server
                .for_role(role)
                .publish(&topic, &p.payload)
                .map_err(refused)?;
            Ok((n, None))
        }
        TapKind::SharedPublish => Ok((server.publish(&topic, &p.payload).map_err(refused)?, None)),
        other => Err(NotFired::NoTarget(format!(
            "{} is not a push that can be fired again",
            other.as_str()
        ))),
    }
}
