//! Calibration procedures and records: the four-eyes rule, re-authentication, unfit
//! standards, environmental limits, the CMC floor, amendments, reverse traceability to points.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

pub struct Bench {
    pub app: TestApp,
    pub tech: String,
    pub qm: String,
    pub signatory: String,
    pub procedure: String,
}

fn template() -> Value {
    json!({
        "points": [{"nominal": "1000", "unit": "g"}],
        "environment": {"temperature": {"min": 18, "max": 24, "unit": "°C"}, "humidity": {"min": 30, "max": 70, "unit": "%RH"}},
        "budget": {"model": "indication - reference + resolution", "inputs": [
            {"name": "indication", "source": "readings"},
            {"name": "reference", "source": "reference"},
            {"name": "resolution", "source": "resolution"}
        ]}
    })
}

impl Bench {
    pub async fn new(extra: &[(&str, &str)]) -> Bench {
        let app = spawn_app_with(extra).await;
        let tech = app.token(TECH).await;
        let qm = app.token(QM).await;
        let signatory = app.token(SIGNATORY).await;
        let draft = app
            .post("/api/v1/procedures", &qm, json!({"code": "QT-TEST-01", "title": "Hiệu chuẩn cân / Balance calibration", "quantity": "mass", "effective_on": today() - Duration::days(30), "template": template()}))
            .await;
        assert_eq!(draft.status, StatusCode::CREATED, "{:?}", draft.body);
        let id = draft.body["id"].as_str().unwrap_or_default().to_string();
        let approved = app
            .send(
                Method::POST,
                &format!("/api/v1/procedures/{id}/approve"),
                Some(&qm),
                None,
                &[("if-match", &draft.etag())],
            )
            .await;
        assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
        Bench {
            app,
            tech,
            qm,
            signatory,
            procedure: id,
        }
    }

