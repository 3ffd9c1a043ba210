//! The `scimType` error keywords of RFC 7644 §3.12, and those RFC 9865 §3.2 adds for cursors.

use std::fmt;
use std::str::FromStr;

macro_rules! scim_types {
    ($( $(#[$doc:meta])* $variant:ident => $text:literal, )+) => {
        /// A SCIM detail error keyword: the `scimType` member of an RFC 7644 §3.12 Error message.
        ///
        /// Every scimkit error says which of these it is (or none, for errors such as 404 that the RFC
        /// gives no keyword), so a server can answer with the RFC's error message without a lookup
        /// table of its own.
        ///
        /// ```
        /// use scimkit_schema::ScimType;
        /// assert_eq!(ScimType::InvalidFilter.as_str(), "invalidFilter");
        /// assert_eq!("noTarget".parse::<ScimType>().unwrap(), ScimType::NoTarget);
        /// assert_eq!(ScimType::ExpiredCursor.as_str(), "expiredCursor"); // RFC 9865
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ScimType {
            $( $(#[$doc])* $variant, )+
        }

        impl ScimType {
            /// The keyword exactly as RFC 7644 §3.12 Table 9 (or RFC 9865 §3.2) spells it.
            pub const fn as_str(self) -> &'static str {
                match self { $( ScimType::$variant => $text, )+ }
            }

            /// Every keyword, in the order of RFC 7644 §3.12 Table 9, then RFC 9865's.
            pub const ALL: &'static [ScimType] = &[ $( ScimType::$variant, )+ ];
        }
    };
}

scim_types! {
    /// The filter syntax is invalid or the filter names an unknown attribute (400).
    InvalidFilter => "invalidFilter",
    /// The filter yields more results than the server is willing to return (400).
    TooMany => "tooMany",
    /// A value is already in use by another resource (409).
    Uniqueness => "uniqueness",
    /// The attempted modification is not compatible with the attribute's mutability (400).
    Mutability => "mutability",
    /// The request body is not a valid SCIM message or the schema is wrong (400).
    InvalidSyntax => "invalidSyntax",
    /// The `path` attribute is invalid or malformed (400).
    InvalidPath => "invalidPath",
    /// The path's filter yielded no match for a `replace` or `remove` (400).
    NoTarget => "noTarget",
    /// A required value is missing or a value is incompatible with the attribute type (400).
    InvalidValue => "invalidValue",
    /// The specified SCIM protocol version is not supported (400).
    InvalidVers => "invalidVers",
    /// The request cannot be completed because it holds sensitive data in the URI (403).
    Sensitive => "sensitive",
    /// RFC 9865 §3.2: the cursor is not one the service provider issued, or was altered (400).
    InvalidCursor => "invalidCursor",
    /// RFC 9865 §3.2: the cursor's lifetime is over; start again from the first page (400).
    ExpiredCursor => "expiredCursor",
    /// RFC 9865 §3.2: the `count` is outside what the service provider accepts (400).
    InvalidCount => "invalidCount",
}

impl ScimType {
    /// The HTTP status RFC 7644 §3.12 pairs with this keyword.
    ///
    /// ```
    /// use scimkit_schema::ScimType;
    /// assert_eq!(ScimType::Uniqueness.status(), http::StatusCode::CONFLICT);
    /// ```
    pub const fn status(self) -> http::StatusCode {
        match self {
            ScimType::Uniqueness => http::StatusCode::CONFLICT,
            ScimType::Sensitive => http::StatusCode::FORBIDDEN,
            _ => http::StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text given to [`ScimType::from_str`] is not an RFC 7644 §3.12 keyword.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scimType `{0}`")]
pub struct UnknownScimType(pub String);

impl FromStr for ScimType {
    type Err = UnknownScimType;

    /// Reads a keyword in any case: servers in the wild write `InvalidValue` as often as `invalidValue`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScimType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownScimType(s.to_owned()))
    }
}

impl serde::Serialize for ScimType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ScimType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_round_trips_in_any_case() {
        for t in ScimType::ALL {
            assert_eq!(t.as_str().parse::<ScimType>().unwrap(), *t);
            assert_eq!(t.as_str().to_uppercase().parse::<ScimType>().unwrap(), *t);
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(serde_json::from_str::<ScimType>(&json).unwrap(), *t);
        }
        assert!("bogus".parse::<ScimType>().is_err());
    }
}
