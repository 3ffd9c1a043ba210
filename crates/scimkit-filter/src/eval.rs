//! Schema-less evaluation of a [`Filter`] against a resource's JSON, with RFC 7644 §3.4.2.2's
//! defaults; and the leaf comparisons that the compiled evaluator shares.
//!
//! Nothing here allocates: names are looked up in place, text is compared case-insensitively
//! without lower-casing into new strings (see `text.rs`), and dateTimes are parsed by chrono on
//! the stack.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use scimkit_schema::{datetime, name};
use serde_json::{Map, Value};

use crate::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::text;

impl Filter {
    /// Whether `resource` matches this filter, with RFC 7644's defaults and no schema.
    ///
    /// The rules, each from RFC 7644 §3.4.2.2 unless noted:
    ///
    /// - Attribute names and schema URNs match in any case (RFC 7643 §2.1). A URN-qualified
    ///   attribute is looked up under the member named by the URN (an extension), or at the top
    ///   level when no such member exists and the URN is a core schema
    ///   (`urn:ietf:params:scim:schemas:core:...`) or listed in the resource's `schemas`. An
    ///   unqualified name is looked up at the top level, then in each extension member (§3.10
    ///   lets clients leave the URN out where the name is unambiguous).
    /// - Strings compare case-insensitively (`caseExact` defaults to false, RFC 7643 §2.2).
    /// - A multi-valued attribute matches when any of its values matches. A complex value
    ///   compared without a sub-attribute (`emails co "@example.com"`) compares its `value`
    ///   sub-attribute.
    /// - `pr` is false for a missing attribute, `null`, `""`, `[]` and `{}` (RFC 7643 §2.5:
    ///   unassigned and null are the same). `eq null` is true exactly when `pr` is false, and
    ///   `ne null` exactly when it is true.
    /// - `gt`, `ge`, `lt`, `le` order strings lexically (case-insensitively, by code point),
    ///   numbers numerically (integers exactly), and strings chronologically when both the value
    ///   and the literal parse as xsd:dateTime (RFC 7643 §2.3.5). `eq` and `ne` compare
    ///   dateTimes as instants too, so `2011-05-13T04:42:34Z` equals
    ///   `2011-05-13T06:42:34+02:00`.
    /// - `co`, `sw`, `ew` apply to strings only. RFC 7644 makes them an error on booleans and
    ///   complex attributes; without a schema nothing is known to be either, so here they are
    ///   simply false. [`Filter::compile`] reports them as `invalidFilter`.
    /// - Comparing values of different types (a string with a number, a boolean with a string)
    ///   is false, not an error, and so is any comparison with a missing attribute — `ne`
    ///   included, as in SQL.
    /// - In a value filter `emails[type eq "work" and value co "@example.com"]` every condition
    ///   must hold for the *same* value.
    ///
    /// ```
    /// use scimkit_filter::Filter;
    /// use serde_json::json;
    ///
    /// let user = json!({
    ///     "userName": "bjensen",
    ///     "emails": [
    ///         {"value": "bjensen@example.com", "type": "work", "primary": true},
    ///         {"value": "babs@jensen.org", "type": "home"}
    ///     ],
    ///     "meta": {"lastModified": "2011-05-13T04:42:34Z"}
    /// });
    /// let f = Filter::parse(r#"USERNAME eq "BJensen" and emails[type eq "work" and value ew "@example.com"]"#)?;
    /// assert!(f.matches(&user));
    /// assert!(!Filter::parse(r#"emails[type eq "home" and value ew "@example.com"]"#)?.matches(&user));
    /// assert!(Filter::parse(r#"meta.lastModified gt "2011-05-13T05:00:00+02:00""#)?.matches(&user));
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    pub fn matches(&self, resource: &Value) -> bool {
        eval(self, resource)
    }
}

fn eval(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::And(operands) => operands.iter().all(|f| eval(f, resource)),
        Filter::Or(operands) => operands.iter().any(|f| eval(f, resource)),
        Filter::Not(inner) => !eval(inner, resource),
        Filter::Present { attr } => {
            present(resource, Scope::of(attr), attr.name(), attr.sub_attr())
        }
        Filter::Compare { attr, op, value } => {
            let (scope, name, sub) = (Scope::of(attr), attr.name(), attr.sub_attr());
            match Lit::from_value(value) {
                None => null_comparison(*op, present(resource, scope, name, sub)),
                Some(lit) => any_leaf(resource, scope, name, sub, |v| {
                    compare(v, *op, &lit, TextRule::DEFAULT)
                }),
            }
        }
        // The value filter sees each value as its own little resource.
        Filter::ValuePath { attr, filter } => any_leaf(
            resource,
            Scope::of(attr),
            attr.name(),
            attr.sub_attr(),
            |e| eval(filter, e),
        ),
    }
}

