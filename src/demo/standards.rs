//! The demo lab's measurement standards in three quantities, their calibrations and traceability,
//! and its accreditation scope.

use chrono::NaiveDate;

use crate::db::{DbConn, ExternalBodyId, StandardId};
use crate::domain::traceability::{AsFound, BodyKind, StandardKind};
use crate::domain::Decimal;
use crate::error::AppResult;
use crate::services::cmc::{self, CreateCmc};
use crate::services::external_bodies::{self, CreateExternalBody};
use crate::services::standards::{
    self, CalibrationPoint, CreateStandard, RecordCalibration, RecordCheck,
};
use crate::services::Ctx;

/// The lab's standards in three quantities, their calibrations and the accreditation scope.
pub(super) fn seed_standards(conn: &mut DbConn, ctx: &Ctx) -> AppResult<()> {
    let today = ctx.today();
    let vmi = external_bodies::create(
        conn,
        ctx,
        CreateExternalBody {
            name: "Viện Đo lường Việt Nam (VMI)".into(),
            country: "VN".into(),
            kind: BodyKind::Nmi,
            accreditation_body: None,
            accreditation_number: None,
            accreditation_scope: Some("CIPM MRA, CMCs in the BIPM KCDB".into()),
            accreditation_valid_until: None,
            justification: None,
        },
    )?;
    let accredited = external_bodies::create(
        conn,
        ctx,
        CreateExternalBody {
            name: "Phòng Hiệu chuẩn Nhiệt Ẩm Miền Nam (demo)".into(),
            country: "VN".into(),
            kind: BodyKind::AccreditedLab,
            accreditation_body: Some("BoA".into()),
            accreditation_number: Some("VILAS 1234".into()),
            accreditation_scope: Some("Temperature -40 °C to 420 °C; pressure to 70 MPa".into()),
            accreditation_valid_until: Some(today + chrono::Duration::days(700)),
            justification: None,
        },
    )?;
    mass_standards(conn, ctx, vmi.body.id)?;
    temperature_standards(conn, ctx, accredited.body.id)?;
    pressure_standards(conn, ctx, vmi.body.id, accredited.body.id)?;
    accreditation_scope(conn, ctx)
}

/// Weights: the E2 reference set from the NMI, the F1 working set calibrated against it, and a
/// check weight.
fn mass_standards(conn: &mut DbConn, ctx: &Ctx, vmi: ExternalBodyId) -> AppResult<()> {
    let days_ago = |n: i64| ctx.today() - chrono::Duration::days(n);
    let e2 = standards::create(
        conn,
        ctx,
        standard(
            "M-REF-01",
            "Bộ quả cân chuẩn E2 1 mg – 20 kg / E2 weight set",
            StandardKind::ReferenceStandard,
            "mass",
            "g",
            24,
        ),
    )?;
    record(
        conn,
        ctx,
        e2.standard.id,
        Issued {
            on: days_ago(250),
            certificate: "V06.KL-2026/0412",
            body: Some(vmi),
            issuer: None,
        },
        vec![
            point("1000", "1000.00012", "0.00016", "g")?,
            point("20000", "20000.0021", "0.010", "g")?,
        ],
    )?;
    let f1 = standards::create(
        conn,
        ctx,
        standard(
            "M-WS-01",
            "Bộ quả cân F1 1 mg – 10 kg / F1 working weights",
            StandardKind::WorkingStandard,
            "mass",
            "g",
            12,
        ),
    )?;
    record(
        conn,
        ctx,
        f1.standard.id,
        Issued {
            on: days_ago(200),
            certificate: "HC-NB-2026/017",
            body: None,
            issuer: Some(e2.standard.id),
        },
        vec![
            point("1000", "1000.0011", "0.0016", "g")?,
            point("10000", "10000.012", "0.016", "g")?,
        ],
    )?;
    let check_weight = standards::create(
        conn,
        ctx,
        standard(
            "M-CHK-01",
            "Quả cân kiểm tra 1 kg / 1 kg check weight",
            StandardKind::CheckStandard,
            "mass",
            "g",
            12,
        ),
    )?;
    record(
        conn,
        ctx,
        check_weight.standard.id,
        Issued {
            on: days_ago(190),
            certificate: "HC-NB-2026/021",
            body: None,
            issuer: Some(f1.standard.id),
        },
        vec![point("1000", "1000.0008", "0.0016", "g")?],
    )?;

    Ok(())
}

