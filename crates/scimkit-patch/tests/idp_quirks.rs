//! Every PATCH row of docs/idp-compatibility.md, with the row's payload shape: accepted under
//! `Interop::idp_compatible()`, and (where the RFC disagrees) refused under `Interop::strict()`
//! with the resource untouched.

mod common;

use common::*;
use scimkit_patch::{Interop, Limits, PatchOperation, PatchRequest, Patcher};
use scimkit_schema::ResourceSchema;
use serde_json::{json, Value};

fn scim_type(e: scimkit_patch::Error) -> &'static str {
    e.scim_type().as_str()
}

/// `op` capitalised by Entra's default job.
#[test]
fn entra_op_any_case() {
    let schema = ResourceSchema::group();
    let ops = json!([{"op": "Replace", "path": "displayName", "value": "Pvlo"}]);
    let mut g = schema_group();
    assert_eq!(
        scim_type(run(&strict(&schema), &mut g, ops.clone()).unwrap_err()),
        "invalidSyntax"
    );
    assert!(run(&idp(&schema), &mut g, ops).unwrap());
    assert_eq!(g["displayName"], json!("Pvlo"));
    let only = Patcher::new(&schema).interop(Interop::strict().op_any_case(true));
    assert!(run(
        &only,
        &mut g,
        json!([{"op": "ADD", "path": "displayName", "value": "x"}])
    )
    .unwrap());
}

/// `active` as the string `"False"` (and `"false"`).
#[test]
fn entra_string_booleans() {
    let schema = ResourceSchema::user();
    for s in ["False", "false", "FALSE"] {
        let ops = json!([{"op": "Replace", "path": "active", "value": s}]);
        let mut u = user();
        assert_eq!(
            scim_type(
                run(
                    &strict(&schema).interop(Interop::strict().op_any_case(true)),
                    &mut u,
                    ops.clone()
                )
                .unwrap_err()
            ),
            "invalidValue"
        );
        assert!(run(&idp(&schema), &mut u, ops).unwrap());
        assert_eq!(u["active"], json!(false));
    }
    // Without a schema the current boolean value guides the reading.
    let mut u = user();
    let p = Patcher::schemaless().interop(Interop::idp_compatible());
    assert!(run(
        &p,
        &mut u,
        json!([{"op": "Replace", "path": "active", "value": "False"}])
    )
    .unwrap());
    assert_eq!(u["active"], json!(false));
}

