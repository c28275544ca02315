//! A local TikTok API for Business: the advertiser authorization page (which answers with an
//! `auth_code`), the token and revoke calls, advertisers, campaigns and ad groups, the
//! integrated report, and budget updates. As TikTok does, it answers HTTP 200 with a `code`
//! for every error it knows (throttling and expired tokens included), requires the
//! `Access-Token` header and the trailing slash (a path without it is a plain 404), pages with
//! `page_info`, and refuses daily reports over more than 30 days.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use domain::dto::ad_data::Channel;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AccessCheck, Dataset, FakeServer, FakeState, Injected, Shared};
use crate::BudgetOwner;

pub const CLIENT_ID: &str = "7000000000000000001";
pub const CLIENT_SECRET: &str = "fake-tiktok-app-secret";

/// Two advertisers: campaigns with a daily budget, one whose budget is on its ad group, and
/// one with a lifetime budget.
pub fn dataset(first_day: NaiveDate, last_day: NaiveDate) -> Dataset {
    Dataset::new(
        7_100_000_000,
        &[
            ("PRODUCT_SALES", Channel::Social, BudgetOwner::Campaign),
            ("TRAFFIC", Channel::Social, BudgetOwner::AdSet),
            ("VIDEO_VIEWS", Channel::Video, BudgetOwner::Campaign),
            ("REACH", Channel::Video, BudgetOwner::None),
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
    cfg.route("/portal/auth", web::get().to(authorize)).service(
        web::scope("/open_api/v1.3")
            .route("/oauth2/access_token/", web::post().to(access_token))
            .route("/oauth2/revoke_token/", web::post().to(revoke_token))
            .route("/oauth2/advertiser/get/", web::get().to(advertisers))
            .route("/advertiser/info/", web::get().to(advertiser_info))
            .route("/campaign/get/", web::get().to(campaigns))
            .route("/adgroup/get/", web::get().to(ad_groups))
            .route("/report/integrated/get/", web::get().to(report))
            .route("/campaign/update/", web::post().to(update_campaign))
            .route("/adgroup/update/", web::post().to(update_ad_group)),
    );
}

/// TikTok's envelope: HTTP 200, and `code` says what happened.
fn answer(code: i64, message: &str, data: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "code": code, "message": message, "request_id": "20261124000000FAKE", "data": data,
    }))
}

fn ok(data: Value) -> HttpResponse {
    answer(0, "OK", data)
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    app_id: String,
    state: String,
    redirect_uri: String,
}

async fn authorize(data: web::Data<Shared>, q: web::Query<AuthorizeQuery>) -> HttpResponse {
    let mut state = data.lock();
    state.record("GET", "/portal/auth", "consent");
    if q.app_id != state.client_id {
        return HttpResponse::BadRequest().body("The app does not exist.");
    }
    let code = state.issue_code(&q.redirect_uri, None);
    match super::consent_redirect(
        &q.redirect_uri,
        &[("auth_code", &code), ("state", &q.state)],
    ) {
        Ok(to) => HttpResponse::Found()
            .insert_header(("Location", to))
            .finish(),
        Err(_) => HttpResponse::BadRequest().body("invalid redirect_uri"),
    }
}

async fn access_token(data: web::Data<Shared>, body: web::Json<Value>) -> HttpResponse {
    let mut state = data.lock();
    if body["app_id"].as_str() != Some(state.client_id.as_str())
        || body["secret"].as_str() != Some(state.client_secret.as_str())
    {
        state.record("POST", "/oauth2/access_token/", "invalid_client");
        return answer(40101, "The app_id or secret is invalid.", json!({}));
    }
    let code = body["auth_code"].as_str().unwrap_or_default().to_owned();
    let redirect = state.grants.get(&code).map(|g| g.redirect_uri.clone());
    let redeemed = match redirect {
        Some(uri) => state.redeem_code(&code, &uri, None),
        None => Err("unknown authorization code"),
    };
    if let Err(why) = redeemed {
        state.record("POST", "/oauth2/access_token/", "invalid_grant");
        return answer(40110, &format!("Auth code is invalid: {why}"), json!({}));
    }
    let (access, _) = state.issue_tokens(false);
    let ids: Vec<String> = state
        .dataset
        .accounts
        .iter()
        .map(|a| a.id.clone())
        .collect();
    state.record("POST", "/oauth2/access_token/", "issued");
    ok(json!({ "access_token": access, "advertiser_ids": ids, "scope": [4, 5, 6] }))
}

