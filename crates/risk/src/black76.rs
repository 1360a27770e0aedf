//! European option price and Greeks on a spot underlying with a risk-free
//! rate: Black-76 on the forward `F = S·e^{rT}`, discounted at `e^{−rT}`,
//! which is Black–Scholes without carry:
//!
//! ```text
//! d1 = (ln(S/K) + rT)/v + v/2,   d2 = d1 − v,   v = σ√T
//! call = S·Φ(d1) − K e^{−rT} Φ(d2),   put = K e^{−rT} Φ(−d2) − S·Φ(−d1)
//! ```
//!
//! All quantities are per ONE unit of underlying, in [`FixedE12`]. Time is
//! measured in seconds and converted with a 365-day year
//! ([`SECONDS_PER_YEAR`]).
//!
//! Accuracy (`tests/accuracy.rs`, grid K/S 0.25–4, T 1 h–2 y, σ 5–300%,
//! r −5..+20%): price within `1e-6 · S` (measured ~7e-12 · S), delta within
//! 1e-6 (measured ~4e-10), `S·Γ` and `vega/S` within relative 1e-4 or
//! absolute 1e-9 (measured ~1e-6 and ~2e-6 relative).
//!
//! The computation is organised in three layers so that `series` can share
//! them across its scenario grid: [`TimeTerms`] (once per series: √T, e^{−rT},
//! ln K), [`VolTerms`] (once per volatility: v, 1/v) and the per-spot
//! evaluation (two Φ and a few multiplies). The per-spot evaluation runs in
//! binary fixed point: d1, d2 in Q44 (2^-44 resolution), Φ in Q60, and the
//! price as one floor of the exact difference of its two 128-bit legs, so
//! its only e12 rounding is the final one.

use crate::error::{RiskError, RiskResult};
use crate::fixed::{count, div_scale_floor, mul_u64_wide, udivrem_small, FixedE12, Op, SCALE};
use crate::math::{cdf_q60, exp, isqrt_u128, ln, norm_pdf, Q60_ONE};
use crate::wide::{imul_parts, mul_i64_wide, mul_shr_u64};

/// unit: seconds. Length of the year used to annualise time (365 days).
pub const SECONDS_PER_YEAR: i64 = 31_536_000;
/// unit: seconds. Longest supported time to expiry: 2 years plus one day of slack.
pub const MAX_TIME_TO_EXPIRY_SECS: i64 = 2 * SECONDS_PER_YEAR + 86_400;
/// precision: e6. Lowest supported volatility (1%).
pub const MIN_VOL_E6: u32 = 10_000;
/// precision: e6. Highest supported volatility (500%).
pub const MAX_VOL_E6: u32 = 5_000_000;
/// precision: e6, annualised continuously compounded. Lowest supported rate (−20%).
pub const MIN_RATE_E6: i64 = -200_000;
/// precision: e6, annualised continuously compounded. Highest supported rate (+50%).
pub const MAX_RATE_E6: i64 = 500_000;
/// Q44. |d1|, |d2| are clamped to 40; Φ is already exactly 0/1 beyond 8.5.
const D_CLAMP_Q44: i64 = 40 << 44;
/// Bound applied to `num/v` (Q44) before adding v/2: far beyond ±40, inside `i64`.
const RATIO_CLAMP: i128 = 1 << 52;
/// `d1_q44 = num_raw · inv_v_q83 >> INV_V_SHIFT`.
const INV_V_SHIFT: u32 = 39;
/// 2^83: numerator of [`VolTerms::inv_v_q83`].
const INV_V_NUM: u128 = 1 << 83;
/// Spot and discounted strike accepted by the Q60 price legs: below 2^68 raw
/// (2.9e8 USD, above any shocked `u64` spot), so a leg `x · Φ_q60 < 2^128`.
const LEG_MAX: u128 = 1 << 68;

