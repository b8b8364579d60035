//! Measurement uncertainty evaluation for calibration results (ISO/IEC 17025:2017 7.6):
//! the GUM uncertainty framework of JCGM 100:2008 (law of propagation of uncertainty 5.1-5.2,
//! Welch-Satterthwaite effective degrees of freedom G.4, coverage factor G.6.4), reporting as in
//! EA-4/02 M:2022 and ILAC-P14 (two significant digits, value to the same decimal place), and an
//! optional check by the Monte Carlo method of JCGM 101:2008 (GUM Supplement 1) with its
//! clause 8 validation.
//!
//! [`evaluate`] takes the request of `POST /api/v1/uncertainty/evaluate` and returns either the
//! response or every validation problem found, each tied to a JSON path.

pub mod expr;
pub mod montecarlo;
pub mod rng;
pub mod rounding;
pub mod stats;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use self::expr::CompiledExpr;
use self::montecarlo::{CorrelatedGroup, McError, McInput, McModel, Sampling};
pub use self::rounding::{round_expanded, round_to_decimals, RoundingMode};
pub use self::stats::{
    coverage_factor, normal_cdf, normal_quantile, student_t_cdf, student_t_quantile,
};

/// Default coverage probability: 95.45 %, the ±2σ probability of a normal distribution, so that
/// k = 2.00 for infinitely many degrees of freedom (GUM table G.2).
pub const DEFAULT_COVERAGE_PROBABILITY: f64 = 0.9545;
/// Default number of Monte Carlo trials (JCGM 101 7.2.1: 10⁶ usually gives a 95 % coverage
/// interval correct to one or two significant digits).
pub const DEFAULT_TRIALS: u64 = 1_000_000;
/// Largest number of Monte Carlo trials accepted (memory: 8 bytes per trial).
pub const MAX_TRIALS: u64 = 10_000_000;
/// Default Monte Carlo seed.
pub const DEFAULT_SEED: u64 = 1;
/// Most input quantities accepted in one budget (a bound on the work one request can cause).
pub const MAX_INPUTS: usize = 1000;

fn default_coverage_probability() -> f64 {
    DEFAULT_COVERAGE_PROBABILITY
}
fn default_trials() -> u64 {
    DEFAULT_TRIALS
}
fn default_seed() -> u64 {
    DEFAULT_SEED
}

pub use crate::domain::FieldError;

/// Request of `POST /api/v1/uncertainty/evaluate`: an uncertainty budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// Measurement model y = f(x₁, ..., x_N) over the input names, e.g.
    /// `mS + dD + dm + dC + dB` or `(RS + dRD + dRTS) * rC * r - dRTX`. Operators `+ - * / ^`
    /// (`−`, `×`, `·` and `**` also accepted), parentheses, unary minus, the constant `pi`,
    /// numbers such as `1.2e-5` and the functions `sqrt exp ln log10 sin cos tan abs`. Sensitivity
    /// coefficients are its exact partial derivatives at the estimates. When absent, the model is
    /// y = Σ cᵢxᵢ with each input's `sensitivity` (default 1).
    #[serde(default)]
    pub model: Option<String>,
    /// Coverage probability p of the expanded uncertainty, in (0, 1). Default 0.9545, which gives
    /// k = 2.00 when the effective degrees of freedom are infinite.
    #[serde(default = "default_coverage_probability")]
    pub coverage_probability: f64,
    /// Rounding of the reported expanded uncertainty to two significant digits: `up` (default)
    /// or `nearest`.
    #[serde(default)]
    pub rounding: RoundingMode,
    /// Ask for a Monte Carlo check (JCGM 101:2008) of the GUM result.
    #[serde(default)]
    pub monte_carlo: Option<MonteCarloRequest>,
    /// The input quantities of the budget (at least one).
    pub inputs: Vec<InputQuantity>,
    /// Correlation coefficients between pairs of inputs; pairs not listed are uncorrelated.
    #[serde(default)]
    pub correlations: Vec<Correlation>,
}

impl Default for EvaluateRequest {
    fn default() -> Self {
        Self {
            model: None,
            coverage_probability: DEFAULT_COVERAGE_PROBABILITY,
            rounding: RoundingMode::Up,
            monte_carlo: None,
            inputs: Vec::new(),
            correlations: Vec::new(),
        }
    }
}

/// Monte Carlo settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonteCarloRequest {
    /// Number of trials M, 1 to 10 000 000 (default 1 000 000); enough to form the coverage
    /// interval at the requested probability.
    #[serde(default = "default_trials")]
    pub trials: u64,
    /// Seed of the random number generator (default 1): the same request with the same seed gives
    /// the same result.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

impl Default for MonteCarloRequest {
    fn default() -> Self {
        Self {
            trials: DEFAULT_TRIALS,
            seed: DEFAULT_SEED,
        }
    }
}

