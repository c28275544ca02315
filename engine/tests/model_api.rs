//! The fitted model's public surface: the gate, errors on bad input, the response curves the
//! optimizer reads, forecasts, the model.json round trip and the Weibull adstocks.

#![allow(clippy::unwrap_used)]

use engine::EngineError;
use engine::model::{
    AdstockKind, FittedModel, GateStatus, LiftTest, ModelConfig, Plan, Series, fit,
};
use engine::sim::{SimConfig, simulate};
use engine::transform::Adstock;

fn small_sim(seed: u64) -> engine::sim::Simulation {
    let mut sc = SimConfig::weekly(3);
    sc.periods = 130;
    simulate(&sc, seed).unwrap()
}

fn quick_config() -> ModelConfig {
    let mut c = ModelConfig {
        seed: 3,
        ..ModelConfig::default()
    };
    c.bootstrap.replicates = 30;
    c
}

#[test]
fn a_model_that_misses_the_gate_is_rejected_with_the_reason() {
    let sim = small_sim(1);
    let config = ModelConfig {
        max_test_mape: 1e-6,
        ..quick_config()
    };
    let m = fit(&sim.data, &config, &[]).unwrap();
    match &m.gate.status {
        GateStatus::Rejected { reason } => assert!(reason.contains("test MAPE"), "{reason}"),
        GateStatus::Accepted => panic!("a 0.0001% limit cannot pass"),
    }
    assert!(!m.accepted());
    let ok = fit(&sim.data, &quick_config(), &[]).unwrap();
    assert!(ok.accepted(), "{:?}", ok.metrics.test);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let sim = small_sim(2);
    let cfg = quick_config();
    let mut d = sim.data.clone();
    d.outcome[5] = f64::NAN;
    assert!(matches!(
        fit(&d, &cfg, &[]),
        Err(EngineError::InvalidInput { .. })
    ));
    let mut d = sim.data.clone();
    d.channels[1].values[7] = -1.0;
    assert!(matches!(
        fit(&d, &cfg, &[]),
        Err(EngineError::InvalidInput { .. })
    ));
    let mut d = sim.data.clone();
    d.channels[0].values.pop();
    assert!(matches!(
        fit(&d, &cfg, &[]),
        Err(EngineError::InvalidInput { .. })
    ));
    let mut d = sim.data.clone();
    d.outcome.truncate(12);
    d.channels.iter_mut().for_each(|c| c.values.truncate(12));
    let err = fit(&d, &cfg, &[]).unwrap_err();
    assert!(err.to_string().contains("parameters"), "{err}");
    let lift = LiftTest {
        channel: "nope".into(),
        first_day: sim.data.first_day,
        last_day: sim.data.first_day + 14,
        lift: 10.0,
        std_error: 1.0,
    };
    assert!(matches!(
        fit(&sim.data, &cfg, &[lift]),
        Err(EngineError::InvalidInput { .. })
    ));
    let bad = ModelConfig {
        train_share: 0.9,
        validation_share: 0.2,
        ..cfg
    };
    assert!(matches!(
        fit(&sim.data, &bad, &[]),
        Err(EngineError::InvalidInput { .. })
    ));
}

#[test]
fn channel_responses_reproduce_the_fitted_curves() {
    let sim = small_sim(4);
    let m = fit(&sim.data, &quick_config(), &[]).unwrap();
    let responses = m.channel_responses();
    assert_eq!(responses.len(), 3);
    for (r, curve) in responses.iter().zip(&m.response_curves) {
        assert_eq!(r.channel, curve.channel);
        assert_eq!((r.spend_scale, r.outcome_scale), (1.0, 1.0));
        assert!((r.steady_state_multiplier - 1.0).abs() < 1e-12);
        for (x, y) in curve.spend.iter().zip(&curve.outcome) {
            assert!((r.outcome_per_period(*x) - y.value).abs() <= 1e-9 * y.value.max(1.0));
            assert!(y.lower <= y.value + 1e-9 && y.value <= y.upper + 1e-9);
        }
        // The marginal response is the derivative of the response.
        let x = r.current_spend_per_period;
        let h = 1e-4 * x.max(1.0);
        let fd = (r.outcome_per_period(x + h) - r.outcome_per_period(x - h)) / (2.0 * h);
        assert!((fd - r.marginal_outcome_per_period(x)).abs() <= 1e-4 * fd.abs().max(1e-6));
    }
    let s = &m.summary[0];
    assert!(
        (s.marginal_roas.value
            - responses[0].marginal_outcome_per_period(s.current_spend_per_period))
        .abs()
            < 1e-9
    );
}

