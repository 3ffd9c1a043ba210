//! The `scim-mcp` relay as a child process against the example service provider started
//! in-process: over stdio, driven by rmcp's client, and over streamable HTTP, driven by plain
//! JSON-RPC POSTs whose answers come back as server-sent events.

mod common;

use std::process::Stdio;

use common::TestServer;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::ServiceExt;
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;

/// Every variable the relay reads credentials from: cleared so the test's environment is the
/// only one that counts.
const CREDENTIAL_VARS: [&str; 4] = [
    "SCIM_BASE_URL",
    "SCIM_TOKEN",
    "SCIM_API_BASE_URL",
    "SCIM_API_TOKEN",
];

/// The service provider with one tenant, whose base URL and token the relay is given.
struct Peer {
    base: String,
    token: String,
    _server: TestServer,
}

impl Peer {
    fn start() -> Peer {
        Peer::start_with(examples::server::Config::default())
    }

    fn start_with(config: examples::server::Config) -> Peer {
        let server = TestServer::start_with(config);
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
            for var in CREDENTIAL_VARS {
                cmd.env_remove(var);
            }
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
    let mut relay = Relay::spawn(&[
        ("SCIM_API_BASE_URL", &peer.base),
        ("SCIM_API_TOKEN", &peer.token),
    ])
    .await;

    // The tools and their schemas.
    let tools = relay.client.list_all_tools().await.expect("tools/list");
    let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "activate-agent",
            "activate-user",
            "add-group-members",
            "bulk",
            "create-agent",
            "create-agentic-application",
            "create-group",
            "create-user",
            "deactivate-agent",
            "deactivate-user",
            "delete-agent",
            "delete-agentic-application",
            "delete-group",
            "delete-user",
            "discover",
            "get-agent",
            "get-agentic-application",
            "get-group",
            "get-user",
            "list-agentic-applications",
            "list-agents",
            "list-groups",
            "list-users",
            "patch-agent",
            "patch-agentic-application",
            "patch-group",
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
    let activated = relay.ok("activate-user", json!({"id": uid})).await;
    assert_eq!(activated["active"], true);
    relay.ok("deactivate-user", json!({"id": uid})).await;

    // Every page at once, by GET and by POST .search.
    let all = relay
        .ok("list-users", json!({"count": 1, "all": true}))
        .await;
    assert_eq!(all["Resources"].as_array().unwrap().len(), 2, "{all}");
    let searched = relay
        .ok(
            "list-users",
            json!({"filter": "userName eq \"jsmith\"", "useSearch": true}),
        )
        .await;
    assert_eq!(searched["Resources"][0]["userName"], "jsmith");

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

    // The general group PATCH: rename and exact members (which needs confirm), add, remove.
    let refused = relay
        .err("patch-group", json!({"id": gid, "replaceMembers": [u2id]}))
        .await;
    assert!(refused["detail"].as_str().unwrap().contains("confirm"));
    let g = relay
        .ok(
            "patch-group",
            json!({"id": gid, "displayName": "Lead Guides", "replaceMembers": [u2id], "confirm": true}),
        )
        .await;
    assert_eq!(g["displayName"], "Lead Guides");
    assert_eq!(members(&g), vec![u2id.clone()]);
    let g = relay
        .ok(
            "patch-group",
            json!({"id": gid, "addMembers": [uid], "removeMembers": [u2id]}),
        )
        .await;
    assert_eq!(members(&g), vec![uid.clone()]);
    let g = relay
        .ok(
            "patch-group",
            json!({"id": gid, "operations": [{"op": "replace", "path": "displayName", "value": "Senior Guides"}]}),
        )
        .await;
    assert_eq!(g["displayName"], "Senior Guides");

    // Bulk: a user and a group naming it, in one job; a DELETE needs confirm.
    let out = relay
        .ok(
            "bulk",
            json!({"operations": [
                {"method": "POST", "path": "/Users", "bulkId": "b1",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bulky"}},
                {"method": "POST", "path": "/Groups", "bulkId": "b2",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Bulky",
                          "members": [{"value": "bulkId:b1"}]}}]}),
        )
        .await;
    assert_eq!(out["Operations"].as_array().unwrap().len(), 2, "{out}");
    assert_eq!(out["Operations"][1]["status"], "201", "{out}");
    let loc = out["Operations"][1]["location"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = relay
        .err("bulk", json!({"operations": [{"method": "DELETE", "path": loc.split("/scim/v2").nth(1).unwrap()}]}))
        .await;
    assert!(refused["detail"].as_str().unwrap().contains("confirm"));

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
    assert!(e["detail"].as_str().unwrap().contains("SCIM_API_BASE_URL"));
    relay.finish().await;

    // A wrong token, under the older variable names: the server's 401 comes back, the token
    // does not.
    let wrong = "wrong-token-0123456789abcdef";
    let mut relay = Relay::spawn(&[("SCIM_BASE_URL", &peer.base), ("SCIM_TOKEN", wrong)]).await;
    let e = relay.err("get-user", json!({"id": "x"})).await;
    assert_eq!(e["status"], "401");
    let all = relay.finish().await;
    assert!(!all.contains(wrong));
}

/// The relay in streamable-HTTP mode, as a child process.
struct HttpRelay {
    child: std::process::Child,
    url: String,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl HttpRelay {
    fn spawn(env: &[(&str, &str)]) -> HttpRelay {
        use std::io::BufRead;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_scim-mcp"));
        cmd.args(["--http", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for var in CREDENTIAL_VARS {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn scim-mcp --http");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = std::thread::spawn(move || {
            let mut all = String::new();
            let mut told = false;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !told {
                    if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                        let _ = tx.send(url.to_owned());
                        told = true;
                    }
                }
                all.push_str(&line);
                all.push('\n');
            }
            all
        });
        let url = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the relay prints its address");
        HttpRelay {
            child,
            url,
            stderr: Some(stderr),
        }
    }

    /// A new MCP session, sending these credential headers (base URL, token) with every request.
    fn session(&self, credentials: Option<(&str, &str)>) -> HttpSession {
        let mut s = HttpSession {
            url: self.url.clone(),
            id: None,
            credentials: credentials.map(|(b, t)| (b.to_owned(), t.to_owned())),
            next: 0,
            seen: Vec::new(),
        };
        let init = s.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "mcp-http-test", "version": "0"}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "scim-mcp", "{init}");
        s.notify("notifications/initialized");
        s
    }

