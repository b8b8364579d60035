//! The laboratory's settings and logo.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Body, IfMatch, Json};
use super::problem::Problem;
use super::respond::versioned;
use super::AppState;
use crate::error::AppResult;
use crate::services::lab::{self as service, LabView, UpdateLab};

#[utoipa::path(get, path = "/api/v1/lab", tag = "laboratory",
    responses((status = 200, body = LabView)), security(("bearer" = [])))]
pub async fn get_lab(auth: Auth, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    auth.require(Op::get_lab, &state).await?;
    let lab = state.db(service::get).await?;
    Ok(versioned(lab.lab.version, &lab))
}

/// Updates the lab's identity, accreditation and certificate number pattern; needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/lab", tag = "laboratory", params(IfMatchHeader), request_body = UpdateLab,
    responses((status = 200, body = LabView), (status = 412, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_lab(
    auth: Auth,
    state: web::Data<AppState>,
    if_match: IfMatch,
    body: Json<UpdateLab>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_lab, &state).await?;
    let input = body.into_inner()?;
    let lab = state
        .db(move |conn| service::update(conn, &ctx, if_match.0, input))
        .await?;
    Ok(versioned(lab.lab.version, &lab))
}

/// The logo printed on certificates.
#[utoipa::path(get, path = "/api/v1/lab/logo", tag = "laboratory",
    responses((status = 200, content_type = "image/png", description = "PNG or JPEG"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_lab_logo(auth: Auth, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    auth.require(Op::get_lab_logo, &state).await?;
    let (bytes, content_type) = state.db(service::logo).await?;
    Ok(HttpResponse::Ok().content_type(content_type).body(bytes))
}

/// Replaces the logo: the body is a PNG or JPEG of at most 512 KiB; needs `If-Match`.
#[utoipa::path(put, path = "/api/v1/lab/logo", tag = "laboratory", params(IfMatchHeader),
    request_body(content = super::docs::Binary, content_type = "image/png"),
    responses((status = 200, body = LabView), (status = 415, body = Problem)), security(("bearer" = [])))]
pub async fn set_lab_logo(
    auth: Auth,
    state: web::Data<AppState>,
    if_match: IfMatch,
    body: Body,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::set_lab_logo, &state).await?;
    let lab = state
        .db(move |conn| service::set_logo(conn, &ctx, if_match.0, body.0))
        .await?;
    Ok(versioned(lab.lab.version, &lab))
}
