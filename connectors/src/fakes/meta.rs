//! A local Graph API for the Marketing API: the login dialog, the token endpoint (code exchange,
//! then `fb_exchange_token` for a long-lived token), `/me/adaccounts`, an account's campaigns,
//! ad sets and insights with cursor paging (`paging.next` links back to this server), nodes'
//! `daily_budget` read and written, and `/me/permissions` revoked. Errors are Meta's
//! `OAuthException` bodies with HTTP 400; a throttle carries `X-Ad-Account-Usage` with its
//! `reset_time_duration`.
//!
//! Budgets are held and answered in Meta's units of each account's currency (its currency
//! table's offset: whole forints for HUF, cents for USD), converted from the dataset's ISO minor
//! units by the fake's own table ([`offset`]), and each account's `min_daily_budget` is in the
//! same units.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use domain::dto::ad_data::Channel;
use serde_json::{Value, json};

use super::{AccessCheck, Dataset, FakeAccount, FakeServer, FakeState, Injected, Shared};
use crate::BudgetOwner;

pub const CLIENT_ID: &str = "1122334455667788";
pub const CLIENT_SECRET: &str = "fake-meta-app-secret";

type Query = web::Query<std::collections::HashMap<String, String>>;

/// The fake's own reading of Meta's currency table (developers.facebook.com/docs/marketing-api/
/// currencies): how many of Meta's budget units make one unit of `currency`. 1 for the
/// currencies Meta counts in whole units, 100 for the rest. Written out here apart from the
/// client's table, so that a mistake in one is caught by the other.
pub fn offset(currency: &str) -> i64 {
    match currency {
        "CLP" | "COP" | "CRC" | "HUF" | "ISK" | "IDR" | "JPY" | "KRW" | "PYG" | "TWD" | "VND" => 1,
        _ => 100,
    }
}

/// Each account's `min_daily_budget`, in Meta's units of its currency: about one US dollar's
/// worth. Meta answers every account's own; these figures are the fake's.
pub fn min_daily_budget(currency: &str) -> i64 {
    match currency {
        "HUF" => 350,
        "TWD" => 32,
        "COP" => 4_000,
        "CRC" => 500,
        "IDR" => 16_000,
        "JPY" => 150,
        "KRW" => 1_400,
        "CLP" => 950,
        "VND" => 26_000,
        "ISK" => 140,
        "PYG" => 7_500,
        // One unit in hundredths: $1.00, 1.00 EUR, 1.00 BHD.
        _ => 100,
    }
}

/// Minor units of `currency` (ISO 4217) as Meta's units, exactly (the dataset's amounts are
/// whole numbers of Meta's units in every currency the fake serves).
pub fn to_meta_units(minor: i64, currency: &str) -> i64 {
    let exponent = crate::money::exponent(currency).unwrap_or(2);
    let scaled = i128::from(minor) * i128::from(offset(currency));
    let per_unit = 10_i128.pow(exponent);
    assert_eq!(
        scaled % per_unit,
        0,
        "{minor} minor units of {currency} are no whole number of Meta's units"
    );
    i64::try_from(scaled / per_unit).unwrap_or(i64::MAX)
}

/// Meta's units of `currency` as minor units (ISO 4217).
pub fn to_minor(units: i64, currency: &str) -> i64 {
    let exponent = crate::money::exponent(currency).unwrap_or(2);
    let minor = i128::from(units) * 10_i128.pow(exponent) / i128::from(offset(currency));
    i64::try_from(minor).unwrap_or(i64::MAX)
}

/// The kinds of campaign every account has: a campaign budget (Advantage campaign budget), a
/// budget on the ad set, video views, and a lifetime budget.
const KINDS: [(&str, Channel, BudgetOwner); 4] = [
    ("OUTCOME_SALES", Channel::Social, BudgetOwner::Campaign),
    ("OUTCOME_TRAFFIC", Channel::Social, BudgetOwner::AdSet),
    ("VIDEO_VIEWS", Channel::Video, BudgetOwner::Campaign),
    ("OUTCOME_AWARENESS", Channel::Social, BudgetOwner::None),
];

