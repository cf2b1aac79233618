//! The typed API: payload types carry their names (`Event::NAME`, `Topic::NAME`,
//! `Request::NAME`) so a Rust application gets checked names and payload types, and the rules
//! of the contract become trait bounds: a room broadcast takes only a [`SharedEvent`], so
//! broadcasting a role event does not compile.
//!
//! ```no_run
//! # use schemars::JsonSchema;
//! # use serde::{Deserialize, Serialize};
//! # use switchboard_server::contract::{Event, SharedEvent};
//! # use switchboard_server::Server;
//! #[derive(Serialize, Deserialize, JsonSchema)]
//! struct Message { room: String, text: String }
//! impl Event for Message { const NAME: &'static str = "message"; }
//! impl SharedEvent for Message {}
//!
//! fn shout(srv: &Server) {
//!     let _ = srv.room("lobby").broadcast_typed(&Message { room: "lobby".into(), text: "hi".into() });
//! }
//! ```
//!
//! The same with a role event is refused by the compiler:
//!
//! ```compile_fail
//! # use schemars::JsonSchema;
//! # use serde::{Deserialize, Serialize};
//! # use switchboard_server::contract::Event;
//! # use switchboard_server::Server;
//! #[derive(Serialize, Deserialize, JsonSchema)]
//! struct Alert { level: String }
//! impl Event for Alert { const NAME: &'static str = "alert"; }
//!
//! fn shout(srv: &Server) {
//!     let _ = srv.room("lobby").broadcast_typed(&Alert { level: "warn".into() });
//! }
//! ```

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::builder::ServerBuilder;
use super::bus::{ListenerOutcome, Subscription};
use super::conn::{Conn, Ctx};
use super::delivery::{ConnTarget, RoleTarget, UserTarget};
use super::error::{HandlerError, PushError};
use super::rooms::{Room, RoomTarget};
use super::Server;
use crate::contract::{Event, Request, SharedEvent, SharedTopic, Topic};

fn to_value<T: Serialize>(v: &T) -> Result<Value, PushError> {
    serde_json::to_value(v).map_err(|e| PushError::Encode(e.to_string()))
}

impl ServerBuilder {
    /// Register a handler with typed input and output. The input has already been validated
    /// against the contract when the handler runs.
    pub fn handle_typed<R, F, Fut>(self, role: &str, f: F) -> Self
    where
        R: Request,
        F: Fn(R::Input, Ctx, Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::Output, HandlerError>> + Send + 'static,
    {
        let f = std::sync::Arc::new(f);
        self.handle(role, R::NAME, move |input: Value, ctx, conn| {
            let f = f.clone();
            async move {
                let input: R::Input = decode(input)?;
                let output = f(input, ctx, conn).await?;
                serde_json::to_value(output).map_err(HandlerError::from)
            }
        })
    }
}

fn decode<T: DeserializeOwned>(v: Value) -> Result<T, HandlerError> {
    serde_json::from_value(v)
        .map_err(|e| HandlerError::bad_request(format!("input does not match its type: {e}")))
}

impl Conn {
    pub fn emit_typed<E: Event>(&self, payload: &E) -> Result<usize, PushError> {
        self.emit(E::NAME, &to_value(payload)?)
    }
}

impl Room {
    pub fn broadcast_typed<E: SharedEvent>(&self, payload: &E) -> Result<usize, PushError> {
        self.broadcast(E::NAME, &to_value(payload)?)
    }
}

impl RoomTarget {
    pub fn broadcast_typed<E: SharedEvent>(&self, payload: &E) -> Result<usize, PushError> {
        self.broadcast(E::NAME, &to_value(payload)?)
    }
}

impl ConnTarget {
    pub fn emit_typed<E: Event>(&self, payload: &E) -> Result<usize, PushError> {
        self.emit(E::NAME, &to_value(payload)?)
    }
}

impl UserTarget {
    pub fn emit_typed<E: Event>(&self, payload: &E) -> Result<usize, PushError> {
        self.emit(E::NAME, &to_value(payload)?)
    }
}

impl RoleTarget {
    pub fn publish_typed<T: Topic>(&self, payload: &T) -> Result<usize, PushError> {
        self.publish(T::NAME, &to_value(payload)?)
    }
}

impl Server {
    pub fn broadcast_typed<E: SharedEvent>(&self, payload: &E) -> Result<usize, PushError> {
        self.broadcast(E::NAME, &to_value(payload)?)
    }

    pub fn publish_typed<T: SharedTopic>(&self, payload: &T) -> Result<usize, PushError> {
        self.publish(T::NAME, &to_value(payload)?)
    }

    /// Listen to a shared topic with a typed payload. A payload that does not decode into `T`
    /// is reported to `on_error` like a failing listener.
    pub fn subscribe_typed<T, F, R>(&self, f: F) -> Result<Subscription, PushError>
    where
        T: SharedTopic,
        F: Fn(T, &str) -> R + Send + Sync + 'static,
        R: ListenerOutcome,
    {
        self.subscribe(
            T::NAME,
            move |v: &Value, from: &str| -> Result<(), String> {
                let payload: T = serde_json::from_value(v.clone())
                    .map_err(|e| format!("payload does not match its type: {e}"))?;
                match f(payload, from).into_fault() {
                    Some(fault) => Err(fault),
                    None => Ok(()),
                }
            },
        )
    }
}
