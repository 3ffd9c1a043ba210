//! Bulk operations (RFC 7644 §3.7): the BulkRequest and BulkResponse messages, and the
//! orchestration of a bulk job — limits, bulkId resolution, dependency order, circular
//! references and `failOnErrors` — with the caller's storage behind [`BulkExecutor`].

use std::collections::{BTreeSet, HashMap};

use http::{Method, StatusCode};
use scimkit_schema::{BulkConfig, ScimType};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Map, Value};

use crate::{ScimError, BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA, PATCH_OP_SCHEMA};

/// A BulkRequest message (RFC 7644 §3.7).
///
/// # Examples
/// ```
/// use scimkit_protocol::BulkRequest;
///
/// let req: BulkRequest = serde_json::from_str(r#"{
///   "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
///   "failOnErrors": 1,
///   "Operations": [{"method": "POST", "path": "/Users", "bulkId": "qwerty",
///                   "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Alice"}}]
/// }"#)?;
/// assert_eq!(req.operations[0].method, http::Method::POST);
/// assert_eq!(req.fail_on_errors, Some(1));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BulkRequest {
    /// `failOnErrors`: stop after this many errors. `None`: process every operation.
    #[serde(rename = "failOnErrors", alias = "failonerrors", default)]
    pub fail_on_errors: Option<u64>,
    /// `Operations`, in the order the client sent them.
    #[serde(rename = "Operations", alias = "operations", default)]
    pub operations: Vec<BulkOperation>,
}

impl Serialize for BulkRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[BULK_REQUEST_SCHEMA])?;
        if let Some(n) = self.fail_on_errors {
            m.serialize_entry("failOnErrors", &n)?;
        }
        m.serialize_entry("Operations", &self.operations)?;
        m.end()
    }
}

/// One operation of a [`BulkRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    /// `POST`, `PUT`, `PATCH` or `DELETE` (read in any case).
    #[serde(with = "method_serde")]
    pub method: Method,
    /// `bulkId`: the client's transient id for a resource this operation creates; REQUIRED for
    /// `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// `version`: the resource's entity tag, applied as `If-Match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `path`: the endpoint (`/Users`) for POST, the resource (`/Users/{id}`) otherwise.
    pub path: String,
    /// `data`: the resource for POST and PUT, a PatchOp message for PATCH (errata 5050).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl BulkOperation {
    /// An operation with the given method and path and nothing else.
    pub fn new(method: Method, path: impl Into<String>) -> BulkOperation {
        BulkOperation {
            method,
            bulk_id: None,
            version: None,
            path: path.into(),
            data: None,
        }
    }
    /// Sets `bulkId`.
    #[must_use]
    pub fn bulk_id(mut self, id: impl Into<String>) -> BulkOperation {
        self.bulk_id = Some(id.into());
        self
    }
    /// Sets `version`.
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> BulkOperation {
        self.version = Some(version.into());
        self
    }
    /// Sets `data`.
    #[must_use]
    pub fn data(mut self, data: Value) -> BulkOperation {
        self.data = Some(data);
        self
    }
}

/// A BulkResponse message (RFC 7644 §3.7.3).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BulkResponse {
    /// One result per processed operation, in request order.
    #[serde(rename = "Operations", alias = "operations", default)]
    pub operations: Vec<BulkOperationResponse>,
}

impl Serialize for BulkResponse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[BULK_RESPONSE_SCHEMA])?;
        m.serialize_entry("Operations", &self.operations)?;
        m.end()
    }
}

impl BulkResponse {
    /// The message as a 200 response (RFC 7644 §3.7.3: the bulk request itself succeeded even
    /// when operations failed).
    pub fn into_response(self) -> http::Response<Vec<u8>> {
        match serde_json::to_vec(&self) {
            Ok(body) => crate::json_response(StatusCode::OK, body),
            Err(e) => ScimError::internal(e.to_string()).into_response(),
        }
    }
}

/// The result of one bulk operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationResponse {
    /// The resource's URI, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The operation's method.
    #[serde(with = "method_serde")]
    pub method: Method,
    /// The operation's `bulkId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The resource's version after the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The HTTP status, written as a string as in the RFC's examples; read from a string, an
    /// integer or the `{"code": "201"}` object of early drafts.
    #[serde(with = "status_serde")]
    pub status: StatusCode,
    /// The response body: the Error message on failure (required then by §3.7), optionally the
    /// resource on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

impl BulkOperationResponse {
    /// The operation's error, when its status is not 2xx.
    pub fn error(&self) -> Option<ScimError> {
        if self.status.is_success() {
            return None;
        }
        Some(
            self.response
                .as_ref()
                .and_then(|r| ScimError::from_json(r).ok())
                .map(|e| {
                    // The operation's status is authoritative.
                    let mut out = ScimError::from_status(self.status);
                    if let Some(t) = e.scim_type_raw() {
                        out = out.with_scim_type_str(t);
                    }
                    if let Some(d) = e.detail() {
                        out = out.with_detail(d);
                    }
                    out
                })
                .unwrap_or_else(|| ScimError::from_status(self.status)),
        )
    }
}

