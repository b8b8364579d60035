//! Corrective actions (ISO/IEC 17025 §8.7) and the review of their effectiveness.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{page_of, AppState};
use crate::db::CorrectiveActionId;
use crate::domain::quality::CaStatus;
use crate::error::AppResult;
use crate::services::corrective_actions::{
    self, CaFilter, CorrectiveActionView, CreateCorrectiveAction, EffectivenessReview,
    UpdateCorrectiveAction,
};
use crate::services::Page;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaQuery {
    pub status: Option<CaStatus>,
    /// The nonconformity, complaint or finding it answers.
    pub source_id: Option<String>,
    pub overdue: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/corrective-actions", tag = "quality", params(CaQuery),
    responses((status = 200, body = Page<CorrectiveActionView>)), security(("bearer" = [])))]
pub async fn list_corrective_actions(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<CaQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_corrective_actions, &state).await?;
    let q = query.into_inner()?;
    let filter = CaFilter {
        status: q.status,
        source_id: q.source_id,
        overdue: q.overdue,
    };
    let page = page_of(q.limit, q.cursor);
    let list = state
        .db(move |conn| corrective_actions::list(conn, &ctx, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(post, path = "/api/v1/corrective-actions", tag = "quality", request_body = CreateCorrectiveAction,
    responses((status = 201, body = CorrectiveActionView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_corrective_action(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateCorrectiveAction>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_corrective_action, &state).await?;
    let input = body.into_inner()?;
    let c = state
        .db(move |conn| corrective_actions::create(conn, &ctx, input))
        .await?;
    Ok(created(
        c.action.version,
        format!("/api/v1/corrective-actions/{}", c.action.id),
        &c,
    ))
}

#[utoipa::path(get, path = "/api/v1/corrective-actions/{id}", tag = "quality", params(("id" = CorrectiveActionId, Path)),
    responses((status = 200, body = CorrectiveActionView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_corrective_action(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CorrectiveActionId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_corrective_action, &state).await?;
    let c = state
        .db(move |conn| corrective_actions::get(conn, &ctx, id))
        .await?;
    Ok(versioned(c.action.version, &c))
}

/// The root cause and the action plan (replaced as a whole, e.g. to record `done_on`). `If-Match`.
#[utoipa::path(patch, path = "/api/v1/corrective-actions/{id}", tag = "quality", params(IfMatchHeader, ("id" = CorrectiveActionId, Path)),
    request_body = UpdateCorrectiveAction, responses((status = 200, body = CorrectiveActionView), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_corrective_action(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CorrectiveActionId>,
    if_match: IfMatch,
    body: Json<UpdateCorrectiveAction>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_corrective_action, &state).await?;
    let input = body.into_inner()?;
    let c = state
        .db(move |conn| corrective_actions::update(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(c.action.version, &c))
}

/// `open -> implemented`: the root cause is recorded and every action is done. `If-Match`.
#[utoipa::path(post, path = "/api/v1/corrective-actions/{id}/implement", tag = "quality", params(IfMatchHeader, ("id" = CorrectiveActionId, Path)),
    responses((status = 200, body = CorrectiveActionView), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn implement_corrective_action(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CorrectiveActionId>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth
        .require(Op::implement_corrective_action, &state)
        .await?;
    let c = state
        .db(move |conn| corrective_actions::implement(conn, &ctx, id, if_match.0))
        .await?;
    Ok(versioned(c.action.version, &c))
}

/// The effectiveness review: effective closes the action, not effective reopens it. `If-Match`.
#[utoipa::path(post, path = "/api/v1/corrective-actions/{id}/review", tag = "quality", params(IfMatchHeader, ("id" = CorrectiveActionId, Path)),
    request_body = EffectivenessReview, responses((status = 200, body = CorrectiveActionView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn review_corrective_action(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CorrectiveActionId>,
    if_match: IfMatch,
    body: Json<EffectivenessReview>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::review_corrective_action, &state).await?;
    let input = body.into_inner()?;
    let c = state
        .db(move |conn| corrective_actions::review(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(c.action.version, &c))
}
