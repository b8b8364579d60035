//! The standards register: each standard, its status and the history of its status (ISO/IEC
//! 17025 §6.4.13 equipment records).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::models::{Standard, StandardChanges, StatusChange};
use crate::db::schema::{standard_calibrations, standard_status_changes, standards, users};
use crate::db::{
    lower, lower_opt, write_tx, DbConn, StandardCalibrationId, StandardId, StatusChangeId, UserId,
};
use crate::domain::traceability::{due_status, DueStatus, StandardKind, StandardStatus};
use crate::error::{AppError, AppResult, FieldError};
use crate::services::audit_trail::{self, Change};
use crate::services::cmc::quantity_exists;
use crate::services::{change_versioned, optional_text, required_text, Ctx, Page, PageRequest};

use super::*;

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
    #[serde(flatten)]
    pub standard: Standard,
    pub current_calibration: Option<CurrentCalibration>,
    /// `ok`, `due_soon` (within 30 days) or `overdue` (or never calibrated).
    pub due_status: DueStatus,
}

impl StandardView {
    pub(super) fn of(
        standard: Standard,
        current: Option<CurrentCalibration>,
        within_days: i64,
        today: NaiveDate,
    ) -> Self {
        StandardView {
            due_status: due_status(current.as_ref().map(|c| c.due_on), today, within_days),
            current_calibration: current,
            standard,
        }
    }
}

/// A standard named in a request by its id or by its asset id (`"M-WS-01"`): technicians think in
/// asset ids. Stored records keep the id; lists and records show both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StandardKey {
    Id(StandardId),
    Asset(String),
}

impl StandardKey {
    /// The id, once resolved.
    pub fn id(&self) -> Option<StandardId> {
        match self {
            StandardKey::Id(id) => Some(*id),
            StandardKey::Asset(_) => None,
        }
    }

    /// The id this names, or why not: an unknown asset id.
    pub fn resolve(&self, conn: &mut DbConn) -> AppResult<Result<StandardId, String>> {
        match self {
            StandardKey::Id(id) => Ok(Ok(*id)),
            StandardKey::Asset(asset) => Ok(standards::table
                .filter(standards::asset_id.eq(asset))
                .select(standards::id)
                .first::<StandardId>(conn)
                .optional()?
                .ok_or_else(|| format!("no standard with asset id {asset}"))),
        }
    }
}

impl From<StandardId> for StandardKey {
    fn from(id: StandardId) -> Self {
        StandardKey::Id(id)
    }
}

impl serde::Serialize for StandardKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            StandardKey::Id(id) => id.serialize(s),
            StandardKey::Asset(asset) => asset.serialize(s),
        }
    }
}

impl<'de> serde::Deserialize<'de> for StandardKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(serde::de::Error::custom("a standard's id or asset id"));
        }
        Ok(match text.parse::<StandardId>() {
            Ok(id) => StandardKey::Id(id),
            Err(_) => StandardKey::Asset(text.to_owned()),
        })
    }
}

impl utoipa::PartialSchema for StandardKey {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A standard's id (UUID) or its asset id, e.g. `M-WS-01`.",
            ))
            .into()
    }
}
impl utoipa::ToSchema for StandardKey {}

/// A standard's asset id, to show beside its id.
pub fn asset_id_of(conn: &mut DbConn, id: Option<StandardId>) -> AppResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(standards::table
        .find(id)
        .select(standards::asset_id)
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConn, id: StandardId) -> AppResult<Standard> {
    standards::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("standard"))
}

/// The latest calibration of each standard, by calibration date.
pub(super) fn current_calibrations(
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
        let pattern = crate::services::like_pattern(q);
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
    let today = ctx.today();
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|s| {
                let c = current.remove(&s.id);
                StandardView::of(s, c, DUE_SOON_DAYS, today)
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
        let updated = change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            "update",
            None,
            |conn, before| {
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
                Ok(updated)
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
/// A status move of a standard, with its history row: by a quality manager (with `If-Match`) or
/// by the service itself (a failed intermediate check).
pub(super) fn set_status(
    conn: &mut DbConn,
    ctx: &Ctx,
    before: Standard,
    expected_version: Option<i32>,
    to: StandardStatus,
    reason: &str,
) -> AppResult<Standard> {
    change_versioned(
        conn,
        ctx,
        before,
        expected_version,
        "change_status",
        Some(reason),
        |conn, before| {
            if before.status == to {
                return Err(AppError::Conflict(format!("the standard is already {to}")));
            }
            if before.status == StandardStatus::Retired {
                return Err(AppError::Conflict(
                    "a retired standard stays retired".into(),
                ));
            }
            let updated = diesel::update(standards::table.find(before.id))
                .set((
                    standards::status.eq(to),
                    standards::status_reason.eq(reason),
                    standards::version.eq(before.version + 1),
                    standards::updated_at.eq(ctx.now()),
                ))
                .get_result::<Standard>(conn)?;
            insert_status_change(conn, ctx, before.id, Some(before.status), to, reason)?;
            Ok(updated)
        },
    )
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
        set_status(conn, ctx, before, expected_version, input.status, &reason)
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
