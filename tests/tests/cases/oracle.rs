//! Prices in margin checks, through real transactions: every Pyth rejection
//! with its exact code, the margin-check account rules, and both account
//! kinds including the real mainnet dumps.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::error::ErrorCode;
use options_margin::events::WithdrawEvent;
use options_margin::oracle::fixtures::{
    self, VerificationLevelByte, LEGACY_DUMP_PUBLISH_TIME, LEGACY_STATUS_HALTED,
    LEGACY_STATUS_TRADING, SOL_USD_LEGACY_ADDRESS,
};
use options_margin::oracle::{OracleConfig, OracleKind};
use options_margin::state::MarginAccount;
use options_margin_tests::bench::{assert_unchanged, find_event, program_test, START_TS};
use options_margin_tests::client;
use options_margin_tests::exchange::{sol_collateral_params, SOL_CONF_E8, SOL_PRICE_E8};
use options_margin_tests::pyth::PullPrice;
use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench, User};

/// A user with 10 SOL and 100 USDC deposited: withdrawing USDC must read SOL.
async fn setup() -> (TestBench, ExchangeFixture, User) {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let user = fx.new_user(&mut bench, 100_000_000, 10_000_000_000).await;
    fx.deposit(&mut bench, &user, &fx.sol.mint, 10_000_000_000)
        .await
        .unwrap();
    fx.deposit(&mut bench, &user, &fx.usdc.mint, 100_000_000)
        .await
        .unwrap();
    (bench, fx, user)
}

fn keys(fx: &ExchangeFixture, user: &User) -> Vec<Pubkey> {
    vec![
        user.margin,
        fx.usdc.vault,
        user.usdc_token,
        fx.usdc.config,
        fx.sol.config,
    ]
}

fn price(fx: &ExchangeFixture, now: i64) -> PullPrice {
    PullPrice::usd_e8(fx.sol.feed_id, SOL_PRICE_E8, SOL_CONF_E8, now)
}

#[tokio::test]
async fn every_pull_oracle_rejection_has_its_code_and_changes_nothing() {
    let (mut bench, fx, user) = setup().await;
    let now = bench.now().await;
    let usdc = fx.usdc.mint;
    let keys = keys(&fx, &user);
    let before = bench.snapshot(&keys).await;

    let cases: Vec<(PullPrice, ErrorCode)> = vec![
        (
            PullPrice {
                feed_id: [7; 32],
                ..price(&fx, now)
            },
            ErrorCode::OracleWrongFeed,
        ),
        (
            PullPrice {
                partial_signatures: Some(13),
                ..price(&fx, now)
            },
            ErrorCode::OracleNotFullyVerified,
        ),
        (
            PullPrice {
                publish_time: now - 61,
                ..price(&fx, now)
            },
            ErrorCode::OracleStale,
        ),
        (
            PullPrice {
                publish_time: now + 11,
                ..price(&fx, now)
            },
            ErrorCode::OracleStale,
        ),
        (
            PullPrice {
                price: 0,
                ..price(&fx, now)
            },
            ErrorCode::OracleNonPositivePrice,
        ),
        (
            PullPrice {
                price: -SOL_PRICE_E8,
                ..price(&fx, now)
            },
            ErrorCode::OracleNonPositivePrice,
        ),
        (
            PullPrice {
                conf: SOL_PRICE_E8 as u64 * 3 / 100,
                ..price(&fx, now)
            },
            ErrorCode::OracleConfidenceTooWide,
        ),
        (
            PullPrice {
                expo: -13,
                ..price(&fx, now)
            },
            ErrorCode::OracleExponentOutOfRange,
        ),
        (
            PullPrice {
                expo: 1,
                ..price(&fx, now)
            },
            ErrorCode::OracleExponentOutOfRange,
        ),
    ];
    for (p, code) in cases {
        bench.set_pull_price(&fx.sol.oracle, p);
        let r = fx.withdraw(&mut bench, &user, &usdc, 1_000_000).await;
        assert_error_code!(r, code);
    }
    // The right bytes under the wrong owner.
    let data = fixtures::price_update_v2_bytes(
        fx.sol.feed_id,
        SOL_PRICE_E8,
        SOL_CONF_E8,
        -8,
        now,
        VerificationLevelByte::Full,
    );
    bench.set_raw_account(&fx.sol.oracle, Pubkey::new_unique(), data);
    assert_error_code!(
        fx.withdraw(&mut bench, &user, &usdc, 1_000_000).await,
        ErrorCode::OracleWrongOwner
    );
    assert_unchanged(&bench, &keys, &before).await;

    // Exponent bounds themselves are accepted: −12 and 0.
    for (p, expo) in [(SOL_PRICE_E8 * 10_000, -12), (150, 0)] {
        bench.set_pull_price(
            &fx.sol.oracle,
            PullPrice {
                price: p,
                conf: 0,
                expo,
                ..price(&fx, now)
            },
        );
        fx.withdraw(&mut bench, &user, &usdc, 1)
            .await
            .expect("expo within bounds");
    }
}

