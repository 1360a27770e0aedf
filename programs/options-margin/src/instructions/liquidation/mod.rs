//! Liquidation.

pub mod partial_liquidate;

pub use partial_liquidate::*;
