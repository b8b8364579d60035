//! Procedures for mass, temperature and pressure, and calibrations in every workflow state: approved
//! with a certificate that was then amended, approved and amended with a certificate that was then
//! revoked, a draft, one awaiting review and one returned to its technician.

use chrono::Duration;
use diesel::prelude::*;

use super::standards::d;
use super::DEMO_PASSWORD;
use crate::db::schema::standards as standards_table;
use crate::db::{CustomerId, DbConn, ProcedureId, StandardId};
use crate::domain::calibration::{
    BudgetTemplate, EnvironmentLimits, InputSource, Limit, PointTemplate, ProcedureTemplate,
    ReferencePoints, TemplateInput,
};
use crate::domain::intake::{DecisionRuleKind, Service, ToleranceBand};
use crate::error::AppResult;
use crate::services::calibrations::{
    self, Amendment, Environment, EnvironmentReading, PointInput, RecordInput,
};
use crate::services::certificates::{self, AmendRequest, IssueRequest, IssueSettings};
use crate::services::instruments::CreateInstrument;
use crate::services::procedures::{self, CreateProcedure};
use crate::services::work_orders::{self, CreateWorkOrder, NewItem, WorkOrderView};
use crate::services::Ctx;

pub(super) fn seed_calibrations(
    conn: &mut DbConn,
    qm: &Ctx,
    technician: &Ctx,
    signatory: &Ctx,
    customer: CustomerId,
    settings: &IssueSettings,
) -> AppResult<()> {
    let procedures = approved_procedures(conn, qm)?;
    let order = calibration_order(conn, technician, customer)?;
    let demo = Demo {
        qm,
        technician,
        signatory,
        order: &order,
        procedures,
        standards: [
            standard_of(conn, "M-WS-01")?,
            standard_of(conn, "T-REF-01")?,
            standard_of(conn, "P-REF-01")?,
        ],
        room_monitor: standard_of(conn, "E-TH-01")?,
    };
    approved_and_certified(conn, &demo, settings)?;
    in_progress(conn, &demo)
}

fn standard_of(conn: &mut DbConn, asset: &str) -> AppResult<StandardId> {
    Ok(standards_table::table
        .filter(standards_table::asset_id.eq(asset))
        .select(standards_table::id)
        .first(conn)?)
}

/// One procedure per quantity (mass, temperature, pressure), approved.
fn approved_procedures(conn: &mut DbConn, qm: &Ctx) -> AppResult<[ProcedureId; 3]> {
    let today = qm.today();
    let input = |name: &str, source| TemplateInput {
        name: name.into(),
        source,
        sensitivity: None,
        estimate: None,
        uncertainty: None,
    };
    let limits = |t: (f64, f64)| EnvironmentLimits {
        temperature: Some(Limit {
            min: t.0,
            max: t.1,
            unit: "°C".into(),
        }),
        humidity: Some(Limit {
            min: 30.0,
            max: 75.0,
            unit: "%RH".into(),
        }),
        pressure: None,
    };
    let mut ids = Vec::new();
    // Weights are used at their certificate's nominal values; the PRT and the pressure standard
    // between their certificate's points, with the interpolation component the procedure states.
    for (code, title, quantity, nominal, unit, temperature, interpolation) in [
        (
            "QT-KL-01",
            "Hiệu chuẩn cân không tự động / Calibration of non-automatic weighing instruments",
            "mass",
            "100",
            "g",
            (18.0, 24.0),
            None,
        ),
        (
            "QT-ND-01",
            "Hiệu chuẩn nhiệt kế chỉ thị số / Calibration of digital thermometers",
            "temperature",
            "50.00",
            "°C",
            (15.0, 30.0),
            Some(0.0002),
        ),
        (
            "QT-AS-01",
            "Hiệu chuẩn áp kế kiểu lò xo / Calibration of Bourdon-tube pressure gauges",
            "pressure",
            "1000.0",
            "kPa",
            (15.0, 30.0),
            Some(0.0001),
        ),
    ] {
        let draft = procedures::create(
            conn,
            qm,
            CreateProcedure {
                code: code.into(),
                title: title.into(),
                quantity: quantity.into(),
                effective_on: today - Duration::days(180),
                template: ProcedureTemplate {
                    points: vec![PointTemplate {
                        nominal: d(nominal)?,
                        unit: unit.into(),
                    }],
                    environment: limits(temperature),
                    budget: BudgetTemplate {
                        model: Some("indication - reference + resolution".into()),
                        inputs: vec![
                            input("indication", InputSource::Readings),
                            input("reference", InputSource::Reference),
                            input("resolution", InputSource::Resolution),
                        ],
                    },
                    min_readings: 3,
                    reference_points: ReferencePoints {
                        interpolation_relative_u: interpolation,
                        extrapolate: false,
                    },
                },
            },
        )?;
        ids.push(
            procedures::approve(conn, qm, draft.procedure.id, Some(draft.procedure.version))?
                .procedure
                .id,
        );
    }
    Ok([ids[0], ids[1], ids[2]])
}

