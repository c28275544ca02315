//! The optimizer's response curves.
//!
//! # Conventions (stated once)
//!
//! * Spend `x` is **money per period** in the currency's major unit (dollars, euros), not
//!   normalized. The period (day or week) is whatever the caller's data uses; the optimizer
//!   only needs every item to use the same one.
//! * The outcome of an item over one period of the planning window is
//!
//!   ```text
//!   f(x) = β · sat(m · x + c)
//!   ```
//!
//!   where `m` is the steady-state adstock multiplier (for a normalized geometric adstock
//!   `m = 1`; for an unnormalized one with decay θ, `m = 1 / (1 − θ)`), and `c ≥ 0` is the
//!   adstock carried in from history, averaged over the window, in the same money units as
//!   `m · x`. Carry-in makes `f(0) > 0`: what was spent before the window still sells, and that
//!   outcome is counted.
//! * `sat` is either Hill, `z^S / (z^S + K^S)` with half-saturation `K` in money per period
//!   (the *adstocked* spend at which half the ceiling β is reached) and shape `S`, or logistic,
//!   `(1 − e^{−λz}) / (1 + e^{−λz})` (PyMC-Marketing's convention), with λ per unit of money.
//! * β is the outcome ceiling per period (revenue in money, or conversions).
//!
//! A Hill curve with `S ≤ 1` and every logistic curve are concave for `z ≥ 0`. A Hill curve with
//! `S > 1` is S-shaped: convex below its inflection point `z* = K ((S − 1)/(S + 1))^{1/S}`,
//! concave above it.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// The saturation function of a response curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Saturation {
    /// `z^S / (z^S + K^S)`.
    Hill {
        /// `K`: adstocked spend per period at which half of β is reached. Must be > 0.
        half_saturation: f64,
        /// `S`: the shape. `S ≤ 1` is concave, `S > 1` is S-shaped. Must be > 0.
        shape: f64,
    },
    /// `(1 − e^{−λz}) / (1 + e^{−λz})`, i.e. `tanh(λz/2)`.
    Logistic {
        /// λ, per unit of money. Must be > 0.
        lambda: f64,
    },
}

impl Saturation {
    /// `sat(z)` for `z ≥ 0`.
    pub fn value(&self, z: f64) -> f64 {
        let z = z.max(0.0);
        match *self {
            Self::Hill {
                half_saturation,
                shape,
            } => {
                let r = (z / half_saturation).powf(shape);
                if r.is_infinite() { 1.0 } else { r / (1.0 + r) }
            }
            Self::Logistic { lambda } => (0.5 * lambda * z).tanh(),
        }
    }

    /// `sat'(z)` for `z ≥ 0` (may be `+∞` at `z = 0` for Hill with `S < 1`).
    pub fn derivative(&self, z: f64) -> f64 {
        let z = z.max(0.0);
        match *self {
            Self::Hill {
                half_saturation: k,
                shape: s,
            } => {
                let q = z / k;
                let r = q.powf(s);
                if r.is_infinite() {
                    return 0.0;
                }
                // S/K · q^{S−1} / (1 + r)^2, written so that large r does not overflow.
                let denom = (1.0 + r) * (1.0 + r);
                (s / k) * q.powf(s - 1.0) / denom
            }
            Self::Logistic { lambda } => {
                let t = (0.5 * lambda * z).tanh();
                0.5 * lambda * (1.0 - t * t)
            }
        }
    }

    /// The inflection point `z*` below which the curve is convex; 0 for concave shapes.
    pub fn inflection(&self) -> f64 {
        match *self {
            Self::Hill {
                half_saturation,
                shape,
            } if shape > 1.0 => half_saturation * ((shape - 1.0) / (shape + 1.0)).powf(1.0 / shape),
            _ => 0.0,
        }
    }

    fn validate(&self) -> Result<()> {
        match *self {
            Self::Hill {
                half_saturation,
                shape,
            } => {
                positive("half_saturation", half_saturation)?;
                positive("shape", shape)
            }
            Self::Logistic { lambda } => positive("lambda", lambda),
        }
    }
}

