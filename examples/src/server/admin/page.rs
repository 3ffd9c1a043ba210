//! The admin web page under `/admin`: server-rendered HTML with inline styles and no script or
//! external asset, so it works without network. Every value is HTML-escaped; every form that
//! changes something carries the session's CSRF token; the session cookie is `HttpOnly` and
//! `SameSite=Strict`, and the Content-Security-Policy forbids scripts and framing.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use super::api::AuditParams;
use super::{seconds, Admin, AdminError, Mapping};
use crate::server::app::{Account, AuditEntry, Source};

const COOKIE: &str = "scimkit_admin";

pub(super) fn routes() -> Router<Admin> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/login", get(login_form).post(login))
        .route("/admin/logout", post(logout))
        .route("/admin/t/{tenant}", get(overview))
        .route("/admin/t/{tenant}/tokens", post(rotate))
        .route("/admin/t/{tenant}/tokens/{id}/revoke", post(revoke))
        .route("/admin/t/{tenant}/teams", get(teams).post(create_team))
        .route("/admin/t/{tenant}/groups/{group}", post(map_group))
        .route("/admin/t/{tenant}/teams/{team}/members", post(add_member))
        .route(
            "/admin/t/{tenant}/teams/{team}/members/{account}/remove",
            post(remove_member),
        )
        .route("/admin/t/{tenant}/accounts", get(accounts))
        .route("/admin/t/{tenant}/activity", get(activity))
}

