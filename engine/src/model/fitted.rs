//! The fitted model: the `model.json` format, its outputs, the per-channel response curves the
//! optimizer consumes, and forecasts.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::config::{LiftTest, ModelConfig};
use super::data::{Periodicity, Series};
use super::design::{BaselineGroup, BaselineSpec};
use crate::convert::ChannelTransform;
use crate::error::{EngineError, Result};
use crate::transform::{Adstock, Saturation};

/// Dates are accepted between years −25000 and 29000 or so (days since 1970-01-01).
pub(crate) const MIN_DAY: i64 = -10_000_000;
/// See [`MIN_DAY`].
pub(crate) const MAX_DAY: i64 = 10_000_000;

/// The version of the `model.json` format written by this engine.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// A point estimate with its interval (the median-centred bootstrap percentile interval at the
/// model's level; see `docs/model.md`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Estimate from the fit on all periods.
    pub value: f64,
    /// Lower end of the interval.
    pub lower: f64,
    /// Upper end of the interval.
    pub upper: f64,
}

/// Accuracy on one split. Ratios are `None` when undefined (no variance, or all-zero outcome).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitMetrics {
    /// Periods in the split.
    pub periods: usize,
    /// `1 − SSE/SST`, with the split's own mean.
    pub r2: Option<f64>,
    /// Mean of `|error| / |actual|` over periods with a non-zero actual.
    pub mape: Option<f64>,
    /// `Σ|error| / Σ|actual|`.
    pub wmape: Option<f64>,
    /// Root mean squared error over the range (max − min) of the actual values.
    pub nrmse: Option<f64>,
}

impl FitMetrics {
    /// Metrics of `pred` against `actual`.
    pub fn compute(actual: &[f64], pred: &[f64]) -> Self {
        let n = actual.len();
        let ratio = |num: f64, den: f64| (den > 0.0 && num.is_finite()).then(|| num / den);
        let mean = actual.iter().sum::<f64>() / n.max(1) as f64;
        let sse: f64 = actual
            .iter()
            .zip(pred)
            .map(|(a, p)| (a - p) * (a - p))
            .sum();
        let sst: f64 = actual.iter().map(|a| (a - mean) * (a - mean)).sum();
        let abs_err: f64 = actual.iter().zip(pred).map(|(a, p)| (a - p).abs()).sum();
        let abs_act: f64 = actual.iter().map(|a| a.abs()).sum();
        let (ape, m) = actual
            .iter()
            .zip(pred)
            .filter(|(a, _)| **a != 0.0)
            .fold((0.0, 0usize), |(s, m), (a, p)| {
                (s + ((a - p) / a).abs(), m + 1)
            });
        let max = actual.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = actual.iter().copied().fold(f64::INFINITY, f64::min);
        Self {
            periods: n,
            r2: ratio(sse, sst).map(|r| 1.0 - r),
            mape: ratio(ape, m as f64),
            wmape: ratio(abs_err, abs_act),
            nrmse: ratio((sse / n.max(1) as f64).sqrt(), max - min),
        }
    }
}

/// Accuracy on each time-ordered split, from the fit on the training periods only.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitMetrics {
    /// The oldest periods, on which the coefficients were fitted.
    pub train: FitMetrics,
    /// The next periods, used (with the training fit) to choose the hyperparameters.
    pub validation: FitMetrics,
    /// The newest periods, unseen by every choice.
    pub test: FitMetrics,
}

/// Whether a model passed the deploy gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GateStatus {
    /// Test MAPE within the limit: the model may be activated.
    Accepted,
    /// The model must not be activated.
    Rejected {
        /// Why, in words.
        reason: String,
    },
}

/// The deploy gate's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    /// The limit on test MAPE that was applied.
    pub max_test_mape: f64,
    /// Verdict.
    #[serde(flatten)]
    pub status: GateStatus,
}

