//! The attached nodes' connections: every node's connections as list rows (each names its
//! node; [`conn_page`](crate::nodes::conn_page) filters and pages them as for the embedded
//! server), one connection as its node last reported it, and closing a connection through its
//! node's inspector.

use switchboard_inspector::protocol::Command;

use super::AttachedNodes;
use crate::nodes::{conn_page, convert, ConnFacts, NodeError};
use crate::types::{ConnPage, ConnQuery};

fn gone(id: &str) -> NodeError {
    NodeError::NotFound(format!(
        "no connection `{id}` on any attached node (it may have disconnected)"
    ))
}

pub(super) fn page(nodes: &AttachedNodes, q: ConnQuery) -> ConnPage {
    let rows = nodes.connections().iter().map(convert::conn_row).collect();
    conn_page::page_of_rows(rows, q)
}

/// The node masked secrets before sending; its values are as of its last report (an
/// inspector does not report headers).
pub(super) fn facts(nodes: &AttachedNodes, id: &str) -> Result<ConnFacts, NodeError> {
    let c = nodes
        .find_conn(id)
        .map(|(_, c)| c)
        .ok_or_else(|| gone(id))?;
    Ok(ConnFacts {
        info: convert::conn_row(&c),
        params: c.params,
        headers: Default::default(),
        ctx: c.ctx,
        env: c.env,
    })
}

pub(super) async fn disconnect(
    nodes: &AttachedNodes,
    id: &str,
    reason: String,
) -> Result<(), NodeError> {
    let (node, _) = nodes.find_conn(id).ok_or_else(|| gone(id))?;
    node.command(Command::Disconnect {
        conn: id.to_owned(),
        code: None,
        reason,
    })
    .await?;
    Ok(())
}
