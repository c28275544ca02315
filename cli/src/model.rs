//! `mixpilot model`: fit a response-curve model on a CSV, report on it, forecast with it.
//!
//! The model file (`model.json`) is [`engine::model::FittedModel`] serialized as JSON; its
//! format is described in `docs/model.md`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use engine::model::{
    AdstockKind, Dataset, Estimate, FitMetrics, FittedModel, Forecast, GateStatus, LiftTest,
    ModelConfig, Plan, SaturationKind, Series, fit,
};
use engine::transform::{Adstock, Saturation};
use serde::Serialize;

use crate::csvdata::{CsvTable, date_of, parse_date};

pub use crate::error::CommandError;

/// `mixpilot model ...`
#[derive(Debug, Clone, PartialEq, Subcommand)]
pub enum ModelCommand {
    /// Fit a model to a CSV of spend and outcome per period, and write model.json.
    Fit(FitArgs),
    /// Summarize a model: fit metrics, the deploy gate and a per-channel table with intervals.
    Report(ReportArgs),
    /// Forecast the outcome of planned spend per channel per period.
    Forecast(ForecastArgs),
}

/// Output format of `report` and `forecast`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// A readable table.
    #[default]
    Text,
    /// Machine-readable JSON.
    Json,
}

/// Adstock family (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdstockArg {
    /// Geometric decay.
    Geometric,
    /// Weibull survival weights.
    WeibullCdf,
    /// Weibull lag-mass weights (delayed peak).
    WeibullPdf,
}

/// Saturation family (command-line spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SaturationArg {
    /// Logistic, concave from zero.
    Logistic,
    /// Hill, possibly S-shaped (the default).
    Hill,
}

/// Arguments of `model fit`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct FitArgs {
    /// CSV with one row per day or week.
    #[arg(long)]
    pub data: PathBuf,
    /// Date column (YYYY-MM-DD; consecutive days or weeks, oldest first).
    #[arg(long)]
    pub date: String,
    /// Outcome column (revenue or conversions).
    #[arg(long)]
    pub target: String,
    /// Spend columns, one per channel (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub spend: Vec<String>,
    /// Control columns (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub control: Vec<String>,
    /// Event columns: numeric dummies, or a text factor that becomes one dummy per level.
    #[arg(long, value_delimiter = ',')]
    pub event: Vec<String>,
    /// Lift tests: a CSV with columns channel, start, end, lift, std_error.
    #[arg(long)]
    pub lift: Option<PathBuf>,
    /// Seed for the search and the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write model.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Adstock family.
    #[arg(long, value_enum, default_value_t = AdstockArg::Geometric)]
    pub adstock: AdstockArg,
    /// Saturation family.
    #[arg(long, value_enum, default_value_t = SaturationArg::Hill)]
    pub saturation: SaturationArg,
    /// Adstock window in periods (default 8 weeks or 28 days).
    #[arg(long)]
    pub max_lag: Option<usize>,
    /// Trend changepoints, spread evenly over the training window.
    #[arg(long, default_value_t = 0)]
    pub changepoints: usize,
    /// Yearly Fourier order.
    #[arg(long, default_value_t = 2)]
    pub yearly_order: usize,
    /// The deploy gate: largest acceptable test MAPE, as a fraction (0.15 = 15%).
    #[arg(long, default_value_t = 0.15)]
    pub max_test_mape: f64,
    /// Bootstrap replicates for the intervals.
    #[arg(long, default_value_t = 100)]
    pub bootstrap: usize,
    /// Add pairwise channel interaction (synergy) terms and report the elasticity matrix.
    #[arg(long)]
    pub interactions: bool,
}

/// Arguments of `model report`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct ReportArgs {
    /// A model.json written by `model fit`.
    pub model: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// Arguments of `model forecast`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct ForecastArgs {
    /// A model.json written by `model fit`.
    pub model: PathBuf,
    /// CSV of planned spend: a date column, one column per channel of the model, and the
    /// model's controls (events are optional and default to zero). It must start the period
    /// after the model's history.
    #[arg(long)]
    pub plan: PathBuf,
    /// Name of the plan's date column.
    #[arg(long, default_value = "date")]
    pub date: String,
    /// Seed for the prediction intervals.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// Runs a `model` command, writing what it prints to `out`.
