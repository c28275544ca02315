//! Microsoft Advertising (Bing Ads API v13), over its REST interface
//! (`../shared/PLATFORM_APIS.md`, section 4).
//!
//! - OAuth2 on the Microsoft identity platform, with PKCE and `offline_access`; refresh tokens
//!   **rotate**: every refresh answers a new one, which replaces the old (kept by
//!   [`OAuthApp::refresh`]). There is no revocation endpoint for these grants.
//! - Every call carries `Authorization: Bearer`, the app's `DeveloperToken`, and, for campaign
//!   and report calls, `CustomerId` (the account's parent customer, kept in
//!   [`AdAccount::parent_id`]) and `CustomerAccountId`.
//! - Accounts: `User/Query` for the signed-in user, then `Accounts/Search` by user, paged.
//!   Currencies and time zones come as Microsoft's enum names (`USDollar`,
//!   `PacificTimeUSCanadaTijuana`), mapped here to ISO 4217 and IANA names.
//! - Reports are asynchronous: `GenerateReport/Submit`, `GenerateReport/Poll` until `Success`,
//!   then a download (without our credentials) of a zip holding one CSV.
//! - Budgets are doubles in major units, on the campaign (`DailyBudget`) or on a shared
//!   `Budget` (`Amount`) when the campaign has a `BudgetId`. Writes answer HTTP 200 with
//!   `PartialErrors` for the items that failed.
//! - Failures come as an `ApplicationFault` body: 109 expired token, 105 bad credentials, 117
//!   throttled (wait 60 s), 0 internal error.

use std::io::Read as _;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{Datelike as _, NaiveDate};
use domain::dto::ad_data::Channel;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use url::Url;

use crate::http::{Reply, send};
use crate::oauth::{OAuthApp, http_client};
use crate::{
    AdAccount, AdPlatform, AuthorizeRequest, BudgetOwner, BudgetRef, BudgetWrite, Campaign,
    CodeExchange, ConnectorError, Conversions, DailyRow, DateRange, MicrosoftConversions, Platform,
    Tokens, money,
};

/// The scope of the Microsoft Advertising API.
pub const SCOPE: &str = "https://ads.microsoft.com/msads.manage";
/// Every scope asked for: `offline_access` brings the refresh token.
pub const SCOPES: [&str; 3] = ["openid", "offline_access", SCOPE];
/// The campaign types listed (the default of `Campaigns/QueryByAccountId` is Search only).
pub const CAMPAIGN_TYPES: &str = "Search,Shopping,DynamicSearchAds,Audience,PerformanceMax";
/// The columns of the daily campaign performance report, before the conversion columns the
/// connection chose ([`MicrosoftConversions::columns`]).
pub const REPORT_COLUMNS: [&str; 7] = [
    "TimePeriod",
    "AccountId",
    "CampaignId",
    "CurrencyCode",
    "Impressions",
    "Clicks",
    "Spend",
];
/// The API version this client speaks (in every path: `…/CampaignManagement/v13/…`).
pub const API_VERSION: &str = "v13";
/// The error code of a budget below the currency's minimum (Microsoft's own, 4912).
pub const BELOW_LIMIT: &str = "CampaignServiceBudgetAmountIsBelowLimit";

/// Where Microsoft Advertising is reached and with which app.
#[derive(Clone)]
pub struct Config {
    pub client_id: String,
    pub client_secret: String,
    /// Sent with every API call (`DeveloperToken`).
    pub developer_token: String,
    pub authorize_url: Url,
    pub token_url: Url,
    /// `…/CustomerManagement/`, with its trailing slash: the version goes after it.
    pub customer_base: Url,
    /// `…/CampaignManagement/`.
    pub campaign_base: Url,
    /// `…/Reporting/`.
    pub reporting_base: Url,
    /// The API version in every path, `v13`.
    pub api_version: String,
    /// The wait after a throttle (117 `CallRateExceeded`, which signals no delay: calls are
    /// counted over a sliding minute).
    pub throttle_wait: Duration,
    /// The pause between two polls of a pending report.
    pub report_poll_interval: Duration,
    /// Polls before a report still pending is given up (as a transient failure).
    pub report_max_polls: u32,
    /// Accounts asked for per `Accounts/Search` page.
    pub accounts_page_size: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("microsoft_ads::Config")
            .field("client_id", &self.client_id)
            .field("customer_base", &self.customer_base.as_str())
            .field("campaign_base", &self.campaign_base.as_str())
            .field("reporting_base", &self.reporting_base.as_str())
            .field("api_version", &self.api_version)
            .field("throttle_wait", &self.throttle_wait)
            .finish_non_exhaustive()
    }
}

