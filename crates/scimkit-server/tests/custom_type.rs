//! A custom resource type with an extension, registered beside User and Group, served end to end
//! by `ScimService` over both stores: discovery, create, filter (core and extension attributes),
//! sort, cursor paging, PATCH, PUT, delete.

use http::{Method, StatusCode};
use scimkit_schema::{
    Attribute, AttributeType, Mutability, ResourceSchema, Schema, SchemaRegistry, Uniqueness,
};
use scimkit_server::hooks::AllowAll;
use scimkit_server::store::{memory::MemoryStore, sqlite::SqliteStore, Store};
use scimkit_server::ScimService;
use serde_json::json;

mod common;
use common::{call, ids, on_postgres, urlencode};

const AGENT: &str = "urn:example:params:scim:schemas:core:2.0:Agent";
const OWNERSHIP: &str = "urn:example:params:scim:schemas:extension:ownership:2.0:Agent";

fn agent_schema() -> ResourceSchema {
    let core = Schema::new(AGENT, "Agent")
        .with_attribute(
            Attribute::new("name", AttributeType::String)
                .required()
                .with_uniqueness(Uniqueness::Server),
        )
        .with_attribute(Attribute::new("displayName", AttributeType::String))
        .with_attribute(Attribute::new("active", AttributeType::Boolean))
        .with_attribute(Attribute::new("protocols", AttributeType::String).multi_valued())
        .with_attribute(
            Attribute::new("createdBy", AttributeType::String)
                .with_mutability(Mutability::Immutable),
        );
    let ownership = Schema::new(OWNERSHIP, "Ownership")
        .with_attribute(Attribute::new("owner", AttributeType::String))
        .with_attribute(Attribute::new("riskScore", AttributeType::Integer));
    ResourceSchema::builder("Agent", "/Agents", core)
        .extension(ownership, false)
        .build()
        .unwrap()
}

fn service<S: Store>(store: S) -> ScimService<S, AllowAll> {
    ScimService::builder(store)
        .registry(SchemaRegistry::rfc().with(agent_schema()))
        .build()
}

