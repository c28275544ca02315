//! The documented file formats: `curves.json`, `constraints.json`, `current.csv`, and the
//! parsing of `--budget` and `--objective`. See `docs/optimizer.md`.

use std::collections::HashMap;
use std::path::Path;

use engine::optimize::{
    Budget, BudgetMode, ChangeLimit, Constraints, CurveParams, GroupBound, GroupRule, Item,
    ItemBound, ItemRule, Objective, ResponseCurve, cents_from_major,
};
use serde::{Deserialize, Deserializer};

use super::CommandError;

/// `curves.json`: per-item response curves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurvesFile {
    /// ISO currency of all amounts (informational).
    #[serde(default)]
    pub currency: Option<String>,
    /// The period of spend and outcome, `day` or `week` (informational).
    #[serde(default)]
    pub period: Option<String>,
    /// What the curves measure: `revenue` or `conversions` (informational).
    #[serde(default)]
    pub outcome: Option<String>,
    /// The items.
    pub items: Vec<CurveItem>,
}

/// One item of `curves.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurveItem {
    /// Unique id.
    pub id: String,
    /// Current spend per period, in major units.
    #[serde(default)]
    pub current: Option<f64>,
    /// Platform minimum per period, in major units.
    #[serde(default)]
    pub platform_min: Option<f64>,
    /// The point estimate.
    pub curve: CurveParams,
    /// Parameter draws describing uncertainty.
    #[serde(default)]
    pub samples: Vec<CurveParams>,
    /// A second outcome (e.g. conversions next to revenue) for the weighted objective.
    #[serde(default)]
    pub secondary_curve: Option<CurveParams>,
}

/// Reads and validates `curves.json` into engine items.
pub fn read_curves(path: &Path) -> Result<Vec<Item>, CommandError> {
    let text = read(path)?;
    let file: CurvesFile = serde_json::from_str(&text)
        .map_err(|e| CommandError::input(format!("{}: {e}", path.display())))?;
    file.items
        .into_iter()
        .enumerate()
        .map(|(k, it)| {
            let money = |field: &str, v: Option<f64>| {
                v.map(|v| cents_from_major(&format!("items[{k}].{field}"), v))
                    .transpose()
                    .map_err(|e| CommandError::input(format!("{}: {e}", path.display())))
            };
            Ok(Item {
                current: money("current", it.current)?,
                platform_min: money("platform_min", it.platform_min)?,
                secondary_curve: it.secondary_curve,
                id: it.id,
                curve: ResponseCurve {
                    params: it.curve,
                    samples: it.samples,
                },
            })
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct CurrentRow {
    id: String,
    current: f64,
    #[serde(default)]
    platform_min: Option<f64>,
}

/// Reads `current.csv` (`id,current[,platform_min]`, major units) into the items.
pub fn apply_current_csv(path: &Path, items: &mut [Item]) -> Result<(), CommandError> {
    let text = read(path)?;
    let index: HashMap<String, usize> = items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.clone(), i))
        .collect();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    for (k, row) in rdr.deserialize::<CurrentRow>().enumerate() {
        let line = k + 2;
        let row = row.map_err(|e| {
            CommandError::input(format!(
                "{} row {line}: {e} (expected columns id,current[,platform_min])",
                path.display()
            ))
        })?;
        let Some(&i) = index.get(&row.id) else {
            return Err(CommandError::input(format!(
                "{} row {line}, column id: unknown item {:?}",
                path.display(),
                row.id
            )));
        };
        let cents = |col: &str, v: f64| {
            cents_from_major(col, v).map_err(|e| {
                CommandError::input(format!("{} row {line}, column {e}", path.display()))
            })
        };
        items[i].current = Some(cents("current", row.current)?);
        if let Some(m) = row.platform_min {
            items[i].platform_min = Some(cents("platform_min", m)?);
        }
    }
    Ok(())
}

fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `constraints.json`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintsFile {
    /// `exactly` (default) or `at_most`.
    #[serde(default)]
    pub budget_mode: Option<BudgetMode>,
    /// Absent: ±15%. `null`: no change limit.
    #[serde(default, deserialize_with = "double_option")]
    pub change_limit: Option<Option<ChangeLimitFile>>,
    /// Spend granularity in major units (default 0.01).
    #[serde(default)]
    pub granularity: Option<f64>,
    /// Whether platform minimums apply (default true).
    #[serde(default)]
    pub platform_minimums: Option<bool>,
    /// Per-item bounds and locks.
    #[serde(default)]
    pub items: Vec<ItemRuleFile>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<GroupFile>,
    /// At most this many items spend anything.
    #[serde(default)]
    pub max_active: Option<usize>,
}

/// The change limit in `constraints.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeLimitFile {
    /// Largest increase, as a fraction of current (default 0.15).
    #[serde(default)]
    pub max_increase: Option<f64>,
    /// Largest decrease, as a fraction of current (default 0.15).
    #[serde(default)]
    pub max_decrease: Option<f64>,
    /// Items exempt from the limit.
    #[serde(default)]
    pub exempt: Vec<String>,
}

