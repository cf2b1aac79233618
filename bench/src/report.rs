//! The report: results (one JSON object per line) -> one Markdown table per benchmark, with
//! every peer's figure beside ours and the ratio, then the targets, met or missed.
//!
//! Ratios always read "how many times better ours is": throughput is ours / theirs, latency
//! and memory are theirs / ours. Ours is the row labelled `switchboard` in the same benchmark.
//! The report states facts; it never fails on a missed target (CI runs it on tiny sizes).

use std::collections::BTreeMap;
use std::fmt::Write;

use anyhow::{Context, Result};
use serde_json::Value;

const OURS: &str = "switchboard";
const OURS_REC: &str = "switchboard+rec";
const OURS_CONSOLE: &str = "switchboard+console";
/// Our server with the console's recording proxy in front of it (`switchboard-bench proxy`).
const OURS_PROXY: &str = "switchboard+proxy";
/// The bare reference server (`switchboard-bench floor`): the least latency this machine allows.
const FLOOR: &str = "floor";

struct Row {
    bench: String,
    server: String,
    kind: String,
    v: Value,
}

impl Row {
    fn num(&self, path: &[&str]) -> Option<f64> {
        let mut v = &self.v;
        for p in path {
            v = v.get(p)?;
        }
        v.as_f64()
    }
    fn n(&self, path: &[&str]) -> f64 {
        self.num(path).unwrap_or(f64::NAN)
    }
}

fn parse(text: &str) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).with_context(|| format!("results line {}", k + 1))?;
        let s = |key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        rows.push(Row {
            bench: s("bench"),
            server: s("server"),
            kind: s("kind"),
            v: v.clone(),
        });
    }
    Ok(rows)
}

fn fmt_rate(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    if x >= 10_000.0 {
        format!("{:.0}k", x / 1000.0)
    } else if x >= 1000.0 {
        format!("{:.1}k", x / 1000.0)
    } else {
        format!("{x:.0}")
    }
}

fn fmt_ms(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        "-".into()
    } else if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1}")
    }
}

fn fmt_ratio(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}x")
    } else {
        "-".into()
    }
}

fn lost(r: &Row) -> String {
    let lost = r.n(&["lost"]);
    let expected = r.n(&["expected"]);
    if lost == 0.0 {
        "0".into()
    } else {
        format!("{lost:.0} of {expected:.0}")
    }
}

fn is_saturation(r: &Row) -> bool {
    r.kind == "fanout" && r.v.get("mode").and_then(Value::as_str) == Some("saturate")
}

fn is_rate(r: &Row) -> bool {
    r.kind == "fanout" && r.v.get("mode").and_then(Value::as_str) == Some("rate")
}

/// One row per (bench, server), benches in first-seen order: for saturation runs the window
/// that delivered most (that server's saturation point), for fixed-rate runs repeated in
/// rotation the median run by p99, otherwise the latest run.
fn latest(rows: &[Row]) -> Vec<(String, Vec<&Row>)> {
    let mut order: Vec<String> = Vec::new();
    let mut by: BTreeMap<(String, String), &Row> = BTreeMap::new();
    let mut rate_runs: BTreeMap<(String, String), Vec<&Row>> = BTreeMap::new();
    let mut servers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.kind != "recstats") {
        if !order.contains(&r.bench) {
            order.push(r.bench.clone());
        }
        let list = servers.entry(r.bench.clone()).or_default();
        if !list.contains(&r.server) {
            list.push(r.server.clone());
        }
        let key = (r.bench.clone(), r.server.clone());
        if is_rate(r) {
            rate_runs.entry(key).or_default().push(r);
            continue;
        }
        let better = match by.get(&key) {
            Some(prev) if is_saturation(r) => {
                r.n(&["deliveries_per_s"]) > prev.n(&["deliveries_per_s"])
            }
            _ => true,
        };
        if better {
            by.insert(key, r);
        }
    }
    for (key, mut runs) in rate_runs {
        runs.sort_by(|a, b| {
            a.n(&["latency", "p99_ms"])
                .total_cmp(&b.n(&["latency", "p99_ms"]))
        });
        by.insert(key, runs[(runs.len() - 1) / 2]);
    }
    order
        .into_iter()
        .map(|b| {
            let rows = servers[&b]
                .iter()
                .filter_map(|s| by.get(&(b.clone(), s.clone())).copied())
                .collect();
            (b, rows)
        })
        .collect()
}

