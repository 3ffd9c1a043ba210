//! `scimctl sync`: make a service provider's users match a file of desired users.
//!
//! Users are matched by `userName` (case-insensitively: `userName` has `caseExact: false`,
//! RFC 7643 §4.1.1). For each desired user the plan holds a create (no match), a PATCH of the
//! minimal operations [`scimkit::patch::diff`] finds between the server's copy and the server's
//! copy with the file's attributes laid over it (a match that differs), or nothing. Users on the
//! server that the file does not list are deactivated (`active: false`), never deleted.
//!
//! The plan runs through `/Bulk` when the server supports it, split by the library's
//! [`BulkChunker`] into requests of at most `bulk.maxOperations` operations and
//! `bulk.maxPayloadSize` bytes, and otherwise as one request per change; 429s are retried after
//! `Retry-After` by [`Scim::execute`].

use std::collections::{HashMap, HashSet};
use std::path::Path;

use http::Method;
use scimkit::patch::{diff, PatchOperation, PatchRequest};
use scimkit::protocol::{BulkChunker, BulkOperation, Query, ScimError};
use scimkit::schema::name;
use serde_json::{json, Map, Value};

use super::{Capabilities, Scim, ENTERPRISE_SCHEMA, USER_SCHEMA};

/// The file format of the desired users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON array of SCIM User objects, or an object whose `Resources` is one (a
    /// ListResponse).
    Json,
    /// CSV with a header row of attribute names (see [`parse_csv`]).
    Csv,
}

impl Format {
    /// The format a file name suggests: `.csv` is CSV, anything else JSON.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
            _ => Format::Json,
        }
    }
}

/// Reads the desired users from a file.
pub fn load(path: &Path, format: Option<Format>) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    match format.unwrap_or_else(|| Format::from_path(path)) {
        Format::Json => parse_json(&text),
        Format::Csv => parse_csv(&text),
    }
    .map_err(|e| format!("{}: {e}", path.display()))
}

/// Desired users from JSON: an array of User objects, or a ListResponse-like object.
pub fn parse_json(text: &str) -> Result<Vec<Value>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let items = match v {
        Value::Array(a) => a,
        Value::Object(o) => match name::value(&o, "Resources") {
            Some(Value::Array(a)) => a.clone(),
            _ => return Err("expected an array of users or an object with `Resources`".into()),
        },
        _ => return Err("expected an array of users".into()),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, u)| match u {
            Value::Object(_) => Ok(u),
            _ => Err(format!("user #{} is not an object", i + 1)),
        })
        .collect()
}

/// Desired users from CSV (RFC 4180: quoted fields, `""` escapes, CRLF or LF). The header row
/// names attributes:
/// - `userName`, `displayName`, `externalId`, `title`, ... (any core attribute): the value as a
///   string; `active`: `true`/`false`/`yes`/`no`/`1`/`0`;
/// - dotted names (`name.givenName`): a sub-attribute;
/// - `email` (or `emails`, `workEmail`): one work email, primary; `phoneNumber` (or `phone`): one
///   work phone number;
/// - `employeeNumber`, `costCenter`, `organization`, `division`, `department`, `manager`, or any
///   `urn:...:attribute`: the enterprise (or the named) extension.
///
/// Empty cells are left out.
pub fn parse_csv(text: &str) -> Result<Vec<Value>, String> {
    let rows = csv_rows(text)?;
    let mut rows = rows.into_iter();
    let header = rows.next().ok_or("the CSV file is empty")?;
    let header: Vec<String> = header
        .into_iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut users = Vec::new();
    for (i, row) in rows.enumerate() {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if row.len() > header.len() {
            return Err(format!(
                "row {} has {} fields, the header {}",
                i + 2,
                row.len(),
                header.len()
            ));
        }
        let mut user = Map::new();
        for (col, cell) in header.iter().zip(row) {
            let cell = cell.trim();
            if cell.is_empty() || col.is_empty() {
                continue;
            }
            set_csv_column(&mut user, col, cell).map_err(|e| format!("row {}: {e}", i + 2))?;
        }
        users.push(Value::Object(user));
    }
    Ok(users)
}

const ENTERPRISE_ATTRS: [&str; 6] = [
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
];

