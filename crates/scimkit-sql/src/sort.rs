//! `sortBy` and `sortOrder` (RFC 7644 §3.4.2.3) as one SQL sort key with the order of
//! [`Sorter`](scimkit_filter::Sorter), and keyset paging over it (the position of RFC 9865
//! cursors).
//!
//! The key is the value the sorter takes: the attribute's value; of a multi-valued attribute the
//! value marked primary, else the first; of a complex value its `value` (or the sub-attribute the
//! path names). Text keys are folded unless `caseExact`, and compared by code point; a dateTime
//! attribute's values sort as instants (`'0'` and the instant key) before values that are not
//! dateTimes (`'1'` and the text), as the sorter ranks them. A value whose JSON type is not the
//! attribute's (which validation on write prevents) has no key and sorts as missing. Missing
//! values come last in ascending and first in descending order; the row key breaks ties,
//! ascending in both orders, as a stable sort of rows taken in key order does.

use scimkit_filter::{AttrPath, SortOrder, Sorter};
use scimkit_schema::{Attribute, AttributeType, ResourceSchema};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::filter::{binary, kind_of};
use crate::shape::{Mapping, Place};
use crate::sql::{check_key, truth, Kind, Params, Slot};
use crate::{Dialect, SqlValue};

/// Where a page ends: the sort key and the row key of its last row, as the store read them with
/// [`Query::sort_key_sql`](crate::Query::sort_key_sql) and the shape's key. The next page is
/// the rows strictly after it in the sort order ([`Query::after`](crate::Query::after)).
///
/// It serialises with serde, so that a server can seal it into an RFC 9865 cursor.
///
/// ```
/// use scimkit_sql::{Position, SqlValue};
/// let p = Position { sort_key: SqlValue::Text("bjensen".into()), key: 42 };
/// let json = serde_json::to_string(&p).unwrap();
/// assert_eq!(serde_json::from_str::<Position>(&json).unwrap(), p);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// The sort key of the last row ([`SqlValue::Null`] when it had none, or without `sortBy`).
    pub sort_key: SqlValue,
    /// The row key of the last row.
    pub key: i64,
}

/// What SQL type [`Query::sort_key_sql`](crate::Query::sort_key_sql) has, for a driver that
/// reads columns by type (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Text (`text` in PostgreSQL).
    Text,
    /// A number: SQLite's integer or real; PostgreSQL's `float8`.
    Number,
    /// A boolean: SQLite's 1 or 0; PostgreSQL's `boolean`.
    Bool,
}

/// A resolved sort: the key expression and its type.
#[derive(Debug, Clone)]
pub(crate) struct Sort {
    pub(crate) key: String,
    pub(crate) kind: Kind,
    pub(crate) order: SortOrder,
}

impl Sort {
    pub(crate) fn key_type(&self) -> KeyType {
        match self.kind {
            Kind::Text => KeyType::Text,
            Kind::Number => KeyType::Number,
            Kind::Bool => KeyType::Bool,
        }
    }
}

