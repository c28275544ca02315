//! Geo holdout experiments checked against simulated truth: over many simulated tests, the
//! readout's 90% interval holds the true lift about 90% of the time, and the design's power
//! calculation predicts how often the test detects the lift.
//!
//! The simulated market: 40 geos of lognormal sizes share a national baseline (trend, weekly
//! cycle and an AR(1) demand shock that hits every geo alike) and one channel whose spend is
//! split by size; each geo's response is the national curve (geometric adstock with a daily decay
//! of 0.5–0.9, Hill saturation) scaled to its share, plus its own noise (4% of its outcome in all).
//! The truth for a test is the difference between the test geos' noiseless outcome with the
//! channel on and off over the window.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use engine::experiment::{self, DesignSpec, Geo, GeoPanel};
use engine::transform::{Adstock, Saturation};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Normal};

const GEOS: usize = 40;
const PRE: usize = 91;
const WINDOW: usize = 28;

struct World {
    size: Vec<f64>,
    baseline: Vec<f64>,
    spend: Vec<f64>,
    adstock: Adstock,
    saturation: Saturation,
    beta: f64,
    noise: Vec<Vec<f64>>,
}

impl World {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = PRE + WINDOW;
        let sizes = LogNormal::new(0.0, 0.8).expect("lognormal");
        let raw: Vec<f64> = (0..GEOS).map(|_| sizes.sample(&mut rng)).collect();
        let total: f64 = raw.iter().sum();
        let size: Vec<f64> = raw.iter().map(|s| s / total).collect();
        let level = 100_000.0;
        let shock_sd = Normal::new(0.0, 0.02 * level).expect("normal");
        let mut shock = 0.0;
        let baseline: Vec<f64> = (0..n)
            .map(|t| {
                shock = 0.7 * shock + shock_sd.sample(&mut rng);
                level
                    * (1.0
                        + 0.0008 * t as f64
                        + 0.08 * (2.0 * std::f64::consts::PI * t as f64 / 7.0).sin())
                    + shock
            })
            .collect();
        let mean_spend: f64 = 20_000.0;
        let jitter = Normal::new(1.0_f64, 0.08).expect("normal");
        let spend: Vec<f64> = (0..n)
            .map(|_| mean_spend * jitter.sample(&mut rng).max(0.5))
            .collect();
        let adstock = Adstock::Geometric {
            alpha: rng.random_range(0.5..0.9),
            max_lag: 60,
            normalized: true,
        };
        let saturation = Saturation::Hill {
            half: mean_spend * rng.random_range(0.7..1.5),
            shape: rng.random_range(0.8..2.0),
        };
        // The channel is worth 5–15% of the mean outcome at its usual spend.
        let worth = level * rng.random_range(0.05..0.15);
        let beta = worth / saturation.value(mean_spend);
        let noise = size
            .iter()
            .map(|s| {
                // Geo noise that adds up to 4% of the national outcome.
                let sd = Normal::new(0.0, 0.04 * level * s.sqrt()).expect("normal");
                (0..n).map(|_| sd.sample(&mut rng)).collect()
            })
            .collect();
        Self {
            size,
            baseline,
            spend,
            adstock,
            saturation,
            beta,
            noise,
        }
    }

    /// The national-equivalent media response per period, with the channel off in `off`.
    fn media(&self, off: Option<(usize, usize)>) -> Vec<f64> {
        let spend: Vec<f64> = self
            .spend
            .iter()
            .enumerate()
            .map(|(t, s)| match off {
                Some((a, b)) if (a..b).contains(&t) => 0.0,
                _ => *s,
            })
            .collect();
        self.adstock
            .apply(&spend)
            .iter()
            .map(|a| self.beta * self.saturation.value(*a))
            .collect()
    }

    /// The geos' histories over `periods`, with the channel off in `test` during the window.
    fn panel(&self, periods: usize, test: &[String]) -> GeoPanel {
        let on = self.media(None);
        let off = self.media(Some((PRE, PRE + WINDOW)));
        let geos = (0..GEOS)
            .map(|g| {
                let name = format!("geo_{g:02}");
                let switched = test.contains(&name);
                let media = if switched { &off } else { &on };
                Geo {
                    spend: (0..periods)
                        .map(|t| {
                            if switched && t >= PRE {
                                0.0
                            } else {
                                self.size[g] * self.spend[t]
                            }
                        })
                        .collect(),
                    outcome: (0..periods)
                        .map(|t| self.size[g] * (self.baseline[t] + media[t]) + self.noise[g][t])
                        .collect(),
                    name,
                }
            })
            .collect();
        GeoPanel::new(geos).expect("a valid panel")
    }

    /// The true national lift of the channel over the window (noiseless, on minus off).
    fn true_national_lift(&self) -> f64 {
        let on = self.media(None);
        let off = self.media(Some((PRE, PRE + WINDOW)));
        (PRE..PRE + WINDOW).map(|t| on[t] - off[t]).sum()
    }

    fn spec(&self, seed: u64) -> DesignSpec {
        let profile = experiment::lift_profile(
            &self.adstock,
            &self.saturation,
            self.beta,
            self.spend[..PRE].iter().sum::<f64>() / PRE as f64,
            WINDOW,
        );
        let mut spec = DesignSpec::new(0.15, profile, seed);
        spec.max_periods = WINDOW;
        spec
    }
}

