//! The liquidation planner: tier boundaries, the seed's selection table,
//! just-enough amounts, fees, and post-conditions as properties.

#[path = "common/book.rs"]
mod book;

use book::*;
use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::margin::{margin_summary, AccountInputs, PositionInput};
use options_margin_risk::params::{CAP_OF_ACCOUNT_MM, CAP_OF_CANDIDATE};
use options_margin_risk::planner::{
    apply_plan, evaluate_liquidation, plan_liquidation, AccountState, Candidate, LiquidationParams,
    LiquidationPlan, Side,
};
use options_margin_risk::{RiskError, ScenarioGrid, SeriesRisk};
use proptest::prelude::*;
use test_case::test_case;

/// A short call that loses 9_000 at +20% spot, floor 1_000: MM 10_000 per contract.
fn ten_k_short() -> SeriesRisk {
    hand(99, [99, 99, 9_099], 1_000)
}

fn inputs<'a>(
    grids: &'a [ScenarioGrid],
    p: &'a [PositionInput<'a>],
    c: &'a [CollateralInput],
) -> AccountInputs<'a> {
    AccountInputs {
        grids,
        positions: p,
        collaterals: c,
    }
}

// ---------------------------------------------------------------- tiers

#[test_case(10_500 => None; "exactly 105% is healthy")]
#[test_case(10_499 => Some(1); "just below 105% is tier 1")]
#[test_case(10_200 => Some(1); "exactly 102% is tier 1")]
#[test_case(10_199 => Some(2); "just below 102% is tier 2")]
#[test_case(10_000 => Some(2); "exactly 100% is tier 2")]
#[test_case(9_999 => Some(3); "just below 100% is tier 3")]
fn tier_boundaries(ratio_bps: i64) -> Option<u8> {
    let s = ten_k_short();
    let grids = [small_grid(2_000)];
    let p = [hand_pos(&s, 0, -10)];
    // MM = 100_000; equity = USDC − 10 × 100.
    let c = [CollateralInput::settlement(ratio_bps * 10 + 1_000)];
    let acc = inputs(&grids, &p, &c);
    assert_eq!(margin_summary(&acc).unwrap().ratio_bps, ratio_bps as u64);
    match plan_liquidation(&acc, &LiquidationParams::default()) {
        Ok(plan) => Some(plan.tier),
        Err(RiskError::AccountHealthy) => None,
        Err(e) => panic!("{e:?}"),
    }
}

fn with(f: impl FnOnce(&mut LiquidationParams)) -> LiquidationParams {
    let mut p = LiquidationParams::default();
    f(&mut p);
    p
}

/// The first release's rules: soft caps a share of the candidate, every
/// closeout closes whole candidates.
fn per_candidate() -> LiquidationParams {
    with(|p| {
        p.soft_cap_basis = CAP_OF_CANDIDATE;
        p.flatten_below_ratio_bps = 10_000;
    })
}

#[test_case(with(|_| ()) => Ok(()); "defaults")]
#[test_case(with(|p| p.tiers[1].below_ratio_bps = 10_500) => Err(RiskError::InvalidTiers); "equal thresholds")]
#[test_case(with(|p| p.tiers[2].below_ratio_bps = 9_000) => Err(RiskError::InvalidTiers); "closeout below 100%")]
#[test_case(with(|p| p.tiers[0].max_fraction_bps = 3_000) => Err(RiskError::InvalidTiers); "fractions not ascending")]
#[test_case(with(|p| p.tiers[0].max_fraction_bps = 0) => Err(RiskError::InvalidTiers); "zero fraction")]
#[test_case(with(|p| p.tiers[2].max_fraction_bps = 9_000) => Err(RiskError::InvalidTiers); "last tier not a closeout")]
#[test_case(with(|p| p.target_ratio_bps = 10_500) => Err(RiskError::InvalidTiers); "target not above top tier")]
#[test_case(with(|p| p.fee_rate_bps = 5_001) => Err(RiskError::InvalidTiers); "fee rate too high")]
fn params_validation(p: LiquidationParams) -> Result<(), RiskError> {
    p.validate()
}

// ---------------------------------------------------------------- selection table

#[derive(Debug, Clone, Copy)]
enum Row {
    HighDeltaBeforeLowDelta,
    HighGammaBeforeLowGamma,
    LosingBeforeProfitable,
    VolatileCollateralBeforeStablecoin,
    MoreVolatileCollateralFirst,
}

