//! Running the application's `on_connect` and `on_disconnect` around a connection's life.
//!
//! Both are application code on the connection's own task, so both are contained the way a
//! handler is: a panic (even one raised before the hook returns its future) or an overrun of
//! `ServerConfig::hook_timeout` is reported to `on_error`, and the connection's life goes on to
//! its end: a failed connect hook closes the connection, a failed disconnect hook does not
//! keep the cleanup from happening.

use std::sync::Arc;

use futures_util::FutureExt;

use super::close::{close_code, CloseReason, ClosedBy};
use super::conn::Conn;
use super::hooks::{panic_message, Disconnect, FaultKind};
use super::shared::Shared;

/// Whether a close frame may carry `code` (RFC 6455 section 7.4): the application's choice
/// of refusal code is kept when it can be sent.
fn sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Run `on_connect`; returns whether the connection may go on to its requests. A refused
/// connection is already closing when this returns.
pub(crate) async fn connect(shared: &Arc<Shared>, conn: &Conn) -> bool {
    let Some(hook) = shared.on_connect().cloned() else {
        return true;
    };
    let handle = conn.clone();
    let call = std::panic::AssertUnwindSafe(async move { hook(handle).await }).catch_unwind();
    let limit = shared.config().hook_timeout;
    let outcome = tokio::select! {
        biased;
        // Closed meanwhile (from the console, as a slow consumer...): nothing left to start.
        _ = conn.closing().cancelled() => return false,
        _ = shared.shutdown().cancelled() => {
            conn.begin_close(CloseReason::new(
                ClosedBy::Shutdown,
                close_code::GOING_AWAY,
                "server shutting down",
            ));
            return false;
        }
        outcome = tokio::time::timeout(limit, call) => outcome,
    };
    let failure = match outcome {
        Ok(Ok(Ok(()))) => return true,
        Ok(Ok(Err(refusal))) => {
            let code = if sendable(refusal.code) {
                refusal.code
            } else {
                close_code::CLOSED_BY_SERVER
            };
            conn.begin_close(CloseReason::new(ClosedBy::Server, code, refusal.reason));
            return false;
        }
        Ok(Err(panic)) => format!("on_connect {}", panic_message(panic.as_ref())),
        Err(_) => format!("on_connect did not finish within {limit:?}"),
    };
    shared.report(
        FaultKind::Connect,
        None,
        format!("connection {}: {failure}", conn.id()),
    );
    conn.begin_close(CloseReason::new(
        ClosedBy::Server,
        close_code::INTERNAL_ERROR,
        "internal error",
    ));
    false
}

/// Run `on_disconnect` for a connection that has stopped reading, before its cleanup: its
/// rooms and topics are still there for the hook to read and broadcast to.
pub(crate) async fn disconnect(shared: &Arc<Shared>, conn: &Conn) {
    let Some(hook) = shared.on_disconnect().cloned() else {
        return;
    };
    let reason = match conn.close_reason() {
        Some(r) => Disconnect {
            code: r.code,
            reason: r.reason,
            by: r.by.as_str(),
        },
        None => Disconnect {
            code: close_code::ABNORMAL,
            reason: "connection lost".to_owned(),
            by: ClosedBy::Client.as_str(),
        },
    };
    let handle = conn.clone();
    let call =
        std::panic::AssertUnwindSafe(async move { hook(handle, reason).await }).catch_unwind();
    let limit = shared.config().hook_timeout;
    let failure = match tokio::time::timeout(limit, call).await {
        Ok(Ok(Ok(()))) => return,
        Ok(Ok(Err(e))) => format!("on_disconnect failed: {} ({})", e.message, e.code.as_str()),
        Ok(Err(panic)) => format!("on_disconnect {}", panic_message(panic.as_ref())),
        Err(_) => format!("on_disconnect did not finish within {limit:?}"),
    };
    shared.report(
        FaultKind::Disconnect,
        None,
        format!("connection {}: {failure}", conn.id()),
    );
}
