//! A ground-truth simulator: channels with known adstock, saturation and β, a baseline with
//! trend, seasonality and noise, and realistic spend with flighting. Deterministic for a seed.
//!
//! Two generators share the [`GroundTruth`] and [`Simulation`] types:
//!
//! - [`simulate`] ([`SimConfig`]): the original generator. The sandbox ad platform and the
//!   existing tests depend on its exact output for a seed, so it never changes.
//! - [`simulate_hard`] ([`HardSimConfig`]): the class of histories the decision benchmark
//!   (`engine/benches/decision.rs`) scores plans on: 730 days or 156 weeks, long daily carryover
//!   (0.65–0.95 per day by default; weekly data use its 7th power), offline channels flighted in
//!   whole weeks on and off, bursts, trend, yearly (and day-of-week) seasonality, spend that
//!   follows demand and a budget factor shared by every channel, noise as a share of the mean
//!   outcome, and per-channel adstock (geometric or delayed Weibull) and saturation (Hill or
//!   logistic) families.
//!
//! Invariants of both generators:
//!
//! - Deterministic for `(config, seed)`: every random draw comes from one ChaCha8 stream seeded
//!   with `seed`.
//! - Spend is finite and non-negative, and every channel spends in at least one period (so the
//!   data pass [`Dataset::validate`]).
//! - Media makes up exactly `media_share` of the mean noiseless outcome (β is scaled to it).
//! - The true adstock follows the house convention (normalized weights, zero spend before the
//!   first period), so a constant spend `x` reaches the steady-state response `β · s(x)`.
//!
//! Further invariants of [`simulate_hard`]:
//!
//! - Each channel's true adstock window covers at least 99.9% of its undecayed lag weight (a
//!   daily decay of 0.95 keeps 135 days), so carryover is not cut short by the truth itself.
//! - A geometric channel's decay per period is the daily carryover raised to the period's length
//!   in days; a delayed (Weibull lag-mass) channel has the same mean lag, `α / (1 − α)` periods.
//! - Offline channels spend nothing for whole weeks (their flights start and end on week
//!   boundaries), at least one channel is online, and the first flight is on.
//! - The noise standard deviation is `noise` times the mean noiseless outcome.
//!
//! The sandbox ad platform can drive a [`GroundTruth`] period by period with
//! [`GroundTruth::respond`], handing it the spend history and the next periods' budgets.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::convert::ChannelTransform;
use crate::error::{EngineError, Result};
use crate::model::{Dataset, Periodicity, Series};
use crate::transform::{Adstock, Saturation, convolve};

/// One simulated channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimChannel {
    /// Channel name.
    pub name: String,
    /// True transforms and β, in Mixpilot's convention.
    pub transform: ChannelTransform,
    /// Typical spend per period when the channel is on.
    pub typical_spend: f64,
}

/// The true data-generating process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Period length.
    pub periodicity: Periodicity,
    /// Epoch day of period 0.
    pub first_day: i64,
    /// Channels.
    pub channels: Vec<SimChannel>,
    /// Baseline level per period.
    pub intercept: f64,
    /// Baseline change per period.
    pub trend_per_period: f64,
    /// Yearly Fourier coefficients `(cos k, sin k)` for k = 1, 2, in outcome units.
    pub yearly: Vec<(f64, f64)>,
    /// Day-of-week Fourier coefficients (daily data only).
    pub weekly: Vec<(f64, f64)>,
    /// Standard deviation of the Gaussian noise per period.
    pub noise_sd: f64,
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Period length.
    pub periodicity: Periodicity,
    /// Number of periods.
    pub periods: usize,
    /// Number of channels.
    pub channels: usize,
    /// Noise standard deviation as a share of the baseline level.
    pub noise: f64,
    /// Media's share of the mean outcome.
    pub media_share: f64,
}

impl SimConfig {
    /// Three years of weekly data with the given number of channels.
    pub fn weekly(channels: usize) -> Self {
        Self {
            periodicity: Periodicity::Weekly,
            periods: 156,
            channels,
            noise: 0.015,
            media_share: 0.4,
        }
    }

