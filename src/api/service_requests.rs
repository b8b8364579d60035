//! Requests for service: customers ask, staff accept (by a work order) or decline.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{page_of, AppState, Reason};
use crate::db::models::ServiceRequest;
use crate::db::{CustomerId, ServiceRequestId};
use crate::domain::intake::ServiceRequestStatus;
use crate::error::AppResult;
use crate::services::service_requests::{self, CreateServiceRequest, ServiceRequestFilter};
use crate::services::Page;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ServiceRequestQuery {
    pub status: Option<ServiceRequestStatus>,
    /// Staff only.
    pub customer_id: Option<CustomerId>,
    /// At most 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Requests for service, newest first; a customer user sees its own organisation's only.
#[utoipa::path(get, path = "/api/v1/service-requests", tag = "instruments", params(ServiceRequestQuery),
    responses((status = 200, body = Page<ServiceRequest>), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_service_requests(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<ServiceRequestQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_service_requests, &state).await?;
    let q = query.into_inner()?;
    let filter = ServiceRequestFilter {
        status: q.status,
        customer_id: q.customer_id,
    };
    let page = page_of(q.limit, q.cursor);
    let list = state
        .db(move |conn| service_requests::list(conn, &ctx, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Asks the lab for service: registered instruments by id, new ones described, a wanted date.
/// It reaches the lab as a draft; staff accept it by receiving a work order with its
/// `service_request_id`, or decline it.
#[utoipa::path(post, path = "/api/v1/service-requests", tag = "instruments", request_body = CreateServiceRequest,
    responses((status = 201, body = ServiceRequest), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_service_request(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateServiceRequest>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_service_request, &state).await?;
    let input = body.into_inner()?;
    let r = state
        .db(move |conn| service_requests::create(conn, &ctx, input))
        .await?;
    Ok(created(
        r.version,
        format!("/api/v1/service-requests/{}", r.id),
        &r,
    ))
}

#[utoipa::path(get, path = "/api/v1/service-requests/{id}", tag = "instruments",
    params(("id" = ServiceRequestId, Path)),
    responses((status = 200, body = ServiceRequest), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_service_request(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ServiceRequestId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_service_request, &state).await?;
    let r = state
        .db(move |conn| service_requests::get(conn, &ctx, id))
        .await?;
    Ok(versioned(r.version, &r))
}

/// Declines an open request, with the reason the customer reads. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/decline", tag = "instruments",
    params(IfMatchHeader, ("id" = ServiceRequestId, Path)), request_body = Reason,
    responses((status = 200, body = ServiceRequest), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem),
        (status = 428, body = Problem)),
    security(("bearer" = [])))]
pub async fn decline_service_request(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ServiceRequestId>,
    if_match: IfMatch,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::decline_service_request, &state).await?;
    let reason = body.into_inner()?.reason;
    let r = state
        .db(move |conn| service_requests::decline(conn, &ctx, id, if_match.0, &reason))
        .await?;
    Ok(versioned(r.version, &r))
}
