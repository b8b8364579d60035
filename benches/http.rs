//! HTTP benchmarks of the foundation: fetching one customer by id, and signing in.
//! `cargo bench --bench http` (SQLite); with CALAB_TEST_DATABASE_URL set, on PostgreSQL.
//! Prints medians, p99 and throughput. Every timed request must succeed: a benchmark of errors
//! would time the wrong thing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use calab::demo::DEMO_PASSWORD;
use serde_json::json;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<40} n={:<6} median={:>8.3} ms  p99={:>8.3} ms",
        samples.len(),
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3
    );
}

/// Requests per second with `clients` concurrent loops for `duration`; each request answers with
/// its status, and any status but success stops the benchmark.
async fn throughput<F, Fut>(clients: usize, duration: Duration, make: F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::StatusCode> + Send + 'static,
{
    let started = Instant::now();
    let mut total = 0usize;
    while started.elapsed() < duration {
        let batch: Vec<_> = (0..clients).map(|_| tokio::spawn(make())).collect();
        for task in batch {
            let status = task.await.expect("request task");
            assert!(status.is_success(), "a timed request failed: {status}");
        }
        total += clients;
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// Sends a request and reads its whole body; the status, or 599 when it could not be sent.
async fn status_of(request: reqwest::RequestBuilder) -> reqwest::StatusCode {
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let _ = response.bytes().await;
            status
        }
        Err(_) => reqwest::StatusCode::from_u16(599).expect("status"),
    }
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
    let token = app.token(helpers::TECH).await;
    let id = app.customer_id_of(helpers::CUSTOMER_A).await;
    let url = app.url(&format!("/api/v1/customers/{id}"));
    let client = app.client.clone();

    for _ in 0..200 {
        assert!(status_of(client.get(&url).bearer_auth(&token))
            .await
            .is_success());
    }
    let mut samples = Vec::new();
    for _ in 0..3000 {
        let t = Instant::now();
        let status = status_of(client.get(&url).bearer_auth(&token)).await;
        samples.push(t.elapsed());
        assert!(status.is_success(), "{status}");
    }
    report("GET /api/v1/customers/{id} (sequential)", samples);
    let rps = throughput(32, Duration::from_secs(5), || {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move { status_of(client.get(&url).bearer_auth(&token)).await }
    })
    .await;
    println!("GET /api/v1/customers/{{id}} (32 concurrent)  {rps:>10.0} requests/s");

    let login_url = app.url("/api/v1/auth/login");
    let body = json!({"email": helpers::QM, "password": DEMO_PASSWORD});
    let mut samples = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        let status = status_of(client.post(&login_url).json(&body)).await;
        samples.push(t.elapsed());
        assert!(status.is_success(), "{status}");
    }
    report("POST /api/v1/auth/login (sequential)", samples);
    let rps = throughput(4, Duration::from_secs(5), || {
        let (client, url, body) = (client.clone(), login_url.clone(), body.clone());
        async move { status_of(client.post(&url).json(&body)).await }
    })
    .await;
    println!("POST /api/v1/auth/login (4 concurrent)     {rps:>10.0} logins/s");
}
