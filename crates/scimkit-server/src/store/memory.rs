//! [`MemoryStore`]: every tenant in one process's memory, for tests, demos and as the reference
//! implementation of the storage contract.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use scimkit_filter::Sorter;
use serde_json::Value;

use super::{
    GroupRef, ListPage, ListQuery, Member, MemberChange, MemberType, Store, StoreError, Stored,
    UniqueKey, Updated, Version, Write,
};

/// A [`Store`] in memory. Cheap to create; nothing survives the process.
///
/// Filters are evaluated with the compiled filter over every resource of the type, so lists cost
/// time linear in the tenant's size: fine for tests, not for a million users.
///
/// ```
/// use scimkit_server::store::{MemoryStore, Store, Write};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let doc = serde_json::json!({"id": "1", "userName": "bjensen"});
/// store.create("acme", "User", "1", Write::document(doc, vec![], "2026-01-01T00:00:00Z")).await?;
/// assert!(store.get("acme", "User", "1", false).await?.is_some());
/// assert!(store.get("other", "User", "1", false).await?.is_none());
/// # Ok::<(), scimkit_server::store::StoreError>(()) }).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    tenants: Mutex<HashMap<String, Tenant>>,
}

#[derive(Debug, Default)]
struct Tenant {
    resources: HashMap<String, Entry>,
    /// (resource type, attribute, value) -> id.
    unique: HashMap<(String, String, String), String>,
    next_seq: u64,
}

#[derive(Debug)]
struct Entry {
    resource_type: String,
    seq: u64,
    version: Version,
    doc: Value,
    unique: Vec<UniqueKey>,
    /// Members by insertion sequence, and the sequence of each member id: O(log n) per change.
    members: BTreeMap<u64, Member>,
    member_seq: HashMap<String, u64>,
    next_member: u64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn with<T>(&self, tenant: &str, f: impl FnOnce(&mut Tenant) -> T) -> T {
        // A poisoned lock means a panic elsewhere mid-write; the maps are still consistent
        // because every write below checks before it mutates.
        let mut tenants = self.tenants.lock().unwrap_or_else(|e| e.into_inner());
        f(tenants.entry(tenant.to_owned()).or_default())
    }
}

impl Tenant {
    fn check_unique(
        &self,
        resource_type: &str,
        keys: &[UniqueKey],
        id: &str,
    ) -> Result<(), StoreError> {
        for k in keys {
            let slot = (
                resource_type.to_owned(),
                k.attribute.clone(),
                k.value.clone(),
            );
            if let Some(holder) = self.unique.get(&slot) {
                if holder != id {
                    return Err(StoreError::Uniqueness {
                        attribute: k.attribute.clone(),
                        existing: Some(holder.clone()),
                    });
                }
            }
        }
        Ok(())
    }

    fn entry(&self, resource_type: &str, id: &str) -> Option<&Entry> {
        self.resources
            .get(id)
            .filter(|e| e.resource_type == resource_type)
    }

    fn stored(&self, id: &str, e: &Entry, relations: bool) -> Stored {
        let mut s = Stored::new(id, e.version, e.doc.clone());
        if relations {
            if MemberType::of_resource_type(&e.resource_type) == Some(MemberType::Group) {
                s.members = Some(e.members.values().cloned().collect());
            }
            s.groups = Some(self.groups_of(id));
        }
        s
    }

    fn groups_of(&self, id: &str) -> Vec<GroupRef> {
        let mut groups: Vec<(&u64, GroupRef)> = self
            .resources
            .iter()
            .filter(|(_, g)| g.member_seq.contains_key(id))
            .map(|(gid, g)| {
                (
                    &g.seq,
                    GroupRef {
                        id: gid.clone(),
                        display: g
                            .doc
                            .get("displayName")
                            .and_then(Value::as_str)
                            .map(Into::into),
                    },
                )
            })
            .collect();
        groups.sort_by_key(|(seq, _)| **seq);
        groups.into_iter().map(|(_, g)| g).collect()
    }

