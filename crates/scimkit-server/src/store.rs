//! The storage contract: what a backend persists and answers, and nothing of SCIM PATCH.
//!
//! A [`Store`] keeps, per tenant and resource type, documents with a version counter. Every write
//! names the version it read (or says it does not care), so a write that lost a race is refused
//! with [`StoreError::VersionMismatch`] instead of overwriting the winner: no lost update on one
//! machine or on many. Group membership is a relation of its own that changes by deltas, so adding
//! one member to a 100,000-member group writes one row. Uniqueness (`userName`, and any attribute a
//! schema marks `uniqueness: server`) is decided by the store, atomically with the write, from the
//! [`UniqueKey`]s the service computes.
//!
//! The service owns the SCIM semantics (validation, PATCH, projection, preconditions); a store only
//! ever sees whole documents, member deltas and [`ListQuery`]s. The contract is a test suite:
//! `scimkit_server::testing::contract` (feature `testing`) runs it against any implementation.

use std::future::Future;

use scimkit_filter::{AttrPath, CompiledFilter, Filter, Options, SortOrder};
use scimkit_protocol::ScimError;
use scimkit_schema::ResourceSchema;
use serde_json::Value;

pub mod memory;
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// A resource's version: 1 when created, one more on every change. The ETag is `W/"<version>"`.
pub type Version = u64;

/// A stored resource as a store returns it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Stored {
    /// The resource id.
    pub id: String,
    /// The current version.
    pub version: Version,
    /// The document as written by the service (`id`, `meta` without `location`/`version`, and
    /// every attribute) without the relations: a group's `members`, a user's `groups`.
    pub doc: Value,
    /// For a group read with relations: its members, in the order they were added.
    pub members: Option<Vec<Member>>,
    /// For a resource read with relations: the groups it is a direct member of.
    pub groups: Option<Vec<GroupRef>>,
}

impl Stored {
    /// A stored resource without relations.
    ///
    /// ```
    /// let s = scimkit_server::store::Stored::new("2819c223", 1, serde_json::json!({"id": "2819c223"}));
    /// assert_eq!(s.version, 1);
    /// ```
    pub fn new(id: impl Into<String>, version: Version, doc: Value) -> Stored {
        Stored {
            id: id.into(),
            version,
            doc,
            members: None,
            groups: None,
        }
    }
}

/// What a member of a group is (RFC 7643 §4.2 `members.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberType {
    /// A `User`.
    User,
    /// A (nested) `Group`.
    Group,
}

impl MemberType {
    /// The canonical value, as in `members.type`.
    ///
    /// ```
    /// assert_eq!(scimkit_server::store::MemberType::Group.as_str(), "Group");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            MemberType::User => "User",
            MemberType::Group => "Group",
        }
    }

    /// The member type of a resource type name, if it can be a member.
    ///
    /// ```
    /// use scimkit_server::store::MemberType;
    /// assert_eq!(MemberType::of_resource_type("group"), Some(MemberType::Group));
    /// assert_eq!(MemberType::of_resource_type("Agent"), None);
    /// ```
    pub fn of_resource_type(name: &str) -> Option<MemberType> {
        if name.eq_ignore_ascii_case("User") {
            Some(MemberType::User)
        } else if name.eq_ignore_ascii_case("Group") {
            Some(MemberType::Group)
        } else {
            None
        }
    }

    /// The resource endpoint the member's `$ref` points into.
    pub fn endpoint(self) -> &'static str {
        match self {
            MemberType::User => "Users",
            MemberType::Group => "Groups",
        }
    }
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's id (`members.value`).
    pub value: String,
    /// What the member is; the service derives it from the stored resource the id names.
    pub kind: MemberType,
    /// `members.display`, as the client sent it.
    pub display: Option<String>,
}

/// A group a resource is a direct member of (RFC 7643 §4.1.2 `groups`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    /// The group's id.
    pub id: String,
    /// The group's `displayName`.
    pub display: Option<String>,
}

/// A change to a group's members, applied by the store as a delta.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MemberChange {
    /// Add these members; ones already present are left as they are.
    Add(Vec<Member>),
    /// Remove the members with these ids; absent ones are ignored.
    Remove(Vec<String>),
    /// The member list becomes exactly this (the store writes only the difference).
    Set(Vec<Member>),
}

/// A value that must be unique among the resources of one type in one tenant (RFC 7643 §2.2
/// `uniqueness: server`). The service computes the keys of every write from the schema: the
/// canonical attribute path and the value, folded when the attribute is not `caseExact`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UniqueKey {
    /// The attribute, as the schema spells it (`userName`).
    pub attribute: String,
    /// The value to compare, already folded as the attribute's `caseExact` says.
    pub value: String,
}

