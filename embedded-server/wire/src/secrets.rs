//! Which keys hold secrets. One list for everything that shows or stores values: the
//! console's views of connection parameters, the records of connects, and exports.

/// Key fragments that mark a secret, in normalised form (lower case, without `_ - .` and
/// spaces): `accessToken`, `client_secret` and `X-Api-Key` all match.
pub const SECRET_KEY_FRAGMENTS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "authorization",
    "cookie",
    "apikey",
    "privatekey",
];

/// A key in the form secret matching uses.
pub fn normalize_key(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Does this key (by default) hold a secret?
pub fn is_secret_key(key: &str) -> bool {
    // Called for every key of every payload an inspector or an export masks: keys are nearly
    // always short ASCII, normalised here on the stack instead of into a new `String`.
    if key.len() < SHORTEST_FRAGMENT && key.is_ascii() {
        // Normalising never lengthens an ASCII key: too short to hold any fragment.
        return false;
    }
    if key.len() <= SHORT_KEY && key.is_ascii() {
        let mut buf = [0u8; SHORT_KEY];
        let mut n = 0;
        for b in key.bytes() {
            if !matches!(b, b'_' | b'-' | b'.' | b' ') {
                buf[n] = b.to_ascii_lowercase();
                n += 1;
            }
        }
        let k = &buf[..n];
        // Only where a fragment could start: most keys (`room`, `text`, `i`) are shorter than
        // every fragment, and most positions hold a letter no fragment starts with.
        return n >= SHORTEST_FRAGMENT
            && (0..=n - SHORTEST_FRAGMENT).any(|i| {
                FRAGMENT_STARTS[k[i] as usize]
                    && SECRET_KEY_FRAGMENTS
                        .iter()
                        .any(|f| f.as_bytes()[0] == k[i] && k[i..].starts_with(f.as_bytes()))
            });
    }
    let k = normalize_key(key);
    SECRET_KEY_FRAGMENTS.iter().any(|f| k.contains(f))
}

/// Keys up to this many bytes are normalised without allocating.
const SHORT_KEY: usize = 64;

/// The length of the shortest fragment.
const SHORTEST_FRAGMENT: usize = {
    let mut shortest = usize::MAX;
    let mut i = 0;
    while i < SECRET_KEY_FRAGMENTS.len() {
        if SECRET_KEY_FRAGMENTS[i].len() < shortest {
            shortest = SECRET_KEY_FRAGMENTS[i].len();
        }
        i += 1;
    }
    shortest
};

/// The bytes a fragment starts with.
const FRAGMENT_STARTS: [bool; 256] = {
    let mut starts = [false; 256];
    let mut i = 0;
    while i < SECRET_KEY_FRAGMENTS.len() {
        starts[SECRET_KEY_FRAGMENTS[i].as_bytes()[0] as usize] = true;
        i += 1;
    }
    starts
};

/// What a secret value is shown as, everywhere it is masked.
pub const MASK: &str = "********";

/// Parameters (a connection's upgrade query) with secret-looking values masked.
pub fn masked_params(
    params: &std::collections::BTreeMap<String, String>,
) -> std::collections::BTreeMap<String, String> {
    params
        .iter()
        .map(|(k, v)| {
            let v = if is_secret_key(k) { MASK } else { v.as_str() };
            (k.clone(), v.to_owned())
        })
        .collect()
}

/// Masks, in place, every value whose key looks like a secret, at any depth of `value`.
pub fn mask_value(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) {
                    *v = Value::String(MASK.to_owned());
                } else {
                    mask_value(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stack_path_agrees_with_the_general_one() {
        let long = format!("{}Token", "x".repeat(70));
        for k in [
            "",
            "t",
            "token",
            "TOKEN",
            "to_ken",
            "to-k.e n",
            "x_api_key",
            "monkey",
            "tok",
            "privateKey",
            "private_key_id",
            "authorization2",
            "Cookie",
            "passwd",
            "keys",
            long.as_str(),
            "K\u{212A}ey",
            "pässword",
            "ünicode",
            "i",
            "duration_us",
            "xtoke",
            "tokentoken",
            "my.cookie",
            "xxxxxxxsecret",
            "apike",
        ] {
            let general = {
                let n = super::normalize_key(k);
                super::SECRET_KEY_FRAGMENTS.iter().any(|f| n.contains(f))
            };
            assert_eq!(super::is_secret_key(k), general, "{k}");
        }
    }

    #[test]
    fn matches_the_usual_spellings() {
        for k in [
            "token",
            "accessToken",
            "client_secret",
            "X-Api-Key",
            "api_key",
            "Authorization",
            "PASSWORD",
        ] {
            assert!(super::is_secret_key(k), "{k}");
        }
        for k in ["name", "role", "room", "monkey"] {
            assert!(!super::is_secret_key(k), "{k}");
        }
    }
}
