//! Tests of [`super`] on hand-made accounts: every figure against the
//! program's summary and the risk crate's own functions.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_lang::Discriminator;
use options_margin::controller::liquidation::grace_blocks;
use options_margin::health::Valuation;
use options_margin::oracle::{OracleConfig, OracleKind};
use options_margin::reader::KeyedAccount;
use options_margin::state::{
    Collateral, CollateralBalance, Exchange, GridConfig, MarginAccount, Position, RiskParams,
    Series, StoredSeriesRisk, Underlying,
};
use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::distance::{
    equity_to_tier_ceil, spot_to_tier, totals_at_spot, SpotCollateral, SpotInputs, SpotPosition,
    SpotScratch,
};
use options_margin_risk::margin::RATIO_NO_MARGIN;
use options_margin_risk::series::{series_risk, MarketInputs, SeriesParams};
use options_margin_risk::ScenarioGrid;

use super::render::{fixed, price, utc_time};
use super::spot::move_bps;
use super::*;
use crate::pyth_local::PullPrice;

/// unit: unix seconds. 2024-07-16 12:36:40 UTC.
const NOW: i64 = 1_721_133_400;
const USD_E12: u64 = 1_000_000_000_000;
/// unit: quote native. 1 USD.
const USD: i64 = 1_000_000;
const FEED: [u8; 32] = [7; 32];
/// precision: e6. 80%.
const VOL_E6: u32 = 800_000;
/// unit: token native. 2 SOL.
const SOL_NATIVE: i64 = 2_000_000_000;

/// A hand-made account: short 10 calls 160 and 5 puts 140 on SOL at
/// 150 USD (30 days), 2 SOL and `usdc_native` USDC as collateral; SOL
/// collateral and the underlying share one feed.
struct Book {
    usdc_native: i64,
    /// precision: e6. The put's volatility (the call's is [`VOL_E6`]).
    put_vol_e6: u32,
}

struct Keys {
    exchange: Pubkey,
    usdc: Pubkey,
    sol: Pubkey,
    oracle: Pubkey,
    underlying: Pubkey,
    call: Pubkey,
    put: Pubkey,
}

fn oracle_config() -> OracleConfig {
    OracleConfig::new(OracleKind::PythPull, FEED, 60, 200, 10_000)
}

fn zero_copy<T: bytemuck::Pod + Discriminator>(key: Pubkey, t: &T) -> KeyedAccount {
    let data = [T::DISCRIMINATOR, bytemuck::bytes_of(t)].concat();
    KeyedAccount::new(key, options_margin::ID, &data)
}

fn underlying_account(exchange: Pubkey) -> Underlying {
    let mut u: Underlying = bytemuck::Zeroable::zeroed();
    u.exchange = exchange;
    u.oracle = oracle_config();
    u.grid = GridConfig::from_grid(&ScenarioGrid::default_grid());
    u.rate_e6 = 50_000;
    u.vol_max_age_secs = 3_600;
    u.short_floor_mm_bps = 100;
    u.short_floor_im_bps = 150;
    u
}

fn market(vol_e6: u32) -> MarketInputs {
    MarketInputs {
        spot_e12: 150 * USD_E12,
        vol_e6,
        rate_e6: 50_000,
        now_ts: NOW,
    }
}

/// A series refreshed at 150 USD now.
fn series_account(k: &Keys, is_call: bool, strike_usd: u64, vol_e6: u32) -> Series {
    let mut s: Series = bytemuck::Zeroable::zeroed();
    s.exchange = k.exchange;
    s.underlying = k.underlying;
    s.strike_e12 = strike_usd * USD_E12;
    s.expiry_ts = NOW + 30 * 86_400;
    s.contract_size_e6 = 1_000_000;
    s.lot_size_contracts = 1;
    s.vol_e6 = vol_e6;
    s.vol_updated_ts = NOW;
    s.is_call = u8::from(is_call);
    let u = underlying_account(k.exchange);
    let risk = series_risk(&s.params(&u), u.grid.as_grid(), &market(vol_e6)).unwrap();
    s.risk = StoredSeriesRisk::from_risk(&risk);
    s
}

