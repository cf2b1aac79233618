//! The names of what a node has local receivers for, as nodes announce them to each other.
//!
//! On the wire a key is a string: `conns` (any connection at all, for server-wide broadcasts),
//! `user:ID`, `room:NAME`, `topic:NAME` (a shared topic: client subscribers or bus listeners)
//! and `rtopic:ROLE:NAME` (a role topic). Those strings are what `hello` and `interest`
//! messages carry, so older and newer nodes keep understanding each other: this module is the
//! only place that writes or reads them.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

const CONNS: &str = "conns";
const USER: &str = "user:";
const ROOM: &str = "room:";
const TOPIC: &str = "topic:";
const ROLE_TOPIC: &str = "rtopic:";

/// One thing a node wants pushes for. Generic over the string: keys a node keeps hold
/// `Arc<str>`; keys built to look something up borrow (`&str`), so routing a push allocates
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum InterestKey<S = Arc<str>> {
    /// The node has at least one connection.
    Conns,
    /// The node holds a session of this user.
    User(S),
    /// The node has members in this room.
    Room(S),
    /// A shared topic with subscribers or bus listeners on the node.
    Topic(S),
    /// A role topic with subscribers of that role on the node.
    RoleTopic { role: S, topic: S },
}

/// A key this build cannot read: a newer node's, or not a key at all. It is skipped, never
/// guessed at, so a push is not routed by a misread name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown cluster interest key `{0}`")]
pub(crate) struct UnknownInterestKey(pub String);

impl<'a> InterestKey<&'a str> {
    /// Read a key as sent by a node; the names borrow from `text`.
    pub fn parse(text: &'a str) -> Result<Self, UnknownInterestKey> {
        let unknown = || UnknownInterestKey(text.to_owned());
        if text == CONNS {
            return Ok(InterestKey::Conns);
        }
        if let Some(user) = text.strip_prefix(USER) {
            return Ok(InterestKey::User(user));
        }
        if let Some(room) = text.strip_prefix(ROOM) {
            return Ok(InterestKey::Room(room));
        }
        if let Some(topic) = text.strip_prefix(TOPIC) {
            return Ok(InterestKey::Topic(topic));
        }
        if let Some(rest) = text.strip_prefix(ROLE_TOPIC) {
            // Role names hold no `:` in practice; see `role_topic_parts` for when one does.
            let (role, topic) = rest.split_once(':').ok_or_else(unknown)?;
            return Ok(InterestKey::RoleTopic { role, topic });
        }
        Err(unknown())
    }

    /// The key for a topic subscription: `scope` is the role of a role topic, `None` for a
    /// shared one.
    pub fn for_topic(scope: Option<&'a str>, topic: &'a str) -> Self {
        match scope {
            Some(role) => InterestKey::RoleTopic { role, topic },
            None => InterestKey::Topic(topic),
        }
    }
}

impl<S: AsRef<str>> InterestKey<S> {
    /// The wire form.
    pub fn encode(&self) -> String {
        self.to_string()
    }
}

impl<S: AsRef<str>> fmt::Display for InterestKey<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterestKey::Conns => f.write_str(CONNS),
            InterestKey::User(u) => write!(f, "{USER}{}", u.as_ref()),
            InterestKey::Room(r) => write!(f, "{ROOM}{}", r.as_ref()),
            InterestKey::Topic(t) => write!(f, "{TOPIC}{}", t.as_ref()),
            InterestKey::RoleTopic { role, topic } => {
                write!(f, "{ROLE_TOPIC}{}:{}", role.as_ref(), topic.as_ref())
            }
        }
    }
}

