//! The query at the root (RFC 7644 §3.4.2.1, §3.4.3): one filter, sort and page over every
//! resource type at once.
//!
//! Each type answers the filter as it reads for that type ([`specialize`]) from its own store
//! query, so a root search costs what the per-type searches cost, is answered by the store (in
//! SQL for the SQL stores) and pages by cursor like them. A root cursor holds each type's own
//! position; a page merges the types' next pages and takes from each only a prefix, so nothing is
//! skipped or repeated even where two types order a value differently.

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::time::SystemTime;

use scimkit_filter::{AttrPath, CompValue, CompareOp, CompiledFilter, Filter, SortOrder, Sorter};
use scimkit_protocol::{response, Query, ScimError};
use scimkit_schema::{Attribute, ResourceSchema};
use serde_json::Value;

use super::{list::list_response, render, Ctx};
use crate::hooks::Authenticator;
use crate::store::{ListPage, ListQuery, PageRequest, Store, StoreError};

/// What a filter says about one resource type.
#[derive(Debug, Clone, PartialEq)]
enum ForType {
    /// Every resource of the type matches (`true`) or none does, whatever its attributes.
    Always(bool),
    /// The resources this filter matches; every attribute it names is one the type has.
    Filter(Filter),
}

/// The filter as it reads for a type that may lack some of the attributes it names.
///
/// An attribute a type does not have is unassigned in each of its resources, and the evaluator
/// reads a comparison with an unassigned attribute as false, except `eq null`, which tests for
/// absence; `pr` is false. Those leaves become constants and `and`, `or` and `not` fold them away:
/// `userName eq "bjensen" or displayName eq "Tour Guides"` reads as `displayName eq "Tour
/// Guides"` for groups, and as is for users. `known` is set when the filter names at least one
/// attribute the type has.
fn specialize(
    filter: &Filter,
    schema: &ResourceSchema,
    parent: Option<&Attribute>,
    known: &mut bool,
) -> ForType {
    let has = |attr: &AttrPath| match parent {
        None => schema
            .resolve(attr.urn(), attr.name(), attr.sub_attr())
            .is_some(),
        // Inside `emails[...]` names are sub-attributes, which have none of their own.
        Some(p) => {
            attr.urn().is_none()
                && attr.sub_attr().is_none()
                && p.sub_attribute(attr.name()).is_some()
        }
    };
    let kept = |known: &mut bool| {
        *known = true;
        ForType::Filter(filter.clone())
    };
    match filter {
        Filter::Present { attr } if !has(attr) => ForType::Always(false),
        Filter::Compare { attr, op, value } if !has(attr) => {
            ForType::Always(*op == CompareOp::Eq && matches!(value, CompValue::Null))
        }
        Filter::Present { .. } | Filter::Compare { .. } => kept(known),
        Filter::ValuePath {
            attr,
            filter: inner,
        } => {
            let resolved = match parent {
                None => schema.resolve(attr.urn(), attr.name(), attr.sub_attr()),
                // A value filter inside another is not SCIM; compiling says so.
                Some(_) => return kept(known),
            };
            let Some(resolved) = resolved else {
                return ForType::Always(false);
            };
            let complex = resolved.target();
            if !complex.is_complex() {
                // `userName[...]`: compiling explains why that is not a filter.
                return kept(known);
            }
            *known = true;
            match specialize(inner, schema, Some(complex), known) {
                ForType::Always(false) => ForType::Always(false),
                ForType::Filter(f) => ForType::Filter(Filter::value_path(attr.clone(), f)),
                // Some value exists: a test every value passes, in the filter language.
                ForType::Always(true) => match complex
                    .sub_attributes
                    .first()
                    .and_then(|s| s.name.parse::<AttrPath>().ok())
                {
                    Some(sub) => {
                        let absent = Filter::eq(sub, CompValue::Null);
                        let any = absent.clone().or(!absent);
                        ForType::Filter(Filter::value_path(attr.clone(), any))
                    }
                    None => ForType::Filter(filter.clone()),
                },
            }
        }
        Filter::Not(inner) => match specialize(inner, schema, parent, known) {
            ForType::Always(b) => ForType::Always(!b),
            ForType::Filter(f) => ForType::Filter(!f),
        },
        Filter::And(operands) | Filter::Or(operands) => {
            // `false` decides an `and`, `true` an `or`; the other constant drops out.
            let decisive = matches!(filter, Filter::Or(_));
            // Every operand is read (no early return), so `known` sees all of them.
            let mut rest = Vec::with_capacity(operands.len());
            let mut decided = false;
            for operand in operands {
                match specialize(operand, schema, parent, known) {
                    ForType::Always(b) => decided |= b == decisive,
                    ForType::Filter(f) => rest.push(f),
                }
            }
            if decided {
                return ForType::Always(decisive);
            }
            let joined = if decisive {
                Filter::any(rest)
            } else {
                Filter::all(rest)
            };
            joined.map_or(ForType::Always(!decisive), ForType::Filter)
        }
    }
}

