//! The insurance fund and bankruptcy.
//!
//! Accounting of the settlement collateral, kept exact by every instruction:
//! `vault tokens + socialized_loss = total_balance = Σ balances + Σ accrued + insurance`.
//!
//! Socialisation rule (deterministic): a deficit the insurance fund cannot
//! cover is spread over the settlement balances counted at that moment
//! (`options_margin_risk::socialized`): the exchange's loss index rises,
//! every margin check subtracts each account's share from its equity, and
//! the share is booked at the account's next deposit, withdrawal or
//! checkpoint. Balances deposited later owe nothing. Until booked, the loss
//! is `Collateral::socialized_loss_native`; insurance deposits repay it
//! before they grow the fund.

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, TransferChecked};

use options_margin_risk::collateral::CollateralInput;

use crate::constants::{loss_shard_index, LOSS_SHARDS};
use crate::controller::{
    absorb_surplus, book_pending_loss, recount, settle_retired_loss, socialize, sweep_accrued,
};
use crate::error::ErrorCode;
use crate::events::{BankruptcyEvent, InsuranceDepositEvent};
use crate::health::{self, Valuation};
use crate::math::{overflow, risk_error, SafeMath};
use crate::state::{Collateral, Exchange, LossShard, MarginAccount, SETTLEMENT_SLOT};

#[event_cpi]
#[derive(Accounts)]
pub struct DepositInsurance<'info> {
    pub depositor: Signer<'info>,
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = exchange, has_one = mint, has_one = vault)]
    pub collateral: AccountLoader<'info, Collateral>,
    pub mint: Account<'info, Mint>,
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    #[account(mut, token::mint = mint, token::authority = depositor)]
    pub depositor_token: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Anyone may add settlement tokens to the insurance fund. They first repay
/// the socialised loss no index could assign (beyond every counted
/// balance, or nothing counted); the loss assigned to accounts stays theirs
/// to bear, and the deposit joins the fund at once.
pub fn deposit_insurance(ctx: Context<DepositInsurance>, amount_native: u64) -> Result<()> {
    require!(amount_native > 0, ErrorCode::ZeroAmount);
    let amount = i64::try_from(amount_native).map_err(|_| error!(ErrorCode::AmountTooLarge))?;
    let (repaid, insurance_after) = {
        let mut exchange = ctx.accounts.exchange.load_mut()?;
        let mut collateral = ctx.accounts.collateral.load_mut()?;
        require!(
            collateral.is_settlement(),
            ErrorCode::NotSettlementCollateral
        );
        // Only the loss no index assigned: the rest is owed by the accounts
        // that bear it, and repaying it would not lower what they owe.
        let repaid = amount
            .min(collateral.unassigned_loss_native)
            .min(collateral.socialized_loss_native.max(0));
        collateral.socialized_loss_native = collateral.socialized_loss_native.safe_sub(repaid)?;
        collateral.unassigned_loss_native = collateral.unassigned_loss_native.safe_sub(repaid)?;
        let added = amount.safe_sub(repaid)?;
        collateral.total_balance_native = collateral.total_balance_native.safe_add(added)?;
        exchange.insurance_native = exchange.insurance_native.safe_add(added)?;
        (repaid, exchange.insurance_native)
    };
    token::transfer_checked(
        CpiContext::new(
            ctx.accounts.token_program.key(),
            TransferChecked {
                from: ctx.accounts.depositor_token.to_account_info(),
                mint: ctx.accounts.mint.to_account_info(),
                to: ctx.accounts.vault.to_account_info(),
                authority: ctx.accounts.depositor.to_account_info(),
            },
        ),
        amount_native,
        ctx.accounts.mint.decimals,
    )?;
    emit_cpi!(InsuranceDepositEvent {
        depositor: ctx.accounts.depositor.key(),
        amount_native,
        socialized_loss_repaid_native: repaid as u64,
        insurance_after_native: insurance_after,
    });
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct ResolveBankruptcy<'info> {
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = exchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The settlement collateral config.
    #[account(mut, has_one = exchange)]
    pub settlement_collateral: AccountLoader<'info, Collateral>,
}

/// Writes off volatile balances worth at most `dust_native` each (priced by
/// the `[collateral config (writable), oracle]` pairs in `remaining`, in
/// slot order, at the *higher* of spot and EMA plus the confidence band, so
/// a caller cannot pick a low update to write off more than dust), so dust
/// too small to liquidate never blocks bankruptcy. The written-off tokens
/// stay in their vault, owned by the protocol.
fn write_off_dust<'info>(
    account: &mut MarginAccount,
    exchange: &Exchange,
    exchange_key: &Pubkey,
    remaining: &'info [AccountInfo<'info>],
) -> Result<()> {
    if account
        .active_collaterals()
        .all(|c| c.mint == exchange.settlement_mint)
    {
        return Ok(());
    }
    let now = Clock::get()?.unix_timestamp;
    let loaded = health::load_inputs(account, exchange, exchange_key, remaining, now)?;
    let inputs = loaded.collateral_inputs(account, Valuation::Conservative)?;
    loaded.record_publish_times(account);
    drop(loaded);
    let mut configs = remaining.iter().step_by(2);
    for (c, input) in account
        .collaterals
        .iter_mut()
        .filter(|c| c.mint != Pubkey::default())
        .zip(inputs.iter())
    {
        if c.mint == exchange.settlement_mint {
            continue;
        }
        let at_high = CollateralInput {
            price_low_e12: input.price_high_e12,
            ..*input
        };
        let value = at_high.value_floor().map_err(risk_error)?;
        require!(
            value <= exchange.risk.dust_native as i128,
            ErrorCode::NotBankrupt
        );
        let config = AccountLoader::<Collateral>::try_from(
            configs
                .next()
                .ok_or_else(|| error!(ErrorCode::HealthAccountsMismatch))?,
        )?;
        let mut config = config.load_mut()?;
        require!(config.mint == c.mint, ErrorCode::HealthAccountsMismatch);
        config.total_balance_native = config.total_balance_native.safe_sub(c.balance_native)?;
        c.balance_native = 0;
    }
    account.release_empty_collaterals();
    Ok(())
}

