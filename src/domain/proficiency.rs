//! Proficiency testing and interlaboratory comparisons (ISO/IEC 17025:2017 7.7.2): the En number
//! of ISO 13528:2022 (9.7) and ISO/IEC 17043, En = (x_lab − x_ref) / √(U_lab² + U_ref²), with
//! |En| ≤ 1 satisfactory. An unsatisfactory result opens nonconforming work (7.10).

use serde::{Deserialize, Serialize};

use crate::domain::uncertainty::FieldError;

/// Request of `POST /api/v1/proficiency/en`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnRequest {
    /// The laboratory's result x_lab.
    pub lab_value: f64,
    /// Expanded uncertainty U_lab of the laboratory's result (≥ 0), as reported (k ≈ 2).
    pub lab_expanded_uncertainty: f64,
    /// Reference (assigned) value x_ref.
    pub reference_value: f64,
    /// Expanded uncertainty U_ref of the reference value (≥ 0). At least one of the two
    /// expanded uncertainties must be non-zero.
    pub reference_expanded_uncertainty: f64,
}

/// Response of `POST /api/v1/proficiency/en`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnResponse {
    /// En = (x_lab − x_ref) / √(U_lab² + U_ref²).
    pub en: f64,
    /// |En| ≤ 1.
    pub satisfactory: bool,
}

/// Tolerance on |En| ≤ 1: binary floating point can put an exact 1 at 1.0000000000000002, and a
/// laboratory must not fail a comparison on rounding noise.
const EN_TOLERANCE: f64 = 1e-12;

/// The En number, or None when it is undefined (both uncertainties zero, or a non-finite
/// argument). `hypot` keeps √(U_lab² + U_ref²) free of overflow and underflow.
pub fn en_number(lab: f64, u_lab: f64, reference: f64, u_ref: f64) -> Option<f64> {
    let denominator = u_lab.hypot(u_ref);
    let en = (lab - reference) / denominator;
    if denominator > 0.0 && en.is_finite() {
        Some(en)
    } else {
        None
    }
}

/// Whether an En number is satisfactory: |En| ≤ 1.
pub fn is_satisfactory(en: f64) -> bool {
    en.abs() <= 1.0 + EN_TOLERANCE
}

/// Evaluates an En number: `POST /api/v1/proficiency/en`.
pub fn evaluate_en(req: &EnRequest) -> Result<EnResponse, Vec<FieldError>> {
    let mut errors = Vec::new();
    for (field, v) in [
        ("lab_value", req.lab_value),
        ("lab_expanded_uncertainty", req.lab_expanded_uncertainty),
        ("reference_value", req.reference_value),
        (
            "reference_expanded_uncertainty",
            req.reference_expanded_uncertainty,
        ),
    ] {
        if !v.is_finite() {
            errors.push(FieldError::new(field, "must be a finite number"));
        } else if field.ends_with("uncertainty") && v < 0.0 {
            errors.push(FieldError::new(field, "must not be negative"));
        }
    }
    if errors.is_empty()
        && req.lab_expanded_uncertainty == 0.0
        && req.reference_expanded_uncertainty == 0.0
    {
        for field in ["lab_expanded_uncertainty", "reference_expanded_uncertainty"] {
            errors.push(FieldError::new(
                field,
                "the laboratory's and the reference expanded uncertainties are both zero: \
                 En is undefined",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match en_number(
        req.lab_value,
        req.lab_expanded_uncertainty,
        req.reference_value,
        req.reference_expanded_uncertainty,
    ) {
        Some(en) => Ok(EnResponse {
            en,
            satisfactory: is_satisfactory(en),
        }),
        None => Err(vec![FieldError::new(
            "lab_value",
            "En is not a finite number for these values",
        )]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en(lab: f64, u_lab: f64, reference: f64, u_ref: f64) -> EnResponse {
        let r = EnRequest {
            lab_value: lab,
            lab_expanded_uncertainty: u_lab,
            reference_value: reference,
            reference_expanded_uncertainty: u_ref,
        };
        match evaluate_en(&r) {
            Ok(v) => v,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn satisfactory_and_not() {
        // 100.03 vs 100.00, U 0.04 and 0.03: En = 0.03 / 0.05 = 0.6.
        let r = en(100.03, 0.04, 100.00, 0.03);
        assert!((r.en - 0.6).abs() < 1e-9);
        assert!(r.satisfactory);
        // −0.08 / 0.05 = −1.6.
        let r = en(99.92, 0.04, 100.00, 0.03);
        assert!((r.en + 1.6).abs() < 1e-9);
        assert!(!r.satisfactory);
        // Exactly 1 (0.5 / √(0.3² + 0.4²)) is satisfactory despite binary rounding.
        let r = en(10.5, 0.3, 10.0, 0.4);
        assert!((r.en - 1.0).abs() < 1e-12);
        assert!(r.satisfactory);
        assert!(!en(10.5001, 0.3, 10.0, 0.4).satisfactory);
        // One uncertainty may be zero.
        assert_eq!(en(2.0, 0.0, 1.0, 2.0).en, 0.5);
        let json = serde_json::to_value(en(2.0, 0.0, 1.0, 2.0)).unwrap();
        assert_eq!(json, serde_json::json!({"en": 0.5, "satisfactory": true}));
    }

    #[test]
    fn validation() {
        let bad = EnRequest {
            lab_value: 1.0,
            lab_expanded_uncertainty: 0.0,
            reference_value: 1.0,
            reference_expanded_uncertainty: 0.0,
        };
        let e = evaluate_en(&bad).unwrap_err();
        assert!(e.iter().any(|e| e.field == "lab_expanded_uncertainty"));
        assert!(e
            .iter()
            .any(|e| e.field == "reference_expanded_uncertainty"));
        let neg = EnRequest {
            lab_expanded_uncertainty: -0.1,
            reference_value: f64::NAN,
            ..bad
        };
        let e = evaluate_en(&neg).unwrap_err();
        assert!(e.iter().any(|e| e.field == "lab_expanded_uncertainty"));
        assert!(e.iter().any(|e| e.field == "reference_value"));
        assert!(serde_json::from_str::<EnRequest>(r#"{"lab_value": 1}"#).is_err());
    }
}
