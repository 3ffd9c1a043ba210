//! [`PostgresStore`]: the backend for several server instances sharing one PostgreSQL database
//! (tokio-postgres with a deadpool-postgres pool).
//!
//! - **Layout.** The tables are prefixed `scim_`, so they can share a database (or a schema, see
//!   [`PostgresStore::builder`]) with the application's own. `scim_resources` holds every tenant's
//!   resources: the document as `jsonb`, its version, and the folded `userName`/`displayName`
//!   and the `externalId` that the lookups identity providers make on every cycle hit through
//!   plain indexes. `scim_unique_keys` holds each unique value once per tenant and type under a
//!   primary key, so the database decides a race between two instances. `scim_members` is the
//!   membership relation, one row per member: adding one member to a 100,000-member group writes
//!   one row. `scim_emails` mirrors the documents' `emails` for `emails[...]` lookups.
//!   `docs/sql-indexing.md` explains which index serves which lookup.
//! - **Concurrency.** Every write is one transaction that locks the resource's row
//!   (`SELECT … FOR UPDATE`) and checks the version it read: two instances writing one resource
//!   take turns, and a write based on a stale version is [`StoreError::VersionMismatch`]. Unique
//!   values are inserted with `ON CONFLICT DO NOTHING`, which waits for a racing transaction and
//!   then reports the loser as [`StoreError::Uniqueness`], never as a failure. A transaction the
//!   database aborts as a deadlock or serialization failure is run again (a few times).
//! - **Migrations** run when a store connects, in one transaction under an advisory lock, and
//!   are idempotent: any number of instances may start at once.
//! - **Lists** are answered by SQL from `scimkit-sql` (filter, sort, index and keyset paging),
//!   with the evaluator's semantics; only the page's rows are read. Every statement runs under
//!   a time limit (`statement_timeout`, set per connection, see [`Builder::list_timeout`]) and
//!   the store answers [`StoreError::Busy`] (503) when it is exceeded.
//! - **Round trips.** Statements that do not depend on each other's results go as one pipeline
//!   (tokio-postgres sends the requests of futures polled together without waiting, and
//!   PostgreSQL runs them in the order sent): a row and its groups, a page's members and groups,
//!   a write's unique keys, emails and row. A list's page aggregates each user's groups into
//!   it, and the list queries' texts are prepared once per connection, up to a bound: a user
//!   lookup by `userName` is one statement and one round trip, a read by id one round trip, a
//!   write's statements after the row lock one.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::future::{try_join, try_join3, try_join_all};
use scimkit_sql::{Dialect, SqlValue};
use serde_json::Value;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::NoTls;

use super::sql::{Layout, ListSql};
use super::{
    fold, GroupRef, ListPage, ListQuery, Member, MemberChange, MemberType, Store, StoreError,
    Stored, Updated, Version, Write,
};

/// The tables and indexes, idempotent. `scimkit_sql::postgres::SETUP_SQL` runs before them.
/// The layout [`TABLES`] creates, recorded in `scim_layout`.
const LAYOUT: i32 = 1;

const TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS scim_layout (version integer NOT NULL);
CREATE TABLE IF NOT EXISTS scim_resources (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant        text NOT NULL,
    type          text NOT NULL,
    id            text NOT NULL,
    version       bigint NOT NULL,
    user_name     text,
    external_id   text,
    display_name  text,
    doc           jsonb NOT NULL,
    UNIQUE (tenant, id)
);
CREATE INDEX IF NOT EXISTS scim_resources_type ON scim_resources (tenant, type, seq);
CREATE INDEX IF NOT EXISTS scim_resources_user_name ON scim_resources (tenant, type, user_name);
CREATE INDEX IF NOT EXISTS scim_resources_external_id ON scim_resources (tenant, type, external_id);
CREATE INDEX IF NOT EXISTS scim_resources_display_name ON scim_resources (tenant, type, display_name);
CREATE TABLE IF NOT EXISTS scim_unique_keys (
    tenant     text NOT NULL,
    type       text NOT NULL,
    attribute  text NOT NULL,
    value      text NOT NULL,
    seq        bigint NOT NULL REFERENCES scim_resources (seq) ON DELETE CASCADE,
    PRIMARY KEY (tenant, type, attribute, value)
);
CREATE INDEX IF NOT EXISTS scim_unique_keys_seq ON scim_unique_keys (seq);
CREATE TABLE IF NOT EXISTS scim_emails (
    seq        bigint NOT NULL REFERENCES scim_resources (seq) ON DELETE CASCADE,
    position   integer NOT NULL,
    value      text,
    type       text,
    is_primary boolean,
    display    text,
    PRIMARY KEY (seq, position)
);
CREATE INDEX IF NOT EXISTS scim_emails_value ON scim_emails (value);
CREATE TABLE IF NOT EXISTS scim_members (
    group_seq   bigint NOT NULL REFERENCES scim_resources (seq) ON DELETE CASCADE,
    pos         bigint GENERATED ALWAYS AS IDENTITY,
    tenant      text NOT NULL,
    member_id   text NOT NULL,
    member_fold text NOT NULL,
    member_type text NOT NULL,
    display     text,
    PRIMARY KEY (group_seq, member_id)
);
CREATE INDEX IF NOT EXISTS scim_members_order ON scim_members (group_seq, pos);
CREATE INDEX IF NOT EXISTS scim_members_member ON scim_members (tenant, member_id);
CREATE INDEX IF NOT EXISTS scim_members_fold ON scim_members (member_fold);
INSERT INTO scim_layout (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM scim_layout);
"#;

