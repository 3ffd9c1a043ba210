//! `replace`, RFC 7644 §3.5.2.3.
//!
//! What happens, by target:
//!
//! - **No path**: the value is an object of attributes, each replaced as below.
//! - **Absent attribute**: "the service provider SHALL treat the operation as an add".
//! - **Single-valued simple attribute**: the value is replaced.
//! - **Single-valued complex attribute** (`name`): the given sub-attributes replace the existing
//!   ones or are added; "Sub-attributes that are not specified in the value parameter are left
//!   unchanged".
//! - **Multi-valued attribute without a filter** (`members`, `emails`): the whole set is replaced
//!   by the given values, as given; `[]` leaves the attribute unassigned. (Every old value is
//!   gone, so a `primary: true` among the new ones has no other value to clear; a set with two
//!   primaries is the client's break of RFC 7643 §2.4, for the schema validation to report.)
//!
//!   **Server authors, beware (IDP-QUIRKS E24, O9):** this is what the RFC says and what Okta
//!   relies on when it pushes a group (`replace members` with the full list, `[]` for an empty
//!   group), but a client that sends `{"op":"replace","path":"members","value":[{"value":"673"}]}`
//!   meaning "add user 673" empties the group of everyone else. Servers have lost memberships this
//!   way. The engine does what the message says; if you must second-guess a client, do it before
//!   calling `apply`, not by weakening `replace`.
//! - **Value filter** (`addresses[type eq "work"]`): every matching element is replaced by the
//!   value. With a sub-attribute (`addresses[type eq "work"].streetAddress`), that sub-attribute
//!   of every matching element is replaced. No match is `noTarget` ("the service provider SHALL
//!   indicate failure by returning HTTP status code 400 and a "scimType" error code of
//!   "noTarget""), unless [`Interop::filter_upsert`](crate::Interop::filter_upsert)
//!   (IDP-QUIRKS E6) builds the element from the filter.
//! - **Extension URN**: each attribute of the value is replaced as above.
//!
//! With a schema, names become canonical, types are checked, and changing a readOnly attribute or
//! an immutable one that has a value is a `mutability` error.

use serde_json::{Map, Value};

use scimkit_schema::name;

use super::{
    check_mutability, check_required, clear_other_primaries, elements, ensure_element_object,
    merge_element, remove_attr, set_attr, set_sub, shape, upsert, Ctx, ElementAt, Selector,
};
use crate::error::{Error, ErrorKind};
use crate::target::{attr_loc, current, Attr, Sub, Target};
use crate::tx::{Step, Tx};
use crate::value::is_empty;

pub(crate) fn apply(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    t: &Target<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    let attr = &t.attr;
    let name = attr.named();
    let cur = current(tx.root(), attr);
    let had = cur.is_some_and(|v| !is_empty(v));
    let (multi, complex) = shape(attr.def, cur, Some(value));
    let mark = tx.mark();
    match (t.filter, &t.sub) {
        (None, None) if multi => {
            let values = ctx.prep().many(attr.def, name, value, cur, complex)?;
            if values.is_empty() {
                if had {
                    check_required(attr.def, name)?;
                }
                remove_attr(tx, attr);
            } else {
                // The values replace every value there was, so a `primary: true` among them has
                // no other value to clear (RFC 7644 §3.5.2): the set is stored as sent. A set
                // with two primaries breaks RFC 7643 §2.4 by itself; the schema-aware validation
                // reports it (or keeps the first, `PrimaryConflict::KeepFirst`), as for a PUT.
                set_attr(ctx, tx, attr, Value::Array(values));
            }
        }
        (None, None) if complex => {
            let v = ctx.prep().complex(attr.def, name, value, cur)?;
            super::add::merge_complex(ctx, tx, attr, v)?;
        }
        (None, None) => {
            let v = ctx.prep().single(attr.def, name, value, cur, false)?;
            set_attr(ctx, tx, attr, v);
        }
        (None, Some(sub)) => super::add::set_sub_path(ctx, tx, attr, multi, sub, value)?,
        (Some(f), sub) => {
            let selector = Selector::new(ctx, attr.def, f);
            filtered(ctx, tx, attr, &selector, sub.as_ref(), value, true)?
        }
    }
    check_mutability(attr.def, name, had, tx.changed_since(mark))
}

