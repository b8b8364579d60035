//! First start and demo data. On an empty database: the laboratory's settings row and a first admin;
//! with `--demo`, a believable small lab a newcomer can click through.

use chrono::NaiveDate;
use diesel::prelude::*;
use rand::distr::{Alphanumeric, SampleString};

use super::certificates::{self, AmendRequest, IssueRequest, IssueSettings};
use super::cmc::{self, CreateCmc};
use super::customers::{self, CreateCustomer};
use super::external_bodies::{self, CreateExternalBody};
use super::lab::{self, UpdateLab};
use super::signing;
use super::standards::{self, CalibrationPoint, CreateStandard, RecordCalibration, RecordCheck};
use super::users::{self, CreateUser};
use super::Ctx;
use crate::db::schema::{customers as customers_table, users as users_table};
use crate::db::{CustomerId, DbConn, ExternalBodyId, StandardId};
use crate::domain::intake::Contact;
use crate::domain::traceability::{AsFound, BodyKind, StandardKind};
use crate::domain::Decimal;
use crate::domain::{CertificateLanguage, Role};
use crate::error::AppResult;

/// The password every demo account shares. Demo data is for trying calab, never for production.
pub const DEMO_PASSWORD: &str = "calab-demo-2026";
pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.calab.vn";

/// A first admin, so somebody can sign in. Returns the generated password when none was given, for
/// the caller to print once.
pub fn ensure_admin(
    conn: &mut DbConn,
    ctx: &Ctx,
    email: &str,
    password: Option<&str>,
) -> AppResult<Option<String>> {
    lab::ensure_exists(conn, ctx)?;
    // The certificate signing key exists from the start, so its public half is published before
    // the first certificate.
    crate::db::write_tx(conn, |conn| signing::active_key(conn, ctx).map(|_| ()))?;
    let any_user = users_table::table.count().get_result::<i64>(conn)? > 0;
    if any_user {
        return Ok(None);
    }
    let generated = password
        .is_none()
        .then(|| Alphanumeric.sample_string(&mut rand::rng(), 20));
    let password = password.or(generated.as_deref()).unwrap_or_default();
    users::create(
        conn,
        ctx,
        CreateUser {
            email: email.to_string(),
            name: "Administrator".into(),
            role: Role::Admin,
            password: password.to_string(),
            customer_id: None,
        },
    )?;
    Ok(generated)
}

/// One demo account to print.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub role: Role,
    pub email: String,
    pub name: String,
}

