//! Recorded traffic: pages of the capture file under a filter, and one row whole. The live tail
//! travels on the live stream (`/api/live`), filtered the same way.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_capture::Cursor;

use super::error::{ApiError, ApiResult};
use crate::live::{filter, rows};
use crate::state::AppState;
use crate::types::{TrafficCursor, TrafficPage, TrafficQuery, TrafficRelated, TrafficRow};

const MAX_PAGE: u32 = 5_000;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/traffic/query", post(query))
        .route("/api/traffic/{seq}", get(one))
        .route("/api/traffic/{seq}/related", get(related))
}

fn cursor(c: TrafficCursor) -> Cursor {
    match c {
        TrafficCursor::Start => Cursor::Start,
        TrafficCursor::End => Cursor::End,
        TrafficCursor::After { seq } => Cursor::After(seq),
        TrafficCursor::Before { seq } => Cursor::Before(seq),
    }
}

async fn query(
    State(st): State<Arc<AppState>>,
    body: Result<Json<TrafficQuery>, JsonRejection>,
) -> ApiResult<TrafficPage> {
    let Json(q) = body?;
    filter::validate(&q.filter).map_err(ApiError::bad_request)?;
    if q.limit == 0 || q.limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    if let (Some(a), Some(b)) = (q.filter.since_us, q.filter.until_us) {
        if a >= b {
            return Err(ApiError::bad_request(
                "the time range ends before it starts",
            ));
        }
    }
    let page = tokio::task::spawn_blocking(move || -> Result<TrafficPage, ApiError> {
        let reader = st.reader()?;
        let page = reader.query(
            &filter::to_capture(&q.filter),
            cursor(q.cursor),
            q.limit as usize,
        )?;
        Ok(TrafficPage {
            has_older: page.has_older,
            has_newer: page.has_newer,
            rows: page.rows.into_iter().map(rows::from_capture).collect(),
        })
    })
    .await??;
    Ok(Json(page))
}

async fn one(State(st): State<Arc<AppState>>, Path(seq): Path<i64>) -> ApiResult<TrafficRow> {
    let row = tokio::task::spawn_blocking(move || -> Result<Option<TrafficRow>, ApiError> {
        Ok(st.reader()?.get(seq)?.map(rows::from_capture))
    })
    .await??;
    row.map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no recorded row {seq}")))
}

/// A request's answer, an answer's request, and the request a row was caused by.
async fn related(
    State(st): State<Arc<AppState>>,
    Path(seq): Path<i64>,
) -> ApiResult<TrafficRelated> {
    let related =
        tokio::task::spawn_blocking(move || -> Result<Option<TrafficRelated>, ApiError> {
            let reader = st.reader()?;
            let Some(row) = reader.get(seq)? else {
                return Ok(None);
            };
            let get = |s: Option<i64>| -> Result<Option<TrafficRow>, ApiError> {
                Ok(match s {
                    Some(s) => reader.get(s)?.map(rows::from_capture),
                    None => None,
                })
            };
            Ok(Some(TrafficRelated {
                answer: reader.answer_to(&row)?.map(rows::from_capture),
                request: get(row.request_seq())?,
                cause: get(row.cause())?,
            }))
        })
        .await??;
    related
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no recorded row {seq}")))
}