pub fn run_model(cmd: &ModelCommand, out: &mut dyn std::io::Write) -> Result<(), CommandError> {
    let text = match cmd {
        ModelCommand::Fit(a) => run_fit(a)?,
        ModelCommand::Report(a) => run_report(a)?,
        ModelCommand::Forecast(a) => run_forecast(a)?,
    };
    out.write_all(text.as_bytes())
        .map_err(|e| CommandError::failure(format!("cannot write output: {e}")))
}

/// Reads the history CSV into a dataset, checking every cell.
pub fn read_dataset(a: &FitArgs) -> Result<Dataset, CommandError> {
    let table = CsvTable::read(&a.data)?;
    let (first_day, periodicity) = table.dates(&a.date)?;
    let outcome = table.numbers(&a.target)?;
    let channels = a
        .spend
        .iter()
        .map(|c| Ok(Series::new(c, table.spend(c)?)))
        .collect::<Result<Vec<_>, CommandError>>()?;
    let controls = a
        .control
        .iter()
        .map(|c| Ok(Series::new(c, table.numbers(c)?)))
        .collect::<Result<Vec<_>, CommandError>>()?;
    let mut events = Vec::new();
    for e in &a.event {
        for (name, v) in table.events(e)? {
            events.push(Series::new(name, v));
        }
    }
    Ok(Dataset {
        periodicity,
        first_day,
        outcome_name: a.target.clone(),
        outcome,
        channels,
        controls,
        events,
    })
}

/// Reads lift tests: columns channel, start, end (dates), lift, std_error.
pub fn read_lifts(path: &Path) -> Result<Vec<LiftTest>, CommandError> {
    let t = CsvTable::read(path)?;
    let channel = t.strings("channel")?;
    let start = t.strings("start")?;
    let end = t.strings("end")?;
    let lift = t.numbers("lift")?;
    let se = t.numbers("std_error")?;
    (0..t.len())
        .map(|i| {
            let date = |s: &str, col: &str| {
                parse_date(s).map(crate::csvdata::epoch_day).ok_or_else(|| {
                    CommandError::input(format!(
                        "{} row {}, column '{col}': '{s}' is not a date like 2024-01-31",
                        path.display(),
                        i + 1
                    ))
                })
            };
            if se[i] <= 0.0 {
                return Err(CommandError::input(format!(
                    "{} row {}, column 'std_error': must be positive",
                    path.display(),
                    i + 1
                )));
            }
            Ok(LiftTest {
                channel: channel[i].to_string(),
                first_day: date(start[i], "start")?,
                last_day: date(end[i], "end")?,
                lift: lift[i],
                std_error: se[i],
            })
        })
        .collect()
}

fn run_fit(a: &FitArgs) -> Result<String, CommandError> {
    let data = read_dataset(a)?;
    let lifts = match &a.lift {
        Some(p) => read_lifts(p)?,
        None => Vec::new(),
    };
    let mut config = ModelConfig {
        adstock: match a.adstock {
            AdstockArg::Geometric => AdstockKind::Geometric,
            AdstockArg::WeibullCdf => AdstockKind::WeibullCdf,
            AdstockArg::WeibullPdf => AdstockKind::WeibullPdf,
        },
        saturation: match a.saturation {
            SaturationArg::Logistic => SaturationKind::Logistic,
            SaturationArg::Hill => SaturationKind::Hill,
        },
        max_lag: a.max_lag,
        changepoints: a.changepoints,
        interactions: a.interactions,
        yearly_order: a.yearly_order,
        max_test_mape: a.max_test_mape,
        seed: a.seed,
        ..ModelConfig::default()
    };
    config.bootstrap.replicates = a.bootstrap;
    let model = fit(&data, &config, &lifts)?;
    let json = serde_json::to_string_pretty(&model)
        .map_err(|e| CommandError::failure(format!("cannot serialize the model: {e}")))?;
    write_atomically(&a.out, json.as_bytes())?;
    let mut s = String::new();
    let _ = writeln!(s, "wrote {}", a.out.display());
    let t = &model.metrics.test;
    let _ = writeln!(
        s,
        "test split ({} periods): R2 {}, MAPE {}, NRMSE {}",
        t.periods,
        t.r2.map_or("n/a".into(), |v| format!("{v:.3}")),
        t.mape
            .map_or("n/a".into(), |v| format!("{:.1}%", 100.0 * v)),
        t.nrmse.map_or("n/a".into(), |v| format!("{v:.3}")),
    );
    s.push_str(&gate_line(&model));
    Ok(s)
}

