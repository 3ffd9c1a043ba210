//! RFC 7643 SCIM schema for Rust: attribute characteristics, the built-in User, Group and
//! Enterprise User schemas, resource types, case-insensitive name resolution, typed resources,
//! validation and attribute projection.
//!
//! # Map of the crate
//! - [`Attribute`] and its characteristics ([`AttributeType`], [`Mutability`], [`Returned`],
//!   [`Uniqueness`]): RFC 7643 §2.2, §7.
//! - [`Schema`], [`ResourceType`], [`ServiceProviderConfig`]: the discovery representations of §5–§7.
//! - [`builtin`]: the §8.7 definitions with errata; [`ResourceSchema::user`] and
//!   [`ResourceSchema::group`] put them together.
//! - [`agents`]: the opt-in `Agent` and `AgenticApplication` resource types of the SCIM agent
//!   Internet-Drafts ([`SchemaRegistry::with_agents`]).
//! - [`ResourceSchema`]: one resource type with its schemas, and [`ResourceSchema::resolve`], the
//!   case-insensitive name resolution (§2.1) that the filter, PATCH, validation and projection
//!   engines share. [`SchemaRegistry`] holds several.
//! - [`resource`]: typed [`User`], [`Group`], [`EnterpriseUser`] and their parts, read in any case
//!   and lossless (unknown members are kept).
//! - [`validate`]: [`Validator`] checks a JSON resource for a request [`Context`] (create,
//!   replace, PATCH result, response), collecting every failure, within [`Limits`].
//! - [`project`]: [`Projection`] applies `attributes` / `excludedAttributes` and `returned`.
//! - [`name`]: case-insensitive lookups in JSON objects.
//! - [`Error`]: every failure with its HTTP status and [`ScimType`].
//!
//! # Example
//! ```
//! use scimkit_schema::ResourceSchema;
//!
//! let user = ResourceSchema::user();
//! // RFC 7643 §2.1: names match in any case; the schema gives the canonical spelling.
//! let r = user.resolve_path("Name.GIVENNAME")?;
//! assert_eq!(r.to_string(), "name.givenName");
//! assert!(!r.target().case_exact);
//! # Ok::<(), scimkit_schema::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

pub mod agents;
mod attribute;
pub mod builtin;
pub mod common;
pub mod datetime;
mod error;
mod interop;
mod meta;
pub mod name;
pub mod project;
mod registry;
pub mod resource;
mod resource_schema;
mod resource_type;
mod schema;
mod scim_type;
mod service_provider_config;
pub mod text;
pub mod validate;

pub use attribute::{Attribute, AttributeType, Mutability, Returned, Uniqueness};
pub use builtin::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
pub use error::{Error, ErrorKind, Failure};
pub use interop::Interop;
pub use meta::Meta;
pub use project::{Projection, Projector};
pub use registry::SchemaRegistry;
pub use resource::{
    Address, Email, EnterpriseUser, Entitlement, Group, GroupMembership, Im, Manager, Member, Name,
    PhoneNumber, Photo, Role, User, X509Certificate,
};
pub use resource_schema::{Extension, Resolved, ResourceSchema, ResourceSchemaBuilder, SplitPath};
pub use resource_type::{ResourceType, SchemaExtension, RESOURCE_TYPE_SCHEMA};
pub use schema::{Schema, SCHEMA_SCHEMA};
pub use scim_type::{ScimType, UnknownScimType};
pub use service_provider_config::{
    AuthenticationScheme, BulkConfig, FilterConfig, PaginationConfig, ServiceProviderConfig,
    Supported, SERVICE_PROVIDER_CONFIG_SCHEMA,
};
pub use validate::{Context, Limits, UniquenessCheck, Validator};

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctest;
