//! Customer instruments (ISO/IEC 17025 §7.4): registration with unique lab ids, the tolerance
//! agreed with the customer, search, recall dates, bulk intake from CSV and the customer's own
//! register (its measurement assurance programme) as a list or a CSV export.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::cmc::quantity_exists;
use super::{change_versioned, optional_text, required_text, Ctx, Page, PageRequest};
use crate::db::models::{Instrument, InstrumentChanges, ItemStatusEvent};
use crate::db::schema::{
    certificates, customers, instruments, item_status_events, work_order_items, work_orders,
};
use crate::db::UtcTime;
use crate::db::{
    lower, lower_opt, take_sequence, write_tx, CertificateId, CustomerId, DbConn, InstrumentId,
};
use crate::domain::certificate::CertificateStatus;
use crate::domain::intake::{next_due, ItemStatus, ToleranceBand};
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInstrument {
    /// The owner: required here; at intake it is the work order's customer.
    pub customer_id: Option<CustomerId>,
    pub description: String,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    /// The customer's own asset tag.
    pub asset_tag: Option<String>,
    /// A quantity code from `GET /api/v1/quantities`.
    pub quantity: Option<String>,
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: Option<String>,
    pub resolution: Option<String>,
    /// Maximum permissible errors per range.
    #[serde(default)]
    pub tolerance: Vec<ToleranceBand>,
    /// The customer's recalibration interval, if they set one.
    pub recalibration_interval_months: Option<i32>,
    /// The last calibration before the lab's first, if known (for recall).
    pub last_calibrated_on: Option<NaiveDate>,
    /// Lab-internal notes; never shown to the customer.
    pub internal_notes: Option<String>,
}

/// A partial update; empty text clears an optional field.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstrument {
    pub description: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub asset_tag: Option<String>,
    pub quantity: Option<String>,
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: Option<String>,
    pub resolution: Option<String>,
    pub tolerance: Option<Vec<ToleranceBand>>,
    pub recalibration_interval_months: Option<i32>,
    pub internal_notes: Option<String>,
}

/// An instrument as the caller may see it: `internal_notes` only for staff.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct InstrumentView {
    #[serde(flatten)]
    pub instrument: Instrument,
    pub customer_name: String,
    /// Certificates issued for it, newest first, with their status (a superseded or revoked one
    /// says so).
    pub certificates: Vec<InstrumentCertificate>,
}

/// A certificate as listed with its instrument.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct InstrumentCertificate {
    pub id: CertificateId,
    pub number: String,
    pub status: CertificateStatus,
    pub issued_on: NaiveDate,
}

impl InstrumentView {
    fn of(
        mut instrument: Instrument,
        customer_name: String,
        certificates: Vec<InstrumentCertificate>,
        ctx: &Ctx,
    ) -> Self {
        if ctx.customer_scope().is_some() {
            instrument.internal_notes = None;
        }
        InstrumentView {
            instrument,
            customer_name,
            certificates,
        }
    }
}

/// Instrument lab ids: `TB` (thiết bị), the two-digit year and a six-digit yearly sequence.
fn lab_ids(conn: &mut DbConn, ctx: &Ctx, count: usize) -> AppResult<Vec<String>> {
    let year = ctx.clock.now().format("%y").to_string();
    let first = take_sequence(conn, &format!("instrument:{year}"), count as i64)?;
    Ok((0..count as i64)
        .map(|i| format!("TB{year}-{:06}", first + i))
        .collect())
}

/// Checks one instrument's fields; `prefix` names where it sits in the request (or CSV line).
fn check(
    i: &Instrument,
    tolerance: &[ToleranceBand],
    prefix: &str,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    let field = |name: &str| format!("{prefix}{name}");
    if i.description.trim().is_empty() {
        errors.push(FieldError::new(field("description"), "must not be empty"));
    }
    if let (Some(min), Some(max)) = (i.range_min, i.range_max) {
        if min > max {
            errors.push(FieldError::new(
                field("range_max"),
                "must not be below range_min",
            ));
        }
    }
    for (name, v) in [("range_min", i.range_min), ("range_max", i.range_max)] {
        if v.is_some_and(|v| !v.is_finite()) {
            errors.push(FieldError::new(field(name), "must be a finite number"));
        }
    }
    if i.recalibration_interval_months
        .is_some_and(|m| !(1..=240).contains(&m))
    {
        errors.push(FieldError::new(
            field("recalibration_interval_months"),
            "must be from 1 to 240",
        ));
    }
    if i.last_calibrated_on.is_some_and(|d| d > today) {
        errors.push(FieldError::new(
            field("last_calibrated_on"),
            "must not be in the future",
        ));
    }
    for (n, band) in tolerance.iter().enumerate() {
        for (name, message) in band.problems() {
            errors.push(FieldError::new(
                field(&format!("tolerance[{n}].{name}")),
                message,
            ));
        }
    }
}