/// Entra's default job removes a member with a `value` list; the flag sends a filter.
#[test]
fn entra_remove_members_with_value() {
    let schema = ResourceSchema::group();
    let mut g = schema_group();
    g["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "u1091"}));
    let ops = json!([{"op": "Remove", "path": "members", "value": [{"value": "u1091"}]}]);
    let lower = json!([{"op": "remove", "path": "members", "value": [{"value": "u1091"}]}]);
    assert_eq!(
        scim_type(run(&strict(&schema), &mut g, lower).unwrap_err()),
        "invalidSyntax"
    );
    assert_eq!(
        g["members"].as_array().unwrap().len(),
        3,
        "strict must not remove every member"
    );
    assert!(run(&idp(&schema), &mut g, ops).unwrap());
    let ids: Vec<_> = g["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].clone())
        .collect();
    assert_eq!(
        ids,
        [
            json!("2819c223-7f76-453a-919d-413861904646"),
            json!("902c246b-6245-4190-8e05-00816be7344a")
        ]
    );
    // With aadOptscim062020: a filtered path, no value (RFC 7644, so strict accepts it).
    let flag = json!([{"op": "remove", "path": "members[value eq \"902c246b-6245-4190-8e05-00816be7344a\"]"}]);
    assert!(run(&strict(&schema), &mut g, flag).unwrap());
    assert_eq!(g["members"].as_array().unwrap().len(), 1);
}

/// JumpCloud's Entra-like member removal.
#[test]
fn j2_jumpcloud_remove_with_value() {
    let schema = ResourceSchema::group();
    let mut g = schema_group();
    g["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "uid"}));
    let ops = json!([{"op": "remove", "path": "members", "value": [{"value": "uid"}]}]);
    assert!(run(&idp(&schema), &mut g, ops.clone()).unwrap());
    assert_eq!(g["members"].as_array().unwrap().len(), 2);
    // Removing an absent member changes nothing.
    assert!(!run(&idp(&schema), &mut g, ops).unwrap());
}

/// with the flag, several replaces folded into one no-path op with dotted and URN keys.
#[test]
fn entra_no_path_attribute_paths() {
    let schema = ResourceSchema::user();
    let ops = json!([{"op": "replace", "value": {
        "displayName": "Bjfe", "name.givenName": "Kkom",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"}}]);
    let mut u = user();
    let e = run(&strict(&schema), &mut u, ops.clone()).unwrap_err();
    assert_eq!(scim_type(e.clone()), "invalidPath");
    assert_eq!(e.path(), Some("name.givenName"));
    assert!(run(&idp(&schema), &mut u, ops.clone()).unwrap());
    assert_eq!(u["displayName"], json!("Bjfe"));
    assert_eq!(u["name"]["givenName"], json!("Kkom"));
    assert_eq!(u["name"]["familyName"], json!("Jensen"));
    assert_eq!(u[ENTERPRISE]["employeeNumber"], json!("Aklq"));
    assert_eq!(u["schemas"][1], json!(ENTERPRISE));
    // Microsoft Q&A 1435791: `name.formatted`, `name.familyName` keys.
    let mut u = user();
    let p = Patcher::schemaless().interop(Interop::idp_compatible());
    assert!(run(
        &p,
        &mut u,
        json!([{"op": "replace", "value": {"name.formatted": "F", "name.familyName": "G"}}])
    )
    .unwrap());
    assert_eq!(u["name"]["formatted"], json!("F"));
    assert_eq!(u["name"]["familyName"], json!("G"));
}

/// without the flag, one op per attribute, with a value-filtered and a URN path.
#[test]
fn entra_one_op_per_attribute() {
    let schema = ResourceSchema::user();
    let ops = json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x@y"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"}
    ]);
    let mut u = user();
    assert!(run(&idp(&schema), &mut u, ops).unwrap());
    assert_eq!(u["emails"][0]["value"], json!("x@y"));
    assert_eq!(u["emails"][1]["value"], json!("babs@jensen.org"));
    assert_eq!(u[ENTERPRISE]["employeeNumber"], json!("Eqpj"));
}

/// sub-attributes of an address that does not exist yet, one op each: one address.
#[test]
fn entra_filtered_add_upserts_one_element() {
    let schema = ResourceSchema::user();
    let ops = json!([
        {"op": "Add", "path": "addresses[type eq \"work\"].formatted", "value": "1 Main St\nRedmond WA 98052 US"},
        {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
        {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"},
        {"op": "Add", "path": "addresses[type eq \"work\"].region", "value": "WA"},
        {"op": "Add", "path": "addresses[type eq \"work\"].postalCode", "value": "98052"},
        {"op": "Add", "path": "addresses[type eq \"work\"].country", "value": "US"}
    ]);
    let mut u = user();
    u.as_object_mut().unwrap().remove("addresses");
    let lower: Value = ops
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let mut o = o.clone();
            o["op"] = json!("add");
            o
        })
        .collect();
    assert_eq!(
        scim_type(run(&strict(&schema), &mut u, lower).unwrap_err()),
        "noTarget"
    );
    assert!(run(&idp(&schema), &mut u, ops.clone()).unwrap());
    assert_eq!(
        u["addresses"],
        json!([{"type": "work", "formatted": "1 Main St\nRedmond WA 98052 US",
        "streetAddress": "1 Main St", "locality": "Redmond", "region": "WA", "postalCode": "98052", "country": "US"}])
    );
    // Sent again (the next sync cycle): still one address, and nothing changed.
    assert!(!run(&idp(&schema), &mut u, ops).unwrap());
    assert_eq!(u["addresses"].as_array().unwrap().len(), 1);
    // A replace with a filter that matches nothing upserts too; a non-`eq` filter cannot.
    let mut u = user();
    assert!(run(
        &idp(&schema),
        &mut u,
        json!([{"op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "555"}])
    )
    .unwrap());
    assert_eq!(
        u["phoneNumbers"],
        json!([{"type": "mobile", "value": "555"}])
    );
    let e = run(
        &idp(&schema),
        &mut u,
        json!([{"op": "replace", "path": "phoneNumbers[type co \"fax\"].value", "value": "1"}]),
    )
    .unwrap_err();
    assert_eq!(scim_type(e), "noTarget");
}

/// `"$ref": null` beside a member's value (RFC 7643 §2.5 null is unassigned: every profile).
#[test]
fn entra_null_ref_in_members() {
    let schema = ResourceSchema::group();
    let ops = json!([{"op": "add", "path": "members", "value": [{"$ref": null, "value": "f648f8d5ea4e4cd38e9c"}]}]);
    for p in [strict(&schema), idp(&schema)] {
        let mut g = schema_group();
        assert!(run(&p, &mut g, ops.clone()).unwrap());
        assert_eq!(g["members"][2], json!({"value": "f648f8d5ea4e4cd38e9c"}));
    }
}

/// the enterprise manager as a bare string, or as a one-element array.
#[test]
fn entra_manager_as_string() {
    let schema = ResourceSchema::user();
    let ops = json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "271"}]);
    let mut u = user();
    let strictish = strict(&schema).interop(Interop::strict().op_any_case(true));
    assert_eq!(
        scim_type(run(&strictish, &mut u, ops.clone()).unwrap_err()),
        "invalidValue"
    );
    assert!(run(&idp(&schema), &mut u, ops).unwrap());
    assert_eq!(u[ENTERPRISE]["manager"], json!({"value": "271"}));
    let array =
        json!([{"op": "Add", "path": "manager", "value": [{"$ref": null, "value": "272"}]}]);
    assert!(run(&idp(&schema), &mut u, array).unwrap());
    assert_eq!(u[ENTERPRISE]["manager"], json!({"value": "272"}));
}

/// app roles whose `value` is a JSON-encoded object.
/// a value filter with a capitalised operator and a string boolean, as the Entra validator
/// sends it in paths: `addresses[primary EQ "True"].locality`.
#[test]
fn entra_string_boolean_in_path_filter() {
    let schema = ResourceSchema::user();
    let base = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b",
        "addresses": [{"type": "home", "locality": "A"}, {"type": "work", "primary": true, "locality": "B"}]});
    let replace =
        json!([{"op": "Replace", "path": "addresses[primary EQ \"True\"].locality", "value": "C"}]);
    // Strict: a string never equals a boolean, so nothing matches.
    let mut u = base.clone();
    let strict_e1 = strict(&schema).interop(Interop::strict().op_any_case(true));
    assert_eq!(
        scim_type(run(&strict_e1, &mut u, replace.clone()).unwrap_err()),
        "noTarget"
    );
    assert_eq!(u, base);
    // Interop: the literal is read as the boolean, for replace, add and remove alike.
    assert!(run(&idp(&schema), &mut u, replace).unwrap());
    assert_eq!(u["addresses"][1]["locality"], json!("C"));
    assert_eq!(u["addresses"][0]["locality"], json!("A"));
    assert!(run(
        &idp(&schema),
        &mut u,
        json!([{"op": "Add", "path": "addresses[primary eq \"true\"].region", "value": "WA"}])
    )
    .unwrap());
    assert_eq!(u["addresses"][1]["region"], json!("WA"));
    assert!(run(
        &idp(&schema),
        &mut u,
        json!([{"op": "Remove", "path": "addresses[primary eq \"FALSE\" or type eq \"home\"]"}])
    )
    .unwrap());
    assert_eq!(u["addresses"].as_array().unwrap().len(), 1);
    assert_eq!(u["addresses"][0]["type"], json!("work"));
    // A string sub-attribute compared with "true" stays a string comparison.
    let mut v = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b",
        "emails": [{"value": "a@b", "type": "true"}]});
    assert!(run(
        &idp(&schema),
        &mut v,
        json!([{"op": "replace", "path": "emails[type eq \"true\"].value", "value": "c@d"}])
    )
    .unwrap());
    assert_eq!(v["emails"][0]["value"], json!("c@d"));
}