/// Where an attribute lives in the resource JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// At the top level (core and common attributes, and inside a value filter).
    Top,
    /// Schema-less and unqualified: at the top level, else in an extension's member (any
    /// `urn:` member holding an object), since RFC 7644 §3.10 lets clients leave out the URN
    /// where the name is unambiguous.
    Unqualified,
    /// Under the member named by an extension URN.
    Extension(&'a str),
    /// Schema-less: under the member named by the URN if there is one, else at the top level
    /// when the URN is a core schema.
    Guess(&'a str),
}

impl<'a> Scope<'a> {
    pub(crate) fn of(attr: &'a AttrPath) -> Scope<'a> {
        attr.urn().map_or(Scope::Unqualified, Scope::Guess)
    }

    /// The object that holds the attribute.
    fn container(self, resource: &Value) -> Option<&Map<String, Value>> {
        let top = resource.as_object()?;
        match self {
            Scope::Top | Scope::Unqualified => Some(top),
            Scope::Extension(urn) => name::value(top, urn)?.as_object(),
            Scope::Guess(urn) => match name::value(top, urn) {
                Some(member) => member.as_object(),
                None if is_core_urn(urn) || lists_schema(top, urn) => Some(top),
                None => None,
            },
        }
    }
}

/// RFC 7643 §8.7.1 core schema URNs, whose attributes sit at the top level of a resource.
fn is_core_urn(urn: &str) -> bool {
    const CORE: &str = "urn:ietf:params:scim:schemas:core:";
    urn.get(..CORE.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(CORE))
}

fn lists_schema(resource: &Map<String, Value>, urn: &str) -> bool {
    name::value(resource, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| {
            schemas
                .iter()
                .any(|s| s.as_str().is_some_and(|s| name::eq(s, urn)))
        })
}

/// The attribute's value in `resource`, before sub-attribute and multi-value handling.
pub(crate) fn attribute<'v>(
    resource: &'v Value,
    scope: Scope<'_>,
    name: &str,
) -> Option<&'v Value> {
    let container = scope.container(resource)?;
    let found = name::value(container, name);
    if found.is_some() || !matches!(scope, Scope::Unqualified) {
        return found;
    }
    container
        .iter()
        .filter(|(key, _)| {
            key.get(..4)
                .is_some_and(|head| head.eq_ignore_ascii_case("urn:"))
        })
        .find_map(|(_, member)| name::value(member.as_object()?, name))
}

/// Calls `f` on each value the path names — each element of a multi-valued attribute, each
/// sub-attribute value of each element — until it returns true.
pub(crate) fn any_leaf<'v>(
    resource: &'v Value,
    scope: Scope<'_>,
    name: &str,
    sub: Option<&str>,
    mut f: impl FnMut(&'v Value) -> bool,
) -> bool {
    let Some(value) = attribute(resource, scope, name) else {
        return false;
    };
    let mut each = |v: &'v Value| match v {
        Value::Array(items) => items.iter().any(&mut f),
        v => f(v),
    };
    match (sub, value) {
        (None, v) => each(v),
        (Some(sub), Value::Object(o)) => name::value(o, sub).is_some_and(each),
        (Some(sub), Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .filter_map(|o| name::value(o, sub))
            .any(each),
        (Some(_), _) => false,
    }
}

/// `pr`: some value the path names is not unassigned.
pub(crate) fn present(resource: &Value, scope: Scope<'_>, name: &str, sub: Option<&str>) -> bool {
    any_leaf(resource, scope, name, sub, is_assigned)
}

