//! Lining up the pushes a connection received on replay with the recorded ones, so one lost or
//! reordered push reads as one entry rather than as every later push differing.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::compare::IgnoreSet;

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
}
