//! What a caller configures: the request [`Context`](super::Context), the policies for unknown attributes and
//! repeated `primary` values, the [`UniquenessCheck`](super::UniquenessCheck) hook, and the [`Validator`](super::Validator) that holds them.

use std::fmt;

use serde_json::Value;

use super::Limits;
use crate::{Interop, Resolved, ResourceSchema};

/// The request a resource arrives with, which decides how mutability and `required` apply.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Context<'a> {
    /// A POST body (RFC 7644 §3.3). `readOnly` values are dropped; `readOnly` required attributes
    /// such as `id` are not required (the server assigns them).
    Create,
    /// A PUT body (RFC 7644 §3.5.1) replacing `existing`, the stored resource. `readOnly` values are
    /// dropped; an `immutable` attribute that `existing` has a value for must be given the same
    /// value or left out.
    Replace {
        /// The stored resource being replaced.
        existing: &'a Value,
    },
    /// The result of applying a PATCH (RFC 7644 §3.5.2) to `original`. Nothing is dropped: a
    /// `readOnly` or `immutable` attribute whose value differs from `original` (including removal)
    /// is an [`ErrorKind::Mutability`](crate::ErrorKind::Mutability) failure.
    Patched {
        /// The resource before the PATCH.
        original: &'a Value,
    },
    /// A resource a server is about to return (or a client received). `readOnly` attributes are
    /// kept and required; a `writeOnly` or `returned: never` attribute (e.g. `password`) is an
    /// [`ErrorKind::Mutability`](crate::ErrorKind::Mutability) failure, since RFC 7643 §2.2 says it is never returned.
    Response,
}

impl<'a> Context<'a> {
    pub(super) fn previous(&self) -> Option<&'a Value> {
        match *self {
            Context::Replace { existing } => Some(existing),
            Context::Patched { original } => Some(original),
            _ => None,
        }
    }

    /// Client input whose readOnly values are ignored (RFC 7644 §3.3, §3.5.1).
    pub(super) fn drops_read_only(&self) -> bool {
        matches!(self, Context::Create | Context::Replace { .. })
    }
}

/// What to do with an attribute or sub-attribute the schema does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnknownAttributes {
    /// An [`ErrorKind::UnknownAttribute`](crate::ErrorKind::UnknownAttribute) failure (`invalidSyntax`). The default: RFC 7644 §3.3
    /// lets a server reject attributes it does not support, and silently losing data surprises.
    #[default]
    Error,
    /// Drop it from the validated resource.
    Drop,
}

/// What to do when more than one value of a multi-valued attribute has `"primary": true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PrimaryConflict {
    /// An [`ErrorKind::PrimaryNotUnique`](crate::ErrorKind::PrimaryNotUnique) failure. The default: RFC 7643 §2.4 says the primary
    /// attribute value `true` MUST appear no more than once.
    #[default]
    Error,
    /// Keep the first value marked primary and set `primary` to `false` on the others (PingOne
    /// fills two emails with the same value, both primary: docs/idp-compatibility.md).
    KeepFirst,
}

