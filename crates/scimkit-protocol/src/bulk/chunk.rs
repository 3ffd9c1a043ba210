//! The client side of bulk (RFC 7644 §3.7): many operations split into BulkRequests within the
//! `maxOperations` and `maxPayloadSize` a service provider advertises (RFC 7643 §5), with
//! `bulkId` references kept inside one request or resolved across requests.

use std::collections::HashMap;

use http::StatusCode;
use scimkit_schema::{BulkConfig, ScimType};

use super::reference::{
    collect_refs, collect_refs_in_str, created_id, replace_refs, replace_refs_in_str, short,
};
use super::{BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse};
use crate::{Client, ScimError};

/// Splits bulk operations into requests within a service provider's limits.
///
/// A [`BulkChunker`] holds the limits; [`plan`](BulkChunker::plan) turns a list of operations
/// into a [`BulkPlan`], the state machine that yields one [`BulkRequest`] at a time and reads
/// each [`BulkResponse`].
///
/// # Examples
/// ```
/// use scimkit_protocol::{BulkChunker, BulkOperation, BulkResponse};
/// use serde_json::json;
///
/// // Three users and a group of them, for a provider that takes two operations per request.
/// let mut ops: Vec<BulkOperation> = (0..3)
///     .map(|i| BulkOperation::new(http::Method::POST, "/Users")
///         .bulk_id(format!("u{i}"))
///         .data(json!({"userName": format!("user{i}")})))
///     .collect();
/// ops.push(BulkOperation::new(http::Method::POST, "/Groups").bulk_id("g").data(json!({
///     "displayName": "Team",
///     "members": [{"value": "bulkId:u0"}, {"value": "bulkId:u2"}]
/// })));
/// let mut plan = BulkChunker::new(2, 1 << 20).plan(ops);
/// let mut sent = 0;
/// while let Some(req) = plan.next_request() {
///     sent += 1;
///     assert!(req.operations.len() <= 2);
///     // A server would run `req`; this one creates everything and names it by its bulkId.
///     let resp: BulkResponse = serde_json::from_value(json!({"Operations": req.operations.iter().map(|op| json!({
///         "method": "POST", "bulkId": op.bulk_id, "status": "201",
///         "location": format!("https://example.com/v2{}/id-{}", op.path, op.bulk_id.as_deref().unwrap()),
///     })).collect::<Vec<_>>()}))?;
///     if sent == 2 {
///         // The second request's group names the users of the first by their new ids.
///         assert_eq!(req.operations[1].data.as_ref().unwrap()["members"][0]["value"], "id-u0");
///         assert_eq!(req.operations[1].data.as_ref().unwrap()["members"][1]["value"], "bulkId:u2");
///     }
///     plan.handle_response(&resp);
/// }
/// assert_eq!(sent, 2);
/// assert_eq!(plan.created_id("g"), Some("id-g"));
/// assert_eq!(plan.into_response().operations.len(), 4);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct BulkChunker {
    max_operations: usize,
    max_payload_size: usize,
    fail_on_errors: Option<u64>,
}

impl Default for BulkChunker {
    /// The limits of [`BulkProcessor::new`](crate::BulkProcessor::new): 1000 operations and
    /// 1 MiB.
    fn default() -> Self {
        BulkChunker::new(1000, 1_048_576)
    }
}

impl BulkChunker {
    /// At most `max_operations` operations (at least 1) and `max_payload_size` bytes of JSON per
    /// request.
    pub fn new(max_operations: usize, max_payload_size: usize) -> BulkChunker {
        BulkChunker {
            max_operations: max_operations.max(1),
            max_payload_size,
            fail_on_errors: None,
        }
    }

    /// The limits a ServiceProviderConfig advertises. A limit of 0 there means none is stated, and
    /// the default (1000 operations, 1 MiB) is used. A provider without bulk support is an error
    /// (501, as RFC 7644 §3.7 has the provider answer).
    pub fn from_config(config: &BulkConfig) -> Result<BulkChunker, ScimError> {
        if !config.supported {
            return Err(ScimError::not_implemented(
                "the service provider does not support bulk operations",
            ));
        }
        let d = BulkChunker::default();
        let pick = |n: u64, default: usize| {
            if n == 0 {
                default
            } else {
                usize::try_from(n).unwrap_or(usize::MAX)
            }
        };
        Ok(BulkChunker::new(
            pick(config.max_operations, d.max_operations),
            pick(config.max_payload_size, d.max_payload_size),
        ))
    }

