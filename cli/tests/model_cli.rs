//! `mixpilot model` end to end: arguments parsed by clap as the `mixpilot` binary will, run
//! against temporary files.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use mixpilot_cli::{CommandError, ModelCommand, run_model};

#[derive(Debug, Parser)]
#[command(name = "mixpilot")]
struct Root {
    #[command(subcommand)]
    top: Top,
}

#[derive(Debug, Subcommand)]
enum Top {
    #[command(subcommand)]
    Model(ModelCommand),
}

fn run(args: &[&str]) -> Result<String, CommandError> {
    let mut argv = vec!["mixpilot", "model"];
    argv.extend_from_slice(args);
    let Top::Model(cmd) = Root::try_parse_from(argv).unwrap().top;
    let mut out = Vec::new();
    run_model(&cmd, &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

/// A public MMM dataset: from `MIXPILOT_DATASETS_DIR` (which `scripts/test` sets), else from
/// `../shared/datasets` next to the checkout.
fn dataset(file: &str) -> String {
    let dir = std::env::var_os("MIXPILOT_DATASETS_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets"));
    let path = dir.join(file);
    assert!(
        path.is_file(),
        "dataset {} not found; set MIXPILOT_DATASETS_DIR",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn robyn_dataset_fits_through_the_cli_and_the_report_gives_r2_and_nrmse() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.json");
    let data = dataset("robyn_dt_simulated_weekly.csv");
    let printed = run(&[
        "fit",
        "--data",
        &data,
        "--date",
        "DATE",
        "--target",
        "revenue",
        "--spend",
        "tv_S,ooh_S,print_S,facebook_S,search_S",
        "--control",
        "competitor_sales_B",
        "--event",
        "events",
        "--seed",
        "1",
        "--bootstrap",
        "30",
        "--out",
        path(&out),
    ])
    .unwrap();
    assert!(printed.contains("gate:"), "{printed}");
    let text = run(&["report", path(&out)]).unwrap();
    println!("{text}");
    assert!(text.contains("R2") && text.contains("NRMSE") && text.contains("facebook_S"));
    assert!(
        text.contains("Decomposition of the fitted outcome: trend"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(&["report", path(&out), "--format", "json"]).unwrap()).unwrap();
    for split in ["train", "validation", "test"] {
        let r2 = json["metrics"][split]["r2"].as_f64().unwrap();
        let nrmse = json["metrics"][split]["nrmse"].as_f64().unwrap();
        assert!(r2 <= 1.0 && nrmse > 0.0, "{split}: r2 {r2}, nrmse {nrmse}");
    }
    assert!(json["metrics"]["train"]["r2"].as_f64().unwrap() > 0.85);
    assert!(json["metrics"]["test"]["r2"].as_f64().unwrap() > 0.8);
    assert_eq!(json["channels"].as_array().unwrap().len(), 5);
    // The events factor became one dummy per level.
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let events = model["baseline_spec"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(model["format_version"], 1);
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A small valid weekly CSV with a given number of rows.
fn small_csv(rows: usize) -> String {
    let mut s = String::from("week,sales,tv,search\n");
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 2).unwrap();
    for i in 0..rows {
        let d = start + chrono::Duration::days(7 * i as i64);
        let tv = 100.0 + 50.0 * ((i as f64) * 0.7).sin().abs();
        let search = 40.0 + 20.0 * ((i as f64) * 1.3).cos().abs();
        let sales = 1000.0 + 2.0 * tv + 3.0 * search + (i % 5) as f64;
        s.push_str(&format!("{d},{sales},{tv},{search}\n"));
    }
    s
}

#[test]
fn interactions_add_an_elasticity_matrix_to_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "data.csv", &small_csv(80));
    let out = dir.path().join("model.json");
    let mut args = fit_args(path(&data), path(&out));
    args.push("--interactions");
    run(&args).unwrap();
    let text = run(&["report", path(&out)]).unwrap();
    assert!(text.contains("Elasticity matrix"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&run(&["report", path(&out), "--format", "json"]).unwrap()).unwrap();
    assert_eq!(json["elasticity_matrix"].as_array().unwrap().len(), 2);
}

fn fit_args<'a>(data: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "fit",
        "--data",
        data,
        "--date",
        "week",
        "--target",
        "sales",
        "--spend",
        "tv,search",
        "--bootstrap",
        "5",
        "--out",
        out,
    ]
}

fn assert_bad_input(csv: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "data.csv", csv);
    let out = dir.path().join("model.json");
    let err = run(&fit_args(path(&data), path(&out))).unwrap_err();
    assert_eq!(err.exit_code, 2, "{}", err.message);
    for e in expect {
        assert!(err.message.contains(e), "{:?} lacks {e:?}", err.message);
    }
    assert!(!out.exists(), "nothing is written on bad input");
}

#[test]
fn a_missing_column_is_named() {
    let csv = small_csv(60).replace("search", "srch");
    assert_bad_input(&csv, &["missing column 'search'"]);
}

#[test]
fn a_non_numeric_cell_names_its_row_and_column() {
    let mut lines: Vec<String> = small_csv(60).lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[4].split(',').map(str::to_string).collect();
    cells[1] = "abc".into();
    lines[4] = cells.join(",");
    assert_bad_input(
        &(lines.join("\n") + "\n"),
        &["row 4", "column 'sales'", "'abc'"],
    );
}