/// Hand-built filters can be arbitrarily deep; [`specialize`] recurses, so it only sees filters
/// at most this deep (a parsed filter is far shallower: its nesting is limited when parsed).
const MAX_DEPTH: usize = 1_000;

/// One resource type's part of a root query.
struct Lane<'s> {
    schema: &'s ResourceSchema,
    /// `None` when the filter matches none of this type.
    filter: Option<Option<Filter>>,
    compiled: Option<CompiledFilter>,
    sort: Option<(&'s AttrPath, SortOrder)>,
}

/// Where a root cursor left one resource type.
#[derive(Debug, Clone, PartialEq)]
enum Position {
    /// Nothing read yet.
    Start,
    /// After this store position.
    After(String),
    /// Every match read.
    Done,
}

impl Position {
    fn to_json(&self) -> Value {
        match self {
            Position::Start => Value::Null,
            Position::After(p) => Value::String(p.clone()),
            Position::Done => Value::Bool(false),
        }
    }

    fn from_json(v: &Value) -> Option<Position> {
        match v {
            Value::Null => Some(Position::Start),
            Value::String(p) => Some(Position::After(p.clone())),
            Value::Bool(false) => Some(Position::Done),
            _ => None,
        }
    }

    fn after(&self) -> Option<String> {
        match self {
            Position::After(p) => Some(p.clone()),
            Position::Start | Position::Done => None,
        }
    }
}

