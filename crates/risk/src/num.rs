//! Checked integer math with the rounding direction in the name.
//!
//! Every operation that can overflow goes through [`SafeMath`], whose methods
//! are `#[track_caller]` so an overflow in a debug build names its place and a
//! release build returns [`RiskError::MathOverflow`] instead of wrapping.

use crate::error::{RiskError, RiskResult};

/// Checked arithmetic returning [`RiskError`].
pub trait SafeMath: Sized {
    fn safe_add(self, rhs: Self) -> RiskResult<Self>;
    fn safe_sub(self, rhs: Self) -> RiskResult<Self>;
    fn safe_mul(self, rhs: Self) -> RiskResult<Self>;
    /// Truncating division (towards zero for signed types).
    fn safe_div(self, rhs: Self) -> RiskResult<Self>;
}

macro_rules! impl_safe_math {
    ($($t:ty),*) => {$(
        impl SafeMath for $t {
            #[inline]
            #[track_caller]
            fn safe_add(self, rhs: Self) -> RiskResult<Self> {
                self.checked_add(rhs).ok_or(RiskError::MathOverflow)
            }
            #[inline]
            #[track_caller]
            fn safe_sub(self, rhs: Self) -> RiskResult<Self> {
                self.checked_sub(rhs).ok_or(RiskError::MathOverflow)
            }
            #[inline]
            #[track_caller]
            fn safe_mul(self, rhs: Self) -> RiskResult<Self> {
                self.checked_mul(rhs).ok_or(RiskError::MathOverflow)
            }
            #[inline]
            #[track_caller]
            fn safe_div(self, rhs: Self) -> RiskResult<Self> {
                if rhs == 0 {
                    return Err(RiskError::DivisionByZero);
                }
                self.checked_div(rhs).ok_or(RiskError::MathOverflow)
            }
        }
    )*};
}

impl_safe_math!(u64, i64, u128, i128);

/// `a * b / d` rounded towards negative infinity, with an i128 intermediate.
#[track_caller]
pub fn mul_div_floor(a: i128, b: i128, d: i128) -> RiskResult<i128> {
    let p = a.safe_mul(b)?;
    div_floor(p, d)
}

/// `a * b / d` rounded towards positive infinity, with an i128 intermediate.
#[track_caller]
pub fn mul_div_ceil(a: i128, b: i128, d: i128) -> RiskResult<i128> {
    let p = a.safe_mul(b)?;
    div_ceil(p, d)
}

/// `n / d` rounded towards negative infinity.
#[track_caller]
pub fn div_floor(n: i128, d: i128) -> RiskResult<i128> {
    let q = n.safe_div(d)?;
    let r = n.checked_rem(d).ok_or(RiskError::MathOverflow)?;
    if r != 0 && ((r < 0) != (d < 0)) {
        q.safe_sub(1)
    } else {
        Ok(q)
    }
}

/// `n / d` rounded towards positive infinity.
#[track_caller]
pub fn div_ceil(n: i128, d: i128) -> RiskResult<i128> {
    let q = n.safe_div(d)?;
    let r = n.checked_rem(d).ok_or(RiskError::MathOverflow)?;
    if r != 0 && ((r < 0) == (d < 0)) {
        q.safe_add(1)
    } else {
        Ok(q)
    }
}

/// Narrow an i128 to i64, failing instead of truncating.
#[track_caller]
pub fn to_i64(v: i128) -> RiskResult<i64> {
    i64::try_from(v).map_err(|_| RiskError::MathOverflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_directions() {
        assert_eq!(div_floor(7, 2), Ok(3));
        assert_eq!(div_floor(-7, 2), Ok(-4));
        assert_eq!(div_ceil(7, 2), Ok(4));
        assert_eq!(div_ceil(-7, 2), Ok(-3));
        assert_eq!(div_floor(6, 3), Ok(2));
        assert_eq!(div_ceil(-6, 3), Ok(-2));
        assert_eq!(mul_div_ceil(10, 3, 4), Ok(8));
        assert_eq!(mul_div_floor(10, 3, 4), Ok(7));
        assert_eq!(div_floor(1, 0), Err(RiskError::DivisionByZero));
        assert_eq!(i128::MAX.safe_add(1), Err(RiskError::MathOverflow));
    }
}
