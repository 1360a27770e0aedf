//! PDA seeds and hard limits of the program.

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

/// Collateral balances one margin account can hold at once.
pub const MAX_ACCOUNT_COLLATERALS: usize = 8;
/// Option positions one margin account can hold at once.
pub const MAX_ACCOUNT_POSITIONS: usize = 32;
/// Collateral mints one exchange can register.
pub const MAX_EXCHANGE_COLLATERALS: u8 = 16;

/// Decimals the settlement collateral must have (quote native = 1e-6 USD).
pub const SETTLEMENT_DECIMALS: u8 = 6;
/// Largest token decimals a collateral may have.
pub const MAX_COLLATERAL_DECIMALS: u8 = 12;

/// unit: bps. 1.0 expressed in basis points.
pub const BPS: u64 = 10_000;
/// Seed of an underlying: `["underlying", exchange, index u8]`.
pub const UNDERLYING_SEED: &[u8] = b"underlying";
/// Seed of a series: `["series", underlying, is_call u8, strike_e12 LE, expiry LE]`.
pub const SERIES_SEED: &[u8] = b"series";
/// Underlyings one exchange can register.
pub const MAX_UNDERLYINGS: u8 = 8;
/// unit: seconds. Longest time to expiry a series may be created with (2 years).
pub const MAX_SERIES_TENOR_SECS: i64 = 2 * 365 * 86_400;
/// precision: e6. Volatility bounds: 1% to 500%.
pub const MIN_VOL_E6: u32 = 10_000;
pub const MAX_VOL_E6: u32 = 5_000_000;
