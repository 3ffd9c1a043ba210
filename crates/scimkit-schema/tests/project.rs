//! Projection (RFC 7644 §3.4.2.5, §3.9) with RFC 7643 §8 resources.

use scimkit_schema::project::{project, Projection};
use scimkit_schema::{
    Attribute, AttributeType, ErrorKind, ResourceSchema, Returned, Schema, ScimType,
};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const DEVICE: &str = "urn:example:scim:schemas:2.0:Device";
const ACME: &str = "urn:example:scim:schemas:extension:acme:2.0:Device";

fn rfc(file: &str) -> Value {
    let path = format!("{}/tests/rfc/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

/// One attribute per `returned` value, at the top level, as sub-attributes and in an extension.
fn device() -> ResourceSchema {
    let core = Schema::new(DEVICE, "Device")
        .with_attribute(
            Attribute::new("serial", AttributeType::String).with_returned(Returned::Always),
        )
        .with_attribute(Attribute::new("model", AttributeType::String))
        .with_attribute(
            Attribute::new("diagnostics", AttributeType::String).with_returned(Returned::Request),
        )
        .with_attribute(Attribute::new("pin", AttributeType::String).with_returned(Returned::Never))
        .with_attribute(Attribute::complex(
            "radio",
            [
                Attribute::new("mac", AttributeType::String).with_returned(Returned::Always),
                Attribute::new("band", AttributeType::String),
                Attribute::new("noise", AttributeType::Decimal).with_returned(Returned::Request),
                Attribute::new("key", AttributeType::String).with_returned(Returned::Never),
            ],
        ));
    let ext = Schema::new(ACME, "AcmeDevice")
        .with_attribute(Attribute::new("assetTag", AttributeType::String))
        .with_attribute(
            Attribute::new("audit", AttributeType::String).with_returned(Returned::Request),
        );
    ResourceSchema::builder("Device", "/Devices", core)
        .extension(ext, false)
        .build()
        .unwrap()
}

fn a_device() -> Value {
    json!({
        "schemas": [DEVICE, ACME],
        "id": "d1",
        "serial": "SN-1",
        "model": "X1",
        "diagnostics": "all good",
        "pin": "1234",
        "radio": {"mac": "00:11", "band": "5GHz", "noise": -90.5, "key": "k"},
        ACME: {"assetTag": "T-1", "audit": "2024"},
        "meta": {"resourceType": "Device", "version": "W/\"1\""}
    })
}

fn run(p: Projection, v: &Value) -> Value {
    let schema = device();
    let out = project(&schema, v, &p).unwrap();
    // The in-place form gives the same result.
    let mut in_place = v.clone();
    p.compile(&schema).unwrap().project_in_place(&mut in_place);
    assert_eq!(in_place, out);
    out
}

#[test]
fn no_parameter_returns_always_and_default() {
    let out = run(Projection::new(), &a_device());
    assert_eq!(
        out,
        json!({
            "schemas": [DEVICE, ACME],
            "id": "d1",
            "serial": "SN-1",
            "model": "X1",
            "radio": {"mac": "00:11", "band": "5GHz"},
            ACME: {"assetTag": "T-1"},
            "meta": {"resourceType": "Device", "version": "W/\"1\""}
        })
    );
}

#[test]
fn attributes_returns_the_listed_and_always_ones() {
    let out = run(Projection::attributes(["model"]), &a_device());
    assert_eq!(
        out,
        json!({"schemas": [DEVICE, ACME], "id": "d1", "serial": "SN-1", "model": "X1"})
    );
}

#[test]
fn request_attributes_only_when_listed() {
    let out = run(
        Projection::attributes(["diagnostics", "radio.noise"]),
        &a_device(),
    );
    assert_eq!(out["diagnostics"], json!("all good"));
    // The listed sub-attribute plus the `always` one.
    assert_eq!(out["radio"], json!({"mac": "00:11", "noise": -90.5}));
    let out = run(Projection::excluded_attributes(["model"]), &a_device());
    assert_eq!(out.get("diagnostics"), None);
}

#[test]
fn never_is_never_returned_even_when_listed() {
    let out = run(
        Projection::attributes(["pin", "radio.key", "radio"]),
        &a_device(),
    );
    assert_eq!(out.get("pin"), None);
    assert_eq!(
        out["radio"],
        json!({"mac": "00:11", "band": "5GHz", "noise": -90.5})
    );
}

#[test]
fn always_cannot_be_excluded() {
    let out = run(
        Projection::excluded_attributes(["id", "serial", "schemas", "radio.mac", "radio.band"]),
        &a_device(),
    );
    assert_eq!(out["id"], json!("d1"));
    assert_eq!(out["serial"], json!("SN-1"));
    assert_eq!(out["radio"], json!({"mac": "00:11"}));
}

#[test]
fn extensions_addressable_by_urn_and_by_attribute() {
    // The whole extension: its default and request attributes.
    let out = run(Projection::attributes([ACME]), &a_device());
    assert_eq!(out[ACME], json!({"assetTag": "T-1", "audit": "2024"}));
    assert_eq!(out.get("model"), None);
    // One extension attribute, URN-qualified.
    let out = run(
        Projection::attributes([format!("{ACME}:audit")]),
        &a_device(),
    );
    assert_eq!(out[ACME], json!({"audit": "2024"}));
    // Excluding the extension drops its key.
    let out = run(Projection::excluded_attributes([ACME]), &a_device());
    assert_eq!(out.get(ACME), None);
    // An extension left empty is dropped.
    let out = run(
        Projection::excluded_attributes([format!("{ACME}:assetTag")]),
        &a_device(),
    );
    assert_eq!(out.get(ACME), None);
}

#[test]
fn names_match_in_any_case_and_output_is_canonical() {
    let mut d = a_device();
    let radio = d.as_object_mut().unwrap().remove("radio").unwrap();
    d["RADIO"] = json!({"MAC": radio["mac"], "Band": radio["band"]});
    let ext = d.as_object_mut().unwrap().remove(ACME).unwrap();
    d[ACME.to_uppercase()] = ext;
    let out = run(
        Projection::attributes(["RADIO.band", &format!("{}:ASSETTAG", ACME.to_lowercase())]),
        &d,
    );
    assert_eq!(out["radio"], json!({"mac": "00:11", "band": "5GHz"}));
    assert_eq!(out[ACME], json!({"assetTag": "T-1"}));
    assert_eq!(keys(&out), ["schemas", "id", "serial", "radio", ACME]);
}

#[test]
fn unknown_names_fail_unless_ignored() {
    let schema = device();
    let err = Projection::attributes([
        "model",
        "colour",
        "radio.power",
        "urn:example:nope:Device:x",
    ])
    .compile(&schema)
    .unwrap_err();
    let got: Vec<_> = err
        .failures()
        .iter()
        .map(|f| (f.path(), f.kind()))
        .collect();
    assert_eq!(
        got,
        [
            ("colour", ErrorKind::UnknownAttribute),
            ("radio.power", ErrorKind::UnknownAttribute),
            ("urn:example:nope:Device:x", ErrorKind::UnknownAttribute),
        ]
    );
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    let p = Projection::attributes(["model", "colour"]).ignore_unknown(true);
    let out = project(&schema, &a_device(), &p).unwrap();
    assert_eq!(out["model"], json!("X1"));
}

#[test]
fn members_unknown_to_the_schema() {
    let mut d = a_device();
    d["vendorData"] = json!({"x": 1});
    d["radio"]["firmware"] = json!("1.2");
    // Kept without a list or with an excluded list (projection is not validation) ...
    let out = run(Projection::new(), &d);
    assert_eq!(out["vendorData"], json!({"x": 1}));
    assert_eq!(out["radio"]["firmware"], json!("1.2"));
    // ... left out when an `attributes` list says what to return.
    let out = run(Projection::attributes(["radio.band"]), &d);
    assert_eq!(out.get("vendorData"), None);
    assert_eq!(out["radio"], json!({"mac": "00:11", "band": "5GHz"}));
}

// ---------------------------------------------------------------- RFC 7643 §8 resources

#[test]
fn rfc_8_3_enterprise_user_default_drops_only_the_password() {
    let schema = ResourceSchema::user();
    let user = rfc("8.3-enterprise-user.json");
    let out = project(&schema, &user, &Projection::new()).unwrap();
    let mut expected = user.clone();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(out, expected);
}

#[test]
fn rfc_8_2_user_with_sub_attributes_of_multi_valued_attributes() {
    let schema = ResourceSchema::user();
    let user = rfc("8.2-full-user.json");
    let p = Projection::attributes([
        "userName",
        "name.familyName",
        "emails.value",
        "groups.display",
    ]);
    let out = project(&schema, &user, &p).unwrap();
    assert_eq!(
        out,
        json!({
            "schemas": [USER],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "bjensen@example.com",
            "name": {"familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}],
            "groups": [{"display": "Tour Guides"}, {"display": "Employees"}, {"display": "US Employees"}]
        })
    );
}

#[test]
fn rfc_8_3_extension_attribute_and_sub_attribute() {
    let schema = ResourceSchema::user();
    let user = rfc("8.3-enterprise-user.json");
    let p = Projection::attributes([
        format!("{ENTERPRISE}:manager.value"),
        format!("{USER}:userName"),
    ]);
    let out = project(&schema, &user, &p).unwrap();
    assert_eq!(keys(&out), ["schemas", "id", "userName", ENTERPRISE]);
    assert_eq!(
        out[ENTERPRISE],
        json!({"manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}})
    );
    let p = Projection::excluded_attributes([ENTERPRISE, "emails", "meta", "name.givenName"]);
    let out = project(&schema, &user, &p).unwrap();
    assert_eq!(out.get(ENTERPRISE), None);
    assert_eq!(out.get("emails"), None);
    assert_eq!(out.get("meta"), None);
    assert_eq!(out["name"].get("givenName"), None);
    assert_eq!(out["name"]["familyName"], json!("Jensen"));
}

#[test]
fn rfc_8_4_group_members_excluded() {
    let schema = ResourceSchema::group();
    let group = rfc("8.4-group.json");
    let out = project(
        &schema,
        &group,
        &Projection::excluded_attributes(["members"]),
    )
    .unwrap();
    assert_eq!(keys(&out), ["schemas", "id", "displayName", "meta"]);
}

#[test]
fn projecting_a_deeply_nested_unknown_member_does_not_overflow() {
    let schema = device();
    let mut deep = json!(0);
    for _ in 0..20_000 {
        deep = Value::Array(vec![deep]);
    }
    let mut d = a_device();
    d.as_object_mut().unwrap().insert("blob".to_owned(), deep);
    let out = project(&schema, &d, &Projection::new()).unwrap();
    // Take both apart without recursion.
    let mut stack = vec![out, d];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

#[test]
fn a_non_object_is_returned_as_it_is() {
    let schema = device();
    let p = Projection::new().compile(&schema).unwrap();
    assert_eq!(p.project(&json!([1, 2])), json!([1, 2]));
    let mut v = json!("x");
    p.project_in_place(&mut v);
    assert_eq!(v, json!("x"));
}