/// One input quantity: either repeated readings (Type A) or an estimate with a stated uncertainty
/// (Type B).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InputQuantity {
    /// Name used in the model and in correlations: letters (Unicode letters such as δ
    /// included), digits and `_`, not starting with a digit, unique, and not a function name.
    pub name: String,
    /// Estimate xᵢ (Type B). Not given with `readings`, whose mean is the estimate.
    #[serde(default)]
    pub estimate: Option<f64>,
    /// Unit of the estimate, for display only, e.g. `g`, `mm`, `°C`.
    #[serde(default)]
    pub unit: Option<String>,
    /// Type B standard uncertainty and distribution. Not given with `readings`.
    #[serde(default)]
    pub uncertainty: Option<Uncertainty>,
    /// Type A: repeated readings q₁..q_n (at least 2, or at least 1 with `pooled_s`). Estimate =
    /// mean; u = s/√n with ν = n − 1, or s_p/√n with ν = ν_p when `pooled_s` is given.
    #[serde(default)]
    pub readings: Option<Vec<f64>>,
    /// Pooled experimental standard deviation s_p of a single reading, from earlier work
    /// (GUM 4.2.4), used instead of the readings' own standard deviation.
    #[serde(default)]
    pub pooled_s: Option<f64>,
    /// Degrees of freedom ν_p of `pooled_s` (at least 1). When omitted they are taken as infinite,
    /// as EA-4/02 does for a comparator's well-established repeatability.
    #[serde(default)]
    pub pooled_dof: Option<f64>,
    /// Sensitivity coefficient cᵢ of the linear model y = Σ cᵢxᵢ (default 1). Not allowed with a
    /// `model` expression, which determines the coefficients itself.
    #[serde(default)]
    pub sensitivity: Option<f64>,
}

/// Type B evaluation: the distribution assigned to the input and its width.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Uncertainty {
    /// Normal distribution: give the `standard` uncertainty, or the `expanded` uncertainty and
    /// its coverage factor `k` as stated on a calibration certificate (u = U/k).
    Normal {
        /// Standard uncertainty u(xᵢ) (≥ 0).
        #[serde(default)]
        standard: Option<f64>,
        /// Expanded uncertainty U from a certificate (≥ 0); requires `k`.
        #[serde(default)]
        expanded: Option<f64>,
        /// Coverage factor k of `expanded` (> 0).
        #[serde(default)]
        k: Option<f64>,
        /// Degrees of freedom of u(xᵢ) (≥ 1); omitted means infinite.
        #[serde(default)]
        dof: Option<f64>,
    },
    /// Rectangular distribution of half-width a: u = a/√3.
    Rectangular {
        /// Half-width a of the interval x ± a (≥ 0).
        half_width: f64,
        /// Degrees of freedom of u(xᵢ) (≥ 1); omitted means infinite.
        #[serde(default)]
        dof: Option<f64>,
    },
    /// Symmetric triangular distribution of half-width a: u = a/√6.
    Triangular {
        /// Half-width a of the interval x ± a (≥ 0).
        half_width: f64,
        /// Degrees of freedom of u(xᵢ) (≥ 1); omitted means infinite.
        #[serde(default)]
        dof: Option<f64>,
    },
    /// Arcsine (U-shaped) distribution of half-width a: u = a/√2.
    Arcsine {
        /// Half-width a of the interval x ± a (≥ 0).
        half_width: f64,
        /// Degrees of freedom of u(xᵢ) (≥ 1); omitted means infinite.
        #[serde(default)]
        dof: Option<f64>,
    },
}

/// A correlation coefficient r(xₐ, x_b).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// Name of the first input.
    pub a: String,
    /// Name of the second input (not the first).
    pub b: String,
    /// Correlation coefficient, −1 ≤ r ≤ 1.
    pub r: f64,
}

/// Response of `POST /api/v1/uncertainty/evaluate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateResponse {
    /// Estimate y of the measurand, unrounded.
    pub value: f64,
    /// Combined standard uncertainty u_c(y), unrounded.
    pub standard_uncertainty: f64,
    /// Effective degrees of freedom ν_eff (Welch-Satterthwaite, unrounded); null when infinite.
    pub effective_dof: Option<f64>,
    /// Coverage probability p used.
    pub coverage_probability: f64,
    /// Coverage factor k = t_p(ν), ν being ν_eff truncated to an integer (GUM G.6.4).
    pub coverage_factor: f64,
    /// Expanded uncertainty U = k·u_c, unrounded.
    pub expanded_uncertainty: f64,
    /// The result as it goes on a certificate: exact decimal strings.
    pub reported: ReportedResult,
    /// The uncertainty budget, one row per input in request order.
    pub contributions: Vec<Contribution>,
    /// Monte Carlo check, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monte_carlo: Option<MonteCarloResult>,
}