    /// Stops the relay and returns what it wrote to stderr.
    fn finish(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

/// One MCP session over streamable HTTP.
struct HttpSession {
    url: String,
    id: Option<String>,
    credentials: Option<(String, String)>,
    next: u64,
    seen: Vec<String>,
}

impl HttpSession {
    fn post(&mut self, body: &Value) -> ureq::Response {
        let mut req = ureq::post(&self.url)
            .set("content-type", "application/json")
            .set("accept", "application/json, text/event-stream")
            .set("mcp-protocol-version", "2025-06-18");
        if let Some(id) = &self.id {
            req = req.set("mcp-session-id", id);
        }
        if let Some((base, token)) = &self.credentials {
            req = req
                .set("x-scim-base-url", base)
                .set("x-scim-api-token", token);
        }
        req.send_string(&body.to_string())
            .unwrap_or_else(|e| panic!("POST {body}: {e}"))
    }

    /// A JSON-RPC request; the answer is read from the server-sent events of the response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let resp =
            self.post(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        if let Some(sid) = resp.header("mcp-session-id") {
            self.id = Some(sid.to_owned());
        }
        let body = resp.into_string().expect("body");
        self.seen.push(body.clone());
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("{method}: no answer in {body}"))
    }

    fn notify(&mut self, method: &str) {
        let resp = self.post(&json!({"jsonrpc": "2.0", "method": method}));
        assert_eq!(resp.status(), 202);
    }

    /// Calls a tool; returns (is_error, the JSON it returned).
    fn call(&mut self, tool: &str, args: Value) -> (bool, Value) {
        let answer = self.request("tools/call", json!({"name": tool, "arguments": args}));
        let result = &answer["result"];
        let text: String = result["content"]
            .as_array()
            .unwrap_or_else(|| panic!("{tool}: {answer}"))
            .iter()
            .filter_map(|c| c["text"].as_str())
            .collect();
        let json =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{tool}: not JSON: {text}"));
        (result["isError"] == true, json)
    }

    fn ok(&mut self, tool: &str, args: Value) -> Value {
        let (err, v) = self.call(tool, args);
        assert!(!err, "{tool} failed: {v}");
        v
    }

    fn err(&mut self, tool: &str, args: Value) -> Value {
        let (err, v) = self.call(tool, args);
        assert!(err, "{tool} succeeded: {v}");
        v
    }
}

fn user_names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["Resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u["userName"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn relay_over_http_keeps_sessions_apart() {
    let server = TestServer::start();
    let acme = server.tenant("acme");
    let globex = server.tenant("globex");
    let (acme_token, globex_token) = (acme.token.clone().unwrap(), globex.token.clone().unwrap());
    // The environment names acme: the fallback for requests without credential headers.
    let relay = HttpRelay::spawn(&[
        ("SCIM_API_BASE_URL", &acme.base),
        ("SCIM_API_TOKEN", &acme_token),
    ]);

    let mut a = relay.session(Some((&acme.base, &acme_token)));
    let mut g = relay.session(Some((&globex.base, &globex_token)));
    assert_ne!(a.id, g.id, "two sessions");
    let tools = a.request("tools/list", json!({}));
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for t in ["activate-user", "patch-group", "bulk", "list-users"] {
        assert!(names.contains(&t), "{t} in {names:?}");
    }

    // Interleaved: each session writes to and reads from its own tenant only.
    a.ok("create-user", json!({"userName": "alice"}));
    g.ok("create-user", json!({"userName": "gina"}));
    a.ok("create-user", json!({"userName": "ann"}));
    assert_eq!(user_names(&g.ok("list-users", json!({}))), ["gina"]);
    assert_eq!(
        user_names(&a.ok("list-users", json!({"all": true, "count": 1}))),
        ["alice", "ann"]
    );

    // No headers: the environment's tenant.
    let mut e = relay.session(None);
    assert_eq!(user_names(&e.ok("list-users", json!({}))), ["alice", "ann"]);

    // A header URL never borrows the environment's token: without a token header the request
    // goes unauthenticated, and the server says 401.
    let mut no_token = relay.session(Some((&globex.base, "")));
    let denied = no_token.err("list-users", json!({}));
    assert_eq!(denied["status"], "401", "{denied}");
    // A wrong token: 401, and the token is not echoed.
    let wrong = "wrong-token-0123456789abcdef";
    let mut bad = relay.session(Some((&globex.base, wrong)));
    let denied = bad.err("get-user", json!({"id": "x"}));
    assert_eq!(denied["status"], "401");

    // A relay without any configuration says how to configure it.
    let bare = HttpRelay::spawn(&[]);
    let mut none = bare.session(None);
    let e2 = none.err("list-users", json!({}));
    assert!(
        e2["detail"].as_str().unwrap().contains("x-scim-base-url"),
        "{e2}"
    );
    bare.finish();

    let mut everything: Vec<String> = Vec::new();
    for s in [a, g, e, no_token, bad] {
        everything.extend(s.seen);
    }
    everything.push(relay.finish());
    let everything = everything.join("\n");
    for secret in [acme_token.as_str(), globex_token.as_str(), wrong] {
        assert!(!everything.contains(secret), "a token leaked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_manages_agents_and_agentic_applications() {
    let peer = Peer::start_with(examples::server::Config {
        agents: true,
        ..Default::default()
    });
    let mut relay = Relay::spawn(&[
        ("SCIM_API_BASE_URL", &peer.base),
        ("SCIM_API_TOKEN", &peer.token),
    ])
    .await;

    let found = relay.ok("discover", json!({})).await;
    assert!(
        found.to_string().contains("/Agents"),
        "discover lists the Agent type: {found}"
    );

    let owner = relay
        .ok("create-user", json!({"userName": "owner@example.com"}))
        .await;
    let owner = owner["id"].as_str().unwrap().to_owned();
    let agent = relay
        .ok(
            "create-agent",
            json!({
                "agentUserName": "billing-bot",
                "displayName": "Billing Bot",
                "agentType": "Assistant",
                "owners": [owner],
                "extra": {"protocols": [{"type": "MCP-Server"}]}
            }),
        )
        .await;
    let id = agent["id"].as_str().unwrap().to_owned();
    assert_eq!(agent["owners"][0]["value"], owner.as_str());
    assert_eq!(agent["protocols"][0]["type"], "MCP-Server");

    // The handle is unique in any case: the SCIM error comes back for the agent to act on.
    let taken = relay
        .err("create-agent", json!({"agentUserName": "BILLING-BOT"}))
        .await;
    assert_eq!(taken["scimType"], "uniqueness");

    let listed = relay
        .ok(
            "list-agents",
            json!({"filter": format!("owners.value eq \"{owner}\"")}),
        )
        .await;
    assert_eq!(listed["totalResults"], 1);

    let off = relay.ok("deactivate-agent", json!({"id": id})).await;
    assert_eq!(off["active"], false);
    let on = relay.ok("activate-agent", json!({"id": id})).await;
    assert_eq!(on["active"], true);
    let patched = relay
        .ok(
            "patch-agent",
            json!({"id": id, "operations": [{"op": "replace", "path": "description", "value": "Sends invoices"}]}),
        )
        .await;
    assert_eq!(patched["description"], "Sends invoices");

    let app = relay
        .ok(
            "create-agentic-application",
            json!({"name": "Finance Desk", "agents": [id],
                   "extra": {"applicationUrls": [{"type": "homepage", "value": "https://finance.example.com"}]}}),
        )
        .await;
    let app_id = app["id"].as_str().unwrap().to_owned();
    let apps = relay
        .ok(
            "list-agentic-applications",
            json!({"filter": "applicationUrls.value eq \"https://finance.example.com\""}),
        )
        .await;
    assert_eq!(apps["totalResults"], 1);
    assert_eq!(apps["Resources"][0]["agents"][0]["value"], id.as_str());
    let got = relay
        .ok(
            "get-agentic-application",
            json!({"id": app_id, "attributes": ["name"]}),
        )
        .await;
    assert_eq!(got["name"], "Finance Desk");

    // Deletes need confirmation.
    relay.err("delete-agent", json!({"id": id})).await;
    relay
        .ok(
            "delete-agentic-application",
            json!({"id": app_id, "confirm": true}),
        )
        .await;
    relay
        .ok("delete-agent", json!({"id": id, "confirm": true}))
        .await;
    relay.err("get-agent", json!({"id": id})).await;

    let all = relay.finish().await;
    assert!(!all.contains(&peer.token), "the token leaked");
}
