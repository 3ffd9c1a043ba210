//! Evaluation rules one by one (schema-less and compiled), sorting, the builder, and paths.

use scimkit_filter::{AttrPath, CompValue, Filter, Fold, SortOrder, Sorter};
use scimkit_schema::ResourceSchema;
use serde_json::{json, Value};

#[track_caller]
fn matches(resource: Value, filter: &str, expected: bool) {
    let f = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    assert_eq!(f.matches(&resource), expected, "{filter} on {resource}");
}

#[test]
fn schema_less_rules() {
    // Names in any case; strings case-insensitive.
    matches(
        json!({"UserName": "BJensen"}),
        r#"username eq "bjensen""#,
        true,
    );
    matches(
        json!({"name": {"familyName": "O'Malley"}}),
        r#"name.familyName co "o'malley""#,
        true,
    );
    // Unicode case folding without allocation.
    matches(
        json!({"displayName": "ÉMILE Zoë"}),
        r#"displayName sw "émile" and displayName ew "ZOË""#,
        true,
    );
    // pr: null, "", [], {} are unassigned.
    for empty in [json!(null), json!(""), json!([]), json!({}), json!([null])] {
        matches(json!({"title": empty}), "title pr", false);
        matches(json!({"title": empty}), "title eq null", true);
        matches(json!({"title": empty}), "title ne null", false);
    }
    matches(json!({}), "title pr", false);
    matches(json!({"title": "x"}), "title pr", true);
    matches(json!({"title": "x"}), "title ne null", true);
    matches(json!({"active": false}), "active pr", true);
    // Multi-valued: any value; complex without sub-attribute compares `value`.
    matches(
        json!({"emails": [{"value": "a@x.org"}, {"value": "b@y.org"}]}),
        r#"emails ew "@Y.ORG""#,
        true,
    );
    matches(
        json!({"emails": [{"value": "a@x.org"}, {"value": "b@y.org"}]}),
        r#"emails.value ne "a@x.org""#,
        true,
    );
    matches(
        json!({"schemas": ["urn:a", "urn:b"]}),
        r#"schemas eq "URN:B""#,
        true,
    );
    // Value filter conditions hold on the same element.
    let user = json!({"emails": [{"type": "work", "value": "a@x.org"}, {"type": "home", "value": "b@y.org"}]});
    matches(
        user.clone(),
        r#"emails[type eq "work" and value eq "b@y.org"]"#,
        false,
    );
    matches(
        user.clone(),
        r#"emails.type eq "work" and emails.value eq "b@y.org""#,
        true,
    );
    matches(user.clone(), r#"emails[not (type eq "work")]"#, true);
    matches(user, r#"emails[type eq "work" or type eq "other"]"#, true);
    // Ordering: numbers numerically, strings lexically, dateTimes chronologically.
    matches(json!({"n": 10}), "n gt 9", true);
    matches(json!({"n": 10}), "n gt 9.5", true);
    matches(json!({"n": 10.0}), "n eq 10", true);
    matches(json!({"n": -1}), "n lt -0.5e0", true);
    matches(
        json!({"n": 9_007_199_254_740_993_i64}),
        "n gt 9007199254740992",
        true,
    );
    matches(json!({"s": "10"}), r#"s gt "9""#, false); // lexical
    matches(json!({"s": "b"}), r#"s gt "A""#, true); // case-insensitive
    matches(
        json!({"t": "2011-05-13T04:42:34Z"}),
        r#"t eq "2011-05-13T06:42:34+02:00""#,
        true,
    );
    matches(
        json!({"t": "2011-05-13T04:42:34.5Z"}),
        r#"t gt "2011-05-13T04:42:34Z""#,
        true,
    );
    matches(
        json!({"t": "2011-05-13T04:42:34Z"}),
        r#"t sw "2011-05""#,
        true,
    );
    // Incompatible types are false, not errors; so is everything on a missing attribute.
    matches(json!({"n": 10}), r#"n eq "10""#, false);
    matches(json!({"active": true}), r#"active eq "true""#, false);
    matches(json!({"active": true}), "active gt false", false);
    matches(json!({"active": true}), r#"active co "t""#, false);
    matches(json!({"name": {"givenName": "x"}}), r#"name co "x""#, false);
    matches(json!({}), r#"title ne "x""#, false);
    matches(json!({"title": "x"}), "title gt null", false);
    // Escapes in literals.
    matches(
        json!({"s": "a\"b\\c\u{1F600}\n"}),
        r#"s eq "a\"b\\c\ud83d\ude00\n""#,
        true,
    );
    // URN-qualified core attribute, extension member, unknown URN.
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let user = json!({"userName": "u", ext: {"employeeNumber": "7"}});
    matches(
        user.clone(),
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "u""#,
        true,
    );
    matches(
        user.clone(),
        &format!(r#"{ext}:employeeNumber eq "7""#),
        true,
    );
    matches(user.clone(), r#"employeeNumber eq "7""#, true);
    matches(user.clone(), r#"urn:example:other:userName eq "u""#, false);
    matches(
        json!({"schemas": ["urn:example:custom:Thing"], "color": "red"}),
        r#"urn:example:custom:Thing:color eq "RED""#,
        true,
    );
}

#[test]
fn compiled_rules() {
    let schema = ResourceSchema::user();
    let check = |resource: Value, filter: &str, expected: bool| {
        let compiled = Filter::parse(filter)
            .unwrap()
            .compile(&schema)
            .unwrap_or_else(|e| panic!("{filter}: {e}"));
        assert_eq!(
            compiled.matches(&resource),
            expected,
            "{filter} on {resource}"
        );
    };
    // caseExact per attribute: id and externalId exact, userName not.
    check(json!({"id": "Abc"}), r#"id eq "abc""#, false);
    check(json!({"id": "Abc"}), r#"id eq "Abc""#, true);
    check(json!({"externalId": "Abc"}), r#"externalId sw "ab""#, false);
    check(json!({"userName": "Abc"}), r#"USERNAME eq "abc""#, true);
    // Names in the resource in any case (Entra validator bodies).
    check(
        json!({"Active": true, "Emails": [{"Primary": true, "Value": "x@y"}]}),
        r#"active eq true and emails[primary eq true]"#,
        true,
    );
    // dateTime attributes compare as instants; string attributes do not.
    check(
        json!({"meta": {"lastModified": "2011-05-13T04:42:34Z"}}),
        r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#,
        true,
    );
    check(
        json!({"title": "2011-05-13T04:42:34Z"}),
        r#"title eq "2011-05-13T06:42:34+02:00""#,
        false,
    );
    // The extension attribute without its URN resolves through the schema.
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    check(
        json!({ext: {"manager": {"value": "m1"}}}),
        r#"MANAGER.value eq "m1""#,
        true,
    );
    check(
        json!({ext: {"manager": {"value": "m1"}}}),
        r#"manager eq "m1""#,
        true,
    );
    check(
        json!({"manager": {"value": "m1"}}),
        r#"manager.value eq "m1""#,
        false,
    );
}

#[test]
fn sorting() {
    let mut users = vec![
        json!({"id": "1", "name": {"givenName": "bob"}, "meta": {"created": "2011-01-01T00:00:00Z"}}),
        json!({"id": "2"}),
        json!({"id": "3", "name": {"givenName": "Alice"}, "meta": {"created": "2010-12-31T23:00:00-02:00"}}),
        json!({"id": "4", "name": {"givenName": null}, "meta": {"created": "2011-01-01T00:30:00+01:00"}}),
    ];
    let ids = |users: &[Value]| {
        users
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let given = AttrPath::parse("name.givenName").unwrap();
    Sorter::new(&given, SortOrder::Ascending).sort(&mut users);
    assert_eq!(ids(&users), ["3", "1", "2", "4"]); // missing and null last, stable
    Sorter::new(&given, SortOrder::Descending).sort(&mut users);
    assert_eq!(ids(&users), ["2", "4", "1", "3"]); // missing first
    let created = AttrPath::parse("meta.created").unwrap();
    let sorter = Sorter::compile(
        &created,
        "ASCENDING".parse().unwrap(),
        &ResourceSchema::user(),
    )
    .unwrap();
    sorter.sort(&mut users);
    assert_eq!(ids(&users), ["4", "1", "3", "2"]); // 23:30Z, 00:00Z, 01:00Z, none

    let mut numbers = vec![
        json!({"n": 10}),
        json!({"n": 9.5}),
        json!({"n": "x"}),
        json!({"n": true}),
        json!({"n": -3}),
    ];
    Sorter::new(&AttrPath::parse("n").unwrap(), SortOrder::Ascending).sort(&mut numbers);
    assert_eq!(
        numbers,
        [
            json!({"n": true}),
            json!({"n": -3}),
            json!({"n": 9.5}),
            json!({"n": 10}),
            json!({"n": "x"})
        ]
    );
    assert!("sideways".parse::<SortOrder>().is_err());
}

#[test]
fn builder_escapes_and_round_trips() {
    for value in [
        r#"say "hi""#,
        r"back\slash",
        "\\\"",
        "tab\there",
        "\u{0}\u{1f}",
        "ünï😀",
        "",
        r#"\u0041"#,
    ] {
        let f = Filter::eq("userName", value).or(Filter::co("name.familyName", value));
        let text = f.to_string();
        let back = Filter::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(back, f, "{text}");
        assert!(back.matches(&json!({"userName": value})), "{text}");
    }
    let f = Filter::all([
        Filter::pr("title"),
        Filter::gt("meta.lastModified", "2011-05-13T04:42:34Z"),
        !Filter::eq("active", false),
    ])
    .unwrap();
    assert_eq!(
        f.to_string(),
        r#"title pr and meta.lastModified gt "2011-05-13T04:42:34Z" and not (active eq false)"#
    );
    assert_eq!(Filter::eq("x", CompValue::Null).to_string(), "x eq null");
    assert_eq!(Filter::eq("x", None::<&str>).to_string(), "x eq null");
    assert_eq!(Filter::le("x", 1.5).to_string(), "x le 1.5");
    assert_eq!(Filter::lt("x", -2).to_string(), "x lt -2");
    assert_eq!(
        Filter::ge("x", 1e300)
            .to_string()
            .parse::<Filter>()
            .unwrap(),
        Filter::ge("x", 1e300)
    );
    assert!(Filter::all([]).is_none());
}

#[test]
#[should_panic(expected = "invalid attribute path literal `user name`")]
fn builder_panics_on_an_invalid_literal() {
    let _ = Filter::pr("user name");
}

#[test]
fn attribute_paths() {
    let p =
        AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref")
            .unwrap();
    assert_eq!(
        (p.urn(), p.name(), p.sub_attr()),
        (
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            "manager",
            Some("$ref")
        )
    );
    assert!(p.is("URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Manager.$REF"));
    assert!(!p.is("manager.$ref"));
    assert!(AttrPath::new("$ref").is_ok());
    assert!(AttrPath::new("a:b").is_err());
    let list = AttrPath::parse_list(" userName ,emails.value,  groups ").unwrap();
    assert_eq!(
        list.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["userName", "emails.value", "groups"]
    );
}

#[test]
fn fold_counts_without_recursion() {
    struct Count(usize);
    impl Fold for Count {
        type Output = ();
        type Error = ();
        fn present(&mut self, _: &AttrPath) -> Result<(), ()> {
            self.0 += 1;
            Ok(())
        }
        fn compare(
            &mut self,
            _: &AttrPath,
            _: scimkit_filter::CompareOp,
            _: &CompValue,
        ) -> Result<(), ()> {
            self.0 += 1;
            Ok(())
        }
        fn value_path(&mut self, _: &AttrPath, _: ()) -> Result<(), ()> {
            Ok(())
        }
        fn not(&mut self, _: ()) -> Result<(), ()> {
            Ok(())
        }
        fn and(&mut self, _: Vec<()>) -> Result<(), ()> {
            Ok(())
        }
        fn or(&mut self, _: Vec<()>) -> Result<(), ()> {
            Ok(())
        }
    }
    let mut f = Filter::pr("a");
    for _ in 0..100_000 {
        f = !f.and(Filter::pr("b"));
    }
    let mut count = Count(0);
    f.fold(&mut count).unwrap();
    assert_eq!(count.0, 100_001);
}
