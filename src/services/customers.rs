//! Customer organisations (ISO/IEC 17025 §7.1 requests, §4.2 confidentiality). Staff manage them;
//! a customer user sees its own organisation only, without the lab's internal notes.

use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::{change_versioned, required_text, Ctx, Page, PageRequest};
use crate::db::models::{Customer, CustomerChanges};
use crate::db::schema::customers;
use crate::db::{lower, lower_opt, write_tx, CustomerId, DbConn};
use crate::domain::intake::Contact;
use crate::domain::CertificateLanguage;
use crate::error::{AppError, AppResult, FieldError};

const MAX_TEXT: usize = 500;

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    pub name: String,
    pub address: String,
    /// Tax code (mã số thuế); unique among active customers.
    #[serde(default)]
    pub tax_code: Option<String>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Language of certificates: `vi`, `en` or `both` (default).
    #[serde(default)]
    pub preferred_language: CertificateLanguage,
    /// Lab-internal notes; never shown to the customer.
    #[serde(default)]
    pub internal_notes: Option<String>,
}

/// A partial update: absent fields keep their value; an empty `tax_code` or `internal_notes` clears it.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    pub name: Option<String>,
    pub address: Option<String>,
    pub tax_code: Option<String>,
    pub contacts: Option<Vec<Contact>>,
    pub preferred_language: Option<CertificateLanguage>,
    pub internal_notes: Option<String>,
}

/// A customer as the caller may see it: `internal_notes` only for staff.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CustomerView {
    #[serde(flatten)]
    pub customer: Customer,
}

impl CustomerView {
    fn of(mut customer: Customer, ctx: &Ctx) -> Self {
        if ctx.customer_scope().is_some() {
            customer.internal_notes = None;
        }
        CustomerView { customer }
    }
}

fn check_text(field: &str, value: &str, errors: &mut Vec<FieldError>) {
    if value.chars().count() > MAX_TEXT {
        errors.push(FieldError::new(
            field,
            format!("must have at most {MAX_TEXT} characters"),
        ));
    }
}

fn check_tax_code(value: &str, errors: &mut Vec<FieldError>) {
    let ok = (1..=20).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !ok {
        errors.push(FieldError::new(
            "tax_code",
            "must be 1 to 20 letters, digits or '-'",
        ));
    }
}

fn check_contacts(contacts: &[Contact], errors: &mut Vec<FieldError>) {
    for (i, c) in contacts.iter().enumerate() {
        if c.name.trim().is_empty() {
            errors.push(FieldError::new(
                format!("contacts[{i}].name"),
                "must not be empty",
            ));
        }
        if let Some(email) = &c.email {
            if !email.contains('@') || email.trim() != email {
                errors.push(FieldError::new(
                    format!("contacts[{i}].email"),
                    "is not an e-mail address",
                ));
            }
        }
    }
}

fn find(conn: &mut DbConn, ctx: &Ctx, id: CustomerId) -> AppResult<Customer> {
    if ctx.customer_scope().is_some_and(|own| own != id) {
        return Err(AppError::NotFound("customer"));
    }
    customers::table
        .find(id)
        .filter(customers::deleted_at.is_null())
        .first::<Customer>(conn)
        .optional()?
        .ok_or(AppError::NotFound("customer"))
}

