//! The admin JSON API, under `/admin/api`, authenticated by the admin credential as a bearer
//! token. Every tenant route answers 404 for an unknown tenant.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{seconds, Admin, AdminError, AdminResult, Mapping};
use crate::server::app::{AuditQuery, Source};

pub(super) fn routes() -> Router<Admin> {
    Router::new()
        .route("/admin/api/tenants", get(tenants).post(create_tenant))
        .route("/admin/api/tenants/{tenant}", get(tenant))
        .route(
            "/admin/api/tenants/{tenant}/tokens",
            get(tokens).post(issue),
        )
        .route(
            "/admin/api/tenants/{tenant}/tokens/{id}",
            axum::routing::delete(revoke),
        )
        .route("/admin/api/tenants/{tenant}/accounts", get(accounts))
        .route("/admin/api/tenants/{tenant}/groups", get(groups))
        .route(
            "/admin/api/tenants/{tenant}/groups/{group}/team",
            put(map_group),
        )
        .route(
            "/admin/api/tenants/{tenant}/teams",
            get(teams).post(create_team),
        )
        .route(
            "/admin/api/tenants/{tenant}/teams/{team}/members/{account}",
            put(add_member).delete(remove_member),
        )
        .route("/admin/api/tenants/{tenant}/audit", get(audit))
}

/// Proof of the admin credential (`Authorization: Bearer ...`).
pub(super) struct Authorized;

impl FromRequestParts<Admin> for Authorized {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, admin: &Admin) -> AdminResult<Authorized> {
        match scimkit_server::hooks::bearer_token(&parts.headers) {
            Some(t) if admin.credential_ok(t) => Ok(Authorized),
            _ => Err(AdminError::new(
                StatusCode::UNAUTHORIZED,
                "the admin credential is required",
            )),
        }
    }
}

fn tenant_json(admin: &Admin, name: &str) -> AdminResult<Value> {
    Ok(json!({
        "name": name,
        "scimBaseUrl": (admin.inner.scim_base)(name),
        "tokens": admin.inner.tenants.list(name)?,
    }))
}

async fn tenants(_: Authorized, State(admin): State<Admin>) -> AdminResult<Json<Value>> {
    let names = admin.inner.app.tenants()?;
    let list = names
        .iter()
        .map(|n| tenant_json(&admin, n))
        .collect::<AdminResult<Vec<_>>>()?;
    Ok(Json(Value::Array(list)))
}

#[derive(Deserialize)]
struct NewTenant {
    name: String,
}

async fn create_tenant(
    _: Authorized,
    State(admin): State<Admin>,
    Json(body): Json<NewTenant>,
) -> AdminResult<impl IntoResponse> {
    let valid = !body.name.is_empty()
        && body.name.len() <= 128
        && body
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if !valid {
        return Err(AdminError::new(
            StatusCode::BAD_REQUEST,
            "a tenant name is 1 to 128 of A-Z a-z 0-9 - _ .",
        ));
    }
    if !admin.inner.tenants.create(&body.name)? {
        return Err(AdminError::new(StatusCode::CONFLICT, "the tenant exists"));
    }
    let token = admin.issue(&body.name, None, false, None)?;
    let mut out = tenant_json(&admin, &body.name)?;
    out["token"] = json!(token);
    Ok((StatusCode::CREATED, Json(out)))
}

async fn tenant(
    _: Authorized,
    State(admin): State<Admin>,
    Path(tenant): Path<String>,
) -> AdminResult<Json<Value>> {
    admin.tenant(&tenant)?;
    Ok(Json(tenant_json(&admin, &tenant)?))
}

async fn tokens(
    _: Authorized,
    State(admin): State<Admin>,
    Path(tenant): Path<String>,
) -> AdminResult<Json<Value>> {
    admin.tenant(&tenant)?;
    Ok(Json(json!(admin.inner.tenants.list(&tenant)?)))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct IssueRequest {
    /// Retire the tenant's other tokens after the overlap. Default true.
    rotate: Option<bool>,
    overlap_seconds: Option<u64>,
    valid_for_seconds: Option<u64>,
}

async fn issue(
    _: Authorized,
    State(admin): State<Admin>,
    Path(tenant): Path<String>,
    body: Option<Json<IssueRequest>>,
) -> AdminResult<impl IntoResponse> {
    admin.tenant(&tenant)?;
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let issued = admin.issue(
        &tenant,
        seconds(body.valid_for_seconds),
        body.rotate.unwrap_or(true),
        seconds(body.overlap_seconds),
    )?;
    Ok((StatusCode::CREATED, Json(issued)))
}

async fn revoke(
    _: Authorized,
    State(admin): State<Admin>,
    Path((tenant, id)): Path<(String, String)>,
) -> AdminResult<StatusCode> {
    admin.tenant(&tenant)?;
    if admin.inner.tenants.revoke(&tenant, &id)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::new(StatusCode::NOT_FOUND, "no such token"))
    }
}

