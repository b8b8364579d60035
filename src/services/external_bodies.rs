//! External calibration providers (ISO/IEC 17025 §6.5, §6.6): national metrology institutes,
//! accredited laboratories, and others whose use a quality manager must justify.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::{change_versioned, optional_text, required_text, Ctx, Page, PageRequest};
use crate::db::models::{ExternalBody, ExternalBodyChanges};
use crate::db::schema::external_bodies;
use crate::db::{write_tx, DbConn, ExternalBodyId};
use crate::domain::traceability::BodyKind;
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExternalBody {
    pub name: String,
    /// ISO 3166 country code or name, e.g. `VN`.
    pub country: String,
    /// `nmi`, `accredited_lab` or `other`.
    pub kind: BodyKind,
    pub accreditation_body: Option<String>,
    pub accreditation_number: Option<String>,
    pub accreditation_scope: Option<String>,
    pub accreditation_valid_until: Option<NaiveDate>,
    /// Why an `other` issuer is acceptable for traceability; without it its calibrations break the chain.
    pub justification: Option<String>,
}

/// A partial update; empty text clears an optional field.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateExternalBody {
    pub name: Option<String>,
    pub country: Option<String>,
    pub kind: Option<BodyKind>,
    pub accreditation_body: Option<String>,
    pub accreditation_number: Option<String>,
    pub accreditation_scope: Option<String>,
    pub accreditation_valid_until: Option<NaiveDate>,
    pub justification: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ExternalBodyView {
    #[serde(flatten)]
    pub body: ExternalBody,
    /// Whether calibrations it issues can carry traceability.
    pub acceptable: bool,
}

impl From<ExternalBody> for ExternalBodyView {
    fn from(body: ExternalBody) -> Self {
        ExternalBodyView {
            acceptable: body.kind != BodyKind::Other || body.justification.is_some(),
            body,
        }
    }
}

fn check_accreditation(kind: BodyKind, number: Option<&str>, errors: &mut Vec<FieldError>) {
    if kind == BodyKind::AccreditedLab && number.is_none() {
        errors.push(FieldError::new(
            "accreditation_number",
            "is required for an accredited lab",
        ));
    }
}

pub fn find(conn: &mut DbConn, id: ExternalBodyId) -> AppResult<ExternalBody> {
    external_bodies::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound("external body"))
}

pub fn get(conn: &mut DbConn, id: ExternalBodyId) -> AppResult<ExternalBodyView> {
    find(conn, id).map(ExternalBodyView::from)
}

pub fn list(conn: &mut DbConn, page: &PageRequest) -> AppResult<Page<ExternalBodyView>> {
    let mut query = external_bodies::table.into_boxed();
    if let Some(after) = page.after_as::<ExternalBodyId>()? {
        query = query.filter(external_bodies::id.gt(after));
    }
    let rows = query
        .order(external_bodies::id.asc())
        .limit(page.limit()? + 1)
        .load::<ExternalBody>(conn)?;
    let page = page.page(rows, |b| b.id.to_string())?;
    Ok(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    })
}

pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: CreateExternalBody,
) -> AppResult<ExternalBodyView> {
    let mut errors = Vec::new();
    let name = required_text("name", &input.name, &mut errors);
    let country = required_text("country", &input.country, &mut errors);
    let accreditation_number = optional_text(input.accreditation_number);
    check_accreditation(input.kind, accreditation_number.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let justification = optional_text(input.justification);
    let at = ctx.now();
    let body = ExternalBody {
        id: ExternalBodyId::new(),
        name,
        country,
        kind: input.kind,
        accreditation_body: optional_text(input.accreditation_body),
        accreditation_number,
        accreditation_scope: optional_text(input.accreditation_scope),
        accreditation_valid_until: input.accreditation_valid_until,
        justified_by: justification.as_ref().and(ctx.user_id),
        justification,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    write_tx(conn, |conn| {
        diesel::insert_into(external_bodies::table)
            .values(&body)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "external_body",
                entity_id: Some(body.id.to_string()),
                after: audit_trail::snapshot(&body),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(body.into())
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: ExternalBodyId,
    expected_version: Option<i32>,
    input: UpdateExternalBody,
) -> AppResult<ExternalBodyView> {
    let mut errors = Vec::new();
    let justification = input.justification.map(|j| optional_text(Some(j)));
    let changes = ExternalBodyChanges {
        name: input
            .name
            .as_deref()
            .map(|v| required_text("name", v, &mut errors)),
        country: input
            .country
            .as_deref()
            .map(|v| required_text("country", v, &mut errors)),
        kind: input.kind,
        accreditation_body: input.accreditation_body.map(|v| optional_text(Some(v))),
        accreditation_number: input.accreditation_number.map(|v| optional_text(Some(v))),
        accreditation_scope: input.accreditation_scope.map(|v| optional_text(Some(v))),
        accreditation_valid_until: input.accreditation_valid_until.map(Some),
        justified_by: justification.as_ref().map(|j| j.as_ref().and(ctx.user_id)),
        justification,
    };
    let updated = write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let updated = change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            "update",
            None,
            |conn, before| {
                let kind = changes.kind.unwrap_or(before.kind);
                let number = changes
                    .accreditation_number
                    .clone()
                    .unwrap_or(before.accreditation_number.clone());
                check_accreditation(kind, number.as_deref(), &mut errors);
                if !errors.is_empty() {
                    return Err(AppError::Validation(std::mem::take(&mut errors)));
                }
                Ok(diesel::update(external_bodies::table.find(id))
                    .set((
                        &changes,
                        external_bodies::version.eq(before.version + 1),
                        external_bodies::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<ExternalBody>(conn)?)
            },
        )?;
        Ok(updated)
    })?;
    Ok(updated.into())
}
