//! Converters between Mixpilot's convention (see [`crate::transform`]) and the
//! parameterizations of PyMC-Marketing, Meridian and Robyn.
//!
//! Each converter needs the scales the other tool applied to the data, because they fit on
//! scaled spend and outcome while Mixpilot works in raw units:
//!
//! | tool | spend scale | outcome scale | adstock | saturation |
//! |---|---|---|---|---|
//! | PyMC-Marketing | `x / max(x)` per channel | `y / max(y)` | geometric, normalized by default | logistic `λ` or Hill `κ`, slope |
//! | Meridian | `x / median(nonzero x)` | `(y − mean) / sd` | geometric, normalized | Hill `ec`, slope |
//! | Robyn | raw | raw | geometric, **not** normalized (`θ`) | Hill `α`, `γ` on the range of adstocked spend |
//!
//! Weibull adstocks are not converted: the three tools bin and normalize Weibull weights in
//! different ways and none matches exactly, so compare their lag weights instead.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::transform::{Adstock, Saturation};

/// A channel's transforms and coefficient in Mixpilot's convention.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChannelTransform {
    /// Carryover.
    pub adstock: Adstock,
    /// Diminishing returns.
    pub saturation: Saturation,
    /// Outcome per period at full saturation.
    pub beta: f64,
}

fn positive(field: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(EngineError::invalid(field, "must be positive and finite"))
    }
}

/// PyMC-Marketing's saturation choices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PymcSaturation {
    /// `LogisticSaturation(lam)` on max-scaled adstocked spend.
    Logistic {
        /// Rate on scaled spend.
        lam: f64,
    },
    /// `HillSaturation(slope, kappa)` on max-scaled adstocked spend.
    Hill {
        /// Shape.
        slope: f64,
        /// Half-saturation point on scaled spend.
        kappa: f64,
    },
}

/// A PyMC-Marketing channel: `GeometricAdstock(l_max, normalize)` then saturation, times `beta`,
/// all on scaled data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PymcChannel {
    /// Geometric decay rate.
    pub alpha: f64,
    /// Window length.
    pub l_max: usize,
    /// Whether the adstock weights are normalized (PyMC's default is true).
    pub normalize: bool,
    /// Saturation.
    pub saturation: PymcSaturation,
    /// Coefficient on the scaled outcome.
    pub beta: f64,
    /// `max(x)` used to scale this channel's spend.
    pub channel_scale: f64,
    /// `max(y)` used to scale the outcome.
    pub target_scale: f64,
}

impl PymcChannel {
    /// Into Mixpilot's convention.
    pub fn to_mixpilot(&self) -> Result<ChannelTransform> {
        positive("channel_scale", self.channel_scale)?;
        positive("target_scale", self.target_scale)?;
        let saturation = match self.saturation {
            PymcSaturation::Logistic { lam } => {
                positive("lam", lam)?;
                // λ_raw = lam / scale and K = ln3 / λ_raw.
                Saturation::Logistic {
                    half: Saturation::logistic_rate(1.0) * self.channel_scale / lam,
                }
            }
            PymcSaturation::Hill { slope, kappa } => Saturation::Hill {
                half: kappa * self.channel_scale,
                shape: slope,
            },
        };
        let out = ChannelTransform {
            adstock: Adstock::Geometric {
                alpha: self.alpha,
                max_lag: self.l_max,
                normalized: self.normalize,
            },
            saturation,
            beta: self.beta * self.target_scale,
        };
        out.adstock.validate()?;
        out.saturation.validate()?;
        Ok(out)
    }

    /// From Mixpilot's convention, given PyMC's data scales.
    pub fn from_mixpilot(
        t: &ChannelTransform,
        channel_scale: f64,
        target_scale: f64,
    ) -> Result<Self> {
        positive("channel_scale", channel_scale)?;
        positive("target_scale", target_scale)?;
        let Adstock::Geometric {
            alpha,
            max_lag,
            normalized,
        } = t.adstock
        else {
            return Err(EngineError::invalid(
                "adstock",
                "only geometric adstock converts to PyMC-Marketing",
            ));
        };
        let saturation = match t.saturation {
            Saturation::Logistic { half } => PymcSaturation::Logistic {
                lam: Saturation::logistic_rate(half) * channel_scale,
            },
            Saturation::Hill { half, shape } => PymcSaturation::Hill {
                slope: shape,
                kappa: half / channel_scale,
            },
        };
        Ok(Self {
            alpha,
            l_max: max_lag,
            normalize: normalized,
            saturation,
            beta: t.beta / target_scale,
            channel_scale,
            target_scale,
        })
    }
}

