//! # options-margin-client
//!
//! The client SDK of options-margin: everything a trader's wallet, a
//! liquidator, an integrator's backend, the CLI and the simulator need.
//!
//! - [`ix`]: a builder for every instruction of the program; [`pda`] its addresses.
//! - [`decode`]: decoding of every account type and the `getProgramAccounts` scans.
//! - [`health`]: the margin-check `remaining_accounts` in the program's
//!   order, and off-chain health and liquidation plans computed by the
//!   program's own code over fetched accounts (to the unit).
//! - [`oracles`]: which price account a check passes for a feed.
//! - [`budget`], [`tx`]: compute-unit budgets per instruction, compute-budget
//!   and priority-fee instructions, legacy and v0 (lookup-table) transactions.
//! - [`chain`]: one [`chain::Chain`] trait; back-ends [`rpc`] (feature `rpc`,
//!   default: any cluster over JSON-RPC) and [`embedded`] (feature
//!   `embedded`: solana-program-test's bank in process, optionally persisted).
//! - [`client`]: a payer, a chain and a price map: send with budgets and fees.
//! - [`pyth_local`]: **local ledgers only**: `PriceUpdateV2` accounts an
//!   operator publishes, in the real layout and owner.
//! - [`error`]: errors with the program's own names and messages.
//! - [`report`]: the account health report (`account show`): balances,
//!   positions, margin, tier, grace and the distance to each tier.
//! - [`setup`]: an exchange from one TOML file; [`token`]: SPL Token plumbing;
//!   [`amounts`]: decimal amounts parsed and printed exactly.

pub mod actions;
pub mod amounts;
pub mod budget;
pub mod chain;
pub mod client;
pub mod decode;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod error;
pub mod health;
pub mod ix;
pub mod oracles;
pub mod pyth_local;
pub mod report;
#[cfg(feature = "rpc")]
pub mod rpc;
pub mod setup;
pub mod snapshot;
pub mod time;
pub mod token;
pub mod tx;

pub use options_margin::pda;

pub use chain::{AccountFilter, Chain, Simulation};
pub use client::Client;
pub use error::{ClientError, ClientResult};
pub use oracles::PriceAccounts;