/// One channel as fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedChannel {
    /// Channel (spend column) name.
    pub name: String,
    /// Transforms and β from the fit on all periods.
    pub transform: ChannelTransform,
    /// Total spend over the history.
    pub total_spend: f64,
    /// Mean spend per period over the last quarter (13 weeks or 91 days): "current spend".
    pub current_spend_per_period: f64,
    /// Largest spend in one period.
    pub max_spend_per_period: f64,
    /// The last `max_lag − 1` periods of spend, oldest first, for adstock carry-in.
    pub history_tail: Vec<f64>,
}

/// A cross-channel term `gamma · s_first · s_second` (saturated adstocked spend of both).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// Index of the first channel.
    pub first: usize,
    /// Index of the second channel.
    pub second: usize,
    /// Coefficient, outcome per period, non-negative (synergy).
    pub gamma: f64,
}

/// Coefficients of one fit: the channel transforms and β, interactions, and the baseline
/// coefficients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelState {
    /// One per channel, in channel order.
    pub channels: Vec<ChannelTransform>,
    /// Pairwise interaction terms (empty unless the model was fitted with interactions).
    #[serde(default)]
    pub interactions: Vec<Interaction>,
    /// One per baseline column, in [`BaselineSpec::column_names`] order.
    pub baseline: Vec<f64>,
}

impl ModelState {
    /// Steady-state saturation level of each channel at constant spend `x[c]` per period.
    pub fn levels(&self, x: &[f64]) -> Vec<f64> {
        self.channels
            .iter()
            .zip(x)
            .map(|(t, x)| t.saturation.value(t.adstock.steady_state_multiplier() * x))
            .collect()
    }

    /// Channel `c`'s β with its interactions folded in at the other channels' saturation
    /// `levels`: `β_c + Σ_j γ_cj · s_j`.
    pub fn effective_beta(&self, c: usize, levels: &[f64]) -> f64 {
        self.channels[c].beta
            + self
                .interactions
                .iter()
                .map(|it| {
                    if it.first == c {
                        it.gamma * levels[it.second]
                    } else if it.second == c {
                        it.gamma * levels[it.first]
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
    }

    /// Steady-state outcome per period that channel `c` adds at spend `z` per period, with the
    /// other channels at saturation `levels` (the response curve).
    pub fn curve(&self, c: usize, z: f64, levels: &[f64]) -> f64 {
        let t = &self.channels[c];
        self.effective_beta(c, levels) * t.saturation.value(t.adstock.steady_state_multiplier() * z)
    }

    /// Derivative of [`Self::curve`] in `z` (the marginal ROAS).
    pub fn marginal(&self, c: usize, z: f64, levels: &[f64]) -> f64 {
        let t = &self.channels[c];
        let m = t.adstock.steady_state_multiplier();
        self.effective_beta(c, levels) * m * t.saturation.derivative(m * z)
    }
}

/// Per-channel outputs with intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelSummary {
    /// Channel name.
    pub channel: String,
    /// β: outcome per period at full saturation.
    pub beta: Estimate,
    /// Total contribution over the history.
    pub contribution: Estimate,
    /// Contribution over the total outcome.
    pub contribution_share: Estimate,
    /// Contribution over spend, over the history.
    pub roas: Estimate,
    /// Extra outcome per extra unit of spend at current spend, in steady state.
    pub marginal_roas: Estimate,
    /// Percent change of the outcome per percent change of this channel's spend, at current
    /// spend, relative to the mean outcome of the last quarter.
    pub elasticity: Estimate,
    /// Spend per period at which the channel reaches 90% of β in steady state.
    pub saturation_point: Estimate,
    /// Current spend per period (mean of the last quarter).
    pub current_spend_per_period: f64,
}

/// A response curve: steady-state outcome per period against spend per period (the other
/// channels at their current spend), with a band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseCurve {
    /// Channel name.
    pub channel: String,
    /// Spend per period (the grid).
    pub spend: Vec<f64>,
    /// Outcome per period at each grid point.
    pub outcome: Vec<Estimate>,
}

/// The outcome over time split into baseline parts and channels (point estimates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decomposition {
    /// Epoch day of each period.
    pub days: Vec<i64>,
    /// Observed outcome.
    pub actual: Vec<f64>,
    /// Fitted outcome (fit on all periods).
    pub fitted: Vec<f64>,
    /// Baseline parts: `trend`, `yearly`, `weekly`, `events`, `controls` (those present).
    pub baseline: Vec<Series>,
    /// One series per channel.
    pub channels: Vec<Series>,
}

