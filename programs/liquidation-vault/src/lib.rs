//! # liquidation-vault
//!
//! A pooled-capital liquidator of options-margin. One [`state::Vault`] per
//! options-margin exchange, at `["vault", exchange]`, owns margin account 0
//! on that exchange (the vault PDA is the margin account's `owner`, so it is
//! the signer options-margin sees). Capital enters through the vault's token
//! account and [`liquidation_vault::deposit_to_margin`]; anyone may then
//! crank [`liquidation_vault::liquidate`], which calls options-margin's
//! `partial_liquidate` up to `max_calls` times in one instruction, signing
//! as the vault PDA, and records the fees the vault earned.
//!
//! The vault takes over option slices only: pooled settlement capital is
//! not meant to carry volatile collateral, so a call that would hand the
//! vault collateral fails ([`error::VaultError::CollateralLiquidationUnsupported`]).

use anchor_lang::prelude::*;

pub mod accounting;
pub mod error;
pub mod events;
pub mod instructions;
pub mod pda;
pub mod state;

use instructions::*;

declare_id!("HDa312SUzfwh9jdtQ6TNkJfRp2Pz8eEr4k6dSy6Bbuij");

#[program]
pub mod liquidation_vault {
    use super::*;

    /// Creates the vault of `exchange` at `["vault", exchange]` and, through
    /// CPI, its options-margin margin account 0 owned by the vault PDA. The
    /// caller pays both rents and becomes the vault admin. Fails if the vault
    /// or its margin account already exists.
    pub fn initialize_vault(ctx: Context<InitializeVault>) -> Result<()> {
        instructions::initialize_vault(ctx)
    }

    /// Admin only: moves `amount_native` (token native units) from the
    /// vault's own token account into its margin account through
    /// options-margin's `deposit`, signed by the vault PDA.
    pub fn deposit_to_margin(ctx: Context<DepositToMargin>, amount_native: u64) -> Result<()> {
        instructions::deposit_to_margin(ctx, amount_native)
    }

    /// Permissionless crank: `max_calls` (1..=8) calls of options-margin's
    /// `partial_liquidate` of one account into the vault's margin account,
    /// each with the caller's `max_quantity` (contracts) and
    /// `min_fee_native` (quote native), all or nothing. `health_splits` has
    /// one entry per call; `remaining_accounts` are the calls' margin-check
    /// account groups back to back (see [`instructions::liquidate`]).
    pub fn liquidate<'info>(
        ctx: Context<'info, Liquidate<'info>>,
        max_calls: u8,
        max_quantity: u64,
        min_fee_native: u64,
        health_splits: Vec<HealthSplit>,
    ) -> Result<()> {
        instructions::liquidate(ctx, max_calls, max_quantity, min_fee_native, health_splits)
    }
}
