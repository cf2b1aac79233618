//! Fan-out: `members` sockets in one room, the first `publishers` of them also publishing.
//! Every member, publishers included, must receive every message.
//!
//! Two ways to load the server:
//! - **saturate** (closed loop): each publisher keeps at most `window` broadcasts in flight,
//!   where "in flight" means *not yet received by every member*. The server is never handed
//!   more than it can deliver, so the figure is its delivery rate, not the size of a queue,
//!   and no server is punished for acknowledging before it delivers.
//! - **rate** (open loop): broadcasts leave on a fixed schedule whatever happens, each stamped
//!   with the time it was *meant* to leave, so latency includes any time the publisher or the
//!   server fell behind (no coordinated omission).
//!
//! Deliveries per second count receipts between the end of the warm-up and the end of the run;
//! latencies are taken for broadcasts sent in that window; loss is counted over every broadcast
//! after a drain period.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;

use crate::hist::{Local, Percentiles, Shards};
use crate::procstat::{CpuMeter, CpuUse};
use crate::proto::{connect_member, Dialect, Socket, Stamp};
use crate::rawws::{FrameReader, FrameWriter, OP_CLOSE, OP_PING, OP_TEXT};

/// How the publishers load the server.
#[derive(Debug, Clone, Copy)]
pub enum Load {
    /// Closed loop with this many broadcasts per publisher not yet received by everyone.
    Saturate { window: usize },
    /// Open loop at this many deliveries per second (broadcasts/s times members).
    Rate { deliveries_per_s: f64 },
}

#[derive(Debug, Clone)]
pub struct FanoutOpts {
    pub dialect: Dialect,
    /// Server addresses; members are spread over them in turn, publishers first.
    pub addrs: Vec<String>,
    pub room: String,
    pub members: usize,
    pub publishers: usize,
    pub load: Load,
    pub warmup: Duration,
    pub duration: Duration,
    /// After publishing stops, how long the last broadcasts may make no progress before what
    /// is missing counts as lost.
    pub drain: Duration,
    /// Length of the text carried by each broadcast.
    pub size: usize,
    pub connect_concurrency: usize,
    pub server_pids: Vec<u32>,
    pub verify: bool,
}

/// One fan-out run, as written to the results file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FanoutResult {
    pub members: usize,
    pub publishers: usize,
    pub nodes: usize,
    pub mode: &'static str,
    pub window: Option<usize>,
    pub offered_per_s: Option<f64>,
    pub measured_s: f64,
    pub published: u64,
    pub deliveries_per_s: f64,
    pub broadcasts_per_s: f64,
    pub latency: Percentiles,
    pub expected: u64,
    pub received: u64,
    pub lost: u64,
    pub loss_ratio: f64,
    pub duplicates: u64,
    pub errors: u64,
    pub disconnects: u64,
    pub cpu: CpuUse,
    /// Server CPU per delivery in the measured window, in microseconds: steadier than the
    /// throughput when the machine is shared.
    pub server_us_per_delivery: f64,
    pub generator_us_per_delivery: f64,
    pub connect_s: f64,
}

type Sink = Arc<Mutex<FrameWriter>>;

/// State every member and publisher task shares.
struct Run {
    dialect: Dialect,
    epoch: Instant,
    /// Receipts per sequence number.
    counts: Vec<AtomicU32>,
    /// Which sequence numbers were actually sent.
    published: Vec<AtomicBool>,
    members: u32,
    /// Closed loop only: a permit per broadcast that may still be sent.
    window: Option<Semaphore>,
    hist: Shards,
    duplicates: AtomicU64,
    errors: AtomicU64,
    disconnects: AtomicU64,
    verify: bool,
}

