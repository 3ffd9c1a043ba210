//! Fuzz target bodies: one plain function per target, taking the
//! fuzzer's bytes.
//!
//! `fuzz/fuzz_targets/<name>.rs` calls `benches::fuzz::<name>` under libFuzzer, and
//! `tests/fuzz_corpus.rs` replays every file of `fuzz/corpus/<name>/` (and pseudo-random bytes)
//! through the same function in `cargo test`, so CI exercises the targets without libFuzzer.
//! An `assert!` here is what the fuzzer catches; returning early is "not interesting input".
//!
//! Input layouts:
//! - `filter_parse`, `path_parse`, `query`: the bytes as text (invalid UTF-8 replaced by U+FFFD).
//! - `filter_eval`: filter text up to the first `\n`, then one JSON resource.
//! - `patch_apply`: two JSON values back to back, the resource and the PatchOp message.
//! - `messages`, `bulk`: the bytes as one message body.

use std::sync::OnceLock;

use scimkit::filter::{AttrPath, CompValue, Filter, Limits, Options, Path};
use scimkit::patch::{self, Interop, PatchOperation, PatchRequest, Patcher, Validation};
use scimkit::protocol::{
    BulkOutcome, BulkProcessor, BulkRequest, BulkResponse, CursorCodec, ETag, ListResponse, Query,
    QueryOptions, ResolvedOperation, Router, ScimError, SearchRequest,
};
use scimkit::schema::{
    validate::{Context, Validator},
    EnterpriseUser, Group, ResourceSchema, ResourceType, Schema, SchemaRegistry,
    ServiceProviderConfig, User, ENTERPRISE_USER_SCHEMA,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The names of the targets, as `fuzz/fuzz_targets/<name>.rs` and `fuzz/corpus/<name>/`.
pub const TARGETS: &[&str] = &[
    "filter_parse",
    "path_parse",
    "filter_eval",
    "patch_apply",
    "messages",
    "query",
    "bulk",
];

/// Runs the target called `name` on `data`; `false` when there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "filter_parse" => filter_parse(data),
        "path_parse" => path_parse(data),
        "filter_eval" => filter_eval(data),
        "patch_apply" => patch_apply(data),
        "messages" => messages(data),
        "query" => query(data),
        "bulk" => bulk(data),
        _ => return false,
    }
    true
}

fn user_schema() -> &'static ResourceSchema {
    static S: OnceLock<ResourceSchema> = OnceLock::new();
    S.get_or_init(ResourceSchema::user)
}

fn group_schema() -> &'static ResourceSchema {
    static S: OnceLock<ResourceSchema> = OnceLock::new();
    S.get_or_init(ResourceSchema::group)
}

fn router() -> &'static Router {
    static R: OnceLock<Router> = OnceLock::new();
    R.get_or_init(|| Router::new("/scim/v2", SchemaRegistry::rfc()))
}

/// Options for re-parsing printed text: printing may lengthen it (escapes), never deepen it.
fn roomy() -> Options {
    Options::new().limits(Limits::new().max_len(1 << 20))
}

fn lenient() -> Options {
    Options::new().interop(Interop::idp_compatible())
}

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

// ---- filter_parse ---------------------------------------------------------------------------

/// Arbitrary text as a filter, strict and lenient: no panic; whatever parses prints as text that
/// parses back to an equal filter and prints identically the second time.
pub fn filter_parse(data: &[u8]) {
    let text = text(data);
    for options in [Options::new(), lenient()] {
        if let Ok(f) = Filter::parse_with(&text, &options) {
            assert_filter_round_trip(&f);
        }
    }
}

fn assert_filter_round_trip(f: &Filter) {
    let printed = f.to_string();
    let back = Filter::parse_with(&printed, &roomy())
        .unwrap_or_else(|e| panic!("printed filter does not parse: {printed:?}: {e}"));
    assert_eq!(&back, f, "re-parsed filter differs; printed {printed:?}");
    assert_eq!(back.to_string(), printed, "second print differs");
}

// ---- path_parse -----------------------------------------------------------------------------