/// Bootstrap replicates, kept so forecasts and curves can carry intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bootstrap {
    /// Interval level.
    pub level: f64,
    /// Residual block length in periods.
    pub block_length: usize,
    /// Whether the transforms were re-tuned on each replicate.
    pub hyperparameters_refitted: bool,
    /// The replicate fits.
    pub replicates: Vec<ModelState>,
    /// Residuals of the fit on all periods (for forecast noise).
    pub residuals: Vec<f64>,
}

/// A fitted model; serialized as-is, this is `model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedModel {
    /// [`MODEL_FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// Period length.
    pub periodicity: Periodicity,
    /// Epoch day of the first period of history.
    pub first_day: i64,
    /// Periods of history.
    pub periods: usize,
    /// Outcome column name.
    pub outcome_name: String,
    /// The settings used (the seed included).
    pub config: ModelConfig,
    /// Lift tests that calibrated the fit.
    pub lift_tests: Vec<LiftTest>,
    /// Channels.
    pub channels: Vec<FittedChannel>,
    /// How the baseline columns are built.
    pub baseline_spec: BaselineSpec,
    /// The fit on all periods.
    pub estimate: ModelState,
    /// Accuracy per split.
    pub metrics: SplitMetrics,
    /// Deploy gate.
    pub gate: Gate,
    /// Per-channel outputs with intervals.
    pub summary: Vec<ChannelSummary>,
    /// With interactions: `E[i][j]`, the percent change of the outcome attributed to channel `i`
    /// per percent change of channel `j`'s spend, at current spend, relative to the mean outcome
    /// of the last quarter (point estimate). Column `j` sums to channel `j`'s `elasticity`.
    #[serde(default)]
    pub elasticity_matrix: Option<Vec<Vec<f64>>>,
    /// Response curves with bands.
    pub response_curves: Vec<ResponseCurve>,
    /// Decomposition over the history.
    pub decomposition: Decomposition,
    /// Bootstrap replicates.
    pub bootstrap: Bootstrap,
}

/// A channel's response curve in plain numbers, for the optimizer.
///
/// In steady state (constant spend `x` per period), the channel adds
/// `beta · saturation(steady_state_multiplier · x / spend_scale) · outcome_scale` per period.
/// Mixpilot fits on raw units, so both scales are 1; they are spelled out so that a consumer
/// never has to guess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelResponse {
    /// Channel name.
    pub channel: String,
    /// Period of `spend` and of the outcome.
    pub periodicity: Periodicity,
    /// Carryover.
    pub adstock: Adstock,
    /// Diminishing returns.
    pub saturation: Saturation,
    /// Outcome per period at full saturation. With interactions, each interaction is folded in
    /// at the other channels' current spend (`β_c + Σ_j γ_cj · s_j(current_j)`): a separable
    /// curve that is exact while the other channels stay at their current spend.
    pub beta: f64,
    /// Adstocked level per unit of constant spend per period (1 for normalized adstock).
    pub steady_state_multiplier: f64,
    /// Spend is divided by this before the transforms (1: raw currency).
    pub spend_scale: f64,
    /// The transformed value is multiplied by this (1: raw outcome units).
    pub outcome_scale: f64,
    /// Mean spend per period over the last quarter.
    pub current_spend_per_period: f64,
    /// Largest spend in one period in the history (curves are extrapolations beyond it).
    pub max_spend_per_period: f64,
}

impl ChannelResponse {
    /// Steady-state outcome per period at `spend` per period.
    pub fn outcome_per_period(&self, spend: f64) -> f64 {
        self.beta
            * self.outcome_scale
            * self
                .saturation
                .value(self.steady_state_multiplier * spend / self.spend_scale)
    }

