//! Every PATCH example of RFC 7644 §3.5.2, applied without and with a schema.

mod common;

use common::*;
use scimkit_schema::ResourceSchema;
use serde_json::{json, Value};

const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
const MANDY: &str = "902c246b-6245-4190-8e05-00816be7344a";
const JAMES: &str = "08e1d05d-121c-4561-8b96-473d93df9210";

fn member(id: &str, display: &str) -> Value {
    json!({"display": display, "$ref": format!("https://example.com/v2/Users/{id}"), "value": id})
}

fn member_ids(g: &Value) -> Vec<&str> {
    g["members"]
        .as_array()
        .map(|a| a.iter().map(|m| m["value"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// §3.5.2: the request message itself, with every op kind.
#[test]
fn the_patch_op_message() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "add", "path": "members", "value": [member(JAMES, "James Smith")]},
            {"op": "remove", "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"},
            {"op": "replace", "path": "displayName", "value": "Tour Leaders"}
        ]
    });
    let req: scimkit_patch::PatchRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(serde_json::to_value(&req).unwrap(), body);
    let mut g = group();
    assert!(scimkit_patch::apply(&mut g, &req.operations).unwrap());
    assert_eq!(member_ids(&g), [MANDY, JAMES]);
    assert_eq!(g["displayName"], json!("Tour Leaders"));
}

/// §3.5.2.1: "add a member to a group".
#[test]
fn add_member() {
    let ops = json!([{"op": "add", "path": "members", "value": [member(JAMES, "James Smith")]}]);
    let mut g = group();
    assert!(run(&schemaless(), &mut g, ops.clone()).unwrap());
    assert_eq!(member_ids(&g), [BABS, MANDY, JAMES]);
    // Adding it again changes nothing: "no changes SHOULD be made ... SHALL NOT change the
    // modify timestamp".
    assert!(!run(&schemaless(), &mut g, ops).unwrap());
    assert_eq!(member_ids(&g).len(), 3);
}

/// §3.5.2.1 with the Group schema.
#[test]
fn add_member_schema_aware() {
    let schema = ResourceSchema::group();
    let mut g = schema_group();
    let ops = json!([{"op": "add", "path": "members", "value": [{"value": JAMES, "$ref": format!("https://example.com/v2/Users/{JAMES}")}]}]);
    assert!(run(&strict(&schema), &mut g, ops).unwrap());
    assert_eq!(member_ids(&g), [BABS, MANDY, JAMES]);
}

/// §3.5.2.1: add without a path: an email is appended and the nickname set (the RFC writes
/// `nickname`; names are case-insensitive and the schema spells it `nickName`).
#[test]
fn add_without_path() {
    let ops = json!([{"op": "add", "value": {
        "emails": [{"value": "babs@jensen.org", "type": "home"}], "nickname": "Babs"}}]);
    // The RFC's example user already has that home email: nothing to add there.
    let mut u = user();
    u["emails"] = json!([{"value": "bjensen@example.com", "type": "work", "primary": true}]);
    u.as_object_mut().unwrap().remove("nickName");
    let schema = ResourceSchema::user();
    let mut with_schema = u.clone();
    assert!(run(&schemaless(), &mut u, ops.clone()).unwrap());
    assert_eq!(
        u["emails"][1],
        json!({"value": "babs@jensen.org", "type": "home"})
    );
    assert_eq!(u["nickname"], json!("Babs"));
    assert!(run(&strict(&schema), &mut with_schema, ops).unwrap());
    assert_eq!(with_schema["nickName"], json!("Babs"), "canonical name");
    assert_eq!(with_schema["emails"].as_array().unwrap().len(), 2);
}

/// §3.5.2.2: remove all members.
#[test]
fn remove_all_members() {
    let mut g = group();
    assert!(run(
        &schemaless(),
        &mut g,
        json!([{"op": "remove", "path": "members"}])
    )
    .unwrap());
    assert!(g.get("members").is_none());
}

