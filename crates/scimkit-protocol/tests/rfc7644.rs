//! The request and response examples of RFC 7644 §3.3–§3.14 and §4 (and RFC 9865), round-tripped
//! through this crate's types. The JSON bodies are transcribed into `tests/rfc7644/*.json`; each
//! file's prefix says which message it is.

use std::fs;
use std::path::Path;

use http::{Method, StatusCode};
use scimkit_patch::PatchRequest;
use scimkit_protocol::{
    response, Body, BulkOutcome, BulkProcessor, BulkRequest, BulkResponse, Client, Discovery, ETag,
    Endpoint, ListResponse, Precondition, Query, ResolvedOperation, Router, ScimError,
    SearchRequest, SortOrder,
};
use scimkit_schema::{SchemaRegistry, ServiceProviderConfig};
use serde_json::{json, Value};

fn load(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rfc7644")
        .join(name);
    serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap()
}

/// Every vendored example parses into its type and serializes back to the same JSON.
#[test]
fn every_example_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rfc7644");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for name in &names {
        let v = load(name);
        let back = if name.starts_with("error_") {
            serde_json::to_value(serde_json::from_value::<ScimError>(v.clone()).unwrap()).unwrap()
        } else if name.starts_with("list_") {
            serde_json::to_value(serde_json::from_value::<ListResponse>(v.clone()).unwrap())
                .unwrap()
        } else if name.starts_with("search_") {
            serde_json::to_value(serde_json::from_value::<SearchRequest>(v.clone()).unwrap())
                .unwrap()
        } else if name.starts_with("bulk_request") {
            serde_json::to_value(serde_json::from_value::<BulkRequest>(v.clone()).unwrap()).unwrap()
        } else if name.starts_with("bulk_response") {
            serde_json::to_value(serde_json::from_value::<BulkResponse>(v.clone()).unwrap())
                .unwrap()
        } else if name.starts_with("patch_") {
            serde_json::to_value(serde_json::from_value::<PatchRequest>(v.clone()).unwrap())
                .unwrap()
        } else if name.starts_with("resource_") {
            let resp = response::ok(&v);
            Client::parse_resource::<Value>(&resp).unwrap()
        } else {
            panic!("no type for {name}")
        };
        assert_eq!(back, v, "{name}");
    }
}

fn router() -> Router {
    Router::new("/v2", SchemaRegistry::rfc())
}

fn request(method: Method, uri: &str, body: Value) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/scim+json")
        .body(if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&body).unwrap()
        })
        .unwrap()
}

/// §3.3: POST /Users, answered 201 with Location and ETag.
#[test]
fn s3_3_create() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "bjensen", "externalId": "bjensen",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"}
    });
    let scim = router()
        .classify(&request(Method::POST, "/v2/Users", body.clone()))
        .unwrap();
    assert_eq!(
        scim.endpoint,
        Endpoint::Resources {
            resource_type: "User".into()
        }
    );
    assert_eq!(scim.body, Body::Resource(body));

    let created = load("resource_user_created.json");
    let resp = response::created(&created);
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.headers()["content-type"], "application/scim+json");
    assert_eq!(
        resp.headers()["location"],
        "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
    );
    assert_eq!(resp.headers()["etag"], "W/\"e180ee84f0671b1\"");
    assert_eq!(
        Client::parse_etag(&resp),
        Some(ETag::weak("e180ee84f0671b1"))
    );
    assert_eq!(Client::parse_resource::<Value>(&resp).unwrap(), created);
}

/// §3.4.1: GET /Users/{id}; §3.12: a missing resource is 404.
#[test]
fn s3_4_1_get_and_404() {
    let scim = router()
        .classify(&request(
            Method::GET,
            "/v2/Users/2819c223-7f76-453a-919d-413861904646",
            Value::Null,
        ))
        .unwrap();
    assert_eq!(
        scim.endpoint,
        Endpoint::Resource {
            resource_type: "User".into(),
            id: "2819c223-7f76-453a-919d-413861904646".into()
        }
    );
    let err = ScimError::not_found("Resource 2819c223-7f76-453a-919d-413861904646 not found");
    let resp = err.into_response();
    assert_eq!(resp.status(), 404);
    let body: Value = serde_json::from_slice(resp.body()).unwrap();
    assert_eq!(body, load("error_404.json"));
}