/// Inputs of one option evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionInputs {
    /// Call (true) or put (false).
    pub is_call: bool,
    /// precision: e12 USD per whole underlying unit. Must be > 0.
    pub spot_e12: u64,
    /// precision: e12 USD per whole underlying unit. Must be > 0.
    pub strike_e12: u64,
    /// precision: e6 (1.0 == 1_000_000 == 100%). Must lie in 1%..=500%.
    pub vol_e6: u32,
    /// precision: e6, annualised continuously compounded. Must lie in −20%..=+50%.
    pub rate_e6: i64,
    /// unit: seconds. ≤ 0 means at/after expiry (intrinsic value);
    /// at most [`MAX_TIME_TO_EXPIRY_SECS`].
    pub time_to_expiry_secs: i64,
}

/// Price and Greeks per ONE unit of underlying (long position).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Greeks {
    /// precision: e12 USD per underlying unit. Never negative.
    pub price: FixedE12,
    /// precision: e12, dimensionless dV/dS (call 0..1, put −1..0).
    pub delta: FixedE12,
    /// precision: e12 per USD: d²V/dS².
    pub gamma: FixedE12,
    /// precision: e12, dimensionless `S·Γ` (= dΔ/d ln S). Better resolved than
    /// `gamma` for large spots; `series` derives its cash gamma from it.
    pub gamma_spot: FixedE12,
    /// precision: e12 USD per 1.00 of volatility (σ + 100 points): dV/dσ.
    pub vega: FixedE12,
    /// precision: e12 USD per year of elapsed time: dV/dt (usually negative).
    pub theta: FixedE12,
}

/// Check the inputs' domains, returning the exact reason on failure.
pub fn validate(inputs: &OptionInputs) -> RiskResult<()> {
    if inputs.spot_e12 == 0 || inputs.strike_e12 == 0 {
        return Err(RiskError::NonPositivePrice);
    }
    validate_market(inputs.vol_e6, inputs.rate_e6, inputs.time_to_expiry_secs)
}

/// Domain checks of volatility, rate and time shared with `series`.
pub(crate) fn validate_market(vol_e6: u32, rate_e6: i64, secs: i64) -> RiskResult<()> {
    if !(MIN_VOL_E6..=MAX_VOL_E6).contains(&vol_e6) {
        return Err(RiskError::VolatilityOutOfRange);
    }
    if !(MIN_RATE_E6..=MAX_RATE_E6).contains(&rate_e6) {
        return Err(RiskError::RateOutOfRange);
    }
    if secs > MAX_TIME_TO_EXPIRY_SECS {
        return Err(RiskError::TimeOutOfRange);
    }
    Ok(())
}

/// Option price per unit of underlying (no Greeks: two Φ, no φ).
pub fn price(inputs: &OptionInputs) -> RiskResult<FixedE12> {
    validate(inputs)?;
    let spot = FixedE12::from_u64_e12(inputs.spot_e12);
    let strike = FixedE12::from_u64_e12(inputs.strike_e12);
    if inputs.time_to_expiry_secs <= 0 {
        return intrinsic(inputs.is_call, spot, strike);
    }
    let time = TimeTerms::new(strike, inputs.rate_e6, inputs.time_to_expiry_secs)?;
    let vol = VolTerms::new(&time, inputs.vol_e6)?;
    let eval = Evaluation::new(&time, &vol, spot, ln(spot)?)?;
    eval.price(inputs.is_call, &time)
}

