//! LinkedIn Marketing API, over Rest.li 2.0 (`../shared/PLATFORM_APIS.md`, section 3).
//!
//! - OAuth2 authorization code with state (LinkedIn's web flow takes no PKCE). The token
//!   endpoint's answer has no `token_type`, which RFC 6749 requires and the `oauth2` crate
//!   insists on, so the authorization URL comes from the `oauth2` crate and the two token
//!   calls are made here. Access tokens live 60 days; refresh tokens (for approved partners)
//!   live 365 days **from the first consent**, and a refresh does not extend them: the
//!   remaining life comes back as `refresh_token_expires_in` and is kept.
//! - Every API call carries `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0`. Query
//!   strings are Rest.li: `List(...)`, `(key:value)` and their separators go unencoded, the
//!   URNs inside them are percent-encoded, so queries are written by hand, not by a form
//!   encoder.
//! - Ad accounts and campaigns are searched with cursor paging (`metadata.nextPageToken`).
//! - `adAnalytics` has no paging and caps its answer: a capped answer is asked again in two
//!   halves of the date range. Analytics days are UTC days, so accounts report `UTC`.
//! - Budgets are a campaign's `dailyBudget`, a major-unit decimal string in the account's
//!   currency, written with a Rest.li `PARTIAL_UPDATE` (HTTP 204).
//! - LinkedIn signals nothing with its 429s: the wait is [`Config::throttle_wait`].

use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use domain::dto::ad_data::Channel;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::http::{Reply, send};
use crate::oauth::{OAuthApp, http_client};
use crate::{
    AdAccount, AdPlatform, AuthorizeRequest, BudgetOwner, BudgetRef, BudgetWrite, Campaign,
    CodeExchange, ConnectorError, Conversions, DailyRow, DateRange, Platform, Tokens, money,
};

/// The monthly API version this client speaks (each is served for at least a year).
pub const API_VERSION: &str = "202607";
/// Campaign management and reporting.
pub const SCOPES: [&str; 3] = ["r_ads", "rw_ads", "r_ads_reporting"];
/// Days per analytics call (LinkedIn has no paging there; shorter spans stay under its cap).
pub const MAX_REPORT_DAYS: i64 = 30;
/// The most elements LinkedIn returns from one analytics call.
pub const RESULT_CAP: usize = 15_000;
/// The smallest daily budget, in major units of the account's currency (LinkedIn's floor is
/// about 10 US dollars a day for Sponsored Content and Text Ads).
pub const MIN_DAILY_BUDGET: i64 = 10;
/// The analytics fields asked for (LinkedIn allows 20 at most).
pub const REPORT_FIELDS: &str = "dateRange,pivotValues,impressions,clicks,costInLocalCurrency,\
                                 externalWebsiteConversions,conversionValueInLocalCurrency";

/// Where LinkedIn is reached and with which app.
#[derive(Clone)]
pub struct Config {
    pub client_id: String,
    pub client_secret: String,
    pub authorize_url: Url,
    pub token_url: Url,
    pub revoke_url: Url,
    /// `https://api.linkedin.com/rest/`, with its trailing slash.
    pub api_base: Url,
    /// `LinkedIn-Version`, `YYYYMM`.
    pub api_version: String,
    /// The wait after a 429, which LinkedIn sends without `Retry-After`.
    pub throttle_wait: Duration,
    /// Elements per search page (LinkedIn allows up to 1,000).
    pub page_size: u32,
    /// The analytics answer size at which a date range is asked again in halves.
    pub result_cap: usize,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("linkedin::Config")
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
    /// The real LinkedIn.
    pub fn production(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            authorize_url: url("https://www.linkedin.com/oauth/v2/authorization"),
            token_url: url("https://www.linkedin.com/oauth/v2/accessToken"),
            revoke_url: url("https://www.linkedin.com/oauth/v2/revoke"),
            api_base: url("https://api.linkedin.com/rest/"),
            api_version: API_VERSION.to_owned(),
            throttle_wait: Duration::from_secs(60),
            page_size: 500,
            result_cap: RESULT_CAP,
        }
    }

    /// Every endpoint under `base`, at the real paths (the local fake).
    pub fn at(base: &Url, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        let join = |path: &str| base.join(path).unwrap_or_else(|_| base.clone());
        Self {
            authorize_url: join("oauth/v2/authorization"),
            token_url: join("oauth/v2/accessToken"),
            revoke_url: join("oauth/v2/revoke"),
            api_base: join("rest/"),
            ..Self::production(client_id, client_secret)
        }
    }

    fn oauth(&self) -> OAuthApp {
        OAuthApp {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            authorize_url: self.authorize_url.clone(),
            token_url: self.token_url.clone(),
            scopes: SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            pkce: false,
            extra_params: Vec::new(),
        }
    }
}

