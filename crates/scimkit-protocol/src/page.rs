//! Paging for servers: index pages (RFC 7644 §3.4.2.4) and opaque, tamper-evident cursors
//! (RFC 9865).

use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{AeadInOut, Generate, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{ListResponse, ScimError};

/// One index-based page of a result set of `total` items: which slice to return and the
/// ListResponse counts to return with it (RFC 7644 §3.4.2.4).
///
/// `start_index` is 1-based and `count` is the page size; both are the already-normalized values
/// of a [`Query`](crate::Query) (`startIndex < 1` read as 1, negative `count` as 0, `count`
/// clamped). A `start_index` past the end gives an empty page, and `count = 0` gives only
/// `totalResults` (§3.4.2.4: "A value of "0" indicates that no resource results are to be
/// returned except for "totalResults"").
///
/// # Examples
/// ```
/// use scimkit_protocol::Page;
///
/// // Okta import paging (docs/idp-compatibility.md): startIndex=101&count=100 over 150 users.
/// let page = Page::new(150, 101, 100);
/// assert_eq!(page.range(), 100..150);
/// let users: Vec<u32> = (0..150).collect();
/// let list = page.list_response(page.slice(&users).to_vec());
/// assert_eq!((list.total_results, list.start_index, list.items_per_page), (Some(150), Some(101), Some(50)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    total: u64,
    start_index: u64,
    start: u64,
    end: u64,
}

impl Page {
    /// The page of `count` items starting at the 1-based `start_index` in `total` items.
    pub fn new(total: u64, start_index: u64, count: u64) -> Page {
        let start_index = start_index.max(1);
        let start = (start_index - 1).min(total);
        let end = start.saturating_add(count).min(total);
        Page {
            total,
            start_index,
            start,
            end,
        }
    }

    /// The 0-based offset of the first item (for a database `OFFSET`).
    pub fn offset(&self) -> u64 {
        self.start
    }

    /// How many items the page holds (for a database `LIMIT`).
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the page holds no items.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The page's items as a range of indices into the whole result set.
    pub fn range(&self) -> Range<usize> {
        let cast = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        cast(self.start)..cast(self.end)
    }

    /// The page's items out of the whole result set (empty when `items` is shorter than expected).
    pub fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let r = self.range();
        let end = r.end.min(items.len());
        let start = r.start.min(end);
        &items[start..end]
    }

    /// Whether items follow this page.
    pub fn has_more(&self) -> bool {
        self.end < self.total
    }

    /// A ListResponse with this page's counts around `resources` (the page's items).
    pub fn list_response<T>(&self, resources: Vec<T>) -> ListResponse<T> {
        ListResponse {
            total_results: Some(self.total),
            start_index: Some(self.start_index),
            items_per_page: Some(resources.len() as u64),
            next_cursor: None,
            previous_cursor: None,
            resources,
        }
    }
}

/// Why a cursor was refused. Converts into the RFC 9865 §3.2 errors: 400 `invalidCursor` for
/// [`Malformed`](CursorError::Malformed) and [`Tampered`](CursorError::Tampered), 400
/// `expiredCursor` for [`Expired`](CursorError::Expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CursorError {
    /// Not a cursor this library writes (bad base64url, wrong length or version).
    #[error("cursor is not one this service provider issued")]
    Malformed,
    /// The seal does not open: the cursor was altered, issued under another key, or issued for a
    /// different query context.
    #[error("cursor was altered or belongs to another query")]
    Tampered,
    /// The cursor's lifetime is over.
    #[error("cursor has expired; start again from the first page")]
    Expired,
}

impl From<CursorError> for ScimError {
    fn from(e: CursorError) -> Self {
        match e {
            CursorError::Expired => ScimError::expired_cursor(e.to_string()),
            _ => ScimError::invalid_cursor(e.to_string()),
        }
    }
}