impl<S: Store, A: Authenticator> Ctx<'_, S, A> {
    /// `GET /` and `POST /.search` (RFC 7644 §3.4.2.1, §3.4.3): the query over every resource
    /// type, paged by index or by cursor (RFC 9865). A filter naming an attribute some type lacks
    /// reads, for that type, as that attribute being unassigned; with `sortBy` the types' results
    /// are merged in the schema-less sort order, resources without the attribute last.
    pub(crate) async fn search_root(
        &self,
        query: &Query,
    ) -> Result<http::Response<Vec<u8>>, ScimError> {
        let lanes = self.lanes(query)?;
        let sorter = query
            .sort_by
            .as_ref()
            .map(|a| Sorter::new(a, query.effective_sort_order().unwrap_or_default()));
        let count = self.count(query);
        let (total, page, next) = match &query.cursor {
            None => {
                self.root_index_page(query, &lanes, sorter.as_ref(), count)
                    .await?
            }
            Some(cursor) => {
                self.root_cursor_page(query, cursor, &lanes, sorter.as_ref(), count)
                    .await?
            }
        };
        let mut resources = Vec::with_capacity(page.len());
        for (lane, mut body) in page {
            render::projector(lanes[lane].schema, query)?.project_in_place(&mut body);
            resources.push(body);
        }
        Ok(response::list(list_response(
            total, query, resources, next,
        )?))
    }

    /// The filter and sort as each resource type reads them.
    fn lanes<'a>(&'a self, query: &'a Query) -> Result<Vec<Lane<'a>>, ScimError> {
        let options = super::filter_options(self.svc.config.interop);
        let types = self.svc.registry.resource_types();
        if let Some(f) = &query.filter {
            if f.depth() > MAX_DEPTH {
                return Err(ScimError::invalid_filter("the filter nests too deeply"));
            }
        }
        let mut known = false;
        let mut lanes = Vec::with_capacity(types.len());
        for schema in types {
            crate::passwords::refuse_secret_queries(schema, query)?;
            let filter = match &query.filter {
                None => Some(None),
                Some(f) => match specialize(f, schema, None, &mut known) {
                    ForType::Always(false) => None,
                    ForType::Always(true) => Some(None),
                    ForType::Filter(f) => Some(Some(f)),
                },
            };
            let compiled = match &filter {
                Some(Some(f)) => Some(f.compile_with(schema, &options)?),
                _ => None,
            };
            let sort = query
                .sort_by
                .as_ref()
                .filter(|a| Sorter::compile(a, SortOrder::Ascending, schema).is_ok())
                .map(|a| (a, query.effective_sort_order().unwrap_or_default()));
            lanes.push(Lane {
                schema,
                filter,
                compiled,
                sort,
            });
        }
        if let (Some(f), false) = (&query.filter, known) {
            // No type has any attribute the filter names: a mistake, explained as the first
            // type's compiler explains it.
            return Err(match types.first() {
                Some(schema) => f
                    .compile_with(schema, &options)
                    .err()
                    .map(ScimError::from)
                    .unwrap_or_else(|| ScimError::invalid_filter("the filter names no attribute")),
                None => ScimError::invalid_filter("there are no resource types to search"),
            });
        }
        if let Some(attr) = &query.sort_by {
            if lanes.iter().all(|l| l.sort.is_none()) {
                // No type has the attribute: the client's mistake, as for one type.
                if let Some(schema) = types.first() {
                    Sorter::compile(attr, SortOrder::Ascending, schema)?;
                }
            }
        }
        Ok(lanes)
    }

    async fn fetch(
        &self,
        lane: &Lane<'_>,
        query: &Query,
        page: &PageRequest,
    ) -> Result<ListPage, StoreError> {
        let filter = lane.filter.as_ref().and_then(Option::as_ref);
        let list_query = ListQuery {
            schema: lane.schema,
            filter,
            compiled: lane.compiled.as_ref(),
            options: super::filter_options(self.svc.config.interop),
            sort: lane.sort,
            page,
            relations: render::wants_relations(query),
        };
        self.svc
            .store
            .list(&self.tenant, lane.schema.name(), list_query)
            .await
    }

    /// Index paging: the first `startIndex - 1 + count` of each type, merged, cut to the page.
    /// Bounded by [`Config::root_scan_limit`](crate::Config::root_scan_limit); cursors page
    /// without that bound.
    async fn root_index_page(
        &self,
        query: &Query,
        lanes: &[Lane<'_>],
        sorter: Option<&Sorter>,
        count: u64,
    ) -> Result<(u64, Vec<(usize, Value)>, Option<String>), ScimError> {
        let offset = query.start_index_or_default().saturating_sub(1);
        let want = offset.saturating_add(count);
        let limit = self.svc.config.root_scan_limit;
        if want > limit {
            return Err(ScimError::too_many(format!(
                "index paging at the root reaches at most {limit} resources; page with a cursor or query one resource type"
            )));
        }
        let mut total = 0u64;
        let mut merged = Vec::new();
        for (i, lane) in lanes.iter().enumerate() {
            if lane.filter.is_none() {
                continue;
            }
            let found = self
                .fetch(
                    lane,
                    query,
                    &PageRequest::Index {
                        offset: 0,
                        count: want,
                    },
                )
                .await?;
            total = total.saturating_add(found.total);
            merged.extend(
                found
                    .resources
                    .into_iter()
                    .map(|s| (i, render::representation(&self.base, lane.schema, s))),
            );
        }
        if let Some(sorter) = sorter {
            // Stable: ties keep the types' order and each type's own order.
            merged.sort_by(|(_, a), (_, b)| sorter.compare(a, b));
        }
        let page = merged
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(count).unwrap_or(usize::MAX))
            .collect();
        Ok((total, page, None))
    }

    /// Cursor paging (RFC 9865): each type's next page after its own position, merged by always
    /// taking the smallest head, so each type gives a prefix of its page and its new position is
    /// exactly after what it gave.
    async fn root_cursor_page(
        &self,
        query: &Query,
        cursor: &str,
        lanes: &[Lane<'_>],
        sorter: Option<&Sorter>,
        count: u64,
    ) -> Result<(u64, Vec<(usize, Value)>, Option<String>), ScimError> {
        let codec = self.cursor_codec("", query);
        let mut positions: Vec<Position> = if cursor.is_empty() {
            lanes
                .iter()
                .map(|l| {
                    if l.filter.is_some() {
                        Position::Start
                    } else {
                        Position::Done
                    }
                })
                .collect()
        } else {
            let text = codec
                .decode(cursor, SystemTime::now())
                .map_err(ScimError::from)?;
            let bad = || ScimError::from(StoreError::bad_position());
            let values: Vec<Value> = serde_json::from_str(&text).map_err(|_| bad())?;
            if values.len() != lanes.len() {
                return Err(bad());
            }
            values
                .iter()
                .map(|v| Position::from_json(v).ok_or_else(bad))
                .collect::<Result<_, _>>()?
        };
        let mut total = 0u64;
        let mut heads: Vec<VecDeque<Value>> = Vec::with_capacity(lanes.len());
        let mut nexts: Vec<Option<String>> = Vec::with_capacity(lanes.len());
        for (lane, position) in lanes.iter().zip(&positions) {
            let found = match (lane.filter.is_some(), position) {
                (false, _) => ListPage::new(0, Vec::new(), None),
                // Only its count is still wanted.
                (true, Position::Done) => {
                    self.fetch(
                        lane,
                        query,
                        &PageRequest::Index {
                            offset: 0,
                            count: 0,
                        },
                    )
                    .await?
                }
                (true, p) => {
                    self.fetch(
                        lane,
                        query,
                        &PageRequest::After {
                            after: p.after(),
                            count,
                        },
                    )
                    .await?
                }
            };
            total = total.saturating_add(found.total);
            let rendered = found
                .resources
                .into_iter()
                .map(|s| render::representation(&self.base, lane.schema, s));
            heads.push(if *position == Position::Done {
                VecDeque::new()
            } else {
                rendered.collect()
            });
            nexts.push(found.next);
        }
        let fetched: Vec<usize> = heads.iter().map(VecDeque::len).collect();
        let mut page = Vec::new();
        while (page.len() as u64) < count {
            let smallest = (0..heads.len())
                .filter(|&i| !heads[i].is_empty())
                .min_by(|&a, &b| match sorter {
                    // `min_by` keeps the first of equals: ties go to the earlier type.
                    Some(s) => s.compare(&heads[a][0], &heads[b][0]),
                    None => Ordering::Equal,
                });
            let Some(i) = smallest else { break };
            if let Some(body) = heads[i].pop_front() {
                page.push((i, body));
            }
        }
        for (i, lane) in lanes.iter().enumerate() {
            let taken = fetched[i] - heads[i].len();
            if positions[i] == Position::Done || (taken == 0 && fetched[i] > 0) {
                continue;
            }
            let next = if taken == fetched[i] {
                nexts[i].take()
            } else {
                // Part of the page was taken: where the store would end a page of that size.
                let request = PageRequest::After {
                    after: positions[i].after(),
                    count: taken as u64,
                };
                self.fetch(lane, query, &request).await?.next
            };
            positions[i] = next.map_or(Position::Done, Position::After);
        }
        let next = positions.iter().any(|p| *p != Position::Done).then(|| {
            let json = Value::Array(positions.iter().map(Position::to_json).collect());
            codec.encode(&json.to_string(), SystemTime::now())
        });
        Ok((total, page, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(filter: &str, schema: &ResourceSchema) -> (ForType, bool) {
        let mut known = false;
        let f = Filter::parse(filter).unwrap();
        (specialize(&f, schema, None, &mut known), known)
    }

    fn filter(text: &str) -> ForType {
        ForType::Filter(Filter::parse(text).unwrap())
    }

    #[test]
    fn attributes_a_type_lacks_read_as_unassigned() {
        let group = ResourceSchema::group();
        let user = ResourceSchema::user();
        let f = r#"userName eq "bjensen" or displayName eq "Tour Guides""#;
        assert_eq!(
            reads(f, &group),
            (filter(r#"displayName eq "Tour Guides""#), true)
        );
        assert_eq!(reads(f, &user), (filter(f), true));
        assert_eq!(
            reads("userName pr", &group),
            (ForType::Always(false), false)
        );
        assert_eq!(
            reads("userName eq null", &group),
            (ForType::Always(true), false)
        );
        assert_eq!(
            reads(r#"not (userName eq "x")"#, &group),
            (ForType::Always(true), false)
        );
        assert_eq!(
            reads(r#"userName ne "x" and members pr"#, &group),
            (ForType::Always(false), true)
        );
        assert_eq!(
            reads(r#"emails[type eq "work"] or members[value eq "1"]"#, &group),
            (filter(r#"members[value eq "1"]"#), true)
        );
        // Inside brackets, a sub-attribute the type's attribute lacks.
        assert_eq!(
            reads(r#"emails[bogus eq "x" and type eq "work"]"#, &user),
            (ForType::Always(false), true)
        );
        assert_eq!(
            reads(r#"emails[bogus eq "x" or type eq "work"]"#, &user),
            (filter(r#"emails[type eq "work"]"#), true)
        );
        let (ForType::Filter(any), _) = reads(r#"emails[not (bogus eq "x")]"#, &user) else {
            panic!("a value path is kept");
        };
        let with_email = serde_json::json!({"emails": [{"value": "a@example.com"}]});
        assert!(any.matches(&with_email));
        assert!(!any.matches(&serde_json::json!({"userName": "x"})));
    }
}
