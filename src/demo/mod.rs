//! The demo laboratory: `calab serve --demo` fills an empty database with a believable small lab
//! a newcomer can click through (staff and customer accounts, standards with their traceability,
//! instruments in every state of the workflow, calibrations and certificates, and a year of
//! quality records). Everything is made through the same use cases as real data, so it is audited
//! and valid like real data.

mod calibrations;
mod intake;
mod quality;
mod standards;

use diesel::prelude::*;

use crate::db::schema::{customers as customers_table, users as users_table};
use crate::db::{CustomerId, DbConn, UserId};
use crate::domain::intake::Contact;
use crate::domain::{CertificateLanguage, Role};
use crate::error::AppResult;
use crate::services::certificates::IssueSettings;
use crate::services::customers::{self, CreateCustomer};
use crate::services::lab::{self, UpdateLab};
use crate::services::users::{self, CreateUser};
use crate::services::Ctx;

/// The password every demo account shares. Demo data is for trying calab, never for production.
pub const DEMO_PASSWORD: &str = "calab-demo-2026";
pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.calab.vn";

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
    lab_settings(conn, system)?;
    let (dong_a, mekong) = customers(conn, system)?;
    let accounts = accounts(conn, system, dong_a, mekong)?;
    quality::grant_demo_authorizations(conn, system)?;
    standards::seed_standards(conn, system)?;
    let technician = as_user(conn, system, "tech1@demo.calab.vn")?;
    let signatory = as_user(conn, system, "signatory@demo.calab.vn")?;
    intake::seed_intake(conn, &technician, &signatory, dong_a, mekong)?;
    let qm = as_user(conn, system, "qm@demo.calab.vn")?;
    calibrations::seed_calibrations(conn, &qm, &technician, &signatory, dong_a, settings)?;
    quality::seed_quality(conn, system)?;
    Ok(accounts)
}

/// A demo user acting, by e-mail.
fn as_user(conn: &mut DbConn, system: &Ctx, email: &str) -> AppResult<Ctx> {
    let (id, role) = users_table::table
        .filter(users_table::email.eq(email))
        .select((users_table::id, users_table::role))
        .first::<(UserId, Role)>(conn)?;
    Ok(system.acting(id, role, None))
}

fn lab_settings(conn: &mut DbConn, ctx: &Ctx) -> AppResult<()> {
    let version = lab::get(conn)?.lab.version;
    lab::update(
        conn,
        ctx,
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
    Ok(())
}

/// Two customers: a Vietnamese manufacturer (bilingual certificates) and a pharmaceutical
/// company (English).
fn customers(conn: &mut DbConn, ctx: &Ctx) -> AppResult<(CustomerId, CustomerId)> {
    let dong_a = customers::create(
        conn,
        ctx,
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
        ctx,
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
    Ok((dong_a.customer.id, mekong.customer.id))
}

/// The demo staff and one user at each customer, all with [`DEMO_PASSWORD`].
fn accounts(
    conn: &mut DbConn,
    ctx: &Ctx,
    dong_a: CustomerId,
    mekong: CustomerId,
) -> AppResult<Vec<DemoAccount>> {
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
            Some(dong_a),
        ),
        (
            Role::Customer,
            "customer@mekongpharma.vn",
            "Trần Văn Bình",
            Some(mekong),
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
                ctx,
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
    Ok(accounts)
}
