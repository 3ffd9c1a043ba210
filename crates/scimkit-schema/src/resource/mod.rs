//! Typed resources (RFC 7643 §4): `User`, `Group`, `EnterpriseUser` and their parts.
