//! The crate's one error type: a non-empty list of located failures, each with its RFC `scimType`.
//!
//! Validation reports every failure it finds (a client fixing a payload wants all of them at once),
//! so [`Error`] holds a list; everything else reports exactly one. The error's own
//! [`status`](Error::status) and [`scim_type`](Error::scim_type) are those of its first failure.

use std::fmt;

use crate::ScimType;

/// What went wrong, one variant per rule of RFC 7643 that a value or definition can break.
///
/// Adding a variant is not a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A required attribute is missing, null or empty (RFC 7643 §2.2 `required`).
    RequiredMissing,
    /// A value does not have the attribute's type (RFC 7643 §2.3).
    TypeMismatch,
    /// A single-valued attribute was given an array, or a multi-valued one a non-array scalar.
    Multiplicity,
    /// A value is not one of the attribute's `canonicalValues` and the validator is strict.
    CanonicalValue,
    /// More than one value of a multi-valued attribute has `"primary": true` (RFC 7643 §2.4).
    PrimaryNotUnique,
    /// Two values of a multi-valued attribute share a `type` while the validator requires distinct
    /// types (Entra expects one value per type: docs/idp-compatibility.md).
    TypeDuplicate,
    /// An attribute, sub-attribute or schema URN the schema does not define.
    UnknownAttribute,
    /// The resource's `schemas` is missing, not an array, lacks the core schema or names an
    /// extension the resource type does not have (RFC 7643 §3).
    SchemasInvalid,
    /// A required schema extension is absent (RFC 7643 §6 `schemaExtensions.required`).
    ExtensionRequired,
    /// A client tried to change a readOnly attribute or an immutable one that already has a value.
    Mutability,
    /// A server-unique value is already taken (RFC 7643 §2.2 `uniqueness`).
    Uniqueness,
    /// The input is deeper or larger than the configured [`Limits`](crate::Limits).
    LimitExceeded,
    /// The input is not the JSON shape the RFC requires (e.g. a resource that is not an object).
    Syntax,
    /// A schema, attribute or resource type definition is itself invalid (a programming error).
    InvalidDefinition,
}

impl ErrorKind {
    /// The RFC 7644 §3.12 `scimType` for this kind, where the RFC has one.
    pub const fn scim_type(self) -> Option<ScimType> {
        match self {
            ErrorKind::RequiredMissing
            | ErrorKind::TypeMismatch
            | ErrorKind::Multiplicity
            | ErrorKind::CanonicalValue
            | ErrorKind::PrimaryNotUnique
            | ErrorKind::TypeDuplicate
            | ErrorKind::ExtensionRequired => Some(ScimType::InvalidValue),
            ErrorKind::UnknownAttribute
            | ErrorKind::SchemasInvalid
            | ErrorKind::Syntax
            | ErrorKind::LimitExceeded => Some(ScimType::InvalidSyntax),
            ErrorKind::Mutability => Some(ScimType::Mutability),
            ErrorKind::Uniqueness => Some(ScimType::Uniqueness),
            ErrorKind::InvalidDefinition => None,
        }
    }

    /// The HTTP status a server answers with.
    pub const fn status(self) -> http::StatusCode {
        match self {
            ErrorKind::Uniqueness => http::StatusCode::CONFLICT,
            ErrorKind::InvalidDefinition => http::StatusCode::INTERNAL_SERVER_ERROR,
            _ => http::StatusCode::BAD_REQUEST,
        }
    }
}

/// One failure: what rule, which attribute (a SCIM attribute path such as `emails[1].value` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`) and a detail a
/// person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    kind: ErrorKind,
    path: String,
    detail: String,
}

impl Failure {
    /// A failure of `kind` at `path` (empty for the resource as a whole).
    pub fn new(kind: ErrorKind, path: impl Into<String>, detail: impl Into<String>) -> Self {
        Failure {
            kind,
            path: path.into(),
            detail: detail.into(),
        }
    }

    /// The rule that failed.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The attribute path, empty for the resource as a whole.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What went wrong, without the path.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.detail)
        } else {
            write!(f, "`{}`: {}", self.path, self.detail)
        }
    }
}

/// The error of every fallible function in this crate: one or more [`Failure`]s.
///
/// ```
/// use scimkit_schema::{Error, ErrorKind, ScimType};
/// let e = Error::new(ErrorKind::RequiredMissing, "userName", "required attribute is missing");
/// assert_eq!(e.status(), http::StatusCode::BAD_REQUEST);
/// assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
/// assert_eq!(e.to_string(), "`userName`: required attribute is missing");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    // A boxed slice (two words) keeps `Result<T, Error>` small on the happy path.
    failures: Box<[Failure]>,
}

impl Error {
    /// An error with a single failure.
    pub fn new(kind: ErrorKind, path: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::from(Failure::new(kind, path, detail))
    }

    /// An error from collected failures; `None` when there are none.
    pub fn from_failures(failures: Vec<Failure>) -> Option<Self> {
        if failures.is_empty() {
            None
        } else {
            Some(Error {
                failures: failures.into_boxed_slice(),
            })
        }
    }

    /// Every failure, in the order found.
    pub fn failures(&self) -> &[Failure] {
        &self.failures
    }

    /// The first failure's kind.
    pub fn kind(&self) -> ErrorKind {
        self.failures[0].kind
    }

    /// The HTTP status a server answers with (the first failure's).
    pub fn status(&self) -> http::StatusCode {
        self.kind().status()
    }

    /// The RFC 7644 §3.12 `scimType` (the first failure's), where the RFC has one.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.kind().scim_type()
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        Error {
            failures: Box::new([f]),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, failure) in self.failures.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            fmt::Display::fmt(failure, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
