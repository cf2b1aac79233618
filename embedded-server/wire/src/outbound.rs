//! Encoding frames once.
//!
//! A server frame is built straight into one buffer and frozen into [`Frame`], a cheaply
//! clonable, reference-counted UTF-8 buffer: a room broadcast is encoded one time and the same
//! bytes are queued to every member. [`Encoded`] also remembers where the payload (`d`) sits in
//! the frame so the recorder can store the exact JSON that went on the wire without encoding it
//! again.

use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

use super::ErrorCode;

/// The bytes of one text frame, shared between every queue it is sent to.
pub type Frame = tungstenite::Utf8Bytes;

/// A frame plus where its payload lies inside it.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub frame: Frame,
    pub payload: Range<usize>,
}

impl Encoded {
    /// The payload's JSON text, exactly as sent.
    pub fn payload_str(&self) -> &str {
        &self.frame.as_str()[self.payload.clone()]
    }

    pub fn len(&self) -> usize {
        self.frame.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frame.is_empty()
    }
}

struct Builder {
    buf: Vec<u8>,
}

impl Builder {
    fn new(t: &str) -> Self {
        let mut buf = Vec::with_capacity(96);
        buf.extend_from_slice(b"{\"t\":\"");
        buf.extend_from_slice(t.as_bytes());
        buf.push(b'"');
        Builder { buf }
    }

    fn key(&mut self, k: &str) {
        self.buf.extend_from_slice(b",\"");
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }

    fn num(&mut self, k: &str, n: u64) {
        self.key(k);
        self.buf.extend_from_slice(n.to_string().as_bytes());
    }

    fn string(&mut self, k: &str, s: &str) {
        self.key(k);
        // Writing a &str to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.buf, s);
    }

    fn value<T: Serialize + ?Sized>(
        &mut self,
        k: &str,
        v: &T,
    ) -> Result<Range<usize>, serde_json::Error> {
        self.key(k);
        let start = self.buf.len();
        serde_json::to_writer(&mut self.buf, v)?;
        Ok(start..self.buf.len())
    }

    fn finish(mut self, payload: Range<usize>) -> Encoded {
        self.buf.push(b'}');
        // serde_json only ever writes valid UTF-8, and the fixed parts are ASCII.
        let text = String::from_utf8(self.buf).unwrap_or_default();
        Encoded {
            frame: Frame::from(text),
            payload,
        }
    }
}

/// Server-to-client frames.
pub mod encode {
    use super::*;

    pub fn env<T: Serialize + ?Sized>(d: &T) -> Result<Encoded, serde_json::Error> {
        let mut b = Builder::new("env");
        let p = b.value("d", d)?;
        Ok(b.finish(p))
    }

    pub fn res<T: Serialize + ?Sized>(i: u64, d: &T) -> Result<Encoded, serde_json::Error> {
        let mut b = Builder::new("res");
        b.num("i", i);
        let p = b.value("d", d)?;
        Ok(b.finish(p))
    }

    /// An error reply; `i` is `None` for a connection-level error.
    pub fn err(i: Option<u64>, code: &ErrorCode, m: &str, d: Option<&Value>) -> Encoded {
        let mut b = Builder::new("err");
        if let Some(i) = i {
            b.num("i", i);
        }
        b.string("code", code.as_str());
        b.string("m", m);
        let p = match d {
            Some(d) => b.value("d", d).unwrap_or(0..0),
            None => 0..0,
        };
        b.finish(p)
    }

    pub fn evt<T: Serialize + ?Sized>(e: &str, d: &T) -> Result<Encoded, serde_json::Error> {
        let mut b = Builder::new("evt");
        b.string("e", e);
        let p = b.value("d", d)?;
        Ok(b.finish(p))
    }

    /// A topic publish; `nd` is the publishing node's id.
    pub fn publish<T: Serialize + ?Sized>(
        c: &str,
        d: &T,
        nd: &str,
    ) -> Result<Encoded, serde_json::Error> {
        let mut b = Builder::new("pub");
        b.string("c", c);
        let p = b.value("d", d)?;
        b.string("nd", nd);
        Ok(b.finish(p))
    }

    pub fn sreq<T: Serialize + ?Sized>(
        i: u64,
        m: &str,
        d: &T,
    ) -> Result<Encoded, serde_json::Error> {
        let mut b = Builder::new("sreq");
        b.num("i", i);
        b.string("m", m);
        let p = b.value("d", d)?;
        Ok(b.finish(p))
    }

    pub fn ping() -> Encoded {
        Builder::new("ping").finish(0..0)
    }

    pub fn pong() -> Encoded {
        Builder::new("pong").finish(0..0)
    }
}

/// Client-to-server frames, as text (used by the Rust client and the load generator).
pub mod encode_client {
    use super::*;

    fn text(b: Builder) -> String {
        b.finish(0..0).frame.as_str().to_owned()
    }

    pub fn req(i: u64, m: &str, d: &Value) -> String {
        let mut b = Builder::new("req");
        b.num("i", i);
        b.string("m", m);
        let _ = b.value("d", d);
        text(b)
    }

    pub fn sub(i: u64, c: &str) -> String {
        let mut b = Builder::new("sub");
        b.num("i", i);
        b.string("c", c);
        text(b)
    }

    pub fn unsub(c: &str) -> String {
        let mut b = Builder::new("unsub");
        b.string("c", c);
        text(b)
    }

    pub fn sres(i: u64, d: &Value) -> String {
        let mut b = Builder::new("sres");
        b.num("i", i);
        let _ = b.value("d", d);
        text(b)
    }

    pub fn serr(i: u64, code: &ErrorCode, m: &str, d: Option<&Value>) -> String {
        let mut b = Builder::new("serr");
        b.num("i", i);
        b.string("code", code.as_str());
        b.string("m", m);
        if let Some(d) = d {
            let _ = b.value("d", d);
        }
        text(b)
    }

    pub fn pong() -> String {
        text(Builder::new("pong"))
    }

    pub fn ping() -> String {
        text(Builder::new("ping"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_match_the_wire() {
        let e = encode::evt("message", &json!({"room":"a"})).unwrap();
        assert_eq!(
            e.frame.as_str(),
            r#"{"t":"evt","e":"message","d":{"room":"a"}}"#
        );
        assert_eq!(e.payload_str(), r#"{"room":"a"}"#);
        let e = encode::err(Some(4), &ErrorCode::NOT_FOUND, "Unknown message: x", None);
        assert_eq!(
            e.frame.as_str(),
            r#"{"t":"err","i":4,"code":"NOT_FOUND","m":"Unknown message: x"}"#
        );
        let e = encode::publish("announce", &json!({"msg":"hi"}), "n1").unwrap();
        assert_eq!(
            e.frame.as_str(),
            r#"{"t":"pub","c":"announce","d":{"msg":"hi"},"nd":"n1"}"#
        );
        assert_eq!(encode::ping().frame.as_str(), r#"{"t":"ping"}"#);
        assert_eq!(
            encode_client::sub(2, "announce"),
            r#"{"t":"sub","i":2,"c":"announce"}"#
        );
    }
}