fn new_instrument(
    ctx: &Ctx,
    input: CreateInstrument,
    lab_id: String,
) -> AppResult<(Instrument, Vec<ToleranceBand>)> {
    let at = ctx.now();
    let tolerance = input.tolerance;
    Ok((
        Instrument {
            id: InstrumentId::new(),
            lab_id,
            customer_id: input.customer_id.unwrap_or_default(),
            description: input.description.trim().to_string(),
            manufacturer: optional_text(input.manufacturer),
            model: optional_text(input.model),
            serial_number: optional_text(input.serial_number),
            asset_tag: optional_text(input.asset_tag),
            quantity: optional_text(input.quantity),
            range_min: input.range_min,
            range_max: input.range_max,
            unit: optional_text(input.unit),
            resolution: optional_text(input.resolution),
            tolerance: serde_json::to_string(&tolerance).map_err(AppError::internal)?,
            recalibration_interval_months: input.recalibration_interval_months,
            last_calibrated_on: input.last_calibrated_on,
            last_verdict: None,
            next_due_on: next_due(
                input.last_calibrated_on,
                input.recalibration_interval_months,
            ),
            status: ItemStatus::Registered,
            internal_notes: optional_text(input.internal_notes),
            version: 1,
            created_at: at,
            updated_at: at,
            deleted_at: None,
            deleted_by: None,
            delete_reason: None,
        },
        tolerance,
    ))
}

fn customer_name(conn: &mut DbConn, id: CustomerId) -> AppResult<String> {
    customers::table
        .find(id)
        .select(customers::name)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("customer"))
}

/// Registers instruments (already validated) inside the caller's transaction, with one audit event
/// for the batch. Used by single registration, work order intake and CSV import.
pub fn insert_all(
    conn: &mut DbConn,
    ctx: &Ctx,
    inputs: Vec<CreateInstrument>,
    action: &str,
) -> AppResult<Vec<Instrument>> {
    let ids = lab_ids(conn, ctx, inputs.len())?;
    let rows = inputs
        .into_iter()
        .zip(ids)
        .map(|(input, lab_id)| new_instrument(ctx, input, lab_id).map(|(i, _)| i))
        .collect::<AppResult<Vec<_>>>()?;
    crate::insert_many!(conn, instruments::table, rows, 500);
    let after = if rows.len() == 1 {
        audit_trail::snapshot(&rows[0])
    } else {
        Some(serde_json::json!({
            "count": rows.len(),
            "instruments": rows.iter().map(|i| serde_json::json!({"id": i.id, "lab_id": i.lab_id})).collect::<Vec<_>>(),
        }))
    };
    audit_trail::record(
        conn,
        ctx,
        Change {
            action,
            entity_type: "instrument",
            entity_id: (rows.len() == 1).then(|| rows[0].id.to_string()),
            after,
            ..Default::default()
        },
    )?;
    Ok(rows)
}

