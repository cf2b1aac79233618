//! A minimal WebSocket client (RFC 6455) for the generator's sockets.
//!
//! Why not tungstenite here: the generator shares two cores with the server under test, and
//! every microsecond it spends per receipt is taken from the server (and, at a fixed offered
//! load, shows up as latency of whichever server is measured). A general client allocates a
//! message per frame, validates UTF-8 and zero-fills its read buffer; this one reads whatever
//! the kernel has into one reusable buffer per socket and hands out frames as slices of it, so
//! a read that brings 50 coalesced frames costs one syscall and no allocation. It speaks only
//! what the benchmarks need: the upgrade, unmasked server frames (text, binary, ping, pong,
//! close, continuation) and masked client text frames. Frames are checked, never trusted: a
//! malformed header is an error, not a panic.

use anyhow::{anyhow, bail, Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// First size of a socket's read buffer; it doubles up to [`MAX_BUF`] while reads fill it.
const FIRST_BUF: usize = 4 * 1024;
/// Largest read buffer: enough for hundreds of small coalesced frames per read.
const MAX_BUF: usize = 64 * 1024;
/// Largest frame accepted (the benchmarks send a few hundred bytes).
const MAX_FRAME: usize = 16 * 1024 * 1024;

pub const OP_CONT: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;

/// Opens a TCP connection and upgrades it at `path` (which may carry a query string).
/// A refused upgrade is an error that quotes the server's status line.
pub async fn connect(addr: &str, path: &str) -> Result<(FrameReader, FrameWriter)> {
    let tcp = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    tcp.set_nodelay(true)?;
    let (rd, wr) = tcp.into_split();
    let mut reader = FrameReader::new(rd);
    let mut writer = FrameWriter { wr };
    // The key's only job is to prove the server speaks WebSocket; a fixed one is allowed.
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: c3dpdGNoYm9hcmRiZW5jaA==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    writer.wr.write_all(request.as_bytes()).await?;
    let status = reader.read_response_head().await?;
    if !status.starts_with("HTTP/1.1 101") {
        bail!("upgrade refused at ws://{addr}{path}: {status}");
    }
    Ok((reader, writer))
}

/// The receiving half: a buffer of bytes read but not yet handed out as frames.
pub struct FrameReader {
    rd: OwnedReadHalf,
    buf: Vec<u8>,
    /// Bytes `start..end` of `buf` are unread.
    start: usize,
    end: usize,
    /// Opcode of a fragmented message being collected, while one is.
    partial: Option<u8>,
    /// The fragments' payloads joined; handed out from here when the final one arrives.
    joined: Vec<u8>,
}

/// Where a complete frame sits in the buffer.
struct Header {
    fin: bool,
    opcode: u8,
    /// Offset of the payload from the frame's start, and its length.
    head: usize,
    len: usize,
}

/// Parses a server frame header at the front of `b`; `None` when more bytes are needed.
fn parse_header(b: &[u8]) -> Result<Option<Header>> {
    if b.len() < 2 {
        return Ok(None);
    }
    let fin = b[0] & 0x80 != 0;
    let opcode = b[0] & 0x0f;
    if b[0] & 0x70 != 0 {
        bail!("frame with reserved bits set (no extension was negotiated)");
    }
    if b[1] & 0x80 != 0 {
        bail!("masked frame from the server");
    }
    let (head, len) = match b[1] & 0x7f {
        126 => {
            if b.len() < 4 {
                return Ok(None);
            }
            (4, usize::from(u16::from_be_bytes([b[2], b[3]])))
        }
        127 => {
            if b.len() < 10 {
                return Ok(None);
            }
            let mut n = [0u8; 8];
            n.copy_from_slice(&b[2..10]);
            let n = u64::from_be_bytes(n);
            (10, usize::try_from(n).unwrap_or(usize::MAX))
        }
        n => (2, usize::from(n)),
    };
    if len > MAX_FRAME {
        bail!("frame of {len} bytes is over the generator's limit");
    }
    Ok(Some(Header {
        fin,
        opcode,
        head,
        len,
    }))
}

impl FrameReader {
    fn new(rd: OwnedReadHalf) -> FrameReader {
        FrameReader {
            rd,
            buf: vec![0; FIRST_BUF],
            start: 0,
            end: 0,
            partial: None,
            joined: Vec::new(),
        }
    }

    /// Reads what the kernel has (at least one byte). `Ok(false)` at end of stream.
    pub async fn fill(&mut self) -> Result<bool> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                // A frame larger than the buffer: grow to fit it.
                let bigger = (self.buf.len() * 2).max(FIRST_BUF);
                self.buf.resize(bigger, 0);
            }
        }
        let n = self.rd.read(&mut self.buf[self.end..]).await?;
        if n == 0 {
            return Ok(false);
        }
        let filled = self.end == 0 && n == self.buf.len();
        self.end += n;
        if filled && self.buf.len() < MAX_BUF {
            // The kernel had more than the buffer holds: read in bigger gulps from now on.
            let bigger = (self.buf.len() * 2).min(MAX_BUF);
            self.buf.resize(bigger, 0);
        }
        Ok(true)
    }

    /// The next complete message already buffered, as (opcode, payload), without reading.
    /// Continuation frames are joined; control frames come out as they arrive.
    pub fn next_buffered(&mut self) -> Result<Option<(u8, &[u8])>> {
        loop {
            let Some(h) = parse_header(&self.buf[self.start..self.end])? else {
                return Ok(None);
            };
            let total = h.head + h.len;
            if self.end - self.start < total {
                if total > self.buf.len() {
                    // Make room for the whole frame on the next fill.
                    self.buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.start = 0;
                    self.buf.resize(total, 0);
                }
                return Ok(None);
            }
            let at = self.start + h.head;
            self.start += total;
            let control = h.opcode >= 0x8;
            if h.fin && h.opcode != OP_CONT && (control || self.partial.is_none()) {
                return Ok(Some((h.opcode, &self.buf[at..at + h.len])));
            }
            // Fragments of a data message (rare: servers do not fragment small messages):
            // collect them, and hand the whole message out when the final one arrives.
            match (h.opcode, self.partial) {
                (OP_CONT, Some(_)) => {}
                (OP_CONT, None) => bail!("continuation frame without a message to continue"),
                (op, None) if !control => {
                    self.partial = Some(op);
                    self.joined.clear();
                }
                _ => bail!("new message started inside a fragmented one"),
            }
            self.joined.extend_from_slice(&self.buf[at..at + h.len]);
            if h.fin {
                if let Some(op) = self.partial.take() {
                    return Ok(Some((op, &self.joined)));
                }
            }
        }
    }

    /// The next text message, reading as needed; control frames are skipped (the caller
    /// answers pings with [`FrameWriter::pong`] where it matters). `None` at close or end.
    pub async fn next_text(&mut self) -> Result<Option<String>> {
        loop {
            match self.next_buffered()? {
                Some((OP_TEXT, payload)) => {
                    return Ok(Some(
                        std::str::from_utf8(payload)
                            .map_err(|_| anyhow!("text frame that is not UTF-8"))?
                            .to_owned(),
                    ))
                }
                Some((OP_CLOSE, _)) => return Ok(None),
                Some(_) => continue,
                None => {}
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }

    /// Reads the HTTP response head of the upgrade and returns its status line; the bytes
    /// after the head (early frames) stay buffered.
    async fn read_response_head(&mut self) -> Result<String> {
        loop {
            let unread = &self.buf[self.start..self.end];
            if let Some(pos) = unread.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&unread[..pos]).into_owned();
                self.start += pos + 4;
                return Ok(head.lines().next().unwrap_or_default().to_owned());
            }
            if self.end - self.start > 16 * 1024 {
                bail!("upgrade response head over 16 KiB");
            }
            if !self.fill().await? {
                bail!("connection closed during the upgrade");
            }
        }
    }
}

