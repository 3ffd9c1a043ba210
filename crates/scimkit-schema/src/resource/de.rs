//! The one deserialisation mechanism every typed resource shares.
//!
//! Each type `T` declared with `typed!` has a private *shadow* struct with the same fields but no
//! `extra` map, whose `Deserialize` is derived. `T`'s own `Deserialize`:
//!
//! 1. reads a JSON object (anything else is a serde "invalid type" error);
//! 2. hands it to the shadow's derived impl through [`Split`], a deserializer that receives the
//!    shadow's canonical field names from serde (`deserialize_struct`'s `fields`), renames every
//!    member whose key matches one in any case (RFC 7643 §2.1), drops `null` members of modelled
//!    attributes (null means unassigned, docs/idp-compatibility.md), and moves every other member into `extra`;
//! 3. stores `extra` in `T`.
//!
//! So the canonical names come from the struct's own serde attributes: there is no second table to
//! keep in step, and nested values (`User.emails[]`, `User.name`, the enterprise extension) are
//! case-insensitive because their own `Deserialize` runs the same three steps.

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Visitor};
use serde_json::{Map, Value};

use crate::name;

/// Deserialises a typed resource: see the module docs. `S` is the shadow, `T` the public type.
pub(crate) fn typed<'de, D, S, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    S: DeserializeOwned,
    T: From<S> + HasExtra,
{
    let object = Map::<String, Value>::deserialize(deserializer)?;
    from_object::<S, T>(object).map_err(de::Error::custom)
}

/// [`typed`] on an object already in hand.
pub(crate) fn from_object<S, T>(object: Map<String, Value>) -> Result<T, serde_json::Error>
where
    S: DeserializeOwned,
    T: From<S> + HasExtra,
{
    let mut extra = Map::new();
    let shadow = S::deserialize(Split {
        object,
        extra: &mut extra,
    })?;
    let mut typed = T::from(shadow);
    *typed.extra_mut() = extra;
    Ok(typed)
}

/// How deeply a `Value` handed to `TryFrom<Value>` may nest: serde_json's own limit for text, so a
/// value accepted from text is accepted as a `Value` too.
pub(crate) const MAX_DEPTH: usize = 128;

/// `TryFrom<Value>`: checks the nesting depth without recursion first (serde rebuilds nested
/// values recursively, and a caller-built `Value` has no depth limit), then converts.
pub(crate) fn try_from_value<S, T>(value: Value) -> Result<T, serde_json::Error>
where
    S: DeserializeOwned,
    T: From<S> + HasExtra + DeserializeOwned,
{
    if too_deep(&value) {
        dismantle(value);
        return Err(de::Error::custom(format_args!(
            "nesting deeper than {MAX_DEPTH} levels"
        )));
    }
    match value {
        // Moves the top-level members instead of rebuilding them; nested values go through serde.
        Value::Object(object) => from_object::<S, T>(object),
        other => serde_json::from_value(other),
    }
}

