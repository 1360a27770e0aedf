//! Distance to each liquidation tier, by the risk crate's solvers
//! (`options_margin_risk::distance`):
//!
//! - **Equity**: [`equity_to_tier_ceil`] on the program's equity and MM:
//!   the smallest equity loss, MM held fixed, after which the account is in
//!   each tier.
//! - **Spot**: per underlying the account holds, [`spot_to_tier`]: the
//!   nearest spot below and above the oracle price at which the account
//!   enters each tier, that underlying alone moving. The model
//!   ([`SpotModel`]) is the account itself: each position's static terms
//!   (`Series::params` on its underlying), per underlying the oracle spot
//!   the program read, the underlying's rate and grid and the update's
//!   publish time (what a keeper refresh stamps), the program's collateral
//!   inputs, and each volatile collateral tied to the underlying sharing
//!   its price feed.
//!
//! **One volatility per underlying.** The solver reprices every series of
//! an underlying at one volatility; the model takes that of the live
//! series carrying the largest |size × vega| on it, and flags the
//! underlying ([`UnderlyingDistance::vols_differ`]) when other live series
//! on it carry another. The model also reprices at the current spot, where
//! the stored vectors are from the last refresh (within the price band):
//! [`SpotOutcome::at_spot`] shows the model's totals there beside the
//! program's.

use anchor_lang::prelude::Pubkey;
use options_margin::state::Series;
use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::distance::{
    equity_to_tier_ceil, spot_to_tier, totals_at_spot, SpotCollateral, SpotInputs, SpotPosition,
    SpotScratch, SpotToTier, TIER_COUNT,
};
use options_margin_risk::margin::{MarginTotals, PositionInput};
use options_margin_risk::planner::LiquidationParams;
use options_margin_risk::series::MarketInputs;
use options_margin_risk::{RiskError, ScenarioGrid};

use super::{risk, CollateralRow, LoadedUnderlying};
use crate::error::{ClientError, ClientResult};

/// An account in the risk crate's spot model, owned (module docs). Index
/// `k` of `underlyings`, `grids`, `markets` and `vols_differ` is the risk
/// crate's underlying index `k` (the program's order: first appearance
/// among the positions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpotModel {
    pub underlyings: Vec<Pubkey>,
    pub grids: Vec<ScenarioGrid>,
    pub markets: Vec<MarketInputs>,
    /// Some live series on the underlying carries a volatility other than
    /// `markets[k].vol_e6`.
    pub vols_differ: Vec<bool>,
    pub positions: Vec<SpotPosition>,
    pub collaterals: Vec<SpotCollateral>,
}

impl SpotModel {
    /// The model of an account from what its margin check loaded:
    /// `series[i]` and `inputs[i]` per position (slot order), `grids` as
    /// the check combined them, `rows[j]` and `collaterals[j]` per
    /// collateral slot in use.
    pub(crate) fn new(
        underlyings: &[LoadedUnderlying],
        grids: Vec<ScenarioGrid>,
        series: &[&Series],
        inputs: &[PositionInput],
        rows: &[CollateralRow],
        collaterals: &[CollateralInput],
    ) -> ClientResult<Self> {
        if grids.len() != underlyings.len() {
            return Err(ClientError::Program("grids and underlyings differ".into()));
        }
        let mut positions = Vec::with_capacity(inputs.len());
        for (s, p) in series.iter().zip(inputs) {
            let u = underlyings
                .get(usize::from(p.underlying))
                .filter(|u| u.key == s.underlying)
                .ok_or_else(|| ClientError::Program("position underlying out of order".into()))?;
            positions.push(SpotPosition {
                series: s.params(&u.account),
                underlying: p.underlying,
                size_contracts: p.size_contracts,
                cost_basis_native: p.cost_basis_native,
                lot_size_contracts: p.lot_size_contracts,
                settlement_price_e12: (s.settled == 1).then_some(s.settlement_price_e12),
            });
        }
        let mut markets = Vec::with_capacity(underlyings.len());
        let mut vols_differ = Vec::with_capacity(underlyings.len());
        for (k, u) in underlyings.iter().enumerate() {
            let (vol_e6, differ) = model_vol(k, series, inputs);
            markets.push(MarketInputs {
                spot_e12: u.spot_e12,
                vol_e6,
                rate_e6: u.account.rate_e6,
                now_ts: u.publish_time,
            });
            vols_differ.push(differ);
        }
        let collaterals = rows
            .iter()
            .zip(collaterals)
            .map(|(row, c)| SpotCollateral {
                collateral: *c,
                follows_underlying: row
                    .follows_underlying
                    .and_then(|key| underlyings.iter().position(|u| u.key == key))
                    .map(|k| k as u8),
            })
            .collect();
        Ok(Self {
            underlyings: underlyings.iter().map(|u| u.key).collect(),
            grids,
            markets,
            vols_differ,
            positions,
            collaterals,
        })
    }

