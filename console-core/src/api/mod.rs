//! The console's HTTP API, one file per resource. Every route here sits behind the token check
//! ([`crate::auth`]); [`router`] adds the UI's files around them.

pub mod connections;
pub mod connections_attached;
pub mod contract;
pub mod error;
pub mod export;
pub mod host;
pub mod live;
pub mod nodes;
pub mod overview;
pub mod push;
pub mod replay;
pub mod rooms;
pub mod rooms_attached;
pub mod traffic;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Router};

use crate::assets;
use crate::auth::{self, Token};
use crate::state::AppState;
use error::ApiError;

async fn unknown_api() -> ApiError {
    ApiError::not_found("no such API endpoint")
}

/// `/` and `/index.html`: the UI's page, only with the token.
async fn index(State(token): State<Token>, req: Request) -> Response {
    match auth::presented(req.headers(), req.uri().query()) {
        Some(t) if token.matches(&t) && !auth::foreign_origin(req.headers()) => assets::index(),
        _ => auth::index_refused(),
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .merge(host::routes())
        .merge(overview::routes())
        .merge(rooms::routes())
        .merge(connections::routes())
        .merge(contract::routes())
        .merge(traffic::routes())
        .merge(push::routes())
        .merge(export::routes())
        .merge(replay::routes())
        .merge(live::routes())
        .merge(nodes::routes())
        .route("/api/{*rest}", axum::routing::any(unknown_api))
        .with_state(state.clone())
        .layer(middleware::from_fn_with_state(
            state.token.clone(),
            auth::require_token,
        ));
    let pages = Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .with_state(state.token.clone());
    api.merge(pages)
        .fallback(|uri| async move { assets::file(uri).await.into_response() })
}
