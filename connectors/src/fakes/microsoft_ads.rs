//! A local Microsoft Advertising (Bing Ads API v13, REST): the Microsoft identity platform's
//! authorize and token endpoints (PKCE, `offline_access`, refresh tokens that rotate), Customer
//! Management's `User/Query` and `Accounts/Search` (paged), Campaign Management's campaigns and
//! shared budgets (reads and `PUT` writes answering `PartialErrors`), and the asynchronous
//! report: `GenerateReport/Submit`, `GenerateReport/Poll` (pending
//! [`Faults::report_pending_polls`](super::Faults) times), and a download URL on this server
//! serving a zip of the CSV, which refuses requests that carry credentials.
//!
//! Every API call needs the `DeveloperToken` and a bearer token; campaign and report calls
//! also need `CustomerId` ([`CUSTOMER_ID`]) and the `CustomerAccountId` they act on. Failures
//! are `ApplicationFault` bodies: 109 for an expired token, 105 for a bad one, 106 for an
//! account the user cannot reach, 117 when throttled, 0 for an internal error.
//!
//! Currencies and time zones are written as Microsoft's enum names (`USDollar`, `Euro`,
//! `PacificTimeUSCanadaTijuana`, `AmsterdamBerlinBernRomeStockholmVienna`). Besides the
//! dataset's two accounts, the user sees a closed one ([`CLOSED_ACCOUNT_ID`]) that a client
//! must leave out.
//!
//! The error codes of report validation (2100) and of an unknown budget are this fake's own;
//! the HTTP statuses of faults are guesses (Microsoft documents the body, not the status).

use std::io::Write as _;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use domain::dto::ad_data::Channel;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    AccessCheck, Dataset, FakeAccount, FakeCampaign, FakeServer, FakeState, Injected, Shared,
};
use crate::{BudgetOwner, DailyRow, DateRange};

pub const CLIENT_ID: &str = "5f0c1a2e-fake-4d2b-9a51-msads0000001";
pub const CLIENT_SECRET: &str = "fake~msads~client~secret";
pub const DEVELOPER_TOKEN: &str = "FAKEDEVTOKEN0001";
/// The customer (manager) both accounts belong to: the `CustomerId` of every campaign call.
pub const CUSTOMER_ID: &str = "251000000";
/// The signed-in user, as `User/Query` answers.
pub const USER_ID: &str = "19000001";
/// The page size the tests ask `Accounts/Search` for, so that the accounts take several pages.
pub const ACCOUNTS_PAGE_SIZE: u32 = 1;
/// Microsoft's minimum daily budget in USD and EUR (0.05), in minor units.
pub const MIN_DAILY_BUDGET_MINOR: i64 = 5;
/// A closed account (`AccountLifeCycleStatus` `Inactive`) the user still sees.
pub const CLOSED_ACCOUNT_ID: &str = "141000009";
/// The only scope the API takes.
const SCOPE: &str = "https://ads.microsoft.com/msads.manage";

/// Two accounts with a search and a Performance Max campaign owning their budgets, and a
/// shopping and an audience campaign sharing one budget.
pub fn dataset(first_day: NaiveDate, last_day: NaiveDate) -> Dataset {
    Dataset::new(
        141_000_000,
        &[
            ("Search", Channel::Search, BudgetOwner::Campaign),
            ("Shopping", Channel::Shopping, BudgetOwner::SharedBudget),
            ("Audience", Channel::Display, BudgetOwner::SharedBudget),
            ("PerformanceMax", Channel::Other, BudgetOwner::Campaign),
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
    cfg.route("/common/oauth2/v2.0/authorize", web::get().to(authorize))
        .route("/common/oauth2/v2.0/token", web::post().to(token))
        .route("/CustomerManagement/v13/User/Query", web::post().to(user))
        .route(
            "/CustomerManagement/v13/Accounts/Search",
            web::post().to(search_accounts),
        )
        .route(
            "/CampaignManagement/v13/Campaigns/QueryByAccountId",
            web::post().to(campaigns),
        )
        .route(
            "/CampaignManagement/v13/Campaigns/QueryByIds",
            web::post().to(campaigns_by_ids),
        )
        .route(
            "/CampaignManagement/v13/Campaigns",
            web::put().to(update_campaigns),
        )
        .route(
            "/CampaignManagement/v13/Budgets/QueryByIds",
            web::post().to(budgets),
        )
        .route(
            "/CampaignManagement/v13/Budgets",
            web::put().to(update_budgets),
        )
        .route(
            "/Reporting/v13/GenerateReport/Submit",
            web::post().to(submit_report),
        )
        .route(
            "/Reporting/v13/GenerateReport/Poll",
            web::post().to(poll_report),
        )
        .route("/ReportDownloads/{file}", web::get().to(download));
}

// ---------------------------------------------------------------------------------------------
// Microsoft's names for the dataset's currencies and zones

fn currency_name(iso: &str) -> &str {
    match iso {
        "USD" => "USDollar",
        "EUR" => "Euro",
        "GBP" => "UKPound",
        other => other,
    }
}

fn zone_name(iana: &str) -> &str {
    match iana {
        "America/Los_Angeles" => "PacificTimeUSCanadaTijuana",
        "Europe/Berlin" => "AmsterdamBerlinBernRomeStockholmVienna",
        "Europe/London" => "GreenwichMeanTimeDublinEdinburghLisbonLondon",
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// Answers

fn oauth_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "error": error,
        "error_description": description,
        "error_codes": [],
        "timestamp": "2026-11-24 00:00:00Z",
        "trace_id": "fake-trace",
        "correlation_id": "fake-correlation",
    }))
}

