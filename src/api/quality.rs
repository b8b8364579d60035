//! The management-system records (ISO/IEC 17025 §6.2, §7.7, §7.9, §7.10, §8.3, §8.7–§8.9):
//! staff and authorizations, nonconformities, corrective actions, complaints, proficiency tests,
//! internal audits, management reviews and controlled documents.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::authz::Op;
use super::extract::{Auth, Body, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{self, created, versioned, Disposition};
use super::standards::FileQuery;
use super::{AppState, PageParams, Reason};
use crate::db::quality_models::{ProficiencyTest, Qualification};
use crate::db::{
    AuthorizationId, ComplaintId, CorrectiveActionId, CustomerId, DocumentId, FindingId,
    InternalAuditId, ManagementReviewId, NonconformityId, ProficiencyTestId, QualificationId,
    StandardId, UserId,
};
use crate::domain::quality::{
    AuditStatus, AuthorizedFunction, CaStatus, ComplaintStatus, NcSource, NcStatus, PtStatus,
    ReviewStatus,
};
use crate::error::{AppError, AppResult};
use crate::services::audits::{
    self, AuditView, CreateFinding, FindingView, HoldReview, Parent, PerformAudit, PlanAudit,
    PlanReview, ReviewView,
};
use crate::services::competence::{
    self, AuthorizationFilter, AuthorizationView, CreateQualification, GrantAuthorization,
    StaffView,
};
use crate::services::complaints::{
    self, ComplaintFilter, ComplaintMove, ComplaintView, CreateComplaint,
};
use crate::services::corrective_actions::{
    self, CaFilter, CorrectiveActionView, CreateCorrectiveAction, EffectivenessReview,
    UpdateCorrectiveAction,
};
use crate::services::documents::{
    self, ApproveDocument, CreateDocument, DocumentFilter, DocumentView,
};
use crate::services::nonconformities::{
    self, CreateNonconformity, Evaluation, NcFilter, NonconformityView, Notes,
};
use crate::services::proficiency::{
    self, DisciplinePlan, PlanParticipation, PtFilter, ReportResult,
};
use crate::services::{Page, PageRequest};

fn page_of(limit: Option<i64>, cursor: Option<String>) -> PageRequest {
    PageRequest { limit, cursor }
}

// ---------------------------------------------------------------------------------------------
// Staff and authorizations (§6.2)

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
    request_body(content = Vec<u8>, content_type = "application/pdf"),
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
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = Problem)),
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
#[utoipa::path(post, path = "/api/v1/authorizations/{id}/revoke", tag = "quality", params(("id" = AuthorizationId, Path)),
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

// ---------------------------------------------------------------------------------------------
// Nonconforming work (§7.10)

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
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/evaluate", tag = "quality", params(("id" = NonconformityId, Path)),
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

/// `evaluated -> actioned`: what was done. `If-Match`.
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/action", tag = "quality", params(("id" = NonconformityId, Path)),
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
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/close", tag = "quality", params(("id" = NonconformityId, Path)),
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

// ---------------------------------------------------------------------------------------------
// Corrective actions (§8.7)

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
        c.version,
        format!("/api/v1/corrective-actions/{}", c.id),
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
    Ok(versioned(c.version, &c))
}

/// The root cause and the action plan (replaced as a whole, e.g. to record `done_on`). `If-Match`.
#[utoipa::path(patch, path = "/api/v1/corrective-actions/{id}", tag = "quality", params(("id" = CorrectiveActionId, Path)),
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
    Ok(versioned(c.version, &c))
}

/// `open -> implemented`: the root cause is recorded and every action is done. `If-Match`.
#[utoipa::path(post, path = "/api/v1/corrective-actions/{id}/implement", tag = "quality", params(("id" = CorrectiveActionId, Path)),
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
    Ok(versioned(c.version, &c))
}

/// The effectiveness review: effective closes the action, not effective reopens it. `If-Match`.
#[utoipa::path(post, path = "/api/v1/corrective-actions/{id}/review", tag = "quality", params(("id" = CorrectiveActionId, Path)),
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
    Ok(versioned(c.version, &c))
}

// ---------------------------------------------------------------------------------------------
// Complaints (§7.9)

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
        c.version,
        format!("/api/v1/complaints/{}", c.id),
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
    Ok(versioned(c.version, &c))
}

/// One step: acknowledged, investigated (with the investigation), answered (with the answer),
/// closed. `If-Match`.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/status", tag = "quality", params(("id" = ComplaintId, Path)),
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
    Ok(versioned(c.version, &c))
}

// ---------------------------------------------------------------------------------------------
// Proficiency testing (§7.7.2)

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PtQuery {
    pub discipline: Option<String>,
    pub status: Option<PtStatus>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/proficiency-tests", tag = "quality", params(PtQuery),
    responses((status = 200, body = Page<ProficiencyTest>)), security(("bearer" = [])))]
