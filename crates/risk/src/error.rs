//! The one error type of the risk engine. The program maps each variant to
//! its own error code, so every variant says what was wrong.

/// Why a risk computation refused its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskError {
    /// An intermediate result left the representable range.
    MathOverflow,
    /// A division by zero was attempted.
    DivisionByZero,
    /// Spot, strike or contract size was zero or negative.
    NonPositivePrice,
    /// Volatility outside 1%..=500%.
    VolatilityOutOfRange,
    /// Time to expiry outside what the pricer supports (beyond 2 years).
    TimeOutOfRange,
    /// Rate outside the supported band.
    RateOutOfRange,
    /// A scenario grid that is unsorted, lacks the zero shock, or has bad counts.
    InvalidScenarioGrid,
    /// Liquidation tiers that are not strictly descending or have bad fractions.
    InvalidTiers,
    /// The account is not below the liquidation threshold.
    AccountHealthy,
    /// No candidate can improve the account's margin.
    NoLiquidationCandidate,
    /// An argument outside its documented domain.
    InvalidInput,
    /// A math function got an argument outside its domain: `ln` of a value
    /// ≤ 0, `sqrt` of a negative value, or `exp` above `math::EXP_MAX`.
    MathDomain,
    /// A settlement was requested for a series whose expiry is still in the future.
    SeriesNotExpired,
}

/// Result alias of the crate.
pub type RiskResult<T> = Result<T, RiskError>;
