//! Calibration records (ISO/IEC 17025 §7.5 technical records, §7.6, §7.8.1 review and
//! authorization): what was measured, with what, under which conditions, the budget and verdict of
//! every point, and the four-eyes workflow with an electronic signature. An approved version is
//! never edited: an amendment is a new version with its reason, and every version stays readable.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::audit_trail::{self, Change};
use super::standards::{CalibrationPoint, StandardKey};
use super::{change_versioned, check_version, Ctx, Page, PageRequest};
use crate::db::models::{
    CalibrationRecord, Instrument, PointStandard, Procedure, RecordVersion, WorkOrderItem,
};
use crate::db::schema::{
    calibration_point_standards, calibration_record_versions, calibration_records, instruments,
    standards, work_order_items,
};
use crate::db::UtcTime;
use crate::db::{
    write_tx, CalibrationRecordId, CustomerId, DbConn, InstrumentId, PointStandardId, ProcedureId,
    RecordVersionId, StandardCalibrationId, StandardId, UserId, WorkOrderItemId,
};
use crate::domain::calibration::{
    evaluate_point, overall_verdict, reference_at, EnvironmentLimits, PointError, PointFacts,
    PointResult, ProcedureStatus, ProcedureTemplate, RecordStatus, ReferenceAt, ReferencePoints,
};
use crate::domain::conformity::Verdict;
use crate::domain::intake::{mpe_at, DecisionRuleKind, ItemStatus, ToleranceBand};
use crate::domain::traceability::StandardKind;
use crate::domain::Decimal;
use crate::error::{AppError, AppResult, FieldError};

/// What the signature means, recorded with it.
pub const SIGNATURE_MEANING: &str = "reviewed and approved";

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentReading {
    pub value: Decimal,
    pub unit: String,
    /// The lab equipment that measured it, by id or asset id (equipment of the register).
    pub measured_with: Option<StandardKey>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub temperature: Option<EnvironmentReading>,
    pub humidity: Option<EnvironmentReading>,
    pub pressure: Option<EnvironmentReading>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointInput {
    pub nominal: Decimal,
    pub unit: String,
    /// The value of the standard at this point.
    pub reference_value: Decimal,
    /// The instrument's readings, exactly as entered.
    pub readings: Vec<Decimal>,
    /// Before adjustment, when the instrument was adjusted.
    pub as_found: Option<Decimal>,
    pub as_left: Option<Decimal>,
    /// The standards that supported this point, by id or asset id; the first gives the
    /// reference's uncertainty.
    pub standards: Vec<StandardKey>,
}

/// The content of a record version as the technician enters it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    /// The work order item calibrated.
    pub item_id: WorkOrderItemId,
    /// An approved procedure version.
    pub procedure_id: ProcedureId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub location: String,
    #[serde(default)]
    pub environment: Environment,
    pub points: Vec<PointInput>,
    /// Deviations from the method, adjustments made, remarks.
    pub notes: Option<String>,
}

/// A standard as used in a record, frozen with the calibration it was traced through.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StandardUsed {
    pub standard_id: StandardId,
    pub asset_id: String,
    pub name: String,
    pub calibration_id: Option<StandardCalibrationId>,
    pub certificate_number: Option<String>,
}

/// A record version: the input, and everything computed from it when it was saved.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RecordContent {
    pub input: RecordInput,
    pub procedure_code: String,
    pub procedure_version: i32,
    pub decision_rule: DecisionRuleKind,
    pub guard_band: Option<String>,
    pub results: Vec<PointResult>,
    pub overall_verdict: Option<Verdict>,
    pub standards_used: Vec<StandardUsed>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Signature {
    pub signed_by: UserId,
    /// The signatory's name as it was when signing.
    pub name: String,
    pub meaning: String,
    pub signed_at: UtcTime,
    /// SHA-256 of the version's content, which the signature covers.
    pub sha256: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RecordView {
    pub id: CalibrationRecordId,
    pub item_id: WorkOrderItemId,
    pub instrument_id: InstrumentId,
    pub customer_id: CustomerId,
    pub technician_id: UserId,
    pub status: RecordStatus,
    /// The version shown.
    pub record_version: i32,
    /// The newest version.
    pub current_version: i32,
    pub returned_reason: Option<String>,
    pub calibrated_on: NaiveDate,
    pub author_id: UserId,
    pub amendment_reason: Option<String>,
    pub content: RecordContent,
    pub sha256: String,
    pub signature: Option<Signature>,
    /// The row's version, for `If-Match`.
    pub version: i32,
    pub updated_at: UtcTime,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The signatory's password, entered again: the electronic signature.
    pub password: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// Why the approved record is changed; required.
    pub reason: String,
    pub record: RecordInput,
}

fn sha256_of(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

fn find(conn: &mut DbConn, id: CalibrationRecordId) -> AppResult<CalibrationRecord> {
    calibration_records::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("calibration record"))
}

pub(crate) fn find_version(
    conn: &mut DbConn,
    id: CalibrationRecordId,
    version: i32,
) -> AppResult<RecordVersion> {
    calibration_record_versions::table
        .filter(calibration_record_versions::record_id.eq(id))
        .filter(calibration_record_versions::record_version.eq(version))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("record version"))
}