async fn revoke_token(data: web::Data<Shared>, body: web::Json<Value>) -> HttpResponse {
    let mut state = data.lock();
    if body["app_id"].as_str() != Some(state.client_id.as_str())
        || body["secret"].as_str() != Some(state.client_secret.as_str())
    {
        return answer(40101, "The app_id or secret is invalid.", json!({}));
    }
    state.faults.revoked = true;
    state.record("POST", "/oauth2/revoke_token/", "revoked");
    ok(json!({}))
}

/// The `Access-Token` check and the injected faults, as TikTok answers them: HTTP 200 and a
/// code (a 5xx is a real server failure).
// Refusals are whole actix responses, built only when a request is refused.
#[allow(clippy::result_large_err)]
fn guard(state: &mut FakeState, req: &HttpRequest) -> Result<(), HttpResponse> {
    let path = req.path().to_owned();
    let method = req.method().as_str().to_owned();
    let token = req
        .headers()
        .get("Access-Token")
        .and_then(|v| v.to_str().ok());
    let refused = match state.check_access(token) {
        AccessCheck::Ok => None,
        AccessCheck::Missing => Some(("missing", 40104, "Access token is null.")),
        AccessCheck::Expired => Some(("expired", 40102, "Access token has expired.")),
        AccessCheck::Invalid | AccessCheck::Revoked => Some((
            "revoked",
            40105,
            "Access token is incorrect or has been revoked.",
        )),
    };
    if let Some((what, code, message)) = refused {
        state.record(&method, &path, what);
        return Err(answer(code, message, json!({})));
    }
    match state.take_fault() {
        Some(Injected::Throttle(_)) => {
            state.record(&method, &path, "throttled");
            Err(answer(
                40100,
                "Too many requests. Please retry in some time.",
                json!({}),
            ))
        }
        Some(Injected::Fail) => {
            state.record(&method, &path, "failed");
            Err(answer(
                51000,
                "System error, please try again later.",
                json!({}),
            ))
        }
        None => Ok(()),
    }
}

/// A JSON array passed in the query string.
#[allow(clippy::result_large_err)]
fn json_param<T: serde::de::DeserializeOwned>(
    query: &std::collections::HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, HttpResponse> {
    match query.get(name) {
        None => Ok(None),
        Some(raw) => serde_json::from_str(raw)
            .map(Some)
            .map_err(|_| answer(40002, &format!("{name}: not valid JSON"), json!({}))),
    }
}

type Query = web::Query<std::collections::HashMap<String, String>>;

/// One page of `items`, with `page_info`.
fn page(query: &std::collections::HashMap<String, String>, items: Vec<Value>) -> HttpResponse {
    let page: usize = query
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let size: usize = query
        .get("page_size")
        .and_then(|p| p.parse().ok())
        .unwrap_or(10);
    if !(1..=1000).contains(&size) {
        return answer(40002, "page_size: must be between 1 and 1000", json!({}));
    }
    let total = items.len();
    let total_page = total.div_ceil(size).max(1);
    let list: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    ok(json!({
        "list": list,
        "page_info": { "page": page, "page_size": size, "total_number": total, "total_page": total_page },
    }))
}

async fn advertisers(data: web::Data<Shared>, req: HttpRequest, q: Query) -> HttpResponse {
    let mut state = data.lock();
    if let Err(r) = guard(&mut state, &req) {
        return r;
    }
    if q.get("app_id") != Some(&state.client_id) || q.get("secret") != Some(&state.client_secret) {
        return answer(40101, "The app_id or secret is invalid.", json!({}));
    }
    state.record("GET", req.path(), "ok");
    let list: Vec<Value> = state
        .dataset
        .accounts
        .iter()
        .map(|a| json!({ "advertiser_id": a.id, "advertiser_name": a.name }))
        .collect();
    ok(json!({ "list": list }))
}

async fn advertiser_info(data: web::Data<Shared>, req: HttpRequest, q: Query) -> HttpResponse {
    let mut state = data.lock();
    if let Err(r) = guard(&mut state, &req) {
        return r;
    }
    let ids: Vec<String> = match json_param(&q, "advertiser_ids") {
        Ok(Some(ids)) => ids,
        Ok(None) => {
            return answer(
                40002,
                "advertiser_ids: Missing data for required field.",
                json!({}),
            );
        }
        Err(r) => return r,
    };
    state.record("GET", req.path(), "ok");
    let list: Vec<Value> = state
        .dataset
        .accounts
        .iter()
        .filter(|a| ids.contains(&a.id))
        .map(|a| {
            json!({
                "advertiser_id": a.id, "name": a.name, "currency": a.currency,
                "timezone": a.time_zone, "display_timezone": a.time_zone, "status": "STATUS_ENABLE",
            })
        })
        .collect();
    ok(json!({ "list": list }))
}

fn budget_mode(owner: BudgetOwner) -> &'static str {
    match owner {
        BudgetOwner::Campaign | BudgetOwner::SharedBudget => "BUDGET_MODE_DAY",
        BudgetOwner::AdSet => "BUDGET_MODE_INFINITE",
        BudgetOwner::None => "BUDGET_MODE_TOTAL",
    }
}

