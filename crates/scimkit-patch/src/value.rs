//! Preparing an operation's value for the resource: the one copy of it that is made, with nulls
//! dropped (RFC 7643 §2.5), types checked and names made canonical against the schema
//! (RFC 7643 §2.1, §2.3), and the interop readings of docs/idp-compatibility.md applied.
//!
//! Values reaching here have passed [`Limits::check_value`](crate::Limits), so their depth is
//! bounded and the recursion in [`strip_nulls`] and `==` is too.

use serde_json::{Map, Number, Value};

use scimkit_schema::text::parse_bool;
use scimkit_schema::{name, Attribute, AttributeType};

use crate::error::{Error, ErrorKind};
use crate::target::Named;
use crate::Interop;

/// The JSON type of `v`, for messages.
pub(crate) fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A copy of `v` without `null` object members (RFC 7643 §2.5: null is unassigned), which also
/// covers docs/idp-compatibility.md's `"$ref": null`.
pub(crate) fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// Whether an assigned value is empty: RFC 7643 §2.5 treats `[]` and `{}` like unassigned.
pub(crate) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Prepares values for one attribute.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prep<'a> {
    pub(crate) interop: &'a Interop,
    pub(crate) schema_aware: bool,
}

impl Prep<'_> {
    /// A scalar for a simple attribute or sub-attribute `def` (or, without a definition, one whose
    /// current value is `hint`).
    pub(crate) fn scalar(
        &self,
        def: Option<&Attribute>,
        attr: Named<'_>,
        v: &Value,
        hint: Option<&Value>,
    ) -> Result<Value, Error> {
        let Some(def) = def else {
            // No schema: only the string-boolean reading, guided by the current value's type.
            if self.interop.string_scalars {
                if let (Some(Value::Bool(_)), Value::String(s)) = (hint, v) {
                    if let Some(b) = parse_bool(s) {
                        return Ok(Value::Bool(b));
                    }
                }
                if let (Some(Value::Number(_)), Value::String(s)) = (hint, v) {
                    if let Some(n) = parse_number(s, false) {
                        return Ok(Value::Number(n));
                    }
                }
            }
            if self.interop.complex_from_string {
                if let (Some(Value::Object(o)), Value::String(s)) = (hint, v) {
                    if name::value(o, "value").is_some() {
                        return Ok(single("value", s));
                    }
                }
            }
            return Ok(strip_nulls(v));
        };
        if def.multi_valued && !def.is_complex() {
            // A multi-valued sub-attribute of scalars (rare; RFC 7643 allows it).
            let items: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                one => vec![one],
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if !item.is_null() {
                    out.push(self.one_scalar(def, attr, item)?);
                }
            }
            return Ok(Value::Array(out));
        }
        self.one_scalar(def, attr, v)
    }

    fn one_scalar(&self, def: &Attribute, attr: Named<'_>, v: &Value) -> Result<Value, Error> {
        let err = |expected| {
            Error::from(ErrorKind::ValueType {
                attr: attr.to_string(),
                expected,
                found: kind_name(v),
            })
        };
        let lenient = self.interop.string_scalars;
        match (def.type_, v) {
            (t, Value::String(_)) if t.is_textual() => Ok(v.clone()),
            (t, _) if t.is_textual() => Err(err("a string")),
            (AttributeType::Boolean, Value::Bool(_)) => Ok(v.clone()),
            (AttributeType::Boolean, Value::String(s)) if lenient => parse_bool(s)
                .map(Value::Bool)
                .ok_or_else(|| err("a boolean")),
            (AttributeType::Boolean, _) => Err(err("a boolean")),
            (AttributeType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(v.clone()),
            (AttributeType::Integer, Value::String(s)) if lenient => parse_number(s, true)
                .map(Value::Number)
                .ok_or_else(|| err("an integer")),
            (AttributeType::Integer, _) => Err(err("an integer")),
            (AttributeType::Decimal, Value::Number(_)) => Ok(v.clone()),
            (AttributeType::Decimal, Value::String(s)) if lenient => parse_number(s, false)
                .map(Value::Number)
                .ok_or_else(|| err("a decimal")),
            (AttributeType::Decimal, _) => Err(err("a decimal")),
            (AttributeType::Complex, Value::Object(_)) => Ok(strip_nulls(v)),
            (_, _) => Err(err("an object")),
        }
    }

    /// One value of a complex attribute (the whole value of a single-valued one, or one element
    /// of a multi-valued one): an object with canonical sub-attribute names and checked types.
    pub(crate) fn complex(
        &self,
        def: Option<&Attribute>,
        attr: Named<'_>,
        v: &Value,
        hint: Option<&Value>,
    ) -> Result<Value, Error> {
        let mut from_json_string = false;
        let mut owned;
        let mut v = v;
        // docs/idp-compatibility.md: `{"value": "{\"id\":…,\"value\":\"Admin\"}"}` is the object in the string.
        if self.interop.json_string_values {
            if let Some(parsed) = json_in_value(v) {
                owned = parsed;
                v = &owned;
                from_json_string = true;
            }
        }
        // docs/idp-compatibility.md: Entra's manager as a one-element array `[{"$ref":…,"value":…}]` for a
        // single-valued complex attribute.
        if self.interop.complex_from_string && !def.is_some_and(|d| d.multi_valued) {
            if let Value::Array(a) = v {
                if let [one @ Value::Object(_)] = a.as_slice() {
                    v = one;
                }
            }
        }
        // docs/idp-compatibility.md: a bare string for a complex attribute with a `value` sub-attribute.
        // Without a schema, the current value must have a `value` (or the attribute be the
        // enterprise `manager`): a string for any other complex value (`name`) names no
        // sub-attribute, and is the `invalidValue` below.
        if let Value::String(s) = v {
            let has_value = match def {
                Some(d) => d.sub_attribute("value").is_some(),
                None => {
                    hint.and_then(Value::as_object)
                        .is_some_and(|o| name::value(o, "value").is_some())
                        || attr.is_top("manager")
                }
            };
            if self.interop.complex_from_string && has_value {
                owned = single("value", s);
                v = &owned;
            }
        }
        let Value::Object(o) = v else {
            return Err(ErrorKind::ValueType {
                attr: attr.to_string(),
                expected: "an object",
                found: kind_name(v),
            }
            .into());
        };
        let Some(def) = def.filter(|_| self.schema_aware) else {
            return Ok(strip_nulls(v));
        };
        let mut out = Map::new();
        for (k, sv) in o {
            if sv.is_null() {
                continue;
            }
            let sub = def.sub_attribute(k).or_else(|| {
                // Entra's app-role payloads carry `displayName` where the schema has `display`.
                (from_json_string && name::eq(k, "displayName"))
                    .then(|| def.sub_attribute("display"))
                    .flatten()
            });
            let Some(sub) = sub else {
                if self.interop.drop_unknown_sub_attributes || from_json_string {
                    continue;
                }
                return Err(ErrorKind::SubAttributeUnknown {
                    attr: attr.to_string(),
                    sub: k.clone(),
                }
                .into());
            };
            if out.contains_key(&sub.name) {
                continue;
            }
            let value = self.scalar(Some(sub), attr.sub(&sub.name), sv, None)?;
            out.insert(sub.name.clone(), value);
        }
        Ok(Value::Object(out))
    }

    /// One value for attribute `def`: complex or scalar.
    pub(crate) fn single(
        &self,
        def: Option<&Attribute>,
        attr: Named<'_>,
        v: &Value,
        hint: Option<&Value>,
        complex: bool,
    ) -> Result<Value, Error> {
        if complex {
            self.complex(def, attr, v, hint)
        } else {
            match def {
                Some(d) if self.schema_aware => self.one_scalar(d, attr, v),
                _ => self.scalar(None, attr, v, hint),
            }
        }
    }

    /// The values for a multi-valued attribute: an array, or one value taken as a list of one.
    pub(crate) fn many(
        &self,
        def: Option<&Attribute>,
        attr: Named<'_>,
        v: &Value,
        hint: Option<&Value>,
        complex: bool,
    ) -> Result<Vec<Value>, Error> {
        let items: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            one => vec![one],
        };
        let hint = match hint {
            Some(Value::Array(a)) => a.first(),
            _ => None,
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if !item.is_null() {
                out.push(self.single(def, attr, item, hint, complex)?);
            }
        }
        Ok(out)
    }
}

