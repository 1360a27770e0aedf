//! 64×64→128-bit products and 128÷64-bit quotients built from 64-bit
//! operations, for the targets where 128-bit arithmetic is emulated.
//!
//! SBF (and upstream BPF) has 64-bit multiply and unsigned divide
//! instructions (one compute unit each) but no high-half multiply: an
//! `i128`/`u128` multiply, division or variable shift is a call into a
//! software routine costing tens to hundreds of units, and with overflow
//! checks on (the release profile) even a plain `u64 * u64` is checked
//! through a 128-bit product. On those targets ([`EMULATED_WIDE`]) the
//! helpers below compute the same exact results from four 32×32→64
//! products, native 64-bit division and explicit carries; elsewhere they
//! are the one native instruction. Every helper is exact, so every target
//! returns the same bits (the unit tests compare both forms).

/// 128-bit multiply/divide are software routines on this target (SBF/BPF),
/// so the helpers take their 64-bit-only form.
// `target_arch = "sbf"` / `target_os = "solana"` (Solana platform-tools) are
// not in rustc's list of known values.
#[allow(unexpected_cfgs)]
pub(crate) const EMULATED_WIDE: bool = cfg!(any(
    target_arch = "bpf",
    target_arch = "sbf",
    target_os = "solana"
));

const LO32: u64 = 0xffff_ffff;

/// `(high, low)` 64-bit words of the exact product `a · b`, from four
/// 32×32→64 products (each exact in `u64`) and explicit carries.
#[inline(always)]
pub(crate) const fn umul_parts_emulated(a: u64, b: u64) -> (u64, u64) {
    let (a0, a1) = (a & LO32, a >> 32);
    let (b0, b1) = (b & LO32, b >> 32);
    // Each partial product is below 2^64; none of the sums below can wrap:
    // mid < 3 · 2^32, and hi is the high word of a product below 2^128.
    let p00 = a0.wrapping_mul(b0);
    let p01 = a0.wrapping_mul(b1);
    let p10 = a1.wrapping_mul(b0);
    let p11 = a1.wrapping_mul(b1);
    let mid = (p00 >> 32)
        .wrapping_add(p01 & LO32)
        .wrapping_add(p10 & LO32);
    let lo = (mid << 32) | (p00 & LO32);
    let hi = p11
        .wrapping_add(p01 >> 32)
        .wrapping_add(p10 >> 32)
        .wrapping_add(mid >> 32);
    (hi, lo)
}

/// `(high, low)` words of the exact unsigned product `a · b`.
#[inline(always)]
pub(crate) fn umul_parts(a: u64, b: u64) -> (u64, u64) {
    if EMULATED_WIDE {
        umul_parts_emulated(a, b)
    } else {
        let p = u128::from(a).wrapping_mul(u128::from(b));
        ((p >> 64) as u64, p as u64)
    }
}

/// `(high, low)` words of the exact signed product `a · b` (two's
/// complement: the value is `high · 2^64 + low`, `high` signed).
#[inline(always)]
pub(crate) fn imul_parts(a: i64, b: i64) -> (i64, u64) {
    if EMULATED_WIDE {
        imul_parts_emulated(a, b)
    } else {
        let p = i128::from(a).wrapping_mul(i128::from(b));
        ((p >> 64) as i64, p as u64)
    }
}

/// [`imul_parts`] from the unsigned product: the signed high word is the
/// unsigned one minus `b` when `a < 0` and minus `a` when `b < 0` (mod 2^64).
#[inline(always)]
pub(crate) const fn imul_parts_emulated(a: i64, b: i64) -> (i64, u64) {
    let (hi, lo) = umul_parts_emulated(a as u64, b as u64);
    let hi = hi
        .wrapping_sub(((a >> 63) as u64) & (b as u64))
        .wrapping_sub(((b >> 63) as u64) & (a as u64));
    (hi as i64, lo)
}

/// The exact 128-bit product of two `u64`.
#[inline(always)]
pub(crate) fn mul_u64_wide(a: u64, b: u64) -> u128 {
    if EMULATED_WIDE {
        mul_u64_wide_emulated(a, b)
    } else {
        u128::from(a).wrapping_mul(u128::from(b))
    }
}

