//! One connection's traffic and heartbeat counters: atomics written on the hot path, read by
//! introspection without any lock.

use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub(crate) struct ConnStats {
    msgs_in: AtomicU64,
    msgs_out: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    /// Error replies sent, replies to the server's requests that were errors, denied
    /// subscriptions and unreadable frames: what the console sorts "errors" by.
    errors: AtomicU64,
    last_ping_us: AtomicI64,
    last_pong_us: AtomicI64,
    missed_pongs: AtomicU32,
}

/// The counters at one moment (each read on its own: they may be a few messages apart).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StatsSnapshot {
    pub msgs_in: u64,
    pub msgs_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub errors: u64,
    /// 0 until the first ping.
    pub last_ping_us: i64,
    /// 0 until the first pong.
    pub last_pong_us: i64,
    pub missed_pongs: u32,
}

impl ConnStats {
    /// A frame of `bytes` arrived from the client.
    pub fn received(&self, bytes: usize) {
        self.msgs_in.fetch_add(1, Ordering::Relaxed);
        self.bytes_in.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// A frame of `bytes` was queued for the client.
    pub fn queued(&self, bytes: usize) {
        self.msgs_out.fetch_add(1, Ordering::Relaxed);
        self.bytes_out.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Something this connection did ended in an error (see `errors`).
    pub fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Pings sent since the last pong.
    pub fn missed_pongs(&self) -> u32 {
        self.missed_pongs.load(Ordering::Relaxed)
    }

    /// A ping goes out: it counts as missed until the pong comes back.
    pub fn ping_sent(&self, at_us: i64) {
        self.missed_pongs.fetch_add(1, Ordering::Relaxed);
        self.last_ping_us.store(at_us, Ordering::Relaxed);
    }

    pub fn pong_received(&self, at_us: i64) {
        self.last_pong_us.store(at_us, Ordering::Relaxed);
        self.missed_pongs.store(0, Ordering::Relaxed);
    }

    pub fn msgs_in(&self) -> u64 {
        self.msgs_in.load(Ordering::Relaxed)
    }

    pub fn msgs_out(&self) -> u64 {
        self.msgs_out.load(Ordering::Relaxed)
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            msgs_in: self.msgs_in.load(Ordering::Relaxed),
            msgs_out: self.msgs_out.load(Ordering::Relaxed),
            bytes_in: self.bytes_in.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            last_ping_us: self.last_ping_us.load(Ordering::Relaxed),
            last_pong_us: self.last_pong_us.load(Ordering::Relaxed),
            missed_pongs: self.missed_pongs.load(Ordering::Relaxed),
        }
    }
}
