//! The examples run as part of the suite, so they cannot rot: each checks its own outcome and
//! fails with a reason.

#[allow(dead_code)] // its `main` is for `cargo run --example`
#[path = "../../examples/event_bus.rs"]
mod event_bus;

#[tokio::test]
async fn the_single_process_event_bus_example_reaches_listeners_and_the_client() {
    event_bus::run()
        .await
        .expect("the example's own checks pass");
}
