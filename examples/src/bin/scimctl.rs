//! `scimctl`: a SCIM 2.0 client on the command line, built on scimkit-protocol's client side.
//!
//! ```text
//! export SCIM_BASE_URL=http://127.0.0.1:8080/t/acme/scim/v2 SCIM_TOKEN=...
//! scimctl users create --user-name bjensen --given-name Barbara --family-name Jensen
//! scimctl users list --filter 'userName sw "b"' --attributes userName,active --all
//! scimctl groups add-member GROUP_ID USER_ID
//! scimctl agents create --agent-user-name billing-bot --owner USER_ID
//! scimctl sync people.csv --dry-run
//! ```
//!
//! Output is pretty JSON on stdout. A SCIM error prints its status, `scimType` and `detail` on
//! stderr and exits with status 1. The token is never printed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use examples::client::sync::{self, Format, Missing};
use examples::client::{Capabilities, QueryArgs, Scim, Transport, GROUP_SCHEMA};
use indicatif::{ProgressDrawTarget, ProgressStyle};
use scimkit::patch::{PatchOperation, PatchRequest};
use scimkit::protocol::{BulkChunker, BulkRequest, ETag, Query, RetryPolicy, ScimError};
use scimkit::schema::agents::{AGENTIC_APPLICATION_SCHEMA, AGENT_SCHEMA};
use serde_json::{json, Map, Value};

/// A SCIM 2.0 client: users, groups, agents, search, bulk, discovery and sync.
#[derive(Debug, Parser)]
#[command(name = "scimctl", version, about, max_term_width = 100)]
struct Cli {
    /// The service provider's base URL, e.g. `https://example.com/scim/v2`.
    #[arg(long, env = "SCIM_BASE_URL", global = true)]
    base_url: Option<String>,
    /// The bearer token (prefer the environment variable: flags show in process lists).
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// How often to retry a throttled request (429 / 503 with Retry-After).
    #[arg(long, default_value_t = 5, global = true)]
    retries: u32,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 60, global = true)]
    timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage users (/Users).
    #[command(subcommand)]
    Users(UserCommand),
    /// Manage groups (/Groups).
    #[command(subcommand)]
    Groups(GroupCommand),
    /// Manage AI agents (/Agents, on a server that serves them, e.g. `scim-server --agents`).
    #[command(subcommand)]
    Agents(AgentCommand),
    /// Manage agentic applications (/AgenticApplications), the applications agents live in.
    #[command(subcommand)]
    Applications(ApplicationCommand),
    /// Query with POST /.search (the query stays out of URLs and logs).
    Search {
        /// Search one endpoint (Users, Groups) rather than the whole server.
        #[arg(long)]
        endpoint: Option<String>,
        #[command(flatten)]
        query: QueryFlags,
    },
    /// Send a BulkRequest file (split to the server's bulk.maxOperations when longer).
    Bulk {
        /// A BulkRequest message, or `-` for stdin.
        file: PathBuf,
        /// Stop after this many errors (failOnErrors).
        #[arg(long)]
        fail_on_errors: Option<u64>,
    },
    /// Show what the server supports: ServiceProviderConfig, ResourceTypes, Schemas.
    Discover {
        /// Leave out the (long) Schemas.
        #[arg(long)]
        no_schemas: bool,
    },
    /// Make the server's users match a JSON or CSV file of desired users (by userName).
    Sync(SyncArgs),
}

