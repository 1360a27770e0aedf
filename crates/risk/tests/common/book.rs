//! Builders shared by the margin and planner tests: realistic series from
//! `series_risk`, hand-made series with exact numbers, small grids, accounts.
#![allow(dead_code)]

use std::sync::OnceLock;

use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::margin::{
    margin_summary, AccountInputs, MarginSummary, OptionKind, PositionInput,
};
use options_margin_risk::series::{series_risk, MarketInputs, SeriesParams};
use options_margin_risk::{ScenarioGrid, SeriesRisk, MAX_SCENARIOS};

pub const USD_E12: u64 = 1_000_000_000_000;
pub const NOW: i64 = 1_700_000_000;
/// unit: quote native. 1 USD.
pub const USD: i64 = 1_000_000;

/// One underlying of the realistic pool.
pub struct Underlying {
    pub spot_usd: u64,
    pub contract_size_e6: u64,
    pub strikes_usd: &'static [u64],
}

/// "SOL": spot 100, 1-unit contracts. "BTC": spot 30_000, 0.01-unit contracts.
pub const UNDERLYINGS: [Underlying; 2] = [
    Underlying {
        spot_usd: 100,
        contract_size_e6: 1_000_000,
        strikes_usd: &[60, 70, 80, 90, 100, 110, 120, 130, 140],
    },
    Underlying {
        spot_usd: 30_000,
        contract_size_e6: 10_000,
        strikes_usd: &[
            20_000, 24_000, 27_000, 29_000, 30_000, 31_000, 33_000, 36_000, 40_000,
        ],
    },
];
pub const EXPIRY_DAYS: [i64; 3] = [7, 30, 90];

/// A priced series of the pool.
#[derive(Clone, Copy, Debug)]
pub struct PoolSeries {
    pub risk: SeriesRisk,
    pub underlying: u8,
    pub kind: OptionKind,
    pub strike_usd: u64,
    pub days: i64,
}

pub fn params(u: &Underlying, is_call: bool, strike_usd: u64, days: i64) -> SeriesParams {
    SeriesParams {
        is_call,
        strike_e12: strike_usd * USD_E12,
        expiry_ts: NOW + days * 86_400,
        contract_size_e6: u.contract_size_e6,
        short_floor_mm_bps: 200,
        short_floor_im_bps: 300,
    }
}

pub fn market(spot_usd: u64) -> MarketInputs {
    MarketInputs {
        spot_e12: spot_usd * USD_E12,
        vol_e6: 800_000,
        rate_e6: 40_000,
        now_ts: NOW,
    }
}

/// A realistic series priced by `series_risk` on the default grid.
pub fn priced(underlying: u8, is_call: bool, strike_usd: u64, days: i64) -> PoolSeries {
    let u = &UNDERLYINGS[usize::from(underlying)];
    let risk = series_risk(
        &params(u, is_call, strike_usd, days),
        &ScenarioGrid::default_grid(),
        &market(u.spot_usd),
    )
    .expect("pool series prices");
    let kind = if is_call {
        OptionKind::Call
    } else {
        OptionKind::Put
    };
    PoolSeries {
        risk,
        underlying,
        kind,
        strike_usd,
        days,
    }
}

/// Every (underlying, kind, strike, expiry) of [`UNDERLYINGS`], priced once.
pub fn pool() -> &'static [PoolSeries] {
    static POOL: OnceLock<Vec<PoolSeries>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut v = Vec::new();
        for (ui, u) in UNDERLYINGS.iter().enumerate() {
            for &k in u.strikes_usd {
                for days in EXPIRY_DAYS {
                    for is_call in [true, false] {
                        v.push(priced(ui as u8, is_call, k, days));
                    }
                }
            }
        }
        v
    })
}

pub fn default_grids() -> [ScenarioGrid; 2] {
    [ScenarioGrid::default_grid(); 2]
}

pub fn position(s: &PoolSeries, size: i64, lot: u64) -> PositionInput<'_> {
    PositionInput {
        series: &s.risk,
        underlying: s.underlying,
        kind: s.kind,
        size_contracts: size,
        cost_basis_native: 0,
        lot_size_contracts: lot,
    }
}

/// A grid of 3 spot shocks (−20%, 0, +20%) × 1 vol shock: scenario indices 0, 3, 6.
pub fn small_grid(mm_range_bps: u32) -> ScenarioGrid {
    ScenarioGrid {
        spot_shocks_bps: [-2_000, 0, 2_000, 0, 0, 0, 0, 0, 0],
        vol_shocks_bps: [0, 0, 0],
        mm_spot_range_bps: mm_range_bps,
        spot_count: 3,
        vol_count: 1,
        _padding: [0; 2],
    }
}

/// A hand-made series on [`small_grid`]: values at spot −20%, 0, +20%.
pub fn hand(mark: i64, values: [i64; 3], floor_mm: i64) -> SeriesRisk {
    let mut v = [0i64; MAX_SCENARIOS];
    v[0] = values[0];
    v[3] = values[1];
    v[6] = values[2];
    SeriesRisk {
        spot_ref_e12: 100 * USD_E12,
        computed_at_ts: NOW,
        mark_native: mark,
        scenario_values_native: v,
        delta_e9: 500_000_000,
        gamma_e9: 20_000_000,
        vega_native: 10_000,
        theta_native: -5_000,
        short_floor_mm_native: floor_mm,
        short_floor_im_native: floor_mm * 3 / 2,
        vol_ref_e6: 800_000,
        flags: 0,
    }
}

pub fn hand_pos(s: &SeriesRisk, underlying: u8, size: i64) -> PositionInput<'_> {
    PositionInput {
        series: s,
        underlying,
        kind: OptionKind::Call,
        size_contracts: size,
        cost_basis_native: 0,
        lot_size_contracts: 1,
    }
}

/// A volatile collateral like SOL (9 decimals) at `price_usd`, ±1%.
pub fn volatile(balance_native: i64, price_usd: u64, maint_weight_bps: u16) -> CollateralInput {
    CollateralInput {
        balance_native,
        decimals: 9,
        price_low_e12: price_usd * USD_E12 / 100 * 99,
        price_high_e12: price_usd * USD_E12 / 100 * 101,
        init_weight_bps: maint_weight_bps.saturating_sub(1_000),
        maint_weight_bps,
        is_settlement: false,
    }
}

pub fn summary(
    grids: &[ScenarioGrid],
    positions: &[PositionInput],
    collaterals: &[CollateralInput],
) -> MarginSummary {
    margin_summary(&AccountInputs {
        grids,
        positions,
        collaterals,
    })
    .expect("margin")
}

/// unit: quote native. The settlement balance that puts an account at
/// `ratio_bps` (floored ratio exact when MM divides evenly), given its margin
/// with its other collaterals and no settlement balance.
pub fn settlement_for_ratio(without_usdc: &MarginSummary, ratio_bps: u64) -> i64 {
    let p = i128::from(without_usdc.mm_native) * i128::from(ratio_bps);
    let target = (p + 9_999) / 10_000;
    (target - i128::from(without_usdc.equity_native)) as i64
}
