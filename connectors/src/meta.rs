//! Meta's Marketing API, on the Graph API (`../shared/PLATFORM_APIS.md`, section 2).
//!
//! - OAuth2 without refresh tokens: the code is exchanged for a token, which is exchanged at
//!   once (`fb_exchange_token`) for a long-lived one of about 60 days. When it expires or is
//!   revoked, the person connects again. Meta takes no PKCE.
//! - The token goes in the `Authorization` header, never in URLs; `paging.next` links are
//!   followed only on the Graph host.
//! - Reports: `/act_{id}/insights` at campaign level, one row per day, paged. Conversions and
//!   their value are one action type's entries of `actions` and `action_values`: `purchase`
//!   unless the connection chose another (one canonical type: Meta repeats the same purchases
//!   under `omni_purchase` and pixel-specific types).
//! - Budgets are integers in Meta's own units, on the campaign (Advantage campaign budget) or on
//!   its ad sets; the account's `min_daily_budget` (in the same units) is the floor. Meta's
//!   units follow its currency table, not ISO 4217: offset 100 (hundredths) for most
//!   currencies, offset 1 (whole units) for CLP, COP, CRC, HUF, ISK, IDR, JPY, KRW, PYG, TWD and
//!   VND. A 5,000 HUF budget is `5000` on the wire, not ISO's `500000`. Every budget amount,
//!   written, read back or a minimum, crosses [`budget_units`] and [`budget_minor`], which are
//!   exact or fail; a currency outside Meta's table gets no budget write.
//! - Errors are classified from `error.code` and `error_subcode` (Meta answers most with HTTP
//!   400): 190/463 expired, 190 otherwise gone, 4/17/32/613/80000–80014 throttled (waiting
//!   what the usage headers say), 1/2 and `is_transient` temporary.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use domain::dto::ad_data::Channel;
use serde_json::{Value, json};
use url::Url;

use crate::http::{Reply, send};
use crate::oauth::http_client;
use crate::{
    AdAccount, AdPlatform, AuthorizeRequest, BudgetOwner, BudgetRef, BudgetWrite, Campaign,
    CodeExchange, ConnectorError, Conversions, DailyRow, DateRange, Platform, Tokens, money,
};

/// The Graph API (Marketing API) version this client speaks by default. v27.0 (released
/// 2026-11-04, no sunset published yet); v25.0 retires on 2027-02-23. The changes of v26.0 and
/// v27.0 do not touch the calls this client makes (login, token exchange, ad accounts,
/// campaigns and ad sets, insights at campaign level, `daily_budget` reads and writes).
pub const API_VERSION: &str = "v27.0";
pub const SCOPES: &str = "ads_read,ads_management,business_management";
/// The action type read as a conversion (and its value as revenue) unless the connection chose
/// another ([`Conversions::Meta`]).
pub const CONVERSION_ACTION: &str = "purchase";

/// Currencies whose Meta offset is 1: budgets count whole units. From Meta's currency table
/// (developers.facebook.com/docs/marketing-api/currencies).
pub const WHOLE_UNIT_CURRENCIES: [&str; 11] = [
    "CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD", "VND",
];

/// Currencies whose Meta offset is 100: budgets count hundredths. The rest of the same table.
pub const HUNDREDTHS_CURRENCIES: [&str; 55] = [
    "DZD", "ARS", "AUD", "BHD", "BDT", "BOB", "BGN", "BRL", "GBP", "CAD", "CNY", "HRK", "CZK",
    "DKK", "EGP", "EUR", "GTQ", "HNL", "HKD", "INR", "ILS", "JOD", "KES", "LVL", "LTL", "MOP",
    "MYR", "MXN", "NZD", "NIO", "NGN", "NOK", "PKR", "PEN", "PHP", "PLN", "QAR", "RON", "RUB",
    "SAR", "RSD", "SGD", "SKK", "ZAR", "SEK", "CHF", "THB", "TRY", "AED", "UAH", "USD", "UYU",
    "VEF", "VES", "FBZ",
];

