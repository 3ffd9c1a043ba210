//! Properties: printing and parsing are inverse, compiled and schema-less evaluation agree where
//! the schema keeps the RFC defaults, and no input makes a parser panic.

use proptest::prelude::*;
use scimkit_filter::{AttrPath, CompValue, CompareOp, Filter, Limits, Options, Path};
use scimkit_schema::ResourceSchema;
use serde_json::{json, Map, Value};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn roomy() -> Options {
    Options::new().limits(Limits::new().max_len(1 << 20))
}

fn path(text: &str) -> AttrPath {
    AttrPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Attribute names, including ones that look like keywords.
fn attr_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_-]{0,6}",
        prop::sample::select(vec![
            "$ref", "not", "and", "or", "pr", "eq", "true", "null", "userName"
        ])
        .prop_map(String::from),
    ]
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    let urn = prop::option::weighted(
        0.2,
        prop::sample::select(vec![
            ENTERPRISE,
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:x:y",
            "http://example.com/s",
        ]),
    );
    (urn, attr_name(), prop::option::weighted(0.3, attr_name())).prop_map(|(urn, name, sub)| {
        let mut text = urn.map(|u| format!("{u}:")).unwrap_or_default();
        text.push_str(&name);
        if let Some(sub) = sub {
            text.push('.');
            text.push_str(&sub);
        }
        path(&text)
    })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(CompValue::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(CompValue::Decimal),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(CompareOp::ALL.to_vec())
}

fn leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        (attr_path(), op(), comp_value()).prop_map(|(attr, op, value)| Filter::Compare {
            attr,
            op,
            value
        }),
        attr_path().prop_map(|attr| Filter::Present { attr }),
    ]
}

/// Adds `and`, `or` (at least two operands, as the parser makes them) and `not` over `base`.
fn logical(base: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    base.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::Or),
            inner.prop_map(|f| !f),
        ]
    })
    .boxed()
}

fn filter() -> impl Strategy<Value = Filter> {
    let value_path =
        (attr_path(), logical(leaf().boxed())).prop_map(|(attr, f)| Filter::value_path(attr, f));
    logical(prop_oneof![3 => leaf(), 1 => value_path].boxed())
}

proptest! {
    #[test]
    fn display_parse_round_trip(f in filter()) {
        let text = f.to_string();
        let back = Filter::parse_with(&text, &roomy()).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&back, &f);
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn path_round_trip(attr in attr_path(), f in prop::option::of(logical(leaf().boxed())), sub in prop::option::of(attr_name())) {
        let p = match f {
            Some(f) => Path::with_filter(attr, f, sub.as_deref()).unwrap(),
            None => Path::new(attr),
        };
        let text = p.to_string();
        prop_assert_eq!(Path::parse_with(&text, &roomy()).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?, p);
    }

    #[test]
    fn no_panic_on_arbitrary_text(text in any::<String>()) {
        check_text(&text)?;
    }

    #[test]
    fn no_panic_on_filter_like_text(text in r#"[a-zA-Z$:. "\\()\[\]_,0-9eE+-]{0,60}|(not|and|or|pr|eq|ne|co|sw|ew|gt|ge|lt|le|true|null|\(|\)|\[|\]|"|\\| |emails|\.|value|1e5|-0|:|urn:a)*"#) {
        check_text(&text)?;
    }
}

/// Every parser returns instead of panicking, and whatever parses prints back to the same thing.
fn check_text(text: &str) -> Result<(), TestCaseError> {
    let options = Options::new().interop(scimkit_filter::Interop::idp_compatible());
    if let Ok(f) = Filter::parse_with(text, &options) {
        prop_assert_eq!(
            Filter::parse_with(&f.to_string(), &roomy()).ok(),
            Some(f.clone())
        );
        let _ = f.matches(&json!({"emails": [{"value": "x"}], "title": "t"}));
        let _ = f
            .compile(&ResourceSchema::user())
            .map(|c| c.matches(&json!({})));
    }
    if let Ok(p) = Path::parse(text) {
        prop_assert_eq!(Path::parse_with(&p.to_string(), &roomy()).ok(), Some(p));
    }
    let _ = AttrPath::parse_list(text);
    Ok(())
}

