//! Quality records: authorization enforcement for each function, automatic
//! nonconformities with exactly the affected certificates and customers, the workflows of
//! nonconformities, corrective actions, complaints, proficiency tests, audits, reviews and
//! documents, the audit pack and the attention list.

use chrono::{Duration, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn day(offset: i64) -> NaiveDate {
    today() + Duration::days(offset)
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// POSTs an action with the resource's current ETag.
async fn act(
    app: &TestApp,
    token: &str,
    get_path: &str,
    action: &str,
    body: Option<Value>,
) -> Reply {
    let current = app.get(get_path, token).await;
    app.send(
        Method::POST,
        &format!("{get_path}/{action}"),
        Some(token),
        body,
        &[("if-match", &current.etag())],
    )
    .await
}

async fn id_of(app: &TestApp, token: &str, list: &str, field: &str, value: &str) -> String {
    let reply = app.get(list, token).await;
    reply.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i[field] == value))
        .map(|i| s(&i["id"]))
        .unwrap_or_default()
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let admin = app.token(ADMIN).await;
    id_of(app, &admin, "/api/v1/users?limit=100", "email", email).await
}

/// A new staff member with no authorization at all, and a token for them.
async fn new_staff(app: &TestApp, email: &str, role: &str) -> (String, String) {
    let admin = app.token(ADMIN).await;
    let created = app
        .post("/api/v1/users", &admin, json!({"email": email, "name": "Người mới / Newcomer", "role": role, "password": "newcomer-password-1"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    (
        s(&created.body["id"]),
        app.token_with(email, "newcomer-password-1").await,
    )
}

async fn grant(app: &TestApp, token: &str, body: Value) -> Reply {
    app.post("/api/v1/authorizations", token, body).await
}

/// Work order items for a customer, by serial numbers.
async fn items(app: &TestApp, tech: &str, customer: &str, serials: &[&str]) -> Vec<String> {
    let items: Vec<Value> = serials
        .iter()
        .map(|serial| json!({
            "new_instrument": {"description": "Cân phân tích", "serial_number": serial, "resolution": "0.001", "unit": "g",
                               "quantity": "mass", "tolerance": [{"mpe_absolute": 0.01}], "recalibration_interval_months": 12},
            "service": "calibration", "decision_rule": "simple"}))
        .collect();
    let order = app
        .post(
            "/api/v1/work-orders",
            tech,
            json!({"customer_id": customer, "items": items}),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
    order.body["items"]
        .as_array()
        .map(|a| a.iter().map(|i| s(&i["id"])).collect())
        .unwrap_or_default()
}

/// A record of one 1 kg point; `ids` are the standard that supported it and the room monitor.
fn record(
    item: &str,
    procedure: &str,
    ids: (&str, &str),
    on: chrono::DateTime<chrono::Utc>,
) -> Value {
    let (standard, monitor) = ids;
    json!({
        "item_id": item, "procedure_id": procedure,
        "started_at": on, "ended_at": on + Duration::minutes(40),
        "location": "Phòng Khối lượng",
        "environment": {"temperature": {"value": "21.5", "unit": "°C", "measured_with": monitor},
                        "humidity": {"value": "55", "unit": "%RH", "measured_with": monitor}},
        "points": [{"nominal": "1000", "unit": "g", "reference_value": "1000.0011",
                    "readings": ["1000.003", "1000.004", "1000.003"], "standards": [standard]}]
    })
}

async fn demo_procedure(app: &TestApp, qm: &str) -> String {
    let reply = app
        .get("/api/v1/procedures?code=QT-KL-01&status=approved", qm)
        .await;
    s(&reply.body["items"][0]["id"])
}

#[tokio::test]
async fn each_function_needs_a_current_authorization_and_a_refusal_names_it() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let tech = app.token(TECH).await;
    let customer = app.customer_id_of(CUSTOMER_A).await;
    let procedure = demo_procedure(&app, &qm).await;
    let weights = standard_id(&app, &qm, WEIGHTS).await;
    let (newcomer, newcomer_token) = new_staff(&app, "new.tech@lab.vn", "technician").await;
    let item = items(&app, &tech, &customer, &["AUTH-1"]).await.remove(0);
    let monitor = standard_id(&app, &qm, ROOM_MONITOR).await;
    let input = record(
        &item,
        &procedure,
        (&weights, &monitor),
        earlier_today(Duration::hours(2)),
    );

    // perform_calibration
    let refused = app
        .post("/api/v1/calibrations", &newcomer_token, input.clone())
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    let detail = s(&refused.body["detail"]);
    assert!(
        detail.contains(
            "no current authorization to perform calibrations for QT-KL-01 (discipline mass)"
        ),
        "{detail}"
    );
    // An authorization that ended yesterday does not count.
    let expired = grant(
        &app,
        &qm,
        json!({"user_id": newcomer, "function": "perform_calibration", "procedure_code": MASS_PROCEDURE,
        "valid_from": day(-100), "valid_until": day(-1)}),
    )
    .await;
    assert_eq!(expired.status, StatusCode::CREATED, "{:?}", expired.body);
    assert_eq!(expired.body["state"], "expired");
    assert_eq!(
        app.post("/api/v1/calibrations", &newcomer_token, input.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // One for the procedure alone is enough.
    let current = grant(
        &app,
        &qm,
        json!({"user_id": newcomer, "function": "perform_calibration", "procedure_code": MASS_PROCEDURE,
        "valid_from": day(-1), "valid_until": day(300)}),
    )
    .await;
    assert_eq!(current.status, StatusCode::CREATED, "{:?}", current.body);
    let created = app
        .post("/api/v1/calibrations", &newcomer_token, input.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let path = format!("/api/v1/calibrations/{}", s(&created.body["id"]));

    // Revoked: saving and submitting are refused again.
    let revoked = act(
        &app,
        &qm,
        &format!("/api/v1/authorizations/{}", s(&current.body["id"])),
        "revoke",
        Some(json!({"reason": "left the mass section"})),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    assert_eq!(revoked.body["state"], "revoked");
    let current_record = app.get(&path, &qm).await;
    let update = app
        .patch(
            &path,
            &newcomer_token,
            &current_record.etag(),
            input.clone(),
        )
        .await;
    assert_eq!(update.status, StatusCode::FORBIDDEN, "{:?}", update.body);
    let submit = act(&app, &newcomer_token, &path, "submit", None).await;
    assert_eq!(submit.status, StatusCode::FORBIDDEN, "{:?}", submit.body);
    assert!(s(&submit.body["detail"]).contains("perform calibrations"));
    grant(
        &app,
        &qm,
        json!({"user_id": newcomer, "function": "perform_calibration", "discipline": "mass",
        "valid_from": day(0), "valid_until": day(30)}),
    )
    .await;
    assert_eq!(
        act(&app, &newcomer_token, &path, "submit", None)
            .await
            .status,
        StatusCode::OK
    );

    // review_approve
    let (new_signatory, signatory_token) =
        new_staff(&app, "new.signatory@lab.vn", "signatory").await;
    let password = json!({"password": "newcomer-password-1"});
    let approve = act(
        &app,
        &signatory_token,
        &path,
        "approve",
        Some(password.clone()),
    )
    .await;
    assert_eq!(approve.status, StatusCode::FORBIDDEN, "{:?}", approve.body);
    assert!(
        s(&approve.body["detail"]).contains("no current authorization to review and approve calibrations for QT-KL-01 (discipline mass)"),
        "{:?}", approve.body
    );
    grant(
        &app,
        &qm,
        json!({"user_id": new_signatory, "function": "review_approve", "discipline": "mass",
        "valid_from": day(-10), "valid_until": day(300)}),
    )
    .await;
    let approved = act(&app, &signatory_token, &path, "approve", Some(password)).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);

    // perform_intermediate_checks
    let check = json!({"checked_on": day(0), "reference_value": "1000.0000", "measured_value": "1000.0001",
        "lower_limit": "-0.0020", "upper_limit": "0.0020", "unit": "g"});
    let checks = format!("/api/v1/standards/{weights}/intermediate-checks");
    let refused = app.post(&checks, &newcomer_token, check.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert!(s(&refused.body["detail"])
        .contains("no current authorization to perform intermediate checks in discipline mass"));
    grant(
        &app,
        &qm,
        json!({"user_id": newcomer, "function": "perform_intermediate_checks", "discipline": "mass",
        "valid_from": day(0), "valid_until": day(30)}),
    )
    .await;
    assert_eq!(
        app.post(&checks, &newcomer_token, check).await.status,
        StatusCode::CREATED
    );

    // sign_certificates: the function certificate issuing calls.
    let record_id: calab::db::CalibrationRecordId = s(&created.body["id"]).parse().expect("id");
    let as_ctx = |id: &str, role| {
        calab::services::Ctx::system(clock()).acting(id.parse().expect("user id"), role, None)
    };
    let mut conn = app.conn();
    let sign = calab::domain::quality::AuthorizedFunction::SignCertificates;
    let refused = calab::services::competence::require_for_record(
        &mut conn,
        &as_ctx(&new_signatory, calab::domain::Role::Signatory),
        sign,
        record_id,
        1,
        day(0),
    );
    match refused {
        Err(calab::error::AppError::Forbidden(m)) => assert!(
            m.contains(
                "no current authorization to sign certificates for QT-KL-01 (discipline mass)"
            ),
            "{m}"
        ),
        other => panic!("expected a refusal: {other:?}"),
    }
    let demo_signatory = user_id(&app, SIGNATORY).await;
    calab::services::competence::require_for_record(
        &mut conn,
        &as_ctx(&demo_signatory, calab::domain::Role::Signatory),
        sign,
        record_id,
        1,
        day(0),
    )
    .expect("the demo signatory may sign mass certificates");
}

#[tokio::test]
async fn authorizations_are_granted_by_someone_else_with_valid_input() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let tech = app.token(TECH).await;
    let tech_id = user_id(&app, TECH).await;
    let qm_id = user_id(&app, QM).await;
    let bad = grant(
        &app,
        &qm,
        json!({"user_id": tech_id, "function": "perform_calibration", "discipline": "mass",
        "procedure_code": MASS_PROCEDURE, "valid_from": day(0), "valid_until": day(-1)}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.fields(), ["discipline", "valid_until"]);
    let unknown = grant(
        &app,
        &qm,
        json!({"user_id": tech_id, "function": "perform_calibration", "discipline": "alchemy",
        "valid_from": day(0), "valid_until": day(1)}),
    )
    .await;
    assert_eq!(unknown.fields(), ["discipline"]);
    let selfish = grant(
        &app,
        &qm,
        json!({"user_id": qm_id, "function": "review_approve", "discipline": "mass",
        "valid_from": day(0), "valid_until": day(1)}),
    )
    .await;
    assert_eq!(selfish.status, StatusCode::FORBIDDEN);
    assert_eq!(
        grant(&app, &tech, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let customer = app.token(CUSTOMER_A).await;
    assert_eq!(
        app.get("/api/v1/staff", &customer).await.status,
        StatusCode::NOT_FOUND
    );
    // The demo's expiring and expired authorizations are listed, soonest first.
    let expiring = app.get("/api/v1/authorizations/expiring", &qm).await;
    assert_eq!(expiring.status, StatusCode::OK);
    let states: Vec<(String, String)> = expiring
        .body
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| (s(&a["discipline"]), s(&a["state"])))
        .collect();
    assert_eq!(
        states,
        [
            ("pressure".to_string(), "expired".to_string()),
            ("temperature".into(), "expiring".into())
        ]
    );
    // Staff records with qualifications and evidence.
    let tech2 = user_id(&app, "tech2@demo.calab.vn").await;
    let added = app.post(&format!("/api/v1/staff/{tech2}/qualifications"), &qm,
        json!({"kind": "training", "title": "Áp suất / Pressure course", "completed_on": day(-5), "expires_on": day(-6)})).await;
    assert_eq!(added.fields(), ["expires_on"]);
    let added = app.post(&format!("/api/v1/staff/{tech2}/qualifications"), &qm,
        json!({"kind": "training", "title": "Áp suất / Pressure course", "completed_on": day(-5)})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    let evidence = format!(
        "/api/v1/staff/{tech2}/qualifications/{}/evidence",
        s(&added.body["id"])
    );
    let uploaded = app
        .client
        .put(app.url(&format!("{evidence}?filename=cert.pdf")))
        .bearer_auth(&qm)
        .header("content-type", "application/pdf")
        .body(b"%PDF-1.4 demo".to_vec())
        .send()
        .await
        .expect("upload");
    assert_eq!(uploaded.status(), StatusCode::OK);
    let back = app
        .client
        .get(app.url(&evidence))
        .bearer_auth(&qm)
        .send()
        .await
        .expect("download");
    assert_eq!(
        back.bytes().await.expect("bytes").as_ref(),
        b"%PDF-1.4 demo"
    );
    let staff = app.get(&format!("/api/v1/staff/{tech2}"), &qm).await;
    assert_eq!(
        staff.body["authorizations"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(staff.body["qualifications"]
        .as_array()
        .is_some_and(|q| q.iter().any(|q| q["evidence_sha256"].is_string())));
}

/// Inserts an issued certificate for a record version directly: certificate issuing is another
/// module; reverse traceability only reads the table.
/// Submits, approves and issues the certificate of a record; returns the certificate number.
async fn certify(app: &TestApp, tech: &str, record: &Value) -> String {
    let signatory = app.token(SIGNATORY).await;
    let path = format!("/api/v1/calibrations/{}", s(&record["id"]));
    let password = json!({ "password": calab::demo::DEMO_PASSWORD });
    let submitted = act(app, tech, &path, "submit", None).await;
    assert_eq!(submitted.status, StatusCode::OK, "{:?}", submitted.body);
    let approved = act(app, &signatory, &path, "approve", Some(password.clone())).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    let issued = app
        .post(&format!("{path}/issue-certificate"), &signatory, password)
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    s(&issued.body["number"])
}

#[tokio::test]
async fn out_of_tolerance_opens_a_nonconformity_with_exactly_the_affected_certificates_and_customers(
) {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let tech = app.token(TECH).await;
    let customer_a = app.customer_id_of(CUSTOMER_A).await;
    let customer_b = app.customer_id_of(CUSTOMER_B).await;
    let procedure = demo_procedure(&app, &qm).await;
    let vmi = id_of(&app, &qm, "/api/v1/external-bodies", "kind", "nmi").await;
    let created = app
        .post(
            "/api/v1/standards",
            &qm,
            json!({"asset_id": "M-WS-09", "name": "F1 weights 1 kg", "kind": "working_standard",
        "quantity": "mass", "unit": "g", "calibration_interval_months": 12}),
        )
        .await;
    let x = s(&created.body["id"]);
    let calibrate = |on: NaiveDate, number: &str, as_found: &str| {
        json!({"calibrated_on": on, "certificate_number": number,
        "external_body_id": vmi, "as_found": as_found,
        "results": [{"nominal": "1000", "value": "1000.0011", "expanded_uncertainty": "0.0016", "coverage_factor": 2, "unit": "g"}]})
    };
    let path = format!("/api/v1/standards/{x}/calibrations");
    assert_eq!(
        app.post(&path, &qm, calibrate(day(-150), "V-1", "in_tolerance"))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post(&path, &qm, calibrate(day(-60), "V-2", "in_tolerance"))
            .await
            .status,
        StatusCode::CREATED
    );
    let monitor = standard_id(&app, &qm, ROOM_MONITOR).await;
    let weights = standard_id(&app, &qm, WEIGHTS).await;
    let a = items(&app, &tech, &customer_a, &["NC-A0", "NC-A1", "NC-A3"]).await;
    let b = items(&app, &tech, &customer_b, &["NC-B2"]).await;
    let at = |days: i64| now() - Duration::days(days) - Duration::hours(1);
    let mut records = Vec::new();
    for (item, standard, when) in [
        (&a[0], &x, at(100)),
        (&a[1], &x, at(30)),
        (&b[0], &x, at(10)),
        (&a[2], &weights, at(5)),
    ] {
        let r = app
            .post(
                "/api/v1/calibrations",
                &tech,
                record(item, &procedure, (standard, &monitor), when),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        records.push(r.body);
    }
    let mut issued = Vec::new();
    for r in &records {
        issued.push(certify(&app, &tech, r).await);
    }
    // Found out of tolerance today.
    let found = app
        .post(&path, &qm, calibrate(day(0), "V-3", "out_of_tolerance"))
        .await;
    assert_eq!(found.status, StatusCode::CREATED, "{:?}", found.body);
    let list = app
        .get(&format!("/api/v1/nonconformities?standard_id={x}"), &qm)
        .await;
    let ncs = list.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(ncs.len(), 1, "{:#}", list.body);
    let nc = &ncs[0];
    assert_eq!(nc["source"], "standard");
    assert_eq!(nc["automatic"], true);
    assert_eq!(nc["status"], "open");
    assert_eq!(nc["affected"]["from"], json!(day(-60)));
    let numbers: Vec<String> = nc["affected"]["certificates"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| s(&c["number"]))
        .collect();
    assert_eq!(numbers, [issued[1].clone(), issued[2].clone()]);
    let mut customers: Vec<String> = nc["affected"]["customers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| s(&c["id"]))
        .collect();
    customers.sort();
    let mut expected = vec![customer_a.clone(), customer_b.clone()];
    expected.sort();
    assert_eq!(customers, expected);
    let affected_records: Vec<String> = nc["affected"]["records"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| s(&r["record_id"]))
        .collect();
    assert_eq!(affected_records.len(), 2);
    assert!(
        affected_records.contains(&s(&records[1]["id"]))
            && affected_records.contains(&s(&records[2]["id"]))
    );

    // The workflow: open -> evaluated -> actioned -> closed, with the allowed moves named.
    let nc_path = format!("/api/v1/nonconformities/{}", s(&nc["id"]));
    let early = act(&app, &qm, &nc_path, "close", Some(json!({"notes": "x"}))).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(
        s(&early.body["detail"]).contains("allowed: evaluated"),
        "{:?}",
        early.body
    );
    let empty = act(
        &app,
        &qm,
        &nc_path,
        "evaluate",
        Some(json!({"impact_evaluation": " ", "decisions": []})),
    )
    .await;
    assert_eq!(empty.fields(), ["impact_evaluation", "decisions"]);
    let tech_try = act(
        &app,
        &tech,
        &nc_path,
        "evaluate",
        Some(json!({"impact_evaluation": "x", "decisions": ["notify"]})),
    )
    .await;
    assert_eq!(tech_try.status, StatusCode::FORBIDDEN);
    let evaluated = act(
        &app,
        &qm,
        &nc_path,
        "evaluate",
        Some(
            json!({"impact_evaluation": "Error 8 mg at 1 kg against MPE 10 mg: results shifted",
        "decisions": ["recall", "notify"]}),
        ),
    )
    .await;
    assert_eq!(evaluated.status, StatusCode::OK, "{:?}", evaluated.body);
    assert_eq!(evaluated.body["decisions"], json!(["recall", "notify"]));
    let stale = app
        .send(
            Method::POST,
            &format!("{nc_path}/action"),
            Some(&qm),
            Some(json!({"notes": "x"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        act(
            &app,
            &qm,
            &nc_path,
            "action",
            Some(json!({"notes": "Customers told on 2026-11-21"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    let closed = act(
        &app,
        &qm,
        &nc_path,
        "close",
        Some(json!({"notes": "All recalled items recalibrated"})),
    )
    .await;
    assert_eq!(closed.body["status"], "closed");
    // Customers see none of it.
    let customer = app.token(CUSTOMER_A).await;
    assert_eq!(
        app.get("/api/v1/nonconformities", &customer).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&nc_path, &customer).await.status,
        StatusCode::NOT_FOUND
    );
    // Every step is in the audit trail.
    let events = app
        .get(
            &format!(
                "/api/v1/audit-events?entity_type=nonconformity&entity_id={}",
                s(&nc["id"])
            ),
            &qm,
        )
        .await;
    let actions: Vec<String> = events.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| s(&e["action"]))
        .collect();
    assert_eq!(
        actions,
        ["raise_automatically", "evaluate", "action", "close"]
    );
}

#[tokio::test]
async fn a_failed_check_and_an_unsatisfactory_proficiency_result_open_nonconformities() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let tech = app.token(TECH).await;
    let weights = standard_id(&app, &qm, CHECK_WEIGHT).await;
    let fail = app.post(&format!("/api/v1/standards/{weights}/intermediate-checks"), &tech, json!({"checked_on": day(0),
        "reference_value": "1000.0000", "measured_value": "1000.0090", "lower_limit": "-0.0020", "upper_limit": "0.0020", "unit": "g"})).await;
    assert_eq!(fail.status, StatusCode::CREATED, "{:?}", fail.body);
    let ncs = app
        .get(
            &format!("/api/v1/nonconformities?standard_id={weights}"),
            &qm,
        )
        .await;
    assert_eq!(
        ncs.body["items"].as_array().map(Vec::len),
        Some(1),
        "{:#}",
        ncs.body
    );
    assert!(s(&ncs.body["items"][0]["title"]).contains("Intermediate check of M-CHK-01 failed"));

    // Proficiency: plan, report; |En| <= 1 is fine, |En| > 1 opens nonconforming work.
    let bad = app
        .post(
            "/api/v1/proficiency-tests",
            &qm,
            json!({"scheme": "T", "round": "1", "provider": "VMI", "discipline": "nope",
        "item": "1 kg", "planned_on": day(-5)}),
        )
        .await;
    assert_eq!(bad.fields(), ["discipline"]);
    let mut ens = Vec::new();
    for (round, lab) in [("R1", "1000.0004"), ("R2", "1000.0020")] {
        let planned = app
            .post(
                "/api/v1/proficiency-tests",
                &qm,
                json!({"scheme": "TEST-PT", "round": round, "provider": "VMI",
            "discipline": "mass", "item": "1 kg", "planned_on": day(-5)}),
            )
            .await;
        assert_eq!(planned.status, StatusCode::CREATED, "{:?}", planned.body);
        let path = format!("/api/v1/proficiency-tests/{}", s(&planned.body["id"]));
        let reported = act(
            &app,
            &qm,
            &path,
            "result",
            Some(
                json!({"unit": "g", "assigned_value": "1000.0000", "assigned_uncertainty": "0.0006",
            "lab_result": lab, "lab_uncertainty": "0.0008", "reported_on": day(0)}),
            ),
        )
        .await;
        assert_eq!(reported.status, StatusCode::OK, "{:?}", reported.body);
        ens.push((
            reported.body["en"].as_f64().unwrap_or(0.0),
            reported.body["satisfactory"].clone(),
            reported.body["nonconformity_id"].clone(),
        ));
        let again = act(
            &app,
            &qm,
            &path,
            "result",
            Some(
                json!({"unit": "g", "assigned_value": "1", "assigned_uncertainty": "1",
            "lab_result": "1", "lab_uncertainty": "1", "reported_on": day(0)}),
            ),
        )
        .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
    }
    assert!((ens[0].0 - 0.4).abs() < 1e-9, "{ens:?}");
    assert_eq!(ens[0].1, 1);
    assert!(ens[0].2.is_null());
    assert!((ens[1].0 - 2.0).abs() < 1e-9);
    assert_eq!(ens[1].1, 0);
    let nc = app
        .get(&format!("/api/v1/nonconformities/{}", s(&ens[1].2)), &qm)
        .await;
    assert_eq!(nc.body["source"], "proficiency_test");
    let plan = app.get("/api/v1/proficiency-tests/plan", &qm).await;
    let mass = plan
        .body
        .as_array()
        .and_then(|p| p.iter().find(|d| d["discipline"] == "mass").cloned())
        .unwrap_or_default();
    assert!(
        mass["unsatisfactory"].as_i64().unwrap_or(0) >= 1,
        "{mass:#}"
    );
}

#[tokio::test]
async fn complaints_from_customers_and_staff_through_their_states() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let a = app.token(CUSTOMER_A).await;
    let b = app.token(CUSTOMER_B).await;
    let customer_a = app.customer_id_of(CUSTOMER_A).await;
    let refused = app
        .post(
            "/api/v1/complaints",
            &a,
            json!({"customer_id": customer_a, "subject": "x", "description": "y"}),
        )
        .await;
    assert_eq!(refused.fields(), ["customer_id"]);
    let created = app
        .post(
            "/api/v1/complaints",
            &a,
            json!({"subject": "Giấy chứng nhận sai tên / wrong name on the certificate",
        "description": "Tên công ty viết sai"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["customer_id"], customer_a.as_str());
    assert_eq!(created.body["status"], "received");
    let path = format!("/api/v1/complaints/{}", s(&created.body["id"]));
    // Another customer neither finds it nor lists it.
    assert_eq!(app.get(&path, &b).await.status, StatusCode::NOT_FOUND);
    let b_list = app.get("/api/v1/complaints?limit=100", &b).await;
    assert!(b_list
        .listed()
        .iter()
        .all(|c| c["id"] != created.body["id"] && c["customer_id"] != customer_a.as_str()));
    // The workflow, step by step; skipping is refused with the allowed move.
    let skip = act(
        &app,
        &qm,
        &path,
        "status",
        Some(json!({"status": "answered", "text": "x"})),
    )
    .await;
    assert_eq!(skip.status, StatusCode::CONFLICT);
    assert!(s(&skip.body["detail"]).contains("allowed: acknowledged"));
    assert_eq!(
        act(
            &app,
            &qm,
            &path,
            "status",
            Some(json!({"status": "acknowledged"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    let no_text = act(
        &app,
        &qm,
        &path,
        "status",
        Some(json!({"status": "investigated"})),
    )
    .await;
    assert_eq!(no_text.fields(), ["text"]);
    assert_eq!(
        act(
            &app,
            &qm,
            &path,
            "status",
            Some(json!({"status": "investigated", "text": "Lỗi nhập liệu nội bộ"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        act(
            &app,
            &qm,
            &path,
            "status",
            Some(json!({"status": "answered", "text": "Đã cấp lại / reissued"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    let customer_view = app.get(&path, &a).await;
    assert_eq!(customer_view.body["status"], "answered");
    assert_eq!(customer_view.body["answer"], "Đã cấp lại / reissued");
    assert!(
        customer_view.body.get("investigation").is_none(),
        "{:#}",
        customer_view.body
    );
    assert_eq!(
        app.get(&path, &qm).await.body["investigation"],
        "Lỗi nhập liệu nội bộ"
    );
    // A corrective action raised from the complaint is linked from it (for staff only).
    let tech_id = user_id(&app, TECH).await;
    let ca = app.post("/api/v1/corrective-actions", &qm, json!({"source": "complaint", "source_id": created.body["id"],
        "problem": "Name mistyped at intake", "owner_id": tech_id,
        "actions": [{"description": "Check names against the tax register", "owner_id": tech_id, "due_on": day(30)}]})).await;
    assert_eq!(ca.status, StatusCode::CREATED, "{:?}", ca.body);
    assert_eq!(
        app.get(&path, &qm).await.body["corrective_actions"][0]["id"],
        ca.body["id"]
    );
    assert!(app
        .get(&path, &a)
        .await
        .body
        .get("corrective_actions")
        .is_none());
    let customer_move = act(&app, &a, &path, "status", Some(json!({"status": "closed"}))).await;
    assert_eq!(customer_move.status, StatusCode::NOT_FOUND);
    assert_eq!(
        act(
            &app,
            &qm,
            &path,
            "status",
            Some(json!({"status": "closed"}))
        )
        .await
        .body["status"],
        "closed"
    );
    // Staff record a complaint received by phone.
    let staff = app
        .post(
            "/api/v1/complaints",
            &qm,
            json!({"subject": "Chậm trả / late", "description": "d"}),
        )
        .await;
    assert_eq!(staff.fields(), ["complainant"]);
}

#[tokio::test]
async fn corrective_actions_from_root_cause_to_effectiveness() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let tech_id = user_id(&app, TECH).await;
    let nc = app
        .post(
            "/api/v1/nonconformities",
            &qm,
            json!({"source": "audit", "title": "Records unsigned", "description": "3 records"}),
        )
        .await;
    assert_eq!(nc.status, StatusCode::CREATED, "{:?}", nc.body);
    let bad = app
        .post(
            "/api/v1/corrective-actions",
            &qm,
            json!({"source": "nonconformity", "source_id": uuid::Uuid::now_v7().to_string(),
        "problem": "", "owner_id": tech_id, "actions": []}),
        )
        .await;
    assert_eq!(bad.fields(), ["problem", "source_id", "actions"]);
    let created = app
        .post(
            "/api/v1/corrective-actions",
            &qm,
            json!({"source": "nonconformity", "source_id": nc.body["id"],
        "problem": "Records left unsigned", "owner_id": tech_id,
        "actions": [{"description": "Add a reminder", "owner_id": tech_id, "due_on": day(-1)}]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["overdue"], true);
    let path = format!("/api/v1/corrective-actions/{}", s(&created.body["id"]));
    let early = act(&app, &qm, &path, "implement", None).await;
    assert_eq!(early.fields(), ["root_cause", "actions[0].done_on"]);
    let current = app.get(&path, &qm).await;
    let updated = app.patch(&path, &qm, &current.etag(), json!({"root_cause": "No reminder",
        "actions": [{"description": "Add a reminder", "owner_id": tech_id, "due_on": day(-1), "done_on": day(-2)}]})).await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    assert_eq!(
        act(&app, &qm, &path, "implement", None).await.body["status"],
        "implemented"
    );
    let reopened = act(
        &app,
        &qm,
        &path,
        "review",
        Some(json!({"review": "Recurred in the next month", "effective": false})),
    )
    .await;
    assert_eq!(reopened.body["status"], "open");
    assert_eq!(
        act(&app, &qm, &path, "implement", None).await.status,
        StatusCode::OK
    );
    let closed = act(
        &app,
        &qm,
        &path,
        "review",
        Some(json!({"review": "No recurrence in 3 months", "effective": true})),
    )
    .await;
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["effective"], true);
    let linked = app
        .get(
            &format!("/api/v1/nonconformities/{}", s(&nc.body["id"])),
            &qm,
        )
        .await;
    assert_eq!(linked.body["corrective_actions"][0]["status"], "closed");
}

#[tokio::test]
async fn internal_audits_reviews_and_documents() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let bad = app
        .post(
            "/api/v1/internal-audits",
            &qm,
            json!({"title": "IA", "scope": "all", "clauses": ["6.2", "x"], "planned_on": day(-3)}),
        )
        .await;
    assert_eq!(bad.fields(), ["clauses[1]"]);
    let audit = app.post("/api/v1/internal-audits", &qm, json!({"title": "IA", "scope": "all", "clauses": ["6.2", "7.10"], "planned_on": day(-3)})).await;
    assert_eq!(audit.status, StatusCode::CREATED, "{:?}", audit.body);
    let path = format!("/api/v1/internal-audits/{}", s(&audit.body["id"]));
    assert_eq!(
        act(
            &app,
            &qm,
            &path,
            "perform",
            Some(json!({"performed_on": day(-2), "summary": "one finding"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    let finding = app.post(&format!("{path}/findings"), &qm, json!({"clause": "6.2.5", "kind": "nonconformity", "description": "Authorization list out of date", "due_on": day(-1)})).await;
    assert_eq!(finding.status, StatusCode::CREATED, "{:?}", finding.body);
    assert_eq!(finding.body["overdue"], true);
    let finding_path = format!("{path}/findings/{}", s(&finding.body["id"]));
    let too_early = app
        .send(
            Method::POST,
            &format!("{finding_path}/close"),
            Some(&qm),
            None,
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(too_early.status, StatusCode::CONFLICT);
    let not_closable = act(&app, &qm, &path, "close", None).await;
    assert_eq!(not_closable.status, StatusCode::CONFLICT);
    let tech_id = user_id(&app, TECH).await;
    let ca = app.post("/api/v1/corrective-actions", &qm, json!({"source": "audit_finding", "source_id": finding.body["id"],
        "problem": "List out of date", "owner_id": tech_id, "actions": [{"description": "Review monthly", "owner_id": tech_id, "due_on": day(10)}]})).await;
    assert_eq!(ca.status, StatusCode::CREATED, "{:?}", ca.body);
    let closed = app
        .send(
            Method::POST,
            &format!("{finding_path}/close"),
            Some(&qm),
            None,
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
    assert_eq!(closed.body["corrective_action_id"], ca.body["id"]);
    assert_eq!(
        act(&app, &qm, &path, "close", None).await.body["status"],
        "closed"
    );

    let review = app
        .post(
            "/api/v1/management-reviews",
            &qm,
            json!({"planned_on": day(-1)}),
        )
        .await;
    let review_path = format!("/api/v1/management-reviews/{}", s(&review.body["id"]));
    let held = act(
        &app,
        &qm,
        &review_path,
        "hold",
        Some(json!({"held_on": day(0), "attendees": "", "inputs": "x", "outputs": "y"})),
    )
    .await;
    assert_eq!(held.fields(), ["attendees"]);
    let held = act(
        &app,
        &qm,
        &review_path,
        "hold",
        Some(json!({"held_on": day(0), "attendees": "all", "inputs": "x", "outputs": "y"})),
    )
    .await;
    assert_eq!(held.body["status"], "held");
    assert_eq!(
        act(&app, &qm, &review_path, "close", None).await.body["status"],
        "closed"
    );

    // Documents: a second quality manager approves; the earlier version becomes obsolete.
    let admin = app.token(ADMIN).await;
    app.post("/api/v1/users", &admin, json!({"email": "qm2@lab.vn", "name": "QM 2", "role": "quality_manager", "password": "second-qm-password"})).await;
    let qm2 = app.token_with("qm2@lab.vn", "second-qm-password").await;
    let draft = app
        .post(
            "/api/v1/documents",
            &qm,
            json!({"code": "QT-09", "title": "Audits", "kind": "procedure"}),
        )
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{:?}", draft.body);
    let doc = format!("/api/v1/documents/{}", s(&draft.body["id"]));
    let own = act(
        &app,
        &qm,
        &doc,
        "approve",
        Some(json!({"effective_on": day(0)})),
    )
    .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert_eq!(
        act(
            &app,
            &qm2,
            &doc,
            "approve",
            Some(json!({"effective_on": day(0)}))
        )
        .await
        .body["status"],
        "approved"
    );
    let v2 = app
        .post(
            "/api/v1/documents",
            &qm,
            json!({"code": "QT-09", "title": "Audits v2", "kind": "procedure"}),
        )
        .await;
    assert_eq!(v2.body["doc_version"], 2);
    let twice = app
        .post(
            "/api/v1/documents",
            &qm,
            json!({"code": "QT-09", "title": "Audits v3", "kind": "procedure"}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    act(
        &app,
        &qm2,
        &format!("/api/v1/documents/{}", s(&v2.body["id"])),
        "approve",
        Some(json!({"effective_on": day(0)})),
    )
    .await;
    assert_eq!(app.get(&doc, &qm).await.body["status"], "obsolete");
    let procedures = app
        .get("/api/v1/documents?kind=calibration_procedure", &qm)
        .await;
    assert!(procedures.body["items"]
        .as_array()
        .is_some_and(|p| p.iter().any(|d| d["code"] == MASS_PROCEDURE)));
    let clash = app
        .post(
            "/api/v1/documents",
            &qm,
            json!({"code": MASS_PROCEDURE, "title": "x", "kind": "procedure"}),
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_audit_pack_and_the_attention_list_show_the_demo_year() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let pack = app.get("/api/v1/reports/audit-pack", &qm).await;
    assert_eq!(pack.status, StatusCode::OK, "{:?}", pack.body);
    let body = &pack.body;
    assert_eq!(body["audit_trail"]["valid"], true);
    assert!(
        body["personnel"]["expired_authorizations"]
            .as_i64()
            .unwrap_or(0)
            >= 1
    );
    let standards = body["equipment"]["standards"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let t_ws = standards
        .iter()
        .find(|s| s["asset_id"] == THERMOMETER)
        .cloned()
        .unwrap_or_default();
    assert_eq!(t_ws["fit_for_use"], false, "{t_ws:#}");
    let p_ws = standards
        .iter()
        .find(|s| s["asset_id"] == PRESSURE_STANDARD)
        .cloned()
        .unwrap_or_default();
    assert_eq!(p_ws["overdue"], true);
    assert!(
        body["technical_records"]["calibrations"]
            .as_i64()
            .unwrap_or(0)
            >= 5
    );
    assert_eq!(
        body["technical_records"]["amendments"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let ncs = body["nonconformities"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let oot = ncs
        .iter()
        .find(|n| s(&n["title"]).starts_with("M-WS-01 found out of tolerance"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        oot["affected"]["records"].as_array().map(Vec::len),
        Some(4),
        "{oot:#}"
    );
    assert!(ncs.iter().any(|n| n["source"] == "proficiency_test"));
    assert!(body["complaints"].as_array().is_some_and(|c| c.len() == 4));
    assert!(body["validity"]["proficiency_tests"]
        .as_array()
        .is_some_and(|p| p.len() >= 3));
    assert!(body["validity"]["intermediate_checks_failed"]
        .as_array()
        .is_some_and(|c| c.len() == 1));
    assert!(body["internal_audits"]
        .as_array()
        .is_some_and(|a| a.len() >= 2));
    assert!(body["corrective_actions"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["overdue"] == true)));
    assert!(body["documents"]["current"].as_array().is_some_and(|d| d
        .iter()
        .any(|d| d["code"] == "STCL" && d["doc_version"] == 2)));
    let flags: Vec<String> = body["flags"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(s)
        .collect();
    assert!(flags.iter().any(|f| f.contains(THERMOMETER)), "{flags:?}");
    // PDF, by extension and by Accept.
    for (path, accept) in [
        ("/api/v1/reports/audit-pack.pdf", "*/*"),
        ("/api/v1/reports/audit-pack", "application/pdf"),
    ] {
        let reply = app
            .client
            .get(app.url(path))
            .bearer_auth(&qm)
            .header("accept", accept)
            .send()
            .await
            .expect("pdf");
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(reply.headers()["content-type"], "application/pdf");
        let bytes = reply.bytes().await.expect("bytes");
        assert!(bytes.starts_with(b"%PDF"));
        let Some(text) = pdftotext(&bytes) else {
            continue;
        };
        // Bilingual, clauses in order, codes printed as words.
        let mut at = 0;
        for heading in [
            "6.2 Nhân sự / Personnel",
            "6.4, 6.5 Thiết bị",
            "7.5, 7.8 Hồ sơ kỹ thuật",
            "7.7 Đảm bảo",
            "7.9 Khiếu nại",
            "7.10 Công việc không phù hợp",
            "7.11 Nhật ký",
            "8.3 Kiểm soát tài liệu",
            "8.7 Hành động khắc phục",
            "8.8 Đánh giá nội bộ",
            "8.9 Xem xét của lãnh đạo",
        ] {
            let found = text[at..].find(heading);
            assert!(found.is_some(), "{heading} after byte {at}:\n{text}");
            at += found.unwrap_or_default();
        }
        for caption in [
            "Hiệu chuẩn theo tháng / Calibrations by month",
            "Giấy chứng nhận sửa đổi và giấy chứng nhận bị thu hồi / Amending certificates and revoked certificates",
            "Tài liệu đang hiệu lực / Documents in force",
        ] {
            assert!(text.contains(caption), "{caption}:\n{text}");
        }
        assert!(!text.contains("calibration_procedure"), "{text}");
    }
    let bad = app
        .get(
            &format!("/api/v1/reports/audit-pack?from={}&to={}", day(0), day(-1)),
            &qm,
        )
        .await;
    assert_eq!(bad.fields(), ["to"]);
    let tech = app.token(TECH).await;
    assert_eq!(
        app.get("/api/v1/reports/audit-pack", &tech).await.status,
        StatusCode::FORBIDDEN
    );

    let attention = app.get("/api/v1/reports/attention", &qm).await;
    assert_eq!(attention.status, StatusCode::OK, "{:?}", attention.body);
    let counts = &attention.body["counts"];
    for key in [
        "authorizations",
        "standards",
        "nonconformities",
        "corrective_actions",
        "complaints",
        "proficiency_tests",
        "document_drafts",
    ] {
        assert!(counts[key].as_i64().unwrap_or(0) >= 1, "{key}: {counts:#}");
    }
    assert_eq!(attention.body["calibrations_awaiting_approval"], 1);
    let admin = app.token(ADMIN).await;
    assert_eq!(
        app.get("/api/v1/reports/attention", &admin).await.status,
        StatusCode::FORBIDDEN
    );
}

/// A nonconformity names a source that exists; one raised from a calibration record lists that
/// record, its certificates and its customer.
#[tokio::test]
async fn a_nonconformity_from_a_calibration_lists_what_it_touches() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    for (source, id) in [
        ("calibration", uuid::Uuid::now_v7().to_string()),
        ("complaint", uuid::Uuid::now_v7().to_string()),
        ("calibration", "not-an-id".to_string()),
    ] {
        let made_up = app
            .post(
                "/api/v1/nonconformities",
                &qm,
                json!({"source": source, "source_id": id, "title": "x", "description": "y"}),
            )
            .await;
        assert_eq!(
            made_up.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{source} {id}"
        );
        assert_eq!(made_up.fields(), ["source_id"]);
    }
    // The demo's first certificate: its record, and the customer holding it.
    let certificates = app.get("/api/v1/certificates", &qm).await.listed();
    let cert = certificates
        .iter()
        .find(|c| c["status"] == "valid")
        .expect("a valid demo certificate");
    let record = cert["record_id"].as_str().unwrap_or_default();
    let nc = app
        .post(
            "/api/v1/nonconformities",
            &qm,
            json!({"source": "calibration", "source_id": record,
                   "title": "Reference value mistyped", "description": "found at review"}),
        )
        .await;
    assert_eq!(nc.status, StatusCode::CREATED, "{:?}", nc.body);
    let affected = &nc.body["affected"];
    assert_eq!(affected["records"][0]["record_id"], record, "{affected:#}");
    assert!(
        affected["certificates"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["number"] == cert["number"])),
        "{affected:#}"
    );
    assert_eq!(
        affected["customers"].as_array().map(Vec::len),
        Some(1),
        "{affected:#}"
    );
    // The quality manager corrects the list, audited with the reason: the revoked certificate's
    // record in, the first one out.
    let other = certificates
        .iter()
        .find(|c| c["status"] == "revoked")
        .expect("a revoked demo certificate");
    let nc_id = nc.body["id"].as_str().unwrap_or_default().to_string();
    let path = format!("/api/v1/nonconformities/{nc_id}/affected");
    let change = |add: &Value, reason: &str| json!({"add_records": [add], "remove_records": [record], "reason": reason});
    let etag = nc.etag();
    let unknown = app
        .send(
            Method::POST,
            &path,
            Some(&qm),
            Some(change(&json!(uuid::Uuid::now_v7()), "x")),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(unknown.fields(), ["add_records[0]"], "{:?}", unknown.body);
    let reason = "the amended record is the one affected";
    let changed = app
        .send(
            Method::POST,
            &path,
            Some(&qm),
            Some(change(&other["record_id"], reason)),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    let affected = &changed.body["affected"];
    assert_eq!(
        affected["records"].as_array().map(Vec::len),
        Some(1),
        "{affected:#}"
    );
    assert_eq!(affected["records"][0]["record_id"], other["record_id"]);
    assert!(affected["certificates"]
        .as_array()
        .is_some_and(|cs| cs.iter().all(|c| c["record_id"] == other["record_id"])));
    let events = app
        .get(
            &format!("/api/v1/audit-events?entity_type=nonconformity&entity_id={nc_id}"),
            &qm,
        )
        .await
        .listed();
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "change_affected" && e["reason"] == reason),
        "{events:#?}"
    );
    // The attention list counts the records waiting for review too.
    let attention = app.get("/api/v1/reports/attention", &qm).await.body;
    assert_eq!(
        attention["counts"]["calibrations_awaiting_approval"],
        attention["calibrations_awaiting_approval"],
        "{attention:#}"
    );
    assert!(
        attention["calibrations_awaiting_approval"]
            .as_i64()
            .unwrap_or(0)
            > 0
    );
}
