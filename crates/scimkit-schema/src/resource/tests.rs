use serde_json::{json, Map, Value};

use super::*;
use crate::{builtin, Attribute, AttributeType, Schema};

/// A value of the attribute's type, for building a resource that sets every attribute.
fn sample(a: &Attribute) -> Value {
    let one = match a.type_ {
        AttributeType::Boolean => json!(true),
        AttributeType::Integer => json!(1),
        AttributeType::Decimal => json!(1.5),
        AttributeType::Complex => Value::Object(
            a.sub_attributes
                .iter()
                .map(|s| (s.name.to_uppercase(), sample(s)))
                .collect(),
        ),
        _ => json!(format!("{}-value", a.name)),
    };
    if a.multi_valued {
        json!([one])
    } else {
        one
    }
}

fn every_attribute(schema: &Schema) -> Map<String, Value> {
    schema
        .attributes
        .iter()
        .map(|a| (a.name.to_uppercase(), sample(a)))
        .collect()
}

/// Every key of `v`, recursively, with its path.
fn keys(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                let p = format!("{path}/{k}");
                out.push(p.clone());
                keys(v, &p, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, path, out)),
        _ => {}
    }
}

/// The typed structs model exactly the built-in schemas: a User (with the enterprise extension)
/// and a Group that set every attribute and sub-attribute of RFC 7643 §8.7.1, spelled in upper
/// case, read with nothing left in any `extra` and write back the schema's spelling.
#[test]
fn structs_model_exactly_the_builtin_schemas() {
    let mut user = every_attribute(builtin::user());
    user.insert(
        builtin::ENTERPRISE_USER_SCHEMA.to_uppercase(),
        Value::Object(every_attribute(builtin::enterprise_user())),
    );
    let mut expected = Vec::new();
    for a in builtin::user().attributes.iter() {
        expected.push(format!("/{}", a.name));
        for s in &a.sub_attributes {
            expected.push(format!("/{}/{}", a.name, s.name));
        }
    }
    expected.push(format!("/{}", builtin::ENTERPRISE_USER_SCHEMA));
    for a in builtin::enterprise_user().attributes.iter() {
        expected.push(format!("/{}/{}", builtin::ENTERPRISE_USER_SCHEMA, a.name));
        for s in &a.sub_attributes {
            expected.push(format!(
                "/{}/{}/{}",
                builtin::ENTERPRISE_USER_SCHEMA,
                a.name,
                s.name
            ));
        }
    }
    let typed: User = serde_json::from_value(Value::Object(user)).unwrap();
    let mut got = Vec::new();
    keys(&serde_json::to_value(&typed).unwrap(), "", &mut got);
    got.sort();
    got.dedup();
    expected.sort();
    assert_eq!(got, expected);

    let group: Group =
        serde_json::from_value(Value::Object(every_attribute(builtin::group()))).unwrap();
    let mut got = Vec::new();
    keys(&serde_json::to_value(&group).unwrap(), "", &mut got);
    got.sort();
    assert_eq!(
        got,
        [
            "/displayName",
            "/members",
            "/members/$ref",
            "/members/display",
            "/members/type",
            "/members/value"
        ]
    );
}

#[test]
fn common_attributes_read_in_any_case() {
    let u: User = serde_json::from_value(json!({
        "SCHEMAS": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "ID": "1", "EXTERNALID": "x",
        "Meta": {"ResourceType": "User", "Created": "2025-03-25T16:17:00", "Version": null, "Location": null}
    }))
    .unwrap();
    assert_eq!(u.id(), Some("1"));
    assert_eq!(u.external_id(), Some("x"));
    let meta = u.meta.unwrap();
    assert_eq!(meta.resource_type.as_deref(), Some("User"));
    assert_eq!(meta.created.as_deref(), Some("2025-03-25T16:17:00"));
    assert!(meta.version.is_none() && meta.location.is_none() && meta.extra.is_empty());
}

#[test]
fn tolerant_booleans() {
    for (input, expected) in [
        (json!(true), true),
        (json!("True"), true),
        (json!("TRUE"), true),
        (json!("false"), false),
        (json!("False"), false),
    ] {
        let u: User = serde_json::from_value(json!({"active": input.clone()})).unwrap();
        assert_eq!(u.active, Some(expected), "{input}");
        let e: Email = serde_json::from_value(json!({"primary": input.clone()})).unwrap();
        assert_eq!(e.primary, Some(expected), "{input}");
        let a: Address = serde_json::from_value(json!({"Primary": input.clone()})).unwrap();
        assert_eq!(a.primary, Some(expected), "{input}");
    }
    // Written back as JSON booleans.
    let u: User = serde_json::from_value(json!({"Active": "False"})).unwrap();
    assert_eq!(serde_json::to_value(&u).unwrap(), json!({"active": false}));
}

#[test]
fn wrong_types_are_serde_errors() {
    for bad in [
        json!({"active": "yes"}),
        json!({"active": 1}),
        json!({"userName": 5}),
        json!({"name": "Barbara"}),
        json!({"name": []}),
        json!({"emails": "b@example.com"}),
        json!({"emails": [null]}),
        json!({"emails": [{"primary": "maybe"}]}),
        json!({"emails": [{"value": {"a": 1}}]}),
        json!({"meta": []}),
        json!({"meta": {"created": 5}}),
        json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "x"}),
        json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": 5}}),
        json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": [{"value": "1"}]}}),
        json!([]),
        json!("user"),
        json!(null),
    ] {
        let err = serde_json::from_value::<User>(bad.clone());
        assert!(err.is_err(), "{bad} should not read as a User");
        assert!(User::try_from(bad.clone()).is_err(), "{bad}");
    }
    let err = serde_json::from_value::<User>(json!({"active": "yes"})).unwrap_err();
    assert!(err.to_string().contains("\"true\" or \"false\""), "{err}");
}

