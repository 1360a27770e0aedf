//! Health rounds in the protocol's favour: the program's equity, MM and IM
//! against the same figures computed exactly, as rationals, from the same
//! stored inputs.
//!
//! The program rounds in three places: a volatile collateral is valued at
//! `balance · price / 10^(decimals + 6)` rounded down (an asset at the low
//! price, a liability at the high price, towards −∞), its haircut
//! `value · (1 − weight)` is rounded up, and a short position is valued at
//! `mark + 1` per contract because the stored mark is a floor. Scenario
//! losses and short floors are integer sums of stored integers and are not
//! rounded at all. For random books of realistic series (several
//! underlyings, both signs) and random collateral (a settlement balance
//! that may be negative, 0–3 volatile balances of either sign with 0, 6, 9
//! or 12 decimals, any `low ≤ high` prices and `init ≤ maint < 10_000`
//! weights) this checks:
//!
//! - equity is never over-stated: `equity ≤ exact equity`;
//! - health is never over-stated: `equity − MM ≤ exact (equity − MM)` and
//!   likewise with IM, so no account passes a margin check that its exact
//!   figures fail;
//! - the rounding is tight, so a gross error cannot hide behind the
//!   inequalities: equity is below exact by exactly one native unit per
//!   short contract plus less than one per volatile entry, each collateral
//!   value by less than one, each haircut differs from the exact haircut of
//!   the exact value by less than one, and the option terms of MM and IM
//!   equal their independent recomputation exactly;
//! - each haircut is rounded up from the value the program credited.
//!
//! MM and IM on their own are *not* always at or above their exact figures:
//! the haircut is taken of the floored value, so when flooring removes a
//! fraction `f` of a unit, the haircut can drop by up to `f · (1 − weight)`.
//! Equity drops by the whole `f`, so health still falls by at least
//! `f · weight ≥ 0` (see
//! `haircut_of_floored_value_is_below_exact_but_health_is_not`).
//!
//! Why it matters: liquidations, new risk and withdrawals are all gated on
//! `equity ≥ MM` / `equity ≥ IM`. If any rounding went the other way, an
//! account could be a fraction of a unit healthier on-chain than it is, and
//! repeated across entries, positions and accounts that is value the
//! protocol's insurance pays for.
//!
//! Exact figures are integers in units of 10⁻²² quote native (`_native_e22`):
//! 10²² is a common denominator of every division above (10^(decimals + 6)
//! with decimals ≤ 12, times 10⁴ bps). Balances are bounded so a collateral
//! is worth at most 10¹⁴ quote native (100 M USD), which keeps every exact
//! numerator below 10³⁷ (i128 holds 1.7·10³⁸).

#[path = "common/book.rs"]
mod book;

use book::*;
use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::margin::{margin_summary, AccountInputs, MarginSummary, PositionInput};
use options_margin_risk::{ScenarioGrid, MAX_SCENARIOS, MAX_VOL_SHOCKS};
use proptest::prelude::*;

/// Decimals of the common denominator: 12 (largest token decimals) + 6
/// (e12 price over quote native e6) + 4 (bps).
const EXACT_DECIMALS: u32 = 22;
/// One quote native in `_native_e22`.
const ONE_NATIVE_E22: i128 = 10i128.pow(EXACT_DECIMALS);
/// unit: bps. 1.0.
const BPS: i128 = 10_000;
/// Token decimals exercised (the brief's realistic set, ≤ 12 by construction).
const DECIMALS: [u8; 4] = [0, 6, 9, 12];
/// precision: e12 USD per whole token. Largest generated low price (10_000 USD).
const MAX_PRICE_E12: u64 = 10_000 * USD_E12;
/// unit: quote native. Largest |value| of one generated collateral (100 M USD).
const MAX_VALUE_NATIVE: i128 = 100_000_000 * USD as i128;
/// Underlyings of the generated books: the pool's two, each twice (same
/// vectors, separate grids), so scenario netting and floor groups are
/// exercised across four independent grids.
const UNDERLYING_COUNT: usize = 4;