/// Deliveries/s of every saturation run per window, when more than one window was tried.
fn sweep_table(out: &mut String, bench: &str, all: &[Row]) {
    let runs: Vec<&Row> = all
        .iter()
        .filter(|r| r.bench == bench && is_saturation(r))
        .collect();
    let mut windows: Vec<u64> = runs.iter().map(|r| r.n(&["window"]) as u64).collect();
    windows.sort_unstable();
    windows.dedup();
    if windows.len() < 2 {
        return;
    }
    let mut servers: Vec<&str> = Vec::new();
    for r in &runs {
        if !servers.contains(&r.server.as_str()) {
            servers.push(&r.server);
        }
    }
    let _ = writeln!(
        out,
        "\nDeliveries/s by window (broadcasts per publisher not yet received by every member):\n"
    );
    let head: Vec<String> = windows.iter().map(|w| format!("window {w}")).collect();
    let _ = writeln!(out, "| server | {} |", head.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(windows.len()));
    for s in servers {
        let cells: Vec<String> = windows
            .iter()
            .map(|&w| {
                runs.iter()
                    .rfind(|r| r.server == s && r.n(&["window"]) as u64 == w)
                    .map_or("-".into(), |r| fmt_rate(r.n(&["deliveries_per_s"])))
            })
            .collect();
        let _ = writeln!(out, "| {s} | {} |", cells.join(" | "));
    }
}

fn ours<'a>(rows: &[&'a Row]) -> Option<&'a Row> {
    rows.iter().find(|r| r.server == OURS).copied()
}

pub fn render(text: &str) -> Result<String> {
    let all = parse(text)?;
    let groups = latest(&all);
    let mut out = String::new();
    for (bench, rows) in groups.iter().filter(|(b, _)| {
        !b.starts_with("record-") && !b.starts_with("console-") && !b.starts_with("proxy-")
    }) {
        let title = rows
            .first()
            .and_then(|r| r.v.get("title"))
            .and_then(Value::as_str)
            .unwrap_or(bench);
        let _ = writeln!(out, "### {title}\n");
        let base = ours(rows);
        match rows.first().map(|r| r.kind.as_str()) {
            Some("fanout") if is_rate(rows[0]) => {
                latency_table(&mut out, rows, base);
                let runs = all
                    .iter()
                    .filter(|r| &r.bench == bench && r.server == OURS && is_rate(r))
                    .count();
                if runs > 1 {
                    let _ = writeln!(
                        out,
                        "\nEach server was measured {runs} times, in rotation; each row is that server's median run by p99."
                    );
                }
            }
            Some("fanout") => {
                fanout_table(&mut out, rows, base);
                sweep_table(&mut out, bench, &all);
            }
            Some("idle") => idle_table(&mut out, rows, base),
            Some("churn") => churn_table(&mut out, rows, base),
            Some("recorder") => recorder_table(&mut out, rows),
            _ => {}
        }
        out.push('\n');
    }
    recording(&mut out, &all);
    console(&mut out, &all);
    proxied(&mut out, &all);
    targets(&mut out, &groups, &all);
    Ok(out)
}

fn fanout_table(out: &mut String, rows: &[&Row], base: Option<&Row>) {
    let _ = writeln!(out, "| server | members | window | deliveries/s | ours ÷ this | p50 ms | p99 ms | lost | server µs/delivery | generator µs/delivery |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let b = base.map(|r| r.n(&["deliveries_per_s"]));
    for r in rows {
        let d = r.n(&["deliveries_per_s"]);
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {} | {} | {} | {} | {} | {:.2} | {:.2} |",
            r.server,
            r.n(&["members"]),
            r.n(&["window"]),
            fmt_rate(d),
            fmt_ratio(b.map_or(f64::NAN, |b| b / d)),
            fmt_ms(r.n(&["latency", "p50_ms"])),
            fmt_ms(r.n(&["latency", "p99_ms"])),
            lost(r),
            r.n(&["server_us_per_delivery"]),
            r.n(&["generator_us_per_delivery"]),
        );
    }
}

