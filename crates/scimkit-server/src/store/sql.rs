//! What the SQL stores share: how resources are laid out for the `scimkit-sql` translation
//! ([`shape`]), and a list request turned into one page query and one count query
//! ([`ListSql`]), with cursor positions as the stores issue them.

use scimkit_protocol::ScimError;
use scimkit_schema::{Attribute, AttributeType, ResourceSchema};
use scimkit_sql::{Column, Dialect, Position, Query, Relation, Shape, SqlValue};

use super::{ListQuery, MemberType, PageRequest, StoreError};

/// The names a store gives its tables and the SQL that differs between dialects, so that one
/// [`shape`] describes both backends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Resources: `seq`, `tenant`, `type`, `id`, `version`, the folded `user_name` and
    /// `display_name`, `external_id`, `doc`.
    pub(crate) resources: &'static str,
    /// Emails: `seq`, `position`, the folded `value`, `type` and `display`, `is_primary`.
    pub(crate) emails: &'static str,
    /// Members: `group_seq`, `tenant`, `member_id`, `member_fold`, `member_type`, `display`.
    pub(crate) members: &'static str,
    /// The order of a group's members (an integer column of `m`).
    pub(crate) member_order: &'static str,
    /// A group's `displayName` read from its document `g.doc`.
    pub(crate) group_display: &'static str,
    /// The dialect.
    pub(crate) dialect: Dialect,
}

/// How a store with `layout` keeps resources of `schema`, for the SQL translation: the document,
/// the mapped columns where the schema's attribute fits them (a folded column only for an
/// attribute that is not `caseExact`), and the relations for `emails`, a group's `members` and a
/// resource's `groups`.
pub(crate) fn shape(layout: &Layout, schema: &ResourceSchema, resource_type: &str) -> Shape {
    let core = |name: &str| {
        schema
            .resolve_path(name)
            .ok()
            .filter(|r| r.extension_urn().is_none())
            .map(|r| r.target())
    };
    let simple_text = |a: &&Attribute| a.type_ == AttributeType::String && !a.multi_valued;
    let folded = |a: &&Attribute| simple_text(a) && !a.case_exact;
    let complex_list = |a: &&Attribute| a.multi_valued && a.is_complex();
    let mut shape = Shape::new("r.doc", "r.seq");
    if core("id").is_some() {
        shape = shape.column("id", Column::new("r.id"));
    }
    if core("userName").filter(folded).is_some() {
        shape = shape.column("userName", Column::new("r.user_name").folded());
    }
    if core("externalId").filter(simple_text).is_some() {
        shape = shape.column("externalId", Column::new("r.external_id"));
    }
    if core("displayName").filter(folded).is_some() {
        shape = shape.column("displayName", Column::new("r.display_name").folded());
    }
    if let Some(emails) = core("emails").filter(complex_list) {
        let mut relation =
            Relation::keyed(format!("{} e", layout.emails), "r.seq", "e.seq").order("e.position");
        for (sub, column) in [
            ("value", "e.value"),
            ("type", "e.type"),
            ("display", "e.display"),
        ] {
            if emails.sub_attribute(sub).filter(folded).is_some() {
                relation = relation.sub(sub, Column::new(column).folded());
            }
        }
        if emails.sub_attribute("primary").is_some() {
            relation = relation.sub("primary", "e.is_primary");
        }
        shape = shape.relation("emails", relation);
    }
    if MemberType::of_resource_type(resource_type) == Some(MemberType::Group)
        && core("members").filter(complex_list).is_some()
    {
        shape = shape.relation(
            "members",
            Relation::keyed(format!("{} m", layout.members), "r.seq", "m.group_seq")
                .sub("value", Column::new("m.member_fold").folded())
                .sub("type", "m.member_type")
                .sub("display", "m.display")
                .order(format!("m.{}", layout.member_order)),
        );
    }
    if core("groups").filter(complex_list).is_some() {
        shape = shape.relation(
            "groups",
            Relation::new(
                format!(
                    "{} gm JOIN {} g ON g.seq = gm.group_seq",
                    layout.members, layout.resources
                ),
                "gm.tenant = r.tenant AND gm.member_id = r.id",
            )
            .sub("value", "g.id")
            .sub("display", layout.group_display)
            .sub("type", "'direct'")
            .order("g.seq"),
        );
    }
    shape
}

