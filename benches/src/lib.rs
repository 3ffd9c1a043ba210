//! Shared corpora for scimkit's benchmarks: IdP-shaped filters, generated users and PATCH requests.

pub mod corpus;
pub mod fuzz;
