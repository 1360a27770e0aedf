//! Which target `partial_liquidate` takes first, in real transactions.
//!
//! The planner ranks candidates by one score, the MM released per unit of
//! value liquidated (in a closeout the MM released comes before it), and
//! only then by the seed's table as tie-breaks:
//! dollar delta, dollar gamma, unrealised P&L, collateral before positions,
//! lower index (`options_margin_risk::planner`, "Ranking"). Each test says
//! which of these decides. The tie-break tests build exact ties: series with
//! equal terms on two underlyings of equal parameters, both priced by the
//! SOL oracle, carry identical per-contract vectors, and in a flattening
//! closeout (tier 3, whole candidate; these tests use the first release's
//! rules, [`first_release_rules`], where every closeout flattens and soft
//! caps are a share of the candidate) the MM of naked shorts is linear in
//! size, so `released / value` is the same for both candidates to the unit.
//!
//! Also here: slicing never earns more than one call.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::state::{Exchange, Series};
use options_margin_risk::planner::{Candidate, LiquidationPlan};
use options_margin_tests::assert_error_code;
use options_margin_tests::bench::assert_unchanged;
use options_margin_tests::exchange::SOL_CONF_E8;

use super::desk::{first_release_rules, put, show, Desk, SOL_150_E8, USD};

/// `released · 10^12 / value` of both candidates tie exactly when
/// `released_a · value_b == released_b · value_a`; for two slices of series
/// with identical vectors the value is proportional to the quantity.
fn assert_scores_tie(a: &LiquidationPlan, b: &LiquidationPlan) {
    let released = |p: &LiquidationPlan| (p.mm_before_native - p.mm_after_native) as i128;
    assert!(released(a) > 0 && released(b) > 0);
    assert_eq!(
        released(a) * b.quantity as i128,
        released(b) * a.quantity as i128,
        "scores tie: {a:?} / {b:?}"
    );
    assert_eq!(a.score_e12, b.score_e12);
}

/// Rule 2 (dollar delta) decides. Two naked shorts of identical series (same
/// terms on two identical underlyings): 10 contracts in slot 0, 20 in slot 1,
/// ratio 103% (tier 1). MM of a naked short is linear in its size, so any
/// slice of either releases the same MM per unit of value: the scores tie
/// exactly. Slot 1 carries twice the dollar delta and goes first although
/// the last tie-break (lower index) would pick slot 0.
#[tokio::test]
async fn higher_dollar_delta_goes_first_on_a_score_tie() {
    let mut d = Desk::new(2, 700 * USD, 0).await;
    let now = d.bench.now().await;
    let small = d.series(0, put(140, now), 750_000).await;
    let large = d.series(1, put(140, now), 750_000).await;
    let (a, b): (Series, Series) = (d.bench.load_zc(&small).await, d.bench.load_zc(&large).await);
    assert_eq!(a.risk, b.risk, "identical per-contract vectors");
    d.write(&small, 10, None).await;
    d.write(&large, 20, None).await;
    d.fall_below(SOL_150_E8, 10_300).await;
    d.set_ratio(10_300).await;
    let at_small = d.evaluate(Candidate::Position(0), 1).await.unwrap();
    let at_large = d.evaluate(Candidate::Position(1), 1).await.unwrap();
    assert_scores_tie(&at_small, &at_large);
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!(ev.tier, 1);
    assert_eq!((ev.target, ev.target_is_position), (large, true));
    println!("rule 2 tie: {}", show(&ev));
}

