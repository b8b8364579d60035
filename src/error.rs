//! The one error type of calab. Services return it; `api::problem` renders it as RFC 9457
//! `application/problem+json` with the right status. Internal causes are logged, never sent.

use std::fmt;

pub use crate::domain::FieldError;

/// The error an internal failure came from, kept for the log (and `source()`), never sent.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
pub enum AppError {
    /// 404: the thing does not exist, or the caller may not know it exists.
    NotFound(&'static str),
    /// 422 with the offending fields.
    Validation(Vec<FieldError>),
    /// 409: the request conflicts with the current state (a duplicate, a forbidden transition).
    Conflict(String),
    /// 412: `If-Match` names a version that is no longer current.
    StaleVersion { current: i32 },
    /// 428: an update without `If-Match`.
    PreconditionRequired,
    /// 401
    Unauthenticated(&'static str),
    /// 403
    Forbidden(String),
    /// 413
    PayloadTooLarge(usize),
    /// 415
    UnsupportedMediaType(&'static str),
    /// 429 with the seconds to wait.
    TooManyRequests { retry_after_secs: u64 },
    /// 503: the database cannot be reached; the client should retry.
    Unavailable(Cause),
    /// 500: a bug or an unexpected failure. The cause goes to the log only.
    Internal(Cause),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    /// An unexpected failure, from an error (kept as the source) or a message.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        AppError::Internal(cause.into())
    }

    /// The database could not serve the request now.
    pub fn unavailable(cause: impl Into<Cause>) -> Self {
        AppError::Unavailable(cause.into())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::NotFound(what) => write!(f, "{what} not found"),
            AppError::Validation(errors) => write!(f, "{} invalid field(s)", errors.len()),
            AppError::Conflict(msg) | AppError::Forbidden(msg) => f.write_str(msg),
            AppError::StaleVersion { current } => write!(f, "stale version; current is {current}"),
            AppError::PreconditionRequired => f.write_str("If-Match required"),
            AppError::Unauthenticated(msg) | AppError::UnsupportedMediaType(msg) => {
                f.write_str(msg)
            }
            AppError::PayloadTooLarge(limit) => write!(f, "body larger than {limit} bytes"),
            AppError::TooManyRequests { retry_after_secs } => {
                write!(f, "too many requests; retry after {retry_after_secs} s")
            }
            AppError::Unavailable(cause) | AppError::Internal(cause) => cause.fmt(f),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Unavailable(cause) | AppError::Internal(cause) => Some(cause.as_ref()),
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match err {
            Error::NotFound => AppError::NotFound("resource"),
            Error::DatabaseError(Kind::UniqueViolation, info) => {
                tracing::info!(constraint = ?info.constraint_name(), "unique violation");
                AppError::Conflict("a record with the same unique value already exists".into())
            }
            Error::DatabaseError(Kind::ForeignKeyViolation, _) => AppError::Conflict(
                "the record refers to, or is referred to by, another record".into(),
            ),
            Error::DatabaseError(
                Kind::SerializationFailure | Kind::ClosedConnection | Kind::UnableToSendCommand,
                _,
            ) => AppError::unavailable(err),
            Error::DatabaseError(_, ref info) if is_busy(info.message()) => {
                AppError::unavailable(err)
            }
            other => AppError::internal(other),
        }
    }
}

fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database is busy")
        || message.contains("deadlock detected")
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        AppError::unavailable(err)
    }
}

/// An error followed by the errors it came from, outermost first: "cannot connect to …: connection
/// refused". For the log and the command line.
pub fn with_sources(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Why the service or a command could not start: each names what to fix, and keeps the error it
/// came from (printed after it by the command line).
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("the configuration is not valid:\n  - {}", .0.join("\n  - "))]
    Config(Vec<String>),
    #[error(
        "unsupported database URL {0:?}: use sqlite://path/to/file.db or postgres://user@host/db"
    )]
    DatabaseUrl(String),
    #[error("cannot create the directory {}", .path.display())]
    CreateDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the append-only triggers {0} are missing or disabled: the audit trail or issued \
         certificates may have been edited outside calab. Run `calab audit verify`, restore from a \
         backup if it fails, and recreate the triggers from the migrations"
    )]
    GuardsMissing(String),
    #[error("backup or restore: {0}")]
    Backup(String),
    #[error("cannot create the file {}", .path.display())]
    CreateFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to {url}")]
    Connect {
        url: String,
        #[source]
        source: diesel::r2d2::PoolError,
    },
    #[error("migrations failed")]
    Migrations(#[source] Cause),
    #[error("{what} failed")]
    Setup {
        what: &'static str,
        #[source]
        source: AppError,
    },
    #[error("{} is damaged; delete it to generate a new key", .path.display())]
    KeyDamaged {
        path: std::path::PathBuf,
        #[source]
        source: base64::DecodeError,
    },
    #[error("cannot write {}", .path.display())]
    KeyWrite {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("token signing does not work: {0}")]
    TokenSelfTest(String),
    #[error("cannot listen on {bind} (set CALAB_BIND)")]
    Listen {
        bind: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the HTTP server stopped")]
    Server(#[source] std::io::Error),
    #[error("{0}")]
    Usage(String),
}
