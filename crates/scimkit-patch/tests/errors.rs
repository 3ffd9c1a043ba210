//! Error cases: each with its `scimType`, status, operation index and path, and the resource
//! unchanged.

mod common;

use common::*;
use scimkit_patch::{ErrorKind, Limits, PatchOperation, PatchRequest, Validation};
use scimkit_schema::ResourceSchema;
use serde_json::json;

fn fails(
    p: &scimkit_patch::Patcher<'_>,
    resource: serde_json::Value,
    ops: serde_json::Value,
) -> scimkit_patch::Error {
    let mut r = resource;
    let e = run(p, &mut r, ops).unwrap_err();
    assert_eq!(e.status(), http::StatusCode::BAD_REQUEST);
    e
}

#[test]
fn message_errors() {
    let cases = [
        (json!({"Operations": []}), "invalidSyntax", "`schemas` must be [\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"], found none"),
        (json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:User"], "Operations": []}), "invalidSyntax",
            "`schemas` must be [\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"], found [\"urn:ietf:params:scim:api:messages:2.0:User\"]"),
        (json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}), "invalidSyntax", "`Operations` must be an array of operations"),
        (json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "move", "path": "a"}]}),
            "invalidSyntax", "operation 0 (`a`): unknown `op` `move`; expected `add`, `remove` or `replace`"),
        (json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove"}]}),
            "noTarget", "operation 0: `remove` needs a `path`"),
        (json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "title"}]}),
            "invalidValue", "operation 0 (`title`): `add` needs a `value`"),
        (json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace"}]}),
            "invalidValue", "operation 0: `replace` needs a `value`"),
    ];
    for (body, ty, text) in cases {
        let e = PatchRequest::from_value(&body).unwrap_err();
        assert_eq!((e.scim_type().as_str(), e.to_string().as_str()), (ty, text));
        // serde gives the same text.
        let se = serde_json::from_value::<PatchRequest>(body).unwrap_err();
        assert_eq!(se.to_string(), text);
    }
    let e = PatchRequest::from_slice(b"{not json").unwrap_err();
    assert_eq!(e.scim_type().as_str(), "invalidSyntax");
}

#[test]
fn invalid_path_keeps_the_offset() {
    let e = PatchOperation::add(Some("emails[type eq \"work\""), json!(1)).unwrap_err();
    assert_eq!(e.scim_type().as_str(), "invalidPath");
    assert!(e.offset().is_some());
    assert!(
        e.to_string().starts_with("`emails[type eq \"work\"`: "),
        "{e}"
    );
}

#[test]
fn unknown_attributes_with_a_schema() {
    let schema = ResourceSchema::user();
    let e = fails(
        &strict(&schema),
        user(),
        json!([{"op": "replace", "path": "favouriteColour", "value": "green"}]),
    );
    assert_eq!(e.scim_type().as_str(), "invalidPath");
    assert_eq!(
        e.to_string(),
        "operation 0 (`favouriteColour`): unknown attribute `favouriteColour`"
    );
    let e = fails(
        &strict(&schema),
        user(),
        json!([{"op": "replace", "path": "name.nosuch", "value": "x"}]),
    );
    assert_eq!(e.scim_type().as_str(), "invalidPath");
    let e = fails(
        &strict(&schema),
        user(),
        json!([{"op": "replace", "path": "userName[value eq \"x\"]", "value": "x"}]),
    );
    assert_eq!(e.scim_type().as_str(), "invalidPath");
    let e = fails(
        &strict(&schema),
        user(),
        json!([{"op": "add", "path": "urn:example:nosuch:2.0:User:x", "value": "x"}]),
    );
    assert_eq!(e.scim_type().as_str(), "invalidPath");
}

#[test]
fn no_target() {
    let schema = ResourceSchema::user();
    let e = fails(
        &strict(&schema),
        user(),
        json!([
        {"op": "replace", "path": "title", "value": "ok"},
        {"op": "replace", "path": "emails[type eq \"pager\"].value", "value": "x"}]),
    );
    assert_eq!(e.scim_type().as_str(), "noTarget");
    assert_eq!(e.op_index(), Some(1));
    assert_eq!(e.path(), Some("emails[type eq \"pager\"].value"));
    let e = fails(
        &schemaless(),
        group(),
        json!([{"op": "replace", "path": "members[value eq \"nobody\"]", "value": {"value": "x"}}]),
    );
    assert_eq!(e.kind(), &ErrorKind::NoTarget("members".into()));
}