/// §3.4.2: the query URIs of the RFC.
#[test]
fn s3_4_2_queries() {
    let q = Query::parse("filter=userName%20Eq%20%22john%22").unwrap();
    assert_eq!(q.filter.unwrap().to_string(), r#"userName eq "john""#);
    let q = Query::parse("filter=title%20pr%20and%20userType%20eq%20%22Employee%22").unwrap();
    assert!(q.filter.is_some());
    let q = Query::parse("sortBy=userName&sortOrder=descending").unwrap();
    assert_eq!(q.sort_order, Some(SortOrder::Descending));
    let q = Query::parse("startIndex=1&count=10").unwrap();
    assert_eq!((q.start_index, q.count), (Some(1), Some(10)));
    let q = Query::parse("attributes=displayName").unwrap();
    assert_eq!(q.attributes[0].to_string(), "displayName");
    // §3.4.2.1: a query at the root.
    let scim = router()
        .classify(&request(Method::GET, "/v2/?filter=id%20pr", Value::Null))
        .unwrap();
    assert_eq!(scim.endpoint, Endpoint::Root);
    // §3.4.2.2 bad filter: 400 invalidFilter.
    let e = router()
        .classify(&request(
            Method::GET,
            "/v2/Users?filter=userName%20xx",
            Value::Null,
        ))
        .unwrap_err();
    assert_eq!(e.scim_type_raw(), Some("invalidFilter"));
}

/// §3.4.3: POST /.search and its ListResponse.
#[test]
fn s3_4_3_search() {
    let scim = router()
        .classify(&request(
            Method::POST,
            "/v2/.search",
            load("search_request.json"),
        ))
        .unwrap();
    assert_eq!(scim.endpoint, Endpoint::RootSearch);
    assert_eq!(scim.query.attributes.len(), 2);
    assert_eq!(scim.query.count, Some(10));
    let list: ListResponse = serde_json::from_value(load("list_search.json")).unwrap();
    assert_eq!(
        (list.total_results, list.items_per_page, list.start_index),
        (Some(100), Some(10), Some(1))
    );
    assert!(list.has_more());
}

/// §3.5.1 PUT and §3.5.2 PATCH requests; PATCH may answer 204.
#[test]
fn s3_5_replace_and_patch() {
    let put = request(
        Method::PUT,
        "/v2/Users/2819c223-7f76-453a-919d-413861904646",
        load("resource_user_created.json"),
    );
    assert!(matches!(
        router().classify(&put).unwrap().body,
        Body::Resource(_)
    ));
    for name in [
        "patch_add_member.json",
        "patch_remove_member.json",
        "patch_replace_members.json",
    ] {
        let req = request(
            Method::PATCH,
            "/v2/Groups/acbf3ae7-8463-4692-b4fd-9b4da3f908ce",
            load(name),
        );
        let scim = router().classify(&req).unwrap();
        assert!(matches!(scim.body, Body::Patch(_)), "{name}");
    }
    assert_eq!(response::patched(None).status(), StatusCode::NO_CONTENT);
}

/// §3.6: DELETE answers 204.
#[test]
fn s3_6_delete() {
    let scim = router()
        .classify(&request(
            Method::DELETE,
            "/v2/Users/2819c223-7f76-453a-919d-413861904646",
            Value::Null,
        ))
        .unwrap();
    assert_eq!(scim.method, Method::DELETE);
    assert_eq!(response::no_content().status(), 204);
    let client = Client::new("https://example.com/v2").unwrap();
    let r = client
        .delete("Users", "2819c223-7f76-453a-919d-413861904646", None)
        .unwrap();
    assert_eq!(
        r.uri().path(),
        "/v2/Users/2819c223-7f76-453a-919d-413861904646"
    );
}

/// An executor that answers as the RFC's §3.7 example response does.
fn rfc_executor(op: &ResolvedOperation) -> Result<BulkOutcome, ScimError> {
    let base = "https://example.com/v2";
    Ok(match op.method.as_str() {
        "POST" => BulkOutcome::created(
            "92b725cd-9465-4e7d-8c16-01f8e146b87a",
            format!("{base}/Users/92b725cd-9465-4e7d-8c16-01f8e146b87a"),
        )
        .with_version("W/\"4weymrEsh5O6cAEK\""),
        "PUT" | "PATCH" => {
            if op.method == Method::PATCH {
                assert_eq!(op.patch_request()?.operations.len(), 2);
            }
            BulkOutcome::ok(format!("{base}{}", op.path)).with_version("W/\"huJj29dMNgu3WXPD\"")
        }
        _ => BulkOutcome::no_content(format!("{base}{}", op.path)),
    })
}

/// §3.7: the bulk request example gives exactly the bulk response example.
#[test]
fn s3_7_bulk_request_and_response() {
    let body = serde_json::to_vec(&load("bulk_request.json")).unwrap();
    let scim = router()
        .classify(&http::Request::post("/v2/Bulk").body(body).unwrap())
        .unwrap();
    let Body::Bulk(req) = scim.body else { panic!() };
    let resp = router().bulk_processor().process(req, &mut rfc_executor);
    assert_eq!(
        serde_json::to_value(&resp).unwrap(),
        load("bulk_response.json")
    );
    let http_resp = resp.into_response();
    assert_eq!(http_resp.status(), 200);
    assert_eq!(Client::parse_bulk(&http_resp).unwrap().operations.len(), 4);
}

/// §3.7.3: errors per operation; with failOnErrors 1 processing stops after the first.
#[test]
fn s3_7_3_bulk_errors() {
    let mut req: BulkRequest = serde_json::from_value(load("bulk_request.json")).unwrap();
    req.operations.truncate(2);
    let mut exec = |op: &ResolvedOperation| -> Result<BulkOutcome, ScimError> {
        match op.method.as_str() {
            "POST" => Err(ScimError::invalid_syntax(
                "Request is unparsable, syntactically incorrect, or violates schema.",
            )),
            _ => Err(ScimError::precondition_failed(
                "Failed to update.  Resource changed on the server.",
            )),
        }
    };
    let p = BulkProcessor::new().base_url("https://example.com/v2");
    req.fail_on_errors = None;
    let resp = p.process(req.clone(), &mut exec);
    assert_eq!(
        serde_json::to_value(&resp).unwrap(),
        load("bulk_response_errors.json")
    );
    assert_eq!(resp.operations[1].error().unwrap().status(), 412);

    req.fail_on_errors = Some(1);
    let resp = p.process(req, &mut exec);
    let mut expected = load("bulk_response_errors.json");
    expected["Operations"].as_array_mut().unwrap().truncate(1);
    assert_eq!(serde_json::to_value(&resp).unwrap(), expected);
}

/// §3.7.4: over maxPayloadSize is 413 with the RFC's detail.
#[test]
fn s3_7_4_bulk_too_large() {
    let body = serde_json::to_vec(&load("bulk_request.json")).unwrap();
    let router = router().bulk(BulkProcessor::new().max_payload_size(100));
    let err = router
        .classify(&http::Request::post("/v2/Bulk").body(body).unwrap())
        .unwrap_err();
    assert_eq!(err.status(), 413);
    let mut expected = load("error_bulk_413.json");
    expected["detail"] = json!("The size of the bulk operation exceeds the maxPayloadSize (100).");
    assert_eq!(err.to_json(), expected);
    let exact = BulkProcessor::new()
        .parse(&vec![b' '; 1_048_577])
        .unwrap_err();
    assert_eq!(exact.to_json(), load("error_bulk_413.json"));
}

/// §3.12: the error examples.
#[test]
fn s3_12_errors() {
    let e: ScimError = serde_json::from_value(load("error_mutability.json")).unwrap();
    assert_eq!(e.status(), 400);
    assert_eq!(e.scim_type(), Some(scimkit_schema::ScimType::Mutability));
    assert_eq!(
        ScimError::mutability("Attribute 'id' is readOnly").to_json(),
        load("error_mutability.json")
    );
}

/// §3.14: If-None-Match gives 304 on GET; a stale If-Match gives 412.
#[test]
fn s3_14_versions() {
    let current = ETag::weak("e180ee84f0671b1");
    let get = http::Request::get("/v2/Users/2819c223-7f76-453a-919d-413861904646")
        .header("if-none-match", "W/\"e180ee84f0671b1\"")
        .body(Vec::new())
        .unwrap();
    let scim = router().classify(&get).unwrap();
    assert_eq!(
        scim.preconditions(Some(&current)).unwrap(),
        Precondition::NotModified
    );
    let r = Precondition::NotModified
        .into_response(Some(&current))
        .unwrap();
    assert_eq!(r.status(), 304);

    let put = http::Request::put("/v2/Users/2819c223-7f76-453a-919d-413861904646")
        .header("if-match", "W/\"e180ee84f0671b1\"")
        .body(b"{}".to_vec())
        .unwrap();
    let scim = router().classify(&put).unwrap();
    assert_eq!(
        scim.preconditions(Some(&current)).unwrap(),
        Precondition::Proceed
    );
    assert_eq!(
        scim.preconditions(Some(&ETag::weak("other"))).unwrap(),
        Precondition::Failed
    );
    // The client side sends If-Match.
    let c = Client::new("https://example.com/v2").unwrap();
    let r = c
        .replace(
            "Users",
            "2819c223-7f76-453a-919d-413861904646",
            &json!({}),
            Some(&current),
        )
        .unwrap();
    assert_eq!(r.headers()["if-match"], "W/\"e180ee84f0671b1\"");
}

/// §4: discovery endpoints, routed and answered.
#[test]
fn s4_discovery() {
    let registry = SchemaRegistry::rfc();
    let config = ServiceProviderConfig::default()
        .with_patch(true)
        .with_bulk(true, 1000, 1_048_576);
    let d = Discovery::new(&registry, &config, "https://example.com/v2");
    let r = router();
    let get = |u: &str| r.classify(&request(Method::GET, u, Value::Null)).unwrap();

    let s = get("/v2/ServiceProviderConfig");
    let resp = d.respond(&s.endpoint, &s.query).unwrap();
    let spc: Value = Client::parse_resource(&resp).unwrap();
    assert_eq!(spc["bulk"]["maxPayloadSize"], 1_048_576);
    assert_eq!(spc["meta"]["resourceType"], "ServiceProviderConfig");

    let s = get("/v2/ResourceTypes");
    let list: ListResponse =
        Client::parse_list(&d.respond(&s.endpoint, &s.query).unwrap()).unwrap();
    assert_eq!(list.total_results, Some(2));
    assert_eq!(
        list.resources[0]["schemaExtensions"][0]["schema"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );

    let s = get("/v2/ResourceTypes/User");
    let user: Value = Client::parse_resource(&d.respond(&s.endpoint, &s.query).unwrap()).unwrap();
    assert_eq!(
        user["meta"]["location"],
        "https://example.com/v2/ResourceTypes/User"
    );

    let s = get("/v2/Schemas");
    let list: ListResponse =
        Client::parse_list(&d.respond(&s.endpoint, &s.query).unwrap()).unwrap();
    assert_eq!(list.total_results, Some(3));

    let s = get("/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group");
    let group: Value = Client::parse_resource(&d.respond(&s.endpoint, &s.query).unwrap()).unwrap();
    assert_eq!(group["id"], "urn:ietf:params:scim:schemas:core:2.0:Group");

    let s = get("/v2/Schemas/urn:nope");
    assert_eq!(d.respond(&s.endpoint, &s.query).unwrap().status(), 404);
}

/// RFC 9865: cursor requests and responses.
#[test]
fn rfc9865_cursors() {
    let q = Query::parse("filter=userName%20sw%20%22J%22&cursor&count=1").unwrap();
    assert_eq!(q.cursor.as_deref(), Some(""));
    let q = Query::parse("cursor=VZUTiyhEQJ94IR&count=1").unwrap();
    assert_eq!(q.cursor.as_deref(), Some("VZUTiyhEQJ94IR"));
    let list: ListResponse = serde_json::from_value(load("list_cursor_rfc9865.json")).unwrap();
    assert_eq!(list.next_cursor.as_deref(), Some("VZUTiyhEQJ94IR"));
    assert!(list.has_more());
}