impl Book {
    fn keys() -> Keys {
        let exchange = Pubkey::new_unique();
        let underlying = options_margin::pda::underlying(&exchange, 0).0;
        Keys {
            exchange,
            usdc: Pubkey::new_unique(),
            sol: Pubkey::new_unique(),
            oracle: Pubkey::new_unique(),
            underlying,
            call: Pubkey::new_unique(),
            put: Pubkey::new_unique(),
        }
    }

    fn context(&self) -> (HealthContext, Keys) {
        let k = Self::keys();
        let mut exchange: Exchange = bytemuck::Zeroable::zeroed();
        exchange.settlement_mint = k.usdc;
        exchange.risk = RiskParams::defaults();

        let mut sol: Collateral = bytemuck::Zeroable::zeroed();
        sol.exchange = k.exchange;
        sol.mint = k.sol;
        sol.oracle = oracle_config();
        sol.init_weight_bps = 8_000;
        sol.maint_weight_bps = 9_000;
        sol.decimals = 9;
        let sol_config = options_margin::pda::collateral(&k.exchange, &k.sol).0;

        let call = series_account(&k, true, 160, VOL_E6);
        let put = series_account(&k, false, 140, self.put_vol_e6);
        let mut account: MarginAccount = bytemuck::Zeroable::zeroed();
        account.exchange = k.exchange;
        account.owner = Pubkey::new_unique();
        account.collaterals[0] = CollateralBalance {
            mint: k.usdc,
            balance_native: self.usdc_native,
            last_publish_time: 0,
        };
        account.collaterals[1] = CollateralBalance {
            mint: k.sol,
            balance_native: SOL_NATIVE,
            last_publish_time: 0,
        };
        for (slot, (key, s, size)) in [(k.call, &call, -10i64), (k.put, &put, -5)]
            .into_iter()
            .enumerate()
        {
            account.positions[slot] = Position {
                series: key,
                size_contracts: size,
                cost_basis_native: size * s.risk.mark_native,
                ..Default::default()
            };
        }
        let price = PullPrice::usd_e8(FEED, 15_000_000_000, 7_500_000, NOW).to_account();
        let oracle = KeyedAccount::new(k.oracle, price.owner, &price.data);
        let keyed = vec![
            zero_copy(sol_config, &sol),
            oracle.clone(),
            zero_copy(k.call, &call),
            zero_copy(k.put, &put),
            zero_copy(k.underlying, &underlying_account(k.exchange)),
            oracle,
        ];
        let ctx = HealthContext {
            exchange_key: k.exchange,
            exchange,
            margin_key: Pubkey::new_unique(),
            account,
            metas: keyed
                .iter()
                .map(|a| AccountMeta::new_readonly(a.key, false))
                .collect(),
            keyed,
            now_ts: NOW,
        };
        (ctx, k)
    }
}

fn book(usdc_native: i64) -> Book {
    Book {
        usdc_native,
        put_vol_e6: VOL_E6,
    }
}

/// The spot model of the book written out by hand.
fn hand_inputs(
    ctx: &HealthContext,
    model_vol_e6: u32,
) -> (Vec<SpotPosition>, Vec<SpotCollateral>, MarketInputs) {
    let u = underlying_account(ctx.exchange_key);
    let positions = ctx
        .account
        .active_positions()
        .zip([(true, 160u64), (false, 140)])
        .map(|(p, (is_call, strike))| SpotPosition {
            series: SeriesParams {
                is_call,
                strike_e12: strike * USD_E12,
                expiry_ts: NOW + 30 * 86_400,
                contract_size_e6: 1_000_000,
                short_floor_mm_bps: u.short_floor_mm_bps,
                short_floor_im_bps: u.short_floor_im_bps,
            },
            underlying: 0,
            size_contracts: p.size_contracts,
            cost_basis_native: p.cost_basis_native,
            lot_size_contracts: 1,
            settlement_price_e12: None,
        })
        .collect();
    let collaterals = vec![
        SpotCollateral {
            collateral: CollateralInput::settlement(ctx.account.collaterals[0].balance_native),
            follows_underlying: None,
        },
        SpotCollateral {
            collateral: sol_input(SOL_NATIVE),
            follows_underlying: Some(0),
        },
    ];
    (positions, collaterals, market(model_vol_e6))
}

