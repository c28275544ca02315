//! The sandbox platform: an ad platform that lives inside Mixpilot, driven by the engine's
//! ground-truth simulator (`engine::sim`). A workspace connects it without credentials.
//!
//! - One ad account with five campaigns, one per simulated channel (search, social, video,
//!   display, shopping), each owning its daily budget.
//! - Two years of history before the day of connection, simulated with known adstock,
//!   saturation and β per channel ([`SandboxPlatform::truth`]).
//! - From the day of connection on, each campaign spends the daily budget in force that day
//!   (slightly under-delivering, as real platforms do) and earns what the true response curves
//!   say. Budgets written to it take effect the next day, so the platform reacts to
//!   Mixpilot's own decisions, and the whole loop can be measured against the truth.
//!
//! The budgets written are kept by a [`SandboxLedger`] (the database in production, memory in
//! tests); everything else follows from the seed and the day of connection, which travel in the
//! connection's grant.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use domain::dto::ad_data::Channel;
use engine::model::Periodicity;
use engine::sim::{GroundTruth, SimConfig, simulate};
use sha2::{Digest, Sha256};
use url::Url;

use crate::{
    AdAccount, AdPlatform, AuthorizeRequest, BudgetOwner, BudgetRef, BudgetWrite, Campaign,
    CodeExchange, ConnectorError, Conversions, DailyRow, DateRange, Platform, Tokens,
};

/// Days of simulated history before the day of connection.
pub const HISTORY_DAYS: usize = 730;
/// The sandbox account's only currency.
pub const CURRENCY: &str = "USD";
/// The smallest daily budget the sandbox accepts, in cents.
pub const MIN_DAILY_BUDGET_MINOR: i64 = 100;
/// Attributed revenue per conversion, for the conversion counts the sandbox reports.
const ORDER_VALUE: f64 = 60.0;

/// The sandbox's campaigns: ID, name, channel, cost per thousand impressions, click rate,
/// and how generously the platform attributes revenue to itself.
const CAMPAIGNS: [(&str, &str, Channel, f64, f64, f64); 5] = [
    (
        "sbx-search",
        "Search · Brand and generic",
        Channel::Search,
        28.0,
        0.045,
        1.25,
    ),
    (
        "sbx-social",
        "Social · Prospecting",
        Channel::Social,
        9.0,
        0.012,
        1.6,
    ),
    (
        "sbx-video",
        "Video · Awareness",
        Channel::Video,
        14.0,
        0.004,
        0.7,
    ),
    (
        "sbx-display",
        "Display · Retargeting",
        Channel::Display,
        4.0,
        0.006,
        1.9,
    ),
    (
        "sbx-shopping",
        "Shopping · Catalog",
        Channel::Shopping,
        18.0,
        0.02,
        1.1,
    ),
];

/// A daily budget written to the sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetChange {
    pub campaign_id: String,
    /// The first day the budget is in force.
    pub effective: NaiveDate,
    pub amount_minor: i64,
}

/// Where the budgets written to one sandbox connection are kept.
#[async_trait]
pub trait SandboxLedger: Send + Sync {
    /// Every change so far, in the order written.
    async fn changes(&self) -> Result<Vec<BudgetChange>, ConnectorError>;
    /// Keeps a change.
    async fn record(&self, change: BudgetChange) -> Result<(), ConnectorError>;
}

/// A ledger in memory, for tests and benchmarks.
#[derive(Debug, Default)]
pub struct MemoryLedger(Mutex<Vec<BudgetChange>>);

#[async_trait]
impl SandboxLedger for MemoryLedger {
    async fn changes(&self) -> Result<Vec<BudgetChange>, ConnectorError> {
        Ok(self.0.lock().map(|v| v.clone()).unwrap_or_default())
    }

    async fn record(&self, change: BudgetChange) -> Result<(), ConnectorError> {
        self.0
            .lock()
            .map_err(|_| ConnectorError::transient("ledger lock poisoned"))?
            .push(change);
        Ok(())
    }
}

