//! How the application consumes provisioning: scimkit-server publishes an [`Event`] for every
//! change (and every refusal); this module turns them into the application's state.
//!
//! - Every event becomes an audit entry.
//! - A User's events keep its [`Account`](super::app::Account): created (or restored, when the
//!   IdP creates a person it had deleted), renamed, deactivated (it leaves every team),
//!   re-activated (its group-derived teams come back), deleted (kept inactive and unlinked, or
//!   removed with `--delete hard`).
//! - A Group's events keep the group list, and reconcile the team a mapped group drives: the
//!   team's members become exactly the active accounts in the groups mapped to it.
//!
//! The event says *what* changed; the current state is read from the SCIM store. A thread of its
//! own does the work in order, so a request never waits on it.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use chrono::Utc;
use scimkit_server::hooks::{Change, Event, Events};
use scimkit_server::store::{MemberType, Store, Stored};
use serde_json::{json, Value};

use super::app::{AccountFields, AppData, AppResult, AuditEntry};

/// What SCIM DELETE of a User does to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DeleteMode {
    /// The account is kept, inactive and unlinked, and comes back if the IdP creates the
    /// person again.
    #[default]
    Soft,
    /// The account and its memberships are removed.
    Hard,
}

/// How provisioning is applied.
#[derive(Debug, Clone)]
pub struct Settings {
    /// See [`DeleteMode`].
    pub delete: DeleteMode,
    /// Audit entries older than this are removed.
    pub audit_retention: Duration,
    /// At most this many audit entries are kept per tenant (the newest).
    pub audit_max_entries: u64,
}

enum Job {
    Event(Box<Event>),
    /// Reconcile a team now (after an admin mapped a group to it).
    Reconcile {
        tenant: String,
        team: i64,
        done: tokio::sync::oneshot::Sender<AppResult<()>>,
    },
}

/// The [`Events`] hook: queues each event for the provisioning thread. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Provisioning {
    tx: mpsc::SyncSender<Job>,
    progress: Arc<Progress>,
}

#[derive(Debug, Default)]
struct Progress {
    queued: AtomicU64,
    done: AtomicU64,
}

