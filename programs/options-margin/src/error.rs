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
    #[msg("Arithmetic overflow (the log names the place)")]
    MathOverflow,
    #[msg("Risk engine: an input outside its documented domain")]
    RiskInvalidInput,
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
    #[msg(
        "A trade side that reduces risk but ends below initial margin may not lower equity − MM"
    )]
    HealthWouldFall,
    #[msg("The series is not settled yet")]
    SeriesNotSettled,
    #[msg("The settlement price must be the update that straddles expiry (previous update before expiry, this one at or after it)")]
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
    // ---- added with the security review (codes 6061 on) ----
    #[msg("The account would need more margin-check accounts than any transaction can lock (see MAX_ACCOUNT_WIDTH)")]
    AccountTooWide,
    #[msg("An account below maintenance margin may only trade at the mark or better (its equity may not fall)")]
    EquityWouldFall,
    #[msg("A trade side that ends below initial margin must trade within the premium band around the mark")]
    PremiumOutsideBand,
    #[msg("The series' volatility changed since its vectors were computed: refresh it first")]
    VolatilityChangedSinceRefresh,
    #[msg("The underlying price is too far from its EMA for a risk-adding instruction")]
    OraclePriceDeviatesFromEma,
    #[msg("No parameter change is pending")]
    NoPendingChange,
    #[msg("The parameter change's delay has not elapsed")]
    ChangeDelayNotElapsed,
    #[msg("The vault holds fewer tokens than this payout (an unassigned socialised loss)")]
    VaultShortfall,
    #[msg("A protocol invariant does not hold (a bug: please report it)")]
    InvariantViolation,
    #[msg("Risk engine: division by zero")]
    RiskDivisionByZero,
    #[msg("Risk engine: spot, strike or contract size is zero or negative")]
    RiskNonPositivePrice,
    #[msg("Risk engine: volatility outside 1%..=500%")]
    RiskVolatilityOutOfRange,
    #[msg("Risk engine: time to expiry outside what the pricer supports")]
    RiskTimeOutOfRange,
    #[msg("Risk engine: rate outside the supported band")]
    RiskRateOutOfRange,
    #[msg("Risk engine: invalid scenario grid")]
    RiskInvalidScenarioGrid,
    #[msg("Risk engine: liquidation tiers, target or fee out of bounds")]
    RiskInvalidTiers,
    #[msg("Risk engine: a math function got an argument outside its domain")]
    RiskMathDomain,
    #[msg("Risk engine: the series has not expired")]
    RiskSeriesNotExpired,
    #[msg("A risk-adding instruction needs price updates at most 10 s old")]
    PriceTooOldToAddRisk,
    #[msg("The parameter change expired unapplied: propose it again")]
    ChangeExpired,
    #[msg("The loss shard is not the margin account's (see pda::loss_shard_of)")]
    WrongLossShard,
}

impl ErrorCode {
    /// The numeric code a transaction carries (Anchor's offset included).
    pub fn code(self) -> u32 {
        anchor_lang::error::ERROR_CODE_OFFSET + self as u32
    }

    /// Errors that mean "someone else got there first" or "the market moved
    /// since you looked": a liquidator's bot retries or moves on, it did
    /// nothing wrong. Everything else is a bad request or a bug.
    pub fn is_race_lost(self) -> bool {
        matches!(
            self,
            ErrorCode::AccountHealthy
                | ErrorCode::GracePeriodActive
                | ErrorCode::NothingToLiquidate
                | ErrorCode::NotBankrupt
                | ErrorCode::SeriesSettled
                | ErrorCode::NoPosition
        )
    }

    /// Price and freshness errors: refresh (or post a newer update) and retry.
    pub fn is_stale_input(self) -> bool {
        matches!(
            self,
            ErrorCode::OracleStale
                | ErrorCode::OracleOutOfOrder
                | ErrorCode::OracleConfidenceTooWide
                | ErrorCode::StaleSeriesRisk
                | ErrorCode::PriceMovedSinceRefresh
                | ErrorCode::StaleVolatility
                | ErrorCode::VolatilityChangedSinceRefresh
                | ErrorCode::OraclePriceDeviatesFromEma
                | ErrorCode::PriceTooOldToAddRisk
        )
    }

    /// A bug, not a rejected request: invariants and post-conditions.
    pub fn is_bug(self) -> bool {
        matches!(
            self,
            ErrorCode::InvariantViolation | ErrorCode::LiquidationPostConditionFailed
        )
    }

