//! # liquidation-vault
//!
//! A **single-owner liquidator** of options-margin: the pooled capital of
//! one authority, put to work by that authority (or a keeper key it names)
//! through options-margin's `partial_liquidate`. It is not a fund for many
//! depositors: there are no shares, no per-depositor balances and no
//! deposit or redemption queue; whoever holds the authority key owns every
//! token and position of the vault.
//!
//! - **Addresses.** Any key may create its own [`state::Vault`] on an
//!   exchange, at `["vault", exchange, creator]`; nobody can create (squat)
//!   another key's vault. The vault PDA owns margin account 0 on that
//!   exchange (it is the margin account's `owner`, so it is the signer
//!   options-margin sees) and the token accounts that fund it.
//! - **Keys.** The `authority` (the creator at first) is transferred in two
//!   steps ([`liquidation_vault::propose_authority`] /
//!   [`liquidation_vault::accept_authority`]). It may name a `keeper`
//!   ([`liquidation_vault::set_keeper`]) that can crank but can neither move
//!   funds nor change guards.
//! - **Guards** ([`liquidation_vault::set_guards`], authority only) bind
//!   every crank: a floor on each call's minimum fee, a cap on each call's
//!   quantity, a cap on calls per crank (≤ 8) and a pause switch.
//! - **Funds.** In: tokens sent to a token account held by the vault PDA,
//!   then [`liquidation_vault::deposit_to_margin`]. Out:
//!   [`liquidation_vault::withdraw_from_margin`] (options-margin's
//!   `withdraw`, so its initial-margin check applies) into that token
//!   account, then [`liquidation_vault::withdraw_tokens`] to any token
//!   account the authority names.
//! - **Crank.** [`liquidation_vault::liquidate`], signed by the authority or
//!   the keeper, calls `partial_liquidate` up to `max_calls` times in one
//!   instruction, all or nothing, signing as the vault PDA, and records the
//!   fees the vault earned.
//!
//! The vault takes over option slices only: its settlement capital is not
//! meant to carry volatile collateral, so a call that would hand the vault
//! collateral fails ([`error::VaultError::CollateralLiquidationUnsupported`]).

use anchor_lang::prelude::*;

pub mod accounting;
pub mod error;
pub mod events;
pub mod instructions;
pub mod pda;
pub mod state;

use instructions::*;
use state::VaultGuards;

declare_id!("HDa312SUzfwh9jdtQ6TNkJfRp2Pz8eEr4k6dSy6Bbuij");

#[program]
pub mod liquidation_vault {
    use super::*;

    // ---- setup and keys ----

    /// Creates the signer's vault of `exchange` at `["vault", exchange,
    /// signer]` and, through CPI, its options-margin margin account 0 owned
    /// by the vault PDA. The signer pays both rents and becomes the
    /// authority; the guards start open (see [`state::Vault::set_default_guards`]).
    /// Fails if that vault or its margin account already exists.
    pub fn initialize_vault(ctx: Context<InitializeVault>) -> Result<()> {
        instructions::initialize_vault(ctx)
    }

    /// Authority only: proposes a new authority (step one of two);
    /// `Pubkey::default()` cancels a proposal.
    pub fn propose_authority(ctx: Context<AuthorityOnly>, new_authority: Pubkey) -> Result<()> {
        instructions::propose_authority(ctx, new_authority)
    }

    /// The proposed authority accepts (step two of two).
    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        instructions::accept_authority(ctx)
    }

    /// Authority only: the key that may crank besides the authority;
    /// `Pubkey::default()` = only the authority.
    pub fn set_keeper(ctx: Context<AuthorityOnly>, keeper: Pubkey) -> Result<()> {
        instructions::set_keeper(ctx, keeper)
    }

    /// Authority only: the fee floor, quantity cap, call cap and pause
    /// switch every crank obeys.
    pub fn set_guards(ctx: Context<AuthorityOnly>, guards: VaultGuards) -> Result<()> {
        instructions::set_guards(ctx, guards)
    }

    // ---- funds ----

    /// Authority only: moves `amount_native` (token native units) from the
    /// vault's own token account into its margin account through
    /// options-margin's `deposit`, signed by the vault PDA.
    pub fn deposit_to_margin(ctx: Context<DepositToMargin>, amount_native: u64) -> Result<()> {
        instructions::deposit_to_margin(ctx, amount_native)
    }

    /// Authority only: moves `amount_native` (token native units) from the
    /// vault's margin account into its own token account through
    /// options-margin's `withdraw`, signed by the vault PDA;
    /// `remaining_accounts` are that withdrawal's margin-check accounts.
    pub fn withdraw_from_margin<'info>(
        ctx: Context<'info, WithdrawFromMargin<'info>>,
        amount_native: u64,
    ) -> Result<()> {
        instructions::withdraw_from_margin(ctx, amount_native)
    }

    /// Authority only: pays `amount_native` (token native units) from the
    /// vault's token account to any token account of the same mint.
    pub fn withdraw_tokens(ctx: Context<WithdrawTokens>, amount_native: u64) -> Result<()> {
        instructions::withdraw_tokens(ctx, amount_native)
    }

    // ---- crank ----

    /// Authority or keeper: `max_calls` (1..=the vault's `max_calls`) calls
    /// of options-margin's `partial_liquidate` of one account into the
    /// vault's margin account, each with `max_quantity` (contracts, capped
    /// by the vault) and `min_fee_native` (quote native, floored by the
    /// vault), all or nothing. `health_splits` has one entry per call;
    /// `remaining_accounts` are the calls' margin-check account groups back
    /// to back (see [`instructions::liquidate`]).
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