/// The advisory lock migrations hold: any number of instances may start at once.
const MIGRATION_LOCK: i64 = 0x5c1a_0018;

/// How many times a transaction the database aborted (deadlock, serialization failure) is run
/// again before the store answers [`StoreError::Busy`].
const ATTEMPTS: usize = 4;

/// A [`Store`] in a PostgreSQL database, shared by any number of server instances. See the
/// [module documentation](self).
///
/// ```
/// use scimkit_server::store::{postgres::PostgresStore, Store, Write};
/// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
/// # // Runs where a server is configured (CI runs the doctests under `.ci/postgres.sh`).
/// # let Ok(url) = std::env::var("SCIMKIT_POSTGRES_URL") else { return Ok(()) };
/// # let tenant = format!("doc-{}", scimkit_server::hooks::new_token());
/// let store = PostgresStore::connect(&url).await?; // e.g. "postgresql://scim@db.internal/scim"
/// let doc = serde_json::json!({"id": "1", "userName": "bjensen"});
/// store.create(&tenant, "User", "1", Write::document(doc, vec![], "2026-01-01T00:00:00Z")).await?;
/// assert_eq!(store.get(&tenant, "User", "1", false).await?.unwrap().version, 1);
/// # store.delete(&tenant, "User", "1", None).await?;
/// # Ok::<(), scimkit_server::store::StoreError>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.status())
            .finish_non_exhaustive()
    }
}

/// Settings for [`PostgresStore::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder {
    url: String,
    schema: Option<String>,
    pool_size: usize,
    list_timeout: Duration,
}

impl Builder {
    /// Keeps the tables in the schema `name` (created if missing) instead of the connection's
    /// default (`public`): several independent stores in one database, e.g. one per test. The
    /// name is letters, digits and `_`.
    pub fn schema(mut self, name: impl Into<String>) -> Builder {
        self.schema = Some(name.into());
        self
    }

    /// The most connections this store opens (default 16). Every instance opens its own, so
    /// instances × pool size must stay under the server's `max_connections`.
    pub fn pool_size(mut self, size: usize) -> Builder {
        self.pool_size = size.max(1);
        self
    }

    /// How long one statement may run before the store answers [`StoreError::Busy`] (default
    /// 10 seconds): a filter that cannot use an index scans the tenant's rows, and a write waits
    /// this long at most for a row another transaction holds. Migrations and
    /// [`PostgresStore::import`] are not limited.
    pub fn list_timeout(mut self, timeout: Duration) -> Builder {
        self.list_timeout = timeout;
        self
    }

