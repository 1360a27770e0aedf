//! Per-series repricing over the scenario grid: [`series_risk`] fills the
//! stored [`SeriesRisk`] of one option series from the oracle spot and
//! volatility, and [`settled_series_risk`] fills it for an expired series
//! from its settlement price.
//!
//! ## Cost
//!
//! Everything that does not depend on the scenario is hoisted: ln K, √T,
//! e^{−rT} and K·e^{−rT} once per series ([`TimeTerms`]); σ'√T, its binary
//! reciprocal and v in Q44 once per volatility shock ([`VolTerms`]); the
//! shocked spot, its logarithm and the d1 numerator `ln S' − ln K + rT` once
//! per spot shock. Each of the 9 × 3 scenarios then runs in binary fixed
//! point: d1 and d2 in Q44 from one 64×64→128 multiply and a shift, two Φ
//! whose table index and offset are bit operations followed by 7 Q60
//! multiplies each, the two price legs as exact 128-bit products with a
//! single final shift (rounded down once), and one e12 multiply for the
//! per-contract conversion (kept separate so a scenario value equals
//! `black76::price` × contract size to the unit). No variable division and
//! no 256-bit fallback on the scenario path.
//!
//! Measured with `--features op-count` on the default grid (`benches/series.rs`),
//! one refresh performs: 47 e12 multiplies, 543 Q60 multiplies (d1, Φ,
//! price legs, ln, exp), 4 variable divisions, 10 `ln`, 2 `exp`, 1 integer
//! square root, 54 Φ and 1 φ. One `black76::price_and_greeks` performs 13
//! e12 multiplies, 43 Q60 multiplies, 2 divisions, 2 ln, 2 exp, 1 square
//! root, 2 Φ and 1 φ.
//!
//! On SBF the arithmetic is 64-bit only (`crate::wide`): the VM has 64-bit
//! multiply and unsigned divide instructions (1 CU each) but no high-half
//! multiply, so every `i128` multiply, division or variable shift, and with
//! overflow checks on even a plain `u64`/`i64` multiply, is a call into a
//! software routine of 35–300 CU. A Q60 multiply is four 32×32 products
//! (≈ 17 CU); 64×64→128 products (d1, the price legs) take four products and
//! a carry chain; divisions by the scale are three native `udiv64` steps;
//! 2^83 / v is two native steps; the square root is Newton's method in
//! `u64`; additions that cannot overflow are plain wrapping ones. Measured
//! in the SBPF v0 VM (solana-sbpf 0.13.1, upstream-LLVM build, the
//! project's `sbf-cu` kit) on the `benches/series.rs` inputs:
//!
//! | part                                     | CU      |
//! |------------------------------------------|---------|
//! | one refresh (`series_risk`)              | ≈ 30.3k |
//! | per non-reference scenario (d1, 2 Φ, price, per contract) | ≈ 610 |
//! | `ln` (×10 per refresh)                   | ≈ 360   |
//! | `TimeTerms::new` (√T, e^{−rT}, ln K)     | ≈ 1.4k  |
//! | `VolTerms::new` (×3)                     | ≈ 360   |
//! | reference scenario with the Greeks       | ≈ 2.5k  |
//!
//! (was ≈ 75k before the 64-bit forms, when a Φ alone took ≈ 740 CU).
//!
//! Natively (x86-64, `cargo bench --bench series`) a refresh takes ≈ 1.4–2 µs,
//! ≈ 2.3–3× the floating-point twin of the same algorithm (was ≈ 4.1 µs, 6.7×);
//! there the native 128-bit forms are kept (same results).
//! The nine logarithms are computed in a loop of their own, ahead of the
//! scenarios, so that their latency-bound series overlap.

use crate::black76::{
    d1_numerator, expired_greeks, intrinsic, scenario_price, validate_market, Evaluation, Greeks,
    TimeTerms, VolTerms, MAX_VOL_E6, MIN_VOL_E6,
};
use crate::error::{RiskError, RiskResult};
use crate::fixed::{div_small_floor, mul_floor_u64, mul_u64_wide, FixedE12};
use crate::math::ln;
use crate::num::to_i64;
use crate::types::{ScenarioGrid, SeriesRisk, MAX_SCENARIOS, MAX_SPOT_SHOCKS, MAX_VOL_SHOCKS};
use crate::wide::mul_i64_wide;