/// Writes to a temporary file next to `path`, then renames it, so a failure leaves nothing.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CommandError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| CommandError::failure(format!("cannot write in {}: {e}", dir.display())))?;
    tmp.write_all(bytes)
        .map_err(|e| CommandError::failure(format!("cannot write {}: {e}", path.display())))?;
    tmp.persist(path)
        .map_err(|e| CommandError::failure(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

/// Reads and checks a model file.
pub fn read_model(path: &Path) -> Result<FittedModel, CommandError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CommandError::input(format!("cannot read {}: {e}", path.display())))?;
    let model: FittedModel = serde_json::from_str(&text).map_err(|e| {
        CommandError::input(format!("{} is not a Mixpilot model: {e}", path.display()))
    })?;
    model.check()?;
    Ok(model)
}

fn gate_line(m: &FittedModel) -> String {
    let mape = m
        .metrics
        .test
        .mape
        .map_or("n/a".to_string(), |v| format!("{:.1}%", 100.0 * v));
    match &m.gate.status {
        GateStatus::Accepted => format!(
            "gate: ACCEPTED (test MAPE {mape} <= {:.1}%)\n",
            100.0 * m.gate.max_test_mape
        ),
        GateStatus::Rejected { reason } => format!("gate: REJECTED: {reason}\n"),
    }
}

/// The machine-readable report.
#[derive(Debug, Serialize)]
struct ReportView<'a> {
    format_version: u32,
    periodicity: engine::model::Periodicity,
    first_date: String,
    last_date: String,
    periods: usize,
    outcome: &'a str,
    gate: &'a engine::model::Gate,
    metrics: &'a engine::model::SplitMetrics,
    interval_level: f64,
    channels: &'a [engine::model::ChannelSummary],
    #[serde(skip_serializing_if = "Option::is_none")]
    elasticity_matrix: Option<&'a Vec<Vec<f64>>>,
}

