//! The server side of the http mapping: classify an [`http::Request`] into a [`ScimRequest`]
//! (RFC 7644 §3.2 endpoints and methods).

use http::{header, HeaderMap, Method, StatusCode};
use scimkit_patch::PatchRequest;
use scimkit_schema::text::excerpt;
use scimkit_schema::SchemaRegistry;
use serde_json::Value;

use crate::{
    etag, BulkProcessor, BulkRequest, ETag, Precondition, Query, QueryOptions, ScimError,
    SearchRequest,
};

/// What a request addresses (RFC 7644 §3.2, Table 1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// The service provider root: `GET /` queries every resource type (§3.4.2.1).
    Root,
    /// `POST /.search` over every resource type (§3.4.3).
    RootSearch,
    /// A resource type's endpoint, e.g. `/Users`: GET lists, POST creates. `resource_type` is the
    /// registry's name for it (`User`).
    Resources {
        /// The resource type's name.
        resource_type: String,
    },
    /// One resource, e.g. `/Users/2819c223`: GET, PUT, PATCH, DELETE.
    Resource {
        /// The resource type's name.
        resource_type: String,
        /// The resource id, percent-decoded.
        id: String,
    },
    /// `POST /Users/.search` (§3.4.3).
    Search {
        /// The resource type's name.
        resource_type: String,
    },
    /// `/Me`, the authenticated subject (§3.11).
    Me,
    /// `POST /Bulk` (§3.7).
    Bulk,
    /// `GET /ServiceProviderConfig` (§4).
    ServiceProviderConfig,
    /// `GET /ResourceTypes` (§4).
    ResourceTypes,
    /// `GET /ResourceTypes/{name}` (§4).
    ResourceType(String),
    /// `GET /Schemas` (§4).
    Schemas,
    /// `GET /Schemas/{urn}` (§4).
    Schema(String),
}

/// A request body, parsed for its endpoint and method.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Body {
    /// No body (GET, DELETE).
    None,
    /// A resource (POST create, PUT replace): a JSON object, not yet validated against a schema.
    Resource(Value),
    /// A PatchOp message (PATCH).
    Patch(PatchRequest),
    /// A SearchRequest (`POST /.search`); its validated form is [`ScimRequest::query`].
    Search(SearchRequest),
    /// A BulkRequest (`POST /Bulk`), already checked against the bulk limits.
    Bulk(BulkRequest),
}

/// A classified SCIM request: endpoint, method, validated query and parsed body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScimRequest {
    /// The HTTP method.
    pub method: Method,
    /// What the request addresses.
    pub endpoint: Endpoint,
    /// The query: from the URI, or from the body of `POST /.search`.
    pub query: Query,
    /// The body.
    pub body: Body,
    /// The request headers (for `If-Match`, `If-None-Match`, authentication).
    pub headers: HeaderMap,
}

impl ScimRequest {
    /// Evaluates `If-Match` / `If-None-Match` against the resource's current version
    /// (RFC 7644 §3.14); see [`evaluate_preconditions`](crate::evaluate_preconditions).
    pub fn preconditions(&self, current: Option<&ETag>) -> Result<Precondition, ScimError> {
        etag::evaluate_preconditions(&self.method, &self.headers, current)
    }
}

/// Classifies requests for a service provider at a base path.
///
/// - Paths under the base path are matched against the discovery endpoints, `/Bulk`, `/Me`,
///   `/.search` and the registry's resource type endpoints, all in any case; anything else is
///   404. A method an endpoint does not support is 405.
/// - Bodies of POST, PUT and PATCH must be JSON: `Content-Type` `application/scim+json` or
///   `application/json`, `text/json` (Okta's samples, docs/idp-compatibility.md) unless
///   [`strict_content_type`](Router::strict_content_type) is on, or no `Content-Type` at all;
///   another media type is 415. A body over [`max_body_size`](Router::max_body_size) is 413
///   (for `/Bulk`, the bulk `maxPayloadSize` with the RFC's message); malformed JSON is 400
///   `invalidSyntax`.
///
/// # Examples
/// ```
/// use scimkit_protocol::{Body, Endpoint, Router};
/// use scimkit_schema::SchemaRegistry;
///
/// let router = Router::new("/scim/v2", SchemaRegistry::rfc());
/// let req = http::Request::patch("/scim/v2/Groups/acbf3ae7-8463-4692-b4fd-9b4da3f908ce")
///     .header("content-type", "application/scim+json")
///     .body(br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///                "Operations":[{"op":"remove","path":"members[value eq \"2819c223\"]"}]}"#.to_vec())?;
/// let scim = router.classify(&req)?;
/// assert_eq!(scim.endpoint, Endpoint::Resource {
///     resource_type: "Group".into(), id: "acbf3ae7-8463-4692-b4fd-9b4da3f908ce".into() });
/// assert!(matches!(scim.body, Body::Patch(ref p) if p.operations.len() == 1));
///
/// let bad = http::Request::delete("/scim/v2/Users").body(Vec::new())?;
/// assert_eq!(router.classify(&bad).unwrap_err().status(), 405);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Router {
    base_path: String,
    registry: SchemaRegistry,
    query: QueryOptions,
    max_body_size: usize,
    bulk: BulkProcessor,
    strict_content_type: bool,
}

