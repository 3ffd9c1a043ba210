//! `scim-mcp`: an MCP server that lets an AI agent manage a SCIM 2.0 service provider's users,
//! groups and agent identities without ever seeing its credentials.
//!
//! Two transports:
//! - **stdio** (default): the base URL and bearer token come from the environment,
//!   `SCIM_API_BASE_URL` and `SCIM_API_TOKEN` (`SCIM_BASE_URL` and `SCIM_TOKEN` are read too).
//! - **streamable HTTP** (`--http 127.0.0.1:8080`, endpoint `/mcp`): each request's SCIM base URL
//!   and token come from its headers `x-scim-base-url` and `x-scim-api-token`, so every MCP
//!   session (and every stateless request) acts with its own credentials and never with another's.
//!   A request without `x-scim-base-url` falls back to the environment; a header URL is never
//!   combined with the environment's token. The headers are taken off the request before the
//!   MCP layer sees it, so nothing logs them.
//!
//! No tool result, error or log line contains a token. Tool results are the SCIM JSON (projected
//! when the agent passes `attributes`) or the SCIM Error message, so the agent can act on
//! `scimType`. Destructive tools (deletes, replacing a group's members, bulk jobs with deletes)
//! require `confirm: true`.
//!
//! ```json
//! {"mcpServers": {"scim": {"command": "scim-mcp",
//!   "env": {"SCIM_API_BASE_URL": "https://example.com/scim/v2", "SCIM_API_TOKEN": "..."}}}}
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Parser;
use examples::client::{
    Capabilities, QueryArgs, Scim, ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA,
};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{tool, tool_handler, tool_router, ErrorData, RoleServer, ServerHandler, ServiceExt};
use schemars::JsonSchema;
use scimkit::patch::{PatchOperation, PatchRequest};
use scimkit::protocol::{BulkChunker, BulkOperation, ETag, Query, RetryPolicy, ScimError};
use scimkit::schema::agents::{AGENTIC_APPLICATION_SCHEMA, AGENT_SCHEMA};
use scimkit::schema::project::{project, Projection};
use scimkit::schema::ResourceSchema;
use serde::Deserialize;
use serde_json::{json, Map, Value};

const USERS: &str = "Users";
const GROUPS: &str = "Groups";
const AGENTS: &str = "Agents";
const APPLICATIONS: &str = "AgenticApplications";

/// A value of a multi-valued attribute such as `emails` or `phoneNumbers`.
#[derive(Debug, Deserialize, JsonSchema)]
struct MultiValue {
    /// The value, e.g. an email address or a phone number.
    value: String,
    /// A label such as "work", "home" or "mobile".
    #[serde(rename = "type", default)]
    kind: Option<String>,
    /// Whether this is the preferred value (at most one may be primary).
    #[serde(default)]
    primary: Option<bool>,
}

/// Attributes of a new user. Only `userName` is required.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct CreateUserParams {
    /// Unique login identifier, e.g. "bjensen@example.com". Required.
    user_name: String,
    /// First name (name.givenName).
    #[serde(default)]
    given_name: Option<String>,
    /// Last name (name.familyName).
    #[serde(default)]
    family_name: Option<String>,
    /// Middle name (name.middleName).
    #[serde(default)]
    middle_name: Option<String>,
    /// Name to display, e.g. "Barbara Jensen".
    #[serde(default)]
    display_name: Option<String>,
    /// Casual name, e.g. "Babs".
    #[serde(default)]
    nick_name: Option<String>,
    /// Job title, e.g. "Tour Guide".
    #[serde(default)]
    title: Option<String>,
    /// Relationship to the organization, e.g. "Employee" or "Contractor".
    #[serde(default)]
    user_type: Option<String>,
    /// Preferred language, e.g. "en-US".
    #[serde(default)]
    preferred_language: Option<String>,
    /// Locale, e.g. "en-US".
    #[serde(default)]
    locale: Option<String>,
    /// IANA time zone, e.g. "America/Los_Angeles".
    #[serde(default)]
    timezone: Option<String>,
    /// Whether the account is active (default: the server's, usually true).
    #[serde(default)]
    active: Option<bool>,
    /// The identifier of this user in the calling system.
    #[serde(default)]
    external_id: Option<String>,
    /// A single work email; a shortcut for `emails`.
    #[serde(default)]
    email: Option<String>,
    /// Email addresses.
    #[serde(default)]
    emails: Option<Vec<MultiValue>>,
    /// Phone numbers.
    #[serde(default)]
    phone_numbers: Option<Vec<MultiValue>>,
    /// Enterprise extension: employee number.
    #[serde(default)]
    employee_number: Option<String>,
    /// Enterprise extension: cost center.
    #[serde(default)]
    cost_center: Option<String>,
    /// Enterprise extension: organization.
    #[serde(default)]
    organization: Option<String>,
    /// Enterprise extension: division.
    #[serde(default)]
    division: Option<String>,
    /// Enterprise extension: department.
    #[serde(default)]
    department: Option<String>,
    /// Enterprise extension: the SCIM id of this user's manager.
    #[serde(default)]
    manager_id: Option<String>,
    /// Any other SCIM User attributes, as a JSON object merged into the new user
    /// (e.g. {"addresses": [{"type": "work", "locality": "Paris"}]}).
    #[serde(default)]
    extra: Option<Map<String, Value>>,
    /// Return only these attributes of the result, e.g. ["id", "userName"].
    #[serde(default)]
    attributes: Option<Vec<String>>,
}

/// Which resource to read.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    /// The resource's SCIM id (not its userName or displayName: use a list tool with a filter
    /// to find an id).
    id: String,
    /// Return only these attributes, e.g. ["userName", "emails"].
    #[serde(default)]
    attributes: Option<Vec<String>>,
    /// Return the default attributes except these, e.g. ["members"].
    #[serde(default)]
    excluded_attributes: Option<Vec<String>>,
}