/// Option price and Greeks per unit of underlying.
///
/// At/after expiry (`time_to_expiry_secs ≤ 0`) the price is the intrinsic
/// value, delta is ±1 in the money and 0 otherwise (0 exactly at the
/// strike), and gamma, vega and theta are 0.
pub fn price_and_greeks(inputs: &OptionInputs) -> RiskResult<Greeks> {
    validate(inputs)?;
    let spot = FixedE12::from_u64_e12(inputs.spot_e12);
    let strike = FixedE12::from_u64_e12(inputs.strike_e12);
    if inputs.time_to_expiry_secs <= 0 {
        return expired_greeks(inputs.is_call, spot, strike);
    }
    let time = TimeTerms::new(strike, inputs.rate_e6, inputs.time_to_expiry_secs)?;
    let vol = VolTerms::new(&time, inputs.vol_e6)?;
    let eval = Evaluation::new(&time, &vol, spot, ln(spot)?)?;
    eval.greeks(inputs.is_call, &time, &vol)
}

/// Intrinsic value `max(S − K, 0)` (call) or `max(K − S, 0)` (put), exact.
pub fn intrinsic(is_call: bool, spot: FixedE12, strike: FixedE12) -> RiskResult<FixedE12> {
    let diff = if is_call {
        spot.checked_sub(strike)?
    } else {
        strike.checked_sub(spot)?
    };
    Ok(diff.max(FixedE12::ZERO))
}

/// Greeks of an expired option: intrinsic price, delta ±1/0, the rest 0.
pub fn expired_greeks(is_call: bool, spot: FixedE12, strike: FixedE12) -> RiskResult<Greeks> {
    let price = intrinsic(is_call, spot, strike)?;
    let delta = match (is_call, spot.cmp(&strike)) {
        (true, core::cmp::Ordering::Greater) => FixedE12::ONE,
        (false, core::cmp::Ordering::Less) => FixedE12(-SCALE),
        _ => FixedE12::ZERO,
    };
    Ok(Greeks {
        price,
        delta,
        ..Greeks::default()
    })
}

/// Per-series terms that depend on strike, rate and time only.
#[derive(Clone, Copy, Debug)]
pub struct TimeTerms {
    /// precision: e12 years. T = seconds / [`SECONDS_PER_YEAR`], floor.
    pub t_years: FixedE12,
    /// precision: e12. √T, floor, computed from seconds directly so 1-second
    /// expiries keep full relative precision.
    pub sqrt_t: FixedE12,
    /// precision: e12, annualised. r.
    pub rate: FixedE12,
    /// precision: e12. r·T.
    pub rate_t: FixedE12,
    /// precision: e12 USD per underlying unit. K.
    pub strike: FixedE12,
    /// precision: e12 USD per underlying unit. K·e^{−rT}.
    pub strike_disc: FixedE12,
    /// precision: e12. ln K (K in USD).
    pub ln_strike: FixedE12,
}

impl TimeTerms {
    /// Requires `0 < secs ≤ MAX_TIME_TO_EXPIRY_SECS` and a rate in band
    /// (`TimeOutOfRange` / `RateOutOfRange` otherwise).
    pub fn new(strike: FixedE12, rate_e6: i64, secs: i64) -> RiskResult<Self> {
        if secs <= 0 || secs > MAX_TIME_TO_EXPIRY_SECS {
            return Err(RiskError::TimeOutOfRange);
        }
        if !(MIN_RATE_E6..=MAX_RATE_E6).contains(&rate_e6) {
            return Err(RiskError::RateOutOfRange);
        }
        // 0 < secs ≤ 6.4e7, so secs·1e24 < 6.4e31 fits (as the 64×64
        // product (secs·10^6)·10^18); divisions by the constant year
        // (< 2^32) need no generic 128-bit division.
        let secs = secs as u64;
        let year = SECONDS_PER_YEAR as u64;
        let (t_years, _) = udivrem_small(mul_u64_wide(secs, SCALE as u64), year);
        let t_years = FixedE12(t_years as i128);
        // The quotient is ≥ 3e16. secs·10^6 < 2^46: the wrapping product is exact.
        let secs_e24 = mul_u64_wide(secs.wrapping_mul(1_000_000), 1_000_000_000_000_000_000);
        let (t_e24, _) = udivrem_small(secs_e24, year);
        let sqrt_t = FixedE12(isqrt_u128(t_e24) as i128);
        let rate = FixedE12::from_e6(rate_e6);
        let rate_t = rate.mul_floor(t_years)?;
        let strike_disc = strike.mul_floor(exp(rate_t.checked_neg()?)?)?;
        Ok(Self {
            t_years,
            sqrt_t,
            rate,
            rate_t,
            strike,
            strike_disc,
            ln_strike: ln(strike)?,
        })
    }
}

