//! The resource operations of RFC 7644 §3.3–§3.6 over the store: create, get, list, replace,
//! patch, delete. Each write is one SQLite transaction with an audit row.

use rusqlite::Connection;
use scimkit::patch::{Interop, Op, PatchOperation, Patcher};
use scimkit::protocol::{ETag, ScimError};
use scimkit::schema::validate::Context;
use scimkit::schema::{name, ResourceSchema, Validator};
use serde_json::{json, Map, Value};

use super::store::{self, Kind, Member, Row, Store, StoreError};

/// The id generator: a random UUID v4 (RFC 9562 §5.4), from the OS's randomness.
pub fn new_id() -> String {
    let mut b = super::auth::random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(detail) => ScimError::uniqueness(detail),
            StoreError::NotFound => ScimError::not_found("resource not found"),
            StoreError::Invalid(detail) => ScimError::invalid_value(detail),
            StoreError::Sql(e) => {
                tracing::error!(error = %e, "database error");
                ScimError::internal("database error")
            }
        }
    }
}

/// A resource as returned to the client: its full JSON (derived attributes included) and ETag.
#[derive(Debug)]
pub struct Stored {
    /// The SCIM id.
    pub id: String,
    /// The full resource.
    pub body: Value,
    /// `W/"<version>"`.
    pub etag: ETag,
}

/// What the service provider needs to know about one resource type.
#[derive(Debug)]
pub struct ResourceOps<'a> {
    pub store: &'a Store,
    pub tenant: &'a str,
    pub kind: Kind,
    pub schema: &'a ResourceSchema,
    /// `https://host/t/{tenant}/scim/v2`, for `meta.location` and member `$ref`s.
    pub base: &'a str,
}

