//! The three operations of RFC 7644 §3.5.2, one module each, and what they share.
//!
//! - [`add`]: RFC 7644 §3.5.2.1.
//! - [`remove`]: RFC 7644 §3.5.2.2.
//! - [`replace`]: RFC 7644 §3.5.2.3.
//!
//! What `add` and `replace` share lives beside them: `complex.rs` writes sub-attributes of
//! complex values, `filtered.rs` handles value-filtered targets; `select.rs` picks the elements a
//! value filter names. The three operation modules depend on these, never on each other.
//!
//! Each works on a resolved target (an attribute, maybe a value filter, maybe a sub-attribute)
//! and changes the resource only through the undo log, so any error leaves it untouched.

pub mod add;
mod complex;
mod filtered;
pub mod remove;
pub mod replace;
mod select;

pub(crate) use select::Selector;

use serde_json::Value;

use scimkit_schema::{name, Attribute, Mutability};

use crate::error::{Error, ErrorKind};
use crate::target::{attr_loc, container_loc, current, ensure_container, Attr, Named, Resolver};
use crate::tx::{Loc, Step, Tx};
use crate::value::{is_empty, Prep};
use crate::Interop;

use complex::merge_element;

/// What one operation needs besides the resource.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a, 's> {
    pub(crate) resolver: Resolver<'s>,
    pub(crate) interop: &'a Interop,
}

impl Ctx<'_, '_> {
    pub(crate) fn prep(&self) -> Prep<'_> {
        Prep {
            interop: self.interop,
            schema_aware: self.resolver.schema.is_some(),
        }
    }

    /// With a schema, keys are written in the canonical spelling.
    pub(crate) fn rename(&self) -> bool {
        self.resolver.schema.is_some()
    }
}

/// Whether the attribute is multi-valued and complex: from the definition, else from the current
/// value, else from the value being written.
pub(crate) fn shape(
    def: Option<&Attribute>,
    cur: Option<&Value>,
    new: Option<&Value>,
) -> (bool, bool) {
    if let Some(d) = def {
        return (d.multi_valued, d.is_complex());
    }
    let multi = match cur {
        Some(v) => v.is_array(),
        None => new.is_some_and(Value::is_array),
    };
    let complex = |v: &Value| match v {
        Value::Object(_) => true,
        Value::Array(a) => a.first().is_some_and(Value::is_object),
        _ => false,
    };
    let complex = match cur {
        Some(v) if !is_empty(v) => complex(v),
        _ => new.is_some_and(complex),
    };
    (multi, complex)
}

/// RFC 7643 §2.2 mutability, checked after the fact: `changed` says whether the operation changed
/// the attribute, `had` whether it had a value before. An error rolls the change back with the
/// rest of the request.
pub(crate) fn check_mutability(
    def: Option<&Attribute>,
    attr: Named<'_>,
    had: bool,
    changed: bool,
) -> Result<(), Error> {
    let Some(d) = def else { return Ok(()) };
    if !changed {
        return Ok(());
    }
    let reason = match d.mutability {
        Mutability::ReadOnly => "readOnly",
        Mutability::Immutable if had => "immutable and already has a value",
        _ => return Ok(()),
    };
    Err(ErrorKind::Mutability {
        attr: attr.to_string(),
        reason,
    }
    .into())
}

/// RFC 7644 §3.5.2.2: removing (or emptying) a required attribute is a `mutability` error.
pub(crate) fn check_required(def: Option<&Attribute>, attr: Named<'_>) -> Result<(), Error> {
    match def {
        Some(d) if d.required => Err(ErrorKind::Mutability {
            attr: attr.to_string(),
            reason: "required and cannot be removed",
        }
        .into()),
        _ => Ok(()),
    }
}

/// Sets `attr` to `value`, creating its extension object if needed.
pub(crate) fn set_attr(ctx: &Ctx<'_, '_>, tx: &mut Tx<'_>, attr: &Attr<'_>, value: Value) {
    let loc = ensure_container(tx, attr, ctx.rename());
    tx.set(&loc, &attr.name, value, ctx.rename());
}

