//! A local LinkedIn Marketing API: the authorization page and token endpoint (whose answer has
//! no `token_type`, as LinkedIn's has none, and whose refresh tokens count their year from the
//! first consent), token revocation, `adAccounts` and `adCampaigns` searches with cursor
//! paging, a campaign read and its Rest.li `PARTIAL_UPDATE`, and `adAnalytics` by day, without
//! paging and capped at [`RESULT_CAP`] elements (or [`FakeState::answer_cap`]).
//!
//! Every API call must carry `LinkedIn-Version` (missing: 400; older than
//! [`OLDEST_VERSION`]: 426) and `X-Restli-Protocol-Version: 2.0.0`. Rest.li queries must leave
//! `List( ) : ,` unencoded; an encoded parenthesis gets the 400 real clients run into. A
//! throttle is a 429 with no header that says how long.

// Refusals are whole actix responses, carried as errors and built only when a request is
// refused.
#![allow(clippy::result_large_err)]

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use domain::dto::ad_data::Channel;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    AccessCheck, Dataset, FakeAccount, FakeCampaign, FakeServer, FakeState, Injected, Shared,
};
use crate::BudgetOwner;

pub const CLIENT_ID: &str = "78fakelinkedin";
pub const CLIENT_SECRET: &str = "fake-linkedin-client-secret";
/// The oldest `LinkedIn-Version` the fake still serves.
pub const OLDEST_VERSION: &str = "202512";
/// The most analytics elements one call returns, as LinkedIn's (tests set a smaller
/// [`FakeState::answer_cap`] to exercise the client's splitting with small data).
pub const RESULT_CAP: usize = crate::linkedin::RESULT_CAP;
/// Access and refresh token lives, in seconds (60 and 365 days).
pub const ACCESS_LIFETIME: u64 = 5_184_000;
pub const REFRESH_LIFETIME: u64 = 31_536_000;
/// The smallest daily budget the fake accepts, in major units.
pub const MIN_DAILY_BUDGET: i64 = 10;

/// Two accounts with Sponsored Content, Text Ads and Message Ads campaigns that own daily
/// budgets, and a Dynamic Ads campaign with a total budget only.
pub fn dataset(first_day: NaiveDate, last_day: NaiveDate) -> Dataset {
    Dataset::new(
        508_000_000,
        &[
            (
                "SPONSORED_UPDATES",
                Channel::ProfessionalSocial,
                BudgetOwner::Campaign,
            ),
            (
                "TEXT_AD",
                Channel::ProfessionalSocial,
                BudgetOwner::Campaign,
            ),
            (
                "SPONSORED_INMAILS",
                Channel::ProfessionalSocial,
                BudgetOwner::Campaign,
            ),
            ("DYNAMIC", Channel::ProfessionalSocial, BudgetOwner::None),
        ],
        first_day,
        last_day,
    )
}

pub fn state(first_day: NaiveDate, last_day: NaiveDate) -> FakeState {
    FakeState::new(dataset(first_day, last_day), CLIENT_ID, CLIENT_SECRET)
}

pub fn start(state: FakeState) -> std::io::Result<FakeServer> {
    FakeServer::start(state, configure)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/v2/authorization", web::get().to(authorize))
        .route("/oauth/v2/accessToken", web::post().to(access_token))
        .route("/oauth/v2/revoke", web::post().to(revoke))
        .route("/rest/adAccounts", web::get().to(accounts))
        .route(
            "/rest/adAccounts/{account}/adCampaigns",
            web::get().to(campaigns),
        )
        .route(
            "/rest/adAccounts/{account}/adCampaigns/{campaign}",
            web::get().to(campaign),
        )
        .route(
            "/rest/adAccounts/{account}/adCampaigns/{campaign}",
            web::post().to(update_campaign),
        )
        .route("/rest/adAnalytics", web::get().to(analytics));
}

/// LinkedIn's error envelope.
fn error(
    status: u16,
    code: Option<&str>,
    service_code: Option<i64>,
    message: &str,
) -> HttpResponse {
    let mut body = json!({ "status": status, "message": message });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    if let Some(sc) = service_code {
        body["serviceErrorCode"] = json!(sc);
    }
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
        .insert_header(("x-li-uuid", "fake-uuid"))
        .json(body)
}

