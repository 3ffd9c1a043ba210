//! `add`, RFC 7644 §3.5.2.1.
//!
//! What happens, by target:
//!
//! - **No path**: the value is an object of attributes, each added as below ("the target
//!   location is assumed to be the resource itself"); an extension URN key holds an object of
//!   that extension's attributes. `{"op":"add","value":{"emails":[{"value":"babs@jensen.org",
//!   "type":"home"}],"nickname":"Babs"}}` appends an email and sets the nickname.
//! - **Single-valued simple attribute** (`nickName`): set, replacing any existing value.
//! - **Single-valued complex attribute** (`name`): the value's sub-attributes are merged in,
//!   replacing those given and keeping the others.
//! - **Multi-valued attribute** (`emails`, `members`): each value (an array, or a single value
//!   taken as a list of one) is appended. A value already present (equal, or an element holding
//!   all its sub-attributes) is skipped: "If the target location already contains the value
//!   specified, no changes SHOULD be made". A value with the same `value` and `type` as an
//!   element is merged into that element instead of duplicating it. A value with
//!   `"primary": true` clears `primary` on the others (RFC 7643 §2.4).
//! - **Sub-attribute** (`name.givenName`): set in the complex value, which is created if absent;
//!   on a multi-valued attribute, set in every element (or a new element if there is none).
//! - **Value filter** (`emails[type eq "work"]`, `….value`): the value's sub-attributes (or the
//!   sub-attribute after `]`) are set in every matching element. When nothing matches the RFC
//!   gives no element to change, so it is `noTarget`; with
//!   [`Interop::filter_upsert`](crate::Interop::filter_upsert) (IDP-QUIRKS E6) an element built
//!   from the filter's `eq` terms is appended instead.
//! - **Extension URN** (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`): the value
//!   is an object of the extension's attributes, each added as above. The extension URN is added
//!   to `schemas` when the extension gains its first attribute.
//!
//! With a schema, names become canonical, types are checked, and changing a readOnly attribute or
//! an immutable one that has a value is a `mutability` error.

use serde_json::{Map, Value};

use super::{
    add_values, check_mutability, ensure_element_object, set_attr, set_sub, shape, Ctx, ElementAt,
    Selector,
};
use crate::error::{Error, ErrorKind};
use crate::target::{attr_loc, current, ensure_container, Attr, Sub, Target};
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
            add_values(ctx, tx, attr, values)?;
        }
        (None, None) if complex => {
            let v = ctx.prep().complex(attr.def, name, value, cur)?;
            merge_complex(ctx, tx, attr, v)?;
        }
        (None, None) => {
            let v = ctx.prep().single(attr.def, name, value, cur, false)?;
            set_attr(ctx, tx, attr, v);
        }
        (None, Some(sub)) => set_sub_path(ctx, tx, attr, multi, sub, value)?,
        (Some(f), sub) => {
            let selector = Selector::new(ctx, attr.def, f);
            super::replace::filtered(ctx, tx, attr, &selector, sub.as_ref(), value, false)?
        }
    }
    check_mutability(attr.def, name, had, tx.changed_since(mark))
}

/// Merges an object's sub-attributes into a single-valued complex attribute, creating it.
pub(crate) fn merge_complex(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    v: Value,
) -> Result<(), Error> {
    let Value::Object(o) = v else {
        set_attr(ctx, tx, attr, v);
        return Ok(());
    };
    if o.is_empty() {
        return Ok(());
    }
    let loc = ensure_object(ctx, tx, attr);
    for (k, sv) in o {
        super::set_sub(ctx, tx, attr, &loc, &k, sv)?;
    }
    Ok(())
}

/// The location of `attr`'s object value, creating an empty one if absent.
fn ensure_object(ctx: &Ctx<'_, '_>, tx: &mut Tx<'_>, attr: &Attr<'_>) -> Vec<Step> {
    if !matches!(current(tx.root(), attr), Some(Value::Object(_))) {
        let container = ensure_container(tx, attr, ctx.rename());
        tx.set(
            &container,
            &attr.name,
            Value::Object(Map::new()),
            ctx.rename(),
        );
    }
    attr_loc(tx.root(), attr).unwrap_or_default()
}

/// `attr.sub` without a filter, for `add` and `replace` alike: set in the single complex value,
/// or in every element of a multi-valued one.
pub(crate) fn set_sub_path(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    multi: bool,
    sub: &Sub<'_>,
    value: &Value,
) -> Result<(), Error> {
    let path = attr.named().sub(&sub.name);
    let cur = current(tx.root(), attr);
    if matches!(cur, Some(v) if !v.is_object() && !v.is_array()) {
        return Err(ErrorKind::PathNotApplicable(path.to_string()).into());
    }
    if multi || matches!(cur, Some(Value::Array(_))) {
        let n = match cur {
            Some(Value::Array(a)) => a.len(),
            _ => 0,
        };
        if n == 0 {
            // "If the target location does not exist, the attribute and value are added."
            let sv = ctx.prep().scalar(sub.def, path, value, None)?;
            let mut m = Map::new();
            m.insert(sub.name.clone(), sv);
            let element = ctx
                .prep()
                .complex(attr.def, attr.named(), &Value::Object(m), None)?;
            return add_values(ctx, tx, attr, vec![element]);
        }
        let hint = cur
            .and_then(|c| c.as_array())
            .and_then(|a| a.first())
            .and_then(Value::as_object)
            .and_then(|o| scimkit_schema::name::value(o, &sub.name));
        let sv = ctx.prep().scalar(sub.def, path, value, hint)?;
        let arr = attr_loc(tx.root(), attr).unwrap_or_default();
        let mut at = ElementAt::new(&arr);
        for i in 0..n {
            let at = at.at(i);
            ensure_element_object(tx, at);
            set_sub(ctx, tx, attr, at, &sub.name, sv.clone())?;
        }
        return Ok(());
    }
    let hint = cur
        .and_then(Value::as_object)
        .and_then(|o| scimkit_schema::name::value(o, &sub.name));
    let sv = ctx.prep().scalar(sub.def, path, value, hint)?;
    let loc = ensure_object(ctx, tx, attr);
    super::set_sub(ctx, tx, attr, &loc, &sub.name, sv)
}