fn run_report(a: &ReportArgs) -> Result<String, CommandError> {
    let m = read_model(&a.model)?;
    let last = m.first_day + (m.periods as i64 - 1) * m.periodicity.days();
    if a.format == OutputFormat::Json {
        let view = ReportView {
            format_version: m.format_version,
            periodicity: m.periodicity,
            first_date: date_of(m.first_day).to_string(),
            last_date: date_of(last).to_string(),
            periods: m.periods,
            outcome: &m.outcome_name,
            gate: &m.gate,
            metrics: &m.metrics,
            interval_level: m.bootstrap.level,
            channels: &m.summary,
            elasticity_matrix: m.elasticity_matrix.as_ref(),
        };
        return serde_json::to_string_pretty(&view)
            .map(|s| s + "\n")
            .map_err(|e| CommandError::failure(e.to_string()));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Model of {} over {} {:?} periods, {} to {}",
        m.outcome_name,
        m.periods,
        m.periodicity,
        date_of(m.first_day),
        date_of(last)
    );
    s.push_str(&gate_line(&m));
    let pct = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{:.1}%", 100.0 * v));
    let num = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{v:.3}"));
    let _ = writeln!(
        s,
        "\n{:<12}{:>8}{:>8}{:>8}{:>8}{:>8}",
        "split", "periods", "R2", "MAPE", "wMAPE", "NRMSE"
    );
    let rows: [(&str, &FitMetrics); 3] = [
        ("train", &m.metrics.train),
        ("validation", &m.metrics.validation),
        ("test", &m.metrics.test),
    ];
    for (name, f) in rows {
        let _ = writeln!(
            s,
            "{:<12}{:>8}{:>8}{:>8}{:>8}{:>8}",
            name,
            f.periods,
            num(f.r2),
            pct(f.mape),
            pct(f.wmape),
            num(f.nrmse)
        );
    }
    let d = &m.decomposition;
    let fitted: f64 = d.fitted.iter().sum();
    if fitted != 0.0 {
        let _ = write!(s, "\nDecomposition of the fitted outcome:");
        for part in d.baseline.iter().chain(&d.channels) {
            let v: f64 = part.values.iter().sum();
            let _ = write!(s, " {} {:.1}%;", part.name, 100.0 * v / fitted);
        }
        let _ = writeln!(s);
    }
    let level = 100.0 * m.bootstrap.level;
    let _ = writeln!(
        s,
        "\nChannels ({level:.0}% intervals from a {}-replicate block bootstrap)",
        m.bootstrap.replicates.len()
    );
    let e = |x: &Estimate, pct: bool| {
        let f = |v: f64| {
            if pct {
                format!("{:.1}%", 100.0 * v)
            } else {
                format!("{v:.3}")
            }
        };
        format!("{} [{}, {}]", f(x.value), f(x.lower), f(x.upper))
    };
    let _ = writeln!(
        s,
        "{:<16}{:>30}{:>30}{:>26}{:>26}{:>14}{:>14}",
        "channel", "ROAS", "marginal ROAS", "share", "elasticity", "current", "saturation"
    );
    for c in &m.summary {
        let _ = writeln!(
            s,
            "{:<16}{:>30}{:>30}{:>26}{:>26}{:>14.1}{:>14.1}",
            c.channel,
            e(&c.roas, false),
            e(&c.marginal_roas, false),
            e(&c.contribution_share, true),
            e(&c.elasticity, false),
            c.current_spend_per_period,
            c.saturation_point.value
        );
    }
    if let Some(e) = &m.elasticity_matrix {
        let _ = writeln!(
            s,
            "\nElasticity matrix at current spend (row: outcome credited to the channel; column: channel whose spend changes)"
        );
        let _ = write!(s, "{:<16}", "");
        for c in &m.channels {
            let _ = write!(s, "{:>16}", c.name);
        }
        let _ = writeln!(s);
        for (c, row) in m.channels.iter().zip(e) {
            let _ = write!(s, "{:<16}", c.name);
            for v in row {
                let _ = write!(s, "{v:>16.4}");
            }
            let _ = writeln!(s);
        }
    }
    let _ = writeln!(
        s,
        "\nTransforms (spend per period, normalized adstock, half-saturation K in spend per period)"
    );
    for c in &m.channels {
        let _ = writeln!(
            s,
            "{:<16} {}; {}; beta {:.4}",
            c.name,
            describe_adstock(&c.transform.adstock),
            describe_saturation(&c.transform.saturation),
            c.transform.beta
        );
    }
    Ok(s)
}

fn describe_adstock(a: &Adstock) -> String {
    let norm = |n: bool| if n { "normalized" } else { "unnormalized" };
    match *a {
        Adstock::Geometric {
            alpha,
            max_lag,
            normalized,
        } => format!(
            "geometric adstock alpha {alpha:.3} ({max_lag} lags, {})",
            norm(normalized)
        ),
        Adstock::WeibullCdf {
            shape,
            scale,
            max_lag,
            normalized,
        } => format!(
            "Weibull CDF adstock shape {shape:.3} scale {scale:.3} ({max_lag} lags, {})",
            norm(normalized)
        ),
        Adstock::WeibullPdf {
            shape,
            scale,
            max_lag,
            normalized,
        } => format!(
            "Weibull PDF adstock shape {shape:.3} scale {scale:.3} ({max_lag} lags, {})",
            norm(normalized)
        ),
    }
}

