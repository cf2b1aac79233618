//! The floor: the least any WebSocket server can do for a room broadcast on this machine.
//!
//! It speaks the `ws` dialect (`j:ROOM` joins, `s:ROOM:TEXT` broadcasts) with nothing else:
//! no contract, no validation, no queues, no async runtime. A broadcast's frame is encoded
//! once and written with one blocking `write()` per member, the members split evenly over
//! `threads` OS threads (the publishing connection's thread takes the first share). What is
//! left of its latency is the kernel's TCP work and the generator's own, so its row in the
//! report shows how close to the machine's limit each real server gets. It is a reference
//! point for the benchmarks, not a server to use: a slow member blocks its thread.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

#[derive(Debug, Clone, clap::Args)]
pub struct FloorOpts {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7072")]
    pub listen: String,
    /// Threads writing one broadcast (the machine's cores by default).
    #[arg(long)]
    pub threads: Option<usize>,
}

type Members = Arc<Vec<Arc<TcpStream>>>;
/// One share of a broadcast: the frame and the members `range` of the room's list.
type Job = (Arc<Vec<u8>>, Members, std::ops::Range<usize>);

struct Floor {
    rooms: Mutex<HashMap<String, Members>>,
    helpers: Vec<mpsc::Sender<Job>>,
}

pub fn run(o: &FloorOpts) -> Result<()> {
    let threads = o
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let listener =
        TcpListener::bind(&o.listen).with_context(|| format!("listening on {}", o.listen))?;
    println!("ready {} floor ({threads} threads)", o.listen);
    serve_on(listener, threads)
}

/// Accepts connections on `listener` for ever, a thread each.
fn serve_on(listener: TcpListener, threads: usize) -> Result<()> {
    let mut helpers = Vec::new();
    for _ in 1..threads {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("floor-fanout".into())
            .spawn(move || {
                for (frame, members, range) in rx {
                    write_each(&frame, &members[range]);
                }
            })
            .context("starting a fan-out thread")?;
        helpers.push(tx);
    }
    let floor = Arc::new(Floor {
        rooms: Mutex::new(HashMap::new()),
        helpers,
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let floor = floor.clone();
        let _ = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                let _ = serve(&floor, stream);
            });
    }
    Ok(())
}

fn write_each(frame: &[u8], members: &[Arc<TcpStream>]) {
    for m in members {
        // A member that went away is skipped; the floor does not track departures.
        let _ = (&**m).write_all(frame);
    }
}

fn serve(floor: &Floor, stream: TcpStream) -> Result<()> {
    stream.set_nodelay(true)?;
    let stream = Arc::new(stream);
    let mut reader = BufReader::new(&*stream);
    handshake(&mut reader, &stream)?;
    let mut mine: Vec<String> = Vec::new();
    while let Some(text) = read_text(&mut reader)? {
        if let Some(room) = text.strip_prefix("j:") {
            let mut rooms = floor.rooms.lock().unwrap_or_else(|e| e.into_inner());
            let list = rooms.entry(room.to_owned()).or_default();
            let mut next = Vec::clone(list);
            next.push(stream.clone());
            *list = Arc::new(next);
            drop(rooms);
            mine.push(room.to_owned());
            (&*stream).write_all(&text_frame(b"ok"))?;
        } else if let Some(rest) = text.strip_prefix("s:") {
            let Some((room, body)) = rest.split_once(':') else {
                continue;
            };
            let members = {
                let rooms = floor.rooms.lock().unwrap_or_else(|e| e.into_inner());
                match rooms.get(room) {
                    Some(m) => m.clone(),
                    None => continue,
                }
            };
            let frame = Arc::new(text_frame(body.as_bytes()));
            let shares = floor.helpers.len() + 1;
            let per = members.len().div_ceil(shares);
            for (k, tx) in floor.helpers.iter().enumerate() {
                let start = ((k + 1) * per).min(members.len());
                let end = ((k + 2) * per).min(members.len());
                if start < end {
                    let _ = tx.send((frame.clone(), members.clone(), start..end));
                }
            }
            write_each(&frame, &members[..per.min(members.len())]);
        }
    }
    // Leaving: drop this connection from its rooms.
    let mut rooms = floor.rooms.lock().unwrap_or_else(|e| e.into_inner());
    for room in mine {
        if let Some(list) = rooms.get_mut(&room) {
            let next: Vec<_> = list
                .iter()
                .filter(|m| !Arc::ptr_eq(m, &stream))
                .cloned()
                .collect();
            *list = Arc::new(next);
        }
    }
    Ok(())
}

