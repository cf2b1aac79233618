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
