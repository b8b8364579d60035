//! Certificates (ISO/IEC 17025 §7.8): issued by an authorized signatory from an approved record,
//! in one transaction with the next number from the laboratory's pattern, the frozen snapshot, the
//! PDF and its SHA-256, the DCC XML, the Ed25519 signature and the audit event. Issued files are
//! never re-rendered or changed: an amendment (§7.8.8) is a new certificate with a new number that
//! supersedes the old one, and a revocation only changes the status, with its reason.

use chrono::NaiveDate;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::audit_trail::{self, Change};
use super::auth::reauthenticate;
use super::calibrations::{self, RecordContent};
use super::{change_versioned, check_version, signing, Ctx, Page, PageRequest};
use crate::db::models::{
    CalibrationRecord, Certificate, CertificateFile, Customer, ExternalBody, Instrument,
    Laboratory, RecordVersion, StandardCalibration, User, WorkOrder, WorkOrderItem,
};
use crate::db::schema::{
    calibration_records, certificate_files, certificates, customers, external_bodies, instruments,
    standard_calibrations, standards, users, work_order_items, work_orders,
};
use crate::db::UtcTime;
use crate::db::{
    take_sequence, write_tx, CalibrationRecordId, CertificateId, CustomerId, DbConn, InstrumentId,
};
use crate::domain::calibration::RecordStatus;
use crate::domain::certificate::{
    file_stem, signed_message, CertificateSnapshot, CertificateStatus, ConformityStatement,
    EnvironmentCondition, ItemIdentity, LabIdentity, Method, Party, Replacement, ResultRow,
    Signatory, StandardReference,
};
use crate::domain::certificate_number::format_number;
use crate::domain::intake::{next_due, ConditionFlag, DecisionRuleKind, ItemStatus, ToleranceBand};
use crate::domain::quality::AuthorizedFunction;
use crate::domain::uncertainty::DEFAULT_COVERAGE_PROBABILITY;
use crate::domain::CertificateLanguage;
use crate::error::{AppError, AppResult};
use crate::pdf::certificate::{render_certificate, CertificateExtras, Template};

/// What issuing needs from the service's configuration.
#[derive(Debug, Clone)]
pub struct IssueSettings {
    /// Where the verification page is reached; printed on the certificate and in its QR code.
    pub public_url: String,
    /// The demo lab, which may print a loopback public URL.
    pub demo: bool,
}

impl IssueSettings {
    /// A certificate is printed for ever: its verification link must reach the lab from outside.
    fn check_public_url(&self) -> AppResult<()> {
        if !self.demo && crate::config::is_loopback_url(&self.public_url) {
            return Err(AppError::Conflict(format!(
                "certificates cannot be issued while the public URL is {}, which only this \
                 machine can open: set CALAB_PUBLIC_URL to the address customers verify \
                 certificates at",
                self.public_url
            )));
        }
        Ok(())
    }
}

/// The signatory's electronic signature: their password, entered again.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    pub password: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendRequest {
    /// Why the certificate is replaced; printed on the new certificate.
    pub reason: String,
    /// The signatory's password, entered again.
    pub password: String,
}

/// A certificate named from another one.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CertificateRef {
    pub id: CertificateId,
    pub number: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    #[serde(flatten)]
    pub certificate: Certificate,
    pub replaces: Option<CertificateRef>,
    pub superseded_by: Option<CertificateRef>,
    /// The exact text that was signed.
    pub signed_message: String,
    pub verification_url: String,
    /// Everything printed, as frozen at issue.
    pub snapshot: CertificateSnapshot,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn verification_url(public_url: &str, token: &str) -> String {
    format!("{}/verify/{token}", public_url.trim_end_matches('/'))
}

fn reference(conn: &mut DbConn, id: Option<CertificateId>) -> AppResult<Option<CertificateRef>> {
    let Some(id) = id else { return Ok(None) };
    let number = certificates::table
        .find(id)
        .select(certificates::number)
        .first::<String>(conn)?;
    Ok(Some(CertificateRef { id, number }))
}

fn view(conn: &mut DbConn, c: Certificate) -> AppResult<CertificateView> {
    let snapshot: CertificateSnapshot =
        serde_json::from_str(&c.snapshot).map_err(AppError::internal)?;
    Ok(CertificateView {
        replaces: reference(conn, c.replaces_id)?,
        superseded_by: reference(conn, c.superseded_by)?,
        signed_message: signed_message(&c.number, c.issued_on, &c.pdf_sha256),
        verification_url: snapshot.verification_url.clone(),
        snapshot,
        certificate: c,
    })
}

/// A certificate the caller may see: a customer only its own, and only as 404 otherwise.
fn find_visible(conn: &mut DbConn, ctx: &Ctx, id: CertificateId) -> AppResult<Certificate> {
    let mut query = certificates::table
        .filter(certificates::id.eq(id))
        .into_boxed();
    if let Some(customer) = ctx.customer_scope() {
        query = query.filter(certificates::customer_id.eq(customer));
    }
    query
        .first::<Certificate>(conn)
        .optional()?
        .ok_or(AppError::NotFound("certificate"))
}

