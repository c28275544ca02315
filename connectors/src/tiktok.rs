//! TikTok API for Business, v1.3 (`../shared/PLATFORM_APIS.md`, section 5).
//!
//! - The advertiser authorizes on TikTok's portal, which sends back an `auth_code`; it is
//!   exchanged for a long-term token that does not expire and has **no refresh**: a revoked
//!   token means connecting again. The advertiser IDs it covers travel in
//!   [`Tokens::extra`]`["advertiser_ids"]`.
//! - Every endpoint ends with a slash, takes the token in `Access-Token`, passes arrays as JSON
//!   in the query string, and answers HTTP 200 with a `code` (0 is success), throttling and
//!   expired tokens included: errors are classified from `code`, never from the status.
//! - Reports: `report/integrated/get/`, daily rows at most 30 days per call, paged.
//! - Budgets are floats in the account's currency, on the campaign (`BUDGET_MODE_DAY`) or on
//!   its ad group (`BUDGET_MODE_INFINITE` campaigns). TikTok's minimum daily budgets are per
//!   currency ([`MINIMUM_DAILY_BUDGETS`]): where the table has the account's currency, a
//!   budget below it is refused before calling TikTok; elsewhere TikTok's own refusal decides.
//!   No currency is held to another currency's figures.

use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::dto::ad_data::Channel;
use serde_json::{Value, json};
use url::Url;

use crate::http::{Reply, send};
use crate::oauth::http_client;
use crate::{
    AdAccount, AdPlatform, AuthorizeRequest, BudgetOwner, BudgetRef, BudgetWrite, Campaign,
    CodeExchange, ConnectorError, Conversions, DailyRow, DateRange, Platform, TiktokEvent, Tokens,
    money,
};

/// The API version this client speaks.
pub const API_VERSION: &str = "v1.3";
/// Days per report call with daily rows (TikTok refuses longer spans).
pub const MAX_REPORT_DAYS: i64 = 30;
/// TikTok's published minimum daily budgets, per currency, in major units: (currency, campaign,
/// ad group). TikTok's help center ("About budgets", "Budget and bidding FAQ") and its API
/// guide state USD 50 a day for a campaign and USD 20 for an ad group; the figures for other
/// currencies were not available to check, so they are not guessed here (see
/// [`minimum_daily_budget`]).
pub const MINIMUM_DAILY_BUDGETS: [(&str, i64, i64); 1] = [("USD", 50, 20)];

/// The smallest daily budget TikTok takes for `owner` in `currency`, in major units, where
/// [`MINIMUM_DAILY_BUDGETS`] has it.
pub fn minimum_daily_budget(currency: &str, owner: BudgetOwner) -> Option<i64> {
    MINIMUM_DAILY_BUDGETS
        .iter()
        .find(|(c, _, _)| *c == currency)
        .map(|(_, campaign, ad_group)| match owner {
            BudgetOwner::AdSet => *ad_group,
            _ => *campaign,
        })
}
/// The metric read as conversion value by default: TikTok's total value of complete payments
/// (the value metric of [`TiktokEvent::Conversion`]).
pub const REVENUE_METRIC: &str = "total_complete_payment_rate";

/// Where TikTok is reached and with which app.
#[derive(Clone)]
pub struct Config {
    /// The app ID.
    pub client_id: String,
    /// The app secret.
    pub client_secret: String,
    /// The advertiser authorization page.
    pub authorize_url: Url,
    /// `https://business-api.tiktok.com/open_api/`, with its trailing slash: the version goes
    /// after it.
    pub api_base: Url,
    /// The API version, `v1.3`.
    pub api_version: String,
    /// The wait after a throttle: TikTok signals none, and its per-second limits recover the
    /// next second (the retry policy's backoff takes over if they do not).
    pub throttle_wait: Duration,
    /// Rows per page asked for (1 to 1,000).
    pub page_size: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("tiktok::Config")
            .field("client_id", &self.client_id)
            .field("api_base", &self.api_base.as_str())
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

fn url(raw: &str) -> Url {
    Url::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

impl Config {
    /// The real TikTok.
    pub fn production(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            authorize_url: url("https://business-api.tiktok.com/portal/auth"),
            api_base: url("https://business-api.tiktok.com/open_api/"),
            api_version: API_VERSION.to_owned(),
            throttle_wait: Duration::from_secs(1),
            page_size: 1000,
        }
    }

    /// Every endpoint under `base`, at the real paths (the local fake).
    pub fn at(base: &Url, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        let join = |path: &str| base.join(path).unwrap_or_else(|_| base.clone());
        Self {
            authorize_url: join("portal/auth"),
            api_base: join("open_api/"),
            ..Self::production(client_id, client_secret)
        }
    }
}

/// The TikTok client.
pub struct Client {
    config: Config,
    http: reqwest::Client,
}

/// Classifies a TikTok answer that is not a success: from `code` in the body (TikTok answers
/// HTTP 200 for its errors), or from the status when the request did not reach the API.
pub fn classify(reply: &Reply, throttle_wait: Duration) -> ConnectorError {
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let Some(code) = body["code"].as_i64() else {
        return if reply.is_server_trouble() {
            ConnectorError::transient(format!("HTTP {}", reply.status))
        } else {
            ConnectorError::protocol(format!("HTTP {}: {}", reply.status, reply.snippet()))
        };
    };
    let message = body["message"].as_str().unwrap_or_default().to_owned();
    match code {
        40100 | 40016 | 40133 => ConnectorError::rate_limited(throttle_wait, message),
        40102 => ConnectorError::expired(message),
        40104..=40106 => ConnectorError::reauthorize(message),
        50000..=59999 => ConnectorError::transient(message),
        other => ConnectorError::rejected(other.to_string(), message),
    }
}

/// A metric TikTok wrote as a string (`"-"` where it has none).
fn metric<'a>(metrics: &'a Value, name: &str) -> &'a str {
    match metrics[name].as_str() {
        Some("-") | None => "0",
        Some(s) => s,
    }
}