fn positive(field: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(EngineError::invalid(
            field,
            format!("must be a finite number greater than 0, got {v}"),
        ))
    }
}

fn non_negative(field: &str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(EngineError::invalid(
            field,
            format!("must be a finite number ≥ 0, got {v}"),
        ))
    }
}

/// Unchecked curve parameters, as read from a file. Turned into [`CurveParams`] by validation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurveParamsRequest {
    /// β, the outcome ceiling per period.
    pub beta: f64,
    /// The saturation function.
    pub saturation: Saturation,
    /// `m`, the steady-state adstock multiplier (default 1).
    #[serde(default = "one")]
    pub adstock_multiplier: f64,
    /// `c`, adstock carried in from history, in money per period (default 0).
    #[serde(default)]
    pub carry_in: f64,
}

fn one() -> f64 {
    1.0
}

/// Validated parameters of one response curve: `f(x) = β · sat(m·x + c)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CurveParamsRequest", into = "CurveParamsRequest")]
pub struct CurveParams {
    beta: f64,
    saturation: Saturation,
    adstock_multiplier: f64,
    carry_in: f64,
}

impl TryFrom<CurveParamsRequest> for CurveParams {
    type Error = EngineError;

    fn try_from(r: CurveParamsRequest) -> Result<Self> {
        non_negative("beta", r.beta)?;
        r.saturation.validate()?;
        positive("adstock_multiplier", r.adstock_multiplier)?;
        non_negative("carry_in", r.carry_in)?;
        Ok(Self {
            beta: r.beta,
            saturation: r.saturation,
            adstock_multiplier: r.adstock_multiplier,
            carry_in: r.carry_in,
        })
    }
}

impl From<CurveParams> for CurveParamsRequest {
    fn from(p: CurveParams) -> Self {
        Self {
            beta: p.beta,
            saturation: p.saturation,
            adstock_multiplier: p.adstock_multiplier,
            carry_in: p.carry_in,
        }
    }
}

impl CurveParams {
    /// Validates and builds curve parameters.
    pub fn new(
        beta: f64,
        saturation: Saturation,
        adstock_multiplier: f64,
        carry_in: f64,
    ) -> Result<Self> {
        CurveParamsRequest {
            beta,
            saturation,
            adstock_multiplier,
            carry_in,
        }
        .try_into()
    }

    /// A Hill curve without adstock or carry-in.
    pub fn hill(beta: f64, half_saturation: f64, shape: f64) -> Result<Self> {
        Self::new(
            beta,
            Saturation::Hill {
                half_saturation,
                shape,
            },
            1.0,
            0.0,
        )
    }

    /// A logistic curve without adstock or carry-in.
    pub fn logistic(beta: f64, lambda: f64) -> Result<Self> {
        Self::new(beta, Saturation::Logistic { lambda }, 1.0, 0.0)
    }

    /// The same curve with carry-in adstock `c` (money per period).
    pub fn with_carry_in(self, carry_in: f64) -> Result<Self> {
        Self::new(
            self.beta,
            self.saturation,
            self.adstock_multiplier,
            carry_in,
        )
    }

    /// The same curve with a steady-state adstock multiplier `m`.
    pub fn with_adstock_multiplier(self, m: f64) -> Result<Self> {
        Self::new(self.beta, self.saturation, m, self.carry_in)
    }

    /// β.
    pub fn beta(&self) -> f64 {
        self.beta
    }
    /// The saturation function.
    pub fn saturation(&self) -> Saturation {
        self.saturation
    }
    /// `m`.
    pub fn adstock_multiplier(&self) -> f64 {
        self.adstock_multiplier
    }
    /// `c`.
    pub fn carry_in(&self) -> f64 {
        self.carry_in
    }

    /// Outcome per period at spend `x` (money per period).
    pub fn value(&self, x: f64) -> f64 {
        self.beta
            * self
                .saturation
                .value(self.adstock_multiplier * x + self.carry_in)
    }

    /// Marginal outcome per unit of money at spend `x`.
    pub fn derivative(&self, x: f64) -> f64 {
        self.beta
            * self.adstock_multiplier
            * self
                .saturation
                .derivative(self.adstock_multiplier * x + self.carry_in)
    }

