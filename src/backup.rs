//! Backup and restore (ISO/IEC 17025 §7.5, §8.4: records kept safe and retrievable): an online,
//! consistent copy of a running SQLite database (`VACUUM INTO`), or a `pg_dump` of PostgreSQL; and
//! the restore of either, followed by the migrations and a check of the audit trail's chain.

use std::path::Path;
use std::process::Command;

use diesel::connection::SimpleConnection;

use crate::db::{self, Backend, Pool};
use crate::error::StartupError;

fn failed(what: impl Into<String>) -> StartupError {
    StartupError::Backup(what.into())
}

/// Writes a consistent copy of the database to `to` while the service may be running.
pub fn backup(pool: &Pool, url: &str, to: &Path) -> Result<(), StartupError> {
    if to.exists() {
        return Err(failed(format!(
            "{} exists already; choose a new file",
            to.display()
        )));
    }
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            let mut conn = pool.get().map_err(|e| failed(e.to_string()))?;
            let target = to.display().to_string().replace('\'', "''");
            conn.batch_execute(&format!("VACUUM INTO '{target}'"))
                .map_err(|e| failed(format!("copying the database: {e}")))
        }
        Backend::Postgres => run(
            Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(to)
                .arg(url),
            "pg_dump",
        ),
    }
}

/// Replaces the database with a backup. Run it with the service stopped. An SQLite file that
/// exists is only replaced with `force`.
pub fn restore(url: &str, from: &Path, force: bool) -> Result<(), StartupError> {
    if !from.is_file() {
        return Err(failed(format!("no backup file {}", from.display())));
    }
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            let target = Path::new(db::sqlite_path(url));
            if target.exists() && !force {
                return Err(failed(format!(
                    "{} exists: stop the service, and add --force to replace it",
                    target.display()
                )));
            }
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                db::create_private_dir(dir)?;
            }
            // Copy beside the target, then rename over it: a reader never sees half a file.
            let partial = target.with_extension("restoring");
            std::fs::copy(from, &partial).map_err(|e| failed(format!("copying: {e}")))?;
            #[cfg(unix)]
            std::fs::set_permissions(
                &partial,
                std::os::unix::fs::PermissionsExt::from_mode(0o600),
            )
            .map_err(|e| failed(e.to_string()))?;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
            }
            std::fs::rename(&partial, target).map_err(|e| failed(format!("replacing: {e}")))
        }
        Backend::Postgres => run(
            Command::new("pg_restore")
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                ])
                .arg(url)
                .arg(from),
            "pg_restore",
        ),
    }
}

fn run(command: &mut Command, tool: &str) -> Result<(), StartupError> {
    let out = command.output().map_err(|e| {
        failed(format!(
            "{tool} could not run ({e}): install the PostgreSQL client"
        ))
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(failed(format!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}
