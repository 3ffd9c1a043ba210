//! The one error type of this crate: what went wrong, where, and what to answer (RFC 7644 §3.12).

use std::fmt;

use scimkit_schema::{AttributeType, ScimType};

use crate::ast::CompareOp;
use crate::span::Span;

/// What a filter, path or attribute list is an error *in*: this decides the `scimType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// A `filter` query parameter or `/.search` member: `invalidFilter`.
    Filter,
    /// A PATCH `path`, an `attributes` list or a `sortBy`: `invalidPath`.
    Path,
}

/// An error parsing or compiling a filter or path.
///
/// Every error is a client error: [`status`](Error::status) is always 400 and
/// [`scim_type`](Error::scim_type) is `invalidFilter` for filters and `invalidPath` for PATCH paths,
/// attribute lists and `sortBy` (RFC 7644 §3.12). The `Display` text is meant for the SCIM error's
/// `detail`: it says what was expected and at which byte.
///
/// ```
/// use scimkit_filter::{ErrorKind, Filter};
///
/// let err = Filter::parse(r#"userName xx "bjensen""#).unwrap_err();
/// assert_eq!(err.to_string(), "expected a comparison operator after `userName` at byte 9");
/// assert!(matches!(err.kind(), ErrorKind::CompareOpExpected { .. }));
/// assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
/// assert_eq!(err.scim_type().as_str(), "invalidFilter");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    // Boxed as serde_json does, so a `Result<Filter, Error>` stays small.
    inner: Box<Inner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    span: Option<Span>,
    context: Context,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, span: Option<Span>, context: Context) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                span,
                context,
            }),
        }
    }

    pub(crate) fn at(kind: ErrorKind, offset: usize, context: Context) -> Error {
        Error::new(kind, Some(Span::new(offset, offset)), context)
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// Consumes the error, returning what went wrong.
    pub fn into_kind(self) -> ErrorKind {
        self.inner.kind
    }

    /// Where in the text it went wrong. `None` for errors about a filter built in code (which
    /// has no text) and for limits on the whole text.
    pub fn span(&self) -> Option<Span> {
        self.inner.span
    }

    /// The byte offset where it went wrong: the start of [`span`](Error::span).
    pub fn offset(&self) -> Option<usize> {
        self.inner.span.map(|s| s.start)
    }

    /// The HTTP status to answer with: always 400 Bad Request (RFC 7644 §3.12).
    pub fn status(&self) -> http::StatusCode {
        self.scim_type().status()
    }

    /// The SCIM `scimType`: [`ScimType::InvalidFilter`] for filters, [`ScimType::InvalidPath`] for
    /// PATCH paths, attribute lists and `sortBy`.
    pub fn scim_type(&self) -> ScimType {
        match self.inner.context {
            Context::Filter => ScimType::InvalidFilter,
            Context::Path => ScimType::InvalidPath,
        }
    }

    /// The same error reported against a path instead of a filter (a PATCH path embeds a filter).
    pub(crate) fn in_context(mut self, context: Context) -> Error {
        self.inner.context = context;
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.inner.span {
            Some(span) => write!(f, "{} at byte {}", self.inner.kind, span.start),
            None => write!(f, "{}", self.inner.kind),
        }
    }
}

impl std::error::Error for Error {}

