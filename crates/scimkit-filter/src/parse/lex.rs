//! The tokens of the grammar: which bytes may appear where, the keywords, and JSON numbers and
//! strings (RFC 7159 §6, §7).
//!
//! Each recogniser takes the text's bytes and the offset where a token would start, and returns
//! where it ends, or `None` when the token is not there; none of them moves a cursor, allocates or
//! records an error, which is the parser's business. Every token starts and ends on an ASCII byte
//! (or the end of the text), so the parser can slice the `&str` at these offsets without ever
//! splitting a multi-byte character: a byte of a multi-byte UTF-8 sequence is `0x80` or above and
//! is in no class below.

use crate::ast::{CompValue, CompareOp};
use crate::error::{Context, Error, ErrorKind};
use crate::span::Span;

/// `SP`, and the other whitespace accepted where the ABNF has `SP` (see [`ws_end`]).
const WS: u8 = 1 << 0;
/// `ALPHA` (RFC 5234 B.1): ASCII letters only.
const ALPHA: u8 = 1 << 1;
/// `DIGIT`.
const DIGIT: u8 = 1 << 2;
/// `nameChar = "-" / "_" / DIGIT / ALPHA` (RFC 7644 §3.4.2.2). A keyword must not run into one:
/// `prx` and `andy` are names, not `pr` and `and`.
const NAME: u8 = 1 << 3;
/// What may follow the first letter of a URI scheme: `ALPHA / DIGIT / "+" / "-" / "."`
/// (RFC 3986 §3.1).
const SCHEME: u8 = 1 << 4;
/// What may appear between the `:`s of a schema URI: RFC 3986's unreserved characters, `%`, and
/// the sub-delimiters and path characters that schema URNs and URLs use.
const URI: u8 = 1 << 5;

/// The classes of each byte.
static CLASSES: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut table = [0; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut class = 0;
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            class |= WS;
        }
        if b.is_ascii_alphabetic() {
            class |= ALPHA | NAME | SCHEME | URI;
        }
        if b.is_ascii_digit() {
            class |= DIGIT | NAME | SCHEME | URI;
        }
        if matches!(b, b'-' | b'_') {
            class |= NAME;
        }
        if matches!(b, b'+' | b'-' | b'.') {
            class |= SCHEME;
        }
        if matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'='
                | b';'
                | b'/'
                | b'?'
                | b'@'
        ) {
            class |= URI;
        }
        table[i] = class;
        i += 1;
    }
    table
}

/// Whether the byte at `at` is in `class`; past the end nothing is.
#[inline]
fn is(bytes: &[u8], at: usize, class: u8) -> bool {
    bytes
        .get(at)
        .is_some_and(|&b| CLASSES[usize::from(b)] & class != 0)
}

/// The end of the run of `class` bytes starting at `at`.
#[inline]
fn run_end(bytes: &[u8], at: usize, class: u8) -> usize {
    let rest = bytes.get(at..).unwrap_or_default();
    at + rest
        .iter()
        .position(|&b| CLASSES[usize::from(b)] & class == 0)
        .unwrap_or(rest.len())
}

/// Whether a name character follows at `at`, so that a keyword ending there is really the start
/// of a longer name (`prx`, `andy`, `trueish`).
#[inline]
pub(super) fn name_char_at(bytes: &[u8], at: usize) -> bool {
    is(bytes, at, NAME)
}

/// The end of the whitespace starting at `at` (`at` itself when there is none).
///
/// The ABNF separates tokens with exactly one `SP` (RFC 5234 B.1). Clients pad with more, URL
/// decoders turn `+` into a space and hand-written filters wrap lines, so any run of spaces, tabs
/// and line breaks is accepted wherever the ABNF has `SP`, and optional whitespace is accepted
/// inside brackets and at both ends. Other Unicode whitespace (U+00A0, U+3000) is not a
/// separator.
#[inline]
pub(super) fn ws_end(bytes: &[u8], at: usize) -> usize {
    run_end(bytes, at, WS)
}

/// Whether the ASCII keyword `lower` (given in lower case) is at `at`, in any case: ABNF string
/// literals are case-insensitive (RFC 5234 §2.3), so `EQ`, `And` and `NOT` are keywords too. Only
/// ASCII letters match; `ſ` or the Kelvin sign `K` do not stand in for `s` or `k`.
#[inline]
pub(super) fn keyword(bytes: &[u8], at: usize, lower: &[u8]) -> bool {
    bytes
        .get(at..at + lower.len())
        .is_some_and(|found| found.eq_ignore_ascii_case(lower))
}

