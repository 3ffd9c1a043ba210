//! Bulk orchestration (RFC 7644 §3.7): ordering, forward references, the RFC's circular
//! example, self-reference, unknown bulkIds, failOnErrors and limits.

use std::collections::HashMap;

use http::Method;
use scimkit_protocol::{
    BulkOperation, BulkOutcome, BulkProcessor, BulkRequest, ResolvedOperation, ScimError,
};
use serde_json::{json, Value};

/// An in-memory store: records every executed operation and applies PATCH `add`s naively.
#[derive(Default)]
struct Store {
    log: Vec<(Method, String, Option<Value>, bool)>,
    resources: HashMap<String, Value>,
    next: usize,
    fail_paths: Vec<String>,
}

impl Store {
    fn exec(&mut self, op: &ResolvedOperation) -> Result<BulkOutcome, ScimError> {
        self.log.push((
            op.method.clone(),
            op.path.clone(),
            op.data.clone(),
            op.deferred,
        ));
        if self.fail_paths.iter().any(|p| {
            op.path == *p
                || op
                    .data
                    .as_ref()
                    .and_then(|d| d.get("displayName"))
                    .and_then(Value::as_str)
                    == Some(p)
        }) {
            return Err(ScimError::uniqueness("already exists"));
        }
        match op.method.as_str() {
            "POST" => {
                self.next += 1;
                let id = format!("id{}", self.next);
                let mut data = op.data.clone().unwrap();
                data["id"] = json!(id);
                self.resources.insert(id.clone(), data);
                Ok(BulkOutcome::created(
                    &id,
                    format!("https://example.com/v2{}/{id}", op.path),
                ))
            }
            "PATCH" => {
                let id = op.resource_id().unwrap().to_owned();
                let req = op.patch_request()?;
                let res = self
                    .resources
                    .get_mut(&id)
                    .ok_or_else(|| ScimError::not_found("no such resource"))?;
                for o in &req.operations {
                    let path = o.path().unwrap().to_owned();
                    let value = o.value().unwrap().clone();
                    match (res.get_mut(&path), value) {
                        (Some(Value::Array(items)), Value::Array(more)) => items.extend(more),
                        (_, v) => res[path.as_str()] = v,
                    }
                }
                Ok(
                    BulkOutcome::ok(format!("https://example.com/v2{}", op.path))
                        .with_version("W/\"2\""),
                )
            }
            "DELETE" => Ok(BulkOutcome::no_content(format!(
                "https://example.com/v2{}",
                op.path
            ))),
            _ => Ok(BulkOutcome::ok(format!(
                "https://example.com/v2{}",
                op.path
            ))),
        }
    }
}

fn run(p: &BulkProcessor, body: Value, store: &mut Store) -> Value {
    let req = p
        .parse(&serde_json::to_vec(&request(body)).unwrap())
        .unwrap();
    serde_json::to_value(p.process(req, &mut |op: &ResolvedOperation| store.exec(op))).unwrap()
}

