//! RFC 7644 §3.5.2 rules that the RFC's own examples do not exercise: `add` on a multi-valued
//! simple sub-attribute, an empty `Operations` array, and a string for a complex attribute under
//! the interop profile.

mod common;

use common::*;
use scimkit_patch::{Interop, PatchRequest, Patcher};
use scimkit_schema::{Attribute, AttributeType, ResourceSchema};
use serde_json::{json, Value};

/// The RFC User schema with `name.aliases`, a multi-valued string sub-attribute (RFC 7643 §2.4
/// allows multi-valued sub-attributes of a complex attribute), as a custom schema may declare.
fn aliased_user() -> ResourceSchema {
    let mut core = ResourceSchema::user().core().clone();
    for a in &mut core.attributes {
        if a.name == "name" {
            a.sub_attributes
                .push(Attribute::new("aliases", AttributeType::String).multi_valued());
        }
    }
    ResourceSchema::builder("User", "/Users", core)
        .build()
        .unwrap()
}

fn babs() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223", "userName": "bjensen",
        "name": {"givenName": "Barbara", "aliases": ["Babs"]}
    })
}

/// RFC 7644 §3.5.2.1: "If the target location specifies a multi-valued attribute, a new value is
/// added to the attribute", and "If the target location already contains the value specified, no
/// changes SHOULD be made": for a multi-valued sub-attribute as for a top-level one, by path and
/// through the complex value, strict and under the interop profile.
#[test]
fn add_to_a_multi_valued_sub_attribute_adds_values() {
    let schema = aliased_user();
    for patcher in [strict(&schema), idp(&schema)] {
        let mut u = babs();
        let changed = run(
            &patcher,
            &mut u,
            json!([{"op": "add", "path": "name.aliases", "value": ["BJ", "Babs"]}]),
        )
        .unwrap();
        assert!(changed);
        assert_eq!(u["name"]["aliases"], json!(["Babs", "BJ"]));

        // A value already present changes nothing (and so no modify timestamp either).
        let before = u.clone();
        let changed = run(
            &patcher,
            &mut u,
            json!([{"op": "add", "path": "NAME.ALIASES", "value": "BJ"}]),
        )
        .unwrap();
        assert!(!changed);
        assert_eq!(u, before);

        // Through the complex attribute: its sub-attributes are added the same way.
        run(
            &patcher,
            &mut u,
            json!([{"op": "add", "path": "name", "value": {"aliases": ["Barb", "BJ"], "givenName": "Barb"}}]),
        )
        .unwrap();
        assert_eq!(
            u["name"],
            json!({"givenName": "Barb", "aliases": ["Babs", "BJ", "Barb"]})
        );
        // And without a path.
        run(
            &patcher,
            &mut u,
            json!([{"op": "add", "value": {"name": {"aliases": ["Jensen"]}}}]),
        )
        .unwrap();
        assert_eq!(
            u["name"]["aliases"],
            json!(["Babs", "BJ", "Barb", "Jensen"])
        );
    }
}

/// RFC 7644 §3.5.2.3: `replace` still replaces the whole set of a multi-valued sub-attribute.
#[test]
fn replace_of_a_multi_valued_sub_attribute_replaces_the_set() {
    let schema = aliased_user();
    let mut u = babs();
    run(
        &strict(&schema),
        &mut u,
        json!([{"op": "replace", "path": "name.aliases", "value": ["BJ"]}]),
    )
    .unwrap();
    assert_eq!(u["name"]["aliases"], json!(["BJ"]));
    run(
        &strict(&schema),
        &mut u,
        json!([{"op": "replace", "path": "name", "value": {"aliases": ["Barb"]}}]),
    )
    .unwrap();
    assert_eq!(u["name"]["aliases"], json!(["Barb"]));
}

/// Without a schema, a sub-attribute whose current value is an array is multi-valued (the shape
/// decides, as for top-level attributes), so `add` adds to it too.
#[test]
fn add_to_an_array_sub_attribute_without_a_schema() {
    let mut u = babs();
    run(
        &schemaless(),
        &mut u,
        json!([{"op": "add", "path": "name.aliases", "value": ["BJ", "Babs"]}]),
    )
    .unwrap();
    assert_eq!(u["name"]["aliases"], json!(["Babs", "BJ"]));
}

/// RFC 7644 §3.5.2.2 defines no `value` for `remove`; the interop profile's remove-with-value
/// names elements of a multi-valued attribute by their `value`, which a multi-valued simple
/// sub-attribute does not have: refused rather than guessed at, by path and through the
/// complex attribute.
#[test]
fn remove_with_value_is_refused_on_a_multi_valued_sub_attribute() {
    let schema = aliased_user();
    for (path, value) in [
        ("name.aliases", json!(["Babs"])),
        ("name", json!({"aliases": ["Babs"]})),
    ] {
        let mut u = babs();
        let err = run(
            &idp(&schema),
            &mut u,
            json!([{"op": "remove", "path": path, "value": value}]),
        )
        .unwrap_err();
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(err.scim_type().as_str(), "invalidSyntax", "{path}");
        assert_eq!(u, babs());
    }
}

/// RFC 7644 §3.5.2: "The body of an HTTP PATCH request MUST contain the attribute "Operations",
/// whose value is an array of one or more PATCH operations."
#[test]
fn an_empty_operations_array_is_invalid_syntax() {
    let body =
        br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}"#;
    for interop in [Interop::strict(), Interop::idp_compatible()] {
        let err = PatchRequest::from_slice_with(body, &interop).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
        assert_eq!(err.scim_type().as_str(), "invalidSyntax");
    }
    assert!(serde_json::from_slice::<PatchRequest>(body).is_err());
    // Applying no operations (an empty `diff`) is not a message, and changes nothing.
    let mut g = group();
    assert_eq!(scimkit_patch::apply(&mut g, &[]), Ok(false));
}

/// The interop profile reads a bare string for a complex attribute as `{"value": "..."}` only
/// where the attribute has a `value` sub-attribute (the enterprise `manager`); `name` has none,
/// so `add name "x"` is `invalidValue` (RFC 7644 §3.12), with a schema and without one.
#[test]
fn a_string_for_a_complex_attribute_without_value_is_invalid_value() {
    let schema = ResourceSchema::user();
    let schemaless_idp = Patcher::schemaless().interop(Interop::idp_compatible());
    for patcher in [idp(&schema), schemaless_idp] {
        for ops in [
            json!([{"op": "add", "path": "name", "value": "x"}]),
            json!([{"op": "replace", "path": "name", "value": "x"}]),
        ] {
            let mut u = babs();
            let err = run(&patcher, &mut u, ops.clone()).unwrap_err();
            assert_eq!(err.status(), http::StatusCode::BAD_REQUEST, "{ops}");
            assert_eq!(err.scim_type().as_str(), "invalidValue", "{ops}");
            assert_eq!(u, babs());
        }
    }
    // Where the current value has a `value`, the string is still that value (the manager shape Entra ID sends).
    let mut r = json!({"userName": "b", "manager": {"value": "26118915"}});
    run(
        &schemaless_idp,
        &mut r,
        json!([{"op": "add", "path": "manager", "value": "271"}]),
    )
    .unwrap();
    assert_eq!(r["manager"], json!({"value": "271"}));
}