/// `SeriesRisk::flags` bit: computed from a settlement price (expired, intrinsic only).
pub const FLAG_SETTLED: u32 = 1;
/// unit: bps. Largest accepted shock (+1000%), which keeps shocked values bounded.
pub const MAX_SHOCK_BPS: i32 = 100_000;
/// unit: bps. 1.0 in basis points.
const BPS: i128 = crate::types::BPS as i128;
/// [`BPS`] as the constant divisor of `div_small_floor`.
const BPS_U64: u64 = crate::types::BPS;

/// The static terms of one option series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesParams {
    /// Call (true) or put (false).
    pub is_call: bool,
    /// precision: e12 USD per whole underlying unit. Must be > 0.
    pub strike_e12: u64,
    /// unit: unix seconds. Expiry (European exercise at this instant).
    pub expiry_ts: i64,
    /// precision: e6 whole underlying units per contract. Must be > 0.
    pub contract_size_e6: u64,
    /// unit: bps of spot notional per contract. MM floor charged to each short contract.
    pub short_floor_mm_bps: u16,
    /// unit: bps of spot notional per contract. IM floor (must be ≥ the MM floor).
    pub short_floor_im_bps: u16,
}

/// Market data a refresh is computed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketInputs {
    /// precision: e12 USD per whole underlying unit. Must be > 0.
    pub spot_e12: u64,
    /// precision: e6 (1.0 == 100%). Must lie in 1%..=500%.
    pub vol_e6: u32,
    /// precision: e6, annualised continuously compounded. Must lie in −20%..=+50%.
    pub rate_e6: i64,
    /// unit: unix seconds. Time the inputs are valid at (oracle publish time).
    pub now_ts: i64,
}

impl ScenarioGrid {
    /// The protocol default: spot −20..+20% in 5% steps, volatility −30%, 0,
    /// +30% (relative), maintenance margin over the ±15% spot scenarios.
    pub fn default_grid() -> Self {
        Self {
            spot_shocks_bps: [-2_000, -1_500, -1_000, -500, 0, 500, 1_000, 1_500, 2_000],
            vol_shocks_bps: [-3_000, 0, 3_000],
            mm_spot_range_bps: 1_500,
            spot_count: 9,
            vol_count: 3,
            _padding: [0; 2],
        }
    }

    /// Check counts (1..=9 spot, 1..=3 vol), strictly ascending used shocks
    /// containing 0, every shock in (−100%, +1000%]: `InvalidScenarioGrid` otherwise.
    pub fn validate(&self) -> RiskResult<()> {
        let spot = self.used_spot_shocks()?;
        let vol = self.used_vol_shocks()?;
        if valid_shocks(spot) && valid_shocks(vol) {
            Ok(())
        } else {
            Err(RiskError::InvalidScenarioGrid)
        }
    }

    /// The used spot shocks (unit: bps), or `InvalidScenarioGrid` for a bad count.
    pub fn used_spot_shocks(&self) -> RiskResult<&[i32]> {
        let n = usize::from(self.spot_count);
        if n == 0 || n > MAX_SPOT_SHOCKS {
            return Err(RiskError::InvalidScenarioGrid);
        }
        Ok(&self.spot_shocks_bps[..n])
    }

    /// The used volatility shocks (unit: bps), or `InvalidScenarioGrid` for a bad count.
    pub fn used_vol_shocks(&self) -> RiskResult<&[i32]> {
        let n = usize::from(self.vol_count);
        if n == 0 || n > MAX_VOL_SHOCKS {
            return Err(RiskError::InvalidScenarioGrid);
        }
        Ok(&self.vol_shocks_bps[..n])
    }

    /// Index of scenario `(spot_i, vol_j)` in the scenario vectors.
    pub const fn scenario_index(spot_i: usize, vol_j: usize) -> usize {
        spot_i * MAX_VOL_SHOCKS + vol_j
    }
}