/// What a sandbox grant carries: the seed of its world and its day of connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxGrant {
    pub seed: u64,
    /// The first live day; history is the [`HISTORY_DAYS`] before it.
    pub anchor: NaiveDate,
}

impl SandboxGrant {
    /// The grant as tokens, so a sandbox connection is stored like any other.
    pub fn tokens(self) -> Tokens {
        let mut tokens = Tokens::bearer(format!("sandbox-{}", self.seed));
        tokens.extra.insert("seed".into(), self.seed.into());
        tokens
            .extra
            .insert("anchor".into(), self.anchor.to_string().into());
        tokens
    }

    pub fn from_tokens(tokens: &Tokens) -> Result<Self, ConnectorError> {
        let seed = tokens
            .extra
            .get("seed")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| ConnectorError::reauthorize("the sandbox grant has no seed"))?;
        let anchor = tokens
            .extra
            .get("anchor")
            .and_then(serde_json::Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| ConnectorError::reauthorize("the sandbox grant has no anchor day"))?;
        Ok(Self { seed, anchor })
    }
}

/// One sandbox world: the truth and the simulated history.
#[derive(Debug)]
struct World {
    truth: GroundTruth,
    /// Channel-major spend per day of history, in dollars.
    history: Vec<Vec<f64>>,
}

/// The sandbox platform.
pub struct SandboxPlatform {
    ledger: Arc<dyn SandboxLedger>,
    /// The platform's "today": days after it have no data yet. `None` means the real date.
    today: Option<NaiveDate>,
    worlds: Mutex<HashMap<u64, Arc<World>>>,
}

impl std::fmt::Debug for SandboxPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxPlatform")
            .field("today", &self.today)
            .finish_non_exhaustive()
    }
}

impl SandboxPlatform {
    pub fn new(ledger: Arc<dyn SandboxLedger>) -> Self {
        Self {
            ledger,
            today: None,
            worlds: Mutex::new(HashMap::new()),
        }
    }

    /// The same platform with a fixed "today" (tests, and replays of the loop).
    pub fn with_today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(|| Utc::now().date_naive())
    }

    fn world(&self, seed: u64) -> Result<Arc<World>, ConnectorError> {
        if let Some(w) = self.worlds.lock().ok().and_then(|m| m.get(&seed).cloned()) {
            return Ok(w);
        }
        let config = SimConfig {
            periodicity: Periodicity::Daily,
            periods: HISTORY_DAYS,
            channels: CAMPAIGNS.len(),
            noise: 0.05,
            media_share: 0.4,
        };
        let sim = simulate(&config, seed)
            .map_err(|e| ConnectorError::protocol(format!("sandbox simulator: {e}")))?;
        let world = Arc::new(World {
            truth: sim.truth,
            history: sim.data.channels.into_iter().map(|s| s.values).collect(),
        });
        if let Ok(mut m) = self.worlds.lock() {
            m.insert(seed, world.clone());
        }
        Ok(world)
    }

    /// The true data-generating process of a grant's world: per campaign (in the order of
    /// [`Self::campaign_ids`]), the adstock, saturation and β.
    pub fn truth(&self, grant: SandboxGrant) -> Result<GroundTruth, ConnectorError> {
        Ok(self.world(grant.seed)?.truth.clone())
    }

    /// The campaign IDs, in the order of the truth's channels.
    pub fn campaign_ids() -> Vec<&'static str> {
        CAMPAIGNS.iter().map(|c| c.0).collect()
    }

    /// The sandbox's one ad account for a grant.
    pub fn account(grant: SandboxGrant) -> AdAccount {
        AdAccount {
            external_id: format!("sbx-{}", grant.seed),
            name: "Sandbox Store".into(),
            currency: CURRENCY.into(),
            time_zone: "America/New_York".into(),
            parent_id: None,
        }
    }

    /// The default daily budget of a campaign: its average spend over the last four weeks of
    /// history, in cents.
    fn default_budget(world: &World, c: usize) -> i64 {
        let h = &world.history[c];
        let tail = &h[h.len().saturating_sub(28)..];
        let mean = tail.iter().sum::<f64>() / tail.len().max(1) as f64;
        (mean * 100.0).round().max(MIN_DAILY_BUDGET_MINOR as f64) as i64
    }

    /// The budget in force on `day` for campaign `c`, in cents.
    fn budget_on(world: &World, changes: &[BudgetChange], c: usize, day: NaiveDate) -> i64 {
        changes
            .iter()
            .filter(|ch| ch.campaign_id == CAMPAIGNS[c].0 && ch.effective <= day)
            .max_by_key(|ch| ch.effective)
            .map_or_else(|| Self::default_budget(world, c), |ch| ch.amount_minor)
    }

    /// Spend in dollars per channel from the first day of history through `last`.
    fn spend_through(
        world: &World,
        grant: SandboxGrant,
        changes: &[BudgetChange],
        last: NaiveDate,
    ) -> Vec<Vec<f64>> {
        let live_days = (last - grant.anchor).num_days() + 1;
        world
            .history
            .iter()
            .enumerate()
            .map(|(c, h)| {
                let mut s = h.clone();
                for i in 0..live_days.max(0) {
                    let day = grant.anchor + chrono::Duration::days(i);
                    let budget = Self::budget_on(world, changes, c, day) as f64 / 100.0;
                    // Platforms deliver 90–100% of a daily budget.
                    let delivery = 0.90 + 0.10 * unit(grant.seed, CAMPAIGNS[c].0, day, 0);
                    s.push(budget * delivery);
                }
                s
            })
            .collect()
    }

    fn first_day(grant: SandboxGrant) -> NaiveDate {
        grant.anchor - chrono::Duration::days(HISTORY_DAYS as i64)
    }
}

