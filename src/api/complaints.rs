//! Complaints (ISO/IEC 17025 §7.9): customers file and follow their own.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{page_of, AppState};
use crate::db::{ComplaintId, CustomerId};
use crate::domain::quality::ComplaintStatus;
use crate::error::AppResult;
use crate::services::complaints::{
    self, ComplaintFilter, ComplaintMove, ComplaintView, CreateComplaint,
};
use crate::services::Page;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    pub status: Option<ComplaintStatus>,
    pub customer_id: Option<CustomerId>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Complaints; a customer user sees its own organisation's only.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "quality", params(ComplaintQuery),
    responses((status = 200, body = Page<ComplaintView>)), security(("bearer" = [])))]
pub async fn list_complaints(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<ComplaintQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_complaints, &state).await?;
    let q = query.into_inner()?;
    let filter = ComplaintFilter {
        status: q.status,
        customer_id: q.customer_id,
    };
    let page = page_of(q.limit, q.cursor);
    let list = state
        .db(move |conn| complaints::list(conn, &ctx, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// A complaint from a customer user (about its own organisation), or recorded by staff.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "quality", request_body = CreateComplaint,
    responses((status = 201, body = ComplaintView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_complaint(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateComplaint>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_complaint, &state).await?;
    let input = body.into_inner()?;
    let c = state
        .db(move |conn| complaints::create(conn, &ctx, input))
        .await?;
    Ok(created(
        c.complaint.version,
        format!("/api/v1/complaints/{}", c.complaint.id),
        &c,
    ))
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "quality", params(("id" = ComplaintId, Path)),
    responses((status = 200, body = ComplaintView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_complaint(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ComplaintId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_complaint, &state).await?;
    let c = state
        .db(move |conn| complaints::get(conn, &ctx, id))
        .await?;
    Ok(versioned(c.complaint.version, &c))
}

/// One step: acknowledged, investigated (with the investigation), answered (with the answer),
/// closed. `If-Match`.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/status", tag = "quality", params(IfMatchHeader, ("id" = ComplaintId, Path)),
    request_body = ComplaintMove, responses((status = 200, body = ComplaintView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn change_complaint_status(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ComplaintId>,
    if_match: IfMatch,
    body: Json<ComplaintMove>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::change_complaint_status, &state).await?;
    let input = body.into_inner()?;
    let c = state
        .db(move |conn| complaints::change_status(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(c.complaint.version, &c))
}