/// Arbitrary text as a PATCH path, an attribute path and an attribute list: no panic, and what
/// parses prints back to an equal value.
pub fn path_parse(data: &[u8]) {
    let text = text(data);
    for options in [Options::new(), lenient()] {
        if let Ok(p) = Path::parse_with(&text, &options) {
            let printed = p.to_string();
            let back = Path::parse_with(&printed, &roomy())
                .unwrap_or_else(|e| panic!("printed path does not parse: {printed:?}: {e}"));
            assert_eq!(back, p, "re-parsed path differs; printed {printed:?}");
            assert_eq!(back.to_string(), printed);
            let _ = (p.attr(), p.filter(), p.sub_attr());
        }
        if let Ok(a) = AttrPath::parse_with(&text, &options) {
            let printed = a.to_string();
            let back = AttrPath::parse_with(&printed, &roomy())
                .unwrap_or_else(|e| panic!("printed attrPath does not parse: {printed:?}: {e}"));
            assert_eq!(back, a);
            assert!(a.is(&printed), "{a:?} is not its own text {printed:?}");
        }
        if let Ok(list) = AttrPath::parse_list_with(&text, &options) {
            let printed = list
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",");
            if !list.is_empty() {
                let back = AttrPath::parse_list_with(&printed, &roomy()).unwrap_or_else(|e| {
                    panic!("printed attribute list does not parse: {printed:?}: {e}")
                });
                assert_eq!(back, list);
            }
        }
    }
}

// ---- filter_eval ----------------------------------------------------------------------------

/// Attribute paths of the User schema whose definitions keep the RFC defaults (caseExact false,
/// no dateTime): compiled and schema-less evaluation agree on them (the filter crate's
/// `compiled_agrees_with_schema_less` property).
const AGREEING: &[&str] = &[
    "userName",
    "displayName",
    "title",
    "nickName",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "active",
    "department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
];

/// Filter text up to the first `\n`, then a JSON resource (a fixed user when it is not JSON):
/// evaluation schema-less and compiled against the User and Group schemas never panics, and
/// where the proptest says they agree, they agree.
pub fn filter_eval(data: &[u8]) {
    let (filter_bytes, resource_bytes) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let text = text(filter_bytes);
    let resources: Vec<Value> = match serde_json::from_slice::<Value>(resource_bytes) {
        Ok(v) => vec![v],
        Err(_) => vec![
            json!({"userName": "bjensen", "emails": [{"value": "b@example.com", "type": "work"}],
                   "meta": {"lastModified": "2011-05-13T04:42:34Z"}}),
            json!([1, "x", null]),
        ],
    };
    for options in [Options::new(), lenient()] {
        let Ok(f) = Filter::parse_with(&text, &options) else {
            continue;
        };
        let compiled = [user_schema(), group_schema()]
            .map(|s| f.compile_with(s, &options).ok())
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        for r in &resources {
            let schema_less = f.matches(r);
            for c in &compiled {
                let _ = c.matches(r);
            }
            if options == Options::new() && agreeing_filter(&f) && agreeing_resource(r) {
                if let Ok(c) = f.compile(user_schema()) {
                    assert_eq!(
                        c.matches(r),
                        schema_less,
                        "compiled and schema-less disagree: {f} on {r}"
                    );
                }
            }
        }
    }
}

/// A filter built only from what `agreeing_leaf` in the filter crate's proptest generates:
/// comparisons and `pr` on [`AGREEING`] paths, value filters on `emails` over `value`, `type`,
/// `primary`, with null, boolean, integer or letters-only string literals.
fn agreeing_filter(f: &Filter) -> bool {
    let literal = |v: &CompValue| match v {
        CompValue::Null | CompValue::Bool(_) | CompValue::Int(_) => true,
        CompValue::String(s) => s.chars().all(|c| c.is_ascii_alphabetic()),
        CompValue::Decimal(_) => false,
    };
    let agreeing_attr = |a: &AttrPath| AGREEING.iter().any(|p| a.is(p));
    match f {
        Filter::Compare { attr, value, .. } => agreeing_attr(attr) && literal(value),
        Filter::Present { attr } => agreeing_attr(attr),
        Filter::ValuePath { attr, filter } => {
            attr.is("emails")
                && match &**filter {
                    Filter::Compare { attr, value, .. } => {
                        ["value", "type", "primary"].iter().any(|s| attr.is(s)) && literal(value)
                    }
                    _ => false,
                }
        }
        Filter::Not(f) => agreeing_filter(f),
        Filter::And(fs) | Filter::Or(fs) => fs.iter().all(agreeing_filter),
    }
}

