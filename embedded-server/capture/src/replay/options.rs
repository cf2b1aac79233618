//! How a replay runs: speed, ordering, volatile paths, substituted parameters, timeouts.
//!
//! [`ReplayOptions`] is serialisable so the console's Replay panel can send it as JSON; every
//! field has a default, so `{}` is a valid set of options.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::ReplayError;

/// What a replay re-creates.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplayKind"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayMode {
    /// Re-create the recorded connections as real WebSocket clients, re-send their requests,
    /// subscribes and unsubscribes, and compare what comes back (reproducing a bug).
    #[default]
    Clients,
    /// Fire the recorded server pushes again at the target server's current connections
    /// (exercising clients). Needs a server handle.
    Pushes,
}

/// How actions of different connections are ordered against each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayOrder {
    /// The default: the recorded happens-before across connections is kept. Actions run one at
    /// a time in the order their effects were recorded (a request's first effect: a row its
    /// handler caused, from the `cause` the recorder pairs, or else its reply), and an action
    /// is sent only once every earlier action was answered and every connection has received
    /// the pushes recorded before it (or the replay's timeout passed, which the report names).
    /// A session replayed against the same build then gives the same result every time, at any
    /// speed.
    #[default]
    Causal,
    /// Each connection runs its own actions in recorded order, waiting for each reply before
    /// its next action; connections run side by side. What one connection receives from
    /// another's actions (a room message, a `dm`) can then arrive in a different order, or not
    /// at all if the sender ran ahead of the receiver's `join`.
    PerConnection,
    /// One action at a time across all connections, in the order their rows were recorded,
    /// each waiting for its reply only (not for the pushes it caused, nor for effects that were
    /// recorded in another order than the requests).
    Recorded,
}

/// Parameter values to send instead of the recorded ones (typically secrets that the capture
/// masked).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParamMap {
    /// Applied to every connection: `KEY=VALUE`.
    pub all: BTreeMap<String, String>,
    /// Applied to the connections of one user, over `all`: `USER:KEY=VALUE`.
    pub by_user: BTreeMap<String, BTreeMap<String, String>>,
}

impl ParamMap {
    /// Parses command-line arguments of the form `KEY=VALUE` or `USER:KEY=VALUE`.
    pub fn parse_args<S: AsRef<str>>(args: &[S]) -> Result<ParamMap, ReplayError> {
        let mut map = ParamMap::default();
        for arg in args {
            let arg = arg.as_ref();
            let Some((left, value)) = arg.split_once('=') else {
                return Err(ReplayError::InvalidParam { arg: arg.into() });
            };
            // A user id may contain `:`; a parameter name practically never does.
            match left.rsplit_once(':') {
                Some((user, key)) if !user.is_empty() && !key.is_empty() => {
                    map.by_user
                        .entry(user.to_owned())
                        .or_default()
                        .insert(key.to_owned(), value.to_owned());
                }
                _ if !left.is_empty() && !left.contains(':') => {
                    map.all.insert(left.to_owned(), value.to_owned());
                }
                _ => return Err(ReplayError::InvalidParam { arg: arg.into() }),
            }
        }
        Ok(map)
    }

    /// The value to send for `key` on a connection of `user`, if one was given.
    pub fn get(&self, user: Option<&str>, key: &str) -> Option<&str> {
        user.and_then(|u| self.by_user.get(u))
            .and_then(|m| m.get(key))
            .or_else(|| self.all.get(key))
            .map(String::as_str)
    }

    /// Every key given for `user` (global and per-user).
    pub fn keys_for<'a>(&'a self, user: Option<&str>) -> impl Iterator<Item = &'a str> + 'a {
        let per_user = user.and_then(|u| self.by_user.get(u));
        self.all
            .keys()
            .chain(per_user.into_iter().flat_map(|m| m.keys()))
            .map(String::as_str)
    }
}

/// How a replay runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplayOptions {
    pub mode: ReplayMode,
    /// Recorded gaps are divided by this: 1 = recorded timing, 2 = twice as fast, 0 = no
    /// waiting at all (each connection still waits for a reply before its next action).
    pub speed: f64,
    pub order: ReplayOrder,
    /// JSON paths left out of comparisons (`$.d.id`, `d.ts`, `$..ts`).
    pub ignore: Vec<String>,
    /// Events and topics (by name) left out of the push comparison on both sides, e.g. a
    /// timer's `ticker` that the target publishes on its own schedule.
    pub ignore_events: Vec<String>,
    /// Values for recorded (usually masked) connection parameters.
    pub params: ParamMap,
    /// Longest wait for any one thing: a connection, a reply, a close. Default 5 s.
    #[serde(with = "duration_ms", rename = "timeout_ms")]
    pub timeout: Duration,
    /// Compare the pushes each connection received (default). Off: only replies are
    /// compared, for selections that leave out the connections causing the pushes.
    pub compare_pushes: bool,
    /// Count a push that arrived at another position among a connection's pushes as missing
    /// plus extra (a difference). Off (default): it is reported once as moved, which is not a
    /// difference, because connections replayed side by side interleave differently each run.
    pub strict_order: bool,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            mode: ReplayMode::Clients,
            speed: 1.0,
            order: ReplayOrder::Causal,
            ignore: Vec::new(),
            ignore_events: Vec::new(),
            params: ParamMap::default(),
            timeout: Duration::from_secs(5),
            compare_pushes: true,
            strict_order: false,
        }
    }
}

impl ReplayOptions {
    /// Checks ranges that serde cannot: a replay with a negative speed or a zero timeout would
    /// either never start or never wait.
    pub fn validate(&self) -> Result<(), ReplayError> {
        if !self.speed.is_finite() || self.speed < 0.0 {
            return Err(ReplayError::InvalidOption(format!(
                "speed must be 0 (as fast as possible) or a positive factor, not {}",
                self.speed
            )));
        }
        if self.timeout.is_zero() {
            return Err(ReplayError::InvalidOption(
                "timeout must be longer than zero: every wait of a replay is bounded by it".into(),
            ));
        }
        super::compare::IgnoreSet::parse(&self.ignore)?;
        Ok(())
    }

    /// How long to wait before an action `offset_us` after the first one.
    pub(crate) fn scaled(&self, offset_us: i64) -> Duration {
        if self.speed <= 0.0 || offset_us <= 0 {
            return Duration::ZERO;
        }
        let secs = offset_us as f64 / 1e6 / self.speed;
        // Bounded so an absurd gap in a capture cannot overflow `Instant` arithmetic.
        Duration::from_secs_f64(secs.min(365.0 * 24.0 * 3600.0))
    }
}

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().min(u64::MAX as u128) as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_parse() {
        let map = match ParamMap::parse_args(&["token=abc", "alice:token=a1", "team:x:key=v"]) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(map.get(None, "token"), Some("abc"));
        assert_eq!(map.get(Some("alice"), "token"), Some("a1"));
        assert_eq!(map.get(Some("bob"), "token"), Some("abc"));
        assert_eq!(map.get(Some("team:x"), "key"), Some("v"));
        for bad in ["token", "=v", ":k=v", "u:=v"] {
            assert!(ParamMap::parse_args(&[bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn options_round_trip_and_defaults() {
        let opts: ReplayOptions = match serde_json::from_str("{}") {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(opts, ReplayOptions::default());
        let text = serde_json::to_string(&opts).unwrap_or_default();
        assert!(text.contains("\"timeout_ms\":5000"), "{text}");
        let bad = ReplayOptions {
            speed: -1.0,
            ..ReplayOptions::default()
        };
        assert!(bad.validate().is_err());
    }
}