    /// Connects and brings the tables up to date.
    ///
    /// # Errors
    /// [`StoreError::Backend`] for a URL that does not parse, a bad schema name, or a database
    /// that cannot be reached or migrated.
    pub async fn connect(self) -> Result<PostgresStore, StoreError> {
        let mut config = tokio_postgres::Config::from_str(&self.url)
            .map_err(|e| StoreError::Backend(format!("invalid PostgreSQL URL: {e}")))?;
        if let Some(schema) = &self.schema {
            let valid = !schema.is_empty()
                && schema.len() <= 63
                && schema
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !schema.as_bytes()[0].is_ascii_digit();
            if !valid {
                return Err(StoreError::Backend(format!(
                    "invalid schema name {schema:?}: letters, digits and _ only"
                )));
            }
        }
        // Every statement runs under the time limit, set once per connection rather than per
        // list (a `SET` is a statement of its own on every lookup); migrations and imports lift
        // it inside their transactions.
        let mut options = config.get_options().unwrap_or_default().to_owned();
        if let Some(schema) = &self.schema {
            options.push_str(&format!(" -c search_path={schema}"));
        }
        let timeout = self.list_timeout.as_millis().clamp(1, i32::MAX as u128);
        options.push_str(&format!(" -c statement_timeout={timeout}"));
        config.options(options.trim_start());
        if config.get_application_name().is_none() {
            config.application_name("scimkit");
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(self.pool_size)
            .wait_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(StoreError::backend)?;
        let store = PostgresStore { pool };
        store.migrate(self.schema.as_deref()).await?;
        Ok(store)
    }
}

/// A failure inside a transaction: the store's own answer, or a database error that may be
/// worth running the transaction again for.
enum Fail {
    Store(StoreError),
    Db(tokio_postgres::Error),
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Fail {
        Fail::Db(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail::Store(e)
    }
}

/// Whether the database aborted the transaction only because of a concurrent one.
fn retryable(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(&SqlState::T_R_DEADLOCK_DETECTED) | Some(&SqlState::T_R_SERIALIZATION_FAILURE)
    )
}

/// What a database error means to the service. Unique violations are answered as conflicts
/// (409), never as failures, whichever constraint raised them.
fn db_error(e: tokio_postgres::Error) -> StoreError {
    let Some(db) = e.as_db_error() else {
        return StoreError::backend(e);
    };
    match db.code() {
        c if *c == SqlState::UNIQUE_VIOLATION => {
            if db.constraint() == Some("scim_resources_tenant_id_key") {
                StoreError::IdTaken
            } else {
                StoreError::Uniqueness {
                    attribute: db
                        .constraint()
                        .filter(|c| !c.starts_with("scim_"))
                        .unwrap_or("a unique attribute")
                        .to_owned(),
                    existing: None,
                }
            }
        }
        c if *c == SqlState::QUERY_CANCELED => {
            StoreError::Busy("the database took too long; narrow the filter or retry".into())
        }
        c if *c == SqlState::TOO_MANY_CONNECTIONS
            || *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::T_R_SERIALIZATION_FAILURE =>
        {
            StoreError::Busy(db.message().to_owned())
        }
        _ => StoreError::backend(e),
    }
}

fn fail(f: Fail) -> StoreError {
    match f {
        Fail::Store(e) => e,
        Fail::Db(e) => db_error(e),
    }
}

/// Runs `$body` (an async block using `$tx`) in one transaction, and again when the database
/// aborted it for a concurrent transaction.
macro_rules! transact {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut client = $store.client().await?;
            let outcome: Result<_, Fail> = async {
                let $tx = client.transaction().await?;
                let out = $body;
                let out = out?;
                $tx.commit().await?;
                Ok(out)
            }
            .await;
            match outcome {
                Ok(out) => break Ok(out),
                Err(Fail::Db(e)) if retryable(&e) && attempt < ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(5 * attempt as u64)).await;
                    continue;
                }
                Err(f) => break Err(fail(f)),
            }
        }
    }};
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgresql://user:password@host:port/db`, or the
    /// `key=value` form) with the default settings, and migrates it.
    ///
    /// # Errors
    /// As [`Builder::connect`].
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::builder(url).connect().await
    }

    /// Settings before connecting: schema, pool size, list timeout.
    ///
    /// ```no_run
    /// # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
    /// let store = scimkit_server::store::postgres::PostgresStore::builder("postgresql://scim@db/scim")
    ///     .schema("scim")
    ///     .pool_size(32)
    ///     .connect()
    ///     .await?;
    /// # Ok::<(), scimkit_server::store::StoreError>(()) }).unwrap();
    /// ```
    pub fn builder(url: &str) -> Builder {
        Builder {
            url: url.to_owned(),
            schema: None,
            pool_size: 16,
            list_timeout: Duration::from_secs(10),
        }
    }

    /// The connection pool, for an application that keeps its own tables in the same database
    /// (tenants, tokens, settings).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => db_error(e),
            deadpool_postgres::PoolError::Timeout(_) => {
                StoreError::Busy("no database connection free".into())
            }
            e => StoreError::backend(e),
        })
    }

    async fn migrate(&self, schema: Option<&str>) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        // Building indexes over a large table may take longer than the statement limit.
        tx.batch_execute("SET LOCAL statement_timeout = 0")
            .await
            .map_err(db_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db_error)?;
        // Already at this layout: no DDL. `CREATE … IF NOT EXISTS` still locks its table, and
        // beside another instance's live writes those locks can deadlock an instance's start.
        let layout: Option<String> = tx
            .query_one("SELECT to_regclass('scim_layout')::text", &[])
            .await
            .map_err(db_error)?
            .get(0);
        if layout.is_some() {
            let version: Option<i32> = tx
                .query_one("SELECT max(version) FROM scim_layout", &[])
                .await
                .map_err(db_error)?
                .get(0);
            if version == Some(LAYOUT) {
                return tx.commit().await.map_err(db_error);
            }
        }
        if let Some(schema) = schema {
            // Validated by the builder: letters, digits and `_`.
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await
                .map_err(db_error)?;
        }
        tx.batch_execute(scimkit_sql::postgres::SETUP_SQL)
            .await
            .map_err(db_error)?;
        tx.batch_execute(TABLES).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }
}