/// Removes `attr`; whether it was there.
pub(crate) fn remove_attr(tx: &mut Tx<'_>, attr: &Attr<'_>) -> bool {
    match container_loc(tx.root(), attr) {
        Some(loc) => tx.remove(&loc, &attr.name),
        None => false,
    }
}

/// The location of `attr`'s array, making it one: created empty if absent, a single value
/// wrapped in an array if the attribute is multi-valued but holds one value.
pub(crate) fn ensure_array(ctx: &Ctx<'_, '_>, tx: &mut Tx<'_>, attr: &Attr<'_>) -> Loc {
    match current(tx.root(), attr) {
        Some(Value::Array(_)) => {}
        Some(other) => {
            let one = other.clone();
            set_attr(ctx, tx, attr, Value::Array(vec![one]));
        }
        None => set_attr(ctx, tx, attr, Value::Array(Vec::new())),
    }
    attr_loc(tx.root(), attr).unwrap_or_default()
}

/// RFC 7643 §2.5: null is unassigned, so an attribute an operation changed is stored without
/// `null` members anywhere in its value, in the values the operation wrote (prepared without
/// them) and in those it left in place alike. Every route to the same attribute value, one PATCH
/// or the [`crate::diff`] of it re-applied, then ends in one representation. Attributes the
/// operation did not change keep their bytes.
pub(crate) fn drop_nulls(tx: &mut Tx<'_>, attr: &Attr<'_>) {
    let Some(loc) = attr_loc(tx.root(), attr) else {
        return;
    };
    let found = match tx.get(&loc) {
        Some(v) if has_null_member(v) => null_members(v),
        _ => return,
    };
    for (obj, key) in found {
        let mut at = loc.clone();
        at.extend(obj);
        // `remove` prefers the exact spelling, so a twin key in another case stays.
        tx.remove(&at, &key);
    }
}

