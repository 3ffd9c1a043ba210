//! The example SCIM service provider: scimkit-server over embedded SQLite, served by axum.
//!
//! Everything SCIM lives in `scimkit-server`; this module is what an application adds: where the
//! data lives, which tenants exist and how their tokens are kept.
//!
//! Every tenant has its own base path, `/t/{tenant}/scim/v2`, and bearer token. Tokens are stored
//! only as hashes (`tenants.rs`).

mod audit;
mod tenants;

use std::future::Future;
use std::path::Path;

use scimkit_server::hooks::{BearerTokens, PathTenants};
use scimkit_server::store::sqlite::SqliteStore;
use scimkit_server::ScimService;

pub use scimkit_server::store::StoreError;

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest page a list returns; `count` is clamped to it (RFC 7644 §3.4.2.4).
    pub max_page_size: usize,
    /// Page size when the client sends no `count`.
    pub default_page_size: usize,
    /// Largest request body, in bytes; larger ones get 413.
    pub max_body: usize,
    /// Bulk limits advertised in /ServiceProviderConfig and enforced on /Bulk.
    pub bulk_max_operations: usize,
    /// The scheme and authority clients reach the server at (`https://scim.example.com`), for
    /// `meta.location` and `Location`. Never taken from a request's `Host` header.
    pub base_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_page_size: 500,
            default_page_size: 100,
            max_body: 1 << 20,
            bulk_max_operations: 1000,
            base_url: "http://localhost:8080".into(),
        }
    }
}

/// A running service provider's state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Server {
    service: ScimService<SqliteStore, BearerTokens>,
    tenants: tenants::Tenants,
}

impl Server {
    /// Opens the database and prepares the SCIM service.
    pub fn open(db: &Path, config: Config) -> Result<Server, StoreError> {
        let store = SqliteStore::open(db)?;
        let tenants = tenants::Tenants::open(db)?;
        let mut settings = scimkit_server::Config::default();
        settings.base_url = config.base_url.clone();
        settings.max_page_size = config.max_page_size as u64;
        settings.default_page_size = config.default_page_size as u64;
        settings.max_body = config.max_body;
        settings.bulk_max_operations = config.bulk_max_operations;
        let service = ScimService::builder(store)
            .auth(tenants.tokens().clone())
            .tenancy(PathTenants::new("/t/", "/scim/v2"))
            .events(audit::Audit::open(db)?)
            .config(settings)
            .build();
        Ok(Server { service, tenants })
    }

    /// Creates (or re-keys) a tenant and returns its new bearer token. Only the token's hash is
    /// stored, so this is the one time it can be shown.
    pub fn create_tenant(&self, name: &str) -> Result<String, StoreError> {
        self.tenants.rekey(name)
    }

    /// The SCIM service.
    pub fn service(&self) -> &ScimService<SqliteStore, BearerTokens> {
        &self.service
    }

    /// The database, for tools that seed or inspect it (`scim-seed`, tests).
    pub fn store(&self) -> &SqliteStore {
        self.service.store()
    }

    /// The axum router: every request goes to the SCIM service.
    pub fn router(&self) -> axum::Router {
        self.service.router()
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }
}