/// A resource shaped like the proptest's `user()`: only [`AGREEING`] attributes, each once (in
/// any case), with null, boolean, integer or letters-only string values.
fn agreeing_resource(r: &Value) -> bool {
    fn small(v: &Value) -> bool {
        match v {
            Value::Null | Value::Bool(_) => true,
            Value::Number(n) => n.is_i64(),
            Value::String(s) => s.chars().all(|c| c.is_ascii_alphabetic()),
            _ => false,
        }
    }
    fn fields(o: &Map<String, Value>, allowed: &[&str], ok: impl Fn(&str, &Value) -> bool) -> bool {
        let mut seen = Vec::new();
        o.iter().all(|(k, v)| {
            let Some(name) = allowed.iter().find(|a| a.eq_ignore_ascii_case(k)) else {
                return false;
            };
            if seen.contains(name) {
                return false;
            }
            seen.push(name);
            ok(name, v)
        })
    }
    let Value::Object(o) = r else { return false };
    fields(
        o,
        &[
            "userName",
            "displayName",
            "title",
            "nickName",
            "name",
            "emails",
            "active",
            ENTERPRISE_USER_SCHEMA,
        ],
        |name, v| match (name, v) {
            ("name", Value::Object(n)) => fields(n, &["givenName", "familyName"], |_, v| small(v)),
            ("emails", Value::Array(es)) => es.iter().all(|e| {
                matches!(e, Value::Object(e) if fields(e, &["value", "type", "primary"], |k, v| {
                    if k == "primary" { v.is_boolean() } else { small(v) }
                }))
            }),
            ("active", v) => v.is_boolean(),
            (ENTERPRISE_USER_SCHEMA, Value::Object(e)) => {
                fields(e, &["department"], |_, v| small(v))
            }
            ("name" | "emails" | ENTERPRISE_USER_SCHEMA, _) => false,
            (_, v) => small(v),
        },
    )
}

// ---- patch_apply ----------------------------------------------------------------------------

/// A resource (one JSON value) then a PatchOp message: applied schema-less and against the
/// User and Group schemas, strict and IdP-compatible. On error the resource is byte for byte as
/// it was; on success a schema-aware result validates, and `diff` of before and after applies
/// back to the result.
pub fn patch_apply(data: &[u8]) {
    let mut stream = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    let (resource, body) = match stream.next() {
        Some(Ok(v)) => (v, &data[stream.byte_offset()..]),
        _ => (
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "2819c223",
                   "userName": "bjensen", "active": true,
                   "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]}),
            data,
        ),
    };
    let mut requests = Vec::new();
    for interop in [Interop::strict(), Interop::idp_compatible()] {
        if let Ok(req) = PatchRequest::from_slice_with(body, &interop) {
            requests.push(req);
        }
    }
    let Ok(req) = PatchRequest::from_slice(body) else {
        return;
    };
    assert_message_round_trip(&req);
    let before = serde_json::to_vec(&resource).expect("a Value serializes");
    for interop in [Interop::strict(), Interop::idp_compatible()] {
        apply_and_check(
            Patcher::schemaless().interop(interop),
            None,
            interop,
            &resource,
            &before,
            &req.operations,
        );
        for schema in [user_schema(), group_schema()] {
            apply_and_check(
                Patcher::new(schema).interop(interop),
                Some(schema),
                interop,
                &resource,
                &before,
                &req.operations,
            );
        }
    }
}