/// Per-volatility terms.
#[derive(Clone, Copy, Debug)]
pub struct VolTerms {
    /// precision: e12. σ.
    pub sigma: FixedE12,
    /// precision: e12. Total volatility v = σ√T, floor (> 0).
    pub v: FixedE12,
    /// precision: e12. 1/v, rounded down (from `inv_v_q83`: ≤ 2e-12 below).
    pub inv_v: FixedE12,
    /// `floor(2^83 / v_raw)` (< 2^63 since v ≥ 1.7e-6): the binary
    /// reciprocal of v, so that d1 in Q44 (44 fraction bits) is
    /// `num_raw · inv_v_q83 >> 39`, a multiply and a shift, no division.
    pub inv_v_q83: i64,
    /// Q44. v, floor.
    pub v_q44: i64,
}

impl VolTerms {
    /// `vol_e6` must lie in 1%..=500% (`VolatilityOutOfRange` otherwise).
    pub fn new(time: &TimeTerms, vol_e6: u32) -> RiskResult<Self> {
        if !(MIN_VOL_E6..=MAX_VOL_E6).contains(&vol_e6) {
            return Err(RiskError::VolatilityOutOfRange);
        }
        let sigma = FixedE12::from_e6(i64::from(vol_e6));
        let v = sigma.mul_floor(time.sqrt_t)?;
        count(Op::Div);
        let v_raw = u128::try_from(v.0).map_err(|_| RiskError::MathOverflow)?;
        let inv_q = inv_q83(v_raw)?;
        let inv_v_q83 = i64::try_from(inv_q).map_err(|_| RiskError::MathOverflow)?;
        // 1/v at e12 = inv_q · 10^24 / 2^83, in two steps that both round
        // down (each product below 2^103): ≤ 1/v and within 2e-12 of it.
        let t = mul_shr_u64(inv_v_q83 as u64, SCALE as u64, 40);
        let inv_v = FixedE12(i128::from(mul_shr_u64(t, SCALE as u64, 43)));
        // v < 7.2e12 raw (σ ≤ 5, T ≤ 2.01 y): v · 2^44 < 2^87, quotient < 2^47.
        let v_q44 = div_scale_floor(v.0 << 44) as i64;
        Ok(Self {
            sigma,
            v,
            inv_v,
            inv_v_q83,
            v_q44,
        })
    }
}

/// `⌊2^83 / v⌋` (`DivisionByZero` for v = 0). For `v < 2^43` (every valid
/// volatility: v ≤ 5 · √2.01 · 10^12 < 7.1e12) as two native 64-bit
/// division steps, `2^83 = 2^62 · 2^21`: `⌊2^83/v⌋ = ⌊2^62/v⌋·2^21 +
/// ⌊(2^62 mod v)·2^21 / v⌋`, where the remainder times 2^21 stays below 2^64.
#[inline]
fn inv_q83(v: u128) -> RiskResult<u128> {
    if v != 0 && v >> 43 == 0 {
        let v = v as u64;
        let (q0, r0) = ((1u64 << 62) / v, (1u64 << 62) % v);
        let q1 = (r0 << 21) / v;
        return Ok((u128::from(q0) << 21) | u128::from(q1));
    }
    INV_V_NUM.checked_div(v).ok_or(RiskError::DivisionByZero)
}

