//! Validation of a JSON resource against a [`ResourceSchema`] (RFC 7643 §2.2–§3, §7; RFC 7644 §3.3,
//! §3.5.1, §3.5.2).
//!
//! A [`Validator`] checks one resource for one request [`Context`] and, when it passes, rewrites it in
//! place into the shape a server stores:
//!
//! - every attribute, sub-attribute and extension URN key in the schema's spelling (RFC 7643 §2.1:
//!   names match in any case, output is canonical), and `schemas` with canonical URNs;
//! - `readOnly` input dropped on create and replace (RFC 7644 §3.5.1 "readOnly ... Any values
//!   provided SHALL be ignored");
//! - with [`coerce_strings`](Validator::coerce_strings) on, `"True"` / `"42"` / `"1.5"` strings
//!   turned into the schema's boolean, integer or decimal.
//!
//! When it fails, the error lists **every** failure with its attribute path (`emails[1].value`,
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`) and
//! [`ErrorKind`], and the resource is left exactly as it was.
//!
//! # Example
//! ```
//! use scimkit_schema::ResourceSchema;
//! use scimkit_schema::validate::{Context, Validator};
//! use serde_json::json;
//!
//! let schema = ResourceSchema::user();
//! // Entra's validator traffic (IDP-QUIRKS E9): capitalised names and a string boolean.
//! let mut user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "UserName": "bjensen", "Active": "True",
//!     "meta": {"resourceType": "User"}
//! });
//! Validator::new(&schema).coerce_strings(true).validate(&mut user, Context::Create)?;
//! assert_eq!(user, json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "bjensen", "active": true
//! }));
//! # Ok::<(), scimkit_schema::Error>(())
//! ```
//!
//! # Input safety
//! Before anything else the resource is measured against [`Limits`] (nesting depth, number of JSON
//! values, string length, total text) with an iterative walk; the validation itself only descends
//! as deep as the schema does (attribute, value, sub-attribute), so no input can overflow the stack.

use std::fmt;

use serde_json::{Map, Number, Value};

use crate::{
    common, datetime, name, Attribute, AttributeType, Error, ErrorKind, Failure, Mutability,
    Resolved, ResourceSchema, Returned, Schema, Uniqueness,
};

/// Size limits checked before a resource is validated (DESIGN principle 6).
///
/// Going over any of them is an [`ErrorKind::LimitExceeded`] failure. The defaults fit every
/// resource shape of RFC 7643 §8 and IdP traffic with room to spare; a server that keeps very large
/// groups in one `members` array raises `max_nodes` and `max_total_len`.
///
/// ```
/// use scimkit_schema::validate::Limits;
/// let mut limits = Limits::default();
/// limits.max_depth = 8;
/// let deep = serde_json::json!({"a": {"b": {"c": [[[[[[[1]]]]]]]}}});
/// assert!(limits.check(&deep).is_err());
/// assert!(Limits::default().check(&deep).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Maximum nesting of JSON objects and arrays; the resource object itself is level 1. SCIM
    /// needs 4 (resource, multi-valued attribute, complex value, multi-valued sub-attribute).
    /// Default 32.
    pub max_depth: usize,
    /// Maximum number of JSON values (objects, arrays, strings, numbers, ...). Default 250 000.
    pub max_nodes: usize,
    /// Maximum length in bytes of one string or object key. Default 1 MiB (a photo as a `data:`
    /// URI or a certificate fits).
    pub max_string_len: usize,
    /// Maximum total length in bytes of all strings and keys. Default 4 MiB.
    pub max_total_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

impl Limits {
    /// The default limits (see each field).
    pub const DEFAULT: Limits = Limits {
        max_depth: 32,
        max_nodes: 250_000,
        max_string_len: 1 << 20,
        max_total_len: 4 << 20,
    };

    /// Checks `value` against the limits without recursion; the failure's path is the top-level
    /// member where the limit was crossed.
    ///
    /// # Errors
    /// One [`ErrorKind::LimitExceeded`] failure, at the first limit crossed.
    pub fn check(&self, value: &Value) -> Result<(), Error> {
        // (value, depth of its container nesting, top-level key it sits under)
        let mut stack: Vec<(&Value, usize, &str)> = vec![(value, 1, "")];
        let (mut nodes, mut total) = (0usize, 0usize);
        let fail =
            |path: &str, detail: String| Err(Error::new(ErrorKind::LimitExceeded, path, detail));
        while let Some((v, depth, top)) = stack.pop() {
            nodes += 1;
            if nodes > self.max_nodes {
                return fail(top, format!("more than {} JSON values", self.max_nodes));
            }
            match v {
                Value::String(s) => {
                    if s.len() > self.max_string_len {
                        return fail(
                            top,
                            format!("string longer than {} bytes", self.max_string_len),
                        );
                    }
                    total += s.len();
                }
                Value::Array(items) => {
                    if depth > self.max_depth {
                        return fail(top, format!("nested deeper than {} levels", self.max_depth));
                    }
                    stack.extend(items.iter().map(|i| (i, depth + 1, top)));
                }
                Value::Object(members) => {
                    if depth > self.max_depth {
                        return fail(top, format!("nested deeper than {} levels", self.max_depth));
                    }
                    for (k, item) in members {
                        if k.len() > self.max_string_len {
                            return fail(
                                top,
                                format!("object key longer than {} bytes", self.max_string_len),
                            );
                        }
                        total += k.len();
                        let top = if depth == 1 { k.as_str() } else { top };
                        stack.push((item, depth + 1, top));
                    }
                }
                _ => {}
            }
            if total > self.max_total_len {
                return fail(
                    top,
                    format!("more than {} bytes of text", self.max_total_len),
                );
            }
        }
        Ok(())
    }
}

