//! The crate's one fixed-point number: [`FixedE12`], a signed `i128` holding
//! the value × 10^12.
//!
//! Why `i128` and 12 decimals: a spot of up to 1.8e7 USD (the `u64` `_e12`
//! stored range) times a Φ value or a contract size still fits the
//! intermediate product (`2^127 ≈ 1.7e38`), while 1e-12 resolution keeps the
//! pricer's error (see `math`, `black76`) many orders below one quote native
//! unit per contract. `FixedE12` is an in-memory type only: stored (Pod)
//! types keep `u64`/`i64` `_e12` fields, whose alignment is the same on
//! x86-64 and SBF.
//!
//! Rounding is in every fallible product's name (`mul_floor`, `mul_ceil`,
//! `div_floor`, `div_ceil`). Products whose `i128` intermediate would
//! overflow fall back to a 256-bit multiply, so only a result outside
//! `i128` fails.
//!
//! Division by the scale (10^12 = 2^12 · 5^12) is a shift plus an exact
//! division by the 28-bit constant 5^12, never a generic 128-bit division:
//! natively one multiply by a precomputed reciprocal with at most two
//! corrections (`udiv_scale`), on SBF three `udiv64` steps of long division.
//! This is what makes a fixed-point multiply cheap; see `series` for the CU
//! estimate. The pricing kernels go further and work in binary fixed point
//! (Q44/Q60), where rescaling is a shift.

use crate::error::{RiskError, RiskResult};
use crate::wide::{udivrem_u128_u64, EMULATED_WIDE};

/// precision: e12 (raw value of 1.0).
pub const SCALE: i128 = 1_000_000_000_000;
/// `SCALE` = 2^SCALE_SHIFT · SCALE_ODD.
const SCALE_SHIFT: u32 = 12;
/// 5^12, the odd part of `SCALE`.
const SCALE_ODD: u64 = 244_140_625;
/// ⌊2^88 / 5^12⌋ (< 2^61): the reciprocal of `SCALE_ODD` used by `udiv_scale`.
const SCALE_ODD_RECIP_Q88: u64 = 1_267_650_600_228_229_401;
/// Raw units per e6 unit (vol_e6, rate_e6).
const PER_E6: i128 = 1_000_000;
/// Raw units per basis point.
const PER_BPS: i128 = 100_000_000;

/// A signed fixed-point number with 12 decimals: `FixedE12(1_000_000_000_000)` is 1.0.
///
/// precision: e12.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FixedE12(pub i128);

impl FixedE12 {
    /// 0.0
    pub const ZERO: Self = Self(0);
    /// 1.0
    pub const ONE: Self = Self(SCALE);

    /// The integer `n` as fixed point (exact; cannot overflow for `i64`).
    pub const fn from_int(n: i64) -> Self {
        Self(n as i128 * SCALE)
    }

    /// From a stored `u64` with precision e12 (exact).
    pub const fn from_u64_e12(v: u64) -> Self {
        Self(v as i128)
    }

    /// From a stored `i64` with precision e12 (exact).
    pub const fn from_i64_e12(v: i64) -> Self {
        Self(v as i128)
    }

    /// From a value with precision e6 (e.g. `vol_e6`, `rate_e6`); exact.
    pub const fn from_e6(v: i64) -> Self {
        Self(v as i128 * PER_E6)
    }

    /// From basis points (1.0 == 10_000 bps); exact.
    pub const fn from_bps(bps: i64) -> Self {
        Self(bps as i128 * PER_BPS)
    }

    /// The raw e12 integer.
    pub const fn raw(self) -> i128 {
        self.0
    }

    /// To a stored `u64` e12 value; fails on negative or too-large values.
    pub fn to_u64_e12(self) -> RiskResult<u64> {
        u64::try_from(self.0).map_err(|_| RiskError::MathOverflow)
    }

    /// To a stored `i64` e12 value; fails when out of range.
    pub fn to_i64_e12(self) -> RiskResult<i64> {
        i64::try_from(self.0).map_err(|_| RiskError::MathOverflow)
    }

    /// To precision e6, rounded towards −∞.
    pub fn to_e6_floor(self) -> RiskResult<i64> {
        i64::try_from(self.0.div_euclid(PER_E6)).map_err(|_| RiskError::MathOverflow)
    }

    /// To precision e6, rounded towards +∞.
    pub fn to_e6_ceil(self) -> RiskResult<i64> {
        let q = self.0.div_euclid(PER_E6) + i128::from(self.0.rem_euclid(PER_E6) != 0);
        i64::try_from(q).map_err(|_| RiskError::MathOverflow)
    }