impl ResourceOps<'_> {
    fn location(&self, id: &str) -> String {
        format!("{}/{}/{id}", self.base, self.kind.endpoint())
    }

    /// Validates a client body for create or replace, with the IdP tolerances on (Entra E2/E9/E15/E16).
    fn validate(&self, body: &mut Value, context: Context<'_>) -> Result<(), ScimError> {
        Validator::new(self.schema)
            .interop()
            .validate(body, context)?;
        // RFC 7643 §2.5: null and [] are "unassigned"; Entra sends them on create (E16). Store
        // and return the resource without them.
        prune_unassigned(body);
        Ok(())
    }

    /// POST /Users, POST /Groups (RFC 7644 §3.3).
    pub fn create(&self, mut body: Value) -> Result<Stored, ScimError> {
        self.validate(&mut body, Context::Create)?;
        let members = self.take_members(&mut body)?;
        let id = new_id();
        let now = store::now();
        set_server_attributes(
            &mut body,
            &id,
            self.kind,
            &now,
            &now,
            1,
            &self.location(&id),
        );
        let seq = self.store.write(|tx| {
            let seq = store::insert(tx, self.tenant, self.kind, &id, &body)?;
            if let Some(members) = &members {
                self.check_members(tx, members)?;
                store::add_members(tx, self.tenant, seq, members)?;
            }
            store::audit(tx, self.tenant, "create", self.kind, &id)?;
            Ok(seq)
        })?;
        let row = Row {
            seq,
            id,
            version: 1,
            body,
        };
        self.finish(row, true)
    }

    /// GET /Users/{id} (RFC 7644 §3.4.1).
    pub fn get(&self, id: &str, with_members: bool) -> Result<Stored, ScimError> {
        if !with_members {
            let row = self
                .store
                .read(|c| store::get(c, self.tenant, self.kind, id))?;
            return self.finish(row, false);
        }
        Ok(self.store.read_snapshot(|c| {
            let row = store::get(c, self.tenant, self.kind, id)?;
            self.finish_on(Some(c), row)
        })?)
    }

    /// PUT /Users/{id} (RFC 7644 §3.5.1): replaces every client-settable attribute.
    pub fn replace(
        &self,
        id: &str,
        mut body: Value,
        precondition: impl Fn(&ETag) -> Result<(), ScimError>,
    ) -> Result<Stored, ScimError> {
        let row = self.store.write(|tx| {
            let row = store::get(tx, self.tenant, self.kind, id)?;
            Ok(row)
        })?;
        precondition(&etag(row.version))?;
        let existing = self.finish(row.clone(), true)?.body;
        self.validate(
            &mut body,
            Context::Replace {
                existing: &existing,
            },
        )?;
        let members = self.take_members(&mut body)?;
        let row = self
            .store
            .write(|tx| {
                // Re-read inside the write transaction: a concurrent writer may have moved on.
                let current = store::get(tx, self.tenant, self.kind, id)?;
                if current.version != row.version {
                    return Err(StoreError::Conflict("version".into()));
                }
                let version = current.version + 1;
                let created = current
                    .body
                    .pointer("/meta/created")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(store::now);
                set_server_attributes(
                    &mut body,
                    id,
                    self.kind,
                    &created,
                    &store::now(),
                    version,
                    &self.location(id),
                );
                store::update(tx, self.tenant, self.kind, &current, &body, version)?;
                if let Some(members) = &members {
                    self.check_members(tx, members)?;
                    store::clear_members(tx, current.seq)?;
                    store::add_members(tx, self.tenant, current.seq, members)?;
                }
                store::audit(tx, self.tenant, "replace", self.kind, id)?;
                Ok(Row {
                    seq: current.seq,
                    id: id.to_owned(),
                    version,
                    body: body.clone(),
                })
            })
            .map_err(|e| match e {
                StoreError::Conflict(d) if d == "version" => ScimError::precondition_failed(
                    "the resource changed while it was being replaced",
                ),
                other => other.into(),
            })?;
        self.finish(row, true)
    }

    /// PATCH /Users/{id} (RFC 7644 §3.5.2) with the IdP interop profile. Returns the resource and
    /// whether anything changed.
    pub fn patch(
        &self,
        id: &str,
        ops: &[PatchOperation],
        precondition: impl Fn(&ETag) -> Result<(), ScimError>,
        with_members: bool,
    ) -> Result<(Stored, bool), ScimError> {
        // The patched resource passes the same tolerant validation as a PUT body: two
        // `primary: true` values in a replaced list keep the first (IDP-QUIRKS P2), string
        // booleans become booleans (E2).
        let patcher = Patcher::new(self.schema)
            .interop(Interop::idp_compatible())
            .validator(Validator::new(self.schema).interop());
        let normalized = drop_restated_schemas(self.schema, ops)?;
        let ops = normalized.as_deref().unwrap_or(ops);
        let mut patch_error = None;
        let result = self.store.write(|tx| {
            let (row, changed) = (|| -> Result<(Row, bool), StoreError> {
                let row = store::get(tx, self.tenant, self.kind, id)?;
                if let Err(e) = precondition(&etag(row.version)) {
                    patch_error = Some(e);
                    return Err(StoreError::NotFound);
                }
                let touches_members = self.kind == Kind::Group && ops.iter().any(touches_members);
                if touches_members {
                    if let Some(member_ops) = direct_member_ops(ops) {
                        return self.patch_members_directly(
                            tx,
                            row,
                            ops,
                            &member_ops,
                            &patcher,
                            &mut patch_error,
                        );
                    }
                }
                let mut body = row.body.clone();
                let old_members = if touches_members {
                    store::members(tx, row.seq)?
                } else {
                    Vec::new()
                };
                if touches_members {
                    put_members(&mut body, &old_members, self.base);
                }
                // Derived, read-only User.groups is not part of what a PATCH can change.
                let changed = match patcher.apply(&mut body, ops) {
                    Ok(changed) => changed,
                    Err(e) => {
                        patch_error = Some(e.into());
                        return Err(StoreError::NotFound);
                    }
                };
                if !changed {
                    return Ok((row, false));
                }
                if touches_members {
                    let new_members = match members_from(&body) {
                        Ok(m) => m,
                        Err(e) => {
                            patch_error = Some(e);
                            return Err(StoreError::NotFound);
                        }
                    };
                    if let Err(e) = self.check_members(tx, &new_members) {
                        patch_error = Some(e.into());
                        return Err(StoreError::NotFound);
                    }
                    sync_members(tx, self.tenant, row.seq, &old_members, &new_members)?;
                    strip_members(&mut body);
                }
                self.save_patched(tx, row, body).map(|row| (row, true))
            })()?;
            // The response's derived attributes are read by the writer, in the same transaction.
            Ok((self.finish_on(with_members.then_some(tx), row)?, changed))
        });
        match (result, patch_error) {
            (_, Some(e)) => Err(e),
            (r, None) => Ok(r?),
        }
    }

    /// The membership fast path: every operation on `members` is one SQL can do directly (add a
    /// list, remove by `value eq`, remove a listed set (Entra E3), clear, replace), so a one-member
    /// change of a 100k-member group writes one row and never loads the member list. Operations on
    /// other attributes go through the patch engine on the small stored body.
    fn patch_members_directly(
        &self,
        tx: &Connection,
        row: Row,
        ops: &[PatchOperation],
        member_ops: &[Option<MemberOp>],
        patcher: &Patcher<'_>,
        patch_error: &mut Option<ScimError>,
    ) -> Result<(Row, bool), StoreError> {
        let others: Vec<PatchOperation> = ops
            .iter()
            .zip(member_ops)
            .filter(|(_, m)| m.is_none())
            .map(|(op, _)| op.clone())
            .collect();
        let mut body = row.body.clone();
        let mut changed = false;
        if !others.is_empty() {
            match patcher.apply(&mut body, &others) {
                Ok(c) => changed = c,
                Err(e) => {
                    *patch_error = Some(e.into());
                    return Err(StoreError::NotFound);
                }
            }
        }
        for op in member_ops.iter().flatten() {
            changed |= match op {
                MemberOp::Add(members) => {
                    self.check_members(tx, members)?;
                    store::add_members(tx, self.tenant, row.seq, members)? > 0
                }
                MemberOp::Remove(ids) => store::remove_members(tx, row.seq, ids)? > 0,
                MemberOp::Clear => store::clear_members(tx, row.seq)? > 0,
                MemberOp::Replace(members) => {
                    self.check_members(tx, members)?;
                    let old = store::members(tx, row.seq)?;
                    let same = old.len() == members.len()
                        && members
                            .iter()
                            .all(|m| old.iter().any(|o| o.value == m.value));
                    sync_members(tx, self.tenant, row.seq, &old, members)?;
                    !same
                }
            };
        }
        if !changed {
            return Ok((row, false));
        }
        self.save_patched(tx, row, body).map(|row| (row, true))
    }

    /// Writes a patched body: the next version, `meta.lastModified` and `meta.version` in step,
    /// and an audit row.
    fn save_patched(&self, tx: &Connection, row: Row, mut body: Value) -> Result<Row, StoreError> {
        let version = row.version + 1;
        if let Some(meta) = body.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert("lastModified".into(), store::now().into());
            meta.insert("version".into(), etag(version).to_string().into());
        }
        store::update(tx, self.tenant, self.kind, &row, &body, version)?;
        store::audit(tx, self.tenant, "patch", self.kind, &row.id)?;
        Ok(Row {
            seq: row.seq,
            id: row.id,
            version,
            body,
        })
    }

    /// DELETE /Users/{id} (RFC 7644 §3.6).
    pub fn delete(
        &self,
        id: &str,
        precondition: impl Fn(&ETag) -> Result<(), ScimError>,
    ) -> Result<(), ScimError> {
        let mut pre_error = None;
        let result = self.store.write(|tx| {
            let row = store::get(tx, self.tenant, self.kind, id)?;
            if let Err(e) = precondition(&etag(row.version)) {
                pre_error = Some(e);
                return Err(StoreError::NotFound);
            }
            store::delete(tx, self.tenant, self.kind, id)?;
            store::audit(tx, self.tenant, "delete", self.kind, id)
        });
        match (result, pre_error) {
            (_, Some(e)) => Err(e),
            (r, None) => Ok(r?),
        }
    }

    /// Adds what is derived from other tables: Group `members`, User `groups`.
    pub fn finish(&self, row: Row, with_members: bool) -> Result<Stored, ScimError> {
        if !with_members {
            return Ok(self.finish_on(None, row)?);
        }
        Ok(self.store.read(|c| self.finish_on(Some(c), row))?)
    }

    /// [`finish`](Self::finish) with the derived attributes read on `c` when given: a list reads
    /// them in the same read transaction as its page, so they agree with it and cost no second
    /// connection or WAL snapshot.
    pub fn finish_on(&self, c: Option<&Connection>, row: Row) -> Result<Stored, StoreError> {
        let etag = etag(row.version);
        let id = row.id;
        let mut body = row.body;
        match (c, self.kind) {
            (None, _) => {}
            (Some(c), Kind::Group) => {
                let members = store::members(c, row.seq)?;
                put_members(&mut body, &members, self.base);
            }
            (Some(c), Kind::User) => {
                let groups = store::groups_of(c, self.tenant, &id)?;
                if !groups.is_empty() {
                    let list: Vec<Value> = groups
                        .into_iter()
                        .map(|(gid, display)| {
                            let mut o = Map::new();
                            let href = format!("{}/Groups/{gid}", self.base);
                            o.insert("value".into(), gid.into());
                            o.insert("$ref".into(), href.into());
                            if let Some(d) = display {
                                o.insert("display".into(), d.into());
                            }
                            o.insert("type".into(), "direct".into());
                            Value::Object(o)
                        })
                        .collect();
                    if let Some(o) = body.as_object_mut() {
                        o.insert("groups".into(), Value::Array(list));
                    }
                }
            }
        }
        Ok(Stored { id, body, etag })
    }

    /// Takes `members` out of a group body (they live in their own table).
    fn take_members(&self, body: &mut Value) -> Result<Option<Vec<Member>>, ScimError> {
        if self.kind != Kind::Group {
            return Ok(None);
        }
        let members = members_from(body)?;
        strip_members(body);
        Ok(Some(members))
    }

    /// Every member must name an existing resource of this tenant (RFC 7643 §4.2 `members.value`
    /// is an `id`); the member type is taken from what it is.
    fn check_members(&self, tx: &Connection, members: &[Member]) -> Result<(), StoreError> {
        for m in members {
            if store::exists(tx, self.tenant, &m.value)?.is_none() {
                return Err(StoreError::Invalid(format!(
                    "member `{}` does not exist",
                    m.value
                )));
            }
        }
        Ok(())
    }
}

