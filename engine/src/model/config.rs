//! Model settings, lift tests, and their checks.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// Which adstock family to fit for every channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AdstockKind {
    /// Geometric decay (one parameter).
    #[default]
    Geometric,
    /// Weibull survival weights (shape, scale).
    WeibullCdf,
    /// Weibull lag-mass weights, allowing a delayed peak (shape, scale).
    WeibullPdf,
}

/// Which saturation family to fit for every channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SaturationKind {
    /// Hill (half-saturation point and shape).
    #[default]
    Hill,
    /// Logistic (half-saturation point).
    Logistic,
}

/// The hyperparameter search: Latin-hypercube sampling, then Nelder–Mead from the best samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchConfig {
    /// Random samples per hyperparameter in the global phase.
    pub samples_per_dim: usize,
    /// Number of local searches, started from the best distinct samples.
    pub starts: usize,
    /// Nelder–Mead iteration budget per hyperparameter, per start.
    pub iters_per_dim: usize,
    /// Weight of the validation error relative to the training error in the search objective.
    pub validation_weight: f64,
    /// Strength of the prior pulling Hill shapes toward 1: the objective (a share of the
    /// outcome's variance) gains `hill_shape_prior · Σ (ln shape)²`, so a shape of 3 must
    /// explain about 2.4% more of the variance than a shape of 1 at the default 0.02.
    #[serde(default = "default_hill_shape_prior")]
    pub hill_shape_prior: f64,
}

fn default_hill_shape_prior() -> f64 {
    0.02
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            samples_per_dim: 25,
            starts: 3,
            iters_per_dim: 60,
            validation_weight: 1.0,
            hill_shape_prior: default_hill_shape_prior(),
        }
    }
}

/// The block bootstrap behind every interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapConfig {
    /// Number of bootstrap replicates (0 turns intervals off: they collapse to the estimate).
    pub replicates: usize,
    /// Central interval level, e.g. 0.9.
    pub level: f64,
    /// Residual block length in periods; `None` picks `⌈n^(1/3)⌉`, at least the adstock window
    /// for weekly data.
    pub block_length: Option<usize>,
    /// Nelder–Mead iterations per hyperparameter to re-tune the transforms on each replicate
    /// (0 keeps them fixed at the estimate, which narrows the intervals).
    pub polish_iters_per_dim: usize,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            replicates: 100,
            level: 0.9,
            block_length: None,
            polish_iters_per_dim: 6,
        }
    }
}

/// Everything that shapes a fit. Results are deterministic for a given configuration and data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Adstock family.
    pub adstock: AdstockKind,
    /// Saturation family.
    pub saturation: SaturationKind,
    /// Adstock window in periods. `None`: 8 weeks or 28 days, except that a geometric adstock's
    /// window then follows its decay (99.9% of the weight, at most a third of the history).
    pub max_lag: Option<usize>,
    /// Normalize the adstock weights (the house convention).
    pub normalized_adstock: bool,
    /// Trend changepoints, spread evenly over the training window.
    pub changepoints: usize,
    /// Yearly Fourier order (used when the history spans at least 300 days).
    pub yearly_order: usize,
    /// Weekly Fourier order (daily data only).
    pub weekly_order: usize,
    /// Add a non-negative interaction term `γ_ij · s_i · s_j` for every pair of channels
    /// (cross-channel synergy). Off by default.
    #[serde(default)]
    pub interactions: bool,
    /// Relative ridge penalty on the interaction coefficients (a prior that synergies are
    /// small unless the data insist).
    #[serde(default = "default_interaction_ridge")]
    pub interaction_ridge: f64,
    /// Relative ridge penalty on every coefficient but the intercept.
    pub ridge: f64,
    /// Share of the periods, oldest first, used for training.
    pub train_share: f64,
    /// Share of the periods used for validation (right after training); the rest is the test.
    pub validation_share: f64,
    /// The deploy gate: the largest acceptable test MAPE (0.15 = 15%).
    pub max_test_mape: f64,
    /// Hyperparameter search.
    pub search: SearchConfig,
    /// Intervals.
    pub bootstrap: BootstrapConfig,
    /// Points on each response-curve grid.
    pub curve_points: usize,
    /// Seed for every random choice.
    pub seed: u64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            adstock: AdstockKind::Geometric,
            saturation: SaturationKind::Hill,
            max_lag: None,
            normalized_adstock: true,
            changepoints: 0,
            yearly_order: 2,
            weekly_order: 3,
            interactions: false,
            interaction_ridge: default_interaction_ridge(),
            ridge: 0.005,
            train_share: 0.7,
            validation_share: 0.15,
            max_test_mape: 0.15,
            search: SearchConfig::default(),
            bootstrap: BootstrapConfig::default(),
            curve_points: 41,
            seed: 0,
        }
    }
}

fn default_interaction_ridge() -> f64 {
    0.1
}

impl ModelConfig {
    /// Checks ranges; the fit assumes they passed.
    pub fn validate(&self) -> Result<()> {
        let share_ok = self.train_share > 0.0
            && self.validation_share > 0.0
            && self.train_share + self.validation_share < 1.0;
        if !share_ok {
            return Err(EngineError::invalid(
                "split",
                "train and validation shares must be positive and leave room for a test set",
            ));
        }
        if !(self.ridge.is_finite()
            && self.ridge >= 0.0
            && self.interaction_ridge.is_finite()
            && self.interaction_ridge >= 0.0)
        {
            return Err(EngineError::invalid("ridge", "must be zero or more"));
        }
        if !(self.max_test_mape.is_finite() && self.max_test_mape > 0.0) {
            return Err(EngineError::invalid("max_test_mape", "must be positive"));
        }
        if !(self.bootstrap.level > 0.0 && self.bootstrap.level < 1.0) {
            return Err(EngineError::invalid("bootstrap.level", "must be in (0, 1)"));
        }
        if !(self.search.hill_shape_prior.is_finite()
            && self.search.hill_shape_prior >= 0.0
            && self.search.validation_weight.is_finite()
            && self.search.validation_weight >= 0.0)
        {
            return Err(EngineError::invalid(
                "search",
                "hill_shape_prior and validation_weight must be zero or more",
            ));
        }
        if self.search.starts == 0 || self.search.iters_per_dim == 0 {
            return Err(EngineError::invalid(
                "search",
                "needs at least one start and one iteration",
            ));
        }
        if self.curve_points < 2 {
            return Err(EngineError::invalid("curve_points", "must be at least 2"));
        }
        if matches!(self.max_lag, Some(0)) {
            return Err(EngineError::invalid("max_lag", "must be at least 1"));
        }
        Ok(())
    }
}

/// A lift test (geo experiment, conversion lift study): the channel's measured incremental
/// outcome over a window of periods, with its standard error. The model's counterpart is the
/// channel's contribution summed over the window (carryover from earlier spend included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftTest {
    /// Channel name.
    pub channel: String,
    /// Epoch day of the first period in the window.
    pub first_day: i64,
    /// Epoch day of the last period in the window (inclusive).
    pub last_day: i64,
    /// Measured incremental outcome over the window.
    pub lift: f64,
    /// Its standard error (positive).
    pub std_error: f64,
}
