//! docs/idp-compatibility.md, with the payload shapes the
//! identity providers send and expect.

use std::time::Duration;

use http::{Method, StatusCode};
use scimkit_protocol::{
    response, Body, Client, Endpoint, ListResponse, Page, Query, Router, ScimError,
};
use scimkit_schema::SchemaRegistry;
use serde_json::{json, Value};

fn router() -> Router {
    Router::new("/scim/v2", SchemaRegistry::rfc())
}

fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

/// Test Connection queries a random GUID and expects 200 with an empty ListResponse.
#[test]
fn entra_empty_list_response() {
    let req = http::Request::get(
        "/scim/v2/Users?filter=userName+eq+%22f3a1c1de-0d6a-4b5e-9a3a-2f1b0a7f0c11%22",
    )
    .body(Vec::new())
    .unwrap();
    let scim = router().classify(&req).unwrap();
    assert!(scim.query.filter.is_some());
    let page = Page::new(
        0,
        scim.query.start_index_or_default(),
        scim.query.count.unwrap_or(20),
    );
    let list = page.list_response(Vec::<Value>::new());
    let http_resp = list.into_response();
    assert_eq!(http_resp.status(), 200);
    let body: Value = serde_json::from_slice(http_resp.body()).unwrap();
    assert_eq!(body["Resources"], json!([]));
    assert_eq!(body["totalResults"], json!(0));
    // Entra's documented answer shape reads back.
    let entra: ListResponse = serde_json::from_str(
        r#"{"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":20}"#,
    )
    .unwrap();
    assert_eq!(entra.items_per_page, Some(20));
}

/// 404 with a SCIM Error, `status` a string, `detail` optional.
#[test]
fn entra_not_found_shape() {
    let body: Value = serde_json::from_slice(
        ScimError::not_found("Resource 2819c223 not found")
            .into_response()
            .body(),
    )
    .unwrap();
    assert_eq!(body["status"], "404");
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    let e: ScimError = serde_json::from_str(
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}"#,
    )
    .unwrap();
    assert_eq!((e.status(), e.detail()), (StatusCode::NOT_FOUND, None));
}

/// every response carries `Content-Type: application/scim+json`.
#[test]
fn entra_content_type_everywhere() {
    let v = json!({"id": "1"});
    for r in [
        response::created(&v),
        response::ok(&v),
        ListResponse::new(vec![v.clone()]).into_response(),
        ScimError::conflict("x").into_response(),
    ] {
        assert_eq!(r.headers()["content-type"], "application/scim+json");
    }
}

/// group PATCH may answer 204; clients accept 204 and `"members": null`.
#[test]
fn entra_patch_204() {
    let req = http::Request::patch("/scim/v2/Groups/abc")
        .body(br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"f648"}]}]}"#.to_vec())
        .unwrap();
    assert!(matches!(
        router().classify(&req).unwrap().body,
        Body::Patch(_)
    ));
    let r = response::patched(None);
    assert_eq!((r.status(), r.body().len()), (StatusCode::NO_CONTENT, 0));
    assert_eq!(Client::parse_patch(&r).unwrap(), None);
    let with_null = resp(200, &[], r#"{"id":"abc","displayName":"g","members":null}"#);
    assert_eq!(
        Client::parse_patch(&with_null).unwrap().unwrap()["members"],
        Value::Null
    );
}

/// the URL-encoded existence check with startIndex and count.
#[test]
fn okta_existence_check() {
    let req = http::Request::get(
        "/scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",
    )
    .body(Vec::new())
    .unwrap();
    let scim = router().classify(&req).unwrap();
    assert_eq!(
        scim.endpoint,
        Endpoint::Resources {
            resource_type: "User".into()
        }
    );
    assert_eq!(
        scim.query.filter.unwrap().to_string(),
        r#"userName eq "test.user@okta.local""#
    );
    assert_eq!(
        (scim.query.start_index, scim.query.count),
        (Some(1), Some(100))
    );
}

/// no match is a 200 empty list or a 404; a client reading either gets something usable.
#[test]
fn okta_empty_or_404() {
    let empty = resp(
        200,
        &[],
        r#"{"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#,
    );
    assert!(Client::parse_list::<Value>(&empty)
        .unwrap()
        .resources
        .is_empty());
    let nf = resp(
        404,
        &[],
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"no user"}"#,
    );
    assert_eq!(Client::parse_list::<Value>(&nf).unwrap_err().status(), 404);
}

