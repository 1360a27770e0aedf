//! A shard of the counted settlement balances.

use anchor_lang::prelude::*;

/// One of `LOSS_SHARDS` accumulators of the counted settlement balances
/// (`options_margin_risk::socialized`), at `["loss_shard", exchange, index]`.
/// A margin account belongs to shard `loss_shard_index(its address)`; every
/// instruction that changes its settlement balance (deposit, withdraw,
/// trade, settle_positions, the checkpoint, bankruptcy) re-counts it in its
/// shard, so the Σ over the shards is the exact base a socialised loss is
/// spread over. Sharding keeps trades on different accounts from queueing
/// behind one exchange-wide account; liquidations write no shard at all.
#[account(zero_copy)]
#[derive(Debug)]
pub struct LossShard {
    /// Exchange it belongs to. Offset 8.
    pub exchange: Pubkey,
    /// unit: quote native. Σ `counted_settlement_native` of this shard's margin accounts.
    pub counted_total_native: i64,
    /// Shard index (part of the seeds).
    pub index: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    pub _padding: [u8; 6],
    pub reserved: [u8; 64],
}

const _: () = assert!(core::mem::size_of::<LossShard>() == 32 + 8 + 8 + 64);

impl LossShard {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<LossShard>();
}
