//! Opt-in resource types for AI agent identities: `Agent` and `AgenticApplication`.
//!
//! These are Internet-Drafts, not RFCs, so nothing here is part of [`SchemaRegistry::rfc`]; a
//! service provider that manages agents adds them with [`SchemaRegistry::with_agents`].
//!
//! - **Agent** (`/Agents`, [`AGENT_SCHEMA`]) follows
//!   [draft-wzdk-scim-agent-resource-00](https://datatracker.ietf.org/doc/draft-wzdk-scim-agent-resource/)
//!   (June 2026), the consolidation of the earlier agent drafts: the required, server-unique
//!   `agentUserName`, `displayName`, `description`, `active` and `owners`. Where
//!   [draft-abbey-scim-agent-extension-00](https://datatracker.ietf.org/doc/draft-abbey-scim-agent-extension/)
//!   (October 2025) defines more for the same schema URN, it is added as optional attributes:
//!   `agentType`, `subject`, `protocols`, `parent`, `entitlements`, `roles` and
//!   `x509Certificates`.
//! - **AgenticApplication** (`/AgenticApplications`, [`AGENTIC_APPLICATION_SCHEMA`]) is
//!   draft-abbey's: an application that hosts agents or gives access to them, with its URLs,
//!   OAuth clients and agents.
//!
//! # Where this differs from the drafts, and why
//! - draft-abbey names the agent's handle `name`; draft-wzdk, the later consolidation, names it
//!   `agentUserName`. One schema URN cannot require both, so the handle is `agentUserName`.
//! - draft-abbey marks `owners`, `subject`, `protocols` and `parent` read-only while its prose has
//!   the client supply them (an IdP provisions who owns an agent). They are `readWrite` here.
//! - draft-abbey's server-computed back-references (`Agent.groups`, `Agent.applications`,
//!   `AgenticApplication.lastAccessed`) are left out: a schema must not advertise attributes a
//!   generic server never fills. The relationship is kept once, in `AgenticApplication.agents`.
//! - draft-abbey's attribute spelt `specifiationUrl` in its schema is `specificationUrl`, as in
//!   its prose and example.
//!
//! ```
//! use scimkit_schema::{agents, SchemaRegistry};
//!
//! let registry = SchemaRegistry::rfc().with_agents();
//! let agent = registry.by_endpoint("/Agents").unwrap();
//! assert_eq!(agent.core().id, agents::AGENT_SCHEMA);
//! assert!(agent.resolve(None, "AGENTUSERNAME", None).unwrap().target().required);
//! // ServiceProviderConfig's `agentExtension` says what this registry serves.
//! let advertised = agents::service_provider_config(&registry).unwrap();
//! assert_eq!(advertised["agentsSupported"], true);
//! assert!(agents::service_provider_config(&SchemaRegistry::rfc()).is_none());
//! ```

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::{ResourceSchema, Schema, SchemaRegistry};

/// The Agent schema URN.
pub const AGENT_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Agent";
/// The AgenticApplication schema URN.
pub const AGENTIC_APPLICATION_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:AgenticApplication";
/// The name of the ServiceProviderConfig attribute that advertises agent support
/// (draft-abbey-scim-agent-extension-00).
pub const SERVICE_PROVIDER_CONFIG_ATTRIBUTE: &str = "agentExtension";

fn schema(cell: &'static OnceLock<Schema>, json: &str) -> &'static Schema {
    // The files are part of this crate and tested; a failure here is a build defect, not input.
    cell.get_or_init(|| serde_json::from_str(json).expect("built-in agent schema JSON is valid"))
}

/// The Agent schema.
pub fn agent_schema() -> &'static Schema {
    static CELL: OnceLock<Schema> = OnceLock::new();
    schema(&CELL, include_str!("builtin/agent.json"))
}

/// The AgenticApplication schema.
pub fn agentic_application_schema() -> &'static Schema {
    static CELL: OnceLock<Schema> = OnceLock::new();
    schema(&CELL, include_str!("builtin/agentic_application.json"))
}

impl ResourceSchema {
    /// The `Agent` resource type at `/Agents` (see [`agents`](crate::agents)).
    ///
    /// ```
    /// let agent = scimkit_schema::ResourceSchema::agent();
    /// assert_eq!(agent.resource_type().endpoint, "/Agents");
    /// ```
    pub fn agent() -> ResourceSchema {
        static CELL: OnceLock<ResourceSchema> = OnceLock::new();
        CELL.get_or_init(|| {
            ResourceSchema::builder("Agent", "/Agents", agent_schema().clone())
                .description("AI agent identities")
                .build()
                .expect("the Agent resource type is consistent")
        })
        .clone()
    }

