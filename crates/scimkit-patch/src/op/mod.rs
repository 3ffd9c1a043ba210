//! The three operations of RFC 7644 §3.5.2, one module each, and what they share.
//!
//! - [`add`]: RFC 7644 §3.5.2.1.
//! - [`remove`]: RFC 7644 §3.5.2.2.
//! - [`replace`]: RFC 7644 §3.5.2.3.
//!
//! Each works on a resolved target (an attribute, maybe a value filter, maybe a sub-attribute)
//! and changes the resource only through the undo log, so any error leaves it untouched.

pub mod add;
pub mod remove;
pub mod replace;

use serde_json::{Map, Value};

use scimkit_filter::{CompValue, CompareOp, Filter};
use scimkit_schema::{name, Attribute, AttributeType, Mutability};

use crate::error::{Error, ErrorKind};
use crate::target::{attr_loc, container_loc, current, ensure_container, Attr, Resolver};
use crate::tx::{Loc, Step, Tx};
use crate::value::{is_empty, Prep};
use crate::Interop;

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

    /// With a schema, keys are written in the canonical spelling (DESIGN principle 2).
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
    attr: &str,
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
        attr: attr.to_owned(),
        reason,
    }
    .into())
}

/// RFC 7644 §3.5.2.2: removing (or emptying) a required attribute is a `mutability` error.
pub(crate) fn check_required(def: Option<&Attribute>, attr: &str) -> Result<(), Error> {
    match def {
        Some(d) if d.required => Err(ErrorKind::Mutability {
            attr: attr.to_owned(),
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

/// The elements of the array at `loc`.
pub(crate) fn elements<'v>(tx: &'v Tx<'_>, loc: &[Step]) -> &'v [Value] {
    match tx.get(loc) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

/// IDP-QUIRKS E9 (Entra ID validator): under [`Interop::string_scalars`], a value filter that
/// compares a boolean sub-attribute with the string `"True"` or `"false"` (any case), as in
/// `addresses[primary EQ "True"]`, compares it with the boolean, as the value of an operation
/// would be read. Without the tolerance or without a definition the filter is used as written (a
/// string never equals a boolean, so such a filter matches nothing).
pub(crate) fn value_filter<'f>(
    ctx: &Ctx<'_, '_>,
    def: Option<&Attribute>,
    filter: &'f Filter,
) -> std::borrow::Cow<'f, Filter> {
    fn coerce(f: &Filter, def: &Attribute, changed: &mut bool) -> Filter {
        match f {
            Filter::Compare {
                attr,
                op,
                value: CompValue::String(s),
            } if attr.urn().is_none()
                && attr.sub_attr().is_none()
                && def
                    .sub_attribute(attr.name())
                    .is_some_and(|a| a.type_ == AttributeType::Boolean) =>
            {
                let b = if s.eq_ignore_ascii_case("true") {
                    true
                } else if s.eq_ignore_ascii_case("false") {
                    false
                } else {
                    return f.clone();
                };
                *changed = true;
                Filter::Compare {
                    attr: attr.clone(),
                    op: *op,
                    value: CompValue::Bool(b),
                }
            }
            Filter::Not(inner) => Filter::Not(Box::new(coerce(inner, def, changed))),
            Filter::And(fs) => Filter::And(fs.iter().map(|x| coerce(x, def, changed)).collect()),
            Filter::Or(fs) => Filter::Or(fs.iter().map(|x| coerce(x, def, changed)).collect()),
            other => other.clone(),
        }
    }
    let Some(def) = def.filter(|_| ctx.interop.string_scalars) else {
        return std::borrow::Cow::Borrowed(filter);
    };
    let mut changed = false;
    let out = coerce(filter, def, &mut changed);
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(filter)
    }
}

/// The indices of the elements that match `filter`. The filter's attribute paths name
/// sub-attributes of the element (RFC 7644 §3.4.2.2 `valFilter`), so each element is matched as
/// if it were a resource.
pub(crate) fn matching(values: &[Value], filter: &Filter) -> Vec<usize> {
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| filter.matches(v))
        .map(|(i, _)| i)
        .collect()
}

pub(crate) fn child(loc: &[Step], step: Step) -> Loc {
    let mut l = loc.to_vec();
    l.push(step);
    l
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

/// The element that is the same value as `new`: same `value` sub-attribute and same `type` (or no
/// `type` on `new`). Adding such an element updates it instead of duplicating it, so that a
/// member added again with its `display` does not become a second member.
fn same_value(values: &[Value], new: &Value) -> Option<usize> {
    let n = new.as_object()?;
    let value = name::value(n, "value")?;
    let ty = name::value(n, "type");
    values.iter().position(|e| {
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
    })
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
    for i in others {
        tx.set(
            &child(arr, Step::Index(i)),
            "primary",
            Value::Bool(false),
            ctx.rename(),
        );
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
        let elems = elements(tx, &arr);
        if elems.iter().any(|e| contains(e, &v)) {
            continue;
        }
        let primary = is_primary(&v);
        let index = match same_value(elems, &v) {
            Some(i) => {
                merge_element(ctx, tx, attr, &arr, i, v)?;
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

/// Merges the sub-attributes of `v` into element `i` of the array at `arr`, honouring the
/// sub-attributes' mutability.
pub(crate) fn merge_element(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    arr: &[Step],
    i: usize,
    v: Value,
) -> Result<(), Error> {
    let at = child(arr, Step::Index(i));
    let Value::Object(o) = v else {
        tx.replace_at(&at, v);
        return Ok(());
    };
    if !matches!(tx.get(&at), Some(Value::Object(_))) {
        tx.replace_at(&at, Value::Object(Map::new()));
    }
    for (k, sv) in o {
        set_sub(ctx, tx, attr, &at, &k, sv)?;
    }
    Ok(())
}

/// Sets sub-attribute `sub` of the object at `obj` (a single complex value or one element),
/// checking its mutability.
pub(crate) fn set_sub(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    obj: &[Step],
    sub: &str,
    v: Value,
) -> Result<(), Error> {
    let def = attr.def.and_then(|d| d.sub_attribute(sub));
    let had = tx
        .get(obj)
        .and_then(Value::as_object)
        .and_then(|o| name::value(o, sub))
        .is_some_and(|v| !is_empty(v));
    let mark = tx.mark();
    let key = def.map_or(sub, |d| d.name.as_str());
    tx.set(obj, key, v, ctx.rename());
    check_mutability(
        def,
        &format!("{}.{key}", attr.display()),
        had,
        tx.changed_since(mark),
    )
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
        let name = format!("{}.{sub}", attr.display());
        check_required(def, &name)?;
        check_mutability(def, &name, true, true)?;
    }
    Ok(removed)
}

/// IDP-QUIRKS E6: the element a filter describes, from its `eq` terms joined by `and`
/// (`type eq "work"` → `{"type": "work"}`). `None` for any other filter.
pub(crate) fn seed(filter: &Filter) -> Option<Map<String, Value>> {
    fn term(f: &Filter, out: &mut Map<String, Value>) -> bool {
        match f {
            Filter::Compare {
                attr,
                op: CompareOp::Eq,
                value,
            } if attr.urn().is_none() && attr.sub_attr().is_none() => {
                let v = match value {
                    CompValue::Null => return false,
                    CompValue::Bool(b) => Value::Bool(*b),
                    CompValue::Int(i) => Value::from(*i),
                    CompValue::Decimal(d) => match serde_json::Number::from_f64(*d) {
                        Some(n) => Value::Number(n),
                        None => return false,
                    },
                    CompValue::String(s) => Value::String(s.clone()),
                };
                out.insert(attr.name().to_owned(), v);
                true
            }
            Filter::And(fs) => fs.iter().all(|f| term(f, out)),
            _ => false,
        }
    }
    let mut out = Map::new();
    term(filter, &mut out).then_some(out)
}

/// IDP-QUIRKS E6: appends the element the filter describes, with `extra` merged in, when the
/// profile allows it; the RFC's `noTarget` otherwise.
pub(crate) fn upsert(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    filter: &Filter,
    extra: Map<String, Value>,
) -> Result<(), Error> {
    let no_target = || Error::from(ErrorKind::NoTarget(attr.display()));
    if !ctx.interop.filter_upsert {
        return Err(no_target());
    }
    let mut element = seed(filter).ok_or_else(no_target)?;
    for (k, v) in extra {
        element.insert(k, v);
    }
    let element = ctx
        .prep()
        .complex(attr.def, &attr.display(), &Value::Object(element), None)?;
    // The new element must be found by the filter, or the next operation with the same filter
    // would create another (the Entra sequence that must yield one address).
    if !filter.matches(&element) {
        return Err(no_target());
    }
    add_values(ctx, tx, attr, vec![element])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seeds_from_eq_terms_only() {
        let f = Filter::parse(r#"type eq "work" and primary eq true"#).unwrap();
        assert_eq!(
            Value::Object(seed(&f).unwrap()),
            json!({"type": "work", "primary": true})
        );
        assert!(seed(&Filter::parse(r#"type co "w""#).unwrap()).is_none());
        assert!(seed(&Filter::parse(r#"type eq "a" or type eq "b""#).unwrap()).is_none());
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
}
