//! The connections API in attach mode: every attached node's connections in one list (each
//! row names its node), one connection's detail as its node last reported it, and closing a
//! connection through its node's inspector.

use switchboard_inspector::protocol::{Command, Connection};

use super::error::ApiError;
use crate::live::aggregator::role_counts;
use crate::nodes::{convert, AttachedNodes};
use crate::types::{ConnPage, ConnQuery, ConnRow};

fn matches(c: &Connection, needle: &str) -> bool {
    needle.is_empty()
        || c.id.to_lowercase().contains(needle)
        || c.user.to_lowercase().contains(needle)
        || c.node.to_lowercase().contains(needle)
        || c.rooms.iter().any(|r| r.to_lowercase().contains(needle))
        || c.topics.iter().any(|t| t.to_lowercase().contains(needle))
}

/// The same grouping, order and paging as the embedded list.
pub fn list(nodes: &AttachedNodes, q: ConnQuery, default_limit: u32, max_limit: u32) -> ConnPage {
    let all = nodes.connections();
    let roles = role_counts(all.iter().map(|c| c.role.as_str()));
    let needle = q.q.unwrap_or_default().to_lowercase();
    let mut hits: Vec<Connection> = all
        .into_iter()
        .filter(|c| {
            q.role
                .as_deref()
                .is_none_or(|r| r.is_empty() || c.role == r)
        })
        .filter(|c| {
            q.node
                .as_deref()
                .is_none_or(|n| n.is_empty() || c.node == n)
        })
        .filter(|c| matches(c, &needle))
        .collect();
    hits.sort_by(|a, b| {
        a.role
            .cmp(&b.role)
            .then(a.connected_at_us.cmp(&b.connected_at_us))
            .then(a.id.cmp(&b.id))
    });
    let total = hits.len() as u32;
    let offset = q.offset.unwrap_or(0).min(total);
    let limit = q.limit.unwrap_or(default_limit).clamp(1, max_limit);
    let rows: Vec<ConnRow> = hits
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(convert::conn_row)
        .collect();
    ConnPage {
        total,
        offset,
        rows,
        roles,
    }
}

pub fn find(nodes: &AttachedNodes, id: &str) -> Result<Connection, ApiError> {
    nodes.find_conn(id).map(|(_, c)| c).ok_or_else(|| {
        ApiError::not_found(format!(
            "no connection `{id}` on any attached node (it may have disconnected)"
        ))
    })
}

pub async fn disconnect(nodes: &AttachedNodes, id: &str, reason: String) -> Result<(), ApiError> {
    let (node, _) = nodes.find_conn(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "no connection `{id}` on any attached node (it may have disconnected)"
        ))
    })?;
    node.command(Command::Disconnect {
        conn: id.to_owned(),
        code: None,
        reason,
    })
    .await?;
    Ok(())
}
