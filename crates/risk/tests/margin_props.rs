//! Properties of `account_margin` on realistic series from `series_risk`.
//!
//! - MM and IM of an option book are positively homogeneous, exactly;
//! - MM is subadditive on one underlying;
//! - a vertical spread needs no more than its maximum loss, nor more than its legs;
//! - a naked far out-of-the-money short needs margin; IM ≥ MM, and IM > MM
//!   for risk-carrying books;
//! - collateral values and haircuts round in the protocol's favour.

#[path = "common/book.rs"]
mod book;

use book::*;
use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::margin::{account_margin, AccountInputs, PositionInput, RATIO_NO_MARGIN};
use proptest::prelude::*;

/// `(pool index, size)` pairs.
fn book_strategy(max_len: usize) -> impl Strategy<Value = Vec<(usize, i64)>> {
    prop::collection::vec((0..pool().len(), -40i64..=40), 1..=max_len)
}

fn positions(spec: &[(usize, i64)], scale: i64) -> Vec<PositionInput<'static>> {
    spec.iter()
        .map(|&(i, n)| position(&pool()[i], n * scale, 1))
        .collect()
}

/// Positions of one underlying only.
fn same_underlying(spec: &[(usize, i64)], u: u8) -> Vec<(usize, i64)> {
    spec.iter()
        .copied()
        .filter(|&(i, _)| pool()[i].underlying == u)
        .collect()
}

/// Index in the pool of (underlying, kind, strike, expiry).
fn find(u: u8, is_call: bool, strike: u64, days: i64) -> usize {
    pool()
        .iter()
        .position(|s| {
            s.underlying == u
                && s.strike_usd == strike
                && s.days == days
                && (s.kind.group() == 0) == is_call
        })
        .expect("in pool")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mm_and_im_are_positively_homogeneous(spec in book_strategy(12), lambda in 1i64..=25) {
        let grids = default_grids();
        let usdc = [CollateralInput::settlement(1_000 * USD)];
        let one = summary(&grids, &positions(&spec, 1), &usdc);
        let many = summary(&grids, &positions(&spec, lambda), &usdc);
        prop_assert_eq!(many.mm_native, lambda * one.mm_native);
        prop_assert_eq!(many.im_native, lambda * one.im_native);
        prop_assert_eq!(many.options_value_native, lambda * one.options_value_native);
    }

    #[test]
    fn mm_is_subadditive_on_one_underlying(a in book_strategy(8), b in book_strategy(8), u in 0u8..2) {
        let grids = default_grids();
        let (a, b) = (same_underlying(&a, u), same_underlying(&b, u));
        let both: Vec<_> = a.iter().chain(b.iter()).copied().collect();
        let ma = summary(&grids, &positions(&a, 1), &[]);
        let mb = summary(&grids, &positions(&b, 1), &[]);
        let mab = summary(&grids, &positions(&both, 1), &[]);
        prop_assert!(mab.mm_native <= ma.mm_native + mb.mm_native);
        prop_assert!(mab.im_native <= ma.im_native + mb.im_native);
    }

    #[test]
    fn im_is_at_least_mm(spec in book_strategy(12), sol in 0i64..=50_000_000_000, w in 5_000u16..=9_500) {
        let grids = default_grids();
        let coll = [CollateralInput::settlement(-10 * USD), volatile(sol, 100, w)];
        let m = summary(&grids, &positions(&spec, 1), &coll);
        prop_assert!(m.im_native >= m.mm_native);
        prop_assert!(m.mm_native >= 0);
        prop_assert_eq!(m.meets_maintenance(), m.equity_native >= m.mm_native);
    }

    /// A vertical spread of `n` contracts (short the nearer strike, long the
    /// farther one: a credit spread, the one with a real maximum loss).
    #[test]
    fn vertical_spread_needs_no_more_than_max_loss_or_legs(
        u in 0u8..2, is_call in any::<bool>(), i in 0usize..8, width in 1usize..=4, d in 0usize..3, n in 1i64..=50,
    ) {
        let und = &UNDERLYINGS[usize::from(u)];
        let j = (i + width).min(und.strikes_usd.len() - 1);
        prop_assume!(j > i);
        // Call credit spread: short low strike, long high. Put: short high, long low.
        let (short_k, long_k) = if is_call {
            (und.strikes_usd[i], und.strikes_usd[j])
        } else {
            (und.strikes_usd[j], und.strikes_usd[i])
        };
        let days = EXPIRY_DAYS[d];
        let short = &pool()[find(u, is_call, short_k, days)];
        let long = &pool()[find(u, is_call, long_k, days)];
        let grids = default_grids();
        let legs = [position(short, -n, 1), position(long, n, 1)];
        let spread = summary(&grids, &legs, &[]);
        let short_only = summary(&grids, &legs[..1], &[]);
        let long_only = summary(&grids, &legs[1..], &[]);
        // unit: quote native per contract. Strike width × contract size.
        let width_native = (short_k.abs_diff(long_k) * und.contract_size_e6) as i64;
        // Max loss relative to what equity counts: the spread is worth
        // n·(mark_long − mark_short − 1) now and −n·width at worst.
        let max_loss = n * (width_native - (short.risk.mark_native + 1 - long.risk.mark_native));
        // Each stored value is floored: at most 2 native units per contract of slack.
        prop_assert!(spread.mm_native <= max_loss + 2 * n, "mm {} max loss {}", spread.mm_native, max_loss);
        prop_assert!(spread.im_native <= max_loss + 2 * n);
        prop_assert!(spread.mm_native <= short_only.mm_native + long_only.mm_native);
        prop_assert!(spread.mm_native <= short_only.mm_native);
        prop_assert_eq!(spread.floor_mm_native, 0);
    }

    #[test]
    fn naked_short_always_needs_margin_and_im_exceeds_mm(idx in 0..pool().len(), n in 1i64..=100) {
        let s = &pool()[idx];
        let m = summary(&default_grids(), &[position(s, -n, 1)], &[]);
        prop_assert!(m.mm_native >= n * s.risk.short_floor_mm_native);
        prop_assert!(m.mm_native > 0);
        prop_assert!(m.im_native > m.mm_native);
    }
}

