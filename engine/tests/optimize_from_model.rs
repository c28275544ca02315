//! A fitted model feeds the optimizer: each channel becomes an item whose curve is the model's
//! own steady-state response, with the bootstrap replicates as samples.

#![allow(clippy::unwrap_used)]

use engine::model::{ModelConfig, SaturationKind, fit};
use engine::optimize::items_from_model;
use engine::sim::{SimConfig, simulate};

fn check_family(saturation: SaturationKind, normalized_adstock: bool) {
    let mut sc = SimConfig::weekly(3);
    sc.periods = 130;
    let sim = simulate(&sc, 4).unwrap();
    let mut config = ModelConfig {
        seed: 3,
        saturation,
        normalized_adstock,
        ..ModelConfig::default()
    };
    config.bootstrap.replicates = 12;
    let model = fit(&sim.data, &config, &[]).unwrap();
    let items = items_from_model(&model).unwrap();
    let responses = model.channel_responses();
    assert_eq!(items.len(), responses.len());
    for (item, r) in items.iter().zip(&responses) {
        assert_eq!(item.id, r.channel);
        assert_eq!(
            item.curve.samples.len(),
            12,
            "one sample per bootstrap replicate"
        );
        assert_eq!(
            item.current,
            Some((r.current_spend_per_period * 100.0).round() as i64)
        );
        let slope_scale = (0..=40)
            .map(|k| {
                r.marginal_outcome_per_period(r.max_spend_per_period * 2.0 * f64::from(k) / 40.0)
            })
            .fold(0.0_f64, f64::max);
        for k in 0..=40 {
            let x = r.max_spend_per_period * 2.0 * f64::from(k) / 40.0;
            let (got, want) = (item.curve.value(x), r.outcome_per_period(x));
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{} at {x}: {got} vs {want}",
                r.channel
            );
            // The two sides compute the slope by different, equivalent formulas, which lose
            // digits differently where the slope all but vanishes: compare against the scale of
            // the curve's slopes, not the vanishing slope itself.
            let (got, want) = (item.curve.derivative(x), r.marginal_outcome_per_period(x));
            assert!(
                (got - want).abs() <= 1e-9 * slope_scale + 1e-7 * want.abs(),
                "{} slope at {x}: {got} vs {want}",
                r.channel
            );
        }
    }
}

#[test]
fn hill_channels_keep_the_models_response() {
    check_family(SaturationKind::Hill, true);
}

#[test]
fn logistic_channels_keep_the_models_response() {
    check_family(SaturationKind::Logistic, true);
}

#[test]
fn unnormalized_adstock_keeps_its_steady_state_multiplier() {
    check_family(SaturationKind::Hill, false);
}

#[test]
fn a_model_of_an_unknown_format_version_is_refused() {
    let mut sc = SimConfig::weekly(3);
    sc.periods = 130;
    let sim = simulate(&sc, 5).unwrap();
    let mut config = ModelConfig {
        seed: 1,
        ..ModelConfig::default()
    };
    config.bootstrap.replicates = 0;
    let mut model = fit(&sim.data, &config, &[]).unwrap();
    model.format_version += 1;
    assert!(items_from_model(&model).is_err());
}
