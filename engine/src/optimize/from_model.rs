//! A fitted model's channels as optimizer items: the bridge from `model.json` to a plan.
//!
//! Each channel's steady-state response, `β · sat(m · x)` per period at constant spend `x` per
//! period (see [`crate::model::ChannelResponse`]), becomes one [`Item`] whose curve has the same
//! β, the same saturation (the model's logistic half-saturation point `K` is `λ = ln 3 / K`
//! here), and the adstock's steady-state multiplier `m`. With interactions, β folds them in at
//! the other channels' current spend, as the model does. Carry-in is 0: this is the long-run
//! plan, in which the adstock has settled at the new spend. Each bootstrap replicate of the
//! model becomes one sample of the curve, so the risk-aware objective, the plan's intervals and
//! exploration see the model's uncertainty. Today's spend is the model's current spend per
//! period (the mean of the last quarter of history).

use crate::model::{FittedModel, ModelState};
use crate::optimize::curve::{CurveParams, CurveParamsRequest, ResponseCurve, Saturation};
use crate::optimize::problem::{Item, cents_from_major};
use crate::transform::Saturation as ModelSaturation;
use crate::{EngineError, Result};

/// One optimizer item per channel of `model`, in the model's channel order.
pub fn items_from_model(model: &FittedModel) -> Result<Vec<Item>> {
    model.check()?;
    let current: Vec<f64> = model
        .channels
        .iter()
        .map(|c| c.current_spend_per_period)
        .collect();
    let estimate = curves_of(&model.estimate, &current)?;
    let replicates = model
        .bootstrap
        .replicates
        .iter()
        .map(|state| curves_of(state, &current))
        .collect::<Result<Vec<_>>>()?;
    model
        .channels
        .iter()
        .zip(estimate)
        .enumerate()
        .map(|(i, (channel, params))| {
            Ok(Item {
                id: channel.name.clone(),
                curve: ResponseCurve {
                    params,
                    samples: replicates.iter().map(|r| r[i]).collect(),
                },
                current: Some(cents_from_major(
                    &format!("{}: current spend per period", channel.name),
                    channel.current_spend_per_period,
                )?),
                platform_min: None,
                secondary_curve: None,
            })
        })
        .collect()
}

/// The curve of every channel under one set of model parameters.
fn curves_of(state: &ModelState, current: &[f64]) -> Result<Vec<CurveParams>> {
    if state.channels.len() != current.len() {
        return Err(EngineError::invalid(
            "model.json",
            "a bootstrap replicate has a different number of channels than the model",
        ));
    }
    let levels = state.levels(current);
    state
        .channels
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let saturation = match t.saturation {
                ModelSaturation::Hill { half, shape } => Saturation::Hill {
                    half_saturation: half,
                    shape,
                },
                ModelSaturation::Logistic { half } => Saturation::Logistic {
                    lambda: 3f64.ln() / half,
                },
            };
            CurveParams::try_from(CurveParamsRequest {
                beta: state.effective_beta(i, &levels),
                saturation,
                adstock_multiplier: t.adstock.steady_state_multiplier(),
                carry_in: 0.0,
            })
        })
        .collect()
}
