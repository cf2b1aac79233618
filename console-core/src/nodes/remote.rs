//! [`RemoteNode`]: the console's link to one node through its inspector. A supervisor task
//! attaches, follows the stream, and when the session ends tries again with backoff; each new
//! session starts over from the node's fresh snapshot, so nothing stale survives a loss.
//!
//! Locks here are std mutexes around the link's view, held to copy or apply one event and
//! never across `.await` (commands clone the [`Commander`] out first).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_inspector::protocol::{Command, ErrorCode, Hello, NodeMessage, Outcome};
use switchboard_inspector::{
    ClientOptions, CommandError, Commander, Inspector, InspectorClient, NodeState, SessionLimits,
};
use switchboard_server::contract::{CompiledContract, Contract};
use switchboard_server::wire::util::lock;
use switchboard_server::Server;
use tokio_util::sync::CancellationToken;

use super::convert;
use super::sink::Sink;
use crate::types::{LinkState, NodeLink};

/// What a local link shows where a remote one shows its URL.
pub const LOCAL_URL: &str = "in-process";

/// The first wait after a failure; doubled per failure up to [`BACKOFF_MAX`]. Short, because
/// the common case is a developer restarting their app on the same address.
const BACKOFF_FIRST: Duration = Duration::from_millis(200);
/// The longest wait between attempts: a node that comes back is seen within this.
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How often a fresh snapshot is asked for while someone has the console open. The change
/// stream keeps membership current, but a connection's traffic counters, heartbeat times and
/// context (for connections that arrived after the first snapshot) come only with a snapshot;
/// its size grows with the node's connections, so nobody watching means no refresh.
const REFRESH_EVERY: Duration = Duration::from_secs(5);
/// Time a node has to answer a command from the console (a push, a room change, a
/// snapshot). A node answers at once unless it is stuck; without a limit a stuck node would
/// hold an API call, or the console's shutdown, forever.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed to reach a node and read its hello and snapshot.
const ATTACH_TIMEOUT: Duration = Duration::from_secs(10);

/// What the console currently knows of the node.
#[derive(Default)]
struct View {
    state: Option<LinkState>,
    node: Option<String>,
    server_version: Option<String>,
    /// `redis` when the node is one of a cluster (from its hello).
    transport: Option<String>,
    contract: Option<Arc<CompiledContract>>,
    /// Present while attached.
    nodes: Option<NodeState>,
    commander: Option<Commander>,
    last_error: Option<String>,
}

pub struct RemoteNode {
    pub id: u32,
    /// Where the node is reached; changed by discovery when a node comes back elsewhere.
    url: Mutex<String>,
    /// The node id under which cluster discovery found this node; `None` when it was added
    /// by URL.
    pub discovered: Option<String>,
    /// Wakes the supervisor's backoff when the URL changed, so a moved node is tried at once.
    retarget: tokio::sync::Notify,
    /// A server in this process, followed through an in-process inspector session
    /// (`Inspector::local_session`) instead of a socket: the same session, client, state and
    /// supervision as a remote node.
    local: Option<Server>,
    view: Mutex<View>,
    dropped: AtomicU64,
    bad_frames: AtomicU64,
    attaches: AtomicU32,
    /// Cancelled when the node is removed or the console stops.
    pub stop: CancellationToken,
}

impl RemoteNode {
    pub fn new(
        id: u32,
        url: String,
        discovered: Option<String>,
        stop: CancellationToken,
    ) -> RemoteNode {
        RemoteNode {
            id,
            url: Mutex::new(url),
            discovered,
            retarget: tokio::sync::Notify::new(),
            local: None,
            view: Mutex::new(View {
                state: Some(LinkState::Connecting),
                ..View::default()
            }),
            dropped: AtomicU64::new(0),
            bad_frames: AtomicU64::new(0),
            attaches: AtomicU32::new(0),
            stop,
        }
    }

    /// A link to `server`, in this process, through a local inspector session.
    pub fn local(id: u32, server: Server, stop: CancellationToken) -> RemoteNode {
        let mut link = RemoteNode::new(id, LOCAL_URL.to_owned(), None, stop);
        link.local = Some(server);
        link
    }

    /// The server this link follows in-process, if it is a local link.
    pub fn local_server(&self) -> Option<&Server> {
        self.local.as_ref()
    }

    pub fn url(&self) -> String {
        lock(&self.url).clone()
    }

    /// Reach the node at `url` from the next attempt on (at once if it is waiting to retry).
    /// Returns whether the URL changed.
    pub fn retarget(&self, url: &str) -> bool {
        let mut current = lock(&self.url);
        if *current == url {
            return false;
        }
        *current = url.to_owned();
        drop(current);
        self.retarget.notify_one();
        true
    }

