//! Reconnect delays: exponential growth with full jitter.
//!
//! Full jitter (a uniformly random delay in `[0, ceiling]`) rather than a fixed exponential
//! schedule, because after a server restart every client reconnects at once; spreading them over
//! the whole window keeps them from arriving in synchronised waves.

use std::time::Duration;

use rand::Rng;

/// How long to wait before each reconnect attempt.
///
/// The ceiling for attempt `n` (1-based, counted since the last successful connection) is
/// `min(cap, base * factor^(n-1))`; the delay is drawn uniformly from `[0, ceiling]` when
/// `full_jitter` is on, and is the ceiling itself otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// Ceiling of the first attempt's delay. Default 500 ms. Zero means reconnect at once.
    pub base: Duration,
    /// Growth per attempt. Default 2. Values below 1 (and NaN) are treated as 1: a shrinking
    /// backoff would hammer a server that is refusing us.
    pub factor: f64,
    /// Largest ceiling. Default 30 s.
    pub cap: Duration,
    /// Draw the delay uniformly from `[0, ceiling]`. Default `true`; turn it off only where a
    /// predictable schedule matters more than spreading load.
    pub full_jitter: bool,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(500),
            factor: 2.0,
            cap: Duration::from_secs(30),
            full_jitter: true,
        }
    }
}

impl Backoff {
    /// A jittered backoff with the given base, factor and cap.
    pub fn new(base: Duration, factor: f64, cap: Duration) -> Self {
        Backoff {
            base,
            factor,
            cap,
            full_jitter: true,
        }
    }

    /// The largest delay attempt `attempt` (1-based) may wait.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        // Capping the exponent keeps powi finite; the cap is reached long before 2^64 anyway.
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let grown = self.base.as_secs_f64() * self.factor.max(1.0).powi(exponent);
        if !grown.is_finite() || grown >= self.cap.as_secs_f64() {
            self.cap
        } else {
            Duration::from_secs_f64(grown)
        }
    }

    /// The delay before attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        if !self.full_jitter || ceiling.is_zero() {
            return ceiling;
        }
        let max = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_grows_then_caps() {
        let b = Backoff::default();
        assert_eq!(b.ceiling(1), Duration::from_millis(500));
        assert_eq!(b.ceiling(2), Duration::from_secs(1));
        assert_eq!(b.ceiling(3), Duration::from_secs(2));
        assert_eq!(b.ceiling(7), Duration::from_secs(30));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(30));
        // Attempt 0 is treated like the first attempt rather than underflowing.
        assert_eq!(b.ceiling(0), Duration::from_millis(500));
    }

    #[test]
    fn jittered_delay_stays_within_the_ceiling() {
        let b = Backoff::default();
        for attempt in 1..12 {
            for _ in 0..50 {
                assert!(b.delay(attempt) <= b.ceiling(attempt));
            }
        }
    }

    #[test]
    fn odd_settings_stay_sane() {
        let shrinking = Backoff::new(Duration::from_millis(100), 0.5, Duration::from_secs(1));
        assert_eq!(shrinking.ceiling(5), Duration::from_millis(100));
        let nan = Backoff::new(Duration::from_millis(100), f64::NAN, Duration::from_secs(1));
        assert_eq!(nan.ceiling(5), Duration::from_millis(100));
        let above_cap = Backoff::new(Duration::from_secs(5), 2.0, Duration::from_secs(1));
        assert_eq!(above_cap.ceiling(1), Duration::from_secs(1));
        let fixed = Backoff {
            full_jitter: false,
            ..Backoff::default()
        };
        assert_eq!(fixed.delay(2), Duration::from_secs(1));
        let zero = Backoff::new(Duration::ZERO, 2.0, Duration::from_secs(1));
        assert_eq!(zero.delay(3), Duration::ZERO);
    }
}
