//! How a store keeps resources: one JSON document per row, and optionally some attributes also in
//! mapped columns (for indexed lookups) or in side tables (for large multi-valued attributes such
//! as a group's `members`).

use scimkit_schema::{Attribute, AttributeType, ResourceSchema};

use crate::error::Error;

/// The storage of one resource type, as the translation sees it.
///
/// The document column holds the resource as the server wrote it, with every attribute name in
/// the schema's canonical spelling (RFC 7643 §2.1 names match in any case, so the server
/// canonicalises on write and the SQL can address members by their exact key) and in the shape
/// the schema defines (a multi-valued attribute is an array, a complex one an object; what the
/// server's validation guarantees). The key is a unique integer per row: the tie-breaker of every
/// sort and the second half of a keyset [`Position`](crate::Position).
///
/// ```
/// use scimkit_sql::{Column, Relation, Shape};
///
/// let users = Shape::new("r.doc", "r.seq")
///     .column("userName", Column::new("r.user_name_fold").folded())
///     .column("externalId", Column::new("r.external_id"))
///     .relation(
///         "groups",
///         Relation::new("members m JOIN resources g ON g.seq = m.group_seq", "m.member_id = r.id")
///             .sub("value", "g.id")
///             .sub("display", "g.doc ->> '$.displayName'"),
///     );
/// assert!(users.check(&scimkit_schema::ResourceSchema::user()).is_ok());
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Shape {
    pub(crate) doc: String,
    pub(crate) key: String,
    pub(crate) columns: Vec<(String, Column)>,
    pub(crate) relations: Vec<(String, Relation)>,
}

impl Shape {
    /// A shape with the document in the SQL expression `doc` (SQLite: JSON text; PostgreSQL:
    /// `jsonb`) and the unique integer key in `key`, e.g. `Shape::new("r.doc", "r.seq")`.
    /// Both are SQL text written by the caller, never by a client.
    pub fn new(doc: impl Into<String>, key: impl Into<String>) -> Shape {
        Shape {
            doc: doc.into(),
            key: key.into(),
            columns: Vec::new(),
            relations: Vec::new(),
        }
    }

    /// Also keeps the single-valued attribute `path` (e.g. `userName`, `name.familyName`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`) in `column`.
    /// Comparisons with text use the column (so an index on it serves them); presence and
    /// comparisons with other literals use the document.
    pub fn column(mut self, path: impl Into<String>, column: Column) -> Shape {
        self.columns.push((path.into(), column));
        self
    }

    /// Keeps the multi-valued complex attribute `attr` (e.g. `members`) in a side table: every
    /// filter on it, its sub-attributes or inside its value filter reads the relation's rows.
    pub fn relation(mut self, attr: impl Into<String>, relation: Relation) -> Shape {
        self.relations.push((attr.into(), relation));
        self
    }

    /// Checks the shape against `schema`; [`Query`](crate::Query) reports the same error from
    /// its first builder call. A store calls this once at start-up.
    ///
    /// # Errors
    /// [`Error::Shape`] for a path the schema does not have, a column for a multi-valued or
    /// complex attribute, a folded column for a case-exact or dateTime attribute, a relation for
    /// an attribute that is not multi-valued and complex, or a sub-attribute it does not have.
    pub fn check(&self, schema: &ResourceSchema) -> Result<(), Error> {
        Mapping::new(schema, self).map(|_| ())
    }
}

/// A SQL expression holding one attribute's value: its text for string, reference, binary and
/// dateTime attributes, its number for integer and decimal ones, and for booleans `1`/`0` in
/// SQLite or a `boolean` in PostgreSQL; `NULL` when the attribute is missing, `null` or of
/// another JSON type.
///
/// ```
/// use scimkit_sql::Column;
/// let user_name = Column::new("r.user_name_fold").folded();
/// let member = Column::from("m.member_id");
/// # let _ = (user_name, member);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Column {
    pub(crate) expr: String,
    pub(crate) folded: bool,
}

impl Column {
    /// The value in the SQL expression `expr`.
    pub fn new(expr: impl Into<String>) -> Column {
        Column {
            expr: expr.into(),
            folded: false,
        }
    }