#[test]
fn far_otm_naked_short_is_charged_its_floor() {
    // The 140 call on a 100 spot, 7 days: scenario losses are tiny.
    let s = priced(0, true, 140, 7);
    let m = summary(&default_grids(), &[position(&s, -10, 1)], &[]);
    assert!(
        s.risk.mark_native < 10_000,
        "far OTM mark {}",
        s.risk.mark_native
    );
    assert_eq!(
        s.risk.short_floor_mm_native,
        2 * USD,
        "2% of a 100 USD notional"
    );
    assert_eq!(m.floor_mm_native, 20 * USD);
    assert!(m.mm_native > m.floor_mm_native);
}

#[test]
fn per_position_outputs_and_equity() {
    let call = priced(0, true, 100, 30);
    let put = priced(0, false, 90, 30);
    let mut long = position(&call, 3, 1);
    long.cost_basis_native = 3 * call.risk.mark_native + 1_000;
    let mut short = position(&put, -2, 1);
    short.cost_basis_native = -2 * put.risk.mark_native;
    let positions = [long, short];
    let coll = [
        CollateralInput::settlement(500 * USD),
        volatile(2_000_000_000, 100, 8_000),
    ];
    let m = account_margin(&AccountInputs {
        grids: &default_grids(),
        positions: &positions,
        collaterals: &coll,
    })
    .unwrap();
    let p = &m.positions;
    assert_eq!(m.position_count, 2);
    assert_eq!(p[0].mark_value_native, 3 * call.risk.mark_native);
    assert_eq!(p[0].unrealized_pnl_native, -1_000);
    assert_eq!(p[1].mark_value_native, -2 * (put.risk.mark_native + 1));
    assert_eq!(p[1].unrealized_pnl_native, -2);
    assert_eq!(p[0].delta_e9, 3 * call.risk.delta_e9);
    assert_eq!(p[1].vega_native, -2 * put.risk.vega_native);
    // 2 SOL at 99 USD (low price), haircut 20% / 30%, rounded up.
    let sm = &m.summary;
    assert_eq!(sm.collateral_value_native, 500 * USD + 198 * USD);
    assert_eq!(sm.haircut_mm_native, 39_600_000);
    assert_eq!(sm.haircut_im_native, 59_400_000);
    assert_eq!(
        sm.equity_native,
        sm.collateral_value_native + p[0].mark_value_native + p[1].mark_value_native
    );
    assert_eq!(
        sm.mm_native,
        sm.scenario_mm_native + sm.floor_mm_native + sm.haircut_mm_native
    );
    assert!(m.meets_initial() && m.meets_maintenance());
    // The scenario vector of the underlying is the sum of the positions' vectors.
    let a = long.scenario_pnl_native().unwrap();
    let b = short.scenario_pnl_native().unwrap();
    for s in 0..27 {
        assert_eq!(sm.underlyings[0].scenario_pnl_native[s], a[s] + b[s]);
    }
}

