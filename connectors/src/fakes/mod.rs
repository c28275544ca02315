//! Local fake servers, one per platform, that speak each platform's documented request and
//! response shapes over real HTTP (see `../shared/PLATFORM_APIS.md` and each module's notes).
//!
//! Every fake serves the platform's OAuth endpoints (an authorization page that consents at
//! once and redirects back with a code, a token endpoint that checks the client secret, the
//! redirect URI and the PKCE verifier), its account, campaign, report and budget endpoints, and
//! its error bodies. Faults are switched on through [`Faults`]: throttling with the platform's
//! signal, expired or revoked tokens, transient 5xx, async reports that stay pending. Every
//! request is logged with its arrival time, so a test can check that a retry waited.
//!
//! All fakes serve the same [`Dataset`]: two ad accounts with campaigns of every budget owner,
//! and deterministic daily metrics, so a test knows exactly which rows an ingest must find.

pub mod google_ads;
pub mod linkedin;
pub mod meta;
pub mod microsoft_ads;
pub mod tiktok;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::dto::ad_data::Channel;
use sha2::{Digest, Sha256};

use crate::{BudgetOwner, DailyRow, DateRange};

/// One campaign of the fake dataset.
#[derive(Clone, Debug)]
pub struct FakeCampaign {
    pub id: String,
    pub name: String,
    /// The platform's campaign type or objective, as it writes it (`SEARCH`,
    /// `OUTCOME_SALES`, `SPONSORED_UPDATES`, `Audience`, `TRAFFIC`, ...).
    pub kind: String,
    /// The channel Mixpilot should map `kind` to.
    pub channel: Channel,
    pub status: String,
    pub budget_owner: BudgetOwner,
    /// The ID of the object that holds the budget (the campaign's own ID when it owns it).
    pub budget_id: String,
    /// The current daily budget in minor units; 0 where the owner is `None`.
    pub daily_budget_minor: i64,
}

/// One ad account of the fake dataset.
#[derive(Clone, Debug)]
pub struct FakeAccount {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    pub campaigns: Vec<FakeCampaign>,
}

/// The accounts of [`Dataset::new`]: name, currency, time zone.
pub const DEFAULT_ACCOUNTS: [(&str, &str, &str); 2] = [
    ("Acme US", "USD", "America/Los_Angeles"),
    ("Acme EU", "EUR", "Europe/Berlin"),
];

/// An account in `currency` for [`Dataset::with_accounts`], named after it.
pub fn account_in(currency: &'static str) -> (&'static str, &'static str, &'static str) {
    (currency, currency, "UTC")
}

/// What every fake serves.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub accounts: Vec<FakeAccount>,
    /// The first and last day with data (both inclusive).
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Conversions and conversion value (minor units) added to a campaign's day after the
    /// fact, as platforms restate conversions that arrive late.
    pub restatements: HashMap<(String, NaiveDate), (f64, i64)>,
}

impl Dataset {
    /// Two accounts (one in USD, one in EUR) whose campaigns cover every budget owner the
    /// platform has. `kinds` gives, per campaign, the platform's type, the channel it maps to,
    /// and the budget owner; the campaign IDs are made from `id_base`.
    pub fn new(
        id_base: u64,
        kinds: &[(&str, Channel, BudgetOwner)],
        first_day: NaiveDate,
        last_day: NaiveDate,
    ) -> Self {
        Self::with_accounts(id_base, &DEFAULT_ACCOUNTS, kinds, first_day, last_day)
    }

    /// Like [`Dataset::new`], with one account per `(name, currency, time zone)`, in order.
    /// Amounts are minor units of each account's currency (ISO 4217).
    pub fn with_accounts(
        id_base: u64,
        accounts: &[(&str, &str, &str)],
        kinds: &[(&str, Channel, BudgetOwner)],
        first_day: NaiveDate,
        last_day: NaiveDate,
    ) -> Self {
        let accounts = accounts
            .iter()
            .copied()
            .enumerate()
            .map(|(a, (name, currency, tz))| {
                let account_id = id_base + a as u64;
                let campaigns = kinds
                    .iter()
                    .enumerate()
                    .map(|(c, (kind, channel, owner))| {
                        let id = (id_base * 1000 + (a as u64) * 100 + c as u64 + 1).to_string();
                        let budget_id = match owner {
                            BudgetOwner::Campaign | BudgetOwner::None => id.clone(),
                            BudgetOwner::SharedBudget => format!("{}", id_base * 7 + a as u64),
                            BudgetOwner::AdSet => format!("{id}0"),
                        };
                        FakeCampaign {
                            name: format!("{} {}", kind.replace('_', " ").to_lowercase(), c + 1),
                            kind: (*kind).to_owned(),
                            channel: *channel,
                            status: "ACTIVE".to_owned(),
                            budget_owner: *owner,
                            budget_id,
                            daily_budget_minor: if *owner == BudgetOwner::None {
                                0
                            } else {
                                5_000 * (c as i64 + 2)
                            },
                            id,
                        }
                    })
                    .collect();
                FakeAccount {
                    id: account_id.to_string(),
                    name: name.to_owned(),
                    currency: currency.to_owned(),
                    time_zone: tz.to_owned(),
                    campaigns,
                }
            })
            .collect();
        Self {
            accounts,
            first_day,
            last_day,
            restatements: HashMap::new(),
        }
    }