/// Strictly ascending, contains 0, each in (−10_000, MAX_SHOCK_BPS].
fn valid_shocks(shocks: &[i32]) -> bool {
    // One pass: each in range and above its predecessor, and a zero seen.
    let (mut ok, mut zero) = (true, false);
    let mut prev = i32::MIN;
    for (k, &s) in shocks.iter().enumerate() {
        ok &= s > -10_000 && s <= MAX_SHOCK_BPS && (k == 0 || prev < s);
        zero |= s == 0;
        prev = s;
    }
    ok && zero
}

/// Position of the zero shock (the grid is validated, so it exists).
fn zero_index(shocks: &[i32]) -> RiskResult<usize> {
    shocks
        .iter()
        .position(|&s| s == 0)
        .ok_or(RiskError::InvalidScenarioGrid)
}

/// precision: e12. `spot · (1 + shock_bps/10^4)`, floor; fails if it reaches 0.
fn shocked_spot_floor(spot: FixedE12, shock_bps: i32) -> RiskResult<FixedE12> {
    // A constant divisor: a few multiplies instead of a 128-bit division.
    let factor = BPS + i128::from(shock_bps);
    let product = match (u64::try_from(spot.0), u64::try_from(factor)) {
        // Both non-negative and below 2^64: one 64×64 product, never saturated.
        (Ok(s), Ok(f)) => mul_u64_wide(s, f) as i128,
        _ => spot.0.saturating_mul(factor),
    };
    let v = div_small_floor(product, BPS_U64);
    if v <= 0 {
        return Err(RiskError::NonPositivePrice);
    }
    Ok(FixedE12(v))
}

/// precision: e6. `vol · (1 + shock_bps/10^4)`, floor, clamped into 1%..=500%.
pub fn shocked_vol_e6(vol_e6: u32, shock_bps: i32) -> u32 {
    // i128: cannot overflow for any u32 × i32 input. Floor by a constant
    // divisor (no 128-bit division); it differs from truncation only for
    // negative values, which clamp to the minimum either way.
    let v = div_small_floor(
        mul_i64_wide(i64::from(vol_e6), 10_000 + i64::from(shock_bps)),
        BPS_U64,
    );
    v.clamp(i128::from(MIN_VOL_E6), i128::from(MAX_VOL_E6)) as u32
}

/// Check the series' static terms.
fn validate_series(series: &SeriesParams) -> RiskResult<()> {
    if series.strike_e12 == 0 || series.contract_size_e6 == 0 {
        return Err(RiskError::NonPositivePrice);
    }
    if series.short_floor_im_bps < series.short_floor_mm_bps {
        return Err(RiskError::InvalidInput);
    }
    Ok(())
}

/// unit: quote native per contract. `value_e12 · contract_size`, floor.
#[inline(always)]
fn per_contract_floor(value: FixedE12, contract_size_e6: u64) -> RiskResult<i64> {
    match u64::try_from(value.0) {
        // Non-negative and below 2^64 (every live price in practice): the
        // unsigned product and division by the scale only, same result.
        Ok(v) => to_i64(mul_floor_u64(v, contract_size_e6) as i128),
        Err(_) => to_i64(value.mul_floor(FixedE12(i128::from(contract_size_e6)))?.0),
    }
}