/// Validates new instruments, as a request body (`prefix` "") or the items of a work order.
pub fn validate_new(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: &CreateInstrument,
    prefix: &str,
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    let (probe, tolerance) = new_instrument(ctx, input.clone(), String::new())?;
    check(&probe, &tolerance, prefix, ctx.today(), errors);
    if let Some(q) = &probe.quantity {
        if !quantity_exists(conn, q)? {
            errors.push(FieldError::new(
                format!("{prefix}quantity"),
                "unknown quantity; see GET /api/v1/quantities",
            ));
        }
    }
    Ok(())
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, input: CreateInstrument) -> AppResult<InstrumentView> {
    let mut errors = Vec::new();
    validate_new(conn, ctx, &input, "", &mut errors)?;
    match input.customer_id {
        Some(id) if super::customers::exists(conn, id)? => {}
        Some(_) => errors.push(FieldError::new("customer_id", "no such customer")),
        None => errors.push(FieldError::new("customer_id", "is required")),
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let created = write_tx(conn, |conn| insert_all(conn, ctx, vec![input], "create"))?;
    views(conn, ctx, created)?
        .pop()
        .ok_or_else(|| AppError::internal("nothing inserted"))
}

fn find(conn: &mut DbConn, ctx: &Ctx, id: InstrumentId) -> AppResult<Instrument> {
    let mut query = instruments::table
        .find(id)
        .filter(instruments::deleted_at.is_null())
        .into_boxed();
    if let Some(own) = ctx.customer_scope() {
        query = query.filter(instruments::customer_id.eq(own));
    }
    query
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("instrument"))
}

/// An instrument the caller may see, with its owner's name.
pub fn find_visible(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: InstrumentId,
) -> AppResult<(Instrument, String)> {
    let i = find(conn, ctx, id)?;
    let name = customer_name(conn, i.customer_id)?;
    Ok((i, name))
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: InstrumentId) -> AppResult<InstrumentView> {
    let i = find(conn, ctx, id)?;
    one_view(conn, ctx, i)
}

#[derive(Debug, Default, Clone)]
pub struct InstrumentFilter {
    /// Part of the lab id, serial number, asset tag, description, manufacturer or model.
    pub q: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub status: Option<ItemStatus>,
    /// Only instruments due on or before this date.
    pub due_before: Option<NaiveDate>,
}

type Boxed<'a> = instruments::BoxedQuery<'a, crate::db::MultiBackend>;

