//! The laboratory's own identity and settings (ISO/IEC 17025 §7.8.2.1: the lab's name and address
//! on every certificate; the accreditation it holds; how certificates are numbered).

use diesel::prelude::*;

use super::{change_versioned, required_text, Ctx};
use crate::db::models::{Laboratory, LaboratoryChanges, NewLaboratory};
use crate::db::schema::laboratory;
use crate::db::{write_tx, DbConn};
use crate::domain::certificate_number::validate_pattern;
use crate::error::{AppError, AppResult, FieldError};

pub const MAX_LOGO_BYTES: usize = 512 * 1024;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LabView {
    #[serde(flatten)]
    pub lab: Laboratory,
    pub has_logo: bool,
}

impl From<Laboratory> for LabView {
    fn from(lab: Laboratory) -> Self {
        LabView {
            has_logo: lab.logo.is_some(),
            lab,
        }
    }
}

/// A partial update; an empty accreditation field clears it.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLab {
    pub name_vi: Option<String>,
    pub name_en: Option<String>,
    pub address_vi: Option<String>,
    pub address_en: Option<String>,
    pub accreditation_body: Option<String>,
    pub accreditation_number: Option<String>,
    pub certificate_number_pattern: Option<String>,
}

/// Creates the settings row on first start, with placeholders the admin is expected to replace.
pub fn ensure_exists(conn: &mut DbConn, ctx: &Ctx) -> AppResult<()> {
    write_tx(conn, |conn| {
        if laboratory::table.count().get_result::<i64>(conn)? > 0 {
            return Ok(());
        }
        diesel::insert_into(laboratory::table)
            .values(NewLaboratory {
                id: 1,
                name_vi: "Phòng thí nghiệm hiệu chuẩn",
                name_en: "Calibration laboratory",
                address_vi: "(chưa khai báo)",
                address_en: "(not set)",
                accreditation_body: None,
                accreditation_number: None,
                certificate_number_pattern: "{YYYY}-{SEQ:06}",
                version: 1,
                updated_at: ctx.now(),
            })
            .execute(conn)?;
        Ok(())
    })
}

pub fn load(conn: &mut DbConn) -> AppResult<Laboratory> {
    laboratory::table
        .find(1)
        .first::<Laboratory>(conn)
        .optional()?
        .ok_or(AppError::NotFound("laboratory"))
}

/// The lab's name in Vietnamese and English and whether it has a logo: what every page shows.
pub fn identity(conn: &mut DbConn) -> AppResult<(String, String, bool)> {
    Ok(laboratory::table
        .find(1)
        .select((
            laboratory::name_vi,
            laboratory::name_en,
            laboratory::logo_content_type.is_not_null(),
        ))
        .first(conn)?)
}

pub fn get(conn: &mut DbConn) -> AppResult<LabView> {
    load(conn).map(LabView::from)
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    expected_version: Option<i32>,
    input: UpdateLab,
) -> AppResult<LabView> {
    let mut errors: Vec<FieldError> = Vec::new();
    let changes = LaboratoryChanges {
        name_vi: input
            .name_vi
            .as_deref()
            .map(|v| required_text("name_vi", v, &mut errors)),
        name_en: input
            .name_en
            .as_deref()
            .map(|v| required_text("name_en", v, &mut errors)),
        address_vi: input
            .address_vi
            .as_deref()
            .map(|v| required_text("address_vi", v, &mut errors)),
        address_en: input
            .address_en
            .as_deref()
            .map(|v| required_text("address_en", v, &mut errors)),
        accreditation_body: input
            .accreditation_body
            .map(|v| Some(v.trim().to_string()).filter(|v| !v.is_empty())),
        accreditation_number: input
            .accreditation_number
            .map(|v| Some(v.trim().to_string()).filter(|v| !v.is_empty())),
        certificate_number_pattern: input
            .certificate_number_pattern
            .map(|p| p.trim().to_string()),
        ..Default::default()
    };
    if let Some(pattern) = &changes.certificate_number_pattern {
        if let Err(message) = validate_pattern(pattern) {
            errors.push(FieldError::new("certificate_number_pattern", message));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    apply(conn, ctx, expected_version, "update", changes).map(LabView::from)
}

/// Replaces the logo printed on certificates (PNG or JPEG).
pub fn set_logo(
    conn: &mut DbConn,
    ctx: &Ctx,
    expected_version: Option<i32>,
    bytes: Vec<u8>,
) -> AppResult<LabView> {
    let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else {
        return Err(AppError::UnsupportedMediaType(
            "the logo must be a PNG or JPEG image",
        ));
    };
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(AppError::PayloadTooLarge(MAX_LOGO_BYTES));
    }
    let changes = LaboratoryChanges {
        logo: Some(Some(bytes)),
        logo_content_type: Some(Some(content_type.to_string())),
        ..Default::default()
    };
    apply(conn, ctx, expected_version, "set_logo", changes).map(LabView::from)
}

fn apply(
    conn: &mut DbConn,
    ctx: &Ctx,
    expected_version: Option<i32>,
    action: &str,
    changes: LaboratoryChanges,
) -> AppResult<Laboratory> {
    write_tx(conn, |conn| {
        let before = load(conn)?;
        let updated = change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            action,
            None,
            |conn, before| {
                let updated = diesel::update(laboratory::table.find(1))
                    .set((
                        &changes,
                        laboratory::version.eq(before.version + 1),
                        laboratory::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<Laboratory>(conn)?;
                Ok(updated)
            },
        )?;
        Ok(updated)
    })
}

pub fn logo(conn: &mut DbConn) -> AppResult<(Vec<u8>, String)> {
    let lab = load(conn)?;
    match (lab.logo, lab.logo_content_type) {
        (Some(bytes), Some(content_type)) => Ok((bytes, content_type)),
        _ => Err(AppError::NotFound("logo")),
    }
}
