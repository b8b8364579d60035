//! Intermediate checks (ISO/IEC 17025 §6.4.10): a failed check quarantines the standard.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::models::IntermediateCheck;
use crate::db::schema::intermediate_checks;
use crate::db::{write_tx, DbConn, IntermediateCheckId, StandardId};
use crate::domain::traceability::StandardStatus;
use crate::domain::Decimal;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::audit_trail::{self, Change};
use crate::services::{optional_text, required_text, Ctx};

use super::*;

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordCheck {
    pub checked_on: NaiveDate,
    pub reference_value: Decimal,
    pub measured_value: Decimal,
    /// Acceptance limits on the deviation measured − reference, e.g. "-0.005" and "0.005".
    pub lower_limit: Decimal,
    pub upper_limit: Decimal,
    pub unit: String,
    pub notes: Option<String>,
}

pub fn record_check(
    conn: &mut DbConn,
    ctx: &Ctx,
    standard_id: StandardId,
    input: RecordCheck,
) -> AppResult<IntermediateCheck> {
    let mut errors = Vec::new();
    if input.lower_limit.value() > input.upper_limit.value() {
        errors.push(FieldError::new(
            "upper_limit",
            "must not be below lower_limit",
        ));
    }
    if input.checked_on > ctx.today() {
        errors.push(FieldError::new("checked_on", "must not be in the future"));
    }
    let unit = required_text("unit", &input.unit, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let deviation = input.measured_value.value() - input.reference_value.value();
    // Compared with a relative tolerance so a deviation printed exactly at a limit is inside it.
    let eps = 1e-12 * input.reference_value.value().abs().max(1.0);
    let passed = deviation >= input.lower_limit.value() - eps
        && deviation <= input.upper_limit.value() + eps;
    let check = IntermediateCheck {
        id: IntermediateCheckId::new(),
        standard_id,
        checked_on: input.checked_on,
        reference_value: input.reference_value.to_string(),
        measured_value: input.measured_value.to_string(),
        lower_limit: input.lower_limit.to_string(),
        upper_limit: input.upper_limit.to_string(),
        unit,
        result: if passed { "pass" } else { "fail" }.into(),
        notes: optional_text(input.notes),
        performed_by: ctx.user_id,
        recorded_at: ctx.now(),
    };
    write_tx(conn, |conn| {
        let standard = find(conn, standard_id)?;
        crate::services::competence::require_ctx(
            conn,
            ctx,
            crate::domain::quality::AuthorizedFunction::PerformIntermediateChecks,
            None,
            &standard.quantity,
            check.checked_on,
        )?;
        diesel::insert_into(intermediate_checks::table)
            .values(&check)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "record_intermediate_check",
                entity_type: "standard",
                entity_id: Some(standard_id.to_string()),
                after: audit_trail::snapshot(&check),
                ..Default::default()
            },
        )?;
        // A failed check quarantines the standard until a quality manager releases it.
        if !passed && standard.status == StandardStatus::InService {
            let reason = format!(
                "intermediate check on {} failed: deviation {} {} outside [{}, {}]",
                check.checked_on,
                format_deviation(deviation),
                check.unit,
                check.lower_limit,
                check.upper_limit
            );
            set_status(
                conn,
                ctx,
                standard.clone(),
                Some(standard.version),
                StandardStatus::Quarantined,
                &reason,
            )?;
        }
        // Nonconforming work (§7.10): what the standard supported since it was last known good.
        if !passed {
            let reason = format!(
                "intermediate check on {} failed: deviation {} {} outside [{}, {}]",
                check.checked_on,
                format_deviation(deviation),
                check.unit,
                check.lower_limit,
                check.upper_limit
            );
            crate::services::nonconformities::raise_for_failed_check(
                conn,
                ctx,
                standard_id,
                &check.id.to_string(),
                check.checked_on,
                &reason,
            )?;
        }
        Ok(())
    })?;
    Ok(check)
}

fn format_deviation(d: f64) -> String {
    let text = format!("{d:.12}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.to_string()
    }
}

pub fn list_checks(
    conn: &mut DbConn,
    standard_id: StandardId,
) -> AppResult<Vec<IntermediateCheck>> {
    find(conn, standard_id)?;
    Ok(intermediate_checks::table
        .filter(intermediate_checks::standard_id.eq(standard_id))
        .order((
            intermediate_checks::checked_on.desc(),
            intermediate_checks::recorded_at.desc(),
        ))
        .load(conn)?)
}
