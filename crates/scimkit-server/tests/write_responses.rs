//! A PUT or PATCH answers with the resource as written, without reading it back: the body must
//! be exactly what a GET right after returns (groups, `meta.version`, `meta.lastModified`,
//! projection), on every store. And a lookup lists a user as a read by id shows it.

use http::{Method, StatusCode};
use scimkit_server::hooks::AllowAll;
use scimkit_server::store::{memory::MemoryStore, sqlite::SqliteStore, Store};
use scimkit_server::ScimService;
use serde_json::{json, Value};

#[allow(dead_code)]
mod common;
use common::{call, on_postgres};

const BASE: &str = "/scim/v2";

async fn get<S: Store>(svc: &ScimService<S, AllowAll>, path: &str) -> Value {
    let (status, body) = call(svc, Method::GET, &format!("{BASE}{path}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn writes_answer_as_reads<S: Store>(store: S) {
    let svc = ScimService::builder(store).build();
    let (status, user) = call(
        &svc,
        Method::POST,
        &format!("{BASE}/Users"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bjensen", "active": true,
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    let (status, group) = call(
        &svc,
        Method::POST,
        &format!("{BASE}/Groups"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Tour Guides", "members": [{"value": id}]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");

    let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let cases = [
        // A change, with the user's groups in the answer.
        (
            Method::PATCH,
            "",
            patch(json!([{"op": "replace", "path": "active", "value": false}])),
        ),
        // No change: the version and lastModified stay.
        (
            Method::PATCH,
            "",
            patch(json!([{"op": "replace", "path": "active", "value": false}])),
        ),
        // Projected.
        (
            Method::PATCH,
            "?attributes=userName,groups",
            patch(json!([{"op": "add", "path": "nickName", "value": "Babs"}])),
        ),
        (
            Method::PATCH,
            "?excludedAttributes=emails",
            patch(json!([{"op": "replace", "value": {"displayName": "Babs Jensen"}}])),
        ),
        (
            Method::PUT,
            "",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen", "active": true, "title": "Tour Guide"
            }),
        ),
        (
            Method::PUT,
            "?attributes=title",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen", "title": "Guide"
            }),
        ),
    ];
    let mut versions = Vec::new();
    for (method, query, body) in cases {
        let path = format!("/Users/{id}{query}");
        let (status, answer) =
            call(&svc, method.clone(), &format!("{BASE}{path}"), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {answer}");
        assert_eq!(answer, get(&svc, &path).await, "{method} {path}");
        versions.push(get(&svc, &format!("/Users/{id}")).await["meta"]["version"].clone());
    }
    // The first PATCH changed the user, the second did not.
    assert_ne!(versions[0], Value::Null);
    assert_eq!(versions[0], versions[1]);
    assert_ne!(versions[1], versions[2]);
    let user = get(&svc, &format!("/Users/{id}")).await;
    assert_eq!(user["groups"][0]["display"], "Tour Guides", "{user}");
    // A lookup lists the user as a read by id shows it, groups in the order they were made.
    let (_, second) = call(
        &svc,
        Method::POST,
        &format!("{BASE}/Groups"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Admins", "members": [{"value": id}]
        })),
    )
    .await;
    let user = get(&svc, &format!("/Users/{id}")).await;
    let found = get(&svc, "/Users?filter=userName%20eq%20%22BJENSEN%22").await;
    assert_eq!(found["Resources"][0], user);
    let displays: Vec<&Value> = user["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| &g["display"])
        .collect();
    assert_eq!(displays, [&json!("Tour Guides"), &json!("Admins")]);
    assert_eq!(user["groups"][1]["value"], second["id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn on_the_memory_store() {
    writes_answer_as_reads(MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_the_sqlite_store() {
    writes_answer_as_reads(SqliteStore::open_temporary().unwrap()).await;
}

/// Against PostgreSQL when `SCIMKIT_POSTGRES_URL` names one (CI starts one with
/// `.ci/postgres.sh`); skipped with the reason printed otherwise.
#[tokio::test(flavor = "multi_thread")]
async fn on_the_postgres_store() {
    on_postgres("write_responses", writes_answer_as_reads).await;
}
