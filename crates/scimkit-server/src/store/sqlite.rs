//! [`SqliteStore`]: the embedded default backend, one SQLite file (rusqlite, bundled).
//!
//! - **Layout.** One `resources` table for every tenant and type: the document as JSON text, plus
//!   the folded `userName`/`displayName` and `externalId` the lookups identity providers make hit
//!   (`userName eq`, `externalId eq`, group `displayName eq`). `unique_keys` holds each unique
//!   value once per tenant and type, so a primary key decides races. `members` is the membership
//!   relation: one row per member, so a one-member change of a 100,000-member group writes one
//!   row. `emails` mirrors every resource's emails (folded, in order) for `emails[...]` lookups.
//! - **Queries.** A list is one `scimkit-sql` translation: the filter, `sortBy` and the page
//!   (index, or a keyset position for cursors) become SQL over the document and the mapped
//!   columns and side tables, with the evaluator's semantics, so any valid filter and sort is
//!   answered without reading more than the page's rows. `docs/sql-indexing.md` says which
//!   lookups the indexes serve; the others scan one tenant's resources of the type.
//! - **Concurrency.** One writer connection (SQLite has one writer at a time anyway) and a pool
//!   of readers (WAL lets them read beside the writer). All SQLite work runs on tokio's blocking
//!   pool, never on an async worker; readers are admitted fairly between tenants, so one tenant's
//!   expensive queries cannot take every reader from another tenant's lookups. The write-ahead
//!   log is checkpointed by a background thread, never inside a request's commit.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use scimkit_sql::{Dialect, SqlValue};
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::sql::{Layout, ListSql};
use super::{
    fold, GroupRef, ListPage, ListQuery, Member, MemberChange, MemberType, Store, StoreError,
    Stored, Updated, Version, Write,
};

/// The tables, in their current layout (see [`migrate`] for older files).
const TABLES: &str = r#"
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
CREATE TABLE IF NOT EXISTS unique_keys (
    tenant     TEXT NOT NULL,
    type       TEXT NOT NULL,
    attribute  TEXT NOT NULL,
    value      TEXT NOT NULL,
    seq        INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
    PRIMARY KEY (tenant, type, attribute, value)
);
CREATE TABLE IF NOT EXISTS emails (
    seq        INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    value      TEXT,
    type       TEXT,
    is_primary INTEGER,
    display    TEXT
);
CREATE TABLE IF NOT EXISTS members (
    group_seq   INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
    tenant      TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_fold TEXT NOT NULL,
    member_type TEXT NOT NULL,
    display     TEXT,
    PRIMARY KEY (group_seq, member_id)
);
"#;

/// The indexes: the mapped columns serve the lookups identity providers make on every cycle
/// (`userName eq`, `externalId eq`, group `displayName eq`, `emails[...]`, `members[value eq]`);
/// see `docs/sql-indexing.md`.
const INDEXES: &str = r#"
CREATE INDEX IF NOT EXISTS resources_type ON resources (tenant, type, seq);
CREATE INDEX IF NOT EXISTS resources_user_name ON resources (tenant, type, user_name);
CREATE INDEX IF NOT EXISTS resources_external_id ON resources (tenant, type, external_id);
CREATE INDEX IF NOT EXISTS resources_display_name ON resources (tenant, type, display_name);
CREATE INDEX IF NOT EXISTS unique_keys_seq ON unique_keys (seq);
CREATE INDEX IF NOT EXISTS emails_value ON emails (value);
CREATE INDEX IF NOT EXISTS emails_seq ON emails (seq, position);
CREATE INDEX IF NOT EXISTS members_member ON members (tenant, member_id);
CREATE INDEX IF NOT EXISTS members_fold ON members (member_fold);
"#;

/// The layout [`TABLES`] and [`INDEXES`] describe, kept in `PRAGMA user_version`.
const LAYOUT: i64 = 2;