/// The one place an instrument query is scoped: a customer user reaches only its own.
fn scoped<'a>(ctx: &Ctx, filter: &InstrumentFilter) -> Boxed<'a> {
    let mut query: Boxed<'a> = instruments::table
        .filter(instruments::deleted_at.is_null())
        .into_boxed();
    if let Some(own) = ctx.customer_scope() {
        query = query.filter(instruments::customer_id.eq(own));
    } else if let Some(customer) = filter.customer_id {
        query = query.filter(instruments::customer_id.eq(customer));
    }
    if let Some(status) = filter.status {
        query = query.filter(instruments::status.eq(status));
    }
    if let Some(due) = filter.due_before {
        query = query.filter(instruments::next_due_on.le(due));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = super::like_pattern(q);
        query = query.filter(
            lower(instruments::lab_id)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(instruments::description)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(lower_opt(instruments::serial_number)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(lower_opt(instruments::asset_tag)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(lower_opt(instruments::manufacturer)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(lower_opt(instruments::model).like(pattern).escape('\\')),
        );
    }
    query
}

fn one_view(conn: &mut DbConn, ctx: &Ctx, i: Instrument) -> AppResult<InstrumentView> {
    views(conn, ctx, vec![i])?
        .pop()
        .ok_or(AppError::NotFound("instrument"))
}

/// Each instrument's lab id and description, for lists of other things that name them.
pub fn names(
    conn: &mut DbConn,
    ids: &[InstrumentId],
) -> AppResult<std::collections::HashMap<InstrumentId, String>> {
    Ok(instruments::table
        .filter(instruments::id.eq_any(ids))
        .select((
            instruments::id,
            instruments::lab_id,
            instruments::description,
        ))
        .load::<(InstrumentId, String, String)>(conn)?
        .into_iter()
        .map(|(id, lab_id, description)| (id, format!("{lab_id} · {description}")))
        .collect())
}

/// Views of instruments with their owners' names and their certificates, in two queries for the
/// whole page.
fn views(conn: &mut DbConn, ctx: &Ctx, rows: Vec<Instrument>) -> AppResult<Vec<InstrumentView>> {
    let mut ids: Vec<CustomerId> = rows.iter().map(|i| i.customer_id).collect();
    ids.sort();
    ids.dedup();
    let names: std::collections::HashMap<CustomerId, String> = customers::table
        .filter(customers::id.eq_any(ids))
        .select((customers::id, customers::name))
        .load::<(CustomerId, String)>(conn)?
        .into_iter()
        .collect();
    let mut certificates: std::collections::HashMap<InstrumentId, Vec<InstrumentCertificate>> =
        std::collections::HashMap::new();
    for (instrument, c) in certificates::table
        .filter(certificates::instrument_id.eq_any(rows.iter().map(|i| i.id).collect::<Vec<_>>()))
        .order(certificates::id.desc())
        .select((
            certificates::instrument_id,
            (
                certificates::id,
                certificates::number,
                certificates::status,
                certificates::issued_on,
            ),
        ))
        .load::<(
            InstrumentId,
            (CertificateId, String, CertificateStatus, NaiveDate),
        )>(conn)?
    {
        let (id, number, status, issued_on) = c;
        certificates
            .entry(instrument)
            .or_default()
            .push(InstrumentCertificate {
                id,
                number,
                status,
                issued_on,
            });
    }
    Ok(rows
        .into_iter()
        .map(|i| {
            let name = names.get(&i.customer_id).cloned().unwrap_or_default();
            let certs = certificates.remove(&i.id).unwrap_or_default();
            InstrumentView::of(i, name, certs, ctx)
        })
        .collect())
}

pub fn list(
    conn: &mut DbConn,
    ctx: &Ctx,
    filter: &InstrumentFilter,
    page: &PageRequest,
) -> AppResult<Page<InstrumentView>> {
    let mut query = scoped(ctx, filter);
    if let Some(after) = page.after_as::<InstrumentId>()? {
        query = query.filter(instruments::id.gt(after));
    }
    let rows = query
        .order(instruments::id.asc())
        .limit(page.limit()? + 1)
        .load::<Instrument>(conn)?;
    let page = page.page(rows, |i| i.id.to_string())?;
    Ok(Page {
        items: views(conn, ctx, page.items)?,
        next_cursor: page.next_cursor,
    })
}

/// Instruments with a due date, soonest first (overdue included), as filtered: the recall list
/// when `due_before` is set.
pub fn due(
    conn: &mut DbConn,
    ctx: &Ctx,
    filter: &InstrumentFilter,
    page: &PageRequest,
) -> AppResult<Page<InstrumentView>> {
    let mut query = scoped(ctx, filter).filter(instruments::next_due_on.is_not_null());
    // The cursor is "due date|id", the sort key.
    if let Some(after) = page.after()? {
        let (date, id) = after
            .split_once('|')
            .and_then(|(d, i)| {
                Some((
                    d.parse::<NaiveDate>().ok()?,
                    i.parse::<InstrumentId>().ok()?,
                ))
            })
            .ok_or_else(|| AppError::field("cursor", "not a cursor returned by this list"))?;
        query = query.filter(
            instruments::next_due_on
                .gt(date)
                .or(instruments::next_due_on
                    .eq(date)
                    .and(instruments::id.gt(id))),
        );
    }
    let rows = query
        .order((instruments::next_due_on.asc(), instruments::id.asc()))
        .limit(page.limit()? + 1)
        .load::<Instrument>(conn)?;
    let page = page.page(rows, |i| {
        format!("{}|{}", i.next_due_on.unwrap_or_default(), i.id)
    })?;
    Ok(Page {
        items: views(conn, ctx, page.items)?,
        next_cursor: page.next_cursor,
    })
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: InstrumentId,
    expected_version: Option<i32>,
    input: UpdateInstrument,
) -> AppResult<InstrumentView> {
    let mut errors = Vec::new();
    if let Some(q) = input
        .quantity
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        if !quantity_exists(conn, q)? {
            errors.push(FieldError::new(
                "quantity",
                "unknown quantity; see GET /api/v1/quantities",
            ));
        }
    }
    let changes = InstrumentChanges {
        description: input
            .description
            .as_deref()
            .map(|d| required_text("description", d, &mut errors)),
        manufacturer: input.manufacturer.map(|v| optional_text(Some(v))),
        model: input.model.map(|v| optional_text(Some(v))),
        serial_number: input.serial_number.map(|v| optional_text(Some(v))),
        asset_tag: input.asset_tag.map(|v| optional_text(Some(v))),
        quantity: input.quantity.map(|v| optional_text(Some(v))),
        range_min: input.range_min.map(Some),
        range_max: input.range_max.map(Some),
        unit: input.unit.map(|v| optional_text(Some(v))),
        resolution: input.resolution.map(|v| optional_text(Some(v))),
        tolerance: input
            .tolerance
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(AppError::internal)?,
        recalibration_interval_months: input.recalibration_interval_months.map(Some),
        internal_notes: input.internal_notes.map(|v| optional_text(Some(v))),
        ..Default::default()
    };
    let updated = write_tx(conn, |conn| {
        let before = find(conn, ctx, id)?;
        let updated = change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            "update",
            None,
            |conn, before| {
                let mut changes = changes;
                if changes.recalibration_interval_months.is_some() {
                    let interval = changes.recalibration_interval_months.flatten();
                    changes.next_due_on = Some(next_due(before.last_calibrated_on, interval));
                }
                let updated = diesel::update(instruments::table.find(id))
                    .set((
                        &changes,
                        instruments::version.eq(before.version + 1),
                        instruments::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<Instrument>(conn)?;
                let tolerance: Vec<ToleranceBand> =
                    serde_json::from_str(&updated.tolerance).unwrap_or_default();
                check(&updated, &tolerance, "", ctx.today(), &mut errors);
                if !errors.is_empty() {
                    return Err(AppError::Validation(std::mem::take(&mut errors)));
                }
                Ok(updated)
            },
        )?;
        Ok(updated)
    })?;
    one_view(conn, ctx, updated)
}

/// Logical deletion, refused while the instrument is in the lab.
pub fn delete(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: InstrumentId,
    expected_version: Option<i32>,
    reason: &str,
) -> AppResult<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "a reason is required"));
    }
    write_tx(conn, |conn| {
        let before = find(conn, ctx, id)?;
        let _updated = change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            "delete",
            Some(reason),
            |conn, before| {
                if before.status.in_lab() {
                    return Err(AppError::Conflict(format!(
                        "the instrument is in the lab ({}); return it first",
                        before.status
                    )));
                }
                let updated = diesel::update(instruments::table.find(id))
                    .set((
                        instruments::deleted_at.eq(ctx.now()),
                        instruments::deleted_by.eq(ctx.user_id),
                        instruments::delete_reason.eq(reason),
                        instruments::version.eq(before.version + 1),
                    ))
                    .get_result::<Instrument>(conn)?;
                Ok(updated)
            },
        )?;
        Ok(())
    })
}

