//! Incoming calibrations of the standards and their certificate files, kept in every version
//! (ISO/IEC 17025 §6.4.13, §6.5).

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use sha2::{Digest, Sha256};

use crate::db::models::{CalibrationFile, StandardCalibration};
use crate::db::schema::{
    external_bodies, standard_calibration_files, standard_calibrations, standards,
};
use crate::db::UtcTime;
use crate::db::{
    write_tx, DbConn, ExternalBodyId, FileId, StandardCalibrationId, StandardId, UserId,
};
pub use crate::domain::traceability::CalibrationPoint;
use crate::domain::traceability::{default_due, AsFound};
use crate::error::{AppError, AppResult, FieldError};
use crate::services::audit_trail::{self, Change};
use crate::services::{optional_text, required_text, Ctx};

use super::*;

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordCalibration {
    pub calibrated_on: NaiveDate,
    pub certificate_number: String,
    /// The external issuer, or:
    pub external_body_id: Option<ExternalBodyId>,
    /// the lab's own standard it was calibrated against (an internal calibration).
    pub issuer_standard_id: Option<StandardKey>,
    pub results: Vec<CalibrationPoint>,
    /// Whether the standard was found in tolerance before any adjustment.
    pub as_found: AsFound,
    #[serde(default)]
    pub adjusted: bool,
    /// Overrides calibrated_on + interval; needs `due_override_reason`.
    pub due_on: Option<NaiveDate>,
    pub due_override_reason: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FileVersion {
    pub id: FileId,
    pub version: i32,
    pub filename: String,
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: UtcTime,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CalibrationView {
    #[serde(flatten)]
    pub calibration: StandardCalibration,
    /// The internal issuer's asset id, beside its `issuer_standard_id`.
    pub issuer_asset_id: Option<String>,
    /// The issuer's certificate, every version, oldest first.
    pub certificate_files: Vec<FileVersion>,
}

fn calibration_view(
    conn: &mut DbConn,
    calibration: StandardCalibration,
    files: Vec<FileVersion>,
) -> AppResult<CalibrationView> {
    Ok(CalibrationView {
        issuer_asset_id: asset_id_of(conn, calibration.issuer_standard_id)?,
        calibration,
        certificate_files: files,
    })
}

fn file_versions(
    conn: &mut DbConn,
    calibration: StandardCalibrationId,
) -> AppResult<Vec<FileVersion>> {
    let rows = standard_calibration_files::table
        .filter(standard_calibration_files::calibration_id.eq(calibration))
        .order(standard_calibration_files::version.asc())
        .select((
            standard_calibration_files::id,
            standard_calibration_files::version,
            standard_calibration_files::filename,
            standard_calibration_files::content_type,
            standard_calibration_files::sha256,
            standard_calibration_files::size_bytes,
            standard_calibration_files::uploaded_by,
            standard_calibration_files::uploaded_at,
        ))
        .load::<(
            FileId,
            i32,
            String,
            String,
            String,
            i64,
            Option<UserId>,
            UtcTime,
        )>(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                version,
                filename,
                content_type,
                sha256,
                size_bytes,
                uploaded_by,
                uploaded_at,
            )| FileVersion {
                id,
                version,
                filename,
                content_type,
                sha256,
                size_bytes,
                uploaded_by,
                uploaded_at,
            },
        )
        .collect())
}

fn find_calibration(
    conn: &mut DbConn,
    standard: StandardId,
    id: StandardCalibrationId,
) -> AppResult<StandardCalibration> {
    standard_calibrations::table
        .find(id)
        .filter(standard_calibrations::standard_id.eq(standard))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("calibration"))
}

pub fn list_calibrations(
    conn: &mut DbConn,
    standard: StandardId,
) -> AppResult<Vec<CalibrationView>> {
    find(conn, standard)?;
    let rows = standard_calibrations::table
        .filter(standard_calibrations::standard_id.eq(standard))
        .order((
            standard_calibrations::calibrated_on.desc(),
            standard_calibrations::recorded_at.desc(),
        ))
        .load::<StandardCalibration>(conn)?;
    rows.into_iter()
        .map(|c| {
            let files = file_versions(conn, c.id)?;
            calibration_view(conn, c, files)
        })
        .collect()
}

pub fn get_calibration(
    conn: &mut DbConn,
    standard: StandardId,
    id: StandardCalibrationId,
) -> AppResult<CalibrationView> {
    let c = find_calibration(conn, standard, id)?;
    let files = file_versions(conn, c.id)?;
    calibration_view(conn, c, files)
}