/// Two accounts: one in USD and one in HUF, a currency Meta counts in whole units although ISO
/// 4217 gives it two decimals.
pub fn dataset(first_day: NaiveDate, last_day: NaiveDate) -> Dataset {
    dataset_in(
        first_day,
        last_day,
        &[
            ("Acme US", "USD", "America/Los_Angeles"),
            ("Acme HU", "HUF", "Europe/Budapest"),
        ],
    )
}

/// The same campaigns in one account per `(name, currency, time zone)`.
pub fn dataset_in(
    first_day: NaiveDate,
    last_day: NaiveDate,
    accounts: &[(&str, &str, &str)],
) -> Dataset {
    Dataset::with_accounts(23_850_000, accounts, &KINDS, first_day, last_day)
}

pub fn state(first_day: NaiveDate, last_day: NaiveDate) -> FakeState {
    state_of(dataset(first_day, last_day))
}

/// The fake's state for `dataset`, its budgets held in Meta's units.
pub fn state_of(dataset: Dataset) -> FakeState {
    let mut state = FakeState::new(dataset, CLIENT_ID, CLIENT_SECRET);
    let currencies: std::collections::HashMap<String, String> = state
        .dataset
        .accounts
        .iter()
        .flat_map(|a| {
            a.campaigns
                .iter()
                .map(move |c| (c.budget_id.clone(), a.currency.clone()))
        })
        .collect();
    for (id, amount) in &mut state.budgets {
        if let Some(currency) = currencies.get(id) {
            *amount = to_meta_units(*amount, currency);
        }
    }
    state
}

pub fn start(state: FakeState) -> std::io::Result<FakeServer> {
    FakeServer::start(state, configure)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/{version}/dialog/oauth", web::get().to(dialog))
        .route("/{version}/oauth/access_token", web::get().to(access_token))
        .route("/{version}/me/permissions", web::delete().to(revoke))
        .route("/{version}/{node}/{edge}", web::get().to(edge))
        .route("/{version}/{node}", web::get().to(node))
        .route("/{version}/{node}", web::post().to(update));
}

fn error(code: i64, subcode: Option<i64>, message: &str) -> HttpResponse {
    let mut e = json!({ "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AfakeTrace" });
    if let Some(sub) = subcode {
        e["error_subcode"] = json!(sub);
    }
    HttpResponse::BadRequest().json(json!({ "error": e }))
}

async fn dialog(data: web::Data<Shared>, q: Query) -> HttpResponse {
    let mut state = data.lock();
    state.record("GET", "/dialog/oauth", "consent");
    if q.get("client_id") != Some(&state.client_id) {
        return HttpResponse::BadRequest().body("Invalid App ID");
    }
    let (Some(redirect), Some(st)) = (q.get("redirect_uri"), q.get("state")) else {
        return HttpResponse::BadRequest().body("redirect_uri and state are required");
    };
    if q.get("response_type").map(String::as_str) != Some("code")
        || !q.get("scope").is_some_and(|s| s.contains("ads_read"))
    {
        return HttpResponse::BadRequest()
            .body("response_type=code and the ads_read scope are required");
    }
    let code = state.issue_code(redirect, None);
    match super::consent_redirect(redirect, &[("code", &code), ("state", st)]) {
        Ok(to) => HttpResponse::Found()
            .insert_header(("Location", to))
            .finish(),
        Err(_) => HttpResponse::BadRequest().body("invalid redirect_uri"),
    }
}