impl Run {
    fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    fn receipt(&self, stamp: Stamp, local: &mut Local<'_>) {
        let Some(count) = self.counts.get(stamp.seq as usize) else {
            self.errors.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if stamp.measured {
            local.record(self.now_us().saturating_sub(stamp.sent_us));
        }
        let n = count.fetch_add(1, Ordering::Relaxed) + 1;
        if n == self.members {
            if let Some(w) = &self.window {
                w.add_permits(1);
            }
        } else if n > self.members {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn received_total(&self) -> u64 {
        self.counts
            .iter()
            .map(|c| u64::from(c.load(Ordering::Relaxed)))
            .sum()
    }

    /// (published, expected receipts, receipts of published messages up to one per member)
    fn tally(&self) -> (u64, u64, u64) {
        let mut published = 0;
        let mut received = 0;
        for (c, p) in self.counts.iter().zip(&self.published) {
            if p.load(Ordering::Relaxed) {
                published += 1;
                received += u64::from(c.load(Ordering::Relaxed).min(self.members));
            }
        }
        (published, published * u64::from(self.members), received)
    }
}

/// Connect `n` members with bounded concurrency; index k goes to `addrs[k % addrs.len()]`.
pub async fn connect_many(
    dialect: Dialect,
    addrs: &[String],
    room: &str,
    n: usize,
    concurrency: usize,
    prefix: &str,
) -> Result<Vec<Socket>> {
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut set = JoinSet::new();
    for k in 0..n {
        let addr = addrs[k % addrs.len()].clone();
        let room = room.to_owned();
        let name = format!("{prefix}{k}");
        let limit = limit.clone();
        set.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (k, connect_member(dialect, &addr, &name, &room).await)
        });
    }
    let mut sockets: Vec<Option<Socket>> = (0..n).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let (k, socket) = joined?;
        match socket {
            Ok(s) => sockets[k] = Some(s),
            Err(e) => {
                set.abort_all();
                return Err(e.context(format!("member {k}")));
            }
        }
    }
    Ok(sockets.into_iter().flatten().collect())
}

