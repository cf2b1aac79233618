//! A strict JSON parser that remembers where every key and value starts.
//!
//! `serde_json` is the right tool for frames, but for contract files we want diagnostics that
//! point at the offending key, and `serde_json` neither exposes positions to a `Deserialize`
//! impl nor rejects duplicate keys (it keeps the last one). This parser keeps a position per key
//! and value, refuses duplicates, and leaves the fiddly leaves (string escapes, number ranges) to
//! `serde_json` so their semantics match the rest of the server exactly.

use serde_json::{Map, Number, Value};

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A JSON value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spanned {
    pub pos: Pos,
    pub node: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Spanned>),
    /// Members in document order; keys are unique (the parser refuses duplicates).
    Object(Vec<Member>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    pub key: String,
    /// Where the key's opening quote is.
    pub key_pos: Pos,
    pub value: Spanned,
}

/// Why the text is not acceptable JSON. `path` is the key path of the innermost container being
/// parsed when the problem was found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ParseError {
    Syntax {
        pos: Pos,
        path: Vec<PathStep>,
        message: String,
    },
    DuplicateKey {
        pos: Pos,
        path: Vec<PathStep>,
        key: String,
        first: Pos,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathStep {
    Key(String),
    Index(usize),
}

/// Deep enough for any real schema, shallow enough that a hostile file cannot overflow the stack.
const MAX_DEPTH: usize = 128;

/// Parses one JSON document (an optional UTF-8 byte order mark is skipped).
pub(crate) fn parse(text: &str) -> Result<Spanned, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        column: 1,
        path: Vec::new(),
    };
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.at < parser.bytes.len() {
        return Err(parser.syntax("unexpected characters after the end of the document"));
    }
    Ok(value)
}

impl Spanned {
    /// The plain `serde_json` value, positions dropped.
    pub fn to_value(&self) -> Value {
        match &self.node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Number(n) => Value::Number(n.clone()),
            Node::String(s) => Value::String(s.clone()),
            Node::Array(items) => Value::Array(items.iter().map(Spanned::to_value).collect()),
            Node::Object(members) => {
                let mut map = Map::new();
                for member in members {
                    map.insert(member.key.clone(), member.value.to_value());
                }
                Value::Object(map)
            }
        }
    }

    /// The JSON type with an article, for "expected an object, found a string".
    pub fn type_name(&self) -> &'static str {
        match self.node {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::String(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
        }
    }
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    line: u32,
    column: u32,
    path: Vec<PathStep>,
}

impl Parser<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn syntax(&self, message: impl Into<String>) -> ParseError {
        self.syntax_at(self.pos(), message)
    }

    fn syntax_at(&self, pos: Pos, message: impl Into<String>) -> ParseError {
        ParseError::Syntax {
            pos,
            path: self.path.clone(),
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Moves one byte forward, keeping line and column (in characters) up to date.
    fn bump(&mut self) {
        if let Some(&byte) = self.bytes.get(self.at) {
            self.at += 1;
            if byte == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if byte & 0xC0 != 0x80 {
                // Count a character at its first byte only, never at UTF-8 continuation bytes.
                self.column += 1;
            }
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.bump();
        }
    }

    /// Describes the next character for "expected X, found Y" messages.
    fn found(&self) -> String {
        match self
            .text
            .get(self.at..)
            .and_then(|rest| rest.chars().next())
        {
            None => "the end of the file".to_owned(),
            Some(c) if c.is_control() => format!("{:?}", c),
            Some(c) => format!("'{c}'"),
        }
    }

    fn value(&mut self) -> Result<Spanned, ParseError> {
        if self.path.len() > MAX_DEPTH {
            return Err(self.syntax(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let pos = self.pos();
        let node = match self.peek() {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Node::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => Node::Number(self.number()?),
            Some(b't') => self.literal("true", Node::Bool(true))?,
            Some(b'f') => self.literal("false", Node::Bool(false))?,
            Some(b'n') => self.literal("null", Node::Null)?,
            _ => return Err(self.syntax(format!("expected a value, found {}", self.found()))),
        };
        Ok(Spanned { pos, node })
    }

    fn literal(&mut self, word: &str, node: Node) -> Result<Node, ParseError> {
        if self
            .bytes
            .get(self.at..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()))
        {
            for _ in 0..word.len() {
                self.bump();
            }
            Ok(node)
        } else {
            Err(self.syntax(format!("expected a value, found {}", self.found())))
        }
    }

    fn object(&mut self) -> Result<Node, ParseError> {
        self.bump(); // '{'
        let mut members: Vec<Member> = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(Node::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                let message = if self.peek() == Some(b'}') {
                    "trailing comma before '}'".to_owned()
                } else {
                    format!("expected a key in double quotes, found {}", self.found())
                };
                return Err(self.syntax(message));
            }
            let key_pos = self.pos();
            let key = self.string()?;
            if let Some(first) = members.iter().find(|m| m.key == key) {
                return Err(ParseError::DuplicateKey {
                    pos: key_pos,
                    path: self.path.clone(),
                    key,
                    first: first.key_pos,
                });
            }
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.syntax(format!(
                    "expected ':' after the key, found {}",
                    self.found()
                )));
            }
            self.bump();
            self.skip_whitespace();
            self.path.push(PathStep::Key(key.clone()));
            let value = self.value()?;
            self.path.pop();
            members.push(Member {
                key,
                key_pos,
                value,
            });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(Node::Object(members));
                }
                _ => {
                    return Err(self.syntax(format!(
                        "expected ',' or '}}' after an object member, found {}",
                        self.found()
                    )))
                }
            }
        }
    }

    fn array(&mut self) -> Result<Node, ParseError> {
        self.bump(); // '['
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(Node::Array(items));
        }
        loop {
            self.skip_whitespace();
            if self.peek() == Some(b']') {
                return Err(self.syntax("trailing comma before ']'"));
            }
            self.path.push(PathStep::Index(items.len()));
            let item = self.value()?;
            self.path.pop();
            items.push(item);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(Node::Array(items));
                }
                _ => {
                    return Err(self.syntax(format!(
                        "expected ',' or ']' after an array element, found {}",
                        self.found()
                    )))
                }
            }
        }
    }

    /// Finds the closing quote, then lets `serde_json` decode escapes (including surrogate
    /// pairs) so strings mean exactly what they mean everywhere else in the server.
    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        let start_pos = self.pos();
        self.bump(); // opening quote
        loop {
            match self.peek() {
                None => return Err(self.syntax_at(start_pos, "unterminated string")),
                Some(b'"') => {
                    self.bump();
                    break;
                }
                Some(b'\\') => {
                    self.bump();
                    if self.peek().is_some() {
                        self.bump();
                    }
                }
                Some(byte) if byte < 0x20 => {
                    return Err(self.syntax("control character inside a string (use an escape)"))
                }
                Some(_) => self.bump(),
            }
        }
        let literal = &self.text[start..self.at];
        serde_json::from_str::<String>(literal)
            .map_err(|e| self.syntax_at(start_pos, format!("bad string: {}", strip_position(&e))))
    }

    /// Checks the strict JSON number grammar, then lets `serde_json` build the number.
    fn number(&mut self) -> Result<Number, ParseError> {
        let start = self.at;
        let start_pos = self.pos();
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => self.bump(),
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax(format!("expected a digit, found {}", self.found()))),
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.syntax(format!(
                    "expected a digit after '.', found {}",
                    self.found()
                )));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.syntax(format!(
                    "expected a digit in the exponent, found {}",
                    self.found()
                )));
            }
            self.digits();
        }
        let literal = &self.text[start..self.at];
        serde_json::from_str::<Number>(literal)
            .map_err(|e| self.syntax_at(start_pos, format!("bad number: {}", strip_position(&e))))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.bump();
        }
    }
}