/// Sets `doc`'s `meta.lastModified` to `modified` (see [`Write::stamp`]).
pub(crate) fn stamp(doc: &mut Value, modified: &str) {
    if let Some(meta) = doc.get_mut("meta").and_then(Value::as_object_mut) {
        meta.insert("lastModified".into(), modified.into());
    }
}

/// A document write: the new document (without relations), its unique keys, and optionally a
/// member change applied in the same atomic step.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Write {
    /// The new document, or `None` to keep the stored one (a members-only change); the store then
    /// sets only `meta.lastModified` to [`modified`](Write::modified).
    pub doc: Option<Value>,
    /// The unique keys of the new document (ignored when `doc` is `None`).
    pub unique: Vec<UniqueKey>,
    /// Member changes to apply, in order, atomically with the document.
    pub members: Vec<MemberChange>,
    /// The timestamp to record as `meta.lastModified` (RFC 3339).
    pub modified: String,
}

impl Write {
    /// A write of a whole document.
    ///
    /// ```
    /// let w = scimkit_server::store::Write::document(serde_json::json!({"id": "1"}), vec![], "2026-01-01T00:00:00Z");
    /// assert!(w.members.is_empty());
    /// ```
    pub fn document(doc: Value, unique: Vec<UniqueKey>, modified: impl Into<String>) -> Write {
        Write {
            doc: Some(doc),
            unique,
            members: Vec::new(),
            modified: modified.into(),
        }
    }

    /// Records [`modified`](Write::modified) as `doc`'s `meta.lastModified`: what a store does
    /// to the document it writes when the write changes the resource.
    ///
    /// ```
    /// use scimkit_server::store::Write;
    /// use serde_json::json;
    ///
    /// let doc = json!({"id": "1", "meta": {"lastModified": "2025-01-01T00:00:00Z"}});
    /// let write = Write::document(doc.clone(), vec![], "2026-01-01T00:00:00Z");
    /// let mut written = doc;
    /// write.stamp(&mut written);
    /// assert_eq!(written["meta"]["lastModified"], "2026-01-01T00:00:00Z");
    /// ```
    pub fn stamp(&self, doc: &mut Value) {
        stamp(doc, &self.modified);
    }

    /// A members-only write.
    pub fn members(change: MemberChange, modified: impl Into<String>) -> Write {
        Write {
            doc: None,
            unique: Vec::new(),
            members: vec![change],
            modified: modified.into(),
        }
    }

    /// Adds a member change to this write.
    #[must_use]
    pub fn with_members(mut self, change: MemberChange) -> Write {
        self.members.push(change);
        self
    }
}

/// What an update did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Updated {
    /// The version after the write (unchanged when nothing changed).
    pub version: Version,
    /// Member ids the write added.
    pub added: Vec<String>,
    /// Member ids the write removed.
    pub removed: Vec<String>,
    /// Whether anything was written.
    pub changed: bool,
}

/// Which slice of a result a list asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// Index paging (RFC 7644 §3.4.2.4): skip `offset` results, return at most `count`.
    Index {
        /// Results to skip (`startIndex - 1`).
        offset: u64,
        /// Largest number of results to return.
        count: u64,
    },
    /// Keyset (cursor) paging (RFC 9865): results after `after` (from the start when `None`).
    After {
        /// The position the previous page ended at, as the store issued it.
        after: Option<String>,
        /// Largest number of results to return.
        count: u64,
    },
}

