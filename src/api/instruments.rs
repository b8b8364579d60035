//! Customer instruments: register, search, recall, bulk intake, the customer's export, labels.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Body, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{self, created, versioned};
use super::{AppState, Reason};
use crate::db::{CustomerId, InstrumentId};
use crate::domain::intake::ItemStatus;
use crate::error::{AppError, AppResult};
use crate::services::instruments::{
    self as service, CreateInstrument, HistoryEntry, ImportResult, InstrumentFilter,
    InstrumentView, UpdateInstrument,
};
use crate::services::{Page, PageRequest};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InstrumentQuery {
    /// Part of the lab id, serial number, asset tag, description, manufacturer or model.
    pub q: Option<String>,
    /// Staff only; a customer user always gets its own.
    pub customer_id: Option<CustomerId>,
    pub status: Option<ItemStatus>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Instruments, oldest first. A customer user gets its own register only.
#[utoipa::path(get, path = "/api/v1/instruments", tag = "instruments", params(InstrumentQuery),
    responses((status = 200, body = Page<InstrumentView>)), security(("bearer" = [])))]
pub async fn list_instruments(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<InstrumentQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_instruments, &state).await?;
    let q = query.into_inner()?;
    let filter = InstrumentFilter {
        q: q.q,
        customer_id: q.customer_id,
        status: q.status,
        due_before: None,
    };
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let list = state
        .db(move |conn| service::list(conn, &ctx, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Registers a customer's instrument; the lab id is assigned here.
#[utoipa::path(post, path = "/api/v1/instruments", tag = "instruments", request_body = CreateInstrument,
    responses((status = 201, body = InstrumentView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_instrument(
    auth: Auth,
    state: web::Data<AppState>,
    body: Json<CreateInstrument>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::create_instrument, &state).await?;
    let input = body.into_inner()?;
    let i = state
        .db(move |conn| service::create(conn, &ctx, input))
        .await?;
    Ok(created(
        i.instrument.version,
        format!("/api/v1/instruments/{}", i.instrument.id),
        &i,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Due within this many days (default 30; overdue ones always included).
    pub within_days: Option<i64>,
    /// Staff only; a customer user always gets its own.
    pub customer_id: Option<CustomerId>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Recall: instruments due for recalibration within the window, overdue first.
#[utoipa::path(get, path = "/api/v1/instruments/due", tag = "instruments", params(DueQuery),
    responses((status = 200, body = Page<InstrumentView>)), security(("bearer" = [])))]
pub async fn list_due_instruments(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<DueQuery>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::list_due_instruments, &state).await?;
    let q = query.into_inner()?;
    let within = q.within_days.unwrap_or(30);
    if !(0..=3650).contains(&within) {
        return Err(AppError::field("within_days", "must be from 0 to 3650"));
    }
    let by = ctx.today() + chrono::Duration::days(within);
    let page = PageRequest {
        limit: q.limit,
        cursor: q.cursor,
    };
    let filter = InstrumentFilter {
        customer_id: q.customer_id,
        due_before: Some(by),
        ..Default::default()
    };
    let list = state
        .db(move |conn| service::due(conn, &ctx, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerParam {
    pub customer_id: Option<CustomerId>,
}

/// Imports a customer's instruments from CSV (header row; columns `description` (required),
/// `manufacturer`, `model`, `serial_number`, `asset_tag`, `quantity`, `range_min`, `range_max`,
/// `unit`, `resolution`, `mpe_absolute`, `mpe_relative`, `recalibration_interval_months`,
/// `last_calibrated_on`). All or nothing: every bad row is reported as `line N: column`.
#[utoipa::path(post, path = "/api/v1/instruments/import", tag = "instruments", params(CustomerParam),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportResult), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn import_instruments(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<CustomerParam>,
    body: Body,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::import_instruments, &state).await?;
    let customer = query
        .into_inner()?
        .customer_id
        .ok_or_else(|| AppError::field("customer_id", "is required"))?;
    let result = state
        .db(move |conn| service::import_csv(conn, &ctx, customer, &body.0))
        .await?;
    Ok(HttpResponse::Created().json(result))
}

/// The instrument register as CSV. A customer user gets its own.
#[utoipa::path(get, path = "/api/v1/instruments/export.csv", tag = "instruments", params(CustomerParam),
    responses((status = 200, content_type = "text/csv", description = "The register")), security(("bearer" = [])))]
pub async fn export_instruments(
    auth: Auth,
    state: web::Data<AppState>,
    query: Query<CustomerParam>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::export_instruments, &state).await?;
    let filter = InstrumentFilter {
        customer_id: query.into_inner()?.customer_id,
        ..Default::default()
    };
    let bytes = state
        .db(move |conn| service::export_csv(conn, &ctx, &filter))
        .await?;
    Ok(respond::csv(bytes, "instruments.csv"))
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}", tag = "instruments", params(("id" = InstrumentId, Path)),
    responses((status = 200, body = InstrumentView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_instrument(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InstrumentId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_instrument, &state).await?;
    let i = state.db(move |conn| service::get(conn, &ctx, id)).await?;
    Ok(versioned(i.instrument.version, &i))
}

/// Updates an instrument's description and tolerance; needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/instruments/{id}", tag = "instruments", params(IfMatchHeader, ("id" = InstrumentId, Path)),
    request_body = UpdateInstrument, responses((status = 200, body = InstrumentView), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_instrument(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InstrumentId>,
    if_match: IfMatch,
    body: Json<UpdateInstrument>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::update_instrument, &state).await?;
    let input = body.into_inner()?;
    let i = state
        .db(move |conn| service::update(conn, &ctx, id, if_match.0, input))
        .await?;
    Ok(versioned(i.instrument.version, &i))
}

/// Removes an instrument from the register (logical, with a reason); not while it is in the lab.
#[utoipa::path(delete, path = "/api/v1/instruments/{id}", tag = "instruments", params(IfMatchHeader, ("id" = InstrumentId, Path)),
    request_body = Reason, responses((status = 204, description = "Deleted"), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete_instrument(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InstrumentId>,
    if_match: IfMatch,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::delete_instrument, &state).await?;
    let input = body.into_inner()?;
    state
        .db(move |conn| service::delete(conn, &ctx, id, if_match.0, &input.reason))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every status change of the instrument across its visits.
#[utoipa::path(get, path = "/api/v1/instruments/{id}/history", tag = "instruments", params(("id" = InstrumentId, Path)),
    responses((status = 200, body = Vec<HistoryEntry>)), security(("bearer" = [])))]
pub async fn get_instrument_history(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InstrumentId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_instrument_history, &state).await?;
    let history = state
        .db(move |conn| service::history(conn, &ctx, id))
        .await?;
    Ok(HttpResponse::Ok().json(history))
}

/// The item label (62 × 29 mm): lab id as text and QR code, customer, dates.
#[utoipa::path(get, path = "/api/v1/instruments/{id}/label.pdf", tag = "instruments", params(("id" = InstrumentId, Path)),
    responses((status = 200, content_type = "application/pdf", description = "The label")), security(("bearer" = [])))]
pub async fn get_instrument_label(
    auth: Auth,
    state: web::Data<AppState>,
    Ids(id): Ids<InstrumentId>,
) -> AppResult<HttpResponse> {
    let ctx = auth.require(Op::get_instrument_label, &state).await?;
    let public_url = state.public_url.clone();
    let data = state
        .db(move |conn| service::label(conn, &ctx, id, &public_url))
        .await?;
    respond::rendered_pdf(
        web::block(move || crate::pdf::render_label(&data)).await,
        "label.pdf",
    )
}