fn latency_table(out: &mut String, rows: &[&Row], base: Option<&Row>) {
    let _ = writeln!(out, "| server | offered/s | delivered/s | p50 ms | p99 ms | p99.9 ms | max ms | lost | this p99 ÷ ours |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let b = base.map(|r| r.n(&["latency", "p99_ms"]));
    for r in rows {
        let p99 = r.n(&["latency", "p99_ms"]);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.server,
            fmt_rate(r.n(&["offered_per_s"])),
            fmt_rate(r.n(&["deliveries_per_s"])),
            fmt_ms(r.n(&["latency", "p50_ms"])),
            fmt_ms(p99),
            fmt_ms(r.n(&["latency", "p999_ms"])),
            fmt_ms(r.n(&["latency", "max_ms"])),
            lost(r),
            fmt_ratio(b.map_or(f64::NAN, |b| p99 / b)),
        );
    }
    floor_note(out, rows);
}

/// Under a latency table with a floor row: how far the floor's p99 is below Socket.IO's,
/// which is the largest ratio any server could show in this run, and where ours stands.
fn floor_note(out: &mut String, rows: &[&Row]) {
    let p99 = |server: &str| {
        rows.iter()
            .find(|r| r.server == server)
            .map(|r| r.n(&["latency", "p99_ms"]))
    };
    let (Some(floor), Some(sio)) = (p99(FLOOR), p99("socketio")) else {
        return;
    };
    let _ = write!(
        out,
        "\n`floor` does nothing but one blocking `write()` of a pre-encoded frame per member, \
         from every core: Socket.IO's p99 is {} its p99, the largest ratio any server could \
         reach in this run.",
        fmt_ratio(sio / floor)
    );
    if let Some(o) = p99(OURS) {
        let _ = write!(
            out,
            " Ours is {} Socket.IO's and {:+.0}% from the floor.",
            fmt_ratio(sio / o),
            (o / floor - 1.0) * 100.0
        );
    }
    out.push('\n');
}

fn idle_table(out: &mut String, rows: &[&Row], base: Option<&Row>) {
    let _ = writeln!(
        out,
        "| server | connections | RSS before MiB | RSS after MiB | KiB per connection | this ÷ ours |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let b = base.map(|r| r.n(&["kib_per_conn"]));
    let mib = |x: f64| x / (1024.0 * 1024.0);
    for r in rows {
        let k = r.n(&["kib_per_conn"]);
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.1} | {:.1} | {:.1} | {} |",
            r.server,
            r.n(&["connections"]),
            mib(r.n(&["rss_before"])),
            mib(r.n(&["rss_after"])),
            k,
            fmt_ratio(b.map_or(f64::NAN, |b| k / b)),
        );
    }
}

fn churn_table(out: &mut String, rows: &[&Row], base: Option<&Row>) {
    let _ = writeln!(out, "| server | concurrency | cycles/s | ours ÷ this | p50 ms | p99 ms | errors | server CPU s |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    let b = base.map(|r| r.n(&["cycles_per_s"]));
    for r in rows {
        let c = r.n(&["cycles_per_s"]);
        let _ = writeln!(
            out,
            "| {} | {:.0} | {} | {} | {} | {} | {:.0} | {:.1} |",
            r.server,
            r.n(&["concurrency"]),
            fmt_rate(c),
            fmt_ratio(b.map_or(f64::NAN, |b| b / c)),
            fmt_ms(r.n(&["latency", "p50_ms"])),
            fmt_ms(r.n(&["latency", "p99_ms"])),
            r.n(&["errors"]),
            r.n(&["cpu", "server_s"]),
        );
    }
}

fn recorder_table(out: &mut String, rows: &[&Row]) {
    let _ = writeln!(
        out,
        "| recorder | events | rows written | dropped | seconds | rows/s |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {:.0} | {:.2} | {} |",
            r.server,
            r.n(&["events"]),
            r.n(&["rows_written"]),
            r.n(&["dropped"]),
            r.n(&["seconds"]),
            fmt_rate(r.n(&["rows_per_s"])),
        );
    }
}

