use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use options_margin::program::OptionsMargin;

use crate::error::VaultError;
use crate::state::{Vault, VAULT_SEED};

#[derive(Accounts)]
pub struct DepositToMargin<'info> {
    pub authority: Signer<'info>,
    #[account(
        seeds = [VAULT_SEED, exchange.key().as_ref(), vault.load()?.creator.as_ref()],
        bump = vault.load()?.bump,
        has_one = authority @ VaultError::NotAuthority,
        has_one = exchange,
        has_one = margin_account,
    )]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: pinned by the vault; options-margin validates it.
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: pinned by the vault; options-margin validates it.
    #[account(mut)]
    pub margin_account: UncheckedAccount<'info>,
    /// CHECK: options-margin's collateral config of the mint (validated by it).
    #[account(mut)]
    pub collateral: UncheckedAccount<'info>,
    /// CHECK: the collateral mint (validated by options-margin).
    pub mint: UncheckedAccount<'info>,
    /// CHECK: options-margin's token vault of the mint (validated by it).
    #[account(mut)]
    pub collateral_vault: UncheckedAccount<'info>,
    /// CHECK: options-margin's loss shard of the margin account (validated by it).
    #[account(mut)]
    pub loss_shard: UncheckedAccount<'info>,
    /// The pool's tokens, held by the vault PDA.
    #[account(mut, token::authority = vault)]
    pub vault_token: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    /// CHECK: options-margin's event authority (validated by it).
    pub event_authority: UncheckedAccount<'info>,
    pub options_margin_program: Program<'info, OptionsMargin>,
}

/// `amount_native` (token native) of the vault's tokens into its margin
/// account, through options-margin's `deposit` signed by the vault PDA.
pub fn deposit_to_margin(ctx: Context<DepositToMargin>, amount_native: u64) -> Result<()> {
    let a = &ctx.accounts;
    let vault = *a.vault.load()?;
    let seeds = vault.signer_seeds();
    options_margin::cpi::deposit(
        CpiContext::new_with_signer(
            options_margin::ID,
            options_margin::cpi::accounts::Deposit {
                owner: a.vault.to_account_info(),
                exchange: a.exchange.to_account_info(),
                margin_account: a.margin_account.to_account_info(),
                collateral: a.collateral.to_account_info(),
                mint: a.mint.to_account_info(),
                vault: a.collateral_vault.to_account_info(),
                loss_shard: a.loss_shard.to_account_info(),
                owner_token: a.vault_token.to_account_info(),
                token_program: a.token_program.to_account_info(),
                event_authority: a.event_authority.to_account_info(),
                program: a.options_margin_program.to_account_info(),
            },
            &[&seeds],
        ),
        amount_native,
    )
}
