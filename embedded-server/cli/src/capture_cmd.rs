//! `capture export | import | stats`: the command-line face of `switchboard-capture`, as a
//! clap subcommand that the server binary mounts (`switchboard-server capture ...`).
//!
//! Progress bars go to stderr and only when stderr is a terminal, so scripts and CI logs get
//! clean output; results go to stdout.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use switchboard_capture::export::{self, ExportFormat, ExportOptions};
use switchboard_capture::redact::Redaction;
use switchboard_capture::{format_time, import, parse_time, CaptureError, CaptureReader, Filter};
use switchboard_server::tap::{Origin, TapKind};

/// Work with capture files.
// Parsed once per process: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Subcommand)]
pub enum CaptureCommand {
    /// Write the selected rows of a capture to JSONL, CSV, HAR or a SQLite snapshot, with
    /// secrets masked.
    Export(ExportArgs),
    /// Add a JSONL or SQLite export to a capture file (a new session per source session).
    Import(ImportArgs),
    /// Rows per kind, time span, size and dropped rows of a capture file.
    Stats(StatsArgs),
}

/// `--format`: the export formats, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// One header line, then one JSON row per line; re-importable.
    Jsonl,
    /// One row per line with a header row, times in UTC; for spreadsheets.
    Csv,
    /// HAR 1.2, one entry per WebSocket connection with `_webSocketMessages` (browser devtools).
    Har,
    /// A capture file holding only the selection; re-importable and openable by the console.
    Sqlite,
}