/// One status change of one visit, with the work order it belongs to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub work_order_number: String,
    pub from_status: Option<ItemStatus>,
    pub to_status: ItemStatus,
    pub reason: Option<String>,
    pub changed_at: UtcTime,
}

/// Every status change of the instrument, across all its visits, oldest first.
pub fn history(conn: &mut DbConn, ctx: &Ctx, id: InstrumentId) -> AppResult<Vec<HistoryEntry>> {
    find(conn, ctx, id)?;
    let rows = item_status_events::table
        .inner_join(
            work_order_items::table.on(work_order_items::id.eq(item_status_events::item_id)),
        )
        .inner_join(work_orders::table.on(work_orders::id.eq(work_order_items::work_order_id)))
        .filter(item_status_events::instrument_id.eq(id))
        .order(item_status_events::changed_at.asc())
        .select((ItemStatusEvent::as_select(), work_orders::number))
        .load::<(ItemStatusEvent, String)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(e, number)| HistoryEntry {
            work_order_number: number,
            from_status: e.from_status,
            to_status: e.to_status,
            reason: e.reason,
            changed_at: e.changed_at,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// CSV

/// The columns of an import file, in any order; `description` is required.
pub const CSV_COLUMNS: &[&str] = &[
    "description",
    "manufacturer",
    "model",
    "serial_number",
    "asset_tag",
    "quantity",
    "range_min",
    "range_max",
    "unit",
    "resolution",
    "mpe_absolute",
    "mpe_relative",
    "recalibration_interval_months",
    "last_calibrated_on",
];

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub imported: usize,
    pub instruments: Vec<ImportedInstrument>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ImportedInstrument {
    pub line: usize,
    pub id: InstrumentId,
    pub lab_id: String,
}

/// One line of an instrument CSV as the instrument it describes; what cannot be read is reported
/// against its line and column.
fn row_input(
    record: &csv::StringRecord,
    columns: &std::collections::HashMap<String, usize>,
    line: usize,
    customer: CustomerId,
    quantities: &std::collections::HashSet<String>,
    errors: &mut Vec<FieldError>,
) -> CreateInstrument {
    let text = |name: &str| {
        columns
            .get(name)
            .and_then(|&i| record.get(i))
            .map(str::to_string)
            .filter(|v| !v.is_empty())
    };
    let number = |name: &str, errors: &mut Vec<FieldError>| -> Option<f64> {
        let v = text(name)?;
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                errors.push(FieldError::new(
                    format!("line {line}: {name}"),
                    format!("{v:?} is not a number"),
                ));
                None
            }
        }
    };
    let range_min = number("range_min", errors);
    let range_max = number("range_max", errors);
    let mpe_absolute = number("mpe_absolute", errors);
    let mpe_relative = number("mpe_relative", errors);
    let interval = text("recalibration_interval_months").and_then(|v| match v.parse::<i32>() {
        Ok(m) => Some(m),
        Err(_) => {
            errors.push(FieldError::new(
                format!("line {line}: recalibration_interval_months"),
                format!("{v:?} is not a whole number"),
            ));
            None
        }
    });
    let last = text("last_calibrated_on").and_then(|v| match v.parse::<NaiveDate>() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                format!("line {line}: last_calibrated_on"),
                format!("{v:?} is not a date (YYYY-MM-DD)"),
            ));
            None
        }
    });
    let quantity = text("quantity");
    if let Some(q) = &quantity {
        if !quantities.contains(q) {
            errors.push(FieldError::new(
                format!("line {line}: quantity"),
                format!("unknown quantity {q:?}"),
            ));
        }
    }
    let tolerance = if mpe_absolute.is_some() || mpe_relative.is_some() {
        vec![ToleranceBand {
            range_min,
            range_max,
            mpe_absolute,
            mpe_relative,
        }]
    } else {
        Vec::new()
    };
    CreateInstrument {
        customer_id: Some(customer),
        description: text("description").unwrap_or_default(),
        manufacturer: text("manufacturer"),
        model: text("model"),
        serial_number: text("serial_number"),
        asset_tag: text("asset_tag"),
        quantity,
        range_min,
        range_max,
        unit: text("unit"),
        resolution: text("resolution"),
        tolerance,
        recalibration_interval_months: interval,
        last_calibrated_on: last,
        internal_notes: None,
    }
}

