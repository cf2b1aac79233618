//! Whether a frame's payload can be copied into an event batch exactly as it is: valid JSON,
//! without a backslash anywhere, and without a key that looks like a secret.
//!
//! One pass over the bytes instead of two (a search for secret-looking keys, then
//! `serde_json`'s validation): most payloads a server sends are small objects of plain strings
//! and numbers, and checking them was a large part of what an attached console cost per event
//! (`docs/benchmarks.md`, section 7). Anything this does not accept is not lost: the caller
//! parses it with `serde_json` and masks the value, or sends it as text when that fails too.
//!
//! Without backslashes, every `"` opens or closes a string, so a key is seen exactly as the
//! masking code would see it; a payload with any escape is left to the parser (an escape could
//! spell a secret key in disguise).

use switchboard_server::secrets::is_secret_key;

/// Nesting deeper than this is left to the parser (which has its own limit, 128).
const MAX_DEPTH: usize = 128;

/// True when `text` is one JSON value (surrounded by optional whitespace) with no `\` and no
/// object key for which [`is_secret_key`] holds.
pub(crate) fn copies_through(text: &str) -> bool {
    let mut scan = Scan {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    scan.value(0).is_some() && {
        scan.ws();
        scan.at == scan.bytes.len()
    }
}

struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek() == Some(b)).then(|| self.at += 1)
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// A string without escapes or control characters; returns its contents.
    fn string(&mut self) -> Option<&str> {
        self.eat(b'"')?;
        let open = self.at;
        let len = self.bytes[open..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        let close = open + len;
        if self.bytes[close] != b'"' {
            return None;
        }
        self.at = close + 1;
        // Quotes are ASCII: `open..close` falls on character boundaries.
        Some(&self.text[open..close])
    }

    fn digits(&mut self) -> Option<()> {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        (self.at > start).then_some(())
    }

    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        if self.eat(b'0').is_none() {
            if !matches!(self.peek(), Some(b'1'..=b'9')) {
                return None;
            }
            self.digits()?;
        }
        if self.eat(b'.').is_some() {
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.digits()?;
        }
        Some(())
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.value(depth)?;
            self.ws();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            let key = self.string()?;
            if is_secret_key(key) {
                return None;
            }
            self.ws();
            self.eat(b':')?;
            self.value(depth)?;
            self.ws();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::value::RawValue;
    use serde_json::Value;

    #[test]
    fn plain_json_copies_through_and_anything_else_does_not() {
        for ok in [
            r#"{"room":"a","text":"hello","n":[1,-2.5e3,0,0.1,1E+2,true,false,null,{}]}"#,
            " { \"a\" : [ ] } ",
            "\"just a string\"",
            "-0",
            "[]",
            r#"{"text":"my token: abc","a":["password"]}"#,
            "{\"unicode é\":\"✓\"}",
        ] {
            assert!(copies_through(ok), "{ok}");
            assert!(serde_json::from_str::<&RawValue>(ok).is_ok(), "{ok}");
        }
        for no in [
            "",
            " ",
            "{",
            "{}}",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "-",
            "tru",
            "nulll",
            "{\"a\" 1}",
            "{a:1}",
            "\"unterminated",
            "\"tab\tinside\"",
            r#"{"escaped \" quote":1}"#,
            r#"{"\u0074oken":1}"#,
            r#"{"password_hint":1}"#,
            r#"{"a":{"b":[{"api_key" : 1}]}}"#,
            "{\"Access-TOKEN\":1}",
            "1 2",
        ] {
            assert!(!copies_through(no), "{no:?}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(!copies_through(&deep), "too deep: left to the parser");
    }

    /// JSON text from arbitrary values, with arbitrary keys and strings.
    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,8}".prop_map(Value::String),
        ];
        let value = leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z_ -]{0,10}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        });
        value.prop_map(|v| v.to_string())
    }

    proptest! {
        /// What copies through is JSON that masking leaves as it is; JSON text without escapes
        /// and without secret keys copies through.
        #[test]
        fn agrees_with_the_parser_and_the_mask(text in json_text()) {
            let value: Value = serde_json::from_str(&text).unwrap();
            let mut masked = value.clone();
            switchboard_server::secrets::mask_value(&mut masked);
            let expect = !text.contains('\\') && masked == value;
            prop_assert_eq!(copies_through(&text), expect, "{}", text);
        }

        /// On any text at all, accepting means the parser accepts too.
        #[test]
        fn never_accepts_what_the_parser_refuses(text in "[ -~]{0,24}") {
            if copies_through(&text) {
                prop_assert!(serde_json::from_str::<&RawValue>(&text).is_ok(), "{}", text);
            }
        }
    }
}
