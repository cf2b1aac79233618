//! Joins and subscribes racing with disconnects: however they interleave, a connection that is
//! gone leaves no room membership and no topic subscription behind.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::future::join_all;
use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::tap::{Tap, TapEvent, TapKind};

use crate::support::*;

const CLIENTS: usize = 200;
/// One round reproduces the race about every other time on two cores; sixteen make a server
/// without the fix fail practically always.
const ROUNDS: usize = 16;
/// Rooms the racing joins spread over, so each room sees many members come and go.
const ROOMS: usize = 10;
/// `sub` frames each client sends just before its socket drops.
const SUBS: usize = 20;

/// Counts finished disconnects: the `disconnect` event is the last thing cleanup does.
#[derive(Default)]
struct Disconnects(AtomicUsize);

impl Tap for Disconnects {
    fn observe(&self, event: &TapEvent) {
        if event.kind == TapKind::Disconnect {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

// Several worker threads and real OS threads for the joins: the race needs a join and a cleanup
// to run at the same time, which a single-threaded runtime never does.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_dropped_while_joining_and_subscribing_leave_no_member_behind() {
    let disconnects = Arc::new(Disconnects::default());
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .tap(disconnects.clone())
        // Every subscribe waits once, so it completes on another task, alongside the cleanup.
        .authorize_subscribe(|_conn, _topic| async {
            tokio::task::yield_now().await;
            true
        });
    let server = start(builder).await;
    let srv = server.server.clone();
    for round in 0..ROUNDS {
        let names: Vec<String> = (0..CLIENTS).map(|i| format!("u{round}-{i}")).collect();
        let clients = join_all(names.iter().map(|name| Raw::user(&server, name))).await;
        let conns: Vec<_> = srv
            .local()
            .iter()
            .filter_map(|info| srv.conn(&info.id))
            .collect();
        assert_eq!(conns.len(), CLIENTS);
        // One thread per connection joins and leaves a room until the connection is closed,
        // and stops right after a join: a join that slipped in after the cleanup stays. The
        // yield keeps 200 spinning threads from starving the runtime that runs the cleanups.
        let racers: Vec<_> = conns
            .into_iter()
            .enumerate()
            .map(|(i, conn)| {
                let room = srv.room(&format!("race-{}", i % ROOMS));
                std::thread::spawn(move || loop {
                    room.add(&conn).expect("well under the room cap");
                    if !conn.is_open() {
                        break;
                    }
                    room.remove(&conn);
                    std::thread::yield_now();
                })
            })
            .collect();
        // Each client subscribes and drops its socket at once, all of them side by side: the
        // subscribes are still being handled when the cleanup runs.
        join_all(clients.into_iter().map(|mut client| async move {
            for i in 0..SUBS {
                let topic = if i % 2 == 0 { "ticker" } else { "announce" };
                client.send(json!({"t":"sub","i":i,"c":topic})).await;
            }
        }))
        .await;
        tokio::task::spawn_blocking(move || {
            for racer in racers {
                racer.join().expect("racer thread");
            }
        })
        .await
        .unwrap();
        let expected = (round + 1) * CLIENTS;
        eventually("every cleanup finished", || {
            disconnects.0.load(Ordering::SeqCst) == expected
        })
        .await;
        assert_eq!(srv.connection_count(), 0);
        let rooms = srv.rooms_info();
        assert!(
            rooms.is_empty(),
            "round {round}: rooms kept members that are gone: {rooms:?}"
        );
        assert_eq!(srv.room_count(), 0, "round {round}: the kept room count");
        let topics: Vec<_> = srv
            .topics_info()
            .into_iter()
            .filter(|t| t.subscribers > 0)
            .collect();
        assert!(
            topics.is_empty(),
            "round {round}: topics kept subscribers that are gone: {topics:?}"
        );
    }
}