    /// To whole basis points, rounded towards −∞.
    pub fn to_bps_floor(self) -> RiskResult<i64> {
        i64::try_from(self.0.div_euclid(PER_BPS)).map_err(|_| RiskError::MathOverflow)
    }

    /// Checked addition.
    #[inline]
    #[track_caller]
    pub fn checked_add(self, rhs: Self) -> RiskResult<Self> {
        self.0
            .checked_add(rhs.0)
            .map(Self)
            .ok_or(RiskError::MathOverflow)
    }

    /// Checked subtraction.
    #[inline]
    #[track_caller]
    pub fn checked_sub(self, rhs: Self) -> RiskResult<Self> {
        self.0
            .checked_sub(rhs.0)
            .map(Self)
            .ok_or(RiskError::MathOverflow)
    }

    /// Checked negation.
    #[inline]
    pub fn checked_neg(self) -> RiskResult<Self> {
        self.0
            .checked_neg()
            .map(Self)
            .ok_or(RiskError::MathOverflow)
    }

    /// `self · rhs`, rounded towards −∞.
    #[inline]
    #[track_caller]
    pub fn mul_floor(self, rhs: Self) -> RiskResult<Self> {
        mul_raw(self.0, rhs.0, false).map(Self)
    }

    /// `self · rhs`, rounded towards +∞.
    #[inline]
    #[track_caller]
    pub fn mul_ceil(self, rhs: Self) -> RiskResult<Self> {
        mul_raw(self.0, rhs.0, true).map(Self)
    }

    /// `self / rhs`, rounded towards −∞. Requires `|self| < 1.7e14`.
    #[track_caller]
    pub fn div_floor(self, rhs: Self) -> RiskResult<Self> {
        count(Op::Div);
        div_raw(self.times_scale()?, rhs.0, false).map(Self)
    }

    /// `self / rhs`, rounded towards +∞. Requires `|self| < 1.7e14`.
    #[track_caller]
    pub fn div_ceil(self, rhs: Self) -> RiskResult<Self> {
        count(Op::Div);
        div_raw(self.times_scale()?, rhs.0, true).map(Self)
    }

    /// The raw value times 10^12 (the numerator of a division), checked.
    #[inline]
    fn times_scale(self) -> RiskResult<i128> {
        let a = self.0.unsigned_abs();
        if a >> 64 == 0 {
            // Below 2^64 · 10^12 < 2^104: exact, one unsigned product.
            let m = mul_u64_wide(a as u64, SCALE as u64) as i128;
            return Ok(if self.0 < 0 { -m } else { m });
        }
        self.0.checked_mul(SCALE).ok_or(RiskError::MathOverflow)
    }

    /// `self · n` for an integer `n` (exact).
    #[inline]
    pub fn mul_int(self, n: i64) -> RiskResult<Self> {
        self.0
            .checked_mul(i128::from(n))
            .map(Self)
            .ok_or(RiskError::MathOverflow)
    }

    /// `self / 2`, rounded towards −∞ (exact for even raw values).
    #[inline]
    pub const fn half_floor(self) -> Self {
        Self(self.0 >> 1)
    }

    /// The larger of `self` and `rhs`.
    #[inline]
    pub fn max(self, rhs: Self) -> Self {
        if self.0 >= rhs.0 {
            self
        } else {
            rhs
        }
    }

    /// The smaller of `self` and `rhs`.
    #[inline]
    pub fn min(self, rhs: Self) -> Self {
        if self.0 <= rhs.0 {
            self
        } else {
            rhs
        }
    }

