//! Use cases. Each public function is one use case: it takes a connection, runs one transaction
//! and writes its audit event in that same transaction (ISO/IEC 17025 §7.5, §7.11).

pub mod audit_trail;
pub mod auth;
pub mod bootstrap;
pub mod calibrations;
pub mod certificates;
pub mod cmc;
pub mod customers;
pub mod external_bodies;
pub mod instruments;
pub mod lab;
pub mod procedures;
pub mod record_sheets;
pub mod signing;
pub mod standards;
pub mod users;
pub mod work_orders;
// Quality records.
pub mod competence;
pub mod complaints;
pub mod corrective_actions;
pub mod documents;
pub mod internal_audits;
pub mod nonconformities;
pub mod proficiency;
pub mod reports;
pub mod service_requests;

use base64::Engine as _;

use crate::clock::Clock;
use crate::db::{CustomerId, UserId};
use crate::domain::Role;
use crate::error::{AppError, AppResult};

/// Who is acting, for which request. Built by the HTTP layer from a verified token.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub clock: Clock,
    pub user_id: Option<UserId>,
    pub role: Option<Role>,
    /// Set for customer users: every query they reach is confined to this organisation.
    pub customer_id: Option<CustomerId>,
    pub request_id: Option<String>,
}

impl Ctx {
    /// The system itself (start-up, command line), with no user behind it.
    pub fn system(clock: Clock) -> Self {
        Ctx {
            clock,
            user_id: None,
            role: None,
            customer_id: None,
            request_id: None,
        }
    }

    /// The same actor for another request's work (a nested use case, a demo step).
    pub fn acting(&self, user_id: UserId, role: Role, customer_id: Option<CustomerId>) -> Self {
        Ctx {
            user_id: Some(user_id),
            role: Some(role),
            customer_id,
            ..self.clone()
        }
    }

    /// Now, by the service's clock.
    pub fn now(&self) -> crate::db::UtcTime {
        crate::db::UtcTime(self.clock.now_naive())
    }

    /// Today in the laboratory's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// The customer organisation a customer user is confined to; `None` for staff.
    pub fn customer_scope(&self) -> Option<CustomerId> {
        match self.role {
            // Fails closed: a customer user without an organisation reaches nothing.
            Some(Role::Customer) => Some(self.customer_id.unwrap_or_default()),
            _ => None,
        }
    }
}

/// One page of a list in a stable order, with an opaque cursor for the next one.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A page request: `limit` at most 100 (default 50) and the cursor of the previous page.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub const MAX_PAGE: i64 = 100;
pub const DEFAULT_PAGE: i64 = 50;

impl PageRequest {
    /// The first page of at most `limit` items.
    pub fn first(limit: i64) -> Self {
        PageRequest {
            limit: Some(limit),
            cursor: None,
        }
    }

    pub fn limit(&self) -> AppResult<i64> {
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(_) => Err(AppError::field(
                "limit",
                format!("must be between 1 and {MAX_PAGE}"),
            )),
        }
    }

    /// The sort key the cursor carries (the last item's key on the previous page).
    pub fn after(&self) -> AppResult<Option<String>> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Some)
            .ok_or_else(|| AppError::field("cursor", "not a cursor returned by this list"))
    }

    /// The cursor's sort key parsed as the list's key type.
    pub fn after_as<T: std::str::FromStr>(&self) -> AppResult<Option<T>> {
        self.after()?
            .map(|s| {
                s.parse()
                    .map_err(|_| AppError::field("cursor", "not a cursor returned by this list"))
            })
            .transpose()
    }

    /// Cuts a result fetched with `limit + 1` rows into a page.
    pub fn page<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> String) -> AppResult<Page<T>> {
        let limit = self.limit()? as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => {
                Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key(last)))
            }
            _ => None,
        };
        Ok(Page {
            items: rows,
            next_cursor,
        })
    }
}

/// Checks an `If-Match` version against the stored one.
pub fn check_version(expected: Option<i32>, current: i32) -> AppResult<()> {
    match expected {
        None => Err(AppError::PreconditionRequired),
        Some(v) if v == current => Ok(()),
        Some(_) => Err(AppError::StaleVersion { current }),
    }
}

/// A stored record that carries a version for `If-Match` and is named in the audit trail.
pub trait Versioned: serde::Serialize {
    /// The entity type its audit events name.
    const ENTITY: &'static str;
    fn entity_id(&self) -> String;
    fn version(&self) -> i32;
}

