//! The audit trail: every provisioning event the service publishes becomes a row of the `audit`
//! table. Rows are written by a thread of their own, so a request never waits on the audit
//! write (and never blocks an async worker on SQLite).

use std::path::Path;
use std::sync::mpsc;

use rusqlite::{params, Connection};
use scimkit_server::hooks::{Change, Event, Events};
use scimkit_server::store::StoreError;

/// Sends events to the audit writer.
#[derive(Debug)]
pub struct Audit {
    tx: mpsc::SyncSender<Row>,
}

struct Row {
    tenant: String,
    token: String,
    operation: &'static str,
    kind: String,
    resource_id: String,
    changes: String,
    at: String,
}

impl Audit {
    pub fn open(path: &Path) -> Result<Audit, StoreError> {
        let db = Connection::open(path).map_err(StoreError::backend)?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(StoreError::backend)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS audit (
                seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, token TEXT NOT NULL,
                operation TEXT NOT NULL, kind TEXT NOT NULL, resource_id TEXT NOT NULL,
                changes TEXT NOT NULL, at TEXT NOT NULL)",
        )
        .map_err(StoreError::backend)?;
        // Bounded: under a flood of writes the requests slow down rather than memory growing.
        let (tx, rx) = mpsc::sync_channel::<Row>(10_000);
        std::thread::Builder::new()
            .name("audit".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    // One transaction for whatever has queued up meanwhile.
                    let rows: Vec<Row> = std::iter::once(first).chain(rx.try_iter()).collect();
                    if let Err(e) = write(&db, &rows) {
                        tracing::error!(error = %e, "audit write failed");
                    }
                }
            })
            .map_err(StoreError::backend)?;
        Ok(Audit { tx })
    }
}

fn write(db: &Connection, rows: &[Row]) -> rusqlite::Result<()> {
    let tx = db.unchecked_transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO audit (tenant, token, operation, kind, resource_id, changes, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for r in rows {
            insert.execute(params![
                r.tenant,
                r.token,
                r.operation,
                r.kind,
                r.resource_id,
                r.changes,
                r.at
            ])?;
        }
    }
    tx.commit()
}

impl Events for Audit {
    fn event(&self, event: &Event) {
        // Refused requests are the admin page's concern (#16); the audit table records changes.
        if event
            .changes
            .iter()
            .all(|c| matches!(c, Change::Refused { .. }))
        {
            return;
        }
        let operation = match event.method.as_str() {
            "POST" => "create",
            "PUT" => "replace",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "other",
        };
        let row = Row {
            tenant: event.tenant.clone(),
            token: event.principal.id.clone(),
            operation,
            kind: event.resource_type.clone(),
            resource_id: event.id.clone().unwrap_or_default(),
            changes: format!("{:?}", event.changes),
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        };
        if self.tx.send(row).is_err() {
            tracing::error!("the audit writer has stopped");
        }
    }
}
