//! Traceability at scale: 10,000 standards in a six-level hierarchy with 100,000 incoming
//! calibrations (ten years each). Measures, over HTTP, the chain of a bottom-level standard (six
//! links) and the dependents of upper-level standards over a one-year window.
//! `cargo bench --bench traceability` (SQLite); with CALAB_TEST_DATABASE_URL set, on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use calab::db::models::{Standard, StandardCalibration};
use calab::db::schema::{external_bodies, standard_calibrations, standards};
use calab::db::{DbConn, ExternalBodyId, StandardCalibrationId, StandardId};
use calab::domain::traceability::{AsFound, StandardKind, StandardStatus};
use chrono::{Duration as Days, NaiveDate};
use diesel::prelude::*;

const LEVELS: [usize; 6] = [10, 90, 400, 1500, 3000, 5000];
const YEARS: i64 = 10;

/// A small deterministic generator, so every run builds the same lab.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn insert_chunks<T>(
    conn: &mut DbConn,
    rows: &[T],
    chunk: usize,
    insert: impl Fn(&mut DbConn, &[T]) -> QueryResult<usize>,
) {
    for part in rows.chunks(chunk) {
        insert(conn, part).expect("insert");
    }
}

fn seed(conn: &mut DbConn, today: NaiveDate) -> Vec<Vec<StandardId>> {
    let body = ExternalBodyId::new();
    diesel::insert_into(external_bodies::table)
        .values((
            external_bodies::id.eq(body),
            external_bodies::name.eq("NMI"),
            external_bodies::country.eq("VN"),
            external_bodies::kind.eq("nmi"),
            external_bodies::version.eq(1),
            external_bodies::created_at.eq(calab::db::UtcTime(helpers::clock().now_naive())),
            external_bodies::updated_at.eq(calab::db::UtcTime(helpers::clock().now_naive())),
        ))
        .execute(conn)
        .expect("body");
    let mut rng = Lcg(42);
    let mut levels: Vec<Vec<StandardId>> = Vec::new();
    let mut all_standards = Vec::new();
    let mut all_calibrations = Vec::new();
    for (level, &count) in LEVELS.iter().enumerate() {
        let ids: Vec<StandardId> = (0..count).map(|_| StandardId::new()).collect();
        for (i, id) in ids.iter().enumerate() {
            all_standards.push(Standard {
                id: *id,
                asset_id: format!("L{level}-{i:05}"),
                name: format!("Standard {level}/{i}"),
                kind: if level == 0 {
                    StandardKind::ReferenceStandard
                } else {
                    StandardKind::WorkingStandard
                },
                manufacturer: None,
                model: None,
                serial_number: None,
                quantity: "mass".into(),
                range_min: None,
                range_max: None,
                unit: "g".into(),
                resolution: None,
                location: None,
                custodian_id: None,
                calibration_interval_months: 12,
                status: StandardStatus::InService,
                status_reason: None,
                version: 1,
                created_at: calab::db::UtcTime(helpers::clock().now_naive()),
                updated_at: calab::db::UtcTime(helpers::clock().now_naive()),
            });
            let parent = levels.last().map(|prev| prev[rng.below(prev.len())]);
            for year in 0..YEARS {
                // Upper levels are calibrated earlier in the year than the ones below them.
                let on =
                    today - Days::days(365 * (YEARS - year)) + Days::days(level as i64 * 20 + 1);
                all_calibrations.push(StandardCalibration {
                    id: StandardCalibrationId::new(),
                    standard_id: *id,
                    calibrated_on: on,
                    certificate_number: format!("C-{level}-{i}-{year}"),
                    external_body_id: if parent.is_none() { Some(body) } else { None },
                    issuer_standard_id: parent,
                    results: "[]".into(),
                    as_found: AsFound::InTolerance,
                    adjusted: 0,
                    due_on: on + Days::days(365 + 30),
                    due_override_reason: None,
                    recorded_by: None,
                    recorded_at: calab::db::UtcTime(helpers::clock().now_naive()),
                });
            }
        }
        levels.push(ids);
    }
    insert_chunks(conn, &all_standards, 1000, |conn, rows| match conn {
        DbConn::Sqlite(c) => diesel::insert_into(standards::table)
            .values(rows)
            .execute(c),
        DbConn::Pg(c) => diesel::insert_into(standards::table)
            .values(rows)
            .execute(c),
    });
    insert_chunks(conn, &all_calibrations, 2000, |conn, rows| match conn {
        DbConn::Sqlite(c) => diesel::insert_into(standard_calibrations::table)
            .values(rows)
            .execute(c),
        DbConn::Pg(c) => diesel::insert_into(standard_calibrations::table)
            .values(rows)
            .execute(c),
    });
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("ANALYZE").execute(c).expect("analyze");
    }
    println!(
        "seeded {} standards and {} calibrations",
        all_standards.len(),
        all_calibrations.len()
    );
    levels
}

fn median(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[(samples.len() * 99 / 100).min(samples.len() - 1)]),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let app = helpers::spawn_app().await;
    let backend = if std::env::var("CALAB_TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    };
    let today = helpers::today();
    let started = Instant::now();
    let levels = {
        let mut conn = app.conn();
        seed(&mut conn, today)
    };
    println!(
        "backend: {backend}; seeding took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let qm = app.token(helpers::QM).await;

    let mut rng = Lcg(7);
    let at = today - Days::days(100);
    let mut samples = Vec::new();
    let mut links = 0;
    for _ in 0..200 {
        let id = levels[5][rng.below(levels[5].len())];
        let t = Instant::now();
        let reply = app
            .get(&format!("/api/v1/standards/{id}/traceability?at={at}"), &qm)
            .await;
        samples.push(t.elapsed());
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        links = reply.body["links"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(reply.body["status"], "valid", "{:?}", reply.body);
    }
    let (p50, p99) = median(samples);
    println!(
        "traceability chain ({links} links)            median {p50:7.2} ms   p99 {p99:7.2} ms"
    );

    for (level, label) in [
        (0usize, "level 0 (about 1,000 below)"),
        (2, "level 2 (about 20 below)"),
    ] {
        let mut samples = Vec::new();
        let mut found = 0;
        for _ in 0..50 {
            let id = levels[level][rng.below(levels[level].len())];
            let from = today - Days::days(365);
            let t = Instant::now();
            let reply = app
                .get(
                    &format!("/api/v1/standards/{id}/dependents?from={from}&to={today}"),
                    &qm,
                )
                .await;
            samples.push(t.elapsed());
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            found = reply.body["standard_calibrations"]
                .as_array()
                .map(Vec::len)
                .unwrap_or(0);
        }
        let (p50, p99) = median(samples);
        println!("dependents of a {label:<28} median {p50:7.2} ms   p99 {p99:7.2} ms   (last: {found} calibrations)");
    }
}
