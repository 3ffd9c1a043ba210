//! [`AppData`] in SQLite: the `app_*` tables, in a file beside the SCIM database
//! ([`app_database`](crate::server::app_database)).

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{
    Account, AccountFields, AppData, AppResult, AuditEntry, AuditQuery, Group, Source, StoreError,
    Team, TeamMember, TokenInfo,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS app_tenants (name TEXT PRIMARY KEY, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS app_tokens (
    tenant TEXT NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL,
    created INTEGER NOT NULL, expires INTEGER, PRIMARY KEY (tenant, id));
-- AUTOINCREMENT: an id is never reused, even after `--delete hard`.
CREATE TABLE IF NOT EXISTS app_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, scim_id TEXT, external_id TEXT,
    user_name TEXT NOT NULL, display_name TEXT, active INTEGER NOT NULL, updated INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS app_accounts_scim ON app_accounts (tenant, scim_id);
CREATE INDEX IF NOT EXISTS app_accounts_external ON app_accounts (tenant, external_id);
CREATE INDEX IF NOT EXISTS app_accounts_user_name ON app_accounts (tenant, user_name COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS app_teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (tenant, name));
CREATE TABLE IF NOT EXISTS app_groups (
    tenant TEXT NOT NULL, scim_id TEXT NOT NULL, display_name TEXT NOT NULL,
    team INTEGER REFERENCES app_teams (id), PRIMARY KEY (tenant, scim_id));
CREATE TABLE IF NOT EXISTS app_team_members (
    team INTEGER NOT NULL REFERENCES app_teams (id), account INTEGER NOT NULL REFERENCES app_accounts (id),
    source TEXT NOT NULL, PRIMARY KEY (team, account));
CREATE INDEX IF NOT EXISTS app_team_members_account ON app_team_members (account);
CREATE TABLE IF NOT EXISTS app_audit (
    seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, tenant TEXT NOT NULL, token_id TEXT NOT NULL,
    method TEXT NOT NULL, resource_type TEXT NOT NULL, resource_id TEXT, outcome TEXT NOT NULL,
    status INTEGER, changes TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS app_audit_tenant ON app_audit (tenant, seq);
CREATE INDEX IF NOT EXISTS app_audit_at ON app_audit (at);
";

/// The application's data in a SQLite file of its own, beside the SCIM database.
#[derive(Debug)]
pub struct SqliteAppData {
    db: Mutex<Connection>,
}

fn sql(e: rusqlite::Error) -> StoreError {
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

fn account(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        scim_id: r.get(1)?,
        external_id: r.get(2)?,
        user_name: r.get(3)?,
        display_name: r.get(4)?,
        active: r.get(5)?,
        updated: time(r.get(6)?),
    })
}

fn token(r: &Row<'_>) -> rusqlite::Result<TokenInfo> {
    Ok(TokenInfo {
        tenant: r.get(0)?,
        id: r.get(1)?,
        hash: r.get(2)?,
        created: time(r.get(3)?),
        expires: r.get::<_, Option<i64>>(4)?.map(time),
    })
}

fn audit_entry(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let changes: String = r.get(9)?;
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: time(r.get(1)?),
        tenant: r.get(2)?,
        token_id: r.get(3)?,
        method: r.get(4)?,
        resource_type: r.get(5)?,
        resource_id: r.get(6)?,
        outcome: r.get(7)?,
        status: r.get(8)?,
        changes: serde_json::from_str(&changes).unwrap_or_default(),
    })
}

