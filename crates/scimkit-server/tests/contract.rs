//! Every store of this crate passes the storage contract.

use scimkit_server::store::memory::MemoryStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_contract() {
    scimkit_server::testing::contract(|| async { MemoryStore::new() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_store_passes_the_contract() {
    scimkit_server::testing::contract(|| async {
        scimkit_server::store::sqlite::SqliteStore::open_temporary().unwrap()
    })
    .await;
}

/// A schema name no other run uses.
fn fresh_schema() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "scimkit_test_{}_{nanos}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store_passes_the_contract() {
    use scimkit_server::store::postgres::PostgresStore;
    let Some(url) = scimkit_server::testing::postgres_url() else {
        return;
    };
    let schemas = std::sync::Mutex::new(Vec::new());
    scimkit_server::testing::contract(|| async {
        let schema = fresh_schema();
        schemas.lock().unwrap().push(schema.clone());
        PostgresStore::builder(&url)
            .schema(schema)
            .connect()
            .await
            .unwrap()
    })
    .await;
    let store = PostgresStore::connect(&url).await.unwrap();
    let client = store.pool().get().await.unwrap();
    for schema in schemas.into_inner().unwrap() {
        client
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .unwrap();
    }
}

/// Instances that start at once migrate one database without tripping over each other, and a
/// second start changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_migrations_are_safe_when_instances_start_together() {
    use scimkit_server::store::postgres::PostgresStore;
    use scimkit_server::store::{Store, Write};
    let Some(url) = scimkit_server::testing::postgres_url() else {
        return;
    };
    let schema = fresh_schema();
    let starts: Vec<_> = (0..6)
        .map(|_| {
            let (url, schema) = (url.clone(), schema.clone());
            tokio::spawn(async move {
                PostgresStore::builder(&url)
                    .schema(schema)
                    .pool_size(2)
                    .connect()
                    .await
            })
        })
        .collect();
    let mut stores = Vec::new();
    for s in starts {
        stores.push(
            s.await
                .unwrap()
                .expect("a concurrent start migrates or finds it done"),
        );
    }
    let doc = serde_json::json!({"id": "1", "userName": "x"});
    stores[0]
        .create(
            "t",
            "User",
            "1",
            Write::document(doc, vec![], "2026-01-01T00:00:00Z"),
        )
        .await
        .unwrap();
    assert!(
        stores[5]
            .get("t", "User", "1", false)
            .await
            .unwrap()
            .is_some(),
        "every instance sees one set of tables"
    );
    let client = stores[0].pool().get().await.unwrap();
    let layouts: i64 = client
        .query_one(&format!("SELECT count(*) FROM {schema}.scim_layout"), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(layouts, 1, "the layout is recorded once");
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}
