//! The `scim-mcp` relay as a child process, driven by rmcp's client over stdio, against the
//! example service provider started in-process.

mod common;

use std::process::Stdio;

use common::TestServer;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::ServiceExt;
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;

/// The service provider with one tenant, whose base URL and token the relay is given.
struct Peer {
    base: String,
    token: String,
    _server: TestServer,
}

impl Peer {
    fn start() -> Peer {
        let server = TestServer::start();
        let acme = server.tenant("acme");
        Peer {
            base: acme.base,
            token: acme.token.expect("a tenant token"),
            _server: server,
        }
    }
}

/// The relay under test, and every text it returned.
struct Relay {
    client: RunningService<RoleClient, ()>,
    stderr: tokio::task::JoinHandle<String>,
    seen: Vec<String>,
}

impl Relay {
    async fn spawn(env: &[(&str, &str)]) -> Relay {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_scim-mcp")).configure(|cmd| {
            cmd.env_remove("SCIM_BASE_URL").env_remove("SCIM_TOKEN");
            for (k, v) in &env {
                cmd.env(k, v);
            }
        });
        let (transport, stderr) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn scim-mcp");
        let mut stderr = stderr.expect("stderr");
        let stderr = tokio::spawn(async move {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s).await;
            s
        });
        let client = ().serve(transport).await.expect("initialize");
        Relay {
            client,
            stderr,
            seen: Vec::new(),
        }
    }

    /// Calls a tool; returns (is_error, the JSON it returned).
    async fn call(&mut self, tool: &'static str, args: Value) -> (bool, Value) {
        let Value::Object(args) = args else {
            panic!("arguments must be an object")
        };
        let result: CallToolResult = self
            .client
            .call_tool(CallToolRequestParams::new(tool).with_arguments(args))
            .await
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        let text: String = result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect();
        self.seen.push(text.clone());
        let json =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{tool}: not JSON: {text}"));
        (result.is_error == Some(true), json)
    }

    async fn ok(&mut self, tool: &'static str, args: Value) -> Value {
        let (err, v) = self.call(tool, args).await;
        assert!(!err, "{tool} failed: {v}");
        v
    }

    async fn err(&mut self, tool: &'static str, args: Value) -> Value {
        let (err, v) = self.call(tool, args).await;
        assert!(err, "{tool} succeeded: {v}");
        v
    }

    /// Stops the relay and returns everything it said (results and stderr).
    async fn finish(self) -> String {
        let _ = self.client.cancel().await;
        let stderr = self.stderr.await.unwrap_or_default();
        let mut all = self.seen.join("\n");
        all.push_str(&stderr);
        all
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_lifecycle() {
    let peer = Peer::start();
    let mut relay =
        Relay::spawn(&[("SCIM_BASE_URL", &peer.base), ("SCIM_TOKEN", &peer.token)]).await;

    // The tools and their schemas.
    let tools = relay.client.list_all_tools().await.expect("tools/list");
    let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "add-group-members",
            "create-group",
            "create-user",
            "deactivate-user",
            "delete-group",
            "delete-user",
            "discover",
            "get-group",
            "get-user",
            "list-groups",
            "list-users",
            "patch-user",
            "remove-group-members",
            "replace-group",
            "replace-user",
        ]
    );
    for t in &tools {
        assert!(
            t.description.as_deref().is_some_and(|d| d.len() > 20),
            "{}",
            t.name
        );
    }
    let create = tools.iter().find(|t| t.name == "create-user").unwrap();
    let schema = Value::Object((*create.input_schema).clone());
    assert_eq!(schema["required"], json!(["userName"]));
    assert!(schema["properties"]["department"]["description"]
        .as_str()
        .unwrap()
        .contains("Enterprise"));
    let delete = tools.iter().find(|t| t.name == "delete-user").unwrap();
    assert!(delete.input_schema["properties"].get("confirm").is_some());

    let d = relay.ok("discover", json!({})).await;
    assert_eq!(d["summary"]["patch"], true);
    assert!(d.get("Schemas").is_none());

    // Users.
    let u = relay
        .ok(
            "create-user",
            json!({"userName": "bjensen", "givenName": "Barbara", "familyName": "Jensen",
                   "email": "bjensen@example.com", "department": "Tours", "employeeNumber": "701984"}),
        )
        .await;
    let uid = u["id"].as_str().unwrap().to_owned();
    assert_eq!(
        u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Tours"
    );
    let dup = relay
        .err("create-user", json!({"userName": "bjensen"}))
        .await;
    assert_eq!(dup["scimType"], "uniqueness");
    assert_eq!(dup["status"], "409");

    let u2 = relay
        .ok(
            "create-user",
            json!({"userName": "jsmith", "attributes": ["id", "userName"]}),
        )
        .await;
    let mut keys: Vec<&str> = u2.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "schemas", "userName"], "projected: {u2}");
    let u2id = u2["id"].as_str().unwrap().to_owned();

    let got = relay
        .ok("get-user", json!({"id": uid, "attributes": ["userName"]}))
        .await;
    assert_eq!(got["userName"], "bjensen");
    assert!(got.get("emails").is_none());

    let list = relay
        .ok("list-users", json!({"filter": "userName eq \"bjensen\""}))
        .await;
    assert_eq!(list["totalResults"], 1);
    let bad = relay
        .err("list-users", json!({"filter": "userName eq"}))
        .await;
    assert_eq!(bad["scimType"], "invalidFilter");
    let page = relay
        .ok(
            "list-users",
            json!({"count": 1, "sortBy": "userName", "sortOrder": "descending"}),
        )
        .await;
    assert_eq!(page["Resources"][0]["userName"], "jsmith");

    let replaced = relay
        .ok(
            "replace-user",
            json!({"id": uid, "resource": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                   "userName": "bjensen", "displayName": "Babs"}}),
        )
        .await;
    assert_eq!(replaced["displayName"], "Babs");
    assert!(replaced.get("name").is_none());

    let patched = relay
        .ok(
            "patch-user",
            json!({"id": uid, "operations": [
                {"op": "replace", "path": "title", "value": "Guide"},
                {"op": "add", "path": "name", "value": {"givenName": "Barbara"}}]}),
        )
        .await;
    assert_eq!(patched["title"], "Guide");
    assert_eq!(patched["name"]["givenName"], "Barbara");
    let bad = relay
        .err(
            "patch-user",
            json!({"id": uid, "operations": [{"op": "replace", "path": "id", "value": "x"}]}),
        )
        .await;
    assert_eq!(bad["status"], "400");

    let deactivated = relay.ok("deactivate-user", json!({"id": uid})).await;
    assert_eq!(deactivated["active"], false);

    // Groups.
    let g = relay
        .ok(
            "create-group",
            json!({"displayName": "Guides", "members": [uid]}),
        )
        .await;
    let gid = g["id"].as_str().unwrap().to_owned();
    assert_eq!(members(&g), vec![uid.clone()]);
    let g = relay
        .ok("add-group-members", json!({"id": gid, "members": [u2id]}))
        .await;
    let mut both = vec![uid.clone(), u2id.clone()];
    both.sort();
    assert_eq!(members(&g), both);
    let g = relay
        .ok("remove-group-members", json!({"id": gid, "members": [uid]}))
        .await;
    assert_eq!(members(&g), vec![u2id.clone()]);
    let g = relay
        .ok(
            "replace-group",
            json!({"id": gid, "resource": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                   "displayName": "Senior Guides", "members": [{"value": uid}]}}),
        )
        .await;
    assert_eq!(g["displayName"], "Senior Guides");
    assert_eq!(members(&g), vec![uid.clone()]);
    let got = relay
        .ok(
            "get-group",
            json!({"id": gid, "excludedAttributes": ["members"]}),
        )
        .await;
    assert!(got.get("members").is_none());
    let groups = relay
        .ok(
            "list-groups",
            json!({"filter": "displayName eq \"Senior Guides\""}),
        )
        .await;
    assert_eq!(groups["totalResults"], 1);

    // Deletes need confirm: true.
    let refused = relay.err("delete-group", json!({"id": gid})).await;
    assert!(refused["detail"].as_str().unwrap().contains("confirm"));
    relay.ok("get-group", json!({"id": gid})).await;
    relay
        .ok("delete-group", json!({"id": gid, "confirm": true}))
        .await;
    let gone = relay.err("get-group", json!({"id": gid})).await;
    assert_eq!(gone["status"], "404");

    let refused = relay
        .err("delete-user", json!({"id": uid, "confirm": false}))
        .await;
    assert_eq!(refused["status"], "400");
    relay.ok("get-user", json!({"id": uid})).await;
    relay
        .ok("delete-user", json!({"id": uid, "confirm": true}))
        .await;
    let gone = relay.err("get-user", json!({"id": uid})).await;
    assert_eq!(gone["status"], "404");
    assert_eq!(
        gone["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );

    let all = relay.finish().await;
    assert!(!all.contains(&peer.token), "the token leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_without_or_with_bad_credentials() {
    let peer = Peer::start();
    // Not configured: every tool says so, as a SCIM error.
    let mut relay = Relay::spawn(&[]).await;
    let e = relay.err("list-users", json!({})).await;
    assert!(e["detail"].as_str().unwrap().contains("SCIM_BASE_URL"));
    relay.finish().await;

    // A wrong token: the server's 401 comes back, the token does not.
    let wrong = "wrong-token-0123456789abcdef";
    let mut relay = Relay::spawn(&[("SCIM_BASE_URL", &peer.base), ("SCIM_TOKEN", wrong)]).await;
    let e = relay.err("get-user", json!({"id": "x"})).await;
    assert_eq!(e["status"], "401");
    let all = relay.finish().await;
    assert!(!all.contains(wrong));
}
