//! The walk: a resource against its schema, top level, extensions, attributes, values and
//! sub-attributes, collecting every failure and building the canonical form.

use serde_json::{Map, Value};

use super::messages::{describe, json_type, mutability_name, short};
use super::options::{Context, PrimaryConflict, UnknownAttributes, Validator};
use super::types::{coerce, has_type, is_assigned, is_urn, same};
use crate::{
    common, name, Attribute, AttributeType, Error, ErrorKind, Failure, Mutability, Resolved,
    ResourceSchema, Returned, Schema, Uniqueness,
};

impl<'a> Validator<'a> {
    /// Validates `resource` for `context` and, when it passes, rewrites it in place: canonical
    /// names, `readOnly` input dropped (create/replace), coerced values (when enabled).
    ///
    /// # Errors
    /// Every failure found, in document order: [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) alone when the input is
    /// over the [`Limits`](super::Limits); otherwise structural failures (type, multiplicity, required, schemas,
    /// mutability, canonical values, primary, unknown attributes); the [`UniquenessCheck`](super::UniquenessCheck) runs
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
        let mut run = Run::new(self, context);
        let out = run.resource(object);
        run.verdict(own_id(context, object))?;
        *resource = Value::Object(out);
        Ok(())
    }
}

/// The attributes at the top level of a resource besides `schemas`: the common ones (RFC 7643
/// §3.1), then the core schema's.
pub(super) fn top_level(schema: &ResourceSchema) -> impl Iterator<Item = &Attribute> {
    common::attributes()
        .iter()
        .filter(|a| a.name != "schemas")
        .chain(schema.core().attributes.iter())
}

/// Whether a validated value of a multi-valued attribute is the primary one.
pub(super) fn is_primary(v: &Value) -> bool {
    v.get("primary") == Some(&Value::Bool(true))
}

/// The `type` of a validated value of a multi-valued attribute.
pub(super) fn type_of(v: &Value) -> Option<&str> {
    v.get("type").and_then(Value::as_str)
}

/// What the uniqueness store is told about attribute `attr` owned by `owner`.
fn resolved<'a>(attr: &'a Attribute, owner: Owner<'a>) -> Resolved<'a> {
    Resolved {
        schema: owner.schema,
        is_extension: owner.is_extension,
        attribute: owner.parent.unwrap_or(attr),
        sub_attribute: owner.parent.map(|_| attr),
    }
}

/// The id the uniqueness store must not count as another resource: the resource's own in a
/// response, else the stored one's (`None` on create).
pub(super) fn own_id<'v>(
    context: Context<'v>,
    resource: &'v Map<String, Value>,
) -> Option<&'v str> {
    let own = match context {
        Context::Response => resource.get("id"),
        _ => context
            .previous()
            .and_then(Value::as_object)
            .and_then(|p| name::value(p, "id")),
    };
    own.and_then(Value::as_str)
}

/// Where an attribute sits: which schema, and the parent for sub-attributes.
#[derive(Clone, Copy)]
pub(super) struct Owner<'a> {
    pub(super) schema: &'a Schema,
    pub(super) is_extension: bool,
    pub(super) parent: Option<&'a Attribute>,
}

