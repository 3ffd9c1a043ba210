#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

/// RFC 7643 schema: attribute definitions, built-in schemas, typed resources, validation, projection.
pub use scimkit_schema as schema;

/// RFC 7644 filters and paths: parse, print, evaluate, compile, sort, translate.
pub use scimkit_filter as filter;

/// RFC 7644 PATCH: atomic apply, interop profile, diff.
pub use scimkit_patch as patch;

/// RFC 7644 protocol messages and errors, mapped to and from `http` types.
pub use scimkit_protocol as protocol;

/// Filters, `sortBy` and keyset paging translated to parameterised SQL (SQLite, PostgreSQL).
pub use scimkit_sql as sql;

/// The names most programs need, in one import: `use scimkit::prelude::*;`.
///
/// ```
/// use scimkit::prelude::*;
/// let filter = Filter::eq("userName", "bjensen");
/// assert_eq!(filter.to_string(), r#"userName eq "bjensen""#);
/// ```
pub mod prelude {
    pub use scimkit_filter::{AttrPath, CompiledFilter, Filter, Path};
    pub use scimkit_patch::{Interop, PatchOperation, PatchRequest, Patcher};
    pub use scimkit_protocol::{
        BulkChunker, Client, ListResponse, Pager, Query, RetryPolicy, Router, ScimError,
        ScimRequest,
    };
    pub use scimkit_schema::{
        Attribute, AttributeType, Group, Projection, ResourceSchema, Schema, SchemaRegistry,
        ScimType, User, Validator,
    };
}
