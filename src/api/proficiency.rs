//! Proficiency testing (ISO/IEC 17025 §7.7.2): participations, results and the plan per discipline.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{page_of, AppState};
use crate::db::quality_models::ProficiencyTest;
use crate::db::ProficiencyTestId;
use crate::domain::quality::PtStatus;
use crate::error::{AppError, AppResult};
use crate::services::proficiency::{
    self, DisciplinePlan, PlanParticipation, PtFilter, ReportResult,
};
use crate::services::Page;

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
#[utoipa::path(post, path = "/api/v1/proficiency-tests/{id}/result", tag = "quality", params(IfMatchHeader, ("id" = ProficiencyTestId, Path)),
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
