//! options-margin's `partial_liquidate` called by another program: the
//! `liquidation_vault` crank, signing as its vault PDA through CPI, one or
//! several calls per instruction.

use anchor_lang::prelude::Pubkey;
use liquidation_vault::state::Vault;
use options_margin::error::ErrorCode;
use options_margin::events::LiquidationEvent;
use options_margin::instructions::LiquidateArgs;
use options_margin::state::{Exchange, MarginAccount, RiskParams, Series};
use options_margin_tests::bench::{assert_unchanged, program_test};
use options_margin_tests::options::sol_terms;
use options_margin_tests::vault::{self, all_events, CallHealth, VaultFixture};
use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench, User};
use solana_signer::Signer;

const DAY: i64 = 86_400;
/// unit: quote native. One dollar.
const USD: u64 = 1_000_000;

/// A put writer whose counterparty is a plain trader, and a funded vault.
struct Book {
    bench: TestBench,
    fx: ExchangeFixture,
    u: Pubkey,
    series: Vec<Pubkey>,
    writer: User,
    vault: VaultFixture,
}

/// Writes `(strike, contracts)` puts (30 days, 75% vol, at the mark, SOL at
/// $150) on `deposit` USDC, then moves SOL to `price_e8`. Deterministic in
/// every amount, so two benches hold identical books.
async fn book(puts: &[(u64, i64)], deposit: u64, price_e8: i64) -> Book {
    book_with_risk(puts, deposit, price_e8, RiskParams::defaults()).await
}

/// [`book`] on an exchange created with `risk`.
async fn book_with_risk(
    puts: &[(u64, i64)],
    deposit: u64,
    price_e8: i64,
    risk: RiskParams,
) -> Book {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup_with_risk(&mut bench, risk).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let mut series = Vec::new();
    for (strike, _) in puts {
        let terms = sol_terms(false, *strike, now + 30 * DAY);
        series.push(fx.ready_series(&mut bench, &u, terms, 750_000).await);
    }
    let writer = fx.new_user(&mut bench, 100_000 * USD, 0).await;
    let buyer = fx.new_user(&mut bench, 100_000 * USD, 0).await;
    fx.deposit(&mut bench, &writer, &fx.usdc.mint, deposit)
        .await
        .unwrap();
    fx.deposit(&mut bench, &buyer, &fx.usdc.mint, 50_000 * USD)
        .await
        .unwrap();
    for (s, (_, n)) in series.iter().zip(puts) {
        let stored: Series = bench.load_zc(s).await;
        fx.trade(
            &mut bench,
            &buyer,
            &writer,
            s,
            *n,
            stored.risk.mark_native as u64,
        )
        .await
        .expect("write puts");
    }
    let vault = fx
        .setup_vault(&mut bench, 1_000_000 * USD, 500_000 * USD)
        .await;
    bench.advance_time(1).await;
    fx.publish_and_refresh(&mut bench, &u, &series, price_e8)
        .await;
    Book {
        bench,
        fx,
        u,
        series,
        writer,
        vault,
    }
}

/// Deposits exactly what puts the writer's ratio at `target_bps`.
async fn set_ratio(b: &mut Book, target_bps: u64) {
    let m = b.fx.margin_of(&b.bench, &b.writer.margin).await;
    assert!(m.ratio_bps < target_bps, "start below the target: {m:?}");
    let mm = m.maintenance_margin_native as i128;
    let equity_needed = ((target_bps as i128 * mm + 9_999) / 10_000) as i64;
    let top_up = (equity_needed - m.equity_native) as u64;
    b.fx.deposit(&mut b.bench, &b.writer, &b.fx.usdc.mint, top_up)
        .await
        .unwrap();
    assert_eq!(
        b.fx.margin_of(&b.bench, &b.writer.margin).await.ratio_bps,
        target_bps
    );
}

fn watched(b: &Book) -> Vec<Pubkey> {
    let mut keys = vec![
        b.writer.margin,
        b.vault.margin,
        b.vault.vault,
        b.fx.exchange,
    ];
    keys.extend(&b.series);
    keys
}

/// unit: quote native. What the vault receives from one event: net fee.
fn net_fee(ev: &LiquidationEvent) -> u64 {
    ev.fee_native - ev.insurance_share_native
}