/// A per-item rule in `constraints.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRuleFile {
    /// The item's id.
    pub item: String,
    /// Minimum, major units.
    #[serde(default)]
    pub min: Option<f64>,
    /// Maximum, major units.
    #[serde(default)]
    pub max: Option<f64>,
    /// Minimum as a multiple of current.
    #[serde(default)]
    pub min_relative: Option<f64>,
    /// Maximum as a multiple of current.
    #[serde(default)]
    pub max_relative: Option<f64>,
    /// Keep at current spend.
    #[serde(default)]
    pub locked: bool,
    /// If the item spends at all, at least this much (major units).
    #[serde(default)]
    pub min_if_active: Option<f64>,
}

/// A group in `constraints.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFile {
    /// Name used in explanations.
    pub name: String,
    /// Member ids.
    pub items: Vec<String>,
    /// Minimum total, major units.
    #[serde(default)]
    pub min: Option<f64>,
    /// Maximum total, major units.
    #[serde(default)]
    pub max: Option<f64>,
    /// Minimum share of total spend, in [0, 1].
    #[serde(default)]
    pub min_share: Option<f64>,
    /// Maximum share of total spend, in [0, 1].
    #[serde(default)]
    pub max_share: Option<f64>,
}

fn exclusive<T>(
    field: &str,
    a: Option<T>,
    b: Option<T>,
) -> Result<Option<(bool, T)>, CommandError> {
    match (a, b) {
        (Some(_), Some(_)) => Err(CommandError::input(format!(
            "constraints: {field}: give either the amount or the relative/share form, not both"
        ))),
        (Some(v), None) => Ok(Some((false, v))),
        (None, Some(v)) => Ok(Some((true, v))),
        (None, None) => Ok(None),
    }
}

impl ConstraintsFile {
    /// Reads `constraints.json`.
    pub fn read(path: &Path) -> Result<Self, CommandError> {
        let text = read(path)?;
        serde_json::from_str(&text)
            .map_err(|e| CommandError::input(format!("{}: {e}", path.display())))
    }

