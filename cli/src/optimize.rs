//! `optimize`: the best allocation of a budget, printed as a table or JSON and written to
//! `plan.json`.

pub mod files;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use engine::optimize::{
    ConstraintRef, Item, OptimizeOptions, Plan, Problem, Side, major_from_cents, optimize,
};
use serde::Serialize;

use files::{ConstraintsFile, apply_current_csv, parse_money, parse_objective, read_curves};

pub use crate::error::CommandError;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// A human-readable table.
    #[default]
    Table,
    /// Machine-readable JSON.
    Json,
}

/// Where the curves, constraints and current allocation come from; shared by `optimize`,
/// `scenario` and `health`.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Response curves as per-item parameters (`curves.json`, see docs/optimizer.md).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "model",
        conflicts_with = "model"
    )]
    pub curves: Option<PathBuf>,
    /// A fitted model (`model.json`, from `mixpilot model fit`): one item per channel.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Constraints (`constraints.json`). Without it: ±15% change limit, spend to the cent.
    #[arg(long, value_name = "FILE")]
    pub constraints: Option<PathBuf>,
    /// Current spend per item (`current.csv`: id,current[,platform_min]); overrides the curves file.
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,
    /// revenue | conversions | profit | target-roas=X | target-cpa=X.
    #[arg(long, default_value = "revenue")]
    pub objective: String,
    /// Gross margin on revenue for `--objective profit`.
    #[arg(long, default_value_t = 1.0)]
    pub margin: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

impl InputArgs {
    /// Reads the files and builds the engine problem for a budget in cents.
    pub fn problem(&self, budget: i64) -> Result<Problem, CommandError> {
        let items = self.items()?;
        let constraints = match &self.constraints {
            Some(path) => ConstraintsFile::read(path)?,
            None => ConstraintsFile::default(),
        }
        .into_constraints(budget)?;
        Ok(Problem {
            items,
            objective: parse_objective(&self.objective, self.margin)?,
            constraints,
        })
    }

    fn items(&self) -> Result<Vec<Item>, CommandError> {
        let mut items = match (&self.curves, &self.model) {
            (Some(curves), _) => read_curves(curves)?,
            (None, Some(model)) => read_model_items(model)?,
            (None, None) => {
                return Err(CommandError::input(
                    "give --model model.json or --curves curves.json",
                ));
            }
        };
        if let Some(path) = &self.current {
            apply_current_csv(path, &mut items)?;
        }
        Ok(items)
    }

    /// Sum of the items' current spend, when every item has one.
    pub fn current_total(problem: &Problem) -> Option<i64> {
        problem.items.iter().map(|i| i.current).sum()
    }
}

/// `optimize`: find the best allocation.
#[derive(Debug, Clone, Args)]
pub struct OptimizeArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Total budget per period, in major units (e.g. 25000 or 25000.50).
    #[arg(long, value_name = "AMOUNT")]
    pub budget: String,
    /// Where to write the plan (`plan.json`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Target relative optimality gap.
    #[arg(long, default_value_t = 1e-6)]
    pub tolerance: f64,
}

/// Runs `optimize`, printing to `out`.
///
/// # Errors
///
/// A [`CommandError`] with exit status 2 for bad input or infeasible constraints.
pub fn run_optimize(args: &OptimizeArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let budget = parse_money("--budget", &args.budget)?;
    let problem = args.input.problem(budget)?;
    let options = OptimizeOptions {
        tolerance: args.tolerance,
        ..OptimizeOptions::default()
    };
    let plan = optimize(&problem, &options)?;
    let view = PlanView::new(&problem, &plan);
    if let Some(path) = &args.out {
        let json = serde_json::to_string_pretty(&view)
            .map_err(|e| CommandError::failure(format!("cannot encode the plan: {e}")))?;
        std::fs::write(path, json + "\n")
            .map_err(|e| CommandError::failure(format!("cannot write {}: {e}", path.display())))?;
    }
    match args.input.format {
        Format::Json => write_json(out, &view),
        Format::Table => print_table(out, &view).map_err(io_error),
    }
}

