//! Schema-aware patching validates the result against the original; guarded (readOnly,
//! immutable) values the operations did not touch must not count as changed.

use scimkit_patch::{PatchOperation, Patcher};
use scimkit_schema::ResourceSchema;
use serde_json::json;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The enterprise `manager.displayName` is readOnly inside a read-write complex attribute: a
/// server fills it in, and any later PATCH (here Okta's deactivation) must still apply.
#[test]
fn read_only_sub_attribute_of_a_stored_resource_does_not_block_a_patch() {
    let schema = ResourceSchema::user();
    let mut user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": "2819c223", "userName": "bjensen", "active": true,
        ENTERPRISE: {"manager": {"value": "26118915", "displayName": "John Smith"}}
    });
    let ops = [PatchOperation::replace(None, json!({"active": false})).unwrap()];
    assert!(Patcher::new(&schema).apply(&mut user, &ops).unwrap());
    assert_eq!(user["active"], json!(false));
    assert_eq!(user[ENTERPRISE]["manager"]["displayName"], "John Smith");

    // Changing the readOnly sub-attribute itself is still refused, and nothing changes.
    let before = user.clone();
    let ops = [PatchOperation::replace(
        Some(&format!("{ENTERPRISE}:manager.displayName")),
        json!("Someone Else"),
    )
    .unwrap()];
    let err = Patcher::new(&schema).apply(&mut user, &ops).unwrap_err();
    assert_eq!(err.scim_type().as_str(), "mutability");
    assert_eq!(user, before);
}