impl PostgresStore {
    /// Inserts many new resources of one type in one transaction: for seeding and migrations,
    /// where one transaction per resource would measure the round trips, not the data. Each
    /// write is checked exactly as [`Store::create`] checks it; the first failure rolls
    /// everything back. The tables are analysed afterwards, so the planner knows the new rows.
    pub async fn import(
        &self,
        tenant: &str,
        resource_type: &str,
        resources: Vec<(String, Write)>,
    ) -> Result<(), StoreError> {
        transact!(self, |tx| {
            tx.batch_execute("SET LOCAL statement_timeout = 0").await?;
            for (id, write) in &resources {
                insert(&tx, tenant, resource_type, id, write).await?;
            }
            Ok::<(), Fail>(())
        })?;
        // Planner statistics now rather than when autovacuum gets to the tables: without them
        // PostgreSQL may answer `userName eq` by walking the primary key in `seq` order (the
        // page's ORDER BY) instead of the userName index, about 4 ms a lookup at 10k users.
        let client = self.client().await?;
        client
            .batch_execute(
                "SET statement_timeout = 0;
                 ANALYZE scim_resources, scim_unique_keys, scim_members, scim_emails;
                 RESET statement_timeout",
            )
            .await
            .map_err(|e| fail(Fail::from(e)))
    }
}

/// The mapped columns of a document: folded `userName`, `externalId`, folded `displayName`.
fn columns(doc: &Value) -> (Option<String>, Option<String>, Option<String>) {
    let text = |k: &str| doc.get(k).and_then(Value::as_str);
    (
        text("userName").map(fold),
        text("externalId").map(str::to_owned),
        text("displayName").map(fold),
    )
}

/// A row of `scim_resources`: seq, id, version, doc.
type Row = (i64, String, Version, Value);

fn read_row(r: &tokio_postgres::Row) -> Result<Row, tokio_postgres::Error> {
    Ok((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get::<_, i64>(2)?.max(0) as Version,
        r.try_get(3)?,
    ))
}

/// Inserts the unique keys of a write for the resource `seq`, after removing its old ones.
///
/// The statements go as one pipeline: one round trip, not one per key.
async fn write_unique(
    tx: &impl GenericClient,
    seq: i64,
    tenant: &str,
    rt: &str,
    write: &Write,
) -> Result<(), Fail> {
    let delete = tx
        .prepare_cached("DELETE FROM scim_unique_keys WHERE seq = $1")
        .await?;
    let insert = tx
        .prepare_cached(
            "INSERT INTO scim_unique_keys (tenant, type, attribute, value, seq) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    let params: Vec<[&(dyn ToSql + Sync); 5]> = write
        .unique
        .iter()
        .map(|k| {
            [
                &tenant as _,
                &rt as _,
                &k.attribute as _,
                &k.value as _,
                &seq as _,
            ]
        })
        .collect();
    // A racing transaction that holds the same value makes an insert wait for its outcome.
    let (_, inserted) = try_join(
        tx.execute(&delete, &[&seq]),
        try_join_all(params.iter().map(|p| tx.execute(&insert, p))),
    )
    .await?;
    let Some(k) = write
        .unique
        .iter()
        .zip(inserted)
        .find_map(|(k, n)| (n == 0).then_some(k))
    else {
        return Ok(());
    };
    let holder = tx
        .prepare_cached(
            "SELECT r.id FROM scim_unique_keys k JOIN scim_resources r ON r.seq = k.seq
             WHERE k.tenant = $1 AND k.type = $2 AND k.attribute = $3 AND k.value = $4",
        )
        .await?;
    let existing = tx
        .query_opt(&holder, &[&tenant, &rt, &k.attribute, &k.value])
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    Err(Fail::Store(StoreError::Uniqueness {
        attribute: k.attribute.clone(),
        existing,
    }))
}

/// Mirrors the document's `emails` into `scim_emails`: one row per value, in order, the text
/// sub-attributes folded (none is `caseExact`), `primary` as given (`NULL` when absent). One
/// pipeline, as [`write_unique`].
async fn write_emails(tx: &impl GenericClient, seq: i64, doc: &Value) -> Result<(), Fail> {
    let delete = tx
        .prepare_cached("DELETE FROM scim_emails WHERE seq = $1")
        .await?;
    let insert = tx
        .prepare_cached(
            "INSERT INTO scim_emails (seq, position, value, type, is_primary, display)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    type EmailRow = (
        i32,
        Option<String>,
        Option<String>,
        Option<bool>,
        Option<String>,
    );
    let rows: Vec<EmailRow> = doc
        .get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(position, email)| {
            let email = email.as_object().filter(|o| !o.is_empty())?;
            let text = |k: &str| email.get(k).and_then(Value::as_str).map(fold);
            Some((
                i32::try_from(position).unwrap_or(i32::MAX),
                text("value"),
                text("type"),
                email.get("primary").and_then(Value::as_bool),
                text("display"),
            ))
        })
        .collect();
    let params: Vec<[&(dyn ToSql + Sync); 6]> = rows
        .iter()
        .map(|(position, value, type_, primary, display)| {
            [
                &seq as _,
                position as _,
                value as _,
                type_ as _,
                primary as _,
                display as _,
            ]
        })
        .collect();
    try_join(
        tx.execute(&delete, &[&seq]),
        try_join_all(params.iter().map(|p| tx.execute(&insert, p))),
    )
    .await?;
    Ok(())
}

