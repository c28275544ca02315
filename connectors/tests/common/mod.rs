//! What the platform tests share: the browser's side of the OAuth redirect flow, dates, and a
//! quick retry policy.

#![allow(dead_code)]

use std::time::Duration;

use chrono::NaiveDate;
use connectors::{AdPlatform, AuthorizeRequest, CodeExchange, DailyRow};

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
