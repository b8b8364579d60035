use reqwest::{Method, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn every_registered_route_is_documented_and_nothing_else() {
    let app = spawn_empty_app().await;
    let spec = app
        .send(Method::GET, "/api/openapi.json", None, None, &[])
        .await;
    assert_eq!(spec.status, StatusCode::OK);
    assert!(spec.body["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1")));
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in spec.body["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    let mut registered: Vec<(String, String)> = calab::api::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    documented.sort();
    registered.sort();
    assert_eq!(registered, documented);
}

#[tokio::test]
async fn the_documentation_page_is_served_locally() {
    let app = spawn_empty_app().await;
    let page = app
        .client
        .get(app.url("/api/docs/"))
        .send()
        .await
        .expect("docs");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("https://cdn"),
        "the page must not load assets from the internet"
    );
    let script = app
        .client
        .get(app.url("/api/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .expect("bundle");
    assert_eq!(script.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_schema_reference_resolves() {
    let spec = serde_json::to_value(calab::api::docs::openapi()).expect("json");
    let schemas = spec["components"]["schemas"]
        .as_object()
        .expect("component schemas");
    let mut refs = Vec::new();
    collect_refs(&spec, &mut refs);
    assert!(refs.len() > 100, "{}", refs.len());
    for r in refs {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(schemas.contains_key(name), "{r} has no schema");
    }
}

fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r.to_string()),
                    _ => collect_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Swagger UI can perform every workflow step: the operations that need `If-Match` declare it,
/// with 412 and 428, and the responses that carry a version declare their `ETag`.
#[tokio::test]
async fn versions_are_documented() {
    let app = spawn_app().await;
    let spec = app
        .send(Method::GET, "/api/openapi.json", None, None, &[])
        .await
        .body;
    let op = |path: &str, method: &str| spec["paths"][path][method].clone();
    for (path, method) in [
        ("/api/v1/calibrations/{id}/submit", "post"),
        ("/api/v1/calibrations/{id}/approve", "post"),
        ("/api/v1/instruments/{id}", "patch"),
        ("/api/v1/instruments/{id}", "delete"),
        ("/api/v1/certificates/{id}/revoke", "post"),
        ("/api/v1/nonconformities/{id}/evaluate", "post"),
    ] {
        let operation = op(path, method);
        let header = operation["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "If-Match").cloned())
            .unwrap_or_else(|| panic!("{method} {path}: no If-Match"));
        assert_eq!(header["in"], "header");
        assert_eq!(header["required"], true);
        assert!(header["description"]
            .as_str()
            .is_some_and(|d| d.contains("`version`") && d.contains("record_version")));
        for status in ["412", "428"] {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {path} {status}"
            );
        }
    }
    for (path, method, status) in [
        ("/api/v1/instruments/{id}", "get", "200"),
        ("/api/v1/instruments/{id}", "patch", "200"),
        ("/api/v1/instruments", "post", "201"),
        ("/api/v1/calibrations/{id}/submit", "post", "200"),
    ] {
        assert!(
            op(path, method)["responses"][status]["headers"]["ETag"].is_object(),
            "{method} {path} {status}: no ETag"
        );
    }
}

/// Request bodies are checked against the document wherever the suite sends one that the
/// service accepts; the check knows a condition on receipt from an environmental reading.
#[test]
fn request_bodies_are_checked_against_the_document() {
    let order = |condition: serde_json::Value| {
        serde_json::json!({
            "customer_id": "0190a0a0-0000-7000-8000-000000000000",
            "items": [{ "instrument_id": "0190a0a0-0000-7000-8000-000000000001",
                        "service": "calibration", "condition": condition }],
        })
    };
    let path = "/api/v1/work-orders";
    let received = order(serde_json::json!({ "flags": ["dirty"], "remarks": "glass" }));
    assert_eq!(
        request_against_document(&Method::POST, path, &received),
        None
    );
    let reading = order(serde_json::json!({ "value": "21.0", "unit": "°C" }));
    assert!(request_against_document(&Method::POST, path, &reading).is_some());
}
