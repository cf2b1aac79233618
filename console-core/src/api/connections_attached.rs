//! The connections API in attach mode: every attached node's connections as list rows (each
//! names its node; `connections::page` filters and pages them as for the embedded server), one connection's detail as its node last reported it, and closing a
//! connection through its node's inspector.

use switchboard_inspector::protocol::{Command, Connection};

use super::error::ApiError;
use crate::nodes::{convert, AttachedNodes};
use crate::types::ConnRow;

/// Every attached node's connections, as list rows (paged by `connections::page`).
pub fn rows(nodes: &AttachedNodes) -> Vec<ConnRow> {
    nodes.connections().iter().map(convert::conn_row).collect()
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
