//! Google Ads, over its REST interface (`../shared/PLATFORM_APIS.md`, section 1).
//!
//! - OAuth2 with PKCE, `access_type=offline` and `prompt=consent` (so a reconnect gets a new
//!   refresh token); refresh tokens are not rotated.
//! - Accounts: `customers:listAccessibleCustomers`, then each customer's own row; a manager's
//!   client accounts are listed through `customer_client` and called with the manager's ID in
//!   `login-customer-id` (kept in [`AdAccount::parent_id`]).
//! - Campaigns and reports are GAQL queries to `googleAds:search`, paged by `nextPageToken`.
//! - Every budget is a `CampaignBudget` resource: a campaign's own, or one shared by several
//!   campaigns (`explicitly_shared`). [`BudgetRef::external_id`] is the budget's ID either way,
//!   and writes go to `campaignBudgets:mutate` in micros, a multiple of the currency's billable
//!   unit, which Google answers per currency (`currency_constant.billable_unit_micros`, read
//!   once per currency and kept).
//! - Errors are classified from the `GoogleAdsFailure` in the body: `OAUTH_TOKEN_EXPIRED`,
//!   `RESOURCE_EXHAUSTED` with its `retryDelay`, `CONCURRENT_MODIFICATION`, ... A quota error
//!   is a throttle, but for `ACCESS_PROHIBITED`, which waiting does not lift: a refusal.

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::dto::ad_data::Channel;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::http::{Reply, proto_duration, send};
use crate::oauth::{OAuthApp, http_client};
use crate::{
    AdAccount, AdPlatform, AuthorizeRequest, BudgetOwner, BudgetRef, BudgetWrite, Campaign,
    CodeExchange, ConnectorError, Conversions, DailyRow, DateRange, Platform, Tokens, money,
};

/// The API version this client speaks.
pub const API_VERSION: &str = "v26";
/// The OAuth scope of the Google Ads API.
pub const SCOPE: &str = "https://www.googleapis.com/auth/adwords";
/// The smallest daily budget this client writes, in micros of the account's currency: Google's
/// own per-day minimum depends on the campaign type and is checked by the platform too.
pub const MIN_DAILY_BUDGET_MICROS: i64 = 1_000_000;

/// Where Google Ads is reached and with which OAuth app.
#[derive(Clone)]
pub struct Config {
    pub client_id: String,
    pub client_secret: String,
    pub authorize_url: Url,
    pub token_url: Url,
    pub revoke_url: Url,
    /// `https://googleads.googleapis.com/`: the version goes after it.
    pub api_base: Url,
    pub api_version: String,
    /// Sunset in September 2026 (the Cloud project's access level counts now); sent only when
    /// set, for older API versions.
    pub developer_token: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("google_ads::Config")
            .field("client_id", &self.client_id)
            .field("api_base", &self.api_base.as_str())
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

fn url(raw: &str) -> Url {
    // The constant URLs below are valid; a bad base is refused when it is configured.
    Url::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

impl Config {
    /// The real Google Ads.
    pub fn production(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            authorize_url: url("https://accounts.google.com/o/oauth2/v2/auth"),
            token_url: url("https://oauth2.googleapis.com/token"),
            revoke_url: url("https://oauth2.googleapis.com/revoke"),
            api_base: url("https://googleads.googleapis.com/"),
            api_version: API_VERSION.to_owned(),
            developer_token: None,
        }
    }

    /// Every endpoint under `base`, at the real hosts' paths (the local fake).
    pub fn at(base: &Url, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        let join = |path: &str| base.join(path).unwrap_or_else(|_| base.clone());
        Self {
            authorize_url: join("o/oauth2/v2/auth"),
            token_url: join("token"),
            revoke_url: join("revoke"),
            api_base: base.clone(),
            ..Self::production(client_id, client_secret)
        }
    }

    /// Sends `developer-token` (older API versions).
    pub fn with_developer_token(mut self, token: impl Into<String>) -> Self {
        self.developer_token = Some(token.into());
        self
    }

    fn oauth(&self) -> OAuthApp {
        OAuthApp {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            authorize_url: self.authorize_url.clone(),
            token_url: self.token_url.clone(),
            scopes: vec![SCOPE.to_owned()],
            pkce: true,
            extra_params: vec![
                ("access_type".into(), "offline".into()),
                ("prompt".into(), "consent".into()),
            ],
        }
    }
}

/// The Google Ads client.
pub struct Client {
    config: Config,
    http: reqwest::Client,
    /// `currency_constant.billable_unit_micros` by currency code, as Google answered it.
    billable_units: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

impl Client {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            http: http_client(),
            billable_units: std::sync::Mutex::default(),
        }
    }

