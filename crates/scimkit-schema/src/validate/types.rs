//! The RFC 7643 §2.3 value rules the engine applies: JSON shape per data type, the opt-in string
//! coercion, "unassigned" (§2.5), and sameness of two values by the schema's rules.

use serde_json::{Number, Value};

use crate::{datetime, name, Attribute, AttributeType};

/// Whether `value` has the JSON shape of `type_` (RFC 7643 §2.3).
pub(super) fn has_type(type_: AttributeType, value: &Value) -> bool {
    match type_ {
        AttributeType::String | AttributeType::Reference => value.is_string(),
        AttributeType::Boolean => value.is_boolean(),
        // §2.3.3: a decimal has a fractional part, but an integer is a decimal number too.
        AttributeType::Decimal => value.is_number(),
        // §2.3.4: "a decimal number with no fractional component".
        AttributeType::Integer => value.is_i64() || value.is_u64(),
        AttributeType::DateTime => value.as_str().and_then(datetime::parse).is_some(),
        AttributeType::Binary => value.as_str().is_some_and(is_base64),
        AttributeType::Complex => value.is_object(),
    }
}

/// The opt-in string coercion (Entra): `"True"` → `true`, `"42"` → `42`, `"1.5"` → `1.5`.
pub(super) fn coerce(type_: AttributeType, s: &str) -> Option<Value> {
    let s = s.trim();
    match type_ {
        AttributeType::Boolean => crate::text::parse_bool(s).map(Value::Bool),
        AttributeType::Integer => s.parse::<i64>().ok().map(Value::from),
        AttributeType::Decimal => match s.parse::<i64>() {
            Ok(i) => Some(Value::from(i)),
            // from_f64 refuses NaN and infinities ("inf" parses as an f64).
            Err(_) => s
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number),
        },
        _ => None,
    }
}

/// RFC 7643 §2.3.6: base64 per RFC 4648 §4, or base64url (§5) where URL safety is needed; padding
/// optional.
pub(super) fn is_base64(s: &str) -> bool {
    use base64::alphabet::{STANDARD, URL_SAFE};
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine as _;
    // Padding may be present or not; bits after the last full byte are not checked (RFC 4648
    // §3.5 lets a decoder ignore them, and IdPs' encoders do not all clear them).
    const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const BASE64: GeneralPurpose = GeneralPurpose::new(&STANDARD, CONFIG);
    const BASE64URL: GeneralPurpose = GeneralPurpose::new(&URL_SAFE, CONFIG);
    // Padding, when present, completes the last quantum (`TQ==`, never `TQ=`).
    let padding_complete = !s.ends_with('=') || s.len().is_multiple_of(4);
    padding_complete && (BASE64.decode(s).is_ok() || BASE64URL.decode(s).is_ok())
}

/// Whether a value counts as assigned: RFC 7643 §2.5 treats null and an empty array as unassigned.
pub(super) fn is_assigned(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// Whether two values of `attr` are the same by the schema's rules (caseExact, numbers by value,
/// multi-valued as a set, complex by sub-attribute). Descends only as deep as the schema, so it is
/// bounded whatever the values.
pub(super) fn same(attr: &Attribute, a: &Value, b: &Value) -> bool {
    if !is_assigned(a) && !is_assigned(b) {
        return true;
    }
    match (a, b) {
        (Value::Array(x), Value::Array(y)) if attr.multi_valued => {
            if x.len() != y.len() {
                return false;
            }
            let one = |u: &Value, v: &Value| same_single(attr, u, v);
            if x.len() > 256 {
                // Order-insensitive comparison is quadratic; large arrays compare in order.
                return x.iter().zip(y).all(|(u, v)| one(u, v));
            }
            x.iter().all(|u| y.iter().any(|v| one(u, v)))
                && y.iter().all(|v| x.iter().any(|u| one(u, v)))
        }
        _ => same_single(attr, a, b),
    }
}

pub(super) fn same_single(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if attr.is_complex() => {
            attr.sub_attributes.iter().all(|sub| {
                let u = name::value(x, &sub.name).unwrap_or(&Value::Null);
                let v = name::value(y, &sub.name).unwrap_or(&Value::Null);
                // Sub-attributes are never complex (§2.3.8, checked by ResourceSchema::new), so
                // the recursion ends one level down.
                same(sub, u, v)
            })
        }
        (Value::String(x), Value::String(y)) => {
            if attr.case_exact {
                x == y
            } else {
                x == y || x.to_lowercase() == y.to_lowercase()
            }
        }
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Object(_), _)
        | (Value::Array(_), _)
        | (_, Value::Object(_))
        | (_, Value::Array(_)) => false,
        _ => a == b,
    }
}