/// The numbers of certificates by id (links between certificates the caller already sees).
pub fn numbers(
    conn: &mut DbConn,
    ids: &[CertificateId],
) -> AppResult<std::collections::HashMap<CertificateId, String>> {
    Ok(certificates::table
        .filter(certificates::id.eq_any(ids))
        .select((certificates::id, certificates::number))
        .load::<(CertificateId, String)>(conn)?
        .into_iter()
        .collect())
}

/// Every certificate of an instrument the caller may see, newest first, with its snapshot.
pub fn of_instrument(
    conn: &mut DbConn,
    ctx: &Ctx,
    instrument: InstrumentId,
) -> AppResult<Vec<CertificateView>> {
    let mut query = certificates::table
        .filter(certificates::instrument_id.eq(instrument))
        .into_boxed();
    if let Some(customer) = ctx.customer_scope() {
        query = query.filter(certificates::customer_id.eq(customer));
    }
    query
        .order(certificates::id.desc())
        .load::<Certificate>(conn)?
        .into_iter()
        .map(|c| view(conn, c))
        .collect()
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: CertificateId) -> AppResult<CertificateView> {
    let c = find_visible(conn, ctx, id)?;
    view(conn, c)
}

/// The stored PDF and its file name: the bytes as issued, never rendered again.
pub fn pdf(conn: &mut DbConn, ctx: &Ctx, id: CertificateId) -> AppResult<(Vec<u8>, String)> {
    let c = find_visible(conn, ctx, id)?;
    let file = certificate_files::table
        .find(c.id)
        .first::<CertificateFile>(conn)?;
    Ok((file.pdf, format!("{}.pdf", file_stem(&c.number))))
}

/// The stored DCC XML and its file name.
pub fn dcc(conn: &mut DbConn, ctx: &Ctx, id: CertificateId) -> AppResult<(String, String)> {
    let c = find_visible(conn, ctx, id)?;
    let file = certificate_files::table
        .find(c.id)
        .first::<CertificateFile>(conn)?;
    Ok((file.dcc, format!("{}.dcc.xml", file_stem(&c.number))))
}

#[derive(Debug, Clone, Default)]
pub struct CertificateFilter {
    pub customer_id: Option<CustomerId>,
    pub instrument_id: Option<InstrumentId>,
    pub record_id: Option<CalibrationRecordId>,
    pub status: Option<CertificateStatus>,
    /// Number contains this text.
    pub number: Option<String>,
    pub issued_from: Option<NaiveDate>,
    pub issued_to: Option<NaiveDate>,
}

/// A row of the certificate list (no snapshot).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CertificateSummary {
    pub id: CertificateId,
    pub number: String,
    pub status: CertificateStatus,
    pub record_id: CalibrationRecordId,
    pub instrument_id: InstrumentId,
    pub customer_id: CustomerId,
    pub issued_on: NaiveDate,
    pub replaces_id: Option<CertificateId>,
    pub superseded_by: Option<CertificateId>,
    pub pdf_sha256: String,
}

impl From<Certificate> for CertificateSummary {
    fn from(c: Certificate) -> Self {
        CertificateSummary {
            id: c.id,
            number: c.number,
            status: c.status,
            record_id: c.record_id,
            instrument_id: c.instrument_id,
            customer_id: c.customer_id,
            issued_on: c.issued_on,
            replaces_id: c.replaces_id,
            superseded_by: c.superseded_by,
            pdf_sha256: c.pdf_sha256,
        }
    }
}

/// Certificates, newest first. A customer sees only its own.
pub fn list(
    conn: &mut DbConn,
    ctx: &Ctx,
    filter: CertificateFilter,
    page: &PageRequest,
) -> AppResult<Page<CertificateSummary>> {
    let mut query = certificates::table.into_boxed();
    if let Some(customer) = ctx.customer_scope().or(filter.customer_id) {
        query = query.filter(certificates::customer_id.eq(customer));
    }
    if let Some(i) = filter.instrument_id {
        query = query.filter(certificates::instrument_id.eq(i));
    }
    if let Some(r) = filter.record_id {
        query = query.filter(certificates::record_id.eq(r));
    }
    if let Some(s) = filter.status {
        query = query.filter(certificates::status.eq(s));
    }
    if let Some(n) = filter.number.as_deref().filter(|n| !n.trim().is_empty()) {
        query = query.filter(
            crate::db::lower(certificates::number)
                .like(super::like_pattern(n.trim()))
                .escape('\\'),
        );
    }
    if let Some(from) = filter.issued_from {
        query = query.filter(certificates::issued_on.ge(from));
    }
    if let Some(to) = filter.issued_to {
        query = query.filter(certificates::issued_on.le(to));
    }
    if let Some(after) = page.after_as::<CertificateId>()? {
        query = query.filter(certificates::id.lt(after));
    }
    let rows = query
        .order(certificates::id.desc())
        .limit(page.limit()? + 1)
        .load::<Certificate>(conn)?;
    page.page(
        rows.into_iter().map(CertificateSummary::from).collect(),
        |c| c.id.to_string(),
    )
}