/// RFC 7643 §2.5: removes members that are null, empty arrays or (after that) empty objects, at
/// any depth of the resource's objects; `schemas` stays as it is.
fn prune_unassigned(value: &mut Value) {
    fn assigned(v: &Value) -> bool {
        match v {
            Value::Null => false,
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => true,
        }
    }
    fn prune(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.values_mut().for_each(prune);
                o.retain(|_, m| assigned(m));
            }
            Value::Array(a) => a.iter_mut().for_each(prune),
            _ => {}
        }
    }
    if let Some(o) = value.as_object_mut() {
        for (k, member) in o.iter_mut() {
            if !k.eq_ignore_ascii_case("schemas") {
                prune(member);
            }
        }
        o.retain(|k, m| k.eq_ignore_ascii_case("schemas") || assigned(m));
    }
}

fn etag(version: i64) -> ETag {
    ETag::from_counter(version.max(0) as u64)
}

/// Sets `id` and `meta` (RFC 7643 §3.1), which only the service provider assigns.
fn set_server_attributes(
    body: &mut Value,
    id: &str,
    kind: Kind,
    created: &str,
    modified: &str,
    version: i64,
    location: &str,
) {
    let Some(o) = body.as_object_mut() else {
        return;
    };
    o.insert("id".into(), id.into());
    o.insert(
        "meta".into(),
        json!({
            "resourceType": kind.as_str(),
            "created": created,
            "lastModified": modified,
            "location": location,
            "version": etag(version).to_string(),
        }),
    );
}

