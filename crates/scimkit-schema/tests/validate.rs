//! Validation against RFC 7643 §8 examples and the request shapes of docs/idp-compatibility.md.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use scimkit_schema::validate::{
    Context, Limits, PrimaryConflict, UniquenessCheck, UnknownAttributes, Validator,
};
use scimkit_schema::{
    Attribute, AttributeType, ErrorKind, Mutability, Resolved, ResourceSchema, Returned, Schema,
    ScimType, Uniqueness,
};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const DEVICE: &str = "urn:example:scim:schemas:2.0:Device";
const ACME: &str = "urn:example:scim:schemas:extension:acme:2.0:Device";

fn rfc(file: &str) -> Value {
    let path = format!("{}/tests/rfc/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A custom resource type with one attribute of every type and characteristic under test.
fn device() -> ResourceSchema {
    let core = Schema::new(DEVICE, "Device")
        .with_attribute(
            Attribute::new("serialNumber", AttributeType::String)
                .required()
                .case_exact()
                .with_mutability(Mutability::Immutable)
                .with_uniqueness(Uniqueness::Server),
        )
        .with_attribute(Attribute::complex(
            "location",
            [
                Attribute::new("building", AttributeType::String).required(),
                Attribute::new("floor", AttributeType::Integer),
            ],
        ))
        .with_attribute(Attribute::new("ports", AttributeType::Integer).multi_valued())
        .with_attribute(Attribute::new("weight", AttributeType::Decimal))
        .with_attribute(Attribute::new("online", AttributeType::Boolean))
        .with_attribute(Attribute::new("seen", AttributeType::DateTime))
        .with_attribute(Attribute::new("firmware", AttributeType::Binary))
        .with_attribute(Attribute::new("home", AttributeType::Reference))
        .with_attribute(
            Attribute::new("status", AttributeType::String)
                .case_exact()
                .with_canonical_values(["Active", "Retired"]),
        )
        .with_attribute(
            Attribute::new("secret", AttributeType::String)
                .with_mutability(Mutability::WriteOnly)
                .with_returned(Returned::Never),
        );
    let ext = Schema::new(ACME, "AcmeDevice")
        .with_attribute(Attribute::new("assetTag", AttributeType::String).required())
        .with_attribute(Attribute::new("tags", AttributeType::String).multi_valued());
    ResourceSchema::builder("Device", "/Devices", core)
        .extension(ext, true)
        .build()
        .unwrap()
}

fn a_device() -> Value {
    json!({
        "schemas": [DEVICE, ACME],
        "serialNumber": "SN-1",
        ACME: {"assetTag": "T-1"}
    })
}

/// The (path, kind) of every failure, or an empty list when `value` passes.
fn failures(v: Validator<'_>, value: &mut Value, ctx: Context<'_>) -> Vec<(String, ErrorKind)> {
    match v.validate(value, ctx) {
        Ok(()) => vec![],
        Err(e) => e
            .failures()
            .iter()
            .map(|f| (f.path().to_owned(), f.kind()))
            .collect(),
    }
}

fn f(path: &str, kind: ErrorKind) -> (String, ErrorKind) {
    (path.to_owned(), kind)
}

// ---------------------------------------------------------------- RFC 7643 §8 examples

#[test]
fn rfc_8_1_minimal_user_creates_without_server_assigned_values() {
    let schema = ResourceSchema::user();
    let mut user = rfc("8.1-minimal-user.json");
    Validator::new(&schema)
        .validate(&mut user, Context::Create)
        .unwrap();
    // id and meta are readOnly: ignored and dropped (RFC 7644 §3.3, §3.5.1).
    assert_eq!(
        user,
        json!({"schemas": [USER], "userName": "bjensen@example.com"})
    );
}

#[test]
fn rfc_8_1_minimal_user_is_a_valid_response() {
    let schema = ResourceSchema::user();
    let original = rfc("8.1-minimal-user.json");
    let mut user = original.clone();
    Validator::new(&schema)
        .validate(&mut user, Context::Response)
        .unwrap();
    assert_eq!(user, original);
}

#[test]
fn rfc_8_2_full_user_creates() {
    let schema = ResourceSchema::user();
    let mut user = rfc("8.2-full-user.json");
    Validator::new(&schema)
        .strict_canonical_values(true)
        .validate(&mut user, Context::Create)
        .unwrap();
    let o = user.as_object().unwrap();
    assert!(!o.contains_key("id") && !o.contains_key("meta") && !o.contains_key("groups"));
    assert_eq!(user["password"], json!("t1meMa$heen"));
    assert!(user["x509Certificates"][0]["value"].as_str().unwrap().len() > 1000);
    assert_eq!(user["addresses"][0]["primary"], json!(true));
}

#[test]
fn rfc_8_3_enterprise_user_keeps_the_extension_and_drops_read_only_manager_display_name() {
    let schema = ResourceSchema::user();
    let mut user = rfc("8.3-enterprise-user.json");
    Validator::new(&schema)
        .validate(&mut user, Context::Create)
        .unwrap();
    let ext = &user[ENTERPRISE];
    assert_eq!(ext["employeeNumber"], json!("701984"));
    assert_eq!(
        ext["manager"]["value"],
        json!("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(ext["manager"].get("displayName"), None);
    assert_eq!(user["schemas"], json!([USER, ENTERPRISE]));
}

#[test]
fn rfc_8_4_group_creates_and_is_a_valid_response() {
    let schema = ResourceSchema::group();
    let original = rfc("8.4-group.json");
    let mut group = original.clone();
    Validator::new(&schema)
        .validate(&mut group, Context::Response)
        .unwrap();
    assert_eq!(group, original);
    Validator::new(&schema)
        .validate(&mut group, Context::Create)
        .unwrap();
    assert_eq!(group["members"].as_array().unwrap().len(), 2);
    assert_eq!(group.get("id"), None);
}

#[test]
fn every_rfc_resource_example_is_a_valid_response() {
    for (file, schema) in [
        ("8.1-minimal-user.json", ResourceSchema::user()),
        ("8.2-full-user.json", ResourceSchema::user()),
        ("8.3-enterprise-user.json", ResourceSchema::user()),
        ("8.4-group.json", ResourceSchema::group()),
    ] {
        let mut v = rfc(file);
        let got = failures(Validator::new(&schema), &mut v, Context::Response);
        // §8.2 and §8.3 show `password` in a response, which §2.2 (returned: never) forbids.
        let expected: &[(String, ErrorKind)] = if file.starts_with("8.2") || file.starts_with("8.3")
        {
            &[(String::from("password"), ErrorKind::Mutability)]
        } else {
            &[]
        };
        assert_eq!(got, expected, "{file}");
    }
}

#[test]
fn rfc_8_2_as_a_response_flags_the_write_only_password() {
    let schema = ResourceSchema::user();
    let mut user = rfc("8.2-full-user.json");
    let got = failures(Validator::new(&schema), &mut user, Context::Response);
    assert_eq!(got, [f("password", ErrorKind::Mutability)]);
}

// ---------------------------------------------------------------- docs/idp-compatibility.md rows

#[test]
fn entra_capitalised_names_and_string_booleans_with_coercion() {
    let schema = ResourceSchema::user();
    let body = json!({
        "Schemas": [USER.to_uppercase()],
        "UserName": "Test_User_ab6490ee",
        "Active": "True",
        "Emails": [{"Primary": "true", "Type": "work", "Value": "Test_User@example.com"}],
        "Name": {"GivenName": "Bob", "FamilyName": "Smith"}
    });
    let mut user = body.clone();
    Validator::new(&schema)
        .coerce_strings(true)
        .validate(&mut user, Context::Create)
        .unwrap();
    assert_eq!(
        user,
        json!({
            "schemas": [USER],
            "userName": "Test_User_ab6490ee",
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": "Test_User@example.com"}],
            "name": {"givenName": "Bob", "familyName": "Smith"}
        })
    );
    // Without coercion the string booleans are type errors, and the body is left untouched.
    let mut user = body.clone();
    let got = failures(Validator::new(&schema), &mut user, Context::Create);
    assert_eq!(
        got,
        [
            f("active", ErrorKind::TypeMismatch),
            f("emails[0].primary", ErrorKind::TypeMismatch)
        ]
    );
    assert_eq!(user, body);
}

#[test]
fn entra_group_with_extra_non_urn_schema_id() {
    let schema = ResourceSchema::group();
    let body = json!({
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "Group1",
        "meta": {"resourceType": "Group"},
        "members": [],
        "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"]
    });
    let mut group = body.clone();
    Validator::new(&schema)
        .validate(&mut group, Context::Create)
        .unwrap();
    assert_eq!(group["schemas"], json!([GROUP]));
    assert_eq!(group["members"], json!([]));
    assert_eq!(group.get("meta"), None);

    let mut group = body.clone();
    let got = failures(
        Validator::new(&schema).foreign_schema_ids(false),
        &mut group,
        Context::Create,
    );
    assert_eq!(got, [f("schemas[1]", ErrorKind::SchemasInvalid)]);
}

#[test]
fn entra_nulls_empty_arrays_and_client_meta_on_create() {
    let schema = ResourceSchema::user();
    let mut user = json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-c5bd-4a21-9c7c-8a6a7d3a8e21@testuser.com",
        "active": true,
        "addresses": null,
        "roles": [],
        "displayName": "Test User",
        "meta": {"resourceType": "User"},
        ENTERPRISE: {"manager": null, "department": "Sales"}
    });
    Validator::new(&schema)
        .validate(&mut user, Context::Create)
        .unwrap();
    assert_eq!(user["addresses"], Value::Null);
    assert_eq!(user["roles"], json!([]));
    assert_eq!(
        user[ENTERPRISE],
        json!({"manager": null, "department": "Sales"})
    );
    assert_eq!(user.get("meta"), None);
}

#[test]
fn okta_create_body() {
    let schema = ResourceSchema::user();
    let mut user = json!({
        "schemas": [USER],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    Validator::new(&schema)
        .validate(&mut user, Context::Create)
        .unwrap();
    assert_eq!(user.get("groups"), None, "groups is readOnly");
    assert_eq!(
        user["password"],
        json!("1mz050nq"),
        "writeOnly input is kept"
    );
    assert_eq!(user["locale"], json!("en-US"));
}

#[test]
fn okta_put_of_the_whole_resource_with_id_and_meta() {
    let schema = ResourceSchema::user();
    let existing = rfc("8.1-minimal-user.json");
    let mut put = existing.clone();
    put["name"] = json!({"givenName": "Barbara"});
    put["meta"]["created"] = json!("2030-01-01T00:00:00Z");
    put["id"] = json!("some-other-id");
    Validator::new(&schema)
        .validate(
            &mut put,
            Context::Replace {
                existing: &existing,
            },
        )
        .unwrap();
    assert_eq!(put.get("id"), None);
    assert_eq!(put.get("meta"), None);
}

#[test]
fn okta_patch_result_with_unchanged_read_only_id_passes_changed_id_fails() {
    let schema = ResourceSchema::group();
    let original = rfc("8.4-group.json");
    let v = Validator::new(&schema);
    let mut renamed = original.clone();
    renamed["displayName"] = json!("Test SCIMv2");
    v.validate(
        &mut renamed,
        Context::Patched {
            original: &original,
        },
    )
    .unwrap();
    assert_eq!(
        renamed["id"], original["id"],
        "nothing dropped after a PATCH"
    );

    let mut moved = original.clone();
    moved["id"] = json!("abf4dd94-a4c0-4f67-89c9-76b03340cb9b");
    let got = failures(
        v,
        &mut moved,
        Context::Patched {
            original: &original,
        },
    );
    assert_eq!(got, [f("id", ErrorKind::Mutability)]);
}

#[test]
fn p2_two_primary_emails() {
    let schema = ResourceSchema::user();
    let body = json!({
        "schemas": [USER],
        "userName": "pingone",
        "emails": [
            {"value": "a@example.com", "type": "work", "primary": true},
            {"value": "a@example.com", "type": "home", "primary": true}
        ]
    });
    let mut user = body.clone();
    let got = failures(Validator::new(&schema), &mut user, Context::Create);
    assert_eq!(got, [f("emails", ErrorKind::PrimaryNotUnique)]);

    let mut user = body.clone();
    Validator::new(&schema)
        .primary_conflict(PrimaryConflict::KeepFirst)
        .validate(&mut user, Context::Create)
        .unwrap();
    assert_eq!(user["emails"][0]["primary"], json!(true));
    assert_eq!(user["emails"][1]["primary"], json!(false));
}

#[test]
fn entra_distinct_types_switch() {
    let schema = ResourceSchema::user();
    let body = json!({
        "schemas": [USER],
        "userName": "entra",
        "emails": [
            {"value": "a@example.com", "type": "work"},
            {"value": "b@example.com", "type": "Work"}
        ]
    });
    let mut user = body.clone();
    Validator::new(&schema)
        .validate(&mut user, Context::Create)
        .unwrap();
    let mut user = body.clone();
    let got = failures(
        Validator::new(&schema).distinct_types(true),
        &mut user,
        Context::Create,
    );
    assert_eq!(got, [f("emails[1].type", ErrorKind::TypeDuplicate)]);
}

#[test]
fn interop_profile_turns_on_every_tolerance() {
    let schema = ResourceSchema::user();
    let mut user = json!({
        "schemas": [USER, "http://example.com/not-a-urn"],
        "userName": "x",
        "active": "False",
        "emails": {"value": "a@example.com", "primary": true}
    });
    Validator::new(&schema)
        .interop(scimkit_schema::Interop::idp_compatible())
        .validate(&mut user, Context::Create)
        .unwrap();
    assert_eq!(user["active"], json!(false));
    assert_eq!(
        user["emails"],
        json!([{"value": "a@example.com", "primary": true}])
    );
    assert_eq!(user["schemas"], json!([USER]));
}

// ---------------------------------------------------------------- one test per rule

#[test]
fn required_attributes() {
    let schema = ResourceSchema::user();
    // userName missing, null, or an empty array: all "unassigned" (RFC 7643 §2.5).
    for user_name in [None, Some(Value::Null)] {
        let mut user = json!({"schemas": [USER]});
        if let Some(v) = user_name {
            user["userName"] = v;
        }
        let got = failures(Validator::new(&schema), &mut user, Context::Create);
        assert_eq!(got, [f("userName", ErrorKind::RequiredMissing)]);
    }
    // `id` is required but readOnly: the server assigns it, so only a response must carry it.
    let mut user = json!({"schemas": [USER], "userName": "x"});
    assert_eq!(
        failures(Validator::new(&schema), &mut user, Context::Create),
        []
    );
    let got = failures(Validator::new(&schema), &mut user, Context::Response);
    assert_eq!(got, [f("id", ErrorKind::RequiredMissing)]);
}

#[test]
fn required_sub_attributes_of_present_complex_values() {
    let schema = device();
    let mut d = a_device();
    d["location"] = json!({"floor": 3});
    let got = failures(Validator::new(&schema), &mut d, Context::Create);
    assert_eq!(got, [f("location.building", ErrorKind::RequiredMissing)]);
    // Required attributes of the extension, path URN-qualified.
    let mut d = a_device();
    d[ACME] = json!({"tags": ["x"]});
    let got = failures(Validator::new(&schema), &mut d, Context::Create);
    assert_eq!(
        got,
        [f(&format!("{ACME}:assetTag"), ErrorKind::RequiredMissing)]
    );
}

#[test]
fn required_extension() {
    let schema = device();
    let mut d = json!({"schemas": [DEVICE], "serialNumber": "SN-1"});
    let got = failures(Validator::new(&schema), &mut d, Context::Create);
    assert_eq!(got, [f(ACME, ErrorKind::ExtensionRequired)]);
}

#[test]
fn types_per_rfc_7643_section_2_3() {
    let schema = device();
    let good = [
        ("ports", json!([1, 2])),
        ("weight", json!(1.5)),
        ("weight", json!(2)),
        ("online", json!(false)),
        ("seen", json!("2008-01-23T04:56:22Z")),
        ("firmware", json!("TWFu")),
        ("home", json!("https://example.com/Devices/1")),
        ("location", json!({"building": "B"})),
    ];
    for (attr, value) in good {
        let mut d = a_device();
        d[attr] = value.clone();
        Validator::new(&schema)
            .validate(&mut d, Context::Create)
            .unwrap_or_else(|e| panic!("{attr} = {value}: {e}"));
    }
    let bad = [
        ("ports", json!([1.5]), "ports[0]"),
        ("weight", json!("1.5"), "weight"),
        ("online", json!("true"), "online"),
        ("online", json!(1), "online"),
        ("seen", json!("yesterday"), "seen"),
        ("firmware", json!("not base64!"), "firmware"),
        ("home", json!(42), "home"),
        ("location", json!("B"), "location"),
        ("serialNumber", json!({"a": 1}), "serialNumber"),
    ];
    for (attr, value, path) in bad {
        let mut d = a_device();
        d[attr] = value.clone();
        let got = failures(Validator::new(&schema), &mut d, Context::Create);
        assert_eq!(got, [f(path, ErrorKind::TypeMismatch)], "{attr} = {value}");
    }
}

#[test]
fn coercion_rewrites_in_place_and_is_off_by_default() {
    let schema = device();
    let mut d = a_device();
    d["online"] = json!("TRUE");
    d["ports"] = json!(["8080", 443]);
    d["weight"] = json!("1.5");
    d["location"] = json!({"building": "B", "floor": "3"});
    let mut strict = d.clone();
    assert_eq!(
        failures(Validator::new(&schema), &mut strict, Context::Create).len(),
        4
    );
    Validator::new(&schema)
        .coerce_strings(true)
        .validate(&mut d, Context::Create)
        .unwrap();
    assert_eq!(d["online"], json!(true));
    assert_eq!(d["ports"], json!([8080, 443]));
    assert_eq!(d["weight"], json!(1.5));
    assert_eq!(d["location"]["floor"], json!(3));
    // Coercion never invents values: "yes" is not a boolean, "4.5" not an integer.
    let mut d = a_device();
    d["online"] = json!("yes");
    d["ports"] = json!(["4.5"]);
    let got = failures(
        Validator::new(&schema).coerce_strings(true),
        &mut d,
        Context::Create,
    );
    assert_eq!(
        got,
        [
            f("online", ErrorKind::TypeMismatch),
            f("ports[0]", ErrorKind::TypeMismatch)
        ]
    );
}

#[test]
fn multiplicity() {
    let schema = ResourceSchema::user();
    let mut user = json!({"schemas": [USER], "userName": ["a", "b"]});
    let got = failures(Validator::new(&schema), &mut user, Context::Create);
    // Reported once: a required attribute given a bad value is not also "missing".
    assert_eq!(got, [f("userName", ErrorKind::Multiplicity)]);
    let body = json!({"schemas": [USER], "userName": "a", "emails": {"value": "a@example.com"}});
    let mut user = body.clone();
    let got = failures(Validator::new(&schema), &mut user, Context::Create);
    assert_eq!(got, [f("emails", ErrorKind::Multiplicity)]);
    let mut user = body.clone();
    Validator::new(&schema)
        .single_value_as_list(true)
        .validate(&mut user, Context::Create)
        .unwrap();
    assert_eq!(user["emails"], json!([{"value": "a@example.com"}]));
    // A null inside an array is not a value.
    let mut user = json!({"schemas": [USER], "userName": "a", "emails": [null]});
    let got = failures(Validator::new(&schema), &mut user, Context::Create);
    assert_eq!(got, [f("emails[0]", ErrorKind::TypeMismatch)]);
}

#[test]
fn read_only_input_is_dropped_on_create_and_replace() {
    let schema = ResourceSchema::user();
    let body = json!({
        "schemas": [USER, ENTERPRISE], "id": "client-chosen", "userName": "a",
        "groups": [{"value": "g1"}], "meta": {"version": "W/\"1\""},
        ENTERPRISE: {"manager": {"value": "m1", "displayName": "Boss"}}
    });
    for ctx in [
        Context::Create,
        Context::Replace {
            existing: &json!({}),
        },
    ] {
        let mut user = body.clone();
        Validator::new(&schema).validate(&mut user, ctx).unwrap();
        assert_eq!(
            user,
            json!({"schemas": [USER, ENTERPRISE], "userName": "a", ENTERPRISE: {"manager": {"value": "m1"}}})
        );
    }
}

#[test]
fn immutable_values_may_be_set_once() {
    let schema = device();
    let existing = json!({"id": "d1", "schemas": [DEVICE, ACME], "serialNumber": "SN-1", ACME: {"assetTag": "T"}});
    // Same value (and omission, "not asserted") pass a PUT.
    let mut same = a_device();
    Validator::new(&schema)
        .validate(
            &mut same,
            Context::Replace {
                existing: &existing,
            },
        )
        .unwrap();
    // A different value (serialNumber is caseExact, so a case change is a change) fails.
    let mut changed = a_device();
    changed["serialNumber"] = json!("sn-1");
    let got = failures(
        Validator::new(&schema),
        &mut changed,
        Context::Replace {
            existing: &existing,
        },
    );
    assert_eq!(got, [f("serialNumber", ErrorKind::Mutability)]);
    // No existing value: the new one is applied.
    let unset = json!({"id": "d1", "schemas": [DEVICE]});
    let mut first = a_device();
    first["serialNumber"] = json!("SN-9");
    Validator::new(&schema)
        .validate(&mut first, Context::Replace { existing: &unset })
        .unwrap();
    // A PATCH that removes it fails too.
    let mut removed = existing.clone();
    removed.as_object_mut().unwrap().remove("serialNumber");
    let got = failures(
        Validator::new(&schema),
        &mut removed,
        Context::Patched {
            original: &existing,
        },
    );
    assert!(
        got.contains(&f("serialNumber", ErrorKind::Mutability)),
        "{got:?}"
    );
}

#[test]
fn group_member_values_are_immutable_but_members_can_change() {
    // members.value is immutable, yet a PUT adds and removes members: values of a multi-valued
    // attribute have no identity to compare, so they are not compared.
    let schema = ResourceSchema::group();
    let existing =
        json!({"schemas": [GROUP], "id": "g", "displayName": "G", "members": [{"value": "1"}]});
    let mut put = json!({"schemas": [GROUP], "displayName": "G", "members": [{"value": "2"}, {"value": "3"}]});
    Validator::new(&schema)
        .validate(
            &mut put,
            Context::Replace {
                existing: &existing,
            },
        )
        .unwrap();
}

#[test]
fn write_only_is_never_returned() {
    let schema = device();
    let mut d = a_device();
    d["id"] = json!("d1");
    d["secret"] = json!("s3cr3t");
    let mut request = d.clone();
    Validator::new(&schema)
        .validate(&mut request, Context::Create)
        .unwrap();
    let got = failures(Validator::new(&schema), &mut d, Context::Response);
    assert_eq!(got, [f("secret", ErrorKind::Mutability)]);
}

#[test]
fn canonical_values_lenient_by_default_strict_on_request_case_exact_respected() {
    let schema = ResourceSchema::user();
    let mut user =
        json!({"schemas": [USER], "userName": "a", "emails": [{"value": "a@x", "type": "pager"}]});
    Validator::new(&schema)
        .validate(&mut user.clone(), Context::Create)
        .unwrap();
    let got = failures(
        Validator::new(&schema).strict_canonical_values(true),
        &mut user,
        Context::Create,
    );
    assert_eq!(got, [f("emails[0].type", ErrorKind::CanonicalValue)]);
    // emails.type is caseExact = false: "WORK" is canonical.
    let mut user =
        json!({"schemas": [USER], "userName": "a", "emails": [{"value": "a@x", "type": "WORK"}]});
    Validator::new(&schema)
        .strict_canonical_values(true)
        .validate(&mut user, Context::Create)
        .unwrap();
    // Device status is caseExact = true: "active" is not "Active".
    let schema = device();
    let mut d = a_device();
    d["status"] = json!("active");
    let got = failures(
        Validator::new(&schema).strict_canonical_values(true),
        &mut d,
        Context::Create,
    );
    assert_eq!(got, [f("status", ErrorKind::CanonicalValue)]);
}

#[test]
fn unknown_attributes_error_or_drop() {
    let schema = ResourceSchema::user();
    let body = json!({
        "schemas": [USER, ENTERPRISE],
        "userName": "a",
        "shoeSize": 44,
        "name": {"givenName": "A", "nickname2": "x"},
        "employeeNumber": "1",
        "urn:example:unknown:2.0:User": {"x": 1},
        ENTERPRISE: {"badge": "b"}
    });
    let mut user = body.clone();
    let err = Validator::new(&schema)
        .validate(&mut user, Context::Create)
        .unwrap_err();
    let got: Vec<_> = err
        .failures()
        .iter()
        .map(|f| (f.path().to_owned(), f.kind()))
        .collect();
    assert_eq!(
        got,
        [
            f("shoeSize", ErrorKind::UnknownAttribute),
            f("name.nickname2", ErrorKind::UnknownAttribute),
            f("employeeNumber", ErrorKind::UnknownAttribute),
            f("urn:example:unknown:2.0:User", ErrorKind::UnknownAttribute),
            f(&format!("{ENTERPRISE}:badge"), ErrorKind::UnknownAttribute),
        ]
    );
    // The detail says where an extension attribute belongs.
    assert!(err.failures()[2].detail().contains(ENTERPRISE));
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));

    let mut user = body.clone();
    Validator::new(&schema)
        .unknown_attributes(UnknownAttributes::Drop)
        .validate(&mut user, Context::Create)
        .unwrap();
    assert_eq!(
        user,
        json!({"schemas": [USER, ENTERPRISE], "userName": "a", "name": {"givenName": "A"}, ENTERPRISE: {}})
    );
}

#[test]
fn schemas_rules() {
    let schema = ResourceSchema::user();
    let cases = [
        (json!({"userName": "a"}), "schemas"),
        (json!({"schemas": USER, "userName": "a"}), "schemas"),
        (json!({"schemas": [ENTERPRISE], "userName": "a"}), "schemas"),
        (
            json!({"schemas": [USER, "urn:example:nope"], "userName": "a"}),
            "schemas[1]",
        ),
        (json!({"schemas": [USER, 7], "userName": "a"}), "schemas[1]"),
        (
            json!({"schemas": [USER], "userName": "a", ENTERPRISE: {"department": "x"}}),
            "schemas",
        ),
    ];
    for (mut body, path) in cases {
        let shown = body.to_string();
        let got = failures(Validator::new(&schema), &mut body, Context::Create);
        assert_eq!(got, [f(path, ErrorKind::SchemasInvalid)], "{shown}");
    }
    // Any case, duplicates removed, canonical spelling written; the extension key too.
    let mut user = json!({
        "schemas": [USER.to_lowercase(), ENTERPRISE.to_uppercase(), USER],
        "userName": "a",
        ENTERPRISE.to_lowercase(): {"Department": "x"}
    });
    Validator::new(&schema)
        .validate(&mut user, Context::Create)
        .unwrap();
    assert_eq!(
        user,
        json!({"schemas": [USER, ENTERPRISE], "userName": "a", ENTERPRISE: {"department": "x"}})
    );
}

#[test]
fn names_given_twice_in_different_case() {
    let schema = ResourceSchema::user();
    let mut user = json!({"schemas": [USER], "userName": "a", "USERNAME": "b"});
    let got = failures(Validator::new(&schema), &mut user, Context::Create);
    assert_eq!(got, [f("userName", ErrorKind::Syntax)]);
}

#[test]
fn not_an_object() {
    let schema = ResourceSchema::user();
    for mut v in [json!([]), json!("x"), json!(null)] {
        let got = failures(Validator::new(&schema), &mut v, Context::Create);
        assert_eq!(got, [f("", ErrorKind::Syntax)]);
    }
}

#[derive(Default)]
struct Store {
    taken: Vec<(&'static str, &'static str, Option<&'static str>)>,
    asked: RefCell<Vec<(String, Value, Option<String>)>>,
}

impl UniquenessCheck for Store {
    fn is_taken(&self, attr: &Resolved<'_>, value: &Value, resource_id: Option<&str>) -> bool {
        self.asked.borrow_mut().push((
            attr.to_string(),
            value.clone(),
            resource_id.map(str::to_owned),
        ));
        self.taken.iter().any(|(a, v, owner)| {
            attr.to_string() == *a && value.as_str() == Some(v) && *owner != resource_id
        })
    }
}

#[test]
fn uniqueness_hook_after_structural_checks() {
    let schema = ResourceSchema::user();
    let store = Store {
        taken: vec![("userName", "bjensen", Some("u1"))],
        ..Store::default()
    };
    let mut user = json!({"schemas": [USER], "userName": "bjensen"});
    let err = Validator::new(&schema)
        .uniqueness(&store)
        .validate(&mut user, Context::Create)
        .unwrap_err();
    assert_eq!(err.failures()[0].path(), "userName");
    assert_eq!(err.kind(), ErrorKind::Uniqueness);
    assert_eq!(err.status(), http::StatusCode::CONFLICT);
    assert_eq!(err.scim_type(), Some(ScimType::Uniqueness));
    assert_eq!(
        store.asked.borrow()[0],
        ("userName".into(), json!("bjensen"), None)
    );

    // The resource being replaced is excluded by its id.
    let existing = json!({"id": "u1", "schemas": [USER], "userName": "bjensen"});
    let mut put = json!({"schemas": [USER], "userName": "bjensen", "id": "u1"});
    Validator::new(&schema)
        .uniqueness(&store)
        .validate(
            &mut put,
            Context::Replace {
                existing: &existing,
            },
        )
        .unwrap();
    assert_eq!(store.asked.borrow()[1].2.as_deref(), Some("u1"));

    // Not asked at all while anything else is wrong.
    store.asked.borrow_mut().clear();
    let mut bad = json!({"schemas": [USER], "userName": "bjensen", "active": 3});
    let got = failures(
        Validator::new(&schema).uniqueness(&store),
        &mut bad,
        Context::Create,
    );
    assert_eq!(got, [f("active", ErrorKind::TypeMismatch)]);
    assert!(store.asked.borrow().is_empty());
}

#[test]
fn uniqueness_of_a_custom_immutable_attribute() {
    let schema = device();
    let store = Store {
        taken: vec![("serialNumber", "SN-1", Some("other"))],
        ..Store::default()
    };
    let mut d = a_device();
    let got = failures(
        Validator::new(&schema).uniqueness(&store),
        &mut d,
        Context::Create,
    );
    assert_eq!(got, [f("serialNumber", ErrorKind::Uniqueness)]);
}

#[test]
fn all_failures_are_collected_in_document_order() {
    let schema = ResourceSchema::user();
    let mut user = json!({
        "schemas": [USER],
        "active": "yes",
        "emails": [
            {"value": 1, "primary": true},
            {"value": "b@x", "primary": true}
        ],
        "name": "Barbara",
        "timezone": ["UTC"],
        "x509Certificates": [{"value": "%%%"}],
        ENTERPRISE: {"manager": {"value": 5}}
    });
    let original = user.clone();
    let err = Validator::new(&schema)
        .validate(&mut user, Context::Create)
        .unwrap_err();
    let got: Vec<_> = err
        .failures()
        .iter()
        .map(|f| (f.path().to_owned(), f.kind()))
        .collect();
    assert_eq!(
        got,
        [
            f("active", ErrorKind::TypeMismatch),
            f("emails[0].value", ErrorKind::TypeMismatch),
            f("emails", ErrorKind::PrimaryNotUnique),
            f("name", ErrorKind::TypeMismatch),
            f("timezone", ErrorKind::Multiplicity),
            f("x509Certificates[0].value", ErrorKind::TypeMismatch),
            f(
                &format!("{ENTERPRISE}:manager.value"),
                ErrorKind::TypeMismatch
            ),
            f("userName", ErrorKind::RequiredMissing),
            f("schemas", ErrorKind::SchemasInvalid),
        ]
    );
    assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    assert!(err
        .to_string()
        .contains("`emails[0].value`: expected a string"));
    assert_eq!(user, original, "a failed validation changes nothing");
}

// ---------------------------------------------------------------- limits and hostile input

fn assert_limit(mut v: Value) {
    let schema = ResourceSchema::user();
    let start = Instant::now();
    let err = Validator::new(&schema)
        .validate(&mut v, Context::Create)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(err.failures().len(), 1);
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // Dismantle iteratively: dropping a 10 000-deep value recursively is the test's risk, not
    // the validator's.
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

#[test]
fn ten_megabyte_string_is_a_limit_error() {
    assert_limit(json!({"schemas": [USER], "userName": "x".repeat(10 << 20)}));
}

#[test]
fn ten_megabytes_of_emails_is_a_limit_error() {
    let emails: Vec<Value> = (0..200_000)
        .map(|i| json!({"value": format!("user{i:08}@example.com"), "type": "work"}))
        .collect();
    assert_limit(json!({"schemas": [USER], "userName": "x", "emails": emails}));
}

#[test]
fn ten_thousand_deep_nesting_is_a_limit_error() {
    // Built by hand: `json!` would serialise (recursively) an interpolated value.
    let mut deep = json!("bottom");
    for _ in 0..10_000 {
        let mut m = serde_json::Map::new();
        m.insert("a".to_owned(), deep);
        deep = Value::Object(m);
    }
    let mut user = json!({"schemas": [USER], "userName": "x"});
    user.as_object_mut()
        .unwrap()
        .insert("name".to_owned(), deep);
    assert_limit(user);
    let mut deep = json!(1);
    for _ in 0..10_000 {
        deep = Value::Array(vec![deep]);
    }
    assert_limit(deep);
}

#[test]
fn limits_are_configurable() {
    let schema = ResourceSchema::user();
    let mut limits = Limits::default();
    limits.max_string_len = 8;
    let mut user = json!({"schemas": ["x"], "userName": "123456789"});
    let err = Validator::new(&schema)
        .limits(limits)
        .validate(&mut user, Context::Create)
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.failures()[0].path()),
        (ErrorKind::LimitExceeded, "userName")
    );
}

/// Arbitrary JSON, shallow enough to be built and dropped recursively in a test.
fn arb_json() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "schemas",
        "id",
        "userName",
        "USERNAME",
        "name",
        "givenName",
        "emails",
        "value",
        "primary",
        "type",
        "meta",
        "active",
        "groups",
        "x509Certificates",
        "password",
        "manager",
        ENTERPRISE,
        USER,
        "members",
        "display",
        "$ref",
        "foo",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("True".to_owned()),
            Just("42".to_owned()),
            Just("2008-01-23T04:56:22Z".to_owned()),
            Just(USER.to_owned()),
            Just(ENTERPRISE.to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..8).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn validation_never_panics(v in arb_json(), existing in arb_json(), coerce: bool, drop: bool) {
        let user = ResourceSchema::user();
        let group = ResourceSchema::group();
        let store = Store::default();
        for schema in [&user, &group] {
            let validator = Validator::new(schema)
                .coerce_strings(coerce)
                .single_value_as_list(coerce)
                .primary_conflict(if drop { PrimaryConflict::KeepFirst } else { PrimaryConflict::Error })
                .unknown_attributes(if drop { UnknownAttributes::Drop } else { UnknownAttributes::Error })
                .uniqueness(&store);
            for ctx in [
                Context::Create,
                Context::Replace { existing: &existing },
                Context::Patched { original: &existing },
                Context::Response,
            ] {
                let mut input = v.clone();
                match validator.validate(&mut input, ctx) {
                    Ok(()) => {
                        // What passes once passes again unchanged (validation is idempotent).
                        let mut again = input.clone();
                        prop_assert!(validator.validate(&mut again, ctx).is_ok());
                        prop_assert_eq!(again, input);
                    }
                    Err(e) => {
                        prop_assert!(!e.failures().is_empty());
                        prop_assert_eq!(&input, &v);
                    }
                }
            }
        }
    }
}

/// RFC 7643 §2.4: a value of a multi-valued attribute has no identity to compare an earlier value
/// with, so the readOnly sub-attributes of the RFC 7643 §8.2 user's `groups` values are no change
/// in a PATCH result; `groups` as a whole still cannot change.
#[test]
fn patched_read_only_multi_valued_values_compare_as_a_whole() {
    let schema = ResourceSchema::user();
    let original = rfc("8.2-full-user.json");
    let mut patched = original.clone();
    patched["nickName"] = json!("Barbie");
    Validator::new(&schema)
        .validate(
            &mut patched,
            Context::Patched {
                original: &original,
            },
        )
        .unwrap();
    let mut patched = original.clone();
    patched["groups"][0]["display"] = json!("Other");
    assert_eq!(
        failures(
            Validator::new(&schema),
            &mut patched,
            Context::Patched {
                original: &original
            }
        ),
        [f("groups", ErrorKind::Mutability)]
    );
}
