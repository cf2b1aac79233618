//! [`NodeError`]: why a node source could not answer a panel's call or carry out its command.
//! The API turns each variant into the status and message the console has always answered
//! (`api/error.rs`), so whichever source answered, the response has the same shape.

use switchboard_inspector::CommandError;
use switchboard_server::wire::Issue;

#[derive(Debug, Clone, thiserror::Error)]
pub enum NodeError {
    /// No such connection or room (it may have gone since the page was drawn). 404.
    #[error("{0}")]
    NotFound(String),
    /// Something this kind of source cannot see or do, whatever is asked: rooms and topic
    /// subscribers are not on the wire a proxy relays; nodes are added only in attach mode. 400.
    #[error("{0}")]
    Unsupported(&'static str),
    /// The request does not fit what the source holds (an event the role does not receive, a
    /// room past a connection's cap, an empty room list). 400.
    #[error("{0}")]
    Refused(String),
    /// A payload that breaks its schema, with every issue. 422.
    #[error("the payload does not match the schema of `{name}`")]
    Invalid { name: String, issues: Vec<Issue> },
    /// Nothing can carry it out right now (no node attached, a full queue). 503.
    #[error("{0}")]
    Unavailable(String),
    /// What an attached node answered to a command; its code picks the status.
    #[error("the node answered {}: {}", .0.code, .0.message)]
    Node(#[from] CommandError),
    /// The source answered something it should not have. 500.
    #[error("{0}")]
    Internal(String),
}
