//! Several `scim-server` processes on one PostgreSQL database, as behind a load balancer: nothing
//! is lost, duplicated or overwritten when clients spread concurrent writes over them, tenants
//! and tokens are shared, and a killed instance loses no acknowledged write.
//!
//! Runs against `SCIMKIT_POSTGRES_URL` (CI starts a server with `.ci/postgres.sh`); skipped with a
//! printed reason when it is unset outside CI.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Client, PATCH_OP, USER};
use serde_json::json;

/// The admin credential every instance here is started with.
const ADMIN: &str = "admin-credential-for-tests";

/// A tenant name no other test or run uses.
fn fresh_tenant(label: &str) -> String {
    format!("{label}-{}", common::guid())
}

/// One `scim-server` process; killed on drop.
struct Instance {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    origin: String,
    /// The token printed for each `--tenant`, in order.
    tokens: Vec<String>,
}

impl Instance {
    /// Starts an instance on `db`, creating `tenants`.
    fn start(db: &str, tenants: &[&str]) -> Instance {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scim-server"));
        cmd.args([
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--admin-token",
            ADMIN,
        ])
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
        for t in tenants {
            cmd.args(["--tenant", t]);
        }
        let mut child = cmd.spawn().expect("start scim-server");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (mut origin, mut tokens) = (None, Vec::new());
        for line in lines.by_ref() {
            let line = line.expect("read scim-server's output");
            if let Some(url) = line.strip_prefix("base URL: ") {
                let url = url.trim();
                let end = url["http://".len()..].find('/').expect("a path") + "http://".len();
                origin = Some(url[..end].to_owned());
            } else if let Some(token) = line.strip_prefix("token:") {
                tokens.push(token.trim().to_owned());
            } else if line.starts_with("try:") {
                break;
            }
        }
        // Keep draining, so the process never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let origin = origin.expect("scim-server printed its base URL");
        let instance = Instance {
            child,
            origin,
            tokens,
        };
        // The listener is bound before the banner is printed; wait until requests are served.
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!(
            "{}/t/x/scim/v2/ServiceProviderConfig",
            instance.origin
        ))
        .call()
        .is_err_and(|e| matches!(e, ureq::Error::Transport(_)))
        {
            assert!(Instant::now() < deadline, "scim-server never answered");
            std::thread::sleep(Duration::from_millis(50));
        }
        instance
    }

    fn client(&self, tenant: &str, token: &str) -> Client {
        Client::new(
            format!("{}/t/{tenant}/scim/v2", self.origin),
            Some(token.to_owned()),
            None,
        )
    }

    /// `kill -9`: no shutdown, no flushing.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Two instances sharing `db`, and a client of `tenant` on each (the second instance learns the
/// tenant's token from the database, not from its command line).
fn two_instances(db: &str, tenant: &str) -> (Instance, Instance, [Client; 2]) {
    let a = Instance::start(db, &[tenant]);
    let b = Instance::start(db, &[&fresh_tenant("unused")]);
    let token = a.tokens[0].clone();
    let clients = [a.client(tenant, &token), b.client(tenant, &token)];
    (a, b, clients)
}

/// Runs `f(i)` on `n` threads at once (released together) and returns the results in order.
fn together<T: Send + 'static>(n: usize, f: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let f = Arc::new(f);
    let barrier = Arc::new(std::sync::Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (f, barrier) = (f.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                f(i)
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("a client thread panicked"))
        .collect()
}

#[test]
fn concurrent_member_adds_across_instances_lose_nothing() {
    let Some(db) = scimkit_server::testing::postgres_url() else {
        return;
    };
    let tenant = fresh_tenant("members");
    let (_a, _b, clients) = two_instances(&db, &tenant);
    let clients = Arc::new(clients);
    let group = clients[0].create_group("Everyone");
    // 8 clients, each with 50 users of its own, spread over both instances.
    let users: Vec<Vec<String>> = together(8, {
        let clients = clients.clone();
        move |w| {
            (0..50)
                .map(|i| clients[(w + i) % 2].create_user(&format!("member-{w}-{i}")))
                .collect()
        }
    });
    let users = Arc::new(users);
    together(8, {
        let (clients, users, group) = (clients.clone(), users.clone(), group.clone());
        move |w| {
            for (i, id) in users[w].iter().enumerate() {
                clients[(w + i) % 2]
                    .patch_ops(
                        &format!("/Groups/{group}"),
                        json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
                    )
                    .expect(204);
            }
        }
    });
    let mut want: Vec<String> = users.iter().flatten().cloned().collect();
    want.sort();
    for client in clients.iter() {
        assert_eq!(
            client.member_ids(&group),
            want,
            "8 clients x 50 distinct members over two instances: exactly 400 members"
        );
    }
}

