//! A frame read for the record without building its payload as a JSON value.
//!
//! The wire parser (`switchboard_wire::parse_*_frame`) turns a whole frame into a
//! `serde_json::Value`, and the record then encodes the payload back to text: a tree of
//! allocations per frame, cloned for each tap and freed again, for text the frame already holds.
//! Here only the envelope's fields are read (borrowed), and the payload is kept as the text it
//! is ([`TapPayload::Frame`], one copy of its bytes): nothing is built, cloned per tap or
//! re-encoded.
//!
//! The record must stay what it was with the wire parser: a payload recorded as
//! `serde_json::to_string` of the parsed value (keys sorted, no spaces, its own escapes and
//! number forms). So the payload's text is used only when it already *is* that text
//! ([`canonical`]); any other frame (spaces, unsorted or repeated keys, `\u00e9`, floats, an
//! unknown field, a missing field, anything odd) makes [`client`] / [`server`] answer `None`,
//! and the caller goes through the wire parser as before, which also gives the same error for
//! a frame that is not the wire.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;
use switchboard_server::tap::TapPayload;
use switchboard_server::wire::{ClientFrame, Encoded, ErrorCode, Frame, ServerFrame};

/// Deepest payload taken as text; deeper ones go through the wire parser (whose JSON
/// parser stops at 128 levels, the frame's own object included).
const MAX_FAST_DEPTH: usize = 64;

/// A client's frame, as the record needs it.
pub enum Client<'a> {
    Req {
        i: u64,
        m: Cow<'a, str>,
        d: TapPayload,
    },
    Sub {
        i: u64,
        c: Cow<'a, str>,
    },
    Unsub {
        c: Cow<'a, str>,
    },
    Sres {
        i: u64,
        d: TapPayload,
    },
    Serr {
        i: u64,
        code: ErrorCode,
        m: Cow<'a, str>,
    },
    Ping,
}

/// A server's frame, as the record needs it.
pub enum Server<'a> {
    Env {
        d: TapPayload,
    },
    Res {
        i: u64,
        d: TapPayload,
    },
    Err {
        i: Option<u64>,
        code: ErrorCode,
        m: Cow<'a, str>,
        d: Option<TapPayload>,
    },
    Evt {
        e: Cow<'a, str>,
        d: TapPayload,
    },
    Pub {
        c: Cow<'a, str>,
        d: TapPayload,
        nd: Option<Cow<'a, str>>,
    },
    Sreq {
        i: u64,
        m: Cow<'a, str>,
        d: TapPayload,
    },
    Ping,
}

impl From<ClientFrame> for Client<'static> {
    fn from(f: ClientFrame) -> Self {
        match f {
            ClientFrame::Req { i, m, d } => Client::Req {
                i,
                m: m.into(),
                d: TapPayload::Json(d),
            },
            ClientFrame::Sub { i, c } => Client::Sub { i, c: c.into() },
            ClientFrame::Unsub { c } => Client::Unsub { c: c.into() },
            ClientFrame::Sres { i, d } => Client::Sres {
                i,
                d: TapPayload::Json(d),
            },
            ClientFrame::Serr { i, code, m, .. } => Client::Serr {
                i,
                code,
                m: m.into(),
            },
            ClientFrame::Ping | ClientFrame::Pong => Client::Ping,
        }
    }
}

impl From<ServerFrame> for Server<'static> {
    fn from(f: ServerFrame) -> Self {
        match f {
            ServerFrame::Env { d } => Server::Env {
                d: TapPayload::Json(d),
            },
            ServerFrame::Res { i, d } => Server::Res {
                i,
                d: TapPayload::Json(d),
            },
            ServerFrame::Err { i, code, m, d } => Server::Err {
                i,
                code,
                m: m.into(),
                d: d.map(TapPayload::Json),
            },
            ServerFrame::Evt { e, d } => Server::Evt {
                e: e.into(),
                d: TapPayload::Json(d),
            },
            ServerFrame::Pub { c, d, nd } => Server::Pub {
                c: c.into(),
                d: TapPayload::Json(d),
                nd: nd.map(Into::into),
            },
            ServerFrame::Sreq { i, m, d } => Server::Sreq {
                i,
                m: m.into(),
                d: TapPayload::Json(d),
            },
            ServerFrame::Ping | ServerFrame::Pong => Server::Ping,
        }
    }
}

/// Every field either side's frames have. An unknown field, a repeated one or one of another
/// type fails the read (and the frame takes the wire parser's way).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(borrow)]
    t: Cow<'a, str>,
    #[serde(default)]
    i: Option<u64>,
    #[serde(default, borrow)]
    m: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    c: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    e: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    nd: Option<Cow<'a, str>>,
    /// `Some` whenever the field is there, `null` included (an explicit `"d":null` is a payload).
    #[serde(default, borrow, deserialize_with = "present")]
    d: Option<&'a RawValue>,
}

