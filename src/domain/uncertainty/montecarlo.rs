//! Propagation of distributions by the Monte Carlo method of JCGM 101:2008 (GUM Supplement 1):
//! sampling the input distributions (6.4), evaluating the model (7.4), the estimate and standard
//! uncertainty (7.6) and the probabilistically symmetric coverage interval (7.7).
//!
//! The validation of the GUM result against these (S1 clause 8) lives with the GUM evaluation in
//! the parent module, which knows the expanded uncertainty.
//!
//! A trial allocates nothing: inputs, correlated normal deviates and the expression stack are
//! preallocated, and output values are stored as deviations from the GUM estimate so that a large
//! offset (10 000.025 g with u = 29 mg) costs no precision in the sums or the sort.

use super::expr::CompiledExpr;
use super::rng::Xoshiro256PlusPlus;

/// How one input quantity is sampled (JCGM 101 6.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampling {
    /// Gaussian N(x, u²) (6.4.7).
    Gaussian { u: f64 },
    /// Scaled and shifted t: x + scale·t_ν (6.4.9: a Type A mean of n readings has
    /// scale s/√n and ν = n - 1).
    StudentT { scale: f64, dof: f64 },
    /// Rectangular on [x - a, x + a] (6.4.2).
    Rectangular { half_width: f64 },
    /// Symmetric triangular on [x - a, x + a] (6.4.5).
    Triangular { half_width: f64 },
    /// Arcsine (U-shaped) on [x - a, x + a] (6.4.6).
    Arcsine { half_width: f64 },
}

/// One input of the Monte Carlo model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McInput {
    pub estimate: f64,
    pub sampling: Sampling,
}

/// The model: a linear combination Σ cᵢxᵢ or a compiled expression.
#[derive(Debug, Clone, Copy)]
pub enum McModel<'a> {
    Linear(&'a [f64]),
    Expression(&'a CompiledExpr),
}

/// Gaussian inputs that are correlated, with the Cholesky factor of their correlation matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelatedGroup {
    /// Indices (into the inputs) of the correlated Gaussian inputs.
    pub members: Vec<usize>,
    /// Lower-triangular factor L with L Lᵀ = correlation matrix of `members`, row-major.
    pub cholesky: Vec<Vec<f64>>,
}

/// Summary of the distribution of the output quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McOutcome {
    pub trials: usize,
    /// Average of the model values (S1 7.6, eq. 22).
    pub mean: f64,
    /// Standard deviation of the model values (S1 7.6, eq. 23).
    pub standard_uncertainty: f64,
    /// Probabilistically symmetric coverage interval (S1 7.7.2).
    pub low: f64,
    pub high: f64,
}

/// Why a Monte Carlo run could not give a result.
#[derive(Debug, Clone, PartialEq)]
pub enum McError {
    /// The model gave NaN or ±∞ in this many trials (a sampled value fell outside the domain of a
    /// function, or a denominator reached zero).
    NonFinite { count: usize, trials: usize },
    /// Too few trials to form a coverage interval at this probability.
    TooFewTrials { needed: usize },
    /// The correlated group does not fit the inputs (an index out of range, a member that is not
    /// Gaussian, or a factor of the wrong size).
    InvalidGroup,
}

