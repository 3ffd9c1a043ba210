//! SQLite storage for the example service provider.
//!
//! Resources are stored as their JSON plus the columns IdPs query (userName, externalId,
//! displayName, active, emails), so that the common filters (Okta O1, Entra E7/E8) are index
//! lookups. Group membership lives in its own table, so adding or removing one member of a
//! 100k-member group writes one row; `User.groups` is derived from it on read.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

/// The two resource types this server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl Kind {
    /// The resource type name, as in `meta.resourceType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    /// The `kind = …` condition on `resources`, with the kind as a literal rather than a bound
    /// parameter. SQLite matches the partial index `WHERE kind = 'User'` against a bound value by
    /// looking at the value, and then re-prepares the cached statement every time it is bound
    /// again: with a bound kind every lookup was parsed and planned anew.
    pub fn sql_condition(self) -> &'static str {
        match self {
            Kind::User => "kind = 'User'",
            Kind::Group => "kind = 'Group'",
        }
    }

    /// The endpoint, as in `meta.location`.
    pub fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "Users",
            Kind::Group => "Groups",
        }
    }
}

/// A storage failure the HTTP layer turns into a SCIM error.
#[derive(Debug)]
pub enum StoreError {
    /// A unique column (userName per tenant, group displayName) is taken: 409 uniqueness.
    Conflict(String),
    /// No such resource: 404.
    NotFound,
    /// A value names something that does not exist (a group member): 400 invalidValue.
    Invalid(String),
    /// SQLite failed: 500.
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            if f.code == rusqlite::ErrorCode::ConstraintViolation {
                return StoreError::Conflict(
                    msg.clone().unwrap_or_else(|| "value already exists".into()),
                );
            }
        }
        StoreError::Sql(e)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict(m) => write!(f, "conflict: {m}"),
            StoreError::NotFound => f.write_str("not found"),
            StoreError::Invalid(m) => write!(f, "invalid: {m}"),
            StoreError::Sql(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// A stored resource row: its JSON (without derived attributes) and bookkeeping.
#[derive(Debug, Clone)]
pub struct Row {
    /// Internal sequence number: the stable sort order for paging (Okta O10) and the cursor key.
    pub seq: i64,
    /// The SCIM id.
    pub id: String,
    /// The version counter behind the ETag.
    pub version: i64,
    /// The resource JSON as stored (for groups, without `members`).
    pub body: Value,
}

const SCHEMA: &str = r#"
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -65536;
PRAGMA mmap_size = 68719476736;
CREATE TABLE IF NOT EXISTS tenants (
    name        TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL,
    created     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS resources (
    seq           INTEGER PRIMARY KEY,
    tenant        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    id            TEXT NOT NULL,
    user_name     TEXT COLLATE NOCASE,
    external_id   TEXT,
    display_name  TEXT COLLATE NOCASE,
    active        INTEGER,
    version       INTEGER NOT NULL,
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    body          TEXT NOT NULL,
    UNIQUE (tenant, kind, id)
);
-- RFC 7643 §4.1.1: userName is unique per service provider (here: per tenant), case-insensitively.
CREATE UNIQUE INDEX IF NOT EXISTS resources_user_name ON resources (tenant, user_name) WHERE kind = 'User';
CREATE INDEX IF NOT EXISTS resources_external_id ON resources (tenant, kind, external_id);
CREATE INDEX IF NOT EXISTS resources_display_name ON resources (tenant, kind, display_name);
CREATE TABLE IF NOT EXISTS emails (
    resource  INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
    tenant    TEXT NOT NULL,
    value     TEXT NOT NULL COLLATE NOCASE,
    type      TEXT COLLATE NOCASE,
    is_primary INTEGER NOT NULL DEFAULT 0
);
-- Lookups by address (Entra E8, Ping P1) come from a filter that does not know the tenant; the
-- outer query restricts to it.
CREATE INDEX IF NOT EXISTS emails_value ON emails (value);
CREATE INDEX IF NOT EXISTS emails_resource ON emails (resource);
CREATE TABLE IF NOT EXISTS members (
    group_seq   INTEGER NOT NULL REFERENCES resources (seq) ON DELETE CASCADE,
    tenant      TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL,
    display     TEXT,
    PRIMARY KEY (group_seq, member_id)
);
CREATE INDEX IF NOT EXISTS members_member ON members (tenant, member_id);
CREATE INDEX IF NOT EXISTS members_member_id ON members (member_id);
CREATE TABLE IF NOT EXISTS audit (
    seq         INTEGER PRIMARY KEY,
    tenant      TEXT NOT NULL,
    operation   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    at          TEXT NOT NULL
);
"#;

/// The database: one writer connection and a few readers (WAL lets readers run beside the writer).
#[derive(Debug)]
pub struct Store {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    /// Known tenants' token hashes: every request checks one, and they change only through
    /// [`Store::put_tenant`]. Unknown names are not cached, so random names cannot grow it.
    tenants: RwLock<HashMap<String, String>>,
    /// Write transactions so far, to refresh statistics now and then.
    writes: AtomicU64,
}

impl Store {
    /// Opens (creating if needed) the database file.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let writer = Connection::open(path)?;
        writer.execute_batch(SCHEMA)?;
        // Statistics for the query planner (see `write`), cheap with a small analysis limit.
        writer.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
        writer.busy_timeout(std::time::Duration::from_secs(5))?;
        let readers = (0..4)
            .map(|_| {
                let c = Connection::open(path)?;
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                // 64 MiB page cache, and the whole file memory-mapped (up to 64 GiB): a lookup in
                // a million users reads its index and row pages in place instead of copying each
                // 4 KiB page out of the OS cache (SQLITE_MAX_MMAP_SIZE in .cargo/config.toml).
                c.execute_batch("PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA mmap_size = 68719476736;")?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Store {
            tenants: RwLock::new(HashMap::new()),
            writes: AtomicU64::new(0),
            writer: Mutex::new(writer),
            readers,
        })
    }

    /// Runs `f` on a read connection.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // Try each reader without blocking, then wait on one chosen by thread: fair enough for a demo
        // server and free of any pool dependency.
        for r in &self.readers {
            if let Ok(conn) = r.try_lock() {
                return f(&conn);
            }
        }
        let i = thread_index() % self.readers.len();
        let conn = self.readers[i].lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }

    /// Runs `f` in one read transaction on a read connection, so that every statement in it sees
    /// the same snapshot (a page, its total and its members agree) and the WAL read lock is taken
    /// once. `BEGIN` and `COMMIT` are cached statements: parsed once per connection, not per request.
    pub fn read_snapshot<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.read(|c| {
            c.prepare_cached("BEGIN")?.execute([])?;
            let out = f(c);
            let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
            let ended = c
                .prepare_cached(end)
                .and_then(|mut s| s.execute([]).map(drop));
            let out = out?;
            ended?;
            Ok(out)
        })
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`), committing when it returns `Ok` and
    /// rolling back otherwise. Every read-modify-write (PUT, PATCH) happens inside, so concurrent
    /// writers never lose an update. `BEGIN`/`COMMIT` are cached statements, parsed once.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if !conn.is_autocommit() {
            // A writer that panicked inside `f` left its transaction open.
            conn.prepare_cached("ROLLBACK")?.execute([])?;
        }
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let out = f(&conn).and_then(|out| {
            conn.prepare_cached("COMMIT")?.execute([])?;
            Ok(out)
        });
        if out.is_err() && !conn.is_autocommit() {
            // The error to report is `f`'s (or COMMIT's); a failed rollback adds nothing to it.
            let _ = conn
                .prepare_cached("ROLLBACK")
                .and_then(|mut s| s.execute([]));
        }
        let out = out?;
        // Keep the planner's statistics fresh as tables grow: without them SQLite prefers the
        // (tenant, kind) index to the rowid lookup of an `r.seq IN (…emails…)` filter and scans
        // the tenant. `PRAGMA optimize` re-analyzes only tables whose size changed a lot.
        if self.writes.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
            conn.execute_batch("PRAGMA analysis_limit = 1000; PRAGMA optimize;")?;
        }
        Ok(out)
    }

    /// Creates or re-keys a tenant with the given token hash.
    pub fn put_tenant(&self, name: &str, token_hash: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tenants (name, token_hash, created) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash",
                params![name, token_hash, now()],
            )?;
            Ok(())
        })?;
        self.tenants
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_owned(), token_hash.to_owned());
        Ok(())
    }

    /// The stored token hash of a tenant.
    pub fn tenant_token_hash(&self, name: &str) -> Result<Option<String>, StoreError> {
        if let Some(hash) = self
            .tenants
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
        {
            return Ok(Some(hash.clone()));
        }
        let hash: Option<String> = self.read(|c| {
            Ok(c.query_row(
                "SELECT token_hash FROM tenants WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
        })?;
        if let Some(h) = &hash {
            self.tenants
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(name.to_owned(), h.clone());
        }
        Ok(hash)
    }
}

fn thread_index() -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    h.finish() as usize
}

/// The current time as SCIM writes it (RFC 7643 §2.3.5).
pub fn now() -> String {
    scimkit::schema::datetime::format(&chrono::Utc::now())
}

/// Writes an audit row: who changed what, when.
pub fn audit(
    tx: &Connection,
    tenant: &str,
    operation: &str,
    kind: Kind,
    id: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (tenant, operation, kind, resource_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![tenant, operation, kind.as_str(), id, now()],
    )?;
    Ok(())
}

/// The indexed columns of a resource, read case-insensitively from its JSON.
struct Columns {
    user_name: Option<String>,
    external_id: Option<String>,
    display_name: Option<String>,
    active: Option<bool>,
}

fn columns(body: &Value) -> Columns {
    let obj = body.as_object();
    let text = |name: &str| {
        obj.and_then(|o| scimkit::schema::name::value(o, name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Columns {
        user_name: text("userName"),
        external_id: text("externalId"),
        display_name: text("displayName"),
        active: obj
            .and_then(|o| scimkit::schema::name::value(o, "active"))
            .and_then(Value::as_bool),
    }
}

/// Inserts a new resource row and its email rows; returns its sequence number.
pub fn insert(
    tx: &Connection,
    tenant: &str,
    kind: Kind,
    id: &str,
    body: &Value,
) -> Result<i64, StoreError> {
    let c = columns(body);
    let meta = body.get("meta");
    let created = meta
        .and_then(|m| m.get("created"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(now);
    tx.execute(
        "INSERT INTO resources (tenant, kind, id, user_name, external_id, display_name, active, version, created, last_modified, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8, ?9)",
        params![tenant, kind.as_str(), id, c.user_name, c.external_id, c.display_name, c.active, created, body.to_string()],
    )
    .map_err(|e| conflict_detail(e, kind))?;
    let seq = tx.last_insert_rowid();
    write_emails(tx, tenant, seq, body)?;
    Ok(seq)
}

/// Rewrites a resource row (JSON, columns, emails) and bumps its version.
pub fn update(
    tx: &Connection,
    tenant: &str,
    kind: Kind,
    row: &Row,
    body: &Value,
    version: i64,
) -> Result<(), StoreError> {
    let c = columns(body);
    let last_modified = body
        .pointer("/meta/lastModified")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(now);
    let old = columns(&row.body);
    let indexed_unchanged = (&old.user_name, &old.external_id, &old.display_name)
        == (&c.user_name, &c.external_id, &c.display_name);
    if indexed_unchanged {
        // Okta's deactivation and most PATCHes leave the indexed columns alone: setting only the
        // rest spares SQLite three index rewrites on a large table.
        tx.prepare_cached(
            "UPDATE resources SET active = ?1, version = ?2, last_modified = ?3, body = ?4 WHERE seq = ?5",
        )?
        .execute(params![c.active, version, last_modified, body.to_string(), row.seq])?;
    } else {
        tx.prepare_cached(
            "UPDATE resources SET user_name = ?1, external_id = ?2, display_name = ?3, active = ?4, version = ?5,
                    last_modified = ?6, body = ?7 WHERE seq = ?8",
        )?
        .execute(params![c.user_name, c.external_id, c.display_name, c.active, version, last_modified, body.to_string(), row.seq])
        .map_err(|e| conflict_detail(e, kind))?;
    }
    // Most updates (Okta's deactivation, a rename) leave emails alone: skip rewriting their rows.
    if emails_of(&row.body) != emails_of(body) {
        tx.execute("DELETE FROM emails WHERE resource = ?1", [row.seq])?;
        write_emails(tx, tenant, row.seq, body)?;
    }
    Ok(())
}

fn emails_of(body: &Value) -> Option<&Value> {
    body.as_object()
        .and_then(|o| scimkit::schema::name::value(o, "emails"))
}

fn conflict_detail(e: rusqlite::Error, kind: Kind) -> StoreError {
    match StoreError::from(e) {
        StoreError::Conflict(_) if kind == Kind::User => {
            StoreError::Conflict("userName is already taken".into())
        }
        StoreError::Conflict(_) => {
            StoreError::Conflict("a resource with this id already exists".into())
        }
        other => other,
    }
}

fn write_emails(tx: &Connection, tenant: &str, seq: i64, body: &Value) -> Result<(), StoreError> {
    let Some(emails) = emails_of(body).and_then(Value::as_array) else {
        return Ok(());
    };
    let mut stmt = tx.prepare_cached("INSERT INTO emails (resource, tenant, value, type, is_primary) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for e in emails.iter().filter_map(Value::as_object) {
        let Some(value) = scimkit::schema::name::value(e, "value").and_then(Value::as_str) else {
            continue;
        };
        let type_ = scimkit::schema::name::value(e, "type").and_then(Value::as_str);
        let primary = scimkit::schema::name::value(e, "primary")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        stmt.execute(params![seq, tenant, value, type_, primary])?;
    }
    Ok(())
}

/// Reads one resource row by id.
pub fn get(c: &Connection, tenant: &str, kind: Kind, id: &str) -> Result<Row, StoreError> {
    c.prepare_cached(&format!(
        "SELECT seq, id, version, body FROM resources WHERE tenant = ?1 AND {} AND id = ?2",
        kind.sql_condition()
    ))?
    .query_row(params![tenant, id], row_from_sql)
    .optional()?
    .ok_or(StoreError::NotFound)
}

/// Maps a `SELECT seq, id, version, body` row.
pub fn row_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let body: String = r.get(3)?;
    Ok(Row {
        seq: r.get(0)?,
        id: r.get(1)?,
        version: r.get(2)?,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    })
}

/// Deletes a resource (its emails and memberships go with it: ON DELETE CASCADE, plus the rows
/// that name it as a member).
pub fn delete(tx: &Connection, tenant: &str, kind: Kind, id: &str) -> Result<(), StoreError> {
    let n = tx.execute(
        &format!(
            "DELETE FROM resources WHERE tenant = ?1 AND {} AND id = ?2",
            kind.sql_condition()
        ),
        params![tenant, id],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    tx.execute(
        "DELETE FROM members WHERE tenant = ?1 AND member_id = ?2",
        params![tenant, id],
    )?;
    Ok(())
}

/// A group member as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's id.
    pub value: String,
    /// `User` or `Group`.
    pub type_: String,
    /// The display name sent by the client, if any.
    pub display: Option<String>,
}

/// The members of a group, in insertion order.
pub fn members(c: &Connection, group_seq: i64) -> Result<Vec<Member>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT member_id, member_type, display FROM members WHERE group_seq = ?1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map([group_seq], |r| {
        Ok(Member {
            value: r.get(0)?,
            type_: r.get(1)?,
            display: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Adds members, ignoring ones already present (RFC 7644 §3.5.2.1: add does not duplicate).
/// Returns how many were new.
pub fn add_members(
    tx: &Connection,
    tenant: &str,
    group_seq: i64,
    members: &[Member],
) -> Result<usize, StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO members (group_seq, tenant, member_id, member_type, display) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (group_seq, member_id) DO NOTHING",
    )?;
    let mut added = 0;
    for m in members {
        added += stmt.execute(params![group_seq, tenant, m.value, m.type_, m.display])?;
    }
    Ok(added)
}

/// Removes the listed members; returns how many were present.
pub fn remove_members(
    tx: &Connection,
    group_seq: i64,
    ids: &[String],
) -> Result<usize, StoreError> {
    let mut stmt =
        tx.prepare_cached("DELETE FROM members WHERE group_seq = ?1 AND member_id = ?2")?;
    let mut removed = 0;
    for id in ids {
        removed += stmt.execute(params![group_seq, id])?;
    }
    Ok(removed)
}

/// Removes every member; returns how many there were.
pub fn clear_members(tx: &Connection, group_seq: i64) -> Result<usize, StoreError> {
    Ok(tx.execute("DELETE FROM members WHERE group_seq = ?1", [group_seq])?)
}

/// Bumps a resource's version and lastModified without rewriting its JSON (membership changes).
pub fn touch(tx: &Connection, seq: i64) -> Result<i64, StoreError> {
    let ts = now();
    tx.execute(
        "UPDATE resources SET version = version + 1, last_modified = ?2 WHERE seq = ?1",
        params![seq, ts],
    )?;
    // Keep meta.lastModified in the stored JSON in step with the column.
    tx.execute(
        "UPDATE resources SET body = json_set(body, '$.meta.lastModified', ?2) WHERE seq = ?1",
        params![seq, ts],
    )?;
    Ok(
        tx.query_row("SELECT version FROM resources WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })?,
    )
}

/// The groups a user belongs to, for the derived read-only `User.groups` (RFC 7643 §4.1.2).
pub fn groups_of(
    c: &Connection,
    tenant: &str,
    user_id: &str,
) -> Result<Vec<(String, Option<String>)>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT g.id, g.display_name FROM members m JOIN resources g ON g.seq = m.group_seq
         WHERE m.tenant = ?1 AND m.member_id = ?2 ORDER BY g.seq",
    )?;
    let rows = stmt.query_map(params![tenant, user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether a resource with `id` exists (used to validate member references).
pub fn exists(c: &Connection, tenant: &str, id: &str) -> Result<Option<Kind>, StoreError> {
    let kind: Option<String> = c
        .prepare_cached(// `kind IN (…)` lets SQLite seek the (tenant, kind, id) index twice instead of
        // scanning every resource of the tenant.
        "SELECT kind FROM resources WHERE tenant = ?1 AND kind IN ('User', 'Group') AND id = ?2")?
        .query_row(params![tenant, id], |r| r.get(0))
        .optional()?;
    Ok(kind.map(|k| {
        if k == "Group" {
            Kind::Group
        } else {
            Kind::User
        }
    }))
}

/// Builds the member JSON objects for a group response.
pub fn members_json(members: &[Member], base: &str) -> Vec<Value> {
    members
        .iter()
        .map(|m| {
            let mut o = Map::new();
            o.insert("value".into(), m.value.clone().into());
            let endpoint = if m.type_ == "Group" {
                "Groups"
            } else {
                "Users"
            };
            o.insert(
                "$ref".into(),
                format!("{base}/{endpoint}/{}", m.value).into(),
            );
            o.insert("type".into(), m.type_.clone().into());
            if let Some(d) = &m.display {
                o.insert("display".into(), d.clone().into());
            }
            Value::Object(o)
        })
        .collect()
}