/// Applies one member change to the group `seq` as a delta: one statement for the whole list
/// of additions or removals, one row per member added or removed.
async fn apply_members(
    tx: &impl GenericClient,
    tenant: &str,
    seq: i64,
    change: &MemberChange,
    updated: &mut Updated,
) -> Result<(), Fail> {
    async fn add(
        tx: &impl GenericClient,
        tenant: &str,
        seq: i64,
        members: &[Member],
        updated: &mut Updated,
    ) -> Result<(), Fail> {
        if members.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = members.iter().map(|m| m.value.as_str()).collect();
        let folds: Vec<String> = members.iter().map(|m| fold(&m.value)).collect();
        let kinds: Vec<&str> = members.iter().map(|m| m.kind.as_str()).collect();
        let displays: Vec<Option<&str>> = members.iter().map(|m| m.display.as_deref()).collect();
        // In the order given, so `pos` keeps the order members were added in.
        let insert = tx
            .prepare_cached(
                "INSERT INTO scim_members (group_seq, tenant, member_id, member_fold, member_type, display)
                 SELECT $1, $2, m.id, m.fold, m.kind, m.display
                 FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
                      AS m (id, fold, kind, display, n)
                 ORDER BY m.n
                 ON CONFLICT (group_seq, member_id) DO NOTHING
                 RETURNING member_id",
            )
            .await?;
        let rows = tx
            .query(&insert, &[&seq, &tenant, &ids, &folds, &kinds, &displays])
            .await?;
        for r in rows {
            updated.added.push(r.try_get(0)?);
        }
        Ok(())
    }
    async fn remove(
        tx: &impl GenericClient,
        seq: i64,
        ids: &[&str],
        updated: &mut Updated,
    ) -> Result<(), Fail> {
        if ids.is_empty() {
            return Ok(());
        }
        let delete = tx
            .prepare_cached(
                "DELETE FROM scim_members WHERE group_seq = $1 AND member_id = ANY($2::text[])
                 RETURNING member_id",
            )
            .await?;
        for r in tx.query(&delete, &[&seq, &ids]).await? {
            updated.removed.push(r.try_get(0)?);
        }
        Ok(())
    }
    match change {
        MemberChange::Add(members) => add(tx, tenant, seq, members, updated).await,
        MemberChange::Remove(ids) => {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            remove(tx, seq, &ids, updated).await
        }
        MemberChange::Set(members) => {
            let keep: std::collections::HashSet<&str> =
                members.iter().map(|m| m.value.as_str()).collect();
            let current = tx
                .prepare_cached("SELECT member_id FROM scim_members WHERE group_seq = $1")
                .await?;
            let current: Vec<String> = tx
                .query(&current, &[&seq])
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
            let gone: Vec<&str> = current
                .iter()
                .map(String::as_str)
                .filter(|id| !keep.contains(id))
                .collect();
            remove(tx, seq, &gone, updated).await?;
            add(tx, tenant, seq, members, updated).await
        }
    }
}

/// The members of the groups `seqs`, each group's in the order they were added.
async fn members_of(
    c: &impl GenericClient,
    seqs: &[i64],
) -> Result<HashMap<i64, Vec<Member>>, Fail> {
    let s = c
        .prepare_cached(
            "SELECT group_seq, member_id, member_type, display FROM scim_members
             WHERE group_seq = ANY($1::bigint[]) ORDER BY group_seq, pos",
        )
        .await?;
    let mut out: HashMap<i64, Vec<Member>> = HashMap::new();
    for r in c.query(&s, &[&seqs]).await? {
        let kind: &str = r.try_get(2)?;
        out.entry(r.try_get(0)?).or_default().push(Member {
            value: r.try_get(1)?,
            kind: if kind == "Group" {
                MemberType::Group
            } else {
                MemberType::User
            },
            display: r.try_get(3)?,
        });
    }
    Ok(out)
}

/// The groups each of `ids` is a direct member of, in the groups' creation order.
async fn groups_of(
    c: &impl GenericClient,
    tenant: &str,
    ids: &[&str],
) -> Result<HashMap<String, Vec<GroupRef>>, Fail> {
    let s = c
        .prepare_cached(
            "SELECT m.member_id, g.id, g.doc ->> 'displayName' FROM scim_members m
             JOIN scim_resources g ON g.seq = m.group_seq
             WHERE m.tenant = $1 AND m.member_id = ANY($2::text[]) ORDER BY g.seq",
        )
        .await?;
    let mut out: HashMap<String, Vec<GroupRef>> = HashMap::new();
    for r in c.query(&s, &[&tenant, &ids]).await? {
        out.entry(r.try_get(0)?).or_default().push(GroupRef {
            id: r.try_get(1)?,
            display: r.try_get(2)?,
        });
    }
    Ok(out)
}