/// The LinkedIn client.
pub struct Client {
    config: Config,
    http: reqwest::Client,
}

/// A URN as it goes inside a Rest.li `List(...)`: percent-encoded.
pub fn encode_urn(urn: &str) -> String {
    url::form_urlencoded::byte_serialize(urn.as_bytes()).collect()
}

/// The ID at the end of a URN: `urn:li:sponsoredCampaign:612345001` → `612345001`.
pub fn urn_id(urn: &str) -> &str {
    urn.rsplit(':').next().unwrap_or(urn)
}

/// A Rest.li date: `(year:2026,month:10,day:1)`.
fn restli_date(day: NaiveDate) -> String {
    use chrono::Datelike as _;
    format!(
        "(year:{},month:{},day:{})",
        day.year(),
        day.month(),
        day.day()
    )
}

/// Every LinkedIn campaign is sponsored content, text ads or messages on LinkedIn.
pub fn channel(_campaign_type: &str) -> Channel {
    Channel::ProfessionalSocial
}

/// Classifies a failed LinkedIn API answer. LinkedIn's statuses mean what they say; the body
/// (`{"status","serviceErrorCode","code","message"}`) adds the reason.
pub fn classify(reply: &Reply, throttle_wait: Duration) -> ConnectorError {
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let message = body["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("HTTP {}: {}", reply.status, reply.snippet()));
    let code = body["code"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| body["serviceErrorCode"].as_i64().map(|c| c.to_string()));
    match reply.status.as_u16() {
        429 => ConnectorError::rate_limited(throttle_wait, message),
        401 if code.as_deref() == Some("REVOKED_ACCESS_TOKEN")
            || body["serviceErrorCode"].as_i64() == Some(65601) =>
        {
            ConnectorError::reauthorize(message)
        }
        // Expired, or invalid: a refresh is worth one try; without one, the person reconnects.
        401 => ConnectorError::expired(message),
        426 => ConnectorError::rejected(
            code.unwrap_or_else(|| "VERSION_SUNSET".into()),
            format!("LinkedIn no longer serves this API version: {message}"),
        ),
        _ if reply.is_server_trouble() => ConnectorError::transient(message),
        _ => match code {
            Some(code) => ConnectorError::rejected(code, message),
            None if body.is_object() => {
                ConnectorError::rejected(reply.status.as_u16().to_string(), message)
            }
            None => ConnectorError::protocol(message),
        },
    }
}

/// LinkedIn's token answer (without the `token_type` RFC 6749 asks for).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<i64>,
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<i64>,
    /// Comma-separated.
    scope: Option<String>,
}

/// A decimal string that may be absent (no activity of that kind): absent is zero.
fn decimal_or_zero(v: &Value) -> &str {
    v.as_str().unwrap_or("0")
}

fn count(v: &Value, name: &str) -> Result<i64, ConnectorError> {
    match v {
        Value::Null => Ok(0),
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| ConnectorError::protocol(format!("{name} is not a count: {n}"))),
        other => Err(ConnectorError::protocol(format!(
            "{name} is not a count: {other}"
        ))),
    }
}

/// An element's `id`: a JSON number (a string in some versions).
fn id_of(element: &Value, what: &str) -> Result<String, ConnectorError> {
    match &element["id"] {
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        _ => Err(ConnectorError::protocol(format!(
            "a LinkedIn {what} without id"
        ))),
    }
}