/// Each row of the seed's table: two candidates identical in the primary
/// score (same vectors, sizes, marks on two underlyings) except for the
/// row's characteristic. The preferred one is placed second, so the index
/// tie-break would pick the other.
#[test_case(Row::HighDeltaBeforeLowDelta => Candidate::Position(1); "high delta before hedged low delta")]
#[test_case(Row::HighGammaBeforeLowGamma => Candidate::Position(1); "high gamma before low gamma near expiry")]
#[test_case(Row::LosingBeforeProfitable => Candidate::Position(1); "losing before profitable")]
#[test_case(Row::VolatileCollateralBeforeStablecoin => Candidate::Collateral(1); "volatile collateral before stablecoin")]
#[test_case(Row::MoreVolatileCollateralFirst => Candidate::Collateral(2); "lower weight collateral first")]
fn selection_table(row: Row) -> Candidate {
    let base = ten_k_short();
    let (mut a, mut b) = (base, base);
    let grids = [small_grid(2_000), small_grid(2_000)];
    match row {
        Row::HighDeltaBeforeLowDelta => {
            a.delta_e9 = 100_000_000;
            b.delta_e9 = 900_000_000;
        }
        Row::HighGammaBeforeLowGamma => {
            a.gamma_e9 = 1_000_000;
            b.gamma_e9 = 50_000_000;
        }
        _ => {}
    }
    let mut p = vec![hand_pos(&a, 0, -10), hand_pos(&b, 1, -10)];
    if let Row::LosingBeforeProfitable = row {
        p[0].cost_basis_native = -5_000; // sold for 500 each, now 100: profit
        p[1].cost_basis_native = -500; // sold for 50 each, now 100: loss
    }
    let mut c = match row {
        Row::VolatileCollateralBeforeStablecoin => vec![
            CollateralInput::settlement(0),
            volatile(10_000_000_000, 100, 8_000),
        ],
        Row::MoreVolatileCollateralFirst => vec![
            CollateralInput::settlement(0),
            volatile(10_000_000_000, 100, 9_000),
            volatile(10_000_000_000, 100, 5_000),
        ],
        _ => vec![CollateralInput::settlement(0)],
    };
    if matches!(
        row,
        Row::VolatileCollateralBeforeStablecoin | Row::MoreVolatileCollateralFirst
    ) {
        p.clear();
    }
    let m = summary(&grids, &p, &c);
    c[0].balance_native = settlement_for_ratio(&m, 10_300);
    let plan = plan_liquidation(&inputs(&grids, &p, &c), &LiquidationParams::default()).unwrap();
    assert_eq!(plan.tier, 1);
    plan.candidate
}

/// Rule 0 against the score on one book: a far out-of-the-money wing
/// (4 contracts: mark 1, floor 100, loses 3,000 at +20%) frees ~30× its
/// value per contract, a large short (10 `ten_k_short`) ~9×. With caps
/// on the candidate and whole-candidate closeouts:
/// - Tier 1 with a 10% cap: the wing's one-lot slice cannot restore the
///   target, one contract of the large short can: it goes first.
/// - Tier 1 with 90% caps: both restore, so the score picks the wing.
/// - Closeout: whole candidates; the large short frees the most MM.
#[test_case(10_300, 1_000 => (1, Candidate::Position(1)); "soft tier: a slice that restores the target first")]
#[test_case(10_300, 9_000 => (1, Candidate::Position(0)); "soft tier, both restore: the score picks the wing")]
#[test_case(9_000, 1_000 => (3, Candidate::Position(1)); "closeout: the largest MM release first")]
fn restore_first_then_score(ratio_bps: u64, tier1_fraction_bps: u32) -> (u8, Candidate) {
    let wing = hand(1, [1, 1, 3_001], 100);
    let big = ten_k_short();
    let grids = [small_grid(2_000), small_grid(2_000)];
    let p = vec![hand_pos(&wing, 0, -4), hand_pos(&big, 1, -10)];
    let mut c = vec![CollateralInput::settlement(0)];
    let m = summary(&grids, &p, &c);
    c[0].balance_native = settlement_for_ratio(&m, ratio_bps);
    let mut params = per_candidate();
    params.tiers[0].max_fraction_bps = tier1_fraction_bps;
    params.tiers[1].max_fraction_bps = params.tiers[1]
        .max_fraction_bps
        .max(tier1_fraction_bps + 500);
    let acc = inputs(&grids, &p, &c);
    let plan = plan_liquidation(&acc, &params).unwrap();
    let whole = |i: u8, q: u64| evaluate_liquidation(&acc, &params, Candidate::Position(i), q);
    if plan.tier == 3 {
        let (w, b) = (whole(0, 4).unwrap(), whole(1, 10).unwrap());
        assert!(w.score_e12 > b.score_e12, "the wing scores higher");
        assert!(
            b.mm_after_native < w.mm_after_native,
            "the short frees more"
        );
    }
    assert!(plan.reaches_target || plan.tier == 3, "{plan:?}");
    (plan.tier, plan.candidate)
}

