//! Document control (ISO/IEC 17025 §8.3): the quality manual, procedures, forms and other
//! controlled documents, each code with numbered versions: drafted, approved with an effective
//! date (which makes the previously approved version obsolete), or marked obsolete. Calibration
//! procedures are controlled documents too: they keep their own workflow (`/api/v1/procedures`)
//! and are listed here with kind `calibration_procedure`.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::{change_versioned, optional_text, required_text, Ctx, Page, PageRequest};
use crate::db::models::Procedure;
use crate::db::quality_models::ControlledDocument;
use crate::db::schema::{controlled_documents, procedures};
use crate::db::UtcTime;
use crate::db::{write_tx, DbConn, DocumentId, UserId};
use crate::domain::calibration::ProcedureStatus;
use crate::domain::quality::{DocumentKind, DocumentStatus};
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocument {
    /// e.g. `STCL` (the quality manual) or `BM-01`; a code in use gets its next version.
    pub code: String,
    pub title: String,
    pub kind: DocumentKind,
    /// Where the controlled copy is kept (a path, a URL, a binder).
    pub location: Option<String>,
    pub change_summary: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveDocument {
    pub effective_on: NaiveDate,
}

/// One controlled document version, of either register.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub code: String,
    pub doc_version: i32,
    pub title: String,
    /// A `DocumentKind`, or `calibration_procedure`.
    pub kind: String,
    /// `draft`, `approved` or `obsolete` (a withdrawn procedure is obsolete).
    pub status: String,
    pub location: Option<String>,
    pub change_summary: Option<String>,
    pub effective_on: Option<NaiveDate>,
    pub approved_by: Option<UserId>,
    pub approved_at: Option<UtcTime>,
    pub obsolete_on: Option<NaiveDate>,
    pub obsolete_reason: Option<String>,
    pub version: i32,
}

fn of_document(d: ControlledDocument) -> DocumentView {
    DocumentView {
        id: d.id.to_string(),
        code: d.code,
        doc_version: d.doc_version,
        title: d.title,
        kind: d.kind.to_string(),
        status: d.status.to_string(),
        location: d.location,
        change_summary: d.change_summary,
        effective_on: d.effective_on,
        approved_by: d.approved_by,
        approved_at: d.approved_at,
        obsolete_on: d.obsolete_on,
        obsolete_reason: d.obsolete_reason,
        version: d.version,
    }
}

fn of_procedure(p: Procedure) -> DocumentView {
    DocumentView {
        id: p.id.to_string(),
        code: p.code,
        doc_version: p.procedure_version,
        title: p.title,
        kind: "calibration_procedure".into(),
        status: match p.status {
            ProcedureStatus::Draft => "draft",
            ProcedureStatus::Approved => "approved",
            ProcedureStatus::Withdrawn => "obsolete",
        }
        .into(),
        location: Some(format!("/api/v1/procedures/{}", p.id)),
        change_summary: None,
        effective_on: Some(p.effective_on),
        approved_by: p.approved_by,
        approved_at: p.approved_at,
        obsolete_on: None,
        obsolete_reason: None,
        version: p.version,
    }
}

/// The whole register, both kinds, by code and version. A lab has hundreds of documents, not
/// millions: the list is assembled in memory and paged by (code, version).
pub fn all(conn: &mut DbConn) -> AppResult<Vec<DocumentView>> {
    let mut docs: Vec<DocumentView> = controlled_documents::table
        .select(ControlledDocument::as_select())
        .load(conn)?
        .into_iter()
        .map(of_document)
        .collect();
    docs.extend(
        procedures::table
            .load::<Procedure>(conn)?
            .into_iter()
            .map(of_procedure),
    );
    docs.sort_by(|a, b| (&a.code, a.doc_version).cmp(&(&b.code, b.doc_version)));
    Ok(docs)
}

#[derive(Debug, Default, Clone)]
pub struct DocumentFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
}

pub fn list(
    conn: &mut DbConn,
    filter: &DocumentFilter,
    page: &PageRequest,
) -> AppResult<Page<DocumentView>> {
    let after = page.after()?;
    let key = |d: &DocumentView| format!("{}\u{1f}{:08}", d.code, d.doc_version);
    let docs: Vec<DocumentView> = all(conn)?
        .into_iter()
        .filter(|d| filter.status.as_ref().is_none_or(|s| &d.status == s))
        .filter(|d| filter.kind.as_ref().is_none_or(|k| &d.kind == k))
        .filter(|d| after.as_ref().is_none_or(|a| &key(d) > a))
        .take(page.limit()? as usize + 1)
        .collect();
    page.page(docs, key)
}

pub fn find(conn: &mut DbConn, id: DocumentId) -> AppResult<ControlledDocument> {
    controlled_documents::table
        .find(id)
        .select(ControlledDocument::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("document"))
}

/// A document by id, or a calibration procedure by its id.
pub fn get(conn: &mut DbConn, id: &str) -> AppResult<DocumentView> {
    if let Ok(doc_id) = id.parse::<DocumentId>() {
        if let Some(d) = controlled_documents::table
            .find(doc_id)
            .select(ControlledDocument::as_select())
            .first(conn)
            .optional()?
        {
            return Ok(of_document(d));
        }
    }
    let pid: crate::db::ProcedureId = id.parse().map_err(|_| AppError::NotFound("document"))?;
    procedures::table
        .find(pid)
        .first::<Procedure>(conn)
        .optional()?
        .map(of_procedure)
        .ok_or(AppError::NotFound("document"))
}

