use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, TransferChecked};

use crate::constants::{MARGIN_SEED, VAULT_AUTHORITY_SEED};
use crate::error::ErrorCode;
use crate::events::WithdrawEvent;
use crate::health;
use crate::math::SafeMath;
use crate::state::{Collateral, Exchange, MarginAccount, PAUSE_WITHDRAWALS};

#[event_cpi]
#[derive(Accounts)]
pub struct Withdraw<'info> {
    pub owner: Signer<'info>,
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(
        mut,
        has_one = owner @ ErrorCode::Unauthorized,
        has_one = exchange,
        seeds = [
            MARGIN_SEED,
            margin_account.load()?.exchange.as_ref(),
            margin_account.load()?.owner.as_ref(),
            &margin_account.load()?.account_index.to_le_bytes(),
        ],
        bump = margin_account.load()?.bump,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = exchange, has_one = mint, has_one = vault)]
    pub collateral: AccountLoader<'info, Collateral>,
    pub mint: Account<'info, Mint>,
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// CHECK: the PDA that owns every vault; signs the transfer out.
    #[account(seeds = [VAULT_AUTHORITY_SEED, exchange.key().as_ref()], bump = exchange.load()?.vault_authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// Destination of the tokens (any token account of this mint).
    #[account(mut, token::mint = mint)]
    pub destination: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Debits the account and pays `amount_native` out of the vault. Refused
/// when the account would end below initial margin. `remaining_accounts`
/// carry the margin-check accounts for the account's state *after* the
/// withdrawal (see [`health`]).
pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount_native: u64) -> Result<()> {
    require!(amount_native > 0, ErrorCode::ZeroAmount);
    let amount = i64::try_from(amount_native).map_err(|_| error!(ErrorCode::AmountTooLarge))?;
    let exchange_key = ctx.accounts.exchange.key();
    let exchange = *ctx.accounts.exchange.load()?;
    exchange.require_not_paused(PAUSE_WITHDRAWALS)?;

    let mint = ctx.accounts.mint.key();
    let now = Clock::get()?.unix_timestamp;
    let vault_tokens = ctx.accounts.vault.amount;
    let (balance_after, margin, paid_native) = {
        let mut collateral = ctx.accounts.collateral.load_mut()?;
        collateral.total_balance_native = collateral.total_balance_native.safe_sub(amount)?;
        let paid_native = bear_socialized_loss(&mut collateral, amount_native, vault_tokens)?;
        drop(collateral);

        let mut account = ctx.accounts.margin_account.load_mut()?;
        let slot = account
            .collateral_slot(&mint)
            .ok_or(error!(ErrorCode::InsufficientBalance))?;
        let balance = &mut account.collaterals[slot].balance_native;
        require!(*balance >= amount, ErrorCode::InsufficientBalance);
        *balance = balance.safe_sub(amount)?;
        let balance_after = *balance;
        account.release_empty_collaterals();

        let margin = health::account_margin(
            &account,
            &exchange,
            &exchange_key,
            ctx.remaining_accounts,
            now,
            health::CheckMode::RISK_INCREASING,
        )?;
        require!(margin.meets_initial(), ErrorCode::BelowInitialMargin);
        (balance_after, margin, paid_native)
    };

    let seeds: &[&[u8]] = &[
        VAULT_AUTHORITY_SEED,
        exchange_key.as_ref(),
        &[exchange.vault_authority_bump],
    ];
    token::transfer_checked(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.key(),
            TransferChecked {
                from: ctx.accounts.vault.to_account_info(),
                mint: ctx.accounts.mint.to_account_info(),
                to: ctx.accounts.destination.to_account_info(),
                authority: ctx.accounts.vault_authority.to_account_info(),
            },
            &[seeds],
        ),
        paid_native,
        ctx.accounts.mint.decimals,
    )?;

    emit_cpi!(WithdrawEvent {
        margin_account: ctx.accounts.margin_account.key(),
        owner: ctx.accounts.owner.key(),
        mint,
        amount_native,
        paid_native,
        balance_after_native: balance_after,
        equity_after_native: margin.equity_native,
        initial_margin_after_native: margin.initial_margin_native,
    });
    Ok(())
}

/// unit: token native. What a withdrawal of `amount_native` pays out. While
/// the settlement collateral carries a socialised loss L, the vault holds
/// V = total − L: a withdrawal pays `⌊amount · V / (V + L)⌋` and the unpaid
/// part retires the same share of L, so every unit of claim bears the loss
/// pro rata whenever it is withdrawn. Zero loss: the full amount.
fn bear_socialized_loss(
    collateral: &mut Collateral,
    amount_native: u64,
    vault_tokens: u64,
) -> Result<u64> {
    let loss = collateral.socialized_loss_native;
    if loss <= 0 {
        return Ok(amount_native);
    }
    let v = vault_tokens as i128;
    let paid = (amount_native as i128)
        .safe_mul(v)?
        .safe_div(v.safe_add(loss as i128)?)?;
    let borne = amount_native as i128 - paid;
    collateral.socialized_loss_native = (loss as i128 - borne) as i64;
    Ok(paid as u64)
}
