//! Okta's provisioning request sequences (docs/idp-compatibility.md), replayed over HTTP against the
//! example service provider, as Okta sends them.

mod common;

use common::*;
use serde_json::{json, Value};

const OKTA_UA: &str = "Okta SCIM Client 1.0.0";

fn okta(server: &TestServer, tenant: &str) -> Client {
    server.tenant(tenant).with_user_agent(OKTA_UA)
}

/// Okta's create body.
fn okta_user(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": user_name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": external_id,
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

#[test]
fn user_lifecycle_to() {
    let server = TestServer::start();
    let okta = okta(&server, "okta");

    // the URL-encoded existence check with startIndex=1&count=100 → empty ListResponse.
    let check = "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100";
    let r = okta.get(check).expect(200);
    assert_eq!(r.list(), Vec::<Value>::new());
    assert_eq!(r.json["totalResults"], json!(0));
    assert_eq!(r.json["startIndex"], json!(1));
    assert_eq!(r.json["itemsPerPage"], json!(0));

    // create → 201, Location, ETag, a non-empty body without the password.
    let r = okta
        .post(
            "/Users",
            &okta_user("test.user@okta.local", "00ujl29u0le5T6Aj10h7"),
        )
        .expect(201);
    let id = r.json["id"].as_str().expect("id").to_owned();
    assert!(!id.is_empty());
    assert_eq!(r.json["userName"], "test.user@okta.local");
    assert_eq!(r.json["externalId"], "00ujl29u0le5T6Aj10h7");
    assert_eq!(r.json["locale"], "en-US");
    assert_eq!(r.json["displayName"], "Test User");
    assert_eq!(r.json["active"], json!(true));
    assert_eq!(r.json["name"]["givenName"], "Test");
    assert_eq!(r.json["emails"][0]["value"], "test.user@okta.local");
    assert!(
        r.json.get("password").is_none(),
        "password is never returned: {}",
        r.text
    );
    assert_eq!(r.json["meta"]["resourceType"], "User");
    let location = format!("{}/Users/{id}", okta.base);
    assert_eq!(r.json["meta"]["location"], location.as_str());
    assert_eq!(r.header("Location"), Some(location.as_str()));
    let etag = r.header("ETag").expect("ETag").to_owned();
    assert_eq!(r.json["meta"]["version"], etag.as_str());
    assert!(etag.starts_with("W/\""), "{etag}");
    let created = r.json["meta"]["created"]
        .as_str()
        .expect("created")
        .to_owned();
    assert_eq!(r.json["meta"]["lastModified"], created.as_str());

    // The existence check now finds it (case-insensitively, as userName is caseExact=false).
    let r = okta.get(check).expect(200);
    let found = r.list();
    assert_eq!((r.total(), found.len()), (1, 1));
    assert_eq!(found[0]["id"], id.as_str());
    assert_eq!(found[0]["userName"], "test.user@okta.local");
    let r = okta
        .filter(
            "Users",
            r#"userName eq "TEST.USER@OKTA.LOCAL""#,
            "&startIndex=1&count=100",
        )
        .expect(200);
    assert_eq!(r.total(), 1);

    // a duplicate create → 409 uniqueness with the Error schema (also in another case).
    for name in ["test.user@okta.local", "Test.User@Okta.Local"] {
        let r = okta
            .post("/Users", &okta_user(name, "00uOTHER"))
            .expect_error(409, Some("uniqueness"));
        assert!(r.json["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }

    // GET, modify, PUT the whole resource including id and meta.
    let r = okta.get(&format!("/Users/{id}")).expect(200);
    assert_eq!(r.header("ETag"), Some(etag.as_str()));
    let mut full = r.json.clone();
    full["name"]["givenName"] = json!("Changed");
    full["title"] = json!("Engineer");
    full["emails"] = json!([{"primary": true, "value": "changed@okta.local", "type": "work"}]);
    full["password"] = json!("newpass1");
    let r = okta.put(&format!("/Users/{id}"), &full).expect(200);
    assert_eq!(r.json["id"], id.as_str());
    assert_eq!(r.json["name"]["givenName"], "Changed");
    assert_eq!(r.json["name"]["familyName"], "User");
    assert_eq!(r.json["title"], "Engineer");
    assert_eq!(r.json["emails"][0]["value"], "changed@okta.local");
    assert!(r.json.get("password").is_none());
    assert_eq!(r.json["meta"]["created"], created.as_str());
    let etag2 = r.header("ETag").expect("ETag").to_owned();
    assert_ne!(etag2, etag);
    assert_eq!(r.json["meta"]["version"], etag2.as_str());
    // PUT replaces: an attribute left out is gone.
    let mut smaller = r.json.clone();
    smaller.as_object_mut().unwrap().remove("title");
    let r = okta.put(&format!("/Users/{id}"), &smaller).expect(200);
    assert!(r.json.get("title").is_none(), "{}", r.text);
    // The old email is no longer indexed; the new one is.
    let r = okta
        .filter("Users", r#"emails.value eq "test.user@okta.local""#, "")
        .expect(200);
    assert_eq!(r.total(), 0);
    let r = okta
        .filter("Users", r#"emails eq "changed@okta.local""#, "")
        .expect(200);
    assert_eq!(r.total(), 1);

    // deactivate with a no-path replace.
    let r = okta
        .patch_ops(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .expect(200);
    assert_eq!(r.json["active"], json!(false));
    assert_eq!(r.json["userName"], "test.user@okta.local");
    // the user stays visible, by GET and by the existence check.
    let r = okta.get(&format!("/Users/{id}")).expect(200);
    assert_eq!(r.json["active"], json!(false));
    let r = okta.get(check).expect(200);
    assert_eq!(r.list()[0]["active"], json!(false));
    let r = okta.filter("Users", "active eq false", "").expect(200);
    assert_eq!(r.list()[0]["id"], id.as_str());
    // Reactivate.
    let r = okta
        .patch_ops(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"active": true}}]),
        )
        .expect(200);
    assert_eq!(r.json["active"], json!(true));
    // Password sync by PATCH is accepted and never echoed.
    let r = okta
        .patch_ops(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"password": "pw2"}}]),
        )
        .expect(200);
    assert!(r.json.get("password").is_none());
}

