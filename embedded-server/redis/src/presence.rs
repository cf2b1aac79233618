//! Presence in Redis: one JSON string per node and one hash of connections per node, both with
//! a TTL the node keeps refreshing (key layout in [`super::keys`]).
//!
//! Commands go over the publisher's command connection (a clone of its multiplexed connection,
//! taken from [`Shared::command`] under a short lock). While that connection is down every call
//! fails at once with [`AdapterError::Unavailable`] instead of waiting for Redis; a call that
//! fails on the wire wakes the publisher task so the connection is checked (and the status goes
//! `Down`) right away.
//!
//! Reads never trust what is stored: another program, an older version or a typo in
//! `redis-cli` can put anything under our keys. A value that is not our JSON is skipped, counted
//! (`presence_skipped`) and logged, so one bad entry cannot hide the whole registry.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use ::redis::aio::MultiplexedConnection;
use ::redis::{RedisError, RedisResult};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde::Serialize;
use tokio::time;

use super::health::lock;
use super::Shared;
use switchboard_server::cluster::adapter::{
    AdapterError, ConnDescriptor, NodeRecord, PresenceStore,
};

/// Keys asked per SCAN step; a hint to Redis, which may return more or fewer.
const SCAN_COUNT: usize = 500;
/// Keys per MGET, so one listing of a large cluster is several bounded replies.
const MGET_CHUNK: usize = 500;

/// The [`PresenceStore`] of a [`super::RedisAdapter`].
pub struct RedisPresence {
    shared: Arc<Shared>,
}

impl RedisPresence {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        RedisPresence { shared }
    }
}

/// Largest TTL sent: Redis rejects expiry times that overflow a signed 64-bit millisecond clock.
const MAX_TTL_MS: u64 = i64::MAX as u64 / 2;

/// A TTL in whole milliseconds for `PX`/`PEXPIRE`: at least 1 (Redis rejects 0), at most
/// [`MAX_TTL_MS`].
fn ttl_ms(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis())
        .unwrap_or(u64::MAX)
        .clamp(1, MAX_TTL_MS)
}

fn encode<T: Serialize>(what: &str, value: &T) -> Result<Vec<u8>, AdapterError> {
    serde_json::to_vec(value).map_err(|e| AdapterError::Corrupt(format!("encoding {what}: {e}")))
}

impl Shared {
    /// A handle on the command connection, or `Unavailable` while it is down.
    fn presence_connection(&self) -> Result<MultiplexedConnection, AdapterError> {
        if self.health.is_closed() {
            return Err(AdapterError::Unavailable("redis: adapter closed".into()));
        }
        lock(&self.command).clone().ok_or_else(|| {
            let why = match self.health.status() {
                switchboard_server::cluster::adapter::AdapterStatus::Down(reason) => reason,
                _ => "still connecting".into(),
            };
            AdapterError::Unavailable(format!("redis: not connected ({why})"))
        })
    }

    fn redis_failure(&self, what: &str, e: &RedisError) -> AdapterError {
        self.check_command.notify_one();
        AdapterError::Unavailable(format!("redis: {what}: {e}"))
    }

    fn timeout_failure(&self, what: &str) -> AdapterError {
        self.check_command.notify_one();
        AdapterError::Unavailable(format!(
            "redis: {what}: timed out after {:?}",
            self.command_timeout
        ))
    }

