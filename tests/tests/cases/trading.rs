//! Trades with margin enforced on both sides.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::events::TradeEvent;
use options_margin::state::{MarginAccount, Series};
use options_margin_tests::bench::{assert_unchanged, find_event, program_test};
use options_margin_tests::options::sol_terms;
use options_margin_tests::{assert_error_code, client, ExchangeFixture, TestBench, User};

const DAY: i64 = 86_400;

/// Two traders with 10,000 USDC each and a refreshed 30-day SOL 140 put.
struct Market {
    bench: TestBench,
    fx: ExchangeFixture,
    put: Pubkey,
    a: User,
    b: User,
}

async fn market() -> Market {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let underlying = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let put = fx
        .create_series(
            &mut bench,
            &underlying,
            sol_terms(false, 140, now + 30 * DAY),
        )
        .await;
    fx.set_vol(&mut bench, &underlying, &put, 750_000).await;
    fx.refresh(&mut bench, &underlying, &put).await;
    let a = fx.new_user(&mut bench, 10_000_000_000, 0).await;
    let b = fx.new_user(&mut bench, 10_000_000_000, 0).await;
    fx.deposit(&mut bench, &a, &fx.usdc.mint, 10_000_000_000)
        .await
        .unwrap();
    fx.deposit(&mut bench, &b, &fx.usdc.mint, 10_000_000_000)
        .await
        .unwrap();
    Market {
        bench,
        fx,
        put,
        a,
        b,
    }
}

async fn position(bench: &TestBench, margin: &Pubkey, series: &Pubkey) -> (i64, i64) {
    let account: MarginAccount = bench.load_zc(margin).await;
    account
        .position_slot(series)
        .map(|s| {
            (
                account.positions[s].size_contracts,
                account.positions[s].cost_basis_native,
            )
        })
        .unwrap_or((0, 0))
}

#[tokio::test]
async fn a_trade_moves_premium_and_positions_and_balances_open_interest() {
    let Market {
        mut bench,
        fx,
        put,
        a,
        b,
        ..
    } = market().await;
    let s: Series = bench.load_zc(&put).await;
    let premium = s.risk.mark_native as u64;
    let events = fx
        .trade(&mut bench, &a, &b, &put, 10, premium)
        .await
        .expect("trade");
    let ev: TradeEvent = find_event(&events).expect("trade event");
    assert_eq!(
        (
            ev.size_contracts,
            ev.size_a_after,
            ev.size_b_after,
            ev.open_interest_contracts
        ),
        (10, 10, -10, 10)
    );
    let paid = 10 * premium as i64;
    assert_eq!(
        fx.balance(&bench, &a.margin, &fx.usdc.mint).await,
        10_000_000_000 - paid
    );
    assert_eq!(
        fx.balance(&bench, &b.margin, &fx.usdc.mint).await,
        10_000_000_000 + paid
    );
    assert_eq!(position(&bench, &a.margin, &put).await, (10, paid));
    assert_eq!(position(&bench, &b.margin, &put).await, (-10, -paid));
    // The event's margins are what the client computes off-chain.
    let health = fx.health_accounts(&bench, &b.margin).await;
    let off = client::margin_summary(&bench, &fx.exchange, &b.margin, &health)
        .await
        .unwrap();
    assert_eq!(
        (off.equity_native, off.initial_margin_native),
        (ev.equity_b_after_native, ev.initial_margin_b_after_native)
    );
    assert!(
        off.initial_margin_native > off.maintenance_margin_native
            && off.maintenance_margin_native > 0
    );

    // B buys 4 back: a reduction, realised at the same premium (zero P&L).
    fx.trade(&mut bench, &b, &a, &put, 4, premium)
        .await
        .expect("reduce");
    assert_eq!(
        position(&bench, &b.margin, &put).await,
        (-6, -6 * premium as i64)
    );
    let series: Series = bench.load_zc(&put).await;
    assert_eq!(series.open_interest_contracts, 6);
    // Closing out frees both slots and the open interest.
    fx.trade(&mut bench, &a, &b, &put, -6, premium)
        .await
        .expect("close");
    assert_eq!(position(&bench, &a.margin, &put).await, (0, 0));
    let account: MarginAccount = bench.load_zc(&a.margin).await;
    assert_eq!(account.active_positions().count(), 0);
    let series: Series = bench.load_zc(&put).await;
    assert_eq!(series.open_interest_contracts, 0);
}

#[tokio::test]
async fn a_trade_leaving_either_side_below_initial_margin_is_rejected() {
    let Market {
        mut bench,
        fx,
        put,
        a,
        b,
        ..
    } = market().await;
    let s: Series = bench.load_zc(&put).await;
    let premium = s.risk.mark_native as u64;
    let keys = [a.margin, b.margin, put];
    let before = bench.snapshot(&keys).await;
    // B cannot write 10,000 puts on 10,000 USDC.
    let r = fx.trade(&mut bench, &a, &b, &put, 10_000, premium).await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    // A cannot pay a premium it does not have.
    let r = fx.trade(&mut bench, &a, &b, &put, 10, 2_000_000_000).await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    assert_unchanged(&bench, &keys, &before).await;
}
