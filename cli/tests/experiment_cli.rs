//! `experiment design` and `experiment readout`, parsed as the `mixpilot` binary parses them and
//! run on files in a temporary folder: a simulated market of 12 geos where a channel worth 10%
//! of the outcome is switched off in the test geos for four weeks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::fmt::Write as _;
use std::path::Path;

use clap::{Parser, Subcommand};
use mixpilot_cli::{CommandError, ExperimentCommand, run_experiment};

#[derive(Debug, Parser)]
#[command(name = "mixpilot")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    #[command(subcommand)]
    Experiment(ExperimentCommand),
}

fn run(args: &[&str]) -> Result<String, CommandError> {
    let cli = Cli::try_parse_from(args).map_err(|e| CommandError::input(e.to_string()))?;
    let mut out = Vec::new();
    match &cli.command {
        Cmd::Experiment(c) => run_experiment(c, &mut out)?,
    }
    Ok(String::from_utf8(out).unwrap())
}

const GEOS: usize = 12;
const PRE: usize = 84;
const WINDOW: usize = 28;

fn date(t: usize) -> String {
    (chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(t as i64))
        .format("%Y-%m-%d")
        .to_string()
}

/// Geo `g` has size `g + 1`; its outcome is `size · (1000 + weekly cycle + 100 · channel on)`
/// plus a small deterministic wiggle, so the channel is worth 100 per size unit a day.
fn market(off: &[String], periods: usize) -> String {
    let mut csv = String::from("date,geo,spend,outcome\n");
    for t in 0..periods {
        for g in 0..GEOS {
            let name = format!("geo{g:02}");
            let size = (g + 1) as f64;
            let on = !(t >= PRE && off.contains(&name));
            let wiggle = (((t * 7 + g * 13) % 11) as f64 - 5.0) * 0.8 * size.sqrt();
            let cycle = 60.0 * (2.0 * std::f64::consts::PI * t as f64 / 7.0).sin();
            let outcome = size * (1000.0 + cycle + if on { 100.0 } else { 0.0 }) + wiggle;
            let spend = if on { 50.0 * size } else { 0.0 };
            writeln!(csv, "{},{name},{spend},{outcome:.3}", date(t)).unwrap();
        }
    }
    csv
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_designed_holdout_reads_out_the_lift_and_writes_it_as_a_lift_test() {
    let dir = tempfile::tempdir().unwrap();
    let history = write(dir.path(), "pre.csv", &market(&[], PRE));
    let design = dir.path().join("design.json");
    // The whole market loses 100 per size unit a day: 100 · 78 = 7,800 a day.
    let text = run(&[
        "mixpilot",
        "experiment",
        "design",
        "--data",
        &history,
        "--channel",
        "social",
        "--holdout-share",
        "0.15",
        "--lift-per-period",
        "7800",
        "--max-periods",
        "28",
        "--out",
        design.to_str().unwrap(),
    ])
    .unwrap();
    assert!(text.contains("Hold out social"), "{text}");
    assert!(
        text.contains("run it for"),
        "a 10% channel is detectable in 4 weeks: {text}"
    );

    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&design).unwrap()).unwrap();
    let test_geos: Vec<String> = saved["design"]["test_geos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap().to_string())
        .collect();
    let share = saved["design"]["spend_share"].as_f64().unwrap();
    assert!((0.1125..=0.1875).contains(&share), "share {share}");

    let after = write(dir.path(), "after.csv", &market(&test_geos, PRE + WINDOW));
    let lift_csv = dir.path().join("lift.csv");
    let text = run(&[
        "mixpilot",
        "experiment",
        "readout",
        "--data",
        &after,
        "--design",
        design.to_str().unwrap(),
        "--start",
        &date(PRE),
        "--end",
        &date(PRE + WINDOW - 1),
        "--lift-out",
        lift_csv.to_str().unwrap(),
        "--format",
        "json",
    ])
    .unwrap();
    let readout: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The truth: 100 per size unit a day over 28 days in the whole market.
    let truth = 7800.0 * WINDOW as f64;
    let national = readout["national_lift"].as_f64().unwrap();
    let se = readout["national_std_error"].as_f64().unwrap();
    assert!(
        (national - truth).abs() < 3.0 * se,
        "{national} ± {se} against {truth}"
    );
    assert!(
        se < 0.05 * truth,
        "the wiggle is small, so the lift is precise: se {se}"
    );

    let lift = std::fs::read_to_string(&lift_csv).unwrap();
    let mut lines = lift.lines();
    assert_eq!(lines.next(), Some("channel,start,end,lift,std_error"));
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &row[..3],
        &[
            "social",
            date(PRE).as_str(),
            date(PRE + WINDOW - 1).as_str()
        ]
    );
    assert!((row[3].parse::<f64>().unwrap() - national).abs() < 1e-6);
}

#[test]
fn bad_geo_data_is_refused_naming_the_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = market(&[], PRE);
    csv = csv.replacen(&format!("{},geo03", date(5)), "2026-02-30,geo03", 1);
    let path = write(dir.path(), "bad.csv", &csv);
    let out = dir.path().join("d.json");
    let err = run(&[
        "mixpilot",
        "experiment",
        "design",
        "--data",
        &path,
        "--channel",
        "social",
        "--lift-per-period",
        "100",
        "--out",
        out.to_str().unwrap(),
    ])
    .unwrap_err();
    assert_eq!(err.exit_code, 2);
    assert!(
        err.message.contains("column 'date'") && err.message.contains("2026-02-30"),
        "{}",
        err.message
    );
    // A geo missing a day is named with the day.
    let csv: String = market(&[], PRE)
        .lines()
        .filter(|l| !l.starts_with(&format!("{},geo07", date(9))))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = write(dir.path(), "gap.csv", &csv);
    let err = run(&[
        "mixpilot",
        "experiment",
        "design",
        "--data",
        &path,
        "--channel",
        "social",
        "--lift-per-period",
        "100",
        "--out",
        out.to_str().unwrap(),
    ])
    .unwrap_err();
    assert!(
        err.message.contains("geo 'geo07' has no row for") && err.message.contains(&date(9)),
        "{}",
        err.message
    );
}
