//! Ad data as the API shows it: the channel taxonomy, and the CSV import of daily metrics.

use serde::{Deserialize, Serialize};

/// One taxonomy of channels, mapped from every platform's campaign types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Search,
    Shopping,
    Social,
    ProfessionalSocial,
    Display,
    Video,
    Audio,
    Tv,
    Ooh,
    Affiliate,
    Email,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 12] = [
        Self::Search,
        Self::Shopping,
        Self::Social,
        Self::ProfessionalSocial,
        Self::Display,
        Self::Video,
        Self::Audio,
        Self::Tv,
        Self::Ooh,
        Self::Affiliate,
        Self::Email,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Shopping => "shopping",
            Self::Social => "social",
            Self::ProfessionalSocial => "professional_social",
            Self::Display => "display",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Tv => "tv",
            Self::Ooh => "ooh",
            Self::Affiliate => "affiliate",
            Self::Email => "email",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One problem in an uploaded file: where, and what would be accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CsvProblem {
    /// The line in the file (the header is line 1).
    pub row: u64,
    /// The column's name in the header; empty for a problem with the whole row or file.
    pub column: String,
    pub message: String,
}

/// What an import did. Importing the same file again inserts and updates nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Data rows in the file.
    pub rows: u64,
    /// Days of a campaign that were not there before.
    pub inserted: u64,
    /// Days whose numbers changed.
    pub updated: u64,
    /// Days already there with the same numbers.
    pub unchanged: u64,
    /// Campaigns created by this import.
    pub campaigns_created: u64,
}

/// The header and two example rows of the import format.
pub const CSV_TEMPLATE: &str = "\
date,channel,campaign,currency,spend,impressions,clicks,conversions,revenue
2026-11-01,search,Brand search,USD,1250.00,48000,2100,95,11875.50
2026-11-01,social,,USD,830.25,120000,950,31.5,2480.00
";

/// How KPIs are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KpiGrouping {
    Campaign,
    Channel,
    Workspace,
}

/// Sums over a period, and the ratios people read. Money is in minor units of `currency`;
/// ratios of money (CPA, CPC) are in major units. A ratio with nothing to divide by is absent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    pub spend_minor: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub revenue_minor: i64,
    /// Spend per conversion.
    pub cpa: Option<f64>,
    /// Revenue per unit of spend.
    pub roas: Option<f64>,
    /// Conversions per click.
    pub conversion_rate: Option<f64>,
    /// Clicks per impression.
    pub ctr: Option<f64>,
    /// Spend per click.
    pub cpc: Option<f64>,
}

/// One group's KPIs in the period and in the period before it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiRow {
    /// The campaign's name, the channel, or `workspace`.
    pub key: String,
    pub channel: Option<Channel>,
    /// Money is never added across currencies: each currency has its own rows.
    pub currency: String,
    pub current: Totals,
    pub previous: Totals,
}

/// `GET /api/v1/workspaces/{id}/kpis`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiReport {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    /// The period before, of the same length.
    pub previous_from: chrono::NaiveDate,
    pub previous_to: chrono::NaiveDate,
    pub by: KpiGrouping,
    pub rows: Vec<KpiRow>,
}

/// A workspace's source of ad data: an ad platform, the sandbox, or CSV imports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionView {
    pub id: uuid::Uuid,
    /// `google_ads`, `meta`, `linkedin`, `microsoft_ads`, `tiktok`, `sandbox` or `csv`.
    pub platform: String,
    pub display_name: String,
    /// `active`, `syncing`, `needs_reauth` or `error`.
    pub status: String,
    /// The platform's message when the status is `error` or `needs_reauth`.
    pub status_message: Option<String>,
    pub last_sync_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub ad_accounts: u64,
    pub campaigns: u64,
    /// The sync running now or run last, with its progress.
    pub sync: Option<crate::dto::jobs::JobView>,
}

/// Where to send the person to authorize a platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthorizationStart {
    /// The platform's authorization page, with state (and PKCE where supported).
    pub authorize_url: String,
}

/// One day of one channel, summed over its campaigns, for the spend and revenue chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelDay {
    pub date: chrono::NaiveDate,
    pub channel: Channel,
    pub currency: String,
    pub spend_minor: i64,
    pub revenue_minor: i64,
    pub conversions: f64,
}