#[test]
fn empty_account() {
    let m = summary(&default_grids(), &[], &[CollateralInput::settlement(5)]);
    assert_eq!((m.equity_native, m.mm_native, m.im_native), (5, 0, 0));
    assert_eq!(m.ratio_bps, RATIO_NO_MARGIN);
    let debt = summary(&default_grids(), &[], &[CollateralInput::settlement(-5)]);
    assert_eq!(debt.ratio_bps, 0);
    assert!(!debt.meets_maintenance());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The on-chain entry point (`margin_totals`, small stack) gives exactly
    /// the numbers of the detailed `margin_summary`.
    #[test]
    fn margin_totals_equal_margin_summary(spec in book_strategy(16), sol in 0i64..=50_000_000_000, usd in -500i64..=5_000) {
        let grids = default_grids();
        let coll = [CollateralInput::settlement(usd * USD), volatile(sol, 100, 8_000)];
        let positions = positions(&spec, 1);
        let inputs = AccountInputs { grids: &grids, positions: &positions, collaterals: &coll };
        let full = options_margin_risk::margin::margin_summary(&inputs).unwrap();
        let t = options_margin_risk::margin::margin_totals(&inputs).unwrap();
        prop_assert_eq!(
            (t.equity_native, t.mm_native, t.im_native, t.ratio_bps),
            (full.equity_native, full.mm_native, full.im_native, full.ratio_bps)
        );
    }
}

/// Issue 9, finding 3: the scenario IM alone does not keep an account that
/// meets it out of tier 1. A one-to-one reverse calendar (long the 7-day
/// ATM put, short the 90-day one) has IM equal to MM on the default grid;
/// at exactly that IM the account's ratio is 100%, inside the second
/// tier. With the IM floor its IM is 110% of MM, and at exactly that IM
/// the account is healthy.
#[test]
fn a_calendar_at_scenario_im_would_be_liquidatable_without_the_floor() {
    let params = options_margin_risk::params::RiskParams::DEFAULT;
    let grids = default_grids();
    let near = &pool()[find(0, false, 100, 7)];
    let far = &pool()[find(0, false, 100, 90)];
    let positions = [position(near, 10, 1), position(far, -10, 1)];
    let bare = summary(&grids, &positions, &[]);
    assert_eq!(bare.im_native, bare.mm_native, "{bare:?}");
    let tiers = params.liquidation();
    let at = |im: i64| {
        let usdc = im - bare.equity_native;
        let m = summary(&grids, &positions, &[CollateralInput::settlement(usdc)]);
        assert_eq!(m.equity_native, im);
        tiers.tier_of(m.ratio_bps)
    };
    // A ratio of exactly 100%: the second tier (102% > ratio ≥ 100%).
    assert_eq!(at(bare.im_native), Some(2));
    let floored = options_margin_risk::margin::margin_totals(&AccountInputs {
        grids: &grids,
        positions: &positions,
        collaterals: &[],
    })
    .unwrap()
    .with_im_floor(params.im_floor_ratio_bps)
    .unwrap();
    assert_eq!(at(floored.im_native), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// With the IM floor of the default parameters (which `validate`
    /// requires to be at least the first tier), an account whose equity
    /// meets IM is never in a liquidation tier at the same prices, for any
    /// book: calendars, spreads, naked, both underlyings, volatile collateral.
    #[test]
    fn meeting_im_keeps_any_book_out_of_every_tier(
        spec in book_strategy(12),
        calendar in (0usize..9, 1i64..=20, any::<bool>()),
        sol in 0i64..=20_000_000_000,
        extra in 0i64..=1_000,
    ) {
        let params = options_margin_risk::params::RiskParams::DEFAULT;
        let grids = default_grids();
        let strike = UNDERLYINGS[0].strikes_usd[calendar.0];
        let near = &pool()[find(0, calendar.2, strike, 7)];
        let far = &pool()[find(0, calendar.2, strike, 90)];
        let mut book = positions(&spec, 1);
        book.push(position(near, calendar.1, 1));
        book.push(position(far, -calendar.1, 1));
        let without = summary(&grids, &book, &[volatile(sol, 100, 8_000)]);
        let floored = options_margin_risk::margin::margin_totals(&AccountInputs {
            grids: &grids,
            positions: &book,
            collaterals: &[volatile(sol, 100, 8_000)],
        })
        .unwrap()
        .with_im_floor(params.im_floor_ratio_bps)
        .unwrap();
        prop_assert!(floored.im_native >= floored.mm_native);
        // Settlement collateral that puts equity at exactly IM (+ extra).
        let usdc = floored.im_native + extra - without.equity_native;
        let coll = [CollateralInput::settlement(usdc), volatile(sol, 100, 8_000)];
        let m = summary(&grids, &book, &coll);
        prop_assert_eq!(m.equity_native, floored.im_native + extra);
        prop_assert_eq!(params.liquidation().tier_of(m.ratio_bps), None, "{:?}", m);
    }
}
