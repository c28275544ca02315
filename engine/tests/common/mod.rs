//! Shared helpers for the model tests: reading the shared datasets.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use engine::model::{Dataset, Periodicity, Series};

/// A public MMM dataset: from `MIXPILOT_DATASETS_DIR` (which `scripts/test` sets), else from
/// `../shared/datasets` next to the checkout.
pub fn dataset_path(file: &str) -> PathBuf {
    let dir = std::env::var_os("MIXPILOT_DATASETS_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets"));
    let path = dir.join(file);
    assert!(
        path.is_file(),
        "dataset {} not found; set MIXPILOT_DATASETS_DIR to the folder holding it (scripts/test finds or downloads it)",
        path.display()
    );
    path
}

/// A CSV as named columns of strings.
pub struct Table {
    pub columns: HashMap<String, Vec<String>>,
}

impl Table {
    pub fn read(file: &str) -> Table {
        let mut r = csv::Reader::from_path(dataset_path(file)).unwrap();
        let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let mut columns: HashMap<String, Vec<String>> =
            headers.iter().map(|h| (h.clone(), Vec::new())).collect();
        for rec in r.records() {
            let rec = rec.unwrap();
            for (h, v) in headers.iter().zip(rec.iter()) {
                columns.get_mut(h).unwrap().push(v.to_string());
            }
        }
        Table { columns }
    }

    pub fn num(&self, col: &str) -> Vec<f64> {
        self.columns[col]
            .iter()
            .map(|v| v.parse().unwrap())
            .collect()
    }

    pub fn series(&self, col: &str) -> Series {
        Series::new(col, self.num(col))
    }

    pub fn first_day(&self, col: &str) -> i64 {
        let d = NaiveDate::parse_from_str(&self.columns[col][0], "%Y-%m-%d").unwrap();
        d.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
            .num_days()
    }

    pub fn dataset(&self, date: &str, target: &str, channels: &[&str], events: &[&str]) -> Dataset {
        Dataset {
            periodicity: Periodicity::Weekly,
            first_day: self.first_day(date),
            outcome_name: target.into(),
            outcome: self.num(target),
            channels: channels.iter().map(|c| self.series(c)).collect(),
            controls: Vec::new(),
            events: events.iter().map(|c| self.series(c)).collect(),
        }
    }
}

/// Epoch day of a `YYYY-MM-DD` date.
pub fn epoch_day(date: &str) -> i64 {
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .unwrap()
        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
        .num_days()
}