#[derive(Debug, Args)]
struct SyncArgs {
    /// Desired users: a JSON array of SCIM Users, or CSV with a header of attribute names.
    file: PathBuf,
    /// The file's format (default: from its extension).
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// Print the plan and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Leave users that the file does not list alone (default: deactivate them).
    #[arg(long)]
    keep_missing: bool,
    /// Send one request per change even when the server supports /Bulk.
    #[arg(long)]
    no_bulk: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FileFormat {
    Json,
    Csv,
}

/// Query parameters (RFC 7644 §3.4.2).
#[derive(Debug, Args, Default)]
struct QueryFlags {
    /// A SCIM filter, e.g. 'userName eq "bjensen"'.
    #[arg(long)]
    filter: Option<String>,
    #[command(flatten)]
    projection: ProjectionFlags,
    /// Sort by this attribute.
    #[arg(long)]
    sort_by: Option<String>,
    /// ascending or descending.
    #[arg(long)]
    sort_order: Option<String>,
    /// Page size.
    #[arg(long)]
    count: Option<u64>,
    /// 1-based index of the first result.
    #[arg(long)]
    start_index: Option<u64>,
    /// Page with RFC 9865 cursors; with no value, from the first page.
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    cursor: Option<String>,
    /// Follow pages (startIndex or cursors) to the end and print every result.
    #[arg(long)]
    all: bool,
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.9).
#[derive(Debug, Args, Default)]
struct ProjectionFlags {
    /// Return only these attributes (comma-separated or repeated).
    #[arg(long)]
    attributes: Vec<String>,
    /// Return the defaults but these (comma-separated or repeated).
    #[arg(long)]
    excluded_attributes: Vec<String>,
}

/// User attributes given as flags; they are laid over the file's, if any.
#[derive(Debug, Args, Default)]
struct UserFields {
    /// userName.
    #[arg(long)]
    user_name: Option<String>,
    /// name.givenName.
    #[arg(long)]
    given_name: Option<String>,
    /// name.familyName.
    #[arg(long)]
    family_name: Option<String>,
    /// displayName.
    #[arg(long)]
    display_name: Option<String>,
    /// A work email (primary).
    #[arg(long)]
    email: Option<String>,
    /// externalId.
    #[arg(long)]
    external_id: Option<String>,
    /// title.
    #[arg(long)]
    title: Option<String>,
    /// active (true or false).
    #[arg(long)]
    active: Option<bool>,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user from a JSON file (`-`: stdin) and/or flags.
    Create {
        /// A SCIM User.
        file: Option<PathBuf>,
        #[command(flatten)]
        fields: UserFields,
    },
    /// Set active=false.
    Deactivate { id: String },
    /// Set active=true.
    Activate { id: String },
    #[command(flatten)]
    Resource(ResourceCommand),
}

/// What every resource type offers: read, list, replace, modify, delete.
#[derive(Debug, Subcommand)]
enum ResourceCommand {
    /// Show one by id.
    Get {
        id: String,
        #[command(flatten)]
        projection: ProjectionFlags,
    },
    /// List them (filter, sort, page).
    List {
        #[command(flatten)]
        query: QueryFlags,
    },
    /// Replace one with a JSON file (PUT).
    Replace {
        id: String,
        /// The full SCIM resource, `-` for stdin.
        file: PathBuf,
        /// Only if the resource is still at this version (ETag, e.g. W/"3").
        #[arg(long)]
        if_match: Option<String>,
    },
    /// Modify one (PATCH) with a PatchOp file and/or --add/--replace/--remove.
    Patch {
        id: String,
        #[command(flatten)]
        ops: PatchFlags,
    },
    /// Delete one.
    Delete {
        id: String,
        #[arg(long)]
        if_match: Option<String>,
    },
}

#[derive(Debug, Args)]
struct PatchFlags {
    /// A PatchOp message or a JSON array of operations, `-` for stdin.
    file: Option<PathBuf>,
    /// PATH=VALUE: add (VALUE is JSON, or else a string).
    #[arg(long, value_name = "PATH=VALUE")]
    add: Vec<String>,
    /// PATH=VALUE: replace (VALUE is JSON, or else a string).
    #[arg(long, value_name = "PATH=VALUE")]
    replace: Vec<String>,
    /// PATH: remove.
    #[arg(long, value_name = "PATH")]
    remove: Vec<String>,
    /// Only if the resource is still at this version (ETag).
    #[arg(long)]
    if_match: Option<String>,
}

#[derive(Debug, Subcommand)]
enum GroupCommand {
    /// Create a group from a JSON file and/or flags.
    Create {
        /// A SCIM Group, `-` for stdin.
        file: Option<PathBuf>,
        /// displayName.
        #[arg(long)]
        display_name: Option<String>,
        /// externalId.
        #[arg(long)]
        external_id: Option<String>,
        /// A member's id (repeatable).
        #[arg(long = "member")]
        members: Vec<String>,
    },
    /// Add members (at most 100 per request).
    AddMember {
        group: String,
        #[arg(required = true)]
        members: Vec<String>,
    },
    /// Remove members (at most 100 per request).
    RemoveMember {
        group: String,
        #[arg(required = true)]
        members: Vec<String>,
    },
    /// Make the members exactly these (adds and removes the difference).
    SetMembers { group: String, members: Vec<String> },
    #[command(flatten)]
    Resource(ResourceCommand),
}

/// Agent attributes given as flags; they are laid over the file's, if any.
#[derive(Debug, Args, Default)]
struct AgentFields {
    /// agentUserName: the agent's unique handle (required).
    #[arg(long)]
    agent_user_name: Option<String>,
    /// displayName.
    #[arg(long)]
    display_name: Option<String>,
    /// description.
    #[arg(long)]
    description: Option<String>,
    /// agentType, e.g. Assistant.
    #[arg(long)]
    agent_type: Option<String>,
    /// externalId.
    #[arg(long)]
    external_id: Option<String>,
    /// The id of a user who owns the agent (repeatable).
    #[arg(long = "owner")]
    owners: Vec<String>,
    /// active (true or false).
    #[arg(long)]
    active: Option<bool>,
}

#[derive(Debug, Subcommand)]
enum AgentCommand {
    /// Create an agent from a JSON file (`-`: stdin) and/or flags.
    Create {
        /// A SCIM Agent.
        file: Option<PathBuf>,
        #[command(flatten)]
        fields: AgentFields,
    },
    /// Set active=false: the agent may no longer act.
    Deactivate { id: String },
    /// Set active=true.
    Activate { id: String },
    #[command(flatten)]
    Resource(ResourceCommand),
}

#[derive(Debug, Subcommand)]
enum ApplicationCommand {
    /// Create an agentic application from a JSON file (`-`: stdin) and/or flags.
    Create {
        /// A SCIM AgenticApplication.
        file: Option<PathBuf>,
        /// name: the application's unique name (required).
        #[arg(long)]
        name: Option<String>,
        /// displayName.
        #[arg(long)]
        display_name: Option<String>,
        /// description.
        #[arg(long)]
        description: Option<String>,
        /// externalId.
        #[arg(long)]
        external_id: Option<String>,
        /// The application's home page (applicationUrls, type homepage).
        #[arg(long)]
        url: Option<String>,
        /// The id of an agent the application hosts (repeatable).
        #[arg(long = "agent")]
        agents: Vec<String>,
    },
    #[command(flatten)]
    Resource(ResourceCommand),
}

/// What went wrong: a SCIM error from the server (or built locally), or a usage problem.
enum Failure {
    Scim(ScimError),
    Usage(String),
}

impl From<ScimError> for Failure {
    fn from(e: ScimError) -> Self {
        Failure::Scim(e)
    }
}

impl From<String> for Failure {
    fn from(e: String) -> Self {
        Failure::Usage(e)
    }
}

type Outcome = Result<Option<Value>, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let token = cli.token.clone().filter(|t| !t.is_empty());
    let scim = match connect(&cli, token.as_deref()) {
        Ok(s) => s,
        Err(f) => return report(f, None),
    };
    let outcome = run(&scim, cli.command);
    match outcome {
        Ok(out) => {
            if let Some(v) = out {
                print_json(&scim, &v);
            }
            ExitCode::SUCCESS
        }
        Err(f) => report(f, Some(&scim)),
    }
}