/// The work order whose five items the calibrations are made on.
fn calibration_order(
    conn: &mut DbConn,
    technician: &Ctx,
    customer: CustomerId,
) -> AppResult<WorkOrderView> {
    let today = technician.today();
    let new = |description: &str,
               serial: &str,
               quantity: &str,
               unit: &str,
               resolution: &str,
               mpe: f64| NewItem {
        instrument_id: None,
        new_instrument: Some(CreateInstrument {
            customer_id: None,
            description: description.into(),
            manufacturer: Some("Demo".into()),
            model: None,
            serial_number: Some(serial.into()),
            asset_tag: None,
            quantity: Some(quantity.into()),
            range_min: None,
            range_max: None,
            unit: Some(unit.into()),
            resolution: Some(resolution.into()),
            tolerance: vec![ToleranceBand {
                range_min: None,
                range_max: None,
                mpe_absolute: Some(mpe),
                mpe_relative: None,
            }],
            recalibration_interval_months: Some(12),
            last_calibrated_on: None,
            internal_notes: None,
        }),
        service: Service::Calibration,
        requested_points: None,
        decision_rule: DecisionRuleKind::Simple,
        guard_band: None,
        due_date_on_certificate: false,
        condition: Default::default(),
        accessories: None,
    };
    work_orders::create(
        conn,
        technician,
        CreateWorkOrder {
            customer_id: customer,
            received_at: None,
            delivered_by: Some("Nguyễn Thị Hương".into()),
            promised_on: Some(today + Duration::days(7)),
            contract_review_note: None,
            notes: Some("Hiệu chuẩn định kỳ / periodic calibration".into()),
            service_request_id: None,
            items: vec![
                new(
                    "Cân kỹ thuật / Precision balance 2200 g",
                    "DM-KL-001",
                    "mass",
                    "g",
                    "0.001",
                    0.01,
                ),
                new(
                    "Cân kỹ thuật / Precision balance 2200 g",
                    "DM-KL-002",
                    "mass",
                    "g",
                    "0.001",
                    0.01,
                ),
                new(
                    "Cân kỹ thuật / Precision balance 2200 g",
                    "DM-KL-003",
                    "mass",
                    "g",
                    "0.001",
                    0.01,
                ),
                new(
                    "Nhiệt kế chỉ thị số / Digital thermometer",
                    "DM-ND-001",
                    "temperature",
                    "°C",
                    "0.1",
                    0.3,
                ),
                new(
                    "Áp kế / Pressure gauge 0–1.6 MPa",
                    "DM-AS-001",
                    "pressure",
                    "kPa",
                    "1",
                    16.0,
                ),
            ],
        },
    )
}

/// Who does what, on which items, with which procedures and standards.
struct Demo<'a> {
    qm: &'a Ctx,
    technician: &'a Ctx,
    signatory: &'a Ctx,
    order: &'a WorkOrderView,
    /// Mass, temperature, pressure.
    procedures: [ProcedureId; 3],
    /// Mass, temperature, pressure.
    standards: [StandardId; 3],
    /// The rooms' thermohygrometer.
    room_monitor: StandardId,
}

/// The room as the thermohygrometer read it.
fn environment(t: &str, monitor: StandardId) -> AppResult<Environment> {
    Ok(Environment {
        temperature: Some(EnvironmentReading {
            value: d(t)?,
            unit: "°C".into(),
            measured_with: Some(monitor.into()),
        }),
        humidity: Some(EnvironmentReading {
            value: d("56")?,
            unit: "%RH".into(),
            measured_with: Some(monitor.into()),
        }),
        pressure: None,
    })
}

/// One point measured on the order's `n`th item, in the lab, three hours ago.
struct Point<'a> {
    nominal: &'a str,
    unit: &'a str,
    reference: &'a str,
    readings: &'a [&'a str],
}

fn record(demo: &Demo<'_>, n: usize, quantity: usize, p: Point<'_>) -> AppResult<RecordInput> {
    let now = demo.qm.clock.now();
    Ok(RecordInput {
        item_id: demo.order.items[n].id,
        procedure_id: demo.procedures[quantity],
        started_at: now - Duration::hours(3),
        ended_at: Some(now - Duration::hours(2)),
        location: "Trung tâm / In the lab".into(),
        environment: environment("21.4", demo.room_monitor)?,
        points: vec![PointInput {
            nominal: d(p.nominal)?,
            unit: p.unit.into(),
            reference_value: d(p.reference)?,
            readings: p.readings.iter().map(|r| d(r)).collect::<AppResult<_>>()?,
            as_found: None,
            as_left: None,
            standards: vec![demo.standards[quantity].into()],
        }],
        notes: None,
    })
}

