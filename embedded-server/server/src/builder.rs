//! Building a server: contract, handlers, hooks, taps, config.

use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;
use serde_json::Value;

use super::config::ServerConfig;
use super::conn::{Conn, Ctx};
use super::error::HandlerError;
use super::handlers::{self, Handlers};
use super::hooks::{
    default_authenticate, AuthFn, AuthRequest, AuthorizeSubscribeFn, Disconnect, FaultContext,
    Hooks, Identity, OnConnectFn, OnDisconnectFn, OnErrorFn, Refusal, ServerFault,
};
use super::shared::{Shared, SharedParts};
use super::Server;
use crate::contract::CompiledContract;
use crate::tap::Tap;

/// Collects everything a [`Server`] is made of. Handlers are registered here, before the
/// server starts, so the hot path reads them without a lock.
pub struct ServerBuilder {
    contract: Arc<CompiledContract>,
    config: ServerConfig,
    handlers: Handlers,
    auth: Option<AuthFn>,
    authorize_subscribe: Option<AuthorizeSubscribeFn>,
    on_connect: Option<OnConnectFn>,
    on_disconnect: Option<OnDisconnectFn>,
    on_error: Vec<OnErrorFn>,
    taps: Vec<Arc<dyn Tap>>,
    adapter: Option<Arc<dyn crate::cluster::Adapter>>,
    cluster_config: crate::cluster::ClusterConfig,
    errors: Vec<String>,
}

/// A mistake in how the server was put together.
#[derive(Debug, thiserror::Error)]
#[error("invalid server setup: {}", .0.join("; "))]
pub struct BuildError(pub Vec<String>);

impl ServerBuilder {
    pub(crate) fn new(contract: Arc<CompiledContract>) -> Self {
        ServerBuilder {
            contract,
            config: ServerConfig::default(),
            handlers: Handlers::default(),
            auth: None,
            authorize_subscribe: None,
            on_connect: None,
            on_disconnect: None,
            on_error: Vec::new(),
            taps: Vec::new(),
            adapter: None,
            cluster_config: Default::default(),
            errors: Vec::new(),
        }
    }

    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    pub fn config_mut(&mut self) -> &mut ServerConfig {
        &mut self.config
    }

    /// Register a JSON-in, JSON-out handler for `role`'s request `name`.
    pub fn handle<F, Fut>(mut self, role: &str, name: &str, f: F) -> Self
    where
        F: Fn(Value, Ctx, Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, HandlerError>> + Send + 'static,
    {
        if self.contract.request(role, name).is_none() {
            self.errors.push(format!(
                "no request `{name}` for role `{role}` in the contract"
            ));
        }
        self.handlers.insert(role, name, handlers::dynamic(f));
        self
    }

    /// Let `role`'s request `name` run beside the connection's other requests instead of after
    /// them. By default a connection's requests are handled one after the other in the order
    /// they arrived, even when a handler waits; a request whose handler is slow and independent
    /// of the others (a search, a long export) can opt out here, or in the contract with
    /// `"concurrent": true` on the request. Its answer may then overtake the answers of
    /// requests sent before it, and later requests do not wait for it.
    pub fn concurrent(mut self, role: &str, name: &str) -> Self {
        if self.contract.request(role, name).is_none() {
            self.errors.push(format!(
                "no request `{name}` for role `{role}` in the contract (declared concurrent)"
            ));
        }
        self.handlers.set_concurrent(role, name);
        self
    }

    /// Decide who a connection is from its upgrade request; `Err(reason)` refuses it (401).
    pub fn authenticate<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(AuthRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Identity, String>> + Send + 'static,
    {
        self.auth = Some(Arc::new(move |req| f(req).boxed()));
        self
    }

    /// Allow or deny a `sub`; a denial is answered `FORBIDDEN`.
    pub fn authorize_subscribe<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Conn, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.authorize_subscribe = Some(Arc::new(move |c, t| f(c, t).boxed()));
        self
    }

    /// Runs once per connection, after authentication and before its first request is
    /// handled (frames the client sends meanwhile wait): the place to put it in its default
    /// rooms, subscribe it, greet it. `Err(Refusal)` closes it with the refusal's code and
    /// reason instead; a hook that panics or takes longer than `ServerConfig::hook_timeout` is
    /// reported to `on_error` and the connection closed with 1011. A connection turned away
    /// here gets no `on_disconnect`.
    pub fn on_connect<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Refusal>> + Send + 'static,
    {
        self.on_connect = Some(Arc::new(move |c| f(c).boxed()));
        self
    }

    /// Runs once per connection that `on_connect` accepted, when it ends (however it ends),
    /// before it is removed from its rooms and topics: `conn.rooms()` and `conn.topics()` still
    /// list them, and a broadcast to those rooms reaches the other members (not the closed
    /// connection). An `Err`, a panic or a hook slower than `ServerConfig::hook_timeout` is
    /// reported to `on_error`; the cleanup happens regardless. (A connection whose task is
    /// dropped without finishing, as when the runtime itself shuts down, is cleaned up without
    /// it: there is nothing left to run the hook on.)
    pub fn on_disconnect<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Conn, Disconnect) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.on_disconnect = Some(Arc::new(move |c, d| f(c, d).boxed()));
        self
    }

    /// Called for every fault: panicking handlers, failing bus listeners, rejected inbound
    /// payloads, slow consumers, adapter failures.
    pub fn on_error(
        mut self,
        f: impl Fn(&ServerFault, &FaultContext) + Send + Sync + 'static,
    ) -> Self {
        self.on_error.push(Arc::new(f));
        self
    }

    /// Observe everything the server does (the recorder is one such tap).
    pub fn tap(mut self, tap: Arc<dyn Tap>) -> Self {
        self.taps.push(tap);
        self
    }

    /// Join a cluster through this transport (Redis, or an in-process hub shared with other
    /// nodes). Without one, the node uses a private in-process hub: a cluster of one.
    pub fn adapter(mut self, adapter: Arc<dyn crate::cluster::Adapter>) -> Self {
        self.adapter = Some(adapter);
        self
    }

    pub fn cluster_config(mut self, config: crate::cluster::ClusterConfig) -> Self {
        self.cluster_config = config;
        self
    }

    pub fn build(self) -> Result<Server, BuildError> {
        if !self.errors.is_empty() {
            return Err(BuildError(self.errors));
        }
        let auth = self.auth.unwrap_or_else(|| {
            Arc::new(|req: AuthRequest| {
                futures_util::future::ready(default_authenticate(req)).boxed()
            })
        });
        let shared = Shared::new(SharedParts {
            contract: self.contract,
            config: self.config,
            handlers: self.handlers,
            hooks: Hooks {
                auth,
                authorize_subscribe: self.authorize_subscribe,
                on_connect: self.on_connect,
                on_disconnect: self.on_disconnect,
                on_error: self.on_error,
            },
            taps: self.taps,
            adapter: self
                .adapter
                .unwrap_or_else(|| crate::cluster::MemoryHub::new().adapter()),
            cluster: self.cluster_config,
        });
        Ok(Server {
            shared: Arc::new(shared),
            origin: Default::default(),
        })
    }
}
