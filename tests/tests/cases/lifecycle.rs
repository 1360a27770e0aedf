//! The whole life of option positions in real transactions: series, vol,
//! deposits, a vertical spread and a naked short, a price move, expiry,
//! settlement and withdrawal, checked to the smallest unit against a hand
//! computation.

use options_margin::events::{PositionSettledEvent, SeriesSettledEvent};
use options_margin::state::{MarginAccount, Series};
use options_margin_tests::bench::{assert_unchanged, find_event, program_test};
use options_margin_tests::exchange::SOL_CONF_E8;
use options_margin_tests::options::sol_terms;
use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench};

const DAY: i64 = 86_400;
/// unit: quote native. One dollar.
const USD: i64 = 1_000_000;

#[tokio::test]
async fn spread_and_naked_short_from_listing_to_withdrawal() {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let t0 = bench.now().await;
    let expiry = t0 + 7 * DAY;
    let p140 = fx
        .create_series(&mut bench, &u, sol_terms(false, 140, expiry))
        .await;
    let p130 = fx
        .create_series(&mut bench, &u, sol_terms(false, 130, expiry))
        .await;
    for s in [p140, p130] {
        fx.set_vol(&mut bench, &u, &s, 700_000).await;
        fx.refresh(&mut bench, &u, &s).await;
    }

    // Three traders with 2,000 USDC each.
    let deposit = 2_000 * USD;
    let seller = fx.new_user(&mut bench, deposit as u64, 0).await;
    let spread_buyer = fx.new_user(&mut bench, deposit as u64, 0).await;
    let naked_buyer = fx.new_user(&mut bench, deposit as u64, 0).await;
    for user in [&seller, &spread_buyer, &naked_buyer] {
        fx.deposit(&mut bench, user, &fx.usdc.mint, deposit as u64)
            .await
            .unwrap();
    }

    // The seller sells the 140/130 put spread ×5 (short 140, long 130) and
    // writes 3 naked 140 puts. Premiums per contract: 140P $2.50, 130P $0.80.
    let (prem140, prem130) = (2_500_000u64, 800_000u64);
    fx.trade(&mut bench, &spread_buyer, &seller, &p140, 5, prem140)
        .await
        .expect("buy 140P from seller");
    fx.trade(&mut bench, &seller, &spread_buyer, &p130, 5, prem130)
        .await
        .expect("seller buys 130P");
    fx.trade(&mut bench, &naked_buyer, &seller, &p140, 3, prem140)
        .await
        .expect("naked short 140P");
    let account: MarginAccount = bench.load_zc(&seller.margin).await;
    let sizes: Vec<i64> = account
        .active_positions()
        .map(|p| p.size_contracts)
        .collect();
    assert_eq!(sizes, vec![-8, 5]);
    for (s, oi) in [(p140, 8), (p130, 5)] {
        let series: Series = bench.load_zc(&s).await;
        assert_eq!(series.open_interest_contracts, oi);
    }

    // SOL falls to $125 by expiry; the update that straddles expiry settles.
    bench.set_time(expiry + 5).await;
    fx.set_sol_price(&mut bench, 12_500_000_000, SOL_CONF_E8, expiry + 1);
    let mut payouts = Vec::new();
    for s in [p140, p130] {
        let events = fx
            .settle_at(&mut bench, &u, &s, 12_500_000_000)
            .await
            .unwrap();
        let ev: SeriesSettledEvent = find_event(&events).expect("settled event");
        assert_eq!(ev.settlement_price_e12, 125_000_000_000_000);
        payouts.push(ev.payout_per_contract_native);
    }
    // Intrinsic per contract (1 SOL): 140P = $15, 130P = $5, exactly.
    assert_eq!(payouts, vec![15 * USD, 5 * USD]);
    // Settled once and for all.
    let r = fx.settle_at(&mut bench, &u, &p140, 12_500_000_000).await;
    assert_error_code!(r, options_margin::error::ErrorCode::SeriesSettled);

    let mut realized = 0i64;
    for (user, series) in [
        (&seller, p140),
        (&seller, p130),
        (&spread_buyer, p140),
        (&spread_buyer, p130),
        (&naked_buyer, p140),
    ] {
        let events = bench
            .send_capturing_events(
                &[ix::settle_positions(&fx.exchange, &user.margin, &series)],
                &[],
            )
            .await
            .unwrap();
        let ev: PositionSettledEvent = find_event(&events).expect("position settled event");
        realized += ev.realized_pnl_native;
    }
    assert_eq!(realized, 0, "long and short P&L sum to zero");
    for s in [p140, p130] {
        let series: Series = bench.load_zc(&s).await;
        assert_eq!(series.open_interest_contracts, 0);
    }

    // Hand computation, in quote native:
    // seller: +5·2.50 − 5·0.80 + 3·2.50 − 8·15 + 5·5 = −79.00
    // spread buyer: −5·2.50 + 5·0.80 + 5·15 − 5·5 = +41.50
    // naked buyer: −3·2.50 + 3·15 = +37.50
    let expected = [
        (&seller, deposit - 79 * USD),
        (&spread_buyer, deposit + 41_500_000),
        (&naked_buyer, deposit + 37_500_000),
    ];
    for (user, balance) in expected {
        assert_eq!(
            fx.balance(&bench, &user.margin, &fx.usdc.mint).await,
            balance
        );
        let account: MarginAccount = bench.load_zc(&user.margin).await;
        assert_eq!(account.active_positions().count(), 0);
        fx.withdraw(&mut bench, user, &fx.usdc.mint, balance as u64)
            .await
            .expect("withdraw everything");
        assert_eq!(bench.token_balance(&user.usdc_token).await as i64, balance);
    }
    assert_eq!(
        bench.token_balance(&fx.usdc.vault).await,
        0,
        "the vault ends empty"
    );
}

