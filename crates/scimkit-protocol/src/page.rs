//! Paging for servers: index pages (RFC 7644 §3.4.2.4) and opaque, tamper-evident cursors
//! (RFC 9865).

use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::crypto::{base64url_decode, base64url_encode, ct_eq, hmac_sha256};
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
/// // Okta import paging (IDP-QUIRKS O10): startIndex=101&count=100 over 150 users.
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
    /// The MAC does not match: the cursor was altered, issued under another key, or issued for a
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

const CURSOR_VERSION: u8 = 1;
const TAG_LEN: usize = 16;
/// Cursors longer than this are refused before any work (a position is a key, not a document).
const MAX_CURSOR_LEN: usize = 4096;

/// Encodes and decodes RFC 9865 cursors that a client can neither read as meaningful nor forge.
///
/// A cursor carries the server's position (an offset, or better the sort key of the last item
/// returned, so that inserts and deletes between pages neither skip nor repeat items) and an
/// expiry, authenticated with HMAC-SHA-256 under a server key and an optional query context
/// (bind the cursor to its filter and sort so it cannot be replayed against another query). The
/// text is unpadded base64url, safe in a query string as is. The position is *not* encrypted:
/// put nothing secret in it.
///
/// Layout before base64url: version byte `1`, expiry as big-endian Unix seconds (8 bytes), the
/// position bytes, then the first 16 bytes of the MAC (RFC 2104 §5 truncation).
///
/// # Examples
/// ```
/// use std::time::{Duration, SystemTime};
/// use scimkit_protocol::CursorCodec;
///
/// let codec = CursorCodec::new(b"a server secret of 32 or more bytes!!")
///     .ttl(Duration::from_secs(600))
///     .context(b"filter=userName sw \"j\"&sortBy=userName");
/// let now = SystemTime::now();
/// let cursor = codec.encode("userName=jsmith", now);
/// assert_eq!(codec.decode(&cursor, now)?, "userName=jsmith");
///
/// // Expired and forged cursors are RFC 9865 errors.
/// let later = now + Duration::from_secs(601);
/// assert_eq!(scimkit_protocol::ScimError::from(codec.decode(&cursor, later).unwrap_err()).scim_type_raw(), Some("expiredCursor"));
/// let mut forged = cursor.clone();
/// forged.replace_range(2..3, if &cursor[2..3] == "A" { "B" } else { "A" });
/// assert!(codec.decode(&forged, now).is_err());
/// # Ok::<(), scimkit_protocol::CursorError>(())
/// ```
#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
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
    /// A codec with the given MAC key (use at least 32 random bytes), no context and a
    /// lifetime of 600 seconds (RFC 9865's example `cursorTimeout`).
    pub fn new(key: &[u8]) -> CursorCodec {
        CursorCodec {
            key: key.to_vec(),
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

    fn tag(&self, body: &[u8]) -> [u8; 32] {
        let ctx_len = (self.context.len() as u64).to_be_bytes();
        // The context length goes in first so that (context, body) pairs cannot be confused.
        hmac_sha256(&self.key, &[&ctx_len, &self.context, body])
    }

    /// A cursor for `position`, valid until `now + ttl`.
    pub fn encode(&self, position: &str, now: SystemTime) -> String {
        let expires = unix_secs(now).saturating_add(self.ttl.as_secs());
        let mut body = Vec::with_capacity(9 + position.len() + TAG_LEN);
        body.push(CURSOR_VERSION);
        body.extend_from_slice(&expires.to_be_bytes());
        body.extend_from_slice(position.as_bytes());
        let tag = self.tag(&body);
        body.extend_from_slice(&tag[..TAG_LEN]);
        base64url_encode(&body)
    }

    /// The position of a cursor this codec issued, if it is intact and not expired at `now`.
    pub fn decode(&self, cursor: &str, now: SystemTime) -> Result<String, CursorError> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(CursorError::Malformed);
        }
        let raw = base64url_decode(cursor).ok_or(CursorError::Malformed)?;
        if raw.len() < 9 + TAG_LEN || raw[0] != CURSOR_VERSION {
            return Err(CursorError::Malformed);
        }
        let (body, tag) = raw.split_at(raw.len() - TAG_LEN);
        // Check the MAC before looking at anything else the client controls.
        if !ct_eq(&self.tag(body)[..TAG_LEN], tag) {
            return Err(CursorError::Tampered);
        }
        let mut exp = [0u8; 8];
        exp.copy_from_slice(&body[1..9]);
        if unix_secs(now) >= u64::from_be_bytes(exp) {
            return Err(CursorError::Expired);
        }
        String::from_utf8(body[9..].to_vec()).map_err(|_| CursorError::Malformed)
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
        // Flipping any byte is detected.
        let raw = base64url_decode(&tok).unwrap();
        for i in 0..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 1;
            assert!(c.decode(&base64url_encode(&bad), t0).is_err());
        }
        let e: ScimError = CursorError::Tampered.into();
        assert_eq!(e.scim_type_raw(), Some("invalidCursor"));
        assert!(!format!("{c:?}").contains('k'));
    }
}
