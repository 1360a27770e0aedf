//! Trades, withdrawals and settlement under attack: forged margin-check
//! account lists, foreign and rolled-back prices, stale volatility and risk,
//! expiry, signers that are not the owners, and settlement out of order.
//! Every rejection asserts its exact code and that no account changed.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::error::ErrorCode;
use options_margin::state::{MarginAccount, Series};
use options_margin_tests::bench::{assert_unchanged, program_test};
use options_margin_tests::exchange::{SOL_CONF_E8, SOL_PRICE_E8, USDC_USD_FEED_ID};
use options_margin_tests::options::{sol_terms, sol_underlying_params};
use options_margin_tests::pyth::PullPrice;
use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench, User};
use solana_instruction::Instruction;
use solana_signer::Signer;

const DAY: i64 = 86_400;
/// unit: quote native. One dollar.
const USD: u64 = 1_000_000;

/// A refreshed 30-day SOL 140 put and 160 call at 75% vol; `a` and `b`
/// hold 10,000 USDC each and `a` has bought 10 puts from `b`.
struct Market {
    bench: TestBench,
    fx: ExchangeFixture,
    underlying: Pubkey,
    put: Pubkey,
    call: Pubkey,
    a: User,
    b: User,
    /// unit: quote native per contract. The put's mark, used as the premium.
    premium: u64,
}

async fn market() -> Market {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let underlying = fx.add_sol_underlying(&mut bench).await;
    let expiry = bench.now().await + 30 * DAY;
    let put = fx
        .ready_series(
            &mut bench,
            &underlying,
            sol_terms(false, 140, expiry),
            750_000,
        )
        .await;
    let call = fx
        .ready_series(
            &mut bench,
            &underlying,
            sol_terms(true, 160, expiry),
            750_000,
        )
        .await;
    let a = fx.new_user(&mut bench, 10_000 * USD, 0).await;
    let b = fx.new_user(&mut bench, 10_000 * USD, 0).await;
    for u in [&a, &b] {
        fx.deposit(&mut bench, u, &fx.usdc.mint, 10_000 * USD)
            .await
            .unwrap();
    }
    let s: Series = bench.load_zc(&put).await;
    let premium = s.risk.mark_native as u64;
    fx.trade(&mut bench, &a, &b, &put, 10, premium)
        .await
        .expect("opening trade");
    Market {
        bench,
        fx,
        underlying,
        put,
        call,
        a,
        b,
        premium,
    }
}

/// A sends `a` buying `size_lots` of `series` from `b` with the given
/// margin-check lists, both owners signing.
async fn trade_with(
    m: &mut Market,
    series: &Pubkey,
    size_lots: i64,
    health_a: &[AccountMeta],
    health_b: &[AccountMeta],
) -> Result<(), solana_transaction_error::TransactionError> {
    let accounts = m.fx.trade_accounts(&m.a, &m.b, series);
    let ix = ix::trade(&accounts, size_lots, m.premium, health_a, health_b);
    m.bench.send(&[ix], &[&m.a.wallet, &m.b.wallet]).await
}

/// `ix` with `TradeArgs::health_accounts_a` (the last data byte) replaced.
fn with_split(mut ix: Instruction, health_accounts_a: u8) -> Instruction {
    *ix.data.last_mut().unwrap() = health_accounts_a;
    ix
}

/// A PriceUpdateV2 at a fresh address: SOL's price under `feed_id`, published at `ts`.
fn foreign_price(bench: &mut TestBench, feed_id: [u8; 32], ts: i64) -> Pubkey {
    let address = Pubkey::new_unique();
    bench.set_pull_price(
        &address,
        PullPrice::usd_e8(feed_id, SOL_PRICE_E8, SOL_CONF_E8, ts),
    );
    address
}

/// Sets the clock to `ts`, publishes SOL at `price_e8` stamped `ts`, and
/// refreshes `series`.
async fn fresh_at(m: &mut Market, ts: i64, price_e8: i64, series: &[Pubkey]) {
    m.bench.set_time(ts).await;
    m.fx.publish_and_refresh(&mut m.bench, &m.underlying, series, price_e8)
        .await;
}

