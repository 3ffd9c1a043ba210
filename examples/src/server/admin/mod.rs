//! The admin surface of the example application: a JSON API (`/admin/api/...`, for scripts) and
//! a server-rendered web page (`/admin`, for people), both behind the admin credential, which is
//! never a SCIM token. The API takes it as a bearer token; the page exchanges it once for a
//! session cookie and protects every form with a per-session CSRF token.

mod api;
mod page;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scimkit_server::hooks::{new_token, token_hash, token_matches};

use super::app::{AppData, StoreError};
use super::provisioning::Provisioning;
use super::tenants::{Issued, Tenants};

/// How long a page session lasts.
const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

/// What the admin surface works on. Cheap to clone.
#[derive(Clone)]
pub struct Admin {
    inner: Arc<Inner>,
}

struct Inner {
    app: Arc<dyn AppData>,
    tenants: Tenants,
    provisioning: Provisioning,
    credential_hash: String,
    scim_base: Box<dyn Fn(&str) -> String + Send + Sync>,
    default_overlap: Duration,
    /// Page sessions: session id -> (CSRF token, expiry).
    sessions: Mutex<HashMap<String, (String, Instant)>>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin").finish_non_exhaustive()
    }
}

/// Where a group's members go.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapping {
    /// Nowhere: the group grants nothing.
    None,
    /// An existing team.
    Team(i64),
    /// A new team named after the group.
    NewTeam,
}

/// An admin failure, answered as `{"error": ...}` or an HTML page with the status.
#[derive(Debug)]
pub struct AdminError(StatusCode, String);

impl AdminError {
    fn new(status: StatusCode, message: impl Into<String>) -> AdminError {
        AdminError(status, message.into())
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> AdminError {
        match e {
            StoreError::NotFound => AdminError::new(StatusCode::NOT_FOUND, "not found"),
            StoreError::Uniqueness { attribute, .. } => {
                AdminError::new(StatusCode::CONFLICT, format!("this {attribute} is taken"))
            }
            other => {
                tracing::error!(error = %other, "admin request failed");
                AdminError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(serde_json::json!({"error": self.1}))).into_response()
    }
}

type AdminResult<T> = Result<T, AdminError>;

impl Admin {
    /// The admin surface over the application's data, accepting `credential`.
    pub fn new(
        app: Arc<dyn AppData>,
        tenants: Tenants,
        provisioning: Provisioning,
        credential: &str,
        scim_base: impl Fn(&str) -> String + Send + Sync + 'static,
        default_overlap: Duration,
    ) -> Admin {
        Admin {
            inner: Arc::new(Inner {
                app,
                tenants,
                provisioning,
                credential_hash: token_hash(credential),
                scim_base: Box::new(scim_base),
                default_overlap,
                sessions: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The `/admin` routes: the page and the API.
    pub fn router(&self) -> axum::Router {
        api::routes().merge(page::routes()).with_state(self.clone())
    }

    fn credential_ok(&self, presented: &str) -> bool {
        token_matches(presented, &self.inner.credential_hash)
    }

    /// 404 unless `tenant` exists.
    fn tenant(&self, tenant: &str) -> AdminResult<()> {
        if self.inner.tenants.exists(tenant)? {
            Ok(())
        } else {
            Err(AdminError::new(StatusCode::NOT_FOUND, "no such tenant"))
        }
    }

    /// Maps group `group` to a team (creating the matching one for [`Mapping::NewTeam`]) and
    /// reconciles the team now rather than at the group's next membership change.
    async fn map_group(&self, tenant: &str, group: &str, mapping: Mapping) -> AdminResult<()> {
        let app = &self.inner.app;
        let team = match mapping {
            Mapping::None => None,
            Mapping::Team(id) => Some(id),
            Mapping::NewTeam => {
                let name = app
                    .groups(tenant)?
                    .into_iter()
                    .find(|g| g.scim_id == group)
                    .ok_or_else(|| AdminError::new(StatusCode::NOT_FOUND, "no such group"))?
                    .display_name;
                Some(app.create_team(tenant, &name)?)
            }
        };
        app.map_group(tenant, group, team)?;
        if let Some(team) = team {
            self.inner.provisioning.reconcile(tenant, team).await?;
        }
        Ok(())
    }

    /// Issues a new SCIM token; with `rotate`, the others stop after `overlap` (the default
    /// overlap when `None`).
    fn issue(
        &self,
        tenant: &str,
        valid_for: Option<Duration>,
        rotate: bool,
        overlap: Option<Duration>,
    ) -> AdminResult<Issued> {
        let retire = rotate.then(|| overlap.unwrap_or(self.inner.default_overlap));
        Ok(self.inner.tenants.issue(tenant, valid_for, retire)?)
    }

    fn new_session(&self) -> (String, String) {
        let (id, csrf) = (new_token(), new_token());
        let mut sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        sessions.retain(|_, (_, expires)| *expires > now);
        sessions.insert(id.clone(), (csrf.clone(), now + SESSION_TTL));
        (id, csrf)
    }

    /// The CSRF token of a live session.
    fn session(&self, id: &str) -> Option<String> {
        let sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        sessions
            .get(id)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(csrf, _)| csrf.clone())
    }

    fn end_session(&self, id: &str) {
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

/// Seconds as a duration, for form and JSON fields.
fn seconds(s: Option<u64>) -> Option<Duration> {
    s.map(Duration::from_secs)
}
