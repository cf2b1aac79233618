//! `switchboard-server replay`: replay a capture against a running server from the command
//! line, print what differs, and (with `--check`) fail when anything does, so a captured bug
//! becomes a regression check in CI.
//!
//! Exit codes (set by the binary from [`ReplayOutcome::exit_code`] and the error): 0 when the
//! replay ran (and, with `--check`, nothing differs); 1 when `--check` found differences; 2 when
//! the replay could not run at all.
//!
//! A progress bar is drawn on stderr only when stderr is a terminal; the summary goes to stdout.
//! Ctrl-C stops the replay and still prints (and writes) the report of what ran.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use switchboard_capture::parse_time;
use switchboard_capture::replay::{
    ParamMap, ReplayError, ReplayMode, ReplayOptions, ReplayOrder, ReplayPlan, ReplayReport,
    ReplayTarget, Replayer, Selection,
};
use switchboard_server::ReplayKey;

/// Replay recorded traffic against a server and report what comes back different.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The capture file to replay.
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The server to replay against: ws://HOST:PORT/.
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// The target's replay key (its `--replay-key`): the target then records the replayed
    /// connections with origin `replay`. Without it they are recorded as ordinary clients.
    #[arg(long, value_name = "KEY")]
    pub replay_key: Option<ReplayKey>,
    /// Timing: 1 = as recorded, 2 = twice as fast, 0 = as fast as possible (each connection
    /// still waits for a reply before its next action).
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub speed: f64,
    /// Only this capture session (default: all).
    #[arg(long, value_name = "ID")]
    pub session: Option<i64>,
    /// Rows at or after this time: RFC 3339 or Unix milliseconds.
    #[arg(long, value_parser = parse_time, value_name = "T")]
    pub since: Option<i64>,
    /// Rows before this time: RFC 3339 or Unix milliseconds.
    #[arg(long, value_parser = parse_time, value_name = "T")]
    pub until: Option<i64>,
    /// Only this recorded connection (repeatable).
    #[arg(long = "conn", value_name = "ID")]
    pub conns: Vec<String>,
    /// Only this row (repeatable), as selected in the console's Traffic view.
    #[arg(long = "seq", value_name = "SEQ")]
    pub seqs: Vec<i64>,
    /// A volatile JSON path left out of comparisons, e.g. $.d.id, d.ts, $..ts (repeatable).
    #[arg(long = "ignore", value_name = "PATH")]
    pub ignore: Vec<String>,
    /// An event or topic left out of the push comparison, e.g. a timer's (repeatable).
    #[arg(long = "ignore-event", value_name = "NAME")]
    pub ignore_events: Vec<String>,
    /// A connection parameter to send instead of the recorded (masked) one: KEY=VALUE for all
    /// connections, USER:KEY=VALUE for one user's (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// How connections are ordered against each other.
    #[arg(long, value_enum, default_value_t = OrderArg::Causal)]
    pub order: OrderArg,
    /// What to replay. Push replay needs the embedded server's handle and is refused here.
    #[arg(long, value_enum, default_value_t = ModeArg::Clients)]
    pub mode: ModeArg,
    /// Longest wait for a connection, a reply or a close, in milliseconds.
    #[arg(long, default_value_t = 5000, value_name = "MS")]
    pub timeout_ms: u64,
    /// Compare replies only, not the pushes connections received.
    #[arg(long)]
    pub no_pushes: bool,
    /// Count a push received at another position than recorded as a difference (by default
    /// it is reported as moved, which `--check` accepts).
    #[arg(long)]
    pub strict_order: bool,
    /// Write the full report as JSON to this file.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Exit with status 1 when any reply, error or push differs.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrderArg {
    /// The recorded happens-before across connections: one action at a time where it took
    /// effect, after the pushes recorded before it arrived (zero differences against the same
    /// build, at any speed).
    Causal,
    /// Each connection in its own recorded order, side by side.
    PerConnection,
    /// One action at a time across all connections, in the order of their rows, waiting for
    /// replies only.
    Recorded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Clients,
    Pushes,
}

