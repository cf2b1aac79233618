//! The limits a super-line frame meets on its way in, stated once so that the parts of
//! Switchboard that read JSON from elsewhere (the importer of captures) hold it to the same
//! bounds: what one part accepted, every other part can read back.

/// The deepest nesting of arrays and objects in one frame, the frame's own object included.
/// A frame nested deeper is refused as invalid JSON: this is serde_json's recursion limit,
/// which every frame parse applies, and it keeps parsing (and everything that walks a payload
/// later: validation, redaction, exports) from exhausting the stack. A payload, one level
/// inside its frame, may nest `MAX_DEPTH - 1` levels.
pub const MAX_DEPTH: usize = 127;

/// How deeply `json` nests arrays and objects (`0` for a scalar), counted without parsing it
/// into values, so a hostile input cannot exhaust the stack while being measured. Brackets
/// inside strings are not counted. `json` is assumed to be valid JSON.
pub fn nesting_depth(json: &str) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in json.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_client_frame;

    fn nested_frame(payload_depth: usize) -> String {
        format!(
            r#"{{"t":"req","i":1,"m":"x","d":{}{}}}"#,
            "[".repeat(payload_depth),
            "]".repeat(payload_depth)
        )
    }

    #[test]
    fn max_depth_is_what_frame_parsing_accepts() {
        assert!(parse_client_frame(&nested_frame(MAX_DEPTH - 1)).is_ok());
        let err = parse_client_frame(&nested_frame(MAX_DEPTH)).expect_err("one level too deep");
        assert!(err.message.contains("recursion limit"), "{}", err.message);
        assert_eq!(nesting_depth(&nested_frame(MAX_DEPTH - 1)), MAX_DEPTH);
    }

    #[test]
    fn depth_ignores_brackets_in_strings() {
        assert_eq!(nesting_depth("1"), 0);
        assert_eq!(nesting_depth(r#"{"a":[1,{"b":"[[[\"]]]"}]}"#), 3);
        assert_eq!(nesting_depth(r#"["\\",[]]"#), 2);
    }
}
