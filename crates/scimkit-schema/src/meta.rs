//! The `meta` common attribute (RFC 7643 §3.1).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

/// Resource metadata: the read-only `meta` complex attribute of RFC 7643 §3.1.
///
/// `created` and `lastModified` are kept as the strings the peer sent: RFC 7643 §2.3.5 dateTimes
/// carry an offset a client may want back exactly, and a bad timestamp from an IdP must not make
/// the whole resource unreadable. Unknown members are kept in `extra`.
///
/// ```
/// use scimkit_schema::Meta;
/// let m: Meta = serde_json::from_value(serde_json::json!({
///     "resourceType": "User", "created": "2010-01-23T04:56:22Z",
///     "version": "W/\"3694e05e9dff590\"", "location": "https://example.com/v2/Users/2819c223"
/// })).unwrap();
/// assert_eq!(m.resource_type.as_deref(), Some("User"));
/// assert_eq!(m.created_at().unwrap().timestamp(), 1264222582);
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The resource type's name, e.g. `User`.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// When the resource was added to the service provider (xsd:dateTime).
    #[serde(default)]
    pub created: Option<String>,
    /// When the resource was last changed (xsd:dateTime).
    #[serde(default)]
    pub last_modified: Option<String>,
    /// The URI of the resource, the same as the `Location` header.
    #[serde(default)]
    pub location: Option<String>,
    /// The resource's version, as an entity tag (RFC 7644 §3.14), e.g. `W/"3694e05e9dff590"`.
    #[serde(default)]
    pub version: Option<String>,
    /// Members this type does not model, kept so that a round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Meta {
    /// `created` as a timestamp, when it is a valid xsd:dateTime.
    pub fn created_at(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.created.as_deref().and_then(crate::datetime::parse)
    }

    /// `lastModified` as a timestamp, when it is a valid xsd:dateTime.
    pub fn last_modified_at(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.last_modified
            .as_deref()
            .and_then(crate::datetime::parse)
    }
}