/// Clients that serialize an extension as a standalone object (scim2-models, python-scim) send
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

/// A change to a group's `members` that SQL makes directly.
#[derive(Debug)]
enum MemberOp {
    /// `add` on `members` with a list (RFC 7644 §3.5.2.1).
    Add(Vec<Member>),
    /// `remove` on `members[value eq "…"]`, or on `members` with a value list (Entra E3, J2).
    Remove(Vec<String>),
    /// `remove` on `members` without a value.
    Clear,
    /// `replace` on `members` with a list, `[]` included (Okta O9).
    Replace(Vec<Member>),
}

/// For each operation, the direct membership change it is, or `None` for an operation on other
/// attributes; `None` overall when some operation on `members` has another shape (a filter on
/// `display`, a sub-attribute path, a no-path value with `members`), which the patch engine then
/// handles on the loaded member list.
fn direct_member_ops(ops: &[PatchOperation]) -> Option<Vec<Option<MemberOp>>> {
    ops.iter()
        .map(|op| {
            if touches_members(op) {
                member_op(op).map(Some)
            } else {
                Some(None)
            }
        })
        .collect()
}

fn member_op(op: &PatchOperation) -> Option<MemberOp> {
    use scimkit::filter::{CompValue, CompareOp, Filter};
    let path = op.parsed_path()?;
    let attr = path.attr();
    if attr.urn().is_some()
        || attr.sub_attr().is_some()
        || path.sub_attr().is_some()
        || !attr.name().eq_ignore_ascii_case("members")
    {
        return None;
    }
    let list = || -> Option<Vec<Member>> {
        let value = op.value()?;
        value
            .is_array()
            .then(|| members_from(&json!({ "members": value })).ok())
            .flatten()
    };
    match (op.op(), path.filter(), op.value()) {
        (Op::Add, None, Some(_)) => list().map(MemberOp::Add),
        (Op::Replace, None, Some(_)) => list().map(MemberOp::Replace),
        (Op::Remove, None, None) => Some(MemberOp::Clear),
        (Op::Remove, None, Some(_)) => {
            list().map(|m| MemberOp::Remove(m.into_iter().map(|m| m.value).collect()))
        }
        (
            Op::Remove,
            Some(Filter::Compare {
                attr,
                op: CompareOp::Eq,
                value: CompValue::String(id),
            }),
            None,
        ) if attr.urn().is_none()
            && attr.sub_attr().is_none()
            && attr.name().eq_ignore_ascii_case("value") =>
        {
            Some(MemberOp::Remove(vec![id.clone()]))
        }
        _ => None,
    }
}