fn set_csv_column(user: &mut Map<String, Value>, col: &str, cell: &str) -> Result<(), String> {
    let lower = col.to_ascii_lowercase();
    match lower.as_str() {
        "email" | "emails" | "workemail" | "emails.work" => {
            user.insert(
                "emails".into(),
                json!([{"value": cell, "type": "work", "primary": true}]),
            );
            return Ok(());
        }
        "phone" | "phonenumber" | "phonenumbers" | "phonenumbers.work" => {
            user.insert(
                "phoneNumbers".into(),
                json!([{"value": cell, "type": "work"}]),
            );
            return Ok(());
        }
        "active" => {
            let b = match cell.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "y" => true,
                "false" | "no" | "0" | "n" => false,
                _ => return Err(format!("`active` must be true or false, not `{cell}`")),
            };
            user.insert("active".into(), Value::Bool(b));
            return Ok(());
        }
        _ => {}
    }
    // An extension attribute: `urn:...:attr` or one of the enterprise names.
    let (urn, attr) = if lower.starts_with("urn:") {
        match col.rsplit_once(':') {
            Some((u, a)) if !a.is_empty() => (Some(u.to_owned()), a.to_owned()),
            _ => return Err(format!("column `{col}` names no attribute")),
        }
    } else if let Some(e) = ENTERPRISE_ATTRS
        .iter()
        .find(|e| e.eq_ignore_ascii_case(col.split('.').next().unwrap_or(col)))
    {
        let rest = col.split_once('.').map(|(_, r)| format!(".{r}"));
        (
            Some(ENTERPRISE_SCHEMA.to_owned()),
            format!("{e}{}", rest.unwrap_or_default()),
        )
    } else {
        (None, col.to_owned())
    };
    let target = match urn {
        Some(u) => user
            .entry(u)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| format!("column `{col}` clashes with another"))?,
        None => user,
    };
    let value = if attr.eq_ignore_ascii_case("manager") {
        json!({ "value": cell })
    } else {
        Value::String(cell.to_owned())
    };
    match attr.split_once('.') {
        Some((parent, sub)) => {
            let obj = target
                .entry(parent.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            obj.as_object_mut()
                .ok_or_else(|| format!("column `{col}` clashes with another"))?
                .insert(sub.to_owned(), value);
        }
        None => {
            target.insert(attr, value);
        }
    }
    Ok(())
}

/// The records of a CSV text (RFC 4180; rows may differ in length, the caller checks them).
fn csv_rows(text: &str) -> Result<Vec<Vec<String>>, String> {
    if let Some(line) = unterminated_quote(text) {
        return Err(format!("line {line}: a quoted field is never closed"));
    }
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_owned).collect())
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// The line on which a quoted field opens and never closes, if one does.
///
/// The `csv` crate reads such a field to the end of the file and returns it as if it were closed:
/// a file cut off in transit would then sync a truncated last user instead of failing. A quote
/// opens a field only at the start of one (elsewhere it is a literal character, as `csv` reads
/// it), and inside a quoted field `""` is an escaped quote.
fn unterminated_quote(text: &str) -> Option<usize> {
    let (mut quoted, mut field_start, mut line, mut opened_on) = (false, true, 1, 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if field_start => (quoted, opened_on) = (true, line),
            _ => {}
        }
        if c == '\n' {
            line += 1;
        }
        field_start = !quoted && matches!(c, ',' | '\n' | '\r');
    }
    quoted.then_some(opened_on)
}

/// What to do about users the file does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// Deactivate them (`active: false`).
    #[default]
    Deactivate,
    /// Leave them alone.
    Keep,
}

/// A planned update of one user.
#[derive(Debug, Clone)]
pub struct Update {
    /// The user's `userName`.
    pub user_name: String,
    /// The user's `id`.
    pub id: String,
    /// The operations, from [`diff`].
    pub operations: Vec<PatchOperation>,
}

/// A user the file does not list.
#[derive(Debug, Clone)]
pub struct Deactivation {
    /// The user's `userName`.
    pub user_name: String,
    /// The user's `id`.
    pub id: String,
}

/// What a sync will send.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Users to create, as they will be sent.
    pub creates: Vec<Value>,
    /// Users to PATCH.
    pub updates: Vec<Update>,
    /// Users to deactivate.
    pub deactivations: Vec<Deactivation>,
    /// Users already as desired.
    pub unchanged: usize,
}