/// RFC 7643 §2.5: null, an empty array and an empty object mean "unassigned"; RFC 7644 §3.4.2.2
/// adds the empty string for `pr`.
fn is_assigned(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        // Not recursive: the caller's JSON may nest arrays arbitrarily deep, and SCIM has no
        // arrays of arrays to look into.
        Value::Array(a) => a.iter().any(|v| !v.is_null()),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// `eq null` and `ne null`: null means unassigned, so they test presence. Other operators with
/// `null` compare nothing and are false.
pub(crate) fn null_comparison(op: CompareOp, present: bool) -> bool {
    match op {
        CompareOp::Eq => !present,
        CompareOp::Ne => present,
        _ => false,
    }
}

/// A comparison literal as the evaluator sees it. The compiled form builds it once; the
/// schema-less form builds it per comparison, which costs at most a dateTime shape check.
#[derive(Debug, Clone)]
pub(crate) enum Lit<'a> {
    Bool(bool),
    Int(i64),
    Decimal(f64),
    Str(&'a str, Option<DateTime<FixedOffset>>),
}

impl<'a> Lit<'a> {
    /// The literal for a comparison value; `None` for `null`, which tests presence instead.
    pub(crate) fn from_value(value: &'a CompValue) -> Option<Lit<'a>> {
        Some(match value {
            CompValue::Null => return None,
            CompValue::Bool(b) => Lit::Bool(*b),
            CompValue::Int(n) => Lit::Int(*n),
            CompValue::Decimal(n) => Lit::Decimal(*n),
            CompValue::String(s) => Lit::Str(s, datetime::parse(s)),
        })
    }
}

/// How strings compare.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextRule {
    /// RFC 7643 §2.2 `caseExact`.
    pub(crate) case_exact: bool,
    /// Compare as instants when both sides parse as xsd:dateTime.
    pub(crate) datetime: bool,
}

impl TextRule {
    /// RFC defaults without a schema: case-insensitive, dateTime-aware.
    pub(crate) const DEFAULT: TextRule = TextRule {
        case_exact: false,
        datetime: true,
    };
}

/// One attribute value against one literal. A complex value stands for its `value`
/// sub-attribute (RFC 7644 §3.4.2.2, for `emails co "@example.com"`).
pub(crate) fn compare(value: &Value, op: CompareOp, lit: &Lit<'_>, rule: TextRule) -> bool {
    match (value, lit) {
        (Value::Object(o), _) => {
            name::value(o, "value").is_some_and(|v| !v.is_object() && compare(v, op, lit, rule))
        }
        (Value::String(s), Lit::Str(l, l_time)) => compare_text(s, op, l, *l_time, rule),
        (Value::Number(n), Lit::Int(l)) => match n.as_i64() {
            Some(n) => ordering_holds(op, n.cmp(l)),
            None => n
                .as_f64()
                .and_then(|n| n.partial_cmp(&(*l as f64)))
                .is_some_and(|o| ordering_holds(op, o)),
        },
        (Value::Number(n), Lit::Decimal(l)) => n
            .as_f64()
            .and_then(|n| n.partial_cmp(l))
            .is_some_and(|o| ordering_holds(op, o)),
        (Value::Bool(b), Lit::Bool(l)) => match op {
            CompareOp::Eq => b == l,
            CompareOp::Ne => b != l,
            _ => false,
        },
        _ => false,
    }
}

fn compare_text(
    value: &str,
    op: CompareOp,
    lit: &str,
    lit_time: Option<DateTime<FixedOffset>>,
    rule: TextRule,
) -> bool {
    // The value is parsed only when the literal is a dateTime: this runs once per value compared,
    // and most literals are not dateTimes.
    if let (true, Some(l)) = (rule.datetime && !op.is_substring(), lit_time) {
        if let Some(v) = datetime::parse(value) {
            return ordering_holds(op, v.cmp(&l));
        }
    }
    let exact = rule.case_exact;
    match op {
        CompareOp::Eq => {
            if exact {
                value == lit
            } else {
                text::eq(value, lit)
            }
        }
        CompareOp::Ne => {
            if exact {
                value != lit
            } else {
                !text::eq(value, lit)
            }
        }
        CompareOp::Co => {
            if exact {
                value.contains(lit)
            } else {
                text::contains(value, lit)
            }
        }
        CompareOp::Sw => {
            if exact {
                value.starts_with(lit)
            } else {
                text::starts_with(value, lit)
            }
        }
        CompareOp::Ew => {
            if exact {
                value.ends_with(lit)
            } else {
                text::ends_with(value, lit)
            }
        }
        _ => ordering_holds(
            op,
            if exact {
                value.cmp(lit)
            } else {
                text::cmp(value, lit)
            },
        ),
    }
}

/// Whether `value.cmp(literal) == ordering` satisfies `op`. Substring operators never hold here.
pub(crate) fn ordering_holds(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering.is_eq(),
        CompareOp::Ne => ordering.is_ne(),
        CompareOp::Gt => ordering.is_gt(),
        CompareOp::Ge => ordering.is_ge(),
        CompareOp::Lt => ordering.is_lt(),
        CompareOp::Le => ordering.is_le(),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A dateTime value compared with a literal that is not one compares as text, and with one
    /// that is, as an instant.
    #[test]
    fn datetime_values_against_text_and_datetime_literals() {
        let rule = TextRule::DEFAULT;
        let value = json!("2011-05-13T04:42:34Z");
        let text = Lit::Str("2011-05-13T04:42:34z", None);
        assert!(compare(&value, CompareOp::Eq, &text, rule));
        assert!(compare(
            &value,
            CompareOp::Sw,
            &Lit::Str("2011-05", None),
            rule
        ));
        assert!(!compare(
            &value,
            CompareOp::Eq,
            &Lit::Str("later", None),
            rule
        ));
        let instant = "2011-05-13T06:42:34+02:00";
        let lit = Lit::Str(instant, datetime::parse(instant));
        assert!(compare(&value, CompareOp::Eq, &lit, rule));
        assert!(!compare(&value, CompareOp::Gt, &lit, rule));
        let exact = TextRule {
            case_exact: true,
            datetime: false,
        };
        assert!(!compare(&value, CompareOp::Eq, &lit, exact));
    }
}
