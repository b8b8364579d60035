use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn staff_manage_customers_with_versions() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let created = app
        .post(
            "/api/v1/customers",
            &tech,
            json!({
                "name": "Công ty Cổ phần Điện lực Miền Trung",
                "address": "Đà Nẵng",
                "tax_code": "0400101234",
                "contacts": [{"name": "Lê Văn Tâm", "email": "tam@evn.example"}],
                "preferred_language": "vi"
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.etag(), "\"1\"");
    let id = created.body["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        created.headers["location"],
        format!("/api/v1/customers/{id}")
    );
    assert_eq!(created.body["name"], "Công ty Cổ phần Điện lực Miền Trung");

    let updated = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &tech,
            "\"1\"",
            json!({"address": "Hải Châu, Đà Nẵng"}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body["version"], 2);
    assert_eq!(updated.body["name"], "Công ty Cổ phần Điện lực Miền Trung");

    let duplicate = app
        .post(
            "/api/v1/customers",
            &tech,
            json!({"name": "Other", "address": "x", "tax_code": "0400101234"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let qm = app.token(QM).await;
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/customers/{id}"),
            Some(&qm),
            Some(json!({"reason": "merged into another record"})),
            &[("if-match", "\"2\"")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/api/v1/customers/{id}"), &qm)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let no_reason = app
        .send(
            Method::DELETE,
            &format!("/api/v1/customers/{id}"),
            Some(&qm),
            Some(json!({"reason": " "})),
            &[("if-match", "\"3\"")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_customer_sees_only_its_own_organisation() {
    let app = spawn_app().await;
    let own = app.customer_id_of(CUSTOMER_A).await;
    let other = app.customer_id_of(CUSTOMER_B).await;
    let customer = app.token(CUSTOMER_A).await;

    let mine = app
        .get(&format!("/api/v1/customers/{own}"), &customer)
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.body.get("internal_notes").is_none(),
        "internal notes leak: {:?}",
        mine.body
    );

    let theirs = app
        .get(&format!("/api/v1/customers/{other}"), &customer)
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.body["status"], 404);

    let list = app.get("/api/v1/customers", &customer).await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, [own.as_str()]);
    let search = app.get("/api/v1/customers?q=mekong", &customer).await;
    assert_eq!(search.body["items"].as_array().map(Vec::len), Some(0));

    // Staff see both, and the internal notes.
    let tech = app.token(TECH).await;
    let all = app.get("/api/v1/customers", &tech).await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(2));
    let staff_view = app.get(&format!("/api/v1/customers/{own}"), &tech).await;
    assert!(staff_view.body["internal_notes"].is_string());
    let found = app.get("/api/v1/customers?q=MEKONG", &tech).await;
    assert_eq!(found.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn validation_names_each_bad_field() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let reply = app
        .post("/api/v1/customers", &tech, json!({
            "name": " ", "address": "", "tax_code": "01 23", "contacts": [{"name": "", "email": "nope"}]
        }))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    let mut fields = reply.fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "address",
            "contacts[0].email",
            "contacts[0].name",
            "name",
            "tax_code"
        ]
    );
    let language = app
        .post(
            "/api/v1/customers",
            &tech,
            json!({"name": "A", "address": "B", "preferred_language": "fr"}),
        )
        .await;
    assert_eq!(language.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(language.fields(), ["preferred_language"]);
}