impl Plan {
    /// Whether the plan sends nothing.
    pub fn is_empty(&self) -> bool {
        self.creates.is_empty() && self.updates.is_empty() && self.deactivations.is_empty()
    }

    /// The plan as JSON, for `--dry-run`.
    pub fn to_json(&self) -> Value {
        json!({
            "dryRun": true,
            "summary": {
                "create": self.creates.len(),
                "update": self.updates.len(),
                "deactivate": self.deactivations.len(),
                "unchanged": self.unchanged,
            },
            "create": self.creates.iter().map(|u| json!({
                "userName": user_name(u).unwrap_or_default(),
                "resource": redact_password(u),
            })).collect::<Vec<_>>(),
            "update": self.updates.iter().map(|u| json!({
                "userName": u.user_name, "id": u.id, "Operations": u.operations,
            })).collect::<Vec<_>>(),
            "deactivate": self.deactivations.iter().map(|d| json!({
                "userName": d.user_name, "id": d.id,
            })).collect::<Vec<_>>(),
        })
    }
}

fn redact_password(user: &Value) -> Value {
    let mut u = user.clone();
    if let Some(o) = u.as_object_mut() {
        if let Some(p) = name::value_mut(o, "password") {
            *p = Value::String("<redacted>".into());
        }
    }
    u
}

/// The `userName` of a resource.
pub fn user_name(user: &Value) -> Option<&str> {
    user.as_object()
        .and_then(|o| name::value(o, "userName"))
        .and_then(Value::as_str)
}

fn id_of(user: &Value) -> Option<&str> {
    user.as_object()
        .and_then(|o| name::value(o, "id"))
        .and_then(Value::as_str)
}

/// A desired user made ready to send: unassigned values (`null`, `[]`, `{}`) dropped, `schemas`
/// naming the core schema and every extension present, `active` true unless given.
pub fn normalize(user: &Value) -> Result<Value, String> {
    let Some(obj) = user.as_object() else {
        return Err("a user must be a JSON object".into());
    };
    let mut out = Map::new();
    let mut schemas: Vec<String> = vec![USER_SCHEMA.to_owned()];
    for (k, v) in obj {
        if name::eq(k, "schemas") {
            for s in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !schemas.iter().any(|x| name::eq(x, s)) {
                    schemas.push(s.to_owned());
                }
            }
            continue;
        }
        if name::eq(k, "id") || name::eq(k, "meta") {
            continue;
        }
        let Some(v) = prune(v) else { continue };
        if k.to_ascii_lowercase().starts_with("urn:")
            && v.is_object()
            && !schemas.iter().any(|x| name::eq(x, k))
        {
            schemas.push(k.clone());
        }
        out.insert(k.clone(), v);
    }
    if name::value(&out, "userName")
        .and_then(Value::as_str)
        .is_none_or(|s| s.trim().is_empty())
    {
        return Err("a user has no userName".into());
    }
    if name::get(&out, "active").is_none() {
        out.insert("active".into(), Value::Bool(true));
    }
    let mut with_schemas = Map::new();
    with_schemas.insert("schemas".into(), json!(schemas));
    with_schemas.extend(out);
    Ok(Value::Object(with_schemas))
}

/// `v` without unassigned members; `None` when `v` itself is unassigned.
fn prune(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Array(a) => {
            let items: Vec<Value> = a.iter().filter_map(prune).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(o) => {
            let m: Map<String, Value> = o
                .iter()
                .filter_map(|(k, v)| prune(v).map(|v| (k.clone(), v)))
                .collect();
            (!m.is_empty()).then_some(Value::Object(m))
        }
        _ => Some(v.clone()),
    }
}

/// `current` with `desired`'s attributes laid over it: complex attributes and extensions merge
/// by sub-attribute, everything else (multi-valued attributes included) is replaced; names
/// match in any case and keep the server's spelling; `schemas` is the union. `password` is
/// left out (servers never return it, so it would differ on every run).
pub fn overlay(current: &Value, desired: &Value) -> Value {
    let mut out = current.clone();
    if let (Value::Object(base), Value::Object(over)) = (&mut out, desired) {
        overlay_map(base, over, 0);
    }
    out
}

