//! Owner-signed margin account instructions.

pub mod close_margin_account;
pub mod create_margin_account;
pub mod deposit;
pub mod withdraw;

pub use close_margin_account::*;
pub use create_margin_account::*;
pub use deposit::*;
pub use withdraw::*;