/// Rows as stored resources, with their relations when asked for (two queries for the whole
/// page, not two per row, sent as one pipeline).
async fn finish(
    c: &impl GenericClient,
    tenant: &str,
    rt: &str,
    rows: Vec<Row>,
    relations: bool,
) -> Result<Vec<Stored>, Fail> {
    if !relations {
        return Ok(attach(rows, None, None));
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let (members, groups) =
        try_join(group_members(c, rt, &rows), groups_of(c, tenant, &ids)).await?;
    Ok(attach(rows, members, Some(groups)))
}

/// The members of `rows` when they are groups.
async fn group_members(
    c: &impl GenericClient,
    rt: &str,
    rows: &[Row],
) -> Result<Option<HashMap<i64, Vec<Member>>>, Fail> {
    if MemberType::of_resource_type(rt) != Some(MemberType::Group) {
        return Ok(None);
    }
    let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
    members_of(c, &seqs).await.map(Some)
}

/// Rows as stored resources, with the relations read for them.
fn attach(
    rows: Vec<Row>,
    mut members: Option<HashMap<i64, Vec<Member>>>,
    mut groups: Option<HashMap<String, Vec<GroupRef>>>,
) -> Vec<Stored> {
    rows.into_iter()
        .map(|(seq, id, version, doc)| {
            let mut s = Stored::new(id, version, doc);
            if let Some(members) = members.as_mut() {
                s.members = Some(members.remove(&seq).unwrap_or_default());
            }
            if let Some(groups) = groups.as_mut() {
                s.groups = Some(groups.remove(&s.id).unwrap_or_default());
            }
            s
        })
        .collect()
}

/// One insert of [`Store::create`], inside the caller's transaction.
async fn insert(
    tx: &impl GenericClient,
    tenant: &str,
    rt: &str,
    id: &str,
    write: &Write,
) -> Result<(), Fail> {
    let doc = write
        .doc
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()));
    let (user_name, external_id, display_name) = columns(&doc);
    let s = tx
        .prepare_cached(
            "INSERT INTO scim_resources (tenant, type, id, version, user_name, external_id, display_name, doc)
             VALUES ($1, $2, $3, 1, $4, $5, $6, $7) ON CONFLICT (tenant, id) DO NOTHING RETURNING seq",
        )
        .await?;
    let Some(row) = tx
        .query_opt(
            &s,
            &[
                &tenant,
                &rt,
                &id,
                &user_name,
                &external_id,
                &display_name,
                &doc,
            ],
        )
        .await?
    else {
        return Err(Fail::Store(StoreError::IdTaken));
    };
    let seq: i64 = row.try_get(0)?;
    try_join(
        write_unique(tx, seq, tenant, rt, write),
        write_emails(tx, seq, &doc),
    )
    .await?;
    let mut updated = Updated::default();
    for change in &write.members {
        apply_members(tx, tenant, seq, change, &mut updated).await?;
    }
    Ok(())
}

/// Locks a resource's row for the rest of the transaction: its seq, version and document.
async fn lock(
    tx: &impl GenericClient,
    tenant: &str,
    rt: &str,
    id: &str,
) -> Result<(i64, Version, Value), Fail> {
    let s = tx
        .prepare_cached(
            "SELECT seq, version, doc FROM scim_resources WHERE tenant = $1 AND id = $2 AND type = $3
             FOR UPDATE",
        )
        .await?;
    let row = tx
        .query_opt(&s, &[&tenant, &id, &rt])
        .await?
        .ok_or(Fail::Store(StoreError::NotFound))?;
    Ok((
        row.try_get(0)?,
        row.try_get::<_, i64>(1)?.max(0) as Version,
        row.try_get(2)?,
    ))
}

async fn update_in(
    tx: &impl GenericClient,
    tenant: &str,
    rt: &str,
    id: &str,
    expected: Option<Version>,
    write: &Write,
) -> Result<Updated, Fail> {
    let (seq, version, old) = lock(tx, tenant, rt, id).await?;
    if expected.is_some_and(|v| v != version) {
        return Err(Fail::Store(StoreError::VersionMismatch));
    }
    let mut updated = Updated {
        version,
        ..Updated::default()
    };
    for change in &write.members {
        apply_members(tx, tenant, seq, change, &mut updated).await?;
    }
    let doc_changed = write.doc.as_ref().is_some_and(|d| *d != old);
    updated.changed = doc_changed || !updated.added.is_empty() || !updated.removed.is_empty();
    if !updated.changed {
        return Ok(updated);
    }
    let emails_changed = write
        .doc
        .as_ref()
        .is_some_and(|d| d.get("emails") != old.get("emails"));
    let mut new = write.doc.clone().unwrap_or(old);
    write.stamp(&mut new);
    let (user_name, external_id, display_name) = columns(&new);
    let s = tx
        .prepare_cached(
            "UPDATE scim_resources SET version = version + 1, user_name = $2, external_id = $3,
             display_name = $4, doc = $5 WHERE seq = $1",
        )
        .await?;
    // One pipeline: the keys, the emails (when they changed) and the row.
    try_join3(
        async {
            match doc_changed {
                true => write_unique(tx, seq, tenant, rt, write).await,
                false => Ok(()),
            }
        },
        async {
            match emails_changed {
                true => write_emails(tx, seq, &new).await,
                false => Ok(()),
            }
        },
        async {
            tx.execute(&s, &[&seq, &user_name, &external_id, &display_name, &new])
                .await
                .map_err(Fail::from)
        },
    )
    .await?;
    updated.version = version + 1;
    Ok(updated)
}