/// Imports a customer's instruments from CSV, all or nothing: every bad row is reported with its
/// line and field (`line 7: range_min`), and nothing is written unless every row is good.
pub fn import_csv(
    conn: &mut DbConn,
    ctx: &Ctx,
    customer: CustomerId,
    bytes: &[u8],
) -> AppResult<ImportResult> {
    if !super::customers::exists(conn, customer)? {
        return Err(AppError::field("customer_id", "no such customer"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| AppError::field("line 1", format!("cannot read the header: {e}")))?
        .clone();
    let mut errors = Vec::new();
    let mut columns = std::collections::HashMap::new();
    for (index, name) in headers.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}').to_lowercase();
        if !CSV_COLUMNS.contains(&name.as_str()) {
            errors.push(FieldError::new(
                format!("line 1: {name}"),
                format!("unknown column; known: {}", CSV_COLUMNS.join(", ")),
            ));
        } else if columns.insert(name.clone(), index).is_some() {
            errors.push(FieldError::new(
                format!("line 1: {name}"),
                "column given twice",
            ));
        }
    }
    if !columns.contains_key("description") {
        errors.push(FieldError::new(
            "line 1: description",
            "the description column is required",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let quantities: std::collections::HashSet<String> = super::cmc::list_quantities(conn)?
        .into_iter()
        .map(|q| q.code)
        .collect();
    let mut inputs = Vec::new();
    let today = ctx.today();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError::new(format!("line {line}"), e.to_string()));
                continue;
            }
        };
        let input = row_input(&record, &columns, line, customer, &quantities, &mut errors);
        let (probe, bands) = new_instrument(ctx, input.clone(), String::new())?;
        check(
            &probe,
            &bands,
            &format!("line {line}: "),
            today,
            &mut errors,
        );
        inputs.push((line, input));
    }
    if inputs.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("line 2", "the file has no instruments"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let lines: Vec<usize> = inputs.iter().map(|(line, _)| *line).collect();
    let created = write_tx(conn, |conn| {
        insert_all(
            conn,
            ctx,
            inputs.into_iter().map(|(_, i)| i).collect(),
            "import",
        )
    })?;
    Ok(ImportResult {
        imported: created.len(),
        instruments: created
            .into_iter()
            .zip(lines)
            .map(|(i, line)| ImportedInstrument {
                line,
                id: i.id,
                lab_id: i.lab_id,
            })
            .collect(),
    })
}

