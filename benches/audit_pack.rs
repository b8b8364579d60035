//! The audit pack for a lab with one year of data: 50,000 calibration records (about 1 % amended),
//! 150,000 frozen standard uses, 47,000 certificates (some amended, some revoked), 1,000
//! intermediate checks and an audit trail of 250,000 events in a valid hash chain (which the pack
//! recomputes), on top of the demo lab and its quality records. Measures, over HTTP, the JSON
//! pack for the year, the PDF, and the attention list.
//! `cargo bench --bench audit_pack` (SQLite); with CALAB_TEST_DATABASE_URL set, on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use calab::db::models::{
    AuditEvent, CalibrationRecord, Certificate, Instrument, IntermediateCheck, PointStandard,
    RecordVersion, WorkOrder, WorkOrderItem,
};
use calab::db::schema::{
    audit_events, audit_head, calibration_point_standards, calibration_record_versions,
    calibration_records, certificates, instruments, intermediate_checks, procedures, standards,
    users, work_order_items, work_orders,
};
use calab::db::{
    CalibrationRecordId, CertificateId, CustomerId, DbConn, InstrumentId, IntermediateCheckId,
    PointStandardId, ProcedureId, RecordVersionId, StandardId, UserId, WorkOrderId,
    WorkOrderItemId,
};
use calab::domain::calibration::RecordStatus;
use calab::domain::certificate::CertificateStatus;
use calab::domain::intake::{DecisionRuleKind, ItemStatus, Service};
use calab::domain::CertificateLanguage;
use chrono::{Duration as Days, NaiveDate};
use diesel::prelude::*;

/// 50,000 unless `CALAB_BENCH_RECORDS` says otherwise (for a quick trial).
fn records() -> usize {
    std::env::var("CALAB_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000)
}
const EVENTS_PER_RECORD: usize = 5;

macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {{
        for part in $rows.chunks($chunk) {
            match &mut *$conn {
                DbConn::Sqlite(c) => diesel::insert_into($table).values(part).execute(c),
                DbConn::Pg(c) => diesel::insert_into($table).values(part).execute(c),
            }
            .expect("insert");
        }
    }};
}

