//! The PatchOp message of RFC 7644 §3.5.2: [`PatchRequest`] and [`PatchOperation`].
//!
//! Reading a message checks what every profile requires (the `schemas`, an `Operations` array,
//! a known `op`, a `path` that parses, a `path` on `remove`, a `value` on `add` and `replace`) and
//! records what only the [interop profile](crate::Interop) allows (an `op` not in lower case,
//! members the RFC does not define), so that the [`Patcher`](crate::Patcher) can accept or reject
//! it according to its profile.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use scimkit_filter::Path;
use scimkit_schema::name;

use crate::error::{Error, ErrorKind};
use crate::Interop;

/// The PatchOp message schema URN (RFC 7644 §3.5.2).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A PATCH operation's `op` (RFC 7644 §3.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `add`, RFC 7644 §3.5.2.1.
    Add,
    /// `remove`, RFC 7644 §3.5.2.2.
    Remove,
    /// `replace`, RFC 7644 §3.5.2.3.
    Replace,
}

impl Op {
    /// The RFC's spelling, in lower case.
    pub const fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "remove",
            Op::Replace => "replace",
        }
    }

    /// The op for `text` in any case.
    pub fn from_any_case(text: &str) -> Option<Op> {
        [Op::Add, Op::Remove, Op::Replace]
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed `path`, with the text it came from (for errors and serialization).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpPath {
    pub(crate) text: Box<str>,
    /// `None` for a path that is a bare schema URN (a whole extension), which is not an
    /// `attrPath` and so may not parse as one.
    pub(crate) parsed: Option<Path>,
}

impl OpPath {
    /// The text without the whitespace the path parser accepts around a path (spaces, tabs and
    /// line breaks).
    pub(crate) fn trimmed(&self) -> &str {
        trim_path(&self.text)
    }

    pub(crate) fn parse(text: &str) -> Result<OpPath, Error> {
        match Path::parse(text) {
            Ok(p) => Ok(OpPath {
                text: text.into(),
                parsed: Some(p),
            }),
            Err(_) if looks_like_schema_urn(text) => Ok(OpPath {
                text: text.into(),
                parsed: None,
            }),
            Err(e) => Err(e.into()),
        }
    }
}

fn trim_path(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// Whether `text` could be a bare schema URN: `urn:` and no `[`. Which URNs really are schemas is
/// decided when applying, with the schema or the resource at hand.
pub(crate) fn looks_like_schema_urn(text: &str) -> bool {
    let text = trim_path(text);
    text.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
        && !text.contains('[')
}

/// One operation of a PatchOp message (RFC 7644 §3.5.2): `op`, optional `path` (parsed once, when
/// the operation is read or built) and optional `value`.
///
/// ```
/// use scimkit_patch::{Op, PatchOperation};
/// use serde_json::json;
///
/// let op = PatchOperation::add(Some("emails[type eq \"work\"].value"), json!("bjensen@example.com"))?;
/// assert_eq!(op.op(), Op::Add);
/// assert_eq!(op.path(), Some("emails[type eq \"work\"].value"));
/// assert_eq!(serde_json::to_value(&op)?,
///     json!({"op": "add", "path": "emails[type eq \"work\"].value", "value": "bjensen@example.com"}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    op: Op,
    path: Option<OpPath>,
    value: Option<Value>,
    /// The `op` as sent, when it was not in lower case (docs/idp-compatibility.md).
    op_spelling: Option<Box<str>>,
    /// The first member the RFC does not define (docs/idp-compatibility.md).
    extra_member: Option<Box<str>>,
}

impl PatchOperation {
    /// An operation, checked as RFC 7644 §3.5.2 requires: `remove` needs a path, `add` and
    /// `replace` a value; the path must parse.
    ///
    /// # Errors
    /// `invalidPath` for a path that does not parse, `noTarget` for a `remove` without a path,
    /// `invalidValue` for an `add` or `replace` without a value.
    pub fn new(op: Op, path: Option<&str>, value: Option<Value>) -> Result<PatchOperation, Error> {
        let path = match path {
            Some(p) => Some(OpPath::parse(p).map_err(|e| e.at_path(p))?),
            None => None,
        };
        let value = value.filter(|v| !v.is_null());
        match (op, &path, &value) {
            (Op::Remove, None, _) => return Err(ErrorKind::PathRequired.into()),
            (Op::Add | Op::Replace, _, None) => {
                return Err(ErrorKind::ValueRequired(op.as_str()).into())
            }
            _ => {}
        }
        Ok(PatchOperation {
            op,
            path,
            value,
            op_spelling: None,
            extra_member: None,
        })
    }

    /// An `add` (RFC 7644 §3.5.2.1).
    ///
    /// # Errors
    /// See [`PatchOperation::new`].
    pub fn add(path: Option<&str>, value: Value) -> Result<PatchOperation, Error> {
        PatchOperation::new(Op::Add, path, Some(value))
    }

    /// A `replace` (RFC 7644 §3.5.2.3).
    ///
    /// # Errors
    /// See [`PatchOperation::new`].
    pub fn replace(path: Option<&str>, value: Value) -> Result<PatchOperation, Error> {
        PatchOperation::new(Op::Replace, path, Some(value))
    }

    /// A `remove` (RFC 7644 §3.5.2.2).
    ///
    /// # Errors
    /// See [`PatchOperation::new`].
    pub fn remove(path: &str) -> Result<PatchOperation, Error> {
        PatchOperation::new(Op::Remove, Some(path), None)
    }

    /// The operation.
    pub fn op(&self) -> Op {
        self.op
    }

    /// The `path` as sent.
    pub fn path(&self) -> Option<&str> {
        self.path.as_ref().map(|p| &*p.text)
    }

    /// The parsed `path`; `None` without a path, and for a path that is a bare schema URN.
    pub fn parsed_path(&self) -> Option<&Path> {
        self.path.as_ref().and_then(|p| p.parsed.as_ref())
    }

    pub(crate) fn op_path(&self) -> Option<&OpPath> {
        self.path.as_ref()
    }

    /// The `value`, if any (a JSON `null` counts as none, RFC 7643 §2.5).
    pub fn value(&self) -> Option<&Value> {
        self.value.as_ref()
    }

    /// Checks what only the interop profile allows: an `op` not in lower case (docs/idp-compatibility.md) and members
    /// the RFC does not define (docs/idp-compatibility.md).
    pub(crate) fn check_interop(&self, interop: &Interop) -> Result<(), Error> {
        if let Some(s) = &self.op_spelling {
            if !interop.op_any_case {
                return Err(ErrorKind::OpCase(s.to_string()).into());
            }
        }
        if let Some(m) = &self.extra_member {
            if !interop.ignore_extra_members {
                return Err(ErrorKind::MemberUnexpected(m.to_string()).into());
            }
        }
        Ok(())
    }

    /// Reads one operation from its JSON object.
    ///
    /// # Errors
    /// As [`PatchOperation::new`], plus `invalidSyntax` for a missing or unknown `op`.
    pub fn from_value(value: &Value) -> Result<PatchOperation, Error> {
        let Value::Object(o) = value else {
            return Err(ErrorKind::OperationNotObject.into());
        };
        // RFC 7643 §2.1: names are case-insensitive, message members included.
        let op_text = match name::value(o, "op") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(ErrorKind::OpUnknown(other.to_string()).into()),
            None => return Err(ErrorKind::OpMissing.into()),
        };
        let op = Op::from_any_case(op_text)
            .ok_or_else(|| Error::from(ErrorKind::OpUnknown(op_text.to_owned())))?;
        let path = match name::value(o, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(ErrorKind::PathNotString.into()),
        };
        let mut operation = PatchOperation::new(op, path, name::value(o, "value").cloned())
            .map_err(|e| match path {
                Some(p) => e.at_path(p),
                None => e,
            })?;
        if op_text != op.as_str() {
            operation.op_spelling = Some(op_text.into());
        }
        operation.extra_member = o
            .keys()
            .find(|k| !["op", "path", "value"].iter().any(|m| name::eq(k, m)))
            .map(|k| k.as_str().into());
        Ok(operation)
    }

    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("op".into(), Value::String(self.op.as_str().into()));
        if let Some(p) = self.path() {
            o.insert("path".into(), Value::String(p.into()));
        }
        if let Some(v) = &self.value {
            o.insert("value".into(), v.clone());
        }
        Value::Object(o)
    }
}

