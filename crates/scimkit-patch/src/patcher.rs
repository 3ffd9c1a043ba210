//! [`Patcher`]: applies operations to a resource, atomically, with or without a schema.

use serde_json::{Map, Value};

use scimkit_schema::validate::{Changes, Context, Validator};
use scimkit_schema::{name, Mutability, ResourceSchema};

use crate::error::{Error, ErrorKind};
use crate::message::{Op, OpPath, PatchOperation};
use crate::op::{add, drop_nulls, remove, replace, Ctx};
use crate::target::{is_attr_name, Resolved, Resolver, Target};
use crate::tx::Tx;
use crate::{Interop, Limits};

/// How much of a patched resource a schema-aware [`Patcher`] validates before keeping it
/// (RFC 7644 §3.5.2: the result must be a valid resource).
///
/// ```
/// use scimkit_patch::{PatchOperation, Patcher, Validation};
/// use scimkit_schema::ResourceSchema;
/// use serde_json::json;
///
/// let schema = ResourceSchema::group();
/// let stored = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///                     "id": "e9e30dba", "displayName": "Tour Guides", "members": []});
/// let ops = [PatchOperation::remove("displayName")?];
/// for v in [Validation::Changes, Validation::Full] {
///     let err = Patcher::new(&schema).validation(v).apply(&mut stored.clone(), &ops).unwrap_err();
///     assert_eq!(err.scim_type().as_str(), "mutability"); // displayName is required
/// }
/// # Ok::<(), scimkit_patch::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Validation {
    /// No validation beyond each operation's own checks (type, mutability, required).
    Off,
    /// What the operations touched, with
    /// [`Validator::validate_changes`](scimkit_schema::validate::Validator::validate_changes):
    /// the same verdict as validating the whole resource, for a resource that was valid before
    /// the PATCH (one a server stored after validating it), at a cost proportional to the change
    /// plus one allocation-free size pass. The default.
    #[default]
    Changes,
    /// The whole patched resource, with
    /// [`Validator::validate`](scimkit_schema::validate::Validator::validate): for a resource not
    /// known to be valid; it is also rewritten in canonical form throughout.
    Full,
}

/// Applies PATCH operations (RFC 7644 §3.5.2), configured once and reused.
///
/// [`Patcher::new`] works against a schema: names resolve in any case to their canonical
/// spelling, values are type-checked, value filters in paths (`emails[value eq "…"]`) compare
/// by each sub-attribute's type and `caseExact` (RFC 7643 §2.2), readOnly and immutable
/// attributes are guarded, and what the operations touched is validated with
/// `scimkit_schema::validate` before the result is kept (see [`Validation`]).
/// [`Patcher::schemaless`] (what [`crate::apply`] uses) follows the RFC's defaults and the shape
/// of the resource itself.
///
/// Applying is **atomic**: "If a single operation encounters an error condition, the original
/// target resource MUST be restored" (RFC 7644 §3.5.2). Every change is recorded in an undo log
/// (the old values are moved there, not copied) and replayed backwards on error, so the resource
/// comes back byte for byte, key order included, without ever copying it.
///
/// Null is unassigned (RFC 7643 §2.5): values are written without `null` members, and an
/// attribute an operation changes is left with none anywhere in its value, so one resource state
/// has one representation however it was reached; attributes no operation changed keep theirs.
///
/// ```
/// use scimkit_patch::{Interop, Patcher, PatchRequest};
/// use scimkit_schema::ResourceSchema;
/// use serde_json::json;
///
/// let schema = ResourceSchema::user();
/// let patcher = Patcher::new(&schema).interop(Interop::idp_compatible());
/// let mut user = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223", "userName": "bjensen",
///     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]
/// });
/// let req: PatchRequest = serde_json::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [
///         {"op": "add", "path": "EMAILS", "value": [{"value": "babs@jensen.org", "type": "home", "primary": true}]},
///         {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "701984"}
///     ]
/// }))?;
/// assert!(patcher.apply(&mut user, &req.operations)?);
/// assert_eq!(user["emails"][0]["primary"], json!(false)); // RFC 7643 §2.4
/// assert_eq!(user["schemas"][1], json!("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
///
/// // A failing operation anywhere leaves the resource as it was.
/// let before = user.clone();
/// let bad: PatchRequest = serde_json::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "remove", "path": "emails"}, {"op": "replace", "path": "id", "value": "x"}]
/// }))?;
/// let err = patcher.apply(&mut user, &bad.operations).unwrap_err();
/// assert_eq!(err.scim_type().as_str(), "mutability");
/// assert_eq!(user, before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct Patcher<'s> {
    schema: Option<&'s ResourceSchema>,
    validator: Option<Validator<'s>>,
    validation: Validation,
    interop: Interop,
    limits: Limits,
}

