//! Inputs for the property tests of the parsers that read untrusted bytes: arbitrary bytes,
//! and mutations of known-good inputs (the fuzz targets' committed corpus under `fuzz/corpus/`).
//!
//! Pure random bytes mostly exercise a parser's first check; mutating a valid input (flipping,
//! inserting, removing, splicing in JSON tokens, cutting short) reaches the checks behind it,
//! which is what a coverage-guided fuzzer would find its way to on its own.

use std::path::{Path, PathBuf};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Fragments that are meaningful to a JSON parser or the wire's fields.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\\",
    b"null",
    b"true",
    b"-1",
    b"0",
    b"1e999",
    b"18446744073709551616",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"{}",
    b"[]",
    b"\"t\":",
    b"\"i\":",
    b"\"d\":",
    b"\"k\":",
    b"\"sb\":1",
    b"\"op\":",
    b"\xff",
    b"\xc3",
    b"[[[[[[[[[[[[[[[[",
    b"\n",
    b"\0",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize, usize),
    Token(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (at, any::<u8>()).prop_map(|(p, b)| Mutation::Insert(p, b)),
        (at, 1..16usize).prop_map(|(p, n)| Mutation::Remove(p, n)),
        (at, 0..TOKENS.len()).prop_map(|(p, t)| Mutation::Token(p, t)),
        (at, 1..64usize).prop_map(|(p, n)| Mutation::Duplicate(p, n)),
        at.prop_map(Mutation::Truncate),
    ]
}

fn apply(mut data: Vec<u8>, mutations: Vec<Mutation>) -> Vec<u8> {
    for m in mutations {
        let len = data.len();
        let pos = |p: usize| if len == 0 { 0 } else { p % (len + 1) };
        match m {
            Mutation::Flip(p, b) if len > 0 => data[p % len] ^= b | 1,
            Mutation::Flip(..) => {}
            Mutation::Insert(p, b) => data.insert(pos(p), b),
            Mutation::Remove(p, n) => {
                let start = pos(p).min(len);
                let end = (start + n).min(len);
                data.drain(start..end);
            }
            Mutation::Token(p, t) => {
                let at = pos(p);
                data.splice(at..at, TOKENS[t].iter().copied());
            }
            Mutation::Duplicate(p, n) => {
                let start = pos(p).min(len);
                let end = (start + n).min(len);
                let copy: Vec<u8> = data[start..end].to_vec();
                data.splice(end..end, copy);
            }
            Mutation::Truncate(p) => data.truncate(pos(p)),
        }
    }
    data
}

/// Arbitrary bytes (up to `max_len`), or one of `seeds` with a few mutations applied.
pub fn bytes_from(seeds: Vec<Vec<u8>>, max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    let seeds = if seeds.is_empty() {
        vec![Vec::new()]
    } else {
        seeds
    };
    prop_oneof![
        1 => vec(any::<u8>(), 0..max_len),
        3 => (select(seeds), vec(mutation(), 1..8)).prop_map(|(s, m)| apply(s, m)),
    ]
}

/// The committed corpus of one fuzz target: `fuzz/corpus/<target>/*` at the repository's
/// root, every file's bytes.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect();
    assert!(!seeds.is_empty(), "corpus {} is empty", dir.display());
    seeds
}

/// `fuzz/corpus/<target>` at the repository's root.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}