/// Reads the upgrade request and answers 101.
fn handshake(reader: &mut BufReader<&TcpStream>, stream: &TcpStream) -> Result<()> {
    let mut key = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            anyhow::bail!("closed during the handshake");
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("sec-websocket-key") {
                key = Some(value.trim().to_owned());
            }
        }
    }
    let key = key.context("no Sec-WebSocket-Key")?;
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    (&*stream).write_all(answer.as_bytes())?;
    Ok(())
}

/// The next text message from a client (masked frames, unfragmented), `None` at close or EOF.
/// Other frames are skipped.
fn read_text(r: &mut impl Read) -> io::Result<Option<String>> {
    loop {
        let mut head = [0u8; 2];
        if let Err(e) = r.read_exact(&mut head) {
            return if e.kind() == io::ErrorKind::UnexpectedEof {
                Ok(None)
            } else {
                Err(e)
            };
        }
        let opcode = head[0] & 0x0f;
        let masked = head[1] & 0x80 != 0;
        let len = match head[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                r.read_exact(&mut b)?;
                u16::from_be_bytes(b) as usize
            }
            127 => {
                let mut b = [0u8; 8];
                r.read_exact(&mut b)?;
                usize::try_from(u64::from_be_bytes(b)).unwrap_or(usize::MAX)
            }
            n => n as usize,
        };
        if len > 1 << 20 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "frame too large",
            ));
        }
        let mut mask = [0u8; 4];
        if masked {
            r.read_exact(&mut mask)?;
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body)?;
        if masked {
            for (i, b) in body.iter_mut().enumerate() {
                *b ^= mask[i % 4];
            }
        }
        match opcode {
            0x1 => {
                return String::from_utf8(body)
                    .map(Some)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
            }
            0x8 => return Ok(None),
            _ => {}
        }
    }
}

/// A server text frame (unmasked, final).
fn text_frame(body: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(body.len() + 10);
    f.push(0x81);
    match body.len() {
        n if n < 126 => f.push(n as u8),
        n if n <= u16::MAX as usize => {
            f.push(126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(body);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rawws;

    #[tokio::test]
    async fn joins_and_broadcasts_to_every_member_from_every_share() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        // Three shares over five members: the publisher's thread and two helpers each write.
        std::thread::spawn(move || serve_on(listener, 3));
        let mut members = Vec::new();
        for _ in 0..5 {
            let (mut rd, mut wr) = rawws::connect(&addr, "/").await.unwrap();
            wr.text("j:r").await.unwrap();
            assert_eq!(rd.next_text().await.unwrap().as_deref(), Some("ok"));
            members.push((rd, wr));
        }
        members[0].1.text("s:r:hello").await.unwrap();
        members[0].1.text("s:nowhere:lost").await.unwrap();
        members[0].1.text("s:r:again").await.unwrap();
        for (rd, _) in &mut members {
            assert_eq!(rd.next_text().await.unwrap().as_deref(), Some("hello"));
            assert_eq!(rd.next_text().await.unwrap().as_deref(), Some("again"));
        }
    }

    #[test]
    fn frames_carry_every_length_form() {
        assert_eq!(text_frame(b"ok"), vec![0x81, 2, b'o', b'k']);
        assert_eq!(&text_frame(&[b'x'; 300])[..4], &[0x81, 126, 1, 44]);
        assert_eq!(&text_frame(&[b'x'; 70_000])[..2], &[0x81, 127]);
    }
}
