//! The test bench of options-margin: an in-process chain
//! (`solana-program-test`) with the program, the real SPL Token program, and
//! Pyth accounts with the real byte layout and owner.
//!
//! The program runs natively through [`bench::process_instruction`] unless
//! `SBF_OUT_DIR` (or `BPF_OUT_DIR`) holds `options_margin.so`, in which case
//! the very same suite runs against that binary. The `liquidation_vault`
//! program (options-margin's CPI caller, see [`vault`]) is registered the
//! same way, on its own `liquidation_vault.so`.
//!
//! The bench is built on the client SDK (`options-margin-client`): its
//! embedded chain, instruction builders, budgets and off-chain health. This
//! crate keeps fixtures and scenario helpers: [`exchange`] sets up an
//! exchange, [`client`] reads health off-chain through the SDK,
//! [`liquidation`] builds liquidation calls as a bot does, [`keeper`] is the
//! liquidation bot, [`crash`] its market-crash scenario.

// solana-program-test 3.x marks its API "unstable" (deprecated) ahead of 4.0;
// it is the pinned test framework, so the warning carries no information here.
#![allow(deprecated)]

pub mod bench;
pub mod books;
pub mod client;
pub mod collaterals;
pub mod crash;
pub mod errors;
pub mod exchange;
pub mod keeper;
pub mod liquidation;
pub mod options;
pub mod pyth;
pub mod tokens;
pub mod vault;

pub use bench::TestBench;
pub use exchange::{ExchangeFixture, User};
pub use options_margin_client::{budget, ix};