    /// The column holds [`fold`](crate::fold)`(value)` (what `scim_fold` computes), not the value:
    /// a lookup is then `col = ?` and a plain index serves it. Only for attributes that are not
    /// `caseExact` and not dateTime.
    pub fn folded(mut self) -> Column {
        self.folded = true;
        self
    }
}

impl From<&str> for Column {
    fn from(expr: &str) -> Column {
        Column::new(expr)
    }
}

impl From<String> for Column {
    fn from(expr: String) -> Column {
        Column::new(expr)
    }
}

/// A side table holding a multi-valued complex attribute: one row per value (element), with a
/// [`Column`] per sub-attribute.
///
/// Every row stands for a value that is present (a non-empty object), so `members pr` is "some
/// row exists". A filter on a sub-attribute the relation does not map is an
/// [`Error::NotMapped`].
///
/// ```
/// use scimkit_sql::{Column, Relation};
/// // Correlated: EXISTS (SELECT 1 FROM members m WHERE m.group_seq = r.seq AND ...)
/// let members = Relation::new("members m", "m.group_seq = r.seq")
///     .sub("value", "m.member_id")
///     .sub("type", "m.member_type")
///     .sub("display", "m.display");
/// // Keyed: r.seq IN (SELECT e.resource FROM emails e WHERE ...), which lets the database start
/// // from an index on the side table.
/// let emails = Relation::keyed("emails e", "r.seq", "e.resource")
///     .sub("value", "e.value")
///     .sub("type", "e.type")
///     .sub("primary", "e.is_primary")
///     .sub("display", "e.display")
///     .order("e.position");
/// # let _ = (members, emails);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Relation {
    pub(crate) from: String,
    pub(crate) on: Option<String>,
    pub(crate) keyed: Option<(String, String)>,
    pub(crate) subs: Vec<(String, Column)>,
    pub(crate) order: Option<String>,
}

impl Relation {
    /// Rows of `from` (a table, or tables joined, with aliases) that belong to the resource when
    /// the condition `on` holds; a filter becomes `EXISTS (SELECT 1 FROM from WHERE on AND ...)`.
    pub fn new(from: impl Into<String>, on: impl Into<String>) -> Relation {
        Relation {
            from: from.into(),
            on: Some(on.into()),
            keyed: None,
            subs: Vec::new(),
            order: None,
        }
    }

    /// Rows of `from` whose `inner` expression equals the resource's `outer` expression; a filter
    /// becomes `outer IN (SELECT inner FROM from WHERE ...)`.
    pub fn keyed(
        from: impl Into<String>,
        outer: impl Into<String>,
        inner: impl Into<String>,
    ) -> Relation {
        Relation {
            from: from.into(),
            on: None,
            keyed: Some((outer.into(), inner.into())),
            subs: Vec::new(),
            order: None,
        }
    }

    /// An extra condition every row must meet (e.g. the tenant), ANDed with any before.
    pub fn on(mut self, condition: impl Into<String>) -> Relation {
        self.on = Some(match self.on.take() {
            Some(on) => format!("({on}) AND ({})", condition.into()),
            None => condition.into(),
        });
        self
    }

    /// The column holding sub-attribute `name` of each row's value.
    pub fn sub(mut self, name: impl Into<String>, column: impl Into<Column>) -> Relation {
        self.subs.push((name.into(), column.into()));
        self
    }

    /// The order of the values (an integer expression, ascending), needed to sort by the
    /// attribute: RFC 7644 §3.4.2.3 sorts by the primary value, else the first.
    pub fn order(mut self, expr: impl Into<String>) -> Relation {
        self.order = Some(expr.into());
        self
    }
}

/// The shape resolved against a schema: canonical names and their definitions.
#[derive(Debug, Clone)]
pub(crate) struct Mapping<'s> {
    pub(crate) doc: String,
    pub(crate) key: String,
    columns: Vec<(Place<'s>, Column)>,
    relations: Vec<(&'s Attribute, Option<&'s str>, ResolvedRelation<'s>)>,
}

/// Where an attribute lives: the extension URN holding it, the attribute and a sub-attribute.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'s> {
    pub(crate) extension: Option<&'s str>,
    pub(crate) attribute: &'s Attribute,
    pub(crate) sub: Option<&'s Attribute>,
}