/// `sortOrder`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum SortOrder {
    /// A to Z.
    Ascending,
    /// Z to A.
    Descending,
}

/// A query (RFC 7644 §3.4.2).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    /// A SCIM filter, e.g. `userName eq "bjensen"`, `name.familyName sw "J"`,
    /// `emails[type eq "work" and value co "@example.com"]`, `active eq false`.
    /// Operators: eq ne co sw ew pr gt ge lt le, and/or/not, parentheses. Strings in double quotes.
    #[serde(default)]
    filter: Option<String>,
    /// Return only these attributes (plus id), e.g. ["userName", "active"].
    #[serde(default)]
    attributes: Option<Vec<String>>,
    /// Return the default attributes except these.
    #[serde(default)]
    excluded_attributes: Option<Vec<String>>,
    /// Attribute to sort by, e.g. "userName".
    #[serde(default)]
    sort_by: Option<String>,
    /// Sort direction (default ascending).
    #[serde(default)]
    sort_order: Option<SortOrder>,
    /// 1-based index of the first result (index paging).
    #[serde(default)]
    start_index: Option<u64>,
    /// Page size (the server may cap it).
    #[serde(default)]
    count: Option<u64>,
    /// RFC 9865 cursor paging: "" for the first page, then the previous result's nextCursor.
    #[serde(default)]
    cursor: Option<String>,
    /// Read every page (at most 10000 resources) into one result instead of one page.
    #[serde(default)]
    all: bool,
    /// Send the query as POST .../.search (RFC 7644 §3.4.3) instead of GET.
    #[serde(default)]
    use_search: bool,
}

/// A change to a group: any of a new name, an exact member list, members to add or remove, and
/// raw PATCH operations. They are applied in that order.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct PatchGroupParams {
    /// The group's SCIM id.
    id: String,
    /// A new displayName (rename).
    #[serde(default)]
    display_name: Option<String>,
    /// Make the members exactly these SCIM ids: members not listed are removed, so this needs
    /// confirm: true.
    #[serde(default)]
    replace_members: Option<Vec<String>>,
    /// SCIM ids of users (or groups) to add.
    #[serde(default)]
    add_members: Option<Vec<String>>,
    /// SCIM ids of users (or groups) to remove.
    #[serde(default)]
    remove_members: Option<Vec<String>>,
    /// Further PATCH operations (RFC 7644 §3.5.2), applied with the rename in one request.
    #[serde(default)]
    operations: Option<Vec<PatchOp>>,
    /// Only change the name/operations if the group is still at this version (meta.version).
    #[serde(default)]
    if_match: Option<String>,
    /// Must be true when replaceMembers is given.
    #[serde(default)]
    confirm: bool,
    /// Return only these attributes of the result.
    #[serde(default)]
    attributes: Option<Vec<String>>,
}

/// A bulk job (RFC 7644 §3.7).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct BulkParams {
    /// The operations, each {"method": "POST"|"PUT"|"PATCH"|"DELETE", "path": "/Users" or
    /// "/Users/{id}", "bulkId": "..." (required for POST; refer to the created resource
    /// elsewhere as "bulkId:..."), "data": the resource or PatchOp message, "version": optional
    /// ETag}. Split into requests within the server's limits.
    operations: Vec<Value>,
    /// Stop after this many errors.
    #[serde(default)]
    fail_on_errors: Option<u64>,
    /// Must be true when any operation is a DELETE.
    #[serde(default)]
    confirm: bool,
}

/// A full replacement of a resource (PUT).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct ReplaceParams {
    /// The resource's SCIM id.
    id: String,
    /// The complete new resource as SCIM JSON. Attributes left out are cleared, so read the
    /// resource first and send it back changed.
    resource: Map<String, Value>,
    /// Only replace if the resource is still at this version (meta.version, e.g. W/"3").
    #[serde(default)]
    if_match: Option<String>,
    /// Return only these attributes of the result.
    #[serde(default)]
    attributes: Option<Vec<String>>,
}

/// The kind of a PATCH operation.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum PatchOpKind {
    /// Add a value (appends to multi-valued attributes).
    Add,
    /// Replace a value.
    Replace,
    /// Remove a value (needs a path).
    Remove,
}

/// One PATCH operation (RFC 7644 §3.5.2).
#[derive(Debug, Deserialize, JsonSchema)]
struct PatchOp {
    /// add, replace or remove.
    op: PatchOpKind,
    /// The attribute path, e.g. "title", "name.givenName", `emails[type eq "work"].value`,
    /// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department". Optional for
    /// add/replace, whose value is then an object of attributes.
    #[serde(default)]
    path: Option<String>,
    /// The new value (not for remove).
    #[serde(default)]
    value: Option<Value>,
}

/// A partial modification (PATCH).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct PatchParams {
    /// The resource's SCIM id.
    id: String,
    /// The operations, applied in order and atomically.
    operations: Vec<PatchOp>,
    /// Only modify if the resource is still at this version (meta.version).
    #[serde(default)]
    if_match: Option<String>,
    /// Return only these attributes of the result.
    #[serde(default)]
    attributes: Option<Vec<String>>,
}

/// A resource by id.
#[derive(Debug, Deserialize, JsonSchema)]
struct IdParams {
    /// The resource's SCIM id.
    id: String,
}

/// A deletion, which cannot be undone.
#[derive(Debug, Deserialize, JsonSchema)]
struct DeleteParams {
    /// The resource's SCIM id.
    id: String,
    /// Must be true: deleting cannot be undone. For users, prefer deactivate-user.
    #[serde(default)]
    confirm: bool,
}