    /// `failOnErrors` for the whole job (RFC 7644 §3.7.3): stop after this many errors, counted
    /// across every request of the plan. Each request carries what is left of the budget.
    /// `Some(0)` is read as `Some(1)`.
    pub fn fail_on_errors(mut self, n: Option<u64>) -> BulkChunker {
        self.fail_on_errors = n.map(|n| n.max(1));
        self
    }

    /// The most operations per request.
    pub fn operation_limit(&self) -> usize {
        self.max_operations
    }

    /// The most bytes per request body.
    pub fn payload_limit(&self) -> usize {
        self.max_payload_size
    }

    /// A plan that sends `operations`, in order, in as few requests as the limits allow.
    pub fn plan(&self, operations: Vec<BulkOperation>) -> BulkPlan {
        BulkPlan::new(*self, operations)
    }
}

/// The state machine of a chunked bulk job: [`next_request`](BulkPlan::next_request) yields the
/// next [`BulkRequest`], [`handle_response`](BulkPlan::handle_response) reads its response.
///
/// - **Order**: requests hold consecutive runs of the operations, in order; every operation is
///   sent once or answered locally, never both.
/// - **Limits**: each request has at most `max_operations` operations and its JSON body at most
///   `max_payload_size` bytes, measured after references are replaced.
/// - **References** (§3.7.2): a request is never cut between an operation and a later one whose
///   `bulkId` it references (a forward reference, or a cycle), when the run between them fits in
///   one request. A reference to an operation of an earlier request is replaced by the id its
///   response reported. An operation whose reference cannot be resolved - the referenced create
///   failed or was never processed, no operation has that bulkId, or a forward reference spans
///   more than one request can hold - is not sent: it gets a local 409 `invalidValue` result, as
///   a service provider would answer it. An operation too large for any request gets a local 413.
/// - **failOnErrors**: local and remote errors count against one budget; once it is spent no
///   further request is made.
///
/// Until [`handle_response`](BulkPlan::handle_response) accepts a response,
/// [`next_request`](BulkPlan::next_request) returns the same request again, so a transport error
/// or a 429/503 can be retried.
#[derive(Debug, Clone)]
pub struct BulkPlan {
    limits: BulkChunker,
    ops: Vec<BulkOperation>,
    /// `cut_ok[k]`: a request may end after operation `k` without splitting a forward reference.
    cut_ok: Vec<bool>,
    /// The bulkIds each operation references.
    refs: Vec<Vec<String>>,
    /// bulkId -> the index of the POST that defines it (the first one).
    defined_by: HashMap<String, usize>,
    /// bulkId -> the id of the created resource.
    created: HashMap<String, String>,
    /// The next operation not yet planned.
    next: usize,
    /// The request sent and not yet answered, with the original index of each operation.
    in_flight: Option<(BulkRequest, Vec<usize>)>,
    results: Vec<Option<BulkOperationResponse>>,
    errors: u64,
    stopped: bool,
}

impl BulkPlan {
    fn new(limits: BulkChunker, ops: Vec<BulkOperation>) -> BulkPlan {
        let n = ops.len();
        let mut defined_by = HashMap::new();
        for (i, op) in ops.iter().enumerate() {
            if op.method == http::Method::POST {
                if let Some(b) = &op.bulk_id {
                    defined_by.entry(b.clone()).or_insert(i);
                }
            }
        }
        let refs: Vec<Vec<String>> = ops
            .iter()
            .map(|op| {
                let mut r = Vec::new();
                collect_refs_in_str(&op.path, &mut r);
                if let Some(d) = &op.data {
                    collect_refs(d, &mut r);
                }
                r
            })
            .collect();
        // reach[k]: the furthest operation that an operation at or before k references forward.
        let mut cut_ok = vec![true; n];
        let mut reach = 0usize;
        for k in 0..n {
            for r in &refs[k] {
                if let Some(&j) = defined_by.get(r) {
                    reach = reach.max(j);
                }
            }
            cut_ok[k] = reach <= k;
        }
        BulkPlan {
            limits,
            ops,
            cut_ok,
            refs,
            defined_by,
            created: HashMap::new(),
            next: 0,
            in_flight: None,
            results: vec![None; n],
            errors: 0,
            stopped: false,
        }
    }

