//! The API conventions of docs/api.md: problems, 413, 415, 422 with fields, unknown fields,
//! If-Match and ETag, pagination, logical ids.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn unknown_fields_and_server_owned_fields_are_refused() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    for field in ["id", "version", "created_at", "colour"] {
        let reply = app
            .post(
                "/api/v1/customers",
                &tech,
                json!({"name": "A", "address": "B", field: "x"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(reply.fields(), [field]);
    }
    let nested = app
        .post(
            "/api/v1/customers",
            &tech,
            json!({"name": "A", "address": "B", "contacts": [{"name": "C", "fax": "1"}]}),
        )
        .await;
    assert_eq!(nested.fields(), ["contacts[0].fax"]);
    let wrong_type = app
        .post(
            "/api/v1/customers",
            &tech,
            json!({"name": 5, "address": "B"}),
        )
        .await;
    assert_eq!(wrong_type.fields(), ["name"]);
    let missing = app
        .post("/api/v1/customers", &tech, json!({"name": "A"}))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A customer user cannot pick another customer for itself: role is server-owned.
    let admin = app.token(ADMIN).await;
    let me = app.get("/api/v1/me", &admin).await;
    let id = me.body["id"].as_str().unwrap_or_default();
    let sneaky = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &me.etag(),
            json!({"version": 7}),
        )
        .await;
    assert_eq!(sneaky.fields(), ["version"]);
}