pub async fn run(o: &FanoutOpts) -> Result<FanoutResult> {
    if o.members == 0 || o.publishers == 0 || o.publishers > o.members {
        bail!("need 1 <= publishers <= members");
    }
    let connect_started = Instant::now();
    let sockets = connect_many(
        o.dialect,
        &o.addrs,
        &o.room,
        o.members,
        o.connect_concurrency,
        "m",
    )
    .await?;
    let connect_s = connect_started.elapsed().as_secs_f64();
    eprintln!(
        "  {} members connected and joined in {connect_s:.1}s",
        o.members
    );
    // Let the servers settle (Socket.IO finishes joins on the next tick, for instance).
    tokio::time::sleep(Duration::from_millis(300)).await;

    let total = o.warmup + o.duration;
    let capacity = match o.load {
        // Generous: 4M deliveries/s is beyond any server on this machine.
        Load::Saturate { .. } => (4e6 * total.as_secs_f64() / o.members as f64) as usize + 4096,
        Load::Rate { deliveries_per_s } => {
            (deliveries_per_s / o.members as f64 * total.as_secs_f64()) as usize + o.publishers + 16
        }
    }
    .min(32 << 20);
    let window = match o.load {
        Load::Saturate { window } => Some(Semaphore::new(window.max(1) * o.publishers)),
        Load::Rate { .. } => None,
    };
    let run = Arc::new(Run {
        dialect: o.dialect,
        epoch: Instant::now(),
        counts: (0..capacity).map(|_| AtomicU32::new(0)).collect(),
        published: (0..capacity).map(|_| AtomicBool::new(false)).collect(),
        members: o.members as u32,
        window,
        hist: Shards::default(),
        duplicates: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        disconnects: AtomicU64::new(0),
        verify: o.verify,
    });

    let mut members = JoinSet::new();
    let mut sinks: Vec<Sink> = Vec::with_capacity(o.publishers);
    for (id, socket) in sockets.into_iter().enumerate() {
        let Socket { reader, writer } = socket;
        let sink = Arc::new(Mutex::new(writer));
        if id < o.publishers {
            sinks.push(sink.clone());
        }
        members.spawn(member_loop(id, run.clone(), reader, sink));
    }

    let start = Instant::now();
    let t_warm = start + o.warmup;
    let t_end = t_warm + o.duration;
    let next_seq = Arc::new(AtomicU64::new(0));
    let mut publishers = JoinSet::new();
    for (p, sink) in sinks.into_iter().enumerate() {
        let run = run.clone();
        let o = o.clone();
        let next_seq = next_seq.clone();
        publishers.spawn(async move {
            publish_loop(&run, &o, p, sink, start, t_warm, t_end, &next_seq).await
        });
    }

    tokio::time::sleep_until(t_warm.into()).await;
    let cpu = CpuMeter::start(&o.server_pids);
    let received_at_warm = run.received_total();
    tokio::time::sleep_until(t_end.into()).await;
    let received_at_end = run.received_total();
    let cpu = cpu.stop();
    let measured_s = t_end.duration_since(t_warm).as_secs_f64();

    while let Some(done) = publishers.join_next().await {
        done??;
    }
    // Drain: wait until every member has every broadcast. A slow server may still be working
    // through its queues, so only a drain that has made no progress for `o.drain` (or a
    // minute in all) gives up and counts the rest as lost.
    let give_up = Instant::now() + Duration::from_secs(60).max(o.drain);
    let mut last = (0, Instant::now());
    loop {
        let (_, expected, received) = run.tally();
        if received >= expected || Instant::now() >= give_up {
            break;
        }
        if received > last.0 {
            last = (received, Instant::now());
        } else if last.1.elapsed() >= o.drain {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    members.abort_all();
    while members.join_next().await.is_some() {}

    let (published, expected, received) = run.tally();
    let measured_broadcasts = {
        // Broadcasts stamped "measured" that someone received: a close estimate of what was
        // published in the window, only used for the broadcasts/s column.
        (received_at_end - received_at_warm) as f64 / o.members as f64
    };
    let lost = expected - received;
    let window_deliveries = (received_at_end - received_at_warm).max(1) as f64;
    Ok(FanoutResult {
        members: o.members,
        publishers: o.publishers,
        nodes: o.addrs.len(),
        mode: match o.load {
            Load::Saturate { .. } => "saturate",
            Load::Rate { .. } => "rate",
        },
        window: match o.load {
            Load::Saturate { window } => Some(window),
            Load::Rate { .. } => None,
        },
        offered_per_s: match o.load {
            Load::Saturate { .. } => None,
            Load::Rate { deliveries_per_s } => Some(deliveries_per_s),
        },
        measured_s,
        published,
        deliveries_per_s: (received_at_end - received_at_warm) as f64 / measured_s,
        broadcasts_per_s: measured_broadcasts / measured_s,
        latency: Percentiles::of(&run.hist.merged()),
        expected,
        received,
        lost,
        loss_ratio: if expected == 0 {
            0.0
        } else {
            lost as f64 / expected as f64
        },
        duplicates: run.duplicates.load(Ordering::Relaxed),
        errors: run.errors.load(Ordering::Relaxed),
        disconnects: run.disconnects.load(Ordering::Relaxed),
        cpu,
        server_us_per_delivery: cpu.server_s * 1e6 / window_deliveries,
        generator_us_per_delivery: cpu.generator_s * 1e6 / window_deliveries,
        connect_s,
    })
}

/// One member: count and time every stamped message, answer heartbeats. Runs until aborted;
/// its latency buffer is flushed when the task is dropped. Each wake reads what the kernel
/// has and handles every complete frame in it before reading again.
async fn member_loop(id: usize, run: Arc<Run>, mut reader: FrameReader, sink: Sink) -> Result<()> {
    let mut local = run.hist.local(id);
    let dialect = run.dialect;
    'read: loop {
        while let Some((opcode, payload)) = reader.next_buffered()? {
            match opcode {
                OP_TEXT => {
                    if let Some(stamp) = Stamp::find_bytes(payload) {
                        run.receipt(stamp, &mut local);
                        if run.verify && !verified(dialect, payload) {
                            run.errors.fetch_add(1, Ordering::Relaxed);
                        }
                    } else if let Some(reply) = dialect.heartbeat_reply(payload) {
                        sink.lock().await.text(&reply).await?;
                    } else if (run.verify && !verified(dialect, payload))
                        || payload.starts_with(br#"{"t":"err""#)
                    {
                        run.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                OP_PING => {
                    let payload = payload.to_vec();
                    sink.lock().await.pong(&payload).await?;
                }
                OP_CLOSE => break 'read,
                _ => {}
            }
        }
        match reader.fill().await {
            Ok(true) => {}
            Ok(false) | Err(_) => break,
        }
    }
    run.disconnects.fetch_add(1, Ordering::Relaxed);
    // Stay parked until aborted, so the latency buffer is flushed only once, on drop.
    std::future::pending::<()>().await;
    Ok(())
}

/// `--verify`: the full parse of a received frame.
fn verified(dialect: Dialect, payload: &[u8]) -> bool {
    std::str::from_utf8(payload).is_ok_and(|text| dialect.verify(text).is_ok())
}

#[allow(clippy::too_many_arguments)]
async fn publish_loop(
    run: &Run,
    o: &FanoutOpts,
    p: usize,
    sink: Sink,
    start: Instant,
    t_warm: Instant,
    t_end: Instant,
    next_seq: &AtomicU64,
) -> Result<()> {
    // Request ids: the join used 1.
    let mut i = 1u64;
    let mut ticks = match o.load {
        Load::Rate { deliveries_per_s } => Some(Clock::start(
            deliveries_per_s / o.members as f64,
            o.publishers as u64,
            p as u64,
            start,
            t_end,
        )),
        Load::Saturate { .. } => None,
    };
    loop {
        let (seq, at) = match (o.load, &run.window, ticks.as_mut()) {
            (Load::Saturate { .. }, Some(window), _) => {
                match tokio::time::timeout_at(t_end.into(), window.acquire()).await {
                    Ok(Ok(permit)) => permit.forget(),
                    // Past the end, or the window is stuck on lost messages: stop.
                    _ => break,
                }
                let now = Instant::now();
                if now >= t_end {
                    break;
                }
                (next_seq.fetch_add(1, Ordering::Relaxed), now)
            }
            (Load::Rate { .. }, _, Some(clock)) => match clock.rx.recv().await {
                Some(tick) => tick,
                None => break,
            },
            _ => bail!("publisher without a window or a clock"),
        };
        let Some(flag) = run.published.get(seq as usize) else {
            break;
        };
        flag.store(true, Ordering::Relaxed);
        let stamp = Stamp {
            seq,
            sent_us: at.duration_since(run.epoch).as_micros() as u64,
            measured: at >= t_warm,
        };
        i += 1;
        let frame = o.dialect.publish_frame(i, &o.room, &stamp.text(o.size));
        sink.lock().await.text(&frame).await?;
    }
    Ok(())
}

/// The open-loop schedule, kept by an OS thread: tokio's timer has a 1 ms granularity, which
/// would add up to a millisecond to every measured latency (stamps carry the intended time),
/// while a sleeping thread wakes within tens of microseconds. Each tick is handed to the async
/// publisher, which sends at once.
struct Clock {
    rx: tokio::sync::mpsc::Receiver<(u64, Instant)>,
}

impl Clock {
    /// Publisher `p` of `publishers` sends sequence numbers p, p + publishers, ... at
    /// `start + seq / per_s` until `end`.
    fn start(per_s: f64, publishers: u64, p: u64, start: Instant, end: Instant) -> Clock {
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        let spawned = std::thread::Builder::new()
            .name(format!("bench-clock-{p}"))
            .spawn(move || {
                let mut k = 0u64;
                loop {
                    let seq = k * publishers + p;
                    let at = start + Duration::from_secs_f64(seq as f64 / per_s);
                    if at >= end {
                        return;
                    }
                    let now = Instant::now();
                    if at > now {
                        std::thread::sleep(at - now);
                    }
                    if tx.blocking_send((seq, at)).is_err() {
                        return;
                    }
                    k += 1;
                }
            });
        if let Err(e) = spawned {
            // Without the thread the channel closes at once and the publisher stops; say why.
            eprintln!("cannot start the publisher's clock thread: {e}");
        }
        Clock { rx }
    }
}
