//! Redaction: masking secrets before a capture leaves the machine.
//!
//! By default every value whose key *contains* one of [`DEFAULT_KEYS`] is masked, at any depth
//! of the payload and of the row's meta (connection params, context). Keys are compared after
//! lower-casing and removing `_`, `-`, `.` and spaces, so `apiKey`, `api_key`, `API-Key` and
//! `x-api-key` all match `apikey`, and `accessToken` matches `token`. Keys added by the user
//! match a whole key under the same normalisation; JSON paths (`$.auth.token`,
//! `$.items[*].card`, `$.list[0]`) name exact places, from the root of the payload and of meta.
//!
//! A masked value becomes `"[redacted:xxxxxxxxxxxx]"`, twelve hex digits of a SHA-256 of a
//! per-export random salt and the value: the same secret gets the same mask throughout one
//! export (so "the token in message 3 is the one in message 9" stays visible), the salt is not
//! written anywhere, so masks cannot be looked up or compared across exports.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::CaptureError;
use super::row::Row;

/// Key fragments masked by default (normalised form).
pub use crate::secrets::SECRET_KEY_FRAGMENTS as DEFAULT_KEYS;

/// One step of a redaction path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    Any,
}

/// The rules of one export. Build with [`Redaction::new`] (defaults on) or [`Redaction::none`].
#[derive(Debug, Clone)]
pub struct Redaction {
    default_keys: bool,
    keys: Vec<String>,
    paths: Vec<(String, Vec<Step>)>,
    salt: [u8; 16],
}

/// What an export says about its redaction (written in JSONL headers and snapshot info).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionSummary {
    pub enabled: bool,
    /// Key fragments matched anywhere (empty when defaults are off).
    pub default_keys: Vec<String>,
    /// Whole keys added by the user.
    pub keys: Vec<String>,
    pub paths: Vec<String>,
    /// What a masked value looks like.
    pub mask: String,
}

impl Default for Redaction {
    fn default() -> Self {
        Redaction::new()
    }
}

impl Redaction {
    /// The default rules, with a fresh random salt.
    pub fn new() -> Self {
        Redaction {
            default_keys: true,
            keys: Vec::new(),
            paths: Vec::new(),
            salt: rand::random(),
        }
    }

    /// No redaction at all (`--no-default-redaction` with nothing added).
    pub fn none() -> Self {
        Redaction {
            default_keys: false,
            ..Redaction::new()
        }
    }

    pub fn with_default_keys(mut self, on: bool) -> Self {
        self.default_keys = on;
        self
    }

    /// Masks the value of every key equal to `key` (case and `_`/`-` insensitive).
    pub fn with_key(mut self, key: &str) -> Self {
        let k = normalize(key);
        if !k.is_empty() && !self.keys.contains(&k) {
            self.keys.push(k);
        }
        self
    }

    /// Masks the value at a JSON path such as `$.a.b`, `$.a[*].b`, `$['odd key'][0]`.
    pub fn with_path(mut self, path: &str) -> Result<Self, CaptureError> {
        let steps = parse_path(path)?;
        self.paths.push((path.to_string(), steps));
        Ok(self)
    }

    /// Fixes the salt (tests; exports that must be reproducible).
    pub fn with_salt(mut self, salt: [u8; 16]) -> Self {
        self.salt = salt;
        self
    }

    /// True when no rule can match anything.
    pub fn is_noop(&self) -> bool {
        !self.default_keys && self.keys.is_empty() && self.paths.is_empty()
    }

    pub fn summary(&self) -> RedactionSummary {
        RedactionSummary {
            enabled: !self.is_noop(),
            default_keys: if self.default_keys {
                DEFAULT_KEYS.iter().map(|k| k.to_string()).collect()
            } else {
                Vec::new()
            },
            keys: self.keys.clone(),
            paths: self.paths.iter().map(|(p, _)| p.clone()).collect(),
            mask: "[redacted:<12 hex digits of a salted SHA-256 of the value>]".into(),
        }
    }

