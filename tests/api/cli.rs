//! The command line: creating a user offline, refusing a bad configuration.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::*;

fn calab(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_calab"));
    command
        .env("CALAB_DATABASE_URL", &app.config.database_url)
        .env("CALAB_DATA_DIR", &app.config.data_dir)
        .env_remove("CALAB_ADMIN_PASSWORD");
    command
}

#[tokio::test]
async fn admin_create_user_reads_the_password_from_stdin() {
    let app = spawn_empty_app().await;
    let mut child = calab(&app)
        .args([
            "admin",
            "create-user",
            "--email",
            "cli@lab.vn",
            "--name",
            "Trần Thị Mai",
            "--role",
            "quality_manager",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"from-the-command-line\n")
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        app.login_reply("cli@lab.vn", "from-the-command-line")
            .await
            .status,
        StatusCode::OK
    );

    let weak = calab(&app)
        .args([
            "admin",
            "create-user",
            "--email",
            "weak@lab.vn",
            "--name",
            "W",
            "--role",
            "technician",
        ])
        .env("CALAB_NEW_USER_PASSWORD", "short")
        .output()
        .expect("run");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
}

#[test]
fn a_bad_configuration_is_refused_with_reasons() {
    let output = Command::new(env!("CARGO_BIN_EXE_calab"))
        .args(["migrate"])
        .env("CALAB_DATABASE_URL", "mysql://localhost/calab")
        .env("CALAB_POOL_SIZE", "0")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("CALAB_DATABASE_URL") && stderr.contains("CALAB_POOL_SIZE"),
        "{stderr}"
    );
}

/// SIGTERM: the server stops accepting at once, finishes the request in flight, and exits cleanly;
/// the write that request made is there.
#[cfg(unix)]
#[tokio::test]
async fn a_stop_signal_finishes_the_request_in_flight() {
    use std::io::{Read, Write};
    let app = spawn_app().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let mut child = calab(&app)
        .args(["serve", "--bind", &address])
        .env("CALAB_PUBLIC_URL", "https://lab.example")
        .env("CALAB_SHUTDOWN_SECONDS", "10")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("calab serve");
    let base = format!("http://{address}");
    let mut up = false;
    for _ in 0..100 {
        if app
            .client
            .get(format!("{base}/health/live"))
            .send()
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the server started");
    let login = app
        .client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": QM, "password": calab::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let token: serde_json::Value = login.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let customer = app.customer_id_of(CUSTOMER_A).await;
    let pid = child.id().to_string();
    let outcome = tokio::task::spawn_blocking(move || {
        let body = serde_json::json!({"customer_id": customer, "complainant": "Ông Bình",
            "subject": "Sent across a stop", "description": "half before SIGTERM, half after"})
        .to_string();
        let (first, rest) = body.split_at(body.len() / 2);
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "POST /api/v1/complaints HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
            body.len()
        )
        .unwrap();
        stream.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        std::thread::sleep(std::time::Duration::from_millis(500));
        let refused = std::net::TcpStream::connect(&address).is_err();
        stream.write_all(rest.as_bytes()).unwrap();
        let mut reply = String::new();
        let _ = stream.read_to_string(&mut reply);
        (refused, reply)
    })
    .await
    .unwrap();
    let (refused, reply) = outcome;
    assert!(
        reply.starts_with("HTTP/1.1 201"),
        "the request in flight finished: {reply}"
    );
    assert!(refused, "no new connection once stopping");
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    assert!(
        exited.is_some_and(|s| s.success()),
        "a clean exit: {exited:?}"
    );
    let qm = app.token(QM).await;
    let listed = app.get("/api/v1/complaints?limit=100", &qm).await.listed();
    assert!(listed.iter().any(|c| c["subject"] == "Sent across a stop"));
}

/// The backup drill: a backup taken while complaints are being written restores into a new
/// database whose audit trail verifies and whose rows are a consistent moment of the original.
#[tokio::test]
async fn a_backup_under_write_load_restores_and_verifies() {
    let app = spawn_app().await;
    let qm = app.token(QM).await;
    let customer = app.customer_id_of(CUSTOMER_A).await;
    let count = |app: &TestApp| {
        use calab::db::schema::{audit_events, complaints};
        use diesel::prelude::*;
        let mut conn = app.conn();
        let c: i64 = complaints::table.count().get_result(&mut conn).unwrap();
        let a: i64 = audit_events::table.count().get_result(&mut conn).unwrap();
        (c, a)
    };
    let before = count(&app);
    // Writes keep coming while the backup runs.
    let writer = {
        let (client, url, qm, customer) = (
            app.client.clone(),
            app.url("/api/v1/complaints"),
            qm.clone(),
            customer.clone(),
        );
        tokio::spawn(async move {
            for n in 0..40 {
                let r = client
                    .post(&url)
                    .bearer_auth(&qm)
                    .json(&serde_json::json!({"customer_id": customer, "complainant": "Tải ghi",
                        "subject": format!("load {n}"), "description": "written during the backup"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let dir = std::env::temp_dir().join(format!("calab-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("calab.backup");
    let mut backup = calab(&app);
    backup.arg("backup").arg(&file);
    let out = tokio::task::spawn_blocking(move || backup.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.await.unwrap();
    let after = count(&app);

    // Restore into a database of its own.
    let (restored_url, pg_admin) = if app.config.database_url.starts_with("postgres") {
        let name = format!("calab_restore_{}", uuid::Uuid::new_v4().simple());
        let admin = app.config.database_url.clone();
        let mut conn = <diesel::PgConnection as diesel::Connection>::establish(&admin).unwrap();
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            &format!("CREATE DATABASE {name}"),
        )
        .unwrap();
        let base = admin.rsplit_once('/').unwrap().0.to_string();
        (format!("{base}/{name}"), Some((admin, name)))
    } else {
        (
            format!("sqlite://{}", dir.join("restored.db").display()),
            None,
        )
    };
    let mut restore = calab(&app);
    restore
        .env("CALAB_DATABASE_URL", &restored_url)
        .arg("restore")
        .arg(&file);
    let out = tokio::task::spawn_blocking(move || restore.output().unwrap())
        .await
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{printed}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("\"valid\": true"),
        "the restored trail verifies: {printed}"
    );
    let (complaints, events) = {
        use calab::db::schema::{audit_events, complaints};
        use diesel::prelude::*;
        let pool = calab::db::build_pool(&restored_url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let c: i64 = complaints::table.count().get_result(&mut conn).unwrap();
        let a: i64 = audit_events::table.count().get_result(&mut conn).unwrap();
        (c, a)
    };
    assert!(
        before.0 <= complaints && complaints <= after.0,
        "{before:?} ≤ {complaints} ≤ {after:?}"
    );
    assert!(before.1 <= events && events <= after.1);
    // A consistent moment: every complaint restored has its create event, and no more.
    assert!(events - before.1 >= complaints - before.0);
    if let Some((admin, name)) = pg_admin {
        let mut conn = <diesel::PgConnection as diesel::Connection>::establish(&admin).unwrap();
        let _ = diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