    /// Whether the value is below zero.
    #[inline]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

/// `a · b / SCALE` on raw values, rounded down (`ceil == false`) or up.
#[inline(always)]
#[track_caller]
pub(crate) fn mul_raw(a: i128, b: i128, ceil: bool) -> RiskResult<i128> {
    count(Op::Mul);
    let (ua, ub) = (a.unsigned_abs(), b.unsigned_abs());
    if (ua | ub) >> 64 == 0 {
        // Common case (|values| < 1.8e7): one unsigned 64×64→128 multiply,
        // exact, then the division of the magnitude by the scale.
        let negative = (a < 0) != (b < 0);
        let (q, exact) = udiv_scale(mul_u64_wide(ua as u64, ub as u64));
        // q < 2^116: the increment, the cast and the negation are in range.
        let q = (q + u128::from(!exact && (ceil != negative))) as i128;
        return Ok(if negative { -q } else { q });
    }
    mul_raw_large(a, b, ceil)
}

/// [`mul_raw`] for an operand of 2^64 or more: `i128` product, or the
/// 256-bit one when that overflows.
#[inline(never)]
fn mul_raw_large(a: i128, b: i128, ceil: bool) -> RiskResult<i128> {
    match a.checked_mul(b) {
        Some(p) => Ok(if ceil {
            div_scale_ceil(p)
        } else {
            div_scale_floor(p)
        }),
        None => mul_wide(a, b, ceil),
    }
}

/// The exact 128-bit product of two `u64` (one hardware multiply natively,
/// four 32-bit products on SBF; it can never overflow, so no check is needed).
pub(crate) use crate::wide::mul_u64_wide;

/// `a · b / SCALE` rounded down, for non-negative raw values below 2^64:
/// the same result as `mul_floor`, without sign handling (the quotient
/// is below 2^88).
#[inline(always)]
pub(crate) fn mul_floor_u64(a: u64, b: u64) -> u128 {
    count(Op::Mul);
    udiv_scale(mul_u64_wide(a, b)).0
}

/// `n / d` rounded towards −∞ (`ceil == false`) or +∞, with a single
/// unsigned division (the remainder is recovered by a multiply).
#[inline]
#[track_caller]
pub(crate) fn div_raw(n: i128, d: i128, ceil: bool) -> RiskResult<i128> {
    if d == 0 {
        return Err(RiskError::DivisionByZero);
    }
    let (un, ud) = (n.unsigned_abs(), d.unsigned_abs());
    let (q, inexact) = match u64::try_from(ud) {
        // A divisor below 2^64: 64-bit divisions only (no software 128-bit one on SBF).
        Ok(ud) => {
            let (q, r) = udivrem_u128_u64(un, ud);
            (q, r != 0)
        }
        Err(_) => {
            let q = un / ud;
            (q, un - q * ud != 0)
        }
    };
    let negative = (n < 0) != (d < 0);
    // Round the magnitude up when the rounding direction points away from zero.
    let q = q + u128::from(inexact && (ceil != negative));
    let q = i128::try_from(q).map_err(|_| RiskError::MathOverflow)?;
    Ok(if negative { -q } else { q })
}

/// `n / SCALE` rounded towards −∞. Never fails: the quotient is smaller than `n`.
#[inline]
pub(crate) fn div_scale_floor(n: i128) -> i128 {
    let (q, exact) = udiv_scale(n.unsigned_abs());
    // q ≤ |n| / 2^12, so both casts and the negation are in range.
    let q = q as i128;
    if n >= 0 {
        q
    } else {
        -q - i128::from(!exact)
    }
}

/// `n / SCALE` rounded towards +∞. Never fails.
#[inline]
pub(crate) fn div_scale_ceil(n: i128) -> i128 {
    let (q, exact) = udiv_scale(n.unsigned_abs());
    let q = q as i128;
    if n >= 0 {
        q + i128::from(!exact)
    } else {
        -q
    }
}

/// `n / d` rounded towards −∞ for a divisor `0 < d < 2^32` (inlined constant).
#[inline(always)]
pub(crate) fn div_small_floor(n: i128, d: u64) -> i128 {
    let (q, r) = udivrem_small(n.unsigned_abs(), d);
    // q ≤ |n|, and |n| ≤ 2^127 only for i128::MIN whose quotient by d ≥ 2 fits.
    let q = q as i128;
    if n >= 0 {
        q
    } else {
        -q - i128::from(r != 0)
    }
}

/// `n / 10^12` (floor) and whether it was exact.
///
/// Natively the common case (`n < 2^100`, every hot-path product) multiplies
/// by a reciprocal: R = ⌊2^88 / 5^12⌋ times the top 64 bits of m = n / 2^12
/// gives q̂ = ⌊(m >> 24)·R / 2^64⌋ with q − 2 ≤ q̂ ≤ q (the dropped bits and
/// R's truncation each cost less than 1), and at most two exact corrections
/// follow; the remainder is below 3·5^12 < 2^30, so it is exact in wrapping
/// `u64` arithmetic. One hardware multiply and a few adds, versus three
/// dependent divisions. On SBF, where a 64×64→128 product is emulated but
/// `udiv64` is one instruction, the long division is used throughout. Both
/// are exact, so every target returns the same result.
#[inline(always)]
fn udiv_scale(n: u128) -> (u128, bool) {
    let low_bits = n & ((1 << SCALE_SHIFT) - 1);
    let m = n >> SCALE_SHIFT;
    if EMULATED_WIDE {
        // SBF: three native `udiv64` steps beat an emulated 64×64 product.
        let (q, r) = udivrem_small(m, SCALE_ODD);
        return (q, low_bits == 0 && r == 0);
    }
    if m >> 88 == 0 {
        let q_est = (mul_u64_wide((m >> 24) as u64, SCALE_ODD_RECIP_Q88) >> 64) as u64;
        let r = (m as u64).wrapping_sub(q_est.wrapping_mul(SCALE_ODD));
        let c1 = r >= SCALE_ODD;
        let c2 = r >= 2 * SCALE_ODD;
        let q = q_est + u64::from(c1) + u64::from(c2);
        let r = r - (u64::from(c1) + u64::from(c2)) * SCALE_ODD;
        return (u128::from(q), low_bits == 0 && r == 0);
    }
    udiv_scale_long(m, low_bits)
}

/// [`udiv_scale`] natively for n ≥ 2^100: long division on 32-bit digits.
#[cold]
#[inline(never)]
fn udiv_scale_long(m: u128, low_bits: u128) -> (u128, bool) {
    let (q, r) = udivrem_small(m, SCALE_ODD);
    (q, low_bits == 0 && r == 0)
}

/// `n / d` and `n % d` for a divisor below 2^32, by long division on 32-bit
/// digits so that every step is a `u64` division by the (inlined) constant.
#[inline(always)]
pub(crate) fn udivrem_small(n: u128, d: u64) -> (u128, u64) {
    debug_assert!(d != 0 && d < (1 << 32));
    let hi = (n >> 64) as u64;
    let lo = n as u64;
    let q_hi = hi / d;
    let r = hi % d;
    let t1 = (r << 32) | (lo >> 32);
    let q1 = t1 / d;
    let r1 = t1 % d;
    let t2 = (r1 << 32) | (lo & 0xffff_ffff);
    let q2 = t2 / d;
    let r2 = t2 % d;
    (
        (u128::from(q_hi) << 64) | (u128::from(q1) << 32) | u128::from(q2),
        r2,
    )
}

/// `a · b / SCALE` when `a · b` overflows `i128`: 256-bit product, then long
/// division by 10^12 on 64-bit digits. Fails only if the quotient overflows.
#[cold]
fn mul_wide(a: i128, b: i128, ceil: bool) -> RiskResult<i128> {
    let negative = (a < 0) != (b < 0);
    let (hi, lo) = mul_u128_wide(a.unsigned_abs(), b.unsigned_abs());
    let d = SCALE as u128;
    let digits = [(hi >> 64) as u64, hi as u64, (lo >> 64) as u64, lo as u64];
    let mut q = [0u64; 4];
    let mut rem: u128 = 0;
    for (qi, digit) in q.iter_mut().zip(digits) {
        // rem < 10^12 < 2^40, so cur < 2^104.
        let cur = (rem << 64) | u128::from(digit);
        *qi = (cur / d) as u64;
        rem = cur % d;
    }
    if q[0] != 0 || q[1] != 0 {
        return Err(RiskError::MathOverflow);
    }
    let mag = (u128::from(q[2]) << 64) | u128::from(q[3]);
    let round_away = rem != 0 && (ceil != negative);
    let mag = mag
        .checked_add(u128::from(round_away))
        .ok_or(RiskError::MathOverflow)?;
    let mag = i128::try_from(mag).map_err(|_| RiskError::MathOverflow)?;
    Ok(if negative { -mag } else { mag })
}

/// Full 256-bit product of two `u128`, as (high, low) halves.
fn mul_u128_wide(a: u128, b: u128) -> (u128, u128) {
    const M: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & M);
    let (b1, b0) = (b >> 64, b & M);
    let ll = a0 * b0;
    let lh = a0 * b1;
    let hl = a1 * b0;
    let hh = a1 * b1;
    // Each term < 2^64, so mid < 3 · 2^64.
    let mid = (ll >> 64) + (lh & M) + (hl & M);
    let lo = (ll & M) | ((mid & M) << 64);
    // Cannot overflow: the full product is below 2^256.
    let hi = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
    (hi, lo)
}