/// [`mul_u64_wide`] from 64-bit operations.
#[inline(always)]
pub(crate) const fn mul_u64_wide_emulated(a: u64, b: u64) -> u128 {
    let (hi, lo) = umul_parts_emulated(a, b);
    ((hi as u128) << 64) | lo as u128
}

/// The exact 128-bit product of two `i64`.
#[inline(always)]
pub(crate) fn mul_i64_wide(a: i64, b: i64) -> i128 {
    if EMULATED_WIDE {
        mul_i64_wide_emulated(a, b)
    } else {
        i128::from(a).wrapping_mul(i128::from(b))
    }
}

/// [`mul_i64_wide`] from 64-bit operations.
#[inline(always)]
pub(crate) fn mul_i64_wide_emulated(a: i64, b: i64) -> i128 {
    let small = |x: i64| (x as i32 as i64) == x;
    // Both within ±2^31: the product is a native 64-bit multiply.
    if small(a) && small(b) {
        return i128::from(a.wrapping_mul(b));
    }
    // One within ±2^31 (a fee rate, a ratio): two 64-bit products.
    if small(b) {
        return mul_i64_by_i32(a, b);
    }
    if small(a) {
        return mul_i64_by_i32(b, a);
    }
    let (hi, lo) = imul_parts_emulated(a, b);
    (i128::from(hi) << 64) | i128::from(lo)
}

/// `a · b` for `|b| ≤ 2^31`: with `a = a1·2^32 + a0` (`a0 < 2^32`),
/// `a1·b` and `a0·b` are below 2^63 in magnitude, and
/// `a·b = a1·b·2^32 + a0·b` exactly.
#[inline(always)]
fn mul_i64_by_i32(a: i64, b: i64) -> i128 {
    let (a1, a0) = (a >> 32, (a as u64 & LO32) as i64);
    (i128::from(a1.wrapping_mul(b)) << 32) + i128::from(a0.wrapping_mul(b))
}

/// `⌊a · b / 2^60⌋` for `|a|, |b| ≤ 2^61` whose quotient fits `i64`: the
/// same value as `((a as i128 * b as i128) >> 60) as i64`.
///
/// On SBF from the signed 32-bit halves `a = a1·2^32 + a0`, `b = b1·2^32 +
/// b0` (`a0, b0 < 2^32`, `|a1|, |b1| ≤ 2^29`): with `M = a1·b0 + a0·b1`
/// (`|M| < 2^62`) and `L = a0·b0`, `a·b = a1·b1·2^64 + M·2^32 + L`, and
/// `⌊a·b / 2^60⌋ = 16·a1·b1 + ⌊(M + ⌊L/2^32⌋) / 2^28⌋` (the low 32 bits of
/// `L` never carry past 2^32): four 64-bit products, no carry chain.
#[inline(always)]
pub(crate) fn mul_q60_bounded(a: i64, b: i64) -> i64 {
    debug_assert!(a.unsigned_abs() <= 1 << 61 && b.unsigned_abs() <= 1 << 61);
    if EMULATED_WIDE {
        mul_q60_bounded_emulated(a, b)
    } else {
        (i128::from(a).wrapping_mul(i128::from(b)) >> 60) as i64
    }
}

/// [`mul_q60_bounded`] from 64-bit operations.
#[inline(always)]
pub(crate) const fn mul_q60_bounded_emulated(a: i64, b: i64) -> i64 {
    let (a1, a0) = (a >> 32, (a as u64 & LO32) as i64);
    let (b1, b0) = (b >> 32, (b as u64 & LO32) as i64);
    // |a1·b0|, |a0·b1| < 2^61 and a0·b0 < 2^64 (unsigned): no product wraps.
    let m = a1.wrapping_mul(b0).wrapping_add(a0.wrapping_mul(b1));
    let l = (a0 as u64).wrapping_mul(b0 as u64);
    let t = m.wrapping_add((l >> 32) as i64);
    (a1.wrapping_mul(b1) << 4).wrapping_add(t >> 28)
}

