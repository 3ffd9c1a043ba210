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
//!   what the client asked for; Okta's filtered member removals depend on this, IDP-QUIRKS O9).
//!   With a sub-attribute after `]`, that sub-attribute of each matching value is removed.
//! - **Extension URN**: the whole extension object is removed, and its URN from `schemas`.
//! - **A `value` list on a multi-valued attribute** (`{"op":"Remove","path":"members","value":
//!   [{"value":"u1091"}]}`): not RFC 7644; with
//!   [`Interop::remove_with_value`](crate::Interop::remove_with_value) (IDP-QUIRKS E3, J2) the
//!   listed values are removed, else the operation is rejected (rather than removing every
//!   member, which is what ignoring the value would do).
//!
//! With a schema, removing a required or readOnly attribute, or an immutable one that has a value,
//! is a `mutability` error ("If an attribute is removed or becomes unassigned and is defined as a
//! required attribute or a read-only attribute, the server SHALL return ... "mutability"").

use serde_json::Value;

use scimkit_schema::name;

use super::{
    check_mutability, check_required, child, contains, elements, matching, remove_attr, remove_sub,
    shape, Ctx,
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
    let name = attr.display();
    let cur = current(tx.root(), attr);
    let had = cur.is_some_and(|v| !is_empty(v));
    let (multi, complex) = shape(attr.def, cur, value);
    let mark = tx.mark();
    if let Some(v) = value {
        if !ctx.interop.remove_with_value || t.filter.is_some() || t.sub.is_some() || !multi {
            return Err(ErrorKind::ValueUnexpected.into());
        }
        let listed = ctx.prep().many(attr.def, &name, v, cur, complex)?;
        let Some(arr) = attr_loc(tx.root(), attr) else {
            return Ok(());
        };
        let hits: Vec<usize> = elements(tx, &arr)
            .iter()
            .enumerate()
            .filter(|(_, e)| listed.iter().any(|l| same_listed(e, l)))
            .map(|(i, _)| i)
            .collect();
        remove_elements(tx, &arr, &hits);
        finish_multi(tx, t, &name, had)?;
        return check_mutability(attr.def, &name, had, tx.changed_since(mark));
    }
    match (t.filter, &t.sub) {
        (None, None) => {
            if had {
                check_required(attr.def, &name)?;
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
                    for i in 0..n {
                        remove_sub(tx, attr, &child(&loc, Step::Index(i)), &sub.name)?;
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
            let f = super::value_filter(ctx, attr.def, f);
            let hits = matching(elements(tx, &arr), &f);
            match sub {
                None => {
                    remove_elements(tx, &arr, &hits);
                    finish_multi(tx, t, &name, had)?;
                }
                Some(s) => {
                    for i in hits {
                        remove_sub(tx, attr, &child(&arr, Step::Index(i)), &s.name)?;
                    }
                }
            }
        }
    }
    check_mutability(attr.def, &name, had, tx.changed_since(mark))
}

/// E3: a listed value names an element by its `value` sub-attribute when it has one.
fn same_listed(element: &Value, listed: &Value) -> bool {
    match (element, listed) {
        (Value::Object(e), Value::Object(l)) => match name::value(l, "value") {
            Some(v) => name::value(e, "value") == Some(v),
            None => contains(element, listed),
        },
        _ => element == listed,
    }
}

fn remove_elements(tx: &mut Tx<'_>, arr: &[Step], hits: &[usize]) {
    for &i in hits.iter().rev() {
        tx.remove_at(arr, i);
    }
}

/// A multi-valued attribute with no values left is unassigned (RFC 7644 §3.5.2.2).
fn finish_multi(tx: &mut Tx<'_>, t: &Target<'_, '_>, name: &str, had: bool) -> Result<(), Error> {
    if current(tx.root(), &t.attr).is_some_and(is_empty) {
        if had {
            check_required(t.attr.def, name)?;
        }
        remove_attr(tx, &t.attr);
    }
    Ok(())
}
