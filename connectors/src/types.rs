//! What crosses the boundary between a platform client and the rest of Mixpilot.

use chrono::{DateTime, NaiveDate, Utc};
use domain::dto::ad_data::Channel;
use serde::{Deserialize, Serialize};

use crate::ConnectorError;

/// An ad platform Mixpilot connects to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    GoogleAds,
    Meta,
    Linkedin,
    MicrosoftAds,
    Tiktok,
    /// A simulated platform whose true response curves are known; needs no credentials.
    Sandbox,
}

impl Platform {
    pub const ALL: [Platform; 6] = [
        Self::GoogleAds,
        Self::Meta,
        Self::Linkedin,
        Self::MicrosoftAds,
        Self::Tiktok,
        Self::Sandbox,
    ];

    /// The name used in URLs, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GoogleAds => "google_ads",
            Self::Meta => "meta",
            Self::Linkedin => "linkedin",
            Self::MicrosoftAds => "microsoft_ads",
            Self::Tiktok => "tiktok",
            Self::Sandbox => "sandbox",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            Self::GoogleAds => "Google Ads",
            Self::Meta => "Meta",
            Self::Linkedin => "LinkedIn",
            Self::MicrosoftAds => "Microsoft Advertising",
            Self::Tiktok => "TikTok",
            Self::Sandbox => "Sandbox",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the authorization URL is built from.
#[derive(Clone)]
pub struct AuthorizeRequest {
    /// Our callback URL, registered with the platform.
    pub redirect_uri: String,
    /// An unguessable value that ties the callback to the person who started the flow.
    pub state: String,
    /// The PKCE verifier kept with the state; its S256 challenge goes to platforms that
    /// support PKCE.
    pub pkce_verifier: String,
}

impl std::fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// What the callback brought back, plus what the exchange needs.
#[derive(Clone)]
pub struct CodeExchange {
    /// The authorization code (`code`, or TikTok's `auth_code`).
    pub code: String,
    /// The same redirect URI as in the authorization request.
    pub redirect_uri: String,
    /// The PKCE verifier whose challenge went out with the authorization request.
    pub pkce_verifier: String,
}

impl std::fmt::Debug for CodeExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeExchange")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// A grant's tokens. Stored encrypted; `Debug` never shows a token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    /// Absent where the platform has no refresh (Meta, TikTok).
    pub refresh_token: Option<String>,
    /// When the access token stops working; `None` if it does not expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the refresh token stops working (LinkedIn counts 365 days from consent).
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// The scopes granted (which can be fewer than asked for).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Platform-specific identifiers that go with the grant: Microsoft's customer ID, Google's
    /// manager (login-customer-id), TikTok's advertiser IDs.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Tokens {
    /// A bearer token with nothing else.
    pub fn bearer(access_token: impl Into<String>) -> Self {
        Self {
            access_token: access_token.into(),
            refresh_token: None,
            expires_at: None,
            refresh_expires_at: None,
            scopes: Vec::new(),
            extra: serde_json::Map::new(),
        }
    }

    /// True if the access token expires within `margin` of `now`.
    pub fn expires_within(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        self.expires_at.is_some_and(|at| at - margin <= now)
    }
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// An ad account the grant reaches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdAccount {
    /// The platform's ID, as the platform writes it (without prefixes such as Meta's `act_`).
    pub external_id: String,
    pub name: String,
    /// ISO 4217.
    pub currency: String,
    /// IANA time zone, e.g. `America/Los_Angeles`. Report dates are days in this zone.
    pub time_zone: String,
    /// The manager or customer the account is reached through, where calls need it (Google's
    /// `login-customer-id`, Microsoft's `CustomerId`).
    pub parent_id: Option<String>,
}

/// Which object holds a campaign's budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetOwner {
    /// The campaign itself.
    Campaign,
    /// A budget shared by several campaigns (Google, Microsoft): changing it changes them all.
    SharedBudget,
    /// The ad sets or ad groups under the campaign (Meta ABO, TikTok ad-group budgets).
    AdSet,
    /// No daily budget (a lifetime budget, or none at all).
    None,
}

impl BudgetOwner {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Campaign => "campaign",
            Self::SharedBudget => "shared_budget",
            Self::AdSet => "ad_set",
            Self::None => "none",
        }
    }
}