fn major(state: &FakeState, id: &str, currency: &str) -> f64 {
    crate::money::minor_to_float(state.budgets.get(id).copied().unwrap_or_default(), currency)
        .unwrap_or_default()
}

async fn campaigns(data: web::Data<Shared>, req: HttpRequest, q: Query) -> HttpResponse {
    let mut state = data.lock();
    if let Err(r) = guard(&mut state, &req) {
        return r;
    }
    let Some(account) = q
        .get("advertiser_id")
        .and_then(|id| state.dataset.account(id))
        .cloned()
    else {
        return answer(40001, "No permission to operate advertiser.", json!({}));
    };
    let filter: Option<Value> = match json_param(&q, "filtering") {
        Ok(f) => f,
        Err(r) => return r,
    };
    let wanted: Option<Vec<String>> = filter
        .as_ref()
        .and_then(|f| serde_json::from_value(f["campaign_ids"].clone()).ok());
    let items: Vec<Value> = account
        .campaigns
        .iter()
        .filter(|c| wanted.as_ref().is_none_or(|w| w.contains(&c.id)))
        .map(|c| {
            let budget = match c.budget_owner {
                BudgetOwner::Campaign => major(&state, &c.budget_id, &account.currency),
                BudgetOwner::None => 5000.0,
                _ => 0.0,
            };
            json!({
                "campaign_id": c.id, "campaign_name": c.name, "objective_type": c.kind,
                "budget": budget, "budget_mode": budget_mode(c.budget_owner),
                "operation_status": "ENABLE",
            })
        })
        .collect();
    state.record("GET", req.path(), "ok");
    page(&q, items)
}

async fn ad_groups(data: web::Data<Shared>, req: HttpRequest, q: Query) -> HttpResponse {
    let mut state = data.lock();
    if let Err(r) = guard(&mut state, &req) {
        return r;
    }
    let Some(account) = q
        .get("advertiser_id")
        .and_then(|id| state.dataset.account(id))
        .cloned()
    else {
        return answer(40001, "No permission to operate advertiser.", json!({}));
    };
    let filter: Value = match json_param(&q, "filtering") {
        Ok(f) => f.unwrap_or_default(),
        Err(r) => return r,
    };
    let by_campaign: Option<Vec<String>> =
        serde_json::from_value(filter["campaign_ids"].clone()).ok();
    let by_id: Option<Vec<String>> = serde_json::from_value(filter["adgroup_ids"].clone()).ok();
    let items: Vec<Value> = account
        .campaigns
        .iter()
        .filter(|c| c.budget_owner == BudgetOwner::AdSet)
        .filter(|c| by_campaign.as_ref().is_none_or(|w| w.contains(&c.id)))
        .filter(|c| by_id.as_ref().is_none_or(|w| w.contains(&c.budget_id)))
        .map(|c| json!({
            "adgroup_id": c.budget_id, "campaign_id": c.id, "adgroup_name": format!("{} · ad group", c.name),
            "budget": major(&state, &c.budget_id, &account.currency), "budget_mode": "BUDGET_MODE_DAY",
        }))
        .collect();
    state.record("GET", req.path(), "ok");
    page(&q, items)
}