// ---- compiled vs schema-less ----------------------------------------------------------------

/// User attributes whose schema definitions keep the RFC defaults (caseExact false, no dateTime),
/// so that the schema cannot change the answer.
const AGREEING: &[&str] = &[
    "userName",
    "displayName",
    "title",
    "nickName",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "active",
    "department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
];

fn small_text() -> impl Strategy<Value = String> {
    "[aAbB]{0,3}"
}

fn small_value() -> impl Strategy<Value = Value> {
    prop_oneof![4 => small_text().prop_map(Value::from), 1 => any::<bool>().prop_map(Value::from), 1 => (-2i64..3).prop_map(Value::from), 1 => Just(Value::Null)]
}

fn small_literal() -> impl Strategy<Value = CompValue> {
    prop_oneof![4 => small_text().prop_map(CompValue::String), 1 => any::<bool>().prop_map(CompValue::Bool), 1 => (-2i64..3).prop_map(CompValue::Int), 1 => Just(CompValue::Null)]
}

/// A key in a random case, as Entra's validator sends them.
fn any_case(key: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<bool>(), key.len()).prop_map(move |upper| {
        key.chars()
            .zip(upper)
            .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
            .collect()
    })
}

fn email() -> impl Strategy<Value = Value> {
    (
        small_value(),
        small_value(),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(value, kind, primary)| {
            let mut e = json!({"value": value, "type": kind});
            if let Some(p) = primary {
                e["primary"] = p.into();
            }
            e
        })
}

fn user() -> impl Strategy<Value = Value> {
    (
        prop::option::of((any_case("userName"), small_value())),
        prop::option::of(small_value()),
        prop::option::of(small_value()),
        prop::option::of((small_value(), small_value())),
        prop::option::of(prop::collection::vec(email(), 0..3)),
        prop::option::of(any::<bool>()),
        prop::option::of(small_value()),
    )
        .prop_map(
            |(user_name, display, title, name, emails, active, department)| {
                let mut o = Map::new();
                if let Some((key, v)) = user_name {
                    o.insert(key, v);
                }
                if let Some(v) = display {
                    o.insert("displayName".into(), v);
                }
                if let Some(v) = title {
                    o.insert("TITLE".into(), v);
                }
                if let Some((given, family)) = name {
                    o.insert(
                        "name".into(),
                        json!({"givenName": given, "FamilyName": family}),
                    );
                }
                if let Some(emails) = emails {
                    o.insert("emails".into(), emails.into());
                }
                if let Some(a) = active {
                    o.insert("active".into(), a.into());
                }
                if let Some(d) = department {
                    o.insert(ENTERPRISE.into(), json!({"department": d}));
                }
                Value::Object(o)
            },
        )
}

fn agreeing_leaf() -> impl Strategy<Value = Filter> {
    let attr = prop::sample::select(AGREEING.to_vec()).prop_map(path);
    prop_oneof![
        (attr.clone(), op(), small_literal()).prop_map(|(attr, op, value)| Filter::Compare {
            attr,
            op,
            value
        }),
        attr.prop_map(|attr| Filter::Present { attr }),
        (
            prop::sample::select(vec!["value", "type", "primary"]),
            op(),
            small_literal()
        )
            .prop_map(|(sub, op, value)| Filter::value_path(
                "emails",
                Filter::Compare {
                    attr: path(sub),
                    op,
                    value
                }
            )),
    ]
}

proptest! {
    #[test]
    fn compiled_agrees_with_schema_less(f in logical(agreeing_leaf().boxed()), users in prop::collection::vec(user(), 1..6)) {
        let compiled = match f.compile(&ResourceSchema::user()) {
            Ok(c) => c,
            // `gt` on a boolean and the like: an error compiled, false schema-less.
            Err(_) => return Ok(()),
        };
        for u in &users {
            prop_assert_eq!(compiled.matches(u), f.matches(u), "{} on {}", f, u);
        }
    }
}
