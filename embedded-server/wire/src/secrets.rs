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
    let k = normalize_key(key);
    SECRET_KEY_FRAGMENTS.iter().any(|f| k.contains(f))
}

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
