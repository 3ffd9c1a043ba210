//! Property tests: atomicity, the diff round trip, and no panics on arbitrary input.

mod common;

use common::ENTERPRISE;
use proptest::prelude::*;
use scimkit_patch::{apply, diff, Interop, Op, PatchOperation, Patcher};
use scimkit_schema::ResourceSchema;
use serde_json::{json, Map, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a", "B", "Babs", "Jensen", "x y", "é", "\"q\"", "Work", "3",
    ])
    .prop_map(str::to_owned)
}

fn emails() -> impl Strategy<Value = Option<Value>> {
    let pool = vec!["a@x.com", "b@x.com", "c@y.org", "d@y.org", "e@z.net"];
    (
        prop::sample::subsequence(pool, 0..=4),
        prop::collection::vec(prop::sample::select(vec!["work", "home", "other"]), 5),
        any::<Option<u8>>(),
    )
        .prop_map(|(values, types, primary)| {
            if values.is_empty() {
                return None;
            }
            let p = primary.map(|p| p as usize % values.len());
            let list = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let mut o = json!({"value": v, "type": types[i]});
                    if p == Some(i) {
                        o["primary"] = json!(true);
                    }
                    o
                })
                .collect();
            Some(Value::Array(list))
        })
}

/// A User-like resource: always `id`, `userName`, `schemas`; any of the rest.
fn user() -> impl Strategy<Value = Value> {
    (
        word(),
        prop::option::of(word()),
        prop::option::of(word()),
        prop::option::of(any::<bool>()),
        prop::collection::btree_map(
            prop::sample::select(vec!["givenName", "familyName", "middleName"]),
            word(),
            0..3,
        ),
        emails(),
        prop::option::of(word()),
        prop::option::of(word()),
        prop::option::of(word()),
    )
        .prop_map(
            |(user_name, display, nick, active, name, emails, emp, dept, manager)| {
                let mut u = Map::new();
                u.insert("schemas".into(), json!([USER]));
                u.insert("id".into(), json!("2819c223"));
                u.insert("userName".into(), json!(user_name));
                if let Some(d) = display {
                    u.insert("displayName".into(), json!(d));
                }
                if let Some(n) = nick {
                    u.insert("nickName".into(), json!(n));
                }
                if let Some(a) = active {
                    u.insert("active".into(), json!(a));
                }
                if !name.is_empty() {
                    u.insert("name".into(), json!(name));
                }
                if let Some(e) = emails {
                    u.insert("emails".into(), e);
                }
                let mut ext = Map::new();
                if let Some(e) = emp {
                    ext.insert("employeeNumber".into(), json!(e));
                }
                if let Some(d) = dept {
                    ext.insert("department".into(), json!(d));
                }
                if let Some(m) = manager {
                    ext.insert("manager".into(), json!({"value": m}));
                }
                if !ext.is_empty() {
                    u.insert(ENTERPRISE.into(), Value::Object(ext));
                    u.insert("schemas".into(), json!([USER, ENTERPRISE]));
                }
                Value::Object(u)
            },
        )
}

/// A Group-like resource.
fn group() -> impl Strategy<Value = Value> {
    let ids = vec!["m1", "m2", "M3", "m4", "m5", "m6"];
    (
        word(),
        prop::sample::subsequence(ids, 0..=6),
        prop::collection::vec(prop::option::of(word()), 6),
        any::<bool>(),
    )
        .prop_map(|(display, members, displays, shuffle)| {
            let mut members: Vec<Value> = members
                .iter()
                .zip(&displays)
                .map(|(m, d)| match d {
                    Some(d) => json!({"value": m, "display": d}),
                    None => json!({"value": m}),
                })
                .collect();
            if shuffle {
                members.reverse();
            }
            let mut g = json!({"schemas": [GROUP], "id": "e9e30dba", "displayName": display});
            if !members.is_empty() {
                g["members"] = Value::Array(members);
            }
            g
        })
}

fn paths() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "displayName",
        "nickName",
        "title",
        "active",
        "name",
        "name.givenName",
        "name.familyName",
        "emails",
        "emails[type eq \"work\"]",
        "emails[type eq \"work\"].value",
        "emails[value co \"x\"].primary",
        "emails.type",
        "members",
        "members[value eq \"m1\"]",
        "members[value eq \"m2\"].display",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "userName",
        "externalId",
        "x",
    ])
    .prop_map(str::to_owned)
}

fn values() -> impl Strategy<Value = Value> {
    prop_oneof![
        word().prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        Just(json!([{"value": "a@x.com", "type": "work", "primary": true}])),
        Just(json!({"value": "z@x.com", "type": "home"})),
        Just(json!({"givenName": "G", "familyName": null})),
        Just(json!([{"value": "m9", "display": "Nine"}, {"value": "m1"}])),
        Just(json!([])),
        Just(json!({"employeeNumber": "7", "department": "D"})),
        Just(json!({"displayName": "Renamed", "id": "2819c223"})),
        Just(json!("False")),
        Just(json!(42)),
    ]
}

fn op() -> impl Strategy<Value = Option<PatchOperation>> {
    (
        prop::sample::select(vec![Op::Add, Op::Remove, Op::Replace]),
        prop::option::of(paths()),
        prop::option::of(values()),
    )
        .prop_map(|(o, p, v)| PatchOperation::new(o, p.as_deref(), v).ok())
}

/// An operation that always fails: readOnly `id` (any profile), a filter matching nothing that
/// `filter_upsert` cannot build an element from, a no-path value that is not an object.
fn failing() -> impl Strategy<Value = PatchOperation> {
    prop_oneof![
        Just(PatchOperation::replace(Some("id"), json!("other")).unwrap()),
        Just(PatchOperation::remove("id").unwrap()),
        Just(
            PatchOperation::replace(Some("emails[type co \"nosuch\"].value"), json!("x")).unwrap()
        ),
        Just(PatchOperation::add(None, json!("not an object")).unwrap()),
    ]
}