fn url(raw: &str) -> Url {
    // The constant URLs below are valid; a bad base is refused when it is configured.
    Url::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

impl Config {
    /// The real Microsoft Advertising.
    pub fn production(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        developer_token: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            developer_token: developer_token.into(),
            authorize_url: url("https://login.microsoftonline.com/common/oauth2/v2.0/authorize"),
            token_url: url("https://login.microsoftonline.com/common/oauth2/v2.0/token"),
            customer_base: url(
                "https://clientcenter.api.bingads.microsoft.com/CustomerManagement/",
            ),
            campaign_base: url("https://campaign.api.bingads.microsoft.com/CampaignManagement/"),
            reporting_base: url("https://reporting.api.bingads.microsoft.com/Reporting/"),
            api_version: API_VERSION.to_owned(),
            throttle_wait: Duration::from_secs(60),
            report_poll_interval: Duration::from_secs(2),
            // Five minutes at the production interval.
            report_max_polls: 150,
            accounts_page_size: 100,
        }
    }

    /// Every endpoint under `base`, at the real hosts' paths (the local fake).
    pub fn at(
        base: &Url,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        developer_token: impl Into<String>,
    ) -> Self {
        let join = |path: &str| base.join(path).unwrap_or_else(|_| base.clone());
        Self {
            authorize_url: join("common/oauth2/v2.0/authorize"),
            token_url: join("common/oauth2/v2.0/token"),
            customer_base: join("CustomerManagement/"),
            campaign_base: join("CampaignManagement/"),
            reporting_base: join("Reporting/"),
            ..Self::production(client_id, client_secret, developer_token)
        }
    }

    fn oauth(&self) -> OAuthApp {
        OAuthApp {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            authorize_url: self.authorize_url.clone(),
            token_url: self.token_url.clone(),
            scopes: SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            pkce: true,
            extra_params: vec![("response_mode".into(), "query".into())],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Enum names

/// Microsoft's currency names (the `Currency Value` column of the currencies guide, and the
/// names other Microsoft surfaces use for the same currencies) with their ISO 4217 codes.
/// The Venezuelan `Bolivar` (VEF) is left out: its code is no longer ISO 4217.
const CURRENCIES: &[(&str, &str)] = &[
    ("ArgentinePeso", "ARS"),
    ("AustralianDollar", "AUD"),
    ("Baht", "THB"),
    ("ThaiBaht", "THB"),
    ("BrazilianReal", "BRL"),
    ("CanadianDollar", "CAD"),
    ("ChileanPeso", "CLP"),
    ("ChineseYuan", "CNY"),
    ("ChineseYuanRenminbi", "CNY"),
    ("ColombianPeso", "COP"),
    ("CzechKoruna", "CZK"),
    ("DanishKrone", "DKK"),
    ("Euro", "EUR"),
    ("HongKongDollar", "HKD"),
    ("HungarianForint", "HUF"),
    ("IndianRupee", "INR"),
    ("Rupiah", "IDR"),
    ("IndonesianRupiah", "IDR"),
    ("IsraeliNewShekel", "ILS"),
    ("JapaneseYen", "JPY"),
    ("SouthKoreanWon", "KRW"),
    ("MalaysianRinggit", "MYR"),
    ("MexicanPeso", "MXN"),
    ("NewTaiwanDollar", "TWD"),
    ("TaiwanNewDollar", "TWD"),
    ("NewZealandDollar", "NZD"),
    ("NorwegianKrone", "NOK"),
    ("NuevoSol", "PEN"),
    ("PeruvianNuevoSol", "PEN"),
    ("PhilippinePeso", "PHP"),
    ("PolishZloty", "PLN"),
    ("RomanianLeu", "RON"),
    ("SaudiRiyal", "SAR"),
    ("SingaporeDollar", "SGD"),
    ("SouthAfricanRand", "ZAR"),
    ("SwedishKrona", "SEK"),
    ("SwissFranc", "CHF"),
    ("TurkishLira", "TRY"),
    ("UAEDirham", "AED"),
    ("UKPound", "GBP"),
    ("PoundSterling", "GBP"),
    ("USDollar", "USD"),
    ("VietnameseDong", "VND"),
];

/// The ISO 4217 code of an account's `CurrencyCode`. Microsoft's guides and samples write
/// enum names (`USDollar`); the v13 value set lists ISO codes (`USD`): both are accepted.
pub fn currency_code(name: &str) -> Result<String, ConnectorError> {
    if let Some((_, iso)) = CURRENCIES.iter().find(|(n, _)| *n == name) {
        return Ok((*iso).to_owned());
    }
    let is_iso = name.len() == 3
        && name.chars().all(|c| c.is_ascii_uppercase())
        && iso_currency::Currency::from_code(name).is_some();
    if is_iso {
        Ok(name.to_owned())
    } else {
        Err(ConnectorError::protocol(format!(
            "Microsoft Advertising currency {name:?} is not one this client knows"
        )))
    }
}

/// Microsoft's time zones: the account's name (`TimeZoneType`), the report's name for the same
/// zone (`ReportTimeZone`, spelled differently for four of them), and the IANA zone.
const TIME_ZONES: &[(&str, &str, &str)] = &[
    ("AbuDhabiMuscat", "AbuDhabiMuscat", "Asia/Dubai"),
    ("Adelaide", "Adelaide", "Australia/Adelaide"),
    ("Alaska", "Alaska", "America/Anchorage"),
    ("AlmatyNovosibirsk", "AlmatyNovosibirsk", "Asia/Novosibirsk"),
    (
        "AmsterdamBerlinBernRomeStockholmVienna",
        "AmsterdamBerlinBernRomeStockholmVienna",
        "Europe/Berlin",
    ),
    ("Arizona", "Arizona", "America/Phoenix"),
    ("AstanaDhaka", "AstanaDhaka", "Asia/Dhaka"),
    (
        "AthensBuckarestIstanbul",
        "AthensIslandanbulMinsk",
        "Europe/Athens",
    ),
    (
        "AtlanticTimeCanada",
        "AtlanticTimeCanada",
        "America/Halifax",
    ),
    (
        "AucklandWellington",
        "AucklandWellington",
        "Pacific/Auckland",
    ),
    ("Azores", "Azores", "Atlantic/Azores"),
    ("Baghdad", "Baghdad", "Asia/Baghdad"),
    ("BakuTbilisiYerevan", "BakuTbilisiYerevan", "Asia/Baku"),
    ("BangkokHanoiJakarta", "BangkokHanoiJakarta", "Asia/Bangkok"),
    (
        "BeijingChongqingHongKongUrumqi",
        "BeijingChongqingHongKongUrumqi",
        "Asia/Shanghai",
    ),
    (
        "BelgradeBratislavaBudapestLjubljanaPrague",
        "BelgradeBratislavaBudapestLjubljanaPrague",
        "Europe/Budapest",
    ),
    ("BogotaLimaQuito", "BogotaLimaQuito", "America/Bogota"),
    ("Brasilia", "Brasilia", "America/Sao_Paulo"),
    ("Brisbane", "Brisbane", "Australia/Brisbane"),
    (
        "BrusselsCopenhagenMadridParis",
        "BrusselsCopenhagenMadridParis",
        "Europe/Paris",
    ),
    ("Bucharest", "Bucharest", "Europe/Bucharest"),
    (
        "BuenosAiresGeorgetown",
        "BuenosAiresGeorgetown",
        "America/Argentina/Buenos_Aires",
    ),
    ("Cairo", "Cairo", "Africa/Cairo"),
    (
        "CanberraMelbourneSydney",
        "CanberraMelbourneSydney",
        "Australia/Sydney",
    ),
    ("CapeVerdeIsland", "CapeVerdeIsland", "Atlantic/Cape_Verde"),
    ("CaracasLaPaz", "CaracasLaPaz", "America/Caracas"),
    (
        "CasablancaMonrovia",
        "CasablancaMonrovia",
        "Africa/Casablanca",
    ),
    ("CentralAmerica", "CentralAmerica", "America/Guatemala"),
    (
        "CentralTimeUSCanada",
        "CentralTimeUSCanada",
        "America/Chicago",
    ),
    (
        "ChennaiKolkataMumbaiNewDelhi",
        "ChennaiKolkataMumbaiNewDelhi",
        "Asia/Kolkata",
    ),
    (
        "ChihuahuaLaPazMazatlan",
        "ChihuahuaLaPazMazatlan",
        "America/Mazatlan",
    ),
    ("Darwin", "Darwin", "Australia/Darwin"),
    (
        "EasternTimeUSCanada",
        "EasternTimeUSCanada",
        "America/New_York",
    ),
    ("Ekaterinburg", "Ekaterinburg", "Asia/Yekaterinburg"),
    (
        "FijiKamchatkaMarshallIsland",
        "FijiKamchatkaMarshallIsland",
        "Pacific/Fiji",
    ),
    ("Greenland", "Greenland", "America/Nuuk"),
    (
        "GreenwichMeanTimeDublinEdinburghLisbonLondon",
        "GreenwichMeanTimeDublinEdinburghLisbonLondon",
        "Europe/London",
    ),
    (
        "GuadalajaraMexicoCityMonterrey",
        "GuadalajaraMexicoCityMonterrey",
        "America/Mexico_City",
    ),
    ("GuamPortMoresby", "GuamPortMoresby", "Pacific/Guam"),
    ("HararePretoria", "HararePretoria", "Africa/Johannesburg"),
    ("Hawaii", "Hawaii", "Pacific/Honolulu"),
    (
        "HelsinkiKyivRigaSofiaTallinnVilnius",
        "HelsinkiKyivRigaSofiaTallinnVilnius",
        "Europe/Helsinki",
    ),
    ("Hobart", "Hobart", "Australia/Hobart"),
    ("IndianaEast", "IndianaEast", "America/Indiana/Indianapolis"),
    (
        "InternationalDateLineWest",
        "InternationalDateLineWest",
        "Etc/GMT+12",
    ),
    ("IrkutskUlaanBataar", "IrkutskUlaanBataar", "Asia/Irkutsk"),
    (
        "IslamabadKarachiTashkent",
        "IslandamabadKarachiTashkent",
        "Asia/Karachi",
    ),
    ("Jerusalem", "Jerusalem", "Asia/Jerusalem"),
    ("Kabul", "Kabul", "Asia/Kabul"),
    ("Kathmandu", "Kathmandu", "Asia/Kathmandu"),
    ("Krasnoyarsk", "Krasnoyarsk", "Asia/Krasnoyarsk"),
    (
        "KualaLumpurSingapore",
        "KualaLumpurSingapore",
        "Asia/Singapore",
    ),
    ("KuwaitRiyadh", "KuwaitRiyadh", "Asia/Riyadh"),
    ("MidAtlantic", "MidAtlantic", "Atlantic/South_Georgia"),
    (
        "MidwayIslandAndSamoa",
        "MidwayIslandandSamoa",
        "Pacific/Pago_Pago",
    ),
    (
        "MoscowStPetersburgVolgograd",
        "MoscowStPetersburgVolgograd",
        "Europe/Moscow",
    ),
    (
        "MountainTimeUSCanada",
        "MountainTimeUSCanada",
        "America/Denver",
    ),
    ("Nairobi", "Nairobi", "Africa/Nairobi"),
    ("Newfoundland", "Newfoundland", "America/St_Johns"),
    ("Nukualofa", "Nukualofa", "Pacific/Tongatapu"),
    ("OsakaSapporoTokyo", "OsakaSapporoTokyo", "Asia/Tokyo"),
    (
        "PacificTimeUSCanadaTijuana",
        "PacificTimeUSCanadaTijuana",
        "America/Los_Angeles",
    ),
    ("Perth", "Perth", "Australia/Perth"),
    ("Rangoon", "Rangoon", "Asia/Yangon"),
    ("Santiago", "Santiago", "America/Santiago"),
    (
        "SarajevoSkopjeWarsawZagreb",
        "SarajevoSkopjeWarsawZagreb",
        "Europe/Warsaw",
    ),
    ("Saskatchewan", "Saskatchewan", "America/Regina"),
    ("Seoul", "Seoul", "Asia/Seoul"),
    (
        "SolomonIslandNewCaledonia",
        "MagadanSolomonIslandNewCaledonia",
        "Pacific/Guadalcanal",
    ),
    ("SriJayawardenepura", "SriJayawardenepura", "Asia/Colombo"),
    ("Taipei", "Taipei", "Asia/Taipei"),
    ("Tehran", "Tehran", "Asia/Tehran"),
    ("Vladivostok", "Vladivostok", "Asia/Vladivostok"),
    ("WestCentralAfrica", "WestCentralAfrica", "Africa/Lagos"),
    ("Yakutsk", "Yakutsk", "Asia/Yakutsk"),
];

/// The IANA zone of a Microsoft time zone name (the account's or the report's spelling).
pub fn iana_time_zone(name: &str) -> Result<&'static str, ConnectorError> {
    TIME_ZONES
        .iter()
        .find(|(account, report, _)| *account == name || *report == name)
        .map(|(_, _, iana)| *iana)
        .ok_or_else(|| {
            ConnectorError::protocol(format!(
                "Microsoft Advertising time zone {name:?} is not one this client knows"
            ))
        })
}

/// The `ReportTimeZone` name of an IANA zone this client mapped an account to.
pub fn report_time_zone(iana: &str) -> Result<&'static str, ConnectorError> {
    TIME_ZONES
        .iter()
        .find(|(_, _, zone)| *zone == iana)
        .map(|(_, report, _)| *report)
        .ok_or_else(|| {
            ConnectorError::invalid(format!(
                "no Microsoft Advertising report time zone matches {iana:?}"
            ))
        })
}

/// The smallest daily budget per currency, in major units (mantissa, scale), from Microsoft's
/// currencies table. Currencies not listed get no local check (Microsoft checks in any case).
const MIN_DAILY_BUDGETS: &[(&str, i64, u32)] = &[
    ("ARS", 5, 2),
    ("AUD", 5, 2),
    ("BRL", 10, 2),
    ("CAD", 5, 2),
    ("CHF", 5, 2),
    ("CLP", 510, 2),
    ("CNY", 3000, 2),
    ("COP", 1805, 2),
    ("DKK", 6, 2),
    ("EUR", 5, 2),
    ("GBP", 5, 2),
    ("HKD", 100, 2),
    ("IDR", 48000, 2),
    ("INR", 82, 2),
    ("MXN", 14, 2),
    ("MYR", 15, 2),
    ("NOK", 6, 2),
    ("NZD", 5, 2),
    ("PEN", 3, 2),
    ("PHP", 200, 2),
    ("PLN", 5, 2),
    ("SEK", 7, 2),
    ("SGD", 11, 2),
    ("THB", 200, 2),
    ("TRY", 5, 2),
    ("TWD", 10000, 2),
    ("USD", 5, 2),
    ("ZAR", 10, 2),
];

/// The smallest daily budget Microsoft takes in `currency` (ISO 4217), in major units.
pub fn min_daily_budget(currency: &str) -> Option<Decimal> {
    MIN_DAILY_BUDGETS
        .iter()
        .find(|(code, _, _)| *code == currency)
        .map(|(_, mantissa, scale)| Decimal::new(*mantissa, *scale))
}

/// The channel of a `CampaignType`.
pub fn channel(kind: &str) -> Channel {
    match kind {
        "Search" | "DynamicSearchAds" => Channel::Search,
        "Shopping" => Channel::Shopping,
        "Audience" => Channel::Display,
        // Performance Max (and Hotel, App, ...) spread over several surfaces.
        _ => Channel::Other,
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// The first error of an `ApplicationFault` body (`Errors`, `OperationErrors` or
/// `BatchErrors`, whichever holds one).
fn first_error(body: &Value) -> Option<&Value> {
    ["Errors", "OperationErrors", "BatchErrors"]
        .iter()
        .find_map(|key| body[*key].as_array().and_then(|errors| errors.first()))
}

/// The numeric `Code` of an error, written as a number or a string.
fn error_number(error: &Value) -> Option<i64> {
    match &error["Code"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The symbolic code of an error (`ErrorCode`), or its number where there is none (Customer
/// Management's errors have no `ErrorCode`).
fn error_code(error: &Value) -> String {
    match error["ErrorCode"].as_str().filter(|s| !s.is_empty()) {
        Some(code) => code.to_owned(),
        None => error_number(error).map_or_else(|| "unknown".to_owned(), |n| n.to_string()),
    }
}

/// Classifies a failed Microsoft Advertising response from its `ApplicationFault` body.
pub fn classify(reply: &Reply, throttle_wait: Duration) -> ConnectorError {
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let Some(error) = first_error(&body) else {
        return if reply.is_server_trouble() {
            ConnectorError::transient(format!("HTTP {}: {}", reply.status, reply.snippet()))
        } else if reply.status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            ConnectorError::rate_limited(throttle_wait, format!("HTTP {}", reply.status))
        } else {
            ConnectorError::protocol(format!("HTTP {}: {}", reply.status, reply.snippet()))
        };
    };
    let number = error_number(error);
    let code = error_code(error);
    let message = error["Message"]
        .as_str()
        .filter(|m| !m.is_empty())
        .map_or_else(|| code.clone(), str::to_owned);
    match (number, code.as_str()) {
        (Some(109), _) | (_, "AuthenticationTokenExpired") => ConnectorError::expired(message),
        // Bad credentials (a token for another environment, a revoked grant), a compromised
        // user, or a login that may no longer be used: the person has to connect again.
        (Some(105 | 108 | 120 | 122), _)
        | (
            _,
            "InvalidCredentials"
            | "UserCompromised"
            | "UserLoginAccessDenied"
            | "PersonalIdentityNotAvailable",
        ) => ConnectorError::reauthorize(message),
        (Some(117), _) | (_, "CallRateExceeded") => {
            ConnectorError::rate_limited(throttle_wait, message)
        }
        (Some(0), _) | (_, "InternalError") => ConnectorError::transient(message),
        _ => ConnectorError::rejected(code, message),
    }
}

/// The first of a write's `PartialErrors`, as a refusal.
fn partial_error(body: &Value) -> Option<ConnectorError> {
    let error = body["PartialErrors"]
        .as_array()?
        .iter()
        .find(|e| !e.is_null())?;
    let code = error_code(error);
    let message = error["Message"]
        .as_str()
        .map_or_else(|| code.clone(), str::to_owned);
    Some(ConnectorError::rejected(code, message))
}

// ---------------------------------------------------------------------------------------------
// Reports

/// The column of `name` in the report's header row.
fn column(headers: &csv::StringRecord, name: &str) -> Result<usize, ConnectorError> {
    headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
        .ok_or_else(|| ConnectorError::protocol(format!("the report has no {name} column")))
}

/// A report number without thousands separators (format version 1.0 writes them); `None`
/// where Microsoft wrote nothing (`""` or `--`), which counts as zero.
fn cleaned(raw: &str) -> Option<String> {
    let cleaned: String = raw.chars().filter(|c| *c != ',').collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty() && cleaned != "--").then(|| cleaned.to_owned())
}

/// A count.
fn count(raw: &str, name: &str) -> Result<i64, ConnectorError> {
    cleaned(raw).map_or(Ok(0), |c| {
        c.parse()
            .map_err(|_| ConnectorError::protocol(format!("{name} is not a count: {raw:?}")))
    })
}

fn amount(raw: &str, currency: &str) -> Result<i64, ConnectorError> {
    cleaned(raw).map_or(Ok(0), |c| money::decimal_to_minor(&c, currency))
}

fn report_date(raw: &str) -> Result<NaiveDate, ConnectorError> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%m/%d/%Y"))
        .map_err(|_| ConnectorError::protocol(format!("TimePeriod {raw:?} is not a day")))
}

/// The rows of a daily campaign performance report: a zip holding one CSV, read by header
/// name. Rows without any activity are left out, as are the copyright footer and blank lines
/// of a report downloaded with its header and footer.
pub fn parse_report(
    zip_bytes: &[u8],
    currency: &str,
    conversions: MicrosoftConversions,
) -> Result<Vec<DailyRow>, ConnectorError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))
        .map_err(|e| ConnectorError::protocol(format!("the report is not a zip: {e}")))?;
    if archive.is_empty() {
        return Err(ConnectorError::protocol("the report's zip is empty"));
    }
    let mut csv_bytes = Vec::new();
    archive
        .by_index(0)
        .and_then(|mut file| file.read_to_end(&mut csv_bytes).map_err(Into::into))
        .map_err(|e| ConnectorError::protocol(format!("the report's zip did not unpack: {e}")))?;
    parse_csv(&csv_bytes, currency, conversions)
}

