//! The `calab` command: serve the API, run migrations, create users, verify the audit trail.

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use calab::config::Config;
use calab::demo;
use calab::domain::Role;
use calab::error::{AppError, StartupError};
use calab::services::certificates::IssueSettings;
use calab::services::{self, Ctx};
use calab::{db, startup, telemetry};

#[derive(Parser)]
#[command(
    name = "calab",
    version,
    about = "Laboratory system for ISO/IEC 17025 calibration, verification and testing labs",
    after_help = "Settings come from CALAB_* environment variables and an optional TOML file; see README.md."
)]
struct Cli {
    /// A TOML file with settings (environment variables override it).
    #[arg(long, global = true, env = "CALAB_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the HTTP API and the web pages (migrations run first).
    Serve {
        /// Address and port to listen on, e.g. 0.0.0.0:8080 (overrides CALAB_BIND).
        #[arg(long)]
        bind: Option<String>,
        /// Fill an empty database with a demo laboratory and print its accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Applies pending database migrations and exits.
    Migrate,
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Audit trail tasks.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Writes a consistent copy of the database while the service runs (SQLite: a database file;
    /// PostgreSQL: a pg_dump archive).
    Backup {
        /// The new file to write.
        file: PathBuf,
    },
    /// Replaces the database with a backup (stop the service first), applies the migrations and
    /// verifies the audit trail; exits 1 if the restored trail is broken.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace an existing SQLite database file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Creates a user. The password is read from CALAB_NEW_USER_PASSWORD or, if unset, from stdin.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, quality_manager, signatory, technician or customer.
        #[arg(long)]
        role: Role,
        /// The customer organisation of a customer user.
        #[arg(long)]
        customer_id: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recomputes the audit trail's hash chain; exits 1 if it is broken.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("calab: {}", calab::error::with_sources(&error));
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.json_logs);
    let result = match cli.command {
        Command::Serve { bind, demo } => {
            if let Some(bind) = bind {
                if !std::env::vars().any(|(k, _)| k == "CALAB_PUBLIC_URL") {
                    config.public_url = format!("http://{bind}");
                }
                config.bind = bind;
            }
            serve(config, demo)
        }
        Command::Migrate => migrate(&config),
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    email,
                    name,
                    role,
                    customer_id,
                },
        } => create_user(&config, email, name, role, customer_id),
        Command::Audit {
            command: AuditCommand::Verify,
        } => verify(&config),
        Command::Backup { file } => db::build_pool(&config.database_url, 1)
            .and_then(|pool| calab::backup::backup(&pool, &config.database_url, &file))
            .map(|()| {
                println!("backup written to {}", file.display());
                ExitCode::SUCCESS
            }),
        Command::Restore { file, force } => {
            calab::backup::restore(&config.database_url, &file, force)
                .and_then(|()| migrate(&config))
                .and_then(|_| verify(&config))
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("calab: {}", calab::error::with_sources(&error));
            ExitCode::FAILURE
        }
    }
}

fn serve(mut config: Config, demo: bool) -> Result<ExitCode, StartupError> {
    if demo && config.admin_password.is_none() && std::env::var("CALAB_ADMIN_EMAIL").is_err() {
        config.admin_email = demo::DEMO_ADMIN_EMAIL.into();
        config.admin_password = Some(demo::DEMO_PASSWORD.into());
    }
    config.demo = demo;
    if config.public_url_is_local() {
        tracing::warn!(
            public_url = %config.public_url,
            "the public URL only reaches this machine: certificates print it in their verification \
             link and QR code, so set CALAB_PUBLIC_URL to the address customers use{}",
            if demo { "" } else { "; certificates are refused until then" }
        );
    }
    let pool = startup::prepare(&config)?;
    if demo {
        let mut conn = startup::connect(&pool, &config.database_url)?;
        let accounts = demo::seed_demo(
            &mut conn,
            &Ctx::system(config.clock),
            &IssueSettings {
                public_url: config.public_url.clone(),
                demo: true,
            },
        )
        .map_err(|source| StartupError::Setup {
            what: "adding the demo data",
            source,
        })?;
        if accounts.is_empty() {
            println!("Demo data not added: the database already holds data (demo data goes only into a new database).");
        } else {
            println!(
                "Demo laboratory ready. Every account's password is {}",
                demo::DEMO_PASSWORD
            );
            for a in &accounts {
                println!("  {:<16} {:<30} {}", a.role.as_str(), a.email, a.name);
            }
            println!(
                "Open {}/login in a browser and sign in with one of these accounts \
                 (a customer account shows the customer portal).",
                config.public_url
            );
        }
    }
    let state = startup::state(&config, pool)?;
    let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Listen {
        bind: config.bind.clone(),
        source,
    })?;
    tracing::info!(bind = %config.bind, database = %startup::redact(&config.database_url), "calab listening");
    println!(
        "calab listening on http://{}  (web interface: {}/, API docs: {}/api/docs/)",
        config.bind, config.public_url, config.public_url
    );
    let system = actix_web::rt::System::new();
    system
        .block_on(async {
            startup::serve(listener, state, config.workers, config.shutdown_timeout)?.await
        })
        .map_err(StartupError::Server)?;
    Ok(ExitCode::SUCCESS)
}

fn migrate(config: &Config) -> Result<ExitCode, StartupError> {
    let pool = db::build_pool(&config.database_url, 1)?;
    let mut conn = startup::connect(&pool, &config.database_url)?;
    let applied = db::run_migrations(&mut conn).map_err(StartupError::Migrations)?;
    println!("{} migration(s) applied", applied.len());
    Ok(ExitCode::SUCCESS)
}

fn create_user(
    config: &Config,
    email: String,
    name: String,
    role: Role,
    customer_id: Option<String>,
) -> Result<ExitCode, StartupError> {
    let password = match std::env::var("CALAB_NEW_USER_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut p = String::new();
            std::io::stdin().read_to_string(&mut p).map_err(|e| {
                StartupError::Usage(format!("cannot read the password from stdin: {e}"))
            })?;
            p.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let customer_id = customer_id
        .map(|c| {
            c.parse().map_err(|_| {
                StartupError::Usage(format!("--customer-id {c:?} is not a customer id"))
            })
        })
        .transpose()?;
    let pool = startup::prepare(config)?;
    let mut conn = startup::connect(&pool, &config.database_url)?;
    let input = services::users::CreateUser {
        email,
        name,
        role,
        password,
        customer_id,
    };
    let user = services::users::create(&mut conn, &Ctx::system(config.clock), input).map_err(
        |e| match e {
            AppError::Validation(errors) => StartupError::Usage(
                errors
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            source => StartupError::Setup {
                what: "creating the user",
                source,
            },
        },
    )?;
    println!(
        "created {} {} ({})",
        user.user.role, user.user.email, user.user.id
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(config: &Config) -> Result<ExitCode, StartupError> {
    let pool = db::build_pool(&config.database_url, 1)?;
    let mut conn = startup::connect(&pool, &config.database_url)?;
    let result =
        services::audit_trail::verify(&mut conn).map_err(|source| StartupError::Setup {
            what: "verifying the audit trail",
            source,
        })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&result).map_err(|e| StartupError::Setup {
            what: "printing the result",
            source: AppError::internal(e),
        })?
    );
    Ok(if result.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
