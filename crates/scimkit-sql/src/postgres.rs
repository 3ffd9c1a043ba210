//! What a PostgreSQL store installs: the SQL functions `scim_fold` and `scim_instant` that the
//! [`Dialect::Postgres`](crate::Dialect::Postgres) translation calls.

/// `CREATE OR REPLACE FUNCTION` statements for `scim_fold(text)` and `scim_instant(text)`, both
/// `IMMUTABLE` (so expression indexes may use them) and idempotent: run them once per database,
/// e.g. in the store's migrations, in a UTF8 database. Several statements in one string: send
/// it with a simple-query call such as `batch_execute`.
///
/// `scim_fold` equals [`fold`](crate::fold) on every character (a translation table generated
/// from Rust's `char::to_lowercase`, checked by this crate's tests), whatever the database's
/// locale; `scim_instant` equals [`instant`](crate::instant) on the RFC 3339 forms.
///
/// ```
/// assert!(scimkit_sql::postgres::SETUP_SQL.contains("CREATE OR REPLACE FUNCTION scim_fold(t text)"));
/// ```
pub const SETUP_SQL: &str = include_str!("postgres/setup.sql");

#[cfg(test)]
mod tests {
    /// The characters that fold to another single character, and what they fold to, in code
    /// point order. (Only U+0130 folds to two; `setup.sql` replaces it first.)
    fn table() -> (String, String) {
        (0..=char::MAX as u32)
            .filter_map(char::from_u32)
            .filter_map(|c| {
                let mut lower = c.to_lowercase();
                match (lower.next(), lower.next()) {
                    (Some(l), None) if l != c => Some((c, l)),
                    _ => None,
                }
            })
            .unzip()
    }

    /// `setup.sql` carries the table Rust's Unicode version gives. After a Rust upgrade changes
    /// it, regenerate with `SCIMKIT_REGENERATE=1 cargo test -p scimkit-sql postgres`.
    #[test]
    fn fold_table_matches_rust() {
        let (from, to) = table();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/postgres/setup.sql");
        let sql = std::fs::read_to_string(path).unwrap();
        let start = sql.find("ELSE translate(").unwrap();
        let head = &sql[..start];
        let tail = &sql[sql[start..].find(" END\n").unwrap() + start..];
        let expected = format!(
            "{head}ELSE translate(replace(t, U&'\\0130', U&'i\\0307'),\n'{from}',\n'{to}'){tail}"
        );
        if std::env::var_os("SCIMKIT_REGENERATE").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        assert!(!from.contains('\'') && !to.contains('\''));
        assert_eq!(
            sql, expected,
            "the fold table in setup.sql is stale: regenerate it"
        );
        assert_eq!(super::SETUP_SQL, sql);
    }
}