fn assert_message_round_trip(req: &PatchRequest) {
    // Serializing drops an unknown top-level member (docs/idp-compatibility.md) but keeps the operations.
    let bytes = serde_json::to_vec(req).expect("a PatchRequest serializes");
    let back = PatchRequest::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("serialized PatchRequest does not parse: {e}"));
    // Writing canonicalizes (`"Add"` becomes `"add"`), so compare what the operations mean, and
    // require the written form to be a fixed point.
    let meaning = |r: &PatchRequest| {
        r.operations
            .iter()
            .map(|o| (o.op(), o.path().map(str::to_owned), o.value().cloned()))
            .collect::<Vec<_>>()
    };
    if !has_float(&serde_json::from_slice(&bytes).expect("just written")) {
        assert_eq!(meaning(&back), meaning(req));
        let again = serde_json::to_vec(&back).expect("a PatchRequest serializes");
        assert_eq!(
            again, bytes,
            "PatchRequest serialization is not a fixed point"
        );
    }
}

/// Whether `original` is a resource `v` stored: valid, and left as it is by validation (the
/// only kind `Validator::validate_changes` speaks for).
fn is_stored(v: Validator<'_>, original: &Value) -> bool {
    let mut stored = original.clone();
    v.validate(&mut stored, Context::Patched { original })
        .is_ok()
        && serde_json::to_vec(&stored).ok() == serde_json::to_vec(original).ok()
}

/// On a stored resource, `Validation::Changes` gives the whole-resource validation's verdict:
/// the same `Ok` with the same result, or the same error.
fn assert_changes_validate_as_whole(
    v: Validator<'_>,
    patcher: Patcher<'_>,
    original: &Value,
    ops: &[PatchOperation],
) {
    let mut patched = original.clone();
    let Ok(changes) = patcher
        .validator(v)
        .validation(Validation::Off)
        .apply_changes(&mut patched, ops)
    else {
        return;
    };
    let mut whole = patched.clone();
    let full = v.validate(&mut whole, Context::Patched { original });
    let mut part = patched.clone();
    let touched = v.validate_changes(&mut part, original, &changes);
    assert_eq!(
        touched, full,
        "validate_changes and validate disagree on {patched}"
    );
    if full.is_ok() {
        assert_eq!(
            serde_json::to_vec(&part).ok(),
            serde_json::to_vec(&whole).ok(),
            "validate_changes and validate rewrite differently"
        );
    }
}

fn apply_and_check(
    patcher: Patcher<'_>,
    schema: Option<&ResourceSchema>,
    interop: Interop,
    original: &Value,
    before: &[u8],
    ops: &[PatchOperation],
) {
    let mut r = original.clone();
    match patcher.apply(&mut r, ops) {
        Err(e) => {
            let after = serde_json::to_vec(&r).expect("a Value serializes");
            assert!(
                after == before,
                "failed PATCH ({e}) changed the resource:\n before {}\n after  {}",
                String::from_utf8_lossy(before),
                String::from_utf8_lossy(&after),
            );
        }
        Ok(false) => assert_eq!(&r, original, "PATCH said unchanged but changed"),
        Ok(true) => {
            if let Some(schema) = schema {
                let v = Validator::new(schema).coerce_strings(interop.string_scalars);
                // The patcher validates what the operations touched, taking the original as
                // valid; from a valid original, the result is valid as a whole.
                if is_stored(v, original) {
                    let mut again = r.clone();
                    if let Err(e) = v.validate(&mut again, Context::Patched { original }) {
                        panic!("patched resource does not validate: {e}\n original {original}\n patched  {r}");
                    }
                    assert_changes_validate_as_whole(v, patcher, original, ops);
                }
            }
            // diff(old, new) applied to old gives new (scimkit_patch::diff's contract). Only for
            // schema-less patchers: with a schema the validator also rewrites readOnly names to
            // canonical case (`meta.Created` -> `meta.created`), which no PATCH may do.
            if schema.is_some() {
                return;
            }
            // Nor for a resource that names one attribute twice in different cases: a PATCH path
            // names both, so no operation can address one spelling alone (diff's documented
            // limit; found by this target: `{"emaiLs": [...], "emails": "en-US"}`).
            if has_case_duplicates(original) || has_case_duplicates(&r) {
                return;
            }
            let ops = patch::diff(original, &r);
            let mut redo = original.clone();
            if let Err(e) = patch::apply(&mut redo, &ops) {
                panic!(
                    "diff's operations do not apply ({e}): {}",
                    serde_json::to_string(&ops).unwrap_or_default()
                );
            }
            if !has_float(&r) {
                // Names are case-insensitive: `mEmbers` and `members` are
                // the same attribute, and which spelling survives is not part of the contract.
                assert_eq!(
                    fold_keys(&redo),
                    fold_keys(&r),
                    "diff does not reproduce the PATCH result"
                );
            }
        }
    }
}

