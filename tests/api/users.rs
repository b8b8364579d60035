use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn admin_manages_accounts() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let created = app
        .post("/api/v1/users", &admin, json!({"email": "New.Tech@Lab.VN", "name": "Hoàng Văn Nam", "role": "technician", "password": "correct-horse-battery"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["email"], "new.tech@lab.vn");
    assert!(created.body.get("password_hash").is_none());
    let id = created.body["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        app.login_reply("new.tech@lab.vn", "correct-horse-battery")
            .await
            .status,
        StatusCode::OK
    );

    let duplicate = app
        .post("/api/v1/users", &admin, json!({"email": "new.tech@lab.vn", "name": "X", "role": "technician", "password": "correct-horse-battery"}))
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let promoted = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            "\"1\"",
            json!({"role": "signatory"}),
        )
        .await;
    assert_eq!(promoted.status, StatusCode::OK);
    assert_eq!(promoted.body["role"], "signatory");

    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({"reason": "left the lab"})),
            &[("if-match", "\"2\"")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.login_reply("new.tech@lab.vn", "correct-horse-battery")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let list = app.get("/api/v1/users?role=technician", &admin).await;
    let technicians = list.listed();
    assert!(!technicians.is_empty());
    assert!(technicians
        .iter()
        .all(|u| u["role"] == "technician" && u["id"] != id.as_str()));
}

#[tokio::test]
async fn a_customer_user_belongs_to_exactly_one_customer() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let customer_id = app.customer_id_of(CUSTOMER_A).await;
    let without = app
        .post("/api/v1/users", &admin, json!({"email": "c@x.vn", "name": "C", "role": "customer", "password": "correct-horse-battery"}))
        .await;
    assert_eq!(without.fields(), ["customer_id"]);
    let staff_with = app
        .post("/api/v1/users", &admin, json!({"email": "t@x.vn", "name": "T", "role": "technician", "password": "correct-horse-battery", "customer_id": customer_id}))
        .await;
    assert_eq!(staff_with.fields(), ["customer_id"]);
    let unknown = app
        .post("/api/v1/users", &admin, json!({"email": "c@x.vn", "name": "C", "role": "customer", "password": "correct-horse-battery", "customer_id": uuid::Uuid::now_v7()}))
        .await;
    assert_eq!(unknown.fields(), ["customer_id"]);
    let ok = app
        .post("/api/v1/users", &admin, json!({"email": "c@x.vn", "name": "C", "role": "customer", "password": "correct-horse-battery", "customer_id": customer_id}))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    let bad = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"email": "no-at-sign", "name": "", "role": "wizard", "password": "x"}),
        )
        .await;
    assert_eq!(bad.fields(), ["role"]);
    let bad = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"email": "no-at-sign", "name": "", "role": "technician", "password": "x"}),
        )
        .await;
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(fields, ["email", "name", "password"]);
}

#[tokio::test]
async fn the_last_admin_stays() {
    let app = spawn_app().await;
    let admin = app.token(ADMIN).await;
    let me = app.get("/api/v1/me", &admin).await;
    let id = me.body["id"].as_str().unwrap_or_default();
    let demote = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            &me.etag(),
            json!({"role": "technician"}),
        )
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT);
    let delete = app
        .send(
            Method::DELETE,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({"reason": "oops"})),
            &[("if-match", &me.etag())],
        )
        .await;
    assert_eq!(delete.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn deactivation_and_role_changes_take_effect_at_once() {
    let app = spawn_empty_app().await;
    let admin = app.token(ADMIN).await;
    let created = app
        .post("/api/v1/users", &admin, json!({"email": "short.lived@lab.vn", "name": "Tạm thời", "role": "technician", "password": "short-lived-password"}))
        .await;
    let id = created.body["id"].as_str().unwrap_or_default().to_string();
    let token = app
        .token_with("short.lived@lab.vn", "short-lived-password")
        .await;
    assert_eq!(
        app.get("/api/v1/instruments", &token).await.status,
        StatusCode::OK
    );
    let promoted = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            "\"1\"",
            json!({"role": "signatory"}),
        )
        .await;
    assert_eq!(promoted.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/instruments", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let fresh = app
        .token_with("short.lived@lab.vn", "short-lived-password")
        .await;
    assert_eq!(
        app.get("/api/v1/instruments", &fresh).await.status,
        StatusCode::OK
    );
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            Some(json!({"reason": "left"})),
            &[("if-match", "\"2\"")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/instruments", &fresh).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn search_text_is_not_a_pattern() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    for q in ["%5C", "a%5C", "100%25", "_"] {
        for path in [
            "/api/v1/customers",
            "/api/v1/instruments",
            "/api/v1/standards",
        ] {
            let reply = app.get(&format!("{path}?q={q}"), &tech).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{path}?q={q}: {:?}",
                reply.body
            );
            assert_eq!(
                reply.body["items"].as_array().map(Vec::len),
                Some(0),
                "{path}?q={q}"
            );
        }
    }
}
