//! [`AppData`] in PostgreSQL: the `app_*` tables of a database that several server instances
//! share, beside the SCIM store's `scim_*` tables.
//!
//! The blocking `postgres` client runs on a thread of its own (it starts a runtime of its own,
//! which tokio forbids on its workers); each call hands it a job and waits for the answer, as
//! the SQLite variant waits for its connection's lock.

use std::sync::mpsc;

use chrono::{DateTime, Utc};
use postgres::{Client, NoTls, Row};

use super::{
    Account, AccountFields, AppData, AppResult, AuditEntry, AuditQuery, Group, Source, StoreError,
    Team, TeamMember, TokenInfo,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS app_tenants (name text PRIMARY KEY, created bigint NOT NULL);
CREATE TABLE IF NOT EXISTS app_tokens (
    tenant text NOT NULL, id text NOT NULL, hash text NOT NULL,
    created bigint NOT NULL, expires bigint, PRIMARY KEY (tenant, id));
CREATE TABLE IF NOT EXISTS app_accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text NOT NULL, scim_id text,
    external_id text, user_name text NOT NULL, display_name text, active boolean NOT NULL,
    updated bigint NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS app_accounts_scim ON app_accounts (tenant, scim_id);
CREATE INDEX IF NOT EXISTS app_accounts_external ON app_accounts (tenant, external_id);
CREATE INDEX IF NOT EXISTS app_accounts_user_name ON app_accounts (tenant, lower(user_name));
CREATE TABLE IF NOT EXISTS app_teams (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text NOT NULL, name text NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS app_teams_name ON app_teams (tenant, lower(name));
CREATE TABLE IF NOT EXISTS app_groups (
    tenant text NOT NULL, scim_id text NOT NULL, display_name text NOT NULL,
    team bigint REFERENCES app_teams (id), PRIMARY KEY (tenant, scim_id));
CREATE TABLE IF NOT EXISTS app_team_members (
    team bigint NOT NULL REFERENCES app_teams (id), account bigint NOT NULL REFERENCES app_accounts (id),
    source text NOT NULL, PRIMARY KEY (team, account));
CREATE INDEX IF NOT EXISTS app_team_members_account ON app_team_members (account);
CREATE TABLE IF NOT EXISTS app_audit (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at bigint NOT NULL, tenant text NOT NULL,
    token_id text NOT NULL, method text NOT NULL, resource_type text NOT NULL, resource_id text,
    outcome text NOT NULL, status integer, changes text NOT NULL);
CREATE INDEX IF NOT EXISTS app_audit_tenant ON app_audit (tenant, seq);
CREATE INDEX IF NOT EXISTS app_audit_at ON app_audit (at);
CREATE TABLE IF NOT EXISTS app_settings (name text PRIMARY KEY, value bytea NOT NULL);
";

/// The advisory lock the tables are created under: instances may start at once.
const MIGRATION_LOCK: i64 = 0x5c1a_0e18;

/// The layout [`SCHEMA`] makes, recorded in `app_settings` as `layout`.
const LAYOUT: &[u8] = b"1";

type Job = Box<dyn FnOnce(&mut Client) + Send>;

/// The application's data in a PostgreSQL database shared by every instance.
#[derive(Debug)]
pub struct PostgresAppData {
    jobs: std::sync::Mutex<mpsc::Sender<Job>>,
}

fn pg(e: postgres::Error) -> StoreError {
    StoreError::backend(e)
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

const ACCOUNT: &str =
    "SELECT id, scim_id, external_id, user_name, display_name, active, updated FROM app_accounts";

fn account(r: &Row) -> Account {
    Account {
        id: r.get(0),
        scim_id: r.get(1),
        external_id: r.get(2),
        user_name: r.get(3),
        display_name: r.get(4),
        active: r.get(5),
        updated: time(r.get(6)),
    }
}

impl PostgresAppData {
    /// Connects (on a thread of its own), creates the tables if needed, and returns the data and
    /// the cursor key every instance shares (made by whichever instance starts first).
    pub fn open(url: &str) -> AppResult<(PostgresAppData, Vec<u8>)> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready, started) = mpsc::channel::<AppResult<Vec<u8>>>();
        let url = url.to_owned();
        std::thread::Builder::new()
            .name("app-postgres".into())
            .spawn(move || {
                let mut db = match Client::connect(&url, NoTls).and_then(|mut db| {
                    let key = migrate(&mut db)?;
                    Ok((db, key))
                }) {
                    Ok((db, key)) => {
                        let _ = ready.send(Ok(key));
                        db
                    }
                    Err(e) => {
                        let _ = ready.send(Err(pg(e)));
                        return;
                    }
                };
                for job in queue {
                    if db.is_closed() {
                        match Client::connect(&url, NoTls) {
                            Ok(fresh) => db = fresh,
                            // The job's answer channel drops: the caller gets an error.
                            Err(e) => {
                                tracing::error!(error = %e, "application database unreachable");
                                continue;
                            }
                        }
                    }
                    job(&mut db);
                }
            })
            .map_err(StoreError::backend)?;
        let key = started
            .recv()
            .map_err(|_| StoreError::backend("the application database thread stopped"))??;
        Ok((
            PostgresAppData {
                jobs: std::sync::Mutex::new(jobs),
            },
            key,
        ))
    }

    /// Runs `f` on the database thread and waits for its answer.
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let (answer, answered) = mpsc::channel();
        let job: Job = Box::new(move |db| {
            let _ = answer.send(f(db));
        });
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| StoreError::backend("the application database thread stopped"))?;
        answered
            .recv()
            .map_err(|_| StoreError::backend("the application database is unreachable"))?
    }
}

