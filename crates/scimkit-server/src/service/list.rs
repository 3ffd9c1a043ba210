//! Queries (RFC 7644 §3.4.2, §3.4.3): filter, sort, index and cursor paging, projection, for one
//! resource type or across all of them at the root.

use std::time::SystemTime;

use scimkit_filter::{SortOrder, Sorter};
use scimkit_protocol::{response, CursorCodec, ListResponse, Query, ScimError};
use scimkit_schema::{ResourceSchema, ScimType};
use serde_json::Value;

use super::render;
use super::Ctx;
use crate::hooks::Authenticator;
use crate::store::{ListPage, ListQuery, PageRequest, Store};

impl<S: Store, A: Authenticator> Ctx<'_, S, A> {
    fn count(&self, query: &Query) -> u64 {
        query
            .count
            .unwrap_or(self.svc.config.default_page_size)
            .min(self.svc.config.max_page_size)
    }

    /// Cursors are bound to the tenant, resource type, filter and sort they were issued for: a
    /// cursor replayed with another query (or by another tenant) is `invalidCursor`.
    fn cursor_codec(&self, resource_type: &str, query: &Query) -> CursorCodec {
        let context = format!(
            "{}\n{}\n{}\n{}\n{:?}",
            self.tenant,
            resource_type,
            query
                .filter
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            query
                .sort_by
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            query.effective_sort_order(),
        );
        self.svc.cursors.clone().context(context.as_bytes())
    }

    /// GET on a resource type, or `POST .search` under it.
    pub(crate) async fn list(
        &self,
        resource_type: &str,
        query: &Query,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        let schema = self.schema(resource_type)?;
        let options = super::filter_options(self.svc.config.interop);
        let compiled = query
            .filter
            .as_ref()
            .map(|f| f.compile_with(schema, &options))
            .transpose()?;
        if let Some(attr) = &query.sort_by {
            // An unknown sortBy attribute is the client's mistake (RFC 7644 §3.4.2.3).
            Sorter::compile(attr, SortOrder::Ascending, schema)?;
        }
        let count = self.count(query);
        let codec = self.cursor_codec(resource_type, query);
        let page = match &query.cursor {
            None => PageRequest::Index {
                offset: query.start_index_or_default().saturating_sub(1),
                count,
            },
            Some(c) if c.is_empty() => PageRequest::After { after: None, count },
            Some(c) => PageRequest::After {
                after: Some(
                    codec
                        .decode(c, SystemTime::now())
                        .map_err(ScimError::from)?,
                ),
                count,
            },
        };
        let sort_order = query.effective_sort_order().unwrap_or_default();
        let list_query = ListQuery {
            schema,
            filter: query.filter.as_ref(),
            compiled: compiled.as_ref(),
            options,
            sort: query.sort_by.as_ref().map(|a| (a, sort_order)),
            page: &page,
            relations: render::wants_relations(query),
        };
        let ListPage {
            total,
            resources,
            next,
        } = self
            .svc
            .store
            .list(&self.tenant, resource_type, list_query)
            .await?;
        let projector = render::projector(schema, query)?;
        let resources: Vec<Value> = resources
            .into_iter()
            .map(|s| {
                let mut body = render::representation(&self.base, schema, s);
                projector.project_in_place(&mut body);
                body
            })
            .collect();
        let next = next.map(|p| codec.encode(&p, SystemTime::now()));
        Ok(response::list(list_response(
            total, query, resources, next,
        )?))
    }

    /// `GET /` and `POST /.search` (RFC 7644 §3.4.2.1, §3.4.3): the query over every resource
    /// type. A filter that names an attribute one type lacks matches nothing of that type; the
    /// per-type results are merged (sorted schema-less when `sortBy` is given) and paged by index.
    pub(crate) async fn search_root(
        &self,
        query: &Query,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        if query.cursor.is_some() {
            return Err(ScimError::invalid_value(
                "cursor paging is not offered at the root; page by startIndex or query one resource type",
            ));
        }
        let count = self.count(query);
        let offset = query.start_index_or_default().saturating_sub(1);
        let want = offset.saturating_add(count);
        let limit = self.svc.config.root_scan_limit;
        if want > limit {
            return Err(ScimError::too_many(format!(
                "a search at the root pages through at most {limit} resources; query one resource type"
            )));
        }
        let options = super::filter_options(self.svc.config.interop);
        let mut merged: Vec<Value> = Vec::new();
        let mut total = 0u64;
        let mut understood = false;
        let mut first_error = None;
        let schemas: Vec<&ResourceSchema> = self.svc.registry.resource_types().iter().collect();
        for schema in schemas {
            // A filter naming an attribute this type lacks (`userName` on a group) is evaluated
            // schema-less over the type, where a missing attribute simply does not match, so
            // `displayName eq "x" or userName eq "y"` still finds groups.
            let (compiled, schemaless) = match query
                .filter
                .as_ref()
                .map(|f| f.compile_with(schema, &options))
            {
                Some(Err(e)) => {
                    let e = ScimError::from(e);
                    if e.scim_type() != Some(ScimType::InvalidFilter) {
                        return Err(e);
                    }
                    first_error.get_or_insert(e);
                    (None, query.filter.as_ref())
                }
                Some(Ok(c)) => (Some(c), None),
                None => (None, None),
            };
            let sort = match &query.sort_by {
                Some(a) if Sorter::compile(a, SortOrder::Ascending, schema).is_ok() => {
                    Some((a, query.effective_sort_order().unwrap_or_default()))
                }
                _ => None,
            };
            let page = PageRequest::Index {
                offset: 0,
                count: if schemaless.is_some() {
                    limit.saturating_add(1)
                } else {
                    want
                },
            };
            let list_query = ListQuery {
                schema,
                filter: if schemaless.is_some() {
                    None
                } else {
                    query.filter.as_ref()
                },
                compiled: compiled.as_ref(),
                options,
                sort,
                page: &page,
                relations: schemaless.is_some() || render::wants_relations(query),
            };
            let found = self
                .svc
                .store
                .list(&self.tenant, schema.name(), list_query)
                .await?;
            let projector = render::projector(schema, query)?;
            let rendered = found
                .resources
                .into_iter()
                .map(|s| render::representation(&self.base, schema, s));
            match schemaless {
                Some(filter) => {
                    if found.total > limit {
                        return Err(ScimError::too_many(format!(
                            "this filter is evaluated over every {} at the root, and there are more than {limit}; query /{} instead",
                            schema.name(),
                            schema.resource_type().endpoint.trim_start_matches('/')
                        )));
                    }
                    let matched: Vec<Value> = rendered.filter(|r| filter.matches(r)).collect();
                    understood |= !matched.is_empty();
                    total = total.saturating_add(matched.len() as u64);
                    merged.extend(matched.into_iter().take(want as usize).map(|mut body| {
                        projector.project_in_place(&mut body);
                        body
                    }));
                }
                None => {
                    understood = true;
                    total = total.saturating_add(found.total);
                    merged.extend(rendered.map(|mut body| {
                        projector.project_in_place(&mut body);
                        body
                    }));
                }
            }
        }
        if !understood {
            return Err(first_error.unwrap_or_else(|| {
                ScimError::invalid_filter("the filter matches no resource type")
            }));
        }
        if let Some(attr) = &query.sort_by {
            Sorter::new(attr, query.effective_sort_order().unwrap_or_default()).sort(&mut merged);
        }
        let page: Vec<Value> = merged
            .into_iter()
            .skip(offset as usize)
            .take(count as usize)
            .collect();
        Ok(response::list(list_response(total, query, page, None)?))
    }
}

fn list_response(
    total: u64,
    query: &Query,
    resources: Vec<Value>,
    next_cursor: Option<String>,
) -> Result<ListResponse<Value>, ScimError> {
    let mut b = ListResponse::builder()
        .total_results(total)
        .items_per_page(resources.len() as u64)
        .resources(resources);
    if query.cursor.is_none() {
        b = b.start_index(query.start_index_or_default());
    }
    if let Some(c) = next_cursor {
        b = b.next_cursor(c);
    }
    b.build()
}
