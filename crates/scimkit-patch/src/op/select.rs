//! Picking the elements a PATCH value filter names (`members[value eq "2819c223"]`,
//! `emails[type eq "work" and value ew "@example.com"]`; RFC 7644 §3.5.2).
//!
//! The filter is prepared once per operation and then matched against each element:
//!
//! - With a schema, it is compiled against the attribute's sub-attributes
//!   ([`Filter::compile_for`]), so every comparison honours its sub-attribute's type and
//!   `caseExact` (RFC 7643 §2.2). A filter the schema rejects (an unknown sub-attribute, `co` on
//!   a boolean) is matched schema-less instead, as every filter was before: on a resource that
//!   follows the schema, a filter on an unknown sub-attribute selects nothing, and the operation
//!   does what it does on no match.
//! - Without a schema, [`Filter::matches`] applies RFC 7644's defaults (`caseExact` false).
//! - Either way, the overwhelmingly common `sub eq "text"` (Okta's and Entra's
//!   `members[value eq "…"]`) takes a fast path: the element's sub-attribute is looked up in
//!   place and compared with the literal under the same rule, and only an element where that
//!   member is not a string (absent, a number, an array…) goes to the general evaluator. The
//!   answers are the general evaluator's; `tests/value_filters.rs` checks that on random data.

use std::borrow::Cow;
use std::cell::OnceCell;

use serde_json::{Map, Value};

use scimkit_filter::{CompValue, CompareOp, CompiledFilter, Filter, Options};
use scimkit_schema::{datetime, name, Attribute, AttributeType};

use super::Ctx;

/// A value filter prepared for matching the elements of one attribute.
#[derive(Debug)]
pub(crate) struct Selector<'f> {
    /// The filter, with string booleans read as booleans when `string_scalars` applies.
    filter: Cow<'f, Filter>,
    /// `sub eq "text"`, answered in place when the element's member is a string.
    fast: Option<EqText<'f>>,
    /// With a schema: the attribute, and the filter compiled against it on first need (`None`
    /// inside when the schema rejects the filter).
    compiled: Option<(&'f Attribute, Options, OnceCell<Option<CompiledFilter>>)>,
}

/// `sub eq "lit"` on a text sub-attribute.
#[derive(Debug, Clone, Copy)]
struct EqText<'f> {
    /// The sub-attribute: canonical with a schema, as written without (what the general
    /// evaluator looks up).
    sub: &'f str,
    lit: &'f str,
    /// RFC 7643 §2.2 `caseExact`: from the schema; false without one.
    exact: bool,
}

impl<'f> Selector<'f> {
    /// Prepares `filter`, the value filter of the attribute defined by `def`.
    pub(crate) fn new(ctx: &Ctx<'_, '_>, def: Option<&'f Attribute>, filter: &'f Filter) -> Self {
        let filter = value_filter(ctx, def, filter);
        let compiled = match def {
            Some(d) if ctx.resolver.schema.is_some() => {
                Some((d, Options::new().interop(*ctx.interop), OnceCell::new()))
            }
            _ => None,
        };
        // A rewritten (string-boolean) filter compares a boolean, so only a borrowed one can be `eq "text"`.
        let fast = match &filter {
            Cow::Borrowed(f) => EqText::new(f, compiled.as_ref().map(|c| c.0)),
            Cow::Owned(_) => None,
        };
        Selector {
            filter,
            fast,
            compiled,
        }
    }

    /// The filter as written (after the string-boolean reading), for building an element from its `eq` terms (docs/idp-compatibility.md).
    pub(crate) fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Whether `element` matches.
    pub(crate) fn matches(&self, element: &Value) -> bool {
        if let (Some(fast), Value::Object(o)) = (&self.fast, element) {
            if let Some(Value::String(s)) = member(o, fast.sub) {
                return if fast.exact {
                    s == fast.lit
                } else {
                    text_eq(s, fast.lit)
                };
            }
        }
        self.general(element)
    }

