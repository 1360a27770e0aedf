use anchor_lang::prelude::*;

/// Errors of the vault itself; options-margin's own errors (grace period,
/// fee below minimum, below initial margin…) pass through a failed CPI
/// unchanged. New variants go at the end: the codes are part of the API.
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
    #[msg("only the vault authority may do this")]
    NotAuthority,
    #[msg("only the vault authority or its keeper may crank the vault")]
    NotCranker,
    #[msg("the vault is paused by its authority: no liquidation")]
    VaultPaused,
    #[msg("more calls than the vault's max_calls guard allows")]
    CallCapExceeded,
    #[msg("guards: max_calls must be 1..=8 and max_quantity_per_call at least 1")]
    InvalidGuards,
    #[msg("the signer is not the proposed vault authority (or none is proposed)")]
    NoPendingAuthority,
    #[msg("amount must be positive")]
    ZeroAmount,
}