fn view(record: CalibrationRecord, v: RecordVersion) -> AppResult<RecordView> {
    let signature = match (
        v.signed_by,
        v.signer_name,
        v.signature_meaning,
        v.signed_at,
        v.signed_sha256,
    ) {
        (Some(signed_by), Some(name), Some(meaning), Some(at), Some(sha256)) => Some(Signature {
            signed_by,
            name,
            meaning,
            signed_at: at,
            sha256,
        }),
        _ => None,
    };
    let current = v.record_version == record.current_version;
    Ok(RecordView {
        content: serde_json::from_str(&v.content).map_err(AppError::internal)?,
        id: record.id,
        item_id: record.item_id,
        instrument_id: record.instrument_id,
        customer_id: record.customer_id,
        technician_id: record.technician_id,
        // An earlier version was approved when it was superseded by an amendment.
        status: if current {
            record.status
        } else {
            RecordStatus::Approved
        },
        record_version: v.record_version,
        current_version: record.current_version,
        returned_reason: record.returned_reason.filter(|_| current),
        calibrated_on: v.calibrated_on,
        author_id: v.author_id,
        amendment_reason: v.amendment_reason,
        sha256: v.sha256,
        signature,
        version: record.version,
        updated_at: record.updated_at,
    })
}

/// The record of a work order item, at its newest version, if it has one.
pub fn of_item(conn: &mut DbConn, item: WorkOrderItemId) -> AppResult<Option<RecordView>> {
    let id = calibration_records::table
        .filter(calibration_records::item_id.eq(item))
        .select(calibration_records::id)
        .first::<CalibrationRecordId>(conn)
        .optional()?;
    id.map(|id| get(conn, id, None)).transpose()
}

