use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn login_answers_a_token_pair_and_the_token_works() {
    let app = spawn_app().await;
    let reply = app.login_reply(TECH, calab::demo::DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    let expires_in = reply.body["expires_in"].as_u64().unwrap_or(0);
    assert!(expires_in > 0 && expires_in <= 900, "{expires_in}");
    assert!(reply.body["refresh_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 43));
    let token = reply.body["access_token"].as_str().unwrap_or_default();
    let me = app.get("/api/v1/me", token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], TECH);
    assert_eq!(me.body["role"], "technician");
}

#[tokio::test]
async fn wrong_password_and_unknown_account_are_the_same_401() {
    let app = spawn_app().await;
    for (email, password) in [
        (TECH, "not-the-password"),
        ("nobody@example.com", "whatever-password"),
    ] {
        let reply = app.login_reply(email, password).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.headers["content-type"], "application/problem+json");
        assert_eq!(reply.body["detail"], "wrong e-mail or password");
    }
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_account_and_per_address() {
    let app = spawn_app_with(&[
        ("CALAB_LOGIN_MAX_FAILURES", "3"),
        ("CALAB_LOGIN_MAX_FAILURES_PER_ADDRESS", "5"),
    ])
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.login_reply(TECH, "wrong-password-1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked: even the right password waits.
    let locked = app.login_reply(TECH, calab::demo::DEMO_PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers.contains_key("retry-after"));
    // Another account from the same address still works until the address limit.
    assert_eq!(
        app.login_reply(QM, calab::demo::DEMO_PASSWORD).await.status,
        StatusCode::OK
    );
    for _ in 0..2 {
        assert_eq!(
            app.login_reply(SIGNATORY, "wrong-password-2").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.login_reply(ADMIN, calab::demo::DEMO_PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn refresh(app: &TestApp, token: &str) -> Reply {
    app.send(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({ "refresh_token": token })),
        &[],
    )
    .await
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.login_reply(TECH, calab::demo::DEMO_PASSWORD).await;
    let r1 = first.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let second = refresh(&app, &r1).await;
    assert_eq!(second.status, StatusCode::OK);
    let r2 = second.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(r1, r2);
    assert_eq!(
        app.get(
            "/api/v1/me",
            second.body["access_token"].as_str().unwrap_or_default()
        )
        .await
        .status,
        StatusCode::OK
    );

    // Replaying the spent token is refused and revokes the whole family, the new token included,
    // and the access tokens of that session stop working at once.
    assert_eq!(refresh(&app, &r1).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh(&app, &r2).await.status, StatusCode::UNAUTHORIZED);
    for pair in [&first, &second] {
        let access = pair.body["access_token"].as_str().unwrap_or_default();
        assert_eq!(
            app.get("/api/v1/me", access).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Another session of the same user is unaffected.
    let other = app.login_reply(TECH, calab::demo::DEMO_PASSWORD).await;
    let r3 = other.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(refresh(&app, &r3).await.status, StatusCode::OK);
    assert_eq!(
        refresh(&app, "made-up-token").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let login = app.login_reply(TECH, calab::demo::DEMO_PASSWORD).await;
    let r = login.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let access = login.body["access_token"].as_str().unwrap_or_default();
    let other = app.token(TECH).await;
    assert_eq!(app.get("/api/v1/me", access).await.status, StatusCode::OK);
    let out = app
        .send(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Some(json!({ "refresh_token": r })),
            &[],
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(refresh(&app, &r).await.status, StatusCode::UNAUTHORIZED);
    // The access token ends with its session; another session of the same user goes on.
    assert_eq!(
        app.get("/api/v1/me", access).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api/v1/me", &other).await.status, StatusCode::OK);
}

#[tokio::test]
async fn password_change_checks_the_old_one_and_ends_sessions() {
    let app = spawn_app().await;
    let login = app.login_reply(TECH, calab::demo::DEMO_PASSWORD).await;
    let token = login.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = login.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let wrong = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({"current_password": "nope-nope-nope", "new_password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.fields(), ["current_password"]);
    let short = app
        .post(
            "/api/v1/auth/password",
            &token,
            json!({"current_password": calab::demo::DEMO_PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(short.fields(), ["new_password"]);
    let ok = app.post("/api/v1/auth/password", &token, json!({"current_password": calab::demo::DEMO_PASSWORD, "new_password": "a-brand-new-password"})).await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT);
    assert_eq!(refresh(&app, &r).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED,
        "every session ends, the access token's too"
    );
    assert_eq!(
        app.login_reply(TECH, calab::demo::DEMO_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_reply(TECH, "a-brand-new-password").await.status,
        StatusCode::OK
    );
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn bad_tokens_are_rejected() {
    let app = spawn_app().await;
    // A technician's genuine token: the tampered copy below claims a role it does not hold.
    let good = app.token(TECH).await;
    let claims: serde_json::Value = {
        let payload = good.split('.').nth(1).unwrap_or_default();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap_or_default(),
        )
        .unwrap_or_default()
    };
    let secret = b"test-secret-test-secret-test-secret-0123";
    let sign = |alg: jsonwebtoken::Algorithm, claims: &serde_json::Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(alg),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap_or_default()
    };
    let now = chrono::Utc::now().timestamp();
    let mut expired = claims.clone();
    expired["iat"] = json!(now - 3600);
    expired["exp"] = json!(now - 1800);
    // Correctly signed, but living an hour where the service issues tokens for 15 minutes.
    let mut too_long = claims.clone();
    too_long["iat"] = json!(now);
    too_long["exp"] = json!(now + 3600);
    let mut other_audience = claims.clone();
    other_audience["aud"] = json!("someone-else");
    let mut other_issuer = claims.clone();
    other_issuer["iss"] = json!("https://evil.example");
    assert_eq!(claims["role"], "technician", "{claims}");
    let mut escalated = claims.clone();
    escalated["role"] = json!("admin");
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(escalated.to_string().as_bytes()),
        parts[2]
    );
    let alg_none = format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    let cases = [
        ("expired", sign(jsonwebtoken::Algorithm::HS256, &expired)),
        (
            "longer than the configured lifetime",
            sign(jsonwebtoken::Algorithm::HS256, &too_long),
        ),
        (
            "wrong algorithm",
            sign(jsonwebtoken::Algorithm::HS512, &claims),
        ),
        (
            "wrong audience",
            sign(jsonwebtoken::Algorithm::HS256, &other_audience),
        ),
        (
            "wrong issuer",
            sign(jsonwebtoken::Algorithm::HS256, &other_issuer),
        ),
        ("tampered payload", tampered),
        ("alg none", alg_none),
        ("garbage", "not.a.token".to_string()),
    ];
    assert_eq!(app.get("/api/v1/me", &good).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/users", &good).await.status,
        StatusCode::FORBIDDEN
    );
    for (what, token) in cases {
        let reply = app.get("/api/v1/users", &token).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(reply.headers["www-authenticate"], "Bearer", "{what}");
    }
    let basic = app
        .send(
            Method::GET,
            "/api/v1/me",
            None,
            None,
            &[("authorization", "Basic YTpi")],
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}
