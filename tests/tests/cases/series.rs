//! Underlyings, series, volatility and the permissionless risk refresh.

use anchor_lang::prelude::Pubkey;
use options_margin::error::ErrorCode;
use options_margin::events::{SeriesRiskRefreshedEvent, VolatilityUpdatedEvent};
use options_margin::state::{Series, Underlying};
use options_margin_risk::series::{series_risk, MarketInputs, SeriesParams};
use options_margin_risk::ScenarioGrid;
use options_margin_tests::bench::{assert_unchanged, find_event, program_test};
use options_margin_tests::exchange::{SOL_CONF_E8, SOL_PRICE_E8};
use options_margin_tests::options::{sol_terms, sol_underlying_params};
use options_margin_tests::pyth::PullPrice;
use options_margin_tests::{assert_error_code, ix, ExchangeFixture, TestBench};
use solana_signer::Signer;

const DAY: i64 = 86_400;

async fn setup() -> (TestBench, ExchangeFixture, Pubkey) {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let underlying = fx.add_sol_underlying(&mut bench).await;
    (bench, fx, underlying)
}

#[tokio::test]
async fn underlyings_are_admin_only_and_bounded() {
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let mallory = bench.funded_keypair(1_000_000_000).await;
    let before = bench.snapshot(&[fx.exchange]).await;
    let r = bench
        .send(
            &[ix::add_underlying(
                &mallory.pubkey(),
                &fx.exchange,
                0,
                sol_underlying_params(),
            )],
            &[&mallory],
        )
        .await;
    assert_error_code!(r, ErrorCode::Unauthorized);
    let admin = fx.admin.pubkey();
    let mut unsorted = sol_underlying_params();
    unsorted.grid.spot_shocks_bps.swap(0, 1);
    let mut floors = sol_underlying_params();
    floors.short_floor_im_bps = floors.short_floor_mm_bps - 1;
    let mut rate = sol_underlying_params();
    rate.rate_e6 = 600_000;
    for p in [unsorted, floors, rate] {
        let r = bench
            .send(
                &[ix::add_underlying(&admin, &fx.exchange, 0, p)],
                &[&fx.admin],
            )
            .await;
        assert_error_code!(r, ErrorCode::InvalidUnderlyingParams);
    }
    assert_unchanged(&bench, &[fx.exchange], &before).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let stored: Underlying = bench.load_zc(&u).await;
    assert_eq!(*stored.grid.as_grid(), ScenarioGrid::default_grid());
    assert_eq!(stored.index, 0);
}

