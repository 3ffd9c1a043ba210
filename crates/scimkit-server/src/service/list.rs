//! Queries (RFC 7644 §3.4.2, §3.4.3) on one resource type: filter, sort, index and cursor paging,
//! projection. The root's query over all types is in `root`.

use std::time::SystemTime;

use scimkit_filter::{SortOrder, Sorter};
use scimkit_protocol::{response, CursorCodec, ListResponse, Query, ScimError};
use serde_json::Value;

use super::render;
use super::Ctx;
use crate::hooks::Authenticator;
use crate::store::{ListPage, ListQuery, PageRequest, Store};

impl<S: Store, A: Authenticator> Ctx<'_, S, A> {
    pub(super) fn count(&self, query: &Query) -> u64 {
        query
            .count
            .unwrap_or(self.svc.config.default_page_size)
            .min(self.svc.config.max_page_size)
    }

    /// Cursors are bound to the tenant, resource type, filter and sort they were issued for: a
    /// cursor replayed with another query (or by another tenant) is `invalidCursor`.
    pub(super) fn cursor_codec(&self, resource_type: &str, query: &Query) -> CursorCodec {
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
        crate::passwords::refuse_secret_queries(schema, query)?;
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
}

pub(super) fn list_response(
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
