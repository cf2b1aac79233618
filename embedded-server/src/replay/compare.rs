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

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ReplayError;

/// At most this many differences are listed per message; a reply whose whole shape changed
/// would otherwise fill the report with one line per leaf.
pub const MAX_DIFFS_PER_MESSAGE: usize = 50;

/// One place where the recorded and the replayed frame disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// Where, as a JSON path from the frame's root (`$.d.text`).
    pub path: String,
    /// The recorded value there (`None`: the recorded frame has nothing at this path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Value>,
    /// The replayed value there (`None`: the replayed frame has nothing at this path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// How two ordered lists of frames line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aligned {
    /// Recorded `.0` corresponds to replayed `.1` (equal, or the same message changed).
    Pair(usize, usize),
    /// Recorded, not replayed.
    Left(usize),
    /// Replayed, not recorded.
    Right(usize),
    /// Recorded `.0` arrived unchanged as replayed `.1`, but at another position relative to
    /// the other frames (listed at its recorded position).
    Moved(usize, usize),
}

/// Above this many cells the alignment falls back to pairing by position, keeping memory and
/// time bounded on very long streams.
const MAX_ALIGN_CELLS: usize = 4_000_000;

/// Aligns recorded and replayed pushes of one connection, keeping both orders.
///
/// Equal frames are matched by a longest common subsequence, so one missing push does not turn
/// every later one into a difference. With `moves`, a frame left out of that subsequence that
/// has an equal counterpart elsewhere on the other side is reported once as moved rather than
/// as one missing and one extra: pushes caused by connections running side by side interleave
/// differently from run to run, and that is not a change of the application. In each gap
/// between matches, the frames left of the same identity (type and name) are paired as
/// "changed"; the rest are missing or extra.
pub(crate) fn align(
    left: &[Value],
    right: &[Value],
    ignore: &IgnoreSet,
    moves: bool,
) -> Vec<Aligned> {
    let eq = |i: usize, j: usize| ignore.equal(&left[i], &right[j]);
    // Common prefix and suffix first: the usual case (everything equal) costs O(n).
    let mut start = 0;
    while start < left.len() && start < right.len() && eq(start, start) {
        start += 1;
    }
    let (mut end_l, mut end_r) = (left.len(), right.len());
    while end_l > start && end_r > start && eq(end_l - 1, end_r - 1) {
        end_l -= 1;
        end_r -= 1;
    }
    let mut out: Vec<Aligned> = (0..start).map(|i| Aligned::Pair(i, i)).collect();
    let (n, m) = (end_l - start, end_r - start);
    let mut matches: Vec<(usize, usize)> = Vec::new();
    if n > 0 && m > 0 && n.saturating_mul(m) <= MAX_ALIGN_CELLS {
        // table[i][j]: LCS length of left[start+i..end_l] and right[start+j..end_r].
        let width = m + 1;
        let mut table = vec![0u32; (n + 1) * width];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                table[i * width + j] = if eq(start + i, start + j) {
                    table[(i + 1) * width + j + 1] + 1
                } else {
                    table[(i + 1) * width + j].max(table[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if eq(start + i, start + j) {
                matches.push((start + i, start + j));
                i += 1;
                j += 1;
            } else if table[(i + 1) * width + j] >= table[i * width + j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    let moved = if moves {
        find_moves(&matches, start..end_l, start..end_r, &eq)
    } else {
        Moves::default()
    };
    let (mut li, mut rj) = (start, start);
    for (a, b) in matches.into_iter().chain(std::iter::once((end_l, end_r))) {
        gap(left, right, li..a, rj..b, &moved, &mut out);
        if a < end_l {
            out.push(Aligned::Pair(a, b));
        }
        li = a + 1;
        rj = b + 1;
    }
    out.extend(
        (end_l..left.len())
            .zip(end_r..right.len())
            .map(|(a, b)| Aligned::Pair(a, b)),
    );
    out
}

/// Moved frames: recorded index -> replayed index, and the replayed indexes taken.
#[derive(Default)]
struct Moves {
    to: HashMap<usize, usize>,
    taken: HashSet<usize>,
}

/// Equal frames among those the common subsequence left out, paired in recorded order, each
/// side used once. Inside one gap no two frames are equal (the subsequence would have taken
/// them), so every pair found spans two gaps: a move.
fn find_moves(
    matches: &[(usize, usize)],
    ls: std::ops::Range<usize>,
    rs: std::ops::Range<usize>,
    eq: &impl Fn(usize, usize) -> bool,
) -> Moves {
    let matched_l: HashSet<usize> = matches.iter().map(|m| m.0).collect();
    let matched_r: HashSet<usize> = matches.iter().map(|m| m.1).collect();
    let lefts: Vec<usize> = ls.filter(|i| !matched_l.contains(i)).collect();
    let rights: Vec<usize> = rs.filter(|j| !matched_r.contains(j)).collect();
    // The search compares every pair once at most; past the alignment's own bound it is
    // skipped and the frames stay missing and extra.
    let mut moved = Moves::default();
    if lefts.len().saturating_mul(rights.len()) > MAX_ALIGN_CELLS {
        return moved;
    }
    for &i in &lefts {
        if let Some(&j) = rights
            .iter()
            .find(|j| !moved.taken.contains(j) && eq(i, **j))
        {
            moved.taken.insert(j);
            moved.to.insert(i, j);
        }
    }
    moved
}

/// Lists one unmatched gap: moved frames at their recorded place, then frames of the same
/// identity paired as changed, the rest missing or extra.
fn gap(
    left: &[Value],
    right: &[Value],
    ls: std::ops::Range<usize>,
    rs: std::ops::Range<usize>,
    moved: &Moves,
    out: &mut Vec<Aligned>,
) {
    let mut used: Vec<bool> = rs.clone().map(|j| moved.taken.contains(&j)).collect();
    for i in ls {
        if let Some(&j) = moved.to.get(&i) {
            out.push(Aligned::Moved(i, j));
            continue;
        }
        let found = rs
            .clone()
            .enumerate()
            .find(|(k, j)| !used[*k] && identity(&left[i]) == identity(&right[*j]));
        match found {
            Some((k, j)) => {
                used[k] = true;
                out.push(Aligned::Pair(i, j));
            }
            None => out.push(Aligned::Left(i)),
        }
    }
    for (k, j) in rs.enumerate() {
        if !used[k] {
            out.push(Aligned::Right(j));
        }
    }
}

/// The frame type and its name field: what makes two frames "the same message".
fn identity(frame: &Value) -> (Option<&str>, Option<&str>) {
    let t = frame.get("t").and_then(Value::as_str);
    let name = ["e", "c", "m", "code"]
        .iter()
        .find_map(|k| frame.get(*k).and_then(Value::as_str));
    (t, name)
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
    fn alignment_survives_a_missing_push() {
        let evt = |e: &str, n: i64| json!({"t": "evt", "e": e, "d": {"n": n}});
        let left = vec![evt("a", 1), evt("b", 2), evt("c", 3), evt("d", 4)];
        let right = vec![evt("a", 1), evt("c", 3), evt("d", 40), evt("x", 5)];
        for moves in [false, true] {
            let got = align(&left, &right, &set(&[]), moves);
            assert_eq!(
                got,
                [
                    Aligned::Pair(0, 0),
                    Aligned::Left(1),
                    Aligned::Pair(2, 1),
                    Aligned::Pair(3, 2),
                    Aligned::Right(3),
                ]
            );
        }
    }

    #[test]
    fn a_reordered_push_is_one_move_not_a_missing_and_an_extra() {
        let say = |n: i64| json!({"t": "evt", "e": "said", "d": {"n": n}});
        // 2 came after 3 and 4 this time; 6 changed in place; 7 never came; 8 is new.
        let left = vec![say(1), say(2), say(3), say(4), say(5), say(6), say(7)];
        let right = vec![say(1), say(3), say(4), say(2), say(5), say(60), say(8)];
        let got = align(&left, &right, &set(&[]), true);
        assert_eq!(
            got,
            [
                Aligned::Pair(0, 0),
                Aligned::Moved(1, 3),
                Aligned::Pair(2, 1),
                Aligned::Pair(3, 2),
                Aligned::Pair(4, 4),
                Aligned::Pair(5, 5),
                Aligned::Pair(6, 6),
            ],
            "the gap after 5 pairs by identity: 6 -> 60 and 7 -> 8 are changes"
        );
        // Strict order: the same streams give a missing and an extra for the move.
        let strict = align(&left, &right, &set(&[]), false);
        assert!(strict.contains(&Aligned::Left(1)) || strict.contains(&Aligned::Right(3)));
        assert!(!strict.iter().any(|a| matches!(a, Aligned::Moved(..))));
    }

    #[test]
    fn moves_prefer_an_equal_frame_to_a_same_named_one() {
        let evt = |e: &str, n: i64| json!({"t": "evt", "e": e, "d": {"n": n}});
        // The outer two swapped: the subsequence keeps `a2` (one of several of length 1), and
        // `a1` must then be found equal to the replayed `a1`, not paired as a change with a
        // same-named frame; `b0` moved relative to `a2` too.
        let left = vec![evt("a", 1), evt("b", 0), evt("a", 2)];
        let right = vec![evt("a", 2), evt("b", 0), evt("a", 1)];
        let got = align(&left, &right, &set(&[]), true);
        assert_eq!(
            got,
            [
                Aligned::Moved(0, 2),
                Aligned::Moved(1, 1),
                Aligned::Pair(2, 0),
            ]
        );
        // Every frame is accounted for once on each side, and every pair is equal.
        for a in &got {
            if let Aligned::Pair(l, r) = a {
                assert_eq!(left[*l], right[*r]);
            }
        }
    }

    #[test]
    fn odd_keys_are_quoted() {
        let diffs = set(&[]).diff(&json!({"a b": 1}), &json!({"a b": 2}));
        assert_eq!(diffs[0].path, "$['a b']");
        assert!(set(&["$['a b']"]).equal(&json!({"a b": 1}), &json!({"a b": 2})));
    }
}