/// A new group.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct CreateGroupParams {
    /// The group's name. Required.
    display_name: String,
    /// The identifier of this group in the calling system.
    #[serde(default)]
    external_id: Option<String>,
    /// SCIM ids of the first members (users or groups).
    #[serde(default)]
    members: Option<Vec<String>>,
    /// Return only these attributes of the result.
    #[serde(default)]
    attributes: Option<Vec<String>>,
}

/// A new AI agent (the Agent resource type of draft-wzdk-scim-agent-resource-00).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct CreateAgentParams {
    /// The agent's unique handle at the service provider, e.g. "billing-bot". Required.
    agent_user_name: String,
    /// Name to display, e.g. "Billing Bot".
    #[serde(default)]
    display_name: Option<String>,
    /// What the agent is for.
    #[serde(default)]
    description: Option<String>,
    /// The kind of agent, e.g. "Assistant".
    #[serde(default)]
    agent_type: Option<String>,
    /// Whether the agent may act (default: the server's, usually true).
    #[serde(default)]
    active: Option<bool>,
    /// The identifier of this agent in the calling system.
    #[serde(default)]
    external_id: Option<String>,
    /// SCIM ids of the users who own the agent.
    #[serde(default)]
    owners: Option<Vec<String>>,
    /// Any other Agent attributes as SCIM JSON, e.g. {"protocols": [{"type": "MCP-Server"}]}.
    #[serde(default)]
    extra: Option<Map<String, Value>>,
    /// Return only these attributes of the result.
    #[serde(default)]
    attributes: Option<Vec<String>>,
}

/// A new agentic application (an application that hosts agents or gives access to them).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct CreateApplicationParams {
    /// The application's unique name at the service provider. Required.
    name: String,
    /// Name to display.
    #[serde(default)]
    display_name: Option<String>,
    /// What the application is for.
    #[serde(default)]
    description: Option<String>,
    /// The identifier of this application in the calling system.
    #[serde(default)]
    external_id: Option<String>,
    /// SCIM ids of the agents the application hosts.
    #[serde(default)]
    agents: Option<Vec<String>>,
    /// Any other attributes as SCIM JSON, e.g. {"applicationUrls": [{"type": "homepage",
    /// "value": "https://..."}]}.
    #[serde(default)]
    extra: Option<Map<String, Value>>,
    /// Return only these attributes of the result.
    #[serde(default)]
    attributes: Option<Vec<String>>,
}

/// A membership change.
#[derive(Debug, Deserialize, JsonSchema)]
struct MembersParams {
    /// The group's SCIM id.
    id: String,
    /// SCIM ids of the users (or groups) to add or remove.
    members: Vec<String>,
}

/// What to include in the discovery result.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct DiscoverParams {
    /// Also return the full schema definitions (long). Default false.
    #[serde(default)]
    include_schemas: bool,
}

/// The request headers that carry a caller's SCIM endpoint and token (HTTP transport).
const BASE_URL_HEADER: &str = "x-scim-base-url";
const TOKEN_HEADER: &str = "x-scim-api-token";

/// A SCIM endpoint and token, from the environment or from one request's headers. Its `Debug`
/// never shows the token.
#[derive(Clone, Default)]
struct Credentials {
    base: Option<String>,
    token: Option<String>,
    /// Where they came from, for error messages.
    source: &'static str,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("source", &self.source)
            .finish()
    }
}

impl Credentials {
    /// `SCIM_API_BASE_URL` / `SCIM_API_TOKEN`, or the older `SCIM_BASE_URL` / `SCIM_TOKEN`.
    fn from_env() -> Credentials {
        let var = |names: [&str; 2]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        };
        Credentials {
            base: var(["SCIM_API_BASE_URL", "SCIM_BASE_URL"]),
            token: var(["SCIM_API_TOKEN", "SCIM_TOKEN"]),
            source: "SCIM_API_BASE_URL",
        }
    }

    /// Takes the credential headers off a request (so that no later layer sees or logs them).
    /// `None` when the request names no base URL.
    fn take_from_headers(headers: &mut http::HeaderMap) -> Option<Credentials> {
        let text = |v: Option<http::HeaderValue>| {
            v.and_then(|v| v.to_str().ok().map(|s| s.trim().to_owned()))
                .filter(|s| !s.is_empty())
        };
        let base = text(headers.remove(BASE_URL_HEADER));
        let token = text(headers.remove(TOKEN_HEADER));
        base.map(|base| Credentials {
            base: Some(base),
            token,
            source: BASE_URL_HEADER,
        })
    }

    fn connect(&self) -> Result<Scim, String> {
        let Some(base) = &self.base else {
            return Err(format!(
                "the relay is not configured: send the {BASE_URL_HEADER} and {TOKEN_HEADER} \
                 headers, or set SCIM_API_BASE_URL and SCIM_API_TOKEN"
            ));
        };
        let scim = Scim::new(base, self.token.as_deref()).map_err(|e| {
            // The base URL's error only; the token is not part of it.
            format!(
                "{} is not usable: {}",
                self.source,
                e.detail().unwrap_or("")
            )
        })?;
        // An agent waits for the answer: a few quick retries, not minutes of them.
        Ok(scim.retry_policy(
            RetryPolicy::new()
                .max_attempts(3)
                .max_elapsed(std::time::Duration::from_secs(30)),
        ))
    }
}

/// The relay: SCIM over HTTP behind MCP tools.
#[derive(Debug, Clone)]
struct Relay {
    /// The environment's credentials, for stdio and for HTTP requests without headers.
    env: Arc<Credentials>,
    tool_router: ToolRouter<Relay>,
}

type ToolResult = Result<CallToolResult, ErrorData>;

