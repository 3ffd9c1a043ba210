//! The example application on provisioning events, over HTTP: accounts kept through
//! deactivation and deletion, teams driven by IdP groups, the audit trail, token rotation, and
//! the admin API's credential.

mod common;

use std::time::Duration;

use common::*;
use examples::server::{Config, DeleteMode};
use serde_json::{json, Value};

fn user(user_name: &str, external_id: Option<&str>) -> Value {
    let mut u = json!({"schemas": [USER], "userName": user_name, "active": true});
    if let Some(e) = external_id {
        u["externalId"] = json!(e);
    }
    u
}

fn create(c: &Client, body: &Value) -> String {
    c.post("/Users", body).expect(201).json["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

fn add_members(c: &Client, group: &str, ids: &[&str]) {
    let value: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    c.patch_ops(
        &format!("/Groups/{group}"),
        json!([{"op": "add", "path": "members", "value": value}]),
    )
    .expect(204);
}

fn remove_member(c: &Client, group: &str, id: &str) {
    c.patch_ops(
        &format!("/Groups/{group}"),
        json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]),
    )
    .expect(204);
}

fn set_active(c: &Client, id: &str, active: bool) {
    c.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "value": {"active": active}}]),
    )
    .expect(200);
}

/// The account linked to SCIM user `scim_id`, or by `userName`.
fn account(admin: &AdminApi, tenant: &str, user_name: &str) -> Value {
    admin
        .get(&format!("/tenants/{tenant}/accounts"))
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["user_name"] == user_name)
        .unwrap_or_else(|| panic!("no account {user_name}"))
        .clone()
}

