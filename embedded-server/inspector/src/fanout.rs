//! One tap on the server for every console attached through an inspector, handing each
//! event to every session's queue.
//!
//! The tap is installed when the first session joins and removed when the last one leaves, so
//! with no console attached the server builds no event at all (`Server::tapping` is false
//! unless something else taps). With one console the session's queue gets the server's own
//! reference to the event; with several, the event is wrapped once ([`Tapped::shared`]) so that
//! its JSON is written once for all of them.
//!
//! Locks: the server calls [`Tap::observe_shared`] holding its list of taps for reading, and
//! that reads `sessions`. Joining and leaving take `installed` first, change `sessions`, let it
//! go, and only then add or remove the tap on the server, so the two never wait for each other
//! in opposite orders.

use std::sync::{Arc, Mutex, RwLock};

use switchboard_server::tap::{Tap, TapEvent};
use switchboard_server::wire::util::lock;
use switchboard_server::Server;

use crate::queue::SessionTap;
use crate::tapped::Tapped;

/// The sessions of one inspector (or one in-process session) on one server.
pub(crate) struct Fanout {
    server: Server,
    sessions: Arc<Sessions>,
    /// Whether `sessions` is installed as a tap on the server.
    installed: Mutex<bool>,
}

/// The tap itself: every attached session's queue.
#[derive(Default)]
struct Sessions(RwLock<Vec<Arc<SessionTap>>>);

impl Tap for Sessions {
    fn observe(&self, event: &TapEvent) {
        // The server calls `observe_shared`; this is for anyone holding only a reference.
        self.observe_shared(&Arc::new(event.clone()));
    }

    fn observe_shared(&self, event: &Arc<TapEvent>) {
        let sessions = self.0.read().unwrap_or_else(|p| p.into_inner());
        match sessions.as_slice() {
            [] => {}
            [one] => one.offer(Tapped::Alone(event.clone())),
            many => {
                let shared = Tapped::shared(event.clone());
                for session in many {
                    session.offer(shared.clone());
                }
            }
        }
    }
}

/// A session's membership in the fan-out; leaving (and, for the last session, removing the tap
/// from the server) happens when it is dropped, however the session ends.
pub(crate) struct Joined {
    fanout: Arc<Fanout>,
    tap: Arc<SessionTap>,
}

impl Fanout {
    pub fn new(server: &Server) -> Arc<Fanout> {
        Arc::new(Fanout {
            server: server.clone(),
            sessions: Arc::default(),
            installed: Mutex::new(false),
        })
    }

    /// Start queueing every event the server taps for `tap`'s session.
    pub fn join(self: &Arc<Self>, tap: Arc<SessionTap>) -> Joined {
        let mut installed = lock(&self.installed);
        self.sessions
            .0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(tap.clone());
        if !*installed {
            self.server.add_tap(self.as_tap());
            *installed = true;
        }
        Joined {
            fanout: self.clone(),
            tap,
        }
    }

    fn as_tap(&self) -> Arc<dyn Tap> {
        self.sessions.clone()
    }

    fn leave(&self, tap: &Arc<SessionTap>) {
        let mut installed = lock(&self.installed);
        let none_left = {
            let mut sessions = self.sessions.0.write().unwrap_or_else(|p| p.into_inner());
            sessions.retain(|s| !Arc::ptr_eq(s, tap));
            sessions.is_empty()
        };
        if none_left && *installed {
            self.server.remove_tap(&self.as_tap());
            *installed = false;
        }
    }
}

impl Drop for Joined {
    fn drop(&mut self) {
        self.fanout.leave(&self.tap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SessionLimits;
    use crate::queue;
    use switchboard_server::tap::{Origin, TapKind};

    fn event() -> Arc<TapEvent> {
        Arc::new(TapEvent::new(TapKind::Broadcast, Origin::Server))
    }

    /// The one event queued, if any.
    fn one(queue: &queue::SessionQueue) -> Option<Tapped> {
        let mut batch = Vec::new();
        queue.take_batch(&mut batch);
        assert!(batch.len() <= 1, "{batch:?}");
        batch.pop()
    }

    #[tokio::test]
    async fn one_session_gets_the_event_itself_and_several_share_one_wrapper() {
        let server = switchboard_demo::builder().unwrap().build().unwrap();
        let fanout = Fanout::new(&server);
        let limits = SessionLimits::default();
        let (a, qa) = queue::channel(&limits);
        let joined_a = fanout.join(a);
        let ev = event();
        fanout.sessions.observe_shared(&ev);
        match one(&qa) {
            Some(Tapped::Alone(e)) => assert!(Arc::ptr_eq(&e, &ev), "not copied"),
            other => panic!("expected the event alone, got {other:?}"),
        }
        let (b, qb) = queue::channel(&limits);
        let joined_b = fanout.join(b);
        fanout.sessions.observe_shared(&ev);
        match (one(&qa), one(&qb)) {
            (Some(Tapped::Shared(x)), Some(Tapped::Shared(y))) => assert!(Arc::ptr_eq(&x, &y)),
            other => panic!("expected one shared wrapper, got {other:?}"),
        }
        drop(joined_a);
        fanout.sessions.observe_shared(&ev);
        assert!(one(&qa).is_none(), "a left: nothing more is queued for it");
        assert!(matches!(one(&qb), Some(Tapped::Alone(_))));
        drop(joined_b);
        assert!(
            !server.remove_tap(&fanout.as_tap()),
            "the last session out removed the tap"
        );
    }
}
