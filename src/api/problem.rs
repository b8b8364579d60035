//! RFC 9457 problem details: how every error leaves the service.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::error::{AppError, FieldError};

/// The body of every error response, `application/problem+json`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The offending fields, on 422.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

const PROBLEM_BASE: &str = "https://calab.dev/problems/";

impl AppError {
    fn kind_and_title(&self) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound(_) => ("not-found", "Not found"),
            AppError::Validation(_) => ("validation", "Invalid request"),
            AppError::Conflict(_) => ("conflict", "Conflict"),
            AppError::StaleVersion { .. } => ("stale-version", "Precondition failed"),
            AppError::PreconditionRequired => ("if-match-required", "Precondition required"),
            AppError::Unauthenticated(_) => ("unauthenticated", "Unauthenticated"),
            AppError::Forbidden(_) => ("forbidden", "Forbidden"),
            AppError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            AppError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            AppError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            AppError::Unavailable(_) => ("unavailable", "Service unavailable"),
            AppError::Internal(_) => ("internal", "Internal error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            AppError::Validation(errors) => format!("{} field(s) are invalid", errors.len()),
            AppError::StaleVersion { current } => {
                format!(
                    "the resource has changed; the current version is {current}: fetch it again"
                )
            }
            AppError::PreconditionRequired => {
                "send the version you are updating in If-Match".into()
            }
            AppError::Unavailable(_) => "the database is unavailable; retry shortly".into(),
            AppError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
            other => other.to_string(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::StaleVersion { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::Internal(cause) => {
                tracing::error!(cause = %crate::error::with_sources(cause.as_ref()), "internal error")
            }
            AppError::Unavailable(cause) => {
                tracing::warn!(cause = %crate::error::with_sources(cause.as_ref()), "database unavailable")
            }
            _ => {}
        }
        let (kind, title) = self.kind_and_title();
        let body = Problem {
            kind: format!("{PROBLEM_BASE}{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: self.detail(),
            errors: match self {
                AppError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            AppError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            AppError::Unauthenticated(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        response.json(body)
    }
}

/// Unmatched routes answer a problem too.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound("route"))
}