fn single(k: &str, s: &str) -> Value {
    let mut m = Map::new();
    m.insert(k.to_owned(), Value::String(s.to_owned()));
    Value::Object(m)
}

/// `{"value": "<a JSON object>"}` → the object (docs/idp-compatibility.md).
fn json_in_value(v: &Value) -> Option<Value> {
    let o = v.as_object()?;
    if o.len() != 1 {
        return None;
    }
    let s = name::value(o, "value")?.as_str()?;
    if !s.trim_start().starts_with('{') {
        return None;
    }
    // serde_json bounds the nesting of what it parses (128), and the object is then used only
    // one level deep.
    match serde_json::from_str::<Value>(s) {
        Ok(Value::Object(inner)) => Some(Value::Object(inner)),
        _ => None,
    }
}

fn parse_number(s: &str, integer: bool) -> Option<Number> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Some(i.into());
    }
    if integer {
        return None;
    }
    s.parse::<f64>().ok().and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimkit_schema::ResourceSchema;
    use serde_json::json;

    #[test]
    fn string_scalars_need_the_tolerance() {
        let schema = ResourceSchema::user();
        let active = schema.resolve(None, "active", None).unwrap().attribute;
        let strict = Prep {
            interop: &Interop::strict(),
            schema_aware: true,
        };
        assert!(strict
            .scalar(Some(active), Named::plain("active"), &json!("False"), None)
            .is_err());
        let idp = Prep {
            interop: &Interop::idp_compatible(),
            schema_aware: true,
        };
        assert_eq!(
            idp.scalar(Some(active), Named::plain("active"), &json!("False"), None)
                .unwrap(),
            json!(false)
        );
        assert_eq!(
            idp.scalar(None, Named::plain("x"), &json!("false"), Some(&json!(true)))
                .unwrap(),
            json!(false)
        );
    }

    #[test]
    fn complex_values_get_canonical_names() {
        let schema = ResourceSchema::user();
        let emails = schema.resolve(None, "emails", None).unwrap().attribute;
        let p = Prep {
            interop: &Interop::strict(),
            schema_aware: true,
        };
        let v = p
            .complex(
                Some(emails),
                Named::plain("emails"),
                &json!({"VALUE": "a@b", "Primary": true, "type": null}),
                None,
            )
            .unwrap();
        assert_eq!(v, json!({"value": "a@b", "primary": true}));
        let e = p
            .complex(
                Some(emails),
                Named::plain("emails"),
                &json!({"bogus": 1}),
                None,
            )
            .unwrap_err();
        assert_eq!(e.scim_type().as_str(), "invalidValue");
    }
}
