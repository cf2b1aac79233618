//! `GET /api/host`: where the UI runs and what it talks to.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::state::AppState;
use crate::types::HostInfo;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/host", get(host))
}

async fn host(State(st): State<Arc<AppState>>) -> Json<HostInfo> {
    Json(st.info.clone())
}