impl<'a> Owner<'a> {
    /// The owner of the top-level attributes: the core schema.
    pub(super) fn core(schema: &'a ResourceSchema) -> Owner<'a> {
        Owner {
            schema: schema.core(),
            is_extension: false,
            parent: None,
        }
    }

    /// The owner of an extension's attributes.
    pub(super) fn extension(schema: &'a Schema) -> Owner<'a> {
        Owner {
            schema,
            is_extension: true,
            parent: None,
        }
    }
}

/// One validation: the failures found so far and the values to ask the uniqueness store about.
pub(super) struct Run<'a, 'c> {
    pub(super) v: &'c Validator<'a>,
    pub(super) ctx: Context<'c>,
    failures: Vec<Failure>,
    /// Values to ask the uniqueness store about once the structure is known to be sound.
    unique: Vec<(Resolved<'a>, String, Value)>,
}

impl<'a, 'c> Run<'a, 'c> {
    pub(super) fn new(v: &'c Validator<'a>, ctx: Context<'c>) -> Self {
        Run {
            v,
            ctx,
            failures: Vec::new(),
            unique: Vec::new(),
        }
    }

    /// The outcome: every structural failure; when there is none, the uniqueness store's answers
    /// for the values collected (`own` is the resource's id, `None` on create).
    pub(super) fn verdict(mut self, own: Option<&str>) -> Result<(), Error> {
        if let Some(e) = Error::from_failures(std::mem::take(&mut self.failures)) {
            return Err(e);
        }
        if let Some(store) = self.v.uniqueness {
            for (attribute, path, value) in &self.unique {
                if store.is_taken(attribute, value, own) {
                    self.failures.push(Failure::new(
                        ErrorKind::Uniqueness,
                        path.clone(),
                        format!("value {} is already in use", short(value)),
                    ));
                }
            }
            if let Some(e) = Error::from_failures(self.failures) {
                return Err(e);
            }
        }
        Ok(())
    }
}

impl<'a> Run<'a, '_> {
    pub(super) fn fail(
        &mut self,
        kind: ErrorKind,
        path: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.failures.push(Failure::new(kind, path, detail));
    }

    /// The whole resource: common and core attributes at the top, extension attributes under their
    /// URN (RFC 7643 §3), then `schemas`, `required` and extension checks.
    fn resource(&mut self, input: &Map<String, Value>) -> Map<String, Value> {
        let schema: &'a ResourceSchema = self.v.schema;
        let prev = self.ctx.previous().and_then(Value::as_object);
        let core = Owner::core(schema);
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
                if let Some(v) = self.extension(i, value, prev) {
                    out.insert(ext.id.clone(), v);
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
        self.finish(top_level(schema).collect(), &out, input, "", prev);
        let with_values: Vec<usize> = seen_exts
            .iter()
            .copied()
            .filter(|&i| {
                out.get(&schema.extensions()[i].schema.id)
                    .is_some_and(is_assigned)
            })
            .collect();
        if let Some(list) = self.schemas(schemas, &with_values) {
            out.insert("schemas".to_owned(), Value::Array(list));
        }
        self.extensions_required(&with_values);
        out
    }

    /// An extension's value (RFC 7643 §3.3): an object of its attributes, or null (unassigned);
    /// `None` when it is neither.
    pub(super) fn extension(
        &mut self,
        i: usize,
        value: &Value,
        prev: Option<&Map<String, Value>>,
    ) -> Option<Value> {
        let ext: &'a Schema = &self.v.schema.extensions()[i].schema;
        let prev_ext = prev
            .and_then(|p| name::value(p, &ext.id))
            .and_then(Value::as_object);
        match value {
            Value::Object(members) => {
                let prefix = format!("{}:", ext.id);
                let m = self.members(
                    &ext.attributes,
                    members,
                    &prefix,
                    prev_ext,
                    Owner::extension(ext),
                );
                Some(Value::Object(m))
            }
            // RFC 7643 §2.5: null is "unassigned"; keep it for the store to interpret.
            Value::Null => Some(Value::Null),
            other => {
                self.fail(
                    ErrorKind::TypeMismatch,
                    ext.id.as_str(),
                    format!(
                        "an extension's attributes must be a JSON object, not {}",
                        json_type(other)
                    ),
                );
                None
            }
        }
    }

    /// RFC 7643 §6: a resource type may require an extension; `with_values` are the extensions
    /// (by index) that have values.
    pub(super) fn extensions_required(&mut self, with_values: &[usize]) {
        for (i, ext) in self.v.schema.extensions().iter().enumerate() {
            if ext.required && !with_values.contains(&i) {
                self.fail(
                    ErrorKind::ExtensionRequired,
                    ext.schema.id.as_str(),
                    "this resource type requires the extension (RFC 7643 §6)",
                );
            }
        }
    }

    pub(super) fn unknown_top_level(&mut self, key: &str) {
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
    /// attributes are present (`with_values`, by index); the canonical list (canonical spellings,
    /// duplicates removed), `None` when it is not an array.
    pub(super) fn schemas(
        &mut self,
        given: Option<&Value>,
        with_values: &[usize],
    ) -> Option<Vec<Value>> {
        let schema = self.v.schema;
        let Some(given) = given else {
            self.fail(
                ErrorKind::SchemasInvalid,
                "schemas",
                "required attribute `schemas` is missing (RFC 7643 §3)",
            );
            return None;
        };
        let Value::Array(items) = given else {
            self.fail(
                ErrorKind::SchemasInvalid,
                "schemas",
                format!("must be an array of schema URNs, not {}", json_type(given)),
            );
            return None;
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
        for &i in with_values {
            let id = &schema.extensions()[i].schema.id;
            if !canonical.iter().any(|c| c.as_str() == Some(id)) {
                self.fail(
                    ErrorKind::SchemasInvalid,
                    "schemas",
                    format!("the resource has `{id}` attributes but `schemas` does not list it"),
                );
            }
        }
        Some(canonical)
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
    pub(super) fn finish(
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
    pub(super) fn attribute(
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
        // A value of a multi-valued attribute has no identity to compare an earlier value with
        // (RFC 7643 §2.4), so its sub-attributes are not compared: the attribute as a whole is
        // (a readOnly `groups` cannot change, but its readOnly `groups[0].value` is no change).
        let in_element = owner.parent.is_some_and(|p| p.multi_valued);
        if self.ctx.previous().is_some() && !in_element {
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
            match &out {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.unique_element(attr, owner, path, i, item);
                    }
                }
                v => {
                    let resolved = resolved(attr, owner);
                    self.unique.push((resolved, path.to_owned(), v.clone()));
                }
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
            match self.element(attr, item, path, i, owner) {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        if ok && attr.is_complex() {
            self.primary(attr, &mut out, path);
            if self.v.distinct_types {
                let types: Vec<Option<&str>> = out.iter().map(type_of).collect();
                self.distinct_types(attr, &types, path);
            }
        }
        Some(Value::Array(out))
    }

    /// Element `i` of multi-valued attribute `attr` at `path`.
    pub(super) fn element(
        &mut self,
        attr: &'a Attribute,
        item: &Value,
        path: &str,
        i: usize,
        owner: Owner<'a>,
    ) -> Option<Value> {
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
            return None;
        }
        // Values of a multi-valued attribute have no identity to compare an earlier value
        // with, so immutable sub-attributes (e.g. Group `members.value`) are not compared.
        self.single(attr, item, &p, None, owner)
    }

    /// Asks the uniqueness store about element `i` of `attr` (a `uniqueness: server|global`
    /// multi-valued attribute) once the structure is sound.
    pub(super) fn unique_element(
        &mut self,
        attr: &'a Attribute,
        owner: Owner<'a>,
        path: &str,
        i: usize,
        item: &Value,
    ) {
        let resolved = resolved(attr, owner);
        self.unique
            .push((resolved, format!("{path}[{i}]"), item.clone()));
    }

    /// RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once."
    fn primary(&mut self, attr: &Attribute, values: &mut [Value], path: &str) {
        if attr.sub_attribute("primary").is_none() {
            return;
        }
        let count = values.iter().filter(|v| is_primary(v)).count();
        if self.primary_conflict(count, path) {
            for v in values.iter_mut().filter(|v| is_primary(v)).skip(1) {
                if let Some(p) = v.get_mut("primary") {
                    *p = Value::Bool(false);
                }
            }
        }
    }

    /// `count` values of the attribute at `path` are primary: with more than one, a failure
    /// ([`PrimaryConflict::Error`](super::PrimaryConflict::Error)), or `true` when all but the first must be made non-primary
    /// ([`PrimaryConflict::KeepFirst`](super::PrimaryConflict::KeepFirst)).
    pub(super) fn primary_conflict(&mut self, count: usize, path: &str) -> bool {
        if count <= 1 {
            return false;
        }
        match self.v.primary_conflict {
            PrimaryConflict::Error => {
                self.fail(
                    ErrorKind::PrimaryNotUnique,
                    path,
                    format!("{count} values have `primary: true`; at most one may (RFC 7643 §2.4)"),
                );
                false
            }
            PrimaryConflict::KeepFirst => true,
        }
    }

    /// [`Validator::distinct_types`](super::Validator::distinct_types): the `type`s of the values (`None` for none) repeat no type.
    pub(super) fn distinct_types(&mut self, attr: &Attribute, types: &[Option<&str>], path: &str) {
        let Some(type_attr) = attr.sub_attribute("type") else {
            return;
        };
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
                            crate::text::excerpt(s, 64),
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
