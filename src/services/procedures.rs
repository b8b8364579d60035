//! Calibration procedures as controlled documents (ISO/IEC 17025 §7.2, §8.3): numbered versions,
//! edited only as drafts, approved by a quality manager, withdrawn when replaced. Records freeze the
//! version they used.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::cmc::quantity_exists;
use super::{change_versioned, required_text, Ctx, Page, PageRequest};
use crate::db::models::Procedure;
use crate::db::schema::procedures;
use crate::db::{write_tx, DbConn, ProcedureId};
use crate::domain::calibration::{
    evaluate_point, PointError, PointFacts, ProcedureStatus, ProcedureTemplate,
};
use crate::domain::intake::DecisionRuleKind;
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProcedure {
    /// e.g. `QT-KL-01`; a code already in use gets its next version.
    pub code: String,
    pub title: String,
    /// The quantity (discipline), from `GET /api/v1/quantities`.
    pub quantity: String,
    pub effective_on: NaiveDate,
    pub template: ProcedureTemplate,
}

/// Changes to a draft.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProcedure {
    pub title: Option<String>,
    pub effective_on: Option<NaiveDate>,
    pub template: Option<ProcedureTemplate>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProcedureView {
    #[serde(flatten)]
    pub procedure: Procedure,
    /// The template, read from the stored text.
    #[serde(skip)]
    pub template: ProcedureTemplate,
}

impl ProcedureView {
    fn of(procedure: Procedure) -> AppResult<Self> {
        Ok(ProcedureView {
            template: serde_json::from_str(&procedure.template).map_err(AppError::internal)?,
            procedure,
        })
    }
}

/// A template must be usable: its budget evaluates on plausible data, its limits make sense.
fn check_template(t: &ProcedureTemplate, errors: &mut Vec<FieldError>) {
    if t.budget.inputs.is_empty() {
        errors.push(FieldError::new(
            "template.budget.inputs",
            "the budget needs at least one input",
        ));
        return;
    }
    for (name, limit) in [
        ("temperature", &t.environment.temperature),
        ("humidity", &t.environment.humidity),
        ("pressure", &t.environment.pressure),
    ] {
        // Refused when min > max or either is not a number.
        if limit
            .as_ref()
            .is_some_and(|l| l.min.partial_cmp(&l.max).is_none_or(|o| o.is_gt()))
        {
            errors.push(FieldError::new(
                format!("template.environment.{name}"),
                "min must not be above max",
            ));
        }
    }
    let readings = [1.0, 1.000_1, 0.999_9];
    let probe = PointFacts {
        readings: &readings,
        reference: 1.0,
        decimals: 4,
        reference_uncertainty: Some((0.001, 2.0)),
        resolution: Some(0.000_1),
        environment: [Some(20.0), Some(50.0), Some(1013.25)],
        mpe: None,
        decision_rule: DecisionRuleKind::None,
        guard_band: None,
        cmc: None,
        raise_to_cmc: true,
    };
    if let Err(PointError::Budget(messages)) = evaluate_point(&t.budget, &probe) {
        for m in messages {
            errors.push(FieldError::new("template.budget", m));
        }
    }
}

pub fn find(conn: &mut DbConn, id: ProcedureId) -> AppResult<Procedure> {
    procedures::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("procedure"))
}

pub fn get(conn: &mut DbConn, id: ProcedureId) -> AppResult<ProcedureView> {
    ProcedureView::of(find(conn, id)?)
}

