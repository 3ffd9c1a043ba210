//! SQL text for one dialect: bound parameters, and how to read a JSON value or a column as text,
//! number or boolean so that every condition is two-valued (never SQL `NULL`), which keeps `not`
//! meaning what the evaluator means.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::Dialect;

/// A bound parameter value, for the store to hand to its driver.
///
/// Serialises as a tagged value, so a [`Position`](crate::Position) holding one can be sealed
/// into a cursor and read back unchanged.
///
/// ```
/// use scimkit_sql::SqlValue;
/// let v = SqlValue::Text("bjensen".into());
/// let json = serde_json::to_string(&v).unwrap();
/// assert_eq!(serde_json::from_str::<SqlValue>(&json).unwrap(), v);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SqlValue {
    /// SQL `NULL`.
    Null,
    /// A boolean (SQLite stores it as the integer 1 or 0).
    Bool(bool),
    /// A 64-bit integer.
    Integer(i64),
    /// A double.
    Real(f64),
    /// Text.
    Text(String),
}

/// Bound parameters, numbered from the first one the caller left free.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    pub(crate) dialect: Dialect,
    pub(crate) first: usize,
    pub(crate) values: Vec<SqlValue>,
}

impl Params {
    pub(crate) fn new(dialect: Dialect, first: usize) -> Params {
        Params {
            dialect,
            first,
            values: Vec::new(),
        }
    }

    /// Binds `value` and returns its placeholder: `?N` in SQLite, `$N::type` in PostgreSQL (the
    /// cast tells the planner the type, which it cannot infer inside `json` functions).
    pub(crate) fn bind(&mut self, value: SqlValue) -> String {
        let n = self.first + self.values.len();
        let cast = match &value {
            SqlValue::Null | SqlValue::Text(_) => "text",
            SqlValue::Bool(_) => "boolean",
            SqlValue::Integer(_) => "bigint",
            SqlValue::Real(_) => "float8",
        };
        self.values.push(value);
        match self.dialect {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}::{cast}"),
        }
    }

    pub(crate) fn text(&mut self, text: impl Into<String>) -> String {
        self.bind(SqlValue::Text(text.into()))
    }
}

/// The constant true and false of the dialect.
pub(crate) fn truth(dialect: Dialect, value: bool) -> &'static str {
    match (dialect, value) {
        (Dialect::Sqlite, true) => "1",
        (Dialect::Sqlite, false) => "0",
        (Dialect::Postgres, true) => "TRUE",
        (Dialect::Postgres, false) => "FALSE",
    }
}

/// What kind of JSON value a comparison needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Number,
    Bool,
}

/// A place holding one value to test.
#[derive(Debug, Clone)]
pub(crate) enum Slot {
    /// The JSON value under `keys` in the JSON object expression `base` (which may be `NULL`, or
    /// not an object: then there is no value).
    Json { base: String, keys: Vec<String> },
    /// The current row of an iteration over a JSON array ([`Slot::elements`]).
    Element { alias: String },
    /// A mapped column of the attribute's type; `json` is the same value in the document, for
    /// what the column cannot answer.
    Column {
        column: crate::shape::Column,
        json: Option<Box<Slot>>,
    },
}

/// Checks that a member name can be quoted in a JSON path and in a SQL string literal. Names
/// come from the schema, not the client, but a custom schema could hold anything.
pub(crate) fn check_key(key: &str) -> Result<(), Error> {
    if key.is_empty()
        || key
            .chars()
            .any(|c| c.is_control() || matches!(c, '"' | '\'' | '\\'))
    {
        return Err(Error::Shape(format!(
            "the member name `{key}` cannot be quoted in SQL"
        )));
    }
    Ok(())
}

impl Slot {
    /// The member `key` of this value (an object).
    pub(crate) fn member(&self, dialect: Dialect, key: &str) -> Slot {
        match self {
            Slot::Json { base, keys } => {
                let mut keys = keys.clone();
                keys.push(key.to_owned());
                Slot::Json {
                    base: base.clone(),
                    keys,
                }
            }
            Slot::Element { alias } => Slot::Json {
                base: match dialect {
                    Dialect::Sqlite => format!("{alias}.o"),
                    Dialect::Postgres => format!("{alias}.v"),
                },
                keys: vec![key.to_owned()],
            },
            Slot::Column { json, .. } => match json {
                Some(json) => json.member(dialect, key),
                None => Slot::Json {
                    base: "NULL".into(),
                    keys: vec![key.to_owned()],
                },
            },
        }
    }