/// One evaluation at a spot: d1, d2 and their Φ.
#[derive(Clone, Copy, Debug)]
pub struct Evaluation {
    /// precision: e12 USD per underlying unit. S.
    pub spot: FixedE12,
    /// precision: e12. d1 (clamped to ±40).
    pub d1: FixedE12,
    /// precision: e12. Φ(d1), `n1_q60` rounded down.
    pub n1: FixedE12,
    /// precision: e12. Φ(d2), `n2_q60` rounded down.
    pub n2: FixedE12,
    /// Q60 (1.0 = 2^60). Φ(d1), as used by the price.
    pub n1_q60: i64,
    /// Q60 (1.0 = 2^60). Φ(d2), as used by the price.
    pub n2_q60: i64,
}

/// precision: e12. `ln S − ln K + rT`, the numerator of d1, shared by every
/// volatility at one spot (|value| < 2^47: fits `i64`).
#[inline(always)]
pub(crate) fn d1_numerator(time: &TimeTerms, ln_spot: FixedE12) -> RiskResult<i64> {
    // Each term fits i64 (|ln| < 90, |rT| < 1.1); the sum is checked in i64.
    let narrow = |x: FixedE12| i64::try_from(x.0).map_err(|_| RiskError::MathOverflow);
    narrow(ln_spot)?
        .checked_sub(narrow(time.ln_strike)?)
        .and_then(|n| n.checked_add(time.rate_t.0 as i64))
        .ok_or(RiskError::MathOverflow)
}

/// d1 and d2 in Q44 (44 fraction bits, clamped to ±40) from the numerator
/// `num` of [`d1_numerator`]: `d1 = floor(num/v) + floor(v/2)`, `d2 = d1 − v`
/// (num/v through the binary reciprocal `inv_v_q83`: resolution 2^-44,
/// relative error of 1/v below 2^-40).
#[inline(always)]
fn d1_d2_q44(vol: &VolTerms, num: i64) -> (i64, i64) {
    count(Op::MulShift);
    // Exact 64×64→128 product (high word h, low word l); the arithmetic
    // shift rounds towards −∞: ratio = h · 2^25 + ⌊l / 2^39⌋, whose
    // magnitude reaches 2^52 exactly when h leaves [−2^27, 2^27).
    let (h, l) = imul_parts(num, vol.inv_v_q83);
    // Clamping the ratio to ±2^52 first changes no clamped result (v < 2^47).
    const CLAMP: i64 = RATIO_CLAMP as i64;
    let ratio = if h >= 1 << 27 {
        CLAMP
    } else if h < -(1 << 27) {
        -CLAMP
    } else {
        // |h · 2^25| ≤ 2^52 and the low bits are free: exact.
        ((h << (64 - INV_V_SHIFT)) | (l >> INV_V_SHIFT) as i64).clamp(-CLAMP, CLAMP)
    };
    let v = vol.v_q44;
    // |ratio| ≤ 2^52 and 0 < v < 2^47: plain wrapping sums.
    let d1 = ratio.wrapping_add(v >> 1);
    let d2 = d1.wrapping_sub(v);
    (
        d1.clamp(-D_CLAMP_Q44, D_CLAMP_Q44),
        d2.clamp(-D_CLAMP_Q44, D_CLAMP_Q44),
    )
}

