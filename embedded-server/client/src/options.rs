//! Connection settings, with the super-line client's defaults.

use std::time::Duration;

use url::Url;

use super::Backoff;

/// How a [`Client`](super::Client) connects and behaves.
///
/// Build with [`ClientOptions::new`] and the chained setters; every field is public so tests and
/// tools can also use struct-update syntax.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Server address, `ws://host:port/path`. The role and [`params`](Self::params) are appended
    /// to its query string. Only `ws://` is supported: the crate is built without TLS.
    pub url: String,
    /// Sent as `?role=...`; the server's authenticate hook decides from it (and the params) what
    /// this connection may do.
    pub role: String,
    /// Extra query parameters (for example `name=alice`), sent in order after the role.
    /// Values are URL-encoded.
    pub params: Vec<(String, String)>,
    /// Extra request headers sent with every WebSocket upgrade (for example a tool's key the
    /// server checks). Unlike the params they never reach the URL, so they stay out of logs.
    pub headers: Vec<(String, String)>,
    /// Timeout of [`Client::request`](super::Client::request) and of a subscribe's ack.
    /// Default 30 s. It covers time spent queued while reconnecting.
    pub request_timeout: Duration,
    /// Retry after a failed attempt or a dropped socket. Default `true`. When `false`, the first
    /// failure closes the client for good.
    pub reconnect: bool,
    /// Delays between reconnect attempts. Default 500 ms base, factor 2, 30 s cap, full jitter.
    pub backoff: Backoff,
    /// How many requests and subscribes may wait for a connection. Beyond it calls fail at once
    /// with [`ClientError::QueueFull`](super::ClientError::QueueFull), so a long outage cannot
    /// grow memory without bound. Default 1024; 0 means calls made while disconnected fail at
    /// once.
    pub queue_limit: usize,
    /// Limit for one attempt: TCP connect, WebSocket upgrade and the server's first (`env`)
    /// frame. Default 10 s.
    pub connect_timeout: Duration,
}

impl ClientOptions {
    /// Options for `url` (e.g. `ws://127.0.0.1:8080/`) and `role`, everything else default.
    pub fn new(url: impl Into<String>, role: impl Into<String>) -> Self {
        ClientOptions {
            url: url.into(),
            role: role.into(),
            params: Vec::new(),
            headers: Vec::new(),
            request_timeout: Duration::from_secs(30),
            reconnect: true,
            backoff: Backoff::default(),
            queue_limit: 1024,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Add a query parameter (e.g. `.param("name", "alice")`).
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((key.into(), value.into()));
        self
    }

    /// Add a header to the upgrade request (e.g. `.header("x-key", "...")`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    pub fn reconnect(mut self, reconnect: bool) -> Self {
        self.reconnect = reconnect;
        self
    }

    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    pub fn queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = limit;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The URL actually dialled: `url` with `role` and the params appended to its query.
    ///
    /// The error is a message for [`ClientError::Connect`](super::ClientError::Connect): a URL
    /// that does not parse will never work, so the client reports it and stops.
    pub fn endpoint(&self) -> Result<Url, String> {
        let mut url =
            Url::parse(&self.url).map_err(|e| format!("invalid server URL {:?}: {e}", self.url))?;
        match url.scheme() {
            "ws" | "wss" => {}
            other => {
                return Err(format!(
                    "server URL must start with ws:// (got scheme `{other}:` in {:?})",
                    self.url
                ))
            }
        }
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("role", &self.role);
            for (k, v) in &self.params {
                query.append_pair(k, v);
            }
        }
        Ok(url)
    }
}

/// `url` without its query string, for log lines and error messages: the query may carry
/// credentials.
pub(crate) fn redacted(url: &Url) -> &str {
    &url[..url::Position::AfterPath]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_and_params_go_in_the_query() {
        let opts = ClientOptions::new("ws://127.0.0.1:9/live", "user")
            .param("name", "alice b")
            .param("k", "a&b=c");
        let url = opts.endpoint().unwrap();
        assert_eq!(
            url.as_str(),
            "ws://127.0.0.1:9/live?role=user&name=alice+b&k=a%26b%3Dc"
        );
        assert_eq!(redacted(&url), "ws://127.0.0.1:9/live");
    }

    #[test]
    fn rejects_unusable_urls() {
        let e = ClientOptions::new("not a url", "user")
            .endpoint()
            .unwrap_err();
        assert!(e.starts_with("invalid server URL"), "{e}");
        let e = ClientOptions::new("http://x/", "user")
            .endpoint()
            .unwrap_err();
        assert!(e.contains("ws://"), "{e}");
    }
}