/// Issues the certificate of an approved record. Returns the certificate and whether it was
/// created now: asking again for a record that already has a valid certificate returns that one.
pub fn issue(
    conn: &mut DbConn,
    ctx: &Ctx,
    record_id: CalibrationRecordId,
    request: IssueRequest,
    settings: &IssueSettings,
) -> AppResult<(CertificateView, bool)> {
    settings.check_public_url()?;
    let signer = reauthenticate(
        conn,
        ctx,
        &request.password,
        "certificate",
        record_id.to_string(),
    )?;
    issue_signed(conn, ctx, record_id, &signer, settings)
}

/// [`issue`] once the signatory has re-authenticated: allocates the number, renders, signs and
/// stores in one transaction.
pub fn issue_signed(
    conn: &mut DbConn,
    ctx: &Ctx,
    record_id: CalibrationRecordId,
    signer: &User,
    settings: &IssueSettings,
) -> AppResult<(CertificateView, bool)> {
    settings.check_public_url()?;
    let (id, created) = write_tx(conn, |conn| {
        let record = calibration_records::table
            .find(record_id)
            .first::<CalibrationRecord>(conn)
            .optional()?
            .ok_or(AppError::NotFound("calibration record"))?;
        let existing = certificates::table
            .filter(certificates::record_id.eq(record_id))
            .order(certificates::id.desc())
            .load::<Certificate>(conn)?;
        if let Some(valid) = existing
            .iter()
            .find(|c| c.status == CertificateStatus::Valid)
        {
            return Ok((valid.id, false));
        }
        if let Some(last) = existing.first() {
            return Err(AppError::Conflict(format!(
                "certificate {} of this record was revoked; a revoked certificate is not issued again",
                last.number
            )));
        }
        if record.status != RecordStatus::Approved {
            return Err(AppError::Conflict(format!(
                "only an approved record gets a certificate; this one is {}",
                record.status
            )));
        }
        let version = calibrations::find_version(conn, record_id, record.current_version)?;
        let cert = create(conn, ctx, &record, &version, signer, None, settings)?;
        let item = work_order_items::table
            .find(record.item_id)
            .first::<WorkOrderItem>(conn)?;
        calibrations::move_item(conn, ctx, &item, ItemStatus::CertificateIssued)?;
        Ok((cert.id, true))
    })?;
    Ok((get(conn, &Ctx::system(ctx.clock), id)?, created))
}

/// What a preview prints across every page.
pub const PREVIEW_WATERMARK: [&str; 2] = [
    "BẢN XEM TRƯỚC – KHÔNG CÓ GIÁ TRỊ",
    "PREVIEW – NOT A VALID CERTIFICATE",
];

/// The certificate an approved record would get, rendered as issuing would render it now but
/// marked as a preview on every page: no number is taken, nothing is signed or stored.
pub fn preview(
    conn: &mut DbConn,
    ctx: &Ctx,
    record_id: CalibrationRecordId,
    settings: &IssueSettings,
) -> AppResult<Vec<u8>> {
    let record = calibration_records::table
        .find(record_id)
        .first::<CalibrationRecord>(conn)
        .optional()?
        .ok_or(AppError::NotFound("calibration record"))?;
    if record.status != RecordStatus::Approved {
        return Err(AppError::Conflict(format!(
            "only an approved record has a certificate to preview; this one is {}",
            record.status
        )));
    }
    let version = calibrations::find_version(conn, record_id, record.current_version)?;
    let signer = users::table
        .find(
            ctx.user_id
                .ok_or(AppError::Unauthenticated("sign in first"))?,
        )
        .first::<User>(conn)?;
    let lab = super::lab::load(conn)?;
    let issued_at = ctx.now();
    let snapshot = snapshot(
        conn,
        ctx,
        SnapshotInput {
            lab: &lab,
            record: &record,
            version: &version,
            signer: &signer,
            number: "—",
            issued_at,
            issued_on: ctx.clock.local_date(issued_at.utc()),
            replaces: None,
            verification_url: verification_url(&settings.public_url, "preview"),
        },
    )?;
    let dcc = crate::dcc::render(&snapshot);
    render_certificate(
        &snapshot,
        &CertificateExtras {
            logo_png: lab
                .logo
                .as_deref()
                .filter(|_| lab.logo_content_type.as_deref() == Some("image/png")),
            utc_offset: ctx.clock.offset(),
            dcc_xml: &dcc,
            watermark: Some(PREVIEW_WATERMARK),
        },
        Template::builtin(),
    )
    .map_err(AppError::internal)
}

