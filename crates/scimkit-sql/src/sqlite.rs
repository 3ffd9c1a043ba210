//! What a SQLite store installs on each connection: the functions `scim_fold` and
//! `scim_instant` that the [`Dialect::Sqlite`](crate::Dialect::Sqlite) translation calls
//! (feature `rusqlite`).

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::Connection;

/// Registers `scim_fold(text)` ([`fold`](crate::fold)) and `scim_instant(text)`
/// ([`instant`](crate::instant)) on `conn`, as deterministic functions, so that expression
/// indexes such as `CREATE INDEX ... (scim_fold(json_extract(doc, '$."userName"')))` can use
/// them. Both return `NULL` for anything but text (and `scim_instant` for text that is not a
/// dateTime). Call it on every connection before preparing translated SQL, and before creating
/// or using such an index.
///
/// ```
/// let conn = rusqlite::Connection::open_in_memory()?;
/// scimkit_sql::sqlite::register_functions(&conn)?;
/// let folded: String = conn.query_row("SELECT scim_fold('ÜMLAUT Σ')", [], |r| r.get(0))?;
/// assert_eq!(folded, "ümlaut σ");
/// let same: bool = conn.query_row(
///     "SELECT scim_instant('2011-05-13T04:42:34Z') = scim_instant('2011-05-13T06:42:34+02:00')",
///     [],
///     |r| r.get(0),
/// )?;
/// assert!(same);
/// # Ok::<(), rusqlite::Error>(())
/// ```
///
/// # Errors
/// What SQLite reports when it cannot register a function.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("scim_fold", 1, flags, |ctx| {
        Ok(text(ctx).map(|t| crate::fold(t).into_owned()))
    })?;
    conn.create_scalar_function("scim_instant", 1, flags, |ctx| {
        Ok(text(ctx).and_then(crate::instant))
    })
}

/// The text argument; `None` for other types and for text that is not UTF-8.
fn text<'c>(ctx: &'c Context<'_>) -> Option<&'c str> {
    match ctx.get_raw(0) {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// Binds as SQLite stores each value: a boolean as the integer 1 or 0, the others as themselves.
///
/// ```
/// use scimkit_sql::SqlValue;
/// let conn = rusqlite::Connection::open_in_memory()?;
/// let params = [SqlValue::Bool(true), SqlValue::Text("x".into())];
/// let (b, t): (i64, String) =
///     conn.query_row("SELECT ?1, ?2", rusqlite::params_from_iter(&params), |r| Ok((r.get(0)?, r.get(1)?)))?;
/// assert_eq!((b, t.as_str()), (1, "x"));
/// # Ok::<(), rusqlite::Error>(())
/// ```
impl rusqlite::ToSql for crate::SqlValue {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as V};
        Ok(ToSqlOutput::Borrowed(match self {
            crate::SqlValue::Null => V::Null,
            crate::SqlValue::Bool(b) => V::Integer(i64::from(*b)),
            crate::SqlValue::Integer(n) => V::Integer(*n),
            crate::SqlValue::Real(x) => V::Real(*x),
            crate::SqlValue::Text(t) => V::Text(t.as_bytes()),
        }))
    }
}

/// Reads any SQLite value, e.g. the sort key of a page's last row for its
/// [`Position`](crate::Position). A blob or text that is not UTF-8 is an error: no sort key the
/// translation selects is either.
///
/// ```
/// use scimkit_sql::SqlValue;
/// let conn = rusqlite::Connection::open_in_memory()?;
/// let v: SqlValue = conn.query_row("SELECT 'bjensen'", [], |r| r.get(0))?;
/// assert_eq!(v, SqlValue::Text("bjensen".into()));
/// # Ok::<(), rusqlite::Error>(())
/// ```
impl rusqlite::types::FromSql for crate::SqlValue {
    fn column_result(value: ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        use rusqlite::types::FromSqlError;
        Ok(match value {
            ValueRef::Null => crate::SqlValue::Null,
            ValueRef::Integer(n) => crate::SqlValue::Integer(n),
            ValueRef::Real(x) => crate::SqlValue::Real(x),
            ValueRef::Text(t) => crate::SqlValue::Text(
                std::str::from_utf8(t)
                    .map_err(|e| FromSqlError::Other(Box::new(e)))?
                    .to_owned(),
            ),
            ValueRef::Blob(_) => return Err(FromSqlError::InvalidType),
        })
    }
}
