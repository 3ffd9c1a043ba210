//! Schema definitions (RFC 7643 §7).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

use crate::{name, Attribute};

/// The URN of the Schema resource's own schema (RFC 7643 §8.7.2).
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// A schema definition: the representation served at `/Schemas/{id}` (RFC 7643 §7).
///
/// ```
/// use scimkit_schema::{Attribute, AttributeType, Schema};
/// let ext = Schema::new("urn:example:params:scim:schemas:extension:acme:2.0:User", "AcmeUser")
///     .with_attribute(Attribute::new("badgeNumber", AttributeType::String).case_exact());
/// assert_eq!(ext.attribute("BADGENUMBER").unwrap().name, "badgeNumber");
/// ```
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// `schemas` of the representation itself; on output always the Schema URN.
    #[serde(default = "schema_schemas", skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// Human-readable name, e.g. `User`.
    #[serde(default)]
    pub name: Option<String>,
    /// Human-readable description.
    #[serde(default)]
    pub description: Option<String>,
    /// The attribute definitions.
    #[serde(default)]
    pub attributes: Vec<Attribute>,
    /// The representation's `meta` (resourceType `Schema`, location), kept as JSON.
    #[serde(default)]
    pub meta: Option<Map<String, Value>>,
}

fn schema_schemas() -> Vec<String> {
    vec![SCHEMA_SCHEMA.to_owned()]
}

impl Schema {
    /// An empty schema with the given URN and name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Schema {
            schemas: schema_schemas(),
            id: id.into(),
            name: Some(name.into()),
            description: None,
            attributes: Vec::new(),
            meta: None,
        }
    }

    /// Adds an attribute definition.
    pub fn with_attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The top-level attribute called `name`, in any case (RFC 7643 §2.1).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| name::eq(&a.name, name))
    }

    /// Whether `urn` names this schema (case-insensitive, RFC 7643 §2.1).
    pub fn is(&self, urn: &str) -> bool {
        name::eq(&self.id, urn)
    }
}
