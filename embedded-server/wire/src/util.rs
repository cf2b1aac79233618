//! Helpers every layer needs, declared once.

use std::sync::{Mutex, MutexGuard};

/// Locks a std mutex, recovering the data if a previous holder panicked.
///
/// Every lock in Switchboard guards maps and counters that stay consistent between
/// statements (no invariant spans a panic point), and the server contains panics from
/// handlers, hooks and taps; refusing to go on because one of them panicked while a lock was
/// held would turn a contained fault into a dead server.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The longest prefix of `text` that is at most `max` bytes and ends on a character
/// boundary (a close reason must fit in 123 bytes; records keep a bounded prefix of a bad
/// frame; the UI shows a bounded preview).
pub fn truncate_utf8(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(truncate_utf8("héllo", 2), "h");
        assert_eq!(truncate_utf8("héllo", 3), "hé");
        assert_eq!(truncate_utf8("abc", 10), "abc");
        assert_eq!(truncate_utf8("", 0), "");
    }

    #[test]
    fn a_poisoned_lock_is_recovered() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison");
        })
        .join();
        assert!(m.is_poisoned());
        *lock(&m) += 1;
        assert_eq!(*lock(&m), 2);
    }
}