#[tokio::test]
async fn trade_margin_check_accounts_must_match_each_account_exactly() {
    let mut m = market().await;
    let (put, call) = (m.put, m.call);
    let ha =
        m.fx.trade_health_accounts(&m.bench, &m.a.margin, &put)
            .await;
    let hb =
        m.fx.trade_health_accounts(&m.bench, &m.b.margin, &put)
            .await;
    let [series, underlying, oracle] = [ha[0].clone(), ha[1].clone(), ha[2].clone()];
    // A second underlying of the same exchange, priced by the same feed.
    let other_underlying = {
        let ix = ix::add_underlying(
            &m.fx.admin.pubkey(),
            &m.fx.exchange,
            1,
            sol_underlying_params(),
        );
        m.bench.send(&[ix], &[&m.fx.admin]).await.unwrap();
        options_margin::pda::underlying(&m.fx.exchange, 1).0
    };
    let ro = |k: Pubkey| AccountMeta::new_readonly(k, false);
    let keys = [m.a.margin, m.b.margin, put, call];
    let before = m.bench.snapshot(&keys).await;

    let forged: Vec<Vec<AccountMeta>> = vec![
        vec![],                                                     // omitted
        ha[..2].to_vec(),                                           // truncated
        [ha.clone(), ha.clone()].concat(),                          // duplicated
        vec![underlying.clone(), series.clone(), oracle.clone()],   // reordered
        [ha.clone(), vec![oracle.clone()]].concat(),                // extra oracle
        vec![ro(call), underlying.clone(), oracle.clone()],         // another series
        vec![series.clone(), ro(other_underlying), oracle.clone()], // another underlying
        vec![ro(m.b.margin), underlying.clone(), oracle.clone()],   // not a series
    ];
    for list in &forged {
        // Forged on A's side, then on B's side.
        let r = trade_with(&mut m, &put, 1, list, &hb).await;
        assert_error_code!(r, ErrorCode::HealthAccountsMismatch);
        let r = trade_with(&mut m, &put, 1, &ha, list).await;
        assert_error_code!(r, ErrorCode::HealthAccountsMismatch);
    }
    // A split that hands A's accounts to B or B's to A.
    let good = ix::trade(
        &m.fx.trade_accounts(&m.a, &m.b, &put),
        1,
        m.premium,
        &ha,
        &hb,
    );
    for split in [0, 2, 4, 6, 7, u8::MAX] {
        let r = m
            .bench
            .send(
                &[with_split(good.clone(), split)],
                &[&m.a.wallet, &m.b.wallet],
            )
            .await;
        assert_error_code!(r, ErrorCode::HealthAccountsMismatch);
    }
    // A first trade in the call, with lists that leave the new position out.
    let now_a = m.fx.health_accounts(&m.bench, &m.a.margin).await;
    let now_b = m.fx.health_accounts(&m.bench, &m.b.margin).await;
    let r = trade_with(&mut m, &call, 1, &now_a, &now_b).await;
    assert_error_code!(r, ErrorCode::HealthAccountsMismatch);
    // Something that is not a Pyth account in the oracle's place.
    let not_pyth = vec![series.clone(), underlying.clone(), ro(m.fx.sol.config)];
    let r = trade_with(&mut m, &put, 1, &not_pyth, &hb).await;
    assert_error_code!(r, ErrorCode::OracleWrongOwner);
    assert_unchanged(&m.bench, &keys, &before).await;

    // The exact lists pass.
    trade_with(&mut m, &put, 1, &ha, &hb)
        .await
        .expect("exact lists");
}