/// Bits `[s, s + 64)` of the unsigned product `a · b`, i.e.
/// `((a as u128 * b as u128) >> s) as u64`, for `0 < s < 64`.
#[inline(always)]
pub(crate) fn mul_shr_u64(a: u64, b: u64, s: u32) -> u64 {
    debug_assert!(s > 0 && s < 64);
    if EMULATED_WIDE {
        mul_shr_u64_emulated(a, b, s)
    } else {
        (u128::from(a).wrapping_mul(u128::from(b)) >> s) as u64
    }
}

/// [`mul_shr_u64`] from 64-bit operations.
#[inline(always)]
pub(crate) const fn mul_shr_u64_emulated(a: u64, b: u64, s: u32) -> u64 {
    let (hi, lo) = umul_parts_emulated(a, b);
    (hi << (64 - s)) | (lo >> s)
}

/// Bits `[s, s + 64)` of the product of a signed `a` and an unsigned `b`,
/// i.e. `((a as i128 * b as i128) >> s) as i64`, for `0 < s < 64`.
#[inline(always)]
pub(crate) fn mul_shr_i64_u64(a: i64, b: u64, s: u32) -> i64 {
    debug_assert!(s > 0 && s < 64);
    if EMULATED_WIDE {
        mul_shr_i64_u64_emulated(a, b, s)
    } else {
        (i128::from(a).wrapping_mul(i128::from(b)) >> s) as i64
    }
}

/// [`mul_shr_i64_u64`] from 64-bit operations.
#[inline(always)]
pub(crate) const fn mul_shr_i64_u64_emulated(a: i64, b: u64, s: u32) -> i64 {
    let (hi, lo) = umul_parts_emulated(a as u64, b);
    // Signed high word: minus b when a < 0 (b is unsigned).
    let hi = hi.wrapping_sub(((a >> 63) as u64) & b);
    ((hi << (64 - s)) | (lo >> s)) as i64
}

/// `((hi · 2^64 + lo) >> s)` for `s < 128`, without a variable 128-bit
/// shift (a software routine on SBF).
#[inline(always)]
pub(crate) fn shr_parts(hi: u64, lo: u64, s: u32) -> u128 {
    debug_assert!(s < 128);
    if s >= 64 {
        u128::from(hi >> (s - 64))
    } else if s == 0 {
        (u128::from(hi) << 64) | u128::from(lo)
    } else {
        (u128::from(hi >> s) << 64) | u128::from((hi << (64 - s)) | (lo >> s))
    }
}

/// Number of leading zero bits of a `u64` (64 for 0) from shifts and
/// compares (SBF has no count-leading-zeros instruction).
#[inline(always)]
pub(crate) fn leading_zeros_u64(x: u64) -> u32 {
    if EMULATED_WIDE {
        leading_zeros_u64_emulated(x)
    } else {
        x.leading_zeros()
    }
}

/// [`leading_zeros_u64`] by a binary search of shifts.
#[inline(always)]
pub(crate) const fn leading_zeros_u64_emulated(x: u64) -> u32 {
    if x == 0 {
        return 64;
    }
    let mut n = 0;
    let mut x = x;
    if x >> 32 == 0 {
        n += 32;
        x <<= 32;
    }
    if x >> 48 == 0 {
        n += 16;
        x <<= 16;
    }
    if x >> 56 == 0 {
        n += 8;
        x <<= 8;
    }
    if x >> 60 == 0 {
        n += 4;
        x <<= 4;
    }
    if x >> 62 == 0 {
        n += 2;
        x <<= 2;
    }
    if x >> 63 == 0 {
        n += 1;
    }
    n
}