/// §3.5.2.2: remove a single member.
#[test]
fn remove_single_member() {
    let ops = json!([{"op": "remove", "path": format!("members[value eq \"{BABS}\"]")}]);
    for schema in [None, Some(ResourceSchema::group())] {
        let (mut g, patcher) = match &schema {
            Some(s) => (schema_group(), strict(s)),
            None => (group(), schemaless()),
        };
        assert!(run(&patcher, &mut g, ops.clone()).unwrap());
        assert_eq!(member_ids(&g), [MANDY]);
        // Already gone: no change, no error.
        assert!(!run(&patcher, &mut g, ops.clone()).unwrap());
    }
}

/// §3.5.2.2: remove all work emails ending in example.com.
#[test]
fn remove_by_complex_filter() {
    let mut u = user();
    let ops =
        json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]);
    assert!(run(&strict(&ResourceSchema::user()), &mut u, ops).unwrap());
    assert_eq!(
        u["emails"],
        json!([{"value": "babs@jensen.org", "type": "home"}])
    );
}

/// §3.5.2.2: remove multiple members.
#[test]
fn remove_multiple_members() {
    let mut g = group();
    let ops = json!([
        {"op": "remove", "path": format!("members[value eq \"{BABS}\"]")},
        {"op": "remove", "path": format!("members[value eq \"{MANDY}\"]")}
    ]);
    assert!(run(&schemaless(), &mut g, ops).unwrap());
    // "If no other values remain ... the multi-valued attribute SHALL be considered unassigned."
    assert!(g.get("members").is_none());
}

/// §3.5.2.2: replace all members by removing them and adding a new set.
#[test]
fn remove_then_add_members() {
    let mut g = group();
    let ops = json!([
        {"op": "remove", "path": "members"},
        {"op": "add", "path": "members", "value": [member(JAMES, "James Smith"), member(BABS, "Babs Jensen")]}
    ]);
    assert!(run(&schemaless(), &mut g, ops).unwrap());
    assert_eq!(member_ids(&g), [JAMES, BABS]);
}

/// §3.5.2.3: replace all members.
#[test]
fn replace_members() {
    let mut g = group();
    let ops = json!([{"op": "replace", "path": "members",
        "value": [member(BABS, "Babs Jensen"), member(JAMES, "James Smith")]}]);
    assert!(run(&schemaless(), &mut g, ops).unwrap());
    assert_eq!(member_ids(&g), [BABS, JAMES]);
}

/// §3.5.2.3: replace the work address.
#[test]
fn replace_work_address() {
    let mut u = user();
    let value = json!({"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood",
        "region": "CA", "postalCode": "91608", "country": "US",
        "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true});
    let ops = json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": value}]);
    assert!(run(&schemaless(), &mut u, ops.clone()).unwrap());
    assert_eq!(u["addresses"][0], value);
    assert_eq!(u["addresses"][1]["type"], json!("home"));
    // With the schema (scimkit's User has `addresses.primary`, RFC 7643 §4.1.2).
    let schema = ResourceSchema::user();
    let mut u = user();
    assert!(run(&strict(&schema), &mut u, ops).unwrap());
    assert_eq!(
        u["addresses"][0]["streetAddress"],
        json!("911 Universal City Plaza")
    );
    assert_eq!(u["addresses"][0]["primary"], json!(true));
}

/// §3.5.2.3: replace a sub-attribute of the work address.
#[test]
fn replace_street_address() {
    let ops = json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}]);
    let schema = ResourceSchema::user();
    let mut u = user();
    assert!(run(&strict(&schema), &mut u, ops).unwrap());
    assert_eq!(
        u["addresses"][0]["streetAddress"],
        json!("1010 Broadway Ave")
    );
    assert_eq!(
        u["addresses"][1]["streetAddress"],
        json!("456 Hollywood Blvd")
    );
}

/// §3.5.2.3: replace several attributes without a path.
#[test]
fn replace_without_path() {
    let ops = json!([{"op": "replace", "value": {
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}],
        "nickname": "Babs"}}]);
    let schema = ResourceSchema::user();
    let mut u = user();
    u["emails"] = json!([{"value": "old@example.com", "type": "other"}]);
    u["nickName"] = json!("Barb");
    assert!(run(&strict(&schema), &mut u, ops).unwrap());
    assert_eq!(u["emails"].as_array().unwrap().len(), 2);
    assert_eq!(u["nickName"], json!("Babs"));
}

