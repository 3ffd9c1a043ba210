//! The application's own data, as opposed to the SCIM resources the scimkit-server store keeps:
//! accounts, teams, which IdP group drives which team, the tenants' tokens and the audit trail.
//!
//! Provisioning events (`provisioning.rs`) and the admin API write it. It sits behind the
//! [`AppData`] trait so that another database can hold it; [`sqlite::SqliteAppData`] keeps it in
//! the server's SQLite file, [`postgres::PostgresAppData`] in a PostgreSQL database that several
//! instances share. Every method is scoped to one tenant, except the two the server uses
//! at start and for retention ([`AppData::all_tokens`], [`AppData::prune_audit`]).

pub mod postgres;
pub mod sqlite;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

pub use scimkit_server::store::StoreError;

/// A result of the application database.
pub type AppResult<T> = Result<T, StoreError>;

/// A person's account in the application. Provisioning never destroys one (unless the server runs
/// with `--delete hard`): deactivation and SCIM DELETE mark it inactive and unlink it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    /// The application's own id, stable across a re-hire.
    pub id: i64,
    /// The SCIM User behind it; `None` once the IdP deleted the User.
    pub scim_id: Option<String>,
    /// The IdP's id for the person (`externalId`).
    pub external_id: Option<String>,
    /// `userName`.
    pub user_name: String,
    /// `displayName`, else `name.formatted`.
    pub display_name: Option<String>,
    /// Whether the account may use the application.
    pub active: bool,
    /// When provisioning last changed it.
    pub updated: DateTime<Utc>,
}

/// What the IdP says about an account: the fields of [`Account`] provisioning sets.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountFields {
    /// See [`Account::scim_id`].
    pub scim_id: Option<String>,
    /// See [`Account::external_id`].
    pub external_id: Option<String>,
    /// See [`Account::user_name`].
    pub user_name: String,
    /// See [`Account::display_name`].
    pub display_name: Option<String>,
    /// See [`Account::active`].
    pub active: bool,
}

/// How an account came to be in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Membership of an IdP group mapped to the team.
    Idp,
    /// An admin added it.
    Manual,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamMember {
    /// The account.
    pub account_id: i64,
    /// Its `userName`.
    pub user_name: String,
    /// How it got there.
    pub source: Source,
}

/// A team of the application, with its members and the IdP groups that drive it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Team {
    /// The team's id.
    pub id: i64,
    /// Its name, unique in the tenant (case-insensitively).
    pub name: String,
    /// Its members, by `userName`.
    pub members: Vec<TeamMember>,
    /// The SCIM ids of the groups mapped to it; empty for a team the application manages alone.
    pub groups: Vec<String>,
}

/// An IdP group as provisioning last described it, and the team it is mapped to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The SCIM Group's id.
    pub scim_id: String,
    /// Its `displayName`.
    pub display_name: String,
    /// The team it drives; `None`: unmapped, it grants nothing.
    pub team_id: Option<i64>,
}

/// A stored SCIM token: never the token itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenInfo {
    /// The tenant.
    pub tenant: String,
    /// The token's id, recorded in the audit trail.
    pub id: String,
    /// SHA-256 of the token.
    #[serde(skip)]
    pub hash: String,
    /// When it was issued.
    pub created: DateTime<Utc>,
    /// When it stops being accepted, if ever.
    pub expires: Option<DateTime<Utc>>,
}

/// One audited SCIM request: one that changed something, or one that was refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Position in the trail, increasing.
    pub seq: i64,
    /// When the request was served.
    pub at: DateTime<Utc>,
    /// The tenant.
    pub tenant: String,
    /// The id of the token that made the request (never the token).
    pub token_id: String,
    /// The HTTP method.
    pub method: String,
    /// The resource type (`User`), or empty when the request named none.
    pub resource_type: String,
    /// The resource's id, when there is one.
    pub resource_id: Option<String>,
    /// `applied` or `refused`.
    pub outcome: String,
    /// The HTTP status of a refusal.
    pub status: Option<u16>,
    /// What changed: attribute names, member deltas, deactivation, or the refusal's detail.
    pub changes: Value,
}