/// Whether an object anywhere in `v` has two keys that are equal in any case.
fn has_case_duplicates(v: &Value) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => {
                let mut keys: Vec<String> = o.keys().map(|k| k.to_lowercase()).collect();
                keys.sort_unstable();
                if keys.windows(2).any(|w| w[0] == w[1]) {
                    return true;
                }
                stack.extend(o.values());
            }
            _ => {}
        }
    }
    false
}

/// `v` with every object key in lower case (serde_json nests at most 128 levels deep).
fn fold_keys(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(fold_keys).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.to_lowercase(), fold_keys(v)))
                .collect(),
        ),
        v => v.clone(),
    }
}

/// Whether `v` holds a number that is not an integer: serde_json without `float_roundtrip`
/// may read such a number back one ulp off, so exact round-trip checks skip them.
fn has_float(v: &Value) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Number(n) if !(n.is_i64() || n.is_u64()) => return true,
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    false
}

// ---- messages -------------------------------------------------------------------------------

/// The bytes as every protocol message type: no panic, and a message that reads prints as JSON
/// that reads back to an equal message. Also the byte-level entry points: ETag lists, RFC 9865
/// cursors and `Router::classify` of the body on each body-carrying endpoint.
pub fn messages(data: &[u8]) {
    round_trip::<ScimError>(data);
    round_trip::<ListResponse>(data);
    round_trip::<ListResponse<User>>(data);
    round_trip::<SearchRequest>(data);
    round_trip::<BulkRequest>(data);
    round_trip::<BulkResponse>(data);
    round_trip::<User>(data);
    round_trip::<Group>(data);
    round_trip::<EnterpriseUser>(data);
    round_trip::<Schema>(data);
    round_trip::<ServiceProviderConfig>(data);
    round_trip::<ResourceType>(data);
    if let Ok(req) = PatchRequest::from_slice(data) {
        assert_message_round_trip(&req);
    }
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        let _ = ScimError::from_json(&v);
        let _ = ListResponse::<Value>::from_json(v.clone());
        for schema in [user_schema(), group_schema()] {
            for ctx in [
                Context::Create,
                Context::Response,
                Context::Patched { original: &v },
            ] {
                let mut r = v.clone();
                let _ = Validator::new(schema).validate(&mut r, ctx);
                let _ = Validator::new(schema)
                    .interop(Interop::idp_compatible())
                    .validate(&mut r, ctx);
            }
        }
    }
    if let Ok(req) = serde_json::from_slice::<SearchRequest>(data) {
        let _ = QueryOptions::new().from_search(&req);
    }
    let text = text(data);
    if let Ok(tag) = text.parse::<ETag>() {
        let _ = tag.to_header_value();
    }
    let codec = CursorCodec::new(b"a fuzzing key of at least 32 bytes!!").context(b"ctx");
    let _ = codec.decode(&text, std::time::SystemTime::UNIX_EPOCH);
    for (method, path) in [
        (http::Method::POST, "/scim/v2/Users"),
        (http::Method::PUT, "/scim/v2/Users/2819c223"),
        (http::Method::PATCH, "/scim/v2/Groups/e9e30dba"),
        (http::Method::POST, "/scim/v2/Bulk"),
        (http::Method::POST, "/scim/v2/.search"),
    ] {
        if let Ok(req) = http::Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/scim+json")
            .body(data)
        {
            let _ = router().classify(&req);
        }
    }
}