#[test]
fn entra_roles_as_json_strings() {
    let schema = ResourceSchema::user();
    let ops = json!([{"op": "Add", "path": "roles", "value": [{"value": "{\"id\":\"827f0d2e-be15-4d8f-a8e0-a3a1b1a2ed65\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}]);
    let mut u = user();
    assert!(run(&idp(&schema), &mut u, ops).unwrap());
    assert_eq!(u["roles"], json!([{"value": "Admin", "display": "Admin"}]));
    // Without the tolerance the string is kept as the role's value (it is a valid string).
    let mut u = user();
    let ops =
        json!([{"op": "add", "path": "roles", "value": [{"value": "{\"value\":\"Admin\"}"}]}]);
    assert!(run(&strict(&schema), &mut u, ops).unwrap());
    assert_eq!(u["roles"][0]["value"], json!("{\"value\":\"Admin\"}"));
}

/// a top-level `id` and per-operation `name` members.
#[test]
fn entra_extra_members() {
    let body = br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "id": "5c6b",
        "Operations": [{"op": "replace", "name": "displayName", "path": "displayName", "value": "x"}]}"#;
    let e = PatchRequest::from_slice_with(body, &Interop::strict()).unwrap_err();
    assert_eq!(e.to_string(), "unexpected member `id`");
    let req = PatchRequest::from_slice_with(body, &Interop::idp_compatible()).unwrap();
    let schema = ResourceSchema::group();
    let mut g = schema_group();
    let e = strict(&schema).apply(&mut g, &req.operations).unwrap_err();
    assert_eq!(
        e.to_string(),
        "operation 0 (`displayName`): unexpected member `name`"
    );
    assert!(idp(&schema).apply(&mut g, &req.operations).unwrap());
}

/// add and replace on a previously empty attribute do the same.
#[test]
fn entra_add_or_replace_on_empty() {
    let schema = ResourceSchema::user();
    for op in ["add", "replace"] {
        let mut u = user();
        assert!(run(
            &strict(&schema),
            &mut u,
            json!([{"op": op, "path": "title", "value": "Guide"}])
        )
        .unwrap());
        assert_eq!(u["title"], json!("Guide"));
    }
}

/// `replace members` with a partial list replaces the membership (the RFC), and `[]`
/// empties the group (Okta's "push empty group").
#[test]
fn entra_replace_members() {
    let schema = ResourceSchema::group();
    let mut g = schema_group();
    assert!(run(
        &strict(&schema),
        &mut g,
        json!([{"op": "replace", "path": "members", "value": [{"value": "673"}]}])
    )
    .unwrap());
    assert_eq!(g["members"], json!([{"value": "673"}]));
    assert!(run(
        &strict(&schema),
        &mut g,
        json!([{"op": "replace", "path": "members", "value": []}])
    )
    .unwrap());
    assert!(g.get("members").is_none());
}

/// deactivation as a no-path replace.
#[test]
fn okta_deactivate() {
    let schema = ResourceSchema::user();
    let ops = json!([{"op": "replace", "value": {"active": false}}]);
    for p in [strict(&schema), idp(&schema), schemaless()] {
        let mut u = user();
        assert!(run(&p, &mut u, ops.clone()).unwrap());
        assert_eq!(u["active"], json!(false));
    }
    // GitHub is a server we send to: the message we write is the RFC's.
    let op = PatchOperation::replace(None, json!({"active": false})).unwrap();
    assert_eq!(
        serde_json::to_value(PatchRequest::new(vec![op])).unwrap(),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "value": {"active": false}}]})
    );
}

