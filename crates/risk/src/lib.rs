//! # options-margin-risk
//!
//! All of the protocol's risk math, free of Solana dependencies, so that the
//! on-chain program, the liquidator bot, the CLI and the simulator compute
//! the same numbers to the unit. Integer fixed point only: no floats outside
//! tests and benchmark references, no allocation, bounded loops.
//!
//! Layout:
//! - [`num`]: checked math with named rounding.
//! - [`fixed`], [`math`]: the e12 fixed-point type and ln/exp/sqrt/Φ/φ.
//! - [`black76`]: option price and Greeks.
//! - [`series`]: `series_risk`, the per-series repricing over the scenario grid.
//! - [`margin`]: `account_margin`, the per-account combination of stored vectors.
//! - [`collateral`]: collateral valuation and haircuts.
//! - [`planner`]: tiers, candidate ranking, the just-enough amount.
//! - [`distance`]: off-chain solvers of the distance to each tier: the
//!   equity an account can lose, the spot of one underlying that puts it there.
//! - [`params`]: exchange risk parameters: layout, defaults, the only bounds.
//! - [`fee`]: the fixed liquidation fee and its anti-slicing rule.
//! - [`apply`]: `apply_plan`, the reference of what a liquidation changes.
//! - [`trade`]: the margin rule of each side of a trade.
//! - [`volatility`]: the rate limit of volatility updates.
//! - [`socialized`]: loss socialisation over the balances of the time.
//! - `wide` (internal): 64×64→128 products and 128÷64 quotients from 64-bit
//!   operations on SBF, where 128-bit arithmetic is a software routine.
//!
//! `no_std` (outside its own unit tests): only `core`, no allocation, so the
//! same code builds for the program (SBF), the bot, the CLI and the simulator.

#![cfg_attr(not(test), no_std)]

pub mod apply;
pub mod black76;
pub mod collateral;
pub mod distance;
pub mod error;
pub mod fee;
pub mod fixed;
pub mod margin;
pub mod math;
pub mod num;
pub mod params;
pub mod planner;
pub mod series;
pub mod socialized;
pub mod trade;
pub mod types;
pub mod volatility;
mod wide;

pub use error::{RiskError, RiskResult};
pub use types::*;
