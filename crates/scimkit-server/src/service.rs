//! [`ScimService`]: one `http::Request` in, one `http::Response` out.
//!
//! The request goes through the [`Tenancy`] (whose tenant), the [`Authenticator`] (may it),
//! `scimkit-protocol`'s [`Router`] (which endpoint, method, query and body), then the endpoint's
//! SCIM semantics over the [`Store`]. Every failure becomes an RFC 7644 §3.12 error message.

mod bulk;
mod list;
mod members;
mod render;
mod resources;
mod root;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use scimkit_protocol::{
    response, Body, BulkProcessor, CursorCodec, Discovery, Endpoint, QueryOptions, Router,
    ScimError, ScimRequest,
};
use scimkit_schema::{Interop, PaginationConfig, SchemaRegistry, ServiceProviderConfig};

use crate::hooks::{
    AllowAll, Authenticator, Change, Event, Events, NoEvents, Principal, SingleTenant, Tenancy,
};
use crate::passwords::{Argon2id, Passwords, Sealer};
use crate::store::Store;

/// What a successful group PATCH answers when the client did not ask for attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PatchResponse {
    /// 204 No Content. The default for groups: RFC 7644 §3.5.2 allows it, and a 100,000-member
    /// group's representation is megabytes nobody reads (Entra and Okta ignore the body).
    #[default]
    NoContent,
    /// 200 with the resource.
    Representation,
}

/// Service settings. Every field has a default that suits a production service provider.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Scheme and authority of the service (`https://scim.example.com`), prefixed to each tenant's
    /// base path in `meta.location` and `Location`. Never taken from the request's `Host`, which a
    /// client controls. Default `http://localhost`.
    pub base_url: String,
    /// Largest page a list returns; `count` is clamped to it (RFC 7644 §3.4.2.4). Default 500.
    pub max_page_size: u64,
    /// Page size without `count`. Default 100.
    pub default_page_size: u64,
    /// Largest request body in bytes (413 beyond). Default 1 MiB.
    pub max_body: usize,
    /// Longest request target (path and query) in bytes: 414 beyond, with an RFC 7644 §3.12
    /// error body. Default 16 KiB, room for long `or`-chained filters.
    pub max_uri_length: usize,
    /// Largest total size of the request's header fields in bytes (names, values and their
    /// separators): 431 beyond, with an error body. Default 32 KiB.
    pub max_header_bytes: usize,
    /// Largest number of operations in one bulk request. Default 1000.
    pub bulk_max_operations: usize,
    /// How client input is read: the one interop profile that configures filter parsing, PATCH,
    /// validation and this service's own tolerances (unknown attributes dropped, unknown group
    /// members skipped, both reported as [`Change::Skipped`] events). Default
    /// [`Interop::idp_compatible`]: what Okta, Entra ID and other identity providers send is
    /// accepted where it is unambiguous (`docs/idp-compatibility.md`), so one bad mapping does
    /// not stop provisioning for everyone. [`Interop::strict`] reads RFC 7643/7644 as written.
    pub interop: Interop,
    /// What a group PATCH answers. Default [`PatchResponse::NoContent`]; a client that sends
    /// `attributes` or `excludedAttributes` always gets 200 with the representation.
    pub group_patch_response: PatchResponse,
    /// The key cursors are sealed with. Every instance serving the same clients needs the same
    /// key (a cursor from one instance is presented to another); default: random per process.
    pub cursor_key: Vec<u8>,
    /// How long a cursor stays valid. Default one hour.
    pub cursor_ttl: Duration,
    /// How often a write without a client precondition is retried after losing a race. Default 32.
    pub write_retries: u32,
    /// Deepest index page a root search (`GET /`, `POST /.search`) reaches: `startIndex - 1 +
    /// count` is at most this (`tooMany` beyond), since each type's first that many are merged.
    /// Cursor paging at the root (RFC 9865) has no such bound. Default 10,000.
    pub root_scan_limit: u64,
}

impl Default for Config {
    fn default() -> Config {
        let mut key = vec![0u8; 32];
        getrandom::getrandom(&mut key).expect("the operating system's random source works");
        Config {
            base_url: "http://localhost".into(),
            max_page_size: 500,
            default_page_size: 100,
            max_body: 1 << 20,
            max_uri_length: 16 << 10,
            max_header_bytes: 32 << 10,
            bulk_max_operations: 1000,
            interop: Interop::idp_compatible(),
            group_patch_response: PatchResponse::default(),
            cursor_key: key,
            cursor_ttl: Duration::from_secs(3600),
            write_retries: 32,
            root_scan_limit: 10_000,
        }
    }
}

