//! Reading typed resources from JSON text streams the members into the fields; reading them from
//! a `serde_json::Value` splits the object in hand. Both follow one set of rules (names in any
//! case with the exact spelling winning, other spellings and unknown members kept in `extra`,
//! `null` as unassigned), so on random objects the two give the same resource, or both fail.

use proptest::prelude::*;
use scimkit_schema::resource::{EnterpriseUser, Group, User};
use serde_json::{json, Map, Value};

/// A name in one of three spellings: as the schema spells it, upper case, or capitalised.
fn spelled(name: &'static str) -> impl Strategy<Value = String> {
    prop::sample::select(vec![0u8, 1, 2]).prop_map(move |s| match s {
        0 => name.to_owned(),
        1 => name.to_uppercase(),
        _ => {
            let mut c = name.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    })
}

fn scalar() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        Value::Null,
        json!("x"),
        json!("True"),
        json!(false),
        json!(3),
        json!([]),
        json!(["a"]),
        json!({}),
    ])
}

/// A value for a member: a scalar, or an object of a few members (complex values).
fn value(names: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => scalar(),
        2 => prop::collection::vec((prop::sample::select(names.to_vec()).prop_flat_map(spelled), scalar()), 0..4)
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        2 => prop::collection::vec(
                prop::collection::vec((prop::sample::select(names.to_vec()).prop_flat_map(spelled), scalar()), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
                0..3,
            )
            .prop_map(Value::Array),
    ]
}

const SUB: &[&str] = &[
    "value",
    "display",
    "type",
    "primary",
    "givenName",
    "familyName",
    "unknown",
];

/// An object with members named after `names` in any spelling (so some repeat in another case),
/// plus unknown ones.
fn object(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop_oneof![4 => prop::sample::select(names.to_vec()).prop_flat_map(spelled), 1 => Just("x-custom".to_owned())],
            value(SUB),
        ),
        0..8,
    )
    .prop_map(|members| {
        // As text, so that members repeated in another case are kept as written (a `Map` would
        // still hold them, but text is what a server reads).
        // The same key twice, spelled the same, is not a JSON object a server can rely on (RFC
        // 8259 §4: names SHOULD be unique; a `Value` keeps the last, the stream the first).
        let mut seen = std::collections::HashSet::new();
        let parts: Vec<String> = members
            .iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .map(|(k, v)| format!("{}:{}", json!(k), v))
            .collect();
        format!("{{{}}}", parts.join(","))
    })
}

const USER: &[&str] = &[
    "schemas",
    "id",
    "userName",
    "name",
    "displayName",
    "active",
    "emails",
    "phoneNumbers",
    "addresses",
    "groups",
    "meta",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
];
const GROUP: &[&str] = &["schemas", "id", "displayName", "members", "meta"];
const ENTERPRISE: &[&str] = &["employeeNumber", "department", "manager", "costCenter"];

fn same<T>(text: &str) -> Result<(), TestCaseError>
where
    T: serde::de::DeserializeOwned
        + TryFrom<Value, Error = serde_json::Error>
        + PartialEq
        + std::fmt::Debug,
{
    let streamed = serde_json::from_str::<T>(text);
    let split =
        serde_json::from_str::<Value>(text).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let split = T::try_from(split);
    match (&streamed, &split) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{}", text),
        (Err(_), Err(_)) => {}
        _ => prop_assert!(false, "{text}: streamed {streamed:?}, split {split:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn users_stream_as_they_split(text in object(USER)) {
        same::<User>(&text)?;
    }

    #[test]
    fn groups_stream_as_they_split(text in object(GROUP)) {
        same::<Group>(&text)?;
    }

    #[test]
    fn enterprise_users_stream_as_they_split(text in object(ENTERPRISE)) {
        same::<EnterpriseUser>(&text)?;
    }
}

/// The rules on one object: the exact spelling wins over an earlier or later other spelling,
/// which is kept in `extra`; `null` is unassigned; unknown members are kept.
#[test]
fn exact_spelling_wins_while_streaming() {
    let text = r#"{"USERNAME": "a", "userName": "b", "Emails": null, "emails": [{"Value": "e"}],
                  "x-custom": null, "Active": "False"}"#;
    let user: User = serde_json::from_str(text).unwrap();
    assert_eq!(user.user_name.as_deref(), Some("b"));
    assert_eq!(user.emails[0].value.as_deref(), Some("e"));
    assert_eq!(user.active, Some(false));
    assert_eq!(
        Value::Object(user.extra.clone()),
        json!({"USERNAME": "a", "Emails": null, "x-custom": null})
    );
    assert_eq!(
        user,
        User::try_from(serde_json::from_str::<Value>(text).unwrap()).unwrap()
    );
}
