//! Work orders: the intake of customer items (ISO/IEC 17025 §7.1 review of requests, §7.4 handling
//! of items) and each item's way through the lab, one audited status change at a time.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::instruments::{self, CreateInstrument};
use super::{change_versioned, optional_text, Ctx, Page, PageRequest};
use crate::db::models::{Instrument, ItemStatusEvent, WorkOrder, WorkOrderItem};
use crate::db::schema::{
    calibration_records, customers, instruments as instruments_table, item_status_events, users,
    work_order_items, work_orders,
};
use crate::db::{
    take_sequence, write_tx, CalibrationRecordId, CustomerId, DbConn, InstrumentId, ItemEventId,
    ServiceRequestId, UserId, UtcTime, WorkOrderId, WorkOrderItemId,
};
use crate::domain::calibration::RecordStatus;
use crate::domain::intake::{ConditionFlag, DecisionRuleKind, ItemStatus, Service};
use crate::domain::Decimal;
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceivedCondition {
    #[serde(default)]
    pub flags: Vec<ConditionFlag>,
    /// As received, in words.
    pub remarks: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    /// An instrument already registered for this customer, or:
    pub instrument_id: Option<InstrumentId>,
    /// a new one, registered at intake (its `customer_id` is the work order's).
    pub new_instrument: Option<CreateInstrument>,
    pub service: Service,
    /// The points the customer asked for, as agreed.
    pub requested_points: Option<String>,
    /// The decision rule agreed at contract review (§7.1.3).
    #[serde(default = "no_rule")]
    pub decision_rule: DecisionRuleKind,
    /// The guard band w, for `guard_band` only.
    pub guard_band: Option<Decimal>,
    /// Whether the customer asked for a due date on the certificate.
    #[serde(default)]
    pub due_date_on_certificate: bool,
    #[serde(default)]
    pub condition: ReceivedCondition,
    pub accessories: Option<String>,
}