#[test]
fn hedge_leg_is_never_chosen() {
    // Bear call spread: short the 500-mark call, long the 200-mark call.
    let short = hand(500, [0, 500, 3_000], 300);
    let long = hand(200, [0, 200, 1_800], 300);
    let grids = [small_grid(2_000)];
    let p = [hand_pos(&short, 0, -10), hand_pos(&long, 0, 10)];
    let mut c = [CollateralInput::settlement(0)];
    let m = summary(&grids, &p, &c);
    assert_eq!(m.mm_native, 9_000);
    c[0].balance_native = settlement_for_ratio(&m, 10_100);
    let acc = inputs(&grids, &p, &c);
    let plan = plan_liquidation(&acc, &LiquidationParams::default()).unwrap();
    assert_eq!(
        (plan.candidate, plan.side),
        (Candidate::Position(0), Side::Buy)
    );
    let long_leg = evaluate_liquidation(
        &acc,
        &LiquidationParams::default(),
        Candidate::Position(1),
        1,
    );
    assert_eq!(long_leg, Err(RiskError::NoLiquidationCandidate));
}

// ---------------------------------------------------------------- amounts

#[test]
fn just_enough_option_amount_with_lots() {
    let s = ten_k_short();
    let grids = [small_grid(2_000)];
    let mut p = [hand_pos(&s, 0, -1_000)];
    p[0].lot_size_contracts = 7;
    let mut c = [CollateralInput::settlement(0)];
    c[0].balance_native = settlement_for_ratio(&summary(&grids, &p, &c), 10_300);
    let acc = inputs(&grids, &p, &c);
    let params = LiquidationParams {
        fee_flat_native: 0,
        fee_rate_bps: 0,
        fee_rate_max_bps: 0,
        ..Default::default()
    };
    let plan = plan_liquidation(&acc, &params).unwrap();
    // Equity E = 1.03·MM0, MM(q) = 10_000·(1_000 − q) ⇒ q ≥ 1_000·(1 − 1.03/1.10) = 63.6 → 64 → 70 (lots of 7).
    assert_eq!(plan.quantity, 70);
    assert!(plan.reaches_target && !plan.capped_by_tier && !plan.closes_candidate);
    assert_eq!(plan.fee_native, 0);
    let less = evaluate_liquidation(&acc, &params, plan.candidate, 63).unwrap();
    assert!(!less.reaches_target);
    check_post_conditions(&acc, &params, &plan);
}

#[test]
fn tier_cap_limits_the_amount() {
    let s = ten_k_short();
    let grids = [small_grid(2_000)];
    let p = [hand_pos(&s, 0, -100)];
    let unfunded = summary(&grids, &p, &[CollateralInput::settlement(0)]);
    let at = |ratio| {
        [CollateralInput::settlement(settlement_for_ratio(
            &unfunded, ratio,
        ))]
    };
    let params = LiquidationParams::default();
    // Tier 2 at 100.1%: the target needs 100·(1 − 1.001/1.1) ≈ 9 contracts plus
    // the fee's share, within the 25% cap.
    let c = at(10_010);
    let plan = plan_liquidation(&inputs(&grids, &p, &c), &params).unwrap();
    assert_eq!(plan.tier, 2);
    assert!(!plan.capped_by_tier && plan.reaches_target);
    assert!((9..=12).contains(&plan.quantity), "{plan:?}");
    // Tier 1 with a 1% cap (a custom tier set): the cap binds.
    let c = at(10_450);
    let acc = inputs(&grids, &p, &c);
    let tight = with(|p| p.tiers[0].max_fraction_bps = 100);
    let plan = plan_liquidation(&acc, &tight).unwrap();
    assert_eq!((plan.tier, plan.quantity), (1, 1));
    assert!(plan.capped_by_tier && !plan.reaches_target);
    check_post_conditions(&acc, &tight, &plan);
}

