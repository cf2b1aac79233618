//! The connection cap refuses upgrades beyond it with 503, however many arrive at once, and a
//! place comes back when a connection's cleanup is done.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::join_all;
use switchboard_demo as demo;
use switchboard_server::tap::{Tap, TapEvent, TapKind};
use switchboard_server::Identity;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::support::*;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[tokio::test]
async fn upgrades_beyond_the_cap_get_503() {
    let mut config = test_config();
    config.max_connections = 2;
    let server = start(demo::builder().unwrap().config(config)).await;
    let _a = Raw::user(&server, "a").await;
    let _b = Raw::user(&server, "b").await;
    match tokio_tungstenite::connect_async(url(&server, "role=user&name=c")).await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status().as_u16(), 503),
        other => panic!("expected 503, got {:?}", other.map(|_| ())),
    }
}

/// The most connections registered at once, from the `connect` and `disconnect` events.
#[derive(Default)]
struct Peak {
    now: AtomicI64,
    max: AtomicI64,
}

impl Tap for Peak {
    fn observe(&self, event: &TapEvent) {
        match event.kind {
            TapKind::Connect => {
                let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
                self.max.fetch_max(now, Ordering::SeqCst);
            }
            TapKind::Disconnect => {
                self.now.fetch_sub(1, Ordering::SeqCst);
            }
            _ => {}
        }
    }
}

/// `n` upgrades at once: the sockets that were accepted, and the statuses of the refusals.
async fn burst(server: &switchboard_server::RunningServer, n: usize) -> (Vec<Socket>, Vec<u16>) {
    let urls: Vec<String> = (0..n)
        .map(|i| url(server, &format!("role=user&name=u{i}")))
        .collect();
    let attempts = join_all(urls.iter().map(tokio_tungstenite::connect_async)).await;
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for attempt in attempts {
        match attempt {
            Ok((ws, _)) => accepted.push(ws),
            Err(WsError::Http(resp)) => refused.push(resp.status().as_u16()),
            Err(e) => panic!("an upgrade failed without an HTTP answer: {e}"),
        }
    }
    (accepted, refused)
}

#[tokio::test]
async fn a_burst_of_upgrades_never_gets_past_the_cap_and_places_come_back() {
    const CAP: usize = 50;
    const BURST: usize = 200;
    let peak = Arc::new(Peak::default());
    let mut config = test_config();
    config.max_connections = CAP;
    let builder = demo::builder()
        .unwrap()
        .config(config)
        .tap(peak.clone())
        // A slow authentication: every upgrade of the burst is in flight at the same time.
        .authenticate(|req| async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let param = |k: &str| req.query.get(k).cloned().unwrap_or_default();
            Ok(Identity::new(param("role"), param("name")))
        });
    let server = start(builder).await;

    let (accepted, refused) = burst(&server, BURST).await;
    assert_eq!(accepted.len(), CAP, "{} refused", refused.len());
    assert_eq!(refused, vec![503; BURST - CAP]);
    assert!(
        peak.max.load(Ordering::SeqCst) <= CAP as i64,
        "{} connections were registered at once",
        peak.max.load(Ordering::SeqCst)
    );

    for ws in accepted {
        Raw { ws }.close().await;
    }
    let srv = server.server.clone();
    eventually("every connection gone", || srv.connection_count() == 0).await;
    // A place is given back once the connection's cleanup is done, a moment after it left the
    // registry: retry until a whole cap's worth is accepted again.
    let again = Mutex::new(Vec::new());
    until("a full cap of connections is accepted again", || async {
        let (accepted, refused) = burst(&server, CAP).await;
        let full = refused.is_empty();
        if full {
            *again.lock().unwrap() = accepted;
        }
        full
    })
    .await;
    let (extra, refused) = burst(&server, 1).await;
    assert!(extra.is_empty(), "one over the cap was accepted");
    assert_eq!(refused, vec![503]);
    assert!(peak.max.load(Ordering::SeqCst) <= CAP as i64);
}