    /// The indices of the matching elements.
    pub(crate) fn hits(&self, values: &[Value]) -> Vec<usize> {
        values
            .iter()
            .enumerate()
            .filter(|(_, v)| self.matches(v))
            .map(|(i, _)| i)
            .collect()
    }

    fn general(&self, element: &Value) -> bool {
        if let Some((def, options, cell)) = &self.compiled {
            let compiled = cell.get_or_init(|| self.filter.compile_for(def, options).ok());
            if let Some(c) = compiled {
                return c.matches(element);
            }
        }
        // The filter's paths name sub-attributes of the element (RFC 7644 §3.4.2.2 `valFilter`),
        // so the element is matched as if it were a resource.
        self.filter.matches(element)
    }
}

impl<'f> EqText<'f> {
    /// The fast path for `filter`, when it is `name eq "text"` and the general evaluator would
    /// compare the literal as text: with a schema, on a string, reference or binary
    /// sub-attribute; without one, when the literal is not a dateTime (those compare as
    /// instants).
    fn new(filter: &'f Filter, def: Option<&'f Attribute>) -> Option<EqText<'f>> {
        let Filter::Compare {
            attr,
            op: CompareOp::Eq,
            value: CompValue::String(lit),
        } = filter
        else {
            return None;
        };
        if attr.urn().is_some() || attr.sub_attr().is_some() {
            return None;
        }
        match def {
            Some(def) => {
                let sub = def.sub_attribute(attr.name())?;
                matches!(
                    sub.type_,
                    AttributeType::String | AttributeType::Reference | AttributeType::Binary
                )
                .then_some(EqText {
                    sub: &sub.name,
                    lit,
                    exact: sub.case_exact,
                })
            }
            None => datetime::parse(lit).is_none().then_some(EqText {
                sub: attr.name(),
                lit,
                exact: false,
            }),
        }
    }
}

/// `name::value(object, key)`: the member spelled exactly `key`, else the first spelled so in any
/// case; found by a scan on the small objects of multi-valued attributes (a handful of members,
/// where comparing names beats hashing `key` for every element).
pub(crate) fn member<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    if object.len() > 8 {
        return name::value(object, key);
    }
    let mut folded = None;
    for (k, v) in object {
        if k == key {
            return Some(v);
        }
        if folded.is_none() && name::eq(k, key) {
            folded = Some(v);
        }
    }
    folded
}

