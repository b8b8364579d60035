//! The lab's measurement standards (ISO/IEC 17025 §6.4 equipment, §6.5 traceability): the register,
//! status with its history, incoming calibrations and their certificate files, intermediate checks,
//! the due list, the traceability chain on any date, fitness for use, and reverse traceability.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Nullable, Text};
use sha2::{Digest, Sha256};

use super::audit_trail::{self, Change};
use super::cmc::quantity_exists;
use super::{check_version, optional_text, required_text, Ctx, Page, PageRequest};
use crate::db::models::{
    CalibrationFile, ExternalBody, IntermediateCheck, Standard, StandardCalibration,
    StandardChanges, StatusChange,
};
use crate::db::schema::{
    external_bodies, intermediate_checks, standard_calibration_files, standard_calibrations,
    standard_status_changes, standards, users,
};
use crate::db::{
    lower, lower_opt, write_tx, DbConn, ExternalBodyId, FileId, IntermediateCheckId,
    StandardCalibrationId, StandardId, StatusChangeId, UserId,
};
use crate::domain::traceability::{
    default_due, due_status, evaluate_link, fitness, AsFound, BodyKind, DueStatus, Issuer,
    LinkFacts, LinkProblem, StandardKind, StandardStatus,
};
use crate::domain::Decimal;
use crate::error::{AppError, AppResult, FieldError};

/// Chains longer than this are refused as nonsense (a real hierarchy has three or four levels).
pub const MAX_CHAIN_DEPTH: i32 = 20;
/// "Due soon" on a standard's own record means within this many days.
pub const DUE_SOON_DAYS: i64 = 30;
pub const MAX_FILE_BYTES: usize = 20 << 20;

// ---------------------------------------------------------------------------------------------
// The register

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStandard {
    /// The lab's unique asset id, e.g. `M-REF-001`.
    pub asset_id: String,
    pub name: String,
    pub kind: StandardKind,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    /// A quantity code from `GET /api/v1/quantities`.
    pub quantity: String,
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: String,
    pub resolution: Option<String>,
    pub location: Option<String>,
    pub custodian_id: Option<UserId>,
    pub calibration_interval_months: i32,
}

/// A partial update of the descriptive fields. Status changes go through `/status`.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStandard {
    pub name: Option<String>,
    pub kind: Option<StandardKind>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: Option<String>,
    pub resolution: Option<String>,
    pub location: Option<String>,
    pub custodian_id: Option<UserId>,
    pub calibration_interval_months: Option<i32>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStatus {
    pub status: StandardStatus,
    pub reason: String,
}

/// The calibration in force: the latest one.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CurrentCalibration {
    pub id: StandardCalibrationId,
    pub certificate_number: String,
    pub calibrated_on: NaiveDate,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StandardView {
    pub id: StandardId,
    pub asset_id: String,
    pub name: String,
    pub kind: StandardKind,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub quantity: String,
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: String,
    pub resolution: Option<String>,
    pub location: Option<String>,
    pub custodian_id: Option<UserId>,
    pub calibration_interval_months: i32,
    pub status: StandardStatus,
    pub status_reason: Option<String>,
    pub current_calibration: Option<CurrentCalibration>,
    /// `ok`, `due_soon` (within 30 days) or `overdue` (or never calibrated).
    pub due_status: DueStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StandardView {
    fn of(
        s: Standard,
        current: Option<CurrentCalibration>,
        within_days: i64,
        today: NaiveDate,
    ) -> Self {
        StandardView {
            due_status: due_status(current.as_ref().map(|c| c.due_on), today, within_days),
            current_calibration: current,
            id: s.id,
            asset_id: s.asset_id,
            name: s.name,
            kind: s.kind,
            manufacturer: s.manufacturer,
            model: s.model,
            serial_number: s.serial_number,
            quantity: s.quantity,
            range_min: s.range_min,
            range_max: s.range_max,
            unit: s.unit,
            resolution: s.resolution,
            location: s.location,
            custodian_id: s.custodian_id,
            calibration_interval_months: s.calibration_interval_months,
            status: s.status,
            status_reason: s.status_reason,
            version: s.version,
            created_at: s.created_at.and_utc(),
            updated_at: s.updated_at.and_utc(),
        }
    }
}

pub fn find(conn: &mut DbConn, id: StandardId) -> AppResult<Standard> {
    standards::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("standard"))
}

/// The latest calibration of each standard, by calibration date.
fn current_calibrations(
    conn: &mut DbConn,
    ids: &[StandardId],
) -> AppResult<HashMap<StandardId, CurrentCalibration>> {
    let rows = standard_calibrations::table
        .filter(standard_calibrations::standard_id.eq_any(ids))
        .order((
            standard_calibrations::calibrated_on.asc(),
            standard_calibrations::recorded_at.asc(),
        ))
        .select((
            standard_calibrations::standard_id,
            standard_calibrations::id,
            standard_calibrations::certificate_number,
            standard_calibrations::calibrated_on,
            standard_calibrations::due_on,
        ))
        .load::<(
            StandardId,
            StandardCalibrationId,
            String,
            NaiveDate,
            NaiveDate,
        )>(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(standard, id, certificate_number, calibrated_on, due_on)| {
                (
                    standard,
                    CurrentCalibration {
                        id,
                        certificate_number,
                        calibrated_on,
                        due_on,
                    },
                )
            },
        )
        .collect())
}

fn view(conn: &mut DbConn, ctx: &Ctx, standard: Standard) -> AppResult<StandardView> {
    let current = current_calibrations(conn, &[standard.id])?.remove(&standard.id);
    Ok(StandardView::of(
        standard,
        current,
        DUE_SOON_DAYS,
        ctx.today(),
    ))
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: StandardId) -> AppResult<StandardView> {
    let standard = find(conn, id)?;
    view(conn, ctx, standard)
}

#[derive(Debug, Default, Clone)]
pub struct StandardFilter {
    pub q: Option<String>,
    pub quantity: Option<String>,
    pub status: Option<StandardStatus>,
    pub kind: Option<StandardKind>,
}