/// The rows of the report's CSV.
pub fn parse_csv(
    csv_bytes: &[u8],
    currency: &str,
    conversions: MicrosoftConversions,
) -> Result<Vec<DailyRow>, ConnectorError> {
    let (conversions_column, revenue_column) = conversions.columns();
    let text = std::str::from_utf8(csv_bytes)
        .map_err(|_| ConnectorError::protocol("the report is not UTF-8"))?;
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ConnectorError::protocol(format!("the report's header did not parse: {e}")))?
        .clone();
    let at = |name: &str| column(&headers, name);
    let (date_at, campaign_at) = (at("TimePeriod")?, at("CampaignId")?);
    let (impressions_at, clicks_at, spend_at) = (at("Impressions")?, at("Clicks")?, at("Spend")?);
    let (conversions_at, revenue_at) = (at(conversions_column)?, at(revenue_column)?);
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| ConnectorError::protocol(format!("a report row did not parse: {e}")))?;
        // The footer ("©2026 Microsoft Corporation…") and blank lines are one field.
        if record.len() < headers.len() {
            continue;
        }
        let field = |i: usize| record.get(i).unwrap_or_default();
        let conversions: f64 = cleaned(field(conversions_at)).map_or(Ok(0.0), |c| {
            c.parse().map_err(|_| {
                ConnectorError::protocol(format!(
                    "{conversions_column} is not a number: {:?}",
                    field(conversions_at)
                ))
            })
        })?;
        let row = DailyRow {
            campaign_id: field(campaign_at).trim().to_owned(),
            date: report_date(field(date_at))?,
            spend_minor: amount(field(spend_at), currency)?,
            impressions: count(field(impressions_at), "Impressions")?,
            clicks: count(field(clicks_at), "Clicks")?,
            conversions,
            revenue_minor: amount(field(revenue_at), currency)?,
        };
        let quiet = row.spend_minor == 0
            && row.impressions == 0
            && row.clicks == 0
            && row.conversions == 0.0
            && row.revenue_minor == 0;
        if !quiet {
            out.push(row);
        }
    }
    Ok(out)
}

