//! The SCIM error message of RFC 7644 §3.12, and the one place where every scimkit error becomes
//! an HTTP status, a `scimType` and a `detail`.

use scimkit_schema::text::excerpt;
use std::fmt;
use std::time::Duration;

use http::{header, StatusCode};
use scimkit_schema::ScimType;
use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{CONTENT_TYPE_SCIM, ERROR_SCHEMA};

/// An RFC 7644 §3.12 Error message: an HTTP status, an optional `scimType` keyword and an optional
/// human-readable `detail`.
///
/// This is what a server answers with and what a client gets back when a request fails. Every
/// scimkit error converts into it (`From` for [`scimkit_schema::Error`], [`scimkit_filter::Error`]
/// and [`scimkit_patch::Error`]), keeping the status, the keyword and a detail that names the
/// attribute or byte position.
///
/// On the wire `status` is a JSON *string* (RFC 7644 §3.12: "The HTTP status code ... expressed as
/// a JSON string"). Reading is tolerant of what real peers send: an integer `status` (Okta's own
/// samples, docs/idp-compatibility.md), a `schema` member beside or instead of `schemas` (AWS), a
/// `scimType` in any case, and keywords RFC 7644 does not list (RFC 9865's `invalidCursor`, vendor
/// keywords), which are kept as written.
///
/// # Examples
/// ```
/// use scimkit_protocol::ScimError;
///
/// let err = ScimError::not_found("Resource 2819c223-7f76-453a-919d-413861904646 not found");
/// let resp = err.clone().into_response();
/// assert_eq!(resp.status(), http::StatusCode::NOT_FOUND);
/// assert_eq!(resp.headers()["content-type"], "application/scim+json");
/// let json: serde_json::Value = serde_json::from_slice(resp.body())?;
/// assert_eq!(json["status"], "404");
///
/// // Reading accepts an integer status (Okta) and the AWS `schema` member.
/// let read: ScimError = serde_json::from_str(
///     r#"{"schema":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":409,"detail":"User already exists"}"#,
/// )?;
/// assert_eq!(read.status(), http::StatusCode::CONFLICT);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    status: StatusCode,
    // The keyword as it goes on the wire: canonical spelling for RFC keywords, as written otherwise.
    scim_type: Option<String>,
    detail: Option<String>,
    retry_after: Option<Duration>,
}

/// The RFC 9865 §3.2 keyword for a cursor that is not one the server issued
/// ([`ScimType::InvalidCursor`]).
pub const INVALID_CURSOR: &str = ScimType::InvalidCursor.as_str();
/// The RFC 9865 §3.2 keyword for a cursor past its lifetime ([`ScimType::ExpiredCursor`]).
pub const EXPIRED_CURSOR: &str = ScimType::ExpiredCursor.as_str();
/// The RFC 9865 §3.2 keyword for a `count` the server does not accept ([`ScimType::InvalidCount`]).
pub const INVALID_COUNT: &str = ScimType::InvalidCount.as_str();

