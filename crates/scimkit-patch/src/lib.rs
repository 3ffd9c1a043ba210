//! RFC 7644 §3.5.2 SCIM PATCH for JSON resources: apply operations atomically, with or without a
//! schema, accept what real identity providers send under a named interop profile, and compute
//! the operations between two versions of a resource.
//!
//! # Map of the crate
//! - [`PatchRequest`], [`PatchOperation`], [`Op`] (`message.rs`): the PatchOp message.
//! - [`apply`] (schema-less) and [`Patcher`] (`patcher.rs`; schema-aware with
//!   [`Patcher::new`]): atomic application, with an undo log instead of copies (`tx.rs`).
//! - [`op::add`], [`op::remove`], [`op::replace`]: what each operation does to single, complex,
//!   multi-valued and filtered targets (RFC 7644 §3.5.2.1–3); `op/select.rs` picks the elements
//!   a value filter names, compiled against the attribute's sub-attributes when there is a
//!   schema, with a fast path for `sub eq "text"`.
//! - `target.rs`: paths resolved to attributes, case-insensitively (RFC 7643 §2.1).
//! - [`Interop`]: the interop profile, one value shared with the filter and validation engines
//!   (it is `scimkit_schema::Interop`); [`Interop::strict`] is the default and
//!   [`Interop::idp_compatible`] accepts what identity providers send. Each tolerance is described
//!   in [`docs/idp-compatibility.md`](https://github.com/scimkit/scimkit/blob/main/docs/idp-compatibility.md).
//! - [`diff`] (`diff.rs`): `apply(old, diff(old, new)) == new`.
//! - [`Limits`] and [`Error`]: hostile input is an ordinary error with a `scimType`.
//!
//! # Example
//! ```
//! use scimkit_patch::PatchRequest;
//! use serde_json::json;
//!
//! let mut group = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
//!     "id": "e9e30dba", "displayName": "Tour Guides",
//!     "members": [{"value": "2819c223", "display": "Babs Jensen"}]
//! });
//! let body = br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!   "Operations": [
//!     {"op": "add", "path": "members", "value": [{"value": "902c246b", "display": "Mandy Pepperidge"}]},
//!     {"op": "remove", "path": "members[value eq \"2819c223\"]"}
//!   ]}"#;
//! let req: PatchRequest = serde_json::from_slice(body)?;
//! let changed = scimkit_patch::apply(&mut group, &req.operations)?;
//! assert!(changed);
//! assert_eq!(group["members"], json!([{"value": "902c246b", "display": "Mandy Pepperidge"}]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Input safety
//! Every value an operation carries is checked against [`Limits`] (depth, size) without
//! recursion before it is used, the operation count is limited, and [`diff`] descends only as
//! deep as SCIM resources go, comparing anything deeper with a depth-bounded equality. No input
//! makes these functions panic.
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

mod diff;
mod error;
mod limits;
mod message;
pub mod op;
mod patcher;
mod target;
mod tx;
mod value;

pub use diff::diff;
pub use error::{Error, ErrorKind};
pub use limits::Limits;
pub use message::{Op, PatchOperation, PatchRequest, PATCH_OP_SCHEMA};
pub use patcher::{Patcher, Validation};
pub use scimkit_schema::Interop;

use serde_json::Value;

/// Applies `ops` to `resource` without a schema, strict RFC 7644, atomically: on error the
/// resource is exactly as it was. Returns whether anything changed.
///
/// Equivalent to `Patcher::schemaless().apply(resource, ops)`; see [`Patcher`] for a schema,
/// an interop profile or other limits.
///
/// # Errors
/// The first failing operation's [`Error`], with its index and path.
///
/// ```
/// use scimkit_patch::{apply, PatchOperation};
/// use serde_json::json;
///
/// let mut user = json!({"userName": "bjensen", "active": true});
/// // Okta's deactivation (docs/idp-compatibility.md): a replace without a path.
/// let ops = [PatchOperation::replace(None, json!({"active": false}))?];
/// assert!(apply(&mut user, &ops)?);
/// assert_eq!(user, json!({"userName": "bjensen", "active": false}));
/// assert!(!apply(&mut user, &ops)?); // already so: nothing changed
/// # Ok::<(), scimkit_patch::Error>(())
/// ```
pub fn apply(resource: &mut Value, ops: &[PatchOperation]) -> Result<bool, Error> {
    Patcher::schemaless().apply(resource, ops)
}

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctest;