pub async fn list_proficiency_tests(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<PtQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_proficiency_tests, &state).await?;
    let q = query.into_inner()?;
    let filter = PtFilter {
        discipline: q.discipline,
        status: q.status,
    };
    let page = page_of(q.limit, q.cursor);
    let list = state
        .db(move |conn| proficiency::list(conn, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Plans a participation (scheme, round, provider, discipline, item, date).
#[utoipa::path(post, path = "/api/v1/proficiency-tests", tag = "quality", request_body = PlanParticipation,
    responses((status = 201, body = ProficiencyTest), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn plan_proficiency_test(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<PlanParticipation>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::plan_proficiency_test, &state).await?;
    let input = body.into_inner()?;
    let p = state
        .db(move |conn| proficiency::plan(conn, &ctx, input))
        .await?;
    Ok(created(
        p.version,
        format!("/api/v1/proficiency-tests/{}", p.id),
        &p,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The current year when absent.
    pub year: Option<i32>,
}

/// The participation plan of a year, per discipline.
#[utoipa::path(get, path = "/api/v1/proficiency-tests/plan", tag = "quality", params(YearQuery),
    responses((status = 200, body = Vec<DisciplinePlan>)), security(("bearer" = [])))]
pub async fn get_proficiency_plan(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<YearQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_proficiency_plan, &state).await?;
    use chrono::Datelike;
    let year = query
        .into_inner()?
        .year
        .unwrap_or_else(|| state.clock.today().year());
    if !(1900..=2999).contains(&year) {
        return Err(AppError::field("year", "must be from 1900 to 2999"));
    }
    let plan = state
        .db(move |conn| proficiency::plan_for_year(conn, &ctx, year))
        .await?;
    Ok(HttpResponse::Ok().json(plan))
}

#[utoipa::path(get, path = "/api/v1/proficiency-tests/{id}", tag = "quality", params(("id" = ProficiencyTestId, Path)),
    responses((status = 200, body = ProficiencyTest), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_proficiency_test(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ProficiencyTestId>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_proficiency_test, &state).await?;
    let p = state.db(move |conn| proficiency::find(conn, id)).await?;
    Ok(versioned(p.version, &p))
}

/// The result: assigned value and its U, the lab's result and its U; En is computed and
/// |En| > 1 opens a nonconformity. `If-Match`.
#[utoipa::path(post, path = "/api/v1/proficiency-tests/{id}/result", tag = "quality", params(("id" = ProficiencyTestId, Path)),
    request_body = ReportResult, responses((status = 200, body = ProficiencyTest), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn report_proficiency_result(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ProficiencyTestId>,
    if_match: IfMatch,
    body: Json<ReportResult>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::report_proficiency_result, &state).await?;
    let input = body.into_inner()?;
    let p = state
        .db(move |conn| proficiency::report(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(p.version, &p))
}

// ---------------------------------------------------------------------------------------------
// Internal audits (§8.8)

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
        .db(move |conn| audits::list_audits(conn, &ctx, &page))
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
        .db(move |conn| audits::plan_audit(conn, &ctx, input))
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
        .db(move |conn| audits::get_audit(conn, &ctx, id))
        .await?;
    Ok(versioned(a.audit.version, &a))
}

/// `planned -> performed`, with the date and the summary. `If-Match`.
#[utoipa::path(post, path = "/api/v1/internal-audits/{id}/perform", tag = "quality", params(("id" = InternalAuditId, Path)),
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
            audits::move_audit(
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
#[utoipa::path(post, path = "/api/v1/internal-audits/{id}/close", tag = "quality", params(("id" = InternalAuditId, Path)),
    responses((status = 200, body = AuditView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn close_internal_audit(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InternalAuditId>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::close_internal_audit, &state).await?;
    let a = state
        .db(move |conn| audits::move_audit(conn, &ctx, id, if_match.0, AuditStatus::Closed, None))
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
        .db(move |conn| audits::add_finding(conn, &ctx, Parent::Audit(id), input))
        .await?;
    Ok(created(
        f.finding.version,
        format!("/api/v1/internal-audits/{id}/findings/{}", f.finding.id),
        &f,
    ))
}

/// Closes a finding (a nonconformity finding needs its corrective action). `If-Match`.
#[utoipa::path(post, path = "/api/v1/internal-audits/{id}/findings/{finding_id}/close", tag = "quality",
    params(("id" = InternalAuditId, Path), ("finding_id" = FindingId, Path)),
    responses((status = 200, body = FindingView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn close_audit_finding(
    auth: Auth,
    state: web::Data<AppState>,
    Ids((id, finding)): Ids<(InternalAuditId, FindingId)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::close_audit_finding, &state).await?;
    let f = state
        .db(move |conn| audits::close_finding(conn, &ctx, Parent::Audit(id), finding, if_match.0))
        .await?;
    Ok(versioned(f.finding.version, &f))
}

// ---------------------------------------------------------------------------------------------
// Management reviews (§8.9)

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
        .db(move |conn| audits::list_reviews(conn, &ctx, &page))
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
        .db(move |conn| audits::plan_review(conn, &ctx, input))
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
        .db(move |conn| audits::get_review(conn, &ctx, id))
        .await?;
    Ok(versioned(r.review.version, &r))
}

/// `planned -> held`, with attendees, inputs and outputs. `If-Match`.
#[utoipa::path(post, path = "/api/v1/management-reviews/{id}/hold", tag = "quality", params(("id" = ManagementReviewId, Path)),
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
            audits::move_review(conn, &ctx, id, if_match.0, ReviewStatus::Held, Some(input))
        })
        .await?;
    Ok(versioned(r.review.version, &r))
}