pub(crate) fn io_error(e: std::io::Error) -> CommandError {
    CommandError::failure(format!("cannot write output: {e}"))
}

pub(crate) fn write_json<T: Serialize>(out: &mut dyn Write, v: &T) -> Result<(), CommandError> {
    let json = serde_json::to_string_pretty(v)
        .map_err(|e| CommandError::failure(format!("cannot encode JSON: {e}")))?;
    writeln!(out, "{json}").map_err(io_error)
}

/// `plan.json`: the documented shape of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    /// Total planned spend, major units.
    pub total_spend: f64,
    /// Total planned spend, cents.
    pub total_spend_cents: i64,
    /// Expected outcome per period.
    pub expected_outcome: f64,
    /// 90% interval of the outcome from curve samples.
    pub outcome_interval: Option<engine::optimize::Interval>,
    /// The objective's value.
    pub objective_value: f64,
    /// Proven upper bound on the objective.
    pub upper_bound: f64,
    /// Relative optimality gap.
    pub gap: f64,
    /// Objective gained per extra unit of budget.
    pub budget_shadow_price: f64,
    /// What the next 1,000 of budget buys (first-order).
    pub next_1000_buys: f64,
    /// The current allocation on the same curves.
    pub current: Option<CurrentView>,
    /// Per item.
    pub items: Vec<ItemView>,
    /// Binding constraints and their prices.
    pub binding_constraints: Vec<BindingView>,
}

/// The current allocation in `plan.json`.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentView {
    /// Total current spend, major units.
    pub spend: f64,
    /// Its expected outcome.
    pub expected_outcome: f64,
    /// Its objective value.
    pub objective_value: f64,
    /// Whether it meets every constraint.
    pub feasible: bool,
}

/// One item in `plan.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    /// Id.
    pub id: String,
    /// Planned spend, major units.
    pub spend: f64,
    /// Planned spend, cents.
    pub spend_cents: i64,
    /// Current spend, major units.
    pub current: Option<f64>,
    /// Planned minus current, major units.
    pub change: Option<f64>,
    /// Expected outcome.
    pub expected_outcome: f64,
    /// Interval from samples.
    pub outcome_interval: Option<engine::optimize::Interval>,
    /// Marginal outcome per unit of money.
    pub marginal_return: f64,
    /// The constraint holding it, in words.
    pub held_by: Option<String>,
}

/// A binding constraint in `plan.json`.
#[derive(Debug, Clone, Serialize)]
pub struct BindingView {
    /// In words.
    pub constraint: String,
    /// Objective gained per unit of money relaxed.
    pub value_per_unit: f64,
    /// The same, per 1,000.
    pub value_per_1000: f64,
    /// Items held at a bound by it.
    pub items_held: usize,
}

