//! Row types: `Thing` is read, `NewThing` inserted, `ThingChanges` updated.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::*;
use super::types::{CustomerId, RefreshTokenId, UserId};
use crate::domain::{CertificateLanguage, Role};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = laboratory)]
pub struct Laboratory {
    pub id: i32,
    pub name_vi: String,
    pub name_en: String,
    pub address_vi: String,
    pub address_en: String,
    pub accreditation_body: Option<String>,
    pub accreditation_number: Option<String>,
    pub certificate_number_pattern: String,
    #[serde(skip)]
    pub logo: Option<Vec<u8>>,
    pub logo_content_type: Option<String>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = laboratory)]
pub struct NewLaboratory<'a> {
    pub id: i32,
    pub name_vi: &'a str,
    pub name_en: &'a str,
    pub address_vi: &'a str,
    pub address_en: &'a str,
    pub accreditation_body: Option<&'a str>,
    pub accreditation_number: Option<&'a str>,
    pub certificate_number_pattern: &'a str,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = laboratory)]
pub struct LaboratoryChanges {
    pub name_vi: Option<String>,
    pub name_en: Option<String>,
    pub address_vi: Option<String>,
    pub address_en: Option<String>,
    pub accreditation_body: Option<Option<String>>,
    pub accreditation_number: Option<Option<String>>,
    pub certificate_number_pattern: Option<String>,
    pub logo: Option<Option<Vec<u8>>>,
    pub logo_content_type: Option<Option<String>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, serde::Serialize)]
#[diesel(table_name = customers)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub address: String,
    pub tax_code: Option<String>,
    pub contacts: String,
    pub preferred_language: CertificateLanguage,
    pub internal_notes: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub deleted_by: Option<UserId>,
    pub delete_reason: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = customers)]
pub struct CustomerChanges {
    pub name: Option<String>,
    pub address: Option<String>,
    pub tax_code: Option<Option<String>>,
    pub contacts: Option<String>,
    pub preferred_language: Option<CertificateLanguage>,
    pub internal_notes: Option<Option<String>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, serde::Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub customer_id: Option<CustomerId>,
    #[serde(skip)]
    pub password_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub deleted_by: Option<UserId>,
    pub delete_reason: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub customer_id: Option<Option<CustomerId>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: RefreshTokenId,
    pub user_id: UserId,
    pub family_id: RefreshTokenId,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    pub fn fields(&self) -> crate::domain::audit::AuditFields<'_> {
        crate::domain::audit::AuditFields {
            seq: self.seq,
            occurred_at: self.occurred_at,
            actor_id: self.actor_id.as_deref(),
            actor_role: self.actor_role.as_deref(),
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: self.entity_id.as_deref(),
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
            reason: self.reason.as_deref(),
            request_id: self.request_id.as_deref(),
        }
    }
}
