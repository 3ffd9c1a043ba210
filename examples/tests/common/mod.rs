//! Test harness: starts the example service provider in-process on an ephemeral port and drives it
//! over real HTTP with `ureq`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use examples::server::{Config, Db, Server};
use serde_json::Value;

/// The media type every SCIM response carries (RFC 7644 §3.1, Entra).
pub const SCIM_JSON: &str = "application/scim+json";
pub const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A server running on a background thread; stopped and its database removed on drop.
pub struct TestServer {
    pub server: Server,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// The SQLite file (a path that never exists for a server on PostgreSQL).
    pub db: PathBuf,
    /// The PostgreSQL database, for a server on one.
    pub postgres: Option<String>,
    /// Appended to tenant names on PostgreSQL, where every test shares one database.
    tenant_suffix: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh path in the temp directory, unique per process, call and time, ending in `.ext`.
pub fn temp_path(ext: &str) -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "scimkit-it-{}-{n}-{nanos}.{ext}",
        std::process::id()
    ))
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(Config::default())
    }

    pub fn start_with(config: Config) -> TestServer {
        let db = temp_path("db");
        TestServer::start_on(Db::Sqlite(db), config)
    }

    /// A server on the PostgreSQL database of `SCIMKIT_POSTGRES_URL` (CI starts one with
    /// `.ci/postgres.sh`); `None`, with the reason printed, when there is none outside CI.
    pub fn start_postgres() -> Option<TestServer> {
        let url = scimkit_server::testing::postgres_url()?;
        Some(TestServer::start_on(Db::Postgres(url), Config::default()))
    }

    fn start_on(db: Db, config: Config) -> TestServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let config = Config {
            base_url: origin.clone(),
            ..config
        };
        let (path, postgres) = match &db {
            Db::Sqlite(path) => (path.clone(), None),
            Db::Postgres(url) => (temp_path("unused"), Some(url.clone())),
        };
        let tenant_suffix = postgres.as_ref().map(|_| {
            format!(
                "{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::SeqCst)
            )
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (started, server) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let s = Server::connect(&db, config)
                    .await
                    .expect("open the database");
                started.send(s.clone()).expect("the test waits");
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                s.serve(listener, async move {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
            });
        });
        TestServer {
            server: server.recv().expect("the server started"),
            origin,
            db: path,
            postgres,
            tenant_suffix,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Creates a tenant and returns a client holding its token.
    pub fn tenant(&self, name: &str) -> Client {
        let name = match &self.tenant_suffix {
            Some(suffix) => format!("{name}-{suffix}"),
            None => name.to_owned(),
        };
        let token = self.server.create_tenant(&name).expect("create tenant");
        Client::new(
            format!("{}/t/{name}/scim/v2", self.origin),
            Some(token),
            None,
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        for file in [self.db.clone(), examples::server::app_database(&self.db)] {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = file.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(p));
            }
        }
    }
}

/// A SCIM client for one tenant.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub token: Option<String>,
    pub user_agent: Option<String>,
    agent: ureq::Agent,
}

/// One HTTP response, fully read.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(
            self.status, status,
            "expected {status}, got {}: {}",
            self.status, self.text
        );
        self
    }

    /// Asserts an RFC 7644 §3.12 error: the status, the Error schema, `status` as a string, and
    /// the `scimType` when given.
    #[track_caller]
    pub fn expect_error(self, status: u16, scim_type: Option<&str>) -> Resp {
        let r = self.expect(status);
        assert_eq!(r.json["schemas"], serde_json::json!([ERROR]), "{}", r.text);
        assert_eq!(
            r.json["status"],
            Value::String(status.to_string()),
            "{}",
            r.text
        );
        match scim_type {
            Some(t) => assert_eq!(r.json["scimType"], t, "{}", r.text),
            None => assert!(r.json.get("scimType").is_none(), "{}", r.text),
        }
        r
    }

    /// Asserts a ListResponse with integer counts and returns its resources.
    #[track_caller]
    pub fn list(&self) -> Vec<Value> {
        assert_eq!(self.status, 200, "{}", self.text);
        assert_eq!(
            self.json["schemas"],
            serde_json::json!([LIST]),
            "{}",
            self.text
        );
        assert!(self.json["totalResults"].is_u64(), "{}", self.text);
        let resources = self.json["Resources"]
            .as_array()
            .unwrap_or_else(|| panic!("Resources must be an array: {}", self.text))
            .clone();
        // RFC 7644 §3.4.2: itemsPerPage is required with pagination; when present it is an
        // integer (Okta) and counts this page.
        if let Some(n) = self.json.get("itemsPerPage") {
            assert_eq!(n.as_u64(), Some(resources.len() as u64), "{}", self.text);
        }
        resources
    }

    pub fn total(&self) -> u64 {
        self.json["totalResults"]
            .as_u64()
            .unwrap_or_else(|| panic!("integer totalResults: {}", self.text))
    }
}

