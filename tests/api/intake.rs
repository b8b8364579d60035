//! Instruments, work orders, item status, CSV import, recall and the customer's view.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn new_instrument(serial: &str) -> Value {
    json!({"description": "Cân phân tích / Analytical balance", "manufacturer": "Sartorius", "serial_number": serial,
           "asset_tag": format!("AT-{serial}"),
           "quantity": "mass", "range_min": 0, "range_max": 220, "unit": "g",
           "tolerance": [{"mpe_absolute": 0.0005}], "recalibration_interval_months": 12})
}

async fn receive(app: &TestApp, token: &str, customer: &str, serials: &[&str]) -> Value {
    let items: Vec<Value> = serials
        .iter()
        .map(|s| json!({"new_instrument": new_instrument(s), "service": "calibration", "decision_rule": "guarded",
                        "condition": {"flags": ["dirty"], "remarks": "Đĩa cân bẩn"}, "accessories": "Nắp che gió"}))
        .collect();
    let reply = app
        .post(
            "/api/v1/work-orders",
            token,
            json!({"customer_id": customer, "promised_on": today() + Duration::days(7),
              "contract_review_note": "internal: rush job", "items": items}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

async fn move_item(
    app: &TestApp,
    token: &str,
    order: &Value,
    line: usize,
    status: &str,
    reason: Option<&str>,
) -> Reply {
    let id = order["id"].as_str().unwrap_or_default();
    let current = app.get(&format!("/api/v1/work-orders/{id}"), token).await;
    let item = &current.body["items"][line];
    let version = format!("\"{}\"", item["version"]);
    let mut body = json!({"status": status});
    if let Some(r) = reason {
        body["reason"] = json!(r);
    }
    app.send(
        Method::POST,
        &format!(
            "/api/v1/work-orders/{id}/items/{}/status",
            item["id"].as_str().unwrap_or_default()
        ),
        Some(token),
        Some(body),
        &[("if-match", &version)],
    )
    .await
}

#[tokio::test]
async fn each_transition_and_each_refusal() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let customer = app.customer_id_of(CUSTOMER_A).await;
    let order = receive(&app, &tech, &customer, &["S-1", "S-2", "S-3"]).await;
    assert!(order["number"]
        .as_str()
        .is_some_and(|n| n.starts_with("WO")));
    assert_eq!(order["items"][0]["status"], "received");
    assert_eq!(order["items"][0]["condition"]["flags"], json!(["dirty"]));

    let refused = move_item(&app, &tech, &order, 0, "approved", None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("in_calibration")),
        "{:?}",
        refused.body
    );
    let signatory = app.token(SIGNATORY).await;
    // Only a signatory approves, and not one who put the item up for approval.
    move_item(&app, &tech, &order, 0, "in_calibration", None).await;
    move_item(&app, &tech, &order, 0, "awaiting_approval", None).await;
    assert_eq!(
        move_item(&app, &tech, &order, 0, "approved", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for status in [
        "approved",
        "certificate_issued",
        "ready_for_return",
        "returned",
    ] {
        let who = if status == "ready_for_return" || status == "returned" {
            &tech
        } else {
            &signatory
        };
        let reply = move_item(&app, who, &order, 0, status, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{status}: {:?}", reply.body);
    }
    assert_eq!(
        move_item(&app, &tech, &order, 0, "received", None)
            .await
            .status,
        StatusCode::CONFLICT
    );

    // A signatory sends an item back with a reason; on hold and back; cancelled and returned.
    move_item(&app, &tech, &order, 1, "in_calibration", None).await;
    move_item(&app, &tech, &order, 1, "awaiting_approval", None).await;
    assert_eq!(
        move_item(&app, &tech, &order, 1, "in_calibration", None)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        move_item(
            &app,
            &tech,
            &order,
            1,
            "in_calibration",
            Some("repeat point 3")
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        move_item(
            &app,
            &tech,
            &order,
            1,
            "on_hold",
            Some("waiting for a spare part")
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        move_item(&app, &tech, &order, 1, "awaiting_approval", None)
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        move_item(&app, &tech, &order, 1, "in_calibration", None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        move_item(
            &app,
            &tech,
            &order,
            2,
            "cancelled",
            Some("customer withdrew")
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        move_item(&app, &tech, &order, 2, "in_calibration", None)
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        move_item(&app, &tech, &order, 2, "ready_for_return", None)
            .await
            .status,
        StatusCode::OK
    );

    // Stale version.
    let id = order["id"].as_str().unwrap_or_default();
    let item = order["items"][2]["id"].as_str().unwrap_or_default();
    let stale = app
        .send(
            Method::POST,
            &format!("/api/v1/work-orders/{id}/items/{item}/status"),
            Some(&tech),
            Some(json!({"status": "returned"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

    // The instrument follows its item, and its history shows every step with who and when.
    let instrument = order["items"][0]["instrument"]["id"]
        .as_str()
        .unwrap_or_default();
    let view = app
        .get(&format!("/api/v1/instruments/{instrument}"), &tech)
        .await;
    assert_eq!(view.body["status"], "returned");
    let history = app
        .get(&format!("/api/v1/instruments/{instrument}/history"), &tech)
        .await;
    assert_eq!(history.body.as_array().map(Vec::len), Some(7));
    let qm = app.token(QM).await;
    let events = app
        .get(
            &format!(
                "/api/v1/audit-events?entity_type=work_order_item&entity_id={}",
                order["items"][1]["id"].as_str().unwrap_or_default()
            ),
            &qm,
        )
        .await;
    assert_eq!(events.body["items"].as_array().map(Vec::len), Some(5));
    // The same instrument cannot be received twice while in the lab.
    let again = app
        .post("/api/v1/work-orders", &tech, json!({"customer_id": customer, "items": [{"instrument_id": order["items"][1]["instrument"]["id"], "service": "calibration"}]}))
        .await;
    assert_eq!(again.fields(), ["items[0].instrument_id"]);
}

#[tokio::test]
async fn receipt_and_label_are_pdfs_with_vietnamese_text() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let customer = app.customer_id_of(CUSTOMER_A).await;
    let order = receive(&app, &tech, &customer, &["PDF-1"]).await;
    let id = order["id"].as_str().unwrap_or_default();
    let pdf = app
        .client
        .get(app.url(&format!("/api/v1/work-orders/{id}/receipt.pdf")))
        .bearer_auth(&tech)
        .send()
        .await
        .expect("receipt");
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF-"));
    if let Some(text) = pdftotext(&bytes) {
        for expected in [
            order["number"].as_str().unwrap_or_default(),
            "Công ty TNHH Cơ khí Chính xác Đông Á",
            "Đĩa cân bẩn",
            "PDF-1",
            // What was agreed at contract review, the asset tag and the range.
            "Agreed at contract review",
            "AT-PDF-1",
            "0 – 220 g",
            "Guarded, w = U",
        ] {
            assert!(
                text.contains(expected),
                "{expected} not in receipt:\n{text}"
            );
        }
        assert!(
            !text.contains("rush job"),
            "the lab's internal note is not the customer's"
        );
    }
    let instrument = order["items"][0]["instrument"]["id"]
        .as_str()
        .unwrap_or_default();
    let label = app
        .client
        .get(app.url(&format!("/api/v1/instruments/{instrument}/label.pdf")))
        .bearer_auth(&tech)
        .send()
        .await
        .expect("label");
    assert_eq!(label.status(), StatusCode::OK);
    let bytes = label.bytes().await.expect("bytes");
    if let Some(text) = pdftotext(&bytes) {
        let lab_id = order["items"][0]["instrument"]["lab_id"].as_str();
        // The lab's whole name, and the date promised for return, not a calibration due date.
        for expected in [
            lab_id.unwrap_or("?"),
            "Trung tâm Hiệu chuẩn Đo lường Sông Hồng",
            "Hẹn trả/Return by",
            &today().format("%d/%m/%Y").to_string(),
        ] {
            assert!(text.contains(expected), "{expected} not in label:\n{text}");
        }
    }
}

#[tokio::test]
async fn csv_import_is_all_or_nothing_with_line_and_field() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let customer = app.customer_id_of(CUSTOMER_B).await;
    let url = app.url(&format!(
        "/api/v1/instruments/import?customer_id={customer}"
    ));
    let post = |body: &'static str| {
        let (client, url, tech) = (app.client.clone(), url.clone(), tech.clone());
        async move {
            let r = client
                .post(&url)
                .bearer_auth(&tech)
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await
                .expect("import");
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or_default())
        }
    };
    let before = app.get("/api/v1/instruments?limit=100", &tech).await.body["items"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    let (status, body) = post(
        "description,serial_number,range_min,range_max,unit,mpe_absolute,last_calibrated_on,quantity\n\
         Cân 1,A1,0,200,g,0.001,2026-01-15,mass\n\
         ,A2,0,200,g,0.001,,mass\n\
         Cân 3,A3,abc,200,g,,,mass\n\
         Cân 4,A4,300,200,g,,2026-13-01,weight\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields: Vec<String> = body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    fields.sort();
    assert_eq!(
        fields,
        [
            "line 3: description",
            "line 4: range_min",
            "line 5: last_calibrated_on",
            "line 5: quantity",
            "line 5: range_max"
        ]
    );
    let after = app.get("/api/v1/instruments?limit=100", &tech).await.body["items"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert_eq!(before, after, "nothing imported");
    let (status, body) = post("colour,description\nred,x\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "line 1: colour");
    let (status, body) = post("description,serial_number,recalibration_interval_months,last_calibrated_on\nCân A,K-1,12,2026-01-15\nCân B,K-2,,\n").await;
    assert_eq!(status, StatusCode::CREATED, "{body:?}");
    assert_eq!(body["imported"], 2);
    assert_eq!(body["instruments"][1]["line"], 3);
    let found = app.get("/api/v1/instruments?q=k-1", &tech).await;
    assert_eq!(
        found.body["items"][0]["next_due_on"], "2027-01-15",
        "{:?}",
        found.body
    );
}

#[tokio::test]
async fn recall_window_boundaries() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let customer = app.customer_id_of(CUSTOMER_A).await;
    let today = today();
    // 12-month interval: due one year after the last calibration.
    let mut ids = Vec::new();
    let year_after =
        |d: chrono::NaiveDate| d.checked_add_months(chrono::Months::new(12)).expect("date");
    for (serial, days_until_due) in [("DUE-30", 30i64), ("DUE-31", 31), ("OVERDUE", -5)] {
        let target = today + Duration::days(days_until_due);
        let mut last = target
            .checked_sub_months(chrono::Months::new(12))
            .expect("date");
        // No calibration date falls due on 29 February a year later (the day before does): the
        // instrument meant to fall outside the window is then calibrated a day later.
        if year_after(last) < target && days_until_due > 30 {
            last += Duration::days(1);
        }
        let due = year_after(last);
        let mut body = new_instrument(serial);
        body["customer_id"] = json!(customer);
        body["last_calibrated_on"] = json!(last);
        let reply = app.post("/api/v1/instruments", &tech, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        assert_eq!(reply.body["next_due_on"], json!(due));
        ids.push(reply.body["id"].as_str().unwrap_or_default().to_string());
    }
    let due = app
        .get(
            &format!("/api/v1/instruments/due?within_days=30&customer_id={customer}&limit=100"),
            &tech,
        )
        .await;
    let serials: Vec<&str> = due.body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["serial_number"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        serials.contains(&"DUE-30") && serials.contains(&"OVERDUE") && !serials.contains(&"DUE-31"),
        "{serials:?}"
    );
    let overdue_at = serials.iter().position(|s| *s == "OVERDUE");
    let soon_at = serials.iter().position(|s| *s == "DUE-30");
    assert!(overdue_at < soon_at, "overdue first: {serials:?}");
    let wider = app
        .get(
            &format!("/api/v1/instruments/due?within_days=31&customer_id={customer}&limit=100"),
            &tech,
        )
        .await;
    assert!(wider.body["items"]
        .as_array()
        .is_some_and(|a| a.iter().any(|i| i["serial_number"] == "DUE-31")));
    assert_eq!(
        app.get("/api/v1/instruments/due?within_days=-1", &tech)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The other customer's user sees none of them.
    let other = app.token(CUSTOMER_B).await;
    let theirs = app
        .get("/api/v1/instruments/due?within_days=365&limit=100", &other)
        .await;
    assert!(theirs
        .listed()
        .iter()
        .all(|i| !ids.contains(&i["id"].as_str().unwrap_or_default().to_string())));
}

#[tokio::test]
async fn a_customer_sees_only_its_own_register() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let a = app.customer_id_of(CUSTOMER_A).await;
    let b = app.customer_id_of(CUSTOMER_B).await;
    let order_b = receive(&app, &tech, &b, &["SECRET-B"]).await;
    let instrument_b = order_b["items"][0]["instrument"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut noted = new_instrument("NOTED-A");
    noted["customer_id"] = json!(a);
    noted["internal_notes"] = json!("staff only");
    app.post("/api/v1/instruments", &tech, noted).await;

    let customer = app.token(CUSTOMER_A).await;
    let list = app.get("/api/v1/instruments?limit=100", &customer).await;
    let items = list.body["items"].as_array().cloned().unwrap_or_default();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|i| i["customer_id"] == a.as_str() && i.get("internal_notes").is_none()));
    let with_filter = app
        .get(&format!("/api/v1/instruments?customer_id={b}"), &customer)
        .await;
    assert!(with_filter
        .listed()
        .iter()
        .all(|i| i["customer_id"] == a.as_str()));
    assert_eq!(
        app.get("/api/v1/instruments?q=SECRET", &customer)
            .await
            .body["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    for path in [
        format!("/api/v1/instruments/{instrument_b}"),
        format!("/api/v1/instruments/{instrument_b}/history"),
        format!(
            "/api/v1/work-orders/{}",
            order_b["id"].as_str().unwrap_or_default()
        ),
        format!(
            "/api/v1/work-orders/{}/receipt.pdf",
            order_b["id"].as_str().unwrap_or_default()
        ),
    ] {
        assert_eq!(
            app.get(&path, &customer).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let orders = app.get("/api/v1/work-orders", &customer).await;
    let own = a.clone();
    let orders = orders.listed();
    assert!(!orders.is_empty());
    assert!(orders.iter().all(|o| o["customer_id"] == own.as_str()));
    let csv = app
        .client
        .get(app.url("/api/v1/instruments/export.csv"))
        .bearer_auth(&customer)
        .send()
        .await
        .expect("export");
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap_or_default();
    assert!(text.starts_with("lab_id,customer,description"));
    assert!(
        text.contains("NOTED-A")
            && !text.contains("SECRET-B")
            && !text.contains("staff only")
            && !text.contains("Mekong"),
        "{text}"
    );
    // A customer cannot register or receive anything.
    assert_eq!(
        app.post(
            "/api/v1/work-orders",
            &customer,
            json!({"customer_id": a, "items": []})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn csv_export_leaves_no_formula_live() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let customer = app.customer_id_of(CUSTOMER_A).await;
    let mut body = new_instrument("@CSV-1");
    body["customer_id"] = json!(customer);
    body["description"] = json!("=1+2 cân");
    body["manufacturer"] = json!("+SUM(1)");
    body["model"] = json!("-2+3");
    let reply = app.post("/api/v1/instruments", &tech, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let token = app.token(CUSTOMER_A).await;
    let (status, _, bytes) = app
        .download("/api/v1/instruments/export.csv", Some(&token))
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).expect("utf-8");
    let row: Vec<&str> = text
        .lines()
        .find(|l| l.contains("CSV-1"))
        .unwrap_or_else(|| panic!("{text}"))
        .split(',')
        .collect();
    // description, manufacturer, model, serial_number: each starts with an apostrophe.
    assert_eq!(
        row[2..6],
        ["'=1+2 cân", "'+SUM(1)", "'-2+3", "'@CSV-1"],
        "{row:?}"
    );
    // Numbers the service writes stay numbers.
    assert_eq!(row[7], "0");
}

/// Every instrument in the demo is in a state the workflow reaches: approved ones have an
/// approved record, issued ones a certificate, and one whose certificates are all revoked shows
/// neither a verdict nor a due date.
#[tokio::test]
async fn every_demo_state_is_reachable() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let instruments = app.get("/api/v1/instruments?limit=100", &qm).await.listed();
    assert!(instruments.len() > 10, "{}", instruments.len());
    let mut seen = std::collections::BTreeSet::new();
    for i in &instruments {
        let id = i["id"].as_str().unwrap_or_default();
        let status = i["status"].as_str().unwrap_or_default();
        seen.insert(status.to_string());
        let records = app
            .get(&format!("/api/v1/calibrations?instrument_id={id}"), &qm)
            .await
            .listed();
        let has_record = |s: &str| records.iter().any(|r| r["status"] == s);
        let certificates = i["certificates"].as_array().cloned().unwrap_or_default();
        let what = format!("{} {status}: {i:#}", i["lab_id"]);
        match status {
            "awaiting_approval" => assert!(has_record("submitted"), "{what}"),
            "approved" => assert!(has_record("approved"), "{what}"),
            "certificate_issued" => assert!(!certificates.is_empty(), "{what}"),
            _ => {}
        }
        if !certificates.is_empty() && certificates.iter().all(|c| c["status"] == "revoked") {
            assert!(
                i["last_verdict"].is_null() && i["next_due_on"].is_null(),
                "{what}"
            );
        }
    }
    for status in [
        "received",
        "in_calibration",
        "awaiting_approval",
        "on_hold",
        "cancelled",
        "returned",
        "registered",
    ] {
        assert!(
            seen.contains(status),
            "no demo instrument is {status}: {seen:?}"
        );
    }
}

#[tokio::test]
async fn a_customer_requests_service_and_the_lab_accepts_or_declines() {
    let app = spawn_app().await;
    let customer = app.token(CUSTOMER_A).await;
    let other = app.token(CUSTOMER_B).await;
    let tech = app.token(TECH).await;
    let own = app
        .get("/api/v1/instruments?status=registered", &customer)
        .await
        .listed();
    let instrument = own[0]["id"].as_str().unwrap().to_string();
    let theirs = app.get("/api/v1/instruments", &other).await.listed()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Refused beside the field: another customer's instrument, a date in the past, nothing asked.
    for (body, field) in [
        (
            json!({"items": [{"instrument_id": theirs}]}),
            "items[0].instrument_id",
        ),
        (
            json!({"items": [{"description": "x"}], "wanted_on": today() - Duration::days(1)}),
            "wanted_on",
        ),
        (json!({"items": []}), "items"),
        (
            json!({"items": [{"instrument_id": instrument, "description": "both"}]}),
            "items[0].instrument_id",
        ),
    ] {
        let r = app.post("/api/v1/service-requests", &customer, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.fields().contains(&field.to_string()),
            "{field}: {:?}",
            r.body
        );
    }
    let sent = app
        .post(
            "/api/v1/service-requests",
            &customer,
            json!({"items": [{"instrument_id": instrument},
                             {"description": "Áp kế 0–10 bar, Wika, số máy 778"}],
                   "wanted_on": today() + Duration::days(14), "notes": "Giao trước 9 giờ"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    assert_eq!(sent.body["status"], "requested");
    assert!(sent.body["number"].as_str().unwrap().starts_with("YC"));
    assert_eq!(sent.body["items"][1]["service"], "calibration");
    let id = sent.body["id"].as_str().unwrap().to_string();

    // The other customer does not see it; staff do.
    let path = format!("/api/v1/service-requests/{id}");
    assert_eq!(app.get(&path, &other).await.status, StatusCode::NOT_FOUND);
    let seen_by_other = app.get("/api/v1/service-requests", &other).await.listed();
    assert!(!seen_by_other.is_empty() && seen_by_other.iter().all(|r| r["id"] != id.as_str()));
    let open = app
        .get("/api/v1/service-requests?status=requested", &tech)
        .await
        .listed();
    assert_eq!(open.len(), 3, "the demo's two and this one");

    // Accepted by the work order that receives the instruments.
    let customer_id = app.customer_id_of(CUSTOMER_A).await;
    let order = app
        .post(
            "/api/v1/work-orders",
            &tech,
            json!({"customer_id": customer_id, "service_request_id": id,
                   "items": [{"instrument_id": instrument, "service": "calibration"}]}),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
    let accepted = app.get(&path, &customer).await;
    assert_eq!(accepted.body["status"], "accepted");
    assert_eq!(accepted.body["work_order_id"], order.body["id"]);
    // Not twice, and not a declined one.
    let again = app
        .post(
            "/api/v1/work-orders",
            &tech,
            json!({"customer_id": customer_id, "service_request_id": id,
                   "items": [{"new_instrument": new_instrument("SR-2"), "service": "calibration"}]}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let decline = app
        .send(
            Method::POST,
            &format!("{path}/decline"),
            Some(&tech),
            Some(json!({"reason": "late"})),
            &[("If-Match", &accepted.etag())],
        )
        .await;
    assert_eq!(decline.status, StatusCode::CONFLICT);

    // A second request, declined with its reason; a customer may not decline.
    let second = app
        .post(
            "/api/v1/service-requests",
            &customer,
            json!({"items": [{"description": "Nhiệt kế"}]}),
        )
        .await;
    let second_path = format!(
        "/api/v1/service-requests/{}",
        second.body["id"].as_str().unwrap()
    );
    let etag = second.etag();
    let by_customer = app
        .send(
            Method::POST,
            &format!("{second_path}/decline"),
            Some(&customer),
            Some(json!({"reason": "x"})),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(by_customer.status, StatusCode::NOT_FOUND);
    let declined = app
        .send(
            Method::POST,
            &format!("{second_path}/decline"),
            Some(&tech),
            Some(json!({"reason": "Ngoài phạm vi công nhận / outside our scope"})),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{:?}", declined.body);
    assert_eq!(declined.body["status"], "declined");
    let seen = app.get(&second_path, &customer).await;
    assert_eq!(
        seen.body["decline_reason"],
        "Ngoài phạm vi công nhận / outside our scope"
    );
}
