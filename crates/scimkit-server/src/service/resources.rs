//! The resource operations of RFC 7644 §3.3–§3.6: create, read, replace, patch, delete.
//!
//! Every write is based on the version it read. Without a client precondition a write that lost
//! a race reads again and retries (a client that did not ask for optimistic locking must not see
//! 412); with `If-Match` the client asked for it, and a stale version is 412.

use http::{header, HeaderValue, Method, StatusCode};
use scimkit_patch::{PatchOperation, Patcher};
use scimkit_protocol::{response, Body, Precondition, Query, ScimError, ScimRequest};
use scimkit_schema::validate::Context;
use scimkit_schema::{name, Interop, ResourceSchema, Validator};
use serde_json::{json, Map, Value};

use super::members;
use super::render::{self, etag, location};
use super::{Ctx, PatchResponse};
use crate::hooks::{Authenticator, Change};
use crate::store::{
    stamp, unique_keys, GroupRef, MemberChange, Store, StoreError, Stored, UniqueKey, Updated,
    Write,
};

/// The current time as RFC 3339 UTC with milliseconds: fixed width, so text order is time order.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A new resource id: a random UUID (RFC 9562 §5.4), lower-case hex in the 8-4-4-4-12 form.
///
/// Built from `getrandom` rather than the `uuid` crate, whose current releases need a newer
/// compiler than this crate's `rust-version`.
fn new_id() -> String {
    use std::fmt::Write as _;
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source works");
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    let mut id = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        let _ = write!(id, "{byte:02x}");
    }
    id
}

/// Whether the request carries `If-Match` or `If-None-Match`.
fn has_precondition(scim: &ScimRequest) -> bool {
    scim.headers.contains_key(header::IF_MATCH) || scim.headers.contains_key(header::IF_NONE_MATCH)
}

/// A resource response: the projected body, with `ETag` and `Location` from the resource itself
/// (the projection may leave `meta` out).
fn resource_response(
    status: StatusCode,
    body: &Value,
    version: u64,
    loc: &str,
) -> http::Response<Vec<u8>> {
    let mut r = response::ok(body);
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::ETAG, etag(version).to_header_value());
    if let Ok(v) = HeaderValue::from_str(loc) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// RFC 7643 §2.5: null and `[]` are unassigned. Removes them at any depth (and objects left
/// empty), so stored documents have one representation of "no value"; `schemas` stays.
pub(crate) fn prune_unassigned(value: &mut Value) {
    fn assigned(v: &Value) -> bool {
        match v {
            Value::Null => false,
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => true,
        }
    }
    // Recursion is bounded: serde_json refuses documents nested deeper than 128.
    fn retain(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.values_mut().for_each(retain);
                o.retain(|_, m| assigned(m));
            }
            Value::Array(a) => a.iter_mut().for_each(retain),
            _ => {}
        }
    }
    if let Some(o) = value.as_object_mut() {
        for (k, member) in o.iter_mut() {
            if !k.eq_ignore_ascii_case("schemas") {
                retain(member);
            }
        }
        o.retain(|k, m| k.eq_ignore_ascii_case("schemas") || assigned(m));
    }
}

/// Removes what `schema` does not define from `body` and names it: top-level attributes,
/// attributes inside extension objects (`urn:…:User:colour`), and sub-attributes of complex
/// attributes at either level (`members.colour`, `name.colour`), so an unknown sub-attribute is
/// treated exactly like an unknown attribute. `which` says what is dropped: the
/// [`Interop::drop_unknown_attributes`](Interop::drop_unknown_attributes()) and [`Interop::drop_unknown_sub_attributes`](Interop::drop_unknown_sub_attributes()) of the
/// service; what is kept is left for validation to refuse.
fn drop_unknown(schema: &ResourceSchema, body: &mut Value, which: Interop) -> Vec<String> {
    let (attributes, sub_attributes) = (
        which.drop_unknown_attributes,
        which.drop_unknown_sub_attributes,
    );
    let mut unknown = Vec::new();
    let Some(o) = body.as_object_mut() else {
        return unknown;
    };
    o.retain(|key, value| {
        if key.eq_ignore_ascii_case("schemas") {
            return true;
        }
        if let Some(ext) = schema.extension(key) {
            let urn = ext.schema.id.clone();
            if let Some(inner) = value.as_object_mut() {
                inner.retain(|sub, v| {
                    let Ok(resolved) = schema.resolve_path(&format!("{urn}:{sub}")) else {
                        if attributes {
                            unknown.push(format!("{key}:{sub}"));
                        }
                        return !attributes;
                    };
                    if sub_attributes {
                        drop_unknown_sub_attributes(
                            resolved.target(),
                            v,
                            &format!("{key}:{sub}"),
                            &mut unknown,
                        );
                    }
                    true
                });
            }
            return true;
        }
        match schema.resolve_path(key) {
            Ok(resolved) => {
                if sub_attributes {
                    drop_unknown_sub_attributes(resolved.target(), value, key, &mut unknown);
                }
                true
            }
            Err(_) => {
                if attributes {
                    unknown.push(key.clone());
                }
                !attributes
            }
        }
    });
    unknown
}

