//! The Microsoft Advertising client against its local fake, over real HTTP.

#![cfg(feature = "fakes")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use connectors::fakes::microsoft_ads as fake;
use connectors::microsoft_ads::{Client, Config};
use connectors::{AdPlatform, BudgetOwner, BudgetRef, ConnectorError, DateRange, Tokens};

use common::{authorize, day, sorted};

fn server() -> connectors::fakes::FakeServer {
    fake::start(fake::state(day("2026-01-01"), day("2026-08-31"))).unwrap()
}

fn client(server: &connectors::fakes::FakeServer) -> Client {
    let mut config = Config::at(
        &server.base_url,
        fake::CLIENT_ID,
        fake::CLIENT_SECRET,
        fake::DEVELOPER_TOKEN,
    );
    // A short throttle wait and quick polls; small account pages, so that paging is exercised.
    config.throttle_wait = Duration::from_millis(1500);
    config.report_poll_interval = Duration::from_millis(10);
    config.report_max_polls = 20;
    config.accounts_page_size = fake::ACCOUNTS_PAGE_SIZE;
    Client::new(config)
}

async fn connected(client: &Client) -> Tokens {
    client
        .exchange_code(&authorize(client, "code").await.exchange)
        .await
        .unwrap()
}

#[tokio::test]
async fn connects_through_the_redirect_flow_with_state_and_pkce() {
    let server = server();
    let client = client(&server);
    let grant = authorize(&client, "code").await;
    assert!(grant.url.contains("response_mode=query"), "{}", grant.url);
    assert!(grant.url.contains("code_challenge_method=S256"));
    assert!(grant.url.contains("offline_access"));
    assert!(grant.url.contains("msads.manage"));
    assert!(!grant.url.contains(fake::CLIENT_SECRET));
    let tokens = client.exchange_code(&grant.exchange).await.unwrap();
    assert!(
        tokens.refresh_token.is_some(),
        "offline_access gives a refresh token"
    );
    assert!(tokens.expires_at.is_some());
    assert_eq!(client.list_accounts(&tokens).await.unwrap().len(), 2);

    // The same code again, and a code with the wrong verifier, are refused.
    let again = client.exchange_code(&grant.exchange).await.unwrap_err();
    assert!(
        matches!(again, ConnectorError::Reauthorize { ref message } if message.contains("already redeemed")),
        "{again:?}"
    );
    let mut wrong = authorize(&client, "code").await.exchange;
    wrong.pkce_verifier = connectors::oauth::pkce_verifier();
    let refused = client.exchange_code(&wrong).await.unwrap_err();
    assert!(
        matches!(refused, ConnectorError::Reauthorize { .. }),
        "{refused:?}"
    );
}

#[tokio::test]
async fn backfills_both_accounts_through_the_async_report() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    server.state().faults.report_pending_polls = 2;

    let accounts = client.list_accounts(&tokens).await.unwrap();
    let dataset = server.state().dataset.clone();
    let budgets = server.state().budgets.clone();
    // The closed account is left out; the two live ones come in the dataset's order, one per
    // page.
    assert_eq!(accounts.len(), dataset.accounts.len());
    let searches = server
        .log()
        .iter()
        .filter(|l| l.path.ends_with("/Accounts/Search"))
        .count();
    assert_eq!(
        searches, 4,
        "three accounts at one a page, then an empty page"
    );
    for (account, expected) in accounts.iter().zip(&dataset.accounts) {
        assert_eq!(account.external_id, expected.id);
        assert_eq!(account.name, expected.name);
        assert_eq!(account.currency, expected.currency);
        assert_eq!(account.time_zone, expected.time_zone);
        assert_eq!(account.parent_id.as_deref(), Some(fake::CUSTOMER_ID));
    }

    for (account, expected) in accounts.iter().zip(&dataset.accounts) {
        let campaigns = client.list_campaigns(&tokens, account).await.unwrap();
        assert_eq!(campaigns.len(), expected.campaigns.len());
        for (got, want) in campaigns.iter().zip(&expected.campaigns) {
            assert_eq!(got.external_id, want.id);
            assert_eq!(got.name, want.name);
            assert_eq!(got.channel, want.channel, "{}", want.kind);
            let budget = got.budget.as_ref().unwrap();
            assert_eq!(budget.owner, want.budget_owner, "{}", want.kind);
            assert_eq!(budget.external_id, want.budget_id);
            assert_eq!(got.daily_budget_minor, Some(budgets[&want.budget_id]));
        }

        let before = server.log().len();
        let range = DateRange::new(day("2026-02-01"), day("2026-07-30")).unwrap();
        let rows = client.daily_report(&tokens, account, range).await.unwrap();
        assert_eq!(
            sorted(rows),
            sorted(dataset.expected_rows(&account.external_id, range))
        );
        let log = server.log()[before..].to_vec();
        let seen: Vec<(&str, &str)> = log
            .iter()
            .map(|l| (l.path.rsplit('/').next().unwrap(), l.outcome.as_str()))
            .collect();
        assert_eq!(seen.len(), 5, "{seen:?}");
        assert_eq!(
            seen[..4],
            [
                ("Submit", "ok"),
                ("Poll", "pending"),
                ("Poll", "pending"),
                ("Poll", "ok")
            ]
        );
        // The download, which the fake refuses when it carries credentials.
        assert!(log[4].path.starts_with("/ReportDownloads/"), "{seen:?}");
        assert_eq!(log[4].outcome, "ok");
    }

    // A span without data: Success without a download URL, and no rows.
    server.state().faults.report_pending_polls = 0;
    let before = server.log().len();
    let empty = DateRange::new(day("2025-06-01"), day("2025-06-30")).unwrap();
    let rows = client
        .daily_report(&tokens, &accounts[1], empty)
        .await
        .unwrap();
    assert!(rows.is_empty());
    assert_eq!(
        server.log().len() - before,
        2,
        "submit and poll, no download"
    );
}