/// Median of the finite values (NaN when there are none).
fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Benchmark 3, from the `record-*` runs: medians of alternating runs without and with the
/// recorder, as (deliveries/s off, on, p99 off, on, runs per side).
fn recording_medians(all: &[Row], bench: &str) -> Option<(f64, f64, f64, f64, usize)> {
    paired_medians(all, bench, OURS_REC)
}

/// Medians of alternating runs of our plain server and of `with` (the same server with
/// something added), as (deliveries/s off, on, p99 off, on, runs per side).
fn paired_medians(all: &[Row], bench: &str, with: &str) -> Option<(f64, f64, f64, f64, usize)> {
    let side = |server: &str| -> Vec<&Row> {
        all.iter()
            .filter(|r| r.bench == bench && r.server == server && r.kind == "fanout")
            .collect()
    };
    let (off, on) = (side(OURS), side(with));
    if off.is_empty() || on.is_empty() {
        return None;
    }
    let med = |rows: &[&Row], path: &[&str]| median(rows.iter().map(|r| r.n(path)).collect());
    Some((
        med(&off, &["deliveries_per_s"]),
        med(&on, &["deliveries_per_s"]),
        med(&off, &["latency", "p99_ms"]),
        med(&on, &["latency", "p99_ms"]),
        off.len().min(on.len()),
    ))
}

/// Benchmark 3: the same load without and with the recorder, alternating.
fn recording(out: &mut String, all: &[Row]) {
    let benches = ["record-fanout", "record-latency"];
    if benches.iter().all(|b| recording_medians(all, b).is_none()) {
        return;
    }
    let _ = writeln!(
        out,
        "### 3. Recording on vs off (medians of alternating runs)\n"
    );
    let _ = writeln!(out, "| benchmark | runs each | deliveries/s off | on | change | p99 ms off | on | change | rows written | rows dropped |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for bench in benches {
        let Some((d0, d1, p0, p1, n)) = recording_medians(all, bench) else {
            continue;
        };
        let stats: Vec<&Row> = all
            .iter()
            .filter(|r| r.kind == "recstats" && r.bench == bench)
            .collect();
        let sum = |k: &str| stats.iter().map(|s| s.n(&["stats", k])).sum::<f64>();
        let _ = writeln!(
            out,
            "| {bench} | {n} | {} | {} | {:+.1}% | {} | {} | {:+.2} ms | {:.0} | {:.0} |",
            fmt_rate(d0),
            fmt_rate(d1),
            (d1 / d0 - 1.0) * 100.0,
            fmt_ms(p0),
            fmt_ms(p1),
            p1 - p0,
            sum("rows_written"),
            sum("dropped"),
        );
    }
    out.push('\n');
}

/// Benchmark 7: the same load without and with a console attached (`tail`), alternating.
fn console(out: &mut String, all: &[Row]) {
    let benches = ["console-fanout", "console-latency"];
    if benches
        .iter()
        .all(|b| paired_medians(all, b, OURS_CONSOLE).is_none())
    {
        return;
    }
    let _ = writeln!(
        out,
        "### 7. A console attached vs none (medians of alternating runs)\n"
    );
    let _ = writeln!(out, "| benchmark | runs each | deliveries/s none | attached | change | p99 ms none | attached | change | events to the console | dropped for it |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for bench in benches {
        let Some((d0, d1, p0, p1, n)) = paired_medians(all, bench, OURS_CONSOLE) else {
            continue;
        };
        let stats: Vec<&Row> = all
            .iter()
            .filter(|r| r.kind == "tailstats" && r.bench == bench)
            .collect();
        let sum = |k: &str| stats.iter().map(|s| s.n(&["stats", k])).sum::<f64>();
        let _ = writeln!(
            out,
            "| {bench} | {n} | {} | {} | {:+.1}% | {} | {} | {:+.2} ms | {:.0} | {:.0} |",
            fmt_rate(d0),
            fmt_rate(d1),
            (d1 / d0 - 1.0) * 100.0,
            fmt_ms(p0),
            fmt_ms(p1),
            p1 - p0,
            sum("events"),
            sum("dropped") + sum("dropped_locally"),
        );
    }
    out.push('\n');
}

