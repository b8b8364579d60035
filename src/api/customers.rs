//! Customer organisations: staff manage them, a customer user sees only its own.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{AppState, Reason};
use crate::db::CustomerId;
use crate::error::AppResult;
use crate::services::customers::{self as service, CreateCustomer, CustomerView, UpdateCustomer};
use crate::services::{Page, PageRequest};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Part of the name (any case) or of the tax code.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Lists customers, oldest first. A customer user gets its own organisation only.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(CustomerQuery),
    responses((status = 200, body = Page<CustomerView>)), security(("bearer" = [])))]
pub async fn list_customers(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<CustomerQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_customers, &state).await?;
    let query = query.into_inner()?;
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let list = state
        .db(move |conn| service::list(conn, &ctx, query.q.as_deref(), &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Registers a customer organisation.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CreateCustomer,
    responses((status = 201, body = CustomerView), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_customer(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateCustomer>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_customer, &state).await?;
    let input = body.into_inner()?;
    let customer = state
        .db(move |conn| service::create(conn, &ctx, input))
        .await?;
    Ok(created(
        customer.customer.version,
        format!("/api/v1/customers/{}", customer.customer.id),
        &customer,
    ))
}

/// One customer. Another customer's id answers 404 to a customer user.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = CustomerId, Path)),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_customer(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CustomerId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_customer, &state).await?;
    let customer = state.db(move |conn| service::get(conn, &ctx, id)).await?;
    Ok(versioned(customer.customer.version, &customer))
}

/// Updates a customer; needs `If-Match` with the current version.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", params(IfMatchHeader, ("id" = CustomerId, Path)),
    request_body = UpdateCustomer,
    responses((status = 200, body = CustomerView), (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_customer(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CustomerId>,
    if_match: IfMatch,
    body: Json<UpdateCustomer>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_customer, &state).await?;
    let input = body.into_inner()?;
    let customer = state
        .db(move |conn| service::update(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(customer.customer.version, &customer))
}

/// Removes a customer from use (logical deletion with a reason); needs `If-Match`.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers", params(IfMatchHeader, ("id" = CustomerId, Path)),
    request_body = Reason, responses((status = 204, description = "Deleted"), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_customer(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<CustomerId>,
    if_match: IfMatch,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::delete_customer, &state).await?;
    let input = body.into_inner()?;
    state
        .db(move |conn| service::delete(conn, &ctx, id, if_match.0, &input.reason))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