mod method_serde {
    use super::*;

    pub(super) fn serialize<S: Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Method, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Method::from_bytes(text.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| de::Error::custom(format!("`{text}` is not an HTTP method")))
    }
}

mod status_serde {
    use super::*;

    pub(super) fn serialize<S: Serializer>(st: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(st.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<StatusCode, D::Error> {
        let v = Value::deserialize(d)?;
        let code = match &v {
            Value::String(s) => s.trim().parse::<u16>().ok(),
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Value::Object(o) => match scimkit_schema::name::value(o, "code") {
                Some(Value::String(s)) => s.trim().parse::<u16>().ok(),
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                _ => None,
            },
            _ => None,
        };
        code.and_then(|c| StatusCode::from_u16(c).ok())
            .ok_or_else(|| de::Error::custom("`status` must be an HTTP status code"))
    }
}

/// What the caller's [`BulkExecutor`] reports for an operation that succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct BulkOutcome {
    /// The HTTP status (201 for POST, 200 for PUT/PATCH, 204 for DELETE).
    pub status: StatusCode,
    /// The created resource's `id` (POST): what `bulkId:<id>` references resolve to. When `None`,
    /// the last segment of `location` is used.
    pub id: Option<String>,
    /// The resource's URI.
    pub location: Option<String>,
    /// The resource's version after the operation.
    pub version: Option<String>,
    /// An optional response body.
    pub response: Option<Value>,
}

impl BulkOutcome {
    /// 201 Created for a POST, with the new resource's id and location.
    pub fn created(id: impl Into<String>, location: impl Into<String>) -> BulkOutcome {
        BulkOutcome {
            status: StatusCode::CREATED,
            id: Some(id.into()),
            location: Some(location.into()),
            version: None,
            response: None,
        }
    }
    /// 200 OK for a PUT or PATCH.
    pub fn ok(location: impl Into<String>) -> BulkOutcome {
        BulkOutcome {
            status: StatusCode::OK,
            id: None,
            location: Some(location.into()),
            version: None,
            response: None,
        }
    }
    /// 204 No Content for a DELETE.
    pub fn no_content(location: impl Into<String>) -> BulkOutcome {
        BulkOutcome {
            status: StatusCode::NO_CONTENT,
            ..BulkOutcome::ok(location)
        }
    }
    /// Sets the version.
    pub fn with_version(mut self, version: impl Into<String>) -> BulkOutcome {
        self.version = Some(version.into());
        self
    }
    /// Sets a response body.
    pub fn with_response(mut self, response: Value) -> BulkOutcome {
        self.response = Some(response);
        self
    }
}

/// An operation ready to run: every `bulkId:` reference in its `path` and `data` replaced by the
/// id of the resource created under that bulkId.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResolvedOperation {
    /// The operation's index in the request.
    pub index: usize,
    /// The method.
    pub method: Method,
    /// The client's `bulkId`.
    pub bulk_id: Option<String>,
    /// `version`, to be checked like `If-Match`.
    pub version: Option<String>,
    /// The path, references resolved (`/Users`, `/Groups/e9e30dba`).
    pub path: String,
    /// The data, references resolved.
    pub data: Option<Value>,
    /// `true` for the follow-up PATCH that adds references held back to break a circular
    /// reference (RFC 7644 §3.7.1); the operation at `index` created the resource.
    pub deferred: bool,
}

impl ResolvedOperation {
    /// The endpoint segment of the path, without slashes (`Users` for `/Users/2819c223`).
    pub fn endpoint(&self) -> &str {
        self.path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("")
    }

    /// The resource id segment of the path, when there is one.
    pub fn resource_id(&self) -> Option<&str> {
        let mut parts = self.path.trim_start_matches('/').splitn(2, '/');
        parts.next();
        parts.next().filter(|s| !s.is_empty())
    }

    /// The data of a PATCH operation as a PatchOp message (RFC 7644 errata 5050: bulk PATCH
    /// `data` is a whole PatchOp message, `schemas` and `Operations`). The bare array of
    /// operations of the RFC's original §3.7.1 example is accepted too.
    pub fn patch_request(&self) -> Result<scimkit_patch::PatchRequest, ScimError> {
        let data = self
            .data
            .as_ref()
            .ok_or_else(|| ScimError::invalid_syntax("a PATCH operation needs `data`"))?;
        if let Value::Array(ops) = data {
            let wrapped = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
            return scimkit_patch::PatchRequest::from_value(&wrapped).map_err(ScimError::from);
        }
        scimkit_patch::PatchRequest::from_value(data).map_err(ScimError::from)
    }
}