/// `(u1 · 2^64 + u0) / v` and the remainder, for `u1 < v` (so the quotient
/// fits 64 bits): Knuth's algorithm D on 32-bit digits with a normalised
/// divisor (Hacker's Delight, `divlu`), native 64-bit divisions only.
#[inline]
pub(crate) fn divlu_emulated(u1: u64, u0: u64, v: u64) -> (u64, u64) {
    debug_assert!(u1 < v);
    const B: u64 = 1 << 32;
    let s = leading_zeros_u64_emulated(v);
    let v = v << s;
    let (vn1, vn0) = (v >> 32, v & LO32);
    // u1 < v, so u1 · 2^s fits; for s == 0 no bit of u0 moves up.
    let un32 = if s == 0 {
        u1
    } else {
        (u1 << s) | (u0 >> (64 - s))
    };
    let un10 = u0 << s;
    let (un1, un0) = (un10 >> 32, un10 & LO32);
    // vn1 ≥ 2^31 (normalised), so every estimate below is at most 2 too big;
    // each product and sum in the tests is below 2^64 (rhat < B there).
    let mut q1 = un32 / vn1;
    let mut rhat = un32 - q1.wrapping_mul(vn1);
    while q1 >= B || q1.wrapping_mul(vn0) > (rhat << 32) | un1 {
        q1 -= 1;
        rhat += vn1;
        if rhat >= B {
            break;
        }
    }
    // The true value of un21 is below v · 2^32 ≤ 2^96 … but it is the
    // remainder of the first digit step, below v: the wrapping form is exact.
    let un21 = (un32 << 32)
        .wrapping_add(un1)
        .wrapping_sub(q1.wrapping_mul(v));
    let mut q0 = un21 / vn1;
    let mut rhat = un21 - q0.wrapping_mul(vn1);
    while q0 >= B || q0.wrapping_mul(vn0) > (rhat << 32) | un0 {
        q0 -= 1;
        rhat += vn1;
        if rhat >= B {
            break;
        }
    }
    let r = (un21 << 32)
        .wrapping_add(un0)
        .wrapping_sub(q0.wrapping_mul(v))
        >> s;
    ((q1 << 32) | q0, r)
}

/// `n / d` and `n % d` for a divisor `0 < d < 2^64`.
#[inline]
pub(crate) fn udivrem_u128_u64(n: u128, d: u64) -> (u128, u64) {
    debug_assert!(d != 0);
    if !EMULATED_WIDE {
        let d = u128::from(d);
        return (n / d, (n % d) as u64);
    }
    udivrem_u128_u64_emulated(n, d)
}

