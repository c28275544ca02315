//! A local Google Ads: Google's OAuth endpoints, `customers:listAccessibleCustomers`, GAQL
//! `googleAds:search` (for the handful of queries the client sends, matched by their `FROM`
//! clause), and `campaignBudgets:mutate`, with Google's error bodies.
//!
//! The first account is reached directly; the second only through a manager account
//! ([`MANAGER_ID`]), with `login-customer-id`, as agencies' accounts are: without the header
//! the fake answers `USER_PERMISSION_DENIED`. Search pages hold [`PAGE_SIZE`] rows (Google's
//! are 10,000), so paging is exercised with small data.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use domain::dto::ad_data::Channel;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AccessCheck, Dataset, FakeAccount, FakeServer, FakeState, Injected, Shared};
use crate::BudgetOwner;

pub const CLIENT_ID: &str = "1234-fake.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "GOCSPX-fake-secret";
/// The manager (MCC) account through which the second account is reached.
pub const MANAGER_ID: &str = "9876543210";
/// Rows per search page.
pub const PAGE_SIZE: usize = 100;
/// The per-day minimum the fake enforces, in micros.
pub const MIN_BUDGET_MICROS: i64 = 1_000_000;

/// Two accounts with search, shopping and Performance Max campaigns owning their budgets, and
/// a display and a video campaign sharing one budget.
const KINDS: [(&str, Channel, BudgetOwner); 5] = [
    ("SEARCH", Channel::Search, BudgetOwner::Campaign),
    ("SHOPPING", Channel::Shopping, BudgetOwner::Campaign),
    ("DISPLAY", Channel::Display, BudgetOwner::SharedBudget),
    ("VIDEO", Channel::Video, BudgetOwner::SharedBudget),
    ("PERFORMANCE_MAX", Channel::Other, BudgetOwner::Campaign),
];

pub fn dataset(first_day: NaiveDate, last_day: NaiveDate) -> Dataset {
    Dataset::new(1_234_567_000, &KINDS, first_day, last_day)
}

pub fn state(first_day: NaiveDate, last_day: NaiveDate) -> FakeState {
    FakeState::new(dataset(first_day, last_day), CLIENT_ID, CLIENT_SECRET)
}

/// The same campaigns in one account per `(name, currency, time zone)`.
pub fn dataset_in(
    first_day: NaiveDate,
    last_day: NaiveDate,
    accounts: &[(&str, &str, &str)],
) -> Dataset {
    Dataset::with_accounts(1_234_567_000, accounts, &KINDS, first_day, last_day)
}

/// The `currency_constant.billable_unit_micros` this fake answers: budgets must be multiples of
/// it. Google answers each currency's own; the fake's figures are its own, chosen so that a
/// currency with two ISO decimals (HUF) has a billable unit of a whole unit.
pub fn billable_unit_micros(currency: &str) -> i64 {
    match currency {
        "HUF" | "JPY" | "KRW" | "CLP" => 1_000_000,
        _ => 10_000,
    }
}

pub fn start(state: FakeState) -> std::io::Result<FakeServer> {
    FakeServer::start(state, configure)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/o/oauth2/v2/auth", web::get().to(authorize))
        .route("/token", web::post().to(token))
        .route("/revoke", web::post().to(revoke))
        .route(
            "/{version}/customers:listAccessibleCustomers",
            web::get().to(list_accessible),
        )
        .route(
            "/{version}/customers/{customer}/googleAds:search",
            web::post().to(search),
        )
        .route(
            "/{version}/customers/{customer}/campaignBudgets:mutate",
            web::post().to(mutate_budgets),
        );
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": error, "error_description": description }))
}