    /// Derivative of [`Self::outcome_per_period`] (the marginal ROAS).
    pub fn marginal_outcome_per_period(&self, spend: f64) -> f64 {
        let m = self.steady_state_multiplier / self.spend_scale;
        self.beta * self.outcome_scale * m * self.saturation.derivative(m * spend)
    }
}

/// Planned spend for future periods, starting right after the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Epoch day of the first planned period: the period after the last one of history.
    pub first_day: i64,
    /// Spend per period for every channel of the model (missing channels are an error).
    pub spend: Vec<Series>,
    /// Control values for every control of the model.
    pub controls: Vec<Series>,
    /// Event dummies; missing events are zero.
    pub events: Vec<Series>,
}

/// One forecast period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPeriod {
    /// Epoch day.
    pub day: i64,
    /// Outcome with its prediction interval.
    pub outcome: Estimate,
    /// Expected contribution of each channel (model order).
    pub channels: Vec<f64>,
}

/// A forecast over a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Interval level.
    pub level: f64,
    /// Channel names, in the order of [`ForecastPeriod::channels`].
    pub channels: Vec<String>,
    /// Per period.
    pub periods: Vec<ForecastPeriod>,
    /// Total over the window, with its interval.
    pub total: Estimate,
}

/// Percentile of sorted data (linear interpolation).
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let w = pos - lo as f64;
    sorted[lo] * (1.0 - w) + sorted[hi] * w
}

/// An estimate from the point value and replicate draws: the percentile interval of the draws,
/// shifted so that their median sits on the point estimate. The shift removes the bootstrap's
/// own bias (ridge shrinkage applied twice, hyperparameters re-tuned from the estimate), while
/// keeping the interval's asymmetry. When the point and all draws are non-negative, the lower
/// end is kept at zero or more.
pub(crate) fn estimate(value: f64, draws: &[f64], level: f64) -> Estimate {
    let mut d: Vec<f64> = draws.iter().copied().filter(|v| v.is_finite()).collect();
    if d.is_empty() || !value.is_finite() {
        return Estimate {
            value,
            lower: value,
            upper: value,
        };
    }
    d.sort_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    let shift = value - percentile(&d, 0.5);
    let mut lower = percentile(&d, a) + shift;
    let upper = percentile(&d, 1.0 - a) + shift;
    if value >= 0.0 && d[0] >= 0.0 {
        lower = lower.max(0.0);
    }
    Estimate {
        value,
        lower,
        upper,
    }
}

/// Saturated adstocked spend per channel (spend with any carry-in prepended), dropping the
/// first `skip` periods.
pub(crate) fn saturated(state: &ModelState, spend: &[Vec<f64>], skip: usize) -> Vec<Vec<f64>> {
    state
        .channels
        .iter()
        .zip(spend)
        .map(|(t, x)| {
            let a = t.adstock.apply(x);
            a[skip.min(a.len())..]
                .iter()
                .map(|v| t.saturation.value(*v))
                .collect()
        })
        .collect()
}

/// Channel contributions per period: each channel's own term plus half of each of its
/// interaction terms (the Shapley split of a product), so that they add up to the media part.
pub(crate) fn contributions(state: &ModelState, spend: &[Vec<f64>], skip: usize) -> Vec<Vec<f64>> {
    let s = saturated(state, spend, skip);
    let mut out: Vec<Vec<f64>> = s
        .iter()
        .zip(&state.channels)
        .map(|(s, t)| s.iter().map(|v| t.beta * v).collect())
        .collect();
    for it in &state.interactions {
        for t in 0..s[it.first].len() {
            let half = 0.5 * it.gamma * s[it.first][t] * s[it.second][t];
            out[it.first][t] += half;
            out[it.second][t] += half;
        }
    }
    out
}

impl FittedModel {
    /// Whether the deploy gate accepted the model.
    pub fn accepted(&self) -> bool {
        self.gate.status == GateStatus::Accepted
    }

    /// Channel names in order.
    pub fn channel_names(&self) -> Vec<String> {
        self.channels.iter().map(|c| c.name.clone()).collect()
    }

