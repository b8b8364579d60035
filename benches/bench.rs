//! The technician's bench and the signatory's review: server time of one live recomputation of a
//! 10-point record sheet (saved as typed, every point's budget and verdict computed), rendering the
//! review worksheet of a 50-point record, and saving a 50-point × 10-reading record through the
//! API (checked, evaluated, versioned and audited). Over HTTP on loopback, so the figures include
//! the request's round trip. `cargo bench --bench bench` (SQLite); with CALAB_TEST_DATABASE_URL
//! set, on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use calab::demo::DEMO_PASSWORD;
use serde_json::{json, Value};

fn median(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at =
        |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            let text = v.to_str().ok()?;
            let value = text.strip_prefix(&format!("{name}="))?;
            Some(value.split(';').next()?.to_string())
        })
}

/// A browser session of `email`: its cookie header.
async fn session(app: &helpers::TestApp, email: &str) -> String {
    let client = &app.client;
    let form = client.get(app.url("/login")).send().await.unwrap();
    let csrf = cookie(&form, "calab_csrf").unwrap();
    let signed = client
        .post(app.url("/login"))
        .header("Cookie", format!("calab_csrf={csrf}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("email", email),
                ("password", DEMO_PASSWORD),
                ("csrf", csrf.as_str()),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    format!(
        "calab_session={}",
        cookie(&signed, "calab_session").unwrap()
    )
}

/// A reading of the nth point, the jth of its readings: 0.1 °C resolution, a little spread.
fn reading(nominal: f64, j: usize) -> String {
    format!("{:.1}", nominal + [0.0, 0.1, 0.0, 0.1, 0.0][j % 5])
}

/// A new digital thermometer received for customer A; its item's id.
async fn received_item(app: &helpers::TestApp, tech: &str, serial: &str) -> String {
    let customer = app.customer_id_of(helpers::CUSTOMER_A).await;
    let order = app
        .post(
            "/api/v1/work-orders",
            tech,
            json!({"customer_id": customer, "items": [{"service": "calibration", "decision_rule": "simple",
                "new_instrument": {"description": "Nhiệt kế số / Digital thermometer", "serial_number": serial,
                    "quantity": "temperature", "range_min": 0.0, "range_max": 100.0, "unit": "°C",
                    "resolution": "0.1", "tolerance": [{"mpe_absolute": 0.3}]}}]}),
        )
        .await;
    assert!(order.status.is_success(), "{:?}", order.body);
    order.body["items"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let app = helpers::spawn_app().await;
    let backend = if std::env::var("CALAB_TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    };
    println!("backend: {backend}");
    let client = &app.client;
    let tech = app.token(helpers::TECH).await;
    let procedures = app.get("/api/v1/procedures?code=QT-ND-01", &tech).await;
    let procedure = procedures.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // One live recomputation of a 10-point sheet.
    let item = received_item(&app, &tech, "BENCH-LIVE").await;
    let technician = session(&app, helpers::TECH).await;
    let sheet = client
        .get(app.url(&format!("/bench/items/{item}")))
        .header("Cookie", &technician)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf\" value=\"";
    let at = sheet.find(marker).unwrap() + marker.len();
    let csrf = sheet[at..at + sheet[at..].find('"').unwrap()].to_string();
    let started = (chrono::Utc::now() + chrono::Duration::hours(7) - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let mut form = vec![
        ("csrf".to_string(), csrf),
        ("procedure".into(), procedure.clone()),
        ("started_at".into(), started),
        ("location".into(), "Lab".into()),
        ("temperature".into(), "21,5".into()),
        ("humidity".into(), "55".into()),
        ("monitor".into(), helpers::ROOM_MONITOR.into()),
        ("standards".into(), helpers::REFERENCE_PRT.into()),
    ];
    for i in 0..10 {
        let nominal = 5.0 + 10.0 * i as f64;
        form.push((format!("p{i}.nominal"), format!("{nominal}")));
        form.push((format!("p{i}.unit"), "°C".into()));
        form.push((format!("p{i}.reference"), format!("{nominal:.3}")));
        for j in 0..3 {
            form.push((format!("p{i}.r{j}"), reading(nominal, j).replace('.', ",")));
        }
    }
    let body = serde_urlencoded::to_string(&form).unwrap();
    let live = app.url(&format!("/bench/items/{item}/live"));
    let send = || {
        client
            .post(&live)
            .header("Cookie", &technician)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("HX-Request", "true")
            .body(body.clone())
            .send()
    };
    let first = send().await.unwrap().text().await.unwrap();
    assert_eq!(
        first.matches("class=\"badge ok\">").count(),
        11,
        "10 verdicts and a fit standard: {first}"
    );
    let mut samples = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        let r = send().await.unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
        samples.push(t.elapsed());
    }
    let (p50, p99) = median(samples);
    println!("live recomputation, 10 points        median={p50:>7.3} ms  p99={p99:>7.3} ms");

    // Saving a 50-point × 10-reading record, then rendering its worksheet.
    let item = received_item(&app, &tech, "BENCH-SAVE").await;
    let record = |notes: String| -> Value {
        let points: Vec<Value> = (0..50)
            .map(|i| {
                let nominal = 1.0 + 2.0 * i as f64;
                json!({"nominal": format!("{nominal:.1}"), "unit": "°C", "reference_value": format!("{nominal:.3}"),
                    "readings": (0..10).map(|j| reading(nominal, j)).collect::<Vec<_>>(),
                    "standards": [helpers::REFERENCE_PRT]})
            })
            .collect();
        let environment = |v: &str, unit: &str| json!({"value": v, "unit": unit, "measured_with": helpers::ROOM_MONITOR});
        json!({"item_id": item, "procedure_id": procedure,
            "started_at": (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339(),
            "location": "Lab", "notes": notes,
            "environment": {"temperature": environment("21.5", "°C"), "humidity": environment("55", "%RH")},
            "points": points})
    };
    let created = app
        .post("/api/v1/calibrations", &tech, record("0".into()))
        .await;
    assert!(created.status.is_success(), "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let mut etag = format!("\"{}\"", created.body["version"]);
    let mut samples = Vec::new();
    for n in 1..=40 {
        let t = Instant::now();
        let saved = app
            .patch(
                &format!("/api/v1/calibrations/{id}"),
                &tech,
                &etag,
                record(n.to_string()),
            )
            .await;
        samples.push(t.elapsed());
        assert!(saved.status.is_success(), "{:?}", saved.body);
        etag = format!("\"{}\"", saved.body["version"]);
    }
    let (p50, p99) = median(samples);
    println!("save, 50 points × 10 readings        median={p50:>7.3} ms  p99={p99:>7.3} ms");

    let signatory = session(&app, helpers::SIGNATORY).await;
    let url = app.url(&format!("/review/{id}"));
    let page = client
        .get(&url)
        .header("Cookie", &signatory)
        .send()
        .await
        .unwrap();
    assert!(page.status().is_success());
    let html = page.text().await.unwrap();
    assert_eq!(html.matches("<table class=\"budget\">").count(), 50);
    let mut samples = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let r = client
            .get(&url)
            .header("Cookie", &signatory)
            .send()
            .await
            .unwrap();
        r.bytes().await.unwrap();
        samples.push(t.elapsed());
    }
    let (p50, p99) = median(samples);
    println!(
        "review worksheet, 50 points          median={p50:>7.3} ms  p99={p99:>7.3} ms  ({} bytes)",
        html.len()
    );
}
