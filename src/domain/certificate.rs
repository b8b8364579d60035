//! What an issued certificate says (ISO/IEC 17025 §7.8.2, §7.8.4), frozen at issue: the snapshot
//! from which both the PDF and the Digital Calibration Certificate are produced, and the message the
//! laboratory's key signs.

use chrono::{DateTime, NaiveDate, Utc};

use super::conformity::Verdict;
use super::intake::{DecisionRuleKind, Service};
use super::CertificateLanguage;

text_enum!(
    /// `valid` until an amendment supersedes it or it is revoked; never edited either way.
    CertificateStatus { Valid = "valid", Superseded = "superseded", Revoked = "revoked" }
);

/// Everything printed on a certificate, as it was at issue. Stored as JSON with the certificate;
/// the PDF and DCC are rendered from it and nothing else.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CertificateSnapshot {
    pub number: String,
    pub issued_at: DateTime<Utc>,
    /// The issue date in the laboratory's time zone.
    pub issue_date: NaiveDate,
    pub language: CertificateLanguage,
    /// Version of the layout and text template in `certificate-templates/`.
    pub template_version: String,
    pub service: Service,
    pub lab: LabIdentity,
    pub customer: Party,
    pub item: ItemIdentity,
    pub work_order_number: String,
    pub received_on: NaiveDate,
    pub calibrated_from: DateTime<Utc>,
    pub calibrated_to: Option<DateTime<Utc>>,
    /// The calibration dates in the laboratory's time zone (first and last day).
    pub calibration_dates: (NaiveDate, NaiveDate),
    /// Where the work was done.
    pub location: String,
    pub method: Method,
    pub environment: Vec<EnvironmentCondition>,
    pub results: Vec<ResultRow>,
    /// The coverage probability the expanded uncertainties are stated at.
    pub coverage_probability: f64,
    /// Set when a statement of conformity is made.
    pub conformity: Option<ConformityStatement>,
    pub standards: Vec<StandardReference>,
    /// Deviations from the method, adjustments, remarks.
    pub remarks: Option<String>,
    /// Only when the customer asked for it.
    pub next_due_on: Option<NaiveDate>,
    pub performed_by: String,
    pub signatory: Signatory,
    /// Set on an amendment: the certificate it replaces and why.
    pub replaces: Option<Replacement>,
    /// The public verification page.
    pub verification_url: String,
    /// Printed beside the QR code: with the number, it finds the certificate on the verification
    /// page for a person holding paper. Absent on certificates issued before it was printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_code: Option<String>,
    /// The calibration record and version the results come from.
    pub record_id: String,
    pub record_version: i32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct LabIdentity {
    pub name_vi: String,
    pub name_en: String,
    pub address_vi: String,
    pub address_en: String,
    pub accreditation_body: Option<String>,
    pub accreditation_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Party {
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ItemIdentity {
    /// The laboratory's unique id of the instrument.
    pub lab_id: String,
    pub description: String,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub asset_tag: Option<String>,
    /// e.g. "0 … 200 g".
    pub range: Option<String>,
    pub resolution: Option<String>,
    /// Condition on receipt: the flags and the remarks, as recorded at intake.
    pub condition: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Method {
    pub procedure_code: String,
    pub procedure_version: i32,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct EnvironmentCondition {
    /// `temperature`, `humidity` or `pressure`.
    pub quantity: String,
    /// As recorded, e.g. "20.3".
    pub value: String,
    /// As recorded, e.g. "°C", "%RH", "hPa".
    pub unit: String,
    /// The asset id of the equipment that measured it.
    #[serde(default)]
    pub measured_with: Option<String>,
}

/// One row of the results table. Values are decimal strings as reported.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ResultRow {
    pub nominal: String,
    pub unit: String,
    pub reference_value: String,
    /// Mean indication of the instrument, as computed from the readings.
    pub indication: String,
    /// Indication − reference, rounded to the decimal place of U.
    pub error: String,
    pub expanded_uncertainty: String,
    pub coverage_factor: String,
    /// Before and after adjustment, when the instrument was adjusted.
    pub as_found: Option<String>,
    pub as_left: Option<String>,
    /// The maximum permissible error at this point, when a specification applies.
    pub mpe: Option<String>,
    pub verdict: Option<Verdict>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ConformityStatement {
    pub rule: DecisionRuleKind,
    /// The guard band as agreed, for `guard_band`.
    pub guard_band: Option<String>,
    /// The specification conformity is stated against, e.g. "MPE ±(0.02 g + 0.01 %)".
    pub specification: String,
    pub overall: Option<Verdict>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StandardReference {
    pub asset_id: String,
    pub name: String,
    /// The certificate through which the standard is traceable.
    pub certificate_number: Option<String>,
    /// Who issued that certificate (an NMI or an accredited laboratory).
    pub calibrated_by: Option<String>,
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Signatory {
    pub name: String,
    /// The function printed under the name (§7.8.2.1 o).
    pub function: String,
    pub signed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Replacement {
    pub number: String,
    pub issued_on: NaiveDate,
    pub reason: String,
    /// SHA-256 of the replaced certificate's PDF, so that the replacement names it unambiguously.
    pub pdf_sha256: String,
}

/// A certificate number made safe for a file name (the PDF, the DCC and the DCC inside the PDF).
pub fn file_stem(number: &str) -> String {
    number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The exact bytes the laboratory's Ed25519 key signs: a fixed prefix, the number, the issue date
/// and the PDF's SHA-256, one per line. Anyone holding the public key checks a certificate offline
/// by rebuilding this message.
pub fn signed_message(number: &str, issue_date: NaiveDate, pdf_sha256: &str) -> String {
    format!("calab-certificate-v1\n{number}\n{issue_date}\n{pdf_sha256}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_message_is_one_field_per_line() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(
            signed_message("2026-000001", d, "ab12"),
            "calab-certificate-v1\n2026-000001\n2026-11-21\nab12\n"
        );
    }
}