fn no_rule() -> DecisionRuleKind {
    DecisionRuleKind::None
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkOrder {
    pub customer_id: CustomerId,
    /// When the items arrived; now when absent.
    pub received_at: Option<UtcTime>,
    /// Who brought them.
    pub delivered_by: Option<String>,
    pub promised_on: Option<NaiveDate>,
    /// The review of the request (§7.1.1): what was agreed, deviations, subcontracting.
    pub contract_review_note: Option<String>,
    pub notes: Option<String>,
    pub items: Vec<NewItem>,
    /// The customer's request this work order accepts, if it came as one.
    #[serde(default)]
    pub service_request_id: Option<ServiceRequestId>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeItemStatus {
    pub status: ItemStatus,
    /// Required to put on hold, cancel, or send back to calibration.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ItemInstrument {
    pub id: InstrumentId,
    pub lab_id: String,
    pub description: String,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    /// The customer's own asset tag.
    pub asset_tag: Option<String>,
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub id: WorkOrderItemId,
    pub line_no: i32,
    pub instrument: ItemInstrument,
    pub service: Service,
    pub requested_points: Option<String>,
    pub decision_rule: DecisionRuleKind,
    pub guard_band: Option<String>,
    pub due_date_on_certificate: bool,
    pub condition: ReceivedCondition,
    pub accessories: Option<String>,
    pub status: ItemStatus,
    pub status_reason: Option<String>,
    pub version: i32,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkOrderView {
    pub id: WorkOrderId,
    pub number: String,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub received_at: UtcTime,
    pub received_by: Option<String>,
    pub delivered_by: Option<String>,
    pub promised_on: Option<NaiveDate>,
    /// Lab-internal; not shown to customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_review_note: Option<String>,
    pub notes: Option<String>,
    pub items: Vec<ItemView>,
    pub version: i32,
    pub created_at: UtcTime,
}

fn find(conn: &mut DbConn, ctx: &Ctx, id: WorkOrderId) -> AppResult<WorkOrder> {
    let mut query = work_orders::table.find(id).into_boxed();
    if let Some(own) = ctx.customer_scope() {
        query = query.filter(work_orders::customer_id.eq(own));
    }
    query
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("work order"))
}

fn views(conn: &mut DbConn, ctx: &Ctx, orders: Vec<WorkOrder>) -> AppResult<Vec<WorkOrderView>> {
    let ids: Vec<WorkOrderId> = orders.iter().map(|o| o.id).collect();
    let items = work_order_items::table
        .inner_join(
            instruments_table::table.on(instruments_table::id.eq(work_order_items::instrument_id)),
        )
        .filter(work_order_items::work_order_id.eq_any(&ids))
        .order((
            work_order_items::work_order_id.asc(),
            work_order_items::line_no.asc(),
        ))
        .select((WorkOrderItem::as_select(), Instrument::as_select()))
        .load::<(WorkOrderItem, Instrument)>(conn)?;
    let mut by_order: HashMap<WorkOrderId, Vec<ItemView>> = HashMap::new();
    for (item, instrument) in items {
        by_order
            .entry(item.work_order_id)
            .or_default()
            .push(ItemView {
                id: item.id,
                line_no: item.line_no,
                instrument: ItemInstrument {
                    id: instrument.id,
                    lab_id: instrument.lab_id,
                    description: instrument.description,
                    manufacturer: instrument.manufacturer,
                    model: instrument.model,
                    serial_number: instrument.serial_number,
                    asset_tag: instrument.asset_tag,
                    range_min: instrument.range_min,
                    range_max: instrument.range_max,
                    unit: instrument.unit,
                },
                service: item.service,
                requested_points: item.requested_points,
                decision_rule: item.decision_rule,
                guard_band: item.guard_band,
                due_date_on_certificate: item.due_date_on_certificate != 0,
                condition: ReceivedCondition {
                    flags: serde_json::from_str(&item.condition_flags).unwrap_or_default(),
                    remarks: item.condition_remarks,
                },
                accessories: item.accessories,
                status: item.status,
                status_reason: item.status_reason,
                version: item.version,
            });
    }
    let customer_ids: Vec<CustomerId> = orders.iter().map(|o| o.customer_id).collect();
    let names: HashMap<CustomerId, String> = customers::table
        .filter(customers::id.eq_any(customer_ids))
        .select((customers::id, customers::name))
        .load::<(CustomerId, String)>(conn)?
        .into_iter()
        .collect();
    let user_ids: Vec<UserId> = orders.iter().filter_map(|o| o.received_by).collect();
    let people: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(user_ids))
        .select((users::id, users::name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    let staff = ctx.customer_scope().is_none();
    Ok(orders
        .into_iter()
        .map(|o| WorkOrderView {
            items: by_order.remove(&o.id).unwrap_or_default(),
            customer_name: names.get(&o.customer_id).cloned().unwrap_or_default(),
            received_by: o.received_by.and_then(|u| people.get(&u).cloned()),
            contract_review_note: o.contract_review_note.filter(|_| staff),
            id: o.id,
            number: o.number,
            customer_id: o.customer_id,
            received_at: o.received_at,
            delivered_by: o.delivered_by,
            promised_on: o.promised_on,
            notes: o.notes,
            version: o.version,
            created_at: o.created_at,
        })
        .collect())
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: WorkOrderId) -> AppResult<WorkOrderView> {
    let order = find(conn, ctx, id)?;
    views(conn, ctx, vec![order])?
        .pop()
        .ok_or(AppError::NotFound("work order"))
}

pub fn list(
    conn: &mut DbConn,
    ctx: &Ctx,
    customer: Option<CustomerId>,
    page: &PageRequest,
) -> AppResult<Page<WorkOrderView>> {
    let mut query = work_orders::table.into_boxed();
    if let Some(own) = ctx.customer_scope() {
        query = query.filter(work_orders::customer_id.eq(own));
    } else if let Some(c) = customer {
        query = query.filter(work_orders::customer_id.eq(c));
    }
    if let Some(after) = page.after_as::<WorkOrderId>()? {
        query = query.filter(work_orders::id.gt(after));
    }
    let rows = query
        .order(work_orders::id.asc())
        .limit(page.limit()? + 1)
        .load::<WorkOrder>(conn)?;
    let page = page.page(rows, |o| o.id.to_string())?;
    Ok(Page {
        items: views(conn, ctx, page.items)?,
        next_cursor: page.next_cursor,
    })
}

fn check_item(
    conn: &mut DbConn,
    ctx: &Ctx,
    customer: CustomerId,
    n: usize,
    item: &NewItem,
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    let field = |name: &str| format!("items[{n}].{name}");
    match (&item.instrument_id, &item.new_instrument) {
        (Some(_), Some(_)) | (None, None) => errors.push(FieldError::new(
            field("instrument_id"),
            "give exactly one of instrument_id and new_instrument",
        )),
        (Some(id), None) => {
            let found = instruments_table::table
                .find(id)
                .filter(instruments_table::deleted_at.is_null())
                .filter(instruments_table::customer_id.eq(customer))
                .select((instruments_table::lab_id, instruments_table::status))
                .first::<(String, ItemStatus)>(conn)
                .optional()?;
            match found {
                None => errors.push(FieldError::new(
                    field("instrument_id"),
                    "no such instrument of this customer",
                )),
                Some((lab_id, status)) if status.in_lab() => errors.push(FieldError::new(
                    field("instrument_id"),
                    format!("{lab_id} is already in the lab ({status})"),
                )),
                Some(_) => {}
            }
        }
        (None, Some(new)) => {
            if new.customer_id.is_some_and(|c| c != customer) {
                errors.push(FieldError::new(
                    field("new_instrument.customer_id"),
                    "must be the work order's customer",
                ));
            }
            instruments::validate_new(conn, ctx, new, &field("new_instrument."), errors)?;
        }
    }
    match (item.decision_rule, &item.guard_band) {
        (DecisionRuleKind::GuardBand, None) => errors.push(FieldError::new(
            field("guard_band"),
            "state the guard band w",
        )),
        (DecisionRuleKind::GuardBand, Some(w)) if w.value() <= 0.0 => errors.push(FieldError::new(
            field("guard_band"),
            "must be greater than 0",
        )),
        (DecisionRuleKind::GuardBand, Some(_)) => {}
        (_, Some(_)) => errors.push(FieldError::new(
            field("guard_band"),
            "only with the guard_band decision rule",
        )),
        (_, None) => {}
    }
    Ok(())
}

/// Receives items: registers new instruments, numbers the work order, and puts every item in
/// `received`, in one transaction with its audit events.
pub fn create(conn: &mut DbConn, ctx: &Ctx, input: CreateWorkOrder) -> AppResult<WorkOrderView> {
    let mut errors = Vec::new();
    if !super::customers::exists(conn, input.customer_id)? {
        return Err(AppError::field("customer_id", "no such customer"));
    }
    if input.items.is_empty() {
        errors.push(FieldError::new(
            "items",
            "a work order needs at least one item",
        ));
    }
    for (n, item) in input.items.iter().enumerate() {
        check_item(conn, ctx, input.customer_id, n, item, &mut errors)?;
    }
    let mut seen = std::collections::HashSet::new();
    for (n, item) in input.items.iter().enumerate() {
        if let Some(id) = item.instrument_id {
            if !seen.insert(id) {
                errors.push(FieldError::new(
                    format!("items[{n}].instrument_id"),
                    "the same instrument twice",
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let customer = input.customer_id;
    let request = input.service_request_id;
    let id = write_tx(conn, |conn| {
        let at = ctx.now();
        let year = ctx.clock.now().format("%y").to_string();
        let seq = take_sequence(conn, &format!("work_order:{year}"), 1)?;
        let order = WorkOrder {
            id: WorkOrderId::new(),
            number: format!("WO{year}-{seq:05}"),
            customer_id: customer,
            received_at: input.received_at.unwrap_or(at),
            received_by: ctx.user_id,
            delivered_by: optional_text(input.delivered_by),
            promised_on: input.promised_on,
            contract_review_note: optional_text(input.contract_review_note),
            notes: optional_text(input.notes),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(work_orders::table)
            .values(&order)
            .execute(conn)?;
        if let Some(request) = request {
            super::service_requests::accept(conn, ctx, request, customer, order.id)?;
        }
        let mut items = Vec::new();
        for (n, item) in input.items.into_iter().enumerate() {
            let instrument_id = match (item.instrument_id, item.new_instrument) {
                (Some(id), _) => id,
                (None, Some(mut new)) => {
                    new.customer_id = Some(customer);
                    let created = instruments::insert_all(conn, ctx, vec![new], "create")?;
                    created
                        .first()
                        .map(|i| i.id)
                        .ok_or_else(|| AppError::internal("nothing inserted"))?
                }
                (None, None) => {
                    return Err(AppError::internal("validated item without instrument"))
                }
            };
            let row = WorkOrderItem {
                id: WorkOrderItemId::new(),
                work_order_id: order.id,
                instrument_id,
                line_no: n as i32 + 1,
                service: item.service,
                requested_points: optional_text(item.requested_points),
                decision_rule: item.decision_rule,
                guard_band: item.guard_band.map(|w| w.to_string()),
                due_date_on_certificate: i32::from(item.due_date_on_certificate),
                condition_flags: serde_json::to_string(&item.condition.flags)
                    .map_err(AppError::internal)?,
                condition_remarks: optional_text(item.condition.remarks),
                accessories: optional_text(item.accessories),
                status: ItemStatus::Received,
                status_before_hold: None,
                status_reason: None,
                version: 1,
                created_at: at,
                updated_at: at,
            };
            diesel::insert_into(work_order_items::table)
                .values(&row)
                .execute(conn)?;
            record_status(conn, ctx, &row, None, ItemStatus::Received, None)?;
            items.push(row);
        }
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "receive",
                entity_type: "work_order",
                entity_id: Some(order.id.to_string()),
                after: Some(serde_json::json!({ "work_order": order, "items": items })),
                ..Default::default()
            },
        )?;
        Ok(order.id)
    })?;
    get(conn, ctx, id)
}

/// The status history row, and the instrument's own status, for one change.
fn record_status(
    conn: &mut DbConn,
    ctx: &Ctx,
    item: &WorkOrderItem,
    from: Option<ItemStatus>,
    to: ItemStatus,
    reason: Option<&str>,
) -> AppResult<()> {
    let at = ctx.now();
    diesel::insert_into(item_status_events::table)
        .values(ItemStatusEvent {
            id: ItemEventId::new(),
            item_id: item.id,
            instrument_id: item.instrument_id,
            from_status: from,
            to_status: to,
            reason: reason.map(str::to_string),
            changed_by: ctx.user_id,
            changed_at: at,
        })
        .execute(conn)?;
    diesel::update(instruments_table::table.find(item.instrument_id))
        .set((
            instruments_table::status.eq(to),
            instruments_table::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves one item along the workflow; a move the workflow does not allow is a 409 that lists the
/// allowed ones.
pub fn change_item_status(
    conn: &mut DbConn,
    ctx: &Ctx,
    order_id: WorkOrderId,
    item_id: WorkOrderItemId,
    expected_version: Option<i32>,
    input: ChangeItemStatus,
) -> AppResult<WorkOrderView> {
    let reason = optional_text(input.reason);
    write_tx(conn, |conn| {
        find(conn, ctx, order_id)?;
        let item = work_order_items::table
            .find(item_id)
            .filter(work_order_items::work_order_id.eq(order_id))
            .first::<WorkOrderItem>(conn)
            .optional()?
            .ok_or(AppError::NotFound("work order item"))?;
        change_versioned(
            conn,
            ctx,
            item,
            expected_version,
            "change_item_status",
            reason.as_deref(),
            |conn, item| {
                let from = item.status;
                let to = input.status;
                let allowed = |next: ItemStatus| match (from, item.status_before_hold) {
                    // Off hold, an item goes back to where it was, or is cancelled.
                    (ItemStatus::OnHold, Some(before)) => {
                        next == before || next == ItemStatus::Cancelled
                    }
                    _ => from.can_become(next),
                };
                if !allowed(to) {
                    let next: Vec<&str> = ItemStatus::ALL
                        .iter()
                        .filter(|s| allowed(**s))
                        .map(|s| s.as_str())
                        .collect();
                    return Err(AppError::Conflict(format!(
                        "an item cannot go from {from} to {to}; from {from} it can go to: {}",
                        if next.is_empty() {
                            "nothing (final)".to_string()
                        } else {
                            next.join(", ")
                        }
                    )));
                }
                // Approval is a signatory's, never the one who put the item up for it (four eyes).
                if matches!(to, ItemStatus::Approved | ItemStatus::CertificateIssued) {
                    if ctx.role != Some(crate::domain::Role::Signatory) {
                        return Err(AppError::Forbidden(format!(
                            "only a signatory may move an item to {to}"
                        )));
                    }
                    let submitted_by: Option<Option<UserId>> = item_status_events::table
                        .filter(item_status_events::item_id.eq(item_id))
                        .filter(item_status_events::to_status.eq(ItemStatus::AwaitingApproval))
                        .order(item_status_events::changed_at.desc())
                        .select(item_status_events::changed_by)
                        .first(conn)
                        .optional()?;
                    if to == ItemStatus::Approved
                        && submitted_by
                            .flatten()
                            .is_some_and(|u| Some(u) == ctx.user_id)
                    {
                        return Err(AppError::Forbidden("you put this item up for approval: another signatory must approve it (four-eyes rule)".into()));
                    }
                }
                if from.needs_reason(to) && reason.is_none() {
                    return Err(AppError::field(
                        "reason",
                        format!("say why the item goes from {from} to {to}"),
                    ));
                }
                let before_hold = if to == ItemStatus::OnHold {
                    Some(from)
                } else {
                    None
                };
                let updated = diesel::update(work_order_items::table.find(item_id))
                    .set((
                        work_order_items::status.eq(to),
                        work_order_items::status_before_hold.eq(before_hold),
                        work_order_items::status_reason.eq(&reason),
                        work_order_items::version.eq(item.version + 1),
                        work_order_items::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<WorkOrderItem>(conn)?;
                record_status(conn, ctx, &updated, Some(from), to, reason.as_deref())?;
                Ok(updated)
            },
        )?;
        Ok(())
    })?;
    get(conn, ctx, order_id)
}

/// The measuring range as printed: `0 – 220 g`, or empty when unknown.
fn range_text(i: &ItemInstrument) -> String {
    let unit = i.unit.as_deref().unwrap_or_default();
    match (i.range_min, i.range_max) {
        (Some(min), Some(max)) => format!("{min} – {max} {unit}").trim_end().to_owned(),
        (None, Some(max)) => format!("≤ {max} {unit}").trim_end().to_owned(),
        _ => String::new(),
    }
}

/// The decision rule agreed at contract review, in words.
fn rule_text(
    rule: DecisionRuleKind,
    guard_band: Option<&str>,
    language: crate::domain::CertificateLanguage,
) -> String {
    match rule {
        DecisionRuleKind::None => {
            language.label("Không tuyên bố sự phù hợp", "No statement of conformity")
        }
        DecisionRuleKind::Simple => language.label("Chấp nhận đơn giản", "Simple acceptance"),
        DecisionRuleKind::Guarded => language.label("Dải bảo vệ w = U", "Guarded, w = U"),
        DecisionRuleKind::GuardBand => format!(
            "{} {}",
            language.label("Dải bảo vệ w =", "Guard band w ="),
            guard_band.unwrap_or("?")
        ),
    }
}

/// The intake receipt's content (§7.4.1: items and their condition as received), for the PDF.
pub fn receipt(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: WorkOrderId,
    offset: chrono::FixedOffset,
    public_url: &str,
) -> AppResult<crate::pdf::ReceiptData> {
    use crate::pdf::{ItemCondition, ReceiptData, ReceiptItem};
    let order = get(conn, ctx, id)?;
    let lab = super::lab::load(conn)?;
    let customer = customers::table
        .find(order.customer_id)
        .first::<crate::db::models::Customer>(conn)?;
    let language = customer.preferred_language;
    let contacts: Vec<crate::domain::intake::Contact> =
        serde_json::from_str(&customer.contacts).unwrap_or_default();
    let contact = contacts
        .first()
        .map(|c| {
            [Some(c.name.clone()), c.phone.clone(), c.email.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let service = |s: Service| match s {
        Service::Calibration => language.label("Hiệu chuẩn", "Calibration"),
        Service::Verification => language.label("Kiểm định", "Verification"),
        Service::Test => language.label("Thử nghiệm", "Test"),
    };
    Ok(ReceiptData {
        language,
        lab_name_vi: lab.name_vi,
        lab_name_en: lab.name_en,
        lab_address_vi: lab.address_vi,
        lab_address_en: lab.address_en,
        lab_contact: lab.accreditation_number.unwrap_or_default(),
        logo_png: lab
            .logo
            .filter(|_| lab.logo_content_type.as_deref() == Some("image/png")),
        work_order_number: order.number,
        customer_name: customer.name,
        customer_address: customer.address,
        customer_contact: contact,
        received_at: order.received_at.utc().with_timezone(&offset),
        received_by: order.received_by.unwrap_or_default(),
        delivered_by: order.delivered_by.unwrap_or_default(),
        promised_date: order.promised_on,
        items: order
            .items
            .into_iter()
            .map(|i| ReceiptItem {
                range: range_text(&i.instrument),
                lab_id: i.instrument.lab_id,
                description: i.instrument.description,
                manufacturer: i.instrument.manufacturer.unwrap_or_default(),
                model: i.instrument.model.unwrap_or_default(),
                serial_number: i.instrument.serial_number.unwrap_or_default(),
                asset_tag: i.instrument.asset_tag.unwrap_or_default(),
                requested_service: service(i.service),
                points: i.requested_points.unwrap_or_default(),
                decision_rule: rule_text(i.decision_rule, i.guard_band.as_deref(), language),
                condition: ItemCondition {
                    flags: i.condition.flags,
                    remarks: i.condition.remarks.unwrap_or_default(),
                },
                accessories: i.accessories.unwrap_or_default(),
            })
            .collect(),
        notes: order.notes.unwrap_or_default(),
        qr_url: Some(format!("{public_url}/api/v1/work-orders/{id}")),
        generated_at: ctx.clock.now(),
    })
}

/// A work order item by its id.
pub fn find_item(conn: &mut DbConn, id: WorkOrderItemId) -> AppResult<WorkOrderItem> {
    work_order_items::table
        .find(id)
        .first::<WorkOrderItem>(conn)
        .optional()?
        .ok_or(AppError::NotFound("work order item"))
}

/// An item in the lab's hands as the bench lists it: where it is, its instrument, its order and
/// its calibration record.
#[derive(Debug, Clone)]
pub struct OpenItem {
    pub id: WorkOrderItemId,
    pub status: ItemStatus,
    pub work_order: String,
    pub promised_on: Option<NaiveDate>,
    pub customer_name: String,
    pub lab_id: String,
    pub description: String,
    pub serial_number: Option<String>,
    pub record: Option<(CalibrationRecordId, RecordStatus)>,
    pub updated_at: UtcTime,
}

/// Every item between receipt and its certificate, the earliest promise first (staff only).
pub fn open_items(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Vec<OpenItem>> {
    if ctx.customer_id.is_some() {
        return Err(AppError::NotFound("work order item"));
    }
    use ItemStatus::*;
    let items = work_order_items::table
        .filter(work_order_items::status.eq_any([
            Received,
            InCalibration,
            AwaitingApproval,
            Approved,
        ]))
        .load::<WorkOrderItem>(conn)?;
    let orders: HashMap<WorkOrderId, WorkOrder> = work_orders::table
        .filter(work_orders::id.eq_any(items.iter().map(|i| i.work_order_id)))
        .load::<WorkOrder>(conn)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let names: HashMap<CustomerId, String> = customers::table
        .filter(customers::id.eq_any(orders.values().map(|o| o.customer_id)))
        .select((customers::id, customers::name))
        .load::<(CustomerId, String)>(conn)?
        .into_iter()
        .collect();
    let instruments: HashMap<InstrumentId, Instrument> = instruments_table::table
        .filter(instruments_table::id.eq_any(items.iter().map(|i| i.instrument_id)))
        .load::<Instrument>(conn)?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let records: HashMap<WorkOrderItemId, (CalibrationRecordId, RecordStatus)> =
        calibration_records::table
            .filter(calibration_records::item_id.eq_any(items.iter().map(|i| i.id)))
            .select((
                calibration_records::item_id,
                calibration_records::id,
                calibration_records::status,
            ))
            .load::<(WorkOrderItemId, CalibrationRecordId, RecordStatus)>(conn)?
            .into_iter()
            .map(|(item, id, status)| (item, (id, status)))
            .collect();
    let mut open: Vec<OpenItem> = items
        .into_iter()
        .filter_map(|i| {
            let order = orders.get(&i.work_order_id)?;
            let instrument = instruments.get(&i.instrument_id)?;
            Some(OpenItem {
                id: i.id,
                status: i.status,
                work_order: order.number.clone(),
                promised_on: order.promised_on,
                customer_name: names.get(&order.customer_id).cloned().unwrap_or_default(),
                lab_id: instrument.lab_id.clone(),
                description: instrument.description.clone(),
                serial_number: instrument.serial_number.clone(),
                record: records.get(&i.id).copied(),
                updated_at: i.updated_at,
            })
        })
        .collect();
    open.sort_by(|a, b| {
        (
            a.promised_on.is_none(),
            a.promised_on,
            &a.work_order,
            &a.lab_id,
        )
            .cmp(&(
                b.promised_on.is_none(),
                b.promised_on,
                &b.work_order,
                &b.lab_id,
            ))
    });
    Ok(open)
}