/// [`udivrem_u128_u64`] from native 64-bit divisions.
#[inline]
pub(crate) fn udivrem_u128_u64_emulated(n: u128, d: u64) -> (u128, u64) {
    let (hi, lo) = ((n >> 64) as u64, n as u64);
    if hi == 0 {
        return (u128::from(lo / d), lo % d);
    }
    let (q1, r1) = (hi / d, hi % d);
    let (q0, r) = divlu_emulated(r1, lo, d);
    ((u128::from(q1) << 64) | u128::from(q0), r)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        /// A value of random bit length (so small and edge magnitudes occur).
        fn any(&mut self) -> u64 {
            let v = self.next();
            match self.next() % 8 {
                0 => u64::MAX - (v % 4),
                1 => v % 4,
                2 => 1u64 << (v % 64),
                3 => (1u64 << (v % 64)).wrapping_sub(1),
                _ => v >> (self.next() % 64),
            }
        }
    }

    #[test]
    fn emulated_products_match_native() {
        let mut r = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..300_000 {
            let (a, b) = (r.any(), r.any());
            let p = u128::from(a) * u128::from(b);
            assert_eq!(
                umul_parts_emulated(a, b),
                ((p >> 64) as u64, p as u64),
                "{a} {b}"
            );
            assert_eq!(umul_parts(a, b), ((p >> 64) as u64, p as u64));
            assert_eq!(mul_u64_wide_emulated(a, b), p);
            assert_eq!(mul_u64_wide(a, b), p);
            let (sa, sb) = (a as i64, b as i64);
            let q = i128::from(sa) * i128::from(sb);
            assert_eq!(
                imul_parts_emulated(sa, sb),
                ((q >> 64) as i64, q as u64),
                "{sa} {sb}"
            );
            assert_eq!(imul_parts(sa, sb), ((q >> 64) as i64, q as u64));
            assert_eq!(mul_i64_wide_emulated(sa, sb), q, "{sa} {sb}");
            assert_eq!(mul_i64_wide(sa, sb), q);
            // One small factor (the two-product path of mul_i64_wide).
            let small = (sb as i32) as i64;
            let q2 = i128::from(sa) * i128::from(small);
            assert_eq!(mul_i64_wide_emulated(sa, small), q2);
            assert_eq!(mul_i64_wide_emulated(small, sa), q2);
            let m = i128::from(sa) * i128::from(b);
            for s in [1, 4, 39, 40, 43, 44, 56, 60, 63] {
                assert_eq!(mul_shr_u64_emulated(a, b, s), (p >> s) as u64);
                assert_eq!(mul_shr_u64(a, b, s), (p >> s) as u64);
                assert_eq!(mul_shr_i64_u64_emulated(sa, b, s), (m >> s) as i64);
                assert_eq!(mul_shr_i64_u64(sa, b, s), (m >> s) as i64);
            }
            let s = (r.next() % 128) as u32;
            assert_eq!(shr_parts((p >> 64) as u64, p as u64, s), p >> s);
            // Within ±2^61 (the documented domain of mul_q60_bounded).
            let (ba, bb) = (sa >> 2, sb >> (2 + r.next() % 62));
            let want = ((i128::from(ba) * i128::from(bb)) >> 60) as i64;
            assert_eq!(mul_q60_bounded_emulated(ba, bb), want, "{ba} {bb}");
            assert_eq!(mul_q60_bounded(ba, bb), want);
        }
        // The extremes of mul_q60_bounded's domain.
        for a in [
            1i64 << 61,
            -(1 << 61),
            (1 << 61) - 1,
            -(1 << 61) + 1,
            0,
            1,
            -1,
        ] {
            for b in [
                1i64 << 61,
                -(1 << 61),
                (1 << 61) - 1,
                3,
                -3,
                (1 << 32) - 1,
                -(1 << 32),
            ] {
                let want = ((i128::from(a) * i128::from(b)) >> 60) as i64;
                assert_eq!(mul_q60_bounded_emulated(a, b), want, "{a} {b}");
            }
        }
    }

    #[test]
    fn emulated_leading_zeros() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..100_000 {
            let x = r.any();
            assert_eq!(leading_zeros_u64_emulated(x), x.leading_zeros(), "{x}");
        }
        for k in 0..64 {
            let x = 1u64 << k;
            assert_eq!(leading_zeros_u64_emulated(x), x.leading_zeros());
            assert_eq!(leading_zeros_u64_emulated(x - 1), (x - 1).leading_zeros());
        }
    }

    #[test]
    fn emulated_division_matches_native() {
        let mut r = Rng(0x1234_5678_9abc_def1);
        for _ in 0..200_000 {
            let n = (u128::from(r.any()) << 64) | u128::from(r.any());
            let n = n >> (r.next() % 128);
            let d = r.any().max(1);
            let (q, rem) = udivrem_u128_u64_emulated(n, d);
            assert_eq!(q, n / u128::from(d), "{n} / {d}");
            assert_eq!(u128::from(rem), n % u128::from(d), "{n} % {d}");
            assert_eq!(udivrem_u128_u64(n, d), (q, rem));
        }
        // Worst cases of the digit estimates.
        for (n, d) in [
            (u128::MAX, u64::MAX),
            (u128::MAX, 1),
            (u128::MAX, 1 << 63),
            ((1u128 << 127) - 1, (1 << 63) + 1),
            (u128::from(u64::MAX) << 64, u64::MAX),
            (
                (u128::from(u64::MAX - 1) << 64) | u128::from(u64::MAX),
                u64::MAX,
            ),
        ] {
            let (q, rem) = udivrem_u128_u64_emulated(n, d);
            assert_eq!((q, u128::from(rem)), (n / u128::from(d), n % u128::from(d)));
        }
    }
}
