//! What crosses between nodes. Every message is one JSON object tagged with our format marker
//! and version (`"sb":1`) and the sending node; anything else (garbage, another program on the
//! same Redis, a future version) is rejected with a reason, counted and dropped.
//!
//! Payloads travel as JSON values inside the envelope. (serde cannot read borrowed raw JSON
//! inside a tagged enum, so each receiving node encodes the payload into its frame once.)

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format version this build reads and writes.
pub const VERSION: u32 = 1;

/// Filters of a room broadcast, as carried between nodes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WireFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_conns: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_users: Option<Vec<String>>,
}

/// The body of a message between nodes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Body {
    /// A node's full state: sent at start, periodically, and on request.
    Hello {
        prefix: String,
        interest: Vec<String>,
        started_at_us: i64,
    },
    /// Ask every node to send its `Hello` now (a node that just started).
    HelloRequest,
    /// Interest changes since the last message.
    Interest {
        add: Vec<String>,
        remove: Vec<String>,
    },
    /// A clean shutdown.
    Bye,
    Room {
        rooms: Vec<String>,
        e: String,
        d: Value,
        filter: WireFilter,
        /// Set when the sender waits for a [`Body::Delivered`] with this id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ack: Option<u64>,
    },
    Conn {
        id: String,
        e: String,
        d: Value,
    },
    User {
        user: String,
        e: String,
        d: Value,
        /// Set when the sender waits for a [`Body::Delivered`] with this id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ack: Option<u64>,
    },
    /// How many connections of the answering node a `Room` or `User` push asking for an
    /// acknowledgement reached.
    Delivered {
        ack: u64,
        n: u64,
    },
    All {
        e: String,
        d: Value,
    },
    RolePub {
        role: String,
        c: String,
        d: Value,
    },
    Bus {
        c: String,
        d: Value,
    },
    /// A server-to-client request for a connection on the receiving node.
    Sreq {
        id: String,
        m: String,
        d: Value,
        rid: u64,
        timeout_ms: u64,
    },
    /// The answer to an `Sreq`, sent back to the asking node.
    SreqReply {
        rid: u64,
        ok: Option<Value>,
        err: Option<RemoteFailure>,
    },
}

/// How a forwarded server-to-client request failed, as named between nodes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The client answered with an error.
    Remote,
    Timeout,
    Disconnected,
    NotConnected,
    Adapter,
    /// A kind this build does not know (a newer node): read as an adapter failure rather than
    /// rejecting the whole reply, so the asking request still ends with the message.
    #[serde(other)]
    Unknown,
}

/// Why a forwarded server-to-client request failed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RemoteFailure {
    pub kind: FailureKind,
    pub code: Option<String>,
    pub message: String,
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub sb: u32,
    pub from: String,
    #[serde(flatten)]
    pub body: Body,
}

impl Envelope {
    pub fn encode(from: &str, body: Body) -> Vec<u8> {
        let env = Envelope {
            sb: VERSION,
            from: from.to_owned(),
            body,
        };
        // Serialising our own types (strings, numbers, raw JSON) cannot fail.
        serde_json::to_vec(&env).unwrap_or_default()
    }