/// Decimal digits of Meta's budget unit in `currency`: 0 for offset 1, 2 for offset 100.
pub fn budget_digits(currency: &str) -> Result<u32, ConnectorError> {
    if WHOLE_UNIT_CURRENCIES.contains(&currency) {
        Ok(0)
    } else if HUNDREDTHS_CURRENCIES.contains(&currency) {
        Ok(2)
    } else {
        Err(ConnectorError::invalid(format!(
            "{currency} is not in Meta's currency table: its budget unit is unknown"
        )))
    }
}

/// Minor units of `currency` (ISO 4217) as Meta's budget units: 500000 HUF minor units (5,000
/// HUF) → `5000`; 7500 USD minor units → `7500`. Refuses an amount Meta cannot express (5,000.50
/// HUF: Meta takes whole forints).
pub fn budget_units(minor: i64, currency: &str) -> Result<i64, ConnectorError> {
    let digits = budget_digits(currency)?;
    crate::platform_money::rescale(minor, money::exponent(currency)?, digits).ok_or_else(|| {
        ConnectorError::invalid(format!(
            "Meta takes {currency} budgets in {}: {} {currency} is not a whole number of them",
            if digits == 0 {
                "whole units"
            } else {
                "hundredths"
            },
            money::minor_to_decimal(minor, currency)
                .map(|d| d.to_string())
                .unwrap_or_else(|_| minor.to_string()),
        ))
    })
}

/// Meta's budget units (a budget, a minimum) as minor units of `currency` (ISO 4217).
pub fn budget_minor(units: i64, currency: &str) -> Result<i64, ConnectorError> {
    crate::platform_money::rescale(units, budget_digits(currency)?, money::exponent(currency)?)
        .ok_or_else(|| {
            ConnectorError::protocol(format!("a budget of {units} {currency} is out of range"))
        })
}

/// Where Meta is reached and with which app.
#[derive(Clone)]
pub struct Config {
    /// The app ID.
    pub client_id: String,
    /// The app secret.
    pub client_secret: String,
    /// `https://www.facebook.com/`: the login dialog is under the version.
    pub dialog_base: Url,
    /// `https://graph.facebook.com/`.
    pub graph_base: Url,
    pub api_version: String,
    /// The wait after a throttle whose usage headers give none.
    pub throttle_wait: Duration,
    /// Rows per page asked for.
    pub page_limit: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("meta::Config")
            .field("client_id", &self.client_id)
            .field("graph_base", &self.graph_base.as_str())
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

fn url(raw: &str) -> Url {
    Url::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

impl Config {
    /// The real Meta.
    pub fn production(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            dialog_base: url("https://www.facebook.com/"),
            graph_base: url("https://graph.facebook.com/"),
            api_version: API_VERSION.to_owned(),
            throttle_wait: Duration::from_secs(60),
            page_limit: 500,
        }
    }

    /// Every endpoint under `base` (the local fake).
    pub fn at(base: &Url, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            dialog_base: base.clone(),
            graph_base: base.clone(),
            ..Self::production(client_id, client_secret)
        }
    }
}

/// The Meta client.
pub struct Client {
    config: Config,
    http: reqwest::Client,
}

/// The wait Meta's usage headers signal: `estimated_time_to_regain_access` (minutes) in
/// `X-Business-Use-Case-Usage`, or `reset_time_duration` (seconds) in `X-Ad-Account-Usage`.
fn signalled_wait(reply: &Reply) -> Option<Duration> {
    let header = |name: &str| -> Option<Value> {
        serde_json::from_str(reply.headers.get(name)?.to_str().ok()?).ok()
    };
    let buc_minutes = header("x-business-use-case-usage").and_then(|v| {
        v.as_object()?
            .values()
            .flat_map(|uses| uses.as_array().cloned().unwrap_or_default())
            .filter_map(|u| u["estimated_time_to_regain_access"].as_u64())
            .max()
    });
    let account_secs = header("x-ad-account-usage").and_then(|v| v["reset_time_duration"].as_u64());
    let wait = buc_minutes
        .map(|m| m * 60)
        .into_iter()
        .chain(account_secs)
        .max()?;
    (wait > 0).then(|| Duration::from_secs(wait))
}

