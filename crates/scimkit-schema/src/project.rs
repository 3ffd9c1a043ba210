//! Attribute projection for responses (RFC 7644 §3.4.2.5, §3.9).