fn oauth_error(error: &str, description: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "error": error, "error_description": description }))
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    scope: String,
}

/// The consent page: consents at once and sends the browser back with a code.
async fn authorize(data: web::Data<Shared>, q: web::Query<AuthorizeQuery>) -> HttpResponse {
    let mut state = data.lock();
    state.record("GET", "/oauth/v2/authorization", "consent");
    if q.client_id != state.client_id {
        return HttpResponse::BadRequest().body("The passed in client_id is invalid");
    }
    if q.response_type != "code" {
        return HttpResponse::BadRequest().body("We only support a response_type of \"code\"");
    }
    let granted: Vec<&str> = q.scope.split([' ', ',']).collect();
    if let Some(missing) = crate::linkedin::SCOPES
        .iter()
        .find(|s| !granted.contains(s))
    {
        return HttpResponse::BadRequest().body(format!("the app must ask for {missing}"));
    }
    let code = state.issue_code(&q.redirect_uri, None);
    match super::consent_redirect(&q.redirect_uri, &[("code", &code), ("state", &q.state)]) {
        Ok(to) => HttpResponse::Found()
            .insert_header(("Location", to))
            .finish(),
        Err(_) => HttpResponse::BadRequest().body("invalid redirect_uri"),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    refresh_token: Option<String>,
}

/// The token answer, as LinkedIn writes it: no `token_type`, scopes comma-separated.
fn token_answer(access: &str, refresh: &str, refresh_left: u64) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "access_token": access,
        "expires_in": ACCESS_LIFETIME,
        "refresh_token": refresh,
        "refresh_token_expires_in": refresh_left,
        "scope": crate::linkedin::SCOPES.join(","),
    }))
}

