//! Regression tests for the service provider's reliability and security defects (issue #20),
//! one test per defect, each over HTTP against the example server on SQLite; those whose fix
//! depends on the backend (races, case folding, membership cycles, filters, stored passwords) run
//! on PostgreSQL too. Each asserts the
//! behaviour the defect report describes as wrong, so it fails on a server that has the defect.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::*;
use examples::server::{Config, Connections};
use scimkit_server::{Interop, PatchResponse};
use serde_json::{json, Value};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// `host:port` of a server's origin.
fn addr(server: &TestServer) -> String {
    server.origin.trim_start_matches("http://").to_owned()
}

/// A response read off a raw connection.
struct Raw {
    status: u16,
    head: String,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.head, self.body))
    }
}

/// Reads one response (head and a `Content-Length` body) from `stream`.
fn read_response(stream: &mut TcpStream) -> Raw {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    let split = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut byte).expect("read the response head");
        assert!(n > 0, "connection closed before a response: {buf:?}");
        buf.extend_from_slice(&byte[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head}"));
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[split..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut byte).expect("read the response body");
        assert!(n > 0, "connection closed inside the body");
        body.extend_from_slice(&byte[..n]);
    }
    Raw {
        status,
        head,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Sends `request` as is on a new connection and reads one response.
fn raw_exchange(server: &TestServer, request: &[u8]) -> Raw {
    let mut stream = TcpStream::connect(addr(server)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).expect("send");
    read_response(&mut stream)
}

/// Whether the server closes `stream` within `within` (EOF or reset, after any response bytes).
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false
            }
            Err(_) => return true,
        }
    }
}

fn token(c: &Client) -> String {
    c.token.clone().expect("a tenant client has a token")
}

