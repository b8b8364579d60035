//! Row types: `Thing` is read, `NewThing` inserted, `ThingChanges` updated.

use diesel::prelude::*;

use super::schema::*;
use super::types::{CustomerId, RefreshTokenId, UserId, UtcTime};
use crate::domain::{CertificateLanguage, Role};

/// An integer column used as a flag, written out as a boolean.
pub(super) fn flag<S: serde::Serializer>(value: &i32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*value != 0)
}

/// An optional integer flag, written out as an optional boolean.
pub(super) fn opt_flag<S: serde::Serializer>(value: &Option<i32>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&value.map(|v| v != 0), s)
}

/// An optional column that holds JSON as text.
fn opt_json_text<S: serde::Serializer>(text: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    let value: Option<serde_json::Value> =
        text.as_deref().and_then(|t| serde_json::from_str(t).ok());
    serde::Serialize::serialize(&value, s)
}

/// A column that holds JSON as text, written out as the JSON it holds (`null` if it is not JSON).
pub(super) fn json_text<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    let value: Option<serde_json::Value> = serde_json::from_str(text).ok();
    serde::Serialize::serialize(&value, s)
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = laboratory)]
pub struct Laboratory {
    pub id: i32,
    pub name_vi: String,
    pub name_en: String,
    pub address_vi: String,
    pub address_en: String,
    pub accreditation_body: Option<String>,
    pub accreditation_number: Option<String>,
    /// For example `{YYYY}-{SEQ:06}`.
    pub certificate_number_pattern: String,
    #[serde(skip)]
    pub logo: Option<Vec<u8>>,
    pub logo_content_type: Option<String>,
    pub version: i32,
    pub updated_at: UtcTime,
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
    pub updated_at: UtcTime,
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

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Identifiable,
    Insertable,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[diesel(table_name = customers)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub address: String,
    pub tax_code: Option<String>,
    /// JSON text in the database.
    #[serde(serialize_with = "json_text")]
    #[schema(value_type = Vec<crate::domain::intake::Contact>)]
    pub contacts: String,
    pub preferred_language: CertificateLanguage,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_notes: Option<String>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<UtcTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
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

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Identifiable,
    Insertable,
    serde::Serialize,
    utoipa::ToSchema,
)]
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
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<UtcTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
    pub created_at: UtcTime,
    pub expires_at: UtcTime,
    pub used_at: Option<UtcTime>,
    pub revoked_at: Option<UtcTime>,
    /// A browser session's last request, for its idle timeout.
    pub last_seen_at: Option<UtcTime>,
}

/// One audit event, with `before` and `after` as JSON values.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: UtcTime,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    #[serde(rename = "before", serialize_with = "opt_json_text")]
    #[schema(value_type = Option<Object>)]
    pub before_json: Option<String>,
    #[serde(rename = "after", serialize_with = "opt_json_text")]
    #[schema(value_type = Option<Object>)]
    pub after_json: Option<String>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    pub fn fields(&self) -> crate::domain::audit_trail::AuditFields<'_> {
        crate::domain::audit_trail::AuditFields {
            seq: self.seq,
            occurred_at: self.occurred_at.0,
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

use super::schema::{
    cmc_entries, external_bodies, intermediate_checks, standard_calibration_files,
    standard_calibrations, standard_status_changes, standards,
};
use super::types::{
    CmcId, ExternalBodyId, FileId, IntermediateCheckId, StandardCalibrationId, StandardId,
    StatusChangeId,
};
use crate::domain::traceability::{AsFound, BodyKind, StandardKind, StandardStatus};
use chrono::NaiveDate;

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Identifiable,
    Insertable,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[diesel(table_name = external_bodies)]
pub struct ExternalBody {
    pub id: ExternalBodyId,
    pub name: String,
    pub country: String,
    pub kind: BodyKind,
    pub accreditation_body: Option<String>,
    pub accreditation_number: Option<String>,
    pub accreditation_scope: Option<String>,
    pub accreditation_valid_until: Option<NaiveDate>,
    pub justification: Option<String>,
    pub justified_by: Option<UserId>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = external_bodies)]
