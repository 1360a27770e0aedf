//! Prices and vectors under attack (issues 9.5 and 13.1): vectors computed
//! at an old volatility, a caller picking a spike among the last minute's
//! updates, and collateral across decimals 0/6/9/12 and Pyth exponents
//! −5/−8/−12. Every refusal asserts its exact code and that nothing changed.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::state::{MarginAccount, Series};
use options_margin_tests::bench::assert_unchanged;
use options_margin_tests::collaterals::RawUsd;
use options_margin_tests::exchange::SOL_CONF_E8;
use options_margin_tests::pyth::PullPrice;
use options_margin_tests::{assert_error_code, ix};
use solana_signer::Signer;

use super::desk::{put, Desk, SOL_150_E8, USD};

/// unit: lamports. One SOL.
const SOL: u64 = 1_000_000_000;

/// Issue 13, finding 1. `set_volatility` used to leave the stored vectors
/// usable (their `vol_ref_e6` ignored) until they aged out: after a rise
/// from 50% to 75% a writer sold naked calls on margin of the old vol, and
/// a liquidator moved positions at the stale mark. Vectors computed at
/// another volatility than the series' current one are now refused by
/// every instruction that reads them, until a refresh.
#[tokio::test]
async fn no_instruction_uses_vectors_of_an_old_volatility() {
    let mut d = Desk::new(1, 1_000 * USD, 0).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 500_000).await;
    d.write(&p, 20, None).await;
    // An hour later SOL has fallen: fresh vectors at the old 50% vol, the
    // writer is liquidatable; then the vol authority raises vol to 75%.
    d.bench.advance_time(3_600).await;
    d.fall_below(SOL_150_E8, 10_000).await;
    let (u, admin) = (d.underlyings[0], d.fx.admin.insecure_clone());
    let raise = ix::set_volatility(&admin.pubkey(), &d.fx.exchange, &u, &p, 750_000);
    d.bench.send(&[raise], &[&admin]).await.expect("vol up 50%");
    let s: Series = d.bench.load_zc(&p).await;
    assert_eq!((s.vol_e6, s.risk.vol_ref_e6), (750_000, 500_000));

    let mut keys = d.watched();
    keys.push(d.buyer.margin);
    let before = d.bench.snapshot(&keys).await;
    let stale = ErrorCode::VolatilityChangedSinceRefresh;
    let premium = s.risk.mark_native as u64;
    let r =
        d.fx.trade(&mut d.bench, &d.buyer, &d.writer, &p, 1, premium)
            .await;
    assert_error_code!(r, stale);
    let r =
        d.fx.withdraw(&mut d.bench, &d.writer, &d.fx.usdc.mint, USD)
            .await;
    assert_error_code!(r, stale);
    let r =
        d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, u64::MAX, 0)
            .await;
    assert_error_code!(r, stale);
    assert_unchanged(&d.bench, &keys, &before).await;

    // A refresh (same price, new vol) makes the series usable again.
    d.fx.refresh(&mut d.bench, &u, &p).await;
    let s: Series = d.bench.load_zc(&p).await;
    assert_eq!(s.risk.vol_ref_e6, 750_000);
    d.liquidate_as_planned(u64::MAX).await;
}

