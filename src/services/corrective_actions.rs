//! Corrective actions (ISO/IEC 17025 §8.7): the problem, its root cause, actions with owners and
//! due dates, and the review of their effectiveness; raised from a nonconformity, a complaint or
//! an audit finding. `open -> implemented -> closed` (or back to open when not effective).

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::{change_versioned, optional_text, required_text, Ctx, Page, PageRequest};
pub use crate::db::quality_models::ActionStep;
use crate::db::quality_models::CorrectiveAction;
use crate::db::schema::{complaints, corrective_actions, findings, nonconformities, users};
use crate::db::{take_sequence, write_tx, CorrectiveActionId, DbConn, UserId};
use crate::domain::quality::{check_move, CaSource, CaStatus, CA_MOVES};
use crate::domain::Role;
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCorrectiveAction {
    pub source: CaSource,
    /// The nonconformity, complaint or audit finding it answers (required unless `other`).
    pub source_id: Option<String>,
    pub problem: String,
    pub root_cause: Option<String>,
    pub owner_id: UserId,
    pub actions: Vec<ActionStep>,
}

/// Changes while open: the root cause and the plan (replaced as a whole, e.g. to mark done).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCorrectiveAction {
    pub root_cause: Option<String>,
    pub actions: Option<Vec<ActionStep>>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EffectivenessReview {
    pub review: String,
    /// Effective closes the action; not effective sends it back to open.
    pub effective: bool,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CorrectiveActionView {
    #[serde(flatten)]
    pub action: CorrectiveAction,
    pub overdue: bool,
}

pub fn view_of(action: CorrectiveAction, today: NaiveDate) -> CorrectiveActionView {
    CorrectiveActionView {
        overdue: action.status != CaStatus::Closed && action.due_on < today,
        action,
    }
}

fn is_staff(conn: &mut DbConn, id: UserId) -> AppResult<bool> {
    Ok(users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .filter(users::role.ne(Role::Customer))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

fn check_steps(
    conn: &mut DbConn,
    field: &str,
    steps: &[ActionStep],
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    if steps.is_empty() {
        errors.push(FieldError::new(field, "give at least one action"));
    }
    for (i, s) in steps.iter().enumerate() {
        if s.description.trim().is_empty() {
            errors.push(FieldError::new(
                format!("{field}[{i}].description"),
                "must not be empty",
            ));
        }
        if !is_staff(conn, s.owner_id)? {
            errors.push(FieldError::new(
                format!("{field}[{i}].owner_id"),
                "no such staff member",
            ));
        }
    }
    Ok(())
}

fn due_of(steps: &[ActionStep], today: NaiveDate) -> NaiveDate {
    let pending: Vec<NaiveDate> = steps
        .iter()
        .filter(|s| s.done_on.is_none())
        .map(|s| s.due_on)
        .collect();
    pending
        .iter()
        .min()
        .or_else(|| steps.iter().map(|s| &s.due_on).max())
        .copied()
        .unwrap_or(today)
}

pub fn find(conn: &mut DbConn, id: CorrectiveActionId) -> AppResult<CorrectiveAction> {
    corrective_actions::table
        .find(id)
        .select(CorrectiveAction::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("corrective action"))
}

pub fn get(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CorrectiveActionId,
) -> AppResult<CorrectiveActionView> {
    Ok(view_of(find(conn, id)?, ctx.today()))
}

#[derive(Debug, Default, Clone)]
pub struct CaFilter {
    pub status: Option<CaStatus>,
    pub source_id: Option<String>,
    pub overdue: Option<bool>,
}

pub fn list(
    conn: &mut DbConn,
    ctx: &Ctx,
    filter: &CaFilter,
    page: &PageRequest,
) -> AppResult<Page<CorrectiveActionView>> {
    let mut query = corrective_actions::table
        .select(CorrectiveAction::as_select())
        .into_boxed();
    if let Some(s) = filter.status {
        query = query.filter(corrective_actions::status.eq(s));
    }
    if let Some(s) = &filter.source_id {
        query = query.filter(corrective_actions::source_id.eq(s.clone()));
    }
    if filter.overdue == Some(true) {
        query = query
            .filter(corrective_actions::status.ne(CaStatus::Closed))
            .filter(corrective_actions::due_on.lt(ctx.today()));
    }
    if let Some(after) = page.after_as::<CorrectiveActionId>()? {
        query = query.filter(corrective_actions::id.gt(after));
    }
    let rows = query
        .order(corrective_actions::id.asc())
        .limit(page.limit()? + 1)
        .load(conn)?;
    let page = page.page(rows, |c| c.id.to_string())?;
    let today = ctx.today();
    Ok(Page {
        items: page.items.into_iter().map(|c| view_of(c, today)).collect(),
        next_cursor: page.next_cursor,
    })
}

pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: CreateCorrectiveAction,
) -> AppResult<CorrectiveActionView> {
    let mut errors = Vec::new();
    let problem = required_text("problem", &input.problem, &mut errors);
    let source_id = optional_text(input.source_id);
    let finding_id = match (input.source, &source_id) {
        (CaSource::Other, _) => None,
        (_, None) => {
            errors.push(FieldError::new(
                "source_id",
                "name the nonconformity, complaint or finding it answers",
            ));
            None
        }
        (source, Some(id)) => {
            let exists = match source {
                CaSource::Nonconformity => nonconformities::table
                    .filter(nonconformities::id.eq(id))
                    .count()
                    .get_result::<i64>(conn)?,
                CaSource::Complaint => complaints::table
                    .filter(complaints::id.eq(id))
                    .count()
                    .get_result::<i64>(conn)?,
                CaSource::AuditFinding => findings::table
                    .filter(findings::id.eq(id))
                    .count()
                    .get_result::<i64>(conn)?,
                CaSource::Other => 1,
            };
            if exists == 0 {
                errors.push(FieldError::new(
                    "source_id",
                    format!("no such {}", input.source.as_str().replace('_', " ")),
                ));
            }
            (source == CaSource::AuditFinding).then(|| id.clone())
        }
    };
    if !is_staff(conn, input.owner_id)? {
        errors.push(FieldError::new("owner_id", "no such staff member"));
    }
    check_steps(conn, "actions", &input.actions, &mut errors)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let today = ctx.today();
    let id = write_tx(conn, |conn| {
        let year = today.year();
        let seq = take_sequence(conn, &format!("corrective-action-{year}"), 1)?;
        let at = ctx.now();
        let row = CorrectiveAction {
            id: CorrectiveActionId::new(),
            number: format!("CA-{year}-{seq:03}"),
            source: input.source,
            source_id,
            problem,
            root_cause: optional_text(input.root_cause),
            actions: serde_json::to_string(&input.actions).map_err(AppError::internal)?,
            owner_id: input.owner_id,
            due_on: due_of(&input.actions, ctx.today()),
            status: CaStatus::Open,
            effectiveness_review: None,
            effective: None,
            reviewed_by: None,
            reviewed_at: None,
            raised_by: ctx.user_id,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(corrective_actions::table)
            .values(&row)
            .execute(conn)?;
        if let Some(finding) = finding_id {
            diesel::update(findings::table.filter(findings::id.eq(finding)))
                .set(findings::corrective_action_id.eq(row.id))
                .execute(conn)?;
        }
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "corrective_action",
                entity_id: Some(row.id.to_string()),
                after: audit_trail::snapshot(&row),
                ..Default::default()
            },
        )?;
        Ok(row.id)
    })?;
    get(conn, ctx, id)
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CorrectiveActionId,
    expected: Option<i32>,
    input: UpdateCorrectiveAction,
) -> AppResult<CorrectiveActionView> {
    let mut errors = Vec::new();
    if let Some(steps) = &input.actions {
        check_steps(conn, "actions", steps, &mut errors)?;
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected,
            "update",
            None,
            |conn, before| {
                if before.status != CaStatus::Open {
                    return Err(AppError::Conflict(format!(
                        "this corrective action is {}: only an open one is edited",
                        before.status
                    )));
                }
                let actions = match &input.actions {
                    Some(a) => serde_json::to_string(a).map_err(AppError::internal)?,
                    None => before.actions.clone(),
                };
                let due = match &input.actions {
                    Some(a) => due_of(a, ctx.today()),
                    None => before.due_on,
                };
                let root_cause = match &input.root_cause {
                    Some(r) => optional_text(Some(r.clone())),
                    None => before.root_cause.clone(),
                };
                diesel::update(corrective_actions::table.find(id))
                    .set((
                        corrective_actions::root_cause.eq(root_cause),
                        corrective_actions::actions.eq(actions),
                        corrective_actions::due_on.eq(due),
                        corrective_actions::version.eq(before.version + 1),
                        corrective_actions::updated_at.eq(ctx.now()),
                    ))
                    .execute(conn)?;
                find(conn, before.id)
            },
        )?;
        Ok(())
    })?;
    get(conn, ctx, id)
}