    /// SQLite: the path literal `'$."a"."b"'`.
    fn sqlite_path(keys: &[String]) -> String {
        let mut path = String::from("'$");
        for k in keys {
            path.push_str(".\"");
            path.push_str(k);
            path.push('"');
        }
        path.push('\'');
        path
    }

    /// PostgreSQL: the `jsonb` expression `base -> 'a' -> 'b'`.
    fn pg_json(base: &str, keys: &[String]) -> String {
        let mut out = format!("({base})");
        for k in keys {
            out.push_str(&format!(" -> '{k}'"));
        }
        out
    }

    /// The JSON type name of the value (`NULL` when missing), compared with `ty` two-valued.
    /// SQLite types: null, true, false, integer, real, text, array, object. PostgreSQL: null,
    /// boolean, number, string, array, object.
    fn type_is(&self, dialect: Dialect, types: &[&str]) -> String {
        let ty = self.json_type(dialect);
        let any = types
            .iter()
            .map(|t| match dialect {
                Dialect::Sqlite => format!("{ty} IS '{t}'"),
                Dialect::Postgres => format!("COALESCE({ty} = '{t}', FALSE)"),
            })
            .collect::<Vec<_>>();
        if any.len() == 1 {
            any.into_iter().next().unwrap_or_default()
        } else {
            format!("({})", any.join(" OR "))
        }
    }

    fn json_type(&self, dialect: Dialect) -> String {
        match (self, dialect) {
            (Slot::Json { base, keys }, Dialect::Sqlite) => {
                format!("json_type({base}, {})", Slot::sqlite_path(keys))
            }
            (Slot::Element { alias }, Dialect::Sqlite) => format!("{alias}.t"),
            (Slot::Column { .. }, _) => unreachable!("columns are typed"),
            (_, Dialect::Postgres) => format!("jsonb_typeof({})", self.pg_jsonb()),
        }
    }

    /// PostgreSQL: the `jsonb` value (SQL `NULL` when missing).
    fn pg_jsonb(&self) -> String {
        match self {
            Slot::Json { base, keys } => Slot::pg_json(base, keys),
            Slot::Element { alias } => format!("{alias}.v"),
            Slot::Column { .. } => unreachable!("columns are typed"),
        }
    }

    /// The value as SQL text, number or boolean, valid where [`Slot::is`] holds. In SQLite the
    /// one `json_extract` serves all kinds.
    fn scalar(&self, dialect: Dialect, kind: Kind) -> String {
        match (self, dialect) {
            (Slot::Column { column, .. }, _) => column.expr.clone(),
            (Slot::Json { base, keys }, Dialect::Sqlite) => {
                format!("json_extract({base}, {})", Slot::sqlite_path(keys))
            }
            (Slot::Element { alias }, Dialect::Sqlite) => format!("{alias}.v"),
            (_, Dialect::Postgres) => match kind {
                Kind::Text => match self {
                    Slot::Json { base, keys } if !keys.is_empty() => {
                        let (last, init) = keys.split_last().unwrap_or_else(|| unreachable!());
                        format!("{} ->> '{last}'", Slot::pg_json(base, init))
                    }
                    _ => format!("{} #>> '{{}}'", self.pg_jsonb()),
                },
                Kind::Number => format!("({})::numeric", self.pg_jsonb()),
                Kind::Bool => format!("({})::boolean", self.pg_jsonb()),
            },
        }
    }

    /// A two-valued condition: the value is of `kind`. `None` when it never is (a column of
    /// another type).
    pub(crate) fn is(&self, dialect: Dialect, kind: Kind, column_kind: Kind) -> Option<String> {
        if let Slot::Column { column, .. } = self {
            return (kind == column_kind).then(|| format!("{} IS NOT NULL", column.expr));
        }
        Some(match (dialect, kind) {
            (Dialect::Sqlite, Kind::Text) => self.type_is(dialect, &["text"]),
            (Dialect::Sqlite, Kind::Number) => self.type_is(dialect, &["integer", "real"]),
            (Dialect::Sqlite, Kind::Bool) => self.type_is(dialect, &["true", "false"]),
            (Dialect::Postgres, Kind::Text) => self.type_is(dialect, &["string"]),
            (Dialect::Postgres, Kind::Number) => self.type_is(dialect, &["number"]),
            (Dialect::Postgres, Kind::Bool) => self.type_is(dialect, &["boolean"]),
        })
    }

