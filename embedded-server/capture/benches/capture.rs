//! Recorder benchmark: sustained rows per second for 1M rows through the real `Recorder` (tap,
//! queue, writer thread, SQLite), then query latencies on that 1M-row file, then export and
//! import throughput.
//!
//! ```text
//! cargo bench -p switchboard-server --bench capture            # 1M rows
//! CAPTURE_BENCH_ROWS=200000 cargo bench -p switchboard-server --bench capture
//! ```
//! Results and the machine they were taken on: docs/benchmarks.md.

#[path = "../tests/capture/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use switchboard_capture::{
    export, import, CaptureReader, Cursor, ExportFormat, ExportOptions, Filter, Recorder,
};
use switchboard_server::tap::{Origin, Tap, TapEvent, TapKind};

fn main() {
    let rows: u64 = std::env::var("CAPTURE_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    println!("# capture benchmark: {rows} rows, file {}", path.display());
    println!(
        "size_of::<TapEvent>() = {} bytes",
        std::mem::size_of::<TapEvent>()
    );

    // 1. Sustained insert rate through the recorder.
    let mut cfg = support::config(&path);
    cfg.batch_window = Duration::from_millis(200);
    let capacity = cfg.queue_capacity as u64;
    let rec = Recorder::open(cfg).expect("open recorder");
    // The server encodes each frame once for the wire and the tap shares those bytes, so the
    // producer here reuses 4096 pre-built events (a clone is a few reference-count increments):
    // what is measured is the recorder, not the cost of building frames.
    let templates: Vec<TapEvent> = (0..4096).map(support::synthetic).collect();
    let mut observe_time = Duration::ZERO;
    let mut samples: Vec<Duration> = Vec::with_capacity((rows / 16) as usize + 1);
    let start = Instant::now();
    for i in 0..rows {
        let mut e = templates[(i % 4096) as usize].clone();
        e.at_us = 1_700_000_000_000_000 + i as i64 * 100; // 10k rows/s of capture time
        let t = Instant::now();
        rec.observe(&e);
        let took = t.elapsed();
        observe_time += took;
        if i % 16 == 0 {
            samples.push(took);
        }
        // Keep the producer just behind the writer so the figure is the writer's throughput,
        // not a count of drops.
        if i % 1024 == 0 {
            while rec.stats().queue_depth > capacity - 4096 {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
    rec.flush().expect("flush");
    let elapsed = start.elapsed();
    let writer_cpu = thread_cpu("switchboard-recorder");
    let st = rec.stats();
    drop(rec);
    println!(
        "insert: {} rows in {:.2} s = {:.0} rows/s (dropped {}, write errors {}); observe() mean {:.0} ns; file {:.1} MiB",
        st.rows_written,
        elapsed.as_secs_f64(),
        st.rows_written as f64 / elapsed.as_secs_f64(),
        st.dropped,
        st.write_errors,
        observe_time.as_nanos() as f64 / rows as f64,
        st.file_bytes as f64 / 1048576.0
    );
    samples.sort();
    let pct = |p: usize| {
        samples
            .get(samples.len() * p / 100)
            .copied()
            .unwrap_or_default()
            .as_nanos()
    };
    println!(
        "observe() on the producer thread: p50 {} ns, p99 {} ns (sampled 1 in 16)",
        pct(50),
        pct(99)
    );
    if let Some(cpu) = writer_cpu {
        println!(
            "writer thread CPU: {cpu:.2} s = {:.0} rows per CPU-second (what the writer sustains with a core to itself)",
            st.rows_written as f64 / cpu
        );
    }

    if std::env::var_os("CAPTURE_BENCH_INSERT_ONLY").is_some() {
        return;
    }
    // 2. Query latencies on the file just written.
    let r = CaptureReader::open(&path).expect("open reader");
    let mid_seq = (rows / 2) as i64;
    let mid_us = 1_700_000_000_000_000 + (rows as i64 / 2) * 100;
    let f = Filter::default;
    let cases: Vec<(&str, Case)> = vec![
        (
            "newest page (100), no filter",
            Box::new(|| r.query(&f(), Cursor::End, 100).unwrap().rows.len()),
        ),
        (
            "page before the middle (100)",
            Box::new(|| {
                r.query(&f(), Cursor::Before(mid_seq), 100)
                    .unwrap()
                    .rows
                    .len()
            }),
        ),
        (
            "newest page, kind = emit",
            Box::new(|| {
                r.query(
                    &Filter {
                        kinds: vec![TapKind::Emit],
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "newest page, 2 kinds",
            Box::new(|| {
                r.query(
                    &Filter {
                        kinds: vec![TapKind::Emit, TapKind::RequestIn],
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "newest page, rare kind (none match)",
            Box::new(|| {
                r.query(
                    &Filter {
                        kinds: vec![TapKind::Disconnect],
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "newest page, room",
            Box::new(|| {
                r.query(
                    &Filter {
                        rooms: vec!["room-4".into()],
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "newest page, conn",
            Box::new(|| {
                r.query(
                    &Filter {
                        conns: vec!["c7".into()],
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "newest page, topic",
            Box::new(|| {
                r.query(
                    &Filter {
                        topics: vec!["topic-6".into()],
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "newest page, user",
            Box::new(|| {
                r.query(
                    &Filter {
                        users: vec!["u9".into()],
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "newest page, name = say",
            Box::new(|| {
                r.query(
                    &Filter {
                        names: vec!["say".into()],
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "newest page, origin = manual",
            Box::new(|| {
                r.query(
                    &Filter {
                        origins: vec![Origin::Manual],
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "1 s time window in the middle",
            Box::new(|| {
                r.query(
                    &Filter {
                        since_us: Some(mid_us),
                        until_us: Some(mid_us + 1_000_000),
                        ..f()
                    },
                    Cursor::Start,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "text, frequent match",
            Box::new(|| {
                r.query(
                    &Filter {
                        text: Some("ROOM-7".into()),
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "text, no match (scans every row)",
            Box::new(|| {
                r.query(
                    &Filter {
                        text: Some("no such text".into()),
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "kind + conn + text",
            Box::new(|| {
                r.query(
                    &Filter {
                        kinds: vec![TapKind::Emit],
                        conns: vec!["c9".into()],
                        text: Some("room-9".into()),
                        ..f()
                    },
                    Cursor::End,
                    100,
                )
                .unwrap()
                .rows
                .len()
            }),
        ),
        (
            "get(seq)",
            Box::new(|| r.get(mid_seq).unwrap().map_or(0, |_| 1)),
        ),
        (
            "count, no filter",
            Box::new(|| r.count(&f()).unwrap() as usize),
        ),
        (
            "count, kind = emit",
            Box::new(|| {
                r.count(&Filter {
                    kinds: vec![TapKind::Emit],
                    ..f()
                })
                .unwrap() as usize
            }),
        ),
        (
            "counts_by_kind, all rows",
            Box::new(|| r.counts_by_kind(&f()).unwrap().len()),
        ),
        (
            "rate per second, all rows",
            Box::new(|| r.rate(&f(), Duration::from_secs(1)).unwrap().len()),
        ),
        (
            "rate per second, 10 s window",
            Box::new(|| {
                r.rate(
                    &Filter {
                        since_us: Some(mid_us),
                        until_us: Some(mid_us + 10_000_000),
                        ..f()
                    },
                    Duration::from_secs(1),
                )
                .unwrap()
                .len()
            }),
        ),
    ];
    println!("\n| query on {rows} rows | median | max | rows returned |");
    println!("|---|---|---|---|");
    for (name, run) in &cases {
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..7 {
            let t = Instant::now();
            n = run();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "| {name} | {} | {} | {n} |",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }

    // 3. Export and import throughput (default redaction on: every payload is parsed).
    if std::env::var_os("CAPTURE_BENCH_INSERT_ONLY").is_some() {
        return;
    }
    for format in [ExportFormat::Jsonl, ExportFormat::Sqlite] {
        let out = dir.path().join(format!("export.{format:?}"));
        let t = Instant::now();
        let n = export(&r, format, &out, &ExportOptions::default(), &mut |_| {}).expect("export");
        let el = t.elapsed();
        println!(
            "\nexport {format:?}: {n} rows in {:.2} s = {:.0} rows/s ({:.1} MiB)",
            el.as_secs_f64(),
            n as f64 / el.as_secs_f64(),
            std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0
        );
        let target = dir.path().join(format!("import-{format:?}.db"));
        let t = Instant::now();
        let s = import(&target, &out, &mut |_, _| {}).expect("import");
        let el = t.elapsed();
        println!(
            "import {format:?}: {} rows in {:.2} s = {:.0} rows/s",
            s.rows,
            el.as_secs_f64(),
            s.rows as f64 / el.as_secs_f64()
        );
    }
}

/// CPU seconds used so far by this process's thread named `name` (Linux; `None` elsewhere).
fn thread_cpu(name: &str) -> Option<f64> {
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !name.starts_with(comm.trim()) || comm.trim().is_empty() {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
        let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split_whitespace().collect();
        let ticks: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        return Some(ticks / 100.0);
    }
    None
}

/// One timed query; returns how many rows (or buckets) it produced.
type Case<'a> = Box<dyn Fn() -> usize + 'a>;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
