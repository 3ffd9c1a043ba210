//! Case-insensitive text comparison without allocating (RFC 7643 §2.3.1: `caseExact` false).
//!
//! Evaluation runs once per resource per comparison, so lower-casing into new `String`s would
//! allocate on the hot path. ASCII text (almost all SCIM data) is compared byte by byte with
//! `eq_ignore_ascii_case`; anything else is compared as the streams of `char::to_lowercase`,
//! which needs no buffer. Lower-casing character by character skips the few context-dependent
//! rules (Greek final sigma) that `str::to_lowercase` applies; for matching that is the better
//! behaviour anyway, since `Σ`, `σ` and `ς` all fold to `σ` with it.

use std::cmp::Ordering;

fn lower(s: &str) -> impl DoubleEndedIterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// The lower-cased characters of `s` from the end, for suffix tests.
fn lower_rev(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().rev().flat_map(|c| c.to_lowercase().rev())
}

/// `a == b` ignoring case.
pub(crate) fn eq(a: &str, b: &str) -> bool {
    // One pass over the common ASCII prefix: ASCII characters lower-case to themselves, one for
    // one, so a difference there decides (the usual miss, at the first differing byte, with no
    // `is_ascii` scans); at the first non-ASCII byte the rest is compared as lower-cased chars.
    let (x, y) = (a.as_bytes(), b.as_bytes());
    for (i, (&p, &q)) in x.iter().zip(y).enumerate() {
        if !p.is_ascii() || !q.is_ascii() {
            // Every byte before `i` is ASCII, so `i` is a character boundary in both.
            return lower(&a[i..]).eq(lower(&b[i..]));
        }
        if !p.eq_ignore_ascii_case(&q) {
            return false;
        }
    }
    // One is an ASCII prefix of the other; a non-empty rest never lower-cases to nothing.
    x.len() == y.len()
}

/// `a.cmp(b)` ignoring case: the "case insensitive Unicode alphabetic sort order, with no
/// specific locale implied" of RFC 7644 §3.4.2.3, taken as code point order after lower-casing.
pub(crate) fn cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a
            .bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()));
    }
    lower(a).cmp(lower(b))
}

/// `haystack.starts_with(needle)` ignoring case.
pub(crate) fn starts_with(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        return haystack.len() >= needle.len()
            && haystack.as_bytes()[..needle.len()].eq_ignore_ascii_case(needle.as_bytes());
    }
    let mut rest = lower(haystack);
    lower(needle).all(|c| rest.next() == Some(c))
}

/// `haystack.ends_with(needle)` ignoring case.
pub(crate) fn ends_with(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        return haystack.len() >= needle.len()
            && haystack.as_bytes()[haystack.len() - needle.len()..]
                .eq_ignore_ascii_case(needle.as_bytes());
    }
    let mut rest = lower_rev(haystack);
    lower_rev(needle).all(|c| rest.next() == Some(c))
}

/// `haystack.contains(needle)` ignoring case.
pub(crate) fn contains(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() && needle.is_ascii() {
        let needle = needle.as_bytes();
        return haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle));
    }
    haystack
        .char_indices()
        .any(|(i, _)| starts_with(&haystack[i..], needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii() {
        assert!(eq("BJensen", "bjensen"));
        assert!(eq("", ""));
        assert!(!eq("bjensen", "bjense"));
        assert!(!eq("bjensen", "bjensen2"));
        assert!(starts_with("Barbara", "bAR"));
        assert!(!starts_with("Ba", "bar"));
        assert!(ends_with("bjensen@EXAMPLE.com", "example.COM"));
        assert!(!ends_with("m", "com"));
        assert!(contains("bjensen@Example.com", "@example"));
        assert!(contains("x", ""));
        assert!(!contains("abc", "abd"));
        assert_eq!(cmp("apple", "Banana"), Ordering::Less);
        assert_eq!(cmp("B", "a"), Ordering::Greater);
        assert_eq!(cmp("abc", "ABC"), Ordering::Equal);
    }

    #[test]
    fn unicode() {
        assert!(eq("ÉCOLE", "école"));
        assert!(eq("Zoë", "ZOË"));
        assert!(!eq("Zoë", "Zoe"));
        assert!(eq("\u{212A}elvin", "kelvin")); // KELVIN SIGN lower-cases to ASCII `k`
        assert!(eq("USER\u{212A}", "userk")); // ... also after an ASCII prefix
        assert!(eq("useRk", "USER\u{212A}"));
        assert!(!eq("abc", "abcé"));
        assert!(!eq("abcÉ", "abc"));
        assert!(!eq("xÉ", "yé"));
        assert!(eq("ΣΟΦΙΑ", "σοφια"));
        assert!(starts_with("Ärger", "äR"));
        assert!(ends_with("MÜLLER", "ller"));
        assert!(contains("GROẞBRITANNIEN", "ßb")); // U+1E9E lower-cases to ß
        assert!(contains("Zoë Smith", "ë s"));
        assert!(!contains("Zoë", "zoe"));
        assert_eq!(cmp("Émile", "émile"), Ordering::Equal);
        assert_eq!(cmp("Émile", "zed"), Ordering::Greater); // code point order, no locale
    }
}
