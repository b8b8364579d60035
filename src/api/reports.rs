//! The audit pack for assessments (JSON, or PDF with `Accept: application/pdf` or `.pdf`) and the
//! quality manager's attention list.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::authz::Op;
use super::extract::{Auth, Query};
use super::problem::Problem;
use super::respond;
use super::AppState;
use crate::error::AppResult;
use crate::pdf::report::render_report;
use crate::services::reports::{self, Attention, AuditPack};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First day of the period (a year before `to` when absent).
    pub from: Option<NaiveDate>,
    /// Last day of the period (today when absent).
    pub to: Option<NaiveDate>,
}

fn period(q: PeriodQuery, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let to = q.to.unwrap_or(today);
    // A year before `to`; a `to` so early that there is none is refused by the service.
    let from = q
        .from
        .unwrap_or_else(|| to.checked_sub_days(chrono::Days::new(365)).unwrap_or(to));
    (from, to)
}

fn wants_pdf(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/pdf"))
}

async fn pdf(state: &AppState, pack: AuditPack) -> AppResult<HttpResponse> {
    let filename = format!("audit-pack-{}-{}.pdf", pack.from, pack.to);
    let offset = state.clock.offset();
    let rendered =
        web::block(move || render_report(&reports::document::audit_pack_report(&pack, offset)))
            .await;
    respond::rendered_pdf(rendered, &filename)
}

/// The audit pack for a period, clause by clause: staff and authorizations, standards and their
/// chains, calibrations and certificates, amendments and revocations, nonconformities,
/// corrective actions, complaints, proficiency results, intermediate checks, internal audits,
/// management reviews, documents, and the audit trail's verification. JSON, or PDF with
/// `Accept: application/pdf`.
#[utoipa::path(get, path = "/api/v1/reports/audit-pack", tag = "reports", params(PeriodQuery),
    responses((status = 200, body = AuditPack), (status = 200, content_type = "application/pdf", body = super::docs::Binary),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_audit_pack(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_audit_pack, &state).await?;
    let (from, to) = period(query.into_inner()?, state.clock.today());
    let pack = state
        .db(move |conn| reports::audit_pack(conn, &ctx, from, to))
        .await?;
    if wants_pdf(&req) {
        return pdf(&state, pack).await;
    }
    Ok(HttpResponse::Ok().json(pack))
}

/// The audit pack as PDF.
#[utoipa::path(get, path = "/api/v1/reports/audit-pack.pdf", tag = "reports", params(PeriodQuery),
    responses((status = 200, content_type = "application/pdf", body = super::docs::Binary), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_audit_pack_pdf(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_audit_pack_pdf, &state).await?;
    let (from, to) = period(query.into_inner()?, state.clock.today());
    let pack = state
        .db(move |conn| reports::audit_pack(conn, &ctx, from, to))
        .await?;
    pdf(&state, pack).await
}

/// Everything overdue or open, for the quality manager: authorizations and qualifications
/// expiring, standards due or held, open nonconformities, corrective actions, complaints and
/// findings, missed proficiency tests, audits and reviews, document drafts, records awaiting
/// approval.
#[utoipa::path(get, path = "/api/v1/reports/attention", tag = "reports",
    responses((status = 200, body = Attention)), security(("bearer" = [])))]
pub async fn get_attention_list(auth: Auth, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_attention_list, &state).await?;
    let list = state.db(move |conn| reports::attention(conn, &ctx)).await?;
    Ok(HttpResponse::Ok().json(list))
}
