//! Nonconforming work (ISO/IEC 17025 §7.10): raised by staff or automatically (a standard found
//! out of tolerance, a failed intermediate check, an unsatisfactory proficiency result), with the
//! affected records, certificates and customers found by reverse traceability, the impact
//! evaluation, the decision (recall, amend, notify) and the workflow
//! `open -> evaluated -> actioned -> closed`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::{change_versioned, optional_text, required_text, Ctx, Page, PageRequest};
pub use crate::db::quality_models::{
    Affected, AffectedCertificate, AffectedCustomer, AffectedRecord, AffectedStandardCalibration,
};
use crate::db::quality_models::{CorrectiveAction, Nonconformity};
use crate::db::schema::{
    certificates, corrective_actions, customers, nonconformities, standard_calibrations, standards,
};
use crate::db::{
    take_sequence, write_tx, CalibrationRecordId, CertificateId, CustomerId, DbConn,
    NonconformityId, StandardCalibrationId, StandardId,
};
use crate::domain::certificate::CertificateStatus;
use crate::domain::quality::{check_move, NcDecision, NcSource, NcStatus, NC_MOVES};
use crate::error::{AppError, AppResult, FieldError};

/// Reverse traceability for a standard over `[from, to]`: every standard calibration, record
/// version, certificate and customer it reached.
pub fn affected_by_standard(
    conn: &mut DbConn,
    standard_id: StandardId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Affected> {
    let deps = super::standards::dependents(conn, standard_id, from, to)?;
    let mut records: BTreeMap<(CalibrationRecordId, i32), AffectedRecord> = BTreeMap::new();
    for p in &deps.calibration_points {
        let entry = records
            .entry((p.record_id, p.record_version))
            .or_insert_with(|| AffectedRecord {
                record_id: p.record_id,
                record_version: p.record_version,
                instrument_id: p.instrument_id,
                instrument_lab_id: p.instrument_lab_id.clone(),
                customer_id: p.customer_id,
                first_used_on: p.used_on,
            });
        entry.first_used_on = entry.first_used_on.min(p.used_on);
    }
    let record_ids: BTreeSet<CalibrationRecordId> = records.keys().map(|k| k.0).collect();
    let record_ids: Vec<CalibrationRecordId> = record_ids.into_iter().collect();
    let mut found = Vec::new();
    for chunk in record_ids.chunks(500) {
        let rows = certificates::table
            .filter(certificates::record_id.eq_any(chunk))
            .select((
                certificates::id,
                certificates::number,
                certificates::status,
                certificates::issued_on,
                certificates::record_id,
                certificates::record_version,
                certificates::customer_id,
            ))
            .load::<(
                CertificateId,
                String,
                CertificateStatus,
                NaiveDate,
                CalibrationRecordId,
                i32,
                CustomerId,
            )>(conn)?;
        for (id, number, status, issued_on, record_id, record_version, customer_id) in rows {
            if records.contains_key(&(record_id, record_version)) {
                found.push(AffectedCertificate {
                    id,
                    number,
                    status,
                    issued_on,
                    record_id,
                    record_version,
                    customer_id,
                });
            }
        }
    }
    found.sort_by(|a, b| a.number.cmp(&b.number));
    let mut by_customer: BTreeMap<CustomerId, Vec<String>> = BTreeMap::new();
    for c in &found {
        by_customer
            .entry(c.customer_id)
            .or_default()
            .push(c.number.clone());
    }
    let ids: Vec<CustomerId> = by_customer.keys().copied().collect();
    let names: BTreeMap<CustomerId, String> = customers::table
        .filter(customers::id.eq_any(&ids))
        .select((customers::id, customers::name))
        .load::<(CustomerId, String)>(conn)?
        .into_iter()
        .collect();
    let mut affected_customers: Vec<AffectedCustomer> = by_customer
        .into_iter()
        .map(|(id, certificates)| AffectedCustomer {
            id,
            name: names.get(&id).cloned().unwrap_or_default(),
            certificates,
        })
        .collect();
    affected_customers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Affected {
        from: Some(from),
        to: Some(to),
        standard_calibrations: deps
            .standard_calibrations
            .into_iter()
            .map(|d| AffectedStandardCalibration {
                standard_id: d.standard.id,
                asset_id: d.standard.asset_id,
                calibration_id: d.calibration_id,
                certificate_number: d.certificate_number,
                calibrated_on: d.calibrated_on,
            })
            .collect(),
        records: records.into_values().collect(),
        certificates: found,
        customers: affected_customers,
    })
}