fn too_deep(value: &Value) -> bool {
    let mut stack = vec![(value, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        match v {
            Value::Array(_) | Value::Object(_) if depth > MAX_DEPTH => return true,
            Value::Array(a) => stack.extend(a.iter().map(|c| (c, depth + 1))),
            Value::Object(o) => stack.extend(o.values().map(|c| (c, depth + 1))),
            _ => {}
        }
    }
    false
}

/// Drops a `Value` without recursion (the derived drop of a very deep value overflows the stack).
fn dismantle(value: Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// A typed value with a flattened map of the attributes it does not model.
pub(crate) trait HasExtra {
    fn extra_mut(&mut self) -> &mut Map<String, Value>;
}

/// A JSON object offered to a derived `Deserialize`, split by the field names the derive asks for.
struct Split<'a> {
    object: Map<String, Value>,
    extra: &'a mut Map<String, Value>,
}

impl<'de> Deserializer<'de> for Split<'_> {
    type Error = serde_json::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let known = split(self.object, fields, self.extra);
        Value::Object(known).deserialize_struct(name, fields, visitor)
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        // Only reached if a shadow is not a plain struct: then nothing is split.
        Value::Object(self.object).deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Splits `object` into the members whose keys name one of `fields` in any case (renamed to the
/// field's spelling, `null`s dropped) and the rest (pushed onto `extra`, spelling and order kept).
///
/// When an object holds the same name twice in different cases, the exact spelling wins (as in
/// [`name::get`]), else the first one; the other member stays in `extra` under its own spelling, so
/// nothing is lost.
pub(crate) fn split(
    object: Map<String, Value>,
    fields: &[&str],
    extra: &mut Map<String, Value>,
) -> Map<String, Value> {
    let mut slots: Vec<Option<(String, Value)>> = vec![None; fields.len()];
    for (key, value) in object {
        let Some(i) = fields.iter().position(|f| name::eq(f, &key)) else {
            extra.insert(key, value);
            continue;
        };
        match &mut slots[i] {
            slot @ None => *slot = Some((key, value)),
            Some(held) if held.0 != fields[i] && key == fields[i] => {
                let (old_key, old) = std::mem::replace(held, (key, value));
                extra.insert(old_key, old);
            }
            Some(_) => {
                extra.insert(key, value);
            }
        }
    }
    fields
        .iter()
        .zip(slots)
        .filter_map(|(field, slot)| match slot {
            // RFC 7643 §2.5 / docs/idp-compatibility.md: null is "unassigned".
            Some((_, value)) if !value.is_null() => Some(((*field).to_owned(), value)),
            _ => None,
        })
        .collect()
}

/// Fields whose value is "unassigned" are left out of the output (RFC 7643 §2.5).
pub(crate) trait Unset {
    fn is_unset(&self) -> bool;
}

impl<T> Unset for Option<T> {
    fn is_unset(&self) -> bool {
        self.is_none()
    }
}

impl<T> Unset for Vec<T> {
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

/// `skip_serializing_if` for every modelled field.
pub(crate) fn is_unset<T: Unset>(value: &T) -> bool {
    value.is_unset()
}

/// A boolean that may arrive as the strings `"true"`/`"false"` in any case.
///
/// Entra's default job sends `"active": "False"` and its validator `"Primary": "True"` and the like
/// (docs/idp-compatibility.md): unambiguous, so accepted. Any other string is an error.
pub(crate) fn tolerant_bool<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    struct BoolVisitor;

    impl Visitor<'_> for BoolVisitor {
        type Value = Option<bool>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a boolean or the string \"true\" or \"false\"")
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match crate::text::parse_bool(v) {
                Some(b) => Ok(Some(b)),
                None => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
            }
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(BoolVisitor)
}

/// The common attribute `meta` (RFC 7643 §3.1), with its sub-attribute names matched in any case.
///
/// [`crate::Meta`]'s own derived impl is exact-case; this renames the members first, driven by the
/// `meta` definition in [`crate::common::attributes`] (Entra has been seen answering with
/// `"Meta": {"ResourceType": "User", "Created": …}`). Unknown members stay in `Meta::extra`.
pub(crate) fn meta<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<crate::Meta>, D::Error> {
    let object = Map::<String, Value>::deserialize(deserializer)?;
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        crate::common::attributes()
            .iter()
            .find(|a| a.name == "meta")
            .map(|a| a.sub_attributes.iter().map(|s| s.name.as_str()).collect())
            .unwrap_or_default()
    });
    let mut extra = Map::new();
    let mut object = split(object, names, &mut extra);
    // `Meta` keeps the members it does not model in its own flattened `extra`.
    object.extend(extra);
    crate::Meta::deserialize(Value::Object(object))
        .map(Some)
        .map_err(de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(input: Value, fields: &[&str]) -> (Value, Value) {
        let mut extra = Map::new();
        let known = split(input.as_object().unwrap().clone(), fields, &mut extra);
        (Value::Object(known), Value::Object(extra))
    }

    #[test]
    fn depth_limit_without_recursion() {
        let nest = |depth: usize| {
            let mut v = json!(1);
            for _ in 0..depth {
                v = json!([v]);
            }
            v
        };
        // The resource object is level 1, `x`'s array level 2.
        let ok = json!({"x": nest(MAX_DEPTH - 1)});
        assert!(!too_deep(&ok));
        assert!(too_deep(&json!({"x": nest(MAX_DEPTH)})));
        let deep = {
            let mut v = json!(1);
            for _ in 0..100_000 {
                let mut o = Map::new();
                o.insert("a".into(), v);
                v = Value::Object(o);
            }
            v
        };
        let err = crate::resource::User::try_from(deep).unwrap_err();
        assert_eq!(err.to_string(), "nesting deeper than 128 levels");
        let user = json!({"userName": "b", "x": nest(MAX_DEPTH - 1)});
        assert!(crate::resource::User::try_from(user).is_ok());
    }

    #[test]
    fn renames_any_case_and_keeps_the_rest() {
        let (known, extra) = run(
            json!({"Active": true, "USERNAME": "b", "x-custom": 1}),
            &["userName", "active"],
        );
        assert_eq!(known, json!({"active": true, "userName": "b"}));
        assert_eq!(extra, json!({"x-custom": 1}));
    }

    #[test]
    fn nulls_of_modelled_fields_are_unassigned_but_unknown_nulls_are_kept() {
        let (known, extra) = run(json!({"addresses": null, "foo": null}), &["addresses"]);
        assert_eq!(known, json!({}));
        assert_eq!(extra, json!({"foo": null}));
    }

    #[test]
    fn exact_spelling_wins_and_the_other_spelling_is_kept() {
        // folded first, exact second
        let (known, extra) = run(json!({"Active": false, "active": true}), &["active"]);
        assert_eq!(known, json!({"active": true}));
        assert_eq!(extra, json!({"Active": false}));
        // exact first, folded second
        let (known, extra) = run(json!({"active": true, "ACTIVE": false}), &["active"]);
        assert_eq!(known, json!({"active": true}));
        assert_eq!(extra, json!({"ACTIVE": false}));
        // two folded spellings: the first wins
        let (known, extra) = run(json!({"Active": true, "ACTIVE": false}), &["active"]);
        assert_eq!(known, json!({"active": true}));
        assert_eq!(extra, json!({"ACTIVE": false}));
        // a null exact spelling still wins over a folded one, and means unassigned
        let (known, extra) = run(json!({"Active": true, "active": null}), &["active"]);
        assert_eq!(known, json!({}));
        assert_eq!(extra, json!({"Active": true}));
    }
}
