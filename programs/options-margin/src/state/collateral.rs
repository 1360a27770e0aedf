//! A registered collateral mint: its oracle, weights and vault.

use anchor_lang::prelude::*;

use crate::oracle::OracleConfig;

/// One collateral mint of an exchange, at `["collateral", exchange, mint]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Collateral {
    /// Exchange this collateral belongs to. Offset 8.
    pub exchange: Pubkey,
    /// The SPL mint. Offset 40.
    pub mint: Pubkey,
    /// Program-owned token account holding every deposit, at `["vault", exchange, mint]`.
    pub vault: Pubkey,
    /// How the price is read and validated.
    pub oracle: OracleConfig,
    /// unit: token native. What the vault holds: Σ of every margin account's
    /// balance of this mint, plus, for the settlement collateral, the
    /// insurance fund (`Exchange::insurance_native`).
    pub total_balance_native: i64,
    /// unit: token native. Deposits are refused past this total.
    pub deposit_cap_native: u64,
    /// unit: token native (settlement only). Part of `socialized_loss_native`
    /// no loss index could assign (beyond every counted balance, or nothing
    /// counted): the vault is short by it until insurance deposits repay it.
    pub unassigned_loss_native: i64,
    /// unit: bps. Asset weight for initial margin (≤ maint weight).
    pub init_weight_bps: u16,
    /// unit: bps. Asset weight for maintenance margin (≤ 10_000).
    pub maint_weight_bps: u16,
    /// Mint decimals.
    pub decimals: u8,
    /// Registration order within the exchange (0 = settlement).
    pub index: u8,
    /// 1 for the settlement (quote) collateral, else 0.
    pub is_settlement: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Canonical bump of the vault PDA.
    pub vault_bump: u8,
    pub _padding: [u8; 7],
    /// unit: token native (settlement only). Socialised loss not yet booked
    /// against the accounts that bear it: the vault holds
    /// `total_balance_native − socialized_loss_native`. Each account's share
    /// is booked at its next deposit, withdrawal or checkpoint (any excess
    /// of the rounded-up shares goes to insurance); insurance deposits repay
    /// it first.
    pub socialized_loss_native: i64,
    /// Oracle proposed by the admin (applies with the weights below).
    pub pending_oracle: OracleConfig,
    /// unit: bps. Proposed initial-margin weight.
    pub pending_init_weight_bps: u16,
    /// unit: bps. Proposed maintenance-margin weight.
    pub pending_maint_weight_bps: u16,
    pub _pending_padding: [u8; 4],
    /// unit: unix seconds. When the proposal may be applied (0: none pending).
    pub pending_apply_ts: i64,
    pub reserved: [u8; 56],
}

const _: () = assert!(core::mem::size_of::<Collateral>() == 96 + 48 + 24 + 16 + 128);
const _: () = assert!(core::mem::align_of::<Collateral>() == 8);

impl Collateral {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Collateral>();

    pub fn is_settlement(&self) -> bool {
        self.is_settlement == 1
    }
}
