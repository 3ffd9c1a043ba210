//! The SCIM dispatcher: tenant and token, then scimkit-protocol's [`Router`] classifies the
//! request, and each endpoint runs on the store.

use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};
use scimkit::filter::Sorter;
use scimkit::protocol::{
    response, Body, BulkOutcome, BulkProcessor, CursorCodec, Discovery, Endpoint, ListResponse,
    Precondition, Query, QueryOptions, ResolvedOperation, Router, ScimError, ScimRequest,
};
use scimkit::schema::{
    AuthenticationScheme, PaginationConfig, Projection, Projector, ResourceSchema, SchemaRegistry,
    ServiceProviderConfig,
};
use serde_json::Value;

use super::resources::ResourceOps;
use super::store::{self, Kind, Store};
use super::{auth, sql, Config};

/// Everything a request needs, shared by all requests.
#[derive(Debug)]
pub struct Api {
    pub store: Store,
    pub config: Config,
    router: Router,
    registry: SchemaRegistry,
    user: ResourceSchema,
    group: ResourceSchema,
    provider: ServiceProviderConfig,
    cursors: CursorCodec,
}

impl Api {
    pub fn new(store: Store, config: Config) -> Api {
        let registry = SchemaRegistry::rfc();
        let provider = ServiceProviderConfig::default()
            .with_patch(true)
            .with_bulk(
                true,
                config.bulk_max_operations as u64,
                config.max_body as u64,
            )
            .with_filter(true, config.max_page_size as u64)
            .with_sort(true)
            .with_etag(true)
            .with_authentication_scheme(AuthenticationScheme::oauth_bearer_token());
        let provider = ServiceProviderConfig {
            pagination: Some(PaginationConfig {
                cursor: true,
                index: true,
                default_pagination_method: Some("index".into()),
                default_page_size: Some(config.default_page_size as u64),
                max_page_size: Some(config.max_page_size as u64),
                cursor_timeout: Some(3600),
            }),
            ..provider
        };
        let query = QueryOptions::new()
            .max_count(config.max_page_size as u64)
            .filter_options(
                scimkit::filter::Options::new().interop(scimkit::filter::Interop::lenient()),
            );
        let bulk = BulkProcessor::from_config(&provider.bulk);
        let router = Router::new("/scim/v2", registry.clone())
            .query_options(query)
            .max_body_size(config.max_body)
            .bulk(bulk);
        // A fresh key per process: cursors are short-lived and need not survive a restart.
        let cursors = CursorCodec::new(&auth::random_bytes::<32>()).ttl(Duration::from_secs(3600));
        Api {
            store,
            config,
            router,
            user: registry
                .by_name("User")
                .cloned()
                .unwrap_or_else(ResourceSchema::user),
            group: registry
                .by_name("Group")
                .cloned()
                .unwrap_or_else(ResourceSchema::group),
            registry,
            provider,
            cursors,
        }
    }

    /// Answers one HTTP request.
    pub fn handle(&self, req: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        match self.try_handle(req) {
            Ok(r) => r,
            Err(e) => response::error(e),
        }
    }

    fn try_handle(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        // /t/{tenant}/scim/v2/...
        let path = req.uri().path().to_owned();
        let rest = path.strip_prefix("/t/").ok_or_else(|| {
            ScimError::not_found("no such endpoint; SCIM lives under /t/{tenant}/scim/v2")
        })?;
        let (tenant, rest) = rest.split_once('/').unwrap_or((rest, ""));
        let stored = self.store.tenant_token_hash(tenant)?;
        let authorized = match (auth::bearer(req.headers()), &stored) {
            (Some(token), Some(hash)) => auth::verify(token, hash),
            _ => false,
        };
        if !authorized {
            // The same answer for an unknown tenant and a wrong token: no tenant enumeration.
            return Err(ScimError::unauthorized(
                "a valid bearer token for this tenant is required",
            ));
        }
        let host = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let base = format!("http://{host}/t/{tenant}/scim/v2");
        // Hand the router the path below the tenant, so one router serves every tenant.
        let (mut parts, body) = req.into_parts();
        let rewritten = match parts.uri.query() {
            Some(q) => format!("/{rest}?{q}"),
            None => format!("/{rest}"),
        };
        parts.uri = rewritten
            .parse()
            .map_err(|_| ScimError::bad_request("malformed request URI"))?;
        let req = http::Request::from_parts(parts, body);
        let scim = self.router.classify(&req)?;
        let ctx = Ctx {
            api: self,
            tenant,
            base: &base,
        };
        ctx.dispatch(scim)
    }
}