/// Below the flatten threshold (here every closeout: 100%), a closeout
/// closes the whole candidate.
#[test]
fn below_the_flatten_threshold_a_closeout_closes_the_whole_candidate() {
    let s = ten_k_short();
    let grids = [small_grid(2_000)];
    let p = [hand_pos(&s, 0, -40), hand_pos(&s, 0, -10)];
    let mut c = [CollateralInput::settlement(0)];
    c[0].balance_native = settlement_for_ratio(&summary(&grids, &p, &c), 9_000);
    let acc = inputs(&grids, &p, &c);
    let params = with(|p| p.flatten_below_ratio_bps = 10_000);
    let plan = plan_liquidation(&acc, &params).unwrap();
    assert_eq!(plan.tier, 3);
    assert!(plan.closes_candidate && plan.flattens);
    let size = p[match plan.candidate {
        Candidate::Position(i) => usize::from(i),
        Candidate::Collateral(_) => unreachable!(),
    }]
    .size_contracts;
    assert_eq!(plan.quantity, size.unsigned_abs());
    check_post_conditions(&acc, &params, &plan);
}

/// Above the flatten threshold a closeout takes just enough: 99% of MM
/// on 100 shorts of MM 10_000 needs 100·(1 − 0.99/1.1) = 10 contracts plus
/// the fee's share; one fewer misses the target.
#[test]
fn a_closeout_above_the_flatten_threshold_takes_just_enough() {
    let s = ten_k_short();
    let grids = [small_grid(2_000)];
    let p = [hand_pos(&s, 0, -100)];
    let mut c = [CollateralInput::settlement(0)];
    c[0].balance_native = settlement_for_ratio(&summary(&grids, &p, &c), 9_900);
    let acc = inputs(&grids, &p, &c);
    let params = LiquidationParams::default();
    assert_eq!(params.flatten_below_ratio_bps, 5_000);
    let plan = plan_liquidation(&acc, &params).unwrap();
    assert_eq!(plan.tier, 3);
    assert!(plan.reaches_target && !plan.flattens && !plan.closes_candidate);
    assert!((10..=12).contains(&plan.quantity), "{plan:?}");
    let less = evaluate_liquidation(&acc, &params, plan.candidate, plan.quantity - 1).unwrap();
    assert!(!less.reaches_target);
    check_post_conditions(&acc, &params, &plan);
    // The first release's rule closes all 100.
    let whole = plan_liquidation(&acc, &per_candidate()).unwrap();
    assert_eq!((whole.quantity, whole.flattens), (100, true));
}

/// The flatten threshold at its edge: at exactly 50.00% the closeout still
/// takes just enough; one bps below it closes the whole candidate.
#[test_case(5_000 => false; "at the threshold: just enough")]
#[test_case(4_999 => true; "one bps below: whole candidate")]
fn the_flatten_threshold_at_its_edge(ratio_bps: u64) -> bool {
    let s = ten_k_short();
    let grids = [small_grid(2_000)];
    let p = [hand_pos(&s, 0, -100)];
    let mut c = [CollateralInput::settlement(0)];
    c[0].balance_native = settlement_for_ratio(&summary(&grids, &p, &c), ratio_bps);
    let acc = inputs(&grids, &p, &c);
    assert_eq!(margin_summary(&acc).unwrap().ratio_bps, ratio_bps);
    let params = LiquidationParams::default();
    let plan = plan_liquidation(&acc, &params).unwrap();
    check_post_conditions(&acc, &params, &plan);
    assert_eq!(plan.closes_candidate, plan.flattens, "{plan:?}");
    plan.flattens
}

/// Soft caps sized on the account: ten shorts of 10 contracts at 103%
/// need 6.4% of MM released. A 10% share of the candidate allows one
/// contract (1% of MM, short of the target); a 10% share of the account's
/// MM allows the seven contracts that restore it in one call.
#[test]
fn a_soft_cap_on_the_account_mm_restores_the_target_in_one_call() {
    let s = ten_k_short();
    let grids = [small_grid(2_000)];
    let p: Vec<_> = (0..10).map(|_| hand_pos(&s, 0, -10)).collect();
    let mut c = [CollateralInput::settlement(0)];
    c[0].balance_native = settlement_for_ratio(&summary(&grids, &p, &c), 10_300);
    let acc = inputs(&grids, &p, &c);
    let by_candidate = plan_liquidation(&acc, &per_candidate()).unwrap();
    assert_eq!((by_candidate.tier, by_candidate.quantity), (1, 1));
    assert!(by_candidate.capped_by_tier && !by_candidate.reaches_target);
    let params = LiquidationParams::default();
    let plan = plan_liquidation(&acc, &params).unwrap();
    assert_eq!(plan.tier, 1);
    assert!(plan.reaches_target && !plan.capped_by_tier, "{plan:?}");
    assert_eq!(plan.quantity, 7);
    check_post_conditions(&acc, &params, &plan);
    // A 2% share cuts it at two contracts (the least reaching 2% of MM).
    let tight = with(|p| p.tiers[0].max_fraction_bps = 200);
    let cut = plan_liquidation(&acc, &tight).unwrap();
    assert_eq!(cut.quantity, 2);
    assert!(cut.capped_by_tier && !cut.reaches_target);
    check_post_conditions(&acc, &tight, &cut);
}