/// A Meridian channel: normalized geometric adstock, then Hill(`ec`, `slope`) on median-scaled
/// media, times `beta` on the standardized KPI (national model, no population scaling).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeridianChannel {
    /// Geometric decay rate.
    pub alpha: f64,
    /// `max_lag` (Meridian's default is 8).
    pub max_lag: usize,
    /// Half-saturation point on scaled media.
    pub ec: f64,
    /// Hill slope.
    pub slope: f64,
    /// Coefficient on the standardized KPI.
    pub beta: f64,
    /// The median of the channel's non-zero spend (Meridian's media scale).
    pub media_scale: f64,
    /// The standard deviation of the KPI (Meridian's KPI scale).
    pub kpi_scale: f64,
}

impl MeridianChannel {
    /// Into Mixpilot's convention.
    pub fn to_mixpilot(&self) -> Result<ChannelTransform> {
        positive("media_scale", self.media_scale)?;
        positive("kpi_scale", self.kpi_scale)?;
        let out = ChannelTransform {
            adstock: Adstock::Geometric {
                alpha: self.alpha,
                max_lag: self.max_lag,
                normalized: true,
            },
            saturation: Saturation::Hill {
                half: self.ec * self.media_scale,
                shape: self.slope,
            },
            beta: self.beta * self.kpi_scale,
        };
        out.adstock.validate()?;
        out.saturation.validate()?;
        Ok(out)
    }

    /// From Mixpilot's convention, given Meridian's data scales. Needs normalized geometric
    /// adstock and Hill saturation.
    pub fn from_mixpilot(t: &ChannelTransform, media_scale: f64, kpi_scale: f64) -> Result<Self> {
        positive("media_scale", media_scale)?;
        positive("kpi_scale", kpi_scale)?;
        match (t.adstock, t.saturation) {
            (
                Adstock::Geometric {
                    alpha,
                    max_lag,
                    normalized: true,
                },
                Saturation::Hill { half, shape },
            ) => Ok(Self {
                alpha,
                max_lag,
                ec: half / media_scale,
                slope: shape,
                beta: t.beta / kpi_scale,
                media_scale,
                kpi_scale,
            }),
            _ => Err(EngineError::invalid(
                "transform",
                "Meridian needs normalized geometric adstock and Hill saturation",
            )),
        }
    }
}

/// A Robyn channel: unnormalized geometric adstock `θ`, then Hill with shape `alpha` and
/// inflexion `(1 − γ)·min + γ·max` of the adstocked series, times `beta`, all on raw data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RobynChannel {
    /// Geometric decay `θ`.
    pub theta: f64,
    /// Hill shape.
    pub alpha: f64,
    /// Inflexion position within the range of the adstocked spend, in `[0, 1]`.
    pub gamma: f64,
    /// Coefficient on raw outcome.
    pub beta: f64,
    /// Minimum of Robyn's (unnormalized) adstocked spend over the modelling window.
    pub adstocked_min: f64,
    /// Maximum of Robyn's adstocked spend over the modelling window.
    pub adstocked_max: f64,
}

impl RobynChannel {
    /// Into Mixpilot's convention, truncating Robyn's infinite adstock at `max_lag` periods.
    pub fn to_mixpilot(&self, max_lag: usize) -> Result<ChannelTransform> {
        let adstock = Adstock::Geometric {
            alpha: self.theta,
            max_lag,
            normalized: true,
        };
        adstock.validate()?;
        if !(self.adstocked_max > self.adstocked_min && self.adstocked_min >= 0.0) {
            return Err(EngineError::invalid(
                "adstocked_max",
                "must exceed adstocked_min, which must be non-negative",
            ));
        }
        let inflexion = (1.0 - self.gamma) * self.adstocked_min + self.gamma * self.adstocked_max;
        // Robyn's adstock is S times ours, where S is the sum of the raw weights.
        let sum = Adstock::Geometric {
            alpha: self.theta,
            max_lag,
            normalized: false,
        }
        .steady_state_multiplier();
        let out = ChannelTransform {
            adstock,
            saturation: Saturation::Hill {
                half: inflexion / sum,
                shape: self.alpha,
            },
            beta: self.beta,
        };
        out.saturation.validate()?;
        Ok(out)
    }

