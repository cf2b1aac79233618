//! From a capture to a replay plan: which connections to re-create, what each one sends and in
//! which order, what it should get back, and which pushes to fire again.
//!
//! The plan is built in one pass over the rows of the selected sessions, in `seq` order. The
//! whole session is walked even when the selection is narrower, because membership (rooms,
//! topics, who is online) decides what a connection received, and because a request's reply may
//! lie outside a time window; only rows *in the selection* become actions and expectations.
//!
//! Bad input never fails the plan. Rows that cannot be used become [`SkippedRow`]s with a
//! reason: a kind this build does not know, a reply whose request is missing, a bad frame of
//! which only a prefix was recorded, a refused upgrade. A request whose reply is missing stays
//! an action, with no expectation.
//!
//! Rows recorded by an earlier replay (origin `replay`) are left out unless rows are selected
//! explicitly by seq, so replaying a capture that also holds a replay does not replay twice.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ReplayError;
use crate::schema::{self, ROW_COLUMNS};
use crate::tap::{Origin, TapKind};
use crate::{CaptureError, Row};

/// Which rows of a capture to replay. Empty fields do not restrict; given fields must all
/// match.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplaySelection"))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Selection {
    /// One capture session (default: every session in the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub session: Option<i64>,
    /// Rows at or after this time (µs since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub since_us: Option<i64>,
    /// Rows strictly before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub until_us: Option<i64>,
    /// Only these recorded connections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conns: Vec<String>,
    /// Exactly these rows (as selected in the console's Traffic view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(type = "number[]"))]
    pub seqs: Vec<i64>,
}

/// One thing a replayed connection does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ActionKind {
    /// Open the WebSocket (always a connection's first action).
    Connect,
    Request {
        name: String,
        input: Value,
    },
    Subscribe {
        topic: String,
    },
    Unsubscribe {
        topic: String,
    },
    /// Re-send a frame the server could not read, when the capture holds all of it.
    BadFrame {
        text: String,
    },
    /// Close the WebSocket, as the recorded client did.
    Close,
}

impl ActionKind {
    /// Whether the server answers this action (a reply is awaited before the next one).
    pub fn expects_reply(&self) -> bool {
        matches!(
            self,
            ActionKind::Request { .. } | ActionKind::Subscribe { .. } | ActionKind::BadFrame { .. }
        )
    }

    /// The request, topic or a short label, for reports.
    pub fn label(&self) -> String {
        match self {
            ActionKind::Connect => "connect".into(),
            ActionKind::Request { name, .. } => name.clone(),
            ActionKind::Subscribe { topic } => format!("sub {topic}"),
            ActionKind::Unsubscribe { topic } => format!("unsub {topic}"),
            ActionKind::BadFrame { .. } => "bad frame".into(),
            ActionKind::Close => "close".into(),
        }
    }
}

/// A recorded frame to compare with, and the row it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    pub seq: i64,
    /// Normalised frame (see [`super::compare`]).
    pub frame: Value,
}

/// One action of a connection, at its recorded time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The row it was planned from (for a `Connect` whose row is not in the capture: the
    /// connection's first row).
    pub seq: i64,
    pub at_us: i64,
    #[serde(flatten)]
    pub kind: ActionKind,
    /// For a request: the `seq` of its first recorded effect (a row its handler caused, or its
    /// reply), which is where it took effect among the other connections' actions. `None`
    /// when the capture does not say (then the request row's `seq` is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect_seq: Option<i64>,
    /// The recorded reply; `None` when the server answers nothing or the capture lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Expected>,
}

/// A push a recorded connection received, rebuilt from the capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedPush {
    pub seq: i64,
    pub at_us: i64,
    /// Event, topic or server-request name.
    pub name: String,
    pub frame: Value,
    pub origin: Origin,
    /// Received only through a room membership the console made by hand.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_hand: bool,
    /// Recorded by the console's proxy as it relayed the upstream's frame (`meta.relayed`):
    /// origin `server` there means "the upstream sent it", not "no client caused it", since a
    /// proxy cannot see causes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub relayed: bool,
}

impl ExpectedPush {
    /// Pushes the server made on its own (timers, the console, other nodes), and those that
    /// reached a connection only through a membership made by hand, are not re-created by
    /// replaying the clients. A push a proxy relayed is expected back: its cause is not
    /// known, and the upstream's timers are left out by name (`ignore_events`).
    pub fn reproducible(&self) -> bool {
        let caused = match self.origin {
            Origin::Client | Origin::Replay => true,
            Origin::Server => self.relayed,
            Origin::Manual | Origin::Console => false,
        };
        !self.by_hand && caused
    }
}

/// How the recorded client answered a server request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum SreqAnswer {
    Reply {
        d: Value,
    },
    Error {
        code: String,
        message: String,
    },
    /// The client never answered (timeout, disconnect): the replay does not answer either.
    None,
}

/// A recorded connection, as the replay re-creates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedConn {
    pub session_id: i64,
    /// The recorded connection id (the replayed one gets a new id from the server).
    pub conn: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The recorded upgrade parameters, masked values included (see [`PlannedConn::redacted`]).
    pub params: BTreeMap<String, String>,
    /// Parameters whose recorded value is a mask: a value must be given to send the real one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
    /// Remarks about how the connection was planned (missing `connect` row, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub actions: Vec<Action>,
    /// What it received, in order.
    pub pushes: Vec<ExpectedPush>,
    /// Answers to the server's requests, in the order they were asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sreq_answers: Vec<SreqAnswer>,
    /// How the recording's connection ended, when the server (not the client) closed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_close: Option<Value>,
    /// The path the recorded connection upgraded on, when the capture holds it (a proxy's
    /// does): the replay opens it under the target URL's own path. `None`: the target URL as
    /// it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A recorded push, for push replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedPush {
    pub seq: i64,
    pub at_us: i64,
    pub kind: TapKind,
    /// Event or topic name.
    pub name: String,
    pub payload: Value,
    /// The recorded target connection (emit, to_conn), its role and user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Connections it reached when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<u32>,
    /// Room broadcast filter mapped to users (`except` / `only_conns` name connections, which
    /// do not survive into another run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_users: Option<Vec<String>>,
}

