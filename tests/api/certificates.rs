//! Certificates: issuing once, what the PDF and DCC carry, public verification, the
//! amendment chain, revocation, customer confinement, and numbering under concurrency.

use calab::demo::DEMO_PASSWORD;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::calibrations::Bench;
use crate::helpers::*;

/// A calibration record of a new item, approved by the signatory; returns the record id.
async fn approved_record(b: &Bench, serial: &str) -> String {
    let item = b.item(serial).await;
    let created = b
        .app
        .post(
            "/api/v1/calibrations",
            &b.tech,
            b.record_input(&item, WEIGHTS).await,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let record = created.body;
    assert_eq!(
        b.act(&b.tech, &record, "submit", None).await.status,
        StatusCode::OK
    );
    let approved = b
        .act(
            &b.signatory,
            &record,
            "approve",
            Some(json!({ "password": DEMO_PASSWORD })),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    record["id"].as_str().unwrap_or_default().to_string()
}

async fn issue(b: &Bench, record: &str) -> Reply {
    b.app
        .post(
            &format!("/api/v1/calibrations/{record}/issue-certificate"),
            &b.signatory,
            json!({ "password": DEMO_PASSWORD }),
        )
        .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

/// The sequence part of a `{YYYY}-{SEQ:06}` number.
fn seq(number: &Value) -> u64 {
    number
        .as_str()
        .and_then(|n| n.split('-').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a YYYY-NNNNNN number: {number}"))
}

fn xmllint_validates(xml: &[u8]) {
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/schemas/dcc-3.1.2/dcc.xsd"
    );
    if let Some(out) = run_tool(
        "xmllint",
        &["--noout", "--schema", schema, "{}"],
        "dcc.xml",
        xml,
    ) {
        assert!(
            out.status.success(),
            "DCC does not validate: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn issue_once_print_everything_and_verify() {
    let b = Bench::new(&[]).await;
    let record = approved_record(&b, "CERT-1").await;

    // Only a signatory issues, and only with their own password.
    let by_tech = b
        .app
        .post(
            &format!("/api/v1/calibrations/{record}/issue-certificate"),
            &b.tech,
            json!({ "password": DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(by_tech.status, StatusCode::FORBIDDEN);
    let wrong = b
        .app
        .post(
            &format!("/api/v1/calibrations/{record}/issue-certificate"),
            &b.signatory,
            json!({ "password": "nope" }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.fields(), ["password"]);

    let issued = issue(&b, &record).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    let cert = issued.body.clone();
    let number = cert["number"].as_str().unwrap_or_default().to_string();
    assert_eq!(cert["status"], "valid");
    assert!(seq(&cert["number"]) > 0);
    assert_eq!(cert["template_version"], "CC-02/2026-12");
    // Asking again returns the same certificate.
    let again = issue(&b, &record).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], cert["id"]);

    // The item moved on, and the customer's register shows the certificate.
    let instrument = cert["instrument_id"].as_str().unwrap_or_default();
    let customer = b.app.token(CUSTOMER_A).await;
    let seen = b
        .app
        .get(&format!("/api/v1/instruments/{instrument}"), &customer)
        .await;
    assert_eq!(seen.body["status"], "certificate_issued", "{:?}", seen.body);
    assert_eq!(seen.body["certificates"][0]["number"], number.as_str());
    let listed = b.app.get("/api/v1/instruments?q=CERT-1", &customer).await;
    assert_eq!(
        listed.body["items"][0]["certificates"][0]["number"],
        number.as_str()
    );

    // The PDF: stored bytes, the same on every download, with every required item.
    let cid = id(&cert);
    let pdf_path = format!("/api/v1/certificates/{cid}/certificate.pdf");
    let (status, content_type, pdf) = b.app.download(&pdf_path, Some(&customer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/pdf");
    let (_, _, again) = b.app.download(&pdf_path, Some(&b.qm)).await;
    assert_eq!(pdf, again);
    assert_eq!(
        cert["pdf_sha256"],
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf)).as_str()
    );
    assert!(pdf.len() < 150_000, "{} bytes", pdf.len());
    if let Some(text) = pdftotext(&pdf) {
        let text = text.replace('\u{a0}', " ");
        // The statement of conformity stays on one page; the uncertainty's symbol stays with its
        // word in the header.
        let page = text
            .split('\u{c}')
            .find(|p| p.contains("Yêu cầu kỹ thuật"))
            .unwrap_or_default();
        assert!(page.contains("Kết luận chung"), "{text}");
        assert!(text.contains("Uncertainty U"), "{text}");
        let token = cert["verification_url"].as_str().unwrap_or_default();
        for expected in [
            "GIẤY CHỨNG NHẬN HIỆU CHUẨN",
            "CALIBRATION CERTIFICATE",
            number.as_str(),
            "Trung tâm Hiệu chuẩn Đo lường Sông Hồng",
            "Công ty TNHH Cơ khí Chính xác Đông Á",
            "Cân phân tích",
            "CERT-1",
            "Phòng Khối lượng",
            "21.5 °C",
            "55 %RH",
            "(E-TH-01)",
            "QT-TEST-01",
            WEIGHTS,
            "1000.0011",
            "1000.0034",
            "0.0023",
            "0.0018",
            "2.00",
            "95.5 %",
            "Đạt",
            "Chấp nhận đơn giản",
            "Lê Minh Đức",
            "Người có thẩm quyền ký",
            "Ký điện tử lúc",
            "Kết quả chỉ có giá trị đối với thiết bị được hiệu chuẩn",
            "Ngày nhận",
            "Ngày ban hành",
            "Trang 1/",
            "Hết / End",
            token,
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} not in the certificate:\n{text}"
            );
        }
    }
    if let Some(out) = run_tool("pdfinfo", &["{}"], "c.pdf", &pdf) {
        let info = String::from_utf8_lossy(&out.stdout);
        assert!(
            info.contains(&format!(
                "Title:           CALIBRATION CERTIFICATE {number}"
            )),
            "{info}"
        );
        assert!(
            info.contains("Author:          Trung tâm Hiệu chuẩn"),
            "{info}"
        );
        assert!(info.contains("Subject:"), "{info}");
        assert!(info.contains("CreationDate:"), "{info}");
    }
    if let Some(out) = run_tool("pdfdetach", &["-list", "{}"], "c.pdf", &pdf) {
        let list = String::from_utf8_lossy(&out.stdout);
        assert!(list.contains(&format!("{number}.dcc.xml")), "{list}");
    }
    if let Some(out) = run_tool("qpdf", &["--check", "{}"], "c.pdf", &pdf) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    // The DCC validates against the 3.1.2 schema.
    let (status, content_type, xml) = b
        .app
        .download(
            &format!("/api/v1/certificates/{cid}/dcc.xml"),
            Some(&customer),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/xml"));
    assert!(String::from_utf8_lossy(&xml).contains(&number));
    xmllint_validates(&xml);

    // Public verification: JSON and HTML, the hash, and an offline-checkable signature.
    let url = cert["verification_url"].as_str().unwrap_or_default();
    let path = &url[url.find("/verify/").expect("verify path")..];
    assert!(
        path.len() >= "/verify/".len() + 22,
        "token of at least 128 bits"
    );
    let verified = b
        .app
        .send(
            Method::GET,
            path,
            None,
            None,
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK);
    assert_eq!(verified.body["status"], "valid");
    assert_eq!(verified.body["number"], number.as_str());
    assert_eq!(verified.body["pdf_sha256"], cert["pdf_sha256"]);
    assert_eq!(verified.body["item"]["serial_number"], "CERT-1");
    assert!(verified.body.get("customer").is_none());
    let keys = b
        .app
        .send(Method::GET, "/api/v1/lab/public-keys", None, None, &[])
        .await;
    let key = keys
        .body
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["id"] == verified.body["key_id"])
        .expect("the signing key is published")
        .clone();
    assert!(calab::services::signing::verify(
        key["public_key"].as_str().unwrap_or_default(),
        verified.body["signed_message"].as_str().unwrap_or_default(),
        verified.body["signature"].as_str().unwrap_or_default(),
    ));
    assert!(verified.body["signed_message"]
        .as_str()
        .unwrap_or_default()
        .contains(&number));
    let (status, content_type, page) = b.app.download(path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    let page = String::from_utf8_lossy(&page);
    assert!(
        page.contains("Còn hiệu lực") && page.contains(&number),
        "{page}"
    );
    let (status, _, _) = b
        .app
        .download("/verify/not-a-real-token-at-all-000", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A copy is checked by hash.
    for (bytes, matches) in [(pdf.clone(), true), (b"%PDF-1.7 forged".to_vec(), false)] {
        let checked = b
            .app
            .client
            .post(b.app.url(&format!("{path}/check")))
            .header("content-type", "application/pdf")
            .body(bytes)
            .send()
            .await
            .expect("check");
        assert_eq!(checked.status(), StatusCode::OK);
        let body: Value = checked.json().await.expect("json");
        assert_eq!(body["matches"], matches);
    }
    // The same as a form upload, as `curl -F file=@certificate.pdf` sends it (with another field
    // first); any other body type is refused.
    let boundary = "------------------------d74496d66958873e";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nfrom a customer\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    form.extend_from_slice(&pdf);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    for (content_type, body, status, matches) in [
        (
            format!("multipart/form-data; boundary={boundary}"),
            form,
            StatusCode::OK,
            Some(true),
        ),
        (
            "multipart/form-data; boundary=x".to_string(),
            b"--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--x--".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            "application/x-www-form-urlencoded".to_string(),
            pdf.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
    ] {
        let checked = b
            .app
            .client
            .post(b.app.url(&format!("{path}/check")))
            .header("content-type", &content_type)
            .body(body)
            .send()
            .await
            .expect("check");
        assert_eq!(checked.status(), status, "{content_type}");
        let body: Value = checked.json().await.expect("json");
        if let Some(matches) = matches {
            assert_eq!(body["matches"], matches, "{content_type}");
        }
    }

    // The other customer sees nothing of it.
    let other = b.app.token(CUSTOMER_B).await;
    for path in [
        format!("/api/v1/certificates/{cid}"),
        pdf_path.clone(),
        format!("/api/v1/certificates/{cid}/dcc.xml"),
    ] {
        assert_eq!(
            b.app.download(&path, Some(&other)).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let listed = b.app.get("/api/v1/certificates", &other).await;
    assert!(listed.listed().iter().all(|c| c["id"] != cert["id"]));
    let own = b
        .app
        .get(&format!("/api/v1/certificates?number={number}"), &customer)
        .await;
    assert_eq!(own.body["items"][0]["id"], cert["id"]);
}

#[tokio::test]
async fn amendment_chain_and_revocation() {
    let b = Bench::new(&[]).await;
    let record = approved_record(&b, "CERT-2").await;
    let first = issue(&b, &record).await.body;
    let first_id = id(&first);
    let pdf_path = format!("/api/v1/certificates/{first_id}/certificate.pdf");
    let (_, _, first_pdf) = b.app.download(&pdf_path, Some(&b.qm)).await;
    let amend_path = format!("/api/v1/certificates/{first_id}/amend");

    let no_etag = b
        .app
        .post(
            &amend_path,
            &b.signatory,
            json!({"reason": "x", "password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(no_etag.status, StatusCode::PRECONDITION_REQUIRED);
    let etag = format!("\"{}\"", first["version"]);
    let no_reason = b
        .app
        .send(
            Method::POST,
            &amend_path,
            Some(&b.signatory),
            Some(json!({"reason": "  ", "password": DEMO_PASSWORD})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.fields(), ["reason"]);
    let amended = b
        .app
        .send(
            Method::POST,
            &amend_path,
            Some(&b.signatory),
            Some(json!({"reason": "Địa chỉ khách hàng ghi sai", "password": DEMO_PASSWORD})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(amended.status, StatusCode::CREATED, "{:?}", amended.body);
    let second = amended.body.clone();
    assert_ne!(second["number"], first["number"]);
    assert_eq!(seq(&second["number"]), seq(&first["number"]) + 1);
    assert_eq!(second["replaces"]["id"], first["id"]);
    assert_eq!(second["amendment_reason"], "Địa chỉ khách hàng ghi sai");

    // The replaced one is superseded, its PDF unchanged.
    let old = b
        .app
        .get(&format!("/api/v1/certificates/{first_id}"), &b.qm)
        .await;
    assert_eq!(old.body["status"], "superseded");
    assert_eq!(old.body["superseded_by"]["number"], second["number"]);
    assert_eq!(b.app.download(&pdf_path, Some(&b.qm)).await.2, first_pdf);
    let again = b
        .app
        .send(
            Method::POST,
            &amend_path,
            Some(&b.signatory),
            Some(json!({"reason": "again", "password": DEMO_PASSWORD})),
            &[("if-match", &old.etag())],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // The new one says what it replaces, in the PDF and in the DCC.
    let second_id = id(&second);
    let (_, _, pdf) = b
        .app
        .download(
            &format!("/api/v1/certificates/{second_id}/certificate.pdf"),
            Some(&b.qm),
        )
        .await;
    if let Some(text) = pdftotext(&pdf) {
        let first_number = first["number"].as_str().unwrap_or_default();
        assert!(
            text.contains(&format!("Thay thế giấy chứng nhận số {first_number}")),
            "{text}"
        );
        // The reason is the signatory's own words: printed once, not once per language.
        assert_eq!(
            text.matches("Địa chỉ khách hàng ghi sai").count(),
            1,
            "{text}"
        );
        assert!(text.contains("Lý do / Reason"), "{text}");
    }
    let (_, _, xml) = b
        .app
        .download(
            &format!("/api/v1/certificates/{second_id}/dcc.xml"),
            Some(&b.qm),
        )
        .await;
    let xml_text = String::from_utf8_lossy(&xml);
    assert!(xml_text.contains("previousReport"), "{xml_text}");
    assert!(xml_text.contains(first["pdf_sha256"].as_str().unwrap_or("?")));
    xmllint_validates(&xml);

    let verify = |url: &Value| {
        let url = url.as_str().unwrap_or_default().to_string();
        url[url.find("/verify/").expect("path")..].to_string()
    };
    let old_page = b
        .app
        .send(
            Method::GET,
            &verify(&first["verification_url"]),
            None,
            None,
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(old_page.body["status"], "superseded");
    assert_eq!(old_page.body["superseded_by"]["number"], second["number"]);

    // Revocation needs a reason and is final.
    let revoke_path = format!("/api/v1/certificates/{second_id}/revoke");
    let tech = b
        .app
        .send(
            Method::POST,
            &revoke_path,
            Some(&b.tech),
            Some(json!({"reason": "x"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(tech.status, StatusCode::FORBIDDEN);
    let revoked = b
        .app
        .send(
            Method::POST,
            &revoke_path,
            Some(&b.qm),
            Some(json!({"reason": "Chuẩn sử dụng bị phát hiện sai lệch"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    assert_eq!(revoked.body["status"], "revoked");
    let page = b
        .app
        .send(
            Method::GET,
            &verify(&second["verification_url"]),
            None,
            None,
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(page.body["status"], "revoked");
    assert_eq!(
        page.body["revoke_reason"],
        "Chuẩn sử dụng bị phát hiện sai lệch"
    );
    let twice = b
        .app
        .send(
            Method::POST,
            &revoke_path,
            Some(&b.qm),
            Some(json!({"reason": "x"})),
            &[("if-match", &revoked.etag())],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(issue(&b, &record).await.status, StatusCode::CONFLICT);

    // Every step is in the audit trail.
    let events = b
        .app
        .get(
            "/api/v1/audit-events?entity_type=certificate&limit=100",
            &b.qm,
        )
        .await;
    let actions: Vec<&str> = events.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in ["issue", "amend", "supersede", "revoke"] {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
}

#[tokio::test]
async fn parallel_issues_number_consecutively_and_never_twice() {
    let b = Bench::new(&[]).await;
    let mut records = Vec::new();
    for i in 0..21 {
        records.push(approved_record(&b, &format!("PAR-{i}")).await);
    }
    let (one, twenty) = records.split_first().expect("records");

    // 20 records at once: 20 certificates with distinct, consecutive numbers.
    let replies = futures_util::future::join_all(twenty.iter().map(|r| issue(&b, r))).await;
    let mut numbers: Vec<u64> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
            seq(&r.body["number"])
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers.len(), 20);
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");

    // One record asked 10 times at once: one certificate.
    let replies = futures_util::future::join_all((0..10).map(|_| issue(&b, one))).await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    assert!(replies
        .iter()
        .all(|r| r.status.is_success() && r.body["id"] == replies[0].body["id"]));
    let listed = b
        .app
        .get(&format!("/api/v1/certificates?record_id={one}"), &b.qm)
        .await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn verification_is_rate_limited() {
    let app = spawn_app_with(&[("CALAB_VERIFY_REQUESTS_PER_MINUTE", "3")]).await;
    for _ in 0..3 {
        let (status, _, _) = app.download("/verify/unknown-token-0000000000", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let limited = app
        .send(
            Method::GET,
            "/verify/unknown-token-0000000000",
            None,
            None,
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn only_a_signatory_authorized_to_sign_issues() {
    let b = Bench::new(&[]).await;
    let record = approved_record(&b, "AUTH-1").await;
    let admin = b.app.token(ADMIN).await;
    let user = b
        .app
        .post("/api/v1/users", &admin, json!({"email": "sig2@demo.calab.vn", "name": "Phạm Văn Ký", "role": "signatory", "password": "second-signatory-1"}))
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{:?}", user.body);
    let token = b
        .app
        .token_with("sig2@demo.calab.vn", "second-signatory-1")
        .await;
    let path = format!("/api/v1/calibrations/{record}/issue-certificate");
    let body = json!({ "password": "second-signatory-1" });
    let refused = b.app.post(&path, &token, body.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("sign certificates"),
        "{:?}",
        refused.body
    );
    let today = today();
    let granted = b
        .app
        .post("/api/v1/authorizations", &b.qm, json!({"user_id": id(&user.body), "function": "sign_certificates",
            "discipline": "mass", "valid_from": today - chrono::Duration::days(1), "valid_until": today + chrono::Duration::days(365)}))
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{:?}", granted.body);
    let issued = b.app.post(&path, &token, body).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    assert_eq!(issued.body["snapshot"]["signatory"]["name"], "Phạm Văn Ký");
}

/// A certificate prints its verification link for ever: outside the demo, none is issued while
/// the public URL only reaches the lab's own machine.
#[tokio::test]
async fn no_certificate_with_a_loopback_public_url() {
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost",
        "http://[::1]:8080",
    ] {
        let b = Bench::new(&[("CALAB_PUBLIC_URL", url)]).await;
        let record = approved_record(&b, "LOOPBACK-1").await;
        let refused = issue(&b, &record).await;
        assert_eq!(
            refused.status,
            StatusCode::CONFLICT,
            "{url}: {:?}",
            refused.body
        );
        assert!(
            refused.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("CALAB_PUBLIC_URL")),
            "{:?}",
            refused.body
        );
    }
    let b = Bench::new(&[("CALAB_PUBLIC_URL", "https://lab.example.vn")]).await;
    let record = approved_record(&b, "PUBLIC-1").await;
    let issued = issue(&b, &record).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    assert!(issued.body["verification_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://lab.example.vn/verify/")));
}

/// The MPE prints as the specification states it: the demo balance's ±0.01 g is `0.01` in the
/// results table, not `0.0100` padded to the error's digits.
#[tokio::test]
async fn the_mpe_prints_as_specified() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let list = app.get("/api/v1/certificates?status=valid", &qm).await;
    let id = list.listed()[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let cert = app
        .get(&format!("/api/v1/certificates/{id}"), &qm)
        .await
        .body;
    let snapshot = &cert["snapshot"];
    assert_eq!(snapshot["results"][0]["mpe"], "0.01", "{snapshot:#}");
    assert!(
        snapshot["conformity"]["specification"]
            .as_str()
            .is_some_and(|s| s.contains("±0.01 g")),
        "{snapshot:#}"
    );
}