/// group rename with the read-only `id` in the value.
#[test]
fn okta_read_only_id_in_value() {
    let schema = ResourceSchema::group();
    let id = "e9e30dba-f08f-4109-8486-d5c6a331660a";
    // Okta sends the right id: no change to it, so even strict accepts.
    let mut g = schema_group();
    assert!(run(
        &strict(&schema),
        &mut g,
        json!([{"op": "replace", "value": {"id": id, "displayName": "Test SCIMv2"}}])
    )
    .unwrap());
    assert_eq!(g["displayName"], json!("Test SCIMv2"));
    // A different id: strict refuses (mutability), the IdP profile ignores it.
    let ops = json!([{"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Group Foo New"}}]);
    assert_eq!(
        scim_type(run(&strict(&schema), &mut g, ops.clone()).unwrap_err()),
        "mutability"
    );
    assert!(run(&idp(&schema), &mut g, ops).unwrap());
    assert_eq!(g["id"], json!(id));
    assert_eq!(g["displayName"], json!("Group Foo New"));
}

/// Okta membership: filtered remove (no value), add with `value` + `display`.
#[test]
fn okta_membership() {
    let schema = ResourceSchema::group();
    let mut g = schema_group();
    let rm = json!([{"op": "remove", "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"}]);
    assert!(run(&strict(&schema), &mut g, rm).unwrap());
    assert_eq!(g["members"].as_array().unwrap().len(), 1);
    let add = json!([{"op": "add", "path": "members", "value": [{"value": "89bb1940-b905-4575-9e7f-6f887cfb368e", "display": "test.user@okta.local"}]}]);
    assert!(run(&strict(&schema), &mut g, add.clone()).unwrap());
    assert_eq!(
        g["members"][1],
        json!({"value": "89bb1940-b905-4575-9e7f-6f887cfb368e", "display": "test.user@okta.local"})
    );
    // Without a schema nothing is dropped; adding the member again changes nothing.
    let mut g = group();
    assert!(run(&schemaless(), &mut g, add.clone()).unwrap());
    assert!(!run(&schemaless(), &mut g, add).unwrap());
    assert_eq!(g["members"].as_array().unwrap().len(), 3);
}