/// Replaces a valid certificate with a new one (new number) from the record's newest approved
/// version; the old one is marked superseded, its files untouched.
pub fn amend(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CertificateId,
    expected: Option<i32>,
    request: AmendRequest,
    settings: &IssueSettings,
) -> AppResult<CertificateView> {
    settings.check_public_url()?;
    let reason = request.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(AppError::field("reason", "an amendment needs its reason"));
    }
    let signer = reauthenticate(conn, ctx, &request.password, "certificate", id.to_string())?;
    let new_id = write_tx(conn, |conn| {
        let old = find_visible(conn, ctx, id)?;
        check_version(expected, old.version)?;
        if old.status != CertificateStatus::Valid {
            return Err(AppError::Conflict(match old.superseded_by {
                Some(by) => format!(
                    "certificate {} is already superseded by {}",
                    old.number,
                    reference(conn, Some(by))?
                        .map(|r| r.number)
                        .unwrap_or_default()
                ),
                None => format!("certificate {} is {}", old.number, old.status),
            }));
        }
        let record = calibration_records::table
            .find(old.record_id)
            .first::<CalibrationRecord>(conn)?;
        if record.status != RecordStatus::Approved {
            return Err(AppError::Conflict(format!(
                "the record's version {} is {}: approve it before amending the certificate",
                record.current_version, record.status
            )));
        }
        let version = calibrations::find_version(conn, record.id, record.current_version)?;
        let replaced = Replacement {
            number: old.number.clone(),
            issued_on: old.issued_on,
            reason: reason.clone(),
            pdf_sha256: old.pdf_sha256.clone(),
        };
        // Supersede first: at most one valid certificate per record, enforced by an index.
        let at = ctx.now();
        diesel::update(certificates::table.find(old.id))
            .set((
                certificates::status.eq(CertificateStatus::Superseded),
                certificates::version.eq(old.version + 1),
                certificates::updated_at.eq(at),
            ))
            .execute(conn)?;
        let new = create(
            conn,
            ctx,
            &record,
            &version,
            &signer,
            Some((&old, replaced, &reason)),
            settings,
        )?;
        let superseded = diesel::update(certificates::table.find(old.id))
            .set(certificates::superseded_by.eq(new.id))
            .get_result::<Certificate>(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "supersede",
                entity_type: "certificate",
                entity_id: Some(old.id.to_string()),
                before: audit_trail::snapshot(&old),
                after: Some(
                    serde_json::json!({ "certificate": superseded, "superseded_by": new.number }),
                ),
                reason: Some(&reason),
            },
        )?;
        Ok(new.id)
    })?;
    get(conn, &Ctx::system(ctx.clock), new_id)
}

/// Withdraws a certificate for good, with its reason; the verification page says so.
pub fn revoke(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CertificateId,
    expected: Option<i32>,
    reason: &str,
) -> AppResult<CertificateView> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "a revocation needs its reason"));
    }
    write_tx(conn, |conn| {
        let old = find_visible(conn, ctx, id)?;
        change_versioned(
            conn,
            ctx,
            old,
            expected,
            "revoke",
            Some(reason),
            |conn, old| {
                if old.status != CertificateStatus::Valid {
                    return Err(AppError::Conflict(format!(
                        "certificate {} is {}: only a valid certificate is revoked",
                        old.number, old.status
                    )));
                }
                let at = ctx.now();
                let updated = diesel::update(certificates::table.find(id))
                    .set((
                        certificates::status.eq(CertificateStatus::Revoked),
                        certificates::revoked_at.eq(at),
                        certificates::revoked_by.eq(ctx.user_id),
                        certificates::revoke_reason.eq(reason),
                        certificates::version.eq(old.version + 1),
                        certificates::updated_at.eq(at),
                    ))
                    .get_result::<Certificate>(conn)?;
                withdraw_results(conn, ctx, &updated)?;
                Ok(updated)
            },
        )?;
        Ok(())
    })?;
    get(conn, ctx, id)
}

/// A revoked certificate's results no longer stand: unless another valid certificate of the
/// instrument remains, the instrument stops showing their verdict and the due date derived from
/// them (it is due for calibration again), audited on the instrument.
fn withdraw_results(conn: &mut DbConn, ctx: &Ctx, revoked: &Certificate) -> AppResult<()> {
    let still_valid = certificates::table
        .filter(certificates::instrument_id.eq(revoked.instrument_id))
        .filter(certificates::status.eq(CertificateStatus::Valid))
        .count()
        .get_result::<i64>(conn)?;
    if still_valid > 0 {
        return Ok(());
    }
    let before = instruments::table
        .find(revoked.instrument_id)
        .first::<Instrument>(conn)?;
    let after = diesel::update(instruments::table.find(revoked.instrument_id))
        .set((
            instruments::last_verdict.eq(None::<String>),
            instruments::next_due_on.eq(None::<NaiveDate>),
            instruments::version.eq(before.version + 1),
            instruments::updated_at.eq(ctx.now()),
        ))
        .get_result::<Instrument>(conn)?;
    audit_trail::record(
        conn,
        ctx,
        Change {
            action: "withdraw_results",
            entity_type: "instrument",
            entity_id: Some(before.id.to_string()),
            before: audit_trail::snapshot(&before),
            after: audit_trail::snapshot(&after),
            reason: Some(&format!("certificate {} revoked", revoked.number)),
        },
    )?;
    Ok(())
}