/// SOL at 150 ∓ 0.075 USD (1·conf), weights 80% / 90%.
fn sol_input(balance_native: i64) -> CollateralInput {
    CollateralInput {
        balance_native,
        decimals: 9,
        price_low_e12: 149_925_000_000_000,
        price_high_e12: 150_075_000_000_000,
        init_weight_bps: 8_000,
        maint_weight_bps: 9_000,
        is_settlement: false,
    }
}

#[test]
fn every_figure_is_the_programs_or_the_risk_crates() {
    let (ctx, k) = book(1_000 * USD).context();
    let report = AccountReport::from_context(&ctx).unwrap();
    let summary = ctx.summary(Valuation::Spot).unwrap();
    assert_eq!(report.margin.summary, summary);
    let m = &report.margin;
    assert_eq!(
        summary.equity_native,
        m.collateral_value_native + m.options_value_native
    );
    assert_eq!(
        summary.maintenance_margin_native,
        m.scenario_mm_native + m.floor_mm_native + m.haircut_mm_native
    );
    assert_eq!(
        summary.initial_margin_native,
        (m.scenario_im_native + m.floor_im_native + m.haircut_im_native).max(m.im_floor_native)
    );

    // Collateral: USDC at face; 2 SOL at 149.925 = 299.85 USD, haircut 20% / 10%.
    let [usdc, sol] = &report.collaterals[..] else {
        panic!("two collateral rows")
    };
    assert!(usdc.is_settlement);
    assert_eq!(
        (usdc.value_native, usdc.haircut_mm_native),
        (1_000 * USD, 0)
    );
    assert_eq!(sol.value_native, 299_850_000);
    assert_eq!(
        (sol.haircut_im_native, sol.haircut_mm_native),
        (59_970_000, 29_985_000)
    );
    assert_eq!(sol.follows_underlying, Some(k.underlying));

    // Positions: short marks carry the extra native unit per contract.
    for (row, p) in report.positions.iter().zip(ctx.account.active_positions()) {
        let s: Series = crate::decode::decode(
            ctx.keyed
                .iter()
                .find(|a| a.key == p.series)
                .unwrap()
                .bytes(),
        )
        .unwrap();
        assert_eq!(
            row.mark_value_native,
            p.size_contracts * (s.risk.mark_native + 1)
        );
        assert_eq!(
            row.unrealized_pnl_native,
            row.mark_value_native - p.cost_basis_native
        );
        assert_eq!(row.delta_e9, p.size_contracts * s.risk.delta_e9);
        assert_eq!(row.gamma_e9, p.size_contracts * s.risk.gamma_e9);
        assert_eq!(row.vega_native, p.size_contracts * s.risk.vega_native);
        assert!(!row.settled);
    }
    assert_eq!(report.positions[0].series, k.call);

    // Tier and distances.
    let params = ctx.exchange.liquidation_params();
    assert_eq!(report.liquidation.tier, params.tier_of(summary.ratio_bps));
    assert_eq!(report.liquidation.tier, None);
    assert_eq!(report.liquidation.grace.ends_ts, None);
    assert_eq!(
        report.distance.equity_loss_native,
        equity_to_tier_ceil(
            summary.equity_native,
            summary.maintenance_margin_native,
            &params
        )
        .unwrap()
    );
    let (positions, collaterals, market) = hand_inputs(&ctx, VOL_E6);
    let grids = [ScenarioGrid::default_grid()];
    let inputs = SpotInputs {
        grids: &grids,
        markets: &[market],
        positions: &positions,
        collaterals: &collaterals,
        liquidation: &params,
    };
    let mut scratch = Box::new(SpotScratch::ZERO);
    let expected = spot_to_tier(&inputs, 0, &mut scratch).unwrap();
    let [u] = &report.distance.underlyings[..] else {
        panic!("one underlying")
    };
    assert_eq!(
        (u.underlying, u.market, u.vols_differ),
        (k.underlying, market, false)
    );
    let outcome = u.outcome.unwrap();
    assert_eq!(outcome.tiers, expected);
    // Refreshed at this spot, time and volatility: the model is the program.
    assert_eq!(outcome.at_spot.equity_native, summary.equity_native);
    assert_eq!(outcome.at_spot.mm_native, summary.maintenance_margin_native);
    // Net short 8 SOL of delta up there: a rise reaches every tier. Each
    // trigger is inside its tier and the next spot toward the current one
    // is not.
    assert!(expected.up_trigger_spot_e12.iter().all(Option::is_some));
    for t in 0..3 {
        let triggers = [
            expected.down_trigger_spot_e12[t],
            expected.up_trigger_spot_e12[t],
        ];
        for x in triggers.into_iter().flatten() {
            let inside = totals_at_spot(&inputs, 0, x, &mut scratch).unwrap();
            assert!(params.tier_of(inside.ratio_bps).unwrap_or(0) > t as u8);
            let toward = if x < market.spot_e12 { x + 1 } else { x - 1 };
            let outside = totals_at_spot(&inputs, 0, toward, &mut scratch).unwrap();
            assert!(params.tier_of(outside.ratio_bps).unwrap_or(0) <= t as u8);
        }
    }

    let json = report.to_json();
    assert_eq!(json["margin"]["equity_native"], summary.equity_native);
    assert_eq!(
        json["margin"]["maintenance_margin_native"],
        summary.maintenance_margin_native
    );
    assert_eq!(json["margin"]["ratio_bps"], summary.ratio_bps);
    assert_eq!(json["collaterals"][1]["value_native"], 299_850_000);
    assert_eq!(
        json["distance"]["equity_to_tier"][0]["equity_loss_native"],
        report.distance.equity_loss_native[0]
    );
    assert_eq!(
        json["distance"]["underlyings"][0]["tiers"][2]["up"]["spot_e12"],
        expected.up_trigger_spot_e12[2].unwrap()
    );
    assert_eq!(json["positions"][0]["size_contracts"], -10);

    let table = report.render_table();
    println!("{table}");
    for needle in [
        "Collateral (USD)",
        "1,000.000000",
        "2.000000000",
        "299.85",
        "59.97",
        "29.99",
        "#0 CALL 160.00",
        "2024-08-15 12:36 UTC",
        "healthy",
        "Distance to each tier",
        &super::render::usd(summary.equity_native),
    ] {
        assert!(table.contains(needle), "{needle:?} missing from\n{table}");
    }
}