impl Default for Patcher<'static> {
    fn default() -> Self {
        Patcher::schemaless()
    }
}

impl<'s> Patcher<'s> {
    /// A schema-aware patcher, strict RFC 7644, default [`Limits`].
    pub fn new(schema: &'s ResourceSchema) -> Patcher<'s> {
        Patcher {
            schema: Some(schema),
            validator: None,
            validation: Validation::Changes,
            interop: Interop::strict(),
            limits: Limits::new(),
        }
    }

    /// A patcher without a schema: RFC defaults (names in any case, `caseExact` false) and the
    /// shape of the resource decide; `id` and `meta` are still readOnly (RFC 7643 §3.1).
    pub fn schemaless() -> Patcher<'static> {
        Patcher {
            schema: None,
            validator: None,
            validation: Validation::Changes,
            interop: Interop::strict(),
            limits: Limits::new(),
        }
    }

    /// Sets the interop profile; default [`Interop::strict`].
    pub fn interop(mut self, interop: Interop) -> Self {
        self.interop = interop;
        self
    }

    /// Sets the limits; default [`Limits::new`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the validator the patched resource must pass (schema-aware patchers only). Default:
    /// `Validator::new(schema).interop(profile)`, with this patcher's interop profile.
    pub fn validator(mut self, validator: Validator<'s>) -> Self {
        self.validator = Some(validator);
        self
    }

    /// How much of the patched resource is validated before it is kept (schema-aware patchers
    /// only); default [`Validation::Changes`].
    pub fn validation(mut self, validation: Validation) -> Self {
        self.validation = validation;
        self
    }

    /// `validate(false)` is [`Validation::Off`], `validate(true)` the default,
    /// [`Validation::Changes`].
    pub fn validate(self, on: bool) -> Self {
        self.validation(if on {
            Validation::Changes
        } else {
            Validation::Off
        })
    }

    /// Applies `ops` in order to `resource`, atomically. Returns whether the resource changed
    /// (a server bumps the ETag and `meta.lastModified` only then; RFC 7644 §3.5.2.1: adding a
    /// value already present "SHALL NOT change the modify timestamp").
    ///
    /// # Errors
    /// The first failing operation's error, with its index and path; or the validator's. The
    /// resource is then exactly as it was.
    pub fn apply(&self, resource: &mut Value, ops: &[PatchOperation]) -> Result<bool, Error> {
        self.apply_changes(resource, ops).map(|c| !c.is_empty())
    }

