use anchor_lang::prelude::*;

use crate::error::VaultError;

/// Seed of the vault: `["vault", options-margin exchange, creator]`.
pub const VAULT_SEED: &[u8] = b"vault";
/// The options-margin account index the vault uses.
pub const VAULT_MARGIN_ACCOUNT_INDEX: u16 = 0;
/// Most `partial_liquidate` calls one crank may make.
pub const MAX_CALLS_PER_CRANK: u8 = 8;

/// A single-owner liquidator: the capital of one authority, put to work by
/// that authority (or its keeper) through options-margin's
/// `partial_liquidate`. Its PDA is the owner (and the CPI signer) of an
/// options-margin margin account and the authority of the token accounts
/// that fund it.
///
/// The address is `["vault", exchange, creator]`: each key can create its
/// own vault on an exchange and nobody can create (squat) anyone else's.
/// `creator` never changes, so the address stays put when `authority` is
/// transferred.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Vault {
    /// The options-margin exchange. Offset 8.
    pub exchange: Pubkey,
    /// The key that created the vault: a seed of its address. Not a
    /// permission (after a transfer it may differ from `authority`).
    pub creator: Pubkey,
    /// Owns the pool: sets the guards and the keeper, moves funds in and
    /// out, cranks.
    pub authority: Pubkey,
    /// Proposed by `authority`, becomes it by signing `accept_authority`;
    /// `Pubkey::default()` = no transfer under way.
    pub pending_authority: Pubkey,
    /// May crank `liquidate` besides the authority (a bot's hot key that
    /// cannot move funds); `Pubkey::default()` = only the authority.
    pub keeper: Pubkey,
    /// The vault's options-margin margin account.
    pub margin_account: Pubkey,
    /// The exchange's settlement mint (the unit fees are paid in).
    pub settlement_mint: Pubkey,
    /// unit: quote native. Fees received, net of the insurance share, over
    /// every crank.
    pub fees_earned_native: u64,
    /// Successful `partial_liquidate` calls made by the vault.
    pub liquidation_calls: u64,
    /// unit: quote native. Floor of every call's `min_fee_native`: a crank
    /// asking for less is raised to it, so no signer can make the pool take
    /// risk for less than the authority's price.
    pub min_fee_native: u64,
    /// unit: contracts. Cap of every call's `max_quantity`: a crank asking
    /// for more is lowered to it.
    pub max_quantity_per_call: u64,
    /// Most calls one crank may make (1..=[`MAX_CALLS_PER_CRANK`]); a crank
    /// asking for more is refused.
    pub max_calls: u8,
    /// Non-zero: `liquidate` is refused. Funds can still move.
    pub paused: u8,
    /// Canonical bump of the vault PDA.
    pub bump: u8,
    pub _padding: [u8; 5],
    pub reserved: [u8; 64],
}

impl Vault {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Vault>();

    /// Guards of a new vault: no fee floor, no quantity cap, the largest
    /// crank, running. Only the authority can crank until it names a keeper,
    /// so these bind nobody but itself until it sets its own.
    pub fn set_default_guards(&mut self) {
        self.apply_guards(&VaultGuards {
            min_fee_native: 0,
            max_quantity_per_call: u64::MAX,
            max_calls: MAX_CALLS_PER_CRANK,
            paused: false,
        });
    }

    pub fn apply_guards(&mut self, g: &VaultGuards) {
        self.min_fee_native = g.min_fee_native;
        self.max_quantity_per_call = g.max_quantity_per_call;
        self.max_calls = g.max_calls;
        self.paused = u8::from(g.paused);
    }

    pub fn guards(&self) -> VaultGuards {
        VaultGuards {
            min_fee_native: self.min_fee_native,
            max_quantity_per_call: self.max_quantity_per_call,
            max_calls: self.max_calls,
            paused: self.paused != 0,
        }
    }

    /// The vault PDA's signer seeds (with its stored canonical bump), for
    /// the CPIs it signs. Copy the vault out of its loader first.
    pub fn signer_seeds(&self) -> [&[u8]; 4] {
        [
            VAULT_SEED,
            self.exchange.as_ref(),
            self.creator.as_ref(),
            core::slice::from_ref(&self.bump),
        ]
    }

    /// The authority, or the keeper when one is set.
    pub fn may_crank(&self, signer: &Pubkey) -> bool {
        *signer == self.authority || (self.keeper != Pubkey::default() && *signer == self.keeper)
    }
}

/// The limits the authority puts on every crank (see the fields of
/// [`Vault`] of the same names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub struct VaultGuards {
    /// unit: quote native. Floor of every call's minimum fee.
    pub min_fee_native: u64,
    /// unit: contracts. Cap of every call's quantity, at least 1 (pause to
    /// stop cranking).
    pub max_quantity_per_call: u64,
    /// Most calls per crank, 1..=[`MAX_CALLS_PER_CRANK`].
    pub max_calls: u8,
    /// `liquidate` refused while set.
    pub paused: bool,
}

impl VaultGuards {
    pub fn validate(&self) -> Result<()> {
        require!(
            (1..=MAX_CALLS_PER_CRANK).contains(&self.max_calls) && self.max_quantity_per_call > 0,
            VaultError::InvalidGuards
        );
        Ok(())
    }
}

const _: () = assert!(core::mem::size_of::<Vault>() == 7 * 32 + 4 * 8 + 8 + 64);
const _: () = assert!(core::mem::align_of::<Vault>() == 8);
