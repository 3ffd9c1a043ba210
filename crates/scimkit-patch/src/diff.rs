//! [`diff`]: the operations that turn one version of a resource into another.

use std::collections::HashMap;

use serde_json::{Map, Value};

use scimkit_schema::name;

use crate::message::PatchOperation;
use crate::target::is_attr_name;
use crate::Patcher;

/// How deep [`diff`] compares values with `==`-like equality; deeper values count as different
/// (and are then replaced whole), so that no caller-built value makes it recurse without bound.
const MAX_EQ_DEPTH: usize = 64;

/// The operations that turn `old` into `new`, so that applying them to `old` (with [`crate::apply`]
/// or a [`Patcher`]) gives a resource equal to `new`.
///
/// The operations are the ones IdP clients send, so a server sees familiar traffic:
/// - a new or changed simple attribute is one `add` or `replace` on its path, a removed one a
///   `remove`;
/// - a complex attribute (`name`) is diffed by sub-attribute (`replace name.givenName`,
///   `remove name.middleName`);
/// - extension attributes use URN-qualified paths
///   (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`);
/// - a multi-valued complex attribute whose elements carry distinct `value`s is diffed by element,
///   with filtered paths: one `remove members[value eq "..."]` per removed element, one
///   `replace emails[value eq "..."]` per changed element, one `add` with the new elements, as
///   Okta and Entra do; when that would not reproduce `new` exactly (order, duplicates, `primary`
///   rules), the whole set is replaced instead;
/// - `schemas` comes last, as a `replace`, when it differs.
///
/// `id` and `meta` are readOnly and left out: the server owns them. Names are matched in any case
/// (RFC 7643 §2.1) and spelling differences alone produce no operation. A member whose name
/// cannot appear in a path (not an RFC 7643 §2.1 attribute name), or that nests deeper than 64
/// levels (SCIM values nest at most 4), is not diffed. `null`, `[]` and
/// `{}` are unassigned (RFC 7643 §2.5), so `new` should not hold them.
///
/// The contract holds for resources whose objects name each attribute once. Names are
/// case-insensitive, so a PATCH path names every spelling of one: for a resource holding both
/// `emails` and `emaiLs`, `diff` pairs each spelling with its own first and does its best, but
/// no operation can address one spelling alone.
///
/// ```
/// use scimkit_patch::{apply, diff};
/// use serde_json::json;
///
/// let old = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Guides",
///                  "members": [{"value": "a"}, {"value": "b"}]});
/// let new = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour Guides",
///                  "members": [{"value": "a"}, {"value": "c"}]});
/// let ops = diff(&old, &new);
/// let text: Vec<String> = ops.iter().map(|o| serde_json::to_string(o).unwrap()).collect();
/// assert_eq!(text, [
///     r#"{"op":"replace","path":"displayName","value":"Tour Guides"}"#,
///     r#"{"op":"remove","path":"members[value eq \"b\"]"}"#,
///     r#"{"op":"add","path":"members","value":[{"value":"c"}]}"#,
/// ]);
/// let mut patched = old.clone();
/// apply(&mut patched, &ops)?;
/// assert_eq!(patched, new);
/// assert!(diff(&new, &new).is_empty());
/// # Ok::<(), scimkit_patch::Error>(())
/// ```
pub fn diff(old: &Value, new: &Value) -> Vec<PatchOperation> {
    let (Value::Object(o), Value::Object(n)) = (old, new) else {
        return Vec::new();
    };
    let mut d = Diff { ops: Vec::new() };
    for (k, nv) in n {
        if skipped(k) {
            continue;
        }
        match counterpart(o, n, k) {
            Some((_, ov)) => d.member(k, ov, nv, (o, n)),
            None if is_extension(k, nv) => {
                if let Value::Object(attrs) = nv {
                    for (a, v) in attrs {
                        d.added(&format!("{k}:{a}"), a, v);
                    }
                }
            }
            None => d.added(k, k, nv),
        }
    }
    for (k, ov) in o {
        if skipped(k) || counterpart(n, o, k).is_some() {
            continue;
        }
        if is_extension(k, ov) {
            if let Value::Object(attrs) = ov {
                for a in attrs.keys() {
                    d.removed(&format!("{k}:{a}"), a);
                }
            }
        } else {
            d.removed(k, k);
        }
    }
    let schemas = (name::value(o, "schemas"), name::value(n, "schemas"));
    if let (old_s, Some(new_s)) = schemas {
        if !old_s.is_some_and(|s| bounded_eq(s, new_s, 0)) {
            d.push(PatchOperation::replace(Some("schemas"), new_s.clone()));
        }
    }
    d.ops
}

