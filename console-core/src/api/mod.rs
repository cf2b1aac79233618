//! The console's HTTP API, one file per resource. Every route here sits behind the token check
//! ([`crate::auth`]); [`router`] adds the UI's files around them.
//! A handler never asks which node source the console reads: it parses the request, calls
//! [`crate::nodes::NodeView`] and shapes the answer, so each panel has one code path whether
//! the console runs its own server, follows other processes or relays through its proxy.

pub mod connections;
pub mod contract;
pub mod error;
pub mod export;
pub mod host;
pub mod live;
pub mod nodes;
pub mod overview;
pub mod push;
pub mod replay;
pub mod replay_isolated;
pub mod rooms;
pub mod traffic;
pub mod tryit;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Router};

use crate::assets;
use crate::auth::{self, Access, Credential, Proof};
use crate::state::AppState;
use error::ApiError;

async fn unknown_api() -> ApiError {
    ApiError::not_found("no such API endpoint")
}

/// `/` and `/index.html`: the UI's page, only with the token. Opened with `?token=`, it sets
/// the cookie and drops the token from its address; reloaded without it, the cookie sends the
/// browser back to the address the UI reads its token from (until the UI relies on the cookie
/// alone, see docs/console.md).
async fn index(State(access): State<Access>, req: Request) -> Response {
    let headers = req.headers();
    if auth::foreign_origin(headers) {
        return auth::index_refused();
    }
    match access.check(headers, req.uri().query()) {
        Credential::Valid(Proof::Explicit) => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            let mut page = assets::index(host);
            if page.status().is_success() {
                page.headers_mut()
                    .append(header::SET_COOKIE, access.set_cookie());
            }
            page
        }
        Credential::Valid(Proof::Cookie) if !auth::from_elsewhere(headers) => {
            let to = format!("{}?token={}", req.uri().path(), access.token.as_str());
            let mut res = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&to) {
                res.headers_mut().insert(header::LOCATION, location);
            }
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        _ => auth::index_refused(),
    }
}

/// The console's routes: the API behind the token, the page, the UI's files, all behind the
/// host check and the protective headers ([`auth::guard`]).
pub fn router(state: Arc<AppState>, access: Access) -> Router {
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
        .merge(tryit::routes())
        .route("/api/{*rest}", axum::routing::any(unknown_api))
        .with_state(state.clone())
        .layer(middleware::from_fn_with_state(
            access.clone(),
            auth::require_token,
        ));
    let pages = Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route(assets::FORGET_TOKEN_PATH, get(assets::forget_token))
        .with_state(access.clone());
    api.merge(pages)
        .fallback(|uri| async move { assets::file(uri).await.into_response() })
        .layer(middleware::from_fn_with_state(access, auth::guard))
}