/// The request a resource arrives with, which decides how mutability and `required` apply.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Context<'a> {
    /// A POST body (RFC 7644 §3.3). `readOnly` values are dropped; `readOnly` required attributes
    /// such as `id` are not required (the server assigns them).
    Create,
    /// A PUT body (RFC 7644 §3.5.1) replacing `existing`, the stored resource. `readOnly` values are
    /// dropped; an `immutable` attribute that `existing` has a value for must be given the same
    /// value or left out.
    Replace {
        /// The stored resource being replaced.
        existing: &'a Value,
    },
    /// The result of applying a PATCH (RFC 7644 §3.5.2) to `original`. Nothing is dropped: a
    /// `readOnly` or `immutable` attribute whose value differs from `original` (including removal)
    /// is an [`ErrorKind::Mutability`] failure.
    Patched {
        /// The resource before the PATCH.
        original: &'a Value,
    },
    /// A resource a server is about to return (or a client received). `readOnly` attributes are
    /// kept and required; a `writeOnly` or `returned: never` attribute (e.g. `password`) is an
    /// [`ErrorKind::Mutability`] failure, since RFC 7643 §2.2 says it is never returned.
    Response,
}

impl<'a> Context<'a> {
    fn previous(&self) -> Option<&'a Value> {
        match *self {
            Context::Replace { existing } => Some(existing),
            Context::Patched { original } => Some(original),
            _ => None,
        }
    }

    /// Client input whose readOnly values are ignored (RFC 7644 §3.3, §3.5.1).
    fn drops_read_only(&self) -> bool {
        matches!(self, Context::Create | Context::Replace { .. })
    }
}

/// What to do with an attribute or sub-attribute the schema does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnknownAttributes {
    /// An [`ErrorKind::UnknownAttribute`] failure (`invalidSyntax`). The default: RFC 7644 §3.3
    /// lets a server reject attributes it does not support, and silently losing data surprises.
    #[default]
    Error,
    /// Drop it from the validated resource.
    Drop,
}

/// What to do when more than one value of a multi-valued attribute has `"primary": true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PrimaryConflict {
    /// An [`ErrorKind::PrimaryNotUnique`] failure. The default: RFC 7643 §2.4 says the primary
    /// attribute value `true` MUST appear no more than once.
    #[default]
    Error,
    /// Keep the first value marked primary and set `primary` to `false` on the others (PingOne
    /// fills two emails with the same value, both primary: IDP-QUIRKS P2).
    KeepFirst,
}

/// The caller's store, asked whether a `uniqueness: server` or `global` value is already taken
/// (RFC 7643 §2.2 `uniqueness`).
///
/// The validator calls it only after every structural check has passed, once per value (each
/// element of a multi-valued attribute), with the value already canonicalised. A store that can
/// fail should remember its failure and let the caller report it after `validate` returns; an
/// asynchronous store checks uniqueness itself after validation instead.
///
/// ```
/// use scimkit_schema::validate::{Context, UniquenessCheck, Validator};
/// use scimkit_schema::{ErrorKind, Resolved, ResourceSchema};
/// use serde_json::{json, Value};
///
/// struct Taken(&'static str);
/// impl UniquenessCheck for Taken {
///     fn is_taken(&self, attr: &Resolved<'_>, value: &Value, _resource_id: Option<&str>) -> bool {
///         // userName is caseExact = false: compare case-insensitively.
///         attr.attribute.name == "userName"
///             && value.as_str().is_some_and(|v| v.eq_ignore_ascii_case(self.0))
///     }
/// }
///
/// let schema = ResourceSchema::user();
/// let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "BJensen"});
/// let err = Validator::new(&schema)
///     .uniqueness(&Taken("bjensen"))
///     .validate(&mut user, Context::Create)
///     .unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Uniqueness);
/// assert_eq!(err.status(), http::StatusCode::CONFLICT);
/// ```
pub trait UniquenessCheck {
    /// Whether `value` of the attribute `attribute` is used by a resource other than the one with
    /// id `resource_id` (`None` on create). Honour the attribute's `caseExact` when comparing.
    fn is_taken(&self, attribute: &Resolved<'_>, value: &Value, resource_id: Option<&str>) -> bool;
}

/// Validates resources of one [`ResourceSchema`]; configure it with the builder methods, then call
/// [`validate`](Validator::validate) as often as needed.
///
/// Every setter documents its default; the defaults are the RFC's rules (DESIGN principle 4), and
/// [`interop`](Validator::interop) switches on every tolerance for what identity providers send.
///
/// ```
/// use scimkit_schema::validate::{Context, UnknownAttributes, Validator};
/// use scimkit_schema::{ErrorKind, ResourceSchema};
/// use serde_json::json;
///
/// let schema = ResourceSchema::user();
/// let mut user = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "emails": [{"value": "a@example.com", "type": "pager"}, {"value": 7}],
///     "favouriteColour": "green"
/// });
/// let err = Validator::new(&schema)
///     .strict_canonical_values(true)
///     .validate(&mut user, Context::Create)
///     .unwrap_err();
/// let found: Vec<_> = err.failures().iter().map(|f| (f.path(), f.kind())).collect();
/// assert_eq!(found, [
///     ("emails[0].type", ErrorKind::CanonicalValue),
///     ("emails[1].value", ErrorKind::TypeMismatch),
///     ("favouriteColour", ErrorKind::UnknownAttribute),
///     ("userName", ErrorKind::RequiredMissing),
/// ]);
/// ```
#[derive(Clone, Copy)]
#[must_use]
pub struct Validator<'a> {
    schema: &'a ResourceSchema,
    coerce_strings: bool,
    strict_canonical_values: bool,
    unknown_attributes: UnknownAttributes,
    primary_conflict: PrimaryConflict,
    single_value_as_list: bool,
    foreign_schema_ids: bool,
    distinct_types: bool,
    limits: Limits,
    uniqueness: Option<&'a dyn UniquenessCheck>,
}