#[test]
fn group_push() {
    let server = TestServer::start();
    let okta = okta(&server, "okta");
    let alice = okta.create_user("alice@okta.local");
    let bob = okta.create_user("bob@okta.local");
    let carol = okta.create_user("carol@okta.local");

    // Create the group (Okta pushes it empty, then adds members).
    let r = okta
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []}),
        )
        .expect(201);
    let gid = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["displayName"], "Test SCIMv2");
    let gloc = format!("{}/Groups/{gid}", okta.base);
    assert_eq!(r.header("Location"), Some(gloc.as_str()));
    assert!(r.header("ETag").is_some());
    let g = format!("/Groups/{gid}");

    // add members with value + display → 204, no body (docs/idp-compatibility.md).
    let r = okta
        .patch_ops(
            &g,
            json!([{"op": "add", "path": "members", "value": [
                {"value": alice, "display": "alice@okta.local"},
                {"value": bob, "display": "bob@okta.local"}
            ]}]),
        )
        .expect(204);
    assert!(r.text.is_empty());
    let r = okta.get(&g).expect(200);
    let members = r.json["members"].as_array().unwrap().clone();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0]["value"], alice.as_str());
    assert_eq!(members[0]["display"], "alice@okta.local");
    assert_eq!(
        members[0]["$ref"],
        format!("{}/Users/{alice}", okta.base).as_str()
    );
    assert_eq!(members[1]["value"], bob.as_str());
    // Adding again does not duplicate.
    okta.patch_ops(
        &g,
        json!([{"op": "add", "path": "members", "value": [{"value": alice}]}]),
    )
    .expect(204);
    assert_eq!(okta.member_ids(&gid).len(), 2);
    // User.groups reflects the membership.
    let r = okta.get(&format!("/Users/{alice}")).expect(200);
    assert_eq!(r.json["groups"][0]["value"], gid.as_str());
    assert_eq!(r.json["groups"][0]["display"], "Test SCIMv2");

    // filtered remove with no value.
    okta.patch_ops(
        &g,
        json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}]),
    )
    .expect(204);
    assert_eq!(okta.member_ids(&gid), vec![bob.clone()]);
    let r = okta.get(&format!("/Users/{alice}")).expect(200);
    assert!(no_groups(&r.json), "{}", r.text);

    // full push with replace members.
    okta.patch_ops(
        &g,
        json!([{"op": "replace", "path": "members", "value": [
            {"value": alice, "display": "alice@okta.local"},
            {"value": carol, "display": "carol@okta.local"}
        ]}]),
    )
    .expect(204);
    let mut want = vec![alice.clone(), carol.clone()];
    want.sort();
    assert_eq!(okta.member_ids(&gid), want);

    // rename with a no-path replace that carries the read-only id, sent with a membership
    // update.
    okta.patch_ops(
        &g,
        json!([
            {"op": "replace", "value": {"id": gid, "displayName": "Renamed SCIMv2"}},
            {"op": "add", "path": "members", "value": [{"value": bob, "display": "bob@okta.local"}]}
        ]),
    )
    .expect(204);
    let r = okta.get(&g).expect(200);
    assert_eq!(r.json["displayName"], "Renamed SCIMv2");
    assert_eq!(r.json["id"], gid.as_str());
    assert_eq!(r.json["members"].as_array().unwrap().len(), 3);
    // The group's new name is what User.groups shows.
    let r = okta.get(&format!("/Users/{bob}")).expect(200);
    assert_eq!(r.json["groups"][0]["display"], "Renamed SCIMv2");
    // A no-path replace whose id differs from the resource's is not a way to change the id.
    let r = okta.patch_ops(
        &g,
        json!([{"op": "replace", "value": {"id": "other", "displayName": "Renamed SCIMv2"}}]),
    );
    assert!(r.status == 204 || r.status == 400, "{}", r.text);
    assert_eq!(okta.get(&g).expect(200).json["id"], gid.as_str());

    // pushing an empty group sends replace members [].
    okta.patch_ops(
        &g,
        json!([{"op": "replace", "path": "members", "value": []}]),
    )
    .expect(204);
    assert_eq!(okta.member_ids(&gid), Vec::<String>::new());
    let r = okta.get(&format!("/Users/{carol}")).expect(200);
    assert!(no_groups(&r.json), "{}", r.text);

    // a group PATCH that asks for attributes answers 200 with them.
    let r = okta
        .patch(
            &format!("{g}?attributes=displayName"),
            &json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": carol}]}]}),
        )
        .expect(200);
    assert_eq!(r.json["displayName"], "Renamed SCIMv2");
    assert_eq!(r.json["id"], gid.as_str());
    assert!(r.json.get("members").is_none(), "{}", r.text);

    // PUT a group (custom AIW apps update groups with PUT), members included.
    let r = okta.get(&g).expect(200);
    let mut full = r.json.clone();
    full["members"] = json!([{"value": alice}, {"value": bob}]);
    let r = okta.put(&g, &full).expect(200);
    assert_eq!(r.json["members"].as_array().unwrap().len(), 2);
    let mut want = vec![alice.clone(), bob.clone()];
    want.sort();
    assert_eq!(okta.member_ids(&gid), want);

    // A member id the service does not know (deleted meanwhile, or never provisioned) must not
    // fail the whole push: Okta does not retry a 400. The known member is added, the unknown one
    // skipped (and reported as a provisioning event).
    okta.patch_ops(
        &g,
        json!([{"op": "add", "path": "members", "value": [{"value": carol}, {"value": "no-such-user"}]}]),
    )
    .expect(204);
    let mut want = vec![alice.clone(), bob.clone(), carol.clone()];
    want.sort();
    assert_eq!(okta.member_ids(&gid), want);

    // DELETE the group on unlink → 204, then 404; users lose it from `groups`.
    let r = okta.delete(&g).expect(204);
    assert!(r.text.is_empty());
    okta.get(&g).expect_error(404, None);
    okta.delete(&g).expect_error(404, None);
    let r = okta.get(&format!("/Users/{alice}")).expect(200);
    assert!(no_groups(&r.json), "{}", r.text);
    // The users are untouched.
    okta.get(&format!("/Users/{bob}")).expect(200);
}

