use calab::db::{write_tx, DbConn};
use calab::error::AppError;
use calab::services::audit_trail::{self, Change};
use calab::services::Ctx;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn each_change_writes_one_event_with_before_and_after() {
    let app = spawn_app().await;
    let tech = app.token(TECH).await;
    let created = app
        .post(
            "/api/v1/customers",
            &tech,
            json!({"name": "Audit Co", "address": "A"}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap_or_default().to_string();
    app.patch(
        &format!("/api/v1/customers/{id}"),
        &tech,
        "\"1\"",
        json!({"name": "Audit Company"}),
    )
    .await;
    let qm = app.token(QM).await;
    let events = app
        .get(
            &format!("/api/v1/audit-events?entity_type=customer&entity_id={id}"),
            &qm,
        )
        .await;
    let items = events.body["items"].as_array().cloned().unwrap_or_default();
    let actions: Vec<&str> = items.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["create", "update"]);
    assert_eq!(items[1]["before"]["name"], "Audit Co");
    assert_eq!(items[1]["after"]["name"], "Audit Company");
    assert_eq!(items[1]["actor_role"], "technician");
    assert!(items[1]["request_id"]
        .as_str()
        .is_some_and(|r| !r.is_empty()));
    let tech_id = app.get("/api/v1/me", &tech).await.body["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let by_actor = app
        .get(
            &format!("/api/v1/audit-events?actor_id={tech_id}&entity_type=customer"),
            &qm,
        )
        .await;
    assert_eq!(by_actor.body["items"].as_array().map(Vec::len), Some(2));
    let future = app
        .get("/api/v1/audit-events?from=2999-01-01T00:00:00Z", &qm)
        .await;
    assert_eq!(future.body["items"].as_array().map(Vec::len), Some(0));
    let failed = app.login_reply(TECH, "wrong-password-here").await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    let logins = app
        .get("/api/v1/audit-events?entity_type=session", &qm)
        .await;
    assert!(logins.body["items"]
        .as_array()
        .is_some_and(|a| a.iter().any(|e| e["action"] == "login_failed")));
}

fn audit_count(conn: &mut DbConn) -> i64 {
    use diesel::prelude::*;
    calab::db::schema::audit_events::table
        .count()
        .get_result(conn)
        .expect("count")
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_event() {
    let app = spawn_empty_app().await;
    let mut conn = app.conn();
    let before = audit_count(&mut conn);
    let result: Result<(), AppError> = write_tx(&mut conn, |conn| {
        audit_trail::record(
            conn,
            &Ctx::system(clock()),
            Change {
                action: "create",
                entity_type: "test",
                ..Default::default()
            },
        )?;
        Err(AppError::Conflict("changed my mind".into()))
    });
    assert!(result.is_err());
    assert_eq!(audit_count(&mut conn), before);
    // The chain is intact and the next event continues it without a gap.
    write_tx(&mut conn, |conn| {
        audit_trail::record(
            conn,
            &Ctx::system(clock()),
            Change {
                action: "create",
                entity_type: "test",
                ..Default::default()
            },
        )
    })
    .expect("record");
    let verification = audit_trail::verify(&mut conn).expect("verify");
    assert!(verification.valid, "{verification:?}");
    assert_eq!(verification.events_checked, before + 1);
}

#[tokio::test]
async fn tampering_is_detected_online_and_offline() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let ok = app.get("/api/v1/audit-events/verify", &qm).await;
    assert_eq!(ok.body["valid"], true, "{:?}", ok.body);
    let checked = ok.body["events_checked"].as_i64().unwrap_or(0);
    assert!(checked > 5);

    let cli = |app: &TestApp| {
        std::process::Command::new(env!("CARGO_BIN_EXE_calab"))
            .args(["audit", "verify"])
            .env("CALAB_DATABASE_URL", &app.config.database_url)
            .output()
            .expect("run calab")
    };
    assert!(cli(&app).status.success());

    // The database refuses the change itself...
    let mut conn = app.conn();
    assert!(conn
        .batch_execute("UPDATE audit_events SET reason = 'edited' WHERE seq = 3")
        .is_err());
    // ...and when someone with full access gets round that, verification finds the row.
    let bypass = match &*conn {
        DbConn::Sqlite(_) => "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET reason = 'edited' WHERE seq = 3",
        DbConn::Pg(_) => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change; UPDATE audit_events SET reason = 'edited' WHERE seq = 3",
    };
    conn.batch_execute(bypass).expect("tamper");
    let broken = app.get("/api/v1/audit-events/verify", &qm).await;
    assert_eq!(broken.body["valid"], false);
    assert_eq!(broken.body["first_broken"], 3);
    assert_eq!(broken.body["events_checked"], 2);
    let offline = cli(&app);
    assert_eq!(offline.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&offline.stdout).contains("\"first_broken\": 3"));
}

/// A database whose append-only triggers were dropped may have been edited behind the service's
/// back: the service refuses to start on it, naming the trigger.
#[tokio::test]
async fn the_service_refuses_to_start_without_its_append_only_triggers() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    let config = app.config.clone();
    let intact = tokio::task::spawn_blocking(move || calab::startup::prepare(&config).err())
        .await
        .unwrap();
    assert!(intact.is_none(), "{intact:?}");
    let (drop, name) = if app.config.database_url.starts_with("postgres") {
        (
            "DROP TRIGGER audit_events_no_change ON audit_events",
            "audit_events_no_change",
        )
    } else {
        (
            "DROP TRIGGER audit_events_no_delete",
            "audit_events_no_delete",
        )
    };
    app.conn().batch_execute(drop).unwrap();
    let config = app.config.clone();
    let refused = tokio::task::spawn_blocking(move || {
        calab::startup::prepare(&config)
            .err()
            .map(|e| e.to_string())
    })
    .await
    .unwrap()
    .expect("refused to start");
    assert!(refused.contains(name), "{refused}");
}
