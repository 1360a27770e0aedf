use anchor_lang::prelude::*;

/// Errors of the vault itself; options-margin's own errors (grace period,
/// fee below minimum, unauthorized…) pass through a failed CPI unchanged.
#[error_code]
pub enum VaultError {
    #[msg("max_calls must be between 1 and 8 and equal the number of health splits")]
    InvalidCallCount,
    #[msg("remaining accounts do not add up to the health splits' total")]
    HealthSplitMismatch,
    #[msg("the call would give the vault collateral; the vault only takes over option slices")]
    CollateralLiquidationUnsupported,
    #[msg("a liquidation call must change exactly one of the vault's positions")]
    UnexpectedPositionChange,
    #[msg("the liquidated series is not among the call's margin-check accounts")]
    SeriesAccountMissing,
    #[msg("the vault's settlement balance moved by less than the slice's cash: negative fee")]
    NegativeFee,
    #[msg("arithmetic overflow in fee accounting")]
    MathOverflow,
}