fn count(metrics: &Value, name: &str) -> Result<i64, ConnectorError> {
    let raw = metric(metrics, name);
    raw.parse()
        .map_err(|_| ConnectorError::protocol(format!("{name} is not a count: {raw:?}")))
}

/// The channel of a campaign objective.
pub fn channel(objective: &str) -> Channel {
    match objective {
        "VIDEO_VIEWS" | "REACH" => Channel::Video,
        _ => Channel::Social,
    }
}

impl Client {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            http: http_client(),
        }
    }

    fn endpoint(&self, path: &str) -> Result<Url, ConnectorError> {
        self.config
            .api_base
            .join(&format!("{}/{path}", self.config.api_version))
            .map_err(|e| ConnectorError::invalid(format!("bad TikTok URL {path}: {e}")))
    }

    /// The `data` of a successful answer.
    async fn data(&self, request: reqwest::RequestBuilder) -> Result<Value, ConnectorError> {
        let reply = send(request).await?;
        let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
        if reply.status.is_success() && body["code"].as_i64() == Some(0) {
            Ok(body["data"].clone())
        } else {
            Err(classify(&reply, self.config.throttle_wait))
        }
    }

    async fn get(
        &self,
        tokens: &Tokens,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ConnectorError> {
        let url = self.endpoint(path)?;
        self.data(
            self.http
                .get(url)
                .header("Access-Token", &tokens.access_token)
                .query(query),
        )
        .await
    }

    async fn post(
        &self,
        tokens: &Tokens,
        path: &str,
        body: Value,
    ) -> Result<Value, ConnectorError> {
        let url = self.endpoint(path)?;
        self.data(
            self.http
                .post(url)
                .header("Access-Token", &tokens.access_token)
                .json(&body),
        )
        .await
    }

    /// Every element of a paged list, pages 1 to `total_page`.
    async fn all_pages(
        &self,
        tokens: &Tokens,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<Value>, ConnectorError> {
        let mut out = Vec::new();
        let mut page = 1u64;
        loop {
            let mut q = query.to_vec();
            q.push(("page", page.to_string()));
            q.push(("page_size", self.config.page_size.to_string()));
            let data = self.get(tokens, path, &q).await?;
            if let Some(list) = data["list"].as_array() {
                out.extend(list.iter().cloned());
            }
            let total = data["page_info"]["total_page"].as_u64().unwrap_or(1);
            if page >= total {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// The daily budget of a campaign or ad group, read back.
    async fn budget_of(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        budget: &BudgetRef,
    ) -> Result<Option<i64>, ConnectorError> {
        let (path, filter, id_field) = match budget.owner {
            BudgetOwner::AdSet => ("adgroup/get/", "adgroup_ids", "adgroup_id"),
            _ => ("campaign/get/", "campaign_ids", "campaign_id"),
        };
        let rows = self
            .all_pages(
                tokens,
                path,
                &[
                    ("advertiser_id", account.external_id.clone()),
                    (
                        "filtering",
                        json!({ filter: [budget.external_id] }).to_string(),
                    ),
                    (
                        "fields",
                        json!([id_field, "budget", "budget_mode"]).to_string(),
                    ),
                ],
            )
            .await?;
        rows.iter()
            .find(|r| r[id_field].as_str() == Some(budget.external_id.as_str()))
            .map(|r| {
                let amount = r["budget"].as_f64().unwrap_or_default();
                money::float_to_minor(amount, &account.currency)
            })
            .transpose()
    }
}

fn advertiser_ids(tokens: &Tokens) -> Vec<String> {
    tokens.extra["advertiser_ids"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[async_trait]
impl AdPlatform for Client {
    fn platform(&self) -> Platform {
        Platform::Tiktok
    }

    fn api_version(&self) -> &str {
        &self.config.api_version
    }

    fn authorize_url(&self, request: &AuthorizeRequest) -> Result<Url, ConnectorError> {
        // TikTok takes no PKCE and no scope: the app's permissions are set on its portal.
        let mut url = self.config.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("app_id", &self.config.client_id)
            .append_pair("state", &request.state)
            .append_pair("redirect_uri", &request.redirect_uri);
        Ok(url)
    }

    async fn exchange_code(&self, callback: &CodeExchange) -> Result<Tokens, ConnectorError> {
        let url = self.endpoint("oauth2/access_token/")?;
        let data = self
            .data(self.http.post(url).json(&json!({
                "app_id": self.config.client_id,
                "secret": self.config.client_secret,
                "auth_code": callback.code,
            })))
            .await?;
        let access = data["access_token"]
            .as_str()
            .ok_or_else(|| ConnectorError::protocol("TikTok's token answer has no access_token"))?;
        let mut tokens = Tokens::bearer(access);
        tokens.scopes = data["scope"]
            .as_array()
            .map(|s| s.iter().map(|v| v.to_string()).collect())
            .unwrap_or_default();
        tokens
            .extra
            .insert("advertiser_ids".into(), data["advertiser_ids"].clone());
        Ok(tokens)
    }

    async fn refresh(&self, _tokens: &Tokens) -> Result<Tokens, ConnectorError> {
        Err(ConnectorError::reauthorize(
            "TikTok's access tokens cannot be refreshed: connect the account again",
        ))
    }

    async fn revoke(&self, tokens: &Tokens) -> Result<(), ConnectorError> {
        let url = self.endpoint("oauth2/revoke_token/")?;
        match self
            .data(self.http.post(url).json(&json!({
                "app_id": self.config.client_id,
                "secret": self.config.client_secret,
                "access_token": tokens.access_token,
            })))
            .await
        {
            // Already revoked is what we wanted.
            Ok(_) | Err(ConnectorError::Reauthorize { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn list_accounts(&self, tokens: &Tokens) -> Result<Vec<AdAccount>, ConnectorError> {
        let granted = self
            .get(
                tokens,
                "oauth2/advertiser/get/",
                &[
                    ("app_id", self.config.client_id.clone()),
                    ("secret", self.config.client_secret.clone()),
                ],
            )
            .await?;
        let mut ids: Vec<String> = granted["list"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|a| a["advertiser_id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if ids.is_empty() {
            ids = advertiser_ids(tokens);
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let info = self
            .get(
                tokens,
                "advertiser/info/",
                &[
                    ("advertiser_ids", json!(ids).to_string()),
                    (
                        "fields",
                        json!(["advertiser_id", "name", "currency", "timezone", "status"])
                            .to_string(),
                    ),
                ],
            )
            .await?;
        let list = info["list"].as_array().cloned().unwrap_or_default();
        list.iter()
            .map(|a| {
                let field = |name: &str| {
                    a[name]
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            ConnectorError::protocol(format!("TikTok advertiser without {name}"))
                        })
                };
                let currency = field("currency")?;
                money::exponent(&currency)?;
                Ok(AdAccount {
                    external_id: field("advertiser_id")?,
                    name: field("name")?,
                    currency,
                    time_zone: field("timezone")?,
                    parent_id: None,
                })
            })
            .collect()
    }

    async fn list_campaigns(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
    ) -> Result<Vec<Campaign>, ConnectorError> {
        let campaigns = self
            .all_pages(
                tokens,
                "campaign/get/",
                &[
                    ("advertiser_id", account.external_id.clone()),
                    (
                        "fields",
                        json!([
                            "campaign_id",
                            "campaign_name",
                            "objective_type",
                            "budget",
                            "budget_mode",
                            "operation_status"
                        ])
                        .to_string(),
                    ),
                ],
            )
            .await?;
        // Campaigns without a campaign budget keep it on their ad groups.
        let infinite: Vec<String> = campaigns
            .iter()
            .filter(|c| c["budget_mode"] == "BUDGET_MODE_INFINITE")
            .filter_map(|c| c["campaign_id"].as_str().map(str::to_owned))
            .collect();
        let ad_groups = if infinite.is_empty() {
            Vec::new()
        } else {
            self.all_pages(
                tokens,
                "adgroup/get/",
                &[
                    ("advertiser_id", account.external_id.clone()),
                    ("filtering", json!({ "campaign_ids": infinite }).to_string()),
                    (
                        "fields",
                        json!(["adgroup_id", "campaign_id", "budget", "budget_mode"]).to_string(),
                    ),
                ],
            )
            .await?
        };
        campaigns
            .iter()
            .map(|c| {
                let id = c["campaign_id"]
                    .as_str()
                    .ok_or_else(|| ConnectorError::protocol("a TikTok campaign without ID"))?
                    .to_owned();
                let (budget, amount) = match c["budget_mode"].as_str().unwrap_or_default() {
                    "BUDGET_MODE_DAY" | "BUDGET_MODE_DYNAMIC_DAILY_BUDGET" => (
                        Some(BudgetRef {
                            owner: BudgetOwner::Campaign,
                            external_id: id.clone(),
                        }),
                        c["budget"].as_f64(),
                    ),
                    "BUDGET_MODE_INFINITE" => {
                        // Moved as one only when a single ad group holds the daily budget;
                        // several ad groups' budgets are not one number to set.
                        let daily: Vec<&Value> = ad_groups
                            .iter()
                            .filter(|g| g["campaign_id"].as_str() == Some(id.as_str()))
                            .filter(|g| g["budget_mode"] == "BUDGET_MODE_DAY")
                            .collect();
                        match daily.as_slice() {
                            [one] => (
                                one["adgroup_id"].as_str().map(|g| BudgetRef {
                                    owner: BudgetOwner::AdSet,
                                    external_id: g.to_owned(),
                                }),
                                one["budget"].as_f64(),
                            ),
                            _ => (None, None),
                        }
                    }
                    _ => (None, None),
                };
                let daily_budget_minor = match (&budget, amount) {
                    (Some(_), Some(a)) => Some(money::float_to_minor(a, &account.currency)?),
                    _ => None,
                };
                Ok(Campaign {
                    name: c["campaign_name"].as_str().unwrap_or_default().to_owned(),
                    status: c["operation_status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    channel: channel(c["objective_type"].as_str().unwrap_or_default()),
                    external_id: id,
                    budget,
                    daily_budget_minor,
                })
            })
            .collect()
    }

    async fn daily_report_counting(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        range: DateRange,
        conversions: &Conversions,
    ) -> Result<Vec<DailyRow>, ConnectorError> {
        conversions.check_for(self.platform())?;
        let event = match conversions {
            Conversions::Tiktok { event } => *event,
            _ => TiktokEvent::default(),
        };
        let (count_metric, value_metric) = event.metrics();
        let mut out = Vec::new();
        for chunk in range.chunks(MAX_REPORT_DAYS) {
            let rows = self
                .all_pages(
                    tokens,
                    "report/integrated/get/",
                    &[
                        ("advertiser_id", account.external_id.clone()),
                        ("report_type", "BASIC".into()),
                        ("service_type", "AUCTION".into()),
                        ("data_level", "AUCTION_CAMPAIGN".into()),
                        (
                            "dimensions",
                            json!(["campaign_id", "stat_time_day"]).to_string(),
                        ),
                        (
                            "metrics",
                            json!(["spend", "impressions", "clicks", count_metric, value_metric])
                                .to_string(),
                        ),
                        ("start_date", chunk.from.to_string()),
                        ("end_date", chunk.to.to_string()),
                    ],
                )
                .await?;
            for row in &rows {
                let dims = &row["dimensions"];
                let m = &row["metrics"];
                let day = dims["stat_time_day"].as_str().unwrap_or_default();
                let date = NaiveDate::parse_from_str(day.get(..10).unwrap_or(day), "%Y-%m-%d")
                    .map_err(|_| ConnectorError::protocol(format!("bad stat_time_day {day:?}")))?;
                let conversions: f64 = metric(m, count_metric).parse().map_err(|_| {
                    ConnectorError::protocol(format!("{count_metric} is not a number"))
                })?;
                out.push(DailyRow {
                    campaign_id: dims["campaign_id"].as_str().unwrap_or_default().to_owned(),
                    date,
                    spend_minor: money::decimal_to_minor(metric(m, "spend"), &account.currency)?,
                    impressions: count(m, "impressions")?,
                    clicks: count(m, "clicks")?,
                    conversions,
                    revenue_minor: money::decimal_to_minor(
                        metric(m, value_metric),
                        &account.currency,
                    )?,
                });
            }
        }
        Ok(out)
    }

    async fn set_daily_budget(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        budget: &BudgetRef,
        amount_minor: i64,
    ) -> Result<BudgetWrite, ConnectorError> {
        let (path, id_field) = match budget.owner {
            BudgetOwner::Campaign => ("campaign/update/", "campaign_id"),
            BudgetOwner::AdSet => ("adgroup/update/", "adgroup_id"),
            other => {
                return Err(ConnectorError::invalid(format!(
                    "TikTok budgets are set on campaigns or ad groups, not on {}",
                    other.as_str()
                )));
            }
        };
        if amount_minor <= 0 {
            return Err(ConnectorError::invalid("a daily budget must be above zero"));
        }
        if let Some(minimum) = minimum_daily_budget(&account.currency, budget.owner) {
            let min_minor = money::decimal_value_to_minor(minimum.into(), &account.currency)?;
            if amount_minor < min_minor {
                return Err(ConnectorError::rejected(
                    "40002",
                    format!(
                        "a daily budget of {} {} is below TikTok's minimum of {minimum} {} for {}",
                        money::minor_to_decimal(amount_minor, &account.currency)?,
                        account.currency,
                        account.currency,
                        if budget.owner == BudgetOwner::AdSet {
                            "an ad group"
                        } else {
                            "a campaign"
                        },
                    ),
                ));
            }
        }
        let previous_minor = self.budget_of(tokens, account, budget).await?;
        self.post(
            tokens,
            path,
            json!({
                "advertiser_id": account.external_id,
                id_field: budget.external_id,
                "budget": money::minor_to_float(amount_minor, &account.currency)?,
            }),
        )
        .await?;
        let applied_minor = self
            .budget_of(tokens, account, budget)
            .await?
            .ok_or_else(|| {
                ConnectorError::protocol("the budget's owner is gone after the write")
            })?;
        Ok(BudgetWrite {
            previous_minor,
            applied_minor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: reqwest::header::HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn errors_come_from_the_code_in_an_http_200() {
        let wait = Duration::from_millis(700);
        let body = |code: i64, message: &str| {
            format!(r#"{{"code":{code},"message":"{message}","request_id":"rq","data":{{}}}}"#)
        };
        assert_eq!(
            classify(&reply(200, &body(40100, "Too many requests")), wait),
            ConnectorError::rate_limited(wait, "Too many requests")
        );
        assert!(matches!(
            classify(&reply(200, &body(40133, "advertiser QPS")), wait),
            ConnectorError::RateLimited { .. }
        ));
        assert!(matches!(
            classify(&reply(200, &body(40102, "expired")), wait),
            ConnectorError::TokenExpired { .. }
        ));
        assert_eq!(
            classify(
                &reply(
                    200,
                    &body(40105, "Access token is incorrect or has been revoked.")
                ),
                wait
            ),
            ConnectorError::reauthorize("Access token is incorrect or has been revoked.")
        );
        assert!(matches!(
            classify(&reply(200, &body(51000, "system error")), wait),
            ConnectorError::Transient { .. }
        ));
        assert_eq!(
            classify(&reply(200, &body(40002, "budget too low")), wait),
            ConnectorError::rejected("40002", "budget too low")
        );
        assert!(matches!(
            classify(&reply(502, "<html>bad gateway</html>"), wait),
            ConnectorError::Transient { .. }
        ));
        assert!(matches!(
            classify(&reply(404, "404 page not found"), wait),
            ConnectorError::Protocol { .. }
        ));
    }

    #[test]
    fn minimums_are_per_currency_and_never_borrowed_from_another() {
        assert_eq!(minimum_daily_budget("USD", BudgetOwner::Campaign), Some(50));
        assert_eq!(minimum_daily_budget("USD", BudgetOwner::AdSet), Some(20));
        // Not USD's figures in yen, dinars or euros.
        assert_eq!(minimum_daily_budget("JPY", BudgetOwner::Campaign), None);
        assert_eq!(minimum_daily_budget("KWD", BudgetOwner::AdSet), None);
        assert_eq!(minimum_daily_budget("EUR", BudgetOwner::Campaign), None);
    }

    #[test]
    fn unavailable_metrics_count_as_zero() {
        let m = json!({ "spend": "-", "clicks": "12" });
        assert_eq!(metric(&m, "spend"), "0");
        assert_eq!(count(&m, "clicks").unwrap(), 12);
        assert_eq!(count(&m, "impressions").unwrap(), 0);
    }
}
