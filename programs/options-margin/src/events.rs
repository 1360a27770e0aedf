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