/// In a closeout the MM released ranks first (rule 0): the book of the
/// next test, a deep in-the-money short put (strike 200) and a far
/// out-of-the-money one (strike 90), 10 each, with SOL lower so the ratio
/// is below 100%. The wing still scores higher per dollar, but closing the
/// 200 put frees far more margin, so it goes first; a soft tier would take
/// the wing (next test).
#[tokio::test]
async fn a_closeout_takes_the_largest_release_before_the_best_score() {
    let mut d = Desk::with_risk(1, 420 * USD, 0, first_release_rules()).await;
    let now = d.bench.now().await;
    let itm = d.series(0, put(200, now), 750_000).await;
    let otm = d.series(0, put(90, now), 750_000).await;
    d.write(&otm, 10, None).await;
    d.write(&itm, 10, None).await;
    d.fall_below(14_000_000_000, 9_900).await;
    let at_otm = d.evaluate(Candidate::Position(0), 10).await.unwrap();
    let at_itm = d.evaluate(Candidate::Position(1), 10).await.unwrap();
    assert!(
        at_otm.score_e12 > at_itm.score_e12,
        "{at_otm:?} / {at_itm:?}"
    );
    assert!(at_itm.mm_after_native < at_otm.mm_after_native);
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.tier, ev.target, ev.quantity), (3, itm, -10));
    println!(
        "closeout: otm score {} releases {}, itm score {} releases {}; {}",
        at_otm.score_e12,
        at_otm.mm_before_native - at_otm.mm_after_native,
        at_itm.score_e12,
        at_itm.mm_before_native - at_itm.mm_after_native,
        show(&ev)
    );
}

/// A writer of `n_a` puts at `strike_a` (slot 0) and `n_b` at `strike_b`
/// (slot 1), 30 days, SOL lowered until the ratio is below 103%, then
/// topped up to exactly 103% (tier 1). With `soft_cap_bps`, the admin first
/// sets both soft tiers' cap to it (the default is 10% / 25%).
async fn two_put_book(
    usdc: u64,
    (strike_a, n_a): (u64, i64),
    (strike_b, n_b): (u64, i64),
    soft_cap_bps: Option<u32>,
) -> (Desk, Pubkey, Pubkey) {
    let mut d = Desk::with_risk(1, usdc, 0, first_release_rules()).await;
    if let Some(cap) = soft_cap_bps {
        let mut risk: Exchange = d.bench.load_zc(&d.fx.exchange).await;
        risk.risk.tiers[0].max_fraction_bps = cap;
        risk.risk.tiers[1].max_fraction_bps = cap;
        d.fx.change_risk_params(&mut d.bench, risk.risk).await;
    }
    let now = d.bench.now().await;
    let a = d.series(0, put(strike_a, now), 750_000).await;
    let b = d.series(0, put(strike_b, now), 750_000).await;
    d.write(&a, n_a, None).await;
    d.write(&b, n_b, None).await;
    d.fall_below(14_000_000_000, 10_300).await;
    d.set_ratio(10_300).await;
    (d, a, b)
}

/// Rule 0 in a soft tier: a deep in-the-money short put (strike 200) and a
/// far out-of-the-money one (strike 90), 10 each, at 103%. The tier's 10%
/// cap allows one contract of each. The wing scores ~8× higher per dollar,
/// but its one contract cannot restore the 110% target and one 200-put
/// contract can: the restoring slice goes first, so the account is safe
/// after one call instead of waiting out grace periods between token slices.
#[tokio::test]
async fn a_slice_that_restores_the_target_goes_before_a_better_score() {
    let (mut d, itm, _otm) = two_put_book(420 * USD, (200, 10), (90, 10), None).await;
    let at_itm = d.evaluate(Candidate::Position(0), 1).await.unwrap();
    let at_otm = d.evaluate(Candidate::Position(1), 1).await.unwrap();
    assert!(
        at_otm.score_e12 > at_itm.score_e12,
        "{at_otm:?} / {at_itm:?}"
    );
    assert!(at_itm.reaches_target && !at_otm.reaches_target);
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.tier), (itm, 1));
    assert!(ev.ratio_after_bps >= 11_000, "{}", show(&ev));
    println!(
        "restore first: itm score {} otm score {}; {}",
        at_itm.score_e12,
        at_otm.score_e12,
        show(&ev)
    );
}