    /// Late conversions for a campaign's day: the platform answers them from now on.
    pub fn restate(
        &mut self,
        campaign_id: &str,
        date: NaiveDate,
        conversions: f64,
        value_minor: i64,
    ) {
        let entry = self
            .restatements
            .entry((campaign_id.to_owned(), date))
            .or_insert((0.0, 0));
        entry.0 += conversions;
        entry.1 += value_minor;
    }

    pub fn account(&self, id: &str) -> Option<&FakeAccount> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The account a campaign belongs to, and the campaign.
    pub fn campaign(&self, id: &str) -> Option<(&FakeAccount, &FakeCampaign)> {
        self.accounts
            .iter()
            .find_map(|a| a.campaigns.iter().find(|c| c.id == id).map(|c| (a, c)))
    }

    /// One campaign's day, or `None` when the campaign had no activity that day (about one
    /// day in eight, and every day outside the dataset's span). Deterministic.
    pub fn metrics(&self, campaign_id: &str, date: NaiveDate) -> Option<DailyRow> {
        if date < self.first_day || date > self.last_day {
            return None;
        }
        let h = Sha256::digest(format!("{campaign_id}/{date}").as_bytes());
        let n = |i: usize| u64::from(u16::from_be_bytes([h[i], h[i + 1]]));
        if n(0) % 8 == 0 {
            return None;
        }
        let spend_minor = 1_000 + (n(2) % 40_000) as i64;
        let impressions = 500 + (n(4) % 20_000) as i64;
        let clicks = 5 + (n(6) % 400) as i64;
        let conversions = (n(8) % 25) as f64;
        let mut revenue_minor = (conversions as i64) * (2_000 + (n(10) % 6_000) as i64);
        let mut conversions = conversions;
        if let Some((more, value)) = self.restatements.get(&(campaign_id.to_owned(), date)) {
            conversions += more;
            revenue_minor += value;
        }
        Some(DailyRow {
            campaign_id: campaign_id.to_owned(),
            date,
            spend_minor,
            impressions,
            clicks,
            conversions,
            revenue_minor,
        })
    }

    /// The rows an ingest of `account_id` over `range` must find when it counts the fakes'
    /// other conversions ([`other_conversions`]: Meta's `lead`, Microsoft's `AllConversions`,
    /// TikTok's other events).
    pub fn expected_rows_counting_others(
        &self,
        account_id: &str,
        range: DateRange,
    ) -> Vec<DailyRow> {
        self.expected_rows(account_id, range)
            .into_iter()
            .map(|mut row| {
                (row.conversions, row.revenue_minor) = other_conversions(&row);
                row
            })
            .collect()
    }

    /// The rows an ingest of `account_id` over `range` must find, ordered by campaign and date.
    pub fn expected_rows(&self, account_id: &str, range: DateRange) -> Vec<DailyRow> {
        let Some(account) = self.account(account_id) else {
            return Vec::new();
        };
        account
            .campaigns
            .iter()
            .flat_map(|c| range.iter_days().filter_map(|d| self.metrics(&c.id, d)))
            .collect()
    }
}

/// A second kind of conversion for a row, which every fake serves under its platform's name for
/// a conversion other than the default: the row's own conversions and value plus one
/// conversion worth 15.00 (1,500 minor units) for every 20 clicks. Never equal to the row's own
/// where the row has 20 clicks or more.
pub fn other_conversions(row: &DailyRow) -> (f64, i64) {
    let more = row.clicks / 20;
    (
        row.conversions + more as f64,
        row.revenue_minor + 1_500 * more,
    )
}

/// Faults a test switches on.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// The next this many API calls (not OAuth calls) are throttled with the platform's signal.
    pub throttle_next: u32,
    /// The wait the throttle signals, where the platform signals one.
    pub throttle_delay: Duration,
    /// Every access token issued so far is refused as expired.
    pub expire_access_tokens: bool,
    /// The grant is revoked: access and refresh tokens are refused.
    pub revoked: bool,
    /// The next this many API calls fail with a 5xx (or the platform's transient code).
    pub fail_next: u32,
    /// Async reports answer "pending" this many times before they are ready.
    pub report_pending_polls: u32,
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Logged {
    pub at: Instant,
    pub method: String,
    /// Path and query.
    pub path: String,
    /// What the fake did: `ok`, `throttled`, `expired`, `revoked`, `failed`, `rejected`, ...
    pub outcome: String,
}