async fn delete_in(
    tx: &impl GenericClient,
    tenant: &str,
    rt: &str,
    id: &str,
    expected: Option<Version>,
) -> Result<(), Fail> {
    let (seq, version, _) = lock(tx, tenant, rt, id).await?;
    if expected.is_some_and(|v| v != version) {
        return Err(Fail::Store(StoreError::VersionMismatch));
    }
    let s = tx
        .prepare_cached("DELETE FROM scim_resources WHERE seq = $1")
        .await?;
    tx.execute(&s, &[&seq]).await?;
    // The resource leaves every group it was in; those groups change version.
    let s = tx
        .prepare_cached(
            "UPDATE scim_resources SET version = version + 1 WHERE seq IN
             (SELECT group_seq FROM scim_members WHERE tenant = $1 AND member_id = $2)",
        )
        .await?;
    tx.execute(&s, &[&tenant, &id]).await?;
    let s = tx
        .prepare_cached("DELETE FROM scim_members WHERE tenant = $1 AND member_id = $2")
        .await?;
    tx.execute(&s, &[&tenant, &id]).await?;
    Ok(())
}

/// The names the translated SQL uses for this store's tables.
const LAYOUT_SQL: Layout = Layout {
    resources: "scim_resources",
    emails: "scim_emails",
    members: "scim_members",
    member_order: "pos",
    group_display: "g.doc ->> 'displayName'",
    dialect: Dialect::Postgres,
};

/// How many statements one connection keeps prepared: the fixed ones and the list queries'
/// texts, which vary with the filter's shape (not its values).
const STATEMENTS_KEPT: usize = 256;

/// The prepared statement for a list query's text. IdPs send few filter shapes, so their
/// lookups are parsed and planned once per connection; past [`STATEMENTS_KEPT`] a text is
/// prepared unnamed each time instead, so that arbitrary filters cannot grow the cache.
async fn list_statement(
    c: &deadpool_postgres::ClientWrapper,
    sql: &str,
) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
    if c.statement_cache.size() < STATEMENTS_KEPT {
        c.prepare_cached(sql).await
    } else {
        c.prepare(sql).await
    }
}

/// A user's groups as the page query aggregates them: `[[id, displayName], …]`.
fn group_refs(joined: Option<Value>) -> Vec<GroupRef> {
    let Some(Value::Array(groups)) = joined else {
        return Vec::new();
    };
    groups
        .into_iter()
        .filter_map(|g| {
            let Value::Array(pair) = g else { return None };
            let mut pair = pair.into_iter();
            let id = match pair.next()? {
                Value::String(id) => id,
                _ => return None,
            };
            let display = match pair.next() {
                Some(Value::String(d)) => Some(d),
                _ => None,
            };
            Some(GroupRef { id, display })
        })
        .collect()
}