/// The day the standard was last known good before `before`: its previous calibration (the one
/// whose results were in use until the finding), or the day it was registered.
pub fn last_good_date(
    conn: &mut DbConn,
    standard_id: StandardId,
    before: NaiveDate,
    excluding: Option<StandardCalibrationId>,
) -> AppResult<NaiveDate> {
    let mut query = standard_calibrations::table
        .filter(standard_calibrations::standard_id.eq(standard_id))
        .filter(standard_calibrations::calibrated_on.le(before))
        .select(standard_calibrations::calibrated_on)
        .into_boxed();
    if let Some(id) = excluding {
        query = query.filter(standard_calibrations::id.ne(id));
    }
    let previous: Option<NaiveDate> = query
        .order(standard_calibrations::calibrated_on.desc())
        .first(conn)
        .optional()?;
    match previous {
        Some(d) => Ok(d),
        None => Ok(standards::table
            .find(standard_id)
            .select(standards::created_at)
            .first::<crate::db::UtcTime>(conn)?
            .0
            .date()),
    }
}

/// A nonconformity to raise.
#[derive(Debug, Clone)]
pub struct NewNc {
    pub source: NcSource,
    pub source_id: Option<String>,
    pub standard_id: Option<StandardId>,
    pub automatic: bool,
    pub title: String,
    pub description: String,
    pub affected: Affected,
    pub raised_on: NaiveDate,
}