#[test]
fn an_account_in_tier_one_inside_its_grace_period() {
    let (probe, _) = book(0).context();
    let s = probe.summary(Valuation::Spot).unwrap();
    // USDC for a ratio of about 103%: tier 1 (below 105%), not tier 2.
    let usdc = (s.maintenance_margin_native * 103 / 100) - s.equity_native;
    let (mut ctx, _) = book(usdc).context();
    ctx.account.last_soft_liquidation_ts = NOW - 60;
    let summary = ctx.summary(Valuation::Spot).unwrap();
    ctx.account.last_soft_ratio_bps = summary.ratio_bps - 50;
    let report = AccountReport::from_context(&ctx).unwrap();

    assert_eq!(report.liquidation.tier, Some(1));
    let loss = report.distance.equity_loss_native;
    assert_eq!(loss[0], 0);
    assert!(loss[1] > 0 && loss[2] > loss[1]);
    let g = &report.liquidation.grace;
    let grace = i64::from(options_margin_risk::params::RiskParams::DEFAULT.grace_period_secs);
    assert!(grace > 60, "the default grace outlasts the minute");
    assert_eq!(g.ends_ts, Some(NOW - 60 + grace));
    assert!(g.blocks_soft_liquidation);
    assert_eq!(
        g.blocks_soft_liquidation,
        grace_blocks(&ctx.account, &ctx.exchange, summary.ratio_bps, NOW)
    );
    let o = report.distance.underlyings[0].outcome.unwrap();
    assert_eq!(o.tiers.current_tier, 1);
    assert_eq!(o.tiers.down_trigger_spot_e12[0], Some(150 * USD_E12));
    assert_eq!(o.tiers.up_trigger_spot_e12[0], Some(150 * USD_E12));

    let table = report.render_table();
    for needle in ["1 (soft)", "running", "0.00 (in it now)", "150.00"] {
        assert!(table.contains(needle), "{needle:?} missing from\n{table}");
    }
    assert_eq!(report.to_json()["liquidation"]["tier"], 1);

    // Once the ratio falls below where the last call left it, the grace
    // period no longer shields the account.
    ctx.account.last_soft_ratio_bps = summary.ratio_bps + 1;
    let report = AccountReport::from_context(&ctx).unwrap();
    assert!(!report.liquidation.grace.blocks_soft_liquidation);
    assert!(report.render_table().contains("ended early"));
}