// ---------------------------------------------------------------------------
// Op counting (feature `op-count`): a benchmark/CU-estimation aid. Without the
// feature every `count` call compiles to nothing.
// ---------------------------------------------------------------------------

/// Operation classes counted under the `op-count` feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Fixed-point product (`i128` multiply + division by the scale).
    Mul,
    /// Fixed-point division by a variable (`i128` / `i128`).
    Div,
    /// Binary fixed-point multiply (64×64→128 and a shift): d1, Φ, price
    /// legs, ln, exp.
    MulShift,
    Ln,
    Exp,
    Sqrt,
    Cdf,
    Pdf,
}

/// Operation counts since the last [`reset_op_counts`] (all zero without the
/// `op-count` feature). `ln`/`exp`/`sqrt`/`cdf`/`pdf` calls also count their
/// inner `mul`/`div`s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCounts {
    /// Fixed-point multiplies.
    pub mul: u64,
    /// Fixed-point divisions by a variable divisor.
    pub div: u64,
    /// Binary (Q44/Q60) multiplies in the d1, Φ, price, ln and exp kernels:
    /// no division.
    pub mul_shift: u64,
    /// `math::ln` calls.
    pub ln: u64,
    /// `math::exp` calls.
    pub exp: u64,
    /// Square roots (`math::sqrt_floor`, `math::isqrt_u128`).
    pub sqrt: u64,
    /// `math::norm_cdf` calls.
    pub cdf: u64,
    /// `math::norm_pdf` calls.
    pub pdf: u64,
}

