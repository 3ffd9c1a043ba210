//! The crate's one error type: what went wrong, in which operation, at which path, and the RFC 7644
//! §3.12 answer (HTTP status and `scimType`).

use std::fmt;

use scimkit_schema::ScimType;

/// What went wrong.
///
/// This enum is `#[non_exhaustive]`: adding a variant is not considered a breaking change.
/// Each kind's `Display` starts in lower case and has no trailing period; [`Error`] adds the
/// operation index and path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The body is not JSON, or not an object.
    #[error("{0}")]
    Syntax(String),
    /// The message has no `schemas`, or `schemas` does not hold exactly the PatchOp URN
    /// (RFC 7644 §3.5.2: "The body of each request MUST contain the "schemas" attribute with the
    /// URI value of `urn:ietf:params:scim:api:messages:2.0:PatchOp`").
    #[error("`schemas` must be [\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"]{}", found_text(.found))]
    SchemasInvalid {
        /// What was found instead, as JSON; `None` when the member is absent.
        found: Option<String>,
    },
    /// The message has no `Operations` array.
    #[error("`Operations` must be an array of operations")]
    OperationsMissing,
    /// The message's `Operations` array is empty: RFC 7644 §3.5.2 requires "one or more" PATCH
    /// operations.
    #[error("`Operations` must hold one or more operations")]
    OperationsEmpty,
    /// An operation is not a JSON object.
    #[error("an operation must be an object")]
    OperationNotObject,
    /// An operation has no `op`.
    #[error("the operation has no `op`")]
    OpMissing,
    /// `op` is not `add`, `remove` or `replace`.
    #[error("unknown `op` `{0}`; expected `add`, `remove` or `replace`")]
    OpUnknown(String),
    /// `op` is `Add`, `Replace` or `Remove`: allowed only with
    /// [`Interop::op_any_case`](crate::Interop::op_any_case) (docs/idp-compatibility.md).
    #[error("`op` must be lower case, found `{0}`")]
    OpCase(String),
    /// An operation or the message carries a member RFC 7644 does not define: allowed only with
    /// [`Interop::ignore_extra_members`](crate::Interop::ignore_extra_members) (docs/idp-compatibility.md).
    #[error("unexpected member `{0}`")]
    MemberUnexpected(String),
    /// `path` is not a string.
    #[error("`path` must be a string")]
    PathNotString,
    /// `path` does not parse (RFC 7644 §3.5.2 `PATH`). The message is the filter crate's.
    #[error("{detail}")]
    PathInvalid {
        /// What the path parser said.
        detail: String,
        /// The byte offset in the path, where known.
        offset: Option<usize>,
    },
    /// A `remove` without a `path` (RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation
    /// fails with HTTP status code 400 and a "scimType" error code of "noTarget"").
    #[error("`remove` needs a `path`")]
    PathRequired,
    /// An `add` or `replace` without a `value` (RFC 7644 §3.5.2.1, §3.5.2.3).
    #[error("`{0}` needs a `value`")]
    ValueRequired(&'static str),
    /// A `remove` carries a `value`, which RFC 7644 §3.5.2.2 does not define; allowed on
    /// multi-valued attributes only with
    /// [`Interop::remove_with_value`](crate::Interop::remove_with_value) (docs/idp-compatibility.md).
    #[error("`remove` takes no `value`")]
    ValueUnexpected,
    /// An operation without a path whose value is not an object of attributes.
    #[error("without a `path` the `value` must be an object of attributes")]
    ValueNotObject,
    /// A value has the wrong JSON type for its attribute (RFC 7643 §2.3).
    #[error("`{attr}` expects {expected}, found {found}")]
    ValueType {
        /// The attribute, canonical where a schema is known.
        attr: String,
        /// What the attribute takes.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// The path or a value names an attribute the schema does not define, or a name that is not an
    /// RFC 7643 §2.1 attribute name.
    #[error("unknown attribute `{0}`")]
    AttributeUnknown(String),
    /// A value holds a sub-attribute the schema does not define.
    #[error("`{attr}` has no sub-attribute `{sub}`")]
    SubAttributeUnknown {
        /// The complex attribute.
        attr: String,
        /// The sub-attribute as sent.
        sub: String,
    },
    /// A value filter `[...]` on an attribute that is not multi-valued, or a sub-attribute of an
    /// attribute that is not complex.
    #[error("`{0}` cannot be targeted this way")]
    PathNotApplicable(String),
    /// The path's filter matched no value (RFC 7644 §3.5.2.3, §3.12 `noTarget`).
    #[error("no value of `{0}` matches the filter")]
    NoTarget(String),
    /// The change is not allowed by the attribute's mutability, or removes a required attribute
    /// (RFC 7643 §2.2; RFC 7644 §3.5.2.2).
    #[error("`{attr}` is {reason}")]
    Mutability {
        /// The attribute.
        attr: String,
        /// `readOnly`, `immutable` or `required`, in words.
        reason: &'static str,
    },
    /// The resource to patch is not a JSON object.
    #[error("the resource must be a JSON object")]
    ResourceNotObject,
    /// More operations than [`Limits::max_operations`](crate::Limits::max_operations).
    #[error("{count} operations, more than the limit of {max}")]
    TooManyOperations {
        /// How many were sent.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A value nests deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("the value nests deeper than the limit of {max}")]
    ValueTooDeep {
        /// The limit.
        max: usize,
    },
    /// A value has more JSON nodes than [`Limits::max_value_nodes`](crate::Limits::max_value_nodes).
    #[error("the value has more than the limit of {max} JSON values")]
    ValueTooLarge {
        /// The limit.
        max: usize,
    },
    /// The patched resource does not validate against the schema; nothing was changed.
    #[error("{detail}")]
    Invalid {
        /// The validator's message.
        detail: String,
        /// The validator's `scimType`.
        scim_type: Option<ScimType>,
    },
}

fn found_text(found: &Option<String>) -> String {
    match found {
        Some(f) => format!(", found {f}"),
        None => ", found none".to_owned(),
    }
}

impl ErrorKind {
    /// The RFC 7644 §3.12 `scimType` for this kind.
    pub fn scim_type(&self) -> ScimType {
        match self {
            ErrorKind::Syntax(_)
            | ErrorKind::SchemasInvalid { .. }
            | ErrorKind::OperationsMissing
            | ErrorKind::OperationsEmpty
            | ErrorKind::OperationNotObject
            | ErrorKind::OpMissing
            | ErrorKind::OpUnknown(_)
            | ErrorKind::OpCase(_)
            | ErrorKind::MemberUnexpected(_)
            | ErrorKind::ValueUnexpected
            | ErrorKind::ResourceNotObject
            | ErrorKind::TooManyOperations { .. } => ScimType::InvalidSyntax,
            ErrorKind::PathNotString
            | ErrorKind::PathInvalid { .. }
            | ErrorKind::AttributeUnknown(_)
            | ErrorKind::PathNotApplicable(_) => ScimType::InvalidPath,
            ErrorKind::PathRequired | ErrorKind::NoTarget(_) => ScimType::NoTarget,
            ErrorKind::ValueRequired(_)
            | ErrorKind::ValueNotObject
            | ErrorKind::ValueType { .. }
            | ErrorKind::SubAttributeUnknown { .. }
            | ErrorKind::ValueTooDeep { .. }
            | ErrorKind::ValueTooLarge { .. } => ScimType::InvalidValue,
            ErrorKind::Mutability { .. } => ScimType::Mutability,
            ErrorKind::Invalid { scim_type, .. } => scim_type.unwrap_or(ScimType::InvalidValue),
        }
    }
}

/// The error of every fallible function in this crate.
///
/// It carries the [`ErrorKind`], the index of the operation in `Operations` (0-based) and the
/// operation's path, where there is one; [`status`](Error::status) and
/// [`scim_type`](Error::scim_type) give the RFC 7644 §3.12 answer. The `Display` text is meant for
/// the SCIM error's `detail`.
///
/// ```
/// use scimkit_patch::{apply, PatchRequest};
/// use serde_json::json;
///
/// let mut group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///                        "displayName": "Tour Guides", "members": [{"value": "a"}]});
/// let req: PatchRequest = serde_json::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "replace", "path": "members[value eq \"zz\"].display", "value": "x"}]
/// }))?;
/// let err = apply(&mut group, &req.operations).unwrap_err();
/// assert_eq!(err.scim_type().as_str(), "noTarget");
/// assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
/// assert_eq!(err.op_index(), Some(0));
/// assert_eq!(err.to_string(),
///     "operation 0 (`members[value eq \"zz\"].display`): no value of `members` matches the filter");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    // Boxed as serde_json does, so `Result<bool, Error>` stays one word plus a tag.
    inner: Box<Inner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    op_index: Option<usize>,
    path: Option<String>,
}

impl Error {
    /// An error of `kind` not tied to an operation.
    pub fn new(kind: ErrorKind) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                op_index: None,
                path: None,
            }),
        }
    }

    /// The same error, located at operation `index` with its `path` (if any). Keeps an existing
    /// location.
    pub(crate) fn at(mut self, index: usize, path: Option<&str>) -> Error {
        if self.inner.op_index.is_none() {
            self.inner.op_index = Some(index);
        }
        if self.inner.path.is_none() {
            self.inner.path = path.map(str::to_owned);
        }
        self
    }

    /// The same error with `path` recorded, keeping an existing one.
    pub(crate) fn at_path(mut self, path: &str) -> Error {
        if self.inner.path.is_none() {
            self.inner.path = Some(path.to_owned());
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// Consumes the error, returning what went wrong.
    pub fn into_kind(self) -> ErrorKind {
        self.inner.kind
    }

    /// The 0-based index of the failing operation in `Operations`, if the error is about one.
    pub fn op_index(&self) -> Option<usize> {
        self.inner.op_index
    }

    /// The failing operation's `path`, as sent.
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }

    /// The byte offset in [`path`](Error::path) where a path failed to parse.
    pub fn offset(&self) -> Option<usize> {
        match &self.inner.kind {
            ErrorKind::PathInvalid { offset, .. } => *offset,
            _ => None,
        }
    }

    /// The HTTP status to answer with (RFC 7644 §3.12): 400 Bad Request for every kind.
    pub fn status(&self) -> http::StatusCode {
        self.scim_type().status()
    }

    /// The RFC 7644 §3.12 `scimType`: `invalidSyntax`, `invalidPath`, `noTarget`,
    /// `invalidValue` or `mutability`.
    pub fn scim_type(&self) -> ScimType {
        self.inner.kind.scim_type()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

/// A path that does not parse: `invalidPath`, keeping the byte offset.
impl From<scimkit_filter::Error> for Error {
    fn from(e: scimkit_filter::Error) -> Error {
        Error::new(ErrorKind::PathInvalid {
            detail: e.kind().to_string(),
            offset: e.offset(),
        })
    }
}

/// A resource the schema validator rejects: its `scimType` (usually `invalidValue`).
impl From<scimkit_schema::Error> for Error {
    fn from(e: scimkit_schema::Error) -> Error {
        Error::new(ErrorKind::Invalid {
            detail: e.to_string(),
            scim_type: e.scim_type(),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.inner.op_index, &self.inner.path) {
            (Some(i), Some(p)) => write!(f, "operation {i} (`{p}`): ")?,
            (Some(i), None) => write!(f, "operation {i}: ")?,
            (None, Some(p)) => write!(f, "`{p}`: ")?,
            (None, None) => {}
        }
        write!(f, "{}", self.inner.kind)?;
        if let Some(offset) = self.offset() {
            write!(f, " at byte {offset}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_index_path_and_offset() {
        let e = Error::new(ErrorKind::PathInvalid {
            detail: "unmatched `]`".into(),
            offset: Some(6),
        })
        .at(2, Some("emails]"));
        assert_eq!(
            e.to_string(),
            "operation 2 (`emails]`): unmatched `]` at byte 6"
        );
        assert_eq!(e.scim_type(), ScimType::InvalidPath);
        assert_eq!(e.offset(), Some(6));
    }

    #[test]
    fn every_kind_is_a_400() {
        let kinds = [
            ErrorKind::OpUnknown("copy".into()),
            ErrorKind::PathRequired,
            ErrorKind::ValueRequired("add"),
            ErrorKind::NoTarget("emails".into()),
            ErrorKind::Mutability {
                attr: "id".into(),
                reason: "readOnly",
            },
        ];
        for k in kinds {
            assert_eq!(Error::new(k).status(), http::StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn error_is_small() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