/// The sending half: client frames, masked as RFC 6455 requires.
pub struct FrameWriter {
    wr: OwnedWriteHalf,
}

impl FrameWriter {
    pub async fn text(&mut self, text: &str) -> Result<()> {
        self.frame(OP_TEXT, text.as_bytes()).await
    }

    pub async fn pong(&mut self, payload: &[u8]) -> Result<()> {
        self.frame(0xA, payload).await
    }

    /// Sends a close frame (normal closure) and shuts the write side down.
    pub async fn close(&mut self) -> Result<()> {
        self.frame(OP_CLOSE, &1000u16.to_be_bytes()).await?;
        self.wr.shutdown().await?;
        Ok(())
    }

    async fn frame(&mut self, opcode: u8, payload: &[u8]) -> Result<()> {
        // The mask only exists to defeat cache poisoning by proxies; any key is valid.
        const KEY: [u8; 4] = [0x5b, 0x17, 0xc3, 0x2e];
        let mut out = Vec::with_capacity(payload.len() + 14);
        out.push(0x80 | opcode);
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= usize::from(u16::MAX) => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&KEY);
        out.extend(payload.iter().enumerate().map(|(k, b)| b ^ KEY[k % 4]));
        self.wr.write_all(&out).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_every_length_form() {
        let h = parse_header(&[0x81, 5]).unwrap().unwrap();
        assert!(h.fin && h.opcode == OP_TEXT && h.head == 2 && h.len == 5);
        let h = parse_header(&[0x81, 126, 1, 0]).unwrap().unwrap();
        assert_eq!((h.head, h.len), (4, 256));
        let h = parse_header(&[0x02, 127, 0, 0, 0, 0, 0, 1, 0, 0])
            .unwrap()
            .unwrap();
        assert!(!h.fin && h.opcode == 0x2 && h.head == 10 && h.len == 65536);
        assert!(parse_header(&[0x81]).unwrap().is_none());
        assert!(parse_header(&[0x81, 126, 1]).unwrap().is_none());
    }

