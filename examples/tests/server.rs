//! The example service provider as a whole: tenants and tokens, preconditions, limits, routing,
//! discovery, bulk, paging, sorting, projection, derived attributes, audit, concurrency and the
//! in-memory filter fallback.

mod common;

use common::*;
use examples::server::Config;
use serde_json::{json, Value};

#[test]
fn tenant_isolation_and_tokens() {
    let server = TestServer::start();
    let a = server.tenant("alpha");
    let b = server.tenant("beta");
    let ua = a.create_user("shared@example.com");
    let ga = a.create_group("Alpha group");
    // The same userName in another tenant is not a conflict.
    let ub = b.create_user("shared@example.com");
    assert_ne!(ua, ub);

    // Tenant B's token sees none of A's data.
    assert_eq!(b.get("/Users").expect(200).total(), 1);
    assert_eq!(b.get("/Groups").expect(200).total(), 0);
    b.get(&format!("/Users/{ua}")).expect_error(404, None);
    b.get(&format!("/Groups/{ga}")).expect_error(404, None);
    b.put(
        &format!("/Users/{ua}"),
        &json!({"schemas": [USER], "userName": "stolen"}),
    )
    .expect_error(404, None);
    b.patch_ops(
        &format!("/Users/{ua}"),
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .expect_error(404, None);
    b.delete(&format!("/Users/{ua}")).expect_error(404, None);
    // B cannot add A's user to B's group.
    let gb = b.create_group("Beta group");
    // (Under the IdP-compatible profile an id the tenant does not know is skipped, not refused:
    // another tenant's id is exactly such an id.)
    let r = b.patch_ops(
        &format!("/Groups/{gb}"),
        json!([{"op": "add", "path": "members", "value": [{"value": ua}]}]),
    );
    assert!(matches!(r.status, 204 | 400 | 404 | 409), "{}", r.text);
    assert_eq!(b.member_ids(&gb), Vec::<String>::new());
    // A's user is intact.
    let r = a.get(&format!("/Users/{ua}")).expect(200);
    assert_eq!(r.json["userName"], "shared@example.com");
    assert!(r.json.get("active").is_none() || r.json["active"] == json!(true));

    // Tenant A's token on tenant B's URL → 401, same as a wrong token.
    let cross = Client::new(b.base.clone(), a.token.clone(), None);
    let r = cross.get("/Users").expect_error(401, None);
    assert!(r
        .header("WWW-Authenticate")
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("bearer")));
    cross
        .post("/Users", &json!({"schemas": [USER], "userName": "x"}))
        .expect_error(401, None);
    a.clone()
        .with_token(None)
        .get("/Users")
        .expect_error(401, None);
    a.clone()
        .with_token(Some("not-the-token"))
        .get(&format!("/Users/{ua}"))
        .expect_error(401, None);
    // A token for a tenant that does not exist.
    Client::new(
        format!("{}/t/nobody/scim/v2", server.origin),
        a.token.clone(),
        None,
    )
    .get("/Users")
    .expect_error(401, None);
    // Discovery is behind the token too.
    a.clone()
        .with_token(None)
        .get("/ServiceProviderConfig")
        .expect_error(401, None);
    // Wrong scheme.
    let r = a.send(
        "GET",
        "/Users",
        None,
        &[(
            "Authorization",
            &format!("Basic {}", a.token.clone().unwrap()),
        )],
    );
    assert_eq!(r.status, 401);

    // Re-keying a tenant revokes the old token.
    let old = a.clone();
    let new = server.tenant("alpha");
    old.get("/Users").expect_error(401, None);
    assert_eq!(new.get("/Users").expect(200).total(), 1);
}

