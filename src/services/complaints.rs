//! Complaints (ISO/IEC 17025 §7.9): from a customer user or recorded by staff;
//! `received -> acknowledged -> investigated -> answered -> closed`. A customer user sees its
//! own organisation's complaints only, and of them what concerns the customer: not the lab's
//! internal investigation.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::{change_versioned, optional_text, required_text, Ctx, Page, PageRequest};
use crate::db::quality_models::Complaint;
use crate::db::schema::{certificates, complaints, customers, nonconformities, users};
use crate::db::{
    take_sequence, write_tx, CertificateId, ComplaintId, CustomerId, DbConn, NonconformityId,
};
use crate::domain::quality::{check_move, complaint_overdue, ComplaintStatus, COMPLAINT_MOVES};
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComplaint {
    /// Staff only: the customer concerned (a customer user's own organisation is implied).
    pub customer_id: Option<CustomerId>,
    /// Staff only: who complained (a customer user is the complainant).
    pub complainant: Option<String>,
    pub subject: String,
    pub description: String,
    /// The certificate complained about: one of the customer's.
    pub certificate_id: Option<CertificateId>,
    /// Staff only: when it was received, if not today.
    pub received_on: Option<NaiveDate>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintMove {
    pub status: ComplaintStatus,
    /// The investigation (to `investigated`) or the answer to the customer (to `answered`).
    pub text: Option<String>,
    /// The nonconformity the investigation opened, if any.
    pub nonconformity_id: Option<NonconformityId>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    #[serde(flatten)]
    pub complaint: Complaint,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
    /// Staff only, on a single complaint: the corrective actions raised from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrective_actions: Option<Vec<super::nonconformities::CorrectiveActionRef>>,
}

/// A complaint as its reader may see it: a customer sees neither the lab's investigation nor who
/// in the lab handled it.
pub fn view_of(mut complaint: Complaint, for_customer: bool, today: NaiveDate) -> ComplaintView {
    let overdue =
        (!for_customer).then(|| complaint_overdue(complaint.status, complaint.received_on, today));
    if for_customer {
        complaint.investigation = None;
        complaint.investigated_at = None;
        complaint.nonconformity_id = None;
        complaint.created_by = None;
    }
    ComplaintView {
        complaint,
        overdue,
        corrective_actions: None,
    }
}

/// A complaint as the caller may see it: another customer's is not found.
pub fn find(conn: &mut DbConn, ctx: &Ctx, id: ComplaintId) -> AppResult<Complaint> {
    let mut query = complaints::table
        .find(id)
        .select(Complaint::as_select())
        .into_boxed();
    if let Some(customer) = ctx.customer_scope() {
        query = query.filter(complaints::customer_id.eq(customer));
    } else if ctx.role == Some(crate::domain::Role::Customer) {
        return Err(AppError::NotFound("complaint"));
    }
    query
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("complaint"))
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: ComplaintId) -> AppResult<ComplaintView> {
    let c = find(conn, ctx, id)?;
    let for_customer = ctx.role == Some(crate::domain::Role::Customer);
    let mut view = view_of(c, for_customer, ctx.today());
    if !for_customer {
        view.corrective_actions = Some(super::nonconformities::ca_refs(conn, &id.to_string())?);
    }
    Ok(view)
}

#[derive(Debug, Default, Clone)]
pub struct ComplaintFilter {
    pub status: Option<ComplaintStatus>,
    pub customer_id: Option<CustomerId>,
}