/// `ATTRNAME = ALPHA *(nameChar)` at `at`; returns its end.
///
/// Plus an optional leading `$`: RFC 7643 names the reference sub-attribute `$ref` (§2.3.7,
/// §4.1.2) and filters on it (`members[$ref eq "..."]`) are common.
#[inline]
pub(super) fn attr_name_end(bytes: &[u8], at: usize) -> Option<usize> {
    let first = if bytes.get(at) == Some(&b'$') {
        at + 1
    } else {
        at
    };
    is(bytes, first, ALPHA).then(|| run_end(bytes, first + 1, NAME))
}

/// `URI ":"` at `at`, the schema URI that may qualify an attribute path (RFC 3986 Appendix A; in
/// practice a URN); returns the end of its last `:`.
///
/// The URI itself contains `:` and `.`
/// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`), so the attribute name is what
/// follows the *last* `:`: a scheme and its `:`, then every further segment that ends in `:`.
/// The segments are taken greedily and not given back: in `urn:a:1x`, `urn:a:` is the URI and
/// `1x` then fails as an attribute name (the pest grammar this parser replaced behaved the same).
pub(super) fn schema_uri_end(bytes: &[u8], at: usize) -> Option<usize> {
    if !is(bytes, at, ALPHA) {
        return None;
    }
    let colon = run_end(bytes, at + 1, SCHEME);
    if bytes.get(colon) != Some(&b':') {
        return None;
    }
    let mut end = colon + 1;
    loop {
        let segment_end = run_end(bytes, end, URI);
        if segment_end == end || bytes.get(segment_end) != Some(&b':') {
            return Some(end);
        }
        end = segment_end + 1;
    }
}

/// What may follow an attribute path in an `attrExp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operator {
    /// `"pr"`.
    Present,
    /// A `compareOp`.
    Compare(CompareOp),
}

/// `"pr"` or `compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"` at `at`
/// (Table 3), in any case and not followed by a name character; returns it and its end.
#[inline]
pub(super) fn operator(bytes: &[u8], at: usize) -> Option<(Operator, usize)> {
    let (&a, &b) = (bytes.get(at)?, bytes.get(at + 1)?);
    // `| 0x20` lower-cases an ASCII letter; the only other byte it maps onto a lower-case letter
    // is that letter's upper case, so the comparison is exact.
    let op = match [a | 0x20, b | 0x20] {
        [b'p', b'r'] => Operator::Present,
        [b'e', b'q'] => Operator::Compare(CompareOp::Eq),
        [b'n', b'e'] => Operator::Compare(CompareOp::Ne),
        [b'c', b'o'] => Operator::Compare(CompareOp::Co),
        [b's', b'w'] => Operator::Compare(CompareOp::Sw),
        [b'e', b'w'] => Operator::Compare(CompareOp::Ew),
        [b'g', b't'] => Operator::Compare(CompareOp::Gt),
        [b'g', b'e'] => Operator::Compare(CompareOp::Ge),
        [b'l', b't'] => Operator::Compare(CompareOp::Lt),
        [b'l', b'e'] => Operator::Compare(CompareOp::Le),
        _ => return None,
    };
    (!name_char_at(bytes, at + 2)).then_some((op, at + 2))
}

/// A logical operator between two filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Logical {
    /// `"and"`.
    And,
    /// `"or"`.
    Or,
}

/// `"and"` or `"or"` at `at`, in any case; returns it and its end.
///
/// The keyword only has to end where a name could not go on (a name character or the `$` of
/// `$ref`), so a `(` may follow without a space: `a pr and(b pr)`.
#[inline]
pub(super) fn logical(bytes: &[u8], at: usize) -> Option<(Logical, usize)> {
    let (op, end) = if keyword(bytes, at, b"and") {
        (Logical::And, at + 3)
    } else if keyword(bytes, at, b"or") {
        (Logical::Or, at + 2)
    } else {
        return None;
    };
    let runs_on = name_char_at(bytes, end) || bytes.get(end) == Some(&b'$');
    (!runs_on).then_some((op, end))
}

/// The JSON literal `lower` (`true`, `false` or `null`) at `at`, not followed by a name
/// character; returns its end.
///
/// JSON's literals are lower case; `True` and `NULL` are accepted too, since the ABNF's own
/// literals are case-insensitive and nothing else could be meant.
#[inline]
pub(super) fn literal(bytes: &[u8], at: usize, lower: &[u8]) -> Option<usize> {
    let end = at + lower.len();
    (keyword(bytes, at, lower) && !name_char_at(bytes, end)).then_some(end)
}