/// Text equal ignoring case, by the filter evaluator's rule (`caseExact` false): ASCII letters
/// fold byte by byte, anything else compares as the streams of `char::to_lowercase`.
fn text_eq(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// docs/idp-compatibility.md (Entra ID validator): under [`Interop::string_scalars`], a value filter that
/// compares a boolean sub-attribute with the string `"True"` or `"false"` (any case), as in
/// `addresses[primary EQ "True"]`, compares it with the boolean, as the value of an operation
/// would be read. Without the tolerance or without a definition the filter is used as written (a
/// string never equals a boolean, so such a filter matches nothing). The filter is copied only
/// when a comparison is rewritten.
fn value_filter<'f>(
    ctx: &Ctx<'_, '_>,
    def: Option<&Attribute>,
    filter: &'f Filter,
) -> Cow<'f, Filter> {
    /// The boolean a comparison of a boolean sub-attribute with `"true"`/`"false"` stands for.
    fn coerced(f: &Filter, def: &Attribute) -> Option<bool> {
        match f {
            Filter::Compare {
                attr,
                value: CompValue::String(s),
                ..
            } if attr.urn().is_none()
                && attr.sub_attr().is_none()
                && def
                    .sub_attribute(attr.name())
                    .is_some_and(|a| a.type_ == AttributeType::Boolean) =>
            {
                scimkit_schema::text::parse_bool(s)
            }
            _ => None,
        }
    }
    /// Whether `coerce` would change anything: looked at before anything is copied.
    fn needed(f: &Filter, def: &Attribute) -> bool {
        match f {
            Filter::Not(inner) => needed(inner, def),
            Filter::And(fs) | Filter::Or(fs) => fs.iter().any(|x| needed(x, def)),
            other => coerced(other, def).is_some(),
        }
    }
    fn coerce(f: &Filter, def: &Attribute) -> Filter {
        match f {
            Filter::Compare { attr, op, .. } => match coerced(f, def) {
                Some(b) => Filter::Compare {
                    attr: attr.clone(),
                    op: *op,
                    value: CompValue::Bool(b),
                },
                None => f.clone(),
            },
            Filter::Not(inner) => Filter::Not(Box::new(coerce(inner, def))),
            Filter::And(fs) => Filter::And(fs.iter().map(|x| coerce(x, def)).collect()),
            Filter::Or(fs) => Filter::Or(fs.iter().map(|x| coerce(x, def)).collect()),
            other => other.clone(),
        }
    }
    match def.filter(|_| ctx.interop.string_scalars) {
        Some(def) if needed(filter, def) => Cow::Owned(coerce(filter, def)),
        _ => Cow::Borrowed(filter),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Resolver;
    use crate::Interop;
    use scimkit_schema::ResourceSchema;
    use serde_json::json;

    /// The fast path `Selector::new` picks for `text` on attribute `attr`: the sub-attribute it
    /// looks up and whether it compares exactly.
    fn fast(schema: Option<&ResourceSchema>, attr: &str, text: &str) -> Option<(String, bool)> {
        let def = schema.map(|s| s.resolve(None, attr, None).unwrap().attribute);
        let interop = Interop::idp_compatible();
        let ctx = Ctx {
            resolver: Resolver { schema },
            interop: &interop,
        };
        let f = Filter::parse(text).unwrap();
        let selector = Selector::new(&ctx, def, &f);
        selector.fast.map(|e| (e.sub.to_owned(), e.exact))
    }

    #[test]
    fn fast_path_covers_text_equality_only() {
        let group = ResourceSchema::group();
        let user = ResourceSchema::user();
        let some = |s: &str, exact| Some((s.to_owned(), exact));
        // Okta's and Entra's member removal; the schema's spelling of the name.
        assert_eq!(
            fast(Some(&group), "members", r#"VALUE eq "x""#),
            some("value", false)
        );
        assert_eq!(
            fast(None, "members", r#"VALUE eq "x""#),
            some("VALUE", false)
        );
        assert_eq!(
            fast(Some(&group), "members", r#"$ref eq "https://x/Users/1""#),
            some("$ref", false)
        );
        // A dateTime-shaped literal compares as an instant without a schema, as text on a
        // string sub-attribute with one.
        let instant = r#"value eq "2011-05-13T04:42:34Z""#;
        assert_eq!(fast(None, "members", instant), None);
        assert_eq!(fast(Some(&group), "members", instant), some("value", false));
        // Booleans (`string_scalars` rewrites the literal), other operators, compound filters, unknown names.
        assert_eq!(fast(Some(&user), "emails", r#"primary eq "True""#), None);
        assert_eq!(fast(Some(&user), "emails", r#"value co "x""#), None);
        assert_eq!(
            fast(Some(&user), "emails", r#"type eq "work" and value eq "x""#),
            None
        );
        assert_eq!(fast(Some(&user), "emails", r#"bogus eq "x""#), None);
    }

    #[test]
    fn member_lookup_is_name_value() {
        let o = json!({"Value": 1, "value": 2, "VALUE": 3});
        let o = o.as_object().unwrap();
        for key in ["value", "Value", "VALUE", "vALUE", "other"] {
            assert_eq!(member(o, key), name::value(o, key), "{key}");
        }
        let big: Map<String, Value> = (0..20).map(|i| (format!("k{i}"), json!(i))).collect();
        assert_eq!(member(&big, "K7"), Some(&json!(7)));
    }

    #[test]
    fn text_eq_folds_unicode_like_the_filter() {
        assert!(text_eq("ÉCOLE", "école"));
        assert!(text_eq("\u{212A}elvin", "kelvin"));
        assert!(!text_eq("Zoë", "Zoe"));
        assert!(text_eq("abc", "ABC"));
        assert!(!text_eq("abc", "abd"));
    }
}