/// `open -> implemented`: the root cause is known and every action is done.
pub fn implement(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CorrectiveActionId,
    expected: Option<i32>,
) -> AppResult<CorrectiveActionView> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected,
            "implement",
            None,
            |conn, before| {
                check_move(
                    "corrective action",
                    CA_MOVES,
                    before.status,
                    CaStatus::Implemented,
                )
                .map_err(AppError::Conflict)?;
                let steps: Vec<ActionStep> =
                    serde_json::from_str(&before.actions).map_err(AppError::internal)?;
                let mut errors = Vec::new();
                if before.root_cause.is_none() {
                    errors.push(FieldError::new(
                        "root_cause",
                        "record the root cause before implementing",
                    ));
                }
                for (i, s) in steps.iter().enumerate() {
                    if s.done_on.is_none() {
                        errors.push(FieldError::new(
                            format!("actions[{i}].done_on"),
                            "this action is not done yet",
                        ));
                    }
                }
                if !errors.is_empty() {
                    return Err(AppError::Validation(errors));
                }
                diesel::update(corrective_actions::table.find(id))
                    .set((
                        corrective_actions::status.eq(CaStatus::Implemented),
                        corrective_actions::version.eq(before.version + 1),
                        corrective_actions::updated_at.eq(ctx.now()),
                    ))
                    .execute(conn)?;
                find(conn, before.id)
            },
        )?;
        Ok(())
    })?;
    get(conn, ctx, id)
}

/// The effectiveness review: effective closes it, not effective reopens it.
pub fn review(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CorrectiveActionId,
    expected: Option<i32>,
    input: EffectivenessReview,
) -> AppResult<CorrectiveActionView> {
    let text = input.review.trim().to_string();
    if text.is_empty() {
        return Err(AppError::field(
            "review",
            "describe how effectiveness was checked",
        ));
    }
    let to = if input.effective {
        CaStatus::Closed
    } else {
        CaStatus::Open
    };
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected,
            "review_effectiveness",
            Some(&text),
            |conn, before| {
                check_move("corrective action", CA_MOVES, before.status, to)
                    .map_err(AppError::Conflict)?;
                let at = ctx.now();
                diesel::update(corrective_actions::table.find(id))
                    .set((
                        corrective_actions::status.eq(to),
                        corrective_actions::effectiveness_review.eq(&text),
                        corrective_actions::effective.eq(i32::from(input.effective)),
                        corrective_actions::reviewed_by.eq(ctx.user_id),
                        corrective_actions::reviewed_at.eq(at),
                        corrective_actions::version.eq(before.version + 1),
                        corrective_actions::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                find(conn, before.id)
            },
        )?;
        Ok(())
    })?;
    get(conn, ctx, id)
}
