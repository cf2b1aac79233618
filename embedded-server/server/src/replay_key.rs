//! How the replayer proves it is the replayer.
//!
//! Connections the replayer makes are recorded with origin `replay`, and a later replay of the
//! capture leaves those rows out. If the `sb_replay` query parameter alone decided it, any
//! client could hide its traffic from replays by adding it to its URL. So the parameter (which
//! carries the replay id, kept in the record) only counts together with the server's replay key,
//! sent in the [`REPLAY_KEY_HEADER`] header. A header, not a parameter: parameters reach the
//! application (`Conn::params`, the default authentication's context) and the record of the
//! connect, while this header is taken off the request before the `authenticate` hook sees it.
//!
//! The console's own test connections ("Try it") use the same key with [`CONSOLE_PARAM`]: they
//! are recorded with origin `console`, and a replay leaves them out too.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Query parameter that carries the id of the replay a connection belongs to. It marks the
/// connection as the replayer's only with the server's replay key beside it.
pub const REPLAY_PARAM: &str = "sb_replay";

/// Query parameter that marks a connection as the console's test connection ("Try it"). Like
/// [`REPLAY_PARAM`], it counts only with the server's key beside it, so an ordinary client cannot
/// pass its traffic off as the console's (which a replay leaves out).
pub const CONSOLE_PARAM: &str = "sb_console";

/// Request header that carries the server's replay key on a replayed connection's upgrade.
pub const REPLAY_KEY_HEADER: &str = "x-switchboard-replay-key";

/// Shortest key an operator may choose: a short key could be guessed.
const MIN_LEN: usize = 16;

/// A server's replay key. Its `Debug` form never shows it, so a logged config does not leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplayKey(Arc<str>);

/// Why a string cannot be a replay key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidReplayKey {
    #[error("a replay key needs at least {MIN_LEN} characters (got {0})")]
    TooShort(usize),
    #[error("a replay key may only hold visible ASCII characters (it travels as an HTTP header)")]
    NotVisibleAscii,
}

impl ReplayKey {
    /// A key chosen by the operator (to replay against this server from another process).
    pub fn new(key: impl Into<String>) -> Result<ReplayKey, InvalidReplayKey> {
        let key = key.into();
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidReplayKey::NotVisibleAscii);
        }
        if key.len() < MIN_LEN {
            return Err(InvalidReplayKey::TooShort(key.len()));
        }
        Ok(ReplayKey(key.into()))
    }

    /// A fresh random key: 128 bits, as 32 hex digits.
    pub fn random() -> ReplayKey {
        ReplayKey(format!("{:032x}", rand::random::<u128>()).into())
    }

    /// The key itself, to hand to a replayer.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Does `presented` equal this key? Compares every byte whatever the first difference, so
    /// the time taken does not tell a guesser how much of its guess was right.
    pub(crate) fn matches(&self, presented: &[u8]) -> bool {
        let key = self.0.as_bytes();
        key.len() == presented.len()
            && key
                .iter()
                .zip(presented)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl fmt::Debug for ReplayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplayKey(********)")
    }
}

impl FromStr for ReplayKey {
    type Err = InvalidReplayKey;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReplayKey::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_compared_and_never_shown() {
        assert_eq!(ReplayKey::new("short"), Err(InvalidReplayKey::TooShort(5)));
        assert_eq!(
            ReplayKey::new("sixteen chars ok"),
            Err(InvalidReplayKey::NotVisibleAscii)
        );
        let key = ReplayKey::new("0123456789abcdef").unwrap();
        assert!(key.matches(b"0123456789abcdef"));
        assert!(!key.matches(b"0123456789abcdeF"));
        assert!(!key.matches(b"0123456789abcdef0"));
        assert!(!format!("{key:?}").contains("0123"));
        let random = ReplayKey::random();
        assert_eq!(random.expose().len(), 32);
        assert_ne!(random, ReplayKey::random());
    }
}
