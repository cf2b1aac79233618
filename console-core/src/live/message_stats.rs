//! Per-message traffic for the Contract panel: how often each request, event and topic went by,
//! how many requests ended in an error, and how long answers took (percentiles). Seeded once
//! from the rows earlier runs left in the capture file (`seed.rs`, one pass when the console
//! starts), then kept by the aggregator from every tapped event (the same events the recorder
//! writes), so reading them costs a lookup per message instead of a scan of the capture.
//!
//! Percentiles come from a fixed log-linear histogram (256 buckets of `u32` per message, 1 KiB):
//! four buckets per doubling, so a reported percentile is the upper bound of the bucket it
//! falls in, at most 25 % above the true value (exact below 4 µs), and never below it.
//!
//! Bounded: at most [`MAX_MESSAGES`] distinct messages (names come from clients, and a client
//! may send any name); events for more are counted in `overflow` and not kept.

use std::collections::HashMap;

use switchboard_server::tap::{TapEvent, TapKind};

use crate::types::{MessageStats, StatsSource};

/// Most distinct messages kept.
pub const MAX_MESSAGES: usize = 1_024;
/// Sub-buckets per power of two: durations are placed within 1/4 of a doubling (about ±10 %).
const SUB: u32 = 4;
const BUCKETS: usize = 64 * SUB as usize;

/// What a message is, for counting: the contract keys requests by role and name, events and
/// topics by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MessageKey {
    Request { role: String, name: String },
    Event(String),
    Topic(String),
}

struct Entry {
    count: u64,
    errors: u64,
    answered: u64,
    /// Answer durations in log-linear buckets (see [`bucket`]).
    latency: Box<[u32; BUCKETS]>,
}

impl Default for Entry {
    fn default() -> Self {
        Entry {
            count: 0,
            errors: 0,
            answered: 0,
            latency: Box::new([0; BUCKETS]),
        }
    }
}

/// The bucket of a duration: by its highest set bit, then the next two bits.
fn bucket(us: u64) -> usize {
    if us < u64::from(SUB) {
        return us as usize;
    }
    let high = 63 - us.leading_zeros();
    let sub = ((us >> (high - 2)) & u64::from(SUB - 1)) as u32;
    ((high - 1) * SUB + sub) as usize
}

/// The largest duration that lands in bucket `b` (percentiles are given as this bound).
fn bucket_top(b: usize) -> u64 {
    let b = b as u32;
    if b < SUB {
        return u64::from(b);
    }
    let high = b / SUB + 1;
    let sub = u64::from(b % SUB);
    let base = (1u64 << high) | (sub << (high - 2));
    base + (1u64 << (high - 2)) - 1
}

#[derive(Default)]
pub struct MessageCounts {
    by_key: HashMap<MessageKey, Entry>,
    /// Events about messages past [`MAX_MESSAGES`], not counted per message.
    pub overflow: u64,
    /// Where the counts come from: what went by live, and the capture's earlier rows once
    /// they have been read (see `seed.rs`).
    pub source: StatsSource,
}

impl MessageCounts {
    pub fn add(&mut self, ev: &TapEvent) {
        let Some(name) = ev.name.as_deref() else {
            return;
        };
        let took = ev
            .meta
            .as_ref()
            .and_then(|m| m.get("duration_us"))
            .and_then(|d| d.as_u64());
        self.add_parts(ev.kind, name, ev.role.as_deref(), took);
    }

    /// One message: a tapped event, or a row of the capture (see `seed.rs`), counted alike.
    pub fn add_parts(&mut self, kind: TapKind, name: &str, role: Option<&str>, took: Option<u64>) {
        let key = match kind {
            TapKind::RequestIn | TapKind::ResponseOut | TapKind::ErrorOut => MessageKey::Request {
                role: role.unwrap_or_default().to_owned(),
                name: name.to_owned(),
            },
            TapKind::Emit
            | TapKind::ToConn
            | TapKind::ToUser
            | TapKind::RoomBroadcast
            | TapKind::Broadcast => MessageKey::Event(name.to_owned()),
            TapKind::RolePublish | TapKind::SharedPublish => MessageKey::Topic(name.to_owned()),
            _ => return,
        };
        let full = self.by_key.len() >= MAX_MESSAGES;
        let entry = match self.by_key.get_mut(&key) {
            Some(e) => e,
            None if full => {
                self.overflow += 1;
                return;
            }
            None => self.by_key.entry(key).or_default(),
        };
        match kind {
            TapKind::ResponseOut | TapKind::ErrorOut => {
                if kind == TapKind::ErrorOut {
                    entry.errors += 1;
                }
                if let Some(us) = took {
                    entry.answered += 1;
                    let b = bucket(us).min(BUCKETS - 1);
                    entry.latency[b] = entry.latency[b].saturating_add(1);
                }
            }
            _ => entry.count += 1,
        }
    }

