//! Group membership (RFC 7643 §4.2): member lists read from client JSON, member ids resolved
//! against the store (their `type` derived from what they name, never trusted from the client),
//! cycles refused, and the PATCH shapes that become direct deltas.

use std::collections::{HashSet, VecDeque};

use scimkit_filter::{CompValue, CompareOp, Filter};
use scimkit_patch::{Op, PatchOperation};
use scimkit_protocol::ScimError;
use scimkit_schema::name;
use serde_json::Value;

use crate::store::{Member, MemberChange, MemberType, Store};
use scimkit_schema::Interop;

/// A member as the client sent it, before its id is resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Requested {
    pub(crate) value: String,
    pub(crate) display: Option<String>,
}

/// The members of a `members` value (an array of objects with a string `value`), deduplicated by
/// `value`. `type` and `$ref` are ignored: they are derived from the id. Sub-attributes other
/// than `value`, `display`, `type` and `$ref` are reported in `unknown`.
pub(crate) fn requested(
    list: &Value,
    unknown: &mut Vec<String>,
) -> Result<Vec<Requested>, ScimError> {
    let list = match list {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a.as_slice(),
        Value::Object(_) => std::slice::from_ref(list),
        _ => return Err(ScimError::invalid_value("`members` must be an array")),
    };
    let mut out = Vec::with_capacity(list.len());
    let mut seen = HashSet::with_capacity(list.len());
    for m in list {
        let o = m
            .as_object()
            .ok_or_else(|| ScimError::invalid_value("each member must be an object"))?;
        let value = name::value(o, "value")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                ScimError::invalid_value("each member needs a non-empty string `value`")
            })?;
        for key in o.keys() {
            if !["value", "display", "type", "$ref"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(key))
                && !unknown.iter().any(|u| u == &format!("members.{key}"))
            {
                unknown.push(format!("members.{key}"));
            }
        }
        if !seen.insert(value.to_owned()) {
            continue;
        }
        out.push(Requested {
            value: value.to_owned(),
            display: name::value(o, "display")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    Ok(out)
}

/// The outcome of resolving requested members.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    pub(crate) members: Vec<Member>,
    /// Ids that name nothing (skipped under [`Interop::skip_unknown_members`]).
    pub(crate) unknown: Vec<String>,
}

/// Resolves member ids in the tenant: each must name a User or Group; the member `type` is what
/// it names. Unknown ids fail with 400 `invalidValue`, or are skipped under
/// [`Interop::skip_unknown_members`]. A group member that would make `group` contain itself is
/// refused (RFC 7643 §4.2 allows nesting, not cycles).
pub(crate) async fn resolve<S: Store>(
    store: &S,
    tenant: &str,
    group: &str,
    requested: Vec<Requested>,
    interop: Interop,
) -> Result<Resolved, ScimError> {
    if requested.is_empty() {
        return Ok(Resolved::default());
    }
    let ids: Vec<String> = requested.iter().map(|r| r.value.clone()).collect();
    let types = store.resource_types_of(tenant, &ids).await?;
    let mut out = Resolved::default();
    for (r, t) in requested.into_iter().zip(types) {
        match t.as_deref().and_then(MemberType::of_resource_type) {
            Some(kind) => out.members.push(Member {
                value: r.value,
                kind,
                display: r.display,
            }),
            None => out.unknown.push(r.value),
        }
    }
    if !out.unknown.is_empty() && !interop.skip_unknown_members {
        return Err(ScimError::invalid_value(format!(
            "member `{}` does not exist",
            out.unknown[0]
        )));
    }
    let nested: Vec<&str> = out
        .members
        .iter()
        .filter(|m| m.kind == MemberType::Group)
        .map(|m| m.value.as_str())
        .collect();
    if !nested.is_empty() {
        refuse_cycles(store, tenant, group, &nested).await?;
    }
    Ok(out)
}

/// Largest number of groups a cycle check visits before it gives up and refuses.
const CYCLE_SEARCH_LIMIT: usize = 10_000;