pub fn get(
    conn: &mut DbConn,
    id: CalibrationRecordId,
    version: Option<i32>,
) -> AppResult<RecordView> {
    let record = find(conn, id)?;
    let v = find_version(conn, id, version.unwrap_or(record.current_version))?;
    view(record, v)
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RecordSummary {
    pub id: CalibrationRecordId,
    pub item_id: WorkOrderItemId,
    pub instrument_id: InstrumentId,
    pub customer_id: CustomerId,
    pub technician_id: UserId,
    pub status: RecordStatus,
    pub current_version: i32,
    pub updated_at: UtcTime,
}

pub fn list(
    conn: &mut DbConn,
    status: Option<RecordStatus>,
    instrument: Option<InstrumentId>,
    page: &PageRequest,
) -> AppResult<Page<RecordSummary>> {
    let mut query = calibration_records::table.into_boxed();
    if let Some(s) = status {
        query = query.filter(calibration_records::status.eq(s));
    }
    if let Some(i) = instrument {
        query = query.filter(calibration_records::instrument_id.eq(i));
    }
    if let Some(after) = page.after_as::<CalibrationRecordId>()? {
        query = query.filter(calibration_records::id.gt(after));
    }
    let rows = query
        .order(calibration_records::id.asc())
        .limit(page.limit()? + 1)
        .load::<CalibrationRecord>(conn)?;
    let page = page.page(rows, |r| r.id.to_string())?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| RecordSummary {
                id: r.id,
                item_id: r.item_id,
                instrument_id: r.instrument_id,
                customer_id: r.customer_id,
                technician_id: r.technician_id,
                status: r.status,
                current_version: r.current_version,
                updated_at: r.updated_at,
            })
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// The reference's U and k at the point's nominal, from the certificate points in the same unit,
/// under the procedure's rule for points between or beyond them.
fn reference_uncertainty(
    results: &[CalibrationPoint],
    point: &PointInput,
    rule: &ReferencePoints,
) -> Result<ReferenceAt, String> {
    let points: Vec<(f64, f64, f64)> = results
        .iter()
        .filter(|p| p.unit == point.unit)
        .map(|p| {
            (
                p.nominal.value(),
                p.expanded_uncertainty.value(),
                p.coverage_factor,
            )
        })
        .collect();
    reference_at(&points, point.nominal.value(), &point.unit, rule)
}

/// The environmental conditions against the procedure's limits (ISO/IEC 17025 §6.3.3), and the
/// instruments that monitored them fit for use on the day.
fn check_environment(
    conn: &mut DbConn,
    limits: &EnvironmentLimits,
    environment: &Environment,
    calibrated_on: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    let mut monitors = Vec::new();
    for (name, limit, condition) in [
        ("temperature", &limits.temperature, &environment.temperature),
        ("humidity", &limits.humidity, &environment.humidity),
        ("pressure", &limits.pressure, &environment.pressure),
    ] {
        match (limit, condition) {
            (Some(_), None) => errors.push(FieldError::new(
                format!("environment.{name}"),
                "the procedure requires it",
            )),
            (Some(limit), Some(c)) => {
                if c.unit != limit.unit {
                    errors.push(FieldError::new(
                        format!("environment.{name}.unit"),
                        format!("the procedure's limits are in {}", limit.unit),
                    ));
                } else if !(limit.min..=limit.max).contains(&c.value.value()) {
                    errors.push(FieldError::new(
                        format!("environment.{name}.value"),
                        format!(
                            "{} {} is outside the procedure's limits {} to {} {}",
                            c.value, c.unit, limit.min, limit.max, limit.unit
                        ),
                    ));
                }
            }
            (None, _) => {}
        }
        if let Some(c) = condition {
            match c.measured_with.as_ref().and_then(StandardKey::id) {
                Some(id) => monitors.push((name, id)),
                None => errors.push(FieldError::new(
                    format!("environment.{name}.measured_with"),
                    "name the registered equipment that measured it",
                )),
            }
        }
    }
    // One instrument usually measures both temperature and humidity: read and judged once.
    let mut seen = std::collections::HashMap::new();
    for (name, id) in monitors {
        let field = format!("environment.{name}.measured_with");
        let monitor = match seen.get(&id) {
            Some(m) => Clone::clone(m),
            None => {
                let m = standards::table
                    .find(id)
                    .select((standards::kind, standards::quantity, standards::asset_id))
                    .first::<(StandardKind, String, String)>(conn)
                    .optional()?
                    .map(|m| (m, super::standards::check_fit(conn, id, calibrated_on)));
                let m = match m {
                    Some((m, fit)) => Some((m, fit?)),
                    None => None,
                };
                seen.insert(id, m.clone());
                m
            }
        };
        let Some(((kind, quantity, asset_id), fit)) = monitor else {
            errors.push(FieldError::new(field, "no such equipment"));
            continue;
        };
        if kind != StandardKind::Equipment || !quantity.to_lowercase().contains(name) {
            errors.push(FieldError::new(
                field,
                format!(
                    "{asset_id} is a {kind} for {quantity}: the room's {name} is measured with \
                     equipment registered for {name}"
                ),
            ));
            continue;
        }
        if let Err(reason) = fit {
            errors.push(FieldError::new(field, reason));
        }
    }
    Ok(())
}

/// The standards each point used: the point's index, the standard and the calibration of it
/// that was current on the day.
type PointStandards = Vec<(usize, StandardId, Option<StandardCalibrationId>)>;

/// The standards a record's points used: each judged fit for use once per record (its fitness on
/// the day is the same for every point), listed once for the certificate, and linked to each point.
#[derive(Default)]
struct StandardsOfPoints {
    fitness_of: std::collections::HashMap<StandardId, Option<super::standards::Fitness>>,
    listed: Vec<StandardUsed>,
    links: PointStandards,
}

impl StandardsOfPoints {
    /// Checks the standards of point `i`; the uncertainty of the first (the reference) at the
    /// point's nominal value.
    fn check(
        &mut self,
        conn: &mut DbConn,
        i: usize,
        point: &PointInput,
        calibrated_on: NaiveDate,
        rule: &ReferencePoints,
        errors: &mut Vec<FieldError>,
    ) -> AppResult<Option<ReferenceAt>> {
        let mut reference_u = None;
        for (j, standard) in point.standards.iter().enumerate() {
            // Resolved before; an unknown asset id is already reported.
            let Some(standard_id) = &standard.id() else {
                continue;
            };
            if !self.fitness_of.contains_key(standard_id) {
                let fitness = match super::standards::fitness_on(conn, *standard_id, calibrated_on)
                {
                    Ok(f) => Some(f),
                    Err(AppError::NotFound(_)) => None,
                    Err(other) => return Err(other),
                };
                self.fitness_of.insert(*standard_id, fitness);
            }
            let Some(fitness) = self.fitness_of.get(standard_id).cloned().flatten() else {
                errors.push(FieldError::new(
                    format!("points[{i}].standards[{j}]"),
                    "no such standard",
                ));
                continue;
            };
            if let Some(reason) = &fitness.reason {
                errors.push(FieldError::new(
                    format!("points[{i}].standards[{j}]"),
                    reason.clone(),
                ));
            }
            if j == 0 {
                match reference_uncertainty(&fitness.results, point, rule) {
                    Ok(at) => reference_u = Some(at),
                    Err(reason) => {
                        errors.push(FieldError::new(format!("points[{i}].standards[0]"), reason))
                    }
                }
            }
            self.links.push((i, *standard_id, fitness.calibration_id));
            if !self.listed.iter().any(|s| s.standard_id == *standard_id) {
                let (asset_id, name) = standards::table
                    .find(standard_id)
                    .select((standards::asset_id, standards::name))
                    .first::<(String, String)>(conn)?;
                self.listed.push(StandardUsed {
                    standard_id: *standard_id,
                    asset_id,
                    name,
                    calibration_id: fitness.calibration_id,
                    certificate_number: fitness.certificate_number.clone(),
                });
            }
        }
        Ok(reference_u)
    }
}

/// Standards named by asset id become ids, so a record stores ids only; an unknown asset id is a
/// field error.
fn resolve_standards(
    conn: &mut DbConn,
    input: &mut RecordInput,
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    // Points name the same few standards: each asset id is looked up once.
    let mut known = std::collections::HashMap::new();
    let mut resolve = |conn: &mut DbConn, field: String, r: &mut StandardKey| -> AppResult<()> {
        let resolved = match known.get(&*r) {
            Some(found) => Clone::clone(found),
            None => {
                let found = r.resolve(conn)?;
                known.insert(r.clone(), found.clone());
                found
            }
        };
        match resolved {
            Ok(id) => *r = StandardKey::Id(id),
            Err(reason) => errors.push(FieldError::new(field, reason)),
        }
        Ok(())
    };
    for (i, point) in input.points.iter_mut().enumerate() {
        for (j, standard) in point.standards.iter_mut().enumerate() {
            resolve(conn, format!("points[{i}].standards[{j}]"), standard)?;
        }
    }
    let environment = &mut input.environment;
    for (name, reading) in [
        ("temperature", &mut environment.temperature),
        ("humidity", &mut environment.humidity),
        ("pressure", &mut environment.pressure),
    ] {
        if let Some(monitor) = reading.as_mut().and_then(|r| r.measured_with.as_mut()) {
            resolve(conn, format!("environment.{name}.measured_with"), monitor)?;
        }
    }
    Ok(())
}

/// A record version checked and evaluated as far as it goes: each point's result where it could be
/// computed, and every rule the version breaks.
struct Checked {
    content: RecordContent,
    /// By point, `None` where the point could not be evaluated.
    by_point: Vec<Option<PointResult>>,
    errors: Vec<FieldError>,
    /// Why each standard that is not fit for use is not.
    unfit: Vec<(StandardId, String)>,
    item: WorkOrderItem,
    instrument: Instrument,
    procedure: Procedure,
    links: PointStandards,
}

/// What the bench shows as a record is typed: each point's result so far, what is wrong, and the
/// standards with their calibration in force. Nothing is written.
#[derive(Debug)]
pub struct Assessment {
    pub by_point: Vec<Option<PointResult>>,
    pub errors: Vec<FieldError>,
    /// Each standard named, with why it is not fit for use on the day if it is not.
    pub standards: Vec<(StandardUsed, Option<String>)>,
}

/// Checks a record as typed, without saving it (the bench's live results).
pub fn assess(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: RecordInput,
    raise_to_cmc: bool,
) -> AppResult<Assessment> {
    let checked = check(conn, ctx, input, raise_to_cmc)?;
    let unfit = checked.unfit;
    Ok(Assessment {
        by_point: checked.by_point,
        errors: checked.errors,
        standards: checked
            .content
            .standards_used
            .into_iter()
            .map(|s| {
                let reason = unfit
                    .iter()
                    .find(|(id, _)| *id == s.standard_id)
                    .map(|(_, r)| r.clone());
                (s, reason)
            })
            .collect(),
    })
}

/// Checks and evaluates a record version: every rule that protects the record is applied here.
fn evaluate(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: RecordInput,
    raise_to_cmc: bool,
) -> AppResult<(
    RecordContent,
    WorkOrderItem,
    Instrument,
    Procedure,
    PointStandards,
)> {
    let c = check(conn, ctx, input, raise_to_cmc)?;
    if !c.errors.is_empty() {
        return Err(AppError::Validation(c.errors));
    }
    Ok((c.content, c.item, c.instrument, c.procedure, c.links))
}

fn check(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: RecordInput,
    raise_to_cmc: bool,
) -> AppResult<Checked> {
    let mut errors = Vec::new();
    let mut input = input;
    resolve_standards(conn, &mut input, &mut errors)?;
    let item = work_order_items::table
        .find(input.item_id)
        .first::<WorkOrderItem>(conn)
        .optional()?
        .ok_or_else(|| AppError::field("item_id", "no such work order item"))?;
    let instrument = instruments::table
        .find(item.instrument_id)
        .first::<Instrument>(conn)?;
    let procedure = super::procedures::find(conn, input.procedure_id)
        .map_err(|_| AppError::field("procedure_id", "no such procedure"))?;
    let calibrated_on = ctx.clock.local_date(input.started_at);
    if procedure.status != ProcedureStatus::Approved {
        errors.push(FieldError::new(
            "procedure_id",
            format!(
                "{} version {} is {}: only approved versions can be used",
                procedure.code, procedure.procedure_version, procedure.status
            ),
        ));
    } else if procedure.effective_on > calibrated_on {
        errors.push(FieldError::new(
            "procedure_id",
            format!(
                "{} version {} is effective only from {}",
                procedure.code, procedure.procedure_version, procedure.effective_on
            ),
        ));
    }
    let template: ProcedureTemplate =
        serde_json::from_str(&procedure.template).map_err(AppError::internal)?;
    if input.ended_at.is_some_and(|end| end < input.started_at) {
        errors.push(FieldError::new("ended_at", "must not be before started_at"));
    }
    if input.started_at > ctx.clock.now() + chrono::Duration::minutes(5) {
        errors.push(FieldError::new("started_at", "must not be in the future"));
    }
    if input.location.trim().is_empty() {
        errors.push(FieldError::new("location", "must not be empty"));
    }
    check_environment(
        conn,
        &template.environment,
        &input.environment,
        calibrated_on,
        &mut errors,
    )?;
    if input.points.is_empty() {
        errors.push(FieldError::new("points", "record at least one point"));
    }
    let tolerance: Vec<ToleranceBand> =
        serde_json::from_str(&instrument.tolerance).unwrap_or_default();
    let resolution = instrument
        .resolution
        .as_deref()
        .and_then(|r| r.trim().parse::<f64>().ok());
    let guard_band = item
        .guard_band
        .as_deref()
        .and_then(|w| w.parse::<f64>().ok());
    let cmc_entries = super::cmc::entries_on(conn, &procedure.quantity, calibrated_on)?;
    let mut by_point = vec![None; input.points.len()];
    let mut used = StandardsOfPoints::default();
    for (i, point) in input.points.iter().enumerate() {
        let field = |name: &str| format!("points[{i}].{name}");
        if point.readings.len() < template.min_readings.max(1) {
            errors.push(FieldError::new(
                field("readings"),
                format!(
                    "the procedure asks for at least {} readings",
                    template.min_readings.max(1)
                ),
            ));
            continue;
        }
        if point.standards.is_empty() {
            errors.push(FieldError::new(
                field("standards"),
                "name the standards that supported this point",
            ));
            continue;
        }
        let reference = used.check(
            conn,
            i,
            point,
            calibrated_on,
            &template.reference_points,
            &mut errors,
        )?;
        if reference.is_none() {
            // Why is already said against the point's reference standard.
            continue;
        }
        let readings: Vec<f64> = point.readings.iter().map(Decimal::value).collect();
        let facts = PointFacts {
            readings: &readings,
            reference: point.reference_value.value(),
            decimals: point
                .readings
                .iter()
                .chain([&point.reference_value])
                .map(Decimal::decimals)
                .max()
                .unwrap_or(0),
            reference_uncertainty: reference.as_ref().map(|r| (r.expanded, r.k)),
            resolution,
            environment: [
                &input.environment.temperature,
                &input.environment.humidity,
                &input.environment.pressure,
            ]
            .map(|c| c.as_ref().map(|c| c.value.value())),
            mpe: mpe_at(&tolerance, point.nominal.value()),
            decision_rule: item.decision_rule,
            guard_band,
            cmc: super::cmc::floor_among(&cmc_entries, &point.unit, point.nominal.value()),
            raise_to_cmc,
        };
        match evaluate_point(&template.budget, &facts) {
            Ok(result) => {
                by_point[i] = Some(PointResult {
                    reference_basis: reference.map(|r| r.basis),
                    ..result
                })
            }
            Err(PointError::Budget(messages)) => {
                for m in messages {
                    errors.push(FieldError::new(field("budget"), m));
                }
            }
            Err(PointError::BelowCmc { expanded, cmc }) => errors.push(FieldError::new(
                field("expanded_uncertainty"),
                format!(
                    "U = {expanded} {} is below the lab's CMC of {cmc} {} at {} {}: an accredited lab never reports less (ILAC P14); check the budget, or set CALAB_CMC_POLICY=raise",
                    point.unit, point.unit, point.nominal, point.unit
                ),
            )),
            Err(PointError::Conformity(message)) => errors.push(FieldError::new(field("verdict"), message)),
        }
    }
    let results: Vec<PointResult> = by_point.iter().flatten().cloned().collect();
    let content = RecordContent {
        procedure_code: procedure.code.clone(),
        procedure_version: procedure.procedure_version,
        decision_rule: item.decision_rule,
        guard_band: item.guard_band.clone(),
        overall_verdict: overall_verdict(&results.iter().map(|r| r.verdict).collect::<Vec<_>>()),
        results,
        standards_used: used.listed,
        input,
    };
    let unfit = used
        .fitness_of
        .iter()
        .filter_map(|(id, f)| Some((*id, f.as_ref()?.reason.clone()?)))
        .collect();
    Ok(Checked {
        content,
        by_point,
        errors,
        unfit,
        item,
        instrument,
        procedure,
        links: used.links,
    })
}

#[allow(clippy::too_many_arguments)] // one version's columns, each named at the two call sites
fn insert_version(
    conn: &mut DbConn,
    ctx: &Ctx,
    record: CalibrationRecordId,
    number: i32,
    content: &RecordContent,
    procedure: ProcedureId,
    point_standards: &PointStandards,
    amendment_reason: Option<&str>,
) -> AppResult<RecordVersion> {
    let author = ctx
        .user_id
        .ok_or(AppError::Unauthenticated("sign in first"))?;
    let text = serde_json::to_string(content).map_err(AppError::internal)?;
    let at = ctx.now();
    let version = RecordVersion {
        id: RecordVersionId::new(),
        record_id: record,
        record_version: number,
        procedure_id: procedure,
        calibrated_on: ctx.clock.local_date(content.input.started_at),
        sha256: sha256_of(&text),
        content: text,
        author_id: author,
        amendment_reason: amendment_reason.map(str::to_string),
        signed_by: None,
        signer_name: None,
        signature_meaning: None,
        signed_at: None,
        signed_sha256: None,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(calibration_record_versions::table)
        .values(&version)
        .execute(conn)?;
    replace_point_standards(conn, record, number, version.calibrated_on, point_standards)?;
    Ok(version)
}

fn replace_point_standards(
    conn: &mut DbConn,
    record: CalibrationRecordId,
    number: i32,
    used_on: NaiveDate,
    point_standards: &PointStandards,
) -> AppResult<()> {
    diesel::delete(calibration_point_standards::table)
        .filter(calibration_point_standards::record_id.eq(record))
        .filter(calibration_point_standards::record_version.eq(number))
        .execute(conn)?;
    let rows: Vec<PointStandard> = point_standards
        .iter()
        .map(|(i, standard, calibration)| PointStandard {
            id: PointStandardId::new(),
            record_id: record,
            record_version: number,
            point_index: *i as i32,
            standard_id: *standard,
            standard_calibration_id: *calibration,
            used_on,
        })
        .collect();
    crate::insert_many!(conn, calibration_point_standards::table, rows, 500);
    Ok(())
}

/// Moves the work order item along with its record; a move the item's workflow does not allow
/// (an item on hold, say) is left to the people who handle items.
pub(crate) fn move_item(
    conn: &mut DbConn,
    ctx: &Ctx,
    item: &WorkOrderItem,
    to: ItemStatus,
) -> AppResult<()> {
    let current = work_order_items::table
        .find(item.id)
        .first::<WorkOrderItem>(conn)?;
    if current.status.can_become(to) {
        super::work_orders::change_item_status(
            conn,
            ctx,
            current.work_order_id,
            current.id,
            Some(current.version),
            super::work_orders::ChangeItemStatus {
                status: to,
                reason: Some("calibration record workflow".into()),
            },
        )?;
    }
    Ok(())
}

/// Starts a record (draft, version 1) for a work order item in the lab.
pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: RecordInput,
    raise_to_cmc: bool,
) -> AppResult<RecordView> {
    let technician = ctx
        .user_id
        .ok_or(AppError::Unauthenticated("sign in first"))?;
    let id = write_tx(conn, |conn| {
        let (content, item, instrument, procedure, point_standards) =
            evaluate(conn, ctx, input, raise_to_cmc)?;
        super::competence::require_ctx(
            conn,
            ctx,
            crate::domain::quality::AuthorizedFunction::PerformCalibration,
            Some(&procedure.code),
            &procedure.quantity,
            ctx.clock.local_date(content.input.started_at),
        )?;
        if !matches!(
            item.status,
            ItemStatus::Received | ItemStatus::InCalibration
        ) {
            return Err(AppError::Conflict(format!(
                "the item is {}; a record starts when it is received or in calibration",
                item.status
            )));
        }
        let open = calibration_records::table
            .filter(calibration_records::item_id.eq(item.id))
            .count()
            .get_result::<i64>(conn)?;
        if open > 0 {
            return Err(AppError::Conflict(
                "this item already has a calibration record; amend or return it".into(),
            ));
        }
        let at = ctx.now();
        let record = CalibrationRecord {
            id: CalibrationRecordId::new(),
            item_id: item.id,
            instrument_id: instrument.id,
            customer_id: instrument.customer_id,
            technician_id: technician,
            status: RecordStatus::Draft,
            current_version: 1,
            returned_reason: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(calibration_records::table)
            .values(&record)
            .execute(conn)?;
        let version = insert_version(
            conn,
            ctx,
            record.id,
            1,
            &content,
            procedure.id,
            &point_standards,
            None,
        )?;
        move_item(conn, ctx, &item, ItemStatus::InCalibration)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "calibration_record",
                entity_id: Some(record.id.to_string()),
                after: Some(
                    serde_json::json!({ "record": record, "version": 1, "sha256": version.sha256, "content": content }),
                ),
                ..Default::default()
            },
        )?;
        Ok(record.id)
    })?;
    get(conn, id, None)
}

