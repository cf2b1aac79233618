//! Running the `switchboard-server` binary built with these tests.

/// Start the `switchboard-server` binary with `args` and return it with the URL it printed.
pub async fn spawn_binary(args: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let first = reader.read_line(&mut line).map(|_| line);
        // Keep draining what it prints later (the inspector's URL, `recording into`), so the
        // pipe never closes under it.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        first
    })
    .await
    .expect("reader task")
    .expect("a line on stdout");
    assert!(line.starts_with("Switchboard listening on ws://"), "{line}");
    let url = line
        .split_whitespace()
        .nth(3)
        .expect("url printed")
        .to_owned();
    (child, url)
}

/// Start the binary with `args` (and `env`) and return it with the first `lines` lines it
/// printed. Its stdout keeps being read (and discarded) afterwards, so later prints never meet
/// a closed pipe.
pub async fn spawn_binary_lines(
    args: &[&str],
    env: &[(&str, &str)],
    lines: usize,
) -> (std::process::Child, Vec<String>) {
    use std::io::{BufRead, BufReader};
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard-server"));
    command
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let _ = tx.send(line);
        }
    });
    let printed = tokio::task::spawn_blocking(move || {
        (0..lines)
            .map(|_| {
                rx.recv_timeout(crate::support::WAIT)
                    .expect("a line on stdout")
            })
            .collect::<Vec<_>>()
    })
    .await
    .expect("reader task");
    (child, printed)
}
