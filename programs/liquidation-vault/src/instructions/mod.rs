//! One file per instruction: setup (`initialize_vault`), the authority's
//! keys (`authority`: propose/accept, keeper) and guards (`set_guards`),
//! funds in and out (`deposit_to_margin`, `withdraw_from_margin`,
//! `withdraw_tokens`), and the crank of the authority or its keeper
//! (`liquidate`).

pub mod authority;
pub mod deposit_to_margin;
pub mod initialize_vault;
pub mod liquidate;
pub mod set_guards;
pub mod withdraw_from_margin;
pub mod withdraw_tokens;

pub use authority::*;
pub use deposit_to_margin::*;
pub use initialize_vault::*;
pub use liquidate::*;
pub use set_guards::*;
pub use withdraw_from_margin::*;
pub use withdraw_tokens::*;
