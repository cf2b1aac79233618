//! The JSON of who an event is about, kept for the connections seen last, so a socket writes
//! `,"conn":..,"role":..,"user":..` (and the node's name) once per connection instead of once
//! per event.
//!
//! Most events of a busy node are about a few connections (a client's requests, their answers
//! and what its handlers push); escaping the same three strings for each was a good part of
//! writing an event. Entries are found by the identity of the server's reference-counted
//! strings, and each entry holds a reference to them, so an address cannot be reused by another
//! string while it is cached: the same address is the same text. A few entries, replaced in
//! turn: the cache is bounded and its misses cost what writing the fields did.

use std::sync::Arc;

use crate::json;

/// Connections remembered per socket writer.
const ENTRIES: usize = 16;

struct Who {
    conn: Arc<str>,
    role: Arc<str>,
    user: Arc<str>,
    json: String,
}

#[derive(Default)]
pub(crate) struct Fragments {
    node: Option<(Arc<str>, String)>,
    who: Vec<Who>,
    /// The entry the next miss replaces, once `who` is full.
    next: usize,
}

impl Fragments {
    /// `"node":...` without the leading comma.
    pub fn node(&mut self, out: &mut String, node: &Arc<str>) {
        match &self.node {
            Some((known, text)) if Arc::ptr_eq(known, node) => out.push_str(text),
            _ => {
                let mut text = String::with_capacity(node.len() + 9);
                text.push_str("\"node\":");
                json::string(&mut text, node);
                out.push_str(&text);
                self.node = Some((node.clone(), text));
            }
        }
    }

    /// `,"conn":...,"role":...,"user":...`.
    pub fn who(&mut self, out: &mut String, conn: &Arc<str>, role: &Arc<str>, user: &Arc<str>) {
        let same = |w: &&Who| {
            Arc::ptr_eq(&w.conn, conn) && Arc::ptr_eq(&w.role, role) && Arc::ptr_eq(&w.user, user)
        };
        if let Some(w) = self.who.iter().find(same) {
            out.push_str(&w.json);
            return;
        }
        let mut text = String::with_capacity(conn.len() + role.len() + user.len() + 32);
        text.push_str(",\"conn\":");
        json::string(&mut text, conn);
        text.push_str(",\"role\":");
        json::string(&mut text, role);
        text.push_str(",\"user\":");
        json::string(&mut text, user);
        out.push_str(&text);
        let entry = Who {
            conn: conn.clone(),
            role: role.clone(),
            user: user.clone(),
            json: text,
        };
        if self.who.len() < ENTRIES {
            self.who.push(entry);
        } else {
            self.who[self.next] = entry;
            self.next = (self.next + 1) % ENTRIES;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_connection_is_written_as_the_first_time_and_others_are_not_confused() {
        let mut f = Fragments::default();
        let (role, user) = (Arc::<str>::from("user"), Arc::<str>::from("al\"ice"));
        let conns: Vec<Arc<str>> = (0..ENTRIES + 3)
            .map(|n| Arc::from(format!("c-{n}")))
            .collect();
        let written = |f: &mut Fragments, conn: &Arc<str>| {
            let mut out = String::new();
            f.who(&mut out, conn, &role, &user);
            out
        };
        for _ in 0..3 {
            for (n, conn) in conns.iter().enumerate() {
                assert_eq!(
                    written(&mut f, conn),
                    format!(r#","conn":"c-{n}","role":"user","user":"al\"ice""#)
                );
            }
        }
        assert!(f.who.len() <= ENTRIES, "bounded");
        // The same text in another allocation is another entry, written the same way.
        let again = Arc::<str>::from("c-0");
        assert_eq!(
            written(&mut f, &again),
            r#","conn":"c-0","role":"user","user":"al\"ice""#
        );
        let mut out = String::new();
        f.node(&mut out, &Arc::from("n-1"));
        f.node(&mut out, &Arc::from("n-2"));
        assert_eq!(out, r#""node":"n-1""node":"n-2""#);
    }
}
