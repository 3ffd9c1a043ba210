//! xsd:dateTime values (RFC 7643 §2.3.5).

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// Parses an xsd:dateTime as RFC 7643 §2.3.5 requires (`2008-01-23T04:56:22Z`, with optional
/// fractional seconds and a `Z` or `±hh:mm` offset).
///
/// xsd:dateTime also allows a value without any offset; such a value is read as UTC, which is what
/// every IdP that omits the offset means in practice.
///
/// ```
/// let t = scimkit_schema::datetime::parse("2011-05-13T04:42:34.123+02:00").unwrap();
/// assert_eq!(t.timestamp(), 1305254554);
/// assert!(scimkit_schema::datetime::parse("2011-05-13").is_none());
/// ```
pub fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
    // Cheap shape check first: a filter evaluator calls this on arbitrary strings.
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't') {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t);
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| Utc.from_utc_datetime(&n).fixed_offset())
}

/// Formats a timestamp the way SCIM servers conventionally write it: RFC 3339 in UTC with a `Z`,
/// always with milliseconds, so that stored timestamps sort correctly as text.
///
/// ```
/// let t = scimkit_schema::datetime::parse("2011-05-13T06:42:34+02:00").unwrap();
/// assert_eq!(scimkit_schema::datetime::format(&t.with_timezone(&chrono::Utc)), "2011-05-13T04:42:34.000Z");
/// ```
pub fn format(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