pub struct ExternalBodyChanges {
    pub name: Option<String>,
    pub country: Option<String>,
    pub kind: Option<BodyKind>,
    pub accreditation_body: Option<Option<String>>,
    pub accreditation_number: Option<Option<String>>,
    pub accreditation_scope: Option<Option<String>>,
    pub accreditation_valid_until: Option<Option<NaiveDate>>,
    pub justification: Option<Option<String>>,
    pub justified_by: Option<Option<UserId>>,
}

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Identifiable,
    Insertable,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[diesel(table_name = standards)]
pub struct Standard {
    pub id: StandardId,
    pub asset_id: String,
    pub name: String,
    pub kind: StandardKind,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub quantity: String,
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: String,
    pub resolution: Option<String>,
    pub location: Option<String>,
    pub custodian_id: Option<UserId>,
    pub calibration_interval_months: i32,
    pub status: StandardStatus,
    pub status_reason: Option<String>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = standards)]
pub struct StandardChanges {
    pub name: Option<String>,
    pub kind: Option<StandardKind>,
    pub manufacturer: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub serial_number: Option<Option<String>>,
    pub range_min: Option<Option<f64>>,
    pub range_max: Option<Option<f64>>,
    pub unit: Option<String>,
    pub resolution: Option<Option<String>>,
    pub location: Option<Option<String>>,
    pub custodian_id: Option<Option<UserId>>,
    pub calibration_interval_months: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = standard_status_changes)]
pub struct StatusChange {
    pub id: StatusChangeId,
    pub standard_id: StandardId,
    pub from_status: Option<StandardStatus>,
    pub to_status: StandardStatus,
    pub reason: String,
    pub changed_by: Option<UserId>,
    pub changed_at: UtcTime,
}

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Identifiable,
    Insertable,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[diesel(table_name = standard_calibrations)]
pub struct StandardCalibration {
    pub id: StandardCalibrationId,
    pub standard_id: StandardId,
    pub calibrated_on: NaiveDate,
    pub certificate_number: String,
    pub external_body_id: Option<ExternalBodyId>,
    pub issuer_standard_id: Option<StandardId>,
    /// JSON text in the database.
    #[serde(serialize_with = "json_text")]
    #[schema(value_type = Vec<crate::domain::traceability::CalibrationPoint>)]
    pub results: String,
    pub as_found: AsFound,
    #[serde(serialize_with = "flag")]
    #[schema(value_type = bool)]
    pub adjusted: i32,
    pub due_on: NaiveDate,
    pub due_override_reason: Option<String>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = standard_calibration_files)]
pub struct CalibrationFile {
    pub id: FileId,
    pub calibration_id: StandardCalibrationId,
    pub version: i32,
    pub filename: String,
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub content: Vec<u8>,
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = intermediate_checks)]
pub struct IntermediateCheck {
    pub id: IntermediateCheckId,
    pub standard_id: StandardId,
    pub checked_on: NaiveDate,
    pub reference_value: String,
    pub measured_value: String,
    pub lower_limit: String,
    pub upper_limit: String,
    pub unit: String,
    pub result: String,
    pub notes: Option<String>,
    pub performed_by: Option<UserId>,
    pub recorded_at: UtcTime,
}

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Identifiable,
    Insertable,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[diesel(table_name = cmc_entries)]
pub struct CmcEntry {
    pub id: CmcId,
    pub quantity: String,
    pub range_min: f64,
    pub range_max: f64,
    pub unit: String,
    pub cmc_absolute: Option<f64>,
    pub cmc_relative: Option<f64>,
    pub method: Option<String>,
    pub valid_from: NaiveDate,
    pub withdrawn_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cmc_entries)]
pub struct CmcChanges {
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: Option<String>,
    pub cmc_absolute: Option<Option<f64>>,
    pub cmc_relative: Option<Option<f64>>,
    pub method: Option<Option<String>>,
    pub valid_from: Option<NaiveDate>,
    pub withdrawn_on: Option<Option<NaiveDate>>,
}

use super::schema::{instruments, item_status_events, work_order_items, work_orders};
use super::types::{InstrumentId, ItemEventId, WorkOrderId, WorkOrderItemId};
use crate::domain::intake::{DecisionRuleKind, ItemStatus, Service};

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Identifiable,
    Insertable,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[diesel(table_name = instruments)]