impl From<FormatArg> for ExportFormat {
    fn from(f: FormatArg) -> ExportFormat {
        match f {
            FormatArg::Jsonl => ExportFormat::Jsonl,
            FormatArg::Csv => ExportFormat::Csv,
            FormatArg::Har => ExportFormat::Har,
            FormatArg::Sqlite => ExportFormat::Sqlite,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The capture file to read.
    #[arg(long)]
    pub db: PathBuf,
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// Where to write (replaced atomically when the export is complete).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub redaction: RedactionArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The capture file to add to (created if missing).
    #[arg(long)]
    pub db: PathBuf,
    /// A JSONL or SQLite export.
    #[arg(long = "in")]
    pub input: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    #[arg(long)]
    pub db: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The selection flags shared by every export (the same fields as [`Filter`]).
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Rows at or after this time: RFC 3339 (2024-05-01T12:00:00Z) or Unix milliseconds.
    #[arg(long, value_parser = parse_time)]
    pub since: Option<i64>,
    /// Rows before this time: RFC 3339 or Unix milliseconds.
    #[arg(long, value_parser = parse_time)]
    pub until: Option<i64>,
    /// Row kind, e.g. emit, room_broadcast, request_in (repeatable).
    #[arg(long = "kind", value_parser = parse_kind)]
    pub kinds: Vec<TapKind>,
    /// Request, event or topic name (repeatable).
    #[arg(long = "name")]
    pub names: Vec<String>,
    /// Connection role (repeatable).
    #[arg(long = "role")]
    pub roles: Vec<String>,
    /// Room name (repeatable).
    #[arg(long = "room")]
    pub rooms: Vec<String>,
    /// Topic name (repeatable).
    #[arg(long = "topic")]
    pub topics: Vec<String>,
    /// Connection id (repeatable).
    #[arg(long = "conn")]
    pub conns: Vec<String>,
    /// User id (repeatable).
    #[arg(long = "user")]
    pub users: Vec<String>,
    /// Node id, for a capture that holds several nodes (repeatable).
    #[arg(long = "node")]
    pub nodes: Vec<String>,
    /// client, server, manual or replay (repeatable).
    #[arg(long = "origin", value_parser = parse_origin)]
    pub origins: Vec<Origin>,
    /// Capture session id (repeatable).
    #[arg(long = "session")]
    pub sessions: Vec<i64>,
    /// Text the payload contains (case-insensitive for ASCII).
    #[arg(long)]
    pub text: Option<String>,
}

impl FilterArgs {
    pub fn to_filter(&self) -> Filter {
        Filter {
            since_us: self.since,
            until_us: self.until,
            kinds: self.kinds.clone(),
            exclude_kinds: Vec::new(),
            names: self.names.clone(),
            roles: self.roles.clone(),
            rooms: self.rooms.clone(),
            topics: self.topics.clone(),
            conns: self.conns.clone(),
            users: self.users.clone(),
            nodes: self.nodes.clone(),
            origins: self.origins.clone(),
            sessions: self.sessions.clone(),
            text: self.text.clone(),
        }
    }
}

/// Redaction flags. Without any, the default keys (token, password, secret, authorization,
/// cookie, api key, ...) are masked.
#[derive(Debug, Clone, Default, Args)]
pub struct RedactionArgs {
    /// Also mask the values of this key, anywhere (case-insensitive; repeatable).
    #[arg(long = "redact-key")]
    pub keys: Vec<String>,
    /// Also mask the value at this JSON path, e.g. $.auth.token or $.items.*.card (repeatable).
    #[arg(long = "redact-path")]
    pub paths: Vec<String>,
    /// Do not mask the default keys (only what --redact-key / --redact-path name).
    #[arg(long)]
    pub no_default_redaction: bool,
}

impl RedactionArgs {
    pub fn to_redaction(&self) -> Result<Redaction, CaptureError> {
        let mut r = Redaction::new().with_default_keys(!self.no_default_redaction);
        for k in &self.keys {
            r = r.with_key(k);
        }
        for p in &self.paths {
            r = r.with_path(p)?;
        }
        Ok(r)
    }
}

fn parse_kind(s: &str) -> Result<TapKind, String> {
    TapKind::parse(s).ok_or_else(|| {
        let all: Vec<&str> = TapKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown kind {s:?}; one of: {}", all.join(", "))
    })
}

fn parse_origin(s: &str) -> Result<Origin, String> {
    Origin::parse(s).ok_or_else(|| {
        format!("unknown origin {s:?}; one of: client, server, manual, replay, console")
    })
}

impl CaptureCommand {
    /// Runs the command, printing results to stdout.
    pub fn run(self) -> Result<(), CaptureError> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        self.run_to(&mut out)
    }

    /// Runs the command, printing results to `out` (tests).
    pub fn run_to(self, out: &mut dyn Write) -> Result<(), CaptureError> {
        let io = |e| CaptureError::io("<stdout>", e);
        match self {
            CaptureCommand::Export(a) => {
                let opts = ExportOptions {
                    filter: a.filter.to_filter(),
                    redaction: a.redaction.to_redaction()?,
                    tool_version: env!("CARGO_PKG_VERSION").into(),
                };
                let reader = CaptureReader::open(&a.db)?;
                let bar = progress_bar("exporting", "rows");
                if !bar.is_hidden() {
                    bar.set_length(reader.count(&opts.filter)?);
                }
                let n = export::export(&reader, a.format.into(), &a.out, &opts, &mut |n| {
                    bar.set_position(n)
                })?;
                bar.finish_and_clear();
                writeln!(out, "exported {n} rows to {}", a.out.display()).map_err(io)?;
            }
            CaptureCommand::Import(a) => {
                let bar = progress_bar("importing", "");
                let summary = import::import(&a.db, &a.input, &mut |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })?;
                bar.finish_and_clear();
                writeln!(
                    out,
                    "imported {} rows from {} into {} as session(s) {:?}",
                    summary.rows,
                    a.input.display(),
                    a.db.display(),
                    summary.sessions
                )
                .map_err(io)?;
            }
            CaptureCommand::Stats(a) => {
                let stats = CaptureReader::open(&a.db)?.stats()?;
                if a.json {
                    serde_json::to_writer_pretty(&mut *out, &stats)?;
                    writeln!(out).map_err(io)?;
                    return Ok(());
                }
                let span = match (stats.first_us, stats.last_us) {
                    (Some(a), Some(b)) => format!(
                        "{} .. {} ({:.3} s)",
                        format_time(a),
                        format_time(b),
                        (b - a) as f64 / 1e6
                    ),
                    _ => "empty".into(),
                };
                writeln!(out, "file:         {}", a.db.display()).map_err(io)?;
                writeln!(out, "size:         {} bytes", stats.file_bytes).map_err(io)?;
                writeln!(out, "rows:         {}", stats.rows).map_err(io)?;
                writeln!(out, "span:         {span}").map_err(io)?;
                writeln!(out, "sessions:     {}", stats.sessions.len()).map_err(io)?;
                writeln!(out, "dropped:      {}", stats.dropped).map_err(io)?;
                writeln!(
                    out,
                    "write errors: {} ({} rows lost)",
                    stats.write_errors, stats.rows_lost
                )
                .map_err(io)?;
                writeln!(out, "rows per kind:").map_err(io)?;
                for k in &stats.by_kind {
                    writeln!(out, "  {:<20} {}", k.kind.as_str(), k.count).map_err(io)?;
                }
            }
        }
        Ok(())
    }
}

/// A progress bar on stderr when it is a terminal, otherwise a hidden one.
fn progress_bar(verb: &str, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let template = format!("{verb} {{bar:40}} {{pos}}/{{len}} {unit} ({{eta}})");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