/// The caller's store, asked whether a `uniqueness: server` or `global` value is already taken
/// (RFC 7643 §2.2 `uniqueness`).
///
/// The validator calls it only after every structural check has passed, once per value (each
/// element of a multi-valued attribute), with the value already canonicalised. A store that can
/// fail should remember its failure and let the caller report it after `validate` returns; an
/// asynchronous store checks uniqueness itself after validation instead.
///
/// ```
/// use scimkit_schema::validate::{Context, UniquenessCheck, Validator};
/// use scimkit_schema::{ErrorKind, Resolved, ResourceSchema};
/// use serde_json::{json, Value};
///
/// struct Taken(&'static str);
/// impl UniquenessCheck for Taken {
///     fn is_taken(&self, attr: &Resolved<'_>, value: &Value, _resource_id: Option<&str>) -> bool {
///         // userName is caseExact = false: compare case-insensitively.
///         attr.attribute.name == "userName"
///             && value.as_str().is_some_and(|v| v.eq_ignore_ascii_case(self.0))
///     }
/// }
///
/// let schema = ResourceSchema::user();
/// let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "BJensen"});
/// let err = Validator::new(&schema)
///     .uniqueness(&Taken("bjensen"))
///     .validate(&mut user, Context::Create)
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Uniqueness);
/// assert_eq!(err.status(), http::StatusCode::CONFLICT);
/// ```
pub trait UniquenessCheck {
    /// Whether `value` of the attribute `attribute` is used by a resource other than the one with
    /// id `resource_id` (`None` on create). Honour the attribute's `caseExact` when comparing.
    fn is_taken(&self, attribute: &Resolved<'_>, value: &Value, resource_id: Option<&str>) -> bool;
}

/// Validates resources of one [`ResourceSchema`]; configure it with the builder methods, then call
/// [`validate`](Validator::validate) as often as needed.
///
/// Every setter documents its default; the defaults are the RFC's rules, and
/// [`interop`](Validator::interop) applies the validation tolerances of an interop profile.
///
/// ```
/// use scimkit_schema::validate::{Context, UnknownAttributes, Validator};
/// use scimkit_schema::{ErrorKind, ResourceSchema};
/// use serde_json::json;
///
/// let schema = ResourceSchema::user();
/// let mut user = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "emails": [{"value": "a@example.com", "type": "pager"}, {"value": 7}],
///     "favouriteColour": "green"
/// });
/// let err = Validator::new(&schema)
///     .strict_canonical_values(true)
///     .validate(&mut user, Context::Create)
///     .unwrap_err();
/// let found: Vec<_> = err.failures().iter().map(|f| (f.path(), f.kind())).collect();
/// assert_eq!(found, [
///     ("emails[0].type", ErrorKind::CanonicalValue),
///     ("emails[1].value", ErrorKind::TypeMismatch),
///     ("favouriteColour", ErrorKind::UnknownAttribute),
///     ("userName", ErrorKind::RequiredMissing),
/// ]);
/// ```
#[derive(Clone, Copy)]
#[must_use]
pub struct Validator<'a> {
    pub(super) schema: &'a ResourceSchema,
    pub(super) coerce_strings: bool,
    pub(super) strict_canonical_values: bool,
    pub(super) unknown_attributes: UnknownAttributes,
    pub(super) primary_conflict: PrimaryConflict,
    pub(super) single_value_as_list: bool,
    pub(super) foreign_schema_ids: bool,
    pub(super) distinct_types: bool,
    pub(super) limits: Limits,
    pub(super) uniqueness: Option<&'a dyn UniquenessCheck>,
}

impl fmt::Debug for Validator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("schema", &self.schema.name())
            .field("coerce_strings", &self.coerce_strings)
            .field("strict_canonical_values", &self.strict_canonical_values)
            .field("unknown_attributes", &self.unknown_attributes)
            .field("primary_conflict", &self.primary_conflict)
            .field("single_value_as_list", &self.single_value_as_list)
            .field("foreign_schema_ids", &self.foreign_schema_ids)
            .field("distinct_types", &self.distinct_types)
            .field("limits", &self.limits)
            .field("uniqueness", &self.uniqueness.is_some())
            .finish()
    }
}

impl<'a> Validator<'a> {
    /// A validator with the RFC's rules for `schema`.
    pub fn new(schema: &'a ResourceSchema) -> Self {
        Validator {
            schema,
            coerce_strings: false,
            strict_canonical_values: false,
            unknown_attributes: UnknownAttributes::Error,
            primary_conflict: PrimaryConflict::Error,
            single_value_as_list: false,
            foreign_schema_ids: true,
            distinct_types: false,
            limits: Limits::DEFAULT,
            uniqueness: None,
        }
    }

