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