impl Relay {
    fn new(env: Arc<Credentials>) -> Relay {
        Relay {
            env,
            tool_router: Relay::tool_router(),
        }
    }

    /// The connection for one tool call: the request's header credentials when it came over
    /// HTTP with them, the environment's otherwise. Nothing is kept between calls, so no call
    /// can use another session's credentials.
    fn scim_for(&self, ctx: &RequestContext<RoleServer>) -> Result<Scim, String> {
        let from_headers = ctx
            .extensions
            .get::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Credentials>());
        from_headers.unwrap_or(&self.env).connect()
    }

    /// Runs a blocking SCIM call off the async workers and turns its outcome into a tool
    /// result: the JSON, projected for `attributes`, or the SCIM error JSON (`isError`).
    async fn call<F>(
        &self,
        ctx: &RequestContext<RoleServer>,
        schema: Option<ResourceSchema>,
        attributes: Option<Vec<String>>,
        f: F,
    ) -> ToolResult
    where
        F: FnOnce(&Scim) -> Result<Value, ScimError> + Send + 'static,
    {
        let scim = match self.scim_for(ctx) {
            Ok(s) => s,
            Err(msg) => {
                return Ok(error_result(&ScimError::new(
                    http::StatusCode::SERVICE_UNAVAILABLE,
                    msg,
                )))
            }
        };
        let redactor = scim.clone();
        let outcome = tokio::task::spawn_blocking(move || f(&scim))
            .await
            .unwrap_or_else(|e| Err(ScimError::internal(format!("the call failed: {e}"))));
        let text = match outcome {
            Ok(mut v) => {
                if let (Some(schema), Some(attrs)) = (schema, attributes.filter(|a| !a.is_empty()))
                {
                    let p = Projection::attributes(attrs).ignore_unknown(true);
                    if let Ok(projected) = project(&schema, &v, &p) {
                        v = projected;
                    }
                }
                return Ok(CallToolResult::success(vec![ContentBlock::text(
                    redactor.redact(&pretty(&v)),
                )]));
            }
            Err(e) => redactor.redact(&pretty(&e.to_json())),
        };
        Ok(CallToolResult::error(vec![ContentBlock::text(text)]))
    }
}

impl Relay {
    /// `GET /{endpoint}/{id}` for the get tools.
    async fn get(
        &self,
        ctx: &RequestContext<RoleServer>,
        endpoint: &'static str,
        p: GetParams,
    ) -> ToolResult {
        self.call(ctx, None, None, move |s| {
            let q = get_query(p.attributes, p.excluded_attributes)?;
            Ok(s.get(endpoint, &p.id, &q)?.resource)
        })
        .await
    }

    /// `DELETE /{endpoint}/{id}` for the delete tools, only with `confirm`.
    async fn delete(
        &self,
        ctx: &RequestContext<RoleServer>,
        endpoint: &'static str,
        what: &str,
        p: DeleteParams,
    ) -> ToolResult {
        if !p.confirm {
            return Ok(confirm_required(what));
        }
        self.call(ctx, None, None, move |s| {
            s.delete(endpoint, &p.id, None)?;
            Ok(json!({"deleted": true, "id": p.id}))
        })
        .await
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn error_result(e: &ScimError) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(pretty(&e.to_json()))])
}

fn confirm_required(what: &str) -> CallToolResult {
    error_result(&ScimError::bad_request(format!(
        "not done: {what} cannot be undone; call again with \"confirm\": true if that is \
         really intended"
    )))
}

fn if_match(tag: Option<&str>) -> Result<Option<ETag>, ScimError> {
    tag.map(|t| {
        let t = t.trim();
        t.parse::<ETag>()
            .or_else(|_| format!("\"{t}\"").parse::<ETag>())
            .map_err(|_| ScimError::invalid_value(format!("`{t}` is not an entity tag")))
    })
    .transpose()
}

fn get_query(
    attributes: Option<Vec<String>>,
    excluded: Option<Vec<String>>,
) -> Result<Query, ScimError> {
    QueryArgs {
        attributes: attributes.unwrap_or_default(),
        excluded_attributes: excluded.unwrap_or_default(),
        ..QueryArgs::default()
    }
    .to_query()
}

/// One page, or every page when `all`, as a ListResponse.
fn list(s: &Scim, endpoint: &str, p: ListParams) -> Result<Value, ScimError> {
    let (all, search) = (p.all, p.use_search);
    let q = list_query(p)?;
    let page = match (all, search) {
        (true, _) => s.list_upto(endpoint, &q, search, MAX_LISTED, &mut |_, _| {})?,
        (false, true) => s.search(endpoint, &q)?,
        (false, false) => s.list(endpoint, &q)?,
    };
    serde_json::to_value(&page).map_err(|e| ScimError::internal(e.to_string()))
}

/// The most resources `all: true` returns to an agent.
const MAX_LISTED: u64 = 10_000;

fn list_query(p: ListParams) -> Result<Query, ScimError> {
    QueryArgs {
        filter: p.filter,
        attributes: p.attributes.unwrap_or_default(),
        excluded_attributes: p.excluded_attributes.unwrap_or_default(),
        sort_by: p.sort_by,
        sort_order: p.sort_order.map(|o| {
            match o {
                SortOrder::Ascending => "ascending",
                SortOrder::Descending => "descending",
            }
            .to_owned()
        }),
        start_index: p.start_index,
        count: p.count,
        cursor: p.cursor,
    }
    .to_query()
}

