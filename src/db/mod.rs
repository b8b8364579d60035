//! Everything that knows about SQL: the two-backend connection, the pool, migrations, the schema and
//! the row types. Only this module matches on the backend.

pub mod models;
pub mod quality_models;
pub mod schema;
pub mod types;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use types::*;

use crate::error::{AppResult, StartupError};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection type over both backends; queries written once serve both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// Which database a URL names. Anything else is refused at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StartupError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StartupError::DatabaseUrl(url.to_string()))
        }
    }
}

/// The file path of an `sqlite://` URL (`sqlite://data/calab.db` is relative, `sqlite:///abs` absolute).
pub fn sqlite_path(url: &str) -> &str {
    url.trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
}

/// Establishes connections by URL scheme so a PostgreSQL error is reported as itself, not as the
/// derive's generic "invalid connection url".
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: String,
    backend: Backend,
}

impl ConnectionManager {
    pub fn new(url: &str) -> Result<Self, StartupError> {
        Ok(ConnectionManager {
            url: url.to_string(),
            backend: Backend::from_url(url)?,
        })
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        let conn = match self.backend {
            Backend::Sqlite => DbConn::Sqlite(
                SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?,
            ),
            Backend::Postgres => DbConn::Pg(
                PgConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?,
            ),
        };
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// SQLite pragmas per connection: durability over raw speed (WAL with `synchronous=FULL` loses
/// no acknowledged commit when the process is killed).
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
            )
            .map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Creates a directory (and its missing parents) readable by the service's user only; an existing
/// one is left as it is.
pub fn create_private_dir(dir: &std::path::Path) -> Result<(), StartupError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|source| StartupError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })
}

/// Creates the SQLite file, readable by the service's user only, before SQLite opens it (SQLite
/// gives its journal and WAL files the database file's permissions).
fn create_private_file(path: &std::path::Path) -> Result<(), StartupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|source| StartupError::CreateFile {
            path: path.to_path_buf(),
            source,
        })
}

/// Builds the pool. Does not fail when the database is down: requests answer 503 until it is back.
pub fn build_pool(url: &str, max_size: u32) -> Result<Pool, StartupError> {
    let manager = ConnectionManager::new(url)?;
    if manager.backend == Backend::Sqlite {
        let path = std::path::Path::new(sqlite_path(url));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        if path != std::path::Path::new(":memory:") {
            create_private_file(path)?;
        }
    }
    Ok(r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(5))
        .connection_customizer(Box::new(SqlitePragmas))
        .build_unchecked(manager))
}

pub fn backend(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Pg(_) => Backend::Postgres,
        DbConn::Sqlite(_) => Backend::Sqlite,
    }
}

/// The triggers that keep the audit trail append-only and issued certificate files unchanged, on
/// this connection's backend, that are missing or disabled. The service refuses to start without
/// them: a database where they were dropped may have been edited behind its back.
pub fn missing_guards(conn: &mut DbConn) -> Result<Vec<&'static str>, diesel::result::Error> {
    #[derive(diesel::QueryableByName)]
    struct Trigger {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let (expected, query): (&[&'static str], &str) = match conn {
        DbConn::Sqlite(_) => (
            &[
                "audit_events_no_update",
                "audit_events_no_delete",
                "certificate_files_no_update",
                "certificate_files_no_delete",
            ],
            "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        ),
        DbConn::Pg(_) => (
            &["audit_events_no_change", "certificate_files_no_change"],
            "SELECT CAST(tgname AS TEXT) AS name FROM pg_trigger \
             WHERE NOT tgisinternal AND tgenabled <> 'D'",
        ),
    };
    let present: Vec<String> = diesel::sql_query(query)
        .load::<Trigger>(conn)?
        .into_iter()
        .map(|t| t.name)
        .collect();
    Ok(expected
        .iter()
        .copied()
        .filter(|name| !present.iter().any(|p| p == name))
        .collect())
}

type MigrationResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Applies every pending migration of the connection's backend; returns the versions applied.
pub fn run_migrations(conn: &mut DbConn) -> MigrationResult<Vec<String>> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS)?,
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS)?,
    };
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Reverts every migration (used by the migration round-trip test).
pub fn revert_all_migrations(conn: &mut DbConn) -> MigrationResult<usize> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS)?,
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS)?,
    };
    Ok(reverted.len())
}

/// Whether any migration is still pending (readiness check).
pub fn has_pending_migrations(conn: &mut DbConn) -> MigrationResult<bool> {
    Ok(match conn {
        DbConn::Pg(c) => c.has_pending_migration(POSTGRES_MIGRATIONS)?,
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS)?,
    })
}

/// Runs `f` in one write transaction: `BEGIN IMMEDIATE` on SQLite, so a read-then-write never
/// fails with SQLITE_BUSY halfway; on PostgreSQL the audit chain head is locked first, which orders
/// writers the same way, so checks made inside the transaction (the last admin, cycles in the
/// traceability graph, items already in the lab) hold until it commits. Any error rolls back.
pub fn write_tx<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
    // Inside another use case's transaction, a use case runs in a savepoint of it.
    let nested = match conn {
        DbConn::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
        DbConn::Pg(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
    }?
    .is_some();
    if nested {
        return conn.transaction(f);
    }
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            if let Err(e) =
                diesel::sql_query("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE").execute(c)
            {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(e.into());
            }
        }
    }
    match f(conn) {
        Ok(value) => {
            match conn {
                DbConn::Sqlite(c) => AnsiTransactionManager::commit_transaction(c)?,
                DbConn::Pg(c) => AnsiTransactionManager::commit_transaction(c)?,
            }
            Ok(value)
        }
        Err(err) => {
            let rolled_back = match conn {
                DbConn::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
                DbConn::Pg(c) => AnsiTransactionManager::rollback_transaction(c),
            };
            if let Err(e) = rolled_back {
                tracing::error!(error = %e, "rollback failed");
            }
            Err(err)
        }
    }
}

diesel::define_sql_function! {
    /// Lower-case text, for case-insensitive search on both backends (no `ilike` on SQLite, and
    /// SQLite's `like` ignores case where PostgreSQL's does not).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// `lower` of an optional column.
    #[sql_name = "lower"]
    fn lower_opt(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Inserts many rows of one table in multi-row statements, a chunk at a time. The derived
/// two-backend connection cannot insert several rows in one statement, so this matches on the backend; the statement
/// is the same on both.
#[macro_export]
macro_rules! insert_many {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {{
        let mut inserted = 0usize;
        for part in $rows.chunks($chunk) {
            inserted += match &mut *$conn {
                $crate::db::DbConn::Sqlite(c) => {
                    diesel::insert_into($table).values(part).execute(c)?
                }
                $crate::db::DbConn::Pg(c) => diesel::insert_into($table).values(part).execute(c)?,
            };
        }
        inserted
    }};
}

/// Takes `count` numbers from a named gapless counter inside the caller's transaction and returns
/// the first. The row lock (PostgreSQL) or the write lock (SQLite) orders concurrent takers.
pub fn take_sequence(conn: &mut DbConn, name: &str, count: i64) -> AppResult<i64> {
    use schema::sequences;
    let updated: Option<i64> = diesel::update(sequences::table.find(name))
        .set(sequences::value.eq(sequences::value + count))
        .returning(sequences::value)
        .get_result(conn)
        .optional()?;
    let last = match updated {
        Some(last) => last,
        None => {
            diesel::insert_into(sequences::table)
                .values((sequences::name.eq(name), sequences::value.eq(count)))
                .execute(conn)?;
            count
        }
    };
    Ok(last - count + 1)
}
