//! Personnel competence and authorization (ISO/IEC 17025 §6.2): qualifications and training with
//! their evidence, authorizations per function and per discipline or procedure with validity
//! dates, the list of those about to expire, and the one check every recording, approving and
//! signing use case makes: `require_authorization`.

use chrono::NaiveDate;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::audit_trail::{self, Change};
use super::cmc::quantity_exists;
use super::{change_versioned, optional_text, required_text, Ctx, Page, PageRequest};
use crate::db::quality_models::{Authorization, Qualification};
use crate::db::schema::{
    authorizations, calibration_record_versions, procedures, staff_qualifications, users,
};
use crate::db::{write_tx, AuthorizationId, CalibrationRecordId, DbConn, QualificationId, UserId};
use crate::domain::quality::{
    covers, expiry, missing_authorization, AuthorizedFunction, Grant, QualificationKind, Scope,
};
use crate::domain::Role;
use crate::error::{AppError, AppResult, FieldError};

/// "About to expire" means within this many days, unless the caller asks otherwise.
pub const EXPIRING_DAYS: i64 = 60;
pub const MAX_EVIDENCE_BYTES: usize = 20 << 20;

// ---------------------------------------------------------------------------------------------
// The check

/// Refuses (403, naming the missing authorization) unless `user_id` holds a current, unrevoked
/// authorization for `function` covering the procedure `procedure_code` or its whole
/// `discipline` (the procedure's quantity code) on `on`.
///
/// Every use case that records, approves or signs calls it inside its transaction: calibration
/// records (`perform_calibration` on the calibration date), approval (`review_approve` on the day
/// of signing), intermediate checks (`perform_intermediate_checks`), and certificate issuing
/// (`sign_certificates`, through `require_for_record`).
pub fn require_authorization(
    conn: &mut DbConn,
    user_id: UserId,
    function: AuthorizedFunction,
    procedure_code: Option<&str>,
    discipline: &str,
    on: NaiveDate,
) -> AppResult<()> {
    let grants = authorizations::table
        .filter(authorizations::user_id.eq(user_id))
        .filter(authorizations::function.eq(function))
        .filter(authorizations::revoked_at.is_null())
        .filter(authorizations::valid_from.le(on))
        .filter(authorizations::valid_until.ge(on))
        .select(Authorization::as_select())
        .load(conn)?;
    let covered = grants
        .iter()
        .any(|a| covers(&grant_of(a), function, procedure_code, discipline, on));
    if covered {
        Ok(())
    } else {
        Err(AppError::Forbidden(missing_authorization(
            function,
            procedure_code,
            discipline,
            on,
        )))
    }
}

/// `require_authorization` for the signed-in user of `ctx`; the system itself (start-up, command
/// line) acts without one.
pub fn require_ctx(
    conn: &mut DbConn,
    ctx: &Ctx,
    function: AuthorizedFunction,
    procedure_code: Option<&str>,
    discipline: &str,
    on: NaiveDate,
) -> AppResult<()> {
    match ctx.user_id {
        Some(user) => require_authorization(conn, user, function, procedure_code, discipline, on),
        None => Ok(()),
    }
}

/// The check for an act on a calibration record version: the procedure code and discipline are
/// those of the procedure version the record used. Certificate issuing calls
/// `require_for_record(conn, ctx, AuthorizedFunction::SignCertificates, record_id, version, today)`.
pub fn require_for_record(
    conn: &mut DbConn,
    ctx: &Ctx,
    function: AuthorizedFunction,
    record_id: CalibrationRecordId,
    record_version: i32,
    on: NaiveDate,
) -> AppResult<()> {
    let (code, quantity): (String, String) = calibration_record_versions::table
        .inner_join(
            procedures::table.on(procedures::id.eq(calibration_record_versions::procedure_id)),
        )
        .filter(calibration_record_versions::record_id.eq(record_id))
        .filter(calibration_record_versions::record_version.eq(record_version))
        .select((procedures::code, procedures::quantity))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("calibration record"))?;
    require_ctx(conn, ctx, function, Some(&code), &quantity, on)
}