/// Inserts a nonconformity with its number and audit event, inside the caller's transaction.
pub fn raise(conn: &mut DbConn, ctx: &Ctx, nc: NewNc) -> AppResult<Nonconformity> {
    let year = nc.raised_on.year();
    let seq = take_sequence(conn, &format!("nonconformity-{year}"), 1)?;
    let at = ctx.now();
    let row = Nonconformity {
        id: NonconformityId::new(),
        number: format!("NC-{year}-{seq:03}"),
        source: nc.source,
        source_id: nc.source_id,
        standard_id: nc.standard_id,
        automatic: i32::from(nc.automatic),
        title: nc.title,
        description: nc.description,
        affected: serde_json::to_string(&nc.affected).map_err(AppError::internal)?,
        impact_evaluation: None,
        decisions: "[]".into(),
        decision_notes: None,
        status: NcStatus::Open,
        raised_on: nc.raised_on,
        raised_by: ctx.user_id,
        closed_at: None,
        closure_notes: None,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(nonconformities::table)
        .values(&row)
        .execute(conn)?;
    audit_trail::record(
        conn,
        ctx,
        Change {
            action: if nc.automatic {
                "raise_automatically"
            } else {
                "create"
            },
            entity_type: "nonconformity",
            entity_id: Some(row.id.to_string()),
            after: audit_trail::snapshot(&row),
            ..Default::default()
        },
    )?;
    Ok(row)
}

/// Raised when a standard's incoming calibration finds it out of tolerance: everything it
/// supported since its last good calibration is suspect.
pub fn raise_for_out_of_tolerance(
    conn: &mut DbConn,
    ctx: &Ctx,
    standard_id: StandardId,
    calibration_id: StandardCalibrationId,
    calibrated_on: NaiveDate,
    certificate_number: &str,
) -> AppResult<Nonconformity> {
    let (asset_id, name): (String, String) = standards::table
        .find(standard_id)
        .select((standards::asset_id, standards::name))
        .first(conn)?;
    let from = last_good_date(conn, standard_id, calibrated_on, Some(calibration_id))?;
    let affected = affected_by_standard(conn, standard_id, from, calibrated_on)?;
    let description = format!(
        "The calibration of {asset_id} ({name}) on {calibrated_on}, certificate {certificate_number}, \
         found it out of tolerance as found. Since its last good calibration on {from} it supported \
         {} calibration record version(s), {} certificate(s) of {} customer(s), and {} calibration(s) \
         of other standards.",
        affected.records.len(),
        affected.certificates.len(),
        affected.customers.len(),
        affected.standard_calibrations.len()
    );
    raise(
        conn,
        ctx,
        NewNc {
            source: NcSource::Standard,
            source_id: Some(calibration_id.to_string()),
            standard_id: Some(standard_id),
            automatic: true,
            title: format!("{asset_id} found out of tolerance"),
            description,
            affected,
            raised_on: calibrated_on,
        },
    )
}

/// Raised when an intermediate check fails: what the standard supported since its last passed
/// check (or its last calibration) is suspect.
pub fn raise_for_failed_check(
    conn: &mut DbConn,
    ctx: &Ctx,
    standard_id: StandardId,
    check_id: &str,
    checked_on: NaiveDate,
    reason: &str,
) -> AppResult<Nonconformity> {
    use crate::db::schema::intermediate_checks as ic;
    let (asset_id, name): (String, String) = standards::table
        .find(standard_id)
        .select((standards::asset_id, standards::name))
        .first(conn)?;
    let last_pass: Option<NaiveDate> = ic::table
        .filter(ic::standard_id.eq(standard_id))
        .filter(ic::result.eq("pass"))
        .filter(ic::checked_on.le(checked_on))
        .select(ic::checked_on)
        .order(ic::checked_on.desc())
        .first(conn)
        .optional()?;
    let last_cal = last_good_date(conn, standard_id, checked_on, None)?;
    let from = last_pass.map_or(last_cal, |p| p.max(last_cal));
    let affected = affected_by_standard(conn, standard_id, from, checked_on)?;
    raise(
        conn,
        ctx,
        NewNc {
            source: NcSource::Standard,
            source_id: Some(check_id.to_string()),
            standard_id: Some(standard_id),
            automatic: true,
            title: format!("Intermediate check of {asset_id} failed"),
            description: format!(
                "{asset_id} ({name}): {reason}. Since it was last known good on {from} it supported \
                 {} calibration record version(s) and {} certificate(s).",
                affected.records.len(),
                affected.certificates.len()
            ),
            affected,
            raised_on: checked_on,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The API's use cases

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNonconformity {
    pub source: NcSource,
    /// The id of the record it came from (a calibration record, a complaint, an audit finding).
    pub source_id: Option<String>,
    pub title: String,
    pub description: String,
    /// A standard whose use is suspect (by id or asset id): its affected records, certificates
    /// and customers since `affected_since` are listed.
    pub standard_id: Option<super::standards::StandardKey>,
    pub affected_since: Option<NaiveDate>,
    pub raised_on: Option<NaiveDate>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// The significance of the nonconforming work (§7.10.1 c).
    pub impact_evaluation: String,
    /// What is to be done: `recall`, `amend`, `notify`, or `no_action`.
    pub decisions: Vec<NcDecision>,
    pub notes: Option<String>,
}

/// The quality manager's correction of what a nonconformity touches.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AffectedChange {
    /// Calibration records to add, each with its newest version, certificates and customer.
    #[serde(default)]
    pub add_records: Vec<CalibrationRecordId>,
    /// Records to take out, with their certificates (and their customer, when nothing else of
    /// it remains).
    #[serde(default)]
    pub remove_records: Vec<CalibrationRecordId>,
    /// Why: recorded with the change.
    pub reason: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Notes {
    /// What was done (actioned) or why it is closed.
    pub notes: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NonconformityView {
    #[serde(flatten)]
    pub nonconformity: Nonconformity,
    /// The suspect standard's asset id, beside its `standard_id`.
    pub standard_asset_id: Option<String>,
    /// The affected items, read from the stored text.
    #[serde(skip)]
    pub affected: Affected,
    pub corrective_actions: Vec<CorrectiveActionRef>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CorrectiveActionRef {
    pub id: crate::db::CorrectiveActionId,
    pub number: String,
    pub status: crate::domain::quality::CaStatus,
    pub due_on: NaiveDate,
}

pub fn ca_refs(conn: &mut DbConn, source_id: &str) -> AppResult<Vec<CorrectiveActionRef>> {
    Ok(corrective_actions::table
        .filter(corrective_actions::source_id.eq(source_id))
        .order(corrective_actions::id.asc())
        .select(CorrectiveAction::as_select())
        .load(conn)?
        .into_iter()
        .map(|c| CorrectiveActionRef {
            id: c.id,
            number: c.number,
            status: c.status,
            due_on: c.due_on,
        })
        .collect())
}

pub fn view_of(
    conn: &mut DbConn,
    nc: Nonconformity,
    cas: Vec<CorrectiveActionRef>,
) -> AppResult<NonconformityView> {
    Ok(NonconformityView {
        standard_asset_id: super::standards::asset_id_of(conn, nc.standard_id)?,
        affected: serde_json::from_str(&nc.affected).map_err(AppError::internal)?,
        corrective_actions: cas,
        nonconformity: nc,
    })
}

pub fn find(conn: &mut DbConn, id: NonconformityId) -> AppResult<Nonconformity> {
    nonconformities::table
        .find(id)
        .select(Nonconformity::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("nonconformity"))
}

pub fn get(conn: &mut DbConn, id: NonconformityId) -> AppResult<NonconformityView> {
    let nc = find(conn, id)?;
    let cas = ca_refs(conn, &id.to_string())?;
    view_of(conn, nc, cas)
}

#[derive(Debug, Default, Clone)]
pub struct NcFilter {
    pub status: Option<NcStatus>,
    pub source: Option<NcSource>,
    pub standard_id: Option<StandardId>,
}

pub fn list(
    conn: &mut DbConn,
    filter: &NcFilter,
    page: &PageRequest,
) -> AppResult<Page<NonconformityView>> {
    let mut query = nonconformities::table
        .select(Nonconformity::as_select())
        .into_boxed();
    if let Some(s) = filter.status {
        query = query.filter(nonconformities::status.eq(s));
    }
    if let Some(s) = filter.source {
        query = query.filter(nonconformities::source.eq(s));
    }
    if let Some(s) = filter.standard_id {
        query = query.filter(nonconformities::standard_id.eq(s));
    }
    if let Some(after) = page.after_as::<NonconformityId>()? {
        query = query.filter(nonconformities::id.gt(after));
    }
    let rows = query
        .order(nonconformities::id.asc())
        .limit(page.limit()? + 1)
        .load(conn)?;
    let page = page.page(rows, |n| n.id.to_string())?;
    let mut items = Vec::new();
    for nc in page.items {
        let cas = ca_refs(conn, &nc.id.to_string())?;
        items.push(view_of(conn, nc, cas)?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The record a nonconformity says it came from, when it names one, must exist: a calibration
/// record, standard, complaint, proficiency test or audit finding by its id (`other`: any text).
fn check_source(
    conn: &mut DbConn,
    source: NcSource,
    source_id: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    use crate::db::schema::{calibration_records, complaints, findings, proficiency_tests};
    let Some(text) = source_id else {
        return Ok(());
    };
    let Ok(id) = uuid::Uuid::parse_str(text) else {
        errors.push(FieldError::new("source_id", "not an id"));
        return Ok(());
    };
    let found = match source {
        NcSource::Calibration => calibration_records::table
            .find(CalibrationRecordId(id))
            .count()
            .get_result::<i64>(conn)?,
        NcSource::Standard => standards::table
            .find(StandardId(id))
            .count()
            .get_result::<i64>(conn)?,
        NcSource::Complaint => complaints::table
            .find(crate::db::ComplaintId(id))
            .count()
            .get_result::<i64>(conn)?,
        NcSource::ProficiencyTest => proficiency_tests::table
            .find(crate::db::ProficiencyTestId(id))
            .count()
            .get_result::<i64>(conn)?,
        NcSource::Audit => findings::table
            .find(crate::db::FindingId(id))
            .count()
            .get_result::<i64>(conn)?,
        NcSource::Other => 1,
    };
    if found == 0 {
        errors.push(FieldError::new("source_id", format!("no such {source}")));
    }
    Ok(())
}

/// What a nonconforming calibration touches: the record's newest version, its certificates and
/// its customer.
fn affected_by_record(conn: &mut DbConn, record: &str) -> AppResult<Affected> {
    use crate::db::models::{CalibrationRecord, Certificate};
    use crate::db::schema::{calibration_records, instruments};
    let Ok(id) = uuid::Uuid::parse_str(record).map(CalibrationRecordId) else {
        return Ok(Affected::default());
    };
    let record: CalibrationRecord = calibration_records::table.find(id).first(conn)?;
    let version = super::calibrations::find_version(conn, id, record.current_version)?;
    let lab_id: String = instruments::table
        .find(record.instrument_id)
        .select(instruments::lab_id)
        .first(conn)?;
    let issued: Vec<Certificate> = certificates::table
        .filter(certificates::record_id.eq(id))
        .order(certificates::id.asc())
        .load(conn)?;
    let customer: String = customers::table
        .find(record.customer_id)
        .select(customers::name)
        .first(conn)?;
    Ok(Affected {
        from: Some(version.calibrated_on),
        to: Some(version.calibrated_on),
        standard_calibrations: Vec::new(),
        records: vec![AffectedRecord {
            record_id: id,
            record_version: record.current_version,
            instrument_id: record.instrument_id,
            instrument_lab_id: lab_id,
            customer_id: record.customer_id,
            first_used_on: version.calibrated_on,
        }],
        customers: vec![AffectedCustomer {
            id: record.customer_id,
            name: customer,
            certificates: issued.iter().map(|c| c.number.clone()).collect(),
        }],
        certificates: issued
            .into_iter()
            .map(|c| AffectedCertificate {
                id: c.id,
                number: c.number,
                status: c.status,
                issued_on: c.issued_on,
                record_id: c.record_id,
                record_version: c.record_version,
                customer_id: c.customer_id,
            })
            .collect(),
    })
}

pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: CreateNonconformity,
) -> AppResult<NonconformityView> {
    let mut errors = Vec::new();
    let title = required_text("title", &input.title, &mut errors);
    let description = required_text("description", &input.description, &mut errors);
    let today = ctx.today();
    let raised_on = input.raised_on.unwrap_or(today);
    if raised_on > today {
        errors.push(FieldError::new("raised_on", "must not be in the future"));
    }
    if input.affected_since.is_some() && input.standard_id.is_none() {
        errors.push(FieldError::new(
            "standard_id",
            "affected_since needs the standard whose use is suspect",
        ));
    }
    let source_id = optional_text(input.source_id);
    check_source(conn, input.source, source_id.as_deref(), &mut errors)?;
    let standard_id = match &input.standard_id {
        Some(key) => match key.resolve(conn)? {
            Ok(id) if standards::table.find(id).count().get_result::<i64>(conn)? > 0 => Some(id),
            Ok(_) => {
                errors.push(FieldError::new("standard_id", "no such standard"));
                None
            }
            Err(reason) => {
                errors.push(FieldError::new("standard_id", reason));
                None
            }
        },
        None => None,
    };
    if standard_id.is_some() && input.affected_since.is_some_and(|d| d > raised_on) {
        errors.push(FieldError::new(
            "affected_since",
            "must not be after raised_on",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id = write_tx(conn, |conn| {
        let affected = match (standard_id, input.source, &source_id) {
            (Some(s), _, _) => {
                let since = match input.affected_since {
                    Some(d) => d,
                    None => last_good_date(conn, s, raised_on, None)?,
                };
                affected_by_standard(conn, s, since, raised_on)?
            }
            (None, NcSource::Calibration, Some(record)) => affected_by_record(conn, record)?,
            _ => Affected::default(),
        };
        Ok(raise(
            conn,
            ctx,
            NewNc {
                source: input.source,
                source_id,
                standard_id,
                automatic: false,
                title,
                description,
                affected,
                raised_on,
            },
        )?
        .id)
    })?;
    get(conn, id)
}

fn change(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: NonconformityId,
    expected: Option<i32>,
    to: NcStatus,
    action: &str,
    apply: impl FnOnce(&mut DbConn, &Nonconformity) -> AppResult<()>,
) -> AppResult<NonconformityView> {
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        change_versioned(conn, ctx, before, expected, action, None, |conn, before| {
            check_move("nonconformity", NC_MOVES, before.status, to).map_err(AppError::Conflict)?;
            apply(conn, before)?;
            let at = ctx.now();
            diesel::update(nonconformities::table.find(id))
                .set((
                    nonconformities::status.eq(to),
                    nonconformities::version.eq(before.version + 1),
                    nonconformities::updated_at.eq(at),
                ))
                .execute(conn)?;
            let after = find(conn, id)?;
            Ok(after)
        })?;
        Ok(())
    })?;
    get(conn, id)
}

/// Adds or removes affected records (with their certificates and customers) while the
/// nonconformity is not closed, audited with the reason. `If-Match`.
pub fn change_affected(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: NonconformityId,
    expected: Option<i32>,
    input: AffectedChange,
) -> AppResult<NonconformityView> {
    let reason = input.reason.trim().to_owned();
    let mut errors = Vec::new();
    if reason.is_empty() {
        errors.push(FieldError::new(
            "reason",
            "say why the affected items change",
        ));
    }
    if input.add_records.is_empty() && input.remove_records.is_empty() {
        errors.push(FieldError::new(
            "add_records",
            "add or remove at least one record",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected,
            "change_affected",
            Some(&reason),
            |conn, before| {
                if before.status == NcStatus::Closed {
                    return Err(AppError::Conflict(
                        "a closed nonconformity is not changed".into(),
                    ));
                }
                let mut affected: Affected =
                    serde_json::from_str(&before.affected).map_err(AppError::internal)?;
                for (i, record) in input.add_records.iter().enumerate() {
                    let found = crate::db::schema::calibration_records::table
                        .find(record)
                        .count()
                        .get_result::<i64>(conn)?;
                    if found == 0 {
                        return Err(AppError::field(
                            format!("add_records[{i}]"),
                            "no such calibration record",
                        ));
                    }
                    if affected.records.iter().any(|r| r.record_id == *record) {
                        continue;
                    }
                    let more = affected_by_record(conn, &record.to_string())?;
                    affected.records.extend(more.records);
                    affected.certificates.extend(more.certificates);
                }
                affected
                    .records
                    .retain(|r| !input.remove_records.contains(&r.record_id));
                affected
                    .certificates
                    .retain(|c| !input.remove_records.contains(&c.record_id));
                affected.customers = customers_of(conn, &affected)?;
                let text = serde_json::to_string(&affected).map_err(AppError::internal)?;
                diesel::update(nonconformities::table.find(id))
                    .set((
                        nonconformities::affected.eq(text),
                        nonconformities::version.eq(before.version + 1),
                        nonconformities::updated_at.eq(ctx.now()),
                    ))
                    .execute(conn)?;
                find(conn, id)
            },
        )
    })?;
    get(conn, id)
}

/// The customers to tell: whoever holds an affected certificate or owns an affected record.
fn customers_of(conn: &mut DbConn, affected: &Affected) -> AppResult<Vec<AffectedCustomer>> {
    let mut ids: Vec<CustomerId> = affected
        .records
        .iter()
        .map(|r| r.customer_id)
        .chain(affected.certificates.iter().map(|c| c.customer_id))
        .collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        let name: String = customers::table
            .find(id)
            .select(customers::name)
            .first(conn)?;
        out.push(AffectedCustomer {
            id,
            name,
            certificates: affected
                .certificates
                .iter()
                .filter(|c| c.customer_id == id)
                .map(|c| c.number.clone())
                .collect(),
        });
    }
    Ok(out)
}

/// `open -> evaluated`: the impact and the decision.
pub fn evaluate(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: NonconformityId,
    expected: Option<i32>,
    input: Evaluation,
) -> AppResult<NonconformityView> {
    let mut errors = Vec::new();
    let impact = required_text("impact_evaluation", &input.impact_evaluation, &mut errors);
    if input.decisions.is_empty() {
        errors.push(FieldError::new(
            "decisions",
            "give at least one: recall, amend, notify or no_action",
        ));
    }
    if input.decisions.contains(&NcDecision::NoAction) && input.decisions.len() > 1 {
        errors.push(FieldError::new(
            "decisions",
            "no_action cannot be combined with another decision",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let decisions = serde_json::to_string(&input.decisions).map_err(AppError::internal)?;
    let notes = optional_text(input.notes);
    change(
        conn,
        ctx,
        id,
        expected,
        NcStatus::Evaluated,
        "evaluate",
        |conn, _| {
            diesel::update(nonconformities::table.find(id))
                .set((
                    nonconformities::impact_evaluation.eq(&impact),
                    nonconformities::decisions.eq(&decisions),
                    nonconformities::decision_notes.eq(&notes),
                ))
                .execute(conn)?;
            Ok(())
        },
    )
}

/// `evaluated -> actioned`: what was done (recalls made, certificates amended, customers told).
pub fn action(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: NonconformityId,
    expected: Option<i32>,
    input: Notes,
) -> AppResult<NonconformityView> {
    let notes = input.notes.trim().to_string();
    if notes.is_empty() {
        return Err(AppError::field("notes", "say what was done"));
    }
    change(
        conn,
        ctx,
        id,
        expected,
        NcStatus::Actioned,
        "action",
        |conn, before| {
            let text = match &before.decision_notes {
                Some(plan) => format!("{plan}\n\nDone: {notes}"),
                None => format!("Done: {notes}"),
            };
            diesel::update(nonconformities::table.find(id))
                .set(nonconformities::decision_notes.eq(text))
                .execute(conn)?;
            Ok(())
        },
    )
}

/// `actioned -> closed`.
pub fn close(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: NonconformityId,
    expected: Option<i32>,
    input: Notes,
) -> AppResult<NonconformityView> {
    let notes = input.notes.trim().to_string();
    if notes.is_empty() {
        return Err(AppError::field("notes", "say why it can be closed"));
    }
    change(
        conn,
        ctx,
        id,
        expected,
        NcStatus::Closed,
        "close",
        |conn, _| {
            diesel::update(nonconformities::table.find(id))
                .set((
                    nonconformities::closure_notes.eq(&notes),
                    nonconformities::closed_at.eq(ctx.now()),
                ))
                .execute(conn)?;
            Ok(())
        },
    )
}
