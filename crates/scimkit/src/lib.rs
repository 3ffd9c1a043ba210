#![doc = include_str!("../../../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

/// RFC 7643 schema: attribute definitions, built-in schemas, typed resources, validation, projection.
pub use scimkit_schema as schema;

/// RFC 7644 filters and paths: parse, print, evaluate, compile, sort, translate.
pub use scimkit_filter as filter;

/// RFC 7644 PATCH: atomic apply, interop profile, diff.
pub use scimkit_patch as patch;

/// RFC 7644 protocol messages and errors.
pub use scimkit_protocol as protocol;

/// The names most programs need, in one import: `use scimkit::prelude::*;`.
pub mod prelude {
    pub use scimkit_schema::{
        Attribute, AttributeType, ResourceSchema, Schema, SchemaRegistry, ScimType,
    };
}
