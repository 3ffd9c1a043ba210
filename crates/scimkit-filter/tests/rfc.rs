//! The examples of RFC 7644 §3.4.2.2 and §3.5.2, and the filter shapes identity providers send
//! (docs/idp-compatibility.md): each parsed, printed, and evaluated against the
//! RFC 7643 §8.2 full User (and §8.3's enterprise extension), schema-less and compiled.

use scimkit_filter::{Filter, Interop, Options, Path};
use scimkit_schema::ResourceSchema;
use serde_json::{json, Value};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// RFC 7643 §8.2.
fn full_user() -> Value {
    serde_json::from_str(include_str!("data/rfc7643-8.2-full-user.json")).unwrap()
}

/// RFC 7643 §8.3: the same user with the enterprise extension.
fn enterprise_user() -> Value {
    let mut user = full_user();
    user["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]);
    user[ENTERPRISE] = json!({
        "employeeNumber": "701984",
        "costCenter": "4130",
        "organization": "Universal Studios",
        "division": "Theme Park",
        "department": "Tour Operations",
        "manager": {
            "value": "26118915-6090-4610-87e4-49d8ca9f808d",
            "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
            "displayName": "John Smith"
        }
    });
    user
}

/// Parses `text`, checks that it prints as `canonical` and that the print parses back equal, and
/// that schema-less and compiled evaluation both give `expected` on `resource`.
#[track_caller]
fn check(options: &Options, text: &str, canonical: &str, resource: &Value, expected: bool) {
    let f = Filter::parse_with(text, options).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(f.to_string(), canonical, "print of {text}");
    assert_eq!(
        Filter::parse_with(canonical, options).unwrap(),
        f,
        "re-parse of {canonical}"
    );
    assert_eq!(f.matches(resource), expected, "schema-less {text}");
    let compiled = f
        .compile_with(&ResourceSchema::user(), options)
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(compiled.matches(resource), expected, "compiled {text}");
}

#[test]
fn rfc7644_section_3_4_2_2_examples() {
    let user = full_user();
    let rfc = Options::new();
    // (filter, matches the §8.2 user)
    let cases: &[(&str, bool)] = &[
        (r#"userName eq "bjensen""#, false),
        (r#"name.familyName co "O'Malley""#, false),
        (r#"userName sw "J""#, false),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            false,
        ),
        (r#"title pr"#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
        (r#"title pr and userType eq "Employee""#, true),
        (r#"title pr or userType eq "Intern""#, true),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            false,
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            true,
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            false,
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            true,
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            true,
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            true,
        ),
    ];
    for &(text, expected) in cases {
        // The RFC's examples are already canonical, except for the redundant parentheses.
        let canonical = text.replace(r#"(emails.type eq "work")"#, r#"emails.type eq "work""#);
        check(&rfc, text, &canonical, &user, expected);
    }
    // The same shapes, made to match this user.
    let matching: &[&str] = &[
        r#"userName eq "BJENSEN@example.com""#,
        r#"name.familyName co "ens""#,
        r#"userName sw "bJ""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B""#,
        r#"meta.lastModified gt "2011-05-13T04:42:33Z""#,
        r#"meta.lastModified lt "2011-05-13T06:42:35+02:00""#,
        r#"meta.created lt "2011-05-13T04:42:34Z""#,
        r#"emails[type eq "home" and value ew "@JENSEN.org"]"#,
        r#"phoneNumbers[type eq "mobile" and value eq "555-555-4444"]"#,
        r#"groups[$ref ew "fc348aa8-3835-40eb-a20b-c726e15c55b5" and display eq "employees"]"#,
        r#"addresses[primary eq true and locality eq "Hollywood"]"#,
        r#"active eq true and not (active eq false)"#,
        r#"x509Certificates pr"#,
    ];
    for text in matching {
        check(&rfc, text, text, &user, true);
    }
    // Every condition of a value filter must hold on the same email.
    check(
        &rfc,
        r#"emails[type eq "work" and value co "jensen.org"]"#,
        r#"emails[type eq "work" and value co "jensen.org"]"#,
        &user,
        false,
    );
}

#[test]
fn enterprise_extension() {
    let user = enterprise_user();
    let rfc = Options::new();
    check(
        &rfc,
        &format!(r#"{ENTERPRISE}:employeeNumber eq "701984""#),
        &format!(r#"{ENTERPRISE}:employeeNumber eq "701984""#),
        &user,
        true,
    );
    check(
        &rfc,
        &format!(r#"{ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#),
        &format!(r#"{ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#),
        &user,
        true,
    );
    check(
        &rfc,
        &format!(r#"{ENTERPRISE}:manager.displayName sw "john""#),
        &format!(r#"{ENTERPRISE}:manager.displayName sw "john""#),
        &user,
        true,
    );
    // Unqualified, and with the URN in another case.
    check(
        &rfc,
        r#"costCenter eq "4130""#,
        r#"costCenter eq "4130""#,
        &user,
        true,
    );
    let upper = ENTERPRISE.to_uppercase();
    check(
        &rfc,
        &format!(r#"{upper}:DEPARTMENT eq "tour operations""#),
        &format!(r#"{upper}:DEPARTMENT eq "tour operations""#),
        &user,
        true,
    );
    check(
        &rfc,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        &user,
        true,
    );
}

#[test]
fn rfc7644_section_3_5_2_paths() {
    let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
        ("members", "members", None, None),
        ("name.familyName", "name.familyName", None, None),
        (
            r#"addresses[type eq "work"]"#,
            "addresses",
            Some(r#"type eq "work""#),
            None,
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            "members",
            Some(r#"value eq "2819c223-7f76-453a-919d-413861904646""#),
            None,
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
            "members",
            Some(r#"value eq "2819c223-7f76-453a-919d-413861904646""#),
            Some("displayName"),
        ),
        (
            r#"emails[type eq "work" and value ew "example.com"]"#,
            "emails",
            Some(r#"type eq "work" and value ew "example.com""#),
            None,
        ),
        (
            r#"addresses[type eq "work"].streetAddress"#,
            "addresses",
            Some(r#"type eq "work""#),
            Some("streetAddress"),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            None,
            None,
        ),
    ];
    for &(text, attr, filter, sub) in cases {
        let p = Path::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(p.attr().to_string(), attr, "{text}");
        assert_eq!(
            p.filter().map(ToString::to_string).as_deref(),
            filter,
            "{text}"
        );
        assert_eq!(p.sub_attr(), sub, "{text}");
        assert_eq!(p.to_string(), text);
        assert_eq!(text.parse::<Path>().unwrap(), p);
    }
}

/// Percent-decodes a query-string value the way a server's URL library would (`+` is a space).
fn url_decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn identity_provider_filter_shapes() {
    let user = enterprise_user();
    let rfc = Options::new();
    let lenient = Options::new().interop(Interop::idp_compatible());

    // Entra's matching queries, only `eq` and `and`.
    check(
        &rfc,
        r#"userName eq "bjensen@example.com""#,
        r#"userName eq "bjensen@example.com""#,
        &user,
        true,
    );
    check(
        &rfc,
        r#"externalId eq "701984""#,
        r#"externalId eq "701984""#,
        &user,
        true,
    );
    check(
        &rfc,
        r#"userName eq "Test_User_5d3b" and externalId eq "x""#,
        r#"userName eq "Test_User_5d3b" and externalId eq "x""#,
        &user,
        false,
    );
    // Test Connection with a random GUID matches nothing (and is no error).
    check(
        &rfc,
        r#"userName eq "3fa85f64-5717-4562-b3fc-2c963f66afa6""#,
        r#"userName eq "3fa85f64-5717-4562-b3fc-2c963f66afa6""#,
        &user,
        false,
    );

    // Entra's non-RFC value path with a sub-attribute and comparison after it.
    let e8 = r#"emails[type eq "work"].value eq "bjensen@example.com""#;
    let err = Filter::parse(e8).unwrap_err();
    assert_eq!(err.scim_type().as_str(), "invalidFilter");
    assert_eq!(err.offset(), Some(22));
    check(
        &lenient,
        e8,
        r#"emails[type eq "work" and value eq "bjensen@example.com"]"#,
        &user,
        true,
    );
    check(
        &lenient,
        r#"emails[type eq "home"].value eq "bjensen@example.com""#,
        r#"emails[type eq "home" and value eq "bjensen@example.com"]"#,
        &user,
        false,
    );
    check(
        &lenient,
        r#"emails[type eq "work" or type eq "home"].value pr"#,
        r#"emails[(type eq "work" or type eq "home") and value pr]"#,
        &user,
        true,
    );

    // capitalised names and operators, string booleans.
    check(
        &rfc,
        r#"DisplayName EQ "Babs Jensen""#,
        r#"DisplayName eq "Babs Jensen""#,
        &user,
        true,
    );
    check(
        &rfc,
        r#"Emails[Type Eq "work" AND Primary EQ true]"#,
        r#"Emails[Type eq "work" and Primary eq true]"#,
        &user,
        true,
    );
    let f = Filter::parse(r#"addresses[primary EQ "True"]"#).unwrap();
    let schema = ResourceSchema::user();
    assert!(
        !f.matches(&user),
        "a string is not a boolean without a schema"
    );
    assert!(
        !f.compile(&schema).unwrap().matches(&user),
        "nor with one, strictly"
    );
    assert!(f.compile_with(&schema, &lenient).unwrap().matches(&user));
    let f = Filter::parse(r#"active eq "false""#).unwrap();
    assert!(!f.compile_with(&schema, &lenient).unwrap().matches(&user));
    assert!(!f
        .compile_with(&schema, &lenient)
        .unwrap()
        .matches(&json!({"Active": true})));
    assert!(f
        .compile_with(&schema, &lenient)
        .unwrap()
        .matches(&json!({"Active": false})));

    // Okta's existence check, as it arrives URL-encoded.
    let query = "filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100";
    let filter = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("filter="))
        .map(url_decode)
        .unwrap();
    assert_eq!(filter, r#"userName eq "test.user@okta.local""#);
    let okta_user = json!({"userName": "Test.User@okta.local"});
    check(&rfc, &filter, &filter, &okta_user, true);
    check(
        &rfc,
        &url_decode("userName+eq+%22test.user%40okta.local%22"),
        &filter,
        &okta_user,
        true,
    );

    // PingFederate's "workEmail" mode, a multi-valued attribute without sub-attribute.
    check(
        &rfc,
        r#"emails eq "babs@jensen.org""#,
        r#"emails eq "babs@jensen.org""#,
        &user,
        true,
    );
    check(
        &rfc,
        r#"emails eq "a@b.com""#,
        r#"emails eq "a@b.com""#,
        &user,
        false,
    );

    // AWS IAM Identity Center, `eq` and `and` only.
    check(
        &rfc,
        r#"userName eq "x""#,
        r#"userName eq "x""#,
        &user,
        false,
    );
    check(
        &rfc,
        r#"displayName eq "Babs Jensen" and userName eq "bjensen@example.com""#,
        r#"displayName eq "Babs Jensen" and userName eq "bjensen@example.com""#,
        &user,
        true,
    );
}

#[test]
fn group_filters() {
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "$ref": "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
        ]
    });
    let schema = ResourceSchema::group();
    for (text, expected) in [
        (r#"displayName eq "tour guides""#, true),
        (
            r#"members[value eq "902c246b-6245-4190-8e05-00816be7344a"]"#,
            true,
        ),
        (
            r#"members[value eq "902C246B-6245-4190-8E05-00816BE7344A"]"#,
            true,
        ), // members.value is caseExact false in RFC 7643 §8.7.1
        (r#"members.display sw "mandy""#, true),
        (r#"members eq "2819c223-7f76-453a-919d-413861904646""#, true),
        (r#"id eq "E9E30DBA-F08F-4109-8486-D5C6A331660A""#, false),
    ] {
        let f = Filter::parse(text).unwrap();
        let compiled = f.compile(&schema).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(compiled.matches(&group), expected, "{text}");
    }
}