    /// [`Patcher::apply`], answering what the operations touched instead of whether anything
    /// changed (empty: nothing did): the attributes set or removed, the elements of multi-valued
    /// attributes added, changed or removed, the extension objects added or removed. This is what
    /// [`Validation::Changes`] validates, and what a server can use to see, say, that only
    /// `members` changed.
    ///
    /// ```
    /// use scimkit_patch::{PatchOperation, Patcher};
    /// use scimkit_schema::ResourceSchema;
    /// use serde_json::json;
    ///
    /// let schema = ResourceSchema::group();
    /// let mut group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    ///                        "id": "e9e30dba", "displayName": "Tour Guides",
    ///                        "members": [{"value": "2819c223"}]});
    /// let ops = [PatchOperation::add(Some("members"), json!([{"value": "902c246b"}]))?];
    /// let changes = Patcher::new(&schema).apply_changes(&mut group, &ops)?;
    /// assert_eq!(changes.elements(None, "members"), Some(&[1][..]));
    /// assert!(!changes.touches(None, "displayName"));
    /// # Ok::<(), scimkit_patch::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Patcher::apply`].
    pub fn apply_changes(
        &self,
        resource: &mut Value,
        ops: &[PatchOperation],
    ) -> Result<Changes, Error> {
        if ops.len() > self.limits.max_operations {
            return Err(ErrorKind::TooManyOperations {
                count: ops.len(),
                max: self.limits.max_operations,
            }
            .into());
        }
        if !resource.is_object() {
            return Err(ErrorKind::ResourceNotObject.into());
        }
        let ctx = Ctx {
            resolver: Resolver {
                schema: self.schema,
            },
            interop: &self.interop,
        };
        let mut tx = Tx::new(resource);
        for (i, op) in ops.iter().enumerate() {
            if let Err(e) = self.apply_one(&ctx, &mut tx, op) {
                tx.rollback();
                return Err(e.at(i, op.path()));
            }
        }
        let changes = tx.changes(|k| self.schema.is_some_and(|s| s.extension(k).is_some()));
        if tx.changed() {
            if let Err(e) = self.run_validator(&mut tx, &changes) {
                tx.rollback();
                return Err(e);
            }
        }
        Ok(changes)
    }

    fn run_validator(&self, tx: &mut Tx<'_>, changes: &Changes) -> Result<(), Error> {
        let Some(schema) = self.schema else {
            return Ok(());
        };
        if self.validation == Validation::Off {
            return Ok(());
        }
        let validator = self
            .validator
            .unwrap_or_else(|| Validator::new(schema).interop(self.interop));
        // Mutability was enforced operation by operation, so the readOnly and immutable values
        // of the patched resource are the original's: they stand in for the original without a
        // copy of the rest.
        let original = guarded(schema, tx.root());
        // The validator leaves the resource unchanged when it fails (the undo log then rolls
        // back our changes) and rewrites it in canonical form when it passes.
        match self.validation {
            Validation::Full => validator.validate(
                tx.root_mut(),
                Context::Patched {
                    original: &original,
                },
            )?,
            _ => validator.validate_changes(tx.root_mut(), &original, changes)?,
        }
        Ok(())
    }

    fn apply_one(
        &self,
        ctx: &Ctx<'_, 's>,
        tx: &mut Tx<'_>,
        op: &PatchOperation,
    ) -> Result<(), Error> {
        op.check_interop(ctx.interop)?;
        if let Some(v) = op.value() {
            self.limits.check_value(v)?;
        }
        let mut touched: Vec<String> = Vec::new();
        let result = match (op.op(), op.op_path()) {
            (Op::Remove, None) => Err(ErrorKind::PathRequired.into()),
            (o, None) => match op.value() {
                Some(v) => self.no_path(ctx, tx, o, v, &mut touched, 0),
                None => Err(ErrorKind::ValueRequired(o.as_str()).into()),
            },
            (o, Some(p)) => self.with_path(ctx, tx, o, p, op.value(), &mut touched),
        };
        for urn in &touched {
            self.sync_schemas(tx, urn);
        }
        result
    }

    fn with_path(
        &self,
        ctx: &Ctx<'_, 's>,
        tx: &mut Tx<'_>,
        o: Op,
        p: &OpPath,
        value: Option<&Value>,
        touched: &mut Vec<String>,
    ) -> Result<(), Error> {
        let resolved = ctx.resolver.path(tx.root(), p)?;
        match resolved {
            Resolved::Root => match (o, value) {
                (Op::Remove, _) => Err(ErrorKind::PathNotApplicable(p.text.to_string()).into()),
                (_, Some(v)) => self.no_path(ctx, tx, o, v, touched, 1),
                (_, None) => Err(ErrorKind::ValueRequired(o.as_str()).into()),
            },
            Resolved::Extension(urn) => self.extension(ctx, tx, o, &urn, value, touched, false),
            Resolved::Attr(t) => {
                if let Some(u) = &t.attr.ext {
                    touched.push(u.clone());
                }
                run(ctx, tx, o, &t, value)
            }
        }
    }