fn overlay_map(base: &mut Map<String, Value>, over: &Map<String, Value>, depth: usize) {
    for (k, v) in over {
        if depth == 0 && (name::eq(k, "id") || name::eq(k, "meta") || name::eq(k, "password")) {
            continue;
        }
        if depth == 0 && name::eq(k, "schemas") {
            let mut schemas: Vec<Value> = name::value(base, "schemas")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for s in v.as_array().into_iter().flatten() {
                let Some(text) = s.as_str() else { continue };
                if !schemas
                    .iter()
                    .any(|x| x.as_str().is_some_and(|x| name::eq(x, text)))
                {
                    schemas.push(s.clone());
                }
            }
            let key = name::key(base, "schemas").unwrap_or("schemas").to_owned();
            base.insert(key, Value::Array(schemas));
            continue;
        }
        match name::value_mut(base, k) {
            Some(Value::Object(existing)) if depth < 2 => {
                if let Value::Object(sub) = v {
                    overlay_map(existing, sub, depth + 1);
                } else {
                    let key = name::key(base, k).unwrap_or(k).to_owned();
                    base.insert(key, v.clone());
                }
            }
            Some(slot) => *slot = v.clone(),
            None => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The plan that makes `current` (every user on the server) match `desired`.
pub fn plan(desired: &[Value], current: &[Value], missing: Missing) -> Result<Plan, String> {
    let mut by_name: HashMap<String, &Value> = HashMap::new();
    for u in current {
        if let Some(n) = user_name(u) {
            by_name.insert(n.to_lowercase(), u);
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut plan = Plan::default();
    for (i, d) in desired.iter().enumerate() {
        let d = normalize(d).map_err(|e| format!("user #{}: {e}", i + 1))?;
        let un = user_name(&d).unwrap_or_default().to_owned();
        if !seen.insert(un.to_lowercase()) {
            return Err(format!("user #{}: userName `{un}` is listed twice", i + 1));
        }
        match by_name.get(&un.to_lowercase()) {
            None => plan.creates.push(d),
            Some(cur) => {
                // userName has caseExact: false; a difference in case alone is no change (and
                // servers that fold case would otherwise see it on every run).
                let mut d = d;
                if let (Some(o), Some(theirs)) = (d.as_object_mut(), user_name(cur)) {
                    if let Some(mine) = name::value_mut(o, "userName") {
                        *mine = Value::String(theirs.to_owned());
                    }
                }
                let target = overlay(cur, &d);
                let ops = diff(cur, &target);
                if ops.is_empty() {
                    plan.unchanged += 1;
                } else {
                    let id = id_of(cur)
                        .ok_or_else(|| format!("the server's user `{un}` has no id"))?
                        .to_owned();
                    plan.updates.push(Update {
                        user_name: un,
                        id,
                        operations: ops,
                    });
                }
            }
        }
    }
    if missing == Missing::Deactivate {
        for u in current {
            let Some(n) = user_name(u) else { continue };
            if seen.contains(&n.to_lowercase()) {
                continue;
            }
            let active = u
                .as_object()
                .and_then(|o| name::value(o, "active"))
                .is_none_or(|a| a != &Value::Bool(false));
            if let (true, Some(id)) = (active, id_of(u)) {
                plan.deactivations.push(Deactivation {
                    user_name: n.to_owned(),
                    id: id.to_owned(),
                });
            }
        }
    }
    Ok(plan)
}

/// Reads every user on the server (only the attributes a sync compares need not be narrowed:
/// the full default representation is read).
pub fn fetch_current(
    scim: &Scim,
    caps: &Capabilities,
    progress: &mut dyn FnMut(usize, Option<u64>),
) -> Result<(Vec<Value>, usize), ScimError> {
    let q = Query {
        count: Some(caps.page_size()),
        start_index: Some(1),
        ..Query::default()
    };
    let mut pages = 0;
    let list = scim.list_all("Users", &q, false, &mut |n, t| {
        pages += 1;
        progress(n, t);
    })?;
    Ok((list.resources, pages))
}

/// One change that failed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// `create`, `update` or `deactivate`.
    pub action: &'static str,
    /// The user.
    pub user_name: String,
    /// What the server said.
    pub error: ScimError,
}

/// What a sync did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Users created.
    pub created: usize,
    /// Users patched.
    pub updated: usize,
    /// Users deactivated.
    pub deactivated: usize,
    /// Users left as they were.
    pub unchanged: usize,
    /// Changes that failed.
    pub failures: Vec<Failure>,
    /// Write requests sent (a bulk request counts once).
    pub write_requests: usize,
    /// Of those, `/Bulk` requests.
    pub bulk_requests: usize,
    /// Read requests (pages) made to learn the server's users.
    pub read_requests: usize,
}

impl Report {
    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "summary": {
                "created": self.created,
                "updated": self.updated,
                "deactivated": self.deactivated,
                "unchanged": self.unchanged,
                "failed": self.failures.len(),
            },
            "requests": {
                "reads": self.read_requests,
                "writes": self.write_requests,
                "bulk": self.bulk_requests,
            },
            "errors": self.failures.iter().map(|f| json!({
                "action": f.action,
                "userName": f.user_name,
                "error": f.error.to_json(),
            })).collect::<Vec<_>>(),
        })
    }
}