/// Classifies a failed Graph API answer from `error.code` and `error_subcode`.
pub fn classify(reply: &Reply, throttle_wait: Duration) -> ConnectorError {
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let error = &body["error"];
    let Some(code) = error["code"].as_i64() else {
        return if reply.is_server_trouble() {
            ConnectorError::transient(format!("HTTP {}", reply.status))
        } else {
            ConnectorError::protocol(format!("HTTP {}: {}", reply.status, reply.snippet()))
        };
    };
    let subcode = error["error_subcode"].as_i64();
    let message = error["error_user_msg"]
        .as_str()
        .or(error["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    match code {
        190 if subcode == Some(463) => ConnectorError::expired(message),
        190 | 102 => ConnectorError::reauthorize(message),
        4 | 17 | 32 | 613 | 80000..=80014 => {
            ConnectorError::rate_limited(signalled_wait(reply).unwrap_or(throttle_wait), message)
        }
        1 | 2 => ConnectorError::transient(message),
        _ if error["is_transient"].as_bool() == Some(true) => ConnectorError::transient(message),
        other => ConnectorError::rejected(
            match subcode {
                Some(sub) => format!("{other}/{sub}"),
                None => other.to_string(),
            },
            message,
        ),
    }
}

/// The channel of a campaign objective: Meta's placements are social feeds, but for video
/// views.
pub fn channel(objective: &str) -> Channel {
    match objective {
        "VIDEO_VIEWS" => Channel::Video,
        _ => Channel::Social,
    }
}

/// The `value` of the action of type `action_type` in a list of actions.
fn action<'a>(actions: &'a Value, action_type: &str) -> Option<&'a str> {
    actions
        .as_array()?
        .iter()
        .find(|a| a["action_type"] == action_type)?["value"]
        .as_str()
}

/// A numeric string, or a JSON number.
fn number(v: &Value, name: &str) -> Result<i64, ConnectorError> {
    match v {
        Value::Null => Ok(0),
        Value::String(s) => s
            .parse()
            .map_err(|_| ConnectorError::protocol(format!("{name} is not a whole number: {s:?}"))),
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| ConnectorError::protocol(format!("{name} is not a whole number"))),
        other => Err(ConnectorError::protocol(format!("{name} is {other}"))),
    }
}