fn to_ops(ops: Vec<PatchOp>) -> Result<PatchRequest, ScimError> {
    let ops = ops
        .into_iter()
        .map(|o| {
            let path = o.path.as_deref().map(str::trim).filter(|p| !p.is_empty());
            match o.op {
                PatchOpKind::Add => PatchOperation::add(path, o.value.unwrap_or(Value::Null)),
                PatchOpKind::Replace => {
                    PatchOperation::replace(path, o.value.unwrap_or(Value::Null))
                }
                PatchOpKind::Remove => PatchOperation::remove(path.unwrap_or("")),
            }
            .map_err(ScimError::from)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ops.is_empty() {
        return Err(ScimError::invalid_value("give at least one operation"));
    }
    Ok(PatchRequest::new(ops))
}

fn new_user(p: &CreateUserParams) -> Value {
    let mut u = Map::new();
    let mut schemas = vec![json!(USER_SCHEMA)];
    u.insert("userName".into(), json!(p.user_name));
    let mut name = Map::new();
    for (k, v) in [
        ("givenName", &p.given_name),
        ("familyName", &p.family_name),
        ("middleName", &p.middle_name),
    ] {
        if let Some(v) = v {
            name.insert(k.into(), json!(v));
        }
    }
    if !name.is_empty() {
        u.insert("name".into(), Value::Object(name));
    }
    for (k, v) in [
        ("displayName", &p.display_name),
        ("nickName", &p.nick_name),
        ("title", &p.title),
        ("userType", &p.user_type),
        ("preferredLanguage", &p.preferred_language),
        ("locale", &p.locale),
        ("timezone", &p.timezone),
        ("externalId", &p.external_id),
    ] {
        if let Some(v) = v {
            u.insert(k.into(), json!(v));
        }
    }
    if let Some(a) = p.active {
        u.insert("active".into(), json!(a));
    }
    let multi = |items: &[MultiValue]| -> Value {
        items
            .iter()
            .map(|m| {
                let mut o = Map::new();
                o.insert("value".into(), json!(m.value));
                if let Some(t) = &m.kind {
                    o.insert("type".into(), json!(t));
                }
                if let Some(pr) = m.primary {
                    o.insert("primary".into(), json!(pr));
                }
                Value::Object(o)
            })
            .collect()
    };
    if let Some(e) = &p.emails {
        u.insert("emails".into(), multi(e));
    } else if let Some(e) = &p.email {
        u.insert(
            "emails".into(),
            json!([{"value": e, "type": "work", "primary": true}]),
        );
    }
    if let Some(ph) = &p.phone_numbers {
        u.insert("phoneNumbers".into(), multi(ph));
    }
    let mut ent = Map::new();
    for (k, v) in [
        ("employeeNumber", &p.employee_number),
        ("costCenter", &p.cost_center),
        ("organization", &p.organization),
        ("division", &p.division),
        ("department", &p.department),
    ] {
        if let Some(v) = v {
            ent.insert(k.into(), json!(v));
        }
    }
    if let Some(m) = &p.manager_id {
        ent.insert("manager".into(), json!({ "value": m }));
    }
    if !ent.is_empty() {
        schemas.push(json!(ENTERPRISE_SCHEMA));
        u.insert(ENTERPRISE_SCHEMA.into(), Value::Object(ent));
    }
    if let Some(extra) = &p.extra {
        for (k, v) in extra {
            if k.to_ascii_lowercase().starts_with("urn:") && !schemas.contains(&json!(k)) {
                schemas.push(json!(k));
            }
            u.insert(k.clone(), v.clone());
        }
    }
    let mut out = Map::new();
    out.insert("schemas".into(), Value::Array(schemas));
    out.extend(u);
    Value::Object(out)
}

/// A resource of `schema` from named fields (left out when `None`) and `extra`'s attributes.
fn new_resource<const N: usize>(
    schema: &str,
    fields: [(&str, Option<Value>); N],
    extra: Option<&Map<String, Value>>,
) -> Value {
    let mut r = Map::new();
    r.insert("schemas".into(), json!([schema]));
    for (name, value) in fields {
        if let Some(v) = value {
            r.insert(name.into(), v);
        }
    }
    for (k, v) in extra.into_iter().flatten() {
        r.insert(k.clone(), v.clone());
    }
    Value::Object(r)
}

/// `[{"value": id}, ...]` for a list of SCIM ids, `None` for none.
fn references(ids: Option<&Vec<String>>) -> Option<Value> {
    ids.filter(|ids| !ids.is_empty())
        .map(|ids| ids.iter().map(|id| json!({ "value": id })).collect())
}

#[tool_router]
impl Relay {
    #[tool(
        name = "create-user",
        description = "Create a SCIM user. Only userName is required; core attributes (name, emails, \
                       title, ...) and enterprise attributes (employeeNumber, department, manager) \
                       have their own fields, anything else goes in `extra`. Returns the created \
                       user with its id, or a SCIM error (scimType `uniqueness` when the userName \
                       is taken)."
    )]
    async fn create_user(
        &self,
        Parameters(p): Parameters<CreateUserParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let user = new_user(&p);
        self.call(&ctx, Some(ResourceSchema::user()), p.attributes, move |s| {
            s.create(USERS, &user)
        })
        .await
    }

    #[tool(
        name = "get-user",
        description = "Read one user by SCIM id. Returns the user's SCIM JSON (meta.version is its \
                       version for ifMatch), or a SCIM error (404 when there is no such user)."
    )]
    async fn get_user(
        &self,
        Parameters(p): Parameters<GetParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.get(&ctx, USERS, p).await
    }

    #[tool(
        name = "list-users",
        description = "Find users with an optional SCIM filter (e.g. userName eq \"bjensen\"), \
                       attribute selection, sorting and paging (one page, or all: true for \
                       every page). Returns a SCIM ListResponse (totalResults, startIndex, \
                       itemsPerPage, Resources, and nextCursor when cursor paging)."
    )]
    async fn list_users(
        &self,
        Parameters(p): Parameters<ListParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| list(s, USERS, p))
            .await
    }

    #[tool(
        name = "replace-user",
        description = "Replace a user entirely (PUT) with the given SCIM JSON; attributes left out \
                       are cleared. Prefer patch-user for small changes. Returns the new user."
    )]
    async fn replace_user(
        &self,
        Parameters(p): Parameters<ReplaceParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, Some(ResourceSchema::user()), p.attributes, move |s| {
            let tag = if_match(p.if_match.as_deref())?;
            s.replace(USERS, &p.id, &Value::Object(p.resource), tag.as_ref())
        })
        .await
    }

    #[tool(
        name = "patch-user",
        description = "Change some attributes of a user (PATCH) with add/replace/remove \
                       operations, applied atomically. Example: [{\"op\": \"replace\", \"path\": \
                       \"title\", \"value\": \"Manager\"}]. Returns the updated user."
    )]
    async fn patch_user(
        &self,
        Parameters(p): Parameters<PatchParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, Some(ResourceSchema::user()), p.attributes, move |s| {
            let tag = if_match(p.if_match.as_deref())?;
            s.patch_and_get(USERS, &p.id, &to_ops(p.operations)?, tag.as_ref())
        })
        .await
    }

    #[tool(
        name = "deactivate-user",
        description = "Deactivate a user (active = false): the usual way to offboard, reversible \
                       with patch-user. Returns the updated user."
    )]
    async fn deactivate_user(
        &self,
        Parameters(p): Parameters<IdParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| s.set_active(USERS, &p.id, false))
            .await
    }

    #[tool(
        name = "activate-user",
        description = "Activate a user (active = true), e.g. to undo deactivate-user. Returns the \
                       updated user."
    )]
    async fn activate_user(
        &self,
        Parameters(p): Parameters<IdParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| s.set_active(USERS, &p.id, true))
            .await
    }

    #[tool(
        name = "delete-user",
        description = "Delete a user permanently. Requires confirm: true. Prefer deactivate-user \
                       unless deletion is explicitly wanted."
    )]
    async fn delete_user(
        &self,
        Parameters(p): Parameters<DeleteParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.delete(&ctx, USERS, "deleting a user", p).await
    }

    #[tool(
        name = "create-group",
        description = "Create a group with a displayName and optional initial members (SCIM ids). \
                       Returns the created group."
    )]
    async fn create_group(
        &self,
        Parameters(p): Parameters<CreateGroupParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let mut g = json!({"schemas": [GROUP_SCHEMA], "displayName": p.display_name});
        if let Some(e) = &p.external_id {
            g["externalId"] = json!(e);
        }
        if let Some(members) = references(p.members.as_ref()) {
            g["members"] = members;
        }
        self.call(
            &ctx,
            Some(ResourceSchema::group()),
            p.attributes,
            move |s| s.create(GROUPS, &g),
        )
        .await
    }

    #[tool(
        name = "get-group",
        description = "Read one group by SCIM id, with its members unless excludedAttributes \
                       contains \"members\"."
    )]
    async fn get_group(
        &self,
        Parameters(p): Parameters<GetParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.get(&ctx, GROUPS, p).await
    }

    #[tool(
        name = "list-groups",
        description = "Find groups with an optional SCIM filter (e.g. displayName eq \"Admins\"), \
                       attribute selection, sorting and paging (one page, or all: true for \
                       every page). Returns a SCIM ListResponse."
    )]
    async fn list_groups(
        &self,
        Parameters(p): Parameters<ListParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| list(s, GROUPS, p))
            .await
    }

    #[tool(
        name = "replace-group",
        description = "Replace a group entirely (PUT), including its full member list. Prefer \
                       add-group-members / remove-group-members for membership changes."
    )]
    async fn replace_group(
        &self,
        Parameters(p): Parameters<ReplaceParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(
            &ctx,
            Some(ResourceSchema::group()),
            p.attributes,
            move |s| {
                let tag = if_match(p.if_match.as_deref())?;
                s.replace(GROUPS, &p.id, &Value::Object(p.resource), tag.as_ref())
            },
        )
        .await
    }

    #[tool(
        name = "add-group-members",
        description = "Add users (or groups) to a group by SCIM id. Returns the updated group."
    )]
    async fn add_group_members(
        &self,
        Parameters(p): Parameters<MembersParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| s.add_members(&p.id, &p.members))
            .await
    }

    #[tool(
        name = "remove-group-members",
        description = "Remove users (or groups) from a group by SCIM id. Returns the updated group."
    )]
    async fn remove_group_members(
        &self,
        Parameters(p): Parameters<MembersParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| {
            s.remove_members(&p.id, &p.members)
        })
        .await
    }

    #[tool(
        name = "patch-group",
        description = "Change a group: rename (displayName), set the exact member list \
                       (replaceMembers, needs confirm: true), add or remove members by SCIM id, \
                       and/or raw PATCH operations. Returns the updated group."
    )]
    async fn patch_group(
        &self,
        Parameters(p): Parameters<PatchGroupParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        if p.replace_members.is_some() && !p.confirm {
            return Ok(confirm_required("replacing a group's members"));
        }
        self.call(
            &ctx,
            Some(ResourceSchema::group()),
            p.attributes,
            move |s| {
                let mut ops = Vec::new();
                if let Some(name) = &p.display_name {
                    ops.push(PatchOperation::replace(Some("displayName"), json!(name))?);
                }
                if let Some(raw) = p.operations {
                    ops.extend(to_ops(raw)?.operations);
                }
                let mut group = None;
                if !ops.is_empty() {
                    let tag = if_match(p.if_match.as_deref())?;
                    group = Some(s.patch_and_get(
                        GROUPS,
                        &p.id,
                        &PatchRequest::new(ops),
                        tag.as_ref(),
                    )?);
                }
                if let Some(m) = &p.replace_members {
                    group = Some(s.set_members(&p.id, m)?);
                }
                if let Some(m) = p.add_members.as_ref().filter(|m| !m.is_empty()) {
                    group = Some(s.add_members(&p.id, m)?);
                }
                if let Some(m) = p.remove_members.as_ref().filter(|m| !m.is_empty()) {
                    group = Some(s.remove_members(&p.id, m)?);
                }
                group.ok_or_else(|| {
                    ScimError::invalid_value(
                        "nothing to change: give displayName, \
                replaceMembers, addMembers, removeMembers or operations",
                    )
                })
            },
        )
        .await
    }

    #[tool(
        name = "bulk",
        description = "Run many create/replace/patch/delete operations (RFC 7644 bulk), split \
                       into requests within the server's limits; a POST's bulkId can be \
                       referenced as \"bulkId:<id>\" by later operations. Needs confirm: true \
                       when any operation is a DELETE. Returns one BulkResponse."
    )]
    async fn bulk(
        &self,
        Parameters(p): Parameters<BulkParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let ops: Result<Vec<BulkOperation>, _> = p
            .operations
            .into_iter()
            .map(serde_json::from_value)
            .collect();
        let ops = match ops {
            Ok(ops) => ops,
            Err(e) => {
                return Ok(error_result(&ScimError::invalid_syntax(format!(
                    "not a bulk operation: {e}"
                ))))
            }
        };
        if !p.confirm && ops.iter().any(|o| o.method == http::Method::DELETE) {
            return Ok(confirm_required("a bulk job with deletes"));
        }
        self.call(&ctx, None, None, move |s| {
            let caps = Capabilities::from_config(&s.service_provider_config()?);
            let chunker =
                BulkChunker::from_config(&caps.bulk_config())?.fail_on_errors(p.fail_on_errors);
            let mut plan = chunker.plan(ops);
            s.run_bulk(&mut plan, &mut |_, _| {})?;
            serde_json::to_value(plan.into_response())
                .map_err(|e| ScimError::internal(e.to_string()))
        })
        .await
    }

    #[tool(
        name = "delete-group",
        description = "Delete a group permanently (its members are not deleted). Requires \
                       confirm: true."
    )]
    async fn delete_group(
        &self,
        Parameters(p): Parameters<DeleteParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.delete(&ctx, GROUPS, "deleting a group", p).await
    }

    #[tool(
        name = "create-agent",
        description = "Create an AI agent identity (SCIM Agent, draft-wzdk-scim-agent-resource). \
                       Only agentUserName is required; owners are SCIM user ids. Needs a server \
                       that lists the Agent resource type in discover. Returns the created agent, \
                       or a SCIM error (scimType `uniqueness` when the agentUserName is taken)."
    )]
    async fn create_agent(
        &self,
        Parameters(p): Parameters<CreateAgentParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let agent = new_resource(
            AGENT_SCHEMA,
            [
                ("agentUserName", Some(json!(p.agent_user_name))),
                ("displayName", p.display_name.map(Value::String)),
                ("description", p.description.map(Value::String)),
                ("agentType", p.agent_type.map(Value::String)),
                ("active", p.active.map(Value::Bool)),
                ("externalId", p.external_id.map(Value::String)),
                ("owners", references(p.owners.as_ref())),
            ],
            p.extra.as_ref(),
        );
        self.call(
            &ctx,
            Some(ResourceSchema::agent()),
            p.attributes,
            move |s| s.create(AGENTS, &agent),
        )
        .await
    }

    #[tool(
        name = "get-agent",
        description = "Read one agent by SCIM id. Returns the agent's SCIM JSON, or a SCIM error."
    )]
    async fn get_agent(
        &self,
        Parameters(p): Parameters<GetParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.get(&ctx, AGENTS, p).await
    }

    #[tool(
        name = "list-agents",
        description = "Find agents with an optional SCIM filter (e.g. agentUserName eq \
                       \"billing-bot\", owners.value eq \"<user id>\"), attribute selection, \
                       sorting and paging. Returns a SCIM ListResponse."
    )]
    async fn list_agents(
        &self,
        Parameters(p): Parameters<ListParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| list(s, AGENTS, p))
            .await
    }

    #[tool(
        name = "patch-agent",
        description = "Change some attributes of an agent (PATCH), e.g. [{\"op\": \"add\", \
                       \"path\": \"owners\", \"value\": [{\"value\": \"<user id>\"}]}]. \
                       Returns the updated agent."
    )]
    async fn patch_agent(
        &self,
        Parameters(p): Parameters<PatchParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(
            &ctx,
            Some(ResourceSchema::agent()),
            p.attributes,
            move |s| {
                let tag = if_match(p.if_match.as_deref())?;
                s.patch_and_get(AGENTS, &p.id, &to_ops(p.operations)?, tag.as_ref())
            },
        )
        .await
    }

    #[tool(
        name = "deactivate-agent",
        description = "Deactivate an agent (active = false) so it can no longer act; reversible \
                       with activate-agent. Returns the updated agent."
    )]
    async fn deactivate_agent(
        &self,
        Parameters(p): Parameters<IdParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| {
            s.set_active(AGENTS, &p.id, false)
        })
        .await
    }

    #[tool(
        name = "activate-agent",
        description = "Activate an agent (active = true). Returns the updated agent."
    )]
    async fn activate_agent(
        &self,
        Parameters(p): Parameters<IdParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| s.set_active(AGENTS, &p.id, true))
            .await
    }

    #[tool(
        name = "delete-agent",
        description = "Delete an agent permanently. Requires confirm: true. Prefer \
                       deactivate-agent unless deletion is explicitly wanted."
    )]
    async fn delete_agent(
        &self,
        Parameters(p): Parameters<DeleteParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.delete(&ctx, AGENTS, "deleting an agent", p).await
    }

    #[tool(
        name = "create-agentic-application",
        description = "Create an agentic application (an application that hosts agents or gives \
                       access to them; draft-abbey-scim-agent-extension). Only name is required; \
                       agents are SCIM agent ids. Returns the created application."
    )]
    async fn create_application(
        &self,
        Parameters(p): Parameters<CreateApplicationParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let app = new_resource(
            AGENTIC_APPLICATION_SCHEMA,
            [
                ("name", Some(json!(p.name))),
                ("displayName", p.display_name.map(Value::String)),
                ("description", p.description.map(Value::String)),
                ("externalId", p.external_id.map(Value::String)),
                ("agents", references(p.agents.as_ref())),
            ],
            p.extra.as_ref(),
        );
        let schema = ResourceSchema::agentic_application();
        self.call(&ctx, Some(schema), p.attributes, move |s| {
            s.create(APPLICATIONS, &app)
        })
        .await
    }

    #[tool(
        name = "get-agentic-application",
        description = "Read one agentic application by SCIM id. Returns its SCIM JSON, or a SCIM \
                       error."
    )]
    async fn get_application(
        &self,
        Parameters(p): Parameters<GetParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.get(&ctx, APPLICATIONS, p).await
    }

    #[tool(
        name = "list-agentic-applications",
        description = "Find agentic applications with an optional SCIM filter (e.g. name eq \
                       \"Support Desk\", agents.value eq \"<agent id>\"). Returns a SCIM \
                       ListResponse."
    )]
    async fn list_applications(
        &self,
        Parameters(p): Parameters<ListParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| list(s, APPLICATIONS, p))
            .await
    }

    #[tool(
        name = "patch-agentic-application",
        description = "Change some attributes of an agentic application (PATCH), e.g. add an \
                       agent: [{\"op\": \"add\", \"path\": \"agents\", \"value\": \
                       [{\"value\": \"<agent id>\", \"type\": \"owned\"}]}]. Returns the \
                       updated application."
    )]
    async fn patch_application(
        &self,
        Parameters(p): Parameters<PatchParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let schema = ResourceSchema::agentic_application();
        self.call(&ctx, Some(schema), p.attributes, move |s| {
            let tag = if_match(p.if_match.as_deref())?;
            s.patch_and_get(APPLICATIONS, &p.id, &to_ops(p.operations)?, tag.as_ref())
        })
        .await
    }

    #[tool(
        name = "delete-agentic-application",
        description = "Delete an agentic application permanently (its agents are not deleted). \
                       Requires confirm: true."
    )]
    async fn delete_application(
        &self,
        Parameters(p): Parameters<DeleteParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.delete(&ctx, APPLICATIONS, "deleting an agentic application", p)
            .await
    }

    #[tool(
        name = "discover",
        description = "What the SCIM server supports: a summary (patch, bulk, filter, sort, etag, \
                       pagination), the ServiceProviderConfig and the ResourceTypes; with \
                       includeSchemas, every attribute definition too. Call this first."
    )]
    async fn discover(
        &self,
        Parameters(p): Parameters<DiscoverParams>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        self.call(&ctx, None, None, move |s| s.discover(p.include_schemas))
            .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Relay {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("scim-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Manage the users and groups of a SCIM 2.0 service provider, and its AI \
                 agents and agentic applications where it serves them. Call `discover` \
                 first. Resources are addressed by SCIM id: find ids with list-users / \
                 list-groups and a filter such as userName eq \"bjensen\". Errors are SCIM \
                 Error messages: act on `status` and `scimType` (uniqueness, invalidFilter, \
                 mutability, noTarget, invalidValue, ...). Prefer deactivate-user to \
                 delete-user; deletes need confirm: true.",
            )
    }
}