/// Replaces the content of a draft or returned version (the technician's working copy; each save
/// is audited with before and after).
pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CalibrationRecordId,
    expected: Option<i32>,
    input: RecordInput,
    raise_to_cmc: bool,
) -> AppResult<RecordView> {
    write_tx(conn, |conn| {
        let record = find(conn, id)?;
        check_version(expected, record.version)?;
        if !matches!(record.status, RecordStatus::Draft | RecordStatus::Returned) {
            return Err(AppError::Conflict(format!(
                "a {} record is not edited; approved records are amended",
                record.status
            )));
        }
        if input.item_id != record.item_id {
            return Err(AppError::field("item_id", "a record stays with its item"));
        }
        let before = find_version(conn, id, record.current_version)?;
        let (content, _, _, procedure, point_standards) = evaluate(conn, ctx, input, raise_to_cmc)?;
        super::competence::require_ctx(
            conn,
            ctx,
            crate::domain::quality::AuthorizedFunction::PerformCalibration,
            Some(&procedure.code),
            &procedure.quantity,
            ctx.clock.local_date(content.input.started_at),
        )?;
        let text = serde_json::to_string(&content).map_err(AppError::internal)?;
        let sha = sha256_of(&text);
        diesel::update(calibration_record_versions::table.find(before.id))
            .set((
                calibration_record_versions::content.eq(&text),
                calibration_record_versions::sha256.eq(&sha),
                calibration_record_versions::procedure_id.eq(procedure.id),
                calibration_record_versions::calibrated_on
                    .eq(ctx.clock.local_date(content.input.started_at)),
                calibration_record_versions::author_id.eq(ctx.user_id.unwrap_or(before.author_id)),
                calibration_record_versions::updated_at.eq(ctx.now()),
            ))
            .execute(conn)?;
        replace_point_standards(
            conn,
            id,
            record.current_version,
            ctx.clock.local_date(content.input.started_at),
            &point_standards,
        )?;
        bump(conn, ctx, &record)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "update",
                entity_type: "calibration_record",
                entity_id: Some(id.to_string()),
                before: serde_json::from_str(&before.content).ok(),
                after: audit_trail::snapshot(&content),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    get(conn, id, None)
}

fn bump(conn: &mut DbConn, ctx: &Ctx, record: &CalibrationRecord) -> AppResult<()> {
    diesel::update(calibration_records::table.find(record.id))
        .set((
            calibration_records::version.eq(record.version + 1),
            calibration_records::updated_at.eq(ctx.now()),
        ))
        .execute(conn)?;
    Ok(())
}

fn set_status(
    conn: &mut DbConn,
    ctx: &Ctx,
    record: &CalibrationRecord,
    to: RecordStatus,
    returned_reason: Option<&str>,
) -> AppResult<CalibrationRecord> {
    Ok(diesel::update(calibration_records::table.find(record.id))
        .set((
            calibration_records::status.eq(to),
            calibration_records::returned_reason.eq(returned_reason),
            calibration_records::version.eq(record.version + 1),
            calibration_records::updated_at.eq(ctx.now()),
        ))
        .get_result::<CalibrationRecord>(conn)?)
}

pub fn submit(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CalibrationRecordId,
    expected: Option<i32>,
) -> AppResult<RecordView> {
    write_tx(conn, |conn| {
        let record = find(conn, id)?;
        change_versioned(
            conn,
            ctx,
            record,
            expected,
            "submit",
            None,
            |conn, record| {
                if !matches!(record.status, RecordStatus::Draft | RecordStatus::Returned) {
                    return Err(AppError::Conflict(format!(
                        "a {} record cannot be submitted",
                        record.status
                    )));
                }
                super::competence::require_for_record(
                    conn,
                    ctx,
                    crate::domain::quality::AuthorizedFunction::PerformCalibration,
                    id,
                    record.current_version,
                    ctx.today(),
                )?;
                let updated = set_status(conn, ctx, record, RecordStatus::Submitted, None)?;
                let item = work_order_items::table
                    .find(record.item_id)
                    .first::<WorkOrderItem>(conn)?;
                move_item(conn, ctx, &item, ItemStatus::AwaitingApproval)?;
                Ok(updated)
            },
        )?;
        Ok(())
    })?;
    get(conn, id, None)
}

/// The reviewer sends a submitted record back to its technician, saying why.
pub fn return_record(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CalibrationRecordId,
    expected: Option<i32>,
    reason: &str,
) -> AppResult<RecordView> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "say what must be corrected"));
    }
    write_tx(conn, |conn| {
        let record = find(conn, id)?;
        change_versioned(
            conn,
            ctx,
            record,
            expected,
            "return",
            Some(reason),
            |conn, record| {
                if record.status != RecordStatus::Submitted {
                    return Err(AppError::Conflict(format!(
                        "only a submitted record can be returned; this one is {}",
                        record.status
                    )));
                }
                let updated = set_status(conn, ctx, record, RecordStatus::Returned, Some(reason))?;
                let item = work_order_items::table
                    .find(record.item_id)
                    .first::<WorkOrderItem>(conn)?;
                move_item(conn, ctx, &item, ItemStatus::InCalibration)?;
                Ok(updated)
            },
        )?;
        Ok(())
    })?;
    get(conn, id, None)
}