/// RFC 7159 §6 `number = [ minus ] int [ frac ] [ exp ]` at `at`; returns its end.
///
/// `int = zero / ( digit1-9 *DIGIT )`, `frac = decimal-point 1*DIGIT`,
/// `exp = e [ minus / plus ] 1*DIGIT`. The number must not run into a name character or a `.`:
/// `01`, `1.`, `.5`, `1e`, `1x` and `1.2.3` are not numbers (nor the start of one).
pub(super) fn number_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut end = at;
    if bytes.get(end) == Some(&b'-') {
        end += 1;
    }
    match bytes.get(end) {
        Some(b'0') => end += 1,
        Some(b'1'..=b'9') => end = run_end(bytes, end + 1, DIGIT),
        _ => return None,
    }
    if bytes.get(end) == Some(&b'.') {
        let frac_end = run_end(bytes, end + 1, DIGIT);
        if frac_end == end + 1 {
            return None;
        }
        end = frac_end;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut digits = end + 1;
        if matches!(bytes.get(digits), Some(b'+' | b'-')) {
            digits += 1;
        }
        let exp_end = run_end(bytes, digits, DIGIT);
        if exp_end == digits {
            return None;
        }
        end = exp_end;
    }
    if name_char_at(bytes, end) || bytes.get(end) == Some(&b'.') {
        return None;
    }
    Some(end)
}

/// RFC 7159 §7 `string = quotation-mark *char quotation-mark` with its opening quote at `at`;
/// returns the offset of the closing quote, and whether the inside needs [`decode_string`]
/// (it has an escape or a control character).
///
/// This only finds where the string ends: a `\` escapes the next character, whatever it is.
/// Decoding, and reporting a bad escape at its own offset, is [`decode_string`]'s job, and only
/// strings that need it pay for it; the others are copied as they are.
#[inline]
pub(super) fn string_end(bytes: &[u8], at: usize) -> Option<(usize, bool)> {
    let mut i = at + 1;
    let mut decode = false;
    loop {
        let rest = bytes.get(i..)?;
        i += rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < b' ')?;
        match bytes[i] {
            b'"' => return Some((i, decode)),
            b'\\' => {
                decode = true;
                // Skips the escaped character's first byte; the rest of a multi-byte character
                // is neither `"` nor `\`.
                i += 2;
            }
            _ => {
                decode = true;
                i += 1;
            }
        }
    }
}

/// RFC 7159 §6 number: an integer when it has neither fraction nor exponent and fits an `i64`,
/// otherwise a decimal. Out of `f64` range (`1e400`) is an error, as in serde_json.
pub(crate) fn number(text: &str, offset: usize, cx: Context) -> Result<CompValue, Error> {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(n) = text.parse::<i64>() {
            return Ok(CompValue::Int(n));
        }
    }
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(CompValue::Decimal(n)),
        _ => Err(Error::new(
            ErrorKind::NumberOutOfRange,
            Some(Span::new(offset, offset + text.len())),
            cx,
        )),
    }
}

/// Decodes the inside of a JSON string (RFC 7159 §7): the two-character escapes, `\uXXXX`, and
/// UTF-16 surrogate pairs written as two `\u` escapes. `offset` is where `raw` starts in the text,
/// so that an error points at the bad escape itself.
pub(super) fn decode_string(raw: &str, offset: usize, cx: Context) -> Result<String, Error> {
    if !raw.contains(|c: char| c == '\\' || c < ' ') {
        return Ok(raw.to_owned());
    }
    let err = |kind, at: usize, len: usize| {
        Error::new(kind, Some(Span::new(offset + at, offset + at + len)), cx)
    };
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c < ' ' {
            return Err(err(ErrorKind::StringControlChar, i, c.len_utf8()));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = match chars.next() {
            Some((_, e)) => e,
            None => return Err(err(ErrorKind::StringEscapeInvalid, i, 1)),
        };
        match escaped {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let high =
                    hex4(raw, i + 2).ok_or_else(|| err(ErrorKind::StringEscapeInvalid, i, 2))?;
                skip(&mut chars, 4);
                let code = match high {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by `\u` and a low one.
                        let low = raw
                            .get(i + 6..i + 8)
                            .filter(|s| *s == "\\u")
                            .and_then(|_| hex4(raw, i + 8))
                            .filter(|low| (0xDC00..=0xDFFF).contains(low))
                            .ok_or_else(|| err(ErrorKind::StringSurrogateUnpaired, i, 6))?;
                        skip(&mut chars, 6);
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(err(ErrorKind::StringSurrogateUnpaired, i, 6)),
                    code => code,
                };
                let c = char::from_u32(code)
                    .ok_or_else(|| err(ErrorKind::StringEscapeInvalid, i, 6))?;
                out.push(c);
            }
            other => return Err(err(ErrorKind::StringEscapeInvalid, i, 1 + other.len_utf8())),
        }
    }
    Ok(out)
}

