//! Proficiency testing and interlaboratory comparisons (ISO/IEC 17025 §7.7.2): planned
//! participations per discipline, and results with the assigned value, the lab's result, both
//! expanded uncertainties and En. |En| > 1 opens nonconforming work in the same transaction.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::cmc::quantity_exists;
use super::nonconformities::{self, Affected, NewNc};
use super::{change_versioned, required_text, Ctx, Page, PageRequest};
use crate::db::quality_models::ProficiencyTest;
use crate::db::schema::proficiency_tests;
use crate::db::{write_tx, DbConn, ProficiencyTestId};
use crate::domain::proficiency::{en_number, is_satisfactory};
use crate::domain::quality::{NcSource, PtStatus};
use crate::domain::Decimal;
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanParticipation {
    pub scheme: String,
    pub round: String,
    pub provider: String,
    /// A quantity code.
    pub discipline: String,
    /// The test item, e.g. "1 kg weight, serial 123".
    pub item: String,
    pub planned_on: NaiveDate,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportResult {
    pub unit: String,
    pub assigned_value: Decimal,
    /// Expanded uncertainty of the assigned value.
    pub assigned_uncertainty: Decimal,
    pub lab_result: Decimal,
    /// The lab's expanded uncertainty.
    pub lab_uncertainty: Decimal,
    pub reported_on: NaiveDate,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProficiencyView {
    #[serde(flatten)]
    pub test: ProficiencyTest,
}

pub fn find(conn: &mut DbConn, id: ProficiencyTestId) -> AppResult<ProficiencyTest> {
    proficiency_tests::table
        .find(id)
        .select(ProficiencyTest::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("proficiency test"))
}

#[derive(Debug, Default, Clone)]
pub struct PtFilter {
    pub discipline: Option<String>,
    pub status: Option<PtStatus>,
}

pub fn list(
    conn: &mut DbConn,
    filter: &PtFilter,
    page: &PageRequest,
) -> AppResult<Page<ProficiencyTest>> {
    let mut query = proficiency_tests::table
        .select(ProficiencyTest::as_select())
        .into_boxed();
    if let Some(d) = &filter.discipline {
        query = query.filter(proficiency_tests::discipline.eq(d.clone()));
    }
    if let Some(s) = filter.status {
        query = query.filter(proficiency_tests::status.eq(s));
    }
    if let Some(after) = page.after_as::<ProficiencyTestId>()? {
        query = query.filter(proficiency_tests::id.gt(after));
    }
    let rows = query
        .order(proficiency_tests::id.asc())
        .limit(page.limit()? + 1)
        .load(conn)?;
    page.page(rows, |p| p.id.to_string())
}

pub fn plan(conn: &mut DbConn, ctx: &Ctx, input: PlanParticipation) -> AppResult<ProficiencyTest> {
    let mut errors = Vec::new();
    let scheme = required_text("scheme", &input.scheme, &mut errors);
    let round = required_text("round", &input.round, &mut errors);
    let provider = required_text("provider", &input.provider, &mut errors);
    let item = required_text("item", &input.item, &mut errors);
    let discipline = input.discipline.trim().to_string();
    if !quantity_exists(conn, &discipline)? {
        errors.push(FieldError::new(
            "discipline",
            "not a quantity code from GET /api/v1/quantities",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let at = ctx.now();
    let row = ProficiencyTest {
        id: ProficiencyTestId::new(),
        scheme,
        round,
        provider,
        discipline,
        item,
        planned_on: input.planned_on,
        status: PtStatus::Planned,
        unit: None,
        assigned_value: None,
        assigned_uncertainty: None,
        lab_result: None,
        lab_uncertainty: None,
        en: None,
        satisfactory: None,
        reported_on: None,
        nonconformity_id: None,
        created_by: ctx.user_id,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    write_tx(conn, |conn| {
        let duplicate = proficiency_tests::table
            .filter(proficiency_tests::scheme.eq(&row.scheme))
            .filter(proficiency_tests::round.eq(&row.round))
            .filter(proficiency_tests::item.eq(&row.item))
            .count()
            .get_result::<i64>(conn)?;
        if duplicate > 0 {
            return Err(AppError::Conflict(
                "this scheme, round and item are already planned".into(),
            ));
        }
        diesel::insert_into(proficiency_tests::table)
            .values(&row)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "plan",
                entity_type: "proficiency_test",
                entity_id: Some(row.id.to_string()),
                after: audit_trail::snapshot(&row),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(row)
}

/// Records the result: En = (x_lab − x_ref) / √(U_lab² + U_ref²); |En| > 1 raises a
/// nonconformity in the same transaction.
pub fn report(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: ProficiencyTestId,
    expected: Option<i32>,
    input: ReportResult,
) -> AppResult<ProficiencyTest> {
    let mut errors = Vec::new();
    let unit = required_text("unit", &input.unit, &mut errors);
    for (field, v) in [
        ("assigned_uncertainty", &input.assigned_uncertainty),
        ("lab_uncertainty", &input.lab_uncertainty),
    ] {
        if v.value() < 0.0 {
            errors.push(FieldError::new(field, "must not be negative"));
        }
    }
    if input.reported_on > ctx.today() {
        errors.push(FieldError::new("reported_on", "must not be in the future"));
    }
    let en = en_number(
        input.lab_result.value(),
        input.lab_uncertainty.value(),
        input.assigned_value.value(),
        input.assigned_uncertainty.value(),
    );
    if en.is_none() && errors.is_empty() {
        errors.push(FieldError::new(
            "lab_uncertainty",
            "En is undefined when both uncertainties are zero",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let en = en.unwrap_or_default();
    let satisfactory = is_satisfactory(en);
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let after = change_versioned(
            conn,
            ctx,
            before,
            expected,
            "report_result",
            None,
            |conn, before| {
                if before.status != PtStatus::Planned {
                    return Err(AppError::Conflict(
                        "the result of this participation is already reported".into(),
                    ));
                }
                let nc = if satisfactory {
                    None
                } else {
                    Some(
                    nonconformities::raise(
                        conn,
                        ctx,
                        NewNc {
                            source: NcSource::ProficiencyTest,
                            source_id: Some(id.to_string()),
                            standard_id: None,
                            automatic: true,
                            title: format!(
                                "Unsatisfactory proficiency result: {} round {}",
                                before.scheme, before.round
                            ),
                            description: format!(
                                "{} ({}), item {}: lab {} ± {} {unit}, assigned {} ± {} {unit}, En = {en:.2} (|En| > 1).",
                                before.scheme,
                                before.provider,
                                before.item,
                                input.lab_result,
                                input.lab_uncertainty,
                                input.assigned_value,
                                input.assigned_uncertainty
                            ),
                            affected: Affected::default(),
                            raised_on: input.reported_on,
                        },
                    )?
                    .id,
                )
                };
                diesel::update(proficiency_tests::table.find(id))
                    .set((
                        proficiency_tests::status.eq(PtStatus::Reported),
                        proficiency_tests::unit.eq(&unit),
                        proficiency_tests::assigned_value.eq(input.assigned_value.to_string()),
                        proficiency_tests::assigned_uncertainty
                            .eq(input.assigned_uncertainty.to_string()),
                        proficiency_tests::lab_result.eq(input.lab_result.to_string()),
                        proficiency_tests::lab_uncertainty.eq(input.lab_uncertainty.to_string()),
                        proficiency_tests::en.eq(en),
                        proficiency_tests::satisfactory.eq(i32::from(satisfactory)),
                        proficiency_tests::reported_on.eq(input.reported_on),
                        proficiency_tests::nonconformity_id.eq(nc),
                        proficiency_tests::version.eq(before.version + 1),
                        proficiency_tests::updated_at.eq(ctx.now()),
                    ))
                    .execute(conn)?;
                find(conn, id)
            },
        )?;
        Ok(after)
    })
}

/// A discipline's participations in a year.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DisciplinePlan {
    pub discipline: String,
    pub planned: usize,
    pub reported: usize,
    pub satisfactory: usize,
    pub unsatisfactory: usize,
    /// Planned ones whose date has passed without a result.
    pub overdue: usize,
    pub last_reported_on: Option<NaiveDate>,
    pub participations: Vec<ProficiencyTest>,
}

/// The participation plan of a year, per discipline.
pub fn plan_for_year(conn: &mut DbConn, ctx: &Ctx, year: i32) -> AppResult<Vec<DisciplinePlan>> {
    let start =
        NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| AppError::field("year", "not a year"))?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| AppError::field("year", "not a year"))?;
    let rows = proficiency_tests::table
        .filter(proficiency_tests::planned_on.ge(start))
        .filter(proficiency_tests::planned_on.le(end))
        .order((
            proficiency_tests::discipline.asc(),
            proficiency_tests::planned_on.asc(),
        ))
        .select(ProficiencyTest::as_select())
        .load(conn)?;
    let today = ctx.today();
    let mut by: BTreeMap<String, DisciplinePlan> = BTreeMap::new();
    for p in rows {
        let e = by
            .entry(p.discipline.clone())
            .or_insert_with(|| DisciplinePlan {
                discipline: p.discipline.clone(),
                planned: 0,
                reported: 0,
                satisfactory: 0,
                unsatisfactory: 0,
                overdue: 0,
                last_reported_on: None,
                participations: Vec::new(),
            });
        e.planned += 1;
        if p.status == PtStatus::Reported {
            e.reported += 1;
            if p.satisfactory == Some(1) {
                e.satisfactory += 1;
            } else {
                e.unsatisfactory += 1;
            }
            e.last_reported_on = e.last_reported_on.max(p.reported_on);
        } else if p.planned_on < today {
            e.overdue += 1;
        }
        e.participations.push(p);
    }
    Ok(by.into_values().collect())
}