#[tokio::test]
async fn a_series_is_unique_and_its_terms_are_bounded() {
    let (mut bench, fx, u) = setup().await;
    let now = bench.now().await;
    let terms = sol_terms(true, 160, now + 7 * DAY);
    let series = fx.create_series(&mut bench, &u, terms).await;
    let admin = fx.admin.pubkey();
    let before = bench.snapshot(&[series, u]).await;
    let r = bench
        .send(
            &[ix::create_series(&admin, &fx.exchange, &u, terms)],
            &[&fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::AccountAlreadyInitialized);
    let bad = [
        sol_terms(true, 160, now),                     // already expired
        sol_terms(true, 160, now + 2 * 365 * DAY + 1), // beyond two years
        sol_terms(false, 0, now + DAY),                // zero strike
        options_margin::instructions::SeriesTerms {
            lot_size_contracts: 0,
            ..sol_terms(false, 150, now + DAY)
        },
    ];
    for t in bad {
        let r = bench
            .send(
                &[ix::create_series(&admin, &fx.exchange, &u, t)],
                &[&fx.admin],
            )
            .await;
        assert_error_code!(r, ErrorCode::InvalidSeriesParams);
    }
    assert_unchanged(&bench, &[series, u], &before).await;
    let s: Series = bench.load_zc(&series).await;
    assert_eq!(
        (s.is_call, s.strike_e12, s.expiry_ts, s.vol_e6),
        (1, 160_000_000_000_000, now + 7 * DAY, 0)
    );
}

#[tokio::test]
async fn volatility_is_authorised_bounded_and_rate_limited() {
    let (mut bench, fx, u) = setup().await;
    let now = bench.now().await;
    let series = fx
        .create_series(&mut bench, &u, sol_terms(true, 160, now + 7 * DAY))
        .await;
    let admin = fx.admin.pubkey();
    let mallory = bench.funded_keypair(1_000_000_000).await;
    let before = bench.snapshot(&[series]).await;
    let r = bench
        .send(
            &[ix::set_volatility(
                &mallory.pubkey(),
                &fx.exchange,
                &u,
                &series,
                800_000,
            )],
            &[&mallory],
        )
        .await;
    assert_error_code!(r, ErrorCode::NotVolAuthority);
    for vol in [9_999, 5_000_001, 0] {
        let r = bench
            .send(
                &[ix::set_volatility(&admin, &fx.exchange, &u, &series, vol)],
                &[&fx.admin],
            )
            .await;
        assert_error_code!(r, ErrorCode::VolatilityOutOfBounds);
    }
    assert_unchanged(&bench, &[series], &before).await;

    let events = bench
        .send_capturing_events(
            &[ix::set_volatility(
                &admin,
                &fx.exchange,
                &u,
                &series,
                800_000,
            )],
            &[&fx.admin],
        )
        .await
        .unwrap();
    let ev: VolatilityUpdatedEvent = find_event(&events).expect("vol event");
    assert_eq!(
        (ev.previous_vol_e6, ev.vol_e6, ev.updated_ts),
        (0, 800_000, now)
    );
    // At most ±50% of the previous value per hour, pro rata: nothing at
    // once (so no burst of updates compounds), ±25% after half an hour,
    // ±50% after an hour or more.
    let set = |vol: u32| ix::set_volatility(&admin, &fx.exchange, &u, &series, vol);
    let before = bench.snapshot(&[series]).await;
    let r = bench.send(&[set(800_001)], &[&fx.admin]).await;
    assert_error_code!(r, ErrorCode::VolatilityChangeTooLarge);
    // Issue 9, finding 6: four +50% updates in one transaction took 75% to
    // 380%; now the second of two updates in one transaction is refused.
    bench.advance_time(3_600).await;
    let r = bench
        .send(&[set(1_200_000), set(1_800_000)], &[&fx.admin])
        .await;
    assert_error_code!(r, ErrorCode::VolatilityChangeTooLarge);
    assert_unchanged(&bench, &[series], &before).await;
    bench.advance_time(-1_800).await;
    let r = bench.send(&[set(1_000_001)], &[&fx.admin]).await;
    assert_error_code!(r, ErrorCode::VolatilityChangeTooLarge);
    let r = bench.send(&[set(599_999)], &[&fx.admin]).await;
    assert_error_code!(r, ErrorCode::VolatilityChangeTooLarge);
    assert_unchanged(&bench, &[series], &before).await;
    bench.advance_time(1_800).await;
    let r = bench
        .send(
            &[ix::set_volatility(
                &admin,
                &fx.exchange,
                &u,
                &series,
                1_200_001,
            )],
            &[&fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::VolatilityChangeTooLarge);
    let r = bench
        .send(
            &[ix::set_volatility(
                &admin,
                &fx.exchange,
                &u,
                &series,
                399_999,
            )],
            &[&fx.admin],
        )
        .await;
    assert_error_code!(r, ErrorCode::VolatilityChangeTooLarge);
    assert_unchanged(&bench, &[series], &before).await;
    fx.set_vol(&mut bench, &u, &series, 1_200_000).await;
    let s: Series = bench.load_zc(&series).await;
    assert_eq!(s.vol_e6, 1_200_000);
}

#[tokio::test]
async fn refresh_stores_exactly_the_risk_crates_vectors() {
    let (mut bench, fx, u) = setup().await;
    let now = bench.now().await;
    let terms = sol_terms(false, 140, now + 30 * DAY);
    let series = fx.create_series(&mut bench, &u, terms).await;
    let before = bench.snapshot(&[series]).await;
    let r = bench
        .send(&[ix::refresh_series_risk(&u, &series, &fx.sol.oracle)], &[])
        .await;
    assert_error_code!(r, ErrorCode::VolatilityNotSet);
    assert_unchanged(&bench, &[series], &before).await;

    fx.set_vol(&mut bench, &u, &series, 750_000).await;
    // No signer beyond the fee payer: anyone may refresh.
    let events = bench
        .send_capturing_events(&[ix::refresh_series_risk(&u, &series, &fx.sol.oracle)], &[])
        .await
        .expect("refresh");
    let stored: Series = bench.load_zc(&series).await;
    let params = sol_underlying_params();
    let expected = series_risk(
        &SeriesParams {
            is_call: false,
            strike_e12: terms.strike_e12,
            expiry_ts: terms.expiry_ts,
            contract_size_e6: terms.contract_size_e6,
            short_floor_mm_bps: params.short_floor_mm_bps,
            short_floor_im_bps: params.short_floor_im_bps,
        },
        &ScenarioGrid::default_grid(),
        &MarketInputs {
            spot_e12: SOL_PRICE_E8 as u64 * 10_000,
            vol_e6: 750_000,
            rate_e6: params.rate_e6,
            now_ts: now,
        },
    )
    .unwrap();
    assert_eq!(
        *stored.risk.as_risk(),
        expected,
        "on-chain vectors equal the risk crate's, to the unit"
    );
    let ev: SeriesRiskRefreshedEvent = find_event(&events).expect("refresh event");
    assert_eq!(
        (ev.mark_native, ev.delta_e9, ev.computed_at_ts),
        (expected.mark_native, expected.delta_e9, now)
    );
    assert!(
        expected.mark_native > 0 && expected.delta_e9 < 0,
        "an OTM put has value and negative delta"
    );

    // An older Pyth update than the one used leaves the vectors as they
    // are (a no-op, so a front-run refresh fails nobody); another feed is refused.
    let before = bench.snapshot(&[series]).await;
    fx.set_sol_price(&mut bench, SOL_PRICE_E8 / 2, SOL_CONF_E8, now - 1);
    bench
        .send(&[ix::refresh_series_risk(&u, &series, &fx.sol.oracle)], &[])
        .await
        .expect("an older refresh is a no-op");
    assert_unchanged(&bench, &[series], &before).await;
    let other = Pubkey::new_unique();
    bench.set_pull_price(
        &other,
        PullPrice {
            feed_id: [3; 32],
            ..PullPrice::usd_e8(fx.sol.feed_id, SOL_PRICE_E8, SOL_CONF_E8, now)
        },
    );
    let r = bench
        .send(&[ix::refresh_series_risk(&u, &series, &other)], &[])
        .await;
    assert_error_code!(r, ErrorCode::OracleWrongFeed);
    assert_unchanged(&bench, &[series], &before).await;

    // A newer price moves the vectors.
    bench.advance_time(30).await;
    fx.set_sol_price(&mut bench, SOL_PRICE_E8 * 9 / 10, SOL_CONF_E8, now + 30);
    bench
        .send(&[ix::refresh_series_risk(&u, &series, &fx.sol.oracle)], &[])
        .await
        .unwrap();
    let after: Series = bench.load_zc(&series).await;
    assert!(
        after.risk.mark_native > stored.risk.mark_native,
        "the put gains as SOL falls"
    );
    assert_eq!(after.risk.computed_at_ts, now + 30);
}
