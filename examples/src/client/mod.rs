//! A blocking SCIM 2.0 client for `scimctl` and `scim-mcp`: scimkit-protocol's [`Client`] builds
//! the requests and parses the responses, [`Transport`] (ureq) carries them, and [`Scim`] drives
//! the library's state machines with it: [`RetryPolicy`] (429/503 with `Retry-After`, dropped
//! connections), [`Pager`] (every page, by `startIndex` or RFC 9865 cursor) and [`BulkPlan`]
//! (bulk jobs within the server's limits). It adds membership changes in chunks of at most 100
//! (AWS IAM Identity Center's limit) and the discovery documents.

pub mod sync;
pub mod transport;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use http::StatusCode;
use scimkit::filter::{AttrPath, Filter};
use scimkit::patch::{PatchOperation, PatchRequest};
use scimkit::protocol::{
    BulkPlan, BulkRequest, BulkResponse, Client, ETag, ListResponse, Pager, Query, RetryDecision,
    RetryPolicy, ScimError,
};
use scimkit::schema::BulkConfig;
use serde_json::{json, Value};

pub use transport::{SendError, Transport};

/// The core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension URN.
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Most membership changes sent in one PATCH (AWS IAM Identity Center's limit, docs/idp-compatibility.md).
pub const MAX_MEMBER_CHANGES: usize = 100;

/// A connection to one service provider.
#[derive(Clone)]
pub struct Scim {
    client: Client,
    transport: Transport,
    retry: RetryPolicy,
    token: Option<String>,
}

impl std::fmt::Debug for Scim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `Client`'s Debug redacts the token; the copy kept for redaction is never printed.
        f.debug_struct("Scim")
            .field("client", &self.client)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// A different jitter seed for every request of the process.
fn seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ COUNTER.fetch_add(0x9E37_79B9, Ordering::Relaxed)
}

/// A resource with the version its response carried (`ETag`, or `meta.version`).
#[derive(Debug, Clone)]
pub struct Versioned {
    /// The resource.
    pub resource: Value,
    /// Its version, when the server sent one.
    pub etag: Option<ETag>,
}

impl Scim {
    /// A connection to `base_url`, authenticating with `token` when given.
    pub fn new(base_url: &str, token: Option<&str>) -> Result<Scim, ScimError> {
        let mut client = Client::new(base_url)?;
        if let Some(t) = token {
            client = client.bearer_token(t);
        }
        Ok(Scim {
            client,
            transport: Transport::default(),
            retry: RetryPolicy::default(),
            token: token.map(str::to_owned),
        })
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Scim {
        self.retry = retry;
        self
    }

    /// Sets the transport (e.g. with another timeout).
    #[must_use]
    pub fn transport(mut self, transport: Transport) -> Scim {
        self.transport = transport;
        self
    }

    /// The request builder.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `text` with every occurrence of the token replaced by `<redacted>`: for anything shown
    /// to a person or an agent that might, through a misbehaving peer, echo it.
    pub fn redact(&self, text: &str) -> String {
        match &self.token {
            Some(t) if t.len() >= 4 && text.contains(t.as_str()) => text.replace(t, "<redacted>"),
            _ => text.to_owned(),
        }
    }

    /// Sends `req`, and sends it again while the [`RetryPolicy`] says so: after a 429 or 503
    /// (waiting for its `Retry-After`, or backing off), or after a dropped connection when the
    /// request is idempotent. The last response (or failure) is the result.
    pub fn execute(
        &self,
        req: &http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        let mut retry = self.retry.for_request(req, seed());
        loop {
            let sent = self.transport.send(req);
            let decision = match &sent {
                Ok(resp) => retry.on_response(resp, SystemTime::now()),
                Err(SendError {
                    failure: Some(f), ..
                }) => retry.on_transport_failure(*f, SystemTime::now()),
                Err(_) => RetryDecision::Done,
            };
            let RetryDecision::Retry(wait) = decision else {
                return sent.map_err(|e| e.error);
            };
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                let why = match &sent {
                    Ok(resp) => resp.status().as_u16().to_string(),
                    Err(_) => "no response".to_owned(),
                };
                eprintln!(
                    "{why}: retrying in {:.1}s ({}/{})",
                    wait.as_secs_f32(),
                    retry.attempts() - 1,
                    self.retry.attempts() - 1
                );
            }
            std::thread::sleep(wait);
        }
    }

    // --- resources ------------------------------------------------------------------------