/// The reported result: U to two significant digits, y to the same decimal place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportedResult {
    /// y rounded (half away from zero) to the decimal place of the last digit of U, e.g.
    /// "10000.025".
    pub value: String,
    /// U to two significant digits, e.g. "0.059", "0.060", "1300".
    pub expanded_uncertainty: String,
}

/// One row of the uncertainty budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// Input name.
    pub name: String,
    /// Estimate xᵢ (the mean for readings).
    pub estimate: f64,
    /// Standard uncertainty u(xᵢ).
    pub standard_uncertainty: f64,
    /// Sensitivity coefficient cᵢ = ∂f/∂xᵢ at the estimates.
    pub sensitivity: f64,
    /// Contribution uᵢ(y) = cᵢ·u(xᵢ), signed as in EA-4/02 (4.2).
    pub contribution: f64,
    /// Degrees of freedom νᵢ; null when infinite.
    pub dof: Option<f64>,
    /// Share of the combined variance, (cᵢu(xᵢ))² / u_c²; with correlations the covariance terms
    /// are not attributed, so the shares need not sum to 1.
    pub variance_share: f64,
}

/// Result of the Monte Carlo check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonteCarloResult {
    /// Number of trials M.
    pub trials: u64,
    /// Average of the model values.
    pub value: f64,
    /// Standard deviation of the model values.
    pub standard_uncertainty: f64,
    /// Probabilistically symmetric coverage interval [low, high] at the coverage probability.
    pub coverage_interval: [f64; 2],
    /// Whether the GUM interval y ± U agrees with the Monte Carlo interval within the numerical
    /// tolerance δ of JCGM 101 clause 8 (two significant digits of u_c).
    pub agrees_with_gum: bool,
}

/// An input after validation: what the GUM and Monte Carlo evaluations need.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedInput {
    pub estimate: f64,
    pub standard_uncertainty: f64,
    /// None when infinite.
    pub dof: Option<f64>,
    pub sampling: Sampling,
    /// Sensitivity coefficient of the linear model (ignored with an expression).
    pub sensitivity: f64,
}

/// Numerical result of the GUM uncertainty framework, before rounding.
#[derive(Debug, Clone, PartialEq)]
pub struct GumResult {
    pub value: f64,
    pub standard_uncertainty: f64,
    pub effective_dof: Option<f64>,
    pub coverage_factor: f64,
    pub expanded_uncertainty: f64,
    pub sensitivities: Vec<f64>,
}

// The field paths are built only when a check fails: a valid budget allocates no error strings.

fn finite(errors: &mut Vec<FieldError>, field: impl FnOnce() -> String, v: f64) -> bool {
    if v.is_finite() {
        true
    } else {
        errors.push(FieldError::new(field(), "must be a finite number"));
        false
    }
}

fn check_dof(
    errors: &mut Vec<FieldError>,
    field: impl Fn() -> String,
    dof: Option<f64>,
) -> Option<f64> {
    let v = dof?;
    if !finite(errors, &field, v) {
        return None;
    }
    if v < 1.0 {
        errors.push(FieldError::new(
            field(),
            "degrees of freedom must be at least 1 (omit them for infinite)",
        ));
        return None;
    }
    Some(v)
}

fn check_width(errors: &mut Vec<FieldError>, field: impl Fn() -> String, v: f64) -> bool {
    if !finite(errors, &field, v) {
        return false;
    }
    if v < 0.0 {
        errors.push(FieldError::new(field(), "must not be negative"));
        return false;
    }
    true
}

