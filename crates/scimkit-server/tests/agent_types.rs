//! The agent resource types of `scimkit_schema::agents` (draft-wzdk-scim-agent-resource-00 and
//! draft-abbey-scim-agent-extension-00) served by `ScimService` over every store: discovery
//! advertises them, the recommended lookups (handle, externalId, owners, application URLs)
//! answer from the store, and the handle is unique in any case.

use http::{Method, StatusCode};
use scimkit_schema::agents::{AGENTIC_APPLICATION_SCHEMA, AGENT_SCHEMA};
use scimkit_schema::SchemaRegistry;
use scimkit_server::store::{memory::MemoryStore, sqlite::SqliteStore, Store};
use scimkit_server::ScimService;
use serde_json::json;

mod common;
use common::{call, ids, on_postgres, urlencode};

async fn agent_types_end_to_end<S: Store>(store: S) {
    let svc = ScimService::builder(store)
        .registry(SchemaRegistry::rfc().with_agents())
        .build();
    let base = "/scim/v2";
    let get = |path: String| {
        let svc = svc.clone();
        async move { call(&svc, Method::GET, &path, None).await }
    };

    // Discovery: both types, both schemas, and the ServiceProviderConfig flag.
    let (_, types) = get(format!("{base}/ResourceTypes")).await;
    let endpoints: Vec<_> = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["endpoint"].as_str().unwrap())
        .collect();
    assert!(endpoints.contains(&"/Agents") && endpoints.contains(&"/AgenticApplications"));
    for urn in [AGENT_SCHEMA, AGENTIC_APPLICATION_SCHEMA] {
        let (status, schema) = get(format!("{base}/Schemas/{urn}")).await;
        assert_eq!((status, schema["id"].as_str()), (StatusCode::OK, Some(urn)));
    }
    let (_, spc) = get(format!("{base}/ServiceProviderConfig")).await;
    assert_eq!(
        spc["agentExtension"],
        json!({"supported": true, "agentsSupported": true, "agenticApplicationsSupported": true})
    );

    let (status, owner) = call(
        &svc,
        Method::POST,
        &format!("{base}/Users"),
        Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ana"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let owner = owner["id"].as_str().unwrap().to_owned();

    let mut agents = Vec::new();
    for (handle, external, owners) in [
        (
            "Ünderwriter",
            "u-1",
            json!([{"value": owner, "$ref": format!("../Users/{owner}")}]),
        ),
        ("billing-bot", "b-2", json!([])),
    ] {
        let (status, agent) = call(
            &svc,
            Method::POST,
            &format!("{base}/Agents"),
            Some(json!({
                "schemas": [AGENT_SCHEMA],
                "agentUserName": handle,
                "externalId": external,
                "owners": owners,
                "protocols": [{"type": "A2A", "specificationUrl": "https://example.com/card.json"}],
            })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{agent}");
        assert_eq!(agent["meta"]["resourceType"], "Agent");
        agents.push(agent["id"].as_str().unwrap().to_owned());
    }

    // The handle is unique without regard to case, beyond ASCII too.
    let (status, err) = call(
        &svc,
        Method::POST,
        &format!("{base}/Agents"),
        Some(json!({"schemas": [AGENT_SCHEMA], "agentUserName": "üNDERWRITER"})),
    )
    .await;
    assert_eq!(
        (status, err["scimType"].as_str()),
        (StatusCode::CONFLICT, Some("uniqueness"))
    );
    // and required.
    let (status, _) = call(
        &svc,
        Method::POST,
        &format!("{base}/Agents"),
        Some(json!({"schemas": [AGENT_SCHEMA], "displayName": "no handle"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    for (filter, expected) in [
        ("agentUserName eq \"ÜNDERWRITER\"", vec![agents[0].as_str()]),
        ("externalId eq \"b-2\"", vec![agents[1].as_str()]),
        (
            &*format!("owners.value eq \"{owner}\""),
            vec![agents[0].as_str()],
        ),
        (
            "protocols[type eq \"a2a\"]",
            vec![agents[0].as_str(), agents[1].as_str()],
        ),
        ("not (owners pr)", vec![agents[1].as_str()]),
    ] {
        let (status, list) = get(format!(
            "{base}/Agents?sortBy=agentUserName&filter={}",
            urlencode(filter)
        ))
        .await;
        assert_eq!(status, StatusCode::OK, "{filter}: {list}");
        let mut got = ids(&list);
        got.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(got, want, "{filter}");
    }

    // An application that hosts the first agent; filters reach into its multi-valued parts.
    let (status, app) = call(
        &svc,
        Method::POST,
        &format!("{base}/AgenticApplications"),
        Some(json!({
            "schemas": [AGENTIC_APPLICATION_SCHEMA],
            "name": "Underwriting Desk",
            "applicationUrls": [{"type": "homepage", "value": "https://uw.example.com", "primary": true}],
            "oAuthConfiguration": [{"clientId": "0oa1", "redirectUri": ["https://uw.example.com/cb"]}],
            "agents": [{"value": agents[0], "type": "owned"}],
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let app_id = app["id"].as_str().unwrap().to_owned();
    for filter in [
        "name eq \"underwriting desk\"",
        "applicationUrls.value eq \"https://uw.example.com\"",
        "oAuthConfiguration.redirectUri eq \"https://uw.example.com/cb\"",
        &*format!("agents[value eq \"{}\" and type eq \"owned\"]", agents[0]),
    ] {
        let (status, list) = get(format!(
            "{base}/AgenticApplications?filter={}",
            urlencode(filter)
        ))
        .await;
        assert_eq!(status, StatusCode::OK, "{filter}: {list}");
        assert_eq!(ids(&list), [app_id.as_str()], "{filter}");
    }

    // PATCH an owner in; the agent keeps its handle.
    let (status, patched) = call(
        &svc,
        Method::PATCH,
        &format!("{base}/Agents/{}", agents[1]),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "owners", "value": [{"value": owner}]},
                           {"op": "replace", "path": "active", "value": false}],
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["owners"][0]["value"], owner.as_str());
    assert_eq!(patched["agentUserName"], "billing-bot");

    // The root search sees agents beside users.
    let (_, root) = get(format!(
        "{base}/?filter={}",
        urlencode(&format!("owners.value eq \"{owner}\""))
    ))
    .await;
    assert_eq!(root["totalResults"], 2, "{root}");
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_types_on_the_memory_store() {
    agent_types_end_to_end(MemoryStore::new()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_types_on_the_sqlite_store() {
    agent_types_end_to_end(SqliteStore::open_temporary().unwrap()).await;
}

/// Against PostgreSQL when `SCIMKIT_POSTGRES_URL` names one (CI starts one with
/// `.ci/postgres.sh`); skipped with the reason printed otherwise.
#[tokio::test(flavor = "multi_thread")]
async fn agent_types_on_the_postgres_store() {
    on_postgres("agent_types", agent_types_end_to_end).await;
}
