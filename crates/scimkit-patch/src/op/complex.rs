//! Writing into complex values (RFC 7643 §2.3.8): the sub-attributes of a single-valued complex
//! attribute (`name.givenName`) or of the elements of a multi-valued one (`emails[…].type`), for
//! `add` (RFC 7644 §3.5.2.1) and `replace` (§3.5.2.3) alike, and removing them (§3.5.2.2).
//!
//! The one difference between the two writing operations is a multi-valued *simple*
//! sub-attribute (RFC 7643 §2.4 allows one, e.g. a custom `name.aliases`): `add` adds the given
//! values to those there ("If the target location specifies a multi-valued attribute, a new value
//! is added to the attribute"; a value already present is not added again), `replace` replaces
//! them. [`Write`] says which.

use serde_json::{Map, Value};

use scimkit_schema::name;

use super::{add_values, check_mutability, check_required, Ctx, ElementAt};
use crate::error::{Error, ErrorKind};
use crate::target::{attr_loc, current, ensure_container, Attr, Sub};
use crate::tx::{Step, Tx};
use crate::value::is_empty;

/// Which operation writes a sub-attribute: decides what happens to a multi-valued simple one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// RFC 7644 §3.5.2.1: values are added to those there.
    Add,
    /// RFC 7644 §3.5.2.3: values replace those there.
    Replace,
}

/// Merges an object's sub-attributes into a single-valued complex attribute, creating it.
pub(crate) fn merge_complex(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    v: Value,
    how: Write,
) -> Result<(), Error> {
    let Value::Object(o) = v else {
        super::set_attr(ctx, tx, attr, v);
        return Ok(());
    };
    if o.is_empty() {
        return Ok(());
    }
    let loc = ensure_object(ctx, tx, attr);
    for (k, sv) in o {
        set_sub(ctx, tx, attr, &loc, &k, sv, how)?;
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

/// `attr.sub` without a filter: set in the single complex value, or in every element of a
/// multi-valued one.
pub(crate) fn set_sub_path(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    multi: bool,
    sub: &Sub<'_>,
    value: &Value,
    how: Write,
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
            .and_then(|o| name::value(o, &sub.name));
        let sv = ctx.prep().scalar(sub.def, path, value, hint)?;
        let arr = attr_loc(tx.root(), attr).unwrap_or_default();
        let mut at = ElementAt::new(&arr);
        for i in 0..n {
            let at = at.at(i);
            ensure_element_object(tx, at);
            set_sub(ctx, tx, attr, at, &sub.name, sv.clone(), how)?;
        }
        return Ok(());
    }
    let hint = cur
        .and_then(Value::as_object)
        .and_then(|o| name::value(o, &sub.name));
    let sv = ctx.prep().scalar(sub.def, path, value, hint)?;
    let loc = ensure_object(ctx, tx, attr);
    set_sub(ctx, tx, attr, &loc, &sub.name, sv, how)
}

/// Merges the sub-attributes of `v` into the element at `at` (an `add`: RFC 7644 §3.5.2.1),
/// honouring the sub-attributes' mutability.
pub(crate) fn merge_element(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    at: &[Step],
    v: Value,
) -> Result<(), Error> {
    let Value::Object(o) = v else {
        tx.replace_at(at, v);
        return Ok(());
    };
    ensure_element_object(tx, at);
    for (k, sv) in o {
        set_sub(ctx, tx, attr, at, &k, sv, Write::Add)?;
    }
    Ok(())
}

/// Makes the element at `at` an object (an empty one if it is not), so sub-attributes can be set.
pub(crate) fn ensure_element_object(tx: &mut Tx<'_>, at: &[Step]) {
    if !matches!(tx.get(at), Some(Value::Object(_))) {
        tx.replace_at(at, Value::Object(Map::new()));
    }
}

/// Sets sub-attribute `sub` of the object at `obj` (a single complex value or one element) to
/// the prepared `v`, checking its mutability. With [`Write::Add`], a multi-valued simple
/// sub-attribute (by its definition; without one, by its current value being an array) gains
/// the values of `v` it does not hold yet.
pub(crate) fn set_sub(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    obj: &[Step],
    sub: &str,
    v: Value,
    how: Write,
) -> Result<(), Error> {
    let def = attr.def.and_then(|d| d.sub_attribute(sub));
    let cur = tx
        .get(obj)
        .and_then(Value::as_object)
        .and_then(|o| name::value(o, sub))
        .filter(|v| !v.is_null());
    let had = cur.is_some_and(|v| !is_empty(v));
    let adds = match def {
        Some(d) => d.multi_valued && !d.is_complex(),
        None => matches!(cur, Some(Value::Array(_))),
    };
    let v = match cur {
        Some(cur) if how == Write::Add && adds => union(cur, v),
        _ => v,
    };
    let mark = tx.mark();
    let key = def.map_or(sub, |d| d.name.as_str());
    tx.set(obj, key, v, ctx.rename());
    check_mutability(def, attr.named().sub(key), had, tx.changed_since(mark))
}

/// The values of `cur` followed by those of `new` that `cur` (or an earlier new value) does not
/// hold: RFC 7644 §3.5.2.1, "If the target location already contains the value specified, no
/// changes SHOULD be made". A single value on either side counts as a list of one.
fn union(cur: &Value, new: Value) -> Value {
    let mut out = match cur {
        Value::Array(a) => a.clone(),
        one => vec![one.clone()],
    };
    let new = match new {
        Value::Array(a) => a,
        one => vec![one],
    };
    for v in new {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Value::Array(out)
}

/// Removes sub-attribute `sub` of the object at `obj`, checking its mutability.
pub(crate) fn remove_sub(
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    obj: &[Step],
    sub: &str,
) -> Result<bool, Error> {
    let def = attr.def.and_then(|d| d.sub_attribute(sub));
    let removed = tx.remove(obj, sub);
    if removed {
        let name = attr.named().sub(sub);
        check_required(def, name)?;
        check_mutability(def, name, true, true)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn union_adds_only_values_not_there() {
        assert_eq!(
            union(&json!(["a"]), json!(["b", "a", "b"])),
            json!(["a", "b"])
        );
        assert_eq!(union(&json!("a"), json!("a")), json!(["a"]));
        assert_eq!(union(&json!(["a", "a"]), json!([])), json!(["a", "a"]));
    }
}
