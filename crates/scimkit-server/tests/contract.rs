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