#[test]
fn type_errors() {
    let schema = ResourceSchema::user();
    let e = fails(
        &strict(&schema),
        user(),
        json!([{"op": "replace", "path": "active", "value": "yes"}]),
    );
    assert_eq!(e.scim_type().as_str(), "invalidValue");
    assert_eq!(
        e.to_string(),
        "operation 0 (`active`): `active` expects a boolean, found a string"
    );
    let e = fails(
        &strict(&schema),
        user(),
        json!([{"op": "add", "path": "emails", "value": [{"value": 7}]}]),
    );
    assert_eq!(
        e.to_string(),
        "operation 0 (`emails`): `emails.value` expects a string, found a number"
    );
    let e = fails(
        &strict(&schema),
        user(),
        json!([{"op": "replace", "path": "name", "value": "Babs"}]),
    );
    assert_eq!(e.scim_type().as_str(), "invalidValue");
    let e = fails(&schemaless(), user(), json!([{"op": "add", "value": "x"}]));
    assert_eq!(e.kind(), &ErrorKind::ValueNotObject);
}

#[test]
fn mutability() {
    let schema = ResourceSchema::user();
    for (ops, attr) in [
        (json!([{"op": "replace", "path": "id", "value": "x"}]), "id"),
        (json!([{"op": "remove", "path": "id"}]), "id"),
        (
            json!([{"op": "replace", "path": "meta.version", "value": "W/\"1\""}]),
            "meta",
        ),
        (json!([{"op": "remove", "path": "userName"}]), "userName"),
        (
            json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}]),
            "groups",
        ),
    ] {
        let e = fails(&strict(&schema), user(), ops.clone());
        assert_eq!(e.scim_type().as_str(), "mutability", "{ops}");
        assert!(e.to_string().contains(&format!("`{attr}")), "{e}");
    }
    // Without a schema, `id` and `meta` are still readOnly (RFC 7643 §3.1).
    let e = fails(
        &schemaless(),
        user(),
        json!([{"op": "replace", "path": "id", "value": "x"}]),
    );
    assert_eq!(e.scim_type().as_str(), "mutability");
    // Group members' `value` is immutable: a member cannot be renumbered in place.
    let schema = ResourceSchema::group();
    let e = fails(
        &strict(&schema),
        group(),
        json!([{"op": "replace",
        "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"].value", "value": "other"}]),
    );
    assert_eq!(e.scim_type().as_str(), "mutability");
    // displayName is required.
    let e = fails(
        &strict(&schema),
        group(),
        json!([{"op": "remove", "path": "displayName"}]),
    );
    assert_eq!(e.scim_type().as_str(), "mutability");
}

#[test]
fn remove_with_value_is_refused_strictly() {
    let e = fails(
        &schemaless(),
        group(),
        json!([{"op": "remove", "path": "members", "value": [{"value": "x"}]}]),
    );
    assert_eq!(e.kind(), &ErrorKind::ValueUnexpected);
}

#[test]
fn limits() {
    let p = schemaless().limits(Limits::new().max_depth(3).max_value_nodes(50));
    let e = fails(
        &p,
        user(),
        json!([{"op": "add", "path": "x", "value": {"a": {"b": {"c": 1}}}}]),
    );
    assert_eq!(e.kind(), &ErrorKind::ValueTooDeep { max: 3 });
    assert_eq!(e.scim_type().as_str(), "invalidValue");
    let big: Vec<_> = (0..60).collect();
    let e = fails(
        &p,
        user(),
        json!([{"op": "add", "path": "x", "value": big}]),
    );
    assert_eq!(e.kind(), &ErrorKind::ValueTooLarge { max: 50 });
}

#[test]
fn not_an_object() {
    let mut v = json!([1]);
    let e = scimkit_patch::apply(&mut v, &[]).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::ResourceNotObject);
}

#[test]
fn validation_runs_before_commit() {
    // The stored group lacks its required displayName; with whole-resource validation a patch
    // that does not add it fails, and the resource is unchanged.
    let schema = ResourceSchema::group();
    let mut g = group();
    g.as_object_mut().unwrap().remove("displayName");
    let ops = json!([{"op": "add", "path": "externalId", "value": "x"}]);
    let full = strict(&schema).validation(Validation::Full);
    let e = fails(&full, g.clone(), ops.clone());
    assert_eq!(e.scim_type().as_str(), "invalidValue");
    // The default validates what the operations touched, taking the stored resource as valid.
    assert!(run(&strict(&schema), &mut g, ops).unwrap());
}
