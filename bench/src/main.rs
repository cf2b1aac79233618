//! `switchboard-bench`: one load generator for Switchboard and its peers, plus the server side
//! of our benchmarks and the report.
//!
//! Layout:
//! - `proto`: the client dialects (super-line v1, Socket.IO over Engine.IO v4, plain `ws`).
//! - `rawws`: the lean WebSocket client under every generator socket.
//! - `fanout`: N members in a room, publishers at saturation or at a fixed rate.
//! - `idle`: memory per idle connection.
//! - `churn`: connect, join, disconnect, as fast as possible.
//! - `serve`: the server we benchmark (the demo, in release).
//! - `recorder`: the capture recorder's sustained insert rate.
//! - `tail`: a console attached to the server's inspector, reading everything.
//! - `proxy`: the console's recording proxy (proxy mode) in front of a server.
//! - `hist`, `procstat`: latency histograms, CPU and memory readings.
//! - `report`: results (JSON lines) -> Markdown tables and target checks.
//!
//! Each measuring command appends one JSON line to `--out`; `bench/run.sh` runs them all.

mod churn;
mod fanout;
mod floor;
mod hist;
mod idle;
mod procstat;
mod proto;
mod proxy;
mod rawws;
mod recorder;
mod report;
mod serve;
mod tail;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde::Serialize;

use proto::Dialect;

#[derive(Parser, Debug)]
#[command(
    name = "switchboard-bench",
    about = "Switchboard benchmarks: load generator, bench server, report"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What every measuring command shares.
#[derive(clap::Args, Debug, Clone)]
struct Target {
    /// Protocol of the server under test.
    #[arg(long, value_enum)]
    dialect: Dialect,
    /// Server address (host:port); repeat for several nodes (members are spread over them).
    #[arg(long = "addr", required = true)]
    addrs: Vec<String>,
    /// Room every member joins.
    #[arg(long, default_value = "bench")]
    room: String,
    /// Server process ids whose CPU time and memory are reported; repeat for several.
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// Benchmark id, grouping rows in the report (e.g. `fanout-1k`).
    #[arg(long)]
    bench: String,
    /// Human title of the benchmark, shown above its table.
    #[arg(long)]
    title: Option<String>,
    /// Label of the server in the report (e.g. `switchboard`, `switchboard+rec`, `socketio`).
    #[arg(long)]
    server: String,
    /// Append the result as one JSON line to this file (stdout when absent).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Simultaneous connection attempts while members connect.
    #[arg(long, default_value_t = 64)]
    connect_concurrency: usize,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run our server (the demo contract) for the benchmarks.
    Serve(serve::ServeOpts),
    /// A console attached to a server's inspector, reading everything until SIGTERM.
    Tail(tail::TailOpts),
    /// The console's recording proxy in front of a server, until SIGTERM.
    Proxy(proxy::ProxyOpts),
    /// The floor: a bare `ws`-dialect server, one blocking write per member from every core.
    Floor(floor::FloorOpts),
    /// Fan-out to one room, at saturation (`--window`) or at a fixed rate (`--rate`).
    Fanout {
        #[command(flatten)]
        target: Target,
        /// Members in the room, publishers included.
        #[arg(long, default_value_t = 1000)]
        members: usize,
        /// Members that also publish.
        #[arg(long, default_value_t = 1)]
        publishers: usize,
        /// Closed loop: broadcasts per publisher not yet received by every member.
        #[arg(long, conflicts_with = "rate")]
        window: Option<usize>,
        /// Open loop: deliveries per second offered (broadcasts/s times members).
        #[arg(long)]
        rate: Option<f64>,
        /// Seconds before measuring starts.
        #[arg(long, default_value_t = 2.0)]
        warmup: f64,
        /// Seconds measured.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// After publishing stops, how long in seconds to wait for the last broadcasts without
        /// any progress before counting what is missing as lost.
        #[arg(long, default_value_t = 3.0)]
        drain: f64,
        /// Characters of text per broadcast (the stamp, padded).
        #[arg(long, default_value_t = 32)]
        size: usize,
        /// Parse every received frame fully (slower; checks the framing of every message).
        #[arg(long)]
        verify: bool,
    },
    /// Memory per idle connection.
    Idle {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 10_000)]
        conns: usize,
        /// Seconds to wait after connecting before reading memory.
        #[arg(long, default_value_t = 3.0)]
        settle: f64,
    },
    /// Connection churn: connect, join, disconnect, repeatedly.
    Churn {
        #[command(flatten)]
        target: Target,
        /// Clients looping at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
    },
    /// The recorder's sustained insert rate (rows/s into SQLite).
    Recorder {
        /// Tap events to record.
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// Directory for the temporary capture file.
        #[arg(long, default_value = "/tmp")]
        dir: PathBuf,
        /// Append the result as one JSON line to this file (stdout when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Markdown tables and target checks from a results file.
    Report {
        /// The JSON-lines results written by the other commands.
        results: PathBuf,
    },
    /// Wait until a TCP port accepts connections (for scripts).
    Wait {
        addr: String,
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
    },
}

