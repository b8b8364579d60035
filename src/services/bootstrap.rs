//! First start and demo data. On an empty database: the laboratory's settings row and a first admin;
//! with `--demo`, a believable small lab a newcomer can click through.

use diesel::prelude::*;
use rand::distr::{Alphanumeric, SampleString};

use super::customers::{self, Contact, CreateCustomer};
use super::lab::{self, UpdateLab};
use super::users::{self, CreateUser};
use super::Ctx;
use crate::db::schema::{customers as customers_table, users as users_table};
use crate::db::DbConn;
use crate::domain::{CertificateLanguage, Role};
use crate::error::AppResult;

/// The password every demo account shares. Demo data is for trying calab, never for production.
pub const DEMO_PASSWORD: &str = "calab-demo-2026";
pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.calab.vn";

/// A first admin, so somebody can sign in. Returns the generated password when none was given, for
/// the caller to print once.
pub fn ensure_admin(
    conn: &mut DbConn,
    email: &str,
    password: Option<&str>,
) -> AppResult<Option<String>> {
    lab::ensure_exists(conn)?;
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
        &Ctx::system(),
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
pub fn seed_demo(conn: &mut DbConn) -> AppResult<Vec<DemoAccount>> {
    lab::ensure_exists(conn)?;
    if customers_table::table.count().get_result::<i64>(conn)? > 0 {
        return Ok(Vec::new());
    }
    let ctx = Ctx::system();
    let version = lab::get(conn)?.version;
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
            Some(dong_a.id),
        ),
        (
            Role::Customer,
            "customer@mekongpharma.vn",
            "Trần Văn Bình",
            Some(mekong.id),
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
    Ok(accounts)
}