impl fmt::Debug for Validator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("schema", &self.schema.name())
            .field("coerce_strings", &self.coerce_strings)
            .field("strict_canonical_values", &self.strict_canonical_values)
            .field("unknown_attributes", &self.unknown_attributes)
            .field("primary_conflict", &self.primary_conflict)
            .field("single_value_as_list", &self.single_value_as_list)
            .field("foreign_schema_ids", &self.foreign_schema_ids)
            .field("distinct_types", &self.distinct_types)
            .field("limits", &self.limits)
            .field("uniqueness", &self.uniqueness.is_some())
            .finish()
    }
}

/// Validates `resource` with the default [`Validator`] for `schema`.
///
/// ```
/// use scimkit_schema::{validate, ResourceSchema};
/// let mut group = serde_json::json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour Guides"
/// });
/// validate::validate(&ResourceSchema::group(), &mut group, validate::Context::Create)?;
/// # Ok::<(), scimkit_schema::Error>(())
/// ```
///
/// # Errors
/// See [`Validator::validate`].
pub fn validate(
    schema: &ResourceSchema,
    resource: &mut Value,
    context: Context<'_>,
) -> Result<(), Error> {
    Validator::new(schema).validate(resource, context)
}

impl<'a> Validator<'a> {
    /// A validator with the RFC's rules for `schema`.
    pub fn new(schema: &'a ResourceSchema) -> Self {
        Validator {
            schema,
            coerce_strings: false,
            strict_canonical_values: false,
            unknown_attributes: UnknownAttributes::Error,
            primary_conflict: PrimaryConflict::Error,
            single_value_as_list: false,
            foreign_schema_ids: true,
            distinct_types: false,
            limits: Limits::DEFAULT,
            uniqueness: None,
        }
    }

    /// Every tolerance for real identity-provider traffic (DESIGN principle 4, IDP-QUIRKS):
    /// [`coerce_strings`](Self::coerce_strings), [`single_value_as_list`](Self::single_value_as_list),
    /// [`PrimaryConflict::KeepFirst`] and [`foreign_schema_ids`](Self::foreign_schema_ids). Each can
    /// be switched off again after this call.
    pub fn interop(self) -> Self {
        self.coerce_strings(true)
            .single_value_as_list(true)
            .primary_conflict(PrimaryConflict::KeepFirst)
            .foreign_schema_ids(true)
    }

    /// Turn strings into the schema's boolean, integer or decimal where they spell one
    /// (`"True"`, `"false"`, `"42"`, `"1.5"`), rewriting the value. Off by default: RFC 7643 §2.3
    /// types are JSON types. Entra sends string booleans (IDP-QUIRKS E2, E9).
    pub fn coerce_strings(mut self, on: bool) -> Self {
        self.coerce_strings = on;
        self
    }

    /// Reject string values outside an attribute's `canonicalValues` (honouring `caseExact`). Off by
    /// default: RFC 7643 §7 says a service provider MAY accept other values.
    pub fn strict_canonical_values(mut self, on: bool) -> Self {
        self.strict_canonical_values = on;
        self
    }

    /// What to do with attributes and sub-attributes the schema does not define; default
    /// [`UnknownAttributes::Error`].
    pub fn unknown_attributes(mut self, what: UnknownAttributes) -> Self {
        self.unknown_attributes = what;
        self
    }

    /// What to do with more than one `"primary": true`; default [`PrimaryConflict::Error`].
    pub fn primary_conflict(mut self, what: PrimaryConflict) -> Self {
        self.primary_conflict = what;
        self
    }

    /// Accept a single value (an object or scalar) for a multi-valued attribute and wrap it in an
    /// array. Off by default: RFC 7643 §2.4 represents multi-valued attributes as JSON arrays.
    pub fn single_value_as_list(mut self, on: bool) -> Self {
        self.single_value_as_list = on;
        self
    }

    /// Drop entries of `schemas` that are not URNs instead of failing. On by default: Entra sends
    /// `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group` beside the core
    /// URN on every Group create (IDP-QUIRKS E15); such an id cannot name a SCIM schema (RFC 7643
    /// §3: schema URIs are URNs), so dropping it loses nothing. Unknown `urn:` ids always fail.
    pub fn foreign_schema_ids(mut self, on: bool) -> Self {
        self.foreign_schema_ids = on;
        self
    }

    /// Require that no two values of a multi-valued complex attribute share a `type` (compared per
    /// the `type` sub-attribute's `caseExact`): one `work` email, one `home` email. Off by default;
    /// the RFC allows repeats, Entra maps one value per type (IDP-QUIRKS E21, P2).
    pub fn distinct_types(mut self, on: bool) -> Self {
        self.distinct_types = on;
        self
    }

    /// The size limits; default [`Limits::DEFAULT`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The store asked about `uniqueness: server|global` values; none by default (no check).
    pub fn uniqueness(mut self, store: &'a dyn UniquenessCheck) -> Self {
        self.uniqueness = Some(store);
        self
    }