/// A 1 kg point on one of the three balances.
fn balance(demo: &Demo<'_>, n: usize) -> AppResult<RecordInput> {
    record(
        demo,
        n,
        0,
        Point {
            nominal: "1000",
            unit: "g",
            reference: "1000.0011",
            readings: &["1000.003", "1000.004", "1000.003", "1000.004", "1000.003"],
        },
    )
}

/// Submits a record and has the signatory approve it.
fn submit_and_approve(
    conn: &mut DbConn,
    demo: &Demo<'_>,
    record: calibrations::RecordView,
) -> AppResult<calibrations::RecordView> {
    let submitted = calibrations::submit(conn, demo.technician, record.id, Some(record.version))?;
    calibrations::approve(
        conn,
        demo.signatory,
        submitted.id,
        Some(submitted.version),
        DEMO_PASSWORD,
    )
}

/// Two balances approved; the second amended and approved again. The first one's certificate is
/// amended (one valid, one superseded), the second one's revoked.
fn approved_and_certified(
    conn: &mut DbConn,
    demo: &Demo<'_>,
    settings: &IssueSettings,
) -> AppResult<()> {
    let (technician, signatory) = (demo.technician, demo.signatory);
    let approved = calibrations::create(conn, technician, balance(demo, 0)?, false)?;
    let approved = submit_and_approve(conn, demo, approved)?;
    let amended = calibrations::create(conn, technician, balance(demo, 1)?, false)?;
    let amended = submit_and_approve(conn, demo, amended)?;
    let mut corrected = balance(demo, 1)?;
    corrected.notes = Some("Hiệu chỉnh giá trị chuẩn theo giấy chứng nhận mới / reference value corrected from the new certificate".into());
    corrected.points[0].reference_value = d("1000.0012")?;
    let amended = calibrations::amend(
        conn,
        technician,
        amended.id,
        Some(amended.version),
        Amendment {
            reason: "Giá trị chuẩn nhập sai / reference value mistyped".into(),
            record: corrected,
        },
        false,
    )?;
    let amended = submit_and_approve(conn, demo, amended)?;
    let sign = || IssueRequest {
        password: DEMO_PASSWORD.into(),
    };
    let (first, _) = certificates::issue(conn, signatory, approved.id, sign(), settings)?;
    certificates::amend(
        conn,
        signatory,
        first.certificate.id,
        Some(first.certificate.version),
        AmendRequest {
            reason: "Địa chỉ khách hàng ghi sai / customer address corrected".into(),
            password: DEMO_PASSWORD.into(),
        },
        settings,
    )?;
    let (second, _) = certificates::issue(conn, signatory, amended.id, sign(), settings)?;
    certificates::revoke(
        conn,
        signatory,
        second.certificate.id,
        Some(second.certificate.version),
        "Thiết bị bị hư hỏng khi vận chuyển trả lại, kết quả không còn giá trị / item damaged on the way back, results withdrawn",
    )?;
    // The first balance went back with its certificate; the second is ready to go back.
    use crate::domain::intake::ItemStatus::{ReadyForReturn, Returned};
    let order = work_orders::get(conn, technician, demo.order.id)?;
    super::intake::walk(
        conn,
        technician,
        signatory,
        &order,
        0,
        &[ReadyForReturn, Returned],
    )?;
    super::intake::walk(conn, technician, signatory, &order, 1, &[ReadyForReturn])?;
    Ok(())
}

/// A draft, a thermometer awaiting review and a pressure gauge returned to its technician.
fn in_progress(conn: &mut DbConn, demo: &Demo<'_>) -> AppResult<()> {
    let technician = demo.technician;
    calibrations::create(conn, technician, balance(demo, 2)?, false)?;
    let thermometer = record(
        demo,
        3,
        1,
        Point {
            nominal: "50.00",
            unit: "°C",
            reference: "50.004",
            readings: &["50.0", "50.1", "50.0"],
        },
    )?;
    let thermometer = calibrations::create(conn, technician, thermometer, false)?;
    calibrations::submit(conn, technician, thermometer.id, Some(thermometer.version))?;
    let gauge = record(
        demo,
        4,
        2,
        Point {
            nominal: "1000.0",
            unit: "kPa",
            reference: "1000.2",
            readings: &["1001", "1002", "1001"],
        },
    )?;
    let gauge = calibrations::create(conn, technician, gauge, false)?;
    let gauge = calibrations::submit(conn, technician, gauge.id, Some(gauge.version))?;
    calibrations::return_record(
        conn,
        demo.signatory,
        gauge.id,
        Some(gauge.version),
        "Ghi rõ hướng tăng/giảm áp / state rising or falling pressure",
    )?;
    Ok(())
}