/// Removes the members of a complex value (or of each element of a multi-valued one) that are
/// no sub-attribute of `attr`, naming each `path.member` once.
fn drop_unknown_sub_attributes(
    attr: &scimkit_schema::Attribute,
    value: &mut Value,
    path: &str,
    unknown: &mut Vec<String>,
) {
    if attr.type_ != scimkit_schema::AttributeType::Complex {
        return;
    }
    let objects: Vec<&mut Map<String, Value>> = match value {
        Value::Object(o) => vec![o],
        Value::Array(a) => a.iter_mut().filter_map(Value::as_object_mut).collect(),
        _ => return,
    };
    for o in objects {
        o.retain(|sub, _| {
            let known = attr.sub_attributes.iter().any(|a| name::eq(&a.name, sub));
            if !known {
                let named = format!("{path}.{sub}");
                if !unknown.contains(&named) {
                    unknown.push(named);
                }
            }
            known
        });
    }
}

/// Refuses unique values no client should be able to store: empty, or with control characters
/// (a NUL in a `userName` breaks every system downstream).
fn check_unique_values(keys: &[UniqueKey]) -> Result<(), ScimError> {
    for k in keys {
        if k.value.is_empty() || k.value.chars().any(char::is_control) {
            return Err(ScimError::invalid_value(format!(
                "`{}` must be non-empty text without control characters",
                k.attribute
            )));
        }
    }
    Ok(())
}