#[tokio::test]
async fn a_report_still_pending_after_the_last_poll_is_transient() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(0);
    server.state().faults.report_pending_polls = 50;
    let range = DateRange::new(day("2026-03-01"), day("2026-03-07")).unwrap();
    let err = client
        .daily_report(&tokens, &account, range)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Transient { ref message } if message.contains("pending")),
        "{err:?}"
    );
    let polls = server
        .log()
        .iter()
        .filter(|l| l.path.ends_with("/GenerateReport/Poll"))
        .count();
    assert_eq!(polls, 20, "report_max_polls");
}

#[tokio::test]
async fn a_throttle_is_retried_after_the_configured_wait() {
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
    assert!(
        matches!(err, ConnectorError::RateLimited { retry_after, ref message }
            if retry_after == Duration::from_millis(1500) && message.contains("one minute")),
        "{err:?}"
    );

    let log = common::a_throttled_report_is_retried_after(
        &server,
        &client,
        &tokens,
        &account,
        range,
        Duration::from_millis(1500),
    )
    .await;
    assert!(log[0].path.ends_with("/GenerateReport/Submit"));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_rotated_refresh_token_is_then_refused() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    server.state().expire_issued_tokens();
    let err = client.list_accounts(&tokens).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::TokenExpired { .. }),
        "{err:?}"
    );

    let fresh = client.refresh(&tokens).await.unwrap();
    assert_ne!(fresh.access_token, tokens.access_token);
    assert!(fresh.refresh_token.is_some());
    assert_ne!(
        fresh.refresh_token, tokens.refresh_token,
        "Microsoft rotates refresh tokens"
    );
    assert_eq!(client.list_accounts(&fresh).await.unwrap().len(), 2);

    // The old refresh token was discarded by the refresh.
    let old = client.refresh(&tokens).await.unwrap_err();
    assert!(
        matches!(old, ConnectorError::Reauthorize { ref message } if message.contains("AADSTS70000")),
        "{old:?}"
    );
    // The new one works, and rotates again.
    let again = client.refresh(&fresh).await.unwrap();
    assert_ne!(again.refresh_token, fresh.refresh_token);

    // There is nothing to call to revoke: the stored grant is deleted by the caller.
    let calls = server.log().len();
    client.revoke(&again).await.unwrap();
    assert_eq!(server.log().len(), calls);
}

