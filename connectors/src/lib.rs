//! Clients for the ad platforms Mixpilot reads performance from and writes budgets to.
//!
//! Every platform implements [`AdPlatform`]: the OAuth2 authorization-code flow (with PKCE where
//! the platform supports it), token refresh or long-lived exchange, ad accounts, campaigns with
//! the owner of their budget, a daily report per campaign, and a budget write in the platform's
//! units. Base URLs, API versions and credentials come from each platform's config, so the same
//! client talks to the real platform or to its local fake (`fakes`, behind the feature of that
//! name). Errors are classified from the response body, never from the HTTP status alone
//! ([`ConnectorError`]).
//!
//! Money crosses this crate's boundary as integer minor units of the account's currency.

pub mod error;
pub mod google_ads;
pub mod http;
pub mod linkedin;
pub mod meta;
pub mod microsoft_ads;
pub mod money;
pub mod oauth;
pub mod platform_money;
pub mod retry;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod tiktok;
pub mod types;
pub mod versions;

#[cfg(feature = "fakes")]
pub mod fakes;

pub use error::ConnectorError;
pub use types::*;

use async_trait::async_trait;
use url::Url;

/// What every platform client does. Implementations hold their configuration and an HTTP
/// client; they keep no per-connection state: tokens are passed in.
#[async_trait]
pub trait AdPlatform: Send + Sync {
    /// Which platform this is.
    fn platform(&self) -> Platform;

    /// The API version this client is configured to speak (checked against the platforms'
    /// published sunsets by [`versions::check`]).
    fn api_version(&self) -> &str;

    /// Where to send the person to grant access. `request.state` comes back on the callback;
    /// `request.pkce_challenge` is sent where the platform supports PKCE.
    fn authorize_url(&self, request: &AuthorizeRequest) -> Result<Url, ConnectorError>;

    /// Trades the callback's code for tokens (and, where the platform only issues short-lived
    /// tokens without refresh, for a long-lived one).
    async fn exchange_code(&self, callback: &CodeExchange) -> Result<Tokens, ConnectorError>;

    /// A fresh access token. Returns the refresh token to keep from now on, which is the new
    /// one where the platform rotates them. Platforms without refresh answer
    /// [`ConnectorError::Reauthorize`].
    async fn refresh(&self, tokens: &Tokens) -> Result<Tokens, ConnectorError>;

    /// Revokes the grant at the platform, where it offers a way to.
    async fn revoke(&self, tokens: &Tokens) -> Result<(), ConnectorError>;

    /// The ad accounts the grant reaches, with currency and time zone.
    async fn list_accounts(&self, tokens: &Tokens) -> Result<Vec<AdAccount>, ConnectorError>;

    /// The campaigns of one account, with who owns each budget and its current daily amount.
    async fn list_campaigns(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
    ) -> Result<Vec<Campaign>, ConnectorError>;

    /// One row per campaign and day with activity, both ends inclusive, in the account's time
    /// zone, counting the platform's default conversions. Days without activity are absent.
    async fn daily_report(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        range: DateRange,
    ) -> Result<Vec<DailyRow>, ConnectorError> {
        self.daily_report_counting(tokens, account, range, &Conversions::PlatformDefault)
            .await
    }

    /// [`AdPlatform::daily_report`], counting the conversions the connection chose (and their
    /// value as revenue). A choice made for another platform is refused.
    async fn daily_report_counting(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        range: DateRange,
        conversions: &Conversions,
    ) -> Result<Vec<DailyRow>, ConnectorError>;

    /// Sets a daily budget, in minor units of the account's currency, on the object that owns
    /// it. Refuses amounts below the platform's minimum before calling it, and reads the value
    /// back.
    async fn set_daily_budget(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        budget: &BudgetRef,
        amount_minor: i64,
    ) -> Result<BudgetWrite, ConnectorError>;
}