/// The audit rows of `resource_id` (their `changes`, as JSON text), once the application has
/// applied every provisioning event so far.
fn audit_changes(server: &TestServer, resource_id: &str) -> Vec<String> {
    server.settle();
    let db = rusqlite::Connection::open(examples::server::app_database(&server.db)).unwrap();
    let mut stmt = db
        .prepare("SELECT changes FROM app_audit WHERE resource_id = ?1 ORDER BY seq")
        .unwrap();
    stmt.query_map([resource_id], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The stored document of a resource, straight from the database.
fn stored_doc(server: &TestServer, id: &str) -> String {
    if let Some(url) = &server.postgres {
        let mut db = postgres::Client::connect(url, postgres::NoTls).unwrap();
        return db
            .query_one("SELECT doc::text FROM scim_resources WHERE id = $1", &[&id])
            .unwrap()
            .get(0);
    }
    let db = rusqlite::Connection::open(&server.db).unwrap();
    db.query_row("SELECT doc FROM resources WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .unwrap()
}

/// Runs `writers` threads that each call `write(thread, round)` `rounds` times, all starting
/// together; returns every status.
fn race(writers: usize, rounds: usize, write: impl Fn(usize, usize) -> Resp + Sync) -> Vec<Resp> {
    let barrier = Barrier::new(writers);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|t| {
                let (barrier, write) = (&barrier, &write);
                s.spawn(move || {
                    barrier.wait();
                    (0..rounds).map(|r| write(t, r)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("writer"))
            .collect()
    })
}

/// Defect 1: concurrent PUTs and PATCHes of one user without `If-Match` must all succeed; a lost
/// race is retried, never answered with 412.
#[test]
fn defect_01_concurrent_writes_without_if_match_never_412() {
    concurrent_writes_without_if_match(&TestServer::start());
}

/// The same on PostgreSQL.
#[test]
fn defect_01_concurrent_writes_without_if_match_never_412_on_postgres() {
    if let Some(server) = TestServer::start_postgres() {
        concurrent_writes_without_if_match(&server);
    }
}

fn concurrent_writes_without_if_match(server: &TestServer) {
    let c = server.tenant("acme");
    let id = c.create_user("race@example.com");
    let u = format!("/Users/{id}");
    let puts = race(8, 25, |t, r| {
        c.put(
            &u,
            &json!({"schemas": [USER], "userName": "race@example.com", "displayName": format!("put {t}.{r}")}),
        )
    });
    let patches = race(8, 25, |t, r| {
        c.patch_ops(
            &u,
            json!([{"op": "replace", "path": "displayName", "value": format!("patch {t}.{r}")}]),
        )
    });
    for r in puts.iter().chain(&patches) {
        assert_eq!(r.status, 200, "{}", r.text);
    }
    // Every write took effect once: 1 (create) + 200 + 200 versions.
    let r = c.get(&u).expect(200);
    assert_eq!(r.header("ETag"), Some("W/\"401\""));
    // With a precondition the client asked for optimistic locking: a stale tag is still 412.
    c.send(
        "PUT",
        &u,
        Some(&json!({"schemas": [USER], "userName": "race@example.com"}).to_string()),
        &[("If-Match", "W/\"1\"")],
    )
    .expect_error(412, None);
}

/// Defect 2: `caseExact: false` is case-insensitive over all of Unicode, in uniqueness, filters
/// and sorting alike.
#[test]
fn defect_02_unicode_case_folding_in_uniqueness_filters_and_sort() {
    unicode_case_folding(&TestServer::start());
}

/// The same on PostgreSQL.
#[test]
fn defect_02_unicode_case_folding_in_uniqueness_filters_and_sort_on_postgres() {
    if let Some(server) = TestServer::start_postgres() {
        unicode_case_folding(&server);
    }
}

fn unicode_case_folding(server: &TestServer) {
    let c = server.tenant("acme");
    let id = c.create_user("ümlaut");
    let r = c
        .post("/Users", &json!({"schemas": [USER], "userName": "ÜMLAUT"}))
        .expect_error(409, Some("uniqueness"));
    assert!(r.text.contains(&id), "{}", r.text);
    for spelling in ["ümlaut", "ÜMLAUT", "Ümlaut"] {
        let r = c
            .filter("Users", &format!(r#"userName eq "{spelling}""#), "")
            .expect(200);
        assert_eq!(r.total(), 1, "{spelling}: {}", r.text);
    }
    // A rename into another case of a taken name is refused too.
    let other = c.create_user("other");
    c.put(
        &format!("/Users/{other}"),
        &json!({"schemas": [USER], "userName": "ümLAUT"}),
    )
    .expect_error(409, Some("uniqueness"));
    // Sorting folds case: "äa" < "ÄB" although 'Ä' (U+00C4) < 'ä' (U+00E4) byte-wise.
    c.create_user("ÄB");
    c.create_user("äa");
    let r = c
        .filter("Users", r#"userName sw "Ä""#, "&sortBy=userName")
        .expect(200);
    let names: Vec<&str> = r.json["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["äa", "ÄB"]);
}

/// Defect 3: a hostile `Host` header never reaches `meta.location` or `Location`, for the writer
/// or any later reader.
#[test]
fn defect_03_host_header_never_reaches_meta_location() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let body = json!({"schemas": [USER], "userName": "host@example.com"}).to_string();
    let request = format!(
        "POST /t/acme/scim/v2/Users HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        token(&c),
        body.len()
    );
    let r = raw_exchange(&server, request.as_bytes());
    assert_eq!(r.status, 201, "{}", r.body);
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_owned();
    let want = format!("{}/t/acme/scim/v2/Users/{id}", server.origin);
    assert_eq!(r.header("Location"), Some(want.as_str()));
    assert_eq!(created["meta"]["location"], want.as_str());
    // A later reader, with or without a hostile Host of its own, sees the configured base URL.
    assert_eq!(
        c.get(&format!("/Users/{id}")).expect(200).json["meta"]["location"],
        want.as_str()
    );
    let request = format!(
        "GET /t/acme/scim/v2/Users/{id} HTTP/1.1\r\nHost: other.example\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        token(&c)
    );
    let r = raw_exchange(&server, request.as_bytes());
    assert_eq!(r.json()["meta"]["location"], want.as_str());
    let stored = stored_doc(&server, &id);
    assert!(
        !stored.contains("evil") && !stored.contains("http"),
        "stored a URL: {stored}"
    );
}

/// Defect 4: a member's `type` and `$ref` follow from what its id names, and a group may not
/// contain itself, directly or through nesting.
#[test]
fn defect_04_member_type_derived_and_cycles_refused() {
    member_types_and_cycles(&TestServer::start());
}

/// The same on PostgreSQL.
#[test]
fn defect_04_member_type_derived_and_cycles_refused_on_postgres() {
    if let Some(server) = TestServer::start_postgres() {
        member_types_and_cycles(&server);
    }
}

fn member_types_and_cycles(server: &TestServer) {
    let c = server.tenant("acme");
    let a = c.create_group("A");
    let b = c.create_group("B");
    let u = c.create_user("member@example.com");
    // No `type` at all, and a wrong one: both are derived from the ids.
    c.patch_ops(
        &format!("/Groups/{a}"),
        json!([{"op": "add", "path": "members", "value": [{"value": b}, {"value": u, "type": "Group"}]}]),
    )
    .expect(204);
    let r = c.get(&format!("/Groups/{a}")).expect(200);
    let members = r.json["members"].as_array().unwrap();
    let of = |id: &str| members.iter().find(|m| m["value"] == id).unwrap().clone();
    assert_eq!(of(&b)["type"], "Group");
    assert!(of(&b)["$ref"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/Groups/{b}")));
    assert_eq!(of(&u)["type"], "User");
    assert!(of(&u)["$ref"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/Users/{u}")));
    // A in B would close the loop A → B → A; A in A is the shortest cycle.
    for (group, member) in [(&b, &a), (&a, &a)] {
        c.patch_ops(
            &format!("/Groups/{group}"),
            json!([{"op": "add", "path": "members", "value": [{"value": member}]}]),
        )
        .expect_error(400, Some("invalidValue"));
    }
    c.put(
        &format!("/Groups/{b}"),
        &json!({"schemas": [GROUP], "displayName": "B", "members": [{"value": a}]}),
    )
    .expect_error(400, Some("invalidValue"));
    assert_eq!(c.member_ids(&b), Vec::<String>::new());
}

/// Defect 5: half-sent headers and idle connections are closed after their timeouts, and
/// connections beyond the limit wait until one closes.
#[test]
fn defect_05_slow_headers_idle_connections_and_connection_limit() {
    let server = TestServer::start_with(Config {
        connections: Connections {
            header_read_timeout: Duration::from_millis(500),
            idle_timeout: Duration::from_millis(800),
            max_connections: 4,
        },
        ..Config::default()
    });
    let c = server.tenant("acme");
    // Slowloris: a request line and one header, then nothing.
    let mut slow = TcpStream::connect(addr(&server)).unwrap();
    slow.write_all(b"GET /t/acme/scim/v2/Users HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let start = Instant::now();
    assert!(
        closed_within(&mut slow, Duration::from_secs(5)),
        "half-sent headers kept the connection open"
    );
    assert!(start.elapsed() >= Duration::from_millis(400));

    // A body that stops arriving: the connection goes after the idle timeout.
    let mut stalled = TcpStream::connect(addr(&server)).unwrap();
    let head = format!(
        "POST /t/acme/scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{\"schemas\":",
        token(&c)
    );
    stalled.write_all(head.as_bytes()).unwrap();
    assert!(
        closed_within(&mut stalled, Duration::from_secs(5)),
        "a stalled body kept the connection open"
    );

    // A kept-alive connection with nothing more to ask is closed too.
    let mut idle = TcpStream::connect(addr(&server)).unwrap();
    let get = format!(
        "GET /t/acme/scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        token(&c)
    );
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    idle.write_all(get.as_bytes()).unwrap();
    assert_eq!(read_response(&mut idle).status, 200);
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)),
        "an idle keep-alive connection stayed open"
    );

    // Four connections are the limit: a fifth is not served until one of them closes. (A server
    // with a long header timeout, so the four are not closed for their silence meanwhile.)
    let server = TestServer::start_with(Config {
        connections: Connections {
            max_connections: 4,
            ..Connections::default()
        },
        ..Config::default()
    });
    let c = server.tenant("acme");
    let get = format!(
        "GET /t/acme/scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        token(&c)
    );
    let mut held: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(addr(&server)).unwrap())
        .collect();
    // Each of the four is served, and stays open.
    for h in &mut held {
        h.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        h.write_all(get.as_bytes()).unwrap();
        assert_eq!(read_response(h).status, 200);
    }
    let mut fifth = TcpStream::connect(addr(&server)).unwrap();
    fifth.write_all(get.as_bytes()).unwrap();
    fifth
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut byte = [0u8; 1];
    assert!(
        fifth.read(&mut byte).is_err(),
        "a connection over the limit was served at once"
    );
    held.pop();
    fifth
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let r = read_response(&mut fifth);
    assert_eq!(r.status, 200, "{}", r.head);
}

/// p99 of `samples`.
fn p99(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[(samples.len() * 99 / 100).min(samples.len() - 1)]
}

/// Defect 6: one tenant looping expensive filters does not stall another tenant's `userName eq`
/// lookups.
#[test]
fn defect_06_a_noisy_tenant_does_not_stall_a_quiet_one() {
    let server = TestServer::start();
    let noisy = server.tenant("noisy");
    let quiet = server.tenant("quiet");
    // 3,000 users for the noisy tenant's full scans.
    for chunk in 0..3 {
        let ops: Vec<Value> = (0..1000)
            .map(|i| {
                let n = chunk * 1000 + i;
                json!({"method": "POST", "path": "/Users", "bulkId": format!("u{n}"),
                       "data": {"schemas": [USER], "userName": format!("user{n}@noisy.example"),
                                "displayName": format!("Noisy User {n}"), "title": "Engineer"}})
            })
            .collect();
        noisy
            .post("/Bulk", &json!({"schemas": [BULK], "Operations": ops}))
            .expect(200);
    }
    for i in 0..50 {
        quiet.create_user(&format!("q{i}@quiet.example"));
    }
    let lookups = |n: usize| -> Vec<Duration> {
        (0..n)
            .map(|i| {
                let start = Instant::now();
                let r = quiet
                    .filter(
                        "Users",
                        &format!(r#"userName eq "q{}@quiet.example""#, i % 50),
                        "",
                    )
                    .expect(200);
                assert_eq!(r.total(), 1);
                start.elapsed()
            })
            .collect()
    };
    let alone = p99(&mut lookups(200));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let noise: Vec<_> = (0..4)
        .map(|_| {
            let (noisy, stop) = (noisy.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    noisy
                        .filter(
                            "Users",
                            r#"displayName co "zz" or title ew "q" or emails.value co "@x""#,
                            "&count=10",
                        )
                        .expect(200);
                    n += 1;
                }
                n
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let noisy_p99 = p99(&mut lookups(200));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let scans: usize = noise.into_iter().map(|h| h.join().unwrap()).sum();
    eprintln!(
        "quiet tenant userName eq p99: alone {alone:?}, beside {scans} noisy scans {noisy_p99:?}"
    );
    assert!(scans > 0);
    assert!(
        noisy_p99 < Duration::from_millis(50),
        "quiet p99 {noisy_p99:?} under noise (alone {alone:?})"
    );
}

/// Defect 7: under the IdP-compatible profile a group push with one unknown member id applies
/// the known members and reports the unknown one; strict keeps 400 `invalidValue`.
#[test]
fn defect_07_unknown_member_ids_are_skipped_and_reported() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let g = c.create_group("Push");
    let known = c.create_user("known@example.com");
    let stale = "00000000-0000-4000-8000-000000000000";
    c.patch_ops(
        &format!("/Groups/{g}"),
        json!([{"op": "add", "path": "members", "value": [{"value": known}, {"value": stale}]}]),
    )
    .expect(204);
    assert_eq!(c.member_ids(&g), vec![known.clone()]);
    let rows = audit_changes(&server, &g);
    assert!(
        rows.iter()
            .any(|r| r.contains("skipped") && r.contains(stale)),
        "{rows:?}"
    );

    let strict = TestServer::start_with(Config {
        interop: Interop::strict(),
        ..Config::default()
    });
    let s = strict.tenant("acme");
    let g = s.create_group("Push");
    let known = s.create_user("known@example.com");
    s.patch_ops(
        &format!("/Groups/{g}"),
        json!([{"op": "add", "path": "members", "value": [{"value": known}, {"value": stale}]}]),
    )
    .expect_error(400, Some("invalidValue"));
    assert_eq!(s.member_ids(&g), Vec::<String>::new());
}

/// Defect 8: under the IdP-compatible profile an unknown attribute (top-level, in an extension,
/// or inside `members`) is dropped and reported while the rest is stored; strict keeps 400
/// `invalidSyntax`.
#[test]
fn defect_08_unknown_attributes_are_dropped_and_reported() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let r = c
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "typo@example.com", "displayName": "Typo",
                    "adreses": [{"streetAddress": "1 Main St"}]}),
        )
        .expect(201);
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["displayName"], "Typo");
    assert!(r.json.get("adreses").is_none());
    c.put(
        &format!("/Users/{id}"),
        &json!({"schemas": [USER], "userName": "typo@example.com", "colour": "red"}),
    )
    .expect(200);
    let rows = audit_changes(&server, &id);
    assert!(
        rows[0].contains("skipped") && rows[0].contains("adreses"),
        "{rows:?}"
    );
    assert!(
        rows[1].contains("skipped") && rows[1].contains("colour"),
        "{rows:?}"
    );
    let u = c.create_user("m@example.com");
    let g = c
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "G", "members": [{"value": u, "colour": "red"}]}),
        )
        .expect(201);
    let gid = g.json["id"].as_str().unwrap().to_owned();
    assert_eq!(c.member_ids(&gid), vec![u.clone()]);
    let rows = audit_changes(&server, &gid);
    assert!(rows[0].contains("members.colour"), "{rows:?}");

    let strict = TestServer::start_with(Config {
        interop: Interop::strict(),
        ..Config::default()
    });
    let s = strict.tenant("acme");
    s.post(
        "/Users",
        &json!({"schemas": [USER], "userName": "typo@example.com", "adreses": []}),
    )
    .expect_error(400, Some("invalidSyntax"));
    let u = s.create_user("m@example.com");
    s.post(
        "/Groups",
        &json!({"schemas": [GROUP], "displayName": "G", "members": [{"value": u, "colour": "red"}]}),
    )
    .expect_error(400, Some("invalidSyntax"));
    assert_eq!(s.get("/Users").expect(200).total(), 1);
    assert_eq!(s.get("/Groups").expect(200).total(), 0);
}

/// Defect 9: a group PATCH that asks for attributes gets 200 with the representation; without,
/// the configured default (204 unless set otherwise).
#[test]
fn defect_09_group_patch_with_attributes_answers_200() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let g = c.create_group("Engineering");
    let u = c.create_user("eng@example.com");
    let add = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": u}]}]});
    let rename = |name: &str| json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": name}]});
    let r = c
        .patch(&format!("/Groups/{g}?attributes=displayName"), &add)
        .expect(200);
    assert_eq!(r.json["displayName"], "Engineering");
    assert!(r.json.get("members").is_none(), "{}", r.text);
    assert!(r.header("ETag").is_some());
    let r = c
        .patch(
            &format!("/Groups/{g}?excludedAttributes=members"),
            &rename("Eng"),
        )
        .expect(200);
    assert_eq!(r.json["displayName"], "Eng");
    assert!(r.json.get("members").is_none());
    let r = c
        .patch(&format!("/Groups/{g}"), &rename("Eng 2"))
        .expect(204);
    assert!(r.text.is_empty());

    let server = TestServer::start_with(Config {
        group_patch_response: PatchResponse::Representation,
        ..Config::default()
    });
    let c = server.tenant("acme");
    let g = c.create_group("Engineering");
    let r = c.patch(&format!("/Groups/{g}"), &rename("Eng")).expect(200);
    assert_eq!(r.json["displayName"], "Eng");
}

/// Defect 10a: `Expect: 100-continue` with a declared length over the limit gets 413 at once,
/// never `100 Continue`.
#[test]
fn defect_10a_expect_continue_over_the_limit_is_413_at_once() {
    let server = TestServer::start_with(Config {
        max_body: 4096,
        ..Config::default()
    });
    let c = server.tenant("acme");
    let head = format!(
        "POST /t/acme/scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: 10485760\r\nExpect: 100-continue\r\n\r\n",
        token(&c)
    );
    let r = raw_exchange(&server, head.as_bytes());
    assert_eq!(r.status, 413, "{}{}", r.head, r.body);
    assert_eq!(r.json()["status"], "413");
    assert_eq!(r.header("Connection"), Some("close"));
}

/// Defect 10b: a BulkRequest without `schemas` or without `Operations` is 400 `invalidSyntax`.
#[test]
fn defect_10b_bulk_request_without_schemas_or_operations_is_400() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let op = json!({"method": "POST", "path": "/Users", "bulkId": "a",
                    "data": {"schemas": [USER], "userName": "bulk@example.com"}});
    c.post("/Bulk", &json!({"Operations": [op]}))
        .expect_error(400, Some("invalidSyntax"));
    c.post(
        "/Bulk",
        &json!({"schemas": ["urn:example:other"], "Operations": [op]}),
    )
    .expect_error(400, Some("invalidSyntax"));
    c.post("/Bulk", &json!({"schemas": [BULK]}))
        .expect_error(400, Some("invalidSyntax"));
    assert_eq!(c.get("/Users").expect(200).total(), 0);
    c.post("/Bulk", &json!({"schemas": [BULK], "Operations": [op]}))
        .expect(200);
    assert_eq!(c.get("/Users").expect(200).total(), 1);
}