/// The proportional rate ramps from the base at the first tier to the
/// maximum at 100% of MM (floor), flat outside; no ramp when the maximum is
/// not above the base. A plan's fee uses the rate of its ratio before.
#[test]
fn the_fee_rate_ramps_from_the_first_tier_to_100_percent() {
    let p = with(|p| {
        p.fee_rate_bps = 100;
        p.fee_rate_max_bps = 600;
    });
    let at = |r| p.fee_rate_at_floor(r);
    assert_eq!(
        [
            at(12_000),
            at(10_500),
            at(10_499),
            at(10_250),
            at(10_000),
            at(5_000)
        ],
        [100, 100, 101, 350, 600, 600]
    );
    let flat = with(|p| p.fee_rate_max_bps = 50);
    assert_eq!(flat.fee_rate_at_floor(9_000), flat.fee_rate_bps);
    // 100 shorts of MM 10_000 at 99%: no flat fee (partial), so the fee is
    // ⌊600 bps · MM released⌋ (the excess and ratio caps do not bind).
    let s = ten_k_short();
    let grids = [small_grid(2_000)];
    let pos = [hand_pos(&s, 0, -100)];
    let mut c = [CollateralInput::settlement(0)];
    c[0].balance_native = settlement_for_ratio(&summary(&grids, &pos, &c), 9_900);
    let acc = inputs(&grids, &pos, &c);
    let plan = plan_liquidation(&acc, &p).unwrap();
    let released = (plan.mm_before_native - plan.mm_after_native) as u64;
    assert!(!plan.closes_candidate);
    assert_eq!(plan.fee_native, released * 600 / 10_000);
    check_post_conditions(&acc, &p, &plan);
}

#[test]
fn bankrupt_account_pays_no_fee() {
    let s = ten_k_short();
    let grids = [small_grid(2_000)];
    let p = [hand_pos(&s, 0, -10)];
    let c = [CollateralInput::settlement(-5_000)];
    let acc = inputs(&grids, &p, &c);
    let plan = plan_liquidation(&acc, &LiquidationParams::default()).unwrap();
    assert_eq!((plan.tier, plan.fee_native, plan.quantity), (3, 0, 10));
    assert_eq!(plan.equity_after_native, plan.equity_before_native);
}

#[test]
fn just_enough_collateral_sale() {
    let grids = [small_grid(2_000)];
    let mut c = [
        CollateralInput::settlement(0),
        volatile(50_000_000_000, 100, 8_000),
    ];
    c[0].balance_native = settlement_for_ratio(&summary(&grids, &[], &c), 10_100);
    let acc = inputs(&grids, &[], &c);
    let params = LiquidationParams::default();
    let plan = plan_liquidation(&acc, &params).unwrap();
    assert_eq!(
        (plan.candidate, plan.side),
        (Candidate::Collateral(1), Side::Sell)
    );
    assert!(plan.reaches_target && !plan.capped_by_tier);
    let less = evaluate_liquidation(&acc, &params, plan.candidate, plan.quantity - 1).unwrap();
    assert!(!less.reaches_target);
    check_post_conditions(&acc, &params, &plan);
}

#[test]
fn healthy_and_empty_accounts_are_refused() {
    let grids = [small_grid(2_000)];
    let c = [CollateralInput::settlement(1)];
    let r = plan_liquidation(&inputs(&grids, &[], &c), &LiquidationParams::default());
    assert_eq!(r, Err(RiskError::AccountHealthy));
    let bad = with(|p| p.target_ratio_bps = 0);
    assert_eq!(
        plan_liquidation(&inputs(&grids, &[], &c), &bad),
        Err(RiskError::InvalidTiers)
    );
}

// ---------------------------------------------------------------- post-conditions

