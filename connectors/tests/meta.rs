//! The Meta client against its local fake, over real HTTP.

#![cfg(feature = "fakes")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use connectors::fakes::meta as fake;
use connectors::meta::{Client, Config};
use connectors::{AdPlatform, BudgetOwner, ConnectorError, DateRange, Tokens};

use common::{authorize, day, quick_retries, sorted};

fn server() -> connectors::fakes::FakeServer {
    fake::start(fake::state(day("2026-01-01"), day("2026-08-31"))).unwrap()
}

fn client(server: &connectors::fakes::FakeServer) -> Client {
    let mut config = Config::at(&server.base_url, fake::CLIENT_ID, fake::CLIENT_SECRET);
    // Small pages, so that paging is exercised; a short throttle wait.
    config.page_limit = 50;
    config.throttle_wait = Duration::from_millis(800);
    Client::new(config)
}

async fn connected(client: &Client) -> Tokens {
    client
        .exchange_code(&authorize(client, "code").await.exchange)
        .await
        .unwrap()
}

#[tokio::test]
async fn connects_and_trades_the_code_for_a_long_lived_token() {
    let server = server();
    let client = client(&server);
    let consent = authorize(&client, "code").await;
    assert!(consent.url.contains("scope=ads_read"), "{}", consent.url);
    assert!(
        !consent.url.contains("code_challenge"),
        "Meta takes no PKCE"
    );
    let tokens = client.exchange_code(&consent.exchange).await.unwrap();
    assert_eq!(tokens.refresh_token, None);
    let days = (tokens.expires_at.unwrap() - chrono::Utc::now()).num_days();
    assert!((59..=60).contains(&days), "a long-lived token: {days} days");
    let outcomes: Vec<String> = server.log().into_iter().map(|l| l.outcome).collect();
    assert!(
        outcomes.ends_with(&["short_lived".to_owned(), "long_lived".to_owned()]),
        "{outcomes:?}"
    );
    assert_eq!(client.list_accounts(&tokens).await.unwrap().len(), 2);

    // A code works once.
    let again = client.exchange_code(&consent.exchange).await.unwrap_err();
    assert!(
        matches!(again, ConnectorError::Reauthorize { .. }),
        "{again:?}"
    );
}

#[tokio::test]
async fn backfills_every_page_of_insights() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let accounts = client.list_accounts(&tokens).await.unwrap();
    let dataset = server.state().dataset.clone();
    let budgets = server.state().budgets.clone();
    for (account, expected) in accounts.iter().zip(&dataset.accounts) {
        assert_eq!(account.external_id, expected.id);
        assert_eq!(
            (account.currency.as_str(), account.time_zone.as_str()),
            (expected.currency.as_str(), expected.time_zone.as_str())
        );
        let campaigns = client.list_campaigns(&tokens, account).await.unwrap();
        assert_eq!(campaigns.len(), expected.campaigns.len());
        for (got, want) in campaigns.iter().zip(&expected.campaigns) {
            assert_eq!(got.external_id, want.id);
            assert_eq!(got.channel, want.channel, "{}", want.kind);
            match want.budget_owner {
                BudgetOwner::None => {
                    assert_eq!((&got.budget, got.daily_budget_minor), (&None, None))
                }
                owner => {
                    let budget = got.budget.as_ref().unwrap();
                    assert_eq!(
                        (budget.owner, budget.external_id.as_str()),
                        (owner, want.budget_id.as_str())
                    );
                    assert_eq!(got.daily_budget_minor, Some(budgets[&want.budget_id]));
                }
            }
        }
        let range = DateRange::new(day("2026-02-01"), day("2026-07-30")).unwrap();
        let rows = client.daily_report(&tokens, account, range).await.unwrap();
        assert_eq!(
            sorted(rows),
            sorted(dataset.expected_rows(&account.external_id, range))
        );
    }
    let pages = server
        .log()
        .iter()
        .filter(|l| l.path.ends_with("/insights"))
        .count();
    // 180 days of four campaigns are several pages of 50 rows per account.
    assert!(pages > 2 * 5, "{pages} insights pages");
}