/// One line of the results file.
#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    bench: &'a str,
    title: Option<&'a str>,
    server: &'a str,
    dialect: Option<Dialect>,
    kind: &'a str,
    unix_time: u64,
    #[serde(flatten)]
    result: &'a T,
}

fn emit<T: Serialize>(t: &Target, kind: &str, result: &T) -> Result<()> {
    let line = Line {
        bench: &t.bench,
        title: t.title.as_deref(),
        server: &t.server,
        dialect: Some(t.dialect),
        kind,
        unix_time: unix_now(),
        result,
    };
    write_line(&line, t.out.as_ref())
}

fn write_line<T: Serialize>(line: &T, out: Option<&PathBuf>) -> Result<()> {
    let text = serde_json::to_string(line)?;
    match out {
        Some(path) => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?;
            writeln!(f, "{text}")?;
        }
        None => println!("{text}"),
    }
    Ok(())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(o) => serve::run(&o).await,
        Command::Tail(o) => tail::run(&o).await,
        Command::Proxy(o) => proxy::run(&o).await,
        // Plain threads and blocking sockets: nothing of the runtime is used.
        Command::Floor(o) => tokio::task::spawn_blocking(move || floor::run(&o)).await?,
        Command::Fanout {
            target,
            members,
            publishers,
            window,
            rate,
            warmup,
            duration,
            drain,
            size,
            verify,
        } => {
            let load = match rate {
                Some(deliveries_per_s) => fanout::Load::Rate { deliveries_per_s },
                None => fanout::Load::Saturate {
                    window: window.unwrap_or(8),
                },
            };
            let o = fanout::FanoutOpts {
                dialect: target.dialect,
                addrs: target.addrs.clone(),
                room: target.room.clone(),
                members,
                publishers,
                load,
                warmup: secs(warmup),
                duration: secs(duration),
                drain: secs(drain),
                size,
                connect_concurrency: target.connect_concurrency,
                server_pids: target.server_pids.clone(),
                verify,
            };
            let r = fanout::run(&o).await?;
            eprintln!(
                "  {} {}: {:.0} deliveries/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, lost {}/{}, cpu/delivery gen {:.2}us server {:.2}us",
                target.bench, target.server, r.deliveries_per_s, r.latency.p50_ms, r.latency.p99_ms,
                r.latency.p999_ms, r.lost, r.expected, r.generator_us_per_delivery, r.server_us_per_delivery
            );
            emit(&target, "fanout", &r)
        }
        Command::Idle {
            target,
            conns,
            settle,
        } => {
            let o = idle::IdleOpts {
                dialect: target.dialect,
                addrs: target.addrs.clone(),
                room: target.room.clone(),
                conns,
                connect_concurrency: target.connect_concurrency,
                server_pids: target.server_pids.clone(),
                settle: secs(settle),
            };
            let r = idle::run(&o).await?;
            eprintln!(
                "  {} {}: {} connections, {:.1} KiB each",
                target.bench, target.server, r.connections, r.kib_per_conn
            );
            emit(&target, "idle", &r)
        }
        Command::Churn {
            target,
            concurrency,
            duration,
        } => {
            let o = churn::ChurnOpts {
                dialect: target.dialect,
                addrs: target.addrs.clone(),
                room: target.room.clone(),
                concurrency,
                duration: secs(duration),
                server_pids: target.server_pids.clone(),
            };
            let r = churn::run(&o).await?;
            eprintln!(
                "  {} {}: {:.0} cycles/s, p99 {:.2} ms, errors {}",
                target.bench, target.server, r.cycles_per_s, r.latency.p99_ms, r.errors
            );
            emit(&target, "churn", &r)
        }
        Command::Recorder { events, dir, out } => {
            let o = recorder::RecorderOpts { events, dir };
            // SQLite work is blocking: keep it off the runtime's workers.
            let r = tokio::task::spawn_blocking(move || recorder::run(&o)).await??;
            eprintln!(
                "  recorder: {} rows in {:.2}s = {:.0} rows/s ({:.0} per writer CPU-second), dropped {}",
                r.rows_written,
                r.seconds,
                r.rows_per_s,
                r.rows_per_writer_cpu_s.unwrap_or(f64::NAN),
                r.dropped
            );
            let line = Line {
                bench: "recorder",
                title: Some("Recorder: sustained insert rate"),
                server: "recorder",
                dialect: None,
                kind: "recorder",
                unix_time: unix_now(),
                result: &r,
            };
            write_line(&line, out.as_ref())
        }
        Command::Report { results } => {
            let text = std::fs::read_to_string(&results)
                .with_context(|| format!("reading {}", results.display()))?;
            print!("{}", report::render(&text)?);
            Ok(())
        }
        Command::Wait { addr, timeout } => {
            let until = std::time::Instant::now() + secs(timeout);
            loop {
                if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                    return Ok(());
                }
                if std::time::Instant::now() >= until {
                    anyhow::bail!("{addr} did not accept connections within {timeout}s");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
