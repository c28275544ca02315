//! `health`: the Budget Health Index of the current allocation, and what to change.

use std::io::Write;

use clap::Args;
use engine::health::{Band, HealthBands, HealthReport, health_index};
use engine::optimize::OptimizeOptions;

use crate::optimize::{CommandError, Format, InputArgs, PlanView, io_error, write_json};

/// `health`: score today's allocation against the optimum under the same budget.
#[derive(Debug, Clone, Args)]
pub struct HealthArgs {
    /// Inputs (every item needs a current spend, from the curves file or --current).
    #[command(flatten)]
    pub input: InputArgs,
    /// Green at or above this score.
    #[arg(long, default_value_t = 95.0)]
    pub green: f64,
    /// Yellow at or above this score; red below.
    #[arg(long, default_value_t = 85.0)]
    pub yellow: f64,
    /// How many actions to list.
    #[arg(long, default_value_t = 5)]
    pub actions: usize,
}

#[derive(serde::Serialize)]
struct HealthView<'a> {
    score: f64,
    band: Band,
    current_value: f64,
    optimal_value: f64,
    current_feasible: bool,
    actions: &'a [engine::health::HealthAction],
    plan: PlanView,
}

/// Runs `health`, printing to `out`.
///
/// # Errors
///
/// A [`CommandError`] with exit status 2 for bad input or infeasible constraints.
pub fn run_health(args: &HealthArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    // The budget is replaced by today's total inside the engine.
    let problem = args.input.problem(0)?;
    let bands = HealthBands {
        green: args.green,
        yellow: args.yellow,
    };
    let report = health_index(&problem, &OptimizeOptions::default(), bands, args.actions)?;
    match args.input.format {
        Format::Json => {
            let view = HealthView {
                score: report.score,
                band: report.band,
                current_value: report.current_value,
                optimal_value: report.optimal_value,
                current_feasible: report.current_feasible,
                actions: &report.actions,
                plan: PlanView::new(&problem, &report.plan),
            };
            write_json(out, &view)
        }
        Format::Table => print_report(out, &report).map_err(io_error),
    }
}

fn print_report(out: &mut dyn Write, r: &HealthReport) -> std::io::Result<()> {
    let band = match r.band {
        Band::Green => "green",
        Band::Yellow => "yellow",
        Band::Red => "red",
    };
    writeln!(out, "Budget Health Index: {:.1} ({band})", r.score)?;
    writeln!(
        out,
        "current expected {:.2} vs best {:.2} under the same budget and constraints{}",
        r.current_value,
        r.optimal_value,
        if r.current_feasible {
            ""
        } else {
            " (the current allocation does not meet the constraints)"
        }
    )?;
    if r.actions.is_empty() {
        writeln!(out, "no changes recommended")?;
    }
    for (k, a) in r.actions.iter().enumerate() {
        writeln!(out, "{}. {}", k + 1, a.description)?;
    }
    Ok(())
}
