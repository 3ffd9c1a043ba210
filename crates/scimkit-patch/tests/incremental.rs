//! Validating what a PATCH touched gives the whole-resource validation's verdict: on random valid
//! resources and random PATCH requests (valid and invalid), `Validator::validate_changes` over
//! what `Patcher::apply_changes` reports and `Validator::validate` of the whole result agree on
//! `Ok` or the error (same failures, same order), and on the rewritten resource; and a patcher
//! with `Validation::Changes` behaves exactly as one with `Validation::Full`.

use proptest::prelude::*;
use scimkit_patch::{Interop, PatchRequest, Patcher, Validation};
use scimkit_schema::validate::{Context, PrimaryConflict, UniquenessCheck, Validator};
use scimkit_schema::{Resolved, ResourceSchema};
use serde_json::{json, Map, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Says `"taken"` (any case) is in use for every unique attribute.
struct Taken;
impl UniquenessCheck for Taken {
    fn is_taken(&self, _: &Resolved<'_>, value: &Value, _: Option<&str>) -> bool {
        value
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("taken"))
    }
}

fn text() -> impl Strategy<Value = Value> + Clone {
    prop::sample::select(vec![
        json!("a"),
        json!("B"),
        json!("work"),
        json!("Work"),
        json!("home"),
        json!("taken"),
        json!(7),
        json!(true),
        json!("True"),
    ])
}

fn maybe(s: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
    prop::option::weighted(0.6, s)
}

fn email() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["a@x.org", "b@x.org", "c@x.org"]),
        maybe(prop::sample::select(vec![
            json!("work"),
            json!("home"),
            json!("Work"),
        ])),
        prop::option::weighted(0.3, Just(json!(true))),
    )
        .prop_map(|(v, t, p)| {
            let mut m = Map::new();
            m.insert("value".into(), json!(v));
            if let Some(t) = t {
                m.insert("type".into(), t);
            }
            if let Some(p) = p {
                m.insert("primary".into(), p);
            }
            Value::Object(m)
        })
}

fn user() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["bjensen", "babs", "jsmith"]),
        maybe(prop::sample::select(vec![json!("Babs"), json!("Barbara")])),
        maybe(Just(
            json!({"givenName": "Barbara", "familyName": "Jensen"}),
        )),
        prop::collection::vec(email(), 0..4),
        maybe(prop::sample::select(vec![json!(true), json!(false)])),
        maybe(Just(
            json!({"employeeNumber": "701984", "manager": {"value": "26118915"}}),
        )),
    )
        .prop_map(|(user_name, display, name, emails, active, ext)| {
            let mut m = Map::new();
            m.insert("schemas".into(), json!([USER]));
            m.insert("id".into(), json!("2819c223"));
            m.insert("userName".into(), json!(user_name));
            if let Some(d) = display {
                m.insert("displayName".into(), d);
            }
            if let Some(n) = name {
                m.insert("name".into(), n);
            }
            if !emails.is_empty() {
                m.insert("emails".into(), Value::Array(emails));
            }
            if let Some(a) = active {
                m.insert("active".into(), a);
            }
            if let Some(e) = ext {
                m.insert("schemas".into(), json!([USER, ENTERPRISE]));
                m.insert(ENTERPRISE.into(), e);
            }
            Value::Object(m)
        })
}

fn group() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        prop::sample::select(vec!["u1", "u2", "u3", "u4", "u5"]),
        0..5,
    )
    .prop_map(|ids| {
        let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
        let mut g = json!({"schemas": [GROUP], "id": "e9e30dba", "displayName": "Guides"});
        if !members.is_empty() {
            g["members"] = Value::Array(members);
        }
        g
    })
}

/// One operation, valid or not, for a User (`user`) or a Group.
fn op(user: bool) -> BoxedStrategy<Value> {
    let v = text();
    if user {
        prop_oneof![
            (email(), text())
                .prop_map(|(e, _)| json!({"op": "add", "path": "emails", "value": [e]})),
            Just(json!({"op": "remove", "path": "emails[type eq \"work\"]"})),
            v.clone().prop_map(
                |x| json!({"op": "replace", "path": "emails[type eq \"home\"].value", "value": x})
            ),
            Just(json!({"op": "add", "path": "emails[type eq \"work\"].primary", "value": true})),
            (email(), email())
                .prop_map(|(a, b)| json!({"op": "replace", "path": "emails", "value": [a, b]})),
            v.clone()
                .prop_map(|x| json!({"op": "replace", "path": "userName", "value": x})),
            Just(json!({"op": "remove", "path": "userName"})),
            v.clone()
                .prop_map(|x| json!({"op": "add", "path": "name.givenName", "value": x})),
            Just(json!({"op": "remove", "path": "name"})),
            v.clone()
                .prop_map(|x| json!({"op": "replace", "path": "active", "value": x})),
            v.clone().prop_map(
                |x| json!({"op": "add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": x})
            ),
            Just(json!({"op": "remove", "path": ENTERPRISE})),
            v.clone().prop_map(
                |x| json!({"op": "replace", "value": {"displayName": x, "nickName": "Babs"}})
            ),
            v.prop_map(
                |x| json!({"op": "add", "path": "emails[type eq \"home\"].type", "value": x})
            ),
        ]
        .boxed()
    } else {
        let id = prop::sample::select(vec!["u1", "u2", "u6", "taken"]);
        prop_oneof![
            id.clone().prop_map(|i| json!({"op": "add", "path": "members", "value": [{"value": i}]})),
            id.clone().prop_map(|i| json!({"op": "remove", "path": format!("members[value eq \"{i}\"]")})),
            (id.clone(), id.clone()).prop_map(|(a, b)| json!({"op": "replace", "path": "members", "value": [{"value": a}, {"value": b}]})),
            v.clone().prop_map(|x| json!({"op": "add", "path": "members", "value": [{"value": x, "display": "D"}]})),
            v.clone().prop_map(|x| json!({"op": "replace", "path": "displayName", "value": x})),
            Just(json!({"op": "remove", "path": "displayName"})),
            Just(json!({"op": "remove", "path": "members"})),
            v.prop_map(|x| json!({"op": "add", "path": "members[value eq \"u1\"].display", "value": x})),
        ]
        .boxed()
    }
}

