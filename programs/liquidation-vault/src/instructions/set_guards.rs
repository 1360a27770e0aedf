use anchor_lang::prelude::*;

use crate::events::VaultGuardsEvent;
use crate::instructions::AuthorityOnly;
use crate::state::VaultGuards;

/// Replaces the vault's guards, effective from the next crank (validated:
/// `InvalidGuards`). Setting `paused` stops every crank at once; funds can
/// still be moved by the authority.
pub fn set_guards(ctx: Context<AuthorityOnly>, guards: VaultGuards) -> Result<()> {
    guards.validate()?;
    ctx.accounts.vault.load_mut()?.apply_guards(&guards);
    emit!(VaultGuardsEvent {
        vault: ctx.accounts.vault.key(),
        min_fee_native: guards.min_fee_native,
        max_quantity_per_call: guards.max_quantity_per_call,
        max_calls: guards.max_calls,
        paused: guards.paused,
    });
    Ok(())
}
