//! Permissionless bookkeeping cranks: sweeping insurance accruals into the
//! fund, and booking an account's share of socialised losses.

use anchor_lang::prelude::*;

use crate::constants::loss_shard_index;
use crate::controller::{absorb_surplus, book_and_recount, settle_retired_loss, sweep_accrued};
use crate::error::ErrorCode;
use crate::events::InsuranceSweptEvent;
use crate::state::{Collateral, Exchange, LossShard, MarginAccount};

#[event_cpi]
#[derive(Accounts)]
pub struct SweepInsurance<'info> {
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The settlement collateral config (its vault surplus is swept too).
    #[account(mut, has_one = exchange)]
    pub settlement_collateral: AccountLoader<'info, Collateral>,
}

/// Permissionless: moves the insurance share accrued on every margin
/// account in `remaining_accounts` (writable, of this exchange) into the
/// exchange's insurance fund, nets the socialised loss they retired
/// against the config, and moves any vault surplus left by rounded-up loss
/// shares into the fund. Liquidations accrue the share on the liquidated
/// account (and trades retire loss on the account) so that they never
/// write an exchange-wide account; this crank, run off the critical path,
/// brings both home. The books are unchanged by it.
pub fn sweep_insurance<'info>(ctx: Context<'info, SweepInsurance<'info>>) -> Result<()> {
    let exchange_key = ctx.accounts.exchange.key();
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let mut settlement = ctx.accounts.settlement_collateral.load_mut()?;
    require!(
        settlement.is_settlement() && settlement.mint == exchange.settlement_mint,
        ErrorCode::NotSettlementCollateral
    );
    let mut swept = 0i64;
    for info in ctx.remaining_accounts {
        let loader = AccountLoader::<MarginAccount>::try_from(info)?;
        let mut account = loader.load_mut()?;
        require!(
            account.exchange == exchange_key,
            ErrorCode::HealthAccountsMismatch
        );
        settle_retired_loss(&mut account, &mut settlement)?;
        swept = swept
            .checked_add(sweep_accrued(&mut account, &mut exchange)?)
            .ok_or_else(|| error!(ErrorCode::MathOverflow))?;
    }
    swept = swept
        .checked_add(absorb_surplus(&mut exchange, &mut settlement)?)
        .ok_or_else(|| error!(ErrorCode::MathOverflow))?;
    let insurance_after = exchange.insurance_native;
    drop(exchange);
    drop(settlement);
    emit_cpi!(InsuranceSweptEvent {
        swept_native: swept,
        accounts: ctx.remaining_accounts.len() as u16,
        insurance_after_native: insurance_after,
    });
    Ok(())
}

#[derive(Accounts)]
pub struct BookSocializedLoss<'info> {
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = exchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = exchange)]
    pub settlement_collateral: AccountLoader<'info, Collateral>,
    /// The margin account's loss shard (`pda::loss_shard_of`).
    #[account(
        mut,
        has_one = exchange,
        constraint = loss_shard.load()?.index == loss_shard_index(&margin_account.key())
            @ ErrorCode::WrongLossShard,
    )]
    pub loss_shard: AccountLoader<'info, LossShard>,
}

/// Permissionless checkpoint: books `margin_account`'s share of socialised
/// losses into its settlement balance and re-counts its balance at the
/// current index (`options_margin_risk::socialized`). Margin checks already
/// subtract the share, so this changes no account's equity; it keeps the
/// counted balances, the base of the next loss, current.
pub fn book_socialized_loss_ix(ctx: Context<BookSocializedLoss>) -> Result<()> {
    let exchange = ctx.accounts.exchange.load()?;
    let mut account = ctx.accounts.margin_account.load_mut()?;
    let mut settlement = ctx.accounts.settlement_collateral.load_mut()?;
    let mut shard = ctx.accounts.loss_shard.load_mut()?;
    book_and_recount(&mut account, &exchange, &mut settlement, &mut shard)?;
    Ok(())
}
