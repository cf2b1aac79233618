//! `GET /api/live`: the one WebSocket of live changes. Each message is one [`LiveBatch`]; the
//! client may send [`LiveCommand`]s to start, change or stop its traffic tail.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;

use crate::live::filter;
use crate::live::hub::Envelope;
use crate::state::AppState;
use crate::types::{
    Change, LiveBatch, LiveCommand, LiveSummary, RateSample, TrafficFilter, TrafficRow,
};

/// Most rows one client receives per batch (20,000 a second); the rest are counted as skipped.
pub const CLIENT_ROWS_PER_BATCH: usize = 5_000;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/live", get(upgrade))
}

async fn upgrade(State(st): State<Arc<AppState>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| client(socket, st))
}

/// A [`LiveBatch`] that borrows the shared envelope instead of copying it per client. Same
/// field names and order as [`LiveBatch`], which is what the UI's types describe.
#[derive(Serialize)]
struct Outgoing<'a> {
    seq: u64,
    at_us: i64,
    summary: &'a LiveSummary,
    rates: &'a [RateSample],
    changes: &'a [Change],
    traffic: Vec<&'a TrafficRow>,
    traffic_skipped: u32,
    resync: bool,
}

fn render(
    env: &Envelope,
    tail: Option<&TrafficFilter>,
    lagged: bool,
) -> Result<String, serde_json::Error> {
    let b: &LiveBatch = &env.batch;
    let mut skipped = b.traffic_skipped;
    let traffic = match tail {
        None => Vec::new(),
        Some(f) => {
            let mut rows: Vec<&TrafficRow> = Vec::new();
            for row in env.traffic.iter().filter(|r| filter::matches(f, r)) {
                if rows.len() < CLIENT_ROWS_PER_BATCH {
                    rows.push(row);
                } else {
                    skipped = skipped.saturating_add(1);
                }
            }
            rows
        }
    };
    serde_json::to_string(&Outgoing {
        seq: b.seq,
        at_us: b.at_us,
        summary: &b.summary,
        rates: &b.rates,
        changes: &b.changes,
        traffic,
        traffic_skipped: skipped,
        resync: b.resync || lagged,
    })
}

async fn client(socket: WebSocket, st: Arc<AppState>) {
    let (mut sink, mut stream) = socket.split();
    let mut batches = st.hub.subscribe();
    let mut guard = st.hub.client();
    let mut tail: Option<TrafficFilter> = None;
    let mut lagged = false;
    loop {
        tokio::select! {
            _ = st.stop.cancelled() => {
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<LiveCommand>(&text) {
                    // A filter past the limits is ignored like an unreadable command: the
                    // tail keeps the filter it had.
                    Ok(LiveCommand::Tail { filter: f }) => match filter::validate(&f) {
                        Ok(()) => {
                            tail = Some(*f);
                            guard.set_tailing(true);
                        }
                        Err(e) => tracing::debug!("ignoring a live tail filter: {e}"),
                    },
                    Ok(LiveCommand::Untail) => {
                        tail = None;
                        guard.set_tailing(false);
                    }
                    Err(e) => tracing::debug!("ignoring an unreadable live command: {e}"),
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            batch = batches.recv() => match batch {
                Ok(env) => {
                    let text = match render(&env, tail.as_ref(), lagged) {
                        Ok(t) => t,
                        Err(e) => {
                            tracing::warn!("cannot encode a live batch: {e}");
                            continue;
                        }
                    };
                    lagged = false;
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                // This client was too slow for some batches: it skips them and reloads.
                Err(RecvError::Lagged(_)) => lagged = true,
                Err(RecvError::Closed) => break,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::LiveSummary;

    #[test]
    fn the_borrowed_form_reads_back_as_a_live_batch() {
        let env = Envelope {
            batch: LiveBatch {
                seq: 7,
                at_us: 1,
                summary: LiveSummary::default(),
                rates: vec![RateSample::default()],
                changes: vec![],
                traffic: vec![],
                traffic_skipped: 2,
                resync: false,
            },
            traffic: vec![],
        };
        let text = render(&env, Some(&TrafficFilter::default()), true).unwrap();
        let back: LiveBatch = serde_json::from_str(&text).unwrap();
        assert_eq!(back.seq, 7);
        assert!(back.resync);
        assert_eq!(back.traffic_skipped, 2);
    }
}