impl Router {
    /// A router for the service provider at `base_path` (e.g. `/scim/v2`; `""` or `/` for the
    /// root) serving the resource types of `registry`.
    pub fn new(base_path: &str, registry: SchemaRegistry) -> Router {
        Router {
            base_path: base_path.trim_end_matches('/').to_owned(),
            registry,
            query: QueryOptions::new(),
            max_body_size: 1_048_576,
            bulk: BulkProcessor::new(),
            strict_content_type: false,
        }
    }

    /// Sets how query parameters are validated.
    #[must_use]
    pub fn query_options(mut self, options: QueryOptions) -> Router {
        self.query = options;
        self
    }

    /// Sets the largest body accepted outside `/Bulk`, in bytes. Default 1 MiB.
    #[must_use]
    pub fn max_body_size(mut self, bytes: usize) -> Router {
        self.max_body_size = bytes;
        self
    }

    /// Sets the bulk limits.
    #[must_use]
    pub fn bulk(mut self, processor: BulkProcessor) -> Router {
        self.bulk = processor;
        self
    }

    /// When on, `text/json` bodies are refused with 415 (default off: tolerated, as Okta's samples send it).
    #[must_use]
    pub fn strict_content_type(mut self, on: bool) -> Router {
        self.strict_content_type = on;
        self
    }

    /// The registry.
    pub fn registry(&self) -> &SchemaRegistry {
        &self.registry
    }

    /// The bulk processor (to run a classified [`Body::Bulk`]).
    pub fn bulk_processor(&self) -> &BulkProcessor {
        &self.bulk
    }

    /// Classifies a request, or says which error to answer with.
    pub fn classify<B: AsRef<[u8]>>(
        &self,
        req: &http::Request<B>,
    ) -> Result<ScimRequest, ScimError> {
        let method = req.method().clone();
        let endpoint = self.route(req.uri().path())?;
        check_method(&endpoint, &method)?;
        let mut query = self.query.parse_uri(req.uri())?;
        let raw = req.body().as_ref();
        let body = if method == Method::POST || method == Method::PUT || method == Method::PATCH {
            self.parse_body(&endpoint, &method, req.headers(), raw)?
        } else {
            Body::None
        };
        if let Body::Search(s) = &body {
            query = self.query.from_search(s)?;
        }
        Ok(ScimRequest {
            method,
            endpoint,
            query,
            body,
            headers: req.headers().clone(),
        })
    }

    fn route(&self, path: &str) -> Result<Endpoint, ScimError> {
        let not_found =
            || ScimError::not_found(format!("no SCIM endpoint at `{}`", excerpt(path, 128)));
        let rest = if self.base_path.is_empty() {
            path
        } else {
            let Some(rest) = path.strip_prefix(&self.base_path) else {
                return Err(not_found());
            };
            if !(rest.is_empty() || rest.starts_with('/')) {
                return Err(not_found());
            }
            rest
        };
        let segs: Vec<String> = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let is = |s: &str, name: &str| s.eq_ignore_ascii_case(name);
        let seg: Vec<&str> = segs.iter().map(String::as_str).collect();
        Ok(match seg.as_slice() {
            [] => Endpoint::Root,
            [s] if is(s, ".search") => Endpoint::RootSearch,
            [s] if is(s, "Bulk") => Endpoint::Bulk,
            [s] if is(s, "Me") => Endpoint::Me,
            [s] if is(s, "ServiceProviderConfig") => Endpoint::ServiceProviderConfig,
            [s] if is(s, "ResourceTypes") => Endpoint::ResourceTypes,
            [s, name] if is(s, "ResourceTypes") => Endpoint::ResourceType((*name).to_owned()),
            [s] if is(s, "Schemas") => Endpoint::Schemas,
            [s, urn] if is(s, "Schemas") => Endpoint::Schema((*urn).to_owned()),
            [ep, rest @ ..] => {
                let rt = self.registry.by_endpoint(ep).ok_or_else(not_found)?;
                let resource_type = rt.name().to_owned();
                match rest {
                    [] => Endpoint::Resources { resource_type },
                    [s] if is(s, ".search") => Endpoint::Search { resource_type },
                    [id] => Endpoint::Resource {
                        resource_type,
                        id: (*id).to_owned(),
                    },
                    _ => return Err(not_found()),
                }
            }
        })
    }

