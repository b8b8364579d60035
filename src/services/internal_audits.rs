//! Internal audits (ISO/IEC 17025 §8.8) and management reviews (§8.9): plans, the audit or
//! meeting held, findings tied to clauses with due dates, and their follow-up (a corrective
//! action, then closing the finding). An audit or review closes only when its findings are closed.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::{change_versioned, optional_text, required_text, Ctx, Page, PageRequest};
use crate::db::quality_models::{Finding, InternalAudit, ManagementReview};
use crate::db::schema::{findings, internal_audits, management_reviews, users};
use crate::db::{
    take_sequence, write_tx, DbConn, FindingId, InternalAuditId, ManagementReviewId, UserId,
};
use crate::domain::quality::{
    check_move, AuditStatus, FindingKind, FindingStatus, ReviewStatus, AUDIT_MOVES, REVIEW_MOVES,
};
use crate::domain::Role;
use crate::error::{AppError, AppResult, FieldError};

/// Which record a finding belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Parent {
    Audit(InternalAuditId),
    Review(ManagementReviewId),
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFinding {
    /// The ISO/IEC 17025 clause, e.g. `6.4.7` or `7.10`.
    pub clause: String,
    pub kind: FindingKind,
    pub description: String,
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanAudit {
    pub title: String,
    pub scope: String,
    /// The clauses audited, e.g. `["6.2", "7.10"]`.
    pub clauses: Vec<String>,
    pub planned_on: NaiveDate,
    pub lead_auditor_id: Option<UserId>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformAudit {
    pub performed_on: NaiveDate,
    pub summary: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanReview {
    pub planned_on: NaiveDate,
    pub attendees: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldReview {
    pub held_on: NaiveDate,
    pub attendees: String,
    /// The inputs of §8.9.2 reviewed.
    pub inputs: String,
    /// The decisions and actions of §8.9.3.
    pub outputs: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditView {
    #[serde(flatten)]
    pub audit: AuditFields,
    pub findings: Vec<FindingView>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditFields {
    pub id: InternalAuditId,
    pub number: String,
    pub title: String,
    pub scope: String,
    pub clauses: Vec<String>,
    pub planned_on: NaiveDate,
    pub performed_on: Option<NaiveDate>,
    pub lead_auditor_id: Option<UserId>,
    pub status: AuditStatus,
    pub summary: Option<String>,
    pub version: i32,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    #[serde(flatten)]
    pub review: ManagementReview,
    pub findings: Vec<FindingView>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FindingView {
    #[serde(flatten)]
    pub finding: Finding,
    pub overdue: bool,
}

pub fn finding_view(f: Finding, today: NaiveDate) -> FindingView {
    FindingView {
        overdue: f.status == FindingStatus::Open && f.due_on.is_some_and(|d| d < today),
        finding: f,
    }
}

fn findings_of(conn: &mut DbConn, ctx: &Ctx, parent: Parent) -> AppResult<Vec<FindingView>> {
    let query = findings::table
        .select(Finding::as_select())
        .order(findings::id.asc())
        .into_boxed();
    let query = match parent {
        Parent::Audit(id) => query.filter(findings::audit_id.eq(id)),
        Parent::Review(id) => query.filter(findings::review_id.eq(id)),
    };
    let today = ctx.today();
    Ok(query
        .load(conn)?
        .into_iter()
        .map(|f| finding_view(f, today))
        .collect())
}

fn audit_view(conn: &mut DbConn, ctx: &Ctx, a: InternalAudit) -> AppResult<AuditView> {
    Ok(AuditView {
        findings: findings_of(conn, ctx, Parent::Audit(a.id))?,
        audit: AuditFields {
            clauses: serde_json::from_str(&a.clauses).map_err(AppError::internal)?,
            id: a.id,
            number: a.number,
            title: a.title,
            scope: a.scope,
            planned_on: a.planned_on,
            performed_on: a.performed_on,
            lead_auditor_id: a.lead_auditor_id,
            status: a.status,
            summary: a.summary,
            version: a.version,
        },
    })
}

pub fn find_audit(conn: &mut DbConn, id: InternalAuditId) -> AppResult<InternalAudit> {
    internal_audits::table
        .find(id)
        .select(InternalAudit::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("internal audit"))
}

pub fn get_audit(conn: &mut DbConn, ctx: &Ctx, id: InternalAuditId) -> AppResult<AuditView> {
    let a = find_audit(conn, id)?;
    audit_view(conn, ctx, a)
}

pub fn list_audits(conn: &mut DbConn, ctx: &Ctx, page: &PageRequest) -> AppResult<Page<AuditView>> {
    let mut query = internal_audits::table
        .select(InternalAudit::as_select())
        .into_boxed();
    if let Some(after) = page.after_as::<InternalAuditId>()? {
        query = query.filter(internal_audits::id.gt(after));
    }
    let rows = query
        .order(internal_audits::id.asc())
        .limit(page.limit()? + 1)
        .load(conn)?;
    let page = page.page(rows, |a| a.id.to_string())?;
    let mut items = Vec::new();
    for a in page.items {
        items.push(audit_view(conn, ctx, a)?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

fn valid_clause(clause: &str) -> bool {
    let parts: Vec<&str> = clause.split('.').collect();
    !clause.is_empty()
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts
            .first()
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|n| (4..=8).contains(&n))
}

fn staff_exists(conn: &mut DbConn, id: UserId) -> AppResult<bool> {
    Ok(users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .filter(users::role.ne(Role::Customer))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

fn record(
    conn: &mut DbConn,
    ctx: &Ctx,
    action: &str,
    entity_type: &str,
    id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AppResult<()> {
    audit_trail::record(
        conn,
        ctx,
        Change {
            action,
            entity_type,
            entity_id: Some(id),
            before,
            after,
            ..Default::default()
        },
    )?;
    Ok(())
}

pub fn plan_audit(conn: &mut DbConn, ctx: &Ctx, input: PlanAudit) -> AppResult<AuditView> {
    let mut errors = Vec::new();
    let title = required_text("title", &input.title, &mut errors);
    let scope = required_text("scope", &input.scope, &mut errors);
    if input.clauses.is_empty() {
        errors.push(FieldError::new("clauses", "name at least one clause"));
    }
    for (i, c) in input.clauses.iter().enumerate() {
        if !valid_clause(c.trim()) {
            errors.push(FieldError::new(
                format!("clauses[{i}]"),
                "not an ISO/IEC 17025 clause number (4 to 8, e.g. 6.4.7)",
            ));
        }
    }
    if let Some(a) = input.lead_auditor_id {
        if !staff_exists(conn, a)? {
            errors.push(FieldError::new("lead_auditor_id", "no such staff member"));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let clauses: Vec<String> = input.clauses.iter().map(|c| c.trim().to_string()).collect();
    let id = write_tx(conn, |conn| {
        let year = input.planned_on.year();
        let seq = take_sequence(conn, &format!("internal-audit-{year}"), 1)?;
        let at = ctx.now();
        let row = InternalAudit {
            id: InternalAuditId::new(),
            number: format!("IA-{year}-{seq:02}"),
            title,
            scope,
            clauses: serde_json::to_string(&clauses).map_err(AppError::internal)?,
            planned_on: input.planned_on,
            performed_on: None,
            lead_auditor_id: input.lead_auditor_id,
            status: AuditStatus::Planned,
            summary: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(internal_audits::table)
            .values(&row)
            .execute(conn)?;
        record(
            conn,
            ctx,
            "plan",
            "internal_audit",
            row.id.to_string(),
            None,
            audit_trail::snapshot(&row),
        )?;
        Ok(row.id)
    })?;
    get_audit(conn, ctx, id)
}

fn open_findings(conn: &mut DbConn, parent: Parent) -> AppResult<i64> {
    let query = findings::table
        .filter(findings::status.eq(FindingStatus::Open))
        .count()
        .into_boxed();
    let query = match parent {
        Parent::Audit(id) => query.filter(findings::audit_id.eq(id)),
        Parent::Review(id) => query.filter(findings::review_id.eq(id)),
    };
    Ok(query.get_result(conn)?)
}

/// `planned -> performed` (with the summary) or `performed -> closed` (every finding closed).
pub fn move_audit(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: InternalAuditId,
    expected: Option<i32>,
    to: AuditStatus,
    performed: Option<PerformAudit>,
) -> AppResult<AuditView> {
    write_tx(conn, |conn| {
        let before = find_audit(conn, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected,
            to.as_str(),
            None,
            |conn, before| {
                check_move("internal audit", AUDIT_MOVES, before.status, to)
                    .map_err(AppError::Conflict)?;
                if let Some(p) = &performed {
                    let mut errors = Vec::new();
                    let summary = required_text("summary", &p.summary, &mut errors);
                    if p.performed_on > ctx.today() {
                        errors.push(FieldError::new("performed_on", "must not be in the future"));
                    }
                    if !errors.is_empty() {
                        return Err(AppError::Validation(errors));
                    }
                    diesel::update(internal_audits::table.find(id))
                        .set((
                            internal_audits::performed_on.eq(p.performed_on),
                            internal_audits::summary.eq(summary),
                        ))
                        .execute(conn)?;
                }
                if to == AuditStatus::Closed {
                    let open = open_findings(conn, Parent::Audit(id))?;
                    if open > 0 {
                        return Err(AppError::Conflict(format!(
                            "{open} finding(s) are still open: close them first"
                        )));
                    }
                }
                diesel::update(internal_audits::table.find(id))
                    .set((
                        internal_audits::status.eq(to),
                        internal_audits::version.eq(before.version + 1),
                        internal_audits::updated_at.eq(ctx.now()),
                    ))
                    .execute(conn)?;
                find_audit(conn, id)
            },
        )?;
        Ok(())
    })?;
    get_audit(conn, ctx, id)
}

// ---------------------------------------------------------------------------------------------
// Management reviews

pub fn find_review(conn: &mut DbConn, id: ManagementReviewId) -> AppResult<ManagementReview> {
    management_reviews::table
        .find(id)
        .select(ManagementReview::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("management review"))
}

pub fn get_review(conn: &mut DbConn, ctx: &Ctx, id: ManagementReviewId) -> AppResult<ReviewView> {
    let review = find_review(conn, id)?;
    Ok(ReviewView {
        findings: findings_of(conn, ctx, Parent::Review(id))?,
        review,
    })
}

pub fn list_reviews(
    conn: &mut DbConn,
    ctx: &Ctx,
    page: &PageRequest,
) -> AppResult<Page<ReviewView>> {
    let mut query = management_reviews::table
        .select(ManagementReview::as_select())
        .into_boxed();
    if let Some(after) = page.after_as::<ManagementReviewId>()? {
        query = query.filter(management_reviews::id.gt(after));
    }
    let rows = query
        .order(management_reviews::id.asc())
        .limit(page.limit()? + 1)
        .load(conn)?;
    let page = page.page(rows, |a| a.id.to_string())?;
    let mut items = Vec::new();
    for review in page.items {
        items.push(ReviewView {
            findings: findings_of(conn, ctx, Parent::Review(review.id))?,
            review,
        });
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

pub fn plan_review(conn: &mut DbConn, ctx: &Ctx, input: PlanReview) -> AppResult<ReviewView> {
    let id = write_tx(conn, |conn| {
        let year = input.planned_on.year();
        let seq = take_sequence(conn, &format!("management-review-{year}"), 1)?;
        let at = ctx.now();
        let row = ManagementReview {
            id: ManagementReviewId::new(),
            number: format!("MR-{year}-{seq:02}"),
            planned_on: input.planned_on,
            held_on: None,
            attendees: optional_text(input.attendees),
            inputs: None,
            outputs: None,
            status: ReviewStatus::Planned,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(management_reviews::table)
            .values(&row)
            .execute(conn)?;
        record(
            conn,
            ctx,
            "plan",
            "management_review",
            row.id.to_string(),
            None,
            audit_trail::snapshot(&row),
        )?;
        Ok(row.id)
    })?;
    get_review(conn, ctx, id)
}

pub fn move_review(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: ManagementReviewId,
    expected: Option<i32>,
    to: ReviewStatus,
    held: Option<HoldReview>,
) -> AppResult<ReviewView> {
    write_tx(conn, |conn| {
        let before = find_review(conn, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected,
            to.as_str(),
            None,
            |conn, before| {
                check_move("management review", REVIEW_MOVES, before.status, to)
                    .map_err(AppError::Conflict)?;
                if let Some(h) = &held {
                    let mut errors = Vec::new();
                    let attendees = required_text("attendees", &h.attendees, &mut errors);
                    let inputs = required_text("inputs", &h.inputs, &mut errors);
                    let outputs = required_text("outputs", &h.outputs, &mut errors);
                    if h.held_on > ctx.today() {
                        errors.push(FieldError::new("held_on", "must not be in the future"));
                    }
                    if !errors.is_empty() {
                        return Err(AppError::Validation(errors));
                    }
                    diesel::update(management_reviews::table.find(id))
                        .set((
                            management_reviews::held_on.eq(h.held_on),
                            management_reviews::attendees.eq(attendees),
                            management_reviews::inputs.eq(inputs),
                            management_reviews::outputs.eq(outputs),
                        ))
                        .execute(conn)?;
                }
                if to == ReviewStatus::Closed {
                    let open = open_findings(conn, Parent::Review(id))?;
                    if open > 0 {
                        return Err(AppError::Conflict(format!(
                            "{open} action(s) are still open: close them first"
                        )));
                    }
                }
                diesel::update(management_reviews::table.find(id))
                    .set((
                        management_reviews::status.eq(to),
                        management_reviews::version.eq(before.version + 1),
                        management_reviews::updated_at.eq(ctx.now()),
                    ))
                    .execute(conn)?;
                find_review(conn, id)
            },
        )?;
        Ok(())
    })?;
    get_review(conn, ctx, id)
}

// ---------------------------------------------------------------------------------------------
// Findings

pub fn add_finding(
    conn: &mut DbConn,
    ctx: &Ctx,
    parent: Parent,
    input: CreateFinding,
) -> AppResult<FindingView> {
    let mut errors = Vec::new();
    let clause = input.clause.trim().to_string();
    if !valid_clause(&clause) {
        errors.push(FieldError::new(
            "clause",
            "not an ISO/IEC 17025 clause number (4 to 8, e.g. 6.4.7)",
        ));
    }
    let description = required_text("description", &input.description, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        match parent {
            Parent::Audit(id) => {
                let a = find_audit(conn, id)?;
                if a.status == AuditStatus::Closed {
                    return Err(AppError::Conflict("this internal audit is closed".into()));
                }
            }
            Parent::Review(id) => {
                let r = find_review(conn, id)?;
                if r.status == ReviewStatus::Closed {
                    return Err(AppError::Conflict(
                        "this management review is closed".into(),
                    ));
                }
            }
        }
        let at = ctx.now();
        let row = Finding {
            id: FindingId::new(),
            audit_id: match parent {
                Parent::Audit(id) => Some(id),
                Parent::Review(_) => None,
            },
            review_id: match parent {
                Parent::Review(id) => Some(id),
                Parent::Audit(_) => None,
            },
            clause,
            kind: input.kind,
            description,
            due_on: input.due_on,
            corrective_action_id: None,
            status: FindingStatus::Open,
            closed_at: None,
            created_by: ctx.user_id,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(findings::table)
            .values(&row)
            .execute(conn)?;
        record(
            conn,
            ctx,
            "create",
            "finding",
            row.id.to_string(),
            None,
            audit_trail::snapshot(&row),
        )?;
        Ok(finding_view(row, ctx.today()))
    })
}

/// Closes a finding. A nonconformity finding needs its corrective action first.
pub fn close_finding(
    conn: &mut DbConn,
    ctx: &Ctx,
    parent: Parent,
    id: FindingId,
    expected: Option<i32>,
) -> AppResult<FindingView> {
    write_tx(conn, |conn| {
        let query = findings::table
            .find(id)
            .select(Finding::as_select())
            .into_boxed();
        let query = match parent {
            Parent::Audit(a) => query.filter(findings::audit_id.eq(a)),
            Parent::Review(r) => query.filter(findings::review_id.eq(r)),
        };
        let before: Finding = query
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound("finding"))?;
        let after = change_versioned(
            conn,
            ctx,
            before,
            expected,
            "close",
            None,
            |conn, before| {
                if before.status == FindingStatus::Closed {
                    return Err(AppError::Conflict("this finding is already closed".into()));
                }
                if before.kind == FindingKind::Nonconformity
                    && before.corrective_action_id.is_none()
                {
                    return Err(AppError::Conflict(
                        "a nonconformity finding is closed after its corrective action is raised \
                     (POST /api/v1/corrective-actions with source audit_finding)"
                            .into(),
                    ));
                }
                let at = ctx.now();
                diesel::update(findings::table.find(id))
                    .set((
                        findings::status.eq(FindingStatus::Closed),
                        findings::closed_at.eq(at),
                        findings::version.eq(before.version + 1),
                        findings::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                Ok(findings::table
                    .find(id)
                    .select(Finding::as_select())
                    .first(conn)?)
            },
        )?;
        Ok(finding_view(after, ctx.today()))
    })
}