impl ScimError {
    /// An error with the given status and detail, and no `scimType`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ScimError {
        ScimError {
            status,
            scim_type: None,
            detail: Some(detail.into()),
            retry_after: None,
        }
    }

    /// An error with the given status and no detail.
    pub fn from_status(status: StatusCode) -> ScimError {
        ScimError {
            status,
            scim_type: None,
            detail: None,
            retry_after: None,
        }
    }

    /// An error with the RFC 7644 §3.12 keyword `scim_type`, its status (400, 409 for
    /// `uniqueness`, 403 for `sensitive`) and a detail.
    pub fn from_scim_type(scim_type: ScimType, detail: impl Into<String>) -> ScimError {
        ScimError::new(scim_type.status(), detail).with_scim_type(scim_type)
    }

    /// Sets the `scimType` keyword, keeping the status.
    #[must_use]
    pub fn with_scim_type(mut self, scim_type: ScimType) -> ScimError {
        self.scim_type = Some(scim_type.as_str().to_owned());
        self
    }

    /// Sets a `scimType` keyword that RFC 7644 does not list (e.g. RFC 9865's `invalidCursor`).
    /// A keyword RFC 7644 lists is written in its canonical spelling.
    #[must_use]
    pub fn with_scim_type_str(mut self, keyword: impl Into<String>) -> ScimError {
        let keyword = keyword.into();
        self.scim_type = Some(match keyword.parse::<ScimType>() {
            Ok(t) => t.as_str().to_owned(),
            Err(_) => keyword,
        });
        self
    }

    /// Sets the detail.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> ScimError {
        self.detail = Some(detail.into());
        self
    }

    /// Sets how long the client should wait before retrying; written as `Retry-After` (in whole
    /// seconds) by [`into_response`](ScimError::into_response).
    #[must_use]
    pub fn with_retry_after(mut self, after: Duration) -> ScimError {
        self.retry_after = Some(after);
        self
    }

    // --- one constructor per RFC 7644 §3.12 scimType -------------------------------------------

    /// 400 `invalidFilter`: the filter syntax is invalid or names an unknown attribute.
    pub fn invalid_filter(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::InvalidFilter, detail)
    }
    /// 400 `tooMany`: the filter yields more results than the server is willing to return.
    pub fn too_many(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::TooMany, detail)
    }
    /// 409 `uniqueness`: a value is already in use (Okta, AWS expect 409 on duplicate create).
    pub fn uniqueness(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::Uniqueness, detail)
    }
    /// 400 `mutability`: the change is not compatible with an attribute's mutability.
    pub fn mutability(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::Mutability, detail)
    }
    /// 400 `invalidSyntax`: the request body is not a valid SCIM message.
    pub fn invalid_syntax(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::InvalidSyntax, detail)
    }
    /// 400 `invalidPath`: a PATCH `path` is invalid.
    pub fn invalid_path(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::InvalidPath, detail)
    }
    /// 400 `noTarget`: a PATCH path's filter matched nothing.
    pub fn no_target(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::NoTarget, detail)
    }
    /// 400 `invalidValue`: a value is missing or of the wrong kind.
    pub fn invalid_value(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::InvalidValue, detail)
    }
    /// 400 `invalidVers`: the protocol version is not supported.
    pub fn invalid_vers(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::InvalidVers, detail)
    }
    /// 403 `sensitive`: the request carries sensitive data in its URI (use `POST /.search`).
    pub fn sensitive(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::Sensitive, detail)
    }

    // --- RFC 9865 §3.2 ------------------------------------------------------------------------

    /// 400 `invalidCursor` (RFC 9865): the cursor is not one this server issued, or was altered.
    pub fn invalid_cursor(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::InvalidCursor, detail)
    }
    /// 400 `expiredCursor` (RFC 9865): the cursor has expired.
    pub fn expired_cursor(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::ExpiredCursor, detail)
    }
    /// 400 `invalidCount` (RFC 9865): the `count` is out of the range the server accepts.
    pub fn invalid_count(detail: impl Into<String>) -> ScimError {
        ScimError::from_scim_type(ScimType::InvalidCount, detail)
    }

    // --- one constructor per status of RFC 7644 §3.12 Table 8 ----------------------------------

    /// 400 without a keyword.
    pub fn bad_request(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, detail)
    }
    /// 401: authorization failure (missing or invalid bearer token). The response carries
    /// `WWW-Authenticate: Bearer` (RFC 6750 §3).
    pub fn unauthorized(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::UNAUTHORIZED, detail)
    }
    /// 403: the operation is not permitted for this client.
    pub fn forbidden(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::FORBIDDEN, detail)
    }
    /// 404: the resource or endpoint does not exist (Entra).
    pub fn not_found(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::NOT_FOUND, detail)
    }
    /// 405: the endpoint does not support the method.
    pub fn method_not_allowed(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::METHOD_NOT_ALLOWED, detail)
    }
    /// 409 without a keyword: the change conflicts with the resource's state (AWS).
    pub fn conflict(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::CONFLICT, detail)
    }
    /// 412: an `If-Match` precondition failed (RFC 7644 §3.14).
    pub fn precondition_failed(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::PRECONDITION_FAILED, detail)
    }
    /// 413: the request is larger than the server accepts (RFC 7644 §3.7.4).
    pub fn payload_too_large(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::PAYLOAD_TOO_LARGE, detail)
    }
    /// 415: the body's `Content-Type` is not a JSON media type.
    pub fn unsupported_media_type(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail)
    }
    /// 429 with an optional `Retry-After` (Slack, AWS throttling).
    pub fn too_many_requests(retry_after: Option<Duration>) -> ScimError {
        ScimError {
            status: StatusCode::TOO_MANY_REQUESTS,
            scim_type: None,
            detail: Some("too many requests".to_owned()),
            retry_after,
        }
    }
    /// 500: an internal error.
    pub fn internal(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, detail)
    }
    /// 501: the operation is not supported by this service provider (e.g. PATCH or Bulk).
    pub fn not_implemented(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::NOT_IMPLEMENTED, detail)
    }

    // --- accessors ----------------------------------------------------------------------------

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `scimType`, when it is one of the RFC 7644 §3.12 keywords.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type.as_deref().and_then(|s| s.parse().ok())
    }

    /// The `scimType` as written on the wire, including keywords RFC 7644 does not list.
    pub fn scim_type_raw(&self) -> Option<&str> {
        self.scim_type.as_deref()
    }

    /// The human-readable detail.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// How long to wait before retrying (a 429's or 503's `Retry-After`), when known.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The message as JSON: `schemas`, `scimType`, `detail`, `status` (a string).
    pub fn to_json(&self) -> Value {
        // Serialization of this type cannot fail: every member is a string.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The message as an `http::Response`: the status, `Content-Type: application/scim+json`
    /// (Entra), `Retry-After` when set and `WWW-Authenticate: Bearer` on 401.
    pub fn into_response(self) -> http::Response<Vec<u8>> {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut resp = http::Response::new(body);
        *resp.status_mut() = self.status;
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(CONTENT_TYPE_SCIM),
        );
        if let Some(after) = self.retry_after {
            h.insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(after.as_secs()),
            );
        }
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }

    /// Reads an error from an HTTP response a client received, tolerant of peers: a body that is
    /// not a SCIM error (an HTML page, nothing at all) still gives an error with the response's
    /// status, and a `Retry-After` header is kept.
    pub fn from_response(resp: &http::Response<Vec<u8>>) -> ScimError {
        let mut err = match serde_json::from_slice::<ScimError>(resp.body()) {
            Ok(mut e) => {
                // The transport status wins when the body disagrees or omits it.
                e.status = resp.status();
                e
            }
            Err(_) => {
                let text = String::from_utf8_lossy(resp.body());
                let text = text.trim();
                let mut e = ScimError::from_status(resp.status());
                if !text.is_empty() {
                    e.detail = Some(excerpt(text, 512).to_owned());
                }
                e
            }
        };
        if let Some(v) = resp.headers().get(header::RETRY_AFTER) {
            err.retry_after = v.to_str().ok().and_then(parse_retry_after);
        }
        err
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, as a wait from now.
pub(crate) fn parse_retry_after(text: &str) -> Option<Duration> {
    parse_retry_after_at(text, std::time::SystemTime::now())
}

/// `Retry-After` as a wait from `now` (the caller's clock); a date in the past is no wait.
pub(crate) fn parse_retry_after_at(text: &str, now: std::time::SystemTime) -> Option<Duration> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when: std::time::SystemTime = chrono::DateTime::parse_from_rfc2822(text).ok()?.into();
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status.as_u16())?;
        if let Some(t) = &self.scim_type {
            write!(f, " {t}")?;
        }
        match &self.detail {
            Some(d) => write!(f, ": {d}"),
            None => match self.status.canonical_reason() {
                Some(r) => write!(f, ": {}", r.to_lowercase()),
                None => Ok(()),
            },
        }
    }
}