/// Whether `target` is `start` or above it in any chain, over all calibrations ever recorded.
fn is_upstream_of(conn: &mut DbConn, target: StandardId, start: StandardId) -> AppResult<bool> {
    #[derive(QueryableByName)]
    struct Hit {
        #[diesel(sql_type = Integer)]
        hits: i32,
    }
    let hit = diesel::sql_query(
        "WITH RECURSIVE up(id) AS ( \
             SELECT CAST($1 AS TEXT) \
             UNION \
             SELECT c.issuer_standard_id FROM standard_calibrations c JOIN up ON c.standard_id = up.id \
             WHERE c.issuer_standard_id IS NOT NULL) \
         SELECT CAST(COUNT(*) AS INTEGER) AS hits FROM up WHERE id = $2",
    )
    .bind::<Text, _>(start)
    .bind::<Text, _>(target)
    .get_result::<Hit>(conn)?;
    Ok(hit.hits > 0)
}

/// The calibrated points of a certificate: a non-negative U, a positive k, a unit.
fn check_results(results: &[CalibrationPoint], errors: &mut Vec<FieldError>) {
    for (i, p) in results.iter().enumerate() {
        if p.expanded_uncertainty.value() < 0.0 {
            errors.push(FieldError::new(
                format!("results[{i}].expanded_uncertainty"),
                "must not be negative",
            ));
        }
        if !(p.coverage_factor.is_finite() && p.coverage_factor > 0.0) {
            errors.push(FieldError::new(
                format!("results[{i}].coverage_factor"),
                "must be greater than 0",
            ));
        }
        if p.unit.trim().is_empty() {
            errors.push(FieldError::new(
                format!("results[{i}].unit"),
                "must not be empty",
            ));
        }
    }
}

