//! The web interface over HTTP, as a browser without JavaScript uses it: cookies, forms, redirects.
//! (The browser tests in `tests/browser/` drive the same pages in chromium.)

use std::collections::BTreeMap;

use reqwest::StatusCode;

use calab::demo::DEMO_PASSWORD;

use crate::helpers::*;

/// A cookie jar and the last page, over the test app's client (which does not follow redirects).
struct Browser<'a> {
    app: &'a TestApp,
    cookies: BTreeMap<String, String>,
    headers: Vec<(&'static str, String)>,
}

struct Page {
    status: StatusCode,
    location: String,
    headers: reqwest::header::HeaderMap,
    body: String,
    bytes: Vec<u8>,
}

impl Page {
    /// The value of a hidden input (the CSRF token of the page's forms).
    fn input(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).map(|i| i + marker.len());
        start
            .and_then(|s| {
                self.body[s..]
                    .find('"')
                    .map(|e| self.body[s..s + e].to_string())
            })
            .unwrap_or_default()
    }
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            cookies: BTreeMap::new(),
            headers: Vec::new(),
        }
    }

    async fn request(
        &mut self,
        method: reqwest::Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
    ) -> Page {
        let mut request = self.app.client.request(method, self.app.url(path));
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !jar.is_empty() {
            request = request.header("Cookie", jar.join("; "));
        }
        for (k, v) in &self.headers {
            request = request.header(*k, v.as_str());
        }
        if let Some(form) = form {
            request = request
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(form).unwrap());
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        for cookie in headers.get_all("set-cookie") {
            let text = cookie.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
        }
        let location = headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = response.bytes().await.expect("body").to_vec();
        Page {
            status,
            location,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.request(reqwest::Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.request(reqwest::Method::POST, path, Some(form)).await
    }

    async fn post_fields(&mut self, path: &str, form: &[(&str, String)]) -> Page {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post(path, &pairs).await
    }

    /// Signs in through the sign-in form.
    async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let csrf = form.input("csrf");
        assert!(!csrf.is_empty(), "the sign-in form carries a token");
        self.post(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/"),
            ],
        )
        .await
    }

    async fn signed_in(app: &'a TestApp, email: &str) -> Browser<'a> {
        let mut b = Browser::new(app);
        let page = b.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        b
    }

    /// The CSRF token of the forms of a page.
    async fn csrf(&mut self, path: &str) -> String {
        self.get(path).await.input("csrf")
    }
}