/// Runs the operations of a bulk job against the caller's storage.
///
/// Implemented for closures `FnMut(&ResolvedOperation) -> Result<BulkOutcome, ScimError>`.
pub trait BulkExecutor {
    /// Performs one operation. An `Err` becomes that operation's error response.
    fn execute(&mut self, op: &ResolvedOperation) -> Result<BulkOutcome, ScimError>;
}

impl<F> BulkExecutor for F
where
    F: FnMut(&ResolvedOperation) -> Result<BulkOutcome, ScimError>,
{
    fn execute(&mut self, op: &ResolvedOperation) -> Result<BulkOutcome, ScimError> {
        self(op)
    }
}

/// Validates and runs bulk jobs (RFC 7644 §3.7).
///
/// - **Limits** (§3.7.4): a body over `max_payload_size` bytes or with more than
///   `max_operations` operations is refused with 413 and the RFC's detail.
/// - **bulkId references** (§3.7.2): `bulkId:<id>` as a whole string value anywhere in `data`
///   (any depth: member lists, extension attributes, PATCH values and PATCH paths' filters such as
///   `members[value eq "bulkId:qwerty"]`), and as a segment of `path` or a URI (`/Groups/bulkId:x`).
///   An unknown bulkId fails that operation with 409 `invalidValue`; so does a reference to an
///   operation that failed.
/// - **Order**: operations run in request order, except that an operation waits for the
///   operations it references (a forward reference works). Results are reported in request order.
/// - **Circular references** (§3.7.1): the RFC's example (two groups that are members of each
///   other) and a group that contains itself are resolved by creating the resource without the
///   attribute values that hold unresolved references and adding them with a follow-up PATCH
///   ([`ResolvedOperation::deferred`]) once the other resource exists. With
///   [`resolve_circular(false)`](BulkProcessor::resolve_circular), or when a reference cannot
///   be held back (it is in the path), the operations in the cycle fail with 409.
/// - **failOnErrors** (§3.7.3): after that many errors, processing stops and the response holds
///   the operations processed so far.
///
/// Nothing here recurses, and every loop is bounded by the number of operations and the size of
/// their data.
///
/// # Examples
/// ```
/// use scimkit_protocol::{BulkOutcome, BulkProcessor, ResolvedOperation, ScimError};
///
/// let body = br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
///   "Operations": [
///     {"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
///      "data": {"displayName": "Tour Guides", "members": [{"type": "User", "value": "bulkId:qwerty"}]}},
///     {"method": "POST", "path": "/Users", "bulkId": "qwerty", "data": {"userName": "Alice"}}
///   ]}"#;
/// let processor = BulkProcessor::new();
/// let req = processor.parse(body)?;
/// let mut created = Vec::new();
/// let resp = processor.process(req, &mut |op: &ResolvedOperation| {
///     let id = format!("id{}", created.len());
///     created.push(op.data.clone().unwrap());
///     Ok::<_, ScimError>(BulkOutcome::created(&id, format!("https://example.com/v2{}/{id}", op.path)))
/// });
/// // The user ran first, and the group got its real id.
/// assert_eq!(created[1]["members"][0]["value"], "id0");
/// assert_eq!(resp.operations[0].bulk_id.as_deref(), Some("ytrewq")); // request order
/// # Ok::<(), ScimError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct BulkProcessor {
    max_operations: usize,
    max_payload_size: usize,
    resolve_circular: bool,
    require_post_bulk_id: bool,
    base_url: Option<String>,
}

impl Default for BulkProcessor {
    fn default() -> Self {
        BulkProcessor::new()
    }
}

const BULK_PREFIX: &str = "bulkId:";

impl BulkProcessor {
    /// Limits of 1000 operations and 1 MiB (1048576 bytes, the RFC's example), circular
    /// references resolved, `bulkId` required on POST.
    pub fn new() -> BulkProcessor {
        BulkProcessor {
            max_operations: 1000,
            max_payload_size: 1_048_576,
            resolve_circular: true,
            require_post_bulk_id: true,
            base_url: None,
        }
    }

    /// The limits a ServiceProviderConfig advertises (a limit of 0 there means none is set, and
    /// the default is kept).
    pub fn from_config(config: &BulkConfig) -> BulkProcessor {
        let mut p = BulkProcessor::new();
        if config.max_operations > 0 {
            p.max_operations = usize::try_from(config.max_operations).unwrap_or(usize::MAX);
        }
        if config.max_payload_size > 0 {
            p.max_payload_size = usize::try_from(config.max_payload_size).unwrap_or(usize::MAX);
        }
        p
    }

    /// Sets `maxOperations`.
    pub fn max_operations(mut self, n: usize) -> BulkProcessor {
        self.max_operations = n;
        self
    }

