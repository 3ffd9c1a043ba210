//! Bulk operations (RFC 7644 §3.7), one stage per module:
//!
//! - `message`: the BulkRequest and BulkResponse messages;
//! - `limits`: the service provider's limits and reading a request body within them;
//! - `process`: running a job on the service provider ([`BulkProcessor::process`]);
//! - `reference`: `bulkId:` references, found and replaced;
//! - `chunk`: the client side, splitting many operations into requests within the limits
//!   ([`BulkChunker`]).

mod chunk;
mod limits;
mod message;
mod process;
mod reference;

pub use chunk::{BulkChunker, BulkPlan};
pub use limits::BulkProcessor;
pub use message::{BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse};
pub use process::{BulkExecutor, BulkOutcome, ResolvedOperation};
