//! A query for one resource type: the filter, the sort and the page, each translated, with their
//! parameters numbered after the store's own.

use scimkit_filter::{AttrPath, Filter, Options, SortOrder};
use scimkit_schema::ResourceSchema;

use crate::error::Error;
use crate::shape::{Mapping, Shape};
use crate::sort::{self, KeyType, Position, Sort};
use crate::sql::{truth, Params};
use crate::{Dialect, SqlValue};

/// The SQL for a list or search request: a `WHERE` condition for the filter, one for the page,
/// an `ORDER BY` list and the sort key to select, with bound parameters.
///
/// The store writes, for a page of at most `n` rows,
///
/// ```sql
/// SELECT r.doc, r.seq, <sort_key_sql> FROM resources r
/// WHERE r.tenant = ?1 AND r.type = ?2 AND (<where_sql>) AND (<after_sql>)
/// ORDER BY <order_sql> LIMIT n
/// ```
///
/// binding its own parameters and then [`Query::params`]; and for `totalResults` the same
/// without `after_sql`, binding [`Query::filter_params`] (the filter's parameters come first, so
/// they are a prefix). The position of the last row, `Position { sort_key, key }`, leads to the
/// next page with [`Query::after`].
///
/// Builder methods can be called in any order; each renders the whole query again.
///
/// ```
/// use scimkit_filter::{AttrPath, Filter, Interop, Options, SortOrder};
/// use scimkit_schema::ResourceSchema;
/// use scimkit_sql::{Column, Dialect, Position, Query, Shape, SqlValue};
///
/// let schema = ResourceSchema::user();
/// let shape = Shape::new("r.doc", "r.seq").column("userName", Column::new("r.user_name_fold").folded());
/// let filter = Filter::parse(r#"userName eq "BJensen""#)?;
/// let q = Query::new(Dialect::Sqlite, &schema, &shape)
///     .first_param(3)
///     .options(Options::new().interop(Interop::idp_compatible()))
///     .filter(&filter)?
///     .sort(Some(&AttrPath::parse("name.familyName")?), SortOrder::Ascending)?
///     .after(Some(&Position { sort_key: SqlValue::Text("jensen".into()), key: 7 }))?;
/// assert_eq!(q.where_sql(), "(r.user_name_fold IS NOT NULL AND r.user_name_fold = ?3)");
/// assert_eq!(q.filter_params(), [SqlValue::Text("bjensen".into())]);
/// assert_eq!(q.params().len(), 3);
/// assert!(q.order_sql().ends_with("ASC NULLS LAST, r.seq ASC"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Query<'a> {
    dialect: Dialect,
    schema: &'a ResourceSchema,
    shape: &'a Shape,
    first: usize,
    options: Options,
    filter: Option<&'a Filter>,
    sort: Option<(AttrPath, SortOrder)>,
    after: Option<Position>,
    rendered: Rendered,
    /// An error from rendering after `first_param` or `options`, reported by the next fallible
    /// builder call.
    pending: Option<Error>,
}

#[derive(Debug, Clone, Default)]
struct Rendered {
    where_sql: String,
    after_sql: String,
    order_sql: String,
    sort_key_sql: String,
    sort_key_type: Option<KeyType>,
    params: Vec<SqlValue>,
    filter_params: usize,
}

