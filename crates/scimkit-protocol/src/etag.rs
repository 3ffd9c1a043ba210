//! Entity tags and versions (RFC 7644 §3.14, RFC 9110 §8.8.3 and §13).

use scimkit_schema::text::excerpt;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use http::{header, HeaderMap, Method};
use serde_json::Value;

use sha2::{Digest, Sha256};

use crate::ScimError;

/// An entity tag: `W/"3694e05e9dff590"` (weak) or `"3694e05e9dff590"` (strong).
///
/// RFC 7644 §3.14 puts the resource's version in `meta.version` and in the `ETag` header, and
/// its examples use weak tags. [`ETag::from_json`] derives a weak tag from a resource's content and
/// [`ETag::from_counter`] from a revision number.
///
/// # Examples
/// ```
/// use scimkit_protocol::ETag;
///
/// let tag: ETag = r#"W/"3694e05e9dff590""#.parse()?;
/// assert!(tag.is_weak());
/// assert_eq!(tag.opaque(), "3694e05e9dff590");
/// assert_eq!(tag.to_string(), r#"W/"3694e05e9dff590""#);
///
/// let v1 = ETag::from_json(&serde_json::json!({"userName": "bjensen", "meta": {"version": "x"}}));
/// let v2 = ETag::from_json(&serde_json::json!({"meta": {"version": "y"}, "userName": "bjensen"}));
/// assert_eq!(v1, v2); // key order and `meta` do not change the version
/// # Ok::<(), scimkit_protocol::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ETag {
    weak: bool,
    opaque: String,
}

impl ETag {
    /// A strong tag. `opaque` must not contain `"` or control characters; such characters are
    /// dropped.
    pub fn strong(opaque: impl Into<String>) -> ETag {
        ETag {
            weak: false,
            opaque: clean(opaque.into()),
        }
    }

    /// A weak tag (what SCIM servers usually send).
    pub fn weak(opaque: impl Into<String>) -> ETag {
        ETag {
            weak: true,
            opaque: clean(opaque.into()),
        }
    }

    /// A weak tag from a revision counter, e.g. `W/"7"`.
    pub fn from_counter(revision: u64) -> ETag {
        ETag::weak(revision.to_string())
    }

    /// A weak tag derived from a resource's content: SHA-256 over its canonical JSON (object keys
    /// sorted, no whitespace), without the top-level `meta` (which holds the version itself and
    /// `lastModified`), cut to 20 hex digits. Equal content gives equal tags across processes.
    ///
    /// The walk uses an explicit stack, so any nesting depth is safe.
    pub fn from_json(resource: &Value) -> ETag {
        let mut h = Sha256::new();
        canonical_hash(resource, &mut h);
        let digest = h.finalize();
        let mut opaque = String::with_capacity(20);
        for b in &digest[..10] {
            let _ = write!(opaque, "{b:02x}");
        }
        ETag::weak(opaque)
    }

    /// Whether the tag is weak (`W/` prefix).
    pub fn is_weak(&self) -> bool {
        self.weak
    }

    /// The opaque tag without quotes or `W/`.
    pub fn opaque(&self) -> &str {
        &self.opaque
    }

    /// RFC 9110 §8.8.3.2 strong comparison: both strong and the same opaque tag.
    pub fn strong_eq(&self, other: &ETag) -> bool {
        !self.weak && !other.weak && self.opaque == other.opaque
    }

    /// RFC 9110 §8.8.3.2 weak comparison: the same opaque tag, weak or not.
    pub fn weak_eq(&self, other: &ETag) -> bool {
        self.opaque == other.opaque
    }

    /// The tag as a header value.
    pub fn to_header_value(&self) -> header::HeaderValue {
        // `clean` keeps only visible ASCII other than `"` and obs-text, so this cannot fail; fall
        // back to an empty tag rather than panic.
        header::HeaderValue::from_str(&self.to_string())
            .unwrap_or_else(|_| header::HeaderValue::from_static("\"\""))
    }
}

fn clean(s: String) -> String {
    if s.bytes().all(is_etagc) {
        s
    } else {
        s.chars()
            .filter(|c| c.is_ascii() && is_etagc(*c as u8))
            .collect()
    }
}

