//! Value filters in PATCH paths (`members[value eq "…"]`, RFC 7644 §3.5.2): with a schema they
//! follow each sub-attribute's `caseExact` and type (RFC 7643 §2.2), without one RFC 7644's
//! defaults; and the fast path for `sub eq "text"` picks exactly the elements the general
//! evaluators pick.

mod common;

use common::*;
use proptest::prelude::*;
use scimkit_filter::{CompValue, Filter, Options};
use scimkit_patch::{Interop, PatchOperation, Patcher};
use scimkit_schema::{Attribute, AttributeType, ResourceSchema, Schema};
use serde_json::{json, Value};

const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
const TAGGED: &str = "urn:example:scim:schemas:2.0:Tagged";

/// A resource type with a multi-valued `tags` whose `value` is caseExact, beside sub-attributes
/// of every type a filter compares differently.
fn tag_schema() -> ResourceSchema {
    let tags = Attribute::complex(
        "tags",
        [
            Attribute::new("value", AttributeType::String).case_exact(),
            Attribute::new("label", AttributeType::String),
            Attribute::new("link", AttributeType::Reference),
            Attribute::new("seen", AttributeType::DateTime),
            Attribute::new("count", AttributeType::Integer),
            Attribute::new("primary", AttributeType::Boolean),
        ],
    )
    .multi_valued();
    let core = Schema::new(TAGGED, "Tagged").with_attribute(tags);
    ResourceSchema::builder("Tagged", "/Tagged", core)
        .build()
        .expect("a valid resource schema")
}

fn remove(path: &str) -> Value {
    json!([{"op": "remove", "path": path}])
}

fn values(v: &Value, attr: &str) -> Vec<String> {
    v[attr]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// RFC 7643 §8.7.1: Group `members.value` is `caseExact: false`, so a member id in another case
/// names the same member, with or without the schema.
#[test]
fn members_value_compares_case_insensitively() {
    let schema = ResourceSchema::group();
    let path = format!("members[value eq \"{}\"]", BABS.to_uppercase());
    for patcher in [schemaless(), strict(&schema), idp(&schema)] {
        let mut g = group();
        assert!(run(&patcher, &mut g, remove(&path)).unwrap());
        assert_eq!(
            values(&g, "members"),
            ["902c246b-6245-4190-8e05-00816be7344a"]
        );
    }
    // `members[value eq "ABC"]` against a stored `abc`.
    let mut g = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                       "displayName": "g", "members": [{"value": "abc"}, {"value": "x"}]});
    assert!(run(
        &strict(&schema),
        &mut g,
        remove(r#"members[value eq "ABC"]"#)
    )
    .unwrap());
    assert_eq!(values(&g, "members"), ["x"]);
}