/// A grant the fake issued.
#[derive(Clone, Debug)]
pub struct Grant {
    pub code: String,
    pub redirect_uri: String,
    /// The S256 challenge sent with the authorization request, if any.
    pub pkce_challenge: Option<String>,
    pub used: bool,
}

/// What every fake keeps, behind one lock.
#[derive(Debug)]
pub struct FakeState {
    pub dataset: Dataset,
    pub faults: Faults,
    pub client_id: String,
    pub client_secret: String,
    /// Authorization codes by value.
    pub grants: HashMap<String, Grant>,
    /// Access tokens issued, and whether each is still fresh (`false` once expired).
    pub access_tokens: HashMap<String, bool>,
    /// Refresh tokens still valid.
    pub refresh_tokens: HashMap<String, bool>,
    /// Daily budgets by budget ID, in minor units; starts from the dataset.
    pub budgets: HashMap<String, i64>,
    /// Async report jobs: ID → polls left before ready, and what the report covers.
    pub reports: HashMap<String, (u32, serde_json::Value)>,
    pub log: Vec<Logged>,
    /// When each refresh token's grant was consented to, for platforms whose refresh tokens
    /// count their life from the consent (LinkedIn).
    pub consented_at: HashMap<String, Instant>,
    /// Where the platform caps an answer without paging (LinkedIn's analytics), the cap; `None`
    /// is the platform's own.
    pub answer_cap: Option<usize>,
    counter: u64,
}

impl FakeState {
    pub fn new(dataset: Dataset, client_id: &str, client_secret: &str) -> Self {
        let budgets = dataset
            .accounts
            .iter()
            .flat_map(|a| &a.campaigns)
            .filter(|c| c.budget_owner != BudgetOwner::None)
            .map(|c| (c.budget_id.clone(), c.daily_budget_minor))
            .collect();
        Self {
            dataset,
            faults: Faults::default(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            grants: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            budgets,
            reports: HashMap::new(),
            log: Vec::new(),
            consented_at: HashMap::new(),
            answer_cap: None,
            counter: 0,
        }
    }

    /// A fresh opaque value with a prefix (`code-3`, `at-4`).
    pub fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}-{}", self.counter)
    }

    /// Records a request.
    pub fn record(&mut self, method: &str, path: &str, outcome: &str) {
        self.log.push(Logged {
            at: Instant::now(),
            method: method.to_owned(),
            path: path.to_owned(),
            outcome: outcome.to_owned(),
        });
    }

    /// Issues an access token (and, when `with_refresh`, a refresh token).
    pub fn issue_tokens(&mut self, with_refresh: bool) -> (String, Option<String>) {
        let at = self.next_id("at");
        self.access_tokens.insert(at.clone(), true);
        let rt = with_refresh.then(|| {
            let rt = self.next_id("rt");
            self.refresh_tokens.insert(rt.clone(), true);
            rt
        });
        (at, rt)
    }

    /// Registers an authorization code for a redirect.
    pub fn issue_code(&mut self, redirect_uri: &str, pkce_challenge: Option<String>) -> String {
        let code = self.next_id("code");
        self.grants.insert(
            code.clone(),
            Grant {
                code: code.clone(),
                redirect_uri: redirect_uri.to_owned(),
                pkce_challenge,
                used: false,
            },
        );
        code
    }

    /// Checks and uses up an authorization code. `verifier` is checked against the code's PKCE
    /// challenge when one was sent.
    pub fn redeem_code(
        &mut self,
        code: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
    ) -> Result<(), &'static str> {
        let grant = self
            .grants
            .get_mut(code)
            .ok_or("unknown authorization code")?;
        if grant.used {
            return Err("authorization code already used");
        }
        if grant.redirect_uri != redirect_uri {
            return Err("redirect_uri does not match the authorization request");
        }
        if let Some(challenge) = &grant.pkce_challenge {
            let verifier = verifier.ok_or("code_verifier missing")?;
            if &crate::oauth::pkce_challenge(verifier) != challenge {
                return Err("code_verifier does not match the code_challenge");
            }
        }
        grant.used = true;
        Ok(())
    }

    /// What an access token is worth now: `Ok` if it may call, else the fault to answer with.
    pub fn check_access(&self, token: Option<&str>) -> AccessCheck {
        let Some(token) = token else {
            return AccessCheck::Missing;
        };
        if self.faults.revoked {
            return AccessCheck::Revoked;
        }
        match self.access_tokens.get(token) {
            None => AccessCheck::Invalid,
            Some(_) if self.faults.expire_access_tokens => AccessCheck::Expired,
            Some(false) => AccessCheck::Expired,
            Some(true) => AccessCheck::Ok,
        }
    }

    /// Takes one throttle or failure off the fault counters, if any is set.
    pub fn take_fault(&mut self) -> Option<Injected> {
        if self.faults.throttle_next > 0 {
            self.faults.throttle_next -= 1;
            return Some(Injected::Throttle(self.faults.throttle_delay));
        }
        if self.faults.fail_next > 0 {
            self.faults.fail_next -= 1;
            return Some(Injected::Fail);
        }
        None
    }

    /// Marks every access token issued so far as expired (what a refresh must then fix).
    pub fn expire_issued_tokens(&mut self) {
        for valid in self.access_tokens.values_mut() {
            *valid = false;
        }
    }
}

