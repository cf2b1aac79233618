//! The three client dialects the generator speaks, so one tool drives every server:
//!
//! - `switchboard`: the super-line v1 wire, framed with `switchboard_server::wire` (the same
//!   encoder and parser the server and the Rust client use). A member sends `join`, the
//!   publisher sends `say`, and the room broadcast arrives as an `evt` frame.
//! - `socketio`: Engine.IO v4 over a WebSocket (`0{...}` open, `40` connect, `42[...]` events,
//!   `43[...]` acks, `2`/`3` ping and pong) to a Socket.IO 4 server that does a room emit.
//! - `ws`: plain text messages to a Node `ws` server: `j:ROOM` joins, `s:ROOM:TEXT` broadcasts
//!   `TEXT` to the room as is.
//!
//! Every published message carries a [`Stamp`] inside its text, so a receipt is matched to
//! its publish without parsing the whole frame: at hundreds of thousands of receipts a second
//! on a 2-core machine, a full JSON parse per receipt would take CPU from the server under test.
//! The handshake frames are parsed fully, and `--verify` parses every frame.

use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};
use switchboard_server::wire::{encode_client, parse_server_frame, ServerFrame};

use crate::rawws::{self, FrameReader, FrameWriter};

/// Which server protocol to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Switchboard,
    Socketio,
    Ws,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Switchboard => "switchboard",
            Dialect::Socketio => "socketio",
            Dialect::Ws => "ws",
        }
    }

    /// Where the upgrade goes (path and query).
    fn path(self, name: &str) -> String {
        match self {
            Dialect::Switchboard => format!("/?role=user&name={name}"),
            Dialect::Socketio => "/socket.io/?EIO=4&transport=websocket".to_owned(),
            Dialect::Ws => "/".to_owned(),
        }
    }

    /// The frame that asks the server to broadcast `text` to `room`.
    pub fn publish_frame(self, i: u64, room: &str, text: &str) -> String {
        match self {
            Dialect::Switchboard => {
                encode_client::req(i, "say", &json!({ "room": room, "text": text }))
            }
            Dialect::Socketio => {
                let body = json!(["say", { "room": room, "text": text }]);
                format!("42{body}")
            }
            Dialect::Ws => format!("s:{room}:{text}"),
        }
    }

    /// The answer to a server heartbeat, if `text` is one.
    pub fn heartbeat_reply(self, text: &[u8]) -> Option<String> {
        match self {
            Dialect::Switchboard if text == br#"{"t":"ping"}"# => Some(encode_client::pong()),
            Dialect::Socketio if text == b"2" => Some("3".to_owned()),
            _ => None,
        }
    }

    /// Full parse of a received frame, for `--verify`: the frame must be the broadcast event
    /// (or a heartbeat, or the publisher's own `say` reply) and carry a stamp in its text.
    pub fn verify(self, text: &str) -> Result<()> {
        match self {
            Dialect::Switchboard => match parse_server_frame(text)? {
                ServerFrame::Evt { e, d } if e == "message" => stamped_text(&d),
                ServerFrame::Res { .. } | ServerFrame::Ping => Ok(()),
                other => bail!("unexpected frame {other:?}"),
            },
            Dialect::Socketio => {
                if text == "2" || text.starts_with("43") {
                    return Ok(());
                }
                let body = text
                    .strip_prefix("42")
                    .ok_or_else(|| anyhow!("unexpected packet {text:?}"))?;
                let v: Value = serde_json::from_str(body)?;
                match v.as_array().map(Vec::as_slice) {
                    Some([Value::String(e), d]) if e == "message" => stamped_text(d),
                    _ => bail!("unexpected event {text:?}"),
                }
            }
            Dialect::Ws => Stamp::find(text)
                .map(|_| ())
                .ok_or_else(|| anyhow!("no stamp in {text:?}")),
        }
    }
}

fn stamped_text(d: &Value) -> Result<()> {
    let text = d
        .get("text")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("broadcast without text: {d}"))?;
    Stamp::find(text)
        .map(|_| ())
        .ok_or_else(|| anyhow!("no stamp in {text:?}"))
}

/// What a published message carries: its sequence number, when it was meant to be sent
/// (microseconds since the run's epoch; the intended time, not the actual one, so a stalled
/// publisher cannot hide queueing), and whether it falls in the measured window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub seq: u64,
    pub sent_us: u64,
    pub measured: bool,
}

impl Stamp {
    /// `@SEQ:SENT:M@` followed by padding up to `size` bytes.
    pub fn text(&self, size: usize) -> String {
        let mut s = format!(
            "@{}:{}:{}@",
            self.seq,
            self.sent_us,
            if self.measured { 1 } else { 0 }
        );
        while s.len() < size {
            s.push('x');
        }
        s
    }

    /// Find the stamp in any frame of any dialect: the first `@`, three numbers, an `@`.
    pub fn find(text: &str) -> Option<Stamp> {
        Stamp::find_bytes(text.as_bytes())
    }

