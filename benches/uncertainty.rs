//! Throughput of the uncertainty engine: (a) a 10-input analytical budget (ν_eff, k, U and the
//! rounded strings included) and (b) 10⁶ Monte Carlo trials of a 6-input model expression.
//! Run with `flock /tmp/cargo.lock cargo bench`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

use std::hint::black_box;
use std::time::Instant;

use calab::domain::uncertainty::{
    evaluate, EvaluateRequest, InputQuantity, MonteCarloRequest, RoundingMode, Uncertainty,
};

fn normal(name: &str, x: f64, u: f64, dof: Option<f64>) -> InputQuantity {
    InputQuantity {
        name: name.into(),
        estimate: Some(x),
        uncertainty: Some(Uncertainty::Normal {
            standard: Some(u),
            expanded: None,
            k: None,
            dof,
        }),
        ..Default::default()
    }
}

fn rectangular(name: &str, x: f64, a: f64) -> InputQuantity {
    InputQuantity {
        name: name.into(),
        estimate: Some(x),
        uncertainty: Some(Uncertainty::Rectangular {
            half_width: a,
            dof: None,
        }),
        ..Default::default()
    }
}

/// A calibration-sized budget: certificate, drift, resolution, repeatability (Type A readings),
/// temperature effects..., with finite degrees of freedom so that ν_eff and a t quantile are
/// computed on every evaluation.
fn ten_input_budget(model: Option<&str>) -> EvaluateRequest {
    let mut inputs = vec![
        normal("ref", 100.000_2, 0.000_15, Some(60.0)),
        rectangular("drift", 0.0, 0.000_2),
        rectangular("res", 0.0, 0.000_05),
        InputQuantity {
            name: "rep".into(),
            readings: Some(vec![0.0011, 0.0013, 0.0009, 0.0012, 0.0010, 0.0011]),
            ..Default::default()
        },
        normal("temp", 0.0, 0.000_08, Some(12.0)),
        rectangular("lin", 0.0, 0.000_1),
        normal("hyst", 0.0, 0.000_03, Some(9.0)),
        rectangular("zero", 0.0, 0.000_02),
        normal("cable", 0.0, 0.000_04, None),
        rectangular("env", 0.0, 0.000_06),
    ];
    if model.is_none() {
        inputs[4].sensitivity = Some(0.8);
    }
    EvaluateRequest {
        model: model.map(String::from),
        coverage_probability: 0.9545,
        rounding: RoundingMode::Up,
        monte_carlo: None,
        inputs,
        correlations: Vec::new(),
    }
}

fn time_budget(label: &str, req: &EvaluateRequest) {
    let check = match evaluate(req) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{label}: {e:?}");
            return;
        }
    };
    // Warm up, then time enough evaluations for about a second.
    for _ in 0..10_000 {
        black_box(evaluate(black_box(req)).is_ok());
    }
    let n = 1_000_000;
    let start = Instant::now();
    for _ in 0..n {
        black_box(evaluate(black_box(req)).is_ok());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "(a) {label}: {:.0} evaluations/s ({:.2} µs each); y = {} ± {} (k = {:.4}, ν_eff = {:.1})",
        n as f64 / secs,
        1e6 * secs / n as f64,
        check.reported.value,
        check.reported.expanded_uncertainty,
        check.coverage_factor,
        check.effective_dof.unwrap_or(f64::INFINITY),
    );
}

/// The same budget with a different coverage probability on every call, so that each evaluation
/// computes its t quantile afresh instead of finding it in the per-thread cache.
fn time_budget_uncached(req: &EvaluateRequest) {
    let n = 200_000;
    let reqs: Vec<EvaluateRequest> = (0..1000)
        .map(|i| {
            let mut r = req.clone();
            r.coverage_probability = 0.95 + 1e-6 * i as f64;
            r
        })
        .collect();
    let start = Instant::now();
    for i in 0..n {
        black_box(evaluate(black_box(&reqs[i % reqs.len()])).is_ok());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "(a) 10-input budget, linear, t quantile recomputed on every call: {:.0} evaluations/s \
         ({:.2} µs each)",
        n as f64 / secs,
        1e6 * secs / n as f64
    );
}

fn main() {
    time_budget(
        "10-input budget, linear (sensitivities)",
        &ten_input_budget(None),
    );
    time_budget_uncached(&ten_input_budget(None));
    time_budget(
        "10-input budget, model expression + autodiff",
        &ten_input_budget(Some(
            "ref * (1 + 0.8e-5 * temp) + drift + res + rep + lin + hyst + zero + cable + env",
        )),
    );

    // (b) 10⁶ Monte Carlo trials of a 6-input non-linear model (the EA-4/02 S3 resistor with a
    // temperature term). The rectangular drift term weighs enough for the GUM interval to miss the
    // strict n_dig = 2 tolerance of S1 clause 8, so `agrees = false` is expected.
    let req = EvaluateRequest {
        model: Some("(RS + dRD + dRTS) * rC * r * (1 + 5e-6 * dT)".into()),
        coverage_probability: 0.95,
        rounding: RoundingMode::Up,
        monte_carlo: Some(MonteCarloRequest {
            trials: 1_000_000,
            seed: 1,
        }),
        inputs: vec![
            normal("RS", 10_000.053, 0.002_5, None),
            rectangular("dRD", 0.020, 0.010),
            rectangular("dRTS", 0.0, 0.002_75),
            normal("rC", 1.0, 0.41e-6, None),
            normal("r", 1.000_010_5, 0.071e-6, Some(4.0)),
            normal("dT", 0.0, 0.05, None),
        ],
        correlations: Vec::new(),
    };
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..3 {
        let start = Instant::now();
        let r = evaluate(black_box(&req));
        best = best.min(start.elapsed().as_secs_f64());
        last = Some(r);
    }
    match last {
        Some(Ok(r)) => {
            let Some(mc) = r.monte_carlo else { return };
            println!(
                "(b) 10^6 Monte Carlo trials, 6-input model: {:.3} s (best of 3); \
                 y = {:.6}, u = {:.6}, interval [{:.6}, {:.6}], agrees = {}",
                best,
                mc.value,
                mc.standard_uncertainty,
                mc.coverage_interval[0],
                mc.coverage_interval[1],
                mc.agrees_with_gum
            );
        }
        Some(Err(e)) => eprintln!("(b): {e:?}"),
        None => {}
    }
}