    /// An operation without a path (or on the core schema URN): the value is an object of
    /// attributes (RFC 7644 §3.5.2.1, §3.5.2.3).
    fn no_path(
        &self,
        ctx: &Ctx<'_, 's>,
        tx: &mut Tx<'_>,
        o: Op,
        value: &Value,
        touched: &mut Vec<String>,
        depth: u8,
    ) -> Result<(), Error> {
        let Value::Object(map) = value else {
            return Err(ErrorKind::ValueNotObject.into());
        };
        for (k, v) in map {
            if v.is_null() {
                continue;
            }
            self.no_path_key(ctx, tx, o, k, v, touched, depth)
                .map_err(|e| e.at_path(k))?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn no_path_key(
        &self,
        ctx: &Ctx<'_, 's>,
        tx: &mut Tx<'_>,
        o: Op,
        k: &str,
        v: &Value,
        touched: &mut Vec<String>,
        depth: u8,
    ) -> Result<(), Error> {
        match ctx.resolver.schema_urn(tx.root(), k) {
            // `{"urn:...:core:2.0:User": {...}}`: the core attributes, one level only.
            Some(Resolved::Root) if depth == 0 => return self.no_path(ctx, tx, o, v, touched, 1),
            Some(Resolved::Extension(urn)) => {
                return self.extension(ctx, tx, o, &urn, Some(v), touched, true)
            }
            Some(_) => return Err(ErrorKind::AttributeUnknown(k.to_owned()).into()),
            None => {}
        }
        let target = if is_attr_name(k) {
            let (attr, _) = ctx.resolver.attr(tx.root(), None, k, None)?;
            Target {
                attr,
                filter: None,
                sub: None,
            }
        } else if ctx.interop.no_path_attribute_paths {
            // docs/idp-compatibility.md: `"name.givenName"` or `"urn:...:User:employeeNumber"` as a key.
            let p = OpPath::parse(k)?;
            return self.with_path(ctx, tx, o, &p, Some(v), touched);
        } else {
            return Err(ErrorKind::AttributeUnknown(k.to_owned()).into());
        };
        if self.skip_read_only(ctx, &target) {
            return Ok(());
        }
        if let Some(u) = &target.attr.ext {
            touched.push(u.clone());
        }
        run(ctx, tx, o, &target, Some(v))
    }

    /// docs/idp-compatibility.md: readOnly attributes in a value without a path are ignored.
    fn skip_read_only(&self, ctx: &Ctx<'_, 's>, t: &Target<'_, '_>) -> bool {
        ctx.interop.ignore_read_only
            && t.attr
                .def
                .is_some_and(|d| d.mutability == Mutability::ReadOnly)
    }

    /// A whole extension (RFC 7643 §3.3): add or replace its attributes, or remove it.
    #[allow(clippy::too_many_arguments)]
    fn extension(
        &self,
        ctx: &Ctx<'_, 's>,
        tx: &mut Tx<'_>,
        o: Op,
        urn: &str,
        value: Option<&Value>,
        touched: &mut Vec<String>,
        in_no_path: bool,
    ) -> Result<(), Error> {
        touched.push(urn.to_owned());
        if o == Op::Remove {
            if value.is_some() {
                return Err(ErrorKind::ValueUnexpected.into());
            }
            if let Some(ext) = self.schema.and_then(|s| s.extension(urn)) {
                if ext.required
                    && tx
                        .root()
                        .as_object()
                        .is_some_and(|r| name::get(r, urn).is_some())
                {
                    return Err(ErrorKind::Mutability {
                        attr: urn.to_owned(),
                        reason: "a required extension and cannot be removed",
                    }
                    .into());
                }
            }
            tx.remove(&[], urn);
            return Ok(());
        }
        let Some(Value::Object(map)) = value else {
            return Err(ErrorKind::ValueNotObject.into());
        };
        for (k, v) in map {
            if v.is_null() {
                continue;
            }
            let (attr, _) = ctx
                .resolver
                .attr(tx.root(), Some(urn), k, None)
                .map_err(|e| e.at_path(&format!("{urn}:{k}")))?;
            let t = Target {
                attr,
                filter: None,
                sub: None,
            };
            if in_no_path && self.skip_read_only(ctx, &t) {
                continue;
            }
            run(ctx, tx, o, &t, Some(v))?;
        }
        Ok(())
    }

    /// RFC 7643 §3: `schemas` lists the extensions the resource has. After an operation touches
    /// extension `urn`, an empty extension object is removed, and the URN is added to or removed
    /// from `schemas` to match.
    fn sync_schemas(&self, tx: &mut Tx<'_>, urn: &str) {
        let Some(root) = tx.root().as_object() else {
            return;
        };
        let (present, exists) = match name::get(root, urn) {
            Some((_, Value::Object(m))) => (!m.is_empty(), true),
            Some(_) => (false, true),
            None => (false, false),
        };
        if exists && !present {
            tx.remove(&[], urn);
        }
        let canonical = self
            .schema
            .and_then(|s| s.extension(urn))
            .map_or(urn, |e| e.schema.id.as_str())
            .to_owned();
        let schemas_key = tx
            .root()
            .as_object()
            .and_then(|r| name::key(r, "schemas"))
            .map(str::to_owned);
        let entries: Vec<usize> = match schemas_key.as_deref().and_then(|k| tx.root().get(k)) {
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .filter(|(_, s)| s.as_str().is_some_and(|s| name::eq(s, urn)))
                .map(|(i, _)| i)
                .collect(),
            _ => Vec::new(),
        };
        let loc = |k: &str| vec![crate::tx::Step::Key(k.to_owned())];
        match (present, schemas_key) {
            (true, Some(k)) if entries.is_empty() => {
                // A `schemas` that is not an array is left for the validator to report.
                tx.push(&loc(&k), Value::String(canonical));
            }
            (true, None) => {
                let mut list = Vec::new();
                if let Some(s) = self.schema {
                    list.push(Value::String(s.core().id.clone()));
                }
                list.push(Value::String(canonical));
                tx.set(&[], "schemas", Value::Array(list), false);
            }
            (false, Some(k)) => {
                for i in entries.into_iter().rev() {
                    tx.remove_at(&loc(&k), i);
                }
            }
            _ => {}
        }
    }
}

fn run(
    ctx: &Ctx<'_, '_>,
    tx: &mut Tx<'_>,
    o: Op,
    t: &Target<'_, '_>,
    value: Option<&Value>,
) -> Result<(), Error> {
    let mark = tx.mark();
    match (o, value) {
        (Op::Add, Some(v)) => add::apply(ctx, tx, t, v),
        (Op::Replace, Some(v)) => replace::apply(ctx, tx, t, v),
        (Op::Remove, v) => remove::apply(ctx, tx, t, v),
        (o, None) => Err(ErrorKind::ValueRequired(o.as_str()).into()),
    }?;
    if tx.changed_since(mark) {
        drop_nulls(tx, &t.attr);
    }
    Ok(())
}

/// The readOnly and immutable attributes of `resource` (top level and in extensions): what the
/// validator compares with the original.
fn guarded(schema: &ResourceSchema, resource: &Value) -> Value {
    let mut out = Map::new();
    let Some(r) = resource.as_object() else {
        return Value::Object(out);
    };
    let guarded_mutability =
        |m: Mutability| matches!(m, Mutability::ReadOnly | Mutability::Immutable);
    // A single-valued complex attribute with a guarded sub-attribute (enterprise
    // `manager.displayName`, readOnly) is compared too; the validator does not compare guarded
    // sub-attributes of multi-valued values, so those (Group `members`, possibly large) are not
    // copied.
    let keep = |a: &scimkit_schema::Attribute| {
        guarded_mutability(a.mutability)
            || (!a.multi_valued
                && a.sub_attributes
                    .iter()
                    .any(|sub| guarded_mutability(sub.mutability)))
    };
    for (s, a, is_ext) in schema.attributes() {
        if !keep(a) {
            continue;
        }
        if is_ext {
            if let Some((k, Value::Object(e))) = name::get(r, &s.id) {
                if let Some((ak, v)) = name::get(e, &a.name) {
                    let slot = out
                        .entry(k.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(m) = slot {
                        m.insert(ak.clone(), v.clone());
                    }
                }
            }
        } else if let Some((k, v)) = name::get(r, &a.name) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}