/// The kinds of [`Error`].
///
/// This enum is `#[non_exhaustive]`: adding a variant is not considered a breaking change.
/// The `Display` of each kind starts in lower case and has no trailing period; [`Error`] appends
/// the byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is longer than [`Limits::max_len`](crate::Limits::max_len).
    #[error("the text is {len} bytes, longer than the limit of {max}")]
    TooLong {
        /// The text's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Brackets nest deeper than [`Limits::max_depth`](crate::Limits::max_depth). The span is the
    /// first bracket past the limit.
    #[error("brackets nest deeper than the limit of {max}")]
    NestLimitExceeded {
        /// The limit.
        max: u32,
    },
    /// An attribute path (or a `(` or `not`) was expected.
    #[error("expected an attribute path{}", after_text(.after))]
    AttrPathExpected {
        /// The token before the error, if any.
        after: Option<String>,
    },
    /// A comparison operator (`eq`, `ne`, `co`, `sw`, `ew`, `gt`, `ge`, `lt`, `le`) or `pr` was
    /// expected after an attribute path.
    #[error("expected a comparison operator after `{after}`")]
    CompareOpExpected {
        /// The attribute path before the error.
        after: String,
    },
    /// A comparison value (a JSON string, number, `true`, `false` or `null`) was expected.
    #[error(
        "expected a value (a quoted string, a number, `true`, `false` or `null`) after `{after}`"
    )]
    ValueExpected {
        /// The operator before the error.
        after: String,
    },
    /// A complete expression was followed by something other than `and`, `or` or the closing
    /// bracket or end of text.
    #[error("expected `and`, `or` or {} after `{after}`", close.describe())]
    LogicalOpExpected {
        /// The token before the error.
        after: String,
        /// What could also have come.
        close: Closing,
    },
    /// The path was complete but more text followed.
    #[error("expected the end of the path after `{after}`")]
    EndExpected {
        /// The token before the error.
        after: String,
    },
    /// A `)` or `]` without a matching opening bracket.
    #[error("unmatched `{0}`")]
    BracketUnmatched(char),
    /// A string literal without its closing `"`. The span is the opening quote.
    #[error("unterminated string")]
    StringUnterminated,
    /// A `\` escape other than the JSON ones (RFC 7159 §7).
    #[error("invalid escape in string; JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX")]
    StringEscapeInvalid,
    /// A `\u` escape of a UTF-16 surrogate that is not part of a pair.
    #[error("unpaired surrogate in `\\u` escape")]
    StringSurrogateUnpaired,
    /// A control character (below U+0020) that JSON requires to be escaped.
    #[error("control character in string must be escaped")]
    StringControlChar,
    /// A number too large for a 64-bit float.
    #[error("number out of range")]
    NumberOutOfRange,
    /// A value filter inside another (`emails[type[...]]`); RFC 7644's valFilter has no valuePath.
    #[error("a value filter cannot contain another value filter")]
    ValuePathNested,
    /// Entra's `emails[type eq "work"].value eq "x"` form (docs/idp-compatibility.md) while
    /// [`Interop::value_path_sub_attr`](crate::Interop::value_path_sub_attr) is off.
    #[error(
        "a sub-attribute and comparison after `]` is not RFC 7644 syntax; \
         write `{attr}[... and {sub} ...]`"
    )]
    ValuePathSubAttr {
        /// The value path's attribute.
        attr: String,
        /// The sub-attribute after the `]`.
        sub: String,
    },
    /// Unexpected text that fits no other kind.
    #[error("unexpected {}", found_text(.found))]
    Unexpected {
        /// The text found, or `None` at the end of the input.
        found: Option<String>,
    },
    /// The filter names a schema the resource type does not have.
    #[error("unknown schema `{urn}`")]
    SchemaUnknown {
        /// The URN as written.
        urn: String,
    },
    /// The filter names an attribute the schema does not define.
    #[error("unknown attribute `{attr}`")]
    AttrUnknown {
        /// The attribute path as written.
        attr: String,
    },
    /// The filter names a sub-attribute the complex attribute does not have.
    #[error("unknown sub-attribute `{sub}` of `{attr}`")]
    SubAttrUnknown {
        /// The complex attribute, canonical.
        attr: String,
        /// The sub-attribute as written.
        sub: String,
    },
    /// A sub-attribute of an attribute that is not complex (RFC 7643 §2.3.8: only complex
    /// attributes have sub-attributes, and they are one level deep).
    #[error("`{attr}` is not complex and has no sub-attribute `{sub}`")]
    SubAttrOfSimple {
        /// The attribute, canonical.
        attr: String,
        /// The sub-attribute as written.
        sub: String,
    },
    /// A value filter `[...]` on an attribute that is not complex.
    #[error("`{attr}` is not complex, so it cannot have a value filter `[...]`")]
    ValuePathNotComplex {
        /// The attribute, canonical.
        attr: String,
    },
    /// A comparison on a complex attribute that has no `value` sub-attribute to compare
    /// (RFC 7644 §3.4.2.2: "a fully qualified sub-attribute MUST be specified").
    #[error("`{attr}` is complex; compare one of its sub-attributes, e.g. `{attr}.{example}`")]
    ComplexNeedsSubAttr {
        /// The attribute, canonical.
        attr: String,
        /// One of its sub-attributes, for the message.
        example: String,
    },
    /// An operator the attribute's type does not allow (RFC 7644 §3.4.2.2: ordering on booleans
    /// and binary; `co`, `sw`, `ew` on anything but text).
    #[error("`{op}` cannot be used on `{attr}`, a {} attribute", type_.as_str())]
    OperatorNotAllowed {
        /// The operator.
        op: CompareOp,
        /// The attribute, canonical.
        attr: String,
        /// Its type.
        type_: AttributeType,
    },
    /// A dateTime attribute compared with text that is no RFC 3339 date-time, when
    /// [`Options::datetime_literals`](crate::Options::datetime_literals) asks for the check.
    #[error("`{attr}` is a dateTime, and {value:?} is no RFC 3339 date-time")]
    NotADateTime {
        /// The attribute, canonical.
        attr: String,
        /// The literal.
        value: String,
    },
}

/// What may close the expression where a [`ErrorKind::LogicalOpExpected`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Closing {
    /// The end of the text.
    End,
    /// A `)`.
    Paren,
    /// A `]`.
    Bracket,
}

impl Closing {
    fn describe(self) -> &'static str {
        match self {
            Closing::End => "the end of the filter",
            Closing::Paren => "`)`",
            Closing::Bracket => "`]`",
        }
    }
}

fn after_text(after: &Option<String>) -> String {
    match after {
        Some(a) => format!(" after `{a}`"),
        None => String::new(),
    }
}

fn found_text(found: &Option<String>) -> String {
    match found {
        Some(f) => format!("`{f}`"),
        None => "end of input".to_owned(),
    }
}