/// Reprice one series over the grid at the given market and fill its [`SeriesRisk`].
///
/// Values are per contract, in quote native units (1e-6 USD), rounded down.
/// Scenario `(i, j)` uses spot `S·(1 + spot_shocks_bps[i]/10^4)` and
/// volatility `σ·(1 + vol_shocks_bps[j]/10^4)` clamped into 1%..=500%;
/// unused indices are 0. At or after expiry (`now_ts ≥ expiry_ts`) every
/// scenario is the intrinsic value at its shocked spot and the Greeks are
/// those of [`expired_greeks`]. Deterministic to the unit.
///
/// Errors: `InvalidScenarioGrid`, `NonPositivePrice` (spot, strike or
/// contract size 0), `InvalidInput` (IM floor below MM floor),
/// `VolatilityOutOfRange`, `RateOutOfRange`, `TimeOutOfRange`, `MathOverflow`.
pub fn series_risk(
    series: &SeriesParams,
    grid: &ScenarioGrid,
    market: &MarketInputs,
) -> RiskResult<SeriesRisk> {
    grid.validate()?;
    validate_series(series)?;
    if market.spot_e12 == 0 {
        return Err(RiskError::NonPositivePrice);
    }
    let secs = series
        .expiry_ts
        .checked_sub(market.now_ts)
        .ok_or(RiskError::TimeOutOfRange)?;
    validate_market(market.vol_e6, market.rate_e6, secs)?;

    let spot = FixedE12::from_u64_e12(market.spot_e12);
    let strike = FixedE12::from_u64_e12(series.strike_e12);
    let (values, greeks) = if secs <= 0 {
        expired_scenarios(series, grid, spot, strike)?
    } else {
        live_scenarios(series, grid, market, spot, strike, secs)?
    };
    let mark = values[ScenarioGrid::scenario_index(
        zero_index(grid.used_spot_shocks()?)?,
        zero_index(grid.used_vol_shocks()?)?,
    )];
    let (floor_mm, floor_im) = short_floors_ceil(series, spot)?;
    let cs = series.contract_size_e6;
    Ok(SeriesRisk {
        spot_ref_e12: market.spot_e12,
        computed_at_ts: market.now_ts,
        mark_native: mark,
        scenario_values_native: values,
        delta_e9: to_i64(
            greeks
                .delta
                .mul_floor(FixedE12(mul_u64_wide(cs, 1_000) as i128))?
                .0,
        )?,
        gamma_e9: to_i64(
            greeks
                .gamma_spot
                .mul_floor(FixedE12(mul_u64_wide(cs, 10) as i128))?
                .0,
        )?,
        vega_native: to_i64(div_small_floor(
            greeks.vega.mul_floor(FixedE12(i128::from(cs)))?.0,
            100,
        ))?,
        theta_native: to_i64(div_small_floor(
            greeks.theta.mul_floor(FixedE12(i128::from(cs)))?.0,
            365,
        ))?,
        short_floor_mm_native: floor_mm,
        short_floor_im_native: floor_im,
        vol_ref_e6: market.vol_e6,
        flags: 0,
    })
}

/// Scenario values and reference Greeks of a live (unexpired) series.
fn live_scenarios(
    series: &SeriesParams,
    grid: &ScenarioGrid,
    market: &MarketInputs,
    spot: FixedE12,
    strike: FixedE12,
    secs: i64,
) -> RiskResult<([i64; MAX_SCENARIOS], Greeks)> {
    let spot_shocks = grid.used_spot_shocks()?;
    let vol_shocks = grid.used_vol_shocks()?;
    let time = TimeTerms::new(strike, market.rate_e6, secs)?;
    let base_vol = VolTerms::new(&time, market.vol_e6)?;
    let mut vols = [base_vol; MAX_VOL_SHOCKS];
    for (slot, &shock) in vols.iter_mut().zip(vol_shocks) {
        if shock != 0 {
            *slot = VolTerms::new(&time, shocked_vol_e6(market.vol_e6, shock))?;
        }
    }
    // Per spot shock: S', ln S' and the d1 numerator. Computed in a loop of
    // their own so the (latency-bound, independent) logarithms overlap.
    let mut spots = [(FixedE12::ZERO, FixedE12::ZERO, 0i64); MAX_SPOT_SHOCKS];
    for (slot, &spot_shock) in spots.iter_mut().zip(spot_shocks) {
        let s = shocked_spot_floor(spot, spot_shock)?;
        let ln_s = ln(s)?;
        *slot = (s, ln_s, d1_numerator(&time, ln_s)?);
    }
    let mut values = [0i64; MAX_SCENARIOS];
    let mut greeks = None;
    for (i, (&spot_shock, &(s, ln_s, num))) in spot_shocks.iter().zip(&spots).enumerate() {
        for (j, (vol, &vol_shock)) in vols.iter().zip(vol_shocks).enumerate() {
            let price = if spot_shock == 0 && vol_shock == 0 {
                // The reference scenario also yields the Greeks; its price is
                // the same arithmetic as `scenario_price`, to the unit.
                let eval = Evaluation::new(&time, vol, s, ln_s)?;
                greeks = Some(eval.greeks(series.is_call, &time, vol)?);
                eval.price(series.is_call, &time)?
            } else {
                scenario_price(series.is_call, &time, vol, s, num)?
            };
            values[ScenarioGrid::scenario_index(i, j)] =
                per_contract_floor(price, series.contract_size_e6)?;
        }
    }
    // The validated grid contains the (0, 0) scenario.
    let greeks = greeks.ok_or(RiskError::InvalidScenarioGrid)?;
    Ok((values, greeks))
}

