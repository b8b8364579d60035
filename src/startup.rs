//! Putting the service together: pool, migrations, first admin, keys, and the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};
use base64::Engine as _;
use rand::RngCore;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, AppState};
use crate::config::Config;
use crate::db::{self, Pool};
use crate::error::StartupError;
use crate::limits::{LoginThrottle, VerifyLimit};
use crate::services::auth::Tokens;
use crate::services::{bootstrap, Ctx};

/// Connects, migrates, and makes sure somebody can sign in. Runs once before serving.
pub fn prepare(config: &Config) -> Result<Pool, StartupError> {
    let pool = db::build_pool(&config.database_url, config.pool_size)?;
    let mut conn = connect(&pool, &config.database_url)?;
    let applied = db::run_migrations(&mut conn).map_err(StartupError::Migrations)?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    let missing = db::missing_guards(&mut conn).map_err(|e| StartupError::Setup {
        what: "checking the append-only triggers",
        source: e.into(),
    })?;
    if !missing.is_empty() {
        return Err(StartupError::GuardsMissing(missing.join(", ")));
    }
    let generated = bootstrap::ensure_admin(
        &mut conn,
        &Ctx::system(config.clock),
        &config.admin_email,
        config.admin_password.as_deref(),
    )
    .map_err(|source| StartupError::Setup {
        what: "creating the first admin",
        source,
    })?;
    if let Some(password) = generated {
        tracing::warn!(
            email = %config.admin_email,
            %password,
            "first admin created with a random password: it is shown only this once; change it after signing in"
        );
    }
    Ok(pool)
}

/// A connection from the pool, or why there is none.
pub fn connect(pool: &Pool, url: &str) -> Result<db::PooledConn, StartupError> {
    pool.get().map_err(|source| StartupError::Connect {
        url: redact(url),
        source,
    })
}

/// Hides a password in a database URL before it is logged.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The token signing key: from configuration, else kept in the data directory so a restart does
/// not sign everybody out.
pub fn signing_key(config: &Config) -> Result<Vec<u8>, StartupError> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    let path = config.data_dir.join("jwt-secret");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|source| StartupError::KeyDamaged { path, source });
    }
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    db::create_private_dir(&config.data_dir)?;
    write_private(
        &path,
        base64::engine::general_purpose::STANDARD
            .encode(key)
            .as_bytes(),
    )
    .map_err(|source| StartupError::KeyWrite {
        path: path.clone(),
        source,
    })?;
    tracing::info!(path = %path.display(), "generated a token signing key");
    Ok(key.to_vec())
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

pub fn state(config: &Config, pool: Pool) -> Result<AppState, StartupError> {
    let tokens = Tokens::new(
        &signing_key(config)?,
        &config.public_url,
        config.access_token_ttl,
        config.refresh_token_ttl,
    );
    tokens.self_test().map_err(StartupError::TokenSelfTest)?;
    Ok(AppState {
        pool,
        tokens,
        throttle: LoginThrottle::new(
            config.login_lockout,
            config.login_max_failures,
            config.login_max_failures_per_address,
        ),
        body_limit: config.body_limit,
        verify_limit: VerifyLimit::per_minute(config.verify_requests_per_minute),
        clock: config.clock,
        public_url: config.public_url.clone(),
        raise_to_cmc: config.raise_to_cmc,
        demo: config.demo,
        session_idle: config.session_idle,
        session_absolute: config.session_absolute,
        language: config.language,
    })
}

/// Starts serving on an already bound listener (tests bind port 0). On SIGTERM or SIGINT the
/// server stops accepting at once, lets requests in flight finish for up to `shutdown` (each
/// write commits or rolls back as a whole), then exits.
pub fn serve(
    listener: TcpListener,
    state: AppState,
    workers: usize,
    shutdown: std::time::Duration,
) -> std::io::Result<Server> {
    let state = web::Data::new(state);
    let openapi = api::docs::openapi();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(middleware::from_fn(crate::ui::error_pages))
            .wrap(middleware::from_fn(crate::ui::security_headers))
            .wrap(middleware::from_fn(crate::telemetry::request_id))
            .wrap(middleware::Compress::default())
            .configure(api::configure)
            .configure(crate::ui::configure)
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", openapi.clone()))
            .default_service(web::to(api::problem::not_found))
    })
    .shutdown_timeout(shutdown.as_secs())
    .listen(listener)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.run())
}
