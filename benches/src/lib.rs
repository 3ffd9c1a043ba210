//! Shared corpora for scimkit's benchmarks: IdP-shaped filters, generated users and PATCH requests.
