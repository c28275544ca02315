//! Reading analyst CSV files into checked columns. Every error names the file, the data row
//! (1-based, the header not counted) and the column, and says what would be accepted.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use engine::model::Periodicity;

use crate::model::CommandError;

/// A CSV file held as strings, with its header.
#[derive(Debug, Clone)]
pub struct CsvTable {
    path: PathBuf,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Days since 1970-01-01 of a date.
pub fn epoch_day(date: NaiveDate) -> i64 {
    date.signed_duration_since(NaiveDate::default()).num_days()
}

/// The date of an epoch day.
pub fn date_of(day: i64) -> NaiveDate {
    NaiveDate::default()
        .checked_add_signed(chrono::Duration::days(day))
        .unwrap_or_default()
}

/// Parses `YYYY-MM-DD` (or `YYYY/MM/DD`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
        .ok()
}

impl CsvTable {
    /// Reads a whole CSV file with a header row.
    pub fn read(path: &Path) -> Result<Self, CommandError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| CommandError::input(format!("cannot read {}: {e}", path.display())))?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| CommandError::input(format!("{}: bad header: {e}", path.display())))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for (i, rec) in reader.records().enumerate() {
            let rec = rec.map_err(|e| {
                CommandError::input(format!("{} row {}: {e}", path.display(), i + 1))
            })?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
        if rows.is_empty() {
            return Err(CommandError::input(format!(
                "{} has a header but no data rows",
                path.display()
            )));
        }
        Ok(Self {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Whether the header has this column.
    pub fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h == name)
    }

    fn index(&self, name: &str) -> Result<usize, CommandError> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            CommandError::input(format!(
                "{}: missing column '{name}' (the header has: {})",
                self.path.display(),
                self.headers.join(", ")
            ))
        })
    }

    fn cell_error(&self, row: usize, col: &str, what: &str) -> CommandError {
        CommandError::input(format!(
            "{} row {}, column '{col}': {what}",
            self.path.display(),
            row + 1
        ))
    }

    /// The raw cells of a column.
    pub fn strings(&self, name: &str) -> Result<Vec<&str>, CommandError> {
        let j = self.index(name)?;
        Ok(self
            .rows
            .iter()
            .map(|r| r.get(j).map_or("", String::as_str))
            .collect())
    }

    /// A numeric column.
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, CommandError> {
        let cells = self.strings(name)?;
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| match c.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ if c.is_empty() => {
                    Err(self.cell_error(i, name, "empty cell; a number is needed"))
                }
                _ => Err(self.cell_error(i, name, &format!("'{c}' is not a number"))),
            })
            .collect()
    }

    /// A spend column: numbers, zero or more.
    pub fn spend(&self, name: &str) -> Result<Vec<f64>, CommandError> {
        let v = self.numbers(name)?;
        if let Some(i) = v.iter().position(|x| *x < 0.0) {
            return Err(self.cell_error(
                i,
                name,
                &format!("negative spend {}; spend must be zero or more", v[i]),
            ));
        }
        Ok(v)
    }

    /// A date column of evenly spaced days or weeks with no gaps: the first day and the period.
    pub fn dates(&self, name: &str) -> Result<(i64, Periodicity), CommandError> {
        let cells = self.strings(name)?;
        let days: Vec<i64> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                parse_date(c).map(epoch_day).ok_or_else(|| {
                    self.cell_error(i, name, &format!("'{c}' is not a date like 2024-01-31"))
                })
            })
            .collect::<Result<_, _>>()?;
        let periodicity = match days.get(1).map(|d| d - days[0]) {
            None | Some(7) => Periodicity::Weekly,
            Some(1) => Periodicity::Daily,
            Some(_) => {
                return Err(self.cell_error(
                    1,
                    name,
                    "dates must be consecutive days or weeks, oldest first",
                ));
            }
        };
        let step = periodicity.days();
        for i in 1..days.len() {
            if days[i] != days[i - 1] + step {
                let expected = date_of(days[i - 1] + step);
                return Err(self.cell_error(
                    i,
                    name,
                    &format!(
                        "gap or disorder in dates: expected {expected} after {}, found {}",
                        date_of(days[i - 1]),
                        cells[i]
                    ),
                ));
            }
        }
        Ok((days[0], periodicity))
    }

    /// An event column: numeric columns are used as they are; text columns (a factor such as
    /// "na", "event1", "event2") become one 0/1 dummy per level, except the no-event levels
    /// (empty, "na", "none", "0").
    pub fn events(&self, name: &str) -> Result<Vec<(String, Vec<f64>)>, CommandError> {
        if let Ok(v) = self.numbers(name) {
            return Ok(vec![(name.to_string(), v)]);
        }
        let cells = self.strings(name)?;
        let none = |c: &str| {
            let l = c.to_ascii_lowercase();
            l.is_empty() || l == "na" || l == "none" || l == "0" || l == "nan"
        };
        let mut levels: Vec<&str> = cells.iter().copied().filter(|c| !none(c)).collect();
        levels.sort_unstable();
        levels.dedup();
        Ok(levels
            .iter()
            .map(|level| {
                (
                    format!("{name}={level}"),
                    cells
                        .iter()
                        .map(|c| if c == level { 1.0 } else { 0.0 })
                        .collect(),
                )
            })
            .collect())
    }
}