impl SqliteAppData {
    /// Opens (creating the tables if needed) the application data in the file at `path`.
    pub fn open(path: &Path) -> AppResult<SqliteAppData> {
        let db = Connection::open(path).map_err(sql)?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        // WAL lets the admin page read while provisioning writes; NORMAL syncs at checkpoints
        // rather than at every commit, so applying one provisioning event costs no fsync.
        // A checkpoint (and its fsync) every 10,000 pages of log rather than SQLite's 1,000: the
        // provisioning thread commits once per account change, and keeps up with bursts of them.
        db.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;
             PRAGMA wal_autocheckpoint = 10000;",
        )
        .map_err(sql)?;
        db.execute_batch(SCHEMA).map_err(sql)?;
        Ok(SqliteAppData { db: Mutex::new(db) })
    }

    /// Opens the application data at `path`, beside the SCIM database file `scim`. Before the
    /// application had a file of its own its tables lived in `scim`: a new, empty `path` takes
    /// them over once (they are copied, and left where they were), so no tenant, token, account
    /// or audit entry is lost on upgrade.
    pub fn open_beside(path: &Path, scim: &Path) -> AppResult<SqliteAppData> {
        let data = SqliteAppData::open(path)?;
        adopt(&data.db.lock().unwrap_or_else(|p| p.into_inner()), scim)?;
        Ok(data)
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> AppResult<T> {
        f(&self.db.lock().unwrap_or_else(|p| p.into_inner())).map_err(sql)
    }

    /// `f` in one transaction.
    fn tx<T>(&self, f: impl FnOnce(&Connection) -> AppResult<T>) -> AppResult<T> {
        let db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let tx = db.unchecked_transaction().map_err(sql)?;
        let out = f(&tx)?;
        tx.commit().map_err(sql)?;
        Ok(out)
    }
}

