//! The Meta client against its local fake, over real HTTP.

#![cfg(feature = "fakes")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use connectors::fakes::meta as fake;
use connectors::meta::{Client, Config};
use connectors::{AdAccount, AdPlatform, BudgetOwner, Campaign, ConnectorError, DateRange, Tokens};

use common::{authorize, day, sorted};

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
                    // The fake holds Meta's units; the client answers ISO minor units.
                    assert_eq!(
                        got.daily_budget_minor,
                        Some(fake::to_minor(budgets[&want.budget_id], &account.currency))
                    );
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

    common::a_throttled_report_is_retried_after(
        &server,
        &client,
        &tokens,
        &account,
        range,
        Duration::from_secs(2),
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
    common::transient_failures_are_retried(&server, &client, &tokens).await;
}

/// The campaign of `account` whose budget is its own.
async fn own_budget(client: &Client, tokens: &Tokens, account: &AdAccount) -> Campaign {
    client
        .list_campaigns(tokens, account)
        .await
        .unwrap()
        .into_iter()
        .find(|c| {
            c.budget
                .as_ref()
                .is_some_and(|b| b.owner == BudgetOwner::Campaign)
        })
        .unwrap()
}

#[tokio::test]
async fn a_forint_budget_crosses_the_wire_in_whole_forints() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(1);
    assert_eq!(account.currency, "HUF");
    let campaign = own_budget(&client, &tokens, &account).await;
    let budget = campaign.budget.clone().unwrap();
    let before = server.state().budgets[&budget.external_id];
    // What Meta holds (whole forints) is what the client reads, in ISO minor units.
    assert_eq!(campaign.daily_budget_minor, Some(before * 100));

    // 5,000 HUF a day is `5000` on the wire and 5,000 HUF read back.
    let write = client
        .set_daily_budget(&tokens, &account, &budget, 500_000)
        .await
        .unwrap();
    assert_eq!(server.state().budgets[&budget.external_id], 5_000);
    assert_eq!(
        (write.previous_minor, write.applied_minor),
        (Some(before * 100), 500_000)
    );
    let again = own_budget(&client, &tokens, &account).await;
    assert_eq!(again.daily_budget_minor, Some(500_000));
    let posted = server
        .log()
        .into_iter()
        .filter(|l| l.method == "POST" && l.outcome == "ok")
        .count();
    assert_eq!(posted, 1);

    // The account's minimum is 350 forints, not 3.50.
    let calls = server.log().len();
    let low = client
        .set_daily_budget(&tokens, &account, &budget, 34_900)
        .await
        .unwrap_err();
    match &low {
        ConnectorError::Rejected { code, message } => {
            assert_eq!(code, "100");
            assert!(message.contains("minimum of 350.00 HUF"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let written: Vec<_> = server.log()[calls..]
        .iter()
        .filter(|l| l.method == "POST")
        .map(|l| l.path.clone())
        .collect();
    assert!(written.is_empty(), "{written:?}");
    client
        .set_daily_budget(&tokens, &account, &budget, 35_000)
        .await
        .unwrap();
    assert_eq!(server.state().budgets[&budget.external_id], 350);

    // Meta takes whole forints: 5,000.50 HUF is refused before anything is written.
    let calls = server.log().len();
    let err = client
        .set_daily_budget(&tokens, &account, &budget, 500_050)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { ref message, .. } if message.contains("whole units")),
        "{err:?}"
    );
    assert_eq!(server.log().len(), calls);
}

#[tokio::test]
async fn every_currency_meta_counts_in_whole_units_is_written_and_read_in_them() {
    let currencies = [
        "HUF", "TWD", "COP", "CRC", "IDR", "JPY", "KRW", "CLP", "VND", "ISK", "PYG", "USD", "BHD",
    ];
    let accounts: Vec<_> = currencies
        .iter()
        .map(|c| connectors::fakes::account_in(c))
        .collect();
    let dataset = fake::dataset_in(day("2026-01-01"), day("2026-01-31"), &accounts);
    let server = fake::start(fake::state_of(dataset)).unwrap();
    let client = client(&server);
    let tokens = connected(&client).await;
    let listed = client.list_accounts(&tokens).await.unwrap();
    assert_eq!(listed.len(), currencies.len());
    for account in &listed {
        let currency = account.currency.as_str();
        let campaign = own_budget(&client, &tokens, account).await;
        let budget = campaign.budget.clone().unwrap();
        // Ten times the account's minimum, in Meta's units, as the ISO minor units it is.
        let units = 10 * fake::min_daily_budget(currency);
        let minor = fake::to_minor(units, currency);
        let write = client
            .set_daily_budget(&tokens, account, &budget, minor)
            .await
            .unwrap();
        assert_eq!(
            (
                server.state().budgets[&budget.external_id],
                write.applied_minor
            ),
            (units, minor),
            "{currency}"
        );
        // One unit of Meta's below the minimum is refused by the client, in the right digits.
        let below = fake::to_minor(fake::min_daily_budget(currency) - 1, currency);
        let err = client
            .set_daily_budget(&tokens, account, &budget, below)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ConnectorError::Rejected { ref code, .. } if code == "100"),
            "{currency}: {err:?}"
        );
    }
}

#[tokio::test]
async fn the_connection_chooses_which_action_counts_as_a_conversion() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(0);
    let range = DateRange::new(day("2026-03-01"), day("2026-03-31")).unwrap();
    let dataset = server.state().dataset.clone();

    let leads = connectors::Conversions::Meta {
        action_type: "lead".parse().unwrap(),
    };
    let rows = client
        .daily_report_counting(&tokens, &account, range, &leads)
        .await
        .unwrap();
    let expected = dataset.expected_rows_counting_others(&account.external_id, range);
    assert_ne!(
        sorted(expected.clone()),
        sorted(dataset.expected_rows(&account.external_id, range))
    );
    assert_eq!(sorted(rows), sorted(expected));

    // The default is still `purchase`.
    let rows = client.daily_report(&tokens, &account, range).await.unwrap();
    assert_eq!(
        sorted(rows),
        sorted(dataset.expected_rows(&account.external_id, range))
    );

    // A choice made for another platform is refused before calling Meta.
    let calls = server.log().len();
    let tiktok = connectors::Conversions::Tiktok {
        event: connectors::TiktokEvent::CompletePayment,
    };
    assert!(
        client
            .daily_report_counting(&tokens, &account, range, &tiktok)
            .await
            .is_err()
    );
    assert_eq!(server.log().len(), calls);
}
