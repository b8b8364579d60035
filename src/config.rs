//! Configuration: built-in defaults, overridden by an optional TOML file, overridden by `CALAB_*`
//! environment variables. Checked at start; every problem is reported at once with how to fix it.

use crate::error::StartupError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::db::Backend;

/// Each setting: its key in the TOML file, its default and what it means (for `--help` and README).
pub const SETTINGS: &[(&str, &str, &str)] = &[
    (
        "database_url",
        "sqlite://data/calab.db",
        "sqlite://FILE or postgres://USER@HOST/DB",
    ),
    ("bind", "127.0.0.1:8080", "address and port to listen on"),
    (
        "public_url",
        "http://127.0.0.1:8080",
        "the URL clients reach the service at (token issuer, links)",
    ),
    (
        "data_dir",
        "data",
        "where the generated token key and other files are kept",
    ),
    (
        "jwt_secret",
        "",
        "access-token signing key, at least 32 bytes; generated into data_dir when empty",
    ),
    (
        "admin_email",
        "admin@calab.local",
        "e-mail of the admin created on first start",
    ),
    (
        "admin_password",
        "",
        "password of that admin; a random one is logged once when empty",
    ),
    ("pool_size", "8", "database connections"),
    ("workers", "0", "HTTP worker threads; 0 = one per core"),
    (
        "shutdown_seconds",
        "30",
        "on SIGTERM or SIGINT: stop accepting, and wait this long for requests in flight",
    ),
    (
        "access_token_minutes",
        "15",
        "access token lifetime, 1 to 15 minutes",
    ),
    ("refresh_token_days", "30", "refresh token lifetime in days"),
    (
        "session_idle_minutes",
        "30",
        "a browser session ends after this long without a request",
    ),
    (
        "session_hours",
        "12",
        "a browser session ends this long after sign-in, however busy",
    ),
    (
        "language",
        "vi",
        "the web interface's language when the browser asks for neither: vi or en",
    ),
    (
        "body_limit_bytes",
        "1048576",
        "largest request body accepted",
    ),
    (
        "login_max_failures",
        "5",
        "failed sign-ins per account before 429",
    ),
    (
        "login_max_failures_per_address",
        "20",
        "failed sign-ins per client address before 429",
    ),
    (
        "login_lockout_minutes",
        "15",
        "how long failures count and the lock lasts",
    ),
    (
        "verify_requests_per_minute",
        "60",
        "public certificate verifications per client address per minute before 429",
    ),
    ("log_format", "text", "text or json"),
    (
        "utc_offset",
        "+07:00",
        "the lab's offset from UTC for times printed on documents",
    ),
    (
        "cmc_policy",
        "refuse",
        "a computed U below the CMC: refuse the point, or raise U to the CMC and say so",
    ),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub backend: Backend,
    pub bind: String,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub jwt_secret: Option<Vec<u8>>,
    pub admin_email: String,
    pub admin_password: Option<String>,
    pub pool_size: u32,
    pub workers: usize,
    pub shutdown_timeout: Duration,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub body_limit: usize,
    pub login_max_failures: u32,
    pub login_max_failures_per_address: u32,
    pub login_lockout: Duration,
    pub verify_requests_per_minute: u32,
    pub json_logs: bool,
    /// The service's clock, in the lab's time zone (`CALAB_UTC_OFFSET`).
    pub clock: crate::clock::Clock,
    /// Raise an expanded uncertainty below the CMC to the CMC instead of refusing the point.
    pub raise_to_cmc: bool,
    /// Serving the demo lab (`serve --demo`): certificates may carry a loopback public URL.
    pub demo: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub language: crate::ui::Lang,
}

impl Config {
    /// Whether the public URL names this machine only (`localhost`, `127.x`, `::1`, `0.0.0.0`):
    /// nobody else can open the verification links printed on certificates.
    pub fn public_url_is_local(&self) -> bool {
        is_loopback_url(&self.public_url)
    }
}

/// Whether a URL's host is this machine only.
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    let host = host.to_ascii_lowercase();
    host.is_empty()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

fn env_name(key: &str) -> String {
    format!("CALAB_{}", key.to_uppercase())
}

