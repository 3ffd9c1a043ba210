//! The BulkRequest and BulkResponse messages (RFC 7644 §3.7, §3.7.3) and their members.

use http::{Method, StatusCode};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::{ScimError, BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA};

/// A BulkRequest message (RFC 7644 §3.7).
///
/// # Examples
/// ```
/// use scimkit_protocol::BulkRequest;
///
/// let req: BulkRequest = serde_json::from_str(r#"{
///   "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
///   "failOnErrors": 1,
///   "Operations": [{"method": "POST", "path": "/Users", "bulkId": "qwerty",
///                   "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Alice"}}]
/// }"#)?;
/// assert_eq!(req.operations[0].method, http::Method::POST);
/// assert_eq!(req.fail_on_errors, Some(1));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BulkRequest {
    /// `failOnErrors`: stop after this many errors. `None`: process every operation.
    #[serde(rename = "failOnErrors", alias = "failonerrors", default)]
    pub fail_on_errors: Option<u64>,
    /// `Operations`, in the order the client sent them.
    #[serde(rename = "Operations", alias = "operations", default)]
    pub operations: Vec<BulkOperation>,
}

impl Serialize for BulkRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[BULK_REQUEST_SCHEMA])?;
        if let Some(n) = self.fail_on_errors {
            m.serialize_entry("failOnErrors", &n)?;
        }
        m.serialize_entry("Operations", &self.operations)?;
        m.end()
    }
}

/// One operation of a [`BulkRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    /// `POST`, `PUT`, `PATCH` or `DELETE` (read in any case).
    #[serde(with = "method_serde")]
    pub method: Method,
    /// `bulkId`: the client's transient id for a resource this operation creates; REQUIRED for
    /// `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// `version`: the resource's entity tag, applied as `If-Match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `path`: the endpoint (`/Users`) for POST, the resource (`/Users/{id}`) otherwise.
    pub path: String,
    /// `data`: the resource for POST and PUT, a PatchOp message for PATCH (errata 5050).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl BulkOperation {
    /// An operation with the given method and path and nothing else.
    pub fn new(method: Method, path: impl Into<String>) -> BulkOperation {
        BulkOperation {
            method,
            bulk_id: None,
            version: None,
            path: path.into(),
            data: None,
        }
    }
    /// Sets `bulkId`.
    #[must_use]
    pub fn bulk_id(mut self, id: impl Into<String>) -> BulkOperation {
        self.bulk_id = Some(id.into());
        self
    }
    /// Sets `version`.
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> BulkOperation {
        self.version = Some(version.into());
        self
    }
    /// Sets `data`.
    #[must_use]
    pub fn data(mut self, data: Value) -> BulkOperation {
        self.data = Some(data);
        self
    }
}

/// A BulkResponse message (RFC 7644 §3.7.3).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BulkResponse {
    /// One result per processed operation, in request order.
    #[serde(rename = "Operations", alias = "operations", default)]
    pub operations: Vec<BulkOperationResponse>,
}

impl Serialize for BulkResponse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemas", &[BULK_RESPONSE_SCHEMA])?;
        m.serialize_entry("Operations", &self.operations)?;
        m.end()
    }
}

impl BulkResponse {
    /// The message as a 200 response (RFC 7644 §3.7.3: the bulk request itself succeeded even
    /// when operations failed).
    pub fn into_response(self) -> http::Response<Vec<u8>> {
        match serde_json::to_vec(&self) {
            Ok(body) => crate::json_response(StatusCode::OK, body),
            Err(e) => ScimError::internal(e.to_string()).into_response(),
        }
    }
}

/// The result of one bulk operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationResponse {
    /// The resource's URI, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The operation's method.
    #[serde(with = "method_serde")]
    pub method: Method,
    /// The operation's `bulkId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The resource's version after the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The HTTP status, written as a string as in the RFC's examples; read from a string, an
    /// integer or the `{"code": "201"}` object of early drafts.
    #[serde(with = "status_serde")]
    pub status: StatusCode,
    /// The response body: the Error message on failure (required then by §3.7), optionally the
    /// resource on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

impl BulkOperationResponse {
    /// The operation's error, when its status is not 2xx.
    pub fn error(&self) -> Option<ScimError> {
        if self.status.is_success() {
            return None;
        }
        Some(
            self.response
                .as_ref()
                .and_then(|r| ScimError::from_json(r).ok())
                .map(|e| {
                    // The operation's status is authoritative.
                    let mut out = ScimError::from_status(self.status);
                    if let Some(t) = e.scim_type_raw() {
                        out = out.with_scim_type_str(t);
                    }
                    if let Some(d) = e.detail() {
                        out = out.with_detail(d);
                    }
                    out
                })
                .unwrap_or_else(|| ScimError::from_status(self.status)),
        )
    }
}

mod method_serde {
    use super::*;

    pub(super) fn serialize<S: Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Method, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Method::from_bytes(text.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| de::Error::custom(format!("`{text}` is not an HTTP method")))
    }
}

mod status_serde {
    use super::*;

    pub(super) fn serialize<S: Serializer>(st: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(st.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<StatusCode, D::Error> {
        let v = Value::deserialize(d)?;
        let code = match &v {
            Value::String(s) => s.trim().parse::<u16>().ok(),
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Value::Object(o) => match scimkit_schema::name::value(o, "code") {
                Some(Value::String(s)) => s.trim().parse::<u16>().ok(),
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                _ => None,
            },
            _ => None,
        };
        code.and_then(|c| StatusCode::from_u16(c).ok())
            .ok_or_else(|| de::Error::custom("`status` must be an HTTP status code"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_reads_all_shapes() {
        for s in [
            json!("201"),
            json!(201),
            json!({"code": "201"}),
            json!({"code": 201}),
        ] {
            let r: BulkOperationResponse =
                serde_json::from_value(json!({"method": "post", "status": s})).unwrap();
            assert_eq!(r.status, StatusCode::CREATED);
            assert_eq!(r.method, Method::POST);
        }
        assert!(serde_json::from_value::<BulkOperationResponse>(
            json!({"method": "POST", "status": "abc"})
        )
        .is_err());
    }
}