fn present<'de, D: Deserializer<'de>>(de: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(de).map(Some)
}

/// Reads the envelope and checks every payload it carries; `None` sends the frame to the wire
/// parser.
fn envelope(text: &str) -> Option<Envelope<'_>> {
    let env: Envelope = serde_json::from_str(text).ok()?;
    match env.d {
        Some(d) if !canonical(d.get()) => None,
        _ => Some(env),
    }
}

/// The payload `d` as recorded text, or `null` when the frame has none.
///
/// A copy of the payload's bytes (one allocation), not a slice of the frame: tungstenite cuts
/// each frame out of its connection's read buffer (128 KiB), and a slice kept in the recorder's
/// queue until its batch commits would keep that whole buffer alive, one per connection with a
/// frame in the queue, far past the queue's byte bound.
fn payload(d: Option<&RawValue>) -> TapPayload {
    match d {
        None => TapPayload::Json(Value::Null),
        Some(d) => {
            let text = d.get();
            TapPayload::Frame(Encoded {
                frame: Frame::from(text.to_owned()),
                payload: 0..text.len(),
            })
        }
    }
}

/// A client's frame read without the wire parser, or `None` when it has to be parsed by it.
pub fn client(text: &str) -> Option<Client<'_>> {
    let env = envelope(text)?;
    Some(match &*env.t {
        "req" => Client::Req {
            i: env.i?,
            m: env.m?,
            d: payload(env.d),
        },
        "sub" => Client::Sub {
            i: env.i?,
            c: env.c?,
        },
        "unsub" => Client::Unsub { c: env.c? },
        "sres" => Client::Sres {
            i: env.i?,
            d: payload(env.d),
        },
        "serr" => Client::Serr {
            i: env.i?,
            code: ErrorCode::from(&*env.code?),
            m: env.m.unwrap_or_default(),
        },
        "ping" | "pong" => Client::Ping,
        _ => return None,
    })
}

/// A server's frame read without the wire parser, or `None` when it has to be parsed by it.
pub fn server(text: &str) -> Option<Server<'_>> {
    let env = envelope(text)?;
    Some(match &*env.t {
        "env" => Server::Env { d: payload(env.d) },
        "res" => Server::Res {
            i: env.i?,
            d: payload(env.d),
        },
        "err" => Server::Err {
            i: env.i,
            code: ErrorCode::from(&*env.code?),
            m: env.m.unwrap_or_default(),
            d: env.d.map(|d| payload(Some(d))),
        },
        "evt" => Server::Evt {
            e: env.e?,
            d: payload(env.d),
        },
        "pub" => Server::Pub {
            c: env.c?,
            d: payload(env.d),
            nd: env.nd,
        },
        "sreq" => Server::Sreq {
            i: env.i?,
            m: env.m?,
            d: payload(env.d),
        },
        "ping" | "pong" => Server::Ping,
        _ => return None,
    })
}

/// Whether `json` (valid JSON) is exactly what `serde_json::to_string` gives for the value it
/// parses to: no whitespace, object keys in strictly increasing byte order without escapes,
/// only the escapes serde_json writes, and integers that parse to a `u64` or a negative `i64`
/// (a fraction, an exponent, `-0` or a larger integer becomes an `f64`, which is written
/// differently). Conservative: `false` only costs the slower path.
pub fn canonical(json: &str) -> bool {
    let b = json.as_bytes();
    let mut at = 0;
    value(b, &mut at, 0) && at == b.len()
}

fn value(b: &[u8], at: &mut usize, depth: usize) -> bool {
    match b.get(*at) {
        Some(b'{') => {
            if depth >= MAX_FAST_DEPTH {
                return false;
            }
            *at += 1;
            if b.get(*at) == Some(&b'}') {
                *at += 1;
                return true;
            }
            let mut previous: Option<&[u8]> = None;
            loop {
                let Some(key) = string(b, at).filter(|s| !s.contains(&b'\\')) else {
                    return false;
                };
                if previous.is_some_and(|p| p >= key) {
                    return false;
                }
                previous = Some(key);
                if b.get(*at) != Some(&b':') {
                    return false;
                }
                *at += 1;
                if !value(b, at, depth + 1) {
                    return false;
                }
                match b.get(*at) {
                    Some(b',') => *at += 1,
                    Some(b'}') => {
                        *at += 1;
                        return true;
                    }
                    _ => return false,
                }
            }
        }
        Some(b'[') => {
            if depth >= MAX_FAST_DEPTH {
                return false;
            }
            *at += 1;
            if b.get(*at) == Some(&b']') {
                *at += 1;
                return true;
            }
            loop {
                if !value(b, at, depth + 1) {
                    return false;
                }
                match b.get(*at) {
                    Some(b',') => *at += 1,
                    Some(b']') => {
                        *at += 1;
                        return true;
                    }
                    _ => return false,
                }
            }
        }
        Some(b'"') => string(b, at).is_some(),
        Some(b't') => literal(b, at, b"true"),
        Some(b'f') => literal(b, at, b"false"),
        Some(b'n') => literal(b, at, b"null"),
        Some(b'-' | b'0'..=b'9') => integer(b, at),
        _ => false,
    }
}