    /// The variant carrying `code`, if it is one of this program's.
    pub fn from_code(code: u32) -> Option<Self> {
        let n = code.checked_sub(anchor_lang::error::ERROR_CODE_OFFSET)?;
        ALL.iter().copied().find(|e| *e as u32 == n)
    }
}

/// Every variant, in code order (for [`ErrorCode::from_code`] and clients).
pub const ALL: [ErrorCode; 83] = [
    ErrorCode::OracleWrongOwner,
    ErrorCode::OracleInvalidAccount,
    ErrorCode::OracleWrongFeed,
    ErrorCode::OracleNotFullyVerified,
    ErrorCode::OracleStale,
    ErrorCode::OracleNonPositivePrice,
    ErrorCode::OracleConfidenceTooWide,
    ErrorCode::OracleExponentOutOfRange,
    ErrorCode::OracleNotTrading,
    ErrorCode::OraclePriceOutOfRange,
    ErrorCode::OracleOutOfOrder,
    ErrorCode::Unauthorized,
    ErrorCode::InvalidRiskParams,
    ErrorCode::InvalidCollateralParams,
    ErrorCode::InvalidPauseFlags,
    ErrorCode::NoPendingAdmin,
    ErrorCode::SettlementCollateralOrder,
    ErrorCode::SettlementDecimals,
    ErrorCode::UnsupportedDecimals,
    ErrorCode::ExchangeCollateralsFull,
    ErrorCode::Paused,
    ErrorCode::ZeroAmount,
    ErrorCode::AmountTooLarge,
    ErrorCode::DepositCapExceeded,
    ErrorCode::AccountCollateralsFull,
    ErrorCode::InsufficientBalance,
    ErrorCode::BelowInitialMargin,
    ErrorCode::AccountNotEmpty,
    ErrorCode::HealthAccountsMismatch,
    ErrorCode::MathOverflow,
    ErrorCode::RiskInvalidInput,
    ErrorCode::OracleConfigInvalid,
    ErrorCode::AccountAlreadyInitialized,
    ErrorCode::InvalidUnderlyingParams,
    ErrorCode::ExchangeUnderlyingsFull,
    ErrorCode::InvalidSeriesParams,
    ErrorCode::NotVolAuthority,
    ErrorCode::VolatilityOutOfBounds,
    ErrorCode::VolatilityChangeTooLarge,
    ErrorCode::VolatilityNotSet,
    ErrorCode::SeriesSettled,
    ErrorCode::StaleSeriesRisk,
    ErrorCode::PriceMovedSinceRefresh,
    ErrorCode::StaleVolatility,
    ErrorCode::AccountPositionsFull,
    ErrorCode::ZeroSize,
    ErrorCode::SeriesExpired,
    ErrorCode::HealthWouldFall,
    ErrorCode::SeriesNotSettled,
    ErrorCode::SettlementPriceOutOfWindow,
    ErrorCode::SeriesNotExpired,
    ErrorCode::NoPosition,
    ErrorCode::AccountHealthy,
    ErrorCode::NothingToLiquidate,
    ErrorCode::GracePeriodActive,
    ErrorCode::FeeBelowMinimum,
    ErrorCode::SelfLiquidation,
    ErrorCode::LiquidatorBelowInitialMargin,
    ErrorCode::LiquidationPostConditionFailed,
    ErrorCode::SeriesNotWritable,
    ErrorCode::NotBankrupt,
    ErrorCode::NotSettlementCollateral,
    ErrorCode::AccountTooWide,
    ErrorCode::EquityWouldFall,
    ErrorCode::PremiumOutsideBand,
    ErrorCode::VolatilityChangedSinceRefresh,
    ErrorCode::OraclePriceDeviatesFromEma,
    ErrorCode::NoPendingChange,
    ErrorCode::ChangeDelayNotElapsed,
    ErrorCode::VaultShortfall,
    ErrorCode::InvariantViolation,
    ErrorCode::RiskDivisionByZero,
    ErrorCode::RiskNonPositivePrice,
    ErrorCode::RiskVolatilityOutOfRange,
    ErrorCode::RiskTimeOutOfRange,
    ErrorCode::RiskRateOutOfRange,
    ErrorCode::RiskInvalidScenarioGrid,
    ErrorCode::RiskInvalidTiers,
    ErrorCode::RiskMathDomain,
    ErrorCode::RiskSeriesNotExpired,
    ErrorCode::PriceTooOldToAddRisk,
    ErrorCode::ChangeExpired,
    ErrorCode::WrongLossShard,
];

const _: () = {
    let mut i = 0;
    while i < ALL.len() {
        assert!(ALL[i] as usize == i);
        i += 1;
    }
};
