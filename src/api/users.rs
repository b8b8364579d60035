//! User accounts, managed by the admin.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{AppState, Reason};
use crate::db::UserId;
use crate::domain::Role;
use crate::error::AppResult;
use crate::services::users::{self as service, CreateUser, UpdateUser, UserView};
use crate::services::{Page, PageRequest};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users with this role.
    pub role: Option<Role>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Lists active users, oldest first.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = Page<UserView>)), security(("bearer" = [])))]
pub async fn list_users(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<UserQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_users, &state).await?;
    let query = query.into_inner()?;
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor,
    };
    let users = state
        .db(move |conn| service::list(conn, query.role, &page))
        .await?;
    Ok(HttpResponse::Ok().json(users))
}

/// Creates a user. A customer user needs `customer_id`.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_user(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateUser>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_user, &state).await?;
    let input = body.into_inner()?;
    let user = state
        .db(move |conn| service::create(conn, &ctx, input))
        .await?;
    Ok(created(
        user.user.version,
        format!("/api/v1/users/{}", user.user.id),
        &user,
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = UserId, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_user(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<UserId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_user, &state).await?;
    let user = state.db(move |conn| service::get(conn, id)).await?;
    Ok(versioned(user.user.version, &user))
}

/// Updates a user; needs `If-Match` with the current version.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(IfMatchHeader, ("id" = UserId, Path)),
    request_body = UpdateUser,
    responses((status = 200, body = UserView), (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_user(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<UserId>,
    if_match: IfMatch,
    body: Json<UpdateUser>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_user, &state).await?;
    let input = body.into_inner()?;
    let user = state
        .db(move |conn| service::update(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(user.user.version, &user))
}

/// Deactivates a user (logical deletion with a reason); needs `If-Match`.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(IfMatchHeader, ("id" = UserId, Path)),
    request_body = Reason, responses((status = 204, description = "Deactivated"), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_user(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<UserId>,
    if_match: IfMatch,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::delete_user, &state).await?;
    let input = body.into_inner()?;
    state
        .db(move |conn| service::delete(conn, &ctx, id, if_match.0, &input.reason))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
