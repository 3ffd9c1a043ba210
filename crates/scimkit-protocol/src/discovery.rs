//! The discovery endpoints of RFC 7644 §4: `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, generated from a [`SchemaRegistry`] and a [`ServiceProviderConfig`].

use scimkit_schema::text::excerpt;
use scimkit_schema::{SchemaRegistry, ServiceProviderConfig};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{ListResponse, Query, ScimError};

/// Answers the discovery endpoints from the registry and the configuration, with `meta`
/// (`resourceType` and a `location` under the base URL) on every representation.
///
/// `/ResourceTypes` and `/Schemas` are ListResponses (RFC 7644 §4: "the response is a
/// ListResponse"); `/ServiceProviderConfig`, `/ResourceTypes/{name}` and `/Schemas/{urn}` are
/// single resources. Names and URNs match in any case (RFC 7643 §2.1). A query with a `filter`
/// is refused with 403, as §4 says ("If a filter is provided, the service provider SHOULD
/// respond with HTTP status code 403 (Forbidden)").
///
/// # Examples
/// ```
/// use scimkit_protocol::Discovery;
/// use scimkit_schema::{SchemaRegistry, ServiceProviderConfig};
///
/// let registry = SchemaRegistry::rfc();
/// let config = ServiceProviderConfig::default().with_patch(true);
/// let d = Discovery::new(&registry, &config, "https://example.com/v2/");
///
/// let types = d.resource_types();
/// assert_eq!(types.total_results, Some(2));
/// assert_eq!(types.resources[0]["meta"]["location"], "https://example.com/v2/ResourceTypes/User");
/// let user = d.schema("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER")?;
/// assert_eq!(user["meta"]["resourceType"], "Schema");
/// assert_eq!(d.service_provider_config()["patch"]["supported"], true);
/// # Ok::<(), scimkit_protocol::ScimError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Discovery<'a> {
    registry: &'a SchemaRegistry,
    config: &'a ServiceProviderConfig,
    base: String,
}

