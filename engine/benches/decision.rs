//! The decision benchmark: do the engine's recommendations beat keeping the historical mix, on
//! simulated histories whose true response curves are known?
//!
//! Per history ([`engine::sim::simulate_hard`]: 730 days or 156 weeks, 4–8 channels, long daily
//! carryover, flighting, bursts, trend, seasonality, correlated spend, noise 4% of the mean
//! outcome):
//!
//! 1. fit the model as `mixpilot model fit` does (the default [`ModelConfig`] with the seed and
//!    100 bootstrap replicates);
//! 2. optimize as `mixpilot optimize --model` does (`items_from_model`, the revenue objective),
//!    with today's spend set to each channel's historical mean spend per period (as
//!    `--current` would), every channel within 0.5–2× that mean, no change limit, and the same
//!    total budget;
//! 3. score on the TRUE steady-state curves `β · s(m · x)`: the plan's true media outcome over
//!    the true optimum under the same bounds and budget (found by the same optimizer on the
//!    true curves), the historical mix's ratio, whether the plan earned less than the
//!    historical mix and by how much (as a share of the optimum), each channel's ROAS error
//!    against the true ROAS over the history, and whether the 90% ROAS interval holds it.
//!
//! Seeds: `MIXPILOT_DECISION_SEEDS=dev` (default; the seeds the engine was developed on) or
//! `heldout` (chosen after development and never tuned on). `MIXPILOT_DECISION_COUNT` sets the
//! histories per periodicity (default 8 for dev, 10 for held-out). `MIXPILOT_DECISION_WINDOWS=fixed`
//! fits with fixed adstock windows (8 weeks or 28 days: the engine before adaptive windows). One
//! thread.
//!
//! Run with `cargo bench -p engine --bench decision` (release), or in the dev profile with
//! `cargo test --workspace --bench decision` (the engine and its math crates are optimized
//! there too).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use engine::model::{FittedModel, ModelConfig, Periodicity, fit};
use engine::optimize::{
    Budget, BudgetMode, Constraints, CurveParams, CurveParamsRequest, Item, ItemBound, ItemRule,
    Objective, OptimizeOptions, Problem, ResponseCurve, Saturation, items_from_model, optimize,
};
use engine::sim::{HardSimConfig, Simulation, simulate_hard};
use engine::transform::Saturation as ModelSaturation;

/// Development seeds (daily, weekly): the seeds every change was measured on.
const DEV: (u64, u64) = (100, 200);
/// Held-out seeds (daily, weekly), chosen once development was finished and never tuned on.
const HELD_OUT: Option<(u64, u64)> = Some((7_100, 7_200));

struct Row {
    periodicity: Periodicity,
    seed: u64,
    channels: usize,
    fit_seconds: f64,
    test_mape: f64,
    accepted: bool,
    plan_ratio: f64,
    hist_ratio: f64,
    /// (historical − plan) / optimum when positive.
    loss: f64,
    roas_errors: Vec<f64>,
    covered: usize,
}

