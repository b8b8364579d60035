//! The audit trail, for quality managers and assessors (ISO/IEC 17025 §7.5, §7.11).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::authz::Op;
use super::extract::{Auth, Query};
use super::AppState;
use crate::db::models::AuditEvent;
use crate::db::UtcTime;
use crate::error::AppResult;
use crate::services::audit_trail::{self as service, AuditFilter, Verification};
use crate::services::{Page, PageRequest};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `customer`, `user`, `session`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// The user who acted.
    pub actor_id: Option<String>,
    /// Events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Audit events in sequence order, filtered.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditEvent>)), security(("bearer" = [])))]
pub async fn list_audit_events(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_audit_events, &state).await?;
    let q = query.into_inner()?;
    let filter = AuditFilter {
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        actor_id: q.actor_id,
        from: q.from.map(UtcTime::from),
        to: q.to.map(UtcTime::from),
    };
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let events = state
        .db(move |conn| service::list(conn, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(events))
}

/// Recomputes the whole hash chain and says whether, and where, it is broken.
#[utoipa::path(get, path = "/api/v1/audit-events/verify", tag = "audit",
    responses((status = 200, body = Verification)), security(("bearer" = [])))]
pub async fn verify_audit_chain(auth: Auth, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    auth.require(Op::verify_audit_chain, &state).await?;
    let verification = state.db(service::verify).await?;
    Ok(HttpResponse::Ok().json(verification))
}