#[cfg(feature = "op-count")]
mod counters {
    use super::{Op, OpCounts};
    use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

    static COUNTS: [AtomicU64; 8] = [
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
    ];

    #[inline]
    pub fn count(op: Op) {
        COUNTS[op as usize].fetch_add(1, Relaxed);
    }

    pub fn get() -> OpCounts {
        let g = |op: Op| COUNTS[op as usize].load(Relaxed);
        OpCounts {
            mul: g(Op::Mul),
            div: g(Op::Div),
            mul_shift: g(Op::MulShift),
            ln: g(Op::Ln),
            exp: g(Op::Exp),
            sqrt: g(Op::Sqrt),
            cdf: g(Op::Cdf),
            pdf: g(Op::Pdf),
        }
    }

    pub fn reset() {
        for c in COUNTS.iter() {
            c.store(0, Relaxed);
        }
    }
}

/// Record one operation (no-op without the `op-count` feature).
#[inline(always)]
pub(crate) fn count(_op: Op) {
    #[cfg(feature = "op-count")]
    counters::count(_op);
}

/// Operation counts since the last reset; all zero without `op-count`.
#[cfg(feature = "op-count")]
pub fn op_counts() -> OpCounts {
    counters::get()
}

/// Operation counts since the last reset; all zero without `op-count`.
#[cfg(not(feature = "op-count"))]
pub fn op_counts() -> OpCounts {
    OpCounts::default()
}

