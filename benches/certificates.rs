//! Issuing a two-page certificate with 30 points, once the signatory has re-authenticated: the
//! transaction that allocates the number, builds the snapshot, renders the DCC and the PDF, hashes
//! and signs it and stores everything with its audit event. `cargo bench --bench certificates`
//! (SQLite); with CALAB_TEST_DATABASE_URL set, on PostgreSQL. The password check before it
//! (Argon2id, about 16 ms by design) is not part of the figure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use calab::db::models::User;
use calab::db::schema::users;
use calab::domain::Role;
use calab::services::certificates::{self, IssueSettings};
use calab::services::Ctx;
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ROUNDS: usize = 25;

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
    let signatory = app.token(helpers::SIGNATORY).await;
    let procedure = app
        .get("/api/v1/procedures?code=QT-KL-01&status=approved", &qm)
        .await
        .body["items"][0]["id"]
        .clone();
    let standard = app.get("/api/v1/standards?q=M-WS-01", &qm).await.body["items"][0]["id"].clone();
    let monitor = app.get("/api/v1/standards?q=E-TH-01", &qm).await.body["items"][0]["id"].clone();
    let customer = app.customer_id_of(helpers::CUSTOMER_A).await;
    let points: Vec<Value> = (1..=30)
        .map(|n| {
            let nominal = n * 20;
            let readings: Vec<String> = (0..5).map(|r| format!("{nominal}.{:03}", 2 + (r % 3))).collect();
            json!({"nominal": nominal.to_string(), "unit": "g", "reference_value": format!("{nominal}.0011"), "readings": readings, "standards": [standard]})
        })
        .collect();

    // Approved 30-point records to issue.
    let mut records = Vec::new();
    for round in 0..ROUNDS {
        let order = app
            .post("/api/v1/work-orders", &tech, json!({"customer_id": customer, "items": [{
                "new_instrument": {"description": "Cân / Balance 1 kg", "serial_number": format!("CERT-BENCH-{round}"), "resolution": "0.001", "unit": "g",
                                   "quantity": "mass", "tolerance": [{"mpe_absolute": 0.01}], "recalibration_interval_months": 12},
                "service": "calibration", "decision_rule": "simple", "due_date_on_certificate": true}]}))
            .await;
        assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
        let body = json!({
            "item_id": order.body["items"][0]["id"], "procedure_id": procedure,
            "started_at": helpers::now() - chrono::Duration::hours(1), "location": "Phòng Khối lượng",
            "environment": {"temperature": {"value": "21.0", "unit": "°C", "measured_with": monitor}, "humidity": {"value": "50", "unit": "%RH", "measured_with": monitor}},
            "points": points
        });
        let record = app.post("/api/v1/calibrations", &tech, body).await;
        assert_eq!(record.status, StatusCode::CREATED, "{:?}", record.body);
        let id = record.body["id"].as_str().unwrap_or_default().to_string();
        for (token, action, body) in [
            (&tech, "submit", None),
            (
                &signatory,
                "approve",
                Some(json!({"password": calab::demo::DEMO_PASSWORD})),
            ),
        ] {
            let current = app.get(&format!("/api/v1/calibrations/{id}"), &qm).await;
            let reply = app
                .send(
                    Method::POST,
                    &format!("/api/v1/calibrations/{id}/{action}"),
                    Some(token),
                    body,
                    &[("if-match", &current.etag())],
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{action}: {:?}", reply.body);
        }
        records.push(id.parse().expect("record id"));
    }

    let settings = IssueSettings {
        public_url: "https://calab.example.vn".into(),
        demo: false,
    };
    let pool = app.pool.clone();
    let (samples, sizes) = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let signer = users::table
            .filter(users::email.eq(helpers::SIGNATORY))
            .first::<User>(&mut conn)
            .expect("signatory");
        let ctx = Ctx {
            user_id: Some(signer.id),
            role: Some(Role::Signatory),
            ..Ctx::system(helpers::clock())
        };
        let mut samples = Vec::new();
        let mut sizes = Vec::new();
        for record in records {
            let t = Instant::now();
            let (cert, created) =
                certificates::issue_signed(&mut conn, &ctx, record, &signer, &settings)
                    .expect("issue");
            samples.push(t.elapsed());
            assert!(created);
            sizes.push(cert.certificate.pdf_size);
        }
        (samples, sizes)
    })
    .await
    .expect("bench task");
    let mut sorted = samples.clone();
    sorted.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "backend: {backend}\nissue a 30-point certificate (render, sign, store)  median {:7.2} ms  p90 {:7.2} ms  first {:7.2} ms  PDF {} bytes  (n={})",
        ms(sorted[sorted.len() / 2]),
        ms(sorted[sorted.len() * 9 / 10]),
        ms(samples[0]),
        sizes[0],
        sorted.len()
    );
}
