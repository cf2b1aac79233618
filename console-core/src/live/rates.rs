//! Messages per second by category, over the last ten minutes.

use std::collections::VecDeque;

use switchboard_server::tap::TapKind;

use crate::types::RateSample;

/// Seconds of history kept for the overview chart.
pub const HISTORY_SECS: usize = 600;

fn bump(sample: &mut RateSample, kind: TapKind) {
    use TapKind::*;
    let slot = match kind {
        RequestIn => &mut sample.requests,
        ResponseOut => &mut sample.responses,
        ErrorOut | FrameError | ServerReplyError | BusInRejected | SubscribeDenied
        | AuthRefused => &mut sample.errors,
        Emit | ToConn | ToUser | ServerRequest | ServerReply => &mut sample.pushes,
        RoomBroadcast | Broadcast => &mut sample.broadcasts,
        RolePublish | SharedPublish | BusLocal | BusOut | BusIn => &mut sample.publishes,
        RoomAdd | RoomRemove | Subscribe | SubscribeAck | Unsubscribe => &mut sample.membership,
        // A connection-level `err` answers a frame error, which is already counted as one.
        Connect | Disconnect | HeartbeatReap | SlowConsumer | Env | ConnError | Ping | Pong => {
            &mut sample.lifecycle
        }
    };
    *slot = slot.saturating_add(1);
}

/// The second being counted, and the seconds completed since the last [`Rates::take_completed`].
#[derive(Debug, Default)]
pub struct Rates {
    current: Option<RateSample>,
    completed: Vec<RateSample>,
    /// Open connections, stamped on each second as it closes.
    connections: u32,
}

impl Rates {
    /// The open connections from now on (the aggregator tells, at every batch).
    pub fn set_connections(&mut self, n: u32) {
        self.connections = n;
    }

    /// Count one event that happened at `at_us`. An event from a second already closed (it
    /// waited in the queue) is counted in the current second rather than lost.
    pub fn add(&mut self, kind: TapKind, at_us: i64) {
        self.advance_to(at_us.div_euclid(1_000_000));
        if let Some(current) = self.current.as_mut() {
            bump(current, kind);
        }
    }

    /// Close every second before `now_us`'s, so idle seconds show as zeros.
    pub fn advance(&mut self, now_us: i64) {
        self.advance_to(now_us.div_euclid(1_000_000));
    }

    fn advance_to(&mut self, t: i64) {
        match self.current.take() {
            None => {}
            Some(cur) if t <= cur.t => {
                self.current = Some(cur);
                return;
            }
            Some(cur) => {
                // Zero samples for the silent seconds in between, at most a history's worth.
                let gap_start = (cur.t + 1).max(t - HISTORY_SECS as i64);
                self.completed.push(RateSample {
                    connections: self.connections,
                    ..cur
                });
                for s in gap_start..t {
                    self.completed.push(RateSample {
                        t: s,
                        connections: self.connections,
                        ..RateSample::default()
                    });
                }
            }
        }
        self.current = Some(RateSample {
            t,
            ..RateSample::default()
        });
    }

    pub fn take_completed(&mut self) -> Vec<RateSample> {
        std::mem::take(&mut self.completed)
    }
}

/// The last [`HISTORY_SECS`] completed seconds.
#[derive(Debug, Default)]
pub struct RateHistory {
    samples: VecDeque<RateSample>,
}

impl RateHistory {
    pub fn extend(&mut self, samples: &[RateSample]) {
        for s in samples {
            if self.samples.len() == HISTORY_SECS {
                self.samples.pop_front();
            }
            self.samples.push_back(s.clone());
        }
    }

    pub fn to_vec(&self) -> Vec<RateSample> {
        self.samples.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_close_with_zeros_for_silence() {
        let mut r = Rates::default();
        r.add(TapKind::RequestIn, 10_000_000);
        r.add(TapKind::RequestIn, 10_500_000);
        r.add(TapKind::RoomBroadcast, 13_100_000);
        let done = r.take_completed();
        assert_eq!(
            done.iter().map(|s| s.t).collect::<Vec<_>>(),
            vec![10, 11, 12]
        );
        assert_eq!(done[0].requests, 2);
        assert_eq!(done[1].requests, 0);
        r.set_connections(7);
        r.advance(14_000_001);
        let done = r.take_completed();
        assert_eq!(done.len(), 1);
        assert_eq!(
            done[0].connections, 7,
            "a closing second carries the open connections"
        );
        assert_eq!(done[0].broadcasts, 1);
    }

    #[test]
    fn history_keeps_the_last_ten_minutes() {
        let mut h = RateHistory::default();
        let samples: Vec<RateSample> = (0..700)
            .map(|t| RateSample {
                t,
                ..RateSample::default()
            })
            .collect();
        h.extend(&samples);
        let v = h.to_vec();
        assert_eq!(v.len(), HISTORY_SECS);
        assert_eq!(v[0].t, 100);
    }
}
