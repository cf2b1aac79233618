//! Request handlers: `async fn(input, ctx, conn) -> Result<output, HandlerError>` per role.

use std::collections::{HashMap, HashSet};
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

/// Handlers by role, then request name. Filled by the builder before the server starts, so the
/// hot path reads them without a lock.
#[derive(Default, Clone)]
pub(crate) struct Handlers {
    by_role: HashMap<String, HashMap<String, HandlerFn>>,
    /// Requests that opted out of arrival order, by role (see `crate::order`).
    concurrent: HashMap<String, HashSet<String>>,
}

impl Handlers {
    pub fn insert(&mut self, role: &str, name: &str, handler: HandlerFn) {
        self.by_role
            .entry(role.to_owned())
            .or_default()
            .insert(name.to_owned(), handler);
    }

    pub fn get(&self, role: &str, name: &str) -> Option<&HandlerFn> {
        self.by_role.get(role)?.get(name)
    }

    pub fn set_concurrent(&mut self, role: &str, name: &str) {
        self.concurrent
            .entry(role.to_owned())
            .or_default()
            .insert(name.to_owned());
    }

    /// Whether `role`'s request `name` runs beside the connection's other requests.
    pub fn is_concurrent(&self, role: &str, name: &str) -> bool {
        !self.concurrent.is_empty()
            && self
                .concurrent
                .get(role)
                .is_some_and(|names| names.contains(name))
    }
}