    /// Per-channel response curves in plain numbers, for the optimizer.
    pub fn channel_responses(&self) -> Vec<ChannelResponse> {
        let current: Vec<f64> = self
            .channels
            .iter()
            .map(|c| c.current_spend_per_period)
            .collect();
        let levels = self.estimate.levels(&current);
        self.channels
            .iter()
            .enumerate()
            .map(|(i, c)| ChannelResponse {
                channel: c.name.clone(),
                periodicity: self.periodicity,
                adstock: c.transform.adstock,
                saturation: c.transform.saturation,
                beta: self.estimate.effective_beta(i, &levels),
                steady_state_multiplier: c.transform.adstock.steady_state_multiplier(),
                spend_scale: 1.0,
                outcome_scale: 1.0,
                current_spend_per_period: c.current_spend_per_period,
                max_spend_per_period: c.max_spend_per_period,
            })
            .collect()
    }

    /// Checks that a deserialized model is one this engine can use.
    pub fn check(&self) -> Result<()> {
        if self.format_version != MODEL_FORMAT_VERSION {
            return Err(EngineError::invalid(
                "format_version",
                format!(
                    "is {}, this engine reads version {MODEL_FORMAT_VERSION}",
                    self.format_version
                ),
            ));
        }
        let k = self.channels.len();
        let q = self.baseline_spec.width();
        let tail = self.channels.first().map_or(0, |c| c.history_tail.len());
        if self.channels.iter().any(|c| c.history_tail.len() != tail) {
            return Err(EngineError::invalid(
                "model.channels",
                "every channel needs the same history_tail length",
            ));
        }
        if !(MIN_DAY..=MAX_DAY).contains(&self.first_day) || self.periods > 1_000_000 {
            return Err(EngineError::invalid(
                "model",
                "first_day or periods is out of range",
            ));
        }
        let states = std::iter::once(&self.estimate).chain(&self.bootstrap.replicates);
        for s in states {
            if s.channels.len() != k || s.baseline.len() != q {
                return Err(EngineError::invalid(
                    "model",
                    "coefficient counts do not match the channels and baseline",
                ));
            }
            for t in &s.channels {
                t.adstock.validate()?;
                t.saturation.validate()?;
            }
            if s.interactions
                .iter()
                .any(|it| it.first >= k || it.second >= k || it.first == it.second)
            {
                return Err(EngineError::invalid(
                    "model",
                    "an interaction names a channel that does not exist",
                ));
            }
        }
        Ok(())
    }