    /// Sets `maxPayloadSize` in bytes.
    pub fn max_payload_size(mut self, bytes: usize) -> BulkProcessor {
        self.max_payload_size = bytes;
        self
    }

    /// The configured `maxPayloadSize`.
    pub fn payload_limit(&self) -> usize {
        self.max_payload_size
    }

    /// Whether circular references are resolved with follow-up PATCHes (default) or fail with
    /// 409, which §3.7.1 also allows.
    pub fn resolve_circular(mut self, on: bool) -> BulkProcessor {
        self.resolve_circular = on;
        self
    }

    /// Whether a POST without `bulkId` fails with 400 `invalidSyntax` (default, §3.7: "REQUIRED
    /// when "method" is "POST"") or is accepted (it then cannot be referenced).
    pub fn require_post_bulk_id(mut self, on: bool) -> BulkProcessor {
        self.require_post_bulk_id = on;
        self
    }

    /// The service provider's base URL, used to report a `location` for failed operations that
    /// name a resource (as in the RFC's 412 example).
    pub fn base_url(mut self, base: impl Into<String>) -> BulkProcessor {
        self.base_url = Some(base.into().trim_end_matches('/').to_owned());
        self
    }

    /// Reads a bulk request body, checking `maxPayloadSize` first and `maxOperations` after.
    pub fn parse(&self, body: &[u8]) -> Result<BulkRequest, ScimError> {
        if body.len() > self.max_payload_size {
            return Err(self.payload_error());
        }
        let req: BulkRequest = serde_json::from_slice(body)
            .map_err(|e| ScimError::invalid_syntax(format!("not a BulkRequest: {e}")))?;
        self.check(&req)?;
        Ok(req)
    }

    fn payload_error(&self) -> ScimError {
        // RFC 7644 §3.7.4, word for word.
        ScimError::payload_too_large(format!(
            "The size of the bulk operation exceeds the maxPayloadSize ({}).",
            self.max_payload_size
        ))
    }

    /// Checks a request built in code against the limits (`maxOperations`; `failOnErrors` ≥ 1).
    pub fn check(&self, req: &BulkRequest) -> Result<(), ScimError> {
        if req.operations.len() > self.max_operations {
            return Err(ScimError::payload_too_large(format!(
                "The number of operations exceeds the maxOperations ({}).",
                self.max_operations
            )));
        }
        if req.fail_on_errors == Some(0) {
            // "the number of errors that the service provider will accept before the operation
            // is terminated": 0 has no meaning, so it is refused rather than guessed at.
            return Err(ScimError::invalid_value(
                "`failOnErrors` must be at least 1",
            ));
        }
        Ok(())
    }

    /// Runs every operation through `executor` and collects the BulkResponse.
    ///
    /// The request is checked with [`check`](BulkProcessor::check) first; a request over the
    /// limits gives a response whose single operation carries the 413 error, so call `check`
    /// (or [`parse`](BulkProcessor::parse)) beforehand to answer 413 for the whole request.
    pub fn process<E: BulkExecutor + ?Sized>(
        &self,
        req: BulkRequest,
        executor: &mut E,
    ) -> BulkResponse {
        if let Err(e) = self.check(&req) {
            return BulkResponse {
                operations: vec![BulkOperationResponse {
                    location: None,
                    method: Method::POST,
                    bulk_id: None,
                    version: None,
                    status: e.status(),
                    response: Some(e.to_json()),
                }],
            };
        }
        Job::new(self, req).run(executor)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Ready,
    Done,
}

/// A unit of data held back to break a cycle: added back with one PATCH `add`.
#[derive(Debug)]
struct Deferred {
    op: usize,
    /// (PATCH path, value) pairs, references not yet resolved.
    adds: Vec<(String, Value)>,
    /// The operations whose ids the adds need.
    waits_for: Vec<usize>,
    fired: bool,
}

struct Job<'p> {
    p: &'p BulkProcessor,
    ops: Vec<BulkOperation>,
    fail_on_errors: Option<u64>,
    by_bulk_id: HashMap<String, usize>,
    deps: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
    indeg: Vec<usize>,
    state: Vec<State>,
    pre_error: Vec<Option<ScimError>>,
    /// For each POST: the created resource's id, when it succeeded.
    created: Vec<Option<String>>,
    results: Vec<Option<BulkOperationResponse>>,
    errors: u64,
    deferred: Vec<Deferred>,
}

