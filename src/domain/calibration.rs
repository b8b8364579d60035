//! The arithmetic of one calibration point (ISO/IEC 17025 §7.6, §7.8.4, §7.1.3): indication from the
//! raw readings, error and correction against the reference, the uncertainty budget built from the
//! procedure's template, the CMC floor, and the verdict under the agreed decision rule.

use super::conformity::{self, ConformityRequest, GuardBand, RuleKind, Verdict};
use super::intake::DecisionRuleKind;
use super::uncertainty::{
    self, EvaluateRequest, EvaluateResponse, InputQuantity, RoundingMode, Uncertainty,
};
use super::Decimal;

text_enum!(
    /// A procedure version's life: edited as a draft, used once approved, withdrawn when replaced.
    ProcedureStatus { Draft = "draft", Approved = "approved", Withdrawn = "withdrawn" }
);

text_enum!(
    /// A calibration record's workflow (four-eyes review and approval).
    RecordStatus { Draft = "draft", Submitted = "submitted", Approved = "approved", Returned = "returned" }
);

/// What a procedure prescribes: the points, the environmental limits and the uncertainty budget.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureTemplate {
    /// The measurement points to calibrate, in order.
    #[serde(default)]
    pub points: Vec<PointTemplate>,
    #[serde(default)]
    pub environment: EnvironmentLimits,
    pub budget: BudgetTemplate,
    /// Readings needed per point (at least 2 for a Type A evaluation; 1 when the budget has no readings input).
    #[serde(default = "two")]
    pub min_readings: usize,
    /// How the reference's uncertainty is taken from its certificate at a point.
    #[serde(default)]
    pub reference_points: ReferencePoints,
}

/// How a point takes its reference standard's uncertainty from the standard's certificate.
#[derive(
    Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct ReferencePoints {
    /// Between two certificate points, interpolate U/k linearly and add this relative standard
    /// uncertainty of the interpolation (e.g. `0.0001` for 0.01 % of the nominal). Absent: only a
    /// certificate point at the nominal value itself is used.
    pub interpolation_relative_u: Option<f64>,
    /// Beyond the certificate's range, use its nearest end point (with the interpolation
    /// component), which the procedure must justify. Off by default.
    #[serde(default)]
    pub extrapolate: bool,
}

/// The reference's uncertainty at a point, and how it was taken from the certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceAt {
    pub expanded: f64,
    pub k: f64,
    /// For the budget: "certificate point 1 kg", "interpolated between 1 kg and 10 kg", ...
    pub basis: String,
}