pub(crate) fn sort(
    dialect: Dialect,
    schema: &ResourceSchema,
    map: &Mapping<'_>,
    sort_by: &AttrPath,
    order: SortOrder,
) -> Result<Sort, Error> {
    // The sorter decides what is valid, with its own error (invalidPath).
    Sorter::compile(sort_by, order, schema)?;
    let r = schema
        .resolve(sort_by.urn(), sort_by.name(), sort_by.sub_attr())
        .unwrap_or_else(|| unreachable!("the sorter resolved `{sort_by}`"));
    let (extension, attribute) = (r.extension_urn(), r.attribute);
    let named = r.sub_attribute.unwrap_or(attribute);
    // A complex value sorts by its `value` (the member looked up in an object value).
    let member = r.sub_attribute.map(|s| s.name.as_str()).unwrap_or("value");
    let def = if named.is_complex() {
        named.sub_attribute("value").unwrap_or(named)
    } else {
        named
    };
    let kind = kind_of(def.type_);
    let key = if let Some(relation) = map.relation(extension, attribute) {
        let not_mapped = || Error::NotMapped {
            attr: format!("{}.{member}", attribute.name),
            sort: true,
        };
        let column = attribute
            .sub_attribute(member)
            .and_then(|sub| relation.column(sub))
            .ok_or_else(not_mapped)?;
        let order_by = relation.relation.order.as_deref().ok_or_else(not_mapped)?;
        let primary = attribute
            .sub_attribute("primary")
            .and_then(|p| relation.column(p))
            .map(|p| match dialect {
                Dialect::Sqlite => format!("COALESCE({} = 1, 0) DESC, ", p.expr),
                Dialect::Postgres => format!("COALESCE({}, FALSE) DESC, ", p.expr),
            })
            .unwrap_or_default();
        let slot = Slot::Column {
            column: column.clone(),
            json: None,
        };
        let value = typed_key(dialect, &slot, def);
        let rel = relation.relation;
        let on = rel.on.as_deref().map(|on| format!("({on})"));
        let keyed = rel
            .keyed
            .as_ref()
            .map(|(outer, inner)| format!("{inner} = {outer}"));
        let condition = on
            .into_iter()
            .chain(keyed)
            .collect::<Vec<_>>()
            .join(" AND ");
        let condition = if condition.is_empty() {
            truth(dialect, true).to_owned()
        } else {
            condition
        };
        format!(
            "(SELECT {value} FROM {} WHERE {condition} ORDER BY {primary}{order_by} LIMIT 1)",
            rel.from
        )
    } else {
        let mut keys = Vec::new();
        for k in extension.into_iter().chain([attribute.name.as_str()]) {
            check_key(k)?;
            keys.push(k.to_owned());
        }
        let doc = Slot::Json {
            base: map.doc.clone(),
            keys,
        };
        if attribute.multi_valued {
            // The primary element, else the first.
            let alias = "sk";
            let from = doc.elements(dialect, alias);
            let element = Slot::Element {
                alias: alias.to_owned(),
            };
            let slot = if attribute.is_complex() {
                check_key(member)?;
                element.member(dialect, member)
            } else {
                element.clone()
            };
            let primary = element.member(dialect, "primary");
            let is_primary = match (&primary, dialect) {
                (Slot::Json { base, .. }, Dialect::Sqlite) => {
                    format!("json_type({base}, '$.\"primary\"') IS 'true'")
                }
                (Slot::Json { base, .. }, Dialect::Postgres) => {
                    format!("COALESCE({base} -> 'primary' = 'true'::jsonb, FALSE)")
                }
                _ => unreachable!("an element's member is JSON"),
            };
            let value = typed_key(dialect, &slot, def);
            format!("(SELECT {value} FROM {from} ORDER BY {is_primary} DESC, {alias}.k LIMIT 1)")
        } else {
            let sub = r.sub_attribute;
            let place = Place {
                extension,
                attribute,
                sub,
            };
            let slot = if attribute.is_complex() {
                check_key(member)?;
                doc.member(dialect, member)
            } else {
                doc
            };
            let slot = match map.column(&place) {
                Some(column) => Slot::Column {
                    column: column.clone(),
                    json: Some(Box::new(slot)),
                },
                None => slot,
            };
            typed_key(dialect, &slot, def)
        }
    };
    Ok(Sort { key, kind, order })
}