/// What every liquidation call (planned or a smaller slice) guarantees,
/// checked against a recomputation of the account after `apply_plan`.
fn check_outcome(acc: &AccountInputs, params: &LiquidationParams, plan: &LiquidationPlan) {
    let before = margin_summary(acc).unwrap();
    let state = apply_plan(acc, plan).unwrap();
    let after = margin_summary(&state.inputs()).unwrap();
    // The planner's model is exact.
    assert_eq!(after.mm_native, plan.mm_after_native, "{plan:?}");
    assert_eq!(after.equity_native, plan.equity_after_native);
    assert_eq!(
        plan.equity_after_native,
        before.equity_native - plan.fee_native as i64
    );
    assert_eq!(after.ratio_bps, plan.ratio_after_bps);
    // MM falls; the fee never exceeds equity.
    assert!(plan.mm_after_native < plan.mm_before_native);
    assert!(plan.fee_native as i64 <= before.equity_native.max(0));
    if let Candidate::Collateral(j) = plan.candidate {
        assert!(!acc.collaterals[usize::from(j)].is_settlement);
    }
    let (e0, m0) = (
        i128::from(before.equity_native),
        i128::from(before.mm_native),
    );
    let (e1, m1) = (i128::from(after.equity_native), i128::from(after.mm_native));
    if e0 > 0 {
        // Ratio and excess strictly improve.
        assert!(e1 * m0 > e0 * m1, "ratio worsened: {plan:?}");
        assert!(e1 - m1 > e0 - m0, "excess worsened: {plan:?}");
        assert!(plan.ratio_after_bps >= plan.ratio_before_bps);
    }
    let target = i128::from(params.target_ratio_bps);
    assert_eq!(plan.reaches_target, e1 * 10_000 >= target * m1);
}

/// Everything a plan promises: [`check_outcome`] plus a just-enough amount.
fn check_post_conditions(acc: &AccountInputs, params: &LiquidationParams, plan: &LiquidationPlan) {
    check_outcome(acc, params, plan);
    // Just enough: one step (lot) less does not reach the target, and a
    // cut by a share of the account's MM is the least lot that reaches it.
    let mm_share_cut = plan.capped_by_tier && params.soft_cap_basis == CAP_OF_ACCOUNT_MM;
    if (plan.reaches_target || mm_share_cut) && !plan.flattens {
        let step = match plan.candidate {
            Candidate::Position(i) => {
                let lot = acc.positions[usize::from(i)].lot_size_contracts;
                if plan.quantity.is_multiple_of(lot) {
                    lot
                } else {
                    plan.quantity % lot
                }
            }
            Candidate::Collateral(_) => 1,
        };
        if plan.quantity > step {
            if let Ok(less) =
                evaluate_liquidation(acc, params, plan.candidate, plan.quantity - step)
            {
                assert!(!less.reaches_target, "not minimal: {plan:?} vs {less:?}");
                if mm_share_cut {
                    let fraction = params.tiers[usize::from(plan.tier) - 1].max_fraction_bps;
                    let share = i128::from(plan.mm_before_native) * i128::from(fraction) / 10_000;
                    let released = i128::from(plan.mm_before_native - less.mm_after_native);
                    assert!(released < share, "cut late: {plan:?} vs {less:?}");
                }
            }
        }
    }
    // Short of the target only when capped, closed out, or MM bottomed out.
    if !plan.reaches_target && !plan.flattens && !plan.capped_by_tier && !plan.closes_candidate {
        if let Candidate::Position(i) = plan.candidate {
            let lot = acc.positions[usize::from(i)].lot_size_contracts;
            if let Ok(more) = evaluate_liquidation(acc, params, plan.candidate, plan.quantity + lot)
            {
                assert!(
                    more.mm_after_native >= plan.mm_after_native,
                    "stopped early: {plan:?}"
                );
            }
        }
    }
}

/// A random book from the pool, a random volatile collateral, and the
/// settlement balance that puts the account at `ratio_bps`.
fn account(
    spec: &[(usize, i64, u64)],
    sol: i64,
    ratio_bps: u64,
) -> (Vec<PositionInput<'static>>, Vec<CollateralInput>) {
    let p: Vec<_> = spec
        .iter()
        .map(|&(i, n, lot)| position(&pool()[i], n, lot))
        .collect();
    let mut c = vec![CollateralInput::settlement(0), volatile(sol, 100, 8_000)];
    let m = summary(&default_grids(), &p, &c);
    c[0].balance_native = settlement_for_ratio(&m, ratio_bps);
    (p, c)
}

fn spec_strategy() -> impl Strategy<Value = Vec<(usize, i64, u64)>> {
    prop::collection::vec(
        (
            0..pool().len(),
            -300i64..=300,
            prop::sample::select(vec![1u64, 1, 5, 10]),
        ),
        1..=12,
    )
}

