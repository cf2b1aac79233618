//! However a connection's task ends, the connection leaves the registry and its rooms: a tap
//! that panics is contained (reported, counted, the other taps still called), and a task that
//! is dropped mid-flight (its runtime going away) still cleans up.

use std::sync::{Arc, Mutex};

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::tap::{Tap, TapEvent, TapKind};
use switchboard_server::FaultKind;

use crate::support::*;

/// Panics on every event of one kind.
struct PanicsOn(TapKind);

impl Tap for PanicsOn {
    fn observe(&self, event: &TapEvent) {
        if event.kind == self.0 {
            panic!("this tap cannot take a {}", event.kind.as_str());
        }
    }
}

/// Keeps the kind of every event it sees.
#[derive(Default)]
struct Kinds(Mutex<Vec<TapKind>>);

impl Tap for Kinds {
    fn observe(&self, event: &TapEvent) {
        self.0.lock().unwrap().push(event.kind);
    }
}

impl Kinds {
    fn saw(&self, kind: TapKind) -> bool {
        self.0.lock().unwrap().contains(&kind)
    }
}

#[tokio::test]
async fn a_panicking_tap_neither_stops_the_connection_nor_the_other_taps() {
    let faults = Faults::default();
    let server = start(
        demo::builder()
            .unwrap()
            .config(test_config())
            .on_error(faults.hook()),
    )
    .await;
    let srv = server.server.clone();
    let kinds = Arc::new(Kinds::default());
    // Installed after start, through the public API, before a tap that keeps working.
    srv.add_tap(Arc::new(PanicsOn(TapKind::RequestIn)));
    srv.add_tap(Arc::new(PanicsOn(TapKind::Disconnect)));
    srv.add_tap(kinds.clone());

    let mut alice = Raw::user(&server, "alice").await;
    assert_eq!(
        alice.request(1, "join", json!({"room":"lobby"})).await,
        json!({"t":"res","i":1,"d":{"ok":true}})
    );
    assert_eq!(
        alice.request(2, "join", json!({"room":"ops"})).await,
        json!({"t":"res","i":2,"d":{"ok":true}})
    );
    assert!(kinds.saw(TapKind::RequestIn) && kinds.saw(TapKind::ResponseOut));
    assert_eq!(srv.stats().tap_faults, 2);
    let reported = faults.all();
    assert_eq!(reported.len(), 2, "{reported:?}");
    for (ctx, message) in &reported {
        assert_eq!(ctx.kind, FaultKind::Tap);
        assert_eq!(ctx.name.as_deref(), Some("request_in"));
        assert!(
            message.contains("this tap cannot take a request_in"),
            "{message}"
        );
    }

    alice.close().await;
    eventually("alice's cleanup reached the taps", || {
        kinds.saw(TapKind::Disconnect)
    })
    .await;
    assert_eq!(srv.connection_count(), 0);
    assert!(srv.rooms_info().is_empty(), "{:?}", srv.rooms_info());
    assert_eq!(srv.stats().tap_faults, 3, "the disconnect tap panicked too");
}

/// The server runs on a runtime of its own; dropping that runtime drops every connection task
/// wherever it was waiting, without letting any of them return.
#[test]
fn a_connection_task_dropped_mid_flight_still_cleans_up() {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = server_rt.block_on(start_demo());
    let srv = server.server.clone();
    let alice = client_rt.block_on(async {
        let mut alice = Raw::user(&server, "alice").await;
        alice.request(1, "join", json!({"room":"lobby"})).await;
        alice
    });
    assert_eq!(srv.connection_count(), 1);
    assert_eq!(srv.rooms_info().len(), 1);

    drop(server_rt);
    assert_eq!(
        srv.connection_count(),
        0,
        "the connection stayed registered"
    );
    assert!(srv.rooms_info().is_empty(), "{:?}", srv.rooms_info());
    drop(alice);
}