    /// The mask of a value: equal values get equal masks within this `Redaction`.
    pub fn mask(&self, value: &Value) -> String {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.mask_text(&text)
    }

    fn mask_text(&self, text: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(text.as_bytes());
        let digest = h.finalize();
        let mut out = String::from("[redacted:");
        for b in &digest[..6] {
            out.push_str(&format!("{b:02x}"));
        }
        out.push(']');
        out
    }

    fn key_matches(&self, key: &str) -> bool {
        if !self.default_keys && self.keys.is_empty() {
            return false;
        }
        let k = normalize(key);
        (self.default_keys && DEFAULT_KEYS.iter().any(|d| k.contains(d))) || self.keys.contains(&k)
    }

    /// Masks matching values in place. Returns whether anything changed.
    pub fn redact_value(&self, value: &mut Value) -> bool {
        let mut changed = self.redact_keys(value);
        for (_, steps) in &self.paths {
            changed |= self.redact_path(value, steps);
        }
        changed
    }

    fn redact_keys(&self, value: &mut Value) -> bool {
        let mut changed = false;
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if self.key_matches(k) {
                        if !is_mask(v) {
                            *v = Value::String(self.mask(v));
                            changed = true;
                        }
                    } else {
                        changed |= self.redact_keys(v);
                    }
                }
            }
            Value::Array(items) => {
                for v in items {
                    changed |= self.redact_keys(v);
                }
            }
            _ => {}
        }
        changed
    }

    fn redact_path(&self, value: &mut Value, steps: &[Step]) -> bool {
        let Some((step, rest)) = steps.split_first() else {
            if is_mask(value) {
                return false;
            }
            *value = Value::String(self.mask(value));
            return true;
        };
        match (step, value) {
            (Step::Key(k), Value::Object(map)) => {
                map.get_mut(k).is_some_and(|v| self.redact_path(v, rest))
            }
            (Step::Index(i), Value::Array(items)) => {
                items.get_mut(*i).is_some_and(|v| self.redact_path(v, rest))
            }
            (Step::Any, Value::Object(map)) => map
                .values_mut()
                .fold(false, |c, v| self.redact_path(v, rest) | c),
            (Step::Any, Value::Array(items)) => items
                .iter_mut()
                .fold(false, |c, v| self.redact_path(v, rest) | c),
            _ => false,
        }
    }

    /// Masks secrets in text that may not be valid JSON (the prefix of a bad frame): every
    /// `"key": value` whose key matches has its value masked, up to the end of the value or of
    /// the text. Returns `None` when nothing matched.
    pub fn redact_text(&self, text: &str) -> Option<String> {
        if let Ok(mut v) = serde_json::from_str::<Value>(text) {
            return self.redact_value(&mut v).then(|| v.to_string());
        }
        if !self.default_keys && self.keys.is_empty() {
            return None;
        }
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        let mut changed = false;
        while i < bytes.len() {
            if bytes[i] != b'"' {
                i += 1;
                continue;
            }
            let end = string_end(bytes, i);
            let key_end = if end > i + 1 && bytes[end - 1] == b'"' {
                end - 1
            } else {
                end
            };
            let key = &text[i + 1..key_end];
            let mut j = skip_ws(bytes, end);
            if j < bytes.len() && bytes[j] == b':' && self.key_matches(key) {
                j = skip_ws(bytes, j + 1);
                let value_end = value_end(bytes, j);
                out.push_str(&text[copied..j]);
                out.push('"');
                out.push_str(&self.mask_text(text[j..value_end].trim_matches('"')));
                out.push('"');
                copied = value_end;
                changed = true;
                i = value_end;
            } else {
                i = end;
            }
        }
        if !changed {
            return None;
        }
        out.push_str(&text[copied..]);
        Some(out)
    }

    /// Applies the rules to a row's payload and meta. The payload keeps its exact original
    /// bytes when nothing in it matched.
    pub fn redact_row(&self, row: &mut Row) -> Result<(), CaptureError> {
        if self.is_noop() {
            return Ok(());
        }
        if let Some(raw) = &row.payload {
            let mut v: Value = serde_json::from_str(raw.get())?;
            if self.redact_value(&mut v) {
                row.payload = Some(RawValue::from_string(serde_json::to_string(&v)?)?);
            }
        }
        if let Some(text) = &row.payload_text {
            if let Some(masked) = self.redact_text(text) {
                row.payload_text = Some(masked);
            }
        }
        if let Some(meta) = row.meta.as_mut() {
            self.redact_value(meta);
        }
        Ok(())
    }
}

