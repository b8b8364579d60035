//! Row types of the quality records (migration 000006), kept apart from `models.rs` so the
//! technical and the management-system records can change independently.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::*;
use super::types::*;
use crate::domain::certificate::CertificateStatus;
use crate::domain::quality::{
    AuditStatus, AuthorizedFunction, CaSource, CaStatus, ComplaintStatus, DocumentKind,
    DocumentStatus, FindingKind, FindingStatus, NcDecision, NcSource, NcStatus, PtStatus,
    QualificationKind, ReviewStatus,
};

/// The row without its evidence bytes, which only the download reads.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = staff_qualifications)]
pub struct Qualification {
    pub id: QualificationId,
    pub user_id: UserId,
    pub kind: QualificationKind,
    pub title: String,
    pub provider: Option<String>,
    pub completed_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub evidence_filename: Option<String>,
    pub evidence_content_type: Option<String>,
    pub evidence_sha256: Option<String>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = authorizations)]
pub struct Authorization {
    pub id: AuthorizationId,
    pub user_id: UserId,
    pub function: AuthorizedFunction,
    pub discipline: Option<String>,
    pub procedure_code: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub granted_by: Option<UserId>,
    pub granted_at: UtcTime,
    pub revoked_at: Option<UtcTime>,
    pub revoked_by: Option<UserId>,
    pub revoke_reason: Option<String>,
    pub version: i32,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = nonconformities)]
pub struct Nonconformity {
    pub id: NonconformityId,
    pub number: String,
    pub source: NcSource,
    pub source_id: Option<String>,
    pub standard_id: Option<StandardId>,
    #[serde(serialize_with = "super::models::flag")]
    #[schema(value_type = bool)]
    pub automatic: i32,
    pub title: String,
    pub description: String,
    /// JSON text in the database.
    #[serde(serialize_with = "super::models::json_text")]
    #[schema(value_type = Affected)]
    pub affected: String,
    pub impact_evaluation: Option<String>,
    /// JSON text in the database.
    #[serde(serialize_with = "super::models::json_text")]
    #[schema(value_type = Vec<NcDecision>)]
    pub decisions: String,
    pub decision_notes: Option<String>,
    pub status: NcStatus,
    pub raised_on: NaiveDate,
    pub raised_by: Option<UserId>,
    pub closed_at: Option<UtcTime>,
    pub closure_notes: Option<String>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

/// What nonconforming work touches: found by reverse traceability for a standard, in the window.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Affected {
    /// The window searched: from the standard's last good calibration to the finding.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Standards calibrated with it (directly or through another) in the window.
    pub standard_calibrations: Vec<AffectedStandardCalibration>,
    /// Customer calibration record versions with a point supported by it.
    pub records: Vec<AffectedRecord>,
    /// Certificates issued for those record versions.
    pub certificates: Vec<AffectedCertificate>,
    /// The customers holding those certificates: whom to tell.
    pub customers: Vec<AffectedCustomer>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AffectedStandardCalibration {
    pub standard_id: StandardId,
    pub asset_id: String,
    pub calibration_id: StandardCalibrationId,
    pub certificate_number: String,
    pub calibrated_on: NaiveDate,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AffectedRecord {
    pub record_id: CalibrationRecordId,
    pub record_version: i32,
    pub instrument_id: InstrumentId,
    pub instrument_lab_id: String,
    pub customer_id: CustomerId,
    pub first_used_on: NaiveDate,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AffectedCertificate {
    pub id: CertificateId,
    pub number: String,
    pub status: CertificateStatus,
    pub issued_on: NaiveDate,
    pub record_id: CalibrationRecordId,
    pub record_version: i32,
    pub customer_id: CustomerId,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AffectedCustomer {
    pub id: CustomerId,
    pub name: String,
    pub certificates: Vec<String>,
}

/// One action of a corrective action's plan, as its `actions` column holds it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionStep {
    pub description: String,
    pub owner_id: UserId,
    pub due_on: NaiveDate,
    /// When it was done; absent while it is pending.
    pub done_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = corrective_actions)]
pub struct CorrectiveAction {
    pub id: CorrectiveActionId,
    pub number: String,
    pub source: CaSource,
    pub source_id: Option<String>,
    pub problem: String,
    pub root_cause: Option<String>,
    /// JSON text in the database.
    #[serde(serialize_with = "super::models::json_text")]
    #[schema(value_type = Vec<ActionStep>)]
    pub actions: String,
    pub owner_id: UserId,
    pub due_on: NaiveDate,
    pub status: CaStatus,
    pub effectiveness_review: Option<String>,
    #[serde(serialize_with = "super::models::opt_flag")]
    #[schema(value_type = Option<bool>)]
    pub effective: Option<i32>,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<UtcTime>,
    pub raised_by: Option<UserId>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = complaints)]
pub struct Complaint {
    pub id: ComplaintId,
    pub number: String,
    pub customer_id: Option<CustomerId>,
    pub complainant: String,
    pub subject: String,
    pub description: String,
    pub status: ComplaintStatus,
    pub received_on: NaiveDate,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub investigation: Option<String>,
    pub answer: Option<String>,
    /// Staff only: the nonconformity the investigation opened, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonconformity_id: Option<NonconformityId>,
    pub acknowledged_at: Option<UtcTime>,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub investigated_at: Option<UtcTime>,
    pub answered_at: Option<UtcTime>,
    pub closed_at: Option<UtcTime>,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserId>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    /// The certificate complained about, if any.
    pub certificate_id: Option<CertificateId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = proficiency_tests)]
