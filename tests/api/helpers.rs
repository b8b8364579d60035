use std::collections::BTreeMap;

use calab::clock::Clock;
use calab::config::Config;
use calab::db::Pool;
use calab::demo::{self, DEMO_PASSWORD};
use calab::domain::Role;
use calab::services::Ctx;
use diesel::Connection;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const ADMIN: &str = demo::DEMO_ADMIN_EMAIL;
pub const QM: &str = "qm@demo.calab.vn";
pub const SIGNATORY: &str = "signatory@demo.calab.vn";
pub const TECH: &str = "tech1@demo.calab.vn";
pub const CUSTOMER_A: &str = "customer@dongaprecision.vn";
pub const CUSTOMER_B: &str = "customer@mekongpharma.vn";

// The demo laboratory's records that tests rely on, by the codes the demo gives them.
/// Working-standard weight set (mass), fit for use, calibrated in-house against `REFERENCE_WEIGHTS`.
pub const WEIGHTS: &str = "M-WS-01";
/// Reference weight set, calibrated by an outside body.
pub const REFERENCE_WEIGHTS: &str = "M-REF-01";
/// Check weight for intermediate checks.
pub const CHECK_WEIGHT: &str = "M-CHK-01";
/// Working thermometer, quarantined.
pub const THERMOMETER: &str = "T-WS-01";
/// Reference PRT (a standard, not room equipment).
pub const REFERENCE_PRT: &str = "T-REF-01";
/// The rooms' thermohygrometer: equipment for temperature and humidity.
pub const ROOM_MONITOR: &str = "E-TH-01";
/// Working pressure standard, overdue for calibration.
pub const PRESSURE_STANDARD: &str = "P-WS-01";
/// The approved balance calibration procedure.
pub const MASS_PROCEDURE: &str = "QT-KL-01";

pub fn email_of(role: Role) -> &'static str {
    match role {
        Role::Admin => ADMIN,
        Role::QualityManager => QM,
        Role::Signatory => SIGNATORY,
        Role::Technician => TECH,
        Role::Customer => CUSTOMER_A,
    }
}

