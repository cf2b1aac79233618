//! Request handlers: `async fn(input, ctx, conn) -> Result<output, HandlerError>` per role.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::Value;

use super::conn::{Conn, Ctx};
use super::error::HandlerError;

pub type HandlerFn =
    Arc<dyn Fn(Value, Ctx, Conn) -> BoxFuture<'static, Result<Value, HandlerError>> + Send + Sync>;

/// Wrap a dynamic (JSON in, JSON out) handler.
pub(crate) fn dynamic<F, Fut>(f: F) -> HandlerFn
where
    F: Fn(Value, Ctx, Conn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, HandlerError>> + Send + 'static,
{
    Arc::new(move |input, ctx, conn| f(input, ctx, conn).boxed())
}
