//! Socialised losses and insurance accruals (see
//! `options_margin_risk::socialized` for the rule).

use anchor_lang::prelude::*;
use options_margin_risk::socialized::{loss_index_increment_ceil, pending_loss_ceil};

use crate::error::ErrorCode;
use crate::math::{risk_error, SafeMath};
use crate::state::{Collateral, Exchange, MarginAccount};

/// Books what `account` owes of socialised losses into its settlement
/// balance, then re-counts it: `counted = max(0, balance)` at the current
/// index. Called by every instruction that writes the settlement
/// collateral config (deposit, withdraw, bankruptcy, the checkpoint), so
/// the config's `counted_total_native` stays the exact Σ of counted
/// balances. Returns the amount booked (unit: quote native).
///
/// Books: the owed amount leaves the account's balance and the total, and
/// retires as much of the not-yet-booked loss; shares are rounded up, so
/// the loss can go below zero: that is surplus the vault holds beyond the
/// claims, which the next sweep moves to insurance.
pub fn book_socialized_loss(
    account: &mut MarginAccount,
    exchange: &Exchange,
    settlement: &mut Collateral,
) -> Result<i64> {
    require!(
        settlement.is_settlement() && settlement.mint == exchange.settlement_mint,
        ErrorCode::NotSettlementCollateral
    );
    let owed = pending_loss_ceil(
        account.counted_settlement_native,
        exchange.loss_index_e12,
        account.loss_index_snapshot_e12,
    )
    .map_err(risk_error)?;
    if owed > 0 {
        let slot = account
            .collateral_slot_or_insert(&exchange.settlement_mint, &exchange.settlement_mint)?;
        let balance = &mut account.collaterals[slot].balance_native;
        *balance = balance.safe_sub(owed)?;
        settlement.total_balance_native = settlement.total_balance_native.safe_sub(owed)?;
        settlement.socialized_loss_native = settlement.socialized_loss_native.safe_sub(owed)?;
    }
    recount(account, exchange, settlement)?;
    Ok(owed)
}

/// Sets `account`'s counted balance to its current positive settlement
/// balance at the current index, keeping the config's total exact.
pub fn recount(
    account: &mut MarginAccount,
    exchange: &Exchange,
    settlement: &mut Collateral,
) -> Result<()> {
    let balance = account.settlement_balance(&exchange.settlement_mint);
    let counted = balance.max(0);
    settlement.counted_total_native = settlement
        .counted_total_native
        .safe_sub(account.counted_settlement_native)?
        .safe_add(counted)?;
    account.counted_settlement_native = counted;
    account.loss_index_snapshot_e12 = exchange.loss_index_e12;
    Ok(())
}

/// Spreads a loss of `loss_native` that insurance did not cover over the
/// counted balances: the index rises by its share per counted unit, and
/// the config records the loss as not yet booked. With nothing counted the
/// loss stays unassigned (the vault is short by it until insurance
/// deposits repay it).
pub fn socialize(
    loss_native: i64,
    exchange: &mut Exchange,
    settlement: &mut Collateral,
) -> Result<()> {
    if loss_native <= 0 {
        return Ok(());
    }
    let inc = loss_index_increment_ceil(loss_native, settlement.counted_total_native)
        .map_err(risk_error)?;
    exchange.loss_index_e12 = exchange.loss_index_e12.safe_add(inc)?;
    settlement.total_balance_native = settlement.total_balance_native.safe_add(loss_native)?;
    settlement.socialized_loss_native = settlement.socialized_loss_native.safe_add(loss_native)?;
    Ok(())
}

/// Moves `account`'s accrued insurance share into the exchange's fund
/// (claims unchanged: Σ accrued + insurance is constant).
pub fn sweep_accrued(account: &mut MarginAccount, exchange: &mut Exchange) -> Result<i64> {
    let accrued = account.insurance_accrued_native;
    exchange.insurance_native = exchange.insurance_native.safe_add(accrued)?;
    account.insurance_accrued_native = 0;
    Ok(accrued)
}

/// Moves a vault surplus (a negative `socialized_loss_native`, left by
/// rounded-up loss shares) into the insurance fund.
pub fn absorb_surplus(exchange: &mut Exchange, settlement: &mut Collateral) -> Result<i64> {
    let surplus = (-settlement.socialized_loss_native).max(0);
    if surplus > 0 {
        exchange.insurance_native = exchange.insurance_native.safe_add(surplus)?;
        settlement.total_balance_native = settlement.total_balance_native.safe_add(surplus)?;
        settlement.socialized_loss_native = 0;
    }
    Ok(surplus)
}
