//! Resource types (RFC 7643 §6).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

/// The URN of the ResourceType resource's schema (RFC 7643 §6).
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// A resource type: the representation served at `/ResourceTypes/{name}` (RFC 7643 §6).
///
/// ```
/// use scimkit_schema::ResourceType;
/// let rt: ResourceType = serde_json::from_value(serde_json::json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
///     "id": "User", "name": "User", "endpoint": "/Users",
///     "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
///     "schemaExtensions": [{"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": true}]
/// })).unwrap();
/// assert!(rt.schema_extensions[0].required);
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    /// `schemas` of the representation; on output always the ResourceType URN.
    #[serde(default = "resource_type_schemas")]
    pub schemas: Vec<String>,
    /// The resource type's identifier, conventionally equal to `name`.
    #[serde(default)]
    pub id: Option<String>,
    /// The resource type name, e.g. `User`; this is `meta.resourceType` of its resources.
    pub name: String,
    /// Human-readable description.
    #[serde(default)]
    pub description: Option<String>,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// The core schema URN.
    pub schema: String,
    /// The schema extensions this resource type allows or requires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_extensions: Vec<SchemaExtension>,
    /// The representation's `meta`, kept as JSON.
    #[serde(default)]
    pub meta: Option<Map<String, Value>>,
}

fn resource_type_schemas() -> Vec<String> {
    vec![RESOURCE_TYPE_SCHEMA.to_owned()]
}

impl ResourceType {
    /// A resource type with the given name, endpoint and core schema URN, and no extensions.
    ///
    /// ```
    /// let rt = scimkit_schema::ResourceType::new("Device", "/Devices", "urn:example:scim:schemas:2.0:Device");
    /// assert_eq!(rt.id.as_deref(), Some("Device"));
    /// ```
    pub fn new(
        name: impl Into<String>,
        endpoint: impl Into<String>,
        schema: impl Into<String>,
    ) -> Self {
        let name = name.into();
        ResourceType {
            schemas: resource_type_schemas(),
            id: Some(name.clone()),
            name,
            description: None,
            endpoint: endpoint.into(),
            schema: schema.into(),
            schema_extensions: Vec::new(),
            meta: None,
        }
    }
}

/// One entry of a resource type's `schemaExtensions` (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaExtension {
    /// The extension's schema URN.
    pub schema: String,
    /// Whether every resource of the type must carry the extension.
    #[serde(default)]
    pub required: bool,
}
