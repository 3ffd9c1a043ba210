//! Case-insensitive names (RFC 7643 §2.1): the one place that compares attribute names and schema URNs.
//!
//! Attribute names are ASCII by the RFC 7643 §2.1 ABNF (`ATTRNAME = ALPHA *(nameChar)`), and schema
//! URNs are URNs, so an ASCII case fold is the exact rule and needs no allocation. Lookups scan a
//! handful of names; a linear scan with `eq_ignore_ascii_case` beats hashing a lower-cased copy.

use serde_json::{Map, Value};

/// Whether two attribute names or schema URNs are the same name (RFC 7643 §2.1: case-insensitive).
///
/// ```
/// assert!(scimkit_schema::name::eq("userName", "USERNAME"));
/// assert!(!scimkit_schema::name::eq("userName", "user"));
/// ```
#[inline]
pub fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The member of a JSON object whose key matches `name` in any case, with the key as the object spells it.
///
/// An exact match wins over a case-folded one, so an object that holds both `active` and `Active`
/// answers deterministically.
///
/// ```
/// let v = serde_json::json!({"Active": true});
/// let (key, value) = scimkit_schema::name::get(v.as_object().unwrap(), "active").unwrap();
/// assert_eq!((key.as_str(), value), ("Active", &serde_json::json!(true)));
/// ```
#[inline]
pub fn get<'a>(object: &'a Map<String, Value>, name: &str) -> Option<(&'a String, &'a Value)> {
    if let Some(kv) = object.get_key_value(name) {
        return Some(kv);
    }
    object.iter().find(|(k, _)| eq(k, name))
}

/// The value of the member of `object` whose key matches `name` in any case.
///
/// ```
/// let v = serde_json::json!({"userName": "bjensen"});
/// assert_eq!(scimkit_schema::name::value(v.as_object().unwrap(), "USERNAME"), Some(&serde_json::json!("bjensen")));
/// ```
#[inline]
pub fn value<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    get(object, name).map(|(_, v)| v)
}

/// The key as `object` spells it for `name` in any case, so a caller can take a mutable entry.
///
/// ```
/// let v = serde_json::json!({"DisplayName": "x"});
/// assert_eq!(scimkit_schema::name::key(v.as_object().unwrap(), "displayname"), Some("DisplayName"));
/// ```
#[inline]
pub fn key<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    get(object, name).map(|(k, _)| k.as_str())
}

/// A mutable reference to the member of `object` whose key matches `name` in any case.
///
/// ```
/// let mut v = serde_json::json!({"Active": true});
/// *scimkit_schema::name::value_mut(v.as_object_mut().unwrap(), "active").unwrap() = false.into();
/// assert_eq!(v, serde_json::json!({"Active": false}));
/// ```
pub fn value_mut<'a>(object: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    // Two passes keep the borrow checker happy without unsafe: find the spelling, then borrow by it.
    let key = key(object, name)?.to_owned();
    object.get_mut(&key)
}

/// Removes the member whose key matches `name` in any case, returning its spelling and value.
///
/// Uses `shift_remove` so that the remaining members keep their order (resources are written back
/// to clients, who diff them).
///
/// ```
/// let mut v = serde_json::json!({"a": 1, "B": 2, "c": 3});
/// let (k, val) = scimkit_schema::name::remove(v.as_object_mut().unwrap(), "b").unwrap();
/// assert_eq!((k.as_str(), val), ("B", serde_json::json!(2)));
/// assert_eq!(v, serde_json::json!({"a": 1, "c": 3}));
/// ```
pub fn remove(object: &mut Map<String, Value>, name: &str) -> Option<(String, Value)> {
    let key = key(object, name)?.to_owned();
    object.shift_remove_entry(&key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_spelling_wins() {
        let v = json!({"Active": 1, "active": 2});
        assert_eq!(value(v.as_object().unwrap(), "active"), Some(&json!(2)));
        assert_eq!(value(v.as_object().unwrap(), "ACTIVE"), Some(&json!(1)));
    }
}
