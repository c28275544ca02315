mod common;
use common::Table;
use engine::model::{ModelConfig, SaturationKind, fit};
use std::time::Instant;

#[test]
fn explore_pymc_example() {
    let t = Table::read("pymc_mmm_example.csv");
    let d = t.dataset("date_week", "y", &["x1", "x2"], &["event_1", "event_2"]);
    for sat in [SaturationKind::Logistic, SaturationKind::Hill] {
        let cfg = ModelConfig {
            saturation: sat,
            seed: 1,
            ..ModelConfig::default()
        };
        let t0 = Instant::now();
        let m = fit(&d, &cfg, &[]).unwrap();
        println!("{sat:?} {:?}", t0.elapsed());
        println!("{:?}", m.metrics);
        for (s, c) in m.summary.iter().zip(&m.channels) {
            println!(
                "{} share {:?} roas {:?} {:?}",
                s.channel, s.contribution_share, s.roas, c.transform
            );
        }
    }
}

#[test]
fn explore_sim() {
    use engine::sim::{SimConfig, simulate};
    for daily in [false] {
        for vw in [0.0, 1.0, 4.0, 100.0] {
            let sat = SaturationKind::Hill;
            let mut errs = Vec::new();
            let t0 = Instant::now();
            let mut mapes = Vec::new();
            for seed in 0..(if daily { 2 } else { 5 }) {
                let cfgs = if daily {
                    SimConfig::daily(10)
                } else {
                    SimConfig::weekly(10)
                };
                let s = simulate(&cfgs, seed).unwrap();
                let mut cfg = ModelConfig {
                    saturation: sat,
                    seed,
                    ..ModelConfig::default()
                };
                cfg.search.validation_weight = vw;
                cfg.bootstrap.replicates = 0;
                let m = fit(&s.data, &cfg, &[]).unwrap();
                mapes.push(m.metrics.test.mape.unwrap());
                for (est, tru) in m.summary.iter().zip(s.true_roas()) {
                    errs.push((est.roas.value / tru - 1.0).abs());
                }
            }
            errs.sort_by(f64::total_cmp);
            println!(
                "daily={daily} vw={vw} {sat:?} median {:.3} p90 {:.3} mapes {:?} time {:?}",
                errs[errs.len() / 2],
                errs[errs.len() * 9 / 10],
                mapes,
                t0.elapsed()
            );
        }
    }
}
