//! Recording a calibration of 50 points × 10 readings with a budget per point, end to end over
//! HTTP (validation, fitness of the standard per point, 50 GUM budgets, CMC floor, verdicts, the
//! version and its hash, the audit event). `cargo bench --bench calibration` (SQLite); with
//! CALAB_TEST_DATABASE_URL set, on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let app = helpers::spawn_app().await;
    let backend = if std::env::var("CALAB_TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    };
    let tech = app.token(helpers::TECH).await;
    let qm = app.token(helpers::QM).await;
    let procedure = app
        .get("/api/v1/procedures?code=QT-KL-01&status=approved", &qm)
        .await
        .body["items"][0]["id"]
        .clone();
    let standard = app.get("/api/v1/standards?q=M-WS-01", &qm).await.body["items"][0]["id"].clone();
    let monitor = app.get("/api/v1/standards?q=E-TH-01", &qm).await.body["items"][0]["id"].clone();
    let customer = app.customer_id_of(helpers::CUSTOMER_A).await;
    let points: Vec<Value> = (1..=50)
        .map(|n| {
            let nominal = n * 20;
            let readings: Vec<String> = (0..10).map(|r| format!("{nominal}.{:03}", 2 + (r % 3))).collect();
            json!({"nominal": nominal.to_string(), "unit": "g", "reference_value": format!("{nominal}.0011"), "readings": readings, "standards": [standard]})
        })
        .collect();
    let mut samples = Vec::new();
    for round in 0..25 {
        let order = app
            .post("/api/v1/work-orders", &tech, json!({"customer_id": customer, "items": [{
                "new_instrument": {"description": "Cân / Balance 1 kg", "serial_number": format!("BENCH-{round}"), "resolution": "0.001", "unit": "g",
                                   "quantity": "mass", "tolerance": [{"mpe_absolute": 0.01}], "recalibration_interval_months": 12},
                "service": "calibration", "decision_rule": "simple"}]}))
            .await;
        let item = order.body["items"][0]["id"].clone();
        let body = json!({
            "item_id": item, "procedure_id": procedure, "started_at": helpers::now() - chrono::Duration::hours(1), "location": "Lab",
            "environment": {"temperature": {"value": "21.0", "unit": "°C", "measured_with": monitor}, "humidity": {"value": "50", "unit": "%RH", "measured_with": monitor}},
            "points": points
        });
        let t = Instant::now();
        let reply = app
            .send(
                Method::POST,
                "/api/v1/calibrations",
                Some(&tech),
                Some(body),
                &[],
            )
            .await;
        samples.push(t.elapsed());
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "backend: {backend}\nrecord 50 points x 10 readings with budgets   median {:7.2} ms  p90 {:7.2} ms  (n={})",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 9 / 10]),
        samples.len()
    );
}