    /// Receives a new balance for customer A and returns the work order item id.
    pub async fn item(&self, serial: &str) -> String {
        let customer = self.app.customer_id_of(CUSTOMER_A).await;
        let order = self
            .app
            .post("/api/v1/work-orders", &self.tech, json!({"customer_id": customer, "items": [{
                "new_instrument": {"description": "Cân phân tích", "serial_number": serial, "resolution": "0.001", "unit": "g",
                                   "quantity": "mass", "tolerance": [{"mpe_absolute": 0.01}], "recalibration_interval_months": 12},
                "service": "calibration", "decision_rule": "simple"}]}))
            .await;
        assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
        order.body["items"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn record_input(&self, item: &str, standard_asset: &str) -> Value {
        let standard = standard_id(&self.app, &self.qm, standard_asset).await;
        let monitor = standard_id(&self.app, &self.qm, ROOM_MONITOR).await;
        json!({
            "item_id": item, "procedure_id": self.procedure,
            "started_at": earlier_today(Duration::hours(2)), "ended_at": earlier_today(Duration::hours(1)),
            "location": "Phòng Khối lượng",
            "environment": {"temperature": {"value": "21.5", "unit": "°C", "measured_with": monitor},
                            "humidity": {"value": "55", "unit": "%RH", "measured_with": monitor}},
            "points": [{"nominal": "1000", "unit": "g", "reference_value": "1000.0011",
                        "readings": ["1000.003", "1000.004", "1000.003", "1000.004", "1000.003"], "standards": [standard]}]
        })
    }

    pub async fn act(
        &self,
        token: &str,
        record: &Value,
        action: &str,
        body: Option<Value>,
    ) -> Reply {
        let id = record["id"].as_str().unwrap_or_default();
        let current = self
            .app
            .get(&format!("/api/v1/calibrations/{id}"), &self.qm)
            .await;
        self.app
            .send(
                Method::POST,
                &format!("/api/v1/calibrations/{id}/{action}"),
                Some(token),
                body,
                &[("if-match", &current.etag())],
            )
            .await
    }
}

#[tokio::test]
async fn a_record_from_readings_to_signature() {
    let b = Bench::new(&[]).await;
    let item = b.item("CAL-1").await;
    let created = b
        .app
        .post(
            "/api/v1/calibrations",
            &b.tech,
            b.record_input(&item, WEIGHTS).await,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let record = created.body.clone();
    assert_eq!(record["status"], "draft");
    let result = &record["content"]["results"][0];
    // Mean 1000.0034, error 0.0023 g; u² = 0.0008² (certificate 0.0016, k = 2) + (0.0005/√3)² + (s/√5)².
    // The mean and the error carry two places more than the readings, and no binary noise.
    assert_eq!(result["indication"].to_string(), "1000.0034", "{result:#}");
    assert_eq!(result["error"].to_string(), "0.0023", "{result:#}");
    assert_eq!(result["correction"].to_string(), "-0.0023", "{result:#}");
    assert_eq!(result["reported_expanded_uncertainty"], "0.0018");
    assert_eq!(result["reported_error"], "0.0023");
    assert_eq!(result["verdict"], "pass");
    assert_eq!(result["in_accredited_scope"], true);
    assert_eq!(record["content"]["standards_used"][0]["asset_id"], WEIGHTS);
    assert_eq!(
        record["content"]["input"]["points"][0]["readings"][0],
        "1000.003"
    );

    assert_eq!(
        b.act(&b.tech, &record, "submit", None).await.status,
        StatusCode::OK
    );
    // Technicians cannot sign; a wrong password is no signature.
    assert_eq!(
        b.act(
            &b.tech,
            &record,
            "approve",
            Some(json!({"password": calab::demo::DEMO_PASSWORD}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let wrong = b
        .act(
            &b.signatory,
            &record,
            "approve",
            Some(json!({"password": "not-my-password"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.fields(), ["password"]);
    let approved = b
        .act(
            &b.signatory,
            &record,
            "approve",
            Some(json!({"password": calab::demo::DEMO_PASSWORD})),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["signature"]["name"], "Lê Minh Đức");
    assert_eq!(
        approved.body["signature"]["meaning"],
        "reviewed and approved"
    );
    assert_eq!(
        approved.body["signature"]["sha256"],
        approved.body["sha256"]
    );
    let instrument = b
        .app
        .get(
            &format!(
                "/api/v1/instruments/{}",
                record["instrument_id"].as_str().unwrap_or_default()
            ),
            &b.tech,
        )
        .await;
    assert_eq!(instrument.body["status"], "approved");
    assert_eq!(instrument.body["last_verdict"], "pass");
    assert!(instrument.body["next_due_on"].is_string());
    // An approved record is not edited.
    let input = b.record_input(&item, WEIGHTS).await;
    let edit = b
        .app
        .send(
            Method::PATCH,
            &format!(
                "/api/v1/calibrations/{}",
                record["id"].as_str().unwrap_or_default()
            ),
            Some(&b.tech),
            Some(input),
            &[("if-match", &approved.etag())],
        )
        .await;
    assert_eq!(edit.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_author_never_approves_whatever_the_route() {
    let b = Bench::new(&[]).await;
    let admin = b.app.token(ADMIN).await;
    let other = b
        .app
        .post("/api/v1/users", &admin, json!({"email": "second.signatory@lab.vn", "name": "Ngô Bảo Châu", "role": "signatory", "password": "second-signatory-pw"}))
        .await;
    assert_eq!(other.status, StatusCode::CREATED);
    // Approving needs a current authorization (§6.2), granted by the quality manager.
    let granted = b
        .app
        .post(
            "/api/v1/authorizations",
            &b.qm,
            json!({"user_id": other.body["id"], "function": "review_approve",
            "discipline": "mass", "valid_from": today() - Duration::days(1),
            "valid_until": today() + Duration::days(365)}),
        )
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{:?}", granted.body);
    let second = b
        .app
        .token_with("second.signatory@lab.vn", "second-signatory-pw")
        .await;
    let item = b.item("CAL-2").await;
    let record = b
        .app
        .post(
            "/api/v1/calibrations",
            &b.tech,
            b.record_input(&item, WEIGHTS).await,
        )
        .await
        .body;
    b.act(&b.tech, &record, "submit", None).await;
    b.act(
        &b.signatory,
        &record,
        "approve",
        Some(json!({"password": calab::demo::DEMO_PASSWORD})),
    )
    .await;
    // The signatory amends the approved record, so the new version is theirs...
    let current = b
        .app
        .get(
            &format!(
                "/api/v1/calibrations/{}",
                record["id"].as_str().unwrap_or_default()
            ),
            &b.qm,
        )
        .await;
    let mut input = b.record_input(&item, WEIGHTS).await;
    input["notes"] = json!("reference value corrected");
    input["points"][0]["reference_value"] = json!("1000.0012");
    let amended = b
        .app
        .send(
            Method::POST,
            &format!(
                "/api/v1/calibrations/{}/amendments",
                record["id"].as_str().unwrap_or_default()
            ),
            Some(&b.signatory),
            Some(json!({"reason": "typo in the reference value", "record": input})),
            &[("if-match", &current.etag())],
        )
        .await;
    assert_eq!(amended.status, StatusCode::CREATED, "{:?}", amended.body);
    assert_eq!(amended.body["record_version"], 2);
    assert_eq!(amended.body["status"], "draft");
    assert!(
        amended.body["signature"].is_null(),
        "the old approval does not carry over"
    );
    b.act(&b.tech, &record, "submit", None).await;
    // ...and they cannot approve it, while another signatory can.
    let own = b
        .act(
            &b.signatory,
            &record,
            "approve",
            Some(json!({"password": calab::demo::DEMO_PASSWORD})),
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{:?}", own.body);
    let ok = b
        .act(
            &second,
            &record,
            "approve",
            Some(json!({"password": "second-signatory-pw"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.body["signature"]["name"], "Ngô Bảo Châu");
    // Both versions stay readable, each with its own signature.
    let id = record["id"].as_str().unwrap_or_default();
    let v1 = b
        .app
        .get(&format!("/api/v1/calibrations/{id}?version=1"), &b.qm)
        .await;
    assert_eq!(v1.body["signature"]["name"], "Lê Minh Đức");
    assert_eq!(
        v1.body["content"]["input"]["points"][0]["reference_value"],
        "1000.0011"
    );
    let v2 = b
        .app
        .get(&format!("/api/v1/calibrations/{id}?version=2"), &b.qm)
        .await;
    assert_eq!(v2.body["amendment_reason"], "typo in the reference value");
    assert_ne!(v1.body["sha256"], v2.body["sha256"]);
    assert_eq!(
        b.app
            .get(&format!("/api/v1/calibrations/{id}?version=3"), &b.qm)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let events = b
        .app
        .get(
            &format!("/api/v1/audit-events?entity_type=calibration_record&entity_id={id}"),
            &b.qm,
        )
        .await;
    let actions: Vec<&str> = events.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        actions,
        ["create", "submit", "approve", "amend", "submit", "approve"]
    );
    let amend = events.body["items"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["action"] == "amend").cloned())
        .unwrap_or_default();
    assert_eq!(
        amend["before"]["content"]["input"]["points"][0]["reference_value"],
        "1000.0011"
    );
    assert_eq!(
        amend["after"]["content"]["input"]["points"][0]["reference_value"],
        "1000.0012"
    );
}

#[tokio::test]
async fn return_edit_and_resubmit() {
    let b = Bench::new(&[]).await;
    let item = b.item("CAL-3").await;
    let record = b
        .app
        .post(
            "/api/v1/calibrations",
            &b.tech,
            b.record_input(&item, WEIGHTS).await,
        )
        .await
        .body;
    b.act(&b.tech, &record, "submit", None).await;
    assert_eq!(
        b.act(
            &b.signatory,
            &record,
            "return",
            Some(json!({"reason": " "}))
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let returned = b
        .act(
            &b.signatory,
            &record,
            "return",
            Some(json!({"reason": "add the humidity instrument"})),
        )
        .await;
    assert_eq!(returned.body["status"], "returned");
    assert_eq!(
        returned.body["returned_reason"],
        "add the humidity instrument"
    );
    let id = record["id"].as_str().unwrap_or_default();
    let import = b
        .app
        .send(
            Method::POST,
            &format!("/api/v1/calibrations/{id}/readings/import"),
            Some(&b.tech),
            Some(
                json!({"points": [{"point": 1, "readings": ["1000.002", "1000.003", "1000.002"]}]}),
            ),
            &[("if-match", &returned.etag())],
        )
        .await;
    assert_eq!(import.status, StatusCode::OK, "{:?}", import.body);
    assert_eq!(
        import.body["content"]["input"]["points"][0]["readings"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let bad = b
        .app
        .client
        .post(
            b.app
                .url(&format!("/api/v1/calibrations/{id}/readings/import")),
        )
        .bearer_auth(&b.tech)
        .header("content-type", "text/csv")
        .header("if-match", import.etag())
        .body("point,reading\n1,1000.001\n2,1000.002\nx,abc\n")
        .send()
        .await
        .expect("csv");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let csv = b
        .app
        .client
        .post(
            b.app
                .url(&format!("/api/v1/calibrations/{id}/readings/import")),
        )
        .bearer_auth(&b.tech)
        .header("content-type", "text/csv")
        .header("if-match", import.etag())
        .body("point,reading\n1,1000.0030\n1,1000.0040\n")
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    let after = b
        .app
        .get(&format!("/api/v1/calibrations/{id}"), &b.tech)
        .await;
    assert_eq!(
        after.body["content"]["input"]["points"][0]["readings"],
        json!(["1000.0030", "1000.0040"])
    );
    assert_eq!(
        b.act(&b.tech, &after.body, "submit", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unfit_standards_environment_and_procedures_are_checked() {
    let b = Bench::new(&[]).await;
    let item = b.item("CAL-4").await;
    // T-WS-01 is quarantined in the demo (a failed intermediate check).
    let unfit = b
        .app
        .post(
            "/api/v1/calibrations",
            &b.tech,
            b.record_input(&item, THERMOMETER).await,
        )
        .await;
    assert_eq!(unfit.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = unfit.body["errors"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["field"] == "points[0].standards[0]")
                .cloned()
        })
        .unwrap_or_default();
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains(THERMOMETER) && m.contains("quarantined")),
        "{:?}",
        unfit.body
    );
    let mut hot = b.record_input(&item, WEIGHTS).await;
    hot["environment"]["temperature"]["value"] = json!("26.0");
    let too_hot = b.app.post("/api/v1/calibrations", &b.tech, hot).await;
    assert_eq!(too_hot.fields(), ["environment.temperature.value"]);
    // The room is monitored with registered equipment for the quantity, never a standard.
    let prt = standard_id(&b.app, &b.qm, REFERENCE_PRT).await;
    let mut unmonitored = b.record_input(&item, WEIGHTS).await;
    unmonitored["environment"]["humidity"]["measured_with"] = Value::Null;
    unmonitored["environment"]["temperature"]["measured_with"] = json!(prt);
    let refused = b
        .app
        .post("/api/v1/calibrations", &b.tech, unmonitored)
        .await;
    assert_eq!(
        refused.fields(),
        [
            "environment.humidity.measured_with",
            "environment.temperature.measured_with"
        ],
        "{:?}",
        refused.body
    );
    let mut dry = b.record_input(&item, WEIGHTS).await;
    dry["environment"]["humidity"] = Value::Null;
    assert_eq!(
        b.app
            .post("/api/v1/calibrations", &b.tech, dry)
            .await
            .fields(),
        ["environment.humidity"]
    );
    // A draft procedure cannot be used, and an approved one is never edited.
    let draft = b.app.post("/api/v1/procedures", &b.qm, json!({"code": "QT-TEST-01", "title": "v2", "quantity": "mass", "effective_on": today(), "template": template()})).await;
    assert_eq!(draft.body["procedure_version"], 2);
    let mut with_draft = b.record_input(&item, WEIGHTS).await;
    with_draft["procedure_id"] = draft.body["id"].clone();
    assert_eq!(
        b.app
            .post("/api/v1/calibrations", &b.tech, with_draft)
            .await
            .fields(),
        ["procedure_id"]
    );
    let approved = b
        .app
        .get(&format!("/api/v1/procedures/{}", b.procedure), &b.qm)
        .await;
    let edit = b
        .app
        .patch(
            &format!("/api/v1/procedures/{}", b.procedure),
            &b.qm,
            &approved.etag(),
            json!({"title": "changed"}),
        )
        .await;
    assert_eq!(edit.status, StatusCode::CONFLICT);
    let broken = b.app.post("/api/v1/procedures", &b.qm, json!({"code": "X", "title": "x", "quantity": "mass", "effective_on": today(),
        "template": {"budget": {"model": "indication - nothing", "inputs": [{"name": "indication", "source": "readings"}]}}})).await;
    assert_eq!(broken.fields(), ["template.budget"]);
}

#[tokio::test]
async fn the_cmc_is_a_floor_refused_or_raised() {
    for (policy, expect) in [
        ("refuse", StatusCode::UNPROCESSABLE_ENTITY),
        ("raise", StatusCode::CREATED),
    ] {
        let b = Bench::new(&[("CALAB_CMC_POLICY", policy)]).await;
        // A scope entry far above what this balance achieves.
        let cmc = b.app.post("/api/v1/cmc", &b.qm, json!({"quantity": "mass", "range_min": 999, "range_max": 1001, "unit": "g", "cmc_absolute": 0.005, "valid_from": today() - Duration::days(1)})).await;
        assert_eq!(cmc.status, StatusCode::CREATED);
        // The demo's own mass CMC is smaller; withdraw it so the new one applies.
        let list = b.app.get("/api/v1/cmc?quantity=mass", &b.qm).await;
        for entry in list.body["items"].as_array().cloned().unwrap_or_default() {
            if entry["id"] != cmc.body["id"] {
                let id = entry["id"].as_str().unwrap_or_default();
                b.app
                    .patch(
                        &format!("/api/v1/cmc/{id}"),
                        &b.qm,
                        &format!("\"{}\"", entry["version"]),
                        json!({"withdrawn_on": today() - Duration::days(1)}),
                    )
                    .await;
            }
        }
        let item = b.item(&format!("CMC-{policy}")).await;
        let reply = b
            .app
            .post(
                "/api/v1/calibrations",
                &b.tech,
                b.record_input(&item, WEIGHTS).await,
            )
            .await;
        assert_eq!(reply.status, expect, "{policy}: {:?}", reply.body);
        if policy == "refuse" {
            assert_eq!(reply.fields(), ["points[0].expanded_uncertainty"]);
            assert!(reply.body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("CMC")));
        } else {
            let result = &reply.body["content"]["results"][0];
            assert_eq!(result["raised_to_cmc"], 0.005);
            assert_eq!(result["reported_expanded_uncertainty"], "0.0050");
        }
    }
}

#[tokio::test]
async fn reverse_traceability_reaches_points_through_two_levels() {
    let b = Bench::new(&[]).await;
    let item = b.item("CAL-5").await;
    let record = b
        .app
        .post(
            "/api/v1/calibrations",
            &b.tech,
            b.record_input(&item, WEIGHTS).await,
        )
        .await
        .body;
    // M-WS-01 was calibrated in-house against M-REF-01: the point depends on both.
    let reference = standard_id(&b.app, &b.qm, REFERENCE_WEIGHTS).await;
    let from = today() - Duration::days(365);
    let dependents = b
        .app
        .get(
            &format!("/api/v1/standards/{reference}/dependents?from={from}"),
            &b.qm,
        )
        .await;
    assert_eq!(dependents.status, StatusCode::OK, "{:?}", dependents.body);
    let points = dependents.body["calibration_points"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        points
            .iter()
            .any(|p| p["record_id"] == record["id"] && p["point_index"] == 0),
        "{:#}",
        dependents.body
    );
    assert!(points
        .iter()
        .all(|p| p["customer_name"].is_string() && p["instrument_lab_id"].is_string()));
    // A window that ends before the calibration finds nothing.
    let before = today() - Duration::days(1);
    let none = b
        .app
        .get(
            &format!("/api/v1/standards/{reference}/dependents?from={from}&to={before}"),
            &b.qm,
        )
        .await;
    assert!(none.body["calibration_points"]
        .as_array()
        .is_some_and(|p| p.iter().all(|p| p["record_id"] != record["id"])));
}

#[tokio::test]
async fn customers_see_no_records() {
    let b = Bench::new(&[]).await;
    let item = b.item("CAL-6").await;
    let record = b
        .app
        .post(
            "/api/v1/calibrations",
            &b.tech,
            b.record_input(&item, WEIGHTS).await,
        )
        .await
        .body;
    let customer = b.app.token(CUSTOMER_A).await;
    for path in [
        "/api/v1/calibrations".to_string(),
        format!(
            "/api/v1/calibrations/{}",
            record["id"].as_str().unwrap_or_default()
        ),
        "/api/v1/procedures".into(),
    ] {
        assert_eq!(
            b.app.get(&path, &customer).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

/// A point between or beyond the reference's certificate points never borrows another point's
/// uncertainty: refused unless the procedure allows interpolation, which the budget then names.
#[tokio::test]
async fn reference_uncertainty_only_from_the_certificate_s_own_points() {
    let b = Bench::new(&[]).await;
    let item = b.item("REF-1").await;
    let mut input = b.record_input(&item, WEIGHTS).await;
    input["points"][0]["nominal"] = json!("2000");
    input["points"][0]["reference_value"] = json!("2000.0021");
    input["points"][0]["readings"] = json!(["2000.004", "2000.005", "2000.004"]);
    let refused = b.app.post("/api/v1/calibrations", &b.tech, input).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.fields(), ["points[0].standards[0]"]);
    let detail = refused.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.contains("no point at 2000 g") && detail.contains("no interpolation"),
        "{detail}"
    );
    // The demo thermometer's procedure interpolates between the PRT's 0.01 °C and 100 °C points,
    // and its budget says so.
    let submitted = b
        .app
        .get("/api/v1/calibrations?status=submitted", &b.qm)
        .await
        .listed();
    let id = submitted[0]["id"].as_str().unwrap_or_default();
    let record = b
        .app
        .get(&format!("/api/v1/calibrations/{id}"), &b.qm)
        .await
        .body;
    let basis = record["content"]["results"][0]["reference_basis"]
        .as_str()
        .unwrap_or_default();
    assert!(
        basis.starts_with("interpolated between 0.01 °C and 100 °C"),
        "{basis}"
    );
}

/// A technician names standards by their asset id; the record keeps the id and shows both.
#[tokio::test]
async fn standards_by_asset_id() {
    let b = Bench::new(&[]).await;
    let item = b.item("ASSET-1").await;
    let weights = standard_id(&b.app, &b.qm, WEIGHTS).await;
    let mut input = b.record_input(&item, WEIGHTS).await;
    input["points"][0]["standards"] = json!([WEIGHTS]);
    input["environment"]["temperature"]["measured_with"] = json!(ROOM_MONITOR);
    input["environment"]["humidity"]["measured_with"] = json!(ROOM_MONITOR);
    let created = b
        .app
        .post("/api/v1/calibrations", &b.tech, input.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let content = &created.body["content"];
    assert_eq!(content["input"]["points"][0]["standards"][0], weights);
    assert_eq!(content["standards_used"][0]["asset_id"], WEIGHTS);
    assert_eq!(content["standards_used"][0]["standard_id"], weights);
    input["points"][0]["standards"] = json!(["M-XX-99"]);
    let unknown = b.app.post("/api/v1/calibrations", &b.tech, input).await;
    assert_eq!(
        unknown.fields(),
        ["points[0].standards[0]"],
        "{:?}",
        unknown.body
    );
    // A suspect standard, by asset id.
    let nc = b
        .app
        .post(
            "/api/v1/nonconformities",
            &b.qm,
            json!({"source": "standard", "standard_id": WEIGHTS, "title": "Dropped",
                   "description": "The 2 kg weight fell."}),
        )
        .await;
    assert_eq!(nc.status, StatusCode::CREATED, "{:?}", nc.body);
    assert_eq!(nc.body["standard_id"], weights);
    assert_eq!(nc.body["standard_asset_id"], WEIGHTS);
    // The working weights' internal issuer shows by id and asset id.
    let calibrations = b
        .app
        .get(&format!("/api/v1/standards/{weights}/calibrations"), &b.qm)
        .await;
    assert_eq!(
        calibrations.body[0]["issuer_asset_id"], REFERENCE_WEIGHTS,
        "{:?}",
        calibrations.body
    );
}