/// Scenario values (intrinsic at each shocked spot) of an expired, unsettled series.
fn expired_scenarios(
    series: &SeriesParams,
    grid: &ScenarioGrid,
    spot: FixedE12,
    strike: FixedE12,
) -> RiskResult<([i64; MAX_SCENARIOS], Greeks)> {
    let vol_count = grid.used_vol_shocks()?.len();
    let mut values = [0i64; MAX_SCENARIOS];
    for (i, &shock) in grid.used_spot_shocks()?.iter().enumerate() {
        let s = shocked_spot_floor(spot, shock)?;
        let v = per_contract_floor(
            intrinsic(series.is_call, s, strike)?,
            series.contract_size_e6,
        )?;
        for j in 0..vol_count {
            values[ScenarioGrid::scenario_index(i, j)] = v;
        }
    }
    Ok((values, expired_greeks(series.is_call, spot, strike)?))
}

/// unit: quote native per contract. (MM, IM) short floors: bps of the spot
/// notional of one contract, rounded up (they are margin).
fn short_floors_ceil(series: &SeriesParams, spot: FixedE12) -> RiskResult<(i64, i64)> {
    let notional = spot
        .mul_ceil(FixedE12(i128::from(series.contract_size_e6)))?
        .0;
    let mm = bps_of_ceil(notional, series.short_floor_mm_bps)?;
    let im = bps_of_ceil(notional, series.short_floor_im_bps)?;
    Ok((to_i64(mm)?, to_i64(im)?))
}

/// `notional · bps / 10^4` rounded towards +∞ (the divisor is a constant).
fn bps_of_ceil(notional: i128, bps: u16) -> RiskResult<i128> {
    let p = match u64::try_from(notional) {
        // Non-negative and below 2^64: one 64×64 product, no overflow.
        Ok(n) => mul_u64_wide(n, u64::from(bps)) as i128,
        Err(_) => notional
            .checked_mul(i128::from(bps))
            .ok_or(RiskError::MathOverflow)?,
    };
    // ceil(p / d) = −floor(−p / d); |p| < 2^127, so the negations are in range.
    Ok(-div_small_floor(-p, BPS_U64))
}

