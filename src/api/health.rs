//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{web, HttpResponse};

use super::AppState;
use crate::error::{AppError, AppResult};

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, body = Health)))]
pub async fn health_live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers and every migration is applied.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = super::problem::Problem)))]
pub async fn health_ready(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let pending = state
        .db(|conn| crate::db::has_pending_migrations(conn).map_err(AppError::unavailable))
        .await?;
    if pending {
        return Err(AppError::unavailable("migrations pending"));
    }
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}