/// The validators compared: the RFC default, the interop one, distinct types with a uniqueness
/// store.
fn validators(schema: &ResourceSchema) -> Vec<Validator<'_>> {
    vec![
        Validator::new(schema),
        Validator::new(schema).interop(scimkit_schema::Interop::idp_compatible()),
        Validator::new(schema)
            .distinct_types(true)
            .primary_conflict(PrimaryConflict::KeepFirst)
            .uniqueness(&Taken),
    ]
}

/// Whether `original` is a resource the validator stored: valid, and left as it is.
fn stored(v: &Validator<'_>, original: &Value) -> bool {
    let mut again = original.clone();
    v.validate(&mut again, Context::Patched { original })
        .is_ok()
        && serde_json::to_string(&again).unwrap() == serde_json::to_string(original).unwrap()
}

/// The property, for one resource and one request: returns how many comparisons were made.
fn agree(schema: &ResourceSchema, original: &Value, ops: &[Value]) -> Result<usize, TestCaseError> {
    let req: PatchRequest = serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops
    }))
    .unwrap();
    let mut compared = 0;
    for validator in validators(schema) {
        if !stored(&validator, original) {
            continue;
        }
        for interop in [Interop::strict(), Interop::idp_compatible()] {
            let patcher = Patcher::new(schema).interop(interop).validator(validator);
            let mut patched = original.clone();
            let Ok(changes) = patcher
                .validation(Validation::Off)
                .apply_changes(&mut patched, &req.operations)
            else {
                continue;
            };
            let mut full = patched.clone();
            let whole = validator.validate(&mut full, Context::Patched { original });
            let mut part = patched.clone();
            let touched = validator.validate_changes(&mut part, original, &changes);
            prop_assert_eq!(&touched, &whole, "changes {:?} on {}", changes, patched);
            if whole.is_ok() {
                prop_assert_eq!(
                    serde_json::to_string(&part).unwrap(),
                    serde_json::to_string(&full).unwrap()
                );
            }
            // The patcher's two modes: same outcome, same resource.
            let (mut a, mut b) = (original.clone(), original.clone());
            let ra = patcher
                .validation(Validation::Changes)
                .apply(&mut a, &req.operations);
            let rb = patcher
                .validation(Validation::Full)
                .apply(&mut b, &req.operations);
            prop_assert_eq!(ra, rb);
            prop_assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(&b).unwrap()
            );
            compared += 1;
        }
    }
    Ok(compared)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn users_agree(original in user(), ops in prop::collection::vec(op(true), 1..4)) {
        agree(&ResourceSchema::user(), &original, &ops)?;
    }

    #[test]
    fn groups_agree(original in group(), ops in prop::collection::vec(op(false), 1..4)) {
        agree(&ResourceSchema::group(), &original, &ops)?;
    }
}

/// The generators are not vacuous: most generated resources are stored resources, and the
/// comparisons see both verdicts.
#[test]
fn the_property_sees_both_verdicts() {
    let schema = ResourceSchema::user();
    let original = json!({"schemas": [USER], "id": "2819c223", "userName": "bjensen",
                          "emails": [{"value": "a@x.org", "type": "work", "primary": true}]});
    let v = Validator::new(&schema);
    assert!(stored(&v, &original));
    // A valid change and an invalid one (a second primary, kept by `replace` as sent).
    for (ops, ok) in [
        (
            json!([{"op": "add", "path": "emails", "value": [{"value": "b@x.org", "type": "home"}]}]),
            true,
        ),
        (
            json!([{"op": "replace", "path": "emails", "value": [
            {"value": "a@x.org", "primary": true}, {"value": "b@x.org", "primary": true}]}]),
            false,
        ),
    ] {
        let ops = ops.as_array().unwrap().clone();
        assert!(agree(&schema, &original, &ops).unwrap() > 0);
        let req: PatchRequest = serde_json::from_value(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops
        }))
        .unwrap();
        let r = Patcher::new(&schema).apply(&mut original.clone(), &req.operations);
        assert_eq!(r.is_ok(), ok, "{r:?}");
    }
}