#[test]
fn preconditions_limits_and_routing() {
    let server = TestServer::start_with(Config {
        max_body: 4096,
        ..Config::default()
    });
    let c = server.tenant("acme");
    let r = c
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "etag@example.com"}),
        )
        .expect(201);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let etag = r.header("ETag").unwrap().to_owned();
    let u = format!("/Users/{id}");

    // If-None-Match with the current tag → 304, no body; another tag → 200.
    let r = c.send("GET", &u, None, &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 304);
    assert!(r.text.is_empty());
    let r = c.send("GET", &u, None, &[("If-None-Match", "W/\"nope\"")]);
    assert_eq!(r.status, 200);
    // If-Match with a stale tag → 412 on PATCH, PUT and DELETE; nothing changes.
    let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "T"}]}).to_string();
    let r = c.send("PATCH", &u, Some(&patch), &[("If-Match", "W/\"999\"")]);
    let r = r.expect_error(412, None);
    assert!(r.json["detail"].is_string());
    let put = json!({"schemas": [USER], "userName": "etag@example.com", "title": "T"}).to_string();
    c.send("PUT", &u, Some(&put), &[("If-Match", "W/\"999\"")])
        .expect_error(412, None);
    c.send("DELETE", &u, None, &[("If-Match", "W/\"999\"")])
        .expect_error(412, None);
    let r = c.get(&u).expect(200);
    assert!(r.json.get("title").is_none());
    assert_eq!(r.header("ETag"), Some(etag.as_str()));
    // The current tag → the write proceeds and the tag moves.
    let r = c
        .send("PATCH", &u, Some(&patch), &[("If-Match", &etag)])
        .expect(200);
    assert_eq!(r.json["title"], "T");
    let etag2 = r.header("ETag").unwrap().to_owned();
    assert_ne!(etag2, etag);
    c.send("PUT", &u, Some(&put), &[("If-Match", &etag)])
        .expect_error(412, None);
    let r = c
        .send("PUT", &u, Some(&put), &[("If-Match", "*")])
        .expect(200);
    let etag3 = r.header("ETag").unwrap().to_owned();
    // A PATCH that changes nothing does not move the tag.
    let r = c.send("PATCH", &u, Some(&patch), &[]).expect(200);
    assert_eq!(r.header("ETag"), Some(etag3.as_str()));

    // A body over the limit → 413.
    let big = json!({"schemas": [USER], "userName": "big", "title": "x".repeat(5000)}).to_string();
    let r = c
        .send("POST", "/Users", Some(&big), &[])
        .expect_error(413, None);
    assert!(r.json["detail"].is_string());
    c.send("PUT", &u, Some(&big), &[]).expect_error(413, None);

    // Unknown endpoints → 404; wrong methods → 405; all SCIM errors.
    c.get("/Widgets").expect_error(404, None);
    c.get(&format!("/Users/{id}/extra")).expect_error(404, None);
    Client::new(format!("{}/nowhere", server.origin), c.token.clone(), None)
        .get("")
        .expect_error(404, None);
    c.send("DELETE", "/Users", None, &[])
        .expect_error(405, None);
    c.post(&u, &json!({})).expect_error(405, None);
    c.get("/Bulk").expect_error(405, None);
    c.send("PUT", "/ServiceProviderConfig", Some("{}"), &[])
        .expect_error(405, None);
    // Malformed input → 400 with the right scimType.
    c.send("POST", "/Users", Some("{not json"), &[])
        .expect_error(400, Some("invalidSyntax"));
    c.filter("Users", "userName eq", "")
        .expect_error(400, Some("invalidFilter"));
    c.filter("Users", r#"nosuchattr eq "x""#, "")
        .expect_error(400, Some("invalidFilter"));
    c.post("/Users", &json!({"schemas": [USER]}))
        .expect_error(400, Some("invalidValue"));
    c.patch_ops(
        &u,
        json!([{"op": "replace", "path": "id", "value": "other"}]),
    )
    .expect_error(400, Some("mutability"));
    let r = c.send(
        "POST",
        "/Users",
        Some("{}"),
        &[("Content-Type", "text/xml")],
    );
    assert_eq!(r.status, 415, "{}", r.text);
}