fn cents(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

/// The historical mean spend per period of each channel, in cents.
fn historical_cents(sim: &Simulation) -> Vec<i64> {
    sim.data
        .channels
        .iter()
        .map(|c| cents(c.values.iter().sum::<f64>() / c.values.len() as f64))
        .collect()
}

/// The benchmark's constraints: the same total, each channel within 0.5–2× its historical mean.
fn constraints(items: &[Item], hist: &[i64]) -> Constraints {
    let mut c = Constraints::with_budget(Budget {
        amount: hist.iter().sum(),
        mode: BudgetMode::Exactly,
    });
    c.change_limit = None;
    c.items = items
        .iter()
        .zip(hist)
        .map(|(item, h)| ItemRule {
            item: item.id.clone(),
            min: Some(ItemBound::Money((h + 1) / 2)),
            max: Some(ItemBound::Money(2 * h)),
            ..ItemRule::default()
        })
        .collect();
    c
}

fn plan_spend(mut items: Vec<Item>, hist: &[i64]) -> Vec<f64> {
    for (item, h) in items.iter_mut().zip(hist) {
        item.current = Some(*h);
    }
    let problem = Problem {
        constraints: constraints(&items, hist),
        items,
        objective: Objective::Outcome,
    };
    let plan = optimize(&problem, &OptimizeOptions::default()).unwrap();
    plan.items.iter().map(|i| i.spend as f64 / 100.0).collect()
}

/// The true steady-state curves as optimizer items.
fn true_items(sim: &Simulation) -> Vec<Item> {
    sim.truth
        .channels
        .iter()
        .map(|ch| {
            let t = ch.transform;
            let saturation = match t.saturation {
                ModelSaturation::Hill { half, shape } => Saturation::Hill {
                    half_saturation: half,
                    shape,
                },
                ModelSaturation::Logistic { half } => Saturation::Logistic {
                    lambda: 3f64.ln() / half,
                },
            };
            let params = CurveParams::try_from(CurveParamsRequest {
                beta: t.beta,
                saturation,
                adstock_multiplier: t.adstock.steady_state_multiplier(),
                carry_in: 0.0,
            })
            .unwrap();
            Item {
                id: ch.name.clone(),
                curve: ResponseCurve::certain(params),
                current: None,
                platform_min: None,
                secondary_curve: None,
            }
        })
        .collect()
}

/// True steady-state media outcome per period of an allocation.
fn true_outcome(sim: &Simulation, spend: &[f64]) -> f64 {
    sim.truth
        .channels
        .iter()
        .zip(spend)
        .map(|(ch, x)| {
            let t = ch.transform;
            t.beta * t.saturation.value(t.adstock.steady_state_multiplier() * x)
        })
        .sum()
}

fn run(periodicity: Periodicity, seed: u64) -> Row {
    let channels = 4 + (seed % 5) as usize;
    let sc = match periodicity {
        Periodicity::Daily => HardSimConfig::daily(channels),
        Periodicity::Weekly => HardSimConfig::weekly(channels),
    };
    let sim = simulate_hard(&sc, seed).unwrap();
    let mut config = ModelConfig {
        seed,
        ..ModelConfig::default()
    };
    config.bootstrap.replicates = 100;
    if fixed_windows() {
        // The engine before adaptive windows: every adstock window at 8 weeks or 28 days.
        config.max_lag = Some(periodicity.default_max_lag());
    }
    let start = Instant::now();
    let model: FittedModel = fit(&sim.data, &config, &[]).unwrap();
    let fit_seconds = start.elapsed().as_secs_f64();

    let hist = historical_cents(&sim);
    let hist_spend: Vec<f64> = hist.iter().map(|c| *c as f64 / 100.0).collect();
    let plan = plan_spend(items_from_model(&model).unwrap(), &hist);
    let best = plan_spend(true_items(&sim), &hist);
    let optimum = true_outcome(&sim, &best);
    let planned = true_outcome(&sim, &plan);
    let historical = true_outcome(&sim, &hist_spend);
    let truth = sim.true_roas();
    let roas_errors = model
        .summary
        .iter()
        .zip(&truth)
        .map(|(s, t)| (s.roas.value / t - 1.0).abs())
        .collect();
    let covered = model
        .summary
        .iter()
        .zip(&truth)
        .filter(|(s, t)| s.roas.lower <= **t && **t <= s.roas.upper)
        .count();
    Row {
        periodicity,
        seed,
        channels,
        fit_seconds,
        test_mape: model.metrics.test.mape.unwrap_or(f64::NAN),
        accepted: model.accepted(),
        plan_ratio: planned / optimum,
        hist_ratio: historical / optimum,
        loss: ((historical - planned) / optimum).max(0.0),
        roas_errors,
        covered,
    }
}

/// `MIXPILOT_DECISION_WINDOWS=fixed` fits with today's fixed adstock windows (the engine before
/// adaptive windows), for a before/after comparison on the same seeds.
fn fixed_windows() -> bool {
    std::env::var("MIXPILOT_DECISION_WINDOWS").is_ok_and(|v| v == "fixed")
}

fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

fn name(p: Periodicity) -> &'static str {
    match p {
        Periodicity::Daily => "daily",
        Periodicity::Weekly => "weekly",
    }
}

fn summary(label: &str, rows: &[&Row]) {
    let plan: Vec<f64> = rows.iter().map(|r| r.plan_ratio).collect();
    let hist: Vec<f64> = rows.iter().map(|r| r.hist_ratio).collect();
    let worse = rows.iter().filter(|r| r.loss > 0.0).count();
    let max_loss = rows.iter().map(|r| r.loss).fold(0.0, f64::max);
    let errors: Vec<f64> = rows.iter().flat_map(|r| r.roas_errors.clone()).collect();
    let covered: usize = rows.iter().map(|r| r.covered).sum();
    let fit: Vec<f64> = rows.iter().map(|r| r.fit_seconds).collect();
    let mape: Vec<f64> = rows.iter().map(|r| r.test_mape).collect();
    let accepted = rows.iter().filter(|r| r.accepted).count();
    println!(
        "| {:<7} | {:>3} | {:>11.3} | {:>9.3} | {:>11.3} | {:>5} | {:>8.1}% | {:>9.1}% | {:>11} | {:>8.1} | {:>8.1}% | {:>5} |",
        label,
        rows.len(),
        median(&plan),
        plan.iter().copied().fold(f64::INFINITY, f64::min),
        median(&hist),
        format!("{worse}/{}", rows.len()),
        100.0 * max_loss,
        100.0 * median(&errors),
        format!(
            "{covered}/{} {:.0}%",
            errors.len(),
            100.0 * covered as f64 / errors.len().max(1) as f64
        ),
        median(&fit),
        100.0 * median(&mape),
        format!("{accepted}/{}", rows.len()),
    );
}