/// Validates one input and derives its estimate, standard uncertainty, degrees of freedom and
/// Monte Carlo distribution.
fn prepare_input(
    i: usize,
    input: &InputQuantity,
    has_model: bool,
    errors: &mut Vec<FieldError>,
) -> Option<PreparedInput> {
    let at = |f: &str| format!("inputs[{i}].{f}");
    let before = errors.len();

    let sensitivity = match input.sensitivity {
        Some(_) if has_model => {
            errors.push(FieldError::new(
                at("sensitivity"),
                "a sensitivity coefficient cannot be given with a model expression: \
                 the coefficients are the model's partial derivatives",
            ));
            1.0
        }
        Some(c) => {
            finite(errors, || at("sensitivity"), c);
            c
        }
        None => 1.0,
    };

    let type_b_given = input.estimate.is_some() || input.uncertainty.is_some();
    if let Some(readings) = &input.readings {
        if type_b_given {
            errors.push(FieldError::new(
                format!("inputs[{i}]"),
                "give either readings (Type A) or an estimate with an uncertainty (Type B), \
                 not both",
            ));
        }
        let mut readings_ok = true;
        for (j, &q) in readings.iter().enumerate() {
            readings_ok &= finite(errors, || format!("inputs[{i}].readings[{j}]"), q);
        }
        let pooled_s = match input.pooled_s {
            Some(s) => {
                if check_width(errors, || at("pooled_s"), s) {
                    Some(s)
                } else {
                    None
                }
            }
            None => {
                if input.pooled_dof.is_some() {
                    errors.push(FieldError::new(
                        at("pooled_dof"),
                        "pooled_dof needs pooled_s",
                    ));
                }
                None
            }
        };
        let pooled_dof = if input.pooled_s.is_some() {
            check_dof(errors, || at("pooled_dof"), input.pooled_dof)
        } else {
            None
        };
        let minimum = if input.pooled_s.is_some() { 1 } else { 2 };
        if readings.len() < minimum {
            errors.push(FieldError::new(
                at("readings"),
                if minimum == 2 {
                    "at least 2 readings are needed to evaluate a standard deviation \
                     (or give pooled_s from earlier work)"
                } else {
                    "at least 1 reading is needed"
                },
            ));
            readings_ok = false;
        }
        if errors.len() > before || !readings_ok {
            return None;
        }
        let n = readings.len() as f64;
        let mean = readings.iter().sum::<f64>() / n;
        let (u, dof) = match pooled_s {
            Some(sp) => (sp / n.sqrt(), pooled_dof),
            None => {
                let ss = readings
                    .iter()
                    .map(|q| (q - mean) * (q - mean))
                    .sum::<f64>();
                let s = (ss / (n - 1.0)).sqrt();
                (s / n.sqrt(), Some(n - 1.0))
            }
        };
        let sampling = match dof {
            Some(v) => Sampling::StudentT { scale: u, dof: v },
            None => Sampling::Gaussian { u },
        };
        if !mean.is_finite() || !u.is_finite() {
            errors.push(FieldError::new(
                at("readings"),
                "readings too large to average",
            ));
            return None;
        }
        return Some(PreparedInput {
            estimate: mean,
            standard_uncertainty: u,
            dof,
            sampling,
            sensitivity,
        });
    }

    if input.pooled_s.is_some() {
        errors.push(FieldError::new(
            at("pooled_s"),
            "pooled_s only applies to readings",
        ));
    }
    if input.pooled_dof.is_some() {
        errors.push(FieldError::new(
            at("pooled_dof"),
            "pooled_dof only applies to readings",
        ));
    }
    let estimate = match input.estimate {
        Some(x) => {
            finite(errors, || at("estimate"), x);
            Some(x)
        }
        None => {
            errors.push(FieldError::new(
                if type_b_given {
                    at("estimate")
                } else {
                    format!("inputs[{i}]")
                },
                if type_b_given {
                    "an estimate is required with an uncertainty"
                } else {
                    "give either readings (Type A) or an estimate with an uncertainty (Type B)"
                },
            ));
            None
        }
    };
    let unc = match &input.uncertainty {
        Some(u) => Some(*u),
        None => {
            if input.estimate.is_some() {
                errors.push(FieldError::new(
                    at("uncertainty"),
                    "an uncertainty is required with an estimate",
                ));
            }
            None
        }
    };
    let unc = unc?;
    let (u, dof, sampling) = match unc {
        Uncertainty::Normal {
            standard,
            expanded,
            k,
            dof,
        } => {
            let dof = check_dof(errors, || at("uncertainty.dof"), dof);
            let u = match (standard, expanded, k) {
                (Some(s), None, None) => {
                    check_width(errors, || at("uncertainty.standard"), s);
                    s
                }
                (None, Some(big_u), Some(k)) => {
                    let ok_u = check_width(errors, || at("uncertainty.expanded"), big_u);
                    let ok_k = finite(errors, || at("uncertainty.k"), k);
                    if ok_k && k <= 0.0 {
                        errors.push(FieldError::new(
                            at("uncertainty.k"),
                            "coverage factor k must be greater than 0",
                        ));
                    }
                    if ok_u && ok_k && k > 0.0 {
                        big_u / k
                    } else {
                        0.0
                    }
                }
                (None, Some(_), None) => {
                    errors.push(FieldError::new(
                        at("uncertainty.k"),
                        "the coverage factor k of the expanded uncertainty is required",
                    ));
                    0.0
                }
                (None, None, Some(_)) => {
                    errors.push(FieldError::new(
                        at("uncertainty.expanded"),
                        "k is given without an expanded uncertainty",
                    ));
                    0.0
                }
                (Some(_), Some(_), _) | (Some(_), None, Some(_)) => {
                    errors.push(FieldError::new(
                        at("uncertainty"),
                        "give either standard, or expanded with k, not both",
                    ));
                    0.0
                }
                (None, None, None) => {
                    errors.push(FieldError::new(
                        at("uncertainty"),
                        "a normal distribution needs standard, or expanded with k",
                    ));
                    0.0
                }
            };
            let sampling = match dof {
                Some(v) => Sampling::StudentT { scale: u, dof: v },
                None => Sampling::Gaussian { u },
            };
            (u, dof, sampling)
        }
        Uncertainty::Rectangular { half_width, dof } => {
            check_width(errors, || at("uncertainty.half_width"), half_width);
            let dof = check_dof(errors, || at("uncertainty.dof"), dof);
            (
                half_width / 3f64.sqrt(),
                dof,
                Sampling::Rectangular { half_width },
            )
        }
        Uncertainty::Triangular { half_width, dof } => {
            check_width(errors, || at("uncertainty.half_width"), half_width);
            let dof = check_dof(errors, || at("uncertainty.dof"), dof);
            (
                half_width / 6f64.sqrt(),
                dof,
                Sampling::Triangular { half_width },
            )
        }
        Uncertainty::Arcsine { half_width, dof } => {
            check_width(errors, || at("uncertainty.half_width"), half_width);
            let dof = check_dof(errors, || at("uncertainty.dof"), dof);
            (
                half_width / 2f64.sqrt(),
                dof,
                Sampling::Arcsine { half_width },
            )
        }
    };
    let estimate = estimate?;
    if errors.len() > before {
        return None;
    }
    Some(PreparedInput {
        estimate,
        standard_uncertainty: u,
        dof,
        sampling,
        sensitivity,
    })
}