#[test]
fn discovery_tells_the_truth() {
    let server = TestServer::start_with(Config {
        max_page_size: 250,
        ..Config::default()
    });
    let c = server.tenant("acme");
    let r = c.get("/ServiceProviderConfig").expect(200);
    let spc = &r.json;
    assert_eq!(
        spc["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(spc["patch"]["supported"], json!(true));
    assert_eq!(spc["bulk"]["supported"], json!(true));
    assert_eq!(spc["bulk"]["maxOperations"], json!(1000));
    assert_eq!(spc["bulk"]["maxPayloadSize"], json!(1 << 20));
    assert_eq!(spc["filter"]["supported"], json!(true));
    assert_eq!(spc["filter"]["maxResults"], json!(250));
    assert_eq!(spc["sort"]["supported"], json!(true));
    assert_eq!(spc["etag"]["supported"], json!(true));
    assert_eq!(spc["changePassword"]["supported"], json!(false));
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(spc["pagination"]["cursor"], json!(true));
    assert_eq!(spc["pagination"]["index"], json!(true));
    assert_eq!(spc["pagination"]["maxPageSize"], json!(250));
    assert_eq!(
        spc["meta"]["location"],
        format!("{}/ServiceProviderConfig", c.base).as_str()
    );
    // The advertised maxResults is enforced.
    let small = TestServer::start_with(Config {
        max_page_size: 2,
        ..Config::default()
    });
    let s = small.tenant("s");
    for i in 0..3 {
        s.create_user(&format!("p{i}"));
    }
    let r = s.get("/Users?count=100").expect(200);
    assert_eq!((r.list().len(), r.total()), (2, 3));

    let r = c.get("/ResourceTypes").expect(200);
    let types = r.list();
    assert_eq!(r.total(), 2);
    let user = types
        .iter()
        .find(|t| t["name"] == "User")
        .expect("User type");
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(user["schema"], USER);
    assert_eq!(user["schemaExtensions"][0]["schema"], ENTERPRISE);
    assert_eq!(user["schemaExtensions"][0]["required"], json!(false));
    let group = types
        .iter()
        .find(|t| t["name"] == "Group")
        .expect("Group type");
    assert_eq!(group["endpoint"], "/Groups");
    let r = c.get("/ResourceTypes/User").expect(200);
    assert_eq!(r.json["name"], "User");
    c.get("/ResourceTypes/Widget").expect_error(404, None);

    let r = c.get("/Schemas").expect(200);
    let schemas = r.list();
    let ids: Vec<&str> = schemas.iter().filter_map(|s| s["id"].as_str()).collect();
    for urn in [USER, GROUP, ENTERPRISE] {
        assert!(ids.contains(&urn), "{urn} missing from {ids:?}");
    }
    let r = c.get(&format!("/Schemas/{USER}")).expect(200);
    let attrs = r.json["attributes"].as_array().unwrap();
    let user_name = attrs.iter().find(|a| a["name"] == "userName").unwrap();
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["required"], json!(true));
    let groups = attrs.iter().find(|a| a["name"] == "groups").unwrap();
    assert_eq!(groups["mutability"], "readOnly");
    let r = c.get(&format!("/Schemas/{ENTERPRISE}")).expect(200);
    assert!(r.json["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "manager"));
    c.get("/Schemas/urn:nope").expect_error(404, None);
}

#[test]
fn bulk_with_bulk_ids_and_fail_on_errors() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let r = c
        .post(
            "/Bulk",
            &json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "Operations": [
                    {"method": "POST", "path": "/Groups", "bulkId": "g1",
                     "data": {"schemas": [GROUP], "displayName": "Bulk group",
                              "members": [{"type": "User", "value": "bulkId:u1"}]}},
                    {"method": "POST", "path": "/Users", "bulkId": "u1",
                     "data": {"schemas": [USER], "userName": "bulk1@example.com"}},
                    {"method": "POST", "path": "/Users", "bulkId": "u2",
                     "data": {"schemas": [USER], "userName": "bulk2@example.com"}}
                ]
            }),
        )
        .expect(200);
    assert_eq!(
        r.json["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    let ops = r.json["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 3);
    let by_id = |b: &str| ops.iter().find(|o| o["bulkId"] == b).unwrap().clone();
    let (g1, u1) = (by_id("g1"), by_id("u1"));
    assert_eq!(g1["status"], "201");
    assert_eq!(u1["status"], "201");
    assert_eq!(g1["method"], "POST");
    let user_id = u1["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let group_id = g1["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        u1["location"],
        format!("{}/Users/{user_id}", c.base).as_str()
    );
    assert!(u1["version"].is_string());
    // The group's member is the user created in the same request.
    assert_eq!(c.member_ids(&group_id), vec![user_id.clone()]);
    let r = c.get(&format!("/Users/{user_id}")).expect(200);
    assert_eq!(r.json["groups"][0]["value"], group_id.as_str());

    // failOnErrors: 1 stops after the first error; later operations do not run.
    let r = c
        .post(
            "/Bulk",
            &json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "failOnErrors": 1,
                "Operations": [
                    {"method": "POST", "path": "/Users", "bulkId": "dup",
                     "data": {"schemas": [USER], "userName": "bulk1@example.com"}},
                    {"method": "POST", "path": "/Users", "bulkId": "never",
                     "data": {"schemas": [USER], "userName": "never@example.com"}}
                ]
            }),
        )
        .expect(200);
    let ops = r.json["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 1, "{}", r.text);
    assert_eq!(ops[0]["status"], "409");
    assert_eq!(ops[0]["response"]["scimType"], "uniqueness");
    assert_eq!(
        c.filter("Users", r#"userName eq "never@example.com""#, "")
            .expect(200)
            .total(),
        0
    );

    // Without failOnErrors every operation runs; PATCH and DELETE work in bulk too.
    let r = c
        .post(
            "/Bulk",
            &json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "Operations": [
                    {"method": "PATCH", "path": format!("/Users/{user_id}"),
                     "data": {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]}},
                    {"method": "DELETE", "path": "/Users/does-not-exist"},
                    {"method": "DELETE", "path": format!("/Groups/{group_id}")}
                ]
            }),
        )
        .expect(200);
    let ops = r.json["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 3);
    assert_eq!(ops[0]["status"], "200");
    assert_eq!(ops[1]["status"], "404");
    assert_eq!(ops[2]["status"], "204");
    assert_eq!(
        c.get(&format!("/Users/{user_id}")).expect(200).json["active"],
        json!(false)
    );
    c.get(&format!("/Groups/{group_id}"))
        .expect_error(404, None);
    // An unresolvable bulkId is an error for that operation only.
    let r = c
        .post(
            "/Bulk",
            &json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                "Operations": [
                    {"method": "POST", "path": "/Groups", "bulkId": "g9",
                     "data": {"schemas": [GROUP], "displayName": "G9", "members": [{"value": "bulkId:missing"}]}}
                ]
            }),
        )
        .expect(200);
    // RFC 7644 §3.7.1: a bulkId that cannot be resolved is a 409 for that operation.
    assert_eq!(r.json["Operations"][0]["status"], "409", "{}", r.text);
    assert_eq!(
        r.json["Operations"][0]["response"]["schemas"],
        json!([ERROR])
    );
    assert_eq!(
        c.filter("Groups", r#"displayName eq "G9""#, "")
            .expect(200)
            .total(),
        0
    );
}