/// `held -> closed`, once every action is closed. `If-Match`.
#[utoipa::path(post, path = "/api/v1/management-reviews/{id}/close", tag = "quality", params(("id" = ManagementReviewId, Path)),
    responses((status = 200, body = ReviewView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn close_management_review(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<ManagementReviewId>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::close_management_review, &state).await?;
    let r = state
        .db(move |conn| audits::move_review(conn, &ctx, id, if_match.0, ReviewStatus::Closed, None))
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
        .db(move |conn| audits::add_finding(conn, &ctx, Parent::Review(id), input))
        .await?;
    Ok(created(
        f.finding.version,
        format!("/api/v1/management-reviews/{id}/findings/{}", f.finding.id),
        &f,
    ))
}

#[utoipa::path(post, path = "/api/v1/management-reviews/{id}/findings/{finding_id}/close", tag = "quality",
    params(("id" = ManagementReviewId, Path), ("finding_id" = FindingId, Path)),
    responses((status = 200, body = FindingView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn close_review_finding(
    auth: Auth,
    state: web::Data<AppState>,
    Ids((id, finding)): Ids<(ManagementReviewId, FindingId)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::close_review_finding, &state).await?;
    let f = state
        .db(move |conn| audits::close_finding(conn, &ctx, Parent::Review(id), finding, if_match.0))
        .await?;
    Ok(versioned(f.finding.version, &f))
}

// ---------------------------------------------------------------------------------------------
// Document control (§8.3)

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `draft`, `approved` or `obsolete`.
    pub status: Option<String>,
    /// A document kind, or `calibration_procedure`.
    pub kind: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The register of controlled documents, calibration procedures included, by code and version.
#[utoipa::path(get, path = "/api/v1/documents", tag = "quality", params(DocumentQuery),
    responses((status = 200, body = Page<DocumentView>)), security(("bearer" = [])))]
pub async fn list_documents(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<DocumentQuery>,
) -> AppResult<HttpResponse> {
    auth.require(Op::list_documents, &state).await?;
    let q = query.into_inner()?;
    documents::check_status_filter(q.status.as_deref())?;
    let filter = DocumentFilter {
        status: q.status,
        kind: q.kind,
    };
    let page = page_of(q.limit, q.cursor);
    let list = state
        .db(move |conn| documents::list(conn, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Drafts a document, or the next version of a code in use.
#[utoipa::path(post, path = "/api/v1/documents", tag = "quality", request_body = CreateDocument,
    responses((status = 201, body = DocumentView), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_document(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateDocument>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_document, &state).await?;
    let input = body.into_inner()?;
    let d = state
        .db(move |conn| documents::create(conn, &ctx, input))
        .await?;
    Ok(created(
        d.version,
        format!("/api/v1/documents/{}", d.id),
        &d,
    ))
}

/// A controlled document version, or a calibration procedure version by its id.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "quality", params(("id" = DocumentId, Path)),
    responses((status = 200, body = DocumentView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_document(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    auth.require(Op::get_document, &state).await?;
    let id = id.into_inner();
    let d = state.db(move |conn| documents::get(conn, &id)).await?;
    Ok(versioned(d.version, &d))
}

/// Approves a draft from its effective date (by someone other than its author); the version it
/// replaces becomes obsolete. `If-Match`.
#[utoipa::path(post, path = "/api/v1/documents/{id}/approve", tag = "quality", params(("id" = DocumentId, Path)),
    request_body = ApproveDocument, responses((status = 200, body = DocumentView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn approve_document(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<DocumentId>,
    if_match: IfMatch,
    body: Json<ApproveDocument>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::approve_document, &state).await?;
    let input = body.into_inner()?;
    let d = state
        .db(move |conn| documents::approve(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(d.version, &d))
}

/// Marks an approved version obsolete, with the reason. `If-Match`.
#[utoipa::path(post, path = "/api/v1/documents/{id}/obsolete", tag = "quality", params(("id" = DocumentId, Path)),
    request_body = Reason, responses((status = 200, body = DocumentView), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn obsolete_document(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<DocumentId>,
    if_match: IfMatch,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::obsolete_document, &state).await?;
    let reason = body.into_inner()?.reason;
    let d = state
        .db(move |conn| documents::obsolete(conn, &ctx, id, if_match.0, &reason))
        .await?;
    Ok(versioned(d.version, &d))
}