async fn access_token(data: web::Data<Shared>, q: Query) -> HttpResponse {
    let mut state = data.lock();
    if q.get("client_id") != Some(&state.client_id)
        || q.get("client_secret") != Some(&state.client_secret)
    {
        state.record("GET", "/oauth/access_token", "invalid_client");
        return error(1, None, "Error validating client secret.");
    }
    if q.get("grant_type").map(String::as_str) == Some("fb_exchange_token") {
        let short = q.get("fb_exchange_token").cloned().unwrap_or_default();
        if state.check_access(Some(&short)) != AccessCheck::Ok {
            state.record("GET", "/oauth/access_token", "invalid_grant");
            return error(
                190,
                Some(463),
                "Error validating access token: Session has expired.",
            );
        }
        let (long, _) = state.issue_tokens(false);
        state.record("GET", "/oauth/access_token", "long_lived");
        return HttpResponse::Ok().json(
            json!({ "access_token": long, "token_type": "bearer", "expires_in": 5_183_944 }),
        );
    }
    let redeemed = state.redeem_code(
        q.get("code").map(String::as_str).unwrap_or_default(),
        q.get("redirect_uri")
            .map(String::as_str)
            .unwrap_or_default(),
        None,
    );
    if let Err(why) = redeemed {
        state.record("GET", "/oauth/access_token", "invalid_grant");
        return error(
            100,
            Some(36009),
            &format!("This authorization code has been used or is invalid: {why}"),
        );
    }
    let (short, _) = state.issue_tokens(false);
    state.record("GET", "/oauth/access_token", "short_lived");
    HttpResponse::Ok()
        .json(json!({ "access_token": short, "token_type": "bearer", "expires_in": 3600 }))
}

/// The token (header or `access_token` parameter) and the injected faults.
// Refusals are whole actix responses, built only when a request is refused.
#[allow(clippy::result_large_err)]
fn guard(state: &mut FakeState, req: &HttpRequest, q: &Query) -> Result<(), HttpResponse> {
    let path = req.path().to_owned();
    let method = req.method().as_str().to_owned();
    let token = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| q.get("access_token").cloned());
    let refused = match state.check_access(token.as_deref()) {
        AccessCheck::Ok => None,
        AccessCheck::Missing => Some((
            "missing",
            error(
                104,
                None,
                "An access token is required to request this resource.",
            ),
        )),
        AccessCheck::Invalid => Some((
            "invalid",
            error(
                190,
                None,
                "Invalid OAuth access token - Cannot parse access token",
            ),
        )),
        AccessCheck::Expired => Some((
            "expired",
            error(
                190,
                Some(463),
                "Error validating access token: Session has expired.",
            ),
        )),
        AccessCheck::Revoked => Some((
            "revoked",
            error(
                190,
                Some(458),
                "Error validating access token: The user has not authorized application.",
            ),
        )),
    };
    if let Some((what, response)) = refused {
        state.record(&method, &path, what);
        return Err(response);
    }
    match state.take_fault() {
        Some(Injected::Throttle(wait)) => {
            state.record(&method, &path, "throttled");
            let secs = wait.as_secs_f64().ceil() as u64;
            Err(HttpResponse::BadRequest()
                .insert_header(("X-Ad-Account-Usage", json!({ "acc_id_util_pct": 100, "reset_time_duration": secs, "ads_api_access_tier": "standard_access" }).to_string()))
                .json(json!({ "error": { "message": "User request limit reached", "type": "OAuthException", "code": 17, "error_subcode": 2_446_079, "fbtrace_id": "AfakeTrace" } })))
        }
        Some(Injected::Fail) => {
            state.record(&method, &path, "failed");
            Err(HttpResponse::InternalServerError().json(json!({ "error": { "message": "An unknown error occurred", "type": "OAuthException", "code": 1, "is_transient": true } })))
        }
        None => Ok(()),
    }
}

async fn revoke(data: web::Data<Shared>, req: HttpRequest, q: Query) -> HttpResponse {
    let mut state = data.lock();
    if let Err(r) = guard(&mut state, &req, &q) {
        return r;
    }
    state.faults.revoked = true;
    state.record("DELETE", req.path(), "revoked");
    HttpResponse::Ok().json(json!({ "success": true }))
}

