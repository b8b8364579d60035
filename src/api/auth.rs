//! Sign-in, token refresh, sign-out and password change.

use actix_web::{web, HttpRequest, HttpResponse};

use super::authz::Op;
use super::extract::{client_address, request_ctx, Auth, Json};
use super::AppState;
use crate::error::AppResult;
use crate::services::auth::{self as service, TokenPair};
use crate::services::users::{self, UserView};

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// Signs in with e-mail and password.
///
/// Answers a short-lived access token (a JWT to send as `Authorization: Bearer`) and a refresh
/// token. Repeated failures for one account or one client address answer 429 for a while.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = super::problem::Problem),
        (status = 429, body = super::problem::Problem)))]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let ctx = request_ctx(&req)?;
    let address = client_address(&req);
    let LoginRequest { email, password } = body.into_inner()?;
    let email = email.trim().to_lowercase();
    // The password hash is checked between two short uses of a connection, never while holding one.
    let (st, e, a) = (state.clone(), email.clone(), address.clone());
    let user = state
        .db(move |conn| service::begin_login(conn, &st.throttle, &e, &a))
        .await?;
    let matched = web::block(move || {
        let ok = service::password_matches(user.as_ref(), &password);
        user.filter(|_| ok)
    })
    .await
    .map_err(crate::error::AppError::internal)?;
    let st = state.clone();
    let pair = state
        .db(move |conn| {
            let (user, session, refresh) = service::finish_login(
                conn,
                &st.throttle,
                &ctx,
                &email,
                &address,
                matched,
                st.tokens.refresh_ttl,
                "api",
            )?;
            service::pair(&st.tokens, &user, session, refresh)
        })
        .await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Exchanges a refresh token for a new pair; the old refresh token is spent.
///
/// Presenting a spent refresh token again revokes every token of its family.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = super::problem::Problem)))]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let ctx = request_ctx(&req)?;
    let st = state.clone();
    let input = body.into_inner()?;
    let pair = state
        .db(move |conn| service::refresh(conn, &st.tokens, &ctx, &input.refresh_token))
        .await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Ends the session of a refresh token (its whole family).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let ctx = request_ctx(&req)?;
    let input = body.into_inner()?;
    state
        .db(move |conn| service::logout(conn, &ctx, &input.refresh_token))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the caller's password; all the caller's sessions end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 204, description = "Changed"), (status = 422, body = super::problem::Problem)),
    security(("bearer" = [])))]
pub async fn change_password(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::change_password, &state).await?;
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner()?;
    state
        .db(move |conn| service::change_password(conn, &ctx, &current_password, &new_password))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = UserView)), security(("bearer" = [])))]
pub async fn get_me(auth: Auth, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_me, &state).await?;
    let id = ctx
        .user_id
        .ok_or(crate::error::AppError::Unauthenticated("sign in first"))?;
    let me = state.db(move |conn| users::get(conn, id)).await?;
    Ok(super::respond::versioned(me.user.version, &me))
}