    /// The validation tolerances of the interop profile `interop`, the same value that configures
    /// filters and PATCH: [`coerce_strings`](Self::coerce_strings) from
    /// [`Interop::string_scalars`], [`single_value_as_list`](Self::single_value_as_list) from
    /// [`Interop::single_value_as_list`], and
    /// [`PrimaryConflict::KeepFirst`](super::PrimaryConflict::KeepFirst) from
    /// [`Interop::first_primary_wins`], and
    /// [`UnknownAttributes::Drop`](super::UnknownAttributes::Drop) from
    /// [`Interop::drop_unknown_attributes`]. Each can be changed again after this call.
    ///
    /// ```
    /// use scimkit_schema::{Interop, ResourceSchema, Validator};
    /// use scimkit_schema::validate::Context;
    ///
    /// let schema = ResourceSchema::user();
    /// let mut user = serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    ///     "userName": "bjensen", "emails": {"value": "b@example.com"}
    /// });
    /// Validator::new(&schema).interop(Interop::idp_compatible()).validate(&mut user, Context::Create)?;
    /// assert!(user["emails"].is_array());
    /// # Ok::<(), scimkit_schema::Error>(())
    /// ```
    pub fn interop(self, interop: Interop) -> Self {
        let primary = if interop.first_primary_wins {
            PrimaryConflict::KeepFirst
        } else {
            PrimaryConflict::Error
        };
        let unknown = if interop.drop_unknown_attributes {
            UnknownAttributes::Drop
        } else {
            UnknownAttributes::Error
        };
        self.coerce_strings(interop.string_scalars)
            .single_value_as_list(interop.single_value_as_list)
            .primary_conflict(primary)
            .unknown_attributes(unknown)
    }

    /// Turn strings into the schema's boolean, integer or decimal where they spell one
    /// (`"True"`, `"false"`, `"42"`, `"1.5"`), rewriting the value. Off by default: RFC 7643 §2.3
    /// types are JSON types. Entra sends string booleans (docs/idp-compatibility.md).
    pub fn coerce_strings(mut self, on: bool) -> Self {
        self.coerce_strings = on;
        self
    }

    /// Reject string values outside an attribute's `canonicalValues` (honouring `caseExact`). Off by
    /// default: RFC 7643 §7 says a service provider MAY accept other values.
    pub fn strict_canonical_values(mut self, on: bool) -> Self {
        self.strict_canonical_values = on;
        self
    }

    /// What to do with attributes and sub-attributes the schema does not define; default
    /// [`UnknownAttributes::Error`](super::UnknownAttributes::Error).
    pub fn unknown_attributes(mut self, what: UnknownAttributes) -> Self {
        self.unknown_attributes = what;
        self
    }

    /// What to do with more than one `"primary": true`; default [`PrimaryConflict::Error`](super::PrimaryConflict::Error).
    pub fn primary_conflict(mut self, what: PrimaryConflict) -> Self {
        self.primary_conflict = what;
        self
    }

    /// Accept a single value (an object or scalar) for a multi-valued attribute and wrap it in an
    /// array. Off by default: RFC 7643 §2.4 represents multi-valued attributes as JSON arrays.
    pub fn single_value_as_list(mut self, on: bool) -> Self {
        self.single_value_as_list = on;
        self
    }

    /// Drop entries of `schemas` that are not URNs instead of failing. On by default: Entra sends
    /// `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group` beside the core
    /// URN on every Group create (docs/idp-compatibility.md); such an id cannot name a SCIM schema (RFC 7643
    /// §3: schema URIs are URNs), so dropping it loses nothing. Unknown `urn:` ids always fail.
    pub fn foreign_schema_ids(mut self, on: bool) -> Self {
        self.foreign_schema_ids = on;
        self
    }

    /// Require that no two values of a multi-valued complex attribute share a `type` (compared per
    /// the `type` sub-attribute's `caseExact`): one `work` email, one `home` email. Off by default;
    /// the RFC allows repeats, Entra maps one value per type (docs/idp-compatibility.md).
    pub fn distinct_types(mut self, on: bool) -> Self {
        self.distinct_types = on;
        self
    }

    /// The size limits; default [`Limits::DEFAULT`](super::Limits::DEFAULT).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The store asked about `uniqueness: server|global` values; none by default (no check).
    pub fn uniqueness(mut self, store: &'a dyn UniquenessCheck) -> Self {
        self.uniqueness = Some(store);
        self
    }
}