fn touches_members(op: &PatchOperation) -> bool {
    match op.path() {
        Some(p) => p.len() >= 7 && p[..7].eq_ignore_ascii_case("members"),
        None => op
            .value()
            .and_then(Value::as_object)
            .is_some_and(|o| name::get(o, "members").is_some()),
    }
}

fn put_members(body: &mut Value, members: &[Member], base: &str) {
    if let Some(o) = body.as_object_mut() {
        o.insert(
            "members".into(),
            Value::Array(store::members_json(members, base)),
        );
    }
}

fn strip_members(body: &mut Value) {
    if let Some(o) = body.as_object_mut() {
        name::remove(o, "members");
    }
}

/// The members of a group body, deduplicated by `value`.
fn members_from(body: &Value) -> Result<Vec<Member>, ScimError> {
    let Some(list) = body.as_object().and_then(|o| name::value(o, "members")) else {
        return Ok(Vec::new());
    };
    let list = match list {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a,
        _ => return Err(ScimError::invalid_value("`members` must be an array")),
    };
    let mut out: Vec<Member> = Vec::with_capacity(list.len());
    let mut seen = std::collections::HashSet::with_capacity(list.len());
    for m in list {
        let o = m
            .as_object()
            .ok_or_else(|| ScimError::invalid_value("each member must be an object"))?;
        let value = name::value(o, "value")
            .and_then(Value::as_str)
            .ok_or_else(|| ScimError::invalid_value("each member needs a string `value`"))?;
        if !seen.insert(value.to_owned()) {
            continue;
        }
        let type_ = name::value(o, "type")
            .and_then(Value::as_str)
            .unwrap_or("User");
        let type_ = if type_.eq_ignore_ascii_case("group") {
            "Group"
        } else {
            "User"
        };
        let display = name::value(o, "display")
            .and_then(Value::as_str)
            .map(str::to_owned);
        out.push(Member {
            value: value.to_owned(),
            type_: type_.to_owned(),
            display,
        });
    }
    Ok(out)
}

