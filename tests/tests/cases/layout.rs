//! Account sizes and rent, as quoted in the README.

use options_margin::state::{Collateral, Exchange, MarginAccount};
use options_margin_tests::bench::program_test;
use options_margin_tests::TestBench;

#[tokio::test]
async fn account_sizes_and_rent() {
    let bench = TestBench::start(program_test()).await;
    let rent = bench.ctx.banks_client.get_rent().await.unwrap();
    let table = [
        ("Exchange", Exchange::SPACE, 752, 6_124_800),
        ("Collateral", Collateral::SPACE, 320, 3_118_080),
        ("MarginAccount", MarginAccount::SPACE, 3_032, 21_993_600),
        ("vault", 165, 165, 2_039_280),
    ];
    for (name, space, bytes, lamports) in table {
        assert_eq!(space, bytes, "{name} size");
        assert_eq!(rent.minimum_balance(space), lamports, "{name} rent");
    }
}

#[tokio::test]
async fn option_account_sizes_and_rent() {
    use options_margin::state::{Series, Underlying};
    let bench = TestBench::start(program_test()).await;
    let rent = bench.ctx.banks_client.get_rent().await.unwrap();
    for (name, space, bytes, lamports) in [
        ("Underlying", Underlying::SPACE, 296, 2_951_040),
        ("Series", Series::SPACE, 568, 4_844_160),
        (
            "LossShard",
            options_margin::state::LossShard::SPACE,
            120,
            1_726_080,
        ),
    ] {
        assert_eq!(space, bytes, "{name} size");
        assert_eq!(rent.minimum_balance(space), lamports, "{name} rent");
    }
}

/// The risk parameters `migrations/deploy.ts` initialises an exchange with
/// are the risk crate's defaults, from the JSON file this test checks
/// (`UPDATE_FIXTURES=1` rewrites it): one source of truth, in Rust.
#[test]
fn the_deploy_scripts_defaults_are_the_risk_crates() {
    let r = options_margin::state::RiskParams::defaults();
    let tiers: Vec<String> = r
        .tiers
        .iter()
        .map(|t| {
            format!(
                "    {{ \"belowRatioBps\": {}, \"maxFractionBps\": {} }}",
                t.below_ratio_bps, t.max_fraction_bps
            )
        })
        .collect();
    let json = format!(
        "{{\n  \"tiers\": [\n{}\n  ],\n  \"targetRatioBps\": {},\n  \"gracePeriodSecs\": {},\n  \
         \"feeFlatNative\": {},\n  \"feeRateBps\": {},\n  \"insuranceFeeShareBps\": {},\n  \
         \"maxRiskAgeSecs\": {},\n  \"priceBandBps\": {},\n  \"imFloorRatioBps\": {},\n  \
         \"dustNative\": {},\n  \"tradeBandBps\": {},\n  \"maxEmaDeviationBps\": {},\n  \
         \"paramDelaySecs\": {},\n  \"flattenBelowRatioBps\": {},\n  \"softCapBasis\": {},\n  \
         \"reserved\": 0,\n  \"feeRateMaxBps\": {}\n}}\n",
        tiers.join(",\n"),
        r.target_ratio_bps,
        r.grace_period_secs,
        r.fee_flat_native,
        r.fee_rate_bps,
        r.insurance_fee_share_bps,
        r.max_risk_age_secs,
        r.price_band_bps,
        r.im_floor_ratio_bps,
        r.dust_native,
        r.trade_band_bps,
        r.max_ema_deviation_bps,
        r.param_delay_secs,
        r.flatten_below_ratio_bps,
        r.soft_cap_basis,
        r.fee_rate_max_bps,
    );
    assert_eq!(r._reserved, 0);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations/risk-defaults.json"
    );
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(path, &json).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        committed, json,
        "run with UPDATE_FIXTURES=1 to refresh {path}"
    );
}