/// The top-level attributes whose values differ between two documents.
fn changed_attributes(old: &Value, new: &Value) -> Vec<String> {
    let empty = Map::new();
    let (a, b) = (
        old.as_object().unwrap_or(&empty),
        new.as_object().unwrap_or(&empty),
    );
    let mut out: Vec<String> = b
        .iter()
        .filter(|(k, v)| k.as_str() != "meta" && a.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    out.extend(
        a.keys()
            .filter(|k| k.as_str() != "meta" && !b.contains_key(*k))
            .cloned(),
    );
    out
}

fn active(doc: &Value) -> Option<bool> {
    doc.as_object()
        .and_then(|o| name::value(o, "active"))
        .and_then(Value::as_bool)
}

impl<S: Store, A: Authenticator> Ctx<'_, S, A> {
    pub(crate) fn schema(&self, resource_type: &str) -> Result<&ResourceSchema, ScimError> {
        self.svc
            .registry
            .by_name(resource_type)
            .ok_or_else(|| ScimError::not_found(format!("no resource type `{resource_type}`")))
    }

    fn interop(&self) -> Interop {
        self.svc.config.interop
    }

    fn validator<'s>(&self, schema: &'s ResourceSchema) -> Validator<'s> {
        Validator::new(schema).interop(self.interop())
    }

    fn patcher<'s>(&self, schema: &'s ResourceSchema) -> Patcher<'s> {
        Patcher::new(schema)
            .interop(self.interop())
            .validator(self.validator(schema))
    }

    fn endpoint<'s>(&self, schema: &'s ResourceSchema) -> &'s str {
        schema.resource_type().endpoint.trim_start_matches('/')
    }

    /// A uniqueness failure that points at the resource holding the value, so an identity
    /// provider can link to it instead of retrying.
    fn store_error(&self, schema: &ResourceSchema, e: StoreError) -> ScimError {
        match e {
            StoreError::Uniqueness {
                attribute,
                existing: Some(id),
            } => ScimError::uniqueness(format!(
                "`{attribute}` must be unique; the value is already used by {}",
                location(&self.base, self.endpoint(schema), &id)
            )),
            other => other.into(),
        }
    }

    /// Unknown attributes and sub-attributes: dropped and reported as far as the profile says
    /// ([`Interop::drop_unknown_attributes`](Interop::drop_unknown_attributes()), [`Interop::drop_unknown_sub_attributes`](Interop::drop_unknown_sub_attributes())); the rest
    /// is refused by the validator.
    fn take_unknown(&self, schema: &ResourceSchema, body: &mut Value) -> Vec<String> {
        drop_unknown(schema, body, self.interop())
    }

    /// Records what the IdP-compatible profile skipped, as a change and in the log.
    fn skipped(
        &self,
        changes: &mut Vec<Change>,
        id: &str,
        unknown_members: Vec<String>,
        unknown_attributes: Vec<String>,
    ) {
        if unknown_members.is_empty() && unknown_attributes.is_empty() {
            return;
        }
        tracing::warn!(
            tenant = %self.tenant, id, ?unknown_members, ?unknown_attributes,
            "skipped parts of a request the service does not know"
        );
        changes.push(Change::Skipped {
            unknown_members,
            unknown_attributes,
        });
    }

    /// Takes `members` out of a body and resolves them; `None` for types without `members`.
    async fn take_members(
        &self,
        schema: &ResourceSchema,
        id: &str,
        body: &mut Value,
        unknown_attributes: &mut Vec<String>,
        unknown_members: &mut Vec<String>,
    ) -> Result<Option<MemberChange>, ScimError> {
        if !has_members(schema) {
            return Ok(None);
        }
        let list = body
            .as_object_mut()
            .and_then(|o| name::remove(o, "members"))
            .map(|(_, v)| v)
            .unwrap_or(Value::Null);
        let requested = members::requested(&list, unknown_attributes)?;
        let resolved = self.resolve_members(id, requested, unknown_members).await?;
        Ok(Some(MemberChange::Set(resolved)))
    }

    /// Resolves requested members of group `id`, recording the ids that name nothing.
    async fn resolve_members(
        &self,
        id: &str,
        requested: Vec<members::Requested>,
        unknown_members: &mut Vec<String>,
    ) -> Result<Vec<crate::store::Member>, ScimError> {
        let resolved =
            members::resolve(&self.svc.store, &self.tenant, id, requested, self.interop()).await?;
        unknown_members.extend(resolved.unknown);
        Ok(resolved.members)
    }

    /// Reads a resource and renders it, projected as the query asks.
    async fn read(
        &self,
        schema: &ResourceSchema,
        id: &str,
        query: &Query,
    ) -> Result<(Value, u64), ScimError> {
        let relations = render::wants_relations(query);
        let stored = self
            .svc
            .store
            .get(&self.tenant, schema.name(), id, relations)
            .await?
            .ok_or_else(|| ScimError::not_found("resource not found"))?;
        self.render(schema, stored, query)
    }

    /// A stored resource as the client asked to see it: its representation, projected.
    fn render(
        &self,
        schema: &ResourceSchema,
        stored: Stored,
        query: &Query,
    ) -> Result<(Value, u64), ScimError> {
        let version = stored.version;
        let mut body = render::representation(&self.base, schema, stored);
        render::projector(schema, query)?.project_in_place(&mut body);
        Ok((body, version))
    }

    /// The representation a write answers with: the resource as written when the write knows
    /// it, else read back.
    async fn written(
        &self,
        schema: &ResourceSchema,
        id: &str,
        written: Written,
        query: &Query,
    ) -> Result<(Value, u64), ScimError> {
        match written.stored {
            Some(stored) => self.render(schema, stored, query),
            None => self.read(schema, id, query).await,
        }
    }

    /// POST to a resource type's endpoint (RFC 7644 §3.3).
    pub(crate) async fn create(
        &self,
        resource_type: &str,
        scim: &ScimRequest,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        let Body::Resource(body) = &scim.body else {
            return Err(ScimError::invalid_syntax("a resource body is required"));
        };
        let schema = self.schema(resource_type)?;
        let (id, _) = self
            .create_resource(schema, body.clone(), &scim.method)
            .await?;
        let (body, version) = self.read(schema, &id, &scim.query).await?;
        let loc = location(&self.base, self.endpoint(schema), &id);
        Ok(resource_response(StatusCode::CREATED, &body, version, &loc))
    }

    /// Validates and stores a new resource; returns its id and version.
    pub(crate) async fn create_resource(
        &self,
        schema: &ResourceSchema,
        mut body: Value,
        method: &Method,
    ) -> Result<(String, u64), ScimError> {
        let mut unknown_attributes = self.take_unknown(schema, &mut body);
        self.validator(schema)
            .validate(&mut body, Context::Create)?;
        prune_unassigned(&mut body);
        self.svc.sealer.seal(schema, &mut body, None, false).await?;
        let id = new_id();
        let mut unknown_members = Vec::new();
        let members = self
            .take_members(
                schema,
                &id,
                &mut body,
                &mut unknown_attributes,
                &mut unknown_members,
            )
            .await?;
        let now = now();
        if let Some(o) = body.as_object_mut() {
            o.insert("id".into(), id.clone().into());
            o.insert(
                "meta".into(),
                json!({"resourceType": schema.name(), "created": now, "lastModified": now}),
            );
        }
        let unique = unique_keys(schema, &body);
        check_unique_values(&unique)?;
        let mut write = Write::document(body, unique, now);
        if let Some(m) = members {
            write = write.with_members(m);
        }
        let version = self
            .svc
            .store
            .create(&self.tenant, schema.name(), &id, write)
            .await
            .map_err(|e| self.store_error(schema, e))?;
        let mut changes = vec![Change::Created];
        if !unknown_members.is_empty() || !unknown_attributes.is_empty() {
            self.skipped(&mut changes, &id, unknown_members, unknown_attributes);
        }
        self.emit(method, schema.name(), Some(&id), changes);
        Ok((id, version))
    }

    /// GET, PUT, PATCH, DELETE of one resource.
    pub(crate) async fn resource(
        &self,
        resource_type: &str,
        id: &str,
        scim: &ScimRequest,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        let schema = self.schema(resource_type)?;
        let loc = location(&self.base, self.endpoint(schema), id);
        match scim.method {
            Method::GET => {
                let (body, version) = self.read(schema, id, &scim.query).await?;
                match scim.preconditions(Some(&etag(version)))? {
                    Precondition::NotModified => {
                        Ok(super::status_response(StatusCode::NOT_MODIFIED))
                    }
                    Precondition::Proceed => {
                        Ok(resource_response(StatusCode::OK, &body, version, &loc))
                    }
                    _ => Err(ScimError::precondition_failed(
                        "the resource's version does not match If-Match",
                    )),
                }
            }
            Method::PUT => {
                let Body::Resource(body) = &scim.body else {
                    return Err(ScimError::invalid_syntax("a resource body is required"));
                };
                let check = |v: u64| self.check_precondition(scim, v);
                let written = self
                    .replace_resource(
                        schema,
                        id,
                        body.clone(),
                        &scim.method,
                        &check,
                        has_precondition(scim),
                    )
                    .await?;
                let (body, version) = self.written(schema, id, written, &scim.query).await?;
                Ok(resource_response(StatusCode::OK, &body, version, &loc))
            }
            Method::PATCH => {
                let Body::Patch(patch) = &scim.body else {
                    return Err(ScimError::invalid_syntax("a PatchOp body is required"));
                };
                let check = |v: u64| self.check_precondition(scim, v);
                let written = self
                    .patch_resource(
                        schema,
                        id,
                        &patch.operations,
                        &scim.method,
                        &check,
                        has_precondition(scim),
                    )
                    .await?;
                let asked =
                    !scim.query.attributes.is_empty() || !scim.query.excluded_attributes.is_empty();
                let representation = asked
                    || !has_members(schema)
                    || self.svc.config.group_patch_response == PatchResponse::Representation;
                if representation {
                    let (body, version) = self.written(schema, id, written, &scim.query).await?;
                    Ok(resource_response(StatusCode::OK, &body, version, &loc))
                } else {
                    Ok(response::no_content())
                }
            }
            Method::DELETE => {
                let check = |v: u64| self.check_precondition(scim, v);
                self.delete_resource(schema, id, &scim.method, &check, has_precondition(scim))
                    .await?;
                Ok(response::no_content())
            }
            _ => Err(ScimError::method_not_allowed(
                "method not allowed on a resource",
            )),
        }
    }

    fn check_precondition(&self, scim: &ScimRequest, version: u64) -> Result<(), ScimError> {
        match scim.preconditions(Some(&etag(version)))? {
            Precondition::Proceed => Ok(()),
            _ => Err(ScimError::precondition_failed(
                "the resource's version does not match If-Match",
            )),
        }
    }

    /// Runs `attempt` (a read–change–conditional-write of resource `id`) until it does not lose
    /// a race, at most `write_retries` times; with a client precondition a lost race is the
    /// client's 412. Writes of one resource through this service take turns (a striped lock), so
    /// its own requests never race each other; what remains are races with other instances on a
    /// shared database, which the retries absorb.
    async fn retrying<T, F, Fut>(
        &self,
        id: &str,
        precondition: bool,
        mut attempt: F,
    ) -> Result<T, ScimError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Attempt>>,
    {
        let _turn = self.svc.write_turns.turn(&self.tenant, id).await;
        let mut tries = 0u32;
        loop {
            match attempt().await {
                Ok(t) => return Ok(t),
                Err(Attempt::Lost) if !precondition && tries < self.svc.config.write_retries => {
                    tries += 1;
                    backoff(tries).await;
                }
                Err(Attempt::Lost) if precondition => {
                    return Err(ScimError::precondition_failed(
                        "the resource's version does not match If-Match",
                    ))
                }
                Err(Attempt::Lost) => {
                    return Err(StoreError::Busy(
                        "too many concurrent writes to one resource".into(),
                    )
                    .into())
                }
                Err(Attempt::Failed(e)) => return Err(*e),
            }
        }
    }

    /// PUT (RFC 7644 §3.5.1): replaces every client-settable attribute.
    pub(crate) async fn replace_resource(
        &self,
        schema: &ResourceSchema,
        id: &str,
        body: Value,
        method: &Method,
        check: &(dyn Fn(u64) -> Result<(), ScimError> + Sync),
        precondition: bool,
    ) -> Result<Written, ScimError> {
        let rt = schema.name();
        // A type without members answers with its groups, read with the resource.
        let answerable = !has_members(schema);
        let (old, new, updated, skipped, groups) = self
            .retrying(id, precondition, || async {
                let current = self.get_current(rt, id, answerable).await?;
                check(current.version)?;
                let mut body = body.clone();
                let mut unknown_attributes = self.take_unknown(schema, &mut body);
                self.validator(schema).validate(
                    &mut body,
                    Context::Replace {
                        existing: &current.doc,
                    },
                )?;
                prune_unassigned(&mut body);
                self.svc
                    .sealer
                    .seal(schema, &mut body, Some(&current.doc), true)
                    .await?;
                let mut unknown_members = Vec::new();
                let members = self
                    .take_members(
                        schema,
                        id,
                        &mut body,
                        &mut unknown_attributes,
                        &mut unknown_members,
                    )
                    .await?;
                let created = current
                    .doc
                    .pointer("/meta/created")
                    .cloned()
                    .unwrap_or_else(|| now().into());
                let now = now();
                if let Some(o) = body.as_object_mut() {
                    o.insert("id".into(), id.into());
                    o.insert(
                        "meta".into(),
                        json!({"resourceType": rt, "created": created, "lastModified": now}),
                    );
                }
                let unique = unique_keys(schema, &body);
                check_unique_values(&unique)?;
                let mut write = Write::document(body.clone(), unique, now);
                if let Some(m) = members {
                    write = write.with_members(m);
                }
                let updated = self
                    .svc
                    .store
                    .update(&self.tenant, rt, id, Some(current.version), write)
                    .await
                    .map_err(|e| self.attempt_error(schema, e))?;
                Ok((
                    current.doc,
                    body,
                    updated,
                    (unknown_members, unknown_attributes),
                    current.groups,
                ))
            })
            .await?;
        let mut changes = Vec::new();
        if updated.changed {
            changes.push(Change::Replaced {
                attributes: changed_attributes(&old, &new),
            });
            membership(&mut changes, &updated);
            activity(&mut changes, &old, &new);
        }
        self.skipped(&mut changes, id, skipped.0, skipped.1);
        self.emit(method, rt, Some(id), changes);
        // The body carries the `meta.lastModified` the store recorded.
        let doc = if updated.changed { new } else { old };
        Ok(Written::new(
            id,
            &updated,
            answerable.then_some((doc, groups)),
        ))
    }

    async fn get_current(&self, rt: &str, id: &str, relations: bool) -> Result<Stored, Attempt> {
        self.svc
            .store
            .get(&self.tenant, rt, id, relations)
            .await
            .map_err(|e| Attempt::Failed(Box::new(e.into())))?
            .ok_or_else(|| Attempt::Failed(Box::new(ScimError::not_found("resource not found"))))
    }

    fn attempt_error(&self, schema: &ResourceSchema, e: StoreError) -> Attempt {
        match e {
            StoreError::VersionMismatch => Attempt::Lost,
            other => Attempt::Failed(Box::new(self.store_error(schema, other))),
        }
    }

    /// PATCH (RFC 7644 §3.5.2): one atomic read-apply-write. Membership changes of the shapes
    /// identity providers send go to the store as deltas, without reading the member list.
    pub(crate) async fn patch_resource(
        &self,
        schema: &ResourceSchema,
        id: &str,
        ops: &[PatchOperation],
        method: &Method,
        check: &(dyn Fn(u64) -> Result<(), ScimError> + Sync),
        precondition: bool,
    ) -> Result<Written, ScimError> {
        if ops.is_empty() {
            return Err(ScimError::invalid_syntax(
                "a PatchOp needs one or more Operations (RFC 7644 §3.5.2)",
            ));
        }
        let rt = schema.name();
        let normalized = drop_restated_schemas(schema, ops)?;
        let ops = normalized.as_deref().unwrap_or(ops);
        let mut unknown_attributes = Vec::new();
        let direct = if has_members(schema) && ops.iter().any(members::touches_members) {
            members::direct_ops(ops, &mut unknown_attributes)
        } else {
            None
        };
        let mut unknown_members = Vec::new();
        let (old, new, updated, answer) = match direct {
            Some(direct) => {
                // Resolve added members once: what an id names does not depend on the group.
                let mut changes = Vec::new();
                let mut others = Vec::new();
                for (op, member_op) in ops.iter().zip(direct) {
                    match member_op {
                        None => others.push(op.clone()),
                        Some(mut m) => {
                            let resolved = match m.requested() {
                                Some(requested) => Some(
                                    self.resolve_members(id, requested, &mut unknown_members)
                                        .await?,
                                ),
                                None => None,
                            };
                            changes.push(m.into_change(resolved));
                        }
                    }
                }
                let (old, new, updated) = self
                    .patch_members_directly(schema, id, &others, changes, check, precondition)
                    .await?;
                (old, new, updated, None)
            }
            None => {
                self.patch_whole(
                    schema,
                    id,
                    ops,
                    check,
                    precondition,
                    &mut unknown_attributes,
                    &mut unknown_members,
                )
                .await?
            }
        };
        let mut changes = Vec::new();
        if updated.changed {
            let attributes = if old.is_null() {
                Vec::new()
            } else {
                changed_attributes(&old, &new)
            };
            changes.push(Change::Patched { attributes });
            activity(&mut changes, &old, &new);
            membership(&mut changes, &updated);
        }
        self.skipped(&mut changes, id, unknown_members, unknown_attributes);
        self.emit(method, rt, Some(id), changes);
        Ok(Written::new(
            id,
            &updated,
            answer.map(|groups| (new, groups)),
        ))
    }

    async fn patch_members_directly(
        &self,
        schema: &ResourceSchema,
        id: &str,
        others: &[PatchOperation],
        changes: Vec<MemberChange>,
        check: &(dyn Fn(u64) -> Result<(), ScimError> + Sync),
        precondition: bool,
    ) -> Result<(Value, Value, crate::store::Updated), ScimError> {
        let rt = schema.name();
        self.retrying(id, precondition, || async {
            let mut write = Write {
                doc: None,
                unique: Vec::new(),
                members: changes.clone(),
                modified: now(),
            };
            // A members-only change without a precondition needs no read at all: the store
            // applies the delta to whatever version is current, so concurrent member changes
            // never conflict and a 100,000-member group costs what a 10-member one does.
            if others.is_empty() && !precondition {
                let updated = self
                    .svc
                    .store
                    .update(&self.tenant, rt, id, None, write)
                    .await
                    .map_err(|e| self.attempt_error(schema, e))?;
                return Ok((Value::Null, Value::Null, updated));
            }
            let current = self.get_current(rt, id, false).await?;
            check(current.version)?;
            let mut doc = current.doc.clone();
            if !others.is_empty() && self.patcher(schema).apply(&mut doc, others)? {
                prune_unassigned(&mut doc);
                self.svc
                    .sealer
                    .seal(schema, &mut doc, Some(&current.doc), false)
                    .await?;
                write.unique = unique_keys(schema, &doc);
                check_unique_values(&write.unique)?;
                write.doc = Some(doc.clone());
            }
            let updated = self
                .svc
                .store
                .update(&self.tenant, rt, id, Some(current.version), write)
                .await
                .map_err(|e| self.attempt_error(schema, e))?;
            Ok((current.doc, doc, updated))
        })
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn patch_whole(
        &self,
        schema: &ResourceSchema,
        id: &str,
        ops: &[PatchOperation],
        check: &(dyn Fn(u64) -> Result<(), ScimError> + Sync),
        precondition: bool,
        unknown_attributes: &mut Vec<String>,
        unknown_members: &mut Vec<String>,
    ) -> Result<WholePatch, ScimError> {
        let rt = schema.name();
        let with_members = has_members(schema);
        let touches = with_members && ops.iter().any(members::touches_members);
        // A type without members answers with its groups, read with the resource.
        let answerable = !with_members;
        let result = self
            .retrying(id, precondition, || async {
                let current = self.get_current(rt, id, touches || answerable).await?;
                check(current.version)?;
                let mut doc = current.doc.clone();
                if touches {
                    if let Some(o) = doc.as_object_mut() {
                        let list = crate::store::members_json(
                            current.members.as_deref().unwrap_or_default(),
                        );
                        o.insert("members".into(), list);
                    }
                }
                if !self.patcher(schema).apply(&mut doc, ops)? {
                    let unchanged = crate::store::Updated {
                        version: current.version,
                        ..Default::default()
                    };
                    let answer = current.groups;
                    return Ok((current.doc, doc, unchanged, Vec::new(), Vec::new(), answer));
                }
                prune_unassigned(&mut doc);
                self.svc
                    .sealer
                    .seal(schema, &mut doc, Some(&current.doc), false)
                    .await?;
                let mut attrs = Vec::new();
                let mut skipped = Vec::new();
                let members = if touches {
                    self.take_members(schema, id, &mut doc, &mut attrs, &mut skipped)
                        .await?
                } else {
                    None
                };
                let unique = unique_keys(schema, &doc);
                check_unique_values(&unique)?;
                let modified = now();
                let mut write = Write::document(doc.clone(), unique, modified.as_str());
                if let Some(m) = members {
                    write = write.with_members(m);
                }
                let updated = self
                    .svc
                    .store
                    .update(&self.tenant, rt, id, Some(current.version), write)
                    .await
                    .map_err(|e| self.attempt_error(schema, e))?;
                // What the store recorded: the new document stamped, or the old one.
                let doc = match updated.changed {
                    true => {
                        stamp(&mut doc, &modified);
                        doc
                    }
                    false => current.doc.clone(),
                };
                Ok((current.doc, doc, updated, attrs, skipped, current.groups))
            })
            .await?;
        let (old, new, updated, attrs, skipped, groups) = result;
        unknown_attributes.extend(attrs);
        unknown_members.extend(skipped);
        Ok((old, new, updated, answerable.then_some(groups)))
    }

    /// DELETE (RFC 7644 §3.6).
    pub(crate) async fn delete_resource(
        &self,
        schema: &ResourceSchema,
        id: &str,
        method: &Method,
        check: &(dyn Fn(u64) -> Result<(), ScimError> + Sync),
        precondition: bool,
    ) -> Result<(), ScimError> {
        let rt = schema.name();
        let expected = if precondition {
            let current = self
                .svc
                .store
                .get(&self.tenant, rt, id, false)
                .await?
                .ok_or_else(|| ScimError::not_found("resource not found"))?;
            check(current.version)?;
            Some(current.version)
        } else {
            None
        };
        self.svc
            .store
            .delete(&self.tenant, rt, id, expected)
            .await
            .map_err(|e| self.store_error(schema, e))?;
        self.emit(method, rt, Some(id), vec![Change::Deleted]);
        Ok(())
    }
}

