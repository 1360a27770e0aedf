//! Liquidation around expiry: before and after `settle_series`, and the
//! path of a settled short from `settle_positions` to bankruptcy.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::events::BankruptcyEvent;
use options_margin::state::{MarginAccount, Series};
use options_margin_risk::planner::Candidate;
use options_margin_tests::assert_error_code;
use options_margin_tests::bench::{assert_unchanged, find_event};
use options_margin_tests::ix;
use options_margin_tests::options::{sol_terms, USD_E12};
use solana_signer::Signer;

use super::desk::{show, Desk, DAY, USD};

/// The writer of 10 puts (strike 140) expiring in a day and 10 30-day puts
/// (strike 130), at the expiry of the first.
async fn expiry_book() -> (Desk, Pubkey, Pubkey) {
    let mut d = Desk::new(1, 700 * USD, 0).await;
    let now = d.bench.now().await;
    let near = d.series(0, sol_terms(false, 140, now + DAY), 750_000).await;
    let far = d
        .series(0, sol_terms(false, 130, now + 30 * DAY), 750_000)
        .await;
    d.write(&near, 10, None).await;
    d.write(&far, 10, None).await;
    d.bench.advance_time(DAY).await;
    (d, near, far)
}

/// After expiry and `settle_series` ($120: the 140 put pays $20), the
/// settled vectors need no refresh (they are exempt from freshness) and
/// value the short at its settlement intrinsic + 1 per contract in equity.
/// They are flat, so closing the settled short releases no MM and it is never
/// a candidate (`settle_positions` settles it): the live 130 put is taken.
#[tokio::test]
async fn after_settlement_equity_uses_the_settlement_price_and_the_live_put_goes() {
    let (mut d, near, far) = expiry_book().await;
    d.move_to(12_000_000_000).await;
    d.settle(&near).await;
    let settled: Series = d.bench.load_zc(&near).await;
    assert_eq!(
        (settled.settled, settled.risk.mark_native),
        (1, 20 * USD as i64)
    );
    // Two minutes on: the settled vectors are older than the 60 s risk age.
    d.bench.advance_time(120).await;
    // The volatility authority keeps the live series' volatility fresh (a
    // liquidation never moves a position at a stale one).
    let live: Series = d.bench.load_zc(&far).await;
    let u = d.underlyings[0];
    d.fx.set_vol(&mut d.bench, &u, &far, live.vol_e6).await;
    d.fall_below(12_000_000_000, 10_300).await;
    d.set_ratio(10_300).await;
    let now = d.bench.now().await;
    let near_now: Series = d.bench.load_zc(&near).await;
    assert_eq!(near_now.risk, settled.risk, "never refreshed");
    assert!(now - near_now.risk.computed_at_ts > 60);
    // Equity counts the settled short at intrinsic + 1 per contract.
    let far_s: Series = d.bench.load_zc(&far).await;
    let usdc =
        d.fx.balance(&d.bench, &d.writer.margin, &d.fx.usdc.mint)
            .await;
    let equity = usdc - 10 * (20 * USD as i64 + 1) - 10 * (far_s.risk.mark_native + 1);
    assert_eq!(d.summary().await.equity_native, equity);
    assert_eq!(
        d.evaluate(Candidate::Position(0), 1).await,
        Err(options_margin_risk::RiskError::NoLiquidationCandidate),
        "closing a settled short releases no MM"
    );
    let ev = d.liquidate_as_planned(u64::MAX).await;
    assert_eq!((ev.target, ev.equity_before_native), (far, equity));
    assert_eq!(ev.price as i64, far_s.risk.mark_native + 1);
    println!("settled: {}", show(&ev));
}