    /// The spend below which the curve is convex (0 when it is concave everywhere on x ≥ 0).
    pub fn convex_below(&self) -> f64 {
        ((self.saturation.inflection() - self.carry_in) / self.adstock_multiplier).max(0.0)
    }

    /// Whether the curve is concave on `[lo, ∞)` (spend in money per period).
    pub fn is_concave_from(&self, lo: f64) -> bool {
        lo >= self.convex_below()
    }
}

/// A response curve with optional parameter samples describing its uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseCurve {
    /// The point estimate (posterior mean or fitted value) used for planning.
    pub params: CurveParams,
    /// Draws of the parameters (bootstrap or posterior). Empty when the curve is certain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<CurveParams>,
}

impl ResponseCurve {
    /// A curve without uncertainty.
    pub fn certain(params: CurveParams) -> Self {
        Self {
            params,
            samples: Vec::new(),
        }
    }

    /// Outcome per period at spend `x`, from the point estimate.
    pub fn value(&self, x: f64) -> f64 {
        self.params.value(x)
    }

    /// Marginal outcome per unit of money at spend `x`, from the point estimate.
    pub fn derivative(&self, x: f64) -> f64 {
        self.params.derivative(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hill_is_half_saturated_at_k() {
        let c = CurveParams::hill(100.0, 50.0, 2.0).unwrap();
        assert!((c.value(50.0) - 50.0).abs() < 1e-12);
        assert_eq!(c.value(0.0), 0.0);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let curves = [
            CurveParams::hill(100.0, 50.0, 0.7).unwrap(),
            CurveParams::hill(100.0, 50.0, 1.0).unwrap(),
            CurveParams::hill(100.0, 50.0, 2.5).unwrap(),
            CurveParams::logistic(80.0, 0.01)
                .unwrap()
                .with_carry_in(20.0)
                .unwrap()
                .with_adstock_multiplier(1.7)
                .unwrap(),
        ];
        for c in curves {
            for x in [1.0, 10.0, 40.0, 300.0] {
                let h = 1e-5 * x;
                let fd = (c.value(x + h) - c.value(x - h)) / (2.0 * h);
                let d = c.derivative(x);
                assert!(
                    (fd - d).abs() <= 1e-6 * d.abs().max(1e-9),
                    "{c:?} at {x}: {fd} vs {d}"
                );
            }
        }
    }

    #[test]
    fn carry_in_counts_outcome_at_zero_spend() {
        let c = CurveParams::hill(100.0, 50.0, 1.0)
            .unwrap()
            .with_carry_in(50.0)
            .unwrap();
        assert!((c.value(0.0) - 50.0).abs() < 1e-12);
    }

    #[test]
    fn s_shaped_curve_is_convex_below_its_inflection() {
        let c = CurveParams::hill(100.0, 50.0, 3.0).unwrap();
        let z = c.convex_below();
        assert!(z > 0.0 && z < 50.0);
        // second difference changes sign at z
        let second = |x: f64| c.value(x + 1e-3) - 2.0 * c.value(x) + c.value(x - 1e-3);
        assert!(second(0.5 * z) > 0.0);
        assert!(second(1.5 * z) < 0.0);
        assert!(
            CurveParams::hill(1.0, 1.0, 0.8)
                .unwrap()
                .is_concave_from(0.0)
        );
    }

    #[test]
    fn invalid_parameters_are_rejected_not_panicked_on() {
        assert!(CurveParams::hill(-1.0, 1.0, 1.0).is_err());
        assert!(CurveParams::hill(1.0, 0.0, 1.0).is_err());
        assert!(CurveParams::hill(1.0, 1.0, f64::NAN).is_err());
        assert!(CurveParams::logistic(1.0, -2.0).is_err());
        let json =
            r#"{"beta": 1.0, "saturation": {"type": "hill", "half_saturation": -3, "shape": 1}}"#;
        assert!(serde_json::from_str::<CurveParams>(json).is_err());
    }
}