impl std::error::Error for ScimError {}

impl Serialize for ScimError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Member order follows the RFC 7644 §3.12 examples.
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[ERROR_SCHEMA])?;
        if let Some(t) = &self.scim_type {
            m.serialize_entry("scimType", t)?;
        }
        if let Some(d) = &self.detail {
            m.serialize_entry("detail", d)?;
        }
        m.serialize_entry("status", self.status.as_str())?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for ScimError {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        ScimError::from_json(&v).map_err(de::Error::custom)
    }
}

impl ScimError {
    /// Reads an Error message from JSON, tolerant as described on [`ScimError`]. Member names
    /// match in any case. Fails when the value is not an object or has no usable `status`.
    pub fn from_json(v: &Value) -> Result<ScimError, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| "an error message must be a JSON object".to_owned())?;
        let get = |name: &str| scimkit_schema::name::value(obj, name);
        let status = match get("status") {
            Some(Value::String(s)) => s.trim().parse::<u16>().ok(),
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            _ => None,
        }
        .and_then(|n| StatusCode::from_u16(n).ok())
        .ok_or_else(|| "`status` must be an HTTP status code".to_owned())?;
        let mut err = ScimError::from_status(status);
        if let Some(Value::String(t)) = get("scimType") {
            if !t.is_empty() {
                err = err.with_scim_type_str(t.clone());
            }
        }
        if let Some(Value::String(d)) = get("detail") {
            err.detail = Some(d.clone());
        }
        Ok(err)
    }
}

impl From<scimkit_schema::Error> for ScimError {
    fn from(e: scimkit_schema::Error) -> Self {
        let mut err = ScimError::new(e.status(), e.to_string());
        if let Some(t) = e.scim_type() {
            err = err.with_scim_type(t);
        }
        err
    }
}

impl From<scimkit_filter::Error> for ScimError {
    /// 400 with `invalidFilter` (filters) or `invalidPath` (paths, attribute lists, sortBy); the
    /// detail ends with the byte position, e.g. "... at byte 9".
    fn from(e: scimkit_filter::Error) -> Self {
        ScimError::new(e.status(), e.to_string()).with_scim_type(e.scim_type())
    }
}