pub fn list(
    conn: &mut DbConn,
    ctx: &Ctx,
    filter: &StandardFilter,
    page: &PageRequest,
) -> AppResult<Page<StandardView>> {
    let mut query = standards::table.into_boxed();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = super::like_pattern(q);
        query = query.filter(
            lower(standards::asset_id)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(standards::name).like(pattern.clone()).escape('\\'))
                .or(lower_opt(standards::serial_number)
                    .like(pattern)
                    .escape('\\')),
        );
    }
    if let Some(v) = &filter.quantity {
        query = query.filter(standards::quantity.eq(v.clone()));
    }
    if let Some(v) = filter.status {
        query = query.filter(standards::status.eq(v));
    }
    if let Some(v) = filter.kind {
        query = query.filter(standards::kind.eq(v));
    }
    if let Some(after) = page.after_as::<StandardId>()? {
        query = query.filter(standards::id.gt(after));
    }
    let rows = query
        .order(standards::id.asc())
        .limit(page.limit()? + 1)
        .load::<Standard>(conn)?;
    let page = page.page(rows, |s| s.id.to_string())?;
    let ids: Vec<StandardId> = page.items.iter().map(|s| s.id).collect();
    let mut current = current_calibrations(conn, &ids)?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|s| {
                let c = current.remove(&s.id);
                StandardView::of(s, c, DUE_SOON_DAYS, ctx.today())
            })
            .collect(),
        next_cursor: page.next_cursor,
    })
}

