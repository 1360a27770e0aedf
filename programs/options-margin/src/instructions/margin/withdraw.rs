use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, TransferChecked};

use crate::constants::{loss_shard_index, MARGIN_SEED, VAULT_AUTHORITY_SEED};
use crate::controller::book_and_recount;
use crate::error::ErrorCode;
use crate::events::WithdrawEvent;
use crate::health;
use crate::math::SafeMath;
use crate::state::{Collateral, Exchange, LossShard, MarginAccount, PAUSE_WITHDRAWALS};

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
    /// The margin account's loss shard (`pda::loss_shard_of`): its
    /// settlement balance is re-counted there.
    #[account(
        mut,
        has_one = exchange,
        constraint = loss_shard.load()?.index == loss_shard_index(&margin_account.key())
            @ ErrorCode::WrongLossShard,
    )]
    pub loss_shard: AccountLoader<'info, LossShard>,
    /// Destination of the tokens (any token account of this mint).
    #[account(mut, token::mint = mint)]
    pub destination: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Debits the account and pays `amount_native` out of the vault. Refused
/// when the account would end below initial margin, valued conservatively
/// (spot or EMA, whichever is worse; fresh volatility; underlyings near
/// their EMA). `remaining_accounts` carry the margin-check accounts for the
/// account's state *after* the withdrawal (see [`health`]). A settlement
/// withdrawal first books the account's share of socialised losses
/// (`options_margin_risk::socialized`), so the amount is paid in full.
pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount_native: u64) -> Result<()> {
    require!(amount_native > 0, ErrorCode::ZeroAmount);
    let amount = i64::try_from(amount_native).map_err(|_| error!(ErrorCode::AmountTooLarge))?;
    let exchange_key = ctx.accounts.exchange.key();
    let exchange = ctx.accounts.exchange.load()?;
    exchange.require_not_paused(PAUSE_WITHDRAWALS)?;

    let mint = ctx.accounts.mint.key();
    let now = Clock::get()?.unix_timestamp;
    let (balance_after, margin) = {
        let mut collateral = ctx.accounts.collateral.load_mut()?;
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let settlement = collateral.is_settlement();
        if settlement {
            let mut shard = ctx.accounts.loss_shard.load_mut()?;
            book_and_recount(&mut account, &exchange, &mut collateral, &mut shard)?;
        }
        collateral.total_balance_native = collateral.total_balance_native.safe_sub(amount)?;
        let slot = account
            .collateral_slot(&mint)
            .ok_or_else(|| error!(ErrorCode::InsufficientBalance))?;
        let balance = &mut account.collaterals[slot].balance_native;
        require!(*balance >= amount, ErrorCode::InsufficientBalance);
        require!(
            ctx.accounts.vault.amount >= amount_native,
            ErrorCode::VaultShortfall
        );
        *balance = balance.safe_sub(amount)?;
        let balance_after = *balance;
        if settlement {
            let mut shard = ctx.accounts.loss_shard.load_mut()?;
            crate::controller::recount(&mut account, &exchange, &mut shard)?;
        }
        drop(collateral);
        account.release_empty_collaterals();

        let (margin, loaded) = health::account_margin(
            &account,
            &exchange,
            &exchange_key,
            ctx.remaining_accounts,
            now,
            health::Valuation::Conservative,
        )?;
        require!(margin.meets_initial(), ErrorCode::BelowInitialMargin);
        loaded.record_publish_times(&mut account);
        (balance_after, margin)
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
        amount_native,
        ctx.accounts.mint.decimals,
    )?;

    emit_cpi!(WithdrawEvent {
        margin_account: ctx.accounts.margin_account.key(),
        owner: ctx.accounts.owner.key(),
        mint,
        amount_native,
        paid_native: amount_native,
        balance_after_native: balance_after,
        equity_after_native: margin.equity_native,
        initial_margin_after_native: margin.initial_margin_native,
    });
    crate::heap::log_used();
    Ok(())
}