    /// Adds `other`'s counts to these (the capture's earlier rows to what went by live),
    /// within the same [`MAX_MESSAGES`] bound.
    pub fn merge(&mut self, other: MessageCounts) {
        self.overflow += other.overflow;
        for (key, theirs) in other.by_key {
            let full = self.by_key.len() >= MAX_MESSAGES;
            let entry = match self.by_key.get_mut(&key) {
                Some(e) => e,
                None if full => {
                    self.overflow += theirs.count + theirs.answered;
                    continue;
                }
                None => self.by_key.entry(key).or_default(),
            };
            entry.count += theirs.count;
            entry.errors += theirs.errors;
            entry.answered += theirs.answered;
            for (mine, n) in entry.latency.iter_mut().zip(theirs.latency.iter()) {
                *mine = mine.saturating_add(*n);
            }
        }
    }

    pub fn get(&self, key: &MessageKey) -> Option<MessageStats> {
        let e = self.by_key.get(key)?;
        let pct = |p: f64| -> Option<u64> {
            if e.answered == 0 {
                return None;
            }
            let want = ((e.answered as f64) * p).ceil().max(1.0) as u64;
            let mut seen = 0u64;
            for (b, n) in e.latency.iter().enumerate() {
                seen += u64::from(*n);
                if seen >= want {
                    return Some(bucket_top(b));
                }
            }
            None
        };
        Some(MessageStats {
            count: e.count,
            errors: e.errors,
            answered: e.answered,
            p50_us: pct(0.50),
            p95_us: pct(0.95),
            p99_us: pct(0.99),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_counts_add_up_and_stay_within_the_bound() {
        let mut live = MessageCounts::default();
        live.add_parts(TapKind::RequestIn, "say", Some("user"), None);
        live.add_parts(TapKind::ResponseOut, "say", Some("user"), Some(100));
        let mut capture = MessageCounts::default();
        capture.add_parts(TapKind::RequestIn, "say", Some("user"), None);
        capture.add_parts(TapKind::ErrorOut, "say", Some("user"), Some(10_000));
        capture.add_parts(TapKind::RoomBroadcast, "message", None, None);
        live.merge(capture);
        let say = live
            .get(&MessageKey::Request {
                role: "user".into(),
                name: "say".into(),
            })
            .expect("say");
        assert_eq!((say.count, say.errors, say.answered), (2, 1, 2));
        assert!(say.p50_us.unwrap() >= 100 && say.p50_us.unwrap() <= 125);
        assert!(say.p99_us.unwrap() >= 10_000 && say.p99_us.unwrap() <= 12_500);
        let message = live.get(&MessageKey::Event("message".into())).unwrap();
        assert_eq!(message.count, 1);

        // A full set takes no new message from a merge; what it held is counted as overflow.
        let mut full = MessageCounts::default();
        for i in 0..MAX_MESSAGES {
            full.add_parts(TapKind::Emit, &format!("e{i}"), None, None);
        }
        let mut more = MessageCounts::default();
        more.add_parts(TapKind::Emit, "one-more", None, None);
        more.add_parts(TapKind::Emit, "e0", None, None);
        full.merge(more);
        assert_eq!(full.overflow, 1);
        assert!(full.get(&MessageKey::Event("one-more".into())).is_none());
        assert_eq!(full.get(&MessageKey::Event("e0".into())).unwrap().count, 2);
    }

    #[test]
    fn buckets_cover_durations_in_order() {
        let mut last = 0;
        for us in [0u64, 1, 3, 4, 5, 7, 8, 100, 1_000, 123_456, 10_000_000] {
            let b = bucket(us);
            assert!(b >= last, "{us}");
            assert!(
                bucket_top(b) >= us,
                "{us} above its bucket's top {}",
                bucket_top(b)
            );
            assert!(
                bucket_top(b) <= us + us / 4 + 1,
                "{us}: top {} too far",
                bucket_top(b)
            );
            last = b;
        }
    }
}