impl From<scimkit_patch::Error> for ScimError {
    /// 400 with `invalidSyntax`, `invalidPath`, `noTarget`, `invalidValue` or `mutability`; the
    /// detail names the operation, its path and the byte position, e.g.
    /// "operation 0 (`members[value eq \"zz\"].display`): no value of `members` matches the filter".
    fn from(e: scimkit_patch::Error) -> Self {
        ScimError::new(e.status(), e.to_string()).with_scim_type(e.scim_type())
    }
}

impl From<http::Error> for ScimError {
    fn from(e: http::Error) -> Self {
        ScimError::internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc_9865_keywords_are_scim_types() {
        let cases = [
            (ScimError::invalid_cursor("x"), ScimType::InvalidCursor),
            (ScimError::expired_cursor("x"), ScimType::ExpiredCursor),
            (ScimError::invalid_count("x"), ScimType::InvalidCount),
        ];
        for (err, want) in cases {
            assert_eq!(err.scim_type(), Some(want));
            assert_eq!(err.status(), StatusCode::BAD_REQUEST);
            // Read back from the wire, the keyword is still recognised.
            let read: ScimError = serde_json::from_value(err.to_json()).unwrap();
            assert_eq!(read.scim_type(), Some(want));
        }
        assert_eq!(INVALID_CURSOR, "invalidCursor");
    }

    #[test]
    fn writes_rfc_shape_with_string_status() {
        let e = ScimError::invalid_filter("unexpected `)` at byte 4");
        assert_eq!(
            e.to_json(),
            json!({"schemas":[ERROR_SCHEMA],"scimType":"invalidFilter","detail":"unexpected `)` at byte 4","status":"400"})
        );
        assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter));
        assert_eq!(e.to_string(), "400 invalidFilter: unexpected `)` at byte 4");
    }

    #[test]
    fn reads_integer_status_any_case_keyword_and_aws_schema() {
        let e: ScimError = serde_json::from_value(json!({"schema":[ERROR_SCHEMA],"schemas":[ERROR_SCHEMA],"status":"400","scimType":"INVALIDVALUE","detail":"x"})).unwrap();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(e.scim_type_raw(), Some("invalidValue"));
        let e: ScimError = serde_json::from_value(json!({"status":409})).unwrap();
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert!(serde_json::from_value::<ScimError>(json!({"status":"abc"})).is_err());
        assert!(serde_json::from_value::<ScimError>(json!({"status":99999})).is_err());
        assert!(serde_json::from_value::<ScimError>(json!([1])).is_err());
    }

    #[test]
    fn unknown_keyword_is_kept() {
        let e = ScimError::bad_request("cursor was altered").with_scim_type_str("notAKeyword");
        assert_eq!(e.scim_type_raw(), Some("notAKeyword"));
        assert_eq!(e.scim_type(), None);
        let back: ScimError = serde_json::from_value(e.to_json()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn constructors_have_rfc_statuses() {
        assert_eq!(ScimError::uniqueness("x").status(), StatusCode::CONFLICT);
        assert_eq!(ScimError::sensitive("x").status(), StatusCode::FORBIDDEN);
        assert_eq!(ScimError::precondition_failed("x").status(), 412);
        assert_eq!(ScimError::payload_too_large("x").status(), 413);
        assert_eq!(ScimError::not_implemented("x").status(), 501);
        assert_eq!(ScimError::too_many("x").scim_type_raw(), Some("tooMany"));
    }

    #[test]
    fn response_headers() {
        let r = ScimError::too_many_requests(Some(Duration::from_secs(30))).into_response();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()[header::RETRY_AFTER], "30");
        let r = ScimError::unauthorized("no token").into_response();
        assert_eq!(r.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(r.headers()[header::CONTENT_TYPE], CONTENT_TYPE_SCIM);
    }

    #[test]
    fn from_response_is_tolerant() {
        let mut resp = http::Response::new(b"<html>gateway timeout</html>".to_vec());
        *resp.status_mut() = StatusCode::GATEWAY_TIMEOUT;
        let e = ScimError::from_response(&resp);
        assert_eq!(e.status(), 504);
        assert_eq!(e.detail(), Some("<html>gateway timeout</html>"));

        let mut resp = http::Response::new(Vec::new());
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        resp.headers_mut()
            .insert(header::RETRY_AFTER, "120".parse().unwrap());
        let e = ScimError::from_response(&resp);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    }

    #[test]
    fn retry_after_http_date_in_past_is_zero() {
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn from_schema_error_keeps_status_type_and_path() {
        let se = scimkit_schema::Error::new(
            scimkit_schema::ErrorKind::Uniqueness,
            "userName",
            "value is already taken",
        );
        let e = ScimError::from(se);
        assert_eq!(e.status(), StatusCode::CONFLICT);
        assert_eq!(e.scim_type(), Some(ScimType::Uniqueness));
        assert!(e.detail().unwrap().contains("`userName`"));
    }
}