struct Trial {
    covered: bool,
    detected: bool,
    predicted_power: f64,
    standardized_error: f64,
}

fn trial(seed: u64) -> Trial {
    let world = World::new(seed);
    let design = experiment::design(&world.panel(PRE, &[]), &world.spec(seed)).expect("a design");
    let panel = world.panel(PRE + WINDOW, &design.test_geos);
    let readout = experiment::readout(&panel, &design, PRE, PRE + WINDOW).expect("a readout");
    let truth = world.true_national_lift();
    let (lo, hi) = readout.interval;
    let test_truth = truth * design.spend_share;
    Trial {
        covered: lo <= test_truth && test_truth <= hi,
        detected: lo > 0.0,
        predicted_power: design.power_curve[WINDOW - 1].1,
        standardized_error: (readout.national_lift - truth) / readout.national_std_error,
    }
}

#[test]
fn the_readout_interval_covers_the_true_lift_at_its_nominal_rate() {
    let trials: Vec<Trial> = (0..400).map(|i| trial(70_000 + i)).collect();
    let coverage = trials.iter().filter(|t| t.covered).count() as f64 / trials.len() as f64;
    eprintln!(
        "coverage of the 90% interval over 400 simulated tests: {:.1}%",
        coverage * 100.0
    );
    // 400 trials at a true 90%: the binomial standard deviation is 1.5 points.
    assert!(
        (0.85..=0.95).contains(&coverage),
        "90% intervals covered the true lift in {:.1}% of 400 simulated tests",
        coverage * 100.0
    );
    // The estimate is unbiased: its errors in units of its standard error average to zero
    // (the mean of 400 has a standard deviation of 0.05).
    let mean_z = trials.iter().map(|t| t.standardized_error).sum::<f64>() / trials.len() as f64;
    assert!(
        mean_z.abs() < 0.15,
        "mean standardized error of the lift {mean_z:.3}"
    );
}

#[test]
fn the_power_calculation_predicts_how_often_a_test_detects_the_lift() {
    let trials: Vec<Trial> = (0..400).map(|i| trial(90_000 + i)).collect();
    let detected = trials.iter().filter(|t| t.detected).count() as f64 / trials.len() as f64;
    let predicted = trials.iter().map(|t| t.predicted_power).sum::<f64>() / trials.len() as f64;
    eprintln!(
        "detected {:.1}%, predicted power {:.1}%",
        detected * 100.0,
        predicted * 100.0
    );
    assert!(
        predicted > 0.2 && predicted < 0.98,
        "the simulated tests should be neither hopeless nor certain (mean predicted power {predicted:.2})"
    );
    assert!(
        (detected - predicted).abs() < 0.08,
        "detected in {:.1}% of tests; the design predicted {:.1}%",
        detected * 100.0,
        predicted * 100.0
    );
}

#[test]
fn a_design_names_the_shortest_window_with_enough_power() {
    let world = World::new(5);
    let mut spec = world.spec(5);
    // A channel worth 6% of the outcome, switched off in 15% of the market.
    spec.national_lift_per_period = vec![6_000.0];
    spec.max_periods = 120;
    let design = experiment::design(&world.panel(PRE, &[]), &spec).expect("a design");
    let needed = design
        .periods_needed
        .expect("a steady 6% lift is detectable within 120 days");
    assert!(design.power_curve[needed - 1].1 >= 0.8);
    assert!(needed == 1 || design.power_curve[needed - 2].1 < 0.8);
    assert!(
        (0.1125..=0.1875).contains(&design.spend_share),
        "share {}",
        design.spend_share
    );
}