pub struct ProficiencyTest {
    pub id: ProficiencyTestId,
    pub scheme: String,
    pub round: String,
    pub provider: String,
    pub discipline: String,
    pub item: String,
    pub planned_on: NaiveDate,
    pub status: PtStatus,
    pub unit: Option<String>,
    pub assigned_value: Option<String>,
    pub assigned_uncertainty: Option<String>,
    pub lab_result: Option<String>,
    pub lab_uncertainty: Option<String>,
    pub en: Option<f64>,
    pub satisfactory: Option<i32>,
    pub reported_on: Option<NaiveDate>,
    pub nonconformity_id: Option<NonconformityId>,
    pub created_by: Option<UserId>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = internal_audits)]
pub struct InternalAudit {
    pub id: InternalAuditId,
    pub number: String,
    pub title: String,
    pub scope: String,
    /// JSON: a list of clause numbers.
    pub clauses: String,
    pub planned_on: NaiveDate,
    pub performed_on: Option<NaiveDate>,
    pub lead_auditor_id: Option<UserId>,
    pub status: AuditStatus,
    pub summary: Option<String>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = management_reviews)]
pub struct ManagementReview {
    pub id: ManagementReviewId,
    pub number: String,
    pub planned_on: NaiveDate,
    pub held_on: Option<NaiveDate>,
    pub attendees: Option<String>,
    pub inputs: Option<String>,
    pub outputs: Option<String>,
    pub status: ReviewStatus,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = findings)]
pub struct Finding {
    pub id: FindingId,
    pub audit_id: Option<InternalAuditId>,
    pub review_id: Option<ManagementReviewId>,
    pub clause: String,
    pub kind: FindingKind,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub corrective_action_id: Option<CorrectiveActionId>,
    pub status: FindingStatus,
    pub closed_at: Option<UtcTime>,
    pub created_by: Option<UserId>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = controlled_documents)]
pub struct ControlledDocument {
    pub id: DocumentId,
    pub code: String,
    pub doc_version: i32,
    pub title: String,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub location: Option<String>,
    pub change_summary: Option<String>,
    pub effective_on: Option<NaiveDate>,
    pub approved_by: Option<UserId>,
    pub approved_at: Option<UtcTime>,
    pub obsolete_on: Option<NaiveDate>,
    pub obsolete_reason: Option<String>,
    pub created_by: Option<UserId>,
    pub version: i32,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}
