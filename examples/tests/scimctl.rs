//! `scimctl` as a process against the example service provider, started in-process on an
//! ephemeral port with a temporary database.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{temp_path, TestServer};
use examples::server::Config;
use serde_json::{json, Value};

/// A service provider on a background thread with one tenant, and the files a test wrote for
/// scimctl; all removed on drop.
struct Peer {
    base: String,
    token: String,
    files: Vec<PathBuf>,
    // Last, so that the server stops after the fields above are used for the last time.
    _server: TestServer,
}

impl Peer {
    fn start() -> Peer {
        Peer::start_with(Config::default())
    }

    fn start_with(config: Config) -> Peer {
        let server = TestServer::start_with(config);
        let acme = server.tenant("acme");
        Peer {
            base: acme.base,
            token: acme.token.expect("a tenant token"),
            files: Vec::new(),
            _server: server,
        }
    }

    fn file(&mut self, ext: &str, content: &str) -> PathBuf {
        let p = temp_path(ext);
        std::fs::write(&p, content).expect("write");
        self.files.push(p.clone());
        p
    }

    /// Runs scimctl; asserts the token shows nowhere in its output.
    fn run(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_scimctl"))
            .args(args)
            .env("SCIM_BASE_URL", &self.base)
            .env("SCIM_TOKEN", &self.token)
            .stdin(Stdio::null())
            .output()
            .expect("run scimctl");
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(&self.token),
                "the token leaked"
            );
        }
        out
    }

    /// Runs scimctl, expects success and returns its JSON output (null when there is none).
    #[track_caller]
    fn ok(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "scimctl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.stdout.iter().all(u8::is_ascii_whitespace) {
            return Value::Null;
        }
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }

    /// Runs scimctl, expects failure and returns its stderr.
    #[track_caller]
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "scimctl {args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

fn members(v: &Value) -> Vec<String> {
    let mut m: Vec<String> = v["members"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    m.sort();
    m
}

#[test]
fn user_lifecycle() {
    let mut peer = Peer::start();
    let created = peer.ok(&[
        "users",
        "create",
        "--user-name",
        "bjensen@example.com",
        "--given-name",
        "Barbara",
        "--family-name",
        "Jensen",
        "--email",
        "bjensen@example.com",
    ]);
    let uid = id(&created);
    assert_eq!(created["name"]["givenName"], "Barbara");
    assert_eq!(created["emails"][0]["value"], "bjensen@example.com");

    // A duplicate: 409 uniqueness, shown with status, scimType and detail.
    let err = peer.fails(&["users", "create", "--user-name", "BJENSEN@example.com"]);
    assert!(err.contains("409"), "{err}");
    assert!(err.contains("scimType: uniqueness"), "{err}");
    assert!(err.contains("detail:"), "{err}");

    let got = peer.ok(&[
        "users",
        "get",
        &uid,
        "--attributes",
        "userName,name.givenName",
    ]);
    assert_eq!(got["userName"], "bjensen@example.com");
    assert!(got.get("emails").is_none(), "{got}");

    let listed = peer.ok(&[
        "users",
        "list",
        "--filter",
        r#"userName eq "bjensen@example.com""#,
    ]);
    assert_eq!(listed["totalResults"], 1);

    let replacement = peer.file(
        "json",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen@example.com", "displayName": "Babs Jensen",
                "title": "Tour Guide"})
        .to_string(),
    );
    let version = got["meta"]["version"].as_str().map(str::to_owned);
    let mut args = vec![
        "users",
        "replace",
        uid.as_str(),
        replacement.to_str().unwrap(),
    ];
    if let Some(v) = version.as_deref() {
        args.extend(["--if-match", v]);
    }
    let replaced = peer.ok(&args);
    assert_eq!(replaced["displayName"], "Babs Jensen");
    assert!(replaced.get("name").is_none(), "PUT clears what it omits");
    if let Some(v) = version.as_deref() {
        // The old version no longer matches.
        let err = peer.fails(&[
            "users",
            "replace",
            &uid,
            replacement.to_str().unwrap(),
            "--if-match",
            v,
        ]);
        assert!(err.contains("412"), "{err}");
    }

    let patched = peer.ok(&[
        "users",
        "patch",
        &uid,
        "--replace",
        "title=Senior Tour Guide",
        "--add",
        r#"name={"givenName":"Barbara","familyName":"Jensen"}"#,
        "--remove",
        "displayName",
    ]);
    assert_eq!(patched["title"], "Senior Tour Guide");
    assert_eq!(patched["name"]["familyName"], "Jensen");
    assert!(patched.get("displayName").is_none());
    let patch_file = peer.file(
        "json",
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations":[{"op":"replace","path":"nickName","value":"Babs"}]}"#,
    );
    let patched = peer.ok(&["users", "patch", &uid, patch_file.to_str().unwrap()]);
    assert_eq!(patched["nickName"], "Babs");
    let err = peer.fails(&["users", "patch", &uid, "--remove", "emails[type eq"]);
    assert!(err.contains("400"), "{err}");

    assert_eq!(peer.ok(&["users", "deactivate", &uid])["active"], false);
    let inactive = peer.ok(&["users", "list", "--filter", "active eq false"]);
    assert_eq!(inactive["totalResults"], 1);
    assert_eq!(peer.ok(&["users", "activate", &uid])["active"], true);

    assert_eq!(peer.ok(&["users", "delete", &uid]), Value::Null);
    let err = peer.fails(&["users", "get", &uid]);
    assert!(err.contains("SCIM error 404"), "{err}");

    // A bad filter is refused before anything is sent.
    let err = peer.fails(&["users", "list", "--filter", "userName eq"]);
    assert!(err.contains("invalidFilter"), "{err}");
}