/// The userNames in team `name`, sorted, with their source.
fn team(admin: &AdminApi, tenant: &str, name: &str) -> Vec<(String, String)> {
    let teams = admin.get(&format!("/tenants/{tenant}/teams"));
    let team = teams
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no team {name}: {teams}"));
    let mut members: Vec<(String, String)> = team["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["user_name"].as_str().unwrap().to_owned(),
                m["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    members.sort();
    members
}

fn names(members: &[(String, String)]) -> Vec<&str> {
    members.iter().map(|(n, _)| n.as_str()).collect()
}

/// Maps `group` to a new team named after it; returns the team id.
fn map_to_new_team(admin: &AdminApi, tenant: &str, group: &str) -> i64 {
    let (status, body) = admin.send(
        "PUT",
        &format!("/tenants/{tenant}/groups/{group}/team"),
        Some(&json!({"createTeam": true})),
    );
    assert_eq!(status, 200, "{body}");
    body["team_id"].as_i64().expect("team id")
}

fn map(admin: &AdminApi, tenant: &str, group: &str, team: i64) {
    let (status, body) = admin.send(
        "PUT",
        &format!("/tenants/{tenant}/groups/{group}/team"),
        Some(&json!({"team": team})),
    );
    assert_eq!(status, 200, "{body}");
}

fn new_team(admin: &AdminApi, tenant: &str, name: &str) -> i64 {
    let (status, body) = admin.send(
        "POST",
        &format!("/tenants/{tenant}/teams"),
        Some(&json!({"name": name})),
    );
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

#[test]
fn deactivation_keeps_the_account_and_reactivation_restores_its_group_teams() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let admin = server.admin();
    let alice = create(&c, &user("alice@example.com", Some("okta-alice")));
    let eng = c.create_group("Engineering");
    let other = c.create_group("Unmapped");
    add_members(&c, &eng, &[&alice]);
    add_members(&c, &other, &[&alice]);
    server.settle();
    map_to_new_team(&admin, "acme", &eng);
    let ops = new_team(&admin, "acme", "On-call");
    let id = account(&admin, "acme", "alice@example.com")["id"]
        .as_i64()
        .unwrap();
    let (s, _) = admin.send(
        "PUT",
        &format!("/tenants/acme/teams/{ops}/members/{id}"),
        None,
    );
    assert_eq!(s, 204);
    assert_eq!(
        team(&admin, "acme", "Engineering"),
        [("alice@example.com".into(), "idp".into())]
    );
    assert_eq!(
        team(&admin, "acme", "On-call"),
        [("alice@example.com".into(), "manual".into())]
    );
    // An unmapped group grants nothing: no team was made from it.
    assert_eq!(
        admin.get("/tenants/acme/teams").as_array().unwrap().len(),
        2
    );

    set_active(&c, &alice, false);
    server.settle();
    let a = account(&admin, "acme", "alice@example.com");
    assert_eq!(
        (a["active"].clone(), a["id"].as_i64()),
        (json!(false), Some(id))
    );
    assert_eq!(a["scim_id"], alice.as_str());
    assert!(team(&admin, "acme", "Engineering").is_empty());
    assert!(team(&admin, "acme", "On-call").is_empty());
    // SCIM still has the user, inactive, and in its groups.
    assert_eq!(
        c.get(&format!("/Users/{alice}")).expect(200).json["active"],
        json!(false)
    );

    set_active(&c, &alice, true);
    server.settle();
    assert_eq!(
        account(&admin, "acme", "alice@example.com")["active"],
        json!(true)
    );
    // The group-derived team comes back; a manual membership does not.
    assert_eq!(
        names(&team(&admin, "acme", "Engineering")),
        ["alice@example.com"]
    );
    assert!(team(&admin, "acme", "On-call").is_empty());
}

#[test]
fn a_rehire_restores_the_same_account_and_its_teams() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let admin = server.admin();
    let eng = c.create_group("Engineering");
    server.settle();
    map_to_new_team(&admin, "acme", &eng);
    let bob = create(&c, &user("bob@example.com", Some("okta-bob")));
    let carol = create(&c, &user("carol@example.com", None));
    add_members(&c, &eng, &[&bob, &carol]);
    server.settle();
    let bob_account = account(&admin, "acme", "bob@example.com")["id"]
        .as_i64()
        .unwrap();
    let carol_account = account(&admin, "acme", "carol@example.com")["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        names(&team(&admin, "acme", "Engineering")),
        ["bob@example.com", "carol@example.com"]
    );

    // DELETE: gone from SCIM's point of view (RFC 7644 §3.6), kept by the application.
    c.delete(&format!("/Users/{bob}")).expect(204);
    c.delete(&format!("/Users/{carol}")).expect(204);
    c.get(&format!("/Users/{bob}")).expect_error(404, None);
    assert_eq!(
        c.filter("Users", r#"userName eq "bob@example.com""#, "")
            .total(),
        0
    );
    server.settle();
    let kept = account(&admin, "acme", "bob@example.com");
    assert_eq!(kept["active"], json!(false));
    assert_eq!(kept["scim_id"], Value::Null);
    assert!(team(&admin, "acme", "Engineering").is_empty());

    // The IdP creates them again: by externalId (with a new userName) and by userName.
    let bob2 = create(&c, &user("robert@example.com", Some("okta-bob")));
    let carol2 = create(&c, &user("CAROL@example.com", None));
    assert_ne!(bob2, bob);
    server.settle();
    let back = account(&admin, "acme", "robert@example.com");
    assert_eq!(back["id"].as_i64(), Some(bob_account));
    assert_eq!(
        (back["active"].clone(), back["scim_id"].clone()),
        (json!(true), json!(bob2))
    );
    assert_eq!(
        account(&admin, "acme", "CAROL@example.com")["id"].as_i64(),
        Some(carol_account)
    );
    assert_eq!(
        admin
            .get("/tenants/acme/accounts")
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The IdP pushes the group again: the team is restored, for the same accounts.
    add_members(&c, &eng, &[&bob2, &carol2]);
    server.settle();
    assert_eq!(
        names(&team(&admin, "acme", "Engineering")),
        ["CAROL@example.com", "robert@example.com"]
    );
}

#[test]
fn hard_delete_removes_the_account() {
    let server = TestServer::start_with(Config {
        delete: DeleteMode::Hard,
        ..Config::default()
    });
    let c = server.tenant("acme");
    let admin = server.admin();
    let dan = create(&c, &user("dan@example.com", Some("okta-dan")));
    server.settle();
    let first = account(&admin, "acme", "dan@example.com")["id"]
        .as_i64()
        .unwrap();
    c.delete(&format!("/Users/{dan}")).expect(204);
    server.settle();
    assert_eq!(admin.get("/tenants/acme/accounts"), json!([]));
    create(&c, &user("dan@example.com", Some("okta-dan")));
    server.settle();
    assert_ne!(
        account(&admin, "acme", "dan@example.com")["id"].as_i64(),
        Some(first)
    );
}

#[test]
fn a_mapped_team_follows_its_groups_and_an_unmapped_team_is_left_alone() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let admin = server.admin();
    let ids: Vec<String> = ["u1", "u2", "u3", "u4"]
        .iter()
        .map(|n| create(&c, &user(&format!("{n}@example.com"), None)))
        .collect();
    let account_id = |n: &str| {
        account(&admin, "acme", &format!("{n}@example.com"))["id"]
            .as_i64()
            .unwrap()
    };
    let (backend, frontend) = (c.create_group("Backend"), c.create_group("Frontend"));
    add_members(&c, &backend, &[&ids[0]]);
    add_members(&c, &frontend, &[&ids[1]]);
    server.settle();
    // Several groups -> one team.
    let eng = new_team(&admin, "acme", "Engineering");
    map(&admin, "acme", &backend, eng);
    map(&admin, "acme", &frontend, eng);
    assert_eq!(
        names(&team(&admin, "acme", "Engineering")),
        ["u1@example.com", "u2@example.com"]
    );
    // A team no group drives.
    let social = new_team(&admin, "acme", "Social");
    for (team_id, n) in [(eng, "u4"), (social, "u4")] {
        let (s, _) = admin.send(
            "PUT",
            &format!("/tenants/acme/teams/{team_id}/members/{}", account_id(n)),
            None,
        );
        assert_eq!(s, 204);
    }
    assert!(
        team(&admin, "acme", "Engineering").contains(&("u4@example.com".into(), "manual".into()))
    );

    // The next membership change reconciles the mapped team: u3 joins, the manual u4 goes.
    add_members(&c, &backend, &[&ids[2]]);
    server.settle();
    assert_eq!(
        team(&admin, "acme", "Engineering"),
        [
            ("u1@example.com".into(), "idp".into()),
            ("u2@example.com".into(), "idp".into()),
            ("u3@example.com".into(), "idp".into())
        ]
    );
    assert_eq!(
        team(&admin, "acme", "Social"),
        [("u4@example.com".into(), "manual".into())]
    );

    // Leaving one group keeps the team while another mapped group still has the member.
    add_members(&c, &frontend, &[&ids[0]]);
    remove_member(&c, &backend, &ids[0]);
    server.settle();
    assert!(names(&team(&admin, "acme", "Engineering")).contains(&"u1@example.com"));
    remove_member(&c, &frontend, &ids[0]);
    server.settle();
    assert_eq!(
        names(&team(&admin, "acme", "Engineering")),
        ["u2@example.com", "u3@example.com"]
    );

    // A deleted group no longer drives its team; a renamed one is listed under its new name.
    c.patch_ops(
        &format!("/Groups/{frontend}"),
        json!([{"op": "replace", "path": "displayName", "value": "Web"}]),
    )
    .expect_status_2xx();
    c.delete(&format!("/Groups/{backend}")).expect(204);
    server.settle();
    assert_eq!(
        names(&team(&admin, "acme", "Engineering")),
        ["u2@example.com"]
    );
    let groups = admin.get("/tenants/acme/groups");
    assert_eq!(
        groups,
        json!([{"scim_id": frontend, "display_name": "Web", "team_id": eng}])
    );

    // Unmapping leaves the team's members as they are: it is the application's now.
    let (s, _) = admin.send(
        "PUT",
        &format!("/tenants/acme/groups/{frontend}/team"),
        Some(&json!({"team": null})),
    );
    assert_eq!(s, 200);
    add_members(&c, &frontend, &[&ids[3]]);
    server.settle();
    assert_eq!(
        names(&team(&admin, "acme", "Engineering")),
        ["u2@example.com"]
    );
}

trait Status2xx {
    fn expect_status_2xx(self) -> Resp;
}

impl Status2xx for Resp {
    #[track_caller]
    fn expect_status_2xx(self) -> Resp {
        assert!(
            (200..300).contains(&self.status),
            "{}: {}",
            self.status,
            self.text
        );
        self
    }
}

#[test]
fn a_rotated_token_works_through_the_overlap_and_tokens_expire() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let admin = server.admin();
    c.get("/Users").expect(200);
    let listed = admin.get("/tenants/acme/tokens");
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        listed[0].get("token").is_none() && listed[0].get("hash").is_none(),
        "{listed}"
    );

    let (s, issued) = admin.send(
        "POST",
        "/tenants/acme/tokens",
        Some(&json!({"overlapSeconds": 1})),
    );
    assert_eq!(s, 201, "{issued}");
    let new = c.clone().with_token(issued["token"].as_str());
    // During the overlap both work.
    new.get("/Users").expect(200);
    c.get("/Users").expect(200);
    std::thread::sleep(Duration::from_millis(1300));
    c.get("/Users").expect_error(401, None);
    new.get("/Users").expect(200);
    // The token is shown once: the list has its id only.
    let listed = admin.get("/tenants/acme/tokens");
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], issued["id"]);
    assert!(!listed
        .to_string()
        .contains(issued["token"].as_str().unwrap()));

    // An expiring token, beside the current one.
    let (s, short) = admin.send(
        "POST",
        "/tenants/acme/tokens",
        Some(&json!({"rotate": false, "validForSeconds": 1})),
    );
    assert_eq!(s, 201);
    assert!(short["expires"].is_string(), "{short}");
    let short_client = c.clone().with_token(short["token"].as_str());
    short_client.get("/Users").expect(200);
    std::thread::sleep(Duration::from_millis(1300));
    short_client.get("/Users").expect_error(401, None);
    new.get("/Users").expect(200);

    // Revocation is immediate; a token issued after a restart keeps working (hashes persist).
    let (s, _) = admin.send(
        "DELETE",
        &format!("/tenants/acme/tokens/{}", issued["id"].as_str().unwrap()),
        None,
    );
    assert_eq!(s, 204);
    new.get("/Users").expect_error(401, None);
    let (_, last) = admin.send("POST", "/tenants/acme/tokens", Some(&json!({})));
    let reopened = examples::server::Server::open(&server.db, Config::default()).unwrap();
    let mut h = http::HeaderMap::new();
    h.insert(
        "authorization",
        format!("Bearer {}", last["token"].as_str().unwrap())
            .parse()
            .unwrap(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    use scimkit_server::hooks::Authenticator as _;
    assert_eq!(
        rt.block_on(reopened.service().authenticator().authenticate("acme", &h))
            .unwrap()
            .id,
        last["id"].as_str().unwrap()
    );
}

#[test]
fn a_replayed_okta_deactivation_leaves_its_audit_trail() {
    let server = TestServer::start();
    let okta = server
        .tenant("okta")
        .with_user_agent("Okta SCIM Client 1.0.0");
    let admin = server.admin();
    let token_id = admin.get("/tenants/okta/tokens")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Okta's sequence: existence check, create, a retried create, deactivate, later DELETE.
    okta.get("/Users?filter=userName%20eq%20%22ann%40okta.local%22&startIndex=1&count=100")
        .expect(200);
    let body = json!({
        "schemas": [USER], "userName": "ann@okta.local", "externalId": "00uANN",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"primary": true, "value": "ann@okta.local", "type": "work"}],
        "displayName": "Ann Lee", "active": true, "password": "1mz050nq"
    });
    let id = create(&okta, &body);
    let dup = okta
        .post("/Users", &body)
        .expect_error(409, Some("uniqueness"));
    // The 409 names the existing resource, so the IdP can link to it instead of retrying.
    assert!(
        dup.json["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("/Users/{id}")),
        "{}",
        dup.text
    );
    okta.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .expect(200);
    okta.delete(&format!("/Users/{id}")).expect(204);
    server.settle();

    let trail = admin.get("/tenants/okta/audit");
    let entries = trail.as_array().unwrap();
    /// Method, resource type, resource id, outcome, refusal status.
    type Row<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, Option<u64>);
    let got: Vec<Row> = entries
        .iter()
        .rev()
        .map(|e| {
            (
                e["method"].as_str().unwrap(),
                e["resource_type"].as_str().unwrap(),
                e["resource_id"].as_str(),
                e["outcome"].as_str().unwrap(),
                e["status"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("POST", "User", Some(id.as_str()), "applied", None),
            ("POST", "User", None, "refused", Some(409)),
            ("PATCH", "User", Some(id.as_str()), "applied", None),
            ("DELETE", "User", Some(id.as_str()), "applied", None),
        ]
    );
    for e in entries {
        assert_eq!(e["tenant"], "okta");
        assert_eq!(
            e["token_id"],
            token_id.as_str(),
            "the token's id, never the token"
        );
        assert!(e["at"].is_string());
    }
    assert_eq!(entries[3]["changes"], json!([{"kind": "created"}]));
    assert_eq!(entries[2]["changes"][0]["kind"], "refused");
    assert_eq!(
        entries[1]["changes"],
        json!([{"kind": "patched", "attributes": ["active"]}, {"kind": "deactivated"}])
    );
    assert_eq!(entries[0]["changes"], json!([{"kind": "deleted"}]));
    // The account outlives both.
    let a = account(&admin, "okta", "ann@okta.local");
    assert_eq!(
        (a["active"].clone(), a["external_id"].clone()),
        (json!(false), json!("00uANN"))
    );

    // Filters: outcome, status, resource, time.
    assert_eq!(
        admin
            .get("/tenants/okta/audit?outcome=refused")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        admin
            .get("/tenants/okta/audit?outcome=409")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        admin
            .get(&format!("/tenants/okta/audit?resource={id}"))
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(admin.get("/tenants/okta/audit?resource=Group"), json!([]));
    assert_eq!(
        admin.get("/tenants/okta/audit?since=2999-01-01T00:00:00Z"),
        json!([])
    );
    assert_eq!(
        admin.get("/tenants/okta/audit?until=2000-01-01T00:00:00Z&limit=5"),
        json!([])
    );
    assert_eq!(
        admin
            .get("/tenants/okta/audit?limit=2")
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn the_audit_trail_is_bounded() {
    let server = TestServer::start_with(Config {
        audit_max_entries: 3,
        ..Config::default()
    });
    let c = server.tenant("acme");
    let admin = server.admin();
    for i in 0..8 {
        create(&c, &user(&format!("u{i}@example.com"), None));
        server.settle();
    }
    let trail = admin.get("/tenants/acme/audit");
    let n = trail.as_array().unwrap().len();
    assert!((1..=3).contains(&n), "{n} entries kept: {trail}");
    // The newest are the ones kept.
    assert_eq!(
        trail[0]["resource_id"],
        c.filter("Users", r#"userName eq "u7@example.com""#, "")
            .list()[0]["id"]
    );
}

#[test]
fn the_admin_api_takes_the_admin_credential_only() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let mut admin = server.admin();
    assert_eq!(admin.send("GET", "/tenants", None).0, 200);
    assert_eq!(admin.send("GET", "/tenants/nope/teams", None).0, 404);
    admin.credential = c.token.clone();
    assert_eq!(
        admin.send("GET", "/tenants", None).0,
        401,
        "a SCIM token is not an admin credential"
    );
    admin.credential = None;
    assert_eq!(admin.send("GET", "/tenants/acme/audit", None).0, 401);
    // ... and the admin credential is not a SCIM token.
    c.clone()
        .with_token(Some(server.server.admin_credential()))
        .get("/Users")
        .expect_error(401, None);

    // A tenant created through the API gets its SCIM base URL and a token, shown once.
    let admin = server.admin();
    let (s, t) = admin.send("POST", "/tenants", Some(&json!({"name": "globex"})));
    assert_eq!(s, 201, "{t}");
    assert_eq!(
        t["scimBaseUrl"],
        format!("{}/t/globex/scim/v2", server.origin)
    );
    let globex = Client::new(
        t["scimBaseUrl"].as_str().unwrap().to_owned(),
        t["token"]["token"].as_str().map(str::to_owned),
        None,
    );
    globex.get("/Users").expect(200);
    assert_eq!(
        admin
            .send("POST", "/tenants", Some(&json!({"name": "globex"})))
            .0,
        409
    );
    assert_eq!(
        admin
            .send("POST", "/tenants", Some(&json!({"name": "a/b"})))
            .0,
        400
    );
}