    /// The next request to send, or `None` when the job is done (every operation answered, or
    /// the `failOnErrors` budget spent). Returns the same request again until its response is
    /// handled.
    pub fn next_request(&mut self) -> Option<BulkRequest> {
        if let Some((req, _)) = &self.in_flight {
            return Some(req.clone());
        }
        // Each pass plans at least one operation, so this ends.
        while !self.stopped && self.next < self.ops.len() {
            if let Some(built) = self.build() {
                let req = built.0.clone();
                self.in_flight = Some(built);
                return Some(req);
            }
        }
        None
    }

    /// `next_request` as an `http::Request` for `POST /Bulk` (RFC 7644 §3.7) built by `client`.
    pub fn next_http_request(
        &mut self,
        client: &Client,
    ) -> Option<Result<http::Request<Vec<u8>>, ScimError>> {
        self.next_request().map(|r| client.bulk(&r))
    }

    fn budget(&self) -> Option<u64> {
        self.limits
            .fail_on_errors
            .map(|f| f.saturating_sub(self.errors))
    }

    fn json_len<T: serde::Serialize>(v: &T) -> usize {
        serde_json::to_vec(v).map_or(usize::MAX, |b| b.len())
    }

    /// `op` with references to resources created by earlier requests replaced.
    fn substituted(&self, i: usize) -> BulkOperation {
        let mut op = self.ops[i].clone();
        if self.refs[i].is_empty() {
            return op;
        }
        let ids: HashMap<&str, &str> = self
            .created
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Some(p) = replace_refs_in_str(&op.path, &ids) {
            op.path = p;
        }
        if let Some(d) = op.data.as_mut() {
            replace_refs(d, &ids);
        }
        op
    }

    /// Plans the next run of operations: a request, or `None` when every operation of the run
    /// was answered locally.
    fn build(&mut self) -> Option<(BulkRequest, Vec<usize>)> {
        let n = self.ops.len();
        let start = self.next;
        let base = Self::json_len(&BulkRequest {
            fail_on_errors: self.budget(),
            operations: Vec::new(),
        });
        let mut chunk: Vec<(usize, BulkOperation)> = Vec::new();
        let mut local: Vec<(usize, ScimError)> = Vec::new();
        let mut size = base;
        let mut k = start;
        while k < n {
            let op = self.substituted(k);
            let s = Self::json_len(&op);
            if base.saturating_add(s) > self.limits.max_payload_size {
                local.push((k, too_large(self.limits.max_payload_size)));
                k += 1;
                continue;
            }
            let comma = usize::from(!chunk.is_empty());
            if chunk.len() == self.limits.max_operations
                || size.saturating_add(s + comma) > self.limits.max_payload_size
            {
                break;
            }
            size += s + comma;
            chunk.push((k, op));
            k += 1;
        }
        let mut end = k;
        if end < n && end > start && !self.cut_ok[end - 1] {
            // Back off to the last place that splits no forward reference, if the run has one.
            if let Some(c) = (start..end - 1).rev().find(|&c| self.cut_ok[c]) {
                end = c + 1;
                chunk.retain(|(i, _)| *i < end);
                local.retain(|(i, _)| *i < end);
            }
        }
        // With failOnErrors, errors must be counted in request order: a request ends before the
        // first operation answered locally that follows a sent one, and is planned again (each
        // round drops at least one operation, so this ends).
        loop {
            let (gone, dropped) = self.unresolvable(&chunk, start..end);
            if self.limits.fail_on_errors.is_some() {
                let first_sent = chunk
                    .iter()
                    .zip(&gone)
                    .find(|(_, g)| !**g)
                    .map(|((i, _), _)| *i);
                let first_local_after = first_sent.and_then(|s0| {
                    local
                        .iter()
                        .map(|(i, _)| *i)
                        .chain(dropped.iter().map(|(i, _)| *i))
                        .filter(|&i| i > s0)
                        .min()
                });
                if let Some(l) = first_local_after {
                    end = l;
                    chunk.retain(|(i, _)| *i < l);
                    local.retain(|(i, _)| *i < l);
                    continue;
                }
            }
            let mut gone = gone.into_iter();
            chunk.retain(|_| !gone.next().unwrap_or(false));
            local.extend(dropped);
            break;
        }
        self.next = end;
        local.sort_by_key(|(i, _)| *i);
        // Local errors count against failOnErrors in request order; past the budget nothing
        // more is sent.
        for (i, e) in local {
            if self.stopped {
                break;
            }
            self.results[i] = Some(local_result(&self.ops[i], &e));
            self.errors += 1;
            if self.budget() == Some(0) {
                self.stopped = true;
                chunk.retain(|(j, _)| *j < i);
            }
        }
        if chunk.is_empty() {
            return None;
        }
        let (indices, operations): (Vec<usize>, Vec<BulkOperation>) = chunk.into_iter().unzip();
        Some((
            BulkRequest {
                fail_on_errors: self.budget(),
                operations,
            },
            indices,
        ))
    }

