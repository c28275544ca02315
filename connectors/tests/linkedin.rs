//! The LinkedIn client against its local fake, over real HTTP.

#![cfg(feature = "fakes")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use connectors::fakes::linkedin as fake;
use connectors::linkedin::{Client, Config};
use connectors::{AdPlatform, BudgetOwner, ConnectorError, DateRange};
use domain::dto::ad_data::Channel;

use common::{authorize, day, sorted};

fn config(server: &connectors::fakes::FakeServer) -> Config {
    let mut config = Config::at(&server.base_url, fake::CLIENT_ID, fake::CLIENT_SECRET);
    // Small pages and a small analytics cap, so paging and splitting run with small data.
    config.page_size = 3;
    config.result_cap = SMALL_CAP;
    config.throttle_wait = Duration::from_millis(1200);
    config
}

fn client(server: &connectors::fakes::FakeServer) -> Client {
    Client::new(config(server))
}

/// The analytics cap of these tests' fake: four campaigns × 30 days exceed it.
const SMALL_CAP: usize = 80;

fn server() -> connectors::fakes::FakeServer {
    let mut state = fake::state(day("2026-01-01"), day("2026-08-31"));
    state.answer_cap = Some(SMALL_CAP);
    fake::start(state).unwrap()
}

#[tokio::test]
async fn connects_through_the_redirect_flow_and_keeps_the_refresh_tokens_year() {
    let server = server();
    let client = client(&server);
    let grant = authorize(&client, "code").await;
    assert!(
        grant.url.contains("scope=r_ads+rw_ads+r_ads_reporting"),
        "{}",
        grant.url
    );
    assert!(
        !grant.url.contains("code_challenge"),
        "LinkedIn's web flow takes no PKCE"
    );
    // The fake answers as LinkedIn does, without token_type.
    let tokens = client.exchange_code(&grant.exchange).await.unwrap();
    let year = tokens
        .refresh_expires_at
        .expect("the refresh token's life is kept");
    let days = (year - chrono::Utc::now()).num_days();
    assert!((364..=365).contains(&days), "{days}");
    assert_eq!(tokens.scopes, ["r_ads", "rw_ads", "r_ads_reporting"]);
    assert_eq!(client.list_accounts(&tokens).await.unwrap().len(), 2);

    let again = client.exchange_code(&grant.exchange).await.unwrap_err();
    assert!(
        matches!(again, ConnectorError::Reauthorize { .. }),
        "{again:?}"
    );
}

#[tokio::test]
async fn backfills_both_accounts_splitting_capped_analytics() {
    let server = server();
    let client = client(&server);
    let tokens = client
        .exchange_code(&authorize(&client, "code").await.exchange)
        .await
        .unwrap();
    let accounts = client.list_accounts(&tokens).await.unwrap();
    let dataset = server.state().dataset.clone();
    assert_eq!(accounts.len(), dataset.accounts.len());
    for (account, expected) in accounts.iter().zip(&dataset.accounts) {
        assert_eq!(account.external_id, expected.id);
        assert_eq!(account.currency, expected.currency);
        assert_eq!(account.time_zone, "UTC", "analytics days are UTC days");

        let campaigns = client.list_campaigns(&tokens, account).await.unwrap();
        assert_eq!(campaigns.len(), expected.campaigns.len(), "every page");
        for (got, want) in campaigns.iter().zip(&expected.campaigns) {
            assert_eq!(got.external_id, want.id);
            assert_eq!(got.channel, Channel::ProfessionalSocial);
            match want.budget_owner {
                BudgetOwner::Campaign => {
                    assert_eq!(got.budget.as_ref().unwrap().external_id, want.id);
                    assert_eq!(got.daily_budget_minor, Some(want.daily_budget_minor));
                }
                _ => {
                    assert_eq!(got.budget, None, "a total budget is not a daily one");
                    assert_eq!(got.daily_budget_minor, None);
                }
            }
        }

        let range = DateRange::new(day("2026-02-01"), day("2026-07-30")).unwrap();
        let before = server.log().len();
        let rows = client.daily_report(&tokens, account, range).await.unwrap();
        assert_eq!(
            sorted(rows),
            sorted(dataset.expected_rows(&account.external_id, range))
        );
        // Four campaigns × 30 days fill the fake's cap: some spans were asked again in halves.
        let calls = server.log()[before..]
            .iter()
            .filter(|l| l.path == "/rest/adAnalytics")
            .count();
        assert!(calls > range.chunks(30).len(), "{calls} analytics calls");
    }
}

