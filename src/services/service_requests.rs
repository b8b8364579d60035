//! Requests for service (ISO/IEC 17025 §7.1.1, review of requests): a customer picks registered
//! instruments or describes new ones, says when it wants the work, and the request reaches the
//! lab as a draft. Staff accept it by receiving a work order for it (`service_request_id` on the
//! work order), or decline it with a reason. A customer user sees its own organisation's only.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::{change_versioned, optional_text, Ctx, Page, PageRequest};
use crate::db::models::ServiceRequest;
use crate::db::schema::{instruments, service_requests};
use crate::db::{
    take_sequence, write_tx, CustomerId, DbConn, InstrumentId, ServiceRequestId, WorkOrderId,
};
use crate::domain::intake::{Service, ServiceRequestStatus};
use crate::error::{AppError, AppResult, FieldError};

/// Items a request may hold.
pub const MAX_ITEMS: usize = 200;

/// One thing asked for: a registered instrument, or a new one described in words.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestedItem {
    /// One of the customer's registered instruments, or:
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument_id: Option<InstrumentId>,
    /// a new one: what it is (maker, model, range, serial number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "calibration")]
    pub service: Service,
}

fn calibration() -> Service {
    Service::Calibration
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateServiceRequest {
    /// Staff only: the customer asking (a customer user's own organisation is implied).
    pub customer_id: Option<CustomerId>,
    /// When the customer would like the work done; not in the past.
    pub wanted_on: Option<NaiveDate>,
    pub notes: Option<String>,
    pub items: Vec<RequestedItem>,
}

#[derive(Debug, Clone, Default)]
pub struct ServiceRequestFilter {
    pub status: Option<ServiceRequestStatus>,
    pub customer_id: Option<CustomerId>,
}

fn check_items(
    conn: &mut DbConn,
    customer: CustomerId,
    items: &mut [RequestedItem],
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    if items.is_empty() {
        errors.push(FieldError::new(
            "items",
            "pick an instrument or describe one",
        ));
    }
    if items.len() > MAX_ITEMS {
        errors.push(FieldError::new(
            "items",
            format!("at most {MAX_ITEMS} items in one request"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (n, item) in items.iter_mut().enumerate() {
        item.description = optional_text(item.description.take());
        let field = |name: &str| format!("items[{n}].{name}");
        match (&item.instrument_id, &item.description) {
            (Some(id), None) => {
                let owned = instruments::table
                    .find(*id)
                    .filter(instruments::customer_id.eq(customer))
                    .filter(instruments::deleted_at.is_null())
                    .count()
                    .get_result::<i64>(conn)?;
                if owned == 0 {
                    errors.push(FieldError::new(
                        field("instrument_id"),
                        "no such instrument of this customer",
                    ));
                } else if !seen.insert(*id) {
                    errors.push(FieldError::new(
                        field("instrument_id"),
                        "the same instrument twice",
                    ));
                }
            }
            (None, Some(text)) if text.chars().count() > 500 => {
                errors.push(FieldError::new(
                    field("description"),
                    "at most 500 characters",
                ));
            }
            (None, Some(_)) => {}
            _ => errors.push(FieldError::new(
                field("instrument_id"),
                "either a registered instrument or a description, not both",
            )),
        }
    }
    Ok(())
}

pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: CreateServiceRequest,
) -> AppResult<ServiceRequest> {
    let CreateServiceRequest {
        customer_id,
        wanted_on,
        notes,
        mut items,
    } = input;
    let mut errors = Vec::new();
    let customer = match (ctx.customer_scope(), customer_id) {
        (Some(own), None) => own,
        (Some(own), Some(_)) => {
            errors.push(FieldError::new(
                "customer_id",
                "set by the lab, not by a customer",
            ));
            own
        }
        (None, Some(c)) if super::customers::exists(conn, c)? => c,
        (None, _) => return Err(AppError::field("customer_id", "no such customer")),
    };
    check_items(conn, customer, &mut items, &mut errors)?;
    if wanted_on.is_some_and(|d| d < ctx.today()) {
        errors.push(FieldError::new("wanted_on", "must not be in the past"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let items = serde_json::to_string(&items).map_err(AppError::internal)?;
    write_tx(conn, |conn| {
        let at = ctx.now();
        let year = ctx.clock.now().format("%y").to_string();
        let seq = take_sequence(conn, &format!("service_request:{year}"), 1)?;
        let row = ServiceRequest {
            id: ServiceRequestId::new(),
            number: format!("YC{year}-{seq:05}"),
            customer_id: customer,
            requested_by: ctx.user_id,
            wanted_on,
            items,
            notes: optional_text(notes),
            status: ServiceRequestStatus::Requested,
            work_order_id: None,
            decided_by: None,
            decided_at: None,
            decline_reason: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(service_requests::table)
            .values(&row)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "service_request",
                entity_id: Some(row.id.to_string()),
                after: audit_trail::snapshot(&row),
                ..Default::default()
            },
        )?;
        Ok(row)
    })
}

/// A request the caller may see: another customer's is not found.
pub fn get(conn: &mut DbConn, ctx: &Ctx, id: ServiceRequestId) -> AppResult<ServiceRequest> {
    let mut query = service_requests::table
        .filter(service_requests::id.eq(id))
        .into_boxed();
    if let Some(own) = ctx.customer_scope() {
        query = query.filter(service_requests::customer_id.eq(own));
    }
    query
        .first::<ServiceRequest>(conn)
        .optional()?
        .ok_or(AppError::NotFound("service request"))
}

/// Requests, newest first.
pub fn list(
    conn: &mut DbConn,
    ctx: &Ctx,
    filter: &ServiceRequestFilter,
    page: &PageRequest,
) -> AppResult<Page<ServiceRequest>> {
    let mut query = service_requests::table.into_boxed();
    if let Some(customer) = ctx.customer_scope().or(filter.customer_id) {
        query = query.filter(service_requests::customer_id.eq(customer));
    }
    if let Some(status) = filter.status {
        query = query.filter(service_requests::status.eq(status));
    }
    if let Some(after) = page.after_as::<ServiceRequestId>()? {
        query = query.filter(service_requests::id.lt(after));
    }
    let rows = query
        .order(service_requests::id.desc())
        .limit(page.limit()? + 1)
        .load::<ServiceRequest>(conn)?;
    page.page(rows, |r| r.id.to_string())
}

fn still_open(request: &ServiceRequest) -> AppResult<()> {
    if request.status != ServiceRequestStatus::Requested {
        return Err(AppError::Conflict(format!(
            "service request {} is already {}",
            request.number, request.status
        )));
    }
    Ok(())
}

/// Declines a request, with the reason the customer reads.
pub fn decline(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: ServiceRequestId,
    expected: Option<i32>,
    reason: &str,
) -> AppResult<ServiceRequest> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "say why, for the customer"));
    }
    write_tx(conn, |conn| {
        let before = get(conn, ctx, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected,
            "decline",
            Some(reason),
            |conn, before| {
                still_open(before)?;
                Ok(diesel::update(service_requests::table.find(id))
                    .set((
                        service_requests::status.eq(ServiceRequestStatus::Declined),
                        service_requests::decline_reason.eq(reason),
                        service_requests::decided_by.eq(ctx.user_id),
                        service_requests::decided_at.eq(ctx.now()),
                        service_requests::version.eq(before.version + 1),
                        service_requests::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<ServiceRequest>(conn)?)
            },
        )
    })
}

/// Accepts a request by the work order just received for it, inside that work order's
/// transaction: the request must be open and the same customer's.
pub fn accept(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: ServiceRequestId,
    customer: CustomerId,
    work_order: WorkOrderId,
) -> AppResult<()> {
    let before = get(conn, ctx, id)?;
    if before.customer_id != customer {
        return Err(AppError::field(
            "service_request_id",
            "a request of another customer",
        ));
    }
    still_open(&before)?;
    let at = ctx.now();
    let after = diesel::update(service_requests::table.find(id))
        .set((
            service_requests::status.eq(ServiceRequestStatus::Accepted),
            service_requests::work_order_id.eq(work_order),
            service_requests::decided_by.eq(ctx.user_id),
            service_requests::decided_at.eq(at),
            service_requests::version.eq(before.version + 1),
            service_requests::updated_at.eq(at),
        ))
        .get_result::<ServiceRequest>(conn)?;
    audit_trail::record(
        conn,
        ctx,
        Change {
            action: "accept",
            entity_type: "service_request",
            entity_id: Some(id.to_string()),
            before: audit_trail::snapshot(&before),
            after: audit_trail::snapshot(&after),
            reason: None,
        },
    )?;
    Ok(())
}