/// One page of `items` after the `after` cursor, with `paging.next` to this server.
fn page(req: &HttpRequest, q: &Query, items: Vec<Value>) -> HttpResponse {
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(25)
        .clamp(1, 5000);
    let start: usize = q
        .get("after")
        .and_then(|a| a.strip_prefix("cursor-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let end = (start + limit).min(items.len());
    let mut paging = json!({ "cursors": { "before": format!("cursor-{start}"), "after": format!("cursor-{end}") } });
    if end < items.len() {
        let info = req.connection_info();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in q.iter().filter(|(k, _)| k.as_str() != "after") {
            query.append_pair(k, v);
        }
        query.append_pair("after", &format!("cursor-{end}"));
        let next = format!(
            "{}://{}{}?{}",
            info.scheme(),
            info.host(),
            req.path(),
            query.finish()
        );
        paging["next"] = json!(next);
    }
    HttpResponse::Ok()
        .json(json!({ "data": items.get(start..end).unwrap_or_default(), "paging": paging }))
}

fn account_of<'a>(state: &'a FakeState, node: &str) -> Option<&'a FakeAccount> {
    state.dataset.account(node.strip_prefix("act_")?)
}

fn minor_str(state: &FakeState, id: &str) -> String {
    state
        .budgets
        .get(id)
        .copied()
        .unwrap_or_default()
        .to_string()
}

async fn edge(
    data: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    q: Query,
) -> HttpResponse {
    let mut state = data.lock();
    if let Err(r) = guard(&mut state, &req, &q) {
        return r;
    }
    let (_, node, edge) = path.into_inner();
    let items: Vec<Value> = if node == "me" && edge == "adaccounts" {
        state.dataset.accounts.iter().map(|a| json!({
            "id": format!("act_{}", a.id), "account_id": a.id, "name": a.name, "currency": a.currency,
            "account_status": 1, "timezone_name": a.time_zone, "min_daily_budget": min_daily_budget(&a.currency),
        })).collect()
    } else {
        let Some(account) = account_of(&state, &node).cloned() else {
            state.record("GET", req.path(), "rejected");
            return error(
                100,
                Some(33),
                &format!("Unsupported get request. Object with ID '{node}' does not exist"),
            );
        };
        match edge.as_str() {
            "campaigns" => account.campaigns.iter().map(|c| {
                let mut row = json!({ "id": c.id, "name": c.name, "objective": c.kind, "effective_status": "ACTIVE" });
                match c.budget_owner {
                    BudgetOwner::Campaign => row["daily_budget"] = json!(minor_str(&state, &c.budget_id)),
                    BudgetOwner::None => row["lifetime_budget"] = json!("500000"),
                    _ => {}
                }
                row
            }).collect(),
            "adsets" => account.campaigns.iter().filter(|c| c.budget_owner == BudgetOwner::AdSet).map(|c| json!({
                "id": c.budget_id, "campaign_id": c.id, "daily_budget": minor_str(&state, &c.budget_id),
            })).collect(),
            "insights" => {
                let range: Option<Value> = q.get("time_range").and_then(|t| serde_json::from_str(t).ok());
                let day = |k: &str| range.as_ref().and_then(|r| r[k].as_str()).and_then(|d| d.parse::<NaiveDate>().ok());
                let (Some(since), Some(until)) = (day("since"), day("until")) else {
                    return error(100, None, "(#100) time_range must be {'since':YYYY-MM-DD,'until':YYYY-MM-DD}");
                };
                if q.get("level").map(String::as_str) != Some("campaign") || q.get("time_increment").map(String::as_str) != Some("1") {
                    return error(100, None, "this fake serves level=campaign with time_increment=1");
                }
                let Ok(range) = crate::DateRange::new(since, until) else {
                    return error(100, None, "(#100) since must not be after until");
                };
                let money = |minor: i64| crate::money::minor_to_decimal(minor, &account.currency).map(|d| d.to_string()).unwrap_or_default();
                state.dataset.expected_rows(&account.id, range).into_iter().map(|r| {
                    let purchases = r.conversions.to_string();
                    let (leads, lead_value) = super::other_conversions(&r);
                    json!({
                        "account_id": account.id, "campaign_id": r.campaign_id,
                        "date_start": r.date.to_string(), "date_stop": r.date.to_string(),
                        "account_currency": account.currency,
                        "spend": money(r.spend_minor), "impressions": r.impressions.to_string(), "clicks": r.clicks.to_string(),
                        "actions": [
                            { "action_type": "link_click", "value": r.clicks.to_string() },
                            { "action_type": "omni_purchase", "value": purchases },
                            { "action_type": "purchase", "value": purchases },
                            { "action_type": "lead", "value": leads.to_string() },
                        ],
                        "action_values": [
                            { "action_type": "omni_purchase", "value": money(r.revenue_minor) },
                            { "action_type": "purchase", "value": money(r.revenue_minor) },
                            { "action_type": "lead", "value": money(lead_value) },
                        ],
                    })
                }).collect()
            }
            other => return error(100, None, &format!("Tried accessing nonexisting field ({other})")),
        }
    };
    state.record("GET", req.path(), "ok");
    page(&req, &q, items)
}