/// RFC 9110 `etagc = %x21 / %x23-7E / obs-text`; obs-text is excluded here so that the tag is
/// always a valid header value.
fn is_etagc(b: u8) -> bool {
    b == 0x21 || (0x23..=0x7e).contains(&b)
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.weak {
            f.write_str("W/")?;
        }
        write!(f, "\"{}\"", self.opaque)
    }
}

impl FromStr for ETag {
    type Err = ScimError;

    /// Parses one entity tag. An unquoted tag (`3694e05e`, sent by some clients in `If-Match`)
    /// is read as a strong tag with that opaque value.
    fn from_str(s: &str) -> Result<ETag, ScimError> {
        match parse_list(s)?.as_slice() {
            [TagOrStar::Tag(t)] => Ok(t.clone()),
            _ => Err(ScimError::invalid_value(format!(
                "expected one entity tag, found `{}`",
                excerpt(s, 64)
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TagOrStar {
    Tag(ETag),
    Star,
}

/// Parses `*` or a comma-separated list of entity tags (RFC 9110 §13.1.1 `If-Match` syntax).
fn parse_list(s: &str) -> Result<Vec<TagOrStar>, ScimError> {
    let bad =
        || ScimError::invalid_value(format!("malformed entity tag list `{}`", excerpt(s, 64)));
    let s = s.trim();
    if s == "*" {
        return Ok(vec![TagOrStar::Star]);
    }
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b',') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let weak = b[i..].starts_with(b"W/");
        if weak {
            i += 2;
        }
        let quoted = b.get(i) == Some(&b'"');
        let tag = if quoted {
            let start = i + 1;
            let len = b[start..].iter().position(|&c| c == b'"').ok_or_else(bad)?;
            i = start + len + 1;
            &s[start..start + len]
        } else {
            // Lenient: an unquoted tag runs to the next comma or space.
            let start = i;
            while i < b.len() && b[i] != b',' && b[i] != b' ' && b[i] != b'\t' {
                i += 1;
            }
            &s[start..i]
        };
        if tag.is_empty() && !quoted {
            return Err(bad());
        }
        if !tag.bytes().all(|c| is_etagc(c) || c >= 0x80) {
            return Err(bad());
        }
        out.push(TagOrStar::Tag(ETag {
            weak,
            opaque: tag.to_owned(),
        }));
        if i < b.len() && !(b[i] == b',' || b[i] == b' ' || b[i] == b'\t') {
            return Err(bad());
        }
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

/// What to do with a request after evaluating its `If-Match` / `If-None-Match` preconditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Precondition {
    /// Go ahead.
    Proceed,
    /// Answer 304 Not Modified (a GET or HEAD whose `If-None-Match` matched).
    NotModified,
    /// Answer 412 Precondition Failed.
    Failed,
}

impl Precondition {
    /// The response to send instead of performing the request: `None` for
    /// [`Proceed`](Precondition::Proceed), an empty 304 with the current `ETag` for
    /// [`NotModified`](Precondition::NotModified), a 412 SCIM error for
    /// [`Failed`](Precondition::Failed).
    pub fn into_response(self, current: Option<&ETag>) -> Option<http::Response<Vec<u8>>> {
        match self {
            Precondition::Proceed => None,
            Precondition::NotModified => {
                let mut r = http::Response::new(Vec::new());
                *r.status_mut() = http::StatusCode::NOT_MODIFIED;
                if let Some(t) = current {
                    r.headers_mut().insert(header::ETAG, t.to_header_value());
                }
                Some(r)
            }
            Precondition::Failed => Some(
                ScimError::precondition_failed(
                    "the resource's version does not match the request's precondition",
                )
                .into_response(),
            ),
        }
    }
}

/// Evaluates `If-Match` and `If-None-Match` (RFC 9110 §13.2.2) for a request on a resource whose
/// current version is `current` (`None` when it does not exist).
///
/// Deviation, deliberately: RFC 9110 compares `If-Match` *strongly*, so a weak tag could never
/// match, yet RFC 7644 §3.14 shows `If-Match: W/"e180ee84f0671b1"` and SCIM versions are weak by
/// convention. Both headers therefore use the weak comparison here.
///
/// A malformed header is a 400 `invalidValue` error.
///
/// # Examples
/// ```
/// use http::{HeaderMap, Method};
/// use scimkit_protocol::{evaluate_preconditions, ETag, Precondition};
///
/// let current = ETag::weak("e180ee84f0671b1");
/// let mut h = HeaderMap::new();
/// h.insert("if-none-match", r#"W/"e180ee84f0671b1""#.parse()?);
/// assert_eq!(evaluate_preconditions(&Method::GET, &h, Some(&current))?, Precondition::NotModified);
///
/// let mut h = HeaderMap::new();
/// h.insert("if-match", r#"W/"stale""#.parse()?);
/// assert_eq!(evaluate_preconditions(&Method::PUT, &h, Some(&current))?, Precondition::Failed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate_preconditions(
    method: &Method,
    headers: &HeaderMap,
    current: Option<&ETag>,
) -> Result<Precondition, ScimError> {
    let matches = |list: &[TagOrStar]| {
        list.iter().any(|t| match (t, current) {
            (TagOrStar::Star, Some(_)) => true,
            (TagOrStar::Tag(t), Some(c)) => t.weak_eq(c),
            (_, None) => false,
        })
    };
    // §13.2.2 step 1: If-Match.
    for v in headers.get_all(header::IF_MATCH) {
        let text = v
            .to_str()
            .map_err(|_| ScimError::invalid_value("`If-Match` is not visible ASCII"))?;
        if !matches(&parse_list(text)?) {
            return Ok(Precondition::Failed);
        }
    }
    // Step 3: If-None-Match.
    let mut any_none_match = false;
    for v in headers.get_all(header::IF_NONE_MATCH) {
        let text = v
            .to_str()
            .map_err(|_| ScimError::invalid_value("`If-None-Match` is not visible ASCII"))?;
        any_none_match |= matches(&parse_list(text)?);
    }
    if any_none_match {
        return Ok(if method == Method::GET || method == Method::HEAD {
            Precondition::NotModified
        } else {
            Precondition::Failed
        });
    }
    Ok(Precondition::Proceed)
}

/// Feeds canonical JSON into the hasher without recursion: objects with sorted keys, arrays in
/// order, numbers and strings as serde_json writes them, the top-level `meta` left out.
fn canonical_hash(root: &Value, h: &mut Sha256) {
    enum Item<'a> {
        Value(&'a Value),
        Raw(&'static [u8]),
        Key(&'a str),
    }
    let mut stack = vec![Item::Value(root)];
    let mut top = true;
    while let Some(item) = stack.pop() {
        match item {
            Item::Raw(b) => h.update(b),
            Item::Key(k) => {
                h.update(serde_json::to_vec(k).unwrap_or_default());
                h.update(b":");
            }
            Item::Value(v) => match v {
                Value::Object(m) => {
                    let mut keys: Vec<&String> = m
                        .keys()
                        .filter(|k| !(top && scimkit_schema::name::eq(k, "meta")))
                        .collect();
                    keys.sort();
                    h.update(b"{");
                    stack.push(Item::Raw(b"}"));
                    // Push in reverse so they pop in order.
                    for (i, k) in keys.iter().enumerate().rev() {
                        stack.push(Item::Value(&m[k.as_str()]));
                        stack.push(Item::Key(k));
                        if i > 0 {
                            stack.push(Item::Raw(b","));
                        }
                    }
                }
                Value::Array(a) => {
                    h.update(b"[");
                    stack.push(Item::Raw(b"]"));
                    for (i, x) in a.iter().enumerate().rev() {
                        stack.push(Item::Value(x));
                        if i > 0 {
                            stack.push(Item::Raw(b","));
                        }
                    }
                }
                scalar => h.update(serde_json::to_vec(scalar).unwrap_or_default()),
            },
        }
        top = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn parse_and_format() {
        let t: ETag = "\"abc\"".parse().unwrap();
        assert!(!t.is_weak());
        assert_eq!(t.to_string(), "\"abc\"");
        let t: ETag = "W/\"\"".parse().unwrap();
        assert_eq!(t.opaque(), "");
        let t: ETag = "3694e05e".parse().unwrap();
        assert_eq!(t, ETag::strong("3694e05e"));
        assert!("\"abc".parse::<ETag>().is_err());
        assert!("\"a\"x".parse::<ETag>().is_err());
        assert!("".parse::<ETag>().is_err());
        assert!("\"a\", \"b\"".parse::<ETag>().is_err());
        assert_eq!(parse_list(r#"W/"a,b", "c""#).unwrap().len(), 2);
        assert_eq!(ETag::weak("a\"b\n").opaque(), "ab");
    }

    #[test]
    fn comparisons() {
        let (w, s) = (ETag::weak("1"), ETag::strong("1"));
        assert!(w.weak_eq(&s) && !w.strong_eq(&s) && s.strong_eq(&s));
    }

    #[test]
    fn preconditions() {
        let cur = ETag::weak("v2");
        let get = Method::GET;
        let put = Method::PUT;
        let ev = |m: &Method, h: &[(&str, &str)], c: Option<&ETag>| {
            evaluate_preconditions(m, &headers(h), c).unwrap()
        };
        assert_eq!(ev(&put, &[], Some(&cur)), Precondition::Proceed);
        assert_eq!(
            ev(&put, &[("if-match", "W/\"v2\"")], Some(&cur)),
            Precondition::Proceed
        );
        assert_eq!(
            ev(&put, &[("if-match", "\"v1\", W/\"v2\"")], Some(&cur)),
            Precondition::Proceed
        );
        assert_eq!(
            ev(&put, &[("if-match", "W/\"v1\"")], Some(&cur)),
            Precondition::Failed
        );
        assert_eq!(
            ev(&put, &[("if-match", "*")], Some(&cur)),
            Precondition::Proceed
        );
        assert_eq!(ev(&put, &[("if-match", "*")], None), Precondition::Failed);
        assert_eq!(
            ev(&get, &[("if-none-match", "W/\"v2\"")], Some(&cur)),
            Precondition::NotModified
        );
        assert_eq!(
            ev(&get, &[("if-none-match", "W/\"v1\"")], Some(&cur)),
            Precondition::Proceed
        );
        assert_eq!(
            ev(&put, &[("if-none-match", "*")], Some(&cur)),
            Precondition::Failed
        );
        assert_eq!(
            ev(&Method::POST, &[("if-none-match", "*")], None),
            Precondition::Proceed
        );
        assert!(
            evaluate_preconditions(&put, &headers(&[("if-match", "\"x")]), Some(&cur)).is_err()
        );
        let r = Precondition::NotModified.into_response(Some(&cur)).unwrap();
        assert_eq!(r.status(), http::StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers()[header::ETAG], "W/\"v2\"");
        assert_eq!(
            Precondition::Failed.into_response(None).unwrap().status(),
            412
        );
    }

    #[test]
    fn content_versions() {
        let a = ETag::from_json(&json!({"b": [1, {"y": 2, "x": "s"}], "a": null}));
        let b = ETag::from_json(&json!({"a": null, "b": [1, {"x": "s", "y": 2}]}));
        let c = ETag::from_json(&json!({"a": null, "b": [{"x": "s", "y": 2}, 1]}));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.is_weak() && a.opaque().len() == 20);
        // Nested meta is content; only the top-level one is skipped.
        assert_ne!(
            ETag::from_json(&json!({"x": {"meta": 1}})),
            ETag::from_json(&json!({"x": {"meta": 2}}))
        );
        // Deep nesting does not recurse.
        let mut deep = json!(1);
        for _ in 0..10_000 {
            deep = Value::Array(vec![deep]);
        }
        let _ = ETag::from_json(&deep);
        std::mem::forget(deep); // serde_json's recursive Drop is not what this test is about
        assert_eq!(ETag::from_counter(7).to_string(), "W/\"7\"");
    }
}