fn report_day(date: NaiveDate) -> Value {
    json!({ "Day": date.day(), "Month": date.month(), "Year": date.year() })
}

/// The `GenerateReport/Submit` body of a daily campaign performance report.
pub fn report_request(
    account: &AdAccount,
    range: DateRange,
    conversions: MicrosoftConversions,
) -> Result<Value, ConnectorError> {
    let (count, value) = conversions.columns();
    let columns: Vec<&str> = REPORT_COLUMNS
        .iter()
        .copied()
        .chain([count, value])
        .collect();
    Ok(json!({
        "ReportRequest": {
            "Type": "CampaignPerformanceReportRequest",
            "ReportName": "Mixpilot daily campaign performance",
            "Format": "Csv",
            "FormatVersion": "2.0",
            "ExcludeReportHeader": true,
            "ExcludeReportFooter": true,
            "ExcludeColumnHeaders": false,
            "ReturnOnlyCompleteData": false,
            "Aggregation": "Daily",
            "Columns": columns,
            "Filter": null,
            "Scope": { "AccountIds": [account.external_id], "Campaigns": null },
            "Time": {
                "CustomDateRangeStart": report_day(range.from),
                "CustomDateRangeEnd": report_day(range.to),
                "PredefinedTime": null,
                "ReportTimeZone": report_time_zone(&account.time_zone)?,
            },
        }
    }))
}

