//! The audit trail, for quality managers and assessors (ISO/IEC 17025 §7.5, §7.11).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::authz::Op;
use super::extract::{Auth, Query};
use super::AppState;
use crate::db::models::AuditEvent;
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
    responses((status = 200, body = Page<AuditEventView>)), security(("bearer" = [])))]
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
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
    };
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let events = state
        .db(move |conn| service::list(conn, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: events
            .items
            .into_iter()
            .map(AuditEventView::from)
            .collect::<Vec<_>>(),
        next_cursor: events.next_cursor,
    }))
}

/// Recomputes the whole hash chain and says whether, and where, it is broken.
#[utoipa::path(get, path = "/api/v1/audit-events/verify", tag = "audit",
    responses((status = 200, body = Verification)), security(("bearer" = [])))]
pub async fn verify_audit_chain(auth: Auth, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    auth.require(Op::verify_audit_chain, &state).await?;
    let verification = state.db(service::verify).await?;
    Ok(HttpResponse::Ok().json(verification))
}

/// One audit event, with `before` and `after` as JSON values.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEventView {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub hash: String,
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> Self {
        let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        AuditEventView {
            seq: e.seq,
            occurred_at: e.occurred_at.and_utc(),
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            before: json(e.before_json),
            after: json(e.after_json),
            reason: e.reason,
            request_id: e.request_id,
            hash: e.hash,
        }
    }
}