#[test]
fn import_paging() {
    let server = TestServer::start();
    let okta = okta(&server, "okta");
    let mut created = Vec::new();
    for i in 0..23 {
        created.push(okta.create_user(&format!("user{i:02}@okta.local")));
    }
    // A user deleted in between must not shift the order of the others.
    let mut seen = Vec::new();
    let mut start = 1;
    let count = 5;
    loop {
        let r = okta
            .get(&format!("/Users?startIndex={start}&count={count}"))
            .expect(200);
        let page = r.list();
        assert_eq!(r.json["totalResults"], json!(23));
        assert_eq!(r.json["startIndex"], json!(start));
        assert!(r.json["startIndex"].is_u64() && r.json["itemsPerPage"].is_u64());
        seen.extend(page.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        start += count;
        if start > r.total() {
            assert_eq!(page.len(), 23 % 5);
            break;
        }
        assert_eq!(page.len(), 5);
    }
    // Every user exactly once, in a stable (creation) order.
    assert_eq!(seen, created);
    // The same page twice is the same page.
    let a = okta.get("/Users?startIndex=6&count=5").expect(200).list();
    let b = okta.get("/Users?startIndex=6&count=5").expect(200).list();
    assert_eq!(a, b);
    // Past the end: empty page, integer counts.
    let r = okta.get("/Users?startIndex=100&count=100").expect(200);
    assert_eq!(r.list(), Vec::<Value>::new());
    assert_eq!(r.total(), 23);
    // count=0 returns only the total (RFC 7644 §3.4.2.4).
    let r = okta.get("/Users?count=0").expect(200);
    assert_eq!((r.list().len(), r.total()), (0, 23));
}
