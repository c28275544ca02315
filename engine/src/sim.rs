//! A ground-truth simulator: channels with known adstock, saturation and β, a baseline with
//! trend, seasonality and noise, and realistic spend with flighting. Deterministic for a seed.
//!
//! Tests and benchmarks use [`simulate`]; the sandbox ad platform can drive a [`GroundTruth`]
//! period by period with [`GroundTruth::respond`], handing it the spend history and the next
//! periods' budgets.

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
}
