//! Margin rules of trades and withdrawals at their exact boundaries: the
//! largest size that still meets initial margin, risk-reducing trades below
//! IM, spread offsets, and the withdrawable amount to the native unit.
//! Every boundary is computed off-chain by the program's own margin code
//! (`ExchangeFixture::simulated_margin`) and then crossed by one unit in a
//! real transaction.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::events::{TradeEvent, WithdrawEvent};
use options_margin::state::{MarginAccount, Series};
use options_margin_tests::bench::{assert_unchanged, find_event, program_test};
use options_margin_tests::exchange::SOL_PRICE_E8;
use options_margin_tests::options::sol_terms;
use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench, User};

const DAY: i64 = 86_400;
/// unit: quote native. One dollar.
const USD: u64 = 1_000_000;

/// A refreshed 30-day SOL 140 put at 75% vol, a well-funded buyer `a`
/// (100,000 USDC) and a writer `b` with `b_usdc` quote native deposited.
struct Market {
    bench: TestBench,
    fx: ExchangeFixture,
    underlying: Pubkey,
    put: Pubkey,
    a: User,
    b: User,
}

async fn market(b_usdc: u64) -> Market {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let underlying = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let put = fx
        .ready_series(
            &mut bench,
            &underlying,
            sol_terms(false, 140, now + 30 * DAY),
            750_000,
        )
        .await;
    let a = fx.new_user(&mut bench, 100_000 * USD, 0).await;
    let b = fx.new_user(&mut bench, b_usdc.max(1), 0).await;
    fx.deposit(&mut bench, &a, &fx.usdc.mint, 100_000 * USD)
        .await
        .unwrap();
    if b_usdc > 0 {
        fx.deposit(&mut bench, &b, &fx.usdc.mint, b_usdc)
            .await
            .unwrap();
    }
    Market {
        bench,
        fx,
        underlying,
        put,
        a,
        b,
    }
}

/// unit: quote native per contract. The series' current stored mark.
async fn mark(bench: &TestBench, series: &Pubkey) -> u64 {
    let s: Series = bench.load_zc(series).await;
    s.risk.mark_native as u64
}

/// `margin`'s state after a fill of `contracts` (+ buy, − sell) of `series`
/// at `premium` per contract, applied with the program's own fill code.
async fn after_fill(
    bench: &TestBench,
    fx: &ExchangeFixture,
    margin: &Pubkey,
    series: &Pubkey,
    contracts: i64,
    premium: u64,
) -> MarginAccount {
    let mut account: MarginAccount = bench.load_zc(margin).await;
    let s: Series = bench.load_zc(series).await;
    let slot = account
        .position_slot_or_insert(series, s.underlying_index)
        .unwrap();
    let cash = account.positions[slot]
        .apply_fill(contracts, premium as i64)
        .unwrap();
    let c = account
        .collateral_slot_or_insert(&fx.usdc.mint, &fx.usdc.mint)
        .unwrap();
    account.collaterals[c].balance_native += cash;
    account
}

/// unit: quote native. Equity − IM of `margin` after the fill (negative: below IM).
async fn excess_after(
    bench: &TestBench,
    fx: &ExchangeFixture,
    margin: &Pubkey,
    series: &Pubkey,
    contracts: i64,
    premium: u64,
) -> i64 {
    let account = after_fill(bench, fx, margin, series, contracts, premium).await;
    let m = fx.simulated_margin(bench, &account).await.unwrap();
    m.equity_native - m.initial_margin_native
}

