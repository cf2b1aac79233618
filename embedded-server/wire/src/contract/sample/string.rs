//! Strings that satisfy `format`, `pattern`, `minLength` and `maxLength`.
//!
//! Known formats get a fixed, obviously-fake value; patterns are parsed with `regex-syntax` and
//! walked to build the shortest match (first alternative, fewest repetitions), lengthened by
//! extra repetitions when `minLength` asks for more. Patterns `regex-syntax` cannot parse
//! (lookaround, backreferences) fall back to a plain string.

use regex_syntax::hir::{Class, Hir, HirKind, Look};
use serde_json::{Map, Value};

/// A placeholder that says "text goes here".
const PLAIN: &str = "string";

pub(super) fn sample(map: &Map<String, Value>) -> Value {
    let min = length(map, "minLength").unwrap_or(0);
    let max = length(map, "maxLength");
    let fits = |s: &str| {
        let n = s.chars().count();
        n >= min && max.is_none_or(|max| n <= max)
    };
    if let Some(format) = map.get("format").and_then(Value::as_str) {
        if let Some(value) = for_format(format).filter(|s| fits(s)) {
            return Value::String(value.to_owned());
        }
    }
    if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
        if let Some(value) = from_pattern(pattern, min).filter(|s| fits(s)) {
            return Value::String(value);
        }
    }
    Value::String(fit(PLAIN, min, max))
}

fn length(map: &Map<String, Value>, key: &str) -> Option<usize> {
    map.get(key)
        .and_then(Value::as_u64)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX).min(4096))
}

/// Pads with `x` up to `min` characters, then cuts to `max` (lengths count characters, as JSON
/// Schema does).
fn fit(base: &str, min: usize, max: Option<usize>) -> String {
    let mut out: String = base.to_owned();
    let count = out.chars().count();
    if count < min {
        out.extend(std::iter::repeat_n('x', min - count));
    }
    match max {
        Some(max) => out.chars().take(max).collect(),
        None => out,
    }
}

/// Values for the formats jsonschema asserts.
fn for_format(format: &str) -> Option<&'static str> {
    Some(match format {
        "date-time" => "2024-01-01T00:00:00Z",
        "date" => "2024-01-01",
        "time" => "00:00:00Z",
        "duration" => "P1D",
        "email" | "idn-email" => "user@example.com",
        "hostname" | "idn-hostname" => "example.com",
        "ipv4" => "192.0.2.1",
        "ipv6" => "2001:db8::1",
        "uri" | "iri" => "https://example.com/",
        "uri-reference" | "iri-reference" => "/path",
        "uri-template" => "https://example.com/{id}",
        "uuid" => "00000000-0000-4000-8000-000000000000",
        "json-pointer" => "/path",
        "relative-json-pointer" => "0",
        "regex" => ".*",
        _ => return None,
    })
}

/// The shortest string matching `pattern`, lengthened toward `min` characters when repetitions
/// allow it (and, for patterns not anchored at the end, by padding after the match, which still
/// contains it: JSON Schema patterns are searched, not anchored).
fn from_pattern(pattern: &str, min: usize) -> Option<String> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let mut out = generate(&hir, &mut 0);
    let count = out.chars().count();
    if count < min {
        let mut budget = min - count;
        out = generate(&hir, &mut budget);
        let count = out.chars().count();
        if count < min && !anchored_at_end(&hir) {
            out.extend(std::iter::repeat_n('x', min - count));
        }
    }
    Some(out)
}

/// Builds a match: first alternative, minimum repetitions plus up to `budget` extra ones.
fn generate(hir: &Hir, budget: &mut usize) -> String {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => String::new(),
        HirKind::Literal(literal) => String::from_utf8_lossy(&literal.0).into_owned(),
        HirKind::Class(class) => pick(class).map(String::from).unwrap_or_default(),
        HirKind::Capture(capture) => generate(&capture.sub, budget),
        HirKind::Concat(parts) => parts.iter().map(|part| generate(part, budget)).collect(),
        HirKind::Alternation(branches) => branches
            .first()
            .map(|first| generate(first, budget))
            .unwrap_or_default(),
        HirKind::Repetition(repetition) => {
            let mut count = repetition.min;
            let limit = repetition.max.unwrap_or(u32::MAX);
            while *budget > 0 && count < limit && count < repetition.min.saturating_add(4096) {
                count += 1;
                *budget -= 1;
            }
            (0..count)
                .map(|_| generate(&repetition.sub, budget))
                .collect()
        }
    }
}

/// A readable member of a character class: a lowercase letter, capital or digit if the class has
/// one, else its first printable character.
fn pick(class: &Class) -> Option<char> {
    let ranges: Vec<(char, char)> = match class {
        Class::Unicode(unicode) => unicode
            .ranges()
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect(),
        Class::Bytes(bytes) => bytes
            .ranges()
            .iter()
            .map(|r| (char::from(r.start()), char::from(r.end())))
            .collect(),
    };
    for preferred in ['a', 'A', '0', '-', '_', '.'] {
        if ranges
            .iter()
            .any(|(lo, hi)| *lo <= preferred && preferred <= *hi)
        {
            return Some(preferred);
        }
    }
    ranges
        .iter()
        .find_map(|(lo, hi)| {
            (u32::from(*lo)..=u32::from(*hi))
                .take(256)
                .filter_map(char::from_u32)
                .find(|c| !c.is_control() && !c.is_whitespace())
        })
        .or_else(|| ranges.first().map(|(lo, _)| *lo))
}

fn anchored_at_end(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Look(look) => matches!(look, Look::End | Look::EndLF | Look::EndCRLF),
        HirKind::Capture(capture) => anchored_at_end(&capture.sub),
        HirKind::Repetition(repetition) => anchored_at_end(&repetition.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().any(anchored_at_end),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_give_their_shortest_readable_match() {
        let cases = [
            ("^[a-z]+$", 0, "a"),
            (r"^\d{3}-\d{4}$", 0, "000-0000"),
            ("^(foo|bar)baz?$", 0, "fooba"),
            (r"^[A-Z][a-z]*$", 4, "Aaaa"),
            ("ab", 4, "abxx"),
            (r"^\w+@\w+\.com$", 0, "a@a.com"),
        ];
        for (pattern, min, expected) in cases {
            assert_eq!(
                from_pattern(pattern, min).as_deref(),
                Some(expected),
                "{pattern}"
            );
        }
    }

    #[test]
    fn lookaround_falls_back() {
        assert_eq!(from_pattern("(?=a)", 0), None);
    }

    #[test]
    fn plain_strings_fit_their_length_limits() {
        assert_eq!(fit(PLAIN, 8, None), "stringxx");
        assert_eq!(fit(PLAIN, 0, Some(3)), "str");
    }
}
