//! The baseline's columns: intercept, trend with changepoints, Fourier seasonality, events and
//! controls. The same code builds them for the history and for future periods.

use serde::{Deserialize, Serialize};

use super::data::{Periodicity, Series};
use crate::error::{EngineError, Result};

/// Which group of the decomposition a baseline column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineGroup {
    /// Intercept, trend and changepoints.
    Trend,
    /// Yearly Fourier terms.
    Yearly,
    /// Day-of-week Fourier terms.
    Weekly,
    /// Event dummies.
    Events,
    /// Control variables.
    Controls,
}

/// How to build the baseline columns; stored in `model.json` so forecasts rebuild them exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineSpec {
    /// Period length.
    pub periodicity: Periodicity,
    /// Epoch day of period 0.
    pub first_day: i64,
    /// The trend column is `t / trend_scale` (the number of fitted periods).
    pub trend_scale: f64,
    /// Changepoints, as period indices: each adds `max(t − c, 0) / trend_scale`.
    pub changepoints: Vec<f64>,
    /// Yearly Fourier order (pairs of sin/cos with period 365.25 days).
    pub yearly_order: usize,
    /// Weekly Fourier order (daily data only).
    pub weekly_order: usize,
    /// Event column names.
    pub events: Vec<String>,
    /// Control column names.
    pub controls: Vec<String>,
}

impl BaselineSpec {
    /// Column names, in order.
    pub fn column_names(&self) -> Vec<String> {
        let mut names = vec!["intercept".to_string(), "trend".to_string()];
        names.extend((0..self.changepoints.len()).map(|i| format!("trend_changepoint_{i}")));
        for k in 1..=self.yearly_order {
            names.push(format!("yearly_sin_{k}"));
            names.push(format!("yearly_cos_{k}"));
        }
        for k in 1..=self.weekly_order {
            names.push(format!("weekly_sin_{k}"));
            names.push(format!("weekly_cos_{k}"));
        }
        names.extend(self.events.iter().map(|e| format!("event:{e}")));
        names.extend(self.controls.iter().map(|c| format!("control:{c}")));
        names
    }

    /// The decomposition group of each column, in order.
    pub fn groups(&self) -> Vec<BaselineGroup> {
        let mut g = vec![BaselineGroup::Trend; 2 + self.changepoints.len()];
        g.extend(std::iter::repeat_n(
            BaselineGroup::Yearly,
            2 * self.yearly_order,
        ));
        g.extend(std::iter::repeat_n(
            BaselineGroup::Weekly,
            2 * self.weekly_order,
        ));
        g.extend(std::iter::repeat_n(
            BaselineGroup::Events,
            self.events.len(),
        ));
        g.extend(std::iter::repeat_n(
            BaselineGroup::Controls,
            self.controls.len(),
        ));
        g
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        2 + self.changepoints.len()
            + 2 * (self.yearly_order + self.weekly_order)
            + self.events.len()
            + self.controls.len()
    }

    /// Column-major columns for periods `start .. start + len` (period indices relative to the
    /// spec's first day). `events` and `controls` must hold `len` values each, named as in the
    /// spec; missing events count as zero, missing controls are an error.
    pub fn columns(
        &self,
        start: usize,
        len: usize,
        events: &[Series],
        controls: &[Series],
    ) -> Result<Vec<Vec<f64>>> {
        let mut cols = Vec::with_capacity(self.width());
        let ts: Vec<f64> = (start..start + len).map(|t| t as f64).collect();
        cols.push(vec![1.0; len]);
        cols.push(ts.iter().map(|t| t / self.trend_scale).collect());
        for c in &self.changepoints {
            cols.push(
                ts.iter()
                    .map(|t| (t - c).max(0.0) / self.trend_scale)
                    .collect(),
            );
        }
        let days: Vec<f64> = ts
            .iter()
            .map(|t| (self.first_day + *t as i64 * self.periodicity.days()) as f64)
            .collect();
        for (order, period) in [(self.yearly_order, 365.25), (self.weekly_order, 7.0)] {
            for k in 1..=order {
                let w = std::f64::consts::TAU * k as f64 / period;
                cols.push(days.iter().map(|d| (w * d).sin()).collect());
                cols.push(days.iter().map(|d| (w * d).cos()).collect());
            }
        }
        for name in &self.events {
            match events.iter().find(|s| &s.name == name) {
                Some(s) if s.values.len() == len => cols.push(s.values.clone()),
                Some(_) => {
                    return Err(EngineError::invalid(
                        format!("event {name}"),
                        format!("needs {len} values"),
                    ));
                }
                None => cols.push(vec![0.0; len]),
            }
        }
        for name in &self.controls {
            match controls.iter().find(|s| &s.name == name) {
                Some(s) if s.values.len() == len => cols.push(s.values.clone()),
                _ => {
                    return Err(EngineError::invalid(
                        format!("control {name}"),
                        format!("needs {len} values (the model was fitted with it)"),
                    ));
                }
            }
        }
        Ok(cols)
    }
}
