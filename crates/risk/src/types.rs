//! Shared data types of the risk engine.
//!
//! These are the contract between the repricing half (`series_risk`), the
//! combining half (`account_margin`), the liquidation planner, and the on-chain
//! program, which stores [`SeriesRisk`] and [`ScenarioGrid`] inside zero-copy
//! accounts. Stored types are `repr(C)`, `Pod`, and use no `u128`/`i128`
//! fields, whose alignment differs between x86-64 (16) and SBF (8).
//!
//! Units used everywhere in this crate:
//! - `_native`: quote (settlement) token native units, e.g. 1e-6 USD for USDC.
//! - `_e12`: fixed point with 12 decimals (1.0 == 1_000_000_000_000).
//! - `_e9`, `_e6`: likewise with 9 and 6 decimals.
//! - `_bps`: basis points (1.0 == 10_000).
//! - `_contracts`: option contracts; one contract covers `contract_size_e6`
//!   whole units of the underlying.

use bytemuck::{Pod, Zeroable};

/// precision: bps. 1.0 in basis points: the denominator of every `_bps` value.
pub const BPS: u64 = 10_000;

/// Maximum number of spot shocks in one grid.
pub const MAX_SPOT_SHOCKS: usize = 9;
/// Maximum number of volatility shocks in one grid.
pub const MAX_VOL_SHOCKS: usize = 3;
/// Scenario vector length. Scenario `(spot_i, vol_j)` lives at index
/// `spot_i * MAX_VOL_SHOCKS + vol_j`; entries past the grid's counts are unused.
pub const MAX_SCENARIOS: usize = MAX_SPOT_SHOCKS * MAX_VOL_SHOCKS;

/// The scenario grid of one underlying.
///
/// Every scenario counts for initial margin; only those whose spot shock lies
/// within `mm_spot_range_bps` count for maintenance margin, so the IM grid is
/// the wider one (defaults: IM ±20%, MM ±15%).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct ScenarioGrid {
    /// unit: bps of spot. Sorted ascending, contains 0, first `spot_count` used.
    pub spot_shocks_bps: [i32; MAX_SPOT_SHOCKS],
    /// unit: bps relative change of volatility (+3000 means σ × 1.3).
    /// Sorted ascending, contains 0, first `vol_count` used.
    pub vol_shocks_bps: [i32; MAX_VOL_SHOCKS],
    /// unit: bps of spot. Scenarios with |spot shock| ≤ this count for MM.
    pub mm_spot_range_bps: u32,
    /// Number of used entries of `spot_shocks_bps` (1..=9).
    pub spot_count: u8,
    /// Number of used entries of `vol_shocks_bps` (1..=3).
    pub vol_count: u8,
    pub _padding: [u8; 2],
}

/// Risk of one option series, per contract, computed by `series_risk` at a
/// reference spot and volatility and stored on-chain by the permissionless
/// refresh. Accounts combine these vectors linearly (size × vector), which is
/// what keeps every margin check within the compute budget.
///
/// Values are rounded down (`_floor`) to whole quote native units; the
/// combining half adds one native unit per contract for short positions so a
/// liability is never under-stated.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct SeriesRisk {
    /// precision: e12 USD per whole underlying unit. Spot the vectors were computed at.
    pub spot_ref_e12: u64,
    /// unit: unix seconds. When the vectors were computed (oracle publish time used).
    pub computed_at_ts: i64,
    /// unit: quote native per contract, floor. Mark value at (spot_ref, vol_ref).
    pub mark_native: i64,
    /// unit: quote native per contract, floor. Value under each scenario.
    pub scenario_values_native: [i64; MAX_SCENARIOS],
    /// precision: e9 underlying units per contract. dV/dS × contract size.
    pub delta_e9: i64,
    /// precision: e9 underlying units per contract per 1% spot move (cash-style gamma:
    /// change of `delta_e9` when spot moves up 1%).
    pub gamma_e9: i64,
    /// unit: quote native per contract per 1 volatility point (σ + 0.01).
    pub vega_native: i64,
    /// unit: quote native per contract per day (negative for long options as time passes).
    pub theta_native: i64,
    /// unit: quote native per contract. MM floor charged to each short contract.
    pub short_floor_mm_native: i64,
    /// unit: quote native per contract. IM floor charged to each short contract (≥ MM floor).
    pub short_floor_im_native: i64,
    /// precision: e6 (1.0 == 1_000_000). Volatility the vectors were computed at.
    pub vol_ref_e6: u32,
    /// Bit flags: 1 = computed from a settlement price (expired, intrinsic only).
    pub flags: u32,
}