/// A row the replay cannot use, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRow {
    pub seq: i64,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn: Option<String>,
    pub reason: String,
}

/// Everything a replay will do, built from a capture and a [`Selection`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayPlan {
    /// The capture file, when loaded from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub selection: Selection,
    /// Sessions the rows came from.
    pub sessions: Vec<i64>,
    /// Time of the plan's first action or push: the schedule's zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_at_us: Option<i64>,
    pub connections: Vec<PlannedConn>,
    pub pushes: Vec<PlannedPush>,
    pub skipped: Vec<SkippedRow>,
    /// Selected rows of kinds a replay has no use for (heartbeats, bus traffic, ...), by kind.
    pub ignored: BTreeMap<String, u64>,
    /// False when rows were picked by seq and none of them is a push: then only replies are
    /// compared, since the pushes around them were deliberately left out.
    pub compare_pushes: bool,
    /// Rows read from the capture (whole sessions).
    pub rows_read: u64,
}

/// A row as loaded: usable, or skipped with the reason.
pub(crate) type Loaded = Result<Row, SkippedRow>;

impl ReplayPlan {
    /// Reads the selected sessions of a capture file and plans the replay of `selection`.
    ///
    /// Rows of kinds this build does not know, or with fields it cannot read, are reported in
    /// [`ReplayPlan::skipped`] instead of failing the load.
    pub fn load(path: impl AsRef<Path>, selection: &Selection) -> Result<ReplayPlan, ReplayError> {
        let path = path.as_ref();
        let (conn, _version) = schema::open_ro(path)?;
        let sessions = schema::sessions(&conn)?;
        if let Some(id) = selection.session {
            if !sessions.iter().any(|s| s.id == id) {
                let available: Vec<String> = sessions.iter().map(|s| s.id.to_string()).collect();
                return Err(ReplayError::UnknownSession {
                    session: id,
                    available: if available.is_empty() {
                        "none".into()
                    } else {
                        available.join(", ")
                    },
                });
            }
        }
        // A session recorded without a contract (`null`: a console attached to other nodes
        // learns theirs only later) is treated as unknown: every role may receive anything.
        let contracts: HashMap<i64, Value> = sessions
            .iter()
            .filter_map(|s| Some((s.id, s.contract.clone().filter(|c| !c.is_null())?)))
            .collect();
        let (sql, params): (String, Vec<i64>) = match selection.session {
            Some(id) => (
                format!("SELECT {ROW_COLUMNS} FROM events WHERE session_id = ?1 ORDER BY seq"),
                vec![id],
            ),
            None => (
                format!("SELECT {ROW_COLUMNS} FROM events ORDER BY seq"),
                vec![],
            ),
        };
        let mut stmt = conn.prepare(&sql).map_err(CaptureError::from)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(CaptureError::from)?;
        let mut loaded = Vec::new();
        while let Some(r) = rows.next().map_err(CaptureError::from)? {
            loaded.push(match Row::from_sql(r) {
                Ok(row) => Ok(row),
                Err(e) => {
                    // A row from a newer build (unknown kind) or with an unreadable field: keep
                    // going, and say which row and why.
                    let seq = r.get::<_, i64>(0).unwrap_or(-1);
                    let kind = r.get::<_, String>(4).unwrap_or_else(|_| "?".into());
                    let conn = r.get::<_, Option<String>>(6).unwrap_or(None);
                    let reason = match e {
                        CaptureError::Corrupt { message, .. } => message,
                        other => other.to_string(),
                    };
                    Err(SkippedRow {
                        seq,
                        kind,
                        conn,
                        reason,
                    })
                }
            });
        }
        let mut plan = super::planner::build(loaded, contracts, selection);
        plan.source = Some(path.display().to_string());
        Ok(plan)
    }

    /// Plans a replay from rows already in memory (an import, the console's selection), in
    /// `seq` order. `contract` (as stored in a session) lets to-user pushes be matched to the
    /// roles that may receive them.
    pub fn from_rows(
        rows: impl IntoIterator<Item = Row>,
        contract: Option<&Value>,
        selection: &Selection,
    ) -> ReplayPlan {
        let mut rows: Vec<Row> = rows.into_iter().collect();
        rows.sort_by_key(|r| r.seq);
        let mut contracts = HashMap::new();
        if let Some(c) = contract {
            for r in &rows {
                contracts.entry(r.session_id).or_insert_with(|| c.clone());
            }
        }
        super::planner::build(rows.into_iter().map(Ok).collect(), contracts, selection)
    }

    /// Actions of client replay (connects included).
    pub fn action_count(&self) -> usize {
        self.connections.iter().map(|c| c.actions.len()).sum()
    }

    /// Whether there is nothing to replay in this mode.
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty() && self.pushes.is_empty()
    }
}

/// Whether a string is a mask left by the server (`********`) or by an export's redaction.
pub(crate) fn is_mask(value: &str) -> bool {
    value == crate::secrets::MASK || (value.starts_with("[redacted:") && value.ends_with(']'))
}