    /// Runs one command (or pipeline) with the command timeout, mapping every failure.
    async fn run<T>(
        &self,
        what: &str,
        command: impl Future<Output = RedisResult<T>>,
    ) -> Result<T, AdapterError> {
        match time::timeout(self.command_timeout, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.redis_failure(what, &e)),
            Err(_) => Err(self.timeout_failure(what)),
        }
    }

    fn skip(&self, key: &str, why: &str) {
        self.counters
            .presence_skipped
            .fetch_add(1, Ordering::Relaxed);
        tracing::warn!(key, "redis adapter: skipping presence entry: {why}");
    }

    async fn put_node(&self, node: NodeRecord, ttl: Duration) -> Result<(), AdapterError> {
        let json = encode("node record", &node)?;
        let ttl = ttl_ms(ttl);
        let mut conn = self.presence_connection()?;
        let mut pipe = ::redis::pipe();
        pipe.atomic()
            .cmd("SET")
            .arg(self.keys.node(&node.id))
            .arg(json)
            .arg("PX")
            .arg(ttl)
            .ignore()
            .cmd("PEXPIRE")
            .arg(self.keys.conns(&node.id))
            .arg(ttl)
            .ignore();
        self.run("put_node", pipe.query_async::<()>(&mut conn))
            .await
    }

    /// Upserts are written before removals, so an id present in both ends up removed: a
    /// connection that came and went within one batch must not linger in the registry.
    async fn put_conns(
        &self,
        node: String,
        upserts: Vec<ConnDescriptor>,
        removals: Vec<String>,
        ttl: Duration,
    ) -> Result<(), AdapterError> {
        let key = self.keys.conns(&node);
        let mut pipe = ::redis::pipe();
        pipe.atomic();
        if !upserts.is_empty() {
            let hset = pipe.cmd("HSET").arg(&key);
            for conn in &upserts {
                hset.arg(&conn.id).arg(encode("connection", conn)?);
            }
            hset.ignore();
        }
        if !removals.is_empty() {
            pipe.cmd("HDEL").arg(&key).arg(&removals).ignore();
        }
        pipe.cmd("PEXPIRE").arg(&key).arg(ttl_ms(ttl)).ignore();
        let mut conn = self.presence_connection()?;
        self.run("put_conns", pipe.query_async::<()>(&mut conn))
            .await
    }

    async fn replace_conns(
        &self,
        node: String,
        all: Vec<ConnDescriptor>,
        ttl: Duration,
    ) -> Result<(), AdapterError> {
        let key = self.keys.conns(&node);
        let mut pipe = ::redis::pipe();
        pipe.atomic().cmd("DEL").arg(&key).ignore();
        if !all.is_empty() {
            let hset = pipe.cmd("HSET").arg(&key);
            for conn in &all {
                hset.arg(&conn.id).arg(encode("connection", conn)?);
            }
            hset.ignore();
        }
        pipe.cmd("PEXPIRE").arg(&key).arg(ttl_ms(ttl)).ignore();
        let mut conn = self.presence_connection()?;
        self.run("replace_conns", pipe.query_async::<()>(&mut conn))
            .await
    }

    async fn remove_node(&self, node: String) -> Result<(), AdapterError> {
        let mut conn = self.presence_connection()?;
        let mut cmd = ::redis::cmd("DEL");
        cmd.arg(self.keys.node(&node)).arg(self.keys.conns(&node));
        self.run("remove_node", cmd.query_async::<()>(&mut conn))
            .await
    }

    async fn nodes(&self) -> Result<Vec<NodeRecord>, AdapterError> {
        let mut conn = self.presence_connection()?;
        // SCAN may return a key more than once; the set also sorts the listing.
        let mut found = BTreeSet::new();
        let pattern = self.keys.node_pattern();
        let mut cursor = 0u64;
        loop {
            let mut scan = ::redis::cmd("SCAN");
            scan.arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT);
            let (next, keys): (u64, Vec<Vec<u8>>) = self
                .run("nodes (SCAN)", scan.query_async(&mut conn))
                .await?;
            for key in keys {
                match String::from_utf8(key) {
                    Ok(key) => {
                        found.insert(key);
                    }
                    Err(e) => {
                        let key = String::from_utf8_lossy(e.as_bytes()).into_owned();
                        self.skip(&key, "key is not UTF-8");
                    }
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }

        let found: Vec<String> = found.into_iter().collect();
        let mut nodes = Vec::with_capacity(found.len());
        for keys in found.chunks(MGET_CHUNK) {
            let mut mget = ::redis::cmd("MGET");
            mget.arg(keys);
            let values: Vec<Option<Vec<u8>>> = self
                .run("nodes (MGET)", mget.query_async(&mut conn))
                .await?;
            for (key, value) in keys.iter().zip(values) {
                // Nil: expired since the SCAN, or not a string (MGET does not fail on those).
                let Some(value) = value else { continue };
                match serde_json::from_slice::<NodeRecord>(&value) {
                    Ok(node) if Some(node.id.as_str()) == self.keys.node_id(key) => {
                        nodes.push(node);
                    }
                    Ok(node) => self.skip(key, &format!("record of node {:?}", node.id)),
                    Err(e) => self.skip(key, &format!("not a node record: {e}")),
                }
            }
        }
        Ok(nodes)
    }

    async fn conns(&self, node: String) -> Result<Vec<ConnDescriptor>, AdapterError> {
        let mut conn = self.presence_connection()?;
        let mut exists = ::redis::cmd("EXISTS");
        exists.arg(self.keys.node(&node));
        let alive: u64 = self
            .run("conns (EXISTS)", exists.query_async(&mut conn))
            .await?;
        if alive == 0 {
            // The node is gone (expired or removed); its hash may outlive it by a moment.
            return Ok(Vec::new());
        }
        let key = self.keys.conns(&node);
        let mut hgetall = ::redis::cmd("HGETALL");
        hgetall.arg(&key);
        // A map (RESP3) or a flat array of pairs (RESP2); the HashMap conversion takes both.
        let entries: HashMap<Vec<u8>, Vec<u8>> =
            match time::timeout(self.command_timeout, hgetall.query_async(&mut conn)).await {
                Ok(Ok(entries)) => entries,
                Ok(Err(e)) if e.code() == Some("WRONGTYPE") => {
                    self.skip(&key, "not a hash");
                    return Ok(Vec::new());
                }
                Ok(Err(e)) => return Err(self.redis_failure("conns (HGETALL)", &e)),
                Err(_) => return Err(self.timeout_failure("conns (HGETALL)")),
            };
        let mut conns = Vec::with_capacity(entries.len());
        for (field, value) in entries {
            let field = String::from_utf8_lossy(&field);
            match serde_json::from_slice::<ConnDescriptor>(&value) {
                Ok(desc) if desc.id == field => conns.push(desc),
                Ok(desc) => self.skip(
                    &format!("{key} {field}"),
                    &format!("descriptor of connection {:?}", desc.id),
                ),
                Err(e) => self.skip(
                    &format!("{key} {field}"),
                    &format!("not a connection descriptor: {e}"),
                ),
            }
        }
        conns.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(conns)
    }
}