// ------------------------------------------------------------- inputs

/// A number in `[−10^digits, 10^digits]` (clamped to `±cap`) from raw bits:
/// small magnitudes (1 lamport) are as likely as large ones.
fn bounded(raw: i64, digits: u32, cap: i128) -> i64 {
    let bound = 10i128.pow(digits).min(cap).max(0);
    (i128::from(raw).rem_euclid(2 * bound + 1) - bound) as i64
}

/// A volatile collateral: decimals from [`DECIMALS`], any `low ≤ high`
/// prices, a balance of either sign worth at most [`MAX_VALUE_NATIVE`],
/// weights `init ≤ maint < 10_000`.
fn volatile_strategy() -> impl Strategy<Value = CollateralInput> {
    (
        prop::sample::select(DECIMALS.to_vec()),
        (0..=MAX_PRICE_E12, 0u32..=12, any::<u64>(), 0u32..=15),
        (any::<i64>(), 0u32..=19),
        (0u16..10_000, any::<u16>()),
    )
        .prop_map(
            |(
                decimals,
                (price_raw, price_shift, spread_raw, spread_digits),
                (bal_raw, bal_digits),
                (maint, init_raw),
            )| {
                // Prices over 16 orders of magnitude; spread 0 (low == high) included.
                let price_low_e12 = price_raw / 10u64.pow(price_shift);
                let spread = spread_raw % 10u64.pow(spread_digits);
                let price_high_e12 = price_low_e12.saturating_add(spread).min(2 * MAX_PRICE_E12);
                // |balance| · high ≤ MAX_VALUE · 10^(decimals + 6).
                let scale = 10i128.pow(u32::from(decimals) + 6);
                let cap = MAX_VALUE_NATIVE * scale / i128::from(price_high_e12.max(1));
                CollateralInput {
                    balance_native: bounded(bal_raw, bal_digits, cap.min(i128::from(i64::MAX) / 4)),
                    decimals,
                    price_low_e12: price_low_e12.min(price_high_e12),
                    price_high_e12,
                    init_weight_bps: init_raw % (maint + 1),
                    maint_weight_bps: maint,
                    is_settlement: false,
                }
            },
        )
}

/// Settlement balance (either sign, up to 100 M USD) and 0–3 volatile collaterals.
fn collateral_strategy() -> impl Strategy<Value = Vec<CollateralInput>> {
    (
        (any::<i64>(), 0u32..=14),
        prop::collection::vec(volatile_strategy(), 0..=3),
    )
        .prop_map(|((raw, digits), volatiles)| {
            let usdc = bounded(raw, digits, MAX_VALUE_NATIVE);
            let mut v = vec![CollateralInput::settlement(usdc)];
            v.extend(volatiles);
            v
        })
}

/// `(pool index, copy, size)`: the position's underlying is the pool
/// series' own plus `2 · copy`.
fn book_strategy() -> impl Strategy<Value = Vec<(usize, u8, i64)>> {
    prop::collection::vec((0..pool().len(), 0u8..2, -300i64..=300), 0..=24)
}

fn positions(spec: &[(usize, u8, i64)]) -> Vec<PositionInput<'static>> {
    spec.iter()
        .map(|&(i, copy, n)| {
            let mut p = position(&pool()[i], n, 1);
            p.underlying += 2 * copy;
            p
        })
        .collect()
}

/// Default grids with random MM ranges (the IM grid, every scenario, is
/// what the series were computed on; the MM range only selects scenarios).
fn grids_strategy() -> impl Strategy<Value = Vec<ScenarioGrid>> {
    prop::collection::vec(
        prop::sample::select(vec![0u32, 500, 1_000, 1_500, 2_000]),
        UNDERLYING_COUNT,
    )
    .prop_map(|ranges| {
        ranges
            .into_iter()
            .map(|mm_spot_range_bps| ScenarioGrid {
                mm_spot_range_bps,
                ..ScenarioGrid::default_grid()
            })
            .collect()
    })
}

