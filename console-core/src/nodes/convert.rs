//! Turning what an inspector session carries into what the console already works with: a
//! remote event becomes a [`TapEvent`] (so the recorder and the live view take it exactly as
//! they take the embedded server's), a remote connection becomes a [`ConnRow`].

use std::sync::Arc;

use switchboard_inspector::protocol::{Connection, Event};
use switchboard_server::tap::{Origin, TapEvent, TapPayload};

use crate::types::{ConnRow, MemberRow};

/// The event as a tap would have produced it on the node; `None` for a kind this build does
/// not know (a newer node may add kinds; the caller counts them).
pub fn tap_event(ev: &Event) -> Option<TapEvent> {
    let kind = ev.tap_kind()?;
    let origin = ev.tap_origin().unwrap_or(Origin::Server);
    let text = |s: &Option<String>| s.as_deref().map(Arc::<str>::from);
    let payload = match (&ev.payload, &ev.payload_text) {
        (Some(v), _) => Some(TapPayload::Json(v.clone())),
        (None, Some(t)) => Some(TapPayload::Text(t.clone())),
        (None, None) => None,
    };
    let mut tap = TapEvent::new(kind, origin);
    tap.at_us = ev.at_us;
    tap.node = Arc::from(ev.node.as_str());
    tap.name = text(&ev.name);
    tap.conn = text(&ev.conn);
    tap.role = text(&ev.role);
    tap.user = text(&ev.user);
    tap.rooms = ev.rooms.iter().map(|r| Arc::from(r.as_str())).collect();
    tap.topic = text(&ev.topic);
    tap.payload = payload;
    tap.size = ev.size as usize;
    tap.recipients = ev.recipients;
    tap.meta = ev.meta.clone();
    Some(tap)
}

pub fn conn_row(c: &Connection) -> ConnRow {
    ConnRow {
        id: c.id.clone(),
        role: c.role.clone(),
        user: c.user.clone(),
        node: c.node.clone(),
        origin: c.origin.clone(),
        connected_at_us: c.connected_at_us,
        last_pong_us: c.last_pong_us,
        missed_pongs: c.missed_pongs,
        rooms: c.rooms.iter().cloned().collect(),
        topics: c.topics.iter().cloned().collect(),
        msgs_in: c.msgs_in,
        msgs_out: c.msgs_out,
        bytes_in: c.bytes_in,
        bytes_out: c.bytes_out,
        queue_depth: c.queue_depth as u32,
        queue_bytes: c.queue_bytes as u64,
        errors: c.errors,
        remote: None,
        user_agent: None,
    }
}

pub fn member(c: &Connection) -> MemberRow {
    MemberRow {
        id: c.id.clone(),
        role: c.role.clone(),
        user: c.user.clone(),
        node: Some(c.node.clone()),
    }
}

/// The URL as it may be shown and logged: the token's value, and a password in the user
/// part (`redis://:secret@host`), replaced.
pub fn masked_url(url: &str) -> String {
    let url = masked_password(url);
    match url.find("token=") {
        None => url.to_owned(),
        Some(at) => {
            let start = at + "token=".len();
            let end = url[start..]
                .find('&')
                .map(|n| start + n)
                .unwrap_or(url.len());
            format!("{}********{}", &url[..start], &url[end..])
        }
    }
}

fn masked_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let user = &authority[..at];
    let name = user.split_once(':').map_or(user, |(name, _)| name);
    if name == user && !user.is_empty() {
        // `redis://secret@host`: a lone user part is Redis's password.
        return format!("{}********{}", &url[..scheme_end], &url[scheme_end + at..]);
    }
    format!(
        "{}{name}:********{}",
        &url[..scheme_end],
        &url[scheme_end + at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_show_in_urls() {
        assert_eq!(
            masked_url("ws://127.0.0.1:7071/?token=abc&x=1"),
            "ws://127.0.0.1:7071/?token=********&x=1"
        );
        assert_eq!(masked_url("ws://h/?token=abc"), "ws://h/?token=********");
        assert_eq!(masked_url("ws://h/"), "ws://h/");
        assert_eq!(
            masked_url("redis://:s3cret@10.0.0.2:6379/0"),
            "redis://:********@10.0.0.2:6379/0"
        );
        assert_eq!(
            masked_url("redis://app:s3cret@h:6379"),
            "redis://app:********@h:6379"
        );
        assert_eq!(masked_url("redis://h:6379/"), "redis://h:6379/");
    }

    #[test]
    fn unknown_kinds_are_not_turned_into_tap_events() {
        let ev = Event {
            kind: "teleport".into(),
            node: "n".into(),
            origin: "client".into(),
            ..Event::default()
        };
        assert!(tap_event(&ev).is_none());
        let ev = Event {
            kind: "room_add".into(),
            ..ev
        };
        let tap = tap_event(&ev).expect("a known kind");
        assert_eq!(&*tap.node, "n");
        assert_eq!(tap.origin, Origin::Client);
    }
}
