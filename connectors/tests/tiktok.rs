//! The TikTok client against its local fake, over real HTTP.

#![cfg(feature = "fakes")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use connectors::fakes::tiktok as fake;
use connectors::tiktok::{Client, Config};
use connectors::{AdPlatform, BudgetOwner, ConnectorError, DateRange, Tokens};

use common::{authorize, day, sorted};

fn server() -> connectors::fakes::FakeServer {
    fake::start(fake::state(day("2026-01-01"), day("2026-08-31"))).unwrap()
}

fn client(server: &connectors::fakes::FakeServer) -> Client {
    let mut config = Config::at(&server.base_url, fake::CLIENT_ID, fake::CLIENT_SECRET);
    // Small pages, so that paging is exercised; a short throttle wait.
    config.page_size = 50;
    config.throttle_wait = Duration::from_millis(800);
    Client::new(config)
}

async fn connected(client: &Client) -> Tokens {
    client
        .exchange_code(&authorize(client, "auth_code").await.exchange)
        .await
        .unwrap()
}

#[tokio::test]
async fn connects_with_the_auth_code_for_a_token_that_never_expires() {
    let server = server();
    let client = client(&server);
    let consent = authorize(&client, "auth_code").await;
    assert!(consent.url.contains("app_id="), "{}", consent.url);
    assert!(
        !consent.url.contains("code_challenge"),
        "TikTok takes no PKCE"
    );
    let tokens = client.exchange_code(&consent.exchange).await.unwrap();
    assert_eq!(tokens.expires_at, None);
    assert_eq!(tokens.refresh_token, None);
    assert_eq!(tokens.extra["advertiser_ids"].as_array().unwrap().len(), 2);
    assert_eq!(client.list_accounts(&tokens).await.unwrap().len(), 2);

    // An auth code works once.
    let again = client.exchange_code(&consent.exchange).await.unwrap_err();
    assert!(
        matches!(again, ConnectorError::Rejected { ref code, .. } if code == "40110"),
        "{again:?}"
    );
}

#[tokio::test]
async fn backfills_in_30_day_spans_and_pages() {
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
    let log = server.log();
    let reports: Vec<_> = log
        .iter()
        .filter(|l| l.path.contains("report/integrated"))
        .collect();
    // 180 days: 6 spans of 30 days per account, each more than one page of 50.
    assert!(reports.len() > 2 * 6, "{} report calls", reports.len());
    assert!(
        reports.iter().all(|l| l.outcome == "ok"),
        "no span was refused"
    );
}

#[tokio::test]
async fn an_http_200_throttle_is_retried_after_the_wait() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
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
            Duration::from_millis(800),
            "Too many requests. Please retry in some time."
        )
    );

    common::a_throttled_report_is_retried_after(
        &server,
        &client,
        &tokens,
        &account,
        range,
        Duration::from_millis(800),
    )
    .await;
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
        ConnectorError::reauthorize("Access token is incorrect or has been revoked.")
    );
}

#[tokio::test]
async fn budgets_are_written_to_the_campaign_or_its_ad_group_within_the_minimums() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(0);
    assert_eq!(account.currency, "USD");
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
        .set_daily_budget(
            &tokens,
            &account,
            on_campaign.budget.as_ref().unwrap(),
            4_999,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(low, ConnectorError::Rejected { ref code, .. } if code == "40002"),
        "{low:?}"
    );
    // 30.00 is too little for a campaign but enough for an ad group.
    assert!(
        client
            .set_daily_budget(
                &tokens,
                &account,
                on_campaign.budget.as_ref().unwrap(),
                3_000
            )
            .await
            .is_err()
    );
    assert_eq!(server.log().len(), calls, "refused before calling TikTok");

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

    // TikTok's own refusal: an ad group that does not exist.
    let missing = connectors::BudgetRef {
        owner: BudgetOwner::AdSet,
        external_id: "1".into(),
    };
    let err = client
        .set_daily_budget(&tokens, &account, &missing, 5_000)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { ref code, .. } if code == "40007"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_service_error_is_retried() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    common::transient_failures_are_retried(&server, &client, &tokens).await;
}

#[tokio::test]
async fn a_budget_in_a_currency_without_a_published_minimum_is_left_to_tiktok() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(1);
    assert_eq!(account.currency, "EUR");
    let campaign = client
        .list_campaigns(&tokens, &account)
        .await
        .unwrap()
        .into_iter()
        .find(|c| {
            c.budget
                .as_ref()
                .is_some_and(|b| b.owner == BudgetOwner::Campaign)
        })
        .unwrap();
    let budget = campaign.budget.unwrap();
    // 45.00 EUR is not held to USD's 50: the write reaches TikTok, which takes it.
    let write = client
        .set_daily_budget(&tokens, &account, &budget, 4_500)
        .await
        .unwrap();
    assert_eq!(write.applied_minor, 4_500);
    assert_eq!(server.state().budgets[&budget.external_id], 4_500);
    // Nothing or less is refused before calling TikTok, in every currency.
    let calls = server.log().len();
    assert!(
        client
            .set_daily_budget(&tokens, &account, &budget, 0)
            .await
            .is_err()
    );
    assert_eq!(server.log().len(), calls);
}

#[tokio::test]
async fn the_connection_chooses_which_event_counts_as_a_conversion() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(0);
    let range = DateRange::new(day("2026-03-01"), day("2026-03-20")).unwrap();
    let dataset = server.state().dataset.clone();
    let default_rows = dataset.expected_rows(&account.external_id, range);
    let others = dataset.expected_rows_counting_others(&account.external_id, range);
    assert_ne!(sorted(others.clone()), sorted(default_rows.clone()));

    // TikTok Shop purchases: their count and their value.
    let shop = connectors::Conversions::Tiktok {
        event: connectors::TiktokEvent::OnsiteShopping,
    };
    let rows = client
        .daily_report_counting(&tokens, &account, range, &shop)
        .await
        .unwrap();
    assert_eq!(sorted(rows), sorted(others.clone()));

    // Complete payments: their count, valued as before.
    let payments = connectors::Conversions::Tiktok {
        event: connectors::TiktokEvent::CompletePayment,
    };
    let rows = client
        .daily_report_counting(&tokens, &account, range, &payments)
        .await
        .unwrap();
    let expected: Vec<_> = default_rows
        .iter()
        .zip(&others)
        .map(|(own, other)| connectors::DailyRow {
            conversions: other.conversions,
            ..own.clone()
        })
        .collect();
    assert_eq!(sorted(rows), sorted(expected));
}
