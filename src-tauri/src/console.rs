//! [`Console`]: start a server with the console around it, in a window or headless.

use std::path::PathBuf;
use std::sync::Arc;

/// A line on stdout that never panics: `println!` would, if whoever started the console closed
/// the pipe (`| head -1`), and that is no reason to stop a running console.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, $($arg)*).and_then(|()| out.flush());
    }};
}

use switchboard_console_core::nodes::convert::masked_url;
use switchboard_console_core::nodes::Discovery;
use switchboard_console_core::{BrowserHost, ConsoleCore, ConsoleOptions, Host};
use switchboard_server::Server;

use crate::error::RunError;
use crate::signals::StopSignals;
use crate::{display, paths, window};

/// The multi-threaded runtime everything runs on.
pub fn runtime() -> Result<tokio::runtime::Runtime, RunError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("switchboard")
        .build()
        .map_err(RunError::Runtime)
}

type OnStart = Box<dyn FnOnce(&ConsoleCore) + Send + 'static>;

/// What the console shows: its own server, or nodes in other processes.
enum Target {
    Embedded(Server),
    /// Attach URLs (`ws://HOST:PORT/?token=...`) of nodes started with the inspector, and
    /// the cluster whose nodes to discover, if any.
    Attach(Vec<String>, Option<Discovery>),
    /// Relay clients from `listen` to the wire server at `upstream`, recording what passes.
    Proxy {
        upstream: String,
        listen: String,
    },
}

/// The console around one server. Defaults: the application endpoint on `127.0.0.1:7070`, the
/// console UI on a free loopback port, recording into [`paths::default_capture`], a window when
/// there is a display.
pub struct Console {
    target: Target,
    opts: ConsoleOptions,
    headless: bool,
    on_start: Vec<OnStart>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Console {
    pub fn new(server: Server) -> Console {
        let mut opts = ConsoleOptions::new();
        opts.capture = Some(paths::default_capture());
        Console {
            target: Target::Embedded(server),
            opts,
            headless: false,
            on_start: Vec::new(),
            runtime: None,
        }
    }

    /// A console that serves no application of its own: it attaches to the nodes at `urls`
    /// (as `--inspect` prints them) and records what each of them does.
    pub fn attach(urls: Vec<String>) -> Console {
        let mut opts = ConsoleOptions::new();
        opts.capture = Some(paths::default_capture());
        opts.source = "attach".into();
        Console {
            target: Target::Attach(urls, None),
            opts,
            headless: false,
            on_start: Vec::new(),
            runtime: None,
        }
    }

    /// In attach mode, also follow every node of a cluster that advertises an inspector in
    /// its presence (`switchboard attach --redis`), as nodes come and go. Build the
    /// discovery's adapter on the runtime given to [`Console::runtime`].
    pub fn discover(mut self, discovery: Discovery) -> Self {
        if let Target::Attach(_, d) = &mut self.target {
            *d = Some(discovery);
        }
        self
    }

    /// A console that serves no application of its own: clients connect to `listen` and each
    /// connection is relayed to `upstream`, a server speaking the wire; what passes is
    /// recorded (docs/proxy.md).
    pub fn proxy(upstream: String, listen: String) -> Console {
        let mut opts = ConsoleOptions::new();
        opts.capture = Some(paths::default_capture());
        opts.source = format!("proxy to {upstream}");
        Console {
            target: Target::Proxy { upstream, listen },
            opts,
            headless: false,
            on_start: Vec::new(),
            runtime: None,
        }
    }

    /// Where applications connect (`ws://ADDR/`).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.opts.app_listen = addr.into();
        self
    }

    /// Where the console UI and API listen (loopback by default; port 0 picks a free one).
    pub fn ui_listen(mut self, addr: impl Into<String>) -> Self {
        self.opts.ui_listen = addr.into();
        self
    }

    /// Record into this capture file instead of the default.
    pub fn capture(mut self, path: impl Into<PathBuf>) -> Self {
        self.opts.capture = Some(path.into());
        self
    }

    /// Do not record (history and exports are then unavailable).
    pub fn without_capture(mut self) -> Self {
        self.opts.capture = None;
        self
    }

    /// No window: serve the UI to a browser. Also chosen when there is no display.
    pub fn headless(mut self, on: bool) -> Self {
        self.headless = on;
        self
    }

    /// What the UI says the server runs (`demo`, a contract file, ...).
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.opts.source = source.into();
        self
    }

    /// Run `f` once everything listens, inside the async runtime (start timers, simulated
    /// clients, anything that needs `tokio::spawn`).
    pub fn on_start(mut self, f: impl FnOnce(&ConsoleCore) + Send + 'static) -> Self {
        self.on_start.push(Box::new(f));
        self
    }

    /// Run on this runtime (one the server's cluster adapter was created on, for instance)
    /// instead of a new one.
    pub fn runtime(mut self, rt: tokio::runtime::Runtime) -> Self {
        self.runtime = Some(rt);
        self
    }

    /// Start everything and block until the window is closed, or until SIGTERM or SIGINT
    /// (Ctrl-C) in either mode;
    /// then shut down in order (the recorder last, so the capture is complete).
    pub fn run(self) -> Result<(), RunError> {
        let has_display = display::available();
        let headless = self.headless || !has_display;
        if !self.headless && !has_display {
            eprintln!(
                "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running headless. \
                 Open the console URL below in a browser."
            );
        }
        if !headless {
            window::fix_locale();
            window::lighter_webview();
        }
        let rt = match self.runtime {
            Some(rt) => rt,
            None => runtime()?,
        };
        let window_host = Arc::new(window::WindowHost::default());
        let host: Arc<dyn Host> = if headless {
            Arc::new(BrowserHost)
        } else {
            window_host.clone()
        };
        // Before anything listens: a stop request during start-up then waits for the ordered
        // shutdown below instead of killing the process.
        let signals = {
            let _entered = rt.enter();
            StopSignals::install().map_err(RunError::Signals)?
        };
        let core = match self.target {
            Target::Embedded(server) => rt.block_on(ConsoleCore::start(server, self.opts, host))?,
            Target::Attach(urls, discovery) => {
                let core = rt.block_on(ConsoleCore::attach(urls, self.opts, host))?;
                if let (Some(d), Some(nodes)) = (discovery, core.attached()) {
                    say!("  discovering nodes from   {}", masked_url(&d.source));
                    let _entered = rt.enter();
                    nodes.discover(d);
                }
                core
            }
            Target::Proxy { upstream, listen } => {
                let (core, proxy) =
                    rt.block_on(ConsoleCore::proxy(&upstream, &listen, self.opts, host))?;
                say!("  proxy: clients connect to ws://{}", proxy.addr());
                say!("  relayed to               {}", proxy.upstream());
                core
            }
        };
        {
            let _entered = rt.enter();
            for f in self.on_start {
                f(&core);
            }
        }
        say!("Switchboard is running.");
        match core.attached() {
            None => say!("  applications connect to  {}", core.app_url()),
            Some(nodes) => {
                for link in nodes.status() {
                    say!("  attached to              {}", link.url);
                }
            }
        }
        say!("  console                  {}", core.ui_url());
        if let Some(path) = core.capture_path() {
            say!("  recording into           {}", path.display());
        }
        if headless {
            say!("Press Ctrl-C to stop.");
            let signal = rt.block_on(signals.wait());
            eprintln!("{signal}: shutting down...");
        } else {
            window::run(&rt, &core.ui_url(), window_host, signals)?;
            eprintln!("shutting down...");
        }
        rt.block_on(core.shutdown())?;
        Ok(())
    }
}