#[tokio::test]
async fn withdraw_margin_check_accounts_must_list_the_positions_exactly() {
    let mut m = market().await;
    let (put, call) = (m.put, m.call);
    let hb = m.fx.health_accounts(&m.bench, &m.b.margin).await;
    assert_eq!(hb.len(), 3, "[series, underlying, oracle]");
    let ro = |k: Pubkey| AccountMeta::new_readonly(k, false);
    let t = m.fx.transfer_accounts(&m.b, &m.fx.usdc.mint);
    let keys = [
        m.b.margin,
        m.b.usdc_token,
        m.fx.usdc.vault,
        m.fx.usdc.config,
        put,
    ];
    let before = m.bench.snapshot(&keys).await;
    let forged: Vec<Vec<AccountMeta>> = vec![
        vec![],                                            // omitted
        vec![hb[0].clone()],                               // truncated
        vec![hb[1].clone(), hb[0].clone(), hb[2].clone()], // reordered
        [hb.clone(), hb.clone()].concat(),                 // duplicated
        [hb.clone(), vec![hb[2].clone()]].concat(),        // extra
        vec![ro(call), hb[1].clone(), hb[2].clone()],      // another series
        vec![
            ro(m.fx.sol.config),
            ro(m.fx.sol.oracle),
            hb[0].clone(),
            hb[1].clone(),
            hb[2].clone(),
        ], // a collateral the account does not hold
    ];
    for list in &forged {
        let r = m
            .bench
            .send(&[ix::withdraw(&t, USD, list)], &[&m.b.wallet])
            .await;
        assert_error_code!(r, ErrorCode::HealthAccountsMismatch);
    }
    let not_pyth = vec![hb[0].clone(), hb[1].clone(), ro(m.fx.sol.config)];
    let r = m
        .bench
        .send(&[ix::withdraw(&t, USD, &not_pyth)], &[&m.b.wallet])
        .await;
    assert_error_code!(r, ErrorCode::OracleWrongOwner);
    assert_unchanged(&m.bench, &keys, &before).await;
    m.bench
        .send(&[ix::withdraw(&t, USD, &hb)], &[&m.b.wallet])
        .await
        .expect("exact list");
}

#[tokio::test]
async fn an_underlying_priced_by_another_feed_is_refused() {
    let mut m = market().await;
    let now = m.bench.now().await;
    let usdc_feed = foreign_price(&mut m.bench, USDC_USD_FEED_ID, now);
    let put = m.put;
    let ha =
        m.fx.trade_health_accounts(&m.bench, &m.a.margin, &put)
            .await;
    let hb =
        m.fx.trade_health_accounts(&m.bench, &m.b.margin, &put)
            .await;
    let swap = |list: &[AccountMeta]| {
        let mut l = list.to_vec();
        l[2] = AccountMeta::new_readonly(usdc_feed, false);
        l
    };
    let keys = [m.a.margin, m.b.margin, put, m.b.usdc_token, m.fx.usdc.vault];
    let before = m.bench.snapshot(&keys).await;
    let r = trade_with(&mut m, &put, 1, &swap(&ha), &hb).await;
    assert_error_code!(r, ErrorCode::OracleWrongFeed);
    let r = trade_with(&mut m, &put, 1, &ha, &swap(&hb)).await;
    assert_error_code!(r, ErrorCode::OracleWrongFeed);
    let t = m.fx.transfer_accounts(&m.b, &m.fx.usdc.mint);
    let r = m
        .bench
        .send(&[ix::withdraw(&t, USD, &swap(&hb))], &[&m.b.wallet])
        .await;
    assert_error_code!(r, ErrorCode::OracleWrongFeed);
    assert_unchanged(&m.bench, &keys, &before).await;
}