    /// `POST /{endpoint}`: the created resource.
    pub fn create(&self, endpoint: &str, resource: &Value) -> Result<Value, ScimError> {
        let resp = self.execute(&self.client.create(endpoint, resource)?)?;
        Client::parse_resource(&resp)
    }

    /// `GET /{endpoint}/{id}`.
    pub fn get(&self, endpoint: &str, id: &str, query: &Query) -> Result<Versioned, ScimError> {
        let resp = self.execute(&self.client.get(endpoint, id, Some(query))?)?;
        let resource: Value = Client::parse_resource(&resp)?;
        let etag = Client::parse_etag(&resp).or_else(|| meta_version(&resource));
        Ok(Versioned { resource, etag })
    }

    /// `PUT /{endpoint}/{id}`.
    pub fn replace(
        &self,
        endpoint: &str,
        id: &str,
        resource: &Value,
        if_match: Option<&ETag>,
    ) -> Result<Value, ScimError> {
        let resp = self.execute(&self.client.replace(endpoint, id, resource, if_match)?)?;
        Client::parse_resource(&resp)
    }

    /// `PATCH /{endpoint}/{id}`: the resource when the server returned it (200), `None` for
    /// 204 (Entra, Okta).
    pub fn patch(
        &self,
        endpoint: &str,
        id: &str,
        patch: &PatchRequest,
        if_match: Option<&ETag>,
    ) -> Result<Option<Value>, ScimError> {
        let resp = self.execute(&self.client.patch(endpoint, id, patch, if_match)?)?;
        Client::parse_patch(&resp)
    }

    /// `PATCH`, then the resource: the response's, or a `GET` when the server answered 204.
    pub fn patch_and_get(
        &self,
        endpoint: &str,
        id: &str,
        patch: &PatchRequest,
        if_match: Option<&ETag>,
    ) -> Result<Value, ScimError> {
        match self.patch(endpoint, id, patch, if_match)? {
            Some(v) => Ok(v),
            None => Ok(self.get(endpoint, id, &Query::default())?.resource),
        }
    }

    /// `DELETE /{endpoint}/{id}`.
    pub fn delete(
        &self,
        endpoint: &str,
        id: &str,
        if_match: Option<&ETag>,
    ) -> Result<(), ScimError> {
        let resp = self.execute(&self.client.delete(endpoint, id, if_match)?)?;
        Client::parse_empty(&resp)
    }

    /// One page of `GET /{endpoint}?...`.
    pub fn list(&self, endpoint: &str, query: &Query) -> Result<ListResponse<Value>, ScimError> {
        let resp = self.execute(&self.client.list(endpoint, query)?)?;
        Client::parse_list(&resp)
    }

    /// One page of `POST /{endpoint}/.search`.
    pub fn search(&self, endpoint: &str, query: &Query) -> Result<ListResponse<Value>, ScimError> {
        let resp = self.execute(&self.client.search(endpoint, query)?)?;
        Client::parse_list(&resp)
    }

    /// Every page of a query, from `query`'s page on, with the library's [`Pager`]: by RFC 9865
    /// cursor when the query has a `cursor` (`""` for the first page), by `startIndex`
    /// otherwise. `progress` hears (resources so far, `totalResults`) after each page. The
    /// result is one ListResponse holding every resource.
    pub fn list_all(
        &self,
        endpoint: &str,
        query: &Query,
        search: bool,
        progress: &mut dyn FnMut(usize, Option<u64>),
    ) -> Result<ListResponse<Value>, ScimError> {
        self.list_upto(endpoint, query, search, u64::MAX, progress)
    }

    /// [`list_all`](Scim::list_all), stopping after `max` resources.
    pub fn list_upto(
        &self,
        endpoint: &str,
        query: &Query,
        search: bool,
        max: u64,
        progress: &mut dyn FnMut(usize, Option<u64>),
    ) -> Result<ListResponse<Value>, ScimError> {
        let mut pager = Pager::new(endpoint, query.clone())
            .use_search(search)
            .max_resources(max);
        let mut all: Vec<Value> = Vec::new();
        while let Some(req) = pager.next_request(&self.client) {
            let resp = self.execute(&req?)?;
            all.extend(pager.handle_response::<Value>(&resp)?.resources);
            progress(all.len(), pager.total_results());
        }
        let n = all.len() as u64;
        Ok(ListResponse {
            total_results: Some(pager.total_results().unwrap_or(n).max(n)),
            start_index: Some(query.start_index_or_default()),
            items_per_page: Some(n),
            next_cursor: None,
            previous_cursor: None,
            resources: all,
        })
    }

