//! `partial_liquidate` in real transactions: tiers at their exact
//! boundaries, just-enough amounts, the grace period, closeout, the caller's
//! guards, and the refusals that must change nothing.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::events::LiquidationEvent;
use options_margin::state::{Collateral, Exchange, MarginAccount, RiskParams, Series};
use options_margin_tests::bench::{assert_unchanged, find_event, program_test};
use options_margin_tests::options::sol_terms;
use options_margin_tests::{assert_error_code, client, ix, ExchangeFixture, TestBench, User};
use solana_signer::Signer;
use test_case::test_case;

const DAY: i64 = 86_400;
/// unit: quote native. One dollar.
const USD: u64 = 1_000_000;

/// A put writer (20 × 30-day 140 puts sold at $150) after SOL fell to $125,
/// a buyer, and a well-funded keeper that liquidates.
struct Book {
    bench: TestBench,
    fx: ExchangeFixture,
    u: Pubkey,
    put: Pubkey,
    writer: User,
    keeper: User,
}

async fn move_price(
    bench: &mut TestBench,
    fx: &ExchangeFixture,
    u: &Pubkey,
    series: &[Pubkey],
    price_e8: i64,
) {
    bench.advance_time(1).await;
    fx.publish_and_refresh(bench, u, series, price_e8).await;
}

async fn book() -> Book {
    book_with(20, 500 * USD).await
}

/// The default parameters with both soft tiers capped at `cap_bps` of a candidate.
fn soft_caps(cap_bps: u32) -> RiskParams {
    let mut risk = RiskParams::defaults();
    risk.tiers[0].max_fraction_bps = cap_bps;
    risk.tiers[1].max_fraction_bps = cap_bps;
    risk
}

/// Like [`book`] with `contracts` puts written on `deposit` USDC.
async fn book_with(contracts: i64, deposit: u64) -> Book {
    book_with_risk(contracts, deposit, RiskParams::defaults()).await
}

/// Like [`book_with`] on an exchange created with `risk`.
async fn book_with_risk(contracts: i64, deposit: u64, risk: RiskParams) -> Book {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup_with_risk(&mut bench, risk).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let put = fx
        .ready_series(
            &mut bench,
            &u,
            sol_terms(false, 140, now + 30 * DAY),
            750_000,
        )
        .await;
    let writer = fx.new_user(&mut bench, 100_000 * USD, 0).await;
    let buyer = fx.new_user(&mut bench, 100_000 * USD, 0).await;
    let keeper = fx.new_user(&mut bench, 1_000_000 * USD, 0).await;
    fx.deposit(&mut bench, &writer, &fx.usdc.mint, deposit)
        .await
        .unwrap();
    fx.deposit(&mut bench, &buyer, &fx.usdc.mint, 50_000 * USD)
        .await
        .unwrap();
    fx.deposit(&mut bench, &keeper, &fx.usdc.mint, 500_000 * USD)
        .await
        .unwrap();
    let s: Series = bench.load_zc(&put).await;
    fx.trade(
        &mut bench,
        &buyer,
        &writer,
        &put,
        contracts,
        s.risk.mark_native as u64,
    )
    .await
    .expect("write 20 puts");
    move_price(&mut bench, &fx, &u, &[put], 12_500_000_000).await;
    Book {
        bench,
        fx,
        u,
        put,
        writer,
        keeper,
    }
}

async fn summary(b: &Book, margin: &Pubkey) -> options_margin::health::MarginSummary {
    let health = b.fx.health_accounts(&b.bench, margin).await;
    client::margin_summary(&b.bench, &b.fx.exchange, margin, &health)
        .await
        .unwrap()
}

/// Deposits exactly what puts the writer's ratio at `target_bps`.
async fn set_ratio(b: &mut Book, target_bps: u64) {
    let m = summary(b, &b.writer.margin).await;
    assert!(m.ratio_bps < target_bps, "start below the target: {m:?}");
    let mm = m.maintenance_margin_native as i128;
    let equity_needed = ((target_bps as i128 * mm + 9_999) / 10_000) as i64;
    let top_up = (equity_needed - m.equity_native) as u64;
    b.fx.deposit(&mut b.bench, &b.writer, &b.fx.usdc.mint, top_up)
        .await
        .unwrap();
    assert_eq!(summary(b, &b.writer.margin).await.ratio_bps, target_bps);
}