    pub fn state(&self) -> LinkState {
        lock(&self.view).state.unwrap_or(LinkState::Connecting)
    }

    /// The node's id from its last `hello`.
    pub fn node_id(&self) -> Option<String> {
        lock(&self.view).node.clone()
    }

    /// Whether the node said it is one node of a cluster: its pushes to rooms, users, topics
    /// and everyone already reach the other nodes.
    pub fn clustered(&self) -> bool {
        lock(&self.view).transport.as_deref() == Some("redis")
    }

    /// The contract the node announced in its last `hello`.
    pub fn contract(&self) -> Option<Arc<CompiledContract>> {
        lock(&self.view).contract.clone()
    }

    /// Read the node's current state; `None` unless attached.
    pub fn read<R>(&self, f: impl FnOnce(&NodeState) -> R) -> Option<R> {
        lock(&self.view).nodes.as_ref().map(f)
    }

    pub fn status(&self) -> NodeLink {
        let v = lock(&self.view);
        let (connections, rooms) = v
            .nodes
            .as_ref()
            .map(|n| (n.connections.len() as u32, n.rooms.len() as u32))
            .unwrap_or_default();
        NodeLink {
            id: self.id,
            url: convert::masked_url(&self.url()),
            node: v.node.clone(),
            discovered: self.discovered.is_some(),
            state: v.state.unwrap_or(LinkState::Connecting),
            connections,
            rooms,
            dropped: self.dropped.load(Ordering::Relaxed),
            bad_frames: self.bad_frames.load(Ordering::Relaxed),
            attaches: self.attaches.load(Ordering::Relaxed),
            last_error: v.last_error.clone(),
            server_version: v.server_version.clone(),
        }
    }

    /// Send a command to the node and wait for its answer. A node that is not attached
    /// answers `DISCONNECTED` at once.
    pub async fn command(&self, command: Command) -> Result<Outcome, CommandError> {
        let commander = lock(&self.view).commander.clone();
        match commander {
            Some(c) => answer_within(&c, command).await,
            None => Err(CommandError::new(
                ErrorCode::Disconnected,
                format!(
                    "the node at {} is not attached right now",
                    convert::masked_url(&self.url())
                ),
            )),
        }
    }