#[tokio::test]
async fn the_vault_liquidates_a_soft_tier_account_through_cpi() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let put = b.series[0];
    let usdc = b.fx.usdc.mint;
    let balance_before = b.fx.balance(&b.bench, &b.vault.margin, &usdc).await;

    let events =
        b.fx.vault_liquidate(&mut b.bench, &b.vault, &b.writer.margin, u64::MAX, 0)
            .await
            .expect("vault liquidation");
    let evs: Vec<LiquidationEvent> = all_events(&events);
    assert_eq!(
        evs.len(),
        1,
        "the event of a CPI two levels deep is captured"
    );
    let ev = &evs[0];
    assert_eq!(
        ev.caller, b.vault.vault,
        "options-margin saw the vault PDA sign"
    );
    assert_eq!(ev.liquidator_account, b.vault.margin);
    assert_eq!(ev.liquidatee, b.writer.margin);
    assert!(ev.tier < 3 && ev.target == put && ev.target_is_position && ev.fee_native > 0);

    // The slice (a short, taken over at mark + 1) and the fee are the vault's.
    let account: MarginAccount = b.bench.load_zc(&b.vault.margin).await;
    let slot = account.position_slot(&put).expect("vault holds the slice");
    assert!(ev.quantity < 0);
    assert_eq!(account.positions[slot].size_contracts, ev.quantity);
    let balance_after = b.fx.balance(&b.bench, &b.vault.margin, &usdc).await;
    let cash = ev.quantity.unsigned_abs() as i64 * ev.price as i64;
    assert_eq!(balance_after - balance_before, cash + net_fee(ev) as i64);

    // The vault recorded exactly the fee it received.
    let v: Vault = b.bench.load_zc(&b.vault.vault).await;
    assert_eq!(v.fees_earned_native, net_fee(ev));
    assert_eq!(v.liquidation_calls, 1);
}

#[tokio::test]
async fn a_second_soft_call_in_the_same_crank_hits_the_grace_period_and_changes_nothing() {
    // 200 contracts: the tier cap (10% of the candidate) leaves the writer
    // in a soft tier, and a call that took its full plan starts the grace.
    let mut risk = RiskParams::defaults();
    risk.tiers[0].max_fraction_bps = 100;
    risk.tiers[1].max_fraction_bps = 100;
    let mut b = book_with_risk(&[(140, 200)], 5_000 * USD, 12_500_000_000, risk).await;
    set_ratio(&mut b, 10_300).await;
    let call =
        b.fx.vault_call_health(&b.bench, &b.vault, &b.writer.margin, u64::MAX)
            .await;
    // The layout does not change between the calls (same series on both sides).
    let calls = [call.clone(), call];
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;
    let r =
        b.fx.vault_liquidate_with(&mut b.bench, &b.writer.margin, u64::MAX, 0, &calls)
            .await;
    assert_error_code!(r, ErrorCode::GracePeriodActive);
    assert_unchanged(&b.bench, &keys, &before).await;

    // The first call alone goes through: the failure was the second call's.
    let r =
        b.fx.vault_liquidate_with(&mut b.bench, &b.writer.margin, u64::MAX, 0, &calls[..1])
            .await;
    assert_eq!(
        all_events::<LiquidationEvent>(&r.expect("one call")).len(),
        1
    );
}

/// Two put series on 1,300 USDC, then SOL at $85: closeout, and still
/// below 100% after the larger short is closed (two closeout calls).
async fn closeout_book() -> Book {
    book(&[(140, 20), (130, 10)], 1_300 * USD, 8_500_000_000).await
}