/// Brings a file written by an older release to [`LAYOUT`], in one transaction: layout 1 kept
/// only emails with a value and without their order or `display`, and members without the
/// folded id. Both are mirrors of the documents, so they are rebuilt from them.
fn migrate(c: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql_error)?;
    if version >= LAYOUT {
        return Ok(());
    }
    let has_column = |c: &Connection, table: &str, column: &str| -> Result<bool, StoreError> {
        c.query_row(
            "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
            params![table, column],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
        .map_err(sql_error)
    };
    let tx = c.transaction().map_err(sql_error)?;
    if !has_column(&tx, "emails", "position")? {
        tx.execute_batch(
            "DROP TABLE emails;
             CREATE TABLE emails (seq INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
                 position INTEGER NOT NULL, value TEXT, type TEXT, is_primary INTEGER, display TEXT);",
        )
        .map_err(sql_error)?;
        let docs: Vec<(i64, String)> = {
            let mut s = tx
                .prepare("SELECT seq, doc FROM resources")
                .map_err(sql_error)?;
            let rows = s
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(sql_error)?;
            rows.collect::<Result<_, _>>().map_err(sql_error)?
        };
        for (seq, doc) in docs {
            write_emails(&tx, seq, &parse_doc(&doc)?)?;
        }
    }
    if !has_column(&tx, "members", "member_fold")? {
        tx.execute_batch(
            "ALTER TABLE members ADD COLUMN member_fold TEXT NOT NULL DEFAULT '';
             UPDATE members SET member_fold = scim_fold(member_id);",
        )
        .map_err(sql_error)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {LAYOUT}"))
        .map_err(sql_error)?;
    tx.commit().map_err(sql_error)
}

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

/// How often committed pages are moved from the write-ahead log into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Checkpoints the write-ahead log on a thread of its own, with its own connection, for as long
/// as the store lives. A PASSIVE checkpoint copies what no reader still needs and never waits for
/// or blocks the writer, so the fsync it ends with is off every request's path (SQLite would
/// otherwise checkpoint inside the commit that crosses 1,000 pages of log, stalling every queued
/// write for the length of an fsync).
fn checkpoint_in_background(
    conn: Connection,
    store: std::sync::Weak<Inner>,
) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sql_error)?;
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            while store.strong_count() > 0 {
                std::thread::sleep(CHECKPOINT_EVERY);
                // A failed checkpoint leaves the log to the next one; nothing is lost.
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
        })
        .map_err(StoreError::backend)?;
    Ok(())
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
        let checkpointer = Connection::open(path).map_err(sql_error)?;
        let store = SqliteStore::from_connections(writer, readers)?;
        checkpoint_in_background(checkpointer, Arc::downgrade(&store.inner))?;
        Ok(store)
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
        mut writer: Connection,
        readers: Vec<Connection>,
    ) -> Result<SqliteStore, StoreError> {
        writer
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql_error)?;
        // No checkpoint inside a commit: it would hold the one writer (and every write queued
        // behind it) through an fsync. `checkpoint_in_background` does that work instead.
        writer
            .execute_batch("PRAGMA wal_autocheckpoint = 0")
            .map_err(sql_error)?;
        // The translated SQL calls `scim_fold` and `scim_instant`; every connection has them.
        scimkit_sql::sqlite::register_functions(&writer).map_err(sql_error)?;
        writer.execute_batch(TABLES).map_err(sql_error)?;
        migrate(&mut writer)?;
        writer.execute_batch(INDEXES).map_err(sql_error)?;
        for r in &readers {
            scimkit_sql::sqlite::register_functions(r).map_err(sql_error)?;
            r.busy_timeout(std::time::Duration::from_secs(5))
                .map_err(sql_error)?;
            // Memory-mapped reads: a scan of a large file reads pages in place (a 1M-user scan
            // took 1.3 s mapped, 1.8 s copied). Under writes SQLite drops the mapping at each
            // read transaction after a commit, which costs about 8 % of PATCH throughput at 10k
            // users; the scans are worth more.
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

/// Mirrors the document's `emails` into the `emails` relation: one row per value, in order, with
/// the text sub-attributes folded (none is `caseExact`) and `primary` as given (`NULL` when
/// absent, which `primary eq false` must not match).
fn write_emails(c: &Connection, seq: i64, doc: &Value) -> Result<(), StoreError> {
    c.prepare_cached("DELETE FROM emails WHERE seq = ?1")
        .and_then(|mut s| s.execute([seq]))
        .map_err(sql_error)?;
    let Some(emails) = doc.get("emails").and_then(Value::as_array) else {
        return Ok(());
    };
    let mut insert = c
        .prepare_cached(
            "INSERT INTO emails (seq, position, value, type, is_primary, display) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(sql_error)?;
    for (position, email) in emails.iter().enumerate() {
        let Some(email) = email.as_object().filter(|o| !o.is_empty()) else {
            continue;
        };
        let text = |k: &str| email.get(k).and_then(Value::as_str).map(fold);
        insert
            .execute(params![
                seq,
                position as i64,
                text("value"),
                text("type"),
                email.get("primary").and_then(Value::as_bool),
                text("display"),
            ])
            .map_err(sql_error)?;
    }
    Ok(())
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
        write_emails(c, seq, doc)?;
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
                "INSERT INTO members (group_seq, tenant, member_id, member_fold, member_type, display) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (group_seq, member_id) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![seq, tenant, m.value, fold(&m.value), m.kind.as_str(), m.display]))
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

/// The names the translated SQL uses for this store's tables.
const LAYOUT_SQL: Layout = Layout {
    resources: "resources",
    emails: "emails",
    members: "members",
    member_order: "rowid",
    group_display: r#"json_extract(g.doc, '$."displayName"')"#,
    dialect: Dialect::Sqlite,
};

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
            write.stamp(&mut new);
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
        // Everything is answered by SQL: the filter, the sort and the page (scimkit-sql, with
        // the evaluator's semantics); only the page's rows are read and parsed.
        let sql = ListSql::new(&LAYOUT_SQL, tenant, resource_type, &query)?;
        let (t, rt) = (tenant.to_owned(), resource_type.to_owned());
        let relations = query.relations;
        self.read(tenant, move |c| {
            let mut rows: Vec<(Row, SqlValue)> = {
                let mut s = c.prepare_cached(&sql.page_sql).map_err(sql_error)?;
                let rows = s
                    .query_map(rusqlite::params_from_iter(&sql.page_params), |r| {
                        Ok((read_row(r)?, r.get::<_, SqlValue>(4)?))
                    })
                    .map_err(sql_error)?;
                let mut out = Vec::new();
                for row in rows {
                    let ((seq, id, version, doc), key) = row.map_err(sql_error)?;
                    out.push(((seq, id, version, parse_doc(&doc)?), key));
                }
                out
            };
            let total = match sql.total_from_page(rows.len()) {
                Some(total) => total,
                None => c
                    .prepare_cached(&sql.count_sql)
                    .and_then(|mut s| {
                        s.query_row(rusqlite::params_from_iter(&sql.count_params), |r| {
                            r.get::<_, i64>(0)
                        })
                    })
                    .map_err(sql_error)?
                    .max(0) as u64,
            };
            let next = sql.next(&mut rows, |row| row.0)?;
            let resources = rows
                .into_iter()
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

#[cfg(test)]
mod tests {
    use super::super::PageRequest;
    use super::*;
    use scimkit_schema::ResourceSchema;

    /// The tables as the first release wrote them.
    const LAYOUT_1: &str = r#"
        CREATE TABLE resources (seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, type TEXT NOT NULL,
            id TEXT NOT NULL, version INTEGER NOT NULL, user_name TEXT, external_id TEXT,
            display_name TEXT, doc TEXT NOT NULL, UNIQUE (tenant, id));
        CREATE TABLE unique_keys (tenant TEXT NOT NULL, type TEXT NOT NULL, attribute TEXT NOT NULL,
            value TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (tenant, type, attribute, value));
        CREATE TABLE emails (seq INTEGER NOT NULL, value TEXT NOT NULL, type TEXT,
            is_primary INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE members (group_seq INTEGER NOT NULL, tenant TEXT NOT NULL,
            member_id TEXT NOT NULL, member_type TEXT NOT NULL, display TEXT,
            PRIMARY KEY (group_seq, member_id));
        INSERT INTO resources VALUES (1, 't', 'User', 'U1', 1, 'bjensen', NULL, NULL,
            '{"id":"U1","userName":"bjensen","emails":[{"type":"work"},{"value":"B@Example.com","display":"Babs"}]}');
        INSERT INTO resources VALUES (2, 't', 'Group', 'g', 1, NULL, NULL, 'admins',
            '{"id":"g","displayName":"Admins"}');
        INSERT INTO emails VALUES (1, 'b@example.com', NULL, 0);
        INSERT INTO members VALUES (2, 't', 'U1', 'User', NULL);
    "#;

    async fn ids(
        store: &SqliteStore,
        rt: &str,
        schema: &ResourceSchema,
        filter: &str,
    ) -> Vec<String> {
        let filter = scimkit_filter::Filter::parse(filter).unwrap();
        let page = PageRequest::Index {
            offset: 0,
            count: 10,
        };
        let query = ListQuery {
            schema,
            filter: Some(&filter),
            compiled: None,
            options: scimkit_filter::Options::new(),
            sort: None,
            page: &page,
            relations: false,
        };
        let page = store.list("t", rt, query).await.unwrap();
        page.resources.into_iter().map(|r| r.id).collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_first_release_file_is_migrated_and_answers_relation_filters() {
        let path = std::env::temp_dir().join(format!("scimkit-layout1-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Connection::open(&path)
            .unwrap()
            .execute_batch(LAYOUT_1)
            .unwrap();
        let store = SqliteStore::open(&path).unwrap();
        let (users, groups) = (ResourceSchema::user(), ResourceSchema::group());
        // Rebuilt from the document: the email without a value, and `display`, were not kept.
        assert_eq!(
            ids(&store, "User", &users, r#"emails[type eq "WORK"]"#).await,
            ["U1"]
        );
        assert_eq!(
            ids(&store, "User", &users, r#"emails.display eq "babs""#).await,
            ["U1"]
        );
        assert_eq!(
            ids(&store, "Group", &groups, r#"members.value eq "u1""#).await,
            ["g"]
        );
        drop(store);
        // Opening again is a no-op.
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            ids(&store, "Group", &groups, r#"members.value eq "U1""#).await,
            ["g"]
        );
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[test]
    fn the_columns_fold_as_the_translation_does() {
        for s in ["ÜMLAUT", "ΣΟΦΊΑ", "Straße", "İstanbul", "bjensen", "ǅ"] {
            assert_eq!(fold(s), scimkit_sql::fold(s), "{s}");
        }
    }
}