impl<'p> Job<'p> {
    fn new(p: &'p BulkProcessor, req: BulkRequest) -> Job<'p> {
        let n = req.operations.len();
        let mut job = Job {
            p,
            ops: req.operations,
            fail_on_errors: req.fail_on_errors,
            by_bulk_id: HashMap::new(),
            deps: vec![Vec::new(); n],
            dependents: vec![Vec::new(); n],
            indeg: vec![0; n],
            state: vec![State::Pending; n],
            pre_error: vec![None; n],
            created: vec![None; n],
            results: vec![None; n],
            errors: 0,
            deferred: Vec::new(),
        };
        job.validate();
        job.link();
        job
    }

    /// Per-operation checks that need no other operation.
    fn validate(&mut self) {
        for (i, op) in self.ops.iter().enumerate() {
            let m = &op.method;
            let err = if !(m == Method::POST
                || m == Method::PUT
                || m == Method::PATCH
                || m == Method::DELETE)
            {
                Some(ScimError::invalid_value(format!(
                    "`{m}` is not a bulk method; use POST, PUT, PATCH or DELETE"
                )))
            } else if !op.path.starts_with('/') {
                Some(ScimError::invalid_value(format!(
                    "`path` must start with `/`, not `{}`",
                    short(&op.path)
                )))
            } else if m != Method::DELETE && op.data.is_none() {
                Some(ScimError::invalid_syntax(format!(
                    "a {m} operation needs `data`"
                )))
            } else if m == Method::POST && op.bulk_id.is_none() && self.p.require_post_bulk_id {
                Some(ScimError::invalid_syntax(
                    "a POST operation needs a `bulkId`",
                ))
            } else if m == Method::POST && op.bulk_id.as_deref() == Some("") {
                Some(ScimError::invalid_syntax("`bulkId` must not be empty"))
            } else {
                None
            };
            if err.is_some() {
                self.pre_error[i] = err;
                continue;
            }
            if m == Method::POST {
                if let Some(id) = &op.bulk_id {
                    if self.by_bulk_id.contains_key(id) {
                        self.pre_error[i] = Some(
                            ScimError::conflict(format!(
                                "`bulkId` `{}` is used by an earlier operation",
                                short(id)
                            ))
                            .with_scim_type(ScimType::InvalidValue),
                        );
                    } else {
                        self.by_bulk_id.insert(id.clone(), i);
                    }
                }
            }
        }
    }

    /// Finds each operation's references and builds the dependency graph.
    fn link(&mut self) {
        for i in 0..self.ops.len() {
            if self.pre_error[i].is_some() {
                continue;
            }
            let mut refs = Vec::new();
            collect_refs_in_str(&self.ops[i].path, &mut refs);
            if let Some(d) = &self.ops[i].data {
                collect_refs(d, &mut refs);
            }
            let mut deps = Vec::new();
            for r in &refs {
                match self.by_bulk_id.get(r) {
                    Some(&j) => {
                        if !deps.contains(&j) {
                            deps.push(j);
                        }
                    }
                    None => {
                        self.pre_error[i] = Some(unresolved(r, "no operation has this bulkId"));
                        break;
                    }
                }
            }
            if self.pre_error[i].is_some() {
                continue;
            }
            self.indeg[i] = deps.len();
            for &j in &deps {
                self.dependents[j].push(i);
            }
            self.deps[i] = deps;
        }
    }

    fn stop(&self) -> bool {
        matches!(self.fail_on_errors, Some(n) if self.errors >= n)
    }

    fn run<E: BulkExecutor + ?Sized>(mut self, ex: &mut E) -> BulkResponse {
        let n = self.ops.len();
        let mut ready: BTreeSet<usize> = BTreeSet::new();
        for i in 0..n {
            if self.pre_error[i].is_some() || self.indeg[i] == 0 {
                self.state[i] = State::Ready;
                ready.insert(i);
            }
        }
        // Each iteration finishes one operation or moves one into `ready`, so this runs at most
        // 2n times.
        while !self.stop() {
            let Some(i) = ready.pop_first() else {
                match self.break_cycle() {
                    Some(k) => {
                        ready.insert(k);
                        continue;
                    }
                    None => break,
                }
            };
            self.finish_one(i, ex);
            self.state[i] = State::Done;
            for d in std::mem::take(&mut self.dependents[i]) {
                self.indeg[d] = self.indeg[d].saturating_sub(1);
                if self.indeg[d] == 0 && self.state[d] == State::Pending {
                    self.state[d] = State::Ready;
                    ready.insert(d);
                }
            }
            self.fire_deferred(ex);
        }
        // Held-back references that never got applied (processing stopped, or a target failed).
        for k in 0..self.deferred.len() {
            if !self.deferred[k].fired {
                self.deferred[k].fired = true;
                let op = self.deferred[k].op;
                if self.results[op].is_some() {
                    let err =
                        unresolved_deferred(&self.deferred[k], &self.ops, "was not processed");
                    self.fail_after_create(op, err);
                }
            }
        }
        BulkResponse {
            operations: self.results.into_iter().flatten().collect(),
        }
    }

    /// All pending operations wait on each other: hold back the references of the first POST
    /// among them, or fail them all.
    fn break_cycle(&mut self) -> Option<usize> {
        let pending: Vec<usize> = (0..self.ops.len())
            .filter(|&i| self.state[i] == State::Pending)
            .collect();
        if pending.is_empty() {
            return None;
        }
        let candidate = pending
            .iter()
            .copied()
            .find(|&i| self.ops[i].method == Method::POST);
        if self.p.resolve_circular {
            if let Some(k) = candidate {
                let unresolved_targets: Vec<usize> = self.deps[k]
                    .iter()
                    .copied()
                    .filter(|&j| self.state[j] != State::Done)
                    .collect();
                let names: Vec<String> = unresolved_targets
                    .iter()
                    .filter_map(|&j| self.ops[j].bulk_id.clone())
                    .collect();
                let path_has_ref = names
                    .iter()
                    .any(|nm| self.ops[k].path.contains(&format!("{BULK_PREFIX}{nm}")));
                if !path_has_ref {
                    if let Some(Value::Object(data)) = self.ops[k].data.as_mut() {
                        let adds = hold_back(data, &names);
                        self.deferred.push(Deferred {
                            op: k,
                            adds,
                            waits_for: unresolved_targets,
                            fired: false,
                        });
                        self.indeg[k] = 0;
                        self.state[k] = State::Ready;
                        return Some(k);
                    }
                }
            }
        }
        // Cannot (or may not) resolve: fail the first pending operation; the others follow as
        // their dependency fails.
        let k = pending[0];
        self.pre_error[k] = Some(
            ScimError::conflict(
                "circular bulkId reference that this service provider could not resolve",
            )
            .with_scim_type(ScimType::InvalidValue),
        );
        self.indeg[k] = 0;
        self.state[k] = State::Ready;
        Some(k)
    }

    fn record(&mut self, i: usize, result: BulkOperationResponse) {
        if !result.status.is_success() {
            self.errors += 1;
        }
        self.results[i] = Some(result);
    }

    fn error_result(&self, i: usize, e: &ScimError) -> BulkOperationResponse {
        let op = &self.ops[i];
        let location = match (&self.p.base_url, op.method != Method::POST) {
            (Some(base), true) if !op.path.contains(BULK_PREFIX) => {
                Some(format!("{base}{}", op.path))
            }
            _ => None,
        };
        BulkOperationResponse {
            location,
            method: op.method.clone(),
            bulk_id: op.bulk_id.clone(),
            version: None,
            status: e.status(),
            response: Some(e.to_json()),
        }
    }

    fn finish_one<E: BulkExecutor + ?Sized>(&mut self, i: usize, ex: &mut E) {
        if let Some(e) = self.pre_error[i].take() {
            let r = self.error_result(i, &e);
            self.record(i, r);
            return;
        }
        // Every dependency is done; a failed one fails this operation.
        for &j in &self.deps[i] {
            if self.state[j] == State::Done && self.created[j].is_none() {
                let name = self.ops[j].bulk_id.clone().unwrap_or_default();
                let e = unresolved(&name, "the operation that creates it failed");
                let r = self.error_result(i, &e);
                self.record(i, r);
                return;
            }
        }
        let ids = self.id_map();
        let op = &self.ops[i];
        let resolved = ResolvedOperation {
            index: i,
            method: op.method.clone(),
            bulk_id: op.bulk_id.clone(),
            version: op.version.clone(),
            path: replace_refs_in_str(&op.path, &ids).unwrap_or_else(|| op.path.clone()),
            data: op.data.clone().map(|mut d| {
                replace_refs(&mut d, &ids);
                d
            }),
            deferred: false,
        };
        match ex.execute(&resolved) {
            Ok(out) => {
                if op.method == Method::POST && out.status.is_success() {
                    let id = out
                        .id
                        .clone()
                        .or_else(|| {
                            out.response
                                .as_ref()
                                .and_then(|r| r.get("id"))
                                .and_then(Value::as_str)
                                .map(str::to_owned)
                        })
                        .or_else(|| {
                            out.location.as_deref().and_then(|l| {
                                l.trim_end_matches('/')
                                    .rsplit('/')
                                    .next()
                                    .map(str::to_owned)
                            })
                        });
                    self.created[i] = id;
                }
                let r = BulkOperationResponse {
                    location: out.location,
                    method: op.method.clone(),
                    bulk_id: op.bulk_id.clone(),
                    version: out.version,
                    status: out.status,
                    response: out.response,
                };
                self.record(i, r);
            }
            Err(e) => {
                let r = self.error_result(i, &e);
                self.record(i, r);
            }
        }
    }

    fn id_map(&self) -> HashMap<&str, &str> {
        self.by_bulk_id
            .iter()
            .filter_map(|(b, &j)| self.created[j].as_deref().map(|id| (b.as_str(), id)))
            .collect()
    }

    /// Sends the follow-up PATCH of every held-back unit whose targets are all done.
    fn fire_deferred<E: BulkExecutor + ?Sized>(&mut self, ex: &mut E) {
        for k in 0..self.deferred.len() {
            let d = &self.deferred[k];
            if d.fired || !d.waits_for.iter().all(|&j| self.state[j] == State::Done) {
                continue;
            }
            let op = d.op;
            if self.state[op] != State::Done {
                continue;
            }
            self.deferred[k].fired = true;
            let d = &self.deferred[k];
            let Some(own_id) = self.created[op].clone() else {
                continue; // the create itself failed; its error is already reported
            };
            if let Some(&j) = d.waits_for.iter().find(|&&j| self.created[j].is_none()) {
                let name = self.ops[j].bulk_id.clone().unwrap_or_default();
                let e = unresolved(&name, "the operation that creates it failed");
                self.fail_after_create(op, e);
                continue;
            }
            let ids = self.id_map();
            let ops: Vec<Value> = d
                .adds
                .iter()
                .map(|(path, value)| {
                    let mut v = value.clone();
                    replace_refs(&mut v, &ids);
                    json!({"op": "add", "path": path, "value": v})
                })
                .collect();
            let endpoint = self.ops[op].path.trim_end_matches('/').to_owned();
            let patch = ResolvedOperation {
                index: op,
                method: Method::PATCH,
                bulk_id: None,
                version: None,
                path: format!("{endpoint}/{own_id}"),
                data: Some(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})),
                deferred: true,
            };
            match ex.execute(&patch) {
                Ok(out) => {
                    if let Some(r) = self.results[op].as_mut() {
                        if out.version.is_some() {
                            r.version = out.version;
                        }
                    }
                }
                Err(e) => self.fail_after_create(op, e),
            }
        }
    }

    /// Replaces a created resource's success with an error, keeping its location.
    fn fail_after_create(&mut self, op: usize, e: ScimError) {
        if let Some(r) = self.results[op].as_mut() {
            if r.status.is_success() {
                self.errors += 1;
            }
            r.status = e.status();
            r.response = Some(e.to_json());
        }
    }
}

