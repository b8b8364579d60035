//! The traceability chain of a standard on any date, its fitness for use, and reverse
//! traceability: what depended on it (ISO/IEC 17025 §6.5, §7.10).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Nullable, Text};

use crate::db::models::{ExternalBody, Standard, StandardCalibration};
use crate::db::schema::{
    external_bodies, intermediate_checks, standard_calibrations, standard_status_changes, standards,
};
use crate::db::{DbConn, ExternalBodyId, StandardCalibrationId, StandardId};
use crate::domain::traceability::{
    evaluate_link, fitness, BodyKind, Issuer, LinkFacts, LinkProblem, StandardStatus,
};
use crate::error::{AppError, AppResult};

use super::*;

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StandardRef {
    pub id: StandardId,
    pub asset_id: String,
    pub name: String,
}

impl From<&Standard> for StandardRef {
    fn from(s: &Standard) -> Self {
        StandardRef {
            id: s.id,
            asset_id: s.asset_id.clone(),
            name: s.name.clone(),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IssuerView {
    /// `external_body` or `standard`.
    pub kind: &'static str,
    pub name: String,
    pub body_kind: Option<BodyKind>,
    pub country: Option<String>,
    pub accreditation_number: Option<String>,
    pub standard_id: Option<StandardId>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChainLink {
    /// 0 is the standard asked about; each next link is the standard (or body) that calibrated it.
    pub depth: i32,
    pub standard: StandardRef,
    pub status_on_date: StandardStatus,
    pub calibration_id: Option<StandardCalibrationId>,
    pub certificate_number: Option<String>,
    pub calibrated_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub issuer: Option<IssuerView>,
    /// The calibrated points with their expanded uncertainties.
    pub results: Vec<CalibrationPoint>,
    pub valid: bool,
    pub problem: Option<LinkProblem>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Chain {
    pub standard_id: StandardId,
    pub at: NaiveDate,
    /// `valid` or `broken`.
    pub status: &'static str,
    /// Depth of the first failing link.
    pub failing_link: Option<i32>,
    pub reason: Option<String>,
    /// What the chain ends at: `nmi`, `accredited_lab`, `other`, or nothing when broken below the top.
    pub terminates_at: Option<BodyKind>,
    pub links: Vec<ChainLink>,
}

#[derive(QueryableByName)]
struct ChainRow {
    #[diesel(sql_type = Integer)]
    depth: i32,
    #[diesel(sql_type = Text)]
    standard_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    calibration_id: Option<String>,
}

/// The chain's skeleton in one recursive query: for each level, the calibration in force on the
/// date (the latest on or before it) and, through its internal issuer, the next level.
fn chain_rows(conn: &mut DbConn, standard: StandardId, at: NaiveDate) -> AppResult<Vec<ChainRow>> {
    Ok(diesel::sql_query(
        "WITH RECURSIVE chain(depth, standard_id, calibration_id) AS ( \
             SELECT 0, CAST($1 AS TEXT), \
                 (SELECT c.id FROM standard_calibrations c WHERE c.standard_id = $1 AND c.calibrated_on <= $2 \
                  ORDER BY c.calibrated_on DESC, c.recorded_at DESC LIMIT 1) \
             UNION ALL \
             SELECT chain.depth + 1, link.issuer_standard_id, \
                 (SELECT c.id FROM standard_calibrations c \
                  WHERE c.standard_id = link.issuer_standard_id AND c.calibrated_on <= $2 \
                  ORDER BY c.calibrated_on DESC, c.recorded_at DESC LIMIT 1) \
             FROM chain JOIN standard_calibrations link ON link.id = chain.calibration_id \
             WHERE link.issuer_standard_id IS NOT NULL AND chain.depth < $3) \
         SELECT depth, standard_id, calibration_id FROM chain ORDER BY depth",
    )
    .bind::<Text, _>(standard)
    .bind::<Date, _>(at)
    .bind::<Integer, _>(MAX_CHAIN_DEPTH)
    .load::<ChainRow>(conn)?)
}

/// Each standard's status on a date: its last change on or before that day; before its first
/// change, the status it was registered with.
fn statuses_on(
    conn: &mut DbConn,
    ids: &[StandardId],
    at: NaiveDate,
) -> AppResult<HashMap<StandardId, StandardStatus>> {
    let end_of_day = at
        .succ_opt()
        .unwrap_or(at)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let changes = standard_status_changes::table
        .filter(standard_status_changes::standard_id.eq_any(ids))
        .order(standard_status_changes::changed_at.asc())
        .select((
            standard_status_changes::standard_id,
            standard_status_changes::to_status,
            standard_status_changes::changed_at,
        ))
        .load::<(StandardId, StandardStatus, crate::db::UtcTime)>(conn)?;
    let mut statuses = HashMap::new();
    for (id, status, changed_at) in changes {
        if changed_at.0 < end_of_day || !statuses.contains_key(&id) {
            statuses.insert(id, status);
        }
    }
    Ok(statuses)
}

/// The traceability chain of a standard as it stood on a date.
pub fn chain(conn: &mut DbConn, standard_id: StandardId, at: NaiveDate) -> AppResult<Chain> {
    find(conn, standard_id)?;
    let rows = chain_rows(conn, standard_id, at)?;
    let standard_ids: Vec<StandardId> = rows
        .iter()
        .filter_map(|r| r.standard_id.parse().ok())
        .collect();
    let calibration_ids: Vec<StandardCalibrationId> = rows
        .iter()
        .filter_map(|r| r.calibration_id.as_deref().and_then(|c| c.parse().ok()))
        .collect();
    let standards_by_id: HashMap<StandardId, Standard> = standards::table
        .filter(standards::id.eq_any(&standard_ids))
        .load::<Standard>(conn)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let calibrations: HashMap<StandardCalibrationId, StandardCalibration> =
        standard_calibrations::table
            .filter(standard_calibrations::id.eq_any(&calibration_ids))
            .load::<StandardCalibration>(conn)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let body_ids: Vec<ExternalBodyId> = calibrations
        .values()
        .filter_map(|c| c.external_body_id)
        .collect();
    let bodies: HashMap<ExternalBodyId, ExternalBody> = external_bodies::table
        .filter(external_bodies::id.eq_any(&body_ids))
        .load::<ExternalBody>(conn)?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let statuses = statuses_on(conn, &standard_ids, at)?;

    let mut links = Vec::new();
    for row in &rows {
        let Some(standard) = row
            .standard_id
            .parse()
            .ok()
            .and_then(|id: StandardId| standards_by_id.get(&id))
        else {
            continue;
        };
        let calibration = row
            .calibration_id
            .as_deref()
            .and_then(|c| c.parse().ok())
            .and_then(|id| calibrations.get(&id));
        let body = calibration
            .and_then(|c| c.external_body_id)
            .and_then(|b| bodies.get(&b));
        let issuer = calibration.map(|c| match body {
            Some(b) => Issuer::Body {
                kind: b.kind,
                accreditation_valid_until: b.accreditation_valid_until,
                justified: b.justification.is_some(),
            },
            None if c.issuer_standard_id.is_some() => Issuer::Standard,
            None => Issuer::Body {
                kind: BodyKind::Other,
                accreditation_valid_until: None,
                justified: false,
            },
        });
        let status_on_date = statuses
            .get(&standard.id)
            .copied()
            .unwrap_or(standard.status);
        let facts = LinkFacts {
            on: at,
            status_on_date,
            calibration: calibration.map(|c| (c.calibrated_on, c.due_on)),
            issuer,
        };
        let mut problem = evaluate_link(&facts);
        if problem.is_none()
            && row.depth >= MAX_CHAIN_DEPTH
            && calibration.is_some_and(|c| c.issuer_standard_id.is_some())
        {
            problem = Some(LinkProblem::ChainTooDeep);
        }
        let issuer_view = calibration.map(|c| match body {
            Some(b) => IssuerView {
                kind: "external_body",
                name: b.name.clone(),
                body_kind: Some(b.kind),
                country: Some(b.country.clone()),
                accreditation_number: b.accreditation_number.clone(),
                standard_id: None,
            },
            None => IssuerView {
                kind: "standard",
                name: c
                    .issuer_standard_id
                    .and_then(|id| standards_by_id.get(&id))
                    .map(|s| format!("{} {}", s.asset_id, s.name))
                    .unwrap_or_default(),
                body_kind: None,
                country: None,
                accreditation_number: None,
                standard_id: c.issuer_standard_id,
            },
        });
        links.push(ChainLink {
            depth: row.depth,
            standard: standard.into(),
            status_on_date,
            calibration_id: calibration.map(|c| c.id),
            certificate_number: calibration.map(|c| c.certificate_number.clone()),
            calibrated_on: calibration.map(|c| c.calibrated_on),
            due_on: calibration.map(|c| c.due_on),
            issuer: issuer_view,
            results: calibration
                .and_then(|c| serde_json::from_str(&c.results).ok())
                .unwrap_or_default(),
            valid: problem.is_none(),
            problem,
        });
    }
    let failing = links.iter().find(|l| !l.valid);
    let terminates_at = links
        .last()
        .and_then(|l| l.issuer.as_ref())
        .and_then(|i| i.body_kind);
    Ok(Chain {
        standard_id,
        at,
        status: if failing.is_some() { "broken" } else { "valid" },
        failing_link: failing.map(|l| l.depth),
        reason: failing.and_then(|l| {
            l.problem
                .as_ref()
                .map(|p| format!("{} ({}): {p}", l.standard.asset_id, l.standard.name))
        }),
        terminates_at,
        links,
    })
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Fitness {
    pub standard_id: StandardId,
    pub on: NaiveDate,
    pub fit: bool,
    pub problem: Option<LinkProblem>,
    pub reason: Option<String>,
    /// The calibration in force on the date, which a use of the standard is traced through.
    pub calibration_id: Option<StandardCalibrationId>,
    pub certificate_number: Option<String>,
    #[serde(skip)]
    pub results: Vec<CalibrationPoint>,
}

/// The one rule of fitness for use (see `domain::traceability::fitness`), on a date.
pub fn fitness_on(conn: &mut DbConn, standard_id: StandardId, on: NaiveDate) -> AppResult<Fitness> {
    // The chain's first link is the standard itself, as it stood on the date.
    let chain = chain(conn, standard_id, on)?;
    let own = chain.links.first().ok_or(AppError::NotFound("standard"))?;
    let facts = LinkFacts {
        on,
        status_on_date: own.status_on_date,
        calibration: own.calibrated_on.zip(own.due_on),
        issuer: None,
    };
    let chain_problem = chain.links.iter().find_map(|l| l.problem.clone());
    let last_check: Option<(NaiveDate, String)> = intermediate_checks::table
        .filter(intermediate_checks::standard_id.eq(standard_id))
        .filter(intermediate_checks::checked_on.le(on))
        .order((
            intermediate_checks::checked_on.desc(),
            intermediate_checks::recorded_at.desc(),
        ))
        .select((intermediate_checks::checked_on, intermediate_checks::result))
        .first(conn)
        .optional()?;
    let failed_on = last_check
        .filter(|(_, result)| result == "fail")
        .map(|(d, _)| d);
    let verdict = fitness(&facts, chain_problem.as_ref(), failed_on);
    Ok(Fitness {
        standard_id,
        on,
        calibration_id: own.calibration_id,
        certificate_number: own.certificate_number.clone(),
        results: own.results.clone(),
        fit: verdict.is_ok(),
        reason: verdict.as_ref().err().map(|p| {
            format!(
                "{} ({}) is not fit for use on {on}: {p}",
                own.standard.asset_id, own.standard.name
            )
        }),
        problem: verdict.err(),
    })
}

/// `Err(reason)` when the standard may not be used on the date; for callers that record its use.
pub fn check_fit(
    conn: &mut DbConn,
    standard_id: StandardId,
    on: NaiveDate,
) -> AppResult<Result<(), String>> {
    let fitness = fitness_on(conn, standard_id, on)?;
    Ok(match fitness.reason {
        Some(reason) => Err(reason),
        None => Ok(()),
    })
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DependentCalibration {
    /// 1: calibrated directly against the standard; 2: against one of those; and so on.
    pub depth: i32,
    pub standard: StandardRef,
    pub calibration_id: StandardCalibrationId,
    pub certificate_number: String,
    pub calibrated_on: NaiveDate,
    /// The standard it was calibrated against.
    pub via_standard_id: StandardId,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Dependents {
    pub standard_id: StandardId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every calibration of a standard that used this one, directly or through another standard,
    /// in the window (a later level only from the date its source was itself calibrated).
    pub standard_calibrations: Vec<DependentCalibration>,
    /// Every point of a customer calibration record supported by this standard or by one
    /// calibrated from it, from the affected calibration to the end of the window.
    pub calibration_points: Vec<DependentPoint>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DependentPoint {
    pub record_id: crate::db::CalibrationRecordId,
    pub record_version: i32,
    /// From 0, in the record's order.
    pub point_index: i32,
    pub used_on: NaiveDate,
    /// The standard that supported the point: this one or one downstream of it.
    pub standard_id: StandardId,
    pub instrument_id: crate::db::InstrumentId,
    pub instrument_lab_id: String,
    pub customer_id: crate::db::CustomerId,
    pub customer_name: String,
}

/// Reverse traceability: everything calibrated with the standard, at any depth, in the window.
pub fn dependents(
    conn: &mut DbConn,
    standard_id: StandardId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Dependents> {
    if from > to {
        return Err(AppError::field("to", "must not be before from"));
    }
    find(conn, standard_id)?;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Integer)]
        depth: i32,
        #[diesel(sql_type = Text)]
        calibration_id: String,
        #[diesel(sql_type = Text)]
        certificate_number: String,
        #[diesel(sql_type = Date)]
        calibrated_on: NaiveDate,
        #[diesel(sql_type = Text)]
        via_standard_id: String,
        #[diesel(sql_type = Text)]
        standard_id: String,
        #[diesel(sql_type = Text)]
        asset_id: String,
        #[diesel(sql_type = Text)]
        name: String,
    }
    // One round trip: the walk down, then the rows it found with their standards.
    let rows = diesel::sql_query(
        "WITH RECURSIVE dep(depth, standard_id, calibration_id, calibrated_on) AS ( \
             SELECT 1, c.standard_id, c.id, c.calibrated_on FROM standard_calibrations c \
             WHERE c.issuer_standard_id = $1 AND c.calibrated_on >= $2 AND c.calibrated_on <= $3 \
             UNION \
             SELECT dep.depth + 1, c.standard_id, c.id, c.calibrated_on \
             FROM standard_calibrations c JOIN dep ON c.issuer_standard_id = dep.standard_id \
             WHERE c.calibrated_on >= dep.calibrated_on AND c.calibrated_on <= $3 AND dep.depth < $4) \
         SELECT d.depth, c.id AS calibration_id, c.certificate_number, c.calibrated_on, \
                c.issuer_standard_id AS via_standard_id, s.id AS standard_id, s.asset_id, s.name \
         FROM (SELECT calibration_id, MIN(depth) AS depth FROM dep GROUP BY calibration_id) d \
              JOIN standard_calibrations c ON c.id = d.calibration_id \
              JOIN standards s ON s.id = c.standard_id",
    )
    .bind::<Text, _>(standard_id)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Integer, _>(MAX_CHAIN_DEPTH)
    .load::<Row>(conn)?;
    let mut found = rows
        .into_iter()
        .map(|r| {
            let parse = |text: &str| {
                text.parse()
                    .map_err(|_| AppError::internal(format!("bad id {text}")))
            };
            Ok(DependentCalibration {
                depth: r.depth,
                standard: StandardRef {
                    id: parse(&r.standard_id)?,
                    asset_id: r.asset_id,
                    name: r.name,
                },
                calibration_id: r
                    .calibration_id
                    .parse()
                    .map_err(|_| AppError::internal("bad calibration id"))?,
                certificate_number: r.certificate_number,
                calibrated_on: r.calibrated_on,
                via_standard_id: parse(&r.via_standard_id)?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    found.sort_by_key(|d| (d.depth, d.calibrated_on, d.calibration_id));
    let calibration_points = dependent_points(conn, standard_id, from, to, &found)?;
    Ok(Dependents {
        standard_id,
        from,
        to,
        standard_calibrations: found,
        calibration_points,
    })
}

/// The customer calibration points supported by the standard (from `from`) or by a standard
/// affected through it (from the date of its affected calibration), up to `to`.
fn dependent_points(
    conn: &mut DbConn,
    standard_id: StandardId,
    from: NaiveDate,
    to: NaiveDate,
    affected: &[DependentCalibration],
) -> AppResult<Vec<DependentPoint>> {
    use crate::db::schema::{
        calibration_point_standards as ps, calibration_records as r, customers as c,
        instruments as i,
    };
    let mut since: HashMap<StandardId, NaiveDate> = HashMap::from([(standard_id, from)]);
    for d in affected {
        let entry = since.entry(d.standard.id).or_insert(d.calibrated_on);
        *entry = (*entry).min(d.calibrated_on);
    }
    let ids: Vec<StandardId> = since.keys().copied().collect();
    let mut points = Vec::new();
    for chunk in ids.chunks(500) {
        let rows = ps::table
            .inner_join(r::table.on(r::id.eq(ps::record_id)))
            .inner_join(i::table.on(i::id.eq(r::instrument_id)))
            .inner_join(c::table.on(c::id.eq(r::customer_id)))
            .filter(ps::standard_id.eq_any(chunk))
            .filter(ps::used_on.le(to))
            .select((
                ps::record_id,
                ps::record_version,
                ps::point_index,
                ps::used_on,
                ps::standard_id,
                i::id,
                i::lab_id,
                c::id,
                c::name,
            ))
            .load::<(
                crate::db::CalibrationRecordId,
                i32,
                i32,
                NaiveDate,
                StandardId,
                crate::db::InstrumentId,
                String,
                crate::db::CustomerId,
                String,
            )>(conn)?;
        for (
            record_id,
            record_version,
            point_index,
            used_on,
            standard,
            instrument_id,
            lab_id,
            customer_id,
            customer_name,
        ) in rows
        {
            if since.get(&standard).is_some_and(|start| used_on >= *start) {
                points.push(DependentPoint {
                    record_id,
                    record_version,
                    point_index,
                    used_on,
                    standard_id: standard,
                    instrument_id,
                    instrument_lab_id: lab_id,
                    customer_id,
                    customer_name,
                });
            }
        }
    }
    points.sort_by_key(|p| (p.used_on, p.record_id, p.record_version, p.point_index));
    Ok(points)
}