/// A SCIM service provider over a [`Store`]. Cheap to clone (one `Arc`).
///
/// ```
/// use scimkit_server::{ScimService, store::MemoryStore};
/// use scimkit_server::hooks::AllowAll;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let service = ScimService::builder(MemoryStore::new()).auth(AllowAll).build();
/// let create = http::Request::post("/scim/v2/Users")
///     .header("content-type", "application/scim+json")
///     .body(bytes::Bytes::from_static(br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}"#))
///     .unwrap();
/// let response = service.handle(create).await;
/// assert_eq!(response.status(), 201);
/// let location = response.headers()["location"].to_str().unwrap().to_owned();
/// assert!(location.starts_with("http://localhost/scim/v2/Users/"));
///
/// let find = http::Request::get("/scim/v2/Users?filter=userName%20eq%20%22BJENSEN%22")
///     .body(bytes::Bytes::new()).unwrap();
/// let list: serde_json::Value = serde_json::from_slice(service.handle(find).await.body()).unwrap();
/// assert_eq!(list["totalResults"], 1);
/// # });
/// ```
pub struct ScimService<S, A = AllowAll> {
    inner: Arc<Inner<S, A>>,
}

impl<S, A> Clone for ScimService<S, A> {
    fn clone(&self) -> Self {
        ScimService {
            inner: self.inner.clone(),
        }
    }
}

impl<S, A> std::fmt::Debug for ScimService<S, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimService")
            .field("config", &self.inner.config.base_url)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner<S, A> {
    pub(crate) store: S,
    pub(crate) auth: A,
    pub(crate) tenancy: Box<dyn Tenancy>,
    pub(crate) events: Box<dyn Events>,
    pub(crate) sealer: Sealer,
    pub(crate) registry: SchemaRegistry,
    pub(crate) provider: ServiceProviderConfig,
    pub(crate) router: Router,
    pub(crate) cursors: CursorCodec,
    pub(crate) config: Config,
    pub(crate) write_turns: WriteTurns,
}

/// Turns for the writes of one resource: a fixed set of async locks, one picked by a hash of
/// the tenant and the resource id. Two writes of one resource wait for each other; writes of
/// different resources rarely share a lock (256 of them), and when they do they only queue.
pub(crate) struct WriteTurns {
    locks: Vec<tokio::sync::Mutex<()>>,
}

impl WriteTurns {
    fn new() -> WriteTurns {
        WriteTurns {
            locks: (0..256).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }

    /// Waits for the turn to write resource `id` of `tenant`.
    pub(crate) async fn turn(&self, tenant: &str, id: &str) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (tenant, id).hash(&mut h);
        self.locks[(h.finish() % self.locks.len() as u64) as usize]
            .lock()
            .await
    }
}

/// Builds a [`ScimService`]; see [`ScimService::builder`].
#[must_use]
pub struct Builder<S, A> {
    store: S,
    auth: A,
    tenancy: Box<dyn Tenancy>,
    events: Box<dyn Events>,
    passwords: Arc<dyn Passwords>,
    registry: SchemaRegistry,
    config: Config,
}

impl<S, A> std::fmt::Debug for Builder<S, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder").finish_non_exhaustive()
    }
}

impl<S: Store> ScimService<S, AllowAll> {
    /// A builder over `store`: the RFC's User and Group (with the enterprise extension), one
    /// tenant at `/scim/v2`, no authentication until [`Builder::auth`] sets one.
    pub fn builder(store: S) -> Builder<S, AllowAll> {
        Builder {
            store,
            auth: AllowAll,
            tenancy: Box::new(SingleTenant::new("/scim/v2")),
            events: Box::new(NoEvents),
            passwords: Arc::new(Argon2id::default()),
            registry: SchemaRegistry::rfc(),
            config: Config::default(),
        }
    }
}

impl<S: Store, A: Authenticator> Builder<S, A> {
    /// The resource types served (any registered type gets its endpoint, filter, PATCH and
    /// discovery).
    pub fn registry(mut self, registry: SchemaRegistry) -> Self {
        self.registry = registry;
        self
    }

    /// Who may call the service.
    pub fn auth<B: Authenticator>(self, auth: B) -> Builder<S, B> {
        Builder {
            store: self.store,
            auth,
            tenancy: self.tenancy,
            events: self.events,
            passwords: self.passwords,
            registry: self.registry,
            config: self.config,
        }
    }

    /// How requests map to tenants.
    pub fn tenancy(mut self, tenancy: impl Tenancy) -> Self {
        self.tenancy = Box::new(tenancy);
        self
    }

    /// Where provisioning events go.
    pub fn events(mut self, events: impl Events) -> Self {
        self.events = Box::new(events);
        self
    }

    /// How `password` values are hashed before they are stored; default [`Argon2id`].
    pub fn passwords(mut self, passwords: impl Passwords) -> Self {
        self.passwords = Arc::new(passwords);
        self
    }