pub struct Instrument {
    pub id: InstrumentId,
    /// The lab's unique id, printed on its label.
    pub lab_id: String,
    pub customer_id: CustomerId,
    pub description: String,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub asset_tag: Option<String>,
    pub quantity: Option<String>,
    pub range_min: Option<f64>,
    pub range_max: Option<f64>,
    pub unit: Option<String>,
    pub resolution: Option<String>,
    /// The customer's tolerance bands (JSON text in the database).
    #[serde(serialize_with = "json_text")]
    #[schema(value_type = Vec<crate::domain::intake::ToleranceBand>)]
    pub tolerance: String,
    pub recalibration_interval_months: Option<i32>,
    pub last_calibrated_on: Option<NaiveDate>,
    pub last_verdict: Option<String>,
    /// The last calibration plus the customer's interval.
    pub next_due_on: Option<NaiveDate>,
    /// Where it is: `registered` (never in the lab yet), or its current item's status.
    pub status: ItemStatus,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_notes: Option<String>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<UtcTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_reason: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = instruments)]
pub struct InstrumentChanges {
    pub description: Option<String>,
    pub manufacturer: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub serial_number: Option<Option<String>>,
    pub asset_tag: Option<Option<String>>,
    pub quantity: Option<Option<String>>,
    pub range_min: Option<Option<f64>>,
    pub range_max: Option<Option<f64>>,
    pub unit: Option<Option<String>>,
    pub resolution: Option<Option<String>>,
    pub tolerance: Option<String>,
    pub recalibration_interval_months: Option<Option<i32>>,
    pub last_calibrated_on: Option<Option<NaiveDate>>,
    pub next_due_on: Option<Option<NaiveDate>>,
    pub internal_notes: Option<Option<String>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, serde::Serialize)]
#[diesel(table_name = work_orders)]
pub struct WorkOrder {
    pub id: WorkOrderId,
    pub number: String,
    pub customer_id: CustomerId,
    pub received_at: UtcTime,
    pub received_by: Option<UserId>,
    pub delivered_by: Option<String>,
    pub promised_on: Option<NaiveDate>,
    pub contract_review_note: Option<String>,
    pub notes: Option<String>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, serde::Serialize)]
#[diesel(table_name = work_order_items)]
pub struct WorkOrderItem {
    pub id: WorkOrderItemId,
    pub work_order_id: WorkOrderId,
    pub instrument_id: InstrumentId,
    pub line_no: i32,
    pub service: Service,
    pub requested_points: Option<String>,
    pub decision_rule: DecisionRuleKind,
    pub guard_band: Option<String>,
    pub due_date_on_certificate: i32,
    pub condition_flags: String,
    pub condition_remarks: Option<String>,
    pub accessories: Option<String>,
    pub status: ItemStatus,
    pub status_before_hold: Option<ItemStatus>,
    pub status_reason: Option<String>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = item_status_events)]
pub struct ItemStatusEvent {
    pub id: ItemEventId,
    pub item_id: WorkOrderItemId,
    pub instrument_id: InstrumentId,
    pub from_status: Option<ItemStatus>,
    pub to_status: ItemStatus,
    pub reason: Option<String>,
    pub changed_by: Option<UserId>,
    pub changed_at: UtcTime,
}

use super::schema::{
    calibration_point_standards, calibration_record_versions, calibration_records, procedures,
};
use super::types::{CalibrationRecordId, PointStandardId, ProcedureId, RecordVersionId};
use crate::domain::calibration::{ProcedureStatus, RecordStatus};

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Identifiable,
    Insertable,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[diesel(table_name = procedures)]
pub struct Procedure {
    pub id: ProcedureId,
    pub code: String,
    /// The document's version number.
    pub procedure_version: i32,
    pub title: String,
    pub quantity: String,
    pub effective_on: NaiveDate,
    pub status: ProcedureStatus,
    /// JSON text in the database.
    #[serde(serialize_with = "json_text")]
    #[schema(value_type = crate::domain::calibration::ProcedureTemplate)]
    pub template: String,
    pub created_by: Option<UserId>,
    pub approved_by: Option<UserId>,
    pub approved_at: Option<UtcTime>,
    /// The row's version, for `If-Match`.
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, serde::Serialize)]
#[diesel(table_name = calibration_records)]
pub struct CalibrationRecord {
    pub id: CalibrationRecordId,
    pub item_id: WorkOrderItemId,
    pub instrument_id: InstrumentId,
    pub customer_id: CustomerId,
    pub technician_id: UserId,
    pub status: RecordStatus,
    pub current_version: i32,
    pub returned_reason: Option<String>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, serde::Serialize)]