/// Fills an empty lab with demo data; does nothing once any customer exists.
pub fn seed_demo(
    conn: &mut DbConn,
    system: &Ctx,
    settings: &IssueSettings,
) -> AppResult<Vec<DemoAccount>> {
    lab::ensure_exists(conn, system)?;
    // Only into a database that holds nothing but its first admin: demo accounts share a
    // published password and must never appear in a lab's real data.
    let users = users_table::table.count().get_result::<i64>(conn)?;
    if customers_table::table.count().get_result::<i64>(conn)? > 0 || users > 1 {
        return Ok(Vec::new());
    }
    let ctx = system.clone();
    let version = lab::get(conn)?.lab.version;
    lab::update(
        conn,
        &ctx,
        Some(version),
        UpdateLab {
            name_vi: Some("Trung tâm Hiệu chuẩn Đo lường Sông Hồng".into()),
            name_en: Some("Song Hong Metrology and Calibration Centre".into()),
            address_vi: Some(
                "Số 8 đường Hoàng Quốc Việt, phường Nghĩa Đô, Hà Nội, Việt Nam".into(),
            ),
            address_en: Some("8 Hoang Quoc Viet Street, Nghia Do Ward, Hanoi, Viet Nam".into()),
            accreditation_body: Some("BoA (Văn phòng Công nhận Chất lượng)".into()),
            accreditation_number: Some("VILAS 999".into()),
            certificate_number_pattern: Some("HC{YYYY}-{SEQ:05}".into()),
        },
    )?;
    let dong_a = customers::create(
        conn,
        &ctx,
        CreateCustomer {
            name: "Công ty TNHH Cơ khí Chính xác Đông Á".into(),
            address: "Lô B2, Khu công nghiệp Quang Minh, Mê Linh, Hà Nội".into(),
            tax_code: Some("0101234567".into()),
            contacts: vec![Contact {
                name: "Nguyễn Thị Hương".into(),
                email: Some("huong.nt@donga-precision.vn".into()),
                phone: Some("+84 24 3818 0000".into()),
                function: Some("Cán bộ đo lường".into()),
            }],
            preferred_language: CertificateLanguage::Both,
            internal_notes: Some("Khách hàng thân thiết; thanh toán 30 ngày.".into()),
        },
    )?;
    let mekong = customers::create(
        conn,
        &ctx,
        CreateCustomer {
            name: "Mekong Pharma Joint Stock Company".into(),
            address: "12 Tran Hung Dao, Ninh Kieu District, Can Tho, Viet Nam".into(),
            tax_code: Some("1800123456".into()),
            contacts: vec![Contact {
                name: "Trần Văn Bình".into(),
                email: Some("binh.tv@mekongpharma.vn".into()),
                phone: None,
                function: Some("QA manager".into()),
            }],
            preferred_language: CertificateLanguage::En,
            internal_notes: None,
        },
    )?;
    let people = [
        (Role::Admin, DEMO_ADMIN_EMAIL, "Quản trị hệ thống", None),
        (
            Role::QualityManager,
            "qm@demo.calab.vn",
            "Phạm Thu Hà",
            None,
        ),
        (
            Role::Signatory,
            "signatory@demo.calab.vn",
            "Lê Minh Đức",
            None,
        ),
        (
            Role::Technician,
            "tech1@demo.calab.vn",
            "Đỗ Quang Huy",
            None,
        ),
        (Role::Technician, "tech2@demo.calab.vn", "Vũ Thị Lan", None),
        (
            Role::Customer,
            "customer@dongaprecision.vn",
            "Nguyễn Thị Hương",
            Some(dong_a.customer.id),
        ),
        (
            Role::Customer,
            "customer@mekongpharma.vn",
            "Trần Văn Bình",
            Some(mekong.customer.id),
        ),
    ];
    let mut accounts = Vec::new();
    for (role, email, name, customer_id) in people {
        let exists = users_table::table
            .filter(users_table::email.eq(email))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !exists {
            users::create(
                conn,
                &ctx,
                CreateUser {
                    email: email.into(),
                    name: name.into(),
                    role,
                    password: DEMO_PASSWORD.into(),
                    customer_id,
                },
            )?;
        }
        accounts.push(DemoAccount {
            role,
            email: email.into(),
            name: name.into(),
        });
    }
    super::bootstrap_quality::grant_demo_authorizations(conn, &ctx)?;
    seed_standards(conn, &ctx)?;
    let as_user = |conn: &mut DbConn, email: &str| -> AppResult<Ctx> {
        let (id, role) = users_table::table
            .filter(users_table::email.eq(email))
            .select((users_table::id, users_table::role))
            .first::<(crate::db::UserId, Role)>(conn)?;
        Ok(ctx.acting(id, role, None))
    };
    let technician = as_user(conn, "tech1@demo.calab.vn")?;
    let signatory = as_user(conn, "signatory@demo.calab.vn")?;
    seed_intake(
        conn,
        &technician,
        &signatory,
        dong_a.customer.id,
        mekong.customer.id,
    )?;
    let qm = as_user(conn, "qm@demo.calab.vn")?;
    seed_calibrations(
        conn,
        &qm,
        &technician,
        &signatory,
        dong_a.customer.id,
        settings,
    )?;
    super::bootstrap_quality::seed_quality(conn, &ctx)?;
    Ok(accounts)
}