    /// The operations of `chunk` (positions) whose references cannot be resolved, each with
    /// its error.
    fn unresolvable(
        &self,
        chunk: &[(usize, BulkOperation)],
        run: std::ops::Range<usize>,
    ) -> (Vec<bool>, Vec<(usize, ScimError)>) {
        // Every reference must name a resource already created or a POST of this request. Drop
        // what cannot be resolved, and then what referenced a dropped POST: a worklist, linear
        // in the number of references.
        let mut dropped: Vec<(usize, ScimError)> = Vec::new();
        let mut here: HashMap<String, usize> = HashMap::new(); // bulkId -> position in chunk
        let mut referrers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (pos, (i, op)) in chunk.iter().enumerate() {
            if let Some(b) = &op.bulk_id {
                if self.defined_by.get(b) == Some(i) {
                    here.insert(b.clone(), pos);
                }
            }
            for r in &self.refs[*i] {
                referrers.entry(r.as_str()).or_default().push(pos);
            }
        }
        let mut gone = vec![false; chunk.len()];
        let mut work: Vec<usize> = (0..chunk.len()).collect();
        while let Some(pos) = work.pop() {
            if gone[pos] {
                continue;
            }
            let i = chunk[pos].0;
            let bad = self.refs[i]
                .iter()
                .find(|r| !self.created.contains_key(*r) && !here.contains_key(*r));
            let Some(r) = bad else { continue };
            gone[pos] = true;
            dropped.push((i, self.why_unresolved(r, i, run.clone())));
            if let Some(b) = self.ops[i].bulk_id.as_deref() {
                if here.get(b) == Some(&pos) {
                    here.remove(b);
                    work.extend(referrers.get(b).into_iter().flatten().copied());
                }
            }
        }
        (gone, dropped)
    }

    fn why_unresolved(&self, bulk_id: &str, at: usize, run: std::ops::Range<usize>) -> ScimError {
        let why = match self.defined_by.get(bulk_id) {
            None => "no operation has this bulkId",
            Some(j) if run.contains(j) => "the operation that creates it could not be sent",
            Some(&j) if j < at && self.results[j].as_ref().is_some_and(|r| !r.status.is_success()) => {
                "the operation that creates it failed"
            }
            Some(&j) if j < at => "the operation that creates it was not processed",
            Some(_) => "the operation that creates it comes after more operations than one bulk request can hold",
        };
        // RFC 7644 §3.7.2: 409 with invalidValue for a bulkId that cannot be resolved.
        ScimError::conflict(format!(
            "`bulkId:{}` cannot be resolved: {why}",
            short(bulk_id)
        ))
        .with_scim_type(ScimType::InvalidValue)
    }

