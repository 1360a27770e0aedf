//! Underlyings, series, volatility and the series risk refresh.

pub mod add_underlying;
pub mod create_series;
pub mod refresh_series_risk;
pub mod set_volatility;
pub mod settle;
pub mod trade;

pub use add_underlying::*;
pub use create_series::*;
pub use refresh_series_risk::*;
pub use set_volatility::*;
pub use settle::*;
pub use trade::*;
