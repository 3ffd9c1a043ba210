//! The service provider's bulk limits (RFC 7644 §3.7.4) and reading a request body within them.

use scimkit_schema::BulkConfig;

use scimkit_schema::name;

use super::BulkRequest;
use crate::{ScimError, BULK_REQUEST_SCHEMA};

/// Validates and runs bulk jobs (RFC 7644 §3.7).
///
/// - **Limits** (§3.7.4): a body over `max_payload_size` bytes or with more than
///   `max_operations` operations is refused with 413 and the RFC's detail.
/// - **bulkId references** (§3.7.2): `bulkId:<id>` as a whole string value anywhere in `data`
///   (any depth: member lists, extension attributes, PATCH values and PATCH paths' filters such as
///   `members[value eq "bulkId:qwerty"]`), and as a segment of `path` or a URI (`/Groups/bulkId:x`).
///   An unknown bulkId fails that operation with 409 `invalidValue`; so does a reference to an
///   operation that failed.
/// - **Order**: operations run in request order, except that an operation waits for the
///   operations it references (a forward reference works). Results are reported in request order.
/// - **Circular references** (§3.7.1): the RFC's example (two groups that are members of each
///   other) and a group that contains itself are resolved by creating the resource without the
///   attribute values that hold unresolved references and adding them with a follow-up PATCH
///   ([`ResolvedOperation::deferred`](super::ResolvedOperation::deferred)) once the other resource exists. With
///   [`resolve_circular(false)`](BulkProcessor::resolve_circular), or when a reference cannot
///   be held back (it is in the path), the operations in the cycle fail with 409.
/// - **failOnErrors** (§3.7.3): after that many errors, processing stops and the response holds
///   the operations processed so far.
///
/// Nothing here recurses, and every loop is bounded by the number of operations and the size of
/// their data.
///
/// # Examples
/// ```
/// use scimkit_protocol::{BulkOutcome, BulkProcessor, ResolvedOperation, ScimError};
///
/// let body = br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
///   "Operations": [
///     {"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
///      "data": {"displayName": "Tour Guides", "members": [{"type": "User", "value": "bulkId:qwerty"}]}},
///     {"method": "POST", "path": "/Users", "bulkId": "qwerty", "data": {"userName": "Alice"}}
///   ]}"#;
/// let processor = BulkProcessor::new();
/// let req = processor.parse(body)?;
/// let mut created = Vec::new();
/// let resp = processor.process(req, &mut |op: &ResolvedOperation| {
///     let id = format!("id{}", created.len());
///     created.push(op.data.clone().unwrap());
///     Ok::<_, ScimError>(BulkOutcome::created(&id, format!("https://example.com/v2{}/{id}", op.path)))
/// });
/// // The user ran first, and the group got its real id.
/// assert_eq!(created[1]["members"][0]["value"], "id0");
/// assert_eq!(resp.operations[0].bulk_id.as_deref(), Some("ytrewq")); // request order
/// # Ok::<(), ScimError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct BulkProcessor {
    pub(super) max_operations: usize,
    pub(super) max_payload_size: usize,
    pub(super) resolve_circular: bool,
    pub(super) require_post_bulk_id: bool,
    pub(super) base_url: Option<String>,
}

impl Default for BulkProcessor {
    fn default() -> Self {
        BulkProcessor::new()
    }
}

impl BulkProcessor {
    /// Limits of 1000 operations and 1 MiB (1048576 bytes, the RFC's example), circular
    /// references resolved, `bulkId` required on POST.
    pub fn new() -> BulkProcessor {
        BulkProcessor {
            max_operations: 1000,
            max_payload_size: 1_048_576,
            resolve_circular: true,
            require_post_bulk_id: true,
            base_url: None,
        }
    }

    /// The limits a ServiceProviderConfig advertises (a limit of 0 there means none is set, and
    /// the default is kept).
    pub fn from_config(config: &BulkConfig) -> BulkProcessor {
        let mut p = BulkProcessor::new();
        if config.max_operations > 0 {
            p.max_operations = usize::try_from(config.max_operations).unwrap_or(usize::MAX);
        }
        if config.max_payload_size > 0 {
            p.max_payload_size = usize::try_from(config.max_payload_size).unwrap_or(usize::MAX);
        }
        p
    }