fn seed(conn: &mut DbConn, today: NaiveDate) {
    let records_n = records();
    let customers: Vec<CustomerId> = calab::db::schema::customers::table
        .select(calab::db::schema::customers::id)
        .load(conn)
        .expect("customers");
    let tech: UserId = users::table
        .filter(users::email.eq(helpers::TECH))
        .select(users::id)
        .first(conn)
        .expect("tech");
    let signer: UserId = users::table
        .filter(users::email.eq(helpers::SIGNATORY))
        .select(users::id)
        .first(conn)
        .expect("signatory");
    let procedure: ProcedureId = procedures::table
        .select(procedures::id)
        .first(conn)
        .expect("procedure");
    let demo_standards: Vec<StandardId> = standards::table
        .select(standards::id)
        .load(conn)
        .expect("standards");
    let at = calab::db::UtcTime(helpers::clock().now_naive());
    let mut orders = Vec::new();
    let mut items = Vec::new();
    let mut instruments_rows = Vec::new();
    let mut records = Vec::new();
    let mut versions = Vec::new();
    let mut uses = Vec::new();
    let mut certs = Vec::new();
    for n in 0..records_n {
        let day = today - Days::days(364 - (n as i64 * 365 / records_n as i64));
        let customer = customers[n % customers.len()];
        if n % 10 == 0 {
            orders.push(WorkOrder {
                id: WorkOrderId::new(),
                number: format!("B-{n:06}"),
                customer_id: customer,
                received_at: calab::db::UtcTime(day.and_hms_opt(8, 0, 0).unwrap_or_default()),
                received_by: Some(tech),
                delivered_by: None,
                promised_on: None,
                contract_review_note: None,
                notes: None,
                version: 1,
                created_at: at,
                updated_at: at,
            });
        }
        let order = orders.last().map(|o| o.id).unwrap_or_default();
        let instrument = InstrumentId::new();
        instruments_rows.push(Instrument {
            id: instrument,
            lab_id: format!("BI-{n:06}"),
            customer_id: orders.last().map(|o| o.customer_id).unwrap_or(customer),
            description: "Cân / Balance".into(),
            manufacturer: None,
            model: None,
            serial_number: Some(format!("S{n}")),
            asset_tag: None,
            quantity: Some("mass".into()),
            range_min: None,
            range_max: None,
            unit: Some("g".into()),
            resolution: Some("0.001".into()),
            tolerance: "[]".into(),
            recalibration_interval_months: Some(12),
            last_calibrated_on: Some(day),
            last_verdict: Some("pass".into()),
            next_due_on: Some(day + Days::days(365)),
            status: ItemStatus::Returned,
            internal_notes: None,
            version: 1,
            created_at: at,
            updated_at: at,
            deleted_at: None,
            deleted_by: None,
            delete_reason: None,
        });
        let item = WorkOrderItemId::new();
        items.push(WorkOrderItem {
            id: item,
            work_order_id: order,
            instrument_id: instrument,
            line_no: (n % 10) as i32 + 1,
            service: Service::Calibration,
            requested_points: None,
            decision_rule: DecisionRuleKind::Simple,
            guard_band: None,
            due_date_on_certificate: 0,
            condition_flags: "[]".into(),
            condition_remarks: None,
            accessories: None,
            status: ItemStatus::Returned,
            status_before_hold: None,
            status_reason: None,
            version: 1,
            created_at: at,
            updated_at: at,
        });
        let status = match n % 100 {
            0..=2 => RecordStatus::Submitted,
            3..=4 => RecordStatus::Draft,
            5 => RecordStatus::Returned,
            _ => RecordStatus::Approved,
        };
        let amended = n % 100 == 50;
        let record = CalibrationRecordId::new();
        let current = if amended { 2 } else { 1 };
        records.push(CalibrationRecord {
            id: record,
            item_id: item,
            instrument_id: instrument,
            customer_id: orders.last().map(|o| o.customer_id).unwrap_or(customer),
            technician_id: tech,
            status,
            current_version: current,
            returned_reason: None,
            version: 3,
            created_at: at,
            updated_at: at,
        });
        for v in 1..=current {
            versions.push(RecordVersion {
                id: RecordVersionId::new(),
                record_id: record,
                record_version: v,
                procedure_id: procedure,
                calibrated_on: day,
                content: "{}".into(),
                sha256: "0".repeat(64),
                author_id: tech,
                amendment_reason: (v > 1).then(|| "reference value mistyped".to_string()),
                signed_by: (status == RecordStatus::Approved).then_some(signer),
                signer_name: None,
                signature_meaning: None,
                signed_at: None,
                signed_sha256: None,
                created_at: calab::db::UtcTime(day.and_hms_opt(12, 0, 0).unwrap_or_default()),
                updated_at: at,
            });
            for point in 0..3 {
                uses.push(PointStandard {
                    id: PointStandardId::new(),
                    record_id: record,
                    record_version: v,
                    point_index: point,
                    standard_id: demo_standards[(n + point as usize) % demo_standards.len()],
                    standard_calibration_id: None,
                    used_on: day,
                });
            }
        }
        if status == RecordStatus::Approved {
            let id = CertificateId::new();
            let revoked = n % 500 == 7;
            certs.push(Certificate {
                id,
                number: format!("HC-B-{n:06}"),
                record_id: record,
                record_version: current,
                item_id: item,
                instrument_id: instrument,
                customer_id: orders.last().map(|o| o.customer_id).unwrap_or(customer),
                status: if revoked {
                    CertificateStatus::Revoked
                } else {
                    CertificateStatus::Valid
                },
                issued_at: calab::db::UtcTime(day.and_hms_opt(15, 0, 0).unwrap_or_default()),
                issued_on: day,
                issued_by: signer,
                language: CertificateLanguage::Both,
                template_version: "bench".into(),
                replaces_id: None,
                amendment_reason: None,
                superseded_by: None,
                revoked_at: revoked.then(|| {
                    calab::db::UtcTime(
                        (day + Days::days(1))
                            .and_hms_opt(9, 0, 0)
                            .unwrap_or_default(),
                    )
                }),
                revoked_by: revoked.then_some(signer),
                revoke_reason: revoked.then(|| "issued to the wrong customer".to_string()),
                verify_token: format!("t{n}"),
                snapshot: "{}".into(),
                pdf_sha256: "0".into(),
                pdf_size: 0,
                dcc_sha256: "0".into(),
                signing_key_id: "bench-key".into(),
                signature: "0".into(),
                version: 1,
                created_at: at,
                updated_at: at,
            });
        }
    }
    let checks: Vec<IntermediateCheck> = (0..1000)
        .map(|n| IntermediateCheck {
            id: IntermediateCheckId::new(),
            standard_id: demo_standards[n % demo_standards.len()],
            checked_on: today - Days::days((n as i64 * 365) / 1000),
            reference_value: "1000.0000".into(),
            measured_value: "1000.0001".into(),
            lower_limit: "-0.002".into(),
            upper_limit: "0.002".into(),
            unit: "g".into(),
            result: "pass".into(),
            notes: None,
            performed_by: Some(tech),
            recorded_at: at,
        })
        .collect();
    {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(
            "INSERT INTO signing_keys (id, algorithm, public_key, private_key, created_at) \
             VALUES ('bench-key', 'Ed25519', 'pk', 'sk', CURRENT_TIMESTAMP)",
        )
        .expect("key");
    }
    insert_all!(conn, work_orders::table, orders, 1000);
    insert_all!(conn, instruments::table, instruments_rows, 500);
    insert_all!(conn, work_order_items::table, items, 1000);
    insert_all!(conn, calibration_records::table, records, 1000);
    insert_all!(conn, calibration_record_versions::table, versions, 1000);
    insert_all!(conn, calibration_point_standards::table, uses, 2000);
    insert_all!(conn, certificates::table, certs, 500);
    insert_all!(conn, intermediate_checks::table, checks, 1000);

    // The audit trail such a year leaves, chained onto the demo's.
    let (last_seq, last_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::last_seq, audit_head::last_hash))
        .first(conn)
        .expect("head");
    let mut prev = last_hash;
    let mut events = Vec::with_capacity(records_n * EVENTS_PER_RECORD);
    let actor = tech.to_string();
    for k in 0..(records_n * EVENTS_PER_RECORD) as i64 {
        let seq = last_seq + 1 + k;
        let mut e = AuditEvent {
            seq,
            occurred_at: at,
            actor_id: Some(actor.clone()),
            actor_role: Some("technician".into()),
            action: ["create", "update", "submit", "approve", "change_status"][(k % 5) as usize].into(),
            entity_type: "calibration_record".into(),
            entity_id: Some(format!("r{}", k / 5)),
            before_json: Some(r#"{"status":"draft","version":1}"#.into()),
            after_json: Some(r#"{"status":"submitted","version":2,"points":[{"nominal":"1000","readings":["1000.003","1000.004","1000.003"]}]}"#.into()),
            reason: None,
            request_id: Some(format!("req-{k}")),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        e.hash = e.fields().chain_hash(&e.prev_hash);
        prev.clone_from(&e.hash);
        events.push(e);
    }
    insert_all!(conn, audit_events::table, events, 1000);
    diesel::update(audit_head::table.find(1))
        .set((
            audit_head::last_seq.eq(last_seq + (records_n * EVENTS_PER_RECORD) as i64),
            audit_head::last_hash.eq(&prev),
        ))
        .execute(conn)
        .expect("head");
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("ANALYZE").execute(c).expect("analyze");
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
    let today = helpers::today();
    let pool = app.pool.clone();
    let t = Instant::now();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        seed(&mut conn, today);
    })
    .await
    .expect("seed");
    println!(
        "backend: {backend}\nseeded {} calibrations and {} audit events in {:.1} s",
        records(),
        records() * EVENTS_PER_RECORD,
        t.elapsed().as_secs_f64()
    );
    let qm = app.token(helpers::QM).await;
    let from = today - Days::days(364);
    let path = format!("/api/v1/reports/audit-pack?from={from}&to={today}");
    let mut samples = Vec::new();
    let mut size = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let reply = app
            .client
            .get(app.url(&path))
            .bearer_auth(&qm)
            .send()
            .await
            .expect("pack");
        assert_eq!(reply.status(), 200);
        let bytes = reply.bytes().await.expect("body");
        samples.push(t.elapsed());
        size = bytes.len();
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(body["audit_trail"]["valid"], true);
        assert!(
            body["technical_records"]["calibrations"]
                .as_i64()
                .unwrap_or(0)
                >= records() as i64
        );
    }
    let mut pdf = Vec::new();
    let mut pdf_size = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let reply = app
            .client
            .get(app.url(&format!(
                "/api/v1/reports/audit-pack.pdf?from={from}&to={today}"
            )))
            .bearer_auth(&qm)
            .send()
            .await
            .expect("pdf");
        assert_eq!(reply.status(), 200);
        pdf_size = reply.bytes().await.expect("body").len();
        pdf.push(t.elapsed());
    }
    let mut attention = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let reply = app.get("/api/v1/reports/attention", &qm).await;
        assert_eq!(reply.status, 200);
        attention.push(t.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "audit pack JSON, one year        median {:8.1} ms  max {:8.1} ms  ({} KB, n={})",
        ms(median(&mut samples)),
        ms(*samples.iter().max().unwrap_or(&Duration::ZERO)),
        size / 1024,
        samples.len()
    );
    println!(
        "audit pack PDF, one year         median {:8.1} ms  ({} KB, n={})",
        ms(median(&mut pdf)),
        pdf_size / 1024,
        pdf.len()
    );
    println!(
        "attention list                   median {:8.1} ms  (n={})",
        ms(median(&mut attention)),
        attention.len()
    );
}