/// One level of a walk over a JSON value: the children still to visit.
enum Level<'v> {
    Array(std::iter::Enumerate<std::slice::Iter<'v, Value>>),
    Object(serde_json::map::Iter<'v>),
}

impl<'v> Level<'v> {
    fn open(v: &'v Value) -> Option<Level<'v>> {
        match v {
            Value::Array(a) => Some(Level::Array(a.iter().enumerate())),
            Value::Object(o) => Some(Level::Object(o.iter())),
            _ => None,
        }
    }
}

/// Whether an object anywhere in `v` has a `null` member; without recursion (the resource's depth
/// is the caller's) and without allocating per value, since it runs after every changing
/// operation on, say, a 100,000-member `members`.
fn has_null_member(v: &Value) -> bool {
    let mut stack: Vec<Level<'_>> = Level::open(v).into_iter().collect();
    while let Some(top) = stack.last_mut() {
        let child = match top {
            Level::Array(it) => it.next().map(|(_, c)| c),
            Level::Object(it) => match it.next() {
                Some((_, Value::Null)) => return true,
                other => other.map(|(_, c)| c),
            },
        };
        match child {
            Some(c) => stack.extend(Level::open(c)),
            None => {
                stack.pop();
            }
        }
    }
    false
}

/// The `null` members in `v`: the location of their object (from `v`) and their key.
fn null_members(v: &Value) -> Vec<(Loc, String)> {
    let mut found = Vec::new();
    let mut path: Loc = Vec::new();
    let mut stack: Vec<Level<'_>> = Level::open(v).into_iter().collect();
    while let Some(top) = stack.last_mut() {
        let child = match top {
            Level::Array(it) => it.next().map(|(i, c)| (Step::Index(i), c)),
            Level::Object(it) => it.next().map(|(k, c)| {
                if c.is_null() {
                    found.push((path.clone(), k.clone()));
                }
                (Step::Key(k.clone()), c)
            }),
        };
        match child {
            Some((step, c)) => {
                if let Some(level) = Level::open(c) {
                    path.push(step);
                    stack.push(level);
                }
            }
            None => {
                stack.pop();
                path.pop();
            }
        }
    }
    found
}

/// The elements of the array at `loc`.
pub(crate) fn elements<'v>(tx: &'v Tx<'_>, loc: &[Step]) -> &'v [Value] {
    match tx.get(loc) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

/// The location of one element of the array at `arr`: built once per operation and pointed at
/// each element in turn, so that touching many elements does not build a location for each.
#[derive(Debug)]
pub(crate) struct ElementAt(Loc);

impl ElementAt {
    pub(crate) fn new(arr: &[Step]) -> ElementAt {
        let mut loc = Vec::with_capacity(arr.len() + 1);
        loc.extend_from_slice(arr);
        loc.push(Step::Index(0));
        ElementAt(loc)
    }

    /// The location of element `i`.
    pub(crate) fn at(&mut self, i: usize) -> &[Step] {
        if let Some(last) = self.0.last_mut() {
            *last = Step::Index(i);
        }
        &self.0
    }
}

/// Whether `existing` already holds `new`: equal, or (for complex values) every sub-attribute of
/// `new` is in `existing` with the same value. RFC 7644 §3.5.2.1: "If the target location already
/// contains the value specified, no changes SHOULD be made to the resource".
pub(crate) fn contains(existing: &Value, new: &Value) -> bool {
    if existing == new {
        return true;
    }
    match (existing, new) {
        (Value::Object(e), Value::Object(n)) => n
            .iter()
            .all(|(k, v)| name::value(e, k).is_some_and(|ev| ev == v)),
        _ => false,
    }
}

/// Whether element `e` is the same value as `new` (whose `value` is `value` and `type` is `ty`):
/// same `value` sub-attribute and same `type` (or no `type` on `new`).
fn same_value(e: &Value, value: &Value, ty: Option<&Value>) -> bool {
    let Some(e) = e.as_object() else { return false };
    name::value(e, "value") == Some(value)
        && match ty {
            None => true,
            Some(Value::String(t)) => {
                matches!(name::value(e, "type"), Some(Value::String(et)) if et.eq_ignore_ascii_case(t))
                    || name::value(e, "type").is_none()
            }
            Some(t) => name::value(e, "type") == Some(t),
        }
}

/// Where a value being added goes (RFC 7644 §3.5.2.1): `None` if an element already contains it
/// (nothing to do), else `Some(Some(i))` to merge it into element `i`, the first that is the same
/// value (same `value` and `type`, so that a member added again with its `display` does not
/// become a second member), or `Some(None)` to append it.
///
/// One pass over the elements. When `new` has a `value`, an element whose `value` differs can
/// neither contain `new` nor be the same value, so only the elements with an equal `value` (one,
/// in a member list) are compared further.
fn placement(elems: &[Value], new: &Value) -> Option<Option<usize>> {
    let n = new.as_object();
    let key = n.and_then(|n| n.get_key_value("value")).map(|(_, v)| v);
    let value = n.and_then(|n| name::value(n, "value"));
    let ty = n.and_then(|n| name::value(n, "type"));
    let mut same = None;
    for (i, e) in elems.iter().enumerate() {
        if let Some(key) = key {
            // `new` has a member spelled exactly `value`, which `contains` and `same_value` both
            // look up in `e` with `name::value(e, "value")`.
            let Value::Object(o) = e else { continue };
            if select::member(o, "value") != Some(key) {
                continue;
            }
        }
        if contains(e, new) {
            return None;
        }
        if let (None, Some(value)) = (same, value) {
            if same_value(e, value, ty) {
                same = Some(i);
            }
        }
    }
    Some(same)
}

pub(crate) fn is_primary(v: &Value) -> bool {
    v.as_object()
        .and_then(|o| name::value(o, "primary"))
        .is_some_and(|p| p == &Value::Bool(true))
}

/// RFC 7643 §2.4, RFC 7644 §3.5.2: a value set `primary: true` makes every other value's
/// `primary` false.
pub(crate) fn clear_other_primaries(ctx: &Ctx<'_, '_>, tx: &mut Tx<'_>, arr: &[Step], keep: usize) {
    let others: Vec<usize> = elements(tx, arr)
        .iter()
        .enumerate()
        .filter(|(i, v)| *i != keep && is_primary(v))
        .map(|(i, _)| i)
        .collect();
    let mut at = ElementAt::new(arr);
    for i in others {
        tx.set(at.at(i), "primary", Value::Bool(false), ctx.rename());
    }
}

/// Appends prepared values to a multi-valued attribute (RFC 7644 §3.5.2.1): a value already
/// there is skipped, a value with the same `value` and `type` as an element is merged into it,
/// anything else is appended.
pub(crate) fn add_values(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    values: Vec<Value>,
) -> Result<(), Error> {
    if values.is_empty() {
        return Ok(());
    }
    let arr = ensure_array(ctx, tx, attr);
    for v in values {
        let Some(place) = placement(elements(tx, &arr), &v) else {
            continue;
        };
        let primary = is_primary(&v);
        let index = match place {
            Some(i) => {
                merge_element(ctx, tx, attr, ElementAt::new(&arr).at(i), v)?;
                i
            }
            None => {
                tx.push(&arr, v);
                elements(tx, &arr).len().saturating_sub(1)
            }
        };
        if primary {
            clear_other_primaries(ctx, tx, &arr, index);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_members_are_found_at_any_depth() {
        let v = json!([{"value": "a", "$ref": null}, {"x": [{"y": null}], "z": null}, null]);
        assert!(has_null_member(&v));
        let found: Vec<String> = null_members(&v)
            .into_iter()
            .map(|(loc, k)| format!("{loc:?}/{k}"))
            .collect();
        assert_eq!(
            found,
            [
                "[Index(0)]/$ref",
                "[Index(1), Key(\"x\"), Index(0)]/y",
                "[Index(1)]/z"
            ]
        );
        assert!(!has_null_member(&json!([null, {"a": [null]}])));
        assert!(null_members(&json!([null, {"a": [null]}])).is_empty());
    }

    #[test]
    fn containment_is_by_sub_attributes() {
        assert!(contains(
            &json!({"value": "a", "display": "A"}),
            &json!({"value": "a"})
        ));
        assert!(!contains(
            &json!({"value": "a"}),
            &json!({"value": "a", "display": "A"})
        ));
    }

    /// The two scans `placement` replaces: any element containing the value, else the first
    /// element that is the same value.
    fn placement_by_two_scans(elems: &[Value], new: &Value) -> Option<Option<usize>> {
        if elems.iter().any(|e| contains(e, new)) {
            return None;
        }
        let Some(value) = new.as_object().and_then(|n| name::value(n, "value")) else {
            return Some(None);
        };
        let ty = new.as_object().and_then(|n| name::value(n, "type"));
        Some(elems.iter().position(|e| same_value(e, value, ty)))
    }

    fn small_object() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec!["value", "Value", "VALUE", "type", "Type", "display"]);
        let val = prop::sample::select(vec![
            json!("a"),
            json!("A"),
            json!("b"),
            json!("work"),
            json!("Work"),
            json!(1),
            json!(null),
        ]);
        prop_oneof![
            9 => prop::collection::vec((key, val), 0..4).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
            1 => Just(json!("a")),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// One pass with the `value` shortcut places a value exactly where the two scans did.
        #[test]
        fn placement_is_the_two_scans(
            elems in proptest::collection::vec(small_object(), 0..6),
            new in small_object(),
        ) {
            proptest::prop_assert_eq!(placement(&elems, &new), placement_by_two_scans(&elems, &new));
        }
    }
}