pub(super) fn is_urn(s: &str) -> bool {
    // Bytes, not `&s[..4]`: the fourth byte may be inside a multi-byte character.
    s.as_bytes()
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"urn:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Context, Validator};
    use serde_json::json;

    #[test]
    fn base64_accepts_rfc_4648_sections_4_and_5() {
        for ok in ["", "TWFu", "TWE=", "TQ==", "TWE", "-_-_", "ab+/", "TWF"] {
            assert!(is_base64(ok), "{ok}");
        }
        // One alphabet per value: `+` and `_` together are neither encoding.
        for bad in ["T", "TQ=", "T===", "a b=", "TW=E", "é", "a+b_"] {
            assert!(!is_base64(bad), "{bad}");
        }
    }

    /// Found by `fuzz/fuzz_targets/messages.rs` (corpus `regress-schemas-multibyte`): a schema id
    /// with a multi-byte character across byte 4 panicked when sliced.
    #[test]
    fn is_urn_on_multibyte_text() {
        assert!(is_urn("URN:x"));
        assert!(!is_urn("urn\u{256}etf:params"));
        assert!(!is_urn("ur\u{e9}"));
        assert!(!is_urn("urn"));
        let schema = crate::ResourceSchema::user();
        let mut user = json!({"schemas": ["urn\u{256}etf:params:scim:api:messages:2.0:PatchOp"], "userName": "x"});
        assert!(Validator::new(&schema)
            .validate(&mut user, Context::Create)
            .is_err());
        let _ = schema.split_path("urn\u{256}etf:x");
    }

    #[test]
    fn coercion_covers_the_entra_spellings_only() {
        assert_eq!(coerce(AttributeType::Boolean, "True"), Some(json!(true)));
        assert_eq!(coerce(AttributeType::Boolean, "FALSE"), Some(json!(false)));
        assert_eq!(coerce(AttributeType::Boolean, "yes"), None);
        assert_eq!(coerce(AttributeType::Integer, "42"), Some(json!(42)));
        assert_eq!(coerce(AttributeType::Integer, "4.2"), None);
        assert_eq!(coerce(AttributeType::Decimal, "1.5"), Some(json!(1.5)));
        assert_eq!(coerce(AttributeType::Decimal, "inf"), None);
        assert_eq!(coerce(AttributeType::Decimal, "NaN"), None);
        assert_eq!(coerce(AttributeType::String, "x"), None);
    }

    #[test]
    fn types_follow_rfc_7643_section_2_3() {
        assert!(has_type(AttributeType::Decimal, &json!(1)));
        assert!(has_type(AttributeType::Decimal, &json!(1.5)));
        assert!(!has_type(AttributeType::Integer, &json!(1.5)));
        assert!(has_type(AttributeType::Integer, &json!(u64::MAX)));
        assert!(has_type(
            AttributeType::DateTime,
            &json!("2008-01-23T04:56:22Z")
        ));
        assert!(!has_type(AttributeType::DateTime, &json!("2008-01-23")));
        assert!(!has_type(AttributeType::Boolean, &json!("true")));
    }

    #[test]
    fn same_respects_case_exact_and_sets() {
        let emails = crate::ResourceSchema::user();
        let emails = emails.resolve(None, "emails", None).unwrap().attribute;
        let a = json!([{"value": "A@x.com"}, {"value": "b@x.com"}]);
        let b = json!([{"value": "b@x.com"}, {"value": "a@x.com"}]);
        assert!(same(emails, &a, &b));
        let id = &crate::common::attributes()[1];
        assert!(!same(id, &json!("ABC"), &json!("abc")));
    }
}
