//! The ListResponse message (RFC 7644 §3.4.2, with RFC 9865 cursors).

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{ScimError, LIST_RESPONSE_SCHEMA};

/// A page of query results: the RFC 7644 §3.4.2 ListResponse, with the RFC 9865 cursor members.
///
/// Written with integer counts (Okta rejects strings: docs/idp-compatibility.md), and with `Resources`
/// always present, an empty array when nothing matched (Entra's Test Connection and
/// Okta expect it). Read tolerantly: `Resources` in any case or `null`, counts as strings or missing (then
/// `None`, except that a missing `totalResults` is `None` too rather than a guess).
///
/// # Examples
/// ```
/// use scimkit_protocol::ListResponse;
/// use serde_json::json;
///
/// let empty = ListResponse::<serde_json::Value>::builder()
///     .total_results(0)
///     .start_index(1)
///     .items_per_page(0)
///     .build()?;
/// assert_eq!(
///     serde_json::to_value(&empty)?,
///     json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
///            "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []})
/// );
///
/// let read: ListResponse = serde_json::from_value(json!({"totalResults": "2", "resources": null}))?;
/// assert_eq!(read.total_results, Some(2));
/// assert!(read.resources.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse<T = Value> {
    /// `totalResults`: how many resources matched in all. REQUIRED by RFC 7644; `None` only when
    /// a peer omitted it (RFC 9865 cursor paging may not know the total).
    pub total_results: Option<u64>,
    /// `startIndex`: the 1-based index of the first result of this page.
    pub start_index: Option<u64>,
    /// `itemsPerPage`: how many results this page holds.
    pub items_per_page: Option<u64>,
    /// `nextCursor` (RFC 9865): the cursor of the following page; absent on the last page.
    pub next_cursor: Option<String>,
    /// `previousCursor` (RFC 9865): the cursor of the page before.
    pub previous_cursor: Option<String>,
    /// `Resources`: the results.
    pub resources: Vec<T>,
}

impl<T> Default for ListResponse<T> {
    fn default() -> Self {
        ListResponse {
            total_results: Some(0),
            start_index: None,
            items_per_page: None,
            next_cursor: None,
            previous_cursor: None,
            resources: Vec::new(),
        }
    }
}

impl<T> ListResponse<T> {
    /// A complete, unpaged result: `totalResults` is the number of resources.
    pub fn new(resources: Vec<T>) -> Self {
        ListResponse {
            total_results: Some(resources.len() as u64),
            resources,
            ..ListResponse::default()
        }
    }

    /// A builder that checks the counts on [`build`](Builder::build).
    pub fn builder() -> Builder<T> {
        Builder {
            inner: ListResponse {
                total_results: None,
                ..ListResponse::default()
            },
        }
    }

