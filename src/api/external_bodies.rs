//! External calibration providers: national metrology institutes, accredited labs, others.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{AppState, PageParams};
use crate::db::ExternalBodyId;
use crate::error::AppResult;
use crate::services::external_bodies::{
    self as service, CreateExternalBody, ExternalBodyView, UpdateExternalBody,
};
use crate::services::Page;

#[utoipa::path(get, path = "/api/v1/external-bodies", tag = "standards", params(PageParams),
    responses((status = 200, body = Page<ExternalBodyView>)), security(("bearer" = [])))]
pub async fn list_external_bodies(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<PageParams>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_external_bodies, &state).await?;
    let page = query.into_inner()?.request();
    let list = state.db(move |conn| service::list(conn, &page)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Registers an issuer. An `other` issuer breaks traceability unless a `justification` is recorded.
#[utoipa::path(post, path = "/api/v1/external-bodies", tag = "standards", request_body = CreateExternalBody,
    responses((status = 201, body = ExternalBodyView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_external_body(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateExternalBody>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_external_body, &state).await?;
    let input = body.into_inner()?;
    let b = state
        .db(move |conn| service::create(conn, &ctx, input))
        .await?;
    Ok(created(
        b.body.version,
        format!("/api/v1/external-bodies/{}", b.body.id),
        &b,
    ))
}

#[utoipa::path(get, path = "/api/v1/external-bodies/{id}", tag = "standards", params(("id" = ExternalBodyId, Path)),
    responses((status = 200, body = ExternalBodyView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_external_body(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ExternalBodyId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_external_body, &state).await?;
    let b = state.db(move |conn| service::get(conn, id)).await?;
    Ok(versioned(b.body.version, &b))
}

/// Updates an issuer (accreditation, justification); needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/external-bodies/{id}", tag = "standards", params(IfMatchHeader, ("id" = ExternalBodyId, Path)),
    request_body = UpdateExternalBody, responses((status = 200, body = ExternalBodyView), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_external_body(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ExternalBodyId>,
    if_match: IfMatch,
    body: Json<UpdateExternalBody>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_external_body, &state).await?;
    let input = body.into_inner()?;
    let b = state
        .db(move |conn| service::update(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(b.body.version, &b))
}