fn check_fields(s: &Standard, conn: &mut DbConn, errors: &mut Vec<FieldError>) -> AppResult<()> {
    if !(1..=240).contains(&s.calibration_interval_months) {
        errors.push(FieldError::new(
            "calibration_interval_months",
            "must be from 1 to 240 months",
        ));
    }
    if let (Some(min), Some(max)) = (s.range_min, s.range_max) {
        if min > max {
            errors.push(FieldError::new("range_max", "must not be below range_min"));
        }
    }
    if s.unit.trim().is_empty() {
        errors.push(FieldError::new("unit", "must not be empty"));
    }
    if let Some(custodian) = s.custodian_id {
        let staff = users::table
            .find(custodian)
            .filter(users::deleted_at.is_null())
            .filter(users::role.ne(crate::domain::Role::Customer))
            .count()
            .get_result::<i64>(conn)?;
        if staff == 0 {
            errors.push(FieldError::new("custodian_id", "no such staff member"));
        }
    }
    Ok(())
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, input: CreateStandard) -> AppResult<StandardView> {
    let mut errors = Vec::new();
    let at = ctx.now();
    let standard = Standard {
        id: StandardId::new(),
        asset_id: required_text("asset_id", &input.asset_id, &mut errors),
        name: required_text("name", &input.name, &mut errors),
        kind: input.kind,
        manufacturer: optional_text(input.manufacturer),
        model: optional_text(input.model),
        serial_number: optional_text(input.serial_number),
        quantity: input.quantity.trim().to_string(),
        range_min: input.range_min,
        range_max: input.range_max,
        unit: input.unit.trim().to_string(),
        resolution: optional_text(input.resolution),
        location: optional_text(input.location),
        custodian_id: input.custodian_id,
        calibration_interval_months: input.calibration_interval_months,
        status: StandardStatus::InService,
        status_reason: None,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    check_fields(&standard, conn, &mut errors)?;
    if !quantity_exists(conn, &standard.quantity)? {
        errors.push(FieldError::new(
            "quantity",
            "unknown quantity; see GET /api/v1/quantities",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        let taken = standards::table
            .filter(standards::asset_id.eq(&standard.asset_id))
            .count()
            .get_result::<i64>(conn)?;
        if taken > 0 {
            return Err(AppError::Conflict(format!(
                "asset id {} is already used",
                standard.asset_id
            )));
        }
        diesel::insert_into(standards::table)
            .values(&standard)
            .execute(conn)?;
        insert_status_change(conn, ctx, standard.id, None, standard.status, "registered")?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "standard",
                entity_id: Some(standard.id.to_string()),
                after: audit_trail::snapshot(&standard),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(StandardView::of(standard, None, DUE_SOON_DAYS, ctx.today()))
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: StandardId,
    expected_version: Option<i32>,
    input: UpdateStandard,
) -> AppResult<StandardView> {
    let mut errors = Vec::new();
    let changes = StandardChanges {
        name: input
            .name
            .as_deref()
            .map(|v| required_text("name", v, &mut errors)),
        kind: input.kind,
        manufacturer: input.manufacturer.map(|v| optional_text(Some(v))),
        model: input.model.map(|v| optional_text(Some(v))),
        serial_number: input.serial_number.map(|v| optional_text(Some(v))),
        range_min: input.range_min.map(Some),
        range_max: input.range_max.map(Some),
        unit: input.unit.map(|u| u.trim().to_string()),
        resolution: input.resolution.map(|v| optional_text(Some(v))),
        location: input.location.map(|v| optional_text(Some(v))),
        custodian_id: input.custodian_id.map(Some),
        calibration_interval_months: input.calibration_interval_months,
    };
    let updated = write_tx(conn, |conn| {
        let before = find(conn, id)?;
        check_version(expected_version, before.version)?;
        let updated = diesel::update(standards::table.find(id))
            .set((
                &changes,
                standards::version.eq(before.version + 1),
                standards::updated_at.eq(ctx.now()),
            ))
            .get_result::<Standard>(conn)?;
        check_fields(&updated, conn, &mut errors)?;
        if !errors.is_empty() {
            return Err(AppError::Validation(std::mem::take(&mut errors)));
        }
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "update",
                entity_type: "standard",
                entity_id: Some(id.to_string()),
                before: audit_trail::snapshot(&before),
                after: audit_trail::snapshot(&updated),
                ..Default::default()
            },
        )?;
        Ok(updated)
    })?;
    view(conn, ctx, updated)
}

fn insert_status_change(
    conn: &mut DbConn,
    ctx: &Ctx,
    standard_id: StandardId,
    from: Option<StandardStatus>,
    to: StandardStatus,
    reason: &str,
) -> AppResult<StatusChange> {
    let change = StatusChange {
        id: StatusChangeId::new(),
        standard_id,
        from_status: from,
        to_status: to,
        reason: reason.to_string(),
        changed_by: ctx.user_id,
        changed_at: ctx.now(),
    };
    diesel::insert_into(standard_status_changes::table)
        .values(&change)
        .execute(conn)?;
    Ok(change)
}

/// Sets the status inside the caller's transaction, with its history row and audit event.
fn set_status(
    conn: &mut DbConn,
    ctx: &Ctx,
    before: &Standard,
    to: StandardStatus,
    reason: &str,
) -> AppResult<Standard> {
    let updated = diesel::update(standards::table.find(before.id))
        .set((
            standards::status.eq(to),
            standards::status_reason.eq(reason),
            standards::version.eq(before.version + 1),
            standards::updated_at.eq(ctx.now()),
        ))
        .get_result::<Standard>(conn)?;
    insert_status_change(conn, ctx, before.id, Some(before.status), to, reason)?;
    audit_trail::record(
        conn,
        ctx,
        Change {
            action: "change_status",
            entity_type: "standard",
            entity_id: Some(before.id.to_string()),
            before: audit_trail::snapshot(before),
            after: audit_trail::snapshot(&updated),
            reason: Some(reason),
        },
    )?;
    Ok(updated)
}

/// A quality manager's status change: taking out of service, quarantining, releasing, retiring.
pub fn change_status(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: StandardId,
    expected_version: Option<i32>,
    input: ChangeStatus,
) -> AppResult<StandardView> {
    let reason = input.reason.trim().to_string();
    if reason.is_empty() {
        return Err(AppError::field("reason", "a reason is required"));
    }
    let updated = write_tx(conn, |conn| {
        let before = find(conn, id)?;
        check_version(expected_version, before.version)?;
        if before.status == input.status {
            return Err(AppError::Conflict(format!(
                "the standard is already {}",
                input.status
            )));
        }
        if before.status == StandardStatus::Retired {
            return Err(AppError::Conflict(
                "a retired standard stays retired".into(),
            ));
        }
        set_status(conn, ctx, &before, input.status, &reason)
    })?;
    view(conn, ctx, updated)
}

pub fn status_history(conn: &mut DbConn, id: StandardId) -> AppResult<Vec<StatusChange>> {
    find(conn, id)?;
    Ok(standard_status_changes::table
        .filter(standard_status_changes::standard_id.eq(id))
        .order(standard_status_changes::changed_at.asc())
        .load(conn)?)
}

// ---------------------------------------------------------------------------------------------
// Incoming calibrations

/// One calibrated point as the issuer's certificate states it; values keep their digits.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalibrationPoint {
    pub nominal: Decimal,
    /// The measured or conventional value.
    pub value: Option<Decimal>,
    pub correction: Option<Decimal>,
    pub expanded_uncertainty: Decimal,
    pub coverage_factor: f64,
    pub unit: String,
    /// Before adjustment, where the standard was adjusted.
    pub as_found: Option<Decimal>,
    pub as_left: Option<Decimal>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordCalibration {
    pub calibrated_on: NaiveDate,
    pub certificate_number: String,
    /// The external issuer, or:
    pub external_body_id: Option<ExternalBodyId>,
    /// the lab's own standard it was calibrated against (an internal calibration).
    pub issuer_standard_id: Option<StandardId>,
    pub results: Vec<CalibrationPoint>,
    /// Whether the standard was found in tolerance before any adjustment.
    pub as_found: AsFound,
    #[serde(default)]
    pub adjusted: bool,
    /// Overrides calibrated_on + interval; needs `due_override_reason`.
    pub due_on: Option<NaiveDate>,
    pub due_override_reason: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FileVersion {
    pub id: FileId,
    pub version: i32,
    pub filename: String,
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CalibrationView {
    pub id: StandardCalibrationId,
    pub standard_id: StandardId,
    pub calibrated_on: NaiveDate,
    pub certificate_number: String,
    pub external_body_id: Option<ExternalBodyId>,
    pub issuer_standard_id: Option<StandardId>,
    pub results: Vec<CalibrationPoint>,
    pub as_found: AsFound,
    pub adjusted: bool,
    pub due_on: NaiveDate,
    pub due_override_reason: Option<String>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: DateTime<Utc>,
    /// The issuer's certificate, every version, oldest first.
    pub certificate_files: Vec<FileVersion>,
}

fn calibration_view(c: StandardCalibration, files: Vec<FileVersion>) -> CalibrationView {
    CalibrationView {
        results: serde_json::from_str(&c.results).unwrap_or_default(),
        adjusted: c.adjusted != 0,
        id: c.id,
        standard_id: c.standard_id,
        calibrated_on: c.calibrated_on,
        certificate_number: c.certificate_number,
        external_body_id: c.external_body_id,
        issuer_standard_id: c.issuer_standard_id,
        as_found: c.as_found,
        due_on: c.due_on,
        due_override_reason: c.due_override_reason,
        recorded_by: c.recorded_by,
        recorded_at: c.recorded_at.and_utc(),
        certificate_files: files,
    }
}

fn file_versions(
    conn: &mut DbConn,
    calibration: StandardCalibrationId,
) -> AppResult<Vec<FileVersion>> {
    let rows = standard_calibration_files::table
        .filter(standard_calibration_files::calibration_id.eq(calibration))
        .order(standard_calibration_files::version.asc())
        .select((
            standard_calibration_files::id,
            standard_calibration_files::version,
            standard_calibration_files::filename,
            standard_calibration_files::content_type,
            standard_calibration_files::sha256,
            standard_calibration_files::size_bytes,
            standard_calibration_files::uploaded_by,
            standard_calibration_files::uploaded_at,
        ))
        .load::<(
            FileId,
            i32,
            String,
            String,
            String,
            i64,
            Option<UserId>,
            chrono::NaiveDateTime,
        )>(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                version,
                filename,
                content_type,
                sha256,
                size_bytes,
                uploaded_by,
                uploaded_at,
            )| FileVersion {
                id,
                version,
                filename,
                content_type,
                sha256,
                size_bytes,
                uploaded_by,
                uploaded_at: uploaded_at.and_utc(),
            },
        )
        .collect())
}

fn find_calibration(
    conn: &mut DbConn,
    standard: StandardId,
    id: StandardCalibrationId,
) -> AppResult<StandardCalibration> {
    standard_calibrations::table
        .find(id)
        .filter(standard_calibrations::standard_id.eq(standard))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("calibration"))
}

pub fn list_calibrations(
    conn: &mut DbConn,
    standard: StandardId,
) -> AppResult<Vec<CalibrationView>> {
    find(conn, standard)?;
    let rows = standard_calibrations::table
        .filter(standard_calibrations::standard_id.eq(standard))
        .order((
            standard_calibrations::calibrated_on.desc(),
            standard_calibrations::recorded_at.desc(),
        ))
        .load::<StandardCalibration>(conn)?;
    rows.into_iter()
        .map(|c| {
            let files = file_versions(conn, c.id)?;
            Ok(calibration_view(c, files))
        })
        .collect()
}

pub fn get_calibration(
    conn: &mut DbConn,
    standard: StandardId,
    id: StandardCalibrationId,
) -> AppResult<CalibrationView> {
    let c = find_calibration(conn, standard, id)?;
    let files = file_versions(conn, c.id)?;
    Ok(calibration_view(c, files))
}

/// Whether `target` is `start` or above it in any chain, over all calibrations ever recorded.
fn is_upstream_of(conn: &mut DbConn, target: StandardId, start: StandardId) -> AppResult<bool> {
    #[derive(QueryableByName)]
    struct Hit {
        #[diesel(sql_type = Integer)]
        hits: i32,
    }
    let hit = diesel::sql_query(
        "WITH RECURSIVE up(id) AS ( \
             SELECT CAST($1 AS TEXT) \
             UNION \
             SELECT c.issuer_standard_id FROM standard_calibrations c JOIN up ON c.standard_id = up.id \
             WHERE c.issuer_standard_id IS NOT NULL) \
         SELECT CAST(COUNT(*) AS INTEGER) AS hits FROM up WHERE id = $2",
    )
    .bind::<Text, _>(start)
    .bind::<Text, _>(target)
    .get_result::<Hit>(conn)?;
    Ok(hit.hits > 0)
}

/// Records an incoming calibration. Always allowed for the standard itself, overdue or not: the
/// lock-out must not block the calibration that lifts it. An internal issuer must be fit for use
/// on the calibration date, and may not be the standard itself or anything calibrated from it.
pub fn record_calibration(
    conn: &mut DbConn,
    ctx: &Ctx,
    standard_id: StandardId,
    input: RecordCalibration,
) -> AppResult<CalibrationView> {
    let standard = find(conn, standard_id)?;
    let mut errors = Vec::new();
    let certificate_number =
        required_text("certificate_number", &input.certificate_number, &mut errors);
    if input.calibrated_on > ctx.today() {
        errors.push(FieldError::new(
            "calibrated_on",
            "must not be in the future",
        ));
    }
    if input.results.is_empty() {
        errors.push(FieldError::new(
            "results",
            "give at least one calibrated point",
        ));
    }
    for (i, p) in input.results.iter().enumerate() {
        if p.expanded_uncertainty.value() < 0.0 {
            errors.push(FieldError::new(
                format!("results[{i}].expanded_uncertainty"),
                "must not be negative",
            ));
        }
        if !(p.coverage_factor.is_finite() && p.coverage_factor > 0.0) {
            errors.push(FieldError::new(
                format!("results[{i}].coverage_factor"),
                "must be greater than 0",
            ));
        }
        if p.unit.trim().is_empty() {
            errors.push(FieldError::new(
                format!("results[{i}].unit"),
                "must not be empty",
            ));
        }
    }
    let due_override_reason = optional_text(input.due_override_reason);
    let due_on = match input.due_on {
        Some(due) => {
            if due_override_reason.is_none() {
                errors.push(FieldError::new(
                    "due_override_reason",
                    "say why the due date differs from the interval",
                ));
            }
            if due <= input.calibrated_on {
                errors.push(FieldError::new("due_on", "must be after calibrated_on"));
            }
            due
        }
        None => default_due(
            input.calibrated_on,
            standard.calibration_interval_months.max(1) as u32,
        ),
    };
    match (input.external_body_id, input.issuer_standard_id) {
        (Some(_), Some(_)) | (None, None) => errors.push(FieldError::new(
            "external_body_id",
            "give exactly one of external_body_id and issuer_standard_id",
        )),
        (Some(body), None) => {
            if external_bodies::table
                .find(body)
                .count()
                .get_result::<i64>(conn)?
                == 0
            {
                errors.push(FieldError::new("external_body_id", "no such external body"));
            }
        }
        (None, Some(issuer)) => {
            if issuer == standard_id {
                errors.push(FieldError::new(
                    "issuer_standard_id",
                    "a standard cannot calibrate itself",
                ));
            } else if standards::table
                .find(issuer)
                .count()
                .get_result::<i64>(conn)?
                == 0
            {
                errors.push(FieldError::new("issuer_standard_id", "no such standard"));
            } else if is_upstream_of(conn, standard_id, issuer)? {
                errors.push(FieldError::new(
                    "issuer_standard_id",
                    "this standard is already in the issuer's own traceability chain: that would be a cycle",
                ));
            } else if errors.is_empty() {
                if let Err(reason) = check_fit(conn, issuer, input.calibrated_on)? {
                    errors.push(FieldError::new("issuer_standard_id", reason));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let calibration = StandardCalibration {
        id: StandardCalibrationId::new(),
        standard_id,
        calibrated_on: input.calibrated_on,
        certificate_number,
        external_body_id: input.external_body_id,
        issuer_standard_id: input.issuer_standard_id,
        results: serde_json::to_string(&input.results).map_err(AppError::internal)?,
        as_found: input.as_found,
        adjusted: i32::from(input.adjusted),
        due_on,
        due_override_reason,
        recorded_by: ctx.user_id,
        recorded_at: ctx.now(),
    };
    write_tx(conn, |conn| {
        // Re-checked inside the transaction: a concurrent record could have closed a cycle.
        if let Some(issuer) = calibration.issuer_standard_id {
            if is_upstream_of(conn, standard_id, issuer)? {
                return Err(AppError::field(
                    "issuer_standard_id",
                    "this would make a cycle",
                ));
            }
        }
        diesel::insert_into(standard_calibrations::table)
            .values(&calibration)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "record_calibration",
                entity_type: "standard",
                entity_id: Some(standard_id.to_string()),
                after: audit_trail::snapshot(&calibration),
                ..Default::default()
            },
        )?;
        // Found out of tolerance: nonconforming work with everything it supported (§7.10).
        if calibration.as_found == AsFound::OutOfTolerance {
            super::nonconformities::raise_for_out_of_tolerance(
                conn,
                ctx,
                standard_id,
                calibration.id,
                calibration.calibrated_on,
                &calibration.certificate_number,
            )?;
        }
        Ok(())
    })?;
    Ok(calibration_view(calibration, Vec::new()))
}

/// Stores the issuer's certificate file; a new upload is a new version and the old ones stay.
pub fn upload_certificate(
    conn: &mut DbConn,
    ctx: &Ctx,
    standard: StandardId,
    calibration: StandardCalibrationId,
    filename: &str,
    content_type: &str,
    content: Vec<u8>,
) -> AppResult<FileVersion> {
    if content.is_empty() {
        return Err(AppError::field("body", "the file is empty"));
    }
    if content.len() > MAX_FILE_BYTES {
        return Err(AppError::PayloadTooLarge(MAX_FILE_BYTES));
    }
    let filename = filename.trim();
    if filename.is_empty() || filename.contains(['/', '\\']) || filename.len() > 200 {
        return Err(AppError::field(
            "filename",
            "give a plain file name of at most 200 characters",
        ));
    }
    write_tx(conn, |conn| {
        find_calibration(conn, standard, calibration)?;
        let last: Option<i32> = standard_calibration_files::table
            .filter(standard_calibration_files::calibration_id.eq(calibration))
            .select(diesel::dsl::max(standard_calibration_files::version))
            .first(conn)?;
        let file = CalibrationFile {
            id: FileId::new(),
            calibration_id: calibration,
            version: last.unwrap_or(0) + 1,
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            sha256: hex::encode(Sha256::digest(&content)),
            size_bytes: content.len() as i64,
            content,
            uploaded_by: ctx.user_id,
            uploaded_at: ctx.now(),
        };
        diesel::insert_into(standard_calibration_files::table)
            .values(&file)
            .execute(conn)?;
        let version = FileVersion {
            id: file.id,
            version: file.version,
            filename: file.filename,
            content_type: file.content_type,
            sha256: file.sha256,
            size_bytes: file.size_bytes,
            uploaded_by: file.uploaded_by,
            uploaded_at: file.uploaded_at.and_utc(),
        };
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "upload_certificate",
                entity_type: "standard_calibration",
                entity_id: Some(calibration.to_string()),
                after: audit_trail::snapshot(&version),
                ..Default::default()
            },
        )?;
        Ok(version)
    })
}

/// A certificate file: the latest version, or the one asked for.
pub fn download_certificate(
    conn: &mut DbConn,
    standard: StandardId,
    calibration: StandardCalibrationId,
    version: Option<i32>,
) -> AppResult<CalibrationFile> {
    find_calibration(conn, standard, calibration)?;
    let mut query = standard_calibration_files::table
        .filter(standard_calibration_files::calibration_id.eq(calibration))
        .into_boxed();
    if let Some(v) = version {
        query = query.filter(standard_calibration_files::version.eq(v));
    }
    query
        .order(standard_calibration_files::version.desc())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("certificate file"))
}

