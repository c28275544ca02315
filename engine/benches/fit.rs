//! Fit time, peak memory and recovery accuracy of the model engine, printed as tables.
//!
//! Run with `cargo bench -p engine --bench fit`. Everything runs on one thread (the engine
//! does not spawn any). Peak memory is the process's resident high-water mark (`VmHWM` in
//! `/proc/self/status`), reset before each case through `/proc/self/clear_refs`; on systems
//! without those files it prints `n/a`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use engine::model::{ModelConfig, fit};
use engine::sim::{SimConfig, simulate};

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn mib(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |m| format!("{m:.1}"))
}

struct Timing {
    case: &'static str,
    time: Duration,
    peak: Option<f64>,
    test_mape: f64,
}

fn time_fit(case: &'static str, sim_config: &SimConfig, replicates: usize) -> Timing {
    let sim = simulate(sim_config, 42).unwrap();
    let mut config = ModelConfig {
        seed: 42,
        ..ModelConfig::default()
    };
    config.bootstrap.replicates = replicates;
    reset_peak();
    let start = Instant::now();
    let model = fit(&sim.data, &config, &[]).unwrap();
    let time = start.elapsed();
    Timing {
        case,
        time,
        peak: peak_mib(),
        test_mape: model.metrics.test.mape.unwrap_or(f64::NAN),
    }
}

struct Recovery {
    median_roas_error: f64,
    p90_roas_error: f64,
    channels: usize,
    median_test_mape: f64,
    max_test_mape: f64,
    mean_fit: Duration,
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// 20 seeds, 5 to 10 channels, 2 or 3 years; point estimates (no bootstrap).
fn recovery(base: fn(usize) -> SimConfig) -> Recovery {
    let mut errors = Vec::new();
    let mut mapes = Vec::new();
    let mut total = Duration::ZERO;
    for seed in 0..20u64 {
        let mut sc = base(5 + seed as usize % 6);
        sc.periods = sc.periods * (2 + seed as usize % 2) / 3;
        let sim = simulate(&sc, seed).unwrap();
        let mut config = ModelConfig {
            seed,
            ..ModelConfig::default()
        };
        config.bootstrap.replicates = 0;
        let start = Instant::now();
        let model = fit(&sim.data, &config, &[]).unwrap();
        total += start.elapsed();
        mapes.push(model.metrics.test.mape.unwrap_or(f64::NAN));
        for (s, truth) in model.summary.iter().zip(sim.true_roas()) {
            errors.push((s.roas.value / truth - 1.0).abs());
        }
    }
    Recovery {
        channels: errors.len(),
        median_roas_error: quantile(&mut errors, 0.5),
        p90_roas_error: quantile(&mut errors, 0.9),
        median_test_mape: quantile(&mut mapes, 0.5),
        max_test_mape: quantile(&mut mapes, 1.0),
        mean_fit: total / 20,
    }
}

/// How often the default 90% ROAS interval holds the true ROAS (10 weekly seeds, 5-10
/// channels, 3 years, 100 bootstrap replicates).
fn coverage() -> (usize, usize, f64) {
    let (mut inside, mut total) = (0, 0);
    let mut widths = Vec::new();
    for seed in 100..110u64 {
        let sim = simulate(&SimConfig::weekly(5 + seed as usize % 6), seed).unwrap();
        let config = ModelConfig {
            seed,
            ..ModelConfig::default()
        };
        let model = fit(&sim.data, &config, &[]).unwrap();
        for (s, truth) in model.summary.iter().zip(sim.true_roas()) {
            total += 1;
            if s.roas.lower <= truth && truth <= s.roas.upper {
                inside += 1;
            }
            widths.push((s.roas.upper - s.roas.lower) / s.roas.value);
        }
    }
    (inside, total, quantile(&mut widths, 0.5))
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is a filter we do not need.
    let weekly = SimConfig::weekly(10);
    let daily = SimConfig::daily(10);
    let timings = [
        time_fit("156 weeks x 10 channels, search only", &weekly, 0),
        time_fit(
            "156 weeks x 10 channels, default (100 bootstrap)",
            &weekly,
            100,
        ),
        time_fit("1095 days x 10 channels, search only", &daily, 0),
        time_fit(
            "1095 days x 10 channels, default (100 bootstrap)",
            &daily,
            100,
        ),
    ];
    println!("\nFit time and peak memory (one thread, seed 42)\n");
    println!(
        "| {:<50} | {:>9} | {:>14} | {:>10} |",
        "case", "time (s)", "peak RSS (MiB)", "test MAPE"
    );
    println!("|{:-<52}|{:-<11}|{:-<16}|{:-<12}|", "", "", "", "");
    for t in &timings {
        println!(
            "| {:<50} | {:>9.2} | {:>14} | {:>9.2}% |",
            t.case,
            t.time.as_secs_f64(),
            mib(t.peak),
            100.0 * t.test_mape
        );
    }

    println!(
        "\nROAS recovery on simulated data (20 seeds, 5-10 channels, 2-3 years, no bootstrap)\n"
    );
    println!(
        "| {:<8} | {:>8} | {:>17} | {:>14} | {:>16} | {:>14} | {:>12} |",
        "data",
        "channels",
        "median |ROAS err|",
        "p90 |ROAS err|",
        "median test MAPE",
        "max test MAPE",
        "mean fit (s)"
    );
    println!(
        "|{:-<10}|{:-<10}|{:-<19}|{:-<16}|{:-<18}|{:-<16}|{:-<14}|",
        "", "", "", "", "", "", ""
    );
    for (name, base) in [
        ("weekly", SimConfig::weekly as fn(usize) -> SimConfig),
        ("daily", SimConfig::daily),
    ] {
        let r = recovery(base);
        println!(
            "| {:<8} | {:>8} | {:>16.1}% | {:>13.1}% | {:>15.2}% | {:>13.2}% | {:>12.2} |",
            name,
            r.channels,
            100.0 * r.median_roas_error,
            100.0 * r.p90_roas_error,
            100.0 * r.median_test_mape,
            100.0 * r.max_test_mape,
            r.mean_fit.as_secs_f64()
        );
    }

    let (inside, total, width) = coverage();
    println!(
        "\n90% ROAS intervals (10 weekly seeds, default bootstrap) hold the true ROAS for {inside} of {total} channels ({:.0}%); median relative width {:.0}%",
        100.0 * inside as f64 / total as f64,
        100.0 * width
    );
}