    /// Converts each resource (e.g. typed values to projected JSON), keeping the counts.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> ListResponse<U> {
        ListResponse {
            total_results: self.total_results,
            start_index: self.start_index,
            items_per_page: self.items_per_page,
            next_cursor: self.next_cursor,
            previous_cursor: self.previous_cursor,
            resources: self.resources.into_iter().map(f).collect(),
        }
    }

    /// Like [`map`](ListResponse::map) with a fallible conversion.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<ListResponse<U>, E> {
        Ok(ListResponse {
            total_results: self.total_results,
            start_index: self.start_index,
            items_per_page: self.items_per_page,
            next_cursor: self.next_cursor,
            previous_cursor: self.previous_cursor,
            resources: self
                .resources
                .into_iter()
                .map(f)
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether more results follow this page: a `nextCursor`, or an index page that ends before
    /// `totalResults`.
    pub fn has_more(&self) -> bool {
        if self.next_cursor.is_some() {
            return true;
        }
        match (self.total_results, self.start_index) {
            (Some(total), Some(start)) => {
                start
                    .saturating_sub(1)
                    .saturating_add(self.resources.len() as u64)
                    < total
                    && !self.resources.is_empty()
            }
            _ => false,
        }
    }
}

impl<T: Serialize> ListResponse<T> {
    /// The message as a 200 response with `Content-Type: application/scim+json`.
    pub fn into_response(self) -> http::Response<Vec<u8>> {
        match serde_json::to_vec(&self) {
            Ok(body) => crate::json_response(http::StatusCode::OK, body),
            Err(e) => ScimError::internal(e.to_string()).into_response(),
        }
    }
}

/// Builds a [`ListResponse`], checking that its counts agree (http's `Builder` style).
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder<T> {
    inner: ListResponse<T>,
}

impl<T> Builder<T> {
    /// Sets `totalResults`. Without it, `build` uses the number of resources.
    pub fn total_results(mut self, n: u64) -> Self {
        self.inner.total_results = Some(n);
        self
    }
    /// Sets `startIndex` (1-based).
    pub fn start_index(mut self, n: u64) -> Self {
        self.inner.start_index = Some(n);
        self
    }
    /// Sets `itemsPerPage`. Without it, `build` leaves it out unless `startIndex` is set, in
    /// which case it is the number of resources.
    pub fn items_per_page(mut self, n: u64) -> Self {
        self.inner.items_per_page = Some(n);
        self
    }
    /// Sets `nextCursor` (RFC 9865).
    pub fn next_cursor(mut self, cursor: impl Into<String>) -> Self {
        self.inner.next_cursor = Some(cursor.into());
        self
    }
    /// Sets `previousCursor` (RFC 9865).
    pub fn previous_cursor(mut self, cursor: impl Into<String>) -> Self {
        self.inner.previous_cursor = Some(cursor.into());
        self
    }
    /// Sets the resources.
    pub fn resources(mut self, resources: Vec<T>) -> Self {
        self.inner.resources = resources;
        self
    }
    /// Adds one resource.
    pub fn resource(mut self, resource: T) -> Self {
        self.inner.resources.push(resource);
        self
    }

    /// The response, or a 500 when the counts contradict each other (a programming error):
    /// `startIndex` of 0, more resources than `totalResults` allows from `startIndex`.
    pub fn build(self) -> Result<ListResponse<T>, ScimError> {
        let mut r = self.inner;
        let n = r.resources.len() as u64;
        if r.total_results.is_none() {
            r.total_results = Some(n);
        }
        if r.start_index == Some(0) {
            return Err(ScimError::internal(
                "`startIndex` is 1-based; 0 is not allowed",
            ));
        }
        if r.items_per_page.is_none() && r.start_index.is_some() {
            r.items_per_page = Some(n);
        }
        if let Some(total) = r.total_results {
            let first = r.start_index.unwrap_or(1) - 1;
            // An empty page past the end is a legitimate answer (a client paging with
            // `startIndex` beyond `totalResults`, Okta); only resources can contradict.
            if n > 0
                && r.next_cursor.is_none()
                && r.previous_cursor.is_none()
                && first.saturating_add(n) > total
            {
                return Err(ScimError::internal(format!(
                    "{n} resources from `startIndex` {} exceed `totalResults` {total}",
                    first + 1
                )));
            }
        }
        Ok(r)
    }
}

impl<T: Serialize> Serialize for ListResponse<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Member order of the RFC 7644 §3.4.2 example.
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[LIST_RESPONSE_SCHEMA])?;
        if let Some(n) = self.total_results {
            m.serialize_entry("totalResults", &n)?;
        }
        if let Some(n) = self.start_index {
            m.serialize_entry("startIndex", &n)?;
        }
        if let Some(n) = self.items_per_page {
            m.serialize_entry("itemsPerPage", &n)?;
        }
        if let Some(c) = &self.next_cursor {
            m.serialize_entry("nextCursor", c)?;
        }
        if let Some(c) = &self.previous_cursor {
            m.serialize_entry("previousCursor", c)?;
        }
        m.serialize_entry("Resources", &self.resources)?;
        m.end()
    }
}

/// Reads a count that a peer may have written as a number or a numeric string.
pub(crate) fn lenient_u64(obj: &Map<String, Value>, name: &str) -> Result<Option<u64>, String> {
    match scimkit_schema::name::value(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19)
                    .map(|f| f as u64)
            })
            .map(Some)
            .ok_or_else(|| format!("`{name}` must be a non-negative integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("`{name}` must be a non-negative integer")),
        Some(_) => Err(format!("`{name}` must be a non-negative integer")),
    }
}

