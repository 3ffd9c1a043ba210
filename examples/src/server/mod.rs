//! The example SCIM service provider: scimkit-server over embedded SQLite or a PostgreSQL
//! database that several instances share (`backend.rs`), served by axum, and the application
//! that provisioning feeds.
//!
//! Everything SCIM lives in `scimkit-server`; this module is what an application adds: where the
//! data lives, which tenants exist and how their tokens are kept (`tenants.rs`), what the
//! application does with provisioning events (`provisioning.rs`: accounts, teams mapped from IdP
//! groups, the audit trail, over the application's data in `app/`), and an admin API and web
//! page (`admin/`).
//!
//! Every tenant has its own base path, `/t/{tenant}/scim/v2`, and bearer tokens, stored only as
//! hashes. The admin surface is at `/admin` (page) and `/admin/api` (JSON).

pub mod admin;
pub mod app;
mod backend;
mod connections;
pub mod provisioning;
pub mod tenants;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use scimkit::schema::SchemaRegistry;
use scimkit_server::hooks::{BearerTokens, PathTenants};
use scimkit_server::store::postgres::PostgresStore;
use scimkit_server::store::sqlite::SqliteStore;
use scimkit_server::{Interop, PatchResponse, ScimService};

pub use backend::{Backend, Db};
pub use connections::{serve, Connections};
pub use provisioning::DeleteMode;
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
    /// What SCIM DELETE of a User does to the application's account.
    pub delete: DeleteMode,
    /// How long audit entries are kept.
    pub audit_retention: Duration,
    /// How many audit entries are kept per tenant at most (the newest).
    pub audit_max_entries: u64,
    /// How long a rotated-out SCIM token keeps working by default.
    pub token_overlap: Duration,
    /// The admin credential (API bearer token and page login). `None`: a random one, which
    /// [`Server::admin_credential`] returns.
    pub admin_token: Option<String>,
    /// How client input is read: [`Interop::idp_compatible`] skips and reports unknown
    /// attributes and member ids, [`Interop::strict`] refuses them.
    pub interop: Interop,
    /// What a group PATCH answers when the client asks for no attributes.
    pub group_patch_response: PatchResponse,
    /// Header-read and idle timeouts and the connection limit.
    pub connections: Connections,
    /// Also serve AI agent identities: the `Agent` and `AgenticApplication` resource types of
    /// the SCIM agent drafts (`scimkit_schema::agents`), listed in discovery.
    pub agents: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_page_size: 500,
            default_page_size: 100,
            max_body: 1 << 20,
            bulk_max_operations: 1000,
            base_url: "http://localhost:8080".into(),
            delete: DeleteMode::Soft,
            audit_retention: Duration::from_secs(90 * 86_400),
            audit_max_entries: 100_000,
            token_overlap: Duration::from_secs(24 * 3600),
            admin_token: None,
            interop: Interop::idp_compatible(),
            group_patch_response: PatchResponse::default(),
            connections: Connections::default(),
            agents: false,
        }
    }
}

/// The file the application's own data (tenants, tokens, accounts, teams, audit) lives in beside
/// the SCIM database file `db`: `scim.db` → `scim.app.db`.
///
/// A file of its own because SQLite lets one transaction at a time write a file: sharing one,
/// the provisioning worker's account and audit writes would queue with the requests' SCIM writes,
/// and a writer that finds the file locked sleeps in SQLite's busy handler (a millisecond and
/// more) instead of waking when the lock is released.
///
/// ```
/// use std::path::Path;
/// let app = examples::server::app_database(Path::new("/var/lib/scim.db"));
/// assert_eq!(app, Path::new("/var/lib/scim.app.db"));
/// ```
pub fn app_database(db: &Path) -> PathBuf {
    let mut name = db.file_stem().unwrap_or_default().to_os_string();
    name.push(".app");
    if let Some(ext) = db.extension() {
        name.push(".");
        name.push(ext);
    }
    db.with_file_name(name)
}

/// How often an instance on a shared PostgreSQL database reloads the tenants' tokens.
pub const TOKEN_RELOAD: Duration = Duration::from_secs(2);

/// A running service provider's state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Server {
    service: ScimService<Backend, BearerTokens>,
    tenants: tenants::Tenants,
    provisioning: provisioning::Provisioning,
    admin: admin::Admin,
    admin_credential: Arc<str>,
    connections: Connections,
}

impl Server {
    /// Opens the SQLite database file (and the application's file beside it, [`app_database`])
    /// and prepares the SCIM service, the application and the admin surface.
    pub fn open(db: &Path, config: Config) -> Result<Server, StoreError> {
        let store = SqliteStore::open(db)?;
        let app = app::sqlite::SqliteAppData::open_beside(&app_database(db), db)?;
        let app: Arc<dyn app::AppData> = Arc::new(app);
        let provisioning = Backend::Sqlite(store.clone());
        Server::assemble(Backend::Sqlite(store), provisioning, app, None, config)
    }

