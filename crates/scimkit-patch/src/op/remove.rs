//! `remove`, RFC 7644 §3.5.2.2.
//!
//! What happens, by target:
//!
//! - **No path**: an error, `noTarget` ("If "path" is unspecified, the operation fails").
//! - **Single-valued attribute** (simple or complex): removed; "the attribute SHALL be considered
//!   unassigned". Removing an absent attribute changes nothing.
//! - **Sub-attribute** (`name.givenName`): removed from the complex value; a complex value left
//!   empty is removed too. On a multi-valued attribute, removed from every element.
//! - **Multi-valued attribute without a filter** (`members`): all values removed.
//! - **Value filter** (`members[value eq "2819c223"]`, `emails[type eq "work" and value ew
//!   "example.com"]`): the matching values are removed, and the attribute with them if none
//!   remain. A filter that matches nothing changes nothing (the value is already gone, which is
//!   what the client asked for; Okta's filtered member removals depend on this, docs/idp-compatibility.md).
//!   With a sub-attribute after `]`, that sub-attribute of each matching value is removed.
//!   With a schema, the filter compares by each sub-attribute's type and `caseExact` (Group
//!   `members.value` and User `emails.value` are `caseExact: false`, RFC 7643 §8.7.1); without
//!   one, text compares case-insensitively (RFC 7643 §2.2's default).
//! - **Extension URN**: the whole extension object is removed, and its URN from `schemas`.
//! - **A `value` list on a multi-valued attribute** (`{"op":"Remove","path":"members","value":
//!   [{"value":"u1091"}]}`): not RFC 7644; with
//!   [`Interop::remove_with_value`](crate::Interop::remove_with_value) (docs/idp-compatibility.md) the
//!   listed values are removed, else the operation is rejected (rather than removing every
//!   member, which is what ignoring the value would do).
//!
//! With a schema, removing a required or readOnly attribute, or an immutable one that has a value,
//! is a `mutability` error ("If an attribute is removed or becomes unassigned and is defined as a
//! required attribute or a read-only attribute, the server SHALL return ... "mutability"").

use serde_json::Value;

use scimkit_schema::name;

use super::complex::remove_sub;
use super::select::member;
use super::{
    check_mutability, check_required, contains, elements, remove_attr, shape, Ctx, ElementAt,
    Selector,
};
use crate::error::{Error, ErrorKind};
use crate::target::{attr_loc, current, Target};
use crate::tx::{Step, Tx};
use crate::value::is_empty;

pub(crate) fn apply(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    t: &Target<'_, '_>,
    value: Option<&Value>,
) -> Result<(), Error> {
    let attr = &t.attr;
    let name = attr.named();
    let cur = current(tx.root(), attr);
    let had = cur.is_some_and(|v| !is_empty(v));
    let (multi, complex) = shape(attr.def, cur, value);
    let mark = tx.mark();
    if let Some(v) = value {
        if !ctx.interop.remove_with_value || t.filter.is_some() || t.sub.is_some() || !multi {
            return Err(ErrorKind::ValueUnexpected.into());
        }
        let listed = ctx.prep().many(attr.def, name, v, cur, complex)?;
        let Some(arr) = attr_loc(tx.root(), attr) else {
            return Ok(());
        };
        let listed: Vec<Listed<'_>> = listed.iter().map(Listed::new).collect();
        let hits: Vec<usize> = elements(tx, &arr)
            .iter()
            .enumerate()
            .filter(|(_, e)| listed.iter().any(|l| l.names(e)))
            .map(|(i, _)| i)
            .collect();
        remove_elements(tx, &arr, &hits);
        finish_multi(tx, t, had)?;
        return check_mutability(attr.def, name, had, tx.changed_since(mark));
    }
    match (t.filter, &t.sub) {
        (None, None) => {
            if had {
                check_required(attr.def, name)?;
            }
            remove_attr(tx, attr);
        }
        (None, Some(sub)) => {
            let Some(loc) = attr_loc(tx.root(), attr) else {
                return Ok(());
            };
            match tx.get(&loc) {
                Some(Value::Array(a)) => {
                    let n = a.len();
                    let mut at = ElementAt::new(&loc);
                    for i in 0..n {
                        remove_sub(tx, attr, at.at(i), &sub.name)?;
                    }
                }
                Some(Value::Object(_)) => {
                    remove_sub(tx, attr, &loc, &sub.name)?;
                    if tx.get(&loc).is_some_and(is_empty) {
                        remove_attr(tx, attr);
                    }
                }
                _ => {}
            }
        }
        (Some(f), sub) => {
            let Some(arr) = attr_loc(tx.root(), attr) else {
                return Ok(());
            };
            let hits = Selector::new(ctx, attr.def, f).hits(elements(tx, &arr));
            match sub {
                None => {
                    remove_elements(tx, &arr, &hits);
                    finish_multi(tx, t, had)?;
                }
                Some(s) => {
                    let mut at = ElementAt::new(&arr);
                    for i in hits {
                        remove_sub(tx, attr, at.at(i), &s.name)?;
                    }
                }
            }
        }
    }
    check_mutability(attr.def, name, had, tx.changed_since(mark))
}

/// a listed value names an element by its `value` sub-attribute when it has one (looked up
/// once per listed value, not once per element).
enum Listed<'v> {
    /// An object with a `value`: the elements whose `value` equals it.
    Value(&'v Value),
    /// An object without one: the elements that contain it.
    Contained(&'v Value),
    /// Anything else: the equal elements.
    Equal(&'v Value),
}

impl<'v> Listed<'v> {
    fn new(listed: &'v Value) -> Listed<'v> {
        match listed {
            Value::Object(l) => match name::value(l, "value") {
                Some(v) => Listed::Value(v),
                None => Listed::Contained(listed),
            },
            _ => Listed::Equal(listed),
        }
    }

    fn names(&self, element: &Value) -> bool {
        match (self, element) {
            (Listed::Value(v), Value::Object(e)) => member(e, "value") == Some(*v),
            (Listed::Contained(l), Value::Object(_)) => contains(element, l),
            (Listed::Equal(l), _) => element == *l,
            _ => false,
        }
    }
}

fn remove_elements(tx: &mut Tx<'_>, arr: &[Step], hits: &[usize]) {
    for &i in hits.iter().rev() {
        tx.remove_at(arr, i);
    }
}

/// A multi-valued attribute with no values left is unassigned (RFC 7644 §3.5.2.2).
fn finish_multi(tx: &mut Tx<'_>, t: &Target<'_, '_>, had: bool) -> Result<(), Error> {
    if current(tx.root(), &t.attr).is_some_and(is_empty) {
        if had {
            check_required(t.attr.def, t.attr.named())?;
        }
        remove_attr(tx, &t.attr);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Sent as it was written before `Listed`: per element and listed value.
    fn same_listed(element: &Value, listed: &Value) -> bool {
        match (element, listed) {
            (Value::Object(e), Value::Object(l)) => match name::value(l, "value") {
                Some(v) => name::value(e, "value") == Some(v),
                None => contains(element, listed),
            },
            _ => element == listed,
        }
    }

    fn item() -> impl Strategy<Value = Value> {
        let key = prop::sample::select(vec!["value", "Value", "VALUE", "display"]);
        let val = prop::sample::select(vec![json!("u1"), json!("U1"), json!("u2"), json!(7)]);
        prop_oneof![
            5 => prop::collection::vec((key, val), 0..3).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
            1 => Just(json!("u1")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn listed_values_name_the_same_elements(element in item(), listed in item()) {
            prop_assert_eq!(Listed::new(&listed).names(&element), same_listed(&element, &listed));
        }
    }
}
