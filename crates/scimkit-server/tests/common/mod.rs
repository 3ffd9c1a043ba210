//! What the service-level tests share: one request in, status and JSON out.

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use scimkit_server::hooks::AllowAll;
use scimkit_server::store::Store;
use scimkit_server::ScimService;
use serde_json::Value;

/// Sends one request with an optional JSON body; returns the status and the body as JSON
/// (`null` when empty).
pub async fn call<S: Store>(
    svc: &ScimService<S, AllowAll>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/scim+json")
        .body(body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())))
        .unwrap();
    let response = svc.handle(request).await;
    let status = response.status();
    let body = response.into_body();
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap()
    };
    (status, json)
}

/// The ids of a list response, in order.
pub fn ids(list: &Value) -> Vec<&str> {
    list["Resources"]
        .as_array()
        .map(|r| r.iter().map(|r| r["id"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

/// A query parameter value, percent-encoded.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Runs `test` on a `PostgresStore` in a schema of its own (named after `label`), dropped
/// afterwards, when `SCIMKIT_POSTGRES_URL` names a server (CI starts one with
/// `.ci/postgres.sh`); skipped with the reason printed otherwise.
pub async fn on_postgres<F, Fut>(label: &str, test: F)
where
    F: FnOnce(scimkit_server::store::postgres::PostgresStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use scimkit_server::store::postgres::PostgresStore;
    let Some(url) = scimkit_server::testing::postgres_url() else {
        return;
    };
    let schema = format!("scimkit_{label}_{}", std::process::id());
    let store = PostgresStore::builder(&url)
        .schema(schema.clone())
        .connect()
        .await
        .unwrap();
    test(store.clone()).await;
    let client = store.pool().get().await.unwrap();
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}