#[tokio::test]
async fn budgets_are_written_to_the_campaign_or_its_shared_budget_and_read_back() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(0);
    let campaigns = client.list_campaigns(&tokens, &account).await.unwrap();
    let own = campaigns
        .iter()
        .find(|c| c.budget.as_ref().unwrap().owner == BudgetOwner::Campaign)
        .unwrap();
    let shared = campaigns
        .iter()
        .find(|c| c.budget.as_ref().unwrap().owner == BudgetOwner::SharedBudget)
        .unwrap();
    let own_budget = own.budget.clone().unwrap();
    let shared_budget = shared.budget.clone().unwrap();

    // Below Microsoft's minimum of 0.05 USD: refused before calling.
    let calls = server.log().len();
    let low = client
        .set_daily_budget(
            &tokens,
            &account,
            &own_budget,
            fake::MIN_DAILY_BUDGET_MINOR - 1,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(low, ConnectorError::Rejected { ref code, ref message }
            if code == "CampaignServiceBudgetAmountIsBelowLimit" && message.contains("0.04") && message.contains("0.05")),
        "{low:?}"
    );
    assert_eq!(
        server.log().len(),
        calls,
        "refused before calling Microsoft"
    );

    // The campaign's own budget, read before and after through that one campaign
    // (`Campaigns/QueryByIds`), not by listing the account's campaigns.
    let calls = server.log().len();
    let write = client
        .set_daily_budget(&tokens, &account, &own_budget, 12_345)
        .await
        .unwrap();
    assert_eq!(write.previous_minor, own.daily_budget_minor);
    assert!(write.previous_minor.is_some());
    assert_eq!(write.applied_minor, 12_345);
    assert_eq!(server.state().budgets[&own_budget.external_id], 12_345);
    let called: Vec<String> = server.log()[calls..]
        .iter()
        .map(|l| format!("{} {}", l.method, l.path.rsplit("v13/").next().unwrap()))
        .collect();
    assert_eq!(
        called,
        [
            "POST Campaigns/QueryByIds",
            "PUT Campaigns",
            "POST Campaigns/QueryByIds"
        ],
        "{called:?}"
    );

    // The shared budget: both campaigns on it show the new amount.
    let write = client
        .set_daily_budget(&tokens, &account, &shared_budget, 23_456)
        .await
        .unwrap();
    assert_eq!(
        (write.previous_minor, write.applied_minor),
        (shared.daily_budget_minor, 23_456)
    );
    assert_eq!(server.state().budgets[&shared_budget.external_id], 23_456);
    let after = client.list_campaigns(&tokens, &account).await.unwrap();
    let on_shared: Vec<_> = after
        .iter()
        .filter(|c| c.budget.as_ref() == Some(&shared_budget))
        .map(|c| c.daily_budget_minor)
        .collect();
    assert_eq!(on_shared, vec![Some(23_456), Some(23_456)]);

    // Microsoft's own refusals come back from PartialErrors: a campaign on a shared budget
    // cannot take a daily budget of its own, and an unknown campaign is refused.
    let on_campaign = BudgetRef {
        owner: BudgetOwner::Campaign,
        external_id: shared.external_id.clone(),
    };
    let err = client
        .set_daily_budget(&tokens, &account, &on_campaign, 10_000)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { ref code, .. } if code == "CampaignServiceCannotUpdateSharedBudget"),
        "{err:?}"
    );
    let missing = BudgetRef {
        owner: BudgetOwner::Campaign,
        external_id: "424242".into(),
    };
    let err = client
        .set_daily_budget(&tokens, &account, &missing, 10_000)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { ref code, .. } if code == "CampaignServiceInvalidCampaignId"),
        "{err:?}"
    );
    // Budgets are not held by ad groups here.
    let ad_set = BudgetRef {
        owner: BudgetOwner::AdSet,
        external_id: "1".into(),
    };
    assert!(
        client
            .set_daily_budget(&tokens, &account, &ad_set, 10_000)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_transient_failure_is_retried() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    common::transient_failures_are_retried(&server, &client, &tokens).await;
}

#[tokio::test]
async fn campaign_calls_need_the_accounts_customer() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let mut account = client.list_accounts(&tokens).await.unwrap().remove(0);
    account.parent_id = Some("1".into());
    let err = client.list_campaigns(&tokens, &account).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { ref code, .. } if code == "UserIsNotAuthorized"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_connection_chooses_all_conversions_or_conversions() {
    let server = server();
    let client = client(&server);
    let tokens = connected(&client).await;
    let account = client.list_accounts(&tokens).await.unwrap().remove(0);
    let range = DateRange::new(day("2026-03-01"), day("2026-03-20")).unwrap();
    let dataset = server.state().dataset.clone();

    let all = connectors::Conversions::MicrosoftAds {
        columns: connectors::MicrosoftConversions::AllConversions,
    };
    let rows = client
        .daily_report_counting(&tokens, &account, range, &all)
        .await
        .unwrap();
    let expected = dataset.expected_rows_counting_others(&account.external_id, range);
    assert_ne!(
        sorted(expected.clone()),
        sorted(dataset.expected_rows(&account.external_id, range))
    );
    assert_eq!(sorted(rows), sorted(expected));

    let primary = connectors::Conversions::MicrosoftAds {
        columns: connectors::MicrosoftConversions::Conversions,
    };
    let rows = client
        .daily_report_counting(&tokens, &account, range, &primary)
        .await
        .unwrap();
    assert_eq!(
        sorted(rows),
        sorted(dataset.expected_rows(&account.external_id, range))
    );
}
