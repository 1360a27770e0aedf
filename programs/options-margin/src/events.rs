//! Events, emitted through `emit_cpi!` so that they reach indexers (and
//! tests) as inner instructions. An event, once shipped, never changes: a new
//! shape gets a new name (`...V2`).

use anchor_lang::prelude::*;

#[event]
pub struct DepositEvent {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub mint: Pubkey,
    /// unit: token native.
    pub amount_native: u64,
    /// unit: token native. Account balance after the deposit.
    pub balance_after_native: i64,
}

#[event]
pub struct WithdrawEvent {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub mint: Pubkey,
    /// unit: token native.
    pub amount_native: u64,
    /// unit: token native. Account balance after the withdrawal.
    pub balance_after_native: i64,
    /// unit: quote native. Equity after the withdrawal.
    pub equity_after_native: i64,
    /// unit: quote native. Initial margin after the withdrawal.
    pub initial_margin_after_native: i64,
}

#[event]
pub struct VolatilityUpdatedEvent {
    pub series: Pubkey,
    /// precision: e6. 0 when the series had no volatility yet.
    pub previous_vol_e6: u32,
    /// precision: e6.
    pub vol_e6: u32,
    /// unit: unix seconds.
    pub updated_ts: i64,
}

#[event]
pub struct SeriesRiskRefreshedEvent {
    pub series: Pubkey,
    /// precision: e12 USD per whole underlying unit.
    pub spot_ref_e12: u64,
    /// precision: e6.
    pub vol_ref_e6: u32,
    /// unit: unix seconds (oracle publish time).
    pub computed_at_ts: i64,
    /// unit: quote native per contract.
    pub mark_native: i64,
    /// precision: e9 underlying units per contract.
    pub delta_e9: i64,
    /// precision: e9 underlying units per contract per 1% spot move.
    pub gamma_e9: i64,
    /// unit: quote native per contract per volatility point.
    pub vega_native: i64,
    /// unit: quote native per contract per day.
    pub theta_native: i64,
}
