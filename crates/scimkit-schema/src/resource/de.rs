//! The one deserialisation mechanism every typed resource shares.
//!
//! Each type `T` declared with `typed!` has a private *shadow* struct with the same fields but no
//! `extra` map, whose `Deserialize` is derived. The derive asks for the shadow's canonical field
//! names (`deserialize_struct`'s `fields`), and the members of the JSON object are split by them:
//! a member whose key matches a field in any case (RFC 7643 §2.1) goes to that field, the exact
//! spelling winning over another unless it is unassigned (`null` or `[]`, RFC 7643 §2.5, which
//! makes it the same as absent); `null` members of modelled attributes are dropped (null means
//! unassigned, docs/idp-compatibility.md); every other member moves into `extra`, which `T` stores.
//! So what a typed value writes reads back as the same value.
//!
//! There are two routes with the same rules. From a deserializer (JSON text), [`typed`] streams
//! the members into the fields as it reads them, so a typed resource costs about what a derived
//! struct costs; from a `Value` in hand (`TryFrom<Value>`), [`split`] moves its members.
//! `tests/typed_stream.rs` holds the two equal on random objects.
//!
//! So the canonical names come from the struct's own serde attributes: there is no second table to
//! keep in step, and nested values (`User.emails[]`, `User.name`, the enterprise extension) are
//! case-insensitive because their own `Deserialize` follows the same rules.

use std::marker::PhantomData;

use serde::de::{
    self, Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor,
};
use serde_json::{Map, Value};

use crate::name;

/// Deserialises a typed resource: see the module docs. `S` is the shadow, `T` the public type.
///
/// The members stream from the input straight into the shadow's fields: only members the type
/// does not model (kept in `extra`) and members spelled in another case than the field (held
/// until the end, in case the exact spelling follows) become a `Value` first. So reading JSON
/// text costs about what a derived struct costs, not a `Value` parse plus a second pass.
pub(crate) fn typed<'de, D, S, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    S: Deserialize<'de>,
    T: From<S> + HasExtra,
{
    deserializer.deserialize_map(TypedVisitor::<S, T>(PhantomData))
}

struct TypedVisitor<S, T>(PhantomData<fn() -> (S, T)>);

impl<'de, S, T> Visitor<'de> for TypedVisitor<S, T>
where
    S: Deserialize<'de>,
    T: From<S> + HasExtra,
{
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let mut extra = Map::new();
        let shadow = S::deserialize(Stream {
            map,
            extra: &mut extra,
        })?;
        let mut typed = T::from(shadow);
        *typed.extra_mut() = extra;
        typed.adopt_unassigned().map_err(de::Error::custom)?;
        Ok(typed)
    }
}

/// The members of one JSON object offered to a derived `Deserialize` as it reads them, split by
/// the field names the derive asks for (as [`split`] does for an object in hand).
struct Stream<'x, A> {
    map: A,
    extra: &'x mut Map<String, Value>,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Stream<'_, A> {
    type Error = A::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_map(Members {
            map: self.map,
            fields,
            extra: self.extra,
            exact: vec![false; fields.len()],
            held: vec![None; fields.len()],
            ended: false,
            next_held: 0,
            value: None,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        // Only reached if a shadow is not a plain struct: then every member is kept aside.
        self.deserialize_struct("", &[], visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// [`Stream`]'s members, with [`split`]'s rules: a member spelled exactly as a field goes to the
/// field as it is read; one spelled in another case is held, and goes to the field at the end
/// unless the exact spelling came (then it goes to `extra`, as does any further spelling); every
/// other member goes to `extra`; `null` is unassigned.
struct Members<'x, A> {
    map: A,
    fields: &'static [&'static str],
    extra: &'x mut Map<String, Value>,
    /// Whether field `i` was given in its exact spelling.
    exact: Vec<bool>,
    /// Field `i` given in another spelling, waiting for the end of the object.
    held: Vec<Option<(String, Value)>>,
    /// The input object has been read to its end; held members are being handed over.
    ended: bool,
    next_held: usize,
    /// The held value whose key was just handed over.
    value: Option<Value>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        while !self.ended {
            let Some(key) = self.map.next_key::<Key<'de>>()? else {
                self.ended = true;
                break;
            };
            let key = key.0;
            let Some(i) = self.fields.iter().position(|f| name::eq(f, &key)) else {
                let value: Value = self.map.next_value()?;
                self.extra.insert(key.into_owned(), value);
                continue;
            };
            if key == self.fields[i] {
                if self.exact[i] {
                    // The same key twice: the first stands (a JSON object should not repeat one).
                    self.map.next_value::<de::IgnoredAny>()?;
                    continue;
                }
                self.exact[i] = true;
                if let Some((k, v)) = self.held[i].take() {
                    self.extra.insert(k, v);
                }
                return seed
                    .deserialize(de::value::BorrowedStrDeserializer::new(self.fields[i]))
                    .map(Some);
            }
            let value: Value = self.map.next_value()?;
            if self.exact[i] || self.held[i].is_some() {
                self.extra.insert(key.into_owned(), value);
            } else {
                self.held[i] = Some((key.into_owned(), value));
            }
        }
        while self.next_held < self.fields.len() {
            let i = self.next_held;
            self.next_held += 1;
            match self.held[i].take() {
                // RFC 7643 §2.5: null is "unassigned" (docs/idp-compatibility.md).
                Some((_, Value::Null)) | None => {}
                Some((_, value)) => {
                    self.value = Some(value);
                    return seed
                        .deserialize(de::value::BorrowedStrDeserializer::new(self.fields[i]))
                        .map(Some);
                }
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.map.next_value_seed(NullUnset(seed)),
        }
    }
}

/// An object key, borrowed from the input where it can be.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(std::borrow::Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A field's value where `null` means unassigned (RFC 7643 §2.5): the derive's seed, given a
/// deserializer that reads `null` as an empty list for a `Vec` field (an `Option` field reads it
/// as `None` by itself).
struct NullUnset<V>(V);

impl<'de, V: DeserializeSeed<'de>> DeserializeSeed<'de> for NullUnset<V> {
    type Value = V::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.0.deserialize(NullAsEmpty(deserializer))
    }
}