/// Risk of an expired series at its settlement price: every scenario (all
/// [`MAX_SCENARIOS`] entries, independent of any grid) holds the intrinsic
/// value per contract (floor), `flags` = [`FLAG_SETTLED`], Greeks, short
/// floors and `vol_ref_e6` are 0: the liability is fixed and fully margined
/// by its value.
///
/// `settlement_price_e12`: precision e12 USD per underlying unit, > 0.
/// Errors: `NonPositivePrice`, `SeriesNotExpired` (`now_ts < expiry_ts`),
/// `MathOverflow`.
pub fn settled_series_risk(
    series: &SeriesParams,
    settlement_price_e12: u64,
    now_ts: i64,
) -> RiskResult<SeriesRisk> {
    validate_series(series)?;
    if settlement_price_e12 == 0 {
        return Err(RiskError::NonPositivePrice);
    }
    if now_ts < series.expiry_ts {
        return Err(RiskError::SeriesNotExpired);
    }
    let value = intrinsic(
        series.is_call,
        FixedE12::from_u64_e12(settlement_price_e12),
        FixedE12::from_u64_e12(series.strike_e12),
    )?;
    let value = per_contract_floor(value, series.contract_size_e6)?;
    Ok(SeriesRisk {
        spot_ref_e12: settlement_price_e12,
        computed_at_ts: now_ts,
        mark_native: value,
        scenario_values_native: [value; MAX_SCENARIOS],
        delta_e9: 0,
        gamma_e9: 0,
        vega_native: 0,
        theta_native: 0,
        short_floor_mm_native: 0,
        short_floor_im_native: 0,
        vol_ref_e6: 0,
        flags: FLAG_SETTLED,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::black76::{price_and_greeks, OptionInputs, SECONDS_PER_YEAR};

    const USD: u64 = 1_000_000_000_000;
    const NOW: i64 = 1_700_000_000;

    fn btc_call(strike_usd: u64, days: i64) -> SeriesParams {
        SeriesParams {
            is_call: true,
            strike_e12: strike_usd * USD,
            expiry_ts: NOW + days * 86_400,
            contract_size_e6: 100_000, // 0.1 BTC
            short_floor_mm_bps: 1_000,
            short_floor_im_bps: 1_500,
        }
    }

    fn market(spot_usd: u64) -> MarketInputs {
        MarketInputs {
            spot_e12: spot_usd * USD,
            vol_e6: 600_000,
            rate_e6: 40_000,
            now_ts: NOW,
        }
    }

    #[test]
    fn default_grid_is_valid() {
        let g = ScenarioGrid::default_grid();
        assert_eq!(g.validate(), Ok(()));
        assert_eq!(
            usize::from(g.spot_count) * usize::from(g.vol_count),
            MAX_SCENARIOS
        );
    }

    #[test]
    fn bad_grids_are_rejected() {
        let good = ScenarioGrid::default_grid();
        let mut unsorted = good;
        unsorted.spot_shocks_bps.swap(0, 1);
        let mut no_zero = good;
        no_zero.vol_shocks_bps[1] = 100;
        let mut dup = good;
        dup.spot_shocks_bps[5] = 0;
        let mut wipeout = good;
        wipeout.spot_shocks_bps[0] = -10_000;
        let mut huge = good;
        huge.spot_shocks_bps[8] = MAX_SHOCK_BPS + 1;
        let mut zero_count = good;
        zero_count.vol_count = 0;
        let mut too_many = good;
        too_many.spot_count = 10;
        for g in [unsorted, no_zero, dup, wipeout, huge, zero_count, too_many] {
            assert_eq!(g.validate(), Err(RiskError::InvalidScenarioGrid), "{g:?}");
            let r = series_risk(&btc_call(60_000, 30), &g, &market(60_000));
            assert_eq!(r, Err(RiskError::InvalidScenarioGrid));
        }
    }

    #[test]
    fn invalid_inputs_return_exact_errors() {
        let g = ScenarioGrid::default_grid();
        let s = btc_call(60_000, 30);
        let m = market(60_000);
        let e = |s: SeriesParams, m: MarketInputs| series_risk(&s, &g, &m).unwrap_err();
        assert_eq!(
            e(s, MarketInputs { spot_e12: 0, ..m }),
            RiskError::NonPositivePrice
        );
        assert_eq!(
            e(SeriesParams { strike_e12: 0, ..s }, m),
            RiskError::NonPositivePrice
        );
        assert_eq!(
            e(
                SeriesParams {
                    contract_size_e6: 0,
                    ..s
                },
                m
            ),
            RiskError::NonPositivePrice
        );
        assert_eq!(
            e(
                SeriesParams {
                    short_floor_im_bps: 999,
                    ..s
                },
                m
            ),
            RiskError::InvalidInput
        );
        assert_eq!(
            e(
                s,
                MarketInputs {
                    vol_e6: 5_000_001,
                    ..m
                }
            ),
            RiskError::VolatilityOutOfRange
        );
        assert_eq!(
            e(
                s,
                MarketInputs {
                    rate_e6: -300_000,
                    ..m
                }
            ),
            RiskError::RateOutOfRange
        );
        let far = SeriesParams {
            expiry_ts: NOW + 3 * SECONDS_PER_YEAR,
            ..s
        };
        assert_eq!(e(far, m), RiskError::TimeOutOfRange);
        let ancient = MarketInputs {
            now_ts: i64::MIN,
            ..m
        };
        assert_eq!(e(s, ancient), RiskError::TimeOutOfRange);
    }

    #[test]
    fn call_values_rise_with_spot_and_vol() {
        let g = ScenarioGrid::default_grid();
        for strike in [40_000, 60_000, 90_000] {
            for days in [1, 30, 365] {
                let r = series_risk(&btc_call(strike, days), &g, &market(60_000)).unwrap();
                let v = r.scenario_values_native;
                for i in 0..9 {
                    for j in 0..3 {
                        let k = ScenarioGrid::scenario_index(i, j);
                        if i > 0 {
                            assert!(
                                v[k] >= v[k - MAX_VOL_SHOCKS],
                                "spot {strike} {days} {i} {j}"
                            );
                        }
                        if j > 0 {
                            assert!(v[k] >= v[k - 1], "vol {strike} {days} {i} {j}");
                        }
                    }
                }
                let put = SeriesParams {
                    is_call: false,
                    ..btc_call(strike, days)
                };
                let p = series_risk(&put, &g, &market(60_000))
                    .unwrap()
                    .scenario_values_native;
                for i in 1..9 {
                    let k = ScenarioGrid::scenario_index(i, 1);
                    assert!(p[k] <= p[k - MAX_VOL_SHOCKS]);
                }
            }
        }
    }

    #[test]
    fn mark_and_greeks_match_the_pricer() {
        let g = ScenarioGrid::default_grid();
        let s = btc_call(62_000, 30);
        let m = market(60_000);
        let r = series_risk(&s, &g, &m).unwrap();
        let inputs = OptionInputs {
            is_call: true,
            spot_e12: m.spot_e12,
            strike_e12: s.strike_e12,
            vol_e6: m.vol_e6,
            rate_e6: m.rate_e6,
            time_to_expiry_secs: 30 * 86_400,
        };
        let greeks = price_and_greeks(&inputs).unwrap();
        // Same arithmetic, same result to the unit: price (USD e12) × 0.1 → native.
        let mark = greeks.price.mul_floor(FixedE12(100_000)).unwrap().0 as i64;
        assert_eq!(r.mark_native, mark);
        assert_eq!(
            r.scenario_values_native[ScenarioGrid::scenario_index(4, 1)],
            mark
        );
        assert_eq!(r.spot_ref_e12, m.spot_e12);
        assert_eq!(r.vol_ref_e6, m.vol_e6);
        assert_eq!((r.computed_at_ts, r.flags), (NOW, 0));
        // 0.1 BTC of a slightly OTM call: delta ≈ 0.047 BTC.
        assert!(
            (40_000_000..55_000_000).contains(&r.delta_e9),
            "{}",
            r.delta_e9
        );
        // Floors: 10% / 15% of 6,000 USD notional.
        assert_eq!(r.short_floor_mm_native, 600_000_000);
        assert_eq!(r.short_floor_im_native, 900_000_000);
        assert!(r.vega_native > 0 && r.theta_native < 0 && r.gamma_e9 > 0);
        // gamma_e9 ≈ delta change for a +1% spot move.
        let up = series_risk(
            &s,
            &g,
            &MarketInputs {
                spot_e12: m.spot_e12 / 100 * 101,
                ..m
            },
        )
        .unwrap();
        let d_delta = up.delta_e9 - r.delta_e9;
        assert!(
            (d_delta - r.gamma_e9).abs() * 20 < r.gamma_e9,
            "{d_delta} vs {}",
            r.gamma_e9
        );
        // Deterministic.
        assert_eq!(series_risk(&s, &g, &m), Ok(r));
    }

    #[test]
    fn unused_scenarios_are_zero() {
        let mut g = ScenarioGrid::default_grid();
        g.spot_shocks_bps = [-1_000, 0, 1_000, 0, 0, 0, 0, 0, 0];
        g.spot_count = 3;
        g.vol_shocks_bps = [0, 2_000, 0];
        g.vol_count = 2;
        let r = series_risk(&btc_call(50_000, 30), &g, &market(60_000)).unwrap();
        for i in 0..MAX_SPOT_SHOCKS {
            for j in 0..MAX_VOL_SHOCKS {
                let v = r.scenario_values_native[ScenarioGrid::scenario_index(i, j)];
                assert_eq!(v == 0, i >= 3 || j >= 2, "{i} {j}");
            }
        }
        assert_eq!(
            r.mark_native,
            r.scenario_values_native[ScenarioGrid::scenario_index(1, 0)]
        );
    }

    #[test]
    fn vol_shocks_clamp() {
        assert_eq!(shocked_vol_e6(10_000, -3_000), MIN_VOL_E6);
        assert_eq!(shocked_vol_e6(4_500_000, 3_000), MAX_VOL_E6);
        assert_eq!(shocked_vol_e6(600_000, 3_000), 780_000);
        assert_eq!(shocked_vol_e6(u32::MAX, i32::MAX), MAX_VOL_E6);
        assert_eq!(shocked_vol_e6(u32::MAX, i32::MIN), MIN_VOL_E6);
        let m = MarketInputs {
            vol_e6: MAX_VOL_E6,
            ..market(60_000)
        };
        let r = series_risk(&btc_call(60_000, 30), &ScenarioGrid::default_grid(), &m).unwrap();
        assert_eq!(r.scenario_values_native[13], r.scenario_values_native[14]);
    }

    #[test]
    fn expired_series_uses_intrinsic_per_scenario() {
        let g = ScenarioGrid::default_grid();
        let s = btc_call(60_000, 0);
        let r = series_risk(&s, &g, &market(60_000)).unwrap();
        // Spot +10% = 66,000: intrinsic 6,000 USD × 0.1 = 600 USD.
        assert_eq!(
            r.scenario_values_native[ScenarioGrid::scenario_index(6, 2)],
            600_000_000
        );
        assert_eq!(
            r.scenario_values_native[ScenarioGrid::scenario_index(3, 0)],
            0
        );
        assert_eq!(
            (r.mark_native, r.delta_e9, r.gamma_e9, r.vega_native),
            (0, 0, 0, 0)
        );
    }

    #[test]
    fn settled_series() {
        let s = btc_call(60_000, 0);
        let r = settled_series_risk(&s, 63_500 * USD, NOW + 10).unwrap();
        assert_eq!(r.scenario_values_native, [350_000_000; MAX_SCENARIOS]);
        assert_eq!(r.mark_native, 350_000_000);
        assert_eq!(r.flags, FLAG_SETTLED);
        assert_eq!(
            (r.delta_e9, r.gamma_e9, r.vega_native, r.theta_native),
            (0, 0, 0, 0)
        );
        assert_eq!(r.spot_ref_e12, 63_500 * USD);
        let put = SeriesParams {
            is_call: false,
            ..s
        };
        let p = settled_series_risk(&put, 63_500 * USD, NOW).unwrap();
        assert_eq!(p.scenario_values_native, [0; MAX_SCENARIOS]);
        assert_eq!(
            settled_series_risk(&s, 0, NOW),
            Err(RiskError::NonPositivePrice)
        );
        let live = btc_call(60_000, 1);
        assert_eq!(
            settled_series_risk(&live, USD, NOW),
            Err(RiskError::SeriesNotExpired)
        );
    }

    #[test]
    fn extreme_markets_never_panic() {
        let g = ScenarioGrid::default_grid();
        for spot in [1, 1_000_000, USD, 100_000 * USD, u64::MAX / 2] {
            for strike in [1, USD / 100, USD, 1_000_000 * USD] {
                for secs in [1, 3_600, 2 * SECONDS_PER_YEAR] {
                    for vol in [MIN_VOL_E6, MAX_VOL_E6] {
                        let s = SeriesParams {
                            strike_e12: strike,
                            expiry_ts: NOW + secs,
                            ..btc_call(1, 0)
                        };
                        let m = MarketInputs {
                            spot_e12: spot,
                            vol_e6: vol,
                            ..market(1)
                        };
                        // Ok or a clean error (overflow of an i64 field), never a panic.
                        let _ = series_risk(&s, &g, &m);
                    }
                }
            }
        }
    }
}
