use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, TransferChecked};

use crate::constants::{loss_shard_index, MARGIN_SEED};
use crate::controller::{book_and_recount, recount};
use crate::error::ErrorCode;
use crate::events::DepositEvent;
use crate::math::SafeMath;
use crate::state::{Collateral, Exchange, LossShard, MarginAccount, PAUSE_DEPOSITS};

#[event_cpi]
#[derive(Accounts)]
pub struct Deposit<'info> {
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
    /// The margin account's loss shard (`pda::loss_shard_of`): its
    /// settlement balance is re-counted there.
    #[account(
        mut,
        has_one = exchange,
        constraint = loss_shard.load()?.index == loss_shard_index(&margin_account.key())
            @ ErrorCode::WrongLossShard,
    )]
    pub loss_shard: AccountLoader<'info, LossShard>,
    /// Source of the tokens, owned by the signer.
    #[account(mut, token::mint = mint, token::authority = owner)]
    pub owner_token: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Moves `amount_native` tokens from the owner into the vault and credits the
/// account. Deposits only add assets, so no margin check is needed, but:
///
/// - **Top-ups always go through.** A settlement deposit into an account
///   with open positions or a negative settlement balance (an account that
///   may need margin) ignores the deposit pause and the deposit cap, so
///   neither an admin pause nor a whale filling the cap can stop a trader
///   from saving a position.
/// - A settlement deposit books the account's share of earlier socialised
///   losses first and counts the new balance at the current index, so money
///   deposited after a loss never bears it.
/// - A new volatile mint takes a slot only while the account stays within
///   `MAX_ACCOUNT_WIDTH` (`AccountTooWide`): a deposit must never make an
///   account too wide to liquidate.
pub fn deposit(ctx: Context<Deposit>, amount_native: u64) -> Result<()> {
    require!(amount_native > 0, ErrorCode::ZeroAmount);
    let amount = i64::try_from(amount_native).map_err(|_| error!(ErrorCode::AmountTooLarge))?;
    let exchange = ctx.accounts.exchange.load()?;
    let mint = ctx.accounts.mint.key();
    let balance_after = {
        let mut collateral = ctx.accounts.collateral.load_mut()?;
        let mut account = ctx.accounts.margin_account.load_mut()?;
        let settlement = collateral.is_settlement();
        let top_up = settlement
            && (account.active_positions().next().is_some()
                || account.settlement_balance(&exchange.settlement_mint) < 0);
        if !top_up {
            exchange.require_not_paused(PAUSE_DEPOSITS)?;
        }
        let total = collateral.total_balance_native.safe_add(amount)?;
        require!(
            top_up || total as u64 <= collateral.deposit_cap_native,
            ErrorCode::DepositCapExceeded
        );
        collateral.total_balance_native = total;
        let mut shard = ctx.accounts.loss_shard.load_mut()?;
        if settlement {
            book_and_recount(&mut account, &exchange, &mut collateral, &mut shard)?;
        }
        let slot = account.collateral_slot_or_insert(&mint, &exchange.settlement_mint)?;
        account.require_within_width()?;
        let balance = &mut account.collaterals[slot].balance_native;
        *balance = balance.safe_add(amount)?;
        let balance_after = *balance;
        if settlement {
            recount(&mut account, &exchange, &mut shard)?;
        }
        balance_after
    };

    token::transfer_checked(
        CpiContext::new(
            ctx.accounts.token_program.key(),
            TransferChecked {
                from: ctx.accounts.owner_token.to_account_info(),
                mint: ctx.accounts.mint.to_account_info(),
                to: ctx.accounts.vault.to_account_info(),
                authority: ctx.accounts.owner.to_account_info(),
            },
        ),
        amount_native,
        ctx.accounts.mint.decimals,
    )?;

    emit_cpi!(DepositEvent {
        margin_account: ctx.accounts.margin_account.key(),
        owner: ctx.accounts.owner.key(),
        mint,
        amount_native,
        balance_after_native: balance_after,
    });
    Ok(())
}
