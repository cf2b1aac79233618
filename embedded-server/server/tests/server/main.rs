//! Server integration tests over real sockets. One module per behaviour; one binary so the
//! suite links once.

mod support;

mod bad_frames;
mod bus;
mod conn_rooms;
mod connection_cap;
mod connection_end;
mod connection_hooks;
mod demo_leave_notice;
mod emits;
mod env;
mod fuzz_envelope;
mod handshake;
mod heartbeat;
mod interest;
mod introspection;
mod membership_caps;
mod membership_races;
mod outbound_bytes;
mod protocol_violations;
mod reader_beside_stuck_writer;
mod recording;
mod request_order;
mod requests;
mod rooms;
mod rust_client;
mod server_requests;
mod shutdown;
mod slow_consumer;
mod topics;
mod typed;
mod upgrade_limits;
mod validation;
mod writer_release;