fn connect(cli: &Cli, token: Option<&str>) -> Result<Scim, Failure> {
    let base = cli.base_url.as_deref().ok_or_else(|| {
        Failure::Usage("no base URL: set SCIM_BASE_URL or pass --base-url".into())
    })?;
    Ok(Scim::new(base, token)?
        .transport(Transport::new(Duration::from_secs(cli.timeout.max(1))))
        .retry_policy(RetryPolicy::new().max_attempts(cli.retries.saturating_add(1))))
}

fn print_json(scim: &Scim, v: &Value) {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", scim.redact(&text));
}

fn report(f: Failure, scim: Option<&Scim>) -> ExitCode {
    let redact = |s: &str| scim.map_or_else(|| s.to_owned(), |c| c.redact(s));
    match f {
        Failure::Usage(msg) => {
            eprintln!("scimctl: {}", redact(&msg));
            ExitCode::from(2)
        }
        Failure::Scim(e) => {
            let status = e.status();
            eprintln!(
                "scimctl: SCIM error {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            );
            if let Some(t) = e.scim_type_raw() {
                eprintln!("  scimType: {t}");
            }
            if let Some(d) = e.detail() {
                eprintln!("  detail:   {}", redact(d));
            }
            if let Some(w) = e.retry_after() {
                eprintln!("  retry after: {}s", w.as_secs());
            }
            ExitCode::FAILURE
        }
    }
}

fn run(scim: &Scim, command: Command) -> Outcome {
    match command {
        Command::Users(c) => users(scim, c),
        Command::Groups(c) => groups(scim, c),
        Command::Agents(c) => agents(scim, c),
        Command::Applications(c) => applications(scim, c),
        Command::Search { endpoint, query } => {
            list(scim, endpoint.as_deref().unwrap_or(""), &query, true)
        }
        Command::Bulk {
            file,
            fail_on_errors,
        } => bulk(scim, &file, fail_on_errors),
        Command::Discover { no_schemas } => Ok(Some(scim.discover(!no_schemas)?)),
        Command::Sync(args) => run_sync(scim, &args),
    }
}

fn users(scim: &Scim, c: UserCommand) -> Outcome {
    const EP: &str = "Users";
    Ok(match c {
        UserCommand::Create { file, fields } => {
            let mut user = read_or_empty(file.as_deref())?;
            apply_user_fields(&mut user, &fields)?;
            Some(scim.create(EP, &user)?)
        }
        UserCommand::Deactivate { id } => Some(scim.set_active(EP, &id, false)?),
        UserCommand::Activate { id } => Some(scim.set_active(EP, &id, true)?),
        UserCommand::Resource(c) => return resource(scim, EP, c),
    })
}

fn groups(scim: &Scim, c: GroupCommand) -> Outcome {
    const EP: &str = "Groups";
    Ok(match c {
        GroupCommand::Create {
            file,
            display_name,
            external_id,
            members,
        } => {
            let mut group = read_or_empty(file.as_deref())?;
            let members = references(&members);
            set_fields(
                &mut group,
                GROUP_SCHEMA,
                [
                    ("displayName", display_name.map(Value::String)),
                    ("externalId", external_id.map(Value::String)),
                    ("members", members),
                ],
            )?;
            Some(scim.create(EP, &group)?)
        }
        GroupCommand::AddMember { group, members } => Some(scim.add_members(&group, &members)?),
        GroupCommand::RemoveMember { group, members } => {
            Some(scim.remove_members(&group, &members)?)
        }
        GroupCommand::SetMembers { group, members } => Some(scim.set_members(&group, &members)?),
        GroupCommand::Resource(c) => return resource(scim, EP, c),
    })
}

fn agents(scim: &Scim, c: AgentCommand) -> Outcome {
    const EP: &str = "Agents";
    Ok(match c {
        AgentCommand::Create { file, fields: f } => {
            let mut agent = read_or_empty(file.as_deref())?;
            let owners = references(&f.owners);
            set_fields(
                &mut agent,
                AGENT_SCHEMA,
                [
                    ("agentUserName", f.agent_user_name.map(Value::String)),
                    ("displayName", f.display_name.map(Value::String)),
                    ("description", f.description.map(Value::String)),
                    ("agentType", f.agent_type.map(Value::String)),
                    ("externalId", f.external_id.map(Value::String)),
                    ("owners", owners),
                    ("active", f.active.map(Value::Bool)),
                ],
            )?;
            require(&agent, "agentUserName", "an agent", "--agent-user-name")?;
            Some(scim.create(EP, &agent)?)
        }
        AgentCommand::Deactivate { id } => Some(scim.set_active(EP, &id, false)?),
        AgentCommand::Activate { id } => Some(scim.set_active(EP, &id, true)?),
        AgentCommand::Resource(c) => return resource(scim, EP, c),
    })
}

fn applications(scim: &Scim, c: ApplicationCommand) -> Outcome {
    const EP: &str = "AgenticApplications";
    Ok(match c {
        ApplicationCommand::Create {
            file,
            name,
            display_name,
            description,
            external_id,
            url,
            agents,
        } => {
            let mut app = read_or_empty(file.as_deref())?;
            let url = url.map(|u| json!([{"value": u, "type": "homepage", "primary": true}]));
            let agents = references(&agents);
            set_fields(
                &mut app,
                AGENTIC_APPLICATION_SCHEMA,
                [
                    ("name", name.map(Value::String)),
                    ("displayName", display_name.map(Value::String)),
                    ("description", description.map(Value::String)),
                    ("externalId", external_id.map(Value::String)),
                    ("applicationUrls", url),
                    ("agents", agents),
                ],
            )?;
            require(&app, "name", "an agentic application", "--name")?;
            Some(scim.create(EP, &app)?)
        }
        ApplicationCommand::Resource(c) => return resource(scim, EP, c),
    })
}

/// The commands every resource type shares, at `endpoint`.
fn resource(scim: &Scim, endpoint: &str, c: ResourceCommand) -> Outcome {
    Ok(match c {
        ResourceCommand::Get { id, projection } => Some(
            scim.get(endpoint, &id, &projection_query(&projection)?)?
                .resource,
        ),
        ResourceCommand::List { query } => return list(scim, endpoint, &query, false),
        ResourceCommand::Replace { id, file, if_match } => {
            let body = read_json(&file)?;
            Some(scim.replace(endpoint, &id, &body, etag(if_match.as_deref())?.as_ref())?)
        }
        ResourceCommand::Patch { id, ops } => Some(patch(scim, endpoint, &id, &ops)?),
        ResourceCommand::Delete { id, if_match } => {
            scim.delete(endpoint, &id, etag(if_match.as_deref())?.as_ref())?;
            None
        }
    })
}

/// The JSON file a create starts from, or an empty object.
fn read_or_empty(file: Option<&Path>) -> Result<Value, Failure> {
    match file {
        Some(f) => read_json(f),
        None => Ok(json!({})),
    }
}

/// Lays the given flag values over `resource` (a JSON object), adding `schemas` when it has none.
fn set_fields<const N: usize>(
    resource: &mut Value,
    schema: &str,
    fields: [(&str, Option<Value>); N],
) -> Result<(), Failure> {
    let obj = resource
        .as_object_mut()
        .ok_or_else(|| "the resource must be a JSON object".to_owned())?;
    if scimkit::schema::name::get(obj, "schemas").is_none() {
        obj.insert("schemas".into(), json!([schema]));
    }
    for (name, value) in fields {
        if let Some(v) = value {
            obj.insert(name.to_owned(), v);
        }
    }
    Ok(())
}

/// `[{"value": id}, ...]` for the ids given on the command line, `None` for none.
fn references(ids: &[String]) -> Option<Value> {
    (!ids.is_empty()).then(|| ids.iter().map(|id| json!({ "value": id })).collect())
}

/// A usage error unless `resource` has `attribute` (the one a create needs).
fn require(resource: &Value, attribute: &str, what: &str, flag: &str) -> Result<(), Failure> {
    match resource
        .as_object()
        .and_then(|o| scimkit::schema::name::get(o, attribute))
    {
        Some(_) => Ok(()),
        None => Err(Failure::Usage(format!(
            "{what} needs {attribute}: pass {flag} or a file"
        ))),
    }
}

fn query_args(q: &QueryFlags) -> QueryArgs {
    QueryArgs {
        filter: q.filter.clone(),
        attributes: q.projection.attributes.clone(),
        excluded_attributes: q.projection.excluded_attributes.clone(),
        sort_by: q.sort_by.clone(),
        sort_order: q.sort_order.clone(),
        start_index: q.start_index,
        count: q.count,
        cursor: q.cursor.clone(),
    }
}

fn projection_query(p: &ProjectionFlags) -> Result<Query, ScimError> {
    QueryArgs {
        attributes: p.attributes.clone(),
        excluded_attributes: p.excluded_attributes.clone(),
        ..QueryArgs::default()
    }
    .to_query()
}

fn list(scim: &Scim, endpoint: &str, flags: &QueryFlags, search: bool) -> Outcome {
    let query = query_args(flags).to_query()?;
    let page = if flags.all {
        let mut bar = Progress::new("resources");
        let all = scim.list_all(endpoint, &query, search, &mut |n, total| {
            bar.show(n, total.map(|t| t as usize))
        });
        bar.finish();
        all?
    } else if search {
        scim.search(endpoint, &query)?
    } else {
        scim.list(endpoint, &query)?
    };
    Ok(Some(
        serde_json::to_value(&page).map_err(|e| e.to_string())?,
    ))
}

fn patch(scim: &Scim, endpoint: &str, id: &str, flags: &PatchFlags) -> Result<Value, Failure> {
    let mut ops: Vec<PatchOperation> = match &flags.file {
        Some(f) => match read_json(f)? {
            Value::Array(items) => items
                .iter()
                .map(PatchOperation::from_value)
                .collect::<Result<_, _>>()
                .map_err(ScimError::from)?,
            v => {
                PatchRequest::from_value(&v)
                    .map_err(ScimError::from)?
                    .operations
            }
        },
        None => Vec::new(),
    };
    for (list, add) in [(&flags.add, true), (&flags.replace, false)] {
        for item in list {
            let (path, value) = item
                .split_once('=')
                .ok_or_else(|| format!("`{item}`: expected PATH=VALUE"))?;
            let value = serde_json::from_str(value).unwrap_or(Value::String(value.to_owned()));
            let path = Some(path.trim()).filter(|p| !p.is_empty());
            ops.push(
                if add {
                    PatchOperation::add(path, value)
                } else {
                    PatchOperation::replace(path, value)
                }
                .map_err(ScimError::from)?,
            );
        }
    }
    for path in &flags.remove {
        ops.push(PatchOperation::remove(path.trim()).map_err(ScimError::from)?);
    }
    if ops.is_empty() {
        return Err(Failure::Usage(
            "nothing to do: give a PatchOp file or --add/--replace/--remove".into(),
        ));
    }
    let tag = etag(flags.if_match.as_deref())?;
    Ok(scim.patch_and_get(endpoint, id, &PatchRequest::new(ops), tag.as_ref())?)
}

fn bulk(scim: &Scim, file: &Path, fail_on_errors: Option<u64>) -> Outcome {
    let mut req: BulkRequest = serde_json::from_value(read_json(file)?)
        .map_err(|e| format!("{}: not a BulkRequest: {e}", file.display()))?;
    if fail_on_errors.is_some() {
        req.fail_on_errors = fail_on_errors;
    }
    let caps = Capabilities::from_config(&scim.service_provider_config()?);
    // Within the server's limits; bulkId references across requests are resolved by the plan.
    let chunker = BulkChunker::from_config(&caps.bulk_config())?.fail_on_errors(req.fail_on_errors);
    let mut plan = chunker.plan(req.operations);
    let mut bar = Progress::new("operations");
    let sent = scim.run_bulk(&mut plan, &mut |n, total| bar.show(n, Some(total)));
    bar.finish();
    sent?;
    let all = plan.into_response();
    let failed = all
        .operations
        .iter()
        .filter(|o| o.error().is_some())
        .count();
    let out = serde_json::to_value(&all).map_err(|e| e.to_string())?;
    if failed > 0 {
        print_json(scim, &out);
        return Err(ScimError::new(
            http::StatusCode::BAD_REQUEST,
            format!(
                "{failed} of {} bulk operations failed",
                all.operations.len()
            ),
        )
        .into());
    }
    Ok(Some(out))
}

fn run_sync(scim: &Scim, args: &SyncArgs) -> Outcome {
    let format = args.format.map(|f| match f {
        FileFormat::Json => Format::Json,
        FileFormat::Csv => Format::Csv,
    });
    let desired = sync::load(&args.file, format)?;
    let caps = Capabilities::from_config(&scim.service_provider_config()?);
    let mut bar = Progress::new("users read");
    let fetched = sync::fetch_current(scim, &caps, &mut |n, t| bar.show(n, t.map(|t| t as usize)));
    bar.finish();
    let (current, pages) = fetched?;
    let missing = if args.keep_missing {
        Missing::Keep
    } else {
        Missing::Deactivate
    };
    let plan = sync::plan(&desired, &current, missing)?;
    if args.dry_run {
        return Ok(Some(plan.to_json()));
    }
    let mut bar = Progress::new("changes sent");
    let mut report = sync::execute(scim, &plan, &caps, !args.no_bulk, &mut |n, t| {
        bar.show(n, Some(t))
    });
    bar.finish();
    report.read_requests = pages;
    let out = report.to_json();
    if !report.failures.is_empty() {
        print_json(scim, &out);
        return Err(ScimError::new(
            http::StatusCode::BAD_GATEWAY,
            format!("{} changes failed (see `errors`)", report.failures.len()),
        )
        .into());
    }
    Ok(Some(out))
}

fn apply_user_fields(user: &mut Value, f: &UserFields) -> Result<(), Failure> {
    let obj = user
        .as_object_mut()
        .ok_or_else(|| "the user must be a JSON object".to_owned())?;
    if scimkit::schema::name::get(obj, "schemas").is_none() {
        obj.insert("schemas".into(), json!([examples::client::USER_SCHEMA]));
    }
    let mut set = |k: &str, v: Value| {
        obj.insert(k.to_owned(), v);
    };
    if let Some(v) = &f.user_name {
        set("userName", json!(v));
    }
    if let Some(v) = &f.display_name {
        set("displayName", json!(v));
    }
    if let Some(v) = &f.email {
        set(
            "emails",
            json!([{"value": v, "type": "work", "primary": true}]),
        );
    }
    if let Some(v) = &f.external_id {
        set("externalId", json!(v));
    }
    if let Some(v) = &f.title {
        set("title", json!(v));
    }
    if let Some(v) = f.active {
        set("active", json!(v));
    }
    if f.given_name.is_some() || f.family_name.is_some() {
        let name = obj
            .entry("name")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(n) = name.as_object_mut() {
            if let Some(g) = &f.given_name {
                n.insert("givenName".into(), json!(g));
            }
            if let Some(g) = &f.family_name {
                n.insert("familyName".into(), json!(g));
            }
        }
    }
    require(user, "userName", "a user", "--user-name")
}

fn etag(text: Option<&str>) -> Result<Option<ETag>, Failure> {
    let Some(t) = text else { return Ok(None) };
    let t = t.trim();
    // Accept a bare version too: `3` means "3".
    let parsed = t
        .parse::<ETag>()
        .or_else(|_| format!("\"{t}\"").parse::<ETag>());
    parsed
        .map(Some)
        .map_err(|_| Failure::Usage(format!("`{t}` is not an entity tag")))
}

fn read_json(path: &Path) -> Result<Value, Failure> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("stdin: {e}"))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?
    };
    serde_json::from_str(&text).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
}

/// A one-line progress display on stderr (indicatif draws it only when stderr is a terminal).
struct Progress {
    bar: indicatif::ProgressBar,
    what: &'static str,
}

impl Progress {
    fn new(what: &'static str) -> Progress {
        let bar = indicatif::ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        Progress { bar, what }
    }

    fn show(&mut self, n: usize, total: Option<usize>) {
        match total {
            Some(t) if t > 0 => {
                if self.bar.length() != Some(t as u64) {
                    self.bar.set_length(t as u64);
                    self.bar.set_style(
                        ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg}")
                            .expect("the template is valid")
                            .progress_chars("#  "),
                    );
                }
            }
            _ => self.bar.set_style(
                ProgressStyle::with_template("{pos} {msg}").expect("the template is valid"),
            ),
        }
        self.bar.set_message(self.what);
        self.bar.set_position(n as u64);
    }

    fn finish(&mut self) {
        self.bar.finish();
    }
}
