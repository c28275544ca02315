//! Every ad platform end to end, through its local fake over real HTTP: the connect button's
//! OAuth redirect flow (our start, the platform's consent page, our callback), the backfill by
//! a worker, the rows it stored, what an expired token does to a sync (refreshed, or the
//! connection asks to be authorized again, and the re-authorize button renews the same
//! connection), a platform's refusal shown on the page, and another tenant kept out.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use connectors::fakes::{self, Dataset, FakeServer, FakeState};
use domain::dto::ad_data::{Channel, ChannelDay, ConnectionView};
use domain::dto::jobs::JobStatus;
use domain::ids::TenantId;
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use server::config::{PlatformCredentials, Settings};

use crate::helpers::{Mode, Session, TestApp, spawn_app_with};

/// One platform's fake and how the server is pointed at it.
struct Fake {
    name: &'static str,
    start: fn(FakeState) -> std::io::Result<FakeServer>,
    state: fn(NaiveDate, NaiveDate) -> FakeState,
    client_id: &'static str,
    client_secret: &'static str,
    /// Whether the platform has refresh tokens (Meta and TikTok have none).
    refreshes: bool,
    /// Microsoft's developer token, sent with every call.
    developer_token: Option<&'static str>,
    configure: fn(&mut Settings, PlatformCredentials),
}

/// The span the fakes have data for: it ends two days ago, so that "today" in any account's
/// time zone is after it, and starts well inside the 180-day backfill.
fn data_span() -> (NaiveDate, NaiveDate) {
    let today = Utc::now().date_naive();
    (
        today - chrono::Duration::days(150),
        today - chrono::Duration::days(2),
    )
}

