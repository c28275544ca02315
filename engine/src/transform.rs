//! Media transforms: adstock (carryover) and saturation (diminishing returns).
//!
//! # The one convention
//!
//! Everything in Mixpilot uses this convention; [`crate::convert`] translates to and from
//! Meridian, Robyn and PyMC-Marketing.
//!
//! - **Spend is per period**, in currency units, unscaled. A period is the dataset's period
//!   (a day or a week); nothing is rescaled by the maximum, the mean or the median.
//! - **Adstock weights are normalized by default**: `a_t = Σ_{l<L} w_l x_{t-l} / Σ_l w_l`, with
//!   the history before the first period taken as zero. The adstocked spend is then a weighted
//!   average of recent spend, still in currency per period, and a constant spend `x` adstocks to
//!   `x` (the *steady-state multiplier* is 1). Unnormalized adstock is available; its multiplier
//!   is `Σ_l w_l`.
//! - **The half-saturation point `K` is in adstocked currency per period**: `s(K) = 0.5` for both
//!   Hill and logistic saturation. Saturation maps `[0, ∞)` onto `[0, 1)`, increasing.
//! - **β is in outcome units per period**: a channel contributes `β · s(a_t)` to period `t`, so β
//!   is the most the channel can add in one period.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// A carryover transform, applied to spend per period before saturation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Adstock {
    /// Geometric decay: `w_l = alpha^l` for `l < max_lag`.
    Geometric {
        /// Share of the effect carried from one period to the next, in `[0, 1)`.
        alpha: f64,
        /// Number of periods with weight (the current one included), at least 1.
        max_lag: usize,
        /// Divide the weights by their sum (the default convention).
        normalized: bool,
    },
    /// Weibull survival weights: `w_l = 1 − F(l)`, where `F` is the Weibull CDF with the given
    /// shape and scale (scale in periods). Monotone decay whose speed changes over time.
    WeibullCdf {
        /// Weibull shape `k > 0`.
        shape: f64,
        /// Weibull scale `λ > 0`, in periods.
        scale: f64,
        /// Number of periods with weight, at least 1.
        max_lag: usize,
        /// Divide the weights by their sum.
        normalized: bool,
    },
    /// Weibull lag-mass weights: `w_l = F(l + 1) − F(l)`, the Weibull probability of the lag bin
    /// `[l, l + 1)`. With shape above 1 the peak effect is delayed.
    WeibullPdf {
        /// Weibull shape `k > 0`.
        shape: f64,
        /// Weibull scale `λ > 0`, in periods.
        scale: f64,
        /// Number of periods with weight, at least 1.
        max_lag: usize,
        /// Divide the weights by their sum.
        normalized: bool,
    },
}

fn weibull_cdf(x: f64, shape: f64, scale: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else {
        1.0 - (-(x / scale).powf(shape)).exp()
    }
}

impl Adstock {
    /// Checks the parameters; every other method assumes they passed.
    pub fn validate(&self) -> Result<()> {
        let (max_lag, ok, reason) = match *self {
            Adstock::Geometric { alpha, max_lag, .. } => (
                max_lag,
                alpha.is_finite() && (0.0..1.0).contains(&alpha),
                "alpha must be in [0, 1)",
            ),
            Adstock::WeibullCdf {
                shape,
                scale,
                max_lag,
                ..
            }
            | Adstock::WeibullPdf {
                shape,
                scale,
                max_lag,
                ..
            } => (
                max_lag,
                shape.is_finite() && shape > 0.0 && scale.is_finite() && scale > 0.0,
                "shape and scale must be positive and finite",
            ),
        };
        if !ok {
            return Err(EngineError::invalid("adstock", reason));
        }
        if max_lag == 0 || max_lag > 10_000 {
            return Err(EngineError::invalid(
                "adstock.max_lag",
                "must be between 1 and 10000 periods",
            ));
        }
        Ok(())
    }

    /// Number of periods with weight.
    pub fn max_lag(&self) -> usize {
        match *self {
            Adstock::Geometric { max_lag, .. }
            | Adstock::WeibullCdf { max_lag, .. }
            | Adstock::WeibullPdf { max_lag, .. } => max_lag,
        }
    }

    /// Whether the weights are divided by their sum.
    pub fn normalized(&self) -> bool {
        match *self {
            Adstock::Geometric { normalized, .. }
            | Adstock::WeibullCdf { normalized, .. }
            | Adstock::WeibullPdf { normalized, .. } => normalized,
        }
    }