// ------------------------------------------------------- exact figures

/// precision: e22 quote native. Exact value of a collateral: the balance
/// itself for the settlement entry; `balance · price / 10^(decimals + 6)`
/// at the low price for an asset, the high price for a liability.
fn exact_value_native_e22(c: &CollateralInput) -> i128 {
    let b = i128::from(c.balance_native);
    if c.is_settlement {
        return b * ONE_NATIVE_E22;
    }
    let price = if b >= 0 {
        c.price_low_e12
    } else {
        c.price_high_e12
    };
    // value · 10^22 = b · p · 10^(22 − decimals − 6).
    b * i128::from(price) * 10i128.pow(EXACT_DECIMALS - 6 - u32::from(c.decimals))
}

/// precision: e22 quote native. Exact `(MM, IM)` haircut of the exact value:
/// `value · (10_000 − weight) / 10_000` for a positive value, else 0.
fn exact_haircuts_native_e22(c: &CollateralInput) -> (i128, i128) {
    let v = exact_value_native_e22(c);
    if c.is_settlement || v <= 0 {
        return (0, 0);
    }
    // v is a multiple of 10^(16 − decimals) ≥ 10^4, so the division is exact.
    let keep = |w: u16| v / BPS * (BPS - i128::from(w));
    (keep(c.maint_weight_bps), keep(c.init_weight_bps))
}

/// The option part of an account, recomputed from the stored vectors.
#[derive(Debug, Default, PartialEq, Eq)]
struct ExactOptions {
    /// unit: quote native. `Σ size · mark`: no `+1` for shorts.
    value_native: i128,
    /// unit: contracts. `Σ |size|` over shorts.
    short_contracts: i128,
    /// unit: quote native. Σ worst losses over MM / IM scenarios.
    scenario_mm_native: i128,
    scenario_im_native: i128,
    /// unit: quote native. Σ group floors, MM / IM.
    floor_mm_native: i128,
    floor_im_native: i128,
}

/// Recomputes values, scenario losses and floors exactly as margin.rs
/// documents them, from the grids and series vectors directly.
fn exact_options(grids: &[ScenarioGrid], positions: &[PositionInput]) -> ExactOptions {
    let mut out = ExactOptions::default();
    for p in positions {
        let n = i128::from(p.size_contracts);
        out.value_native += n * i128::from(p.series.mark_native);
        out.short_contracts += (-n).max(0);
    }
    for (k, grid) in grids.iter().enumerate() {
        let on_k: Vec<_> = positions
            .iter()
            .filter(|p| usize::from(p.underlying) == k)
            .collect();
        let (mut worst_mm, mut worst_im) = (0i128, 0i128);
        for i in 0..usize::from(grid.spot_count) {
            let counts_for_mm = grid.spot_shocks_bps[i].unsigned_abs() <= grid.mm_spot_range_bps;
            for j in 0..usize::from(grid.vol_count) {
                let s = i * MAX_VOL_SHOCKS + j;
                assert!(s < MAX_SCENARIOS);
                let pnl: i128 = on_k
                    .iter()
                    .map(|p| {
                        let v = i128::from(p.series.scenario_values_native[s]);
                        i128::from(p.size_contracts) * (v - i128::from(p.series.mark_native))
                    })
                    .sum();
                worst_im = worst_im.max(-pnl);
                if counts_for_mm {
                    worst_mm = worst_mm.max(-pnl);
                }
            }
        }
        out.scenario_mm_native += worst_mm;
        out.scenario_im_native += worst_im;
        for group in 0..2 {
            let in_group = || on_k.iter().filter(move |p| p.kind.group() == group);
            let net_mm: i128 = in_group()
                .map(|p| -i128::from(p.size_contracts) * i128::from(p.series.short_floor_mm_native))
                .sum();
            let net_im: i128 = in_group()
                .map(|p| -i128::from(p.size_contracts) * i128::from(p.series.short_floor_im_native))
                .sum();
            let floor_mm = net_mm.max(0);
            out.floor_mm_native += floor_mm;
            out.floor_im_native += floor_mm.max(net_im);
        }
    }
    out
}

