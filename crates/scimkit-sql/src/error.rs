//! The one error type of this crate, with the response it stands for (RFC 7644 §3.12).

use http::StatusCode;
use scimkit_protocol::ScimError;
use scimkit_schema::ScimType;

/// Why a filter, sort or page cannot be translated.
///
/// A filter or `sortBy` that the schema rejects gives the same error the evaluator's compiler
/// gives ([`Error::Filter`], 400 `invalidFilter` or `invalidPath`), so a server answers the same
/// whether it filters in SQL or in memory. The other kinds are the caller's: a [`Shape`](crate::Shape)
/// that does not fit the schema, or a [`Position`](crate::Position) that does not fit the sort.
///
/// ```
/// use scimkit_filter::Filter;
/// use scimkit_schema::ResourceSchema;
/// use scimkit_sql::{Dialect, Query, Shape};
///
/// let schema = ResourceSchema::user();
/// let shape = Shape::new("r.doc", "r.seq");
/// let err = Query::new(Dialect::Sqlite, &schema, &shape)
///     .filter(&Filter::parse("titel pr")?)
///     .unwrap_err();
/// assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
/// assert_eq!(err.scim_type(), Some(scimkit_schema::ScimType::InvalidFilter));
/// let response: scimkit_protocol::ScimError = err.into();
/// assert_eq!(response.status(), http::StatusCode::BAD_REQUEST);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The filter or `sortBy` does not compile against the schema (400, `invalidFilter` for a
    /// filter, `invalidPath` for `sortBy`): the compiler's own error.
    #[error(transparent)]
    Filter(#[from] scimkit_filter::Error),
    /// The filter names a sub-attribute of an attribute kept in a [`Relation`](crate::Relation)
    /// that the relation does not map, or sorts by such an attribute without an element order
    /// (400 `invalidFilter`, or `invalidPath` for a sort).
    #[error("`{attr}` cannot be searched or sorted on this server")]
    NotMapped {
        /// The canonical attribute path.
        attr: String,
        /// Whether the path came from `sortBy`.
        sort: bool,
    },
    /// The [`Shape`](crate::Shape) does not fit the schema: a column or relation for an unknown
    /// attribute, a folded column on a case-exact or dateTime attribute, a relation for an
    /// attribute that is not multi-valued and complex, or a name that cannot be quoted (500: the
    /// server is misconfigured).
    #[error("storage shape: {0}")]
    Shape(String),
    /// A keyset [`Position`](crate::Position) whose sort key does not fit the sort: the
    /// cursor was made for another `sortBy` (400, RFC 9865 `invalidCursor`).
    #[error("the cursor does not belong to this sort order")]
    Cursor,
}

impl Error {
    /// The HTTP status of the error response.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Filter(e) => e.status(),
            Error::NotMapped { .. } | Error::Cursor => StatusCode::BAD_REQUEST,
            Error::Shape(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The SCIM `scimType`, if RFC 7644 §3.12 has one for it. A bad cursor is RFC 9865's
    /// `invalidCursor`, which is not in [`ScimType`]; the conversion into [`ScimError`] spells it.
    pub fn scim_type(&self) -> Option<ScimType> {
        match self {
            Error::Filter(e) => Some(e.scim_type()),
            Error::NotMapped { sort: false, .. } => Some(ScimType::InvalidFilter),
            Error::NotMapped { sort: true, .. } => Some(ScimType::InvalidPath),
            Error::Shape(_) | Error::Cursor => None,
        }
    }
}

impl From<Error> for ScimError {
    fn from(e: Error) -> ScimError {
        match e {
            Error::Filter(e) => e.into(),
            Error::Cursor => ScimError::invalid_cursor(e.to_string()),
            Error::Shape(_) => ScimError::internal(e.to_string()),
            Error::NotMapped { .. } => {
                let mut err = ScimError::new(e.status(), e.to_string());
                if let Some(t) = e.scim_type() {
                    err = err.with_scim_type(t);
                }
                err
            }
        }
    }
}