    /// The settings.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The service.
    pub fn build(self) -> ScimService<S, A> {
        let c = &self.config;
        let mut provider = ServiceProviderConfig::default()
            .with_patch(true)
            .with_bulk(true, c.bulk_max_operations as u64, c.max_body as u64)
            .with_filter(true, c.max_page_size)
            .with_sort(true)
            .with_etag(true);
        for scheme in self.auth.schemes() {
            provider = provider.with_authentication_scheme(scheme);
        }
        // draft-abbey-scim-agent-extension: a service serving the agent resource types says so.
        if let Some(agents) = scimkit_schema::agents::service_provider_config(&self.registry) {
            provider.extra.insert(
                scimkit_schema::agents::SERVICE_PROVIDER_CONFIG_ATTRIBUTE.into(),
                agents,
            );
        }
        provider.pagination = Some(PaginationConfig {
            cursor: true,
            index: true,
            default_pagination_method: Some("index".into()),
            default_page_size: Some(c.default_page_size),
            max_page_size: Some(c.max_page_size),
            cursor_timeout: Some(c.cursor_ttl.as_secs()),
        });
        let query = QueryOptions::new()
            .max_count(c.max_page_size)
            .filter_options(filter_options(c.interop));
        let router = Router::new("", self.registry.clone())
            .query_options(query)
            .max_body_size(c.max_body)
            .bulk(BulkProcessor::from_config(&provider.bulk));
        let cursors = CursorCodec::new(&c.cursor_key).ttl(c.cursor_ttl);
        ScimService {
            inner: Arc::new(Inner {
                store: self.store,
                auth: self.auth,
                tenancy: self.tenancy,
                events: self.events,
                sealer: Sealer::new(self.passwords),
                registry: self.registry,
                provider,
                router,
                cursors,
                config: self.config,
                write_turns: WriteTurns::new(),
            }),
        }
    }
}

/// How filters are read: a comparison of a dateTime with text that is no date-time is the
/// client's mistake (400 `invalidFilter`) under either profile, not an empty result.
pub(crate) fn filter_options(interop: Interop) -> scimkit_filter::Options {
    scimkit_filter::Options::new()
        .interop(interop)
        .datetime_literals(true)
}

/// One request's context: tenant, caller and the tenant's absolute base URL.
pub(crate) struct Ctx<'a, S, A> {
    pub(crate) svc: &'a Inner<S, A>,
    pub(crate) tenant: String,
    pub(crate) principal: Principal,
    pub(crate) base: String,
}

impl<S: Store, A: Authenticator> ScimService<S, A> {
    /// The store.
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &A {
        &self.inner.auth
    }

    /// How passwords are hashed, for an application that checks a user's password against the
    /// stored hash ([`Passwords::verify`]).
    pub fn passwords(&self) -> &dyn Passwords {
        self.inner.sealer.passwords()
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The largest body [`handle`](Self::handle) accepts; adapters refuse longer bodies with
    /// [`too_large`] before reading them.
    pub fn max_body(&self) -> usize {
        self.inner.config.max_body
    }

    /// The absolute SCIM base URL of a tenant.
    pub fn base_url(&self, tenant: &str) -> String {
        format!(
            "{}{}",
            self.inner.config.base_url.trim_end_matches('/'),
            self.inner.tenancy.base_path(tenant)
        )
    }

    /// Answers one request. Never fails: errors are SCIM error responses.
    pub async fn handle(&self, request: http::Request<Bytes>) -> http::Response<Bytes> {
        let head = request.method() == Method::HEAD;
        let response = match self.check_head(&request) {
            Err(e) => response::error(e),
            Ok(()) => match self.try_handle(request).await {
                Ok(r) => r,
                Err(e) => response::error(e),
            },
        };
        let (parts, body) = response.into_parts();
        // HEAD answers what GET would, without the body (RFC 9110 §9.3.2).
        let body = if head {
            Bytes::new()
        } else {
            Bytes::from(body)
        };
        http::Response::from_parts(parts, body)
    }

    /// 414 for a request target and 431 for header fields over the configured sizes. An HTTP
    /// server in front has limits of its own, usually larger, and answers those without a SCIM
    /// body; these are the ones a client normally meets, and they say what went wrong.
    fn check_head(&self, request: &http::Request<Bytes>) -> Result<(), ScimError> {
        let c = &self.inner.config;
        let over = |what: &str, size: usize, limit: usize, status: StatusCode| {
            (size > limit).then(|| {
                ScimError::new(
                    status,
                    format!("{what} {size} bytes, over the limit of {limit}"),
                )
            })
        };
        let target = request
            .uri()
            .path_and_query()
            .map_or(0, |pq| pq.as_str().len());
        // Header fields as on the wire: `name: value\r\n`.
        let headers: usize = request
            .headers()
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 4)
            .sum();
        let refused = over(
            "the request target is",
            target,
            c.max_uri_length,
            StatusCode::URI_TOO_LONG,
        )
        .or_else(|| {
            over(
                "the header fields are",
                headers,
                c.max_header_bytes,
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            )
        });
        refused.map_or(Ok(()), Err)
    }

