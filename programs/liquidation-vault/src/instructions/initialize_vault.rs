use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Transfer};
use options_margin::create::{create_pda_account, write_new_account, NewPda};
use options_margin::program::OptionsMargin;
use options_margin::state::{Exchange, MarginAccount};

use crate::state::{Vault, VAULT_MARGIN_ACCOUNT_INDEX, VAULT_SEED};

#[derive(Accounts)]
pub struct InitializeVault<'info> {
    /// Pays both rents; becomes the vault's creator (a seed) and authority.
    #[account(mut)]
    pub authority: Signer<'info>,
    pub exchange: AccountLoader<'info, Exchange>,
    /// CHECK: created here at its canonical PDA, which the signer's key is a
    /// seed of: nobody can create another key's vault (options-margin's
    /// `create` helpers also survive a griefer's pre-funding).
    #[account(
        mut,
        seeds = [VAULT_SEED, exchange.key().as_ref(), authority.key().as_ref()],
        bump,
    )]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: options-margin creates it and checks its seeds
    /// `["margin", exchange, vault, 0]`.
    #[account(mut)]
    pub margin_account: UncheckedAccount<'info>,
    pub options_margin_program: Program<'info, OptionsMargin>,
    pub system_program: Program<'info, System>,
}

/// The vault PDA holds data, so the system program cannot debit it: it
/// cannot pay the margin account's rent inside options-margin's
/// `create_margin_account` (where the owner is the payer). The authority
/// therefore pre-funds the margin account's address with exactly its rent;
/// options-margin then creates it by `allocate` + `assign` alone and never
/// debits the vault PDA, which still signs as the owner.
pub fn initialize_vault(ctx: Context<InitializeVault>) -> Result<()> {
    let exchange_key = ctx.accounts.exchange.key();
    let authority = ctx.accounts.authority.key();
    let settlement_mint = ctx.accounts.exchange.load()?.settlement_mint;
    let bump = ctx.bumps.vault;
    let seeds: &[&[u8]] = &[
        VAULT_SEED,
        exchange_key.as_ref(),
        authority.as_ref(),
        &[bump],
    ];
    let new = NewPda {
        payer: ctx.accounts.authority.as_ref(),
        target: ctx.accounts.vault.as_ref(),
        system_program: ctx.accounts.system_program.as_ref(),
    };
    create_pda_account(&new, Vault::SPACE, &crate::ID, seeds)?;

    let rent = Rent::get()?.minimum_balance(MarginAccount::SPACE);
    let current = ctx.accounts.margin_account.lamports();
    if rent > current {
        system_program::transfer(
            CpiContext::new(
                ctx.accounts.system_program.key(),
                Transfer {
                    from: ctx.accounts.authority.to_account_info(),
                    to: ctx.accounts.margin_account.to_account_info(),
                },
            ),
            rent - current,
        )?;
    }
    options_margin::cpi::create_margin_account(
        CpiContext::new_with_signer(
            options_margin::ID,
            options_margin::cpi::accounts::CreateMarginAccount {
                owner: ctx.accounts.vault.to_account_info(),
                exchange: ctx.accounts.exchange.to_account_info(),
                margin_account: ctx.accounts.margin_account.to_account_info(),
                system_program: ctx.accounts.system_program.to_account_info(),
            },
            &[seeds],
        ),
        VAULT_MARGIN_ACCOUNT_INDEX,
    )?;

    let mut vault: Vault = bytemuck::Zeroable::zeroed();
    vault.exchange = exchange_key;
    vault.creator = authority;
    vault.authority = authority;
    vault.margin_account = ctx.accounts.margin_account.key();
    vault.settlement_mint = settlement_mint;
    vault.bump = bump;
    vault.set_default_guards();
    write_new_account(ctx.accounts.vault.as_ref(), &vault)
}
