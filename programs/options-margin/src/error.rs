//! The program's one error enum. Codes start at 6000 (Anchor's offset) and,
//! once shipped, never change meaning: add new variants at the end.

use anchor_lang::prelude::*;

#[error_code]
pub enum ErrorCode {
    // ---- oracle ----
    #[msg("Oracle account is not owned by the expected Pyth program")]
    OracleWrongOwner,
    #[msg("Oracle account data is not a valid Pyth price account")]
    OracleInvalidAccount,
    #[msg("Oracle feed id (or legacy price account) does not match the registered feed")]
    OracleWrongFeed,
    #[msg("Pyth price update is not fully verified (VerificationLevel::Full required)")]
    OracleNotFullyVerified,
    #[msg("Oracle price is older than the maximum age")]
    OracleStale,
    #[msg("Oracle price is zero or negative")]
    OracleNonPositivePrice,
    #[msg("Oracle confidence interval is too wide relative to the price")]
    OracleConfidenceTooWide,
    #[msg("Oracle exponent outside the supported range -12..=0")]
    OracleExponentOutOfRange,
    #[msg("Legacy Pyth price is not in Trading status")]
    OracleNotTrading,
    #[msg("Normalised oracle price does not fit the supported range")]
    OraclePriceOutOfRange,
    #[msg("Oracle update is older than one already used for this feed")]
    OracleOutOfOrder,

    // ---- admin and configuration ----
    #[msg("Signer is not the exchange admin")]
    Unauthorized,
    #[msg("Risk parameters out of bounds (tiers must descend to 100%, fractions ascend to 100%, target above the first tier)")]
    InvalidRiskParams,
    #[msg("Collateral parameters out of bounds (weights: init <= maint <= 10000; settlement weights must be 10000)")]
    InvalidCollateralParams,
    #[msg("Pause flags contain undefined bits")]
    InvalidPauseFlags,
    #[msg("No admin transfer is pending for this signer")]
    NoPendingAdmin,
    #[msg("The settlement collateral must be registered first, and only once")]
    SettlementCollateralOrder,
    #[msg("The settlement collateral must have 6 decimals")]
    SettlementDecimals,
    #[msg("Mint decimals above the supported maximum of 12")]
    UnsupportedDecimals,
    #[msg("The exchange cannot register more collateral mints")]
    ExchangeCollateralsFull,
    #[msg("The operation is paused by the admin")]
    Paused,
    // ---- margin accounts ----
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Amount exceeds the largest representable balance (i64::MAX native units)")]
    AmountTooLarge,
    #[msg("Deposit would exceed the collateral's deposit cap")]
    DepositCapExceeded,
    #[msg("Margin account has no free collateral slot")]
    AccountCollateralsFull,
    #[msg("Withdrawal exceeds the account's balance of this collateral")]
    InsufficientBalance,
    #[msg("The account would be below initial margin")]
    BelowInitialMargin,
    #[msg("The account still holds balances or positions")]
    AccountNotEmpty,
    #[msg("Margin-check accounts do not match the account's collaterals and positions (missing, extra, reordered or substituted)")]
    HealthAccountsMismatch,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Risk engine rejected its inputs")]
    RiskEngine,
    #[msg("Oracle config out of bounds (kind 0 or 1, zero padding, max_age_secs 1..=3600, max_conf_bps 1..=2000, conf_k_bps <= 50000, max_conf_bps * conf_k_bps < 1e8)")]
    OracleConfigInvalid,
    #[msg("The account address is already in use")]
    AccountAlreadyInitialized,
    // ---- underlyings, series, volatility ----
    #[msg("Underlying parameters out of bounds (grid, rate, floors or volatility rules)")]
    InvalidUnderlyingParams,
    #[msg("The exchange cannot register more underlyings")]
    ExchangeUnderlyingsFull,
    #[msg(
        "Series parameters out of bounds (strike, expiry within 2 years, contract and lot size)"
    )]
    InvalidSeriesParams,
    #[msg("Signer is not the exchange's volatility authority")]
    NotVolAuthority,
    #[msg("Volatility outside 1%..=500%")]
    VolatilityOutOfBounds,
    #[msg("Volatility change exceeds the underlying's maximum change per update")]
    VolatilityChangeTooLarge,
    #[msg("The series has no volatility yet")]
    VolatilityNotSet,
    #[msg("The series is already settled")]
    SeriesSettled,
    #[msg(
        "Series risk vectors are missing or older than the maximum age: refresh the series first"
    )]
    StaleSeriesRisk,
    #[msg(
        "The oracle price moved outside the band since the series was refreshed: refresh it first"
    )]
    PriceMovedSinceRefresh,
    #[msg("The series volatility is stale: risk-increasing instructions are refused")]
    StaleVolatility,
    // ---- trading ----
    #[msg("Margin account has no free position slot")]
    AccountPositionsFull,
    #[msg("Trade size must be non-zero")]
    ZeroSize,
    #[msg("The series has expired: no new trades")]
    SeriesExpired,
    #[msg("A risk-reducing trade below initial margin may not lower the margin ratio")]
    RatioWouldFall,
    #[msg("The series is not settled yet")]
    SeriesNotSettled,
    #[msg("Settlement price must be published at or after expiry (and within the window unless it has passed)")]
    SettlementPriceOutOfWindow,
    #[msg("The series has not expired yet")]
    SeriesNotExpired,
    #[msg("The account holds no position in this series")]
    NoPosition,
    // ---- liquidation ----
    #[msg("The account is not below the liquidation threshold")]
    AccountHealthy,
    #[msg("No candidate can improve the account's margin: nothing to liquidate")]
    NothingToLiquidate,
    #[msg("A soft-tier liquidation happened within the grace period")]
    GracePeriodActive,
    #[msg("The liquidation fee is below the caller's minimum")]
    FeeBelowMinimum,
    #[msg("The liquidator and the liquidated account have the same owner")]
    SelfLiquidation,
    #[msg("The liquidator's account would be below initial margin")]
    LiquidatorBelowInitialMargin,
    #[msg("The liquidation did not improve the account as planned")]
    LiquidationPostConditionFailed,
    #[msg("The liquidated series must be passed writable among the margin-check accounts")]
    SeriesNotWritable,
    #[msg("The account is not bankrupt: it holds positions or volatile collateral, or its equity is not negative")]
    NotBankrupt,
    #[msg("This collateral is not the settlement collateral")]
    NotSettlementCollateral,
}
