//! The `optimize`, `scenario` and `health` commands, parsed as the `mixpilot` binary will parse
//! them and run against files in a temporary folder.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use mixpilot_cli::{
    CommandError, HealthArgs, OptimizeArgs, ScenarioArgs, run_health, run_optimize, run_scenario,
};

/// Stand-in for the `mixpilot` binary, which flattens these commands the same way.
#[derive(Debug, Parser)]
#[command(name = "mixpilot")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    Optimize(OptimizeArgs),
    Scenario(ScenarioArgs),
    Health(HealthArgs),
}

fn run(args: &[&str]) -> Result<String, CommandError> {
    let cli = Cli::try_parse_from(args).map_err(|e| CommandError::input(e.to_string()))?;
    let mut out = Vec::new();
    match &cli.command {
        Cmd::Optimize(a) => run_optimize(a, &mut out)?,
        Cmd::Scenario(a) => run_scenario(a, &mut out)?,
        Cmd::Health(a) => run_health(a, &mut out)?,
    }
    Ok(String::from_utf8(out).unwrap())
}

const CURVES: &str = r#"{
  "currency": "USD",
  "period": "day",
  "outcome": "revenue",
  "items": [
    {"id": "brand_search", "current": 500,
     "curve": {"beta": 4000, "saturation": {"type": "hill", "half_saturation": 800, "shape": 0.8}}},
    {"id": "brand_social", "current": 500,
     "curve": {"beta": 3000, "saturation": {"type": "hill", "half_saturation": 900, "shape": 0.9}}},
    {"id": "perf_search", "current": 1000, "platform_min": 50,
     "curve": {"beta": 9000, "saturation": {"type": "logistic", "lambda": 0.0008},
               "adstock_multiplier": 1.4, "carry_in": 120},
     "samples": [
       {"beta": 8000, "saturation": {"type": "logistic", "lambda": 0.0008}, "adstock_multiplier": 1.4, "carry_in": 120},
       {"beta": 9000, "saturation": {"type": "logistic", "lambda": 0.0008}, "adstock_multiplier": 1.4, "carry_in": 120},
       {"beta": 10000, "saturation": {"type": "logistic", "lambda": 0.0008}, "adstock_multiplier": 1.4, "carry_in": 120}
     ]}
  ]
}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn optimize_writes_a_plan_that_spends_the_budget_to_the_cent() {
    let dir = tempfile::tempdir().unwrap();
    let curves = write(dir.path(), "curves.json", CURVES);
    let out = dir.path().join("plan.json");
    let table = run(&[
        "mixpilot",
        "optimize",
        "--curves",
        s(&curves),
        "--budget",
        "2000.01",
        "--out",
        s(&out),
    ])
    .unwrap();
    assert!(table.contains("perf_search"));
    assert!(table.contains("optimality gap"));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(plan["total_spend_cents"], 200_001);
    let sum: i64 = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["spend_cents"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 200_001);
    assert!(plan["gap"].as_f64().unwrap() <= 1e-6);
    assert!(
        plan["outcome_interval"]["lower"].as_f64().unwrap()
            < plan["outcome_interval"]["upper"].as_f64().unwrap()
    );
    // The ±15% default change limit holds for each item.
    for it in plan["items"].as_array().unwrap() {
        let (spend, cur) = (
            it["spend"].as_f64().unwrap(),
            it["current"].as_f64().unwrap(),
        );
        assert!(spend >= cur * 0.85 - 1e-9 && spend <= cur * 1.15 + 1e-9);
    }
}

#[test]
fn format_json_prints_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let curves = write(dir.path(), "curves.json", CURVES);
    let json = run(&[
        "mixpilot",
        "optimize",
        "--curves",
        s(&curves),
        "--budget",
        "2,000",
        "--format",
        "json",
    ])
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["total_spend_cents"], 200_000);
    assert!(v["next_1000_buys"].as_f64().unwrap() > 0.0);
}