/// Records an incoming calibration. Always allowed for the standard itself, overdue or not: the
/// lock-out must not block the calibration that lifts it. An internal issuer must be fit for use
/// on the calibration date, and may not be the standard itself or anything calibrated from it.
pub fn record_calibration(
    conn: &mut DbConn,
    ctx: &Ctx,
    standard_id: StandardId,
    input: RecordCalibration,
) -> AppResult<CalibrationView> {
    let standard = find(conn, standard_id)?;
    let mut errors = Vec::new();
    let certificate_number =
        required_text("certificate_number", &input.certificate_number, &mut errors);
    if input.calibrated_on > ctx.today() {
        errors.push(FieldError::new(
            "calibrated_on",
            "must not be in the future",
        ));
    }
    if input.results.is_empty() {
        errors.push(FieldError::new(
            "results",
            "give at least one calibrated point",
        ));
    }
    check_results(&input.results, &mut errors);
    let due_override_reason = optional_text(input.due_override_reason);
    let due_on = match input.due_on {
        Some(due) => {
            if due_override_reason.is_none() {
                errors.push(FieldError::new(
                    "due_override_reason",
                    "say why the due date differs from the interval",
                ));
            }
            if due <= input.calibrated_on {
                errors.push(FieldError::new("due_on", "must be after calibrated_on"));
            }
            due
        }
        None => default_due(
            input.calibrated_on,
            standard.calibration_interval_months.max(1) as u32,
        ),
    };
    let issuer = match &input.issuer_standard_id {
        Some(key) => match key.resolve(conn)? {
            Ok(id) => Some(id),
            Err(reason) => {
                errors.push(FieldError::new("issuer_standard_id", reason));
                return Err(AppError::Validation(errors));
            }
        },
        None => None,
    };
    match (input.external_body_id, issuer) {
        (Some(_), Some(_)) | (None, None) => errors.push(FieldError::new(
            "external_body_id",
            "give exactly one of external_body_id and issuer_standard_id",
        )),
        (Some(body), None) => {
            if external_bodies::table
                .find(body)
                .count()
                .get_result::<i64>(conn)?
                == 0
            {
                errors.push(FieldError::new("external_body_id", "no such external body"));
            }
        }
        (None, Some(issuer)) => {
            if issuer == standard_id {
                errors.push(FieldError::new(
                    "issuer_standard_id",
                    "a standard cannot calibrate itself",
                ));
            } else if standards::table
                .find(issuer)
                .count()
                .get_result::<i64>(conn)?
                == 0
            {
                errors.push(FieldError::new("issuer_standard_id", "no such standard"));
            } else if is_upstream_of(conn, standard_id, issuer)? {
                errors.push(FieldError::new(
                    "issuer_standard_id",
                    "this standard is already in the issuer's own traceability chain: that would be a cycle",
                ));
            } else if errors.is_empty() {
                if let Err(reason) = check_fit(conn, issuer, input.calibrated_on)? {
                    errors.push(FieldError::new("issuer_standard_id", reason));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let calibration = StandardCalibration {
        id: StandardCalibrationId::new(),
        standard_id,
        calibrated_on: input.calibrated_on,
        certificate_number,
        external_body_id: input.external_body_id,
        issuer_standard_id: issuer,
        results: serde_json::to_string(&input.results).map_err(AppError::internal)?,
        as_found: input.as_found,
        adjusted: i32::from(input.adjusted),
        due_on,
        due_override_reason,
        recorded_by: ctx.user_id,
        recorded_at: ctx.now(),
    };
    write_tx(conn, |conn| {
        // Re-checked inside the transaction: a concurrent record could have closed a cycle.
        if let Some(issuer) = calibration.issuer_standard_id {
            if is_upstream_of(conn, standard_id, issuer)? {
                return Err(AppError::field(
                    "issuer_standard_id",
                    "this would make a cycle",
                ));
            }
        }
        diesel::insert_into(standard_calibrations::table)
            .values(&calibration)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "record_calibration",
                entity_type: "standard",
                entity_id: Some(standard_id.to_string()),
                after: audit_trail::snapshot(&calibration),
                ..Default::default()
            },
        )?;
        // Found out of tolerance: nonconforming work with everything it supported (§7.10).
        if calibration.as_found == AsFound::OutOfTolerance {
            crate::services::nonconformities::raise_for_out_of_tolerance(
                conn,
                ctx,
                standard_id,
                calibration.id,
                calibration.calibrated_on,
                &calibration.certificate_number,
            )?;
        }
        Ok(())
    })?;
    calibration_view(conn, calibration, Vec::new())
}

/// Stores the issuer's certificate file; a new upload is a new version and the old ones stay.
pub fn upload_certificate(
    conn: &mut DbConn,
    ctx: &Ctx,
    standard: StandardId,
    calibration: StandardCalibrationId,
    filename: &str,
    content_type: &str,
    content: Vec<u8>,
) -> AppResult<FileVersion> {
    if content.is_empty() {
        return Err(AppError::field("body", "the file is empty"));
    }
    if content.len() > MAX_FILE_BYTES {
        return Err(AppError::PayloadTooLarge(MAX_FILE_BYTES));
    }
    let filename = crate::services::plain_file_name(filename)?;
    crate::services::check_declared_pdf(content_type, filename, &content)?;
    write_tx(conn, |conn| {
        find_calibration(conn, standard, calibration)?;
        let last: Option<i32> = standard_calibration_files::table
            .filter(standard_calibration_files::calibration_id.eq(calibration))
            .select(diesel::dsl::max(standard_calibration_files::version))
            .first(conn)?;
        let file = CalibrationFile {
            id: FileId::new(),
            calibration_id: calibration,
            version: last.unwrap_or(0) + 1,
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            sha256: hex::encode(Sha256::digest(&content)),
            size_bytes: content.len() as i64,
            content,
            uploaded_by: ctx.user_id,
            uploaded_at: ctx.now(),
        };
        diesel::insert_into(standard_calibration_files::table)
            .values(&file)
            .execute(conn)?;
        let version = FileVersion {
            id: file.id,
            version: file.version,
            filename: file.filename,
            content_type: file.content_type,
            sha256: file.sha256,
            size_bytes: file.size_bytes,
            uploaded_by: file.uploaded_by,
            uploaded_at: file.uploaded_at,
        };
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "upload_certificate",
                entity_type: "standard_calibration",
                entity_id: Some(calibration.to_string()),
                after: audit_trail::snapshot(&version),
                ..Default::default()
            },
        )?;
        Ok(version)
    })
}

/// A certificate file: the latest version, or the one asked for.
pub fn download_certificate(
    conn: &mut DbConn,
    standard: StandardId,
    calibration: StandardCalibrationId,
    version: Option<i32>,
) -> AppResult<CalibrationFile> {
    find_calibration(conn, standard, calibration)?;
    let mut query = standard_calibration_files::table
        .filter(standard_calibration_files::calibration_id.eq(calibration))
        .into_boxed();
    if let Some(v) = version {
        query = query.filter(standard_calibration_files::version.eq(v));
    }
    query
        .order(standard_calibration_files::version.desc())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("certificate file"))
}
