//! The audit pack (what an ISO/IEC 17025 assessor asks for in the first hour, clause by clause,
//! for a period) and the quality manager's attention list (everything overdue or open). Both are
//! read-only summaries built from the records; [`document`] prints the pack.

pub mod document;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::competence::{self, AuthorizationView};
use super::complaints::{self, ComplaintView};
use super::corrective_actions::{self, CorrectiveActionView};
use super::internal_audits::{finding_view, FindingView};
use super::nonconformities::{self, NonconformityView};
use super::Ctx;
use crate::db::quality_models::{
    Complaint, ControlledDocument, CorrectiveAction, Finding, InternalAudit, ManagementReview,
    Nonconformity, ProficiencyTest, Qualification,
};
use crate::db::schema::{
    calibration_record_versions, calibration_records, certificates, complaints as complaints_t,
    controlled_documents, corrective_actions as cas_t, findings, intermediate_checks,
    internal_audits, management_reviews, nonconformities as ncs_t, proficiency_tests,
    staff_qualifications, standards,
};
use crate::db::{CalibrationRecordId, CertificateId, DbConn, StandardId};
use crate::domain::calibration::RecordStatus;
use crate::domain::certificate::CertificateStatus;
use crate::domain::quality::{
    AuditStatus, CaStatus, ComplaintStatus, DocumentStatus, FindingStatus, NcStatus, PtStatus,
    ReviewStatus, NC_EVALUATION_DAYS,
};
use crate::domain::traceability::StandardStatus;
use crate::error::{AppError, AppResult};