// ---------------------------------------------------------------------------------------------
// Intermediate checks (§6.4.10)

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
        super::competence::require_ctx(
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
            set_status(conn, ctx, &standard, StandardStatus::Quarantined, &reason)?;
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
            super::nonconformities::raise_for_failed_check(
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

// ---------------------------------------------------------------------------------------------
// Due list

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DueItem {
    pub standard: StandardView,
    pub due_on: Option<NaiveDate>,
    pub days_left: Option<i64>,
}

/// Standards not retired whose calibration is due within `within_days` (or overdue, or missing),
/// overdue ones first, then by due date.
pub fn due(conn: &mut DbConn, ctx: &Ctx, within_days: i64) -> AppResult<Vec<DueItem>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        id: String,
        #[diesel(sql_type = Nullable<Date>)]
        due_on: Option<NaiveDate>,
    }
    let rows = diesel::sql_query(
        "SELECT s.id AS id, \
             (SELECT c.due_on FROM standard_calibrations c WHERE c.standard_id = s.id \
              ORDER BY c.calibrated_on DESC, c.recorded_at DESC LIMIT 1) AS due_on \
         FROM standards s WHERE s.status <> 'retired'",
    )
    .load::<Row>(conn)?;
    let today = ctx.today();
    let limit = today + chrono::Duration::days(within_days);
    let mut due: Vec<(StandardId, Option<NaiveDate>)> = rows
        .into_iter()
        .filter(|r| r.due_on.is_none_or(|d| d <= limit))
        .filter_map(|r| r.id.parse().ok().map(|id| (id, r.due_on)))
        .collect();
    due.sort_by_key(|(id, d)| (*d, *id));
    let ids: Vec<StandardId> = due.iter().map(|(id, _)| *id).collect();
    let mut by_id: HashMap<StandardId, Standard> = HashMap::new();
    for chunk in ids.chunks(500) {
        for s in standards::table
            .filter(standards::id.eq_any(chunk))
            .load::<Standard>(conn)?
        {
            by_id.insert(s.id, s);
        }
    }
    let mut current = current_calibrations(conn, &ids)?;
    Ok(due
        .into_iter()
        .filter_map(|(id, due_on)| {
            let s = by_id.remove(&id)?;
            let c = current.remove(&id);
            Some(DueItem {
                standard: StandardView::of(s, c, within_days, ctx.today()),
                due_on,
                days_left: due_on.map(|d| (d - today).num_days()),
            })
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Traceability chain, fitness, dependents

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StandardRef {
    pub id: StandardId,
    pub asset_id: String,
    pub name: String,
}

impl From<&Standard> for StandardRef {
    fn from(s: &Standard) -> Self {
        StandardRef {
            id: s.id,
            asset_id: s.asset_id.clone(),
            name: s.name.clone(),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IssuerView {
    /// `external_body` or `standard`.
    pub kind: &'static str,
    pub name: String,
    pub body_kind: Option<BodyKind>,
    pub country: Option<String>,
    pub accreditation_number: Option<String>,
    pub standard_id: Option<StandardId>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChainLink {
    /// 0 is the standard asked about; each next link is the standard (or body) that calibrated it.
    pub depth: i32,
    pub standard: StandardRef,
    pub status_on_date: StandardStatus,
    pub calibration_id: Option<StandardCalibrationId>,
    pub certificate_number: Option<String>,
    pub calibrated_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub issuer: Option<IssuerView>,
    /// The calibrated points with their expanded uncertainties.
    pub results: Vec<CalibrationPoint>,
    pub valid: bool,
    pub problem: Option<LinkProblem>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Chain {
    pub standard_id: StandardId,
    pub at: NaiveDate,
    /// `valid` or `broken`.
    pub status: &'static str,
    /// Depth of the first failing link.
    pub failing_link: Option<i32>,
    pub reason: Option<String>,
    /// What the chain ends at: `nmi`, `accredited_lab`, `other`, or nothing when broken below the top.
    pub terminates_at: Option<BodyKind>,
    pub links: Vec<ChainLink>,
}

#[derive(QueryableByName)]
struct ChainRow {
    #[diesel(sql_type = Integer)]
    depth: i32,
    #[diesel(sql_type = Text)]
    standard_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    calibration_id: Option<String>,
}

/// The chain's skeleton in one recursive query: for each level, the calibration in force on the
/// date (the latest on or before it) and, through its internal issuer, the next level.
fn chain_rows(conn: &mut DbConn, standard: StandardId, at: NaiveDate) -> AppResult<Vec<ChainRow>> {
    Ok(diesel::sql_query(
        "WITH RECURSIVE chain(depth, standard_id, calibration_id) AS ( \
             SELECT 0, CAST($1 AS TEXT), \
                 (SELECT c.id FROM standard_calibrations c WHERE c.standard_id = $1 AND c.calibrated_on <= $2 \
                  ORDER BY c.calibrated_on DESC, c.recorded_at DESC LIMIT 1) \
             UNION ALL \
             SELECT chain.depth + 1, link.issuer_standard_id, \
                 (SELECT c.id FROM standard_calibrations c \
                  WHERE c.standard_id = link.issuer_standard_id AND c.calibrated_on <= $2 \
                  ORDER BY c.calibrated_on DESC, c.recorded_at DESC LIMIT 1) \
             FROM chain JOIN standard_calibrations link ON link.id = chain.calibration_id \
             WHERE link.issuer_standard_id IS NOT NULL AND chain.depth < $3) \
         SELECT depth, standard_id, calibration_id FROM chain ORDER BY depth",
    )
    .bind::<Text, _>(standard)
    .bind::<Date, _>(at)
    .bind::<Integer, _>(MAX_CHAIN_DEPTH)
    .load::<ChainRow>(conn)?)
}

/// Each standard's status on a date: its last change on or before that day; before its first
/// change, the status it was registered with.
fn statuses_on(
    conn: &mut DbConn,
    ids: &[StandardId],
    at: NaiveDate,
) -> AppResult<HashMap<StandardId, StandardStatus>> {
    let end_of_day = at
        .succ_opt()
        .unwrap_or(at)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let changes = standard_status_changes::table
        .filter(standard_status_changes::standard_id.eq_any(ids))
        .order(standard_status_changes::changed_at.asc())
        .select((
            standard_status_changes::standard_id,
            standard_status_changes::to_status,
            standard_status_changes::changed_at,
        ))
        .load::<(StandardId, StandardStatus, chrono::NaiveDateTime)>(conn)?;
    let mut statuses = HashMap::new();
    for (id, status, changed_at) in changes {
        if changed_at < end_of_day || !statuses.contains_key(&id) {
            statuses.insert(id, status);
        }
    }
    Ok(statuses)
}

/// The traceability chain of a standard as it stood on a date.
pub fn chain(conn: &mut DbConn, standard_id: StandardId, at: NaiveDate) -> AppResult<Chain> {
    find(conn, standard_id)?;
    let rows = chain_rows(conn, standard_id, at)?;
    let standard_ids: Vec<StandardId> = rows
        .iter()
        .filter_map(|r| r.standard_id.parse().ok())
        .collect();
    let calibration_ids: Vec<StandardCalibrationId> = rows
        .iter()
        .filter_map(|r| r.calibration_id.as_deref().and_then(|c| c.parse().ok()))
        .collect();
    let standards_by_id: HashMap<StandardId, Standard> = standards::table
        .filter(standards::id.eq_any(&standard_ids))
        .load::<Standard>(conn)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let calibrations: HashMap<StandardCalibrationId, StandardCalibration> =
        standard_calibrations::table
            .filter(standard_calibrations::id.eq_any(&calibration_ids))
            .load::<StandardCalibration>(conn)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let body_ids: Vec<ExternalBodyId> = calibrations
        .values()
        .filter_map(|c| c.external_body_id)
        .collect();
    let bodies: HashMap<ExternalBodyId, ExternalBody> = external_bodies::table
        .filter(external_bodies::id.eq_any(&body_ids))
        .load::<ExternalBody>(conn)?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let statuses = statuses_on(conn, &standard_ids, at)?;

    let mut links = Vec::new();
    for row in &rows {
        let Some(standard) = row
            .standard_id
            .parse()
            .ok()
            .and_then(|id: StandardId| standards_by_id.get(&id))
        else {
            continue;
        };
        let calibration = row
            .calibration_id
            .as_deref()
            .and_then(|c| c.parse().ok())
            .and_then(|id| calibrations.get(&id));
        let body = calibration
            .and_then(|c| c.external_body_id)
            .and_then(|b| bodies.get(&b));
        let issuer = calibration.map(|c| match body {
            Some(b) => Issuer::Body {
                kind: b.kind,
                accreditation_valid_until: b.accreditation_valid_until,
                justified: b.justification.is_some(),
            },
            None if c.issuer_standard_id.is_some() => Issuer::Standard,
            None => Issuer::Body {
                kind: BodyKind::Other,
                accreditation_valid_until: None,
                justified: false,
            },
        });
        let status_on_date = statuses
            .get(&standard.id)
            .copied()
            .unwrap_or(standard.status);
        let facts = LinkFacts {
            on: at,
            status_on_date,
            calibration: calibration.map(|c| (c.calibrated_on, c.due_on)),
            issuer,
        };
        let mut problem = evaluate_link(&facts);
        if problem.is_none()
            && row.depth >= MAX_CHAIN_DEPTH
            && calibration.is_some_and(|c| c.issuer_standard_id.is_some())
        {
            problem = Some(LinkProblem::ChainTooDeep);
        }
        let issuer_view = calibration.map(|c| match body {
            Some(b) => IssuerView {
                kind: "external_body",
                name: b.name.clone(),
                body_kind: Some(b.kind),
                country: Some(b.country.clone()),
                accreditation_number: b.accreditation_number.clone(),
                standard_id: None,
            },
            None => IssuerView {
                kind: "standard",
                name: c
                    .issuer_standard_id
                    .and_then(|id| standards_by_id.get(&id))
                    .map(|s| format!("{} {}", s.asset_id, s.name))
                    .unwrap_or_default(),
                body_kind: None,
                country: None,
                accreditation_number: None,
                standard_id: c.issuer_standard_id,
            },
        });
        links.push(ChainLink {
            depth: row.depth,
            standard: standard.into(),
            status_on_date,
            calibration_id: calibration.map(|c| c.id),
            certificate_number: calibration.map(|c| c.certificate_number.clone()),
            calibrated_on: calibration.map(|c| c.calibrated_on),
            due_on: calibration.map(|c| c.due_on),
            issuer: issuer_view,
            results: calibration
                .and_then(|c| serde_json::from_str(&c.results).ok())
                .unwrap_or_default(),
            valid: problem.is_none(),
            problem,
        });
    }
    let failing = links.iter().find(|l| !l.valid);
    let terminates_at = links
        .last()
        .and_then(|l| l.issuer.as_ref())
        .and_then(|i| i.body_kind);
    Ok(Chain {
        standard_id,
        at,
        status: if failing.is_some() { "broken" } else { "valid" },
        failing_link: failing.map(|l| l.depth),
        reason: failing.and_then(|l| {
            l.problem
                .as_ref()
                .map(|p| format!("{} ({}): {p}", l.standard.asset_id, l.standard.name))
        }),
        terminates_at,
        links,
    })
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Fitness {
    pub standard_id: StandardId,
    pub on: NaiveDate,
    pub fit: bool,
    pub problem: Option<LinkProblem>,
    pub reason: Option<String>,
    /// The calibration in force on the date, which a use of the standard is traced through.
    pub calibration_id: Option<StandardCalibrationId>,
    pub certificate_number: Option<String>,
    #[serde(skip)]
    pub results: Vec<CalibrationPoint>,
}

/// The one rule of fitness for use (see `domain::traceability::fitness`), on a date.
pub fn fitness_on(conn: &mut DbConn, standard_id: StandardId, on: NaiveDate) -> AppResult<Fitness> {
    // The chain's first link is the standard itself, as it stood on the date.
    let chain = chain(conn, standard_id, on)?;
    let own = chain.links.first().ok_or(AppError::NotFound("standard"))?;
    let facts = LinkFacts {
        on,
        status_on_date: own.status_on_date,
        calibration: own.calibrated_on.zip(own.due_on),
        issuer: None,
    };
    let chain_problem = chain.links.iter().find_map(|l| l.problem.clone());
    let last_check: Option<(NaiveDate, String)> = intermediate_checks::table
        .filter(intermediate_checks::standard_id.eq(standard_id))
        .filter(intermediate_checks::checked_on.le(on))
        .order((
            intermediate_checks::checked_on.desc(),
            intermediate_checks::recorded_at.desc(),
        ))
        .select((intermediate_checks::checked_on, intermediate_checks::result))
        .first(conn)
        .optional()?;
    let failed_on = last_check
        .filter(|(_, result)| result == "fail")
        .map(|(d, _)| d);
    let verdict = fitness(&facts, chain_problem.as_ref(), failed_on);
    Ok(Fitness {
        standard_id,
        on,
        calibration_id: own.calibration_id,
        certificate_number: own.certificate_number.clone(),
        results: own.results.clone(),
        fit: verdict.is_ok(),
        reason: verdict.as_ref().err().map(|p| {
            format!(
                "{} ({}) is not fit for use on {on}: {p}",
                own.standard.asset_id, own.standard.name
            )
        }),
        problem: verdict.err(),
    })
}

/// `Err(reason)` when the standard may not be used on the date; for callers that record its use.
pub fn check_fit(
    conn: &mut DbConn,
    standard_id: StandardId,
    on: NaiveDate,
) -> AppResult<Result<(), String>> {
    let fitness = fitness_on(conn, standard_id, on)?;
    Ok(match fitness.reason {
        Some(reason) => Err(reason),
        None => Ok(()),
    })
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DependentCalibration {
    /// 1: calibrated directly against the standard; 2: against one of those; and so on.
    pub depth: i32,
    pub standard: StandardRef,
    pub calibration_id: StandardCalibrationId,
    pub certificate_number: String,
    pub calibrated_on: NaiveDate,
    /// The standard it was calibrated against.
    pub via_standard_id: StandardId,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Dependents {
    pub standard_id: StandardId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every calibration of a standard that used this one, directly or through another standard,
    /// in the window (a later level only from the date its source was itself calibrated).
    pub standard_calibrations: Vec<DependentCalibration>,
    /// Every point of a customer calibration record supported by this standard or by one
    /// calibrated from it, from the affected calibration to the end of the window.
    pub calibration_points: Vec<DependentPoint>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DependentPoint {
    pub record_id: crate::db::CalibrationRecordId,
    pub record_version: i32,
    /// From 0, in the record's order.
    pub point_index: i32,
    pub used_on: NaiveDate,
    /// The standard that supported the point: this one or one downstream of it.
    pub standard_id: StandardId,
    pub instrument_id: crate::db::InstrumentId,
    pub instrument_lab_id: String,
    pub customer_id: crate::db::CustomerId,
    pub customer_name: String,
}

/// Reverse traceability: everything calibrated with the standard, at any depth, in the window.
pub fn dependents(
    conn: &mut DbConn,
    standard_id: StandardId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Dependents> {
    if from > to {
        return Err(AppError::field("to", "must not be before from"));
    }
    find(conn, standard_id)?;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Integer)]
        depth: i32,
        #[diesel(sql_type = Text)]
        calibration_id: String,
        #[diesel(sql_type = Text)]
        certificate_number: String,
        #[diesel(sql_type = Date)]
        calibrated_on: NaiveDate,
        #[diesel(sql_type = Text)]
        via_standard_id: String,
        #[diesel(sql_type = Text)]
        standard_id: String,
        #[diesel(sql_type = Text)]
        asset_id: String,
        #[diesel(sql_type = Text)]
        name: String,
    }
    // One round trip: the walk down, then the rows it found with their standards.
    let rows = diesel::sql_query(
        "WITH RECURSIVE dep(depth, standard_id, calibration_id, calibrated_on) AS ( \
             SELECT 1, c.standard_id, c.id, c.calibrated_on FROM standard_calibrations c \
             WHERE c.issuer_standard_id = $1 AND c.calibrated_on >= $2 AND c.calibrated_on <= $3 \
             UNION \
             SELECT dep.depth + 1, c.standard_id, c.id, c.calibrated_on \
             FROM standard_calibrations c JOIN dep ON c.issuer_standard_id = dep.standard_id \
             WHERE c.calibrated_on >= dep.calibrated_on AND c.calibrated_on <= $3 AND dep.depth < $4) \
         SELECT d.depth, c.id AS calibration_id, c.certificate_number, c.calibrated_on, \
                c.issuer_standard_id AS via_standard_id, s.id AS standard_id, s.asset_id, s.name \
         FROM (SELECT calibration_id, MIN(depth) AS depth FROM dep GROUP BY calibration_id) d \
              JOIN standard_calibrations c ON c.id = d.calibration_id \
              JOIN standards s ON s.id = c.standard_id",
    )
    .bind::<Text, _>(standard_id)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Integer, _>(MAX_CHAIN_DEPTH)
    .load::<Row>(conn)?;
    let mut found = rows
        .into_iter()
        .map(|r| {
            let parse = |text: &str| {
                text.parse()
                    .map_err(|_| AppError::internal(format!("bad id {text}")))
            };
            Ok(DependentCalibration {
                depth: r.depth,
                standard: StandardRef {
                    id: parse(&r.standard_id)?,
                    asset_id: r.asset_id,
                    name: r.name,
                },
                calibration_id: r
                    .calibration_id
                    .parse()
                    .map_err(|_| AppError::internal("bad calibration id"))?,
                certificate_number: r.certificate_number,
                calibrated_on: r.calibrated_on,
                via_standard_id: parse(&r.via_standard_id)?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    found.sort_by_key(|d| (d.depth, d.calibrated_on, d.calibration_id));
    let calibration_points = dependent_points(conn, standard_id, from, to, &found)?;
    Ok(Dependents {
        standard_id,
        from,
        to,
        standard_calibrations: found,
        calibration_points,
    })
}

/// The customer calibration points supported by the standard (from `from`) or by a standard
/// affected through it (from the date of its affected calibration), up to `to`.
fn dependent_points(
    conn: &mut DbConn,
    standard_id: StandardId,
    from: NaiveDate,
    to: NaiveDate,
    affected: &[DependentCalibration],
) -> AppResult<Vec<DependentPoint>> {
    use crate::db::schema::{
        calibration_point_standards as ps, calibration_records as r, customers as c,
        instruments as i,
    };
    let mut since: HashMap<StandardId, NaiveDate> = HashMap::from([(standard_id, from)]);
    for d in affected {
        let entry = since.entry(d.standard.id).or_insert(d.calibrated_on);
        *entry = (*entry).min(d.calibrated_on);
    }
    let ids: Vec<StandardId> = since.keys().copied().collect();
    let mut points = Vec::new();
    for chunk in ids.chunks(500) {
        let rows = ps::table
            .inner_join(r::table.on(r::id.eq(ps::record_id)))
            .inner_join(i::table.on(i::id.eq(r::instrument_id)))
            .inner_join(c::table.on(c::id.eq(r::customer_id)))
            .filter(ps::standard_id.eq_any(chunk))
            .filter(ps::used_on.le(to))
            .select((
                ps::record_id,
                ps::record_version,
                ps::point_index,
                ps::used_on,
                ps::standard_id,
                i::id,
                i::lab_id,
                c::id,
                c::name,
            ))
            .load::<(
                crate::db::CalibrationRecordId,
                i32,
                i32,
                NaiveDate,
                StandardId,
                crate::db::InstrumentId,
                String,
                crate::db::CustomerId,
                String,
            )>(conn)?;
        for (
            record_id,
            record_version,
            point_index,
            used_on,
            standard,
            instrument_id,
            lab_id,
            customer_id,
            customer_name,
        ) in rows
        {
            if since.get(&standard).is_some_and(|start| used_on >= *start) {
                points.push(DependentPoint {
                    record_id,
                    record_version,
                    point_index,
                    used_on,
                    standard_id: standard,
                    instrument_id,
                    instrument_lab_id: lab_id,
                    customer_id,
                    customer_name,
                });
            }
        }
    }
    points.sort_by_key(|p| (p.used_on, p.record_id, p.record_version, p.point_index));
    Ok(points)
}