    /// Three years of daily data with the given number of channels.
    pub fn daily(channels: usize) -> Self {
        Self {
            periodicity: Periodicity::Daily,
            periods: 1095,
            channels,
            noise: 0.05,
            media_share: 0.4,
        }
    }
}

/// A simulated history with its truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    /// The generating process.
    pub truth: GroundTruth,
    /// The observed history (outcome with noise).
    pub data: Dataset,
    /// The true contribution of each channel per period (same order as the channels).
    pub contributions: Vec<Vec<f64>>,
}

impl Simulation {
    /// True ROAS per channel over the window: Σ contribution / Σ spend.
    pub fn true_roas(&self) -> Vec<f64> {
        self.contributions
            .iter()
            .zip(&self.data.channels)
            .map(|(c, s)| c.iter().sum::<f64>() / s.values.iter().sum::<f64>())
            .collect()
    }

    /// True contribution share per channel: Σ contribution / Σ outcome.
    pub fn true_share(&self) -> Vec<f64> {
        let total: f64 = self.data.outcome.iter().sum();
        self.contributions
            .iter()
            .map(|c| c.iter().sum::<f64>() / total)
            .collect()
    }
}

/// 2021-01-04, a Monday, as days since 1970-01-01.
const SIM_FIRST_DAY: i64 = 18_631;

fn lognormal_factor(rng: &mut ChaCha8Rng, sd: f64) -> f64 {
    let z: f64 = Normal::new(0.0, sd).map(|d| d.sample(rng)).unwrap_or(0.0);
    z.exp()
}

/// Realistic spend for one channel: a level that moves each quarter, a yearly budget cycle,
/// flights (on/off bursts) for flighted channels, and multiplicative noise.
fn simulate_spend(
    rng: &mut ChaCha8Rng,
    periodicity: Periodicity,
    first_day: i64,
    periods: usize,
    typical: f64,
    flighted: bool,
) -> Vec<f64> {
    let days = periodicity.days();
    let quarter = (91 / days).max(1) as usize;
    let phase: f64 = rng.random_range(0.0..std::f64::consts::TAU);
    let cycle: f64 = rng.random_range(0.1..0.4);
    let mut level = rng.random_range(0.6..1.4);
    let (on_len, off_len) = match periodicity {
        Periodicity::Weekly => (3..9, 1..5),
        Periodicity::Daily => (14..50, 5..25),
    };
    let mut on = true;
    let mut left: usize = rng.random_range(on_len.clone());
    let mut out = Vec::with_capacity(periods);
    for t in 0..periods {
        if t > 0 && t % quarter == 0 {
            level = rng.random_range(0.3..1.7);
        }
        if flighted {
            if left == 0 {
                on = !on;
                left = if on {
                    rng.random_range(on_len.clone())
                } else {
                    rng.random_range(off_len.clone())
                };
            }
            left -= 1;
        }
        let day = (first_day + t as i64 * days) as f64;
        let season = 1.0 + cycle * (std::f64::consts::TAU * day / 365.25 + phase).sin();
        let noise = lognormal_factor(rng, 0.5);
        let v = if on {
            typical * level * season * noise
        } else {
            0.0
        };
        out.push(v);
    }
    out
}