fn grant_of(a: &Authorization) -> Grant<'_> {
    Grant {
        function: a.function,
        scope: Scope {
            discipline: a.discipline.as_deref(),
            procedure_code: a.procedure_code.as_deref(),
        },
        valid_from: a.valid_from,
        valid_until: a.valid_until,
        revoked: a.revoked_at.is_some(),
    }
}

// ---------------------------------------------------------------------------------------------
// Authorizations

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantAuthorization {
    pub user_id: UserId,
    pub function: AuthorizedFunction,
    /// A quantity code (the discipline), or:
    pub discipline: Option<String>,
    /// one procedure code, e.g. `QT-KL-01`.
    pub procedure_code: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuthorizationView {
    #[serde(flatten)]
    pub authorization: Authorization,
    pub user_name: String,
    /// `current`, `expiring` (within 60 days), `expired`; `revoked` wins over all of them.
    pub state: String,
}

fn state_of(a: &Authorization, today: NaiveDate) -> String {
    if a.revoked_at.is_some() {
        "revoked".into()
    } else if a.valid_from > today {
        "future".into()
    } else {
        expiry(a.valid_until, today, EXPIRING_DAYS).to_string()
    }
}

fn staff_name(conn: &mut DbConn, id: UserId) -> AppResult<Option<String>> {
    Ok(users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .filter(users::role.ne(Role::Customer))
        .select(users::name)
        .first(conn)
        .optional()?)
}

fn authorization_views(
    conn: &mut DbConn,
    ctx: &Ctx,
    rows: Vec<Authorization>,
) -> AppResult<Vec<AuthorizationView>> {
    let ids: Vec<UserId> = rows.iter().map(|a| a.user_id).collect();
    let names: std::collections::HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    let today = ctx.today();
    Ok(rows
        .into_iter()
        .map(|a| AuthorizationView {
            user_name: names.get(&a.user_id).cloned().unwrap_or_default(),
            state: state_of(&a, today),
            authorization: a,
        })
        .collect())
}

pub fn find_authorization(conn: &mut DbConn, id: AuthorizationId) -> AppResult<Authorization> {
    authorizations::table
        .find(id)
        .select(Authorization::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("authorization"))
}

pub fn get_authorization(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: AuthorizationId,
) -> AppResult<AuthorizationView> {
    let a = find_authorization(conn, id)?;
    Ok(authorization_views(conn, ctx, vec![a])?.remove(0))
}

/// Grants an authorization (quality manager or admin). Not to oneself: a grant needs a second
/// person, except for the system at start-up.
pub fn grant(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: GrantAuthorization,
) -> AppResult<AuthorizationView> {
    let mut errors = Vec::new();
    let discipline = optional_text(input.discipline);
    let procedure_code = optional_text(input.procedure_code);
    match (&discipline, &procedure_code) {
        (Some(_), Some(_)) | (None, None) => errors.push(FieldError::new(
            "discipline",
            "give exactly one of discipline and procedure_code",
        )),
        (Some(d), None) => {
            if !quantity_exists(conn, d)? {
                errors.push(FieldError::new(
                    "discipline",
                    "not a quantity code from GET /api/v1/quantities",
                ));
            }
        }
        (None, Some(code)) => {
            let known = procedures::table
                .filter(procedures::code.eq(code))
                .count()
                .get_result::<i64>(conn)?;
            if known == 0 {
                errors.push(FieldError::new(
                    "procedure_code",
                    "no procedure has this code",
                ));
            }
        }
    }
    if input.valid_until < input.valid_from {
        errors.push(FieldError::new(
            "valid_until",
            "must not be before valid_from",
        ));
    }
    if staff_name(conn, input.user_id)?.is_none() {
        errors.push(FieldError::new("user_id", "no such staff member"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if ctx.user_id == Some(input.user_id) {
        return Err(AppError::Forbidden(
            "nobody authorizes themselves: another quality manager or an admin must grant it"
                .into(),
        ));
    }
    let at = ctx.now();
    let row = Authorization {
        id: AuthorizationId::new(),
        user_id: input.user_id,
        function: input.function,
        discipline,
        procedure_code,
        valid_from: input.valid_from,
        valid_until: input.valid_until,
        granted_by: ctx.user_id,
        granted_at: at,
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
        version: 1,
        updated_at: at,
    };
    write_tx(conn, |conn| {
        diesel::insert_into(authorizations::table)
            .values(&row)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "grant",
                entity_type: "authorization",
                entity_id: Some(row.id.to_string()),
                after: audit_trail::snapshot(&row),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    get_authorization(conn, ctx, row.id)
}

/// Withdraws an authorization at once, with the reason.
pub fn revoke(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: AuthorizationId,
    expected: Option<i32>,
    reason: &str,
) -> AppResult<AuthorizationView> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            "say why the authorization is withdrawn",
        ));
    }
    write_tx(conn, |conn| {
        let before = find_authorization(conn, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected,
            "revoke",
            Some(reason),
            |conn, before| {
                if before.revoked_at.is_some() {
                    return Err(AppError::Conflict(
                        "this authorization is already revoked".into(),
                    ));
                }
                let at = ctx.now();
                diesel::update(authorizations::table.find(id))
                    .set((
                        authorizations::revoked_at.eq(at),
                        authorizations::revoked_by.eq(ctx.user_id),
                        authorizations::revoke_reason.eq(reason),
                        authorizations::version.eq(before.version + 1),
                        authorizations::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                find_authorization(conn, id)
            },
        )?;
        Ok(())
    })?;
    get_authorization(conn, ctx, id)
}

#[derive(Debug, Default, Clone)]
pub struct AuthorizationFilter {
    pub user_id: Option<UserId>,
    pub function: Option<AuthorizedFunction>,
    /// Only unrevoked ones ending within this many days (expired ones included).
    pub expiring_within_days: Option<i64>,
}

pub fn list_authorizations(
    conn: &mut DbConn,
    ctx: &Ctx,
    filter: &AuthorizationFilter,
    page: &PageRequest,
) -> AppResult<Page<AuthorizationView>> {
    let mut query = authorizations::table
        .select(Authorization::as_select())
        .into_boxed();
    if let Some(u) = filter.user_id {
        query = query.filter(authorizations::user_id.eq(u));
    }
    if let Some(f) = filter.function {
        query = query.filter(authorizations::function.eq(f));
    }
    if let Some(days) = filter.expiring_within_days {
        if !(0..=3650).contains(&days) {
            return Err(AppError::field(
                "expiring_within_days",
                "must be from 0 to 3650",
            ));
        }
        query = query
            .filter(authorizations::revoked_at.is_null())
            .filter(authorizations::valid_until.le(ctx.today() + chrono::Duration::days(days)));
    }
    if let Some(after) = page.after_as::<AuthorizationId>()? {
        query = query.filter(authorizations::id.gt(after));
    }
    let rows = query
        .order(authorizations::id.asc())
        .limit(page.limit()? + 1)
        .load(conn)?;
    let page = page.page(rows, |a| a.id.to_string())?;
    Ok(Page {
        items: authorization_views(conn, ctx, page.items)?,
        next_cursor: page.next_cursor,
    })
}

/// Unrevoked authorizations of active staff ending within `within_days` (and those already
/// ended in the last `within_days`), soonest first: what to renew or re-assess.
pub fn expiring(
    conn: &mut DbConn,
    ctx: &Ctx,
    within_days: i64,
) -> AppResult<Vec<AuthorizationView>> {
    if !(0..=3650).contains(&within_days) {
        return Err(AppError::field("within_days", "must be from 0 to 3650"));
    }
    let today = ctx.today();
    let rows = authorizations::table
        .inner_join(users::table.on(users::id.eq(authorizations::user_id)))
        .filter(users::deleted_at.is_null())
        .filter(authorizations::revoked_at.is_null())
        .filter(authorizations::valid_until.le(today + chrono::Duration::days(within_days)))
        .filter(authorizations::valid_until.ge(today - chrono::Duration::days(within_days)))
        .order((authorizations::valid_until.asc(), authorizations::id.asc()))
        .select(Authorization::as_select())
        .load(conn)?;
    authorization_views(conn, ctx, rows)
}

// ---------------------------------------------------------------------------------------------
// Staff and qualifications

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateQualification {
    pub kind: QualificationKind,
    pub title: String,
    pub provider: Option<String>,
    pub completed_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StaffView {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub qualifications: Vec<Qualification>,
    pub authorizations: Vec<AuthorizationView>,
}

type StaffRow = (UserId, String, String, Role);

fn staff_views(conn: &mut DbConn, ctx: &Ctx, people: Vec<StaffRow>) -> AppResult<Vec<StaffView>> {
    let ids: Vec<UserId> = people.iter().map(|p| p.0).collect();
    let mut quals = staff_qualifications::table
        .filter(staff_qualifications::user_id.eq_any(&ids))
        .order(staff_qualifications::completed_on.asc())
        .select(Qualification::as_select())
        .load(conn)?;
    let auths = authorizations::table
        .filter(authorizations::user_id.eq_any(&ids))
        .order(authorizations::id.asc())
        .select(Authorization::as_select())
        .load(conn)?;
    let mut auths = authorization_views(conn, ctx, auths)?;
    Ok(people
        .into_iter()
        .map(|(id, name, email, role)| {
            let (mine, rest): (Vec<_>, Vec<_>) = quals.drain(..).partition(|q| q.user_id == id);
            quals = rest;
            let (my_auths, rest): (Vec<_>, Vec<_>) =
                auths.drain(..).partition(|a| a.authorization.user_id == id);
            auths = rest;
            StaffView {
                id,
                name,
                email,
                role,
                qualifications: mine,
                authorizations: my_auths,
            }
        })
        .collect())
}

/// Every active staff member (not customers) with qualifications and authorizations.
pub fn list_staff(conn: &mut DbConn, ctx: &Ctx, page: &PageRequest) -> AppResult<Page<StaffView>> {
    let mut query = users::table
        .filter(users::deleted_at.is_null())
        .filter(users::role.ne(Role::Customer))
        .select((users::id, users::name, users::email, users::role))
        .into_boxed();
    if let Some(after) = page.after_as::<UserId>()? {
        query = query.filter(users::id.gt(after));
    }
    let rows = query
        .order(users::id.asc())
        .limit(page.limit()? + 1)
        .load::<StaffRow>(conn)?;
    let page = page.page(rows, |p| p.0.to_string())?;
    Ok(Page {
        items: staff_views(conn, ctx, page.items)?,
        next_cursor: page.next_cursor,
    })
}

pub fn all_staff(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Vec<StaffView>> {
    let rows = users::table
        .filter(users::deleted_at.is_null())
        .filter(users::role.ne(Role::Customer))
        .select((users::id, users::name, users::email, users::role))
        .order(users::id.asc())
        .load::<StaffRow>(conn)?;
    staff_views(conn, ctx, rows)
}

pub fn get_staff(conn: &mut DbConn, ctx: &Ctx, id: UserId) -> AppResult<StaffView> {
    let row = users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .filter(users::role.ne(Role::Customer))
        .select((users::id, users::name, users::email, users::role))
        .first::<StaffRow>(conn)
        .optional()?
        .ok_or(AppError::NotFound("staff member"))?;
    Ok(staff_views(conn, ctx, vec![row])?.remove(0))
}

pub fn add_qualification(
    conn: &mut DbConn,
    ctx: &Ctx,
    user_id: UserId,
    input: CreateQualification,
) -> AppResult<Qualification> {
    if staff_name(conn, user_id)?.is_none() {
        return Err(AppError::NotFound("staff member"));
    }
    let mut errors = Vec::new();
    let title = required_text("title", &input.title, &mut errors);
    if input.completed_on > ctx.today() {
        errors.push(FieldError::new("completed_on", "must not be in the future"));
    }
    if input.expires_on.is_some_and(|e| e < input.completed_on) {
        errors.push(FieldError::new(
            "expires_on",
            "must not be before completed_on",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let row = Qualification {
        id: QualificationId::new(),
        user_id,
        kind: input.kind,
        title,
        provider: optional_text(input.provider),
        completed_on: input.completed_on,
        expires_on: input.expires_on,
        evidence_filename: None,
        evidence_content_type: None,
        evidence_sha256: None,
        recorded_by: ctx.user_id,
        recorded_at: ctx.now(),
    };
    write_tx(conn, |conn| {
        diesel::insert_into(staff_qualifications::table)
            .values(&row)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "add_qualification",
                entity_type: "staff",
                entity_id: Some(user_id.to_string()),
                after: audit_trail::snapshot(&row),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(row)
}

fn find_qualification(
    conn: &mut DbConn,
    user_id: UserId,
    id: QualificationId,
) -> AppResult<Qualification> {
    staff_qualifications::table
        .find(id)
        .filter(staff_qualifications::user_id.eq(user_id))
        .select(Qualification::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("qualification"))
}

/// Stores the evidence file (a diploma, an attendance certificate); a new upload replaces the
/// bytes, and the audit trail keeps the hash of each.
pub fn set_evidence(
    conn: &mut DbConn,
    ctx: &Ctx,
    user_id: UserId,
    id: QualificationId,
    filename: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> AppResult<Qualification> {
    if bytes.is_empty() {
        return Err(AppError::field("body", "the file is empty"));
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(AppError::PayloadTooLarge(MAX_EVIDENCE_BYTES));
    }
    let filename = super::plain_file_name(filename)?;
    super::check_declared_pdf(content_type, filename, &bytes)?;
    let sha = hex::encode(Sha256::digest(&bytes));
    write_tx(conn, |conn| {
        let before = find_qualification(conn, user_id, id)?;
        diesel::update(staff_qualifications::table.find(id))
            .set((
                staff_qualifications::evidence_filename.eq(filename),
                staff_qualifications::evidence_content_type.eq(content_type),
                staff_qualifications::evidence_sha256.eq(&sha),
                staff_qualifications::evidence.eq(&bytes),
            ))
            .execute(conn)?;
        let after = find_qualification(conn, user_id, id)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "upload_evidence",
                entity_type: "staff",
                entity_id: Some(user_id.to_string()),
                before: audit_trail::snapshot(&before),
                after: audit_trail::snapshot(&after),
                ..Default::default()
            },
        )?;
        Ok(after)
    })
}

/// The evidence file: (file name, content type, bytes).
pub fn evidence(
    conn: &mut DbConn,
    user_id: UserId,
    id: QualificationId,
) -> AppResult<(String, String, Vec<u8>)> {
    let (name, kind, bytes): (Option<String>, Option<String>, Option<Vec<u8>>) =
        staff_qualifications::table
            .find(id)
            .filter(staff_qualifications::user_id.eq(user_id))
            .select((
                staff_qualifications::evidence_filename,
                staff_qualifications::evidence_content_type,
                staff_qualifications::evidence,
            ))
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound("qualification"))?;
    match (name, kind, bytes) {
        (Some(n), Some(k), Some(b)) => Ok((n, k, b)),
        _ => Err(AppError::NotFound("evidence file")),
    }
}
