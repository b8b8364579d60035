//! Staff competence (ISO/IEC 17025 §6.2): qualifications with their evidence, and authorizations
//! per function and discipline or procedure.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Body, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{self, created, versioned, Disposition};
use super::standards::FileQuery;
use super::{page_of, AppState, PageParams, Reason};
use crate::db::quality_models::Qualification;
use crate::db::{AuthorizationId, QualificationId, UserId};
use crate::domain::quality::AuthorizedFunction;
use crate::error::{AppError, AppResult};
use crate::services::competence::{
    self, AuthorizationFilter, AuthorizationView, CreateQualification, GrantAuthorization,
    StaffView,
};
use crate::services::Page;

/// Staff members with their qualifications, training and authorizations.
#[utoipa::path(get, path = "/api/v1/staff", tag = "quality", params(PageParams),
    responses((status = 200, body = Page<StaffView>)), security(("bearer" = [])))]
pub async fn list_staff(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<PageParams>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_staff, &state).await?;
    let page = query.into_inner()?.request();
    let list = state
        .db(move |conn| competence::list_staff(conn, &ctx, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(get, path = "/api/v1/staff/{id}", tag = "quality", params(("id" = UserId, Path)),
    responses((status = 200, body = StaffView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_staff(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<UserId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_staff, &state).await?;
    let s = state
        .db(move |conn| competence::get_staff(conn, &ctx, id))
        .await?;
    Ok(HttpResponse::Ok().json(s))
}

/// Records a qualification or a training course of a staff member.
#[utoipa::path(post, path = "/api/v1/staff/{id}/qualifications", tag = "quality", params(("id" = UserId, Path)),
    request_body = CreateQualification,
    responses((status = 201, body = Qualification), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn add_qualification(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<UserId>,
    body: Json<CreateQualification>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::add_qualification, &state).await?;
    let input = body.into_inner()?;
    let q = state
        .db(move |conn| competence::add_qualification(conn, &ctx, id, input))
        .await?;
    Ok(created(
        1,
        format!("/api/v1/staff/{id}/qualifications/{}", q.id),
        &q,
    ))
}

/// Stores the evidence file of a qualification (`?filename=`); a new upload replaces it.
#[utoipa::path(put, path = "/api/v1/staff/{id}/qualifications/{qualification_id}/evidence", tag = "quality",
    params(("id" = UserId, Path), ("qualification_id" = QualificationId, Path), FileQuery),
    request_body(content = super::docs::Binary, content_type = "application/pdf"),
    responses((status = 200, body = Qualification)), security(("bearer" = [])))]
pub async fn upload_qualification_evidence(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    Ids((user, id)): Ids<(UserId, QualificationId)>,
    query: Query<FileQuery>,
    body: Body,
) -> AppResult<HttpResponse> {
    let ctx = auth
        .require(Op::upload_qualification_evidence, &state)
        .await?;
    let filename = query
        .into_inner()?
        .filename
        .ok_or_else(|| AppError::field("filename", "give the file name as ?filename="))?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let q = state
        .db(move |conn| {
            competence::set_evidence(conn, &ctx, user, id, &filename, &content_type, body.0)
        })
        .await?;
    Ok(HttpResponse::Ok().json(q))
}

#[utoipa::path(get, path = "/api/v1/staff/{id}/qualifications/{qualification_id}/evidence", tag = "quality",
    params(("id" = UserId, Path), ("qualification_id" = QualificationId, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = super::docs::Binary), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn download_qualification_evidence(
    auth: Auth,
    state: web::Data<AppState>,
    Ids((user, id)): Ids<(UserId, QualificationId)>,
) -> AppResult<HttpResponse> {
    auth.require(Op::download_qualification_evidence, &state)
        .await?;
    let (name, kind, bytes) = state
        .db(move |conn| competence::evidence(conn, user, id))
        .await?;
    Ok(respond::file(bytes, &kind, &name, Disposition::Attachment))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuthorizationQuery {
    pub user_id: Option<UserId>,
    pub function: Option<AuthorizedFunction>,
    /// Only unrevoked ones ending within this many days (expired included).
    pub expiring_within_days: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/authorizations", tag = "quality", params(AuthorizationQuery),
    responses((status = 200, body = Page<AuthorizationView>)), security(("bearer" = [])))]
pub async fn list_authorizations(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<AuthorizationQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_authorizations, &state).await?;
    let q = query.into_inner()?;
    let filter = AuthorizationFilter {
        user_id: q.user_id,
        function: q.function,
        expiring_within_days: q.expiring_within_days,
    };
    let page = page_of(q.limit, q.cursor);
    let list = state
        .db(move |conn| competence::list_authorizations(conn, &ctx, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Grants an authorization for a function, in a discipline or for one procedure, between two
/// dates. Nobody grants their own.
#[utoipa::path(post, path = "/api/v1/authorizations", tag = "quality", request_body = GrantAuthorization,
    responses((status = 201, body = AuthorizationView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn grant_authorization(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<GrantAuthorization>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::grant_authorization, &state).await?;
    let input = body.into_inner()?;
    let a = state
        .db(move |conn| competence::grant(conn, &ctx, input))
        .await?;
    Ok(created(
        a.authorization.version,
        format!("/api/v1/authorizations/{}", a.authorization.id),
        &a,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WithinQuery {
    /// Days ahead (and back) to look; 60 when absent.
    pub within_days: Option<i64>,
}

/// Authorizations about to expire (or expired recently) of active staff, soonest first.
#[utoipa::path(get, path = "/api/v1/authorizations/expiring", tag = "quality", params(WithinQuery),
    responses((status = 200, body = Vec<AuthorizationView>)), security(("bearer" = [])))]
pub async fn list_expiring_authorizations(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<WithinQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth
        .require(Op::list_expiring_authorizations, &state)
        .await?;
    let days = query
        .into_inner()?
        .within_days
        .unwrap_or(competence::EXPIRING_DAYS);
    let list = state
        .db(move |conn| competence::expiring(conn, &ctx, days))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(get, path = "/api/v1/authorizations/{id}", tag = "quality", params(("id" = AuthorizationId, Path)),
    responses((status = 200, body = AuthorizationView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_authorization(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<AuthorizationId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_authorization, &state).await?;
    let a = state
        .db(move |conn| competence::get_authorization(conn, &ctx, id))
        .await?;
    Ok(versioned(a.authorization.version, &a))
}

/// Withdraws an authorization with a reason; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/authorizations/{id}/revoke", tag = "quality", params(IfMatchHeader, ("id" = AuthorizationId, Path)),
    request_body = Reason, responses((status = 200, body = AuthorizationView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke_authorization(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<AuthorizationId>,
    if_match: IfMatch,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::revoke_authorization, &state).await?;
    let reason = body.into_inner()?.reason;
    let a = state
        .db(move |conn| competence::revoke(conn, &ctx, id, if_match.0, &reason))
        .await?;
    Ok(versioned(a.authorization.version, &a))
}