/// Which audit entries to read; every field narrows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
    /// A resource id, or a resource type (`User`, `Group`).
    pub resource: Option<String>,
    /// `applied`, `refused`, or an HTTP status.
    pub outcome: Option<String>,
    /// At most this many, newest first.
    pub limit: u32,
}

/// The application's data. Implementations must be safe to call from several threads.
pub trait AppData: Send + Sync + std::fmt::Debug + 'static {
    /// Creates a tenant; whether it is new.
    fn create_tenant(&self, tenant: &str) -> AppResult<bool>;
    /// The tenants, by name.
    fn tenants(&self) -> AppResult<Vec<String>>;

    /// Stores a token's hash.
    fn insert_token(&self, token: &TokenInfo) -> AppResult<()>;
    /// Makes token `id` expire at `at`, unless it expires earlier already; whether it exists.
    fn expire_token(&self, tenant: &str, id: &str, at: DateTime<Utc>) -> AppResult<bool>;
    /// Every tenant's tokens, with their hashes: what the server accepts at start.
    fn all_tokens(&self) -> AppResult<Vec<TokenInfo>>;

    /// The account linked to SCIM User `scim_id`.
    fn account_by_scim_id(&self, tenant: &str, scim_id: &str) -> AppResult<Option<Account>>;
    /// The unlinked account the IdP is creating again: the same `externalId`, or the same
    /// `userName` (case-insensitively) when there is no `externalId`.
    fn returning_account(
        &self,
        tenant: &str,
        external_id: Option<&str>,
        user_name: &str,
    ) -> AppResult<Option<Account>>;
    /// Writes account `id` (a new one when `None`) and returns its id.
    fn save_account(&self, tenant: &str, id: Option<i64>, fields: &AccountFields)
        -> AppResult<i64>;
    /// Deletes an account and its team memberships.
    fn delete_account(&self, tenant: &str, id: i64) -> AppResult<()>;
    /// The tenant's accounts.
    fn accounts(&self, tenant: &str) -> AppResult<Vec<Account>>;

    /// Records a group's name (a new group is unmapped).
    fn save_group(&self, tenant: &str, scim_id: &str, display_name: &str) -> AppResult<()>;
    /// Forgets a deleted group; the team it was mapped to.
    fn remove_group(&self, tenant: &str, scim_id: &str) -> AppResult<Option<i64>>;
    /// The tenant's groups, by name.
    fn groups(&self, tenant: &str) -> AppResult<Vec<Group>>;
    /// Maps a group to a team, or unmaps it (`None`); the team it was mapped to before. Fails
    /// with [`StoreError::NotFound`] when the group or team does not exist.
    fn map_group(&self, tenant: &str, scim_id: &str, team: Option<i64>) -> AppResult<Option<i64>>;

    /// Creates a team; fails with [`StoreError::Uniqueness`] when the name is taken.
    fn create_team(&self, tenant: &str, name: &str) -> AppResult<i64>;
    /// The tenant's teams, by name.
    fn teams(&self, tenant: &str) -> AppResult<Vec<Team>>;
    /// Adds an account to a team (an existing membership keeps its source); fails with
    /// [`StoreError::NotFound`] when either does not exist.
    fn add_team_member(
        &self,
        tenant: &str,
        team: i64,
        account: i64,
        source: Source,
    ) -> AppResult<()>;
    /// Removes an account from a team; whether it was a member.
    fn remove_team_member(&self, tenant: &str, team: i64, account: i64) -> AppResult<bool>;
    /// Makes `accounts` the team's members, all from the IdP: the reconciliation of a mapped
    /// team, which overwrites manual additions.
    fn set_team_members(&self, tenant: &str, team: i64, accounts: &[i64]) -> AppResult<()>;
    /// Removes an account from every team.
    fn remove_from_all_teams(&self, tenant: &str, account: i64) -> AppResult<()>;

    /// Appends entries (their `seq` is assigned).
    fn append_audit(&self, entries: &[AuditEntry]) -> AppResult<()>;
    /// Deletes entries older than `before`, and all but the newest `keep` of each tenant.
    fn prune_audit(&self, before: DateTime<Utc>, keep: u64) -> AppResult<()>;
    /// A tenant's entries matching `query`, newest first.
    fn audit(&self, tenant: &str, query: &AuditQuery) -> AppResult<Vec<AuditEntry>>;
}