    /// The billable unit of the account's currency, in micros: budgets are multiples of it.
    /// Asked of Google (`currency_constant`) once per currency.
    async fn billable_unit_micros(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
    ) -> Result<i64, ConnectorError> {
        let code = account.currency.as_str();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ConnectorError::invalid(format!(
                "{code:?} is not an ISO 4217 currency code"
            )));
        }
        if let Some(unit) = self.cached_unit(code) {
            return Ok(unit);
        }
        let rows = self
            .search(
                tokens,
                &account.external_id,
                account.parent_id.as_deref(),
                &format!(
                    "SELECT currency_constant.code, currency_constant.billable_unit_micros \
                     FROM currency_constant WHERE currency_constant.code = '{code}'"
                ),
            )
            .await?;
        let unit = rows
            .first()
            .map(|row| int64(row, "currencyConstant.billableUnitMicros"))
            .transpose()?
            .filter(|unit| *unit > 0)
            .ok_or_else(|| {
                ConnectorError::protocol(format!("Google Ads has no billable unit for {code}"))
            })?;
        if let Ok(mut units) = self.billable_units.lock() {
            units.insert(code.to_owned(), unit);
        }
        Ok(unit)
    }

    fn cached_unit(&self, code: &str) -> Option<i64> {
        self.billable_units.lock().ok()?.get(code).copied()
    }

    fn endpoint(&self, path: &str) -> Result<Url, ConnectorError> {
        self.config
            .api_base
            .join(&format!("{}/{path}", self.config.api_version))
            .map_err(|e| ConnectorError::invalid(format!("bad Google Ads URL {path}: {e}")))
    }

    fn request(
        &self,
        method: reqwest::Method,
        url: Url,
        tokens: &Tokens,
        login_customer: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(method, url)
            .bearer_auth(&tokens.access_token);
        if let Some(token) = &self.config.developer_token {
            req = req.header("developer-token", token);
        }
        if let Some(manager) = login_customer {
            req = req.header("login-customer-id", manager);
        }
        req
    }

    /// Sends a request and decodes a 2xx answer, or classifies the failure.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, ConnectorError> {
        let reply = send(req).await?;
        if reply.status.is_success() {
            reply.json()
        } else {
            Err(classify(&reply))
        }
    }

    /// Every row of a GAQL query, following `nextPageToken`.
    async fn search(
        &self,
        tokens: &Tokens,
        customer: &str,
        login_customer: Option<&str>,
        query: &str,
    ) -> Result<Vec<Value>, ConnectorError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Page {
            #[serde(default)]
            results: Vec<Value>,
            next_page_token: Option<String>,
        }
        let url = self.endpoint(&format!("customers/{customer}/googleAds:search"))?;
        let mut rows = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let mut body = json!({ "query": query });
            if let Some(token) = &page_token {
                body["pageToken"] = json!(token);
            }
            let page: Page = self
                .call(
                    self.request(reqwest::Method::POST, url.clone(), tokens, login_customer)
                        .json(&body),
                )
                .await?;
            rows.extend(page.results);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => page_token = Some(next),
                None => return Ok(rows),
            }
        }
    }
}

/// A field of a GAQL row, by its path (`campaign.id` → `row["campaign"]["id"]`, camelCase).
fn field<'a>(row: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(row, |v, key| &v[key])
}

fn text(row: &Value, path: &str) -> Result<String, ConnectorError> {
    match field(row, path) {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(ConnectorError::protocol(format!(
            "Google Ads row has no {path} (found {other})"
        ))),
    }
}

/// An int64, which proto3 JSON writes as a string; absent means 0.
fn int64(row: &Value, path: &str) -> Result<i64, ConnectorError> {
    match field(row, path) {
        Value::Null => Ok(0),
        Value::String(s) => s
            .parse()
            .map_err(|_| ConnectorError::protocol(format!("{path} is not an int64: {s:?}"))),
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| ConnectorError::protocol(format!("{path} is not an int64: {n}"))),
        other => Err(ConnectorError::protocol(format!(
            "{path} is not an int64: {other}"
        ))),
    }
}