/// HTML-escapes text for element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path segment for a URL inside an attribute: tenants, group ids and token ids are
/// restricted to URL-safe characters, and anything else is percent-encoded.
fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:18px;align-items:center}
header a{color:#cfe0ff;text-decoration:none}header b{margin-right:12px}
main{padding:20px 24px;max-width:1100px}h1{font-size:22px;margin:4px 0 16px}h2{font-size:17px;margin:24px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:8px}
th,td{border-bottom:1px solid #e3e6eb;padding:6px 10px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}code{background:#eef1f5;padding:1px 5px;border-radius:3px}
.badge{font-size:12px;padding:1px 7px;border-radius:9px;background:#e3e6eb}
.idp{background:#dcecff}.manual{background:#fff1cc}.refused{background:#ffd9d9}.applied{background:#daf5df}
.inactive{color:#8a8f99}.secret{font:16px monospace;background:#fffbe6;border:2px solid #e6b800;padding:10px;word-break:break-all}
form.inline{display:inline}input,select,button{font:inherit;padding:3px 7px}
.note{color:#5b6270;font-size:13px}.error{color:#a40000}";

fn page(title: &str, tenant: Option<&str>, csrf: Option<&str>, body: &str) -> Response {
    let nav = match tenant {
        Some(t) => {
            let t = seg(t);
            format!(
                "<a href=\"/admin/t/{t}\">Overview</a><a href=\"/admin/t/{t}/teams\">Teams</a>\
                 <a href=\"/admin/t/{t}/accounts\">Accounts</a><a href=\"/admin/t/{t}/activity\">Activity</a>"
            )
        }
        None => String::new(),
    };
    let logout = csrf
        .map(|c| {
            format!(
                "<form class=\"inline\" method=\"post\" action=\"/admin/logout\" style=\"margin-left:auto\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button>Log out</button></form>",
                esc(c)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{} · scimkit admin</title>\
         <style>{STYLE}</style></head><body><header><b><a href=\"/admin\">scimkit admin</a></b>{nav}{logout}</header>\
         <main>{body}</main></body></html>",
        esc(title)
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

fn error_page(e: AdminError) -> Response {
    let mut r = page(
        "Error",
        None,
        None,
        &format!("<h1>Error</h1><p class=\"error\">{}</p>", esc(&e.1)),
    );
    *r.status_mut() = e.0;
    r
}

/// A failure of a page handler, answered as an HTML error page.
struct PageError(AdminError);

impl<E: Into<AdminError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0)
    }
}

type PageResult = Result<Response, PageError>;

/// A logged-in page session; pages without one redirect to the login form.
struct Session {
    csrf: String,
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .map(str::to_owned)
}

impl FromRequestParts<Admin> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, admin: &Admin) -> Result<Session, Response> {
        cookie(&parts.headers)
            .and_then(|id| admin.session(&id))
            .map(|csrf| Session { csrf })
            .ok_or_else(|| Redirect::to("/admin/login").into_response())
    }
}

impl Session {
    /// Refuses a form whose CSRF token is not this session's.
    fn check(&self, presented: &str) -> Result<(), PageError> {
        if bool::from(presented.as_bytes().ct_eq(self.csrf.as_bytes())) {
            Ok(())
        } else {
            Err(PageError(AdminError::new(
                StatusCode::FORBIDDEN,
                "the form is stale or forged (CSRF check failed); reload the page",
            )))
        }
    }

    fn field(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            esc(&self.csrf)
        )
    }
}

async fn login_form() -> Response {
    page(
        "Log in",
        None,
        None,
        "<h1>Log in</h1><form method=\"post\" action=\"/admin/login\">\
         <p><label>Admin credential <input id=\"credential\" name=\"credential\" type=\"password\" \
         autocomplete=\"off\" size=\"50\" autofocus></label></p><p><button id=\"login\">Log in</button></p>\
         <p class=\"note\">The admin credential the server printed at start (or <code>--admin-token</code>). \
         It is not a SCIM token.</p></form>",
    )
}

#[derive(Deserialize)]
struct LoginForm {
    credential: String,
}

async fn login(State(admin): State<Admin>, Form(f): Form<LoginForm>) -> Response {
    if !admin.credential_ok(f.credential.trim()) {
        return error_page(AdminError::new(
            StatusCode::UNAUTHORIZED,
            "wrong admin credential",
        ));
    }
    let (id, _) = admin.new_session();
    let mut r = Redirect::to("/admin").into_response();
    if let Ok(v) = format!("{COOKIE}={id}; Path=/admin; HttpOnly; SameSite=Strict").parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(admin): State<Admin>,
    session: Session,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    session.check(&f.csrf)?;
    if let Some(id) = cookie(&headers) {
        admin.end_session(&id);
    }
    Ok(Redirect::to("/admin/login").into_response())
}

async fn home(State(admin): State<Admin>, session: Session) -> PageResult {
    let tenants = admin.inner.app.tenants()?;
    let rows: String = tenants
        .iter()
        .map(|t| {
            format!(
                "<tr><td><a href=\"/admin/t/{}\">{}</a></td><td><code>{}</code></td></tr>",
                seg(t),
                esc(t),
                esc(&(admin.inner.scim_base)(t))
            )
        })
        .collect();
    Ok(page(
        "Tenants",
        None,
        Some(&session.csrf),
        &format!(
            "<h1>Tenants</h1><table><tr><th>Tenant</th><th>SCIM base URL</th></tr>{rows}</table>"
        ),
    ))
}

async fn overview(
    State(admin): State<Admin>,
    session: Session,
    Path(tenant): Path<String>,
) -> PageResult {
    admin.tenant(&tenant)?;
    overview_page(&admin, &session, &tenant, None)
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "never".into())
}

fn overview_page(
    admin: &Admin,
    session: &Session,
    tenant: &str,
    issued: Option<&super::Issued>,
) -> PageResult {
    let tokens = admin.inner.tenants.list(tenant)?;
    let t = seg(tenant);
    let rows: String = tokens
        .iter()
        .map(|k| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>\
                 <form class=\"inline\" method=\"post\" action=\"/admin/t/{t}/tokens/{}/revoke\">{}\
                 <button>Revoke now</button></form></td></tr>",
                esc(&k.id),
                when(Some(k.created)),
                when(k.expires),
                seg(&k.id),
                session.field()
            )
        })
        .collect();
    let fresh = issued
        .map(|i| {
            format!(
                "<h2>New token</h2><p>Copy it now: it is shown <b>only once</b> and stored only as a hash.</p>\
                 <p class=\"secret\" id=\"new-token\">{}</p><p class=\"note\">Token id <code>{}</code>, expires {}.</p>",
                esc(&i.token),
                esc(&i.id),
                when(i.expires)
            )
        })
        .unwrap_or_default();
    let overlap = admin.inner.default_overlap.as_secs();
    let body = format!(
        "<h1>Tenant {name}</h1>{fresh}<h2>SCIM endpoint</h2>\
         <p>Base URL for your IdP: <code id=\"scim-base\">{base}</code></p>\
         <h2>Tokens</h2><table id=\"tokens\"><tr><th>Id</th><th>Issued</th><th>Expires</th><th></th></tr>{rows}</table>\
         <form method=\"post\" action=\"/admin/t/{t}/tokens\">{csrf}\
         <p><label>Old tokens keep working for <input id=\"overlap\" name=\"overlap_seconds\" type=\"number\" min=\"0\" value=\"{overlap}\"> seconds</label> \
         <label>· the new token expires after <input name=\"valid_for_days\" type=\"number\" min=\"1\" placeholder=\"never\"> days</label> \
         <button id=\"rotate\">Issue new token</button></p></form>",
        name = esc(tenant),
        base = esc(&(admin.inner.scim_base)(tenant)),
        csrf = session.field(),
    );
    Ok(page(tenant, Some(tenant), Some(&session.csrf), &body))
}

#[derive(Deserialize)]
struct RotateForm {
    csrf: String,
    overlap_seconds: Option<String>,
    valid_for_days: Option<String>,
}

/// A number field: empty is absent.
fn number(s: Option<&str>) -> Result<Option<u64>, PageError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            PageError(AdminError::new(
                StatusCode::BAD_REQUEST,
                "not a whole number",
            ))
        }),
    }
}