    /// Opens the database `--db` names: an SQLite file, or a PostgreSQL database shared with
    /// other instances. On PostgreSQL the application's data (tenants, tokens, accounts, audit)
    /// and the key cursors are sealed with live in the database too, and the tokens are reloaded
    /// every [`TOKEN_RELOAD`], so every instance honours what any of them issued or revoked.
    pub async fn connect(db: &Db, config: Config) -> Result<Server, StoreError> {
        let url = match db {
            Db::Sqlite(path) => return Server::open(path, config),
            Db::Postgres(url) => url,
        };
        let store = PostgresStore::connect(url).await?;
        // A pool of its own for the provisioning thread: a connection opened on that thread's
        // runtime is driven only while the thread works, so no request may wait on one.
        let provisioning = PostgresStore::builder(url).pool_size(2).connect().await?;
        let (app, cursor_key) = app::postgres::PostgresAppData::open(url)?;
        let server = Server::assemble(
            Backend::Postgres(store),
            Backend::Postgres(provisioning),
            Arc::new(app),
            Some(cursor_key),
            config,
        )?;
        let tenants = server.tenants.clone();
        std::thread::Builder::new()
            .name("token-reload".into())
            .spawn(move || loop {
                std::thread::sleep(TOKEN_RELOAD);
                // On failure the tokens in force stay until the database answers again.
                if let Err(e) = tenants.reload() {
                    tracing::warn!(error = %e, "reloading the tokens failed");
                }
            })
            .map_err(StoreError::backend)?;
        Ok(server)
    }

    fn assemble(
        store: Backend,
        provisioning_store: Backend,
        app: Arc<dyn app::AppData>,
        cursor_key: Option<Vec<u8>>,
        config: Config,
    ) -> Result<Server, StoreError> {
        let tenants = tenants::Tenants::load(app.clone())?;
        let provisioning = provisioning::Provisioning::start(
            provisioning_store,
            app.clone(),
            provisioning::Settings {
                delete: config.delete,
                audit_retention: config.audit_retention,
                audit_max_entries: config.audit_max_entries,
            },
        )
        .map_err(StoreError::backend)?;
        let mut settings = scimkit_server::Config::default();
        settings.base_url = config.base_url.clone();
        settings.max_page_size = config.max_page_size as u64;
        settings.default_page_size = config.default_page_size as u64;
        settings.max_body = config.max_body;
        settings.bulk_max_operations = config.bulk_max_operations;
        if let Some(key) = cursor_key {
            settings.cursor_key = key;
        }
        settings.interop = config.interop;
        settings.group_patch_response = config.group_patch_response;
        let registry = if config.agents {
            SchemaRegistry::rfc().with_agents()
        } else {
            SchemaRegistry::rfc()
        };
        let service = ScimService::builder(store)
            .registry(registry)
            .auth(tenants.tokens().clone())
            .tenancy(PathTenants::new("/t/", "/scim/v2"))
            .events(provisioning.clone())
            .config(settings)
            .build();
        let admin_credential: Arc<str> = config
            .admin_token
            .clone()
            .unwrap_or_else(scimkit_server::hooks::new_token)
            .into();
        let s = service.clone();
        let admin = admin::Admin::new(
            app,
            tenants.clone(),
            provisioning.clone(),
            &admin_credential,
            move |tenant| s.base_url(tenant),
            config.token_overlap,
        );
        Ok(Server {
            service,
            tenants,
            provisioning,
            admin,
            admin_credential,
            connections: config.connections,
        })
    }

    /// Creates (or re-keys) a tenant and returns its new bearer token; the tenant's other tokens
    /// stop working. Only the token's hash is stored, so this is the one time it can be shown.
    pub fn create_tenant(&self, name: &str) -> Result<String, StoreError> {
        self.tenants.rekey(name)
    }

    /// Creates a tenant if it does not exist, and returns its first token then; `None` for an
    /// existing tenant, whose tokens are left as they are (issue more on the admin page).
    pub fn ensure_tenant(&self, name: &str) -> Result<Option<String>, StoreError> {
        if self.tenants.create(name)? {
            Ok(Some(self.tenants.issue(name, None, None)?.token))
        } else {
            Ok(None)
        }
    }

    /// The admin credential.
    pub fn admin_credential(&self) -> &str {
        &self.admin_credential
    }

    /// Waits until the application has applied every provisioning event so far (at most
    /// `timeout`); whether it has. Provisioning is applied beside the requests.
    pub fn settle(&self, timeout: Duration) -> bool {
        self.provisioning.settle(timeout)
    }

    /// The SCIM service.
    pub fn service(&self) -> &ScimService<Backend, BearerTokens> {
        &self.service
    }

    /// The database, for tools that seed or inspect it (`scim-seed`, tests).
    pub fn store(&self) -> &Backend {
        self.service.store()
    }

    /// The axum router: `/admin` to the admin surface, everything else to the SCIM service.
    pub fn router(&self) -> axum::Router {
        self.admin.router().merge(self.service.router())
    }

    /// Serves on `listener` until `shutdown` completes, under the configured connection limits.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        serve(listener, self.router(), self.connections, shutdown).await
    }
}
