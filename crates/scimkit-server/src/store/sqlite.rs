//! [`SqliteStore`]: the embedded default backend, one SQLite file (rusqlite, bundled).
//!
//! - **Layout.** One `resources` table for every tenant and type: the document as JSON text, plus
//!   the folded `userName`/`displayName` and `externalId` the lookups identity providers make hit
//!   (`userName eq`, `externalId eq`, group `displayName eq`). `unique_keys` holds each unique
//!   value once per tenant and type, so a primary key decides races. `members` is the membership
//!   relation: one row per member, so a one-member change of a 100,000-member group writes one
//!   row. `emails` mirrors every resource's email values for `emails[...]` lookups.
//! - **Concurrency.** One writer connection (SQLite has one writer at a time anyway) and a pool
//!   of readers (WAL lets them read beside the writer). All SQLite work runs on tokio's blocking
//!   pool, never on an async worker; readers are admitted fairly between tenants, so one tenant's
//!   expensive queries cannot take every reader from another tenant's lookups.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use scimkit_filter::Sorter;
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{
    fold, GroupRef, ListPage, ListQuery, Member, MemberChange, MemberType, Store, StoreError,
    Stored, Updated, Version, Write,
};

const SCHEMA: &str = r#"
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS resources (
    seq           INTEGER PRIMARY KEY,
    tenant        TEXT NOT NULL,
    type          TEXT NOT NULL,
    id            TEXT NOT NULL,
    version       INTEGER NOT NULL,
    user_name     TEXT,
    external_id   TEXT,
    display_name  TEXT,
    doc           TEXT NOT NULL,
    UNIQUE (tenant, id)
);
CREATE INDEX IF NOT EXISTS resources_type ON resources (tenant, type, seq);
CREATE INDEX IF NOT EXISTS resources_user_name ON resources (tenant, type, user_name);
CREATE INDEX IF NOT EXISTS resources_external_id ON resources (tenant, type, external_id);
CREATE INDEX IF NOT EXISTS resources_display_name ON resources (tenant, type, display_name);
CREATE TABLE IF NOT EXISTS unique_keys (
    tenant     TEXT NOT NULL,
    type       TEXT NOT NULL,
    attribute  TEXT NOT NULL,
    value      TEXT NOT NULL,
    seq        INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
    PRIMARY KEY (tenant, type, attribute, value)
);
CREATE INDEX IF NOT EXISTS unique_keys_seq ON unique_keys (seq);
CREATE TABLE IF NOT EXISTS emails (
    seq        INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
    value      TEXT NOT NULL,
    type       TEXT,
    is_primary INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS emails_value ON emails (value);
CREATE INDEX IF NOT EXISTS emails_seq ON emails (seq);
CREATE TABLE IF NOT EXISTS members (
    group_seq   INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
    tenant      TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL,
    display     TEXT,
    PRIMARY KEY (group_seq, member_id)
);
CREATE INDEX IF NOT EXISTS members_member ON members (tenant, member_id);
"#;

/// Readers per store: enough for two cores' worth of concurrent reads beside the writer.
const READERS: usize = 4;

/// A [`Store`] in one SQLite file. See the [module documentation](self).
///
/// ```
/// use scimkit_server::store::{sqlite::SqliteStore, Store, Write};
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// let store = SqliteStore::open_temporary()?;
/// let doc = serde_json::json!({"id": "1", "userName": "bjensen"});
/// store.create("acme", "User", "1", Write::document(doc, vec![], "2026-01-01T00:00:00Z")).await?;
/// assert_eq!(store.get("acme", "User", "1", false).await?.unwrap().doc["userName"], "bjensen");
/// # Ok::<(), scimkit_server::store::StoreError>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

struct Inner {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// One permit per reader connection.
    reader_permits: Arc<Semaphore>,
    /// Per tenant: at most half the readers, so another tenant always finds one free.
    tenant_permits: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// The file of a temporary store, removed on drop.
    temporary: Option<std::path::PathBuf>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(path) = &self.temporary {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

fn sql_error(e: rusqlite::Error) -> StoreError {
    StoreError::backend(e)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let writer = Connection::open(path).map_err(sql_error)?;
        let readers = (0..READERS)
            .map(|_| Connection::open(path).map_err(sql_error))
            .collect::<Result<Vec<_>, _>>()?;
        SqliteStore::from_connections(writer, readers)
    }

    /// A private database in a temporary file, removed when the last clone of the store is
    /// dropped: for tests. (A shared-cache in-memory database would lock whole tables between
    /// its connections, where a file in WAL mode lets readers run beside the writer.)
    pub fn open_temporary() -> Result<SqliteStore, StoreError> {
        let mut key = [0u8; 8];
        getrandom::getrandom(&mut key).map_err(StoreError::backend)?;
        let path = std::env::temp_dir().join(format!("scimkit-{}.db", crate::hooks::hex(&key)));
        let mut store = SqliteStore::open(&path)?;
        if let Some(inner) = Arc::get_mut(&mut store.inner) {
            inner.temporary = Some(path);
        }
        Ok(store)
    }

    fn from_connections(
        writer: Connection,
        readers: Vec<Connection>,
    ) -> Result<SqliteStore, StoreError> {
        writer
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql_error)?;
        writer.execute_batch(SCHEMA).map_err(sql_error)?;
        for r in &readers {
            r.busy_timeout(std::time::Duration::from_secs(5))
                .map_err(sql_error)?;
            r.execute_batch("PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA mmap_size = 1073741824;")
                .map_err(sql_error)?;
        }
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                reader_permits: Arc::new(Semaphore::new(readers.len())),
                readers: Mutex::new(readers),
                tenant_permits: Mutex::new(HashMap::new()),
                temporary: None,
            }),
        })
    }

    /// Runs `f` in one write transaction on the blocking pool.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            if !conn.is_autocommit() {
                // A writer that panicked mid-transaction left it open.
                conn.execute_batch("ROLLBACK").map_err(sql_error)?;
            }
            conn.prepare_cached("BEGIN IMMEDIATE")
                .and_then(|mut s| s.execute([]))
                .map_err(sql_error)?;
            let out = f(&conn).and_then(|out| {
                conn.prepare_cached("COMMIT")
                    .and_then(|mut s| s.execute([]))
                    .map_err(sql_error)?;
                Ok(out)
            });
            if out.is_err() && !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            out
        })
        .await
        .map_err(StoreError::backend)?
    }

    /// Runs `f` in one read transaction (one snapshot) on a reader, on the blocking pool, after
    /// fair admission.
    async fn read<T: Send + 'static>(
        &self,
        tenant: &str,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let _permits = self.admit(tenant).await?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop()
                .ok_or_else(|| StoreError::Busy("no reader free".into()))?;
            let run = || {
                conn.prepare_cached("BEGIN")
                    .and_then(|mut s| s.execute([]))
                    .map_err(sql_error)?;
                let out = f(&conn);
                let _ = conn
                    .prepare_cached("COMMIT")
                    .and_then(|mut s| s.execute([]));
                out
            };
            let out = run();
            inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
            out
        })
        .await
        .map_err(StoreError::backend)?
    }

    async fn admit(
        &self,
        tenant: &str,
    ) -> Result<(OwnedSemaphorePermit, OwnedSemaphorePermit), StoreError> {
        let per_tenant = {
            let mut map = self
                .inner
                .tenant_permits
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if map.len() > 10_000 {
                // Forget idle tenants now and then; a semaphore nobody holds is free to drop.
                map.retain(|_, s| s.available_permits() < (READERS / 2).max(1));
            }
            map.entry(tenant.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new((READERS / 2).max(1))))
                .clone()
        };
        let closed = |_| StoreError::Busy("shutting down".into());
        let t = per_tenant.acquire_owned().await.map_err(closed)?;
        let r = self
            .inner
            .reader_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(closed)?;
        Ok((t, r))
    }
}

