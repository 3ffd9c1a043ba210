//! Validation of a JSON resource against a [`ResourceSchema`](crate::ResourceSchema) (RFC 7643 §2.2, §7).
