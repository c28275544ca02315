//! `experiment design` and `experiment readout`: geo holdout tests on a CSV of geos.
//!
//! The data file is long: one row per geo and period, with columns `date`, `geo`, `spend` (the
//! channel under test) and `outcome`. Every geo needs every date; dates are evenly spaced (days
//! or weeks). The design is written as JSON and read back by the readout, which prints the lift
//! with its interval and can write it as a lift-test CSV for `mixpilot model fit --lift`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use engine::experiment::{self, Design, DesignSpec, Geo, GeoPanel, Readout};
use serde::{Deserialize, Serialize};

use crate::csvdata::{CsvTable, epoch_day, parse_date};
use crate::error::CommandError;
use crate::model::read_model;
use crate::optimize::{Format, io_error, write_json};

/// `experiment`: geo holdout tests.
#[derive(Debug, Clone, Subcommand)]
pub enum ExperimentCommand {
    /// Choose the test geos for a holdout and say how long the test must run.
    Design(DesignArgs),
    /// Read out a finished holdout: the lift with its interval, as a lift test for the next fit.
    Readout(ReadoutArgs),
}

/// `experiment design`.
#[derive(Debug, Clone, Args)]
pub struct DesignArgs {
    /// Geo history: columns date, geo, spend, outcome.
    #[arg(long)]
    pub data: PathBuf,
    /// The channel under test (a label, and the channel looked up in --model).
    #[arg(long)]
    pub channel: String,
    /// Share of the channel's spend to hold out (0.05–0.5; 0.10–0.20 is usual).
    #[arg(long, default_value_t = 0.15)]
    pub holdout_share: f64,
    /// The channel's expected national contribution per period (what switching it off
    /// everywhere would lose once its carry-over has decayed).
    #[arg(long, conflicts_with = "model", required_unless_present = "model")]
    pub lift_per_period: Option<f64>,
    /// A fitted model (`mixpilot model fit`): the expected lift follows its curve and carry-over
    /// for --channel at the channel's current spend.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Two-sided confidence of the readout's interval.
    #[arg(long, default_value_t = 0.9)]
    pub confidence: f64,
    /// Power wanted.
    #[arg(long, default_value_t = 0.8)]
    pub power: f64,
    /// Longest test considered, in periods.
    #[arg(long, default_value_t = 91)]
    pub max_periods: usize,
    /// Seed of the random geo assignment.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the design (JSON), for `experiment readout`.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `experiment readout`.
#[derive(Debug, Clone, Args)]
pub struct ReadoutArgs {
    /// Geo history through the end of the test: columns date, geo, spend, outcome.
    #[arg(long)]
    pub data: PathBuf,
    /// The design written by `experiment design`.
    #[arg(long)]
    pub design: PathBuf,
    /// First date of the test window.
    #[arg(long)]
    pub start: String,
    /// Last date of the test window (inclusive).
    #[arg(long)]
    pub end: String,
    /// Write the result as a lift-test CSV (channel, start, end, lift, std_error).
    #[arg(long)]
    pub lift_out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What `experiment design` writes: the design and the channel it is for.
#[derive(Debug, Serialize, Deserialize)]
struct DesignFile {
    channel: String,
    design: Design,
}

/// Runs an `experiment` subcommand, printing to `out`.
///
/// # Errors
///
/// A [`CommandError`] naming the file, row and column, or the setting, that was wrong.
pub fn run_experiment(cmd: &ExperimentCommand, out: &mut dyn Write) -> Result<(), CommandError> {
    match cmd {
        ExperimentCommand::Design(a) => run_design(a, out),
        ExperimentCommand::Readout(a) => run_readout(a, out),
    }
}

fn run_design(a: &DesignArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let (panel, _) = read_panel(&a.data)?;
    let profile = match (&a.model, a.lift_per_period) {
        (Some(path), _) => {
            let model = read_model(path)?;
            let response = model
                .channel_responses()
                .into_iter()
                .find(|r| r.channel == a.channel)
                .ok_or_else(|| {
                    CommandError::input(format!(
                        "{} has no channel '{}'",
                        path.display(),
                        a.channel
                    ))
                })?;
            experiment::lift_profile(
                &response.adstock,
                &response.saturation,
                response.beta,
                response.current_spend_per_period,
                a.max_periods,
            )
        }
        (None, Some(v)) => vec![v],
        (None, None) => {
            return Err(CommandError::input(
                "give --lift-per-period or --model to say what lift to expect",
            ));
        }
    };
    let mut spec = DesignSpec::new(a.holdout_share, profile, a.seed);
    spec.confidence = a.confidence;
    spec.power = a.power;
    spec.max_periods = a.max_periods;
    let design = experiment::design(&panel, &spec)?;
    let file = DesignFile {
        channel: a.channel.clone(),
        design,
    };
    let json = serde_json::to_vec_pretty(&file)
        .map_err(|e| CommandError::failure(format!("cannot encode the design: {e}")))?;
    std::fs::write(&a.out, json)
        .map_err(|e| CommandError::failure(format!("cannot write {}: {e}", a.out.display())))?;
    match a.format {
        Format::Json => write_json(out, &file),
        Format::Table => print_design(out, &file).map_err(io_error),
    }
}

fn print_design(out: &mut dyn Write, f: &DesignFile) -> std::io::Result<()> {
    let d = &f.design;
    writeln!(
        out,
        "Hold out {}: switch it off in {} of {} geos, {:.1}% of its spend",
        f.channel,
        d.test_geos.len(),
        d.test_geos.len() + d.control_geos.len(),
        d.spend_share * 100.0
    )?;
    writeln!(out, "test geos: {}", d.test_geos.join(", "))?;
    match d.periods_needed {
        Some(m) => writeln!(
            out,
            "run it for {m} periods to detect the expected lift with {:.0}% power",
            d.power_curve[m - 1].1 * 100.0
        )?,
        None => writeln!(
            out,
            "the expected lift is not detectable within {} periods; the smallest detectable lift is {:.2} per period",
            d.power_curve.len(),
            d.minimum_detectable_lift_per_period
        )?,
    }
    writeln!(out, "{:>8}  {:>6}", "periods", "power")?;
    for (m, p) in d.power_curve.iter().filter(|(m, _)| m % 7 == 0) {
        writeln!(out, "{m:>8}  {:>5.1}%", p * 100.0)?;
    }
    Ok(())
}

fn run_readout(a: &ReadoutArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let text = std::fs::read_to_string(&a.design)
        .map_err(|e| CommandError::input(format!("cannot read {}: {e}", a.design.display())))?;
    let file: DesignFile = serde_json::from_str(&text).map_err(|e| {
        CommandError::input(format!(
            "{} is not an experiment design: {e}",
            a.design.display()
        ))
    })?;
    let (panel, dates) = read_panel(&a.data)?;
    let at = |s: &str, flag: &str| -> Result<usize, CommandError> {
        let day = parse_date(s).ok_or_else(|| {
            CommandError::input(format!("--{flag}: '{s}' is not a date like 2024-01-31"))
        })?;
        dates
            .iter()
            .position(|d| *d == epoch_day(day))
            .ok_or_else(|| {
                CommandError::input(format!(
                    "--{flag}: {s} is not a date in {}",
                    a.data.display()
                ))
            })
    };
    let (start, end) = (at(&a.start, "start")?, at(&a.end, "end")?);
    if end < start {
        return Err(CommandError::input("--end must not be before --start"));
    }
    let readout = experiment::readout(&panel, &file.design, start, end + 1)?;
    if let Some(path) = &a.lift_out {
        write_lift(path, &file.channel, &a.start, &a.end, &readout)?;
    }
    match a.format {
        Format::Json => write_json(out, &readout),
        Format::Table => print_readout(out, &file.channel, &readout).map_err(io_error),
    }
}

fn print_readout(out: &mut dyn Write, channel: &str, r: &Readout) -> std::io::Result<()> {
    writeln!(
        out,
        "{channel}: lift in the test geos {:.2} over {} periods ({:.1}%), {:.0}% interval [{:.2}, {:.2}]",
        r.lift,
        r.periods,
        r.relative_lift * 100.0,
        r.confidence * 100.0,
        r.interval.0,
        r.interval.1
    )?;
    writeln!(
        out,
        "national: {:.2} ± {:.2} (standard error){}",
        r.national_lift,
        r.national_std_error,
        if r.interval.0 > 0.0 {
            ""
        } else {
            "; the interval includes zero: no lift detected"
        }
    )
}

fn write_lift(
    path: &Path,
    channel: &str,
    start: &str,
    end: &str,
    r: &Readout,
) -> Result<(), CommandError> {
    let fail = |e: &dyn std::fmt::Display| {
        CommandError::failure(format!("cannot write {}: {e}", path.display()))
    };
    let mut w = csv::Writer::from_path(path).map_err(|e| fail(&e))?;
    w.write_record(["channel", "start", "end", "lift", "std_error"])
        .map_err(|e| fail(&e))?;
    w.write_record([
        channel,
        start,
        end,
        &r.national_lift.to_string(),
        &r.national_std_error.to_string(),
    ])
    .map_err(|e| fail(&e))?;
    w.flush().map_err(|e| fail(&e))
}

/// A geo's spend and outcome per period, `None` until its row is read.
type GeoCells = (Vec<Option<f64>>, Vec<Option<f64>>);

/// Reads the long geo CSV into a panel and its period dates (epoch days, ascending).
fn read_panel(path: &Path) -> Result<(GeoPanel, Vec<i64>), CommandError> {
    let t = CsvTable::read(path)?;
    let dates = t.strings("date")?;
    let geos = t.strings("geo")?;
    let spend = t.spend("spend")?;
    let outcome = t.numbers("outcome")?;
    let mut days = Vec::with_capacity(t.len());
    for (i, d) in dates.iter().enumerate() {
        let day = parse_date(d).ok_or_else(|| {
            CommandError::input(format!(
                "{} row {}, column 'date': '{d}' is not a date like 2024-01-31",
                path.display(),
                i + 1
            ))
        })?;
        days.push(epoch_day(day));
    }
    let mut calendar: Vec<i64> = days.clone();
    calendar.sort_unstable();
    calendar.dedup();
    if calendar.len() >= 2 {
        let step = calendar[1] - calendar[0];
        if let Some(w) = calendar.windows(2).find(|w| w[1] - w[0] != step) {
            return Err(CommandError::input(format!(
                "{}: dates must be evenly spaced; {} follows {} after {} days instead of {step}",
                path.display(),
                crate::csvdata::date_of(w[1]),
                crate::csvdata::date_of(w[0]),
                w[1] - w[0]
            )));
        }
    }
    let mut by_geo: BTreeMap<&str, GeoCells> = BTreeMap::new();
    for i in 0..t.len() {
        let k = calendar.binary_search(&days[i]).unwrap_or_default();
        let entry = by_geo
            .entry(geos[i])
            .or_insert_with(|| (vec![None; calendar.len()], vec![None; calendar.len()]));
        if entry.0[k].is_some() {
            return Err(CommandError::input(format!(
                "{} row {}: geo '{}' has {} twice",
                path.display(),
                i + 1,
                geos[i],
                dates[i]
            )));
        }
        entry.0[k] = Some(spend[i]);
        entry.1[k] = Some(outcome[i]);
    }
    let mut panel = Vec::with_capacity(by_geo.len());
    for (name, (s, o)) in by_geo {
        let missing = |k: usize| {
            CommandError::input(format!(
                "{}: geo '{name}' has no row for {}",
                path.display(),
                crate::csvdata::date_of(calendar[k])
            ))
        };
        let spend = s
            .iter()
            .enumerate()
            .map(|(k, v)| v.ok_or_else(|| missing(k)))
            .collect::<Result<_, _>>()?;
        let outcome = o
            .iter()
            .enumerate()
            .map(|(k, v)| v.ok_or_else(|| missing(k)))
            .collect::<Result<_, _>>()?;
        panel.push(Geo {
            name: name.to_string(),
            spend,
            outcome,
        });
    }
    Ok((GeoPanel::new(panel)?, calendar))
}
