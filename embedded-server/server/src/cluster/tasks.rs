//! The cluster's background work: presence writes, periodic announcements, peer expiry, and
//! recovering after the transport comes back.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::adapter::{AdapterStatus, ConnDescriptor, NodeRecord};
use super::envelope::Body;
use crate::conn::Conn;
use crate::hooks::FaultKind;
use crate::shared::Shared;
use crate::tap::now_us;

pub(crate) fn descriptor(conn: &Conn, node: &str) -> ConnDescriptor {
    ConnDescriptor {
        id: conn.id().to_owned(),
        role: conn.role().to_owned(),
        node: node.to_owned(),
        user: conn.user().to_owned(),
        connected_at_us: conn.connected_at_us(),
        rooms: conn.rooms(),
    }
}

fn node_record(shared: &Shared) -> NodeRecord {
    let link = shared.cluster();
    NodeRecord {
        id: link.node_id.to_string(),
        conn_prefix: link.prefix.clone(),
        started_at_us: link.started_at_us,
        connections: shared.registry().len(),
        rooms: shared.rooms().room_count(),
        updated_at_us: now_us(),
        inspector: link.inspector(),
    }
}

/// Write presence: everything after a failure or at start, otherwise what changed.
async fn flush_presence(shared: &Arc<Shared>, full: bool) {
    let link = shared.cluster();
    let node = link.node_id.to_string();
    let ttl = link.config.node_ttl;
    let presence = link.adapter.presence();
    let resync = full || link.needs_resync.swap(false, Ordering::AcqRel);
    let result = if resync {
        let _ = link.take_dirty();
        let all = shared
            .registry()
            .all()
            .iter()
            .map(|c| descriptor(c, &node))
            .collect();
        match presence.put_node(node_record(shared), ttl).await {
            Ok(()) => presence.replace_conns(node.clone(), all, ttl).await,
            Err(e) => Err(e),
        }
    } else {
        let dirty = link.take_dirty();
        if dirty.is_empty() {
            return;
        }
        let mut upserts = Vec::new();
        let mut removals = Vec::new();
        for id in dirty {
            match shared.registry().get(&id) {
                Some(conn) => upserts.push(descriptor(&conn, &node)),
                None => removals.push(id),
            }
        }
        presence
            .put_conns(node.clone(), upserts, removals, ttl)
            .await
    };
    if let Err(e) = result {
        link.needs_resync.store(true, Ordering::Release);
        shared.report(
            FaultKind::Adapter,
            None,
            format!("presence update failed: {e}"),
        );
    }
}

async fn refresh_node(shared: &Arc<Shared>) {
    let link = shared.cluster();
    if let Err(e) = link
        .adapter
        .presence()
        .put_node(node_record(shared), link.config.node_ttl)
        .await
    {
        link.needs_resync.store(true, Ordering::Release);
        shared.report(
            FaultKind::Adapter,
            None,
            format!("presence heartbeat failed: {e}"),
        );
    }
}

pub(crate) async fn run(shared: Arc<Shared>) {
    let link = shared.cluster().clone();
    link.broadcast_ctl(&shared, Body::HelloRequest);
    link.announce_all(&shared);
    flush_presence(&shared, true).await;
    let mut status = link.adapter.status();
    let mut was_down = matches!(*status.borrow(), AdapterStatus::Down(_));
    let mut beat = tokio::time::interval(link.config.heartbeat);
    let mut flush = tokio::time::interval(link.config.presence_flush);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shared.shutdown().cancelled() => break,
            _ = beat.tick() => {
                refresh_node(&shared).await;
                link.announce_all(&shared);
                for gone in link.expire_peers() {
                    tracing::warn!(node = %gone, "cluster peer silent for longer than the node TTL; no longer routing to it");
                }
            }
            _ = flush.tick() => flush_presence(&shared, false).await,
            changed = status.changed() => {
                if changed.is_err() { break; }
                let now = status.borrow().clone();
                match now {
                    AdapterStatus::Down(reason) => {
                        if !was_down {
                            shared.report(FaultKind::Adapter, None, format!("cluster transport down: {reason}"));
                        }
                        was_down = true;
                    }
                    AdapterStatus::Up => {
                        if was_down {
                            tracing::info!("cluster transport back up; re-registering");
                            link.broadcast_ctl(&shared, Body::HelloRequest);
                            link.announce_all(&shared);
                            flush_presence(&shared, true).await;
                        }
                        was_down = false;
                    }
                    AdapterStatus::Connecting => {}
                }
            }
        }
    }
    // Clean shutdown: tell the others, and take our entries out of the registry. Bounded, so
    // a transport that is down cannot hold the shutdown up.
    link.broadcast_ctl(&shared, Body::Bye);
    let remove = link
        .adapter
        .presence()
        .remove_node(link.node_id.to_string());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), remove).await;
    // The goodbye is best effort: peers that miss it stop routing here after the node TTL.
    link.adapter.close();
}