fn watched(b: &Book) -> Vec<Pubkey> {
    vec![b.writer.margin, b.keeper.margin, b.put, b.fx.exchange]
}

#[test_case(10_500, None ; "105.00% is healthy")]
#[test_case(10_499, Some(1) ; "just below 105% is tier 1")]
#[test_case(10_200, Some(1) ; "102.00% is still tier 1")]
#[test_case(10_199, Some(2) ; "just below 102% is tier 2")]
#[test_case(10_000, Some(2) ; "100.00% is still tier 2")]
#[test_case(9_999, Some(3) ; "below 100% is closeout")]
#[tokio::test]
async fn tiers_at_their_exact_boundaries(ratio_bps: u64, tier: Option<u8>) {
    let mut b = book().await;
    set_ratio(&mut b, ratio_bps).await;
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;
    let r =
        b.fx.liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
            .await;
    let Some(tier) = tier else {
        assert_error_code!(r, ErrorCode::AccountHealthy);
        assert_unchanged(&b.bench, &keys, &before).await;
        return;
    };
    let ev: LiquidationEvent = find_event(&r.expect("liquidation")).expect("liquidation event");
    assert_eq!(ev.tier, tier);
    assert_eq!(ev.ratio_before_bps, ratio_bps);
    assert!(ev.ratio_after_bps > ev.ratio_before_bps && ev.mm_after_native <= ev.mm_before_native);
    assert!(ev.fee_native > 0 && ev.target == b.put && ev.target_is_position);
    // The keeper now holds the short slice it took over, at the mark.
    let keeper: MarginAccount = b.bench.load_zc(&b.keeper.margin).await;
    let slot = keeper.position_slot(&b.put).expect("keeper took the slice");
    assert_eq!(keeper.positions[slot].size_contracts, ev.quantity);
    assert!(ev.quantity < 0, "a short slice moves to the keeper");
    let after = summary(&b, &b.writer.margin).await;
    assert_eq!(
        (after.ratio_bps, after.equity_native),
        (ev.ratio_after_bps, ev.equity_after_native)
    );
}

#[tokio::test]
async fn a_soft_liquidation_takes_just_enough() {
    let mut b = book().await;
    set_ratio(&mut b, 10_400).await;
    let health = b.fx.liquidatee_health(&b.bench, &b.writer.margin).await;
    let (plan, _, _) = client::plan_liquidation(
        &b.bench,
        &b.fx.exchange,
        &b.writer.margin,
        &health,
        u64::MAX,
    )
    .await
    .unwrap();
    assert!(!plan.capped_by_tier && plan.reaches_target, "{plan:?}");
    let target = 11_000u64;
    assert!(plan.ratio_after_bps >= target);
    // One lot less would not have reached the target.
    let (less, _, _) = client::plan_liquidation(
        &b.bench,
        &b.fx.exchange,
        &b.writer.margin,
        &health,
        plan.quantity - 1,
    )
    .await
    .unwrap();
    assert!(less.ratio_after_bps < target, "{less:?}");
    let ev: LiquidationEvent = find_event(
        &b.fx
            .liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(ev.quantity.unsigned_abs(), plan.quantity);
    assert_eq!(ev.ratio_after_bps, plan.ratio_after_bps);
    // Healthy now: a second call has nothing to do.
    let r =
        b.fx.liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::AccountHealthy);
}

