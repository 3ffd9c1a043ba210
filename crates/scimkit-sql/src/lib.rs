//! SCIM filters, `sortBy` and keyset paging translated to parameterised SQL, for SQLite (JSON1
//! functions over a JSON text column) and PostgreSQL (`jsonb`), with exactly the semantics of the
//! evaluator in `scimkit-filter`.
//!
//! # Map of the crate
//!
//! - [`Shape`] says how a store keeps resources: one JSON document column per row and a unique
//!   integer key, plus optional mapped [`Column`]s and side-table [`Relation`]s (`shape.rs`).
//! - [`Query`] turns a [`Filter`](scimkit_filter::Filter), a sort and a [`Position`] into SQL
//!   text and [`SqlValue`] parameters (`query.rs`); the filter translation is in `filter.rs`,
//!   the sort key and keyset condition in `sort.rs`, the per-dialect SQL in `sql.rs`.
//! - [`fold`] and [`instant`] are the case folding and dateTime instants the SQL relies on
//!   (`text.rs`); the database computes the same with `scim_fold` and `scim_instant`, which the
//!   store installs: `sqlite::register_functions` (feature `rusqlite`) or
//!   [`postgres::SETUP_SQL`].
//! - [`Error`] knows its HTTP status and `scimType` and converts into
//!   [`ScimError`](scimkit_protocol::ScimError).
//!
//! No database driver is a dependency; the store runs the SQL.
//!
//! # Semantics
//!
//! A resource matches the SQL condition exactly when
//! [`CompiledFilter::matches`](scimkit_filter::CompiledFilter::matches) (compiled with the same
//! [`Options`](scimkit_filter::Options)) accepts its document: all operators on every attribute
//! type, `pr` on missing, `null`, `""`, `[]` and `{}`, any element of a multi-valued attribute, the
//! same element for every condition of a value filter, extension attributes, `not`, and the
//! interop forms. Every condition is two-valued (never SQL `NULL`), so `not` is the evaluator's.
//! The test `tests/differential.rs` holds SQLite (and PostgreSQL when one is reachable) to this
//! over a generated corpus.
//!
//! What the translation assumes of the document is what the server's validation and
//! canonicalisation guarantee: members are spelled as the schema spells them, and a multi-valued
//! attribute is an array (a complex one, an array of objects), a single-valued complex one an
//! object. A value of another JSON type than its attribute's is compared as the evaluator
//! compares it, but has no sort key (it sorts as missing).
//!
//! PostgreSQL specifics: the database must use the UTF8 encoding; its `scim_instant`
//! recognises the dateTime forms of RFC 3339 (`2011-05-13T04:42:34.5Z`, `+02:00` offsets, a
//! `t`/`z` in lower case, no offset meaning UTC), which is what the evaluator's parser accepts
//! apart from one-digit fields and signed years.
//!
//! # Indexes
//!
//! The conditions the common identity-provider lookups translate to are ones an index serves;
//! `docs/sql-indexing.md` lists what to create. With `Shape::column("userName",
//! Column::new("r.user_name_fold").folded())`, `userName eq "x"` becomes
//! `(r.user_name_fold IS NOT NULL AND r.user_name_fold = ?3)`; without the column, the condition
//! is on `scim_fold(json_extract(r.doc, '$."userName"'))` (SQLite) or
//! `scim_fold((r.doc) ->> 'userName')` (PostgreSQL), which an expression index serves.
//!
//! # Example
//!
//! ```
//! use scimkit_filter::{Filter, Interop, Options};
//! use scimkit_schema::ResourceSchema;
//! use scimkit_sql::{Dialect, Query, Shape, SqlValue};
//!
//! let schema = ResourceSchema::user();
//! let shape = Shape::new("r.doc", "r.seq");
//! let options = Options::new().interop(Interop::idp_compatible());
//! let filter = Filter::parse_with(r#"emails[type eq "work"].value eq "Bjensen@Example.com""#, &options)?;
//! let q = Query::new(Dialect::Sqlite, &schema, &shape).options(options).filter(&filter)?;
//! assert!(q.where_sql().starts_with("EXISTS (SELECT 1 FROM (SELECT key AS k"));
//! assert_eq!(q.params(), [SqlValue::Text("work".into()), SqlValue::Text("bjensen@example.com".into())]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

mod error;
mod filter;
pub mod postgres;
mod query;
mod shape;
mod sort;
mod sql;
#[cfg(feature = "rusqlite")]
pub mod sqlite;
mod text;

pub use error::Error;
pub use query::Query;
pub use shape::{Column, Relation, Shape};
pub use sort::{KeyType, Position};
pub use sql::SqlValue;
pub use text::{fold, instant};

/// The SQL dialect to write.
///
/// ```
/// assert_ne!(scimkit_sql::Dialect::Sqlite, scimkit_sql::Dialect::Postgres);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite 3.38 or later, with the JSON functions, the document a JSON text column; the
    /// connection has `sqlite::register_functions` (feature `rusqlite`) or the same functions.
    Sqlite,
    /// PostgreSQL 12 or later, the document a `jsonb` column, in a UTF8 database where
    /// [`postgres::SETUP_SQL`] has run.
    Postgres,
}

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctest;