/// The register as CSV: what a customer needs for its measurement assurance programme.
pub fn export_csv(conn: &mut DbConn, ctx: &Ctx, filter: &InstrumentFilter) -> AppResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "lab_id",
        "customer",
        "description",
        "manufacturer",
        "model",
        "serial_number",
        "asset_tag",
        "range_min",
        "range_max",
        "unit",
        "status",
        "last_calibrated_on",
        "last_verdict",
        "next_due_on",
    ];
    writer.write_record(header).map_err(AppError::internal)?;
    let mut after: Option<InstrumentId> = None;
    loop {
        let mut query = scoped(ctx, filter);
        if let Some(id) = after {
            query = query.filter(instruments::id.gt(id));
        }
        let rows = query
            .order(instruments::id.asc())
            .limit(1000)
            .load::<Instrument>(conn)?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        for i in views(conn, ctx, rows)? {
            let text = |v: Option<String>| inert(v.unwrap_or_default());
            let number = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
            writer
                .write_record([
                    inert(i.instrument.lab_id),
                    inert(i.customer_name),
                    inert(i.instrument.description),
                    text(i.instrument.manufacturer),
                    text(i.instrument.model),
                    text(i.instrument.serial_number),
                    text(i.instrument.asset_tag),
                    number(i.instrument.range_min),
                    number(i.instrument.range_max),
                    text(i.instrument.unit),
                    i.instrument.status.to_string(),
                    i.instrument
                        .last_calibrated_on
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    text(i.instrument.last_verdict),
                    i.instrument
                        .next_due_on
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ])
                .map_err(AppError::internal)?;
        }
    }
    writer.into_inner().map_err(AppError::internal)
}

/// A text cell that a spreadsheet will not run: one that starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return is prefixed with `'` (OWASP, CSV injection). Only text the users typed goes
/// through here; numbers and dates the service writes are left as they are.
fn inert(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

/// The item label's content (§7.4.2: unique identification of the item), for the PDF.
pub fn label(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: InstrumentId,
    public_url: &str,
) -> AppResult<crate::pdf::LabelData> {
    let (instrument, customer_name) = find_visible(conn, ctx, id)?;
    let lab = super::lab::load(conn)?;
    let language = customers::table
        .find(instrument.customer_id)
        .select(customers::preferred_language)
        .first::<crate::domain::CertificateLanguage>(conn)?;
    // The visit in progress, if any: its receipt date and promised date.
    let visit: Option<(UtcTime, Option<NaiveDate>)> = work_order_items::table
        .inner_join(work_orders::table.on(work_orders::id.eq(work_order_items::work_order_id)))
        .filter(work_order_items::instrument_id.eq(id))
        .order(work_orders::received_at.desc())
        .select((work_orders::received_at, work_orders::promised_on))
        .first(conn)
        .optional()?;
    Ok(crate::pdf::LabelData {
        language,
        size: crate::pdf::label::LABEL_62X29,
        qr_content: Some(format!("{public_url}/api/v1/instruments/{id}")),
        lab_id: instrument.lab_id,
        customer_name,
        received_date: ctx
            .clock
            .local_date(visit.map_or(instrument.created_at, |(at, _)| at).utc()),
        return_by: visit.and_then(|(_, promised)| promised),
        lab_name: lab.name_vi,
        generated_at: ctx.clock.now(),
    })
}

/// The quantity an instrument measures, as registered.
pub fn quantity_of(conn: &mut DbConn, id: InstrumentId) -> AppResult<Option<String>> {
    Ok(instruments::table
        .find(id)
        .select(instruments::quantity)
        .first::<Option<String>>(conn)?)
}