impl Serialize for PatchOperation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for PatchOperation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        PatchOperation::from_value(&v).map_err(serde::de::Error::custom)
    }
}

/// The PatchOp message (RFC 7644 §3.5.2):
/// `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [...]}`.
///
/// Deserializing accepts everything any [`Interop`] profile accepts and records the deviations;
/// [`Patcher::apply`](crate::Patcher::apply) then rejects those its profile does not allow. Use
/// [`PatchRequest::from_slice`] to get a [`crate::Error`] (with its `scimType`) instead of a
/// `serde_json::Error`.
///
/// ```
/// use scimkit_patch::PatchRequest;
///
/// let body = br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///   "Operations": [{"op": "add", "path": "members",
///                   "value": [{"display": "Babs Jensen", "value": "2819c223"}]}]}"#;
/// let req = PatchRequest::from_slice(body)?;
/// assert_eq!(req.operations.len(), 1);
/// let err = PatchRequest::from_slice(br#"{"Operations": []}"#).unwrap_err();
/// assert_eq!(err.scim_type().as_str(), "invalidSyntax");
/// # Ok::<(), scimkit_patch::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations, in order (RFC 7644 §3.5.2: "applied sequentially in the order they appear
    /// in the array").
    pub operations: Vec<PatchOperation>,
    /// The first top-level member the RFC does not define (docs/idp-compatibility.md).
    extra_member: Option<Box<str>>,
}

