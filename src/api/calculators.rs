//! The measurement uncertainty calculator and its companions (ISO/IEC 17025 §7.6, §7.7, §7.8.6):
//! GUM budgets with an optional Monte Carlo check, conformity decisions, and En numbers.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::extract::{Auth, Json};
use super::problem::Problem;
use super::AppState;
use crate::domain::conformity::{self, ConformityRequest, ConformityResponse};
use crate::domain::proficiency::{self, EnRequest, EnResponse};
use crate::domain::uncertainty::{self, EvaluateRequest, EvaluateResponse};
use crate::error::{AppError, AppResult};

/// Evaluates an uncertainty budget by the GUM (JCGM 100:2008), optionally checked by Monte Carlo
/// (JCGM 101:2008).
///
/// Inputs are Type A (`readings`, optionally with `pooled_s`/`pooled_dof`) or Type B (`estimate`
/// with `uncertainty`: `normal` from `standard` or `expanded`+`k`, `rectangular`, `triangular` or
/// `arcsine` from `half_width`; `dof` optional). The model is either `model`, an expression over the
/// input names (sensitivities by automatic differentiation), or y = Σ cᵢxᵢ with each input's
/// `sensitivity` (1 by default). `reported` holds U to two significant digits (rounded up unless
/// `rounding` is `nearest`) and y to the same decimal place, as decimal strings. See
/// docs/uncertainty.md.
#[utoipa::path(post, path = "/api/v1/uncertainty/evaluate", tag = "calculators", request_body = EvaluateRequest,
    responses((status = 200, body = EvaluateResponse), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn evaluate_uncertainty(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<EvaluateRequest>,
) -> AppResult<HttpResponse> {
    auth.require(Op::evaluate_uncertainty, &state).await?;
    let request = body.into_inner()?;
    // Up to 10⁷ Monte Carlo trials: keep it off the async workers.
    let result = web::block(move || uncertainty::evaluate(&request))
        .await
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok().json(result.map_err(AppError::Validation)?))
}

/// A conformity decision (ILAC-G8:09/2019, JCGM 106:2012) under simple or guarded acceptance,
/// binary or not, with the probability of conformance.
#[utoipa::path(post, path = "/api/v1/conformity/evaluate", tag = "calculators", request_body = ConformityRequest,
    responses((status = 200, body = ConformityResponse), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn evaluate_conformity(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<ConformityRequest>,
) -> AppResult<HttpResponse> {
    auth.require(Op::evaluate_conformity, &state).await?;
    let request = body.into_inner()?;
    Ok(HttpResponse::Ok().json(conformity::evaluate(&request).map_err(AppError::Validation)?))
}

/// The En number of a proficiency test or comparison (ISO 13528): satisfactory when |En| ≤ 1.
#[utoipa::path(post, path = "/api/v1/proficiency/en", tag = "calculators", request_body = EnRequest,
    responses((status = 200, body = EnResponse), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn compute_en(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<EnRequest>,
) -> AppResult<HttpResponse> {
    auth.require(Op::compute_en, &state).await?;
    let request = body.into_inner()?;
    Ok(HttpResponse::Ok().json(proficiency::evaluate_en(&request).map_err(AppError::Validation)?))
}