/// Issue 13, finding 4: a refresh is permissionless, so anyone can refresh
/// a victim's series with a newer update just before the victim's own
/// transaction (which starts with a refresh from its older update). That
/// refresh is a no-op, never an error, and the older update still serves
/// the margin check: the vectors, not the update, carry the price.
#[tokio::test]
async fn a_front_run_refresh_with_a_newer_update_fails_nobody() {
    let mut m = market().await;
    let put = m.put;
    let t = m.bench.now().await + 5;
    // The front-runner: the official account, newest update, refreshed first.
    fresh_at(&mut m, t, SOL_PRICE_E8, &[put]).await;
    let refreshed = m.bench.snapshot(&[put]).await;

    // The victim's own update, one second older, and its transaction:
    // [refresh from it, trade with it in both margin-check lists].
    let older = foreign_price(&mut m.bench, m.fx.sol.feed_id, t - 1);
    let ha =
        m.fx.trade_health_accounts(&m.bench, &m.a.margin, &put)
            .await;
    let hb =
        m.fx.trade_health_accounts(&m.bench, &m.b.margin, &put)
            .await;
    let rolled = |list: &[AccountMeta]| {
        let mut l = list.to_vec();
        l[2] = AccountMeta::new_readonly(older, false);
        l
    };
    let refresh = ix::refresh_series_risk(&m.underlying, &put, &older);
    m.bench
        .send(std::slice::from_ref(&refresh), &[])
        .await
        .expect("an older refresh is a no-op");
    assert_unchanged(&m.bench, &[put], &refreshed).await;
    let accounts = m.fx.trade_accounts(&m.a, &m.b, &put);
    let trade = ix::trade(&accounts, 1, m.premium, &rolled(&ha), &rolled(&hb));
    m.bench
        .send(&[refresh, trade], &[&m.a.wallet, &m.b.wallet])
        .await
        .expect("the victim's transaction goes through");
    let s: Series = m.bench.load_zc(&put).await;
    assert_eq!(s.risk.computed_at_ts, t, "never rolled back");

    // An older update outside the band of the vectors' spot is refused:
    // the vectors must match the market the caller shows.
    let moved = Pubkey::new_unique();
    m.bench.set_pull_price(
        &moved,
        PullPrice::usd_e8(
            m.fx.sol.feed_id,
            SOL_PRICE_E8 * 98 / 100,
            SOL_CONF_E8,
            t - 1,
        ),
    );
    let far = |list: &[AccountMeta]| {
        let mut l = list.to_vec();
        l[2] = AccountMeta::new_readonly(moved, false);
        l
    };
    let keys = [m.a.margin, m.b.margin, put, m.b.usdc_token, m.fx.usdc.vault];
    let before = m.bench.snapshot(&keys).await;
    let r = trade_with(&mut m, &put, 1, &far(&ha), &hb).await;
    assert_error_code!(r, ErrorCode::PriceMovedSinceRefresh);
    assert_unchanged(&m.bench, &keys, &before).await;
}

#[tokio::test]
async fn stale_volatility_refuses_risk_increasing_trades_only() {
    let mut m = market().await;
    let put = m.put;
    let s: Series = m.bench.load_zc(&put).await;
    let vol_ts = s.vol_updated_ts;
    // Exactly `vol_max_age_secs` old: still fresh.
    fresh_at(&mut m, vol_ts + 3_600, SOL_PRICE_E8, &[put]).await;
    m.fx.trade(&mut m.bench, &m.a, &m.b, &put, 1, m.premium)
        .await
        .expect("vol exactly at its maximum age");

    // One second older, with the price and the vectors fresh.
    fresh_at(&mut m, vol_ts + 3_601, SOL_PRICE_E8, &[put]).await;
    let keys = [m.a.margin, m.b.margin, put, m.b.usdc_token, m.fx.usdc.vault];
    let before = m.bench.snapshot(&keys).await;
    let r =
        m.fx.trade(&mut m.bench, &m.a, &m.b, &put, 1, m.premium)
            .await;
    assert_error_code!(r, ErrorCode::StaleVolatility);
    // "Adding risk" is judged on the whole account: flipping A from long 11
    // to short 29 raises its MM (B's falls), so it needs fresh volatility.
    let r =
        m.fx.trade(&mut m.bench, &m.a, &m.b, &put, -40, m.premium)
            .await;
    assert_error_code!(r, ErrorCode::StaleVolatility);
    // A withdrawal with positions is checked as risk-increasing.
    let r =
        m.fx.withdraw(&mut m.bench, &m.b, &m.fx.usdc.mint, USD)
            .await;
    assert_error_code!(r, ErrorCode::StaleVolatility);
    assert_unchanged(&m.bench, &keys, &before).await;

    // Both sides reducing: allowed on the stale volatility.
    m.fx.trade(&mut m.bench, &m.a, &m.b, &put, -4, m.premium)
        .await
        .expect("reduce-only trade with stale vol");
    let account: MarginAccount = m.bench.load_zc(&m.a.margin).await;
    assert_eq!(account.active_positions().next().unwrap().size_contracts, 7);

    // A new volatility (same value) makes it fresh again.
    m.fx.set_vol(&mut m.bench, &m.underlying, &put, 750_000)
        .await;
    m.fx.trade(&mut m.bench, &m.a, &m.b, &put, 1, m.premium)
        .await
        .expect("fresh vol again");
}

