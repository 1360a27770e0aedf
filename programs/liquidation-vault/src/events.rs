use anchor_lang::prelude::*;

/// One `liquidate` crank (logged with `emit!`; options-margin's own
/// `LiquidationEvent` of each call is emitted by options-margin).
#[event]
pub struct VaultLiquidationEvent {
    pub vault: Pubkey,
    pub liquidatee: Pubkey,
    /// Calls made (all succeeded, or the instruction failed).
    pub calls: u8,
    /// unit: quote native. Fees the vault earned in this crank, net of the
    /// insurance fund's share.
    pub fees_native: u64,
    /// unit: quote native. Running total after this crank.
    pub fees_earned_total_native: u64,
}

/// The authority changed the guards (`set_guards`).
#[event]
pub struct VaultGuardsEvent {
    pub vault: Pubkey,
    /// unit: quote native.
    pub min_fee_native: u64,
    /// unit: contracts.
    pub max_quantity_per_call: u64,
    pub max_calls: u8,
    pub paused: bool,
}

/// A step of the authority's keys: a proposal, an acceptance or a new keeper.
#[event]
pub struct VaultAuthorityEvent {
    pub vault: Pubkey,
    pub authority: Pubkey,
    pub pending_authority: Pubkey,
    pub keeper: Pubkey,
}

/// Tokens left the vault's token account (`withdraw_tokens`).
#[event]
pub struct VaultWithdrawEvent {
    pub vault: Pubkey,
    pub mint: Pubkey,
    pub destination: Pubkey,
    /// unit: token native.
    pub amount_native: u64,
}
