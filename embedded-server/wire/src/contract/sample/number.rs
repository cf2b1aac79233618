//! Numbers that satisfy `minimum`/`maximum` (inclusive or exclusive) and `multipleOf`.
//!
//! Zero is preferred when allowed (it reads as "fill me in"); otherwise the value closest to a
//! bound. Multiples are checked the way jsonschema checks them: on the shortest decimal form of
//! each number, so `19.3` is a multiple of `0.1` but `0.30000000000000004` (what `3.0 * 0.1`
//! gives in floating point) is not. Candidates are therefore rounded to the divisor's decimals.

use serde_json::{Map, Number, Value};

/// How many multiples past a bound are tried before giving up on exactness.
const TRIES: i32 = 64;

pub(super) fn sample(map: &Map<String, Value>, integer: bool) -> Value {
    let bounds = Bounds::of(map);
    let multiple = map
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|m| *m > 0.0 && m.is_finite());
    let accepts = |x: f64| {
        x.is_finite()
            && bounds.contains(x)
            && (!integer || x.fract() == 0.0)
            && multiple.is_none_or(|m| is_multiple(x, m))
    };

    let mut candidates = vec![0.0];
    if let Some((low, _)) = bounds.low {
        candidates.extend(near(low, 1.0, multiple, integer));
    }
    if let Some((high, _)) = bounds.high {
        candidates.extend(near(high, -1.0, multiple, integer));
    }
    if let (Some((low, _)), Some((high, _))) = (bounds.low, bounds.high) {
        candidates.push((low + high) / 2.0);
    }
    if let Some(m) = multiple {
        // Power-of-two multiples are always exact in binary.
        candidates.extend((0..TRIES).map(|p| snap(m * 2f64.powi(p), m)));
        candidates.extend((0..TRIES).map(|p| snap(-m * 2f64.powi(p), m)));
    }
    let chosen = candidates
        .into_iter()
        .find(|x| accepts(*x))
        .or(bounds.low.map(|(low, _)| low))
        .unwrap_or(0.0);
    to_json(chosen, integer)
}

/// The lower and upper bounds, each with whether it is exclusive. Handles both the modern form
/// (`exclusiveMinimum: 3`) and draft 4's (`minimum: 3, exclusiveMinimum: true`).
struct Bounds {
    low: Option<(f64, bool)>,
    high: Option<(f64, bool)>,
}

impl Bounds {
    fn of(map: &Map<String, Value>) -> Self {
        let bound = |inclusive: &str, exclusive: &str| {
            let plain = map.get(inclusive).and_then(Value::as_f64);
            match map.get(exclusive) {
                Some(Value::Bool(true)) => plain.map(|b| (b, true)),
                Some(Value::Number(n)) => match (n.as_f64(), plain) {
                    (Some(e), Some(p)) if p > e && inclusive == "minimum" => Some((p, false)),
                    (Some(e), Some(p)) if p < e && inclusive == "maximum" => Some((p, false)),
                    (Some(e), _) => Some((e, true)),
                    (None, _) => plain.map(|b| (b, false)),
                },
                _ => plain.map(|b| (b, false)),
            }
        };
        Self {
            low: bound("minimum", "exclusiveMinimum"),
            high: bound("maximum", "exclusiveMaximum"),
        }
    }

    fn contains(&self, x: f64) -> bool {
        let above = match self.low {
            Some((low, true)) => x > low,
            Some((low, false)) => x >= low,
            None => true,
        };
        let below = match self.high {
            Some((high, true)) => x < high,
            Some((high, false)) => x <= high,
            None => true,
        };
        above && below
    }
}

/// Candidates just inside a bound, stepping in `direction` (+1 from a minimum, -1 from a maximum).
fn near(bound: f64, direction: f64, multiple: Option<f64>, integer: bool) -> Vec<f64> {
    match multiple {
        Some(m) => {
            let start = if direction > 0.0 {
                (bound / m).ceil()
            } else {
                (bound / m).floor()
            };
            (0..TRIES)
                .map(|i| snap((start + direction * f64::from(i)) * m, m))
                .collect()
        }
        None if integer => {
            let start = if direction > 0.0 {
                bound.ceil()
            } else {
                bound.floor()
            };
            vec![start, start + direction]
        }
        None => vec![bound, bound + direction, bound + direction * 0.5],
    }
}

/// Mirrors jsonschema: integral divisors use a remainder test; others compare the shortest
/// decimal forms, `x = a / 10^p` and `m = b / 10^q`, so `x / m` is an integer when `b * 10^p`
/// divides `a * 10^q`. jsonschema also refuses non-zero values below a fractional divisor.
fn is_multiple(x: f64, m: f64) -> bool {
    if x == 0.0 {
        return true;
    }
    if m.fract() == 0.0 {
        return x.fract() == 0.0 && x % m == 0.0;
    }
    if x < m {
        return false;
    }
    let (Some((a, p)), Some((b, q))) = (decimal(x), decimal(m)) else {
        return false;
    };
    let numerator = 10i128.checked_pow(q).and_then(|scale| a.checked_mul(scale));
    let denominator = 10i128.checked_pow(p).and_then(|scale| b.checked_mul(scale));
    match (numerator, denominator) {
        (Some(n), Some(d)) if d != 0 => n % d == 0,
        _ => false,
    }
}

/// `x` as `digits / 10^scale`, from its shortest round-trip form (Rust's `Display` for `f64`,
/// which never uses exponents). `None` when the digits do not fit an `i128`.
fn decimal(x: f64) -> Option<(i128, u32)> {
    let text = x.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
    Some((digits, u32::try_from(fraction.len()).ok()?))
}

/// Rounds `x` to as many decimals as the divisor has, undoing floating-point noise such as
/// `3.0 * 0.1 = 0.30000000000000004`.
fn snap(x: f64, m: f64) -> f64 {
    let decimals = decimal(m).map_or(0, |(_, scale)| scale as usize);
    format!("{x:.decimals$}").parse().unwrap_or(x)
}

fn to_json(x: f64, integer: bool) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: beyond it not every integer is an f64
    if (integer || x.fract() == 0.0) && x.abs() < EXACT {
        // Lossless: x is integral and within the range where f64 integers are exact.
        return Value::from(x as i64);
    }
    Number::from_f64(x).map_or(Value::from(0), Value::Number)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn gen(schema: Value, integer: bool) -> Value {
        match schema {
            Value::Object(map) => sample(&map, integer),
            _ => Value::Null,
        }
    }

    #[test]
    fn zero_when_allowed_else_the_nearest_bound() {
        assert_eq!(gen(json!({}), true), json!(0));
        assert_eq!(gen(json!({"minimum": 3}), true), json!(3));
        assert_eq!(gen(json!({"exclusiveMinimum": 3}), true), json!(4));
        assert_eq!(gen(json!({"maximum": -2.5}), true), json!(-3));
        assert_eq!(
            gen(json!({"minimum": 3, "exclusiveMinimum": true}), true),
            json!(4)
        );
        assert_eq!(
            gen(json!({"exclusiveMinimum": 1, "exclusiveMaximum": 2}), false),
            json!(1.5)
        );
    }

    #[test]
    fn multiples_are_exact() {
        assert_eq!(
            gen(json!({"minimum": 10, "multipleOf": 7}), true),
            json!(14)
        );
        let x = gen(json!({"minimum": 0.25, "multipleOf": 0.1}), false);
        let value = x.as_f64().unwrap_or(f64::NAN);
        assert!(value >= 0.25 && is_multiple(value, 0.1), "{x}");
    }
}