    /// Forecasts the outcome over a plan, with prediction intervals that combine the
    /// bootstrap replicates (parameter uncertainty) with resampled residual blocks (noise).
    /// Deterministic for `seed`.
    pub fn forecast(&self, plan: &Plan, seed: u64) -> Result<Forecast> {
        self.check()?;
        let days = self.periodicity.days();
        let expected_first = i64::try_from(self.periods)
            .ok()
            .and_then(|p| p.checked_mul(days))
            .and_then(|d| d.checked_add(self.first_day))
            .ok_or_else(|| EngineError::invalid("model.periods", "is out of range"))?;
        if plan.first_day != expected_first {
            return Err(EngineError::invalid(
                "plan.first_day",
                format!(
                    "the plan must start the period right after the history (epoch day {expected_first})"
                ),
            ));
        }
        let h = plan.spend.first().map_or(0, |s| s.values.len());
        if h == 0 {
            return Err(EngineError::invalid("plan", "has no periods"));
        }
        let mut spend = Vec::with_capacity(self.channels.len());
        for c in &self.channels {
            let s = plan
                .spend
                .iter()
                .find(|s| s.name == c.name)
                .ok_or_else(|| {
                    EngineError::invalid(format!("plan column {}", c.name), "is missing")
                })?;
            if s.values.len() != h {
                return Err(EngineError::invalid(
                    format!("plan column {}", c.name),
                    format!("has {} periods, expected {h}", s.values.len()),
                ));
            }
            if let Some(i) = s.values.iter().position(|v| !v.is_finite() || *v < 0.0) {
                return Err(EngineError::invalid(
                    format!("plan column {} at period {i}", c.name),
                    "spend must be a finite number, zero or more",
                ));
            }
            let mut x = c.history_tail.clone();
            x.extend_from_slice(&s.values);
            spend.push(x);
        }
        let cols = self
            .baseline_spec
            .columns(self.periods, h, &plan.events, &plan.controls)?;
        let skip = self.channels.first().map_or(0, |c| c.history_tail.len());
        let predict = |state: &ModelState| -> (Vec<f64>, Vec<Vec<f64>>) {
            let contrib = contributions(state, &spend, skip);
            let mut y = vec![0.0; h];
            for (col, g) in cols.iter().zip(&state.baseline) {
                y.iter_mut().zip(col).for_each(|(o, v)| *o += g * v);
            }
            for c in &contrib {
                y.iter_mut().zip(c).for_each(|(o, v)| *o += v);
            }
            (y, contrib)
        };
        let (point, point_contrib) = predict(&self.estimate);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let res = &self.bootstrap.residuals;
        let b = self.bootstrap.block_length.clamp(1, res.len().max(1));
        let noise = |rng: &mut ChaCha8Rng| -> Vec<f64> {
            let mut e = Vec::with_capacity(h);
            while e.len() < h && !res.is_empty() {
                let start = rng.random_range(0..=res.len() - b);
                e.extend(res[start..start + b].iter().take(h - e.len()));
            }
            e.resize(h, 0.0);
            e
        };
        let draws: Vec<Vec<f64>> = if self.bootstrap.replicates.is_empty() {
            (0..200)
                .map(|_| {
                    let e = noise(&mut rng);
                    point.iter().zip(e).map(|(p, e)| p + e).collect()
                })
                .collect()
        } else {
            self.bootstrap
                .replicates
                .iter()
                .map(|r| {
                    let (y, _) = predict(r);
                    let e = noise(&mut rng);
                    y.iter().zip(e).map(|(p, e)| p + e).collect()
                })
                .collect()
        };
        let level = self.bootstrap.level;
        let periods = (0..h)
            .map(|t| {
                let d: Vec<f64> = draws.iter().map(|r| r[t]).collect();
                ForecastPeriod {
                    day: plan.first_day + t as i64 * days,
                    outcome: estimate(point[t], &d, level),
                    channels: point_contrib.iter().map(|c| c[t]).collect(),
                }
            })
            .collect();
        let totals: Vec<f64> = draws.iter().map(|r| r.iter().sum()).collect();
        Ok(Forecast {
            level,
            channels: self.channel_names(),
            periods,
            total: estimate(point.iter().sum(), &totals, level),
        })
    }

    /// Baseline columns grouped for the decomposition.
    pub(crate) fn baseline_parts(
        spec: &BaselineSpec,
        cols: &[Vec<f64>],
        gamma: &[f64],
    ) -> Vec<Series> {
        let groups = spec.groups();
        let n = cols.first().map_or(0, Vec::len);
        let mut out: Vec<Series> = Vec::new();
        for g in [
            BaselineGroup::Trend,
            BaselineGroup::Yearly,
            BaselineGroup::Weekly,
            BaselineGroup::Events,
            BaselineGroup::Controls,
        ] {
            let idx: Vec<usize> = (0..groups.len()).filter(|&i| groups[i] == g).collect();
            if idx.is_empty() {
                continue;
            }
            let mut v = vec![0.0; n];
            for i in idx {
                v.iter_mut()
                    .zip(&cols[i])
                    .for_each(|(o, x)| *o += gamma[i] * x);
            }
            let name = match g {
                BaselineGroup::Trend => "trend",
                BaselineGroup::Yearly => "yearly",
                BaselineGroup::Weekly => "weekly",
                BaselineGroup::Events => "events",
                BaselineGroup::Controls => "controls",
            };
            out.push(Series::new(name, v));
        }
        out
    }
}