/// Issue 9, finding 5 (the EMA). A caller chooses which verified update of
/// the last minute it passes. A withdrawal values collateral at the worse
/// of the spot and the EMA carried in the same update, so an upward spike
/// buys nothing; a risk-adding trade refuses an underlying price more than
/// `max_ema_deviation_bps` (10%) from its EMA; a liquidation values at the
/// spot and still runs in a crash.
#[tokio::test]
async fn a_spike_above_the_ema_buys_nothing() {
    let mut d = Desk::new(1, 0, 10 * SOL).await;
    let sol = d.fx.sol.mint;
    d.fx.deposit(&mut d.bench, &d.writer, &sol, 10 * SOL)
        .await
        .unwrap();
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    // SOL spikes to $156 (+4%) while its EMA is still $150.
    let spike_e8 = SOL_150_E8 * 104 / 100;
    d.bench.set_pull_price(
        &d.fx.sol.oracle,
        PullPrice {
            ema_price: Some(SOL_150_E8),
            ..PullPrice::usd_e8(d.fx.sol.feed_id, spike_e8, SOL_CONF_E8, now)
        },
    );
    let u = d.underlyings[0];
    d.fx.refresh(&mut d.bench, &u, &p).await;
    // The underlying is 4% from its EMA, within the 10% bound: trading works.
    d.write(&p, 20, None).await;

    // Excess over IM at the spot and at the EMA (the withdrawal's view).
    let at_spot = d.fx.margin_of(&d.bench, &d.writer.margin).await;
    let health = d.fx.health_accounts(&d.bench, &d.writer.margin).await;
    let at_ema = options_margin_tests::client::margin_summary_at(
        &d.bench,
        &d.fx.exchange,
        &d.writer.margin,
        &health,
        options_margin::health::Valuation::Conservative,
    )
    .await
    .unwrap();
    let excess = |m: &options_margin::health::MarginSummary| {
        (m.equity_native - m.initial_margin_native) as u128
    };
    // unit: lamports. Removing x lamports lowers the excess by 80% (the IM
    // weight) of their value: x = excess / (0.8 · price per lamport).
    let lamports = |excess: u128, price_e8: i64| {
        (excess * 1_000 * 100_000_000 / (price_e8 as u128 * 8 / 10)) as u64
    };
    let (x_spot, x_ema) = (
        lamports(excess(&at_spot), spike_e8),
        lamports(excess(&at_ema), SOL_150_E8),
    );
    assert!(x_spot > x_ema + SOL / 100, "{x_spot} vs {x_ema}");
    // What the spike alone would allow is refused; what the EMA allows is not.
    let keys = d.watched();
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.withdraw(&mut d.bench, &d.writer, &sol, (x_spot + x_ema) / 2)
            .await;
    assert_error_code!(r, ErrorCode::BelowInitialMargin);
    assert_unchanged(&d.bench, &keys, &before).await;
    d.fx.withdraw(&mut d.bench, &d.writer, &sol, x_ema * 99 / 100)
        .await
        .expect("a withdrawal the EMA allows");

    // The underlying 20% above its EMA: a risk-adding trade is refused, a
    // reducing one is not.
    d.bench.advance_time(1).await;
    let now = d.bench.now().await;
    d.bench.set_pull_price(
        &d.fx.sol.oracle,
        PullPrice {
            ema_price: Some(SOL_150_E8 * 100 / 120),
            ..PullPrice::usd_e8(d.fx.sol.feed_id, SOL_150_E8, SOL_CONF_E8, now)
        },
    );
    d.fx.refresh(&mut d.bench, &u, &p).await;
    let premium = {
        let s: Series = d.bench.load_zc(&p).await;
        s.risk.mark_native as u64
    };
    let mut keys = d.watched();
    keys.push(d.buyer.margin);
    let before = d.bench.snapshot(&keys).await;
    let r =
        d.fx.trade(&mut d.bench, &d.buyer, &d.writer, &p, 1, premium)
            .await;
    assert_error_code!(r, ErrorCode::OraclePriceDeviatesFromEma);
    assert_unchanged(&d.bench, &keys, &before).await;
    d.fx.trade(&mut d.bench, &d.writer, &d.buyer, &p, 1, premium + 1)
        .await
        .expect("both sides reduce: no EMA bound");
}

