//! Money movements shared by several instructions, kept out of handlers:
//! booking socialised losses and sweeping insurance accruals. Each keeps the
//! settlement books exact:
//! `vault + socialized_loss = total_balance = Σ balances + Σ accrued + insurance`.

pub mod socialized;

pub use socialized::*;