#[test]
fn from_text_too() {
    let u: User =
        serde_json::from_str(r#"{"UserName":"b","Emails":[{"Value":"b@x","Primary":"True"}]}"#)
            .unwrap();
    assert_eq!(u.primary_email().unwrap().value.as_deref(), Some("b@x"));
    assert!(serde_json::from_str::<User>(r#"{"emails": 3}"#).is_err());
}

#[test]
fn manager_as_bare_string() {
    let u: User = serde_json::from_value(json!({
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Manager": "271"}
    }))
    .unwrap();
    assert_eq!(u.enterprise.unwrap().manager, Some(Manager::new("271")));
    let e: EnterpriseUser = serde_json::from_value(json!({"manager": null})).unwrap();
    assert_eq!(e, EnterpriseUser::new());
}

#[test]
fn unknown_members_of_complex_values_are_kept() {
    let v = json!({
        "emails": [{"value": "a@x", "verified": true, "Value2": null}],
        "name": {"givenName": "A", "phonetic": "ay"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "costCenter": "1", "badge": {"n": 1},
            "manager": {"value": "2", "email": "m@x"}
        }
    });
    let u = User::try_from(v.clone()).unwrap();
    assert_eq!(u.emails[0].extra["verified"], json!(true));
    assert_eq!(u.name.as_ref().unwrap().extra["phonetic"], json!("ay"));
    let ent = u.enterprise.as_ref().unwrap();
    assert_eq!(ent.extra["badge"], json!({"n": 1}));
    assert_eq!(ent.manager.as_ref().unwrap().extra["email"], json!("m@x"));
    assert_eq!(Value::from(u), v);
}

#[test]
fn normalize_schemas() {
    let mut u: User = serde_json::from_value(json!({
        "schemas": ["urn:acme:other", "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER",
                    "urn:ietf:params:scim:schemas:core:2.0:User"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"department": "x"},
        "urn:acme:ext:2.0:User": {"badge": 1},
        "urn:not-an-object": 3
    }))
    .unwrap();
    assert!(u.enterprise.is_some());
    u.normalize_schemas();
    assert_eq!(
        u.schemas,
        [
            builtin::USER_SCHEMA,
            builtin::ENTERPRISE_USER_SCHEMA,
            "urn:acme:ext:2.0:User",
            "urn:acme:other"
        ]
    );
    u.enterprise = None;
    u.normalize_schemas();
    assert_eq!(
        u.schemas,
        [
            builtin::USER_SCHEMA,
            "urn:acme:ext:2.0:User",
            "urn:acme:other"
        ]
    );
    // Idempotent.
    let before = u.schemas.clone();
    u.normalize_schemas();
    assert_eq!(u.schemas, before);
}

#[test]
fn canonical_output_order_follows_the_schema() {
    let u: User = serde_json::from_value(json!({
        "meta": {"resourceType": "User"}, "custom": 1, "Active": true, "userName": "b",
        "schemas": [builtin::USER_SCHEMA], "id": "1"
    }))
    .unwrap();
    let text = serde_json::to_string(&u).unwrap();
    assert_eq!(
        text,
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","userName":"b","active":true,"meta":{"resourceType":"User"},"custom":1}"#
    );
}

/// Reads `input` as a `User` both ways (text and `Value`), checks the two agree, writes the
/// result and checks that it reads back as the same value.
fn user_round_trip(input: Value) -> User {
    let from_text: User = serde_json::from_str(&input.to_string()).unwrap();
    let from_value = User::try_from(input).unwrap();
    assert_eq!(from_text, from_value);
    let written = serde_json::to_value(&from_text).unwrap();
    let again: User = serde_json::from_value(written.clone()).unwrap();
    assert_eq!(again, from_text, "written as {written}");
    from_text
}

#[test]
fn an_unassigned_exact_spelling_does_not_hide_another_spelling() {
    // Found by the `messages` fuzz target: the exact spelling `[]` filled the field and `groupS`
    // stayed in `extra`, so the output `{"groupS": []}` read back as `groups` with nothing extra.
    let user = user_round_trip(json!({"userName": "x", "groups": [], "groupS": []}));
    assert!(user.groups.is_empty());
    assert!(user.extra.is_empty());

    // Unassigned (RFC 7643 §2.5) is absent: the other spelling's value is the attribute's, in
    // either order and for null as for `[]`.
    for input in [
        json!({"userName": "x", "groups": [], "groupS": [{"value": "g1"}]}),
        json!({"userName": "x", "GROUPS": [{"value": "g1"}], "groups": null}),
    ] {
        let user = user_round_trip(input);
        assert_eq!(user.groups.len(), 1);
        assert!(user.extra.is_empty(), "{:?}", user.extra);
    }
    let user = user_round_trip(json!({"userName": "x", "nickName": null, "NickName": "bj"}));
    assert_eq!(user.nick_name.as_deref(), Some("bj"));

    // An assigned exact spelling still wins, and the other spelling is kept.
    let user = user_round_trip(json!({"userName": "x", "groups": [{"value": "a"}], "groupS": []}));
    assert_eq!(user.groups.len(), 1);
    assert_eq!(user.extra, *json!({"groupS": []}).as_object().unwrap());

    // The other spelling is read by the field's own rules.
    let bad = json!({"userName": "x", "groups": [], "groupS": 5});
    assert!(serde_json::from_str::<User>(&bad.to_string()).is_err());
    assert!(User::try_from(bad).is_err());
}
