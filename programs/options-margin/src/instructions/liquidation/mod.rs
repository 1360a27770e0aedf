//! Liquidation.

pub mod bankruptcy;
pub mod partial_liquidate;
pub mod sweep;

pub use bankruptcy::*;
pub use partial_liquidate::*;
pub use sweep::*;
