//! `scenario`: the efficient frontier over a range of budgets.

use std::io::Write;

use clap::Args;
use engine::optimize::scenario::{FrontierPoint, FrontierResult, budget_range, budget_sweep};
use engine::optimize::{OptimizeOptions, major_from_cents};

use crate::optimize::files::parse_money;
use crate::optimize::{CommandError, Format, InputArgs, io_error, write_json};

/// `scenario`: sweep the total budget.
#[derive(Debug, Clone, Args)]
pub struct ScenarioArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Budgets to try, `FROM:TO:STEP` in major units (e.g. `10000:40000:5000`).
    #[arg(long, value_name = "FROM:TO:STEP")]
    pub budgets: String,
}

/// Parses `FROM:TO:STEP` into budgets in cents.
pub fn parse_budgets(s: &str) -> Result<Vec<i64>, CommandError> {
    let parts: Vec<&str> = s.split(':').collect();
    let [from, to, step] = parts.as_slice() else {
        return Err(CommandError::input(format!(
            "--budgets {s}: expected FROM:TO:STEP, e.g. 10000:40000:5000"
        )));
    };
    let from = parse_money("--budgets FROM", from)?;
    let to = parse_money("--budgets TO", to)?;
    let step = parse_money("--budgets STEP", step)?;
    Ok(budget_range(from, to, step)?)
}

/// Runs `scenario`, printing the frontier to `out`.
///
/// # Errors
///
/// A [`CommandError`] with exit status 2 for bad input.
pub fn run_scenario(args: &ScenarioArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let budgets = parse_budgets(&args.budgets)?;
    let first = budgets.first().copied().unwrap_or(0);
    let problem = args.input.problem(first)?;
    let frontier = budget_sweep(&problem, &budgets, &OptimizeOptions::default())?;
    match args.input.format {
        Format::Json => write_json(out, &frontier),
        Format::Table => print_frontier(out, &frontier).map_err(io_error),
    }
}

fn print_frontier(out: &mut dyn Write, points: &[FrontierPoint]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>14}  {:>14}  {:>16}  {:>10}  {:>10}  {:>9}",
        "budget", "spend", "outcome", "avg ret", "marg ret", "gap"
    )?;
    for p in points {
        match &p.result {
            FrontierResult::Planned {
                spend,
                expected_outcome,
                average_return,
                marginal_return,
                gap,
                ..
            } => writeln!(
                out,
                "{:>14.2}  {:>14.2}  {:>16.2}  {:>10.4}  {:>10.4}  {:>9.1e}",
                major_from_cents(p.budget),
                major_from_cents(*spend),
                expected_outcome,
                average_return,
                marginal_return,
                gap
            )?,
            FrontierResult::Infeasible { conflicting } => writeln!(
                out,
                "{:>14.2}  infeasible: {}",
                major_from_cents(p.budget),
                conflicting.join("; ")
            )?,
        }
    }
    Ok(())
}