/// Price per unit of underlying from Φ(d1), Φ(d2) in Q60, rounded down once
/// and floored at zero: call `S·Φ(d1) − K'·Φ(d2)`, put `K'·(1 − Φ(d2)) −
/// S·(1 − Φ(d1))` (K' = K e^{−rT}). Both legs are exact 128-bit products, so
/// the only rounding is the final floor (down, like every stored scenario
/// value). Spot and K' must be below 2^68 raw (`MathOverflow` otherwise).
#[inline(always)]
fn price_q60(
    is_call: bool,
    spot: FixedE12,
    strike_disc: FixedE12,
    n1_q60: i64,
    n2_q60: i64,
) -> RiskResult<FixedE12> {
    let s = u128::try_from(spot.0).map_err(|_| RiskError::MathOverflow)?;
    let kd = u128::try_from(strike_disc.0).map_err(|_| RiskError::MathOverflow)?;
    if s >= LEG_MAX || kd >= LEG_MAX {
        return Err(RiskError::MathOverflow);
    }
    // Φ ∈ [0, 2^60], so 1 − Φ is exact and non-negative too.
    let (m1, m2) = if is_call {
        (n1_q60, n2_q60)
    } else {
        (Q60_ONE.wrapping_sub(n2_q60), Q60_ONE.wrapping_sub(n1_q60))
    };
    count(Op::MulShift);
    count(Op::MulShift);
    // Legs < 2^68 · 2^60: exact in u128 (wrapping never wraps); for spot and
    // K' below 2^64 (every real price) each is one 64×64 product.
    let leg = |x: u128, m: i64| {
        if x >> 64 == 0 {
            mul_u64_wide(x as u64, m as u64)
        } else {
            x.wrapping_mul(m as u128)
        }
    };
    let (long_leg, short_leg) = if is_call {
        (leg(s, m1), leg(kd, m2))
    } else {
        (leg(kd, m1), leg(s, m2))
    };
    Ok(FixedE12(if long_leg > short_leg {
        // < 2^68: fits i128.
        (long_leg.wrapping_sub(short_leg) >> 60) as i128
    } else {
        0
    }))
}

/// Price per unit of underlying at one scenario (the `series` hot path):
/// the same arithmetic as `Evaluation::new(..).price(..)`, to the unit,
/// without the e12 copies of Φ.
#[inline(always)]
pub(crate) fn scenario_price(
    is_call: bool,
    time: &TimeTerms,
    vol: &VolTerms,
    spot: FixedE12,
    num: i64,
) -> RiskResult<FixedE12> {
    let (d1, d2) = d1_d2_q44(vol, num);
    price_q60(is_call, spot, time.strike_disc, cdf_q60(d1), cdf_q60(d2))
}

/// Q60 → e12, rounded down; `q ∈ [0, 2^60]` (the product is below 2^100).
#[inline(always)]
fn q60_to_e12_floor(q: i64) -> FixedE12 {
    FixedE12((mul_u64_wide(q as u64, SCALE as u64) >> 60) as i128)
}

impl Evaluation {
    /// `ln_spot` is ln S (USD), passed in so callers can share it.
    #[inline]
    pub fn new(
        time: &TimeTerms,
        vol: &VolTerms,
        spot: FixedE12,
        ln_spot: FixedE12,
    ) -> RiskResult<Self> {
        let (d1, d2) = d1_d2_q44(vol, d1_numerator(time, ln_spot)?);
        let n1_q60 = cdf_q60(d1);
        let n2_q60 = cdf_q60(d2);
        Ok(Self {
            spot,
            // Q44 → e12, floor: |d1| ≤ 40 · 2^44, so the product is below 2^90.
            d1: FixedE12(mul_i64_wide(d1, SCALE as i64) >> 44),
            n1: q60_to_e12_floor(n1_q60),
            n2: q60_to_e12_floor(n2_q60),
            n1_q60,
            n2_q60,
        })
    }

    /// Price per unit of underlying, floored at zero: the exact difference
    /// of the two legs (see `price_q60`), rounded down once.
    #[inline]
    pub fn price(&self, is_call: bool, time: &TimeTerms) -> RiskResult<FixedE12> {
        price_q60(
            is_call,
            self.spot,
            time.strike_disc,
            self.n1_q60,
            self.n2_q60,
        )
    }