/// Writes only the difference between two member lists: adding or removing one member of a huge
/// group touches one row.
fn sync_members(
    tx: &Connection,
    tenant: &str,
    seq: i64,
    old: &[Member],
    new: &[Member],
) -> Result<(), StoreError> {
    let old_ids: std::collections::HashSet<&str> = old.iter().map(|m| m.value.as_str()).collect();
    let new_ids: std::collections::HashSet<&str> = new.iter().map(|m| m.value.as_str()).collect();
    let removed: Vec<String> = old
        .iter()
        .filter(|m| !new_ids.contains(m.value.as_str()))
        .map(|m| m.value.clone())
        .collect();
    let added: Vec<Member> = new
        .iter()
        .filter(|m| !old_ids.contains(m.value.as_str()))
        .cloned()
        .collect();
    store::remove_members(tx, seq, &removed)?;
    store::add_members(tx, tenant, seq, &added)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimkit::patch::PatchRequest;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn ops(body: Value) -> Vec<PatchOperation> {
        serde_json::from_value::<PatchRequest>(body)
            .unwrap()
            .operations
    }

    #[test]
    fn a_schemas_member_restating_the_extension_path_is_dropped() {
        // scim2-models' shape (scim2-tester check_add_attribute / check_replace_attribute).
        let schema = ResourceSchema::user();
        let request = ops(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "add", "path": ENTERPRISE,
                 "value": {"schemas": [ENTERPRISE], "employeeNumber": "701984"}},
                {"op": "replace", "path": "displayName", "value": "Babs"}
            ]
        }));
        let fixed = drop_restated_schemas(&schema, &request).unwrap().unwrap();
        assert_eq!(fixed[0].value(), Some(&json!({"employeeNumber": "701984"})));
        assert_eq!(fixed[1], request[1]);

        let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                              "userName": "bjensen"});
        assert!(Patcher::new(&schema)
            .interop(Interop::idp_compatible())
            .apply(&mut user, &fixed)
            .unwrap());
        assert_eq!(user[ENTERPRISE]["employeeNumber"], json!("701984"));
    }

    #[test]
    fn other_requests_are_left_alone() {
        let schema = ResourceSchema::user();
        let untouched = ops(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "add", "path": ENTERPRISE, "value": {"employeeNumber": "1"}},
                // A `schemas` naming something else is the engine's to refuse.
                {"op": "add", "path": ENTERPRISE,
                 "value": {"schemas": ["urn:example:other"], "employeeNumber": "2"}},
                {"op": "add", "path": "displayName", "value": "Babs"}
            ]
        }));
        assert!(drop_restated_schemas(&schema, &untouched)
            .unwrap()
            .is_none());
    }
}
