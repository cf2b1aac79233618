//! `GET /api/contract`: every message, shared and per role, by direction, with its schema and a
//! schema-valid sample (where the push editor starts).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use switchboard_server::contract::{CompiledContract, CompiledMessage, EventSpec};

use switchboard_capture::{CaptureReader, Cursor, Filter};
use switchboard_server::tap::TapKind;

use super::error::ApiError;
use crate::live::message_stats::{MessageCounts, MessageKey};
use crate::state::AppState;
use crate::types::{ContractView, Direction, MessageKind, MessageView, RoleView};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/contract", get(contract))
}

fn event_view(name: &str, spec: &EventSpec, compiled: Option<&CompiledMessage>) -> MessageView {
    MessageView {
        name: name.to_owned(),
        kind: if spec.subscribe {
            MessageKind::Topic
        } else {
            MessageKind::Event
        },
        direction: Direction::ServerToClient,
        description: spec.description.clone(),
        schema: spec.payload.clone(),
        output: None,
        sample: compiled.map(CompiledMessage::sample).unwrap_or_default(),
        recorded: None,
        recorded_at_us: None,
        stats: None,
    }
}

/// The view of a compiled contract (also used by the push panel's checks in tests).
pub fn view(contract: &CompiledContract) -> ContractView {
    let spec = contract.spec();
    let shared = spec
        .shared
        .server_to_client
        .iter()
        .map(|(name, e)| {
            let compiled = if e.subscribe {
                contract.shared_topic(name)
            } else {
                contract.shared_event(name)
            };
            event_view(name, e, compiled)
        })
        .collect();
    let roles = spec
        .roles
        .iter()
        .map(|(role, r)| RoleView {
            role: role.clone(),
            requests: r
                .client_to_server
                .iter()
                .map(|(name, req)| MessageView {
                    name: name.clone(),
                    kind: MessageKind::Request,
                    direction: Direction::ClientToServer,
                    description: req.description.clone(),
                    schema: req.input.clone(),
                    output: Some(req.output.clone()),
                    sample: contract
                        .request(role, name)
                        .map(|c| c.sample_input())
                        .unwrap_or_default(),
                    recorded: None,
                    recorded_at_us: None,
                    stats: None,
                })
                .collect(),
            events: r
                .server_to_client
                .iter()
                .map(|(name, e)| {
                    let compiled = if e.subscribe {
                        contract.role_topic(role, name)
                    } else {
                        contract.event_for_role(role, name)
                    };
                    event_view(name, e, compiled)
                })
                .collect(),
        })
        .collect();
    ContractView {
        shared,
        roles,
        spec: serde_json::to_value(spec).unwrap_or_default(),
        stats_source: Default::default(),
    }
}

async fn contract(State(st): State<Arc<AppState>>) -> Result<Json<ContractView>, ApiError> {
    let mut view = view(&*st.source.contract()?);
    with_stats(&mut view, &st.hub.messages());
    if st.recorder.is_some() {
        let st2 = st.clone();
        view = tokio::task::spawn_blocking(move || {
            let mut view = view;
            // A capture that cannot be read leaves the samples as they are.
            if let Ok(reader) = st2.reader() {
                with_recorded(&mut view, &reader);
            }
            view
        })
        .await?;
    }
    Ok(Json(view))
}

/// Every message, with the role its key needs (requests are per role).
fn each_message(view: &mut ContractView, mut f: impl FnMut(Option<&str>, &mut MessageView)) {
    for m in &mut view.shared {
        f(None, m);
    }
    for r in &mut view.roles {
        for m in r.requests.iter_mut().chain(r.events.iter_mut()) {
            f(Some(&r.role), m);
        }
    }
}

fn key(role: Option<&str>, m: &MessageView) -> MessageKey {
    match m.kind {
        MessageKind::Request => MessageKey::Request {
            role: role.unwrap_or_default().to_owned(),
            name: m.name.clone(),
        },
        MessageKind::Event => MessageKey::Event(m.name.clone()),
        MessageKind::Topic => MessageKey::Topic(m.name.clone()),
    }
}

fn with_stats(view: &mut ContractView, counts: &MessageCounts) {
    each_message(view, |role, m| m.stats = counts.get(&key(role, m)));
    view.stats_source = counts.source.clone();
}

/// The newest recorded payload of each message: one indexed lookup per message (by name,
/// newest first), so the cost follows the contract's size, not the capture's.
fn with_recorded(view: &mut ContractView, reader: &CaptureReader) {
    each_message(view, |role, m| {
        let (kinds, roles) = match m.kind {
            MessageKind::Request => (
                vec![TapKind::RequestIn],
                role.map(|r| vec![r.to_owned()]).unwrap_or_default(),
            ),
            MessageKind::Event => (
                vec![
                    TapKind::Emit,
                    TapKind::ToConn,
                    TapKind::ToUser,
                    TapKind::RoomBroadcast,
                    TapKind::Broadcast,
                ],
                Vec::new(),
            ),
            MessageKind::Topic => (
                vec![TapKind::RolePublish, TapKind::SharedPublish],
                Vec::new(),
            ),
        };
        let filter = Filter {
            kinds,
            names: vec![m.name.clone()],
            roles,
            ..Default::default()
        };
        let newest = reader
            .query(&filter, Cursor::End, 1)
            .ok()
            .and_then(|p| p.rows.into_iter().next_back());
        if let Some(row) = newest {
            if let Some(payload) = row.payload {
                if let Ok(value) = serde_json::from_str(payload.get()) {
                    m.recorded = Some(value);
                    m.recorded_at_us = Some(row.at_us);
                }
            }
        }
    });
}