async fn rotate(
    State(admin): State<Admin>,
    session: Session,
    Path(tenant): Path<String>,
    Form(f): Form<RotateForm>,
) -> PageResult {
    session.check(&f.csrf)?;
    admin.tenant(&tenant)?;
    let overlap = number(f.overlap_seconds.as_deref())?;
    let days = number(f.valid_for_days.as_deref())?;
    let issued = admin.issue(
        &tenant,
        seconds(days.map(|d| d.saturating_mul(86_400))),
        true,
        seconds(overlap),
    )?;
    // Shown in this response only, never behind a redirect that could be reloaded.
    overview_page(&admin, &session, &tenant, Some(&issued))
}

async fn revoke(
    State(admin): State<Admin>,
    session: Session,
    Path((tenant, id)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    session.check(&f.csrf)?;
    admin.tenant(&tenant)?;
    admin.inner.tenants.revoke(&tenant, &id)?;
    Ok(Redirect::to(&format!("/admin/t/{}", seg(&tenant))).into_response())
}

async fn teams(
    State(admin): State<Admin>,
    session: Session,
    Path(tenant): Path<String>,
) -> PageResult {
    admin.tenant(&tenant)?;
    let app = &admin.inner.app;
    let groups = app.groups(&tenant)?;
    let teams = app.teams(&tenant)?;
    let accounts = app.accounts(&tenant)?;
    let t = seg(&tenant);
    let csrf = session.field();
    let mapping_rows: String = groups
        .iter()
        .map(|g| {
            let options: String = teams
                .iter()
                .map(|team| {
                    format!(
                        "<option value=\"{}\"{}>{}</option>",
                        team.id,
                        if g.team_id == Some(team.id) { " selected" } else { "" },
                        esc(&team.name)
                    )
                })
                .collect();
            format!(
                "<tr><td>{name}</td><td><form class=\"inline\" method=\"post\" action=\"/admin/t/{t}/groups/{gid}\">{csrf}\
                 <select name=\"team\" data-group=\"{name}\"><option value=\"\">(not mapped: grants nothing)</option>{options}\
                 <option value=\"new\">+ create matching team “{name}”</option></select> <button>Save</button></form></td></tr>",
                name = esc(&g.display_name),
                gid = seg(&g.scim_id),
            )
        })
        .collect();
    let active: Vec<&Account> = accounts.iter().filter(|a| a.active).collect();
    let team_blocks: String = teams
        .iter()
        .map(|team| {
            let driven: Vec<String> = groups
                .iter()
                .filter(|g| g.team_id == Some(team.id))
                .map(|g| esc(&g.display_name))
                .collect();
            let how = if driven.is_empty() {
                "Managed here: no IdP group drives it.".to_owned()
            } else {
                format!(
                    "Follows IdP group(s) {}: manual additions are replaced at the next sync.",
                    driven.join(", ")
                )
            };
            let members: String = team
                .members
                .iter()
                .map(|m| {
                    let (class, label) = match m.source {
                        Source::Idp => ("idp", "from IdP"),
                        Source::Manual => ("manual", "manual"),
                    };
                    format!(
                        "<li>{} <span class=\"badge {class}\">{label}</span> \
                         <form class=\"inline\" method=\"post\" action=\"/admin/t/{t}/teams/{}/members/{}/remove\">{csrf}\
                         <button>Remove</button></form></li>",
                        esc(&m.user_name),
                        team.id,
                        m.account_id
                    )
                })
                .collect();
            let options: String = active
                .iter()
                .map(|a| format!("<option value=\"{}\">{}</option>", a.id, esc(&a.user_name)))
                .collect();
            format!(
                "<section class=\"team\" data-team=\"{name}\"><h2>{name}</h2><p class=\"note\">{how}</p>\
                 <ul class=\"members\">{members}</ul>\
                 <form method=\"post\" action=\"/admin/t/{t}/teams/{id}/members\">{csrf}\
                 <select name=\"account\">{options}</select> <button>Add member</button></form></section>",
                name = esc(&team.name),
                id = team.id,
            )
        })
        .collect();
    let body = format!(
        "<h1>Teams</h1><h2>IdP groups → teams</h2>\
         <p class=\"note\">A mapped team's members follow the IdP: everyone in the groups mapped to it, \
         re-synced at each membership change. Unmapped groups grant nothing.</p>\
         <table id=\"mappings\"><tr><th>IdP group</th><th>Team</th></tr>{mapping_rows}</table>\
         {team_blocks}<h2>New team</h2><form method=\"post\" action=\"/admin/t/{t}/teams\">{csrf}\
         <input name=\"name\" placeholder=\"Team name\" maxlength=\"200\"> <button>Create team</button></form>"
    );
    Ok(page("Teams", Some(&tenant), Some(&session.csrf), &body))
}

#[derive(Deserialize)]
struct MapForm {
    csrf: String,
    team: String,
}

async fn map_group(
    State(admin): State<Admin>,
    session: Session,
    Path((tenant, group)): Path<(String, String)>,
    Form(f): Form<MapForm>,
) -> PageResult {
    session.check(&f.csrf)?;
    admin.tenant(&tenant)?;
    let mapping = match f.team.as_str() {
        "" => Mapping::None,
        "new" => Mapping::NewTeam,
        id => Mapping::Team(
            id.parse()
                .map_err(|_| PageError(AdminError::new(StatusCode::BAD_REQUEST, "no such team")))?,
        ),
    };
    admin.map_group(&tenant, &group, mapping).await?;
    Ok(Redirect::to(&format!("/admin/t/{}/teams", seg(&tenant))).into_response())
}

#[derive(Deserialize)]
struct TeamForm {
    csrf: String,
    name: String,
}

async fn create_team(
    State(admin): State<Admin>,
    session: Session,
    Path(tenant): Path<String>,
    Form(f): Form<TeamForm>,
) -> PageResult {
    session.check(&f.csrf)?;
    admin.tenant(&tenant)?;
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(PageError(AdminError::new(
            StatusCode::BAD_REQUEST,
            "a team name is 1 to 200 characters",
        )));
    }
    admin.inner.app.create_team(&tenant, name)?;
    Ok(Redirect::to(&format!("/admin/t/{}/teams", seg(&tenant))).into_response())
}