/// The object a budget write goes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetRef {
    pub owner: BudgetOwner,
    /// The platform's ID of the owning object (the campaign, the shared budget, the ad set).
    pub external_id: String,
}

/// A campaign, with its budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub external_id: String,
    pub name: String,
    /// The platform's status, as it writes it (`ENABLED`, `ACTIVE`, `PAUSED`, ...).
    pub status: String,
    /// Mapped from the platform's campaign type or objective.
    pub channel: Channel,
    /// Who owns the budget; `None` for [`BudgetOwner::None`].
    pub budget: Option<BudgetRef>,
    /// The current daily budget in minor units, where there is one.
    pub daily_budget_minor: Option<i64>,
}

/// A span of days, both ends inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// `from..=to`; refuses `to < from`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, ConnectorError> {
        if to < from {
            return Err(ConnectorError::invalid(format!(
                "date range ends ({to}) before it starts ({from})"
            )));
        }
        Ok(Self { from, to })
    }

    /// Number of days in the range.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Consecutive sub-ranges of at most `days` days, in order.
    pub fn chunks(&self, days: i64) -> Vec<DateRange> {
        let days = days.max(1);
        let mut out = Vec::new();
        let mut from = self.from;
        while from <= self.to {
            let to = (from + chrono::Duration::days(days - 1)).min(self.to);
            out.push(DateRange { from, to });
            from = to + chrono::Duration::days(1);
        }
        out
    }

    /// Every day in the range.
    pub fn iter_days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let from = self.from;
        (0..self.days()).map(move |i| from + chrono::Duration::days(i))
    }
}

/// One campaign's day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyRow {
    pub campaign_id: String,
    /// The day, in the account's time zone.
    pub date: NaiveDate,
    /// Minor units of the account's currency.
    pub spend_minor: i64,
    pub impressions: i64,
    pub clicks: i64,
    /// Fractional where the platform attributes fractions.
    pub conversions: f64,
    /// Conversion value, in minor units of the account's currency.
    pub revenue_minor: i64,
}

/// Which conversions a report counts, and whose value it reads as revenue: a choice made per
/// connection, passed to [`crate::AdPlatform::daily_report_counting`].
/// [`Conversions::PlatformDefault`] is what each client counts when nothing is chosen (Meta's
/// `purchase` action, Microsoft's `Conversions` and `Revenue`, TikTok's `conversion` with the
/// value of complete payments, Google's `conversions`, LinkedIn's website conversions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "platform", rename_all = "snake_case")]
pub enum Conversions {
    #[default]
    PlatformDefault,
    /// Meta: the action type read from `actions` (the count) and `action_values` (the value).
    Meta { action_type: MetaActionType },
    /// Microsoft Advertising: which report columns.
    MicrosoftAds { columns: MicrosoftConversions },
    /// TikTok: which event's metrics.
    Tiktok { event: TiktokEvent },
}

impl Conversions {
    /// The platform this choice is for; `None` for the default, which fits every platform.
    pub fn platform(&self) -> Option<Platform> {
        match self {
            Self::PlatformDefault => None,
            Self::Meta { .. } => Some(Platform::Meta),
            Self::MicrosoftAds { .. } => Some(Platform::MicrosoftAds),
            Self::Tiktok { .. } => Some(Platform::Tiktok),
        }
    }

    /// Refuses a choice made for another platform.
    pub fn check_for(&self, platform: Platform) -> Result<(), ConnectorError> {
        match self.platform() {
            Some(other) if other != platform => Err(ConnectorError::invalid(format!(
                "a {} conversion choice cannot apply to {}",
                other.label(),
                platform.label()
            ))),
            _ => Ok(()),
        }
    }
}

/// A Meta action type (`purchase`, `lead`, `complete_registration`,
/// `offsite_conversion.fb_pixel_purchase`, `offsite_conversion.custom.123`): lowercase letters,
/// digits, `_` and `.`, at most 200 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MetaActionType(String);

