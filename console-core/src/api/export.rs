//! Exports: the traffic a filter selects, redacted, as JSONL, CSV, HAR or a SQLite snapshot.
//! In a browser the file is kept for a download (`GET /api/exports/{id}`); in the window the
//! backend asks the host for a path with the native save dialog and writes it there.

use std::path::Path as FsPath;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_capture::{ExportFormat, ExportOptions, Redaction};

use super::error::{ApiError, ApiResult};
use crate::live::filter;
use crate::state::{AppState, StoredExport};
use crate::types::{
    ExportFormatName, ExportRequest, ExportResult, HostMode, RedactionOptions, SaveMode,
};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/exports", post(create))
        .route("/api/exports/{id}", get(download))
}

fn format(f: ExportFormatName) -> (ExportFormat, &'static str, &'static str) {
    match f {
        ExportFormatName::Jsonl => (ExportFormat::Jsonl, "jsonl", "application/x-ndjson"),
        ExportFormatName::Csv => (ExportFormat::Csv, "csv", "text/csv; charset=utf-8"),
        ExportFormatName::Har => (ExportFormat::Har, "har", "application/json"),
        ExportFormatName::Sqlite => (ExportFormat::Sqlite, "sqlite", "application/vnd.sqlite3"),
    }
}

fn redaction(opts: &RedactionOptions) -> Result<Redaction, ApiError> {
    let mut r = Redaction::new().with_default_keys(opts.default_keys);
    for key in opts.keys.iter().filter(|k| !k.trim().is_empty()) {
        r = r.with_key(key.trim());
    }
    for path in opts.paths.iter().filter(|p| !p.trim().is_empty()) {
        r = r.with_path(path.trim())?;
    }
    Ok(r)
}

/// `switchboard-20240501-120000.jsonl`, in UTC.
fn file_name(ext: &str) -> String {
    let stamp: String = switchboard_capture::format_time(switchboard_server::tap::now_us())
        .chars()
        .take(19)
        .filter_map(|c| match c {
            'T' => Some('-'),
            '-' | ':' => None,
            c => Some(c),
        })
        .collect();
    format!("switchboard-{stamp}.{ext}")
}

fn write(
    st: &AppState,
    req: &ExportRequest,
    redaction: Redaction,
    out: &FsPath,
) -> Result<(u64, u64), ApiError> {
    let reader = st.reader()?;
    let opts = ExportOptions {
        filter: filter::to_capture(&req.filter),
        redaction,
        tool_version: format!("switchboard-console {}", env!("CARGO_PKG_VERSION")),
    };
    let (fmt, _, _) = format(req.format);
    let rows = switchboard_capture::export(&reader, fmt, out, &opts, &mut |_| {})?;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Ok((rows, bytes))
}

async fn create(
    State(st): State<Arc<AppState>>,
    body: Result<Json<ExportRequest>, JsonRejection>,
) -> ApiResult<ExportResult> {
    let Json(req) = body?;
    filter::validate(&req.filter).map_err(ApiError::bad_request)?;
    if st.recorder.is_none() {
        return Err(ApiError::unavailable(
            "this console runs without a capture file",
        ));
    }
    let redaction = redaction(&req.redaction)?;
    let (_, ext, content_type) = format(req.format);
    let name = file_name(ext);
    match req.save {
        SaveMode::Native => {
            if st.host.mode() != HostMode::Window {
                return Err(ApiError::bad_request(
                    "a native save dialog needs the desktop window; download the file instead",
                ));
            }
            let Some(path) = st.host.choose_save_path(name.clone()).await else {
                return Ok(Json(ExportResult {
                    id: None,
                    file_name: name,
                    rows: 0,
                    bytes: 0,
                    saved_to: None,
                    cancelled: true,
                }));
            };
            let st2 = st.clone();
            let out = path.clone();
            let (rows, bytes) =
                tokio::task::spawn_blocking(move || write(&st2, &req, redaction, &out)).await??;
            Ok(Json(ExportResult {
                id: None,
                file_name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or(name),
                rows,
                bytes,
                saved_to: Some(path.display().to_string()),
                cancelled: false,
            }))
        }
        SaveMode::Download => {
            let id = format!("{:016x}", rand::random::<u64>());
            let out = st.exports.dir.path().join(format!("{id}.{ext}"));
            let st2 = st.clone();
            let out2 = out.clone();
            let (rows, bytes) =
                tokio::task::spawn_blocking(move || write(&st2, &req, redaction, &out2)).await??;
            st.exports.keep(StoredExport {
                id: id.clone(),
                path: out,
                file_name: name.clone(),
                content_type,
            });
            Ok(Json(ExportResult {
                id: Some(id),
                file_name: name,
                rows,
                bytes,
                saved_to: None,
                cancelled: false,
            }))
        }
    }
}

async fn download(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let export = st.exports.get(&id).ok_or_else(|| {
        ApiError::not_found("no such export (only the last few are kept): export again")
    })?;
    let file = tokio::fs::File::open(&export.path)
        .await
        .map_err(|e| ApiError::internal(format!("cannot read the export: {e}")))?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, export.content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", export.file_name),
            ),
        ],
        body,
    )
        .into_response())
}
