//! Checked integer math with the rounding direction in the name.
//!
//! Every operation that can overflow goes through [`SafeMath`], whose methods
//! are `#[track_caller]` so an overflow in a debug build names its place and a
//! release build returns [`RiskError::MathOverflow`] instead of wrapping.

use crate::error::{RiskError, RiskResult};
use crate::wide::{mul_i64_wide, mul_u64_wide, udivrem_u128_u64};

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

impl_safe_math!(u64, i64);

// i128 / u128: operands that fit 64 bits (nearly every call) take an exact
// 64×64→128 product or a 128÷64 division, which cannot overflow, instead
// of the generic checked 128-bit routine (a software call on SBF). The
// results and errors are those of the checked operations.
impl SafeMath for i128 {
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
        if let (Ok(a), Ok(b)) = (i64::try_from(self), i64::try_from(rhs)) {
            // |a·b| ≤ 2^126: always representable.
            return Ok(mul_i64_wide(a, b));
        }
        self.checked_mul(rhs).ok_or(RiskError::MathOverflow)
    }
    #[inline]
    #[track_caller]
    fn safe_div(self, rhs: Self) -> RiskResult<Self> {
        if rhs == 0 {
            return Err(RiskError::DivisionByZero);
        }
        if let Some((q, _, negative)) = divrem_small_divisor(self, rhs) {
            return Ok(if negative { -q } else { q });
        }
        self.checked_div(rhs).ok_or(RiskError::MathOverflow)
    }
}

impl SafeMath for u128 {
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
        if (self | rhs) >> 64 == 0 {
            return Ok(mul_u64_wide(self as u64, rhs as u64));
        }
        self.checked_mul(rhs).ok_or(RiskError::MathOverflow)
    }
    #[inline]
    #[track_caller]
    fn safe_div(self, rhs: Self) -> RiskResult<Self> {
        if rhs == 0 {
            return Err(RiskError::DivisionByZero);
        }
        if let Ok(d) = u64::try_from(rhs) {
            return Ok(udivrem_u128_u64(self, d).0);
        }
        self.checked_div(rhs).ok_or(RiskError::MathOverflow)
    }
}

/// `(|n| / |d|, remainder ≠ 0, quotient negative)` for `0 < |d| < 2^64`
/// and `n ≠ i128::MIN` (the cases a 128÷64 division covers; the magnitude
/// of the quotient is then below 2^127). `None` otherwise.
#[inline]
fn divrem_small_divisor(n: i128, d: i128) -> Option<(i128, bool, bool)> {
    let dm = u64::try_from(d.unsigned_abs()).ok()?;
    if dm == 0 || n == i128::MIN {
        return None;
    }
    let (q, r) = udivrem_u128_u64(n.unsigned_abs(), dm);
    Some((q as i128, r != 0, (n < 0) != (d < 0)))
}

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
    if let Some((q, inexact, negative)) = divrem_small_divisor(n, d) {
        // Truncation rounds a negative quotient up: one less when inexact.
        return Ok(if negative {
            -q - i128::from(inexact)
        } else {
            q
        });
    }
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
    if let Some((q, inexact, negative)) = divrem_small_divisor(n, d) {
        // Truncation rounds a positive quotient down: one more when inexact.
        return Ok(if negative {
            -q
        } else {
            q + i128::from(inexact)
        });
    }
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

    /// The fast paths of the 128-bit operations agree with the plain checked
    /// ones (values and errors) across magnitudes and signs.
    #[test]
    fn wide_fast_paths_match_checked() {
        let mut x: u64 = 0x243f_6a88_85a3_08d3;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut vals = std::vec![0i128, 1, -1, 2, -2, i128::MAX, i128::MIN, i128::MIN + 1];
        vals.extend([
            i64::MAX as i128,
            i64::MIN as i128,
            u64::MAX as i128,
            -(u64::MAX as i128),
        ]);
        vals.extend([
            1i128 << 64,
            -(1i128 << 64),
            (1i128 << 64) + 1,
            1 << 63,
            -(1 << 63),
        ]);
        for _ in 0..3_000 {
            let w = ((i128::from(next() as i64)) << 64) | i128::from(next());
            vals.push(w >> (next() % 128));
        }
        let floor_ref = |n: i128, d: i128| -> RiskResult<i128> {
            if d == 0 {
                return Err(RiskError::DivisionByZero);
            }
            let q = n.checked_div(d).ok_or(RiskError::MathOverflow)?;
            let r = n.checked_rem(d).ok_or(RiskError::MathOverflow)?;
            Ok(if r != 0 && ((r < 0) != (d < 0)) {
                q - 1
            } else {
                q
            })
        };
        let ceil_ref = |n: i128, d: i128| -> RiskResult<i128> {
            if d == 0 {
                return Err(RiskError::DivisionByZero);
            }
            let q = n.checked_div(d).ok_or(RiskError::MathOverflow)?;
            let r = n.checked_rem(d).ok_or(RiskError::MathOverflow)?;
            Ok(if r != 0 && ((r < 0) == (d < 0)) {
                q + 1
            } else {
                q
            })
        };
        for (i, &a) in vals.iter().enumerate() {
            for &b in vals.iter().skip(i % 7).step_by(7) {
                assert_eq!(
                    a.safe_mul(b),
                    a.checked_mul(b).ok_or(RiskError::MathOverflow)
                );
                let want = if b == 0 {
                    Err(RiskError::DivisionByZero)
                } else {
                    a.checked_div(b).ok_or(RiskError::MathOverflow)
                };
                assert_eq!(a.safe_div(b), want, "{a} / {b}");
                assert_eq!(div_floor(a, b), floor_ref(a, b), "{a} / {b}");
                assert_eq!(div_ceil(a, b), ceil_ref(a, b), "{a} / {b}");
                let (ua, ub) = (a as u128, b as u128);
                assert_eq!(
                    ua.safe_mul(ub),
                    ua.checked_mul(ub).ok_or(RiskError::MathOverflow)
                );
                let want = ua.checked_div(ub).ok_or(RiskError::DivisionByZero);
                assert_eq!(ua.safe_div(ub), want);
            }
        }
    }
}