/// The campaign or ad set holding budget `id`, and its account.
fn budget_node(state: &FakeState, id: &str) -> Option<(FakeAccount, BudgetOwner)> {
    state.dataset.accounts.iter().find_map(|a| {
        a.campaigns
            .iter()
            .find(|c| {
                c.budget_id == id
                    && matches!(c.budget_owner, BudgetOwner::Campaign | BudgetOwner::AdSet)
            })
            .map(|c| (a.clone(), c.budget_owner))
    })
}

async fn node(
    data: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: Query,
) -> HttpResponse {
    let mut state = data.lock();
    if let Err(r) = guard(&mut state, &req, &q) {
        return r;
    }
    let (_, node) = path.into_inner();
    let answer = if let Some(account) = account_of(&state, &node) {
        json!({ "id": node, "min_daily_budget": min_daily_budget(&account.currency), "currency": account.currency })
    } else if budget_node(&state, &node).is_some() {
        json!({ "id": node, "daily_budget": minor_str(&state, &node) })
    } else if state.dataset.campaign(&node).is_some() {
        json!({ "id": node })
    } else {
        state.record("GET", req.path(), "rejected");
        return error(
            100,
            Some(33),
            &format!("Unsupported get request. Object with ID '{node}' does not exist"),
        );
    };
    state.record("GET", req.path(), "ok");
    HttpResponse::Ok().json(answer)
}

async fn update(
    data: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: Query,
    form: web::Form<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let mut state = data.lock();
    if let Err(r) = guard(&mut state, &req, &q) {
        return r;
    }
    let (_, node) = path.into_inner();
    let Some((account, owner)) = budget_node(&state, &node) else {
        state.record("POST", req.path(), "rejected");
        let message = if state.dataset.campaign(&node).is_some() {
            "Your campaign's budget is set on its ad sets or for its lifetime; a daily budget cannot be set here."
        } else {
            "Unsupported post request. Object does not exist."
        };
        return error(100, Some(1_885_621), message);
    };
    let Some(amount) = form.get("daily_budget").and_then(|v| v.parse::<i64>().ok()) else {
        return error(100, None, "(#100) daily_budget must be an integer");
    };
    let minimum = min_daily_budget(&account.currency);
    if amount < minimum {
        state.record("POST", req.path(), "rejected");
        let shown =
            crate::money::minor_to_decimal(to_minor(minimum, &account.currency), &account.currency)
                .map(|d| d.to_string())
                .unwrap_or_default();
        let mut e = json!({ "message": "Invalid parameter", "type": "OAuthException", "code": 100, "error_subcode": 1_885_272,
            "error_user_title": "Budget Is Too Low",
            "error_user_msg": format!("The budget for this {} must be at least {shown} {}.", if owner == BudgetOwner::AdSet { "ad set" } else { "campaign" }, account.currency) });
        e["fbtrace_id"] = json!("AfakeTrace");
        return HttpResponse::BadRequest().json(json!({ "error": e }));
    }
    state.budgets.insert(node, amount);
    state.record("POST", req.path(), "ok");
    HttpResponse::Ok().json(json!({ "success": true }))
}