    /// Validates `resource` for `context` and, when it passes, rewrites it in place: canonical
    /// names, `readOnly` input dropped (create/replace), coerced values (when enabled).
    ///
    /// # Errors
    /// Every failure found, in document order: [`ErrorKind::LimitExceeded`] alone when the input is
    /// over the [`Limits`]; otherwise structural failures (type, multiplicity, required, schemas,
    /// mutability, canonical values, primary, unknown attributes); the [`UniquenessCheck`] runs
    /// only when there are none. On error `resource` is unchanged.
    pub fn validate(&self, resource: &mut Value, context: Context<'_>) -> Result<(), Error> {
        self.limits.check(resource)?;
        let Some(object) = resource.as_object() else {
            return Err(Error::new(
                ErrorKind::Syntax,
                "",
                "a resource must be a JSON object",
            ));
        };
        let mut run = Run {
            v: self,
            ctx: context,
            failures: Vec::new(),
            unique: Vec::new(),
        };
        let out = run.resource(object);
        if let Some(e) = Error::from_failures(std::mem::take(&mut run.failures)) {
            return Err(e);
        }
        if let Some(store) = self.uniqueness {
            let own = match context {
                Context::Response => object.get("id"),
                _ => context
                    .previous()
                    .and_then(Value::as_object)
                    .and_then(|p| name::value(p, "id")),
            };
            let own = own.and_then(Value::as_str);
            for (attribute, path, value) in &run.unique {
                if store.is_taken(attribute, value, own) {
                    run.failures.push(Failure::new(
                        ErrorKind::Uniqueness,
                        path.clone(),
                        format!("value {} is already in use", short(value)),
                    ));
                }
            }
            if let Some(e) = Error::from_failures(run.failures) {
                return Err(e);
            }
        }
        *resource = Value::Object(out);
        Ok(())
    }
}

/// Where an attribute sits: which schema, and the parent for sub-attributes.
#[derive(Clone, Copy)]
struct Owner<'a> {
    schema: &'a Schema,
    is_extension: bool,
    parent: Option<&'a Attribute>,
}

struct Run<'a, 'c> {
    v: &'c Validator<'a>,
    ctx: Context<'c>,
    failures: Vec<Failure>,
    /// Values to ask the uniqueness store about once the structure is known to be sound.
    unique: Vec<(Resolved<'a>, String, Value)>,
}

impl<'a> Run<'a, '_> {
    fn fail(&mut self, kind: ErrorKind, path: impl Into<String>, detail: impl Into<String>) {
        self.failures.push(Failure::new(kind, path, detail));
    }

    /// The whole resource: common and core attributes at the top, extension attributes under their
    /// URN (RFC 7643 §3), then `schemas`, `required` and extension checks.
    fn resource(&mut self, input: &Map<String, Value>) -> Map<String, Value> {
        let schema: &'a ResourceSchema = self.v.schema;
        let prev = self.ctx.previous().and_then(Value::as_object);
        let core = Owner {
            schema: schema.core(),
            is_extension: false,
            parent: None,
        };
        let mut out = Map::new();
        let mut schemas: Option<&Value> = None;
        let mut seen_attrs: Vec<&'a str> = Vec::new();
        let mut seen_exts: Vec<usize> = Vec::new();
        for (key, value) in input {
            if name::eq(key, "schemas") {
                if schemas.replace(value).is_some() {
                    self.fail(
                        ErrorKind::Syntax,
                        "schemas",
                        "`schemas` is given more than once",
                    );
                }
                // Placeholder keeps `schemas` where the client put it; filled in below.
                out.insert("schemas".to_owned(), Value::Null);
                continue;
            }
            if let Some(i) = schema.extensions().iter().position(|e| e.schema.is(key)) {
                let ext = &schema.extensions()[i].schema;
                if seen_exts.contains(&i) {
                    self.fail(
                        ErrorKind::Syntax,
                        ext.id.as_str(),
                        "extension given more than once (URNs are case-insensitive)",
                    );
                    continue;
                }
                seen_exts.push(i);
                let owner = Owner {
                    schema: ext,
                    is_extension: true,
                    parent: None,
                };
                let prev_ext = prev
                    .and_then(|p| name::value(p, &ext.id))
                    .and_then(Value::as_object);
                match value {
                    Value::Object(members) => {
                        let prefix = format!("{}:", ext.id);
                        let m = self.members(&ext.attributes, members, &prefix, prev_ext, owner);
                        out.insert(ext.id.clone(), Value::Object(m));
                    }
                    // RFC 7643 §2.5: null is "unassigned"; keep it for the store to interpret.
                    Value::Null => {
                        out.insert(ext.id.clone(), Value::Null);
                    }
                    other => self.fail(
                        ErrorKind::TypeMismatch,
                        ext.id.as_str(),
                        format!(
                            "an extension's attributes must be a JSON object, not {}",
                            json_type(other)
                        ),
                    ),
                }
                continue;
            }
            let attr = common::attributes()
                .iter()
                .find(|a| name::eq(&a.name, key))
                .or_else(|| schema.core().attribute(key));
            match attr {
                Some(attr) => {
                    if seen_attrs.contains(&attr.name.as_str()) {
                        self.fail(
                            ErrorKind::Syntax,
                            attr.name.as_str(),
                            "attribute given more than once (names are case-insensitive)",
                        );
                        continue;
                    }
                    seen_attrs.push(&attr.name);
                    let p = prev.and_then(|p| name::value(p, &attr.name));
                    if let Some(v) = self.attribute(attr, value, &attr.name, p, core) {
                        out.insert(attr.name.clone(), v);
                    }
                }
                None => self.unknown_top_level(key),
            }
        }
        let top: Vec<&'a Attribute> = common::attributes()
            .iter()
            .filter(|a| a.name != "schemas")
            .chain(schema.core().attributes.iter())
            .collect();
        self.finish(top, &out, input, "", prev);
        self.schemas(schemas, &mut out, &seen_exts);
        for ext in schema.extensions() {
            let present = out.get(&ext.schema.id).is_some_and(is_assigned);
            if ext.required && !present {
                self.fail(
                    ErrorKind::ExtensionRequired,
                    ext.schema.id.as_str(),
                    "this resource type requires the extension (RFC 7643 §6)",
                );
            }
        }
        out
    }

