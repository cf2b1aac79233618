//! A console backend over the demo on free ports, a capture file in a temporary folder, an
//! HTTP client that carries the token, and real demo clients over WebSocket.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use switchboard_client::{Client, ClientOptions};
use switchboard_console_core::{BrowserHost, ConsoleCore, ConsoleOptions};
use switchboard_demo as demo;

pub struct Harness {
    pub core: ConsoleCore,
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    _dir: tempfile::TempDir,
}

pub async fn start() -> Harness {
    start_in(tempfile::tempdir().expect("temp dir")).await
}

/// A console recording into `dir`/capture.db (a folder a previous harness used, to restart).
pub async fn start_in(dir: tempfile::TempDir) -> Harness {
    let server = demo::builder()
        .expect("demo contract")
        .build()
        .expect("demo server");
    start_server_in(server, dir).await
}

/// A console around `server` (a demo built with a configuration of the test's own).
pub async fn start_server(server: switchboard_server::Server) -> Harness {
    start_server_in(server, tempfile::tempdir().expect("temp dir")).await
}

async fn start_server_in(server: switchboard_server::Server, dir: tempfile::TempDir) -> Harness {
    let mut opts = ConsoleOptions::new();
    opts.app_listen = "127.0.0.1:0".into();
    opts.ui_listen = "127.0.0.1:0".into();
    opts.capture = Some(dir.path().join("capture.db"));
    opts.source = "demo".into();
    let core = ConsoleCore::start(server, opts, Arc::new(BrowserHost))
        .await
        .expect("console starts");
    let base = format!("http://{}", core.ui_addr());
    let token = core.token().to_owned();
    Harness {
        core,
        http: reqwest::Client::new(),
        base,
        token,
        _dir: dir,
    }
}

/// A console in attach mode following `urls`, recording into a fresh capture file.
pub async fn start_attached(urls: Vec<String>) -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut opts = ConsoleOptions::new();
    opts.ui_listen = "127.0.0.1:0".into();
    opts.capture = Some(dir.path().join("capture.db"));
    opts.source = "attach".into();
    let core = ConsoleCore::attach(urls, opts, Arc::new(BrowserHost))
        .await
        .expect("console attaches");
    let base = format!("http://{}", core.ui_addr());
    let token = core.token().to_owned();
    Harness {
        core,
        http: reqwest::Client::new(),
        base,
        token,
        _dir: dir,
    }
}

/// A console in proxy mode relaying to `upstream` (`ws://HOST:PORT`), recording into a fresh
/// capture file; the proxy too, for the address clients connect to.
pub async fn start_proxy(
    upstream: &str,
) -> (Harness, Arc<switchboard_console_core::nodes::proxy::Proxy>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut opts = ConsoleOptions::new();
    opts.ui_listen = "127.0.0.1:0".into();
    opts.capture = Some(dir.path().join("capture.db"));
    opts.source = "proxy".into();
    let (core, proxy) = ConsoleCore::proxy(upstream, "127.0.0.1:0", opts, Arc::new(BrowserHost))
        .await
        .expect("console proxies");
    let base = format!("http://{}", core.ui_addr());
    let token = core.token().to_owned();
    let h = Harness {
        core,
        http: reqwest::Client::new(),
        base,
        token,
        _dir: dir,
    };
    (h, proxy)
}

impl Harness {
    /// Stops the console and hands back its folder (capture file and all).
    pub async fn stop(self) -> tempfile::TempDir {
        self.core.shutdown().await.expect("console shuts down");
        self._dir
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> T {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        assert!(res.status().is_success(), "GET {path}: {}", res.status());
        res.json().await.expect("json body")
    }

    /// GET with the token; returns the status and the JSON body (for refusals).
    pub async fn get_status(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    /// POST with the token; returns the status and the JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(self.http.delete(format!("{}{path}", self.base)))
            .await
    }

    /// Sends `req` with the token; the status and the JSON body (`null` when there is none).
    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let res = req.bearer_auth(&self.token).send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A demo client connected to the application endpoint.
    pub async fn client(&self, role: &str, name: &str) -> Client {
        let client =
            Client::connect(ClientOptions::new(self.core.app_url(), role).param("name", name));
        client
            .wait_connected(Duration::from_secs(10))
            .await
            .expect("client connects");
        client
    }

    /// The id of `user`'s connection.
    pub async fn conn_id(&self, user: &str) -> String {
        for _ in 0..100 {
            let page: Value = self.get(&format!("/api/connections?q={user}")).await;
            if let Some(id) = page["rows"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["user"] == user))
                .and_then(|r| r["id"].as_str())
            {
                return id.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no connection for {user}");
    }
}

/// The polling helper every harness shares.
pub use switchboard_testkit::eventually_some as eventually;

/// A demo client of `role` named `name`, connected to the application at `url` and not
/// reconnecting (a test that stops a node wants to see it gone).
pub async fn client_at(url: &str, role: &str, name: &str) -> Client {
    let client = Client::connect(
        ClientOptions::new(url, role)
            .param("name", name)
            .reconnect(false),
    );
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .expect("client connects");
    client
}