/// A deterministic number in [0, 1) for a seed, campaign, day and purpose.
fn unit(seed: u64, campaign: &str, day: NaiveDate, salt: u8) -> f64 {
    let h = Sha256::digest(format!("{seed}/{campaign}/{day}/{salt}").as_bytes());
    let n = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    (n >> 11) as f64 / (1u64 << 53) as f64
}

#[async_trait]
impl AdPlatform for SandboxPlatform {
    fn platform(&self) -> Platform {
        Platform::Sandbox
    }

    fn api_version(&self) -> &str {
        // The simulator is in this process: it has no versions to retire.
        "local"
    }

    fn authorize_url(&self, _: &AuthorizeRequest) -> Result<Url, ConnectorError> {
        Err(ConnectorError::invalid(
            "the sandbox connects without authorization",
        ))
    }

    async fn exchange_code(&self, _: &CodeExchange) -> Result<Tokens, ConnectorError> {
        Err(ConnectorError::invalid(
            "the sandbox connects without authorization",
        ))
    }

    async fn refresh(&self, tokens: &Tokens) -> Result<Tokens, ConnectorError> {
        SandboxGrant::from_tokens(tokens)?;
        Ok(tokens.clone())
    }

    async fn revoke(&self, _: &Tokens) -> Result<(), ConnectorError> {
        Ok(())
    }

    async fn list_accounts(&self, tokens: &Tokens) -> Result<Vec<AdAccount>, ConnectorError> {
        Ok(vec![Self::account(SandboxGrant::from_tokens(tokens)?)])
    }

    async fn list_campaigns(
        &self,
        tokens: &Tokens,
        _: &AdAccount,
    ) -> Result<Vec<Campaign>, ConnectorError> {
        let grant = SandboxGrant::from_tokens(tokens)?;
        let world = self.world(grant.seed)?;
        let changes = self.ledger.changes().await?;
        let today = self.today();
        Ok(CAMPAIGNS
            .iter()
            .enumerate()
            .map(|(c, (id, name, channel, ..))| Campaign {
                external_id: (*id).into(),
                name: (*name).into(),
                status: "ACTIVE".into(),
                channel: *channel,
                budget: Some(BudgetRef {
                    owner: BudgetOwner::Campaign,
                    external_id: (*id).into(),
                }),
                daily_budget_minor: Some(Self::budget_on(&world, &changes, c, today)),
            })
            .collect())
    }

