//! `GET /api/overview`: nodes, connections per role, rooms, topics, counters, the recorder and
//! the last ten minutes of message rates. The live stream keeps it current afterwards. The
//! node source answers for its nodes ([`crate::nodes::NodeView::overview`]); the console adds
//! its own recorder, live stream and rates.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::nodes::NodesOverview;
use crate::state::AppState;
use crate::types::Overview;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/overview", get(overview))
}

async fn overview(
    State(st): State<Arc<AppState>>,
) -> Result<Json<Overview>, super::error::ApiError> {
    let NodesOverview {
        nodes,
        transport,
        cluster_error,
        connections,
        roles,
        rooms,
        topics,
        counters,
    } = st.source.overview(st.hub.dropped()).await;
    Ok(Json(Overview {
        nodes,
        transport,
        cluster_error,
        connections,
        roles,
        rooms,
        topics,
        counters,
        recorder: st.recorder.as_ref().map(|r| r.status()).unwrap_or_default(),
        live: st.hub.status(),
        rates: st.hub.rate_history(),
    }))
}