/// An `ApplicationFault` of the `AdApiFaultDetail` kind (authentication, throttling).
fn ad_api_fault(status: StatusCode, code: i64, error_code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("TrackingId", "fake-tracking-id"))
        .json(json!({
            "TrackingId": "fake-tracking-id",
            "Type": "AdApiFaultDetail",
            "Errors": [{ "Code": code, "Detail": null, "ErrorCode": error_code, "Message": message }],
        }))
}

/// An `ApplicationFault` of the `ApiFaultDetail` kind, with one operation error.
fn operation_fault(status: StatusCode, code: i64, error_code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("TrackingId", "fake-tracking-id"))
        .json(json!({
            "TrackingId": "fake-tracking-id",
            "Type": "ApiFaultDetail",
            "BatchErrors": [],
            "OperationErrors": [{ "Code": code, "Details": null, "ErrorCode": error_code, "Message": message }],
        }))
}

/// Customer Management's operation errors carry no `ErrorCode`.
fn customer_fault(status: StatusCode, code: i64, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("TrackingId", "fake-tracking-id"))
        .json(json!({
            "TrackingId": "fake-tracking-id",
            "Type": "ApiFault",
            "OperationErrors": [{ "Code": code, "Details": null, "Message": message }],
        }))
}

/// One `PartialErrors` entry of a write.
fn batch_error(index: usize, code: i64, error_code: &str, message: &str) -> Value {
    json!({
        "Index": index, "Code": code, "ErrorCode": error_code, "Message": message,
        "FieldPath": null, "Details": null, "Type": "BatchError",
    })
}

fn not_authorized() -> HttpResponse {
    ad_api_fault(
        StatusCode::FORBIDDEN,
        106,
        "UserIsNotAuthorized",
        "The user does not represent a authorized developer.",
    )
}

/// A long ID, which Microsoft writes as a JSON string (a number is taken too).
fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

// ---------------------------------------------------------------------------------------------
// OAuth

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    response_type: String,
    redirect_uri: String,
    scope: String,
    state: Option<String>,
    response_mode: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// The consent page: consents at once and sends the browser back with a code.
async fn authorize(data: web::Data<Shared>, q: web::Query<AuthorizeQuery>) -> HttpResponse {
    let mut state = data.lock();
    state.record("GET", "/common/oauth2/v2.0/authorize", "consent");
    if q.client_id != state.client_id {
        return HttpResponse::BadRequest().body(format!(
            "AADSTS700016: Application with identifier '{}' was not found in the directory.",
            q.client_id
        ));
    }
    if q.response_type != "code" {
        return HttpResponse::BadRequest()
            .body("AADSTS900144: this fake serves the authorization-code flow only.");
    }
    let scopes: Vec<&str> = q.scope.split(' ').collect();
    if !scopes.contains(&"offline_access") || !scopes.contains(&SCOPE) {
        return HttpResponse::BadRequest().body(
            "this fake insists on the offline_access and msads.manage scopes: without a refresh token the connection would stop syncing in an hour",
        );
    }
    if q.response_mode.as_deref().is_some_and(|m| m != "query") {
        return HttpResponse::BadRequest().body("this fake answers with response_mode=query only");
    }
    let challenge = match (&q.code_challenge, q.code_challenge_method.as_deref()) {
        (Some(c), Some("S256")) => c.clone(),
        _ => {
            return HttpResponse::BadRequest()
                .body("this fake requires a PKCE code_challenge with code_challenge_method=S256");
        }
    };
    let code = state.issue_code(&q.redirect_uri, Some(challenge));
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &q.state {
        params.push(("state", s));
    }
    match super::consent_redirect(&q.redirect_uri, &params) {
        Ok(to) => HttpResponse::Found()
            .insert_header(("Location", to))
            .finish(),
        Err(_) => HttpResponse::BadRequest().body("AADSTS50011: invalid redirect_uri"),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
}

fn tokens_answer(access: &str, refresh: Option<&str>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "token_type": "Bearer",
        "scope": SCOPE,
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access,
        "refresh_token": refresh,
    }))
}

