//! PDA seeds and hard limits of the program.

pub use options_margin_risk::BPS;

/// Seed of the exchange config PDA: `["exchange", creator]`.
pub const EXCHANGE_SEED: &[u8] = b"exchange";
/// Seed of the PDA that owns every vault: `["vault_authority", exchange]`.
pub const VAULT_AUTHORITY_SEED: &[u8] = b"vault_authority";
/// Seed of a collateral config: `["collateral", exchange, mint]`.
pub const COLLATERAL_SEED: &[u8] = b"collateral";
/// Seed of a collateral vault token account: `["vault", exchange, mint]`.
pub const VAULT_SEED: &[u8] = b"vault";
/// Seed of a margin account: `["margin", exchange, owner, index (u16 LE)]`.
pub const MARGIN_SEED: &[u8] = b"margin";

/// Collateral balances one margin account can hold at once (slot 0 is the
/// settlement collateral's, the others volatile mints).
pub const MAX_ACCOUNT_COLLATERALS: usize = 8;
/// Option positions one margin account can hold at once.
pub const MAX_ACCOUNT_POSITIONS: usize = 32;
/// Accounts a margin check of one margin account may read
/// (`MarginAccount::width`: 2 per volatile collateral, 1 per position, 2 per
/// underlying). A transaction may lock at most 64 accounts; the widest
/// instruction on one account, `withdraw`, adds 12 fixed keys (owner,
/// exchange, margin account, collateral, mint, vault, vault authority,
/// destination, token program, event authority, this program, the
/// compute-budget program) and `partial_liquidate` 7 (liquidator, exchange,
/// both margin accounts, event authority, this program, compute budget),
/// so 48 leaves room for a separate fee payer and a CPI caller's own
/// accounts. Deposits and trades that would cross it fail with `AccountTooWide`.
pub const MAX_ACCOUNT_WIDTH: usize = 48;
/// Seed of a loss shard: `["loss_shard", exchange, index u8]`.
pub const LOSS_SHARD_SEED: &[u8] = b"loss_shard";
/// Loss shards per exchange (see `state::LossShard`).
pub const LOSS_SHARDS: u8 = 16;

/// The loss shard of the margin account at `margin`.
pub fn loss_shard_index(margin: &anchor_lang::prelude::Pubkey) -> u8 {
    margin.to_bytes()[0] % LOSS_SHARDS
}

/// Collateral mints one exchange can register.
pub const MAX_EXCHANGE_COLLATERALS: u8 = 16;

/// Decimals the settlement collateral must have (quote native = 1e-6 USD).
pub const SETTLEMENT_DECIMALS: u8 = 6;
/// Largest token decimals a collateral may have.
pub const MAX_COLLATERAL_DECIMALS: u8 = 12;

/// Seed of an underlying: `["underlying", exchange, index u8]`.
pub const UNDERLYING_SEED: &[u8] = b"underlying";
/// Seed of a series: `["series", underlying, is_call u8, strike_e12 LE, expiry LE]`.
pub const SERIES_SEED: &[u8] = b"series";
/// Underlyings one exchange can register.
pub const MAX_UNDERLYINGS: u8 = 8;
/// unit: seconds. Longest time to expiry a series may be created with (2 years).
pub const MAX_SERIES_TENOR_SECS: i64 = 2 * 365 * 86_400;
/// precision: e6. Volatility bounds: 1% to 500%.
pub use options_margin_risk::black76::{MAX_VOL_E6, MIN_VOL_E6};