    /// The `AgenticApplication` resource type at `/AgenticApplications` (see
    /// [`agents`](crate::agents)).
    ///
    /// ```
    /// let app = scimkit_schema::ResourceSchema::agentic_application();
    /// assert_eq!(app.resource_type().endpoint, "/AgenticApplications");
    /// ```
    pub fn agentic_application() -> ResourceSchema {
        static CELL: OnceLock<ResourceSchema> = OnceLock::new();
        CELL.get_or_init(|| {
            ResourceSchema::builder(
                "AgenticApplication",
                "/AgenticApplications",
                agentic_application_schema().clone(),
            )
            .description("Applications that host or give access to agents")
            .build()
            .expect("the AgenticApplication resource type is consistent")
        })
        .clone()
    }
}

impl SchemaRegistry {
    /// This registry with the `Agent` and `AgenticApplication` resource types added.
    ///
    /// ```
    /// let registry = scimkit_schema::SchemaRegistry::rfc().with_agents();
    /// assert!(registry.by_name("agenticapplication").is_some());
    /// ```
    pub fn with_agents(self) -> SchemaRegistry {
        self.with(ResourceSchema::agent())
            .with(ResourceSchema::agentic_application())
    }
}

/// The value of ServiceProviderConfig's `agentExtension` attribute for a service serving
/// `registry`: which of the two resource types it serves. `None` when it serves neither, so a
/// service without agents advertises nothing.
pub fn service_provider_config(registry: &SchemaRegistry) -> Option<Value> {
    let agents = registry.by_schema(AGENT_SCHEMA).is_some();
    let applications = registry.by_schema(AGENTIC_APPLICATION_SCHEMA).is_some();
    (agents || applications).then(|| {
        json!({
            "supported": true,
            "agentsSupported": agents,
            "agenticApplicationsSupported": applications,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Context, Validator};
    use crate::{Mutability, Uniqueness};

    #[test]
    fn agent_user_name_is_the_required_server_unique_handle() {
        let agent = ResourceSchema::agent();
        let handle = agent.resolve(None, "agentUserName", None).unwrap();
        let a = handle.target();
        assert!(a.required && !a.case_exact);
        assert_eq!(a.uniqueness, Uniqueness::Server);
        for writable in ["owners", "subject", "protocols", "parent"] {
            let a = agent.resolve(None, writable, None).unwrap();
            assert_eq!(a.target().mutability, Mutability::ReadWrite, "{writable}");
        }
        let owners = agent.resolve(None, "owners", Some("$ref")).unwrap();
        assert_eq!(owners.target().reference_types, ["User", "Group"]);
    }

    #[test]
    fn the_drafts_example_payloads_validate() {
        let mut agent = json!({
            "schemas": [AGENT_SCHEMA],
            "externalId": "agent-42",
            "agentUserName": "support-agent",
            "displayName": "Support Agent",
            "active": true,
            "agentType": "Assistant",
            "owners": [{"value": "2819c223", "$ref": "https://example.com/v2/Users/2819c223"}],
            "protocols": [{"type": "A2A", "specificationUrl": "https://example.com/.well-known/agent-card.json"}],
            "parent": {"value": "1d2c3b4a", "display": "Clippy 1.0"},
            "roles": [{"value": "reader", "primary": true}]
        });
        Validator::new(&ResourceSchema::agent())
            .validate(&mut agent, Context::Create)
            .unwrap();
        let mut app = json!({
            "schemas": [AGENTIC_APPLICATION_SCHEMA],
            "externalId": "app-123456",
            "name": "AI Assistant Platform",
            "active": true,
            "applicationUrls": [{"type": "homepage", "primary": true, "value": "https://assistant.example.com"}],
            "oAuthConfiguration": [{"clientId": "0oa1qwerty", "issuerUri": "https://idp.example.com",
                                    "redirectUri": ["https://assistant.example.com/oauth/callback"]}],
            "agents": [{"value": "1d2c3b4a", "display": "Customer Support Agent", "type": "owned"}],
            "externalIdentifiers": [{"type": "ssoTenantId", "value": "00abc123", "system": "https://idp.example.com"}]
        });
        Validator::new(&ResourceSchema::agentic_application())
            .validate(&mut app, Context::Create)
            .unwrap();
    }

    #[test]
    fn an_agent_without_its_handle_is_refused() {
        let mut agent = json!({"schemas": [AGENT_SCHEMA], "displayName": "nameless"});
        let err = Validator::new(&ResourceSchema::agent())
            .validate(&mut agent, Context::Create)
            .unwrap_err();
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn the_rfc_registry_has_no_agents() {
        assert!(SchemaRegistry::rfc().by_endpoint("/Agents").is_none());
        let both = SchemaRegistry::rfc().with_agents();
        assert_eq!(both.resource_types().len(), 4);
        let only_agents = SchemaRegistry::rfc().with(ResourceSchema::agent());
        assert_eq!(
            service_provider_config(&only_agents).unwrap(),
            json!({"supported": true, "agentsSupported": true, "agenticApplicationsSupported": false})
        );
    }
}