/// The first byte of every cursor; a cursor of another layout is `Malformed`, never misread.
const CURSOR_VERSION: u8 = 2;
/// XChaCha20-Poly1305's nonce: 192 bits, so random nonces never repeat in practice.
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const EXPIRY_LEN: usize = 8;
/// The shortest cursor this codec writes: version, nonce, sealed expiry and tag.
const MIN_RAW_LEN: usize = 1 + NONCE_LEN + EXPIRY_LEN + TAG_LEN;
/// Cursors longer than this are refused before any work (a position is a key, not a document).
const MAX_CURSOR_LEN: usize = 4096;
/// Separates the cursor key from any other use of the caller's secret (RFC 2104 HMAC as a PRF).
const KEY_LABEL: &[u8] = b"scimkit RFC 9865 cursor key v2";

/// Encodes and decodes RFC 9865 cursors that a client can neither read nor forge.
///
/// A cursor carries the server's position (an offset, or better the sort key of the last item
/// returned, so that inserts and deletes between pages neither skip nor repeat items) and an
/// expiry, sealed with XChaCha20-Poly1305 (an AEAD, from the RustCrypto `chacha20poly1305`
/// crate) under a key derived from the server's secret with HMAC-SHA-256. The optional query
/// context (bind the cursor to its filter and sort so it cannot be replayed against another
/// query) is authenticated as associated data. Clients see only random-looking unpadded
/// base64url, safe in a query string as is.
///
/// Layout before base64url: version byte `2`, a random 24-byte nonce, then the sealed expiry
/// (big-endian Unix seconds, 8 bytes) and position, then the 16-byte Poly1305 tag.
///
/// # Examples
/// ```
/// use std::time::{Duration, SystemTime};
/// use scimkit_protocol::{CursorCodec, ScimError};
///
/// let codec = CursorCodec::new(b"a server secret of 32 or more bytes!!")
///     .ttl(Duration::from_secs(600))
///     .context(b"filter=userName sw \"j\"&sortBy=userName");
/// let now = SystemTime::now();
/// let cursor = codec.encode("userName=jsmith", now);
/// assert!(!cursor.contains("jsmith")); // sealed, not merely signed
/// assert_eq!(codec.decode(&cursor, now)?, "userName=jsmith");
///
/// // Expired and forged cursors are RFC 9865 errors.
/// let later = now + Duration::from_secs(601);
/// let err = ScimError::from(codec.decode(&cursor, later).unwrap_err());
/// assert_eq!(err.scim_type_raw(), Some("expiredCursor"));
/// let mut forged = cursor.clone();
/// forged.replace_range(2..3, if &cursor[2..3] == "A" { "B" } else { "A" });
/// let err = ScimError::from(codec.decode(&forged, now).unwrap_err());
/// assert_eq!(err.scim_type_raw(), Some("invalidCursor"));
/// # Ok::<(), scimkit_protocol::CursorError>(())
/// ```
#[derive(Clone)]
pub struct CursorCodec {
    key: [u8; 32],
    context: Vec<u8>,
    ttl: Duration,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("CursorCodec")
            .field("ttl", &self.ttl)
            .field("context_len", &self.context.len())
            .finish_non_exhaustive()
    }
}

impl CursorCodec {
    /// A codec keyed by the server's secret (use at least 32 random bytes, the same on every
    /// server that must read each other's cursors), no context, and a lifetime of 600 seconds
    /// (RFC 9865's example `cursorTimeout`).
    pub fn new(secret: &[u8]) -> CursorCodec {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .expect("HMAC accepts a key of any length");
        mac.update(KEY_LABEL);
        CursorCodec {
            key: mac.finalize().into_bytes().into(),
            context: Vec::new(),
            ttl: Duration::from_secs(600),
        }
    }