/// The lab's standards in three quantities, their calibrations and the accreditation scope.
fn seed_standards(conn: &mut DbConn, ctx: &Ctx) -> AppResult<()> {
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

/// A reference PRT from an accredited lab, and a working thermometer quarantined after a failed
/// intermediate check.
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
fn d(text: &str) -> AppResult<Decimal> {
    Decimal::parse(text).map_err(crate::error::AppError::internal)
}

fn point(nominal: &str, value: &str, u: &str, unit: &str) -> AppResult<CalibrationPoint> {
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
            issuer_standard_id: issued.issuer,
            results,
            as_found: AsFound::InTolerance,
            adjusted: false,
            due_on: None,
            due_override_reason: None,
        },
    )
    .map(|_| ())
}

/// Two customers' instruments in every state of the workflow, and some due for recall.
fn seed_intake(
    conn: &mut DbConn,
    ctx: &Ctx,
    signatory: &Ctx,
    dong_a: CustomerId,
    mekong: CustomerId,
) -> AppResult<()> {
    use super::instruments::CreateInstrument;
    use super::work_orders::{self, ChangeItemStatus, Condition, CreateWorkOrder, NewItem};
    use crate::domain::intake::{
        ConditionFlag, DecisionRuleKind, ItemStatus, Service, ToleranceBand,
    };

    let today = ctx.today();
    let instrument = |description: &str,
                      manufacturer: &str,
                      serial: &str,
                      quantity: &str,
                      unit: &str,
                      max: f64,
                      mpe: f64| {
        CreateInstrument {
            customer_id: None,
            description: description.into(),
            manufacturer: Some(manufacturer.into()),
            model: None,
            serial_number: Some(serial.into()),
            asset_tag: None,
            quantity: Some(quantity.into()),
            range_min: Some(0.0),
            range_max: Some(max),
            unit: Some(unit.into()),
            resolution: None,
            tolerance: vec![ToleranceBand {
                range_min: None,
                range_max: None,
                mpe_absolute: Some(mpe),
                mpe_relative: None,
            }],
            recalibration_interval_months: Some(12),
            last_calibrated_on: Some(today - chrono::Duration::days(340)),
            internal_notes: None,
        }
    };
    let item =
        |new: CreateInstrument, service, rule, flags: Vec<ConditionFlag>, remarks: &str| NewItem {
            instrument_id: None,
            new_instrument: Some(new),
            service,
            requested_points: Some("5 điểm đều trên dải đo / 5 points over the range".into()),
            decision_rule: rule,
            guard_band: None,
            due_date_on_certificate: true,
            condition: Condition {
                flags,
                remarks: Some(remarks.into()).filter(|r: &String| !r.is_empty()),
            },
            accessories: None,
        };
    // The path each item takes, by its position; the last statuses branch off the main path.
    use ItemStatus::*;
    let paths: [&[ItemStatus]; 10] = [
        &[],
        &[InCalibration],
        &[InCalibration, AwaitingApproval],
        &[InCalibration, AwaitingApproval, Approved],
        &[InCalibration, AwaitingApproval, Approved, CertificateIssued],
        &[
            InCalibration,
            AwaitingApproval,
            Approved,
            CertificateIssued,
            ReadyForReturn,
        ],
        &[
            InCalibration,
            AwaitingApproval,
            Approved,
            CertificateIssued,
            ReadyForReturn,
            Returned,
        ],
        &[InCalibration, OnHold],
        &[Cancelled],
        &[Cancelled, ReadyForReturn, Returned],
    ];
    let orders = [
        (
            dong_a,
            vec![
                item(
                    instrument(
                        "Cân phân tích / Analytical balance",
                        "Sartorius",
                        "SA-0318842",
                        "mass",
                        "g",
                        220.0,
                        0.0005,
                    ),
                    Service::Calibration,
                    DecisionRuleKind::Simple,
                    vec![],
                    "",
                ),
                item(
                    instrument(
                        "Thước cặp điện tử / Digital caliper",
                        "Mitutoyo",
                        "MT-500-196",
                        "length",
                        "mm",
                        150.0,
                        0.02,
                    ),
                    Service::Calibration,
                    DecisionRuleKind::Guarded,
                    vec![],
                    "",
                ),
                item(
                    instrument(
                        "Đồng hồ áp suất / Pressure gauge 0–16 bar",
                        "WIKA",
                        "WK-2131-09",
                        "pressure",
                        "kPa",
                        1600.0,
                        16.0,
                    ),
                    Service::Verification,
                    DecisionRuleKind::Simple,
                    vec![ConditionFlag::Dirty],
                    "Mặt kính bẩn / dirty glass",
                ),
                item(
                    instrument(
                        "Nhiệt kế điện tử / Digital thermometer",
                        "Testo",
                        "TS-735-221",
                        "temperature",
                        "°C",
                        200.0,
                        0.3,
                    ),
                    Service::Calibration,
                    DecisionRuleKind::None,
                    vec![],
                    "",
                ),
                item(
                    instrument(
                        "Panme / Outside micrometer 0–25 mm",
                        "Mitutoyo",
                        "MT-103-137",
                        "length",
                        "mm",
                        25.0,
                        0.002,
                    ),
                    Service::Calibration,
                    DecisionRuleKind::Guarded,
                    vec![],
                    "",
                ),
            ],
        ),
        (
            mekong,
            vec![
                item(
                    instrument(
                        "Cân kỹ thuật / Precision balance",
                        "Ohaus",
                        "OH-PX3202",
                        "mass",
                        "g",
                        3200.0,
                        0.02,
                    ),
                    Service::Calibration,
                    DecisionRuleKind::Simple,
                    vec![],
                    "",
                ),
                item(
                    instrument(
                        "Tủ ấm / Incubator probe",
                        "Memmert",
                        "MM-IN55-07",
                        "temperature",
                        "°C",
                        80.0,
                        0.5,
                    ),
                    Service::Calibration,
                    DecisionRuleKind::Guarded,
                    vec![],
                    "",
                ),
                item(
                    instrument(
                        "Áp kế chuẩn / Test gauge",
                        "Additel",
                        "AD-681-330",
                        "pressure",
                        "kPa",
                        700.0,
                        1.75,
                    ),
                    Service::Calibration,
                    DecisionRuleKind::None,
                    vec![ConditionFlag::Incomplete],
                    "Thiếu đầu nối / adaptor missing",
                ),
                item(
                    instrument(
                        "Bộ quả cân M1 / M1 weights",
                        "Kern",
                        "KN-M1-2210",
                        "mass",
                        "g",
                        1000.0,
                        0.05,
                    ),
                    Service::Verification,
                    DecisionRuleKind::Simple,
                    vec![],
                    "",
                ),
                item(
                    instrument(
                        "Nhiệt ẩm kế / Thermohygrometer",
                        "Vaisala",
                        "VS-HM40-88",
                        "humidity",
                        "%RH",
                        100.0,
                        2.0,
                    ),
                    Service::Calibration,
                    DecisionRuleKind::Simple,
                    vec![ConditionFlag::Damaged],
                    "Vỏ nứt / cracked case",
                ),
            ],
        ),
    ];
    let mut position = 0;
    for (customer, items) in orders {
        let order = work_orders::create(
            conn,
            ctx,
            CreateWorkOrder {
                customer_id: customer,
                received_at: None,
                delivered_by: Some("Nhân viên giao nhận / courier".into()),
                promised_on: Some(today + chrono::Duration::days(10)),
                contract_review_note: Some("Phương pháp, điểm đo và quy tắc quyết định đã thống nhất / methods, points and decision rule agreed".into()),
                notes: None,
                items,
            },
        )?;
        for item in order.items {
            let mut version = item.version;
            for status in paths[position % paths.len()] {
                let reason = matches!(status, OnHold | Cancelled)
                    .then(|| "Chờ khách hàng xác nhận / awaiting the customer".to_string());
                let who = if matches!(status, Approved | CertificateIssued) {
                    signatory
                } else {
                    ctx
                };
                let updated = work_orders::change_item_status(
                    conn,
                    who,
                    order.id,
                    item.id,
                    Some(version),
                    ChangeItemStatus {
                        status: *status,
                        reason,
                    },
                )?;
                version = updated
                    .items
                    .iter()
                    .find(|i| i.id == item.id)
                    .map(|i| i.version)
                    .unwrap_or(version + 1);
            }
            position += 1;
        }
    }
    // Instruments registered but not in the lab, some due for recall.
    for (customer, offset, serial) in [
        (dong_a, 330, "SA-RECALL-1"),
        (dong_a, 400, "SA-RECALL-2"),
        (mekong, 200, "MK-RECALL-1"),
    ] {
        let mut new = instrument(
            "Cân điện tử / Electronic balance",
            "AND",
            serial,
            "mass",
            "g",
            600.0,
            0.01,
        );
        new.customer_id = Some(customer);
        new.last_calibrated_on = Some(today - chrono::Duration::days(offset));
        super::instruments::create(conn, ctx, new)?;
    }
    Ok(())
}

