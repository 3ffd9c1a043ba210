//! Validation of a JSON resource against a [`ResourceSchema`] (RFC 7643 §2.2–§3, §7; RFC 7644 §3.3,
//! §3.5.1, §3.5.2).
//!
//! A [`Validator`] checks one resource for one request [`Context`] and, when it passes, rewrites it in
//! place into the shape a server stores:
//!
//! - every attribute, sub-attribute and extension URN key in the schema's spelling (RFC 7643 §2.1:
//!   names match in any case, output is canonical), and `schemas` with canonical URNs;
//! - `readOnly` input dropped on create and replace (RFC 7644 §3.5.1 "readOnly ... Any values
//!   provided SHALL be ignored");
//! - with [`coerce_strings`](Validator::coerce_strings) on, `"True"` / `"42"` / `"1.5"` strings
//!   turned into the schema's boolean, integer or decimal.
//!
//! When it fails, the error lists **every** failure with its attribute path (`emails[1].value`,
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`) and
//! [`ErrorKind`](crate::ErrorKind), and the resource is left exactly as it was.
//!
//! # Example
//! ```
//! use scimkit_schema::ResourceSchema;
//! use scimkit_schema::validate::{Context, Validator};
//! use serde_json::json;
//!
//! let schema = ResourceSchema::user();
//! // Entra's validator traffic (docs/idp-compatibility.md): capitalised names and a string boolean.
//! let mut user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "UserName": "bjensen", "Active": "True",
//!     "meta": {"resourceType": "User"}
//! });
//! Validator::new(&schema).coerce_strings(true).validate(&mut user, Context::Create)?;
//! assert_eq!(user, json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "bjensen", "active": true
//! }));
//! # Ok::<(), scimkit_schema::Error>(())
//! ```
//!
//! # Input safety
//! Before anything else the resource is measured against [`Limits`] (nesting depth, number of JSON
//! values, string length, total text) with an iterative walk; the validation itself only descends
//! as deep as the schema does (attribute, value, sub-attribute), so no input can overflow the stack.
//!
//! # Map of the module
//! One stage per file: `limits.rs` measures the input ([`Limits`]); `options.rs` holds what a
//! caller configures ([`Validator`], [`Context`] and the policies); `engine.rs` walks a resource
//! against the schema and collects failures; `changes.rs` validates only what a change touched
//! ([`Changes`], [`Validator::validate_changes`]); `types.rs` holds the RFC 7643 §2.3 value rules
//! and `messages.rs` the wording of failures.

mod changes;
mod engine;
mod limits;
mod messages;
mod options;
mod types;

use serde_json::Value;

use crate::{Error, ResourceSchema};

pub use changes::Changes;
pub use limits::Limits;
pub use options::{Context, PrimaryConflict, UniquenessCheck, UnknownAttributes, Validator};

/// Validates `resource` with the default [`Validator`] for `schema`.
///
/// ```
/// use scimkit_schema::{validate, ResourceSchema};
/// let mut group = serde_json::json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour Guides"
/// });
/// validate::validate(&ResourceSchema::group(), &mut group, validate::Context::Create)?;
/// # Ok::<(), scimkit_schema::Error>(())
/// ```
///
/// # Errors
/// See [`Validator::validate`].
pub fn validate(
    schema: &ResourceSchema,
    resource: &mut Value,
    context: Context<'_>,
) -> Result<(), Error> {
    Validator::new(schema).validate(resource, context)
}