/// The result of checking an access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessCheck {
    Ok,
    Missing,
    Invalid,
    Expired,
    Revoked,
}

/// A fault taken off the counters for this request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injected {
    Throttle(Duration),
    Fail,
}

/// A running fake. Dropping it stops the server.
pub struct FakeServer {
    pub base_url: url::Url,
    state: Arc<Mutex<FakeState>>,
    handle: actix_web::dev::ServerHandle,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("base_url", &self.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl FakeServer {
    /// Serves `configure`'s routes on 127.0.0.1 at a free port, with `state` as app data
    /// (`web::Data<Shared>`).
    pub fn start(
        state: FakeState,
        configure: impl Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
    ) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(state));
        let data = actix_web::web::Data::new(Shared(state.clone()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(data.clone())
                .configure(configure.clone())
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        let base_url = url::Url::parse(&format!("http://127.0.0.1:{port}/"))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Self {
            base_url,
            state,
            handle,
        })
    }

    /// The fake's state, to switch faults or inspect budgets and the request log.
    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        lock(&self.state)
    }

    /// The request log so far.
    pub fn log(&self) -> Vec<Logged> {
        self.state().log.clone()
    }

    /// Stops the server.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        // Best effort: the server task ends when the runtime does in any case.
        drop(self.handle.stop(false));
    }
}

/// The state as app data of the fake's handlers.
#[derive(Clone, Debug)]
pub struct Shared(pub Arc<Mutex<FakeState>>);

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, FakeState> {
        lock(&self.0)
    }
}

fn lock(state: &Mutex<FakeState>) -> MutexGuard<'_, FakeState> {
    // A test that panicked while holding the lock poisons it; the state is still usable.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The `redirect_uri?code=…&state=…` a consenting authorization page sends the browser to.
pub fn consent_redirect(
    redirect_uri: &str,
    params: &[(&str, &str)],
) -> Result<String, url::ParseError> {
    let mut url = url::Url::parse(redirect_uri)?;
    url.query_pairs_mut().extend_pairs(params);
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dataset() -> Dataset {
        Dataset::new(
            5_000,
            &[
                ("SEARCH", Channel::Search, BudgetOwner::Campaign),
                ("DISPLAY", Channel::Display, BudgetOwner::SharedBudget),
                ("VIDEO", Channel::Video, BudgetOwner::AdSet),
            ],
            day("2026-01-01"),
            day("2026-06-30"),
        )
    }

    #[test]
    fn the_dataset_is_deterministic_and_has_quiet_days() {
        let a = dataset();
        let b = dataset();
        let range = DateRange::new(day("2026-03-01"), day("2026-03-31")).unwrap();
        let rows = a.expected_rows("5000", range);
        assert_eq!(rows, b.expected_rows("5000", range));
        // 3 campaigns × 31 days, minus the quiet days.
        assert!(rows.len() < 93 && rows.len() > 60, "{}", rows.len());
        assert!(a.metrics("5000001", day("2025-12-31")).is_none());
        // Campaign IDs are unique across accounts.
        let ids: std::collections::HashSet<_> = a
            .accounts
            .iter()
            .flat_map(|a| a.campaigns.iter().map(|c| c.id.clone()))
            .collect();
        assert_eq!(ids.len(), 6);
    }

    #[test]
    fn a_code_works_once_for_its_redirect_and_verifier() {
        let mut state = FakeState::new(dataset(), "id", "secret");
        let verifier = crate::oauth::pkce_verifier();
        let challenge = crate::oauth::pkce_challenge(&verifier);
        let code = state.issue_code("http://app/cb", Some(challenge));
        assert!(
            state
                .redeem_code(&code, "http://other/cb", Some(&verifier))
                .is_err()
        );
        assert!(
            state
                .redeem_code(&code, "http://app/cb", Some("wrong"))
                .is_err()
        );
        assert!(
            state
                .redeem_code(&code, "http://app/cb", Some(&verifier))
                .is_ok()
        );
        assert!(
            state
                .redeem_code(&code, "http://app/cb", Some(&verifier))
                .is_err()
        );
    }
}