#[tokio::test]
async fn a_throttle_without_a_signal_waits_the_configured_time() {
    let server = server();
    let client = client(&server);
    let tokens = client
        .exchange_code(&authorize(&client, "code").await.exchange)
        .await
        .unwrap();
    let account = client.list_accounts(&tokens).await.unwrap().remove(0);
    let range = DateRange::new(day("2026-03-01"), day("2026-03-07")).unwrap();
    server.state().faults.throttle_next = 1;
    let err = client
        .daily_report(&tokens, &account, range)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::rate_limited(
            Duration::from_millis(1200),
            "Resource level throttle limit for calls to this resource is reached."
        )
    );

    common::a_throttled_report_is_retried_after(
        &server,
        &client,
        &tokens,
        &account,
        range,
        Duration::from_millis(1200),
    )
    .await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_without_extending_the_year_and_revoked_is_final() {
    let server = server();
    let client = client(&server);
    let tokens = client
        .exchange_code(&authorize(&client, "code").await.exchange)
        .await
        .unwrap();
    server.state().expire_issued_tokens();
    let err = client.list_accounts(&tokens).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::TokenExpired { .. }),
        "{err:?}"
    );

    let fresh = client.refresh(&tokens).await.unwrap();
    assert_ne!(fresh.access_token, tokens.access_token);
    assert_eq!(fresh.refresh_token, tokens.refresh_token);
    let drift = (fresh.refresh_expires_at.unwrap() - tokens.refresh_expires_at.unwrap())
        .num_seconds()
        .abs();
    assert!(
        drift <= 2,
        "the refresh token's year is not extended ({drift} s)"
    );
    assert_eq!(client.list_accounts(&fresh).await.unwrap().len(), 2);

    // A refresh token past its year is not even sent.
    let mut old = fresh.clone();
    old.refresh_expires_at = Some(chrono::Utc::now() - chrono::Duration::days(1));
    let calls = server.log().len();
    assert!(matches!(
        client.refresh(&old).await.unwrap_err(),
        ConnectorError::Reauthorize { .. }
    ));
    assert_eq!(server.log().len(), calls);

    client.revoke(&fresh).await.unwrap();
    let refused = client.list_accounts(&fresh).await.unwrap_err();
    assert!(
        matches!(refused, ConnectorError::Reauthorize { .. }),
        "{refused:?}"
    );
    let gone = client.refresh(&fresh).await.unwrap_err();
    assert!(
        matches!(gone, ConnectorError::Reauthorize { .. }),
        "{gone:?}"
    );
}

#[tokio::test]
async fn budgets_are_partial_updates_in_the_accounts_currency_and_read_back() {
    let server = server();
    let client = client(&server);
    let tokens = client
        .exchange_code(&authorize(&client, "code").await.exchange)
        .await
        .unwrap();
    let account = client.list_accounts(&tokens).await.unwrap().remove(1);
    assert_eq!(account.currency, "EUR");
    let campaigns = client.list_campaigns(&tokens, &account).await.unwrap();
    let campaign = &campaigns[0];
    let budget = campaign.budget.clone().unwrap();

    let calls = server.log().len();
    let low = client
        .set_daily_budget(&tokens, &account, &budget, 999)
        .await
        .unwrap_err();
    assert!(
        matches!(low, ConnectorError::Rejected { ref code, .. } if code == "FIELD_VALUE_TOO_LOW"),
        "{low:?}"
    );
    assert_eq!(server.log().len(), calls, "refused before calling LinkedIn");

    let write = client
        .set_daily_budget(&tokens, &account, &budget, 7_550)
        .await
        .unwrap();
    assert_eq!(write.previous_minor, campaign.daily_budget_minor);
    assert_eq!(write.applied_minor, 7_550);
    assert_eq!(server.state().budgets[&budget.external_id], 7_550);

    // LinkedIn's own refusal, with its code: a campaign that is not in the account.
    let missing = connectors::BudgetRef {
        owner: BudgetOwner::Campaign,
        external_id: "999".into(),
    };
    let err = client
        .set_daily_budget(&tokens, &account, &missing, 5_000)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { ref code, .. } if code == "NOT_FOUND"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_sunset_version_and_encoded_restli_syntax_are_refused_in_words() {
    let server = server();
    let mut old = config(&server);
    old.api_version = "202301".into();
    let tokens = {
        let client = client(&server);
        client
            .exchange_code(&authorize(&client, "code").await.exchange)
            .await
            .unwrap()
    };
    let err = Client::new(old).list_accounts(&tokens).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { ref code, ref message } if code == "NONEXISTENT_VERSION" && message.contains("202301")),
        "{err:?}"
    );

    // What a form encoder would send: the fake, like LinkedIn, refuses it.
    let url = format!(
        "{}rest/adAccounts?q=search&search=%28status%3A%28values%3AList%28ACTIVE%29%29%29",
        server.base_url
    );
    let res = reqwest::Client::new()
        .get(url)
        .bearer_auth(&tokens.access_token)
        .header("LinkedIn-Version", connectors::linkedin::API_VERSION)
        .header("X-Restli-Protocol-Version", "2.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_transient_failure_is_retried() {
    let server = server();
    let client = client(&server);
    let tokens = client
        .exchange_code(&authorize(&client, "code").await.exchange)
        .await
        .unwrap();
    common::transient_failures_are_retried(&server, &client, &tokens).await;
}