async fn accounts(
    _: Authorized,
    State(admin): State<Admin>,
    Path(tenant): Path<String>,
) -> AdminResult<Json<Value>> {
    admin.tenant(&tenant)?;
    Ok(Json(json!(admin.inner.app.accounts(&tenant)?)))
}

async fn groups(
    _: Authorized,
    State(admin): State<Admin>,
    Path(tenant): Path<String>,
) -> AdminResult<Json<Value>> {
    admin.tenant(&tenant)?;
    Ok(Json(json!(admin.inner.app.groups(&tenant)?)))
}

/// `{"team": 3}`, `{"team": null}` (unmap) or `{"createTeam": true}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MapRequest {
    #[serde(default)]
    team: Option<i64>,
    #[serde(default)]
    create_team: bool,
}

async fn map_group(
    _: Authorized,
    State(admin): State<Admin>,
    Path((tenant, group)): Path<(String, String)>,
    Json(body): Json<MapRequest>,
) -> AdminResult<Json<Value>> {
    admin.tenant(&tenant)?;
    let mapping = match (body.create_team, body.team) {
        (true, None) => Mapping::NewTeam,
        (false, Some(team)) => Mapping::Team(team),
        (false, None) => Mapping::None,
        (true, Some(_)) => {
            return Err(AdminError::new(
                StatusCode::BAD_REQUEST,
                "give either team or createTeam",
            ))
        }
    };
    admin.map_group(&tenant, &group, mapping).await?;
    let group = admin
        .inner
        .app
        .groups(&tenant)?
        .into_iter()
        .find(|g| g.scim_id == group);
    Ok(Json(json!(group)))
}

async fn teams(
    _: Authorized,
    State(admin): State<Admin>,
    Path(tenant): Path<String>,
) -> AdminResult<Json<Value>> {
    admin.tenant(&tenant)?;
    Ok(Json(json!(admin.inner.app.teams(&tenant)?)))
}

async fn create_team(
    _: Authorized,
    State(admin): State<Admin>,
    Path(tenant): Path<String>,
    Json(body): Json<NewTenant>,
) -> AdminResult<impl IntoResponse> {
    admin.tenant(&tenant)?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AdminError::new(
            StatusCode::BAD_REQUEST,
            "a team name is 1 to 200 characters",
        ));
    }
    let id = admin.inner.app.create_team(&tenant, name)?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "name": name}))))
}

async fn add_member(
    _: Authorized,
    State(admin): State<Admin>,
    Path((tenant, team, account)): Path<(String, i64, i64)>,
) -> AdminResult<StatusCode> {
    admin.tenant(&tenant)?;
    admin
        .inner
        .app
        .add_team_member(&tenant, team, account, Source::Manual)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_member(
    _: Authorized,
    State(admin): State<Admin>,
    Path((tenant, team, account)): Path<(String, i64, i64)>,
) -> AdminResult<StatusCode> {
    admin.tenant(&tenant)?;
    if admin.inner.app.remove_team_member(&tenant, team, account)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::new(StatusCode::NOT_FOUND, "not a member"))
    }
}

/// `?since=&until=` (RFC 3339), `resource=` (an id or a type), `outcome=` (`applied`,
/// `refused` or a status), `limit=` (default 100, at most 1000).
#[derive(Deserialize)]
pub(super) struct AuditParams {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub resource: Option<String>,
    pub outcome: Option<String>,
    pub limit: Option<u32>,
}

impl AuditParams {
    pub(super) fn query(self) -> AuditQuery {
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        AuditQuery {
            since: self.since,
            until: self.until,
            resource: nonempty(self.resource),
            outcome: nonempty(self.outcome),
            limit: self.limit.unwrap_or(100).min(1000),
        }
    }
}

async fn audit(
    _: Authorized,
    State(admin): State<Admin>,
    Path(tenant): Path<String>,
    Query(params): Query<AuditParams>,
) -> AdminResult<Json<Value>> {
    admin.tenant(&tenant)?;
    Ok(Json(json!(admin
        .inner
        .app
        .audit(&tenant, &params.query())?)))
}
