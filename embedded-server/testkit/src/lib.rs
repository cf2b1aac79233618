//! What every Switchboard test harness needs to wait for something that happens on another
//! task: one deadline and three ways of polling, declared once.
//!
//! [`mutations`] makes the inputs of the parsers' property tests (arbitrary and mutated bytes,
//! seeded from the fuzz targets' corpus).
//!
//! Where it sits: a dev-dependency of the test harnesses only (never of a library). Tests
//! never assert how fast something happens; [`WAIT`] is how long a poll keeps trying before the
//! test fails with the description it was given, so it is generous: it only matters when
//! something is broken, or the machine is very busy.

pub mod mutations;

use std::future::Future;
use std::time::Duration;

use tokio::time::{sleep, Instant};

/// How long any wait in a test keeps trying before it fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// Time between two polls.
const POLL: Duration = Duration::from_millis(20);

/// Polls a condition until it holds; fails the test naming `what` after [`WAIT`].
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        sleep(POLL).await;
    }
}

/// Polls an asynchronous condition until it holds; fails the test naming `what` after
/// [`WAIT`].
pub async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        sleep(POLL).await;
    }
}

/// Polls until `check` returns `Some`, and returns what it found; fails the test naming `what`
/// after [`WAIT`].
pub async fn eventually_some<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_wait_returns_once_its_condition_holds() {
        let mut n = 0;
        eventually("a counter reaching 3", || {
            n += 1;
            n >= 3
        })
        .await;
        let mut m = 0;
        until("an async counter reaching 2", || {
            m += 1;
            let done = m >= 2;
            async move { done }
        })
        .await;
        let found = eventually_some("a value", || async { Some(7) }).await;
        assert_eq!((n, m, found), (3, 2, 7));
    }

    #[tokio::test(start_paused = true)]
    #[should_panic(expected = "timed out waiting for: never")]
    async fn a_condition_that_never_holds_fails_the_test() {
        eventually("never", || false).await;
    }
}
