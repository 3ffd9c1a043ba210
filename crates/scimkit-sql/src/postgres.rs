//! What a PostgreSQL store installs: the SQL functions `scim_fold` and `scim_instant` that the
//! [`Dialect::Postgres`](crate::Dialect::Postgres) translation calls; and, with the feature
//! `postgres-types`, how a [`SqlValue`](crate::SqlValue) is bound and read by tokio-postgres or
//! postgres.

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

/// Binds a [`SqlValue`](crate::SqlValue) as the placeholder the translation wrote for it
/// (`$n::text`, `$n::bigint`, `$n::boolean`, `$n::float8`; `NULL` as any type), with
/// tokio-postgres or postgres. Feature `postgres-types`.
///
/// ```
/// use postgres_types::{ToSql, Type};
/// use scimkit_sql::SqlValue;
/// assert!(<SqlValue as ToSql>::accepts(&Type::TEXT));
/// assert!(!<SqlValue as ToSql>::accepts(&Type::JSONB));
/// ```
#[cfg(feature = "postgres-types")]
impl postgres_types::ToSql for crate::SqlValue {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        out: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use crate::SqlValue as V;
        match self {
            V::Null => Ok(postgres_types::IsNull::Yes),
            V::Bool(b) => b.to_sql(ty, out),
            V::Integer(n) => n.to_sql(ty, out),
            V::Real(x) => x.to_sql(ty, out),
            V::Text(t) => t.as_str().to_sql(ty, out),
        }
    }

    fn accepts(ty: &postgres_types::Type) -> bool {
        <bool as postgres_types::ToSql>::accepts(ty)
            || <i64 as postgres_types::ToSql>::accepts(ty)
            || <f64 as postgres_types::ToSql>::accepts(ty)
            || <&str as postgres_types::ToSql>::accepts(ty)
    }

    fn to_sql_checked(
        &self,
        ty: &postgres_types::Type,
        out: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        // The value must fit the placeholder's type: a text value for a `bigint` placeholder
        // would otherwise be sent as the wrong bytes.
        use crate::SqlValue as V;
        let fits = match self {
            V::Null => true,
            V::Bool(_) => <bool as postgres_types::ToSql>::accepts(ty),
            V::Integer(_) => <i64 as postgres_types::ToSql>::accepts(ty),
            V::Real(_) => <f64 as postgres_types::ToSql>::accepts(ty),
            V::Text(_) => <&str as postgres_types::ToSql>::accepts(ty),
        };
        if !fits {
            return Err(format!("a {self:?} cannot be bound as {ty}").into());
        }
        self.to_sql(ty, out)
    }
}

/// Reads a column of type `text`, `bigint`, `float8` or `boolean` (or `NULL`) as a
/// [`SqlValue`](crate::SqlValue): e.g. the sort key of a page's last row, for its
/// [`Position`](crate::Position). Feature `postgres-types`.
///
/// ```
/// use postgres_types::{FromSql, Type};
/// use scimkit_sql::SqlValue;
/// let v = SqlValue::from_sql(&Type::FLOAT8, &2.5f64.to_be_bytes()).unwrap();
/// assert_eq!(v, SqlValue::Real(2.5));
/// assert_eq!(SqlValue::from_sql_null(&Type::TEXT).unwrap(), SqlValue::Null);
/// ```
#[cfg(feature = "postgres-types")]
impl<'a> postgres_types::FromSql<'a> for crate::SqlValue {
    fn from_sql(
        ty: &postgres_types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        use crate::SqlValue as V;
        Ok(match *ty {
            postgres_types::Type::BOOL => V::Bool(bool::from_sql(ty, raw)?),
            postgres_types::Type::INT8 => V::Integer(i64::from_sql(ty, raw)?),
            postgres_types::Type::INT4 => V::Integer(i32::from_sql(ty, raw)?.into()),
            postgres_types::Type::FLOAT8 => V::Real(f64::from_sql(ty, raw)?),
            _ => V::Text(<&str>::from_sql(ty, raw)?.to_owned()),
        })
    }

    fn from_sql_null(
        _ty: &postgres_types::Type,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(crate::SqlValue::Null)
    }

    fn accepts(ty: &postgres_types::Type) -> bool {
        bool::accepts(ty)
            || i64::accepts(ty)
            || i32::accepts(ty)
            || f64::accepts(ty)
            || <&str>::accepts(ty)
    }
}

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