struct Values {
    map: BTreeMap<String, String>,
    errors: Vec<String>,
}

impl Values {
    fn text(&self, key: &str) -> String {
        self.map.get(key).cloned().unwrap_or_default()
    }

    fn optional(&self, key: &str) -> Option<String> {
        Some(self.text(key)).filter(|v| !v.is_empty())
    }

    fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
        &mut self,
        key: &str,
        min: T,
        max: T,
    ) -> T {
        let raw = self.text(key);
        match raw.parse::<T>() {
            Ok(v) if v >= min && v <= max => v,
            _ => {
                self.errors.push(format!(
                    "{} (or `{key}` in the config file) must be a whole number from {min} to {max}, not {raw:?}",
                    env_name(key)
                ));
                min
            }
        }
    }
}

impl Config {
    /// Reads the file (if any) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, StartupError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        Self::from_sources(file, &env)
    }

    pub fn from_sources(
        file: Option<&Path>,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, StartupError> {
        let mut values = Values {
            map: SETTINGS
                .iter()
                .map(|(k, d, _)| (k.to_string(), d.to_string()))
                .collect(),
            errors: Vec::new(),
        };
        let mut explicit = BTreeMap::new();
        if let Some(path) = file {
            match read_file(path) {
                Ok(entries) => explicit.extend(entries),
                Err(e) => values.errors.push(e),
            }
        }
        for (key, _, _) in SETTINGS {
            if let Some(v) = env.get(&env_name(key)) {
                explicit.insert(key.to_string(), v.clone());
            }
        }
        // The public URL follows the bind address unless it was set.
        if !explicit.contains_key("public_url") {
            let bind = explicit
                .get("bind")
                .cloned()
                .unwrap_or_else(|| values.text("bind"));
            values
                .map
                .insert("public_url".into(), format!("http://{bind}"));
        }
        values.map.extend(explicit);
        Self::check(values).map_err(StartupError::Config)
    }

    fn check(mut v: Values) -> Result<Config, Vec<String>> {
        let database_url = v.text("database_url");
        let backend = Backend::from_url(&database_url).unwrap_or_else(|e| {
            v.errors.push(format!("CALAB_DATABASE_URL: {e}"));
            Backend::Sqlite
        });
        let bind = v.text("bind");
        if bind.parse::<std::net::SocketAddr>().is_err() && !bind.contains(':') {
            v.errors.push(format!(
                "CALAB_BIND must be HOST:PORT such as 127.0.0.1:8080, not {bind:?}"
            ));
        }
        let jwt_secret = v.optional("jwt_secret").map(String::into_bytes);
        if jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            v.errors.push(
                "CALAB_JWT_SECRET must be at least 32 bytes; leave it empty to generate one".into(),
            );
        }
        let admin_email = v.text("admin_email");
        if !admin_email.contains('@') {
            v.errors.push(format!(
                "CALAB_ADMIN_EMAIL must be an e-mail address, not {admin_email:?}"
            ));
        }
        let admin_password = v.optional("admin_password");
        if let Some(Err(e)) = admin_password
            .as_deref()
            .map(|p| crate::services::auth::check_password_policy("admin_password", p))
        {
            v.errors.push(format!("CALAB_ADMIN_PASSWORD {}", e.message));
        }
        let log_format = v.text("log_format");
        if log_format != "text" && log_format != "json" {
            v.errors.push(format!(
                "CALAB_LOG_FORMAT must be text or json, not {log_format:?}"
            ));
        }
        let offset_text = v.text("utc_offset");
        let utc_offset = offset_text
            .parse::<chrono::FixedOffset>()
            .unwrap_or_else(|_| {
                v.errors.push(format!(
                    "CALAB_UTC_OFFSET must look like +07:00 or -05:30, not {offset_text:?}"
                ));
                chrono::Offset::fix(&chrono::Utc)
            });
        let cmc_policy = v.text("cmc_policy");
        if cmc_policy != "refuse" && cmc_policy != "raise" {
            v.errors.push(format!(
                "CALAB_CMC_POLICY must be refuse or raise, not {cmc_policy:?}"
            ));
        }
        let language_text = v.text("language");
        let language = match language_text.as_str() {
            "vi" => crate::ui::Lang::Vi,
            "en" => crate::ui::Lang::En,
            _ => {
                v.errors.push(format!(
                    "CALAB_LANGUAGE must be vi or en, not {language_text:?}"
                ));
                crate::ui::Lang::Vi
            }
        };
        let config = Config {
            backend,
            bind,
            public_url: v.text("public_url").trim_end_matches('/').to_string(),
            data_dir: PathBuf::from(v.text("data_dir")),
            jwt_secret,
            admin_email,
            admin_password,
            pool_size: v.number("pool_size", 1, 200),
            workers: v.number("workers", 0, 256),
            shutdown_timeout: Duration::from_secs(v.number::<u64>("shutdown_seconds", 1, 600)),
            access_token_ttl: Duration::from_secs(
                60 * v.number::<u64>("access_token_minutes", 1, 15),
            ),
            refresh_token_ttl: Duration::from_secs(
                86_400 * v.number::<u64>("refresh_token_days", 1, 365),
            ),
            body_limit: v.number("body_limit_bytes", 1024, 256 << 20),
            login_max_failures: v.number("login_max_failures", 1, 1000),
            login_max_failures_per_address: v.number("login_max_failures_per_address", 1, 100_000),
            verify_requests_per_minute: v.number("verify_requests_per_minute", 1, 1_000_000),
            login_lockout: Duration::from_secs(
                60 * v.number::<u64>("login_lockout_minutes", 1, 1440),
            ),
            json_logs: log_format == "json",
            clock: crate::clock::Clock::system(utc_offset),
            raise_to_cmc: cmc_policy == "raise",
            demo: false,
            session_idle: Duration::from_secs(
                60 * v.number::<u64>("session_idle_minutes", 1, 1440),
            ),
            session_absolute: Duration::from_secs(3600 * v.number::<u64>("session_hours", 1, 720)),
            language,
            database_url,
        };
        if v.errors.is_empty() {
            Ok(config)
        } else {
            Err(v.errors)
        }
    }
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("the config file {} is not valid TOML: {e}", path.display()))?;
    let mut entries = BTreeMap::new();
    for (key, value) in table {
        if !SETTINGS.iter().any(|(k, _, _)| *k == key) {
            return Err(format!(
                "unknown setting `{key}` in {}; known: {}",
                path.display(),
                SETTINGS
                    .iter()
                    .map(|(k, _, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            other => {
                return Err(format!(
                    "`{key}` in {} must be a string or a number, not {other}",
                    path.display()
                ))
            }
        };
        entries.insert(key, text);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn loopback_public_urls() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:8080/",
            "https://LOCALHOST",
            "http://app.localhost",
            "http://[::1]:8080",
            "http://0.0.0.0:8080",
            "http://user@127.0.0.1/x",
            "",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://calab.example.vn",
            "http://192.168.1.10:8080",
            "https://[2001:db8::1]/",
            "https://localhost.example.vn",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn defaults_are_valid() {
        let config = Config::from_sources(None, &env(&[])).map_err(|e| e.to_string());
        let config = config
            .as_ref()
            .map(|c| (c.backend, c.bind.as_str(), c.public_url.as_str()));
        assert_eq!(
            config,
            Ok((Backend::Sqlite, "127.0.0.1:8080", "http://127.0.0.1:8080"))
        );
    }

    #[test]
    fn reports_every_problem_with_its_variable() {
        let errors = Config::from_sources(
            None,
            &env(&[
                ("CALAB_DATABASE_URL", "mysql://x"),
                ("CALAB_POOL_SIZE", "lots"),
                ("CALAB_JWT_SECRET", "short"),
            ]),
        )
        .err();
        let Some(StartupError::Config(errors)) = errors else {
            panic!("expected configuration errors, got {errors:?}");
        };
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("CALAB_DATABASE_URL"));
        assert!(errors.iter().any(|e| e.contains("CALAB_POOL_SIZE")));
        assert!(errors.iter().any(|e| e.contains("CALAB_JWT_SECRET")));
    }
}