#[tokio::test]
async fn margin_check_accounts_must_match_the_account_exactly() {
    let (mut bench, fx, user) = setup().await;
    let keys = keys(&fx, &user);
    let before = bench.snapshot(&keys).await;
    let a = fx.transfer_accounts(&user, &fx.usdc.mint);
    let good = fx.health_accounts(&bench, &user.margin).await;
    let extra_oracle = Pubkey::new_unique();
    let now = bench.now().await;
    bench.set_pull_price(&extra_oracle, price(&fx, now));

    let cases: Vec<Vec<AccountMeta>> = vec![
        vec![],                                 // omitted
        vec![good[0].clone()],                  // truncated
        vec![good[1].clone(), good[0].clone()], // reordered
        [good.clone(), good.clone()].concat(),  // duplicated
        [
            good.clone(),
            vec![AccountMeta::new_readonly(extra_oracle, false)],
        ]
        .concat(), // extra
        vec![
            AccountMeta::new_readonly(fx.usdc.config, false),
            good[1].clone(),
        ], // another mint's config
    ];
    for health in cases {
        let r = bench
            .send(&[ix::withdraw(&a, 1_000_000, &health)], &[&user.wallet])
            .await;
        assert_error_code!(r, ErrorCode::HealthAccountsMismatch);
    }
    // A price account of another feed in the oracle's place.
    let other_feed = Pubkey::new_unique();
    bench.set_pull_price(
        &other_feed,
        PullPrice {
            feed_id: [9; 32],
            ..price(&fx, now)
        },
    );
    let swapped = vec![
        good[0].clone(),
        AccountMeta::new_readonly(other_feed, false),
    ];
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &swapped)], &[&user.wallet])
        .await;
    assert_error_code!(r, ErrorCode::OracleWrongFeed);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn an_older_update_after_a_newer_one_was_used_is_refused() {
    let (mut bench, fx, user) = setup().await;
    let now = bench.now().await;
    let a = fx.transfer_accounts(&user, &fx.usdc.mint);
    // The account records the publish time it was valued at, whether the
    // config is passed read-only (as here) or writable: the caller has no say.
    let read_only = vec![
        AccountMeta::new_readonly(fx.sol.config, false),
        AccountMeta::new_readonly(fx.sol.oracle, false),
    ];
    bench
        .send(&[ix::withdraw(&a, 1_000_000, &read_only)], &[&user.wallet])
        .await
        .unwrap();
    let account: MarginAccount = bench.load_zc(&user.margin).await;
    let slot = account.collateral_slot(&fx.sol.mint).unwrap();
    assert_eq!(account.collaterals[slot].last_publish_time, now);

    bench.set_pull_price(
        &fx.sol.oracle,
        PullPrice {
            publish_time: now - 5,
            ..price(&fx, now)
        },
    );
    let keys = keys(&fx, &user);
    let before = bench.snapshot(&keys).await;
    let r = fx
        .withdraw(&mut bench, &user, &fx.usdc.mint, 1_000_000)
        .await;
    assert_error_code!(r, ErrorCode::OracleOutOfOrder);
    assert_unchanged(&bench, &keys, &before).await;
}

