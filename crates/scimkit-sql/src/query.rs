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
///     .options(Options::new().interop(Interop::lenient()))
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
    /// send passes `Options::new().interop(Interop::lenient())`, as it does for
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