#[derive(Deserialize)]
struct MemberForm {
    csrf: String,
    account: i64,
}

async fn add_member(
    State(admin): State<Admin>,
    session: Session,
    Path((tenant, team)): Path<(String, i64)>,
    Form(f): Form<MemberForm>,
) -> PageResult {
    session.check(&f.csrf)?;
    admin.tenant(&tenant)?;
    admin
        .inner
        .app
        .add_team_member(&tenant, team, f.account, Source::Manual)?;
    Ok(Redirect::to(&format!("/admin/t/{}/teams", seg(&tenant))).into_response())
}

async fn remove_member(
    State(admin): State<Admin>,
    session: Session,
    Path((tenant, team, account)): Path<(String, i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    session.check(&f.csrf)?;
    admin.tenant(&tenant)?;
    admin.inner.app.remove_team_member(&tenant, team, account)?;
    Ok(Redirect::to(&format!("/admin/t/{}/teams", seg(&tenant))).into_response())
}

async fn accounts(
    State(admin): State<Admin>,
    session: Session,
    Path(tenant): Path<String>,
) -> PageResult {
    admin.tenant(&tenant)?;
    let accounts = admin.inner.app.accounts(&tenant)?;
    let rows: String = accounts
        .iter()
        .map(|a| {
            let state = match (a.active, &a.scim_id) {
                (true, _) => "active",
                (false, Some(_)) => "deactivated by the IdP",
                (false, None) => "deleted by the IdP (kept)",
            };
            format!(
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{state}</td><td>{}</td></tr>",
                if a.active { "" } else { "inactive" },
                a.id,
                esc(&a.user_name),
                esc(a.display_name.as_deref().unwrap_or("")),
                esc(a.external_id.as_deref().unwrap_or("")),
                when(Some(a.updated))
            )
        })
        .collect();
    let body = format!(
        "<h1>Accounts</h1><p class=\"note\">Provisioning never destroys an account: deactivation and \
         deletion in the IdP remove its access, and the IdP creating the person again restores it.</p>\
         <table id=\"accounts\"><tr><th>#</th><th>userName</th><th>Name</th><th>externalId</th><th>State</th><th>Updated</th></tr>{rows}</table>"
    );
    Ok(page("Accounts", Some(&tenant), Some(&session.csrf), &body))
}

/// An entry's changes in words; member ids are shown as the accounts' userNames where known.
fn describe(e: &AuditEntry, names: &HashMap<String, String>) -> String {
    let parts: Vec<String> = e
        .changes
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let list = |k: &str| {
                c[k].as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str())
                            .map(|id| names.get(id).map_or(id, String::as_str))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default()
            };
            match c["kind"].as_str().unwrap_or("") {
                "members" => {
                    let (added, removed) = (list("added"), list("removed"));
                    let mut s = Vec::new();
                    if !added.is_empty() {
                        s.push(format!("members added: {added}"));
                    }
                    if !removed.is_empty() {
                        s.push(format!("members removed: {removed}"));
                    }
                    s.join("; ")
                }
                // A membership-only PATCH names no attribute: its member delta says it all.
                "patched" | "replaced" if list("attributes").is_empty() => String::new(),
                "patched" | "replaced" => {
                    format!(
                        "{} {}",
                        c["kind"].as_str().unwrap_or(""),
                        list("attributes")
                    )
                }
                "refused" => format!("refused: {}", c["detail"].as_str().unwrap_or("")),
                "skipped" => format!(
                    "skipped unknown {} {}",
                    list("unknownMembers"),
                    list("unknownAttributes")
                ),
                other => other.to_owned(),
            }
        })
        .filter(|p| !p.is_empty())
        .collect();
    esc(&parts.join(" · "))
}