/// Creates the tables under the advisory lock; the shared cursor key.
fn migrate(db: &mut Client) -> Result<Vec<u8>, postgres::Error> {
    let mut tx = db.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    // Tables already made by this layout: no DDL, whose table locks could deadlock with another
    // instance's live writes while this one starts.
    let made: Option<String> = tx
        .query_one("SELECT to_regclass('app_settings')::text", &[])?
        .get(0);
    let current = made.is_some()
        && tx
            .query_opt(
                "SELECT 1 FROM app_settings WHERE name = 'layout' AND value = $1",
                &[&LAYOUT],
            )?
            .is_some();
    if !current {
        tx.batch_execute(SCHEMA)?;
        tx.execute(
            "INSERT INTO app_settings (name, value) VALUES ('layout', $1)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            &[&LAYOUT],
        )?;
    }
    // 256 bits from the OS (the text of a fresh token); the cursor codec derives its key from it.
    let key = scimkit_server::hooks::new_token().into_bytes();
    tx.execute(
        "INSERT INTO app_settings (name, value) VALUES ('cursor_key', $1) ON CONFLICT DO NOTHING",
        &[&key.as_slice()],
    )?;
    let key: Vec<u8> = tx
        .query_one(
            "SELECT value FROM app_settings WHERE name = 'cursor_key'",
            &[],
        )?
        .get(0);
    tx.commit()?;
    Ok(key)
}

/// Whether team `team` belongs to `tenant`.
fn team_exists(c: &mut impl postgres::GenericClient, tenant: &str, team: i64) -> AppResult<bool> {
    c.query_opt(
        "SELECT 1 FROM app_teams WHERE tenant = $1 AND id = $2",
        &[&tenant, &team],
    )
    .map(|r| r.is_some())
    .map_err(pg)
}

fn source_text(source: Source) -> &'static str {
    match source {
        Source::Idp => "idp",
        Source::Manual => "manual",
    }
}

impl AppData for PostgresAppData {
    fn create_tenant(&self, tenant: &str) -> AppResult<bool> {
        let tenant = tenant.to_owned();
        self.with(move |c| {
            c.execute(
                "INSERT INTO app_tenants (name, created) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&tenant, &millis(Utc::now())],
            )
            .map(|n| n == 1)
            .map_err(pg)
        })
    }