/// Benchmark 8: the same load straight to our server and through the console's proxy,
/// alternating; medians of p50, p99 and deliveries/s on each side.
fn proxied(out: &mut String, all: &[Row]) {
    let benches = ["proxy-latency-1k", "proxy-latency-10k", "proxy-throughput"];
    let side = |bench: &str, server: &str| -> Vec<&Row> {
        all.iter()
            .filter(|r| r.bench == bench && r.server == server && r.kind == "fanout")
            .collect()
    };
    let med = |rows: &[&Row], path: &[&str]| median(rows.iter().map(|r| r.n(path)).collect());
    let measured: Vec<_> = benches
        .iter()
        .map(|b| (b, side(b, OURS), side(b, OURS_PROXY)))
        .filter(|(_, direct, proxied)| !direct.is_empty() && !proxied.is_empty())
        .collect();
    if measured.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### 8. Through the console's proxy vs direct (medians of alternating runs)\n"
    );
    let _ = writeln!(out, "| benchmark | runs each | deliveries/s direct | proxied | proxied ÷ direct | p50 ms direct | proxied | added | p99 ms direct | proxied | added | server (+ proxy) µs/delivery direct | proxied |");
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (bench, direct, proxied) in measured {
        let (d0, d1) = (
            med(&direct, &["deliveries_per_s"]),
            med(&proxied, &["deliveries_per_s"]),
        );
        let (a0, a1) = (
            med(&direct, &["latency", "p50_ms"]),
            med(&proxied, &["latency", "p50_ms"]),
        );
        let (b0, b1) = (
            med(&direct, &["latency", "p99_ms"]),
            med(&proxied, &["latency", "p99_ms"]),
        );
        let _ = writeln!(
            out,
            "| {bench} | {} | {} | {} | {:.2} | {} | {} | {:+.2} ms | {} | {} | {:+.2} ms | {:.2} | {:.2} |",
            direct.len().min(proxied.len()),
            fmt_rate(d0),
            fmt_rate(d1),
            d1 / d0,
            fmt_ms(a0),
            fmt_ms(a1),
            a1 - a0,
            fmt_ms(b0),
            fmt_ms(b1),
            b1 - b0,
            med(&direct, &["server_us_per_delivery"]),
            med(&proxied, &["server_us_per_delivery"]),
        );
    }
    out.push('\n');
}