#[tokio::test]
async fn oversized_and_non_json_bodies() {
    let app = spawn_app_with(&[("CALAB_BODY_LIMIT_BYTES", "2048")]).await;
    let tech = app.token(TECH).await;
    let big = "x".repeat(4096);
    let reply = app
        .post(
            "/api/v1/customers",
            &tech,
            json!({"name": big, "address": "B"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body["status"], 413);
    let text = app
        .client
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&tech)
        .header("content-type", "text/plain")
        .body("name=A")
        .send()
        .await
        .expect("send");
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let broken = app
        .client
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&tech)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(broken.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn updates_need_the_current_version() {
    let app = spawn_empty_app().await;
    let admin = app.token(ADMIN).await;
    let lab = app.get("/api/v1/lab", &admin).await;
    assert_eq!(lab.status, StatusCode::OK);
    let etag = lab.etag();
    let without = app
        .send(
            Method::PATCH,
            "/api/v1/lab",
            Some(&admin),
            Some(json!({"name_en": "X"})),
            &[],
        )
        .await;
    assert_eq!(without.status, StatusCode::PRECONDITION_REQUIRED);
    let ok = app
        .patch(
            "/api/v1/lab",
            &admin,
            &etag,
            json!({"name_en": "Song Hong Calibration"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_ne!(ok.etag(), etag);
    let stale = app
        .patch(
            "/api/v1/lab",
            &admin,
            &etag,
            json!({"name_en": "Lost update"}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        app.get("/api/v1/lab", &admin).await.body["name_en"],
        "Song Hong Calibration"
    );
    let bad_pattern = app
        .patch(
            "/api/v1/lab",
            &admin,
            &ok.etag(),
            json!({"certificate_number_pattern": "{YYYY}"}),
        )
        .await;
    assert_eq!(bad_pattern.fields(), ["certificate_number_pattern"]);
    // A number goes into headers, file names, links and pages: no line breaks or markup in it.
    for pattern in ["HC\r\n{SEQ}", "<b>{SEQ}</b>", "HC\t{SEQ}", "\"{SEQ}"] {
        let refused = app
            .patch(
                "/api/v1/lab",
                &admin,
                &ok.etag(),
                json!({ "certificate_number_pattern": pattern }),
            )
            .await;
        assert_eq!(
            refused.fields(),
            ["certificate_number_pattern"],
            "{pattern:?}"
        );
    }
}

#[tokio::test]
async fn lists_paginate_in_a_stable_order() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    for i in 0..3 {
        let reply = app
            .post(
                "/api/v1/customers",
                &tech,
                json!({"name": format!("Paged {i}"), "address": "A"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/customers?limit=2".to_string();
    loop {
        let page = app.get(&path, &tech).await;
        assert_eq!(page.status, StatusCode::OK);
        let items = page.body["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .filter_map(|c| c["id"].as_str().map(str::to_string)),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/customers?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    for bad in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "cursor=%25%25",
        "colour=red",
    ] {
        let reply = app.get(&format!("/api/v1/customers?{bad}"), &tech).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(
            reply.headers["content-type"], "application/problem+json",
            "{bad}"
        );
    }
}

#[tokio::test]
async fn unknown_routes_and_malformed_ids_are_problem_404s() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    for path in [
        "/api/v1/nothing-here",
        "/api/v1/customers/not-a-uuid",
        "/api/v1/customers/0192f000-0000-7000-8000-000000000000",
    ] {
        let reply = app.get(path, &tech).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.headers["content-type"], "application/problem+json");
    }
    // A malformed id and an unknown one answer the same problem, naming the kind of thing.
    let qm = app.token(QM).await;
    let unknown = "0192f000-0000-7000-8000-000000000000";
    for (collection, kind) in [
        ("customers", "customer"),
        ("standards", "standard"),
        ("instruments", "instrument"),
        ("calibrations", "calibration record"),
        ("certificates", "certificate"),
        ("nonconformities", "nonconformity"),
    ] {
        let malformed = app
            .get(&format!("/api/v1/{collection}/not-a-uuid"), &qm)
            .await;
        let missing = app
            .get(&format!("/api/v1/{collection}/{unknown}"), &qm)
            .await;
        assert_eq!(malformed.status, StatusCode::NOT_FOUND, "{collection}");
        assert_eq!(malformed.body, missing.body, "{collection}");
        assert!(
            malformed.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains(kind)),
            "{collection}: {:?}",
            malformed.body
        );
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_empty_app().await;
    let reply = app
        .send(
            Method::GET,
            "/health/live",
            None,
            None,
            &[("x-request-id", "abc-123")],
        )
        .await;
    assert_eq!(reply.headers["x-request-id"], "abc-123");
    let generated = app
        .send(
            Method::GET,
            "/health/live",
            None,
            None,
            &[("x-request-id", "bad id with spaces")],
        )
        .await;
    assert_ne!(generated.headers["x-request-id"], "bad id with spaces");
    let ready = app
        .send(Method::GET, "/health/ready", None, None, &[])
        .await;
    assert_eq!(ready.status, StatusCode::OK);
}

#[tokio::test]
async fn a_database_outage_is_a_503_with_retry_after() {
    // A pool pointed at a server that is not there: the service starts and answers 503.
    let dir = std::env::temp_dir().join(format!("calab-down-{}", uuid::Uuid::new_v4().simple()));
    let config = test_config("postgres://nobody@127.0.0.1:1/none", &dir, &[]);
    let pool = calab::db::build_pool(&config.database_url, 1).expect("pool");
    let state = calab::startup::state(&config, pool).expect("state");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(
        calab::startup::serve(listener, state, 1, std::time::Duration::from_secs(5))
            .expect("serve"),
    );
    let client = reqwest::Client::new();
    let reply = client
        .get(format!("http://127.0.0.1:{port}/health/ready"))
        .send()
        .await
        .expect("send");
    assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.headers().contains_key("retry-after"));
    let login = client
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&json!({"email": "a@b.c", "password": "whatever-whatever"}))
        .send()
        .await
        .expect("send");
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    let _ = std::fs::remove_dir_all(dir);
}

/// Every instant the API returns is UTC with its `Z`, and no JSON-text column leaks as a string.
#[tokio::test]
async fn instants_carry_their_z_and_stored_json_is_json() {
    fn walk(path: &str, key: &str, v: &serde_json::Value, seen: &mut usize) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    walk(path, k, v, seen);
                }
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    walk(path, key, v, seen);
                }
            }
            serde_json::Value::String(s) if key.ends_with("_at") => {
                *seen += 1;
                assert!(
                    chrono::DateTime::parse_from_rfc3339(s).is_ok() && s.ends_with('Z'),
                    "{path}: {key} = {s}"
                );
            }
            serde_json::Value::String(s) => {
                assert!(
                    serde_json::from_str::<serde_json::Value>(s)
                        .map_or(true, |v| !v.is_object() && !v.is_array()),
                    "{path}: {key} holds JSON as text: {s}"
                );
            }
            _ => {}
        }
    }
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let admin = app.token(ADMIN).await;
    let mut seen = 0;
    for path in [
        "/api/v1/standards",
        "/api/v1/instruments",
        "/api/v1/customers",
        "/api/v1/users",
        "/api/v1/external-bodies",
        "/api/v1/cmc",
        "/api/v1/procedures",
        "/api/v1/work-orders",
        "/api/v1/calibrations",
        "/api/v1/certificates",
        "/api/v1/nonconformities",
        "/api/v1/corrective-actions",
        "/api/v1/complaints",
        "/api/v1/audit-events",
        "/api/v1/lab",
        "/api/v1/staff",
        "/api/v1/authorizations",
        "/api/v1/proficiency-tests",
        "/api/v1/internal-audits",
        "/api/v1/management-reviews",
        "/api/v1/documents",
    ] {
        let token = if path == "/api/v1/users" { &admin } else { &qm };
        let reply = app.get(path, token).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        walk(path, "", &reply.body, &mut seen);
    }
    assert!(seen > 100, "only {seen} instants checked");
}

/// U+0000 is refused at decoding, the same on both databases (PostgreSQL cannot store it): a
/// field error for a body or query value, 404 for a path.
#[tokio::test]
async fn the_nul_character_is_refused_at_the_door() {
    let app = spawn_app().await;
    let login = app
        .send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "qm\u{0}@demo.calab.vn", "password": "x"})),
            &[],
        )
        .await;
    assert_eq!(
        login.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        login.body
    );
    assert_eq!(login.fields(), ["email"]);
    let qm = app.token(QM).await;
    let customer = app.customer_id_of(CUSTOMER_A).await;
    let complaint = app
        .post(
            "/api/v1/complaints",
            &qm,
            json!({"customer_id": customer, "complainant": "A", "subject": "late\u{0}", "description": "x"}),
        )
        .await;
    assert_eq!(complaint.fields(), ["subject"], "{:?}", complaint.body);
    // A backslash followed by "u0000" is text, not a NUL.
    let literal = app
        .post(
            "/api/v1/complaints",
            &qm,
            json!({"customer_id": customer, "complainant": "A", "subject": "path C:\\u0000", "description": "x"}),
        )
        .await;
    assert_eq!(literal.status, StatusCode::CREATED, "{:?}", literal.body);
    let search = app.get("/api/v1/instruments?q=%00", &qm).await;
    assert_eq!(
        search.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        search.body
    );
    assert_eq!(search.fields(), ["q"]);
    let (status, _, _) = app.download("/verify/a%00b", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The SQLite database, its WAL and the directories the service creates for it are readable by
/// the service's user only.
#[cfg(unix)]
#[test]
fn the_database_and_its_directory_are_private() {
    use diesel::connection::SimpleConnection;
    use std::os::unix::fs::PermissionsExt;
    let root = std::env::temp_dir().join(format!("calab-perm-{}", uuid::Uuid::new_v4().simple()));
    let file = root.join("data/sub/calab.db");
    let pool = calab::db::build_pool(&format!("sqlite://{}", file.display()), 1).unwrap();
    let mut conn = pool.get().unwrap();
    conn.batch_execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&root.join("data")), 0o700);
    assert_eq!(mode(&root.join("data/sub")), 0o700);
    assert_eq!(mode(&file), 0o600);
    let wal = root.join("data/sub/calab.db-wal");
    assert!(wal.exists(), "the database is in WAL mode");
    assert_eq!(mode(&wal), 0o600);
    drop(conn);
    let _ = std::fs::remove_dir_all(&root);
}