/// Where the test's database lives, removed when the test ends.
enum TestDb {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDb::Postgres { admin_url, name } => {
                if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                    use diesel::connection::SimpleConnection;
                    let _ =
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: Pool,
    pub config: Config,
    _db: TestDb,
    _dir: TempDir,
}

pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PostgreSQL server the suite runs on, when `CALAB_TEST_DATABASE_URL` names one.
fn postgres_admin_url() -> Option<String> {
    std::env::var("CALAB_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

fn pg_admin(admin_url: &str) -> diesel::PgConnection {
    diesel::PgConnection::establish(admin_url)
        .unwrap_or_else(|e| panic!("cannot reach CALAB_TEST_DATABASE_URL: {e}"))
}

fn pg_url(admin_url: &str, name: &str) -> String {
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(admin_url);
    format!("{base}/{name}")
}

/// What a test's database starts with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    /// Migrated, with the first admin only.
    Empty,
    /// A copy of the demo laboratory, built once per test process.
    Demo,
}

/// A database for one test: a temporary SQLite file or a new PostgreSQL database, empty or a
/// copy of the demo template.
fn test_database(dir: &std::path::Path, start: Start) -> (String, TestDb) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    match postgres_admin_url() {
        Some(admin_url) => {
            let name = format!("calab_test_{id}");
            let statement = match start {
                Start::Empty => format!("CREATE DATABASE {name}"),
                Start::Demo => format!("CREATE DATABASE {name} TEMPLATE {}", template()),
            };
            {
                // PostgreSQL copies a template for one CREATE DATABASE at a time.
                static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
                let _one = CREATING.lock().unwrap_or_else(|e| e.into_inner());
                use diesel::connection::SimpleConnection;
                pg_admin(&admin_url)
                    .batch_execute(&statement)
                    .expect("create test database");
            }
            (
                pg_url(&admin_url, &name),
                TestDb::Postgres { admin_url, name },
            )
        }
        None => {
            let path = dir.join("calab.db");
            if start == Start::Demo {
                std::fs::copy(template(), &path).expect("copy the demo template");
            }
            (format!("sqlite://{}", path.display()), TestDb::Sqlite(path))
        }
    }
}

/// The demo laboratory, migrated and seeded once per test process: a SQLite file under the
/// target directory, or a PostgreSQL database (named with the process id, so that a later run
/// can drop what a killed one left). Returns the file path or the database name.
fn template() -> &'static str {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let pid = std::process::id();
        let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        for entry in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name
                .strip_prefix("calab-template-")
                .is_some_and(|pid| !running(pid))
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = tmp.join(format!("calab-template-{pid}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("template dir");
        let (url, target) = match postgres_admin_url() {
            Some(admin_url) => {
                drop_stale_templates(&admin_url);
                let name = format!("calab_tpl_{pid}");
                use diesel::connection::SimpleConnection;
                let mut admin = pg_admin(&admin_url);
                for statement in [
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    format!("CREATE DATABASE {name}"),
                ] {
                    admin
                        .batch_execute(&statement)
                        .expect("create the template database");
                }
                (pg_url(&admin_url, &name), name)
            }
            None => {
                let path = dir.join("calab.db");
                (
                    format!("sqlite://{}", path.display()),
                    path.display().to_string(),
                )
            }
        };
        let config = test_config(&url, &dir, &[]);
        let pool = calab::startup::prepare(&config).expect("prepare the template");
        let mut conn = pool.get().expect("connection");
        let settings = calab::services::certificates::IssueSettings {
            public_url: config.public_url.clone(),
            demo: false,
        };
        demo::seed_demo(&mut conn, &Ctx::system(config.clock), &settings).expect("demo data");
        if postgres_admin_url().is_none() {
            // Everything into the main file, so that copying it copies the database.
            use diesel::connection::SimpleConnection;
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
                .expect("checkpoint the template");
        }
        drop(conn);
        drop(pool);
        target
    })
}

/// Whether the process with this id (as text) still runs.
fn running(pid: &str) -> bool {
    pid.parse::<u32>()
        .is_ok_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// Drops the templates of test processes that no longer run.
fn drop_stale_templates(admin_url: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::Text;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        datname: String,
    }
    let mut conn = pg_admin(admin_url);
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'calab\\_tpl\\_%'")
            .load(&mut conn)
            .unwrap_or_default();
    for Name { datname } in names {
        if !running(datname.trim_start_matches("calab_tpl_")) {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"));
        }
    }
}