#[test]
fn cursor_paging_rfc9865() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let mut ids = Vec::new();
    for i in 0..11 {
        ids.push(c.create_user(&format!("cursor{i:02}@example.com")));
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let r = c
            .get(&format!("/Users?count=4&cursor={}", enc(&cursor)))
            .expect(200);
        let page = r.list();
        assert_eq!(r.total(), 11);
        assert!(r.json.get("startIndex").is_none(), "{}", r.text);
        seen.extend(page.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        pages += 1;
        match r.json.get("nextCursor").and_then(Value::as_str) {
            Some(next) => {
                assert_eq!(page.len(), 4);
                cursor = next.to_owned();
            }
            None => break,
        }
        assert!(pages < 10, "cursor paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    // A cursor with a filter.
    let f = enc(r#"userName ew "0@example.com""#);
    let r = c
        .get(&format!("/Users?filter={f}&count=1&cursor="))
        .expect(200);
    assert_eq!(r.total(), 2);
    assert_eq!(r.list()[0]["userName"], "cursor00@example.com");
    let next = r.json["nextCursor"].as_str().unwrap().to_owned();
    let r = c
        .get(&format!("/Users?filter={f}&count=1&cursor={}", enc(&next)))
        .expect(200);
    assert_eq!(r.list()[0]["userName"], "cursor10@example.com");
    assert!(r.json.get("nextCursor").is_none());
    // A tampered cursor → 400 invalidCursor.
    let mut bad = next.clone().into_bytes();
    let last = bad.len() - 1;
    bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
    let bad = String::from_utf8(bad).unwrap();
    c.get(&format!("/Users?count=1&cursor={}", enc(&bad)))
        .expect_error(400, Some("invalidCursor"));
    c.get("/Users?count=1&cursor=garbage")
        .expect_error(400, Some("invalidCursor"));
}

/// The server answers a lookup that fits on one page without a COUNT query; totalResults must
/// be the same as when it counts (RFC 7644 §3.4.2.4), at every edge of the page.
#[test]
fn total_results_at_page_edges() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    for i in 0..7 {
        c.create_user(&format!("edge{i}@example.com"));
    }
    let total = |q: &str| {
        let r = c.get(&format!("/Users?{q}")).expect(200);
        (r.total(), r.list().len())
    };
    let one = enc(r#"userName eq "EDGE3@example.com""#);
    let none = enc(r#"userName eq "nobody@example.com""#);
    let all = enc(r#"userName sw "edge""#);
    assert_eq!(total(&format!("filter={one}")), (1, 1));
    assert_eq!(total(&format!("filter={none}")), (0, 0));
    // Past the only match: the page is empty, the total is still 1.
    assert_eq!(total(&format!("filter={one}&startIndex=2")), (1, 0));
    assert_eq!(total(&format!("filter={all}&count=7")), (7, 7));
    assert_eq!(total(&format!("filter={all}&count=8")), (7, 7));
    assert_eq!(total(&format!("filter={all}&count=3")), (7, 3));
    assert_eq!(total(&format!("filter={all}&startIndex=6&count=3")), (7, 2));
    assert_eq!(total(&format!("filter={all}&startIndex=8&count=3")), (7, 0));
    assert_eq!(total(&format!("filter={all}&startIndex=100")), (7, 0));
    assert_eq!(total("count=0"), (7, 0));
    // Cursor paging: a first page that holds everything has no next cursor.
    let r = c
        .get(&format!("/Users?filter={all}&count=7&cursor="))
        .expect(200);
    assert_eq!((r.total(), r.list().len()), (7, 7));
    assert!(r.json.get("nextCursor").is_none(), "{}", r.text);
    let r = c
        .get(&format!("/Users?filter={all}&count=6&cursor="))
        .expect(200);
    assert_eq!((r.total(), r.list().len()), (7, 6));
    assert!(r.json.get("nextCursor").is_some(), "{}", r.text);
}

#[test]
fn sorting_projection_and_derived_groups() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    for name in ["bravo", "alpha", "Charlie", "delta"] {
        c.post(
            "/Users",
            &json!({"schemas": [USER], "userName": name, "title": format!("{name} title"),
                    "emails": [{"value": format!("{name}@example.com"), "type": "work"}]}),
        )
        .expect(201);
    }
    let names = |r: &Resp| -> Vec<String> {
        r.list()
            .iter()
            .map(|u| u["userName"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = c
        .get("/Users?sortBy=userName&sortOrder=descending")
        .expect(200);
    assert_eq!(names(&r), ["delta", "Charlie", "bravo", "alpha"]);
    let r = c.get("/Users?sortBy=userName").expect(200);
    assert_eq!(names(&r), ["alpha", "bravo", "Charlie", "delta"]);
    let r = c
        .get("/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=2")
        .expect(200);
    assert_eq!(names(&r), ["Charlie", "bravo"]);
    // Sorting on an attribute without a column (in memory).
    let r = c
        .get("/Users?sortBy=title&sortOrder=descending")
        .expect(200);
    assert_eq!(names(&r), ["delta", "Charlie", "bravo", "alpha"]);
    // POST .search with sort and paging.
    let r = c
        .post(
            "/Users/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": "userName sw \"a\"", "sortBy": "userName", "sortOrder": "descending",
                    "attributes": ["userName"], "startIndex": 1, "count": 10}),
        )
        .expect(200);
    assert_eq!(names(&r), ["alpha"]);

    // attributes=: id and schemas always come back; others only if asked.
    let r = c
        .filter(
            "Users",
            r#"userName eq "alpha""#,
            "&attributes=userName,emails.value",
        )
        .expect(200);
    let u = &r.list()[0];
    assert_eq!(u["userName"], "alpha");
    assert!(u["id"].is_string());
    assert_eq!(u["schemas"], json!([USER]));
    assert_eq!(u["emails"], json!([{"value": "alpha@example.com"}]));
    assert!(u.get("title").is_none() && u.get("meta").is_none(), "{u}");
    // excludedAttributes=: everything but.
    let r = c
        .filter(
            "Users",
            r#"userName eq "alpha""#,
            "&excludedAttributes=title,emails",
        )
        .expect(200);
    let u = &r.list()[0];
    assert!(u.get("title").is_none() && u.get("emails").is_none(), "{u}");
    assert_eq!(u["userName"], "alpha");
    assert!(u["meta"].is_object());
    let id = u["id"].as_str().unwrap().to_owned();
    let r = c.get(&format!("/Users/{id}?attributes=title")).expect(200);
    assert_eq!(r.json["title"], "alpha title");
    assert!(r.json.get("userName").is_none(), "{}", r.text);

    // User.groups is derived and read-only.
    let gid = c.create_group("Derived");
    c.patch_ops(
        &format!("/Groups/{gid}"),
        json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
    )
    .expect(204);
    let r = c.get(&format!("/Users/{id}")).expect(200);
    assert_eq!(
        r.json["groups"],
        json!([{"value": gid, "$ref": format!("{}/Groups/{gid}", c.base), "display": "Derived", "type": "direct"}])
    );
    let r = c
        .filter("Users", &format!("groups.value eq \"{gid}\""), "")
        .expect(200);
    assert_eq!(r.list()[0]["id"], id.as_str());
    // A PATCH on groups is refused; a PUT's groups are ignored.
    let other = c.create_group("Other");
    c.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "add", "path": "groups", "value": [{"value": other}]}]),
    )
    .expect_error(400, Some("mutability"));
    let mut body = c.get(&format!("/Users/{id}")).expect(200).json;
    body["groups"] = json!([{"value": other}]);
    let r = c.put(&format!("/Users/{id}"), &body).expect(200);
    assert_eq!(r.json["groups"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["groups"][0]["value"], gid.as_str());
    assert_eq!(c.member_ids(&other), Vec::<String>::new());
    // A POST's groups are ignored too (Okta sends groups: []; here a non-empty one).
    let r = c
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "g2", "groups": [{"value": gid}]}),
        )
        .expect(201);
    assert!(no_groups(&r.json), "{}", r.text);
    assert_eq!(c.member_ids(&gid), vec![id.clone()]);
}