/// The BulkRequest envelope around a test's `Operations` (and `failOnErrors`).
fn request(mut body: Value) -> Value {
    body["schemas"] = json!(["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]);
    body
}

fn post(bulk_id: &str, path: &str, data: Value) -> Value {
    json!({"method": "POST", "path": path, "bulkId": bulk_id, "data": data})
}

#[test]
fn forward_reference_runs_dependency_first_and_reports_in_request_order() {
    let mut store = Store::default();
    let resp = run(
        &BulkProcessor::new(),
        json!({"Operations": [
            post("g", "/Groups", json!({"displayName": "Tour Guides", "members": [{"type": "User", "value": "bulkId:u"}]})),
            post("u", "/Users", json!({"userName": "Alice"})),
            {"method": "PATCH", "path": "/Users/bulkId:u", "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "nickName", "value": "Al"}]}}
        ]}),
        &mut store,
    );
    let order: Vec<String> = store
        .log
        .iter()
        .map(|l| format!("{} {}", l.0, l.1))
        .collect();
    assert_eq!(order, ["POST /Users", "POST /Groups", "PATCH /Users/id1"]);
    assert_eq!(store.resources["id2"]["members"][0]["value"], "id1");
    let ops = resp["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 3);
    assert_eq!(ops[0]["bulkId"], "g");
    assert_eq!(ops[0]["status"], "201");
    assert_eq!(ops[1]["location"], "https://example.com/v2/Users/id1");
    assert_eq!(ops[2]["status"], "200");
}

#[test]
fn references_at_any_depth_and_in_patch_values_and_filters() {
    let mut store = Store::default();
    run(
        &BulkProcessor::new(),
        json!({"Operations": [
            post("m", "/Users", json!({"userName": "Boss"})),
            post("e", "/Users", json!({
                "userName": "Emp",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "bulkId:m", "$ref": "https://example.com/v2/Users/bulkId:m"}}
            })),
            {"method": "PATCH", "path": "/Groups/abc", "data": {"Operations": [
                {"op": "add", "path": "members", "value": [{"value": "bulkId:e"}, {"value": "bulkId:m"}]},
                {"op": "remove", "path": "members[value eq \"bulkId:e\"]"}
            ]}}
        ]}),
        &mut store,
    );
    let emp = &store.log[1].2.as_ref().unwrap()
        ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"];
    assert_eq!(emp["value"], "id1");
    assert_eq!(emp["$ref"], "https://example.com/v2/Users/id1");
    let patch = store.log[2].2.as_ref().unwrap();
    assert_eq!(
        patch["Operations"][0]["value"],
        json!([{"value": "id2"}, {"value": "id1"}])
    );
    assert_eq!(patch["Operations"][1]["path"], "members[value eq \"id2\"]");
}

#[test]
fn rfc_circular_example_is_resolved() {
    let body: Value =
        serde_json::from_str(include_str!("rfc7644/bulk_request_circular.json")).unwrap();
    let mut store = Store::default();
    let resp = run(&BulkProcessor::new(), body, &mut store);
    // Group A created without B, Group B created with A, then A patched to add B.
    let a = &store.resources["id1"];
    let b = &store.resources["id2"];
    assert_eq!(a["displayName"], "Group A");
    assert_eq!(a["members"], json!([{"type": "Group", "value": "id2"}]));
    assert_eq!(b["members"], json!([{"type": "Group", "value": "id1"}]));
    assert!(store.log[2].3, "the third call is the deferred PATCH");
    let ops = resp["Operations"].as_array().unwrap();
    assert!(ops.iter().all(|o| o["status"] == "201"));
    assert_eq!(ops[0]["version"], "W/\"2\"");
}

#[test]
fn self_referential_group_is_resolved() {
    let mut store = Store::default();
    let resp = run(
        &BulkProcessor::new(),
        json!({"Operations": [post("g", "/Groups", json!({"displayName": "Self", "members": [{"value": "bulkId:g"}, {"value": "x"}]}))]}),
        &mut store,
    );
    assert_eq!(
        store.resources["id1"]["members"],
        json!([{"value": "x"}, {"value": "id1"}])
    );
    assert_eq!(resp["Operations"][0]["status"], "201");
}

#[test]
fn circular_without_resolution_is_409() {
    let body: Value =
        serde_json::from_str(include_str!("rfc7644/bulk_request_circular.json")).unwrap();
    let mut store = Store::default();
    let resp = run(
        &BulkProcessor::new().resolve_circular(false),
        body,
        &mut store,
    );
    assert!(store.log.is_empty());
    for op in resp["Operations"].as_array().unwrap() {
        assert_eq!(op["status"], "409");
        assert_eq!(op["response"]["scimType"], "invalidValue");
    }
}

#[test]
fn cycle_target_failure_reports_error_on_creator() {
    let body: Value =
        serde_json::from_str(include_str!("rfc7644/bulk_request_circular.json")).unwrap();
    let mut store = Store {
        fail_paths: vec!["Group B".into()],
        ..Store::default()
    };
    let resp = run(&BulkProcessor::new(), body, &mut store);
    let ops = resp["Operations"].as_array().unwrap();
    assert_eq!(ops[0]["status"], "409"); // created, but B's reference could not be added
    assert_eq!(ops[0]["location"], "https://example.com/v2/Groups/id1");
    assert_eq!(ops[1]["status"], "409");
}

#[test]
fn unknown_bulk_id_is_409_invalid_value_and_failures_propagate() {
    let mut store = Store {
        fail_paths: vec!["Broken".into()],
        ..Store::default()
    };
    let resp = run(
        &BulkProcessor::new(),
        json!({"Operations": [
            post("a", "/Groups", json!({"displayName": "X", "members": [{"value": "bulkId:nope"}]})),
            post("b", "/Groups", json!({"displayName": "Broken"})),
            post("c", "/Groups", json!({"displayName": "Y", "members": [{"value": "bulkId:b"}]})),
            post("d", "/Groups", json!({"displayName": "Z"}))
        ]}),
        &mut store,
    );
    let ops = resp["Operations"].as_array().unwrap();
    assert_eq!(ops[0]["status"], "409");
    assert_eq!(ops[0]["response"]["scimType"], "invalidValue");
    assert!(ops[0]["response"]["detail"]
        .as_str()
        .unwrap()
        .contains("bulkId:nope"));
    assert_eq!(ops[1]["status"], "409"); // uniqueness from the store
    assert_eq!(ops[2]["status"], "409");
    assert_eq!(ops[2]["response"]["scimType"], "invalidValue");
    assert_eq!(ops[3]["status"], "201");
}

#[test]
fn fail_on_errors_stops_processing() {
    let mut store = Store {
        fail_paths: vec!["A".into(), "B".into()],
        ..Store::default()
    };
    let resp = run(
        &BulkProcessor::new(),
        json!({"failOnErrors": 2, "Operations": [
            post("a", "/Groups", json!({"displayName": "A"})),
            post("x", "/Groups", json!({"displayName": "ok"})),
            post("b", "/Groups", json!({"displayName": "B"})),
            post("c", "/Groups", json!({"displayName": "C"}))
        ]}),
        &mut store,
    );
    assert_eq!(resp["Operations"].as_array().unwrap().len(), 3);
    assert_eq!(store.log.len(), 3);
}

#[test]
fn validation_errors_per_operation() {
    let mut store = Store::default();
    let resp = run(
        &BulkProcessor::new(),
        json!({"Operations": [
            {"method": "GET", "path": "/Users/1"},
            {"method": "POST", "path": "/Users", "data": {"userName": "nobulkid"}},
            {"method": "PUT", "path": "/Users/1"},
            {"method": "delete", "path": "Users/1"},
            post("dup", "/Users", json!({"userName": "a"})),
            post("dup", "/Users", json!({"userName": "b"}))
        ]}),
        &mut store,
    );
    let st: Vec<&str> = resp["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["400", "400", "400", "400", "201", "409"]);
    let lenient = BulkProcessor::new().require_post_bulk_id(false);
    let resp = run(
        &lenient,
        json!({"Operations": [{"method": "POST", "path": "/Users", "data": {}}]}),
        &mut store,
    );
    assert_eq!(resp["Operations"][0]["status"], "201");
}

#[test]
fn limits_are_413() {
    let p = BulkProcessor::new().max_operations(2);
    let body = json!({"Operations": [
        {"method": "DELETE", "path": "/Users/1"}, {"method": "DELETE", "path": "/Users/2"}, {"method": "DELETE", "path": "/Users/3"}
    ]});
    let e = p
        .parse(&serde_json::to_vec(&request(body.clone())).unwrap())
        .unwrap_err();
    assert_eq!(e.status(), 413);
    assert_eq!(
        e.detail(),
        Some("The number of operations exceeds the maxOperations (2).")
    );
    let e = BulkProcessor::new()
        .parse(br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "failOnErrors": 0, "Operations": []}"#)
        .unwrap_err();
    assert_eq!(e.status(), 400);
    assert_eq!(
        BulkProcessor::new()
            .parse(b"[")
            .unwrap_err()
            .scim_type_raw(),
        Some("invalidSyntax")
    );
    // process() on an over-limit request built in code answers with the 413 inside.
    let req: BulkRequest = serde_json::from_value(body).unwrap();
    let resp = p.process(
        req,
        &mut |_: &ResolvedOperation| -> Result<BulkOutcome, ScimError> { unreachable!() },
    );
    assert_eq!(resp.operations[0].status, 413);
    let from_cfg = BulkProcessor::from_config(&scimkit_schema::BulkConfig {
        supported: true,
        max_operations: 1,
        max_payload_size: 0,
    });
    assert_eq!(from_cfg.payload_limit(), 1_048_576);
}

#[test]
fn long_chains_and_many_ops_terminate() {
    // 1000 operations, each referencing the next one: a chain processed in reverse.
    let mut ops = Vec::new();
    for i in 0..1000 {
        let data = if i < 999 {
            json!({"members": [{"value": format!("bulkId:b{}", i + 1)}]})
        } else {
            json!({})
        };
        ops.push(
            BulkOperation::new(Method::POST, "/Groups")
                .bulk_id(format!("b{i}"))
                .data(data),
        );
    }
    let req = BulkRequest {
        fail_on_errors: None,
        operations: ops,
    };
    let mut store = Store::default();
    let resp = BulkProcessor::new().process(req, &mut |op: &ResolvedOperation| store.exec(op));
    assert_eq!(resp.operations.len(), 1000);
    assert!(resp.operations.iter().all(|o| o.status == 201));
    assert_eq!(store.log[0].2.as_ref().unwrap(), &json!({}));

    // A ring of 200 groups, each a member of the next: resolved with one deferral.
    let mut ops = Vec::new();
    for i in 0..200 {
        let data = json!({"members": [{"value": format!("bulkId:r{}", (i + 1) % 200)}]});
        ops.push(
            BulkOperation::new(Method::POST, "/Groups")
                .bulk_id(format!("r{i}"))
                .data(data),
        );
    }
    let mut store = Store::default();
    let resp = BulkProcessor::new().process(
        BulkRequest {
            fail_on_errors: None,
            operations: ops,
        },
        &mut |op: &ResolvedOperation| store.exec(op),
    );
    assert!(resp.operations.iter().all(|o| o.status == 201));
    assert_eq!(store.log.len(), 201);
}

#[test]
fn enterprise_manager_reference_example() {
    let body: Value =
        serde_json::from_str(include_str!("rfc7644/bulk_request_enterprise_manager.json")).unwrap();
    let mut store = Store::default();
    run(&BulkProcessor::new(), body, &mut store);
    assert_eq!(
        store.resources["id2"]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
            ["manager"]["value"],
        "id1"
    );
}

/// RFC 7644 §3.7: `schemas` and `Operations` are REQUIRED; a body without either is not an
/// empty job.
#[test]
fn the_envelope_is_required() {
    let p = BulkProcessor::new();
    let op = json!({"method": "DELETE", "path": "/Users/1"});
    for body in [
        json!({"Operations": [op]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": {}}),
        json!([op]),
    ] {
        let e = p.parse(&serde_json::to_vec(&body).unwrap()).unwrap_err();
        assert_eq!(e.scim_type_raw(), Some("invalidSyntax"), "{body}");
    }
    // Names in any case; a repeated member is refused.
    let ok =
        br#"{"SCHEMAS": ["urn:ietf:params:scim:api:messages:2.0:bulkrequest"], "Operations": []}"#;
    assert!(p.parse(ok).is_ok());
    let dup = br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [], "Operations": []}"#;
    assert_eq!(
        p.parse(dup).unwrap_err().scim_type_raw(),
        Some("invalidSyntax")
    );
}

#[test]
fn original_rfc_patch_array_data_is_accepted() {
    let body = json!({"Operations": [{"method": "PATCH", "path": "/Users/1", "data": [
        {"op": "remove", "path": "nickName"}, {"op": "add", "path": "userName", "value": "Dave"}
    ]}]});
    let req: BulkRequest = serde_json::from_value(body).unwrap();
    let resp = BulkProcessor::new().process(
        req,
        &mut |op: &ResolvedOperation| -> Result<BulkOutcome, ScimError> {
            assert_eq!(op.patch_request()?.operations.len(), 2);
            Ok(BulkOutcome::ok("https://example.com/v2/Users/1"))
        },
    );
    assert_eq!(resp.operations[0].status, 200);
}
