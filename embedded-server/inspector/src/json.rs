//! JSON written by hand into a string, for the events a socket sends: the same bytes
//! `serde_json` would write, without its per-string escaping loop or its serializer state.
//!
//! Why by hand: an event is a dozen short strings (ids, names, field keys) and a payload that
//! is usually copied through as it is. Through `serde_json`, escaping those strings byte by byte
//! was the largest single cost of an attached console (`docs/benchmarks.md`, section 7); here a
//! string that needs no escape (nearly all of them) is copied whole, and one that does is
//! handed to `serde_json`, so the output never differs from it. Secrets are masked while a
//! value is written, as [`switchboard_server::secrets::mask_value`] would mask a copy.

use serde_json::Value;
use switchboard_server::secrets::{is_secret_key, MASK};

/// The bytes JSON (and `serde_json`) escapes in a string: `"`, `\` and control characters.
const ESCAPED: [bool; 256] = {
    let mut escaped = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        escaped[b] = true;
        b += 1;
    }
    escaped[b'"' as usize] = true;
    escaped[b'\\' as usize] = true;
    escaped
};

/// Whether `s` can be written between quotes as it is. One table look-up per byte: the strings
/// written here are mostly ids and names of a few to a few dozen bytes.
fn plain(s: &str) -> bool {
    !s.bytes().any(|b| ESCAPED[b as usize])
}

/// `s` as a JSON string.
pub(crate) fn string(out: &mut String, s: &str) {
    if plain(s) {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        // Rare: ids and names seldom hold a quote, a backslash or a control character.
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    }
}

pub(crate) fn unsigned(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

pub(crate) fn signed(out: &mut String, n: i64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// `value` with every value under a secret-looking key (at any depth) written as the mask.
pub(crate) fn masked(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                unsigned(out, u);
            } else if let Some(i) = n.as_i64() {
                signed(out, i);
            } else {
                // A float: `serde_json`'s own formatting (shortest round-trip form).
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                masked(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (n, (k, v)) in map.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                string(out, k);
                out.push(':');
                if is_secret_key(k) {
                    string(out, MASK);
                } else {
                    masked(out, v);
                }
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(f: impl FnOnce(&mut String)) -> String {
        let mut out = String::new();
        f(&mut out);
        out
    }

    #[test]
    fn strings_are_written_exactly_as_serde_json_writes_them() {
        for s in [
            "",
            "plain",
            "c-17",
            "quote \" inside",
            "back\\slash",
            "line\nbreak\ttab\r\u{8}\u{c}",
            "\u{0}\u{1f} controls",
            "\u{7f} is not escaped",
            "unicode é ✓ 😀",
            "</script>",
            "exactly8",
            "sixteen bytes ok",
            "sixteen bytes \"x",
            "0123456789abcdef\u{1}",
            "0123456\\",
            "\u{1f}0123456",
            "ééééééééé\"",
        ] {
            assert_eq!(
                text(|o| string(o, s)),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn values_are_written_as_serde_json_writes_their_masked_copy() {
        for v in [
            json!(null),
            json!(true),
            json!([false, 0, -1, u64::MAX, i64::MIN, 1.5, -0.25, 1e300, 3.0]),
            json!({"a": {"b": [1, {"c": "d"}]}, "e\"f": "g\nh", "": ""}),
            json!({"password": "p", "deep": {"apiKey": {"x": 1}, "ok": [{"Client-Secret": 2}]}}),
            json!({"token": null, "tokens": [1, 2], "text": "token: not a key"}),
            json!("just a string"),
        ] {
            let mut copy = v.clone();
            switchboard_server::secrets::mask_value(&mut copy);
            assert_eq!(
                text(|o| masked(o, &v)),
                serde_json::to_string(&copy).unwrap(),
                "{v}"
            );
        }
    }

    #[test]
    fn numbers_match_serde_json() {
        for n in [0i64, 1, -1, 42, i64::MAX, i64::MIN] {
            assert_eq!(text(|o| signed(o, n)), n.to_string());
        }
        assert_eq!(text(|o| unsigned(o, u64::MAX)), u64::MAX.to_string());
    }
}