fn date_of(v: &Value) -> Result<NaiveDate, ConnectorError> {
    let part = |k: &str| {
        v[k].as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| ConnectorError::protocol(format!("a Rest.li date without {k}: {v}")))
    };
    let year = i32::try_from(part("year")?)
        .map_err(|_| ConnectorError::protocol(format!("bad year in {v}")))?;
    NaiveDate::from_ymd_opt(year, part("month")?, part("day")?)
        .ok_or_else(|| ConnectorError::protocol(format!("not a date: {v}")))
}

impl Client {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            http: http_client(),
        }
    }

    /// A Rest.li request: `path` under the API base, `query` written as it is.
    fn request(
        &self,
        method: reqwest::Method,
        tokens: &Tokens,
        path: &str,
        query: Option<&str>,
    ) -> Result<reqwest::RequestBuilder, ConnectorError> {
        let mut url = self
            .config
            .api_base
            .join(path)
            .map_err(|e| ConnectorError::invalid(format!("bad LinkedIn URL {path}: {e}")))?;
        url.set_query(query);
        Ok(self
            .http
            .request(method, url)
            .bearer_auth(&tokens.access_token)
            .header("LinkedIn-Version", &self.config.api_version)
            .header("X-Restli-Protocol-Version", "2.0.0"))
    }

    async fn get(&self, tokens: &Tokens, path: &str, query: &str) -> Result<Value, ConnectorError> {
        let query = Some(query).filter(|q| !q.is_empty());
        let reply = send(self.request(reqwest::Method::GET, tokens, path, query)?).await?;
        if reply.status.is_success() {
            reply.json()
        } else {
            Err(classify(&reply, self.config.throttle_wait))
        }
    }

    /// Every element of a search, following `metadata.nextPageToken`.
    async fn search(
        &self,
        tokens: &Tokens,
        path: &str,
        query: &str,
    ) -> Result<Vec<Value>, ConnectorError> {
        let mut out = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let mut q = format!("{query}&pageSize={}", self.config.page_size);
            if let Some(token) = &page_token {
                q.push_str("&pageToken=");
                q.extend(url::form_urlencoded::byte_serialize(token.as_bytes()));
            }
            let page = self.get(tokens, path, &q).await?;
            if let Some(elements) = page["elements"].as_array() {
                out.extend(elements.iter().cloned());
            }
            match page["metadata"]["nextPageToken"].as_str() {
                Some(next) if !next.is_empty() => page_token = Some(next.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// A token call; LinkedIn answers errors as `{"error","error_description"}`.
    async fn token(&self, form: &[(&str, &str)]) -> Result<Tokens, ConnectorError> {
        let reply = send(
            self.http
                .post(self.config.token_url.clone())
                .form(form)
                .header(reqwest::header::ACCEPT, "application/json"),
        )
        .await?;
        if !reply.status.is_success() {
            let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
            let error = body["error"].as_str().unwrap_or_default();
            let message = body["error_description"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("HTTP {}: {}", reply.status, reply.snippet()));
            return Err(match error {
                // LinkedIn answers an expired or revoked code or refresh token with either.
                "invalid_grant" | "invalid_request"
                    if message.contains("expired")
                        || message.contains("revoked")
                        || message.contains("invalid") =>
                {
                    ConnectorError::reauthorize(message)
                }
                "" if reply.is_server_trouble() => ConnectorError::transient(message),
                "" => ConnectorError::protocol(message),
                code => ConnectorError::rejected(code, message),
            });
        }
        let answer: TokenAnswer = reply.json()?;
        let now = Utc::now();
        let mut tokens = Tokens::bearer(answer.access_token);
        tokens.expires_at = answer
            .expires_in
            .map(|s| now + chrono::Duration::seconds(s));
        tokens.refresh_token = answer.refresh_token;
        tokens.refresh_expires_at = answer
            .refresh_token_expires_in
            .map(|s| now + chrono::Duration::seconds(s));
        tokens.scopes = answer
            .scope
            .map(|s| {
                s.split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(tokens)
    }

    /// One analytics call over `range`.
    async fn analytics(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        range: DateRange,
    ) -> Result<Vec<Value>, ConnectorError> {
        let query = format!(
            "q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY\
             &dateRange=(start:{},end:{})&accounts=List({})&fields={REPORT_FIELDS}",
            restli_date(range.from),
            restli_date(range.to),
            encode_urn(&format!("urn:li:sponsoredAccount:{}", account.external_id)),
        );
        let answer = self.get(tokens, "adAnalytics", &query).await?;
        Ok(answer["elements"].as_array().cloned().unwrap_or_default())
    }

    /// A campaign's daily budget, in minor units, where it has one.
    async fn daily_budget(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        campaign_id: &str,
    ) -> Result<Option<i64>, ConnectorError> {
        let campaign = self
            .get(
                tokens,
                &format!(
                    "adAccounts/{}/adCampaigns/{campaign_id}",
                    account.external_id
                ),
                "",
            )
            .await?;
        campaign["dailyBudget"]["amount"]
            .as_str()
            .map(|amount| money::decimal_to_minor(amount, &account.currency))
            .transpose()
    }
}

fn row(element: &Value, currency: &str) -> Result<Option<DailyRow>, ConnectorError> {
    let campaign = element["pivotValues"][0]
        .as_str()
        .ok_or_else(|| ConnectorError::protocol("an analytics element without pivotValues"))?;
    let date = date_of(&element["dateRange"]["start"])?;
    let impressions = count(&element["impressions"], "impressions")?;
    let clicks = count(&element["clicks"], "clicks")?;
    let conversions = match &element["externalWebsiteConversions"] {
        Value::Null => 0.0,
        v => v.as_f64().ok_or_else(|| {
            ConnectorError::protocol(format!("externalWebsiteConversions is not a number: {v}"))
        })?,
    };
    let spend_minor =
        money::decimal_to_minor(decimal_or_zero(&element["costInLocalCurrency"]), currency)?;
    let revenue_minor = money::decimal_to_minor(
        decimal_or_zero(&element["conversionValueInLocalCurrency"]),
        currency,
    )?;
    if spend_minor == 0 && impressions == 0 && clicks == 0 && conversions == 0.0 {
        return Ok(None);
    }
    Ok(Some(DailyRow {
        campaign_id: urn_id(campaign).to_owned(),
        date,
        spend_minor,
        impressions,
        clicks,
        conversions,
        revenue_minor,
    }))
}

#[async_trait]
impl AdPlatform for Client {
    fn platform(&self) -> Platform {
        Platform::Linkedin
    }

    fn api_version(&self) -> &str {
        &self.config.api_version
    }

    fn authorize_url(&self, request: &AuthorizeRequest) -> Result<Url, ConnectorError> {
        self.config.oauth().authorize_url(request)
    }

    async fn exchange_code(&self, callback: &CodeExchange) -> Result<Tokens, ConnectorError> {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", &callback.code),
            ("redirect_uri", &callback.redirect_uri),
            ("client_id", &self.config.client_id),
            ("client_secret", &self.config.client_secret),
        ])
        .await
    }

    async fn refresh(&self, tokens: &Tokens) -> Result<Tokens, ConnectorError> {
        let Some(refresh) = &tokens.refresh_token else {
            return Err(ConnectorError::reauthorize(
                "LinkedIn gave this app no refresh token: connect the account again",
            ));
        };
        if tokens.refresh_expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(ConnectorError::reauthorize(
                "LinkedIn's refresh token has reached the end of its year: connect the account again",
            ));
        }
        let mut fresh = self
            .token(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", &self.config.client_id),
                ("client_secret", &self.config.client_secret),
            ])
            .await?;
        // Whatever comes back is kept; what does not, stays.
        if fresh.refresh_token.is_none() {
            fresh.refresh_token = tokens.refresh_token.clone();
            fresh.refresh_expires_at = tokens.refresh_expires_at;
        }
        if fresh.scopes.is_empty() {
            fresh.scopes = tokens.scopes.clone();
        }
        fresh.extra = tokens.extra.clone();
        Ok(fresh)
    }

    async fn revoke(&self, tokens: &Tokens) -> Result<(), ConnectorError> {
        let reply = send(self.http.post(self.config.revoke_url.clone()).form(&[
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.as_str()),
            ("token", tokens.access_token.as_str()),
        ]))
        .await?;
        // 400: the token is already unknown, which is what we wanted.
        if reply.status.is_success() || reply.status == reqwest::StatusCode::BAD_REQUEST {
            Ok(())
        } else if reply.is_server_trouble() {
            Err(ConnectorError::transient(format!(
                "HTTP {}: {}",
                reply.status,
                reply.snippet()
            )))
        } else {
            Err(ConnectorError::rejected(
                reply.status.as_u16().to_string(),
                reply.snippet(),
            ))
        }
    }

    async fn list_accounts(&self, tokens: &Tokens) -> Result<Vec<AdAccount>, ConnectorError> {
        let elements = self
            .search(
                tokens,
                "adAccounts",
                "q=search&search=(status:(values:List(ACTIVE)))",
            )
            .await?;
        elements
            .iter()
            .map(|a| {
                let id = id_of(a, "ad account")?;
                let currency = a["currency"]
                    .as_str()
                    .ok_or_else(|| {
                        ConnectorError::protocol(format!(
                            "LinkedIn ad account {id} has no currency"
                        ))
                    })?
                    .to_owned();
                money::exponent(&currency)?;
                Ok(AdAccount {
                    name: a["name"].as_str().unwrap_or_default().to_owned(),
                    external_id: id,
                    currency,
                    // adAnalytics days are UTC days.
                    time_zone: "UTC".to_owned(),
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
        let elements = self
            .search(
                tokens,
                &format!("adAccounts/{}/adCampaigns", account.external_id),
                "q=search&search=(status:(values:List(ACTIVE,PAUSED)))",
            )
            .await?;
        elements
            .iter()
            .map(|c| {
                let id = id_of(c, "campaign")?;
                let daily = c["dailyBudget"]["amount"]
                    .as_str()
                    .map(|amount| money::decimal_to_minor(amount, &account.currency))
                    .transpose()?;
                Ok(Campaign {
                    name: c["name"].as_str().unwrap_or_default().to_owned(),
                    status: c["status"].as_str().unwrap_or_default().to_owned(),
                    channel: channel(c["type"].as_str().unwrap_or_default()),
                    budget: daily.map(|_| BudgetRef {
                        owner: BudgetOwner::Campaign,
                        external_id: id.clone(),
                    }),
                    daily_budget_minor: daily,
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
        let mut out = Vec::new();
        // Ranges still to ask for, in order; a capped answer puts its two halves back.
        let mut pending: Vec<DateRange> = range.chunks(MAX_REPORT_DAYS);
        pending.reverse();
        while let Some(span) = pending.pop() {
            let elements = self.analytics(tokens, account, span).await?;
            if elements.len() >= self.config.result_cap {
                if span.days() == 1 {
                    return Err(ConnectorError::protocol(format!(
                        "LinkedIn capped its analytics at {} elements for the single day {}",
                        elements.len(),
                        span.from
                    )));
                }
                let half = span.days() / 2;
                let mid = span.from + chrono::Duration::days(half - 1);
                pending.push(DateRange::new(mid + chrono::Duration::days(1), span.to)?);
                pending.push(DateRange::new(span.from, mid)?);
                continue;
            }
            for element in &elements {
                if let Some(row) = row(element, &account.currency)? {
                    out.push(row);
                }
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
        if budget.owner != BudgetOwner::Campaign {
            return Err(ConnectorError::invalid(format!(
                "LinkedIn budgets are set on campaigns, not on {}",
                budget.owner.as_str()
            )));
        }
        let min_minor = money::decimal_value_to_minor(MIN_DAILY_BUDGET.into(), &account.currency)?;
        let amount = money::minor_to_decimal(amount_minor, &account.currency)?;
        if amount_minor < min_minor {
            return Err(ConnectorError::rejected(
                "FIELD_VALUE_TOO_LOW",
                format!(
                    "a daily budget of {amount} {} is below LinkedIn's minimum of {MIN_DAILY_BUDGET} {}",
                    account.currency, account.currency
                ),
            ));
        }
        let previous_minor = self
            .daily_budget(tokens, account, &budget.external_id)
            .await?;
        let path = format!(
            "adAccounts/{}/adCampaigns/{}",
            account.external_id, budget.external_id
        );
        let reply = send(
            self.request(reqwest::Method::POST, tokens, &path, None)?
                .header("X-RestLi-Method", "PARTIAL_UPDATE")
                .json(&json!({ "patch": { "$set": { "dailyBudget": {
                    "amount": amount.to_string(),
                    "currencyCode": account.currency,
                }}}})),
        )
        .await?;
        if !reply.status.is_success() {
            return Err(classify(&reply, self.config.throttle_wait));
        }
        let applied_minor = self
            .daily_budget(tokens, account, &budget.external_id)
            .await?
            .ok_or_else(|| {
                ConnectorError::protocol("the campaign has no daily budget after the write")
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
    fn statuses_and_codes_are_told_apart() {
        let wait = Duration::from_secs(60);
        assert_eq!(
            classify(
                &reply(
                    429,
                    r#"{"status":429,"message":"Resource level throttle limit for calls to this resource is reached."}"#
                ),
                wait
            ),
            ConnectorError::rate_limited(
                wait,
                "Resource level throttle limit for calls to this resource is reached."
            )
        );
        assert_eq!(
            classify(
                &reply(
                    401,
                    r#"{"status":401,"serviceErrorCode":65600,"message":"Invalid access token"}"#
                ),
                wait
            ),
            ConnectorError::expired("Invalid access token")
        );
        assert!(matches!(
            classify(
                &reply(
                    401,
                    r#"{"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"The token used in the request has been revoked by the user"}"#
                ),
                wait
            ),
            ConnectorError::Reauthorize { .. }
        ));
        assert_eq!(
            classify(
                &reply(
                    400,
                    r#"{"status":400,"code":"FIELD_VALUE_TOO_LOW","message":"dailyBudget is too low"}"#
                ),
                wait
            ),
            ConnectorError::rejected("FIELD_VALUE_TOO_LOW", "dailyBudget is too low")
        );
        assert!(matches!(
            classify(&reply(426, r#"{"status":426,"message":"Requested version 202301 is not active"}"#), wait),
            ConnectorError::Rejected { ref code, .. } if code == "VERSION_SUNSET"
        ));
        assert!(matches!(
            classify(&reply(504, "<html>gateway timeout</html>"), wait),
            ConnectorError::Transient { .. }
        ));
        assert!(matches!(
            classify(&reply(404, "not found"), wait),
            ConnectorError::Protocol { .. }
        ));
    }

    #[test]
    fn urns_are_encoded_inside_lists_and_dates_are_restli() {
        assert_eq!(
            encode_urn("urn:li:sponsoredAccount:512345678"),
            "urn%3Ali%3AsponsoredAccount%3A512345678"
        );
        assert_eq!(urn_id("urn:li:sponsoredCampaign:612345001"), "612345001");
        assert_eq!(
            restli_date("2026-10-01".parse().unwrap()),
            "(year:2026,month:10,day:1)"
        );
    }

    #[test]
    fn an_analytics_element_becomes_a_row_and_an_empty_one_none() {
        let element = json!({
            "dateRange": {"start": {"year": 2026, "month": 10, "day": 1}, "end": {"year": 2026, "month": 10, "day": 1}},
            "pivotValues": ["urn:li:sponsoredCampaign:612345001"],
            "impressions": 12500, "clicks": 185,
            "costInLocalCurrency": "107.5300000000000335346",
            "externalWebsiteConversions": 3,
            "conversionValueInLocalCurrency": "240.5",
        });
        let row = row(&element, "EUR").unwrap().unwrap();
        assert_eq!(row.campaign_id, "612345001");
        assert_eq!(row.date, "2026-10-01".parse::<NaiveDate>().unwrap());
        assert_eq!(row.spend_minor, 10_753);
        assert_eq!(row.revenue_minor, 24_050);
        assert_eq!((row.impressions, row.clicks), (12_500, 185));
        assert_eq!(row.conversions, 3.0);

        let quiet = json!({
            "dateRange": {"start": {"year": 2026, "month": 10, "day": 2}},
            "pivotValues": ["urn:li:sponsoredCampaign:612345001"],
            "impressions": 0, "clicks": 0, "costInLocalCurrency": "0",
        });
        assert_eq!(super::row(&quiet, "EUR").unwrap(), None);
    }
}