fn describe_saturation(s: &Saturation) -> String {
    match *s {
        Saturation::Hill { half, shape } => format!("Hill K {half:.4} shape {shape:.3}"),
        Saturation::Logistic { half } => format!("logistic K {half:.4}"),
    }
}

/// The machine-readable forecast.
#[derive(Debug, Serialize)]
struct ForecastView<'a> {
    level: f64,
    channels: &'a [String],
    periods: Vec<ForecastPeriodView<'a>>,
    total: Estimate,
}

#[derive(Debug, Serialize)]
struct ForecastPeriodView<'a> {
    date: String,
    outcome: Estimate,
    channels: &'a [f64],
}

fn run_forecast(a: &ForecastArgs) -> Result<String, CommandError> {
    let m = read_model(&a.model)?;
    let t = CsvTable::read(&a.plan)?;
    let (first_day, periodicity) = t.dates(&a.date)?;
    if t.len() > 1 && periodicity != m.periodicity {
        return Err(CommandError::input(format!(
            "{}: the plan is {periodicity:?} but the model is {:?}",
            a.plan.display(),
            m.periodicity
        )));
    }
    let spend = m
        .channels
        .iter()
        .map(|c| Ok(Series::new(&c.name, t.spend(&c.name)?)))
        .collect::<Result<Vec<_>, CommandError>>()?;
    let controls = m
        .baseline_spec
        .controls
        .iter()
        .map(|c| Ok(Series::new(c, t.numbers(c)?)))
        .collect::<Result<Vec<_>, CommandError>>()?;
    let mut events = Vec::new();
    for name in &m.baseline_spec.events {
        if t.has(name) {
            events.push(Series::new(name, t.numbers(name)?));
        } else if let Some((col, level)) = name.split_once('=')
            && t.has(col)
        {
            let cells = t.strings(col)?;
            events.push(Series::new(
                name,
                cells
                    .iter()
                    .map(|c| if *c == level { 1.0 } else { 0.0 })
                    .collect(),
            ));
        }
    }
    let plan = Plan {
        first_day,
        spend,
        controls,
        events,
    };
    let f: Forecast = m.forecast(&plan, a.seed)?;
    if a.format == OutputFormat::Json {
        let view = ForecastView {
            level: f.level,
            channels: &f.channels,
            periods: f
                .periods
                .iter()
                .map(|p| ForecastPeriodView {
                    date: date_of(p.day).to_string(),
                    outcome: p.outcome,
                    channels: &p.channels,
                })
                .collect(),
            total: f.total,
        };
        return serde_json::to_string_pretty(&view)
            .map(|s| s + "\n")
            .map_err(|e| CommandError::failure(e.to_string()));
    }
    let mut s = String::new();
    let _ = write!(
        s,
        "{:<12}{:>16}{:>16}{:>16}",
        "date",
        m.outcome_name,
        format!("{:.0}% low", 100.0 * f.level),
        format!("{:.0}% high", 100.0 * f.level)
    );
    for c in &f.channels {
        let _ = write!(s, "{:>16}", c);
    }
    let _ = writeln!(s);
    for p in &f.periods {
        let _ = write!(
            s,
            "{:<12}{:>16.1}{:>16.1}{:>16.1}",
            date_of(p.day),
            p.outcome.value,
            p.outcome.lower,
            p.outcome.upper
        );
        for v in &p.channels {
            let _ = write!(s, "{v:>16.1}");
        }
        let _ = writeln!(s);
    }
    let _ = write!(
        s,
        "{:<12}{:>16.1}{:>16.1}{:>16.1}",
        "total", f.total.value, f.total.lower, f.total.upper
    );
    for c in 0..f.channels.len() {
        let total: f64 = f.periods.iter().map(|p| p.channels[c]).sum();
        let _ = write!(s, "{total:>16.1}");
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "(channel columns: expected contribution of each channel, adstock carried in from the history)"
    );
    Ok(s)
}