    fn unknown_top_level(&mut self, key: &str) {
        if self.v.unknown_attributes == UnknownAttributes::Drop {
            return;
        }
        let schema = self.v.schema;
        let detail = if is_urn(key) {
            format!(
                "unknown schema extension `{key}` for resource type `{}`",
                schema.name()
            )
        } else if let Some(ext) = schema
            .extensions()
            .iter()
            .find(|e| e.schema.attribute(key).is_some())
        {
            format!(
                "unknown attribute `{key}`; the extension attribute belongs under `{}`",
                ext.schema.id
            )
        } else {
            format!(
                "unknown attribute `{key}` for resource type `{}`",
                schema.name()
            )
        };
        self.fail(ErrorKind::UnknownAttribute, key, detail);
    }

    /// `schemas` (RFC 7643 §3): an array of URNs naming the core schema and every extension whose
    /// attributes are present; rewritten with canonical spellings, duplicates removed.
    fn schemas(
        &mut self,
        given: Option<&Value>,
        out: &mut Map<String, Value>,
        present_exts: &[usize],
    ) {
        let schema = self.v.schema;
        let Some(given) = given else {
            self.fail(
                ErrorKind::SchemasInvalid,
                "schemas",
                "required attribute `schemas` is missing (RFC 7643 §3)",
            );
            return;
        };
        let Value::Array(items) = given else {
            self.fail(
                ErrorKind::SchemasInvalid,
                "schemas",
                format!("must be an array of schema URNs, not {}", json_type(given)),
            );
            return;
        };
        let mut canonical: Vec<Value> = Vec::with_capacity(items.len());
        let mut has_core = false;
        for (i, item) in items.iter().enumerate() {
            let Some(urn) = item.as_str() else {
                self.fail(
                    ErrorKind::SchemasInvalid,
                    format!("schemas[{i}]"),
                    format!("must be a schema URN string, not {}", json_type(item)),
                );
                continue;
            };
            let id = match schema.schema(urn) {
                Some((s, is_ext)) => {
                    has_core |= !is_ext;
                    s.id.as_str()
                }
                None if self.v.foreign_schema_ids && !is_urn(urn) => continue,
                None => {
                    self.fail(
                        ErrorKind::SchemasInvalid,
                        format!("schemas[{i}]"),
                        format!(
                            "unknown schema `{urn}` for resource type `{}`",
                            schema.name()
                        ),
                    );
                    continue;
                }
            };
            if !canonical.iter().any(|c| c.as_str() == Some(id)) {
                canonical.push(Value::String(id.to_owned()));
            }
        }
        if !has_core {
            self.fail(
                ErrorKind::SchemasInvalid,
                "schemas",
                format!("must contain the core schema `{}`", schema.core().id),
            );
        }
        for &i in present_exts {
            let id = &schema.extensions()[i].schema.id;
            let has_values = out.get(id).is_some_and(is_assigned);
            if has_values && !canonical.iter().any(|c| c.as_str() == Some(id)) {
                self.fail(
                    ErrorKind::SchemasInvalid,
                    "schemas",
                    format!("the resource has `{id}` attributes but `schemas` does not list it"),
                );
            }
        }
        out.insert("schemas".to_owned(), Value::Array(canonical));
    }

    /// The members of an object whose definitions are `attrs`: a complex value's sub-attributes or
    /// an extension's attributes. `prefix` is the path up to the member name.
    fn members(
        &mut self,
        attrs: &'a [Attribute],
        input: &Map<String, Value>,
        prefix: &str,
        prev: Option<&Map<String, Value>>,
        owner: Owner<'a>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        let mut seen: Vec<&'a str> = Vec::new();
        for (key, value) in input {
            match attrs.iter().find(|a| name::eq(&a.name, key)) {
                Some(attr) => {
                    let path = format!("{prefix}{}", attr.name);
                    if seen.contains(&attr.name.as_str()) {
                        self.fail(
                            ErrorKind::Syntax,
                            path,
                            "attribute given more than once (names are case-insensitive)",
                        );
                        continue;
                    }
                    seen.push(&attr.name);
                    let p = prev.and_then(|p| name::value(p, &attr.name));
                    if let Some(v) = self.attribute(attr, value, &path, p, owner) {
                        out.insert(attr.name.clone(), v);
                    }
                }
                None => {
                    if self.v.unknown_attributes == UnknownAttributes::Error {
                        let detail = match owner.parent {
                            Some(parent) => {
                                format!("unknown sub-attribute `{key}` of `{}`", parent.name)
                            }
                            None => format!("unknown attribute `{key}` of `{}`", owner.schema.id),
                        };
                        self.fail(
                            ErrorKind::UnknownAttribute,
                            format!("{prefix}{key}"),
                            detail,
                        );
                    }
                }
            }
        }
        self.finish(attrs.iter().collect(), &out, input, prefix, prev);
        out
    }

    /// After the members of one object: `required` (RFC 7643 §2.2; the server assigns readOnly
    /// required attributes such as `id`, so clients need not send them) and, for a PATCH result,
    /// removal of readOnly or immutable values.
    fn finish(
        &mut self,
        attrs: Vec<&'a Attribute>,
        out: &Map<String, Value>,
        input: &Map<String, Value>,
        prefix: &str,
        prev: Option<&Map<String, Value>>,
    ) {
        let client = !matches!(self.ctx, Context::Response);
        for attr in attrs {
            // A value that was given but failed its own checks is already reported.
            if attr.required
                && (!client || attr.mutability != Mutability::ReadOnly)
                && !out.get(&attr.name).is_some_and(is_assigned)
                && !name::value(input, &attr.name).is_some_and(is_assigned)
            {
                self.fail(
                    ErrorKind::RequiredMissing,
                    format!("{prefix}{}", attr.name),
                    "required attribute is missing",
                );
            }
            if let (Context::Patched { .. }, Some(prev)) = (self.ctx, prev) {
                let guarded = matches!(
                    attr.mutability,
                    Mutability::ReadOnly | Mutability::Immutable
                );
                if guarded
                    && name::value(prev, &attr.name).is_some_and(is_assigned)
                    && name::value(input, &attr.name).is_none()
                {
                    self.fail(
                        ErrorKind::Mutability,
                        format!("{prefix}{}", attr.name),
                        format!(
                            "{} attribute cannot be removed",
                            mutability_name(attr.mutability)
                        ),
                    );
                }
            }
        }
    }

