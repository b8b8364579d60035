//! Intake at scale: 100,000 instruments of 200 customers with 250,000 visits and 1,000,000 status
//! events. Measures, over HTTP, a customer user's filtered list page and a staff search, and a
//! 5,000-row CSV import. `cargo bench --bench intake` (SQLite); with CALAB_TEST_DATABASE_URL set,
//! on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use calab::db::models::{Customer, Instrument, ItemStatusEvent, WorkOrder, WorkOrderItem};
use calab::db::schema::{
    customers, instruments, item_status_events, work_order_items, work_orders,
};
use calab::db::{CustomerId, DbConn, InstrumentId, ItemEventId, WorkOrderId, WorkOrderItemId};
use calab::domain::intake::{DecisionRuleKind, ItemStatus, Service};
use calab::domain::{CertificateLanguage, Role};
use calab::services::{users, Ctx};
use diesel::prelude::*;

const CUSTOMERS: usize = 200;
const INSTRUMENTS: usize = 100_000;
const VISITS: usize = 250_000;
const PATH: [ItemStatus; 4] = [
    ItemStatus::Received,
    ItemStatus::InCalibration,
    ItemStatus::AwaitingApproval,
    ItemStatus::Approved,
];

fn seed(conn: &mut DbConn) -> Result<Vec<CustomerId>, diesel::result::Error> {
    let at = calab::db::UtcTime(helpers::clock().now_naive());
    let customer_rows: Vec<Customer> = (0..CUSTOMERS)
        .map(|i| Customer {
            id: CustomerId::new(),
            name: format!("Customer {i:03}"),
            address: "Hà Nội".into(),
            tax_code: None,
            contacts: "[]".into(),
            preferred_language: CertificateLanguage::Both,
            internal_notes: None,
            version: 1,
            created_at: at,
            updated_at: at,
            deleted_at: None,
            deleted_by: None,
            delete_reason: None,
        })
        .collect();
    calab::insert_many!(conn, customers::table, customer_rows, 1000);
    let statuses = [
        ItemStatus::Returned,
        ItemStatus::Registered,
        ItemStatus::InCalibration,
        ItemStatus::ReadyForReturn,
    ];
    let instrument_rows: Vec<Instrument> = (0..INSTRUMENTS)
        .map(|i| Instrument {
            id: InstrumentId::new(),
            lab_id: format!("BM-{i:06}"),
            customer_id: customer_rows[i % CUSTOMERS].id,
            description: format!("Đồng hồ áp suất {i}"),
            manufacturer: Some(
                ["WIKA", "Fluke", "Mitutoyo", "Sartorius"][(i / CUSTOMERS) % 4].into(),
            ),
            model: None,
            serial_number: Some(format!("SN{i:07}")),
            asset_tag: None,
            quantity: None,
            range_min: None,
            range_max: None,
            unit: None,
            resolution: None,
            tolerance: "[]".into(),
            recalibration_interval_months: Some(12),
            last_calibrated_on: None,
            last_verdict: None,
            next_due_on: Some(at.0.date() + chrono::Duration::days(((i / CUSTOMERS) % 365) as i64)),
            status: statuses[(i / CUSTOMERS) % statuses.len()],
            internal_notes: None,
            version: 1,
            created_at: at,
            updated_at: at,
            deleted_at: None,
            deleted_by: None,
            delete_reason: None,
        })
        .collect();
    calab::insert_many!(conn, instruments::table, instrument_rows, 1000);
    let orders: Vec<WorkOrder> = (0..VISITS / 5)
        .map(|i| WorkOrder {
            id: WorkOrderId::new(),
            number: format!("BM-WO-{i:06}"),
            customer_id: customer_rows[i % CUSTOMERS].id,
            received_at: at,
            received_by: None,
            delivered_by: None,
            promised_on: None,
            contract_review_note: None,
            notes: None,
            version: 1,
            created_at: at,
            updated_at: at,
        })
        .collect();
    calab::insert_many!(conn, work_orders::table, orders, 1000);
    let items: Vec<WorkOrderItem> = (0..VISITS)
        .map(|i| WorkOrderItem {
            id: WorkOrderItemId::new(),
            work_order_id: orders[i / 5].id,
            instrument_id: instrument_rows[(i * 7) % INSTRUMENTS].id,
            line_no: (i % 5) as i32 + 1,
            service: Service::Calibration,
            requested_points: None,
            decision_rule: DecisionRuleKind::Simple,
            guard_band: None,
            due_date_on_certificate: 0,
            condition_flags: "[]".into(),
            condition_remarks: None,
            accessories: None,
            status: ItemStatus::Approved,
            status_before_hold: None,
            status_reason: None,
            version: 1,
            created_at: at,
            updated_at: at,
        })
        .collect();
    calab::insert_many!(conn, work_order_items::table, items, 1000);
    let mut events = Vec::with_capacity(VISITS * PATH.len());
    for item in &items {
        for (n, status) in PATH.iter().enumerate() {
            events.push(ItemStatusEvent {
                id: ItemEventId::new(),
                item_id: item.id,
                instrument_id: item.instrument_id,
                from_status: n.checked_sub(1).map(|p| PATH[p]),
                to_status: *status,
                reason: None,
                changed_by: None,
                changed_at: at,
            });
        }
    }
    calab::insert_many!(conn, item_status_events::table, events, 2000);
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("ANALYZE").execute(c)?;
    }
    println!(
        "seeded {CUSTOMERS} customers, {INSTRUMENTS} instruments, {} work orders, {VISITS} items, {} status events",
        orders.len(),
        events.len()
    );
    Ok(customer_rows.iter().map(|c| c.id).collect())
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
    let started = Instant::now();
    let customer_ids = {
        let mut conn = app.conn();
        let ids = seed(&mut conn).expect("seed");
        users::create(
            &mut conn,
            &Ctx::system(helpers::clock()),
            users::CreateUser {
                email: "bench-customer@example.vn".into(),
                name: "Bench customer".into(),
                role: Role::Customer,
                password: calab::demo::DEMO_PASSWORD.into(),
                customer_id: Some(ids[17]),
            },
        )
        .expect("user");
        ids
    };
    println!(
        "backend: {backend}; seeding took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let customer = app.token("bench-customer@example.vn").await;
    let tech = app.token(helpers::TECH).await;

    let cases = [
        (
            "customer: own instruments, status=returned",
            "/api/v1/instruments?status=returned&limit=50".to_string(),
            &customer,
        ),
        (
            "customer: search q=wika",
            "/api/v1/instruments?q=wika&limit=50".to_string(),
            &customer,
        ),
        (
            "customer: due within 30 days",
            "/api/v1/instruments/due?within_days=30&limit=50".to_string(),
            &customer,
        ),
        (
            "staff: one customer, status=in_calibration",
            format!(
                "/api/v1/instruments?customer_id={}&status=in_calibration&limit=50",
                customer_ids[3]
            ),
            &tech,
        ),
        (
            "staff: search serial SN0004242",
            "/api/v1/instruments?q=SN0004242".to_string(),
            &tech,
        ),
    ];
    for (label, path, token) in cases {
        let mut samples = Vec::new();
        let mut count = 0;
        for _ in 0..100 {
            let t = Instant::now();
            let reply = app.get(&path, token).await;
            samples.push(t.elapsed());
            assert_eq!(reply.status, 200, "{label}: {:?}", reply.body);
            count = reply.body["items"].as_array().map(Vec::len).unwrap_or(0);
        }
        let (p50, p99) = median(samples);
        println!("{label:<46} median {p50:7.2} ms  p99 {p99:7.2} ms  ({count} items)");
    }

    let url = app.url(&format!(
        "/api/v1/instruments/import?customer_id={}",
        customer_ids[5]
    ));
    for round in 0..3 {
        // New serial numbers each round: the same file twice would be refused as duplicates.
        let mut csv = String::from("description,manufacturer,serial_number,quantity,range_min,range_max,unit,mpe_absolute,recalibration_interval_months,last_calibrated_on\n");
        for i in 0..5000 {
            csv.push_str(&format!(
                "Cân điện tử {i},AND,IMP{round}-{i:06},mass,0,600,g,0.01,12,2026-01-15\n"
            ));
        }
        let t = Instant::now();
        let reply = app
            .client
            .post(&url)
            .bearer_auth(&tech)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("import");
        let status = reply.status();
        let body: serde_json::Value = reply.json().await.unwrap_or_default();
        assert!(status.is_success(), "import: {status} {body}");
        println!(
            "CSV import of 5,000 rows (round {round}): {:.2} s, status {status}, imported {}",
            t.elapsed().as_secs_f64(),
            body["imported"]
        );
    }
}