/// Collateral across token decimals 0, 6, 9, 12 and Pyth exponents −5,
/// −8, −12: a deposit is valued at exactly `⌊balance · (price − conf) /
/// 10^(decimals + 6)⌋` quote native, and what goes in comes out.
#[tokio::test]
async fn collateral_of_any_decimals_and_exponent_is_valued_exactly() {
    let mut d = Desk::new(1, 0, 0).await;
    let cases = [
        (0u8, -5i32, 12_345_678i64, 1_234u64, 7u64),
        (6, -8, 15_012_345_678, 7_500_000, 123_456_789),
        (9, -12, 149_999_999_999_999, 75_000_000_000, 1_234_567_891),
        (12, -8, 99_999_999, 50_000, 987_654_321_012_345),
        (9, -5, 1, 0, 5_000_000_001),
    ];
    let mut expected_value: i128 = 0;
    for (i, (decimals, expo, price, conf, amount)) in cases.into_iter().enumerate() {
        let raw = RawUsd { price, conf, expo };
        let c =
            d.fx.add_volatile_collateral(&mut d.bench, decimals, 0x60 + i as u8, raw)
                .await;
        let accounts = d.fx.fund(&mut d.bench, &d.writer, &c, amount).await;
        d.fx.deposit_from(&mut d.bench, &d.writer, &accounts, amount)
            .await
            .expect("deposit");
        // price − conf in e12 USD: exact, since −12 ≤ expo ≤ 0.
        let low_e12 = (price as i128 - conf as i128) * 10i128.pow((12 + expo) as u32);
        expected_value += amount as i128 * low_e12 / 10i128.pow(decimals as u32 + 6);
        let m = d.fx.margin_of(&d.bench, &d.writer.margin).await;
        assert_eq!(m.equity_native as i128, expected_value, "case {i}");
        // Half of it comes back, to the unit.
        let half = amount / 2;
        if half > 0 {
            let w = ix::withdraw(
                &accounts,
                half,
                &d.fx.health_accounts(&d.bench, &d.writer.margin).await,
            );
            d.bench
                .send(&[w], &[&d.writer.wallet])
                .await
                .expect("withdraw");
            assert_eq!(d.bench.token_balance(&accounts.token_account).await, half);
            let account: MarginAccount = d.bench.load_zc(&d.writer.margin).await;
            let slot = account.collateral_slot(&c.mint).unwrap();
            assert_eq!(
                account.collaterals[slot].balance_native as u64,
                amount - half
            );
            expected_value -= amount as i128 * low_e12 / 10i128.pow(decimals as u32 + 6);
            expected_value += (amount - half) as i128 * low_e12 / 10i128.pow(decimals as u32 + 6);
        }
    }
    let _: Pubkey = d.fx.exchange;
}

/// Review finding (caller-chosen updates): the oracle accepts updates up to
/// a minute old, so a withdrawal in a crash could pass a pre-crash update
/// and take out what the account no longer has. Risk-adding checks now
/// refuse an update older than `RISK_ADDING_MAX_PRICE_AGE_SECS` (10 s),
/// whoever posted it; liquidations are unaffected.
#[tokio::test]
async fn a_risk_adding_check_refuses_an_update_the_market_has_left_behind() {
    let mut d = Desk::new(1, 2_000 * USD, 0).await;
    let now = d.bench.now().await;
    let p = d.series(0, put(140, now), 750_000).await;
    d.write(&p, 10, None).await;
    let usdc = d.fx.usdc.mint;
    let max_age = options_margin_risk::params::RISK_ADDING_MAX_PRICE_AGE_SECS;
    // Vectors refreshed from an update published at t; the clock moves on.
    let t = d.bench.now().await + 1;
    d.bench.set_time(t).await;
    d.fx.publish_and_refresh(&mut d.bench, &d.underlyings[0].clone(), &[p], SOL_150_E8)
        .await;
    let mut keys = d.watched();
    keys.push(d.fx.usdc.vault);
    // 11 s later the same update is too old to add risk on …
    d.bench.set_time(t + max_age + 1).await;
    let before = d.bench.snapshot(&keys).await;
    let r = d.fx.withdraw(&mut d.bench, &d.writer, &usdc, USD).await;
    assert_error_code!(r, ErrorCode::PriceTooOldToAddRisk);
    // … and so is the caller's own 11-second-old update while the official
    // account has a new one.
    let older = Pubkey::new_unique();
    d.bench.set_pull_price(
        &older,
        PullPrice::usd_e8(d.fx.sol.feed_id, SOL_150_E8, SOL_CONF_E8, t - 1),
    );
    let now = t + max_age;
    d.bench.set_time(now).await;
    d.fx.set_sol_price(&mut d.bench, SOL_150_E8, SOL_CONF_E8, now);
    let mut health = d.fx.health_accounts(&d.bench, &d.writer.margin).await;
    let last = health.len() - 1;
    health[last] = anchor_lang::prelude::AccountMeta::new_readonly(older, false);
    let w = ix::withdraw(&d.fx.transfer_accounts(&d.writer, &usdc), USD, &health);
    let r = d.bench.send(&[w], &[&d.writer.wallet]).await;
    assert_error_code!(r, ErrorCode::PriceTooOldToAddRisk);
    assert_unchanged(&d.bench, &keys, &before).await;
    // The official update (fresh, older than nothing) is fine, and so is
    // one exactly 10 s old.
    d.fx.set_sol_price(&mut d.bench, SOL_150_E8, SOL_CONF_E8, now - max_age);
    d.fx.withdraw(&mut d.bench, &d.writer, &usdc, USD)
        .await
        .expect("an update 10 s old");
}