fn params_strategy() -> impl Strategy<Value = LiquidationParams> {
    (
        0u64..=5_000_000,
        0u16..=500,
        prop_oneof![Just(0u32), 5_000u32..=10_000],
        0u8..=1,
        0u16..=1_000,
    )
        .prop_map(|(flat, rate, flatten, basis, max)| LiquidationParams {
            fee_flat_native: flat,
            fee_rate_bps: rate,
            flatten_below_ratio_bps: flatten,
            soft_cap_basis: basis,
            fee_rate_max_bps: max,
            ..Default::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn plans_keep_their_promises(
        spec in spec_strategy(),
        sol in 0i64..=200_000_000_000,
        ratio in prop_oneof![9_900u64..10_500, 500u64..10_500],
        params in params_strategy(),
    ) {
        let grids = default_grids();
        let (p, c) = account(&spec, sol, ratio);
        let acc = inputs(&grids, &p, &c);
        let m = margin_summary(&acc).unwrap();
        prop_assume!(m.mm_native > 20_000);
        match plan_liquidation(&acc, &params) {
            Ok(plan) => check_post_conditions(&acc, &params, &plan),
            Err(RiskError::NoLiquidationCandidate) => {}
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }

    #[test]
    fn healthy_accounts_are_never_liquidated(
        spec in spec_strategy(),
        sol in 0i64..=200_000_000_000,
        ratio in 10_500u64..40_000,
    ) {
        let grids = default_grids();
        let (p, c) = account(&spec, sol, ratio);
        let acc = inputs(&grids, &p, &c);
        prop_assume!(margin_summary(&acc).unwrap().mm_native > 20_000);
        prop_assert_eq!(plan_liquidation(&acc, &LiquidationParams::default()), Err(RiskError::AccountHealthy));
    }

    /// Splitting one call into N calls on the same candidate (lot multiples)
    /// never earns more in total, and every slice improves the account.
    #[test]
    fn slicing_never_pays_more(
        spec in spec_strategy(),
        sol in 0i64..=200_000_000_000,
        ratio in prop_oneof![9_900u64..10_500, 3_000u64..10_500],
        params in params_strategy(),
        cuts in prop::collection::vec(1u64..=100, 1..=6),
    ) {
        let grids = default_grids();
        let (p, c) = account(&spec, sol, ratio);
        let acc = inputs(&grids, &p, &c);
        prop_assume!(margin_summary(&acc).unwrap().mm_native > 20_000);
        let Ok(single) = plan_liquidation(&acc, &params) else { return Ok(()) };
        let unit = match single.candidate {
            Candidate::Position(i) => p[usize::from(i)].lot_size_contracts,
            Candidate::Collateral(_) => 1,
        };
        // Slice sizes in lots, proportional to `cuts`; the last takes the rest.
        let total_cuts: u64 = cuts.iter().sum();
        let mut slices: Vec<u64> = cuts.iter().map(|k| single.quantity * k / total_cuts / unit * unit).collect();
        let taken: u64 = slices.iter().sum();
        *slices.last_mut().unwrap() += single.quantity - taken;
        let mut state = AccountState::from_inputs(&acc).unwrap();
        let mut total_fee = 0u64;
        for q in slices.into_iter().filter(|&q| q > 0) {
            match evaluate_liquidation(&state.inputs(), &params, single.candidate, q) {
                Ok(slice) => {
                    check_outcome(&state.inputs(), &params, &slice);
                    total_fee += slice.fee_native;
                    state.apply(&slice).unwrap();
                }
                // Healthy again, or the slice exceeds a softer tier's cap: the sequence stops.
                Err(RiskError::AccountHealthy) | Err(RiskError::InvalidInput) => break,
                Err(e) => prop_assert!(false, "{:?}", e),
            }
        }
        prop_assert!(total_fee <= single.fee_native, "sliced {} > single {}", total_fee, single.fee_native);
    }
}

/// The random accounts above reach every branch of the planner (so the
/// properties are not vacuous): soft and closeout tiers, reaching the
/// target, tier caps, collateral candidates, closeouts and fee caps.
#[test]
fn random_accounts_cover_every_branch() {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let mut seen = [0u32; 10];
    let grids = default_grids();
    for _ in 0..2_000 {
        let spec: Vec<_> = (0..1 + next(8))
            .map(|_| {
                (
                    next(pool().len() as u64) as usize,
                    next(601) as i64 - 300,
                    [1, 5, 10][next(3) as usize],
                )
            })
            .collect();
        let sol = if next(2) == 0 {
            0
        } else {
            next(200_000_000_000) as i64
        };
        let ratio = if next(2) == 0 {
            9_900 + next(600)
        } else {
            500 + next(10_000)
        };
        let (p, c) = account(&spec, sol, ratio);
        let acc = inputs(&grids, &p, &c);
        if margin_summary(&acc).unwrap().mm_native <= 20_000 {
            continue;
        }
        let params = LiquidationParams {
            fee_flat_native: next(5_000_000),
            fee_rate_bps: next(500) as u16,
            flatten_below_ratio_bps: [0, 9_000, 10_000][next(3) as usize],
            soft_cap_basis: next(2) as u8,
            fee_rate_max_bps: next(1_001) as u16,
            ..Default::default()
        };
        let mut params = params;
        // Tight soft caps too, so a share of the account's MM can bind.
        let tight = [100, 300, 1_000][next(3) as usize];
        params.tiers[0].max_fraction_bps = tight;
        params.tiers[1].max_fraction_bps = tight.max(500);
        let Ok(plan) = plan_liquidation(&acc, &params) else {
            continue;
        };
        check_post_conditions(&acc, &params, &plan);
        seen[0] += u32::from(plan.tier < 3);
        seen[1] += u32::from(plan.tier == 3);
        seen[2] += u32::from(plan.reaches_target);
        seen[3] += u32::from(plan.capped_by_tier);
        seen[4] += u32::from(matches!(plan.candidate, Candidate::Collateral(_)));
        seen[5] += u32::from(plan.closes_candidate);
        seen[6] += u32::from(plan.fee_native > 0);
        seen[7] += u32::from(plan.tier == 3 && !plan.flattens && plan.reaches_target);
        seen[8] += u32::from(plan.flattens);
        seen[9] += u32::from(plan.capped_by_tier && params.soft_cap_basis == CAP_OF_ACCOUNT_MM);
    }
    println!(
        "soft, closeout, target, capped, collateral, closes, fee>0, just-enough closeout, \
         flattens, capped by MM share: {seen:?}"
    );
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
}

/// Hostile inputs: any i64 in every stored field, any sizes, balances and
/// prices. Margin and planner return errors, never panic (tests run with
/// overflow checks on).
mod never_panics {
    use super::*;
    use options_margin_risk::margin::{account_margin, OptionKind};

    fn any_series() -> impl Strategy<Value = SeriesRisk> {
        (
            any::<i64>(),
            prop::array::uniform3(prop_oneof![any::<i64>(), -1_000_000i64..1_000_000]),
            any::<i64>(),
            any::<i64>(),
            prop_oneof![any::<i64>(), 0i64..1_000_000],
        )
            .prop_map(|(mark, vals, delta, gamma, floor)| {
                let mut s = hand(mark, vals, 0);
                s.delta_e9 = delta;
                s.gamma_e9 = gamma;
                s.short_floor_mm_native = floor;
                s.short_floor_im_native = floor;
                s
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]
        #[test]
        fn hostile_inputs(
            series in prop::collection::vec(any_series(), 1..=4),
            sizes in prop::collection::vec((prop_oneof![any::<i64>(), -1_000i64..1_000], 0u64..20, 0u8..3), 1..=4),
            balances in prop::collection::vec((any::<i64>(), 0u8..20, any::<u64>(), any::<u16>()), 0..=3),
            usdc in any::<i64>(),
            flat in any::<u64>(),
        ) {
            let grids = [small_grid(2_000), small_grid(0)];
            let p: Vec<_> = sizes
                .iter()
                .enumerate()
                .map(|(i, &(n, lot, u))| PositionInput {
                    series: &series[i % series.len()],
                    underlying: u,
                    kind: if i % 2 == 0 { OptionKind::Call } else { OptionKind::Put },
                    size_contracts: n,
                    cost_basis_native: n,
                    lot_size_contracts: lot,
                })
                .collect();
            let mut c: Vec<_> = balances
                .iter()
                .map(|&(b, d, price, w)| CollateralInput {
                    balance_native: b,
                    decimals: d,
                    price_low_e12: price / 2,
                    price_high_e12: price,
                    init_weight_bps: w.min(10_000) / 2,
                    maint_weight_bps: w.min(10_000),
                    is_settlement: false,
                })
                .collect();
            c.push(CollateralInput::settlement(usdc));
            let acc = inputs(&grids, &p, &c);
            let _ = account_margin(&acc);
            let params = LiquidationParams { fee_flat_native: flat, ..Default::default() };
            if let Ok(plan) = plan_liquidation(&acc, &params) {
                let _ = apply_plan(&acc, &plan);
                let _ = evaluate_liquidation(&acc, &params, plan.candidate, plan.quantity / 2 + 1);
            }
        }
    }
}