/// Effective degrees of freedom by the Welch-Satterthwaite formula (GUM G.2b):
/// ν_eff = u_c⁴ / Σ uᵢ(y)⁴/νᵢ, from the unrounded contributions uᵢ(y) = cᵢu(xᵢ) and their
/// degrees of freedom (None = infinite). Returns None (infinite) when no contribution with finite
/// degrees of freedom is non-zero, or when u_c is 0.
///
/// Computed from the ratios uᵢ(y)/u_c so that very small or very large uncertainties neither
/// underflow nor overflow in the fourth powers.
pub fn welch_satterthwaite(contributions: &[(f64, Option<f64>)], u_c: f64) -> Option<f64> {
    // NaN fails every comparison, so this also rejects a NaN u_c.
    if u_c.is_nan() || u_c <= 0.0 || !u_c.is_finite() {
        return None;
    }
    let denominator: f64 = contributions
        .iter()
        .filter_map(|&(c, dof)| dof.map(|v| (c / u_c).powi(4) / v))
        .sum();
    if denominator > 0.0 {
        Some(1.0 / denominator)
    } else {
        None
    }
}

/// The coverage probability actually used for `p`: the labels 0.6827, 0.9545 and 0.9973 of GUM
/// table G.2 stand for the probabilities of ±1σ, ±2σ and ±3σ of a normal distribution
/// (0.682689..., 0.954499..., 0.997300...; GUM G.3.2 note), and the table is computed with those
/// exact values (its ν = 1, 99.73 % entry, 235.80, shows it). Using them makes the default give
/// k = 2 exactly for infinite degrees of freedom, so u = 0.0295 reports U = 0.059, not the 0.060
/// that k = 2.0000024 (the t quantile at exactly 0.9545) would round up to. Any other value is
/// used as given.
pub fn gum_coverage_probability(p: f64) -> f64 {
    for (label, sigmas) in [(0.6827, 1.0), (0.9545, 2.0), (0.9973, 3.0)] {
        if (p - label).abs() < 1e-12 {
            return 1.0 - 2.0 * stats::normal_sf(sigmas);
        }
    }
    p
}

/// Coverage factor as the GUM evaluation computes it: [`coverage_factor`] at
/// [`gum_coverage_probability`]`(p)` with ν_eff truncated by [`truncate_dof`] (None = infinite).
pub fn gum_coverage_factor(coverage_probability: f64, effective_dof: Option<f64>) -> f64 {
    coverage_factor(
        gum_coverage_probability(coverage_probability),
        effective_dof.map(truncate_dof),
    )
}

/// GUM G.6.4: ν_eff truncated to the next lower integer, at least 1 (correlations can push the
/// Welch-Satterthwaite figure below the smallest νᵢ). A relative tolerance of 1e-9 keeps binary
/// noise from turning an exact 4 (one Type A input of five readings) into 3.999... and then 3.
pub fn truncate_dof(effective_dof: f64) -> f64 {
    (effective_dof * (1.0 + 1e-9)).floor().max(1.0)
}

