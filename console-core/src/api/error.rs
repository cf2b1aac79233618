//! [`ApiError`]: what a failed call answers, always as an [`ApiErrorBody`] with a fitting status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_capture::CaptureError;
use switchboard_server::wire::Issue;

use crate::types::{ApiErrorBody, ApiIssue};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub issues: Vec<ApiIssue>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            issues: Vec::new(),
        }
    }
    pub fn unauthorized(m: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", m)
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", m)
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", m)
    }
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", m)
    }
    /// The request is fine but the state forbids it now (a limit reached).
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", m)
    }
    pub fn unavailable(m: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
    }
    pub fn internal(m: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m)
    }
    /// A payload that breaks its schema: 422 with every issue.
    pub fn validation(name: &str, issues: Vec<Issue>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            format!("the payload does not match the schema of `{name}`"),
        );
        e.issues = issues
            .into_iter()
            .map(|i| ApiIssue {
                path: i.path,
                message: i.message,
            })
            .collect();
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ApiErrorBody {
            error: self.message,
            code: self.code.to_owned(),
            issues: self.issues,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<CaptureError> for ApiError {
    fn from(e: CaptureError) -> Self {
        match e {
            CaptureError::InvalidFilter(_) | CaptureError::InvalidPath { .. } => {
                ApiError::bad_request(e.to_string())
            }
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(format!("a background task failed: {e}"))
    }
}

/// JSON bodies that fail to parse become our error shape, not axum's plain text.
impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        ApiError::bad_request(e.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::bad_request(e.body_text())
    }
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// A command an attached node refused or could not carry out, with the status that fits its
/// code; a validation refusal keeps the node's issues.
impl From<switchboard_inspector::CommandError> for ApiError {
    fn from(e: switchboard_inspector::CommandError) -> Self {
        use switchboard_inspector::protocol::ErrorCode as C;
        let message = format!("the node answered {}: {}", e.code, e.message);
        match e.code {
            C::NotFound => ApiError::not_found(message),
            C::Validation => {
                let mut err =
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", message);
                err.issues = e
                    .data
                    .and_then(|d| serde_json::from_value::<Vec<ApiIssue>>(d).ok())
                    .unwrap_or_default();
                err
            }
            C::Refused | C::BadCommand | C::TooBig | C::ReadOnly => ApiError::bad_request(message),
            C::Disconnected | C::Busy | C::Timeout => ApiError::unavailable(message),
            _ => ApiError::internal(message),
        }
    }
}

/// A node source's refusal, with the status each kind has always had.
impl From<crate::nodes::NodeError> for ApiError {
    fn from(e: crate::nodes::NodeError) -> Self {
        use crate::nodes::NodeError as E;
        match e {
            E::NotFound(m) => ApiError::not_found(m),
            E::Unsupported(m) => ApiError::bad_request(m),
            E::Refused(m) => ApiError::bad_request(m),
            E::Invalid { name, issues } => ApiError::validation(&name, issues),
            E::Unavailable(m) => ApiError::unavailable(m),
            E::Node(e) => ApiError::from(e),
            E::Internal(m) => ApiError::internal(m),
        }
    }
}