impl PlanView {
    /// Builds the view of a plan.
    pub fn new(problem: &Problem, plan: &Plan) -> Self {
        let describe = |c: Option<ConstraintRef>| match c {
            Some(c) => problem.describe(c),
            None => "spend cannot go below zero".to_owned(),
        };
        Self {
            total_spend: major_from_cents(plan.total_spend),
            total_spend_cents: plan.total_spend,
            expected_outcome: plan.expected_outcome,
            outcome_interval: plan.outcome_interval,
            objective_value: plan.objective_value,
            upper_bound: plan.upper_bound,
            gap: plan.gap,
            budget_shadow_price: plan.budget_shadow_price,
            next_1000_buys: plan.budget_shadow_price * 1000.0,
            current: plan.current.as_ref().map(|c| CurrentView {
                spend: major_from_cents(c.spend),
                expected_outcome: c.expected_outcome,
                objective_value: c.objective_value,
                feasible: c.feasible,
            }),
            items: plan
                .items
                .iter()
                .map(|it| ItemView {
                    id: it.id.clone(),
                    spend: major_from_cents(it.spend),
                    spend_cents: it.spend,
                    current: it.current.map(major_from_cents),
                    change: it.current.map(|c| major_from_cents(it.spend - c)),
                    expected_outcome: it.expected_outcome,
                    outcome_interval: it.outcome_interval,
                    marginal_return: it.marginal_return,
                    held_by: it.binding.as_ref().map(|b| {
                        let side = match b.side {
                            Side::Lower => "at minimum",
                            Side::Upper => "at maximum",
                        };
                        format!("{side}: {}", describe(b.constraint))
                    }),
                })
                .collect(),
            binding_constraints: plan
                .binding
                .iter()
                .map(|b| BindingView {
                    constraint: b.description.clone(),
                    value_per_unit: b.value_per_unit,
                    value_per_1000: b.value_per_unit * 1000.0,
                    items_held: b.items_held,
                })
                .collect(),
        }
    }
}

fn print_table(out: &mut dyn Write, v: &PlanView) -> std::io::Result<()> {
    let id_w = v.items.iter().map(|i| i.id.len()).max().unwrap_or(4).max(4);
    writeln!(
        out,
        "{:<id_w$}  {:>14}  {:>14}  {:>12}  {:>14}  {:>9}  held by",
        "item", "current", "plan", "change", "outcome", "marginal"
    )?;
    for it in &v.items {
        let opt = |x: Option<f64>| x.map_or_else(|| "-".to_owned(), |x| format!("{x:.2}"));
        writeln!(
            out,
            "{:<id_w$}  {:>14}  {:>14.2}  {:>12}  {:>14.2}  {:>9.4}  {}",
            it.id,
            opt(it.current),
            it.spend,
            opt(it.change),
            it.expected_outcome,
            it.marginal_return,
            it.held_by.as_deref().unwrap_or("")
        )?;
    }
    writeln!(out)?;
    write!(out, "total spend {:.2}", v.total_spend)?;
    write!(out, ", expected outcome {:.2}", v.expected_outcome)?;
    if let Some(iv) = &v.outcome_interval {
        write!(
            out,
            " ({:.0}% interval {:.2} … {:.2})",
            iv.level * 100.0,
            iv.lower,
            iv.upper
        )?;
    }
    writeln!(out)?;
    if let Some(c) = &v.current {
        writeln!(
            out,
            "current allocation: spend {:.2}, expected outcome {:.2}{}",
            c.spend,
            c.expected_outcome,
            if c.feasible {
                ""
            } else {
                " (does not meet the constraints)"
            }
        )?;
    }
    writeln!(
        out,
        "objective {:.4}, upper bound {:.4}, optimality gap {:.2e}",
        v.objective_value, v.upper_bound, v.gap
    )?;
    writeln!(out, "the next 1,000 of budget buys {:.2}", v.next_1000_buys)?;
    for b in &v.binding_constraints {
        let held = if b.items_held > 0 {
            format!(" ({} items held)", b.items_held)
        } else {
            String::new()
        };
        writeln!(
            out,
            "binding: {}{held}: relaxing it by 1,000 is worth {:.2}",
            b.constraint, b.value_per_1000
        )?;
    }
    Ok(())
}

/// The channels of a fitted `model.json` as items (see `engine::optimize::from_model`).
fn read_model_items(path: &std::path::Path) -> Result<Vec<engine::optimize::Item>, CommandError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CommandError::input(format!("--model {}: {e}", path.display())))?;
    let model: engine::model::FittedModel = serde_json::from_str(&text).map_err(|e| {
        CommandError::input(format!("--model {}: not a model.json: {e}", path.display()))
    })?;
    engine::optimize::items_from_model(&model)
        .map_err(|e| CommandError::input(format!("--model {}: {e}", path.display())))
}
