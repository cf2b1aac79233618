//! A real `redis-server` for tests: its own port, its own empty directory, no persistence, and
//! `stop()`/`restart()` on the same port to simulate an outage.
//!
//! Synchronous on purpose (std process and sockets only), so any test can use it whatever its
//! runtime; tests that need their adapters to keep running while the server starts should use a
//! multi-threaded tokio runtime.
//!
//! A missing `redis-server` binary fails the test with instructions rather than skipping it: a
//! skipped transport test looks exactly like a passing one. `scripts/ensure.sh` installs it.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a starting server may take to answer PING.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// Ports tried when another process grabs the free port between our probe and redis's bind.
const START_ATTEMPTS: usize = 5;

pub struct RedisServer {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers PING. Panics (failing the
    /// test) when `redis-server` is not installed or does not start.
    pub fn start() -> RedisServer {
        ensure_installed();
        let mut dir = tempfile::Builder::new()
            .prefix("sb-redis-test-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir for redis-server: {e}"));
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let mut server = RedisServer {
                port: free_port(),
                dir,
                child: None,
            };
            match server.spawn_and_wait() {
                Ok(()) => return server,
                Err(e) => {
                    last_error = e;
                    dir = server.take_dir();
                }
            }
        }
        panic!("redis-server did not start after {START_ATTEMPTS} attempts: {last_error}");
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kills the server (SIGKILL: like a crash, every client sees its socket close) and waits
    /// for the process to exit. Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server if it runs, then starts a fresh one on the same port (an empty
    /// dataset: nothing is persisted).
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + START_TIMEOUT;
        // The port was just released; retry briefly in case the kernel has not let go of it.
        loop {
            match self.spawn_and_wait() {
                Ok(()) => return,
                Err(e) if Instant::now() >= deadline => {
                    panic!("redis-server did not restart on port {}: {e}", self.port)
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Freezes the server (SIGSTOP): its sockets stay open but nothing is answered, like a
    /// hung host or a network partition. Only timeouts can notice this.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Resumes a frozen server (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("redis-server is not running");
        let status = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap_or_else(|e| panic!("cannot run kill {signal}: {e}"));
        assert!(status.success(), "kill {signal} failed: {status}");
    }

    /// Sends one command (inline protocol) and returns the raw reply, for quick checks that do
    /// not need a client library.
    pub fn command(&self, command: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(format!("{command}\r\n").as_bytes())?;
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf)?;
        let _ = stream.shutdown(Shutdown::Both);
        Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    fn spawn_and_wait(&mut self) -> Result<(), String> {
        let log = File::create(self.log_path()).map_err(|e| format!("creating the log: {e}"))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("cloning the log: {e}"))?;
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("spawning redis-server: {e}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!(
                        "redis-server exited with {status} on port {}; log:\n{}",
                        self.port,
                        read_log(&self.log_path())
                    ));
                }
            }
            if self
                .command("PING")
                .is_ok_and(|reply| reply.starts_with("+PONG"))
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(format!(
                    "redis-server on port {} did not answer PING within {START_TIMEOUT:?}; log:\n{}",
                    self.port,
                    read_log(&self.log_path())
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Gives the temp dir to the next attempt (this failed server is dropped).
    fn take_dir(mut self) -> tempfile::TempDir {
        self.stop();
        let replacement = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        std::mem::replace(&mut self.dir, replacement)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn ensure_installed() {
    match Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("`redis-server --version` failed ({status}); reinstall redis-server"),
        Err(e) if e.kind() == ErrorKind::NotFound => panic!(
            "redis-server is not installed, and the Redis adapter tests need a real one. \
             Install it (Debian/Ubuntu: `apt-get install redis-server`; or run scripts/test, \
             whose scripts/ensure.sh installs it). Tests start their own server; no running \
             Redis service is needed."
        ),
        Err(e) => panic!("cannot run redis-server: {e}"),
    }
}

/// A port that was free a moment ago: bind port 0, read the port, release it.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to find a free port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("cannot read the bound port: {e}"))
        .port()
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log: {e})"))
}