/// The GUM uncertainty framework on prepared inputs: estimate, sensitivities (exact derivatives of
/// the expression, or the given coefficients), combined standard uncertainty with correlations
/// (GUM 5.2.2), ν_eff, k and U.
///
/// `correlations` holds (i, j, r) with i ≠ j. Errors are expression errors at the estimates,
/// reported against the field `model`, or non-finite results.
pub fn gum_evaluate(
    inputs: &[PreparedInput],
    model: Option<&CompiledExpr>,
    correlations: &[(usize, usize, f64)],
    coverage_probability: f64,
) -> Result<GumResult, FieldError> {
    let (value, sensitivities) = match model {
        Some(expr) => {
            let x: Vec<f64> = inputs.iter().map(|p| p.estimate).collect();
            expr.value_and_gradient(&x)
                .map_err(|e| FieldError::new("model", e.to_string()))?
        }
        None => (
            inputs.iter().map(|p| p.sensitivity * p.estimate).sum(),
            inputs.iter().map(|p| p.sensitivity).collect(),
        ),
    };
    let contributions: Vec<f64> = inputs
        .iter()
        .zip(&sensitivities)
        .map(|(p, c)| c * p.standard_uncertainty)
        .collect();
    let mut variance: f64 = contributions.iter().map(|c| c * c).sum();
    for &(i, j, r) in correlations {
        match (contributions.get(i), contributions.get(j)) {
            (Some(ci), Some(cj)) if i != j => variance += 2.0 * ci * cj * r,
            _ => {
                return Err(FieldError::new(
                    "correlations",
                    "a correlation refers to an input that does not exist",
                ))
            }
        }
    }
    // A positive semidefinite correlation matrix cannot make the variance negative; what remains
    // is rounding in the sum.
    let variance = variance.max(0.0);
    let u_c = variance.sqrt();
    let field = if model.is_some() { "model" } else { "inputs" };
    if !value.is_finite() || !u_c.is_finite() {
        return Err(FieldError::new(
            field,
            "the result or its uncertainty is not a finite number (overflow)",
        ));
    }
    let dofs: Vec<(f64, Option<f64>)> = contributions
        .iter()
        .zip(inputs)
        .map(|(&c, p)| (c, p.dof))
        .collect();
    let effective_dof = welch_satterthwaite(&dofs, u_c);
    let k = gum_coverage_factor(coverage_probability, effective_dof);
    Ok(GumResult {
        value,
        standard_uncertainty: u_c,
        effective_dof,
        coverage_factor: k,
        expanded_uncertainty: k * u_c,
        sensitivities,
    })
}

/// Numerical tolerance δ of JCGM 101 7.9.2 for n_dig = 2 significant digits of u: u = c × 10^l
/// with c a two-digit integer, δ = 10^l / 2.
pub fn numerical_tolerance(u: f64) -> f64 {
    if u.is_nan() || u <= 0.0 || !u.is_finite() {
        return 0.0;
    }
    let mut l = u.log10().floor() as i32 - 1;
    let c = (u / 10f64.powi(l)).round();
    // log10 may land one off next to a power of ten, and 99.6 rounds to 100 (three digits).
    if c >= 100.0 {
        l += 1;
    } else if c < 10.0 {
        l -= 1;
    }
    0.5 * 10f64.powi(l)
}

/// JCGM 101 clause 8: the GUM interval y ± U is validated when both end-point differences
/// |y − U − y_low| and |y + U − y_high| are at most δ (two significant digits of u_c).
pub fn agrees_with_gum(y: f64, u_c: f64, expanded: f64, interval: (f64, f64)) -> bool {
    let delta = numerical_tolerance(u_c);
    let d_low = (y - expanded - interval.0).abs();
    let d_high = (y + expanded - interval.1).abs();
    d_low <= delta && d_high <= delta
}