/// The four hex digits at `at` in `raw`, if there are four.
fn hex4(raw: &str, at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

fn skip(chars: &mut std::str::CharIndices<'_>, n: usize) {
    for _ in 0..n {
        chars.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_ascii_only() {
        for b in 0x80..=0xff_u8 {
            assert_eq!(CLASSES[usize::from(b)], 0, "{b:#x}");
        }
        assert_eq!(
            ws_end(b" \t\r\n\x0bx", 0),
            4,
            "vertical tab is not a separator"
        );
        assert_eq!(ws_end("\u{a0}x".as_bytes(), 0), 0);
    }

    #[test]
    fn names_and_uris() {
        assert_eq!(attr_name_end(b"userName eq", 0), Some(8));
        assert_eq!(attr_name_end(b"$ref", 0), Some(4));
        assert_eq!(attr_name_end(b"a-b_c9.d", 0), Some(6));
        assert_eq!(attr_name_end(b"$", 0), None);
        assert_eq!(attr_name_end(b"$1", 0), None);
        assert_eq!(attr_name_end(b"1abc", 0), None);
        assert_eq!(attr_name_end(b"_a", 0), None);
        assert_eq!(attr_name_end("é".as_bytes(), 0), None);
        assert_eq!(attr_name_end(b"", 0), None);
        let urn = b"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value";
        assert_eq!(schema_uri_end(urn, 0), Some(59));
        assert_eq!(schema_uri_end(b"name.familyName", 0), None);
        assert_eq!(schema_uri_end(b"a:b", 0), Some(2));
        assert_eq!(schema_uri_end(b"a.b:c", 0), Some(4));
        assert_eq!(schema_uri_end(b"urn:a:1x", 0), Some(6));
        assert_eq!(schema_uri_end(b"http://example.com/s:x", 0), Some(21));
        assert_eq!(schema_uri_end(b"urn::x", 0), Some(4));
        assert_eq!(schema_uri_end(b"1:x", 0), None);
    }

    #[test]
    fn keywords() {
        assert_eq!(
            operator(b"EQ \"x\"", 0),
            Some((Operator::Compare(CompareOp::Eq), 2))
        );
        assert_eq!(operator(b"pR", 0), Some((Operator::Present, 2)));
        assert_eq!(operator(b"prx", 0), None);
        assert_eq!(operator(b"pr-", 0), None);
        assert_eq!(
            operator(b"le(", 0),
            Some((Operator::Compare(CompareOp::Le), 2))
        );
        // Bytes whose `| 0x20` would collide with a letter are not letters.
        assert_eq!(operator(b"P\x12", 0), None);
        assert_eq!(operator("ſw".as_bytes(), 0), None);
        assert_eq!(logical(b"AND(", 0), Some((Logical::And, 3)));
        assert_eq!(logical(b"or", 0), Some((Logical::Or, 2)));
        assert_eq!(logical(b"andy", 0), None);
        assert_eq!(logical(b"and$ref", 0), None);
        assert_eq!(logical(b"or_", 0), None);
        assert_eq!(literal(b"TRUE", 0, b"true"), Some(4));
        assert_eq!(literal(b"nullx", 0, b"null"), None);
        assert_eq!(literal(b"false.", 0, b"false"), Some(5));
    }

    #[test]
    fn number_tokens() {
        let end = |s: &str| number_end(s.as_bytes(), 0);
        for ok in [
            "0", "-0", "42", "1.5", "1.5e3", "1E+2", "-2e-3", "0.0", "1)", "1]", "1 ",
        ] {
            assert!(end(ok).is_some(), "{ok}");
        }
        assert_eq!(end("1.5e3 and"), Some(5));
        assert_eq!(end("1+2"), Some(1));
        for bad in [
            "01", "1.", ".5", "1e", "1e+", "1x", "1-2", "1.2.3", "-", "-a", "+1", "1e5.", "1_",
        ] {
            assert_eq!(end(bad), None, "{bad}");
        }
    }

    #[test]
    fn string_tokens() {
        assert_eq!(string_end(br#""abc" x"#, 0), Some((4, false)));
        assert_eq!(string_end(br#""a\"b""#, 0), Some((5, true)));
        assert_eq!(string_end(br#""a\\""#, 0), Some((4, true)));
        assert_eq!(string_end(b"\"a\tb\"", 0), Some((4, true)));
        assert_eq!(string_end("\"é😀\"".as_bytes(), 0), Some((7, false)));
        assert_eq!(string_end(br#""abc"#, 0), None);
        assert_eq!(string_end(br#""abc\"#, 0), None);
        assert_eq!(string_end(br#""abc\""#, 0), None);
        // A multi-byte character after `\` is skipped without stopping inside it.
        assert_eq!(string_end("\"\\é\"".as_bytes(), 0), Some((4, true)));
    }
}