/// The reference's U and k at `nominal` from its certificate points `(nominal, U, k)` in the
/// point's unit, under the procedure's rule; `Err` says why none applies.
pub fn reference_at(
    points: &[(f64, f64, f64)],
    nominal: f64,
    unit: &str,
    rule: &ReferencePoints,
) -> Result<ReferenceAt, String> {
    let listed = || {
        points
            .iter()
            .map(|p| format!("{} {unit}", p.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if points.is_empty() {
        return Err(format!(
            "the standard's certificate gives no point in {unit}"
        ));
    }
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300);
    if let Some(p) = points.iter().find(|p| same(p.0, nominal)) {
        return Ok(ReferenceAt {
            expanded: p.1,
            k: p.2,
            basis: format!("certificate point {} {unit}", p.0),
        });
    }
    let Some(relative) = rule.interpolation_relative_u else {
        return Err(format!(
            "the standard's certificate has no point at {nominal} {unit} (it has {}), and the \
             procedure allows no interpolation",
            listed()
        ));
    };
    let below = points
        .iter()
        .filter(|p| p.0 < nominal)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let above = points
        .iter()
        .filter(|p| p.0 > nominal)
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let (u, k, basis) = match (below, above) {
        (Some(a), Some(b)) => {
            let t = (nominal - a.0) / (b.0 - a.0);
            let u = a.1 / a.2 + t * (b.1 / b.2 - a.1 / a.2);
            let k = a.2.max(b.2);
            (
                u,
                k,
                format!("interpolated between {} {unit} and {} {unit}", a.0, b.0),
            )
        }
        (Some(end), None) | (None, Some(end)) if rule.extrapolate => (
            end.1 / end.2,
            end.2,
            format!("extrapolated from {} {unit}", end.0),
        ),
        _ => {
            return Err(format!(
                "{nominal} {unit} is outside the standard's certificate ({}), and the procedure \
                 allows no extrapolation",
                listed()
            ))
        }
    };
    let interpolation = relative * nominal.abs();
    Ok(ReferenceAt {
        expanded: k * (u * u + interpolation * interpolation).sqrt(),
        k,
        basis: format!("{basis}, with u(interpolation) = {relative} × nominal"),
    })
}

fn two() -> usize {
    2
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointTemplate {
    pub nominal: Decimal,
    pub unit: String,
}

#[derive(
    Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentLimits {
    pub temperature: Option<Limit>,
    pub humidity: Option<Limit>,
    pub pressure: Option<Limit>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub min: f64,
    pub max: f64,
    pub unit: String,
}

/// The budget of every point: the model of the error of indication and where each input comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetTemplate {
    /// An expression over the input names, e.g. `indication - reference + resolution`; without it
    /// y = Σ cᵢxᵢ with each input's sensitivity.
    pub model: Option<String>,
    pub inputs: Vec<TemplateInput>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub name: String,
    pub source: InputSource,
    pub sensitivity: Option<f64>,
    /// For `fixed` inputs: the estimate (0 when absent).
    pub estimate: Option<f64>,
    /// For `fixed` inputs: the uncertainty, as in the calculator.
    pub uncertainty: Option<Uncertainty>,
}

/// Where a budget input's value comes from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InputSource {
    /// The point's readings (Type A: mean, s/√n, n − 1).
    Readings,
    /// The point's reference value, with U and k from the supporting standard's certificate.
    Reference,
    /// The instrument's resolution: estimate 0, rectangular with half-width resolution/2.
    Resolution,
    /// A stated estimate and uncertainty (e.g. drift, temperature effect).
    Fixed,
    /// The recorded temperature as the estimate, with the uncertainty stated in the template
    /// (e.g. a temperature coefficient's input, with its sensitivity).
    Temperature,
    /// The recorded relative humidity, likewise.
    Humidity,
    /// The recorded ambient pressure, likewise.
    Pressure,
}

/// Everything known about one point when it is evaluated.
#[derive(Debug, Clone)]
pub struct PointFacts<'a> {
    pub readings: &'a [f64],
    pub reference: f64,
    /// The most decimal places among the readings and the reference as entered: the mean and the
    /// error are kept to two places more, and no binary noise beyond.
    pub decimals: i32,
    /// U and k of the reference, from the standard's certificate.
    pub reference_uncertainty: Option<(f64, f64)>,
    pub resolution: Option<f64>,
    /// The recorded temperature, humidity and pressure, where recorded.
    pub environment: [Option<f64>; 3],
    /// The MPE at this point, when the instrument has a tolerance that covers it.
    pub mpe: Option<f64>,
    pub decision_rule: DecisionRuleKind,
    pub guard_band: Option<f64>,
    /// The CMC at this point; `None` when outside the accredited scope.
    pub cmc: Option<f64>,
    pub raise_to_cmc: bool,
}

/// What the engine made of a point.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PointResult {
    /// Mean of the readings.
    pub indication: f64,
    /// Indication − reference.
    pub error: f64,
    pub correction: f64,
    pub standard_uncertainty: f64,
    pub coverage_factor: f64,
    pub effective_dof: Option<f64>,
    /// U as computed, before any CMC floor.
    pub expanded_uncertainty: f64,
    /// U as reported: two significant digits, and never below the CMC.
    pub reported_expanded_uncertainty: String,
    /// The error rounded to the decimal place of U.
    pub reported_error: String,
    pub in_accredited_scope: bool,
    /// Set when U was raised to the CMC.
    pub raised_to_cmc: Option<f64>,
    /// The lab's CMC at this point (the floor of U); `None` outside the accredited scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmc: Option<f64>,
    pub mpe: Option<f64>,
    pub verdict: Option<Verdict>,
    pub contributions: Vec<uncertainty::Contribution>,
    /// How the reference's uncertainty was taken from its certificate at this point.
    #[serde(default)]
    pub reference_basis: Option<String>,
}