/// What [`patch_whole`](Ctx::patch_whole) did: the old and the new document, the store's
/// answer, and, for a type without members, the groups the resource is in (so the response
/// needs no second read).
type WholePatch = (Value, Value, Updated, Option<Option<Vec<GroupRef>>>);

/// What a write left: its version, and the resource as stored when the write knows it without
/// reading it back (a type without members, whose only relation, `groups`, no write changes).
pub(crate) struct Written {
    pub(crate) version: u64,
    stored: Option<Stored>,
}

impl Written {
    fn new(id: &str, updated: &Updated, answer: Option<(Value, Option<Vec<GroupRef>>)>) -> Written {
        let stored = answer.map(|(doc, groups)| {
            let mut stored = Stored::new(id, updated.version, doc);
            stored.groups = groups;
            stored
        });
        Written {
            version: updated.version,
            stored,
        }
    }
}

fn membership(changes: &mut Vec<Change>, updated: &Updated) {
    if !updated.added.is_empty() || !updated.removed.is_empty() {
        changes.push(Change::MembersChanged {
            added: updated.added.clone(),
            removed: updated.removed.clone(),
        });
    }
}

fn activity(changes: &mut Vec<Change>, old: &Value, new: &Value) {
    match (active(old), active(new)) {
        (Some(true) | None, Some(false)) => changes.push(Change::Deactivated),
        (Some(false), Some(true) | None) if !new.is_null() => changes.push(Change::Reactivated),
        _ => {}
    }
}