/// Program figures of an account.
fn program(
    grids: &[ScenarioGrid],
    positions: &[PositionInput],
    collaterals: &[CollateralInput],
) -> MarginSummary {
    margin_summary(&AccountInputs {
        grids,
        positions,
        collaterals,
    })
    .expect("bounded inputs never overflow")
}

fn e22(native: i64) -> i128 {
    i128::from(native) * ONE_NATIVE_E22
}

// ---------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn health_rounds_in_the_protocols_favour(
        grids in grids_strategy(),
        spec in book_strategy(),
        collaterals in collateral_strategy(),
    ) {
        let positions = positions(&spec);
        let m = program(&grids, &positions, &collaterals);
        let opt = exact_options(&grids, &positions);

        // Option terms are integer sums, so they must match exactly; the
        // only rounding is the documented +1 per short contract in equity.
        prop_assert_eq!(i128::from(m.scenario_mm_native), opt.scenario_mm_native);
        prop_assert_eq!(i128::from(m.scenario_im_native), opt.scenario_im_native);
        prop_assert_eq!(i128::from(m.floor_mm_native), opt.floor_mm_native);
        prop_assert_eq!(i128::from(m.floor_im_native), opt.floor_im_native);
        prop_assert_eq!(
            i128::from(m.options_value_native),
            opt.value_native - opt.short_contracts
        );

        // Each collateral through the program on its own, against exact.
        let (mut value_e22, mut hc_mm_e22, mut hc_im_e22) = (0i128, 0i128, 0i128);
        let (mut credited_sum, mut hc_mm_sum, mut hc_im_sum) = (0i64, 0i64, 0i64);
        let mut volatile_count = 0i128;
        for c in &collaterals {
            let one = program(&grids, &[], std::slice::from_ref(c));
            let v = exact_value_native_e22(c);
            let pv = e22(one.collateral_value_native);
            // Value rounded down by less than one native; exact for settlement.
            prop_assert!(pv <= v && v - pv < ONE_NATIVE_E22, "value {} exact {} of {:?}", pv, v, c);
            prop_assert!(!c.is_settlement || pv == v);
            // Haircuts: rounded up from the value credited...
            let credited = i128::from(one.collateral_value_native).max(0);
            for (haircut, weight) in [
                (one.haircut_mm_native, c.maint_weight_bps),
                (one.haircut_im_native, c.init_weight_bps),
            ] {
                let raw_bps = if c.is_settlement { 0 } else { credited * (BPS - i128::from(weight)) };
                prop_assert_eq!(i128::from(haircut), (raw_bps + BPS - 1) / BPS, "of {:?}", c);
            }
            // ...and within one native of the exact haircut of the exact value.
            let (hm, hi) = exact_haircuts_native_e22(c);
            let (phm, phi) = (e22(one.haircut_mm_native), e22(one.haircut_im_native));
            prop_assert!((phm - hm).abs() < ONE_NATIVE_E22, "MM haircut {} exact {} of {:?}", phm, hm, c);
            prop_assert!((phi - hi).abs() < ONE_NATIVE_E22, "IM haircut {} exact {} of {:?}", phi, hi, c);
            value_e22 += v;
            hc_mm_e22 += hm;
            hc_im_e22 += hi;
            credited_sum += one.collateral_value_native;
            hc_mm_sum += one.haircut_mm_native;
            hc_im_sum += one.haircut_im_native;
            volatile_count += i128::from(!c.is_settlement);
        }
        // The account totals are the per-entry figures summed: no extra rounding.
        prop_assert_eq!(m.collateral_value_native, credited_sum);
        prop_assert_eq!(m.haircut_mm_native, hc_mm_sum);
        prop_assert_eq!(m.haircut_im_native, hc_im_sum);

        let one_e22 = ONE_NATIVE_E22;
        let equity_e22 = value_e22 + opt.value_native * one_e22;
        let mm_e22 = (opt.scenario_mm_native + opt.floor_mm_native) * one_e22 + hc_mm_e22;
        let im_e22 = (opt.scenario_im_native + opt.floor_im_native) * one_e22 + hc_im_e22;
        let (pe, pm, pi) = (e22(m.equity_native), e22(m.mm_native), e22(m.im_native));
        let shorts_e22 = opt.short_contracts * one_e22;

        // Equity never over-stated: by exactly one per short contract plus
        // less than one per volatile entry.
        prop_assert!(pe <= equity_e22, "equity {} exact {}", pe, equity_e22);
        let equity_slack = equity_e22 - pe - shorts_e22;
        prop_assert!(
            equity_slack >= 0 && (equity_slack == 0 || equity_slack < volatile_count * one_e22),
            "equity below exact by {} beyond {} short contracts, {} volatile entries",
            equity_slack, opt.short_contracts, volatile_count
        );
        // Requirements within less than one per volatile entry of exact
        // (either side: see the module docs).
        prop_assert!(pm == mm_e22 || (pm - mm_e22).abs() < volatile_count * one_e22, "MM {} exact {}", pm, mm_e22);
        prop_assert!(pi == im_e22 || (pi - im_e22).abs() < volatile_count * one_e22, "IM {} exact {}", pi, im_e22);

        // Health never over-stated; below exact by one per short contract
        // plus less than two per volatile entry (value floor, haircut ceil).
        for (health, exact, name) in [(pe - pm, equity_e22 - mm_e22, "MM"), (pe - pi, equity_e22 - im_e22, "IM")] {
            prop_assert!(health <= exact, "equity − {} {} exact {}", name, health, exact);
            let slack = exact - health - shorts_e22;
            prop_assert!(
                slack >= 0 && (slack == 0 || slack < 2 * volatile_count * one_e22),
                "equity − {} below exact by {} beyond {} short contracts, {} volatile entries",
                name, slack, opt.short_contracts, volatile_count
            );
        }
    }
}

