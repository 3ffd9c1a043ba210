//! Value-filtered targets (RFC 7644 §3.5.2 `valuePath`: `emails[type eq "work"]`,
//! `addresses[type eq "work"].streetAddress`) for `add` and `replace`: the matching elements are
//! merged into or replaced; no match is `noTarget` (§3.5.2.3), unless the interop profile builds
//! the element from the filter.

use serde_json::{Map, Value};

use scimkit_filter::{CompValue, CompareOp, Filter};
use scimkit_schema::name;

use super::complex::{ensure_element_object, merge_element, set_sub, Write};
use super::{
    add_values, clear_other_primaries, elements, is_primary, shape, Ctx, ElementAt, Selector,
};
use crate::error::{Error, ErrorKind};
use crate::target::{attr_loc, current, Attr, Sub};
use crate::tx::{Step, Tx};
use crate::value::is_empty;

/// A value-filtered `add` ([`Write::Add`]: merged into the matching elements) or `replace`
/// ([`Write::Replace`]: the matching elements replaced), with an optional sub-attribute after `]`.
pub(crate) fn filtered(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    selector: &Selector<'_>,
    sub: Option<&Sub<'_>>,
    value: &Value,
    how: Write,
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
                set_sub(ctx, tx, attr, at, &s.name, sv.clone(), how)?;
            }
            if primary {
                if let Some(&last) = hits.last() {
                    clear_other_primaries(ctx, tx, &arr, last);
                }
            }
        }
        None => {
            let v = ctx.prep().single(attr.def, display, value, None, complex)?;
            let primary = is_primary(&v);
            let mut at = ElementAt::new(&arr);
            for &i in &hits {
                if how == Write::Replace {
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

/// docs/idp-compatibility.md: the element a filter describes, from its `eq` terms joined by `and`
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

/// docs/idp-compatibility.md: appends the element the filter describes, with `extra` merged in, when the
/// profile allows it; the RFC's `noTarget` otherwise.
pub(crate) fn upsert(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    attr: &Attr<'_>,
    selector: &Selector<'_>,
    extra: Map<String, Value>,
) -> Result<(), Error> {
    let no_target = || Error::from(ErrorKind::NoTarget(attr.display()));
    if !ctx.interop.filter_upsert {
        return Err(no_target());
    }
    let mut element = seed(selector.filter()).ok_or_else(no_target)?;
    for (k, v) in extra {
        element.insert(k, v);
    }
    let element = ctx
        .prep()
        .complex(attr.def, attr.named(), &Value::Object(element), None)?;
    // The new element must be found by the filter, or the next operation with the same filter
    // would create another (the Entra sequence that must yield one address).
    if !selector.matches(&element) {
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
}
