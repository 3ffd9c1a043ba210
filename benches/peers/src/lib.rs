//! Adapters that run scimkit-benchmark inputs through other Rust SCIM crates.
