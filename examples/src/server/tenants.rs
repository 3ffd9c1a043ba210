//! Tenants and their tokens, kept in the same SQLite file as the data: a `tenants` table of
//! token hashes, loaded into the service's [`BearerTokens`] at start and on every re-key.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection};
use scimkit_server::hooks::{new_token, token_hash, BearerTokens};
use scimkit_server::store::StoreError;

#[derive(Debug, Clone)]
pub struct Tenants {
    db: Arc<Mutex<Connection>>,
    tokens: BearerTokens,
}

fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::backend(e)
}

impl Tenants {
    pub fn open(path: &Path) -> Result<Tenants, StoreError> {
        let db = Connection::open(path).map_err(sql)?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS tenants (name TEXT PRIMARY KEY, token_hash TEXT NOT NULL, created TEXT NOT NULL)",
        )
        .map_err(sql)?;
        let tokens = BearerTokens::new();
        {
            let mut s = db
                .prepare("SELECT name, token_hash FROM tenants")
                .map_err(sql)?;
            let rows = s
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(sql)?;
            for row in rows {
                let (name, hash) = row.map_err(sql)?;
                tokens.insert_hash(&name, "token", &hash);
            }
        }
        Ok(Tenants {
            db: Arc::new(Mutex::new(db)),
            tokens,
        })
    }

    pub fn tokens(&self) -> &BearerTokens {
        &self.tokens
    }

    /// Creates the tenant, or gives it a new token that replaces the old one.
    pub fn rekey(&self, name: &str) -> Result<String, StoreError> {
        let token = new_token();
        let hash = token_hash(&token);
        self.db
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .execute(
                "INSERT INTO tenants (name, token_hash, created) VALUES (?1, ?2, datetime('now'))
                 ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash",
                params![name, hash],
            )
            .map_err(sql)?;
        self.tokens.revoke_all(name);
        self.tokens.insert_hash(name, "token", &hash);
        Ok(token)
    }
}