/// The score decides between slices that both restore the target, against
/// the seed's delta row: the same book (a deep in-the-money 200 put,
/// |delta| ≈ 1, and a far out-of-the-money 90 put, 10 each) with the soft
/// tiers' cap raised to 100%, so a slice of either restores 110%. One
/// 200-put contract frees ~4× the MM of a 90-put contract but moves ~20×
/// its value: the low-delta wing scores ~8× higher and goes first.
#[tokio::test]
async fn the_score_takes_the_low_delta_wing_before_the_deep_itm_put() {
    let (mut d, _itm, otm) = two_put_book(420 * USD, (200, 10), (90, 10), Some(10_000)).await;
    let at_itm = d.evaluate(Candidate::Position(0), 1).await.unwrap();
    let (plan, _, _) = d.plan(u64::MAX).await;
    let at_otm = d
        .evaluate(Candidate::Position(1), plan.quantity)
        .await
        .unwrap();
    assert!(at_itm.reaches_target && at_otm.reaches_target);
    assert!(
        at_otm.score_e12 > at_itm.score_e12,
        "{at_otm:?} / {at_itm:?}"
    );
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.tier), (otm, 1));
    println!(
        "delta row: itm score {} otm score {}; {}",
        at_itm.score_e12,
        at_otm.score_e12,
        show(&ev)
    );
}

/// The score decides between restoring slices, against the seed's gamma
/// row: 10 shorts at the money (strike 125, high gamma) and 10 far out of
/// the money (strike 95, low gamma), at 103%, soft caps at 100%: the
/// low-gamma wing frees more MM per dollar and goes first.
#[tokio::test]
async fn the_score_takes_the_low_gamma_wing_before_the_atm_short() {
    let (mut d, atm, wing) = two_put_book(420 * USD, (125, 10), (95, 10), Some(10_000)).await;
    let (a, w): (Series, Series) = (d.bench.load_zc(&atm).await, d.bench.load_zc(&wing).await);
    assert!(a.risk.gamma_e9 > w.risk.gamma_e9);
    // The ATM short's own just-enough slice: the fewest contracts that restore.
    let mut at_atm = d.evaluate(Candidate::Position(0), 1).await.unwrap();
    for q in 2..=10 {
        if at_atm.reaches_target {
            break;
        }
        at_atm = d.evaluate(Candidate::Position(0), q).await.unwrap();
    }
    let (plan, _, _) = d.plan(u64::MAX).await;
    let at_wing = d
        .evaluate(Candidate::Position(1), plan.quantity)
        .await
        .unwrap();
    assert!(at_atm.reaches_target && at_wing.reaches_target);
    assert!(at_wing.score_e12 > at_atm.score_e12);
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.tier), (wing, 1));
    println!(
        "gamma row: atm score {} wing score {}; {}",
        at_atm.score_e12,
        at_wing.score_e12,
        show(&ev)
    );
}

/// Volatile collateral before the stablecoin, decided by the score: 20 SOL
/// (MM weight 90%: selling releases ~10% of the proceeds) beside one short
/// deep in-the-money put (strike 400, whose MM per dollar of value is lower)
/// and USDC, which is never a candidate. The keeper pays the SOL at the low
/// oracle price (price − 1·conf), in USDC.
#[tokio::test]
async fn volatile_collateral_is_sold_before_the_stablecoin() {
    let mut d = Desk::new(1, 0, 100_000_000_000).await;
    let sol = d.fx.sol.mint;
    d.fx.deposit(&mut d.bench, &d.writer, &sol, 20_000_000_000)
        .await
        .unwrap();
    d.fx.deposit(&mut d.bench, &d.writer, &d.fx.usdc.mint, USD)
        .await
        .unwrap();
    let now = d.bench.now().await;
    let deep = d.series(0, put(400, now), 750_000).await;
    d.write(&deep, 1, None).await;
    let price_e8 = d.fall_below(14_000_000_000, 10_300).await;
    d.set_ratio(10_300).await;
    let keeper_usdc =
        d.fx.balance(&d.bench, &d.keeper.margin, &d.fx.usdc.mint)
            .await;
    let writer_sol = d.fx.balance(&d.bench, &d.writer.margin, &sol).await;
    let (plan, _, _) = d.plan(u64::MAX).await;
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.target_is_position), (sol, false));
    let low_e12 = (price_e8 as u64 - SOL_CONF_E8) * 10_000;
    assert_eq!(ev.price, low_e12, "sold at the low oracle price");
    // Proceeds = value(balance) − value(balance − q), each floored.
    let value = |native: i64| (native as i128 * low_e12 as i128 / 1_000_000_000_000_000) as i64;
    let proceeds = value(writer_sol) - value(writer_sol - ev.quantity);
    assert_eq!(plan.transfer_value_native, proceeds);
    let keeper_after =
        d.fx.balance(&d.bench, &d.keeper.margin, &d.fx.usdc.mint)
            .await;
    assert_eq!(
        keeper_after - keeper_usdc,
        -proceeds + (ev.fee_native - ev.insurance_share_native) as i64,
        "the keeper paid the proceeds in USDC and earned its fee share"
    );
    assert_eq!(
        d.fx.balance(&d.bench, &d.keeper.margin, &sol).await,
        ev.quantity
    );
    println!(
        "collateral row: price {price_e8}e-8, proceeds {proceeds}; {}",
        show(&ev)
    );
}