    /// One attribute's value (single- or multi-valued); `None` when it is dropped or failed.
    fn attribute(
        &mut self,
        attr: &'a Attribute,
        value: &Value,
        path: &str,
        prev: Option<&Value>,
        owner: Owner<'a>,
    ) -> Option<Value> {
        match (attr.mutability, self.ctx) {
            // RFC 7644 §3.3, §3.5.1: readOnly values provided by the client SHALL be ignored.
            (Mutability::ReadOnly, ctx) if ctx.drops_read_only() => return None,
            (m, Context::Response)
                if m == Mutability::WriteOnly || attr.returned == Returned::Never =>
            {
                self.fail(
                    ErrorKind::Mutability,
                    path,
                    "attribute is never returned (RFC 7643 §2.2 writeOnly / returned: never)",
                );
            }
            _ => {}
        }
        let out = if value.is_null() {
            // RFC 7643 §2.5: null is equivalent to "unassigned".
            Value::Null
        } else if attr.multi_valued {
            self.multi(attr, value, path, owner)?
        } else if value.is_array() {
            self.fail(
                ErrorKind::Multiplicity,
                path,
                "single-valued attribute given an array",
            );
            return None;
        } else {
            self.single(attr, value, path, prev, owner)?
        };
        if self.ctx.previous().is_some() {
            let changed = || !same(attr, prev.unwrap_or(&Value::Null), &out);
            match (attr.mutability, self.ctx) {
                // RFC 7644 §3.5.1 immutable: "If one or more values are already set for the
                // attribute, the input value(s) MUST match".
                (Mutability::Immutable, _) if prev.is_some_and(is_assigned) && changed() => {
                    self.fail(
                        ErrorKind::Mutability,
                        path,
                        "immutable attribute already has a different value",
                    );
                }
                // RFC 7644 §3.5.2: a PATCH cannot modify a readOnly attribute.
                (Mutability::ReadOnly, Context::Patched { .. }) if changed() => {
                    self.fail(
                        ErrorKind::Mutability,
                        path,
                        "readOnly attribute cannot be modified",
                    );
                }
                _ => {}
            }
        }
        if attr.uniqueness != Uniqueness::None && !out.is_null() {
            let resolved = Resolved {
                schema: owner.schema,
                is_extension: owner.is_extension,
                attribute: owner.parent.unwrap_or(attr),
                sub_attribute: owner.parent.map(|_| attr),
            };
            match &out {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.unique
                            .push((resolved, format!("{path}[{i}]"), item.clone()));
                    }
                }
                v => self.unique.push((resolved, path.to_owned(), v.clone())),
            }
        }
        Some(out)
    }

    /// A multi-valued attribute: an array of values (RFC 7643 §2.4), then the `primary` and
    /// `type` rules across its values.
    fn multi(
        &mut self,
        attr: &'a Attribute,
        value: &Value,
        path: &str,
        owner: Owner<'a>,
    ) -> Option<Value> {
        let single;
        let items: &[Value] = match value {
            Value::Array(items) => items,
            other if self.v.single_value_as_list => {
                single = [other.clone()];
                &single
            }
            other => {
                self.fail(
                    ErrorKind::Multiplicity,
                    path,
                    format!(
                        "multi-valued attribute must be an array, not {}",
                        json_type(other)
                    ),
                );
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if item.is_null() || item.is_array() {
                self.fail(
                    ErrorKind::TypeMismatch,
                    p,
                    format!(
                        "a value of a multi-valued attribute cannot be {}",
                        json_type(item)
                    ),
                );
                ok = false;
                continue;
            }
            // Values of a multi-valued attribute have no identity to compare an earlier value
            // with, so immutable sub-attributes (e.g. Group `members.value`) are not compared.
            match self.single(attr, item, &p, None, owner) {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        if ok && attr.is_complex() {
            self.primary(attr, &mut out, path);
            if self.v.distinct_types {
                self.distinct_types(attr, &out, path);
            }
        }
        Some(Value::Array(out))
    }

    /// RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once."
    fn primary(&mut self, attr: &Attribute, values: &mut [Value], path: &str) {
        if attr.sub_attribute("primary").is_none() {
            return;
        }
        let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
        let count = values.iter().filter(|v| is_primary(v)).count();
        if count <= 1 {
            return;
        }
        match self.v.primary_conflict {
            PrimaryConflict::Error => self.fail(
                ErrorKind::PrimaryNotUnique,
                path,
                format!("{count} values have `primary: true`; at most one may (RFC 7643 §2.4)"),
            ),
            PrimaryConflict::KeepFirst => {
                for v in values.iter_mut().filter(|v| is_primary(v)).skip(1) {
                    if let Some(p) = v.get_mut("primary") {
                        *p = Value::Bool(false);
                    }
                }
            }
        }
    }

    fn distinct_types(&mut self, attr: &Attribute, values: &[Value], path: &str) {
        let Some(type_attr) = attr.sub_attribute("type") else {
            return;
        };
        let types: Vec<Option<&str>> = values
            .iter()
            .map(|v| v.get("type").and_then(Value::as_str))
            .collect();
        for (i, t) in types.iter().enumerate() {
            let Some(t) = t else { continue };
            let dup = types[..i].iter().flatten().any(|u| {
                if type_attr.case_exact {
                    u == t
                } else {
                    u.to_lowercase() == t.to_lowercase()
                }
            });
            if dup {
                self.fail(
                    ErrorKind::TypeDuplicate,
                    format!("{path}[{i}].type"),
                    format!("another value already has type `{t}`"),
                );
            }
        }
    }

    /// One value of an attribute: a complex object or a simple value.
    fn single(
        &mut self,
        attr: &'a Attribute,
        value: &Value,
        path: &str,
        prev: Option<&Value>,
        owner: Owner<'a>,
    ) -> Option<Value> {
        if !attr.is_complex() {
            return self.simple(attr, value, path);
        }
        let Value::Object(members) = value else {
            self.fail(
                ErrorKind::TypeMismatch,
                path,
                format!(
                    "expected a complex value (object), not {}",
                    json_type(value)
                ),
            );
            return None;
        };
        if owner.parent.is_some() {
            // A complex sub-attribute cannot exist (RFC 7643 §2.3.8, checked by
            // ResourceSchema::new); keep the value as it is rather than descend further.
            return Some(value.clone());
        }
        let prev = prev.and_then(Value::as_object);
        let sub_owner = Owner {
            parent: Some(attr),
            ..owner
        };
        let prefix = format!("{path}.");
        let m = self.members(&attr.sub_attributes, members, &prefix, prev, sub_owner);
        Some(Value::Object(m))
    }

    /// A simple value: the RFC 7643 §2.3 type check, optional coercion, canonicalValues.
    fn simple(&mut self, attr: &Attribute, value: &Value, path: &str) -> Option<Value> {
        let mut out = None;
        if !has_type(attr.type_, value) {
            if let (true, Some(s)) = (self.v.coerce_strings, value.as_str()) {
                out = coerce(attr.type_, s);
            }
            if out.is_none() {
                self.fail(
                    ErrorKind::TypeMismatch,
                    path,
                    format!(
                        "expected {}, not {}",
                        describe(attr.type_),
                        json_type(value)
                    ),
                );
                return None;
            }
        }
        let out = out.unwrap_or_else(|| value.clone());
        if self.v.strict_canonical_values && attr.type_ == AttributeType::String {
            if let Some(s) = out.as_str() {
                if !attr.is_canonical_value(s) {
                    self.fail(
                        ErrorKind::CanonicalValue,
                        path,
                        format!(
                            "`{}` is not one of {}",
                            truncate(s),
                            attr.canonical_values
                                .iter()
                                .map(|c| format!("`{c}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }
}

/// Whether `value` has the JSON shape of `type_` (RFC 7643 §2.3).
fn has_type(type_: AttributeType, value: &Value) -> bool {
    match type_ {
        AttributeType::String | AttributeType::Reference => value.is_string(),
        AttributeType::Boolean => value.is_boolean(),
        // §2.3.3: a decimal has a fractional part, but an integer is a decimal number too.
        AttributeType::Decimal => value.is_number(),
        // §2.3.4: "a decimal number with no fractional component".
        AttributeType::Integer => value.is_i64() || value.is_u64(),
        AttributeType::DateTime => value.as_str().and_then(datetime::parse).is_some(),
        AttributeType::Binary => value.as_str().is_some_and(is_base64),
        AttributeType::Complex => value.is_object(),
    }
}

/// The opt-in string coercion (Entra E2/E9): `"True"` → `true`, `"42"` → `42`, `"1.5"` → `1.5`.
fn coerce(type_: AttributeType, s: &str) -> Option<Value> {
    let s = s.trim();
    match type_ {
        AttributeType::Boolean if s.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
        AttributeType::Boolean if s.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
        AttributeType::Integer => s.parse::<i64>().ok().map(Value::from),
        AttributeType::Decimal => match s.parse::<i64>() {
            Ok(i) => Some(Value::from(i)),
            // from_f64 refuses NaN and infinities ("inf" parses as an f64).
            Err(_) => s
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number),
        },
        _ => None,
    }
}

/// RFC 7643 §2.3.6: base64 per RFC 4648 §4, or base64url (§5) where URL safety is needed; padding
/// optional.
fn is_base64(s: &str) -> bool {
    use base64::alphabet::{STANDARD, URL_SAFE};
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine as _;
    // Padding may be present or not; bits after the last full byte are not checked (RFC 4648
    // §3.5 lets a decoder ignore them, and IdPs' encoders do not all clear them).
    const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const BASE64: GeneralPurpose = GeneralPurpose::new(&STANDARD, CONFIG);
    const BASE64URL: GeneralPurpose = GeneralPurpose::new(&URL_SAFE, CONFIG);
    // Padding, when present, completes the last quantum (`TQ==`, never `TQ=`).
    let padding_complete = !s.ends_with('=') || s.len().is_multiple_of(4);
    padding_complete && (BASE64.decode(s).is_ok() || BASE64URL.decode(s).is_ok())
}

/// Whether a value counts as assigned: RFC 7643 §2.5 treats null and an empty array as unassigned.
fn is_assigned(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// Whether two values of `attr` are the same by the schema's rules (caseExact, numbers by value,
/// multi-valued as a set, complex by sub-attribute). Descends only as deep as the schema, so it is
/// bounded whatever the values.
fn same(attr: &Attribute, a: &Value, b: &Value) -> bool {
    if !is_assigned(a) && !is_assigned(b) {
        return true;
    }
    match (a, b) {
        (Value::Array(x), Value::Array(y)) if attr.multi_valued => {
            if x.len() != y.len() {
                return false;
            }
            let one = |u: &Value, v: &Value| same_single(attr, u, v);
            if x.len() > 256 {
                // Order-insensitive comparison is quadratic; large arrays compare in order.
                return x.iter().zip(y).all(|(u, v)| one(u, v));
            }
            x.iter().all(|u| y.iter().any(|v| one(u, v)))
                && y.iter().all(|v| x.iter().any(|u| one(u, v)))
        }
        _ => same_single(attr, a, b),
    }
}

fn same_single(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if attr.is_complex() => {
            attr.sub_attributes.iter().all(|sub| {
                let u = name::value(x, &sub.name).unwrap_or(&Value::Null);
                let v = name::value(y, &sub.name).unwrap_or(&Value::Null);
                // Sub-attributes are never complex (§2.3.8, checked by ResourceSchema::new), so
                // the recursion ends one level down.
                same(sub, u, v)
            })
        }
        (Value::String(x), Value::String(y)) => {
            if attr.case_exact {
                x == y
            } else {
                x == y || x.to_lowercase() == y.to_lowercase()
            }
        }
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Object(_), _)
        | (Value::Array(_), _)
        | (_, Value::Object(_))
        | (_, Value::Array(_)) => false,
        _ => a == b,
    }
}

fn is_urn(s: &str) -> bool {
    // Bytes, not `&s[..4]`: the fourth byte may be inside a multi-byte character.
    s.as_bytes()
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"urn:"))
}

fn mutability_name(m: Mutability) -> &'static str {
    match m {
        Mutability::ReadOnly => "readOnly",
        Mutability::ReadWrite => "readWrite",
        Mutability::Immutable => "immutable",
        Mutability::WriteOnly => "writeOnly",
    }
}

fn describe(t: AttributeType) -> &'static str {
    match t {
        AttributeType::String => "a string",
        AttributeType::Boolean => "a boolean",
        AttributeType::Decimal => "a decimal number",
        AttributeType::Integer => "an integer",
        AttributeType::DateTime => "an xsd:dateTime string (e.g. `2008-01-23T04:56:22Z`)",
        AttributeType::Binary => "a base64 string",
        AttributeType::Reference => "a reference (URI string)",
        AttributeType::Complex => "a complex value (object)",
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number with a fraction",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value for an error detail, cut short (details end up in responses and logs).
fn short(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{}`", truncate(s)),
        Value::Object(_) | Value::Array(_) => json_type(v).to_owned(),
        other => format!("`{other}`"),
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_accepts_rfc_4648_sections_4_and_5() {
        for ok in ["", "TWFu", "TWE=", "TQ==", "TWE", "-_-_", "ab+/", "TWF"] {
            assert!(is_base64(ok), "{ok}");
        }
        // One alphabet per value: `+` and `_` together are neither encoding.
        for bad in ["T", "TQ=", "T===", "a b=", "TW=E", "é", "a+b_"] {
            assert!(!is_base64(bad), "{bad}");
        }
    }

    /// Found by `fuzz/fuzz_targets/messages.rs` (corpus `regress-schemas-multibyte`): a schema id
    /// with a multi-byte character across byte 4 panicked when sliced.
    #[test]
    fn is_urn_on_multibyte_text() {
        assert!(is_urn("URN:x"));
        assert!(!is_urn("urn\u{256}etf:params"));
        assert!(!is_urn("ur\u{e9}"));
        assert!(!is_urn("urn"));
        let schema = crate::ResourceSchema::user();
        let mut user = json!({"schemas": ["urn\u{256}etf:params:scim:api:messages:2.0:PatchOp"], "userName": "x"});
        assert!(Validator::new(&schema)
            .validate(&mut user, Context::Create)
            .is_err());
        let _ = schema.split_path("urn\u{256}etf:x");
    }

    #[test]
    fn coercion_covers_the_entra_spellings_only() {
        assert_eq!(coerce(AttributeType::Boolean, "True"), Some(json!(true)));
        assert_eq!(coerce(AttributeType::Boolean, "FALSE"), Some(json!(false)));
        assert_eq!(coerce(AttributeType::Boolean, "yes"), None);
        assert_eq!(coerce(AttributeType::Integer, "42"), Some(json!(42)));
        assert_eq!(coerce(AttributeType::Integer, "4.2"), None);
        assert_eq!(coerce(AttributeType::Decimal, "1.5"), Some(json!(1.5)));
        assert_eq!(coerce(AttributeType::Decimal, "inf"), None);
        assert_eq!(coerce(AttributeType::Decimal, "NaN"), None);
        assert_eq!(coerce(AttributeType::String, "x"), None);
    }

    #[test]
    fn types_follow_rfc_7643_section_2_3() {
        assert!(has_type(AttributeType::Decimal, &json!(1)));
        assert!(has_type(AttributeType::Decimal, &json!(1.5)));
        assert!(!has_type(AttributeType::Integer, &json!(1.5)));
        assert!(has_type(AttributeType::Integer, &json!(u64::MAX)));
        assert!(has_type(
            AttributeType::DateTime,
            &json!("2008-01-23T04:56:22Z")
        ));
        assert!(!has_type(AttributeType::DateTime, &json!("2008-01-23")));
        assert!(!has_type(AttributeType::Boolean, &json!("true")));
    }

    #[test]
    fn limits_count_depth_from_the_resource() {
        let l = Limits {
            max_depth: 2,
            ..Limits::default()
        };
        assert!(l.check(&json!({"a": [1]})).is_ok());
        let e = l.check(&json!({"a": [[1]]})).unwrap_err();
        assert_eq!(
            (e.kind(), e.failures()[0].path()),
            (ErrorKind::LimitExceeded, "a")
        );
    }

    #[test]
    fn same_respects_case_exact_and_sets() {
        let emails = crate::ResourceSchema::user();
        let emails = emails.resolve(None, "emails", None).unwrap().attribute;
        let a = json!([{"value": "A@x.com"}, {"value": "b@x.com"}]);
        let b = json!([{"value": "b@x.com"}, {"value": "a@x.com"}]);
        assert!(same(emails, &a, &b));
        let id = &common::attributes()[1];
        assert!(!same(id, &json!("ABC"), &json!("abc")));
    }
}
