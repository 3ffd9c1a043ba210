//! The SearchRequest message of `POST /.search` (RFC 7644 §3.4.3).

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::list::lenient_u64;
use crate::SEARCH_REQUEST_SCHEMA;

/// A `POST /.search` or `POST /Users/.search` body (RFC 7644 §3.4.3), as sent on the wire.
///
/// The members are kept as written; [`QueryOptions::from_search`](crate::QueryOptions::from_search)
/// validates them into a [`Query`](crate::Query) with exactly the rules of a query string.
/// Reading is tolerant: member names in any case, `startIndex`/`count` as numbers or numeric
/// strings, `attributes` as an array or a comma-separated string.
///
/// # Examples
/// ```
/// use scimkit_protocol::{QueryOptions, SearchRequest};
///
/// // RFC 7644 §3.4.3, Figure 6.
/// let body = r#"{
///   "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
///   "attributes": ["displayName", "userName"],
///   "filter": "displayName sw \"smith\"",
///   "startIndex": 1,
///   "count": 10
/// }"#;
/// let req: SearchRequest = serde_json::from_str(body)?;
/// let q = QueryOptions::new().from_search(&req)?;
/// assert_eq!(q.attributes.len(), 2);
/// assert_eq!(q.count, Some(10));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// `attributes`.
    pub attributes: Option<Vec<String>>,
    /// `excludedAttributes`.
    pub excluded_attributes: Option<Vec<String>>,
    /// `filter`.
    pub filter: Option<String>,
    /// `sortBy`.
    pub sort_by: Option<String>,
    /// `sortOrder`.
    pub sort_order: Option<String>,
    /// `startIndex`.
    pub start_index: Option<i64>,
    /// `count`.
    pub count: Option<i64>,
    /// `cursor` (RFC 9865).
    pub cursor: Option<String>,
}

impl Serialize for SearchRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[SEARCH_REQUEST_SCHEMA])?;
        if let Some(v) = &self.attributes {
            m.serialize_entry("attributes", v)?;
        }
        if let Some(v) = &self.excluded_attributes {
            m.serialize_entry("excludedAttributes", v)?;
        }
        if let Some(v) = &self.filter {
            m.serialize_entry("filter", v)?;
        }
        if let Some(v) = &self.sort_by {
            m.serialize_entry("sortBy", v)?;
        }
        if let Some(v) = &self.sort_order {
            m.serialize_entry("sortOrder", v)?;
        }
        if let Some(v) = &self.start_index {
            m.serialize_entry("startIndex", v)?;
        }
        if let Some(v) = &self.count {
            m.serialize_entry("count", v)?;
        }
        if let Some(v) = &self.cursor {
            m.serialize_entry("cursor", v)?;
        }
        m.end()
    }
}

impl SearchRequest {
    /// Reads a SearchRequest from JSON, tolerant as described on [`SearchRequest`].
    pub fn from_json(v: &Value) -> Result<SearchRequest, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| "a SearchRequest must be a JSON object".to_owned())?;
        let get = |n: &str| scimkit_schema::name::value(obj, n).filter(|v| !v.is_null());
        let string = |n: &str| -> Result<Option<String>, String> {
            match get(n) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("`{n}` must be a string")),
            }
        };
        let list = |n: &str| -> Result<Option<Vec<String>>, String> {
            match get(n) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| format!("`{n}` must be an array of strings"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                Some(_) => Err(format!("`{n}` must be an array of strings")),
            }
        };
        let int = |n: &str| -> Result<Option<i64>, String> {
            match get(n) {
                Some(Value::Number(x)) if x.as_i64().is_some() => Ok(x.as_i64()),
                Some(Value::Number(x)) if x.as_u64().is_some() => Ok(Some(i64::MAX)),
                Some(Value::Number(x))
                    if x.as_f64().is_some_and(|f| f < 0.0 && f.fract() == 0.0) =>
                {
                    Ok(Some(-1))
                }
                _ => lenient_u64(obj, n).map(|o| o.map(|u| i64::try_from(u).unwrap_or(i64::MAX))),
            }
        };
        Ok(SearchRequest {
            attributes: list("attributes")?,
            excluded_attributes: list("excludedAttributes")?,
            filter: string("filter")?,
            sort_by: string("sortBy")?,
            sort_order: string("sortOrder")?,
            start_index: int("startIndex")?,
            count: int("count")?,
            cursor: string("cursor")?,
        })
    }
}

impl<'de> Deserialize<'de> for SearchRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SearchRequest::from_json(&Value::deserialize(d)?).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QueryOptions;
    use serde_json::json;

    #[test]
    fn tolerant_members() {
        let r: SearchRequest = serde_json::from_value(json!({
            "Filter": "userName eq \"a\"", "ATTRIBUTES": "userName,emails", "count": "5", "startIndex": -2
        }))
        .unwrap();
        let q = QueryOptions::new().from_search(&r).unwrap();
        assert_eq!(
            (q.count, q.start_index, q.attributes.len()),
            (Some(5), Some(1), 2)
        );
        assert!(serde_json::from_value::<SearchRequest>(json!({"filter": 3})).is_err());
        assert!(serde_json::from_value::<SearchRequest>(json!({"count": "x"})).is_err());
        assert!(serde_json::from_value::<SearchRequest>(json!([])).is_err());
    }

    #[test]
    fn writes_schema_and_camel_case() {
        let r = SearchRequest {
            excluded_attributes: Some(vec!["members".into()]),
            count: Some(3),
            ..SearchRequest::default()
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"schemas": [SEARCH_REQUEST_SCHEMA], "excludedAttributes": ["members"], "count": 3})
        );
    }
}