async fn access_token(data: web::Data<Shared>, form: web::Form<TokenForm>) -> HttpResponse {
    let mut state = data.lock();
    if form.client_id.as_deref() != Some(state.client_id.as_str())
        || form.client_secret.as_deref() != Some(state.client_secret.as_str())
    {
        state.record("POST", "/oauth/v2/accessToken", "invalid_client");
        return HttpResponse::Unauthorized().json(json!({
            "error": "invalid_client", "error_description": "Client authentication failed",
        }));
    }
    match form.grant_type.as_str() {
        "authorization_code" => {
            if let Err(why) = state.redeem_code(
                form.code.as_deref().unwrap_or_default(),
                form.redirect_uri.as_deref().unwrap_or_default(),
                None,
            ) {
                state.record("POST", "/oauth/v2/accessToken", "invalid_grant");
                return oauth_error(
                    "invalid_request",
                    &format!(
                        "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. ({why})"
                    ),
                );
            }
            let (access, refresh) = state.issue_tokens(true);
            let refresh = refresh.unwrap_or_default();
            state.consented_at.insert(refresh.clone(), Instant::now());
            state.record("POST", "/oauth/v2/accessToken", "issued");
            token_answer(&access, &refresh, REFRESH_LIFETIME)
        }
        "refresh_token" => {
            let rt = form.refresh_token.clone().unwrap_or_default();
            let consented = state.consented_at.get(&rt).copied();
            let valid = !state.faults.revoked && state.refresh_tokens.get(&rt) == Some(&true);
            let (true, Some(consented)) = (valid, consented) else {
                state.record("POST", "/oauth/v2/accessToken", "invalid_grant");
                return oauth_error(
                    "invalid_request",
                    "The provided authorization grant or refresh token is invalid, expired or revoked.",
                );
            };
            // The same refresh token, with what is left of its year.
            let (access, _) = state.issue_tokens(false);
            let left = REFRESH_LIFETIME.saturating_sub(consented.elapsed().as_secs());
            state.record("POST", "/oauth/v2/accessToken", "refreshed");
            token_answer(&access, &rt, left)
        }
        other => oauth_error(
            "unsupported_grant_type",
            &format!("grant_type {other} is not supported"),
        ),
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    client_id: String,
    client_secret: String,
    token: String,
}

async fn revoke(data: web::Data<Shared>, form: web::Form<RevokeForm>) -> HttpResponse {
    let mut state = data.lock();
    if form.client_id != state.client_id || form.client_secret != state.client_secret {
        state.record("POST", "/oauth/v2/revoke", "invalid_client");
        return HttpResponse::Unauthorized().json(json!({
            "error": "invalid_client", "error_description": "Client authentication failed",
        }));
    }
    if !state.access_tokens.contains_key(&form.token) {
        state.record("POST", "/oauth/v2/revoke", "invalid_token");
        return oauth_error("invalid_request", "The token is invalid or already revoked");
    }
    state.faults.revoked = true;
    state.record("POST", "/oauth/v2/revoke", "revoked");
    HttpResponse::Ok().finish()
}

/// The raw query string's parameters, values left as sent (Rest.li values are not form
/// encoded).
fn raw_params(req: &HttpRequest) -> Vec<(String, String)> {
    req.query_string()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn decode(raw: &str) -> String {
    url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The headers, the token and the injected faults, as LinkedIn answers them.
fn guard(state: &mut FakeState, req: &HttpRequest) -> Result<(), HttpResponse> {
    let method = req.method().as_str().to_owned();
    let path = req.path().to_owned();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let refuse = |state: &mut FakeState, outcome: &str, response: HttpResponse| {
        state.record(&method, &path, outcome);
        Err(response)
    };
    match header("LinkedIn-Version") {
        None => {
            return refuse(
                state,
                "rejected",
                error(
                    400,
                    Some("VERSION_MISSING"),
                    None,
                    "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                ),
            );
        }
        Some(v) if v.len() != 6 || !v.bytes().all(|b| b.is_ascii_digit()) => {
            return refuse(
                state,
                "rejected",
                error(
                    400,
                    Some("INVALID_VERSION"),
                    None,
                    &format!("Invalid version {v}"),
                ),
            );
        }
        Some(v) if v.as_str() < OLDEST_VERSION => {
            return refuse(
                state,
                "rejected",
                error(
                    426,
                    Some("NONEXISTENT_VERSION"),
                    None,
                    &format!("Requested version {v} is not active"),
                ),
            );
        }
        Some(_) => {}
    }
    if header("X-Restli-Protocol-Version").as_deref() != Some("2.0.0") {
        return refuse(
            state,
            "rejected",
            error(
                400,
                None,
                None,
                "X-Restli-Protocol-Version 2.0.0 is required",
            ),
        );
    }
    let raw = req.query_string().to_ascii_uppercase();
    if ["%28", "%29", "%2C"].iter().any(|enc| raw.contains(enc)) {
        return refuse(
            state,
            "rejected",
            error(
                400,
                Some("ILLEGAL_ARGUMENT"),
                None,
                "Invalid query parameters passed to request: Rest.li syntax characters must not be encoded",
            ),
        );
    }
    let token = header("Authorization").and_then(|v| v.strip_prefix("Bearer ").map(str::to_owned));
    let refused = match state.check_access(token.as_deref()) {
        AccessCheck::Ok => None,
        AccessCheck::Missing | AccessCheck::Invalid => Some((
            "invalid",
            error(401, None, Some(65600), "Invalid access token"),
        )),
        AccessCheck::Expired => Some((
            "expired",
            error(
                401,
                Some("EXPIRED_ACCESS_TOKEN"),
                Some(65602),
                "The token used in the request has expired",
            ),
        )),
        AccessCheck::Revoked => Some((
            "revoked",
            error(
                401,
                Some("REVOKED_ACCESS_TOKEN"),
                Some(65601),
                "The token used in the request has been revoked by the user",
            ),
        )),
    };
    if let Some((outcome, response)) = refused {
        return refuse(state, outcome, response);
    }
    match state.take_fault() {
        Some(Injected::Throttle(_)) => refuse(
            state,
            "throttled",
            // No Retry-After, no rate-limit headers: LinkedIn says nothing about when.
            error(
                429,
                None,
                None,
                "Resource level throttle limit for calls to this resource is reached.",
            ),
        ),
        Some(Injected::Fail) => refuse(
            state,
            "failed",
            error(500, None, None, "Internal Server Error"),
        ),
        None => Ok(()),
    }
}

/// One page of `items` after the cursor in `params`, with the next cursor.
fn page(items: Vec<Value>, params: &[(String, String)]) -> Result<Value, HttpResponse> {
    let size = param(params, "pageSize")
        .map(|s| s.parse::<usize>())
        .transpose()
        .map_err(|_| error(400, None, None, "pageSize must be a number"))?
        .unwrap_or(100)
        .clamp(1, 1000);
    let offset = match param(params, "pageToken").map(decode) {
        None => 0,
        Some(token) => token
            .strip_prefix("cursor-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| error(400, None, None, "Invalid pageToken"))?,
    };
    let end = (offset + size).min(items.len());
    let mut metadata = json!({});
    if end < items.len() {
        metadata["nextPageToken"] = json!(format!("cursor-{end}"));
    }
    Ok(json!({
        "elements": items[offset..end],
        "metadata": metadata,
        "paging": { "start": offset, "count": size, "links": [] },
    }))
}

/// The statuses a `search=(status:(values:List(...)))` asks for.
fn statuses(params: &[(String, String)]) -> Result<Vec<String>, HttpResponse> {
    if param(params, "q") != Some("search") {
        return Err(error(
            400,
            None,
            None,
            "this fake serves the search finder only",
        ));
    }
    let search = param(params, "search").unwrap_or_default();
    let inner = search
        .strip_prefix("(status:(values:List(")
        .and_then(|s| s.strip_suffix(")))"))
        .ok_or_else(|| {
            error(
                400,
                Some("ILLEGAL_ARGUMENT"),
                None,
                &format!("Invalid value for param search: {search}"),
            )
        })?;
    Ok(inner.split(',').map(str::to_owned).collect())
}

fn account_json(account: &FakeAccount) -> Value {
    json!({
        "id": account.id.parse::<i64>().unwrap_or_default(),
        "name": account.name,
        "currency": account.currency,
        "status": "ACTIVE",
        "type": "BUSINESS",
        "reference": "urn:li:organization:1234",
        "test": false,
    })
}

fn campaign_json(state: &FakeState, account: &FakeAccount, c: &FakeCampaign) -> Value {
    let id = c.id.parse::<i64>().unwrap_or_default();
    let mut out = json!({
        "id": id,
        "name": c.name,
        "status": c.status,
        "type": c.kind,
        "account": format!("urn:li:sponsoredAccount:{}", account.id),
        "campaignGroup": format!("urn:li:sponsoredCampaignGroup:{}", id / 10),
        "costType": "CPM",
        "runSchedule": { "start": 1_767_225_600_000_i64 },
    });
    match state.budgets.get(&c.budget_id) {
        Some(minor) if c.budget_owner == BudgetOwner::Campaign => {
            let amount = crate::money::minor_to_decimal(*minor, &account.currency)
                .map(|d| d.to_string())
                .unwrap_or_default();
            out["dailyBudget"] = json!({ "amount": amount, "currencyCode": account.currency });
        }
        _ => {
            out["totalBudget"] = json!({ "amount": "5000", "currencyCode": account.currency });
        }
    }
    out
}

async fn accounts(data: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let mut state = data.lock();
    if let Err(refused) = guard(&mut state, &req) {
        return refused;
    }
    let params = raw_params(&req);
    let answer = statuses(&params).and_then(|wanted| {
        let items = state
            .dataset
            .accounts
            .iter()
            .filter(|_| wanted.iter().any(|s| s == "ACTIVE"))
            .map(account_json)
            .collect();
        page(items, &params)
    });
    respond(&mut state, &req, answer)
}

fn respond(
    state: &mut FakeState,
    req: &HttpRequest,
    answer: Result<Value, HttpResponse>,
) -> HttpResponse {
    match answer {
        Ok(body) => {
            state.record(req.method().as_str(), req.path(), "ok");
            HttpResponse::Ok().json(body)
        }
        Err(refused) => {
            state.record(req.method().as_str(), req.path(), "rejected");
            refused
        }
    }
}

fn find_account(state: &FakeState, id: &str) -> Result<FakeAccount, HttpResponse> {
    state.dataset.account(id).cloned().ok_or_else(|| {
        error(
            403,
            Some("NO_PERMISSION_ON_ENTITY"),
            Some(100),
            &format!("Not enough permissions to access: urn:li:sponsoredAccount:{id}"),
        )
    })
}

async fn campaigns(
    data: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let mut state = data.lock();
    if let Err(refused) = guard(&mut state, &req) {
        return refused;
    }
    let params = raw_params(&req);
    let answer = find_account(&state, &path).and_then(|account| {
        let wanted = statuses(&params)?;
        let items = account
            .campaigns
            .iter()
            .filter(|c| wanted.contains(&c.status))
            .map(|c| campaign_json(&state, &account, c))
            .collect();
        page(items, &params)
    });
    respond(&mut state, &req, answer)
}

fn find_campaign(
    state: &FakeState,
    account_id: &str,
    campaign_id: &str,
) -> Result<(FakeAccount, FakeCampaign), HttpResponse> {
    let account = find_account(state, account_id)?;
    let campaign = account
        .campaigns
        .iter()
        .find(|c| c.id == campaign_id)
        .cloned()
        .ok_or_else(|| {
            error(
                404,
                Some("NOT_FOUND"),
                None,
                &format!("Campaign {campaign_id} does not exist in this account"),
            )
        })?;
    Ok((account, campaign))
}

async fn campaign(
    data: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let mut state = data.lock();
    if let Err(refused) = guard(&mut state, &req) {
        return refused;
    }
    let (account_id, campaign_id) = path.into_inner();
    let answer = find_campaign(&state, &account_id, &campaign_id)
        .map(|(account, c)| campaign_json(&state, &account, &c));
    respond(&mut state, &req, answer)
}

async fn update_campaign(
    data: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    if let Err(refused) = guard(&mut state, &req) {
        return refused;
    }
    let (account_id, campaign_id) = path.into_inner();
    let result = (|| {
        if req
            .headers()
            .get("X-RestLi-Method")
            .and_then(|v| v.to_str().ok())
            != Some("PARTIAL_UPDATE")
        {
            return Err(error(
                400,
                None,
                None,
                "A create needs no ID in the path; send X-RestLi-Method: PARTIAL_UPDATE to update",
            ));
        }
        let (account, campaign) = find_campaign(&state, &account_id, &campaign_id)?;
        let budget = &body["patch"]["$set"]["dailyBudget"];
        let (Some(amount), Some(currency)) =
            (budget["amount"].as_str(), budget["currencyCode"].as_str())
        else {
            return Err(error(
                400,
                Some("FIELD_VALUE_INVALID"),
                None,
                "patch.$set.dailyBudget needs amount (a string) and currencyCode",
            ));
        };
        if currency != account.currency {
            return Err(error(
                400,
                Some("CURRENCY_MISMATCH"),
                None,
                &format!(
                    "The currency {currency} does not match the account's {}",
                    account.currency
                ),
            ));
        }
        let minor = crate::money::decimal_to_minor(amount, currency).map_err(|_| {
            error(
                400,
                Some("FIELD_VALUE_INVALID"),
                None,
                &format!("{amount:?} is not an amount"),
            )
        })?;
        let floor = crate::money::decimal_value_to_minor(MIN_DAILY_BUDGET.into(), currency)
            .unwrap_or_default();
        if minor < floor {
            return Err(HttpResponse::BadRequest().json(json!({
                "status": 400,
                "code": "FIELD_VALUE_TOO_LOW",
                "errorDetailType": "com.linkedin.common.error.BadRequest",
                "message": "Field Value validation failed in REQUEST_BODY: Data Processing Exception while processing fields [/dailyBudget/amount]",
                "errorDetails": { "inputErrors": [{
                    "inputPath": { "fieldPath": "dailyBudget/amount" },
                    "value": { "stringValue": amount },
                    "description": format!("Value is too low; minimum is {MIN_DAILY_BUDGET}"),
                    "code": "FIELD_VALUE_TOO_LOW",
                }]},
            })));
        }
        Ok((campaign.budget_id, minor))
    })();
    match result {
        Ok((budget_id, minor)) => {
            state.budgets.insert(budget_id, minor);
            state.record("POST", req.path(), "ok");
            HttpResponse::NoContent().finish()
        }
        Err(refused) => {
            state.record("POST", req.path(), "rejected");
            refused
        }
    }
}

/// `(start:(year:2026,month:10,day:1),end:(year:2026,month:10,day:7))`.
fn parse_date_range(raw: &str) -> Option<(NaiveDate, NaiveDate)> {
    let numbers: Vec<u32> = raw
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect::<Option<_>>()?;
    let shape = raw.starts_with("(start:(year:") && raw.contains("),end:(year:");
    match (shape, numbers.as_slice()) {
        (true, [y1, m1, d1, y2, m2, d2]) => Some((
            NaiveDate::from_ymd_opt(i32::try_from(*y1).ok()?, *m1, *d1)?,
            NaiveDate::from_ymd_opt(i32::try_from(*y2).ok()?, *m2, *d2)?,
        )),
        _ => None,
    }
}

async fn analytics(data: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let mut state = data.lock();
    if let Err(refused) = guard(&mut state, &req) {
        return refused;
    }
    let params = raw_params(&req);
    let answer = (|| {
        let bad = |m: &str| error(400, Some("ILLEGAL_ARGUMENT"), None, m);
        if param(&params, "q") != Some("analytics")
            || param(&params, "pivot") != Some("CAMPAIGN")
            || param(&params, "timeGranularity") != Some("DAILY")
        {
            return Err(bad(
                "this fake serves q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY",
            ));
        }
        let fields: Vec<&str> = param(&params, "fields")
            .ok_or_else(|| bad("fields is required"))?
            .split(',')
            .collect();
        if fields.len() > 20 {
            return Err(bad("at most 20 fields may be asked for"));
        }
        let (from, to) = param(&params, "dateRange")
            .and_then(parse_date_range)
            .ok_or_else(|| bad("Invalid value for param dateRange"))?;
        let range = crate::DateRange::new(from, to).map_err(|e| bad(&e.to_string()))?;
        let accounts = param(&params, "accounts")
            .and_then(|v| v.strip_prefix("List("))
            .and_then(|v| v.strip_suffix(')'))
            .ok_or_else(|| bad("accounts=List(...) is required"))?;
        let mut elements = Vec::new();
        for urn in accounts.split(',').map(decode) {
            let id = urn
                .strip_prefix("urn:li:sponsoredAccount:")
                .ok_or_else(|| bad(&format!("{urn} is not a sponsoredAccount URN")))?;
            let account = find_account(&state, id)?;
            for c in &account.campaigns {
                for day in range.iter_days() {
                    let Some(r) = state.dataset.metrics(&c.id, day) else {
                        continue;
                    };
                    let money = |minor: i64| {
                        crate::money::minor_to_decimal(minor, &account.currency)
                            .map(|d| d.to_string())
                            .unwrap_or_default()
                    };
                    // LinkedIn's costs carry long binary tails on some days.
                    let mut cost = money(r.spend_minor);
                    if day.format("%d").to_string().ends_with('7') {
                        cost.push_str("00000000000335346");
                    }
                    let date = |d: NaiveDate| {
                        use chrono::Datelike as _;
                        json!({ "year": d.year(), "month": d.month(), "day": d.day() })
                    };
                    let mut element = json!({
                        "dateRange": { "start": date(day), "end": date(day) },
                        "pivotValues": [format!("urn:li:sponsoredCampaign:{}", c.id)],
                    });
                    let values = [
                        ("impressions", json!(r.impressions)),
                        ("clicks", json!(r.clicks)),
                        ("costInLocalCurrency", json!(cost)),
                        ("externalWebsiteConversions", json!(r.conversions as i64)),
                        (
                            "conversionValueInLocalCurrency",
                            json!(money(r.revenue_minor)),
                        ),
                    ];
                    for (name, value) in values {
                        if fields.contains(&name) {
                            element[name] = value;
                        }
                    }
                    elements.push(element);
                }
            }
        }
        // No paging: past the cap, the rest is silently left off.
        elements.truncate(state.answer_cap.unwrap_or(RESULT_CAP));
        Ok(json!({ "elements": elements, "paging": { "start": 0, "count": 10, "links": [] } }))
    })();
    respond(&mut state, &req, answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restli_date_ranges_parse() {
        assert_eq!(
            parse_date_range("(start:(year:2026,month:10,day:1),end:(year:2026,month:10,day:7))"),
            Some(("2026-10-01".parse().unwrap(), "2026-10-07".parse().unwrap()))
        );
        assert_eq!(parse_date_range("(start:2026-10-01,end:2026-10-07)"), None);
    }
}
