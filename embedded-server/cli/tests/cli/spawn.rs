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
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
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