/// Why a point cannot be evaluated.
#[derive(Debug, Clone, PartialEq)]
pub enum PointError {
    /// The budget could not be evaluated; the engine's messages.
    Budget(Vec<String>),
    /// U is below the CMC and the lab refuses rather than raises.
    BelowCmc {
        expanded: String,
        cmc: f64,
    },
    Conformity(String),
}

pub fn budget_request(
    template: &BudgetTemplate,
    facts: &PointFacts<'_>,
) -> Result<EvaluateRequest, Vec<String>> {
    let mut problems = Vec::new();
    let inputs = template
        .inputs
        .iter()
        .map(|t| {
            let mut input = InputQuantity {
                name: t.name.clone(),
                estimate: None,
                unit: None,
                uncertainty: None,
                readings: None,
                pooled_s: None,
                pooled_dof: None,
                sensitivity: t.sensitivity,
            };
            match t.source {
                InputSource::Readings => input.readings = Some(facts.readings.to_vec()),
                InputSource::Reference => {
                    input.estimate = Some(facts.reference);
                    match facts.reference_uncertainty {
                        Some((u, k)) => input.uncertainty = Some(Uncertainty::Normal { standard: None, expanded: Some(u), k: Some(k), dof: None }),
                        None => problems.push(format!("{}: the supporting standard's certificate gives no uncertainty near this point", t.name)),
                    }
                }
                InputSource::Resolution => {
                    input.estimate = Some(0.0);
                    match facts.resolution {
                        Some(r) if r > 0.0 => input.uncertainty = Some(Uncertainty::Rectangular { half_width: r / 2.0, dof: None }),
                        _ => problems.push(format!("{}: the instrument has no numeric resolution", t.name)),
                    }
                }
                InputSource::Fixed => {
                    input.estimate = Some(t.estimate.unwrap_or(0.0));
                    input.uncertainty = t.uncertainty;
                }
                InputSource::Temperature | InputSource::Humidity | InputSource::Pressure => {
                    let (index, what) = match t.source {
                        InputSource::Temperature => (0, "temperature"),
                        InputSource::Humidity => (1, "humidity"),
                        _ => (2, "pressure"),
                    };
                    match facts.environment[index] {
                        Some(value) => input.estimate = Some(value),
                        None => problems.push(format!("{}: the record states no {what}", t.name)),
                    }
                    input.uncertainty = t.uncertainty;
                }
            }
            input
        })
        .collect();
    if problems.is_empty() {
        Ok(EvaluateRequest {
            model: template.model.clone(),
            coverage_probability: uncertainty::DEFAULT_COVERAGE_PROBABILITY,
            rounding: RoundingMode::Up,
            monte_carlo: None,
            inputs,
            correlations: Vec::new(),
        })
    } else {
        Err(problems)
    }
}

