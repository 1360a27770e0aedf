//! The vault's keys: the two-step authority transfer and the keeper.

use anchor_lang::prelude::*;

use crate::error::VaultError;
use crate::events::VaultAuthorityEvent;
use crate::state::{Vault, VAULT_SEED};

/// Accounts of every instruction only the vault authority may send that
/// touches nothing but the vault.
#[derive(Accounts)]
pub struct AuthorityOnly<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [VAULT_SEED, vault.load()?.exchange.as_ref(), vault.load()?.creator.as_ref()],
        bump = vault.load()?.bump,
        has_one = authority @ VaultError::NotAuthority,
    )]
    pub vault: AccountLoader<'info, Vault>,
}

#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    pub pending_authority: Signer<'info>,
    #[account(
        mut,
        seeds = [VAULT_SEED, vault.load()?.exchange.as_ref(), vault.load()?.creator.as_ref()],
        bump = vault.load()?.bump,
    )]
    pub vault: AccountLoader<'info, Vault>,
}

fn emit_keys(key: Pubkey, vault: &Vault) {
    emit!(VaultAuthorityEvent {
        vault: key,
        authority: vault.authority,
        pending_authority: vault.pending_authority,
        keeper: vault.keeper,
    });
}

/// First step of an authority transfer; `Pubkey::default()` cancels it.
/// The current authority keeps every right until the new key accepts.
pub fn propose_authority(ctx: Context<AuthorityOnly>, new_authority: Pubkey) -> Result<()> {
    let mut vault = ctx.accounts.vault.load_mut()?;
    vault.pending_authority = new_authority;
    emit_keys(ctx.accounts.vault.key(), &vault);
    Ok(())
}

/// Second step: the proposed key signs, so a typo can never lock the pool.
/// The keeper is kept (the new authority may replace it with `set_keeper`).
pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
    let mut vault = ctx.accounts.vault.load_mut()?;
    let signer = ctx.accounts.pending_authority.key();
    require!(
        vault.pending_authority != Pubkey::default() && vault.pending_authority == signer,
        VaultError::NoPendingAuthority
    );
    vault.authority = signer;
    vault.pending_authority = Pubkey::default();
    emit_keys(ctx.accounts.vault.key(), &vault);
    Ok(())
}

/// Names the key that may crank besides the authority; it can move no
/// funds and change no guard. `Pubkey::default()` removes it.
pub fn set_keeper(ctx: Context<AuthorityOnly>, keeper: Pubkey) -> Result<()> {
    let mut vault = ctx.accounts.vault.load_mut()?;
    vault.keeper = keeper;
    emit_keys(ctx.accounts.vault.key(), &vault);
    Ok(())
}