    async fn try_handle(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        let svc = &*self.inner;
        let (tenant, rest) = match svc.tenancy.split(request.uri().path()) {
            Some((tenant, rest)) => (tenant, rest.to_owned()),
            None => return Err(ScimError::not_found("no SCIM endpoint at this path")),
        };
        let principal = svc.auth.authenticate(&tenant, request.headers()).await?;
        let (mut parts, body) = request.into_parts();
        let uri = match parts.uri.query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest,
        };
        parts.uri = uri
            .parse()
            .map_err(|_| ScimError::bad_request("malformed request URI"))?;
        if parts.method == Method::HEAD {
            parts.method = Method::GET;
        }
        let request = http::Request::from_parts(parts, body);
        let base = self.base_url(&tenant);
        let ctx = Ctx {
            svc,
            tenant,
            principal,
            base,
        };
        let classified = svc.router.classify(&request);
        let scim = match classified {
            Ok(scim) => scim,
            Err(e) => {
                if request.method() != Method::GET {
                    ctx.refused(request.method(), "", None, &e);
                }
                return Err(e);
            }
        };
        let method = scim.method.clone();
        let (resource_type, id) = match &scim.endpoint {
            Endpoint::Resources { resource_type } => (resource_type.clone(), None),
            Endpoint::Resource { resource_type, id } => (resource_type.clone(), Some(id.clone())),
            _ => (String::new(), None),
        };
        let result = ctx.dispatch(scim, self).await;
        if let Err(e) = &result {
            if method != Method::GET {
                ctx.refused(&method, &resource_type, id, e);
            }
        }
        result
    }
}

impl<S: Store, A: Authenticator> Ctx<'_, S, A> {
    async fn dispatch(
        &self,
        scim: ScimRequest,
        service: &ScimService<S, A>,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        let discovery = Discovery::new(&self.svc.registry, &self.svc.provider, &self.base);
        if let Some(r) = discovery.respond(&scim.endpoint, &scim.query) {
            return Ok(r);
        }
        match (&scim.endpoint, &scim.method) {
            (Endpoint::Resources { resource_type }, &Method::GET)
            | (Endpoint::Search { resource_type }, &Method::POST) => {
                self.list(resource_type, &scim.query).await
            }
            (Endpoint::Resources { resource_type }, &Method::POST) => {
                self.create(resource_type, &scim).await
            }
            (Endpoint::Resource { resource_type, id }, _) => {
                self.resource(resource_type, id, &scim).await
            }
            (Endpoint::Root | Endpoint::RootSearch, _) => self.search_root(&scim.query).await,
            (Endpoint::Bulk, _) => {
                let Body::Bulk(request) = scim.body else {
                    return Err(ScimError::invalid_syntax("a BulkRequest body is required"));
                };
                bulk::run(service, self, request).await
            }
            (Endpoint::Me, _) => Err(ScimError::not_implemented(
                "/Me is not supported: credentials belong to tenants, not users",
            )),
            _ => Err(ScimError::method_not_allowed(
                "method not allowed on this endpoint",
            )),
        }
    }

    /// Publishes the event of one request, when it changed anything.
    pub(crate) fn emit(
        &self,
        method: &Method,
        resource_type: &str,
        id: Option<&str>,
        changes: Vec<Change>,
    ) {
        if changes.is_empty() {
            return;
        }
        self.svc.events.event(&Event {
            tenant: self.tenant.clone(),
            principal: self.principal.clone(),
            method: method.clone(),
            resource_type: resource_type.to_owned(),
            id: id.map(str::to_owned),
            changes,
        });
    }

    fn refused(&self, method: &Method, resource_type: &str, id: Option<String>, e: &ScimError) {
        self.emit(
            method,
            resource_type,
            id.as_deref(),
            vec![Change::Refused {
                status: e.status().as_u16(),
                detail: e.detail().unwrap_or_default().to_owned(),
            }],
        );
    }
}

/// 413 for a body over `limit` bytes, for adapters that stop reading early.
///
/// ```
/// assert_eq!(scimkit_server::too_large(10).status(), 413);
/// ```
pub fn too_large(limit: usize) -> http::Response<Bytes> {
    response::error(ScimError::payload_too_large(format!(
        "the request body exceeds {limit} bytes"
    )))
    .map(Bytes::from)
}

pub(crate) fn status_response(status: StatusCode) -> http::Response<Vec<u8>> {
    let mut r = response::no_content();
    *r.status_mut() = status;
    r
}
