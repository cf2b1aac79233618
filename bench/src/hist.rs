//! Latency histograms shared by thousands of receiving tasks.
//!
//! A histogram per task would cost tens of kilobytes each at 10,000 members, and one shared
//! histogram behind one lock would serialise every receipt. Instead each task keeps a short
//! local buffer and empties it into one of a few locked shards; the shards are merged once at
//! the end.

use std::sync::Mutex;

use hdrhistogram::Histogram;

const SHARDS: usize = 16;
/// Samples a task buffers before taking a shard's lock.
const LOCAL: usize = 256;

/// Microsecond latencies from 1 us to 5 minutes, 3 significant digits.
fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 300_000_000, 3).expect("constant bounds are valid")
}

pub struct Shards {
    shards: Vec<Mutex<Histogram<u64>>>,
}

impl Default for Shards {
    fn default() -> Self {
        Shards {
            shards: (0..SHARDS).map(|_| Mutex::new(new_histogram())).collect(),
        }
    }
}

impl Shards {
    /// A recorder for one task; `id` spreads tasks over the shards.
    pub fn local(&self, id: usize) -> Local<'_> {
        Local {
            shards: self,
            shard: id % SHARDS,
            buf: Vec::new(),
        }
    }

    fn absorb(&self, shard: usize, samples: &[u64]) {
        let mut h = self.shards[shard].lock().unwrap_or_else(|p| p.into_inner());
        for &s in samples {
            h.saturating_record(s.max(1));
        }
    }

    /// Every sample recorded so far, merged.
    pub fn merged(&self) -> Histogram<u64> {
        let mut all = new_histogram();
        for s in &self.shards {
            let h = s.lock().unwrap_or_else(|p| p.into_inner());
            // Same bounds on both sides, so adding cannot fail.
            let _ = all.add(&*h);
        }
        all
    }
}

/// A task's buffer in front of a shard. Flushes on drop, so no sample is lost when a task
/// ends.
pub struct Local<'a> {
    shards: &'a Shards,
    shard: usize,
    buf: Vec<u64>,
}

impl Local<'_> {
    pub fn record(&mut self, us: u64) {
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(LOCAL);
        }
        self.buf.push(us);
        if self.buf.len() >= LOCAL {
            self.flush();
        }
    }

    pub fn flush(&mut self) {
        if !self.buf.is_empty() {
            self.shards.absorb(self.shard, &self.buf);
            self.buf.clear();
        }
    }
}

impl Drop for Local<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Percentiles in milliseconds, as reported.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Percentiles {
    pub samples: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Percentiles {
    pub fn of(h: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        if h.is_empty() {
            return Percentiles::default();
        }
        Percentiles {
            samples: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locals_flush_into_the_merge() {
        let shards = Shards::default();
        for task in 0..40 {
            let mut l = shards.local(task);
            for v in 1..=1000u64 {
                l.record(v);
            }
        }
        let h = shards.merged();
        assert_eq!(h.len(), 40_000);
        let p = Percentiles::of(&h);
        assert!((p.p50_ms - 0.5).abs() < 0.01, "{p:?}");
        assert!((p.max_ms - 1.0).abs() < 0.01, "{p:?}");
    }
}