/// Google's error envelope with one `GoogleAdsFailure` error.
fn failure(
    http: u16,
    status: &str,
    category: &str,
    code: &str,
    message: &str,
    details: Value,
) -> HttpResponse {
    let mut error = json!({ "errorCode": { category: code }, "message": message });
    if !details.is_null() {
        error["details"] = details;
    }
    HttpResponse::build(StatusCode::from_u16(http).unwrap_or(StatusCode::BAD_REQUEST)).json(json!({
        "error": {
            "code": http,
            "message": message,
            "status": status,
            "details": [{
                "@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
                "errors": [error],
                "requestId": "fake-request",
            }],
        }
    }))
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    response_type: String,
    scope: String,
    state: String,
    access_type: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// The consent page: consents at once and sends the browser back with a code.
async fn authorize(data: web::Data<Shared>, q: web::Query<AuthorizeQuery>) -> HttpResponse {
    let mut state = data.lock();
    state.record("GET", "/o/oauth2/v2/auth", "consent");
    if q.client_id != state.client_id {
        return HttpResponse::BadRequest()
            .body("Error 401: invalid_client. The OAuth client was not found.");
    }
    if q.response_type != "code" || !q.scope.split(' ').any(|s| s == crate::google_ads::SCOPE) {
        return HttpResponse::BadRequest()
            .body("Error 400: invalid_request (response_type or scope)");
    }
    if q.access_type.as_deref() != Some("offline") {
        return HttpResponse::BadRequest()
            .body("this fake insists on access_type=offline: a grant without a refresh token would stop syncing in an hour");
    }
    let challenge = match (&q.code_challenge, q.code_challenge_method.as_deref()) {
        (Some(c), Some("S256")) => Some(c.clone()),
        (Some(_), _) => return HttpResponse::BadRequest().body("invalid code_challenge_method"),
        (None, _) => None,
    };
    let code = state.issue_code(&q.redirect_uri, challenge);
    match super::consent_redirect(
        &q.redirect_uri,
        &[
            ("code", &code),
            ("state", &q.state),
            ("scope", crate::google_ads::SCOPE),
        ],
    ) {
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
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

async fn token(data: web::Data<Shared>, form: web::Form<TokenForm>) -> HttpResponse {
    let mut state = data.lock();
    if form.client_id.as_deref() != Some(state.client_id.as_str())
        || form.client_secret.as_deref() != Some(state.client_secret.as_str())
    {
        state.record("POST", "/token", "invalid_client");
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    }
    match form.grant_type.as_str() {
        "authorization_code" => {
            let redeemed = state.redeem_code(
                form.code.as_deref().unwrap_or_default(),
                form.redirect_uri.as_deref().unwrap_or_default(),
                form.code_verifier.as_deref(),
            );
            if let Err(why) = redeemed {
                state.record("POST", "/token", "invalid_grant");
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
            }
            let (access, refresh) = state.issue_tokens(true);
            state.record("POST", "/token", "issued");
            HttpResponse::Ok().json(json!({
                "access_token": access, "expires_in": 3599, "refresh_token": refresh,
                "scope": crate::google_ads::SCOPE, "token_type": "Bearer",
            }))
        }
        "refresh_token" => {
            let rt = form.refresh_token.clone().unwrap_or_default();
            let valid = !state.faults.revoked && state.refresh_tokens.get(&rt) == Some(&true);
            if !valid {
                state.record("POST", "/token", "invalid_grant");
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Token has been expired or revoked.",
                );
            }
            // Google does not rotate refresh tokens: the answer has none.
            let (access, _) = state.issue_tokens(false);
            state.record("POST", "/token", "refreshed");
            HttpResponse::Ok().json(json!({
                "access_token": access, "expires_in": 3599,
                "scope": crate::google_ads::SCOPE, "token_type": "Bearer",
            }))
        }
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("Invalid grant_type: {other}"),
        ),
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    token: String,
}

async fn revoke(data: web::Data<Shared>, form: web::Form<RevokeForm>) -> HttpResponse {
    let mut state = data.lock();
    let known = state.refresh_tokens.contains_key(&form.token)
        || state.access_tokens.contains_key(&form.token);
    if !known {
        state.record("POST", "/revoke", "invalid_token");
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "Token expired or revoked",
        );
    }
    state.faults.revoked = true;
    state.record("POST", "/revoke", "revoked");
    HttpResponse::Ok().json(json!({}))
}

/// The bearer token's check and the injected faults, as Google answers them.
// Refusals are whole actix responses, built only when a request is refused.
#[allow(clippy::result_large_err)]
fn guard(state: &mut FakeState, req: &HttpRequest, path: &str) -> Result<(), HttpResponse> {
    let token = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let refused = |code: &str, message: &str| {
        failure(
            401,
            "UNAUTHENTICATED",
            "authenticationError",
            code,
            message,
            Value::Null,
        )
    };
    let outcome = match state.check_access(token) {
        AccessCheck::Ok => None,
        AccessCheck::Missing => Some((
            "missing",
            refused(
                "OAUTH_TOKEN_HEADER_INVALID",
                "Request is missing required authentication credential.",
            ),
        )),
        AccessCheck::Invalid => Some((
            "invalid",
            refused(
                "OAUTH_TOKEN_INVALID",
                "Request had invalid authentication credentials.",
            ),
        )),
        AccessCheck::Expired => Some((
            "expired",
            refused(
                "OAUTH_TOKEN_EXPIRED",
                "Authentication of the request failed: the OAuth token has expired.",
            ),
        )),
        AccessCheck::Revoked => Some((
            "revoked",
            refused("OAUTH_TOKEN_REVOKED", "The OAuth token has been revoked."),
        )),
    };
    if let Some((what, response)) = outcome {
        state.record(req.method().as_str(), path, what);
        return Err(response);
    }
    match state.take_fault() {
        Some(Injected::Throttle(wait)) => {
            state.record(req.method().as_str(), path, "throttled");
            Err(failure(
                429,
                "RESOURCE_EXHAUSTED",
                "quotaError",
                "RESOURCE_EXHAUSTED",
                &format!("Too many requests. Retry in {} seconds.", wait.as_secs()),
                json!({ "quotaErrorDetails": {
                    "rateScope": "DEVELOPER",
                    "rateName": "Number of operations for basic access",
                    "retryDelay": format!("{}s", wait.as_secs_f64()),
                }}),
            ))
        }
        Some(Injected::Fail) => {
            state.record(req.method().as_str(), path, "failed");
            Err(HttpResponse::ServiceUnavailable().json(json!({
                "error": { "code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE" }
            })))
        }
        None => Ok(()),
    }
}

async fn list_accessible(data: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let mut state = data.lock();
    let path = req.path().to_owned();
    if let Err(refused) = guard(&mut state, &req, &path) {
        return refused;
    }
    state.record("GET", &path, "ok");
    let direct = state
        .dataset
        .accounts
        .first()
        .map(|a| format!("customers/{}", a.id));
    let names: Vec<String> = direct
        .into_iter()
        .chain([format!("customers/{MANAGER_ID}")])
        .collect();
    HttpResponse::Ok().json(json!({ "resourceNames": names }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    query: String,
    page_token: Option<String>,
    page_size: Option<u64>,
}

/// Whether `customer` may be called with this `login-customer-id`: the first account directly,
/// the second only through the manager.
fn reachable(state: &FakeState, customer: &str, login: Option<&str>) -> bool {
    if customer == MANAGER_ID {
        return true;
    }
    match state.dataset.accounts.iter().position(|a| a.id == customer) {
        Some(0) => true,
        Some(_) => login == Some(MANAGER_ID),
        None => false,
    }
}

fn customer_row(account: &FakeAccount) -> Value {
    json!({ "customer": {
        "resourceName": format!("customers/{}", account.id),
        "id": account.id, "descriptiveName": account.name, "currencyCode": account.currency,
        "timeZone": account.time_zone, "manager": false, "status": "ENABLED",
    }})
}

/// The rows a query asks for, from the `FROM` clause and the date range.
fn rows_for(state: &FakeState, customer: &str, query: &str) -> Result<Vec<Value>, String> {
    let q = query.split_whitespace().collect::<Vec<_>>().join(" ");
    let from = q
        .split(" FROM ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .ok_or("the query has no FROM clause")?;
    if from == "currency_constant" {
        let code = q
            .split("currency_constant.code = ")
            .nth(1)
            .map(|s| s.trim().trim_matches('\''))
            .ok_or("a currency_constant query needs currency_constant.code = 'XXX'")?;
        return Ok(vec![json!({ "currencyConstant": {
            "resourceName": format!("currencyConstants/{code}"), "code": code,
            "billableUnitMicros": billable_unit_micros(code).to_string(),
        }})]);
    }
    if customer == MANAGER_ID {
        return match from {
            "customer" => Ok(vec![json!({ "customer": {
                "resourceName": format!("customers/{MANAGER_ID}"), "id": MANAGER_ID,
                "descriptiveName": "Acme Agency (manager)", "currencyCode": "USD",
                "timeZone": "America/New_York", "manager": true, "status": "ENABLED",
            }})]),
            "customer_client" => Ok(state
                .dataset
                .accounts
                .iter()
                .skip(1)
                .map(|a| json!({ "customerClient": {
                    "resourceName": format!("customers/{MANAGER_ID}/customerClients/{}", a.id),
                    "id": a.id, "descriptiveName": a.name, "currencyCode": a.currency,
                    "timeZone": a.time_zone, "manager": false, "level": "1", "status": "ENABLED",
                }}))
                .collect()),
            _ => Ok(Vec::new()),
        };
    }
    let account = state.dataset.account(customer).ok_or("unknown customer")?;
    let budget_micros = |budget_id: &str| {
        let minor = state.budgets.get(budget_id).copied().unwrap_or_default();
        crate::money::minor_to_micros(minor, &account.currency).unwrap_or_default()
    };
    match from {
        "customer" => Ok(vec![customer_row(account)]),
        "campaign_budget" => {
            let id = q
                .split("campaign_budget.id = ")
                .nth(1)
                .map(|s| s.trim().trim_matches('\''))
                .ok_or("a campaign_budget query needs campaign_budget.id = N")?;
            let exists = account
                .campaigns
                .iter()
                .any(|c| c.budget_id == id && c.budget_owner != BudgetOwner::None);
            Ok(if exists {
                vec![json!({ "campaignBudget": {
                    "resourceName": format!("customers/{customer}/campaignBudgets/{id}"),
                    "id": id, "amountMicros": budget_micros(id).to_string(),
                }})]
            } else {
                Vec::new()
            })
        }
        "campaign" if q.contains("segments.date BETWEEN") => {
            let dates: Vec<&str> = q.split('\'').skip(1).step_by(2).take(2).collect();
            let [since, until] = dates[..] else {
                return Err("segments.date BETWEEN needs two quoted dates".into());
            };
            let since: NaiveDate = since.parse().map_err(|_| "bad start date")?;
            let until: NaiveDate = until.parse().map_err(|_| "bad end date")?;
            let range = crate::DateRange::new(since, until).map_err(|e| e.to_string())?;
            Ok(account
                .campaigns
                .iter()
                .flat_map(|c| range.iter_days().filter_map(|d| state.dataset.metrics(&c.id, d)))
                .map(|r| {
                    let value = crate::money::minor_to_float(r.revenue_minor, &account.currency)
                        .unwrap_or_default();
                    json!({
                        "campaign": {
                            "resourceName": format!("customers/{customer}/campaigns/{}", r.campaign_id),
                            "id": r.campaign_id,
                        },
                        "segments": { "date": r.date.to_string() },
                        "metrics": {
                            "impressions": r.impressions.to_string(),
                            "clicks": r.clicks.to_string(),
                            "costMicros": crate::money::minor_to_micros(r.spend_minor, &account.currency).unwrap_or_default().to_string(),
                            "conversions": r.conversions,
                            "conversionsValue": value,
                        },
                    })
                })
                .collect())
        }
        "campaign" => Ok(account
            .campaigns
            .iter()
            .map(|c| {
                let mut row = json!({ "campaign": {
                    "resourceName": format!("customers/{customer}/campaigns/{}", c.id),
                    "id": c.id, "name": c.name, "status": "ENABLED",
                    "advertisingChannelType": c.kind,
                }});
                if c.budget_owner != BudgetOwner::None {
                    let name = format!("customers/{customer}/campaignBudgets/{}", c.budget_id);
                    row["campaign"]["campaignBudget"] = json!(name);
                    row["campaignBudget"] = json!({
                        "resourceName": name,
                        "amountMicros": budget_micros(&c.budget_id).to_string(),
                        "explicitlyShared": c.budget_owner == BudgetOwner::SharedBudget,
                    });
                }
                row
            })
            .collect()),
        other => Err(format!("this fake does not serve FROM {other}")),
    }
}

async fn search(
    data: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<SearchBody>,
) -> HttpResponse {
    let mut state = data.lock();
    let (_, customer) = path.into_inner();
    let logged = req.path().to_owned();
    if let Err(refused) = guard(&mut state, &req, &logged) {
        return refused;
    }
    if body.page_size.is_some() {
        state.record("POST", &logged, "rejected");
        return failure(
            400,
            "INVALID_ARGUMENT",
            "requestError",
            "PAGE_SIZE_NOT_SUPPORTED",
            "Setting the page size is not supported. Search Responses will have fixed page size of '10000' rows.",
            Value::Null,
        );
    }
    let login = req
        .headers()
        .get("login-customer-id")
        .and_then(|v| v.to_str().ok());
    if !reachable(&state, &customer, login) {
        state.record("POST", &logged, "denied");
        return failure(
            403,
            "PERMISSION_DENIED",
            "authorizationError",
            "USER_PERMISSION_DENIED",
            "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.",
            Value::Null,
        );
    }
    let rows = match rows_for(&state, &customer, &body.query) {
        Ok(rows) => rows,
        Err(why) => {
            state.record("POST", &logged, "rejected");
            return failure(
                400,
                "INVALID_ARGUMENT",
                "queryError",
                "UNRECOGNIZED_FIELD",
                &why,
                Value::Null,
            );
        }
    };
    let offset = match body.page_token.as_deref() {
        None => 0,
        Some(token) => match token
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) if n <= rows.len() => n,
            _ => {
                state.record("POST", &logged, "rejected");
                return failure(
                    400,
                    "INVALID_ARGUMENT",
                    "requestError",
                    "INVALID_PAGE_TOKEN",
                    "Page token is invalid.",
                    Value::Null,
                );
            }
        },
    };
    let end = (offset + PAGE_SIZE).min(rows.len());
    let mut answer = json!({
        "results": rows[offset..end],
        "fieldMask": "",
        "queryResourceConsumption": "1",
    });
    if end < rows.len() {
        answer["nextPageToken"] = json!(format!("page-{end}"));
    }
    state.record("POST", &logged, "ok");
    HttpResponse::Ok().json(answer)
}

async fn mutate_budgets(
    data: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut state = data.lock();
    let (_, customer) = path.into_inner();
    let logged = req.path().to_owned();
    if let Err(refused) = guard(&mut state, &req, &logged) {
        return refused;
    }
    let login = req
        .headers()
        .get("login-customer-id")
        .and_then(|v| v.to_str().ok());
    if !reachable(&state, &customer, login) {
        state.record("POST", &logged, "denied");
        return failure(
            403,
            "PERMISSION_DENIED",
            "authorizationError",
            "USER_PERMISSION_DENIED",
            "User doesn't have permission to access customer.",
            Value::Null,
        );
    }
    let Some(account) = state.dataset.account(&customer).cloned() else {
        return failure(
            404,
            "NOT_FOUND",
            "requestError",
            "RESOURCE_NOT_FOUND",
            "unknown customer",
            Value::Null,
        );
    };
    let op = &body["operations"][0];
    let mask = op["updateMask"].as_str().unwrap_or_default();
    if !mask
        .split(',')
        .any(|m| m == "amount_micros" || m == "amountMicros")
    {
        state.record("POST", &logged, "rejected");
        return failure(
            400,
            "INVALID_ARGUMENT",
            "fieldMaskError",
            "FIELD_NOT_FOUND",
            "updateMask must name amount_micros",
            Value::Null,
        );
    }
    let resource = op["update"]["resourceName"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let prefix = format!("customers/{customer}/campaignBudgets/");
    let budget_id = resource
        .strip_prefix(&prefix)
        .unwrap_or_default()
        .to_owned();
    if !account
        .campaigns
        .iter()
        .any(|c| c.budget_id == budget_id && c.budget_owner != BudgetOwner::None)
    {
        state.record("POST", &logged, "rejected");
        return failure(
            400,
            "INVALID_ARGUMENT",
            "mutateError",
            "RESOURCE_NOT_FOUND",
            &format!("Resource was not found: {resource}"),
            Value::Null,
        );
    }
    let Some(micros) = op["update"]["amountMicros"]
        .as_str()
        .and_then(|s| s.parse::<i64>().ok())
    else {
        state.record("POST", &logged, "rejected");
        return failure(
            400,
            "INVALID_ARGUMENT",
            "requestError",
            "INVALID_INPUT",
            "amountMicros must be an int64 string",
            Value::Null,
        );
    };
    if micros < 0 {
        state.record("POST", &logged, "rejected");
        return failure(
            400,
            "INVALID_ARGUMENT",
            "campaignBudgetError",
            "NEGATIVE_MONEY_AMOUNT",
            "The budget amount is negative.",
            Value::Null,
        );
    }
    if micros % billable_unit_micros(&account.currency) != 0 {
        state.record("POST", &logged, "rejected");
        return failure(
            400,
            "INVALID_ARGUMENT",
            "campaignBudgetError",
            "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT",
            "The amount must be a multiple of the currency's minimum unit.",
            Value::Null,
        );
    }
    if micros < MIN_BUDGET_MICROS {
        state.record("POST", &logged, "rejected");
        return failure(
            400,
            "INVALID_ARGUMENT",
            "campaignBudgetError",
            "BUDGET_BELOW_PER_DAY_MINIMUM",
            "The budget is below the per-day minimum.",
            json!({
                "budgetPerDayMinimumErrorDetails": {
                    "currencyCode": account.currency,
                    "budgetPerDayMinimumMicros": MIN_BUDGET_MICROS.to_string(),
                    "minimumBudgetAmountMicros": MIN_BUDGET_MICROS.to_string(),
                    "failedBudgetAmountMicros": micros.to_string(),
                }
            }),
        );
    }
    let minor = crate::money::micros_to_minor(micros, &account.currency).unwrap_or_default();
    state.budgets.insert(budget_id, minor);
    state.record("POST", &logged, "ok");
    HttpResponse::Ok().json(json!({ "results": [{
        "resourceName": resource,
        "campaignBudget": { "resourceName": resource, "amountMicros": micros.to_string() },
    }]}))
}