/// Reset the operation counters (no-op without `op-count`).
pub fn reset_op_counts() {
    #[cfg(feature = "op-count")]
    counters::reset();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: i128) -> FixedE12 {
        FixedE12(x)
    }

    #[test]
    fn div_scale_matches_plain_division() {
        let cases: [i128; 10] = [
            0,
            1,
            -1,
            SCALE - 1,
            SCALE,
            -SCALE - 1,
            123_456_789_012_345_678_901_234,
            -987_654_321_098_765_432_109_876_543,
            i128::MAX,
            i128::MIN + 1,
        ];
        for n in cases {
            assert_eq!(div_scale_floor(n), n.div_euclid(SCALE), "floor {n}");
            let ceil = -((-n).div_euclid(SCALE));
            assert_eq!(div_scale_ceil(n), ceil, "ceil {n}");
        }
        assert_eq!(div_scale_floor(i128::MIN), i128::MIN.div_euclid(SCALE));
    }

    #[test]
    fn udiv_scale_matches_plain_division() {
        // xorshift over all magnitudes, plus both sides of the 2^100 switch
        // and exact multiples of the scale.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut cases = [0u128; 4_000];
        for (k, c) in cases.iter_mut().enumerate() {
            let wide = (u128::from(next()) << 64) | u128::from(next());
            *c = match k % 4 {
                0 => wide >> (k % 128),
                1 => (1u128 << 100) - 1 - u128::from(next() % 1_000_000),
                2 => (1u128 << 100) + u128::from(next() % 1_000_000),
                _ => u128::from(next() >> 4) * SCALE as u128,
            };
        }
        for n in cases {
            let (q, exact) = udiv_scale(n);
            assert_eq!(q, n / SCALE as u128, "{n}");
            assert_eq!(exact, n % SCALE as u128 == 0, "{n}");
        }
        assert_eq!(
            mul_floor_u64(u64::MAX, u64::MAX),
            (u128::from(u64::MAX) * u128::from(u64::MAX)) / SCALE as u128
        );
    }

    #[test]
    fn div_raw_matches_num() {
        for n in [
            0i128,
            7,
            -7,
            6,
            -6,
            i128::MAX,
            i128::MIN + 1,
            123_456_789_012_345,
        ] {
            for d in [
                1i128,
                2,
                -2,
                3,
                -3,
                1_000_000_007,
                -98_765_432_109_876_543_210,
            ] {
                assert_eq!(div_raw(n, d, false), crate::num::div_floor(n, d), "{n}/{d}");
                assert_eq!(div_raw(n, d, true), crate::num::div_ceil(n, d), "{n}/{d}");
            }
        }
        assert_eq!(div_raw(1, 0, false), Err(RiskError::DivisionByZero));
        assert_eq!(div_raw(i128::MIN, -1, false), Err(RiskError::MathOverflow));
    }

    #[test]
    fn udivrem_small_matches() {
        let d = 244_140_625u64;
        for n in [
            0u128,
            1,
            u128::MAX,
            1 << 100,
            98_765_432_123_456_789_987_654_321,
        ] {
            let (q, r) = udivrem_small(n, d);
            assert_eq!(q, n / u128::from(d));
            assert_eq!(u128::from(r), n % u128::from(d));
        }
    }

    #[test]
    fn mul_rounding_directions() {
        // 1.5e-12 · 0.5 = 0.75e-12
        let a = f(3);
        let b = f(SCALE / 2);
        assert_eq!(a.mul_floor(b), Ok(f(1)));
        assert_eq!(a.mul_ceil(b), Ok(f(2)));
        assert_eq!(a.checked_neg().unwrap().mul_floor(b), Ok(f(-2)));
        assert_eq!(a.checked_neg().unwrap().mul_ceil(b), Ok(f(-1)));
        assert_eq!(
            FixedE12::from_int(3).div_floor(FixedE12::from_int(2)),
            Ok(f(1_500_000_000_000))
        );
        assert_eq!(
            FixedE12::ONE.div_floor(FixedE12::from_int(3)),
            Ok(f(333_333_333_333))
        );
        assert_eq!(
            FixedE12::ONE.div_ceil(FixedE12::from_int(3)),
            Ok(f(333_333_333_334))
        );
        assert_eq!(
            FixedE12::ONE.div_floor(FixedE12::ZERO),
            Err(RiskError::DivisionByZero)
        );
    }

    #[test]
    fn wide_multiply() {
        // 1e13 · 1e13 = 1e26: the raw product 1e50 overflows i128.
        let a = FixedE12::from_int(10_000_000_000_000);
        let p = a.mul_floor(a).unwrap();
        assert_eq!(p, f(100_000_000_000_000_000_000_000_000 * SCALE));
        // Rounding in the wide path: (1e13 + 1e-12) · 3e13 (raw odd remainder).
        let b = f(10_000_000_000_000 * SCALE + 1);
        let c = FixedE12::from_int(10_000_000_000_000);
        let exact = (100_000_000_000_000_000_000_000_000 + 10) * SCALE;
        assert_eq!(b.mul_floor(c), Ok(f(exact)));
        let c2 = f(10_000_000_000_000 * SCALE + 1);
        let fl = b.mul_floor(c2).unwrap().0;
        let ce = b.mul_ceil(c2).unwrap().0;
        assert_eq!(ce, fl + 1);
        let nf = b.checked_neg().unwrap().mul_floor(c2).unwrap().0;
        assert_eq!(nf, -ce);
        assert_eq!(
            f(i128::MAX).mul_floor(f(i128::MAX)),
            Err(RiskError::MathOverflow)
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(FixedE12::from_e6(1_500_000), f(1_500_000_000_000));
        assert_eq!(FixedE12::from_bps(-2_000), f(-200_000_000_000));
        assert_eq!(f(1_500_000_000_001).to_e6_floor(), Ok(1_500_000));
        assert_eq!(f(1_500_000_000_001).to_e6_ceil(), Ok(1_500_001));
        assert_eq!(f(-1).to_e6_floor(), Ok(-1));
        assert_eq!(f(-1).to_u64_e12(), Err(RiskError::MathOverflow));
        assert_eq!(f(-200_000_000_001).to_bps_floor(), Ok(-2_001));
    }
}