async fn token(data: web::Data<Shared>, form: web::Form<TokenForm>) -> HttpResponse {
    let mut state = data.lock();
    const PATH: &str = "/common/oauth2/v2.0/token";
    if form.client_id.as_deref() != Some(state.client_id.as_str())
        || form.client_secret.as_deref() != Some(state.client_secret.as_str())
    {
        state.record("POST", PATH, "invalid_client");
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        );
    }
    match form.grant_type.as_str() {
        "authorization_code" => {
            let redeemed = state.redeem_code(
                form.code.as_deref().unwrap_or_default(),
                form.redirect_uri.as_deref().unwrap_or_default(),
                form.code_verifier.as_deref(),
            );
            if let Err(why) = redeemed {
                state.record("POST", PATH, "invalid_grant");
                let description = match why {
                    "authorization code already used" => "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.".to_owned(),
                    "code_verifier does not match the code_challenge" | "code_verifier missing" => "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.".to_owned(),
                    other => format!("AADSTS70000: The provided value for the 'code' parameter is not valid ({other})."),
                };
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &description);
            }
            let (access, refresh) = state.issue_tokens(true);
            state.record("POST", PATH, "issued");
            tokens_answer(&access, refresh.as_deref())
        }
        "refresh_token" => {
            if !form
                .scope
                .as_deref()
                .unwrap_or_default()
                .split(' ')
                .any(|s| s == SCOPE)
            {
                state.record("POST", PATH, "invalid_scope");
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "AADSTS70011: The provided request must include a 'scope' input parameter.",
                );
            }
            let old = form.refresh_token.clone().unwrap_or_default();
            let valid = !state.faults.revoked && state.refresh_tokens.get(&old) == Some(&true);
            if !valid {
                state.record("POST", PATH, "invalid_grant");
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "AADSTS70000: The user could not be authenticated or the grant is expired. The user must first sign in and if needed grant the client application access to the requested scope.",
                );
            }
            // Microsoft rotates: the old refresh token is done with, a new one comes back.
            state.refresh_tokens.insert(old, false);
            let (access, refresh) = state.issue_tokens(true);
            state.record("POST", PATH, "refreshed");
            tokens_answer(&access, refresh.as_deref())
        }
        other => {
            state.record("POST", PATH, "unsupported_grant_type");
            oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("AADSTS70003: The app requested an unsupported grant type '{other}'."),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Guards

/// The developer token, the bearer token and the injected faults, as Microsoft answers them.
// Refusals are whole actix responses, built only when a request is refused.
#[allow(clippy::result_large_err)]
fn guard(state: &mut FakeState, req: &HttpRequest) -> Result<(), HttpResponse> {
    let path = req.path().to_owned();
    let method = req.method().as_str().to_owned();
    let refused = match header(req, "DeveloperToken") {
        None => Some((
            "missing",
            ad_api_fault(
                StatusCode::BAD_REQUEST,
                116,
                "RequestMissingHeaders",
                "One or more required header elements are missing from the request: DeveloperToken.",
            ),
        )),
        Some(token) if token != DEVELOPER_TOKEN => Some((
            "invalid",
            ad_api_fault(
                StatusCode::UNAUTHORIZED,
                105,
                "InvalidCredentials",
                "Authentication failed. Either supplied credentials are invalid or the account is inactive",
            ),
        )),
        Some(_) => None,
    };
    if let Some((what, response)) = refused {
        state.record(&method, &path, what);
        return Err(response);
    }
    let token = header(req, "Authorization").and_then(|v| v.strip_prefix("Bearer "));
    let invalid = || {
        ad_api_fault(
            StatusCode::UNAUTHORIZED,
            105,
            "InvalidCredentials",
            "Authentication failed. Either supplied credentials are invalid or the account is inactive",
        )
    };
    let refused = match state.check_access(token) {
        AccessCheck::Ok => None,
        AccessCheck::Expired => Some((
            "expired",
            ad_api_fault(
                StatusCode::UNAUTHORIZED,
                109,
                "AuthenticationTokenExpired",
                "Authentication token expired. Please renew it or obtain a new token.",
            ),
        )),
        AccessCheck::Missing => Some(("missing", invalid())),
        AccessCheck::Invalid => Some(("invalid", invalid())),
        AccessCheck::Revoked => Some(("revoked", invalid())),
    };
    if let Some((what, response)) = refused {
        state.record(&method, &path, what);
        return Err(response);
    }
    match state.take_fault() {
        Some(Injected::Throttle(_)) => {
            state.record(&method, &path, "throttled");
            Err(ad_api_fault(
                StatusCode::TOO_MANY_REQUESTS,
                117,
                "CallRateExceeded",
                "You have exceeded the number of calls you are allowed to make in one minute. Please reduce the number of calls you make per minute.",
            ))
        }
        Some(Injected::Fail) => {
            state.record(&method, &path, "failed");
            Err(ad_api_fault(
                StatusCode::INTERNAL_SERVER_ERROR,
                0,
                "InternalError",
                "An internal error has occurred.",
            ))
        }
        None => Ok(()),
    }
}

/// The account a campaign or report call acts on: `CustomerId` must be the user's customer
/// and `CustomerAccountId` one of its accounts.
#[allow(clippy::result_large_err)]
fn account_guard(state: &mut FakeState, req: &HttpRequest) -> Result<FakeAccount, HttpResponse> {
    let path = req.path().to_owned();
    let method = req.method().as_str().to_owned();
    let (Some(customer), Some(account_id)) =
        (header(req, "CustomerId"), header(req, "CustomerAccountId"))
    else {
        state.record(&method, &path, "rejected");
        return Err(ad_api_fault(
            StatusCode::BAD_REQUEST,
            116,
            "RequestMissingHeaders",
            "One or more required header elements are missing from the request: CustomerId, CustomerAccountId.",
        ));
    };
    let account = state.dataset.account(account_id).cloned();
    match account {
        Some(account) if customer == CUSTOMER_ID => Ok(account),
        _ => {
            state.record(&method, &path, "denied");
            Err(not_authorized())
        }
    }
}

/// Both guards, and the account.
#[allow(clippy::result_large_err)]
fn guard_account(state: &mut FakeState, req: &HttpRequest) -> Result<FakeAccount, HttpResponse> {
    guard(state, req)?;
    account_guard(state, req)
}

// ---------------------------------------------------------------------------------------------
// Customer Management

async fn user(data: web::Data<Shared>, req: HttpRequest, body: web::Json<Value>) -> HttpResponse {
    let mut state = data.lock();
    if let Err(refused) = guard(&mut state, &req) {
        return refused;
    }
    let asked = &body["UserId"];
    if !asked.is_null() && id_of(asked).as_deref() != Some(USER_ID) {
        state.record("POST", req.path(), "denied");
        return customer_fault(StatusCode::FORBIDDEN, 106, "The user is not authorized.");
    }
    state.record("POST", req.path(), "ok");
    HttpResponse::Ok().json(json!({
        "User": {
            "Id": USER_ID, "CustomerId": CUSTOMER_ID, "UserName": "ada@acme.example",
            "Name": { "FirstName": "Ada", "LastName": "Lovelace", "MiddleInitial": null },
            "UserLifeCycleStatus": "Active", "Lcid": "EnglishUS",
        },
        "CustomerRoles": [{
            "RoleId": 41, "CustomerId": CUSTOMER_ID, "AccountIds": null,
            "LinkedAccountIds": null, "CustomerLinkPermission": null,
        }],
    }))
}

fn account_json(id: &str, name: &str, currency: &str, time_zone: &str, status: &str) -> Value {
    json!({
        "Id": id, "Name": name, "Number": format!("F{}", &id[id.len().saturating_sub(7)..]),
        "AccountFinancialStatus": "ClearFinancialStatus",
        "AccountLifeCycleStatus": status, "PauseReason": null,
        "CurrencyCode": currency_name(currency), "TimeZone": zone_name(time_zone),
        "Language": "English", "ParentCustomerId": CUSTOMER_ID,
        "PaymentMethodType": "CreditCard", "AutoTagType": "Inactive",
    })
}

async fn search_accounts(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    if let Err(refused) = guard(&mut state, &req) {
        return refused;
    }
    let predicates = body["Predicates"].as_array().cloned().unwrap_or_default();
    let by_user = matches!(
        predicates.as_slice(),
        [p] if p["Field"] == "UserId" && p["Operator"] == "Equals"
            && id_of(&p["Value"]).as_deref() == Some(USER_ID)
    );
    if !by_user {
        state.record("POST", req.path(), "rejected");
        return customer_fault(
            StatusCode::BAD_REQUEST,
            3001,
            "this fake answers one predicate only: UserId Equals the signed-in user",
        );
    }
    let index = body["PageInfo"]["Index"].as_u64();
    let size = body["PageInfo"]["Size"].as_u64();
    let (Some(index), Some(size)) = (index, size) else {
        state.record("POST", req.path(), "rejected");
        return customer_fault(StatusCode::BAD_REQUEST, 3002, "PageInfo is required.");
    };
    if !(1..=1000).contains(&size) {
        state.record("POST", req.path(), "rejected");
        return customer_fault(
            StatusCode::BAD_REQUEST,
            3003,
            "PageInfo.Size must be between 1 and 1000.",
        );
    }
    let mut all: Vec<Value> = state
        .dataset
        .accounts
        .iter()
        .map(|a| account_json(&a.id, &a.name, &a.currency, &a.time_zone, "Active"))
        .collect();
    all.push(account_json(
        CLOSED_ACCOUNT_ID,
        "Acme (closed)",
        "GBP",
        "Europe/London",
        "Inactive",
    ));
    let page: Vec<Value> = all
        .into_iter()
        .skip((index * size) as usize)
        .take(size as usize)
        .collect();
    state.record("POST", req.path(), "ok");
    HttpResponse::Ok().json(json!({ "Accounts": page }))
}

// ---------------------------------------------------------------------------------------------
// Campaign Management

fn major(state: &FakeState, budget_id: &str, currency: &str) -> f64 {
    crate::money::minor_to_float(
        state.budgets.get(budget_id).copied().unwrap_or_default(),
        currency,
    )
    .unwrap_or_default()
}

fn shared_budget_ids(account: &FakeAccount) -> Vec<String> {
    let mut ids: Vec<String> = account
        .campaigns
        .iter()
        .filter(|c| c.budget_owner == BudgetOwner::SharedBudget)
        .map(|c| c.budget_id.clone())
        .collect();
    ids.dedup();
    ids
}

async fn campaigns(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    let account = match guard_account(&mut state, &req) {
        Ok(account) => account,
        Err(refused) => return refused,
    };
    if id_of(&body["AccountId"]).as_deref() != Some(account.id.as_str()) {
        state.record("POST", req.path(), "denied");
        return not_authorized();
    }
    // Microsoft's default is Search campaigns only.
    let types: Vec<String> = body["CampaignType"]
        .as_str()
        .unwrap_or("Search")
        .split(',')
        .map(|t| t.trim().to_owned())
        .collect();
    let list: Vec<Value> = account
        .campaigns
        .iter()
        .filter(|c| types.contains(&c.kind))
        .map(|c| campaign_json(&state, &account, c))
        .collect();
    state.record("POST", req.path(), "ok");
    HttpResponse::Ok().json(json!({ "Campaigns": list }))
}

/// `Campaigns/QueryByIds`: the campaigns asked for, in order, `null` (with a partial error) for
/// an ID that is not a campaign of the account's asked types.
async fn campaigns_by_ids(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    let account = match guard_account(&mut state, &req) {
        Ok(account) => account,
        Err(refused) => return refused,
    };
    if id_of(&body["AccountId"]).as_deref() != Some(account.id.as_str()) {
        state.record("POST", req.path(), "denied");
        return not_authorized();
    }
    let types: Vec<String> = body["CampaignType"]
        .as_str()
        .unwrap_or("Search")
        .split(',')
        .map(|t| t.trim().to_owned())
        .collect();
    let ids: Vec<String> = body["CampaignIds"]
        .as_array()
        .map(|ids| ids.iter().filter_map(id_of).collect())
        .unwrap_or_default();
    if ids.is_empty() || ids.len() > 100 {
        state.record("POST", req.path(), "rejected");
        return HttpResponse::BadRequest().json(json!({
            "TrackingId": "fake", "Type": "ApiFaultDetail",
            "OperationErrors": [{ "Code": 1029, "ErrorCode": "CampaignServiceCampaignsArrayShouldNotBeNullOrEmpty",
                "Message": "CampaignIds must hold 1 to 100 IDs." }],
        }));
    }
    let mut list = Vec::new();
    let mut errors = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        match account
            .campaigns
            .iter()
            .find(|c| &c.id == id && types.contains(&c.kind))
        {
            Some(c) => {
                list.push(campaign_json(&state, &account, c));
                errors.push(Value::Null);
            }
            None => {
                list.push(Value::Null);
                errors.push(
                    json!({ "Code": 1100, "ErrorCode": "CampaignServiceInvalidCampaignId",
                    "Index": index, "Message": "The campaign ID is invalid." }),
                );
            }
        }
    }
    state.record("POST", req.path(), "ok");
    HttpResponse::Ok().json(json!({ "Campaigns": list, "PartialErrors": errors }))
}

