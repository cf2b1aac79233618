//! Entry points for the fuzz targets (`fuzz/` at the repository's root) and the property
//! tests, as in `switchboard_wire::fuzz`: untrusted bytes in, `Err(message)` for a refusal, a
//! panic only for a broken promise.

use crate::cluster::envelope::Envelope;
use crate::wire::fuzz::explained;

/// A message from another node (the Redis channel carries whatever anyone publishes on it).
pub fn cluster_envelope(data: &[u8]) -> Result<(), String> {
    Envelope::decode(data).map(|_| ()).map_err(explained)
}