impl PresenceStore for RedisPresence {
    fn put_node(
        &self,
        node: NodeRecord,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let shared = self.shared.clone();
        async move { shared.put_node(node, ttl).await }.boxed()
    }

    fn put_conns(
        &self,
        node: String,
        upserts: Vec<ConnDescriptor>,
        removals: Vec<String>,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let shared = self.shared.clone();
        async move { shared.put_conns(node, upserts, removals, ttl).await }.boxed()
    }

    fn replace_conns(
        &self,
        node: String,
        all: Vec<ConnDescriptor>,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let shared = self.shared.clone();
        async move { shared.replace_conns(node, all, ttl).await }.boxed()
    }

    fn remove_node(&self, node: String) -> BoxFuture<'static, Result<(), AdapterError>> {
        let shared = self.shared.clone();
        async move { shared.remove_node(node).await }.boxed()
    }

    fn nodes(&self) -> BoxFuture<'static, Result<Vec<NodeRecord>, AdapterError>> {
        let shared = self.shared.clone();
        async move { shared.nodes().await }.boxed()
    }

    fn conns(&self, node: String) -> BoxFuture<'static, Result<Vec<ConnDescriptor>, AdapterError>> {
        let shared = self.shared.clone();
        async move { shared.conns(node).await }.boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_is_whole_positive_milliseconds() {
        assert_eq!(ttl_ms(Duration::from_millis(300)), 300);
        assert_eq!(ttl_ms(Duration::ZERO), 1);
        assert_eq!(ttl_ms(Duration::from_micros(10)), 1);
        assert_eq!(ttl_ms(Duration::MAX), MAX_TTL_MS);
    }
}
