//! Fixtures shared by the integration tests: the RFC 7643 §8 example resources and helpers.
#![allow(dead_code)]

use scimkit_patch::{Error, Interop, PatchRequest, Patcher};
use scimkit_schema::ResourceSchema;
use serde_json::{json, Value};

pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// RFC 7643 §8.4 (group), as in RFC 7644 §3.5.2's examples.
pub fn group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646",
             "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
             "display": "Babs Jensen"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a",
             "$ref": "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a",
             "display": "Mandy Pepperidge"}
        ],
        "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff592\"",
                 "location": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"}
    })
}

/// The group for schema-aware tests (scimkit's Group schema has `members.display`).
pub fn schema_group() -> Value {
    group()
}

/// RFC 7643 §8.2 (abridged to what PATCH touches).
pub fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen",
                 "givenName": "Barbara", "middleName": "Jane"},
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
             "region": "CA", "postalCode": "91608", "country": "USA",
             "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA"},
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood",
             "region": "CA", "postalCode": "91608", "country": "USA",
             "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"}
        ],
        "active": true,
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff590\"",
                 "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
    })
}

/// A PatchOp message around `ops`.
pub fn req(ops: Value) -> PatchRequest {
    serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops
    }))
    .expect("a valid PatchOp message")
}

/// Applies `ops` with `patcher`, asserting that an error leaves the resource untouched.
pub fn run(patcher: &Patcher<'_>, resource: &mut Value, ops: Value) -> Result<bool, Error> {
    let before = serde_json::to_string(resource).unwrap();
    let r = patcher.apply(resource, &req(ops).operations);
    if r.is_err() {
        assert_eq!(
            serde_json::to_string(resource).unwrap(),
            before,
            "not atomic"
        );
    }
    r
}

pub fn schemaless() -> Patcher<'static> {
    Patcher::schemaless()
}

pub fn strict(schema: &ResourceSchema) -> Patcher<'_> {
    Patcher::new(schema)
}

pub fn idp(schema: &ResourceSchema) -> Patcher<'_> {
    Patcher::new(schema).interop(Interop::idp_compatible())
}