/// `serde_json` appends " at line 1 column 5" relative to the literal alone, which would be
/// misleading next to our own file position.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pos(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    fn syntax_message(text: &str) -> (Pos, String) {
        match parse(text) {
            Err(ParseError::Syntax { pos, message, .. }) => (pos, message),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn values_match_serde_json() {
        let text = r#"{"a": [1, -2.5, 3e2, true, false, null, "x\u00e9\n\ud83d\ude00"], "b": {}}"#;
        let parsed = parse(text).map(|s| s.to_value());
        let expected: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        assert_eq!(parsed, Ok(expected));
    }

    #[test]
    fn keys_and_values_carry_positions_in_characters() {
        let text = "{\n  \"é\": 1,\n  \"b\": [true]\n}";
        let Ok(Spanned {
            node: Node::Object(members),
            ..
        }) = parse(text)
        else {
            panic!("not an object")
        };
        assert_eq!(members[0].key_pos, pos(2, 3));
        assert_eq!(members[0].value.pos, pos(2, 8));
        assert_eq!(members[1].key_pos, pos(3, 3));
        assert_eq!(members[1].value.pos, pos(3, 8));
    }

    #[test]
    fn duplicate_keys_are_refused_with_both_positions() {
        let text = "{\"a\": {\n \"x\": 1,\n \"x\": 2}}";
        assert_eq!(
            parse(text),
            Err(ParseError::DuplicateKey {
                pos: pos(3, 2),
                path: vec![PathStep::Key("a".into())],
                key: "x".into(),
                first: pos(2, 2),
            })
        );
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        let cases = [
            ("", pos(1, 1), "expected a value, found the end of the file"),
            (
                "{\"a\" 1}",
                pos(1, 6),
                "expected ':' after the key, found '1'",
            ),
            ("{\"a\": 1,}", pos(1, 9), "trailing comma before '}'"),
            ("[1,]", pos(1, 4), "trailing comma before ']'"),
            (
                "[1 2]",
                pos(1, 4),
                "expected ',' or ']' after an array element, found '2'",
            ),
            (
                "{\"a\": 1 \"b\"}",
                pos(1, 9),
                "expected ',' or '}' after an object member, found '\"'",
            ),
            (
                "{a: 1}",
                pos(1, 2),
                "expected a key in double quotes, found 'a'",
            ),
            ("\"abc", pos(1, 1), "unterminated string"),
            (
                "01",
                pos(1, 2),
                "unexpected characters after the end of the document",
            ),
            (
                "-",
                pos(1, 2),
                "expected a digit, found the end of the file",
            ),
            (
                "1.",
                pos(1, 3),
                "expected a digit after '.', found the end of the file",
            ),
            (
                "1e",
                pos(1, 3),
                "expected a digit in the exponent, found the end of the file",
            ),
            ("tru", pos(1, 1), "expected a value, found 't'"),
            (
                "\"a\tb\"",
                pos(1, 3),
                "control character inside a string (use an escape)",
            ),
            ("\"\\q\"", pos(1, 1), "bad string: invalid escape"),
            ("1e999", pos(1, 1), "bad number: number out of range"),
        ];
        for (text, at, message) in cases {
            assert_eq!(
                syntax_message(text),
                (at, message.to_owned()),
                "for {text:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_instead_of_overflowing() {
        let text = "[".repeat(10_000);
        let (_, message) = syntax_message(&text);
        assert_eq!(message, "nesting deeper than 128 levels");
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        assert_eq!(parse("\u{feff}[1]").map(|s| s.to_value()), Ok(json!([1])));
    }
}