/// RFC 7643 §8.7.1: User `emails.value` is `caseExact: false`.
#[test]
fn emails_value_compares_case_insensitively() {
    let schema = ResourceSchema::user();
    for patcher in [schemaless(), strict(&schema)] {
        let mut u = user();
        let ops = remove(r#"emails[value eq "BJensen@Example.COM"]"#);
        assert!(run(&patcher, &mut u, ops).unwrap());
        assert_eq!(values(&u, "emails"), ["babs@jensen.org"]);
    }
}

/// A caseExact sub-attribute compares exactly with the schema; without one, RFC 7643 §2.2's
/// default (`caseExact` false) applies.
#[test]
fn case_exact_sub_attribute_compares_exactly_with_a_schema() {
    let schema = tag_schema();
    let tagged = || json!({"schemas": [TAGGED], "tags": [{"value": "abc"}, {"value": "ABC"}, {"value": "x"}]});

    let mut t = tagged();
    assert!(run(&strict(&schema), &mut t, remove(r#"tags[value eq "ABC"]"#)).unwrap());
    assert_eq!(values(&t, "tags"), ["abc", "x"]);
    // Nothing is `Abc` exactly: nothing removed, nothing changed.
    assert!(!run(&strict(&schema), &mut t, remove(r#"tags[value eq "Abc"]"#)).unwrap());

    let mut t = tagged();
    assert!(run(&schemaless(), &mut t, remove(r#"tags[value eq "ABC"]"#)).unwrap());
    assert_eq!(values(&t, "tags"), ["x"]);

    // `label` is caseExact false: any case matches, and `replace` reaches the element.
    let mut t = json!({"schemas": [TAGGED],
                       "tags": [{"value": "a", "label": "Red"}, {"value": "b", "label": "blue"}]});
    let ops = json!([{"op": "replace", "path": "tags[label eq \"RED\"].value", "value": "A"}]);
    assert!(run(&strict(&schema), &mut t, ops).unwrap());
    assert_eq!(values(&t, "tags"), ["A", "b"]);
    // With the schema, `value eq "a"` no longer finds `A`: `noTarget`.
    let ops = json!([{"op": "replace", "path": "tags[value eq \"a\"].label", "value": "x"}]);
    let err = run(&strict(&schema), &mut t, ops).unwrap_err();
    assert_eq!(err.scim_type().as_str(), "noTarget");
}

/// With a schema, a `dateTime` sub-attribute compares as instants and a text one as text (the
/// schema-less evaluator compares any two dateTime-shaped strings as instants).
#[test]
fn sub_attribute_types_decide_the_comparison() {
    let schema = tag_schema();
    let t = json!({"schemas": [TAGGED], "tags": [
        {"value": "a", "seen": "2011-05-13T04:42:34Z", "label": "2011-05-13T04:42:34Z"}
    ]});
    let mut x = t.clone();
    let ops = remove(r#"tags[seen eq "2011-05-13T06:42:34+02:00"]"#);
    assert!(run(&strict(&schema), &mut x, ops).unwrap());
    let mut x = t.clone();
    let ops = remove(r#"tags[label eq "2011-05-13T06:42:34+02:00"]"#);
    assert!(!run(&strict(&schema), &mut x, ops.clone()).unwrap());
    assert!(run(&schemaless(), &mut x, ops).unwrap());
}

/// A filter the schema rejects (an unknown sub-attribute) is matched schema-less, as before
/// filters were compiled: it selects nothing, so `remove` changes nothing and `replace` is
/// `noTarget`.
#[test]
fn a_filter_the_schema_rejects_selects_nothing() {
    let schema = ResourceSchema::user();
    let mut u = user();
    assert!(!run(&strict(&schema), &mut u, remove(r#"emails[bogus eq "x"]"#)).unwrap());
    assert_eq!(u, user());
    let ops = json!([{"op": "replace", "path": "emails[bogus eq \"x\"].value", "value": "y@z"}]);
    let err = run(&strict(&schema), &mut u, ops).unwrap_err();
    assert_eq!(err.scim_type().as_str(), "noTarget");
}

// ---- the fast path against the general evaluators ---------------------------------------------

/// Member names of the elements: canonical, other spellings, and an extension-like member the
/// schema-less evaluator looks into for an unqualified name.
fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "value", "value", "Value", "VALUE", "label", "link", "seen", "count", "primary", "urn:x:e",
    ])
}

fn text() -> impl Strategy<Value = &'static str> + Clone {
    prop::sample::select(vec![
        "abc",
        "ABC",
        "Abc",
        "abd",
        "",
        "école",
        "ÉCOLE",
        "\u{212A}elvin",
        "kelvin",
        "true",
        "True",
        "2011-05-13T04:42:34Z",
        "2011-05-13T06:42:34+02:00",
        "https://example.com/v2/Users/abc",
        "HTTPS://EXAMPLE.COM/v2/Users/abc",
    ])
}

fn member_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => text().prop_map(|s| json!(s)),
        1 => Just(json!(1)),
        1 => Just(json!(true)),
        1 => Just(Value::Null),
        1 => text().prop_map(|s| json!([s, "other"])),
        1 => text().prop_map(|s| json!({"value": s})),
    ]
}

fn element() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => prop::collection::vec((key(), member_value()), 0..4).prop_map(|members| {
            let mut o = serde_json::Map::new();
            for (k, v) in members {
                let v = if k.starts_with("urn:") { json!({"value": v}) } else { v };
                o.insert(k.to_owned(), v);
            }
            Value::Object(o)
        }),
        1 => text().prop_map(|s| json!(s)),
    ]
}

/// A value filter: mostly `name eq "text"` (the fast path), sometimes something else.
fn filter() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "value", "VALUE", "Value", "label", "link", "seen", "count", "primary", "bogus",
    ]);
    let lit = text()
        .prop_map(|s| serde_json::to_string(s).unwrap())
        .boxed();
    prop_oneof![
        8 => (name.clone(), lit.clone()).prop_map(|(n, l)| format!("{n} eq {l}")),
        1 => (name.clone(), lit.clone()).prop_map(|(n, l)| format!("{n} co {l}")),
        1 => (name.clone(), lit.clone()).prop_map(|(n, l)| format!("not ({n} eq {l})")),
        1 => (name, lit.clone(), lit).prop_map(|(n, a, b)| format!("{n} eq {a} or label eq {b}")),
    ]
}

/// docs/idp-compatibility.md as the patcher reads a value filter with a schema under
/// `Interop::string_scalars`: a boolean sub-attribute compared with `"true"`/`"false"` (any case)
/// is compared with the boolean.
fn string_scalars(f: &Filter, def: &Attribute) -> Filter {
    match f {
        Filter::Compare {
            attr,
            op,
            value: CompValue::String(s),
        } if attr.urn().is_none()
            && attr.sub_attr().is_none()
            && def
                .sub_attribute(attr.name())
                .is_some_and(|a| a.type_ == AttributeType::Boolean)
            && (s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")) =>
        {
            Filter::Compare {
                attr: attr.clone(),
                op: *op,
                value: CompValue::Bool(s.eq_ignore_ascii_case("true")),
            }
        }
        Filter::Not(inner) => Filter::Not(Box::new(string_scalars(inner, def))),
        Filter::And(fs) => Filter::And(fs.iter().map(|x| string_scalars(x, def)).collect()),
        Filter::Or(fs) => Filter::Or(fs.iter().map(|x| string_scalars(x, def)).collect()),
        other => other.clone(),
    }
}

/// What the general evaluators select: the filter compiled against `tags` with a schema (the
/// schema-less evaluator when the schema rejects it), `Filter::matches` without one.
fn expected(f: &Filter, schema: Option<&ResourceSchema>, interop: Interop, e: &Value) -> bool {
    if let Some(schema) = schema {
        let tags = schema.resolve(None, "tags", None).unwrap().attribute;
        let f = if interop.string_scalars {
            string_scalars(f, tags)
        } else {
            f.clone()
        };
        let options = Options::new().interop(interop);
        return match f.compile_for(tags, &options) {
            Ok(compiled) => compiled.matches(e),
            Err(_) => f.matches(e),
        };
    }
    f.matches(e)
}

/// `e` without its null members.
fn without_nulls(e: &Value) -> Value {
    match e {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// `remove tags[filter]` removes exactly the elements the general evaluator matches, with
    /// and without a schema, strict and IdP-compatible.
    #[test]
    fn filtered_remove_matches_the_general_evaluator(
        elements in prop::collection::vec(element(), 1..6),
        text in filter(),
    ) {
        let schema = tag_schema();
        let f = Filter::parse(&text).unwrap();
        let op = PatchOperation::remove(&format!("tags[{text}]")).unwrap();
        for (schema, interop) in [
            (None, Interop::strict()),
            (None, Interop::idp_compatible()),
            (Some(&schema), Interop::strict()),
            (Some(&schema), Interop::idp_compatible()),
        ] {
            let patcher = match schema {
                Some(s) => Patcher::new(s).validate(false),
                None => Patcher::schemaless(),
            }
            .interop(interop);
            // The attribute changes when an element goes, and a changed attribute is stored
            // without null members (RFC 7643 §2.5: null is unassigned).
            let removes = elements.iter().any(|e| expected(&f, schema, interop, e));
            let keep: Vec<Value> = elements
                .iter()
                .filter(|e| !expected(&f, schema, interop, e))
                .map(|e| if removes { without_nulls(e) } else { e.clone() })
                .collect();
            let mut resource = json!({"tags": elements.clone()});
            let changed = patcher.apply(&mut resource, std::slice::from_ref(&op)).unwrap();
            prop_assert_eq!(changed, keep.len() != elements.len());
            let want = if keep.is_empty() { json!({}) } else { json!({"tags": keep}) };
            prop_assert_eq!(&resource, &want, "schema: {}, {:?}", schema.is_some(), interop);
        }
    }
}