/// Builds, renders, signs and stores one certificate, with its audit event. Runs inside the
/// caller's transaction, which also serializes number allocation.
fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    record: &CalibrationRecord,
    version: &RecordVersion,
    signer: &User,
    replaces: Option<(&Certificate, Replacement, &str)>,
    settings: &IssueSettings,
) -> AppResult<Certificate> {
    let template = Template::builtin();
    let lab = super::lab::load(conn)?;
    let issued_at = ctx.now();
    let issued_on = ctx.clock.local_date(issued_at.utc());
    // §6.2.6: only a signatory authorized for this procedure or discipline signs.
    super::competence::require_for_record(
        conn,
        ctx,
        AuthorizedFunction::SignCertificates,
        record.id,
        version.record_version,
        issued_on,
    )?;
    let number = next_number(conn, &lab, issued_on)?;
    let token = new_token();
    let (old, replacement, reason) = match replaces {
        Some((old, r, reason)) => (Some(old), Some(r), Some(reason)),
        None => (None, None, None),
    };
    let snapshot = snapshot(
        conn,
        ctx,
        SnapshotInput {
            lab: &lab,
            record,
            version,
            signer,
            number: &number,
            issued_at,
            issued_on,
            replaces: replacement,
            verification_url: verification_url(&settings.public_url, &token),
        },
    )?;
    let dcc = crate::dcc::render(&snapshot);
    let pdf = render_certificate(
        &snapshot,
        &CertificateExtras {
            logo_png: lab
                .logo
                .as_deref()
                .filter(|_| lab.logo_content_type.as_deref() == Some("image/png")),
            utc_offset: ctx.clock.offset(),
            dcc_xml: &dcc,
            watermark: None,
        },
        template,
    )
    .map_err(AppError::internal)?;
    let pdf_sha256 = sha256_hex(&pdf);
    let (key_id, key) = signing::active_key(conn, ctx)?;
    let signature = signing::sign(&key, &signed_message(&number, issued_on, &pdf_sha256));
    let row = Certificate {
        id: CertificateId::new(),
        number,
        record_id: record.id,
        record_version: version.record_version,
        item_id: record.item_id,
        instrument_id: record.instrument_id,
        customer_id: record.customer_id,
        status: CertificateStatus::Valid,
        issued_at,
        issued_on,
        issued_by: signer.id,
        language: snapshot.language,
        template_version: template.version.clone(),
        replaces_id: old.map(|o| o.id),
        amendment_reason: reason.map(str::to_owned),
        superseded_by: None,
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
        verify_token: token,
        snapshot: serde_json::to_string(&snapshot).map_err(AppError::internal)?,
        pdf_sha256,
        pdf_size: pdf.len() as i32,
        dcc_sha256: sha256_hex(dcc.as_bytes()),
        signing_key_id: key_id,
        signature,
        version: 1,
        created_at: issued_at,
        updated_at: issued_at,
    };
    diesel::insert_into(certificates::table)
        .values(&row)
        .execute(conn)?;
    diesel::insert_into(certificate_files::table)
        .values(CertificateFile {
            certificate_id: row.id,
            pdf,
            dcc,
        })
        .execute(conn)?;
    audit_trail::record(
        conn,
        ctx,
        Change {
            action: if old.is_some() { "amend" } else { "issue" },
            entity_type: "certificate",
            entity_id: Some(row.id.to_string()),
            after: audit_trail::snapshot(&row),
            reason,
            ..Default::default()
        },
    )?;
    Ok(row)
}

/// The next number from the laboratory's pattern. A pattern with the year counts per year.
fn next_number(conn: &mut DbConn, lab: &Laboratory, issued_on: NaiveDate) -> AppResult<String> {
    use chrono::Datelike;
    let pattern = &lab.certificate_number_pattern;
    let year = issued_on.year();
    let counter = if pattern.contains("{YY") {
        format!("certificate-{year}")
    } else {
        "certificate".to_owned()
    };
    let seq = take_sequence(conn, &counter, 1)?;
    Ok(format_number(pattern, year, seq as u64))
}

/// 192 random bits, URL-safe: the certificate's public verification token.
fn new_token() -> String {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

struct SnapshotInput<'a> {
    lab: &'a Laboratory,
    record: &'a CalibrationRecord,
    version: &'a RecordVersion,
    signer: &'a User,
    number: &'a str,
    issued_at: UtcTime,
    issued_on: NaiveDate,
    replaces: Option<Replacement>,
    verification_url: String,
}

