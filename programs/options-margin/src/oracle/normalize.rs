//! Exponent normalisation: a Pyth mantissa `m` with exponent `e` means
//! `m · 10^e` USD; at precision e12 that is `m · 10^(12 + e)`.
//!
//! Only `e` in `MIN_EXPONENT..=MAX_EXPONENT` (−12..=0) is accepted, so the
//! scale factor `10^(12 + e)` is an integer in `1..=10^12` and normalisation
//! is a multiplication with no rounding at all. `|m| ≤ 2^63` and
//! `10^12 < 2^40`, so the product (< 2^103) always fits i128/u128; only the
//! final narrowing to u64 e12 can fail.

use anchor_lang::prelude::*;

use super::{MAX_EXPONENT, MIN_EXPONENT};
use crate::error::ErrorCode;

/// `10^i` for `i` in `0..=12`; index `12 + expo`.
const POW10: [u128; 13] = {
    let mut table = [1u128; 13];
    let mut i = 1;
    while i < table.len() {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// The factor `10^(12 + expo)` that turns a mantissa into e12, or
/// `OracleExponentOutOfRange` outside `MIN_EXPONENT..=MAX_EXPONENT`.
pub fn e12_factor(expo: i32) -> Result<u128> {
    if !(MIN_EXPONENT..=MAX_EXPONENT).contains(&expo) {
        msg!("oracle: exponent {}", expo);
        return err!(ErrorCode::OracleExponentOutOfRange);
    }
    expo.checked_sub(MIN_EXPONENT)
        .and_then(|shift| usize::try_from(shift).ok())
        .and_then(|index| POW10.get(index).copied())
        .ok_or_else(|| error!(ErrorCode::OracleExponentOutOfRange))
}

/// precision: e12 USD per whole unit. A price mantissa `price · 10^expo`,
/// computed in i128 and narrowed to u64 (`OraclePriceOutOfRange` if it
/// does not fit). Exact in the accepted exponent range. A mantissa ≤ 0 is
/// `OracleNonPositivePrice` (callers check this first; repeated here so the
/// function is total on its own).
pub fn price_to_e12(price: i64, expo: i32) -> Result<u64> {
    let factor = e12_factor(expo)?;
    if price <= 0 {
        return err!(ErrorCode::OracleNonPositivePrice);
    }
    let factor = i128::try_from(factor).map_err(|_| error!(ErrorCode::OraclePriceOutOfRange))?;
    let scaled = i128::from(price)
        .checked_mul(factor)
        .ok_or_else(|| error!(ErrorCode::OraclePriceOutOfRange))?;
    u64::try_from(scaled).map_err(|_| error!(ErrorCode::OraclePriceOutOfRange))
}

/// precision: e12 USD per whole unit. A confidence mantissa `conf · 10^expo`
/// rounded up (it is a risk quantity). For the accepted exponents the
/// scaling is an exact multiplication, so rounding up never changes the
/// value; `OraclePriceOutOfRange` if it does not fit u64.
pub fn conf_to_e12_ceil(conf: u64, expo: i32) -> Result<u64> {
    let factor = e12_factor(expo)?;
    let scaled = u128::from(conf)
        .checked_mul(factor)
        .ok_or_else(|| error!(ErrorCode::OraclePriceOutOfRange))?;
    u64::try_from(scaled).map_err(|_| error!(ErrorCode::OraclePriceOutOfRange))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error of `res`, which must have failed.
    fn code(res: Result<u64>) -> anchor_lang::error::Error {
        match res {
            Ok(v) => panic!("expected an error, got Ok({v})"),
            Err(e) => e,
        }
    }

    fn err(code: ErrorCode) -> anchor_lang::error::Error {
        code.into()
    }

    #[test]
    fn power_table_is_exact() {
        assert_eq!(POW10[0], 1);
        assert_eq!(POW10[8], 100_000_000);
        assert_eq!(POW10[12], 1_000_000_000_000);
        assert_eq!(e12_factor(-12).unwrap(), 1);
        assert_eq!(e12_factor(-8).unwrap(), 10_000);
        assert_eq!(e12_factor(0).unwrap(), 1_000_000_000_000);
    }

    #[test]
    fn exponent_bounds() {
        assert_eq!(
            code(price_to_e12(1, -13)),
            err(ErrorCode::OracleExponentOutOfRange)
        );
        assert_eq!(
            code(price_to_e12(1, 1)),
            err(ErrorCode::OracleExponentOutOfRange)
        );
        assert_eq!(
            code(price_to_e12(1, i32::MIN)),
            err(ErrorCode::OracleExponentOutOfRange)
        );
        assert_eq!(
            code(price_to_e12(1, i32::MAX)),
            err(ErrorCode::OracleExponentOutOfRange)
        );
        assert_eq!(
            code(conf_to_e12_ceil(1, -13)),
            err(ErrorCode::OracleExponentOutOfRange)
        );
        assert_eq!(price_to_e12(7, -12).unwrap(), 7);
        assert_eq!(price_to_e12(7, 0).unwrap(), 7_000_000_000_000);
    }

    #[test]
    fn real_sol_values() {
        assert_eq!(
            price_to_e12(15_679_769_099, -8).unwrap(),
            156_797_690_990_000
        );
        assert_eq!(conf_to_e12_ceil(16_197_271, -8).unwrap(), 161_972_710_000);
    }

    #[test]
    fn extremes_narrow_or_fail_cleanly() {
        // i64::MAX at 1e-12 is 9.2e6 USD: fits.
        assert_eq!(price_to_e12(i64::MAX, -12).unwrap(), i64::MAX as u64);
        // i64::MAX · 10^12 is far above u64::MAX.
        assert_eq!(
            code(price_to_e12(i64::MAX, 0)),
            err(ErrorCode::OraclePriceOutOfRange)
        );
        assert_eq!(
            code(conf_to_e12_ceil(u64::MAX, 0)),
            err(ErrorCode::OraclePriceOutOfRange)
        );
        assert_eq!(conf_to_e12_ceil(u64::MAX, -12).unwrap(), u64::MAX);
        // u64::MAX / 10^12 = 18_446_744 whole USD: the largest price at expo 0.
        assert_eq!(
            price_to_e12(18_446_744, 0).unwrap(),
            18_446_744_000_000_000_000
        );
        assert_eq!(
            code(price_to_e12(18_446_745, 0)),
            err(ErrorCode::OraclePriceOutOfRange)
        );
        assert_eq!(conf_to_e12_ceil(0, -8).unwrap(), 0);
    }

    #[test]
    fn non_positive_mantissa() {
        assert_eq!(
            code(price_to_e12(0, -8)),
            err(ErrorCode::OracleNonPositivePrice)
        );
        assert_eq!(
            code(price_to_e12(-1, -8)),
            err(ErrorCode::OracleNonPositivePrice)
        );
        assert_eq!(
            code(price_to_e12(i64::MIN, -8)),
            err(ErrorCode::OracleNonPositivePrice)
        );
    }
}
