//! Calibration records (ISO/IEC 17025 §7.5, §7.6): the technical record, its review and its
//! signature.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{parse_json, Auth, Body, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{AppState, Reason};
use crate::db::{CalibrationRecordId, InstrumentId};
use crate::domain::calibration::RecordStatus;
use crate::error::{AppError, AppResult};
use crate::services::calibrations::{
    self as records, Amendment, Approval, ReadingsImport, RecordInput, RecordSummary, RecordView,
};
use crate::services::{Page, PageRequest};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecordQuery {
    pub status: Option<RecordStatus>,
    pub instrument_id: Option<InstrumentId>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Calibration records with their workflow status.
#[utoipa::path(get, path = "/api/v1/calibrations", tag = "calibrations", params(RecordQuery),
    responses((status = 200, body = Page<RecordSummary>)), security(("bearer" = [])))]
pub async fn list_calibrations(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<RecordQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_calibrations, &state).await?;
    let q = query.into_inner()?;
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let list = state
        .db(move |conn| records::list(conn, q.status, q.instrument_id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Records a calibration of a work order item (a draft): environment checked against the
/// procedure's limits, every standard fit for use on the date, each point's budget, CMC floor and
/// verdict computed.
#[utoipa::path(post, path = "/api/v1/calibrations", tag = "calibrations", request_body = RecordInput,
    responses((status = 201, body = RecordView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_calibration(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<RecordInput>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_calibration, &state).await?;
    let input = body.into_inner()?;
    let raise = state.raise_to_cmc;
    let r = state
        .db(move |conn| records::create(conn, &ctx, input, raise))
        .await?;
    Ok(created(
        r.version,
        format!("/api/v1/calibrations/{}", r.id),
        &r,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A version number; the newest when absent.
    pub version: Option<i32>,
}

/// A record, at its newest version or `?version=n`.
#[utoipa::path(get, path = "/api/v1/calibrations/{id}", tag = "calibrations", params(("id" = CalibrationRecordId, Path), VersionQuery),
    responses((status = 200, body = RecordView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_calibration(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    query: Query<VersionQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_calibration, &state).await?;
    let version = query.into_inner()?.version;
    let r = state
        .db(move |conn| records::get(conn, id, version))
        .await?;
    Ok(versioned(r.version, &r))
}

/// Replaces the content of a draft or returned record. Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/calibrations/{id}", tag = "calibrations", params(IfMatchHeader, ("id" = CalibrationRecordId, Path)),
    request_body = RecordInput, responses((status = 200, body = RecordView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn update_calibration(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    if_match: IfMatch,
    body: Json<RecordInput>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_calibration, &state).await?;
    let input = body.into_inner()?;
    let raise = state.raise_to_cmc;
    let r = state
        .db(move |conn| records::update(conn, &ctx, id, if_match.0, input, raise))
        .await?;
    Ok(versioned(r.version, &r))
}

/// Submits a record for review. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/submit", tag = "calibrations", params(IfMatchHeader, ("id" = CalibrationRecordId, Path)),
    responses((status = 200, body = RecordView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn submit_calibration(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::submit_calibration, &state).await?;
    let r = state
        .db(move |conn| records::submit(conn, &ctx, id, if_match.0))
        .await?;
    Ok(versioned(r.version, &r))
}

/// Approves a submitted record: the electronic signature of a signatory who neither performed nor
/// wrote it, with their password entered again. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/approve", tag = "calibrations", params(IfMatchHeader, ("id" = CalibrationRecordId, Path)),
    request_body = Approval, responses((status = 200, body = RecordView), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn approve_calibration(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    if_match: IfMatch,
    body: Json<Approval>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::approve_calibration, &state).await?;
    let password = body.into_inner()?.password;
    let r = state
        .db(move |conn| records::approve(conn, &ctx, id, if_match.0, &password))
        .await?;
    Ok(versioned(r.version, &r))
}

/// Returns a submitted record to its technician, with what must be corrected. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/return", tag = "calibrations", params(IfMatchHeader, ("id" = CalibrationRecordId, Path)),
    request_body = Reason, responses((status = 200, body = RecordView)), security(("bearer" = [])))]
pub async fn return_calibration(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    if_match: IfMatch,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::return_calibration, &state).await?;
    let reason = body.into_inner()?.reason;
    let r = state
        .db(move |conn| records::return_record(conn, &ctx, id, if_match.0, &reason))
        .await?;
    Ok(versioned(r.version, &r))
}

/// Amends an approved record: a new version with its reason, to be submitted and approved again;
/// the approved version stays retrievable. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/amendments", tag = "calibrations", params(IfMatchHeader, ("id" = CalibrationRecordId, Path)),
    request_body = Amendment, responses((status = 201, body = RecordView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn amend_calibration(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    if_match: IfMatch,
    body: Json<Amendment>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::amend_calibration, &state).await?;
    let input = body.into_inner()?;
    let raise = state.raise_to_cmc;
    let r = state
        .db(move |conn| records::amend(conn, &ctx, id, if_match.0, input, raise))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, format!("\"{}\"", r.version)))
        .json(r))
}

/// Replaces the readings of many points at once, from JSON (`{"points": [{"point": 1, "readings":
/// ["100.002", ...]}]}`) or CSV (`point,reading`, one reading a row), all or nothing. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/readings/import", tag = "calibrations", params(IfMatchHeader, ("id" = CalibrationRecordId, Path)),
    request_body(content = ReadingsImport, content_type = "application/json"),
    responses((status = 200, body = RecordView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn import_readings(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    Ids(id): Ids<CalibrationRecordId>,
    if_match: IfMatch,
    body: Body,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::import_readings, &state).await?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let import: ReadingsImport = if content_type.starts_with("text/csv") {
        records::parse_readings_csv(&body.0)?
    } else if content_type.starts_with("application/json") {
        parse_json(&body.0)?
    } else {
        return Err(AppError::UnsupportedMediaType(
            "send readings as application/json or text/csv",
        ));
    };
    let raise = state.raise_to_cmc;
    let r = state
        .db(move |conn| records::import_readings(conn, &ctx, id, if_match.0, import, raise))
        .await?;
    Ok(versioned(r.version, &r))
}
