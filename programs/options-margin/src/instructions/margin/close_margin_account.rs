use anchor_lang::prelude::*;

use crate::constants::MARGIN_SEED;
use crate::error::ErrorCode;
use crate::state::MarginAccount;

#[derive(Accounts)]
pub struct CloseMarginAccount<'info> {
    pub owner: Signer<'info>,
    /// CHECK: receives the rent; any account the owner chooses.
    #[account(mut)]
    pub rent_receiver: UncheckedAccount<'info>,
    #[account(
        mut,
        close = rent_receiver,
        has_one = owner @ ErrorCode::Unauthorized,
        seeds = [
            MARGIN_SEED,
            margin_account.load()?.exchange.as_ref(),
            margin_account.load()?.owner.as_ref(),
            &margin_account.load()?.account_index.to_le_bytes(),
        ],
        bump = margin_account.load()?.bump,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

/// Closes an account that holds nothing, returning its rent: no balance, no
/// position, nothing counted for loss socialisation (withdraw the last
/// settlement unit first) and no unswept insurance accrual
/// (`sweep_insurance`). Anchor then zeroes the data and hands the account
/// to the system program, so a refund later in the same transaction cannot
/// revive it.
pub fn close_margin_account(ctx: Context<CloseMarginAccount>) -> Result<()> {
    require!(
        ctx.accounts.margin_account.load()?.is_empty(),
        ErrorCode::AccountNotEmpty
    );
    Ok(())
}