pub fn test_config(
    database_url: &str,
    data_dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> Config {
    let mut env: BTreeMap<String, String> = [
        ("CALAB_DATABASE_URL", database_url),
        ("CALAB_BIND", "127.0.0.1:0"),
        ("CALAB_DATA_DIR", &data_dir.display().to_string()),
        (
            "CALAB_JWT_SECRET",
            "test-secret-test-secret-test-secret-0123",
        ),
        ("CALAB_ADMIN_EMAIL", ADMIN),
        ("CALAB_ADMIN_PASSWORD", DEMO_PASSWORD),
        ("CALAB_POOL_SIZE", "4"),
        ("CALAB_PUBLIC_URL", "https://calab.example.test"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    let mut config = Config::from_sources(None, &env).expect("valid test config");
    config.clock = clock().in_offset(config.clock.offset());
    config
}

/// The suite's clock, in the demo lab's time zone. It starts at `CALAB_TEST_NOW` (RFC 3339) when
/// that is set, so the whole suite can run at a chosen time of day or date, else it is the
/// system's. One per test process, so the tests and every service they start agree on "now".
pub fn clock() -> Clock {
    static CLOCK: std::sync::OnceLock<Clock> = std::sync::OnceLock::new();
    *CLOCK.get_or_init(|| {
        let hanoi = chrono::FixedOffset::east_opt(7 * 3600).expect("offset");
        match std::env::var("CALAB_TEST_NOW") {
            Ok(text) => {
                let start = chrono::DateTime::parse_from_rfc3339(&text)
                    .unwrap_or_else(|e| panic!("CALAB_TEST_NOW={text:?} is not RFC 3339: {e}"));
                Clock::starting_at(hanoi, start.with_timezone(&chrono::Utc))
            }
            Err(_) => Clock::system(hanoi),
        }
    })
}

/// Today in the lab's time zone, by the suite's clock.
pub fn today() -> chrono::NaiveDate {
    clock().today()
}

/// Now, by the suite's clock.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    clock().now()
}

/// `ago` before now, but never before the lab's midnight: an instant that is dated today in the
/// lab's time zone whatever the time of day the suite runs at.
pub fn earlier_today(ago: chrono::Duration) -> chrono::DateTime<chrono::Utc> {
    let clock = clock();
    let midnight = today()
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(clock.offset()).single())
        .expect("midnight")
        .with_timezone(&chrono::Utc);
    (clock.now() - ago).max(midnight)
}

/// Starts the service with the demo lab (its users and two customers) on a copy of the demo
/// template.
pub async fn spawn_app() -> TestApp {
    spawn(Start::Demo, &[]).await
}

/// The demo lab with some settings changed (`CALAB_*` variables).
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn(Start::Demo, extra).await
}

/// A lab with nothing in it but its first admin (`ADMIN`, the demo password).
pub async fn spawn_empty_app() -> TestApp {
    spawn(Start::Empty, &[]).await
}

