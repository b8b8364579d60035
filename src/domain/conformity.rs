//! Statements of conformity to a specification (ISO/IEC 17025:2017 7.1.3 and 7.8.6), with the
//! decision rules of ILAC-G8:09/2019 and JCGM 106:2012: simple acceptance, guarded acceptance
//! (guard band w = U, w = r·U or a fixed w), binary or non-binary statements, and the probability
//! of conformance for a normal distribution (JCGM 106 7.3).
//!
//! Zones, with tolerance limits T_L, T_U and acceptance limits A_L = T_L + w, A_U = T_U − w:
//!
//! | measured value y                    | binary | non-binary         |
//! |-------------------------------------|--------|--------------------|
//! | A_L ≤ y ≤ A_U                       | pass   | `pass`             |
//! | inside [T_L, T_U], outside [A_L, A_U] | fail | `conditional_pass` |
//! | outside [T_L, T_U] by at most w     | fail   | `conditional_fail` |
//! | outside [T_L, T_U] by more than w   | fail   | `fail`             |
//!
//! Limits are inclusive: a value on an acceptance limit passes. A missing limit is infinite.

use serde::{Deserialize, Serialize};

use crate::domain::uncertainty::stats::{normal_cdf, normal_sf};
use crate::domain::uncertainty::FieldError;

/// Decision rule family (ILAC-G8:09/2019 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Simple acceptance (shared risk, ILAC-G8 4.2.1): w = 0, binary pass/fail.
    Simple,
    /// Guarded acceptance (ILAC-G8 4.2.2): the acceptance zone is the tolerance narrowed by w.
    Guarded,
}

/// Guard band w of a guarded rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GuardBand {
    /// w = r·U, e.g. 1.0 for w = U (ILAC-G8 4.2.2 rule with a false-accept risk below about
    /// 2.5 %), 0.83 or 0.5 for other risk levels (r ≥ 0).
    MultipleOfExpandedUncertainty(f64),
    /// A fixed guard band w in the unit of the value (w ≥ 0).
    Absolute(f64),
}

/// Request of `POST /api/v1/conformity/evaluate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConformityRequest {
    /// Measured value y.
    pub value: f64,
    /// Expanded uncertainty U of y (≥ 0).
    pub expanded_uncertainty: f64,
    /// Coverage factor k of U (> 0); the standard uncertainty is u = U/k. Default 2.
    #[serde(default = "default_k")]
    pub coverage_factor: f64,
    /// Lower tolerance limit T_L; null or absent for a one-sided upper specification.
    #[serde(default)]
    pub lower_limit: Option<f64>,
    /// Upper tolerance limit T_U; null or absent for a one-sided lower specification.
    #[serde(default)]
    pub upper_limit: Option<f64>,
    /// Decision rule: `simple` (w = 0) or `guarded`.
    pub rule: RuleKind,
    /// Guard band of a `guarded` rule: `{"multiple_of_expanded_uncertainty": r}` or
    /// `{"absolute": w}`; w = U when omitted. Not allowed with `simple`.
    #[serde(default)]
    pub guard_band: Option<GuardBand>,
    /// Binary statement (pass/fail only) when true, the default; false adds `conditional_pass`
    /// and `conditional_fail` for results within w of a tolerance limit.
    #[serde(default = "default_binary")]
    pub binary: bool,
}

fn default_k() -> f64 {
    2.0
}
fn default_binary() -> bool {
    true
}

/// The statement of conformity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Inside the acceptance limits.
    Pass,
    /// Outside the acceptance limits (binary), or outside the tolerance by more than w.
    Fail,
    /// Non-binary: inside the tolerance but within w of a limit.
    ConditionalPass,
    /// Non-binary: outside the tolerance by at most w.
    ConditionalFail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::ConditionalPass => "conditional_pass",
            Verdict::ConditionalFail => "conditional_fail",
        }
    }
}

/// Acceptance limits used; null where the specification is one-sided.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceLimits {
    /// Lower acceptance limit A_L = T_L + w.
    pub lower: Option<f64>,
    /// Upper acceptance limit A_U = T_U − w.
    pub upper: Option<f64>,
}

