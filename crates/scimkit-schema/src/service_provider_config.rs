//! Service provider configuration (RFC 7643 §5, RFC 9865 §4 pagination).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

/// The URN of the ServiceProviderConfig schema (RFC 7643 §5).
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// What a service provider supports: the representation served at `/ServiceProviderConfig`.
///
/// ```
/// use scimkit_schema::ServiceProviderConfig;
/// let cfg = ServiceProviderConfig::default()
///     .with_patch(true)
///     .with_filter(true, 500)
///     .with_etag(true);
/// let json = serde_json::to_value(&cfg).unwrap();
/// assert_eq!(json["filter"]["maxResults"], 500);
/// assert_eq!(json["bulk"]["supported"], false);
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// `schemas`; on output always the ServiceProviderConfig URN.
    #[serde(default = "spc_schemas")]
    pub schemas: Vec<String>,
    /// A human-readable help page.
    #[serde(default)]
    pub documentation_uri: Option<String>,
    /// PATCH support.
    #[serde(default)]
    pub patch: Supported,
    /// Bulk support and limits.
    #[serde(default)]
    pub bulk: BulkConfig,
    /// Filter support and the result limit.
    #[serde(default)]
    pub filter: FilterConfig,
    /// Password change support.
    #[serde(default)]
    pub change_password: Supported,
    /// Sort support.
    #[serde(default)]
    pub sort: Supported,
    /// ETag support.
    #[serde(default)]
    pub etag: Supported,
    /// Supported authentication schemes.
    #[serde(default)]
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// RFC 9865 §4 pagination capabilities, when the provider advertises them.
    #[serde(default)]
    pub pagination: Option<PaginationConfig>,
    /// The representation's `meta`, kept as JSON.
    #[serde(default)]
    pub meta: Option<Map<String, Value>>,
    /// Members this type does not model (vendor extensions), kept so a round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn spc_schemas() -> Vec<String> {
    vec![SERVICE_PROVIDER_CONFIG_SCHEMA.to_owned()]
}

impl Default for ServiceProviderConfig {
    /// Everything unsupported and no authentication schemes: a provider states what it does.
    fn default() -> Self {
        ServiceProviderConfig {
            schemas: spc_schemas(),
            documentation_uri: None,
            patch: Supported::default(),
            bulk: BulkConfig::default(),
            filter: FilterConfig::default(),
            change_password: Supported::default(),
            sort: Supported::default(),
            etag: Supported::default(),
            authentication_schemes: Vec::new(),
            pagination: None,
            meta: None,
            extra: Map::new(),
        }
    }
}

impl ServiceProviderConfig {
    /// Sets PATCH support.
    pub fn with_patch(mut self, supported: bool) -> Self {
        self.patch.supported = supported;
        self
    }

    /// Sets filter support and the maximum number of results.
    pub fn with_filter(mut self, supported: bool, max_results: u64) -> Self {
        self.filter = FilterConfig {
            supported,
            max_results,
        };
        self
    }

    /// Sets bulk support and its limits.
    pub fn with_bulk(
        mut self,
        supported: bool,
        max_operations: u64,
        max_payload_size: u64,
    ) -> Self {
        self.bulk = BulkConfig {
            supported,
            max_operations,
            max_payload_size,
        };
        self
    }

    /// Sets sort support.
    pub fn with_sort(mut self, supported: bool) -> Self {
        self.sort.supported = supported;
        self
    }

    /// Sets ETag support.
    pub fn with_etag(mut self, supported: bool) -> Self {
        self.etag.supported = supported;
        self
    }

    /// Sets password-change support.
    pub fn with_change_password(mut self, supported: bool) -> Self {
        self.change_password.supported = supported;
        self
    }

    /// Adds an authentication scheme.
    pub fn with_authentication_scheme(mut self, scheme: AuthenticationScheme) -> Self {
        self.authentication_schemes.push(scheme);
        self
    }
}

/// A `{"supported": bool}` capability.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supported {
    /// Whether the operation is supported.
    #[serde(default)]
    pub supported: bool,
}

/// Bulk capability (RFC 7643 §5 `bulk`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkConfig {
    /// Whether `/Bulk` is supported.
    #[serde(default)]
    pub supported: bool,
    /// Maximum operations per bulk request.
    #[serde(default)]
    pub max_operations: u64,
    /// Maximum bulk payload in bytes.
    #[serde(default)]
    pub max_payload_size: u64,
}

/// Filter capability (RFC 7643 §5 `filter`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterConfig {
    /// Whether filtering is supported.
    #[serde(default)]
    pub supported: bool,
    /// Maximum number of resources a query returns.
    #[serde(default)]
    pub max_results: u64,
}

/// An authentication scheme (RFC 7643 §5 `authenticationSchemes`).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationScheme {
    /// `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic` or `httpdigest`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Common name, e.g. `OAuth Bearer Token`.
    pub name: String,
    /// Description.
    pub description: String,
    /// The spec URI, e.g. RFC 6750's.
    #[serde(default)]
    pub spec_uri: Option<String>,
    /// A help page.
    #[serde(default)]
    pub documentation_uri: Option<String>,
    /// Whether this is the preferred scheme.
    #[serde(default)]
    pub primary: Option<bool>,
}

impl AuthenticationScheme {
    /// The OAuth 2.0 bearer token scheme (RFC 6750) that Okta, Entra and most IdPs use.
    ///
    /// ```
    /// assert_eq!(scimkit_schema::AuthenticationScheme::oauth_bearer_token().type_, "oauthbearertoken");
    /// ```
    pub fn oauth_bearer_token() -> Self {
        AuthenticationScheme {
            type_: "oauthbearertoken".into(),
            name: "OAuth Bearer Token".into(),
            description: "Authentication scheme using the OAuth Bearer Token Standard".into(),
            spec_uri: Some("https://www.rfc-editor.org/info/rfc6750".into()),
            documentation_uri: None,
            primary: Some(true),
        }
    }
}

/// RFC 9865 §4: how a provider pages (`cursor` and/or `index`) and its page sizes.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaginationConfig {
    /// Cursor-based pagination is supported.
    #[serde(default)]
    pub cursor: bool,
    /// Index-based (`startIndex`) pagination is supported.
    #[serde(default)]
    pub index: bool,
    /// `cursor` or `index`: what the provider uses when the client says neither.
    #[serde(default)]
    pub default_pagination_method: Option<String>,
    /// Page size when the client sends no `count`.
    #[serde(default)]
    pub default_page_size: Option<u64>,
    /// Largest page the provider returns.
    #[serde(default)]
    pub max_page_size: Option<u64>,
    /// Seconds a cursor stays valid.
    #[serde(default)]
    pub cursor_timeout: Option<u64>,
}
