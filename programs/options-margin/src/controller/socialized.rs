//! Socialised losses and insurance accruals (see
//! `options_margin_risk::socialized` for the rule).
//!
//! Books, kept exact by every step here:
//! `vault + socialized_loss = total = Σ balances + Σ insurance accrued + Σ loss retired + insurance`.

use anchor_lang::prelude::*;
use options_margin_risk::socialized::{loss_index_increment_ceil, pending_loss_ceil};

use crate::error::ErrorCode;
use crate::math::{risk_error, SafeMath};
use crate::state::{Collateral, Exchange, LossShard, MarginAccount};

/// Books what `account` owes of socialised losses out of its settlement
/// balance into its `loss_retired_native`, at the current loss index.
/// Touches only the margin account, so a trade can do it. Margin checks
/// already subtract the amount, so no account's equity changes. Returns
/// the amount (unit: quote native).
pub fn book_pending_loss(account: &mut MarginAccount, exchange: &Exchange) -> Result<i64> {
    let owed = pending_loss_ceil(
        account.counted_settlement_native,
        exchange.loss_index_e12,
        account.loss_index_snapshot_e12,
    )
    .map_err(risk_error)?;
    if owed > 0 {
        let settlement = exchange.settlement_mint;
        let slot = account.collateral_slot_or_insert(&settlement, &settlement)?;
        let balance = &mut account.collaterals[slot].balance_native;
        *balance = balance.safe_sub(owed)?;
        account.loss_retired_native = account.loss_retired_native.safe_add(owed)?;
    }
    account.loss_index_snapshot_e12 = exchange.loss_index_e12;
    Ok(owed)
}

/// Nets `account`'s retired loss against the settlement config: the claim
/// it stood for and the same amount of the not-yet-booked loss both leave
/// the books. Shares are rounded up, so the loss may go below zero: that is
/// surplus the vault holds beyond the claims, which `absorb_surplus` moves
/// to insurance.
pub fn settle_retired_loss(account: &mut MarginAccount, settlement: &mut Collateral) -> Result<()> {
    let retired = account.loss_retired_native;
    settlement.total_balance_native = settlement.total_balance_native.safe_sub(retired)?;
    settlement.socialized_loss_native = settlement.socialized_loss_native.safe_sub(retired)?;
    account.loss_retired_native = 0;
    Ok(())
}

/// Re-counts `account` in its loss shard: `counted = max(0, settlement
/// balance)`, keeping the shard's total the exact Σ of its accounts.
/// Call after [`book_pending_loss`] (the snapshot must be current).
pub fn recount(
    account: &mut MarginAccount,
    exchange: &Exchange,
    shard: &mut LossShard,
) -> Result<()> {
    require!(
        account.loss_index_snapshot_e12 == exchange.loss_index_e12,
        ErrorCode::InvariantViolation
    );
    let counted = account.settlement_balance(&exchange.settlement_mint).max(0);
    shard.counted_total_native = shard
        .counted_total_native
        .safe_sub(account.counted_settlement_native)?
        .safe_add(counted)?;
    account.counted_settlement_native = counted;
    Ok(())
}

/// Books, nets and re-counts in one step: for instructions that write the
/// settlement config (deposit, withdraw, the checkpoint).
pub fn book_and_recount(
    account: &mut MarginAccount,
    exchange: &Exchange,
    settlement: &mut Collateral,
    shard: &mut LossShard,
) -> Result<i64> {
    require!(
        settlement.is_settlement() && settlement.mint == exchange.settlement_mint,
        ErrorCode::NotSettlementCollateral
    );
    let owed = book_pending_loss(account, exchange)?;
    settle_retired_loss(account, settlement)?;
    recount(account, exchange, shard)?;
    Ok(owed)
}

/// Spreads a loss of `loss_native` that insurance did not cover over the
/// counted balances (`counted_total_native`: Σ over every loss shard): the
/// index rises by its share per counted unit (at most 100%), and the config
/// records the loss as not yet booked. Whatever no index could assign
/// (beyond every counted balance, or nothing counted) is recorded as
/// unassigned: only insurance deposits repay it.
pub fn socialize(
    loss_native: i64,
    counted_total_native: i64,
    exchange: &mut Exchange,
    settlement: &mut Collateral,
) -> Result<()> {
    if loss_native <= 0 {
        return Ok(());
    }
    let inc = loss_index_increment_ceil(loss_native, counted_total_native).map_err(risk_error)?;
    exchange.loss_index_e12 = exchange.loss_index_e12.safe_add(inc)?;
    settlement.total_balance_native = settlement.total_balance_native.safe_add(loss_native)?;
    settlement.socialized_loss_native = settlement.socialized_loss_native.safe_add(loss_native)?;
    let unassigned = loss_native.safe_sub(loss_native.min(counted_total_native.max(0)))?;
    settlement.unassigned_loss_native = settlement.unassigned_loss_native.safe_add(unassigned)?;
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