/// A campaign as Microsoft writes it.
fn campaign_json(state: &FakeState, account: &FakeAccount, c: &FakeCampaign) -> Value {
    let (budget_type, daily, budget_id) = match c.budget_owner {
        BudgetOwner::None => (Value::Null, Value::Null, Value::Null),
        BudgetOwner::SharedBudget => (
            json!("DailyBudgetStandard"),
            json!(major(state, &c.budget_id, &account.currency)),
            json!(c.budget_id),
        ),
        _ => (
            json!("DailyBudgetStandard"),
            json!(major(state, &c.budget_id, &account.currency)),
            Value::Null,
        ),
    };
    json!({
        "Id": c.id, "Name": c.name, "Status": "Active", "CampaignType": c.kind,
        "BudgetType": budget_type, "DailyBudget": daily, "BudgetId": budget_id,
        "TimeZone": zone_name(&account.time_zone), "Languages": ["All"],
        "AudienceAdsBidAdjustment": null, "BiddingScheme": { "Type": "EnhancedCpc" },
        "ExperimentId": null, "FinalUrlSuffix": null, "TrackingUrlTemplate": null,
    })
}

async fn budgets(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    let account = match guard_account(&mut state, &req) {
        Ok(account) => account,
        Err(refused) => return refused,
    };
    let shared = shared_budget_ids(&account);
    let asked: Vec<String> = match body["BudgetIds"].as_array() {
        Some(ids) => ids.iter().filter_map(id_of).collect(),
        None => shared.clone(),
    };
    let mut list = Vec::new();
    let mut errors = Vec::new();
    for (i, id) in asked.iter().enumerate() {
        if shared.contains(id) {
            let users = account
                .campaigns
                .iter()
                .filter(|c| &c.budget_id == id)
                .count();
            list.push(json!({
                "Id": id, "Name": format!("Shared budget {id}"),
                "Amount": major(&state, id, &account.currency),
                "BudgetType": "DailyBudgetStandard", "AssociationCount": users,
            }));
        } else {
            list.push(Value::Null);
            errors.push(batch_error(
                i,
                4901,
                "CampaignServiceInvalidBudgetId",
                "The budget ID is invalid.",
            ));
        }
    }
    state.record("POST", req.path(), "ok");
    HttpResponse::Ok().json(json!({ "Budgets": list, "PartialErrors": errors }))
}