#[test]
fn in_memory_filter_fallback() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    for (name, title, active) in [
        ("ann", "Tour Guide", true),
        ("ben", "Engineer", false),
        ("cat", "tour manager", true),
        ("dan", "Manager", true),
    ] {
        c.post(
            "/Users",
            &json!({"schemas": [USER], "userName": name, "title": title, "active": active}),
        )
        .expect(201);
    }
    let names = |f: &str, extra: &str| -> Vec<String> {
        let r = c.filter("Users", f, extra).expect(200);
        assert_eq!(r.total() as usize, r.list().len());
        let mut n: Vec<String> = r
            .list()
            .iter()
            .map(|u| u["userName"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(r#"title co "tour""#, ""), ["ann", "cat"]);
    assert_eq!(names(r#"title co "x""#, ""), Vec::<String>::new());
    assert_eq!(names(r#"not (title co "tour")"#, ""), ["ben", "dan"]);
    assert_eq!(
        names(r#"not (userName eq "ann")"#, ""),
        ["ben", "cat", "dan"]
    );
    assert_eq!(names(r#"userName ne "ann""#, ""), ["ben", "cat", "dan"]);
    assert_eq!(
        names(r#"title co "manager" and active eq true"#, ""),
        ["cat", "dan"]
    );
    assert_eq!(
        names(r#"userName eq "ann" or title ew "neer""#, ""),
        ["ann", "ben"]
    );
    assert_eq!(names(r#"title pr and not (active eq true)"#, ""), ["ben"]);
    assert_eq!(
        names(r#"meta.created gt "2000-01-01T00:00:00Z""#, ""),
        ["ann", "ben", "cat", "dan"]
    );
    // Paging and counting over the in-memory result.
    let r = c
        .filter(
            "Users",
            r#"not (userName eq "ann")"#,
            "&startIndex=2&count=1&sortBy=userName",
        )
        .expect(200);
    assert_eq!(r.total(), 3);
    assert_eq!(r.list()[0]["userName"], "cat");
    // Unicode case folding (SQLite's NOCASE is ASCII only).
    c.post("/Users", &json!({"schemas": [USER], "userName": "bárbara"}))
        .expect(201);
    assert_eq!(names(r#"userName eq "BÁRBARA""#, ""), ["bárbara"]);
    // Any valid filter is answered, indexed or not: no `tooMany` for a filter the schema knows.
    let s = server.tenant("s");
    for i in 0..3 {
        s.create_user(&format!("s{i}"));
    }
    assert_eq!(
        s.filter("Users", r#"title co "x""#, "").expect(200).total(),
        0
    );
    assert_eq!(
        s.filter("Users", r#"userName eq "s1""#, "")
            .expect(200)
            .total(),
        1
    );
}

#[test]
fn audit_records_every_write() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let id = c.create_user("audit@example.com");
    let gid = c.create_group("Audited");
    c.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .expect(200);
    c.put(
        &format!("/Users/{id}"),
        &json!({"schemas": [USER], "userName": "audit@example.com"}),
    )
    .expect(200);
    c.patch_ops(
        &format!("/Groups/{gid}"),
        json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
    )
    .expect(204);
    c.delete(&format!("/Groups/{gid}")).expect(204);
    // A refused write is recorded with its status; reads are not.
    c.post(
        "/Users",
        &json!({"schemas": [USER], "userName": "audit@example.com"}),
    )
    .expect_error(409, Some("uniqueness"));
    c.get(&format!("/Users/{id}")).expect(200);
    c.get("/Users").expect(200);

    // The audit writer runs beside the requests: wait for it, then read through the admin API.
    server.settle();
    let trail = server.admin().get("/tenants/acme/audit");
    let got: Vec<(&str, &str, &str, &str, Option<u64>)> = trail
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            (
                e["tenant"].as_str().unwrap(),
                e["method"].as_str().unwrap(),
                e["resource_type"].as_str().unwrap(),
                e["resource_id"].as_str().unwrap_or(""),
                e["status"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("acme", "POST", "User", id.as_str(), None),
            ("acme", "POST", "Group", gid.as_str(), None),
            ("acme", "PATCH", "User", id.as_str(), None),
            ("acme", "PUT", "User", id.as_str(), None),
            ("acme", "PATCH", "Group", gid.as_str(), None),
            ("acme", "DELETE", "Group", gid.as_str(), None),
            ("acme", "POST", "User", "", Some(409)),
        ]
    );
    for e in trail.as_array().unwrap() {
        let at = e["at"].as_str().unwrap();
        assert!(at.ends_with('Z') && at.len() >= 20, "{at}");
    }
}

#[test]
fn concurrent_member_patches_lose_nothing() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let gid = c.create_group("Busy");
    let g = format!("/Groups/{gid}");
    // 8 writers × 6 members; 2 of them also remove one of their own (added before the race).
    let users: Vec<Vec<String>> = (0..8)
        .map(|t| {
            (0..6)
                .map(|i| c.create_user(&format!("t{t}u{i}")))
                .collect()
        })
        .collect();
    let doomed: Vec<String> = (0..2).map(|t| users[t][0].clone()).collect();
    c.patch_ops(&g, json!([{"op": "add", "path": "members", "value": doomed.iter().map(|v| json!({"value": v})).collect::<Vec<_>>()}]))
        .expect(204);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = users
        .iter()
        .cloned()
        .enumerate()
        .map(|(t, mine)| {
            let c = c.clone();
            let g = g.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                for (i, m) in mine.iter().enumerate() {
                    if t < 2 && i == 0 {
                        continue;
                    }
                    c.patch_ops(&g, json!([{"op": "add", "path": "members", "value": [{"value": m}]}]))
                        .expect(204);
                }
                if t < 2 {
                    c.patch_ops(&g, json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", mine[0])}]))
                        .expect(204);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer thread");
    }
    let mut want: Vec<String> = users
        .iter()
        .flatten()
        .filter(|u| !doomed.contains(u))
        .cloned()
        .collect();
    want.sort();
    assert_eq!(c.member_ids(&gid), want);
    assert_eq!(want.len(), 46);
    // The version moved once per effective PATCH: 1 (create) + 1 (doomed) + 46 adds + 2 removes.
    let r = c.get(&g).expect(200);
    assert_eq!(r.header("ETag"), Some("W/\"50\""));
}

/// RFC 7644 §3.4.2.1 / §3.4.3: a query at the root searches every resource type.
#[test]
fn search_at_the_root_spans_resource_types() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    c.create_user("alice");
    c.create_user("bob");
    c.create_group("Admins");
    let r = c.get("/").expect(200);
    assert_eq!(r.total(), 3);
    // A filter on a User-only attribute matches no group (and is no error).
    let r = c
        .get(&format!("/?filter={}", enc(r#"userName sw "a""#)))
        .expect(200);
    assert_eq!(r.total(), 1);
    assert_eq!(r.list()[0]["userName"], "alice");
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": "displayName eq \"Admins\" or userName eq \"bob\"",
                        "attributes": ["userName", "displayName"], "sortBy": "meta.created",
                        "startIndex": 1, "count": 10});
    let r = c.post("/.search", &search).expect(200);
    assert_eq!(r.total(), 2);
    let list = r.list();
    assert_eq!(list.len(), 2);
    assert!(list
        .iter()
        .all(|v| v.get("meta").is_none() && v.get("id").is_some()));
    // An attribute no resource type has is still an invalidFilter.
    c.get(&format!("/?filter={}", enc(r#"nosuch eq "x""#)))
        .expect_error(400, Some("invalidFilter"));
}

/// Adding and removing one member of a large group changes exactly that member (the direct SQL
/// path), and a mixed request (rename + member add) still applies atomically.
#[test]
fn one_member_change_in_a_large_group() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let users: Vec<String> = (0..300)
        .map(|i| c.create_user(&format!("user{i}")))
        .collect();
    let members: Vec<Value> = users
        .iter()
        .take(299)
        .map(|id| json!({"value": id}))
        .collect();
    let g = c
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Big", "members": members}),
        )
        .expect(201);
    let gid = g.json["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{gid}");
    let last = users[299].clone();
    c.patch_ops(
        &path,
        json!([{"op": "add", "path": "members", "value": [{"value": last}]}]),
    )
    .expect(204);
    assert_eq!(c.member_ids(&gid).len(), 300);
    c.patch_ops(
        &path,
        json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", users[0])}]),
    )
    .expect(204);
    let ids = c.member_ids(&gid);
    assert_eq!(ids.len(), 299);
    assert!(!ids.contains(&users[0]));
    // Rename and add in one request; a malformed member (no `value`) makes the whole request fail
    // with nothing changed. (An unknown member id is skipped instead: see okta.rs.)
    c.patch_ops(
        &path,
        json!([{"op": "replace", "value": {"displayName": "Bigger"}},
               {"op": "add", "path": "members", "value": [{"display": "no value"}]}]),
    )
    .expect_error(400, Some("invalidValue"));
    let now = c
        .get(&format!("{path}?excludedAttributes=members"))
        .expect(200);
    assert_eq!(now.json["displayName"], "Big");
    assert_eq!(c.member_ids(&gid).len(), 299);
    c.patch_ops(
        &path,
        json!([{"op": "replace", "value": {"id": gid, "displayName": "Bigger"}},
               {"op": "add", "path": "members", "value": [{"value": users[0]}]}]),
    )
    .expect(204);
    assert_eq!(
        c.get(&format!("{path}?excludedAttributes=members"))
            .expect(200)
            .json["displayName"],
        "Bigger"
    );
    assert_eq!(c.member_ids(&gid).len(), 300);
}