    /// The bytes every message [`Envelope::encode`] writes for `from` begins with: the marker,
    /// then the sender (serde writes fields in declaration order, the body's after them).
    /// A node compares received messages against it to drop its own echoes undecoded.
    pub fn sender_prefix(from: &str) -> Vec<u8> {
        #[derive(Serialize)]
        struct Head<'a> {
            sb: u32,
            from: &'a str,
        }
        let mut bytes = serde_json::to_vec(&Head { sb: VERSION, from }).unwrap_or_default();
        // `{"sb":1,"from":"ID"}` -> `{"sb":1,"from":"ID",`: the body's first field follows.
        if bytes.pop() == Some(b'}') {
            bytes.push(b',');
        }
        bytes
    }

    /// Parse a received message, explaining what is wrong with one that is not ours.
    pub fn decode(bytes: &[u8]) -> Result<Envelope, String> {
        #[derive(Deserialize)]
        struct Probe {
            sb: Option<serde_json::Value>,
        }
        let probe: Probe = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a Switchboard cluster message (invalid JSON: {e})"))?;
        match probe.sb.as_ref().and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "cluster message format version {v}, this node reads {VERSION}"
                ))
            }
            None => return Err("not a Switchboard cluster message (no `sb` marker)".into()),
        }
        serde_json::from_slice(bytes).map_err(|e| format!("malformed cluster message: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_messages() {
        let bytes = Envelope::encode(
            "n1",
            Body::Bus {
                c: "announce".into(),
                d: serde_json::json!({"msg":"x"}),
            },
        );
        let env = Envelope::decode(&bytes).unwrap();
        assert_eq!(env.from, "n1");
        match env.body {
            Body::Bus { c, d } => {
                assert_eq!(c, "announce");
                assert_eq!(d, serde_json::json!({"msg":"x"}));
            }
            other => panic!("{other:?}"),
        }
        assert!(Envelope::decode(b"garbage")
            .unwrap_err()
            .contains("invalid JSON"));
        assert!(Envelope::decode(br#"{"hello":1}"#)
            .unwrap_err()
            .contains("no `sb` marker"));
        assert!(Envelope::decode(br#"{"sb":2,"from":"x","k":"bye"}"#)
            .unwrap_err()
            .contains("version 2"));
        assert!(Envelope::decode(br#"{"sb":1,"from":"x","k":"warp"}"#)
            .unwrap_err()
            .contains("malformed"));
    }

    #[test]
    fn a_node_recognises_its_own_messages_by_their_first_bytes() {
        for node in ["n1", "node-0a1b2c3d", "é\"quoted\"\\"] {
            let mine = Envelope::sender_prefix(node);
            let bodies = [
                Body::Bye,
                Body::HelloRequest,
                Body::Interest {
                    add: vec!["room:a".into()],
                    remove: vec![],
                },
                Body::Hello {
                    prefix: "p".into(),
                    interest: vec![],
                    started_at_us: 1,
                },
                Body::All {
                    e: "x".into(),
                    d: serde_json::json!({}),
                },
            ];
            for body in bodies {
                let bytes = Envelope::encode(node, body);
                assert!(
                    bytes.starts_with(&mine),
                    "{}",
                    String::from_utf8_lossy(&bytes)
                );
                assert_eq!(Envelope::decode(&bytes).unwrap().from, node);
                // A node whose id extends ours is someone else.
                let other = Envelope::encode(&format!("{node}2"), Body::Bye);
                assert!(!other.starts_with(&mine));
            }
        }
    }

    #[test]
    fn acknowledgements_are_optional_and_bad_ones_are_rejected_not_panicked_on() {
        // A push from a node that asks for no acknowledgement carries no `ack` field.
        let plain = Envelope::encode(
            "n1",
            Body::User {
                user: "u".into(),
                e: "message".into(),
                d: serde_json::json!({}),
                ack: None,
            },
        );
        assert!(!String::from_utf8_lossy(&plain).contains("ack"));
        match Envelope::decode(&plain).unwrap().body {
            Body::User { ack, .. } => assert_eq!(ack, None),
            other => panic!("{other:?}"),
        }
        let asked = Envelope::encode(
            "n1",
            Body::Room {
                rooms: vec!["r".into()],
                e: "message".into(),
                d: serde_json::json!({}),
                filter: WireFilter::default(),
                ack: Some(7),
            },
        );
        match Envelope::decode(&asked).unwrap().body {
            Body::Room { ack, .. } => assert_eq!(ack, Some(7)),
            other => panic!("{other:?}"),
        }
        let answer = Envelope::encode("n2", Body::Delivered { ack: 7, n: 2 });
        match Envelope::decode(&answer).unwrap().body {
            Body::Delivered { ack, n } => assert_eq!((ack, n), (7, 2)),
            other => panic!("{other:?}"),
        }
        for bad in [
            br#"{"sb":1,"from":"x","k":"delivered","ack":-1,"n":1}"#.as_slice(),
            br#"{"sb":1,"from":"x","k":"delivered","ack":1,"n":1e400}"#,
            br#"{"sb":1,"from":"x","k":"delivered","ack":1}"#,
            br#"{"sb":1,"from":"x","k":"user","user":"u","e":"m","d":{},"ack":"one"}"#,
            br#"{"sb":1,"from":"x","k":"delivered","ack":18446744073709551616,"n":1}"#,
        ] {
            assert!(
                Envelope::decode(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn failure_kinds_keep_their_wire_names() {
        let names = [
            (FailureKind::Remote, "remote"),
            (FailureKind::Timeout, "timeout"),
            (FailureKind::Disconnected, "disconnected"),
            (FailureKind::NotConnected, "not_connected"),
            (FailureKind::Adapter, "adapter"),
        ];
        for (kind, name) in names {
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
            let back: FailureKind = serde_json::from_value(name.into()).unwrap();
            assert_eq!(back, kind);
        }
        let newer: FailureKind = serde_json::from_value("overloaded".into()).unwrap();
        assert_eq!(newer, FailureKind::Unknown);
    }
}
