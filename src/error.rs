//! The one error type of calab. Services return it; `api::problem` renders it as RFC 9457
//! `application/problem+json` with the right status. Internal causes are logged, never sent.

use std::fmt;

pub use crate::domain::FieldError;

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
    Unavailable(String),
    /// 500: a bug or an unexpected failure. The text goes to the log only.
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(cause: impl fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
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
            AppError::Unavailable(cause) | AppError::Internal(cause) => f.write_str(cause),
        }
    }
}

impl std::error::Error for AppError {}

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
            Error::DatabaseError(Kind::SerializationFailure, info) => {
                AppError::Unavailable(info.message().to_string())
            }
            Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, info) => {
                AppError::Unavailable(info.message().to_string())
            }
            Error::DatabaseError(_, ref info) if is_busy(info.message()) => {
                AppError::Unavailable(info.message().to_string())
            }
            other => AppError::Internal(other.to_string()),
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
        AppError::Unavailable(err.to_string())
    }
}
