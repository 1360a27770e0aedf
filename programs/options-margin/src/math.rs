//! Checked math for handlers: the risk crate's [`options_margin_risk::num`]
//! operations, with errors mapped to this program's error codes and the
//! place of an overflow written to the log.

use anchor_lang::prelude::*;
use options_margin_risk::RiskError;

use crate::error::ErrorCode;

/// The program's error code of a risk-engine error: one code per variant,
/// so a client can tell every failure apart by its code alone.
pub fn risk_error_code(e: RiskError) -> ErrorCode {
    match e {
        RiskError::MathOverflow => ErrorCode::MathOverflow,
        RiskError::DivisionByZero => ErrorCode::RiskDivisionByZero,
        RiskError::NonPositivePrice => ErrorCode::RiskNonPositivePrice,
        RiskError::VolatilityOutOfRange => ErrorCode::RiskVolatilityOutOfRange,
        RiskError::TimeOutOfRange => ErrorCode::RiskTimeOutOfRange,
        RiskError::RateOutOfRange => ErrorCode::RiskRateOutOfRange,
        RiskError::InvalidScenarioGrid => ErrorCode::RiskInvalidScenarioGrid,
        RiskError::InvalidTiers => ErrorCode::RiskInvalidTiers,
        RiskError::AccountHealthy => ErrorCode::AccountHealthy,
        RiskError::NoLiquidationCandidate => ErrorCode::NothingToLiquidate,
        RiskError::InvalidInput => ErrorCode::RiskInvalidInput,
        RiskError::MathDomain => ErrorCode::RiskMathDomain,
        RiskError::SeriesNotExpired => ErrorCode::RiskSeriesNotExpired,
    }
}

/// Maps a risk-engine error to the program's error, logging the caller's
/// file and line (the handler call that failed).
#[track_caller]
pub fn risk_error(e: RiskError) -> Error {
    let at = core::panic::Location::caller();
    msg!("risk engine: {:?} at {}:{}", e, at.file(), at.line());
    Error::from(risk_error_code(e))
}

/// `MathOverflow`, with the caller's file and line in the log.
#[track_caller]
pub fn overflow() -> Error {
    let at = core::panic::Location::caller();
    msg!("overflow at {}:{}", at.file(), at.line());
    Error::from(ErrorCode::MathOverflow)
}

/// `InvariantViolation`, naming the invariant and the caller's place.
#[track_caller]
pub fn invariant(what: &str) -> Error {
    let at = core::panic::Location::caller();
    msg!(
        "invariant violated: {} at {}:{}",
        what,
        at.file(),
        at.line()
    );
    Error::from(ErrorCode::InvariantViolation)
}

/// Checked arithmetic returning the program's `MathOverflow`, logging where.
pub trait SafeMath: Sized {
    fn safe_add(self, rhs: Self) -> Result<Self>;
    fn safe_sub(self, rhs: Self) -> Result<Self>;
    fn safe_mul(self, rhs: Self) -> Result<Self>;
    fn safe_div(self, rhs: Self) -> Result<Self>;
}

impl<T: options_margin_risk::num::SafeMath> SafeMath for T {
    #[track_caller]
    fn safe_add(self, rhs: Self) -> Result<Self> {
        let at = core::panic::Location::caller();
        options_margin_risk::num::SafeMath::safe_add(self, rhs).map_err(|e| located(e, at))
    }
    #[track_caller]
    fn safe_sub(self, rhs: Self) -> Result<Self> {
        let at = core::panic::Location::caller();
        options_margin_risk::num::SafeMath::safe_sub(self, rhs).map_err(|e| located(e, at))
    }
    #[track_caller]
    fn safe_mul(self, rhs: Self) -> Result<Self> {
        let at = core::panic::Location::caller();
        options_margin_risk::num::SafeMath::safe_mul(self, rhs).map_err(|e| located(e, at))
    }
    #[track_caller]
    fn safe_div(self, rhs: Self) -> Result<Self> {
        let at = core::panic::Location::caller();
        options_margin_risk::num::SafeMath::safe_div(self, rhs).map_err(|e| located(e, at))
    }
}

fn located(e: RiskError, at: &core::panic::Location) -> Error {
    msg!("{:?} at {}:{}", e, at.file(), at.line());
    Error::from(risk_error_code(e))
}
