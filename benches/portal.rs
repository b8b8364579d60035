//! The customer portal's pages: server time to render the instrument list (50 rows) and an
//! instrument page with its chart, over HTTP on loopback (so the figures include the request's
//! round trip); and the transfer size of the first page with everything it loads, compressed.
//! `cargo bench --bench portal` (SQLite); with CALAB_TEST_DATABASE_URL set, on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use calab::demo::DEMO_PASSWORD;
use serde_json::json;

fn median(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at =
        |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

/// The value of `name=` in a set of `Set-Cookie` headers.
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

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let app = helpers::spawn_app().await;
    let backend = if std::env::var("CALAB_TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    };
    println!("backend: {backend}");
    // Enough instruments for a full page of 50.
    let tech = app.token(helpers::TECH).await;
    let customer = app.customer_id_of(helpers::CUSTOMER_A).await;
    for n in 0..60 {
        let r = app
            .post(
                "/api/v1/instruments",
                &tech,
                json!({"customer_id": customer, "description": format!("Đồng hồ đo áp suất {n}"),
                       "serial_number": format!("BENCH-{n:03}"), "unit": "bar",
                       "range_min": 0.0, "range_max": 16.0, "recalibration_interval_months": 12}),
            )
            .await;
        assert!(r.status.is_success(), "{:?}", r.body);
    }
    let (instrument, _) = helpers::certified_instrument(&app).await;

    // Sign in through the form.
    let client = &app.client;
    let form = client.get(app.url("/login")).send().await.unwrap();
    let csrf = cookie(&form, "calab_csrf").unwrap();
    let signed = client
        .post(app.url("/login"))
        .header("Cookie", format!("calab_csrf={csrf}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("email", helpers::CUSTOMER_A),
                ("password", DEMO_PASSWORD),
                ("csrf", csrf.as_str()),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let session = format!(
        "calab_session={}",
        cookie(&signed, "calab_session").unwrap()
    );

    for (name, path, rows) in [
        ("instrument list, 50 rows", "/instruments".to_string(), 50),
        (
            "instrument page with its chart",
            format!("/instruments/{instrument}"),
            0,
        ),
    ] {
        let url = app.url(&path);
        let page = client
            .get(&url)
            .header("Cookie", &session)
            .send()
            .await
            .unwrap();
        assert!(page.status().is_success());
        let body = page.text().await.unwrap();
        assert!(
            rows == 0 || body.matches("<td class=\"id\">").count() == rows,
            "{name}: {rows} rows"
        );
        assert!(rows > 0 || body.contains("<svg class=\"chart\""));
        for _ in 0..50 {
            client
                .get(&url)
                .header("Cookie", &session)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
        let mut samples = Vec::new();
        for _ in 0..500 {
            let started = Instant::now();
            let r = client
                .get(&url)
                .header("Cookie", &session)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap();
            samples.push(started.elapsed());
        }
        let (p50, p99) = median(samples);
        println!(
            "{name:<34} median={p50:>7.3} ms  p99={p99:>7.3} ms  ({} bytes of HTML)",
            body.len()
        );
    }

    // The first page a customer sees, and what it loads, as a browser would fetch it (gzip).
    let mut total = 0usize;
    let mut fonts = 0usize;
    for path in [
        "/".to_string(),
        "/assets/calab.css".into(),
        "/assets/htmx.min.js".into(),
        "/assets/calab.js".into(),
        "/favicon.ico".into(),
        "/assets/DejaVuSans.woff2".into(),
        "/assets/DejaVuSans-Bold.woff2".into(),
    ] {
        let r = client
            .get(app.url(&path))
            .header("Cookie", &session)
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}");
        let size = r.bytes().await.unwrap().len();
        println!("  {path:<32} {size:>7} bytes on the wire");
        total += size;
        if path.ends_with(".woff2") {
            fonts += size;
        }
    }
    println!(
        "first page: {:.1} KB in all, {:.1} KB without fonts",
        total as f64 / 1024.0,
        (total - fonts) as f64 / 1024.0
    );
}
