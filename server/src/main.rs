//! `mixpilot`: the server, the workers, migrations, and the analyst commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use server::commands::{self, MigrateAction};
use server::config::{Overrides, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "mixpilot",
    version,
    about = "Budget allocation for marketing teams and agencies"
)]
struct Cli {
    /// A TOML config file; `MIXPILOT_*` variables override it.
    #[arg(long, global = true, env = "MIXPILOT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web app and API. With no configuration: SQLite and the workers in this process.
    Serve {
        /// Seed a demo workspace.
        #[arg(long)]
        demo: bool,
        /// Address to listen on (MIXPILOT_HOST).
        #[arg(long)]
        host: Option<std::net::IpAddr>,
        /// Port to listen on, 0 for any free one (MIXPILOT_PORT).
        #[arg(long)]
        port: Option<u16>,
        /// Data directory of the embedded default (MIXPILOT_DATA_DIR).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Run the background workers alone, against the configured database and queue.
    Worker,
    /// Apply database migrations, or list them.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = match &cli.command {
        Command::Serve {
            host,
            port,
            data_dir,
            ..
        } => Overrides {
            host: *host,
            port: *port,
            data_dir: data_dir.clone(),
        },
        _ => Overrides::default(),
    };
    let settings = match Settings::load(cli.config.as_deref(), &overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init_tracing(settings.log_format, &settings.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { demo, .. } => commands::serve(&settings, demo).await,
            Command::Worker => commands::worker(&settings).await,
            Command::Migrate { action } => {
                commands::migrate(&settings, action.unwrap_or(MigrateAction::Up)).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