    fn parse_body(
        &self,
        endpoint: &Endpoint,
        method: &Method,
        headers: &HeaderMap,
        raw: &[u8],
    ) -> Result<Body, ScimError> {
        let limit = if *endpoint == Endpoint::Bulk {
            self.bulk.payload_limit()
        } else {
            self.max_body_size
        };
        if raw.len() > limit {
            return Err(if *endpoint == Endpoint::Bulk {
                ScimError::payload_too_large(format!(
                    "The size of the bulk operation exceeds the maxPayloadSize ({limit})."
                ))
            } else {
                ScimError::payload_too_large(format!(
                    "the request body is {} bytes, over the limit of {limit}",
                    raw.len()
                ))
            });
        }
        self.check_content_type(headers)?;
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax("the request body is empty"));
        }
        if *endpoint == Endpoint::Bulk {
            return self.bulk.parse(raw).map(Body::Bulk);
        }
        let json = crate::parse_json(raw)?;
        match (endpoint, method) {
            (Endpoint::RootSearch | Endpoint::Search { .. }, _) => SearchRequest::from_json(&json)
                .map(Body::Search)
                .map_err(ScimError::invalid_syntax),
            (_, m) if m == Method::PATCH => PatchRequest::from_value(&json)
                .map(Body::Patch)
                .map_err(ScimError::from),
            _ => {
                if json.is_object() {
                    Ok(Body::Resource(json))
                } else {
                    Err(ScimError::invalid_syntax(
                        "a resource must be a JSON object",
                    ))
                }
            }
        }
    }

    fn check_content_type(&self, headers: &HeaderMap) -> Result<(), ScimError> {
        let Some(ct) = headers.get(header::CONTENT_TYPE) else {
            return Ok(()); // tolerated: many clients omit it on small JSON bodies
        };
        let text = ct.to_str().unwrap_or("");
        let media = text.split(';').next().unwrap_or("").trim();
        let ok = media.eq_ignore_ascii_case("application/scim+json")
            || media.eq_ignore_ascii_case("application/json")
            || (!self.strict_content_type && media.eq_ignore_ascii_case("text/json"));
        if ok {
            Ok(())
        } else {
            Err(ScimError::unsupported_media_type(format!(
                "`Content-Type` must be `application/scim+json` or `application/json`, not `{}`",
                excerpt(text, 128)
            )))
        }
    }
}

fn check_method(endpoint: &Endpoint, method: &Method) -> Result<(), ScimError> {
    use Endpoint as E;
    let allowed: &[Method] = match endpoint {
        E::Root => &[Method::GET, Method::HEAD],
        E::RootSearch | E::Search { .. } | E::Bulk => &[Method::POST],
        E::Resources { .. } => &[Method::GET, Method::HEAD, Method::POST],
        E::Resource { .. } | E::Me => &[
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ],
        E::ServiceProviderConfig
        | E::ResourceTypes
        | E::ResourceType(_)
        | E::Schemas
        | E::Schema(_) => &[Method::GET, Method::HEAD],
    };
    // §3.11: POST /Me creates the authenticated subject's resource.
    if allowed.contains(method) || (*endpoint == E::Me && method == Method::POST) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    Err(ScimError::method_not_allowed(format!(
        "`{method}` is not allowed here; use {}",
        names.join(", ")
    )))
}