#[test]
fn an_infeasible_constraints_file_names_the_conflict_and_exits_with_2() {
    let dir = tempfile::tempdir().unwrap();
    let curves = write(dir.path(), "curves.json", CURVES);
    let constraints = write(
        dir.path(),
        "constraints.json",
        r#"{
          "groups": [
            {"name": "brand", "items": ["brand_search", "brand_social"], "min": 1500},
            {"name": "social", "items": ["brand_social"], "max_share": 0.4}
          ]
        }"#,
    );
    let err = run(&[
        "mixpilot",
        "optimize",
        "--curves",
        s(&curves),
        "--constraints",
        s(&constraints),
        "--budget",
        "2000",
    ])
    .unwrap_err();
    assert_eq!(err.exit_code, 2);
    assert!(
        err.message.contains("group brand minimum ($1500.00)"),
        "{}",
        err.message
    );
    assert!(err.message.contains("change limit"), "{}", err.message);
    assert!(
        !err.message.contains("social"),
        "not minimal: {}",
        err.message
    );
}

#[test]
fn constraints_and_current_csv_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let curves = write(dir.path(), "curves.json", CURVES);
    let current = write(
        dir.path(),
        "current.csv",
        "id,current,platform_min\nbrand_search,600,\nbrand_social,400,\nperf_search,1000,900\n",
    );
    let constraints = write(
        dir.path(),
        "constraints.json",
        r#"{
          "change_limit": {"max_increase": 0.5, "max_decrease": 0.5},
          "items": [{"item": "brand_search", "locked": true}],
          "groups": [{"name": "brand", "items": ["brand_search", "brand_social"], "min": 900}]
        }"#,
    );
    let out = dir.path().join("plan.json");
    run(&[
        "mixpilot",
        "optimize",
        "--curves",
        s(&curves),
        "--constraints",
        s(&constraints),
        "--current",
        s(&current),
        "--budget",
        "2000",
        "--out",
        s(&out),
    ])
    .unwrap();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let items = plan["items"].as_array().unwrap();
    let spend = |id: &str| {
        items.iter().find(|i| i["id"] == id).unwrap()["spend_cents"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(spend("brand_search"), 60_000);
    assert!(spend("brand_search") + spend("brand_social") >= 90_000);
    assert!(spend("perf_search") >= 90_000);
    assert_eq!(
        spend("brand_search") + spend("brand_social") + spend("perf_search"),
        200_000
    );
}

#[test]
fn on_off_rules_are_read_from_constraints_json() {
    let dir = tempfile::tempdir().unwrap();
    let curves = write(dir.path(), "curves.json", CURVES);
    let constraints = write(
        dir.path(),
        "constraints.json",
        r#"{"change_limit": null, "max_active": 2,
            "items": [{"item": "brand_social", "min_if_active": 900}]}"#,
    );
    let json = run(&[
        "mixpilot",
        "optimize",
        "--curves",
        s(&curves),
        "--constraints",
        s(&constraints),
        "--budget",
        "2000",
        "--format",
        "json",
    ])
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let spends: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["spend_cents"].as_i64().unwrap())
        .collect();
    assert!(spends.iter().filter(|&&c| c > 0).count() <= 2, "{spends:?}");
    assert!(spends[1] == 0 || spends[1] >= 90_000, "{spends:?}");
    assert_eq!(spends.iter().sum::<i64>(), 200_000);
}

#[test]
fn bad_input_exits_with_2_and_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let curves = write(dir.path(), "curves.json", CURVES);
    let e = run(&[
        "mixpilot",
        "optimize",
        "--curves",
        s(&curves),
        "--budget",
        "lots",
    ])
    .unwrap_err();
    assert_eq!(e.exit_code, 2);
    assert!(e.message.contains("--budget"));
    let bad = write(
        dir.path(),
        "bad.json",
        r#"{"items": [{"id": "a", "curve": {"beta": -1, "saturation": {"type": "logistic", "lambda": 1}}}]}"#,
    );
    let e = run(&[
        "mixpilot",
        "optimize",
        "--curves",
        s(&bad),
        "--budget",
        "10",
    ])
    .unwrap_err();
    assert_eq!(e.exit_code, 2);
    assert!(e.message.contains("beta"), "{}", e.message);
    let csv = write(dir.path(), "current.csv", "id,current\nnobody,5\n");
    let e = run(&[
        "mixpilot",
        "optimize",
        "--curves",
        s(&curves),
        "--current",
        s(&csv),
        "--budget",
        "10",
    ])
    .unwrap_err();
    assert!(e.message.contains("row 2"), "{}", e.message);
    let e = run(&[
        "mixpilot",
        "optimize",
        "--model",
        "model.json",
        "--budget",
        "10",
    ])
    .unwrap_err();
    assert_eq!(e.exit_code, 2);
    assert!(e.message.contains("--model model.json"), "{}", e.message);
    let e = run(&[
        "mixpilot",
        "optimize",
        "--curves",
        s(&curves),
        "--budget",
        "2000",
        "--objective",
        "fame",
    ])
    .unwrap_err();
    assert_eq!(e.exit_code, 2);
}