    /// The value of `kind` (see [`Slot::is`]).
    pub(crate) fn value(&self, dialect: Dialect, kind: Kind) -> String {
        self.scalar(dialect, kind)
    }

    /// Whether this is an integer JSON number (SQLite: its storage class), for the evaluator's
    /// exact integer comparison.
    pub(crate) fn is_integer(&self, dialect: Dialect) -> Option<String> {
        match (self, dialect) {
            (Slot::Column { column, .. }, Dialect::Sqlite) => {
                Some(format!("typeof({}) = 'integer'", column.expr))
            }
            (_, Dialect::Sqlite) => Some(self.type_is(dialect, &["integer"])),
            (_, Dialect::Postgres) => None,
        }
    }

    /// RFC 7643 §2.5 and RFC 7644 §3.4.2.2: the value is not unassigned: not `null`, not `""`,
    /// not an array of nothing but nulls, not `{}` (the evaluator's `is_assigned`).
    pub(crate) fn assigned(&self, dialect: Dialect, column_kind: Kind) -> String {
        if let Slot::Column { column, .. } = self {
            return match column_kind {
                Kind::Text => format!("({0} IS NOT NULL AND {0} <> '')", column.expr),
                _ => format!("{} IS NOT NULL", column.expr),
            };
        }
        let ty = self.json_type(dialect);
        match dialect {
            Dialect::Sqlite => {
                let v = self.scalar(dialect, Kind::Text);
                let elements = match self {
                    Slot::Json { base, keys } => {
                        format!("json_each({base}, {})", Slot::sqlite_path(keys))
                    }
                    _ => format!("json_each({v})"),
                };
                format!(
                    "(CASE {ty} WHEN 'null' THEN 0 WHEN 'text' THEN {v} <> '' \
                     WHEN 'array' THEN EXISTS (SELECT 1 FROM {elements} WHERE type <> 'null') \
                     WHEN 'object' THEN {v} <> '{{}}' ELSE {ty} IS NOT NULL END)"
                )
            }
            Dialect::Postgres => {
                let j = self.pg_jsonb();
                format!(
                    "(CASE {ty} WHEN 'null' THEN FALSE WHEN 'string' THEN {j} <> '\"\"'::jsonb \
                     WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements({j}) AS x(v) \
                     WHERE jsonb_typeof(x.v) <> 'null') \
                     WHEN 'object' THEN {j} <> '{{}}'::jsonb ELSE {j} IS NOT NULL END)"
                )
            }
        }
    }

    /// The rows of this value taken as an array (a value that is not an array is its own single
    /// element, and a missing one has none, as in the evaluator), under `alias`; a row is then
    /// [`Slot::Element`].
    pub(crate) fn elements(&self, dialect: Dialect, alias: &str) -> String {
        match dialect {
            Dialect::Sqlite => {
                let each = match self {
                    Slot::Json { base, keys } => {
                        format!("json_each({base}, {})", Slot::sqlite_path(keys))
                    }
                    Slot::Element { alias } => format!("json_each({alias}.v)"),
                    Slot::Column { .. } => unreachable!("columns hold one value"),
                };
                format!(
                    "(SELECT key AS k, type AS t, value AS v, \
                     CASE WHEN type = 'object' THEN value END AS o FROM {each}) AS {alias}"
                )
            }
            Dialect::Postgres => format!(
                "jsonb_path_query({}, 'lax $[*]') WITH ORDINALITY AS {alias}(v, k)",
                self.pg_jsonb()
            ),
        }
    }

    /// Whether the attribute exists at all (even as `null`): what a value filter on a
    /// single-valued complex attribute needs before it looks inside.
    pub(crate) fn exists(&self, dialect: Dialect) -> String {
        match dialect {
            Dialect::Sqlite => format!("{} IS NOT NULL", self.json_type(dialect)),
            Dialect::Postgres => format!("{} IS NOT NULL", self.pg_jsonb()),
        }
    }

    /// The raw JSON-document form of this slot, when it has one (a column mapped beside the
    /// document has; a relation's column has not).
    pub(crate) fn json(&self) -> Option<&Slot> {
        match self {
            Slot::Column { json, .. } => json.as_deref(),
            other => Some(other),
        }
    }
}