#[tokio::test]
async fn over_asking_is_clamped_and_under_asking_takes_less() {
    let mut b = book().await;
    set_ratio(&mut b, 10_100).await;
    let health = b.fx.liquidatee_health(&b.bench, &b.writer.margin).await;
    let (plan, _, _) = client::plan_liquidation(
        &b.bench,
        &b.fx.exchange,
        &b.writer.margin,
        &health,
        u64::MAX,
    )
    .await
    .unwrap();
    assert!(plan.quantity >= 2, "{plan:?}");
    let ev: LiquidationEvent = find_event(
        &b.fx
            .liquidate(
                &mut b.bench,
                &b.keeper,
                &b.writer.margin,
                plan.quantity + 1_000,
                0,
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        ev.quantity.unsigned_abs(),
        plan.quantity,
        "asking for more is clamped to the plan"
    );

    let mut b = book().await;
    set_ratio(&mut b, 10_100).await;
    let ev: LiquidationEvent = find_event(
        &b.fx
            .liquidate(&mut b.bench, &b.keeper, &b.writer.margin, 1, 0)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(ev.quantity, -1, "asking for less takes less");
}

#[tokio::test]
async fn the_grace_period_blocks_a_second_soft_liquidation_until_it_expires() {
    // 200 contracts and soft caps of 1% of the account's MM (2 contracts
    // a call): a call that takes its full plan stays capped, in a soft tier.
    let mut b = book_with_risk(200, 5_000 * USD, soft_caps(100)).await;
    set_ratio(&mut b, 10_300).await;
    // Only a call that takes its full plan, cut by the tier's cap, starts
    // the grace period (a token slice buys no immunity: see
    // `security_liquidation`).
    b.fx.liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
        .await
        .expect("first soft liquidation");
    let m = summary(&b, &b.writer.margin).await;
    assert!(
        m.ratio_bps < 10_500 && m.ratio_bps >= 10_000,
        "still in a soft tier: {m:?}"
    );
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;
    let r =
        b.fx.liquidate(&mut b.bench, &b.keeper, &b.writer.margin, 1, 0)
            .await;
    assert_error_code!(r, ErrorCode::GracePeriodActive);
    assert_unchanged(&b.bench, &keys, &before).await;

    // After the grace period, with fresh prices, it proceeds.
    let exchange: Exchange = b.bench.load_zc(&b.fx.exchange).await;
    b.bench
        .advance_time(exchange.risk.grace_period_secs as i64)
        .await;
    let put = b.put;
    let u = b.u;
    move_price(&mut b.bench, &b.fx, &u, &[put], 12_500_000_000).await;
    let m = summary(&b, &b.writer.margin).await;
    if m.ratio_bps < 10_500 {
        b.fx.liquidate(&mut b.bench, &b.keeper, &b.writer.margin, 1, 0)
            .await
            .expect("after the grace period");
    }
}

#[tokio::test]
async fn below_100_percent_closeout_continues_call_after_call() {
    // A writer of two put series on 1,300 USDC, then SOL falls to $85:
    // closing the larger short first still leaves the account below 100%.
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let mut series = Vec::new();
    for strike in [140, 130] {
        let s = fx
            .ready_series(
                &mut bench,
                &u,
                sol_terms(false, strike, now + 30 * DAY),
                750_000,
            )
            .await;
        series.push(s);
    }
    let writer = fx.new_user(&mut bench, 100_000 * USD, 0).await;
    let keeper = fx.new_user(&mut bench, 1_000_000 * USD, 0).await;
    fx.deposit(&mut bench, &writer, &fx.usdc.mint, 1_300 * USD)
        .await
        .unwrap();
    fx.deposit(&mut bench, &keeper, &fx.usdc.mint, 500_000 * USD)
        .await
        .unwrap();
    for (s, n) in [(series[0], 20), (series[1], 10)] {
        let stored: Series = bench.load_zc(&s).await;
        fx.trade(
            &mut bench,
            &keeper,
            &writer,
            &s,
            n,
            stored.risk.mark_native as u64,
        )
        .await
        .expect("write puts");
    }
    move_price(&mut bench, &fx, &u, &series, 8_500_000_000).await;
    let mut calls = 0;
    let mut tiers = Vec::new();
    loop {
        let health = fx.health_accounts(&bench, &writer.margin).await;
        let m = client::margin_summary(&bench, &fx.exchange, &writer.margin, &health)
            .await
            .unwrap();
        let account: MarginAccount = bench.load_zc(&writer.margin).await;
        if account.active_positions().count() == 0 || m.ratio_bps >= 10_500 {
            break;
        }
        let events = fx
            .liquidate(&mut bench, &keeper, &writer.margin, u64::MAX, 0)
            .await
            .expect("closeout call");
        let ev: LiquidationEvent = find_event(&events).unwrap();
        if ev.ratio_before_bps < 10_000 {
            assert_eq!(ev.tier, 3);
        }
        tiers.push(ev.tier);
        calls += 1;
        assert!(calls <= 10, "closeout terminates");
    }
    println!("closeout calls: tiers {tiers:?}");
    assert!(
        calls >= 2 && tiers[..2] == [3, 3],
        "several closeout calls: {tiers:?}"
    );
    // The keeper was the writer's counterparty: the shorts it took over net
    // its longs away, and open interest follows.
    for s in &series {
        let stored: Series = bench.load_zc(s).await;
        assert_eq!(stored.open_interest_contracts, 0);
    }
    let keeper_account: MarginAccount = bench.load_zc(&keeper.margin).await;
    assert_eq!(keeper_account.active_positions().count(), 0);
}

#[tokio::test]
async fn refusals_change_nothing() {
    let mut b = book().await;
    set_ratio(&mut b, 10_300).await;
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;
    // A fee below the caller's minimum.
    let r =
        b.fx.liquidate(
            &mut b.bench,
            &b.keeper,
            &b.writer.margin,
            u64::MAX,
            1_000_000 * USD,
        )
        .await;
    assert_error_code!(r, ErrorCode::FeeBelowMinimum);
    // A liquidator that would end below IM.
    let poor = b.fx.new_user(&mut b.bench, 0, 0).await;
    let r =
        b.fx.liquidate(&mut b.bench, &poor, &b.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::LiquidatorBelowInitialMargin);
    assert_unchanged(&b.bench, &keys, &before).await;
    // Self-liquidation through a second account of the same owner.
    let owner = b.writer.wallet.pubkey();
    b.bench
        .send(
            &[options_margin_tests::ix::create_margin_account(
                &owner,
                &b.fx.exchange,
                1,
            )],
            &[&b.writer.wallet],
        )
        .await
        .unwrap();
    let second = User {
        wallet: b.writer.wallet.insecure_clone(),
        margin: options_margin::pda::margin_account(&b.fx.exchange, &owner, 1).0,
        usdc_token: b.writer.usdc_token,
        sol_token: b.writer.sol_token,
    };
    let r =
        b.fx.liquidate(&mut b.bench, &second, &b.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::SelfLiquidation);
    assert_unchanged(&b.bench, &keys, &before).await;
}

#[tokio::test]
async fn a_front_run_top_up_makes_the_liquidation_fail_cleanly() {
    let mut b = book().await;
    set_ratio(&mut b, 10_300).await;
    let ix =
        b.fx.liquidation_ix(&b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
            .await;
    // The writer tops up first (lands before the keeper's transaction).
    b.fx.deposit(&mut b.bench, &b.writer, &b.fx.usdc.mint, 200 * USD)
        .await
        .unwrap();
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;
    let keeper_wallet = b.keeper.wallet.insecure_clone();
    let r = b
        .bench
        .send_with_cu(&[ix], &[&keeper_wallet], 1_000_000)
        .await;
    assert_error_code!(r, ErrorCode::AccountHealthy);
    assert_unchanged(&b.bench, &keys, &before).await;
}

#[tokio::test]
async fn an_account_exactly_at_im_after_a_withdraw_is_healthy() {
    let mut b = book().await;
    b.fx.deposit(&mut b.bench, &b.writer, &b.fx.usdc.mint, 5_000 * USD)
        .await
        .unwrap();
    let m = summary(&b, &b.writer.margin).await;
    let excess = (m.equity_native - m.initial_margin_native) as u64;
    b.fx.withdraw(&mut b.bench, &b.writer, &b.fx.usdc.mint, excess)
        .await
        .expect("withdraw down to IM");
    let m = summary(&b, &b.writer.margin).await;
    assert_eq!(m.equity_native, m.initial_margin_native);
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;
    let r =
        b.fx.liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::AccountHealthy);
    assert_unchanged(&b.bench, &keys, &before).await;
}

#[tokio::test]
async fn fees_split_between_caller_and_insurance_and_value_is_conserved() {
    let mut b = book().await;
    set_ratio(&mut b, 10_300).await;
    let keeper_before =
        b.fx.balance(&b.bench, &b.keeper.margin, &b.fx.usdc.mint)
            .await;
    let ev: LiquidationEvent = find_event(
        &b.fx
            .liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
            .await
            .unwrap(),
    )
    .unwrap();
    let exchange: Exchange = b.bench.load_zc(&b.fx.exchange).await;
    assert_eq!(
        ev.insurance_share_native,
        ev.fee_native * exchange.risk.insurance_fee_share_bps as u64 / 10_000
    );
    // The liquidation wrote no shared account: the share accrued on the
    // liquidated account, and the permissionless sweep brings it home.
    assert_eq!(exchange.insurance_native, 0);
    let writer: MarginAccount = b.bench.load_zc(&b.writer.margin).await;
    assert_eq!(
        writer.insurance_accrued_native as u64,
        ev.insurance_share_native
    );
    b.bench
        .send(
            &[ix::sweep_insurance(
                &b.fx.exchange,
                &b.fx.usdc.mint,
                &[b.writer.margin, b.keeper.margin],
            )],
            &[],
        )
        .await
        .expect("sweep");
    let exchange: Exchange = b.bench.load_zc(&b.fx.exchange).await;
    assert_eq!(exchange.insurance_native as u64, ev.insurance_share_native);
    let writer: MarginAccount = b.bench.load_zc(&b.writer.margin).await;
    assert_eq!(writer.insurance_accrued_native, 0);
    let keeper_after =
        b.fx.balance(&b.bench, &b.keeper.margin, &b.fx.usdc.mint)
            .await;
    // The keeper paid the mark+1 per contract it took over as a short? No:
    // taking over a short, it *receives* (mark + 1) per contract, plus the fee share.
    let transfer = ev.quantity.unsigned_abs() as i64 * ev.price as i64;
    assert_eq!(
        keeper_after - keeper_before,
        transfer + (ev.fee_native - ev.insurance_share_native) as i64
    );
    // Vault = Σ balances + insurance, and open interest still balances.
    let config: Collateral = b.bench.load_zc(&b.fx.usdc.config).await;
    assert_eq!(
        b.bench.token_balance(&b.fx.usdc.vault).await as i64,
        config.total_balance_native
    );
    let series: Series = b.bench.load_zc(&b.put).await;
    assert_eq!(series.open_interest_contracts, 20);
}

/// Below 100% but above the flatten threshold (50%), a closeout takes just
/// enough to restore the target, proven on chain (one contract less misses
/// it); with every closeout flattening (the first release's rule), the
/// same account loses all 20 puts.
#[test_case(RiskParams::defaults(), false ; "just enough above the flatten threshold")]
#[test_case(flatten_every_closeout(), true ; "whole candidate when every closeout flattens")]
#[tokio::test]
async fn a_closeout_takes_just_enough_above_the_flatten_threshold(
    risk: RiskParams,
    flattens: bool,
) {
    let mut b = book_with_risk(20, 500 * USD, risk).await;
    set_ratio(&mut b, 9_600).await;
    let ev: LiquidationEvent = find_event(
        &b.fx
            .liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(ev.tier, 3);
    let account: MarginAccount = b.bench.load_zc(&b.writer.margin).await;
    let left: i64 = account.active_positions().map(|p| p.size_contracts).sum();
    // The liquidator takes shorts over (a negative quantity received): the
    // writer buys them back.
    let bought = -ev.quantity;
    if flattens {
        assert_eq!((bought, left), (20, 0), "{bought}");
        return;
    }
    assert!(bought > 0 && bought < 20, "{bought}");
    assert_eq!(left, bought - 20);
    assert!(ev.ratio_after_bps >= 11_000, "{}", ev.ratio_after_bps);
    // One contract less would have missed the target (the on-chain proof
    // ran in the call; the SDK's plan of the smaller slice agrees).
    let after = summary(&b, &b.writer.margin).await;
    assert_eq!(after.ratio_bps, ev.ratio_after_bps);
    let r =
        b.fx.liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::AccountHealthy);
}

fn flatten_every_closeout() -> RiskParams {
    let mut risk = RiskParams::defaults();
    risk.flatten_below_ratio_bps = 10_000;
    risk
}

/// A liquidation never moves a position at a stale volatility's mark: once
/// the series' volatility is older than the underlying's `vol_max_age_secs`
/// the call fails with `StaleVolatility` and changes nothing; after the
/// volatility authority sets it again (and the crank refreshes), it proceeds.
#[tokio::test]
async fn a_liquidation_refuses_a_stale_volatility() {
    let mut b = book().await;
    set_ratio(&mut b, 10_100).await;
    let put = b.put;
    let u = b.u;
    // The fixture's vol_max_age_secs is an hour.
    b.bench.advance_time(3_601).await;
    move_price(&mut b.bench, &b.fx, &u, &[put], 12_500_000_000).await;
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;
    let r =
        b.fx.liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::StaleVolatility);
    assert_unchanged(&b.bench, &keys, &before).await;
    let s: Series = b.bench.load_zc(&put).await;
    b.fx.set_vol(&mut b.bench, &u, &put, s.vol_e6).await;
    b.fx.refresh(&mut b.bench, &u, &put).await;
    b.fx.liquidate(&mut b.bench, &b.keeper, &b.writer.margin, u64::MAX, 0)
        .await
        .expect("fresh volatility");
}