    /// From Mixpilot's convention, given the range of Robyn's adstocked spend.
    pub fn from_mixpilot(
        t: &ChannelTransform,
        adstocked_min: f64,
        adstocked_max: f64,
    ) -> Result<Self> {
        if !(adstocked_max > adstocked_min && adstocked_min >= 0.0) {
            return Err(EngineError::invalid(
                "adstocked_max",
                "must exceed adstocked_min, which must be non-negative",
            ));
        }
        match (t.adstock, t.saturation) {
            (
                Adstock::Geometric {
                    alpha,
                    max_lag,
                    normalized,
                },
                Saturation::Hill { half, shape },
            ) => {
                let sum = if normalized {
                    Adstock::Geometric {
                        alpha,
                        max_lag,
                        normalized: false,
                    }
                    .steady_state_multiplier()
                } else {
                    1.0
                };
                let inflexion = half * sum;
                Ok(Self {
                    theta: alpha,
                    alpha: shape,
                    gamma: (inflexion - adstocked_min) / (adstocked_max - adstocked_min),
                    beta: t.beta,
                    adstocked_min,
                    adstocked_max,
                })
            }
            _ => Err(EngineError::invalid(
                "transform",
                "Robyn needs geometric adstock and Hill saturation",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pymc_logistic_round_trips_and_matches_the_raw_curve() {
        let p = PymcChannel {
            alpha: 0.4,
            l_max: 8,
            normalize: true,
            saturation: PymcSaturation::Logistic { lam: 4.0 },
            beta: 0.36,
            channel_scale: 0.5,
            target_scale: 8000.0,
        };
        let m = p.to_mixpilot().unwrap();
        // PyMC: beta * logistic(lam * x / scale) * target_scale, at raw x = 0.2.
        let x = 0.2_f64;
        let z = (-4.0 * x / 0.5).exp();
        let pymc = 0.36 * (1.0 - z) / (1.0 + z) * 8000.0;
        let ours = m.beta * m.saturation.value(x);
        assert!((pymc - ours).abs() < 1e-9);
        let back = PymcChannel::from_mixpilot(&m, 0.5, 8000.0).unwrap();
        match back.saturation {
            PymcSaturation::Logistic { lam } => assert!((lam - 4.0).abs() < 1e-12),
            PymcSaturation::Hill { .. } => panic!("wrong kind"),
        }
        assert!((back.beta - 0.36).abs() < 1e-12);
    }

    #[test]
    fn robyn_hill_matches_on_the_unnormalized_series() {
        let r = RobynChannel {
            theta: 0.5,
            alpha: 2.0,
            gamma: 0.4,
            beta: 10.0,
            adstocked_min: 0.0,
            adstocked_max: 100.0,
        };
        let m = r.to_mixpilot(40).unwrap();
        // A Robyn adstocked value of 30 is ours times S = 2 (infinite lag, θ = 0.5).
        let robyn = 10.0 * 30f64.powi(2) / (30f64.powi(2) + 40f64.powi(2));
        let ours = m.beta * m.saturation.value(15.0);
        assert!((robyn - ours).abs() < 1e-6);
        let back = RobynChannel::from_mixpilot(&m, 0.0, 100.0).unwrap();
        assert!((back.gamma - 0.4).abs() < 1e-9);
    }

    #[test]
    fn meridian_round_trips() {
        let me = MeridianChannel {
            alpha: 0.3,
            max_lag: 8,
            ec: 1.2,
            slope: 1.5,
            beta: 0.9,
            media_scale: 250.0,
            kpi_scale: 40.0,
        };
        let m = me.to_mixpilot().unwrap();
        assert!((m.saturation.half() - 300.0).abs() < 1e-9);
        let back = MeridianChannel::from_mixpilot(&m, 250.0, 40.0).unwrap();
        assert!((back.ec - 1.2).abs() < 1e-12 && (back.beta - 0.9).abs() < 1e-12);
    }
}