    fn raw_weights(&self) -> Vec<f64> {
        match *self {
            Adstock::Geometric { alpha, max_lag, .. } => {
                let mut w = Vec::with_capacity(max_lag);
                let mut v = 1.0;
                for _ in 0..max_lag {
                    w.push(v);
                    v *= alpha;
                }
                w
            }
            Adstock::WeibullCdf {
                shape,
                scale,
                max_lag,
                ..
            } => (0..max_lag)
                .map(|l| 1.0 - weibull_cdf(l as f64, shape, scale))
                .collect(),
            Adstock::WeibullPdf {
                shape,
                scale,
                max_lag,
                ..
            } => (0..max_lag)
                .map(|l| {
                    weibull_cdf(l as f64 + 1.0, shape, scale) - weibull_cdf(l as f64, shape, scale)
                })
                .collect(),
        }
    }

    /// The lag weights `w_0 … w_{L−1}` as applied (normalized if the transform says so). If all
    /// raw weights vanish (an extreme Weibull), the weight sits on lag 0.
    pub fn weights(&self) -> Vec<f64> {
        let mut w = self.raw_weights();
        let sum: f64 = w.iter().sum();
        if sum.is_nan() || sum <= 1e-300 || !sum.is_finite() {
            w.iter_mut().for_each(|v| *v = 0.0);
            if let Some(first) = w.first_mut() {
                *first = 1.0;
            }
            return w;
        }
        if self.normalized() {
            w.iter_mut().for_each(|v| *v /= sum);
        }
        w
    }

    /// The adstocked level under a constant spend of 1 per period, once the lag window is full:
    /// 1 when normalized, `Σ w_l` otherwise.
    pub fn steady_state_multiplier(&self) -> f64 {
        self.weights().iter().sum()
    }

    /// Adstocks a series, with zero spend before its first period.
    pub fn apply(&self, spend: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; spend.len()];
        self.apply_into(spend, &mut out);
        out
    }

    /// [`Self::apply`] into a buffer of the same length. Geometric adstock uses the recursion
    /// `a_t = α a_{t−1} + x_t − α^L x_{t−L}` (exact for the truncated window, O(n) instead of
    /// O(n·L)); the others convolve their weights.
    pub fn apply_into(&self, spend: &[f64], out: &mut [f64]) {
        match *self {
            Adstock::Geometric {
                alpha,
                max_lag,
                normalized,
            } => {
                let tail = alpha.powi(max_lag.min(i32::MAX as usize) as i32);
                let scale = if normalized {
                    1.0 / self.raw_weights().iter().sum::<f64>()
                } else {
                    1.0
                };
                let mut acc = 0.0_f64;
                for (t, o) in out.iter_mut().enumerate() {
                    acc = alpha * acc + spend[t];
                    if t >= max_lag {
                        acc -= tail * spend[t - max_lag];
                    }
                    // Rounding in the subtraction must not make a sum of non-negatives negative.
                    acc = acc.max(0.0);
                    *o = acc * scale;
                }
            }
            _ => convolve(&self.weights(), spend, out),
        }
    }
}

/// `out[t] = Σ_l w[l] · x[t − l]`, with `x` zero before its start.
pub fn convolve(weights: &[f64], x: &[f64], out: &mut [f64]) {
    for (t, o) in out.iter_mut().enumerate() {
        let mut acc = 0.0;
        for (l, w) in weights.iter().enumerate().take(t + 1) {
            acc += w * x[t - l];
        }
        *o = acc;
    }
}

/// `ln 3`: the logistic rate times the half-saturation point (`tanh(λK/2) = 1/2`).
const LN3: f64 = 1.098_612_288_668_109_8;

/// A diminishing-returns curve mapping adstocked spend per period onto `[0, 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Saturation {
    /// Hill: `s(x) = x^n / (x^n + K^n)`.
    Hill {
        /// Half-saturation point `K > 0`, in adstocked currency per period.
        half: f64,
        /// Shape `n > 0`; above 1 the curve is S-shaped.
        shape: f64,
    },
    /// Logistic (PyMC-Marketing's form): `s(x) = (1 − e^{−λx}) / (1 + e^{−λx})` with
    /// `λ = ln 3 / K`, so that `s(K) = 1/2`. Concave from zero.
    Logistic {
        /// Half-saturation point `K > 0`, in adstocked currency per period.
        half: f64,
    },
}

impl Saturation {
    /// Checks the parameters; every other method assumes they passed.
    pub fn validate(&self) -> Result<()> {
        let ok = match *self {
            Saturation::Hill { half, shape } => {
                half.is_finite() && half > 0.0 && shape.is_finite() && shape > 0.0
            }
            Saturation::Logistic { half } => half.is_finite() && half > 0.0,
        };
        if ok {
            Ok(())
        } else {
            Err(EngineError::invalid(
                "saturation",
                "the half-saturation point and the shape must be positive and finite",
            ))
        }
    }