/// Evaluates an uncertainty budget: `POST /api/v1/uncertainty/evaluate`.
///
/// Every validation problem found is returned (not only the first), each with the JSON path of
/// its field. A budget whose combined standard uncertainty is exactly zero is refused (field
/// `inputs`): a result cannot be reported without an uncertainty, and a zero budget almost always
/// means components are missing.
pub fn evaluate(req: &EvaluateRequest) -> Result<EvaluateResponse, Vec<FieldError>> {
    let mut errors = Vec::new();
    let p = req.coverage_probability;
    if !p.is_finite() || p <= 0.0 || p >= 1.0 {
        errors.push(FieldError::new(
            "coverage_probability",
            "must be a number strictly between 0 and 1, e.g. 0.9545",
        ));
    }
    if let Some(mc) = &req.monte_carlo {
        if mc.trials == 0 || mc.trials > MAX_TRIALS {
            errors.push(FieldError::new(
                "monte_carlo.trials",
                format!("must be between 1 and {MAX_TRIALS}"),
            ));
        } else if p.is_finite() && p > 0.0 && p < 1.0 {
            let needed = montecarlo::minimum_trials(p);
            if (mc.trials as usize) < needed {
                errors.push(FieldError::new(
                    "monte_carlo.trials",
                    format!(
                        "at least {needed} trials are needed for a coverage interval at \
                         probability {p} (10⁶ recommended)"
                    ),
                ));
            }
        }
    }
    if req.inputs.is_empty() {
        errors.push(FieldError::new(
            "inputs",
            "at least one input quantity is required",
        ));
    }
    if req.inputs.len() > MAX_INPUTS {
        return Err(vec![FieldError::new(
            "inputs",
            format!("at most {MAX_INPUTS} input quantities are accepted"),
        )]);
    }

    // Names: valid, unique.
    for (i, input) in req.inputs.iter().enumerate() {
        if !expr::is_valid_name(&input.name) {
            let message = if expr::is_reserved_name(&input.name) {
                format!(
                    "'{}' is a function name and cannot name an input",
                    input.name
                )
            } else {
                format!(
                    "'{}' is not a valid name: use letters, digits and '_', not starting \
                     with a digit",
                    input.name
                )
            };
            errors.push(FieldError::new(format!("inputs[{i}].name"), message));
        } else if let Some(first) = req.inputs[..i].iter().position(|o| o.name == input.name) {
            errors.push(FieldError::new(
                format!("inputs[{i}].name"),
                format!("duplicate name '{}' (also inputs[{first}])", input.name),
            ));
        }
    }

    let has_model = req.model.is_some();
    let prepared: Vec<Option<PreparedInput>> = req
        .inputs
        .iter()
        .enumerate()
        .map(|(i, input)| prepare_input(i, input, has_model, &mut errors))
        .collect();

    // The model expression.
    let names: Vec<&str> = req.inputs.iter().map(|x| x.name.as_str()).collect();
    let compiled = match &req.model {
        Some(src) => match CompiledExpr::compile(src, &names) {
            Ok(c) => {
                for (i, name) in names.iter().enumerate() {
                    if !c.uses(i) && expr::is_valid_name(name) {
                        errors.push(FieldError::new(
                            format!("inputs[{i}].name"),
                            format!(
                                "input '{name}' does not appear in the model (a typo in the \
                                 name or the model?)"
                            ),
                        ));
                    }
                }
                Some(c)
            }
            Err(e) => {
                errors.push(FieldError::new("model", e.to_string()));
                None
            }
        },
        None => None,
    };

    // Correlations.
    let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
    // Hash lookups keep a long list of correlations linear in its length.
    let mut index: HashMap<&str, usize> = HashMap::new();
    if !req.correlations.is_empty() {
        for (i, name) in names.iter().enumerate() {
            index.entry(name).or_insert(i);
        }
    }
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for (j, corr) in req.correlations.iter().enumerate() {
        let a = index.get(corr.a.as_str()).copied();
        let b = index.get(corr.b.as_str()).copied();
        if a.is_none() {
            errors.push(FieldError::new(
                format!("correlations[{j}].a"),
                format!("unknown input '{}'", corr.a),
            ));
        }
        if b.is_none() {
            errors.push(FieldError::new(
                format!("correlations[{j}].b"),
                format!("unknown input '{}'", corr.b),
            ));
        }
        let r_ok = if !corr.r.is_finite() {
            errors.push(FieldError::new(
                format!("correlations[{j}].r"),
                "must be a finite number",
            ));
            false
        } else if corr.r.abs() > 1.0 {
            errors.push(FieldError::new(
                format!("correlations[{j}].r"),
                "a correlation coefficient lies between -1 and 1",
            ));
            false
        } else {
            true
        };
        if let (Some(a), Some(b)) = (a, b) {
            if a == b {
                errors.push(FieldError::new(
                    format!("correlations[{j}]"),
                    format!("an input cannot be correlated with itself ('{}')", corr.a),
                ));
            } else if !seen.insert((a.min(b), a.max(b))) {
                errors.push(FieldError::new(
                    format!("correlations[{j}]"),
                    format!("the pair '{}', '{}' is given twice", corr.a, corr.b),
                ));
            } else if r_ok {
                pairs.push((a.min(b), a.max(b), corr.r));
            }
        }
    }
    pairs.retain(|&(_, _, r)| r != 0.0);
    let n = req.inputs.len();
    if !pairs.is_empty() {
        // Inputs outside the correlated group add identity rows, which cannot spoil
        // semidefiniteness: only the group's matrix needs the Cholesky test.
        let (_, matrix) = correlation_matrix(&pairs);
        if montecarlo::cholesky_psd(&matrix).is_none() {
            errors.push(FieldError::new(
                "correlations",
                "the correlation matrix is not positive semidefinite: these coefficients \
                 cannot hold together",
            ));
        }
    }

    // Monte Carlo restrictions on correlated inputs.
    if req.monte_carlo.is_some() {
        for (j, corr) in req.correlations.iter().enumerate() {
            if corr.r == 0.0 {
                continue;
            }
            for name in [&corr.a, &corr.b] {
                let idx = names.iter().position(|n| n == name);
                if let Some(Some(p)) = idx.map(|i| &prepared[i]) {
                    if !matches!(p.sampling, Sampling::Gaussian { .. }) {
                        errors.push(FieldError::new(
                            format!("correlations[{j}]"),
                            format!(
                                "the Monte Carlo method here supports correlation only between \
                                 normal inputs with infinite degrees of freedom; '{name}' is \
                                 not one"
                            ),
                        ));
                    }
                }
            }
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let inputs: Vec<PreparedInput> = prepared.into_iter().flatten().collect();
    if inputs.len() != n {
        return Err(vec![FieldError::new("inputs", "invalid inputs")]);
    }

    let gum = gum_evaluate(&inputs, compiled.as_ref(), &pairs, p).map_err(|e| vec![e])?;
    if gum.standard_uncertainty == 0.0 {
        return Err(vec![FieldError::new(
            "inputs",
            "the combined standard uncertainty is zero: a result cannot be reported without \
             an uncertainty (are components missing?)",
        )]);
    }

    let (reported_u, decimals) = round_expanded(gum.expanded_uncertainty, req.rounding);
    let reported = ReportedResult {
        value: round_to_decimals(gum.value, decimals),
        expanded_uncertainty: reported_u,
    };
    let u_c = gum.standard_uncertainty;
    let contributions = inputs
        .iter()
        .zip(&req.inputs)
        .zip(&gum.sensitivities)
        .map(|((input, request_input), &c)| {
            let ci = c * input.standard_uncertainty;
            Contribution {
                name: request_input.name.clone(),
                estimate: input.estimate,
                standard_uncertainty: input.standard_uncertainty,
                sensitivity: c,
                contribution: ci,
                dof: input.dof,
                variance_share: (ci / u_c) * (ci / u_c),
            }
        })
        .collect();

    let monte_carlo = match &req.monte_carlo {
        None => None,
        Some(mc) => Some(run_monte_carlo(
            &inputs,
            compiled.as_ref(),
            &pairs,
            mc,
            p,
            &gum,
        )?),
    };

    Ok(EvaluateResponse {
        value: gum.value,
        standard_uncertainty: u_c,
        effective_dof: gum.effective_dof,
        coverage_probability: p,
        coverage_factor: gum.coverage_factor,
        expanded_uncertainty: gum.expanded_uncertainty,
        reported,
        contributions,
        monte_carlo,
    })
}

/// The inputs involved in non-zero correlations (sorted) and their correlation matrix.
fn correlation_matrix(pairs: &[(usize, usize, f64)]) -> (Vec<usize>, Vec<Vec<f64>>) {
    let mut members: Vec<usize> = pairs.iter().flat_map(|&(a, b, _)| [a, b]).collect();
    members.sort_unstable();
    members.dedup();
    let m = members.len();
    let mut matrix = vec![vec![0.0; m]; m];
    for (i, row) in matrix.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for &(a, b, r) in pairs {
        if let (Ok(ia), Ok(ib)) = (members.binary_search(&a), members.binary_search(&b)) {
            matrix[ia][ib] = r;
            matrix[ib][ia] = r;
        }
    }
    (members, matrix)
}

fn run_monte_carlo(
    inputs: &[PreparedInput],
    model: Option<&CompiledExpr>,
    pairs: &[(usize, usize, f64)],
    mc: &MonteCarloRequest,
    p: f64,
    gum: &GumResult,
) -> Result<MonteCarloResult, Vec<FieldError>> {
    let mc_inputs: Vec<McInput> = inputs
        .iter()
        .map(|x| McInput {
            estimate: x.estimate,
            sampling: x.sampling,
        })
        .collect();
    let group = if pairs.is_empty() {
        None
    } else {
        let (members, matrix) = correlation_matrix(pairs);
        match montecarlo::cholesky_psd(&matrix) {
            Some(cholesky) => Some(CorrelatedGroup { members, cholesky }),
            None => {
                return Err(vec![FieldError::new(
                    "correlations",
                    "the correlation matrix is not positive semidefinite",
                )])
            }
        }
    };
    let model = match model {
        Some(e) => McModel::Expression(e),
        None => McModel::Linear(&gum.sensitivities),
    };
    let outcome = montecarlo::run(
        &mc_inputs,
        group.as_ref(),
        model,
        mc.trials as usize,
        mc.seed,
        gum_coverage_probability(p),
        gum.value,
    )
    .map_err(|e| {
        vec![match e {
            McError::NonFinite { count, trials } => FieldError::new(
                "model",
                format!(
                    "the model is undefined (division by zero or a function outside its \
                     domain) for {count} of {trials} Monte Carlo trials: the input \
                     distributions reach values the model cannot take"
                ),
            ),
            McError::TooFewTrials { needed } => FieldError::new(
                "monte_carlo.trials",
                format!("at least {needed} trials are needed"),
            ),
            McError::InvalidGroup => FieldError::new(
                "correlations",
                "the Monte Carlo method supports correlation only between normal inputs",
            ),
        }]
    })?;
    Ok(MonteCarloResult {
        trials: mc.trials,
        value: outcome.mean,
        standard_uncertainty: outcome.standard_uncertainty,
        coverage_interval: [outcome.low, outcome.high],
        agrees_with_gum: agrees_with_gum(
            gum.value,
            gum.standard_uncertainty,
            gum.expanded_uncertainty,
            (outcome.low, outcome.high),
        ),
    })
}