#[tokio::test]
async fn two_closeout_calls_in_one_crank_cost_no_more_than_two_cranks() {
    // Reference: two single-call cranks, recording each call's accounts.
    let mut r = closeout_book().await;
    let mut reference = Vec::new();
    let mut layouts: Vec<CallHealth> = Vec::new();
    for _ in 0..2 {
        let call =
            r.fx.vault_call_health(&r.bench, &r.vault, &r.writer.margin, u64::MAX)
                .await;
        let events =
            r.fx.vault_liquidate_with(
                &mut r.bench,
                &r.writer.margin,
                u64::MAX,
                0,
                std::slice::from_ref(&call),
            )
            .await
            .expect("single closeout call");
        reference.extend(all_events::<LiquidationEvent>(&events));
        layouts.push(call);
    }
    assert_eq!(reference.len(), 2);

    // The same book on a second bench: both calls in one transaction, with
    // the reference's per-call accounts mapped onto this bench's keys.
    let mut m = closeout_book().await;
    let mut map = vec![(r.u, m.u), (r.fx.sol.oracle, m.fx.sol.oracle)];
    map.extend(r.series.iter().copied().zip(m.series.iter().copied()));
    let calls: Vec<CallHealth> = layouts.iter().map(|c| c.translated(&map)).collect();
    assert_ne!(calls[0], calls[1], "the second call sees a changed layout");
    let events =
        m.fx.vault_liquidate_with(&mut m.bench, &m.writer.margin, u64::MAX, 0, &calls)
            .await
            .expect("two closeout calls in one crank");
    let evs: Vec<LiquidationEvent> = all_events(&events);
    assert_eq!(evs.len(), 2);

    // Two candidates, each closed: the writer holds neither series any more.
    assert!(evs.iter().all(|e| e.tier == 3 && e.caller == m.vault.vault));
    assert_ne!(evs[0].target, evs[1].target);
    let writer: MarginAccount = m.bench.load_zc(&m.writer.margin).await;
    for e in &evs {
        assert!(
            writer.position_slot(&e.target).is_none(),
            "{} closed",
            e.target
        );
    }
    let crank_fee: u64 = evs.iter().map(|e| e.fee_native).sum();
    let separate_fee: u64 = reference.iter().map(|e| e.fee_native).sum();
    assert!(crank_fee <= separate_fee, "{crank_fee} > {separate_fee}");
    // Identical books: call for call, the same slices and fees.
    for (a, b) in evs.iter().zip(&reference) {
        assert_eq!((a.quantity, a.fee_native), (b.quantity, b.fee_native));
    }

    // The vault's record equals what it received, in both benches.
    let v: Vault = m.bench.load_zc(&m.vault.vault).await;
    assert_eq!(v.fees_earned_native, evs.iter().map(net_fee).sum::<u64>());
    assert_eq!(v.liquidation_calls, 2);
    let v: Vault = r.bench.load_zc(&r.vault.vault).await;
    assert_eq!(
        v.fees_earned_native,
        reference.iter().map(net_fee).sum::<u64>()
    );
    let exchange: Exchange = m.bench.load_zc(&m.fx.exchange).await;
    assert_eq!(
        exchange.insurance_native as u64,
        evs.iter().map(|e| e.insurance_share_native).sum::<u64>()
    );
}

#[tokio::test]
async fn only_the_vault_pda_can_use_the_vault_margin_account() {
    let mut b = book(&[(140, 20)], 500 * USD, 12_500_000_000).await;
    set_ratio(&mut b, 10_300).await;
    let stranger = b.fx.new_user(&mut b.bench, 1_000 * USD, 0).await;
    let keys = watched(&b);
    let before = b.bench.snapshot(&keys).await;

    // A direct partial_liquidate by a wallet into the vault's margin account.
    let call =
        b.fx.vault_call_health(&b.bench, &b.vault, &b.writer.margin, u64::MAX)
            .await;
    let args = LiquidateArgs {
        max_quantity: u64::MAX,
        min_fee_native: 0,
        health_accounts_liquidatee: call.liquidatee.len() as u8,
    };
    let ixn = ix::partial_liquidate(
        &stranger.wallet.pubkey(),
        &b.fx.exchange,
        &b.writer.margin,
        &b.vault.margin,
        args,
        &call.liquidatee,
        &call.liquidator,
    );
    let r = b.bench.send(&[ixn], &[&stranger.wallet]).await;
    assert_error_code!(r, ErrorCode::Unauthorized);

    // A direct deposit into it by that wallet.
    let mut accounts = b.fx.transfer_accounts(&stranger, &b.fx.usdc.mint);
    accounts.margin_account = b.vault.margin;
    let r = b
        .bench
        .send(&[ix::deposit(&accounts, USD)], &[&stranger.wallet])
        .await;
    assert_error_code!(r, ErrorCode::Unauthorized);

    // The vault's own deposit, by someone other than its admin.
    let ixn = vault::deposit_to_margin(
        &stranger.wallet.pubkey(),
        &b.fx.exchange,
        &b.fx.usdc.mint,
        &b.vault.usdc_token,
        USD,
    );
    let r = b.bench.send(&[ixn], &[&stranger.wallet]).await;
    assert_error_code!(r, anchor_lang::error::ErrorCode::ConstraintHasOne);

    // A crank whose accounts do not match its call count.
    let r =
        b.fx.vault_liquidate_with(&mut b.bench, &b.writer.margin, u64::MAX, 0, &[])
            .await;
    let invalid = anchor_lang::error::ERROR_CODE_OFFSET
        + liquidation_vault::error::VaultError::InvalidCallCount as u32;
    assert_error_code!(r, invalid);
    assert_unchanged(&b.bench, &keys, &before).await;
}
