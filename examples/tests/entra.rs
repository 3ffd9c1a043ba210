//! Microsoft Entra ID's provisioning shapes (docs/idp-compatibility.md), replayed over HTTP against the
//! example service provider. Every response is also checked for `application/scim+json` (docs/idp-compatibility.md) by
//! the harness.

mod common;

use common::*;
use serde_json::{json, Value};

const MS_GROUP: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// The Entra "Create User" request (nulls, empty arrays and a client `meta`).
fn entra_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": true,
        "addresses": null,
        "displayName": "Test User",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        "title": null,
        ENTERPRISE: {"manager": null, "department": "Sales"}
    })
}

fn create(entra: &Client, user_name: &str) -> (String, Value) {
    let r = entra.post("/Users", &entra_user(user_name)).expect(201);
    (r.json["id"].as_str().unwrap().to_owned(), r.json)
}

#[test]
fn test_connection_and_not_found() {
    let server = TestServer::start();
    let entra = server.tenant("entra");
    // Test Connection queries a random GUID → 200 + empty ListResponse.
    let r = entra
        .filter("Users", &format!("userName eq \"{}\"", guid()), "")
        .expect(200);
    assert_eq!(r.list(), Vec::<Value>::new());
    assert_eq!(
        (
            &r.json["totalResults"],
            &r.json["startIndex"],
            &r.json["itemsPerPage"]
        ),
        (&json!(0), &json!(1), &json!(0))
    );
    let r = entra
        .filter("Users", &format!("externalId eq \"{}\"", guid()), "")
        .expect(200);
    assert_eq!(r.total(), 0);
    // a missing resource → 404 with the Error schema and a string status.
    let r = entra
        .get(&format!("/Users/{}", guid()))
        .expect_error(404, None);
    assert!(r.json["detail"].is_string());
    entra
        .get(&format!("/Groups/{}", guid()))
        .expect_error(404, None);
    entra
        .patch_ops(
            &format!("/Users/{}", guid()),
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .expect_error(404, None);
    entra
        .delete(&format!("/Users/{}", guid()))
        .expect_error(404, None);
}

#[test]
fn create_user() {
    let server = TestServer::start();
    let entra = server.tenant("entra");
    // nulls, empty arrays and meta.resourceType in the create body.
    let (id, body) = create(&entra, "Test_User_ab6490ee@contoso.com");
    assert_eq!(body["userName"], "Test_User_ab6490ee@contoso.com");
    assert!(body.get("addresses").is_none(), "{body}");
    assert!(body.get("title").is_none(), "{body}");
    assert!(body.get("roles").is_none_or_empty(), "{body}");
    assert_eq!(body[ENTERPRISE]["department"], "Sales");
    assert!(body[ENTERPRISE].get("manager").is_none(), "{body}");
    assert_eq!(body["meta"]["resourceType"], "User");
    assert_eq!(
        body["meta"]["location"],
        format!("{}/Users/{id}", entra.base).as_str()
    );
    assert!(body["schemas"]
        .as_array()
        .unwrap()
        .contains(&json!(ENTERPRISE)));
    // validator traffic with capitalised attribute names and string booleans in the body.
    let r = entra
        .post(
            "/Users",
            &json!({
                "schemas": [USER],
                "UserName": "validator@contoso.com",
                "Active": "True",
                "emails": [{"Primary": "true", "Type": "work", "Value": "validator@contoso.com"}],
                "Name": {"GivenName": "Val"}
            }),
        )
        .expect(201);
    // Output is canonical.
    assert_eq!(r.json["userName"], "validator@contoso.com");
    assert_eq!(r.json["active"], json!(true));
    assert_eq!(r.json["emails"][0]["primary"], json!(true));
    assert_eq!(r.json["emails"][0]["value"], "validator@contoso.com");
    assert_eq!(r.json["name"]["givenName"], "Val");
    // The email is queryable (docs/idp-compatibility.md).
    let r = entra
        .filter(
            "Users",
            r#"emails[type eq "work"].value eq "VALIDATOR@contoso.com""#,
            "",
        )
        .expect(200);
    assert_eq!(r.list()[0]["userName"], "validator@contoso.com");
}

trait EmptyOrAbsent {
    fn is_none_or_empty(&self) -> bool;
}

impl EmptyOrAbsent for Option<&Value> {
    fn is_none_or_empty(&self) -> bool {
        match self {
            None | Some(Value::Null) => true,
            Some(Value::Array(a)) => a.is_empty(),
            Some(_) => false,
        }
    }
}

#[test]
fn update_user() {
    let server = TestServer::start();
    let entra = server.tenant("entra");
    let (id, _) = create(&entra, "e1@contoso.com");
    let u = format!("/Users/{id}");

    // capitalised op, string boolean "False"; then "false" and "True".
    let r = entra
        .patch_ops(
            &u,
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .expect(200);
    assert_eq!(r.json["active"], json!(false));
    let r = entra
        .patch_ops(
            &u,
            json!([{"op": "Replace", "path": "active", "value": "True"}]),
        )
        .expect(200);
    assert_eq!(r.json["active"], json!(true));
    let r = entra
        .patch_ops(
            &u,
            json!([{"op": "replace", "path": "active", "value": "false"}]),
        )
        .expect(200);
    assert_eq!(r.json["active"], json!(false));
    // With the aadOptscim062020 flag: a no-path replace with a JSON boolean.
    let r = entra
        .patch_ops(&u, json!([{"op": "replace", "value": {"active": true}}]))
        .expect(200);
    assert_eq!(r.json["active"], json!(true));
    // add a single-valued string with a capitalised op.
    let r = entra
        .patch_ops(
            &u,
            json!([{"op": "Add", "path": "nickName", "value": "Pvlo"}]),
        )
        .expect(200);
    assert_eq!(r.json["nickName"], "Pvlo");

    // one no-path op with dotted and URN-prefixed keys.
    let r = entra
        .patch_ops(
            &u,
            json!([{"op": "replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
            }}]),
        )
        .expect(200);
    assert_eq!(r.json["displayName"], "Bjfe");
    assert_eq!(r.json["name"]["givenName"], "Kkom");
    assert_eq!(r.json["name"]["familyName"], "Unua");
    assert_eq!(r.json["name"]["formatted"], "givenName familyName");
    assert_eq!(r.json[ENTERPRISE]["employeeNumber"], "Aklq");
    assert_eq!(r.json[ENTERPRISE]["department"], "Sales");
    assert!(r.json.get("name.givenName").is_none(), "{}", r.text);

    // one op per attribute, a filtered path and a URN path.
    let r = entra
        .patch_ops(
            &u,
            json!([
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@contoso.com"},
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"},
                {"op": "Replace", "path": "name.familyName", "value": "Fam"}
            ]),
        )
        .expect(200);
    assert_eq!(r.json["emails"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["emails"][0]["value"], "new@contoso.com");
    assert_eq!(r.json["emails"][0]["type"], "work");
    assert_eq!(r.json["emails"][0]["primary"], json!(true));
    assert_eq!(r.json[ENTERPRISE]["employeeNumber"], "Eqpj");
    assert_eq!(r.json["name"]["familyName"], "Fam");
    // The email index follows the PATCH.
    let r = entra
        .filter(
            "Users",
            r#"emails[type eq "work"].value eq "new@contoso.com""#,
            "",
        )
        .expect(200);
    assert_eq!(r.list()[0]["id"], id.as_str());
    let r = entra
        .filter(
            "Users",
            r#"emails[type eq "work"].value eq "e1@contoso.com""#,
            "",
        )
        .expect(200);
    assert_eq!(r.total(), 0);

    // a top-level id and per-operation names.
    let r = entra
        .patch(
            &u,
            &json!({
                "schemas": [PATCH_OP],
                "id": id,
                "Operations": [{"name": "addMember", "op": "Replace", "path": "title", "value": "Lead"}]
            }),
        )
        .expect(200);
    assert_eq!(r.json["title"], "Lead");

    // add and replace on a previously empty attribute both work.
    let r = entra
        .patch_ops(
            &u,
            json!([{"op": "Replace", "path": "preferredLanguage", "value": "en-US"}]),
        )
        .expect(200);
    assert_eq!(r.json["preferredLanguage"], "en-US");
    let r = entra
        .patch_ops(
            &u,
            json!([{"op": "Add", "path": "profileUrl", "value": "https://x/y"}]),
        )
        .expect(200);
    assert_eq!(r.json["profileUrl"], "https://x/y");

    // A PATCH that fails is atomic: nothing of it lands, and the version does not move.
    let before = entra.get(&u).expect(200);
    entra
        .patch_ops(
            &u,
            json!([
                {"op": "Replace", "path": "title", "value": "Should not land"},
                {"op": "Replace", "path": "active", "value": "maybe"}
            ]),
        )
        .expect_error(400, Some("invalidValue"));
    let after = entra.get(&u).expect(200);
    assert_eq!(before.json, after.json);
    assert_eq!(before.header("ETag"), after.header("ETag"));
}

#[test]
fn addresses_upsert_and_primary_filter() {
    let server = TestServer::start();
    let entra = server.tenant("entra");
    let (id, _) = create(&entra, "e6@contoso.com");
    let u = format!("/Users/{id}");
    // sub-attributes of a work address that does not exist yet, one op each.
    let r = entra
        .patch_ops(
            &u,
            json!([
                {"op": "Add", "path": "addresses[type eq \"work\"].formatted", "value": "1 Main St\nSeattle"},
                {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
                {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Seattle"},
                {"op": "Add", "path": "addresses[type eq \"work\"].region", "value": "WA"},
                {"op": "Add", "path": "addresses[type eq \"work\"].postalCode", "value": "98101"},
                {"op": "Add", "path": "addresses[type eq \"work\"].country", "value": "US"}
            ]),
        )
        .expect(200);
    let addresses = r.json["addresses"].as_array().unwrap();
    assert_eq!(addresses.len(), 1, "{}", r.text);
    assert_eq!(
        addresses[0],
        json!({"type": "work", "formatted": "1 Main St\nSeattle", "streetAddress": "1 Main St",
               "locality": "Seattle", "region": "WA", "postalCode": "98101", "country": "US"})
    );
    // In a later request too: the existing work address is updated, not duplicated.
    let r = entra
        .patch_ops(&u, json!([{"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"}]))
        .expect(200);
    assert_eq!(r.json["addresses"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["addresses"][0]["locality"], "Redmond");
    assert_eq!(r.json["addresses"][0]["postalCode"], "98101");

    // `[primary EQ "True"]` with a capitalised operator and a string boolean.
    entra
        .patch_ops(
            &u,
            json!([{"op": "add", "path": "addresses[type eq \"work\"].primary", "value": true}]),
        )
        .expect(200);
    let r = entra
        .patch_ops(&u, json!([{"op": "Replace", "path": "addresses[primary EQ \"True\"].locality", "value": "Bellevue"}]))
        .expect(200);
    assert_eq!(r.json["addresses"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["addresses"][0]["locality"], "Bellevue");
    let r = entra
        .filter(
            "Users",
            r#"addresses[primary EQ "True"].locality eq "Bellevue""#,
            "",
        )
        .expect(200);
    assert_eq!(r.list()[0]["id"], id.as_str());
    let r = entra
        .filter(
            "Users",
            r#"emails[primary eq "True"].value eq "e6@contoso.com""#,
            "",
        )
        .expect(200);
    assert_eq!(r.list()[0]["id"], id.as_str());
}

/// A PATCH that replaces a whole list with two `primary: true` values (what PingOne sends in a
/// PUT, docs/idp-compatibility.md) is tolerated as a PUT is: the first primary stays, the list is kept.
#[test]
fn replace_list_with_two_primaries_keeps_the_first() {
    let server = TestServer::start();
    let entra = server.tenant("entra");
    let (id, _) = create(&entra, "twoprimaries@contoso.com");
    let r = entra
        .patch_ops(
            &format!("/Users/{id}"),
            json!([{"op": "Replace", "path": "emails", "value": [
                {"value": "a@contoso.com", "type": "work", "primary": true},
                {"value": "b@contoso.com", "type": "home", "primary": "True"}
            ]}]),
        )
        .expect(200);
    let emails = r.json["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2, "{}", r.text);
    assert_eq!(emails[0]["value"], "a@contoso.com");
    assert_eq!(emails[0]["primary"], true);
    assert_ne!(emails[1]["primary"], true, "{}", r.text);
}

#[test]
fn manager_and_roles() {
    let server = TestServer::start();
    let entra = server.tenant("entra");
    let (boss, _) = create(&entra, "boss@contoso.com");
    let (id, _) = create(&entra, "e17@contoso.com");
    let u = format!("/Users/{id}");
    let manager = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
    // a bare string on the enterprise manager path.
    let r = entra
        .patch_ops(&u, json!([{"op": "Add", "path": manager, "value": boss}]))
        .expect(200);
    assert_eq!(r.json[ENTERPRISE]["manager"]["value"], boss.as_str());
    assert_eq!(r.json[ENTERPRISE]["department"], "Sales");
    // the array shape with $ref.
    let r = entra
        .patch_ops(
            &u,
            json!([{"op": "Add", "path": manager, "value": [{"$ref": null, "value": "271"}]}]),
        )
        .expect(200);
    assert_eq!(r.json[ENTERPRISE]["manager"]["value"], "271");
    // Removing the manager.
    let r = entra
        .patch_ops(&u, json!([{"op": "Remove", "path": manager}]))
        .expect(200);
    assert!(r.json[ENTERPRISE].get("manager").is_none(), "{}", r.text);

    // app roles as JSON-encoded strings.
    let r = entra
        .patch_ops(
            &u,
            json!([{"op": "Add", "path": "roles", "value": [
                {"value": "{\"id\":\"827f0d2e-be15-4d8f-a8b3-c10a3f5f1f01\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}
            ]}]),
        )
        .expect(200);
    let roles = r.json["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1, "{}", r.text);
    assert_eq!(roles[0]["value"], "Admin");
    assert_eq!(roles[0]["display"], "Admin");
}

#[test]
fn groups() {
    let server = TestServer::start();
    let entra = server.tenant("entra");
    let (u1, _) = create(&entra, "u1@contoso.com");
    let (u2, _) = create(&entra, "u2@contoso.com");
    let (u3, _) = create(&entra, "u3@contoso.com");

    // group create with an extra non-URN schema and empty members.
    let r = entra
        .post(
            "/Groups",
            &json!({
                "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "displayName",
                "meta": {"resourceType": "Group"},
                "members": [],
                "schemas": [GROUP, MS_GROUP]
            }),
        )
        .expect(201);
    let gid = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["displayName"], "displayName");
    assert_eq!(r.json["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    assert!(r.json.get("members").is_none_or_empty(), "{}", r.text);
    let g = format!("/Groups/{gid}");

    // add members with $ref null → 204 without a body.
    let r = entra
        .patch_ops(
            &g,
            json!([{"op": "Add", "path": "members", "value": [
                {"$ref": null, "value": u1}, {"$ref": null, "value": u2}, {"$ref": null, "value": u3}
            ]}]),
        )
        .expect(204);
    assert!(r.text.is_empty() && r.header("Content-Type").is_none());
    let mut all = vec![u1.clone(), u2.clone(), u3.clone()];
    all.sort();
    assert_eq!(entra.member_ids(&gid), all);

    // Default job: Remove on members with a value array.
    entra
        .patch_ops(
            &g,
            json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}]),
        )
        .expect(204);
    let mut rest = vec![u2.clone(), u3.clone()];
    rest.sort();
    assert_eq!(entra.member_ids(&gid), rest);
    // With the flag: filtered path without a value.
    entra
        .patch_ops(
            &g,
            json!([{"op": "remove", "path": format!("members[value eq \"{u2}\"]")}]),
        )
        .expect(204);
    assert_eq!(entra.member_ids(&gid), vec![u3.clone()]);
    // Removing a member that is not there is not an error for Entra's idempotent retries.
    let r = entra.patch_ops(
        &g,
        json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}]),
    );
    assert_eq!(r.status, 204, "{}", r.text);

    // rename with a capitalised op and a path.
    entra
        .patch_ops(
            &g,
            json!([{"op": "Replace", "path": "displayName", "value": "Pvlo"}]),
        )
        .expect(204);

    // GET and filter with excludedAttributes=members: capitalised attribute name.
    let r = entra
        .get(&format!("{g}?excludedAttributes=members"))
        .expect(200);
    assert_eq!(r.json["displayName"], "Pvlo");
    assert_eq!(r.json["id"], gid.as_str());
    assert!(r.json.get("members").is_none(), "{}", r.text);
    let r = entra
        .filter(
            "Groups",
            r#"displayName eq "Pvlo""#,
            "&excludedAttributes=members",
        )
        .expect(200);
    let list = r.list();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], gid.as_str());
    assert!(list[0].get("members").is_none(), "{}", r.text);
    let r = entra
        .filter("Groups", r#"DisplayName eq "pvlo""#, "")
        .expect(200);
    let list = r.list();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["members"][0]["value"], u3.as_str());
    let r = entra
        .filter(
            "Groups",
            r#"externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159""#,
            "",
        )
        .expect(200);
    assert_eq!(r.total(), 1);
    // users by userName and by externalId, only eq and and.
    let r = entra
        .filter(
            "Users",
            r#"userName eq "u2@contoso.com" and active eq true"#,
            "",
        )
        .expect(200);
    assert_eq!(r.list()[0]["id"], u2.as_str());
    // Members of a group by filter.
    let r = entra
        .filter("Groups", &format!("members[value eq \"{u3}\"]"), "")
        .expect(200);
    assert_eq!(r.total(), 1);

    // replace with a partial list replaces the membership (that is what the client asked).
    entra
        .patch_ops(
            &g,
            json!([{"op": "replace", "path": "members", "value": [{"value": u1}]}]),
        )
        .expect(204);
    assert_eq!(entra.member_ids(&gid), vec![u1.clone()]);
}

#[test]
fn soft_delete() {
    let server = TestServer::start();
    let entra = server.tenant("entra");
    let (id, _) = create(&entra, "e22@contoso.com");
    let u = format!("/Users/{id}");
    let by_name = r#"userName eq "e22@contoso.com""#;
    entra
        .patch_ops(
            &u,
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .expect(200);
    assert_eq!(entra.get(&u).expect(200).json["active"], json!(false));
    let r = entra.filter("Users", by_name, "").expect(200);
    assert_eq!(r.list()[0]["active"], json!(false));
    let r = entra
        .filter(
            "Users",
            r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
            "",
        )
        .expect(200);
    assert_eq!(r.total(), 1);
    entra
        .patch_ops(
            &u,
            json!([{"op": "Replace", "path": "active", "value": "True"}]),
        )
        .expect(200);
    let r = entra.filter("Users", by_name, "").expect(200);
    assert_eq!(r.list()[0]["active"], json!(true));
    // Hard delete.
    entra.delete(&u).expect(204);
    entra.get(&u).expect_error(404, None);
    assert_eq!(entra.filter("Users", by_name, "").expect(200).total(), 0);
    // The userName is free again.
    create(&entra, "e22@contoso.com");
}