#[tokio::test]
async fn the_real_mainnet_price_update_v2_dump_is_accepted() {
    let (mut bench, fx, user) = setup().await;
    assert!(bench.now().await <= fixtures::PULL_DUMP_PUBLISH_TIME);
    bench.set_real_pull_dump(&fx.sol.oracle);
    let health = fx.health_accounts(&bench, &user.margin).await;
    let w = ix::withdraw(
        &fx.transfer_accounts(&user, &fx.usdc.mint),
        1_000_000,
        &health,
    );
    let events = bench
        .send_capturing_events(&[w], &[&user.wallet])
        .await
        .expect("real dump reads");
    let ev: WithdrawEvent = find_event(&events).expect("withdraw event");
    // A withdrawal adds risk, so SOL is valued at the lower of the price
    // (15_679_769_099) and the EMA carried in the same update
    // (15_660_921_800), minus one confidence (16_197_271): 10 SOL at
    // $156.44724529, floor to quote native, plus 99 USDC; IM haircut
    // (1 − 0.8) of the SOL value, ceil.
    assert_eq!(ev.equity_after_native, 1_564_472_452 + 99_000_000);
    assert_eq!(ev.initial_margin_after_native, 312_894_491);
    // Off-chain, the same code over the same accounts gives the same
    // numbers; at the spot (as a liquidation values it) SOL is worth more.
    let off = client::margin_summary_at(
        &bench,
        &fx.exchange,
        &user.margin,
        &health,
        options_margin::health::Valuation::Conservative,
    )
    .await
    .unwrap();
    assert_eq!(off.equity_native, ev.equity_after_native);
    assert_eq!(off.initial_margin_native, ev.initial_margin_after_native);
    let spot = client::margin_summary(&bench, &fx.exchange, &user.margin, &health)
        .await
        .unwrap();
    assert_eq!(spot.equity_native, 1_566_357_182 + 99_000_000);
    bench.set_time(fixtures::PULL_DUMP_PUBLISH_TIME + 61).await;
    let keys = keys(&fx, &user);
    let before = bench.snapshot(&keys).await;
    assert_error_code!(
        fx.withdraw(&mut bench, &user, &fx.usdc.mint, 1_000_000)
            .await,
        ErrorCode::OracleStale
    );
    assert_unchanged(&bench, &keys, &before).await;
    let _ = START_TS;
}

#[tokio::test]
async fn legacy_price_accounts_are_read_with_their_status() {
    let (mut bench, fx, user) = setup().await;
    let legacy = SOL_USD_LEGACY_ADDRESS;
    let mut params = sol_collateral_params();
    params.oracle = OracleConfig::new(OracleKind::PythLegacy, legacy.to_bytes(), 60, 200, 10_000);
    fx.change_collateral_params(&mut bench, &fx.sol.mint, params)
        .await;
    let now = bench.now().await;
    let a = fx.transfer_accounts(&user, &fx.usdc.mint);
    let health = vec![
        AccountMeta::new_readonly(fx.sol.config, false),
        AccountMeta::new_readonly(legacy, false),
    ];

    // The real mainnet legacy dump, with the clock at its publish time.
    bench.set_account(
        &legacy,
        solana_account::Account {
            lamports: 10_000_000,
            data: fixtures::SOL_USD_LEGACY_PRICE.to_vec(),
            owner: options_margin::oracle::LEGACY_PYTH_PROGRAM_ID,
            executable: false,
            rent_epoch: 0,
        },
    );
    bench.set_time(LEGACY_DUMP_PUBLISH_TIME + 1).await;
    bench
        .send(&[ix::withdraw(&a, 1_000_000, &health)], &[&user.wallet])
        .await
        .expect("real legacy dump");
    bench.set_time(now).await;

    bench.set_legacy_price(
        &legacy,
        SOL_PRICE_E8,
        SOL_CONF_E8,
        -8,
        now,
        LEGACY_STATUS_TRADING,
    );
    bench
        .send(&[ix::withdraw(&a, 1_000_000, &health)], &[&user.wallet])
        .await
        .expect("trading");
    let keys = keys(&fx, &user);
    let before = bench.snapshot(&keys).await;
    bench.set_legacy_price(
        &legacy,
        SOL_PRICE_E8,
        SOL_CONF_E8,
        -8,
        now,
        LEGACY_STATUS_HALTED,
    );
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &health)], &[&user.wallet])
        .await;
    assert_error_code!(r, ErrorCode::OracleNotTrading);
    // A legacy account at another address is another feed.
    let elsewhere = Pubkey::new_unique();
    bench.set_legacy_price(
        &elsewhere,
        SOL_PRICE_E8,
        SOL_CONF_E8,
        -8,
        now,
        LEGACY_STATUS_TRADING,
    );
    let moved = vec![
        AccountMeta::new_readonly(fx.sol.config, false),
        AccountMeta::new_readonly(elsewhere, false),
    ];
    let r = bench
        .send(&[ix::withdraw(&a, 1_000_000, &moved)], &[&user.wallet])
        .await;
    assert_error_code!(r, ErrorCode::OracleWrongFeed);
    assert_unchanged(&bench, &keys, &before).await;
}
