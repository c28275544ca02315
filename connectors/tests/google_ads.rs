//! The Google Ads client against its local fake, over real HTTP.

#![cfg(feature = "fakes")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use connectors::fakes::google_ads as fake;
use connectors::google_ads::{Client, Config};
use connectors::{AdPlatform, BudgetOwner, ConnectorError, DateRange};

use common::{authorize, day, sorted};

fn client(server: &connectors::fakes::FakeServer) -> Client {
    Client::new(Config::at(
        &server.base_url,
        fake::CLIENT_ID,
        fake::CLIENT_SECRET,
    ))
}

fn server() -> connectors::fakes::FakeServer {
    fake::start(fake::state(day("2026-01-01"), day("2026-08-31"))).unwrap()
}

#[tokio::test]
async fn connects_through_the_redirect_flow_with_state_and_pkce() {
    let server = server();
    let client = client(&server);
    let grant = authorize(&client, "code").await;
    assert!(grant.url.contains("access_type=offline"), "{}", grant.url);
    assert!(grant.url.contains("code_challenge_method=S256"));
    let tokens = client.exchange_code(&grant.exchange).await.unwrap();
    assert!(
        tokens.refresh_token.is_some(),
        "offline access gives a refresh token"
    );
    assert!(tokens.expires_at.is_some());
    let accounts = client.list_accounts(&tokens).await.unwrap();
    assert_eq!(accounts.len(), 2);

    // The same code again, and a code with the wrong verifier, are refused.
    let again = client.exchange_code(&grant.exchange).await.unwrap_err();
    assert!(
        matches!(again, ConnectorError::Reauthorize { .. }),
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
async fn backfills_both_accounts_one_through_the_manager() {
    let server = server();
    let client = client(&server);
    let tokens = client
        .exchange_code(&authorize(&client, "code").await.exchange)
        .await
        .unwrap();
    let accounts = client.list_accounts(&tokens).await.unwrap();
    let dataset = server.state().dataset.clone();
    let budgets = server.state().budgets.clone();
    for (account, expected) in accounts.iter().zip(&dataset.accounts) {
        assert_eq!(account.external_id, expected.id);
        assert_eq!(account.currency, expected.currency);
        assert_eq!(account.time_zone, expected.time_zone);
    }
    assert_eq!(accounts[0].parent_id, None);
    assert_eq!(accounts[1].parent_id.as_deref(), Some(fake::MANAGER_ID));

    for (account, expected) in accounts.iter().zip(&dataset.accounts) {
        let campaigns = client.list_campaigns(&tokens, account).await.unwrap();
        assert_eq!(campaigns.len(), expected.campaigns.len());
        for (got, want) in campaigns.iter().zip(&expected.campaigns) {
            assert_eq!(got.external_id, want.id);
            assert_eq!(got.channel, want.channel, "{}", want.kind);
            let budget = got.budget.as_ref().unwrap();
            assert_eq!(budget.owner, want.budget_owner);
            assert_eq!(budget.external_id, want.budget_id);
            // A shared budget holds one amount for all its campaigns.
            assert_eq!(got.daily_budget_minor, Some(budgets[&want.budget_id]));
        }
        let range = DateRange::new(day("2026-02-01"), day("2026-07-30")).unwrap();
        let rows = client.daily_report(&tokens, account, range).await.unwrap();
        let expected_rows = dataset.expected_rows(&account.external_id, range);
        assert!(expected_rows.len() > fake::PAGE_SIZE * 3, "several pages");
        assert_eq!(sorted(rows), sorted(expected_rows));
    }
    // The second account was only ever called with the manager's login-customer-id; without
    // it, the fake refuses (the log has no denied call).
    assert!(server.log().iter().all(|l| l.outcome != "denied"));
}

#[tokio::test]
async fn a_throttled_search_is_retried_after_the_signalled_retry_delay() {
    let server = server();
    let client = client(&server);
    let tokens = client
        .exchange_code(&authorize(&client, "code").await.exchange)
        .await
        .unwrap();
    let account = client.list_accounts(&tokens).await.unwrap().remove(0);
    let range = DateRange::new(day("2026-03-01"), day("2026-03-07")).unwrap();

    {
        let mut state = server.state();
        state.faults.throttle_next = 1;
        state.faults.throttle_delay = Duration::from_millis(1500);
    }
    let err = client
        .daily_report(&tokens, &account, range)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::rate_limited(
            Duration::from_millis(1500),
            "Too many requests. Retry in 1 seconds."
        )
    );

    common::a_throttled_report_is_retried_after(
        &server,
        &client,
        &tokens,
        &account,
        range,
        Duration::from_millis(1500),
    )
    .await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_a_revoked_grant_needs_reauthorization() {
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
    assert_eq!(
        fresh.refresh_token, tokens.refresh_token,
        "Google does not rotate"
    );
    assert_eq!(client.list_accounts(&fresh).await.unwrap().len(), 2);

    client.revoke(&fresh).await.unwrap();
    let gone = client.refresh(&fresh).await.unwrap_err();
    assert!(
        matches!(gone, ConnectorError::Reauthorize { .. }),
        "{gone:?}"
    );
    let refused = client.list_accounts(&fresh).await.unwrap_err();
    assert!(
        matches!(refused, ConnectorError::Reauthorize { .. }),
        "{refused:?}"
    );
}

#[tokio::test]
async fn budgets_are_written_in_micros_to_the_budget_resource_and_read_back() {
    let server = server();
    let client = client(&server);
    let tokens = client
        .exchange_code(&authorize(&client, "code").await.exchange)
        .await
        .unwrap();
    let accounts = client.list_accounts(&tokens).await.unwrap();
    // The account behind the manager, and its shared budget.
    let account = &accounts[1];
    let campaigns = client.list_campaigns(&tokens, account).await.unwrap();
    let shared = campaigns
        .iter()
        .find(|c| c.budget.as_ref().unwrap().owner == BudgetOwner::SharedBudget)
        .unwrap();
    let budget = shared.budget.clone().unwrap();

    let calls = server.log().len();
    let low = client
        .set_daily_budget(&tokens, account, &budget, 99)
        .await
        .unwrap_err();
    assert!(
        matches!(low, ConnectorError::Rejected { ref code, .. } if code == "BUDGET_BELOW_PER_DAY_MINIMUM"),
        "{low:?}"
    );
    assert_eq!(server.log().len(), calls, "refused before calling Google");

    let write = client
        .set_daily_budget(&tokens, account, &budget, 12_345)
        .await
        .unwrap();
    assert_eq!(write.previous_minor, shared.daily_budget_minor);
    assert!(write.previous_minor.is_some());
    assert_eq!(write.applied_minor, 12_345);
    assert_eq!(server.state().budgets[&budget.external_id], 12_345);
    // Both campaigns on the shared budget now show it.
    let after = client.list_campaigns(&tokens, account).await.unwrap();
    let on_shared: Vec<_> = after
        .iter()
        .filter(|c| c.budget.as_ref() == Some(&budget))
        .map(|c| c.daily_budget_minor)
        .collect();
    assert_eq!(on_shared, vec![Some(12_345), Some(12_345)]);

    // Google's own refusal comes back with its code: a budget that is not there.
    let missing = connectors::BudgetRef {
        owner: BudgetOwner::Campaign,
        external_id: "424242".into(),
    };
    let err = client
        .set_daily_budget(&tokens, account, &missing, 10_000)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Rejected { ref code, .. } if code == "RESOURCE_NOT_FOUND"),
        "{err:?}"
    );
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

#[tokio::test]
async fn budgets_are_multiples_of_the_billable_unit_google_gives_each_currency() {
    let accounts = [
        ("Acme US", "USD", "America/New_York"),
        ("Acme HU", "HUF", "Europe/Budapest"),
    ];
    let dataset = fake::dataset_in(day("2026-01-01"), day("2026-01-31"), &accounts);
    let server = fake::start(connectors::fakes::FakeState::new(
        dataset,
        fake::CLIENT_ID,
        fake::CLIENT_SECRET,
    ))
    .unwrap();
    let client = client(&server);
    let tokens = client
        .exchange_code(&authorize(&client, "code").await.exchange)
        .await
        .unwrap();
    let listed = client.list_accounts(&tokens).await.unwrap();
    let huf = listed.iter().find(|a| a.currency == "HUF").unwrap();
    let budget = client.list_campaigns(&tokens, huf).await.unwrap()[0]
        .budget
        .clone()
        .unwrap();

    // 123.45 HUF is no multiple of the forint the fake's currency_constant answers: refused
    // with Google's code and the unit, before any mutate reaches Google.
    let err = client
        .set_daily_budget(&tokens, huf, &budget, 12_345)
        .await
        .unwrap_err();
    match &err {
        ConnectorError::Rejected { code, message } => {
            assert_eq!(code, "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT");
            assert!(message.contains("billable unit, 1 HUF"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let mutates = |server: &connectors::fakes::FakeServer| {
        server
            .log()
            .iter()
            .filter(|l| l.path.ends_with("campaignBudgets:mutate"))
            .count()
    };
    assert_eq!(mutates(&server), 0);

    // Whole forints go through.
    let write = client
        .set_daily_budget(&tokens, huf, &budget, 12_300)
        .await
        .unwrap();
    assert_eq!(write.applied_minor, 12_300);
    assert_eq!(mutates(&server), 1);

    // Cents are the unit in USD.
    let usd = listed.iter().find(|a| a.currency == "USD").unwrap();
    let budget = client.list_campaigns(&tokens, usd).await.unwrap()[0]
        .budget
        .clone()
        .unwrap();
    let write = client
        .set_daily_budget(&tokens, usd, &budget, 12_345)
        .await
        .unwrap();
    assert_eq!(write.applied_minor, 12_345);
}