    /// Builds the engine's constraints for a budget (in cents).
    pub fn into_constraints(self, budget: i64) -> Result<Constraints, CommandError> {
        let cents = |field: String, v: f64| {
            cents_from_major(&field, v)
                .map_err(|e| CommandError::input(format!("constraints: {e}")))
        };
        let change_limit = match self.change_limit {
            None => Some(ChangeLimit::default()),
            Some(None) => None,
            Some(Some(l)) => Some(ChangeLimit {
                max_increase: l.max_increase.unwrap_or(0.15),
                max_decrease: l.max_decrease.unwrap_or(0.15),
                exempt: l.exempt,
            }),
        };
        let granularity = match self.granularity {
            None => 1,
            Some(g) => cents("granularity".into(), g)?,
        };
        let mut items = Vec::with_capacity(self.items.len());
        for (k, r) in self.items.into_iter().enumerate() {
            let bound = |name: &str, abs: Option<f64>, rel: Option<f64>| {
                Ok::<_, CommandError>(match exclusive(&format!("items[{k}].{name}"), abs, rel)? {
                    None => None,
                    Some((false, v)) => {
                        Some(ItemBound::Money(cents(format!("items[{k}].{name}"), v)?))
                    }
                    Some((true, v)) => Some(ItemBound::RelativeToCurrent(v)),
                })
            };
            items.push(ItemRule {
                min: bound("min", r.min, r.min_relative)?,
                max: bound("max", r.max, r.max_relative)?,
                locked: r.locked,
                min_if_active: r
                    .min_if_active
                    .map(|v| cents(format!("items[{k}].min_if_active"), v))
                    .transpose()?,
                item: r.item,
            });
        }
        let mut groups = Vec::with_capacity(self.groups.len());
        for (k, g) in self.groups.into_iter().enumerate() {
            let bound = |name: &str, abs: Option<f64>, share: Option<f64>| {
                Ok::<_, CommandError>(
                    match exclusive(&format!("groups[{k}].{name}"), abs, share)? {
                        None => None,
                        Some((false, v)) => {
                            Some(GroupBound::Money(cents(format!("groups[{k}].{name}"), v)?))
                        }
                        Some((true, v)) => Some(GroupBound::Share(v)),
                    },
                )
            };
            groups.push(GroupRule {
                min: bound("min", g.min, g.min_share)?,
                max: bound("max", g.max, g.max_share)?,
                name: g.name,
                items: g.items,
            });
        }
        Ok(Constraints {
            budget: Budget {
                amount: budget,
                mode: self.budget_mode.unwrap_or_default(),
            },
            change_limit,
            items,
            groups,
            granularity,
            platform_minimums: self.platform_minimums.unwrap_or(true),
            max_active: self.max_active,
        })
    }
}

/// Parses `--objective`: `revenue`, `conversions`, `profit`, `target-roas=X`, `target-cpa=X`.
pub fn parse_objective(s: &str, margin: f64) -> Result<Objective, CommandError> {
    let num = |v: &str| {
        v.trim()
            .parse::<f64>()
            .map_err(|_| CommandError::input(format!("--objective {s}: {v:?} is not a number")))
    };
    match s.trim() {
        "revenue" | "conversions" | "outcome" => Ok(Objective::Outcome),
        "profit" => Ok(Objective::Profit { margin }),
        other => {
            if let Some(v) = other.strip_prefix("target-roas=") {
                Ok(Objective::TargetRoas { target: num(v)? })
            } else if let Some(v) = other.strip_prefix("target-cpa=") {
                Ok(Objective::TargetCpa { target: num(v)? })
            } else if let Some(v) = other.strip_prefix("risk-aware=") {
                Ok(Objective::RiskAware { alpha: num(v)? })
            } else if let Some(v) = other.strip_prefix("weighted=") {
                let w: Vec<f64> = v.split(',').map(num).collect::<Result<_, _>>()?;
                match w.as_slice() {
                    [a, b] => Ok(Objective::Weighted {
                        primary: *a,
                        secondary: *b,
                        spend: 0.0,
                    }),
                    [a, b, c] => Ok(Objective::Weighted {
                        primary: *a,
                        secondary: *b,
                        spend: *c,
                    }),
                    _ => Err(CommandError::input(format!(
                        "--objective {s}: expected weighted=PRIMARY,SECONDARY[,SPEND]"
                    ))),
                }
            } else {
                Err(CommandError::input(format!(
                    "--objective {s}: expected revenue, conversions, profit, target-roas=X, \
                     target-cpa=X, risk-aware=ALPHA or weighted=W1,W2[,W3]"
                )))
            }
        }
    }
}

/// Parses a money amount in major units (`25000`, `25000.50`, `25,000`).
pub fn parse_money(field: &str, s: &str) -> Result<i64, CommandError> {
    let clean: String = s.chars().filter(|c| *c != ',' && *c != '_').collect();
    let clean = clean.trim().trim_start_matches('$');
    let v: f64 = clean
        .parse()
        .map_err(|_| CommandError::input(format!("{field} {s}: not an amount of money")))?;
    cents_from_major(field, v).map_err(|e| CommandError::input(e.to_string()))
}

fn read(path: &Path) -> Result<String, CommandError> {
    std::fs::read_to_string(path)
        .map_err(|e| CommandError::input(format!("cannot read {}: {e}", path.display())))
}