enum Change<'a> {
    Create(&'a Value),
    Update(&'a Update),
    Deactivate(&'a Deactivation),
}

impl Change<'_> {
    fn action(&self) -> &'static str {
        match self {
            Change::Create(_) => "create",
            Change::Update(_) => "update",
            Change::Deactivate(_) => "deactivate",
        }
    }

    fn user_name(&self) -> String {
        match self {
            Change::Create(u) => user_name(u).unwrap_or_default().to_owned(),
            Change::Update(u) => u.user_name.clone(),
            Change::Deactivate(d) => d.user_name.clone(),
        }
    }

    fn patch(&self) -> Result<PatchRequest, ScimError> {
        match self {
            Change::Update(u) => Ok(PatchRequest::new(u.operations.clone())),
            _ => Ok(PatchRequest::new(vec![PatchOperation::replace(
                None,
                json!({"active": false}),
            )?])),
        }
    }

    fn bulk_operation(&self, n: usize) -> Result<BulkOperation, ScimError> {
        Ok(match self {
            Change::Create(u) => BulkOperation::new(Method::POST, "/Users")
                .bulk_id(format!("sync{n}"))
                .data((*u).clone()),
            Change::Update(Update { id, .. }) | Change::Deactivate(Deactivation { id, .. }) => {
                let patch = serde_json::to_value(self.patch()?)
                    .map_err(|e| ScimError::internal(e.to_string()))?;
                BulkOperation::new(Method::PATCH, format!("/Users/{id}")).data(patch)
            }
        })
    }

    fn send(&self, scim: &Scim) -> Result<(), ScimError> {
        match self {
            Change::Create(u) => scim.create("Users", u).map(drop),
            Change::Update(Update { id, .. }) | Change::Deactivate(Deactivation { id, .. }) => {
                scim.patch("Users", id, &self.patch()?, None).map(drop)
            }
        }
    }
}

fn record(report: &mut Report, change: &Change<'_>, result: Result<(), ScimError>) {
    match result {
        Ok(()) => match change {
            Change::Create(_) => report.created += 1,
            Change::Update(_) => report.updated += 1,
            Change::Deactivate(_) => report.deactivated += 1,
        },
        Err(error) => report.failures.push(Failure {
            action: change.action(),
            user_name: change.user_name(),
            error,
        }),
    }
}