/// Simulates a history and its truth. Deterministic for `seed`.
pub fn simulate(config: &SimConfig, seed: u64) -> Result<Simulation> {
    if config.channels == 0 || config.periods < 20 {
        return Err(EngineError::invalid(
            "sim",
            "need at least one channel and 20 periods",
        ));
    }
    if !(config.noise >= 0.0 && (0.0..0.95).contains(&config.media_share)) {
        return Err(EngineError::invalid(
            "sim",
            "noise must be non-negative and media_share in [0, 0.95)",
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let p = config.periodicity;
    let n = config.periods;
    let intercept = match p {
        Periodicity::Weekly => 100_000.0,
        Periodicity::Daily => 100_000.0 / 7.0,
    };
    let max_lag = p.default_max_lag();
    let mut spends = Vec::with_capacity(config.channels);
    let mut channels = Vec::with_capacity(config.channels);
    let mut weights = Vec::with_capacity(config.channels);
    for c in 0..config.channels {
        let typical = rng.random_range(2_000.0..20_000.0) / 7.0 * p.days() as f64;
        let flighted = rng.random_bool(0.6);
        let spend = simulate_spend(&mut rng, p, SIM_FIRST_DAY, n, typical, flighted);
        let alpha = match p {
            Periodicity::Weekly => rng.random_range(0.1..0.7),
            Periodicity::Daily => rng.random_range(0.3..0.85),
        };
        let adstock = Adstock::Geometric {
            alpha,
            max_lag,
            normalized: true,
        };
        let saturation = Saturation::Hill {
            half: typical * rng.random_range(0.5..1.5),
            shape: rng.random_range(0.8..2.0),
        };
        weights.push(rng.random_range(0.5..1.5));
        channels.push(SimChannel {
            name: format!("channel_{c}"),
            transform: ChannelTransform {
                adstock,
                saturation,
                beta: 1.0,
            },
            typical_spend: typical,
        });
        spends.push(spend);
    }
    // Scale each β so that media makes up `media_share` of the mean outcome.
    let media_total = config.media_share / (1.0 - config.media_share) * intercept;
    let wsum: f64 = weights.iter().sum();
    for ((ch, spend), w) in channels.iter_mut().zip(&spends).zip(&weights) {
        let t = ch.transform;
        let a = t.adstock.apply(spend);
        let mean_s = a.iter().map(|v| t.saturation.value(*v)).sum::<f64>() / n as f64;
        ch.transform.beta = media_total * w / wsum / mean_s.max(1e-9);
    }
    let truth = GroundTruth {
        periodicity: p,
        first_day: SIM_FIRST_DAY,
        channels,
        intercept,
        trend_per_period: intercept * rng.random_range(-0.1..0.3) / n as f64,
        yearly: vec![
            (
                intercept * rng.random_range(-0.1..0.1),
                intercept * rng.random_range(-0.1..0.1),
            ),
            (
                intercept * rng.random_range(-0.04..0.04),
                intercept * rng.random_range(-0.04..0.04),
            ),
        ],
        weekly: match p {
            Periodicity::Daily => vec![
                (
                    intercept * rng.random_range(-0.08..0.08),
                    intercept * rng.random_range(-0.08..0.08),
                ),
                (
                    intercept * rng.random_range(-0.03..0.03),
                    intercept * rng.random_range(-0.03..0.03),
                ),
            ],
            Periodicity::Weekly => Vec::new(),
        },
        noise_sd: config.noise * intercept,
    };
    let contributions = truth.contributions(&spends, &[])?;
    let mut outcome = Vec::with_capacity(n);
    let noise = Normal::new(0.0, truth.noise_sd.max(1e-12))
        .map_err(|e| EngineError::invalid("sim.noise", e.to_string()))?;
    for t in 0..n {
        let media: f64 = contributions.iter().map(|c| c[t]).sum();
        outcome.push(truth.baseline(t) + media + noise.sample(&mut rng));
    }
    let data = Dataset {
        periodicity: p,
        first_day: SIM_FIRST_DAY,
        outcome_name: "outcome".into(),
        outcome,
        channels: truth
            .channels
            .iter()
            .zip(spends)
            .map(|(c, s)| Series::new(c.name.clone(), s))
            .collect(),
        controls: Vec::new(),
        events: Vec::new(),
    };
    Ok(Simulation {
        truth,
        data,
        contributions,
    })
}

/// What [`simulate_hard`] draws: the class of histories the decision benchmark scores on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardSimConfig {
    /// Period length.
    pub periodicity: Periodicity,
    /// Number of periods.
    pub periods: usize,
    /// Number of channels.
    pub channels: usize,
    /// Noise standard deviation as a share of the mean noiseless outcome.
    pub noise: f64,
    /// Media's share of the mean noiseless outcome.
    pub media_share: f64,
    /// Range of the true carryover per day (geometric decay), drawn uniformly per channel.
    /// Weekly data use its 7th power per week.
    pub daily_carryover: (f64, f64),
    /// Share of channels that are offline (flighted in whole weeks on and off); at least one
    /// channel stays online.
    pub offline_share: f64,
    /// Share of channels whose carryover peaks after a delay (Weibull lag-mass weights with the
    /// same mean lag as their geometric decay); the others decay geometrically.
    pub delayed_share: f64,
    /// Share of channels with logistic saturation; the others are Hill with shape 0.7–2.
    pub logistic_share: f64,
    /// Largest elasticity of spend to demand (the noiseless baseline): each channel draws one in
    /// `[0.3, 1] ×` this, so spend rises in the high season.
    pub demand_following: f64,
    /// Standard deviation of the log budget factor that every channel shares (spend correlated
    /// across channels); each channel loads on it with a weight in 0.5–1.5.
    pub common_budget: f64,
    /// Expected bursts (two to four times the spend for a few days or one to two weeks) per
    /// online channel per year.
    pub bursts_per_year: f64,
}

impl HardSimConfig {
    /// Two years of daily data (730 days) with the default difficulty.
    pub fn daily(channels: usize) -> Self {
        Self {
            periodicity: Periodicity::Daily,
            periods: 730,
            ..Self::weekly(channels)
        }
    }

    /// Three years of weekly data (156 weeks) with the default difficulty.
    pub fn weekly(channels: usize) -> Self {
        Self {
            periodicity: Periodicity::Weekly,
            periods: 156,
            channels,
            noise: 0.04,
            media_share: 0.3,
            daily_carryover: (0.65, 0.95),
            offline_share: 0.35,
            delayed_share: 0.3,
            logistic_share: 0.4,
            demand_following: 1.0,
            common_budget: 0.25,
            bursts_per_year: 3.0,
        }
    }

    fn validate(&self) -> Result<()> {
        let share = |v: f64| (0.0..=1.0).contains(&v);
        let (lo, hi) = self.daily_carryover;
        if self.channels == 0 || self.periods < 20 {
            return Err(EngineError::invalid(
                "sim",
                "need at least one channel and 20 periods",
            ));
        }
        if !(self.noise >= 0.0 && self.noise.is_finite() && (0.0..0.95).contains(&self.media_share))
        {
            return Err(EngineError::invalid(
                "sim",
                "noise must be non-negative and media_share in [0, 0.95)",
            ));
        }
        if !(0.0 <= lo && lo <= hi && hi < 1.0) {
            return Err(EngineError::invalid(
                "sim.daily_carryover",
                "must be a range within [0, 1)",
            ));
        }
        if !(share(self.offline_share) && share(self.delayed_share) && share(self.logistic_share)) {
            return Err(EngineError::invalid(
                "sim",
                "offline_share, delayed_share and logistic_share must be in [0, 1]",
            ));
        }
        let nonneg = |v: f64| v.is_finite() && v >= 0.0;
        if !(nonneg(self.demand_following)
            && nonneg(self.common_budget)
            && nonneg(self.bursts_per_year))
        {
            return Err(EngineError::invalid(
                "sim",
                "demand_following, common_budget and bursts_per_year must be zero or more",
            ));
        }
        Ok(())
    }
}

fn normal(rng: &mut ChaCha8Rng, sd: f64) -> f64 {
    Normal::new(0.0, sd).map(|d| d.sample(rng)).unwrap_or(0.0)
}

/// The true adstock of one channel with carryover `alpha` per period: geometric, or Weibull
/// lag-mass weights (shape 1.5–2.5) with the same mean lag `α / (1 − α)`. The window covers at
/// least 99.9% of the undecayed weight.
fn hard_adstock(rng: &mut ChaCha8Rng, alpha: f64, delayed: bool) -> Adstock {
    if delayed {
        let shape: f64 = rng.random_range(1.5..2.5);
        let mean_lag = (alpha / (1.0 - alpha)).max(0.05);
        // Γ(1 + 1/k) lies in 0.886–0.903 for k in 1.5–2.5.
        let scale = mean_lag / 0.89;
        let max_lag = (scale * 1000f64.ln().powf(1.0 / shape)).ceil() as usize + 1;
        Adstock::WeibullPdf {
            shape,
            scale,
            max_lag: max_lag.max(2),
            normalized: true,
        }
    } else {
        let max_lag = if alpha <= 0.0 {
            1
        } else {
            (1e-3f64.ln() / alpha.ln()).ceil().max(1.0) as usize
        };
        Adstock::Geometric {
            alpha,
            max_lag,
            normalized: true,
        }
    }
}

/// Simulates a hard history (see [`HardSimConfig`] and the module's invariants).
/// Deterministic for `seed`.
pub fn simulate_hard(config: &HardSimConfig, seed: u64) -> Result<Simulation> {
    config.validate()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let p = config.periodicity;
    let days = p.days();
    let n = config.periods;
    let k = config.channels;
    let intercept = 100_000.0 / 7.0 * days as f64;
    let amp1: f64 = rng.random_range(0.08..0.2);
    let ph1: f64 = rng.random_range(0.0..std::f64::consts::TAU);
    let amp2: f64 = rng.random_range(0.0..0.06);
    let ph2: f64 = rng.random_range(0.0..std::f64::consts::TAU);
    let mut truth = GroundTruth {
        periodicity: p,
        first_day: SIM_FIRST_DAY,
        channels: Vec::with_capacity(k),
        intercept,
        trend_per_period: intercept * rng.random_range(-0.15..0.35) / n as f64,
        yearly: vec![
            (intercept * amp1 * ph1.cos(), intercept * amp1 * ph1.sin()),
            (intercept * amp2 * ph2.cos(), intercept * amp2 * ph2.sin()),
        ],
        weekly: match p {
            Periodicity::Daily => vec![
                (
                    intercept * rng.random_range(-0.08..0.08),
                    intercept * rng.random_range(-0.08..0.08),
                ),
                (
                    intercept * rng.random_range(-0.03..0.03),
                    intercept * rng.random_range(-0.03..0.03),
                ),
            ],
            Periodicity::Weekly => Vec::new(),
        },
        noise_sd: 0.0,
    };
    let base: Vec<f64> = (0..n).map(|t| truth.baseline(t)).collect();
    let base_mean = base.iter().sum::<f64>() / n as f64;
    // Demand without the day-of-week cycle (budgets follow the season and the trend).
    let demand: Vec<f64> = (0..n)
        .map(|t| {
            let day = (SIM_FIRST_DAY + t as i64 * days) as f64;
            let mut d = truth.intercept + truth.trend_per_period * t as f64;
            for (j, (c, s)) in truth.yearly.iter().enumerate() {
                let w = std::f64::consts::TAU * (j + 1) as f64 * day / 365.25;
                d += c * w.cos() + s * w.sin();
            }
            (d / base_mean).max(0.05)
        })
        .collect();
    // A weekly AR(1) log budget factor shared by every channel, with stationary sd
    // `common_budget`.
    let weeks = (n as i64 * days / 7 + 2) as usize;
    let phi: f64 = 0.9;
    let innovation = config.common_budget * (1.0 - phi * phi).sqrt();
    let mut common = Vec::with_capacity(weeks);
    let mut f = normal(&mut rng, config.common_budget);
    for _ in 0..weeks {
        common.push(f);
        f = phi * f + normal(&mut rng, innovation);
    }
    let week_of = |t: usize| (t as i64 * days / 7) as usize;

    let offline_count = ((config.offline_share * k as f64).round() as usize).min(k - 1);
    let mut roles: Vec<bool> = (0..k).map(|c| c < offline_count).collect();
    roles.shuffle(&mut rng);
    let quarter = (91 / days).max(1) as usize;
    let mut spends = Vec::with_capacity(k);
    let mut weights = Vec::with_capacity(k);
    for (c, &offline) in roles.iter().enumerate() {
        let per_day = if offline {
            rng.random_range(1_500.0..6_000.0)
        } else {
            rng.random_range(300.0..3_000.0)
        };
        let typical = per_day * days as f64;
        let daily_alpha = rng.random_range(config.daily_carryover.0..=config.daily_carryover.1);
        let alpha = daily_alpha.powi(days as i32);
        let delayed = rng.random_bool(config.delayed_share);
        let adstock = hard_adstock(&mut rng, alpha, delayed);
        let half = typical * rng.random_range(0.5..1.5);
        let saturation = if rng.random_bool(config.logistic_share) {
            Saturation::Logistic { half }
        } else {
            Saturation::Hill {
                half,
                shape: rng.random_range(0.7..2.0),
            }
        };
        let follow = config.demand_following * rng.random_range(0.3..1.0);
        let loading: f64 = rng.random_range(0.5..1.5);
        let noise_sd = match (offline, p) {
            (true, _) => 0.1,
            (false, Periodicity::Daily) => 0.3,
            (false, Periodicity::Weekly) => 0.2,
        };
        // Flights in whole weeks: on 2–8 weeks, off 2–10 weeks; the first flight is on.
        let mut on = true;
        let mut flight_left = rng.random_range(2..9usize);
        let mut last_week = 0usize;
        let burst_p = config.bursts_per_year * days as f64 / 365.25;
        let (burst_len, burst_mult) = match p {
            Periodicity::Daily => (3..11usize, 2.0..4.0),
            Periodicity::Weekly => (1..3usize, 2.0..4.0),
        };
        let mut burst_left = 0usize;
        let mut burst = 1.0;
        let mut level: f64 = rng.random_range(0.6..1.4);
        let mut spend = Vec::with_capacity(n);
        for (t, demand_t) in demand.iter().enumerate() {
            if t > 0 && t % quarter == 0 {
                level = rng.random_range(0.6..1.4);
            }
            let w = week_of(t);
            if offline && w != last_week {
                last_week = w;
                flight_left = flight_left.saturating_sub(1);
                if flight_left == 0 {
                    on = !on;
                    flight_left = if on {
                        rng.random_range(2..9)
                    } else {
                        rng.random_range(2..11)
                    };
                }
            }
            if !offline {
                if burst_left == 0 && rng.random_bool(burst_p.clamp(0.0, 1.0)) {
                    burst_left = rng.random_range(burst_len.clone());
                    burst = rng.random_range(burst_mult.clone());
                }
                if burst_left > 0 {
                    burst_left -= 1;
                } else {
                    burst = 1.0;
                }
            }
            let v = if on {
                typical
                    * level
                    * demand_t.powf(follow)
                    * (loading * common[w]).exp()
                    * lognormal_factor(&mut rng, noise_sd)
                    * burst
            } else {
                0.0
            };
            spend.push(v);
        }
        weights.push(rng.random_range(0.5..1.5));
        truth.channels.push(SimChannel {
            name: if offline {
                format!("offline_{c}")
            } else {
                format!("online_{c}")
            },
            transform: ChannelTransform {
                adstock,
                saturation,
                beta: 1.0,
            },
            typical_spend: typical,
        });
        spends.push(spend);
    }
    // β: media is `media_share` of the mean noiseless outcome, split by the channel weights.
    let media_total = config.media_share / (1.0 - config.media_share) * base_mean;
    let wsum: f64 = weights.iter().sum();
    for ((ch, spend), w) in truth.channels.iter_mut().zip(&spends).zip(&weights) {
        let t = ch.transform;
        let a = t.adstock.apply(spend);
        let mean_s = a.iter().map(|v| t.saturation.value(*v)).sum::<f64>() / n as f64;
        ch.transform.beta = media_total * w / wsum / mean_s.max(1e-9);
    }
    let contributions = truth.contributions(&spends, &[])?;
    let clean: Vec<f64> = (0..n)
        .map(|t| base[t] + contributions.iter().map(|c| c[t]).sum::<f64>())
        .collect();
    truth.noise_sd = config.noise * clean.iter().sum::<f64>() / n as f64;
    let noise = Normal::new(0.0, truth.noise_sd.max(1e-12))
        .map_err(|e| EngineError::invalid("sim.noise", e.to_string()))?;
    let outcome = clean.iter().map(|v| v + noise.sample(&mut rng)).collect();
    let data = Dataset {
        periodicity: p,
        first_day: SIM_FIRST_DAY,
        outcome_name: "outcome".into(),
        outcome,
        channels: truth
            .channels
            .iter()
            .zip(spends)
            .map(|(c, s)| Series::new(c.name.clone(), s))
            .collect(),
        controls: Vec::new(),
        events: Vec::new(),
    };
    Ok(Simulation {
        truth,
        data,
        contributions,
    })
}

impl GroundTruth {
    /// The true baseline (no media, no noise) in period `t`.
    pub fn baseline(&self, t: usize) -> f64 {
        let day = (self.first_day + t as i64 * self.periodicity.days()) as f64;
        let mut b = self.intercept + self.trend_per_period * t as f64;
        for (k, (c, s)) in self.yearly.iter().enumerate() {
            let w = std::f64::consts::TAU * (k + 1) as f64 * day / 365.25;
            b += c * w.cos() + s * w.sin();
        }
        for (k, (c, s)) in self.weekly.iter().enumerate() {
            let w = std::f64::consts::TAU * (k + 1) as f64 * day / 7.0;
            b += c * w.cos() + s * w.sin();
        }
        b
    }

    /// True contribution per channel per period for `history` followed by `next`
    /// (channel-major: `spend[c][t]`); returns only the periods of `next`, or of `history` when
    /// `next` is empty.
    pub fn contributions(&self, history: &[Vec<f64>], next: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
        if history.len() != self.channels.len()
            || (!next.is_empty() && next.len() != self.channels.len())
        {
            return Err(EngineError::invalid(
                "spend",
                format!("expected one series per channel ({})", self.channels.len()),
            ));
        }
        let mut out = Vec::with_capacity(self.channels.len());
        for (c, ch) in self.channels.iter().enumerate() {
            let mut x = history[c].clone();
            let start = if next.is_empty() { 0 } else { x.len() };
            if let Some(nx) = next.get(c) {
                x.extend_from_slice(nx);
            }
            if x.iter().any(|v| !v.is_finite() || *v < 0.0) {
                return Err(EngineError::invalid(
                    format!("spend of {}", ch.name),
                    "must be finite and non-negative",
                ));
            }
            let mut a = vec![0.0; x.len()];
            convolve(&ch.transform.adstock.weights(), &x, &mut a);
            out.push(
                a[start..]
                    .iter()
                    .map(|v| ch.transform.beta * ch.transform.saturation.value(*v))
                    .collect(),
            );
        }
        Ok(out)
    }

    /// The next periods' observed outcomes, given the spend history (from period 0) and the
    /// budgets for the next periods (both channel-major). Deterministic for `seed`.
    pub fn respond(&self, history: &[Vec<f64>], next: &[Vec<f64>], seed: u64) -> Result<Vec<f64>> {
        let start = history.first().map_or(0, Vec::len);
        let len = next.first().map_or(0, Vec::len);
        if history.iter().any(|h| h.len() != start) || next.iter().any(|h| h.len() != len) {
            return Err(EngineError::invalid(
                "spend",
                "every channel needs the same number of periods",
            ));
        }
        let contrib = self.contributions(history, next)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let noise = Normal::new(0.0, self.noise_sd.max(1e-12))
            .map_err(|e| EngineError::invalid("noise_sd", e.to_string()))?;
        Ok((0..len)
            .map(|i| {
                self.baseline(start + i)
                    + contrib.iter().map(|c| c[i]).sum::<f64>()
                    + noise.sample(&mut rng)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulation_is_deterministic_and_media_share_is_as_asked() {
        let a = simulate(&SimConfig::weekly(5), 7).unwrap();
        let b = simulate(&SimConfig::weekly(5), 7).unwrap();
        assert_eq!(a, b);
        let share: f64 = a.true_share().iter().sum();
        assert!((share - 0.4).abs() < 0.05, "share {share}");
        assert!(a.data.validate().is_ok());
    }

    #[test]
    fn respond_continues_the_history() {
        let s = simulate(&SimConfig::weekly(3), 1).unwrap();
        let hist: Vec<Vec<f64>> = s
            .data
            .channels
            .iter()
            .map(|c| c.values[..100].to_vec())
            .collect();
        let next: Vec<Vec<f64>> = s
            .data
            .channels
            .iter()
            .map(|c| c.values[100..104].to_vec())
            .collect();
        let full = s.truth.contributions(&hist, &next).unwrap();
        for (c, contrib) in full.iter().enumerate() {
            for (i, v) in contrib.iter().enumerate() {
                assert!((v - s.contributions[c][100 + i]).abs() < 1e-6);
            }
        }
        let y = s.truth.respond(&hist, &next, 3).unwrap();
        assert_eq!(y.len(), 4);
    }

    #[test]
    fn hard_histories_keep_their_invariants() {
        for (config, seed) in [
            (HardSimConfig::daily(6), 11u64),
            (HardSimConfig::weekly(8), 12),
            (HardSimConfig::daily(4), 13),
        ] {
            let a = simulate_hard(&config, seed).unwrap();
            assert_eq!(a, simulate_hard(&config, seed).unwrap(), "deterministic");
            assert_ne!(a.data, simulate_hard(&config, seed + 1).unwrap().data);
            assert!(a.data.validate().is_ok());
            assert_eq!(a.data.len(), config.periods);
            assert_eq!(a.truth.channels.len(), config.channels);
            let n = config.periods;
            let days = config.periodicity.days();
            // Media is exactly the asked share of the mean noiseless outcome.
            let media: f64 = a.contributions.iter().flatten().sum::<f64>() / n as f64;
            let base: f64 = (0..n).map(|t| a.truth.baseline(t)).sum::<f64>() / n as f64;
            assert!((media / (media + base) - config.media_share).abs() < 1e-9);
            assert!((a.truth.noise_sd / (media + base) - config.noise).abs() < 1e-9);
            let mut online = 0;
            for (ch, spend) in a.truth.channels.iter().zip(&a.data.channels) {
                let w = ch.transform.adstock.weights();
                let raw: f64 = match ch.transform.adstock {
                    Adstock::Geometric { alpha, .. } => {
                        let (lo, hi) = config.daily_carryover;
                        let daily = alpha.powf(1.0 / days as f64);
                        assert!((lo - 1e-9..=hi + 1e-9).contains(&daily), "{daily}");
                        // Weight beyond the window, relative to the infinite window's.
                        alpha.powi(w.len() as i32)
                    }
                    Adstock::WeibullPdf { shape, scale, .. } => {
                        (-(w.len() as f64 / scale).powf(shape)).exp()
                    }
                    Adstock::WeibullCdf { .. } => panic!("not drawn"),
                };
                assert!(
                    raw <= 1e-3,
                    "{}: {raw} of the weight lies past the window",
                    ch.name
                );
                if ch.name.starts_with("offline") {
                    // Off flights are whole weeks.
                    for t in 0..n {
                        let week_start = (t as i64 * days / 7 * 7 / days) as usize;
                        if spend.values[t] == 0.0 {
                            assert_eq!(spend.values[week_start], 0.0);
                        }
                    }
                    assert!(spend.values.contains(&0.0), "flighted");
                    assert!(spend.values[0] > 0.0, "the first flight is on");
                } else {
                    online += 1;
                    assert!(spend.values.iter().all(|v| *v > 0.0));
                }
            }
            assert!(online >= 1);
        }
    }

    #[test]
    fn hard_histories_refuse_bad_settings() {
        let mut c = HardSimConfig::daily(4);
        c.daily_carryover = (0.9, 1.0);
        assert!(simulate_hard(&c, 1).is_err());
        let mut c = HardSimConfig::weekly(4);
        c.offline_share = 1.5;
        assert!(simulate_hard(&c, 1).is_err());
        assert!(simulate_hard(&HardSimConfig::weekly(0), 1).is_err());
    }
}
