//! Money at the edge: every platform writes amounts its own way (micros, decimal strings in
//! major units, floats, Meta's own minor units); Mixpilot keeps integer minor units of the ISO
//! 4217 currency. Decimal strings are parsed with `rust_decimal`, never through `f64`.

use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::ConnectorError;

/// Digits after the decimal point in `currency` (ISO 4217): 2 for USD, 0 for JPY, 3 for KWD.
pub fn exponent(currency: &str) -> Result<u32, ConnectorError> {
    let code = iso_currency::Currency::from_code(currency)
        .ok_or_else(|| ConnectorError::protocol(format!("unknown currency {currency:?}")))?;
    Ok(code.exponent().map_or(0, u32::from))
}

/// Parses a decimal amount in major units (`"12.50"`, `"107.5300000000000335346"`) into minor
/// units, rounding half to even at the currency's precision.
pub fn decimal_to_minor(raw: &str, currency: &str) -> Result<i64, ConnectorError> {
    let trimmed = raw.trim();
    let value = Decimal::from_str(trimmed)
        .or_else(|_| Decimal::from_scientific(trimmed))
        .map_err(|_| ConnectorError::protocol(format!("{raw:?} is not a decimal amount")))?;
    decimal_value_to_minor(value, currency)
}

/// A decimal amount in major units, as minor units. The arithmetic is checked: an amount too
/// large for 64-bit minor units is an error, never a panic.
pub fn decimal_value_to_minor(value: Decimal, currency: &str) -> Result<i64, ConnectorError> {
    let exp = exponent(currency)?;
    10_i64
        .checked_pow(exp)
        .and_then(|factor| value.checked_mul(Decimal::from(factor)))
        .map(|scaled| scaled.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven))
        .and_then(|scaled| scaled.to_i64())
        .ok_or_else(|| ConnectorError::protocol(format!("amount {value} is out of range")))
}

/// A JSON number in major units (Microsoft's `DailyBudget`, TikTok's `budget`), as minor units.
pub fn float_to_minor(value: f64, currency: &str) -> Result<i64, ConnectorError> {
    let value = Decimal::from_f64_retain(value)
        .ok_or_else(|| ConnectorError::protocol(format!("amount {value} is not finite")))?;
    decimal_value_to_minor(value, currency)
}

/// Minor units as a decimal in major units: 7500 USD → 75.00.
pub fn minor_to_decimal(minor: i64, currency: &str) -> Result<Decimal, ConnectorError> {
    Ok(Decimal::new(minor, exponent(currency)?))
}

/// Minor units as a major-unit float, for platforms that take a JSON number (Microsoft,
/// TikTok). Exact for every amount with at most 15 significant digits.
pub fn minor_to_float(minor: i64, currency: &str) -> Result<f64, ConnectorError> {
    minor_to_decimal(minor, currency)?
        .to_f64()
        .ok_or_else(|| ConnectorError::protocol(format!("amount {minor} is out of range")))
}

/// Google's micros (millionths of a major unit) as minor units, rounding half to even.
pub fn micros_to_minor(micros: i64, currency: &str) -> Result<i64, ConnectorError> {
    decimal_value_to_minor(Decimal::new(micros, 6), currency)
}

/// Minor units as Google's micros.
pub fn minor_to_micros(minor: i64, currency: &str) -> Result<i64, ConnectorError> {
    let exp = exponent(currency)?;
    10_i64
        .checked_pow(6 - exp.min(6))
        .and_then(|factor| minor.checked_mul(factor))
        .ok_or_else(|| ConnectorError::invalid(format!("amount {minor} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_become_minor_units_of_their_currency() {
        assert_eq!(decimal_to_minor("12.50", "USD").unwrap(), 1250);
        assert_eq!(
            decimal_to_minor("107.5300000000000335346", "EUR").unwrap(),
            10753
        );
        assert_eq!(decimal_to_minor("1500", "JPY").unwrap(), 1500);
        assert_eq!(decimal_to_minor("1.2345", "KWD").unwrap(), 1234);
        // Half to even: .125 → .12, .135 → .14.
        assert_eq!(decimal_to_minor("0.125", "USD").unwrap(), 12);
        assert_eq!(decimal_to_minor("0.135", "USD").unwrap(), 14);
        assert!(decimal_to_minor("12,50", "USD").is_err());
        assert!(decimal_to_minor("1", "XYZ").is_err());
    }

    #[test]
    fn amounts_too_large_are_refused_not_a_panic() {
        for raw in [
            "1000000000000000000000000000",
            "79228162514264337593543950335",
            "1e27",
        ] {
            assert!(decimal_to_minor(raw, "USD").is_err(), "{raw}");
        }
        assert!(float_to_minor(1e27, "USD").is_err());
        assert!(float_to_minor(7.9e28, "KWD").is_err());
        assert!(micros_to_minor(i64::MAX, "USD").is_ok());
        assert!(minor_to_micros(i64::MAX, "USD").is_err());
    }

    #[test]
    fn micros_round_trip_through_minor_units() {
        assert_eq!(micros_to_minor(12_500_000, "USD").unwrap(), 1250);
        assert_eq!(micros_to_minor(12_345_678, "USD").unwrap(), 1235);
        assert_eq!(minor_to_micros(7500, "USD").unwrap(), 75_000_000);
        assert_eq!(minor_to_micros(1500, "JPY").unwrap(), 1_500_000_000);
    }

    #[test]
    fn minor_units_become_major_unit_numbers() {
        assert_eq!(minor_to_float(15_000, "USD").unwrap(), 150.0);
        assert_eq!(minor_to_decimal(7500, "EUR").unwrap().to_string(), "75.00");
        assert_eq!(float_to_minor(50.05, "USD").unwrap(), 5005);
    }
}
