//! One file per instruction: its accounts struct, arguments and handler.

pub mod admin;
pub mod liquidation;
pub mod margin;
pub mod options;

pub use admin::*;
pub use liquidation::*;
pub use margin::*;
pub use options::*;
