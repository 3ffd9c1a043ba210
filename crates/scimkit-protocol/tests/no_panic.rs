//! No input makes the request-reading functions panic.

use proptest::prelude::*;
use scimkit_protocol::{
    BulkProcessor, BulkRequest, CursorCodec, ETag, ListResponse, Query, ResolvedOperation, Router,
    ScimError, SearchRequest,
};
use scimkit_schema::SchemaRegistry;
use serde_json::Value;

fn query_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("filter=".to_owned()),
        Just("count=".to_owned()),
        Just("startIndex=".to_owned()),
        Just("attributes=".to_owned()),
        Just("excludedAttributes=".to_owned()),
        Just("sortBy=".to_owned()),
        Just("sortOrder=".to_owned()),
        Just("cursor".to_owned()),
        Just("&".to_owned()),
        Just("%".to_owned()),
        Just("%22".to_owned()),
        Just("+".to_owned()),
        Just("userName eq ".to_owned()),
        Just("[".to_owned()),
        Just("(".to_owned()),
        "[ -~]{0,8}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn json_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("\"Operations\"".to_owned()),
        Just("\"method\":\"POST\"".to_owned()),
        Just("\"path\":\"/Users\"".to_owned()),
        Just("\"bulkId\":\"a\"".to_owned()),
        Just("\"data\":".to_owned()),
        Just("\"bulkId:a\"".to_owned()),
        Just("\"filter\":".to_owned()),
        Just("\"count\":".to_owned()),
        Just("-1".to_owned()),
        Just("1e400".to_owned()),
        Just("null".to_owned()),
        "[ -~]{0,6}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn query_strings_never_panic(q in query_text()) {
        let _ = Query::parse(&q);
        if let Ok(query) = Query::parse(&q) {
            // What we accept, we can write back and read again.
            let again = Query::parse(&query.to_query_string());
            prop_assert!(again.is_ok(), "{:?}", again);
        }
    }

    #[test]
    fn request_bodies_never_panic(body in json_text(), method in prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE"]),
                                  path in prop::sample::select(vec!["/v2/Users", "/v2/Users/1", "/v2/.search", "/v2/Bulk", "/v2/Groups/.search", "/v2/Me", "/v2/Schemas/x"])) {
        let router = Router::new("/v2", SchemaRegistry::rfc());
        let req = http::Request::builder().method(method).uri(path).body(body.clone().into_bytes()).unwrap();
        let _ = router.classify(&req);
        let _ = serde_json::from_str::<ListResponse>(&body);
        let _ = serde_json::from_str::<ScimError>(&body);
        let _ = serde_json::from_str::<SearchRequest>(&body);
        let p = BulkProcessor::new();
        if let Ok(req) = p.parse(body.as_bytes()) {
            let _ = p.process(req, &mut |_: &ResolvedOperation| Err::<scimkit_protocol::BulkOutcome, _>(ScimError::internal("x")));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), uri_tail in "[ -~]{0,40}") {
        let router = Router::new("/v2", SchemaRegistry::rfc());
        if let Ok(req) = http::Request::builder().method("POST").uri(format!("/v2/{}", uri_tail.replace(' ', "%20"))).body(bytes.clone()) {
            let _ = router.classify(&req);
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = text.parse::<ETag>();
        let _ = CursorCodec::new(b"k").decode(&text, std::time::SystemTime::now());
        let _ = serde_json::from_slice::<BulkRequest>(&bytes);
    }

    #[test]
    fn etag_of_any_json_is_stable(v in any_json()) {
        prop_assert_eq!(ETag::from_json(&v), ETag::from_json(&v.clone()));
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z]{0,5}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