fn literal(b: &[u8], at: &mut usize, word: &[u8]) -> bool {
    if b[*at..].starts_with(word) {
        *at += word.len();
        true
    } else {
        false
    }
}

/// A string starting at `b[*at]` (a quote) written as serde_json writes one; its raw inside.
fn string<'a>(b: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    if b.get(*at) != Some(&b'"') {
        return None;
    }
    let start = *at + 1;
    let mut i = start;
    loop {
        match *b.get(i)? {
            b'"' => {
                *at = i + 1;
                return Some(&b[start..i]);
            }
            b'\\' => match *b.get(i + 1)? {
                b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                // serde_json writes `\u00XX` (lower-case hex) for the other control characters
                // only; anything else (`\/`, `\u00e9`, surrogate pairs) it writes differently.
                b'u' => {
                    let hex = b.get(i + 2..i + 6)?;
                    let lower = |c: u8| matches!(c, b'0'..=b'9' | b'a'..=b'f');
                    let ok = hex[0] == b'0'
                        && hex[1] == b'0'
                        && matches!(hex[2], b'0' | b'1')
                        && lower(hex[3])
                        && !matches!(&hex[2..], b"08" | b"09" | b"0a" | b"0c" | b"0d");
                    if !ok {
                        return None;
                    }
                    i += 6;
                }
                _ => return None,
            },
            c if c < 0x20 => return None,
            _ => i += 1,
        }
    }
}

fn integer(b: &[u8], at: &mut usize) -> bool {
    let negative = b[*at] == b'-';
    let start = *at + usize::from(negative);
    let mut end = start;
    while b.get(end).is_some_and(u8::is_ascii_digit) {
        end += 1;
    }
    if end == start || matches!(b.get(end), Some(b'.' | b'e' | b'E')) {
        return false;
    }
    // At most 20 digits: u64::MAX has 20.
    let Some(magnitude) = std::str::from_utf8(&b[start..end])
        .ok()
        .and_then(|d| d.parse::<u64>().ok())
    else {
        return false;
    };
    *at = end;
    // serde_json reads `-0` and anything below i64::MIN as an f64.
    !negative || (1..=1u64 << 63).contains(&magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the wire parser's record would hold for this payload.
    fn reencoded(json: &str) -> String {
        serde_json::to_string(&serde_json::from_str::<Value>(json).unwrap()).unwrap()
    }

    #[test]
    fn canonical_means_serde_json_writes_it_back_byte_for_byte() {
        let cases = [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
            r#"{"b":1,"a":2}"#,
            r#"{"a":1,"a":2}"#,
            r#"{ "a":1}"#,
            r#"{"a" :1}"#,
            "[1, 2]",
            r#""caf\u00e9""#,
            r#""café ☕ 😀""#,
            r#""\ud83d\ude00""#,
            r#""a\/b""#,
            r#""tab\there\nnew \"q\" back\\slash""#,
            r#""\u0001\u001f\u0008""#,
            r#""\u000A""#,
            r#""\b\f\r""#,
            r#""\u007f""#,
            "\"\u{7f}\"",
            "0",
            "-0",
            "-1",
            "1.0",
            "1.5",
            "1e3",
            "1E3",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "9223372036854775808",
            r#"{"a\"b":1}"#,
            r#"{"":1,"a":{}}"#,
            r#"{"é":1,"z":2}"#,
            r#"{"z":1,"é":2}"#,
            "[]",
            "{}",
            "[[[[]]]]",
            "null",
            "true",
        ];
        for json in cases {
            if canonical(json) {
                assert_eq!(reencoded(json), json, "taken as canonical");
            }
        }
        // What serde_json writes is taken as it is (floats are left to the wire parser).
        let taken = [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
            r#""café ☕ 😀""#,
            r#""tab\there\nnew \"q\" back\\slash""#,
            r#""\u0001\u001f\b""#,
            "\"\u{7f}\"",
            "0",
            "-1",
            "18446744073709551615",
            "-9223372036854775808",
            r#"{"":1,"a":{}}"#,
            r#"{"z":1,"é":2}"#,
            "[[[[]]]]",
            "null",
        ];
        for json in taken {
            assert_eq!(reencoded(json), json, "the case itself");
            assert!(canonical(json), "{json} is what serde_json writes");
        }
        for json in cases {
            if reencoded(json) != json {
                assert!(!canonical(json), "{json} re-encodes as {}", reencoded(json));
            }
        }
        let deep = format!(
            "{}{}",
            "[".repeat(MAX_FAST_DEPTH + 1),
            "]".repeat(MAX_FAST_DEPTH + 1)
        );
        assert!(!canonical(&deep), "too deep for the fast way");
    }
}