    async fn daily_report_counting(
        &self,
        tokens: &Tokens,
        _: &AdAccount,
        range: DateRange,
        conversions: &Conversions,
    ) -> Result<Vec<DailyRow>, ConnectorError> {
        conversions.check_for(Platform::Sandbox)?;
        let grant = SandboxGrant::from_tokens(tokens)?;
        let first = Self::first_day(grant);
        let last = range.to.min(self.today());
        if last < range.from.max(first) {
            return Ok(Vec::new());
        }
        let world = self.world(grant.seed)?;
        let changes = self.ledger.changes().await?;
        let spend = Self::spend_through(&world, grant, &changes, last);
        let contributions = world
            .truth
            .contributions(&spend, &[])
            .map_err(|e| ConnectorError::protocol(format!("sandbox simulator: {e}")))?;
        let mut rows = Vec::new();
        for (c, (id, _, _, cpm, ctr, attribution)) in CAMPAIGNS.iter().enumerate() {
            for day in DateRange::new(range.from.max(first), last)?.iter_days() {
                let t = (day - first).num_days() as usize;
                let dollars = spend[c][t];
                let spend_minor = (dollars * 100.0).round() as i64;
                if spend_minor <= 0 {
                    // Days without activity are absent, as on every platform.
                    continue;
                }
                let jitter = 0.85 + 0.3 * unit(grant.seed, id, day, 1);
                let impressions = (dollars / cpm * 1000.0 * jitter).round() as i64;
                let clicks = (impressions as f64 * ctr * jitter).round() as i64;
                let revenue = contributions[c][t].max(0.0) * attribution * jitter;
                rows.push(DailyRow {
                    campaign_id: (*id).into(),
                    date: day,
                    spend_minor,
                    impressions,
                    clicks,
                    conversions: (revenue / ORDER_VALUE).round(),
                    revenue_minor: (revenue * 100.0).round() as i64,
                });
            }
        }
        Ok(rows)
    }

