//! The scope of accreditation: calibration and measurement capabilities per quantity and range
//! (ILAC P14; ISO/IEC 17025 §7.6, §7.8.4.1). A reported expanded uncertainty is never below the CMC.
//! Also the extensible list of quantities (disciplines).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::audit_trail::{self, AuditFilter, Change};
use super::{change_versioned, required_text, Ctx, Page, PageRequest};
use crate::db::models::{AuditEvent, CmcChanges, CmcEntry};
use crate::db::schema::{cmc_entries, quantities};
use crate::db::{write_tx, CmcId, DbConn};
use crate::domain::traceability::cmc_at;
use crate::error::{AppError, AppResult, FieldError};

#[derive(
    Debug, Clone, Queryable, Insertable, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[diesel(table_name = quantities)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    /// A short code in snake_case, e.g. `mass`, `dc_voltage`.
    pub code: String,
    pub name_en: String,
    pub name_vi: String,
}

pub fn list_quantities(conn: &mut DbConn) -> AppResult<Vec<Quantity>> {
    Ok(quantities::table.order(quantities::code.asc()).load(conn)?)
}

pub fn quantity_exists(conn: &mut DbConn, code: &str) -> AppResult<bool> {
    Ok(quantities::table
        .find(code)
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn create_quantity(conn: &mut DbConn, ctx: &Ctx, input: Quantity) -> AppResult<Quantity> {
    let mut errors = Vec::new();
    let code = input.code.trim().to_string();
    if code.is_empty()
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        errors.push(FieldError::new(
            "code",
            "use lower-case letters, digits and '_'",
        ));
    }
    let quantity = Quantity {
        code,
        name_en: required_text("name_en", &input.name_en, &mut errors),
        name_vi: required_text("name_vi", &input.name_vi, &mut errors),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        if quantity_exists(conn, &quantity.code)? {
            return Err(AppError::Conflict(format!(
                "quantity {} already exists",
                quantity.code
            )));
        }
        diesel::insert_into(quantities::table)
            .values(&quantity)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "quantity",
                entity_id: Some(quantity.code.clone()),
                after: audit_trail::snapshot(&quantity),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(quantity)
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCmc {
    pub quantity: String,
    pub range_min: f64,
    pub range_max: f64,
    pub unit: String,
    /// Absolute part, in `unit`.
    pub cmc_absolute: Option<f64>,
    /// Relative part, as a fraction of the value (2e-6 for 2 µV/V). The CMC is absolute + relative·|value|.
    pub cmc_relative: Option<f64>,
    pub method: Option<String>,
    pub valid_from: NaiveDate,
}

#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCmc {
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: Option<String>,
    pub cmc_absolute: Option<f64>,
    pub cmc_relative: Option<f64>,
    pub method: Option<String>,
    pub valid_from: Option<NaiveDate>,
    /// Withdraws the entry from the scope from this date.
    pub withdrawn_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CmcView {
    #[serde(flatten)]
    pub entry: CmcEntry,
}

impl From<CmcEntry> for CmcView {
    fn from(entry: CmcEntry) -> Self {
        CmcView { entry }
    }
}

fn check_entry(entry: &CmcEntry, errors: &mut Vec<FieldError>) {
    for (field, value) in [
        ("range_min", Some(entry.range_min)),
        ("range_max", Some(entry.range_max)),
        ("cmc_absolute", entry.cmc_absolute),
        ("cmc_relative", entry.cmc_relative),
    ] {
        if value.is_some_and(|v| !v.is_finite()) {
            errors.push(FieldError::new(field, "must be a finite number"));
        }
    }
    if entry.range_min > entry.range_max {
        errors.push(FieldError::new("range_max", "must not be below range_min"));
    }
    if entry.cmc_absolute.is_none() && entry.cmc_relative.is_none() {
        errors.push(FieldError::new(
            "cmc_absolute",
            "give an absolute or a relative CMC, or both",
        ));
    }
    for (field, value) in [
        ("cmc_absolute", entry.cmc_absolute),
        ("cmc_relative", entry.cmc_relative),
    ] {
        if value.is_some_and(|v| v < 0.0) {
            errors.push(FieldError::new(field, "must not be negative"));
        }
    }
    if entry.unit.trim().is_empty() {
        errors.push(FieldError::new("unit", "must not be empty"));
    }
    if entry.withdrawn_on.is_some_and(|w| w < entry.valid_from) {
        errors.push(FieldError::new(
            "withdrawn_on",
            "must not be before valid_from",
        ));
    }
}

fn find(conn: &mut DbConn, id: CmcId) -> AppResult<CmcEntry> {
    cmc_entries::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("CMC entry"))
}

pub fn get(conn: &mut DbConn, id: CmcId) -> AppResult<CmcView> {
    find(conn, id).map(Into::into)
}

pub fn list(
    conn: &mut DbConn,
    quantity: Option<&str>,
    page: &PageRequest,
) -> AppResult<Page<CmcView>> {
    let mut query = cmc_entries::table.into_boxed();
    if let Some(q) = quantity {
        query = query.filter(cmc_entries::quantity.eq(q.to_string()));
    }
    if let Some(after) = page.after_as::<CmcId>()? {
        query = query.filter(cmc_entries::id.gt(after));
    }
    let rows = query
        .order(cmc_entries::id.asc())
        .limit(page.limit()? + 1)
        .load::<CmcEntry>(conn)?;
    let page = page.page(rows, |c| c.id.to_string())?;
    Ok(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    })
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, input: CreateCmc) -> AppResult<CmcView> {
    let at = ctx.now();
    let entry = CmcEntry {
        id: CmcId::new(),
        quantity: input.quantity.trim().to_string(),
        range_min: input.range_min,
        range_max: input.range_max,
        unit: input.unit.trim().to_string(),
        cmc_absolute: input.cmc_absolute,
        cmc_relative: input.cmc_relative,
        method: input.method.filter(|m| !m.trim().is_empty()),
        valid_from: input.valid_from,
        withdrawn_on: None,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    let mut errors = Vec::new();
    check_entry(&entry, &mut errors);
    if !quantity_exists(conn, &entry.quantity)? {
        errors.push(FieldError::new(
            "quantity",
            "unknown quantity; see GET /api/v1/quantities",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        diesel::insert_into(cmc_entries::table)
            .values(&entry)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "cmc",
                entity_id: Some(entry.id.to_string()),
                after: audit_trail::snapshot(&entry),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(entry.into())
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CmcId,
    expected_version: Option<i32>,
    input: UpdateCmc,
) -> AppResult<CmcView> {
    let changes = CmcChanges {
        range_min: input.range_min,
        range_max: input.range_max,
        unit: input.unit.map(|u| u.trim().to_string()),
        cmc_absolute: input.cmc_absolute.map(Some),
        cmc_relative: input.cmc_relative.map(Some),
        method: input
            .method
            .map(|m| Some(m).filter(|m| !m.trim().is_empty())),
        valid_from: input.valid_from,
        withdrawn_on: input.withdrawn_on.map(Some),
    };
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
                let updated = diesel::update(cmc_entries::table.find(id))
                    .set((
                        &changes,
                        cmc_entries::version.eq(before.version + 1),
                        cmc_entries::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<CmcEntry>(conn)?;
                let mut errors = Vec::new();
                check_entry(&updated, &mut errors);
                if !errors.is_empty() {
                    return Err(AppError::Validation(errors));
                }
                Ok(updated)
            },
        )?;
        Ok(updated)
    })?;
    Ok(updated.into())
}

/// Every version of an entry, oldest first, from the audit trail.
pub fn history(conn: &mut DbConn, id: CmcId) -> AppResult<Vec<AuditEvent>> {
    find(conn, id)?;
    let filter = AuditFilter {
        entity_type: Some("cmc".into()),
        entity_id: Some(id.to_string()),
        ..Default::default()
    };
    Ok(audit_trail::list(
        conn,
        &filter,
        &PageRequest {
            limit: Some(super::MAX_PAGE),
            cursor: None,
        },
    )?
    .items)
}

/// The smallest expanded uncertainty the lab may report for a value of a quantity on a date, and
/// whether the value is inside the accredited scope at all (`None`: outside every range).
pub fn floor(
    conn: &mut DbConn,
    quantity: &str,
    unit: &str,
    value: f64,
    on: NaiveDate,
) -> AppResult<Option<f64>> {
    Ok(floor_among(&entries_on(conn, quantity, on)?, unit, value))
}

/// The CMC entries of a quantity in force on a date (for [`floor_among`], when many values of
/// one quantity are judged together).
pub fn entries_on(conn: &mut DbConn, quantity: &str, on: NaiveDate) -> AppResult<Vec<CmcEntry>> {
    let mut entries = cmc_entries::table
        .filter(cmc_entries::quantity.eq(quantity))
        .filter(cmc_entries::valid_from.le(on))
        .load::<CmcEntry>(conn)?;
    entries.retain(|e| e.withdrawn_on.is_none_or(|w| on < w));
    Ok(entries)
}

/// [`floor`] among entries already read.
pub fn floor_among(entries: &[CmcEntry], unit: &str, value: f64) -> Option<f64> {
    entries
        .iter()
        .filter(|e| e.unit == unit && e.range_min <= value && value <= e.range_max)
        .map(|e| cmc_at(e.cmc_absolute, e.cmc_relative, value))
        .reduce(f64::min)
}
