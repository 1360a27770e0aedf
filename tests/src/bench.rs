//! The in-process chain of the suite: the SDK's embedded back-end
//! ([`options_margin_client::embedded::EmbeddedChain`]), wrapped so the
//! bench can add test-only writers (spoofed Pyth accounts, raw bytes).

use std::ops::{Deref, DerefMut};

use anchor_lang::prelude::Pubkey;
use options_margin_client::embedded::EmbeddedChain;
use solana_account::Account;
use solana_program_test::ProgramTest;

pub use options_margin_client::embedded::{
    process_instruction, process_vault_instruction, program_test, sbf_binary_available_for,
    Simulated, START_TS,
};
pub use options_margin_client::tx::find_event;

/// True when an SBF build of options-margin is available and should be tested.
pub fn sbf_binary_available() -> bool {
    sbf_binary_available_for("options_margin")
}

/// A running in-process chain (the SDK's embedded chain).
pub struct TestBench {
    chain: EmbeddedChain,
}

impl TestBench {
    /// Starts a chain from `pt`, with the clock set to [`START_TS`].
    pub async fn start(pt: ProgramTest) -> Self {
        Self {
            chain: EmbeddedChain::start(pt).await,
        }
    }

    /// The SDK chain, for code written against [`options_margin_client::Chain`].
    pub fn chain(&self) -> &EmbeddedChain {
        &self.chain
    }
}

impl Deref for TestBench {
    type Target = EmbeddedChain;
    fn deref(&self) -> &EmbeddedChain {
        &self.chain
    }
}

impl DerefMut for TestBench {
    fn deref_mut(&mut self) -> &mut EmbeddedChain {
        &mut self.chain
    }
}

/// Asserts that every account in `keys` is byte-for-byte (data, lamports,
/// owner) what `before` recorded.
pub async fn assert_unchanged(bench: &TestBench, keys: &[Pubkey], before: &[Option<Account>]) {
    let after = bench.snapshot(keys).await;
    for ((key, b), a) in keys.iter().zip(before).zip(&after) {
        assert_eq!(b, a, "account {key} changed");
    }
}
