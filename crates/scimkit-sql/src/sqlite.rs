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