/// The longest period one pack covers.
pub const MAX_PERIOD_DAYS: i64 = 3 * 366;

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditPack {
    pub laboratory: String,
    pub accreditation_number: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// §6.2: staff, their authorizations (expired ones flagged) and qualifications.
    pub personnel: Personnel,
    /// §6.4, §6.5: the standards, their due dates and chain status today (broken or overdue
    /// flagged).
    pub equipment: Equipment,
    /// §7.5, §7.8: calibrations and certificates in the period, amendments and revocations.
    pub technical_records: TechnicalRecords,
    /// §7.7: intermediate checks and proficiency results in the period.
    pub validity: Validity,
    /// §7.9
    pub complaints: Vec<ComplaintView>,
    /// §7.10: raised in the period, or still open.
    pub nonconformities: Vec<NonconformitySummary>,
    /// §8.7: raised in the period, or still open (overdue flagged).
    pub corrective_actions: Vec<CorrectiveActionView>,
    /// §8.8: audits planned or performed in the period, with their findings.
    pub internal_audits: Vec<AuditSummary>,
    /// §8.9
    pub management_reviews: Vec<ManagementReview>,
    /// §8.3: the register's state.
    pub documents: DocumentSummary,
    /// §7.11: the audit trail's hash chain, recomputed now.
    pub audit_trail: super::audit_trail::Verification,
    /// Everything flagged above, in words, for the first page.
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Personnel {
    pub staff: Vec<StaffSummary>,
    pub expired_authorizations: usize,
    pub expiring_authorizations: usize,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StaffSummary {
    pub id: crate::db::UserId,
    pub name: String,
    pub role: crate::domain::Role,
    pub qualifications: Vec<Qualification>,
    pub authorizations: Vec<AuthorizationView>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Equipment {
    pub standards: Vec<StandardSummary>,
    pub flagged: usize,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StandardSummary {
    pub id: StandardId,
    pub asset_id: String,
    pub name: String,
    pub status: StandardStatus,
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    /// `valid` or `broken` today.
    pub chain: String,
    pub fit_for_use: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TechnicalRecords {
    /// Calibration records whose current version was performed in the period.
    pub calibrations: i64,
    pub calibrations_by_status: BTreeMap<String, i64>,
    /// `YYYY-MM` -> count.
    pub calibrations_by_month: BTreeMap<String, i64>,
    /// Record versions created in the period to amend an approved record.
    pub amendments: Vec<AmendmentSummary>,
    pub certificates_issued: i64,
    pub certificates_by_status: BTreeMap<String, i64>,
    /// Certificates issued in the period that replace another.
    pub amended_certificates: Vec<CertificateSummary>,
    /// Certificates revoked in the period.
    pub revoked_certificates: Vec<CertificateSummary>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AmendmentSummary {
    pub record_id: CalibrationRecordId,
    pub record_version: i32,
    pub reason: Option<String>,
    pub created_at: crate::db::UtcTime,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CertificateSummary {
    pub id: CertificateId,
    pub number: String,
    pub status: CertificateStatus,
    pub issued_on: NaiveDate,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Validity {
    pub intermediate_checks: i64,
    pub intermediate_checks_failed: Vec<FailedCheck>,
    pub proficiency_tests: Vec<ProficiencyTest>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FailedCheck {
    pub standard_id: StandardId,
    pub asset_id: String,
    pub checked_on: NaiveDate,
    pub measured_value: String,
    pub reference_value: String,
    pub lower_limit: String,
    pub upper_limit: String,
    pub unit: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NonconformitySummary {
    #[serde(flatten)]
    pub nonconformity: NonconformityView,
    /// Open and not evaluated within 14 days, or with an overdue corrective action.
    pub overdue: bool,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditSummary {
    pub audit: InternalAudit,
    pub findings: Vec<FindingView>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentSummary {
    pub by_status: BTreeMap<String, usize>,
    pub current: Vec<super::documents::DocumentView>,
    /// Made obsolete in the period.
    pub made_obsolete: Vec<super::documents::DocumentView>,
}

fn check_period(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    for (field, date) in [("from", from), ("to", to)] {
        if !(1900..=2999).contains(&date.year()) {
            return Err(AppError::field(
                field,
                "must be a date between 1900 and 2999",
            ));
        }
    }
    if to < from {
        return Err(AppError::field("to", "must not be before from"));
    }
    if (to - from).num_days() > MAX_PERIOD_DAYS {
        return Err(AppError::field(
            "to",
            format!("a pack covers at most {MAX_PERIOD_DAYS} days"),
        ));
    }
    Ok(())
}

fn start_of(d: NaiveDate) -> chrono::NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or_default()
}

fn nc_overdue(nc: &Nonconformity, today: NaiveDate) -> bool {
    nc.status == NcStatus::Open && (today - nc.raised_on).num_days() > NC_EVALUATION_DAYS
}

fn standards_summary(conn: &mut DbConn, today: NaiveDate) -> AppResult<Equipment> {
    let rows: Vec<(StandardId, String, String, StandardStatus)> = standards::table
        .filter(standards::status.ne(StandardStatus::Retired))
        .order(standards::asset_id.asc())
        .select((
            standards::id,
            standards::asset_id,
            standards::name,
            standards::status,
        ))
        .load(conn)?;
    let mut out = Vec::new();
    for (id, asset_id, name, status) in rows {
        let chain = super::standards::chain(conn, id, today)?;
        let fitness = super::standards::fitness_on(conn, id, today)?;
        let due_on = chain.links.first().and_then(|l| l.due_on);
        out.push(StandardSummary {
            id,
            asset_id,
            name,
            status,
            overdue: due_on.is_none_or(|d| d < today),
            due_on,
            chain: chain.status.to_string(),
            fit_for_use: fitness.fit,
            reason: fitness.reason.or(chain.reason),
        });
    }
    let flagged = out
        .iter()
        .filter(|s| s.overdue || s.chain != "valid" || !s.fit_for_use)
        .count();
    Ok(Equipment {
        standards: out,
        flagged,
    })
}

fn technical_records(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<TechnicalRecords> {
    use calibration_record_versions as v;
    use calibration_records as r;
    let by_status: Vec<(RecordStatus, i64)> = r::table
        .inner_join(
            v::table.on(v::record_id
                .eq(r::id)
                .and(v::record_version.eq(r::current_version))),
        )
        .filter(v::calibrated_on.ge(from))
        .filter(v::calibrated_on.le(to))
        .group_by(r::status)
        .select((r::status, count_star()))
        .load(conn)?;
    let by_day: Vec<(NaiveDate, i64)> = r::table
        .inner_join(
            v::table.on(v::record_id
                .eq(r::id)
                .and(v::record_version.eq(r::current_version))),
        )
        .filter(v::calibrated_on.ge(from))
        .filter(v::calibrated_on.le(to))
        .group_by(v::calibrated_on)
        .select((v::calibrated_on, count_star()))
        .load(conn)?;
    let mut by_month = BTreeMap::new();
    for (day, n) in by_day {
        *by_month
            .entry(format!("{:04}-{:02}", day.year(), day.month()))
            .or_insert(0) += n;
    }
    let end = start_of(to) + chrono::Duration::days(1);
    let amendments: Vec<(CalibrationRecordId, i32, Option<String>, crate::db::UtcTime)> = v::table
        .filter(v::record_version.gt(1))
        .filter(v::created_at.ge(start_of(from)))
        .filter(v::created_at.lt(end))
        .order(v::created_at.asc())
        .select((
            v::record_id,
            v::record_version,
            v::amendment_reason,
            v::created_at,
        ))
        .load(conn)?;
    let certs_by_status: Vec<(CertificateStatus, i64)> = certificates::table
        .filter(certificates::issued_on.ge(from))
        .filter(certificates::issued_on.le(to))
        .group_by(certificates::status)
        .select((certificates::status, count_star()))
        .load(conn)?;
    type CertRow = (
        CertificateId,
        String,
        CertificateStatus,
        NaiveDate,
        Option<String>,
    );
    let amended: Vec<CertRow> = certificates::table
        .filter(certificates::issued_on.ge(from))
        .filter(certificates::issued_on.le(to))
        .filter(certificates::replaces_id.is_not_null())
        .order(certificates::number.asc())
        .select((
            certificates::id,
            certificates::number,
            certificates::status,
            certificates::issued_on,
            certificates::amendment_reason,
        ))
        .load(conn)?;
    let revoked: Vec<CertRow> = certificates::table
        .filter(certificates::revoked_at.ge(start_of(from)))
        .filter(certificates::revoked_at.lt(end))
        .order(certificates::number.asc())
        .select((
            certificates::id,
            certificates::number,
            certificates::status,
            certificates::issued_on,
            certificates::revoke_reason,
        ))
        .load(conn)?;
    let cert = |(id, number, status, issued_on, reason): CertRow| CertificateSummary {
        id,
        number,
        status,
        issued_on,
        reason,
    };
    Ok(TechnicalRecords {
        calibrations: by_status.iter().map(|(_, n)| n).sum(),
        calibrations_by_status: by_status
            .into_iter()
            .map(|(s, n)| (s.to_string(), n))
            .collect(),
        calibrations_by_month: by_month,
        amendments: amendments
            .into_iter()
            .map(|(record_id, record_version, reason, at)| AmendmentSummary {
                record_id,
                record_version,
                reason,
                created_at: at,
            })
            .collect(),
        certificates_issued: certs_by_status.iter().map(|(_, n)| n).sum(),
        certificates_by_status: certs_by_status
            .into_iter()
            .map(|(s, n)| (s.to_string(), n))
            .collect(),
        amended_certificates: amended.into_iter().map(cert).collect(),
        revoked_certificates: revoked.into_iter().map(cert).collect(),
    })
}

fn validity(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> AppResult<Validity> {
    let total: i64 = intermediate_checks::table
        .filter(intermediate_checks::checked_on.ge(from))
        .filter(intermediate_checks::checked_on.le(to))
        .count()
        .get_result(conn)?;
    type CheckRow = (
        StandardId,
        String,
        NaiveDate,
        String,
        String,
        String,
        String,
        String,
    );
    let failed: Vec<CheckRow> = intermediate_checks::table
        .inner_join(standards::table.on(standards::id.eq(intermediate_checks::standard_id)))
        .filter(intermediate_checks::checked_on.ge(from))
        .filter(intermediate_checks::checked_on.le(to))
        .filter(intermediate_checks::result.eq("fail"))
        .order(intermediate_checks::checked_on.asc())
        .select((
            standards::id,
            standards::asset_id,
            intermediate_checks::checked_on,
            intermediate_checks::measured_value,
            intermediate_checks::reference_value,
            intermediate_checks::lower_limit,
            intermediate_checks::upper_limit,
            intermediate_checks::unit,
        ))
        .load(conn)?;
    let pts = proficiency_tests::table
        .filter(
            proficiency_tests::reported_on
                .ge(from)
                .and(proficiency_tests::reported_on.le(to))
                .or(proficiency_tests::planned_on
                    .ge(from)
                    .and(proficiency_tests::planned_on.le(to))),
        )
        .order((
            proficiency_tests::discipline.asc(),
            proficiency_tests::planned_on.asc(),
        ))
        .select(ProficiencyTest::as_select())
        .load(conn)?;
    Ok(Validity {
        intermediate_checks: total,
        intermediate_checks_failed: failed
            .into_iter()
            .map(
                |(
                    standard_id,
                    asset_id,
                    checked_on,
                    measured_value,
                    reference_value,
                    lower_limit,
                    upper_limit,
                    unit,
                )| {
                    FailedCheck {
                        standard_id,
                        asset_id,
                        checked_on,
                        measured_value,
                        reference_value,
                        lower_limit,
                        upper_limit,
                        unit,
                    }
                },
            )
            .collect(),
        proficiency_tests: pts,
    })
}

fn nc_summaries(
    conn: &mut DbConn,
    rows: Vec<Nonconformity>,
    today: NaiveDate,
) -> AppResult<Vec<NonconformitySummary>> {
    let mut out = Vec::new();
    for nc in rows {
        let cas = nonconformities::ca_refs(conn, &nc.id.to_string())?;
        let ca_overdue = cas
            .iter()
            .any(|c| c.status != CaStatus::Closed && c.due_on < today);
        let overdue = nc_overdue(&nc, today) || ca_overdue;
        out.push(NonconformitySummary {
            nonconformity: nonconformities::view_of(conn, nc, cas)?,
            overdue,
        });
    }
    Ok(out)
}

pub fn audit_pack(
    conn: &mut DbConn,
    ctx: &Ctx,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<AuditPack> {
    check_period(from, to)?;
    let today = ctx.today();
    let lab = super::lab::get(conn)?;
    let mut pack = AuditPack {
        laboratory: lab.lab.name_en,
        accreditation_number: lab.lab.accreditation_number,
        from,
        to,
        generated_at: ctx.clock.now(),
        personnel: personnel(conn, ctx)?,
        equipment: standards_summary(conn, today)?,
        technical_records: technical_records(conn, from, to)?,
        validity: validity(conn, from, to)?,
        complaints: complaints_in(conn, from, to, today)?,
        nonconformities: nonconformities_in(conn, from, to, today)?,
        corrective_actions: corrective_actions_in(conn, from, to, today)?,
        internal_audits: internal_audits_in(conn, from, to, today)?,
        management_reviews: management_reviews_in(conn, from, to)?,
        documents: documents_summary(conn, from, to)?,
        audit_trail: super::audit_trail::verify(conn)?,
        flags: Vec::new(),
    };
    pack.flags = flags(&pack);
    Ok(pack)
}

/// §6.2: every staff member with their qualifications and authorizations.
fn personnel(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Personnel> {
    let staff = competence::all_staff(conn, ctx)?;
    let count = |state: &str| {
        staff
            .iter()
            .flat_map(|s| &s.authorizations)
            .filter(|a| a.state == state)
            .count()
    };
    let (expired, expiring) = (count("expired"), count("expiring"));
    Ok(Personnel {
        staff: staff
            .into_iter()
            .map(|s| StaffSummary {
                id: s.id,
                name: s.name,
                role: s.role,
                qualifications: s.qualifications,
                authorizations: s.authorizations,
            })
            .collect(),
        expired_authorizations: expired,
        expiring_authorizations: expiring,
    })
}

/// §7.9: received in the period, or still open.
fn complaints_in(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<ComplaintView>> {
    let rows: Vec<Complaint> = complaints_t::table
        .filter(
            complaints_t::received_on
                .ge(from)
                .and(complaints_t::received_on.le(to))
                .or(complaints_t::status.ne(ComplaintStatus::Closed)),
        )
        .order(complaints_t::id.asc())
        .select(Complaint::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|c| complaints::view_of(c, false, today))
        .collect())
}

/// §7.10: raised in the period, or still open.
fn nonconformities_in(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<NonconformitySummary>> {
    let rows: Vec<Nonconformity> = ncs_t::table
        .filter(
            ncs_t::raised_on
                .ge(from)
                .and(ncs_t::raised_on.le(to))
                .or(ncs_t::status.ne(NcStatus::Closed)),
        )
        .order(ncs_t::id.asc())
        .select(Nonconformity::as_select())
        .load(conn)?;
    nc_summaries(conn, rows, today)
}

/// §8.7: raised in the period, or still open.
fn corrective_actions_in(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<CorrectiveActionView>> {
    let end = start_of(to) + chrono::Duration::days(1);
    let rows: Vec<CorrectiveAction> = cas_t::table
        .filter(
            cas_t::created_at
                .ge(start_of(from))
                .and(cas_t::created_at.lt(end))
                .or(cas_t::status.ne(CaStatus::Closed)),
        )
        .order(cas_t::id.asc())
        .select(CorrectiveAction::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|c| corrective_actions::view_of(c, today))
        .collect())
}

/// §8.8: planned or performed in the period, or not closed, with their findings.
fn internal_audits_in(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<AuditSummary>> {
    let rows: Vec<InternalAudit> = internal_audits::table
        .filter(
            internal_audits::planned_on
                .ge(from)
                .and(internal_audits::planned_on.le(to))
                .or(internal_audits::performed_on
                    .ge(from)
                    .and(internal_audits::performed_on.le(to)))
                .or(internal_audits::status.ne(AuditStatus::Closed)),
        )
        .order(internal_audits::planned_on.asc())
        .select(InternalAudit::as_select())
        .load(conn)?;
    let mut out = Vec::new();
    for audit in rows {
        let findings: Vec<Finding> = findings::table
            .filter(findings::audit_id.eq(audit.id))
            .order(findings::id.asc())
            .select(Finding::as_select())
            .load(conn)?;
        out.push(AuditSummary {
            findings: findings
                .into_iter()
                .map(|f| finding_view(f, today))
                .collect(),
            audit,
        });
    }
    Ok(out)
}

/// §8.9: planned or held in the period.
fn management_reviews_in(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<ManagementReview>> {
    Ok(management_reviews::table
        .filter(
            management_reviews::planned_on
                .ge(from)
                .and(management_reviews::planned_on.le(to))
                .or(management_reviews::held_on
                    .ge(from)
                    .and(management_reviews::held_on.le(to))),
        )
        .order(management_reviews::planned_on.asc())
        .select(ManagementReview::as_select())
        .load(conn)?)
}

/// §8.3: the register by status, the documents in force and those made obsolete in the period.
fn documents_summary(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<DocumentSummary> {
    let docs = super::documents::all(conn)?;
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for d in &docs {
        *by_status.entry(d.status.clone()).or_insert(0) += 1;
    }
    let made_obsolete = docs
        .iter()
        .filter(|d| d.obsolete_on.is_some_and(|o| o >= from && o <= to))
        .cloned()
        .collect();
    let current = docs
        .into_iter()
        .filter(|d| d.status == "approved")
        .collect();
    Ok(DocumentSummary {
        by_status,
        current,
        made_obsolete,
    })
}

/// Everything the pack flags, in words, for its first page.
fn flags(pack: &AuditPack) -> Vec<String> {
    let mut flags = Vec::new();
    let expired = pack.personnel.expired_authorizations;
    if expired > 0 {
        flags.push(format!("{expired} authorization(s) expired (6.2)"));
    }
    for s in pack
        .equipment
        .standards
        .iter()
        .filter(|s| s.overdue || s.chain != "valid" || !s.fit_for_use)
    {
        flags.push(format!(
            "standard {}: {} (6.4, 6.5)",
            s.asset_id,
            s.reason.clone().unwrap_or_else(|| "overdue".into())
        ));
    }
    let counts = [
        (
            pack.nonconformities
                .iter()
                .filter(|n| n.nonconformity.nonconformity.status != NcStatus::Closed)
                .count(),
            "nonconformit(y/ies) open (7.10)",
        ),
        (
            pack.corrective_actions.iter().filter(|c| c.overdue).count(),
            "corrective action(s) overdue (8.7)",
        ),
        (
            pack.complaints
                .iter()
                .filter(|c| c.complaint.status != ComplaintStatus::Closed)
                .count(),
            "complaint(s) open (7.9)",
        ),
        (
            pack.validity
                .proficiency_tests
                .iter()
                .filter(|p| p.satisfactory == Some(0))
                .count(),
            "unsatisfactory proficiency result(s) (7.7)",
        ),
        (
            pack.validity.intermediate_checks_failed.len(),
            "failed intermediate check(s) (6.4.10)",
        ),
        (
            pack.internal_audits
                .iter()
                .flat_map(|a| &a.findings)
                .filter(|f| f.finding.status == FindingStatus::Open)
                .count(),
            "internal audit finding(s) open (8.8)",
        ),
    ];
    for (n, what) in counts {
        if n > 0 {
            flags.push(format!("{n} {what}"));
        }
    }
    if !pack.audit_trail.valid {
        flags.push("the audit trail's hash chain is broken (7.11)".into());
    }
    flags
}

// ---------------------------------------------------------------------------------------------
// The attention list

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Attention {
    pub today: NaiveDate,
    /// Counts of each list below.
    pub counts: BTreeMap<String, usize>,
    /// Authorizations of active staff expired or ending within 60 days.
    pub authorizations: Vec<AuthorizationView>,
    /// Qualifications expired or ending within 60 days.
    pub qualifications: Vec<Qualification>,
    /// Standards overdue, due within 30 days, quarantined or out of service.
    pub standards: Vec<AttentionStandard>,
    pub nonconformities: Vec<NonconformitySummary>,
    pub corrective_actions: Vec<CorrectiveActionView>,
    pub complaints: Vec<ComplaintView>,
    pub findings: Vec<FindingView>,
    /// Planned participations whose date has passed without a result.
    pub proficiency_tests: Vec<ProficiencyTest>,
    /// Planned audits and reviews whose date has passed.
    pub internal_audits: Vec<InternalAudit>,
    pub management_reviews: Vec<ManagementReview>,
    /// Document drafts waiting for approval.
    pub document_drafts: Vec<ControlledDocument>,
    /// Calibration records submitted and waiting for review.
    pub calibrations_awaiting_approval: i64,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AttentionStandard {
    pub id: StandardId,
    pub asset_id: String,
    pub name: String,
    pub status: StandardStatus,
    pub due_on: Option<NaiveDate>,
    pub days_left: Option<i64>,
}

pub fn attention(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Attention> {
    let today = ctx.today();
    let authorizations = competence::expiring(conn, ctx, competence::EXPIRING_DAYS)?;
    let qualifications: Vec<Qualification> = staff_qualifications::table
        .filter(
            staff_qualifications::expires_on
                .le(today + chrono::Duration::days(competence::EXPIRING_DAYS)),
        )
        .filter(
            staff_qualifications::expires_on
                .ge(today - chrono::Duration::days(competence::EXPIRING_DAYS)),
        )
        .order(staff_qualifications::expires_on.asc())
        .select(Qualification::as_select())
        .load(conn)?;
    let mut standards_out: Vec<AttentionStandard> = super::standards::due(conn, ctx, 30)?
        .into_iter()
        .map(|d| AttentionStandard {
            id: d.standard.standard.id,
            asset_id: d.standard.standard.asset_id,
            name: d.standard.standard.name,
            status: d.standard.standard.status,
            due_on: d.due_on,
            days_left: d.days_left,
        })
        .collect();
    let held: Vec<(StandardId, String, String, StandardStatus)> = standards::table
        .filter(
            standards::status
                .eq(StandardStatus::Quarantined)
                .or(standards::status.eq(StandardStatus::OutOfService)),
        )
        .select((
            standards::id,
            standards::asset_id,
            standards::name,
            standards::status,
        ))
        .load(conn)?;
    for (id, asset_id, name, status) in held {
        if !standards_out.iter().any(|s| s.id == id) {
            standards_out.push(AttentionStandard {
                id,
                asset_id,
                name,
                status,
                due_on: None,
                days_left: None,
            });
        }
    }
    let nc_rows: Vec<Nonconformity> = ncs_t::table
        .filter(ncs_t::status.ne(NcStatus::Closed))
        .order(ncs_t::raised_on.asc())
        .select(Nonconformity::as_select())
        .load(conn)?;
    let nonconformities = nc_summaries(conn, nc_rows, today)?;
    let corrective_actions = cas_t::table
        .filter(cas_t::status.ne(CaStatus::Closed))
        .order(cas_t::due_on.asc())
        .select(CorrectiveAction::as_select())
        .load(conn)?
        .into_iter()
        .map(|c| corrective_actions::view_of(c, today))
        .collect::<Vec<_>>();
    let complaints: Vec<ComplaintView> = complaints_t::table
        .filter(complaints_t::status.ne(ComplaintStatus::Closed))
        .order(complaints_t::received_on.asc())
        .select(Complaint::as_select())
        .load(conn)?
        .into_iter()
        .map(|c| complaints::view_of(c, false, today))
        .collect();
    let findings_out: Vec<FindingView> = findings::table
        .filter(findings::status.eq(FindingStatus::Open))
        .order(findings::due_on.asc())
        .select(Finding::as_select())
        .load(conn)?
        .into_iter()
        .map(|f| finding_view(f, today))
        .collect();
    let proficiency: Vec<ProficiencyTest> = proficiency_tests::table
        .filter(proficiency_tests::status.eq(PtStatus::Planned))
        .filter(proficiency_tests::planned_on.lt(today))
        .order(proficiency_tests::planned_on.asc())
        .select(ProficiencyTest::as_select())
        .load(conn)?;
    let audits_due: Vec<InternalAudit> = internal_audits::table
        .filter(internal_audits::status.eq(AuditStatus::Planned))
        .filter(internal_audits::planned_on.lt(today))
        .select(InternalAudit::as_select())
        .load(conn)?;
    let reviews_due: Vec<ManagementReview> = management_reviews::table
        .filter(management_reviews::status.eq(ReviewStatus::Planned))
        .filter(management_reviews::planned_on.lt(today))
        .select(ManagementReview::as_select())
        .load(conn)?;
    let drafts: Vec<ControlledDocument> = controlled_documents::table
        .filter(controlled_documents::status.eq(DocumentStatus::Draft))
        .select(ControlledDocument::as_select())
        .load(conn)?;
    let awaiting: i64 = calibration_records::table
        .filter(calibration_records::status.eq(RecordStatus::Submitted))
        .count()
        .get_result(conn)?;
    let mut counts = BTreeMap::new();
    counts.insert("authorizations".into(), authorizations.len());
    counts.insert("qualifications".into(), qualifications.len());
    counts.insert("standards".into(), standards_out.len());
    counts.insert("nonconformities".into(), nonconformities.len());
    counts.insert("corrective_actions".into(), corrective_actions.len());
    counts.insert("complaints".into(), complaints.len());
    counts.insert("findings".into(), findings_out.len());
    counts.insert("proficiency_tests".into(), proficiency.len());
    counts.insert("internal_audits".into(), audits_due.len());
    counts.insert("management_reviews".into(), reviews_due.len());
    counts.insert("document_drafts".into(), drafts.len());
    counts.insert("calibrations_awaiting_approval".into(), awaiting as usize);
    Ok(Attention {
        today,
        counts,
        authorizations,
        qualifications,
        standards: standards_out,
        nonconformities,
        corrective_actions,
        complaints,
        findings: findings_out,
        proficiency_tests: proficiency,
        internal_audits: audits_due,
        management_reviews: reviews_due,
        document_drafts: drafts,
        calibrations_awaiting_approval: awaiting,
    })
}