    async fn set_daily_budget(
        &self,
        tokens: &Tokens,
        _: &AdAccount,
        budget: &BudgetRef,
        amount_minor: i64,
    ) -> Result<BudgetWrite, ConnectorError> {
        let grant = SandboxGrant::from_tokens(tokens)?;
        let Some(c) = CAMPAIGNS.iter().position(|x| x.0 == budget.external_id) else {
            return Err(ConnectorError::rejected(
                "not_found",
                format!("no sandbox campaign {}", budget.external_id),
            ));
        };
        if amount_minor < MIN_DAILY_BUDGET_MINOR {
            return Err(ConnectorError::rejected(
                "budget_too_low",
                format!(
                    "the daily budget must be at least {}.{:02} {CURRENCY}",
                    MIN_DAILY_BUDGET_MINOR / 100,
                    MIN_DAILY_BUDGET_MINOR % 100
                ),
            ));
        }
        let world = self.world(grant.seed)?;
        let effective = self.today().max(grant.anchor) + chrono::Duration::days(1);
        let previous = Self::budget_on(&world, &self.ledger.changes().await?, c, effective);
        self.ledger
            .record(BudgetChange {
                campaign_id: budget.external_id.clone(),
                effective,
                amount_minor,
            })
            .await?;
        let applied = Self::budget_on(&world, &self.ledger.changes().await?, c, effective);
        Ok(BudgetWrite {
            previous_minor: Some(previous),
            applied_minor: applied,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn platform(today: &str) -> (SandboxPlatform, Tokens, AdAccount) {
        let grant = SandboxGrant {
            seed: 42,
            anchor: day("2026-11-01"),
        };
        let p = SandboxPlatform::new(Arc::new(MemoryLedger::default())).with_today(day(today));
        (p, grant.tokens(), SandboxPlatform::account(grant))
    }

    #[tokio::test]
    async fn history_is_deterministic_and_ends_today() {
        let (p, tokens, account) = platform("2026-11-20");
        let range = DateRange::new(day("2024-10-01"), day("2026-12-31")).unwrap();
        let a = p.daily_report(&tokens, &account, range).await.unwrap();
        let b = p.daily_report(&tokens, &account, range).await.unwrap();
        assert_eq!(a, b);
        let first = day("2026-11-01") - chrono::Duration::days(HISTORY_DAYS as i64);
        assert_eq!(a.iter().map(|r| r.date).min(), Some(first));
        assert_eq!(a.iter().map(|r| r.date).max(), Some(day("2026-11-20")));
        assert!(a.iter().all(|r| r.spend_minor > 0 && r.revenue_minor >= 0));
        let campaigns: std::collections::HashSet<_> = a.iter().map(|r| &r.campaign_id).collect();
        assert_eq!(campaigns.len(), 5);
    }

    #[tokio::test]
    async fn a_written_budget_is_spent_from_the_next_day_and_moves_revenue() {
        let (p, tokens, account) = platform("2026-11-10");
        let search = BudgetRef {
            owner: BudgetOwner::Campaign,
            external_id: "sbx-search".into(),
        };
        let before = p
            .list_campaigns(&tokens, &account)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.external_id == "sbx-search")
            .and_then(|c| c.daily_budget_minor)
            .unwrap();
        let write = p
            .set_daily_budget(&tokens, &account, &search, before * 3)
            .await
            .unwrap();
        assert_eq!(write.previous_minor, Some(before));
        assert_eq!(write.applied_minor, before * 3);

        // The platform's clock moves on two days.
        let later = SandboxPlatform {
            ledger: p.ledger.clone(),
            today: Some(day("2026-11-12")),
            worlds: Mutex::new(HashMap::new()),
        };
        let rows = later
            .daily_report(
                &tokens,
                &account,
                DateRange::new(day("2026-11-10"), day("2026-11-12")).unwrap(),
            )
            .await
            .unwrap();
        let spend = |d: &str| {
            rows.iter()
                .find(|r| r.campaign_id == "sbx-search" && r.date == day(d))
                .map(|r| r.spend_minor)
                .unwrap()
        };
        // Today still spends the old budget; tomorrow the new one (within delivery).
        assert!(spend("2026-11-10") <= before);
        assert!(
            spend("2026-11-11") >= before * 3 * 90 / 100,
            "{}",
            spend("2026-11-11")
        );
        assert!(spend("2026-11-11") <= before * 3);

        let too_low = p.set_daily_budget(&tokens, &account, &search, 99).await;
        assert!(matches!(too_low, Err(ConnectorError::Rejected { .. })));
    }

    #[tokio::test]
    async fn the_truth_drives_revenue() {
        // Doubling every budget earns more, but less than double (saturation).
        let (p, tokens, account) = platform("2026-12-31");
        let range = DateRange::new(day("2026-12-01"), day("2026-12-31")).unwrap();
        let base: i64 = p
            .daily_report(&tokens, &account, range)
            .await
            .unwrap()
            .iter()
            .map(|r| r.revenue_minor)
            .sum();
        for c in p.list_campaigns(&tokens, &account).await.unwrap() {
            let budget = c.budget.clone().unwrap();
            let amount = c.daily_budget_minor.unwrap() * 2;
            p.ledger
                .record(BudgetChange {
                    campaign_id: budget.external_id,
                    effective: day("2026-11-01"),
                    amount_minor: amount,
                })
                .await
                .unwrap();
        }
        let doubled: i64 = p
            .daily_report(&tokens, &account, range)
            .await
            .unwrap()
            .iter()
            .map(|r| r.revenue_minor)
            .sum();
        assert!(doubled > base, "{doubled} vs {base}");
        assert!(doubled < base * 2, "{doubled} vs {base}");
    }
}