/// AWS caps membership changes at 100 per request; a server can cap operations likewise.
#[test]
fn operation_limit() {
    let schema = ResourceSchema::group();
    let ops: Vec<Value> = (0..101)
        .map(|i| json!({"op": "add", "path": "members", "value": [{"value": format!("u{i}")}]}))
        .collect();
    let p = strict(&schema).limits(Limits::new().max_operations(100));
    let mut g = schema_group();
    let e = run(&p, &mut g, Value::Array(ops.clone())).unwrap_err();
    assert_eq!(e.to_string(), "101 operations, more than the limit of 100");
    assert!(run(&p, &mut g, Value::Array(ops[..100].to_vec())).unwrap());
    assert_eq!(g["members"].as_array().unwrap().len(), 102);
}

/// `remove` requires a path.
#[test]
fn remove_needs_a_path() {
    let e = PatchRequest::from_value(
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove"}]}),
    )
    .unwrap_err();
    assert_eq!(scim_type(e), "noTarget");
}

/// Type leniency: unknown sub-attributes inside values.
#[test]
fn unknown_sub_attributes_dropped() {
    let schema = ResourceSchema::user();
    let ops = json!([{"op": "add", "path": "emails", "value": [{"value": "b@example.com", "type": "other", "foo": "x"}]}]);
    let mut u = user();
    assert_eq!(
        scim_type(run(&strict(&schema), &mut u, ops.clone()).unwrap_err()),
        "invalidValue"
    );
    assert!(run(&idp(&schema), &mut u, ops).unwrap());
    assert_eq!(
        u["emails"][2],
        json!({"value": "b@example.com", "type": "other"})
    );
}