    /// The half-saturation point `K`.
    pub fn half(&self) -> f64 {
        match *self {
            Saturation::Hill { half, .. } | Saturation::Logistic { half } => half,
        }
    }

    /// The logistic rate `λ = ln 3 / K` (only meaningful for [`Saturation::Logistic`]).
    pub fn logistic_rate(half: f64) -> f64 {
        LN3 / half
    }

    /// `s(x)`; negative inputs are treated as zero.
    pub fn value(&self, x: f64) -> f64 {
        let x = x.max(0.0);
        match *self {
            Saturation::Hill { half, shape } => {
                if x == 0.0 {
                    return 0.0;
                }
                // x^n / (x^n + K^n) = 1 / (1 + (K/x)^n), stable for large and small x.
                1.0 / (1.0 + (half / x).powf(shape))
            }
            Saturation::Logistic { half } => {
                let z = (-LN3 / half * x).exp();
                (1.0 - z) / (1.0 + z)
            }
        }
    }

    /// `ds/dx` at `x ≥ 0`.
    pub fn derivative(&self, x: f64) -> f64 {
        let x = x.max(0.0);
        match *self {
            Saturation::Hill { half, shape } => {
                if x == 0.0 {
                    return if shape < 1.0 {
                        f64::INFINITY
                    } else if shape == 1.0 {
                        1.0 / half
                    } else {
                        0.0
                    };
                }
                let r = (half / x).powf(shape);
                shape * r / (x * (1.0 + r) * (1.0 + r))
            }
            Saturation::Logistic { half } => {
                let lam = LN3 / half;
                let z = (-lam * x).exp();
                2.0 * lam * z / ((1.0 + z) * (1.0 + z))
            }
        }
    }

    /// The input at which `s` reaches `level` (in `(0, 1)`).
    pub fn inverse(&self, level: f64) -> f64 {
        let level = level.clamp(1e-12, 1.0 - 1e-12);
        match *self {
            Saturation::Hill { half, shape } => half * (level / (1.0 - level)).powf(1.0 / shape),
            Saturation::Logistic { half } => {
                // tanh(λx/2) = level  =>  x = 2 atanh(level) / λ
                let atanh = 0.5 * ((1.0 + level) / (1.0 - level)).ln();
                2.0 * atanh * half / LN3
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_geometric_weights_match_the_definition() {
        let a = Adstock::Geometric {
            alpha: 0.5,
            max_lag: 3,
            normalized: true,
        };
        let w = a.weights();
        assert!((w[0] - 1.0 / 1.75).abs() < 1e-12);
        assert!((w[2] - 0.25 / 1.75).abs() < 1e-12);
        let x = a.apply(&[1.0, 0.0, 0.0, 0.0]);
        assert!((x[1] - 0.5 / 1.75).abs() < 1e-12);
        assert_eq!(x[3], 0.0);
    }

    #[test]
    fn half_saturation_point_gives_one_half() {
        for s in [
            Saturation::Hill {
                half: 3.0,
                shape: 2.2,
            },
            Saturation::Logistic { half: 3.0 },
        ] {
            assert!((s.value(3.0) - 0.5).abs() < 1e-12);
            assert!((s.inverse(0.5) - 3.0).abs() < 1e-9);
            let h = 1e-6;
            let fd = (s.value(2.0 + h) - s.value(2.0 - h)) / (2.0 * h);
            assert!((fd - s.derivative(2.0)).abs() < 1e-6);
        }
    }

    #[test]
    fn the_geometric_recursion_matches_the_convolution() {
        let x: Vec<f64> = (0..300).map(|i| ((i * 37 % 11) as f64).powi(2)).collect();
        for (alpha, max_lag, normalized) in [(0.0, 1, true), (0.5, 8, true), (0.9, 28, false)] {
            let a = Adstock::Geometric {
                alpha,
                max_lag,
                normalized,
            };
            let mut conv = vec![0.0; x.len()];
            convolve(&a.weights(), &x, &mut conv);
            for (r, c) in a.apply(&x).iter().zip(&conv) {
                assert!((r - c).abs() <= 1e-9 * c.abs().max(1.0));
            }
        }
    }

    #[test]
    fn weibull_pdf_weights_can_peak_after_lag_zero() {
        let a = Adstock::WeibullPdf {
            shape: 3.0,
            scale: 3.0,
            max_lag: 10,
            normalized: true,
        };
        let w = a.weights();
        assert!(w[2] > w[0]);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(a.validate().is_ok());
        assert!(
            Adstock::Geometric {
                alpha: 1.0,
                max_lag: 3,
                normalized: true
            }
            .validate()
            .is_err()
        );
    }
}
