//! The backend `--db` chooses: an SQLite file (one instance), or a PostgreSQL database that any
//! number of instances share.

use scimkit_server::store::postgres::PostgresStore;
use scimkit_server::store::sqlite::SqliteStore;
use scimkit_server::store::{
    ListPage, ListQuery, Store, StoreError, Stored, Updated, Version, Write,
};

/// Where the data lives, as given to `--db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Db {
    /// An SQLite file: a path, or a `sqlite:` URL (`sqlite:scim.db`, `sqlite:///var/lib/scim.db`).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl Db {
    /// Reads a `--db` value.
    pub fn parse(text: &str) -> Db {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Db::Postgres(text.to_owned());
        }
        let path = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
            .unwrap_or(text);
        Db::Sqlite(path.into())
    }
}

/// The store of a running server: either backend, behind one type.
#[derive(Debug, Clone)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite(SqliteStore),
    /// Shared PostgreSQL.
    Postgres(PostgresStore),
}

/// Calls the same method on whichever store this is.
macro_rules! each {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Backend::Sqlite($s) => $call.await,
            Backend::Postgres($s) => $call.await,
        }
    };
}

impl Backend {
    /// Inserts many new resources of one type in one transaction (`scim-seed`).
    pub async fn import(
        &self,
        tenant: &str,
        resource_type: &str,
        resources: Vec<(String, Write)>,
    ) -> Result<(), StoreError> {
        each!(self, s => s.import(tenant, resource_type, resources))
    }
}

impl Store for Backend {
    async fn create(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        write: Write,
    ) -> Result<Version, StoreError> {
        each!(self, s => s.create(tenant, resource_type, id, write))
    }

    async fn get(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        relations: bool,
    ) -> Result<Option<Stored>, StoreError> {
        each!(self, s => s.get(tenant, resource_type, id, relations))
    }

    async fn update(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
        write: Write,
    ) -> Result<Updated, StoreError> {
        each!(self, s => s.update(tenant, resource_type, id, expected, write))
    }

    async fn delete(
        &self,
        tenant: &str,
        resource_type: &str,
        id: &str,
        expected: Option<Version>,
    ) -> Result<(), StoreError> {
        each!(self, s => s.delete(tenant, resource_type, id, expected))
    }

    async fn list(
        &self,
        tenant: &str,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> Result<ListPage, StoreError> {
        each!(self, s => s.list(tenant, resource_type, query))
    }

    async fn resource_types_of(
        &self,
        tenant: &str,
        ids: &[String],
    ) -> Result<Vec<Option<String>>, StoreError> {
        each!(self, s => s.resource_types_of(tenant, ids))
    }

    async fn nested_groups(&self, tenant: &str, group_id: &str) -> Result<Vec<String>, StoreError> {
        each!(self, s => s.nested_groups(tenant, group_id))
    }
}

#[cfg(test)]
mod tests {
    use super::Db;

    #[test]
    fn db_values() {
        assert_eq!(Db::parse("scim.db"), Db::Sqlite("scim.db".into()));
        assert_eq!(Db::parse("sqlite:scim.db"), Db::Sqlite("scim.db".into()));
        assert_eq!(
            Db::parse("sqlite:///var/scim.db"),
            Db::Sqlite("/var/scim.db".into())
        );
        assert_eq!(
            Db::parse("postgresql://u@h/db"),
            Db::Postgres("postgresql://u@h/db".into())
        );
        assert_eq!(
            Db::parse("postgres://u@h/db"),
            Db::Postgres("postgres://u@h/db".into())
        );
    }
}