async fn spawn(start: Start, extra: &[(&str, &str)]) -> TestApp {
    if std::env::var("CALAB_TEST_LOG").is_ok() {
        calab::telemetry::init(false);
    }
    let dir = std::env::temp_dir().join(format!("calab-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (config, pool, db) = tokio::task::spawn_blocking(move || {
        let (url, db) = test_database(&dir, start);
        let extra: Vec<(&str, &str)> = extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let config = test_config(&url, &dir, &extra);
        let pool = calab::startup::prepare(&config).expect("prepare");
        (config, pool, (db, dir))
    })
    .await
    .expect("prepare task");
    let (db, dir) = db;
    let state = calab::startup::state(&config, pool.clone()).expect("state");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = calab::startup::serve(listener, state, 2, std::time::Duration::from_secs(5))
        .expect("serve");
    tokio::spawn(server);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        pool,
        config,
        _db: db,
        _dir: TempDir(dir),
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The items of a successful list reply (panics on any other reply, so that a check over
    /// "every item" cannot pass on an error).
    pub fn listed(&self) -> Vec<Value> {
        assert_eq!(self.status, StatusCode::OK, "{:?}", self.body);
        self.body["items"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("not a list: {:?}", self.body))
    }

    pub fn etag(&self) -> String {
        self.headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    /// The `field` of each error of a 422 problem.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The id of a demo standard by its asset id (`WEIGHTS`, ...).
pub async fn standard_id(app: &TestApp, token: &str, asset: &str) -> String {
    let reply = app
        .get(&format!("/api/v1/standards?q={asset}"), token)
        .await;
    let items = reply.listed();
    items
        .iter()
        .find(|s| s["asset_id"] == asset)
        .and_then(|s| s["id"].as_str())
        .unwrap_or_else(|| panic!("no standard {asset}"))
        .to_string()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.client.request(method.clone(), self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        // A body the service accepted is one the document describes.
        if let (Some(sent), true) = (&body, status.is_success()) {
            if let Some(problems) = request_against_document(&method, path, sent) {
                panic!("{method} {path} accepted a body the OpenAPI document refuses: {problems}\n{sent}");
            }
        }
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, etag: &str, body: Value) -> Reply {
        self.send(
            Method::PATCH,
            path,
            Some(token),
            Some(body),
            &[("if-match", etag)],
        )
        .await
    }

    pub async fn login_reply(&self, email: &str, password: &str) -> Reply {
        self.send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
            &[],
        )
        .await
    }

    /// An access token for one of the demo accounts.
    pub async fn token(&self, email: &str) -> String {
        self.token_with(email, DEMO_PASSWORD).await
    }

    /// An access token for any account.
    pub async fn token_with(&self, email: &str, password: &str) -> String {
        let reply = self.login_reply(email, password).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "login {email}: {:?}",
            reply.body
        );
        reply.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn token_for(&self, role: Role) -> String {
        self.token(email_of(role)).await
    }

    /// The id of the customer organisation a demo customer user belongs to.
    pub async fn customer_id_of(&self, email: &str) -> String {
        let token = self.token(email).await;
        let me = self.get("/api/v1/me", &token).await;
        me.body["customer_id"]
            .as_str()
            .expect("customer_id")
            .to_string()
    }

    pub fn conn(&self) -> calab::db::PooledConn {
        self.pool.get().expect("connection")
    }
}

/// Runs a command-line tool on `bytes` written to a temporary file named `file` (the tool's
/// arguments name it as `{}`). `None`, with a notice, when the tool is not installed and
/// `CALAB_REQUIRE_TOOLS` is not set (CI sets it and installs poppler-utils, qpdf and libxml2-utils).
pub fn run_tool(
    tool: &str,
    args: &[&str],
    file: &str,
    bytes: &[u8],
) -> Option<std::process::Output> {
    if !calab::testing::have_tool(tool, "poppler-utils, qpdf or libxml2-utils") {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("calab-tool-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(file);
    std::fs::write(&path, bytes).ok()?;
    let path = path.display().to_string();
    let args: Vec<String> = args.iter().map(|a| a.replace("{}", &path)).collect();
    let out = std::process::Command::new(tool).args(&args).output();
    let _ = std::fs::remove_dir_all(&dir);
    Some(out.unwrap_or_else(|e| panic!("running {tool}: {e}")))
}

/// The text of a PDF, when poppler-utils is installed.
pub fn pdftotext(bytes: &[u8]) -> Option<String> {
    let out = run_tool("pdftotext", &["-layout", "{}", "-"], "doc.pdf", bytes)?;
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl TestApp {
    /// A download: status, content type and the raw bytes.
    pub async fn download(&self, path: &str, token: Option<&str>) -> (StatusCode, String, Vec<u8>) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (
            status,
            content_type,
            response.bytes().await.expect("body").to_vec(),
        )
    }
}

/// The service's OpenAPI document, as JSON.
pub fn openapi_document() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| serde_json::to_value(calab::api::docs::openapi()).expect("document"))
}

/// Where a JSON request body departs from the schema the document gives the operation at
/// `path` (a concrete path, query allowed); `None` when it conforms or nothing is documented.
pub fn request_against_document(method: &Method, path: &str, body: &Value) -> Option<String> {
    let doc = openapi_document();
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    // The template that fits with the fewest parameters (`/work-orders/import` before `/{id}`).
    let (_, item) = doc["paths"]
        .as_object()?
        .iter()
        .filter(|(template, _)| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })
        .min_by_key(|(template, _)| template.matches('{').count())?;
    let operation = &item[method.as_str().to_lowercase()];
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return None;
    }
    let root = serde_json::json!({ "allOf": [schema], "components": doc["components"] });
    let validator = jsonschema::draft202012::new(&root).expect("schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// The id of the demo customer A's instrument that has certificates, and its valid certificate.
pub async fn certified_instrument(app: &TestApp) -> (String, String) {
    let token = app.token(CUSTOMER_A).await;
    let list = app.get("/api/v1/certificates?status=valid", &token).await;
    let c = &list.listed()[0];
    (
        c["instrument_id"].as_str().unwrap().to_string(),
        c["id"].as_str().unwrap().to_string(),
    )
}