/// Percent-decodes a path segment (RFC 3986 §2.1; `+` stays literal in paths). Invalid UTF-8
/// becomes U+FFFD.
fn percent_decode(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

/// A JSON response with the SCIM media type.
pub(crate) fn resource_response(status: StatusCode, body: &Value) -> http::Response<Vec<u8>> {
    match serde_json::to_vec(body) {
        Ok(b) => crate::json_response(status, b),
        Err(e) => ScimError::internal(e.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        Router::new("/scim/v2/", SchemaRegistry::rfc())
    }

    fn req(method: &str, uri: &str, ct: Option<&str>, body: &str) -> http::Request<Vec<u8>> {
        let mut b = http::Request::builder().method(method).uri(uri);
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn routes() {
        let r = router();
        let ep = |m: &str, u: &str| r.classify(&req(m, u, None, "{}")).map(|s| s.endpoint);
        assert_eq!(ep("GET", "/scim/v2").unwrap(), Endpoint::Root);
        assert_eq!(
            ep("GET", "/scim/v2/users").unwrap(),
            Endpoint::Resources {
                resource_type: "User".into()
            }
        );
        assert_eq!(
            ep("GET", "/scim/v2/Users/a%2Fb").unwrap(),
            Endpoint::Resource {
                resource_type: "User".into(),
                id: "a/b".into()
            }
        );
        assert_eq!(
            ep(
                "GET",
                "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"
            )
            .unwrap(),
            Endpoint::Schema("urn:ietf:params:scim:schemas:core:2.0:User".into())
        );
        assert_eq!(ep("GET", "/scim/v2/Me").unwrap(), Endpoint::Me);
        assert_eq!(ep("POST", "/scim/v2/Me").unwrap(), Endpoint::Me);
        assert_eq!(ep("GET", "/scim/v2/Widgets").unwrap_err().status(), 404);
        assert_eq!(ep("GET", "/other/Users").unwrap_err().status(), 404);
        assert_eq!(ep("GET", "/scim/v2x/Users").unwrap_err().status(), 404);
        assert_eq!(ep("GET", "/scim/v2/Users/1/x").unwrap_err().status(), 404);
        assert_eq!(ep("GET", "/scim/v2/Bulk").unwrap_err().status(), 405);
        assert_eq!(ep("POST", "/scim/v2/Users/1").unwrap_err().status(), 405);
        assert_eq!(ep("DELETE", "/scim/v2/Schemas").unwrap_err().status(), 405);
        assert_eq!(ep("GET", "/scim/v2/.search").unwrap_err().status(), 405);
    }

    #[test]
    fn bodies() {
        let r = router();
        let c = |m: &str, u: &str, ct: Option<&str>, b: &str| r.classify(&req(m, u, ct, b));
        assert!(matches!(
            c("POST", "/scim/v2/Users", Some("text/json"), "{}")
                .unwrap()
                .body,
            Body::Resource(_)
        ));
        assert!(matches!(
            c(
                "POST",
                "/scim/v2/Users",
                Some("application/json; charset=utf-8"),
                "{}"
            )
            .unwrap()
            .body,
            Body::Resource(_)
        ));
        assert_eq!(
            c("POST", "/scim/v2/Users", Some("text/xml"), "{}")
                .unwrap_err()
                .status(),
            415
        );
        assert_eq!(
            c("POST", "/scim/v2/Users", None, "[1]")
                .unwrap_err()
                .status(),
            400
        );
        assert_eq!(
            c("POST", "/scim/v2/Users", None, "").unwrap_err().status(),
            400
        );
        assert_eq!(
            c("POST", "/scim/v2/Users", None, "{").unwrap_err().status(),
            400
        );
        let strict = router().strict_content_type(true);
        assert_eq!(
            strict
                .classify(&req("PUT", "/scim/v2/Users/1", Some("text/json"), "{}"))
                .unwrap_err()
                .status(),
            415
        );
        let small = router().max_body_size(4);
        assert_eq!(
            small
                .classify(&req("PUT", "/scim/v2/Users/1", None, "{   }"))
                .unwrap_err()
                .status(),
            413
        );
        let s = c(
            "POST",
            "/scim/v2/Users/.search?count=1",
            None,
            r#"{"filter":"userName eq \"x\"","count":5}"#,
        )
        .unwrap();
        assert_eq!(
            s.endpoint,
            Endpoint::Search {
                resource_type: "User".into()
            }
        );
        assert_eq!(s.query.count, Some(5));
        assert!(s.query.filter.is_some());
        let b = c(
            "POST",
            "/scim/v2/Bulk",
            None,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]}"#,
        )
        .unwrap();
        assert!(matches!(b.body, Body::Bulk(_)));
        assert_eq!(
            c("GET", "/scim/v2/Users?count=x", None, "")
                .unwrap_err()
                .status(),
            400
        );
        // GET bodies are ignored.
        assert!(matches!(
            c("GET", "/scim/v2/Users", Some("text/xml"), "junk")
                .unwrap()
                .body,
            Body::None
        ));
    }

    #[test]
    fn decode_edge_cases() {
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%41%zz"), "A%zz");
        assert_eq!(percent_decode("a+b"), "a+b");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
    }
}
