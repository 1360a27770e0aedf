use anchor_lang::prelude::*;

/// Seed of the vault: `["vault", options-margin exchange]`.
pub const VAULT_SEED: &[u8] = b"vault";
/// The options-margin account index the vault uses.
pub const VAULT_MARGIN_ACCOUNT_INDEX: u16 = 0;
/// Most `partial_liquidate` calls one crank may make.
pub const MAX_CALLS_PER_CRANK: u8 = 8;

/// A pooled liquidator. Its PDA is the owner (and the CPI signer) of an
/// options-margin margin account and the authority of the token accounts
/// that fund it.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Vault {
    /// The options-margin exchange. Offset 8.
    pub exchange: Pubkey,
    /// May move the vault's tokens into its margin account.
    pub admin: Pubkey,
    /// The vault's options-margin margin account.
    pub margin_account: Pubkey,
    /// The exchange's settlement mint (the unit fees are paid in).
    pub settlement_mint: Pubkey,
    /// unit: quote native. Fees received, net of the insurance share, over
    /// every crank.
    pub fees_earned_native: u64,
    /// Successful `partial_liquidate` calls made by the vault.
    pub liquidation_calls: u64,
    /// Canonical bump of the vault PDA.
    pub bump: u8,
    pub _padding: [u8; 7],
    pub reserved: [u8; 64],
}

impl Vault {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Vault>();
}

const _: () = assert!(core::mem::size_of::<Vault>() == 4 * 32 + 8 + 8 + 8 + 64);
const _: () = assert!(core::mem::align_of::<Vault>() == 8);
