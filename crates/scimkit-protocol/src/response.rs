//! Server responses (RFC 7644 §3.3–§3.6): status, `Content-Type: application/scim+json`,
//! `Location` and `ETag` taken from the resource's `meta`.
//!
//! ```
//! use scimkit_protocol::response;
//! use serde_json::json;
//!
//! let user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "2819c223", "userName": "bjensen",
//!     "meta": {"resourceType": "User", "location": "https://example.com/v2/Users/2819c223",
//!              "version": "W/\"e180ee84f0671b1\""}
//! });
//! let resp = response::created(&user);
//! assert_eq!(resp.status(), 201);
//! assert_eq!(resp.headers()["location"], "https://example.com/v2/Users/2819c223");
//! assert_eq!(resp.headers()["etag"], "W/\"e180ee84f0671b1\"");
//! assert_eq!(response::patched(None).status(), 204); // Entra, Okta
//! ```

use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::{ETag, ListResponse, ScimError};

/// A JSON response with `Location` and `ETag` from `meta.location` and `meta.version` when the
/// resource has them.
fn with_meta_headers(status: StatusCode, resource: &Value) -> http::Response<Vec<u8>> {
    let mut resp = crate::server::resource_response(status, resource);
    let meta = resource
        .as_object()
        .and_then(|o| scimkit_schema::name::value(o, "meta"))
        .and_then(Value::as_object);
    if let Some(meta) = meta {
        if let Some(loc) = scimkit_schema::name::value(meta, "location").and_then(Value::as_str) {
            if let Ok(v) = HeaderValue::from_str(loc) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
        }
        if let Some(ver) = scimkit_schema::name::value(meta, "version").and_then(Value::as_str) {
            // meta.version is an entity tag already; a bare value is quoted as a strong tag.
            let tag = ver.parse::<ETag>().unwrap_or_else(|_| ETag::weak(ver));
            resp.headers_mut()
                .insert(header::ETAG, tag.to_header_value());
        }
    }
    resp
}

/// 201 Created with the new resource, `Location` (RFC 7644 §3.3: "the same value as the
/// "meta.location"") and `ETag`.
pub fn created(resource: &Value) -> http::Response<Vec<u8>> {
    with_meta_headers(StatusCode::CREATED, resource)
}

/// 200 OK with the resource (GET, PUT, PATCH) and its `ETag` (and `Location`, as in the RFC's
/// examples).
pub fn ok(resource: &Value) -> http::Response<Vec<u8>> {
    with_meta_headers(StatusCode::OK, resource)
}

/// 204 No Content (DELETE, §3.6), with no body and no `Content-Type`.
pub fn no_content() -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(Vec::new());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

/// A PATCH response (§3.5.2): 200 with the resource, or 204 without it. Entra (docs/idp-compatibility.md) advises
/// 204 for group PATCH and Okta (docs/idp-compatibility.md) accepts it.
pub fn patched(resource: Option<&Value>) -> http::Response<Vec<u8>> {
    match resource {
        Some(r) => ok(r),
        None => no_content(),
    }
}

/// 200 with a ListResponse.
pub fn list<T: Serialize>(list: ListResponse<T>) -> http::Response<Vec<u8>> {
    list.into_response()
}

/// The error's response (same as [`ScimError::into_response`]).
pub fn error(err: ScimError) -> http::Response<Vec<u8>> {
    err.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headers_from_meta() {
        let r = ok(&json!({"id": "1", "meta": {"version": "abc"}}));
        assert_eq!(r.headers()[header::ETAG], "\"abc\"");
        assert!(r.headers().get(header::LOCATION).is_none());
        assert_eq!(r.headers()[header::CONTENT_TYPE], crate::CONTENT_TYPE_SCIM);
        let r = created(&json!({"meta": {"location": "bad\nvalue"}}));
        assert!(r.headers().get(header::LOCATION).is_none());
        let r = no_content();
        assert!(r.body().is_empty() && r.headers().get(header::CONTENT_TYPE).is_none());
    }
}