pub fn list(
    conn: &mut DbConn,
    code: Option<&str>,
    status: Option<ProcedureStatus>,
    page: &PageRequest,
) -> AppResult<Page<ProcedureView>> {
    let mut query = procedures::table.into_boxed();
    if let Some(code) = code {
        query = query.filter(procedures::code.eq(code.to_string()));
    }
    if let Some(status) = status {
        query = query.filter(procedures::status.eq(status));
    }
    if let Some(after) = page.after_as::<ProcedureId>()? {
        query = query.filter(procedures::id.gt(after));
    }
    let rows = query
        .order(procedures::id.asc())
        .limit(page.limit()? + 1)
        .load::<Procedure>(conn)?;
    let page = page.page(rows, |p| p.id.to_string())?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(ProcedureView::of)
            .collect::<AppResult<_>>()?,
        next_cursor: page.next_cursor,
    })
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, input: CreateProcedure) -> AppResult<ProcedureView> {
    let mut errors = Vec::new();
    let code = required_text("code", &input.code, &mut errors);
    let title = required_text("title", &input.title, &mut errors);
    check_template(&input.template, &mut errors);
    if !quantity_exists(conn, &input.quantity)? {
        errors.push(FieldError::new(
            "quantity",
            "unknown quantity; see GET /api/v1/quantities",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let template = serde_json::to_string(&input.template).map_err(AppError::internal)?;
    let created = write_tx(conn, |conn| {
        let last: Option<i32> = procedures::table
            .filter(procedures::code.eq(&code))
            .select(diesel::dsl::max(procedures::procedure_version))
            .first(conn)?;
        let at = ctx.now();
        let procedure = Procedure {
            id: ProcedureId::new(),
            code: code.clone(),
            procedure_version: last.unwrap_or(0) + 1,
            title,
            quantity: input.quantity.clone(),
            effective_on: input.effective_on,
            status: ProcedureStatus::Draft,
            template,
            created_by: ctx.user_id,
            approved_by: None,
            approved_at: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(procedures::table)
            .values(&procedure)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "procedure",
                entity_id: Some(procedure.id.to_string()),
                after: audit_trail::snapshot(&procedure),
                ..Default::default()
            },
        )?;
        Ok(procedure)
    })?;
    ProcedureView::of(created)
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: ProcedureId,
    expected_version: Option<i32>,
    input: UpdateProcedure,
) -> AppResult<ProcedureView> {
    let mut errors = Vec::new();
    let title = input
        .title
        .as_deref()
        .map(|t| required_text("title", t, &mut errors));
    if let Some(t) = &input.template {
        check_template(t, &mut errors);
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let template = input
        .template
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(AppError::internal)?;
    let updated = write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let updated = change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            "update",
            None,
            |conn, before| {
                if before.status != ProcedureStatus::Draft {
                    return Err(AppError::Conflict(format!(
                        "version {} is {}; changes go into a new version",
                        before.procedure_version, before.status
                    )));
                }
                Ok(diesel::update(procedures::table.find(id))
                    .set((
                        title.map(|t| procedures::title.eq(t)),
                        input.effective_on.map(|d| procedures::effective_on.eq(d)),
                        template.map(|t| procedures::template.eq(t)),
                        procedures::version.eq(before.version + 1),
                        procedures::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<Procedure>(conn)?)
            },
        )?;
        Ok(updated)
    })?;
    ProcedureView::of(updated)
}

/// Approves a draft; earlier approved versions of the same code are withdrawn in the same step.
pub fn approve(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: ProcedureId,
    expected_version: Option<i32>,
) -> AppResult<ProcedureView> {
    let updated = write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let superseded: i64 = procedures::table
            .filter(procedures::code.eq(&before.code))
            .filter(procedures::status.eq(ProcedureStatus::Approved))
            .count()
            .get_result(conn)?;
        let reason = (superseded > 0)
            .then(|| format!("supersedes the earlier approved version of {}", before.code));
        let updated = change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            "approve",
            reason.as_deref(),
            |conn, before| {
                if before.status != ProcedureStatus::Draft {
                    return Err(AppError::Conflict(format!(
                        "only a draft can be approved; this version is {}",
                        before.status
                    )));
                }
                let at = ctx.now();
                diesel::update(procedures::table)
                    .filter(procedures::code.eq(&before.code))
                    .filter(procedures::status.eq(ProcedureStatus::Approved))
                    .set((
                        procedures::status.eq(ProcedureStatus::Withdrawn),
                        procedures::version.eq(procedures::version + 1),
                        procedures::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                Ok(diesel::update(procedures::table.find(id))
                    .set((
                        procedures::status.eq(ProcedureStatus::Approved),
                        procedures::approved_by.eq(ctx.user_id),
                        procedures::approved_at.eq(at),
                        procedures::version.eq(before.version + 1),
                        procedures::updated_at.eq(at),
                    ))
                    .get_result::<Procedure>(conn)?)
            },
        )?;
        Ok(updated)
    })?;
    ProcedureView::of(updated)
}

pub fn withdraw(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: ProcedureId,
    expected_version: Option<i32>,
    reason: &str,
) -> AppResult<ProcedureView> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "a reason is required"));
    }
    let updated = write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let updated = change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            "withdraw",
            Some(reason),
            |conn, before| {
                if before.status == ProcedureStatus::Withdrawn {
                    return Err(AppError::Conflict("already withdrawn".into()));
                }
                Ok(diesel::update(procedures::table.find(id))
                    .set((
                        procedures::status.eq(ProcedureStatus::Withdrawn),
                        procedures::version.eq(before.version + 1),
                        procedures::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<Procedure>(conn)?)
            },
        )?;
        Ok(updated)
    })?;
    ProcedureView::of(updated)
}