/// The mapped columns of a document.
fn columns(doc: &Value) -> (Option<String>, Option<String>, Option<String>) {
    let text = |k: &str| doc.get(k).and_then(Value::as_str);
    (
        text("userName").map(fold),
        text("externalId").map(str::to_owned),
        text("displayName").map(fold),
    )
}

fn emails(doc: &Value) -> impl Iterator<Item = (String, Option<String>, bool)> + '_ {
    doc.get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let value = e.get("value")?.as_str()?;
            Some((
                fold(value),
                e.get("type").and_then(Value::as_str).map(fold),
                e.get("primary").and_then(Value::as_bool).unwrap_or(false),
            ))
        })
}

fn write_side_tables(
    c: &Connection,
    seq: i64,
    tenant: &str,
    rt: &str,
    write: &Write,
) -> Result<(), StoreError> {
    c.prepare_cached("DELETE FROM unique_keys WHERE seq = ?1")
        .and_then(|mut s| s.execute([seq]))
        .map_err(sql_error)?;
    for k in &write.unique {
        let inserted = c
            .prepare_cached(
                "INSERT INTO unique_keys (tenant, type, attribute, value, seq) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![tenant, rt, k.attribute, k.value, seq]))
            .map_err(sql_error)?;
        if inserted == 0 {
            let existing: Option<String> = c
                .query_row(
                    "SELECT r.id FROM unique_keys k JOIN resources r ON r.seq = k.seq
                     WHERE k.tenant = ?1 AND k.type = ?2 AND k.attribute = ?3 AND k.value = ?4",
                    params![tenant, rt, k.attribute, k.value],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql_error)?;
            return Err(StoreError::Uniqueness {
                attribute: k.attribute.clone(),
                existing,
            });
        }
    }
    if let Some(doc) = &write.doc {
        c.prepare_cached("DELETE FROM emails WHERE seq = ?1")
            .and_then(|mut s| s.execute([seq]))
            .map_err(sql_error)?;
        let mut insert = c
            .prepare_cached(
                "INSERT INTO emails (seq, value, type, is_primary) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(sql_error)?;
        for (value, type_, primary) in emails(doc) {
            insert
                .execute(params![seq, value, type_, primary])
                .map_err(sql_error)?;
        }
    }
    Ok(())
}

fn apply_members(
    c: &Connection,
    tenant: &str,
    seq: i64,
    change: &MemberChange,
    updated: &mut Updated,
) -> Result<(), StoreError> {
    let add = |m: &Member, updated: &mut Updated| -> Result<(), StoreError> {
        let n = c
            .prepare_cached(
                "INSERT INTO members (group_seq, tenant, member_id, member_type, display) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (group_seq, member_id) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![seq, tenant, m.value, m.kind.as_str(), m.display]))
            .map_err(sql_error)?;
        if n > 0 {
            updated.added.push(m.value.clone());
        }
        Ok(())
    };
    let remove = |id: &str, updated: &mut Updated| -> Result<(), StoreError> {
        let n = c
            .prepare_cached("DELETE FROM members WHERE group_seq = ?1 AND member_id = ?2")
            .and_then(|mut s| s.execute(params![seq, id]))
            .map_err(sql_error)?;
        if n > 0 {
            updated.removed.push(id.to_owned());
        }
        Ok(())
    };
    match change {
        MemberChange::Add(members) => members.iter().try_for_each(|m| add(m, updated)),
        MemberChange::Remove(ids) => ids.iter().try_for_each(|id| remove(id, updated)),
        MemberChange::Set(members) => {
            let keep: std::collections::HashSet<&str> =
                members.iter().map(|m| m.value.as_str()).collect();
            let current: Vec<String> = {
                let mut s = c
                    .prepare_cached("SELECT member_id FROM members WHERE group_seq = ?1")
                    .map_err(sql_error)?;
                let rows = s.query_map([seq], |r| r.get(0)).map_err(sql_error)?;
                rows.collect::<Result<_, _>>().map_err(sql_error)?
            };
            for id in current.iter().filter(|id| !keep.contains(id.as_str())) {
                remove(id, updated)?;
            }
            members.iter().try_for_each(|m| add(m, updated))
        }
    }
}

fn parse_doc(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(StoreError::backend)
}

fn members_of(c: &Connection, seq: i64) -> Result<Vec<Member>, StoreError> {
    let mut s = c
        .prepare_cached("SELECT member_id, member_type, display FROM members WHERE group_seq = ?1 ORDER BY rowid")
        .map_err(sql_error)?;
    let rows = s
        .query_map([seq], |r| {
            let t: String = r.get(1)?;
            Ok(Member {
                value: r.get(0)?,
                kind: if t == "Group" {
                    MemberType::Group
                } else {
                    MemberType::User
                },
                display: r.get(2)?,
            })
        })
        .map_err(sql_error)?;
    rows.collect::<Result<_, _>>().map_err(sql_error)
}

fn groups_of(c: &Connection, tenant: &str, id: &str) -> Result<Vec<GroupRef>, StoreError> {
    let mut s = c
        .prepare_cached(
            "SELECT g.id, json_extract(g.doc, '$.displayName') FROM members m JOIN resources g ON g.seq = m.group_seq
             WHERE m.tenant = ?1 AND m.member_id = ?2 ORDER BY g.seq",
        )
        .map_err(sql_error)?;
    let rows = s
        .query_map(params![tenant, id], |r| {
            Ok(GroupRef {
                id: r.get(0)?,
                display: r.get(1)?,
            })
        })
        .map_err(sql_error)?;
    rows.collect::<Result<_, _>>().map_err(sql_error)
}

/// A row: seq, id, version, doc.
type Row = (i64, String, u64, Value);

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, u64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64, r.get(3)?))
}

