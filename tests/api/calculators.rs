//! The calculator endpoints over HTTP: a published example end to end, and every field error.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// EA-4/02 M:2022 example S2, the 10 kg weight: 10 000.025 g ± 0.059 g (k = 2).
fn weight_budget() -> Value {
    json!({
        "model": "mS + dD + dm + dC + dB",
        "inputs": [
            {"name": "mS", "estimate": 10000.005, "unit": "g", "uncertainty": {"distribution": "normal", "expanded": 0.045, "k": 2}},
            {"name": "dD", "estimate": 0, "uncertainty": {"distribution": "rectangular", "half_width": 0.015}},
            {"name": "dm", "readings": [0.010, 0.030, 0.020], "pooled_s": 0.025},
            {"name": "dC", "estimate": 0, "uncertainty": {"distribution": "rectangular", "half_width": 0.010}},
            {"name": "dB", "estimate": 0, "uncertainty": {"distribution": "rectangular", "half_width": 0.010}}
        ]
    })
}

#[tokio::test]
async fn the_weight_example_end_to_end_with_monte_carlo() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let mut budget = weight_budget();
    budget["monte_carlo"] = json!({"trials": 200000, "seed": 7});
    let reply = app
        .post("/api/v1/uncertainty/evaluate", &tech, budget)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["reported"]["value"], "10000.025");
    assert_eq!(reply.body["reported"]["expanded_uncertainty"], "0.059");
    assert_eq!(reply.body["effective_dof"], Value::Null);
    assert!((reply.body["coverage_factor"].as_f64().unwrap_or(0.0) - 2.0).abs() < 1e-9);
    assert_eq!(
        reply.body["contributions"].as_array().map(Vec::len),
        Some(5)
    );
    assert_eq!(reply.body["monte_carlo"]["trials"], 200000);
    assert_eq!(reply.body["monte_carlo"]["agrees_with_gum"], true);
    let again = app
        .post("/api/v1/uncertainty/evaluate", &tech, {
            let mut b = weight_budget();
            b["monte_carlo"] = json!({"trials": 200000, "seed": 7});
            b
        })
        .await;
    assert_eq!(
        again.body["monte_carlo"], reply.body["monte_carlo"],
        "seeded runs reproduce"
    );
}

async fn field_errors(app: &TestApp, token: &str, path: &str, body: Value) -> Vec<String> {
    let reply = app.post(path, token, body).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    reply.fields()
}

#[tokio::test]
async fn every_bad_budget_names_its_field() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let path = "/api/v1/uncertainty/evaluate";
    let with = |pointer: &str, value: Value| {
        let mut b = weight_budget();
        if let Some(slot) = b.pointer_mut(pointer) {
            *slot = value;
        }
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (json!({"inputs": []}), "inputs"),
        (
            with("/inputs/1/uncertainty/half_width", json!(-0.015)),
            "inputs[1].uncertainty.half_width",
        ),
        (
            with("/inputs/0/uncertainty/k", json!(0)),
            "inputs[0].uncertainty.k",
        ),
        (
            with("/inputs/2", json!({"name": "dm", "readings": [0.01]})),
            "inputs[2].readings",
        ),
        (
            with("/inputs/1/uncertainty/distribution", json!("lognormal")),
            "inputs[1].uncertainty",
        ),
        (with("/model", json!("mS + dD + dm + dC + dX")), "model"),
        (with("/model", json!("mS + (dD")), "model"),
    ];
    for (body, field) in cases {
        let fields = field_errors(&app, &tech, path, body).await;
        assert!(
            fields.iter().any(|f| f.starts_with(field)),
            "{field}: {fields:?}"
        );
    }
    for p in [0.0, 1.0, 1.5] {
        let mut b = weight_budget();
        b["coverage_probability"] = json!(p);
        assert_eq!(
            field_errors(&app, &tech, path, b).await,
            ["coverage_probability"]
        );
    }
    let mut too_many = weight_budget();
    too_many["monte_carlo"] = json!({"trials": 10_000_001u64});
    assert_eq!(
        field_errors(&app, &tech, path, too_many).await,
        ["monte_carlo.trials"]
    );
    let mut unknown = weight_budget();
    unknown["colour"] = json!("red");
    assert_eq!(field_errors(&app, &tech, path, unknown).await, ["colour"]);
}

#[tokio::test]
async fn conformity_and_en() {
    let app = spawn_app().await;
    let signatory = app.token(SIGNATORY).await;
    let decision = app
        .post("/api/v1/conformity/evaluate", &signatory, json!({
            "value": 10.05, "expanded_uncertainty": 0.1, "coverage_factor": 2, "lower_limit": null,
            "upper_limit": 10.0, "rule": "guarded", "guard_band": {"multiple_of_expanded_uncertainty": 1.0}, "binary": false
        }))
        .await;
    assert_eq!(decision.status, StatusCode::OK, "{:?}", decision.body);
    assert_eq!(decision.body["verdict"], "conditional_fail");
    assert!(
        (decision.body["acceptance_limits"]["upper"]
            .as_f64()
            .unwrap_or(0.0)
            - 9.9)
            .abs()
            < 1e-12
    );
    // Φ((10.0 − 10.05)/0.05) = Φ(−1) = 0.158655…
    assert!(
        (decision.body["probability_of_conformance"]
            .as_f64()
            .unwrap_or(0.0)
            - 0.158_655_253_9)
            .abs()
            < 1e-9
    );
    let fields = field_errors(&app, &signatory, "/api/v1/conformity/evaluate", json!({
        "value": 10.0, "expanded_uncertainty": -1, "lower_limit": null, "upper_limit": null, "rule": "simple"
    }))
    .await;
    assert!(
        fields.contains(&"expanded_uncertainty".to_string()),
        "{fields:?}"
    );

    let en = app
        .post("/api/v1/proficiency/en", &signatory, json!({
            "lab_value": 10.12, "lab_expanded_uncertainty": 0.06, "reference_value": 10.00, "reference_expanded_uncertainty": 0.08
        }))
        .await;
    assert_eq!(en.status, StatusCode::OK);
    assert!((en.body["en"].as_f64().unwrap_or(0.0) - 1.2).abs() < 1e-9);
    assert_eq!(en.body["satisfactory"], false);
    let zero = field_errors(&app, &signatory, "/api/v1/proficiency/en", json!({
        "lab_value": 1, "lab_expanded_uncertainty": 0, "reference_value": 1, "reference_expanded_uncertainty": 0
    }))
    .await;
    assert!(!zero.is_empty());
}
