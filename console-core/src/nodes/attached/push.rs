//! A push fired by hand at the attached nodes: sent to the node(s) that can deliver it,
//! through each node's inspector (which checks the payload against its contract and records
//! the push as `manual`), with what each node did.

use std::sync::Arc;

use switchboard_inspector::protocol::{Command, Outcome, PushTarget as WireTarget};

use super::AttachedNodes;
use crate::nodes::remote::RemoteNode;
use crate::nodes::NodeError;
use crate::types::{LinkState, NodePushResult, PushRequest, PushTarget};

fn wire_target(target: &PushTarget) -> WireTarget {
    match target {
        PushTarget::Conn { id } => WireTarget::Conn { id: id.clone() },
        PushTarget::User { user } => WireTarget::User { user: user.clone() },
        PushTarget::Rooms { rooms, except } => WireTarget::Rooms {
            rooms: rooms.clone(),
            except: except.clone().filter(|s| !s.is_empty()),
            only_users: None,
            only_conns: None,
        },
        PushTarget::RoleTopic { role } => WireTarget::RoleTopic { role: role.clone() },
        PushTarget::SharedTopic => WireTarget::SharedTopic,
        PushTarget::Everyone => WireTarget::Everyone,
    }
}

/// The nodes to send a fan-out push (user, rooms, topics, everyone) through so that each
/// client gets it once: every node on its own, but only the first of the nodes that are in a
/// cluster, since a cluster node's push already reaches its peers. (Nodes of one application
/// share one cluster; several clusters attached at once are not told apart yet.)
pub fn fan_out<T>(nodes: Vec<T>, clustered: impl Fn(&T) -> bool) -> Vec<T> {
    let mut seen_cluster = false;
    nodes
        .into_iter()
        .filter(|n| {
            if !clustered(n) {
                return true;
            }
            !std::mem::replace(&mut seen_cluster, true)
        })
        .collect()
}

/// Which nodes a push goes to: the one holding the connection, those holding the user's
/// sessions, or every attached node for rooms, topics and everyone (rooms span nodes); a
/// cluster is sent to once ([`fan_out`]).
fn recipients(
    nodes: &AttachedNodes,
    target: &PushTarget,
) -> Result<Vec<Arc<RemoteNode>>, NodeError> {
    let once = |found: Vec<Arc<RemoteNode>>| fan_out(found, |n| n.clustered());
    match target {
        PushTarget::Conn { id } => {
            nodes
                .find_conn(id)
                .map(|(node, _)| vec![node])
                .ok_or_else(|| {
                    NodeError::NotFound(format!("no connection `{id}` on any attached node"))
                })
        }
        PushTarget::User { user } => {
            let found = nodes.nodes_of_user(user);
            if found.is_empty() {
                Err(NodeError::NotFound(format!(
                    "user `{user}` has no connection on any attached node"
                )))
            } else {
                Ok(once(found))
            }
        }
        PushTarget::Rooms { rooms, .. } if rooms.is_empty() => {
            Err(NodeError::Refused("pick at least one room".to_owned()))
        }
        _ => {
            let all: Vec<_> = nodes
                .links()
                .into_iter()
                .filter(|l| l.state() == LinkState::Attached)
                .collect();
            if all.is_empty() {
                Err(NodeError::Unavailable(
                    "no node is attached right now".to_owned(),
                ))
            } else {
                Ok(once(all))
            }
        }
    }
}

/// Send `req`; the total delivered and each node's result. Fails when every node refused it
/// (with the first node's error); a push some nodes delivered succeeds with the others'
/// errors in the per-node results.
pub(super) async fn push(
    nodes: &AttachedNodes,
    req: &PushRequest,
) -> (Result<usize, NodeError>, Vec<NodePushResult>) {
    let targets = match recipients(nodes, &req.target) {
        Ok(t) => t,
        Err(e) => return (Err(e), Vec::new()),
    };
    let command = Command::Push {
        target: wire_target(&req.target),
        name: req.name.clone(),
        payload: req.payload.clone(),
    };
    let answers = futures_util::future::join_all(targets.iter().map(|node| {
        let command = command.clone();
        async move {
            (
                node.node_id().unwrap_or_default(),
                node.command(command).await,
            )
        }
    }))
    .await;
    let mut delivered = 0usize;
    let mut first_error: Option<NodeError> = None;
    let mut any_ok = false;
    let mut results = Vec::with_capacity(answers.len());
    for (node, answer) in answers {
        match answer {
            Ok(Outcome::Push { delivered: n }) => {
                any_ok = true;
                delivered += n;
                results.push(NodePushResult {
                    node,
                    delivered: Some(n as u32),
                    error: None,
                });
            }
            Ok(other) => {
                let e = NodeError::Internal(format!("the node answered a push with {other:?}"));
                results.push(NodePushResult {
                    node,
                    delivered: None,
                    error: Some(e.to_string()),
                });
                first_error.get_or_insert(e);
            }
            Err(e) => {
                let e = NodeError::from(e);
                results.push(NodePushResult {
                    node,
                    delivered: None,
                    error: Some(e.to_string()),
                });
                first_error.get_or_insert(e);
            }
        }
    }
    match (any_ok, first_error) {
        (false, Some(e)) => (Err(e), results),
        _ => (Ok(delivered), results),
    }
}

#[cfg(test)]
mod tests {
    use super::fan_out;

    #[test]
    fn a_cluster_is_sent_to_once_and_lone_nodes_each() {
        // (name, clustered)
        let nodes = vec![("a", false), ("c1", true), ("b", false), ("c2", true)];
        let picked: Vec<&str> = fan_out(nodes, |n| n.1).into_iter().map(|n| n.0).collect();
        assert_eq!(picked, ["a", "c1", "b"]);
        let lone = vec![("a", false), ("b", false)];
        assert_eq!(fan_out(lone, |n| n.1).len(), 2);
    }
}