    /// Sets how long a cursor stays valid; advertise it as `pagination.cursorTimeout`.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> CursorCodec {
        self.ttl = ttl;
        self
    }

    /// Binds cursors to a query context (e.g. the canonical filter and sort): a cursor issued
    /// under one context fails to decode under another.
    #[must_use]
    pub fn context(mut self, context: &[u8]) -> CursorCodec {
        self.context = context.to_vec();
        self
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.key.into())
    }

    /// The associated data: the layout version and the context, length first so that no two
    /// (version, context) pairs give the same bytes.
    fn aad(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(9 + self.context.len());
        aad.push(CURSOR_VERSION);
        aad.extend_from_slice(&(self.context.len() as u64).to_be_bytes());
        aad.extend_from_slice(&self.context);
        aad
    }

    /// A cursor for `position`, valid until `now + ttl`.
    ///
    /// # Panics
    /// Only if the operating system's random number generator fails (the nonce comes from it).
    pub fn encode(&self, position: &str, now: SystemTime) -> String {
        self.encode_bytes(position.as_bytes(), now)
    }

    /// A cursor for a binary `position` (for example a serialized keyset position), valid until
    /// `now + ttl`.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use scimkit_protocol::CursorCodec;
    ///
    /// let codec = CursorCodec::new(b"a server secret of 32 or more bytes!!");
    /// let now = SystemTime::now();
    /// let key = 42u64.to_be_bytes();
    /// assert_eq!(codec.decode_bytes(&codec.encode_bytes(&key, now), now)?, key);
    /// # Ok::<(), scimkit_protocol::CursorError>(())
    /// ```
    ///
    /// # Panics
    /// Only if the operating system's random number generator fails (the nonce comes from it).
    pub fn encode_bytes(&self, position: &[u8], now: SystemTime) -> String {
        let expires = unix_secs(now).saturating_add(self.ttl.as_secs());
        let mut sealed = Vec::with_capacity(EXPIRY_LEN + position.len() + TAG_LEN);
        sealed.extend_from_slice(&expires.to_be_bytes());
        sealed.extend_from_slice(position);
        let nonce = XNonce::generate();
        let tag = self
            .cipher()
            .encrypt_inout_detached(&nonce, &self.aad(), sealed.as_mut_slice().into())
            .expect("XChaCha20-Poly1305 seals any message shorter than 256 GiB");
        let mut raw = Vec::with_capacity(MIN_RAW_LEN + position.len());
        raw.push(CURSOR_VERSION);
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&sealed);
        raw.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The position of a cursor this codec issued, if it is intact and not expired at `now`.
    ///
    /// # Errors
    /// [`CursorError::Malformed`] for text that is not a cursor of this layout (or whose position
    /// is not UTF-8), [`CursorError::Tampered`] when the seal does not open (altered, another
    /// key, another context), [`CursorError::Expired`] after its lifetime.
    pub fn decode(&self, cursor: &str, now: SystemTime) -> Result<String, CursorError> {
        String::from_utf8(self.decode_bytes(cursor, now)?).map_err(|_| CursorError::Malformed)
    }

    /// The binary position of a cursor this codec issued, if it is intact and not expired at
    /// `now`; see [`encode_bytes`](CursorCodec::encode_bytes).
    ///
    /// # Errors
    /// As [`decode`](CursorCodec::decode), except that any bytes are a valid position.
    pub fn decode_bytes(&self, cursor: &str, now: SystemTime) -> Result<Vec<u8>, CursorError> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(CursorError::Malformed);
        }
        let raw = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| CursorError::Malformed)?;
        if raw.len() < MIN_RAW_LEN || raw[0] != CURSOR_VERSION {
            return Err(CursorError::Malformed);
        }
        let (nonce, rest) = raw[1..].split_at(NONCE_LEN);
        let (sealed, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut opened = sealed.to_vec();
        // Nothing the client sent is looked at before the tag has been checked.
        self.cipher()
            .decrypt_inout_detached(
                &XNonce::try_from(nonce).map_err(|_| CursorError::Malformed)?,
                &self.aad(),
                opened.as_mut_slice().into(),
                &Tag::try_from(tag).map_err(|_| CursorError::Malformed)?,
            )
            .map_err(|_| CursorError::Tampered)?;
        let (expires, position) = opened.split_at(EXPIRY_LEN);
        let mut exp = [0u8; EXPIRY_LEN];
        exp.copy_from_slice(expires);
        if unix_secs(now) >= u64::from_be_bytes(exp) {
            return Err(CursorError::Expired);
        }
        Ok(position.to_vec())
    }
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_pages() {
        let p = Page::new(10, 1, 3);
        assert_eq!((p.range(), p.has_more()), (0..3, true));
        let p = Page::new(10, 9, 3);
        assert_eq!((p.range(), p.has_more()), (8..10, false));
        let p = Page::new(10, 11, 3);
        assert!(p.is_empty());
        assert_eq!(p.list_response(Vec::<u8>::new()).start_index, Some(11));
        let p = Page::new(10, 0, 0);
        assert_eq!((p.offset(), p.len()), (0, 0));
        let p = Page::new(u64::MAX, u64::MAX, u64::MAX);
        assert_eq!(p.len(), 1);
        assert!(p.slice(&[1, 2, 3]).is_empty());
    }

    #[test]
    fn cursor_round_trip_and_failures() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let c = CursorCodec::new(b"k").ttl(Duration::from_secs(10));
        let tok = c.encode("", t0);
        assert_eq!(c.decode(&tok, t0).unwrap(), "");
        let tok = c.encode("id>2819c223", t0);
        assert_eq!(
            c.decode(&tok, t0 + Duration::from_secs(9)).unwrap(),
            "id>2819c223"
        );
        assert_eq!(
            c.decode(&tok, t0 + Duration::from_secs(10)),
            Err(CursorError::Expired)
        );
        assert_eq!(
            CursorCodec::new(b"other").decode(&tok, t0),
            Err(CursorError::Tampered)
        );
        assert_eq!(
            c.clone().context(b"q2").decode(&tok, t0),
            Err(CursorError::Tampered)
        );
        assert_eq!(c.decode("!!", t0), Err(CursorError::Malformed));
        assert_eq!(c.decode("", t0), Err(CursorError::Malformed));
        assert_eq!(c.decode(&"A".repeat(5000), t0), Err(CursorError::Malformed));
        // Flipping any bit of any byte is detected, and nothing but the version is readable.
        let raw = URL_SAFE_NO_PAD.decode(&tok).unwrap();
        for i in 0..raw.len() {
            for bit in 0..8 {
                let mut bad = raw.clone();
                bad[i] ^= 1 << bit;
                let want = if i == 0 {
                    CursorError::Malformed
                } else {
                    CursorError::Tampered
                };
                assert_eq!(c.decode(&URL_SAFE_NO_PAD.encode(&bad), t0), Err(want));
            }
        }
        // Cut short, or lengthened: never read as a position.
        assert_eq!(
            c.decode(&URL_SAFE_NO_PAD.encode(&raw[..MIN_RAW_LEN - 1]), t0),
            Err(CursorError::Malformed)
        );
        let mut longer = raw.clone();
        longer.push(0);
        assert_eq!(
            c.decode(&URL_SAFE_NO_PAD.encode(&longer), t0),
            Err(CursorError::Tampered)
        );
        // Padding or a non-canonical last character is not this codec's output.
        assert_eq!(
            c.decode(&format!("{tok}="), t0),
            Err(CursorError::Malformed)
        );
        let e: ScimError = CursorError::Tampered.into();
        assert_eq!(e.scim_type_raw(), Some("invalidCursor"));
        assert!(!format!("{c:?}").contains('k'));
    }

    #[test]
    fn cursors_are_sealed_and_never_repeat() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let c = CursorCodec::new(b"a server secret of 32 or more bytes!!");
        let position = "userName>bjensen";
        let a = c.encode(position, t0);
        let b = c.encode(position, t0);
        // A fresh nonce each time: equal positions give unrelated cursors.
        assert_ne!(a, b);
        for tok in [&a, &b] {
            let raw = URL_SAFE_NO_PAD.decode(tok).unwrap();
            assert!(!raw
                .windows(position.len())
                .any(|w| w == position.as_bytes()));
            assert_eq!(c.decode(tok, t0).unwrap(), position);
        }
        // The expiry is sealed too: the plaintext expiry bytes do not appear.
        let exp = (1_700_000_000u64 + 600).to_be_bytes();
        let raw = URL_SAFE_NO_PAD.decode(&a).unwrap();
        assert!(!raw.windows(8).any(|w| w == exp));
    }

    #[test]
    fn binary_positions_and_non_utf8() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let c = CursorCodec::new(b"k2");
        let pos = [0xff, 0x00, 0xfe];
        let tok = c.encode_bytes(&pos, t0);
        assert_eq!(c.decode_bytes(&tok, t0).unwrap(), pos);
        // `decode` wants text; a binary position is not one.
        assert_eq!(c.decode(&tok, t0), Err(CursorError::Malformed));
        // Same secret, same codec: a second server reads the first one's cursors.
        assert_eq!(CursorCodec::new(b"k2").decode_bytes(&tok, t0).unwrap(), pos);
    }
}