macro_rules! versioned {
    ($($row:ty: $entity:literal),* $(,)?) => {$(
        impl Versioned for $row {
            const ENTITY: &'static str = $entity;
            fn entity_id(&self) -> String {
                self.id.to_string()
            }
            fn version(&self) -> i32 {
                self.version
            }
        }
    )*};
}

versioned!(
    crate::db::models::Laboratory: "laboratory",
    crate::db::models::User: "user",
    crate::db::models::Customer: "customer",
    crate::db::models::ExternalBody: "external_body",
    crate::db::models::Standard: "standard",
    crate::db::models::CmcEntry: "cmc",
    crate::db::models::Instrument: "instrument",
    crate::db::models::WorkOrderItem: "work_order_item",
    crate::db::models::Procedure: "procedure",
    crate::db::models::CalibrationRecord: "calibration_record",
    crate::db::models::Certificate: "certificate",
    crate::db::models::ServiceRequest: "service_request",
    crate::db::quality_models::Authorization: "authorization",
    crate::db::quality_models::Nonconformity: "nonconformity",
    crate::db::quality_models::CorrectiveAction: "corrective_action",
    crate::db::quality_models::Complaint: "complaint",
    crate::db::quality_models::ProficiencyTest: "proficiency_test",
    crate::db::quality_models::InternalAudit: "internal_audit",
    crate::db::quality_models::ManagementReview: "management_review",
    crate::db::quality_models::Finding: "finding",
    crate::db::quality_models::ControlledDocument: "document",
);

/// The one path of every update, state move and logical delete of a versioned record, inside the
/// caller's transaction: the `If-Match` version checked against the stored row, the change
/// applied (`apply` bumps the version and returns what the audit event records as after: the row
/// as it is after, or the row with what the step added), and one audit event with the row before
/// and that after.
pub fn change_versioned<T: Versioned, A: serde::Serialize>(
    conn: &mut crate::db::DbConn,
    ctx: &Ctx,
    before: T,
    expected: Option<i32>,
    action: &str,
    reason: Option<&str>,
    apply: impl FnOnce(&mut crate::db::DbConn, &T) -> AppResult<A>,
) -> AppResult<A> {
    check_version(expected, before.version())?;
    let after = apply(conn, &before)?;
    audit_trail::record(
        conn,
        ctx,
        audit_trail::Change {
            action,
            entity_type: T::ENTITY,
            entity_id: Some(before.entity_id()),
            before: audit_trail::snapshot(&before),
            after: audit_trail::snapshot(&after),
            reason,
        },
    )?;
    Ok(after)
}

/// An uploaded file's name as the uploader gave it: trimmed, at most 200 characters, no folder
/// separators, quotes or control characters (it goes back out in a `Content-Disposition` header).
pub fn plain_file_name(name: &str) -> AppResult<&str> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > 200
        || name.chars().any(|c| c.is_control() || "/\\\"".contains(c))
    {
        return Err(AppError::field(
            "filename",
            "give a plain file name of at most 200 characters, without / \\ \" or control characters",
        ));
    }
    Ok(name)
}

/// A file said to be a PDF (by its content type or its name) must be one by its content.
pub fn check_declared_pdf(content_type: &str, filename: &str, bytes: &[u8]) -> AppResult<()> {
    let declared = content_type.trim().eq_ignore_ascii_case("application/pdf")
        || filename.to_ascii_lowercase().ends_with(".pdf");
    if declared && !bytes.starts_with(b"%PDF-") {
        return Err(AppError::field(
            "body",
            "this file is not a PDF (it does not start with %PDF-)",
        ));
    }
    Ok(())
}

/// An optional text field: trimmed, and empty means absent.
pub fn optional_text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// A required, trimmed, non-empty text field.
pub fn required_text(
    field: &str,
    value: &str,
    errors: &mut Vec<crate::error::FieldError>,
) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.push(crate::error::FieldError::new(field, "must not be empty"));
    }
    trimmed.to_string()
}

/// A case-insensitive "contains" pattern for `LIKE ... ESCAPE '\\'`, with the pattern characters of
/// the search text escaped (the escape character first).
pub fn like_pattern(q: &str) -> String {
    format!(
        "%{}%",
        q.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}
