//! Comparing a recorded frame with its replayed counterpart: a structural JSON diff that skips
//! the paths the user declared volatile (ids, timestamps, ...).
//!
//! Frames are compared in a normalised form (see [`super::plan`]): `{"t":"res","d":...}`,
//! `{"t":"err","code":...,"m":...,"d":...}`, `{"t":"evt","e":...,"d":...}`,
//! `{"t":"pub","c":...,"d":...}`, `{"t":"sreq","m":...,"d":...}`. The request id `i` and a
//! publish's node id `nd` are never part of it: the replayer picks its own ids and the target is
//! another node, so both always differ and say nothing about the application.
//!
//! Ignore paths are rooted at that frame: `$.d.id`, `d.ts` (the `$.` is optional),
//! `$.d.items[*].id`, `$.d.items[0]`, `$['odd key']`, `$.d.*`, and `$..ts` for "a key named `ts`
//! at any depth".

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ReplayError;

/// At most this many differences are listed per message; a reply whose whole shape changed
/// would otherwise fill the report with one line per leaf.
pub const MAX_DIFFS_PER_MESSAGE: usize = 50;

/// One place where the recorded and the replayed frame disagree.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplayDiff"))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// Where, as a JSON path from the frame's root (`$.d.text`).
    pub path: String,
    /// The recorded value there (`None`: the recorded frame has nothing at this path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub recorded: Option<Value>,
    /// The replayed value there (`None`: the replayed frame has nothing at this path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub replayed: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    /// `.*` or `[*]`: any one key or index.
    Any,
    /// `..key`: the following step, at any depth below (including right here).
    Descend,
}

/// One concrete position inside a value while walking it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// A parsed ignore path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnorePath {
    text: String,
    steps: Vec<Step>,
}

impl IgnorePath {
    /// Parses `$.d.id`, `d.id`, `$.d.items[*].id`, `$['a b']`, `$..ts`.
    pub fn parse(text: &str) -> Result<IgnorePath, ReplayError> {
        let err = |reason: &str| ReplayError::InvalidPath {
            path: text.to_owned(),
            reason: reason.to_owned(),
        };
        let s = text.trim();
        if s.is_empty() {
            return Err(err("the path is empty"));
        }
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        let mut steps = Vec::new();
        if chars[0] == '$' {
            i = 1;
        } else {
            // `d.ts` reads as `$.d.ts`.
            let name = read_name(&chars, &mut i);
            if name.is_empty() {
                return Err(err("expected a key or `$` at the start"));
            }
            steps.push(name_step(name));
        }
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    i += 1;
                    if chars.get(i) == Some(&'.') {
                        i += 1;
                        steps.push(Step::Descend);
                        if chars.get(i) == Some(&'[') {
                            continue;
                        }
                    }
                    let name = read_name(&chars, &mut i);
                    if name.is_empty() {
                        return Err(err(&format!("expected a key after `.` at {}", i + 1)));
                    }
                    steps.push(name_step(name));
                }
                '[' => {
                    i += 1;
                    match chars.get(i) {
                        Some('\'' | '"') => {
                            let quote = chars[i];
                            i += 1;
                            let mut key = String::new();
                            while i < chars.len() && chars[i] != quote {
                                if chars[i] == '\\' && i + 1 < chars.len() {
                                    i += 1;
                                }
                                key.push(chars[i]);
                                i += 1;
                            }
                            if i >= chars.len() {
                                return Err(err("unterminated quoted key"));
                            }
                            i += 1;
                            steps.push(Step::Key(key));
                        }
                        Some('*') => {
                            i += 1;
                            steps.push(Step::Any);
                        }
                        _ => {
                            let start = i;
                            while i < chars.len() && chars[i].is_ascii_digit() {
                                i += 1;
                            }
                            let digits: String = chars[start..i].iter().collect();
                            let n = digits.parse::<usize>().map_err(|_| {
                                err("expected an index, `*` or a quoted key in `[]`")
                            })?;
                            steps.push(Step::Index(n));
                        }
                    }
                    if chars.get(i) != Some(&']') {
                        return Err(err("expected `]`"));
                    }
                    i += 1;
                }
                c => return Err(err(&format!("unexpected `{c}` at {}", i + 1))),
            }
        }
        if matches!(steps.last(), Some(Step::Descend)) {
            return Err(err("`..` must be followed by a key"));
        }
        Ok(IgnorePath {
            text: text.to_owned(),
            steps,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn matches(&self, path: &[Seg]) -> bool {
        matches_steps(&self.steps, path)
    }
}

fn read_name(chars: &[char], i: &mut usize) -> String {
    let mut name = String::new();
    while *i < chars.len() && !matches!(chars[*i], '.' | '[' | ']') {
        name.push(chars[*i]);
        *i += 1;
    }
    name
}

fn name_step(name: String) -> Step {
    if name == "*" {
        Step::Any
    } else {
        Step::Key(name)
    }
}

fn step_matches(step: &Step, seg: &Seg) -> bool {
    match (step, seg) {
        (Step::Any, _) => true,
        (Step::Key(k), Seg::Key(s)) => k == s,
        (Step::Index(n), Seg::Index(m)) => n == m,
        _ => false,
    }
}

fn matches_steps(steps: &[Step], path: &[Seg]) -> bool {
    match steps.split_first() {
        None => path.is_empty(),
        Some((Step::Descend, rest)) => {
            (0..=path.len()).any(|skip| matches_steps(rest, &path[skip..]))
        }
        Some((step, rest)) => match path.split_first() {
            Some((seg, tail)) => step_matches(step, seg) && matches_steps(rest, tail),
            None => false,
        },
    }
}

/// The volatile paths of one replay, parsed once.
#[derive(Debug, Clone, Default)]
pub struct IgnoreSet {
    paths: Vec<IgnorePath>,
}

impl IgnoreSet {
    pub fn parse<S: AsRef<str>>(paths: &[S]) -> Result<IgnoreSet, ReplayError> {
        let paths = paths
            .iter()
            .map(|p| IgnorePath::parse(p.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(IgnoreSet { paths })
    }

    fn ignored(&self, path: &[Seg]) -> bool {
        !path.is_empty() && self.paths.iter().any(|p| p.matches(path))
    }

    /// Whether two frames are the same once the ignored paths are left out.
    pub fn equal(&self, recorded: &Value, replayed: &Value) -> bool {
        let mut path = Vec::new();
        let mut out = Vec::new();
        walk(self, recorded, replayed, &mut path, &mut out, 1);
        out.is_empty()
    }

    /// The differences between two frames, ignored paths left out, at most
    /// [`MAX_DIFFS_PER_MESSAGE`].
    pub fn diff(&self, recorded: &Value, replayed: &Value) -> Vec<Difference> {
        let mut path = Vec::new();
        let mut out = Vec::new();
        walk(
            self,
            recorded,
            replayed,
            &mut path,
            &mut out,
            MAX_DIFFS_PER_MESSAGE,
        );
        out
    }
}

fn walk(
    ignore: &IgnoreSet,
    a: &Value,
    b: &Value,
    path: &mut Vec<Seg>,
    out: &mut Vec<Difference>,
    limit: usize,
) {
    if out.len() >= limit || ignore.ignored(path) {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                path.push(Seg::Key(k.clone()));
                match y.get(k) {
                    Some(vb) => walk(ignore, va, vb, path, out, limit),
                    None => one_sided(ignore, path, out, limit, Some(va), None),
                }
                path.pop();
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    path.push(Seg::Key(k.clone()));
                    one_sided(ignore, path, out, limit, None, Some(vb));
                    path.pop();
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for n in 0..x.len().max(y.len()) {
                path.push(Seg::Index(n));
                match (x.get(n), y.get(n)) {
                    (Some(va), Some(vb)) => walk(ignore, va, vb, path, out, limit),
                    (va, vb) => one_sided(ignore, path, out, limit, va, vb),
                }
                path.pop();
            }
        }
        _ => {
            if !numbers_equal(a, b) && a != b {
                out.push(Difference {
                    path: format_path(path),
                    recorded: Some(a.clone()),
                    replayed: Some(b.clone()),
                });
            }
        }
    }
}

fn one_sided(
    ignore: &IgnoreSet,
    path: &[Seg],
    out: &mut Vec<Difference>,
    limit: usize,
    a: Option<&Value>,
    b: Option<&Value>,
) {
    if out.len() >= limit || ignore.ignored(path) {
        return;
    }
    out.push(Difference {
        path: format_path(path),
        recorded: a.cloned(),
        replayed: b.cloned(),
    });
}

/// `1` and `1.0` are the same number on the wire for a JavaScript client.
fn numbers_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p == q,
            _ => false,
        },
        _ => false,
    }
}