/// A written amount, as minor units, or the batch error refusing it.
fn written_amount(index: usize, value: &Value, currency: &str) -> Result<i64, Value> {
    let minor = value
        .as_f64()
        .and_then(|v| crate::money::float_to_minor(v, currency).ok())
        .ok_or_else(|| {
            batch_error(
                index,
                1106,
                "CampaignServiceInvalidDailyBudget",
                "The budget amount is not valid.",
            )
        })?;
    if minor < MIN_DAILY_BUDGET_MINOR {
        return Err(batch_error(
            index,
            4912,
            "CampaignServiceBudgetAmountIsBelowLimit",
            "The budget amount is below the minimum for the account's currency.",
        ));
    }
    Ok(minor)
}

async fn update_campaigns(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    let account = match guard_account(&mut state, &req) {
        Ok(account) => account,
        Err(refused) => return refused,
    };
    if id_of(&body["AccountId"]).as_deref() != Some(account.id.as_str()) {
        state.record("PUT", req.path(), "denied");
        return not_authorized();
    }
    let items = body["Campaigns"].as_array().cloned().unwrap_or_default();
    if items.is_empty() || items.len() > 100 {
        state.record("PUT", req.path(), "rejected");
        return operation_fault(
            StatusCode::BAD_REQUEST,
            1109,
            "CampaignServiceCampaignsArrayShouldNotBeNullOrEmpty",
            "Campaigns must hold between 1 and 100 campaigns.",
        );
    }
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = id_of(&item["Id"]).unwrap_or_default();
        let Some(campaign) = account.campaigns.iter().find(|c| c.id == id) else {
            errors.push(batch_error(
                i,
                1100,
                "CampaignServiceInvalidCampaignId",
                "The campaign ID is invalid.",
            ));
            continue;
        };
        let Some(daily) = item.get("DailyBudget").filter(|v| !v.is_null()) else {
            continue;
        };
        if campaign.budget_owner == BudgetOwner::SharedBudget {
            errors.push(batch_error(
                i,
                1159,
                "CampaignServiceCannotUpdateSharedBudget",
                "The campaign uses a shared budget: its daily budget and budget type cannot be updated. Update the budget instead.",
            ));
            continue;
        }
        match written_amount(i, daily, &account.currency) {
            Ok(minor) => {
                state.budgets.insert(campaign.budget_id.clone(), minor);
            }
            Err(error) => errors.push(error),
        }
    }
    let outcome = if errors.is_empty() { "ok" } else { "rejected" };
    state.record("PUT", req.path(), outcome);
    HttpResponse::Ok().json(json!({ "PartialErrors": errors }))
}

