//! Checked math for handlers: the risk crate's [`options_margin_risk::num`]
//! operations, with errors mapped to this program's error codes.

use anchor_lang::prelude::*;
use options_margin_risk::RiskError;

use crate::error::ErrorCode;

/// Maps a risk-engine error to the program's error code.
pub fn risk_error(e: RiskError) -> Error {
    match e {
        RiskError::MathOverflow | RiskError::DivisionByZero => error!(ErrorCode::MathOverflow),
        _ => error!(ErrorCode::RiskEngine),
    }
}

/// Checked arithmetic returning the program's `MathOverflow`.
pub trait SafeMath: Sized {
    fn safe_add(self, rhs: Self) -> Result<Self>;
    fn safe_sub(self, rhs: Self) -> Result<Self>;
    fn safe_mul(self, rhs: Self) -> Result<Self>;
    fn safe_div(self, rhs: Self) -> Result<Self>;
}

impl<T: options_margin_risk::num::SafeMath> SafeMath for T {
    #[track_caller]
    fn safe_add(self, rhs: Self) -> Result<Self> {
        options_margin_risk::num::SafeMath::safe_add(self, rhs).map_err(risk_error)
    }
    #[track_caller]
    fn safe_sub(self, rhs: Self) -> Result<Self> {
        options_margin_risk::num::SafeMath::safe_sub(self, rhs).map_err(risk_error)
    }
    #[track_caller]
    fn safe_mul(self, rhs: Self) -> Result<Self> {
        options_margin_risk::num::SafeMath::safe_mul(self, rhs).map_err(risk_error)
    }
    #[track_caller]
    fn safe_div(self, rhs: Self) -> Result<Self> {
        options_margin_risk::num::SafeMath::safe_div(self, rhs).map_err(risk_error)
    }
}