impl Provisioning {
    /// Starts the provisioning thread over the SCIM `store` and the application's data.
    pub fn start<S: Store + Clone>(
        store: S,
        app: Arc<dyn AppData>,
        settings: Settings,
    ) -> std::io::Result<Provisioning> {
        // Bounded: under a flood of writes requests slow down rather than memory growing.
        let (tx, rx) = mpsc::sync_channel::<Job>(10_000);
        let progress = Arc::new(Progress::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let worker = Worker {
            store,
            app,
            settings,
        };
        let p = progress.clone();
        std::thread::Builder::new()
            .name("provisioning".into())
            .spawn(move || {
                // Retention runs once a minute, and whenever a tenth of the entry limit has
                // been written since: the trail stays within 110 % of the limit.
                let every = worker.settings.audit_max_entries / 10 + 1;
                let (mut pruned, mut since) = (Instant::now(), u64::MAX);
                while let Ok(first) = rx.recv() {
                    // One audit transaction for whatever has queued up meanwhile.
                    let jobs: Vec<Job> = std::iter::once(first).chain(rx.try_iter()).collect();
                    let n = jobs.len() as u64;
                    since = since.saturating_add(runtime.block_on(worker.run(jobs)));
                    if since >= every || pruned.elapsed() > Duration::from_secs(60) {
                        worker.prune();
                        (pruned, since) = (Instant::now(), 0);
                    }
                    p.done.fetch_add(n, Ordering::SeqCst);
                }
            })?;
        Ok(Provisioning { tx, progress })
    }

    fn send(&self, job: Job) {
        self.progress.queued.fetch_add(1, Ordering::SeqCst);
        let job = match self.tx.try_send(job) {
            Ok(()) => return,
            Err(mpsc::TrySendError::Full(job)) => job,
            Err(mpsc::TrySendError::Disconnected(_)) => {
                tracing::error!("the provisioning thread has stopped");
                return;
            }
        };
        // The queue is full: the request whose event this is waits for room (backpressure), but
        // never as a blocked async worker, which would stall every other request of the server
        // (other tenants' lookups included) until the queue drains. `block_in_place` hands this
        // worker's other tasks to another thread first.
        let wait = || {
            if self.tx.send(job).is_err() {
                tracing::error!("the provisioning thread has stopped");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        }
    }

    /// Reconciles `team` of `tenant` with the groups mapped to it, and waits for it.
    pub async fn reconcile(&self, tenant: &str, team: i64) -> AppResult<()> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.send(Job::Reconcile {
            tenant: tenant.to_owned(),
            team,
            done,
        });
        result.await.unwrap_or_else(|_| {
            Err(scimkit_server::store::StoreError::backend(
                "the provisioning thread has stopped",
            ))
        })
    }

    /// Waits until every event queued so far is applied (or `timeout` passes): for tests and
    /// tools that read the application's state right after a SCIM request.
    pub fn settle(&self, timeout: Duration) -> bool {
        let target = self.progress.queued.load(Ordering::SeqCst);
        let start = Instant::now();
        while self.progress.done.load(Ordering::SeqCst) < target {
            if start.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    }
}

impl Events for Provisioning {
    fn event(&self, event: &Event) {
        self.send(Job::Event(Box::new(event.clone())));
    }
}

struct Worker<S> {
    store: S,
    app: Arc<dyn AppData>,
    settings: Settings,
}

impl<S: Store> Worker<S> {
    /// Applies the jobs; the number of audit entries written.
    async fn run(&self, jobs: Vec<Job>) -> u64 {
        let audit: Vec<AuditEntry> = jobs
            .iter()
            .filter_map(|j| match j {
                Job::Event(e) => Some(audit_entry(e)),
                Job::Reconcile { .. } => None,
            })
            .collect();
        if let Err(e) = self.app.append_audit(&audit) {
            tracing::error!(error = %e, "audit write failed");
        }
        let written = audit.len() as u64;
        for job in jobs {
            match job {
                Job::Event(event) => {
                    if let Err(e) = self.apply(&event).await {
                        tracing::error!(error = %e, tenant = %event.tenant, "provisioning failed");
                    }
                }
                Job::Reconcile { tenant, team, done } => {
                    let _ = done.send(self.reconcile(&tenant, team).await);
                }
            }
        }
        written
    }

    fn prune(&self) {
        let retention = chrono::Duration::from_std(self.settings.audit_retention)
            .unwrap_or(chrono::Duration::MAX);
        let before = Utc::now().checked_sub_signed(retention).unwrap_or_default();
        if let Err(e) = self
            .app
            .prune_audit(before, self.settings.audit_max_entries)
        {
            tracing::error!(error = %e, "audit retention failed");
        }
    }

    async fn apply(&self, e: &Event) -> AppResult<()> {
        let Some(id) = e.id.as_deref() else {
            return Ok(());
        };
        if e.changes
            .iter()
            .any(|c| matches!(c, Change::Refused { .. }))
        {
            return Ok(());
        }
        let deleted = e.changes.contains(&Change::Deleted);
        match e.resource_type.as_str() {
            "User" if deleted => self.user_deleted(&e.tenant, id),
            "User" => self.user_changed(&e.tenant, id).await,
            "Group" if deleted => match self.app.remove_group(&e.tenant, id)? {
                Some(team) => self.reconcile(&e.tenant, team).await,
                None => Ok(()),
            },
            "Group" => self.group_changed(&e.tenant, id).await,
            _ => Ok(()),
        }
    }

    fn user_deleted(&self, tenant: &str, id: &str) -> AppResult<()> {
        let Some(account) = self.app.account_by_scim_id(tenant, id)? else {
            return Ok(());
        };
        match self.settings.delete {
            DeleteMode::Hard => self.app.delete_account(tenant, account.id),
            DeleteMode::Soft => {
                self.app.remove_from_all_teams(tenant, account.id)?;
                let fields = AccountFields {
                    scim_id: None,
                    active: false,
                    external_id: account.external_id,
                    user_name: account.user_name,
                    display_name: account.display_name,
                };
                self.app.save_account(tenant, Some(account.id), &fields)?;
                Ok(())
            }
        }
    }

    async fn user_changed(&self, tenant: &str, id: &str) -> AppResult<()> {
        // Gone already (a DELETE right after): its own event follows.
        let Some(user) = self.store.get(tenant, "User", id, true).await? else {
            return Ok(());
        };
        let fields = account_fields(&user);
        let existing = match self.app.account_by_scim_id(tenant, id)? {
            Some(a) => Some(a),
            None => self.app.returning_account(
                tenant,
                fields.external_id.as_deref(),
                &fields.user_name,
            )?,
        };
        let was_active = existing.as_ref().is_some_and(|a| a.active);
        // Most changes (a title, an email) leave the account as it is: no write then.
        let unchanged = existing.as_ref().is_some_and(|a| {
            a.scim_id == fields.scim_id
                && a.external_id == fields.external_id
                && a.user_name == fields.user_name
                && a.display_name == fields.display_name
                && a.active == fields.active
        });
        let account = match existing {
            Some(a) if unchanged => a.id,
            other => self
                .app
                .save_account(tenant, other.map(|a| a.id), &fields)?,
        };
        if !fields.active {
            self.app.remove_from_all_teams(tenant, account)?;
        } else if !was_active {
            // Created, restored or re-activated: the teams its groups drive apply again.
            let groups = self.app.groups(tenant)?;
            let teams: BTreeSet<i64> = user
                .groups
                .iter()
                .flatten()
                .filter_map(|g| groups.iter().find(|m| m.scim_id == g.id)?.team_id)
                .collect();
            for team in teams {
                self.reconcile(tenant, team).await?;
            }
        }
        Ok(())
    }

    async fn group_changed(&self, tenant: &str, id: &str) -> AppResult<()> {
        let Some(group) = self.store.get(tenant, "Group", id, false).await? else {
            return Ok(());
        };
        let name = group.doc["displayName"].as_str().unwrap_or(id);
        self.app.save_group(tenant, id, name)?;
        let team = self
            .app
            .groups(tenant)?
            .into_iter()
            .find(|g| g.scim_id == id)
            .and_then(|g| g.team_id);
        match team {
            Some(team) => self.reconcile(tenant, team).await,
            None => Ok(()),
        }
    }

    /// Makes a mapped team's members exactly the active accounts in the groups mapped to it.
    /// A team no group is mapped to is the application's alone: left as it is.
    async fn reconcile(&self, tenant: &str, team: i64) -> AppResult<()> {
        let groups: Vec<String> = self
            .app
            .groups(tenant)?
            .into_iter()
            .filter(|g| g.team_id == Some(team))
            .map(|g| g.scim_id)
            .collect();
        if groups.is_empty() {
            return Ok(());
        }
        let mut accounts = BTreeSet::new();
        for g in groups {
            let Some(group) = self.store.get(tenant, "Group", &g, true).await? else {
                continue;
            };
            for m in group.members.iter().flatten() {
                if m.kind != MemberType::User {
                    continue;
                }
                if let Some(a) = self.app.account_by_scim_id(tenant, &m.value)? {
                    if a.active {
                        accounts.insert(a.id);
                    }
                }
            }
        }
        let accounts: Vec<i64> = accounts.into_iter().collect();
        self.app.set_team_members(tenant, team, &accounts)
    }
}

fn account_fields(user: &Stored) -> AccountFields {
    let doc = &user.doc;
    let text = |v: &Value| v.as_str().map(str::to_owned);
    AccountFields {
        scim_id: Some(user.id.clone()),
        external_id: text(&doc["externalId"]),
        user_name: text(&doc["userName"]).unwrap_or_default(),
        display_name: text(&doc["displayName"]).or_else(|| text(&doc["name"]["formatted"])),
        // RFC 7643 §4.1.1: a User without `active` is not deactivated.
        active: doc["active"].as_bool().unwrap_or(true),
    }
}

/// The audit entry of one event: never the token, only its id.
fn audit_entry(e: &Event) -> AuditEntry {
    let refusal = e.changes.iter().find_map(|c| match c {
        Change::Refused { status, .. } => Some(*status),
        _ => None,
    });
    AuditEntry {
        seq: 0,
        at: Utc::now(),
        tenant: e.tenant.clone(),
        token_id: e.principal.id.clone(),
        method: e.method.to_string(),
        resource_type: e.resource_type.clone(),
        resource_id: e.id.clone(),
        outcome: if refusal.is_some() {
            "refused"
        } else {
            "applied"
        }
        .into(),
        status: refusal,
        changes: e.changes.iter().map(change_json).collect(),
    }
}

/// A change as JSON: a `kind` and its details.
fn change_json(c: &Change) -> Value {
    match c {
        Change::Created => json!({"kind": "created"}),
        Change::Replaced { attributes } => json!({"kind": "replaced", "attributes": attributes}),
        Change::Patched { attributes } => json!({"kind": "patched", "attributes": attributes}),
        Change::Deleted => json!({"kind": "deleted"}),
        Change::Deactivated => json!({"kind": "deactivated"}),
        Change::Reactivated => json!({"kind": "reactivated"}),
        Change::MembersChanged { added, removed } => {
            json!({"kind": "members", "added": added, "removed": removed})
        }
        Change::Skipped {
            unknown_members,
            unknown_attributes,
        } => json!({"kind": "skipped", "unknownMembers": unknown_members,
                    "unknownAttributes": unknown_attributes}),
        Change::Refused { status, detail } => {
            json!({"kind": "refused", "status": status, "detail": detail})
        }
        other => json!({"kind": format!("{other:?}")}),
    }
}