#[tokio::test]
async fn a_customer_signs_in_finds_an_instrument_downloads_complains_and_signs_out() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    // Signed out: a page sends to the sign-in form and back.
    let page = b.get("/instruments").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location, "/login?next=/instruments");
    let page = b.sign_in(CUSTOMER_A, DEMO_PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let cookie = b
        .cookies
        .get("calab_session")
        .cloned()
        .expect("session cookie");
    assert!(cookie.len() > 30);

    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("<h1>Tổng quan</h1>"), "{}", home.body);
    assert!(home.body.contains("quá hạn"));

    let overdue = b.get("/instruments?due=overdue").await;
    assert_eq!(overdue.status, StatusCode::OK);
    assert!(
        overdue.body.contains("SA-RECALL-2"),
        "the overdue demo balance is listed"
    );
    assert!(
        !overdue.body.contains("SA-0318842"),
        "one not yet due is not"
    );

    let (instrument, certificate) = certified_instrument(&app).await;
    let page = b.get(&format!("/instruments/{instrument}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg class=\"chart\""));
    assert!(
        page.body.contains("<caption>"),
        "the chart's numbers as a table too"
    );

    let pdf = b.get(&format!("/certificates/{certificate}/pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let token = app.token(CUSTOMER_A).await;
    let (_, _, api_pdf) = app
        .download(
            &format!("/api/v1/certificates/{certificate}/certificate.pdf"),
            Some(&token),
        )
        .await;
    assert!(pdf.bytes == api_pdf, "the page serves the issued bytes");
    let dcc = b.get(&format!("/certificates/{certificate}/dcc")).await;
    assert!(dcc.body.contains("<dcc:digitalCalibrationCertificate"));

    let csrf = b.csrf("/complaints/new").await;
    let sent = b
        .post(
            "/complaints",
            &[
                ("csrf", &csrf),
                ("subject", "Sai số ở 1000 g"),
                ("description", "Kết quả khác với phép đo của chúng tôi."),
                ("certificate_id", &certificate),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let complaint = b.get(&sent.location).await;
    assert!(complaint.body.contains("Sai số ở 1000 g"));
    let listed = app.get("/api/v1/complaints", &token).await;
    let made = listed
        .listed()
        .into_iter()
        .find(|c| c["subject"] == "Sai số ở 1000 g")
        .expect("the complaint reached the lab");
    assert_eq!(made["certificate_id"], certificate.as_str());

    let csrf = b.csrf("/").await;
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // The session ended on the server: the old cookie no longer opens a page.
    b.cookies.insert("calab_session".into(), cookie);
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_customer_cannot_reach_another_customers_pages_by_url() {
    let app = spawn_app().await;
    let (instrument, certificate) = certified_instrument(&app).await;
    let mut b = Browser::signed_in(&app, CUSTOMER_B).await;
    for path in [
        format!("/instruments/{instrument}"),
        format!("/certificates/{certificate}/pdf"),
        format!("/certificates/{certificate}/dcc"),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.body.contains("<h1>Không tìm thấy</h1>"),
            "{path}: {}",
            page.body
        );
    }
    let list = b.get("/instruments").await;
    assert!(
        !list.body.contains("SA-RECALL-2"),
        "another customer's instrument is not listed"
    );
    let search = b.get("/search?q=HC2026").await;
    assert!(!search.body.contains("HC2026-0000"), "nor found by search");
    // Complaining about another customer's certificate is refused beside the field.
    let csrf = b.csrf("/complaints/new").await;
    let page = b
        .post(
            "/complaints",
            &[
                ("csrf", &csrf),
                ("subject", "x"),
                ("description", "y"),
                ("certificate_id", &certificate),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("id=\"certificate_id-error\""));
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_change_nothing() {
    let app = spawn_app().await;
    let mut b = Browser::signed_in(&app, CUSTOMER_A).await;
    let csrf = b.csrf("/complaints/new").await;
    async fn complain(b: &mut Browser<'_>, csrf: &str) -> StatusCode {
        let form = [
            ("csrf", csrf),
            ("subject", "forged"),
            ("description", "forged"),
        ];
        b.post("/complaints", &form).await.status
    }
    assert_eq!(
        complain(&mut b, "").await,
        StatusCode::FORBIDDEN,
        "no token"
    );
    assert_eq!(
        complain(&mut b, "0123456789abcdef0123456789abcdef").await,
        StatusCode::FORBIDDEN
    );
    b.headers = vec![("Origin", "https://evil.example".into())];
    assert_eq!(
        complain(&mut b, &csrf).await,
        StatusCode::FORBIDDEN,
        "another origin"
    );
    b.headers = vec![("Sec-Fetch-Site", "cross-site".into())];
    assert_eq!(
        complain(&mut b, &csrf).await,
        StatusCode::FORBIDDEN,
        "a cross-site form"
    );
    let token = app.token(CUSTOMER_A).await;
    let listed = app.get("/api/v1/complaints", &token).await;
    assert!(listed.listed().iter().all(|c| c["subject"] != "forged"));
    // The same form from the site itself goes through.
    b.headers = vec![
        ("Origin", app.address.clone()),
        ("Sec-Fetch-Site", "same-origin".into()),
    ];
    assert_eq!(complain(&mut b, &csrf).await, StatusCode::SEE_OTHER);
    // Signing in needs the form's own token too.
    let mut other = Browser::new(&app);
    let page = other
        .post(
            "/login",
            &[
                ("email", CUSTOMER_A),
                ("password", DEMO_PASSWORD),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!other.cookies.contains_key("calab_session"));
}

#[tokio::test]
async fn sessions_end_when_idle_and_on_a_password_change() {
    let app = spawn_app().await;
    let mut b = Browser::signed_in(&app, CUSTOMER_A).await;
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    {
        use calab::db::schema::refresh_tokens;
        use diesel::prelude::*;
        let long_ago = calab::db::UtcTime((now() - chrono::Duration::hours(2)).naive_utc());
        diesel::update(refresh_tokens::table)
            .set((
                refresh_tokens::created_at.eq(long_ago),
                refresh_tokens::last_seen_at.eq(long_ago),
            ))
            .execute(&mut app.conn())
            .unwrap();
    }
    assert_eq!(
        b.get("/").await.status,
        StatusCode::SEE_OTHER,
        "idle for two hours"
    );

    let mut b = Browser::signed_in(&app, CUSTOMER_A).await;
    let csrf = b.csrf("/password").await;
    let wrong = b
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("current_password", DEMO_PASSWORD),
                ("new_password", "a-new-password-2026"),
                ("confirm_password", "something-else-2026"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("id=\"confirm_password-error\""));
    let other_session = Browser::signed_in(&app, CUSTOMER_A).await.cookies;
    let changed = b
        .post(
            "/password",
            &[
                ("csrf", &csrf),
                ("current_password", DEMO_PASSWORD),
                ("new_password", "a-new-password-2026"),
                ("confirm_password", "a-new-password-2026"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    b.cookies = other_session;
    assert_eq!(
        b.get("/").await.status,
        StatusCode::SEE_OTHER,
        "every session ended"
    );
    let page = Browser::new(&app)
        .sign_in(CUSTOMER_A, "a-new-password-2026")
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn failed_browser_sign_ins_count_in_the_api_throttle() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        let page = b.sign_in(CUSTOMER_A, "not-the-password").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.body.contains("role=\"alert\""));
    }
    let page = b.sign_in(CUSTOMER_A, DEMO_PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    let api = app.login_reply(CUSTOMER_A, DEMO_PASSWORD).await;
    assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn pages_carry_their_language_and_security_headers() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let page = b.get("/login").await;
    assert!(
        page.body.contains("<html lang=\"vi\">"),
        "the lab's default"
    );
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert!(page.headers["vary"]
        .to_str()
        .unwrap()
        .contains("HX-Request"));
    assert!(!page.body.contains(" style=\""), "no inline style");
    assert!(!page.body.contains("<script>"), "no inline script");
    b.headers = vec![("Accept-Language", "en-GB,en;q=0.9".into())];
    assert!(b.get("/login").await.body.contains("<html lang=\"en\">"));
    let switched = b.get("/language/vi?back=/login").await;
    assert_eq!(switched.location, "/login");
    assert!(
        b.get("/login").await.body.contains("<html lang=\"vi\">"),
        "the choice wins"
    );
    assert_eq!(
        b.get("/language/vi?back=//evil.example").await.location,
        "/"
    );
    // htmx asks for the body only.
    b.headers.push(("HX-Request", "true".into()));
    let fragment = b.get("/login").await;
    assert!(!fragment.body.contains("<html"));
    assert!(fragment.body.contains("<title>"));
    // Unknown pages answer in the frame; the API keeps its problem documents.
    let missing = b.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("<main"));
    let api = app
        .client
        .get(app.url("/api/v1/no-such"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    // The API's answers are never sniffed; its documentation page has the strict policy too.
    let json = app.client.get(app.url("/api/v1/lab")).send().await.unwrap();
    assert_eq!(json.headers()["x-content-type-options"], "nosniff");
    let docs = b.get("/api/docs/").await;
    let csp = docs.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let css = b.get("/assets/calab.css").await;
    assert!(css.headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
}

#[tokio::test]
async fn staff_start_on_their_worklist_and_are_refused_what_their_role_may_not_do() {
    let app = spawn_app().await;
    let mut b = Browser::signed_in(&app, TECH).await;
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("<h1>Việc cần làm</h1>"));
    assert!(home
        .body
        .contains("href=\"/worklist?lane=received\" aria-current=\"page\""));
    let mut signatory = Browser::signed_in(&app, SIGNATORY).await;
    let home = signatory.get("/").await;
    assert!(home
        .body
        .contains("href=\"/worklist?lane=awaiting_review\" aria-current=\"page\""));
    // A signatory does not receive work orders nor type records.
    assert_eq!(
        signatory.get("/counter").await.status,
        StatusCode::FORBIDDEN
    );
    let mut admin = Browser::signed_in(&app, ADMIN).await;
    // The admin's role may not list complaints: refused as in the API, in the frame.
    let page = admin.get("/complaints").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("<h1>Không được phép</h1>"));
}

#[tokio::test]
async fn paper_holders_verify_by_number_and_check_code() {
    let app = spawn_app().await;
    let token = app.token(SIGNATORY).await;
    let (_, certificate) = certified_instrument(&app).await;
    let c = app
        .get(&format!("/api/v1/certificates/{certificate}"), &token)
        .await;
    let number = c.body["number"].as_str().unwrap().to_string();
    let url = c.body["verification_url"].as_str().unwrap().to_string();
    let code = c.body["snapshot"]["check_code"]
        .as_str()
        .expect("a check code")
        .to_string();
    let (_, _, pdf) = app
        .download(
            &format!("/api/v1/certificates/{certificate}/certificate.pdf"),
            Some(&token),
        )
        .await;
    if let Some(text) = pdftotext(&pdf) {
        assert!(text.contains(&code), "the check code is printed");
    }
    let mut b = Browser::new(&app);
    let typed = code.to_lowercase().replace('-', " ");
    let found = b
        .get(&format!(
            "/verify?number={}&code={}",
            number,
            typed.replace(' ', "+")
        ))
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    let path = url
        .split_once("/verify/")
        .map(|(_, t)| format!("/verify/{t}"))
        .unwrap();
    assert_eq!(found.location, path);
    let page = b.get(&path).await;
    assert!(page.body.contains(&number));
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let wrong = b
        .get(&format!("/verify?number={number}&code=AAAA-AAAA"))
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.body.contains("role=\"alert\""));
}

#[tokio::test]
async fn a_customer_requests_service_from_the_portal() {
    let app = spawn_app().await;
    let mut b = Browser::signed_in(&app, CUSTOMER_A).await;
    let (instrument, _) = certified_instrument(&app).await;
    let form = b
        .get(&format!("/requests/new?instrument={instrument}"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains(&format!("value=\"{instrument}\" checked")),
        "ticked from the link"
    );
    let csrf = form.input("csrf");
    let empty = b
        .post("/requests", &[("csrf", &csrf), ("new_items", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("id=\"items-error\""));
    let sent = b
        .post(
            "/requests",
            &[
                ("csrf", &csrf),
                ("instrument", &instrument),
                ("new_items", "Áp kế 0–10 bar\nNhiệt kế điện tử -50…200 °C"),
                ("wanted_on", ""),
                ("notes", "Lấy tại nhà máy"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let page = b.get(&sent.location).await;
    assert!(page.body.contains("Nhiệt kế điện tử -50…200 °C"));
    assert!(page.body.contains("Đã gửi, chờ phòng thí nghiệm"));
    let token = app.token(TECH).await;
    let listed = app.get("/api/v1/service-requests", &token).await.listed();
    assert_eq!(
        listed[0]["items"].as_array().unwrap().len(),
        3,
        "it reached the lab"
    );
    // Another customer's request page is not found.
    let mut other = Browser::signed_in(&app, CUSTOMER_B).await;
    assert_eq!(
        other.get(&sent.location).await.status,
        StatusCode::NOT_FOUND
    );
}

/// The path of `id="…"`-less links: the first `href` starting with `prefix`.
fn link(body: &str, prefix: &str) -> String {
    let start = body.find(&format!("href=\"{prefix}")).expect(prefix) + 6;
    let end = body[start..].find('"').unwrap();
    body[start..start + end].to_string()
}

/// The selected option of a select, by the select's name.
fn selected(body: &str, name: &str) -> String {
    let start = body.find(&format!("name=\"{name}\"")).expect(name);
    let rest = &body[start..];
    let option = rest.find("\" selected").expect("a selected option");
    let value = rest[..option].rfind("value=\"").unwrap() + 7;
    rest[value..option].to_string()
}

#[tokio::test]
async fn from_the_counter_to_the_certificate_over_forms() {
    let app = spawn_app().await;
    let customer = app.customer_id_of(CUSTOMER_A).await;
    let mut tech = Browser::signed_in(&app, TECH).await;

    // The counter: a new instrument for the customer, then its receipt and label.
    let csrf = tech.csrf(&format!("/counter?customer={customer}")).await;
    let received = tech
        .post(
            "/counter",
            &[
                ("csrf", &csrf),
                ("customer", &customer),
                ("promised_on", "2099-01-31"),
                ("i90.description", "Nhiệt kế số / Digital thermometer"),
                ("i90.serial", "BENCH-0001"),
                ("i90.quantity", "temperature"),
                ("i90.range_min", "0"),
                ("i90.range_max", "150"),
                ("i90.unit", "°C"),
                ("i90.resolution", "0,1"),
                ("i90.mpe", "0,3"),
                ("i90.service", "calibration"),
                ("i90.rule", "simple"),
                ("i90.flag", "dirty"),
            ],
        )
        .await;
    assert_eq!(received.status, StatusCode::SEE_OTHER, "{}", received.body);
    let receipt = tech.get(&received.location).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert!(receipt.body.contains("BENCH-0001") && receipt.body.contains("<svg"));
    let pdf = tech
        .get(&format!("{}/receipt.pdf", received.location))
        .await;
    assert!(
        pdf.bytes.starts_with(b"%PDF"),
        "the receipt prints from the page"
    );
    let sheet_path = link(&receipt.body, "/bench/items/");

    // The sheet: live results as typed, then submitted.
    let sheet = tech.get(&sheet_path).await;
    assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
    let procedure = selected(&sheet.body, "procedure");
    let csrf = sheet.input("csrf");
    let started = {
        let at = sheet.body.find("name=\"started_at\"").unwrap();
        let value = at + sheet.body[at..].find("value=\"").unwrap() + 7;
        let end = value + sheet.body[value..].find('"').unwrap();
        sheet.body[value..end].to_string()
    };
    let typed = |last: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.clone()),
            ("procedure", procedure.clone()),
            ("started_at", started.clone()),
            ("location", "Phòng nhiệt / temperature room".into()),
            ("temperature", "21,5".into()),
            ("humidity", "55".into()),
            ("monitor", ROOM_MONITOR.into()),
            ("standards", REFERENCE_PRT.into()),
            ("p0.nominal", "20".into()),
            ("p0.unit", "°C".into()),
            ("p0.reference", "20,002".into()),
            ("p0.r0", "20,0".into()),
            ("p0.r1", "20,1".into()),
            ("p0.r2", "20,0".into()),
            ("p1.nominal", "50".into()),
            ("p1.unit", "°C".into()),
            ("p1.reference", "50,004".into()),
            ("p1.r0", "50,0".into()),
            ("p1.r1", "50,1".into()),
            ("p1.r2", "50,0".into()),
            ("p2.nominal", "80".into()),
            ("p2.unit", "°C".into()),
            ("p2.reference", "80,003".into()),
            ("p2.r0", "80,0".into()),
            ("p2.r1", "80,1".into()),
            ("p2.r2", last.into()),
        ]
    };
    let live = tech
        .post_fields(&format!("{sheet_path}/live"), &typed("80,0"))
        .await;
    assert_eq!(live.status, StatusCode::OK);
    assert!(live.body.contains("id=\"res-2\" hx-swap-oob=\"innerHTML\""));
    assert_eq!(
        live.body.matches("badge ok\">Đạt").count(),
        3,
        "{}",
        live.body
    );
    let failing = tech
        .post_fields(&format!("{sheet_path}/live"), &typed("81,5"))
        .await;
    assert!(
        failing.body.contains("badge bad\">Không đạt"),
        "{}",
        failing.body
    );
    assert!(failing.body.contains("Điểm 3: U = "));
    // What was typed is kept: the sheet comes back as it was left.
    let again = tech.get(&sheet_path).await;
    assert!(again.body.contains("value=\"81,5\""));
    let mut fields = typed("80,0");
    fields.push(("action", "submit".into()));
    let submitted = tech.post_fields(&sheet_path, &fields).await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );

    // The signatory finds it by its serial, returns it once, then approves, previews and issues.
    let mut signatory = Browser::signed_in(&app, SIGNATORY).await;
    let found = signatory.get("/search?q=BENCH-0001").await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    let review = found.location.clone();
    assert!(review.starts_with("/review/"), "{review}");
    let page = signatory.get(&review).await;
    assert!(page.body.contains("T-REF-01") && page.body.contains("class=\"budget\""));
    let (csrf, version) = (page.input("csrf"), page.input("version"));
    let no_reason = signatory
        .post(
            &format!("{review}/return"),
            &[("csrf", &csrf), ("version", &version), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let returned = signatory
        .post(
            &format!("{review}/return"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                (
                    "reason",
                    "Ghi rõ vị trí đầu đo / state the probe's position",
                ),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);

    // The technician sees why, corrects and submits again; they may not approve their own work.
    let sheet = tech.get(&sheet_path).await;
    assert!(sheet.body.contains("state the probe"));
    let mut fields = typed("80,0");
    fields.push(("notes", "Đầu đo ngập 10 cm / probe immersed 10 cm".into()));
    fields.push(("action", "submit".into()));
    let resubmitted = tech.post_fields(&sheet_path, &fields).await;
    assert_eq!(
        resubmitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        resubmitted.body
    );
    let page = tech.get(&review).await;
    assert!(
        !page.body.contains("/approve\""),
        "no approval form for the technician"
    );
    let own = tech
        .post(
            &format!("{review}/approve"),
            &[
                ("csrf", &page.input("csrf")),
                ("version", "1"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);

    let page = signatory.get(&review).await;
    assert!(page.body.contains("probe immersed"), "the change is shown");
    let (csrf, version) = (page.input("csrf"), page.input("version"));
    let wrong = signatory
        .post(
            &format!("{review}/approve"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("password", "wrong"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("id=\"password-error\""));
    let approved = signatory
        .post(
            &format!("{review}/approve"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let preview = signatory.get(&format!("{review}/preview.pdf")).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.bytes.starts_with(b"%PDF"));
    let page = signatory.get(&review).await;
    assert!(
        !page.body.contains("/certificates/"),
        "a preview issues nothing"
    );
    let issued = signatory
        .post(
            &format!("{review}/issue"),
            &[
                ("csrf", &page.input("csrf")),
                ("version", &page.input("version")),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
    let page = signatory.get(&issued.location).await;
    let pdf = link(&page.body, "/certificates/");

    // The customer downloads it; another customer reaches none of these pages.
    let mut customer = Browser::signed_in(&app, CUSTOMER_A).await;
    let download = customer.get(&pdf).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download.bytes.starts_with(b"%PDF"));
    let mut other = Browser::signed_in(&app, CUSTOMER_B).await;
    for path in [
        review.clone(),
        sheet_path.clone(),
        "/counter".to_string(),
        received.location.clone(),
        "/worklist".to_string(),
    ] {
        let page = other.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
}
