//! The client side of the http mapping: build [`http::Request`]s for every SCIM operation and
//! read the responses into typed results or a [`ScimError`].

use http::{header, HeaderValue, Method, StatusCode};
use scimkit_patch::PatchRequest;
use scimkit_schema::{Group, User};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::query::percent_encode_into;
use crate::{BulkRequest, BulkResponse, ETag, ListResponse, Query, ScimError, CONTENT_TYPE_SCIM};

/// A resource type whose endpoint is fixed (RFC 7643 §6 `endpoint`), so that a request can be
/// built from the value alone ([`Client::create_resource`], [`Client::replace_resource`]).
pub trait ResourceEndpoint: Serialize {
    /// The endpoint relative to the base URL, e.g. `Users`.
    const ENDPOINT: &'static str;
}

impl ResourceEndpoint for User {
    const ENDPOINT: &'static str = "Users";
}

impl ResourceEndpoint for Group {
    const ENDPOINT: &'static str = "Groups";
}

/// Builds requests against one service provider and reads its responses.
///
/// `Client` holds the base URL and a bearer token; it sends nothing. Give the
/// [`http::Request`] it builds to the HTTP client of your choice and the response back to one of
/// the `parse_*` functions, which turn non-2xx responses into [`ScimError`]s (keeping a 429's
/// `Retry-After`: Slack, AWS) and read bodies tolerantly (string counts, `resources` in any
/// case, an integer error `status`).
///
/// # Examples
/// ```
/// use scimkit_protocol::{Client, ListResponse, Query};
/// use scimkit_filter::Filter;
///
/// let client = Client::new("https://example.com/scim/v2")?.bearer_token("t0k3n");
/// let mut q = Query::filter(Filter::parse(r#"userName eq "bjensen@example.com""#)?);
/// q.count = Some(100);
/// let req = client.list("Users", &q)?;
/// assert_eq!(
///     req.uri().to_string(),
///     "https://example.com/scim/v2/Users?filter=userName%20eq%20%22bjensen%40example.com%22&count=100"
/// );
/// assert_eq!(req.headers()["authorization"], "Bearer t0k3n");
///
/// // An empty result (Entra, Okta).
/// let resp = http::Response::builder().status(200)
///     .body(br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#.to_vec())?;
/// let list: ListResponse = Client::parse_list(&resp)?;
/// assert!(list.resources.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Client {
    base: String,
    token: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Client {
    /// A client for the service provider at `base_url` (e.g. `https://example.com/scim/v2`).
    /// Only `http` and `https` URLs without a query or fragment are accepted.
    pub fn new(base_url: &str) -> Result<Client, ScimError> {
        let url = url::Url::parse(base_url)
            .map_err(|e| ScimError::invalid_value(format!("base URL `{base_url}`: {e}")))?;
        if !matches!(url.scheme(), "http" | "https")
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(ScimError::invalid_value(format!(
                "base URL `{base_url}` must be http(s) without a query or fragment"
            )));
        }
        Ok(Client {
            base: url.as_str().trim_end_matches('/').to_owned(),
            token: None,
        })
    }

    /// Sends `Authorization: Bearer <token>` (RFC 6750) with every request.
    #[must_use]
    pub fn bearer_token(mut self, token: impl Into<String>) -> Client {
        self.token = Some(token.into());
        self
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, endpoint: &str, id: Option<&str>, query: Option<&str>) -> String {
        let mut u = self.base.clone();
        for seg in endpoint.split('/').filter(|s| !s.is_empty()) {
            u.push('/');
            // Endpoint segments are names like `Users`, `.search` or a schema URN: keep `:`.
            for part in seg.split(':').enumerate() {
                if part.0 > 0 {
                    u.push(':');
                }
                percent_encode_into(part.1, &mut u);
            }
        }
        if let Some(id) = id {
            u.push('/');
            percent_encode_into(id, &mut u);
        }
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            u.push('?');
            u.push_str(q);
        }
        u
    }

    fn request(
        &self,
        method: Method,
        url: String,
        body: Option<Vec<u8>>,
        if_match: Option<&ETag>,
    ) -> Result<http::Request<Vec<u8>>, ScimError> {
        let mut b = http::Request::builder()
            .method(method)
            .uri(url)
            .header(header::ACCEPT, CONTENT_TYPE_SCIM);
        if let Some(t) = &self.token {
            let v = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| {
                ScimError::invalid_value("the bearer token is not a valid header value")
            })?;
            b = b.header(header::AUTHORIZATION, v);
        }
        if let Some(tag) = if_match {
            b = b.header(header::IF_MATCH, tag.to_header_value());
        }
        let body = match body {
            Some(body) => {
                b = b.header(header::CONTENT_TYPE, CONTENT_TYPE_SCIM);
                body
            }
            None => Vec::new(),
        };
        b.body(body).map_err(ScimError::from)
    }

    fn json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, ScimError> {
        serde_json::to_vec(value).map_err(|e| ScimError::internal(e.to_string()))
    }

    /// `POST /{endpoint}` (§3.3) with any serializable resource: a `serde_json::Value`, a
    /// [`User`], a [`Group`] or a type of your own.
    pub fn create<T: Serialize + ?Sized>(
        &self,
        endpoint: &str,
        resource: &T,
    ) -> Result<http::Request<Vec<u8>>, ScimError> {
        self.request(
            Method::POST,
            self.url(endpoint, None, None),
            Some(Client::json(resource)?),
            None,
        )
    }

    /// `GET /{endpoint}/{id}` (§3.4.1), with `attributes`/`excludedAttributes` from `query`.
    pub fn get(
        &self,
        endpoint: &str,
        id: &str,
        query: Option<&Query>,
    ) -> Result<http::Request<Vec<u8>>, ScimError> {
        let q = query.map(Query::to_query_string);
        self.request(
            Method::GET,
            self.url(endpoint, Some(id), q.as_deref()),
            None,
            None,
        )
    }

    /// `GET /{endpoint}?...` (§3.4.2) with every query parameter set in `query`. An empty
    /// `endpoint` queries the root.
    pub fn list(&self, endpoint: &str, query: &Query) -> Result<http::Request<Vec<u8>>, ScimError> {
        let q = query.to_query_string();
        self.request(Method::GET, self.url(endpoint, None, Some(&q)), None, None)
    }

    /// `PUT /{endpoint}/{id}` (§3.5.1) with any serializable resource, with `If-Match` when a
    /// version is given (§3.14).
    pub fn replace<T: Serialize + ?Sized>(
        &self,
        endpoint: &str,
        id: &str,
        resource: &T,
        if_match: Option<&ETag>,
    ) -> Result<http::Request<Vec<u8>>, ScimError> {
        self.request(
            Method::PUT,
            self.url(endpoint, Some(id), None),
            Some(Client::json(resource)?),
            if_match,
        )
    }

    /// `POST` to the resource's own endpoint (`/Users` for a [`User`]).
    ///
    /// ```
    /// use scimkit_protocol::Client;
    /// use scimkit_schema::{Group, User};
    ///
    /// let client = Client::new("https://example.com/scim/v2")?;
    /// let user: User = serde_json::from_value(serde_json::json!({"userName": "bjensen"}))?;
    /// let req = client.create_resource(&user)?;
    /// assert_eq!(req.uri().path(), "/scim/v2/Users");
    /// let group: Group = serde_json::from_value(serde_json::json!({"displayName": "Tour Guides"}))?;
    /// let req = client.replace_resource("e9e30dba", &group, None)?;
    /// assert_eq!((req.method().as_str(), req.uri().path()), ("PUT", "/scim/v2/Groups/e9e30dba"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create_resource<R: ResourceEndpoint>(
        &self,
        resource: &R,
    ) -> Result<http::Request<Vec<u8>>, ScimError> {
        self.create(R::ENDPOINT, resource)
    }

    /// `PUT` to the resource's own endpoint (`/Groups/{id}` for a [`Group`]).
    pub fn replace_resource<R: ResourceEndpoint>(
        &self,
        id: &str,
        resource: &R,
        if_match: Option<&ETag>,
    ) -> Result<http::Request<Vec<u8>>, ScimError> {
        self.replace(R::ENDPOINT, id, resource, if_match)
    }

    /// `PATCH /{endpoint}/{id}` with the operations that turn `old` into `new`
    /// ([`scimkit_patch::diff`]), or `None` when they are equal. `old` should be the resource as
    /// the server returned it, so that only what the caller changed is sent.
    ///
    /// ```
    /// use scimkit_protocol::Client;
    /// use serde_json::json;
    ///
    /// let client = Client::new("https://example.com/scim/v2")?;
    /// let old = json!({"id": "1", "userName": "bjensen", "active": true});
    /// let new = json!({"id": "1", "userName": "bjensen", "active": false});
    /// let req = client.patch_diff("Users", "1", &old, &new, None)?.expect("a change");
    /// let body: serde_json::Value = serde_json::from_slice(req.body())?;
    /// assert_eq!(body["Operations"][0], json!({"op": "replace", "path": "active", "value": false}));
    /// assert!(client.patch_diff("Users", "1", &old, &old, None)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn patch_diff<T: Serialize + ?Sized>(
        &self,
        endpoint: &str,
        id: &str,
        old: &T,
        new: &T,
        if_match: Option<&ETag>,
    ) -> Result<Option<http::Request<Vec<u8>>>, ScimError> {
        let to_json =
            |v: &T| serde_json::to_value(v).map_err(|e| ScimError::internal(e.to_string()));
        let ops = scimkit_patch::diff(&to_json(old)?, &to_json(new)?);
        if ops.is_empty() {
            return Ok(None);
        }
        self.patch(endpoint, id, &PatchRequest::new(ops), if_match)
            .map(Some)
    }

    /// `PATCH /{endpoint}/{id}` (§3.5.2).
    pub fn patch(
        &self,
        endpoint: &str,
        id: &str,
        patch: &PatchRequest,
        if_match: Option<&ETag>,
    ) -> Result<http::Request<Vec<u8>>, ScimError> {
        self.request(
            Method::PATCH,
            self.url(endpoint, Some(id), None),
            Some(Client::json(patch)?),
            if_match,
        )
    }

    /// `DELETE /{endpoint}/{id}` (§3.6).
    pub fn delete(
        &self,
        endpoint: &str,
        id: &str,
        if_match: Option<&ETag>,
    ) -> Result<http::Request<Vec<u8>>, ScimError> {
        self.request(
            Method::DELETE,
            self.url(endpoint, Some(id), None),
            None,
            if_match,
        )
    }

    /// `POST /{endpoint}/.search`, or `POST /.search` when `endpoint` is empty (§3.4.3).
    pub fn search(
        &self,
        endpoint: &str,
        query: &Query,
    ) -> Result<http::Request<Vec<u8>>, ScimError> {
        let path = format!("{}/.search", endpoint.trim_end_matches('/'));
        self.request(
            Method::POST,
            self.url(&path, None, None),
            Some(Client::json(&query.to_search_request())?),
            None,
        )
    }

    /// `POST /Bulk` (§3.7).
    pub fn bulk(&self, req: &BulkRequest) -> Result<http::Request<Vec<u8>>, ScimError> {
        self.request(
            Method::POST,
            self.url("Bulk", None, None),
            Some(Client::json(req)?),
            None,
        )
    }

    /// `GET /ServiceProviderConfig` (§4).
    pub fn service_provider_config(&self) -> Result<http::Request<Vec<u8>>, ScimError> {
        self.request(
            Method::GET,
            self.url("ServiceProviderConfig", None, None),
            None,
            None,
        )
    }

    /// `GET /ResourceTypes`, or `GET /ResourceTypes/{name}` (§4).
    pub fn resource_types(&self, name: Option<&str>) -> Result<http::Request<Vec<u8>>, ScimError> {
        self.request(
            Method::GET,
            self.url("ResourceTypes", name, None),
            None,
            None,
        )
    }

    /// `GET /Schemas`, or `GET /Schemas/{urn}` (§4).
    pub fn schemas(&self, urn: Option<&str>) -> Result<http::Request<Vec<u8>>, ScimError> {
        let path = match urn {
            Some(u) => format!("Schemas/{u}"),
            None => "Schemas".to_owned(),
        };
        self.request(Method::GET, self.url(&path, None, None), None, None)
    }

    // --- responses ------------------------------------------------------------------------

    fn check(resp: &http::Response<Vec<u8>>) -> Result<(), ScimError> {
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(ScimError::from_response(resp))
        }
    }

    fn bad_response(what: &str, detail: impl std::fmt::Display) -> ScimError {
        // The service provider answered 2xx with something that is not the message: for the
        // caller this is a failed upstream, hence 502.
        ScimError::new(
            StatusCode::BAD_GATEWAY,
            format!("the service provider's {what} is invalid: {detail}"),
        )
    }

    /// A resource from a 200 or 201 response (GET, POST, PUT, PATCH with a body). An empty body
    /// is an error (Okta: "Create new user returned empty user").
    pub fn parse_resource<T: DeserializeOwned>(
        resp: &http::Response<Vec<u8>>,
    ) -> Result<T, ScimError> {
        Client::check(resp)?;
        if resp.body().iter().all(u8::is_ascii_whitespace) {
            return Err(Client::bad_response("response", "the body is empty"));
        }
        serde_json::from_slice(resp.body()).map_err(|e| Client::bad_response("resource", e))
    }

    /// The resource's version from the `ETag` header, when present and well-formed.
    pub fn parse_etag(resp: &http::Response<Vec<u8>>) -> Option<ETag> {
        resp.headers()
            .get(header::ETAG)?
            .to_str()
            .ok()?
            .parse()
            .ok()
    }

    /// A ListResponse (query, search, `/ResourceTypes`, `/Schemas`).
    pub fn parse_list<T: DeserializeOwned>(
        resp: &http::Response<Vec<u8>>,
    ) -> Result<ListResponse<T>, ScimError> {
        Client::check(resp)?;
        let v: Value = serde_json::from_slice(resp.body())
            .map_err(|e| Client::bad_response("ListResponse", e))?;
        ListResponse::from_json(v).map_err(|e| Client::bad_response("ListResponse", e))
    }

    /// A PATCH response: `Some(resource)` for 200 with a body, `None` for 204 (Entra,
    /// Okta) or an empty 200.
    pub fn parse_patch(resp: &http::Response<Vec<u8>>) -> Result<Option<Value>, ScimError> {
        Client::check(resp)?;
        if resp.status() == StatusCode::NO_CONTENT
            || resp.body().iter().all(u8::is_ascii_whitespace)
        {
            return Ok(None);
        }
        serde_json::from_slice(resp.body())
            .map(Some)
            .map_err(|e| Client::bad_response("resource", e))
    }

    /// A response without a meaningful body (DELETE: 204).
    pub fn parse_empty(resp: &http::Response<Vec<u8>>) -> Result<(), ScimError> {
        Client::check(resp)
    }

    /// A BulkResponse.
    pub fn parse_bulk(resp: &http::Response<Vec<u8>>) -> Result<BulkResponse, ScimError> {
        Client::check(resp)?;
        serde_json::from_slice(resp.body()).map_err(|e| Client::bad_response("BulkResponse", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn resp(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn builds_requests() {
        let c = Client::new("https://example.com/scim/v2/")
            .unwrap()
            .bearer_token("abc");
        let r = c.create("/Users", &json!({"userName": "x"})).unwrap();
        assert_eq!(
            (r.method(), r.uri().to_string().as_str()),
            (&Method::POST, "https://example.com/scim/v2/Users")
        );
        assert_eq!(r.headers()[header::CONTENT_TYPE], CONTENT_TYPE_SCIM);
        let r = c.delete("Users", "a/b c", Some(&ETag::weak("v1"))).unwrap();
        assert_eq!(
            r.uri().to_string(),
            "https://example.com/scim/v2/Users/a%2Fb%20c"
        );
        assert_eq!(r.headers()[header::IF_MATCH], "W/\"v1\"");
        let r = c.search("", &Query::default()).unwrap();
        assert_eq!(r.uri().path(), "/scim/v2/.search");
        let r = c
            .schemas(Some("urn:ietf:params:scim:schemas:core:2.0:User"))
            .unwrap();
        assert_eq!(
            r.uri().path(),
            "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"
        );
        assert!(Client::new("ftp://x").is_err());
        assert!(Client::new("https://x/?a=1").is_err());
        assert!(c
            .clone()
            .bearer_token("bad\ntoken")
            .service_provider_config()
            .is_err());
        assert!(!format!("{c:?}").contains("abc"));
    }

    #[test]
    fn parses_responses() {
        let e = Client::parse_resource::<Value>(&resp(409, r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"User already exists","status":409}"#)).unwrap_err();
        assert_eq!(
            (e.status(), e.detail()),
            (StatusCode::CONFLICT, Some("User already exists"))
        );
        assert_eq!(
            Client::parse_resource::<Value>(&resp(201, ""))
                .unwrap_err()
                .status(),
            502
        );
        assert_eq!(Client::parse_patch(&resp(204, "")).unwrap(), None);
        assert!(
            Client::parse_patch(&resp(200, r#"{"id":"1","members":null}"#))
                .unwrap()
                .is_some()
        );
        let mut r429 = resp(429, "");
        r429.headers_mut()
            .insert(header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            Client::parse_empty(&r429).unwrap_err().retry_after(),
            Some(Duration::from_secs(7))
        );
        let l: ListResponse = Client::parse_list(&resp(
            200,
            r#"{"totalResults":"1","itemsPerPage":"1","startIndex":"1","resources":[{"id":"a"}]}"#,
        ))
        .unwrap();
        assert_eq!(l.total_results, Some(1));
        assert_eq!(
            Client::parse_list::<Value>(&resp(200, "nope"))
                .unwrap_err()
                .status(),
            502
        );
    }
}
