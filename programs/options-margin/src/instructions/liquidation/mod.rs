//! Liquidation.

pub mod bankruptcy;
pub mod partial_liquidate;

pub use bankruptcy::*;
pub use partial_liquidate::*;
