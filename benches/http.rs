//! HTTP benchmarks of the foundation: fetching one customer by id, and signing in.
//! `cargo bench --bench http` (SQLite); with CALAB_TEST_DATABASE_URL set, on PostgreSQL.
//! Prints medians, p99 and throughput; asserts nothing.

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use calab::services::bootstrap::DEMO_PASSWORD;
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

/// Requests per second with `clients` concurrent loops for `duration`.
async fn throughput<F, Fut>(clients: usize, duration: Duration, make: F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let mut total = 0usize;
    while started.elapsed() < duration {
        let batch: Vec<_> = (0..clients).map(|_| tokio::spawn(make())).collect();
        for task in batch {
            let _ = task.await;
        }
        total += clients;
    }
    total as f64 / started.elapsed().as_secs_f64()
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
        let _ = client.get(&url).bearer_auth(&token).send().await;
    }
    let mut samples = Vec::new();
    for _ in 0..3000 {
        let t = Instant::now();
        let response = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        let _ = response.bytes().await;
        samples.push(t.elapsed());
    }
    report("GET /api/v1/customers/{id} (sequential)", samples);
    let rps = throughput(32, Duration::from_secs(5), || {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move {
            if let Ok(r) = client.get(&url).bearer_auth(&token).send().await {
                let _ = r.bytes().await;
            }
        }
    })
    .await;
    println!("GET /api/v1/customers/{{id}} (32 concurrent)  {rps:>10.0} requests/s");

    let login_url = app.url("/api/v1/auth/login");
    let body = json!({"email": helpers::QM, "password": DEMO_PASSWORD});
    let mut samples = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        let response = client
            .post(&login_url)
            .json(&body)
            .send()
            .await
            .expect("login");
        assert!(response.status().is_success());
        samples.push(t.elapsed());
    }
    report("POST /api/v1/auth/login (sequential)", samples);
    let rps = throughput(4, Duration::from_secs(5), || {
        let (client, url, body) = (client.clone(), login_url.clone(), body.clone());
        async move {
            let _ = client.post(&url).json(&body).send().await;
        }
    })
    .await;
    println!("POST /api/v1/auth/login (4 concurrent)     {rps:>10.0} logins/s");
}