#[test]
fn decomposition_adds_up_to_the_fit() {
    let sim = small_sim(5);
    let m = fit(&sim.data, &quick_config(), &[]).unwrap();
    let d = &m.decomposition;
    for t in 0..d.fitted.len() {
        let sum: f64 = d
            .baseline
            .iter()
            .chain(&d.channels)
            .map(|s| s.values[t])
            .sum();
        assert!((sum - d.fitted[t]).abs() <= 1e-6 * d.fitted[t].abs().max(1.0));
    }
}

#[test]
fn forecasts_follow_the_truth_and_carry_adstock_in_from_history() {
    let sim = small_sim(6);
    let n = 120;
    let mut hist = sim.data.clone();
    hist.outcome.truncate(n);
    hist.channels.iter_mut().for_each(|c| c.values.truncate(n));
    let m = fit(&hist, &quick_config(), &[]).unwrap();
    let plan = Plan {
        first_day: hist.day_of(n),
        spend: sim
            .data
            .channels
            .iter()
            .map(|c| Series::new(c.name.clone(), c.values[n..].to_vec()))
            .collect(),
        controls: Vec::new(),
        events: Vec::new(),
    };
    let f = m.forecast(&plan, 9).unwrap();
    assert_eq!(f.periods.len(), 10);
    let expected: Vec<f64> = (n..n + 10)
        .map(|t| sim.truth.baseline(t) + sim.contributions.iter().map(|c| c[t]).sum::<f64>())
        .collect();
    let covered = f
        .periods
        .iter()
        .zip(&sim.data.outcome[n..])
        .filter(|(p, y)| p.outcome.lower <= **y && **y <= p.outcome.upper)
        .count();
    let mape: f64 = f
        .periods
        .iter()
        .zip(&expected)
        .map(|(p, e)| (p.outcome.value / e - 1.0).abs())
        .sum::<f64>()
        / 10.0;
    println!(
        "forecast MAPE vs the noiseless truth {:.2}%, 90% interval covers {covered}/10 actuals",
        100.0 * mape
    );
    assert!(mape < 0.05);
    assert!(covered >= 6);
    // Carry-in: with zero planned spend, the first period still has media contribution.
    let zero = Plan {
        spend: plan
            .spend
            .iter()
            .map(|s| Series::new(s.name.clone(), vec![0.0; 3]))
            .collect(),
        ..plan.clone()
    };
    let z = m.forecast(&zero, 9).unwrap();
    assert!(z.periods[0].channels.iter().sum::<f64>() > z.periods[2].channels.iter().sum::<f64>());
    // A plan that skips a period is refused.
    let late = Plan {
        first_day: plan.first_day + 7,
        ..plan
    };
    assert!(m.forecast(&late, 9).is_err());
}

#[test]
fn model_json_round_trips_and_is_versioned() {
    let sim = small_sim(7);
    let m = fit(&sim.data, &quick_config(), &[]).unwrap();
    let json = serde_json::to_string(&m).unwrap();
    let back: FittedModel = serde_json::from_str(&json).unwrap();
    // Every number survives the trip exactly (serde_json's float_roundtrip).
    assert!(back == m, "the model changed on the way through JSON");
    assert!(back.check().is_ok());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format_version"], 1);
    let mut future = back;
    future.format_version = 99;
    assert!(future.check().is_err());
}