/// A reference PRT from an accredited lab, the rooms' thermohygrometer, and a working thermometer
/// quarantined after a failed intermediate check.
fn temperature_standards(
    conn: &mut DbConn,
    ctx: &Ctx,
    accredited: ExternalBodyId,
) -> AppResult<()> {
    let days_ago = |n: i64| ctx.today() - chrono::Duration::days(n);
    let sprt = standards::create(
        conn,
        ctx,
        standard(
            "T-REF-01",
            "Nhiệt kế điện trở platin chuẩn / Reference PRT with bridge",
            StandardKind::ReferenceStandard,
            "temperature",
            "°C",
            12,
        ),
    )?;
    record(
        conn,
        ctx,
        sprt.standard.id,
        Issued {
            on: days_ago(120),
            certificate: "NA-2026-0088",
            body: Some(accredited),
            issuer: None,
        },
        vec![
            point("0.010", "0.0102", "0.012", "°C")?,
            point("100.000", "100.004", "0.020", "°C")?,
        ],
    )?;
    // The rooms' thermohygrometer: equipment, not a standard, calibrated for both quantities.
    cmc::create_quantity(
        conn,
        ctx,
        cmc::Quantity {
            code: "temperature_humidity".into(),
            name_en: "Temperature and humidity".into(),
            name_vi: "Nhiệt độ và độ ẩm".into(),
        },
    )?;
    let room = standards::create(
        conn,
        ctx,
        standard(
            "E-TH-01",
            "Nhiệt ẩm kế phòng / Room thermohygrometer",
            StandardKind::Equipment,
            "temperature_humidity",
            "°C",
            12,
        ),
    )?;
    record(
        conn,
        ctx,
        room.standard.id,
        Issued {
            on: days_ago(330),
            certificate: "NA-2026-0107",
            body: Some(accredited),
            issuer: None,
        },
        vec![
            point("20.0", "20.1", "0.2", "°C")?,
            point("50", "51.2", "1.5", "%RH")?,
        ],
    )?;
    let thermo = standards::create(
        conn,
        ctx,
        standard(
            "T-WS-01",
            "Nhiệt kế chỉ thị số / Digital thermometer",
            StandardKind::WorkingStandard,
            "temperature",
            "°C",
            12,
        ),
    )?;
    record(
        conn,
        ctx,
        thermo.standard.id,
        Issued {
            on: days_ago(100),
            certificate: "HC-NB-2026/033",
            body: None,
            issuer: Some(sprt.standard.id),
        },
        vec![point("50.00", "50.03", "0.05", "°C")?],
    )?;
    standards::record_check(
        conn,
        ctx,
        thermo.standard.id,
        RecordCheck {
            checked_on: days_ago(10),
            reference_value: d("37.00")?,
            measured_value: d("37.21")?,
            lower_limit: d("-0.10")?,
            upper_limit: d("0.10")?,
            unit: "°C".into(),
            notes: Some(
                "Kiểm tra tại điểm 37 °C bằng bể ổn nhiệt / checked at 37 °C in a bath".into(),
            ),
        },
    )?;

    Ok(())
}