    #[test]
    fn bad_headers_are_errors() {
        assert!(parse_header(&[0x81, 0x85]).is_err(), "masked");
        assert!(parse_header(&[0xC1, 5]).is_err(), "reserved bits");
        assert!(
            parse_header(&[0x81, 127, 0xff, 0, 0, 0, 0, 0, 0, 0]).is_err(),
            "huge"
        );
    }

    /// A reader over a real loopback socket whose peer sends `bytes`.
    async fn reader_fed(bytes: &'static [u8]) -> FrameReader {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut peer, _) = listener.accept().await.unwrap();
            peer.write_all(bytes).await.unwrap();
        });
        let (rd, _wr) = TcpStream::connect(addr).await.unwrap().into_split();
        FrameReader::new(rd)
    }

    #[tokio::test]
    async fn fragments_are_joined_and_pings_between_them_come_out_first() {
        // "hel" (text, not final), a ping, "lo" (continuation, final), then "x" (text, final).
        let mut r = reader_fed(b"\x01\x03hel\x89\x00\x80\x02lo\x81\x01x").await;
        let mut got = Vec::new();
        while got.len() < 3 {
            while let Some((op, payload)) = r.next_buffered().unwrap() {
                got.push((op, payload.to_vec()));
            }
            if got.len() < 3 {
                assert!(r.fill().await.unwrap(), "the peer closed early");
            }
        }
        assert_eq!(
            got,
            vec![
                (OP_PING, vec![]),
                (OP_TEXT, b"hello".to_vec()),
                (OP_TEXT, b"x".to_vec())
            ]
        );
    }

    #[tokio::test]
    async fn a_continuation_without_a_message_is_an_error() {
        let mut r = reader_fed(b"\x80\x02lo").await;
        loop {
            match r.next_buffered() {
                Ok(None) => assert!(r.fill().await.unwrap(), "the peer closed early"),
                Ok(Some(_)) => panic!("a stray continuation was handed out"),
                Err(e) => {
                    assert!(e.to_string().contains("continuation"), "{e}");
                    break;
                }
            }
        }
    }
}