/// The member of `to` that `k`, a key of `from`, stands for: the one spelled the same, else one
/// spelled in another case that `from` does not have as spelled. Names are case-insensitive
/// (RFC 7643 §2.1), so a resource should not hold two spellings of one name; when it does, each
/// pairs with its own spelling first, as the patcher resolves a name.
fn counterpart<'a>(
    to: &'a Map<String, Value>,
    from: &Map<String, Value>,
    k: &str,
) -> Option<(&'a String, &'a Value)> {
    if let Some(kv) = to.get_key_value(k) {
        return Some(kv);
    }
    to.iter()
        .find(|(other, _)| name::eq(other, k) && !from.contains_key(other.as_str()))
}

/// The objects holding an attribute in the old and the new version.
type Parents<'a> = (&'a Map<String, Value>, &'a Map<String, Value>);

/// Whether `map` has `k` in one spelling at most.
fn one_spelling(map: &Map<String, Value>, k: &str) -> bool {
    map.keys().filter(|other| name::eq(other, k)).count() <= 1
}

/// Server-owned (readOnly, RFC 7643 §3.1) or handled last.
fn skipped(k: &str) -> bool {
    name::eq(k, "id") || name::eq(k, "meta") || name::eq(k, "schemas")
}

fn is_extension(k: &str, v: &Value) -> bool {
    v.is_object() && k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

struct Diff {
    ops: Vec<PatchOperation>,
}

impl Diff {
    fn push(&mut self, op: Result<PatchOperation, crate::Error>) {
        // A path that cannot be written (a name outside RFC 7643 §2.1) is left out, as documented.
        if let Ok(op) = op {
            self.ops.push(op);
        }
    }

    fn added(&mut self, path: &str, last: &str, v: &Value) {
        if is_attr_name(last) && !v.is_null() && !too_deep(v) {
            self.whole(path, last, v);
        }
    }

    /// Sets an absent attribute to `v`: an `add`, unless `v` is a set that an `add` would not
    /// store as it is (repeated values are added once, and a `primary: true` clears the
    /// `primary` of the values added before it); then a `replace`, which stores a set as sent
    /// ("treated as an add" for an absent attribute, RFC 7644 §3.5.2.3).
    fn whole(&mut self, path: &str, last: &str, v: &Value) {
        if v.is_array() && !adds_as_is(last, v) {
            self.push(PatchOperation::replace(Some(path), v.clone()));
        } else {
            self.push(PatchOperation::add(Some(path), v.clone()));
        }
    }

    fn removed(&mut self, path: &str, last: &str) {
        if is_attr_name(last) {
            self.push(PatchOperation::remove(path));
        }
    }

    /// A top-level member present in both; `parents` are the two versions of the resource.
    fn member(&mut self, k: &str, ov: &Value, nv: &Value, parents: Parents<'_>) {
        // Copying or dropping a value deeper than this recurses in serde_json; SCIM values are at
        // most 4 deep, so such members are not diffed.
        if too_deep(ov) || too_deep(nv) || bounded_eq(ov, nv, 0) {
            return;
        }
        if is_extension(k, ov) && is_extension(k, nv) {
            let (Value::Object(oa), Value::Object(na)) = (ov, nv) else {
                return;
            };
            for (a, v) in na {
                let path = format!("{k}:{a}");
                match counterpart(oa, na, a) {
                    Some((_, o)) => self.attribute(&path, a, o, v, Some(k), (oa, na)),
                    None => self.added(&path, a, v),
                }
            }
            for a in oa.keys() {
                if counterpart(na, oa, a).is_none() {
                    self.removed(&format!("{k}:{a}"), a);
                }
            }
            return;
        }
        self.attribute(k, k, ov, nv, None, parents);
    }

    /// One attribute present in both, at `path` (URN-qualified for extension attributes).
    fn attribute(
        &mut self,
        path: &str,
        last: &str,
        ov: &Value,
        nv: &Value,
        ext: Option<&str>,
        parents: Parents<'_>,
    ) {
        if !is_attr_name(last) || bounded_eq(ov, nv, 0) {
            return;
        }
        match (ov, nv) {
            (Value::Array(oa), Value::Array(na)) => self.multi(path, last, oa, na, ext, parents),
            (Value::Object(os), Value::Object(ns)) if ns.keys().all(|k| is_attr_name(k)) => {
                for (s, v) in ns {
                    let sub_path = format!("{path}.{s}");
                    match counterpart(os, ns, s).map(|(_, v)| v) {
                        Some(o) if bounded_eq(o, v, 1) => {}
                        _ if v.is_null() => {}
                        _ => self.push(PatchOperation::replace(Some(&sub_path), v.clone())),
                    }
                }
                for s in os.keys() {
                    if counterpart(ns, os, s).is_none() && is_attr_name(s) {
                        self.push(PatchOperation::remove(&format!("{path}.{s}")));
                    }
                }
            }
            (Value::Array(_), _)
            | (_, Value::Array(_))
            | (Value::Object(_), _)
            | (_, Value::Object(_)) => {
                self.push(PatchOperation::remove(path));
                self.whole(path, last, nv);
            }
            _ => self.push(PatchOperation::replace(Some(path), nv.clone())),
        }
    }

    /// A multi-valued attribute: by element where elements have distinct string `value`s and the
    /// element operations reproduce `na` exactly, else the whole set. Not by element when the
    /// resource also has the attribute in another spelling: an element operation that empties it
    /// would leave the name to the other spelling.
    fn multi(
        &mut self,
        path: &str,
        last: &str,
        oa: &[Value],
        na: &[Value],
        ext: Option<&str>,
        (old_parent, new_parent): Parents<'_>,
    ) {
        let alone = || one_spelling(old_parent, last) && one_spelling(new_parent, last);
        if let Some(ops) = alone().then(|| by_element(path, oa, na)).flatten() {
            // Check on a copy of just this attribute that the element operations give `na`
            // exactly: order, `primary` clearing and de-duplication all have a say.
            let mut scratch = Map::new();
            scratch.insert(last.to_owned(), Value::Array(oa.to_vec()));
            let mut scratch = match ext {
                Some(urn) => {
                    let mut root = Map::new();
                    root.insert(urn.to_owned(), Value::Object(scratch));
                    Value::Object(root)
                }
                None => Value::Object(scratch),
            };
            if Patcher::schemaless().apply(&mut scratch, &ops).is_ok() {
                let got = match ext {
                    Some(urn) => scratch.get(urn).and_then(|e| e.get(last)),
                    None => scratch.get(last),
                };
                let want = Value::Array(na.to_vec());
                if got.is_some_and(|g| bounded_eq(g, &want, 0)) {
                    self.ops.extend(ops);
                    return;
                }
            }
        }
        if na.is_empty() {
            self.push(PatchOperation::remove(path));
        } else {
            self.push(PatchOperation::replace(
                Some(path),
                Value::Array(na.to_vec()),
            ));
        }
    }
}

/// Whether `add` stores the set `v` as it is on a resource without the attribute: tried on a
/// scratch resource, so that the answer is the engine's own.
fn adds_as_is(last: &str, v: &Value) -> bool {
    let Ok(op) = PatchOperation::add(Some(last), v.clone()) else {
        return false;
    };
    let mut scratch = Value::Object(Map::new());
    Patcher::schemaless().apply(&mut scratch, &[op]).is_ok()
        && scratch.get(last).is_some_and(|got| bounded_eq(got, v, 0))
}

/// The `value` of an element, if it is an object with a string one.
fn key_of(v: &Value) -> Option<&str> {
    name::value(v.as_object()?, "value")?.as_str()
}

/// Element operations with `attr[value eq "..."]` paths, if every element has a distinct string
/// `value` (distinct in any case, since filters compare case-insensitively by default).
///
/// Elements are matched through a hash map of their case-folded `value`s, so a 10,000-member
/// group costs O(n), not O(n²) comparisons.
fn by_element(path: &str, oa: &[Value], na: &[Value]) -> Option<Vec<PatchOperation>> {
    // ASCII case folding is the filters' rule for these ids (`eq_ignore_ascii_case`).
    fn index(a: &[Value]) -> Option<HashMap<String, usize>> {
        let mut by_key = HashMap::with_capacity(a.len());
        for (i, v) in a.iter().enumerate() {
            if by_key.insert(key_of(v)?.to_ascii_lowercase(), i).is_some() {
                return None;
            }
        }
        Some(by_key)
    }
    let old_keys = index(oa)?;
    let new_keys = index(na)?;
    let filtered = |v: &str| -> Option<String> {
        let lit = serde_json::to_string(v).ok()?;
        Some(format!("{path}[value eq {lit}]"))
    };
    let mut ops = Vec::new();
    for o in oa {
        let k = key_of(o)?;
        match new_keys.get(&k.to_ascii_lowercase()).map(|&i| &na[i]) {
            Some(n) if bounded_eq(o, n, 1) => {}
            Some(n) => ops.push(PatchOperation::replace(Some(&filtered(k)?), n.clone()).ok()?),
            None => ops.push(PatchOperation::remove(&filtered(k)?).ok()?),
        }
    }
    let added: Vec<Value> = na
        .iter()
        .filter(|n| {
            let nk = key_of(n).unwrap_or_default();
            !old_keys.contains_key(&nk.to_ascii_lowercase())
        })
        .cloned()
        .collect();
    if !added.is_empty() {
        ops.push(PatchOperation::add(Some(path), Value::Array(added)).ok()?);
    }
    Some(ops)
}

/// Whether `v` nests deeper than [`MAX_EQ_DEPTH`], found without recursion.
fn too_deep(v: &Value) -> bool {
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        if d > MAX_EQ_DEPTH {
            return true;
        }
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|c| (c, d + 1))),
            Value::Object(o) => stack.extend(o.values().map(|c| (c, d + 1))),
            _ => {}
        }
    }
    false
}

