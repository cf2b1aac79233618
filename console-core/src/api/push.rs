//! Pushes fired by hand, and their history. Whichever node source the console reads sends the
//! push ([`crate::nodes::NodeView::push`]: the embedded server checks the payload against the
//! contract and records it as `manual`, attached nodes do the same in their inspectors, the
//! proxy writes it to its clients); this file keeps the record of each, delivered or refused.

use std::sync::Arc;
use switchboard_server::wire::util::lock;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_server::tap::now_us;

use super::error::{ApiError, ApiResult};
use crate::nodes::Pushed;
use crate::state::AppState;
use crate::types::{PushHistory, PushRecord, PushRequest};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/push", post(push))
        .route("/api/push/history", get(history))
}

async fn push(
    State(st): State<Arc<AppState>>,
    body: Result<Json<PushRequest>, JsonRejection>,
) -> ApiResult<PushRecord> {
    let Json(req) = body?;
    let at_us = now_us();
    let Pushed {
        result,
        nodes,
        receivers,
    } = st.source.push(&req).await;
    let result = result.map_err(ApiError::from);
    let mut log = lock(&st.pushes);
    let record = PushRecord {
        id: log.next_id(),
        at_us,
        request: req,
        delivered: result.as_ref().ok().map(|n| *n as u32),
        error: result.as_ref().err().map(|e| e.message.clone()),
        receivers,
        nodes,
    };
    log.add(record.clone());
    drop(log);
    result.map(|_| Json(record))
}

async fn history(State(st): State<Arc<AppState>>) -> Json<PushHistory> {
    let log = lock(&st.pushes);
    Json(PushHistory { pushes: log.list() })
}
