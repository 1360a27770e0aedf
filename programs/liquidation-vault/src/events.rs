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
