//! The wording of failures: type names, mutability names, and values cut short for details that
//! end up in responses and logs.

use serde_json::Value;

use crate::{AttributeType, Mutability};

pub(super) fn mutability_name(m: Mutability) -> &'static str {
    match m {
        Mutability::ReadOnly => "readOnly",
        Mutability::ReadWrite => "readWrite",
        Mutability::Immutable => "immutable",
        Mutability::WriteOnly => "writeOnly",
    }
}

pub(super) fn describe(t: AttributeType) -> &'static str {
    match t {
        AttributeType::String => "a string",
        AttributeType::Boolean => "a boolean",
        AttributeType::Decimal => "a decimal number",
        AttributeType::Integer => "an integer",
        AttributeType::DateTime => "an xsd:dateTime string (e.g. `2008-01-23T04:56:22Z`)",
        AttributeType::Binary => "a base64 string",
        AttributeType::Reference => "a reference (URI string)",
        AttributeType::Complex => "a complex value (object)",
    }
}

pub(super) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number with a fraction",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value for an error detail, cut short (details end up in responses and logs).
pub(super) fn short(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{}`", crate::text::excerpt(s, 64)),
        Value::Object(_) | Value::Array(_) => json_type(v).to_owned(),
        other => format!("`{other}`"),
    }
}