/// Cholesky factor of a symmetric matrix that must be positive semidefinite.
///
/// Semidefinite matrices (|r| = 1, or three inputs fully determined by two) are accepted: a zero
/// pivot gives a zero column. Returns `None` when the matrix is not positive semidefinite, within a
/// small tolerance for rounding in the stated coefficients.
pub fn cholesky_psd(matrix: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    const PIVOT_TOL: f64 = 1e-10;
    let n = matrix.len();
    if matrix.iter().any(|row| row.len() != n) {
        return None;
    }
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let s = matrix[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if s < -PIVOT_TOL || !s.is_finite() {
            return None;
        }
        if s <= PIVOT_TOL {
            // Zero pivot: the rest of the column must vanish too, or the matrix is indefinite.
            for i in (j + 1)..n {
                let v = matrix[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
                if v.abs() > 1e-7 {
                    return None;
                }
            }
            continue;
        }
        let d = s.sqrt();
        l[j][j] = d;
        for i in (j + 1)..n {
            let v = matrix[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            l[i][j] = v / d;
        }
    }
    Some(l)
}

/// Indices of the probabilistically symmetric coverage interval (S1 7.7.2), 0-based:
/// (r - 1, r + q - 1) in the sorted values.
fn interval_indices(trials: usize, p: f64) -> Option<(usize, usize)> {
    let pm = p * trials as f64;
    let q = if pm.fract() == 0.0 {
        pm as usize
    } else {
        (pm + 0.5).floor() as usize
    };
    if q >= trials {
        return None;
    }
    let rest = trials - q;
    // r = (M − q)/2 when that is an integer, else (M − q + 1)/2.
    let r = rest.div_ceil(2);
    if r == 0 || r + q > trials {
        return None;
    }
    Some((r - 1, r + q - 1))
}

/// Smallest number of trials that gives a coverage interval at probability p.
pub fn minimum_trials(p: f64) -> usize {
    let mut m = 1usize;
    while interval_indices(m, p).is_none() {
        // The bound grows like 1/(1 - p); doubling finds it quickly even for p close to 1.
        if m > 1 << 40 {
            return m;
        }
        m *= 2;
    }
    // Refine downwards: the smallest m in (m/2, m] that works.
    let (mut lo, mut hi) = (m / 2, m);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if interval_indices(mid, p).is_some() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

#[inline]
fn sample(rng: &mut Xoshiro256PlusPlus, input: &McInput) -> f64 {
    match input.sampling {
        Sampling::Gaussian { u } => input.estimate + u * rng.standard_normal(),
        Sampling::StudentT { scale, dof } => input.estimate + scale * rng.student_t(dof),
        Sampling::Rectangular { half_width } => {
            input.estimate + half_width * rng.uniform_symmetric()
        }
        Sampling::Triangular { half_width } => {
            // The sum of two uniforms on (0, 1), less 1, is triangular on (-1, 1).
            input.estimate + half_width * (rng.uniform_open() + rng.uniform_open() - 1.0)
        }
        Sampling::Arcsine { half_width } => {
            input.estimate + half_width * (2.0 * std::f64::consts::PI * rng.uniform_open()).sin()
        }
    }
}

/// Runs `trials` Monte Carlo trials. `reference` is the GUM estimate y: values are accumulated
/// as deviations from it. The draws are made in a fixed order (the correlated group first, then
/// the other inputs in their order), so a seed reproduces a result exactly.
pub fn run(
    inputs: &[McInput],
    group: Option<&CorrelatedGroup>,
    model: McModel<'_>,
    trials: usize,
    seed: u64,
    coverage_probability: f64,
    reference: f64,
) -> Result<McOutcome, McError> {
    let (low_index, high_index) = match interval_indices(trials, coverage_probability) {
        Some(ix) => ix,
        None => {
            return Err(McError::TooFewTrials {
                needed: minimum_trials(coverage_probability),
            })
        }
    };
    let n = inputs.len();
    if let Some(g) = group {
        let m = g.members.len();
        let fits = g
            .members
            .iter()
            .all(|&i| i < n && matches!(inputs[i].sampling, Sampling::Gaussian { .. }))
            && g.cholesky.len() == m
            && g.cholesky.iter().all(|row| row.len() == m);
        if !fits {
            return Err(McError::InvalidGroup);
        }
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut x = vec![0.0; n];
    let mut in_group = vec![false; n];
    let (members, chol): (&[usize], &[Vec<f64>]) = match group {
        Some(g) => (&g.members, &g.cholesky),
        None => (&[], &[]),
    };
    for &m in members {
        if let Some(flag) = in_group.get_mut(m) {
            *flag = true;
        }
    }
    let mut z = vec![0.0; members.len()];
    let mut stack = vec![
        0.0;
        match model {
            McModel::Expression(e) => e.stack_size(),
            McModel::Linear(_) => 0,
        }
    ];
    let mut values: Vec<f64> = Vec::with_capacity(trials);
    let mut non_finite = 0usize;

    for _ in 0..trials {
        if !members.is_empty() {
            for zi in z.iter_mut() {
                *zi = rng.standard_normal();
            }
            for (row, &m) in members.iter().enumerate() {
                let mut w = 0.0;
                for (col, zc) in z.iter().enumerate().take(row + 1) {
                    w += chol[row][col] * zc;
                }
                let input = &inputs[m];
                let u = match input.sampling {
                    Sampling::Gaussian { u } => u,
                    _ => 0.0,
                };
                x[m] = input.estimate + u * w;
            }
        }
        for (i, input) in inputs.iter().enumerate() {
            if !in_group[i] {
                x[i] = sample(&mut rng, input);
            }
        }
        let y = match model {
            McModel::Linear(c) => c.iter().zip(x.iter()).map(|(c, x)| c * x).sum::<f64>(),
            McModel::Expression(e) => e.eval(&x, &mut stack),
        };
        if y.is_finite() {
            values.push(y - reference);
        } else {
            non_finite += 1;
        }
    }
    if non_finite > 0 {
        return Err(McError::NonFinite {
            count: non_finite,
            trials,
        });
    }

    let m = values.len() as f64;
    let mean_dev = values.iter().sum::<f64>() / m;
    let ss = values
        .iter()
        .map(|v| (v - mean_dev) * (v - mean_dev))
        .sum::<f64>();
    let std = if values.len() > 1 {
        (ss / (m - 1.0)).sqrt()
    } else {
        0.0
    };
    let (_, low, upper) = values.select_nth_unstable_by(low_index, f64::total_cmp);
    let low = *low;
    let high = if high_index == low_index {
        low
    } else {
        let (_, high, _) = upper.select_nth_unstable_by(high_index - low_index - 1, f64::total_cmp);
        *high
    };
    Ok(McOutcome {
        trials,
        mean: reference + mean_dev,
        standard_uncertainty: std,
        low: reference + low,
        high: reference + high,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_indices_follow_s1_7_7() {
        // M = 10^6, p = 0.95: q = 950 000, r = 25 000: y_(25000) and y_(975000).
        assert_eq!(interval_indices(1_000_000, 0.95), Some((24_999, 974_999)));
        // pM not an integer: q = floor(pM + 1/2); M - q odd: r = (M - q + 1)/2.
        assert_eq!(interval_indices(101, 0.95), Some((2, 98)));
        assert_eq!(interval_indices(10, 0.99), None);
        assert_eq!(minimum_trials(0.95), 11);
        assert!(interval_indices(minimum_trials(0.9999), 0.9999).is_some());
    }

    #[test]
    fn cholesky_accepts_semidefinite_and_rejects_indefinite() {
        let r = vec![vec![1.0, 0.5], vec![0.5, 1.0]];
        let l = cholesky_psd(&r).unwrap();
        assert!((l[1][0] - 0.5).abs() < 1e-15 && (l[1][1] - 0.75f64.sqrt()).abs() < 1e-15);
        let full = vec![vec![1.0, 1.0], vec![1.0, 1.0]];
        assert!(cholesky_psd(&full).is_some());
        let bad = vec![
            vec![1.0, 0.9, -0.9],
            vec![0.9, 1.0, 0.9],
            vec![-0.9, 0.9, 1.0],
        ];
        assert!(cholesky_psd(&bad).is_none());
    }

    #[test]
    fn correlated_sampling_reproduces_the_correlation() {
        let inputs = [
            McInput {
                estimate: 0.0,
                sampling: Sampling::Gaussian { u: 1.0 },
            },
            McInput {
                estimate: 0.0,
                sampling: Sampling::Gaussian { u: 2.0 },
            },
        ];
        let r = 0.6;
        let group = CorrelatedGroup {
            members: vec![0, 1],
            cholesky: cholesky_psd(&[vec![1.0, r], vec![r, 1.0]]).unwrap(),
        };
        // Var(x1 + x2) = 1 + 4 + 2·0.6·1·2 = 7.4.
        let out = run(
            &inputs,
            Some(&group),
            McModel::Linear(&[1.0, 1.0]),
            200_000,
            5,
            0.95,
            0.0,
        )
        .unwrap();
        assert!(
            (out.standard_uncertainty - 7.4f64.sqrt()).abs() < 0.02,
            "{out:?}"
        );
    }

    #[test]
    fn non_finite_model_values_are_reported() {
        let e = CompiledExpr::compile("ln(a)", &["a"]).unwrap();
        let inputs = [McInput {
            estimate: 0.1,
            sampling: Sampling::Gaussian { u: 1.0 },
        }];
        match run(&inputs, None, McModel::Expression(&e), 1000, 1, 0.95, 0.0) {
            Err(McError::NonFinite { count, trials }) => {
                assert!(count > 300 && count < 700 && trials == 1000)
            }
            other => panic!("{other:?}"),
        }
        match run(&inputs, None, McModel::Linear(&[1.0]), 10, 1, 0.95, 0.0) {
            Err(McError::TooFewTrials { needed }) => assert_eq!(needed, 11),
            other => panic!("{other:?}"),
        }
    }
}