/// An arbitrary JSON value, at most 4 deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z \"\\[\\]\\.:]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "id",
                    "meta",
                    "schemas",
                    "emails",
                    "members",
                    "value",
                    "type",
                    "primary",
                    "name",
                    "givenName",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                    "x",
                    "Value"
                ]),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// RFC 7644 §3.5.2: a request with a failing operation anywhere leaves the resource exactly
    /// as it was (serialized text, so key order too), with or without a schema, in any profile.
    #[test]
    fn atomic(resource in prop_oneof![user(), group()], ops in prop::collection::vec(op(), 0..8),
              bad in failing(), at in any::<prop::sample::Index>(), idp in any::<bool>()) {
        let mut ops: Vec<PatchOperation> = ops.into_iter().flatten().collect();
        let i = at.index(ops.len() + 1);
        ops.insert(i, bad);
        let schema = if resource.get("userName").is_some() { ResourceSchema::user() } else { ResourceSchema::group() };
        let interop = if idp { Interop::idp_compatible() } else { Interop::strict() };
        for patcher in [Patcher::new(&schema).interop(interop), Patcher::schemaless().interop(interop)] {
            let mut r = resource.clone();
            let before = serde_json::to_string(&r).unwrap();
            let e = patcher.apply(&mut r, &ops);
            prop_assert!(e.is_err());
            prop_assert_eq!(serde_json::to_string(&r).unwrap(), before);
        }
    }

    /// `apply(old, diff(old, new)) == new` for User-like resources, with and without the schema.
    #[test]
    fn diff_round_trip_users(old in user(), new in user()) {
        let ops = diff(&old, &new);
        let mut p = old.clone();
        apply(&mut p, &ops).map_err(|e| TestCaseError::fail(format!("{e}: {}", serde_json::to_string(&ops).unwrap())))?;
        prop_assert_eq!(&p, &new, "ops: {}", serde_json::to_string(&ops).unwrap());
        let schema = ResourceSchema::user();
        let mut p = old.clone();
        Patcher::new(&schema).apply(&mut p, &ops).map_err(|e| TestCaseError::fail(format!("{e}: {}", serde_json::to_string(&ops).unwrap())))?;
        prop_assert_eq!(&p, &new);
    }

    /// The same for Group-like resources: membership changes are per-member operations.
    #[test]
    fn diff_round_trip_groups(old in group(), new in group()) {
        let ops = diff(&old, &new);
        let mut p = old.clone();
        apply(&mut p, &ops).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&p, &new, "ops: {}", serde_json::to_string(&ops).unwrap());
        let schema = ResourceSchema::group();
        let mut p = old.clone();
        Patcher::new(&schema).apply(&mut p, &ops).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&p, &new);
    }

    /// `diff(x, x)` is empty.
    #[test]
    fn diff_of_equal_is_empty(x in prop_oneof![user(), group(), any_json()]) {
        prop_assert!(diff(&x, &x).is_empty());
    }

    /// No panic on arbitrary operations over arbitrary resources; errors leave them unchanged.
    #[test]
    fn no_panic(resource in any_json(), ops in prop::collection::vec(op(), 0..6), idp in any::<bool>(), with_schema in any::<bool>()) {
        let ops: Vec<PatchOperation> = ops.into_iter().flatten().collect();
        let schema = ResourceSchema::user();
        let interop = if idp { Interop::idp_compatible() } else { Interop::strict() };
        let patcher = if with_schema { Patcher::new(&schema).interop(interop) } else { Patcher::schemaless().interop(interop) };
        let mut r = resource.clone();
        let before = serde_json::to_string(&r).unwrap();
        if patcher.apply(&mut r, &ops).is_err() {
            prop_assert_eq!(serde_json::to_string(&r).unwrap(), before);
        }
        let _ = diff(&resource, &r);
    }

    /// Arbitrary text as a path never panics.
    #[test]
    fn no_panic_on_path_text(path in "\\PC{0,40}", v in values()) {
        if let Ok(op) = PatchOperation::add(Some(&path), v) {
            let mut u = json!({"userName": "a"});
            let _ = apply(&mut u, &[op]);
        }
    }
}

/// Deep values built in code are refused, not recursed into.
#[test]
fn deep_value_is_an_error() {
    let mut v = json!("x");
    for _ in 0..10_000 {
        v = Value::Array(vec![v]);
    }
    let op = PatchOperation::add(Some("x"), v).unwrap();
    let mut u = json!({"userName": "a"});
    let e = apply(&mut u, std::slice::from_ref(&op)).unwrap_err();
    assert_eq!(e.scim_type().as_str(), "invalidValue");
    // serde_json's drop of such a value recurses; run it on a big stack.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || drop(op))
        .unwrap()
        .join()
        .unwrap();
}

/// diff compares deep caller-built values without unbounded recursion.
#[test]
fn deep_values_in_diff() {
    let deep = || {
        let mut v = json!("x");
        for _ in 0..10_000 {
            v = Value::Array(vec![v]);
        }
        let mut m = Map::new();
        m.insert("userName".into(), json!("a"));
        m.insert("x".into(), v);
        Value::Object(m)
    };
    let (old, new) = (deep(), deep());
    let ops = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            let n = diff(&old, &new).len();
            // Dropping these recurses in serde_json; not this crate's business.
            std::mem::forget((old, new));
            n
        })
        .unwrap()
        .join()
        .unwrap();
    // Too deep to diff (documented): left out rather than recursed into.
    assert_eq!(ops, 0);
}
