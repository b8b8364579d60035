//! Row types of the quality records (migration 000006), kept apart from `models.rs` so the
//! technical and the management-system records can change independently.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::*;
use super::types::*;
use crate::domain::quality::{
    AuditStatus, AuthorizedFunction, CaSource, CaStatus, ComplaintStatus, DocumentKind,
    DocumentStatus, FindingKind, FindingStatus, NcSource, NcStatus, PtStatus, QualificationKind,
    ReviewStatus,
};

fn utc<S: serde::Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&t.and_utc(), s)
}

fn opt_utc<S: serde::Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&t.map(|t| t.and_utc()), s)
}

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
    #[serde(serialize_with = "utc")]
    pub recorded_at: NaiveDateTime,
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
    #[serde(serialize_with = "utc")]
    pub granted_at: NaiveDateTime,
    #[serde(serialize_with = "opt_utc")]
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<UserId>,
    pub revoke_reason: Option<String>,
    pub version: i32,
    #[serde(serialize_with = "utc")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = nonconformities)]
pub struct Nonconformity {
    pub id: NonconformityId,
    pub number: String,
    pub source: NcSource,
    pub source_id: Option<String>,
    pub standard_id: Option<StandardId>,
    pub automatic: i32,
    pub title: String,
    pub description: String,
    /// JSON: `Affected`.
    pub affected: String,
    pub impact_evaluation: Option<String>,
    /// JSON: a list of `NcDecision`.
    pub decisions: String,
    pub decision_notes: Option<String>,
    pub status: NcStatus,
    pub raised_on: NaiveDate,
    pub raised_by: Option<UserId>,
    #[serde(serialize_with = "opt_utc")]
    pub closed_at: Option<NaiveDateTime>,
    pub closure_notes: Option<String>,
    pub version: i32,
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    pub updated_at: NaiveDateTime,
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
    /// JSON: a list of `ActionStep`.
    pub actions: String,
    pub owner_id: UserId,
    pub due_on: NaiveDate,
    pub status: CaStatus,
    pub effectiveness_review: Option<String>,
    pub effective: Option<i32>,
    pub reviewed_by: Option<UserId>,
    #[serde(serialize_with = "opt_utc")]
    pub reviewed_at: Option<NaiveDateTime>,
    pub raised_by: Option<UserId>,
    pub version: i32,
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    pub updated_at: NaiveDateTime,
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
    pub investigation: Option<String>,
    pub answer: Option<String>,
    pub nonconformity_id: Option<NonconformityId>,
    #[serde(serialize_with = "opt_utc")]
    pub acknowledged_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "opt_utc")]
    pub investigated_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "opt_utc")]
    pub answered_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "opt_utc")]
    pub closed_at: Option<NaiveDateTime>,
    pub created_by: Option<UserId>,
    pub version: i32,
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    pub updated_at: NaiveDateTime,
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
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    pub updated_at: NaiveDateTime,
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
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    pub updated_at: NaiveDateTime,
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
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    pub updated_at: NaiveDateTime,
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
    #[serde(serialize_with = "opt_utc")]
    pub closed_at: Option<NaiveDateTime>,
    pub created_by: Option<UserId>,
    pub version: i32,
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    pub updated_at: NaiveDateTime,
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
    #[serde(serialize_with = "opt_utc")]
    pub approved_at: Option<NaiveDateTime>,
    pub obsolete_on: Option<NaiveDate>,
    pub obsolete_reason: Option<String>,
    pub created_by: Option<UserId>,
    pub version: i32,
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc")]
    pub updated_at: NaiveDateTime,
}
