//! Small rules for text from clients, shared by every scimkit crate so that each has one home:
//! quoting client input in an error `detail` (RFC 7644 §3.12) without letting it grow the
//! response, and reading the string spelling of a boolean that identity providers send.

/// The longest prefix of `s` that is at most `max_bytes` long and ends on a character boundary.
///
/// Error details quote client input; this keeps a megabyte of hostile text out of a response or
/// a log line without ever splitting a UTF-8 character.
///
/// ```
/// use scimkit_schema::text::excerpt;
///
/// assert_eq!(excerpt("bjensen", 64), "bjensen");
/// assert_eq!(excerpt("bjensen", 3), "bje");
/// assert_eq!(excerpt("né", 2), "n"); // `é` is two bytes; it is not cut in half
/// ```
pub fn excerpt(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The boolean spelled by `"true"` or `"false"` in any ASCII case, as Microsoft Entra ID sends
/// booleans (`"True"`, `"False"`); `None` for anything else, including surrounding whitespace.
///
/// Where scimkit reads such strings is decided by the interop profile
/// ([`Interop::string_scalars`](crate::Interop::string_scalars())) and by the typed resources'
/// tolerant reading; see `docs/idp-compatibility.md`.
///
/// ```
/// use scimkit_schema::text::parse_bool;
///
/// assert_eq!(parse_bool("False"), Some(false));
/// assert_eq!(parse_bool("TRUE"), Some(true));
/// assert_eq!(parse_bool("yes"), None);
/// assert_eq!(parse_bool(" true"), None);
/// ```
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_never_splits_a_character() {
        let s = "aé€😀";
        for max in 0..=s.len() + 1 {
            let cut = excerpt(s, max);
            assert!(cut.len() <= max && s.starts_with(cut));
            // The cut is as long as it can be: one more character would not fit.
            if let Some(next) = s[cut.len()..].chars().next() {
                assert!(cut.len() + next.len_utf8() > max);
            }
        }
    }

    #[test]
    fn only_true_and_false_in_any_case() {
        for (s, want) in [
            ("true", Some(true)),
            ("FaLsE", Some(false)),
            ("1", None),
            ("", None),
            ("truee", None),
            ("ｔrue", None),
        ] {
            assert_eq!(parse_bool(s), want, "{s}");
        }
    }
}