#[tokio::test]
async fn stale_vectors_and_a_price_outside_the_band_are_refused() {
    let mut m = market().await;
    let put = m.put;
    let s: Series = m.bench.load_zc(&put).await;
    let t0 = s.risk.computed_at_ts;
    let keys = [m.a.margin, m.b.margin, put, m.b.usdc_token, m.fx.usdc.vault];

    // `max_risk_age_secs` (60) after the refresh, with a fresh price: usable.
    m.bench.set_time(t0 + 60).await;
    m.fx.set_sol_price(&mut m.bench, SOL_PRICE_E8, SOL_CONF_E8, t0 + 60);
    m.fx.trade(&mut m.bench, &m.a, &m.b, &put, 1, m.premium)
        .await
        .expect("vectors exactly at their maximum age");
    // One second more: stale, for trades and withdrawals alike.
    m.bench.set_time(t0 + 61).await;
    m.fx.set_sol_price(&mut m.bench, SOL_PRICE_E8, SOL_CONF_E8, t0 + 61);
    let before = m.bench.snapshot(&keys).await;
    let r =
        m.fx.trade(&mut m.bench, &m.a, &m.b, &put, 1, m.premium)
            .await;
    assert_error_code!(r, ErrorCode::StaleSeriesRisk);
    let r =
        m.fx.trade(&mut m.bench, &m.a, &m.b, &put, -1, m.premium)
            .await;
    assert_error_code!(r, ErrorCode::StaleSeriesRisk);
    let r =
        m.fx.withdraw(&mut m.bench, &m.b, &m.fx.usdc.mint, USD)
            .await;
    assert_error_code!(r, ErrorCode::StaleSeriesRisk);
    assert_unchanged(&m.bench, &keys, &before).await;

    // Refreshed at $150; the band is 1% ($1.50) either way, inclusive.
    fresh_at(&mut m, t0 + 61, SOL_PRICE_E8, &[put]).await;
    let band = SOL_PRICE_E8 / 100;
    m.fx.set_sol_price(&mut m.bench, SOL_PRICE_E8 + band, SOL_CONF_E8, t0 + 62);
    m.bench.set_time(t0 + 62).await;
    m.fx.trade(&mut m.bench, &m.a, &m.b, &put, 1, m.premium)
        .await
        .expect("+1% exactly is inside the band");
    let before = m.bench.snapshot(&keys).await;
    for price in [SOL_PRICE_E8 + band + 1, SOL_PRICE_E8 - band - 1] {
        m.fx.set_sol_price(&mut m.bench, price, SOL_CONF_E8, t0 + 62);
        let r =
            m.fx.trade(&mut m.bench, &m.a, &m.b, &put, 1, m.premium)
                .await;
        assert_error_code!(r, ErrorCode::PriceMovedSinceRefresh);
        let r =
            m.fx.withdraw(&mut m.bench, &m.b, &m.fx.usdc.mint, USD)
                .await;
        assert_error_code!(r, ErrorCode::PriceMovedSinceRefresh);
    }
    assert_unchanged(&m.bench, &keys, &before).await;
}