#[test]
fn a_pending_socialised_loss_is_deducted_and_shown() {
    let (mut ctx, _) = book(1_000 * USD).context();
    // A 1% loss index on 1,000 USD counted: 10 USD owed.
    ctx.exchange.loss_index_e12 = 10_000_000_000;
    ctx.account.counted_settlement_native = 1_000 * USD;
    let report = AccountReport::from_context(&ctx).unwrap();
    assert_eq!(report.margin.pending_loss_native, 10 * USD);
    let usdc = &report.collaterals[0];
    assert_eq!(usdc.balance_native, 1_000 * USD);
    assert_eq!(
        (usdc.valued_balance_native, usdc.value_native),
        (990 * USD, 990 * USD)
    );
    assert_eq!(report.margin.summary, ctx.summary(Valuation::Spot).unwrap());
    assert_eq!(
        report.to_json()["margin"]["pending_socialized_loss_native"],
        10 * USD
    );
}

#[test]
fn one_volatility_per_underlying_the_largest_vega_and_flagged() {
    let (ctx, _) = Book {
        usdc_native: 1_000 * USD,
        put_vol_e6: 900_000,
    }
    .context();
    let report = AccountReport::from_context(&ctx).unwrap();
    let u = &report.distance.underlyings[0];
    assert!(u.vols_differ);
    let vega = |i: usize| (report.positions[i].vega_native).unsigned_abs();
    let expected = if vega(1) > vega(0) { 900_000 } else { VOL_E6 };
    assert_eq!(u.market.vol_e6, expected);
    assert!(report
        .render_table()
        .contains("carry different volatilities"));
}

#[test]
fn a_cash_only_account_has_no_margin_and_never_reaches_a_tier() {
    let (mut ctx, _) = book(500 * USD).context();
    ctx.account.positions = Default::default();
    ctx.account.collaterals[1] = CollateralBalance::default();
    ctx.keyed.clear();
    ctx.metas.clear();
    let report = AccountReport::from_context(&ctx).unwrap();
    assert_eq!(report.margin.summary.ratio_bps, RATIO_NO_MARGIN);
    assert_eq!(
        report.distance.equity_loss_native,
        [500 * USD as u64 + 1; 3]
    );
    assert!(report.distance.underlyings.is_empty());
    let table = report.render_table();
    assert!(
        table.contains("∞ (no MM)") && table.contains("none"),
        "{table}"
    );
    assert_eq!(report.to_json()["margin"]["ratio_bps"], u64::MAX);
}