/// 413 for a body over the limit (RFC 7644 §3.7.4 gives the wording for bulk; the same applies).
pub fn too_large(limit: usize) -> http::Response<Vec<u8>> {
    response::error(ScimError::payload_too_large(format!(
        "the request body exceeds {limit} bytes"
    )))
}

/// One request's view: the tenant and its base URL.
struct Ctx<'a> {
    api: &'a Api,
    tenant: &'a str,
    base: &'a str,
}

impl Ctx<'_> {
    fn ops(&self, kind: Kind) -> ResourceOps<'_> {
        let schema = match kind {
            Kind::User => &self.api.user,
            Kind::Group => &self.api.group,
        };
        ResourceOps {
            store: &self.api.store,
            tenant: self.tenant,
            kind,
            schema,
            base: self.base,
        }
    }

    fn kind(resource_type: &str) -> Result<Kind, ScimError> {
        match resource_type {
            "User" => Ok(Kind::User),
            "Group" => Ok(Kind::Group),
            other => Err(ScimError::not_found(format!("no resource type `{other}`"))),
        }
    }

    fn dispatch(&self, scim: ScimRequest) -> Result<http::Response<Vec<u8>>, ScimError> {
        let discovery = Discovery::new(&self.api.registry, &self.api.provider, self.base);
        if let Some(r) = discovery.respond(&scim.endpoint, &scim.query) {
            return Ok(r);
        }
        match (&scim.endpoint, &scim.method) {
            (Endpoint::Resources { resource_type }, &Method::GET)
            | (Endpoint::Search { resource_type }, &Method::POST) => {
                let kind = Self::kind(resource_type)?;
                Ok(response::list(self.list(kind, &scim.query)?))
            }
            (Endpoint::Resources { resource_type }, &Method::POST) => {
                let kind = Self::kind(resource_type)?;
                let Body::Resource(body) = scim.body else {
                    return Err(ScimError::invalid_syntax("a resource body is required"));
                };
                let stored = self.ops(kind).create(body)?;
                Ok(response::created(&self.project(
                    kind,
                    stored.body,
                    &scim.query,
                )?))
            }
            (Endpoint::Resource { resource_type, id }, method) => {
                let kind = Self::kind(resource_type)?;
                self.resource(kind, id, method, &scim)
            }
            (Endpoint::Root | Endpoint::RootSearch, _) => {
                Ok(response::list(self.search_root(&scim.query)?))
            }
            (Endpoint::Bulk, _) => self.bulk(scim),
            (Endpoint::Me, _) => Err(ScimError::not_implemented(
                "/Me is not supported: tokens belong to tenants, not users",
            )),
            _ => Err(ScimError::method_not_allowed(
                "method not allowed on this endpoint",
            )),
        }
    }

    fn resource(
        &self,
        kind: Kind,
        id: &str,
        method: &Method,
        scim: &ScimRequest,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        let ops = self.ops(kind);
        let check = |etag: &scimkit::protocol::ETag| match scim.preconditions(Some(etag))? {
            Precondition::Proceed => Ok(()),
            Precondition::NotModified => Err(ScimError::from_status(StatusCode::NOT_MODIFIED)),
            _ => Err(ScimError::precondition_failed(
                "the resource's version does not match If-Match",
            )),
        };
        match *method {
            Method::GET => {
                let stored = ops.get(id, self.wants_members(kind, &scim.query))?;
                match scim.preconditions(Some(&stored.etag))? {
                    Precondition::NotModified => {
                        let mut r = response::no_content();
                        *r.status_mut() = StatusCode::NOT_MODIFIED;
                        Ok(r)
                    }
                    _ => Ok(response::ok(&self.project(
                        kind,
                        stored.body,
                        &scim.query,
                    )?)),
                }
            }
            Method::PUT => {
                let Body::Resource(body) = &scim.body else {
                    return Err(ScimError::invalid_syntax("a resource body is required"));
                };
                let stored = ops.replace(id, body.clone(), check)?;
                Ok(response::ok(&self.project(
                    kind,
                    stored.body,
                    &scim.query,
                )?))
            }
            Method::PATCH => {
                let Body::Patch(patch) = &scim.body else {
                    return Err(ScimError::invalid_syntax("a PatchOp body is required"));
                };
                // Group PATCH answers 204 unless the client asked for attributes (Entra E13, Okta O11).
                let respond_with_body = kind == Kind::User
                    || !scim.query.attributes.is_empty()
                    || !scim.query.excluded_attributes.is_empty();
                let (stored, _changed) = ops.patch(
                    id,
                    &patch.operations,
                    check,
                    respond_with_body && self.wants_members(kind, &scim.query),
                )?;
                if respond_with_body {
                    Ok(response::ok(&self.project(
                        kind,
                        stored.body,
                        &scim.query,
                    )?))
                } else {
                    Ok(response::no_content())
                }
            }
            Method::DELETE => {
                ops.delete(id, check)?;
                Ok(response::no_content())
            }
            _ => Err(ScimError::method_not_allowed(
                "method not allowed on a resource",
            )),
        }
    }

    /// Whether a group response needs its members (Entra asks `excludedAttributes=members`, E7).
    fn wants_members(&self, kind: Kind, query: &Query) -> bool {
        let names_members = |list: &[scimkit::filter::AttrPath]| {
            list.iter()
                .any(|p| p.name().eq_ignore_ascii_case("members"))
        };
        kind == Kind::User
            || !(names_members(&query.excluded_attributes)
                || (!query.attributes.is_empty() && !names_members(&query.attributes)))
    }

    /// The `attributes` / `excludedAttributes` projection of `query` (RFC 7644 §3.4.2.5), compiled
    /// once per request and applied in place to each resource, which is owned by then: no copy.
    fn projector(&self, kind: Kind, query: &Query) -> Result<Projector<'_>, ScimError> {
        let schema = match kind {
            Kind::User => &self.api.user,
            Kind::Group => &self.api.group,
        };
        let projection = if !query.attributes.is_empty() {
            Projection::attributes(query.attributes.iter().map(ToString::to_string))
        } else {
            Projection::excluded_attributes(
                query.excluded_attributes.iter().map(ToString::to_string),
            )
        };
        // Unknown names are ignored rather than refused: Okta and Entra ask for attributes a
        // given app may not have.
        Ok(projection.ignore_unknown(true).compile(schema)?)
    }

    /// One resource, projected for the response.
    fn project(&self, kind: Kind, mut body: Value, query: &Query) -> Result<Value, ScimError> {
        self.projector(kind, query)?.project_in_place(&mut body);
        Ok(body)
    }

    /// GET / and POST /.search (RFC 7644 §3.4.2.1, §3.4.3): the query over every resource type.
    /// Each type answers what its schema can (a filter naming `userName` matches no group), the
    /// results are merged, sorted schema-less when `sortBy` is given, and paged in memory; each
    /// type's part is bounded like any in-memory search.
    fn search_root(&self, query: &Query) -> Result<ListResponse<Value>, ScimError> {
        let everything = Query {
            start_index: Some(1),
            count: Some(self.api.config.max_scan as u64),
            cursor: None,
            ..query.clone()
        };
        if query.cursor.is_some() {
            return Err(ScimError::invalid_value(
                "cursor paging is not supported at the root; use startIndex",
            ));
        }
        let mut resources = Vec::new();
        let mut understood = false;
        let mut first_error = None;
        for kind in [Kind::User, Kind::Group] {
            let listed = match self.list(kind, &everything) {
                // The filter names an attribute this type does not have (`userName` on a group):
                // evaluate it schema-less, where an absent attribute simply does not match, so
                // `displayName eq "x" or userName eq "y"` still finds groups.
                Err(e) if e.scim_type() == Some(scimkit::schema::ScimType::InvalidFilter) => {
                    self.search_schemaless(kind, &everything).map_err(|_| e)
                }
                other => other,
            };
            match listed {
                Ok(list) => {
                    understood = true;
                    if list.total_results.unwrap_or(0) > list.resources.len() as u64 {
                        return Err(ScimError::too_many(format!(
                            "a search at the root is answered in memory and is limited to {} resources per type; query /Users or /Groups",
                            self.api.config.max_scan
                        )));
                    }
                    resources.extend(list.resources);
                }
                // An attribute this type does not have: nothing of this type can match.
                Err(e) if e.scim_type() == Some(scimkit::schema::ScimType::InvalidFilter) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        if !understood {
            return Err(first_error.unwrap_or_else(|| {
                ScimError::invalid_filter("the filter matches no resource type")
            }));
        }
        if let Some(attr) = &query.sort_by {
            Sorter::new(attr, query.effective_sort_order().unwrap_or_default())
                .sort(&mut resources);
        }
        let total = resources.len() as u64;
        let count = query
            .count
            .unwrap_or(self.api.config.default_page_size as u64)
            .min(self.api.config.max_page_size as u64);
        let offset = query.start_index_or_default().saturating_sub(1).min(total) as usize;
        let page: Vec<Value> = resources
            .into_iter()
            .skip(offset)
            .take(count as usize)
            .collect();
        self.list_response(total, query, page, None)
    }

    /// A bounded scan of one type with the filter evaluated schema-less, then projected.
    fn search_schemaless(
        &self,
        kind: Kind,
        query: &Query,
    ) -> Result<ListResponse<Value>, ScimError> {
        let unfiltered = Query {
            filter: None,
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
            ..query.clone()
        };
        let all = self.list(kind, &unfiltered)?;
        if all.total_results.unwrap_or(0) > all.resources.len() as u64 {
            return Err(ScimError::too_many(
                "too many resources to search at the root",
            ));
        }
        let projector = self.projector(kind, query)?;
        let mut matched = Vec::new();
        for mut r in all.resources {
            if query.filter.as_ref().is_none_or(|f| f.matches(&r)) {
                projector.project_in_place(&mut r);
                matched.push(r);
            }
        }
        if matched.is_empty() {
            // Nothing of this type matches; report the compile error only if no type matches.
            return Err(ScimError::invalid_filter("no match"));
        }
        self.list_response(matched.len() as u64, query, matched, None)
    }

    /// GET /Users, POST /Users/.search (RFC 7644 §3.4.2, §3.4.3): SQL where the filter translates
    /// exactly, else SQL narrowing plus the compiled filter in memory on a bounded candidate set.
    fn list(&self, kind: Kind, query: &Query) -> Result<ListResponse<Value>, ScimError> {
        let schema = match kind {
            Kind::User => &self.api.user,
            Kind::Group => &self.api.group,
        };
        let options = scimkit::filter::Options::new().interop(scimkit::filter::Interop::lenient());
        let compiled = query
            .filter
            .as_ref()
            .map(|f| f.compile_with(schema, &options))
            .transpose()?;
        let clause = query
            .filter
            .as_ref()
            .and_then(|f| sql::translate(f, kind, schema));
        let exact = query.filter.is_none() || clause.as_ref().is_some_and(|c| c.exact);
        let sort_column = match &query.sort_by {
            Some(attr) => sql::sort_column(attr, kind, schema).map(Some),
            None => Some(None),
        };
        let descending = matches!(
            query.effective_sort_order(),
            Some(scimkit::protocol::SortOrder::Descending)
        );
        let count = query
            .count
            .unwrap_or(self.api.config.default_page_size as u64)
            .min(self.api.config.max_page_size as u64);
        let with_members = self.wants_members(kind, query);
        let ops = self.ops(kind);

        let mut where_sql = format!("r.tenant = ? AND r.{}", kind.sql_condition());
        let mut params: Vec<rusqlite::types::Value> = vec![self.tenant.to_owned().into()];
        if let Some(c) = &clause {
            where_sql.push_str(" AND ");
            where_sql.push_str(&c.sql);
            params.extend(c.params.iter().cloned());
        }

        let (total, page, next_cursor) = match (exact, sort_column) {
            (true, Some(column)) => {
                // Everything in SQL: count, order (stable by seq, Okta O10), page.
                let order = match column {
                    Some(c) => format!(
                        "{c} {dir}, r.seq {dir}",
                        dir = if descending { "DESC" } else { "ASC" }
                    ),
                    None => "r.seq ASC".to_owned(),
                };
                // RFC 9865: the cursor is the last seq seen, signed; only in seq order.
                let after: Option<i64> = match &query.cursor {
                    None => None,
                    Some(_) if column.is_some() => {
                        return Err(ScimError::invalid_value(
                            "cursor paging is supported only without sortBy",
                        ))
                    }
                    Some(c) if c.is_empty() => Some(0),
                    Some(c) => {
                        let pos = self
                            .api
                            .cursors
                            .decode(c, SystemTime::now())
                            .map_err(ScimError::from)?;
                        Some(
                            pos.parse()
                                .map_err(|_| ScimError::invalid_cursor("malformed cursor"))?,
                        )
                    }
                };
                let offset = query.start_index_or_default().saturating_sub(1);
                let mut p = params.clone();
                let page_sql = match after {
                    Some(after) => {
                        p.push(after.into());
                        // One row more than the page tells whether there is a next page.
                        p.push(((count + 1) as i64).into());
                        format!("SELECT r.seq, r.id, r.version, r.body FROM resources r WHERE {where_sql} AND r.seq > ? ORDER BY r.seq LIMIT ?")
                    }
                    None => {
                        p.push((count as i64).into());
                        p.push((offset.min(i64::MAX as u64) as i64).into());
                        format!("SELECT r.seq, r.id, r.version, r.body FROM resources r WHERE {where_sql} ORDER BY {order} LIMIT ? OFFSET ?")
                    }
                };
                let (page, total, last_seq) = self.api.store.read_snapshot(|tx| {
                    // One snapshot, so that totalResults, the page and what is derived from
                    // other tables (members, groups) agree.
                    let mut page = {
                        let mut stmt = tx.prepare_cached(&page_sql)?;
                        let rows =
                            stmt.query_map(rusqlite::params_from_iter(&p), store::row_from_sql)?;
                        rows.collect::<Result<Vec<_>, _>>()?
                    };
                    // An IdP lookup (`userName eq`, `externalId eq`) finds zero or one resource:
                    // a page that is not full, reached from the start, is the whole result, and
                    // its length is totalResults without a COUNT.
                    let whole = match after {
                        Some(0) => (page.len() as u64) <= count,
                        Some(_) => false,
                        None => (page.len() as u64) < count && (offset == 0 || !page.is_empty()),
                    };
                    let total = if whole {
                        let before = if after.is_some() { 0 } else { offset };
                        before.saturating_add(page.len() as u64)
                    } else {
                        let mut stmt = tx.prepare_cached(&format!(
                            "SELECT COUNT(*) FROM resources r WHERE {where_sql}"
                        ))?;
                        let n: i64 =
                            stmt.query_row(rusqlite::params_from_iter(&params), |r| r.get(0))?;
                        n as u64
                    };
                    // The cursor query read one row more than the page: there is a next page.
                    let mut last_seq = None;
                    if after.is_some() && page.len() as u64 > count {
                        page.truncate(count as usize);
                        last_seq = page.last().map(|r| r.seq);
                    }
                    let derived_from = with_members.then_some(tx);
                    let page = page
                        .into_iter()
                        .map(|row| ops.finish_on(derived_from, row))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok((page, total, last_seq))
                })?;
                let next_cursor = last_seq
                    .map(|seq| self.api.cursors.encode(&seq.to_string(), SystemTime::now()));
                (total, page, next_cursor)
            }
            _ => {
                if query.cursor.is_some() {
                    return Err(ScimError::invalid_value(
                        "cursor paging is not supported for this filter or sort; use startIndex",
                    ));
                }
                // Bounded candidate set, then the compiled filter and the sorter in memory.
                let limit = self.api.config.max_scan;
                let mut p = params.clone();
                p.push(((limit + 1) as i64).into());
                let candidates = self.api.store.read_snapshot(|tx| {
                    let rows = {
                        let mut stmt = tx.prepare_cached(&format!("SELECT r.seq, r.id, r.version, r.body FROM resources r WHERE {where_sql} ORDER BY r.seq LIMIT ?"))?;
                        let rows = stmt.query_map(rusqlite::params_from_iter(&p), store::row_from_sql)?;
                        rows.collect::<Result<Vec<_>, _>>()?
                    };
                    if rows.len() > limit {
                        return Ok(None);
                    }
                    // Groups are filtered on their members, so those are read for every one.
                    let derived_from = (with_members || kind == Kind::Group).then_some(tx);
                    let full = rows
                        .into_iter()
                        .map(|row| ops.finish_on(derived_from, row))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(Some(full))
                })?;
                let Some(mut full) = candidates else {
                    return Err(ScimError::too_many(format!(
                        "the filter cannot be answered from an index and would scan more than {limit} resources; add a condition on userName, externalId, displayName or emails"
                    )));
                };
                if let Some(f) = &compiled {
                    full.retain(|s| f.matches(&s.body));
                }
                if let Some(attr) = &query.sort_by {
                    let order = query.effective_sort_order().unwrap_or_default();
                    let sorter = Sorter::compile(attr, order, schema)?;
                    full.sort_by(|a, b| sorter.compare(&a.body, &b.body));
                }
                let total = full.len() as u64;
                let offset = query.start_index_or_default().saturating_sub(1).min(total) as usize;
                let page: Vec<Value> = full
                    .into_iter()
                    .skip(offset)
                    .take(count as usize)
                    .map(|s| s.body)
                    .collect();
                let projector = self.projector(kind, query)?;
                let mut resources = page;
                resources
                    .iter_mut()
                    .for_each(|b| projector.project_in_place(b));
                return self.list_response(total, query, resources, None);
            }
        };
        let projector = self.projector(kind, query)?;
        let resources = page
            .into_iter()
            .map(|s| {
                let mut body = s.body;
                projector.project_in_place(&mut body);
                body
            })
            .collect();
        self.list_response(total, query, resources, next_cursor)
    }

    fn list_response(
        &self,
        total: u64,
        query: &Query,
        resources: Vec<Value>,
        next_cursor: Option<String>,
    ) -> Result<ListResponse<Value>, ScimError> {
        let mut b = ListResponse::builder()
            .total_results(total)
            .items_per_page(resources.len() as u64)
            .resources(resources);
        if query.cursor.is_none() {
            b = b.start_index(query.start_index_or_default());
        }
        if let Some(c) = next_cursor {
            b = b.next_cursor(c);
        }
        b.build()
    }

    /// POST /Bulk (RFC 7644 §3.7): scimkit-protocol orders operations and resolves bulkIds; each
    /// operation runs here like its single-request twin.
    fn bulk(&self, scim: ScimRequest) -> Result<http::Response<Vec<u8>>, ScimError> {
        let Body::Bulk(request) = scim.body else {
            return Err(ScimError::invalid_syntax("a BulkRequest body is required"));
        };
        let processor = self.api.router.bulk_processor().clone().base_url(self.base);
        let mut run = |op: &ResolvedOperation| -> Result<BulkOutcome, ScimError> {
            let kind = match op.endpoint() {
                e if e.eq_ignore_ascii_case("Users") => Kind::User,
                e if e.eq_ignore_ascii_case("Groups") => Kind::Group,
                e => return Err(ScimError::not_found(format!("no endpoint `/{e}`"))),
            };
            let ops = self.ops(kind);
            let version_check = |etag: &scimkit::protocol::ETag| match &op.version {
                Some(v)
                    if v.parse::<scimkit::protocol::ETag>()
                        .map(|t| !t.weak_eq(etag))
                        .unwrap_or(true) =>
                {
                    Err(ScimError::precondition_failed(
                        "the resource's version does not match",
                    ))
                }
                _ => Ok(()),
            };
            let location = |id: &str| format!("{}/{}/{id}", self.base, kind.endpoint());
            match (&op.method, op.resource_id()) {
                (&Method::POST, None) => {
                    let data = op.data.clone().ok_or_else(|| {
                        ScimError::invalid_syntax("a POST operation needs `data`")
                    })?;
                    let s = ops.create(data)?;
                    Ok(BulkOutcome::created(s.id.clone(), location(&s.id))
                        .with_version(s.etag.to_string()))
                }
                (&Method::PUT, Some(id)) => {
                    let data = op
                        .data
                        .clone()
                        .ok_or_else(|| ScimError::invalid_syntax("a PUT operation needs `data`"))?;
                    let s = ops.replace(id, data, version_check)?;
                    Ok(BulkOutcome::ok(location(id)).with_version(s.etag.to_string()))
                }
                (&Method::PATCH, Some(id)) => {
                    let patch = op.patch_request()?;
                    let (s, _) = ops.patch(id, &patch.operations, version_check, false)?;
                    Ok(BulkOutcome::ok(location(id)).with_version(s.etag.to_string()))
                }
                (&Method::DELETE, Some(id)) => {
                    ops.delete(id, version_check)?;
                    Ok(BulkOutcome::no_content(location(id)))
                }
                _ => Err(ScimError::method_not_allowed("unsupported bulk operation")),
            }
        };
        Ok(processor.process(request, &mut run).into_response())
    }
}