#[test]
fn scenario_prints_the_frontier() {
    let dir = tempfile::tempdir().unwrap();
    let curves = write(
        dir.path(),
        "curves.json",
        r#"{"items": [
        {"id": "a", "current": 1000, "curve": {"beta": 5000, "saturation": {"type": "hill", "half_saturation": 1000, "shape": 0.8}}},
        {"id": "b", "current": 1000, "curve": {"beta": 3000, "saturation": {"type": "hill", "half_saturation": 700, "shape": 1.0}}}
    ]}"#,
    );
    let constraints = write(dir.path(), "constraints.json", r#"{"change_limit": null}"#);
    let json = run(&[
        "mixpilot",
        "scenario",
        "--curves",
        s(&curves),
        "--constraints",
        s(&constraints),
        "--budgets",
        "1000:4000:1000",
        "--format",
        "json",
    ])
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let pts = v["frontier"].as_array().unwrap();
    assert_eq!(pts.len(), 4);
    let outcomes: Vec<f64> = pts
        .iter()
        .map(|p| p["result"]["expected_outcome"].as_f64().unwrap())
        .collect();
    assert!(outcomes.windows(2).all(|w| w[1] > w[0]));
    let table = run(&[
        "mixpilot",
        "scenario",
        "--curves",
        s(&curves),
        "--budgets",
        "1500:2500:500",
    ])
    .unwrap();
    // ±15% around $2,000: $1,500 cannot be reached and says why.
    assert!(table.contains("infeasible"), "{table}");
    let whatif = run(&[
        "mixpilot",
        "scenario",
        "--curves",
        s(&curves),
        "--budget",
        "2000",
        "--constraint-costs",
        "--compare",
        "revenue,profit",
        "--margin",
        "0.5",
        "--sensitivity",
        "0.1",
    ])
    .unwrap();
    assert!(whatif.contains("what each constraint costs"), "{whatif}");
    assert!(whatif.contains("change limit"), "{whatif}");
    assert!(whatif.contains("Profit"), "{whatif}");
    assert!(whatif.contains("half_saturation"), "{whatif}");
}

#[test]
fn health_prints_the_index_and_actions() {
    let dir = tempfile::tempdir().unwrap();
    let curves = write(
        dir.path(),
        "curves.json",
        r#"{"items": [
        {"id": "good", "current": 1000, "curve": {"beta": 100000, "saturation": {"type": "hill", "half_saturation": 1000, "shape": 0.8}}},
        {"id": "poor", "current": 1000, "curve": {"beta": 5000, "saturation": {"type": "hill", "half_saturation": 1000, "shape": 0.8}}}
    ]}"#,
    );
    let constraints = write(dir.path(), "constraints.json", r#"{"change_limit": null}"#);
    let table = run(&[
        "mixpilot",
        "health",
        "--curves",
        s(&curves),
        "--constraints",
        s(&constraints),
    ])
    .unwrap();
    assert!(table.contains("Budget Health Index"));
    assert!(table.contains("(red)"), "{table}");
    assert!(
        table.contains("move $") && table.contains("from poor to good"),
        "{table}"
    );
    let json = run(&[
        "mixpilot",
        "health",
        "--curves",
        s(&curves),
        "--constraints",
        s(&constraints),
        "--yellow",
        "50",
        "--format",
        "json",
    ])
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["band"], "yellow");
}
