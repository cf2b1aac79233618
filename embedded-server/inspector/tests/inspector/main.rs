//! Inspector integration tests over real sockets on loopback: a demo server, real clients of
//! the application wire, and consoles attached through `InspectorClient` (or a raw socket
//! where the test needs to misbehave). One module per behaviour; one binary so the suite links
//! once.

mod support;

mod access;
mod advertise;
mod backpressure;
mod batching;
mod commands;
mod events;
mod fuzz_protocol;
mod lifecycle;
mod local;
mod snapshot;
mod two_consoles;