/// See [`NullUnset`].
struct NullAsEmpty<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for NullAsEmpty<D> {
    type Error = D::Error;

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        struct SeqOrNull<V>(V);

        impl<'de, V: Visitor<'de>> Visitor<'de> for SeqOrNull<V> {
            type Value = V::Value;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                self.0.expecting(f)
            }

            fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
                self.0.visit_seq(de::value::SeqDeserializer::<_, E>::new(
                    std::iter::empty::<()>(),
                ))
            }

            fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
                self.visit_none()
            }

            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
                d.deserialize_seq(self.0)
            }
        }

        self.0.deserialize_option(SeqOrNull(visitor))
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_option(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_str(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_string(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_bool(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_ignored_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit unit_struct newtype_struct tuple tuple_struct enum identifier
    }
}

/// A typed value from an object already in hand (`TryFrom<Value>`), by [`split`].
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
    typed.adopt_unassigned()?;
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

    /// The last step of reading: a field left unassigned takes a member spelled in another case
    /// that went to `extra` because the exact spelling came too (see [`take_variant`]).
    fn adopt_unassigned(&mut self) -> Result<(), serde_json::Error>;
}

/// Removes from `extra` the first member that names `field` in another case, when it holds a
/// value: the reading of an object whose exact spelling of a field is unassigned (`null` or `[]`)
/// and another spelling is not. RFC 7643 §2.5 makes unassigned the same as absent, so the other
/// spelling is the attribute's value; leaving it in `extra` beside an empty field would write an
/// object that reads back differently. Members of `field` that are `null` are dropped on the way.
pub(crate) fn take_variant(extra: &mut Map<String, Value>, field: &str) -> Option<Value> {
    loop {
        let key = extra.keys().find(|k| name::eq(k, field))?.clone();
        match extra.shift_remove(&key) {
            Some(Value::Null) | None => continue,
            Some(value) => return Some(value),
        }
    }
}

/// The canonical member names of a shadow's fields, in declaration order: the names its derived
/// `Deserialize` asks for (so there is no second table to keep in step).
pub(crate) fn field_names<S: DeserializeOwned>() -> &'static [&'static str] {
    #[derive(Debug)]
    struct Probe(&'static [&'static str]);

    impl std::fmt::Display for Probe {
        fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("field names probe")
        }
    }

    impl std::error::Error for Probe {}

    impl de::Error for Probe {
        fn custom<T: std::fmt::Display>(_: T) -> Self {
            Probe(&[])
        }
    }

    struct Names;

    impl<'de> Deserializer<'de> for Names {
        type Error = Probe;

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Probe> {
            Err(Probe(fields))
        }

        fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Probe> {
            Err(Probe(&[]))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    match S::deserialize(Names) {
        Err(Probe(fields)) => fields,
        Ok(_) => &[],
    }
}

/// A shadow with one member set, read by the shadow's own rules (renames, tolerances).
pub(crate) fn shadow_with<S: DeserializeOwned>(
    field: &str,
    value: Value,
) -> Result<S, serde_json::Error> {
    let mut object = Map::new();
    object.insert(field.to_owned(), value);
    S::deserialize(Value::Object(object))
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
    let Some(object) = Option::<Map<String, Value>>::deserialize(deserializer)? else {
        return Ok(None);
    };
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
