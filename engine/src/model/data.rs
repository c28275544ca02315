//! The data a model is fitted on, checked once on the way in.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};

/// The length of one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Periodicity {
    /// One row per day.
    Daily,
    /// One row per week.
    Weekly,
}

impl Periodicity {
    /// Days in one period.
    pub fn days(self) -> i64 {
        match self {
            Periodicity::Daily => 1,
            Periodicity::Weekly => 7,
        }
    }

    /// Default adstock window: 8 weeks, or 28 days.
    pub fn default_max_lag(self) -> usize {
        match self {
            Periodicity::Daily => 28,
            Periodicity::Weekly => 8,
        }
    }

    /// Periods in the "current spend" window (the last 91 days, i.e. a quarter).
    pub fn current_window(self) -> usize {
        match self {
            Periodicity::Daily => 91,
            Periodicity::Weekly => 13,
        }
    }
}

/// A named column of numbers, one per period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Column name.
    pub name: String,
    /// One value per period.
    pub values: Vec<f64>,
}

impl Series {
    /// Builds a series.
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            values,
        }
    }
}

/// Contiguous history: one row per period, with no gaps, starting at `first_day`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Period length.
    pub periodicity: Periodicity,
    /// The first period's date as days since 1970-01-01 (the start of the period).
    pub first_day: i64,
    /// Name of the outcome column.
    pub outcome_name: String,
    /// The outcome (revenue or conversions) per period.
    pub outcome: Vec<f64>,
    /// Spend per channel per period, in currency, non-negative.
    pub channels: Vec<Series>,
    /// Control variables (for example competitor activity); any sign.
    pub controls: Vec<Series>,
    /// Event or holiday dummies (0/1, or any intensity).
    pub events: Vec<Series>,
}

fn check_series(kind: &str, s: &Series, n: usize, non_negative: bool) -> Result<()> {
    if s.values.len() != n {
        return Err(EngineError::invalid(
            format!("{kind} {}", s.name),
            format!("has {} values but the outcome has {n}", s.values.len()),
        ));
    }
    for (i, v) in s.values.iter().enumerate() {
        if !v.is_finite() {
            return Err(EngineError::invalid(
                format!("{kind} {} at period {i}", s.name),
                "must be a finite number",
            ));
        }
        if non_negative && *v < 0.0 {
            return Err(EngineError::invalid(
                format!("{kind} {} at period {i}", s.name),
                "spend must be zero or more",
            ));
        }
    }
    Ok(())
}

impl Dataset {
    /// Number of periods.
    pub fn len(&self) -> usize {
        self.outcome.len()
    }

    /// Whether there are no periods.
    pub fn is_empty(&self) -> bool {
        self.outcome.is_empty()
    }

    /// Checks lengths, finiteness, non-negative spend, unique names and that every channel spent.
    pub fn validate(&self) -> Result<()> {
        let n = self.len();
        if n == 0 {
            return Err(EngineError::invalid("outcome", "no periods"));
        }
        if !(super::fitted::MIN_DAY..=super::fitted::MAX_DAY).contains(&self.first_day)
            || n > 1_000_000
        {
            return Err(EngineError::invalid(
                "first_day",
                "dates must lie within a few thousand years of 1970, with at most a million periods",
            ));
        }
        if self.channels.is_empty() {
            return Err(EngineError::invalid(
                "channels",
                "at least one channel is needed",
            ));
        }
        check_series(
            "outcome",
            &Series::new(&self.outcome_name, self.outcome.clone()),
            n,
            false,
        )?;
        let mut names = std::collections::HashSet::new();
        for s in &self.channels {
            check_series("channel", s, n, true)?;
            if !s.values.iter().any(|v| *v > 0.0) {
                return Err(EngineError::invalid(
                    format!("channel {}", s.name),
                    "has no spend in any period; drop it",
                ));
            }
        }
        for s in &self.controls {
            check_series("control", s, n, false)?;
        }
        for s in &self.events {
            check_series("event", s, n, false)?;
        }
        for s in self
            .channels
            .iter()
            .chain(&self.controls)
            .chain(&self.events)
        {
            if !names.insert(s.name.as_str()) {
                return Err(EngineError::invalid(
                    format!("column {}", s.name),
                    "is used twice; each column may have one role",
                ));
            }
        }
        Ok(())
    }

    /// The epoch day of period `t` (which may lie beyond the data).
    pub fn day_of(&self, t: usize) -> i64 {
        self.first_day + t as i64 * self.periodicity.days()
    }
}