fn unresolved_deferred(d: &Deferred, ops: &[BulkOperation], why: &str) -> ScimError {
    let names: Vec<String> = d
        .waits_for
        .iter()
        .filter_map(|&j| ops[j].bulk_id.as_deref())
        .map(|b| format!("`{BULK_PREFIX}{}`", short(b)))
        .collect();
    ScimError::conflict(format!(
        "the resource was created, but its references to {} could not be added: the bulk job {why}",
        names.join(", ")
    ))
    .with_scim_type(ScimType::InvalidValue)
}

fn unresolved(bulk_id: &str, why: &str) -> ScimError {
    // RFC 7644 §3.7.2: 409 with invalidValue for a bulkId that cannot be resolved.
    ScimError::conflict(format!(
        "`{BULK_PREFIX}{}` cannot be resolved: {why}",
        short(bulk_id)
    ))
    .with_scim_type(ScimType::InvalidValue)
}

fn short(s: &str) -> &str {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Where in a string each `bulkId:` reference is: the whole string when it starts with the
/// prefix, otherwise occurrences after `/` or `"` (a URI segment, a quoted filter value) that run
/// to the next `/ ? # " ] ) ,` or whitespace.
fn ref_spans(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if let Some(rest) = s.strip_prefix(BULK_PREFIX) {
        if !rest.is_empty() {
            out.push((0, s.len()));
        }
        return out;
    }
    let mut from = 0;
    while let Some(pos) = s[from..].find(BULK_PREFIX) {
        let at = from + pos;
        let id_start = at + BULK_PREFIX.len();
        let before = s[..at].chars().next_back();
        let end = s[id_start..]
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | ']' | ')' | ',') || c.is_whitespace()
            })
            .map_or(s.len(), |e| id_start + e);
        if matches!(before, Some('/') | Some('"')) && end > id_start {
            out.push((at, end));
        }
        from = id_start;
    }
    out
}

