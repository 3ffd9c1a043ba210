//! JSON → typed → JSON is lossless for arbitrary attributes the types do not model, added at
//! resource level and inside every kind of complex value.

use proptest::prelude::*;
use scimkit_schema::resource::{Group, User};
use serde_json::{json, Map, Value};

/// Every name a typed resource models, anywhere (a generated name must not collide, in any case).
const MODELLED: &[&str] = &[
    "schemas",
    "id",
    "externalId",
    "meta",
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "value",
    "display",
    "type",
    "primary",
    "$ref",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
    "members",
    "resourceType",
    "created",
    "lastModified",
    "location",
    "version",
];

fn extra_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_-]{0,12}",
        // Extension-style keys, and names that differ from a modelled one by a suffix.
        "urn:[a-z]{1,6}:scim:[a-z0-9.]{1,5}:User",
        "(value|Primary|USERNAME|emails)[0-9x]{1,2}",
    ]
    .prop_filter("collides with a modelled name", |k| {
        !MODELLED.iter().any(|m| m.eq_ignore_ascii_case(k))
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((".{0,6}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn extras() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec((extra_name(), json_value()), 0..4)
}

fn add(target: &mut Value, extra: &[(String, Value)]) {
    let object = target.as_object_mut().unwrap();
    for (k, v) in extra {
        object.insert(k.clone(), v.clone());
    }
}

fn rfc(file: &str) -> Value {
    let path = format!("{}/tests/rfc/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn base_user() -> Value {
    let mut user = rfc("8.3-enterprise-user.json");
    // Give every complex type a place to carry extras.
    let o = user.as_object_mut().unwrap();
    o.insert(
        "entitlements".into(),
        json!([{"value": "e", "primary": true}]),
    );
    o.insert("roles".into(), json!([{"value": "r", "type": "t"}]));
    user
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn user_round_trip_is_lossless(
        top in extras(),
        in_name in extras(),
        in_meta in extras(),
        in_enterprise in extras(),
        in_manager in extras(),
        in_values in prop::collection::vec(extras(), 10),
    ) {
        let mut user = base_user();
        add(&mut user, &top);
        add(&mut user["name"], &in_name);
        add(&mut user["meta"], &in_meta);
        add(&mut user[ENTERPRISE], &in_enterprise);
        add(&mut user[ENTERPRISE]["manager"], &in_manager);
        let places = [
            "emails", "addresses", "phoneNumbers", "ims", "photos", "groups",
            "x509Certificates", "entitlements", "roles",
        ];
        for (place, extra) in places.iter().zip(&in_values) {
            add(&mut user[place][0], extra);
        }

        let typed: User = serde_json::from_value(user.clone()).unwrap();
        prop_assert_eq!(&serde_json::to_value(&typed).unwrap(), &user);
        // And through text (compared with the text read as a `Value`: without serde_json's
        // `float_roundtrip` feature, printing and reparsing a float may change its last digit).
        let text = serde_json::to_string(&user).unwrap();
        let from_text: User = serde_json::from_str(&text).unwrap();
        let reparsed: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(serde_json::to_value(&from_text).unwrap(), reparsed);
        // Reading the output again gives the same value.
        prop_assert_eq!(User::try_from(Value::from(typed.clone())).unwrap(), typed);
    }

    #[test]
    fn group_round_trip_is_lossless(
        top in extras(),
        in_member in extras(),
        in_meta in extras(),
    ) {
        let mut group = rfc("8.4-group.json");
        add(&mut group, &top);
        add(&mut group["members"][1], &in_member);
        add(&mut group["meta"], &in_meta);
        let typed: Group = serde_json::from_value(group.clone()).unwrap();
        prop_assert_eq!(serde_json::to_value(&typed).unwrap(), group);
    }

    /// Any case of the modelled names reads to the same typed value as the canonical spelling.
    #[test]
    fn any_case_reads_the_same(flips in prop::collection::vec(any::<bool>(), 64)) {
        let canonical = base_user();
        let mut i = 0;
        let scrambled = recase(&canonical, &mut |k: &str| {
            i += 1;
            if flips[i % flips.len()] { k.to_uppercase() } else { k.to_lowercase() }
        });
        let a: User = serde_json::from_value(canonical.clone()).unwrap();
        let b: User = serde_json::from_value(scrambled).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(serde_json::to_value(&b).unwrap(), canonical);
    }
}

/// `v` with every object key rewritten by `f`, recursively (meta included).
fn recase(v: &Value, f: &mut impl FnMut(&str) -> String) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                let value = recase(v, f);
                out.insert(f(k), value);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| recase(v, f)).collect()),
        other => other.clone(),
    }
}
