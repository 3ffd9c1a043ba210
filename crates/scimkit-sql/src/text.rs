//! The two value transformations the SQL relies on, in Rust: case folding (RFC 7643 §2.2
//! `caseExact` false) and dateTime instants (RFC 7643 §2.3.5). The database computes the same
//! with the functions `scim_fold` and `scim_instant` (see [`crate::sqlite`] and
//! [`crate::postgres`]); literals are transformed here, so the two sides meet.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset};

/// Folds case exactly as the evaluator compares text that is not `caseExact`: every character
/// replaced by its `char::to_lowercase` (so `Σ`, `σ` and `ς` stay apart from each other only where
/// Unicode says so: `Σ` folds to `σ`, and `ς` stays `ς`). Two strings are equal ignoring case for
/// the evaluator exactly when their folds are equal, and they order like their folds compared
/// by code point; `sw`, `ew` are prefix and suffix tests on the folds.
///
/// Borrows when nothing changes (all ASCII text without capitals, the usual case).
///
/// ```
/// use scimkit_sql::fold;
/// assert_eq!(fold("bjensen"), "bjensen");
/// assert_eq!(fold("ÜMLAUT"), fold("ümlaut"));
/// assert_eq!(fold("ΣΟΦΊΑ"), "σοφία");
/// assert_eq!(fold("Straße"), "straße"); // no expansion to "ss": the evaluator does not either
/// assert_eq!(fold("İ"), "i\u{307}");
/// ```
pub fn fold(text: &str) -> Cow<'_, str> {
    let unchanged = |c: char| {
        let mut lower = c.to_lowercase();
        lower.next() == Some(c) && lower.next().is_none()
    };
    if text.chars().all(unchanged) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().flat_map(char::to_lowercase).collect())
}

/// The offset added to Unix seconds so that every instant xsd:dateTime can write (four-digit
/// years, offsets to ±23:59) is a positive 12-digit number.
const EPOCH_SHIFT: i64 = 100_000_000_000;

/// The instant of an xsd:dateTime (RFC 7643 §2.3.5), as text that sorts like the instant: 12
/// digits of shifted Unix seconds and 10 digits of nanoseconds (a leap second counts past
/// 999,999,999 as chrono does). `None` when `text` is not a dateTime the evaluator recognises
/// ([`scimkit_schema::datetime::parse`]).
///
/// ```
/// use scimkit_sql::instant;
/// let a = instant("2011-05-13T04:42:34Z").unwrap();
/// assert_eq!(instant("2011-05-13T06:42:34+02:00").unwrap(), a);
/// assert!(instant("2011-05-13T04:42:34.5Z").unwrap() > a);
/// assert_eq!(instant("yesterday"), None);
/// ```
pub fn instant(text: &str) -> Option<String> {
    scimkit_schema::datetime::parse(text).map(|t| instant_key(&t))
}

pub(crate) fn instant_key(t: &DateTime<FixedOffset>) -> String {
    let utc = t.naive_utc();
    let secs = utc.and_utc().timestamp() + EPOCH_SHIFT;
    format!("{secs:012}{:010}", utc.and_utc().timestamp_subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_borrows_when_nothing_changes() {
        assert!(matches!(fold("abc-1@x.org"), Cow::Borrowed(_)));
        assert!(matches!(fold("straße"), Cow::Borrowed(_)));
        assert!(matches!(fold("Abc"), Cow::Owned(_)));
        assert_eq!(fold("KELVIN \u{212A}"), "kelvin k");
    }

    /// Only U+0130 lower-cases to more than one character; the PostgreSQL fold relies on it.
    #[test]
    fn only_dotted_capital_i_expands() {
        let expanding: Vec<char> = (0..=char::MAX as u32)
            .filter_map(char::from_u32)
            .filter(|c| c.to_lowercase().count() > 1)
            .collect();
        assert_eq!(expanding, ['\u{130}']);
    }

    #[test]
    fn instants_order_like_time() {
        let keys = [
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999999Z",
            "1970-01-01T00:00:00Z",
            "2011-05-13T04:42:34.1+00:00",
            "2011-05-13T04:42:34.1000001Z",
            "2016-12-31T23:59:59.5Z",
            "2016-12-31T23:59:60.2Z",
            "2017-01-01T00:00:00Z",
            "9999-12-31T23:59:59-23:59",
        ]
        .map(|t| instant(t).unwrap_or_else(|| panic!("{t}")));
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(keys.iter().all(|k| k.len() == 22));
        assert_eq!(
            instant("2011-05-13T04:42:34"),
            instant("2011-05-13T04:42:34Z")
        );
    }
}
