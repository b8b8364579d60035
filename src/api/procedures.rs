//! Calibration procedures (ISO/IEC 17025 §7.2): versioned methods with their budget templates
//! and environmental limits, approved before use.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{AppState, Reason};
use crate::db::ProcedureId;
use crate::domain::calibration::ProcedureStatus;
use crate::error::AppResult;
use crate::services::procedures::{self, CreateProcedure, ProcedureView, UpdateProcedure};
use crate::services::{Page, PageRequest};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProcedureQuery {
    pub code: Option<String>,
    pub status: Option<ProcedureStatus>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Procedure versions.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "calibrations", params(ProcedureQuery),
    responses((status = 200, body = Page<ProcedureView>)), security(("bearer" = [])))]
pub async fn list_procedures(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<ProcedureQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_procedures, &state).await?;
    let q = query.into_inner()?;
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let list = state
        .db(move |conn| procedures::list(conn, q.code.as_deref(), q.status, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Drafts a procedure version (the next version when the code exists): points, environmental
/// limits and the uncertainty budget template.
#[utoipa::path(post, path = "/api/v1/procedures", tag = "calibrations", request_body = CreateProcedure,
    responses((status = 201, body = ProcedureView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_procedure(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateProcedure>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_procedure, &state).await?;
    let input = body.into_inner()?;
    let p = state
        .db(move |conn| procedures::create(conn, &ctx, input))
        .await?;
    Ok(created(
        p.procedure.version,
        format!("/api/v1/procedures/{}", p.procedure.id),
        &p,
    ))
}

#[utoipa::path(get, path = "/api/v1/procedures/{id}", tag = "calibrations", params(("id" = ProcedureId, Path)),
    responses((status = 200, body = ProcedureView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_procedure(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ProcedureId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_procedure, &state).await?;
    let p = state.db(move |conn| procedures::get(conn, id)).await?;
    Ok(versioned(p.procedure.version, &p))
}

/// Changes a draft version; approved versions are never edited. Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/procedures/{id}", tag = "calibrations", params(IfMatchHeader, ("id" = ProcedureId, Path)),
    request_body = UpdateProcedure, responses((status = 200, body = ProcedureView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_procedure(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ProcedureId>,
    if_match: IfMatch,
    body: Json<UpdateProcedure>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_procedure, &state).await?;
    let input = body.into_inner()?;
    let p = state
        .db(move |conn| procedures::update(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(p.procedure.version, &p))
}

/// Approves a draft version (earlier approved versions of the code are withdrawn). Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/procedures/{id}/approve", tag = "calibrations", params(IfMatchHeader, ("id" = ProcedureId, Path)),
    responses((status = 200, body = ProcedureView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn approve_procedure(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ProcedureId>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::approve_procedure, &state).await?;
    let p = state
        .db(move |conn| procedures::approve(conn, &ctx, id, if_match.0))
        .await?;
    Ok(versioned(p.procedure.version, &p))
}

/// Withdraws a version, with a reason. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/procedures/{id}/withdraw", tag = "calibrations", params(IfMatchHeader, ("id" = ProcedureId, Path)),
    request_body = Reason, responses((status = 200, body = ProcedureView)), security(("bearer" = [])))]
pub async fn withdraw_procedure(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ProcedureId>,
    if_match: IfMatch,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::withdraw_procedure, &state).await?;
    let reason = body.into_inner()?.reason;
    let p = state
        .db(move |conn| procedures::withdraw(conn, &ctx, id, if_match.0, &reason))
        .await?;
    Ok(versioned(p.procedure.version, &p))
}