    fn tenants(&self) -> AppResult<Vec<String>> {
        self.with(|c| {
            Ok(c.query("SELECT name FROM app_tenants ORDER BY name", &[])
                .map_err(pg)?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn insert_token(&self, t: &TokenInfo) -> AppResult<()> {
        let t = t.clone();
        self.with(move |c| {
            c.execute(
                "INSERT INTO app_tokens (tenant, id, hash, created, expires) VALUES ($1, $2, $3, $4, $5)",
                &[&t.tenant, &t.id, &t.hash, &millis(t.created), &t.expires.map(millis)],
            )
            .map(|_| ())
            .map_err(pg)
        })
    }

    fn expire_token(&self, tenant: &str, id: &str, at: DateTime<Utc>) -> AppResult<bool> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.with(move |c| {
            c.execute(
                "UPDATE app_tokens SET expires = LEAST(COALESCE(expires, $3), $3)
                 WHERE tenant = $1 AND id = $2",
                &[&tenant, &id, &millis(at)],
            )
            .map(|n| n == 1)
            .map_err(pg)
        })
    }

    fn all_tokens(&self) -> AppResult<Vec<TokenInfo>> {
        self.with(|c| {
            Ok(c
                .query(
                    "SELECT tenant, id, hash, created, expires FROM app_tokens ORDER BY tenant, created",
                    &[],
                )
                .map_err(pg)?
                .iter()
                .map(|r| TokenInfo {
                    tenant: r.get(0),
                    id: r.get(1),
                    hash: r.get(2),
                    created: time(r.get(3)),
                    expires: r.get::<_, Option<i64>>(4).map(time),
                })
                .collect())
        })
    }

    fn account_by_scim_id(&self, tenant: &str, scim_id: &str) -> AppResult<Option<Account>> {
        let (tenant, scim_id) = (tenant.to_owned(), scim_id.to_owned());
        self.with(move |c| {
            c.query_opt(
                &format!("{ACCOUNT} WHERE tenant = $1 AND scim_id = $2"),
                &[&tenant, &scim_id],
            )
            .map(|r| r.as_ref().map(account))
            .map_err(pg)
        })
    }

    fn returning_account(
        &self,
        tenant: &str,
        external_id: Option<&str>,
        user_name: &str,
    ) -> AppResult<Option<Account>> {
        let (tenant, external, user_name) = (
            tenant.to_owned(),
            external_id.map(str::to_owned),
            user_name.to_owned(),
        );
        self.with(move |c| {
            let row = match external {
                Some(external) => c.query_opt(
                    &format!(
                        "{ACCOUNT} WHERE tenant = $1 AND scim_id IS NULL AND external_id = $2
                         ORDER BY updated DESC LIMIT 1"
                    ),
                    &[&tenant, &external],
                ),
                None => c.query_opt(
                    &format!(
                        "{ACCOUNT} WHERE tenant = $1 AND scim_id IS NULL AND external_id IS NULL
                         AND lower(user_name) = lower($2) ORDER BY updated DESC LIMIT 1"
                    ),
                    &[&tenant, &user_name],
                ),
            };
            row.map(|r| r.as_ref().map(account)).map_err(pg)
        })
    }

    fn save_account(&self, tenant: &str, id: Option<i64>, f: &AccountFields) -> AppResult<i64> {
        let (tenant, f) = (tenant.to_owned(), f.clone());
        let now = millis(Utc::now());
        self.with(move |c| match id {
            Some(id) => c
                .execute(
                    "UPDATE app_accounts SET scim_id = $3, external_id = $4, user_name = $5,
                     display_name = $6, active = $7, updated = $8 WHERE tenant = $1 AND id = $2",
                    &[&tenant, &id, &f.scim_id, &f.external_id, &f.user_name, &f.display_name, &f.active, &now],
                )
                .map(|_| id)
                .map_err(pg),
            None => c
                .query_one(
                    "INSERT INTO app_accounts (tenant, scim_id, external_id, user_name, display_name, active, updated)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    &[&tenant, &f.scim_id, &f.external_id, &f.user_name, &f.display_name, &f.active, &now],
                )
                .map(|r| r.get(0))
                .map_err(pg),
        })
    }

    fn delete_account(&self, tenant: &str, id: i64) -> AppResult<()> {
        let tenant = tenant.to_owned();
        self.with(move |c| {
            let mut tx = c.transaction().map_err(pg)?;
            tx.execute(
                "DELETE FROM app_team_members WHERE account = $2
                 AND EXISTS (SELECT 1 FROM app_accounts WHERE tenant = $1 AND id = $2)",
                &[&tenant, &id],
            )
            .map_err(pg)?;
            tx.execute(
                "DELETE FROM app_accounts WHERE tenant = $1 AND id = $2",
                &[&tenant, &id],
            )
            .map_err(pg)?;
            tx.commit().map_err(pg)
        })
    }

    fn accounts(&self, tenant: &str) -> AppResult<Vec<Account>> {
        let tenant = tenant.to_owned();
        self.with(move |c| {
            Ok(c.query(
                &format!("{ACCOUNT} WHERE tenant = $1 ORDER BY lower(user_name), id"),
                &[&tenant],
            )
            .map_err(pg)?
            .iter()
            .map(account)
            .collect())
        })
    }

    fn save_group(&self, tenant: &str, scim_id: &str, display_name: &str) -> AppResult<()> {
        let (tenant, scim_id, name) = (
            tenant.to_owned(),
            scim_id.to_owned(),
            display_name.to_owned(),
        );
        self.with(move |c| {
            c.execute(
                "INSERT INTO app_groups (tenant, scim_id, display_name) VALUES ($1, $2, $3)
                 ON CONFLICT (tenant, scim_id) DO UPDATE SET display_name = excluded.display_name",
                &[&tenant, &scim_id, &name],
            )
            .map(|_| ())
            .map_err(pg)
        })
    }

    fn remove_group(&self, tenant: &str, scim_id: &str) -> AppResult<Option<i64>> {
        let (tenant, scim_id) = (tenant.to_owned(), scim_id.to_owned());
        self.with(move |c| {
            c.query_opt(
                "DELETE FROM app_groups WHERE tenant = $1 AND scim_id = $2 RETURNING team",
                &[&tenant, &scim_id],
            )
            .map(|r| r.and_then(|r| r.get::<_, Option<i64>>(0)))
            .map_err(pg)
        })
    }

    fn groups(&self, tenant: &str) -> AppResult<Vec<Group>> {
        let tenant = tenant.to_owned();
        self.with(move |c| {
            Ok(c.query(
                "SELECT scim_id, display_name, team FROM app_groups WHERE tenant = $1
                 ORDER BY lower(display_name), scim_id",
                &[&tenant],
            )
            .map_err(pg)?
            .iter()
            .map(|r| Group {
                scim_id: r.get(0),
                display_name: r.get(1),
                team_id: r.get(2),
            })
            .collect())
        })
    }

    fn map_group(&self, tenant: &str, scim_id: &str, team: Option<i64>) -> AppResult<Option<i64>> {
        let (tenant, scim_id) = (tenant.to_owned(), scim_id.to_owned());
        self.with(move |c| {
            let mut tx = c.transaction().map_err(pg)?;
            if let Some(team) = team {
                if !team_exists(&mut tx, &tenant, team)? {
                    return Err(StoreError::NotFound);
                }
            }
            let before = tx
                .query_opt(
                    "SELECT team FROM app_groups WHERE tenant = $1 AND scim_id = $2 FOR UPDATE",
                    &[&tenant, &scim_id],
                )
                .map_err(pg)?
                .ok_or(StoreError::NotFound)?
                .get::<_, Option<i64>>(0);
            tx.execute(
                "UPDATE app_groups SET team = $3 WHERE tenant = $1 AND scim_id = $2",
                &[&tenant, &scim_id, &team],
            )
            .map_err(pg)?;
            tx.commit().map_err(pg)?;
            Ok(before)
        })
    }

    fn create_team(&self, tenant: &str, name: &str) -> AppResult<i64> {
        let (tenant, name) = (tenant.to_owned(), name.to_owned());
        self.with(move |c| {
            c.query_opt(
                "INSERT INTO app_teams (tenant, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id",
                &[&tenant, &name],
            )
            .map_err(pg)?
            .map(|r| r.get(0))
            .ok_or_else(|| StoreError::Uniqueness {
                attribute: "name".into(),
                existing: None,
            })
        })
    }

    fn teams(&self, tenant: &str) -> AppResult<Vec<Team>> {
        let tenant = tenant.to_owned();
        self.with(move |c| {
            let mut teams: Vec<Team> = c
                .query(
                    "SELECT id, name FROM app_teams WHERE tenant = $1 ORDER BY lower(name), id",
                    &[&tenant],
                )
                .map_err(pg)?
                .iter()
                .map(|r| Team {
                    id: r.get(0),
                    name: r.get(1),
                    members: Vec::new(),
                    groups: Vec::new(),
                })
                .collect();
            for t in &mut teams {
                t.members = c
                    .query(
                        "SELECT m.account, a.user_name, m.source FROM app_team_members m
                         JOIN app_accounts a ON a.id = m.account WHERE m.team = $1
                         ORDER BY lower(a.user_name)",
                        &[&t.id],
                    )
                    .map_err(pg)?
                    .iter()
                    .map(|r| TeamMember {
                        account_id: r.get(0),
                        user_name: r.get(1),
                        source: if r.get::<_, &str>(2) == "manual" {
                            Source::Manual
                        } else {
                            Source::Idp
                        },
                    })
                    .collect();
                t.groups = c
                    .query(
                        "SELECT scim_id FROM app_groups WHERE tenant = $1 AND team = $2 ORDER BY display_name",
                        &[&tenant, &t.id],
                    )
                    .map_err(pg)?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
            }
            Ok(teams)
        })
    }

    fn add_team_member(
        &self,
        tenant: &str,
        team: i64,
        account: i64,
        source: Source,
    ) -> AppResult<()> {
        let tenant = tenant.to_owned();
        self.with(move |c| {
            let mut tx = c.transaction().map_err(pg)?;
            let account_exists = tx
                .query_opt(
                    "SELECT 1 FROM app_accounts WHERE tenant = $1 AND id = $2",
                    &[&tenant, &account],
                )
                .map_err(pg)?
                .is_some();
            if !account_exists || !team_exists(&mut tx, &tenant, team)? {
                return Err(StoreError::NotFound);
            }
            tx.execute(
                "INSERT INTO app_team_members (team, account, source) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&team, &account, &source_text(source)],
            )
            .map_err(pg)?;
            tx.commit().map_err(pg)
        })
    }

    fn remove_team_member(&self, tenant: &str, team: i64, account: i64) -> AppResult<bool> {
        let tenant = tenant.to_owned();
        self.with(move |c| {
            c.execute(
                "DELETE FROM app_team_members WHERE team = $2 AND account = $3
                 AND EXISTS (SELECT 1 FROM app_teams WHERE tenant = $1 AND id = $2)",
                &[&tenant, &team, &account],
            )
            .map(|n| n == 1)
            .map_err(pg)
        })
    }

    fn set_team_members(&self, tenant: &str, team: i64, accounts: &[i64]) -> AppResult<()> {
        let (tenant, accounts) = (tenant.to_owned(), accounts.to_vec());
        self.with(move |c| {
            let mut tx = c.transaction().map_err(pg)?;
            if !team_exists(&mut tx, &tenant, team)? {
                return Err(StoreError::NotFound);
            }
            tx.execute("DELETE FROM app_team_members WHERE team = $1", &[&team])
                .map_err(pg)?;
            tx.execute(
                "INSERT INTO app_team_members (team, account, source)
                 SELECT $1, id, 'idp' FROM app_accounts WHERE tenant = $2 AND id = ANY($3)
                 ON CONFLICT DO NOTHING",
                &[&team, &tenant, &accounts],
            )
            .map_err(pg)?;
            tx.commit().map_err(pg)
        })
    }

    fn remove_from_all_teams(&self, tenant: &str, account: i64) -> AppResult<()> {
        let tenant = tenant.to_owned();
        self.with(move |c| {
            c.execute(
                "DELETE FROM app_team_members WHERE account = $2
                 AND EXISTS (SELECT 1 FROM app_accounts WHERE tenant = $1 AND id = $2)",
                &[&tenant, &account],
            )
            .map(|_| ())
            .map_err(pg)
        })
    }

    fn append_audit(&self, entries: &[AuditEntry]) -> AppResult<()> {
        let entries = entries.to_vec();
        self.with(move |c| {
            let mut tx = c.transaction().map_err(pg)?;
            let insert = tx
                .prepare(
                    "INSERT INTO app_audit (at, tenant, token_id, method, resource_type, resource_id,
                     outcome, status, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .map_err(pg)?;
            for e in &entries {
                tx.execute(
                    &insert,
                    &[
                        &millis(e.at),
                        &e.tenant,
                        &e.token_id,
                        &e.method,
                        &e.resource_type,
                        &e.resource_id,
                        &e.outcome,
                        &e.status.map(i32::from),
                        &e.changes.to_string(),
                    ],
                )
                .map_err(pg)?;
            }
            tx.commit().map_err(pg)
        })
    }

    fn prune_audit(&self, before: DateTime<Utc>, keep: u64) -> AppResult<()> {
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        self.with(move |c| {
            let mut tx = c.transaction().map_err(pg)?;
            tx.execute("DELETE FROM app_audit WHERE at < $1", &[&millis(before)])
                .map_err(pg)?;
            // The newest `keep` of each tenant stay.
            tx.execute(
                "DELETE FROM app_audit WHERE seq IN (
                     SELECT seq FROM (SELECT seq, row_number() OVER (PARTITION BY tenant ORDER BY seq DESC) AS n
                                      FROM app_audit) ranked WHERE n > $1)",
                &[&keep],
            )
            .map_err(pg)?;
            tx.commit().map_err(pg)
        })
    }

    fn audit(&self, tenant: &str, q: &AuditQuery) -> AppResult<Vec<AuditEntry>> {
        let status: Option<i32> = q.outcome.as_deref().and_then(|o| o.parse().ok());
        let outcome = q.outcome.clone().filter(|_| status.is_none());
        let (tenant, q) = (tenant.to_owned(), q.clone());
        self.with(move |c| {
            Ok(c.query(
                "SELECT seq, at, tenant, token_id, method, resource_type, resource_id, outcome,
                 status, changes FROM app_audit
                 WHERE tenant = $1 AND ($2::bigint IS NULL OR at >= $2) AND ($3::bigint IS NULL OR at < $3)
                 AND ($4::text IS NULL OR resource_id = $4 OR resource_type = $4)
                 AND ($5::text IS NULL OR outcome = $5) AND ($6::integer IS NULL OR status = $6)
                 ORDER BY seq DESC LIMIT $7",
                &[
                    &tenant,
                    &q.since.map(millis),
                    &q.until.map(millis),
                    &q.resource,
                    &outcome,
                    &status,
                    &i64::from(q.limit),
                ],
            )
            .map_err(pg)?
            .iter()
            .map(|r| AuditEntry {
                seq: r.get(0),
                at: time(r.get(1)),
                tenant: r.get(2),
                token_id: r.get(3),
                method: r.get(4),
                resource_type: r.get(5),
                resource_id: r.get(6),
                outcome: r.get(7),
                status: r
                    .get::<_, Option<i32>>(8)
                    .and_then(|s| u16::try_from(s).ok()),
                changes: serde_json::from_str(r.get(9)).unwrap_or_default(),
            })
            .collect())
        })
    }
}