impl Place<'_> {
    fn same(&self, other: &Place<'_>) -> bool {
        self.extension == other.extension
            && std::ptr::eq(self.attribute, other.attribute)
            && match (self.sub, other.sub) {
                (None, None) => true,
                (Some(a), Some(b)) => std::ptr::eq(a, b),
                _ => false,
            }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ResolvedRelation<'s> {
    pub(crate) relation: &'s Relation,
    subs: Vec<(&'s Attribute, &'s Column)>,
}

impl<'s> ResolvedRelation<'s> {
    /// The column of sub-attribute `sub`.
    pub(crate) fn column(&self, sub: &Attribute) -> Option<&'s Column> {
        self.subs
            .iter()
            .find(|(a, _)| std::ptr::eq(*a, sub))
            .map(|(_, c)| *c)
    }
}

impl<'s> Mapping<'s> {
    pub(crate) fn new(schema: &'s ResourceSchema, shape: &'s Shape) -> Result<Mapping<'s>, Error> {
        let mut columns = Vec::new();
        for (path, column) in &shape.columns {
            let r = schema
                .resolve_path(path)
                .map_err(|_| Error::Shape(format!("no attribute `{path}` for a column")))?;
            let target = r.target();
            if r.attribute.multi_valued
                || target.multi_valued
                || target.is_complex()
                || (r.sub_attribute.is_none() && r.attribute.is_complex())
            {
                return Err(Error::Shape(format!(
                    "`{path}` is multi-valued or complex: map it with a relation, not a column"
                )));
            }
            if column.folded && (target.case_exact || target.type_ == AttributeType::DateTime) {
                return Err(Error::Shape(format!(
                    "`{path}` is caseExact or a dateTime: its column cannot be folded"
                )));
            }
            let place = Place {
                extension: r.extension_urn(),
                attribute: r.attribute,
                sub: r.sub_attribute,
            };
            columns.push((place, column.clone()));
        }
        let mut relations = Vec::new();
        for (path, relation) in &shape.relations {
            let r = schema
                .resolve_path(path)
                .map_err(|_| Error::Shape(format!("no attribute `{path}` for a relation")))?;
            if r.sub_attribute.is_some() || !r.attribute.multi_valued || !r.attribute.is_complex() {
                return Err(Error::Shape(format!(
                    "`{path}` is not a multi-valued complex attribute: it cannot be a relation"
                )));
            }
            let mut subs = Vec::new();
            for (name, column) in &relation.subs {
                let sub = r.attribute.sub_attribute(name).ok_or_else(|| {
                    Error::Shape(format!("`{path}` has no sub-attribute `{name}`"))
                })?;
                if column.folded && (sub.case_exact || sub.type_ == AttributeType::DateTime) {
                    return Err(Error::Shape(format!(
                        "`{path}.{name}` is caseExact or a dateTime: its column cannot be folded"
                    )));
                }
                subs.push((sub, column));
            }
            relations.push((
                r.attribute,
                r.extension_urn(),
                ResolvedRelation { relation, subs },
            ));
        }
        Ok(Mapping {
            doc: shape.doc.clone(),
            key: shape.key.clone(),
            columns,
            relations,
        })
    }

    /// The mapped column of a single-valued place.
    pub(crate) fn column(&self, place: &Place<'_>) -> Option<&Column> {
        self.columns
            .iter()
            .find(|(p, _)| p.same(place))
            .map(|(_, c)| c)
    }

    /// The relation holding `attribute`.
    pub(crate) fn relation(
        &self,
        extension: Option<&str>,
        attribute: &Attribute,
    ) -> Option<&ResolvedRelation<'s>> {
        self.relations
            .iter()
            .find(|(a, ext, _)| std::ptr::eq(*a, attribute) && *ext == extension)
            .map(|(_, _, r)| r)
    }
}