#[diesel(table_name = calibration_record_versions)]
pub struct RecordVersion {
    pub id: RecordVersionId,
    pub record_id: CalibrationRecordId,
    pub record_version: i32,
    pub procedure_id: ProcedureId,
    pub calibrated_on: NaiveDate,
    pub content: String,
    pub sha256: String,
    pub author_id: UserId,
    pub amendment_reason: Option<String>,
    pub signed_by: Option<UserId>,
    pub signer_name: Option<String>,
    pub signature_meaning: Option<String>,
    pub signed_at: Option<UtcTime>,
    pub signed_sha256: Option<String>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calibration_point_standards)]
pub struct PointStandard {
    pub id: PointStandardId,
    pub record_id: CalibrationRecordId,
    pub record_version: i32,
    pub point_index: i32,
    pub standard_id: StandardId,
    pub standard_calibration_id: Option<StandardCalibrationId>,
    pub used_on: NaiveDate,
}

use super::types::CertificateId;
use crate::domain::certificate::CertificateStatus;

/// `Debug` is written by hand so that the secret never reaches a log.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKey {
    pub id: String,
    pub algorithm: String,
    /// Base64 of the 32-byte public key.
    pub public_key: String,
    /// Base64 of the 32-byte secret seed.
    pub private_key: String,
    pub created_at: UtcTime,
    pub retired_at: Option<UtcTime>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("id", &self.id)
            .field("public_key", &self.public_key)
            .field("private_key", &"<secret>")
            .finish()
    }
}

#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Identifiable,
    Insertable,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: CertificateId,
    pub number: String,
    pub record_id: CalibrationRecordId,
    pub record_version: i32,
    pub item_id: WorkOrderItemId,
    pub instrument_id: InstrumentId,
    pub customer_id: CustomerId,
    pub status: CertificateStatus,
    pub issued_at: UtcTime,
    pub issued_on: NaiveDate,
    pub issued_by: UserId,
    pub language: CertificateLanguage,
    pub template_version: String,
    pub replaces_id: Option<CertificateId>,
    pub amendment_reason: Option<String>,
    #[serde(rename = "superseded_by_id")]
    pub superseded_by: Option<CertificateId>,
    pub revoked_at: Option<UtcTime>,
    pub revoked_by: Option<UserId>,
    pub revoke_reason: Option<String>,
    #[serde(skip)]
    pub verify_token: String,
    #[serde(skip)]
    pub snapshot: String,
    pub pdf_sha256: String,
    pub pdf_size: i32,
    pub dcc_sha256: String,
    pub signing_key_id: String,
    /// Ed25519 signature (base64) of `signed_message`.
    pub signature: String,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificate_files)]
pub struct CertificateFile {
    pub certificate_id: CertificateId,
    pub pdf: Vec<u8>,
    pub dcc: String,
}

// ---------------------------------------------------------------------------------------------
// Service requests

use super::schema::service_requests;
use super::types::ServiceRequestId;
use crate::domain::intake::ServiceRequestStatus;

/// A customer's request for service: a draft work order until staff accept or decline it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = service_requests)]
pub struct ServiceRequest {
    pub id: ServiceRequestId,
    /// `YC` (yêu cầu), the year and a yearly sequence.
    pub number: String,
    pub customer_id: CustomerId,
    pub requested_by: Option<UserId>,
    /// When the customer would like the work done.
    pub wanted_on: Option<NaiveDate>,
    /// What is asked for (JSON text in the database).
    #[serde(serialize_with = "json_text")]
    #[schema(value_type = Vec<crate::services::service_requests::RequestedItem>)]
    pub items: String,
    pub notes: Option<String>,
    pub status: ServiceRequestStatus,
    /// The work order that accepted it.
    pub work_order_id: Option<WorkOrderId>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<UtcTime>,
    pub decline_reason: Option<String>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// The record sheet a technician is typing for an item, as typed.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = record_sheets)]
pub struct RecordSheet {
    pub item_id: WorkOrderItemId,
    pub sheet: String,
    pub saved_by: UserId,
    pub saved_at: UtcTime,
}