impl Client {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            http: http_client(),
        }
    }

    fn graph(&self, path: &str) -> Result<Url, ConnectorError> {
        self.config
            .graph_base
            .join(&format!("{}/{path}", self.config.api_version))
            .map_err(|e| ConnectorError::invalid(format!("bad Graph URL {path}: {e}")))
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, ConnectorError> {
        let reply = send(request).await?;
        if reply.status.is_success() {
            reply.json()
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
        let url = self.graph(path)?;
        self.call(
            self.http
                .get(url)
                .bearer_auth(&tokens.access_token)
                .query(query),
        )
        .await
    }

    /// Every element of an edge, following `paging.next` (on the Graph host only).
    async fn all(
        &self,
        tokens: &Tokens,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<Value>, ConnectorError> {
        let mut q = query.to_vec();
        q.push(("limit", self.config.page_limit.to_string()));
        let mut page = self.get(tokens, path, &q).await?;
        let mut out = Vec::new();
        loop {
            if let Some(data) = page["data"].as_array() {
                out.extend(data.iter().cloned());
            }
            let Some(next) = page["paging"]["next"].as_str() else {
                return Ok(out);
            };
            let next = Url::parse(next)
                .map_err(|_| ConnectorError::protocol("paging.next is not a URL"))?;
            if next.origin() != self.config.graph_base.origin() {
                return Err(ConnectorError::protocol(
                    "paging.next points away from the Graph API",
                ));
            }
            page = self
                .call(self.http.get(next).bearer_auth(&tokens.access_token))
                .await?;
        }
    }

    /// The token endpoint, with `query`.
    async fn token(&self, query: &[(&str, &str)]) -> Result<Value, ConnectorError> {
        let url = self.graph("oauth/access_token")?;
        let reply = send(self.http.get(url).query(query)).await?;
        if reply.status.is_success() {
            return reply.json();
        }
        // A used or unknown code is an OAuthException with code 100 (or 190): authorize again.
        match classify(&reply, self.config.throttle_wait) {
            ConnectorError::Rejected { message, .. } => Err(ConnectorError::reauthorize(message)),
            other => Err(other),
        }
    }

    /// A node's `daily_budget`, in Meta's units.
    async fn daily_budget(&self, tokens: &Tokens, id: &str) -> Result<Option<i64>, ConnectorError> {
        let node = self
            .get(tokens, id, &[("fields", "daily_budget".into())])
            .await?;
        match &node["daily_budget"] {
            Value::Null => Ok(None),
            v => number(v, "daily_budget").map(Some),
        }
    }
}

#[async_trait]
impl AdPlatform for Client {
    fn platform(&self) -> Platform {
        Platform::Meta
    }

    fn api_version(&self) -> &str {
        &self.config.api_version
    }

    fn authorize_url(&self, request: &AuthorizeRequest) -> Result<Url, ConnectorError> {
        let mut url = self
            .config
            .dialog_base
            .join(&format!("{}/dialog/oauth", self.config.api_version))
            .map_err(|e| ConnectorError::invalid(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &request.redirect_uri)
            .append_pair("state", &request.state)
            .append_pair("response_type", "code")
            .append_pair("scope", SCOPES);
        Ok(url)
    }

    async fn exchange_code(&self, callback: &CodeExchange) -> Result<Tokens, ConnectorError> {
        let short = self
            .token(&[
                ("client_id", &self.config.client_id),
                ("client_secret", &self.config.client_secret),
                ("redirect_uri", &callback.redirect_uri),
                ("code", &callback.code),
            ])
            .await?;
        let short = short["access_token"]
            .as_str()
            .ok_or_else(|| ConnectorError::protocol("Meta's token answer has no access_token"))?;
        // Meta has no refresh: trade the token for a long-lived one at once.
        let long = self
            .token(&[
                ("grant_type", "fb_exchange_token"),
                ("client_id", &self.config.client_id),
                ("client_secret", &self.config.client_secret),
                ("fb_exchange_token", short),
            ])
            .await?;
        let access = long["access_token"].as_str().ok_or_else(|| {
            ConnectorError::protocol("Meta's exchange answer has no access_token")
        })?;
        let mut tokens = Tokens::bearer(access);
        tokens.expires_at = long["expires_in"]
            .as_i64()
            .map(|s| Utc::now() + chrono::Duration::seconds(s));
        tokens.scopes = SCOPES.split(',').map(str::to_owned).collect();
        Ok(tokens)
    }

    async fn refresh(&self, _tokens: &Tokens) -> Result<Tokens, ConnectorError> {
        Err(ConnectorError::reauthorize(
            "Meta's tokens cannot be refreshed: connect the account again",
        ))
    }

    async fn revoke(&self, tokens: &Tokens) -> Result<(), ConnectorError> {
        let url = self.graph("me/permissions")?;
        match self
            .call(self.http.delete(url).bearer_auth(&tokens.access_token))
            .await
        {
            Ok(_)
            | Err(ConnectorError::Reauthorize { .. } | ConnectorError::TokenExpired { .. }) => {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    async fn list_accounts(&self, tokens: &Tokens) -> Result<Vec<AdAccount>, ConnectorError> {
        let rows = self
            .all(
                tokens,
                "me/adaccounts",
                &[(
                    "fields",
                    "id,account_id,name,currency,account_status,timezone_name,min_daily_budget"
                        .into(),
                )],
            )
            .await?;
        rows.iter()
            .map(|a| {
                let field = |name: &str| {
                    a[name]
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            ConnectorError::protocol(format!("ad account without {name}"))
                        })
                };
                let currency = field("currency")?;
                money::exponent(&currency)?;
                Ok(AdAccount {
                    external_id: field("account_id")?,
                    name: field("name")?,
                    currency,
                    time_zone: field("timezone_name")?,
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
        let act = format!("act_{}", account.external_id);
        let campaigns = self
            .all(
                tokens,
                &format!("{act}/campaigns"),
                &[(
                    "fields",
                    "id,name,objective,effective_status,daily_budget,lifetime_budget".into(),
                )],
            )
            .await?;
        // Campaigns with neither budget keep theirs on the ad sets (ABO).
        let needs_sets = campaigns
            .iter()
            .any(|c| c["daily_budget"].is_null() && c["lifetime_budget"].is_null());
        let ad_sets = if needs_sets {
            self.all(
                tokens,
                &format!("{act}/adsets"),
                &[("fields", "id,campaign_id,daily_budget".into())],
            )
            .await?
        } else {
            Vec::new()
        };
        campaigns
            .iter()
            .map(|c| {
                let id = c["id"]
                    .as_str()
                    .ok_or_else(|| ConnectorError::protocol("a campaign without id"))?
                    .to_owned();
                let (budget, amount) = if !c["daily_budget"].is_null() {
                    (
                        Some(BudgetRef {
                            owner: BudgetOwner::Campaign,
                            external_id: id.clone(),
                        }),
                        Some(number(&c["daily_budget"], "daily_budget")?),
                    )
                } else if c["lifetime_budget"].is_null() {
                    // One ad set with a daily budget is moved as the campaign's; several are
                    // not one number to set.
                    let daily: Vec<&Value> = ad_sets
                        .iter()
                        .filter(|s| s["campaign_id"].as_str() == Some(id.as_str()))
                        .filter(|s| !s["daily_budget"].is_null())
                        .collect();
                    match daily.as_slice() {
                        [one] => (
                            one["id"].as_str().map(|s| BudgetRef {
                                owner: BudgetOwner::AdSet,
                                external_id: s.to_owned(),
                            }),
                            Some(number(&one["daily_budget"], "daily_budget")?),
                        ),
                        _ => (None, None),
                    }
                } else {
                    (None, None)
                };
                // Meta's units, as minor units of the account's currency.
                let amount = match amount {
                    Some(units) => Some(budget_minor(units, &account.currency)?),
                    None => None,
                };
                Ok(Campaign {
                    name: c["name"].as_str().unwrap_or_default().to_owned(),
                    status: c["effective_status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    channel: channel(c["objective"].as_str().unwrap_or_default()),
                    daily_budget_minor: budget.as_ref().and(amount),
                    budget,
                    external_id: id,
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
        let action_type = match conversions {
            Conversions::Meta { action_type } => action_type.as_str(),
            _ => CONVERSION_ACTION,
        };
        let rows = self
            .all(
                tokens,
                &format!("act_{}/insights", account.external_id),
                &[
                    ("level", "campaign".into()),
                    ("time_increment", "1".into()),
                    (
                        "time_range",
                        json!({ "since": range.from.to_string(), "until": range.to.to_string() })
                            .to_string(),
                    ),
                    (
                        "fields",
                        "campaign_id,spend,impressions,clicks,actions,action_values".into(),
                    ),
                    ("use_unified_attribution_setting", "true".into()),
                ],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let date: NaiveDate = r["date_start"]
                    .as_str()
                    .and_then(|d| d.parse().ok())
                    .ok_or_else(|| {
                        ConnectorError::protocol("an insights row without date_start")
                    })?;
                let conversions = match action(&r["actions"], action_type) {
                    Some(v) => v.parse().map_err(|_| {
                        ConnectorError::protocol(format!("a {action_type} count is not a number"))
                    })?,
                    None => 0.0,
                };
                let revenue_minor = match action(&r["action_values"], action_type) {
                    Some(v) => money::decimal_to_minor(v, &account.currency)?,
                    None => 0,
                };
                Ok(DailyRow {
                    campaign_id: r["campaign_id"].as_str().unwrap_or_default().to_owned(),
                    date,
                    spend_minor: money::decimal_to_minor(
                        r["spend"].as_str().unwrap_or("0"),
                        &account.currency,
                    )?,
                    impressions: number(&r["impressions"], "impressions")?,
                    clicks: number(&r["clicks"], "clicks")?,
                    conversions,
                    revenue_minor,
                })
            })
            .collect()
    }

    async fn set_daily_budget(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        budget: &BudgetRef,
        amount_minor: i64,
    ) -> Result<BudgetWrite, ConnectorError> {
        if !matches!(budget.owner, BudgetOwner::Campaign | BudgetOwner::AdSet) {
            return Err(ConnectorError::invalid(
                "Meta budgets are set on campaigns or ad sets",
            ));
        }
        // An amount Meta cannot express is refused before anything is read or written.
        let units = budget_units(amount_minor, &account.currency)?;
        let act = self
            .get(
                tokens,
                &format!("act_{}", account.external_id),
                &[("fields", "min_daily_budget".into())],
            )
            .await?;
        let minimum = budget_minor(
            number(&act["min_daily_budget"], "min_daily_budget")?,
            &account.currency,
        )?;
        if amount_minor < minimum {
            return Err(ConnectorError::rejected(
                "100",
                format!(
                    "Budget Is Too Low: a daily budget of {} {} is below this account's minimum of {} {}",
                    money::minor_to_decimal(amount_minor, &account.currency)?,
                    account.currency,
                    money::minor_to_decimal(minimum, &account.currency)?,
                    account.currency
                ),
            ));
        }
        let previous_minor = self
            .daily_budget(tokens, &budget.external_id)
            .await?
            .map(|units| budget_minor(units, &account.currency))
            .transpose()?;
        let url = self.graph(&budget.external_id)?;
        let answer = self
            .call(
                self.http
                    .post(url)
                    .bearer_auth(&tokens.access_token)
                    .form(&[("daily_budget", units.to_string())]),
            )
            .await?;
        if answer["success"] != true {
            return Err(ConnectorError::protocol(format!(
                "Meta did not confirm the budget: {answer}"
            )));
        }
        let applied_minor = budget_minor(
            self.daily_budget(tokens, &budget.external_id)
                .await?
                .ok_or_else(|| ConnectorError::protocol("no daily budget after the write"))?,
            &account.currency,
        )?;
        Ok(BudgetWrite {
            previous_minor,
            applied_minor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str, headers: &[(&'static str, &str)]) -> Reply {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Reply {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    const WAIT: Duration = Duration::from_secs(60);

    #[test]
    fn the_documented_expired_token_body_is_expiry() {
        let body = r#"{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException",
            "code":190,"error_subcode":463,"fbtrace_id":"EJplcsCHuLu"}}"#;
        assert!(matches!(
            classify(&reply(400, body, &[]), WAIT),
            ConnectorError::TokenExpired { .. }
        ));
        let revoked = r#"{"error":{"message":"Error validating access token: The user has not authorized application","type":"OAuthException","code":190,"error_subcode":458}}"#;
        assert!(matches!(
            classify(&reply(400, revoked, &[]), WAIT),
            ConnectorError::Reauthorize { .. }
        ));
    }

    #[test]
    fn throttles_wait_what_the_usage_headers_say() {
        let body = r#"{"error":{"message":"User request limit reached","type":"OAuthException","code":17,"error_subcode":2446079}}"#;
        let buc = r#"{"123456789":[{"type":"ads_management","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":3}]}"#;
        assert_eq!(
            classify(
                &reply(400, body, &[("x-business-use-case-usage", buc)]),
                WAIT
            ),
            ConnectorError::rate_limited(Duration::from_secs(180), "User request limit reached")
        );
        let account = r#"{"acc_id_util_pct":100,"reset_time_duration":45,"ads_api_access_tier":"standard_access"}"#;
        assert_eq!(
            classify(&reply(400, body, &[("x-ad-account-usage", account)]), WAIT),
            ConnectorError::rate_limited(Duration::from_secs(45), "User request limit reached")
        );
        let bare = r#"{"error":{"message":"too many calls","code":80004}}"#;
        assert_eq!(
            classify(&reply(400, bare, &[]), WAIT),
            ConnectorError::rate_limited(WAIT, "too many calls")
        );
    }

    #[test]
    fn transient_and_refused_are_told_apart() {
        let unknown =
            r#"{"error":{"message":"An unknown error occurred","code":1,"is_transient":true}}"#;
        assert!(matches!(
            classify(&reply(500, unknown, &[]), WAIT),
            ConnectorError::Transient { .. }
        ));
        let low = r#"{"error":{"message":"Invalid parameter","code":100,"error_subcode":1885272,"error_user_title":"Budget Is Too Low","error_user_msg":"The budget for this ad set must be at least $1.00"}}"#;
        assert_eq!(
            classify(&reply(400, low, &[]), WAIT),
            ConnectorError::rejected(
                "100/1885272",
                "The budget for this ad set must be at least $1.00"
            )
        );
    }

    #[test]
    fn budgets_cross_in_metas_units_of_each_currency() {
        // Offset 1: whole units, although ISO 4217 gives these currencies two decimals.
        for currency in ["HUF", "TWD", "COP", "CRC", "IDR"] {
            assert_eq!(budget_units(500_000, currency), Ok(5_000), "{currency}");
            assert_eq!(budget_minor(5_000, currency), Ok(500_000), "{currency}");
            assert!(budget_units(500_050, currency).is_err(), "{currency}");
        }
        // Offset 1 with no ISO decimals.
        for currency in ["JPY", "KRW", "CLP", "VND", "ISK", "PYG"] {
            assert_eq!(budget_units(5_000, currency), Ok(5_000), "{currency}");
            assert_eq!(budget_minor(5_000, currency), Ok(5_000), "{currency}");
        }
        // Offset 100: hundredths.
        assert_eq!(budget_units(7_500, "USD"), Ok(7_500));
        assert_eq!(budget_minor(7_500, "EUR"), Ok(7_500));
        // BHD has three ISO decimals; Meta counts hundredths.
        assert_eq!(budget_units(1_500, "BHD"), Ok(150));
        assert_eq!(budget_minor(150, "BHD"), Ok(1_500));
        assert!(budget_units(1_505, "BHD").is_err());
        // Not in Meta's table.
        assert!(budget_digits("XAF").is_err());
        assert_eq!(
            WHOLE_UNIT_CURRENCIES.len() + HUNDREDTHS_CURRENCIES.len(),
            66
        );
    }

    #[test]
    fn the_purchase_action_is_the_conversion() {
        let actions = json!([
            {"action_type": "link_click", "value": "498"},
            {"action_type": "omni_purchase", "value": "7"},
            {"action_type": "purchase", "value": "7"},
        ]);
        assert_eq!(action(&actions, CONVERSION_ACTION), Some("7"));
        assert_eq!(action(&actions, "link_click"), Some("498"));
        assert_eq!(action(&json!([]), CONVERSION_ACTION), None);
    }
}