fn collect_refs_in_str(s: &str, out: &mut Vec<String>) {
    for (a, b) in ref_spans(s) {
        let id = &s[a + BULK_PREFIX.len()..b];
        if !out.iter().any(|x| x == id) {
            out.push(id.to_owned());
        }
    }
}

/// Every bulkId referenced in the strings of `v`, walked with an explicit stack.
fn collect_refs(v: &Value, out: &mut Vec<String>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => collect_refs_in_str(s, out),
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
}

fn contains_ref_to(v: &Value, names: &[String]) -> bool {
    let mut found = Vec::new();
    collect_refs(v, &mut found);
    found.iter().any(|f| names.contains(f))
}

/// `s` with resolved references replaced; `None` when nothing changed.
fn replace_refs_in_str(s: &str, ids: &HashMap<&str, &str>) -> Option<String> {
    let spans = ref_spans(s);
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut changed = false;
    for (a, b) in spans {
        let name = &s[a + BULK_PREFIX.len()..b];
        if let Some(id) = ids.get(name) {
            out.push_str(&s[last..a]);
            out.push_str(id);
            last = b;
            changed = true;
        }
    }
    out.push_str(&s[last..]);
    changed.then_some(out)
}

fn replace_refs(v: &mut Value, ids: &HashMap<&str, &str>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                if let Some(new) = replace_refs_in_str(s, ids) {
                    *s = new;
                }
            }
            Value::Array(a) => stack.extend(a.iter_mut()),
            Value::Object(o) => stack.extend(o.values_mut()),
            _ => {}
        }
    }
}