#[test]
fn negative_spend_names_its_row_and_column() {
    let mut lines: Vec<String> = small_csv(60).lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[10].split(',').map(str::to_string).collect();
    cells[2] = "-5".into();
    lines[10] = cells.join(",");
    assert_bad_input(
        &(lines.join("\n") + "\n"),
        &["row 10", "column 'tv'", "negative"],
    );
}

#[test]
fn a_gap_in_dates_names_its_row() {
    let mut lines: Vec<String> = small_csv(60).lines().map(str::to_string).collect();
    lines.remove(20);
    assert_bad_input(
        &(lines.join("\n") + "\n"),
        &["row 20", "column 'week'", "gap"],
    );
}

#[test]
fn fewer_periods_than_parameters_is_refused() {
    assert_bad_input(&small_csv(12), &["parameters"]);
}

#[test]
fn forecast_continues_the_history_with_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.json");
    let data = dataset("pymc_mmm_example.csv");
    run(&[
        "fit",
        "--data",
        &data,
        "--date",
        "date_week",
        "--target",
        "y",
        "--spend",
        "x1,x2",
        "--event",
        "event_1,event_2",
        "--bootstrap",
        "20",
        "--out",
        path(&out),
    ])
    .unwrap();
    let plan = write(
        dir.path(),
        "plan.csv",
        "date,x1,x2\n2021-09-06,0.5,0\n2021-09-13,0.5,0.9\n2021-09-20,0,0\n2021-09-27,0,0\n",
    );
    let json: serde_json::Value = serde_json::from_str(
        &run(&[
            "forecast",
            path(&out),
            "--plan",
            path(&plan),
            "--format",
            "json",
        ])
        .unwrap(),
    )
    .unwrap();
    let periods = json["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 4);
    for p in periods {
        let (v, lo, hi) = (
            p["outcome"]["value"].as_f64().unwrap(),
            p["outcome"]["lower"].as_f64().unwrap(),
            p["outcome"]["upper"].as_f64().unwrap(),
        );
        assert!(lo < v && v < hi, "{lo} {v} {hi}");
    }
    // x2 switched on in week 2 lifts it over week 3, when both are off and its carryover
    // decays; x1's contribution falls once it is switched off.
    let ch = |i: usize, c: usize| periods[i]["channels"][c].as_f64().unwrap();
    assert!(ch(1, 1) > ch(2, 1) && ch(2, 1) >= ch(3, 1), "{periods:?}");
    assert!(ch(1, 0) > ch(2, 0) && ch(2, 0) >= ch(3, 0), "{periods:?}");
    let text = run(&["forecast", path(&out), "--plan", path(&plan)]).unwrap();
    assert!(text.contains("2021-09-27") && text.contains("total") && text.contains("x2"));

    // A plan that does not start right after the history is refused.
    let late = write(dir.path(), "late.csv", "date,x1,x2\n2021-10-04,0.5,0\n");
    let err = run(&["forecast", path(&out), "--plan", path(&late)]).unwrap_err();
    assert_eq!(err.exit_code, 2);
    assert!(
        err.message.contains("right after the history"),
        "{}",
        err.message
    );
}

#[test]
fn lift_file_errors_name_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "data.csv", &small_csv(60));
    let lift = write(
        dir.path(),
        "lift.csv",
        "channel,start,end,lift,std_error\ntv,2023-02-06,2023-03-06,500,notanumber\n",
    );
    let out = dir.path().join("model.json");
    let mut args = fit_args(path(&data), path(&out));
    args.extend_from_slice(&["--lift", path(&lift)]);
    let err = run(&args).unwrap_err();
    assert_eq!(err.exit_code, 2);
    assert!(
        err.message.contains("row 1, column 'std_error'"),
        "{}",
        err.message
    );
    assert!(!out.exists());
}

#[test]
fn daily_history_fits_with_day_of_week_seasonality() {
    let mut sc = engine::sim::SimConfig::daily(4);
    sc.periods = 400;
    let sim = engine::sim::simulate(&sc, 3).unwrap();
    let mut csv = String::from("day,orders");
    for c in &sim.data.channels {
        csv.push_str(&format!(",{}", c.name));
    }
    csv.push('\n');
    for t in 0..sim.data.len() {
        let d = mixpilot_cli::csvdata::date_of(sim.data.day_of(t));
        csv.push_str(&format!("{d},{}", sim.data.outcome[t]));
        for c in &sim.data.channels {
            csv.push_str(&format!(",{}", c.values[t]));
        }
        csv.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "daily.csv", &csv);
    let out = dir.path().join("model.json");
    let spend: Vec<String> = sim.data.channels.iter().map(|c| c.name.clone()).collect();
    let spend = spend.join(",");
    run(&[
        "fit",
        "--data",
        path(&data),
        "--date",
        "day",
        "--target",
        "orders",
        "--spend",
        &spend,
        "--bootstrap",
        "10",
        "--out",
        path(&out),
    ])
    .unwrap();
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(model["periodicity"], "daily");
    assert_eq!(model["baseline_spec"]["weekly_order"], 3);
    let text = run(&["report", path(&out)]).unwrap();
    assert!(
        text.contains("Daily") && text.contains("geometric adstock"),
        "{text}"
    );
}