#[test]
fn weibull_adstocks_fit_through_the_same_search() {
    let sim = small_sim(8);
    for kind in [AdstockKind::WeibullCdf, AdstockKind::WeibullPdf] {
        let config = ModelConfig {
            adstock: kind,
            ..quick_config()
        };
        let m = fit(&sim.data, &config, &[]).unwrap();
        for c in &m.channels {
            match (kind, c.transform.adstock) {
                (AdstockKind::WeibullCdf, Adstock::WeibullCdf { .. })
                | (AdstockKind::WeibullPdf, Adstock::WeibullPdf { .. }) => {}
                other => panic!("wrong adstock {other:?}"),
            }
        }
        println!("{kind:?}: test MAPE {:?}", m.metrics.test.mape);
        assert!(m.metrics.test.mape.unwrap() < 0.1);
    }
}

#[test]
fn interactions_rank_a_true_synergy_first_and_keep_the_outputs_consistent() {
    let mut sim = small_sim(10);
    // Add a known synergy between channels 0 and 1 on top of the simulated outcome.
    let spend: Vec<Vec<f64>> = sim.data.channels.iter().map(|c| c.values.clone()).collect();
    let level = |c: usize| -> Vec<f64> {
        let t = sim.truth.channels[c].transform;
        t.adstock
            .apply(&spend[c])
            .iter()
            .map(|a| t.saturation.value(*a))
            .collect()
    };
    let (s0, s1) = (level(0), level(1));
    let gamma = 0.5 * sim.truth.channels[0].transform.beta;
    for t in 0..sim.data.len() {
        sim.data.outcome[t] += gamma * s0[t] * s1[t];
    }
    let config = ModelConfig {
        interactions: true,
        ..quick_config()
    };
    let m = fit(&sim.data, &config, &[]).unwrap();
    assert_eq!(m.estimate.interactions.len(), 3);
    let g01 = m
        .estimate
        .interactions
        .iter()
        .find(|it| (it.first, it.second) == (0, 1))
        .unwrap()
        .gamma;
    println!(
        "synergy 0-1: fitted {g01:.0}, true {gamma:.0}; all {:?}",
        m.estimate.interactions
    );
    assert!((g01 / gamma - 1.0).abs() < 0.35);

    // The decomposition still adds up, with interactions split between their channels.
    let d = &m.decomposition;
    for t in 0..d.fitted.len() {
        let sum: f64 = d
            .baseline
            .iter()
            .chain(&d.channels)
            .map(|s| s.values[t])
            .sum();
        assert!((sum - d.fitted[t]).abs() <= 1e-6 * d.fitted[t].abs().max(1.0));
    }
    // Each column of the elasticity matrix sums to that channel's elasticity.
    let e = m.elasticity_matrix.as_ref().unwrap();
    for (j, s) in m.summary.iter().enumerate() {
        let col: f64 = e.iter().map(|row| row[j]).sum();
        assert!((col - s.elasticity.value).abs() <= 1e-9 * s.elasticity.value.abs().max(1e-12));
    }
    assert!(e[0][1] > 0.0 && e[1][0] > 0.0);
    // The optimizer's separable curves match the reported curves at current spend.
    for (r, curve) in m.channel_responses().iter().zip(&m.response_curves) {
        for (x, y) in curve.spend.iter().zip(&curve.outcome) {
            assert!((r.outcome_per_period(*x) - y.value).abs() <= 1e-9 * y.value.max(1.0));
        }
    }
    // Forecasts use the interactions too.
    let plan = Plan {
        first_day: sim.data.day_of(sim.data.len()),
        spend: sim
            .data
            .channels
            .iter()
            .map(|c| {
                Series::new(
                    c.name.clone(),
                    vec![c.values.iter().sum::<f64>() / 130.0; 4],
                )
            })
            .collect(),
        controls: Vec::new(),
        events: Vec::new(),
    };
    assert_eq!(m.forecast(&plan, 1).unwrap().periods.len(), 4);
    let json = serde_json::to_string(&m).unwrap();
    assert!(serde_json::from_str::<FittedModel>(&json).unwrap() == m);
}