async fn agents_end_to_end<S: Store>(store: S) {
    let svc = service(store);
    let base = "/scim/v2";

    // Discovery lists the type, its schema and its extension.
    let (status, types) = call(&svc, Method::GET, &format!("{base}/ResourceTypes"), None).await;
    assert_eq!(status, StatusCode::OK);
    let agent_type = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Agent")
        .expect("/ResourceTypes lists Agent");
    assert_eq!(agent_type["endpoint"], "/Agents");
    assert_eq!(agent_type["schemaExtensions"][0]["schema"], OWNERSHIP);
    for urn in [AGENT, OWNERSHIP] {
        let (status, schema) =
            call(&svc, Method::GET, &format!("{base}/Schemas/{urn}"), None).await;
        assert_eq!((status, schema["id"].as_str()), (StatusCode::OK, Some(urn)));
    }

    // Create three agents.
    let mut created = Vec::new();
    for (name, owner, risk, protocols) in [
        ("billing-bot", "Ana", 7, json!(["mcp"])),
        ("Ünderwriter", "bob", 2, json!(["mcp", "a2a"])),
        ("triage", "ANA", 5, json!([])),
    ] {
        let (status, agent) = call(
            &svc,
            Method::POST,
            &format!("{base}/Agents"),
            Some(json!({
                "schemas": [AGENT, OWNERSHIP],
                "name": name, "active": true, "protocols": protocols, "createdBy": "admin",
                OWNERSHIP: {"owner": owner, "riskScore": risk}
            })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{agent}");
        assert_eq!(agent["meta"]["resourceType"], "Agent");
        assert!(agent["meta"]["location"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/Agents/{}", agent["id"].as_str().unwrap())));
        created.push(agent["id"].as_str().unwrap().to_owned());
    }
    // Server uniqueness folds case, Unicode included.
    let (status, error) = call(
        &svc,
        Method::POST,
        &format!("{base}/Agents"),
        Some(json!({"schemas": [AGENT], "name": "üNDERWRITER"})),
    )
    .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (StatusCode::CONFLICT, Some("uniqueness"))
    );

    // Filters on core, multi-valued and extension attributes; sorting by an extension attribute.
    let filter = |f: &str| format!("{base}/Agents?filter={}", urlencode(f));
    for (f, want) in [
        (r#"name eq "ÜNDERWRITER""#.to_owned(), vec![1]),
        (r#"protocols eq "a2a""#.to_owned(), vec![1]),
        (r#"not (protocols pr)"#.to_owned(), vec![2]),
        (format!(r#"{OWNERSHIP}:owner eq "ana""#), vec![0, 2]),
        (
            format!(r#"{OWNERSHIP}:riskScore gt 4 and active eq true"#),
            vec![0, 2],
        ),
    ] {
        let (status, list) = call(&svc, Method::GET, &filter(&f), None).await;
        assert_eq!(status, StatusCode::OK, "{f}: {list}");
        let want: Vec<&str> = want.iter().map(|&i| created[i].as_str()).collect();
        let mut got = ids(&list);
        got.sort();
        let mut want_sorted = want.clone();
        want_sorted.sort();
        assert_eq!(got, want_sorted, "{f}");
        assert_eq!(list["totalResults"], want.len(), "{f}");
    }
    let sorted = format!(
        "{base}/Agents?sortBy={}&sortOrder=descending",
        urlencode(&format!("{OWNERSHIP}:riskScore"))
    );
    let (_, list) = call(&svc, Method::GET, &sorted, None).await;
    assert_eq!(ids(&list), [&created[0], &created[2], &created[1]]);

    // Cursor paging (RFC 9865) over the type, one per page, sorted by name.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = call(
            &svc,
            Method::GET,
            &format!(
                "{base}/Agents?sortBy=name&count=1&cursor={}",
                urlencode(&cursor)
            ),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(ids(&page).into_iter().map(str::to_owned));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [created[0].clone(), created[2].clone(), created[1].clone()],
        "billing-bot, triage, ünderwriter"
    );

    // PATCH an extension attribute and a core one; the filter sees the change.
    let agent = format!("{base}/Agents/{}", created[1]);
    let (status, patched) = call(
        &svc,
        Method::PATCH,
        &agent,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "replace", "path": format!("{OWNERSHIP}:owner"), "value": "Carol"},
                {"op": "add", "path": "protocols", "value": ["acp"]},
                {"op": "replace", "path": "active", "value": false}
            ]
        })),
    )
    .await;
    assert!(status.is_success(), "{status} {patched}");
    let (_, got) = call(&svc, Method::GET, &agent, None).await;
    assert_eq!(got[OWNERSHIP]["owner"], "Carol");
    assert_eq!(got["protocols"], json!(["mcp", "a2a", "acp"]));
    let (_, list) = call(
        &svc,
        Method::GET,
        &filter(&format!(r#"{OWNERSHIP}:owner eq "carol""#)),
        None,
    )
    .await;
    assert_eq!(ids(&list), [created[1].as_str()]);

    // An immutable attribute keeps its value through PUT.
    let (status, error) = call(
        &svc,
        Method::PUT,
        &agent,
        Some(json!({"schemas": [AGENT], "name": "Ünderwriter", "createdBy": "someone-else"})),
    )
    .await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (StatusCode::BAD_REQUEST, Some("mutability"))
    );

    // Delete: gone from reads and lists.
    let (status, _) = call(&svc, Method::DELETE, &agent, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&svc, Method::GET, &agent, None).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = call(&svc, Method::GET, &format!("{base}/Agents"), None).await;
    assert_eq!(list["totalResults"], 2);
    // Users and Groups are untouched by the new type.
    let (_, users) = call(&svc, Method::GET, &format!("{base}/Users"), None).await;
    assert_eq!(users["totalResults"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_on_the_memory_store() {
    agents_end_to_end(MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_on_the_sqlite_store() {
    agents_end_to_end(SqliteStore::open_temporary().unwrap()).await;
}

/// Against PostgreSQL when `SCIMKIT_POSTGRES_URL` names one (CI starts one with
/// `.ci/postgres.sh`); skipped with the reason printed otherwise.
#[tokio::test(flavor = "multi_thread")]
async fn agents_on_the_postgres_store() {
    on_postgres("agents", agents_end_to_end).await;
}