/// The electronic signature: a signatory who neither performed nor wrote this version enters their
/// password again; the signature records their name as at signing, the time, its meaning and the
/// SHA-256 of the version it covers.
pub fn approve(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CalibrationRecordId,
    expected: Option<i32>,
    password: &str,
) -> AppResult<RecordView> {
    // Re-authentication first, outside the transaction: hashing is slow and takes no lock.
    let signer =
        super::auth::reauthenticate(conn, ctx, password, "calibration_record", id.to_string())?;
    let signer_id = signer.id;
    write_tx(conn, |conn| {
        let record = find(conn, id)?;
        change_versioned(
            conn,
            ctx,
            record,
            expected,
            "approve",
            None,
            |conn, record| {
                if record.status != RecordStatus::Submitted {
                    return Err(AppError::Conflict(format!(
                        "only a submitted record can be approved; this one is {}",
                        record.status
                    )));
                }
                let version = find_version(conn, id, record.current_version)?;
                // Four eyes: never the technician of the record, never the author of this version.
                if signer_id == record.technician_id || signer_id == version.author_id {
                    return Err(AppError::Forbidden("you performed or wrote this record: another signatory must approve it (four-eyes rule)".into()));
                }
                super::competence::require_for_record(
                    conn,
                    ctx,
                    crate::domain::quality::AuthorizedFunction::ReviewApprove,
                    id,
                    record.current_version,
                    ctx.today(),
                )?;
                let at = ctx.now();
                diesel::update(calibration_record_versions::table.find(version.id))
                    .set((
                        calibration_record_versions::signed_by.eq(signer_id),
                        calibration_record_versions::signer_name.eq(&signer.name),
                        calibration_record_versions::signature_meaning.eq(SIGNATURE_MEANING),
                        calibration_record_versions::signed_at.eq(at),
                        calibration_record_versions::signed_sha256.eq(&version.sha256),
                    ))
                    .execute(conn)?;
                let updated = set_status(conn, ctx, record, RecordStatus::Approved, None)?;
                let content: RecordContent =
                    serde_json::from_str(&version.content).map_err(AppError::internal)?;
                let instrument = instruments::table
                    .find(record.instrument_id)
                    .first::<Instrument>(conn)?;
                diesel::update(instruments::table.find(record.instrument_id))
                    .set((
                        instruments::last_calibrated_on.eq(version.calibrated_on),
                        instruments::last_verdict
                            .eq(content.overall_verdict.map(|v| verdict_text(v).to_string())),
                        instruments::next_due_on.eq(crate::domain::intake::next_due(
                            Some(version.calibrated_on),
                            instrument.recalibration_interval_months,
                        )),
                    ))
                    .execute(conn)?;
                let item = work_order_items::table
                    .find(record.item_id)
                    .first::<WorkOrderItem>(conn)?;
                move_item(conn, ctx, &item, ItemStatus::Approved)?;
                Ok(serde_json::json!({
                    "record": updated,
                    "signature": {
                        "name": signer.name,
                        "meaning": SIGNATURE_MEANING,
                        "sha256": version.sha256,
                        "version": version.record_version,
                    },
                }))
            },
        )?;
        Ok(())
    })?;
    get(conn, id, None)
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::ConditionalPass => "conditional_pass",
        Verdict::ConditionalFail => "conditional_fail",
    }
}