fn finish(
    c: &Connection,
    tenant: &str,
    rt: &str,
    row: Row,
    relations: bool,
) -> Result<Stored, StoreError> {
    let (seq, id, version, doc) = row;
    let mut s = Stored::new(id, version, doc);
    if relations {
        if MemberType::of_resource_type(rt) == Some(MemberType::Group) {
            s.members = Some(members_of(c, seq)?);
        }
        s.groups = Some(groups_of(c, tenant, &s.id)?);
    }
    Ok(s)
}

/// The document with its relations, as the evaluator and sorter see it.
fn full_doc(c: &Connection, tenant: &str, rt: &str, row: &Row) -> Result<Value, StoreError> {
    let mut doc = row.3.clone();
    if let Some(o) = doc.as_object_mut() {
        if MemberType::of_resource_type(rt) == Some(MemberType::Group) {
            let members = members_of(c, row.0)?;
            if !members.is_empty() {
                o.insert("members".into(), super::members_json(&members));
            }
        }
        let groups = groups_of(c, tenant, &row.1)?;
        if !groups.is_empty() {
            o.insert("groups".into(), super::groups_json(&groups));
        }
    }
    Ok(doc)
}

impl Store for SqliteStore {
    async fn create(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        write: Write,
    ) -> Result<Version, StoreError> {
        let (tenant, rt, id) = (tenant.to_owned(), resource_type.to_owned(), id.to_owned());
        self.write(move |c| insert(c, &tenant, &rt, &id, &write).map(|()| 1))
            .await
    }

