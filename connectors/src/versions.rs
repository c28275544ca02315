//! The API versions the platforms have retired, or announced they will retire, and a check of a
//! configured version against them.
//!
//! Every client takes its API version from its `Config` (`api_version`), so it can be moved
//! without a release; [`check`] tells, for a given day, whether that version still works. The
//! server runs it at start-up: a version past its sunset is refused, one near it is logged.
//!
//! Invariant: every date in [`SUNSETS`] is one the platform published, with the page it was
//! read from. A version with no published date (Meta v26.0 and v27.0, Google Ads v23 onwards,
//! Microsoft Advertising v13, TikTok v1.3, LinkedIn after 202603 when this table was written)
//! is not in it and counts as supported: [`check`] never guesses a date.

use chrono::NaiveDate;

use crate::Platform;

/// One published retirement: after `date` (from that day on), calls to `version` fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sunset {
    pub platform: Platform,
    pub version: &'static str,
    /// Year, month, day.
    pub date: (i32, u32, u32),
    /// Where the date was published.
    pub source: &'static str,
}

impl Sunset {
    pub fn day(&self) -> NaiveDate {
        let (y, m, d) = self.date;
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }
}

const META: &str =
    "developers.facebook.com/docs/marketing-api/marketing-api-changelog/versions (Marketing API)";
const GOOGLE: &str = "developers.google.com/ads/blog: Google Ads API sunset reminders";
const LINKEDIN: &str = "learn.microsoft.com/linkedin/marketing/integrations/migrations";

/// Published sunset dates, by platform and version.
pub const SUNSETS: &[Sunset] = &[
    sunset(Platform::Meta, "v19.0", (2025, 2, 4), META),
    sunset(Platform::Meta, "v20.0", (2025, 5, 6), META),
    sunset(Platform::Meta, "v21.0", (2025, 9, 9), META),
    sunset(Platform::Meta, "v22.0", (2026, 2, 19), META),
    sunset(Platform::Meta, "v23.0", (2026, 6, 9), META),
    sunset(Platform::Meta, "v24.0", (2026, 11, 10), META),
    sunset(Platform::Meta, "v25.0", (2027, 2, 23), META),
    sunset(Platform::GoogleAds, "v17", (2025, 6, 4), GOOGLE),
    sunset(Platform::GoogleAds, "v18", (2025, 8, 20), GOOGLE),
    sunset(Platform::GoogleAds, "v19", (2026, 2, 11), GOOGLE),
    sunset(Platform::GoogleAds, "v20", (2026, 6, 10), GOOGLE),
    sunset(Platform::GoogleAds, "v21", (2026, 8, 5), GOOGLE),
    sunset(Platform::GoogleAds, "v22", (2026, 10, 7), GOOGLE),
    sunset(Platform::Linkedin, "202407", (2025, 7, 22), LINKEDIN),
    sunset(Platform::Linkedin, "202408", (2025, 8, 18), LINKEDIN),
    sunset(Platform::Linkedin, "202409", (2025, 9, 15), LINKEDIN),
    sunset(Platform::Linkedin, "202410", (2025, 10, 15), LINKEDIN),
    sunset(Platform::Linkedin, "202411", (2025, 11, 17), LINKEDIN),
    sunset(Platform::Linkedin, "202510", (2026, 10, 15), LINKEDIN),
    sunset(Platform::Linkedin, "202511", (2026, 11, 16), LINKEDIN),
    sunset(Platform::Linkedin, "202601", (2027, 1, 15), LINKEDIN),
    sunset(Platform::Linkedin, "202602", (2027, 2, 15), LINKEDIN),
    sunset(Platform::Linkedin, "202603", (2027, 3, 16), LINKEDIN),
];

const fn sunset(
    platform: Platform,
    version: &'static str,
    date: (i32, u32, u32),
    source: &'static str,
) -> Sunset {
    Sunset {
        platform,
        version,
        date,
        source,
    }
}

/// The published sunset of `platform`'s `version`, if there is one.
pub fn sunset_of(platform: Platform, version: &str) -> Option<&'static Sunset> {
    SUNSETS
        .iter()
        .find(|s| s.platform == platform && s.version == version)
}

/// What a configured version is worth on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Works, with no retirement published.
    Supported,
    /// Works until `sunset` (exclusive), which is `days_left` days away.
    Retiring { sunset: NaiveDate, days_left: i64 },
    /// Retired on `sunset`: calls fail.
    Retired { sunset: NaiveDate },
}

/// Whether `platform`'s `version` works on `today`.
pub fn check(platform: Platform, version: &str, today: NaiveDate) -> Support {
    match sunset_of(platform, version) {
        None => Support::Supported,
        Some(s) if today >= s.day() => Support::Retired { sunset: s.day() },
        Some(s) => Support::Retiring {
            sunset: s.day(),
            days_left: (s.day() - today).num_days(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_version_past_its_published_sunset_is_retired() {
        // Meta v25.0 retires on 2027-02-23.
        assert_eq!(
            check(Platform::Meta, "v25.0", day("2027-02-23")),
            Support::Retired {
                sunset: day("2027-02-23")
            }
        );
        assert_eq!(
            check(Platform::Meta, "v25.0", day("2027-02-22")),
            Support::Retiring {
                sunset: day("2027-02-23"),
                days_left: 1
            }
        );
        assert!(matches!(
            check(Platform::GoogleAds, "v22", day("2026-12-07")),
            Support::Retired { .. }
        ));
        assert!(matches!(
            check(Platform::Linkedin, "202510", day("2026-12-07")),
            Support::Retired { .. }
        ));
        // No published date: supported, whatever the day.
        assert_eq!(
            check(Platform::Meta, "v27.0", day("2030-01-01")),
            Support::Supported
        );
    }

    #[test]
    fn every_client_speaks_a_version_that_outlives_the_next_quarter() {
        let day = day("2027-03-01");
        for (platform, version) in [
            (Platform::Meta, crate::meta::API_VERSION),
            (Platform::GoogleAds, crate::google_ads::API_VERSION),
            (Platform::Linkedin, crate::linkedin::API_VERSION),
            (Platform::MicrosoftAds, crate::microsoft_ads::API_VERSION),
            (Platform::Tiktok, crate::tiktok::API_VERSION),
        ] {
            assert!(
                !matches!(check(platform, version, day), Support::Retired { .. }),
                "{platform} {version} is retired on {day}"
            );
        }
    }

    #[test]
    fn every_date_is_a_real_day_with_its_source() {
        for s in SUNSETS {
            assert_ne!(s.day(), NaiveDate::MIN, "{s:?}");
            assert!(!s.source.is_empty());
        }
    }
}
