//! Internal audits (ISO/IEC 17025 §8.8) and management reviews (§8.9), with their findings.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{AppState, PageParams};
use crate::db::{FindingId, InternalAuditId, ManagementReviewId};
use crate::domain::quality::{AuditStatus, ReviewStatus};
use crate::error::AppResult;
use crate::services::internal_audits::{
    self, AuditView, CreateFinding, FindingView, HoldReview, Parent, PerformAudit, PlanAudit,
    PlanReview, ReviewView,
};
use crate::services::Page;

#[utoipa::path(get, path = "/api/v1/internal-audits", tag = "quality", params(PageParams),
    responses((status = 200, body = Page<AuditView>)), security(("bearer" = [])))]
pub async fn list_internal_audits(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<PageParams>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_internal_audits, &state).await?;
    let page = query.into_inner()?.request();
    let list = state
        .db(move |conn| internal_audits::list_audits(conn, &ctx, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(post, path = "/api/v1/internal-audits", tag = "quality", request_body = PlanAudit,
    responses((status = 201, body = AuditView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn plan_internal_audit(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<PlanAudit>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::plan_internal_audit, &state).await?;
    let input = body.into_inner()?;
    let a = state
        .db(move |conn| internal_audits::plan_audit(conn, &ctx, input))
        .await?;
    Ok(created(
        a.audit.version,
        format!("/api/v1/internal-audits/{}", a.audit.id),
        &a,
    ))
}

#[utoipa::path(get, path = "/api/v1/internal-audits/{id}", tag = "quality", params(("id" = InternalAuditId, Path)),
    responses((status = 200, body = AuditView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_internal_audit(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InternalAuditId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_internal_audit, &state).await?;
    let a = state
        .db(move |conn| internal_audits::get_audit(conn, &ctx, id))
        .await?;
    Ok(versioned(a.audit.version, &a))
}

/// `planned -> performed`, with the date and the summary. `If-Match`.
#[utoipa::path(post, path = "/api/v1/internal-audits/{id}/perform", tag = "quality", params(IfMatchHeader, ("id" = InternalAuditId, Path)),
    request_body = PerformAudit, responses((status = 200, body = AuditView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn perform_internal_audit(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InternalAuditId>,
    if_match: IfMatch,
    body: Json<PerformAudit>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::perform_internal_audit, &state).await?;
    let input = body.into_inner()?;
    let a = state
        .db(move |conn| {
            internal_audits::move_audit(
                conn,
                &ctx,
                id,
                if_match.0,
                AuditStatus::Performed,
                Some(input),
            )
        })
        .await?;
    Ok(versioned(a.audit.version, &a))
}

/// `performed -> closed`, once every finding is closed. `If-Match`.
#[utoipa::path(post, path = "/api/v1/internal-audits/{id}/close", tag = "quality", params(IfMatchHeader, ("id" = InternalAuditId, Path)),
    responses((status = 200, body = AuditView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn close_internal_audit(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InternalAuditId>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::close_internal_audit, &state).await?;
    let a = state
        .db(move |conn| {
            internal_audits::move_audit(conn, &ctx, id, if_match.0, AuditStatus::Closed, None)
        })
        .await?;
    Ok(versioned(a.audit.version, &a))
}

/// A finding tied to a clause, with its due date.
#[utoipa::path(post, path = "/api/v1/internal-audits/{id}/findings", tag = "quality", params(("id" = InternalAuditId, Path)),
    request_body = CreateFinding, responses((status = 201, body = FindingView), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_audit_finding(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InternalAuditId>,
    body: Json<CreateFinding>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::add_audit_finding, &state).await?;
    let input = body.into_inner()?;
    let f = state
        .db(move |conn| internal_audits::add_finding(conn, &ctx, Parent::Audit(id), input))
        .await?;
    Ok(created(
        f.finding.version,
        format!("/api/v1/internal-audits/{id}/findings/{}", f.finding.id),
        &f,
    ))
}

/// Closes a finding (a nonconformity finding needs its corrective action). `If-Match`.
#[utoipa::path(post, path = "/api/v1/internal-audits/{id}/findings/{finding_id}/close", tag = "quality",
    params(IfMatchHeader, ("id" = InternalAuditId, Path), ("finding_id" = FindingId, Path)),
    responses((status = 200, body = FindingView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn close_audit_finding(
    auth: Auth,
    state: web::Data<AppState>,
    Ids((id, finding)): Ids<(InternalAuditId, FindingId)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::close_audit_finding, &state).await?;
    let f = state
        .db(move |conn| {
            internal_audits::close_finding(conn, &ctx, Parent::Audit(id), finding, if_match.0)
        })
        .await?;
    Ok(versioned(f.finding.version, &f))
}

// Management reviews (§8.9).
#[utoipa::path(get, path = "/api/v1/management-reviews", tag = "quality", params(PageParams),
    responses((status = 200, body = Page<ReviewView>)), security(("bearer" = [])))]
pub async fn list_management_reviews(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<PageParams>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_management_reviews, &state).await?;
    let page = query.into_inner()?.request();
    let list = state
        .db(move |conn| internal_audits::list_reviews(conn, &ctx, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(post, path = "/api/v1/management-reviews", tag = "quality", request_body = PlanReview,
    responses((status = 201, body = ReviewView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn plan_management_review(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<PlanReview>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::plan_management_review, &state).await?;
    let input = body.into_inner()?;
    let r = state
        .db(move |conn| internal_audits::plan_review(conn, &ctx, input))
        .await?;
    Ok(created(
        r.review.version,
        format!("/api/v1/management-reviews/{}", r.review.id),
        &r,
    ))
}

#[utoipa::path(get, path = "/api/v1/management-reviews/{id}", tag = "quality", params(("id" = ManagementReviewId, Path)),
    responses((status = 200, body = ReviewView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_management_review(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ManagementReviewId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_management_review, &state).await?;
    let r = state
        .db(move |conn| internal_audits::get_review(conn, &ctx, id))
        .await?;
    Ok(versioned(r.review.version, &r))
}

/// `planned -> held`, with attendees, inputs and outputs. `If-Match`.
#[utoipa::path(post, path = "/api/v1/management-reviews/{id}/hold", tag = "quality", params(IfMatchHeader, ("id" = ManagementReviewId, Path)),
    request_body = HoldReview, responses((status = 200, body = ReviewView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn hold_management_review(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ManagementReviewId>,
    if_match: IfMatch,
    body: Json<HoldReview>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::hold_management_review, &state).await?;
    let input = body.into_inner()?;
    let r = state
        .db(move |conn| {
            internal_audits::move_review(
                conn,
                &ctx,
                id,
                if_match.0,
                ReviewStatus::Held,
                Some(input),
            )
        })
        .await?;
    Ok(versioned(r.review.version, &r))
}

/// `held -> closed`, once every action is closed. `If-Match`.
#[utoipa::path(post, path = "/api/v1/management-reviews/{id}/close", tag = "quality", params(IfMatchHeader, ("id" = ManagementReviewId, Path)),
    responses((status = 200, body = ReviewView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn close_management_review(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ManagementReviewId>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::close_management_review, &state).await?;
    let r = state
        .db(move |conn| {
            internal_audits::move_review(conn, &ctx, id, if_match.0, ReviewStatus::Closed, None)
        })
        .await?;
    Ok(versioned(r.review.version, &r))
}

/// A decision or action of the review, tied to a clause.
#[utoipa::path(post, path = "/api/v1/management-reviews/{id}/findings", tag = "quality", params(("id" = ManagementReviewId, Path)),
    request_body = CreateFinding, responses((status = 201, body = FindingView), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_review_finding(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ManagementReviewId>,
    body: Json<CreateFinding>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::add_review_finding, &state).await?;
    let input = body.into_inner()?;
    let f = state
        .db(move |conn| internal_audits::add_finding(conn, &ctx, Parent::Review(id), input))
        .await?;
    Ok(created(
        f.finding.version,
        format!("/api/v1/management-reviews/{id}/findings/{}", f.finding.id),
        &f,
    ))
}

#[utoipa::path(post, path = "/api/v1/management-reviews/{id}/findings/{finding_id}/close", tag = "quality",
    params(IfMatchHeader, ("id" = ManagementReviewId, Path), ("finding_id" = FindingId, Path)),
    responses((status = 200, body = FindingView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn close_review_finding(
    auth: Auth,
    state: web::Data<AppState>,
    Ids((id, finding)): Ids<(ManagementReviewId, FindingId)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::close_review_finding, &state).await?;
    let f = state
        .db(move |conn| {
            internal_audits::close_finding(conn, &ctx, Parent::Review(id), finding, if_match.0)
        })
        .await?;
    Ok(versioned(f.finding.version, &f))
}