async fn activity(
    State(admin): State<Admin>,
    session: Session,
    Path(tenant): Path<String>,
    Query(params): Query<AuditParams>,
) -> PageResult {
    admin.tenant(&tenant)?;
    let query = params.query();
    let (resource, outcome) = (
        query.resource.clone().unwrap_or_default(),
        query.outcome.clone().unwrap_or_default(),
    );
    let entries = admin.inner.app.audit(&tenant, &query)?;
    let names: HashMap<String, String> = admin
        .inner
        .app
        .accounts(&tenant)?
        .into_iter()
        .filter_map(|a| Some((a.scim_id?, a.user_name)))
        .collect();
    let rows: String = entries
        .iter()
        .map(|e| {
            let outcome = match e.status {
                Some(s) => format!("<span class=\"badge refused\">refused {s}</span>"),
                None => "<span class=\"badge applied\">applied</span>".into(),
            };
            format!(
                "<tr><td>{}</td><td><code>{}</code></td><td>{} {}</td><td><code>{}</code></td><td>{outcome}</td><td>{}</td></tr>",
                when(Some(e.at)),
                esc(&e.token_id),
                esc(&e.method),
                esc(&e.resource_type),
                esc(e.resource_id.as_deref().unwrap_or("")),
                describe(e, &names)
            )
        })
        .collect();
    let t = seg(&tenant);
    let body = format!(
        "<h1>Activity</h1><form method=\"get\" action=\"/admin/t/{t}/activity\">\
         <input name=\"resource\" placeholder=\"resource id or type\" value=\"{}\"> \
         <input name=\"outcome\" placeholder=\"applied, refused or status\" value=\"{}\"> <button>Filter</button></form>\
         <p class=\"note\">Every SCIM request that changed something or was refused, newest first. \
         Tokens appear by id, never in full.</p>\
         <table id=\"activity\"><tr><th>Time</th><th>Token</th><th>Request</th><th>Resource</th><th>Outcome</th><th>Changes</th></tr>{rows}</table>",
        esc(&resource),
        esc(&outcome)
    );
    Ok(page("Activity", Some(&tenant), Some(&session.csrf), &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_attribute_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(seg("acme"), "acme");
        assert_eq!(seg("a/b\"c"), "a%2Fb%22c");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "other=1; scimkit_admin=abc; x=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h).as_deref(), Some("abc"));
        h.insert(header::COOKIE, "scimkit_adminx=abc".parse().unwrap());
        assert_eq!(cookie(&h), None);
    }
}