/// The results table as printed: each value with the digits the measurement supports.
fn result_rows(content: &RecordContent) -> Vec<ResultRow> {
    content
        .input
        .points
        .iter()
        .zip(&content.results)
        .map(|(p, r)| {
            let decimals = decimals(&r.reported_error);
            ResultRow {
                nominal: p.nominal.to_string(),
                unit: p.unit.clone(),
                reference_value: p.reference_value.to_string(),
                indication: format!("{:.*}", decimals, r.indication),
                error: r.reported_error.clone(),
                expanded_uncertainty: r.reported_expanded_uncertainty.clone(),
                coverage_factor: format!("{:.2}", r.coverage_factor),
                as_found: p.as_found.as_ref().map(ToString::to_string),
                as_left: p.as_left.as_ref().map(ToString::to_string),
                // As the specification prints it: no padding zeros.
                mpe: r.mpe.map(|m| {
                    let text = format!("{:.*}", decimals, m);
                    match text.contains('.') {
                        true => text.trim_end_matches('0').trim_end_matches('.').to_owned(),
                        false => text,
                    }
                }),
                verdict: r.verdict,
            }
        })
        .collect()
}

/// The environmental conditions recorded, as printed, with the equipment that measured them.
fn environment_rows(
    conn: &mut DbConn,
    input: &calibrations::RecordInput,
) -> AppResult<Vec<EnvironmentCondition>> {
    let mut rows = Vec::new();
    for (quantity, condition) in [
        ("temperature", &input.environment.temperature),
        ("humidity", &input.environment.humidity),
        ("pressure", &input.environment.pressure),
    ] {
        let Some(c) = condition else { continue };
        let measured_with = match c.measured_with.as_ref().and_then(|r| r.id()) {
            Some(id) => standards::table
                .find(id)
                .select(standards::asset_id)
                .first::<String>(conn)
                .optional()?,
            None => None,
        };
        rows.push(EnvironmentCondition {
            quantity: quantity.to_owned(),
            value: c.value.to_string(),
            unit: c.unit.clone(),
            measured_with,
        });
    }
    Ok(rows)
}

/// Everything printed, read from the record version, the item, its instrument, work order and
/// customer, the standards used and the laboratory, as they are at issue.
fn snapshot(conn: &mut DbConn, ctx: &Ctx, i: SnapshotInput<'_>) -> AppResult<CertificateSnapshot> {
    let content: RecordContent =
        serde_json::from_str(&i.version.content).map_err(AppError::internal)?;
    let item = work_order_items::table
        .find(i.record.item_id)
        .first::<WorkOrderItem>(conn)?;
    let order = work_orders::table
        .find(item.work_order_id)
        .first::<WorkOrder>(conn)?;
    let instrument = instruments::table
        .find(i.record.instrument_id)
        .first::<Instrument>(conn)?;
    let customer = customers::table
        .find(i.record.customer_id)
        .first::<Customer>(conn)?;
    let technician = users::table
        .find(i.record.technician_id)
        .select(users::name)
        .first::<String>(conn)?;
    let lang = customer.preferred_language;
    let template = Template::builtin();
    let local = |t| ctx.clock.local_date(t);
    let input = &content.input;
    let first_day = local(input.started_at);
    let last_day = input.ended_at.map(local).unwrap_or(first_day);

    let unit = instrument.unit.clone().unwrap_or_default();
    let range = match (instrument.range_min, instrument.range_max) {
        (Some(a), Some(b)) => Some(format!("{a} … {b} {unit}").trim().to_owned()),
        _ => None,
    };
    let bands: Vec<ToleranceBand> = serde_json::from_str(&instrument.tolerance).unwrap_or_default();
    let results = result_rows(&content);
    let conformity = (content.decision_rule != DecisionRuleKind::None
        && results.iter().any(|r| r.verdict.is_some()))
    .then(|| ConformityStatement {
        rule: content.decision_rule,
        guard_band: content.guard_band.clone(),
        specification: specification(&bands, &unit, lang),
        overall: content.overall_verdict,
    });
    let standards = content
        .standards_used
        .iter()
        .map(|s| standard_reference(conn, s, lang))
        .collect::<AppResult<Vec<_>>>()?;
    let environment = environment_rows(conn, input)?;
    let flags: Vec<ConditionFlag> = serde_json::from_str(&item.condition_flags).unwrap_or_default();
    let condition = crate::pdf::receipt::condition_text(
        &crate::pdf::ItemCondition {
            flags,
            remarks: item.condition_remarks.clone().unwrap_or_default(),
        },
        lang,
    );
    Ok(CertificateSnapshot {
        number: i.number.to_owned(),
        issued_at: i.issued_at.utc(),
        issue_date: i.issued_on,
        language: lang,
        template_version: template.version.clone(),
        service: item.service,
        lab: LabIdentity {
            name_vi: i.lab.name_vi.clone(),
            name_en: i.lab.name_en.clone(),
            address_vi: i.lab.address_vi.clone(),
            address_en: i.lab.address_en.clone(),
            accreditation_body: i.lab.accreditation_body.clone(),
            accreditation_number: i.lab.accreditation_number.clone(),
        },
        customer: Party {
            name: customer.name,
            address: customer.address,
        },
        item: ItemIdentity {
            lab_id: instrument.lab_id.clone(),
            description: instrument.description.clone(),
            manufacturer: instrument.manufacturer.clone(),
            model: instrument.model.clone(),
            serial_number: instrument.serial_number.clone(),
            asset_tag: instrument.asset_tag.clone(),
            range,
            resolution: instrument
                .resolution
                .as_ref()
                .map(|r| format!("{r} {unit}").trim().to_owned()),
            condition,
        },
        work_order_number: order.number,
        received_on: local(order.received_at.utc()),
        calibrated_from: input.started_at,
        calibrated_to: input.ended_at,
        calibration_dates: (first_day, last_day),
        location: input.location.clone(),
        method: Method {
            procedure_code: content.procedure_code.clone(),
            procedure_version: content.procedure_version,
            title: procedure_title(conn, i.version)?,
        },
        environment,
        results,
        coverage_probability: DEFAULT_COVERAGE_PROBABILITY,
        conformity,
        standards,
        remarks: input.notes.clone(),
        next_due_on: (item.due_date_on_certificate != 0)
            .then(|| {
                next_due(
                    Some(i.version.calibrated_on),
                    instrument.recalibration_interval_months,
                )
            })
            .flatten(),
        performed_by: technician,
        signatory: Signatory {
            name: i.signer.name.clone(),
            function: template.labels.signatory_function.get(lang),
            signed_at: i.issued_at.utc(),
        },
        replaces: i.replaces,
        check_code: Some(check_code(&i.verification_url)),
        verification_url: i.verification_url,
        record_id: i.record.id.to_string(),
        record_version: i.version.record_version,
    })
}

