//! Runnable scimkit examples: a SCIM service provider on SQLite (`scim-server`).
//!
//! The server lives in a library module so that integration tests can start it in-process on an
//! ephemeral port.

pub mod client;
pub mod server;