async fn update_budgets(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    let account = match guard_account(&mut state, &req) {
        Ok(account) => account,
        Err(refused) => return refused,
    };
    let items = body["Budgets"].as_array().cloned().unwrap_or_default();
    if items.is_empty() || items.len() > 100 {
        state.record("PUT", req.path(), "rejected");
        return operation_fault(
            StatusCode::BAD_REQUEST,
            4902,
            "CampaignServiceBudgetsArrayShouldNotBeNullOrEmpty",
            "Budgets must hold between 1 and 100 budgets.",
        );
    }
    let shared = shared_budget_ids(&account);
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = id_of(&item["Id"]).unwrap_or_default();
        if !shared.contains(&id) {
            errors.push(batch_error(
                i,
                4901,
                "CampaignServiceInvalidBudgetId",
                "The budget ID is invalid.",
            ));
            continue;
        }
        match written_amount(i, &item["Amount"], &account.currency) {
            Ok(minor) => {
                state.budgets.insert(id, minor);
            }
            Err(error) => errors.push(error),
        }
    }
    let outcome = if errors.is_empty() { "ok" } else { "rejected" };
    state.record("PUT", req.path(), outcome);
    HttpResponse::Ok().json(json!({ "PartialErrors": errors }))
}

// ---------------------------------------------------------------------------------------------
// Reporting

/// The columns this fake can write.
const COLUMNS: [&str; 13] = [
    "TimePeriod",
    "AccountId",
    "CampaignId",
    "CampaignName",
    "CampaignStatus",
    "CurrencyCode",
    "Impressions",
    "Clicks",
    "Spend",
    "Conversions",
    "Revenue",
    "AllConversions",
    "AllRevenue",
];

fn report_date(value: &Value) -> Option<NaiveDate> {
    let part = |k: &str| value[k].as_u64().and_then(|v| u32::try_from(v).ok());
    NaiveDate::from_ymd_opt(
        i32::try_from(value["Year"].as_u64()?).ok()?,
        part("Month")?,
        part("Day")?,
    )
}