    /// The document with its relations, as the filter evaluator and sorter see it.
    fn full_doc(&self, id: &str, e: &Entry) -> Value {
        let mut doc = e.doc.clone();
        if let Some(o) = doc.as_object_mut() {
            if !e.members.is_empty() {
                let members: Vec<Member> = e.members.values().cloned().collect();
                o.insert("members".into(), super::members_json(&members));
            }
            let groups = self.groups_of(id);
            if !groups.is_empty() {
                o.insert("groups".into(), super::groups_json(&groups));
            }
        }
        doc
    }
}

impl Entry {
    fn apply_members(&mut self, change: MemberChange, updated: &mut Updated) {
        let add = |e: &mut Entry, m: Member, updated: &mut Updated| {
            if e.member_seq.contains_key(&m.value) {
                return;
            }
            let seq = e.next_member;
            e.next_member += 1;
            e.member_seq.insert(m.value.clone(), seq);
            updated.added.push(m.value.clone());
            e.members.insert(seq, m);
        };
        let remove = |e: &mut Entry, id: &str, updated: &mut Updated| {
            if let Some(seq) = e.member_seq.remove(id) {
                e.members.remove(&seq);
                updated.removed.push(id.to_owned());
            }
        };
        match change {
            MemberChange::Add(members) => members.into_iter().for_each(|m| add(self, m, updated)),
            MemberChange::Remove(ids) => ids.iter().for_each(|id| remove(self, id, updated)),
            MemberChange::Set(members) => {
                let keep: std::collections::HashSet<&str> =
                    members.iter().map(|m| m.value.as_str()).collect();
                let gone: Vec<String> = self
                    .member_seq
                    .keys()
                    .filter(|id| !keep.contains(id.as_str()))
                    .cloned()
                    .collect();
                gone.iter().for_each(|id| remove(self, id, updated));
                members.into_iter().for_each(|m| add(self, m, updated));
            }
        }
    }
}

impl Store for MemoryStore {
    async fn create(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        write: Write,
    ) -> Result<Version, StoreError> {
        self.with(tenant, |t| {
            if t.resources.contains_key(id) {
                return Err(StoreError::IdTaken);
            }
            t.check_unique(resource_type, &write.unique, id)?;
            for k in &write.unique {
                t.unique.insert(
                    (
                        resource_type.to_owned(),
                        k.attribute.clone(),
                        k.value.clone(),
                    ),
                    id.to_owned(),
                );
            }
            t.next_seq += 1;
            let mut entry = Entry {
                resource_type: resource_type.to_owned(),
                seq: t.next_seq,
                version: 1,
                doc: write
                    .doc
                    .unwrap_or_else(|| Value::Object(Default::default())),
                unique: write.unique,
                members: BTreeMap::new(),
                member_seq: HashMap::new(),
                next_member: 0,
            };
            for change in write.members {
                entry.apply_members(change, &mut Updated::default());
            }
            t.resources.insert(id.to_owned(), entry);
            Ok(1)
        })
    }

    async fn get(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        relations: bool,
    ) -> Result<Option<Stored>, StoreError> {
        Ok(self.with(tenant, |t| {
            t.entry(resource_type, id)
                .map(|e| t.stored(id, e, relations))
        }))
    }

