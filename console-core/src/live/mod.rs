//! The live view: a [`tap::LiveTap`] feeding the [`aggregator`], which publishes one batch
//! about every 250 ms through the [`hub`] to each console client's WebSocket.
//!
//! Every queue on the way is bounded: the tap's (drops counted), the per-client backlog
//! (lagging clients skip batches and are told to reload), the rows per batch (the rest counted
//! as skipped).

pub mod aggregator;
pub mod filter;
pub mod hub;
pub mod message_stats;
pub mod rates;
pub mod rows;
pub mod seed;
pub mod tap;

/// Tapped events the live view may hold before it starts dropping them.
pub const TAP_QUEUE: usize = 65_536;
