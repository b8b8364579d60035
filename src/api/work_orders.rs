//! Work orders: intake of items, their receipt, and each item's status.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{self, created};
use super::AppState;
use crate::db::{CustomerId, WorkOrderId, WorkOrderItemId};
use crate::error::AppResult;
use crate::services::work_orders::{
    self as service, ChangeItemStatus, CreateWorkOrder, WorkOrderView,
};
use crate::services::{Page, PageRequest};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkOrderQuery {
    /// Staff only; a customer user always gets its own.
    pub customer_id: Option<CustomerId>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Work orders, oldest first, with their items.
#[utoipa::path(get, path = "/api/v1/work-orders", tag = "instruments", params(WorkOrderQuery),
    responses((status = 200, body = Page<WorkOrderView>)), security(("bearer" = [])))]
pub async fn list_work_orders(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<WorkOrderQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_work_orders, &state).await?;
    let q = query.into_inner()?;
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let list = state
        .db(move |conn| service::list(conn, &ctx, q.customer_id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Receives a customer's items: each is an instrument already registered for the customer or a new
/// one, with the requested service, points, the agreed decision rule and its condition on receipt.
#[utoipa::path(post, path = "/api/v1/work-orders", tag = "instruments", request_body = CreateWorkOrder,
    responses((status = 201, body = WorkOrderView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_work_order(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateWorkOrder>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_work_order, &state).await?;
    let input = body.into_inner()?;
    let order = state
        .db(move |conn| service::create(conn, &ctx, input))
        .await?;
    Ok(created(
        order.version,
        format!("/api/v1/work-orders/{}", order.id),
        &order,
    ))
}

#[utoipa::path(get, path = "/api/v1/work-orders/{id}", tag = "instruments", params(("id" = WorkOrderId, Path)),
    responses((status = 200, body = WorkOrderView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_work_order(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<WorkOrderId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_work_order, &state).await?;
    let order = state.db(move |conn| service::get(conn, &ctx, id)).await?;
    Ok(HttpResponse::Ok().json(order))
}

/// The intake receipt for the customer: the items and their condition as received.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/receipt.pdf", tag = "instruments", params(("id" = WorkOrderId, Path)),
    responses((status = 200, content_type = "application/pdf", description = "The receipt")), security(("bearer" = [])))]
pub async fn get_work_order_receipt(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<WorkOrderId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_work_order_receipt, &state).await?;
    let (offset, public_url) = (state.clock.offset(), state.public_url.clone());
    let data = state
        .db(move |conn| service::receipt(conn, &ctx, id, offset, &public_url))
        .await?;
    respond::rendered_pdf(
        web::block(move || crate::pdf::render_receipt(&data)).await,
        "receipt.pdf",
    )
}

/// Moves an item along `received → in_calibration → awaiting_approval → approved →
/// certificate_issued → ready_for_return → returned`, or to `on_hold` (back to where it was later)
/// or `cancelled` (then returned), with a reason where one is needed; needs `If-Match` with the
/// item's version. Other moves answer 409 naming the allowed ones.
#[utoipa::path(post, path = "/api/v1/work-orders/{id}/items/{item_id}/status", tag = "instruments",
    params(IfMatchHeader, ("id" = WorkOrderId, Path), ("item_id" = WorkOrderItemId, Path)), request_body = ChangeItemStatus,
    responses((status = 200, body = WorkOrderView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn change_item_status(
    auth: Auth,
    state: web::Data<AppState>,
    Ids((id, item)): Ids<(WorkOrderId, WorkOrderItemId)>,
    if_match: IfMatch,
    body: Json<ChangeItemStatus>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::change_item_status, &state).await?;
    let input = body.into_inner()?;
    let order = state
        .db(move |conn| service::change_item_status(conn, &ctx, id, item, if_match.0, input))
        .await?;
    Ok(HttpResponse::Ok().json(order))
}