    async fn update(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
        write: Write,
    ) -> Result<Updated, StoreError> {
        self.with(tenant, |t| {
            let e = t.entry(resource_type, id).ok_or(StoreError::NotFound)?;
            if expected.is_some_and(|v| v != e.version) {
                return Err(StoreError::VersionMismatch);
            }
            if write.doc.is_some() {
                t.check_unique(resource_type, &write.unique, id)?;
            }
            let e = t.resources.get_mut(id).ok_or(StoreError::NotFound)?;
            let mut updated = Updated {
                version: e.version,
                ..Updated::default()
            };
            for change in write.members {
                e.apply_members(change, &mut updated);
            }
            let doc_changed = write.doc.as_ref().is_some_and(|d| *d != e.doc);
            updated.changed =
                doc_changed || !updated.added.is_empty() || !updated.removed.is_empty();
            if !updated.changed {
                return Ok(updated);
            }
            let old_keys = if let Some(doc) = write.doc {
                e.doc = doc;
                Some(std::mem::replace(&mut e.unique, write.unique))
            } else {
                None
            };
            super::stamp(&mut e.doc, &write.modified);
            e.version += 1;
            updated.version = e.version;
            let new_keys = e.unique.clone();
            if let Some(old) = old_keys {
                for k in old {
                    t.unique
                        .remove(&(resource_type.to_owned(), k.attribute, k.value));
                }
                for k in new_keys {
                    t.unique.insert(
                        (resource_type.to_owned(), k.attribute, k.value),
                        id.to_owned(),
                    );
                }
            }
            Ok(updated)
        })
    }

    async fn delete(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
    ) -> Result<(), StoreError> {
        self.with(tenant, |t| {
            let e = t.entry(resource_type, id).ok_or(StoreError::NotFound)?;
            if expected.is_some_and(|v| v != e.version) {
                return Err(StoreError::VersionMismatch);
            }
            let e = t.resources.remove(id).ok_or(StoreError::NotFound)?;
            for k in e.unique {
                t.unique
                    .remove(&(resource_type.to_owned(), k.attribute, k.value));
            }
            // The deleted resource leaves every group it was in (RFC 7644 §3.6: it is no longer
            // returned, so no group may point at it).
            for g in t.resources.values_mut() {
                if let Some(seq) = g.member_seq.remove(id) {
                    g.members.remove(&seq);
                    g.version += 1;
                }
            }
            Ok(())
        })
    }

    async fn list(
        &self,
        tenant: &str,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> Result<ListPage, StoreError> {
        self.with(tenant, |t| {
            let needs_full = query.compiled.is_some() || query.sort.is_some();
            let mut hits: Vec<(&String, &Entry, Option<Value>)> = t
                .resources
                .iter()
                .filter(|(_, e)| e.resource_type == resource_type)
                .filter_map(|(id, e)| {
                    let full = needs_full.then(|| t.full_doc(id, e));
                    match (query.compiled, &full) {
                        (Some(f), Some(doc)) if !f.matches(doc) => None,
                        _ => Some((id, e, full)),
                    }
                })
                .collect();
            let sorter = match query.sort {
                Some((attr, order)) => Some(
                    Sorter::compile(attr, order, query.schema)
                        .map_err(|e| StoreError::Backend(e.to_string()))?,
                ),
                None => None,
            };
            hits.sort_by(|a, b| {
                let by_attr = match (&sorter, &a.2, &b.2) {
                    (Some(s), Some(x), Some(y)) => s.compare(x, y),
                    _ => std::cmp::Ordering::Equal,
                };
                by_attr.then(a.1.seq.cmp(&b.1.seq))
            });
            let total = hits.len() as u64;
            let keys: Vec<i64> = hits.iter().map(|h| h.1.seq as i64).collect();
            let (range, next) = super::page_range(&keys, query.page)?;
            let resources = hits[range]
                .iter()
                .map(|(id, e, _)| t.stored(id, e, query.relations))
                .collect();
            Ok(ListPage::new(total, resources, next))
        })
    }

    async fn resource_types_of(
        &self,
        tenant: &str,
        ids: &[String],
    ) -> Result<Vec<Option<String>>, StoreError> {
        Ok(self.with(tenant, |t| {
            ids.iter()
                .map(|id| t.resources.get(id).map(|e| e.resource_type.clone()))
                .collect()
        }))
    }

    async fn nested_groups(&self, tenant: &str, group_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.with(tenant, |t| {
            t.resources
                .get(group_id)
                .map(|g| {
                    g.members
                        .values()
                        .filter(|m| m.kind == MemberType::Group)
                        .map(|m| m.value.clone())
                        .collect()
                })
                .unwrap_or_default()
        }))
    }
}