/// Evaluates one point: budget, CMC floor, rounding, verdict.
pub fn evaluate_point(
    template: &BudgetTemplate,
    facts: &PointFacts<'_>,
) -> Result<PointResult, PointError> {
    let request = budget_request(template, facts).map_err(PointError::Budget)?;
    let budget: EvaluateResponse = uncertainty::evaluate(&request).map_err(|errors| {
        PointError::Budget(
            errors
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
        )
    })?;
    let places = facts.decimals.saturating_add(2);
    let kept = |x: f64| {
        uncertainty::round_to_decimals(x, places)
            .parse()
            .unwrap_or(x)
    };
    let indication = kept(facts.readings.iter().sum::<f64>() / facts.readings.len().max(1) as f64);
    let error = kept(indication - facts.reference);
    let mut expanded = budget.expanded_uncertainty;
    let mut raised = None;
    if let Some(cmc) = facts.cmc {
        if expanded < cmc {
            if !facts.raise_to_cmc {
                return Err(PointError::BelowCmc {
                    expanded: budget.reported.expanded_uncertainty.clone(),
                    cmc,
                });
            }
            expanded = cmc;
            raised = Some(cmc);
        }
    }
    let (reported_u, decimals) = uncertainty::round_expanded(expanded, RoundingMode::Up);
    let reported_error = uncertainty::round_to_decimals(error, decimals);
    let verdict = match (facts.decision_rule, facts.mpe) {
        (DecisionRuleKind::None, _) | (_, None) => None,
        (rule, Some(mpe)) => {
            let (rule, guard_band) = match rule {
                DecisionRuleKind::Simple => (RuleKind::Simple, None),
                DecisionRuleKind::GuardBand => {
                    (RuleKind::Guarded, facts.guard_band.map(GuardBand::Absolute))
                }
                _ => (RuleKind::Guarded, None),
            };
            let request = ConformityRequest {
                value: error,
                expanded_uncertainty: expanded,
                coverage_factor: budget.coverage_factor,
                lower_limit: Some(-mpe),
                upper_limit: Some(mpe),
                rule,
                guard_band,
                binary: true,
            };
            let decision = conformity::evaluate(&request).map_err(|e| {
                PointError::Conformity(
                    e.into_iter()
                        .map(|f| f.message)
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            })?;
            Some(decision.verdict)
        }
    };
    Ok(PointResult {
        indication,
        error,
        correction: -error,
        standard_uncertainty: budget.standard_uncertainty,
        coverage_factor: budget.coverage_factor,
        effective_dof: budget.effective_dof,
        expanded_uncertainty: budget.expanded_uncertainty,
        reported_expanded_uncertainty: reported_u,
        reported_error,
        in_accredited_scope: facts.cmc.is_some(),
        raised_to_cmc: raised,
        cmc: facts.cmc,
        mpe: facts.mpe,
        verdict,
        contributions: budget.contributions,
        reference_basis: None,
    })
}

/// The overall verdict of a record: fail if any point fails, pass if all pass; none without verdicts.
pub fn overall_verdict(points: &[Option<Verdict>]) -> Option<Verdict> {
    let verdicts: Vec<Verdict> = points.iter().flatten().copied().collect();
    if verdicts.is_empty() {
        return None;
    }
    let rank = |v: &Verdict| match v {
        Verdict::Pass => 0,
        Verdict::ConditionalPass => 1,
        Verdict::ConditionalFail => 2,
        Verdict::Fail => 3,
    };
    verdicts.into_iter().max_by_key(rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> BudgetTemplate {
        BudgetTemplate {
            model: Some("indication - reference + resolution".into()),
            inputs: vec![
                TemplateInput {
                    name: "indication".into(),
                    source: InputSource::Readings,
                    sensitivity: None,
                    estimate: None,
                    uncertainty: None,
                },
                TemplateInput {
                    name: "reference".into(),
                    source: InputSource::Reference,
                    sensitivity: None,
                    estimate: None,
                    uncertainty: None,
                },
                TemplateInput {
                    name: "resolution".into(),
                    source: InputSource::Resolution,
                    sensitivity: None,
                    estimate: None,
                    uncertainty: None,
                },
            ],
        }
    }

    fn facts(readings: &[f64]) -> PointFacts<'_> {
        PointFacts {
            readings,
            reference: 100.0,
            decimals: 4,
            reference_uncertainty: Some((0.0016, 2.0)),
            resolution: Some(0.001),
            environment: [Some(20.0), None, None],
            mpe: Some(0.005),
            decision_rule: DecisionRuleKind::Simple,
            guard_band: None,
            cmc: Some(0.001),
            raise_to_cmc: false,
        }
    }

    #[test]
    fn a_point_from_readings_to_verdict() {
        let readings = [100.002, 100.003, 100.002, 100.003, 100.002];
        let r = evaluate_point(&template(), &facts(&readings)).expect("point");
        assert!((r.error - 0.0024).abs() < 1e-9);
        // u² = (s/√5)² + 0.0008² + (0.0005/√3)²: s = 0.000548, u = 0.000885, ν_eff ≈ 680, k = 2.0025, U = 0.00177 → 0.0018 (rounded up).
        assert!(
            (r.standard_uncertainty - 0.000_885).abs() < 1e-6,
            "{}",
            r.standard_uncertainty
        );
        assert_eq!(r.reported_expanded_uncertainty, "0.0018");
        assert_eq!(r.reported_error, "0.0024");
        assert_eq!(r.verdict, Some(Verdict::Pass));
        assert!(r.in_accredited_scope);
    }

    #[test]
    fn the_cmc_is_a_floor() {
        let readings = [100.002, 100.003];
        let mut f = facts(&readings);
        f.cmc = Some(0.01);
        assert!(matches!(
            evaluate_point(&template(), &f),
            Err(PointError::BelowCmc { .. })
        ));
        f.raise_to_cmc = true;
        let r = evaluate_point(&template(), &f).expect("raised");
        assert_eq!(r.raised_to_cmc, Some(0.01));
        assert_eq!(r.reported_expanded_uncertainty, "0.010");
        f.cmc = None;
        assert!(
            !evaluate_point(&template(), &f)
                .expect("out of scope")
                .in_accredited_scope
        );
    }

    #[test]
    fn an_environmental_input_takes_the_recorded_value() {
        let mut t = template();
        t.model = Some("indication - reference + resolution + 0.00001 * (dt - 20)".into());
        t.inputs.push(TemplateInput {
            name: "dt".into(),
            source: InputSource::Temperature,
            sensitivity: None,
            estimate: None,
            uncertainty: Some(Uncertainty::Rectangular {
                half_width: 1.0,
                dof: None,
            }),
        });
        let readings = [100.002, 100.003];
        let mut f = facts(&readings);
        f.environment = [Some(21.5), None, None];
        let r = evaluate_point(&t, &f).expect("point");
        let dt = r.contributions.iter().find(|c| c.name == "dt").expect("dt");
        assert_eq!(dt.estimate, 21.5);
        assert!((dt.sensitivity - 1e-5).abs() < 1e-15);
        f.environment = [None, None, None];
        assert!(matches!(evaluate_point(&t, &f), Err(PointError::Budget(_))));
    }

    #[test]
    fn verdicts_combine_to_the_worst() {
        assert_eq!(
            overall_verdict(&[Some(Verdict::Pass), None, Some(Verdict::Fail)]),
            Some(Verdict::Fail)
        );
        assert_eq!(overall_verdict(&[None]), None);
    }

    #[test]
    fn the_reference_uncertainty_comes_from_the_certificate_s_own_points() {
        // A weight set certified at 1 kg (U = 1.6 mg, k = 2) and 10 kg (U = 16 mg, k = 2).
        let cert = [(1000.0, 0.0016, 2.0), (10000.0, 0.016, 2.0)];
        let exact = ReferencePoints::default();
        let at = reference_at(&cert, 1000.0, "g", &exact).unwrap();
        assert_eq!((at.expanded, at.k), (0.0016, 2.0));
        assert_eq!(at.basis, "certificate point 1000 g");
        // 2 kg is neither point: refused, never the 1 kg point's U.
        let refused = reference_at(&cert, 2000.0, "g", &exact).unwrap_err();
        assert!(
            refused.contains("no point at 2000 g (it has 1000 g, 10000 g)"),
            "{refused}"
        );
        // Interpolated: u = 0.0008 + (1/9)(0.008 - 0.0008) = 0.0016 g, plus 1e-7 × 2000 g.
        let rule = ReferencePoints {
            interpolation_relative_u: Some(1e-7),
            extrapolate: false,
        };
        let at = reference_at(&cert, 2000.0, "g", &rule).unwrap();
        let u = 0.0008 + (0.008 - 0.0008) / 9.0;
        let expected = 2.0 * (u * u + 0.0002f64.powi(2)).sqrt();
        assert!((at.expanded - expected).abs() < 1e-15, "{}", at.expanded);
        assert!(at
            .basis
            .starts_with("interpolated between 1000 g and 10000 g"));
        // Beyond the certificate: refused unless the procedure allows extrapolation.
        assert!(reference_at(&cert, 20000.0, "g", &rule).is_err());
        let beyond = ReferencePoints {
            extrapolate: true,
            ..rule
        };
        let at = reference_at(&cert, 20000.0, "g", &beyond).unwrap();
        assert!(
            at.basis.starts_with("extrapolated from 10000 g"),
            "{}",
            at.basis
        );
        assert!(reference_at(&[], 1000.0, "g", &beyond).is_err());
    }
}