/// A query for one resource type: filter, sort and page. The filter comes both parsed (for stores
/// that translate it, e.g. to SQL) and compiled against the schema (for stores that evaluate it).
#[derive(Debug, Clone, Copy)]
pub struct ListQuery<'a> {
    /// The resource type's schema.
    pub schema: &'a ResourceSchema,
    /// The filter as parsed.
    pub filter: Option<&'a Filter>,
    /// The same filter compiled against `schema`.
    pub compiled: Option<&'a CompiledFilter>,
    /// The options both were made with (the service's interop profile); a store that translates
    /// the filter translates it with these, so it matches what `compiled` matches.
    pub options: Options,
    /// `sortBy` and `sortOrder`; results are otherwise in a stable store order.
    pub sort: Option<(&'a AttrPath, SortOrder)>,
    /// The page.
    pub page: &'a PageRequest,
    /// Whether results carry their relations (members, groups).
    pub relations: bool,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListPage {
    /// How many resources match in all.
    pub total: u64,
    /// This page.
    pub resources: Vec<Stored>,
    /// For keyset paging: where the next page starts, when there is one.
    pub next: Option<String>,
}

impl ListPage {
    /// A page.
    pub fn new(total: u64, resources: Vec<Stored>, next: Option<String>) -> ListPage {
        ListPage {
            total,
            resources,
            next,
        }
    }
}

/// A storage failure. Each says what the service answers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No such resource in this tenant: 404.
    #[error("resource not found")]
    NotFound,
    /// The resource's version is no longer the one the write was based on. Without a client
    /// precondition the service reads again and retries; with `If-Match` it answers 412.
    #[error("the resource changed since it was read")]
    VersionMismatch,
    /// A unique value is taken: 409 `uniqueness`.
    #[error("`{attribute}` must be unique; the value is already used{}", .existing.as_deref().map(|id| format!(" by resource {id}")).unwrap_or_default())]
    Uniqueness {
        /// The attribute.
        attribute: String,
        /// The id of the resource holding the value, when the store knows it.
        existing: Option<String>,
    },
    /// An id is already taken (a store never reuses an id): 409.
    #[error("a resource with this id already exists")]
    IdTaken,
    /// The store cannot answer the query as asked: a filter or `sortBy` it cannot translate, or a
    /// cursor position that does not fit the query. The error says the status (400 with
    /// `invalidFilter`, `invalidPath` or `invalidCursor`).
    #[error("{0}")]
    Query(Box<ScimError>),
    /// The store is overloaded or the query too expensive: 503, retry later.
    #[error("the store is busy: {0}")]
    Busy(String),
    /// The store failed: 500 (logged, never shown).
    #[error("storage failure: {0}")]
    Backend(String),
}

impl StoreError {
    /// A backend failure from any error.
    pub fn backend(e: impl std::fmt::Display) -> StoreError {
        StoreError::Backend(e.to_string())
    }

    /// A [`PageRequest::After`] position this store did not issue (or issued for another
    /// query): 400 `invalidCursor` (RFC 9865 §3.2).
    ///
    /// ```
    /// use scimkit_protocol::ScimError;
    /// let e = ScimError::from(scimkit_server::store::StoreError::bad_position());
    /// assert_eq!((e.status().as_u16(), e.scim_type_raw()), (400, Some("invalidCursor")));
    /// ```
    pub fn bad_position() -> StoreError {
        StoreError::Query(Box::new(ScimError::invalid_cursor(
            "the cursor does not belong to this query",
        )))
    }
}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> ScimError {
        match e {
            StoreError::NotFound => ScimError::not_found("resource not found"),
            StoreError::VersionMismatch => {
                ScimError::precondition_failed("the resource's version does not match If-Match")
            }
            e @ StoreError::Uniqueness { .. } => ScimError::uniqueness(e.to_string()),
            e @ StoreError::IdTaken => ScimError::uniqueness(e.to_string()),
            StoreError::Query(e) => *e,
            StoreError::Busy(detail) => ScimError::new(
                http::StatusCode::SERVICE_UNAVAILABLE,
                format!("the service is busy, retry later ({detail})"),
            )
            .with_retry_after(std::time::Duration::from_secs(1)),
            StoreError::Backend(detail) => {
                tracing::error!(%detail, "storage failure");
                ScimError::internal("storage failure")
            }
        }
    }
}

