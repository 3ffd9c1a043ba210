//! A SCIM 2.0 service-provider core: an [`http::Request`] in, an [`http::Response`] out, over a
//! storage trait.
//!
//! [`ScimService`] serves every endpoint of RFC 7644 for the resource types of a
//! [`SchemaRegistry`](scimkit_schema::SchemaRegistry) (User, Group, and any custom type with its
//! extensions): create, read, replace, PATCH, delete, filtered and sorted lists with index and
//! RFC 9865 cursor paging, `.search`, `/Bulk`, and the discovery endpoints, with ETags and
//! preconditions, projection, and errors as RFC 7644 §3.12 messages. It owns the SCIM semantics;
//! a [`Store`](store::Store) persists versioned documents and member deltas.
//!
//! # Map of the crate
//! - [`store`]: the [`Store`](store::Store) trait and its types; [`MemoryStore`](store::memory::MemoryStore);
//!   `SqliteStore` (feature `sqlite`); `PostgresStore` (feature `postgres`), for several
//!   instances on one database.
//! - [`hooks`]: tenancy, authentication and provisioning events: the policy a service decides.
//! - [`passwords`]: `password` stored only as a hash ([`Argon2id`](passwords::Argon2id) by
//!   default), whatever the store.
//! - [`ScimService`], [`Config`] (`service.rs`): the request pipeline.
//! - `axum` (feature `axum`): mount a service in an axum router with one call.
//! - `testing` (feature `testing`): the storage contract suite every backend runs.
//!
//! # Example
//! ```
//! use scimkit_server::{ScimService, hooks::BearerTokens, store::MemoryStore};
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let tokens = BearerTokens::new();
//! let token = tokens.issue("default", "token-1");
//! let service = ScimService::builder(MemoryStore::new()).auth(tokens).build();
//!
//! let request = http::Request::get("/scim/v2/ServiceProviderConfig")
//!     .header("authorization", format!("Bearer {token}"))
//!     .body(bytes::Bytes::new())
//!     .unwrap();
//! let response = service.handle(request).await;
//! assert_eq!(response.status(), 200);
//!
//! let anonymous = http::Request::get("/scim/v2/Users").body(bytes::Bytes::new()).unwrap();
//! assert_eq!(service.handle(anonymous).await.status(), 401);
//! # });
//! ```
//!
//! A complete service provider: SQLite, the RFC resource types plus one of your own, bearer
//! tokens, and axum (features `sqlite` and `axum`):
//! ```
//! # #[cfg(all(feature = "sqlite", feature = "axum"))] {
//! use scimkit_schema::SchemaRegistry;
//! use scimkit_server::{hooks::BearerTokens, store::sqlite::SqliteStore, ScimService};
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let store = SqliteStore::open_temporary()?; // SqliteStore::open("scim.db".as_ref()) to keep it
//! let tokens = BearerTokens::new();
//! let token = tokens.issue("default", "okta");
//! let service = ScimService::builder(store)
//!     .registry(SchemaRegistry::rfc().with_agents()) // User, Group, Agent, AgenticApplication
//!     .auth(tokens)
//!     .build();
//! let app: axum::Router = service.router(); // serves /scim/v2/...
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! # let _ = (app, listener, token);
//! // axum::serve(listener, app).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

#[cfg(feature = "axum")]
mod axum;
pub mod hooks;
pub mod passwords;
mod service;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use scimkit_schema::Interop;
pub use service::{too_large, Builder, Config, PatchResponse, ScimService};