/// §3.5.2: "a PATCH operation that sets a value's "primary" sub-attribute to "true" SHALL cause
/// the server to automatically set "primary" to "false" for any other values in the array".
#[test]
fn primary_moves() {
    let schema = ResourceSchema::user();
    let mut u = user();
    let ops = json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]);
    assert!(run(&strict(&schema), &mut u, ops).unwrap());
    assert_eq!(u["emails"][0]["primary"], json!(false));
    assert_eq!(u["emails"][1]["primary"], json!(true));
}

/// §3.5.2.3: "If the target location path specifies an attribute that does not exist, the
/// service provider SHALL treat the operation as an "add"".
#[test]
fn replace_missing_is_add() {
    let schema = ResourceSchema::user();
    let mut u = user();
    assert!(run(
        &strict(&schema),
        &mut u,
        json!([{"op": "replace", "path": "title", "value": "Tour Guide"}])
    )
    .unwrap());
    assert_eq!(u["title"], json!("Tour Guide"));
    assert!(run(
        &strict(&schema),
        &mut u,
        json!([{"op": "replace", "path": "name.honorificSuffix", "value": "III"}])
    )
    .unwrap());
    assert_eq!(u["name"]["honorificSuffix"], json!("III"));
    assert_eq!(
        u["name"]["givenName"],
        json!("Barbara"),
        "other sub-attributes are left unchanged"
    );
}

/// Extension attributes: the URN joins `schemas` with the first attribute and leaves with the last.
#[test]
fn extension_urn_in_schemas() {
    let schema = ResourceSchema::user();
    for patcher in [strict(&schema), schemaless()] {
        let mut u = user();
        let path = format!("{ENTERPRISE}:employeeNumber");
        assert!(run(
            &patcher,
            &mut u,
            json!([{"op": "add", "path": path, "value": "701984"}])
        )
        .unwrap());
        assert_eq!(u[ENTERPRISE], json!({"employeeNumber": "701984"}));
        assert_eq!(u["schemas"][1], json!(ENTERPRISE));
        assert!(run(&patcher, &mut u, json!([{"op": "add", "path": format!("{ENTERPRISE}:manager.value"), "value": "26118915"}])).unwrap());
        assert_eq!(u[ENTERPRISE]["manager"], json!({"value": "26118915"}));
        assert!(run(&patcher, &mut u, json!([{"op": "remove", "path": path}, {"op": "remove", "path": format!("{ENTERPRISE}:manager")}])).unwrap());
        assert!(u.get(ENTERPRISE).is_none());
        assert_eq!(
            u["schemas"],
            json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
        );
    }
}

/// A whole extension object as the path, and as a key of a no-path value.
#[test]
fn whole_extension() {
    let schema = ResourceSchema::user();
    for patcher in [strict(&schema), schemaless()] {
        let mut u = user();
        assert!(run(
            &patcher,
            &mut u,
            json!([{"op": "add", "path": ENTERPRISE, "value": {"department": "Tour Operations"}}])
        )
        .unwrap());
        assert_eq!(u[ENTERPRISE]["department"], json!("Tour Operations"));
        assert!(run(
            &patcher,
            &mut u,
            json!([{"op": "replace", "value": {ENTERPRISE: {"costCenter": "4130"}}}])
        )
        .unwrap());
        assert_eq!(
            u[ENTERPRISE],
            json!({"department": "Tour Operations", "costCenter": "4130"})
        );
        assert!(run(
            &patcher,
            &mut u,
            json!([{"op": "remove", "path": ENTERPRISE}])
        )
        .unwrap());
        assert!(u.get(ENTERPRISE).is_none());
        assert_eq!(u["schemas"].as_array().unwrap().len(), 1);
    }
}

/// Core-schema-qualified paths are top-level attributes.
#[test]
fn core_urn_paths() {
    let schema = ResourceSchema::user();
    for patcher in [strict(&schema), schemaless()] {
        let mut u = user();
        let ops = json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName", "value": "Jensen-Smith"}]);
        assert!(run(&patcher, &mut u, ops).unwrap());
        assert_eq!(u["name"]["familyName"], json!("Jensen-Smith"));
    }
}