#[tokio::test]
async fn an_expired_series_cannot_be_traded() {
    let mut m = market().await;
    let put = m.put;
    let s: Series = m.bench.load_zc(&put).await;
    // The last second before expiry still trades (the vol must be fresh,
    // so it is re-set first).
    m.bench.set_time(s.expiry_ts - 1).await;
    m.fx.set_vol(&mut m.bench, &m.underlying, &put, 750_000)
        .await;
    fresh_at(&mut m, s.expiry_ts - 1, SOL_PRICE_E8, &[put]).await;
    m.fx.trade(&mut m.bench, &m.a, &m.b, &put, 1, m.premium)
        .await
        .expect("one second before expiry");

    let keys = [m.a.margin, m.b.margin, put];
    for ts in [s.expiry_ts, s.expiry_ts + DAY] {
        fresh_at(&mut m, ts, SOL_PRICE_E8, &[put]).await;
        let before = m.bench.snapshot(&keys).await;
        for size in [1, -1] {
            let r =
                m.fx.trade(&mut m.bench, &m.a, &m.b, &put, size, m.premium)
                    .await;
            assert_error_code!(r, ErrorCode::SeriesExpired);
        }
        assert_unchanged(&m.bench, &keys, &before).await;
    }
}

#[tokio::test]
async fn only_the_two_owners_may_sign_and_an_account_cannot_trade_with_itself() {
    let mut m = market().await;
    let put = m.put;
    let mallory = m.fx.new_user(&mut m.bench, 10_000 * USD, 0).await;
    let ha =
        m.fx.trade_health_accounts(&m.bench, &m.a.margin, &put)
            .await;
    let hb =
        m.fx.trade_health_accounts(&m.bench, &m.b.margin, &put)
            .await;
    let keys = [m.a.margin, m.b.margin, mallory.margin, put];
    let before = m.bench.snapshot(&keys).await;

    // Mallory co-signs in place of either owner.
    for swap_b in [true, false] {
        let mut accounts = m.fx.trade_accounts(&m.a, &m.b, &put);
        let signer = if swap_b {
            accounts.owner_b = mallory.wallet.pubkey();
            &m.a.wallet
        } else {
            accounts.owner_a = mallory.wallet.pubkey();
            &m.b.wallet
        };
        let ix = ix::trade(&accounts, 1, m.premium, &ha, &hb);
        let r = m.bench.send(&[ix], &[signer, &mallory.wallet]).await;
        assert_error_code!(r, ErrorCode::Unauthorized);
    }
    // B's key present but not signing.
    let mut ix = ix::trade(
        &m.fx.trade_accounts(&m.a, &m.b, &put),
        1,
        m.premium,
        &ha,
        &hb,
    );
    ix.accounts[1].is_signer = false;
    let r = m.bench.send(&[ix], &[&m.a.wallet]).await;
    assert_error_code!(r, anchor_lang::error::ErrorCode::AccountNotSigner);

    // A trading with itself: one account on both sides.
    let accounts = m.fx.trade_accounts(&m.a, &m.a, &put);
    let ix = ix::trade(&accounts, 1, m.premium, &ha, &ha);
    let r = m.bench.send(&[ix], &[&m.a.wallet]).await;
    assert_error_code!(
        r,
        anchor_lang::error::ErrorCode::ConstraintDuplicateMutableAccount
    );
    assert_unchanged(&m.bench, &keys, &before).await;
}