impl PatchRequest {
    /// A message holding `operations`.
    pub fn new(operations: Vec<PatchOperation>) -> PatchRequest {
        PatchRequest {
            operations,
            extra_member: None,
        }
    }

    /// Reads a message from bytes.
    ///
    /// # Errors
    /// `invalidSyntax` for JSON that is not a PatchOp message; the errors of
    /// [`PatchOperation::from_value`], located at the operation's index.
    pub fn from_slice(body: &[u8]) -> Result<PatchRequest, Error> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| Error::from(ErrorKind::Syntax(e.to_string())))?;
        PatchRequest::from_value(&v)
    }

    /// Reads a message from bytes and checks it against `interop`: with
    /// [`Interop::strict`], members the RFC does not define are errors (docs/idp-compatibility.md).
    ///
    /// # Errors
    /// As [`PatchRequest::from_slice`], plus the checks of the profile.
    pub fn from_slice_with(body: &[u8], interop: &Interop) -> Result<PatchRequest, Error> {
        let req = PatchRequest::from_slice(body)?;
        req.check(interop)?;
        Ok(req)
    }

    /// Checks the message against `interop` (the operations are checked again when applied).
    ///
    /// # Errors
    /// A member RFC 7644 does not define, or an `op` not in lower case, when the profile does
    /// not allow it.
    pub fn check(&self, interop: &Interop) -> Result<(), Error> {
        if let Some(m) = &self.extra_member {
            if !interop.ignore_extra_members {
                return Err(ErrorKind::MemberUnexpected(m.to_string()).into());
            }
        }
        for (i, op) in self.operations.iter().enumerate() {
            op.check_interop(interop).map_err(|e| e.at(i, op.path()))?;
        }
        Ok(())
    }

    /// Reads a message from a JSON value.
    ///
    /// # Errors
    /// See [`PatchRequest::from_slice`].
    pub fn from_value(value: &Value) -> Result<PatchRequest, Error> {
        let Value::Object(o) = value else {
            return Err(
                ErrorKind::Syntax("the PatchOp message must be a JSON object".into()).into(),
            );
        };
        match name::value(o, "schemas") {
            Some(Value::Array(a))
                if a.len() == 1 && a[0].as_str().is_some_and(|s| name::eq(s, PATCH_OP_SCHEMA)) => {}
            other => {
                return Err(ErrorKind::SchemasInvalid {
                    found: other.map(Value::to_string),
                }
                .into())
            }
        }
        let Some(Value::Array(ops)) = name::value(o, "Operations") else {
            return Err(ErrorKind::OperationsMissing.into());
        };
        // RFC 7644 §3.5.2: "The body of an HTTP PATCH request MUST contain the attribute
        // "Operations", whose value is an array of one or more PATCH operations."
        if ops.is_empty() {
            return Err(ErrorKind::OperationsEmpty.into());
        }
        let operations = ops
            .iter()
            .enumerate()
            .map(|(i, v)| {
                PatchOperation::from_value(v).map_err(|e| {
                    let path = v
                        .as_object()
                        .and_then(|o| name::value(o, "path"))
                        .and_then(Value::as_str);
                    e.at(i, path)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let extra_member = o
            .keys()
            .find(|k| !["schemas", "Operations"].iter().any(|m| name::eq(k, m)))
            .map(|k| k.as_str().into());
        Ok(PatchRequest {
            operations,
            extra_member,
        })
    }
}

impl Serialize for PatchRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = Map::new();
        o.insert("schemas".into(), Value::Array(vec![PATCH_OP_SCHEMA.into()]));
        o.insert(
            "Operations".into(),
            Value::Array(
                self.operations
                    .iter()
                    .map(PatchOperation::to_json)
                    .collect(),
            ),
        );
        Value::Object(o).serialize(s)
    }
}

impl<'de> Deserialize<'de> for PatchRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        PatchRequest::from_value(&v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimkit_schema::ScimType;
    use serde_json::json;

    fn err(v: Value) -> Error {
        PatchRequest::from_value(&v).unwrap_err()
    }

    #[test]
    fn message_errors_have_their_scim_type() {
        let s = json!([PATCH_OP_SCHEMA]);
        let cases = [
            (json!({"Operations": []}), ScimType::InvalidSyntax),
            (
                json!({"schemas": ["urn:x"], "Operations": []}),
                ScimType::InvalidSyntax,
            ),
            (json!({"schemas": s}), ScimType::InvalidSyntax),
            (
                json!({"schemas": s, "Operations": [{"op": "copy", "path": "a"}]}),
                ScimType::InvalidSyntax,
            ),
            (
                json!({"schemas": s, "Operations": [{"path": "a"}]}),
                ScimType::InvalidSyntax,
            ),
            (
                json!({"schemas": s, "Operations": [{"op": "remove"}]}),
                ScimType::NoTarget,
            ),
            (
                json!({"schemas": s, "Operations": [{"op": "add", "path": "a"}]}),
                ScimType::InvalidValue,
            ),
            (
                json!({"schemas": s, "Operations": [{"op": "replace", "path": "a", "value": null}]}),
                ScimType::InvalidValue,
            ),
            (
                json!({"schemas": s, "Operations": [{"op": "add", "path": "a[", "value": 1}]}),
                ScimType::InvalidPath,
            ),
            (
                json!({"schemas": s, "Operations": [{"op": "add", "path": 1, "value": 1}]}),
                ScimType::InvalidPath,
            ),
            (
                json!({"schemas": s, "Operations": [1]}),
                ScimType::InvalidSyntax,
            ),
        ];
        for (v, t) in cases {
            assert_eq!(err(v.clone()).scim_type(), t, "{v}");
        }
    }

    #[test]
    fn errors_name_the_operation() {
        let e = err(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "add", "path": "a", "value": 1}, {"op": "remove"}]}));
        assert_eq!(e.op_index(), Some(1));
        assert_eq!(e.to_string(), "operation 1: `remove` needs a `path`");
    }

    #[test]
    fn records_deviations_for_the_profile() {
        let req = PatchRequest::from_value(&json!({"schemas": [PATCH_OP_SCHEMA], "id": "x",
            "Operations": [{"op": "Replace", "path": "a", "value": 1, "name": "n"}]}))
        .unwrap();
        assert!(req.check(&Interop::idp_compatible()).is_ok());
        let e = req.check(&Interop::strict()).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::MemberUnexpected("id".into()));
        let e = req.operations[0]
            .check_interop(&Interop::strict())
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::OpCase("Replace".into()));
        let e = req.operations[0]
            .check_interop(&Interop::strict().op_any_case(true))
            .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::MemberUnexpected("name".into()));
    }

    #[test]
    fn round_trips_through_serde() {
        let v = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": "1"}]},
            {"op": "remove", "path": "members[value eq \"2\"]"},
            {"op": "replace", "value": {"active": false}}]});
        let req: PatchRequest = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&req).unwrap(), v);
    }
}
