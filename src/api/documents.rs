//! Document control (ISO/IEC 17025 §8.3): controlled documents and their versions.

use actix_web::{web, HttpResponse};

use super::authz::Op;
use super::docs::IfMatchHeader;
use super::extract::{Auth, Ids, IfMatch, Json, Query};
use super::problem::Problem;
use super::respond::{created, versioned};
use super::{page_of, AppState, Reason};
use crate::db::DocumentId;
use crate::error::AppResult;
use crate::services::documents::{
    self, ApproveDocument, CreateDocument, DocumentFilter, DocumentView,
};
use crate::services::Page;

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
    if id.contains('\0') {
        return Err(crate::error::AppError::NotFound("document"));
    }
    let d = state.db(move |conn| documents::get(conn, &id)).await?;
    Ok(versioned(d.version, &d))
}

/// Approves a draft from its effective date (by someone other than its author); the version it
/// replaces becomes obsolete. `If-Match`.
#[utoipa::path(post, path = "/api/v1/documents/{id}/approve", tag = "quality", params(IfMatchHeader, ("id" = DocumentId, Path)),
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
#[utoipa::path(post, path = "/api/v1/documents/{id}/obsolete", tag = "quality", params(IfMatchHeader, ("id" = DocumentId, Path)),
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
