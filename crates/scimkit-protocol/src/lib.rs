//! RFC 7644 SCIM protocol messages and errors, mapped to and from [`http`] types, for servers and
//! clients.
//!
//! This crate parses, validates and writes the messages of the SCIM protocol: errors, query
//! parameters, list responses, search and bulk requests, entity tags and the discovery endpoints.
//! Requests and responses are [`http::Request`] / [`http::Response`] values whose bodies are
//! bytes.
//!
//! You will notably *not* find an HTTP server, an HTTP client or any I/O here: a server hands
//! this crate the `http::Request` its framework received and sends the `http::Response` it gets
//! back; a client sends the `http::Request` this crate builds with the HTTP client of its choice
//! and hands the response back for parsing. Storage is the caller's too (bulk operations run
//! through the [`BulkExecutor`] trait).
//!
//! # Map of the crate
//! - [`ScimError`] (`error.rs`): the §3.12 Error message; every scimkit error converts into it.
//! - [`Query`], [`QueryOptions`], [`SortOrder`] (`query.rs`): §3.4.2 query parameters.
//! - [`SearchRequest`] (`search.rs`): the §3.4.3 `POST /.search` body.
//! - [`ListResponse`] (`list.rs`): the §3.4.2 ListResponse, with RFC 9865 cursors.
//! - [`Page`], [`CursorCodec`] (`page.rs`): paging helpers for servers.
//! - [`BulkRequest`], [`BulkResponse`], [`BulkProcessor`], [`BulkExecutor`] (`bulk/`): §3.7.
//! - [`ETag`], [`evaluate_preconditions`] (`etag.rs`): §3.14 versions.
//! - [`Discovery`] (`discovery.rs`): the §4 discovery endpoints.
//! - [`Router`], [`ScimRequest`], [`Endpoint`], [`Body`] and response builders (`server.rs`):
//!   the server side of the http mapping; [`response`]: 201/200/204 responses with `Location`
//!   and `ETag`.
//! - [`Client`] (`client.rs`): the client side: requests built, responses read.
//! - [`Pager`] (`pager.rs`), [`RetryPolicy`] (`retry.rs`), [`BulkChunker`] (`bulk/chunk.rs`):
//!   the client's state machines for paging, retrying after 429/503 and splitting bulk jobs,
//!   driven by the caller with any transport.
//!
//! # Example
//! ```
//! use scimkit_protocol::{Body, Endpoint, Router};
//! use scimkit_schema::SchemaRegistry;
//!
//! let router = Router::new("/scim/v2", SchemaRegistry::rfc());
//! let req = http::Request::get("/scim/v2/Users?filter=userName%20eq%20%22bjensen%22&count=10")
//!     .body(Vec::new())?;
//! let scim = router.classify(&req).map_err(|e| e.to_string())?;
//! assert_eq!(scim.endpoint, Endpoint::Resources { resource_type: "User".into() });
//! assert_eq!(scim.query.count, Some(10));
//! assert!(matches!(scim.body, Body::None));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Input safety
//! Every function that reads request bytes returns an error for bad input and never panics.
//! Bodies are bounded by [`Router::max_body_size`] and bulk requests by `maxPayloadSize` and
//! `maxOperations`; JSON nesting is bounded by serde_json's limit of 128; walks over JSON values
//! (bulkId resolution, ETag hashing) use explicit stacks, not recursion.
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]
#![warn(missing_debug_implementations)]

mod bulk;
mod client;
mod discovery;
mod error;
mod etag;
mod json;
mod list;
mod page;
mod pager;
mod query;
pub mod response;
mod retry;
mod search;
mod server;

pub use bulk::{
    BulkChunker, BulkExecutor, BulkOperation, BulkOperationResponse, BulkOutcome, BulkPlan,
    BulkProcessor, BulkRequest, BulkResponse, ResolvedOperation,
};
pub use client::{Client, ResourceEndpoint};
pub use discovery::Discovery;
pub use error::{ScimError, EXPIRED_CURSOR, INVALID_COUNT, INVALID_CURSOR};
pub use etag::{evaluate_preconditions, ETag, Precondition};
pub use json::parse_json;
pub use list::{Builder as ListResponseBuilder, ListResponse};
pub use page::{CursorCodec, CursorError, Page};
pub use pager::{Pager, PagerStop, PagingMode};
pub use query::{Query, QueryOptions, SortOrder};
pub use retry::{is_idempotent, GiveUp, Retry, RetryDecision, RetryPolicy, TransportFailure};
pub use search::SearchRequest;
pub use server::{Body, Endpoint, Router, ScimRequest};

/// The media type of every SCIM message (RFC 7644 §3.1, §8.1).
pub const CONTENT_TYPE_SCIM: &str = "application/scim+json";
/// The URN of the Error message (RFC 7644 §3.12).
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The URN of the ListResponse message (RFC 7644 §3.4.2).
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The URN of the SearchRequest message (RFC 7644 §3.4.3).
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The URN of the PatchOp message (RFC 7644 §3.5.2).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The URN of the BulkRequest message (RFC 7644 §3.7).
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The URN of the BulkResponse message (RFC 7644 §3.7).
pub const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// A response with a JSON body and `Content-Type: application/scim+json` (Entra).
pub(crate) fn json_response(status: http::StatusCode, body: Vec<u8>) -> http::Response<Vec<u8>> {
    let mut resp = http::Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::header::HeaderValue::from_static(CONTENT_TYPE_SCIM),
    );
    resp
}

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctest;