async fn report(data: web::Data<Shared>, req: HttpRequest, q: Query) -> HttpResponse {
    let mut state = data.lock();
    if let Err(r) = guard(&mut state, &req) {
        return r;
    }
    let Some(account) = q
        .get("advertiser_id")
        .and_then(|id| state.dataset.account(id))
        .cloned()
    else {
        return answer(40001, "No permission to operate advertiser.", json!({}));
    };
    let dims: Vec<String> = match json_param(&q, "dimensions") {
        Ok(Some(d)) => d,
        Ok(None) => {
            return answer(
                40002,
                "dimensions: Missing data for required field.",
                json!({}),
            );
        }
        Err(r) => return r,
    };
    let metrics: Vec<String> = match json_param(&q, "metrics") {
        Ok(m) => m.unwrap_or_default(),
        Err(r) => return r,
    };
    if q.get("data_level").map(String::as_str) != Some("AUCTION_CAMPAIGN")
        || dims != ["campaign_id", "stat_time_day"]
    {
        return answer(
            40002,
            "this fake serves campaign-level daily reports only",
            json!({}),
        );
    }
    let date = |name: &str| q.get(name).and_then(|d| d.parse::<NaiveDate>().ok());
    let (Some(from), Some(to)) = (date("start_date"), date("end_date")) else {
        return answer(
            40002,
            "start_date and end_date are required (YYYY-MM-DD).",
            json!({}),
        );
    };
    let Ok(range) = crate::DateRange::new(from, to) else {
        return answer(40002, "end_date must not be before start_date.", json!({}));
    };
    if range.days() > crate::tiktok::MAX_REPORT_DAYS {
        state.record("GET", req.path(), "rejected");
        return answer(
            40002,
            "The time span cannot exceed 30 days when stat_time_day is a dimension.",
            json!({}),
        );
    }
    let money = |minor: i64| {
        crate::money::minor_to_decimal(minor, &account.currency)
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    let items: Vec<Value> = state
        .dataset
        .expected_rows(&account.id, range)
        .into_iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for name in &metrics {
                let value = match name.as_str() {
                    "spend" => money(r.spend_minor),
                    "impressions" => r.impressions.to_string(),
                    "clicks" => r.clicks.to_string(),
                    "conversion" => r.conversions.to_string(),
                    crate::tiktok::REVENUE_METRIC => money(r.revenue_minor),
                    // The other events: the fakes' second kind of conversion.
                    "complete_payment" | "onsite_shopping" | "purchase" => {
                        super::other_conversions(&r).0.to_string()
                    }
                    "total_onsite_shopping_value" | "total_purchase_value" => {
                        money(super::other_conversions(&r).1)
                    }
                    // What TikTok writes for a metric it has no value of.
                    _ => "-".to_owned(),
                };
                m.insert(name.clone(), json!(value));
            }
            json!({
                "dimensions": { "campaign_id": r.campaign_id, "stat_time_day": format!("{} 00:00:00", r.date) },
                "metrics": m,
            })
        })
        .collect();
    state.record("GET", req.path(), "ok");
    page(&q, items)
}

/// Sets a campaign's or an ad group's daily budget, with TikTok's minimum.
fn update(state: &mut FakeState, req: &HttpRequest, body: &Value, ad_group: bool) -> HttpResponse {
    if let Err(r) = guard(state, req) {
        return r;
    }
    let id_field = if ad_group {
        "adgroup_id"
    } else {
        "campaign_id"
    };
    let Some(account) = body["advertiser_id"]
        .as_str()
        .and_then(|id| state.dataset.account(id))
        .cloned()
    else {
        return answer(40001, "No permission to operate advertiser.", json!({}));
    };
    let id = body[id_field].as_str().unwrap_or_default().to_owned();
    let owner = if ad_group {
        BudgetOwner::AdSet
    } else {
        BudgetOwner::Campaign
    };
    let Some(campaign) = account
        .campaigns
        .iter()
        .find(|c| c.budget_id == id && c.budget_owner == owner)
    else {
        state.record("POST", req.path(), "rejected");
        return answer(
            40007,
            &format!("{id_field} {id} does not exist or has no daily budget."),
            json!({}),
        );
    };
    let Some(budget) = body["budget"].as_f64() else {
        return answer(40002, "budget: Not a valid number.", json!({}));
    };
    // TikTok's minimum for the advertiser's currency, by the same table the client reads.
    let minimum = crate::tiktok::minimum_daily_budget(&account.currency, owner);
    if budget <= 0.0 || minimum.is_some_and(|m| budget < m as f64) {
        state.record("POST", req.path(), "rejected");
        return answer(
            40002,
            &format!(
                "The daily budget must be at least {} {}.",
                minimum.unwrap_or_default(),
                account.currency
            ),
            json!({}),
        );
    }
    let Ok(minor) = crate::money::float_to_minor(budget, &account.currency) else {
        return answer(40002, "budget: Not a valid amount.", json!({}));
    };
    let campaign_id = campaign.id.clone();
    state.budgets.insert(id.clone(), minor);
    state.record("POST", req.path(), "ok");
    ok(json!({ id_field: id, "campaign_id": campaign_id, "budget": budget }))
}

async fn update_campaign(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    update(&mut data.lock(), &req, &body, false)
}

async fn update_ad_group(
    data: web::Data<Shared>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    update(&mut data.lock(), &req, &body, true)
}
