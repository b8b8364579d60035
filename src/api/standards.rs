//! Measurement standards, their calibrations, checks, traceability and dependents (§6.4, §6.5).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Body, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{self, created, versioned, Disposition};
use super::AppState;
use crate::db::models::{IntermediateCheck, StatusChange};
use crate::db::{StandardCalibrationId, StandardId};
use crate::domain::traceability::{StandardKind, StandardStatus};
use crate::error::{AppError, AppResult};
use crate::services::standards::{
    self as service, CalibrationView, Chain, ChangeStatus, CreateStandard, Dependents, DueItem,
    FileVersion, Fitness, RecordCalibration, RecordCheck, StandardFilter, StandardView,
    UpdateStandard,
};
use crate::services::{Page, PageRequest};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StandardQuery {
    /// Part of the asset id, name or serial number.
    pub q: Option<String>,
    pub quantity: Option<String>,
    pub status: Option<StandardStatus>,
    pub kind: Option<StandardKind>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The standards register.
#[utoipa::path(get, path = "/api/v1/standards", tag = "standards", params(StandardQuery),
    responses((status = 200, body = Page<StandardView>)), security(("bearer" = [])))]
pub async fn list_standards(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<StandardQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_standards, &state).await?;
    let q = query.into_inner()?;
    let filter = StandardFilter {
        q: q.q,
        quantity: q.quantity,
        status: q.status,
        kind: q.kind,
    };
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let list = state
        .db(move |conn| service::list(conn, &ctx, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Registers a standard (in service).
#[utoipa::path(post, path = "/api/v1/standards", tag = "standards", request_body = CreateStandard,
    responses((status = 201, body = StandardView), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_standard(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateStandard>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_standard, &state).await?;
    let input = body.into_inner()?;
    let s = state
        .db(move |conn| service::create(conn, &ctx, input))
        .await?;
    Ok(created(
        s.standard.version,
        format!("/api/v1/standards/{}", s.standard.id),
        &s,
    ))
}

#[utoipa::path(get, path = "/api/v1/standards/{id}", tag = "standards", params(("id" = StandardId, Path)),
    responses((status = 200, body = StandardView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_standard(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_standard, &state).await?;
    let s = state.db(move |conn| service::get(conn, &ctx, id)).await?;
    Ok(versioned(s.standard.version, &s))
}

/// Updates a standard's description; needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/standards/{id}", tag = "standards", params(IfMatchHeader, ("id" = StandardId, Path)),
    request_body = UpdateStandard, responses((status = 200, body = StandardView), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_standard(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
    if_match: IfMatch,
    body: Json<UpdateStandard>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_standard, &state).await?;
    let input = body.into_inner()?;
    let s = state
        .db(move |conn| service::update(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(s.standard.version, &s))
}

/// Changes the status (in service, out of service, quarantined, retired) with a reason; needs `If-Match`.
/// Releasing a quarantined standard is done here by a quality manager.
#[utoipa::path(post, path = "/api/v1/standards/{id}/status", tag = "standards", params(IfMatchHeader, ("id" = StandardId, Path)),
    request_body = ChangeStatus, responses((status = 200, body = StandardView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn change_standard_status(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
    if_match: IfMatch,
    body: Json<ChangeStatus>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::change_standard_status, &state).await?;
    let input = body.into_inner()?;
    let s = state
        .db(move |conn| service::change_status(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(s.standard.version, &s))
}

/// Every status change of the standard, oldest first.
#[utoipa::path(get, path = "/api/v1/standards/{id}/status-history", tag = "standards",
    params(("id" = StandardId, Path)), responses((status = 200, body = Vec<StatusChange>)), security(("bearer" = [])))]
pub async fn get_standard_status_history(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_standard_status_history, &state)
        .await?;
    let history = state
        .db(move |conn| service::status_history(conn, id))
        .await?;
    Ok(HttpResponse::Ok().json(history))
}

/// The standard's incoming calibrations, newest first.
#[utoipa::path(get, path = "/api/v1/standards/{id}/calibrations", tag = "standards", params(("id" = StandardId, Path)),
    responses((status = 200, body = Vec<CalibrationView>)), security(("bearer" = [])))]
pub async fn list_standard_calibrations(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_standard_calibrations, &state).await?;
    let list = state
        .db(move |conn| service::list_calibrations(conn, id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Records an incoming calibration (by an external body, or internally against another standard,
/// which must be fit for use on that date). Allowed even when the standard itself is overdue.
#[utoipa::path(post, path = "/api/v1/standards/{id}/calibrations", tag = "standards", params(("id" = StandardId, Path)),
    request_body = RecordCalibration,
    responses((status = 201, body = CalibrationView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn record_standard_calibration(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
    body: Json<RecordCalibration>,
) -> AppResult<HttpResponse> {
    let ctx = auth
        .require(Op::record_standard_calibration, &state)
        .await?;
    let input = body.into_inner()?;
    let c = state
        .db(move |conn| service::record_calibration(conn, &ctx, id, input))
        .await?;
    Ok(created(
        1,
        format!("/api/v1/standards/{id}/calibrations/{}", c.calibration.id),
        &c,
    ))
}

#[utoipa::path(get, path = "/api/v1/standards/{id}/calibrations/{calibration_id}", tag = "standards",
    params(("id" = StandardId, Path), ("calibration_id" = StandardCalibrationId, Path)),
    responses((status = 200, body = CalibrationView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_standard_calibration(
    auth: Auth,
    state: web::Data<AppState>,
    Ids((id, calibration)): Ids<(StandardId, StandardCalibrationId)>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_standard_calibration, &state).await?;
    let c = state
        .db(move |conn| service::get_calibration(conn, id, calibration))
        .await?;
    Ok(HttpResponse::Ok().json(c))
}

/// Stores the issuer's certificate (any file type, e.g. PDF; `?filename=`). A new upload is a new
/// version; earlier versions stay retrievable.
#[utoipa::path(put, path = "/api/v1/standards/{id}/calibrations/{calibration_id}/certificate", tag = "standards",
    params(("id" = StandardId, Path), ("calibration_id" = StandardCalibrationId, Path), FileQuery),
    request_body(content = super::docs::Binary, content_type = "application/pdf"),
    responses((status = 201, body = FileVersion)), security(("bearer" = [])))]
pub async fn upload_standard_certificate(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    Ids((id, calibration)): Ids<(StandardId, StandardCalibrationId)>,
    query: Query<FileQuery>,
    body: Body,
) -> AppResult<HttpResponse> {
    let ctx = auth
        .require(Op::upload_standard_certificate, &state)
        .await?;
    let q = query.into_inner()?;
    let filename = q
        .filename
        .ok_or_else(|| AppError::field("filename", "give the file name as ?filename="))?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let file = state
        .db(move |conn| {
            service::upload_certificate(
                conn,
                &ctx,
                id,
                calibration,
                &filename,
                &content_type,
                body.0,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(file))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// On upload: the file's name.
    pub filename: Option<String>,
    /// On download: a version (latest when absent).
    pub version: Option<i32>,
}

/// The issuer's certificate file, byte for byte as uploaded, with its SHA-256 in `Digest`.
#[utoipa::path(get, path = "/api/v1/standards/{id}/calibrations/{calibration_id}/certificate", tag = "standards",
    params(("id" = StandardId, Path), ("calibration_id" = StandardCalibrationId, Path), FileQuery),
    responses((status = 200, description = "The file"), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn download_standard_certificate(
    auth: Auth,
    state: web::Data<AppState>,
    Ids((id, calibration)): Ids<(StandardId, StandardCalibrationId)>,
    query: Query<FileQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::download_standard_certificate, &state)
        .await?;
    let version = query.into_inner()?.version;
    let file = state
        .db(move |conn| service::download_certificate(conn, id, calibration, version))
        .await?;
    Ok(
        respond::file_headers(&file.content_type, &file.filename, Disposition::Attachment)
            .insert_header(("x-content-sha256", file.sha256))
            .body(file.content),
    )
}

/// Intermediate checks of the standard, newest first.
#[utoipa::path(get, path = "/api/v1/standards/{id}/intermediate-checks", tag = "standards",
    params(("id" = StandardId, Path)), responses((status = 200, body = Vec<IntermediateCheck>)), security(("bearer" = [])))]
pub async fn list_intermediate_checks(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_intermediate_checks, &state).await?;
    let list = state.db(move |conn| service::list_checks(conn, id)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Records an intermediate check (§6.4.10). A failed check quarantines the standard until a
/// quality manager releases it.
#[utoipa::path(post, path = "/api/v1/standards/{id}/intermediate-checks", tag = "standards",
    params(("id" = StandardId, Path)), request_body = RecordCheck,
    responses((status = 201, body = IntermediateCheck), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn record_intermediate_check(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
    body: Json<RecordCheck>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::record_intermediate_check, &state).await?;
    let input = body.into_inner()?;
    let check = state
        .db(move |conn| service::record_check(conn, &ctx, id, input))
        .await?;
    Ok(HttpResponse::Created().json(check))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AtQuery {
    /// The date (YYYY-MM-DD); today when absent.
    pub at: Option<NaiveDate>,
}

/// The traceability chain from the standard up to a national metrology institute or accredited
/// lab, as it stood on a date, with each link's validity and the first failing link.
#[utoipa::path(get, path = "/api/v1/standards/{id}/traceability", tag = "standards",
    params(("id" = StandardId, Path), AtQuery), responses((status = 200, body = Chain)), security(("bearer" = [])))]
pub async fn get_traceability(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
    query: Query<AtQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_traceability, &state).await?;
    let at = query
        .into_inner()?
        .at
        .unwrap_or_else(|| state.clock.today());
    let chain = state.db(move |conn| service::chain(conn, id, at)).await?;
    Ok(HttpResponse::Ok().json(chain))
}

/// Whether the standard may be used on a date, and if not, why.
#[utoipa::path(get, path = "/api/v1/standards/{id}/fitness", tag = "standards",
    params(("id" = StandardId, Path), AtQuery), responses((status = 200, body = Fitness)), security(("bearer" = [])))]
pub async fn get_fitness(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
    query: Query<AtQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_fitness, &state).await?;
    let at = query
        .into_inner()?
        .at
        .unwrap_or_else(|| state.clock.today());
    let fitness = state
        .db(move |conn| service::fitness_on(conn, id, at))
        .await?;
    Ok(HttpResponse::Ok().json(fitness))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    pub from: NaiveDate,
    /// Today when absent.
    pub to: Option<NaiveDate>,
}

/// Reverse traceability: every calibration that used the standard, directly or through other
/// standards, in the window.
#[utoipa::path(get, path = "/api/v1/standards/{id}/dependents", tag = "standards",
    params(("id" = StandardId, Path), WindowQuery), responses((status = 200, body = Dependents)), security(("bearer" = [])))]
pub async fn get_dependents(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<StandardId>,
    query: Query<WindowQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_dependents, &state).await?;
    let q = query.into_inner()?;
    let to = q.to.unwrap_or_else(|| state.clock.today());
    let dependents = state
        .db(move |conn| service::dependents(conn, id, q.from, to))
        .await?;
    Ok(HttpResponse::Ok().json(dependents))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Window in days (default 30, at most 3650).
    pub within_days: Option<i64>,
}

/// Standards due for calibration within the window, overdue first. The whole list in one page.
#[utoipa::path(get, path = "/api/v1/standards/due", tag = "standards", params(DueQuery),
    responses((status = 200, body = Page<DueItem>)), security(("bearer" = [])))]
pub async fn list_due_standards(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<DueQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_due_standards, &state).await?;
    let within = query
        .into_inner()?
        .within_days
        .unwrap_or(service::DUE_SOON_DAYS);
    if !(0..=3650).contains(&within) {
        return Err(AppError::field("within_days", "must be from 0 to 3650"));
    }
    let items = state
        .db(move |conn| service::due(conn, &ctx, within))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}
