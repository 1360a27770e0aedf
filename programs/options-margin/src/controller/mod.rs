//! Money and state movements shared by handlers and clients, kept out of
//! handlers (which validate, load, call these, and emit): the liquidation
//! (plan of a call, grace, transfer, fee and insurance share, post-check),
//! open interest, booking socialised losses and sweeping insurance
//! accruals. Each keeps the settlement books exact:
//! `vault + socialized_loss = total_balance = Σ balances + Σ accrued + insurance`.

pub mod liquidation;
pub mod open_interest;
pub mod socialized;

pub use socialized::*;