/// Issue 9, finding 5: the settler may not choose among a window of
/// prices. The settlement price is the one verified update that straddles
/// expiry (published at or after it, the feed's previous update before
/// it); any later update a settler would prefer is refused, and the
/// straddling one settles whenever it is posted (its age is not checked).
#[tokio::test]
async fn the_settlement_price_is_the_update_that_straddles_expiry() {
    let mut m = market().await;
    let u = m.underlying;
    let oracle = m.fx.sol.oracle;
    let expiry = m.bench.now().await + DAY;
    let put =
        m.fx.ready_series(&mut m.bench, &u, sol_terms(false, 140, expiry), 750_000)
            .await;
    let call =
        m.fx.ready_series(&mut m.bench, &u, sol_terms(true, 160, expiry), 750_000)
            .await;
    m.fx.trade(&mut m.bench, &m.a, &m.b, &put, 5, m.premium)
        .await
        .unwrap();
    let keys = [m.a.margin, m.b.margin, put, call];
    let before = m.bench.snapshot(&keys).await;
    let settle = |s: &Pubkey, oracle: &Pubkey| ix::settle_series(&u, s, oracle);
    let settle_positions = ix::settle_positions(&m.fx.exchange, &m.a.margin, &put);
    let update = |bench: &mut TestBench, price_e8: i64, prev: i64, publish: i64| {
        let address = Pubkey::new_unique();
        bench.set_pull_price(
            &address,
            PullPrice {
                prev_publish_time: Some(prev),
                ..PullPrice::usd_e8(m.fx.sol.feed_id, price_e8, SOL_CONF_E8, publish)
            },
        );
        address
    };

    // One second before expiry, with a fresh price.
    m.bench.set_time(expiry - 1).await;
    m.fx.set_sol_price(&mut m.bench, SOL_PRICE_E8, SOL_CONF_E8, expiry - 1);
    let r = m.bench.send(&[settle(&put, &oracle)], &[]).await;
    assert_error_code!(r, ErrorCode::SeriesNotExpired);
    // Expired but not settled: positions cannot be paid out yet.
    m.bench.set_time(expiry + 300).await;
    let r = m
        .bench
        .send(std::slice::from_ref(&settle_positions), &[])
        .await;
    assert_error_code!(r, ErrorCode::SeriesNotSettled);
    // An update published before expiry, and a later one (at a price the
    // settler prefers) whose previous update was already after expiry.
    let early = update(&mut m.bench, SOL_PRICE_E8, expiry - 3, expiry - 1);
    let late = update(&mut m.bench, SOL_PRICE_E8 / 2, expiry + 59, expiry + 60);
    for bad in [early, late] {
        let r = m.bench.send(&[settle(&put, &bad)], &[]).await;
        assert_error_code!(r, ErrorCode::SettlementPriceOutOfWindow);
    }
    // A refresh after expiry is a no-op: never the intrinsic value at a
    // later price the caller picks.
    m.fx.set_sol_price(&mut m.bench, SOL_PRICE_E8 / 2, SOL_CONF_E8, expiry + 300);
    m.bench
        .send(&[ix::refresh_series_risk(&u, &put, &oracle)], &[])
        .await
        .expect("a refresh of an expired series is a no-op");
    assert_unchanged(&m.bench, &keys, &before).await;

    // The straddling update, five minutes old: it settles.
    let straddle = update(&mut m.bench, SOL_PRICE_E8 * 9 / 10, expiry - 1, expiry + 1);
    m.bench
        .send(&[settle(&put, &straddle)], &[])
        .await
        .expect("settle");
    let s: Series = m.bench.load_zc(&put).await;
    assert_eq!((s.settled, s.settlement_publish_ts), (1, expiry + 1));
    assert_eq!(s.settlement_price_e12, 135 * 1_000_000_000_000);
    // Settled once and for all: no second settlement, refresh or new vol.
    let keys = [put];
    let before = m.bench.snapshot(&keys).await;
    let r = m.bench.send(&[settle(&put, &straddle)], &[]).await;
    assert_error_code!(r, ErrorCode::SeriesSettled);
    m.bench
        .send(&[ix::refresh_series_risk(&u, &put, &oracle)], &[])
        .await
        .expect("a refresh of a settled series is a no-op");
    let r = m
        .bench
        .send(
            &[ix::set_volatility(
                &m.fx.admin.pubkey(),
                &m.fx.exchange,
                &u,
                &put,
                750_000,
            )],
            &[&m.fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::SeriesSettled);
    assert_unchanged(&m.bench, &keys, &before).await;

    // Positions settle at once, once; a second call finds nothing.
    m.bench
        .send(std::slice::from_ref(&settle_positions), &[])
        .await
        .expect("settle positions");
    let before = m.bench.snapshot(&[m.a.margin, put]).await;
    let r = m.bench.send(&[settle_positions], &[]).await;
    assert_error_code!(r, ErrorCode::NoPosition);
    assert_unchanged(&m.bench, &[m.a.margin, put], &before).await;

    // Hours later the same historical update settles the other series too.
    m.bench.set_time(expiry + 7_200).await;
    m.bench
        .send(&[settle(&call, &straddle)], &[])
        .await
        .expect("a late settlement with the straddling update");
    let c: Series = m.bench.load_zc(&call).await;
    assert_eq!(c.settlement_publish_ts, expiry + 1);
}