/// Where resources live. See the [module documentation](self).
///
/// Every method is scoped to one tenant: no call ever reads or writes another tenant's data.
/// `resource_type` is the registry's name (`User`, `Group`, `Agent`, ...). Implementations must be
/// safe to call concurrently, from any number of service instances.
pub trait Store: Send + Sync + 'static {
    /// Inserts a new resource with version 1. Fails with [`StoreError::Uniqueness`] when a unique
    /// key is taken and [`StoreError::IdTaken`] when the id is.
    fn create(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        write: Write,
    ) -> impl Future<Output = Result<Version, StoreError>> + Send;

    /// Reads a resource, with its relations when `relations` is true.
    fn get(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        relations: bool,
    ) -> impl Future<Output = Result<Option<Stored>, StoreError>> + Send;

    /// Writes a resource if its version is still `expected` (any version when `None`), and bumps
    /// the version when anything changed.
    fn update(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
        write: Write,
    ) -> impl Future<Output = Result<Updated, StoreError>> + Send;

    /// Deletes a resource if its version is still `expected` (any when `None`), with its
    /// memberships in groups and, for a group, its members.
    fn delete(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Answers a query over one resource type.
    fn list(
        &self,
        tenant: &str,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send;

    /// The resource type of each id, `None` where no resource of this tenant has it.
    fn resource_types_of(
        &self,
        tenant: &str,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send;

    /// The ids of the groups that are direct members of a group (to refuse membership cycles).
    fn nested_groups(
        &self,
        tenant: &str,
        group_id: &str,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
}

/// The unique keys of `doc` under `schema`: every single-valued string attribute marked
/// `uniqueness: server` or `global` (userName for Users), folded when not `caseExact`.
///
/// ```
/// use scimkit_schema::ResourceSchema;
/// let keys = scimkit_server::store::unique_keys(&ResourceSchema::user(), &serde_json::json!({"userName": "ÜMLAUT"}));
/// assert_eq!(keys[0].attribute, "userName");
/// assert_eq!(keys[0].value, "ümlaut");
/// ```
pub fn unique_keys(schema: &ResourceSchema, doc: &Value) -> Vec<UniqueKey> {
    use scimkit_schema::Uniqueness;
    let mut keys = Vec::new();
    let Some(object) = doc.as_object() else {
        return keys;
    };
    for (owner, attribute, extension) in schema.attributes() {
        // `id` is the store's own key, unique by construction.
        if attribute.uniqueness == Uniqueness::None
            || attribute.multi_valued
            || attribute.name == "id"
        {
            continue;
        }
        // Core attributes sit at the top level; extension attributes under their URN.
        let holder = if extension {
            scimkit_schema::name::value(object, &owner.id).and_then(Value::as_object)
        } else {
            Some(object)
        };
        let Some(value) = holder
            .and_then(|h| scimkit_schema::name::value(h, &attribute.name).and_then(Value::as_str))
        else {
            continue;
        };
        let value = if attribute.case_exact {
            value.to_owned()
        } else {
            fold(value)
        };
        keys.push(UniqueKey {
            attribute: attribute.name.clone(),
            value,
        });
    }
    keys
}

/// Folds case the way the filter evaluator compares `caseExact: false` text: each character
/// lower-cased on its own (so `ÜMLAUT` and `ümlaut` are one value).
///
/// ```
/// assert_eq!(scimkit_server::store::fold("BJensen-ÜMLAUT"), "bjensen-ümlaut");
/// ```
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars().flat_map(char::to_lowercase).collect()
}

/// Members as the JSON the filter evaluator and the PATCH engine see (`value`, `type`,
/// `display`; `$ref` is added only in responses, from the base URL).
pub(crate) fn members_json(members: &[Member]) -> Value {
    Value::Array(
        members
            .iter()
            .map(|m| {
                let mut v = serde_json::json!({"value": m.value, "type": m.kind.as_str()});
                if let Some(d) = &m.display {
                    v["display"] = d.clone().into();
                }
                v
            })
            .collect(),
    )
}

/// A resource's `groups` as the filter evaluator sees them.
pub(crate) fn groups_json(groups: &[GroupRef]) -> Value {
    Value::Array(
        groups
            .iter()
            .map(|g| serde_json::json!({"value": g.id, "display": g.display, "type": "direct"}))
            .collect(),
    )
}

/// For stores that order a result in memory: the range of it a page asks for, and where the next
/// page starts. `keys` are the results' stable keys (creation sequence) in result order; a keyset
/// position is the key of the last result of the previous page, and when that resource has been
/// deleted since, the page resumes after the first one created later.
pub(crate) fn page_range(
    keys: &[i64],
    page: &PageRequest,
) -> Result<(std::ops::Range<usize>, Option<String>), StoreError> {
    let (start, count) = match page {
        PageRequest::Index { offset, count } => (*offset, *count),
        PageRequest::After { after, count } => {
            let start = match after {
                None => 0,
                Some(position) => {
                    let seq: i64 = position.parse().map_err(|_| StoreError::bad_position())?;
                    keys.iter()
                        .position(|k| *k == seq)
                        .map(|i| i + 1)
                        .or_else(|| keys.iter().position(|k| *k > seq))
                        .unwrap_or(keys.len())
                }
            };
            (start as u64, *count)
        }
    };
    let start = usize::try_from(start).unwrap_or(usize::MAX).min(keys.len());
    let end = start
        .saturating_add(usize::try_from(count).unwrap_or(usize::MAX))
        .min(keys.len());
    let next = match page {
        PageRequest::After { .. } if end < keys.len() && end > start => {
            Some(keys[end - 1].to_string())
        }
        _ => None,
    };
    Ok((start..end, next))
}