/// Drafts a document, or the next version of a code in use (one draft at a time).
pub fn create(conn: &mut DbConn, ctx: &Ctx, input: CreateDocument) -> AppResult<DocumentView> {
    let mut errors = Vec::new();
    let code = required_text("code", &input.code, &mut errors);
    let title = required_text("title", &input.title, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id = write_tx(conn, |conn| {
        if procedures::table
            .filter(procedures::code.eq(&code))
            .count()
            .get_result::<i64>(conn)?
            > 0
        {
            return Err(AppError::Conflict(format!(
                "{code} is a calibration procedure: its versions are drafted at /api/v1/procedures"
            )));
        }
        let versions: Vec<(i32, DocumentStatus)> = controlled_documents::table
            .filter(controlled_documents::code.eq(&code))
            .select((
                controlled_documents::doc_version,
                controlled_documents::status,
            ))
            .load(conn)?;
        if versions.iter().any(|(_, s)| *s == DocumentStatus::Draft) {
            return Err(AppError::Conflict(format!(
                "{code} already has a draft: edit or approve it first"
            )));
        }
        let at = ctx.now();
        let row = ControlledDocument {
            id: DocumentId::new(),
            code: code.clone(),
            doc_version: versions.iter().map(|v| v.0).max().unwrap_or(0) + 1,
            title,
            kind: input.kind,
            status: DocumentStatus::Draft,
            location: optional_text(input.location),
            change_summary: optional_text(input.change_summary),
            effective_on: None,
            approved_by: None,
            approved_at: None,
            obsolete_on: None,
            obsolete_reason: None,
            created_by: ctx.user_id,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(controlled_documents::table)
            .values(&row)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "document",
                entity_id: Some(row.id.to_string()),
                after: audit_trail::snapshot(&row),
                ..Default::default()
            },
        )?;
        Ok(row.id)
    })?;
    Ok(of_document(find(conn, id)?))
}

/// Approves a draft from its effective date; the version it replaces becomes obsolete that day.
pub fn approve(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: DocumentId,
    expected: Option<i32>,
    input: ApproveDocument,
) -> AppResult<DocumentView> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let after = change_versioned(
            conn,
            ctx,
            before,
            expected,
            "approve",
            None,
            |conn, before| {
                if before.status != DocumentStatus::Draft {
                    return Err(AppError::Conflict(format!(
                        "this document version is {}: only a draft is approved",
                        before.status
                    )));
                }
                if ctx.user_id.is_some() && ctx.user_id == before.created_by {
                    // Review and approval by someone other than the author (§8.3.2 a).
                    return Err(AppError::Forbidden(
                        "you drafted this version: another quality manager must approve it".into(),
                    ));
                }
                let at = ctx.now();
                let replaced: Vec<ControlledDocument> = controlled_documents::table
                    .filter(controlled_documents::code.eq(&before.code))
                    .filter(controlled_documents::status.eq(DocumentStatus::Approved))
                    .select(ControlledDocument::as_select())
                    .load(conn)?;
                for old in &replaced {
                    diesel::update(controlled_documents::table.find(old.id))
                        .set((
                            controlled_documents::status.eq(DocumentStatus::Obsolete),
                            controlled_documents::obsolete_on.eq(input.effective_on),
                            controlled_documents::obsolete_reason
                                .eq(format!("replaced by version {}", before.doc_version)),
                            controlled_documents::version.eq(old.version + 1),
                            controlled_documents::updated_at.eq(at),
                        ))
                        .execute(conn)?;
                    audit_trail::record(
                        conn,
                        ctx,
                        Change {
                            action: "obsolete",
                            entity_type: "document",
                            entity_id: Some(old.id.to_string()),
                            before: audit_trail::snapshot(old),
                            reason: Some("replaced by a new version"),
                            ..Default::default()
                        },
                    )?;
                }
                diesel::update(controlled_documents::table.find(id))
                    .set((
                        controlled_documents::status.eq(DocumentStatus::Approved),
                        controlled_documents::effective_on.eq(input.effective_on),
                        controlled_documents::approved_by.eq(ctx.user_id),
                        controlled_documents::approved_at.eq(at),
                        controlled_documents::version.eq(before.version + 1),
                        controlled_documents::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                find(conn, id)
            },
        )?;
        Ok(of_document(after))
    })
}

/// Marks an approved version obsolete (withdrawn without a successor), with the reason.
pub fn obsolete(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: DocumentId,
    expected: Option<i32>,
    reason: &str,
) -> AppResult<DocumentView> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            "say why the document is withdrawn",
        ));
    }
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let after = change_versioned(
            conn,
            ctx,
            before,
            expected,
            "obsolete",
            Some(reason),
            |conn, before| {
                if before.status != DocumentStatus::Approved {
                    return Err(AppError::Conflict(format!(
                        "this document version is {}: only an approved one is made obsolete",
                        before.status
                    )));
                }
                let at = ctx.now();
                diesel::update(controlled_documents::table.find(id))
                    .set((
                        controlled_documents::status.eq(DocumentStatus::Obsolete),
                        controlled_documents::obsolete_on.eq(ctx.today()),
                        controlled_documents::obsolete_reason.eq(reason),
                        controlled_documents::version.eq(before.version + 1),
                        controlled_documents::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                find(conn, id)
            },
        )?;
        Ok(of_document(after))
    })
}

/// Used by the audit pack: checks a field of a filter.
pub fn check_status_filter(status: Option<&str>) -> AppResult<()> {
    match status {
        None | Some("draft" | "approved" | "obsolete") => Ok(()),
        Some(_) => Err(AppError::Validation(vec![FieldError::new(
            "status",
            "one of draft, approved, obsolete",
        )])),
    }
}