/// A value-filtered `add` (`replace_whole == false`: merge into matching elements) or `replace`
/// (`true`: matching elements replaced), with an optional sub-attribute after `]`.
pub(crate) fn filtered(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    selector: &Selector<'_>,
    sub: Option<&Sub<'_>>,
    value: &Value,
    replace_whole: bool,
) -> Result<(), Error> {
    let display = attr.named();
    let cur = current(tx.root(), attr);
    if matches!(cur, Some(v) if !v.is_array()) {
        return Err(ErrorKind::PathNotApplicable(display.to_string()).into());
    }
    let hits = cur
        .and_then(Value::as_array)
        .map(|a| selector.hits(a))
        .unwrap_or_default();
    let (_, complex) = shape(attr.def, cur, None);
    if hits.is_empty() {
        let extra = match sub {
            Some(s) => {
                let sv = ctx
                    .prep()
                    .scalar(s.def, display.sub(&s.name), value, None)?;
                let mut m = Map::new();
                m.insert(s.name.clone(), sv);
                m
            }
            None => match ctx.prep().complex(attr.def, display, value, None)? {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        };
        return upsert(ctx, tx, attr, selector, extra);
    }
    let arr = attr_loc(tx.root(), attr).unwrap_or_default();
    match sub {
        Some(s) => {
            let hint = hits
                .first()
                .and_then(|&i| elements(tx, &arr).get(i))
                .and_then(Value::as_object)
                .and_then(|o| name::value(o, &s.name));
            let sv = ctx
                .prep()
                .scalar(s.def, display.sub(&s.name), value, hint)?;
            let primary = name::eq(&s.name, "primary") && sv == Value::Bool(true);
            let mut at = ElementAt::new(&arr);
            for &i in &hits {
                let at = at.at(i);
                ensure_element_object(tx, at);
                set_sub(ctx, tx, attr, at, &s.name, sv.clone())?;
            }
            if primary {
                if let Some(&last) = hits.last() {
                    clear_other_primaries(ctx, tx, &arr, last);
                }
            }
        }
        None => {
            let v = ctx.prep().single(attr.def, display, value, None, complex)?;
            let primary = super::is_primary(&v);
            let mut at = ElementAt::new(&arr);
            for &i in &hits {
                if replace_whole {
                    replace_element(tx, attr, at.at(i), v.clone())?;
                } else {
                    merge_element(ctx, tx, attr, at.at(i), v.clone())?;
                }
            }
            if primary {
                if let Some(&last) = hits.last() {
                    clear_other_primaries(ctx, tx, &arr, last);
                }
            }
        }
    }
    Ok(())
}

/// Replaces element `i`, refusing to change an immutable or readOnly sub-attribute that has a
/// value (RFC 7643 §2.2).
fn replace_element(tx: &mut Tx<'_>, attr: &Attr<'_>, at: &[Step], v: Value) -> Result<(), Error> {
    if let (Some(def), Some(Value::Object(old)), Value::Object(new)) = (attr.def, tx.get(at), &v) {
        for s in &def.sub_attributes {
            if matches!(
                s.mutability,
                scimkit_schema::Mutability::Immutable | scimkit_schema::Mutability::ReadOnly
            ) {
                let before = name::value(old, &s.name).filter(|v| !is_empty(v));
                if before.is_some() && before != name::value(new, &s.name) {
                    return Err(ErrorKind::Mutability {
                        attr: attr.named().sub(&s.name).to_string(),
                        reason: "immutable and already has a value",
                    }
                    .into());
                }
            }
        }
    }
    tx.replace_at(at, v);
    Ok(())
}