#[test]
fn concurrent_if_match_patches_across_instances_let_exactly_one_win() {
    let Some(db) = scimkit_server::testing::postgres_url() else {
        return;
    };
    let tenant = fresh_tenant("ifmatch");
    let (_a, _b, clients) = two_instances(&db, &tenant);
    let id = clients[0].create_user("contested");
    let etag = clients[1]
        .get(&format!("/Users/{id}"))
        .expect(200)
        .header("etag")
        .expect("an ETag")
        .to_owned();
    let clients = Arc::new(clients);
    let statuses = together(8, {
        let (clients, id, etag) = (clients.clone(), id.clone(), etag.clone());
        move |w| {
            let body = json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "replace", "path": "title", "value": format!("writer {w}")}]});
            clients[w % 2]
                .send(
                    "PATCH",
                    &format!("/Users/{id}"),
                    Some(&body.to_string()),
                    &[("If-Match", &etag)],
                )
                .status
        }
    });
    let won = statuses.iter().filter(|s| (200..300).contains(*s)).count();
    let stale = statuses.iter().filter(|s| **s == 412).count();
    assert_eq!(
        (won, stale),
        (1, 7),
        "one If-Match PATCH wins, the rest are 412: {statuses:?}"
    );
}

#[test]
fn concurrent_creates_of_one_user_name_across_instances_make_one_user() {
    let Some(db) = scimkit_server::testing::postgres_url() else {
        return;
    };
    let tenant = fresh_tenant("unique");
    let (_a, _b, clients) = two_instances(&db, &tenant);
    let names = [
        "Ünïcode.Racer",
        "ÜNÏCODE.RACER",
        "ünïcode.racer",
        "üNÏcode.Racer",
        "ÜnÏcOdE.rAcEr",
        "ünÏCODE.racer",
        "Ünïcode.RACER",
        "ÜNïcode.racer",
    ];
    let clients = Arc::new(clients);
    let statuses = together(8, {
        let clients = clients.clone();
        move |w| {
            clients[w % 2]
                .post("/Users", &json!({"schemas": [USER], "userName": names[w]}))
                .status
        }
    });
    let created = statuses.iter().filter(|s| **s == 201).count();
    let conflicts = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!(
        (created, conflicts),
        (1, 7),
        "one create of a userName in any case wins, the rest are 409: {statuses:?}"
    );
    let found = clients[1]
        .filter("Users", r#"userName eq "ÜNÏCODE.racer""#, "")
        .expect(200);
    assert_eq!(found.total(), 1);
}

#[test]
fn a_token_rotated_through_one_instance_is_honoured_by_the_others() {
    let Some(db) = scimkit_server::testing::postgres_url() else {
        return;
    };
    let tenant = fresh_tenant("rotate");
    let (a, b, clients) = two_instances(&db, &tenant);
    clients[1].get("/Users").expect(200);
    // Rotate through instance A's admin API, without overlap: the old token stops at once.
    let issued: serde_json::Value =
        ureq::post(&format!("{}/admin/api/tenants/{tenant}/tokens", a.origin))
            .set("Authorization", &format!("Bearer {ADMIN}"))
            .send_json(json!({"rotate": true, "overlapSeconds": 0}))
            .expect("issue a token")
            .into_json()
            .expect("JSON");
    let new_token = issued["token"].as_str().expect("the new token").to_owned();
    let fresh = b.client(&tenant, &new_token);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (old, new) = (clients[1].get("/Users").status, fresh.get("/Users").status);
        if (old, new) == (401, 200) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "instance B still answers {old} to the old token and {new} to the new one"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_killed_instance_loses_no_acknowledged_write() {
    let Some(db) = scimkit_server::testing::postgres_url() else {
        return;
    };
    let tenant = fresh_tenant("kill");
    let (mut a, _b, clients) = two_instances(&db, &tenant);
    let [on_a, on_b] = clients;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writer = std::thread::spawn({
        let acknowledged = acknowledged.clone();
        move || {
            for i in 0.. {
                let body = json!({"schemas": [USER], "userName": format!("survivor-{i}")});
                // A write cut off by the kill has no answer (a transport error): not acknowledged.
                let post = std::panic::AssertUnwindSafe(|| on_a.post("/Users", &body));
                let Ok(r) = std::panic::catch_unwind(post) else {
                    break;
                };
                if r.status != 201 {
                    break;
                }
                let id = r.json["id"].as_str().expect("id").to_owned();
                acknowledged.lock().unwrap().push(id);
            }
        }
    });
    std::thread::sleep(Duration::from_millis(1500));
    a.kill();
    writer
        .join()
        .expect("the writer stops when its instance dies");
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 5,
        "writes went through before the kill"
    );
    for id in &acknowledged {
        on_b.get(&format!("/Users/{id}")).expect(200);
    }
}
