//! Standards, traceability chains, fitness for use, checks, due list, dependents, CMC.

use chrono::{Duration, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn day(offset: i64) -> NaiveDate {
    today() + Duration::days(offset)
}

struct Lab {
    app: TestApp,
    qm: String,
    nmi: String,
}

impl Lab {
    async fn new() -> Lab {
        let app = spawn_app().await;
        let qm = app.token(QM).await;
        let nmi = app
            .post(
                "/api/v1/external-bodies",
                &qm,
                json!({"name": "National Metrology Institute", "country": "VN", "kind": "nmi"}),
            )
            .await;
        assert_eq!(nmi.status, StatusCode::CREATED, "{:?}", nmi.body);
        let nmi = nmi.body["id"].as_str().unwrap_or_default().to_string();
        Lab { app, qm, nmi }
    }

    async fn standard(&self, asset: &str, interval: i32) -> String {
        let reply = self
            .app
            .post("/api/v1/standards", &self.qm, json!({
                "asset_id": asset, "name": format!("Standard {asset}"), "kind": "working_standard",
                "quantity": "mass", "unit": "g", "calibration_interval_months": interval
            }))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap_or_default().to_string()
    }

    fn calibration(on: NaiveDate, issuer: (&str, &str), due: Option<NaiveDate>) -> Value {
        let mut body = json!({
            "calibrated_on": on, "certificate_number": format!("C-{on}"),
            "results": [{"nominal": "1000", "value": "1000.0012", "expanded_uncertainty": "0.0016", "coverage_factor": 2, "unit": "g"}],
            "as_found": "in_tolerance"
        });
        body[issuer.0] = json!(issuer.1);
        if let Some(due) = due {
            body["due_on"] = json!(due);
            body["due_override_reason"] = json!("shortened after a drift");
        }
        body
    }

    async fn calibrate(
        &self,
        standard: &str,
        on: NaiveDate,
        issuer: (&str, &str),
        due: Option<NaiveDate>,
    ) -> Reply {
        self.app
            .post(
                &format!("/api/v1/standards/{standard}/calibrations"),
                &self.qm,
                Self::calibration(on, issuer, due),
            )
            .await
    }

    async fn by_body(&self, standard: &str, on: NaiveDate, due: Option<NaiveDate>) -> Reply {
        self.calibrate(standard, on, ("external_body_id", &self.nmi.clone()), due)
            .await
    }

    async fn chain(&self, standard: &str, at: NaiveDate) -> Value {
        let reply = self
            .app
            .get(
                &format!("/api/v1/standards/{standard}/traceability?at={at}"),
                &self.qm,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply.body
    }
}

#[tokio::test]
async fn a_six_link_chain_is_valid_until_its_top_expires() {
    let lab = Lab::new().await;
    let mut ids = vec![lab.standard("S0", 24).await];
    assert_eq!(
        lab.by_body(&ids[0], day(-300), Some(day(-100)))
            .await
            .status,
        StatusCode::CREATED
    );
    for level in 1..6 {
        let id = lab.standard(&format!("S{level}"), 24).await;
        let reply = lab
            .calibrate(
                &id,
                day(-290 + level * 10),
                ("issuer_standard_id", &ids[level as usize - 1]),
                None,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "level {level}: {:?}",
            reply.body
        );
        ids.push(id);
    }
    let bottom = &ids[5];
    let valid = lab.chain(bottom, day(-200)).await;
    assert_eq!(valid["status"], "valid", "{valid:#}");
    assert_eq!(valid["links"].as_array().map(Vec::len), Some(6));
    assert_eq!(valid["terminates_at"], "nmi");
    assert_eq!(
        valid["links"][5]["issuer"]["name"],
        "National Metrology Institute"
    );
    assert_eq!(valid["links"][0]["issuer"]["kind"], "standard");
    assert_eq!(
        valid["links"][5]["results"][0]["expanded_uncertainty"],
        "0.0016"
    );

    let broken = lab.chain(bottom, day(-50)).await;
    assert_eq!(broken["status"], "broken");
    assert_eq!(broken["failing_link"], 5);
    assert_eq!(broken["links"][5]["problem"]["problem"], "expired");
    assert!(
        broken["reason"]
            .as_str()
            .is_some_and(|r| r.contains("S0") && r.contains("expired")),
        "{}",
        broken["reason"]
    );

    // Before the bottom standard was ever calibrated there is no chain.
    let early = lab.chain(bottom, day(-260)).await;
    assert_eq!(early["links"][0]["problem"]["problem"], "no_certificate");
}

#[tokio::test]
async fn cycles_and_self_calibration_are_refused() {
    let lab = Lab::new().await;
    let a = lab.standard("A", 12).await;
    let b = lab.standard("B", 12).await;
    let c = lab.standard("C", 12).await;
    lab.by_body(&a, day(-30), None).await;
    assert_eq!(
        lab.calibrate(&b, day(-20), ("issuer_standard_id", &a), None)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        lab.calibrate(&c, day(-10), ("issuer_standard_id", &b), None)
            .await
            .status,
        StatusCode::CREATED
    );
    let cycle = lab
        .calibrate(&a, day(-5), ("issuer_standard_id", &c), None)
        .await;
    assert_eq!(cycle.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(cycle.fields(), ["issuer_standard_id"]);
    assert!(cycle.body["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("cycle")));
    let own = lab
        .calibrate(&a, day(-5), ("issuer_standard_id", &a), None)
        .await;
    assert_eq!(own.fields(), ["issuer_standard_id"]);
}

#[tokio::test]
async fn an_unfit_standard_cannot_be_used_but_can_itself_be_recalibrated() {
    let lab = Lab::new().await;
    let reference = lab.standard("REF", 12).await;
    let working = lab.standard("WS", 12).await;
    lab.by_body(&reference, day(-400), Some(day(-10))).await;
    let refused = lab
        .calibrate(&working, day(-1), ("issuer_standard_id", &reference), None)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.fields(), ["issuer_standard_id"]);
    let message = refused.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("REF") && message.contains("expired"),
        "{message}"
    );
    let fitness = lab
        .app
        .get(
            &format!("/api/v1/standards/{reference}/fitness?at={}", day(-1)),
            &lab.qm,
        )
        .await;
    assert_eq!(fitness.body["fit"], false);
    assert_eq!(fitness.body["problem"]["problem"], "expired");

    // The overdue standard's own calibration is always accepted: it is what lifts the lock-out.
    assert_eq!(
        lab.by_body(&reference, day(-1), None).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        lab.calibrate(&working, day(0), ("issuer_standard_id", &reference), None)
            .await
            .status,
        StatusCode::CREATED
    );
    let fit = lab
        .app
        .get(&format!("/api/v1/standards/{working}/fitness"), &lab.qm)
        .await;
    assert_eq!(fit.body["fit"], true, "{:?}", fit.body);
}

#[tokio::test]
async fn an_unjustified_other_issuer_breaks_the_chain() {
    let lab = Lab::new().await;
    let other = lab
        .app
        .post(
            "/api/v1/external-bodies",
            &lab.qm,
            json!({"name": "Vendor service", "country": "CN", "kind": "other"}),
        )
        .await;
    let other_id = other.body["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(other.body["acceptable"], false);
    let s = lab.standard("OTH", 12).await;
    lab.calibrate(&s, day(-10), ("external_body_id", &other_id), None)
        .await;
    let chain = lab.chain(&s, day(0)).await;
    assert_eq!(chain["status"], "broken");
    assert_eq!(
        chain["links"][0]["problem"]["problem"],
        "issuer_not_acceptable"
    );
    let justified = lab
        .app
        .patch(
            &format!("/api/v1/external-bodies/{other_id}"),
            &lab.qm,
            &other.etag(),
            json!({"justification": "Manufacturer's lab, assessed on site 2026-05"}),
        )
        .await;
    assert_eq!(justified.status, StatusCode::OK);
    assert_eq!(justified.body["acceptable"], true);
    assert_eq!(lab.chain(&s, day(0)).await["status"], "valid");
    let missing = lab
        .app
        .post(
            "/api/v1/external-bodies",
            &lab.qm,
            json!({"name": "X", "country": "VN", "kind": "accredited_lab"}),
        )
        .await;
    assert_eq!(missing.fields(), ["accreditation_number"]);
}

#[tokio::test]
async fn a_failed_check_quarantines_until_a_quality_manager_releases() {
    let lab = Lab::new().await;
    let s = lab.standard("CHK", 12).await;
    lab.by_body(&s, day(-30), None).await;
    let tech = lab.app.token(TECH).await;
    let check = |measured: &str| {
        json!({
            "checked_on": day(0), "reference_value": "1000.0000", "measured_value": measured,
            "lower_limit": "-0.0020", "upper_limit": "0.0020", "unit": "g"
        })
    };
    let pass = lab
        .app
        .post(
            &format!("/api/v1/standards/{s}/intermediate-checks"),
            &tech,
            check("1000.0020"),
        )
        .await;
    assert_eq!(pass.status, StatusCode::CREATED, "{:?}", pass.body);
    assert_eq!(pass.body["result"], "pass");
    assert_eq!(pass.body["measured_value"], "1000.0020");
    let fail = lab
        .app
        .post(
            &format!("/api/v1/standards/{s}/intermediate-checks"),
            &tech,
            check("1000.0031"),
        )
        .await;
    assert_eq!(fail.body["result"], "fail");
    let standard = lab
        .app
        .get(&format!("/api/v1/standards/{s}"), &lab.qm)
        .await;
    assert_eq!(standard.body["status"], "quarantined");
    assert!(
        standard.body["status_reason"]
            .as_str()
            .is_some_and(|r| r.contains("0.0031")),
        "{:?}",
        standard.body["status_reason"]
    );
    let fitness = lab
        .app
        .get(&format!("/api/v1/standards/{s}/fitness"), &lab.qm)
        .await;
    assert_eq!(fitness.body["problem"]["problem"], "quarantined");

    let release =
        json!({"status": "in_service", "reason": "balance re-levelled; repeat check passed"});
    let by_tech = lab
        .app
        .send(
            Method::POST,
            &format!("/api/v1/standards/{s}/status"),
            Some(&tech),
            Some(release.clone()),
            &[("if-match", &standard.etag())],
        )
        .await;
    assert_eq!(by_tech.status, StatusCode::FORBIDDEN);
    let by_qm = lab
        .app
        .send(
            Method::POST,
            &format!("/api/v1/standards/{s}/status"),
            Some(&lab.qm),
            Some(release),
            &[("if-match", &standard.etag())],
        )
        .await;
    assert_eq!(by_qm.status, StatusCode::OK, "{:?}", by_qm.body);
    assert_eq!(by_qm.body["status"], "in_service");
    // Released, but the last check still failed: a passing check makes it fit again.
    let still = lab
        .app
        .get(&format!("/api/v1/standards/{s}/fitness"), &lab.qm)
        .await;
    assert_eq!(
        still.body["problem"]["problem"],
        "intermediate_check_failed"
    );
    lab.app
        .post(
            &format!("/api/v1/standards/{s}/intermediate-checks"),
            &tech,
            check("1000.0001"),
        )
        .await;
    assert_eq!(
        lab.app
            .get(&format!("/api/v1/standards/{s}/fitness"), &lab.qm)
            .await
            .body["fit"],
        true
    );

    let history = lab
        .app
        .get(&format!("/api/v1/standards/{s}/status-history"), &lab.qm)
        .await;
    let statuses: Vec<&str> = history
        .body
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["to_status"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(statuses, ["in_service", "quarantined", "in_service"]);
    let events = lab
        .app
        .get(
            &format!("/api/v1/audit-events?entity_type=standard&entity_id={s}"),
            &lab.qm,
        )
        .await;
    let actions: Vec<&str> = events.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        actions,
        [
            "create",
            "record_calibration",
            "record_intermediate_check",
            "record_intermediate_check",
            "change_status",
            "change_status",
            "record_intermediate_check"
        ]
    );
}

#[tokio::test]
async fn the_due_list_orders_overdue_first_and_respects_its_window() {
    let lab = Lab::new().await;
    let never = lab.standard("NEVER", 12).await;
    let overdue = lab.standard("LATE", 12).await;
    let edge = lab.standard("EDGE", 12).await;
    let outside = lab.standard("LATER", 12).await;
    lab.by_body(&overdue, day(-100), Some(day(-1))).await;
    lab.by_body(&edge, day(-100), Some(day(30))).await;
    lab.by_body(&outside, day(-100), Some(day(31))).await;
    let due = |days: i64| {
        let app = &lab.app;
        let qm = lab.qm.clone();
        async move {
            app.get(&format!("/api/v1/standards/due?within_days={days}"), &qm)
                .await
        }
    };
    let within_30 = due(30).await;
    let items = within_30.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ours: Vec<(String, String)> = items
        .iter()
        .filter(|i| {
            ["NEVER", "LATE", "EDGE", "LATER"]
                .contains(&i["standard"]["asset_id"].as_str().unwrap_or_default())
        })
        .map(|i| {
            (
                i["standard"]["asset_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                i["standard"]["due_status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        ours,
        [
            ("NEVER".into(), "overdue".into()),
            ("LATE".into(), "overdue".into()),
            ("EDGE".into(), "due_soon".into())
        ]
    );
    let within_31 = due(31).await;
    assert!(within_31.body["items"]
        .as_array()
        .is_some_and(|a| a.iter().any(|i| i["standard"]["id"] == outside.as_str())));
    assert_eq!(due(-1).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let view = lab
        .app
        .get(&format!("/api/v1/standards/{never}"), &lab.qm)
        .await;
    assert_eq!(view.body["due_status"], "overdue");
}

#[tokio::test]
async fn dependents_reach_through_two_levels_within_the_window() {
    let lab = Lab::new().await;
    let top = lab.standard("TOP", 24).await;
    let mid = lab.standard("MID", 24).await;
    let low = lab.standard("LOW", 24).await;
    let old = lab.standard("OLD", 24).await;
    lab.by_body(&top, day(-300), None).await;
    lab.calibrate(&old, day(-200), ("issuer_standard_id", &top), None)
        .await;
    lab.calibrate(&mid, day(-100), ("issuer_standard_id", &top), None)
        .await;
    lab.calibrate(&low, day(-50), ("issuer_standard_id", &mid), None)
        .await;
    let reply = lab
        .app
        .get(
            &format!(
                "/api/v1/standards/{top}/dependents?from={}&to={}",
                day(-150),
                day(0)
            ),
            &lab.qm,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let found: Vec<(String, i64)> = reply.body["standard_calibrations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    (
                        d["standard"]["asset_id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        d["depth"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(found, [("MID".to_string(), 1), ("LOW".to_string(), 2)]);
    let bad = lab
        .app
        .get(
            &format!(
                "/api/v1/standards/{top}/dependents?from={}&to={}",
                day(0),
                day(-10)
            ),
            &lab.qm,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn certificate_files_keep_every_version() {
    let lab = Lab::new().await;
    let s = lab.standard("FILE", 12).await;
    let cal = lab.by_body(&s, day(-5), None).await;
    let cal_id = cal.body["id"].as_str().unwrap_or_default();
    let url = lab.app.url(&format!(
        "/api/v1/standards/{s}/calibrations/{cal_id}/certificate"
    ));
    for content in ["%PDF-1.7 first scan", "%PDF-1.7 corrected scan"] {
        let reply = lab
            .app
            .client
            .put(format!("{url}?filename=cert.pdf"))
            .bearer_auth(&lab.qm)
            .header("content-type", "application/pdf")
            .body(content)
            .send()
            .await
            .expect("upload");
        assert_eq!(reply.status(), StatusCode::CREATED);
    }
    let latest = lab
        .app
        .client
        .get(&url)
        .bearer_auth(&lab.qm)
        .send()
        .await
        .expect("download");
    assert_eq!(latest.headers()["content-type"], "application/pdf");
    assert_eq!(
        latest.text().await.unwrap_or_default(),
        "%PDF-1.7 corrected scan"
    );
    let first = lab
        .app
        .client
        .get(format!("{url}?version=1"))
        .bearer_auth(&lab.qm)
        .send()
        .await
        .expect("download");
    let sha = first.headers()["x-content-sha256"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        first.text().await.unwrap_or_default(),
        "%PDF-1.7 first scan"
    );
    let view = lab
        .app
        .get(
            &format!("/api/v1/standards/{s}/calibrations/{cal_id}"),
            &lab.qm,
        )
        .await;
    assert_eq!(
        view.body["certificate_files"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(view.body["certificate_files"][0]["sha256"], sha.as_str());
    let no_name = lab
        .app
        .client
        .put(&url)
        .bearer_auth(&lab.qm)
        .body("x")
        .send()
        .await
        .expect("upload");
    assert_eq!(no_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_scope_keeps_its_history_and_gives_the_floor() {
    let lab = Lab::new().await;
    let created = lab
        .app
        .post("/api/v1/cmc", &lab.qm, json!({"quantity": "dc_voltage", "range_min": 0, "range_max": 10, "unit": "V", "cmc_absolute": 2e-6, "cmc_relative": 3e-6, "valid_from": day(-10)}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap_or_default();
    let floor = lab
        .app
        .get(
            "/api/v1/cmc/floor?quantity=dc_voltage&unit=V&value=10",
            &lab.qm,
        )
        .await;
    assert_eq!(floor.body["in_scope"], true);
    assert!((floor.body["cmc"].as_f64().unwrap_or(0.0) - 3.2e-5).abs() < 1e-15);
    let outside = lab
        .app
        .get(
            "/api/v1/cmc/floor?quantity=dc_voltage&unit=V&value=11",
            &lab.qm,
        )
        .await;
    assert_eq!(outside.body["in_scope"], false);
    let updated = lab
        .app
        .patch(
            &format!("/api/v1/cmc/{id}"),
            &lab.qm,
            "\"1\"",
            json!({"cmc_relative": 2.5e-6}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    let history = lab
        .app
        .get(&format!("/api/v1/cmc/{id}/history"), &lab.qm)
        .await;
    assert_eq!(history.body.as_array().map(Vec::len), Some(2));
    assert_eq!(history.body[1]["before"]["cmc_relative"], 3e-6);
    let bad = lab.app.post("/api/v1/cmc", &lab.qm, json!({"quantity": "nope", "range_min": 5, "range_max": 1, "unit": "V", "valid_from": day(0)})).await;
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(fields, ["cmc_absolute", "quantity", "range_max"]);
}

#[tokio::test]
async fn customers_see_no_standards() {
    let lab = Lab::new().await;
    let s = lab.standard("HIDDEN", 12).await;
    let customer = lab.app.token(CUSTOMER_A).await;
    for path in [
        format!("/api/v1/standards/{s}"),
        "/api/v1/standards".to_string(),
        format!("/api/v1/standards/{s}/traceability"),
        "/api/v1/cmc".into(),
    ] {
        let reply = lab.app.get(&path, &customer).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path} {:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn the_demo_chain_shows_each_state() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let list = app.get("/api/v1/standards?limit=100", &qm).await;
    let by_asset = |asset: &str| {
        list.body["items"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["asset_id"] == asset).cloned())
            .unwrap_or_default()
    };
    assert_eq!(by_asset(THERMOMETER)["status"], "quarantined");
    assert_eq!(by_asset(PRESSURE_STANDARD)["due_status"], "overdue");
    let working = by_asset(WEIGHTS)["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let chain = app
        .get(&format!("/api/v1/standards/{working}/traceability"), &qm)
        .await;
    assert_eq!(chain.body["status"], "valid", "{:#}", chain.body);
    assert_eq!(chain.body["terminates_at"], "nmi");
}

#[tokio::test]
async fn file_names_with_control_characters_and_fake_pdfs_are_refused() {
    let lab = Lab::new().await;
    let s = lab.standard("CTRL", 12).await;
    let cal = lab.by_body(&s, day(-5), None).await;
    let cal_id = cal.body["id"].as_str().unwrap_or_default();
    let url = lab.app.url(&format!(
        "/api/v1/standards/{s}/calibrations/{cal_id}/certificate"
    ));
    for (name, content_type, body, field) in [
        (
            "cert%0D%0ASet-Cookie:x.pdf",
            "application/pdf",
            "%PDF-1.7 scan",
            "filename",
        ),
        (
            "cert%0Ab.pdf",
            "application/pdf",
            "%PDF-1.7 scan",
            "filename",
        ),
        ("a%22b.pdf", "application/pdf", "%PDF-1.7 scan", "filename"),
        (
            "cert.pdf",
            "application/pdf",
            "<html>not a pdf</html>",
            "body",
        ),
        (
            "cert.pdf",
            "application/octet-stream",
            "MZ not a pdf",
            "body",
        ),
    ] {
        let reply = lab
            .app
            .client
            .put(format!("{url}?filename={name}"))
            .bearer_auth(&lab.qm)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upload");
        assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let problem: Value = reply.json().await.unwrap_or_default();
        assert_eq!(problem["errors"][0]["field"], field, "{name}: {problem}");
    }
    // A scan that is not called a PDF is stored as it is, and downloads.
    let reply = lab
        .app
        .client
        .put(format!("{url}?filename=scan.png"))
        .bearer_auth(&lab.qm)
        .header("content-type", "image/png")
        .body("\u{89}PNG")
        .send()
        .await
        .expect("upload");
    assert_eq!(reply.status(), StatusCode::CREATED);
    let download = lab
        .app
        .client
        .get(&url)
        .bearer_auth(&lab.qm)
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), StatusCode::OK);
}