/// Reads `T` from `data`; when that works, writes it and reads it back to an equal value
/// (unless a decimal number is involved; see [`has_float`]).
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let Ok(first) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let json = serde_json::to_value(&first)
        .unwrap_or_else(|e| panic!("{} does not serialize: {e}", std::any::type_name::<T>()));
    let second: T = serde_json::from_value(json.clone()).unwrap_or_else(|e| {
        panic!(
            "serialized {} does not read back: {e}\n{json}",
            std::any::type_name::<T>()
        )
    });
    if !has_float(&json) {
        assert_eq!(
            second,
            first,
            "{} changes in a round trip via {json}",
            std::any::type_name::<T>()
        );
    }
}

// ---- query ----------------------------------------------------------------------------------

/// The bytes as a request's query string: no panic; a query that parses writes a query string
/// that parses to an equal query, and a SearchRequest that validates to an equal query.
pub fn query(data: &[u8]) {
    let text = text(data);
    let roomy = QueryOptions::new().filter_options(roomy());
    let lenient = QueryOptions::new().filter_options(lenient());
    for options in [QueryOptions::new(), lenient] {
        let Ok(q) = options.parse(&text) else {
            continue;
        };
        let written = q.to_query_string();
        let back = roomy
            .parse(&written)
            .unwrap_or_else(|e| panic!("written query {written:?} does not parse: {e:?}"));
        assert_eq!(back, q, "query changes in a round trip via {written:?}");
        assert_eq!(back.to_query_string(), written);
        let search = q.to_search_request();
        let from_search = roomy
            .from_search(&search)
            .unwrap_or_else(|e| panic!("{search:?} does not validate: {e:?}"));
        assert_eq!(
            from_search, q,
            "query changes in a round trip via {search:?}"
        );
    }
    if let Ok(uri) = format!("/scim/v2/Users?{text}").parse::<http::Uri>() {
        let _ = Query::from_uri(&uri);
        if let Ok(req) = http::Request::get(uri).body(Vec::<u8>::new()) {
            let _ = router().classify(&req);
        }
    }
}

// ---- bulk -----------------------------------------------------------------------------------

/// The bytes as a BulkRequest, processed with an executor that creates ids (and, in a second
/// run, fails every third operation): processing terminates, calls the executor at most twice
/// per operation (once, plus one follow-up PATCH for held-back circular references), and
/// reports at most one result per operation.
pub fn bulk(data: &[u8]) {
    let processors = [
        BulkProcessor::new(),
        BulkProcessor::new()
            .resolve_circular(false)
            .require_post_bulk_id(false)
            .base_url("https://example.com/scim/v2/"),
    ];
    let Ok(req) = processors[0].parse(data).or_else(|_| {
        serde_json::from_slice::<BulkRequest>(data)
            .map_err(|e| ScimError::invalid_syntax(e.to_string()))
    }) else {
        return;
    };
    let n = req.operations.len();
    for processor in &processors {
        for fail_every_third in [false, true] {
            let mut calls = 0usize;
            let mut executor = |op: &ResolvedOperation| -> Result<BulkOutcome, ScimError> {
                calls += 1;
                // A bound that stops a runaway loop so the assert below can report it.
                assert!(
                    calls <= 2 * n,
                    "executor called {calls} times for {n} operations"
                );
                if fail_every_third && op.index % 3 == 1 {
                    return Err(ScimError::conflict("fuzz: failing this one"));
                }
                let _ = (op.endpoint(), op.resource_id());
                if op.method == http::Method::PATCH {
                    let _ = op.patch_request();
                }
                if op.method == http::Method::POST && !op.deferred {
                    let id = format!("id{calls}");
                    let location = format!("https://example.com/scim/v2{}/{id}", op.path);
                    Ok(BulkOutcome::created(id, location))
                } else if op.method == http::Method::DELETE {
                    Ok(BulkOutcome::no_content(format!(
                        "https://example.com/scim/v2{}",
                        op.path
                    )))
                } else {
                    Ok(BulkOutcome::ok(format!(
                        "https://example.com/scim/v2{}",
                        op.path
                    )))
                }
            };
            let resp = processor.process(req.clone(), &mut executor);
            assert!(
                calls <= 2 * n,
                "executor called {calls} times for {n} operations"
            );
            assert!(
                resp.operations.len() <= n.max(1),
                "{} results for {n} operations",
                resp.operations.len()
            );
            let _ = resp.into_response();
        }
    }
}