/// Amends an approved record: a new version (a draft, to be submitted and approved again), with
/// its reason; the approved version stays as it was, signature and all.
pub fn amend(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CalibrationRecordId,
    expected: Option<i32>,
    amendment: Amendment,
    raise_to_cmc: bool,
) -> AppResult<RecordView> {
    let reason = amendment.reason.trim().to_string();
    if reason.is_empty() {
        return Err(AppError::field("reason", "an amendment needs its reason"));
    }
    write_tx(conn, |conn| {
        let record = find(conn, id)?;
        check_version(expected, record.version)?;
        if record.status != RecordStatus::Approved {
            return Err(AppError::Conflict(format!(
                "only an approved record is amended; a {} one is edited",
                record.status
            )));
        }
        if amendment.record.item_id != record.item_id {
            return Err(AppError::field(
                "record.item_id",
                "a record stays with its item",
            ));
        }
        let before = find_version(conn, id, record.current_version)?;
        let (content, _, _, procedure, point_standards) =
            evaluate(conn, ctx, amendment.record, raise_to_cmc)?;
        let number = record.current_version + 1;
        let version = insert_version(
            conn,
            ctx,
            id,
            number,
            &content,
            procedure.id,
            &point_standards,
            Some(&reason),
        )?;
        let updated = diesel::update(calibration_records::table.find(id))
            .set((
                calibration_records::status.eq(RecordStatus::Draft),
                calibration_records::current_version.eq(number),
                calibration_records::returned_reason.eq(None::<String>),
                calibration_records::version.eq(record.version + 1),
                calibration_records::updated_at.eq(ctx.now()),
            ))
            .get_result::<CalibrationRecord>(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "amend",
                entity_type: "calibration_record",
                entity_id: Some(id.to_string()),
                before: Some(
                    serde_json::json!({ "record": record, "version": before.record_version, "sha256": before.sha256, "content": serde_json::from_str::<serde_json::Value>(&before.content).ok() }),
                ),
                after: Some(
                    serde_json::json!({ "record": updated, "version": number, "sha256": version.sha256, "content": content }),
                ),
                reason: Some(&reason),
            },
        )?;
        Ok(())
    })?;
    get(conn, id, None)
}