/// unit: contracts. The largest `n` for which `margin` still meets IM after
/// a fill of `sign · n` (excess is decreasing in `n`: exponential search,
/// then bisection over simulated states).
async fn largest_fill(
    bench: &TestBench,
    fx: &ExchangeFixture,
    margin: &Pubkey,
    series: &Pubkey,
    sign: i64,
    premium: u64,
) -> i64 {
    let mut lo = 0i64;
    let mut hi = 1i64;
    while excess_after(bench, fx, margin, series, sign * hi, premium).await >= 0 {
        lo = hi;
        hi *= 2;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if excess_after(bench, fx, margin, series, sign * mid, premium).await >= 0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

#[tokio::test]
async fn the_largest_short_a_seller_can_write_is_exact() {
    let Market {
        mut bench,
        fx,
        put,
        a,
        b,
        ..
    } = market(1_000 * USD).await;
    let premium = mark(&bench, &put).await;
    let n = largest_fill(&bench, &fx, &b.margin, &put, -1, premium).await;
    assert!(n > 1, "1,000 USDC writes more than one put (n = {n})");
    let expected = fx
        .simulated_margin(
            &bench,
            &after_fill(&bench, &fx, &b.margin, &put, -n, premium).await,
        )
        .await
        .unwrap();

    let keys = [a.margin, b.margin, put];
    let before = bench.snapshot(&keys).await;
    let r = fx.trade(&mut bench, &a, &b, &put, n + 1, premium).await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    assert_unchanged(&bench, &keys, &before).await;

    let events = fx
        .trade(&mut bench, &a, &b, &put, n, premium)
        .await
        .expect("the largest size meets IM");
    let ev: TradeEvent = find_event(&events).expect("trade event");
    assert_eq!(ev.size_b_after, -n);
    assert_eq!(
        (ev.equity_b_after_native, ev.initial_margin_b_after_native),
        (expected.equity_native, expected.initial_margin_native),
        "the on-chain check saw exactly the simulated margin"
    );
    assert!(ev.equity_b_after_native >= ev.initial_margin_b_after_native);

    // One more contract, alone, is now one too many.
    let before = bench.snapshot(&keys).await;
    let r = fx.trade(&mut bench, &a, &b, &put, 1, premium).await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn the_largest_long_and_the_dearest_premium_a_buyer_can_pay_are_exact() {
    let Market {
        mut bench,
        fx,
        put,
        a: dealer,
        b: broke,
        ..
    } = market(0).await;
    let premium = mark(&bench, &put).await;
    // No USDC at all: not even one contract.
    let keys = [dealer.margin, broke.margin, put];
    let before = bench.snapshot(&keys).await;
    let r = fx
        .trade(&mut bench, &broke, &dealer, &put, 1, premium)
        .await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    assert_unchanged(&bench, &keys, &before).await;

    let buyer = fx.new_user(&mut bench, 100 * USD, 0).await;
    fx.deposit(&mut bench, &buyer, &fx.usdc.mint, 100 * USD)
        .await
        .unwrap();
    let n = largest_fill(&bench, &fx, &buyer.margin, &put, 1, premium).await;
    assert!(n > 1, "100 USDC buys more than one put (n = {n})");
    // Equity − IM falls by n per native unit of premium per contract: the
    // dearest premium for n contracts is the mark plus `excess / n`.
    let excess = excess_after(&bench, &fx, &buyer.margin, &put, n, premium).await;
    let dearest = premium + excess as u64 / n as u64;
    assert_eq!(
        excess_after(&bench, &fx, &buyer.margin, &put, n, dearest).await,
        excess % n
    );

    let keys = [dealer.margin, buyer.margin, put];
    let before = bench.snapshot(&keys).await;
    let r = fx
        .trade(&mut bench, &buyer, &dealer, &put, n + 1, premium)
        .await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    let r = fx
        .trade(&mut bench, &buyer, &dealer, &put, n, dearest + 1)
        .await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    assert_unchanged(&bench, &keys, &before).await;
    let events = fx
        .trade(&mut bench, &buyer, &dealer, &put, n, dearest)
        .await
        .expect("n contracts at the dearest premium meet IM");
    let ev: TradeEvent = find_event(&events).expect("trade event");
    assert_eq!(ev.size_a_after, n);
    assert_eq!(
        ev.equity_a_after_native - ev.initial_margin_a_after_native,
        excess % n
    );
}

#[tokio::test]
async fn a_risk_reducing_trade_below_initial_margin_may_not_lower_the_ratio() {
    let Market {
        mut bench,
        fx,
        underlying,
        put,
        a,
        b,
    } = market(1_000 * USD).await;
    let premium = mark(&bench, &put).await;
    let n = largest_fill(&bench, &fx, &b.margin, &put, -1, premium).await;
    fx.trade(&mut bench, &a, &b, &put, n, premium)
        .await
        .expect("write at the IM boundary");

    // SOL falls 1% and the put is repriced: the writer drops below IM (but not MM).
    bench.advance_time(5).await;
    fx.publish_and_refresh(&mut bench, &underlying, &[put], SOL_PRICE_E8 * 99 / 100)
        .await;
    let below = fx.margin_of(&bench, &b.margin).await;
    assert!(
        below.meets_maintenance() && !below.meets_initial(),
        "{below:?}"
    );
    let premium = mark(&bench, &put).await;
    let keys = [a.margin, b.margin, put];
    let before = bench.snapshot(&keys).await;
    // Writing more adds risk: refused below IM.
    let r = fx.trade(&mut bench, &a, &b, &put, 1, premium).await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    // Buying back at $500 a contract reduces the position but burns equity.
    let r = fx.trade(&mut bench, &b, &a, &put, 1, 500 * USD).await;
    assert_error_code!(r, ErrorCode::HealthWouldFall);
    assert_unchanged(&bench, &keys, &before).await;

    // Buying back one contract at the mark is allowed, and raises the ratio.
    let k = 1;
    fx.trade(&mut bench, &b, &a, &put, k, premium)
        .await
        .expect("a risk-reducing trade below IM");
    let after = fx.margin_of(&bench, &b.margin).await;
    assert!(after.ratio_bps >= below.ratio_bps, "{below:?} → {after:?}");
    assert!(!after.meets_initial(), "still below IM: {after:?}");
    let account: MarginAccount = bench.load_zc(&b.margin).await;
    assert_eq!(
        account.active_positions().next().unwrap().size_contracts,
        k - n
    );

    // Still below IM, so adding risk is still refused.
    let before = bench.snapshot(&keys).await;
    let r = fx.trade(&mut bench, &a, &b, &put, 1, premium).await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn a_vertical_spread_needs_less_margin_than_its_naked_short_leg() {
    let Market {
        mut bench,
        fx,
        underlying,
        put: p140,
        a: dealer,
        b: spread,
    } = market(5_000 * USD).await;
    let expiry = bench.now().await + 30 * DAY;
    let p130 = fx
        .ready_series(
            &mut bench,
            &underlying,
            sol_terms(false, 130, expiry),
            750_000,
        )
        .await;
    let naked = fx.new_user(&mut bench, 5_000 * USD, 0).await;
    fx.deposit(&mut bench, &naked, &fx.usdc.mint, 5_000 * USD)
        .await
        .unwrap();
    let (m140, m130) = (mark(&bench, &p140).await, mark(&bench, &p130).await);

    let size = 20;
    fx.trade(&mut bench, &dealer, &naked, &p140, size, m140)
        .await
        .expect("naked short 140P");
    fx.trade(&mut bench, &dealer, &spread, &p140, size, m140)
        .await
        .expect("short 140P leg");
    let events = fx
        .trade(&mut bench, &spread, &dealer, &p130, size, m130)
        .await
        .expect("long 130P leg");
    let ev: TradeEvent = find_event(&events).expect("trade event");
    let s = fx.margin_of(&bench, &spread.margin).await;
    let n = fx.margin_of(&bench, &naked.margin).await;
    assert_eq!(
        (s.equity_native, s.initial_margin_native),
        (ev.equity_a_after_native, ev.initial_margin_a_after_native)
    );
    assert!(
        s.initial_margin_native < n.initial_margin_native
            && s.maintenance_margin_native < n.maintenance_margin_native,
        "spread {s:?} vs naked {n:?}"
    );
    // A 1:1 put spread can lose at most the strike difference ($10 a contract).
    assert!(s.initial_margin_native <= size * 10 * USD as i64);
    assert!(s.maintenance_margin_native <= s.initial_margin_native);
}

#[tokio::test]
async fn withdrawal_is_refused_exactly_one_unit_past_initial_margin() {
    let Market {
        mut bench,
        fx,
        put,
        a,
        b: writer,
        ..
    } = market(1_000 * USD).await;
    let premium = mark(&bench, &put).await;
    fx.trade(&mut bench, &a, &writer, &put, 10, premium)
        .await
        .expect("short 10 puts");
    let m = fx.margin_of(&bench, &writer.margin).await;
    let free = (m.equity_native - m.initial_margin_native) as u64;
    assert!(free > 0 && m.initial_margin_native > 0, "{m:?}");

    let usdc = fx.usdc.mint;
    let keys = [
        writer.margin,
        writer.usdc_token,
        fx.usdc.vault,
        fx.usdc.config,
        put,
    ];
    let before = bench.snapshot(&keys).await;
    let r = fx.withdraw(&mut bench, &writer, &usdc, free + 1).await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    assert_unchanged(&bench, &keys, &before).await;

    // Exactly the free collateral: equity lands on IM, which still meets it.
    let health = {
        let mut account: MarginAccount = bench.load_zc(&writer.margin).await;
        let slot = account.collateral_slot(&usdc).unwrap();
        account.collaterals[slot].balance_native -= free as i64;
        fx.health_accounts_for(&bench, &account).await
    };
    let w = ix::withdraw(&fx.transfer_accounts(&writer, &usdc), free, &health);
    let events = bench
        .send_capturing_events(&[w], &[&writer.wallet])
        .await
        .expect("withdraw exactly equity − IM");
    let ev: WithdrawEvent = find_event(&events).expect("withdraw event");
    assert_eq!(ev.equity_after_native, ev.initial_margin_after_native);
    assert_eq!(ev.initial_margin_after_native, m.initial_margin_native);
    assert_eq!(bench.token_balance(&writer.usdc_token).await, free);

    let before = bench.snapshot(&keys).await;
    let r = fx.withdraw(&mut bench, &writer, &usdc, 1).await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    assert_unchanged(&bench, &keys, &before).await;
}
