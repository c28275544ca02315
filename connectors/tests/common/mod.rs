//! What the platform tests share: the browser's side of the OAuth redirect flow, dates, a quick
//! retry policy, and the retry checks every platform passes the same way (a transient failure
//! ridden out, a throttled report retried after the platform's wait).

#![allow(dead_code)]

use std::time::Duration;

use chrono::NaiveDate;
use connectors::fakes::{FakeServer, Logged};
use connectors::{
    AdAccount, AdPlatform, AuthorizeRequest, CodeExchange, DailyRow, DateRange, Tokens,
};

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Rows in a stable order, for comparing.
pub fn sorted(mut rows: Vec<DailyRow>) -> Vec<DailyRow> {
    rows.sort_by(|a, b| (&a.campaign_id, a.date).cmp(&(&b.campaign_id, b.date)));
    rows
}

/// Retries without long waits, except the throttles the fakes signal.
pub fn quick_retries() -> connectors::retry::RetryPolicy {
    connectors::retry::RetryPolicy {
        retries: 3,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_throttle_wait: Duration::from_secs(10),
    }
}

/// What the consent page gave back.
pub struct Consent {
    /// The authorization URL the browser was sent to.
    pub url: String,
    /// The code, with the redirect URI and verifier, ready to exchange.
    pub exchange: CodeExchange,
}

pub const REDIRECT_URI: &str = "http://127.0.0.1:9/oauth/callback";

/// Plays the browser: opens the authorization URL at the fake, which consents and redirects to
/// our callback; reads the code (named `code_param`) and checks the state came back.
pub async fn authorize(client: &dyn AdPlatform, code_param: &str) -> Consent {
    let verifier = connectors::oauth::pkce_verifier();
    let state = connectors::oauth::random_state();
    let url = client
        .authorize_url(&AuthorizeRequest {
            redirect_uri: REDIRECT_URI.into(),
            state: state.clone(),
            pkce_verifier: verifier.clone(),
        })
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = browser.get(url.clone()).send().await.unwrap();
    assert!(
        res.status().is_redirection(),
        "the consent page redirects: {} {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let back = url::Url::parse(&location).unwrap();
    let query: std::collections::HashMap<String, String> =
        back.query_pairs().into_owned().collect();
    assert_eq!(query.get("state"), Some(&state), "the state comes back");
    let code = query
        .get(code_param)
        .unwrap_or_else(|| panic!("no {code_param} in {location}"))
        .clone();
    Consent {
        url: url.into(),
        exchange: CodeExchange {
            code,
            redirect_uri: REDIRECT_URI.into(),
            pkce_verifier: verifier,
        },
    }
}

/// Two transient failures (a 5xx, or the platform's transient code), then the accounts: the
/// retry policy rides them out, and the fake saw both failures.
pub async fn transient_failures_are_retried(
    server: &FakeServer,
    client: &dyn AdPlatform,
    tokens: &Tokens,
) {
    server.state().faults.fail_next = 2;
    let accounts =
        connectors::retry::with_retries(&quick_retries(), || client.list_accounts(tokens))
            .await
            .unwrap();
    assert_eq!(accounts.len(), server.state().dataset.accounts.len());
    let failed = server
        .log()
        .iter()
        .filter(|l| l.outcome == "failed")
        .count();
    assert_eq!(failed, 2);
}

/// One throttle, then the report: the retry waits at least `wait` (what the platform signalled,
/// or the client's configured default) and gets the fake's rows. Returns the requests from the
/// throttled one on, for platform-specific checks.
pub async fn a_throttled_report_is_retried_after(
    server: &FakeServer,
    client: &dyn AdPlatform,
    tokens: &Tokens,
    account: &AdAccount,
    range: DateRange,
    wait: Duration,
) -> Vec<Logged> {
    server.state().faults.throttle_next = 1;
    let before = server.log().len();
    let rows = connectors::retry::with_retries(&quick_retries(), || {
        client.daily_report(tokens, account, range)
    })
    .await
    .unwrap();
    let expected = server
        .state()
        .dataset
        .expected_rows(&account.external_id, range);
    assert_eq!(sorted(rows), sorted(expected));
    let log = server.log()[before..].to_vec();
    assert_eq!(
        (log[0].outcome.as_str(), log[1].outcome.as_str()),
        ("throttled", "ok")
    );
    let waited = log[1].at - log[0].at;
    assert!(waited >= wait, "retried after {waited:?}, not {wait:?}");
    log
}