#[tokio::test]
async fn a_throttle_is_retried_after_the_reset_time_the_headers_signal() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(0);
    let range = DateRange::new(day("2026-03-01"), day("2026-03-07")).unwrap();

    {
        let mut state = server.state();
        state.faults.throttle_next = 1;
        state.faults.throttle_delay = Duration::from_secs(2);
    }
    let err = client
        .daily_report(&tokens, &account, range)
        .await
        .unwrap_err();
    // The reset time of X-Ad-Account-Usage, not the configured default.
    assert_eq!(
        err,
        ConnectorError::rate_limited(Duration::from_secs(2), "User request limit reached")
    );

    server.state().faults.throttle_next = 1;
    let before = server.log().len();
    let rows = connectors::retry::with_retries(&quick_retries(), || {
        client.daily_report(&tokens, &account, range)
    })
    .await
    .unwrap();
    assert_eq!(
        sorted(rows),
        sorted(
            server
                .state()
                .dataset
                .expected_rows(&account.external_id, range)
        )
    );
    let log = server.log()[before..].to_vec();
    assert_eq!(
        (log[0].outcome.as_str(), log[1].outcome.as_str()),
        ("throttled", "ok")
    );
    assert!(
        log[1].at - log[0].at >= Duration::from_secs(2),
        "{:?}",
        log[1].at - log[0].at
    );
}

#[tokio::test]
async fn an_expired_or_revoked_token_cannot_be_refreshed_and_needs_reauthorization() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    server.state().expire_issued_tokens();
    let err = client.list_accounts(&tokens).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::TokenExpired { .. }),
        "{err:?}"
    );
    let refresh = client.refresh(&tokens).await.unwrap_err();
    assert!(
        matches!(refresh, ConnectorError::Reauthorize { .. }),
        "{refresh:?}"
    );

    let tokens = connected(&client).await;
    client.revoke(&tokens).await.unwrap();
    let err = client.list_accounts(&tokens).await.unwrap_err();
    assert_eq!(
        err,
        ConnectorError::reauthorize(
            "Error validating access token: The user has not authorized application."
        )
    );
}

#[tokio::test]
async fn budgets_are_written_to_the_campaign_or_its_ad_set_above_the_account_minimum() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(1);
    let campaigns = client.list_campaigns(&tokens, &account).await.unwrap();
    let on_campaign = campaigns
        .iter()
        .find(|c| {
            c.budget
                .as_ref()
                .is_some_and(|b| b.owner == BudgetOwner::Campaign)
        })
        .unwrap();
    let on_group = campaigns
        .iter()
        .find(|c| {
            c.budget
                .as_ref()
                .is_some_and(|b| b.owner == BudgetOwner::AdSet)
        })
        .unwrap();

    let calls = server.log().len();
    let low = client
        .set_daily_budget(&tokens, &account, on_campaign.budget.as_ref().unwrap(), 99)
        .await
        .unwrap_err();
    assert!(
        matches!(low, ConnectorError::Rejected { ref code, .. } if code == "100"),
        "{low:?}"
    );
    // Only the account's minimum was read: no write reached Meta.
    let since: Vec<_> = server.log()[calls..]
        .iter()
        .map(|l| (l.method.clone(), l.outcome.clone()))
        .collect();
    assert_eq!(since, vec![("GET".to_owned(), "ok".to_owned())]);

    let write = client
        .set_daily_budget(&tokens, &account, on_group.budget.as_ref().unwrap(), 3_000)
        .await
        .unwrap();
    assert_eq!(
        (write.previous_minor, write.applied_minor),
        (on_group.daily_budget_minor, 3_000)
    );
    assert_eq!(
        server.state().budgets[&on_group.budget.as_ref().unwrap().external_id],
        3_000
    );

    let write = client
        .set_daily_budget(
            &tokens,
            &account,
            on_campaign.budget.as_ref().unwrap(),
            7_525,
        )
        .await
        .unwrap();
    assert_eq!(
        (write.previous_minor, write.applied_minor),
        (on_campaign.daily_budget_minor, 7_525)
    );

    // Meta's own refusal: a daily budget on a campaign whose budget is on its ad set.
    let wrong = connectors::BudgetRef {
        owner: BudgetOwner::Campaign,
        external_id: on_group.external_id.clone(),
    };
    let err = client
        .set_daily_budget(&tokens, &account, &wrong, 5_000)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { ref code, .. } if code == "100/1885621"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_transient_error_is_retried() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    server.state().faults.fail_next = 2;
    let accounts =
        connectors::retry::with_retries(&quick_retries(), || client.list_accounts(&tokens))
            .await
            .unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(
        server
            .log()
            .iter()
            .filter(|l| l.outcome == "failed")
            .count(),
        2
    );
}
