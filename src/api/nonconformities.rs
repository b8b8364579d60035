//! Nonconforming work (ISO/IEC 17025 §7.10): raised by hand or automatically, evaluated,
//! actioned and closed.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{page_of, AppState};
use crate::db::{NonconformityId, StandardId};
use crate::domain::quality::{NcSource, NcStatus};
use crate::error::AppResult;
use crate::services::nonconformities::{
    self, AffectedChange, CreateNonconformity, Evaluation, NcFilter, NonconformityView, Notes,
};
use crate::services::Page;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NcQuery {
    pub status: Option<NcStatus>,
    pub source: Option<NcSource>,
    pub standard_id: Option<StandardId>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/nonconformities", tag = "quality", params(NcQuery),
    responses((status = 200, body = Page<NonconformityView>)), security(("bearer" = [])))]
pub async fn list_nonconformities(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<NcQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_nonconformities, &state).await?;
    let q = query.into_inner()?;
    let filter = NcFilter {
        status: q.status,
        source: q.source,
        standard_id: q.standard_id,
    };
    let page = page_of(q.limit, q.cursor);
    let list = state
        .db(move |conn| nonconformities::list(conn, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Raises nonconforming work. With `standard_id`, the records, certificates and customers it
/// supported since `affected_since` (or its last calibration) are listed.
#[utoipa::path(post, path = "/api/v1/nonconformities", tag = "quality", request_body = CreateNonconformity,
    responses((status = 201, body = NonconformityView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_nonconformity(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateNonconformity>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_nonconformity, &state).await?;
    let input = body.into_inner()?;
    let nc = state
        .db(move |conn| nonconformities::create(conn, &ctx, input))
        .await?;
    Ok(created(
        nc.nonconformity.version,
        format!("/api/v1/nonconformities/{}", nc.nonconformity.id),
        &nc,
    ))
}

#[utoipa::path(get, path = "/api/v1/nonconformities/{id}", tag = "quality", params(("id" = NonconformityId, Path)),
    responses((status = 200, body = NonconformityView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_nonconformity(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<NonconformityId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_nonconformity, &state).await?;
    let nc = state.db(move |conn| nonconformities::get(conn, id)).await?;
    Ok(versioned(nc.nonconformity.version, &nc))
}

/// `open -> evaluated`: the impact evaluation and the decision (recall, amend, notify). `If-Match`.
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/evaluate", tag = "quality", params(IfMatchHeader, ("id" = NonconformityId, Path)),
    request_body = Evaluation, responses((status = 200, body = NonconformityView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn evaluate_nonconformity(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<NonconformityId>,
    if_match: IfMatch,
    body: Json<Evaluation>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::evaluate_nonconformity, &state).await?;
    let input = body.into_inner()?;
    let nc = state
        .db(move |conn| nonconformities::evaluate(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(nc.nonconformity.version, &nc))
}

/// Adds or removes affected calibration records (with their certificates and customers), with
/// the reason, while the nonconformity is not closed. `If-Match`.
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/affected", tag = "quality", params(IfMatchHeader, ("id" = NonconformityId, Path)),
    request_body = AffectedChange, responses((status = 200, body = NonconformityView), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn change_nonconformity_affected(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<NonconformityId>,
    if_match: IfMatch,
    body: Json<AffectedChange>,
) -> AppResult<HttpResponse> {
    let ctx = auth
        .require(Op::change_nonconformity_affected, &state)
        .await?;
    let input = body.into_inner()?;
    let nc = state
        .db(move |conn| nonconformities::change_affected(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(nc.nonconformity.version, &nc))
}

/// `evaluated -> actioned`: what was done. `If-Match`.
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/action", tag = "quality", params(IfMatchHeader, ("id" = NonconformityId, Path)),
    request_body = Notes, responses((status = 200, body = NonconformityView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn action_nonconformity(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<NonconformityId>,
    if_match: IfMatch,
    body: Json<Notes>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::action_nonconformity, &state).await?;
    let input = body.into_inner()?;
    let nc = state
        .db(move |conn| nonconformities::action(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(nc.nonconformity.version, &nc))
}

/// `actioned -> closed`. `If-Match`.
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/close", tag = "quality", params(IfMatchHeader, ("id" = NonconformityId, Path)),
    request_body = Notes, responses((status = 200, body = NonconformityView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn close_nonconformity(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<NonconformityId>,
    if_match: IfMatch,
    body: Json<Notes>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::close_nonconformity, &state).await?;
    let input = body.into_inner()?;
    let nc = state
        .db(move |conn| nonconformities::close(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(nc.nonconformity.version, &nc))
}