/// Runs `plan`: through `/Bulk` when `caps` says the server supports it and `use_bulk`,
/// one request per change otherwise. `progress` hears (changes done, changes in all).
pub fn execute(
    scim: &Scim,
    plan: &Plan,
    caps: &Capabilities,
    use_bulk: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Report {
    let changes: Vec<Change<'_>> = plan
        .creates
        .iter()
        .map(Change::Create)
        .chain(plan.updates.iter().map(Change::Update))
        .chain(plan.deactivations.iter().map(Change::Deactivate))
        .collect();
    let mut report = Report {
        unchanged: plan.unchanged,
        ..Report::default()
    };
    let total = changes.len();
    let mut done = 0;
    let mut one_by_one: Vec<usize> = (0..total).collect();
    if use_bulk && caps.bulk && caps.bulk_max_operations != Some(0) {
        if let Ok(chunker) = BulkChunker::from_config(&caps.bulk_config()) {
            one_by_one.clear();
            // Each change as one operation; one that cannot be built fails alone.
            let mut ops = Vec::new();
            let mut change_of = Vec::new();
            for (i, change) in changes.iter().enumerate() {
                match change.bulk_operation(i) {
                    Ok(op) => {
                        ops.push(op);
                        change_of.push(i);
                    }
                    Err(e) => {
                        record(&mut report, change, Err(e));
                        done += 1;
                    }
                }
            }
            let mut plan = chunker.plan(ops);
            let (before, mut answered_requests) = (done, 0);
            let outcome = scim.run_bulk(&mut plan, &mut |n, _| {
                answered_requests += 1;
                progress(before + n, total);
            });
            let sent = answered_requests + usize::from(outcome.is_err());
            report.write_requests += sent;
            report.bulk_requests += sent;
            let results = plan.results();
            match outcome {
                // No /Bulk after all: everything goes one by one.
                Err(e)
                    if results.iter().all(Option::is_none)
                        && matches!(e.status().as_u16(), 404 | 405 | 501) =>
                {
                    one_by_one = change_of;
                }
                outcome => {
                    let failure = outcome.err();
                    for (k, &i) in change_of.iter().enumerate() {
                        let result = match &results[k] {
                            Some(r) => r.error().map_or(Ok(()), Err),
                            None => Err(failure.clone().unwrap_or_else(|| {
                                ScimError::internal(
                                    "the BulkResponse has no result for this operation",
                                )
                            })),
                        };
                        record(&mut report, &changes[i], result);
                        done += 1;
                    }
                    progress(done, total);
                }
            }
        }
    }
    for i in one_by_one {
        let change = &changes[i];
        report.write_requests += 1;
        let result = change.send(scim);
        record(&mut report, change, result);
        done += 1;
        progress(done, total);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_become_attributes() {
        let text = "userName,name.givenName,email,active,department,\"title\"\r\n\
                    bjensen,Barbara,\"b@example.com\",true,Tour,\"Guide, \"\"senior\"\"\"\n\
                    ,,,,,\n";
        let users = parse_csv(text).unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!(
            users[0],
            json!({"userName": "bjensen", "name": {"givenName": "Barbara"},
                   "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
                   "active": true, ENTERPRISE_SCHEMA: {"department": "Tour"},
                   "title": "Guide, \"senior\""})
        );
        // A file cut off inside a quoted field fails instead of syncing a truncated user; a quote
        // inside an unquoted field is an ordinary character.
        let cut = parse_csv("userName,title\nbjensen,\"Guide\n").unwrap_err();
        assert!(cut.contains("line 2"), "{cut}");
        assert_eq!(
            parse_csv("userName\nsay\"hi\"\n").unwrap()[0]["userName"],
            "say\"hi\""
        );
    }

    #[test]
    fn plans_minimal_changes() {
        let current = vec![
            json!({"id": "1", "schemas": [USER_SCHEMA], "userName": "Alice", "active": true,
                   "name": {"givenName": "Alice", "formatted": "Alice A"}, "groups": [{"value": "g"}]}),
            json!({"id": "2", "schemas": [USER_SCHEMA], "userName": "bob", "active": true}),
            json!({"id": "3", "schemas": [USER_SCHEMA], "userName": "carol", "active": false}),
        ];
        let desired = vec![
            json!({"username": "alice", "name": {"givenName": "Alice"}}),
            json!({"userName": "dave", "title": null}),
        ];
        let p = plan(&desired, &current, Missing::Deactivate).unwrap();
        assert_eq!(p.unchanged, 1);
        assert_eq!(p.creates.len(), 1);
        assert_eq!(
            p.creates[0],
            json!({"schemas": [USER_SCHEMA], "userName": "dave", "active": true})
        );
        assert_eq!(p.deactivations.len(), 1);
        assert_eq!(p.deactivations[0].id, "2");
        let desired = vec![json!({"userName": "alice", "name": {"givenName": "Alicia"}})];
        let p = plan(&desired, &current, Missing::Keep).unwrap();
        assert_eq!(p.updates.len(), 1);
        assert_eq!(
            serde_json::to_value(&p.updates[0].operations).unwrap(),
            json!([{"op": "replace", "path": "name.givenName", "value": "Alicia"}])
        );
        assert!(plan(
            &[json!({"userName": "a"}), json!({"userName": "A"})],
            &[],
            Missing::Keep
        )
        .is_err());
    }
}
