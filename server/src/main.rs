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

// Parsed once per process: the size of the analyst arguments does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Operator(OperatorCommand),
    #[command(flatten)]
    Analyst(AnalystCommand),
}

/// Commands that run Mixpilot: they read the configuration.
#[derive(Debug, Subcommand)]
enum OperatorCommand {
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

/// Commands that run the engine on files: no server, no configuration.
#[derive(Debug, Subcommand)]
enum AnalystCommand {
    /// Fit, report and forecast response-curve models from a CSV.
    #[command(subcommand)]
    Model(mixpilot_cli::ModelCommand),
    /// Find the allocation that best meets a goal under constraints.
    Optimize(mixpilot_cli::OptimizeArgs),
    /// Sweep the total budget and print the efficient frontier.
    Scenario(mixpilot_cli::ScenarioArgs),
    /// Print the Budget Health Index of the current allocation and the actions that close the gap.
    Health(mixpilot_cli::HealthArgs),
    /// Design a geo holdout test for a channel, and read it out as a lift test.
    #[command(subcommand)]
    Experiment(mixpilot_cli::ExperimentCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyst(command) => run_analyst(&command),
        Command::Operator(command) => run_operator(cli.config, command),
    }
}

fn run_analyst(command: &AnalystCommand) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let result = match command {
        AnalystCommand::Model(cmd) => mixpilot_cli::run_model(cmd, &mut out),
        AnalystCommand::Optimize(args) => mixpilot_cli::run_optimize(args, &mut out),
        AnalystCommand::Scenario(args) => mixpilot_cli::run_scenario(args, &mut out),
        AnalystCommand::Health(args) => mixpilot_cli::run_health(args, &mut out),
        AnalystCommand::Experiment(cmd) => mixpilot_cli::run_experiment(cmd, &mut out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code)
        }
    }
}

fn run_operator(config: Option<PathBuf>, command: OperatorCommand) -> ExitCode {
    let overrides = match &command {
        OperatorCommand::Serve {
            host,
            port,
            data_dir,
            ..
        } => Overrides {
            host: *host,
            port: *port,
            data_dir: data_dir.clone(),
        },
        OperatorCommand::Worker | OperatorCommand::Migrate { .. } => Overrides::default(),
    };
    let settings = match Settings::load(config.as_deref(), &overrides) {
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
        match command {
            OperatorCommand::Serve { demo, .. } => commands::serve(&settings, demo).await,
            OperatorCommand::Worker => commands::worker(&settings).await,
            OperatorCommand::Migrate { action } => {
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