/// Defect 10c: an empty `userName`, or one with a NUL, is refused.
#[test]
fn defect_10c_empty_or_nul_user_name_is_400() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    for name in ["", "nul\u{0}name"] {
        let r = c.post("/Users", &json!({"schemas": [USER], "userName": name}));
        assert_eq!(r.status, 400, "{name:?}: {}", r.text);
    }
    let id = c.create_user("fine@example.com");
    let r = c.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "userName", "value": "bad\u{0}"}]),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(c.get("/Users").expect(200).total(), 1);
}

/// Defect 10d: comparing a dateTime attribute with text that is no dateTime is an invalid filter.
#[test]
fn defect_10d_datetime_filter_with_a_non_date_is_invalid_filter() {
    datetime_filters(&TestServer::start());
}

/// The same on PostgreSQL.
#[test]
fn defect_10d_datetime_filter_with_a_non_date_is_invalid_filter_on_postgres() {
    if let Some(server) = TestServer::start_postgres() {
        datetime_filters(&server);
    }
}

fn datetime_filters(server: &TestServer) {
    let c = server.tenant("acme");
    c.create_user("dated@example.com");
    c.filter("Users", r#"meta.created gt "not-a-date""#, "")
        .expect_error(400, Some("invalidFilter"));
    c.filter("Users", r#"meta.lastModified eq "yesterday""#, "")
        .expect_error(400, Some("invalidFilter"));
    let r = c
        .filter("Users", r#"meta.created gt "2000-01-01T00:00:00Z""#, "")
        .expect(200);
    assert_eq!(r.total(), 1);
}

/// Defect 10e: an oversized URI is 414 and oversized headers are 431, each with an RFC 7644
/// §3.12 error body.
#[test]
fn defect_10e_oversized_uri_and_headers_get_scim_error_bodies() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let long = "a".repeat(20_000);
    let request = format!(
        "GET /t/acme/scim/v2/Users?filter=userName%20eq%20%22{long}%22 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        token(&c)
    );
    let r = raw_exchange(&server, request.as_bytes());
    assert_eq!(r.status, 414, "{}", r.head);
    assert!(r.header("Content-Type").unwrap().starts_with(SCIM_JSON));
    assert_eq!(r.json()["schemas"], json!([ERROR]));
    assert_eq!(r.json()["status"], "414");

    let request = format!(
        "GET /t/acme/scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
        token(&c),
        "b".repeat(40_000)
    );
    let r = raw_exchange(&server, request.as_bytes());
    assert_eq!(r.status, 431, "{}", r.head);
    assert!(r.header("Content-Type").unwrap().starts_with(SCIM_JSON));
    assert_eq!(r.json()["status"], "431");
}

/// Defect 10f: duplicate JSON keys are refused with 400 `invalidSyntax`, not read last-wins.
#[test]
fn defect_10f_duplicate_json_keys_are_invalid_syntax() {
    let server = TestServer::start();
    let c = server.tenant("acme");
    let dup = format!(r#"{{"schemas":["{USER}"],"userName":"first","userName":"second"}}"#);
    c.send("POST", "/Users", Some(&dup), &[])
        .expect_error(400, Some("invalidSyntax"));
    let nested = format!(
        r#"{{"schemas":["{USER}"],"userName":"n","name":{{"givenName":"a","givenName":"b"}}}}"#
    );
    c.send("POST", "/Users", Some(&nested), &[])
        .expect_error(400, Some("invalidSyntax"));
    assert_eq!(c.get("/Users").expect(200).total(), 0);
    let id = c.create_user("patched@example.com");
    let patch = format!(
        r#"{{"schemas":["{PATCH_OP}"],"Operations":[{{"op":"replace","path":"displayName","value":"a","value":"b"}}]}}"#
    );
    c.send("PATCH", &format!("/Users/{id}"), Some(&patch), &[])
        .expect_error(400, Some("invalidSyntax"));
    let bulk = format!(
        r#"{{"schemas":["{BULK}"],"Operations":[{{"method":"POST","path":"/Users","bulkId":"x","data":{{"schemas":["{USER}"],"userName":"a","userName":"b"}}}}]}}"#
    );
    c.send("POST", "/Bulk", Some(&bulk), &[])
        .expect_error(400, Some("invalidSyntax"));
    assert_eq!(c.get("/Users").expect(200).total(), 1);
}

/// Defect 11: `password` is stored only as a hash and never returned (RFC 7643 §4.1.1); PUT
/// without it keeps the hash, PUT or PATCH with it replaces the hash.
#[test]
fn defect_11_passwords_are_hashed_and_never_returned() {
    passwords_hashed(&TestServer::start());
}

/// The same on PostgreSQL.
#[test]
fn defect_11_passwords_are_hashed_and_never_returned_on_postgres() {
    if let Some(server) = TestServer::start_postgres() {
        passwords_hashed(&server);
    }
}

fn passwords_hashed(server: &TestServer) {
    let c = server.tenant("acme");
    let r = c
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "pw@example.com", "password": "Tr0ub4dor&3"}),
        )
        .expect(201);
    assert!(!r.text.contains("Tr0ub4dor"), "{}", r.text);
    assert!(r.json.get("password").is_none());
    let id = r.json["id"].as_str().unwrap().to_owned();
    let u = format!("/Users/{id}");
    let doc = stored_doc(server, &id);
    assert!(!doc.contains("Tr0ub4dor"), "plaintext stored: {doc}");
    let first: Value = serde_json::from_str(&doc).unwrap();
    let first = first["password"].as_str().unwrap().to_owned();
    assert!(first.starts_with("$argon2id$"), "{first}");
    for path in [
        u.clone(),
        format!("{u}?attributes=password"),
        "/Users".to_owned(),
        format!("/Users?filter={}", enc(r#"userName eq "pw@example.com""#)),
    ] {
        let r = c.get(&path).expect(200);
        assert!(!r.text.contains("password"), "{path}: {}", r.text);
        assert!(!r.text.contains("argon2"), "{path}: {}", r.text);
    }
    // Neither a filter nor an order may read the hash out.
    c.filter("Users", r#"password sw "$argon2id$""#, "")
        .expect_error(400, Some("invalidFilter"));
    c.get("/Users?sortBy=password")
        .expect_error(400, Some("invalidFilter"));
    // PUT without a password keeps it (a client cannot restate what it cannot read).
    let r = c
        .put(
            &u,
            &json!({"schemas": [USER], "userName": "pw@example.com", "displayName": "PW"}),
        )
        .expect(200);
    assert!(r.json.get("password").is_none());
    let doc: Value = serde_json::from_str(&stored_doc(server, &id)).unwrap();
    assert_eq!(doc["password"], first.as_str());
    // PUT and PATCH with a password replace the hash, never store the text.
    c.put(
        &u,
        &json!({"schemas": [USER], "userName": "pw@example.com", "password": "correct horse"}),
    )
    .expect(200);
    let doc = stored_doc(server, &id);
    assert!(!doc.contains("correct horse"), "{doc}");
    let second: Value = serde_json::from_str(&doc).unwrap();
    let second = second["password"].as_str().unwrap().to_owned();
    assert!(second.starts_with("$argon2id$") && second != first);
    let r = c
        .patch_ops(
            &u,
            json!([{"op": "replace", "path": "password", "value": "battery staple"}]),
        )
        .expect(200);
    assert!(!r.text.contains("battery") && !r.text.contains("password"));
    let doc = stored_doc(server, &id);
    assert!(!doc.contains("battery staple"), "{doc}");
    let third: Value = serde_json::from_str(&doc).unwrap();
    let third = third["password"].as_str().unwrap();
    assert!(third.starts_with("$argon2id$") && third != second);
    // Bulk creates go through the same hook.
    let bulk = json!({"schemas": [BULK], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "p",
        "data": {"schemas": [USER], "userName": "bulkpw@example.com", "password": "in bulk"}}]});
    let r = c.post("/Bulk", &bulk).expect(200);
    let loc = r.json["Operations"][0]["location"].as_str().unwrap();
    let bid = loc.rsplit('/').next().unwrap();
    assert!(!stored_doc(server, bid).contains("in bulk"));
}
