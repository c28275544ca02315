//! Long carryover on daily data: without an explicit `max_lag`, a geometric adstock's window
//! follows its decay, so a daily decay of 0.95 (a half-life of two weeks, months of effect) is
//! neither cut at 28 days nor capped below its true value.

#![allow(clippy::unwrap_used)]

use engine::model::{ModelConfig, Plan, Series, fit};
use engine::sim::{HardSimConfig, simulate_hard};
use engine::transform::Adstock;

fn long_carryover_history() -> engine::sim::Simulation {
    let mut sc = HardSimConfig::daily(4);
    sc.daily_carryover = (0.92, 0.96);
    sc.delayed_share = 0.0;
    simulate_hard(&sc, 31).unwrap()
}

fn alpha(a: &Adstock) -> f64 {
    match a {
        Adstock::Geometric { alpha, .. } => *alpha,
        other => panic!("expected geometric adstock, got {other:?}"),
    }
}

#[test]
fn daily_windows_follow_the_decay_and_recover_long_carryover() {
    let sim = long_carryover_history();
    let mut config = ModelConfig {
        seed: 5,
        ..ModelConfig::default()
    };
    config.bootstrap.replicates = 0;
    let model = fit(&sim.data, &config, &[]).unwrap();
    let n = sim.data.len();
    let cap = n / 3;
    let mut errors = Vec::new();
    for (fitted, truth) in model.channels.iter().zip(&sim.truth.channels) {
        let a = fitted.transform.adstock;
        let (fa, ta) = (alpha(&a), alpha(&truth.transform.adstock));
        // The window holds 99.9% of the weight, or reaches the cap of a third of the history.
        assert!(
            fa.powi(a.max_lag() as i32) <= 1e-3 || a.max_lag() == cap,
            "{}: alpha {fa}, window {}",
            fitted.name,
            a.max_lag()
        );
        assert!(a.max_lag() >= 28);
        // The forecast's carry-in keeps the longest window any fit may use.
        assert_eq!(fitted.history_tail.len(), cap - 1);
        println!("{}: alpha {fa:.3} (truth {ta:.3})", fitted.name);
        errors.push((fa - ta).abs());
    }
    errors.sort_by(f64::total_cmp);
    let median = 0.5 * (errors[1] + errors[2]);
    assert!(median <= 0.05, "median |alpha error| {median}");

    // A forecast continues the history with the long carry-in.
    let plan = Plan {
        first_day: sim.data.day_of(n),
        spend: model
            .channels
            .iter()
            .map(|c| Series::new(c.name.clone(), vec![c.current_spend_per_period; 14]))
            .collect(),
        controls: Vec::new(),
        events: Vec::new(),
    };
    let f = model.forecast(&plan, 1).unwrap();
    assert_eq!(f.periods.len(), 14);
    assert!(f.total.value.is_finite() && f.total.value > 0.0);
}

#[test]
fn an_explicit_window_is_kept() {
    let sim = long_carryover_history();
    let mut config = ModelConfig {
        seed: 5,
        max_lag: Some(28),
        ..ModelConfig::default()
    };
    config.bootstrap.replicates = 0;
    let model = fit(&sim.data, &config, &[]).unwrap();
    for c in &model.channels {
        assert_eq!(c.transform.adstock.max_lag(), 28);
        assert_eq!(c.history_tail.len(), 27);
        assert!(alpha(&c.transform.adstock) <= 0.9);
    }
}