/// A list request as SQL: a page query selecting `seq, id, version, doc, sort key` and a count
/// query, both scoped to one tenant and type (the first two parameters).
#[derive(Debug)]
pub(crate) struct ListSql {
    /// The page.
    pub(crate) page_sql: String,
    /// Its parameters: tenant, type, then the translation's.
    pub(crate) page_params: Vec<SqlValue>,
    /// `totalResults`.
    pub(crate) count_sql: String,
    /// Its parameters: tenant, type, then the filter's.
    pub(crate) count_params: Vec<SqlValue>,
    /// The page size asked for.
    count: u64,
    /// The rows the page query asks for: one more than the page for a cursor page, to know
    /// whether another follows.
    limit: u64,
    /// A cursor page.
    cursor: bool,
    /// The first page (no offset, no position): when it is not full it holds every match.
    from_start: bool,
}

impl ListSql {
    /// Translates `query` for resources of `resource_type` in `tenant`.
    pub(crate) fn new(
        layout: &Layout,
        tenant: &str,
        resource_type: &str,
        query: &ListQuery<'_>,
    ) -> Result<ListSql, StoreError> {
        let shape = shape(layout, query.schema, resource_type);
        let (offset, count, after) = match query.page {
            PageRequest::Index { offset, count } => (*offset, *count, None),
            PageRequest::After { after, count } => (
                0,
                *count,
                Some(after.as_deref().map(decode_position).transpose()?),
            ),
        };
        let mut sql = Query::new(layout.dialect, query.schema, &shape)
            .first_param(3)
            .options(query.options);
        if let Some(filter) = query.filter {
            sql = sql.filter(filter).map_err(query_error)?;
        }
        if let Some((attr, order)) = query.sort {
            sql = sql.sort(Some(attr), order).map_err(query_error)?;
        }
        if let Some(position) = &after {
            sql = sql.after(position.as_ref()).map_err(query_error)?;
        }
        let cursor = after.is_some();
        let limit = if cursor {
            count.saturating_add(1)
        } else {
            count
        };
        let scope = match layout.dialect {
            Dialect::Sqlite => "r.tenant = ?1 AND r.type = ?2",
            Dialect::Postgres => "r.tenant = $1 AND r.type = $2",
        };
        let page_sql = format!(
            "SELECT r.seq, r.id, r.version, r.doc, {key} FROM {table} r
             WHERE {scope} AND ({filter}) AND ({after})
             ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            key = sql.sort_key_sql(),
            table = layout.resources,
            filter = sql.where_sql(),
            after = sql.after_sql(),
            order = sql.order_sql(),
            limit = limit.min(i64::MAX as u64),
            offset = offset.min(i64::MAX as u64),
        );
        let count_sql = format!(
            "SELECT count(*) FROM {} r WHERE {scope} AND ({})",
            layout.resources,
            sql.where_sql()
        );
        let scope = [
            SqlValue::Text(tenant.to_owned()),
            SqlValue::Text(resource_type.to_owned()),
        ];
        Ok(ListSql {
            page_sql,
            page_params: scope.iter().chain(sql.params()).cloned().collect(),
            count_sql,
            count_params: scope.iter().chain(sql.filter_params()).cloned().collect(),
            count,
            limit,
            cursor,
            from_start: offset == 0 && after.as_ref().is_none_or(Option::is_none),
        })
    }

    /// `totalResults` when the page read shows it (a first page that is not full holds every
    /// match: the identity providers' lookups), so the count query can be skipped.
    pub(crate) fn total_from_page(&self, rows: usize) -> Option<u64> {
        (self.from_start && (rows as u64) < self.limit).then_some(rows as u64)
    }

    /// Cuts the rows read (each with its sort key) to the page, and returns where the next page
    /// starts, when one follows.
    pub(crate) fn next<T>(
        &self,
        rows: &mut Vec<(T, SqlValue)>,
        seq: impl Fn(&T) -> i64,
    ) -> Result<Option<String>, StoreError> {
        if !self.cursor || rows.len() as u64 <= self.count {
            return Ok(None);
        }
        rows.truncate(usize::try_from(self.count).unwrap_or(usize::MAX));
        match rows.last() {
            Some((row, key)) => encode_position(&Position {
                sort_key: key.clone(),
                key: seq(row),
            })
            .map(Some),
            None => Ok(None),
        }
    }
}

/// A cursor position as the SQL stores issue it: the [`Position`] of a page's last row as JSON
/// (the service seals it into the opaque RFC 9865 cursor).
fn encode_position(position: &Position) -> Result<String, StoreError> {
    serde_json::to_string(position).map_err(StoreError::backend)
}

fn decode_position(text: &str) -> Result<Position, StoreError> {
    serde_json::from_str(text).map_err(|_| StoreError::bad_position())
}

fn query_error(e: scimkit_sql::Error) -> StoreError {
    StoreError::Query(Box::new(ScimError::from(e)))
}