fn main() {
    let set = std::env::var("MIXPILOT_DECISION_SEEDS").unwrap_or_else(|_| "dev".into());
    let (seeds, label) = match set.as_str() {
        "dev" => (DEV, "development seeds"),
        "heldout" => (
            HELD_OUT.expect("held-out seeds are chosen after development"),
            "HELD-OUT seeds (never tuned on)",
        ),
        other => panic!("MIXPILOT_DECISION_SEEDS must be dev or heldout, not {other}"),
    };
    let count: u64 = std::env::var("MIXPILOT_DECISION_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if set == "dev" { 8 } else { 10 });
    println!(
        "\nDecision benchmark, {label}, {} adstock windows: daily seeds {}..{}, weekly seeds {}..{}\n",
        if fixed_windows() {
            "fixed (8 weeks, 28 days)"
        } else {
            "default"
        },
        seeds.0,
        seeds.0 + count,
        seeds.1,
        seeds.1 + count
    );
    println!(
        "| {:<6} | {:>5} | {:>2} | {:>7} | {:>9} | {:>8} | {:>8} | {:>6} | {:>9} | {:>7} |",
        "data",
        "seed",
        "ch",
        "fit (s)",
        "test MAPE",
        "plan/opt",
        "hist/opt",
        "loss",
        "ROAS err",
        "covered"
    );
    println!(
        "|{:-<8}|{:-<7}|{:-<4}|{:-<9}|{:-<11}|{:-<10}|{:-<10}|{:-<8}|{:-<11}|{:-<9}|",
        "", "", "", "", "", "", "", "", "", ""
    );
    let mut rows = Vec::new();
    for (p, first) in [
        (Periodicity::Daily, seeds.0),
        (Periodicity::Weekly, seeds.1),
    ] {
        for seed in first..first + count {
            let r = run(p, seed);
            println!(
                "| {:<6} | {:>5} | {:>2} | {:>7.2} | {:>8.2}% | {:>8.3} | {:>8.3} | {:>5.1}% | {:>8.1}% | {:>7} |",
                name(p),
                r.seed,
                r.channels,
                r.fit_seconds,
                100.0 * r.test_mape,
                r.plan_ratio,
                r.hist_ratio,
                100.0 * r.loss,
                100.0 * median(&r.roas_errors),
                format!("{}/{}", r.covered, r.roas_errors.len())
            );
            rows.push(r);
        }
    }
    println!("\nSummary ({label}; ratios of the true media outcome to the true optimum)\n");
    println!(
        "| {:<7} | {:>3} | {:>11} | {:>9} | {:>11} | {:>5} | {:>9} | {:>10} | {:>11} | {:>8} | {:>9} | {:>5} |",
        "data",
        "n",
        "median plan",
        "min plan",
        "median hist",
        "worse",
        "max loss",
        "ROAS error",
        "90% covered",
        "fit (s)",
        "test MAPE",
        "gate"
    );
    println!(
        "|{:-<9}|{:-<5}|{:-<13}|{:-<11}|{:-<13}|{:-<7}|{:-<11}|{:-<12}|{:-<13}|{:-<10}|{:-<11}|{:-<7}|",
        "", "", "", "", "", "", "", "", "", "", "", ""
    );
    for p in [Periodicity::Daily, Periodicity::Weekly] {
        let sel: Vec<&Row> = rows.iter().filter(|r| r.periodicity == p).collect();
        summary(name(p), &sel);
    }
    summary("all", &rows.iter().collect::<Vec<_>>());
    println!(
        "\nplan/opt: the plan's true outcome over the true optimum (same bounds and budget); \
         hist/opt: the historical mix's; worse: plans that earned less than the historical mix; \
         max loss: the largest such shortfall as a share of the optimum; ROAS error: median \
         |estimate / truth − 1| over channels; fit: median seconds per fit (100 bootstrap \
         replicates)."
    );
}