pub fn list(
    conn: &mut DbConn,
    ctx: &Ctx,
    filter: &ComplaintFilter,
    page: &PageRequest,
) -> AppResult<Page<ComplaintView>> {
    let customer_user = ctx.role == Some(crate::domain::Role::Customer);
    let mut query = complaints::table
        .select(Complaint::as_select())
        .into_boxed();
    match ctx.customer_scope() {
        Some(customer) => query = query.filter(complaints::customer_id.eq(customer)),
        None if customer_user => {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            })
        }
        None => {}
    }
    if let Some(s) = filter.status {
        query = query.filter(complaints::status.eq(s));
    }
    if let Some(c) = filter.customer_id {
        query = query.filter(complaints::customer_id.eq(c));
    }
    if let Some(after) = page.after_as::<ComplaintId>()? {
        query = query.filter(complaints::id.gt(after));
    }
    let rows = query
        .order(complaints::id.asc())
        .limit(page.limit()? + 1)
        .load(conn)?;
    let page = page.page(rows, |c| c.id.to_string())?;
    let today = ctx.today();
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|c| view_of(c, customer_user, today))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, input: CreateComplaint) -> AppResult<ComplaintView> {
    let mut errors = Vec::new();
    let subject = required_text("subject", &input.subject, &mut errors);
    let description = required_text("description", &input.description, &mut errors);
    let today = ctx.today();
    let customer_user = ctx.role == Some(crate::domain::Role::Customer);
    let (customer_id, complainant, received_on) = if customer_user {
        for (field, given) in [
            ("customer_id", input.customer_id.is_some()),
            ("complainant", input.complainant.is_some()),
            ("received_on", input.received_on.is_some()),
        ] {
            if given {
                errors.push(FieldError::new(field, "set by the lab, not by a customer"));
            }
        }
        let name = match ctx.user_id {
            Some(u) => users::table
                .find(u)
                .select(users::name)
                .first::<String>(conn)?,
            None => String::new(),
        };
        (ctx.customer_scope(), name, today)
    } else {
        let complainant = required_text(
            "complainant",
            input.complainant.as_deref().unwrap_or_default(),
            &mut errors,
        );
        if let Some(c) = input.customer_id {
            let exists = customers::table
                .find(c)
                .filter(customers::deleted_at.is_null())
                .count()
                .get_result::<i64>(conn)?;
            if exists == 0 {
                errors.push(FieldError::new("customer_id", "no such customer"));
            }
        }
        let received_on = input.received_on.unwrap_or(today);
        if received_on > today {
            errors.push(FieldError::new("received_on", "must not be in the future"));
        }
        (input.customer_id, complainant, received_on)
    };
    if let Some(c) = input.certificate_id {
        let owner = certificates::table
            .find(c)
            .select(certificates::customer_id)
            .first::<CustomerId>(conn)
            .optional()?;
        if owner.is_none() || (customer_id.is_some() && owner != customer_id) {
            errors.push(FieldError::new(
                "certificate_id",
                "no such certificate of this customer",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id = write_tx(conn, |conn| {
        let year = received_on.year();
        let seq = take_sequence(conn, &format!("complaint-{year}"), 1)?;
        let at = ctx.now();
        let row = Complaint {
            id: ComplaintId::new(),
            number: format!("KN-{year}-{seq:03}"),
            customer_id,
            complainant,
            subject,
            description,
            status: ComplaintStatus::Received,
            received_on,
            investigation: None,
            answer: None,
            nonconformity_id: None,
            acknowledged_at: None,
            investigated_at: None,
            answered_at: None,
            closed_at: None,
            created_by: ctx.user_id,
            version: 1,
            created_at: at,
            updated_at: at,
            certificate_id: input.certificate_id,
        };
        diesel::insert_into(complaints::table)
            .values(&row)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "complaint",
                entity_id: Some(row.id.to_string()),
                after: audit_trail::snapshot(&row),
                ..Default::default()
            },
        )?;
        Ok(row.id)
    })?;
    get(conn, ctx, id)
}

/// One step of the workflow, with the text the step needs.
pub fn change_status(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: ComplaintId,
    expected: Option<i32>,
    input: ComplaintMove,
) -> AppResult<ComplaintView> {
    let text = optional_text(input.text);
    if matches!(
        input.status,
        ComplaintStatus::Investigated | ComplaintStatus::Answered
    ) && text.is_none()
    {
        return Err(AppError::field(
            "text",
            if input.status == ComplaintStatus::Investigated {
                "describe the investigation and its findings"
            } else {
                "give the answer sent to the complainant"
            },
        ));
    }
    if let Some(nc) = input.nonconformity_id {
        if nonconformities::table
            .find(nc)
            .count()
            .get_result::<i64>(conn)?
            == 0
        {
            return Err(AppError::field("nonconformity_id", "no such nonconformity"));
        }
    }
    write_tx(conn, |conn| {
        let before = find(conn, ctx, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected,
            input.status.as_str(),
            None,
            |conn, before| {
                check_move("complaint", COMPLAINT_MOVES, before.status, input.status)
                    .map_err(AppError::Conflict)?;
                let at = ctx.now();
                let target = complaints::table.find(id);
                match input.status {
                    ComplaintStatus::Acknowledged => {
                        diesel::update(target)
                            .set(complaints::acknowledged_at.eq(at))
                            .execute(conn)?;
                    }
                    ComplaintStatus::Investigated => {
                        diesel::update(target)
                            .set((
                                complaints::investigation.eq(&text),
                                complaints::investigated_at.eq(at),
                            ))
                            .execute(conn)?;
                    }
                    ComplaintStatus::Answered => {
                        diesel::update(target)
                            .set((complaints::answer.eq(&text), complaints::answered_at.eq(at)))
                            .execute(conn)?;
                    }
                    ComplaintStatus::Closed => {
                        diesel::update(target)
                            .set(complaints::closed_at.eq(at))
                            .execute(conn)?;
                    }
                    ComplaintStatus::Received => {}
                }
                if let Some(nc) = input.nonconformity_id {
                    diesel::update(complaints::table.find(id))
                        .set(complaints::nonconformity_id.eq(nc))
                        .execute(conn)?;
                }
                diesel::update(complaints::table.find(id))
                    .set((
                        complaints::status.eq(input.status),
                        complaints::version.eq(before.version + 1),
                        complaints::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                find(conn, ctx, id)
            },
        )?;
        Ok(())
    })?;
    get(conn, ctx, id)
}