/// A finished replay, and whether the command should fail.
#[derive(Debug, Clone)]
pub struct ReplayOutcome {
    pub report: ReplayReport,
    pub check: bool,
}

impl ReplayOutcome {
    /// 1 when `--check` was given and something differs, else 0.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.check && self.report.has_differences())
    }
}

impl ReplayArgs {
    /// The options these flags describe.
    pub fn options(&self) -> Result<ReplayOptions, ReplayError> {
        let options = ReplayOptions {
            mode: match self.mode {
                ModeArg::Clients => ReplayMode::Clients,
                ModeArg::Pushes => ReplayMode::Pushes,
            },
            speed: self.speed,
            order: match self.order {
                OrderArg::Causal => ReplayOrder::Causal,
                OrderArg::PerConnection => ReplayOrder::PerConnection,
                OrderArg::Recorded => ReplayOrder::Recorded,
            },
            ignore: self.ignore.clone(),
            ignore_events: self.ignore_events.clone(),
            params: ParamMap::parse_args(&self.params)?,
            timeout: Duration::from_millis(self.timeout_ms),
            compare_pushes: !self.no_pushes,
            strict_order: self.strict_order,
        };
        options.validate()?;
        Ok(options)
    }

    pub fn selection(&self) -> Selection {
        Selection {
            session: self.session,
            since_us: self.since,
            until_us: self.until,
            conns: self.conns.clone(),
            seqs: self.seqs.clone(),
        }
    }

    /// Runs the replay, printing the summary to stdout.
    pub async fn run(self) -> Result<ReplayOutcome, ReplayError> {
        let stdout = std::io::stdout();
        let mut buf = Vec::new();
        let outcome = self.run_to(&mut buf).await;
        let mut out = stdout.lock();
        out.write_all(&buf)
            .map_err(|e| ReplayError::io("<stdout>", e))?;
        outcome
    }

    /// Runs the replay, printing the summary to `out` (tests).
    pub async fn run_to(self, out: &mut dyn Write) -> Result<ReplayOutcome, ReplayError> {
        let options = self.options()?;
        if options.mode == ReplayMode::Pushes {
            return Err(ReplayError::PushNeedsServer {
                url: self.target.clone(),
            });
        }
        let plan = ReplayPlan::load(&self.db, &self.selection())?;
        let replayer = Replayer::new(options);
        let bar = progress_bar();
        let mut progress = replayer.progress();
        let control = replayer.control();
        let watcher = {
            let bar = bar.clone();
            tokio::spawn(async move {
                while progress.changed().await.is_ok() {
                    let p = progress.borrow_and_update().clone();
                    bar.set_length(p.total);
                    bar.set_position(p.sent);
                    bar.set_message(format!("{} differences", p.diffs));
                }
            })
        };
        let target = match &self.replay_key {
            Some(key) => ReplayTarget::url_with_key(self.target.clone(), key.clone()),
            None => ReplayTarget::url(self.target.clone()),
        };
        let run = replayer.run(&plan, &target);
        tokio::pin!(run);
        // Without signal support, Ctrl-C simply is not listened to.
        let mut listening = true;
        let report = loop {
            tokio::select! {
                report = &mut run => break report,
                signal = tokio::signal::ctrl_c(), if listening => match signal {
                    Ok(()) => control.stop(),
                    Err(_) => listening = false,
                },
            }
        };
        watcher.abort();
        bar.finish_and_clear();
        let report = report?;
        let io = |e| ReplayError::io("<stdout>", e);
        report.write_text(out).map_err(io)?;
        if let Some(path) = &self.report {
            report.write_json(path)?;
            writeln!(out, "report written to {}", path.display()).map_err(io)?;
        }
        Ok(ReplayOutcome {
            report,
            check: self.check,
        })
    }
}

/// A progress bar on stderr when it is a terminal, otherwise a hidden one.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("replaying {bar:40} {pos}/{len} actions, {msg} ({eta})")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