fn procedure_title(conn: &mut DbConn, version: &RecordVersion) -> AppResult<String> {
    use crate::db::schema::procedures;
    Ok(procedures::table
        .find(version.procedure_id)
        .select(procedures::title)
        .first::<String>(conn)?)
}

/// Decimal places of a reported value ("0.0590" → 4).
fn decimals(s: &str) -> usize {
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

/// The specification as printed: each tolerance band's MPE and range.
fn specification(bands: &[ToleranceBand], unit: &str, lang: CertificateLanguage) -> String {
    bands
        .iter()
        .map(|b| {
            let mpe = match (b.mpe_absolute, b.mpe_relative) {
                (Some(a), Some(r)) => format!(
                    "±({a} {unit} + {} % {})",
                    r * 100.0,
                    lang.label("số chỉ", "of reading")
                ),
                (Some(a), None) => format!("±{a} {unit}"),
                (None, Some(r)) => {
                    format!("±{} % {}", r * 100.0, lang.label("số chỉ", "of reading"))
                }
                (None, None) => String::new(),
            };
            match (b.range_min, b.range_max) {
                (None, None) => format!("MPE {mpe}"),
                (min, max) => format!(
                    "MPE {mpe} ({} … {} {unit})",
                    min.map(|v| v.to_string()).unwrap_or_default(),
                    max.map(|v| v.to_string()).unwrap_or_default()
                ),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A standard as printed: its certificate, who issued it and when it is due.
fn standard_reference(
    conn: &mut DbConn,
    used: &calibrations::StandardUsed,
    lang: CertificateLanguage,
) -> AppResult<StandardReference> {
    let calibration = match used.calibration_id {
        Some(id) => standard_calibrations::table
            .find(id)
            .first::<StandardCalibration>(conn)
            .optional()?,
        None => None,
    };
    let calibrated_by = match &calibration {
        Some(c) => match (c.external_body_id, c.issuer_standard_id) {
            (Some(body), _) => external_bodies::table
                .find(body)
                .first::<ExternalBody>(conn)
                .optional()?
                .map(|b| b.name),
            (None, Some(standard)) => standards::table
                .find(standard)
                .select(standards::asset_id)
                .first::<String>(conn)
                .optional()?
                .map(|asset| {
                    lang.label(
                        &format!("nội bộ, so với {asset}"),
                        &format!("in-house, against {asset}"),
                    )
                }),
            (None, None) => None,
        },
        None => None,
    };
    Ok(StandardReference {
        asset_id: used.asset_id.clone(),
        name: used.name.clone(),
        certificate_number: used.certificate_number.clone(),
        calibrated_by,
        due_on: calibration.map(|c| c.due_on),
    })
}

/// What the public verification page shows: enough to recognise the certificate, nothing more.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub status: CertificateStatus,
    pub number: String,
    pub issue_date: NaiveDate,
    pub laboratory: String,
    pub accreditation: Option<String>,
    pub item: VerifiedItem,
    /// SHA-256 of the PDF as issued: a copy with another hash is not the issued document.
    pub pdf_sha256: String,
    /// When superseded: the certificate that replaces this one, and its verification page.
    pub superseded_by: Option<VerifiedLink>,
    /// When this certificate is an amendment: the one it replaces and why.
    pub replaces: Option<VerifiedLink>,
    pub amendment_reason: Option<String>,
    pub revoked_at: Option<UtcTime>,
    pub revoke_reason: Option<String>,
    /// Offline check: Ed25519 signature (base64) of `signed_message` by key `key_id` of
    /// `GET /api/v1/lab/public-keys`.
    pub key_id: String,
    pub signature: String,
    pub signed_message: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VerifiedItem {
    pub description: String,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub lab_id: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VerifiedLink {
    pub number: String,
    pub verification_url: String,
}

/// Eight characters derived from the verification link (which holds the secret token): printed
/// beside the QR code, typed with the number by a person holding paper. Letters that read alike
/// (I, L, O, U) are left out.
pub fn check_code(verification_url: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let digest = Sha256::digest(format!("calab-check-code\n{verification_url}").as_bytes());
    let code: String = digest
        .iter()
        .take(8)
        .map(|b| ALPHABET[(*b & 31) as usize] as char)
        .collect();
    format!("{}-{}", &code[..4], &code[4..])
}

/// The verification page of a certificate found by its number and check code (as typed: case and
/// separators do not matter). Certificates without a printed check code cannot be found this way.
pub fn token_by_number(conn: &mut DbConn, number: &str, code: &str) -> AppResult<String> {
    let wanted: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let found = certificates::table
        .filter(certificates::number.eq(number.trim()))
        .select((certificates::verify_token, certificates::snapshot))
        .load::<(String, String)>(conn)?;
    for (token, snapshot) in found {
        let snapshot: CertificateSnapshot =
            serde_json::from_str(&snapshot).map_err(AppError::internal)?;
        let printed = snapshot.check_code.map(|c| c.replace('-', ""));
        if printed.is_some_and(|p| !wanted.is_empty() && p == wanted) {
            return Ok(token);
        }
    }
    Err(AppError::NotFound("certificate"))
}

fn by_token(conn: &mut DbConn, token: &str) -> AppResult<Certificate> {
    certificates::table
        .filter(certificates::verify_token.eq(token))
        .first::<Certificate>(conn)
        .optional()?
        .ok_or(AppError::NotFound("certificate"))
}

fn link(conn: &mut DbConn, id: Option<CertificateId>) -> AppResult<Option<VerifiedLink>> {
    let Some(id) = id else { return Ok(None) };
    let c = certificates::table.find(id).first::<Certificate>(conn)?;
    let snapshot: CertificateSnapshot =
        serde_json::from_str(&c.snapshot).map_err(AppError::internal)?;
    Ok(Some(VerifiedLink {
        number: c.number,
        verification_url: snapshot.verification_url,
    }))
}

/// The public verification of a certificate by its token.
pub fn verify(conn: &mut DbConn, token: &str) -> AppResult<Verification> {
    let c = by_token(conn, token)?;
    let s: CertificateSnapshot = serde_json::from_str(&c.snapshot).map_err(AppError::internal)?;
    let accreditation = [&s.lab.accreditation_body, &s.lab.accreditation_number]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Verification {
        superseded_by: link(conn, c.superseded_by)?,
        replaces: link(conn, c.replaces_id)?,
        signed_message: signed_message(&c.number, c.issued_on, &c.pdf_sha256),
        status: c.status,
        number: c.number,
        issue_date: c.issued_on,
        laboratory: match s.language {
            CertificateLanguage::En => s.lab.name_en,
            _ => s.lab.name_vi,
        },
        accreditation: Some(accreditation).filter(|a| !a.is_empty()),
        item: VerifiedItem {
            description: s.item.description,
            manufacturer: s.item.manufacturer,
            model: s.item.model,
            serial_number: s.item.serial_number,
            lab_id: s.item.lab_id,
        },
        pdf_sha256: c.pdf_sha256,
        amendment_reason: c.amendment_reason,
        revoked_at: c.revoked_at,
        revoke_reason: c.revoke_reason,
        key_id: c.signing_key_id,
        signature: c.signature,
    })
}

/// The answer to an uploaded copy.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CopyCheck {
    /// The uploaded file is byte for byte the PDF the laboratory issued.
    pub matches: bool,
    pub uploaded_sha256: String,
    pub certificate: Verification,
}

/// Compares an uploaded PDF with the issued one by SHA-256.
pub fn check_copy(conn: &mut DbConn, token: &str, uploaded: &[u8]) -> AppResult<CopyCheck> {
    let certificate = verify(conn, token)?;
    let uploaded_sha256 = sha256_hex(uploaded);
    Ok(CopyCheck {
        matches: uploaded_sha256 == certificate.pdf_sha256,
        uploaded_sha256,
        certificate,
    })
}