#[test]
fn group_lifecycle_and_paging() {
    let mut peer = Peer::start();
    let mut ids = Vec::new();
    for i in 0..5 {
        let u = peer.ok(&["users", "create", "--user-name", &format!("user{i}")]);
        ids.push(id(&u));
    }
    let group = peer.ok(&[
        "groups",
        "create",
        "--display-name",
        "Tour Guides",
        "--member",
        &ids[0],
    ]);
    let gid = id(&group);
    assert_eq!(members(&group), vec![ids[0].clone()]);

    let g = peer.ok(&["groups", "add-member", &gid, &ids[1], &ids[2], &ids[3]]);
    let mut want = ids[0..4].to_vec();
    want.sort();
    assert_eq!(members(&g), want);

    let g = peer.ok(&["groups", "remove-member", &gid, &ids[0], &ids[1]]);
    let mut want = vec![ids[2].clone(), ids[3].clone()];
    want.sort();
    assert_eq!(members(&g), want);

    let g = peer.ok(&["groups", "set-members", &gid, &ids[3], &ids[4]]);
    let mut want = vec![ids[3].clone(), ids[4].clone()];
    want.sort();
    assert_eq!(members(&g), want);

    let got = peer.ok(&["groups", "get", &gid, "--excluded-attributes", "members"]);
    assert!(got.get("members").is_none(), "{got}");
    let listed = peer.ok(&[
        "groups",
        "list",
        "--filter",
        r#"displayName eq "Tour Guides""#,
    ]);
    assert_eq!(listed["totalResults"], 1);

    let replacement = peer.file(
        "json",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Senior Tour Guides", "members": [{"value": ids[0]}]})
        .to_string(),
    );
    let g = peer.ok(&["groups", "replace", &gid, replacement.to_str().unwrap()]);
    assert_eq!(g["displayName"], "Senior Tour Guides");
    assert_eq!(members(&g), vec![ids[0].clone()]);

    // Paging: --all follows startIndex pages, and cursors when asked for.
    let all = peer.ok(&[
        "users",
        "list",
        "--count",
        "2",
        "--all",
        "--sort-by",
        "userName",
    ]);
    let names: Vec<&str> = all["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["user0", "user1", "user2", "user3", "user4"]);
    let page = peer.ok(&["users", "list", "--count", "2", "--start-index", "3"]);
    assert_eq!(page["Resources"].as_array().unwrap().len(), 2);
    assert_eq!(page["startIndex"], 3);
    let cursored = peer.ok(&["users", "list", "--count", "2", "--cursor", "--all"]);
    assert_eq!(cursored["Resources"].as_array().unwrap().len(), 5);
    let searched = peer.ok(&[
        "search",
        "--endpoint",
        "Users",
        "--filter",
        r#"userName sw "user""#,
        "--count",
        "2",
        "--all",
        "--attributes",
        "userName",
    ]);
    assert_eq!(searched["totalResults"], 5);
    assert_eq!(searched["Resources"].as_array().unwrap().len(), 5);

    assert_eq!(peer.ok(&["groups", "delete", &gid]), Value::Null);
    let err = peer.fails(&["groups", "get", &gid]);
    assert!(err.contains("404"), "{err}");
}

#[test]
fn discover_and_bulk() {
    let mut peer = Peer::start();
    let d = peer.ok(&["discover"]);
    assert_eq!(d["summary"]["bulk"]["supported"], true);
    assert!(d["ServiceProviderConfig"]["patch"]["supported"] == true);
    assert!(d["ResourceTypes"].as_array().unwrap().len() >= 2);
    assert!(d["Schemas"].as_array().unwrap().len() >= 2);
    assert!(peer
        .ok(&["discover", "--no-schemas"])
        .get("Schemas")
        .is_none());

    let bulk = peer.file(
        "json",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "u1",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bulk1"}},
                {"method": "POST", "path": "/Groups", "bulkId": "g1",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G",
                          "members": [{"value": "bulkId:u1"}]}}
            ]})
        .to_string(),
    );
    let out = peer.ok(&["bulk", bulk.to_str().unwrap()]);
    let ops = out["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2);
    assert!(ops.iter().all(|o| o["status"] == "201"), "{out}");
    // The same again: the users exist, so the operation fails and scimctl says so.
    let err = peer.fails(&["bulk", bulk.to_str().unwrap()]);
    assert!(err.contains("bulk operations failed"), "{err}");

    // No credentials: 401 from the server, status shown.
    let out = Command::new(env!("CARGO_BIN_EXE_scimctl"))
        .args(["users", "list"])
        .env("SCIM_BASE_URL", &peer.base)
        .env_remove("SCIM_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("401"));
    // No base URL: a usage error.
    let out = Command::new(env!("CARGO_BIN_EXE_scimctl"))
        .args(["users", "list"])
        .env_remove("SCIM_BASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn users_csv(n: usize, title_of: impl Fn(usize) -> String) -> String {
    let mut s = String::from("userName,name.givenName,name.familyName,email,title,department\n");
    for i in 0..n {
        s.push_str(&format!(
            "user{i:04}@example.com,Given{i},\"Family, {i}\",user{i:04}@example.com,{},Dept{}\n",
            title_of(i),
            i % 7
        ));
    }
    s
}

#[test]
fn bulk_references_span_requests() {
    // One operation per request: the group's member reference is resolved from the first
    // request's response, which a server never sees across requests.
    let mut peer = Peer::start_with(Config {
        bulk_max_operations: 1,
        ..Config::default()
    });
    let bulk = peer.file(
        "json",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "u1",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "chunked1"}},
                {"method": "POST", "path": "/Groups", "bulkId": "g1",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Chunked",
                          "members": [{"value": "bulkId:u1"}]}},
                {"method": "PATCH", "path": "/Groups/bulkId:g1",
                 "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations": [{"op": "replace", "path": "displayName", "value": "Chunked 2"}]}}
            ]})
        .to_string(),
    );
    let out = peer.ok(&["bulk", bulk.to_str().unwrap()]);
    let ops = out["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 3, "{out}");
    assert!(
        ops.iter()
            .all(|o| o["status"].as_str().unwrap().starts_with('2')),
        "{out}"
    );
    let uid = ops[0]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let gid = ops[1]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let group = peer.ok(&["groups", "get", &gid]);
    assert_eq!(group["displayName"], "Chunked 2");
    assert_eq!(group["members"][0]["value"], uid.as_str());
}

