//! A registry of the resource types a service provider serves (RFC 7644 §4 discovery).

use crate::{name, ResourceSchema, Schema};

/// The resource types a service provider serves, answering lookups by name, endpoint and schema URN.
///
/// ```
/// use scimkit_schema::SchemaRegistry;
/// let registry = SchemaRegistry::rfc(); // User (with enterprise extension) and Group
/// assert_eq!(registry.by_endpoint("/users").unwrap().name(), "User");
/// assert!(registry.schema("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user").is_some());
/// assert_eq!(registry.schemas().count(), 3);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SchemaRegistry {
    resource_types: Vec<ResourceSchema>,
}

impl SchemaRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        SchemaRegistry::default()
    }

    /// The RFC 7643 resource types: User (with the enterprise extension) and Group.
    pub fn rfc() -> Self {
        SchemaRegistry::new()
            .with(ResourceSchema::user())
            .with(ResourceSchema::group())
    }

    /// Adds a resource type, replacing one with the same name (in any case).
    pub fn with(mut self, resource: ResourceSchema) -> Self {
        self.insert(resource);
        self
    }

    /// Adds a resource type, replacing one with the same name (in any case).
    pub fn insert(&mut self, resource: ResourceSchema) {
        match self
            .resource_types
            .iter_mut()
            .find(|r| name::eq(r.name(), resource.name()))
        {
            Some(slot) => *slot = resource,
            None => self.resource_types.push(resource),
        }
    }

    /// Every resource type, in insertion order.
    pub fn resource_types(&self) -> &[ResourceSchema] {
        &self.resource_types
    }

    /// The resource type called `name` (e.g. `User`), in any case.
    pub fn by_name(&self, name: &str) -> Option<&ResourceSchema> {
        self.resource_types
            .iter()
            .find(|r| name::eq(r.name(), name))
    }

    /// The resource type served at `endpoint` (`/Users` or `Users`), in any case.
    pub fn by_endpoint(&self, endpoint: &str) -> Option<&ResourceSchema> {
        let wanted = endpoint.trim_start_matches('/');
        self.resource_types
            .iter()
            .find(|r| name::eq(r.resource_type().endpoint.trim_start_matches('/'), wanted))
    }

    /// The resource type whose core schema is `urn`, in any case.
    pub fn by_schema(&self, urn: &str) -> Option<&ResourceSchema> {
        self.resource_types.iter().find(|r| r.core().is(urn))
    }

    /// The schema (core or extension of any resource type) whose URN is `urn`, in any case.
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas().find(|s| s.is(urn))
    }

    /// Every distinct schema, core and extension, in first-seen order (for `/Schemas`).
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> + '_ {
        let all = || self.resource_types.iter().flat_map(|r| r.schemas());
        all()
            .enumerate()
            .filter(move |(i, s)| !all().take(*i).any(|t| t.is(&s.id)))
            .map(|(_, s)| s)
    }
}
