//! `scenario`: the efficient frontier over a range of budgets, and what-ifs at one budget:
//! the exact cost of each constraint, objectives side by side, and sensitivity to each curve
//! parameter.

use std::io::Write;

use clap::Args;
use engine::optimize::scenario::{
    Adjustment, ConstraintScenario, FrontierPoint, FrontierResult, ObjectiveComparison,
    ParameterSensitivity, budget_range, budget_sweep, compare_objectives, constraint_scenarios,
    sensitivity,
};
use engine::optimize::{ConstraintRef, OptimizeOptions, major_from_cents};
use serde::Serialize;

use crate::optimize::files::{parse_money, parse_objective};
use crate::optimize::{CommandError, Format, InputArgs, io_error, write_json};

/// `scenario`: sweep the total budget, or ask what-ifs at one budget.
#[derive(Debug, Clone, Args)]
pub struct ScenarioArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Budgets to sweep, `FROM:TO:STEP` in major units (e.g. `10000:40000:5000`).
    #[arg(long, value_name = "FROM:TO:STEP", required_unless_present = "budget")]
    pub budgets: Option<String>,
    /// The budget for the what-ifs below, in major units.
    #[arg(long, value_name = "AMOUNT")]
    pub budget: Option<String>,
    /// Report the exact cost of each constraint (re-optimizing without it).
    #[arg(long, requires = "budget")]
    pub constraint_costs: bool,
    /// Compare objectives, e.g. `revenue,profit,target-roas=4`.
    #[arg(long, value_name = "LIST", requires = "budget")]
    pub compare: Option<String>,
    /// Re-optimize with each curve parameter moved by ±STEP (e.g. 0.1).
    #[arg(long, value_name = "STEP", requires = "budget")]
    pub sensitivity: Option<f64>,
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

/// Everything `scenario` computed (the JSON output).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScenarioReport {
    /// The budget sweep.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frontier: Vec<FrontierPoint>,
    /// The cost of each constraint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraint_costs: Vec<ConstraintScenario>,
    /// Objectives side by side.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objectives: Vec<ObjectiveComparison>,
    /// Sensitivity to each parameter.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sensitivity: Vec<ParameterSensitivity>,
}

/// Runs `scenario`, printing to `out`.
///
/// # Errors
///
/// A [`CommandError`] with exit status 2 for bad input.
pub fn run_scenario(args: &ScenarioArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let options = OptimizeOptions::default();
    let mut report = ScenarioReport::default();
    if let Some(b) = &args.budgets {
        let budgets = parse_budgets(b)?;
        let first = budgets.first().copied().unwrap_or(0);
        let problem = args.input.problem(first)?;
        report.frontier = budget_sweep(&problem, &budgets, &options)?;
    }
    if let Some(b) = &args.budget {
        let problem = args.input.problem(parse_money("--budget", b)?)?;
        if args.constraint_costs {
            let changes: Vec<(ConstraintRef, Adjustment)> = problem
                .constraint_refs()
                .into_iter()
                .filter(|c| !matches!(c, ConstraintRef::Budget | ConstraintRef::Target))
                .map(|c| (c, Adjustment::Remove))
                .collect();
            report.constraint_costs = constraint_scenarios(&problem, &changes, &options)?;
        }
        if let Some(list) = &args.compare {
            let objectives = list
                .split(',')
                .map(|o| parse_objective(o, args.input.margin))
                .collect::<Result<Vec<_>, _>>()?;
            report.objectives = compare_objectives(&problem, &objectives, &options)?;
        }
        if let Some(step) = args.sensitivity {
            report.sensitivity = sensitivity(&problem, step, &options)?;
        }
    }
    match args.input.format {
        Format::Json => write_json(out, &report),
        Format::Table => print_report(out, &report).map_err(io_error),
    }
}

fn print_report(out: &mut dyn Write, r: &ScenarioReport) -> std::io::Result<()> {
    if !r.frontier.is_empty() {
        print_frontier(out, &r.frontier)?;
    }
    if !r.constraint_costs.is_empty() {
        writeln!(
            out,
            "\nwhat each constraint costs (re-optimized without it):"
        )?;
        for c in &r.constraint_costs {
            match c.difference {
                Some(d) => {
                    // Removing a constraint cannot lose anything; tiny negatives are solver noise.
                    let d = if d.abs() < 0.005 { 0.0 } else { d };
                    writeln!(out, "  {}: {d:+.2}", c.description)?
                }
                None => writeln!(
                    out,
                    "  {}: without it the rest conflict ({})",
                    c.description,
                    c.conflicting.join("; ")
                )?,
            }
        }
    }
    if !r.objectives.is_empty() {
        writeln!(
            out,
            "\n{:<28}  {:>14}  {:>16}  {:>10}",
            "objective", "spend", "outcome", "avg ret"
        )?;
        for o in &r.objectives {
            writeln!(
                out,
                "{:<28}  {:>14.2}  {:>16.2}  {:>10.4}",
                format!("{:?}", o.objective),
                major_from_cents(o.spend),
                o.expected_outcome,
                o.average_return
            )?;
        }
    }
    if !r.sensitivity.is_empty() {
        writeln!(
            out,
            "\n{:<20}  {:<16}  {:>12}  {:>12}  {:>12}  {:>10}",
            "item", "parameter", "spend −", "spend", "spend +", "moved +"
        )?;
        for s in &r.sensitivity {
            writeln!(
                out,
                "{:<20}  {:<16}  {:>12.2}  {:>12.2}  {:>12.2}  {:>9.2}%",
                s.item,
                s.parameter,
                major_from_cents(s.spend_down),
                major_from_cents(s.spend_base),
                major_from_cents(s.spend_up),
                s.reallocated_share.1 * 100.0
            )?;
        }
    }
    Ok(())
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