/// Copies the application's tables from the older layout in `scim` into this empty file.
fn adopt(c: &Connection, scim: &Path) -> AppResult<()> {
    let empty: bool = c
        .query_row("SELECT NOT EXISTS (SELECT 1 FROM app_tenants)", [], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    if !empty || !scim.exists() {
        return Ok(());
    }
    let Some(scim) = scim.to_str() else {
        return Ok(());
    };
    c.execute("ATTACH DATABASE ?1 AS legacy", [scim])
        .map_err(sql)?;
    // ATTACH and DETACH cannot run inside a transaction; the copy is one.
    let copied = (|| {
        let legacy: bool = c.query_row(
            "SELECT EXISTS (SELECT 1 FROM legacy.sqlite_master WHERE name = 'app_tenants')",
            [],
            |r| r.get(0),
        )?;
        if legacy {
            let tx = c.unchecked_transaction()?;
            // Parents before children, for the foreign keys.
            for table in [
                "app_tenants",
                "app_tokens",
                "app_accounts",
                "app_teams",
                "app_groups",
                "app_team_members",
                "app_audit",
            ] {
                tx.execute_batch(&format!(
                    "INSERT INTO main.{table} SELECT * FROM legacy.{table}"
                ))?;
            }
            tx.commit()?;
        }
        Ok(())
    })();
    let detached = c.execute_batch("DETACH DATABASE legacy");
    copied.map_err(sql)?;
    detached.map_err(sql)
}

/// Whether team `team` belongs to `tenant`.
fn team_exists(c: &Connection, tenant: &str, team: i64) -> rusqlite::Result<bool> {
    c.prepare_cached("SELECT 1 FROM app_teams WHERE tenant = ?1 AND id = ?2")?
        .exists(params![tenant, team])
}

impl AppData for SqliteAppData {
    fn create_tenant(&self, tenant: &str) -> AppResult<bool> {
        self.with(|c| {
            c.execute(
                "INSERT INTO app_tenants (name, created) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![tenant, millis(Utc::now())],
            )
            .map(|n| n == 1)
        })
    }

    fn tenants(&self) -> AppResult<Vec<String>> {
        self.with(|c| {
            c.prepare("SELECT name FROM app_tenants ORDER BY name")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
    }

    fn insert_token(&self, t: &TokenInfo) -> AppResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO app_tokens (tenant, id, hash, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![t.tenant, t.id, t.hash, millis(t.created), t.expires.map(millis)],
            )
            .map(|_| ())
        })
    }

    fn expire_token(&self, tenant: &str, id: &str, at: DateTime<Utc>) -> AppResult<bool> {
        self.with(|c| {
            c.execute(
                "UPDATE app_tokens SET expires = MIN(COALESCE(expires, ?3), ?3)
                 WHERE tenant = ?1 AND id = ?2",
                params![tenant, id, millis(at)],
            )
            .map(|n| n == 1)
        })
    }

    fn all_tokens(&self) -> AppResult<Vec<TokenInfo>> {
        self.with(|c| {
            c.prepare("SELECT tenant, id, hash, created, expires FROM app_tokens ORDER BY tenant, created")?
                .query_map([], token)?
                .collect()
        })
    }

    fn account_by_scim_id(&self, tenant: &str, scim_id: &str) -> AppResult<Option<Account>> {
        self.with(|c| {
            c.prepare_cached(&format!("{ACCOUNT} WHERE tenant = ?1 AND scim_id = ?2"))?
                .query_row(params![tenant, scim_id], account)
                .optional()
        })
    }

    fn returning_account(
        &self,
        tenant: &str,
        external_id: Option<&str>,
        user_name: &str,
    ) -> AppResult<Option<Account>> {
        self.with(|c| match external_id {
            Some(external) => c
                .prepare_cached(&format!(
                    "{ACCOUNT} WHERE tenant = ?1 AND scim_id IS NULL AND external_id = ?2
                     ORDER BY updated DESC LIMIT 1"
                ))?
                .query_row(params![tenant, external], account)
                .optional(),
            None => c
                .prepare_cached(&format!(
                    "{ACCOUNT} WHERE tenant = ?1 AND scim_id IS NULL AND external_id IS NULL
                     AND user_name = ?2 COLLATE NOCASE ORDER BY updated DESC LIMIT 1"
                ))?
                .query_row(params![tenant, user_name], account)
                .optional(),
        })
    }

    fn save_account(&self, tenant: &str, id: Option<i64>, f: &AccountFields) -> AppResult<i64> {
        let now = millis(Utc::now());
        self.with(|c| match id {
            Some(id) => c
                .prepare_cached(
                    "UPDATE app_accounts SET scim_id = ?3, external_id = ?4, user_name = ?5,
                     display_name = ?6, active = ?7, updated = ?8 WHERE tenant = ?1 AND id = ?2",
                )?
                .execute(params![tenant, id, f.scim_id, f.external_id, f.user_name, f.display_name, f.active, now])
                .map(|_| id),
            None => c
                .prepare_cached(
                    "INSERT INTO app_accounts (tenant, scim_id, external_id, user_name, display_name, active, updated)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![tenant, f.scim_id, f.external_id, f.user_name, f.display_name, f.active, now])
                .map(|_| c.last_insert_rowid()),
        })
    }

    fn delete_account(&self, tenant: &str, id: i64) -> AppResult<()> {
        self.tx(|c| {
            c.execute(
                "DELETE FROM app_team_members WHERE account = ?2
                 AND EXISTS (SELECT 1 FROM app_accounts WHERE tenant = ?1 AND id = ?2)",
                params![tenant, id],
            )
            .map_err(sql)?;
            c.execute(
                "DELETE FROM app_accounts WHERE tenant = ?1 AND id = ?2",
                params![tenant, id],
            )
            .map_err(sql)?;
            Ok(())
        })
    }

    fn accounts(&self, tenant: &str) -> AppResult<Vec<Account>> {
        self.with(|c| {
            c.prepare(&format!(
                "{ACCOUNT} WHERE tenant = ?1 ORDER BY user_name COLLATE NOCASE, id"
            ))?
            .query_map([tenant], account)?
            .collect()
        })
    }

    fn save_group(&self, tenant: &str, scim_id: &str, display_name: &str) -> AppResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO app_groups (tenant, scim_id, display_name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (tenant, scim_id) DO UPDATE SET display_name = excluded.display_name",
                params![tenant, scim_id, display_name],
            )
            .map(|_| ())
        })
    }

    fn remove_group(&self, tenant: &str, scim_id: &str) -> AppResult<Option<i64>> {
        self.with(|c| {
            c.query_row(
                "DELETE FROM app_groups WHERE tenant = ?1 AND scim_id = ?2 RETURNING team",
                params![tenant, scim_id],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
        })
    }

    fn groups(&self, tenant: &str) -> AppResult<Vec<Group>> {
        self.with(|c| {
            c.prepare(
                "SELECT scim_id, display_name, team FROM app_groups WHERE tenant = ?1
                 ORDER BY display_name COLLATE NOCASE, scim_id",
            )?
            .query_map([tenant], |r| {
                Ok(Group {
                    scim_id: r.get(0)?,
                    display_name: r.get(1)?,
                    team_id: r.get(2)?,
                })
            })?
            .collect()
        })
    }

    fn map_group(&self, tenant: &str, scim_id: &str, team: Option<i64>) -> AppResult<Option<i64>> {
        self.tx(|c| {
            if let Some(team) = team {
                if !team_exists(c, tenant, team).map_err(sql)? {
                    return Err(StoreError::NotFound);
                }
            }
            let before: Option<Option<i64>> = c
                .query_row(
                    "SELECT team FROM app_groups WHERE tenant = ?1 AND scim_id = ?2",
                    params![tenant, scim_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql)?;
            let before = before.ok_or(StoreError::NotFound)?;
            c.execute(
                "UPDATE app_groups SET team = ?3 WHERE tenant = ?1 AND scim_id = ?2",
                params![tenant, scim_id, team],
            )
            .map_err(sql)?;
            Ok(before)
        })
    }

    fn create_team(&self, tenant: &str, name: &str) -> AppResult<i64> {
        self.with(|c| {
            c.execute(
                "INSERT INTO app_teams (tenant, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![tenant, name],
            )
            .map(|n| (n == 1).then(|| c.last_insert_rowid()))
        })?
        .ok_or_else(|| StoreError::Uniqueness {
            attribute: "name".into(),
            existing: None,
        })
    }

    fn teams(&self, tenant: &str) -> AppResult<Vec<Team>> {
        self.with(|c| {
            let mut teams: Vec<Team> = c
                .prepare("SELECT id, name FROM app_teams WHERE tenant = ?1 ORDER BY name, id")?
                .query_map([tenant], |r| {
                    Ok(Team {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        members: Vec::new(),
                        groups: Vec::new(),
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut members = c.prepare(
                "SELECT m.account, a.user_name, m.source FROM app_team_members m
                 JOIN app_accounts a ON a.id = m.account WHERE m.team = ?1
                 ORDER BY a.user_name COLLATE NOCASE",
            )?;
            let mut groups = c.prepare(
                "SELECT scim_id FROM app_groups WHERE tenant = ?1 AND team = ?2 ORDER BY display_name",
            )?;
            for t in &mut teams {
                t.members = members
                    .query_map([t.id], |r| {
                        Ok(TeamMember {
                            account_id: r.get(0)?,
                            user_name: r.get(1)?,
                            source: if r.get::<_, String>(2)? == "manual" {
                                Source::Manual
                            } else {
                                Source::Idp
                            },
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                t.groups = groups
                    .query_map(params![tenant, t.id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
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
        self.tx(|c| {
            let account_exists = c
                .prepare_cached("SELECT 1 FROM app_accounts WHERE tenant = ?1 AND id = ?2")
                .and_then(|mut s| s.exists(params![tenant, account]))
                .map_err(sql)?;
            if !account_exists || !team_exists(c, tenant, team).map_err(sql)? {
                return Err(StoreError::NotFound);
            }
            let source = match source {
                Source::Idp => "idp",
                Source::Manual => "manual",
            };
            c.execute(
                "INSERT INTO app_team_members (team, account, source) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![team, account, source],
            )
            .map_err(sql)?;
            Ok(())
        })
    }

    fn remove_team_member(&self, tenant: &str, team: i64, account: i64) -> AppResult<bool> {
        self.with(|c| {
            c.execute(
                "DELETE FROM app_team_members WHERE team = ?2 AND account = ?3
                 AND EXISTS (SELECT 1 FROM app_teams WHERE tenant = ?1 AND id = ?2)",
                params![tenant, team, account],
            )
            .map(|n| n == 1)
        })
    }

    fn set_team_members(&self, tenant: &str, team: i64, accounts: &[i64]) -> AppResult<()> {
        self.tx(|c| {
            if !team_exists(c, tenant, team).map_err(sql)? {
                return Err(StoreError::NotFound);
            }
            c.execute("DELETE FROM app_team_members WHERE team = ?1", [team])
                .map_err(sql)?;
            let mut insert = c
                .prepare_cached(
                    "INSERT INTO app_team_members (team, account, source)
                     SELECT ?1, id, 'idp' FROM app_accounts WHERE tenant = ?2 AND id = ?3
                     ON CONFLICT DO NOTHING",
                )
                .map_err(sql)?;
            for a in accounts {
                insert.execute(params![team, tenant, a]).map_err(sql)?;
            }
            Ok(())
        })
    }

    fn remove_from_all_teams(&self, tenant: &str, account: i64) -> AppResult<()> {
        self.with(|c| {
            c.prepare_cached(
                "DELETE FROM app_team_members WHERE account = ?2
                 AND EXISTS (SELECT 1 FROM app_accounts WHERE tenant = ?1 AND id = ?2)",
            )?
            .execute(params![tenant, account])
            .map(|_| ())
        })
    }

    fn append_audit(&self, entries: &[AuditEntry]) -> AppResult<()> {
        self.tx(|c| {
            let mut insert = c
                .prepare_cached(
                    "INSERT INTO app_audit (at, tenant, token_id, method, resource_type, resource_id,
                     outcome, status, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(sql)?;
            for e in entries {
                insert
                    .execute(params![
                        millis(e.at),
                        e.tenant,
                        e.token_id,
                        e.method,
                        e.resource_type,
                        e.resource_id,
                        e.outcome,
                        e.status,
                        e.changes.to_string()
                    ])
                    .map_err(sql)?;
            }
            Ok(())
        })
    }

    fn prune_audit(&self, before: DateTime<Utc>, keep: u64) -> AppResult<()> {
        self.tx(|c| {
            c.execute("DELETE FROM app_audit WHERE at < ?1", [millis(before)])
                .map_err(sql)?;
            // The newest `keep` of each tenant stay: delete below the keep-th newest's seq.
            let offset = i64::try_from(keep.saturating_sub(1)).unwrap_or(i64::MAX);
            let tenants: Vec<String> = c
                .prepare("SELECT DISTINCT tenant FROM app_audit")
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .map_err(sql)?;
            for tenant in tenants {
                c.execute(
                    "DELETE FROM app_audit WHERE tenant = ?1 AND seq < (
                         SELECT seq FROM app_audit WHERE tenant = ?1
                         ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
                    params![tenant, offset],
                )
                .map_err(sql)?;
            }
            Ok(())
        })
    }

    fn audit(&self, tenant: &str, q: &AuditQuery) -> AppResult<Vec<AuditEntry>> {
        let status: Option<u16> = q.outcome.as_deref().and_then(|o| o.parse().ok());
        let outcome = q.outcome.as_deref().filter(|_| status.is_none());
        self.with(|c| {
            c.prepare_cached(
                "SELECT seq, at, tenant, token_id, method, resource_type, resource_id, outcome,
                 status, changes FROM app_audit
                 WHERE tenant = ?1 AND at >= IFNULL(?2, at) AND at < IFNULL(?3, at + 1)
                 AND (?4 IS NULL OR resource_id = ?4 OR resource_type = ?4)
                 AND (?5 IS NULL OR outcome = ?5) AND (?6 IS NULL OR status = ?6)
                 ORDER BY seq DESC LIMIT ?7",
            )?
            .query_map(
                params![
                    tenant,
                    q.since.map(millis),
                    q.until.map(millis),
                    q.resource,
                    outcome,
                    status,
                    q.limit
                ],
                audit_entry,
            )?
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::app::AppData;

    #[test]
    fn a_new_application_file_takes_over_the_tables_of_the_older_layout() {
        let dir = std::env::temp_dir().join(format!("scimkit-adopt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let scim = dir.join("scim.db");
        let app = crate::server::app_database(&scim);
        // The older layout: the application's tables inside the SCIM database file.
        let old = SqliteAppData::open(&scim).unwrap();
        old.create_tenant("acme").unwrap();
        let team = old.create_team("acme", "Guides").unwrap();
        drop(old);

        let new = SqliteAppData::open_beside(&app, &scim).unwrap();
        assert_eq!(new.tenants().unwrap(), ["acme"]);
        assert_eq!(new.teams("acme").unwrap()[0].id, team);
        new.create_tenant("globex").unwrap();
        drop(new);
        // Taken over once: opening again copies nothing twice and keeps what came since.
        let again = SqliteAppData::open_beside(&app, &scim).unwrap();
        assert_eq!(again.tenants().unwrap().len(), 2);
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
