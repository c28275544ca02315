//! Amounts between Mixpilot's integer minor units (ISO 4217's digits) and a platform's own
//! integer units, which need not have the same number of digits: Meta counts HUF budgets in
//! whole forints where ISO 4217 gives the forint two decimals, and Google counts micros.
//!
//! Invariant: a conversion is exact or it fails. Nothing here rounds, so an amount never
//! changes by a factor of ten (or a fraction of a unit) on its way to a platform and back.

/// `amount`, an integer with `from` decimals, as an integer with `to` decimals: `None` when it
/// is not a whole number of the target unit (`1505` with 3 decimals is no whole number of
/// hundredths) or does not fit in an `i64`.
pub fn rescale(amount: i64, from: u32, to: u32) -> Option<i64> {
    if to >= from {
        amount.checked_mul(10_i64.checked_pow(to - from)?)
    } else {
        let divisor = 10_i64.checked_pow(from - to)?;
        (amount % divisor == 0).then_some(amount / divisor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_move_between_digit_counts_only_when_exact() {
        // 5,000.00 HUF in ISO minor units is 5,000 whole forints.
        assert_eq!(rescale(500_000, 2, 0), Some(5_000));
        assert_eq!(rescale(5_000, 0, 2), Some(500_000));
        // 5,000.50 HUF is no whole number of forints.
        assert_eq!(rescale(500_050, 2, 0), None);
        // 1.500 BHD (three decimals) is 150 hundredths; 1.505 is not a whole number of them.
        assert_eq!(rescale(1_500, 3, 2), Some(150));
        assert_eq!(rescale(1_505, 3, 2), None);
        assert_eq!(rescale(7_500, 2, 2), Some(7_500));
        assert_eq!(rescale(-300, 2, 0), Some(-3));
        // Out of range is refused, not wrapped.
        assert_eq!(rescale(i64::MAX / 10, 0, 2), None);
        assert_eq!(rescale(1, 0, 40), None);
    }
}