/// Rule 4 (unrealised P&L) decides. Two identical naked shorts of 10 (same
/// terms on two identical underlyings): slot 0 written at $80 a contract,
/// in profit; slot 1 written at $1, at a loss. Scores, dollar delta and
/// dollar gamma tie exactly; the losing position goes first although the
/// index would pick slot 0.
#[tokio::test]
async fn the_losing_position_goes_before_the_profitable_one_on_a_tie() {
    let mut d = Desk::with_risk(2, 700 * USD, 0, first_release_rules()).await;
    let now = d.bench.now().await;
    let winner = d.series(0, put(140, now), 750_000).await;
    let loser = d.series(1, put(140, now), 750_000).await;
    d.write(&winner, 10, Some(80 * USD)).await;
    d.write(&loser, 10, Some(USD)).await;
    d.fall_below(SOL_150_E8, 9_900).await;
    let s: Series = d.bench.load_zc(&winner).await;
    let mark = s.risk.mark_native;
    assert!(mark + 1 < 80_000_000 && mark + 1 > 1_000_000, "mark {mark}");
    let at_winner = d.evaluate(Candidate::Position(0), 10).await.unwrap();
    let at_loser = d.evaluate(Candidate::Position(1), 10).await.unwrap();
    assert_scores_tie(&at_winner, &at_loser);
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.quantity, ev.tier), (loser, -10, 3));
    println!("rule 4 tie: mark {mark}; {}", show(&ev));
}

/// The slicing book: 200 short 30-day 140 puts, SOL at $125, ratio 101%.
async fn slicing_book() -> Desk {
    let mut d = Desk::new(1, 5_000 * USD, 0).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    d.write(&p, 200, None).await;
    d.move_to(12_500_000_000).await;
    d.set_ratio(10_100).await;
    d
}

/// Slicing never earns more: the same book twice, one call taking the plan
/// vs calls of one contract each (an hour of grace between soft calls, the
/// same price re-published and every series refreshed). The slices stop
/// when the account turns healthy (`AccountHealthy`, nothing changed).
#[tokio::test]
async fn slicing_never_earns_more_than_one_call() {
    let mut one = slicing_book().await;
    let single = one.liquidate_as_planned(u64::MAX).await;
    assert!(single.quantity.unsigned_abs() > 1, "{}", show(&single));

    let mut d = slicing_book().await;
    let grace = {
        let e: Exchange = d.bench.load_zc(&d.fx.exchange).await;
        e.risk.grace_period_secs as i64
    };
    let (mut fees, mut slices) = (0u64, 0u64);
    while slices < single.quantity.unsigned_abs() {
        if slices > 0 {
            d.bench.advance_time(grace).await;
            d.move_to(12_500_000_000).await;
        }
        if d.summary().await.ratio_bps >= 10_500 {
            let keys = d.watched();
            let before = d.bench.snapshot(&keys).await;
            let r =
                d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, 1, 0)
                    .await;
            assert_error_code!(r, ErrorCode::AccountHealthy);
            assert_unchanged(&d.bench, &keys, &before).await;
            break;
        }
        let ev = d.liquidate_as_planned(1).await;
        assert_eq!(ev.quantity, -1);
        fees += ev.fee_native;
        slices += 1;
    }
    println!(
        "slicing: single {} contracts fee {}; {slices} slices fees {fees}",
        single.quantity, single.fee_native
    );
    assert!(fees <= single.fee_native, "{fees} > {}", single.fee_native);
}