    /// Reads the response to the request [`next_request`](BulkPlan::next_request) returned:
    /// records each operation's result and the ids of created resources, and counts errors.
    /// Results are matched to operations by `bulkId` where the response has one, else by
    /// position. Operations the response does not mention (the provider stopped on
    /// `failOnErrors`) have no result. Does nothing when no request is in flight.
    pub fn handle_response(&mut self, resp: &BulkResponse) {
        let Some((_, indices)) = self.in_flight.take() else {
            return;
        };
        let mut matched = vec![false; indices.len()];
        let mut cursor = 0;
        for r in &resp.operations {
            let by_id = r.bulk_id.as_deref().and_then(|b| {
                indices.iter().enumerate().position(|(slot, &i)| {
                    !matched[slot] && self.ops[i].bulk_id.as_deref() == Some(b)
                })
            });
            let slot = by_id.or_else(|| {
                while cursor < indices.len() && matched[cursor] {
                    cursor += 1;
                }
                (cursor < indices.len()).then_some(cursor)
            });
            let Some(slot) = slot else { break };
            matched[slot] = true;
            let i = indices[slot];
            if r.status.is_success() {
                if self.ops[i].method == http::Method::POST {
                    if let (Some(b), Some(id)) = (
                        self.ops[i].bulk_id.clone(),
                        created_id(None, r.location.as_deref(), r.response.as_ref()),
                    ) {
                        if self.defined_by.get(&b) == Some(&i) {
                            self.created.insert(b, id);
                        }
                    }
                }
            } else {
                self.errors += 1;
            }
            self.results[i] = Some(r.clone());
        }
        if self.budget() == Some(0) {
            self.stopped = true;
        }
    }

    /// [`handle_response`](BulkPlan::handle_response) for the HTTP response: a non-2xx status
    /// or a body that is not a BulkResponse is an error, and the request stays in flight (to
    /// be retried or abandoned).
    pub fn handle_http_response(
        &mut self,
        resp: &http::Response<Vec<u8>>,
    ) -> Result<(), ScimError> {
        let parsed = Client::parse_bulk(resp)?;
        self.handle_response(&parsed);
        Ok(())
    }

    /// Whether no request remains.
    pub fn is_done(&self) -> bool {
        self.in_flight.is_none() && (self.stopped || self.next >= self.ops.len())
    }

    /// The operations not yet sent or answered locally.
    pub fn remaining(&self) -> usize {
        self.ops.len() - self.next
    }

    /// Errors so far, local and remote.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// The id of the resource created under `bulk_id`, once its response has been handled.
    pub fn created_id(&self, bulk_id: &str) -> Option<&str> {
        self.created.get(bulk_id).map(String::as_str)
    }

    /// Each operation's result so far, by the operation's index in the plan: `None` for an
    /// operation not yet sent, or never processed.
    pub fn results(&self) -> &[Option<BulkOperationResponse>] {
        &self.results
    }

    /// The job's results as one BulkResponse: one entry per processed operation, in the order
    /// of the operations.
    pub fn into_response(self) -> BulkResponse {
        BulkResponse {
            operations: self.results.into_iter().flatten().collect(),
        }
    }
}

fn too_large(limit: usize) -> ScimError {
    ScimError::payload_too_large(format!(
        "The operation alone exceeds the maxPayloadSize ({limit}) of a bulk request."
    ))
}

