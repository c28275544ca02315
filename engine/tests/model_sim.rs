//! Recovery of known channel ROAS on simulated histories (the ground-truth simulator in
//! `engine::sim`). The full 20-seed daily run is in the `fit` bench, which prints a table.

#![allow(clippy::unwrap_used)]

use engine::model::{ModelConfig, fit};
use engine::sim::{SimConfig, simulate};

struct Recovery {
    roas_errors: Vec<f64>,
    test_mapes: Vec<f64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Fits each seed's simulation (5 to 10 channels, 2 or 3 years) with the default model and
/// collects |estimated ROAS / true ROAS − 1| for every channel. Intervals are off: this checks
/// point estimates.
fn recover(seeds: std::ops::Range<u64>, base: fn(usize) -> SimConfig) -> Recovery {
    let mut roas_errors = Vec::new();
    let mut test_mapes = Vec::new();
    for seed in seeds {
        let mut sim_config = base(5 + seed as usize % 6);
        sim_config.periods = sim_config.periods * (2 + seed as usize % 2) / 3;
        let sim = simulate(&sim_config, seed).unwrap();
        let mut config = ModelConfig {
            seed,
            ..ModelConfig::default()
        };
        config.bootstrap.replicates = 0;
        let model = fit(&sim.data, &config, &[]).unwrap();
        test_mapes.push(model.metrics.test.mape.unwrap());
        for (s, truth) in model.summary.iter().zip(sim.true_roas()) {
            roas_errors.push((s.roas.value / truth - 1.0).abs());
        }
    }
    Recovery {
        roas_errors,
        test_mapes,
    }
}

#[test]
fn weekly_simulations_recover_channel_roas_within_15_percent_median_error() {
    let mut r = recover(0..20, SimConfig::weekly);
    let n = r.roas_errors.len();
    let err = median(&mut r.roas_errors);
    let mape = median(&mut r.test_mapes);
    println!(
        "weekly, 20 seeds, {n} channels: median |ROAS error| {:.1}%, median test MAPE {:.2}%, worst test MAPE {:.2}%",
        100.0 * err,
        100.0 * mape,
        100.0 * r.test_mapes.last().unwrap()
    );
    assert!(err <= 0.15);
    assert!(mape <= 0.15);
}

#[test]
fn daily_simulations_recover_channel_roas_within_15_percent_median_error() {
    let mut r = recover(0..8, SimConfig::daily);
    let n = r.roas_errors.len();
    let err = median(&mut r.roas_errors);
    let mape = median(&mut r.test_mapes);
    println!(
        "daily, 8 seeds, {n} channels: median |ROAS error| {:.1}%, median test MAPE {:.2}%",
        100.0 * err,
        100.0 * mape
    );
    assert!(err <= 0.15);
}