fn lenient_string(obj: &Map<String, Value>, name: &str) -> Option<String> {
    match scimkit_schema::name::value(obj, name) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

impl<T: DeserializeOwned> ListResponse<T> {
    /// Reads a ListResponse from JSON, tolerant as described on [`ListResponse`].
    pub fn from_json(v: Value) -> Result<Self, String> {
        let Value::Object(mut obj) = v else {
            return Err("a ListResponse must be a JSON object".into());
        };
        let total_results = lenient_u64(&obj, "totalResults")?;
        let start_index = lenient_u64(&obj, "startIndex")?;
        let items_per_page = lenient_u64(&obj, "itemsPerPage")?;
        let next_cursor = lenient_string(&obj, "nextCursor");
        let previous_cursor = lenient_string(&obj, "previousCursor");
        let resources = match scimkit_schema::name::remove(&mut obj, "Resources") {
            None | Some((_, Value::Null)) => Vec::new(),
            Some((_, Value::Array(items))) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    serde_json::from_value(item).map_err(|e| format!("`Resources[{i}]`: {e}"))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err("`Resources` must be an array".into()),
        };
        Ok(ListResponse {
            total_results,
            start_index,
            items_per_page,
            next_cursor,
            previous_cursor,
            resources,
        })
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for ListResponse<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ListResponse::from_json(Value::deserialize(d)?).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_integers_and_always_resources() {
        let r = ListResponse::new(vec![json!({"id": "a"})]);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["totalResults"], json!(1));
        assert!(v["Resources"].is_array());
        let e: ListResponse = ListResponse::new(vec![]);
        assert_eq!(serde_json::to_value(&e).unwrap()["Resources"], json!([]));
    }

    #[test]
    fn tolerant_reading() {
        let r: ListResponse = serde_json::from_value(json!({
            "TOTALRESULTS": "3", "startindex": 1.0, "ItemsPerPage": 2,
            "RESOURCES": [{"id": "a"}, {"id": "b"}], "nextCursor": "abc"
        }))
        .unwrap();
        assert_eq!(r.total_results, Some(3));
        assert_eq!(r.start_index, Some(1));
        assert_eq!(r.resources.len(), 2);
        assert!(r.has_more());
        let r: ListResponse = serde_json::from_value(json!({})).unwrap();
        assert_eq!(r.total_results, None);
        assert!(serde_json::from_value::<ListResponse>(json!({"totalResults": -1})).is_err());
        assert!(serde_json::from_value::<ListResponse>(json!({"Resources": {}})).is_err());
        assert!(serde_json::from_value::<ListResponse>(json!("x")).is_err());
    }

    #[test]
    fn typed_resources_report_their_index() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct R {
            id: String,
        }
        let err =
            serde_json::from_value::<ListResponse<R>>(json!({"Resources": [{"id": "a"}, {}]}))
                .unwrap_err();
        assert!(err.to_string().contains("`Resources[1]`"), "{err}");
    }

    #[test]
    fn builder_checks_counts() {
        let ok = ListResponse::builder()
            .total_results(10)
            .start_index(9)
            .resources(vec![1, 2])
            .build()
            .unwrap();
        assert_eq!(ok.items_per_page, Some(2));
        assert!(!ok.has_more());
        assert!(ListResponse::builder()
            .total_results(1)
            .resources(vec![1, 2])
            .build()
            .is_err());
        assert!(ListResponse::<u8>::builder()
            .start_index(0)
            .build()
            .is_err());
        // An empty page past the end is not a contradiction.
        let past = ListResponse::<u8>::builder()
            .total_results(23)
            .start_index(100)
            .build()
            .unwrap();
        assert_eq!(
            (past.total_results, past.items_per_page, past.start_index),
            (Some(23), Some(0), Some(100))
        );
        assert!(ListResponse::builder()
            .total_results(23)
            .start_index(23)
            .resources(vec![1, 2])
            .build()
            .is_err());
    }
}