/// An account whose only position is a settled short deep in the money
/// (settled at $100: the 140 put pays $40 on 10 contracts) is underwater,
/// but there is nothing to liquidate: `NothingToLiquidate`, nothing changed.
/// The keeper's path instead: the permissionless `settle_positions` books
/// both sides at the settlement price (writer −$400, buyer +$400, open
/// interest 0), which leaves the writer flat with negative equity, and
/// `resolve_bankruptcy` covers the deficit from insurance the keeper
/// deposited. A settled position is never a liquidation target because it
/// carries no risk left to reduce: it only converts to cash.
#[tokio::test]
async fn a_settled_short_settles_at_the_settlement_price_then_goes_to_bankruptcy() {
    let mut d = Desk::new(1, 300 * USD, 0).await;
    let now = d.bench.now().await;
    let near = d.series(0, sol_terms(false, 140, now + DAY), 750_000).await;
    d.write(&near, 10, None).await;
    d.bench.advance_time(DAY).await;
    d.move_to(10_000_000_000).await;
    d.settle(&near).await;
    let m = d.summary().await;
    assert!(
        m.equity_native < 0 && m.maintenance_margin_native == 0,
        "{m:?}"
    );
    let keys = d.watched();
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::NothingToLiquidate);
    assert_unchanged(&d.bench, &keys, &before).await;

    let usdc = d.fx.usdc.mint;
    let (writer_before, buyer_before) = (
        d.fx.balance(&d.bench, &d.writer.margin, &usdc).await,
        d.fx.balance(&d.bench, &d.buyer.margin, &usdc).await,
    );
    let exchange = d.fx.exchange;
    let settle = [
        ix::settle_positions(&exchange, &d.writer.margin, &near),
        ix::settle_positions(&exchange, &d.buyer.margin, &near),
    ];
    d.bench.send(&settle, &[]).await.expect("settle_positions");
    let payout = 10 * 40 * USD as i64;
    let writer_after = d.fx.balance(&d.bench, &d.writer.margin, &usdc).await;
    assert_eq!(writer_after, writer_before - payout);
    assert_eq!(
        d.fx.balance(&d.bench, &d.buyer.margin, &usdc).await,
        buyer_before + payout
    );
    let s: Series = d.bench.load_zc(&near).await;
    assert_eq!(s.open_interest_contracts, 0);
    let writer: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
    assert_eq!(writer.active_positions().count(), 0);
    assert_eq!(d.summary().await.equity_native, writer_after);
    assert!(writer_after < 0, "underwater: {writer_after}");

    let fund = ix::deposit_insurance(
        &d.keeper.wallet.pubkey(),
        &exchange,
        &usdc,
        &d.keeper.usdc_token,
        1_000 * USD,
    );
    let keeper_wallet = d.keeper.wallet.insecure_clone();
    d.bench.send(&[fund], &[&keeper_wallet]).await.unwrap();
    let events = d
        .bench
        .send_capturing_events(
            &[ix::resolve_bankruptcy(&exchange, &d.writer.margin, &usdc)],
            &[],
        )
        .await
        .expect("resolve_bankruptcy");
    let ev: BankruptcyEvent = find_event(&events).expect("bankruptcy event");
    assert_eq!(ev.deficit_native as i64, -writer_after);
    assert_eq!(
        (ev.insurance_covered_native, ev.socialized_native),
        (ev.deficit_native, 0)
    );
    assert_eq!(d.fx.balance(&d.bench, &d.writer.margin, &usdc).await, 0);
    println!(
        "settled short: settlement −{payout}, deficit {} covered by insurance",
        ev.deficit_native
    );
}

/// Expired but not yet settled: the only value of the series is its
/// settlement, never the intrinsic value at a later price a caller picks.
/// A refresh is a no-op, so once the last vectors age out the account's
/// checks (a liquidation included) wait for `settle_series`, which anyone
/// can send with the update that straddles expiry; then the short counts
/// at its settlement intrinsic + 1 per contract and the account is resolved
/// as usual.
#[tokio::test]
async fn an_expired_series_waits_for_its_settlement() {
    let mut d = Desk::new(1, 300 * USD, 0).await;
    let now = d.bench.now().await;
    let near = d.series(0, sol_terms(false, 140, now + DAY), 750_000).await;
    d.write(&near, 10, None).await;
    let before: Series = d.bench.load_zc(&near).await;
    d.bench.advance_time(DAY + 120).await;
    d.move_to(12_000_000_000).await;
    let s: Series = d.bench.load_zc(&near).await;
    assert_eq!(
        (s.settled, s.risk),
        (0, before.risk),
        "a refresh after expiry is a no-op"
    );
    let keys = d.watched();
    let snapshot = d.bench.snapshot(&keys).await;
    let r =
        d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, ErrorCode::StaleSeriesRisk);
    assert_unchanged(&d.bench, &keys, &snapshot).await;
    // The keeper settles at $120 (the put pays $20): equity at settlement.
    d.settle(&near).await;
    let s: Series = d.bench.load_zc(&near).await;
    assert_eq!((s.settled, s.risk.mark_native), (1, 20 * USD as i64));
    let usdc =
        d.fx.balance(&d.bench, &d.writer.margin, &d.fx.usdc.mint)
            .await;
    assert_eq!(
        d.summary().await.equity_native,
        usdc - 10 * (20 * USD as i64 + 1)
    );
    let _ = USD_E12;
    let _ = show;
}
