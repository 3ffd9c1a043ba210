//! Typed resources against the RFC 7643 §8 examples and the IdP payload shapes of
//! docs/idp-compatibility.md (docs/idp-compatibility.md).

use scimkit_schema::resource::{EnterpriseUser, Group, Manager, Member, User};
use scimkit_schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use serde_json::{json, Value};

fn rfc(file: &str) -> Value {
    let path = format!("{}/tests/rfc/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every RFC 7643 §8 resource example: JSON → typed → JSON is equal, from a `Value` and from text.
#[test]
fn rfc_7643_section_8_examples_round_trip() {
    for file in [
        "8.1-minimal-user.json",
        "8.2-full-user.json",
        "8.3-enterprise-user.json",
    ] {
        let json = rfc(file);
        let user: User = serde_json::from_value(json.clone()).unwrap();
        assert!(user.extra.is_empty(), "{file}: everything is modelled");
        assert_eq!(serde_json::to_value(&user).unwrap(), json, "{file}");
        let text = serde_json::to_string(&json).unwrap();
        let from_text: User = serde_json::from_str(&text).unwrap();
        assert_eq!(from_text, user, "{file}");
        assert_eq!(Value::from(User::try_from(json.clone()).unwrap()), json);
    }
    let json = rfc("8.4-group.json");
    let group: Group = serde_json::from_value(json.clone()).unwrap();
    assert!(group.extra.is_empty());
    assert_eq!(serde_json::to_value(&group).unwrap(), json);
    assert_eq!(Value::from(Group::try_from(json.clone()).unwrap()), json);
}

#[test]
fn rfc_full_user_reads_typed() {
    let user: User = serde_json::from_value(rfc("8.2-full-user.json")).unwrap();
    assert_eq!(user.id(), Some("2819c223-7f76-453a-919d-413861904646"));
    assert_eq!(user.user_name(), Some("bjensen@example.com"));
    assert_eq!(
        user.name.as_ref().unwrap().honorific_suffix.as_deref(),
        Some("III")
    );
    assert_eq!(user.emails.len(), 2);
    assert_eq!(
        user.primary_email().unwrap().value.as_deref(),
        Some("bjensen@example.com")
    );
    assert!(user.addresses[0].is_primary());
    assert_eq!(user.groups[2].display.as_deref(), Some("US Employees"));
    assert_eq!(
        user.groups[0].ref_.as_deref(),
        Some("https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a")
    );
    assert_eq!(user.x509_certificates.len(), 1);
    assert_eq!(user.active, Some(true));
    assert_eq!(user.password.as_deref(), Some("t1meMa$heen"));
    let meta = user.meta.as_ref().unwrap();
    assert_eq!(meta.version.as_deref(), Some("W/\"a330bc54f0671c9\""));

    let user: User = serde_json::from_value(rfc("8.3-enterprise-user.json")).unwrap();
    let ent = user.enterprise.as_ref().unwrap();
    assert_eq!(ent.employee_number.as_deref(), Some("701984"));
    assert_eq!(
        ent.manager.as_ref().unwrap().display_name.as_deref(),
        Some("John Smith")
    );
    // Already consistent: normalising changes nothing.
    let mut normalized = user.clone();
    normalized.normalize_schemas();
    assert_eq!(normalized.schemas, user.schemas);

    let group: Group = serde_json::from_value(rfc("8.4-group.json")).unwrap();
    assert_eq!(
        group.member_ids().collect::<Vec<_>>(),
        [
            "2819c223-7f76-453a-919d-413861904646",
            "902c246b-6245-4190-8e05-00816be7344a"
        ]
    );
}

/// the Entra validator capitalises attribute and sub-attribute names and sends string booleans;
/// the output is canonical.
#[test]
fn entra_capitalised_names_and_string_booleans() {
    let body = json!({
        "Schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "UserName": "OFLOR@example.com",
        "Active": true,
        "DisplayName": "BHHWGLOFLOR",
        "Emails": [{"Type": "work", "Value": "oflor@example.com", "Primary": true}],
        "PhoneNumbers": [{"Type": "mobile", "Value": "555-1212", "Primary": "True"}],
        "Addresses": [{"Type": "work", "StreetAddress": "1 Main St", "Primary": "false"}],
        "Meta": {"ResourceType": "User"},
        "Name": {"FamilyName": "Flor", "GivenName": "O"},
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {
            "EmployeeNumber": "42", "Department": "Sales",
            "Manager": {"Value": "271"}
        }
    });
    let user: User = serde_json::from_value(body).unwrap();
    assert!(user.extra.is_empty(), "{:?}", user.extra);
    assert_eq!(user.active, Some(true));
    assert!(user.emails[0].is_primary());
    assert!(user.phone_numbers[0].is_primary());
    assert_eq!(user.addresses[0].primary, Some(false));
    assert_eq!(
        user.enterprise.as_ref().unwrap().manager,
        Some(Manager::new("271"))
    );
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "userName": "OFLOR@example.com",
            "name": {"familyName": "Flor", "givenName": "O"},
            "displayName": "BHHWGLOFLOR",
            "active": true,
            "emails": [{"value": "oflor@example.com", "type": "work", "primary": true}],
            "phoneNumbers": [{"value": "555-1212", "type": "mobile", "primary": true}],
            "addresses": [{"streetAddress": "1 Main St", "type": "work", "primary": false}],
            ENTERPRISE_USER_SCHEMA: {
                "employeeNumber": "42", "department": "Sales", "manager": {"value": "271"}
            },
            "meta": {"resourceType": "User"}
        })
    );
}