/// Response of `POST /api/v1/conformity/evaluate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConformityResponse {
    /// `pass`, `fail`, `conditional_pass` or `conditional_fail`.
    pub verdict: Verdict,
    /// Acceptance limits the verdict was decided against.
    pub acceptance_limits: AcceptanceLimits,
    /// Probability that the measurand lies within the tolerance, for a normal distribution with
    /// mean y and standard deviation u = U/k: Φ((T_U − y)/u) − Φ((T_L − y)/u) (JCGM 106 7.3).
    pub probability_of_conformance: f64,
}

/// A decision rule in numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecisionRule {
    /// Guard band w ≥ 0 (0 for simple acceptance).
    pub guard_band: f64,
    /// Binary (pass/fail) or non-binary statement.
    pub binary: bool,
}

/// Why a decision cannot be made.
#[derive(Debug, Clone, PartialEq)]
pub enum DecisionError {
    /// Neither limit is given.
    NoLimits,
    /// The lower tolerance limit is not below the upper one.
    LimitsReversed,
    /// The guard band leaves no acceptance zone (A_L > A_U).
    NoAcceptanceZone { lower: f64, upper: f64 },
    /// A number is not finite, or a width is negative.
    InvalidArgument(&'static str),
}

/// Probability of conformance Φ((T_U − y)/u) − Φ((T_L − y)/u) for a normal distribution
/// N(y, u²) (JCGM 106:2012 7.3); a missing limit is infinite. u = 0 gives 1 inside the limits
/// (inclusive) and 0 outside.
pub fn probability_of_conformance(
    value: f64,
    standard_uncertainty: f64,
    lower: Option<f64>,
    upper: Option<f64>,
) -> f64 {
    let u = standard_uncertainty;
    if u == 0.0 {
        let inside = lower.is_none_or(|l| value >= l) && upper.is_none_or(|h| value <= h);
        return if inside { 1.0 } else { 0.0 };
    }
    // In standard units a = (T_L − y)/u, b = (T_U − y)/u. Each case subtracts the smaller tails,
    // so a value far outside the tolerance still gets its small probability, not a rounded 0.
    let a = lower.map(|l| (l - value) / u);
    let b = upper.map(|h| (h - value) / u);
    let p = match (a, b) {
        (None, None) => 1.0,
        (None, Some(b)) => normal_cdf(b),
        (Some(a), None) => normal_sf(a),
        (Some(a), Some(b)) if a >= 0.0 => normal_sf(a) - normal_sf(b),
        (Some(a), Some(b)) if b <= 0.0 => normal_cdf(b) - normal_cdf(a),
        (Some(a), Some(b)) => 1.0 - normal_cdf(a) - normal_sf(b),
    };
    p.clamp(0.0, 1.0)
}

/// Decides conformity of `value` with tolerance limits under `rule` and returns the verdict with
/// the acceptance limits used.
pub fn decide(
    value: f64,
    lower: Option<f64>,
    upper: Option<f64>,
    rule: DecisionRule,
) -> Result<(Verdict, AcceptanceLimits), DecisionError> {
    let w = rule.guard_band;
    if !value.is_finite() {
        return Err(DecisionError::InvalidArgument("value"));
    }
    if !w.is_finite() || w < 0.0 {
        return Err(DecisionError::InvalidArgument("guard_band"));
    }
    if lower.is_some_and(|l| !l.is_finite()) || upper.is_some_and(|h| !h.is_finite()) {
        return Err(DecisionError::InvalidArgument("limit"));
    }
    if lower.is_none() && upper.is_none() {
        return Err(DecisionError::NoLimits);
    }
    if let (Some(l), Some(h)) = (lower, upper) {
        if l >= h {
            return Err(DecisionError::LimitsReversed);
        }
    }
    let limits = AcceptanceLimits {
        lower: lower.map(|l| l + w),
        upper: upper.map(|h| h - w),
    };
    if let (Some(al), Some(au)) = (limits.lower, limits.upper) {
        if al > au {
            return Err(DecisionError::NoAcceptanceZone {
                lower: al,
                upper: au,
            });
        }
    }
    let within = |lo: Option<f64>, hi: Option<f64>| {
        lo.is_none_or(|l| value >= l) && hi.is_none_or(|h| value <= h)
    };
    let verdict = if within(limits.lower, limits.upper) {
        Verdict::Pass
    } else if rule.binary {
        Verdict::Fail
    } else if within(lower, upper) {
        Verdict::ConditionalPass
    } else if within(lower.map(|l| l - w), upper.map(|h| h + w)) {
        Verdict::ConditionalFail
    } else {
        Verdict::Fail
    };
    Ok((verdict, limits))
}

/// Evaluates a statement of conformity: `POST /api/v1/conformity/evaluate`.
pub fn evaluate(req: &ConformityRequest) -> Result<ConformityResponse, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut check_finite = |field: &str, v: f64| {
        if !v.is_finite() {
            errors.push(FieldError::new(field, "must be a finite number"));
            false
        } else {
            true
        }
    };
    check_finite("value", req.value);
    let u_ok = check_finite("expanded_uncertainty", req.expanded_uncertainty);
    let k_ok = check_finite("coverage_factor", req.coverage_factor);
    let lower_ok = req
        .lower_limit
        .is_none_or(|v| check_finite("lower_limit", v));
    let upper_ok = req
        .upper_limit
        .is_none_or(|v| check_finite("upper_limit", v));
    if u_ok && req.expanded_uncertainty < 0.0 {
        errors.push(FieldError::new(
            "expanded_uncertainty",
            "must not be negative",
        ));
    }
    if k_ok && req.coverage_factor <= 0.0 {
        errors.push(FieldError::new("coverage_factor", "must be greater than 0"));
    }
    match (req.lower_limit, req.upper_limit) {
        (None, None) => errors.push(FieldError::new(
            "upper_limit",
            "give a lower limit, an upper limit or both",
        )),
        (Some(l), Some(h)) if lower_ok && upper_ok && l >= h => errors.push(FieldError::new(
            "lower_limit",
            "the lower limit must be below the upper limit",
        )),
        _ => {}
    }
    let w = match (req.rule, req.guard_band) {
        (RuleKind::Simple, Some(_)) => {
            errors.push(FieldError::new(
                "guard_band",
                "simple acceptance has no guard band (use rule \"guarded\")",
            ));
            0.0
        }
        (RuleKind::Simple, None) => 0.0,
        (RuleKind::Guarded, None) => req.expanded_uncertainty,
        (RuleKind::Guarded, Some(GuardBand::MultipleOfExpandedUncertainty(r))) => {
            if !r.is_finite() || r < 0.0 {
                errors.push(FieldError::new(
                    "guard_band.multiple_of_expanded_uncertainty",
                    "must be a finite number, 0 or more",
                ));
            }
            r * req.expanded_uncertainty
        }
        (RuleKind::Guarded, Some(GuardBand::Absolute(w))) => {
            if !w.is_finite() || w < 0.0 {
                errors.push(FieldError::new(
                    "guard_band.absolute",
                    "must be a finite number, 0 or more",
                ));
            }
            w
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let rule = DecisionRule {
        guard_band: w,
        binary: req.binary,
    };
    let (verdict, acceptance_limits) = decide(req.value, req.lower_limit, req.upper_limit, rule)
        .map_err(|e| {
            vec![match e {
                DecisionError::NoAcceptanceZone { lower, upper } => FieldError::new(
                    "guard_band",
                    format!(
                        "the guard band leaves no acceptance zone: lower acceptance limit \
                         {lower} is above the upper acceptance limit {upper} (the uncertainty \
                         is too large for this tolerance)"
                    ),
                ),
                DecisionError::NoLimits => {
                    FieldError::new("upper_limit", "give a lower limit, an upper limit or both")
                }
                DecisionError::LimitsReversed => FieldError::new(
                    "lower_limit",
                    "the lower limit must be below the upper limit",
                ),
                DecisionError::InvalidArgument(field) => {
                    FieldError::new(field, "must be a finite number, 0 or more")
                }
            }]
        })?;
    let u = req.expanded_uncertainty / req.coverage_factor;
    Ok(ConformityResponse {
        verdict,
        acceptance_limits,
        probability_of_conformance: probability_of_conformance(
            req.value,
            u,
            req.lower_limit,
            req.upper_limit,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(value: f64, lower: Option<f64>, upper: Option<f64>) -> ConformityRequest {
        ConformityRequest {
            value,
            expanded_uncertainty: 0.1,
            coverage_factor: 2.0,
            lower_limit: lower,
            upper_limit: upper,
            rule: RuleKind::Guarded,
            guard_band: None,
            binary: false,
        }
    }

    fn verdict(r: &ConformityRequest) -> Verdict {
        match evaluate(r) {
            Ok(v) => v.verdict,
            Err(e) => panic!("{e:?}"),
        }
    }

    fn fields(r: &ConformityRequest) -> Vec<String> {
        match evaluate(r) {
            Ok(v) => panic!("expected errors, got {v:?}"),
            Err(e) => e.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn non_binary_guarded_w_equals_u() {
        // Tolerance [9.0, 10.0], U = 0.1 (w = U): acceptance [9.1, 9.9].
        let at = |y: f64| verdict(&req(y, Some(9.0), Some(10.0)));
        assert_eq!(at(9.5), Verdict::Pass);
        assert_eq!(at(9.9), Verdict::Pass); // on the acceptance limit
        assert_eq!(at(9.95), Verdict::ConditionalPass);
        assert_eq!(at(10.0), Verdict::ConditionalPass); // on the tolerance limit
        assert_eq!(at(10.05), Verdict::ConditionalFail);
        assert_eq!(at(10.2), Verdict::Fail);
        assert_eq!(at(9.05), Verdict::ConditionalPass);
        assert_eq!(at(8.95), Verdict::ConditionalFail);
        assert_eq!(at(8.8), Verdict::Fail);
        let r = evaluate(&req(9.5, Some(9.0), Some(10.0))).unwrap();
        assert!((r.acceptance_limits.lower.unwrap() - 9.1).abs() < 1e-12);
        assert!((r.acceptance_limits.upper.unwrap() - 9.9).abs() < 1e-12);
    }

    #[test]
    fn example_request_of_the_issue() {
        let json = r#"{"value": 10.05, "expanded_uncertainty": 0.1, "coverage_factor": 2,
            "lower_limit": null, "upper_limit": 10.0, "rule": "guarded",
            "guard_band": {"multiple_of_expanded_uncertainty": 1.0}, "binary": false}"#;
        let r: ConformityRequest = serde_json::from_str(json).unwrap();
        let out = evaluate(&r).unwrap();
        assert_eq!(out.verdict, Verdict::ConditionalFail);
        assert_eq!(out.acceptance_limits.lower, None);
        assert!((out.acceptance_limits.upper.unwrap() - 9.9).abs() < 1e-12);
        // u = 0.05: Φ((10.0 − 10.05)/0.05) = Φ(−1) = 0.158655...
        assert!((out.probability_of_conformance - 0.158_655_253_931_457).abs() < 1e-12);
        let v = serde_json::to_value(&out).unwrap();
        assert_eq!(v["verdict"], "conditional_fail");
        assert!(v["acceptance_limits"]["lower"].is_null());
    }

    #[test]
    fn binary_guarded() {
        let mut r = req(9.95, Some(9.0), Some(10.0));
        r.binary = true;
        assert_eq!(verdict(&r), Verdict::Fail);
        r.value = 9.85;
        assert_eq!(verdict(&r), Verdict::Pass);
        r.value = 10.5;
        assert_eq!(verdict(&r), Verdict::Fail);
    }

    #[test]
    fn simple_acceptance() {
        let mut r = req(9.99, Some(9.0), Some(10.0));
        r.rule = RuleKind::Simple;
        r.binary = true;
        assert_eq!(verdict(&r), Verdict::Pass);
        r.value = 10.0;
        assert_eq!(verdict(&r), Verdict::Pass);
        r.value = 10.01;
        assert_eq!(verdict(&r), Verdict::Fail);
        // Non-binary with w = 0: the conditional zones are empty.
        r.binary = false;
        assert_eq!(verdict(&r), Verdict::Fail);
        r.value = 9.5;
        let out = evaluate(&r).unwrap();
        assert_eq!(out.verdict, Verdict::Pass);
        assert_eq!(out.acceptance_limits.upper, Some(10.0));
        assert_eq!(out.acceptance_limits.lower, Some(9.0));
    }

    #[test]
    fn guard_band_forms() {
        // w = 0.5·U = 0.05: acceptance upper limit 9.95.
        let mut r = req(9.93, None, Some(10.0));
        r.guard_band = Some(GuardBand::MultipleOfExpandedUncertainty(0.5));
        let out = evaluate(&r).unwrap();
        assert!((out.acceptance_limits.upper.unwrap() - 9.95).abs() < 1e-12);
        assert_eq!(out.verdict, Verdict::Pass);
        // Absolute w = 0.2: acceptance upper limit 9.8.
        r.guard_band = Some(GuardBand::Absolute(0.2));
        let out = evaluate(&r).unwrap();
        assert!((out.acceptance_limits.upper.unwrap() - 9.8).abs() < 1e-12);
        assert_eq!(out.verdict, Verdict::ConditionalPass);
        r.value = 10.15;
        assert_eq!(verdict(&r), Verdict::ConditionalFail);
        r.value = 10.25;
        assert_eq!(verdict(&r), Verdict::Fail);
        let json = r#"{"absolute": 0.05}"#;
        assert_eq!(
            serde_json::from_str::<GuardBand>(json).unwrap(),
            GuardBand::Absolute(0.05)
        );
    }

    #[test]
    fn one_sided_lower_limit() {
        let mut r = req(5.2, Some(5.0), None);
        assert_eq!(verdict(&r), Verdict::Pass);
        r.value = 5.05;
        assert_eq!(verdict(&r), Verdict::ConditionalPass);
        r.value = 4.95;
        assert_eq!(verdict(&r), Verdict::ConditionalFail);
        r.value = 4.0;
        assert_eq!(verdict(&r), Verdict::Fail);
        let out = evaluate(&req(5.1, Some(5.0), None)).unwrap();
        assert_eq!(out.acceptance_limits.upper, None);
        // y two standard uncertainties above the limit: Φ(2) = 0.977249868...
        assert!((out.probability_of_conformance - 0.977_249_868_051_820_8).abs() < 1e-12);
    }

    #[test]
    fn probability_of_conformance_two_sided() {
        // Centred in [−1, 1] with u = 0.5: Φ(2) − Φ(−2) = 0.954499736...
        let p = probability_of_conformance(0.0, 0.5, Some(-1.0), Some(1.0));
        assert!((p - 0.954_499_736_103_641_6).abs() < 1e-12);
        // On a limit: 1/2 (one-sided).
        assert!((probability_of_conformance(1.0, 0.1, None, Some(1.0)) - 0.5).abs() < 1e-15);
        // Far outside: tiny but positive.
        let far = probability_of_conformance(10.0, 1.0, None, Some(0.0));
        assert!(far > 0.0 && far < 1e-22);
        assert_eq!(
            probability_of_conformance(0.5, 0.0, Some(0.0), Some(1.0)),
            1.0
        );
        assert_eq!(
            probability_of_conformance(1.5, 0.0, Some(0.0), Some(1.0)),
            0.0
        );
    }

    #[test]
    fn guard_band_leaving_no_acceptance_zone_is_an_error() {
        let mut r = req(9.5, Some(9.0), Some(10.0));
        r.expanded_uncertainty = 0.6;
        assert_eq!(fields(&r), vec!["guard_band".to_string()]);
        // Exactly meeting in the middle still leaves one acceptable point.
        r.expanded_uncertainty = 0.5;
        assert_eq!(verdict(&r), Verdict::Pass);
    }

    #[test]
    fn validation_errors() {
        let mut r = req(f64::NAN, None, None);
        r.expanded_uncertainty = -1.0;
        r.coverage_factor = 0.0;
        let f = fields(&r);
        for field in [
            "value",
            "expanded_uncertainty",
            "coverage_factor",
            "upper_limit",
        ] {
            assert!(f.contains(&field.to_string()), "{field}: {f:?}");
        }
        let reversed = req(1.0, Some(2.0), Some(1.0));
        assert_eq!(fields(&reversed), vec!["lower_limit".to_string()]);
        let mut simple_with_band = req(1.0, None, Some(2.0));
        simple_with_band.rule = RuleKind::Simple;
        simple_with_band.guard_band = Some(GuardBand::Absolute(0.1));
        assert_eq!(fields(&simple_with_band), vec!["guard_band".to_string()]);
        let mut negative = req(1.0, None, Some(2.0));
        negative.guard_band = Some(GuardBand::MultipleOfExpandedUncertainty(-1.0));
        assert_eq!(
            fields(&negative),
            vec!["guard_band.multiple_of_expanded_uncertainty".to_string()]
        );
        negative.guard_band = Some(GuardBand::Absolute(f64::INFINITY));
        assert_eq!(fields(&negative), vec!["guard_band.absolute".to_string()]);
        let unknown = r#"{"value": 1, "expanded_uncertainty": 0.1, "upper_limit": 2,
            "rule": "strict"}"#;
        assert!(serde_json::from_str::<ConformityRequest>(unknown).is_err());
        let extra = r#"{"value": 1, "expanded_uncertainty": 0.1, "upper_limit": 2,
            "rule": "simple", "colour": 1}"#;
        assert!(serde_json::from_str::<ConformityRequest>(extra).is_err());
    }
}