#[test]
fn tier_distances_assemble_the_risk_crates_answers() {
    // A hand-made model: 20 short puts 95 on an underlying at 100, cash only.
    let params = LiquidationParams::default();
    let grid = ScenarioGrid::default_grid();
    let market = MarketInputs {
        spot_e12: 100 * USD_E12,
        vol_e6: 600_000,
        rate_e6: 0,
        now_ts: NOW,
    };
    let model = SpotModel {
        underlyings: vec![Pubkey::new_unique()],
        grids: vec![grid],
        markets: vec![market],
        vols_differ: vec![false],
        positions: vec![SpotPosition {
            series: SeriesParams {
                is_call: false,
                strike_e12: 95 * USD_E12,
                expiry_ts: NOW + 14 * 86_400,
                contract_size_e6: 1_000_000,
                short_floor_mm_bps: 100,
                short_floor_im_bps: 150,
            },
            underlying: 0,
            size_contracts: -20,
            cost_basis_native: -40 * USD,
            lot_size_contracts: 1,
            settlement_price_e12: None,
        }],
        collaterals: vec![SpotCollateral {
            collateral: CollateralInput::settlement(300 * USD),
            follows_underlying: None,
        }],
    };
    let mut scratch = Box::new(SpotScratch::ZERO);
    let inputs = model.inputs(&params);
    let at = totals_at_spot(&inputs, 0, market.spot_e12, &mut scratch).unwrap();
    let d = tier_distances(at.equity_native, at.mm_native, &params, &model).unwrap();
    assert_eq!(
        d.equity_loss_native,
        equity_to_tier_ceil(at.equity_native, at.mm_native, &params).unwrap()
    );
    let o = d.underlyings[0].outcome.unwrap();
    assert_eq!(o.tiers, spot_to_tier(&inputs, 0, &mut scratch).unwrap());
    assert_eq!(o.at_spot, at);
    // Short puts: only a fall hurts.
    assert!(o.tiers.down_trigger_spot_e12.iter().all(Option::is_some));
    assert!(o.tiers.down_trigger_spot_e12[0] > o.tiers.down_trigger_spot_e12[2]);

    // Inputs the pricer refuses (here a zero volatility): that underlying
    // reports the solver's error, the rest of the distances stand.
    let mut refused = model.clone();
    refused.markets[0].vol_e6 = 0;
    let d = tier_distances(at.equity_native, at.mm_native, &params, &refused).unwrap();
    assert!(d.underlyings[0].outcome.is_err());
    assert_eq!(
        d.equity_loss_native,
        equity_to_tier_ceil(at.equity_native, at.mm_native, &params).unwrap()
    );
}

#[test]
fn formatting_rounds_half_away_from_zero_and_groups_thousands() {
    assert_eq!(fixed(1_234_567_890, 6, 2), "1,234.57");
    assert_eq!(fixed(-1_234_565_000, 6, 2), "-1,234.57");
    assert_eq!(fixed(-4_999, 6, 2), "0.00");
    assert_eq!(fixed(999_995_000, 6, 2), "1,000.00");
    assert_eq!(fixed(7, 0, 0), "7");
    assert_eq!(super::render::tokens(2_000_000_001, 9), "2.000000001");
    assert_eq!(price(150 * USD_E12), "150.00");
    assert_eq!(price(1_500_000_000_000), "1.500");
    assert_eq!(price(20_000_000), "0.00002000");
    assert_eq!(utc_time(NOW), "2024-07-16 12:36 UTC");
    assert_eq!(utc_time(0), "1970-01-01 00:00 UTC");
    assert_eq!(utc_time(951_782_400), "2000-02-29 00:00 UTC");
    assert_eq!(move_bps(100, 80), -2_000);
    assert_eq!(move_bps(3, 4), 3_333);
    assert_eq!(move_bps(3, 5), 6_667);
}
