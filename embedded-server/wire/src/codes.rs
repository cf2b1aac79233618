use std::borrow::Cow;
use std::fmt;

/// An error code carried by `err` and `serr` frames.
///
/// The wire's codes are constants; handlers may use codes of their own (any string), which
/// clients receive unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorCode(Cow<'static, str>);

impl ErrorCode {
    pub const BAD_REQUEST: ErrorCode = ErrorCode(Cow::Borrowed("BAD_REQUEST"));
    pub const UNAUTHORIZED: ErrorCode = ErrorCode(Cow::Borrowed("UNAUTHORIZED"));
    pub const FORBIDDEN: ErrorCode = ErrorCode(Cow::Borrowed("FORBIDDEN"));
    pub const NOT_FOUND: ErrorCode = ErrorCode(Cow::Borrowed("NOT_FOUND"));
    pub const VALIDATION: ErrorCode = ErrorCode(Cow::Borrowed("VALIDATION"));
    pub const TIMEOUT: ErrorCode = ErrorCode(Cow::Borrowed("TIMEOUT"));
    pub const DISCONNECTED: ErrorCode = ErrorCode(Cow::Borrowed("DISCONNECTED"));
    pub const INTERNAL: ErrorCode = ErrorCode(Cow::Borrowed("INTERNAL"));
    /// A per-connection cap (rooms, topics) is reached; the message names it.
    pub const LIMIT_EXCEEDED: ErrorCode = ErrorCode(Cow::Borrowed("LIMIT_EXCEEDED"));

    /// An application-defined code.
    pub fn custom(code: impl Into<String>) -> Self {
        ErrorCode(Cow::Owned(code.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        match s {
            "BAD_REQUEST" => Self::BAD_REQUEST,
            "UNAUTHORIZED" => Self::UNAUTHORIZED,
            "FORBIDDEN" => Self::FORBIDDEN,
            "NOT_FOUND" => Self::NOT_FOUND,
            "VALIDATION" => Self::VALIDATION,
            "TIMEOUT" => Self::TIMEOUT,
            "DISCONNECTED" => Self::DISCONNECTED,
            "INTERNAL" => Self::INTERNAL,
            "LIMIT_EXCEEDED" => Self::LIMIT_EXCEEDED,
            other => Self::custom(other),
        }
    }
}