/// A dead-weight tester, and a working pressure calibrator overdue for calibration.
fn pressure_standards(
    conn: &mut DbConn,
    ctx: &Ctx,
    vmi: ExternalBodyId,
    accredited: ExternalBodyId,
) -> AppResult<()> {
    let days_ago = |n: i64| ctx.today() - chrono::Duration::days(n);
    let dead_weight = standards::create(
        conn,
        ctx,
        standard(
            "P-REF-01",
            "Áp kế piston / Dead-weight tester 0.1–6 MPa",
            StandardKind::ReferenceStandard,
            "pressure",
            "kPa",
            24,
        ),
    )?;
    record(
        conn,
        ctx,
        dead_weight.standard.id,
        Issued {
            on: days_ago(90),
            certificate: "V06.AS-2026/0217",
            body: Some(vmi),
            issuer: None,
        },
        vec![point("1000.0", "1000.05", "0.10", "kPa")?],
    )?;
    let pressure = standards::create(
        conn,
        ctx,
        standard(
            "P-WS-01",
            "Thiết bị hiệu chuẩn áp suất / Pressure calibrator 0–2 MPa",
            StandardKind::WorkingStandard,
            "pressure",
            "kPa",
            12,
        ),
    )?;
    record(
        conn,
        ctx,
        pressure.standard.id,
        Issued {
            on: days_ago(400),
            certificate: "NA-2025-0310",
            body: Some(accredited),
            issuer: None,
        },
        vec![point("1000.0", "1000.4", "0.6", "kPa")?],
    )?;

    Ok(())
}

/// The CMC scope in the three quantities.
fn accreditation_scope(conn: &mut DbConn, ctx: &Ctx) -> AppResult<()> {
    let days_ago = |n: i64| ctx.today() - chrono::Duration::days(n);
    for (quantity, min, max, unit, absolute, relative, method) in [
        (
            "mass",
            0.001,
            20000.0,
            "g",
            Some(0.00005),
            Some(1.6e-6),
            "ĐLVN 2xx: so sánh quả cân / weight comparison",
        ),
        (
            "temperature",
            -40.0,
            250.0,
            "°C",
            Some(0.03),
            None,
            "So sánh trong bể ổn nhiệt / comparison in a bath",
        ),
        (
            "pressure",
            0.0,
            2000.0,
            "kPa",
            Some(0.2),
            Some(2e-4),
            "So sánh trực tiếp / direct comparison",
        ),
    ] {
        cmc::create(
            conn,
            ctx,
            CreateCmc {
                quantity: quantity.into(),
                range_min: min,
                range_max: max,
                unit: unit.into(),
                cmc_absolute: absolute,
                cmc_relative: relative,
                method: Some(method.into()),
                valid_from: days_ago(365),
            },
        )?;
    }
    Ok(())
}

fn standard(
    asset: &str,
    name: &str,
    kind: StandardKind,
    quantity: &str,
    unit: &str,
    months: i32,
) -> CreateStandard {
    CreateStandard {
        asset_id: asset.into(),
        name: name.into(),
        kind,
        manufacturer: None,
        model: None,
        serial_number: None,
        quantity: quantity.into(),
        range_min: None,
        range_max: None,
        unit: unit.into(),
        resolution: None,
        location: Some("Phòng Khối lượng / Mass lab".into()),
        custodian_id: None,
        calibration_interval_months: months,
    }
}

/// A decimal the demo writes as text.
pub(super) fn d(text: &str) -> AppResult<Decimal> {
    Decimal::parse(text).map_err(crate::error::AppError::internal)
}

pub(super) fn point(
    nominal: &str,
    value: &str,
    u: &str,
    unit: &str,
) -> AppResult<CalibrationPoint> {
    Ok(CalibrationPoint {
        nominal: d(nominal)?,
        value: Some(d(value)?),
        correction: None,
        expanded_uncertainty: d(u)?,
        coverage_factor: 2.0,
        unit: unit.into(),
        as_found: None,
        as_left: None,
    })
}

/// Who issued a standard's calibration certificate, and when.
struct Issued<'a> {
    on: NaiveDate,
    certificate: &'a str,
    body: Option<ExternalBodyId>,
    issuer: Option<StandardId>,
}

fn record(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: StandardId,
    issued: Issued<'_>,
    results: Vec<CalibrationPoint>,
) -> AppResult<()> {
    standards::record_calibration(
        conn,
        ctx,
        id,
        RecordCalibration {
            calibrated_on: issued.on,
            certificate_number: issued.certificate.into(),
            external_body_id: issued.body,
            issuer_standard_id: issued.issuer.map(Into::into),
            results,
            as_found: AsFound::InTolerance,
            adjusted: false,
            due_on: None,
            due_override_reason: None,
        },
    )
    .map(|_| ())
}
