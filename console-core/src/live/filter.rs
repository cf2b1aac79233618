//! One [`TrafficFilter`], two uses: matching live rows here, and selecting recorded rows in the
//! capture file ([`to_capture`]), so the tail and the history agree on what a filter means.

use switchboard_capture::Filter;

use crate::types::{TrafficFilter, TrafficRow};

fn any_or<T: PartialEq>(wanted: &[T], value: Option<&T>) -> bool {
    wanted.is_empty() || value.is_some_and(|v| wanted.contains(v))
}

fn any_str(wanted: &[String], value: Option<&str>) -> bool {
    wanted.is_empty() || value.is_some_and(|v| wanted.iter().any(|w| w == v))
}

/// ASCII case-insensitive substring test without allocating per row.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

pub fn matches(f: &TrafficFilter, row: &TrafficRow) -> bool {
    if f.since_us.is_some_and(|t| row.at_us < t) || f.until_us.is_some_and(|t| row.at_us >= t) {
        return false;
    }
    if !any_or(&f.kinds, Some(&row.kind)) || !any_or(&f.origins, Some(&row.origin)) {
        return false;
    }
    if f.exclude_kinds.contains(&row.kind) {
        return false;
    }
    if !any_str(&f.names, row.name.as_deref())
        || !any_str(&f.roles, row.role.as_deref())
        || !any_str(&f.topics, row.topic.as_deref())
        || !any_str(&f.conns, row.conn.as_deref())
        || !any_str(&f.users, row.user.as_deref())
        || !any_str(&f.nodes, row.node.as_deref())
    {
        return false;
    }
    if !f.rooms.is_empty() && !row.rooms.iter().any(|r| f.rooms.contains(r)) {
        return false;
    }
    match f.text.as_deref().filter(|t| !t.is_empty()) {
        None => true,
        Some(text) => {
            let payload = row
                .payload
                .as_deref()
                .map(|p| p.get())
                .or(row.payload_text.as_deref())
                .unwrap_or("");
            contains_ignore_case(payload, text)
        }
    }
}

/// Longest `text` a filter may hold, in bytes. The text becomes an SQL `LIKE` pattern
/// (SQLite refuses patterns past 50,000 bytes as "too complex") and is matched against every
/// payload of the live tail; a kilobyte covers any search typed or pasted by hand.
pub const MAX_TEXT_BYTES: usize = 1024;

/// Most values across all of a filter's lists (kinds, names, roles, rooms, topics, conns,
/// users, origins). Each value is one SQL parameter and SQLite takes at most 32,766 in one
/// statement; a thousand is more than a person selects, and keeps each query cheap.
pub const MAX_VALUES: usize = 1000;

/// Longest single value in a filter's lists, in bytes.
pub const MAX_VALUE_BYTES: usize = 1024;

/// Checks `f` against the limits above. The message says which limit and is shown as is (the
/// API answers it with 400), so a filter that is too large is refused whole, never truncated.
pub fn validate(f: &TrafficFilter) -> Result<(), String> {
    if let Some(text) = &f.text {
        if text.len() > MAX_TEXT_BYTES {
            return Err(format!(
                "the text filter is {} bytes long; at most {MAX_TEXT_BYTES} are accepted",
                text.len()
            ));
        }
    }
    let strings = [
        ("names", &f.names),
        ("roles", &f.roles),
        ("rooms", &f.rooms),
        ("topics", &f.topics),
        ("conns", &f.conns),
        ("users", &f.users),
    ];
    let values = f.kinds.len()
        + f.exclude_kinds.len()
        + f.origins.len()
        + strings.iter().map(|(_, list)| list.len()).sum::<usize>();
    if values > MAX_VALUES {
        return Err(format!(
            "the filter lists {values} values; at most {MAX_VALUES} are accepted across \
             kinds, names, roles, rooms, topics, conns, users and origins"
        ));
    }
    for (field, list) in strings {
        if let Some(long) = list.iter().find(|v| v.len() > MAX_VALUE_BYTES) {
            return Err(format!(
                "a value in {field} is {} bytes long; at most {MAX_VALUE_BYTES} are accepted",
                long.len()
            ));
        }
    }
    Ok(())
}

/// The same selection for the capture file.
pub fn to_capture(f: &TrafficFilter) -> Filter {
    Filter {
        since_us: f.since_us,
        until_us: f.until_us,
        kinds: f.kinds.clone(),
        exclude_kinds: f.exclude_kinds.clone(),
        names: f.names.clone(),
        roles: f.roles.clone(),
        rooms: f.rooms.clone(),
        topics: f.topics.clone(),
        conns: f.conns.clone(),
        users: f.users.clone(),
        origins: f.origins.clone(),
        sessions: Vec::new(),
        nodes: f.nodes.clone(),
        text: f.text.clone().filter(|t| !t.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_server::tap::{Origin, TapKind};

    fn row() -> TrafficRow {
        TrafficRow {
            seq: None,
            at_us: 1_000,
            kind: TapKind::RoomBroadcast,
            name: Some("message".into()),
            conn: None,
            role: None,
            user: None,
            rooms: vec!["lobby".into(), "ops".into()],
            topic: None,
            payload: serde_json::value::RawValue::from_string(r#"{"text":"Hello"}"#.into()).ok(),
            payload_text: None,
            size: 10,
            recipients: Some(3),
            origin: Origin::Client,
            meta: None,
            node: None,
            direction: Some("received".into()),
            cause: None,
            request_seq: None,
            latency_us: None,
            code: None,
        }
    }

    #[test]
    fn every_given_field_must_match() {
        let mut f = TrafficFilter::default();
        assert!(matches(&f, &row()));
        f.rooms = vec!["ops".into()];
        f.text = Some("hello".into());
        assert!(matches(&f, &row()));
        f.users = vec!["alice".into()];
        assert!(
            !matches(&f, &row()),
            "a row without a user fails a user filter"
        );
    }

    #[test]
    fn time_range_is_half_open() {
        let f = TrafficFilter {
            since_us: Some(1_000),
            until_us: Some(1_001),
            ..TrafficFilter::default()
        };
        assert!(matches(&f, &row()));
        let f = TrafficFilter {
            until_us: Some(1_000),
            ..TrafficFilter::default()
        };
        assert!(!matches(&f, &row()));
    }
}
