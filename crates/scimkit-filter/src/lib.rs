//! SCIM filters and paths: RFC 7644 §3.4.2.2 filters, §3.5.2 PATCH paths and the attribute
//! paths of `attributes`, `excludedAttributes` and `sortBy`, parsed, printed, evaluated,
//! compiled against a schema, sorted by and translated.
//!
//! # Map of the crate
//!
//! - [`Filter`], [`Path`] and [`AttrPath`], the AST (`ast.rs`). The grammar of record is
//!   `src/grammar.pest`, one rule per RFC 7644 ABNF rule with every deviation marked.
//!   [`Filter::parse`] (also `str::parse`) reads text with a fast hand-written recursive-descent
//!   parser over bytes that accepts the same language (`parse.rs`, tokens in `parse/lex.rs`); with
//!   the cargo feature `pest`, `reference` is the parser pest generates from the grammar, and
//!   tests and a fuzz target hold the two equal. [`Display`](std::fmt::Display) prints the
//!   canonical text, which parses back to an equal filter (`print.rs`).
//! - [`Filter::matches`] evaluates a filter against a resource's JSON with the RFC's defaults and
//!   no schema (`eval.rs`); its documentation lists the rules.
//! - [`Filter::compile`] resolves a filter against a [`ResourceSchema`](scimkit_schema::ResourceSchema)
//!   into a [`CompiledFilter`], which matches without allocating (`compile.rs`).
//! - [`Path::parse`] reads a PATCH path, [`AttrPath::parse`] an attribute path and
//!   [`AttrPath::parse_list`] an `attributes=` list (`path.rs`).
//! - [`Sorter`] compares resources for `sortBy`/`sortOrder` (`sort.rs`).
//! - [`Fold`] translates a filter into another query language, e.g. a parameterised SQL `WHERE`
//!   clause (`visit.rs`, with a complete example).
//! - [`Filter::eq`], [`Filter::and`], `!filter` and friends build filters in code with correct
//!   escaping (`build.rs`).
//! - [`Error`] is the one error type: an [`ErrorKind`], a byte [`Span`], HTTP 400 and the
//!   `scimType` `invalidFilter` or `invalidPath` (`error.rs`).
//!
//! # Example
//!
//! ```
//! use scimkit_filter::Filter;
//! use scimkit_schema::ResourceSchema;
//! use serde_json::json;
//!
//! let f: Filter = r#"emails[type eq "work" and value co "@example.com"] or userName sw "j""#.parse()?;
//! assert_eq!(f.to_string().parse::<Filter>()?, f);
//!
//! let user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "bjensen",
//!     "emails": [{"value": "bjensen@example.com", "type": "work"}]
//! });
//! assert!(f.matches(&user));
//!
//! let compiled = f.compile(&ResourceSchema::user())?;
//! assert!(compiled.matches(&user));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Input safety
//!
//! Every parse function returns an error for bad input and never panics, overflows the stack or
//! takes super-linear time. The text is limited in length ([`Limits::max_len`], default 8 KiB)
//! and in bracket nesting ([`Limits::max_depth`], default 50), which the parser counts as it
//! descends, so a megabyte of `(` fails at the 51st. `and` and `or` are n-ary and parsed in a
//! loop, so a long flat chain of terms costs no depth, and dropping a [`Filter`] never
//! recurses, however it was built. Evaluating, compiling and printing recurse once per nesting
//! level: a parsed filter is bounded by the limit, and [`Filter::compile`] checks a hand-built
//! one with [`Filter::depth`], which does not recurse.
//!
//! # Error reporting
//!
//! Errors carry a byte offset and say what was expected, e.g. "expected a comparison operator
//! after `userName` at byte 9". The text is written for the `detail` of a SCIM error response;
//! [`Error::status`] and [`Error::scim_type`] give the rest.
//!
//! # Interop
//!
//! [`Interop`] holds tolerances for what identity providers send that RFC 7644 does not allow:
//! Entra's `emails[type eq "work"].value eq "x"` (docs/idp-compatibility.md) and string booleans such as
//! `active eq "True"` (docs/idp-compatibility.md). They are off by default.
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

mod ast;
mod build;
mod compile;
mod error;
mod eval;
mod limits;
mod parse;
mod path;
mod print;
mod sort;
mod span;
mod text;
mod visit;

use std::str::FromStr;

pub use ast::{AttrPath, CompValue, CompareOp, Filter, Path};
pub use build::IntoAttrPath;
pub use compile::CompiledFilter;
pub use error::{Closing, Error, ErrorKind};
pub use limits::{Interop, Limits, Options};
#[cfg(feature = "pest")]
pub use parse::reference;
pub use sort::{SortOrder, Sorter};
pub use span::Span;
pub use visit::Fold;

impl Filter {
    /// Parses a filter (RFC 7644 §3.4.2.2) with the default [`Options`]: 8 KiB, 50 levels of
    /// brackets, strict RFC syntax.
    ///
    /// Keywords and operators match in any case (`EQ`, `And`, `NOT`), runs of whitespace are
    /// accepted wherever the RFC has one space, and `not(` needs no space.
    ///
    /// ```
    /// use scimkit_filter::Filter;
    /// let f = Filter::parse(r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#)?;
    /// assert!(matches!(f, Filter::And(ref operands) if operands.len() == 2));
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    ///
    /// # Errors
    /// A syntax error or a limit exceeded, with `scimType` `invalidFilter` and the byte offset.
    pub fn parse(text: &str) -> Result<Filter, Error> {
        Filter::parse_with(text, &Options::new())
    }

    /// Parses a filter with the given limits and interop tolerances.
    ///
    /// ```
    /// use scimkit_filter::{Filter, Limits, Options};
    /// // A POST /.search body with a long list of ids.
    /// let text = (0..5000).map(|i| format!(r#"id eq "{i}""#)).collect::<Vec<_>>().join(" or ");
    /// assert!(Filter::parse(&text).is_err()); // longer than 8 KiB
    /// let options = Options::new().limits(Limits::new().max_len(1 << 20));
    /// assert!(matches!(Filter::parse_with(&text, &options)?, Filter::Or(ref ids) if ids.len() == 5000));
    /// # Ok::<(), scimkit_filter::Error>(())
    /// ```
    ///
    /// # Errors
    /// A syntax error or a limit exceeded, with `scimType` `invalidFilter` and the byte offset.
    pub fn parse_with(text: &str, options: &Options) -> Result<Filter, Error> {
        parse::filter(text, options)
    }
}

impl FromStr for Filter {
    type Err = Error;

    /// The same as [`Filter::parse`].
    fn from_str(text: &str) -> Result<Filter, Error> {
        Filter::parse(text)
    }
}

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctest;