fn find<'a>(groups: &'a [(String, Vec<&'a Row>)], bench: &str, server: &str) -> Option<&'a Row> {
    groups
        .iter()
        .find(|(b, _)| b == bench)
        .and_then(|(_, rows)| rows.iter().find(|r| r.server == server).copied())
}

fn targets(out: &mut String, groups: &[(String, Vec<&Row>)], all_rows: &[Row]) {
    let mut lines: Vec<(String, String, Option<bool>)> = Vec::new();
    let mut check = |what: &str, figure: Option<(String, bool)>| match figure {
        Some((f, ok)) => lines.push((what.into(), f, Some(ok))),
        None => lines.push((what.into(), "not measured".into(), None)),
    };
    let d = |r: &Row| r.n(&["deliveries_per_s"]);
    let p99 = |r: &Row| r.n(&["latency", "p99_ms"]);

    check(
        "fan-out to 1,000 members >= 5x Socket.IO's deliveries/s",
        find(groups, "fanout-1k", OURS)
            .zip(find(groups, "fanout-1k", "socketio"))
            .map(|(o, s)| {
                let r = d(o) / d(s);
                (format!("{r:.2}x"), r >= 5.0)
            }),
    );
    check(
        "p99 at 20k deliveries/s <= 1/3 of Socket.IO's, zero loss",
        find(groups, "latency-20k", OURS)
            .zip(find(groups, "latency-20k", "socketio"))
            .map(|(o, s)| {
                let r = p99(s) / p99(o);
                let lost = o.n(&["lost"]);
                let mut figure = format!(
                    "{:.2} ms vs {:.2} ms ({r:.2}x), lost {lost:.0}",
                    p99(o),
                    p99(s)
                );
                if let Some(f) = find(groups, "latency-20k", FLOOR) {
                    let _ = write!(
                        figure,
                        "; floor {:.2} ms, at most {:.2}x reachable here",
                        p99(f),
                        p99(s) / p99(f)
                    );
                }
                (figure, r >= 3.0 && lost == 0.0)
            }),
    );
    let rec = recording_medians(all_rows, "record-fanout");
    check(
        "recording costs <= 10% throughput (saturation, medians)",
        rec.map(|(off, on, ..)| {
            let cost = 1.0 - on / off;
            (format!("{:.1}%", cost * 100.0), cost <= 0.10)
        }),
    );
    let attached = paired_medians(all_rows, "console-fanout", OURS_CONSOLE);
    check(
        "an attached console costs <= 10% throughput (saturation, medians)",
        attached.map(|(off, on, ..)| {
            let cost = 1.0 - on / off;
            (format!("{:.1}%", cost * 100.0), cost <= 0.10)
        }),
    );
    let rec = recording_medians(all_rows, "record-latency");
    check(
        "recording adds < 1 ms p99 (20k deliveries/s, medians)",
        rec.map(|(_, _, off, on, _)| {
            let delta = on - off;
            (format!("{delta:+.2} ms"), delta < 1.0)
        }),
    );
    check(
        "<= 16 KiB RSS per idle connection",
        find(groups, "idle-10k", OURS).map(|o| {
            let k = o.n(&["kib_per_conn"]);
            (format!("{k:.1} KiB"), k <= 16.0)
        }),
    );
    check(
        "recorder >= 200k rows/s",
        groups
            .iter()
            .find(|(b, _)| b == "recorder")
            .and_then(|(_, rows)| rows.first())
            .map(|r| {
                let x = r.n(&["rows_per_s"]);
                (fmt_rate(x), x >= 200_000.0)
            }),
    );
    let _ = writeln!(out, "### Targets\n");
    let _ = writeln!(out, "| target | measured | met |");
    let _ = writeln!(out, "|---|---|---|");
    for (what, figure, ok) in lines {
        let mark = match ok {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "-",
        };
        let _ = writeln!(out, "| {what} | {figure} | {mark} |");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_targets_from_results() {
        let lines = [
            r#"{"bench":"fanout-1k","server":"switchboard","kind":"fanout","mode":"saturate","members":1000,"window":8,"deliveries_per_s":300000,"latency":{"p50_ms":1.0,"p99_ms":2.0},"lost":0,"expected":10}"#,
            r#"{"bench":"fanout-1k","server":"switchboard","kind":"fanout","mode":"saturate","members":1000,"window":32,"deliveries_per_s":600000,"latency":{"p50_ms":1.0,"p99_ms":2.0},"lost":0,"expected":10}"#,
            r#"{"bench":"fanout-1k","server":"socketio","kind":"fanout","mode":"saturate","members":1000,"window":8,"deliveries_per_s":100000,"latency":{"p50_ms":5.0,"p99_ms":20.0},"lost":0,"expected":10}"#,
            r#"{"bench":"idle-10k","server":"switchboard","kind":"idle","connections":10000,"rss_before":1,"rss_after":2,"kib_per_conn":9.5}"#,
        ];
        let md = render(&lines.join("\n")).unwrap();
        assert!(
            md.contains("| socketio | 1000 | 8 | 100k | 6.00x |"),
            "{md}"
        );
        assert!(md.contains("| switchboard | 300k | 600k |"), "{md}");
        assert!(
            md.contains(
                "| fan-out to 1,000 members >= 5x Socket.IO's deliveries/s | 6.00x | yes |"
            ),
            "{md}"
        );
        assert!(
            md.contains("| <= 16 KiB RSS per idle connection | 9.5 KiB | yes |"),
            "{md}"
        );
        assert!(
            md.contains("| recorder >= 200k rows/s | not measured | - |"),
            "{md}"
        );
    }

    /// One fixed-rate run of `latency-20k` for `server` with this p99.
    fn rate_row(server: &str, p99: f64) -> String {
        format!(
            r#"{{"bench":"latency-20k","server":"{server}","kind":"fanout","mode":"rate","offered_per_s":20000,"deliveries_per_s":20000,"latency":{{"p50_ms":1.0,"p99_ms":{p99}}},"lost":0,"expected":10}}"#
        )
    }

    #[test]
    fn repeated_latency_runs_report_the_median_run() {
        let lines = [
            rate_row("switchboard", 12.0),
            rate_row("socketio", 30.0),
            rate_row("switchboard", 9.0),
            rate_row("socketio", 20.0),
            rate_row("switchboard", 10.0),
            rate_row("socketio", 21.0),
        ];
        let md = render(&lines.join("\n")).unwrap();
        assert!(
            md.contains("| switchboard | 20k | 20k | 1.00 | 10.0 |"),
            "{md}"
        );
        assert!(
            md.contains("| socketio | 20k | 20k | 1.00 | 21.0 |"),
            "{md}"
        );
        assert!(md.contains("measured 3 times, in rotation"), "{md}");
        assert!(md.contains("10.00 ms vs 21.00 ms (2.10x)"), "{md}");
    }

    #[test]
    fn the_proxy_is_compared_with_a_direct_connection_by_medians() {
        let row = |server: &str, d: f64, p50: f64, p99: f64| {
            format!(
                r#"{{"bench":"proxy-latency-1k","server":"{server}","kind":"fanout","mode":"rate","offered_per_s":1000,"deliveries_per_s":{d},"latency":{{"p50_ms":{p50},"p99_ms":{p99}}},"server_us_per_delivery":{p50},"lost":0,"expected":10}}"#
            )
        };
        let lines = [
            row("switchboard", 1000.0, 0.5, 2.0),
            row("switchboard+proxy", 1000.0, 0.9, 3.0),
            row("switchboard", 1000.0, 0.4, 9.0),
            row("switchboard+proxy", 1000.0, 0.7, 2.5),
            row("switchboard", 1000.0, 0.6, 1.0),
            row("switchboard+proxy", 1000.0, 2.0, 4.0),
        ];
        let md = render(&lines.join("\n")).unwrap();
        assert!(md.contains("### 8. Through the console's proxy"), "{md}");
        assert!(
            md.contains("| proxy-latency-1k | 3 | 1.0k | 1.0k | 1.00 | 0.50 | 0.90 | +0.40 ms | 2.00 | 3.00 | +1.00 ms | 0.50 | 0.90 |"),
            "{md}"
        );
        // Not also shown as an ordinary latency table.
        assert!(!md.contains("### proxy-latency-1k"), "{md}");
    }

    #[test]
    fn the_floor_bounds_the_latency_ratio() {
        let lines = [
            rate_row("switchboard", 12.0),
            rate_row("socketio", 24.0),
            rate_row("floor", 10.0),
        ];
        let md = render(&lines.join("\n")).unwrap();
        assert!(md.contains("| floor | 20k | 20k | 1.00 | 10.0 |"), "{md}");
        assert!(
            md.contains("Socket.IO's p99 is 2.40x its p99")
                && md.contains("Ours is 2.00x Socket.IO's and +20% from the floor."),
            "{md}"
        );
        assert!(
            md.contains("12.00 ms vs 24.00 ms (2.00x), lost 0; floor 10.00 ms, at most 2.40x reachable here | **no** |"),
            "{md}"
        );
    }
}