    /// The risk crate's view, with the tiers of `liquidation`.
    pub fn inputs<'a>(&'a self, liquidation: &'a LiquidationParams) -> SpotInputs<'a> {
        SpotInputs {
            grids: &self.grids,
            markets: &self.markets,
            positions: &self.positions,
            collaterals: &self.collaterals,
            liquidation,
        }
    }
}

/// precision: e6. The volatility of underlying `k` in the model: that of
/// its live series with the largest |size × vega| (the first on a tie),
/// else of its first series; and whether another live series differs.
fn model_vol(k: usize, series: &[&Series], inputs: &[PositionInput]) -> (u32, bool) {
    let on_k = || {
        series
            .iter()
            .zip(inputs)
            .filter(move |(_, p)| usize::from(p.underlying) == k)
    };
    let live = || on_k().filter(|(s, _)| s.settled == 0);
    let weight = |p: &PositionInput| {
        i128::from(p.size_contracts).unsigned_abs()
            * i128::from(p.series.vega_native).unsigned_abs()
    };
    let chosen = live()
        .fold(None::<(&Series, u128)>, |best, (s, p)| match best {
            Some((_, w)) if w >= weight(p) => best,
            _ => Some((s, weight(p))),
        })
        .map(|(s, _)| s.vol_e6)
        .or_else(|| on_k().next().map(|(s, _)| s.vol_e6))
        .unwrap_or(0);
    (chosen, live().any(|(s, _)| s.vol_e6 != chosen))
}

/// Distance of the account to each tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierDistances {
    /// unit: quote native, ceil. Per tier (index 0 = tier 1): the smallest
    /// equity loss at fixed MM after which the account is in that tier or
    /// deeper; 0 when it already is ([`equity_to_tier_ceil`]).
    pub equity_loss_native: [u64; TIER_COUNT],
    /// Per underlying the account holds (the risk crate's order).
    pub underlyings: Vec<UnderlyingDistance>,
}

/// Where the spot of one underlying puts the account into each tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnderlyingDistance {
    pub underlying: Pubkey,
    /// What the model reprices at (the oracle spot the program read).
    pub market: MarketInputs,
    /// See [`SpotModel::vols_differ`].
    pub vols_differ: bool,
    /// The solver's answer, or why it refused (market inputs the pricer
    /// refuses; the rest of the report stands).
    pub outcome: Result<SpotOutcome, RiskError>,
}

/// The solver's answer for one underlying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpotOutcome {
    /// Triggers down and up per tier ([`spot_to_tier`]).
    pub tiers: SpotToTier,
    /// The model's totals at the current spot ([`totals_at_spot`]): fresh
    /// vectors, where the program uses those of the last refresh.
    pub at_spot: MarginTotals,
}

/// The distances of an account with `equity_native` and `mm_native`
/// (unit: quote native; the program's figures) under `liquidation`, the
/// spot ones over `model` (module docs).
pub fn tier_distances(
    equity_native: i64,
    mm_native: i64,
    liquidation: &LiquidationParams,
    model: &SpotModel,
) -> ClientResult<TierDistances> {
    let equity_loss_native =
        equity_to_tier_ceil(equity_native, mm_native, liquidation).map_err(risk)?;
    let inputs = model.inputs(liquidation);
    let mut scratch = Box::new(SpotScratch::ZERO);
    let mut underlyings = Vec::with_capacity(model.underlyings.len());
    for (k, key) in model.underlyings.iter().enumerate() {
        let index = u8::try_from(k).map_err(|_| risk(RiskError::InvalidInput))?;
        let market = model.markets[k];
        let outcome = spot_to_tier(&inputs, index, &mut scratch).and_then(|tiers| {
            let at_spot = totals_at_spot(&inputs, index, market.spot_e12, &mut scratch)?;
            Ok(SpotOutcome { tiers, at_spot })
        });
        underlyings.push(UnderlyingDistance {
            underlying: *key,
            market,
            vols_differ: model.vols_differ[k],
            outcome,
        });
    }
    Ok(TierDistances {
        equity_loss_native,
        underlyings,
    })
}

/// precision: bps, rounded half away from zero. The move from `spot_e12`
/// to `to_e12` relative to `spot_e12` (display only; 0 for a zero spot).
pub fn move_bps(spot_e12: u64, to_e12: u64) -> i64 {
    if spot_e12 == 0 {
        return 0;
    }
    let diff = i128::from(to_e12) - i128::from(spot_e12);
    let spot = i128::from(spot_e12);
    let q = (diff.abs() * 10_000 * 2 + spot) / (2 * spot);
    let q = i64::try_from(q).unwrap_or(i64::MAX);
    if diff < 0 {
        -q
    } else {
        q
    }
}
