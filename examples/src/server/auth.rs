//! Bearer tokens: generated from the OS's randomness, stored as hashes, compared in constant time.

use std::io::Read;

use sha2::Digest as _;
use subtle::ConstantTimeEq as _;

/// A fresh 256-bit token, hex-encoded.
pub fn new_token() -> String {
    hex(&random_bytes::<32>())
}

/// `N` bytes from the OS's randomness.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // /dev/urandom never blocks once the system has booted and is what getrandom(2) reads.
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("the OS random source is readable");
    bytes
}

/// The stored form of a token: SHA-256, hex-encoded.
pub fn hash_token(token: &str) -> String {
    hex(&sha2::Sha256::digest(token.as_bytes()))
}

/// Whether `presented` hashes to `stored`, in time independent of where they differ.
pub fn verify(presented: &str, stored: &str) -> bool {
    hash_token(presented)
        .as_bytes()
        .ct_eq(stored.as_bytes())
        .into()
}

/// The token of an `Authorization: Bearer ...` header.
pub fn bearer(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