/// One try of a conditional write.
pub(crate) enum Attempt {
    /// Another write won the race: read again.
    Lost,
    /// A failure to answer with.
    Failed(Box<ScimError>),
}

impl From<ScimError> for Attempt {
    fn from(e: ScimError) -> Attempt {
        Attempt::Failed(Box::new(e))
    }
}

impl From<scimkit_patch::Error> for Attempt {
    fn from(e: scimkit_patch::Error) -> Attempt {
        Attempt::Failed(Box::new(e.into()))
    }
}

impl From<scimkit_schema::Error> for Attempt {
    fn from(e: scimkit_schema::Error) -> Attempt {
        Attempt::Failed(Box::new(e.into()))
    }
}

/// Whether a resource type has group-style `members` kept as a relation.
pub(crate) fn has_members(schema: &ResourceSchema) -> bool {
    schema.name() == "Group"
}

/// Clients that serialize an extension as a standalone object send
/// `{"op":"add","path":"urn:…:enterprise:2.0:User","value":{"schemas":["urn:…:enterprise:2.0:User"],
/// "employeeNumber":"…"}}`. That `schemas` member only restates the path's own URN and is no
/// attribute of the extension (RFC 7643 §3.3), so it is dropped before the patch engine sees it;
/// any other `schemas` inside an extension value is left for the engine to refuse. `None` when no
/// operation needs it (the common case: nothing is copied).
fn drop_restated_schemas(
    schema: &ResourceSchema,
    ops: &[PatchOperation],
) -> Result<Option<Vec<PatchOperation>>, ScimError> {
    let restates = |op: &PatchOperation| -> bool {
        let Some(urn) = op.path().filter(|p| schema.extension(p).is_some()) else {
            return false;
        };
        let Some(value) = op.value().and_then(Value::as_object) else {
            return false;
        };
        match name::get(value, "schemas") {
            Some((_, Value::String(s))) => name::eq(s, urn),
            Some((_, Value::Array(a))) => a
                .iter()
                .all(|s| s.as_str().is_some_and(|s| name::eq(s, urn))),
            _ => false,
        }
    };
    if !ops.iter().any(restates) {
        return Ok(None);
    }
    ops.iter()
        .map(|op| {
            if !restates(op) {
                return Ok(op.clone());
            }
            let mut value = op.value().cloned().unwrap_or(Value::Null);
            if let Some(o) = value.as_object_mut() {
                name::remove(o, "schemas");
            }
            PatchOperation::new(op.op(), op.path(), Some(value)).map_err(ScimError::from)
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// The pause before retry number `tries` of a write that lost a race. The first two retries
/// only let the winner finish; later ones wait a random time of up to 0.1 ms × 2^(tries - 2)
/// (at most 3.2 ms), so writers that keep colliding on one resource (several instances on one
/// database, each reading the version the others just replaced) spread out instead of retrying
/// in lockstep until the retries run out. The wait runs on the blocking pool, so it needs no
/// timer in the caller's runtime and holds no async worker.
async fn backoff(tries: u32) {
    if tries <= 2 {
        tokio::task::yield_now().await;
        return;
    }
    let ceiling = 100u64 << (tries - 2).min(5);
    let mut random = [0u8; 2];
    // Without randomness the wait is the longest of its range: still a pause, only less spread.
    let micros = match getrandom::getrandom(&mut random) {
        Ok(()) => u64::from(u16::from_le_bytes(random)) % (ceiling + 1),
        Err(_) => ceiling,
    };
    let pause = std::time::Duration::from_micros(micros);
    let _ = tokio::task::spawn_blocking(move || std::thread::sleep(pause)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_4_uuids_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        for id in [a, b] {
            assert_eq!(id.len(), 36);
            let groups: Vec<_> = id.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12]);
            assert!(id
                .chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
            assert_eq!(&id[14..15], "4");
            assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        }
    }

    #[test]
    fn pruning_removes_nulls_and_empties_at_depth() {
        let mut v = json!({"schemas": [], "a": null, "b": {"c": null}, "d": [{"e": null, "f": 1}], "g": []});
        prune_unassigned(&mut v);
        assert_eq!(v, json!({"schemas": [], "d": [{"f": 1}]}));
    }

    #[test]
    fn unknown_attributes_are_dropped_at_every_level() {
        let schema = ResourceSchema::user();
        let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let mut body = json!({
            "userName": "a", "adreses": [], "NAME": {"givenName": "x", "colour": 1},
            "emails": [{"value": "a@b", "colour": 1}, {"value": "c@d", "colour": 2, "shade": 3}],
            ext: {"department": "x", "colour": 1, "manager": {"value": "m", "colour": 1}}
        });
        assert_eq!(
            drop_unknown(&schema, &mut body, Interop::idp_compatible()),
            [
                "adreses",
                "NAME.colour",
                "emails.colour",
                "emails.shade",
                &format!("{ext}:colour"),
                &format!("{ext}:manager.colour"),
            ]
        );
        assert_eq!(
            body,
            json!({
                "userName": "a", "NAME": {"givenName": "x"},
                "emails": [{"value": "a@b"}, {"value": "c@d"}],
                ext: {"department": "x", "manager": {"value": "m"}}
            })
        );
    }

    #[test]
    fn changed_attributes_lists_added_changed_and_removed() {
        let old = json!({"a": 1, "b": 2, "meta": {"x": 1}});
        let new = json!({"a": 1, "b": 3, "c": 4, "meta": {"x": 2}});
        let mut changed = changed_attributes(&old, &new);
        changed.sort();
        assert_eq!(changed, ["b", "c"]);
        assert_eq!(
            changed_attributes(&new, &json!({"a": 1, "meta": {}})).len(),
            2
        );
    }
}
