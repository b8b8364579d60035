//! Certificates: issuing from an approved record, the stored PDF and DCC, amendment and revocation.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{self, created, versioned};
use super::{AppState, Reason};
use crate::db::{CalibrationRecordId, CertificateId, CustomerId, InstrumentId};
use crate::domain::certificate::CertificateStatus;
use crate::error::AppResult;
use crate::services::certificates::{
    self, AmendRequest, CertificateFilter, CertificateSummary, CertificateView, IssueRequest,
};
use crate::services::signing::{self, PublicKey};
use crate::services::{Page, PageRequest};

fn location(c: &CertificateView) -> String {
    format!("/api/v1/certificates/{}", c.certificate.id)
}

/// Issues the certificate of an approved record, signed with the signatory's password. Asking
/// again returns the certificate already issued (200) instead of making a second one (201).
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/issue-certificate", tag = "certificates",
    params(("id" = CalibrationRecordId, Path)), request_body = IssueRequest,
    responses((status = 201, body = CertificateView), (status = 200, body = CertificateView),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn issue_certificate(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    body: Json<IssueRequest>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::issue_certificate, &state).await?;
    let request = body.into_inner()?;
    let settings = state.issue_settings();
    let (c, new) = state
        .db(move |conn| certificates::issue(conn, &ctx, id, request, &settings))
        .await?;
    Ok(if new {
        created(c.certificate.version, location(&c), &c)
    } else {
        HttpResponse::Ok()
            .insert_header((header::ETAG, format!("\"{}\"", c.certificate.version)))
            .insert_header((header::CONTENT_LOCATION, location(&c)))
            .json(&c)
    })
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CertificateQuery {
    /// Staff only; a customer always sees its own.
    pub customer_id: Option<CustomerId>,
    pub instrument_id: Option<InstrumentId>,
    pub record_id: Option<CalibrationRecordId>,
    pub status: Option<CertificateStatus>,
    /// Part of the certificate number.
    pub number: Option<String>,
    /// Issued on or after this date.
    pub from: Option<NaiveDate>,
    /// Issued on or before this date.
    pub to: Option<NaiveDate>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Certificates, newest first. A customer lists only its own.
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", params(CertificateQuery),
    responses((status = 200, body = Page<CertificateSummary>)), security(("bearer" = [])))]
pub async fn list_certificates(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<CertificateQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_certificates, &state).await?;
    let q = query.into_inner()?;
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let filter = CertificateFilter {
        customer_id: q.customer_id,
        instrument_id: q.instrument_id,
        record_id: q.record_id,
        status: q.status,
        number: q.number,
        issued_from: q.from,
        issued_to: q.to,
    };
    let list = state
        .db(move |conn| certificates::list(conn, &ctx, filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// One certificate with its frozen snapshot, status and signature.
#[utoipa::path(get, path = "/api/v1/certificates/{id}", tag = "certificates",
    params(("id" = CertificateId, Path)),
    responses((status = 200, body = CertificateView), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_certificate(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CertificateId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_certificate, &state).await?;
    let c = state
        .db(move |conn| certificates::get(conn, &ctx, id))
        .await?;
    Ok(versioned(c.certificate.version, &c))
}

/// The PDF exactly as issued (the same bytes on every download).
#[utoipa::path(get, path = "/api/v1/certificates/{id}/certificate.pdf", tag = "certificates",
    params(("id" = CertificateId, Path)),
    responses((status = 200, content_type = "application/pdf", body = super::docs::Binary), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn download_certificate_pdf(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CertificateId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::download_certificate_pdf, &state).await?;
    let (bytes, name) = state
        .db(move |conn| certificates::pdf(conn, &ctx, id))
        .await?;
    Ok(respond::pdf(bytes, &name))
}

/// The Digital Calibration Certificate (DCC 3.1.2 XML) as issued.
#[utoipa::path(get, path = "/api/v1/certificates/{id}/dcc.xml", tag = "certificates",
    params(("id" = CertificateId, Path)),
    responses((status = 200, content_type = "application/xml", body = String), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn download_certificate_dcc(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CertificateId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::download_certificate_dcc, &state).await?;
    let (xml, name) = state
        .db(move |conn| certificates::dcc(conn, &ctx, id))
        .await?;
    Ok(respond::xml(xml, &name))
}

/// Replaces a valid certificate with a new one (new number) stating which it replaces and why;
/// the replaced one becomes `superseded`, its PDF unchanged. Needs `If-Match` and the
/// signatory's password.
#[utoipa::path(post, path = "/api/v1/certificates/{id}/amend", tag = "certificates",
    params(IfMatchHeader, ("id" = CertificateId, Path)), request_body = AmendRequest,
    responses((status = 201, body = CertificateView), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
pub async fn amend_certificate(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CertificateId>,
    if_match: IfMatch,
    body: Json<AmendRequest>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::amend_certificate, &state).await?;
    let request = body.into_inner()?;
    let settings = state.issue_settings();
    let c = state
        .db(move |conn| certificates::amend(conn, &ctx, id, if_match.0, request, &settings))
        .await?;
    Ok(created(c.certificate.version, location(&c), &c))
}

/// Revokes a valid certificate, with its reason. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/certificates/{id}/revoke", tag = "certificates",
    params(IfMatchHeader, ("id" = CertificateId, Path)), request_body = Reason,
    responses((status = 200, body = CertificateView), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke_certificate(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CertificateId>,
    if_match: IfMatch,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::revoke_certificate, &state).await?;
    let reason = body.into_inner()?.reason;
    let c = state
        .db(move |conn| certificates::revoke(conn, &ctx, id, if_match.0, &reason))
        .await?;
    Ok(versioned(c.certificate.version, &c))
}

/// The laboratory's Ed25519 public keys, for checking certificate signatures offline. Public.
#[utoipa::path(get, path = "/api/v1/lab/public-keys", tag = "certificates",
    responses((status = 200, body = Vec<PublicKey>)))]
pub async fn list_public_keys(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let keys = state.db(signing::public_keys).await?;
    Ok(HttpResponse::Ok().json(keys))
}
