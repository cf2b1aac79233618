//! Reconnect delays for the adapter's two connections.
//!
//! Exponential from `reconnect_min` to `reconnect_max`, with "equal jitter": the delay is drawn
//! from the upper half of the current ceiling. Jitter, because every node of a cluster loses
//! Redis at the same moment and should not come back in lockstep; only the upper half (unlike
//! the client's full jitter), so `reconnect_min` stays a real minimum and a node never hammers a
//! Redis that is refusing connections.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone)]
pub(crate) struct ReconnectDelay {
    min: Duration,
    max: Duration,
    /// Failed attempts since the last success.
    attempt: u32,
}

impl ReconnectDelay {
    /// `min` must be positive and at most `max` (checked by the config).
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        ReconnectDelay {
            min,
            max: max.max(min),
            attempt: 0,
        }
    }

    /// The connection worked: the next outage starts again from `min`.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The ceiling of the next delay: `min * 2^attempt`, capped at `max`.
    fn ceiling(&self) -> Duration {
        let factor = 1u32 << self.attempt.min(20);
        self.min.saturating_mul(factor).min(self.max)
    }

    /// The delay before the next attempt; each call counts one more failed attempt.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let floor = (ceiling / 2).max(self.min);
        if floor >= ceiling {
            return ceiling;
        }
        let lo = u64::try_from(floor.as_nanos()).unwrap_or(u64::MAX);
        let hi = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(lo..=hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_from_min_to_max_and_resets() {
        let min = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        let mut d = ReconnectDelay::new(min, max);
        let mut ceilings = Vec::new();
        for _ in 0..8 {
            let ceiling = d.ceiling();
            let delay = d.next_delay();
            assert!(
                delay >= min && delay <= ceiling,
                "{delay:?} not in [{min:?}, {ceiling:?}]"
            );
            ceilings.push(ceiling.as_millis());
        }
        assert_eq!(ceilings, [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
        d.reset();
        assert_eq!(d.next_delay(), min);
    }

    #[test]
    fn many_attempts_stay_capped() {
        let mut d = ReconnectDelay::new(Duration::from_millis(1), Duration::from_millis(50));
        for _ in 0..1000 {
            assert!(d.next_delay() <= Duration::from_millis(50));
        }
    }
}