impl<'a> Discovery<'a> {
    /// Discovery for `registry` and `config`, with locations under `base_url`
    /// (e.g. `https://example.com/v2`; a trailing `/` is ignored).
    pub fn new(
        registry: &'a SchemaRegistry,
        config: &'a ServiceProviderConfig,
        base_url: &str,
    ) -> Discovery<'a> {
        Discovery {
            registry,
            config,
            base: base_url.trim_end_matches('/').to_owned(),
        }
    }

    fn with_meta<T: Serialize>(&self, value: &T, resource_type: &str, path: &str) -> Value {
        let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
        if let Value::Object(obj) = &mut v {
            let meta = obj
                .entry("meta")
                .or_insert_with(|| Value::Object(Map::new()));
            if !meta.is_object() {
                *meta = Value::Object(Map::new());
            }
            if let Value::Object(m) = meta {
                m.insert("resourceType".into(), json!(resource_type));
                m.insert("location".into(), json!(format!("{}{path}", self.base)));
            }
        }
        v
    }

    /// The `/ServiceProviderConfig` representation (RFC 7643 §5).
    pub fn service_provider_config(&self) -> Value {
        self.with_meta(
            self.config,
            "ServiceProviderConfig",
            "/ServiceProviderConfig",
        )
    }

    /// `/ResourceTypes`: every resource type, as a ListResponse.
    pub fn resource_types(&self) -> ListResponse<Value> {
        ListResponse::new(
            self.registry
                .resource_types()
                .iter()
                .map(|r| self.resource_type_json(r))
                .collect(),
        )
    }

    fn resource_type_json(&self, r: &scimkit_schema::ResourceSchema) -> Value {
        let rt = r.resource_type();
        let id = rt.id.clone().unwrap_or_else(|| rt.name.clone());
        self.with_meta(rt, "ResourceType", &format!("/ResourceTypes/{id}"))
    }

    /// `/ResourceTypes/{name}`: one resource type, by its name or id in any case; 404 otherwise.
    pub fn resource_type(&self, name: &str) -> Result<Value, ScimError> {
        self.registry
            .resource_types()
            .iter()
            .find(|r| {
                let rt = r.resource_type();
                scimkit_schema::name::eq(&rt.name, name)
                    || rt
                        .id
                        .as_deref()
                        .is_some_and(|id| scimkit_schema::name::eq(id, name))
            })
            .map(|r| self.resource_type_json(r))
            .ok_or_else(|| {
                ScimError::not_found(format!("resource type `{}` not found", excerpt(name, 128)))
            })
    }

    /// `/Schemas`: every schema (core and extensions, each once), as a ListResponse.
    pub fn schemas(&self) -> ListResponse<Value> {
        ListResponse::new(
            self.registry
                .schemas()
                .map(|s| self.with_meta(s, "Schema", &format!("/Schemas/{}", s.id)))
                .collect(),
        )
    }

    /// `/Schemas/{urn}`: one schema, by URN in any case; 404 otherwise.
    pub fn schema(&self, urn: &str) -> Result<Value, ScimError> {
        self.registry
            .schema(urn)
            .map(|s| self.with_meta(s, "Schema", &format!("/Schemas/{}", s.id)))
            .ok_or_else(|| {
                ScimError::not_found(format!("schema `{}` not found", excerpt(urn, 128)))
            })
    }

    /// Refuses a filter on a discovery endpoint (RFC 7644 §4: 403).
    pub fn check_query(query: &Query) -> Result<(), ScimError> {
        if query.filter.is_some() {
            return Err(ScimError::forbidden(
                "discovery endpoints do not support `filter` (RFC 7644 §4)",
            ));
        }
        Ok(())
    }

    /// The response for a classified discovery request, or `None` when `endpoint` is not a
    /// discovery endpoint.
    pub fn respond(
        &self,
        endpoint: &crate::Endpoint,
        query: &Query,
    ) -> Option<http::Response<Vec<u8>>> {
        use crate::Endpoint as E;
        let result = match endpoint {
            E::ServiceProviderConfig => Ok(crate::server::resource_response(
                http::StatusCode::OK,
                &self.service_provider_config(),
            )),
            E::ResourceTypes => {
                Discovery::check_query(query).map(|()| self.resource_types().into_response())
            }
            E::ResourceType(name) => self
                .resource_type(name)
                .map(|v| crate::server::resource_response(http::StatusCode::OK, &v)),
            E::Schemas => Discovery::check_query(query).map(|()| self.schemas().into_response()),
            E::Schema(urn) => self
                .schema(urn)
                .map(|v| crate::server::resource_response(http::StatusCode::OK, &v)),
            _ => return None,
        };
        Some(result.unwrap_or_else(ScimError::into_response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_lookups() {
        let registry = SchemaRegistry::rfc();
        let config = ServiceProviderConfig::default();
        let d = Discovery::new(&registry, &config, "https://example.com/v2");
        let schemas = d.schemas();
        assert_eq!(schemas.total_results, Some(3));
        assert_eq!(
            schemas.resources[1]["meta"]["location"],
            "https://example.com/v2/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        );
        assert_eq!(d.resource_type("group").unwrap()["endpoint"], "/Groups");
        assert_eq!(d.resource_type("Nope").unwrap_err().status(), 404);
        assert_eq!(d.schema("urn:x").unwrap_err().status(), 404);
        let spc = d.service_provider_config();
        assert_eq!(
            spc["meta"]["location"],
            "https://example.com/v2/ServiceProviderConfig"
        );
        let q = Query::parse("filter=id%20pr").unwrap();
        assert_eq!(
            d.respond(&crate::Endpoint::Schemas, &q).unwrap().status(),
            403
        );
        assert!(d.respond(&crate::Endpoint::Bulk, &q).is_none());
    }
}
