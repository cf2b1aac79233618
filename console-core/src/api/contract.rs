//! `GET /api/contract`: every message, shared and per role, by direction, with its schema and a
//! schema-valid sample (where the push editor starts).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use switchboard_server::contract::{CompiledContract, CompiledMessage, EventSpec};

use super::error::ApiError;
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
    }
}

async fn contract(State(st): State<Arc<AppState>>) -> Result<Json<ContractView>, ApiError> {
    match st.attached() {
        // The contract the nodes announced in their hello.
        Some(nodes) => nodes
            .contract()
            .map(|c| Json(view(&c)))
            .ok_or_else(|| ApiError::unavailable("no attached node has sent its contract yet")),
        None => Ok(Json(view(st.server.contract()))),
    }
}