impl<'a> Query<'a> {
    /// A query over resources of `schema` stored as `shape`: no filter, ordered by the row key,
    /// parameters numbered from 1, strict RFC 7644 filter options.
    pub fn new(dialect: Dialect, schema: &'a ResourceSchema, shape: &'a Shape) -> Query<'a> {
        let mut q = Query {
            dialect,
            schema,
            shape,
            first: 1,
            options: Options::new(),
            filter: None,
            sort: None,
            after: None,
            rendered: Rendered::default(),
            pending: None,
        };
        if let Err(e) = q.render() {
            q.pending = Some(e);
        }
        q
    }

    /// Numbers the placeholders from `n` (`?n` in SQLite, `$n` in PostgreSQL), leaving the ones
    /// before to the store.
    pub fn first_param(mut self, n: usize) -> Query<'a> {
        self.first = n.max(1);
        self.rerender();
        self
    }

    /// The options the filter is compiled with: a server that accepts what identity providers
    /// send passes `Options::new().interop(Interop::idp_compatible())`, as it does for
    /// [`Filter::parse_with`] and [`Filter::compile_with`].
    pub fn options(mut self, options: Options) -> Query<'a> {
        self.options = options;
        self.rerender();
        self
    }

    fn rerender(&mut self) {
        if let Err(e) = self.render() {
            self.pending = Some(e);
        }
    }

    /// Filters by `filter` (RFC 7644 §3.4.2.2), exactly as
    /// [`CompiledFilter::matches`](scimkit_filter::CompiledFilter::matches) would.
    ///
    /// # Errors
    /// The compiler's error for a filter the schema rejects (400 `invalidFilter`);
    /// [`Error::NotMapped`] for a sub-attribute a [`Relation`](crate::Relation) leaves out;
    /// [`Error::Shape`] for a shape that does not fit the schema.
    pub fn filter(mut self, filter: &'a Filter) -> Result<Query<'a>, Error> {
        self.filter = Some(filter);
        self.finish()
    }

    /// Sorts by `sort_by` in `order` (RFC 7644 §3.4.2.3) as
    /// [`Sorter`](scimkit_filter::Sorter) does, then by the row key; `None` orders by the row key
    /// alone.
    ///
    /// # Errors
    /// The sorter's error for an unknown attribute (400 `invalidPath`); [`Error::NotMapped`]
    /// for an attribute in a relation without an order or without the sub-attribute.
    pub fn sort(
        mut self,
        sort_by: Option<&AttrPath>,
        order: SortOrder,
    ) -> Result<Query<'a>, Error> {
        self.sort = sort_by.map(|p| (p.clone(), order));
        self.finish()
    }

    /// Keeps only the rows strictly after `position` in the sort order (keyset paging); `None`
    /// starts at the beginning.
    ///
    /// # Errors
    /// [`Error::Cursor`] when the position's sort key cannot belong to this sort (a cursor made
    /// for another `sortBy`).
    pub fn after(mut self, position: Option<&Position>) -> Result<Query<'a>, Error> {
        self.after = position.cloned();
        self.finish()
    }

    fn finish(mut self) -> Result<Query<'a>, Error> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        self.render()?;
        Ok(self)
    }

    fn render(&mut self) -> Result<(), Error> {
        let dialect = self.dialect;
        let map = Mapping::new(self.schema, self.shape)?;
        let mut params = Params::new(dialect, self.first);
        let where_sql = match self.filter {
            Some(filter) => {
                crate::filter::translate(filter, self.schema, &map, &self.options, &mut params)?
            }
            None => truth(dialect, true).to_owned(),
        };
        let filter_params = params.values.len();
        let sort = match &self.sort {
            Some((path, order)) => Some(sort::sort(dialect, self.schema, &map, path, *order)?),
            None => None,
        };
        let after_sql = match &self.after {
            Some(p) => sort::after(dialect, &map.key, sort.as_ref(), p, &mut params)?,
            None => truth(dialect, true).to_owned(),
        };
        self.rendered = Rendered {
            where_sql,
            after_sql,
            order_sql: sort::order_by(&map.key, sort.as_ref()),
            sort_key_sql: sort
                .as_ref()
                .map_or_else(|| "NULL".to_owned(), |s: &Sort| s.key.clone()),
            sort_key_type: sort.as_ref().map(Sort::key_type),
            params: params.values,
            filter_params,
        };
        Ok(())
    }

    /// The filter as a condition (`1` in SQLite or `TRUE` in PostgreSQL without one), to AND
    /// with the store's own. It is never SQL `NULL`.
    pub fn where_sql(&self) -> &str {
        &self.rendered.where_sql
    }

    /// The keyset condition "after the position" (`1`/`TRUE` without one), to AND as well for a
    /// page, and to leave out when counting.
    pub fn after_sql(&self) -> &str {
        &self.rendered.after_sql
    }

    /// The `ORDER BY` list without the keywords, e.g. `<key> ASC NULLS LAST, r.seq ASC`.
    pub fn order_sql(&self) -> &str {
        &self.rendered.order_sql
    }

    /// The sort key to select, from which the store builds the [`Position`] of a page's last
    /// row; `NULL` without a sort.
    pub fn sort_key_sql(&self) -> &str {
        &self.rendered.sort_key_sql
    }

    /// The SQL type of [`Query::sort_key_sql`], `None` without a sort.
    pub fn sort_key_type(&self) -> Option<KeyType> {
        self.rendered.sort_key_type
    }

    /// Every bound parameter, in placeholder order from [`Query::first_param`]: the filter's,
    /// then the page's.
    pub fn params(&self) -> &[SqlValue] {
        &self.rendered.params
    }

    /// The filter's parameters only: what a count with [`Query::where_sql`] alone binds.
    pub fn filter_params(&self) -> &[SqlValue] {
        &self.rendered.params[..self.rendered.filter_params]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Column, Relation};
    use scimkit_filter::Interop;

    fn lenient() -> Options {
        Options::new().interop(Interop::idp_compatible())
    }

    fn where_sql(dialect: Dialect, schema: &ResourceSchema, shape: &Shape, text: &str) -> String {
        let f = Filter::parse_with(text, &lenient()).unwrap();
        let q = Query::new(dialect, schema, shape)
            .options(lenient())
            .filter(&f)
            .unwrap();
        q.where_sql().to_owned()
    }

    /// The conditions `docs/sql-indexing.md` promises for the identity providers' lookups.
    #[test]
    fn idp_lookups_are_the_indexed_expressions() {
        let user = ResourceSchema::user();
        let group = ResourceSchema::group();
        let plain = Shape::new("r.doc", "r.seq");
        assert_eq!(
            where_sql(Dialect::Sqlite, &user, &plain, r#"userName eq "X""#),
            r#"(json_type(r.doc, '$."userName"') IS 'text' AND scim_fold(json_extract(r.doc, '$."userName"')) = ?1)"#
        );
        assert_eq!(
            where_sql(Dialect::Postgres, &user, &plain, r#"userName eq "X""#),
            "(COALESCE(jsonb_typeof((r.doc) -> 'userName') = 'string', FALSE) AND \
             scim_fold((r.doc) ->> 'userName') = $1::text)"
        );
        let users = Shape::new("r.doc", "r.seq")
            .column("userName", Column::new("r.user_name_fold").folded())
            .column("externalId", Column::new("r.external_id"))
            .relation(
                "emails",
                Relation::keyed("emails e", "r.seq", "e.resource")
                    .sub("value", "e.value")
                    .sub("type", "e.type"),
            );
        assert_eq!(
            where_sql(Dialect::Sqlite, &user, &users, r#"USERNAME eq "X""#),
            "(r.user_name_fold IS NOT NULL AND r.user_name_fold = ?1)"
        );
        assert_eq!(
            where_sql(Dialect::Postgres, &user, &users, r#"externalId eq "X""#),
            "(r.external_id IS NOT NULL AND r.external_id = $1::text)"
        );
        assert_eq!(
            where_sql(
                Dialect::Sqlite,
                &user,
                &users,
                r#"emails[type eq "work"].value eq "X""#
            ),
            "r.seq IN (SELECT e.resource FROM emails e WHERE e.resource IS NOT NULL AND \
             (((e.type IS NOT NULL AND scim_fold(e.type) = ?1) AND \
             (e.value IS NOT NULL AND scim_fold(e.value) = ?2))))"
        );
        let groups = Shape::new("r.doc", "r.seq")
            .column("displayName", Column::new("r.display_name_fold").folded())
            .relation(
                "members",
                Relation::keyed("members m", "r.seq", "m.group_seq")
                    .sub("value", Column::new("m.member_id_fold").folded()),
            );
        assert_eq!(
            where_sql(Dialect::Sqlite, &group, &groups, r#"displayName eq "X""#),
            "(r.display_name_fold IS NOT NULL AND r.display_name_fold = ?1)"
        );
        assert_eq!(
            where_sql(Dialect::Sqlite, &group, &groups, r#"members[value eq "X"]"#),
            "r.seq IN (SELECT m.group_seq FROM members m WHERE m.group_seq IS NOT NULL AND \
             ((m.member_id_fold IS NOT NULL AND m.member_id_fold = ?1)))"
        );
    }

    #[test]
    fn values_are_parameters_and_numbered_after_the_stores() {
        let user = ResourceSchema::user();
        let shape = Shape::new("r.doc", "r.seq");
        let f = Filter::parse(r#"title eq "x' OR '1'='1" and nickName co "%_""#).unwrap();
        let q = Query::new(Dialect::Postgres, &user, &shape)
            .filter(&f)
            .unwrap()
            .first_param(3);
        assert!(q.where_sql().contains("$3::text") && q.where_sql().contains("$4::text"));
        assert!(!q.where_sql().contains("OR '1'"));
        assert_eq!(
            q.params(),
            [
                SqlValue::Text("x' or '1'='1".into()),
                SqlValue::Text("%_".into())
            ]
        );
    }

    #[test]
    fn no_filter_sort_or_page() {
        let user = ResourceSchema::user();
        let shape = Shape::new("r.doc", "r.seq");
        let q = Query::new(Dialect::Sqlite, &user, &shape);
        assert_eq!(
            (
                q.where_sql(),
                q.after_sql(),
                q.order_sql(),
                q.sort_key_sql()
            ),
            ("1", "1", "r.seq ASC", "NULL")
        );
        let q = Query::new(Dialect::Postgres, &user, &shape)
            .after(Some(&Position {
                sort_key: SqlValue::Null,
                key: 9,
            }))
            .unwrap();
        assert_eq!(
            (q.where_sql(), q.after_sql()),
            ("TRUE", "r.seq > $1::bigint")
        );
        assert!(q.filter_params().is_empty());
        assert_eq!(q.params(), [SqlValue::Integer(9)]);
    }

    #[test]
    fn a_cursor_for_another_sort_is_refused() {
        let user = ResourceSchema::user();
        let shape = Shape::new("r.doc", "r.seq");
        let by_name = AttrPath::parse("userName").unwrap();
        let q = Query::new(Dialect::Sqlite, &user, &shape)
            .sort(Some(&by_name), SortOrder::Descending)
            .unwrap();
        assert_eq!(q.sort_key_type(), Some(KeyType::Text));
        let numeric = Position {
            sort_key: SqlValue::Integer(3),
            key: 1,
        };
        let err = q.clone().after(Some(&numeric)).unwrap_err();
        assert!(matches!(err, Error::Cursor));
        let unsorted = Query::new(Dialect::Sqlite, &user, &shape);
        let named = Position {
            sort_key: SqlValue::Text("x".into()),
            key: 1,
        };
        assert!(matches!(unsorted.after(Some(&named)), Err(Error::Cursor)));
        let q = q.after(Some(&named)).unwrap();
        assert_eq!(q.after_sql().matches("?1").count(), 2);
    }

    #[test]
    fn shapes_that_do_not_fit_the_schema_are_errors() {
        let user = ResourceSchema::user();
        for shape in [
            Shape::new("r.doc", "r.seq").column("nope", Column::new("c")),
            Shape::new("r.doc", "r.seq").column("emails", Column::new("c")),
            Shape::new("r.doc", "r.seq").column("externalId", Column::new("c").folded()),
            Shape::new("r.doc", "r.seq").relation("name", Relation::new("t", "TRUE")),
            Shape::new("r.doc", "r.seq")
                .relation("emails", Relation::new("t", "TRUE").sub("nope", "x")),
        ] {
            let err = shape.check(&user).unwrap_err();
            assert_eq!(
                err.status(),
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "{err}"
            );
            let f = Filter::parse("userName pr").unwrap();
            assert!(Query::new(Dialect::Sqlite, &user, &shape)
                .filter(&f)
                .is_err());
        }
    }

    #[test]
    fn unmapped_relation_sub_attributes_are_reported() {
        let group = ResourceSchema::group();
        let shape = Shape::new("r.doc", "r.seq").relation(
            "members",
            Relation::new("members m", "m.g = r.seq").sub("value", "m.id"),
        );
        let f = Filter::parse(r#"members.type eq "User""#).unwrap();
        let err = Query::new(Dialect::Sqlite, &group, &shape)
            .filter(&f)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`members.type` cannot be searched or sorted on this server"
        );
        assert_eq!(
            err.scim_type(),
            Some(scimkit_schema::ScimType::InvalidFilter)
        );
        let by_value = AttrPath::parse("members.value").unwrap();
        let err = Query::new(Dialect::Sqlite, &group, &shape)
            .sort(Some(&by_value), SortOrder::Ascending)
            .unwrap_err();
        assert_eq!(err.scim_type(), Some(scimkit_schema::ScimType::InvalidPath));
        let scim: scimkit_protocol::ScimError = err.into();
        assert_eq!(scim.status(), http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn postgres_literals_with_nul_compare_as_postgres_text_can() {
        let user = ResourceSchema::user();
        let shape = Shape::new("r.doc", "r.seq");
        for (text, expect) in [
            ("title eq \"a\\u0000b\"", "FALSE)"),
            ("title ne \"a\\u0000b\"", "TRUE)"),
            ("title gt \"a\\u0000b\"", "> $1::text)"),
        ] {
            let f = Filter::parse(text).unwrap();
            let q = Query::new(Dialect::Postgres, &user, &shape)
                .filter(&f)
                .unwrap();
            assert!(q.where_sql().ends_with(expect), "{text}: {}", q.where_sql());
            assert!(q
                .params()
                .iter()
                .all(|p| !matches!(p, SqlValue::Text(t) if t.contains('\0'))));
        }
    }
}
