//! Response-curve models: for each channel, `β · saturation(adstock(spend))` on top of a
//! baseline with trend, seasonality, events and controls.
//!
//! Build a [`Dataset`], pick a [`ModelConfig`] (the defaults are sound), and call [`fit`]. The
//! result, a [`FittedModel`], is the `model.json` format: it carries the accuracy per split,
//! the deploy gate's verdict, per-channel outputs with intervals, response curves, the
//! decomposition, and what [`FittedModel::forecast`] needs. The optimizer reads
//! [`FittedModel::channel_responses`].

mod config;
mod data;
mod design;
mod fit;
mod fitted;
mod search;
pub(crate) mod solve;

pub use config::{
    AdstockKind, BootstrapConfig, LiftTest, ModelConfig, SaturationKind, SearchConfig,
};
pub use data::{Dataset, Periodicity, Series};
pub use design::{BaselineGroup, BaselineSpec};
pub use fit::fit;
pub use fitted::{
    Bootstrap, ChannelResponse, ChannelSummary, Decomposition, Estimate, FitMetrics, FittedChannel,
    FittedModel, Forecast, ForecastPeriod, Gate, GateStatus, Interaction, MODEL_FORMAT_VERSION,
    ModelState, Plan, ResponseCurve, SplitMetrics,
};
pub use solve::nnls_ridge;