/// The client prepends the refreshes a transaction needs: after the vectors
/// went stale, a trade alone fails, and the same trade behind its refreshes
/// succeeds in one transaction.
#[tokio::test]
async fn refreshes_prepended_by_the_client_make_a_stale_account_tradable() {
    use anchor_lang::prelude::Pubkey;
    use options_margin_tests::client;
    use solana_signer::Signer;

    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let call = fx
        .ready_series(
            &mut bench,
            &u,
            sol_terms(true, 160, now + 14 * DAY),
            650_000,
        )
        .await;
    let a = fx.new_user(&mut bench, 1_000 * USD as u64, 0).await;
    let b = fx.new_user(&mut bench, 1_000 * USD as u64, 0).await;
    for user in [&a, &b] {
        fx.deposit(&mut bench, user, &fx.usdc.mint, 1_000 * USD as u64)
            .await
            .unwrap();
    }
    fx.trade(&mut bench, &a, &b, &call, 2, 3 * USD as u64)
        .await
        .expect("fresh trade");

    // Five minutes later the vectors are stale (max age 60 s).
    bench.advance_time(300).await;
    let later = bench.now().await;
    fx.set_sol_price(&mut bench, 15_050_000_000, SOL_CONF_E8, later);
    let r = fx.trade(&mut bench, &a, &b, &call, 1, 3 * USD as u64).await;
    assert_error_code!(r, options_margin::error::ErrorCode::StaleSeriesRisk);

    let oracle = fx.sol.oracle;
    let mut ixs =
        client::refresh_instructions(&bench, &a.margin, &[call], |_: &Pubkey| oracle).await;
    assert_eq!(ixs.len(), 1);
    let health_a = fx.trade_health_accounts(&bench, &a.margin, &call).await;
    let health_b = fx.trade_health_accounts(&bench, &b.margin, &call).await;
    let accounts = ix::TradeAccounts {
        owner_a: a.wallet.pubkey(),
        owner_b: b.wallet.pubkey(),
        exchange: fx.exchange,
        account_a: a.margin,
        account_b: b.margin,
        series: call,
    };
    ixs.push(ix::trade(
        &accounts,
        1,
        3 * USD as u64,
        &health_a,
        &health_b,
    ));
    bench
        .send(&ixs, &[&a.wallet, &b.wallet])
        .await
        .expect("refresh + trade in one transaction");
    let series: Series = bench.load_zc(&call).await;
    assert_eq!(
        (series.open_interest_contracts, series.risk.computed_at_ts),
        (3, later)
    );
}

/// From expiry on a refresh is a no-op: an expired series is never
/// repriced at a later price a caller picks; its value is its settlement.
#[tokio::test]
async fn a_refresh_after_expiry_changes_nothing() {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let expiry = now + DAY;
    let put = fx
        .ready_series(&mut bench, &u, sol_terms(false, 160, expiry), 800_000)
        .await;
    let before = bench.snapshot(&[put]).await;
    bench.set_time(expiry + 600).await;
    fx.set_sol_price(&mut bench, 15_000_000_000, SOL_CONF_E8, expiry + 600);
    fx.refresh(&mut bench, &u, &put).await;
    assert_unchanged(&bench, &[put], &before).await;
}