/// The Σ of the counted balances over every loss shard, after re-counting
/// `account` (now flat at zero) in its own shard. `shards` are the
/// exchange's `LOSS_SHARDS` shards in index order, the account's own writable.
fn counted_total_after<'info>(
    shards: &'info [AccountInfo<'info>],
    exchange_key: &Pubkey,
    margin_key: &Pubkey,
    account: &mut MarginAccount,
    exchange: &Exchange,
) -> Result<i64> {
    require!(
        shards.len() == LOSS_SHARDS as usize,
        ErrorCode::HealthAccountsMismatch
    );
    let own = loss_shard_index(margin_key);
    let mut total = 0i64;
    for (i, info) in shards.iter().enumerate() {
        let loader = AccountLoader::<LossShard>::try_from(info)
            .map_err(|_| error!(ErrorCode::HealthAccountsMismatch))?;
        if i == own as usize {
            let mut shard = loader.load_mut()?;
            require!(
                shard.exchange == *exchange_key && shard.index == own,
                ErrorCode::WrongLossShard
            );
            recount(account, exchange, &mut shard)?;
            total = total.safe_add(shard.counted_total_native)?;
        } else {
            let shard = loader.load()?;
            require!(
                shard.exchange == *exchange_key && usize::from(shard.index) == i,
                ErrorCode::WrongLossShard
            );
            total = total.safe_add(shard.counted_total_native)?;
        }
    }
    Ok(total)
}

/// Permissionless. An account with no positions, no volatile collateral
/// beyond dust (written off first, see [`write_off_dust`]) and a negative
/// settlement balance (after booking what it owes of earlier losses and
/// sweeping its insurance accrual) is bankrupt: the insurance fund covers
/// the deficit as far as it can, the rest is socialised over the counted
/// balances of every loss shard (module docs), and the account is left at
/// zero. A bankrupt account pays no liquidation fee (the planner's fee is
/// capped at equity), so nothing else is owed.
///
/// `remaining_accounts`: the exchange's `LOSS_SHARDS` loss shards in index
/// order (the account's own writable), then the `[collateral config
/// (writable), oracle]` pair of each volatile collateral slot in use.
pub fn resolve_bankruptcy<'info>(ctx: Context<'info, ResolveBankruptcy<'info>>) -> Result<()> {
    let shards_len = (LOSS_SHARDS as usize).min(ctx.remaining_accounts.len());
    let (shards, dust) = ctx.remaining_accounts.split_at(shards_len);
    let exchange_key = ctx.accounts.exchange.key();
    {
        let exchange = ctx.accounts.exchange.load()?;
        let mut account = ctx.accounts.margin_account.load_mut()?;
        require!(
            account.active_positions().count() == 0,
            ErrorCode::NotBankrupt
        );
        write_off_dust(&mut account, &exchange, &exchange_key, dust)?;
    }
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let mut collateral = ctx.accounts.settlement_collateral.load_mut()?;
    require!(
        collateral.is_settlement() && collateral.mint == exchange.settlement_mint,
        ErrorCode::NotSettlementCollateral
    );
    let mut account = ctx.accounts.margin_account.load_mut()?;
    sweep_accrued(&mut account, &mut exchange)?;
    absorb_surplus(&mut exchange, &mut collateral)?;
    book_pending_loss(&mut account, &exchange)?;
    settle_retired_loss(&mut account, &mut collateral)?;
    let settlement = exchange.settlement_mint;
    let only_settlement = account.active_collaterals().all(|c| c.mint == settlement);
    let balance = account.settlement_balance(&settlement);
    require!(
        account.active_positions().count() == 0 && only_settlement && balance < 0,
        ErrorCode::NotBankrupt
    );
    let deficit = balance.checked_neg().ok_or_else(overflow)?;
    let covered = deficit.min(exchange.insurance_native.max(0));
    let socialized = deficit.safe_sub(covered)?;
    exchange.insurance_native = exchange.insurance_native.safe_sub(covered)?;
    account.collaterals[SETTLEMENT_SLOT].balance_native = 0;
    let margin_key = ctx.accounts.margin_account.key();
    let counted = counted_total_after(shards, &exchange_key, &margin_key, &mut account, &exchange)?;
    socialize(socialized, counted, &mut exchange, &mut collateral)?;
    drop(account);
    drop(collateral);
    drop(exchange);
    emit_cpi!(BankruptcyEvent {
        margin_account: ctx.accounts.margin_account.key(),
        deficit_native: deficit as u64,
        insurance_covered_native: covered as u64,
        socialized_native: socialized as u64,
    });
    Ok(())
}
