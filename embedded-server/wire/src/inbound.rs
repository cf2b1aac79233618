//! Parsing frames with errors that say exactly what was wrong, so a bad frame can be answered
//! with a useful connection-level `err` instead of being dropped silently.

use serde_json::{Map, Value};

use super::ErrorCode;

/// A frame a client sends to the server.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrame {
    Req {
        i: u64,
        m: String,
        d: Value,
    },
    Sub {
        i: u64,
        c: String,
    },
    Unsub {
        c: String,
    },
    Sres {
        i: u64,
        d: Value,
    },
    Serr {
        i: u64,
        code: ErrorCode,
        m: String,
        d: Option<Value>,
    },
    Ping,
    Pong,
}

/// A frame the server sends to a client.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame {
    Env {
        d: Value,
    },
    Res {
        i: u64,
        d: Value,
    },
    Err {
        i: Option<u64>,
        code: ErrorCode,
        m: String,
        d: Option<Value>,
    },
    Evt {
        e: String,
        d: Value,
    },
    Pub {
        c: String,
        d: Value,
        nd: Option<String>,
    },
    Sreq {
        i: u64,
        m: String,
        d: Value,
    },
    Ping,
    Pong,
}

/// Why a frame could not be understood. The message is sent to the peer as is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct FrameError {
    pub message: String,
}

impl FrameError {
    fn new(message: impl Into<String>) -> Self {
        FrameError {
            message: message.into(),
        }
    }
}

struct Fields<'a> {
    t: &'a str,
    obj: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn id(&self) -> Result<u64, FrameError> {
        match self.obj.get("i") {
            None => Err(FrameError::new(format!(
                "`{}` frame is missing field `i`",
                self.t
            ))),
            Some(v) => v.as_u64().ok_or_else(|| {
                FrameError::new(format!(
                    "`{}` frame field `i` must be a non-negative integer, got {}",
                    self.t,
                    short(v)
                ))
            }),
        }
    }

    fn opt_id(&self) -> Result<Option<u64>, FrameError> {
        match self.obj.get("i") {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.id().map(Some),
        }
    }

    fn string(&self, key: &str) -> Result<String, FrameError> {
        match self.obj.get(key) {
            None => Err(FrameError::new(format!(
                "`{}` frame is missing field `{key}`",
                self.t
            ))),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(FrameError::new(format!(
                "`{}` frame field `{key}` must be a string, got {}",
                self.t,
                short(v)
            ))),
        }
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, FrameError> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.string(key).map(Some),
        }
    }

    /// The payload; an absent `d` reads as `null` (the schema then decides whether that is
    /// acceptable), which is what a client sending a request without input means.
    fn data(&self) -> Value {
        self.obj.get("d").cloned().unwrap_or(Value::Null)
    }

    fn opt_data(&self) -> Option<Value> {
        self.obj.get("d").cloned()
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 40 {
        format!("{}...", crate::util::truncate_utf8(&s, 40))
    } else {
        s
    }
}

fn object(text: &str) -> Result<Map<String, Value>, FrameError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| FrameError::new(format!("frame is not valid JSON: {e}")))?;
    match value {
        Value::Object(obj) => Ok(obj),
        other => Err(FrameError::new(format!(
            "frame must be a JSON object, got {}",
            kind_of(&other)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn frame_type(obj: &Map<String, Value>) -> Result<&str, FrameError> {
    match obj.get("t") {
        None => Err(FrameError::new(
            "frame is missing field `t` (the frame type)",
        )),
        Some(Value::String(t)) => Ok(t),
        Some(v) => Err(FrameError::new(format!(
            "frame field `t` must be a string, got {}",
            short(v)
        ))),
    }
}

/// Parse one text frame sent by a client.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, FrameError> {
    let obj = object(text)?;
    let t = frame_type(&obj)?;
    let f = Fields { t, obj: &obj };
    Ok(match t {
        "req" => ClientFrame::Req {
            i: f.id()?,
            m: f.string("m")?,
            d: f.data(),
        },
        "sub" => ClientFrame::Sub {
            i: f.id()?,
            c: f.string("c")?,
        },
        "unsub" => ClientFrame::Unsub { c: f.string("c")? },
        "sres" => ClientFrame::Sres {
            i: f.id()?,
            d: f.data(),
        },
        "serr" => ClientFrame::Serr {
            i: f.id()?,
            code: ErrorCode::from(f.string("code")?.as_str()),
            m: f.opt_string("m")?.unwrap_or_default(),
            d: f.opt_data(),
        },
        "ping" => ClientFrame::Ping,
        "pong" => ClientFrame::Pong,
        other => {
            return Err(FrameError::new(format!(
                "unknown frame type `{other}` (expected req, sub, unsub, sres, serr, ping or pong)"
            )))
        }
    })
}

/// Parse one text frame sent by a server (used by the Rust client).
pub fn parse_server_frame(text: &str) -> Result<ServerFrame, FrameError> {
    let obj = object(text)?;
    let t = frame_type(&obj)?;
    let f = Fields { t, obj: &obj };
    Ok(match t {
        "env" => ServerFrame::Env { d: f.data() },
        "res" => ServerFrame::Res {
            i: f.id()?,
            d: f.data(),
        },
        "err" => ServerFrame::Err {
            i: f.opt_id()?,
            code: ErrorCode::from(f.string("code")?.as_str()),
            m: f.opt_string("m")?.unwrap_or_default(),
            d: f.opt_data(),
        },
        "evt" => ServerFrame::Evt {
            e: f.string("e")?,
            d: f.data(),
        },
        "pub" => ServerFrame::Pub {
            c: f.string("c")?,
            d: f.data(),
            nd: f.opt_string("nd")?,
        },
        "sreq" => ServerFrame::Sreq {
            i: f.id()?,
            m: f.string("m")?,
            d: f.data(),
        },
        "ping" => ServerFrame::Ping,
        "pong" => ServerFrame::Pong,
        other => return Err(FrameError::new(format!("unknown frame type `{other}`"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_client_frame() {
        assert_eq!(
            parse_client_frame(r#"{"t":"req","i":1,"m":"join","d":{"room":"a"}}"#).unwrap(),
            ClientFrame::Req {
                i: 1,
                m: "join".into(),
                d: serde_json::json!({"room":"a"})
            }
        );
        assert_eq!(
            parse_client_frame(r#"{"t":"sub","i":2,"c":"announce"}"#).unwrap(),
            ClientFrame::Sub {
                i: 2,
                c: "announce".into()
            }
        );
        assert_eq!(
            parse_client_frame(r#"{"t":"pong"}"#).unwrap(),
            ClientFrame::Pong
        );
    }

    #[test]
    fn explains_what_is_wrong() {
        let e = parse_client_frame("{nope").unwrap_err();
        assert!(e.message.starts_with("frame is not valid JSON"), "{e}");
        let e = parse_client_frame("[1]").unwrap_err();
        assert_eq!(e.message, "frame must be a JSON object, got an array");
        let e = parse_client_frame(r#"{"t":"req","m":"x"}"#).unwrap_err();
        assert_eq!(e.message, "`req` frame is missing field `i`");
        let e = parse_client_frame(r#"{"t":"req","i":"1","m":"x"}"#).unwrap_err();
        assert!(e.message.contains("must be a non-negative integer"), "{e}");
        let e = parse_client_frame(r#"{"t":"zap"}"#).unwrap_err();
        assert!(e.message.starts_with("unknown frame type `zap`"), "{e}");
        let e = parse_client_frame(r#"{"i":1}"#).unwrap_err();
        assert!(e.message.contains("missing field `t`"), "{e}");
    }
}