/// What a report request asks for: its columns and days, or why it is refused.
fn read_report_request(
    account: &FakeAccount,
    body: &Value,
) -> Result<(Vec<String>, DateRange), String> {
    let r = &body["ReportRequest"];
    if r["Type"] != "CampaignPerformanceReportRequest" {
        return Err("this fake serves CampaignPerformanceReportRequest only".into());
    }
    if r["Format"] != "Csv" {
        return Err("this fake writes Csv reports only".into());
    }
    if r["Aggregation"] != "Daily" {
        return Err("this fake serves Daily aggregation only".into());
    }
    let columns: Vec<String> = r["Columns"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // Without TimePeriod, Microsoft silently summarises over the whole range.
    for needed in ["TimePeriod", "CampaignId"] {
        if !columns.iter().any(|c| c == needed) {
            return Err(format!("the {needed} column is required"));
        }
    }
    if let Some(unknown) = columns.iter().find(|c| !COLUMNS.contains(&c.as_str())) {
        return Err(format!("this fake cannot write the {unknown} column"));
    }
    let ids: Vec<String> = r["Scope"]["AccountIds"]
        .as_array()
        .map(|ids| ids.iter().filter_map(id_of).collect())
        .unwrap_or_default();
    if ids != [account.id.clone()] {
        return Err("Scope.AccountIds must be the CustomerAccountId's account".into());
    }
    let time = &r["Time"];
    let Some(zone) = time["ReportTimeZone"].as_str() else {
        return Err("Time.ReportTimeZone is required: the default is Pacific time".into());
    };
    if zone != zone_name(&account.time_zone) {
        return Err(format!(
            "this fake reports in the account's own time zone ({}), not {zone}",
            zone_name(&account.time_zone)
        ));
    }
    let (Some(from), Some(to)) = (
        report_date(&time["CustomDateRangeStart"]),
        report_date(&time["CustomDateRangeEnd"]),
    ) else {
        return Err("Time.CustomDateRangeStart and CustomDateRangeEnd are required".into());
    };
    let range = DateRange::new(from, to).map_err(|e| e.to_string())?;
    Ok((columns, range))
}

async fn submit_report(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    let account = match guard_account(&mut state, &req) {
        Ok(account) => account,
        Err(refused) => return refused,
    };
    let (columns, range) = match read_report_request(&account, &body) {
        Ok(asked) => asked,
        Err(why) => {
            state.record("POST", req.path(), "rejected");
            return operation_fault(StatusCode::BAD_REQUEST, 2100, "InvalidReportRequest", &why);
        }
    };
    let id = state.next_id("30000001");
    let sig = state.next_id("sig");
    let polls = state.faults.report_pending_polls;
    state.reports.insert(
        id.clone(),
        (
            polls,
            json!({
                "account": account.id, "columns": columns, "sig": sig,
                "from": range.from, "to": range.to,
            }),
        ),
    );
    state.record("POST", req.path(), "ok");
    HttpResponse::Ok().json(json!({ "ReportRequestId": id }))
}

/// The report's rows: the dataset's, and rows of zeros for the first campaign's quiet days
/// (Microsoft writes some), which a client must leave out.
fn report_rows(dataset: &Dataset, account: &FakeAccount, range: DateRange) -> Vec<DailyRow> {
    let mut rows = Vec::new();
    for day in range.iter_days() {
        for (i, campaign) in account.campaigns.iter().enumerate() {
            match dataset.metrics(&campaign.id, day) {
                Some(row) => rows.push(row),
                None if i == 0 && day >= dataset.first_day && day <= dataset.last_day => {
                    rows.push(DailyRow {
                        campaign_id: campaign.id.clone(),
                        date: day,
                        spend_minor: 0,
                        impressions: 0,
                        clicks: 0,
                        conversions: 0.0,
                        revenue_minor: 0,
                    });
                }
                None => {}
            }
        }
    }
    rows
}

/// The stored request of a report: its account, columns and days.
fn stored_report(state: &FakeState, job: &Value) -> Option<(FakeAccount, Vec<String>, DateRange)> {
    let account = state.dataset.account(job["account"].as_str()?)?.clone();
    let columns = job["columns"]
        .as_array()?
        .iter()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    let from: NaiveDate = job["from"].as_str()?.parse().ok()?;
    let to: NaiveDate = job["to"].as_str()?.parse().ok()?;
    Some((account, columns, DateRange::new(from, to).ok()?))
}

async fn poll_report(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    let account = match guard_account(&mut state, &req) {
        Ok(account) => account,
        Err(refused) => return refused,
    };
    let id = id_of(&body["ReportRequestId"]).unwrap_or_default();
    let Some((polls_left, job)) = state.reports.get(&id).cloned() else {
        state.record("POST", req.path(), "rejected");
        return operation_fault(
            StatusCode::BAD_REQUEST,
            2100,
            "InvalidReportRequestId",
            "The report request ID is not valid.",
        );
    };
    if job["account"].as_str() != Some(account.id.as_str()) {
        state.record("POST", req.path(), "denied");
        return not_authorized();
    }
    if polls_left > 0 {
        state.reports.insert(id, (polls_left - 1, job));
        state.record("POST", req.path(), "pending");
        return HttpResponse::Ok().json(json!({
            "ReportRequestStatus": { "Status": "Pending", "ReportDownloadUrl": null }
        }));
    }
    let Some((account, _, range)) = stored_report(&state, &job) else {
        state.record("POST", req.path(), "failed");
        return HttpResponse::Ok().json(json!({
            "ReportRequestStatus": { "Status": "Error", "ReportDownloadUrl": null }
        }));
    };
    let empty = report_rows(&state.dataset, &account, range).is_empty();
    // No data: Success without a URL.
    let url = (!empty).then(|| {
        let info = req.connection_info();
        format!(
            "{}://{}/ReportDownloads/{id}.zip?sv=2026-01-01&sr=b&sp=r&sig={}",
            info.scheme(),
            info.host(),
            job["sig"].as_str().unwrap_or_default()
        )
    });
    state.record("POST", req.path(), "ok");
    HttpResponse::Ok().json(json!({
        "ReportRequestStatus": { "Status": "Success", "ReportDownloadUrl": url }
    }))
}

/// The CSV of a report, as Microsoft writes it with format version 2.0 and neither header nor
/// footer: a byte-order mark, every field quoted, CRLF line ends.
fn report_csv(
    dataset: &Dataset,
    account: &FakeAccount,
    columns: &[String],
    range: DateRange,
) -> Result<Vec<u8>, String> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(columns).map_err(|e| e.to_string())?;
        let money = |minor: i64| {
            crate::money::minor_to_decimal(minor, &account.currency)
                .map(|d| d.to_string())
                .map_err(|e| e.to_string())
        };
        for row in report_rows(dataset, account, range) {
            let name = account
                .campaigns
                .iter()
                .find(|c| c.id == row.campaign_id)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let mut record = Vec::with_capacity(columns.len());
            for column in columns {
                record.push(match column.as_str() {
                    "TimePeriod" => row.date.to_string(),
                    "AccountId" => account.id.clone(),
                    "CampaignId" => row.campaign_id.clone(),
                    "CampaignName" => name.clone(),
                    "CampaignStatus" => "Active".to_owned(),
                    "CurrencyCode" => account.currency.clone(),
                    "Impressions" => row.impressions.to_string(),
                    "Clicks" => row.clicks.to_string(),
                    "Spend" => money(row.spend_minor)?,
                    "Conversions" => format!("{:.2}", row.conversions),
                    "Revenue" => money(row.revenue_minor)?,
                    "AllConversions" => format!("{:.2}", super::other_conversions(&row).0),
                    "AllRevenue" => money(super::other_conversions(&row).1)?,
                    _ => String::new(),
                });
            }
            writer.write_record(&record).map_err(|e| e.to_string())?;
        }
        writer.flush().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

fn zipped(name: &str, content: &[u8]) -> Result<Vec<u8>, String> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file(name, zip::write::SimpleFileOptions::default())
        .map_err(|e| e.to_string())?;
    writer.write_all(content).map_err(|e| e.to_string())?;
    Ok(writer.finish().map_err(|e| e.to_string())?.into_inner())
}