    /// Runs a chunked bulk job to its end: each request of `plan` sent (with retries) and its
    /// response handed back. `progress` hears (operations answered, operations in all). A
    /// request the server refuses as a whole (e.g. 404 or 501: no `/Bulk`) ends the job with
    /// that error; the operations answered so far keep their results in `plan`.
    pub fn run_bulk(
        &self,
        plan: &mut BulkPlan,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), ScimError> {
        let total = plan.results().len();
        while let Some(req) = plan.next_request() {
            let resp = self.execute(&self.client.bulk(&req)?)?;
            plan.handle_http_response(&resp)?;
            let answered = plan.results().iter().filter(|r| r.is_some()).count();
            progress(answered, total);
        }
        Ok(())
    }

    /// `POST /Bulk`.
    pub fn bulk(&self, req: &BulkRequest) -> Result<BulkResponse, ScimError> {
        let resp = self.execute(&self.client.bulk(req)?)?;
        Client::parse_bulk(&resp)
    }

    // --- users and groups -----------------------------------------------------------------

    /// The user whose `userName` is `user_name` (matched as the server matches it), if any.
    pub fn find_user(&self, user_name: &str) -> Result<Option<Value>, ScimError> {
        let q = Query::filter(Filter::eq("userName", user_name));
        match self.list("Users", &q) {
            Ok(l) => Ok(l.resources.into_iter().next()),
            // Okta: some servers answer 404 for "no match".
            Err(e) if e.status() == StatusCode::NOT_FOUND => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sets `active` with a no-path `replace` (the shape Okta sends and GitHub documents; a
    /// single attribute, as AWS requires).
    pub fn set_active(&self, endpoint: &str, id: &str, active: bool) -> Result<Value, ScimError> {
        let op =
            PatchOperation::replace(None, json!({ "active": active })).map_err(ScimError::from)?;
        self.patch_and_get(endpoint, id, &PatchRequest::new(vec![op]), None)
    }

    /// Adds members to a group, at most [`MAX_MEMBER_CHANGES`] per PATCH.
    pub fn add_members(&self, group_id: &str, members: &[String]) -> Result<Value, ScimError> {
        for chunk in members.chunks(MAX_MEMBER_CHANGES) {
            let value: Vec<Value> = chunk.iter().map(|m| json!({ "value": m })).collect();
            let op = PatchOperation::add(Some("members"), Value::Array(value))
                .map_err(ScimError::from)?;
            self.patch("Groups", group_id, &PatchRequest::new(vec![op]), None)?;
        }
        self.get_group(group_id)
    }

    /// Removes members from a group with filtered `remove` operations (RFC 7644 §3.5.2.2), at
    /// most [`MAX_MEMBER_CHANGES`] per PATCH.
    pub fn remove_members(&self, group_id: &str, members: &[String]) -> Result<Value, ScimError> {
        for chunk in members.chunks(MAX_MEMBER_CHANGES) {
            let ops = chunk
                .iter()
                .map(|m| {
                    let path = format!("members[value eq {}]", json_string(m));
                    PatchOperation::remove(&path).map_err(ScimError::from)
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.patch("Groups", group_id, &PatchRequest::new(ops), None)?;
        }
        self.get_group(group_id)
    }

    /// Makes a group's members exactly `members`, by adding the missing and removing the extra
    /// ones (never a `replace members`, which AWS rejects, and which partial lists turn into a
    /// wipe on some servers).
    pub fn set_members(&self, group_id: &str, members: &[String]) -> Result<Value, ScimError> {
        let current = self.get_group(group_id)?;
        let have: Vec<String> = member_ids(&current);
        let add: Vec<String> = dedup(members.iter().filter(|m| !have.contains(m)).cloned());
        let remove: Vec<String> = have
            .iter()
            .filter(|m| !members.contains(m))
            .cloned()
            .collect();
        if !remove.is_empty() {
            self.remove_members(group_id, &remove)?;
        }
        if !add.is_empty() {
            self.add_members(group_id, &add)?;
        }
        if add.is_empty() && remove.is_empty() {
            return Ok(current);
        }
        self.get_group(group_id)
    }

    fn get_group(&self, id: &str) -> Result<Value, ScimError> {
        Ok(self.get("Groups", id, &Query::default())?.resource)
    }

    // --- discovery ------------------------------------------------------------------------

    /// `GET /ServiceProviderConfig`.
    pub fn service_provider_config(&self) -> Result<Value, ScimError> {
        let resp = self.execute(&self.client.service_provider_config()?)?;
        Client::parse_resource(&resp)
    }

    /// `GET /ResourceTypes`: the resource types.
    pub fn resource_types(&self) -> Result<Vec<Value>, ScimError> {
        let resp = self.execute(&self.client.resource_types(None)?)?;
        Ok(Client::parse_list::<Value>(&resp)?.resources)
    }

    /// `GET /Schemas`: the schemas.
    pub fn schemas(&self) -> Result<Vec<Value>, ScimError> {
        let resp = self.execute(&self.client.schemas(None)?)?;
        Ok(Client::parse_list::<Value>(&resp)?.resources)
    }

    /// The three discovery documents in one object, with a short summary of what the server
    /// supports first.
    pub fn discover(&self, with_schemas: bool) -> Result<Value, ScimError> {
        let spc = self.service_provider_config()?;
        let types = self.resource_types()?;
        let mut out = serde_json::Map::new();
        out.insert("summary".into(), Capabilities::from_config(&spc).to_json());
        out.insert("ServiceProviderConfig".into(), spc);
        out.insert("ResourceTypes".into(), Value::Array(types));
        if with_schemas {
            out.insert("Schemas".into(), Value::Array(self.schemas()?));
        }
        Ok(Value::Object(out))
    }
}

/// What a ServiceProviderConfig says, read tolerantly (missing means unsupported).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `patch.supported`.
    pub patch: bool,
    /// `bulk.supported`.
    pub bulk: bool,
    /// `bulk.maxOperations`.
    pub bulk_max_operations: Option<u64>,
    /// `bulk.maxPayloadSize`, bytes.
    pub bulk_max_payload: Option<u64>,
    /// `filter.supported`.
    pub filter: bool,
    /// `filter.maxResults`.
    pub filter_max_results: Option<u64>,
    /// `sort.supported`.
    pub sort: bool,
    /// `etag.supported`.
    pub etag: bool,
    /// `changePassword.supported`.
    pub change_password: bool,
    /// RFC 9865 `pagination.cursor`.
    pub cursor: bool,
    /// RFC 9865 `pagination.maxPageSize`.
    pub max_page_size: Option<u64>,
}

impl Capabilities {
    /// Reads a ServiceProviderConfig.
    pub fn from_config(spc: &Value) -> Capabilities {
        let section = |name: &str| {
            spc.as_object()
                .and_then(|o| scimkit::schema::name::value(o, name))
                .and_then(Value::as_object)
        };
        let flag = |name: &str, key: &str| {
            section(name)
                .and_then(|s| scimkit::schema::name::value(s, key))
                .and_then(|v| {
                    v.as_bool()
                        .or_else(|| v.as_str().map(|s| s.eq_ignore_ascii_case("true")))
                })
                .unwrap_or(false)
        };
        let num = |name: &str, key: &str| {
            section(name)
                .and_then(|s| scimkit::schema::name::value(s, key))
                .and_then(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
        };
        Capabilities {
            patch: flag("patch", "supported"),
            bulk: flag("bulk", "supported"),
            bulk_max_operations: num("bulk", "maxOperations"),
            bulk_max_payload: num("bulk", "maxPayloadSize"),
            filter: flag("filter", "supported"),
            filter_max_results: num("filter", "maxResults"),
            sort: flag("sort", "supported"),
            etag: flag("etag", "supported"),
            change_password: flag("changePassword", "supported"),
            cursor: flag("pagination", "cursor"),
            max_page_size: num("pagination", "maxPageSize"),
        }
    }

    /// A compact JSON summary.
    pub fn to_json(&self) -> Value {
        json!({
            "patch": self.patch,
            "bulk": {"supported": self.bulk, "maxOperations": self.bulk_max_operations,
                     "maxPayloadSize": self.bulk_max_payload},
            "filter": {"supported": self.filter, "maxResults": self.filter_max_results},
            "sort": self.sort,
            "etag": self.etag,
            "changePassword": self.change_password,
            "pagination": {"cursor": self.cursor, "maxPageSize": self.max_page_size},
        })
    }

    /// The `bulk` section, as [`scimkit::protocol::BulkChunker::from_config`] reads it.
    pub fn bulk_config(&self) -> BulkConfig {
        BulkConfig {
            supported: self.bulk,
            max_operations: self.bulk_max_operations.unwrap_or(0),
            max_payload_size: self.bulk_max_payload.unwrap_or(0),
        }
    }

    /// A page size to ask for when reading everything.
    pub fn page_size(&self) -> u64 {
        self.max_page_size
            .or(self.filter_max_results)
            .unwrap_or(100)
            .clamp(1, 1000)
    }
}

/// The ids in a group's `members`.
pub fn member_ids(group: &Value) -> Vec<String> {
    group
        .as_object()
        .and_then(|o| scimkit::schema::name::value(o, "members"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| {
                    m.as_object()
                        .and_then(|o| scimkit::schema::name::value(o, "value"))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// `meta.version` as an entity tag.
pub fn meta_version(resource: &Value) -> Option<ETag> {
    resource.get("meta")?.get("version")?.as_str()?.parse().ok()
}

/// A string as a SCIM filter literal (JSON string syntax, RFC 7644 §3.4.2.2).
pub fn json_string(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// Builds a [`Query`] from the text forms a person or an agent types.
#[derive(Debug, Clone, Default)]
pub struct QueryArgs {
    /// `filter`.
    pub filter: Option<String>,
    /// `attributes`, comma-separated entries allowed.
    pub attributes: Vec<String>,
    /// `excludedAttributes`, comma-separated entries allowed.
    pub excluded_attributes: Vec<String>,
    /// `sortBy`.
    pub sort_by: Option<String>,
    /// `sortOrder`: `ascending` or `descending`.
    pub sort_order: Option<String>,
    /// `startIndex`.
    pub start_index: Option<u64>,
    /// `count`.
    pub count: Option<u64>,
    /// `cursor` (RFC 9865); `""` for the first page.
    pub cursor: Option<String>,
}

impl QueryArgs {
    /// The query, with every part checked locally (a bad filter is a 400 `invalidFilter`
    /// before anything is sent).
    pub fn to_query(&self) -> Result<Query, ScimError> {
        let mut q = Query::default();
        if let Some(f) = self.filter.as_deref().filter(|f| !f.trim().is_empty()) {
            q.filter = Some(Filter::parse(f).map_err(ScimError::from)?);
        }
        q.attributes = attr_paths(&self.attributes)?;
        q.excluded_attributes = attr_paths(&self.excluded_attributes)?;
        if let Some(s) = self.sort_by.as_deref().filter(|s| !s.trim().is_empty()) {
            q.sort_by = Some(AttrPath::parse(s.trim()).map_err(ScimError::from)?);
        }
        if let Some(o) = &self.sort_order {
            q.sort_order = Some(o.parse().map_err(|_| {
                ScimError::invalid_value(format!(
                    "sortOrder must be `ascending` or `descending`, not `{o}`"
                ))
            })?);
        }
        q.start_index = self.start_index;
        q.count = self.count;
        q.cursor.clone_from(&self.cursor);
        Ok(q)
    }
}

fn attr_paths(items: &[String]) -> Result<Vec<AttrPath>, ScimError> {
    let mut out = Vec::new();
    for item in items {
        if item.trim().is_empty() {
            continue;
        }
        out.extend(AttrPath::parse_list(item).map_err(ScimError::from)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::time::Duration;

    /// A peer that answers each connection with the next canned response.
    fn canned(responses: Vec<&'static str>) -> (String, std::thread::JoinHandle<usize>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/scim/v2", listener.local_addr().unwrap());
        let t = std::thread::spawn(move || {
            let mut served = 0;
            for r in responses {
                let (mut s, _) = listener.accept().unwrap();
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                s.write_all(r.as_bytes()).unwrap();
                served += 1;
            }
            served
        });
        (base, t)
    }

    const THROTTLED: &str = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn retries_429_after_retry_after_then_gives_up() {
        let ok = "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}";
        let (base, t) = canned(vec![THROTTLED, THROTTLED, ok]);
        let scim = Scim::new(&base, Some("secret-token")).unwrap();
        assert_eq!(scim.service_provider_config().unwrap(), json!({}));
        assert_eq!(t.join().unwrap(), 3);

        let (base, t) = canned(vec![THROTTLED, THROTTLED]);
        let scim = Scim::new(&base, None)
            .unwrap()
            .retry_policy(RetryPolicy::new().max_attempts(2));
        let err = scim.service_provider_config().unwrap_err();
        assert_eq!(err.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(err.retry_after(), Some(Duration::ZERO));
        assert_eq!(t.join().unwrap(), 2);
    }

    #[test]
    fn redacts_the_token() {
        let scim = Scim::new("http://127.0.0.1:1/scim", Some("s3cr3t-t0k3n"))
            .unwrap()
            .retry_policy(RetryPolicy::never());
        assert_eq!(scim.redact("a s3cr3t-t0k3n b"), "a <redacted> b");
        let err = scim.service_provider_config().unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
        assert!(!err.to_string().contains("s3cr3t"));
        assert!(!format!("{scim:?}").contains("s3cr3t"));
    }
}