// ---------------------------------------------------------------------------------------------
// The client

/// An ID Microsoft writes as a JSON string (longs) or, in places, a number.
fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn text(value: &Value, name: &str) -> Result<String, ConnectorError> {
    value[name]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            ConnectorError::protocol(format!("Microsoft Advertising answered no {name}"))
        })
}

/// The account lifecycle states whose campaigns may still be managed.
const LIVE_ACCOUNT_STATES: [&str; 3] = ["Active", "Pause", "Pending"];

/// The Microsoft Advertising client.
pub struct Client {
    config: Config,
    http: reqwest::Client,
}

impl Client {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            http: http_client(),
        }
    }

    fn endpoint(&self, base: &Url, path: &str) -> Result<Url, ConnectorError> {
        base.join(&format!("{}/{path}", self.config.api_version))
            .map_err(|e| {
                ConnectorError::invalid(format!("bad Microsoft Advertising URL {path}: {e}"))
            })
    }

    /// A request with the credentials, and the account's headers where it is for one.
    fn request(
        &self,
        method: reqwest::Method,
        url: Url,
        tokens: &Tokens,
        account: Option<&AdAccount>,
    ) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(method, url)
            .bearer_auth(&tokens.access_token)
            .header("DeveloperToken", &self.config.developer_token);
        if let Some(account) = account {
            if let Some(customer) = &account.parent_id {
                req = req.header("CustomerId", customer);
            }
            req = req.header("CustomerAccountId", &account.external_id);
        }
        req
    }

    /// Sends a request and decodes a 2xx answer, or classifies the failure.
    async fn call(&self, req: reqwest::RequestBuilder) -> Result<Value, ConnectorError> {
        let reply = send(req).await?;
        if reply.status.is_success() {
            reply.json()
        } else {
            Err(classify(&reply, self.config.throttle_wait))
        }
    }

    async fn customer(
        &self,
        tokens: &Tokens,
        path: &str,
        body: Value,
    ) -> Result<Value, ConnectorError> {
        let url = self.endpoint(&self.config.customer_base, path)?;
        self.call(
            self.request(reqwest::Method::POST, url, tokens, None)
                .json(&body),
        )
        .await
    }

    async fn campaign(
        &self,
        method: reqwest::Method,
        tokens: &Tokens,
        account: &AdAccount,
        path: &str,
        body: Value,
    ) -> Result<Value, ConnectorError> {
        let url = self.endpoint(&self.config.campaign_base, path)?;
        self.call(self.request(method, url, tokens, Some(account)).json(&body))
            .await
    }

    async fn reporting(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        path: &str,
        body: Value,
    ) -> Result<Value, ConnectorError> {
        let url = self.endpoint(&self.config.reporting_base, path)?;
        self.call(
            self.request(reqwest::Method::POST, url, tokens, Some(account))
                .json(&body),
        )
        .await
    }

    /// The account's campaigns, as Microsoft writes them.
    async fn campaigns(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
    ) -> Result<Vec<Value>, ConnectorError> {
        let answer = self
            .campaign(
                reqwest::Method::POST,
                tokens,
                account,
                "Campaigns/QueryByAccountId",
                json!({
                    "AccountId": account.external_id,
                    "CampaignType": CAMPAIGN_TYPES,
                    "ReturnAdditionalFields": null,
                }),
            )
            .await?;
        Ok(answer["Campaigns"]
            .as_array()
            .map(|c| c.iter().filter(|c| !c.is_null()).cloned().collect())
            .unwrap_or_default())
    }

    /// Shared budgets' amounts by ID, in minor units.
    async fn budgets(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        ids: &[String],
    ) -> Result<Vec<(String, i64)>, ConnectorError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let answer = self
            .campaign(
                reqwest::Method::POST,
                tokens,
                account,
                "Budgets/QueryByIds",
                json!({ "BudgetIds": ids }),
            )
            .await?;
        answer["Budgets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            // An ID that is not a budget of the account answers null (and a partial error).
            .filter(|b| !b.is_null())
            .map(|b| {
                let id = id_of(&b["Id"])
                    .ok_or_else(|| ConnectorError::protocol("a Microsoft budget without Id"))?;
                let amount = b["Amount"].as_f64().ok_or_else(|| {
                    ConnectorError::protocol(format!("Microsoft budget {id} has no Amount"))
                })?;
                Ok((id, money::float_to_minor(amount, &account.currency)?))
            })
            .collect()
    }

    /// One campaign's own daily budget, in minor units (`None` if it has none or is absent),
    /// read with `Campaigns/QueryByIds` (that campaign only).
    async fn campaign_budget(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        campaign_id: &str,
    ) -> Result<Option<i64>, ConnectorError> {
        let answer = self
            .campaign(
                reqwest::Method::POST,
                tokens,
                account,
                "Campaigns/QueryByIds",
                json!({
                    "AccountId": account.external_id,
                    "CampaignIds": [campaign_id],
                    "CampaignType": CAMPAIGN_TYPES,
                    "ReturnAdditionalFields": null,
                }),
            )
            .await?;
        answer["Campaigns"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .find(|c| id_of(&c["Id"]).as_deref() == Some(campaign_id))
            .and_then(|c| c["DailyBudget"].as_f64())
            .map(|amount| money::float_to_minor(amount, &account.currency))
            .transpose()
    }

    async fn shared_budget(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        budget_id: &str,
    ) -> Result<Option<i64>, ConnectorError> {
        let budgets = self
            .budgets(tokens, account, &[budget_id.to_owned()])
            .await?;
        Ok(budgets
            .into_iter()
            .find(|(id, _)| id == budget_id)
            .map(|(_, amount)| amount))
    }

    /// Submits the report, polls it until it is ready, and downloads it (`None`: no data).
    async fn run_report(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        range: DateRange,
        conversions: MicrosoftConversions,
    ) -> Result<Option<Vec<u8>>, ConnectorError> {
        let submitted = self
            .reporting(
                tokens,
                account,
                "GenerateReport/Submit",
                report_request(account, range, conversions)?,
            )
            .await?;
        let id = id_of(&submitted["ReportRequestId"])
            .ok_or_else(|| ConnectorError::protocol("the report submission has no ID"))?;
        let mut polls = 0;
        let download = loop {
            polls += 1;
            let polled = self
                .reporting(
                    tokens,
                    account,
                    "GenerateReport/Poll",
                    json!({ "ReportRequestId": id }),
                )
                .await?;
            let status = &polled["ReportRequestStatus"];
            match status["Status"].as_str().unwrap_or_default() {
                "Success" => break status["ReportDownloadUrl"].as_str().map(str::to_owned),
                "Error" => {
                    return Err(ConnectorError::rejected(
                        "ReportRequestError",
                        format!("Microsoft Advertising could not build report {id}"),
                    ));
                }
                "Pending" => {}
                other => {
                    return Err(ConnectorError::protocol(format!(
                        "report {id} has an unknown status {other:?}"
                    )));
                }
            }
            if polls >= self.config.report_max_polls {
                return Err(ConnectorError::transient(format!(
                    "report {id} is still pending after {polls} polls"
                )));
            }
            tokio::time::sleep(self.config.report_poll_interval).await;
        };
        let Some(download) = download.filter(|u| !u.is_empty()) else {
            // Success without a URL: the report has no rows.
            return Ok(None);
        };
        let url = Url::parse(&download).map_err(|e| {
            ConnectorError::protocol(format!("the report's download URL is not a URL: {e}"))
        })?;
        // A pre-signed storage URL: our credentials do not go with it.
        let reply = send(self.http.get(url)).await?;
        if !reply.status.is_success() {
            // The link lives five minutes: a new submission gets a fresh one.
            return Err(ConnectorError::transient(format!(
                "the report download answered HTTP {}",
                reply.status
            )));
        }
        Ok(Some(reply.body))
    }

    /// The amount a budget holds now, in minor units.
    async fn read_budget(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        budget: &BudgetRef,
    ) -> Result<Option<i64>, ConnectorError> {
        match budget.owner {
            BudgetOwner::SharedBudget => {
                self.shared_budget(tokens, account, &budget.external_id)
                    .await
            }
            _ => {
                self.campaign_budget(tokens, account, &budget.external_id)
                    .await
            }
        }
    }

    /// Writes one campaign's or one shared budget's amount; a partial error is a refusal.
    async fn write_budget(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        budget: &BudgetRef,
        major: f64,
    ) -> Result<(), ConnectorError> {
        let (path, body) = match budget.owner {
            BudgetOwner::SharedBudget => (
                "Budgets",
                json!({ "Budgets": [{ "Id": budget.external_id, "Amount": major }] }),
            ),
            _ => (
                "Campaigns",
                json!({
                    "AccountId": account.external_id,
                    "Campaigns": [{ "Id": budget.external_id, "DailyBudget": major }],
                }),
            ),
        };
        let answer = self
            .campaign(reqwest::Method::PUT, tokens, account, path, body)
            .await?;
        match partial_error(&answer) {
            Some(refused) => Err(refused),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl AdPlatform for Client {
    fn platform(&self) -> Platform {
        Platform::MicrosoftAds
    }

    fn api_version(&self) -> &str {
        &self.config.api_version
    }

    fn authorize_url(&self, request: &AuthorizeRequest) -> Result<Url, ConnectorError> {
        self.config.oauth().authorize_url(request)
    }

    async fn exchange_code(&self, callback: &CodeExchange) -> Result<Tokens, ConnectorError> {
        self.config
            .oauth()
            .exchange_code(&self.http, callback)
            .await
    }

    async fn refresh(&self, tokens: &Tokens) -> Result<Tokens, ConnectorError> {
        // Microsoft rotates refresh tokens: the answer's replaces the one sent.
        self.config.oauth().refresh(&self.http, tokens).await
    }

    /// Microsoft's identity platform has no endpoint to revoke a grant made with the
    /// authorization-code flow (the person removes the app from their Microsoft account, or
    /// the refresh token lapses). Nothing is called: the caller deletes the stored grant, and
    /// with it the only copy of the refresh token.
    async fn revoke(&self, _tokens: &Tokens) -> Result<(), ConnectorError> {
        Ok(())
    }

    async fn list_accounts(&self, tokens: &Tokens) -> Result<Vec<AdAccount>, ConnectorError> {
        let user = self
            .customer(tokens, "User/Query", json!({ "UserId": null }))
            .await?;
        let user_id = id_of(&user["User"]["Id"])
            .ok_or_else(|| ConnectorError::protocol("User/Query answered no User.Id"))?;
        let size = self.config.accounts_page_size.max(1);
        let mut accounts = Vec::new();
        let mut index = 0u32;
        loop {
            let page = self
                .customer(
                    tokens,
                    "Accounts/Search",
                    json!({
                        "Predicates": [{ "Field": "UserId", "Operator": "Equals", "Value": user_id }],
                        "Ordering": null,
                        "PageInfo": { "Index": index, "Size": size },
                    }),
                )
                .await?;
            let found = page["Accounts"].as_array().cloned().unwrap_or_default();
            let count = found.len();
            for a in found.iter().filter(|a| !a.is_null()) {
                let status = a["AccountLifeCycleStatus"].as_str().unwrap_or_default();
                if !LIVE_ACCOUNT_STATES.contains(&status) {
                    continue;
                }
                let currency = currency_code(&text(a, "CurrencyCode")?)?;
                money::exponent(&currency)?;
                accounts.push(AdAccount {
                    external_id: id_of(&a["Id"])
                        .ok_or_else(|| ConnectorError::protocol("an account without Id"))?,
                    name: a["Name"].as_str().unwrap_or_default().to_owned(),
                    currency,
                    time_zone: iana_time_zone(&text(a, "TimeZone")?)?.to_owned(),
                    parent_id: id_of(&a["ParentCustomerId"]),
                });
            }
            if count < size as usize {
                return Ok(accounts);
            }
            index += 1;
        }
    }

    async fn list_campaigns(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
    ) -> Result<Vec<Campaign>, ConnectorError> {
        let campaigns = self.campaigns(tokens, account).await?;
        // A budget ID of 0 (or none) means the campaign has its own budget.
        let shared_id = |c: &Value| id_of(&c["BudgetId"]).filter(|id| id != "0");
        let mut shared_ids: Vec<String> = campaigns.iter().filter_map(shared_id).collect();
        shared_ids.sort();
        shared_ids.dedup();
        let shared = self.budgets(tokens, account, &shared_ids).await?;
        campaigns
            .iter()
            .map(|c| {
                let id = id_of(&c["Id"])
                    .ok_or_else(|| ConnectorError::protocol("a campaign without Id"))?;
                let daily = matches!(
                    c["BudgetType"].as_str(),
                    Some("DailyBudgetStandard" | "DailyBudgetAccelerated")
                );
                let (budget, daily_budget_minor) = match shared_id(c) {
                    Some(budget_id) => {
                        let amount = shared
                            .iter()
                            .find(|(b, _)| *b == budget_id)
                            .map(|(_, amount)| *amount);
                        (
                            Some(BudgetRef {
                                owner: BudgetOwner::SharedBudget,
                                external_id: budget_id,
                            }),
                            amount,
                        )
                    }
                    None => match c["DailyBudget"].as_f64() {
                        Some(amount) if daily => (
                            Some(BudgetRef {
                                owner: BudgetOwner::Campaign,
                                external_id: id.clone(),
                            }),
                            Some(money::float_to_minor(amount, &account.currency)?),
                        ),
                        _ => (None, None),
                    },
                };
                Ok(Campaign {
                    name: c["Name"].as_str().unwrap_or_default().to_owned(),
                    status: c["Status"].as_str().unwrap_or_default().to_owned(),
                    channel: channel(c["CampaignType"].as_str().unwrap_or_default().trim()),
                    external_id: id,
                    budget,
                    daily_budget_minor,
                })
            })
            .collect()
    }

    async fn daily_report_counting(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        range: DateRange,
        conversions: &Conversions,
    ) -> Result<Vec<DailyRow>, ConnectorError> {
        conversions.check_for(self.platform())?;
        let columns = match conversions {
            Conversions::MicrosoftAds { columns } => *columns,
            _ => MicrosoftConversions::default(),
        };
        match self.run_report(tokens, account, range, columns).await? {
            Some(zip_bytes) => parse_report(&zip_bytes, &account.currency, columns),
            None => Ok(Vec::new()),
        }
    }

    async fn set_daily_budget(
        &self,
        tokens: &Tokens,
        account: &AdAccount,
        budget: &BudgetRef,
        amount_minor: i64,
    ) -> Result<BudgetWrite, ConnectorError> {
        if !matches!(
            budget.owner,
            BudgetOwner::Campaign | BudgetOwner::SharedBudget
        ) {
            return Err(ConnectorError::invalid(format!(
                "Microsoft Advertising budgets are set on campaigns or shared budgets, not on {}",
                budget.owner.as_str()
            )));
        }
        let amount = money::minor_to_decimal(amount_minor, &account.currency)?;
        let minimum = min_daily_budget(&account.currency).unwrap_or(Decimal::ZERO);
        if amount < minimum || amount_minor <= 0 {
            return Err(ConnectorError::rejected(
                BELOW_LIMIT,
                format!(
                    "a daily budget of {amount} {currency} is below Microsoft Advertising's minimum of {minimum} {currency}",
                    currency = account.currency,
                ),
            ));
        }
        let major = money::minor_to_float(amount_minor, &account.currency)?;
        let previous_minor = self.read_budget(tokens, account, budget).await?;
        self.write_budget(tokens, account, budget, major).await?;
        let applied_minor = self
            .read_budget(tokens, account, budget)
            .await?
            .ok_or_else(|| ConnectorError::protocol("the budget is gone after the write"))?;
        Ok(BudgetWrite {
            previous_minor,
            applied_minor,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: reqwest::header::HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn fault(code: i64, error_code: &str, message: &str) -> String {
        format!(
            r#"{{"TrackingId":"6b3c","Type":"AdApiFaultDetail","Errors":[{{"Code":{code},"Detail":null,"ErrorCode":"{error_code}","Message":"{message}"}}]}}"#
        )
    }

    #[test]
    fn faults_are_classified_from_the_body() {
        let wait = Duration::from_secs(60);
        assert_eq!(
            classify(
                &reply(
                    401,
                    &fault(
                        109,
                        "AuthenticationTokenExpired",
                        "Authentication token expired."
                    )
                ),
                wait
            ),
            ConnectorError::expired("Authentication token expired.")
        );
        assert!(matches!(
            classify(
                &reply(
                    401,
                    &fault(105, "InvalidCredentials", "Authentication failed.")
                ),
                wait
            ),
            ConnectorError::Reauthorize { .. }
        ));
        assert_eq!(
            classify(
                &reply(429, &fault(117, "CallRateExceeded", "Too many calls.")),
                wait
            ),
            ConnectorError::rate_limited(wait, "Too many calls.")
        );
        assert!(matches!(
            classify(&reply(500, &fault(0, "InternalError", "oops")), wait),
            ConnectorError::Transient { .. }
        ));
        assert!(matches!(
            classify(&reply(503, ""), wait),
            ConnectorError::Transient { .. }
        ));
        assert!(matches!(
            classify(&reply(404, "<html>not found</html>"), wait),
            ConnectorError::Protocol { .. }
        ));
        // Operation errors of the campaign service, and Customer Management's errors, which
        // have no ErrorCode.
        let operation = r#"{"TrackingId":"t","Type":"ApiFaultDetail","BatchErrors":[],"OperationErrors":[{"Code":1100,"Details":null,"ErrorCode":"CampaignServiceInvalidCampaignId","Message":"The campaign ID is invalid."}]}"#;
        assert_eq!(
            classify(&reply(400, operation), wait),
            ConnectorError::rejected(
                "CampaignServiceInvalidCampaignId",
                "The campaign ID is invalid."
            )
        );
        let batch = r#"{"Type":"ApiFaultDetail","OperationErrors":[],"BatchErrors":[{"Index":0,"Code":"106","Message":"The user is not authorized."}]}"#;
        assert_eq!(
            classify(&reply(403, batch), wait),
            ConnectorError::rejected("106", "The user is not authorized.")
        );
    }

    #[test]
    fn partial_errors_of_a_write_are_refusals() {
        let body = json!({ "PartialErrors": [{
            "Index": 0, "Code": 1159, "ErrorCode": "CampaignServiceCannotUpdateSharedBudget",
            "Message": "The campaign uses a shared budget.", "FieldPath": null, "Details": null,
        }]});
        assert_eq!(
            partial_error(&body),
            Some(ConnectorError::rejected(
                "CampaignServiceCannotUpdateSharedBudget",
                "The campaign uses a shared budget."
            ))
        );
        assert_eq!(partial_error(&json!({ "PartialErrors": [] })), None);
        assert_eq!(partial_error(&json!({ "PartialErrors": null })), None);
    }

    #[test]
    fn currency_names_become_iso_codes() {
        assert_eq!(currency_code("USDollar").unwrap(), "USD");
        assert_eq!(currency_code("Euro").unwrap(), "EUR");
        assert_eq!(currency_code("UKPound").unwrap(), "GBP");
        assert_eq!(currency_code("PoundSterling").unwrap(), "GBP");
        assert_eq!(currency_code("NewTaiwanDollar").unwrap(), "TWD");
        assert_eq!(currency_code("JapaneseYen").unwrap(), "JPY");
        // The v13 value set's own spelling.
        assert_eq!(currency_code("CHF").unwrap(), "CHF");
        let unknown = currency_code("Doubloon").unwrap_err();
        assert!(
            matches!(unknown, ConnectorError::Protocol { ref message } if message.contains("Doubloon")),
            "{unknown:?}"
        );
        assert!(currency_code("usd").is_err());
        // Every ISO code in the table is one the money module knows.
        for (name, iso) in CURRENCIES {
            assert!(money::exponent(iso).is_ok(), "{name} → {iso}");
        }
    }

    #[test]
    fn time_zone_names_map_to_iana_and_back_to_the_reports_spelling() {
        assert_eq!(
            iana_time_zone("PacificTimeUSCanadaTijuana").unwrap(),
            "America/Los_Angeles"
        );
        assert_eq!(
            iana_time_zone("AmsterdamBerlinBernRomeStockholmVienna").unwrap(),
            "Europe/Berlin"
        );
        assert_eq!(
            iana_time_zone("GreenwichMeanTimeDublinEdinburghLisbonLondon").unwrap(),
            "Europe/London"
        );
        assert_eq!(iana_time_zone("OsakaSapporoTokyo").unwrap(), "Asia/Tokyo");
        assert_eq!(
            iana_time_zone("EasternTimeUSCanada").unwrap(),
            "America/New_York"
        );
        // The account and the report spell four zones differently.
        assert_eq!(
            iana_time_zone("IslamabadKarachiTashkent").unwrap(),
            "Asia/Karachi"
        );
        assert_eq!(
            report_time_zone("Asia/Karachi").unwrap(),
            "IslandamabadKarachiTashkent"
        );
        assert_eq!(
            report_time_zone("Pacific/Pago_Pago").unwrap(),
            "MidwayIslandandSamoa"
        );
        let unknown = iana_time_zone("MarsStandardTime").unwrap_err();
        assert!(
            matches!(unknown, ConnectorError::Protocol { ref message } if message.contains("MarsStandardTime")),
            "{unknown:?}"
        );
        assert!(report_time_zone("Mars/Olympus_Mons").is_err());
        // Every zone maps back to itself: one IANA zone per Microsoft zone.
        assert_eq!(TIME_ZONES.len(), 75);
        for (account, report, iana) in TIME_ZONES {
            assert_eq!(iana_time_zone(account).unwrap(), *iana);
            assert_eq!(iana_time_zone(report).unwrap(), *iana);
            assert_eq!(report_time_zone(iana).unwrap(), *report, "{iana}");
        }
    }

    #[test]
    fn minimum_budgets_follow_the_currency_table() {
        assert_eq!(min_daily_budget("USD"), Some(Decimal::new(5, 2)));
        assert_eq!(min_daily_budget("INR").unwrap().to_string(), "0.82");
        assert_eq!(min_daily_budget("CNY").unwrap().to_string(), "30.00");
        assert_eq!(min_daily_budget("TWD").unwrap().to_string(), "100.00");
        assert_eq!(min_daily_budget("XYZ"), None);
    }

    #[test]
    fn campaign_types_map_to_channels() {
        assert_eq!(channel("Search"), Channel::Search);
        assert_eq!(channel("DynamicSearchAds"), Channel::Search);
        assert_eq!(channel("Shopping"), Channel::Shopping);
        assert_eq!(channel("Audience"), Channel::Display);
        assert_eq!(channel("PerformanceMax"), Channel::Other);
    }

    fn zipped(name: &str, content: &str) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(content.as_bytes()).unwrap();
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn the_zipped_csv_is_read_by_header_name() {
        // Columns in another order than asked, a BOM, a quiet row, and the footer of a report
        // downloaded with it.
        let csv = "\u{feff}\"CampaignId\",\"TimePeriod\",\"AccountId\",\"CurrencyCode\",\"Impressions\",\"Clicks\",\"Spend\",\"Conversions\",\"Revenue\"\r\n\
                   \"111\",\"2026-10-01\",\"789\",\"USD\",\"1200\",\"40\",\"12.50\",\"3\",\"240.50\"\r\n\
                   \"112\",\"2026-10-01\",\"789\",\"USD\",\"0\",\"0\",\"0.00\",\"0.00\",\"0.00\"\r\n\
                   \"112\",\"2026-10-02\",\"789\",\"USD\",\"1,500\",\"7\",\"3.07\",\"0.5\",\"0\"\r\n\
                   \r\n\
                   \"©2026 Microsoft Corporation. All rights reserved. \"\r\n";
        let rows = parse_report(
            &zipped("report.csv", csv),
            "USD",
            MicrosoftConversions::Conversions,
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                DailyRow {
                    campaign_id: "111".into(),
                    date: "2026-10-01".parse().unwrap(),
                    spend_minor: 1250,
                    impressions: 1200,
                    clicks: 40,
                    conversions: 3.0,
                    revenue_minor: 24050,
                },
                DailyRow {
                    campaign_id: "112".into(),
                    date: "2026-10-02".parse().unwrap(),
                    spend_minor: 307,
                    impressions: 1500,
                    clicks: 7,
                    conversions: 0.5,
                    revenue_minor: 0,
                },
            ]
        );
    }

    #[test]
    fn a_broken_report_is_a_protocol_error() {
        assert!(matches!(
            parse_report(b"not a zip", "USD", MicrosoftConversions::Conversions),
            Err(ConnectorError::Protocol { .. })
        ));
        let no_spend = "\"TimePeriod\",\"CampaignId\",\"Impressions\",\"Clicks\",\"Conversions\",\"Revenue\"\r\n";
        let err = parse_report(
            &zipped("r.csv", no_spend),
            "USD",
            MicrosoftConversions::Conversions,
        )
        .unwrap_err();
        assert!(err.message().contains("Spend"), "{err:?}");
        let bad_day = "\"TimePeriod\",\"CampaignId\",\"Impressions\",\"Clicks\",\"Spend\",\"Conversions\",\"Revenue\"\r\n\"yesterday\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\"\r\n";
        assert!(
            parse_report(
                &zipped("r.csv", bad_day),
                "USD",
                MicrosoftConversions::Conversions
            )
            .is_err()
        );
    }

    #[test]
    fn the_report_request_asks_for_daily_rows_in_the_accounts_zone() {
        let account = AdAccount {
            external_id: "789".into(),
            name: "Acme".into(),
            currency: "EUR".into(),
            time_zone: "Europe/Berlin".into(),
            parent_id: Some("456".into()),
        };
        let range =
            DateRange::new("2026-10-01".parse().unwrap(), "2026-10-07".parse().unwrap()).unwrap();
        let body = report_request(&account, range, MicrosoftConversions::AllConversions).unwrap();
        assert_eq!(body["ReportRequest"]["Columns"][8], "AllRevenue");
        let r = &body["ReportRequest"];
        assert_eq!(r["Type"], "CampaignPerformanceReportRequest");
        assert_eq!(r["Aggregation"], "Daily");
        assert_eq!(r["Format"], "Csv");
        assert_eq!(r["FormatVersion"], "2.0");
        assert_eq!(r["Columns"][0], "TimePeriod");
        assert_eq!(r["Scope"]["AccountIds"], json!(["789"]));
        assert_eq!(
            r["Time"]["CustomDateRangeStart"],
            json!({ "Day": 1, "Month": 10, "Year": 2026 })
        );
        assert_eq!(
            r["Time"]["ReportTimeZone"],
            "AmsterdamBerlinBernRomeStockholmVienna"
        );
    }

    #[test]
    fn the_config_never_shows_its_secrets() {
        let config = Config::production("app-id", "secret-value", "dev-token-value");
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret-value"), "{shown}");
        assert!(!shown.contains("dev-token-value"), "{shown}");
        let base = Url::parse("http://127.0.0.1:9/").unwrap();
        let local = Config::at(&base, "a", "b", "c");
        assert_eq!(
            local.token_url.as_str(),
            "http://127.0.0.1:9/common/oauth2/v2.0/token"
        );
        let client = Client::new(local);
        assert_eq!(
            client
                .endpoint(&client.config.campaign_base, "Campaigns")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/CampaignManagement/v13/Campaigns"
        );
    }
}