    /// Sets `maxOperations`.
    pub fn max_operations(mut self, n: usize) -> BulkProcessor {
        self.max_operations = n;
        self
    }

    /// Sets `maxPayloadSize` in bytes.
    pub fn max_payload_size(mut self, bytes: usize) -> BulkProcessor {
        self.max_payload_size = bytes;
        self
    }

    /// The configured `maxPayloadSize`.
    pub fn payload_limit(&self) -> usize {
        self.max_payload_size
    }

    /// Whether circular references are resolved with follow-up PATCHes (default) or fail with
    /// 409, which §3.7.1 also allows.
    pub fn resolve_circular(mut self, on: bool) -> BulkProcessor {
        self.resolve_circular = on;
        self
    }

    /// Whether a POST without `bulkId` fails with 400 `invalidSyntax` (default, §3.7: "REQUIRED
    /// when "method" is "POST"") or is accepted (it then cannot be referenced).
    pub fn require_post_bulk_id(mut self, on: bool) -> BulkProcessor {
        self.require_post_bulk_id = on;
        self
    }

    /// The service provider's base URL, used to report a `location` for failed operations that
    /// name a resource (as in the RFC's 412 example).
    pub fn base_url(mut self, base: impl Into<String>) -> BulkProcessor {
        self.base_url = Some(base.into().trim_end_matches('/').to_owned());
        self
    }

    /// Reads a bulk request body, checking `maxPayloadSize` first and `maxOperations` after.
    ///
    /// The message must say what it is: `schemas` naming the BulkRequest URN and an
    /// `Operations` array are REQUIRED (RFC 7644 §3.7), and without them the body is 400
    /// `invalidSyntax` rather than an empty job answered with 200. A repeated member name at any
    /// depth is refused too ([`parse_json`](crate::parse_json)).
    pub fn parse(&self, body: &[u8]) -> Result<BulkRequest, ScimError> {
        if body.len() > self.max_payload_size {
            return Err(self.payload_error());
        }
        let json = crate::parse_json(body)?;
        check_envelope(&json)?;
        let req: BulkRequest = serde_json::from_value(json)
            .map_err(|e| ScimError::invalid_syntax(format!("not a BulkRequest: {e}")))?;
        self.check(&req)?;
        Ok(req)
    }

    fn payload_error(&self) -> ScimError {
        // RFC 7644 §3.7.4, word for word.
        ScimError::payload_too_large(format!(
            "The size of the bulk operation exceeds the maxPayloadSize ({}).",
            self.max_payload_size
        ))
    }

    /// Checks a request built in code against the limits (`maxOperations`; `failOnErrors` ≥ 1).
    pub fn check(&self, req: &BulkRequest) -> Result<(), ScimError> {
        if req.operations.len() > self.max_operations {
            return Err(ScimError::payload_too_large(format!(
                "The number of operations exceeds the maxOperations ({}).",
                self.max_operations
            )));
        }
        if req.fail_on_errors == Some(0) {
            // "the number of errors that the service provider will accept before the operation
            // is terminated": 0 has no meaning, so it is refused rather than guessed at.
            return Err(ScimError::invalid_value(
                "`failOnErrors` must be at least 1",
            ));
        }
        Ok(())
    }
}

/// The members every BulkRequest carries (RFC 7644 §3.7): `schemas` with the BulkRequest URN
/// and an `Operations` array. Names match in any case (RFC 7643 §2.1).
fn check_envelope(json: &serde_json::Value) -> Result<(), ScimError> {
    let Some(o) = json.as_object() else {
        return Err(ScimError::invalid_syntax(
            "a BulkRequest must be a JSON object",
        ));
    };
    let schemas = name::value(o, "schemas").and_then(serde_json::Value::as_array);
    let named = schemas.is_some_and(|a| {
        a.iter()
            .any(|s| s.as_str().is_some_and(|s| name::eq(s, BULK_REQUEST_SCHEMA)))
    });
    if !named {
        return Err(ScimError::invalid_syntax(format!(
            "a BulkRequest needs `schemas` with `{BULK_REQUEST_SCHEMA}`"
        )));
    }
    if !name::value(o, "Operations").is_some_and(serde_json::Value::is_array) {
        return Err(ScimError::invalid_syntax(
            "a BulkRequest needs an `Operations` array",
        ));
    }
    Ok(())
}
