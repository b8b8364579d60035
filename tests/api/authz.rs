//! Walks every route of the OpenAPI document as every role and as nobody, with real ids of the
//! demo (the lab's, customer A's and customer B's records), against the permission table: allowed
//! roles get the real answer (200 for a read; for a write with an empty body, validation or the
//! version check), other staff get 403, customers 404 (the lab's internal records and other
//! customers' records do not exist for them), nobody gets 401.

use std::collections::BTreeMap;

use calab::api::authz::Op;
use calab::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// Real ids for every path parameter: the lab's own records, customer A's and customer B's.
struct Ids {
    /// By collection (the path segment after `/api/v1/`): an id customer A may see, or a lab record.
    own: BTreeMap<&'static str, String>,
    /// By collection: an id of customer B's, for the collections customers see.
    other: BTreeMap<&'static str, String>,
    /// By collection and the name of its second path parameter (`work-orders/item_id`, ...).
    nested: BTreeMap<&'static str, String>,
}

/// The id of the first item of a list (a page, or a plain array).
fn first_id(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let items = reply.body.get("items").unwrap_or(&reply.body);
    items[0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("the demo has none: {:?}", reply.body))
        .to_string()
}

async fn demo_ids(app: &TestApp) -> Ids {
    let qm = app.token(QM).await;
    let admin = app.token(ADMIN).await;
    let a = app.customer_id_of(CUSTOMER_A).await;
    let b = app.customer_id_of(CUSTOMER_B).await;
    let list = |path: String, token: &str| {
        let token = token.to_string();
        async move { first_id(&app.get(&path, &token).await) }
    };
    let mut own = BTreeMap::new();
    let mut other = BTreeMap::new();
    let mut nested = BTreeMap::new();
    own.insert("customers", a.clone());
    other.insert("customers", b.clone());
    for (map, customer) in [(&mut own, a.as_str()), (&mut other, b.as_str())] {
        map.insert(
            "instruments",
            list(format!("/api/v1/instruments?customer_id={customer}"), &qm).await,
        );
        map.insert(
            "work-orders",
            list(format!("/api/v1/work-orders?customer_id={customer}"), &qm).await,
        );
    }
    let certificates = app
        .get("/api/v1/certificates?limit=100", &qm)
        .await
        .listed();
    for (map, customer) in [(&mut own, a.as_str()), (&mut other, b.as_str())] {
        if let Some(c) = certificates.iter().find(|c| c["customer_id"] == customer) {
            map.insert(
                "certificates",
                c["id"].as_str().unwrap_or_default().to_string(),
            );
        }
    }
    for collection in ["complaints", "service-requests"] {
        let records = app
            .get(&format!("/api/v1/{collection}?limit=100"), &qm)
            .await
            .listed();
        for (map, customer) in [(&mut own, a.as_str()), (&mut other, b.as_str())] {
            if let Some(c) = records.iter().find(|c| c["customer_id"] == customer) {
                map.insert(collection, c["id"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    let weights = standard_id(app, &qm, WEIGHTS).await;
    own.insert("standards", weights.clone());
    nested.insert(
        "standards/calibration_id",
        list(format!("/api/v1/standards/{weights}/calibrations"), &qm).await,
    );
    let order = app
        .get(&format!("/api/v1/work-orders/{}", own["work-orders"]), &qm)
        .await;
    nested.insert(
        "work-orders/item_id",
        order.body["items"][0]["id"]
            .as_str()
            .expect("item")
            .to_string(),
    );
    let tech = list("/api/v1/users?role=technician".into(), &admin).await;
    own.insert("users", tech.clone());
    own.insert("staff", tech.clone());
    let staff = app.get(&format!("/api/v1/staff/{tech}"), &qm).await;
    if let Some(q) = staff.body["qualifications"][0]["id"].as_str() {
        nested.insert("staff/qualification_id", q.to_string());
    }
    for (collection, path) in [
        ("external-bodies", "/api/v1/external-bodies"),
        ("cmc", "/api/v1/cmc"),
        ("procedures", "/api/v1/procedures"),
        ("calibrations", "/api/v1/calibrations"),
        ("authorizations", "/api/v1/authorizations"),
        ("nonconformities", "/api/v1/nonconformities"),
        ("corrective-actions", "/api/v1/corrective-actions"),
        ("proficiency-tests", "/api/v1/proficiency-tests"),
        ("internal-audits", "/api/v1/internal-audits"),
        ("management-reviews", "/api/v1/management-reviews"),
        ("documents", "/api/v1/documents"),
    ] {
        own.insert(collection, list(path.to_string(), &qm).await);
    }
    // An audit and a review that have findings.
    for (collection, finding) in [
        ("internal-audits", "internal-audits/finding_id"),
        ("management-reviews", "management-reviews/finding_id"),
    ] {
        for record in app
            .get(&format!("/api/v1/{collection}?limit=100"), &qm)
            .await
            .listed()
        {
            let id = record["id"].as_str().unwrap_or_default();
            let full = app.get(&format!("/api/v1/{collection}/{id}"), &qm).await;
            if let Some(f) = full.body["findings"][0]["id"].as_str() {
                own.insert(collection, id.to_string());
                nested.insert(finding, f.to_string());
                break;
            }
        }
    }
    Ids { own, other, nested }
}

/// The path with real ids: customer A's (or the lab's) records, or with `of_other` customer B's.
fn concrete(path: &str, ids: &Ids, of_other: bool) -> Option<String> {
    let collection = path.split('/').nth(3).unwrap_or_default();
    let mut out = Vec::new();
    for segment in path.split('/') {
        let value = match segment {
            "{id}" if of_other => ids.other.get(collection)?.clone(),
            "{id}" => ids.own.get(collection)?.clone(),
            "{token}" => "no-such-token".to_string(),
            s if s.starts_with('{') => ids
                .nested
                .get(format!("{collection}/{}", s.trim_matches(['{', '}'])).as_str())?
                .clone(),
            s => s.to_string(),
        };
        out.push(value);
    }
    Some(out.join("/"))
}

/// Query parameters a route cannot answer without.
fn required_query(path: &str) -> &'static str {
    match path {
        "/api/v1/standards/{id}/dependents" => "?from=2020-01-01",
        "/api/v1/cmc/floor" => "?quantity=mass&unit=g&value=1000",
        _ => "",
    }
}

/// Reads that answer 404 for a real record because the demo holds no file for it.
const NO_FILE_IN_DEMO: &[&str] = &[
    "download_qualification_evidence",
    "download_standard_certificate",
    "get_lab_logo",
];

/// Where a JSON body departs from the schema the document gives for `status` (`None`: it
/// conforms, or the response is not JSON).
fn against_document(spec: &Value, operation: &Value, status: &str, body: &Value) -> Option<String> {
    let schema = &operation["responses"][status]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return None;
    }
    let root = json!({ "allOf": [schema], "components": spec["components"] });
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}"));
    let problems: Vec<String> = validator
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    (!problems.is_empty()).then(|| problems.join("; "))
}

#[tokio::test]
async fn every_route_as_every_role() {
    let app = spawn_app().await;
    let spec = app
        .send(Method::GET, "/api/openapi.json", None, None, &[])
        .await
        .body;
    let ids = demo_ids(&app).await;
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, app.token_for(role).await));
    }
    let mut checked = 0;
    let mut across: Vec<String> = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let own = concrete(path, &ids, false)
            .unwrap_or_else(|| panic!("no demo record for {path}"))
            + required_query(path);
        for (method, operation) in item.as_object().expect("path item") {
            let method: Method = method.to_uppercase().parse().expect("method");
            let name = operation["operationId"].as_str().expect("operationId");
            let public = operation.get("security").is_none();
            let body = (method != Method::GET).then(|| json!({}));
            let anonymous = app
                .send(method.clone(), &own, None, body.clone(), &[])
                .await;
            if public {
                assert!(
                    Op::from_name(name).is_none(),
                    "{name} is public but in the permission table"
                );
                assert_ne!(
                    anonymous.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path}"
                );
                continue;
            }
            let op = Op::from_name(name)
                .unwrap_or_else(|| panic!("{name} is missing from the permission table"));
            let declares_if_match = operation["parameters"].as_array().is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["name"] == "If-Match" && p["in"] == "header")
            });
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} anonymous"
            );
            for (role, token) in &tokens {
                let reply = app
                    .send(method.clone(), &own, Some(token), body.clone(), &[])
                    .await;
                let what = format!(
                    "{method} {own} as {role}: {} {:?}",
                    reply.status, reply.body
                );
                if !op.allows(*role) {
                    let refused = match role {
                        // The lab's internal records do not exist for a customer.
                        Role::Customer => StatusCode::NOT_FOUND,
                        _ => StatusCode::FORBIDDEN,
                    };
                    assert_eq!(reply.status, refused, "{what}");
                } else if method == Method::GET && !NO_FILE_IN_DEMO.contains(&name) {
                    // A real record of one's own: the real answer, as the document describes it.
                    assert_eq!(reply.status, StatusCode::OK, "{what}");
                    if let Some(problems) = against_document(&spec, operation, "200", &reply.body) {
                        panic!("{what}: not as documented: {problems}");
                    }
                } else {
                    // Writes with an empty body reach validation or the version check, never
                    // a refusal, a "not found" for a real record, or a crash.
                    assert!(
                        ![
                            StatusCode::UNAUTHORIZED,
                            StatusCode::FORBIDDEN,
                            StatusCode::NOT_FOUND,
                        ]
                        .contains(&reply.status)
                            || NO_FILE_IN_DEMO.contains(&name),
                        "{what}"
                    );
                    assert!(reply.status.as_u16() < 500, "{what}");
                    // An operation that wants a version says so in the document.
                    if reply.status == StatusCode::PRECONDITION_REQUIRED {
                        assert!(declares_if_match, "{what}: If-Match is not documented");
                    }
                }
                // Another customer's record, asked for by customer A, does not exist.
                if *role == Role::Customer && op.allows(*role) && path.contains("{id}") {
                    if let Some(theirs) = concrete(path, &ids, true) {
                        let reply = app
                            .send(
                                method.clone(),
                                &(theirs.clone() + required_query(path)),
                                Some(token),
                                body.clone(),
                                &[],
                            )
                            .await;
                        assert_eq!(
                            reply.status,
                            StatusCode::NOT_FOUND,
                            "{method} {theirs} as customer A"
                        );
                        across.push(name.to_string());
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= Op::ALL.len() * Role::ALL.len(), "{checked}");
    // The comparison with the document bites.
    let get_instrument = &spec["paths"]["/api/v1/instruments/{id}"]["get"];
    assert!(against_document(&spec, get_instrument, "200", &json!({ "id": 7 })).is_some());
    // Customer A asked for customer B's records on every route customers have that takes one.
    for op in [
        "get_instrument",
        "get_work_order",
        "get_customer",
        "get_complaint",
    ] {
        assert!(
            across.iter().any(|n| n == op),
            "{op} not walked across: {across:?}"
        );
    }
}

#[tokio::test]
async fn every_table_entry_is_a_documented_operation() {
    let spec = calab::api::docs::openapi();
    let documented: Vec<String> = spec
        .paths
        .paths
        .values()
        .flat_map(|item| {
            [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .into_iter()
                .flatten()
                .filter_map(|o| o.operation_id.clone())
                .collect::<Vec<_>>()
        })
        .collect();
    for op in Op::ALL {
        assert!(
            documented.iter().any(|d| d == op.name()),
            "{} has no route",
            op.name()
        );
    }
}

#[tokio::test]
async fn denied_requests_are_audited() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    assert_eq!(
        app.get("/api/v1/users", &tech).await.status,
        StatusCode::FORBIDDEN
    );
    let qm = app.token(QM).await;
    let events = app
        .get("/api/v1/audit-events?entity_type=operation", &qm)
        .await;
    let items = events.body["items"].as_array().cloned().unwrap_or_default();
    assert!(items.iter().any(|e| e["action"] == "access_denied"
        && e["entity_id"] == "list_users"
        && e["actor_role"] == "technician"));
}