#[test]
fn sync_thousand_users() {
    // A server that takes 300 operations per bulk request: the sync splits to fit.
    let mut peer = Peer::start_with(Config {
        bulk_max_operations: 300,
        ..Config::default()
    });
    // Someone the file does not list: deactivated by the sync.
    let stranger = id(&peer.ok(&["users", "create", "--user-name", "stranger"]));

    let csv = peer.file("csv", &users_csv(1000, |_| "Engineer".into()));
    let csv = csv.to_str().unwrap().to_owned();

    let plan = peer.ok(&["sync", &csv, "--dry-run"]);
    assert_eq!(
        plan["summary"],
        json!({"create": 1000, "update": 0, "deactivate": 1, "unchanged": 0})
    );
    assert_eq!(
        plan["create"][0]["resource"]["name"]["familyName"],
        "Family, 0"
    );
    // The dry run changed nothing.
    assert_eq!(
        peer.ok(&["users", "list", "--count", "1"])["totalResults"],
        1
    );

    let report = peer.ok(&["sync", &csv]);
    assert_eq!(
        report["summary"],
        json!({"created": 1000, "updated": 0, "deactivated": 1, "unchanged": 0, "failed": 0}),
        "{report}"
    );
    assert_eq!(report["requests"]["bulk"], 4, "{report}");
    let count = peer.ok(&[
        "users",
        "list",
        "--count",
        "1",
        "--filter",
        "active eq true",
    ]);
    assert_eq!(count["totalResults"], 1000);
    assert_eq!(peer.ok(&["users", "get", &stranger])["active"], false);

    // The second run sends nothing.
    let report = peer.ok(&["sync", &csv]);
    assert_eq!(
        report["summary"],
        json!({"created": 0, "updated": 0, "deactivated": 0, "unchanged": 1000, "failed": 0}),
        "{report}"
    );
    assert_eq!(report["requests"]["writes"], 0);

    // Three titles change and two users leave: exactly that is planned and sent, one by one.
    let changed = users_csv(998, |i| {
        if i < 3 {
            "Manager".into()
        } else {
            "Engineer".into()
        }
    });
    let changed = peer.file("csv", &changed);
    let changed = changed.to_str().unwrap().to_owned();
    let plan = peer.ok(&["sync", &changed, "--dry-run"]);
    assert_eq!(
        plan["summary"],
        json!({"create": 0, "update": 3, "deactivate": 2, "unchanged": 995})
    );
    assert_eq!(
        plan["update"][0]["Operations"],
        json!([{"op": "replace", "path": "title", "value": "Manager"}])
    );
    let report = peer.ok(&["sync", &changed, "--no-bulk"]);
    assert_eq!(report["summary"]["updated"], 3);
    assert_eq!(report["summary"]["deactivated"], 2);
    assert_eq!(report["requests"]["writes"], 5);
    let report = peer.ok(&["sync", &changed]);
    assert_eq!(report["requests"]["writes"], 0, "{report}");

    // JSON input, with users coming back: reactivated.
    let back = json!([
        {"userName": "user0999@example.com", "name": {"givenName": "Given999", "familyName": "Family, 999"},
         "emails": [{"value": "user0999@example.com", "type": "work", "primary": true}],
         "title": "Engineer", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Dept5"}}
    ]);
    let back = peer.file("json", &back.to_string());
    let plan = peer.ok(&[
        "sync",
        back.to_str().unwrap(),
        "--dry-run",
        "--keep-missing",
    ]);
    assert_eq!(
        plan["summary"],
        json!({"create": 0, "update": 1, "deactivate": 0, "unchanged": 0})
    );
    assert_eq!(
        plan["update"][0]["Operations"],
        json!([{"op": "replace", "path": "active", "value": true}])
    );

    let err = peer.fails(&["sync", "/nonexistent/users.csv"]);
    assert!(err.contains("users.csv"), "{err}");
}

#[test]
fn agents_and_agentic_applications() {
    let peer = Peer::start_with(Config {
        agents: true,
        ..Config::default()
    });
    let discovered = peer.ok(&["discover", "--no-schemas"]);
    assert_eq!(
        discovered["ServiceProviderConfig"]["agentExtension"]["agentsSupported"], true,
        "{discovered}"
    );

    let owner = id(&peer.ok(&["users", "create", "--user-name", "owner"]));
    let agent = peer.ok(&[
        "agents",
        "create",
        "--agent-user-name",
        "triage-bot",
        "--display-name",
        "Triage",
        "--owner",
        &owner,
    ]);
    let agent_id = id(&agent);
    assert_eq!(agent["owners"][0]["value"], owner.as_str());
    let err = peer.fails(&["agents", "create", "--agent-user-name", "TRIAGE-BOT"]);
    assert!(err.contains("409") && err.contains("uniqueness"), "{err}");
    let err = peer.fails(&["agents", "create", "--display-name", "no handle"]);
    assert!(err.contains("agentUserName"), "{err}");

    let found = peer.ok(&[
        "agents",
        "list",
        "--filter",
        "agentUserName eq \"triage-bot\"",
    ]);
    assert_eq!(found["totalResults"], 1);
    assert_eq!(
        peer.ok(&["agents", "deactivate", &agent_id])["active"],
        false
    );
    let patched = peer.ok(&[
        "agents",
        "patch",
        &agent_id,
        "--replace",
        "agentType=Assistant",
    ]);
    assert_eq!(patched["agentType"], "Assistant");

    let app = peer.ok(&[
        "applications",
        "create",
        "--name",
        "Helpdesk",
        "--url",
        "https://help.example.com",
        "--agent",
        &agent_id,
    ]);
    let app_id = id(&app);
    assert_eq!(app["agents"][0]["value"], agent_id.as_str());
    let got = peer.ok(&["applications", "get", &app_id, "--attributes", "name"]);
    assert_eq!(got["name"], "Helpdesk");
    assert!(got.get("agents").is_none());
    peer.ok(&["applications", "delete", &app_id]);
    peer.ok(&["agents", "delete", &agent_id]);
    let err = peer.fails(&["agents", "get", &agent_id]);
    assert!(err.contains("404"), "{err}");
}

#[test]
fn a_server_without_agents_answers_404_for_them() {
    let peer = Peer::start();
    let err = peer.fails(&["agents", "create", "--agent-user-name", "x"]);
    assert!(err.contains("404"), "{err}");
}