/// Procedures for mass, temperature and pressure, and calibrations in every workflow state, one
/// of them amended after approval.
fn seed_calibrations(
    conn: &mut DbConn,
    qm: &Ctx,
    technician: &Ctx,
    signatory: &Ctx,
    customer: CustomerId,
    settings: &IssueSettings,
) -> AppResult<()> {
    use super::calibrations::{self, Amendment, Condition, Environment, PointInput, RecordInput};
    use super::instruments::CreateInstrument;
    use super::procedures::{self, CreateProcedure};
    use super::work_orders::{self, CreateWorkOrder, NewItem};
    use crate::domain::calibration::{
        BudgetTemplate, EnvironmentLimits, InputSource, Limit, PointTemplate, ProcedureTemplate,
        TemplateInput,
    };
    use crate::domain::intake::{DecisionRuleKind, Service, ToleranceBand};

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
    let mut procedure_ids = Vec::new();
    for (code, title, quantity, nominal, unit, temperature) in [
        (
            "QT-KL-01",
            "Hiệu chuẩn cân không tự động / Calibration of non-automatic weighing instruments",
            "mass",
            "100",
            "g",
            (18.0, 24.0),
        ),
        (
            "QT-ND-01",
            "Hiệu chuẩn nhiệt kế chỉ thị số / Calibration of digital thermometers",
            "temperature",
            "50.00",
            "°C",
            (15.0, 30.0),
        ),
        (
            "QT-AS-01",
            "Hiệu chuẩn áp kế kiểu lò xo / Calibration of Bourdon-tube pressure gauges",
            "pressure",
            "1000.0",
            "kPa",
            (15.0, 30.0),
        ),
    ] {
        let draft = procedures::create(
            conn,
            qm,
            CreateProcedure {
                code: code.into(),
                title: title.into(),
                quantity: quantity.into(),
                effective_on: today - chrono::Duration::days(180),
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
                },
            },
        )?;
        procedure_ids.push(
            procedures::approve(conn, qm, draft.procedure.id, Some(draft.procedure.version))?
                .procedure
                .id,
        );
    }
    let standard_of = |conn: &mut DbConn, asset: &str| -> AppResult<StandardId> {
        Ok(crate::db::schema::standards::table
            .filter(crate::db::schema::standards::asset_id.eq(asset))
            .select(crate::db::schema::standards::id)
            .first(conn)?)
    };
    let mass = standard_of(conn, "M-WS-01")?;
    let temperature = standard_of(conn, "T-REF-01")?;
    let pressure = standard_of(conn, "P-REF-01")?;
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
    let order = work_orders::create(
        conn,
        technician,
        CreateWorkOrder {
            customer_id: customer,
            received_at: None,
            delivered_by: Some("Nguyễn Thị Hương".into()),
            promised_on: Some(today + chrono::Duration::days(7)),
            contract_review_note: None,
            notes: Some("Hiệu chuẩn định kỳ / periodic calibration".into()),
            items: vec![
                new(
                    "Cân kỹ thuật / Precision balance 200 g",
                    "DM-KL-001",
                    "mass",
                    "g",
                    "0.001",
                    0.01,
                ),
                new(
                    "Cân kỹ thuật / Precision balance 200 g",
                    "DM-KL-002",
                    "mass",
                    "g",
                    "0.001",
                    0.01,
                ),
                new(
                    "Cân kỹ thuật / Precision balance 200 g",
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
    )?;
    let environment = |t: &str| -> AppResult<Environment> {
        Ok(Environment {
            temperature: Some(Condition {
                value: d(t)?,
                unit: "°C".into(),
                measured_with: None,
            }),
            humidity: Some(Condition {
                value: d("56")?,
                unit: "%RH".into(),
                measured_with: None,
            }),
            pressure: None,
        })
    };
    let record = |n: usize,
                  procedure,
                  standard,
                  nominal: &str,
                  unit: &str,
                  reference: &str,
                  readings: &[&str]|
     -> AppResult<RecordInput> {
        Ok(RecordInput {
            item_id: order.items[n].id,
            procedure_id: procedure,
            started_at: qm.clock.now() - chrono::Duration::hours(3),
            ended_at: Some(qm.clock.now() - chrono::Duration::hours(2)),
            location: "Trung tâm / In the lab".into(),
            environment: environment("21.4")?,
            points: vec![PointInput {
                nominal: d(nominal)?,
                unit: unit.into(),
                reference_value: d(reference)?,
                readings: readings.iter().map(|r| d(r)).collect::<AppResult<_>>()?,
                as_found: None,
                as_left: None,
                standards: vec![standard],
            }],
            notes: None,
        })
    };
    let balance = |n: usize| {
        record(
            n,
            procedure_ids[0],
            mass,
            "1000",
            "g",
            "1000.0011",
            &["1000.003", "1000.004", "1000.003", "1000.004", "1000.003"],
        )
    };
    // Approved.
    let approved = calibrations::create(conn, technician, balance(0)?, false)?;
    let approved = calibrations::submit(conn, technician, approved.id, Some(approved.version))?;
    let approved = calibrations::approve(
        conn,
        signatory,
        approved.id,
        Some(approved.version),
        DEMO_PASSWORD,
    )?;
    // Approved, then amended and approved again.
    let amended = calibrations::create(conn, technician, balance(1)?, false)?;
    let amended = calibrations::submit(conn, technician, amended.id, Some(amended.version))?;
    let amended = calibrations::approve(
        conn,
        signatory,
        amended.id,
        Some(amended.version),
        DEMO_PASSWORD,
    )?;
    let mut corrected = balance(1)?;
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
    let amended = calibrations::submit(conn, technician, amended.id, Some(amended.version))?;
    let amended = calibrations::approve(
        conn,
        signatory,
        amended.id,
        Some(amended.version),
        DEMO_PASSWORD,
    )?;
    // Certificates: the first amended (so one valid, one superseded), the second revoked.
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
    // A draft.
    calibrations::create(conn, technician, balance(2)?, false)?;
    // Submitted, awaiting review.
    let thermometer = calibrations::create(
        conn,
        technician,
        record(
            3,
            procedure_ids[1],
            temperature,
            "50.00",
            "°C",
            "50.004",
            &["50.0", "50.1", "50.0"],
        )?,
        false,
    )?;
    calibrations::submit(conn, technician, thermometer.id, Some(thermometer.version))?;
    // Returned to the technician.
    let gauge = calibrations::create(
        conn,
        technician,
        record(
            4,
            procedure_ids[2],
            pressure,
            "1000.0",
            "kPa",
            "1000.2",
            &["1001", "1002", "1001"],
        )?,
        false,
    )?;
    let gauge = calibrations::submit(conn, technician, gauge.id, Some(gauge.version))?;
    calibrations::return_record(
        conn,
        signatory,
        gauge.id,
        Some(gauge.version),
        "Ghi rõ hướng tăng/giảm áp / state rising or falling pressure",
    )?;
    Ok(())
}