    async fn get(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        relations: bool,
    ) -> Result<Option<Stored>, StoreError> {
        let (tenant, rt, id) = (tenant.to_owned(), resource_type.to_owned(), id.to_owned());
        let t = tenant.clone();
        self.read(&t, move |c| {
            let row = c
                .prepare_cached("SELECT seq, id, version, doc FROM resources WHERE tenant = ?1 AND id = ?2 AND type = ?3")
                .and_then(|mut s| s.query_row(params![tenant, id, rt], read_row).optional())
                .map_err(sql_error)?;
            match row {
                None => Ok(None),
                Some((seq, id, version, doc)) => {
                    finish(c, &tenant, &rt, (seq, id, version, parse_doc(&doc)?), relations).map(Some)
                }
            }
        })
        .await
    }

    async fn update(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
        write: Write,
    ) -> Result<Updated, StoreError> {
        let (tenant, rt, id) = (tenant.to_owned(), resource_type.to_owned(), id.to_owned());
        self.write(move |c| {
            let (seq, version, doc): (i64, i64, String) = c
                .prepare_cached("SELECT seq, version, doc FROM resources WHERE tenant = ?1 AND id = ?2 AND type = ?3")
                .and_then(|mut s| s.query_row(params![tenant, id, rt], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional())
                .map_err(sql_error)?
                .ok_or(StoreError::NotFound)?;
            let version = version as u64;
            if expected.is_some_and(|v| v != version) {
                return Err(StoreError::VersionMismatch);
            }
            let mut updated = Updated { version, ..Updated::default() };
            for change in &write.members {
                apply_members(c, &tenant, seq, change, &mut updated)?;
            }
            let old = parse_doc(&doc)?;
            let doc_changed = write.doc.as_ref().is_some_and(|d| *d != old);
            updated.changed = doc_changed || !updated.added.is_empty() || !updated.removed.is_empty();
            if !updated.changed {
                return Ok(updated);
            }
            let mut new = write.doc.clone().unwrap_or(old);
            if let Some(meta) = new.get_mut("meta").and_then(Value::as_object_mut) {
                meta.insert("lastModified".into(), write.modified.clone().into());
            }
            if doc_changed {
                write_side_tables(c, seq, &tenant, &rt, &write)?;
            }
            let (user_name, external_id, display_name) = columns(&new);
            c.prepare_cached(
                "UPDATE resources SET version = version + 1, user_name = ?2, external_id = ?3, display_name = ?4, doc = ?5
                 WHERE seq = ?1",
            )
            .and_then(|mut s| s.execute(params![seq, user_name, external_id, display_name, new.to_string()]))
            .map_err(sql_error)?;
            updated.version = version + 1;
            Ok(updated)
        })
        .await
    }

    async fn delete(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
    ) -> Result<(), StoreError> {
        let (tenant, rt, id) = (tenant.to_owned(), resource_type.to_owned(), id.to_owned());
        self.write(move |c| {
            let (seq, version): (i64, i64) = c
                .prepare_cached("SELECT seq, version FROM resources WHERE tenant = ?1 AND id = ?2 AND type = ?3")
                .and_then(|mut s| s.query_row(params![tenant, id, rt], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                .map_err(sql_error)?
                .ok_or(StoreError::NotFound)?;
            if expected.is_some_and(|v| v != version as u64) {
                return Err(StoreError::VersionMismatch);
            }
            c.prepare_cached("DELETE FROM resources WHERE seq = ?1")
                .and_then(|mut s| s.execute([seq]))
                .map_err(sql_error)?;
            // The resource leaves every group it was in; those groups change version.
            c.prepare_cached(
                "UPDATE resources SET version = version + 1 WHERE seq IN
                 (SELECT group_seq FROM members WHERE tenant = ?1 AND member_id = ?2)",
            )
            .and_then(|mut s| s.execute(params![tenant, id]))
            .map_err(sql_error)?;
            c.prepare_cached("DELETE FROM members WHERE tenant = ?1 AND member_id = ?2")
                .and_then(|mut s| s.execute(params![tenant, id]))
                .map_err(sql_error)?;
            Ok(())
        })
        .await
    }

    async fn list(
        &self,
        tenant: &str,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> Result<ListPage, StoreError> {
        // Interim: candidates by the mapped columns where the filter is a plain lookup, the
        // compiled filter and the sorter in memory otherwise.
        let (t, rt) = (tenant.to_owned(), resource_type.to_owned());
        let compiled = query.compiled.cloned();
        let sorter = match query.sort {
            Some((attr, order)) => {
                Some(Sorter::compile(attr, order, query.schema).map_err(StoreError::backend)?)
            }
            None => None,
        };
        let page = query.page.clone();
        let relations = query.relations;
        let needs_full = compiled.is_some() || sorter.is_some();
        self.read(tenant, move |c| {
            let mut s = c
                .prepare_cached("SELECT seq, id, version, doc FROM resources WHERE tenant = ?1 AND type = ?2 ORDER BY seq")
                .map_err(sql_error)?;
            let rows = s.query_map(params![t, rt], read_row).map_err(sql_error)?;
            let mut hits: Vec<(Row, Option<Value>)> = Vec::new();
            for r in rows {
                let (seq, id, version, doc) = r.map_err(sql_error)?;
                let row = (seq, id, version, parse_doc(&doc)?);
                let full = if needs_full { Some(full_doc(c, &t, &rt, &row)?) } else { None };
                if let (Some(f), Some(d)) = (&compiled, &full) {
                    if !f.matches(d) {
                        continue;
                    }
                }
                hits.push((row, full));
            }
            if let Some(sorter) = &sorter {
                hits.sort_by(|a, b| match (&a.1, &b.1) {
                    (Some(x), Some(y)) => sorter.compare(x, y).then(a.0 .0.cmp(&b.0 .0)),
                    _ => a.0 .0.cmp(&b.0 .0),
                });
            }
            let total = hits.len() as u64;
            let keys: Vec<i64> = hits.iter().map(|h| h.0 .0).collect();
            let (range, next) = super::page_range(&keys, &page)?;
            let resources = hits
                .drain(range)
                .map(|(row, _)| finish(c, &t, &rt, row, relations))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ListPage::new(total, resources, next))
        })
        .await
    }

    async fn resource_types_of(
        &self,
        tenant: &str,
        ids: &[String],
    ) -> Result<Vec<Option<String>>, StoreError> {
        let (t, ids) = (tenant.to_owned(), ids.to_vec());
        self.read(tenant, move |c| {
            let mut s = c
                .prepare_cached("SELECT type FROM resources WHERE tenant = ?1 AND id = ?2")
                .map_err(sql_error)?;
            ids.iter()
                .map(|id| {
                    s.query_row(params![t, id], |r| r.get(0))
                        .optional()
                        .map_err(sql_error)
                })
                .collect()
        })
        .await
    }

    async fn nested_groups(&self, tenant: &str, group_id: &str) -> Result<Vec<String>, StoreError> {
        let (t, g) = (tenant.to_owned(), group_id.to_owned());
        self.read(tenant, move |c| {
            let mut s = c
                .prepare_cached(
                    "SELECT m.member_id FROM members m JOIN resources g ON g.seq = m.group_seq
                     WHERE g.tenant = ?1 AND g.id = ?2 AND m.member_type = 'Group'",
                )
                .map_err(sql_error)?;
            let rows = s
                .query_map(params![t, g], |r| r.get(0))
                .map_err(sql_error)?;
            rows.collect::<Result<_, _>>().map_err(sql_error)
        })
        .await
    }
}

impl SqliteStore {
    /// Inserts many new resources of one type in one transaction: for seeding and migrations,
    /// where one transaction per resource would measure the disk, not the data. Each write is
    /// checked exactly as [`Store::create`] checks it; the first failure rolls everything back.
    pub async fn import(
        &self,
        tenant: &str,
        resource_type: &str,
        resources: Vec<(String, Write)>,
    ) -> Result<(), StoreError> {
        let (tenant, rt) = (tenant.to_owned(), resource_type.to_owned());
        self.write(move |c| {
            for (id, write) in &resources {
                insert(c, &tenant, &rt, id, write)?;
            }
            Ok(())
        })
        .await
    }
}

/// One insert of [`Store::create`], inside the caller's transaction.
fn insert(
    c: &Connection,
    tenant: &str,
    rt: &str,
    id: &str,
    write: &Write,
) -> Result<(), StoreError> {
    let doc = write
        .doc
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()));
    let (user_name, external_id, display_name) = columns(&doc);
    let inserted = c
        .prepare_cached(
            "INSERT INTO resources (tenant, type, id, version, user_name, external_id, display_name, doc)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7) ON CONFLICT (tenant, id) DO NOTHING",
        )
        .and_then(|mut s| s.execute(params![tenant, rt, id, user_name, external_id, display_name, doc.to_string()]))
        .map_err(sql_error)?;
    if inserted == 0 {
        return Err(StoreError::IdTaken);
    }
    let seq = c.last_insert_rowid();
    write_side_tables(c, seq, tenant, rt, write)?;
    let mut updated = Updated::default();
    for change in &write.members {
        apply_members(c, tenant, seq, change, &mut updated)?;
    }
    Ok(())
}