/// An MCP relay to a SCIM 2.0 service provider, over stdio (default) or streamable HTTP.
#[derive(Debug, Parser)]
#[command(name = "scim-mcp", version)]
struct Cli {
    /// Serve MCP over streamable HTTP on this address (e.g. 127.0.0.1:8080; port 0 picks one),
    /// at the path /mcp, instead of stdio.
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// In HTTP mode, a host name (or host:port) accepted in the Host header besides the loopback
    /// names; repeat for several.
    #[arg(long = "allowed-host", value_name = "HOST")]
    allowed_hosts: Vec<String>,
}

/// Moves the credential headers of an HTTP request into a request extension the tools read.
async fn take_credentials(mut req: axum::extract::Request) -> axum::extract::Request {
    if let Some(c) = Credentials::take_from_headers(req.headers_mut()) {
        req.extensions_mut().insert(c);
    }
    req
}

async fn serve_http(
    addr: SocketAddr,
    allowed_hosts: Vec<String>,
    env: Arc<Credentials>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = StreamableHttpServerConfig::default();
    config.allowed_hosts.extend(allowed_hosts);
    let service = StreamableHttpService::new(
        move || Ok(Relay::new(env.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let app = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::map_request(take_credentials));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    // Tests and scripts read the address from this line.
    eprintln!(
        "scim-mcp: listening on http://{}/mcp",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    // Logs go to stderr: stdout carries the protocol in stdio mode.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let env = Arc::new(Credentials::from_env());
    if let Some(addr) = cli.http {
        return serve_http(addr, cli.allowed_hosts, env).await;
    }
    if let Err(e) = env.connect() {
        tracing::warn!("{e}");
    }
    let service = Relay::new(env).serve(rmcp::transport::stdio()).await?;
    service.waiting().await?;
    Ok(())
}