    /// The supervisor: attach, follow, and on loss try again with backoff, until stopped.
    pub async fn supervise(self: Arc<Self>, sink: Arc<Sink>) {
        let mut failures: u32 = 0;
        loop {
            if self.stop.is_cancelled() {
                break;
            }
            let options = ClientOptions {
                attach_timeout: ATTACH_TIMEOUT,
                ..ClientOptions::default()
            };
            let url = self.url();
            let connect = async {
                match &self.local {
                    Some(server) => {
                        Inspector::local_session_with(server, SessionLimits::default(), options)
                            .await
                    }
                    None => InspectorClient::connect_with(&url, options).await,
                }
            };
            let attempt = tokio::select! {
                r = connect => r,
                _ = self.stop.cancelled() => break,
            };
            match attempt {
                Ok(client) => {
                    failures = 0;
                    self.attached(&client);
                    sink.resync();
                    let why = self.follow(client, &sink).await;
                    self.lost(why);
                    sink.resync();
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    self.failed(e.to_string());
                }
            }
            let wait = backoff(failures);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.retarget.notified() => {}
                _ = self.stop.cancelled() => break,
            }
            let mut v = lock(&self.view);
            if v.state != Some(LinkState::Connecting) {
                v.state = Some(LinkState::Reconnecting);
            }
        }
        let mut v = lock(&self.view);
        v.nodes = None;
        v.commander = None;
    }

    fn attached(&self, client: &InspectorClient) {
        let hello: &Hello = client.hello();
        let contract = serde_json::from_value::<Contract>(hello.contract.clone())
            .map_err(|e| e.to_string())
            .and_then(|c| c.compile().map_err(|e| e.to_string()));
        let mut v = lock(&self.view);
        v.state = Some(LinkState::Attached);
        v.node = Some(hello.node.clone());
        v.server_version = Some(hello.server_version.clone());
        v.transport = hello.transport.clone();
        v.nodes = Some(NodeState::new(hello, client.snapshot().clone()));
        v.commander = Some(client.commander());
        v.last_error = None;
        match contract {
            Ok(c) => v.contract = Some(Arc::new(c)),
            Err(e) => v.last_error = Some(format!("its contract cannot be read: {e}")),
        }
        drop(v);
        self.attaches.fetch_add(1, Ordering::Relaxed);
        tracing::info!(node = %hello.node, url = %convert::masked_url(&self.url()), "attached");
    }

    fn lost(&self, why: String) {
        let mut v = lock(&self.view);
        v.state = Some(LinkState::Lost);
        v.nodes = None;
        v.commander = None;
        tracing::warn!(url = %convert::masked_url(&self.url()), "lost the node: {why}");
        v.last_error = Some(why);
    }

    fn failed(&self, why: String) {
        let mut v = lock(&self.view);
        if v.state == Some(LinkState::Reconnecting) {
            v.state = Some(LinkState::Lost);
        }
        v.last_error = Some(why);
    }

    /// Follow one session until it ends (or the link is stopped); returns why it ended.
    async fn follow(&self, mut client: InspectorClient, sink: &Sink) -> String {
        let commander = client.commander();
        let (mut local_seen, mut bad_seen) = (0u64, 0u64);
        let mut refresh = tokio::time::interval(REFRESH_EVERY);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        refresh.reset();
        loop {
            let message = tokio::select! {
                m = client.next() => m,
                _ = refresh.tick() => {
                    if sink.watched() {
                        self.refresh(&commander).await;
                    }
                    continue;
                }
                _ = self.stop.cancelled() => return "detached by the console".into(),
            };
            let mut resnapshot = false;
            match message {
                None => return "the node closed the inspector session".into(),
                Some(NodeMessage::Event(ev)) => {
                    if let Some(nodes) = lock(&self.view).nodes.as_mut() {
                        nodes.apply(&ev);
                    }
                    match convert::tap_event(&ev) {
                        Some(tap) => sink.observe(&tap),
                        None => {
                            self.bad_frames.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Some(NodeMessage::Dropped(d)) => {
                    self.dropped.fetch_add(d.count, Ordering::Relaxed);
                    resnapshot = true;
                }
                Some(NodeMessage::Unknown) => {
                    self.bad_frames.fetch_add(1, Ordering::Relaxed);
                }
                Some(NodeMessage::Error(e)) => {
                    tracing::warn!(url = %convert::masked_url(&self.url()), "the node reported: {} {}", e.code, e.message);
                }
                Some(_) => {}
            }
            let local = client.dropped_locally();
            if local > local_seen {
                self.dropped
                    .fetch_add(local - local_seen, Ordering::Relaxed);
                local_seen = local;
                resnapshot = true;
            }
            let bad = client.bad_frames();
            if bad > bad_seen {
                self.bad_frames.fetch_add(bad - bad_seen, Ordering::Relaxed);
                bad_seen = bad;
            }
            if resnapshot {
                // Events were lost: the change stream alone no longer gives the right state.
                self.refresh(&commander).await;
                sink.resync();
            }
        }
    }

    /// Start again from a fresh snapshot; the events queued meanwhile apply on top (they set
    /// facts, so one the snapshot already holds changes nothing).
    async fn refresh(&self, commander: &Commander) {
        let answer = tokio::select! {
            a = answer_within(commander, Command::Snapshot) => a,
            _ = self.stop.cancelled() => return,
        };
        if let Ok(Outcome::Snapshot { snapshot }) = answer {
            if let Some(nodes) = lock(&self.view).nodes.as_mut() {
                nodes.reset(*snapshot);
            }
        }
    }
}

/// `command`'s answer, or `TIMEOUT` after [`COMMAND_TIMEOUT`].
async fn answer_within(commander: &Commander, command: Command) -> Result<Outcome, CommandError> {
    match tokio::time::timeout(COMMAND_TIMEOUT, commander.command(command)).await {
        Ok(answer) => answer,
        Err(_) => Err(CommandError::new(
            ErrorCode::Timeout,
            format!("the node did not answer within {COMMAND_TIMEOUT:?}"),
        )),
    }
}

/// The wait after `failures` failures in a row (none after a session that worked), with a
/// little jitter so consoles attached to a restarting fleet do not all retry at once.
fn backoff(failures: u32) -> Duration {
    let base = BACKOFF_FIRST
        .saturating_mul(1u32 << failures.min(6))
        .min(BACKOFF_MAX);
    let jitter = rand::random_range(0..=base.as_millis() as u64 / 5);
    base + Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) >= BACKOFF_FIRST);
        assert!(backoff(1) >= BACKOFF_FIRST * 2);
        assert!(backoff(30) <= BACKOFF_MAX + BACKOFF_MAX / 5);
    }
}
