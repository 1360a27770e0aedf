use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, TransferChecked};

use crate::error::VaultError;
use crate::events::VaultWithdrawEvent;
use crate::state::{Vault, VAULT_SEED};

#[derive(Accounts)]
pub struct WithdrawTokens<'info> {
    pub authority: Signer<'info>,
    #[account(
        seeds = [VAULT_SEED, vault.load()?.exchange.as_ref(), vault.load()?.creator.as_ref()],
        bump = vault.load()?.bump,
        has_one = authority @ VaultError::NotAuthority,
    )]
    pub vault: AccountLoader<'info, Vault>,
    /// The pool's tokens, held by the vault PDA.
    #[account(mut, token::mint = mint, token::authority = vault)]
    pub vault_token: Account<'info, TokenAccount>,
    pub mint: Account<'info, Mint>,
    /// Any token account of the mint, chosen by the authority.
    #[account(mut, token::mint = mint)]
    pub destination: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Pays `amount_native` (token native) from the vault's token account to
/// `destination`, signed by the vault PDA: how pooled capital leaves the
/// program (after `withdraw_from_margin`).
pub fn withdraw_tokens(ctx: Context<WithdrawTokens>, amount_native: u64) -> Result<()> {
    require!(amount_native > 0, VaultError::ZeroAmount);
    let a = &ctx.accounts;
    let vault = *a.vault.load()?;
    let seeds = vault.signer_seeds();
    token::transfer_checked(
        CpiContext::new_with_signer(
            a.token_program.key(),
            TransferChecked {
                from: a.vault_token.to_account_info(),
                mint: a.mint.to_account_info(),
                to: a.destination.to_account_info(),
                authority: a.vault.to_account_info(),
            },
            &[&seeds],
        ),
        amount_native,
        a.mint.decimals,
    )?;
    emit!(VaultWithdrawEvent {
        vault: a.vault.key(),
        mint: a.mint.key(),
        destination: a.destination.key(),
        amount_native,
    });
    Ok(())
}