/// Checks that an active customer exists (for users and, later, instruments).
pub fn exists(conn: &mut DbConn, id: CustomerId) -> AppResult<bool> {
    Ok(customers::table
        .find(id)
        .filter(customers::deleted_at.is_null())
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: CustomerId) -> AppResult<CustomerView> {
    Ok(CustomerView::of(find(conn, ctx, id)?, ctx))
}

pub fn list(
    conn: &mut DbConn,
    ctx: &Ctx,
    q: Option<&str>,
    page: &PageRequest,
) -> AppResult<Page<CustomerView>> {
    let mut query = customers::table
        .filter(customers::deleted_at.is_null())
        .into_boxed();
    if let Some(own) = ctx.customer_scope() {
        query = query.filter(customers::id.eq(own));
    }
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = super::like_pattern(q);
        query = query.filter(
            lower(customers::name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower_opt(customers::tax_code).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = page.after_as::<CustomerId>()? {
        query = query.filter(customers::id.gt(after));
    }
    let rows = query
        .order(customers::id.asc())
        .limit(page.limit()? + 1)
        .load::<Customer>(conn)?;
    let page = page.page(rows, |c| c.id.to_string())?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|c| CustomerView::of(c, ctx))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, input: CreateCustomer) -> AppResult<CustomerView> {
    let mut errors = Vec::new();
    let name = required_text("name", &input.name, &mut errors);
    check_text("name", &name, &mut errors);
    let address = required_text("address", &input.address, &mut errors);
    check_text("address", &address, &mut errors);
    let tax_code = input
        .tax_code
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if let Some(t) = &tax_code {
        check_tax_code(t, &mut errors);
    }
    check_contacts(&input.contacts, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let at = ctx.now();
    let customer = Customer {
        id: CustomerId::new(),
        name,
        address,
        tax_code,
        contacts: serde_json::to_string(&input.contacts).map_err(AppError::internal)?,
        preferred_language: input.preferred_language,
        internal_notes: input.internal_notes.filter(|n| !n.trim().is_empty()),
        version: 1,
        created_at: at,
        updated_at: at,
        deleted_at: None,
        deleted_by: None,
        delete_reason: None,
    };
    write_tx(conn, |conn| {
        ensure_tax_code_free(conn, customer.tax_code.as_deref(), None)?;
        diesel::insert_into(customers::table)
            .values(&customer)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "customer",
                entity_id: Some(customer.id.to_string()),
                after: audit_trail::snapshot(&customer),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(CustomerView::of(customer, ctx))
}

/// Check-then-insert inside the transaction, with the unique index as the last word.
fn ensure_tax_code_free(
    conn: &mut DbConn,
    tax_code: Option<&str>,
    except: Option<CustomerId>,
) -> AppResult<()> {
    let Some(tax_code) = tax_code else {
        return Ok(());
    };
    let mut query = customers::table
        .filter(customers::tax_code.eq(tax_code))
        .filter(customers::deleted_at.is_null())
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(customers::id.ne(id));
    }
    if query.count().get_result::<i64>(conn)? > 0 {
        return Err(AppError::Conflict(format!(
            "another customer has tax code {tax_code}"
        )));
    }
    Ok(())
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CustomerId,
    expected_version: Option<i32>,
    input: UpdateCustomer,
) -> AppResult<CustomerView> {
    let mut errors = Vec::new();
    let mut changes = CustomerChanges::default();
    if let Some(name) = &input.name {
        let name = required_text("name", name, &mut errors);
        check_text("name", &name, &mut errors);
        changes.name = Some(name);
    }
    if let Some(address) = &input.address {
        let address = required_text("address", address, &mut errors);
        check_text("address", &address, &mut errors);
        changes.address = Some(address);
    }
    if let Some(tax_code) = &input.tax_code {
        let tax_code = tax_code.trim();
        if !tax_code.is_empty() {
            check_tax_code(tax_code, &mut errors);
        }
        changes.tax_code = Some(Some(tax_code.to_string()).filter(|t| !t.is_empty()));
    }
    if let Some(contacts) = &input.contacts {
        check_contacts(contacts, &mut errors);
        changes.contacts = Some(serde_json::to_string(contacts).map_err(AppError::internal)?);
    }
    changes.preferred_language = input.preferred_language;
    changes.internal_notes = input
        .internal_notes
        .map(|n| Some(n).filter(|n| !n.trim().is_empty()));
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
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
                if let Some(tax_code) = &changes.tax_code {
                    ensure_tax_code_free(conn, tax_code.as_deref(), Some(id))?;
                }
                Ok(diesel::update(customers::table.find(id))
                    .filter(customers::version.eq(before.version))
                    .set((
                        &changes,
                        customers::version.eq(before.version + 1),
                        customers::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<Customer>(conn)?)
            },
        )?;
        Ok(updated)
    })?;
    Ok(CustomerView::of(updated, ctx))
}

/// Logical deletion: the row stays for the records that refer to it.
pub fn delete(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CustomerId,
    expected_version: Option<i32>,
    reason: &str,
) -> AppResult<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "a reason is required"));
    }
    write_tx(conn, |conn| {
        let before = find(conn, ctx, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            "delete",
            Some(reason),
            |conn, before| {
                Ok(diesel::update(customers::table.find(id))
                    .set((
                        customers::deleted_at.eq(ctx.now()),
                        customers::deleted_by.eq(ctx.user_id),
                        customers::delete_reason.eq(reason),
                        customers::version.eq(before.version + 1),
                    ))
                    .get_result::<Customer>(conn)?)
            },
        )?;
        Ok(())
    })
}
