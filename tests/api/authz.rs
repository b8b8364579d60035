//! Walks every route of the OpenAPI document as every role and as nobody, against the permission
//! table: allowed roles are never refused, other staff get 403, customers 404 (the lab's internal
//! records do not exist for them), nobody gets 401.

use calab::api::authz::Op;
use calab::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_route_as_every_role() {
    let app = spawn_app().await;
    let spec = app
        .send(Method::GET, "/api/openapi.json", None, None, &[])
        .await
        .body;
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, app.token_for(role).await));
    }
    let some_id = uuid::Uuid::now_v7().to_string();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let concrete: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    some_id.as_str()
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, operation) in item.as_object().expect("path item") {
            let method: Method = method.to_uppercase().parse().expect("method");
            let name = operation["operationId"].as_str().expect("operationId");
            let public = operation.get("security").is_none();
            let body = (method != Method::GET).then(|| json!({}));
            let anonymous = app
                .send(method.clone(), &concrete, None, body.clone(), &[])
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
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} anonymous"
            );
            for (role, token) in &tokens {
                let reply = app
                    .send(method.clone(), &concrete, Some(token), body.clone(), &[])
                    .await;
                if op.allows(*role) {
                    assert!(
                        reply.status != StatusCode::FORBIDDEN
                            && reply.status != StatusCode::UNAUTHORIZED,
                        "{method} {path} as {role}: {} {:?}",
                        reply.status,
                        reply.body
                    );
                    assert!(
                        reply.status.as_u16() < 500,
                        "{method} {path} as {role}: {}",
                        reply.status
                    );
                } else if *role == Role::Customer {
                    assert_eq!(
                        reply.status,
                        StatusCode::NOT_FOUND,
                        "{method} {path} as {role}"
                    );
                } else {
                    assert_eq!(
                        reply.status,
                        StatusCode::FORBIDDEN,
                        "{method} {path} as {role}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= Op::ALL.len() * Role::ALL.len(), "{checked}");
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