/// Readings for many points at once, as exported by a calibrator or a spreadsheet.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadingsImport {
    pub points: Vec<PointReadings>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointReadings {
    /// The point's number, from 1.
    pub point: usize,
    pub readings: Vec<Decimal>,
}

/// Parses `point,reading` CSV (one reading a row, header required) into readings per point.
pub fn parse_readings_csv(bytes: &[u8]) -> AppResult<ReadingsImport> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| AppError::field("line 1", e.to_string()))?
        .clone();
    let position = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(point_col), Some(reading_col)) = (position("point"), position("reading")) else {
        return Err(AppError::field(
            "line 1",
            "the header must name the columns point and reading",
        ));
    };
    let mut errors = Vec::new();
    let mut points: Vec<PointReadings> = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let line = n + 2;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError::new(format!("line {line}"), e.to_string()));
                continue;
            }
        };
        let point = row
            .get(point_col)
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|p| *p >= 1);
        let reading = row.get(reading_col).map(Decimal::parse);
        match (point, reading) {
            (None, _) => errors.push(FieldError::new(
                format!("line {line}: point"),
                "a point number from 1",
            )),
            (_, None) => errors.push(FieldError::new(format!("line {line}: reading"), "missing")),
            (_, Some(Err(e))) => errors.push(FieldError::new(format!("line {line}: reading"), e)),
            (Some(p), Some(Ok(value))) => match points.iter_mut().find(|x| x.point == p) {
                Some(existing) => existing.readings.push(value),
                None => points.push(PointReadings {
                    point: p,
                    readings: vec![value],
                }),
            },
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(ReadingsImport { points })
}

/// Replaces the readings of the named points of a draft and re-evaluates it, all or nothing.
pub fn import_readings(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: CalibrationRecordId,
    expected: Option<i32>,
    import: ReadingsImport,
    raise_to_cmc: bool,
) -> AppResult<RecordView> {
    let record = find(conn, id)?;
    let current = find_version(conn, id, record.current_version)?;
    let content: RecordContent =
        serde_json::from_str(&current.content).map_err(AppError::internal)?;
    let mut input = content.input;
    let mut errors = Vec::new();
    for (n, p) in import.points.into_iter().enumerate() {
        match input.points.get_mut(p.point.wrapping_sub(1)) {
            Some(point) => point.readings = p.readings,
            None => errors.push(FieldError::new(
                format!("points[{n}].point"),
                format!("the record has {} points", input.points.len()),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    update(conn, ctx, id, expected, input, raise_to_cmc)
}