fn storage_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/xml")
        .body(format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        ))
}

#[derive(Deserialize)]
struct DownloadQuery {
    sig: Option<String>,
}

/// The pre-signed download: no credentials may come with it.
async fn download(
    data: web::Data<Shared>,
    req: HttpRequest,
    file: web::Path<String>,
    q: web::Query<DownloadQuery>,
) -> HttpResponse {
    let mut state = data.lock();
    let path = req.path().to_owned();
    if req.headers().contains_key("Authorization") || req.headers().contains_key("DeveloperToken") {
        state.record("GET", &path, "rejected");
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidAuthenticationInfo",
            "The download URL is pre-signed: a request carrying other credentials is refused.",
        );
    }
    let id = file.trim_end_matches(".zip").to_owned();
    let job = state.reports.get(&id).map(|(_, job)| job.clone());
    let signed = job
        .as_ref()
        .is_some_and(|job| q.sig.is_some() && job["sig"].as_str() == q.sig.as_deref());
    let stored = job.as_ref().and_then(|job| stored_report(&state, job));
    let (true, Some((account, columns, range))) = (signed, stored) else {
        state.record("GET", &path, "rejected");
        return storage_error(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Server failed to authenticate the request: the signature does not match.",
        );
    };
    let built = report_csv(&state.dataset, &account, &columns, range)
        .and_then(|csv| zipped(&format!("{id}.csv"), &csv));
    match built {
        Ok(bytes) => {
            state.record("GET", &path, "ok");
            HttpResponse::Ok()
                .content_type("application/x-zip-compressed")
                .body(bytes)
        }
        Err(why) => {
            state.record("GET", &path, "failed");
            storage_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", &why)
        }
    }
}
