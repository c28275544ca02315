//! The analyst commands of the `mixpilot` binary: `model`, `optimize`, `scenario`, `health` and
//! `experiment`.
//!
//! This crate is the I/O shell around [`engine`]: it reads CSV and JSON files, calls the engine,
//! and prints tables or JSON. The `mixpilot` binary (in `server`) flattens [`AnalystCommand`]
//! into its own command line, so an analyst can use the engine without the web app, and the
//! commands can be built and tested without the web stack.

pub mod csvdata;
pub mod error;
pub mod experiment;
pub mod health;
pub mod model;
pub mod optimize;
pub mod scenario;

pub use error::CommandError;
pub use experiment::{ExperimentCommand, run_experiment};
pub use health::{HealthArgs, run_health};
pub use model::{ModelCommand, run_model};
pub use optimize::{Format, InputArgs, OptimizeArgs, run_optimize};
pub use scenario::{ScenarioArgs, run_scenario};
