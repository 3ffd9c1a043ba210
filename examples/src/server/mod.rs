//! The example SCIM service provider: axum in front, scimkit in the middle, SQLite behind.
//!
//! Every tenant has its own base path, `/t/{tenant}/scim/v2`, and bearer token. Tokens are stored
//! only as hashes and compared in constant time.

mod api;
mod auth;
mod resources;
mod sql;
pub mod store;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::Router;

pub use store::{Store, StoreError};

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest page a list returns; `count` is clamped to it (RFC 7644 §3.4.2.4).
    pub max_page_size: usize,
    /// Page size when the client sends no `count`.
    pub default_page_size: usize,
    /// Largest request body, in bytes; larger ones get 413.
    pub max_body: usize,
    /// Largest number of candidates a filter that SQL cannot fully express may scan in memory.
    pub max_scan: usize,
    /// Bulk limits advertised in /ServiceProviderConfig and enforced on /Bulk.
    pub bulk_max_operations: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_page_size: 500,
            default_page_size: 100,
            max_body: 1 << 20,
            max_scan: 10_000,
            bulk_max_operations: 1000,
        }
    }
}

/// A running service provider's state.
#[derive(Debug, Clone)]
pub struct Server {
    inner: Arc<api::Api>,
}

impl Server {
    /// Opens the database and prepares the SCIM engine.
    pub fn open(db: &Path, config: Config) -> Result<Server, StoreError> {
        let store = Store::open(db)?;
        Ok(Server {
            inner: Arc::new(api::Api::new(store, config)),
        })
    }

    /// Creates (or re-keys) a tenant and returns its new bearer token. The token is not stored,
    /// only its hash, so this is the one time it can be shown.
    pub fn create_tenant(&self, name: &str) -> Result<String, StoreError> {
        let token = auth::new_token();
        self.inner
            .store
            .put_tenant(name, &auth::hash_token(&token))?;
        Ok(token)
    }

    /// The database, for tools that seed or inspect it (`scim-seed`, tests).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The axum router: every request goes to the SCIM dispatcher.
    pub fn router(&self) -> Router {
        Router::new()
            .fallback(dispatch)
            .with_state(self.inner.clone())
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

async fn dispatch(
    State(api): State<Arc<api::Api>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    // Read at most max_body + 1 bytes: one more than allowed is enough to answer 413.
    let limit = api.config.max_body;
    let bytes = match axum::body::to_bytes(body, limit.saturating_add(1)).await {
        Ok(b) if b.len() <= limit => b,
        _ => return into_axum(api::too_large(limit)),
    };
    let request = http::Request::from_parts(parts, bytes.to_vec());
    // SQLite answers an indexed request in tens of microseconds, less than a hand-off to the
    // blocking pool costs, so requests run on the worker; writes wait on one short-held mutex.
    into_axum(api.handle(request))
}

fn into_axum(response: http::Response<Vec<u8>>) -> axum::response::Response {
    response.map(Body::from)
}
