//! Reading a request body as JSON, refusing duplicate member names.
//!
//! RFC 8259 §4 says names within an object SHOULD be unique and leaves duplicates to the
//! receiver; `serde_json` keeps the last one. A body with `"userName"` twice means two things at
//! once, and which one a service stores should not depend on its parser (an upstream proxy or
//! validator may have read the first), so it is refused as `invalidSyntax`. The check happens while
//! parsing, in one pass: it costs a lookup in a map being built anyway.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

use crate::ScimError;

/// Parses a request body into a [`Value`], refusing invalid JSON and objects that repeat a
/// member name, both with 400 `invalidSyntax`. Nesting is limited as `serde_json` limits it
/// (128 levels).
///
/// ```
/// use scimkit_protocol::parse_json;
///
/// let v = parse_json(br#"{"userName": "bjensen", "name": {"givenName": "Barbara"}}"#)?;
/// assert_eq!(v["name"]["givenName"], "Barbara");
///
/// let err = parse_json(br#"{"userName": "a", "userName": "b"}"#).unwrap_err();
/// assert_eq!(err.status(), 400);
/// assert_eq!(err.scim_type_raw(), Some("invalidSyntax"));
/// # Ok::<(), scimkit_protocol::ScimError>(())
/// ```
pub fn parse_json(raw: &[u8]) -> Result<Value, ScimError> {
    let mut de = serde_json::Deserializer::from_slice(raw);
    let value = Unique
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| ScimError::invalid_syntax(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// Deserializes one JSON value, failing on a repeated member name at any depth.
struct Unique;

impl<'de> DeserializeSeed<'de> for Unique {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(v) = seq.next_element_seed(Unique)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Unique)?;
            match out.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                Entry::Occupied(slot) => {
                    return Err(A::Error::custom(format!(
                        "duplicate member `{}`",
                        slot.key()
                    )))
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_value_as_serde_json_without_duplicates() {
        let raw = br#"{"a": [1, -2, 3.5, "x", null, true, {"b": {}}], "c": 18446744073709551615}"#;
        assert_eq!(
            parse_json(raw).unwrap(),
            serde_json::from_slice::<Value>(raw).unwrap()
        );
    }

    #[test]
    fn duplicates_are_refused_at_any_depth() {
        for raw in [
            r#"{"a": 1, "a": 1}"#,
            r#"{"a": {"b": 1, "c": 2, "b": 3}}"#,
            r#"[{"x": [], "x": []}]"#,
        ] {
            let e = parse_json(raw.as_bytes()).unwrap_err();
            assert_eq!(e.status(), 400, "{raw}");
            assert!(e.detail().unwrap().contains("duplicate member"), "{raw}");
        }
        // Names that differ only in case are different JSON names.
        assert_eq!(
            parse_json(br#"{"a": 1, "A": 2}"#).unwrap(),
            json!({"a": 1, "A": 2})
        );
    }

    #[test]
    fn invalid_json_and_trailing_data_are_refused() {
        for raw in ["", "{", r#"{"a": 1} x"#, "[1,]"] {
            assert_eq!(parse_json(raw.as_bytes()).unwrap_err().status(), 400);
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(parse_json(deep.as_bytes()).unwrap_err().status(), 400);
    }
}