/// `a == b`, giving up (false) below [`MAX_EQ_DEPTH`] levels; `depth` is where `a` and `b` are.
fn bounded_eq(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_EQ_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| bounded_eq(p, q, depth + 1))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| bounded_eq(v, w, depth + 1)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bounded_eq_gives_up_deep_down() {
        let mut a = json!(1);
        for _ in 0..100 {
            a = json!([a]);
        }
        assert!(!bounded_eq(&a, &a.clone(), 0));
        assert!(bounded_eq(
            &json!({"a": [1, {"b": 2}]}),
            &json!({"a": [1, {"b": 2}]}),
            0
        ));
    }

    /// Element matching is by case-folded `value` through a map: a large group with one join and
    /// one leave gives exactly those two operations, ids differing only in case are the same
    /// member, and ids duplicated in any case fall back to replacing the set.
    #[test]
    fn members_are_matched_by_case_folded_value() {
        let members = |ids: &[String]| {
            Value::Array(
                ids.iter()
                    .map(|id| serde_json::json!({"value": id}))
                    .collect(),
            )
        };
        let old_ids: Vec<String> = (0..5_000).map(|i| format!("id-{i}")).collect();
        let mut new_ids: Vec<String> = old_ids
            .iter()
            .filter(|id| *id != "id-17")
            .cloned()
            .collect();
        new_ids.push("id-new".into());
        new_ids[3] = "ID-3".into(); // the same member in another case
        let old = serde_json::json!({"members": members(&old_ids)});
        let new = serde_json::json!({"members": members(&new_ids)});
        let ops = diff(&old, &new);
        let text: Vec<String> = ops
            .iter()
            .map(|o| serde_json::to_string(o).unwrap())
            .collect();
        assert_eq!(
            text,
            [
                r#"{"op":"replace","path":"members[value eq \"id-3\"]","value":{"value":"ID-3"}}"#,
                r#"{"op":"remove","path":"members[value eq \"id-17\"]"}"#,
                r#"{"op":"add","path":"members","value":[{"value":"id-new"}]}"#,
            ]
        );
        let mut patched = old.clone();
        crate::apply(&mut patched, &ops).unwrap();
        assert_eq!(patched, new);

        let dup = serde_json::json!({"members": members(&["a".into(), "A".into()])});
        let ops = diff(&old, &dup);
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].path(), Some("members"));
    }

    #[test]
    fn extension_attributes_use_urn_paths() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let old =
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"});
        let new = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", urn], "userName": "a",
                         urn: {"employeeNumber": "1", "manager": {"value": "m"}}});
        let ops = diff(&old, &new);
        let paths: Vec<_> = ops.iter().map(|o| o.path().unwrap().to_owned()).collect();
        assert_eq!(
            paths,
            [
                format!("{urn}:employeeNumber"),
                format!("{urn}:manager"),
                "schemas".into()
            ]
        );
        let mut p = old.clone();
        crate::apply(&mut p, &ops).unwrap();
        assert_eq!(p, new);
    }
}