/// Parameters as tokio-postgres takes them.
fn bind(values: &[SqlValue]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Store for PostgresStore {
    async fn create(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        write: Write,
    ) -> Result<Version, StoreError> {
        transact!(self, |tx| insert(&tx, tenant, resource_type, id, &write)
            .await
            .map(|()| 1))
    }

    async fn get(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        relations: bool,
    ) -> Result<Option<Stored>, StoreError> {
        let client = self.client().await?;
        let c: &deadpool_postgres::Client = &client;
        let read = async {
            let s = c
                .prepare_cached(
                    "SELECT seq, id, version, doc FROM scim_resources
                     WHERE tenant = $1 AND id = $2 AND type = $3",
                )
                .await?;
            // The row and the groups it is in, as one pipeline (one round trip). Each
            // statement sees its own snapshot; no write changes a resource's groups, so the
            // two cannot disagree in a way a later read would not show.
            let (row, groups) = try_join(
                async {
                    c.query_opt(&s, &[&tenant, &id, &resource_type])
                        .await
                        .map_err(Fail::from)
                },
                async {
                    match relations {
                        true => groups_of(c, tenant, &[id]).await.map(Some),
                        false => Ok(None),
                    }
                },
            )
            .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let rows = vec![read_row(&row)?];
            let members = match relations {
                true => group_members(c, resource_type, &rows).await?,
                false => None,
            };
            Ok::<_, Fail>(attach(rows, members, groups).pop())
        };
        read.await.map_err(fail)
    }

    async fn update(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
        write: Write,
    ) -> Result<Updated, StoreError> {
        transact!(self, |tx| update_in(
            &tx,
            tenant,
            resource_type,
            id,
            expected,
            &write
        )
        .await)
    }

    async fn delete(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
    ) -> Result<(), StoreError> {
        transact!(self, |tx| delete_in(
            &tx,
            tenant,
            resource_type,
            id,
            expected
        )
        .await)
    }

    async fn list(
        &self,
        tenant: &str,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> Result<ListPage, StoreError> {
        let sql = ListSql::new(&LAYOUT_SQL, tenant, resource_type, &query)?;
        let client = self.client().await?;
        let c: &deadpool_postgres::Client = &client;
        let groups = query.relations
            && MemberType::of_resource_type(resource_type) != Some(MemberType::Group);
        let read = async {
            // A user's groups come with the page, so a lookup is one statement.
            let page_sql = match groups {
                true => format!(
                    "SELECT p.*, (SELECT coalesce(json_agg(json_build_array(g.id, g.doc ->> 'displayName')
                     ORDER BY g.seq), '[]') FROM scim_members m JOIN scim_resources g ON g.seq = m.group_seq
                     WHERE m.tenant = $1 AND m.member_id = p.id) FROM ({}) p",
                    sql.page_sql
                ),
                false => sql.page_sql.clone(),
            };
            let page = list_statement(c, &page_sql).await?;
            let page = c.query(&page, &bind(&sql.page_params)).await?;
            let mut rows: Vec<((Row, Option<Value>), SqlValue)> = Vec::with_capacity(page.len());
            for r in page {
                let joined = if groups { Some(r.try_get(5)?) } else { None };
                rows.push(((read_row(&r)?, joined), r.try_get(4)?));
            }
            let total = match sql.total_from_page(rows.len()) {
                Some(total) => total,
                None => {
                    let count = list_statement(c, &sql.count_sql).await?;
                    let total: i64 = c
                        .query_one(&count, &bind(&sql.count_params))
                        .await?
                        .try_get(0)?;
                    total.max(0) as u64
                }
            };
            let next = sql.next(&mut rows, |row| row.0 .0)?;
            let resources = match groups {
                true => {
                    let (rows, joined): (Vec<Row>, Vec<Option<Value>>) =
                        rows.into_iter().map(|(row, _)| row).unzip();
                    let mut resources = attach(rows, None, None);
                    for (resource, joined) in resources.iter_mut().zip(joined) {
                        resource.groups = Some(group_refs(joined));
                    }
                    resources
                }
                false => {
                    let rows = rows.into_iter().map(|((row, _), _)| row).collect();
                    finish(c, tenant, resource_type, rows, query.relations).await?
                }
            };
            Ok::<_, Fail>(ListPage::new(total, resources, next))
        };
        read.await.map_err(fail)
    }

    async fn resource_types_of(
        &self,
        tenant: &str,
        ids: &[String],
    ) -> Result<Vec<Option<String>>, StoreError> {
        let client = self.client().await?;
        let read = async {
            let s = client
                .prepare_cached(
                    "SELECT id, type FROM scim_resources WHERE tenant = $1 AND id = ANY($2::text[])",
                )
                .await?;
            let mut types: HashMap<String, String> = HashMap::new();
            for r in client.query(&s, &[&tenant, &ids]).await? {
                types.insert(r.try_get(0)?, r.try_get(1)?);
            }
            Ok::<_, Fail>(ids.iter().map(|id| types.get(id).cloned()).collect())
        };
        read.await.map_err(fail)
    }

    async fn nested_groups(&self, tenant: &str, group_id: &str) -> Result<Vec<String>, StoreError> {
        let client = self.client().await?;
        let read = async {
            let s = client
                .prepare_cached(
                    "SELECT m.member_id FROM scim_members m JOIN scim_resources g ON g.seq = m.group_seq
                     WHERE g.tenant = $1 AND g.id = $2 AND m.member_type = 'Group' ORDER BY m.pos",
                )
                .await?;
            client
                .query(&s, &[&tenant, &group_id])
                .await?
                .iter()
                .map(|r| r.try_get(0).map_err(Fail::from))
                .collect::<Result<Vec<String>, Fail>>()
        };
        read.await.map_err(fail)
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;

    /// A statement over the time limit is [`StoreError::Busy`], on every connection of the
    /// pool; an import is not limited.
    #[tokio::test(flavor = "multi_thread")]
    async fn statements_run_under_the_time_limit() {
        let Some(url) = crate::testing::postgres_url() else {
            return;
        };
        let store = PostgresStore::builder(&url)
            .list_timeout(Duration::from_millis(50))
            .connect()
            .await
            .unwrap();
        for _ in 0..3 {
            let client = store.client().await.unwrap();
            let err = client.query("SELECT pg_sleep(2)", &[]).await.unwrap_err();
            assert!(
                matches!(db_error(err), StoreError::Busy(_)),
                "a statement over the limit is Busy"
            );
        }
        let client = store.client().await.unwrap();
        let setting = "SELECT current_setting('statement_timeout')";
        let row = client.query_one(setting, &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), "50ms");
        store.import("limits", "User", Vec::new()).await.unwrap();
        let row = client.query_one(setting, &[]).await.unwrap();
        assert_eq!(
            row.get::<_, String>(0),
            "50ms",
            "the import's lift is undone"
        );
    }
}