/// A double; absent means 0.
fn double(row: &Value, path: &str) -> Result<f64, ConnectorError> {
    match field(row, path) {
        Value::Null => Ok(0.0),
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| ConnectorError::protocol(format!("{path} is not a number: {n}"))),
        Value::String(s) => s
            .parse()
            .map_err(|_| ConnectorError::protocol(format!("{path} is not a number: {s:?}"))),
        other => Err(ConnectorError::protocol(format!(
            "{path} is not a number: {other}"
        ))),
    }
}

/// The last segment of a resource name: `customers/1/campaignBudgets/555` → `555`.
fn resource_id(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The channel of an `advertising_channel_type`.
pub fn channel(kind: &str) -> Channel {
    match kind {
        "SEARCH" => Channel::Search,
        "SHOPPING" => Channel::Shopping,
        "DISPLAY" => Channel::Display,
        "VIDEO" => Channel::Video,
        // Demand Gen runs on YouTube, Discover and Gmail feeds: social-like placements.
        "DEMAND_GEN" | "DISCOVERY" => Channel::Social,
        // Performance Max spreads over every Google surface at once.
        _ => Channel::Other,
    }
}

/// Classifies a failed Google Ads (or Google OAuth) response from its body.
pub fn classify(reply: &Reply) -> ConnectorError {
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let error = &body["error"];
    let status = error["status"].as_str().unwrap_or_default();
    let message = error["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("HTTP {}: {}", reply.status, reply.snippet()));
    // The first GoogleAdsFailure error: its code is a one-key object {category: ENUM}.
    let failure = error["details"]
        .as_array()
        .and_then(|details| {
            details
                .iter()
                .find_map(|d| d["errors"].as_array().and_then(|e| e.first()))
        })
        .cloned()
        .unwrap_or(Value::Null);
    let (category, code) = failure["errorCode"]
        .as_object()
        .and_then(|o| o.iter().next())
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .unwrap_or_default();
    let detail = failure["message"].as_str().unwrap_or(&message).to_owned();

    match (category.as_str(), code.as_str()) {
        ("authenticationError", "OAUTH_TOKEN_EXPIRED") => ConnectorError::expired(detail),
        (
            "authenticationError",
            "OAUTH_TOKEN_REVOKED" | "OAUTH_TOKEN_INVALID" | "OAUTH_TOKEN_DISABLED" | "NOT_ADS_USER",
        ) => ConnectorError::reauthorize(detail),
        // Waiting does not lift it: the project or account may not call.
        ("quotaError", "ACCESS_PROHIBITED") => ConnectorError::rejected(code, detail),
        ("quotaError", _) => {
            let wait = failure["details"]["quotaErrorDetails"]["retryDelay"]
                .as_str()
                .and_then(proto_duration)
                .unwrap_or(std::time::Duration::from_secs(30));
            ConnectorError::rate_limited(wait, detail)
        }
        ("databaseError", "CONCURRENT_MODIFICATION") | ("internalError", _) => {
            ConnectorError::transient(detail)
        }
        ("", _) if status == "UNAUTHENTICATED" => ConnectorError::expired(message),
        ("", _) if status == "RESOURCE_EXHAUSTED" => {
            ConnectorError::rate_limited(std::time::Duration::from_secs(30), message)
        }
        ("", _) if reply.is_server_trouble() => ConnectorError::transient(message),
        ("", _) if status.is_empty() => ConnectorError::protocol(message),
        ("", _) => ConnectorError::rejected(status, message),
        (_, code) => ConnectorError::rejected(code, detail),
    }
}

const CAMPAIGN_QUERY: &str = "SELECT campaign.id, campaign.name, campaign.status, \
     campaign.advertising_channel_type, campaign.campaign_budget, campaign_budget.amount_micros, \
     campaign_budget.explicitly_shared FROM campaign WHERE campaign.status != 'REMOVED'";

fn report_query(range: DateRange) -> String {
    format!(
        "SELECT campaign.id, segments.date, metrics.impressions, metrics.clicks, \
         metrics.cost_micros, metrics.conversions, metrics.conversions_value FROM campaign \
         WHERE segments.date BETWEEN '{}' AND '{}'",
        range.from, range.to
    )
}

#[async_trait]
impl AdPlatform for Client {
    fn platform(&self) -> Platform {
        Platform::GoogleAds
    }

    fn api_version(&self) -> &str {
        &self.config.api_version
    }

    fn authorize_url(&self, request: &AuthorizeRequest) -> Result<Url, ConnectorError> {
        self.config.oauth().authorize_url(request)
    }

    async fn exchange_code(&self, callback: &CodeExchange) -> Result<Tokens, ConnectorError> {
        self.config
            .oauth()
            .exchange_code(&self.http, callback)
            .await
    }

    async fn refresh(&self, tokens: &Tokens) -> Result<Tokens, ConnectorError> {
        self.config.oauth().refresh(&self.http, tokens).await
    }

    async fn revoke(&self, tokens: &Tokens) -> Result<(), ConnectorError> {
        // Revoking the refresh token ends the whole grant.
        let token = tokens
            .refresh_token
            .as_deref()
            .unwrap_or(&tokens.access_token);
        let reply = send(
            self.http
                .post(self.config.revoke_url.clone())
                .form(&[("token", token)]),
        )
        .await?;
        // 400 invalid_token: already revoked or expired, which is what we wanted.
        if reply.status.is_success() || reply.status == reqwest::StatusCode::BAD_REQUEST {
            Ok(())
        } else {
            Err(classify(&reply))
        }
    }

    async fn list_accounts(&self, tokens: &Tokens) -> Result<Vec<AdAccount>, ConnectorError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Accessible {
            #[serde(default)]
            resource_names: Vec<String>,
        }
        let url = self.endpoint("customers:listAccessibleCustomers")?;
        let accessible: Accessible = self
            .call(self.request(reqwest::Method::GET, url, tokens, None))
            .await?;
        let mut accounts: Vec<AdAccount> = Vec::new();
        let mut managers = Vec::new();
        for name in &accessible.resource_names {
            let id = resource_id(name);
            let rows = self
                .search(
                    tokens,
                    id,
                    None,
                    "SELECT customer.id, customer.descriptive_name, customer.currency_code, \
                     customer.time_zone, customer.manager, customer.status FROM customer",
                )
                .await?;
            for row in rows {
                if row["customer"]["manager"].as_bool().unwrap_or(false) {
                    managers.push(text(&row, "customer.id")?);
                } else if text(&row, "customer.status").as_deref() != Ok("CANCELED") {
                    accounts.push(AdAccount {
                        external_id: text(&row, "customer.id")?,
                        name: text(&row, "customer.descriptiveName")?,
                        currency: text(&row, "customer.currencyCode")?,
                        time_zone: text(&row, "customer.timeZone")?,
                        parent_id: None,
                    });
                }
            }
        }
        // A manager's clients are reached with the manager's ID in `login-customer-id`.
        for manager in managers {
            let rows = self
                .search(
                    tokens,
                    &manager,
                    Some(&manager),
                    "SELECT customer_client.id, customer_client.descriptive_name, \
                     customer_client.currency_code, customer_client.time_zone, \
                     customer_client.manager, customer_client.status FROM customer_client \
                     WHERE customer_client.level = 1",
                )
                .await?;
            for row in rows {
                let id = text(&row, "customerClient.id")?;
                let is_manager = row["customerClient"]["manager"].as_bool().unwrap_or(false);
                let enabled = text(&row, "customerClient.status").as_deref() == Ok("ENABLED");
                if is_manager || !enabled || accounts.iter().any(|a| a.external_id == id) {
                    continue;
                }
                accounts.push(AdAccount {
                    external_id: id,
                    name: text(&row, "customerClient.descriptiveName")?,
                    currency: text(&row, "customerClient.currencyCode")?,
                    time_zone: text(&row, "customerClient.timeZone")?,
                    parent_id: Some(manager.clone()),
                });
            }
        }
        Ok(accounts)
    }

    async fn list_campaigns(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
    ) -> Result<Vec<Campaign>, ConnectorError> {
        let rows = self
            .search(
                tokens,
                &account.external_id,
                account.parent_id.as_deref(),
                CAMPAIGN_QUERY,
            )
            .await?;
        rows.iter()
            .map(|row| {
                let budget_name = text(row, "campaign.campaignBudget").ok();
                let budget = budget_name.as_deref().map(|name| BudgetRef {
                    owner: if row["campaignBudget"]["explicitlyShared"]
                        .as_bool()
                        .unwrap_or(false)
                    {
                        BudgetOwner::SharedBudget
                    } else {
                        BudgetOwner::Campaign
                    },
                    external_id: resource_id(name).to_owned(),
                });
                let daily_budget_minor = match &budget {
                    Some(_) => Some(money::micros_to_minor(
                        int64(row, "campaignBudget.amountMicros")?,
                        &account.currency,
                    )?),
                    None => None,
                };
                Ok(Campaign {
                    external_id: text(row, "campaign.id")?,
                    name: text(row, "campaign.name")?,
                    status: text(row, "campaign.status")?,
                    channel: channel(
                        row["campaign"]["advertisingChannelType"]
                            .as_str()
                            .unwrap_or_default(),
                    ),
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
        let rows = self
            .search(
                tokens,
                &account.external_id,
                account.parent_id.as_deref(),
                &report_query(range),
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let date: NaiveDate = text(row, "segments.date")?
                .parse()
                .map_err(|_| ConnectorError::protocol("segments.date is not a date"))?;
            let spend_micros = int64(row, "metrics.costMicros")?;
            let impressions = int64(row, "metrics.impressions")?;
            let clicks = int64(row, "metrics.clicks")?;
            let conversions = double(row, "metrics.conversions")?;
            let value = double(row, "metrics.conversionsValue")?;
            // Google answers a row for every campaign and day in the range, zeros included.
            if spend_micros == 0 && impressions == 0 && clicks == 0 && conversions == 0.0 {
                continue;
            }
            out.push(DailyRow {
                campaign_id: text(row, "campaign.id")?,
                date,
                spend_minor: money::micros_to_minor(spend_micros, &account.currency)?,
                impressions,
                clicks,
                conversions,
                revenue_minor: money::float_to_minor(value, &account.currency)?,
            });
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
        if budget.owner == BudgetOwner::None || budget.owner == BudgetOwner::AdSet {
            return Err(ConnectorError::invalid(
                "Google Ads budgets belong to campaign budgets, not to ad groups",
            ));
        }
        let micros = money::minor_to_micros(amount_minor, &account.currency)?;
        if micros < MIN_DAILY_BUDGET_MICROS {
            return Err(ConnectorError::rejected(
                "BUDGET_BELOW_PER_DAY_MINIMUM",
                format!(
                    "a daily budget of {} {} is below the minimum of {} {}",
                    money::minor_to_decimal(amount_minor, &account.currency)?,
                    account.currency,
                    rust_decimal::Decimal::new(MIN_DAILY_BUDGET_MICROS, 6).normalize(),
                    account.currency
                ),
            ));
        }
        let unit = self.billable_unit_micros(tokens, account).await?;
        if micros % unit != 0 {
            return Err(ConnectorError::rejected(
                "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT",
                format!(
                    "a daily budget of {} {} is not a multiple of the currency's billable unit, {} {}",
                    money::minor_to_decimal(amount_minor, &account.currency)?,
                    account.currency,
                    rust_decimal::Decimal::new(unit, 6).normalize(),
                    account.currency
                ),
            ));
        }
        let customer = &account.external_id;
        let login = account.parent_id.as_deref();
        let read = |rows: Vec<Value>| -> Result<Option<i64>, ConnectorError> {
            rows.first()
                .map(|row| {
                    money::micros_to_minor(
                        int64(row, "campaignBudget.amountMicros")?,
                        &account.currency,
                    )
                })
                .transpose()
        };
        let query = format!(
            "SELECT campaign_budget.id, campaign_budget.amount_micros FROM campaign_budget \
             WHERE campaign_budget.id = {}",
            budget
                .external_id
                .parse::<u64>()
                .map_err(|_| ConnectorError::invalid("a Google Ads budget ID is a number"))?
        );
        let previous_minor = read(self.search(tokens, customer, login, &query).await?)?;
        let resource = format!(
            "customers/{customer}/campaignBudgets/{}",
            budget.external_id
        );
        let body = json!({
            "operations": [{
                "updateMask": "amount_micros",
                "update": { "resourceName": resource, "amountMicros": micros.to_string() },
            }],
            "partialFailure": false,
            "validateOnly": false,
            "responseContentType": "MUTABLE_RESOURCE",
        });
        let url = self.endpoint(&format!("customers/{customer}/campaignBudgets:mutate"))?;
        let _: Value = self
            .call(
                self.request(reqwest::Method::POST, url, tokens, login)
                    .json(&body),
            )
            .await?;
        let applied_minor = read(self.search(tokens, customer, login, &query).await?)?
            .ok_or_else(|| ConnectorError::protocol("the budget is gone after the write"))?;
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
    fn the_documented_quota_error_waits_its_retry_delay() {
        // The real 429 body quoted in the notes.
        let body = r#"{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED",
   "details":[{"@type":"type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure",
     "errors":[{"errorCode":{"quotaError":"RESOURCE_EXHAUSTED"},
                "message":"Too many requests. Retry in 40591 seconds.",
                "details":{"quotaErrorDetails":{"rateScope":"DEVELOPER","rateName":"Number of operations for basic access","retryDelay":"40591s"}}}],
     "requestId":"xN_KaZRHZuU6Rlgt3cM2uQ"}]}}"#;
        match classify(&reply(429, body)) {
            ConnectorError::RateLimited {
                retry_after,
                message,
            } => {
                assert_eq!(retry_after, std::time::Duration::from_secs(40591));
                assert!(message.contains("Retry in 40591"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn expired_revoked_transient_and_refused_are_told_apart() {
        let failure = |category: &str, code: &str, status: &str| {
            format!(
                r#"{{"error":{{"code":400,"message":"m","status":"{status}","details":[{{"@type":"type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure","errors":[{{"errorCode":{{"{category}":"{code}"}},"message":"{code} happened"}}]}}]}}}}"#
            )
        };
        assert!(matches!(
            classify(&reply(
                401,
                &failure(
                    "authenticationError",
                    "OAUTH_TOKEN_EXPIRED",
                    "UNAUTHENTICATED"
                )
            )),
            ConnectorError::TokenExpired { .. }
        ));
        assert!(matches!(
            classify(&reply(
                401,
                &failure(
                    "authenticationError",
                    "OAUTH_TOKEN_REVOKED",
                    "UNAUTHENTICATED"
                )
            )),
            ConnectorError::Reauthorize { .. }
        ));
        assert!(matches!(
            classify(&reply(
                409,
                &failure("databaseError", "CONCURRENT_MODIFICATION", "ABORTED")
            )),
            ConnectorError::Transient { .. }
        ));
        assert_eq!(
            classify(&reply(
                400,
                &failure(
                    "campaignBudgetError",
                    "BUDGET_BELOW_PER_DAY_MINIMUM",
                    "INVALID_ARGUMENT"
                )
            )),
            ConnectorError::rejected(
                "BUDGET_BELOW_PER_DAY_MINIMUM",
                "BUDGET_BELOW_PER_DAY_MINIMUM happened"
            )
        );
        assert!(matches!(
            classify(&reply(503, "<html>unavailable</html>")),
            ConnectorError::Transient { .. }
        ));
        assert!(matches!(
            classify(&reply(403, r#"{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}"#)),
            ConnectorError::Rejected { ref code, .. } if code == "PERMISSION_DENIED"
        ));
    }

    #[test]
    fn a_prohibited_access_is_refused_not_waited_for() {
        let body = r#"{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED",
   "details":[{"@type":"type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
     "errors":[{"errorCode":{"quotaError":"ACCESS_PROHIBITED"},"message":"Access is prohibited."}],
     "requestId":"req"}]}}"#;
        assert_eq!(
            classify(&reply(429, body)),
            ConnectorError::rejected("ACCESS_PROHIBITED", "Access is prohibited.")
        );
        let temporary = body.replace("ACCESS_PROHIBITED", "RESOURCE_TEMPORARILY_EXHAUSTED");
        assert!(matches!(
            classify(&reply(429, &temporary)),
            ConnectorError::RateLimited { .. }
        ));
    }

    #[test]
    fn campaign_types_map_to_channels() {
        assert_eq!(channel("SEARCH"), Channel::Search);
        assert_eq!(channel("SHOPPING"), Channel::Shopping);
        assert_eq!(channel("VIDEO"), Channel::Video);
        assert_eq!(channel("DEMAND_GEN"), Channel::Social);
        assert_eq!(channel("PERFORMANCE_MAX"), Channel::Other);
    }
}
