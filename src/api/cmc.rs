//! The scope of accreditation (CMC entries) and the list of quantities.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::AppState;
use crate::db::models::AuditEvent;
use crate::db::CmcId;
use crate::error::{AppError, AppResult};
use crate::services::cmc::{self as service, CmcView, CreateCmc, Quantity, UpdateCmc};
use crate::services::{Page, PageRequest};

/// The quantities (disciplines) standards and CMC entries refer to.
#[utoipa::path(get, path = "/api/v1/quantities", tag = "standards",
    responses((status = 200, body = Vec<Quantity>)), security(("bearer" = [])))]
pub async fn list_quantities(auth: Auth, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    auth.require(Op::list_quantities, &state).await?;
    let list = state.db(service::list_quantities).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Adds a quantity to the list.
#[utoipa::path(post, path = "/api/v1/quantities", tag = "standards", request_body = Quantity,
    responses((status = 201, body = Quantity), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn create_quantity(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<Quantity>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_quantity, &state).await?;
    let input = body.into_inner()?;
    let q = state
        .db(move |conn| service::create_quantity(conn, &ctx, input))
        .await?;
    Ok(HttpResponse::Created().json(q))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CmcQuery {
    pub quantity: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The CMC entries of the scope.
#[utoipa::path(get, path = "/api/v1/cmc", tag = "standards", params(CmcQuery),
    responses((status = 200, body = Page<CmcView>)), security(("bearer" = [])))]
pub async fn list_cmc(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<CmcQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_cmc, &state).await?;
    let q = query.into_inner()?;
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let list = state
        .db(move |conn| service::list(conn, q.quantity.as_deref(), &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Adds a CMC entry: the CMC is `cmc_absolute + cmc_relative·|value|` over the range.
#[utoipa::path(post, path = "/api/v1/cmc", tag = "standards", request_body = CreateCmc,
    responses((status = 201, body = CmcView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_cmc(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateCmc>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_cmc, &state).await?;
    let input = body.into_inner()?;
    let c = state
        .db(move |conn| service::create(conn, &ctx, input))
        .await?;
    Ok(created(
        c.entry.version,
        format!("/api/v1/cmc/{}", c.entry.id),
        &c,
    ))
}

#[utoipa::path(get, path = "/api/v1/cmc/{id}", tag = "standards", params(("id" = CmcId, Path)),
    responses((status = 200, body = CmcView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_cmc(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CmcId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_cmc, &state).await?;
    let c = state.db(move |conn| service::get(conn, id)).await?;
    Ok(versioned(c.entry.version, &c))
}

/// Changes or withdraws a CMC entry; needs `If-Match`. Every version stays in its history.
#[utoipa::path(patch, path = "/api/v1/cmc/{id}", tag = "standards", params(IfMatchHeader, ("id" = CmcId, Path)),
    request_body = UpdateCmc, responses((status = 200, body = CmcView), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_cmc(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CmcId>,
    if_match: IfMatch,
    body: Json<UpdateCmc>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_cmc, &state).await?;
    let input = body.into_inner()?;
    let c = state
        .db(move |conn| service::update(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(c.entry.version, &c))
}

/// Every version of a CMC entry (the audit events with before and after), oldest first.
#[utoipa::path(get, path = "/api/v1/cmc/{id}/history", tag = "standards", params(("id" = CmcId, Path)),
    responses((status = 200, body = Vec<AuditEvent>)), security(("bearer" = [])))]
pub async fn get_cmc_history(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CmcId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_cmc_history, &state).await?;
    let events: Vec<AuditEvent> = state.db(move |conn| service::history(conn, id)).await?;
    Ok(HttpResponse::Ok().json(events))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FloorQuery {
    pub quantity: String,
    pub unit: String,
    pub value: f64,
    /// Today when absent.
    pub on: Option<NaiveDate>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CmcFloor {
    /// Whether the value lies in an accredited range.
    pub in_scope: bool,
    /// The smallest expanded uncertainty that may be reported there.
    pub cmc: Option<f64>,
}

/// The CMC that applies to a value: the floor under any reported expanded uncertainty.
#[utoipa::path(get, path = "/api/v1/cmc/floor", tag = "standards", params(FloorQuery),
    responses((status = 200, body = CmcFloor)), security(("bearer" = [])))]
pub async fn get_cmc_floor(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<FloorQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_cmc_floor, &state).await?;
    let q = query.into_inner()?;
    if !q.value.is_finite() {
        return Err(AppError::field("value", "must be a finite number"));
    }
    let on = q.on.unwrap_or_else(|| state.clock.today());
    let cmc = state
        .db(move |conn| service::floor(conn, &q.quantity, &q.unit, q.value, on))
        .await?;
    Ok(HttpResponse::Ok().json(CmcFloor {
        in_scope: cmc.is_some(),
        cmc,
    }))
}