/// Entra's default job sends `active` as the string `"False"`.
#[test]
fn entra_string_active() {
    let user: User = serde_json::from_value(json!({"userName": "b", "active": "False"})).unwrap();
    assert_eq!(user.active, Some(false));
}

/// Entra's create-user body carries nulls and empty arrays, which mean unassigned.
#[test]
fn entra_nulls_and_empty_arrays() {
    let body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": true,
        "addresses": null,
        "displayName": "Test_User_ab6490ee",
        "emails": [{"primary": true, "type": "work", "value": "Test_User_ab6490ee@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"familyName": "familyName", "givenName": "givenName", "middleName": null},
        "roles": [],
        "phoneNumbers": [],
        "title": null,
        ENTERPRISE_USER_SCHEMA: {"department": null, "manager": null, "employeeNumber": "7"}
    });
    let user: User = serde_json::from_value(body).unwrap();
    assert!(user.addresses.is_empty() && user.roles.is_empty() && user.phone_numbers.is_empty());
    assert!(user.title.is_none());
    let ent = user.enterprise.as_ref().unwrap();
    assert!(ent.manager.is_none() && ent.department.is_none());
    assert!(user.extra.is_empty() && ent.extra.is_empty());
    // Output omits everything unassigned.
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
            "name": {"familyName": "familyName", "givenName": "givenName"},
            "displayName": "Test_User_ab6490ee",
            "active": true,
            "emails": [{"value": "Test_User_ab6490ee@testuser.com", "type": "work", "primary": true}],
            ENTERPRISE_USER_SCHEMA: {"employeeNumber": "7"},
            "meta": {"resourceType": "User"}
        })
    );
    // A null extension object is an unassigned extension.
    let user: User =
        serde_json::from_value(json!({"userName": "b", ENTERPRISE_USER_SCHEMA: null})).unwrap();
    assert!(user.enterprise.is_none());
}

