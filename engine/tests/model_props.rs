//! Invariants of the transforms, the converters and the fit.

use engine::convert::{ChannelTransform, PymcChannel};
use engine::model::{ModelConfig, fit};
use engine::sim::{SimConfig, simulate};
use engine::transform::{Adstock, Saturation};
use proptest::prelude::*;

fn adstock() -> impl Strategy<Value = Adstock> {
    prop_oneof![
        (0.0..0.99f64, 1..30usize).prop_map(|(alpha, max_lag)| Adstock::Geometric {
            alpha,
            max_lag,
            normalized: true
        }),
        (0.2..6.0f64, 0.2..15.0f64, 1..30usize).prop_map(|(shape, scale, max_lag)| {
            Adstock::WeibullCdf {
                shape,
                scale,
                max_lag,
                normalized: true,
            }
        }),
        (0.2..6.0f64, 0.2..15.0f64, 1..30usize).prop_map(|(shape, scale, max_lag)| {
            Adstock::WeibullPdf {
                shape,
                scale,
                max_lag,
                normalized: true,
            }
        }),
    ]
}

fn saturation() -> impl Strategy<Value = Saturation> {
    prop_oneof![
        (1e-3..1e4f64, 0.2..5.0f64).prop_map(|(half, shape)| Saturation::Hill { half, shape }),
        (1e-3..1e4f64).prop_map(|half| Saturation::Logistic { half }),
    ]
}

proptest! {
    #[test]
    fn normalized_adstock_preserves_total_mass(
        a in adstock(),
        spend in prop::collection::vec(0.0..1e5f64, 1..80),
    ) {
        prop_assert!(a.validate().is_ok());
        // Pad with zeros so the last period's carryover lands inside the series.
        let mut x = spend.clone();
        x.extend(std::iter::repeat_n(0.0, a.max_lag()));
        let out = a.apply(&x);
        let (total_in, total_out): (f64, f64) = (x.iter().sum(), out.iter().sum());
        prop_assert!((total_in - total_out).abs() <= 1e-9 * total_in.max(1.0));
        prop_assert!((a.steady_state_multiplier() - 1.0).abs() < 1e-12);
        prop_assert!(out.iter().all(|v| *v >= 0.0));
    }

    #[test]
    fn saturation_is_monotone_and_bounded(
        s in saturation(),
        mut xs in prop::collection::vec(0.0..1e6f64, 2..50),
    ) {
        xs.sort_by(f64::total_cmp);
        let ys: Vec<f64> = xs.iter().map(|x| s.value(*x)).collect();
        for w in ys.windows(2) {
            prop_assert!(w[0] <= w[1] + 1e-15);
        }
        prop_assert!(ys.iter().all(|y| (0.0..=1.0).contains(y)));
        prop_assert_eq!(s.value(0.0), 0.0);
        prop_assert!((s.value(s.half()) - 0.5).abs() < 1e-9);
        prop_assert!(xs.iter().all(|x| s.derivative(*x) >= 0.0));
    }

    #[test]
    fn pymc_conversion_round_trips(
        alpha in 0.0..0.95f64,
        s in saturation(),
        beta in 0.0..1e5f64,
        x_scale in 1e-3..1e5f64,
        y_scale in 1e-3..1e7f64,
    ) {
        let t = ChannelTransform {
            adstock: Adstock::Geometric { alpha, max_lag: 8, normalized: true },
            saturation: s,
            beta,
        };
        let back = PymcChannel::from_mixpilot(&t, x_scale, y_scale)
            .and_then(|p| p.to_mixpilot())
            .unwrap();
        prop_assert!((back.saturation.half() / t.saturation.half() - 1.0).abs() < 1e-9);
        prop_assert!((back.beta - beta).abs() <= 1e-9 * beta.max(1.0));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn a_fit_is_deterministic_for_a_seed(sim_seed in 0..1000u64, fit_seed in 0..1000u64) {
        let mut sc = SimConfig::weekly(3);
        sc.periods = 104;
        let sim = simulate(&sc, sim_seed).unwrap();
        let mut config = ModelConfig { seed: fit_seed, ..ModelConfig::default() };
        config.bootstrap.replicates = 10;
        let a = fit(&sim.data, &config, &[]).unwrap();
        let b = fit(&sim.data, &config, &[]).unwrap();
        prop_assert_eq!(&a, &b);
        // Media coefficients respect their non-negativity constraint.
        prop_assert!(a.estimate.channels.iter().all(|c| c.beta >= 0.0));
        prop_assert!(a.bootstrap.replicates.iter().all(|r| r.channels.iter().all(|c| c.beta >= 0.0)));
    }
}