/// A running fake, and the test app configured with its credentials and base URL.
async fn app_with(mode: Mode, fake: &Fake) -> (TestApp, FakeServer, Dataset) {
    let (first, last) = data_span();
    let state = (fake.state)(first, last);
    let dataset = state.dataset.clone();
    let server = (fake.start)(state).expect("the fake starts");
    let credentials = PlatformCredentials {
        client_id: fake.client_id.to_owned(),
        client_secret: SecretString::from(fake.client_secret),
        base_url: Some(server.base_url.to_string()),
        developer_token: fake.developer_token.map(SecretString::from),
    };
    let configure = fake.configure;
    let app = spawn_app_with(mode, move |s| configure(s, credentials)).await;
    (app, server, dataset)
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location in a {} answer", res.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Presses "Connect" (or "Re-authorize" with `reauthorize`) as `session`: our start answers
/// with the platform's consent page, which redirects to our callback with a code. Returns the
/// callback's URL.
async fn consent(
    app: &TestApp,
    server: &FakeServer,
    session: &Session,
    ws: TenantId,
    fake: &Fake,
    reauthorize: Option<uuid::Uuid>,
) -> String {
    let mut start = format!("/oauth/{}/start?workspace_id={ws}", fake.name);
    if let Some(id) = reauthorize {
        start.push_str(&format!("&connection_id={id}"));
    }
    let res = app
        .request(Method::GET, &start, Some(session))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{start}");
    let to_platform = location(&res);
    assert!(
        to_platform.starts_with(server.base_url.as_str()),
        "the browser goes to the platform: {to_platform}"
    );
    assert!(to_platform.contains("state="), "{to_platform}");
    // The platform's consent page, which consents at once.
    let res = app.client.get(&to_platform).send().await.unwrap();
    assert!(
        res.status().is_redirection(),
        "the consent page redirects back: {}",
        res.status()
    );
    let callback = location(&res);
    let ours = format!("{}/oauth/{}/callback?", app.address, fake.name);
    assert!(callback.starts_with(&ours), "{callback}");
    callback
}

/// Follows the callback as `session`; returns where it sent the browser.
async fn callback(app: &TestApp, session: &Session, url: &str) -> String {
    let res = app
        .client
        .get(url)
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{url}");
    location(&res)
}

async fn connections(app: &TestApp, session: &Session, ws: TenantId) -> Vec<ConnectionView> {
    let res = app
        .request(
            Method::GET,
            &format!("/api/v1/workspaces/{ws}/connections"),
            Some(session),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// The connection to `platform`, once its sync has finished.
async fn synced(app: &TestApp, session: &Session, ws: TenantId, platform: &str) -> ConnectionView {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let c = connections(app, session, ws)
            .await
            .into_iter()
            .find(|c| c.platform == platform)
            .unwrap_or_else(|| panic!("a {platform} connection"));
        if c.sync.as_ref().is_some_and(|j| j.status.is_finished()) {
            return c;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the sync did not finish: {c:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Spend, revenue and conversions per day, channel and currency.
type Totals = BTreeMap<(NaiveDate, Channel, String), (i64, i64, f64)>;

fn stored_totals(days: Vec<ChannelDay>) -> Totals {
    days.into_iter()
        .map(|d| {
            (
                (d.date, d.channel, d.currency),
                (d.spend_minor, d.revenue_minor, d.conversions),
            )
        })
        .collect()
}

/// What the fake's dataset says the workspace must hold: every row of both accounts.
fn expected_totals(dataset: &Dataset) -> Totals {
    let mut out = Totals::new();
    for account in &dataset.accounts {
        for campaign in &account.campaigns {
            let mut day = dataset.first_day;
            while day <= dataset.last_day {
                if let Some(row) = dataset.metrics(&campaign.id, day) {
                    let e = out
                        .entry((day, campaign.channel, account.currency.clone()))
                        .or_insert((0, 0, 0.0));
                    e.0 += row.spend_minor;
                    e.1 += row.revenue_minor;
                    e.2 += row.conversions;
                }
                day += chrono::Duration::days(1);
            }
        }
    }
    out
}

async fn channel_days(app: &TestApp, session: &Session, ws: TenantId) -> Vec<ChannelDay> {
    let to = Utc::now().date_naive() + chrono::Duration::days(1);
    let from = to - chrono::Duration::days(365);
    let res = app
        .request(
            Method::GET,
            &format!("/api/v1/workspaces/{ws}/metrics/channels?from={from}&to={to}"),
            Some(session),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn assert_same_totals(stored: &Totals, expected: &Totals) {
    assert_eq!(
        stored.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the same days, channels and currencies"
    );
    for (key, (spend, revenue, conversions)) in expected {
        let got = &stored[key];
        assert_eq!((got.0, got.1), (*spend, *revenue), "{key:?}");
        assert!((got.2 - conversions).abs() < 1e-6, "{key:?}: {got:?}");
    }
}

/// Connect through the OAuth redirect flow, backfill, and find exactly the fake's rows.
async fn connect_and_backfill(mode: Mode, fake: &Fake) {
    let (app, server, dataset) = app_with(mode, fake).await;
    let (owner, ws) = app.owner("acme").await;

    let url = consent(&app, &server, &owner, ws, fake, None).await;
    let back = callback(&app, &owner, &url).await;
    assert_eq!(back, format!("/w/{ws}/connections?connected={}", fake.name));
    // The state is single use: the same callback again is refused.
    let res = app
        .client
        .get(&url)
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let done = synced(&app, &owner, ws, fake.name).await;
    let job = done.sync.clone().unwrap();
    assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.error);
    assert_eq!(done.status, "active", "{:?}", done.status_message);
    assert_eq!(done.ad_accounts, 2);
    let campaigns: usize = dataset.accounts.iter().map(|a| a.campaigns.len()).sum();
    assert_eq!(done.campaigns as usize, campaigns);

    let expected = expected_totals(&dataset);
    assert!(expected.len() > 100, "the dataset has rows");
    assert_same_totals(
        &stored_totals(channel_days(&app, &owner, ws).await),
        &expected,
    );

    // A re-sync of the window changes nothing.
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/connections/{}/sync", done.id),
            Some(&owner),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let again = synced(&app, &owner, ws, fake.name).await;
    assert_ne!(again.sync.as_ref().unwrap().id, job.id);
    assert_eq!(again.sync.unwrap().status, JobStatus::Succeeded);
    assert_same_totals(
        &stored_totals(channel_days(&app, &owner, ws).await),
        &expected,
    );

    // Conversions restated by the platform after the fact are picked up by the next sync of
    // the window, and nothing else moves.
    let mut dataset = dataset;
    let (campaign, date) = {
        let c = &dataset.accounts[0].campaigns[0];
        let mut day = dataset.last_day;
        while dataset.metrics(&c.id, day).is_none() {
            day -= chrono::Duration::days(1);
        }
        (c.id.clone(), day)
    };
    dataset.restate(&campaign, date, 3.0, 12_300);
    server.state().dataset.restate(&campaign, date, 3.0, 12_300);
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/connections/{}/sync", done.id),
            Some(&owner),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let restated = synced(&app, &owner, ws, fake.name).await;
    assert_eq!(restated.sync.unwrap().status, JobStatus::Succeeded);
    let updated = expected_totals(&dataset);
    assert_ne!(updated, expected);
    assert_same_totals(
        &stored_totals(channel_days(&app, &owner, ws).await),
        &updated,
    );

    // No token of the platform appears in what the API answers.
    let listed = serde_json::to_string(&connections(&app, &owner, ws).await).unwrap();
    for token in server.state().access_tokens.keys() {
        assert!(!listed.contains(token.as_str()), "a token leaked: {listed}");
    }
}

/// An expired token: refreshed where the platform can, else the connection asks to be
/// authorized again, and the re-authorize button renews the same connection.
async fn expiry(fake: &Fake) {
    let (app, server, _) = app_with(Mode::Embedded, fake).await;
    let (owner, ws) = app.owner("acme").await;
    let url = consent(&app, &server, &owner, ws, fake, None).await;
    callback(&app, &owner, &url).await;
    let first = synced(&app, &owner, ws, fake.name).await;
    assert_eq!(first.status, "active");

    server.state().expire_issued_tokens();
    let issued_before = server.state().access_tokens.len();
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/connections/{}/sync", first.id),
            Some(&owner),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let after = synced(&app, &owner, ws, fake.name).await;
    if fake.refreshes {
        assert_eq!(
            after.sync.as_ref().unwrap().status,
            JobStatus::Succeeded,
            "{:?}",
            after.sync
        );
        assert_eq!(after.status, "active", "{:?}", after.status_message);
        assert!(
            server.state().access_tokens.len() > issued_before,
            "a new access token was issued by a refresh"
        );
        return;
    }
    assert_eq!(after.status, "needs_reauth", "{after:?}");
    assert!(
        after.status_message.is_some(),
        "the platform's message is shown"
    );

    // Another tenant cannot start re-authorizing this connection.
    let (stranger, other) = app.owner("globex").await;
    let res = app
        .request(
            Method::GET,
            &format!(
                "/oauth/{}/start?workspace_id={other}&connection_id={}",
                fake.name, first.id
            ),
            Some(&stranger),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The re-authorize button renews the grant of the same connection.
    let url = consent(&app, &server, &owner, ws, fake, Some(first.id)).await;
    callback(&app, &owner, &url).await;
    let renewed = synced(&app, &owner, ws, fake.name).await;
    assert_eq!(renewed.id, first.id);
    assert_eq!(renewed.status, "active", "{:?}", renewed.status_message);
    assert_eq!(connections(&app, &owner, ws).await.len(), 1);
}

/// A code the platform refuses sends the browser back to the page with the platform's words,
/// and nothing is connected.
async fn refused_code(fake: &Fake) {
    let (app, server, _) = app_with(Mode::Embedded, fake).await;
    let (owner, ws) = app.owner("acme").await;
    let url = consent(&app, &server, &owner, ws, fake, None).await;
    let mut tampered = url::Url::parse(&url).unwrap();
    let pairs: Vec<(String, String)> = tampered
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "code" || k == "auth_code" {
                "not-a-code-the-platform-issued".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    let back = callback(&app, &owner, tampered.as_str()).await;
    assert!(
        back.starts_with(&format!("/w/{ws}/connections?error=")),
        "{back}"
    );
    assert!(connections(&app, &owner, ws).await.is_empty());
}

macro_rules! platforms {
    ($($module:ident: $refreshes:expr, $developer_token:expr;)*) => {$(
        mod $module {
            use super::*;

            pub(super) fn fake() -> Fake {
                Fake {
                    name: stringify!($module),
                    start: fakes::$module::start,
                    state: fakes::$module::state,
                    client_id: fakes::$module::CLIENT_ID,
                    client_secret: fakes::$module::CLIENT_SECRET,
                    refreshes: $refreshes,
                    developer_token: $developer_token,
                    configure: |s, c| s.$module = Some(c),
                }
            }

            crate::both_modes! {
                async fn connects_through_the_oauth_redirects_and_backfills_the_expected_rows(mode: Mode) {
                    connect_and_backfill(mode, &fake()).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn an_expired_token_is_refreshed_or_the_connection_asks_for_reauthorization() {
                expiry(&fake()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_refused_code_comes_back_to_the_page_in_words() {
                refused_code(&fake()).await;
            }
        }
    )*};
}

platforms! {
    google_ads: true, None;
    linkedin: true, None;
    meta: false, None;
    microsoft_ads: true, Some(fakes::microsoft_ads::DEVELOPER_TOKEN);
    tiktok: false, None;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_not_signed_in_is_sent_to_sign_in_and_back() {
    let (app, _server, _) = app_with(Mode::Embedded, &google_ads::fake()).await;
    let (_, ws) = app.owner("acme").await;
    let res = app
        .get(&format!("/oauth/google_ads/start?workspace_id={ws}"))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    let next = format!("/oauth/google_ads/start?workspace_id={ws}");
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    assert_eq!(to, format!("/sign-in?next={encoded}"));
}