async fn refuse_cycles<S: Store>(
    store: &S,
    tenant: &str,
    group: &str,
    nested: &[&str],
) -> Result<(), ScimError> {
    let cycle = || {
        ScimError::invalid_value(format!(
            "adding this member would make group `{group}` contain itself"
        ))
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<String> = nested.iter().map(|s| (*s).to_owned()).collect();
    while let Some(g) = queue.pop_front() {
        if g == group {
            return Err(cycle());
        }
        if !seen.insert(g.clone()) {
            continue;
        }
        if seen.len() > CYCLE_SEARCH_LIMIT {
            return Err(ScimError::invalid_value(
                "group nesting is too deep to check for cycles",
            ));
        }
        queue.extend(
            store
                .nested_groups(tenant, &g)
                .await
                .map_err(ScimError::from)?,
        );
    }
    Ok(())
}

/// A change to `members` that the store makes directly, without loading the member list.
#[derive(Debug)]
pub(crate) enum MemberOp {
    /// `add` on `members` with a list (RFC 7644 §3.5.2.1).
    Add(Vec<Requested>),
    /// `remove` on `members[value eq "..."]`, or on `members` with a value list (Entra and
    /// JumpCloud send removals that way; see docs/idp-compatibility.md).
    Remove(Vec<String>),
    /// `replace` on `members` with a list (`[]` included), or `remove` on `members` (all).
    Set(Vec<Requested>),
}

impl MemberOp {
    /// The store change, once added members are resolved.
    pub(crate) fn into_change(self, resolved: Option<Vec<Member>>) -> MemberChange {
        match self {
            MemberOp::Add(_) => MemberChange::Add(resolved.unwrap_or_default()),
            MemberOp::Remove(ids) => MemberChange::Remove(ids),
            MemberOp::Set(_) => MemberChange::Set(resolved.unwrap_or_default()),
        }
    }

    pub(crate) fn requested(&mut self) -> Option<Vec<Requested>> {
        match self {
            MemberOp::Add(r) | MemberOp::Set(r) => Some(std::mem::take(r)),
            MemberOp::Remove(_) => None,
        }
    }
}

/// Whether a PATCH operation addresses `members`.
pub(crate) fn touches_members(op: &PatchOperation) -> bool {
    match op.parsed_path() {
        Some(p) => p.attr().urn().is_none() && p.attr().name().eq_ignore_ascii_case("members"),
        None => op
            .value()
            .and_then(Value::as_object)
            .is_some_and(|o| name::get(o, "members").is_some()),
    }
}

/// For each operation: the direct membership change it is, or `None` for an operation on other
/// attributes. `None` overall when an operation on `members` has another shape (a filter on
/// `display`, a sub-attribute path, a no-path value naming `members`), which then goes through
/// the PATCH engine on the loaded member list.
pub(crate) fn direct_ops(
    ops: &[PatchOperation],
    unknown: &mut Vec<String>,
) -> Option<Vec<Option<MemberOp>>> {
    ops.iter()
        .map(|op| {
            if touches_members(op) {
                member_op(op, unknown).map(Some)
            } else {
                Some(None)
            }
        })
        .collect()
}

fn member_op(op: &PatchOperation, unknown: &mut Vec<String>) -> Option<MemberOp> {
    let path = op.parsed_path()?;
    let attr = path.attr();
    if attr.sub_attr().is_some() || path.sub_attr().is_some() {
        return None;
    }
    let list = |unknown: &mut Vec<String>| -> Option<Vec<Requested>> {
        let value = op.value()?;
        (value.is_array() || value.is_object())
            .then(|| requested(value, unknown).ok())
            .flatten()
    };
    match (op.op(), path.filter(), op.value()) {
        (Op::Add, None, Some(_)) => list(unknown).map(MemberOp::Add),
        (Op::Replace, None, Some(_)) => list(unknown).map(MemberOp::Set),
        (Op::Remove, None, None) => Some(MemberOp::Set(Vec::new())),
        (Op::Remove, None, Some(_)) => {
            list(unknown).map(|m| MemberOp::Remove(m.into_iter().map(|m| m.value).collect()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(v: Value) -> PatchOperation {
        PatchOperation::from_value(&v).unwrap()
    }

    #[test]
    fn member_shapes_become_direct_deltas() {
        let mut unknown = Vec::new();
        let ops = [
            op(json!({"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "a"}]})),
            op(json!({"op": "remove", "path": "members[value eq \"b\"]"})),
            op(json!({"op": "replace", "path": "displayName", "value": "x"})),
        ];
        let direct = direct_ops(&ops, &mut unknown).unwrap();
        assert!(matches!(&direct[0], Some(MemberOp::Add(r)) if r.len() == 1));
        assert!(matches!(&direct[1], Some(MemberOp::Remove(ids)) if ids == &["b"]));
        assert!(direct[2].is_none());
    }

    #[test]
    fn other_member_shapes_go_through_the_engine() {
        let mut unknown = Vec::new();
        let ops = [op(
            json!({"op": "remove", "path": "members[display eq \"b\"]"}),
        )];
        assert!(direct_ops(&ops, &mut unknown).is_none());
    }

    #[test]
    fn unknown_member_sub_attributes_are_reported() {
        let mut unknown = Vec::new();
        let r = requested(&json!([{"value": "a", "colour": "red"}]), &mut unknown).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(unknown, ["members.colour"]);
    }
}