/// duplicate create is 409 with the Error schema; Okta's integer status reads.
#[test]
fn okta_conflict() {
    let r = ScimError::uniqueness("User already exists in the database.").into_response();
    assert_eq!(r.status(), 409);
    let okta = resp(
        409,
        &[],
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"User already exists in the database.","status":409}"#,
    );
    let e = Client::parse_resource::<Value>(&okta).unwrap_err();
    assert_eq!(
        (e.status(), e.detail()),
        (
            StatusCode::CONFLICT,
            Some("User already exists in the database.")
        )
    );
    // Empty create response is an error ("Create new user returned empty user").
    assert!(Client::parse_resource::<Value>(&resp(201, &[], "")).is_err());
    // AWS's other statuses.
    for (code, make) in [
        (400u16, ScimError::invalid_value("x")),
        (401, ScimError::unauthorized("x")),
        (403, ScimError::forbidden("x")),
        (404, ScimError::not_found("x")),
        (429, ScimError::too_many_requests(None)),
    ] {
        assert_eq!(make.status().as_u16(), code);
    }
}

/// integer counts out; string counts in; stable index paging with count=100.
#[test]
fn okta_integer_counts() {
    let users: Vec<Value> = (0..250)
        .map(|i| json!({"id": format!("u{i:03}")}))
        .collect();
    let mut start = 1;
    let mut seen = 0;
    loop {
        let q = Query::parse(&format!("startIndex={start}&count=100")).unwrap();
        let page = Page::new(250, q.start_index_or_default(), q.count.unwrap());
        let list = page.list_response(page.slice(&users).to_vec());
        let body = serde_json::to_value(&list).unwrap();
        assert!(
            body["totalResults"].is_u64()
                && body["itemsPerPage"].is_u64()
                && body["startIndex"].is_u64()
        );
        seen += list.resources.len();
        if !page.has_more() {
            break;
        }
        start += 100;
    }
    assert_eq!(seen, 250);
    let strings: ListResponse = serde_json::from_str(
        r#"{"totalResults":"250","itemsPerPage":"100","startIndex":"1","Resources":[]}"#,
    )
    .unwrap();
    assert_eq!(strings.total_results, Some(250));
}

/// `text/json` bodies are tolerated; we still emit application/scim+json and a string status.
#[test]
fn okta_text_json() {
    let req = http::Request::post("/scim/v2/Users")
        .header("content-type", "text/json;charset=UTF-8")
        .body(
            br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}"#
                .to_vec(),
        )
        .unwrap();
    assert!(matches!(
        router().classify(&req).unwrap().body,
        Body::Resource(_)
    ));
    let body: Value =
        serde_json::from_slice(ScimError::bad_request("x").into_response().body()).unwrap();
    assert!(body["status"].is_string());
    // A missing Content-Type on a body is tolerated too.
    let req = http::Request::builder()
        .method(Method::PUT)
        .uri("/scim/v2/Users/1")
        .body(b"{}".to_vec())
        .unwrap();
    assert!(router().classify(&req).is_ok());
}

/// AWS's error body carries `schema` and `schemas` and a string status.
#[test]
fn aws_error_body() {
    let aws = resp(
        400,
        &[],
        r#"{"schema":["urn:ietf:params:scim:api:messages:2.0:Error"],"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"Current PATCH support allows omitting \"path\" attribute only for Add and Replace operations modifying a single attribute.","status":"400"}"#,
    );
    let e = Client::parse_patch(&aws).unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(e.detail().unwrap().starts_with("Current PATCH support"));
}

/// 429 with Retry-After is surfaced to the caller.
#[test]
fn s2_rate_limit() {
    let r = resp(429, &[("retry-after", "30")], "");
    let e = Client::parse_list::<Value>(&r).unwrap_err();
    assert_eq!(
        (e.status(), e.retry_after()),
        (StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(30)))
    );
    let out = ScimError::too_many_requests(Some(Duration::from_secs(30))).into_response();
    assert_eq!(out.headers()["retry-after"], "30");
}