/// The case the module docs describe: 1 lamport of SOL (9 decimals) at a low
/// price of 99 USD is worth 0.099 native exactly and 0 as credited, so the
/// program charges no haircut where the exact figure is 0.0198 (MM, 20%) /
/// 0.0297 (IM, 30%). MM and IM sit below their exact figures, yet health is
/// 0 against an exact 0.0792 / 0.0693: the value lost to the floor is never
/// less than the haircut it saves.
#[test]
fn haircut_of_floored_value_is_below_exact_but_health_is_not() {
    let c = volatile(1, 100, 8_000);
    assert_eq!((c.price_low_e12, c.init_weight_bps), (99 * USD_E12, 7_000));
    let m = program(&default_grids(), &[], &[c]);
    assert_eq!((m.equity_native, m.mm_native, m.im_native), (0, 0, 0));
    let v = exact_value_native_e22(&c);
    let (hm, hi) = exact_haircuts_native_e22(&c);
    // 0.099, 0.0198, 0.0297 native.
    assert_eq!(
        (v, hm, hi),
        (
            99 * 10i128.pow(19),
            198 * 10i128.pow(18),
            297 * 10i128.pow(18)
        )
    );
    assert!(e22(m.mm_native) < hm && e22(m.im_native) < hi);
    assert!(e22(m.equity_native - m.mm_native) <= v - hm);
    assert!(e22(m.equity_native - m.im_native) <= v - hi);
}