/// A role topic as `parse` reads it back from the wire: split at the first `:` after the
/// prefix. A role whose name holds a `:` (contracts allow it) is therefore read back as a
/// shorter role and a longer topic; comparing role topics in this form keeps such a role
/// routed exactly as its wire string says. Allocates only for such a role.
pub(crate) fn role_topic_parts<'a>(role: &'a str, topic: &'a str) -> (&'a str, Cow<'a, str>) {
    match role.split_once(':') {
        None => (role, Cow::Borrowed(topic)),
        Some((head, tail)) => (head, Cow::Owned(format!("{tail}:{topic}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same key holding its own names, as a node keeps it.
    fn owned(key: InterestKey<&str>) -> InterestKey {
        match key {
            InterestKey::Conns => InterestKey::Conns,
            InterestKey::User(u) => InterestKey::User(u.into()),
            InterestKey::Room(r) => InterestKey::Room(r.into()),
            InterestKey::Topic(t) => InterestKey::Topic(t.into()),
            InterestKey::RoleTopic { role, topic } => InterestKey::RoleTopic {
                role: role.into(),
                topic: topic.into(),
            },
        }
    }

    #[test]
    fn every_kind_round_trips_through_its_wire_form() {
        let cases = [
            (InterestKey::Conns, "conns"),
            (InterestKey::User("u-1"), "user:u-1"),
            (InterestKey::Room("lobby"), "room:lobby"),
            (InterestKey::Room("a:b"), "room:a:b"),
            (InterestKey::Room(""), "room:"),
            (InterestKey::Room("salle é"), "room:salle é"),
            (InterestKey::Topic("announce"), "topic:announce"),
            (InterestKey::Topic("x:y"), "topic:x:y"),
            (
                InterestKey::RoleTopic {
                    role: "user",
                    topic: "ticker",
                },
                "rtopic:user:ticker",
            ),
            (
                InterestKey::RoleTopic {
                    role: "agent",
                    topic: "a:b",
                },
                "rtopic:agent:a:b",
            ),
        ];
        for (key, wire) in cases {
            assert_eq!(key.encode(), wire, "{key:?}");
            assert_eq!(InterestKey::parse(wire), Ok(key), "{wire}");
            let kept = owned(key);
            assert_eq!(kept.encode(), wire);
            assert_eq!(InterestKey::parse(wire).map(owned), Ok(kept));
        }
    }

    #[test]
    fn the_wire_strings_are_the_ones_older_nodes_send() {
        // Written out by hand: these are what nodes before this type formatted themselves.
        let user: String = format!("user:{}", "alice");
        let room: String = format!("room:{}", "r1");
        let shared: String = format!("topic:{}", "bump");
        let role: String = format!("rtopic:{}:{}", "agent", "queue");
        assert_eq!(InterestKey::User("alice").encode(), user);
        assert_eq!(InterestKey::Room("r1").encode(), room);
        assert_eq!(InterestKey::for_topic(None, "bump").encode(), shared);
        assert_eq!(
            InterestKey::for_topic(Some("agent"), "queue").encode(),
            role
        );
    }

    #[test]
    fn unknown_keys_are_rejected_not_misread() {
        for text in [
            "",
            "conn",
            "conns:",
            "conns:x",
            "Conns",
            "roomlobby",
            "Room:lobby",
            "users:alice",
            "group:admins",
            "rtopic:no-topic",
            "rtopic",
            " room:x",
        ] {
            assert_eq!(
                InterestKey::parse(text),
                Err(UnknownInterestKey(text.to_owned())),
                "{text:?} must not be read as a key"
            );
        }
    }

    #[test]
    fn a_role_with_a_colon_compares_in_its_wire_form() {
        let key = InterestKey::for_topic(Some("ops:eu"), "alerts");
        let wire = key.encode();
        assert_eq!(wire, "rtopic:ops:eu:alerts");
        let InterestKey::RoleTopic { role, topic } = InterestKey::parse(&wire).unwrap() else {
            panic!("not a role topic");
        };
        let (r, t) = role_topic_parts("ops:eu", "alerts");
        assert_eq!((role, topic), (r, t.as_ref()));
        assert_eq!(role_topic_parts("user", "ticker").0, "user");
    }
}