impl Client {
    pub fn new(base: String, token: Option<String>, user_agent: Option<String>) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .build();
        Client {
            base,
            token,
            user_agent,
            agent,
        }
    }

    pub fn with_user_agent(mut self, ua: &str) -> Client {
        self.user_agent = Some(ua.to_owned());
        self
    }

    pub fn with_token(mut self, token: Option<&str>) -> Client {
        self.token = token.map(str::to_owned);
        self
    }

    /// Sends a request; `path` is relative to the tenant's base URL (or absolute if it starts with
    /// `http`). Every response with a body must be `application/scim+json` (Entra).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self.agent.request(method, &url);
        if let Some(t) = &self.token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        if let Some(ua) = &self.user_agent {
            req = req.set("User-Agent", ua);
        }
        if body.is_some() {
            req = req.set("Content-Type", SCIM_JSON);
        }
        for (n, v) in headers {
            req = req.set(n, v);
        }
        let result = match body {
            Some(b) => req.send_string(b),
            None => req.call(),
        };
        let (status, headers, text, json) = read(method, &url, result);
        let resp = Resp {
            status,
            headers,
            text,
            json,
        };
        if !resp.text.is_empty() {
            let ct = resp.header("content-type").unwrap_or("");
            assert!(
                ct.starts_with(SCIM_JSON),
                "{method} {url}: Content-Type `{ct}` is not {SCIM_JSON}"
            );
        }
        resp
    }

    pub fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None, &[])
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.send("DELETE", path, None, &[])
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        self.send("POST", path, Some(&body.to_string()), &[])
    }

    pub fn put(&self, path: &str, body: &Value) -> Resp {
        self.send("PUT", path, Some(&body.to_string()), &[])
    }

    pub fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send("PATCH", path, Some(&body.to_string()), &[])
    }

    /// A PatchOp message with these operations.
    pub fn patch_ops(&self, path: &str, ops: Value) -> Resp {
        self.patch(
            path,
            &serde_json::json!({"schemas": [PATCH_OP], "Operations": ops}),
        )
    }

    /// `GET /Users?filter=...` with the filter URL-encoded.
    pub fn filter(&self, endpoint: &str, filter: &str, extra: &str) -> Resp {
        self.get(&format!("/{endpoint}?filter={}{extra}", enc(filter)))
    }

    /// Creates a user with this userName; returns its id.
    pub fn create_user(&self, user_name: &str) -> String {
        let r = self
            .post(
                "/Users",
                &serde_json::json!({"schemas": [USER], "userName": user_name}),
            )
            .expect(201);
        r.json["id"].as_str().expect("id").to_owned()
    }

    /// Creates a group; returns its id.
    pub fn create_group(&self, display_name: &str) -> String {
        let r = self
            .post(
                "/Groups",
                &serde_json::json!({"schemas": [GROUP], "displayName": display_name, "members": []}),
            )
            .expect(201);
        r.json["id"].as_str().expect("id").to_owned()
    }

    /// The member ids of a group, sorted.
    pub fn member_ids(&self, group: &str) -> Vec<String> {
        let r = self.get(&format!("/Groups/{group}")).expect(200);
        let mut ids: Vec<String> = r.json["members"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| m["value"].as_str().expect("member value").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }
}

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A random-looking GUID, as Entra's Test Connection sends.
pub fn guid() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let h = format!(
        "{:032x}",
        nanos.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
    );
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Whether a user shows no group membership (`groups` absent or empty).
pub fn no_groups(user: &Value) -> bool {
    match user.get("groups") {
        None => true,
        Some(g) => g == &Value::Array(Vec::new()),
    }
}

/// A client of the admin JSON API (`/admin/api`), holding the admin credential.
pub struct AdminApi {
    pub origin: String,
    pub credential: Option<String>,
    agent: ureq::Agent,
}

impl TestServer {
    /// The admin API, with the server's admin credential.
    pub fn admin(&self) -> AdminApi {
        AdminApi {
            origin: self.origin.clone(),
            credential: Some(self.server.admin_credential().to_owned()),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(30))
                .build(),
        }
    }

    /// Waits for the application to apply every provisioning event so far.
    #[track_caller]
    pub fn settle(&self) {
        assert!(
            self.server.settle(Duration::from_secs(10)),
            "provisioning did not catch up within 10 s"
        );
    }
}

impl AdminApi {
    /// Sends `method` to `/admin/api{path}`; returns the status and the JSON body (`Null` when
    /// empty).
    pub fn send(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let url = format!("{}/admin/api{path}", self.origin);
        let mut req = self.agent.request(method, &url);
        if let Some(c) = &self.credential {
            req = req.set("Authorization", &format!("Bearer {c}"));
        }
        let result = match body {
            Some(b) => req
                .set("Content-Type", "application/json")
                .send_string(&b.to_string()),
            None => req.call(),
        };
        let (status, _, _, json) = read(method, &url, result);
        (status, json)
    }

    /// GET, asserting 200.
    #[track_caller]
    pub fn get(&self, path: &str) -> Value {
        let (status, json) = self.send("GET", path, None);
        assert_eq!(status, 200, "GET {path}: {json}");
        json
    }
}

/// A response read in full: status, headers, body text, and the body as JSON (`Null` when
/// empty). Panics when the request did not get an answer or the body is not JSON.
fn read(
    method: &str,
    url: &str,
    result: Result<ureq::Response, ureq::Error>,
) -> (u16, Vec<(String, String)>, String, Value) {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = response.status();
    let headers: Vec<(String, String)> = response
        .headers_names()
        .into_iter()
        .filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_owned())))
        .collect();
    let text = response.into_string().expect("read the body");
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {url}: body is not JSON ({e}): {text}"))
    };
    (status, headers, text, json)
}