/// Entra's group create carries an extra non-URN schema id and empty members.
#[test]
fn entra_group_with_non_urn_schema() {
    let body = json!({
        "schemas": [GROUP_SCHEMA,
                    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "members": [],
        "meta": {"resourceType": "Group"}
    });
    let group: Group = serde_json::from_value(body).unwrap();
    assert_eq!(group.schemas.len(), 2, "schemas kept as sent");
    assert!(group.members.is_empty());
    assert_eq!(group.display_name(), Some("displayName"));
    let mut normalized = group.clone();
    normalized.normalize_schemas();
    assert_eq!(normalized.schemas, group.schemas);
    assert_eq!(
        serde_json::to_value(&group).unwrap(),
        json!({
            "schemas": [GROUP_SCHEMA,
                        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"}
        })
    );
}

/// the enterprise manager as a bare string.
#[test]
fn entra_manager_bare_string() {
    let user: User = serde_json::from_value(json!({
        "userName": "b",
        ENTERPRISE_USER_SCHEMA: {"manager": "271"}
    }))
    .unwrap();
    assert_eq!(
        user.enterprise,
        Some(EnterpriseUser::new().with_manager(Manager::new("271")))
    );
}

/// Okta's create body: password, empty read-only groups, externalId, locale.
#[test]
fn okta_create_body() {
    let body = json!({
        "schemas": [USER_SCHEMA],
        "userName": "isaac.brock@example.com",
        "name": {"givenName": "Isaac", "familyName": "Brock"},
        "emails": [{"primary": true, "value": "isaac.brock@example.com", "type": "work"}],
        "displayName": "Isaac Brock",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    let user: User = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(user.password.as_deref(), Some("1mz050nq"));
    assert_eq!(user.external_id(), Some("00ujl29u0le5T6Aj10h7"));
    assert_eq!(user.locale.as_deref(), Some("en-US"));
    assert!(user.groups.is_empty());
    let mut expected = body;
    expected.as_object_mut().unwrap().remove("groups");
    assert_eq!(serde_json::to_value(&user).unwrap(), expected);
}

/// Okta updates with a PUT of the whole resource, `id` and `meta` included.
#[test]
fn okta_put_whole_resource() {
    let body = json!({
        "schemas": [USER_SCHEMA],
        "id": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
        "userName": "test.user@okta.local",
        "name": {"givenName": "Another", "middleName": "Test", "familyName": "User"},
        "active": false,
        "password": "t1meMa$heen",
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work", "display": "Another Test User"}],
        "groups": [{"value": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "display": "Test SCIMv2"}],
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"}
    });
    let user: User = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(user.active, Some(false));
    assert_eq!(serde_json::to_value(&user).unwrap(), body);
}

/// PingOne may send two emails both primary. Reading works; rejecting it is validation's job.
#[test]
fn ping_p2_two_primary_emails() {
    let body = json!({
        "schemas": [USER_SCHEMA],
        "userName": "jdoe",
        "emails": [
            {"value": "jdoe@example.com", "type": "work", "primary": true},
            {"value": "jdoe@example.com", "type": "home", "primary": true}
        ]
    });
    let user: User = serde_json::from_value(body.clone()).unwrap();
    assert!(user.emails.iter().all(|e| e.is_primary()));
    assert_eq!(user.primary_email().unwrap().type_.as_deref(), Some("work"));
    assert_eq!(serde_json::to_value(&user).unwrap(), body);
}

/// Other extensions and custom attributes survive, at resource level and inside complex values.
#[test]
fn unknown_extensions_and_custom_attributes_survive() {
    let body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, "urn:acme:scim:schemas:extension:2.0:User"],
        "userName": "b",
        "nickname_custom": ["x", 1, null],
        "emails": [{"value": "b@x", "verified": false}],
        ENTERPRISE_USER_SCHEMA: {"department": "d", "acmeBadge": "7"},
        "urn:acme:scim:schemas:extension:2.0:User": {"badge": {"n": 7}, "Active": true}
    });
    let user: User = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        user.extension("urn:acme:scim:schemas:extension:2.0:user")
            .unwrap()["badge"]["n"],
        7
    );
    assert_eq!(serde_json::to_value(&user).unwrap(), body);
}

#[test]
fn builders() {
    let group = Group::new("Admins")
        .with_external_id("ext-1")
        .with_member(Member::user("u1").with_ref("https://example.com/v2/Users/u1"))
        .with_member(Member::group("g2").with_display("Nested"));
    let json = Value::from(group.clone());
    assert_eq!(
        json,
        json!({
            "schemas": [GROUP_SCHEMA],
            "externalId": "ext-1",
            "displayName": "Admins",
            "members": [
                {"value": "u1", "$ref": "https://example.com/v2/Users/u1", "type": "User"},
                {"value": "g2", "display": "Nested", "type": "Group"}
            ]
        })
    );
    assert_eq!(Group::try_from(json).unwrap(), group);
    assert!(group.members[0].is_user() && group.members[1].is_group());
}