/// The key of the value in `slot`, of definition `def`: `NULL` when it is not of the
/// definition's type.
fn typed_key(dialect: Dialect, slot: &Slot, def: &Attribute) -> String {
    let kind = kind_of(def.type_);
    let is = slot
        .is(dialect, kind, kind)
        .unwrap_or_else(|| truth(dialect, false).to_owned());
    let raw = slot.value(dialect, kind);
    match kind {
        Kind::Text => {
            let text = match slot {
                Slot::Column { column, .. } if column.folded => raw.clone(),
                _ if def.case_exact => raw.clone(),
                _ => format!("scim_fold({raw})"),
            };
            let key = if def.type_ == AttributeType::DateTime {
                let instant = format!("scim_instant({raw})");
                format!(
                    "CASE WHEN {instant} IS NOT NULL THEN '0' || {instant} ELSE '1' || {text} END"
                )
            } else {
                text
            };
            binary(dialect, &format!("CASE WHEN {is} THEN {key} END"))
        }
        Kind::Number => match (dialect, slot) {
            (Dialect::Postgres, Slot::Column { .. }) => {
                format!("CASE WHEN {is} THEN ({raw})::float8 END")
            }
            (Dialect::Postgres, _) => format!("CASE WHEN {is} THEN ({raw})::float8 END"),
            (Dialect::Sqlite, _) => format!("CASE WHEN {is} THEN {raw} END"),
        },
        Kind::Bool => format!("CASE WHEN {is} THEN {raw} END"),
    }
}

/// The condition "strictly after `position`" for `sort` (or the row key alone), binding its
/// values into `params`.
pub(crate) fn after(
    dialect: Dialect,
    key: &str,
    sort: Option<&Sort>,
    position: &Position,
    params: &mut Params,
) -> Result<String, Error> {
    let Some(sort) = sort else {
        if position.sort_key != SqlValue::Null {
            return Err(Error::Cursor);
        }
        let k = params.bind(SqlValue::Integer(position.key));
        return Ok(format!("{key} > {k}"));
    };
    let sort_key = match (&position.sort_key, sort.kind) {
        (SqlValue::Null, _) => None,
        (SqlValue::Text(t), Kind::Text) => Some(SqlValue::Text(t.clone())),
        (SqlValue::Integer(n), Kind::Number) => Some(match dialect {
            Dialect::Sqlite => SqlValue::Integer(*n),
            Dialect::Postgres => SqlValue::Real(*n as f64),
        }),
        (SqlValue::Real(x), Kind::Number) => Some(SqlValue::Real(*x)),
        (SqlValue::Bool(b), Kind::Bool) => Some(bool_value(dialect, *b)),
        (SqlValue::Integer(n @ (0 | 1)), Kind::Bool) => Some(bool_value(dialect, *n == 1)),
        _ => return Err(Error::Cursor),
    };
    let sk = &sort.key;
    Ok(match (sort_key, sort.order) {
        (None, SortOrder::Ascending) => {
            let k = params.bind(SqlValue::Integer(position.key));
            format!("({sk} IS NULL AND {key} > {k})")
        }
        (None, SortOrder::Descending) => {
            let k = params.bind(SqlValue::Integer(position.key));
            format!("({sk} IS NOT NULL OR {key} > {k})")
        }
        (Some(v), SortOrder::Ascending) => {
            let s = params.bind(v);
            let k = params.bind(SqlValue::Integer(position.key));
            format!("({sk} > {s} OR ({sk} = {s} AND {key} > {k}) OR {sk} IS NULL)")
        }
        (Some(v), SortOrder::Descending) => {
            let s = params.bind(v);
            let k = params.bind(SqlValue::Integer(position.key));
            format!("({sk} < {s} OR ({sk} = {s} AND {key} > {k}))")
        }
    })
}

fn bool_value(dialect: Dialect, b: bool) -> SqlValue {
    match dialect {
        Dialect::Sqlite => SqlValue::Integer(i64::from(b)),
        Dialect::Postgres => SqlValue::Bool(b),
    }
}

/// The `ORDER BY` list.
pub(crate) fn order_by(key: &str, sort: Option<&Sort>) -> String {
    match sort {
        None => format!("{key} ASC"),
        Some(Sort {
            key: sk,
            order: SortOrder::Ascending,
            ..
        }) => format!("{sk} ASC NULLS LAST, {key} ASC"),
        Some(Sort {
            key: sk,
            order: SortOrder::Descending,
            ..
        }) => format!("{sk} DESC NULLS FIRST, {key} ASC"),
    }
}
