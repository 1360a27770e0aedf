use anchor_lang::prelude::*;
use options_margin::instructions::LiquidateArgs;
use options_margin::program::OptionsMargin;
use options_margin::state::{MarginAccount, Series};

use crate::accounting::{net_fee_native, taken_slice, Holdings};
use crate::error::VaultError;
use crate::events::VaultLiquidationEvent;
use crate::state::{Vault, MAX_CALLS_PER_CRANK, VAULT_SEED};

#[derive(Accounts)]
pub struct Liquidate<'info> {
    /// The vault authority or its keeper: the pool is nobody else's
    /// counterparty.
    pub cranker: Signer<'info>,
    #[account(
        mut,
        seeds = [VAULT_SEED, exchange.key().as_ref(), vault.load()?.creator.as_ref()],
        bump = vault.load()?.bump,
        has_one = exchange,
        has_one = margin_account,
        constraint = vault.load()?.may_crank(cranker.key) @ VaultError::NotCranker,
    )]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: pinned by the vault; options-margin validates it. Read only:
    /// `partial_liquidate` never writes the exchange, so vault cranks on
    /// different accounts do not queue behind one another.
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: the account liquidated; options-margin validates it.
    #[account(mut)]
    pub liquidatee: UncheckedAccount<'info>,
    /// The vault's margin account: receives the slices and the fees.
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// CHECK: options-margin's event authority (validated by it).
    pub event_authority: UncheckedAccount<'info>,
    pub options_margin_program: Program<'info, OptionsMargin>,
}

/// The margin-check accounts of one call, as options-margin's
/// `partial_liquidate` takes them (see `options_margin::health`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub struct HealthSplit {
    /// The liquidated account's accounts for its state before the call
    /// (the liquidated series writable).
    pub liquidatee: u8,
    /// The vault margin account's accounts for its state after the call.
    pub liquidator: u8,
}

impl HealthSplit {
    fn len(&self) -> usize {
        self.liquidatee as usize + self.liquidator as usize
    }
}

/// Calls `partial_liquidate` `max_calls` times, signing as the vault PDA.
///
/// Each call needs the accounts of *its own* before/after states, which
/// change from call to call (a closed candidate frees a slot of the
/// liquidated account, a new series takes one in the vault's), so
/// `remaining_accounts` are `max_calls` groups back to back, group `i`
/// being `health_splits[i].liquidatee` accounts then
/// `health_splits[i].liquidator`. A client predicts them as for single
/// calls, from the plan of each call in turn.
///
/// The vault's guards bind every signer: a paused vault refuses
/// (`VaultPaused`), more calls than its `max_calls` are refused
/// (`CallCapExceeded`), and each call asks options-margin for at least
/// `max(min_fee_native, vault.min_fee_native)` and at most
/// `min(max_quantity, vault.max_quantity_per_call)` contracts.
///
/// All or nothing: one failing call (grace period, fee below the minimum,
/// account healthy…) fails the whole instruction with options-margin's
/// error, and nothing changes.
pub fn liquidate<'info>(
    ctx: Context<'info, Liquidate<'info>>,
    max_calls: u8,
    max_quantity: u64,
    min_fee_native: u64,
    health_splits: Vec<HealthSplit>,
) -> Result<()> {
    let vault = *ctx.accounts.vault.load()?;
    require!(vault.paused == 0, VaultError::VaultPaused);
    require!(
        (1..=MAX_CALLS_PER_CRANK).contains(&max_calls) && health_splits.len() == max_calls as usize,
        VaultError::InvalidCallCount
    );
    require!(max_calls <= vault.max_calls, VaultError::CallCapExceeded);
    let total: usize = health_splits.iter().map(HealthSplit::len).sum();
    require!(
        total == ctx.remaining_accounts.len(),
        VaultError::HealthSplitMismatch
    );
    let min_fee_native = min_fee_native.max(vault.min_fee_native);
    let max_quantity = max_quantity.min(vault.max_quantity_per_call);
    let settlement_mint = vault.settlement_mint;
    let seeds = vault.signer_seeds();

    let remaining: &'info [AccountInfo<'info>] = ctx.remaining_accounts;
    let mut fees_native = 0u64;
    let mut offset = 0usize;
    for split in &health_splits {
        let group = &remaining[offset..offset + split.len()];
        offset += split.len();
        let before = Holdings::of(&*ctx.accounts.margin_account.load()?, &settlement_mint);
        let args = LiquidateArgs {
            max_quantity,
            min_fee_native,
            health_accounts_liquidatee: split.liquidatee,
        };
        call_partial_liquidate(ctx.accounts, &seeds, group, args)?;
        let after = Holdings::of(&*ctx.accounts.margin_account.load()?, &settlement_mint);
        let taken = taken_slice(&before, &after)?;
        let mark = mark_of(group, &taken.series)?;
        let fee = net_fee_native(&before, &after, &taken, mark)?;
        fees_native = fees_native
            .checked_add(fee)
            .ok_or_else(|| error!(VaultError::MathOverflow))?;
    }

    let mut stored = ctx.accounts.vault.load_mut()?;
    stored.fees_earned_native = stored
        .fees_earned_native
        .checked_add(fees_native)
        .ok_or_else(|| error!(VaultError::MathOverflow))?;
    stored.liquidation_calls = stored
        .liquidation_calls
        .checked_add(u64::from(max_calls))
        .ok_or_else(|| error!(VaultError::MathOverflow))?;
    emit!(VaultLiquidationEvent {
        vault: ctx.accounts.vault.key(),
        liquidatee: ctx.accounts.liquidatee.key(),
        calls: max_calls,
        fees_native,
        fees_earned_total_native: stored.fees_earned_native,
    });
    Ok(())
}

fn call_partial_liquidate<'info>(
    accounts: &Liquidate<'info>,
    seeds: &[&[u8]],
    group: &[AccountInfo<'info>],
    args: LiquidateArgs,
) -> Result<()> {
    let cpi_accounts = options_margin::cpi::accounts::PartialLiquidate {
        liquidator: accounts.vault.to_account_info(),
        exchange: accounts.exchange.to_account_info(),
        liquidatee: accounts.liquidatee.to_account_info(),
        liquidator_account: accounts.margin_account.to_account_info(),
        event_authority: accounts.event_authority.to_account_info(),
        program: accounts.options_margin_program.to_account_info(),
    };
    let signer: &[&[&[u8]]] = &[seeds];
    options_margin::cpi::partial_liquidate(
        CpiContext::new_with_signer(options_margin::ID, cpi_accounts, signer)
            .with_remaining_accounts(group.to_vec()),
        args,
    )
}

/// unit: quote native per contract. The mark of `series`, read from the
/// call's margin-check accounts (options-margin does not change it).
fn mark_of<'info>(group: &'info [AccountInfo<'info>], series: &Pubkey) -> Result<i64> {
    let info = group
        .iter()
        .find(|i| i.key == series)
        .ok_or_else(|| error!(VaultError::SeriesAccountMissing))?;
    let loader = AccountLoader::<Series>::try_from(info)?;
    let mark = loader.load()?.risk.mark_native;
    Ok(mark)
}