use crate::secrets::normalize_key as normalize;

fn is_mask(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.starts_with("[redacted:") && s.ends_with(']'))
}

/// Index just past the closing quote of the string starting at `start` (or the text's end).
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Index just past a JSON value starting at `start`, tolerating truncation.
fn value_end(b: &[u8], start: usize) -> usize {
    if start >= b.len() {
        return b.len();
    }
    match b[start] {
        b'"' => string_end(b, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = string_end(b, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            b.len()
        }
        _ => {
            let mut i = start;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']') {
                i += 1;
            }
            i
        }
    }
}

fn parse_path(path: &str) -> Result<Vec<Step>, CaptureError> {
    let err = |reason: &str| CaptureError::InvalidPath {
        path: path.into(),
        reason: reason.into(),
    };
    let rest = path
        .trim()
        .strip_prefix('$')
        .ok_or_else(|| err("must start with `$`"))?;
    let chars: Vec<char> = rest.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != '.' && chars[j] != '[' {
                    j += 1;
                }
                let name: String = chars[start..j].iter().collect();
                if name.is_empty() {
                    return Err(err("empty key after `.` (recursive `..` is not supported)"));
                }
                steps.push(if name == "*" {
                    Step::Any
                } else {
                    Step::Key(name)
                });
                i = j;
            }
            '[' => {
                let close = chars[i..]
                    .iter()
                    .position(|c| *c == ']')
                    .map(|p| p + i)
                    .ok_or_else(|| err("unclosed `[`"))?;
                let inner: String = chars[i + 1..close].iter().collect();
                let inner = inner.trim();
                if inner == "*" {
                    steps.push(Step::Any);
                } else if let Some(q) = inner
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
                {
                    steps.push(Step::Key(q.to_string()));
                } else {
                    let n = inner
                        .parse()
                        .map_err(|_| err("expected an index, `*` or a quoted key in `[...]`"))?;
                    steps.push(Step::Index(n));
                }
                i = close + 1;
            }
            _ => return Err(err("expected `.` or `[`")),
        }
    }
    if steps.is_empty() {
        return Err(err(
            "the path names no value (masking the whole payload is not supported)",
        ));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("$.a[*]['b c'][2].*").unwrap(),
            vec![
                Step::Key("a".into()),
                Step::Any,
                Step::Key("b c".into()),
                Step::Index(2),
                Step::Any
            ]
        );
        assert!(parse_path("a.b").is_err());
        assert!(parse_path("$..a").is_err());
        assert!(parse_path("$[x]").is_err());
    }

    #[test]
    fn truncated_text_is_masked() {
        let r = Redaction::new().with_salt([1; 16]);
        let out = r
            .redact_text(r#"{"t":"req","d":{"password":"hunter2","x":1,"apiKey":"abc"#)
            .unwrap();
        assert!(!out.contains("hunter2"), "{out}");
        assert!(!out.contains("abc"), "{out}");
        assert!(out.contains(r#""x":1"#), "{out}");
    }

    #[test]
    fn same_secret_same_mask() {
        let r = Redaction::new();
        let mut v = json!({"a": {"token": "s1"}, "b": [{"Token": "s1"}, {"TOKEN": "s2"}]});
        assert!(r.redact_value(&mut v));
        assert_eq!(v["a"]["token"], v["b"][0]["Token"]);
        assert_ne!(v["a"]["token"], v["b"][1]["TOKEN"]);
    }
}
