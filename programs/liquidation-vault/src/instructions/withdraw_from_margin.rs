use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use options_margin::program::OptionsMargin;

use crate::error::VaultError;
use crate::state::{Vault, VAULT_SEED};

#[derive(Accounts)]
pub struct WithdrawFromMargin<'info> {
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
    /// CHECK: options-margin's `["vault_authority", exchange]` (validated by it).
    pub collateral_vault_authority: UncheckedAccount<'info>,
    /// Receives the tokens: the pool's own token account, held by the vault
    /// PDA (so this instruction alone never pays anyone else).
    #[account(mut, token::authority = vault)]
    pub vault_token: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    /// CHECK: options-margin's event authority (validated by it).
    pub event_authority: UncheckedAccount<'info>,
    pub options_margin_program: Program<'info, OptionsMargin>,
}

/// `amount_native` (token native) out of the vault's margin account into
/// its token account, through options-margin's `withdraw` signed by the
/// vault PDA. `remaining_accounts` are the margin-check accounts of the
/// margin account's state *after* the withdrawal, exactly as `withdraw`
/// takes them; options-margin refuses a withdrawal that would leave it below
/// initial margin (`BelowInitialMargin`) or any other it would refuse.
pub fn withdraw_from_margin<'info>(
    ctx: Context<'info, WithdrawFromMargin<'info>>,
    amount_native: u64,
) -> Result<()> {
    let a = &ctx.accounts;
    let vault = *a.vault.load()?;
    let seeds = vault.signer_seeds();
    let signer: &[&[&[u8]]] = &[&seeds];
    options_margin::cpi::withdraw(
        CpiContext::new_with_signer(
            options_margin::ID,
            options_margin::cpi::accounts::Withdraw {
                owner: a.vault.to_account_info(),
                exchange: a.exchange.to_account_info(),
                margin_account: a.margin_account.to_account_info(),
                collateral: a.collateral.to_account_info(),
                mint: a.mint.to_account_info(),
                vault: a.collateral_vault.to_account_info(),
                loss_shard: a.loss_shard.to_account_info(),
                vault_authority: a.collateral_vault_authority.to_account_info(),
                destination: a.vault_token.to_account_info(),
                token_program: a.token_program.to_account_info(),
                event_authority: a.event_authority.to_account_info(),
                program: a.options_margin_program.to_account_info(),
            },
            signer,
        )
        .with_remaining_accounts(ctx.remaining_accounts.to_vec()),
        amount_native,
    )
}