/// Removes from a resource every attribute value that references one of `names`, returning
/// PATCH `add` operations (path, value) that put them back. A multi-valued attribute loses only
/// the elements that hold a reference; an extension's attributes are addressed with the URN
/// prefix (`urn:...:User:manager`).
fn hold_back(data: &mut Map<String, Value>, names: &[String]) -> Vec<(String, Value)> {
    let mut adds = Vec::new();
    let keys: Vec<String> = data.keys().cloned().collect();
    for key in keys {
        let is_extension = key.contains(':');
        let Some(value) = data.get_mut(&key) else {
            continue;
        };
        if is_extension {
            if let Value::Object(ext) = value {
                let sub_keys: Vec<String> = ext.keys().cloned().collect();
                for sub in sub_keys {
                    if let Some(add) = take_unit(ext, &sub, names) {
                        adds.push((format!("{key}:{sub}"), add));
                    }
                }
                continue;
            }
        }
        if let Some(add) = take_unit(data, &key, names) {
            adds.push((key, add));
        }
    }
    adds
}

fn take_unit(obj: &mut Map<String, Value>, key: &str, names: &[String]) -> Option<Value> {
    let value = obj.get_mut(key)?;
    if !contains_ref_to(value, names) {
        return None;
    }
    if let Value::Array(items) = value {
        let (held, kept): (Vec<Value>, Vec<Value>) = std::mem::take(items)
            .into_iter()
            .partition(|item| contains_ref_to(item, names));
        *items = kept;
        return Some(Value::Array(held));
    }
    obj.shift_remove(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_spans_find_values_uris_and_filters() {
        let mut out = Vec::new();
        collect_refs_in_str("bulkId:qwerty", &mut out);
        collect_refs_in_str("/Groups/bulkId:ytrewq", &mut out);
        collect_refs_in_str("members[value eq \"bulkId:abc\"]", &mut out);
        collect_refs_in_str("https://x/v2/Users/bulkId:u1?x=1", &mut out);
        collect_refs_in_str("not a bulkId:ref", &mut out);
        collect_refs_in_str("bulkId:", &mut out);
        assert_eq!(out, ["qwerty", "ytrewq", "abc", "u1"]);
        let ids: HashMap<&str, &str> = [("abc", "ID1"), ("u1", "ID2")].into_iter().collect();
        assert_eq!(
            replace_refs_in_str("members[value eq \"bulkId:abc\"]", &ids).unwrap(),
            "members[value eq \"ID1\"]"
        );
        assert_eq!(
            replace_refs_in_str("https://x/Users/bulkId:u1", &ids).unwrap(),
            "https://x/Users/ID2"
        );
        assert_eq!(replace_refs_in_str("bulkId:zzz", &ids), None);
    }

    #[test]
    fn hold_back_multi_single_and_extension() {
        let mut data = json!({
            "displayName": "A",
            "members": [{"value": "bulkId:b"}, {"value": "real"}],
            "owner": {"value": "bulkId:b"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "bulkId:b"}, "division": "x"}
        });
        let adds = hold_back(data.as_object_mut().unwrap(), &["b".to_owned()]);
        assert_eq!(adds.len(), 3);
        assert_eq!(
            adds[0],
            ("members".to_owned(), json!([{"value": "bulkId:b"}]))
        );
        assert_eq!(adds[1].0, "owner");
        assert_eq!(
            adds[2].0,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
        );
        assert_eq!(data["members"], json!([{"value": "real"}]));
        assert!(data.get("owner").is_none());
    }

    #[test]
    fn status_reads_all_shapes() {
        for s in [
            json!("201"),
            json!(201),
            json!({"code": "201"}),
            json!({"code": 201}),
        ] {
            let r: BulkOperationResponse =
                serde_json::from_value(json!({"method": "post", "status": s})).unwrap();
            assert_eq!(r.status, StatusCode::CREATED);
            assert_eq!(r.method, Method::POST);
        }
        assert!(serde_json::from_value::<BulkOperationResponse>(
            json!({"method": "POST", "status": "abc"})
        )
        .is_err());
    }
}