    /// Price and Greeks (adds one φ and a handful of multiplies).
    pub fn greeks(&self, is_call: bool, time: &TimeTerms, vol: &VolTerms) -> RiskResult<Greeks> {
        let price = self.price(is_call, time)?;
        let pdf1 = norm_pdf(self.d1)?;
        let gamma_spot = pdf1.mul_floor(vol.inv_v)?;
        let gamma = gamma_spot.div_floor(self.spot)?;
        let s_pdf = self.spot.mul_floor(pdf1)?;
        let vega = s_pdf.mul_floor(time.sqrt_t)?;
        // −S φ(d1) σ / (2√T) = −S φ(d1) σ² / (2v): uses 1/v, precise for tiny T.
        let sig2_inv = vol.sigma.mul_floor(vol.sigma)?.mul_floor(vol.inv_v)?;
        let decay = s_pdf.mul_floor(sig2_inv)?.half_floor();
        let (delta, carry) = if is_call {
            let carry = time.rate.mul_floor(time.strike_disc.mul_floor(self.n2)?)?;
            (self.n1, carry.checked_neg()?)
        } else {
            let n2m = FixedE12::ONE.checked_sub(self.n2)?;
            let carry = time.rate.mul_floor(time.strike_disc.mul_floor(n2m)?)?;
            (self.n1.checked_sub(FixedE12::ONE)?, carry)
        };
        let theta = carry.checked_sub(decay)?;
        Ok(Greeks {
            price,
            delta,
            gamma,
            gamma_spot,
            vega,
            theta,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USD: u64 = 1_000_000_000_000;

    fn inputs(is_call: bool, spot: u64, strike: u64, vol_e6: u32, secs: i64) -> OptionInputs {
        OptionInputs {
            is_call,
            spot_e12: spot * USD,
            strike_e12: strike * USD,
            vol_e6,
            rate_e6: 50_000,
            time_to_expiry_secs: secs,
        }
    }

    #[test]
    fn invalid_inputs_return_exact_errors() {
        let ok = inputs(true, 100, 100, 500_000, 86_400);
        assert!(price_and_greeks(&ok).is_ok());
        let e = |i: OptionInputs| price_and_greeks(&i).unwrap_err();
        assert_eq!(
            e(OptionInputs { spot_e12: 0, ..ok }),
            RiskError::NonPositivePrice
        );
        assert_eq!(
            e(OptionInputs {
                strike_e12: 0,
                ..ok
            }),
            RiskError::NonPositivePrice
        );
        assert_eq!(
            e(OptionInputs {
                vol_e6: 9_999,
                ..ok
            }),
            RiskError::VolatilityOutOfRange
        );
        assert_eq!(
            e(OptionInputs {
                vol_e6: 5_000_001,
                ..ok
            }),
            RiskError::VolatilityOutOfRange
        );
        assert_eq!(
            e(OptionInputs {
                rate_e6: -200_001,
                ..ok
            }),
            RiskError::RateOutOfRange
        );
        assert_eq!(
            e(OptionInputs {
                rate_e6: 500_001,
                ..ok
            }),
            RiskError::RateOutOfRange
        );
        let late = OptionInputs {
            time_to_expiry_secs: MAX_TIME_TO_EXPIRY_SECS + 1,
            ..ok
        };
        assert_eq!(e(late), RiskError::TimeOutOfRange);
        assert_eq!(price(&late), Err(RiskError::TimeOutOfRange));
        // Bounds themselves are accepted.
        for i in [
            OptionInputs {
                vol_e6: MIN_VOL_E6,
                ..ok
            },
            OptionInputs {
                vol_e6: MAX_VOL_E6,
                ..ok
            },
            OptionInputs {
                rate_e6: MIN_RATE_E6,
                ..ok
            },
            OptionInputs {
                rate_e6: MAX_RATE_E6,
                ..ok
            },
            OptionInputs {
                time_to_expiry_secs: MAX_TIME_TO_EXPIRY_SECS,
                ..ok
            },
        ] {
            assert!(price_and_greeks(&i).is_ok(), "{i:?}");
        }
    }

    #[test]
    fn expiry_returns_intrinsic() {
        for secs in [0, -1, -86_400] {
            let c = price_and_greeks(&inputs(true, 110, 100, 500_000, secs)).unwrap();
            assert_eq!(c.price, FixedE12::from_int(10));
            assert_eq!(c.delta, FixedE12::ONE);
            assert_eq!(
                (c.gamma, c.vega, c.theta),
                (FixedE12::ZERO, FixedE12::ZERO, FixedE12::ZERO)
            );
            let p = price_and_greeks(&inputs(false, 110, 100, 500_000, secs)).unwrap();
            assert_eq!(p.price, FixedE12::ZERO);
            assert_eq!(p.delta, FixedE12::ZERO);
            let p = price_and_greeks(&inputs(false, 90, 100, 500_000, secs)).unwrap();
            assert_eq!(p.price, FixedE12::from_int(10));
            assert_eq!(p.delta, FixedE12(-SCALE));
            let atm = price_and_greeks(&inputs(true, 100, 100, 500_000, secs)).unwrap();
            assert_eq!((atm.price, atm.delta), (FixedE12::ZERO, FixedE12::ZERO));
        }
    }

    #[test]
    fn extremes_never_panic() {
        let spots: [u64; 5] = [1, 1_000_000_000, USD, 50_000 * USD, u64::MAX];
        let moneyness_e2: [u64; 7] = [1, 10, 50, 100, 200, 1_000, 10_000];
        for secs in [1, 60, 3_600, 86_400, SECONDS_PER_YEAR, 2 * SECONDS_PER_YEAR] {
            for vol in [MIN_VOL_E6, 50_000, 1_000_000, MAX_VOL_E6] {
                for rate in [MIN_RATE_E6, 0, MAX_RATE_E6] {
                    for spot in spots {
                        for m in moneyness_e2 {
                            let strike = ((u128::from(spot) * u128::from(m)) / 100)
                                .clamp(1, u64::MAX.into());
                            for is_call in [true, false] {
                                let i = OptionInputs {
                                    is_call,
                                    spot_e12: spot,
                                    strike_e12: strike as u64,
                                    vol_e6: vol,
                                    rate_e6: rate,
                                    time_to_expiry_secs: secs,
                                };
                                let g = price_and_greeks(&i);
                                assert!(g.is_ok(), "{i:?}: {g:?}");
                                let g = g.unwrap();
                                assert!(g.price.0 >= 0);
                                assert!(g.delta.0.abs() <= SCALE);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn put_call_parity_within_rounding() {
        for (spot, strike) in [(100, 100), (100, 25), (100, 400), (30_000, 31_000)] {
            for secs in [3_600, 86_400 * 30, SECONDS_PER_YEAR, 2 * SECONDS_PER_YEAR] {
                let c = price(&inputs(true, spot, strike, 800_000, secs)).unwrap();
                let p = price(&inputs(false, spot, strike, 800_000, secs)).unwrap();
                let t = TimeTerms::new(FixedE12::from_int(strike as i64), 50_000, secs).unwrap();
                let parity = FixedE12::from_int(spot as i64).0 - t.strike_disc.0;
                // Both sides share Φ(d1), Φ(d2) and 1 − Φ is exact in Q60: only the
                // two final floors differ.
                assert!(
                    (c.0 - p.0 - parity).abs() <= 4,
                    "{spot} {strike} {secs}: {}",
                    c.0 - p.0 - parity
                );
            }
        }
    }

    #[test]
    fn atm_sanity() {
        // S = K = 100, σ = 20%, r = 5%, T = 1y: call ≈ 10.4506, put ≈ 5.5735.
        let call = price(&inputs(true, 100, 100, 200_000, SECONDS_PER_YEAR)).unwrap();
        assert!((call.0 - 10_450_583_572_185).abs() < 1_000, "{}", call.0);
        let put = price(&inputs(false, 100, 100, 200_000, SECONDS_PER_YEAR)).unwrap();
        assert!((put.0 - 5_573_526_022_256).abs() < 1_000, "{}", put.0);
    }
}