fn format_path(path: &[Seg]) -> String {
    let mut s = String::from("$");
    for seg in path {
        match seg {
            Seg::Index(n) => {
                let _ = write!(s, "[{n}]");
            }
            Seg::Key(k) if is_plain(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Key(k) => {
                s.push_str("['");
                for c in k.chars() {
                    if matches!(c, '\'' | '\\') {
                        s.push('\\');
                    }
                    s.push(c);
                }
                s.push_str("']");
            }
        }
    }
    s
}

fn is_plain(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(paths: &[&str]) -> IgnoreSet {
        match IgnoreSet::parse(paths) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn paths_parse_and_reject() {
        for ok in [
            "$.d.id",
            "d.id",
            "$.d.items[*].id",
            "$.d[0]",
            "$['a b'].c",
            "$..ts",
            "$.*",
        ] {
            assert!(IgnorePath::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "$.", "$[", "$[x]", "$..", "$.a]", ".a"] {
            assert!(IgnorePath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn diff_lists_paths_and_skips_ignored() {
        let a = json!({"t": "res", "d": {"id": 1, "text": "hi", "list": [1, 2], "ts": 5}});
        let b =
            json!({"t": "res", "d": {"id": 2, "text": "HI", "list": [1], "new": true, "ts": 9}});
        let diffs = set(&["$.d.id", "d.ts"]).diff(&a, &b);
        let paths: Vec<&str> = diffs.iter().map(|d| d.path.as_str()).collect();
        // Keys in the order of the recorded object (sorted), then keys only the replay has.
        assert_eq!(paths, ["$.d.list[1]", "$.d.text", "$.d.new"]);
        assert_eq!(diffs[0].replayed, None);
        assert_eq!(diffs[2].recorded, None);
    }

    #[test]
    fn descend_and_wildcards() {
        let a = json!({"d": {"items": [{"id": 1, "n": 1}, {"id": 2, "n": 2}], "meta": {"ts": 1}}});
        let b = json!({"d": {"items": [{"id": 7, "n": 1}, {"id": 8, "n": 2}], "meta": {"ts": 2}}});
        assert!(set(&["$.d.items[*].id", "$..ts"]).equal(&a, &b));
        assert!(!set(&["$.d.items[0].id", "$..ts"]).equal(&a, &b));
        assert!(set(&["$.d.*"]).equal(&a, &b));
    }

    #[test]
    fn odd_keys_are_quoted() {
        let diffs = set(&[]).diff(&json!({"a b": 1}), &json!({"a b": 2}));
        assert_eq!(diffs[0].path, "$['a b']");
        assert!(set(&["$['a b']"]).equal(&json!({"a b": 1}), &json!({"a b": 2})));
    }
}
