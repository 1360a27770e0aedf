//! One file per instruction: `admin/`-style setup (`initialize_vault`,
//! `deposit_to_margin`) and the permissionless keeper crank (`liquidate`).

pub mod deposit_to_margin;
pub mod initialize_vault;
pub mod liquidate;

pub use deposit_to_margin::*;
pub use initialize_vault::*;
pub use liquidate::*;