impl MetaActionType {
    /// What Meta's client counts by default.
    pub fn purchase() -> Self {
        Self("purchase".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MetaActionType {
    type Error = ConnectorError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = !value.is_empty()
            && value.len() <= 200
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
        if ok {
            Ok(Self(value))
        } else {
            Err(ConnectorError::invalid(format!(
                "{value:?} is not a Meta action type (lowercase letters, digits, '_' and '.')"
            )))
        }
    }
}

impl std::str::FromStr for MetaActionType {
    type Err = ConnectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::try_from(s.to_owned())
    }
}

impl From<MetaActionType> for String {
    fn from(value: MetaActionType) -> Self {
        value.0
    }
}

/// Microsoft Advertising's conversion columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MicrosoftConversions {
    /// `Conversions` and `Revenue`: the conversion goals counted in "Conversions".
    #[default]
    Conversions,
    /// `AllConversions` and `AllRevenue`: every conversion goal.
    AllConversions,
}

impl MicrosoftConversions {
    /// The report columns of the count and of the value.
    pub fn columns(self) -> (&'static str, &'static str) {
        match self {
            Self::Conversions => ("Conversions", "Revenue"),
            Self::AllConversions => ("AllConversions", "AllRevenue"),
        }
    }
}

/// TikTok's conversion events, as report metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TiktokEvent {
    /// `conversion` (the ad group's optimization event), valued by `total_complete_payment_rate`.
    #[default]
    Conversion,
    /// `complete_payment` and `total_complete_payment_rate` (web complete payments).
    CompletePayment,
    /// `onsite_shopping` and `total_onsite_shopping_value` (TikTok Shop purchases).
    OnsiteShopping,
    /// `purchase` and `total_purchase_value` (in-app purchases).
    AppPurchase,
}

impl TiktokEvent {
    /// The report metrics of the count and of the value.
    pub fn metrics(self) -> (&'static str, &'static str) {
        match self {
            Self::Conversion => ("conversion", "total_complete_payment_rate"),
            Self::CompletePayment => ("complete_payment", "total_complete_payment_rate"),
            Self::OnsiteShopping => ("onsite_shopping", "total_onsite_shopping_value"),
            Self::AppPurchase => ("purchase", "total_purchase_value"),
        }
    }
}

/// What a budget write did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetWrite {
    /// The daily budget before the write, in minor units, where the platform said.
    pub previous_minor: Option<i64>,
    /// The daily budget the platform holds after the write, read back.
    pub applied_minor: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_range_splits_into_consecutive_chunks_that_cover_it() {
        let range = DateRange::new(day("2026-01-01"), day("2026-03-01")).unwrap();
        let chunks = range.chunks(30);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            chunks[0],
            DateRange::new(day("2026-01-01"), day("2026-01-30")).unwrap()
        );
        assert_eq!(
            chunks[1],
            DateRange::new(day("2026-01-31"), day("2026-03-01")).unwrap()
        );
        assert_eq!(
            chunks.iter().map(DateRange::days).sum::<i64>(),
            range.days()
        );
    }

    #[test]
    fn a_backwards_range_is_refused() {
        assert!(DateRange::new(day("2026-02-01"), day("2026-01-31")).is_err());
    }

    #[test]
    fn a_conversion_choice_is_typed_and_checked_against_its_platform() {
        assert!(
            "offsite_conversion.fb_pixel_lead"
                .parse::<MetaActionType>()
                .is_ok()
        );
        assert!("Purchase".parse::<MetaActionType>().is_err());
        assert!("purchase&x=1".parse::<MetaActionType>().is_err());
        let choice: Conversions =
            serde_json::from_str(r#"{"platform":"meta","action_type":"lead"}"#).unwrap();
        assert_eq!(choice.check_for(Platform::Meta), Ok(()));
        assert!(choice.check_for(Platform::Tiktok).is_err());
        assert!(
            serde_json::from_str::<Conversions>(r#"{"platform":"meta","action_type":"Lead!"}"#)
                .is_err()
        );
        assert_eq!(
            Conversions::PlatformDefault.check_for(Platform::GoogleAds),
            Ok(())
        );
        assert_eq!(
            MicrosoftConversions::AllConversions.columns(),
            ("AllConversions", "AllRevenue")
        );
    }

    #[test]
    fn tokens_never_show_in_debug() {
        let mut tokens = Tokens::bearer("ya29.secret-access");
        tokens.refresh_token = Some("1//secret-refresh".into());
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
