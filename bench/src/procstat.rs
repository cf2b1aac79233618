//! CPU time and memory of this process and of the servers under test.
//!
//! On a 2-core machine the generator competes with the server, so every result reports both
//! sides' CPU: a server that looks fast only because the generator starved itself is visible.

use std::time::Duration;

use anyhow::{anyhow, Context, Result};

/// User + system CPU time this process has used (getrusage).
pub fn self_cpu() -> Duration {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    if rc != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

/// User + system CPU time of another process, from `/proc/PID/stat`.
pub fn pid_cpu(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    stat_cpu(&stat)
}

/// CPU time of the thread of this process named `name` (the first one found). Linux keeps
/// only the first 15 bytes of a thread name, so that is what is compared.
pub fn thread_cpu(name: &str) -> Option<Duration> {
    let short = &name.as_bytes()[..name.len().min(15)];
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim().as_bytes() != short {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
        return stat_cpu(&stat).ok();
    }
    None
}

/// utime + stime of a `stat` line.
fn stat_cpu(stat: &str) -> Result<Duration> {
    // The command name is in parentheses and may contain spaces: count fields after it.
    let after = stat
        .rfind(')')
        .map(|i| &stat[i + 1..])
        .ok_or_else(|| anyhow!("unexpected stat line"))?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the name.
    let get = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .ok_or_else(|| anyhow!("short stat line"))?
            .parse::<u64>()
            .map_err(Into::into)
    };
    let ticks = get(11)? + get(12)?;
    Ok(Duration::from_micros(ticks * 1_000_000 / clock_ticks()))
}

/// Total CPU of several processes.
pub fn pids_cpu(pids: &[u32]) -> Result<Duration> {
    pids.iter().map(|&p| pid_cpu(p)).sum()
}

/// Resident set size of a process in bytes, from `/proc/PID/status`.
pub fn pid_rss(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or_else(|| anyhow!("no VmRSS in /proc/{pid}/status"))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .ok_or_else(|| anyhow!("bad VmRSS line"))?
        .parse()?;
    Ok(kib * 1024)
}

/// Total RSS of several processes.
pub fn pids_rss(pids: &[u32]) -> Result<u64> {
    pids.iter().map(|&p| pid_rss(p)).sum()
}

/// CPU used by this process and the servers over an interval.
pub struct CpuMeter {
    pids: Vec<u32>,
    self_start: Duration,
    servers_start: Duration,
}

/// CPU seconds used over an interval.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct CpuUse {
    pub generator_s: f64,
    pub server_s: f64,
}

impl CpuMeter {
    pub fn start(pids: &[u32]) -> Self {
        CpuMeter {
            pids: pids.to_vec(),
            self_start: self_cpu(),
            servers_start: pids_cpu(pids).unwrap_or_default(),
        }
    }

    pub fn stop(&self) -> CpuUse {
        let servers = pids_cpu(&self.pids).unwrap_or_default();
        CpuUse {
            generator_s: (self_cpu() - self.self_start).as_secs_f64(),
            server_s: servers.saturating_sub(self.servers_start).as_secs_f64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_process() {
        let me = std::process::id();
        assert!(pid_rss(me).unwrap() > 0);
        let spin = std::time::Instant::now();
        while spin.elapsed() < Duration::from_millis(30) {
            std::hint::black_box(0);
        }
        assert!(self_cpu() > Duration::ZERO);
        assert!(pid_cpu(me).is_ok());
    }
}