    /// [`Stamp::find`] on raw frame bytes (the generator does not validate UTF-8 per receipt).
    pub fn find_bytes(b: &[u8]) -> Option<Stamp> {
        let start = b.iter().position(|&c| c == b'@')? + 1;
        let mut nums = [0u64; 3];
        let mut k = 0;
        let mut any = false;
        for &c in &b[start..] {
            match c {
                b'0'..=b'9' => {
                    nums[k] = nums[k].checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
                    any = true;
                }
                b':' if k < 2 && any => {
                    k += 1;
                    any = false;
                }
                b'@' if k == 2 && any => {
                    return Some(Stamp {
                        seq: nums[0],
                        sent_us: nums[1],
                        measured: nums[2] == 1,
                    })
                }
                _ => return None,
            }
        }
        None
    }
}

/// A member's socket after its handshake: the two halves of [`crate::rawws`]'s client.
pub struct Socket {
    pub reader: FrameReader,
    pub writer: FrameWriter,
}

impl Socket {
    /// Closes normally and waits (bounded) for the server's side of the close.
    pub async fn close(mut self) {
        let _ = self.writer.close().await;
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Ok(Some(_)) = self.reader.next_text().await {}
        })
        .await;
    }
}

/// Open a socket to `addr` and complete the dialect's handshake, ending as a member of `room`.
pub async fn connect_member(
    dialect: Dialect,
    addr: &str,
    name: &str,
    room: &str,
) -> Result<Socket> {
    let path = dialect.path(name);
    let (reader, writer) = rawws::connect(addr, &path).await?;
    let mut ws = Socket { reader, writer };
    tokio::time::timeout(Duration::from_secs(30), join(dialect, &mut ws, room))
        .await
        .map_err(|_| anyhow!("{} handshake timed out", dialect.as_str()))??;
    Ok(ws)
}

async fn send(ws: &mut Socket, text: String) -> Result<()> {
    ws.writer.text(&text).await
}

/// Next text frame, answering heartbeats on the way.
async fn next_text(dialect: Dialect, ws: &mut Socket) -> Result<String> {
    loop {
        match ws.reader.next_text().await? {
            None => bail!("connection closed during the handshake"),
            Some(t) => {
                if let Some(reply) = dialect.heartbeat_reply(t.as_bytes()) {
                    send(ws, reply).await?;
                    continue;
                }
                return Ok(t);
            }
        }
    }
}

async fn join(dialect: Dialect, ws: &mut Socket, room: &str) -> Result<()> {
    match dialect {
        Dialect::Switchboard => {
            let first = next_text(dialect, ws).await?;
            match parse_server_frame(&first)? {
                ServerFrame::Env { .. } => {}
                other => bail!("expected env first, got {other:?}"),
            }
            send(ws, encode_client::req(1, "join", &json!({ "room": room }))).await?;
            loop {
                let text = next_text(dialect, ws).await?;
                match parse_server_frame(&text)? {
                    ServerFrame::Res { i: 1, .. } => return Ok(()),
                    ServerFrame::Err { code, m, .. } => bail!("join refused: {code:?} {m}"),
                    _ => {}
                }
            }
        }
        Dialect::Socketio => {
            let open = next_text(dialect, ws).await?;
            if !open.starts_with("0{") {
                bail!("expected an Engine.IO open packet, got {open:?}");
            }
            send(ws, "40".to_owned()).await?;
            let connect = next_text(dialect, ws).await?;
            if !connect.starts_with("40") {
                bail!("expected a Socket.IO connect packet, got {connect:?}");
            }
            send(ws, format!("420{}", json!(["join", room]))).await?;
            loop {
                let text = next_text(dialect, ws).await?;
                if text.starts_with("430") {
                    return Ok(());
                }
            }
        }
        Dialect::Ws => {
            send(ws, format!("j:{room}")).await?;
            loop {
                if next_text(dialect, ws).await? == "ok" {
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_inside_every_dialect() {
        let s = Stamp {
            seq: 42,
            sent_us: 1_234_567,
            measured: true,
        };
        let text = s.text(32);
        assert_eq!(text.len(), 32);
        let frames = [
            format!(r#"{{"t":"evt","e":"message","d":{{"room":"r","text":"{text}","from":"p"}}}}"#),
            format!(r#"42["message",{{"room":"r","text":"{text}","from":"p"}}]"#),
            text.clone(),
        ];
        for f in &frames {
            assert_eq!(Stamp::find(f), Some(s), "{f}");
        }
        Dialect::Switchboard.verify(&frames[0]).unwrap();
        Dialect::Socketio.verify(&frames[1]).unwrap();
        Dialect::Ws.verify(&frames[2]).unwrap();
    }

    #[test]
    fn frames_without_a_stamp_are_not_receipts() {
        for f in [
            r#"{"t":"res","i":3,"d":{"ok":true}}"#,
            "2",
            "@1:2@",
            "@a:b:c@",
            "@1:2:3",
        ] {
            assert_eq!(Stamp::find(f), None, "{f}");
        }
    }

    #[test]
    fn publish_frames_match_each_wire() {
        let f = Dialect::Switchboard.publish_frame(7, "r", "hi");
        assert_eq!(
            f,
            r#"{"t":"req","i":7,"m":"say","d":{"room":"r","text":"hi"}}"#
        );
        assert_eq!(
            Dialect::Socketio.publish_frame(7, "r", "hi"),
            r#"42["say",{"room":"r","text":"hi"}]"#
        );
        assert_eq!(Dialect::Ws.publish_frame(7, "r", "hi"), "s:r:hi");
    }
}