fn local_result(op: &BulkOperation, e: &ScimError) -> BulkOperationResponse {
    BulkOperationResponse {
        location: None,
        method: op.method.clone(),
        bulk_id: op.bulk_id.clone(),
        version: None,
        status: if e.status() == StatusCode::OK {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            e.status()
        },
        response: Some(e.to_json()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn post(bulk_id: &str, data: Value) -> BulkOperation {
        BulkOperation::new(Method::POST, "/Users")
            .bulk_id(bulk_id)
            .data(data)
    }

    /// A service provider: creates POSTs as `id-<bulkId>`, fails operations whose data has
    /// `"fail": true`, stops at failOnErrors, and refuses any request over the limits or with a
    /// reference to a bulkId it does not define.
    fn serve(req: &BulkRequest, limits: &BulkChunker) -> BulkResponse {
        assert!(req.operations.len() <= limits.operation_limit());
        let body = serde_json::to_vec(req).unwrap();
        assert!(
            body.len() <= limits.payload_limit(),
            "{} > {}",
            body.len(),
            limits.payload_limit()
        );
        let here: Vec<&str> = req
            .operations
            .iter()
            .filter_map(|o| o.bulk_id.as_deref())
            .collect();
        let mut out = Vec::new();
        let mut errors = 0;
        let mut failed: Vec<&str> = Vec::new();
        for op in &req.operations {
            let mut refs = Vec::new();
            collect_refs_in_str(&op.path, &mut refs);
            if let Some(d) = &op.data {
                collect_refs(d, &mut refs);
            }
            for r in &refs {
                assert!(here.contains(&r.as_str()), "unresolvable {r} sent");
            }
            let unresolved = refs.iter().any(|r| failed.contains(&r.as_str()));
            let fail = op.data.as_ref().is_some_and(|d| d["fail"] == true) || unresolved;
            if fail {
                failed.extend(op.bulk_id.as_deref());
            }
            let status = if unresolved {
                "409"
            } else if fail {
                "400"
            } else if op.method == Method::POST {
                "201"
            } else {
                "200"
            };
            out.push(json!({
                "method": op.method.as_str(), "bulkId": op.bulk_id, "status": status,
                "location": op.bulk_id.as_ref().map(|b| format!("https://sp/v2/Users/id-{b}")),
            }));
            if fail {
                errors += 1;
                if req.fail_on_errors.is_some_and(|f| errors >= f) {
                    break;
                }
            }
        }
        serde_json::from_value(json!({ "Operations": out })).unwrap()
    }

    fn drive(chunker: BulkChunker, ops: Vec<BulkOperation>) -> (BulkPlan, Vec<Vec<BulkOperation>>) {
        let mut plan = chunker.plan(ops);
        let mut sent = Vec::new();
        while let Some(req) = plan.next_request() {
            assert_eq!(
                plan.next_request().as_ref(),
                Some(&req),
                "repeats until handled"
            );
            let resp = serve(&req, &chunker);
            sent.push(req.operations.clone());
            plan.handle_response(&resp);
            assert!(sent.len() <= 10_000);
        }
        assert!(plan.is_done());
        (plan, sent)
    }

    #[test]
    fn forward_reference_and_cycle_stay_in_one_request() {
        let ops = vec![
            post("a", json!({"userName": "a"})),
            // A group created before its member, and a pair that reference each other.
            BulkOperation::new(Method::POST, "/Groups")
                .bulk_id("g")
                .data(json!({"members": [{"value": "bulkId:u"}]})),
            post("u", json!({"userName": "u", "x": "bulkId:g"})),
            post("b", json!({"userName": "b"})),
        ];
        let (plan, sent) = drive(BulkChunker::new(2, 1 << 20), ops);
        let sizes: Vec<usize> = sent.iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, 2, 1]);
        assert_eq!(plan.created_id("u"), Some("id-u"));
        assert_eq!(plan.into_response().operations.len(), 4);
    }

    #[test]
    fn unresolvable_references_fail_locally() {
        let ops = vec![
            post("bad", json!({"fail": true})),
            post("x", json!({"manager": {"value": "bulkId:bad"}})),
            post("y", json!({"m": "bulkId:nowhere"})),
            // Forward reference over more than a request holds.
            post("f", json!({"m": "bulkId:z"})),
            post("p", json!({})),
            post("z", json!({})),
            BulkOperation::new(Method::DELETE, "/Users/bulkId:x"),
        ];
        let (plan, _) = drive(BulkChunker::new(2, 1 << 20), ops);
        let codes: Vec<Option<u16>> = plan
            .results()
            .iter()
            .map(|r| r.as_ref().map(|r| r.status.as_u16()))
            .collect();
        assert_eq!(
            codes,
            [
                Some(400),
                Some(409),
                Some(409),
                Some(409),
                Some(201),
                Some(201),
                Some(409)
            ]
        );
        let detail = plan.results()[3]
            .as_ref()
            .unwrap()
            .response
            .as_ref()
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            detail.contains("more operations than one bulk request"),
            "{detail}"
        );
        assert_eq!(plan.errors(), 5);
    }

    #[test]
    fn oversized_operation_is_413_and_payload_limit_holds() {
        let big = "x".repeat(500);
        let ops = vec![
            post("a", json!({"v": big})),
            post("b", json!({"v": "small"})),
            post("c", json!({"v": "small"})),
        ];
        let (plan, sent) = drive(BulkChunker::new(10, 300), ops);
        assert_eq!(plan.results()[0].as_ref().unwrap().status, 413);
        assert_eq!(sent.iter().map(Vec::len).sum::<usize>(), 2);
    }

    #[test]
    fn fail_on_errors_spans_requests() {
        let ops: Vec<BulkOperation> = (0..6)
            .map(|i| post(&format!("u{i}"), json!({"fail": i % 2 == 1})))
            .collect();
        let chunker = BulkChunker::new(2, 1 << 20).fail_on_errors(Some(2));
        let mut plan = chunker.plan(ops);
        let first = plan.next_request().unwrap();
        assert_eq!(first.fail_on_errors, Some(2));
        plan.handle_response(&serve(&first, &chunker));
        let second = plan.next_request().unwrap();
        assert_eq!(second.fail_on_errors, Some(1));
        plan.handle_response(&serve(&second, &chunker));
        assert!(plan.next_request().is_none());
        assert_eq!(plan.errors(), 2);
        assert_eq!(plan.into_response().operations.len(), 4);
    }

    #[test]
    fn from_config_reads_limits() {
        let c = BulkChunker::from_config(&BulkConfig {
            supported: true,
            max_operations: 5,
            max_payload_size: 0,
        })
        .unwrap();
        assert_eq!((c.operation_limit(), c.payload_limit()), (5, 1_048_576));
        let e = BulkChunker::from_config(&BulkConfig::default()).unwrap_err();
        assert_eq!(e.status(), 501);
    }

    fn arb_ops() -> impl Strategy<Value = Vec<BulkOperation>> {
        // Each operation: POST with bulkId `b<i>`, optional references to other operations
        // (backward or forward), optional failure, some padding.
        prop::collection::vec(
            (prop::collection::vec(0usize..40, 0..3), any::<bool>(), 0usize..80, 0u8..4),
            0..40,
        )
        .prop_map(|spec| {
            let n = spec.len();
            spec.into_iter()
                .enumerate()
                .map(|(i, (refs, fail, pad, kind))| {
                    let members: Vec<Value> = refs
                        .iter()
                        .filter(|_| n > 0)
                        .map(|r| json!({"value": format!("bulkId:b{}", r % (n + 2))}))
                        .collect();
                    let data = json!({"i": i, "members": members, "fail": fail && i % 3 == 0, "pad": "p".repeat(pad)});
                    if kind == 0 && i > 0 {
                        BulkOperation::new(Method::PATCH, format!("/Groups/bulkId:b{}", i - 1)).data(data)
                    } else {
                        post(&format!("b{i}"), data)
                    }
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn chunking_properties(ops in arb_ops(), max_ops in 1usize..8, payload in 150usize..2000, foe in prop::option::of(1u64..4)) {
            let chunker = BulkChunker::new(max_ops, payload).fail_on_errors(foe);
            let n = ops.len();
            let original = ops.clone();
            // `serve` checks the limits and that every reference is resolvable in its request.
            let (plan, sent) = drive(chunker, ops);
            // Every operation is sent at most once, in order; each sent one has its result.
            let mut last = None;
            let mut seen = vec![0u32; n];
            for chunk in &sent {
                for op in chunk {
                    let i = usize::try_from(op.data.as_ref().unwrap()["i"].as_u64().unwrap()).unwrap();
                    prop_assert_eq!(&original[i].method, &op.method);
                    prop_assert!(last < Some(i), "order");
                    last = Some(i);
                    seen[i] += 1;
                }
            }
            let answered = plan.results().iter().filter(|r| r.is_some()).count();
            prop_assert!(seen.iter().all(|&s| s <= 1));
            match foe {
                // Without failOnErrors every operation is answered exactly once.
                None => prop_assert_eq!(answered, n),
                Some(f) => prop_assert!(plan.errors() <= f),
            }
        }
    }
}
