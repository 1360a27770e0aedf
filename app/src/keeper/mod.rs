//! The liquidation bot (`options-margin keeper run`), over any chain.
//!
//! Each pass: **discover** the exchange's margin accounts
//! (`getProgramAccounts` on size, discriminator and exchange), read one
//! [`Snapshot`] of its series, underlyings, collaterals and prices, and
//! **price** every account with the program's own health code; then
//! **act**, riskiest first: settle expired series and book settled
//! positions, refresh the vectors of the series unsafe accounts hold,
//! liquidate accounts in a tier (closeout call after call; a soft tier
//! once, then its grace period), wait out grace periods, and resolve
//! bankruptcies. Every transaction's compute-unit limit comes from a
//! simulation plus a margin, with the configured priority fee. A lost race
//! (`AccountHealthy`, `GracePeriodActive`, `NothingToLiquidate`… after a
//! fresh read) is logged as "outcompeted"; an account that keeps failing is
//! skipped for a while. One log line per decision: what, why, outcome.

mod act;
pub mod rank;

use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use options_margin_client::client::Client;
use options_margin_client::Chain;

pub use act::{Decision, Outcome};
pub use rank::{rank, Ranked};

/// What the bot does and how hard it tries.
/// unit: lamports. Default [`KeeperConfig::min_payer_lamports`]: 0.01 SOL,
/// about 2,000 unprioritised calls.
pub const MIN_PAYER_LAMPORTS: u64 = 10_000_000;

#[derive(Clone, Debug)]
pub struct KeeperConfig {
    pub exchange: Pubkey,
    /// The index of the bot's own margin account (receives what it takes and the fees).
    pub account_index: u16,
    /// unit: quote native. Calls paying less are not sent.
    pub min_fee_native: u64,
    /// Calls per account per pass in a closeout.
    pub max_calls_per_account: usize,
    /// Consecutive failures after which an account is skipped.
    pub max_failures: u32,
    /// unit: passes. How long a failing account is skipped.
    pub skip_passes: u32,
    /// unit: lamports. Below this fee-payer balance each pass warns (a
    /// keeper that runs dry of SOL stops liquidating: every call costs
    /// 5,000 lamports a signature plus its priority fee).
    pub min_payer_lamports: u64,
}

impl KeeperConfig {
    pub fn new(exchange: Pubkey) -> Self {
        Self {
            exchange,
            account_index: 0,
            min_fee_native: 0,
            max_calls_per_account: 8,
            max_failures: 3,
            skip_passes: 10,
            min_payer_lamports: MIN_PAYER_LAMPORTS,
        }
    }
}

/// The bot's memory between passes.
pub struct Keeper<'a, C: Chain> {
    pub client: &'a Client<C>,
    pub config: KeeperConfig,
    /// Consecutive failures per account, and the pass until which it is skipped.
    failures: HashMap<Pubkey, (u32, u64)>,
    passes: u64,
}

impl<'a, C: Chain> Keeper<'a, C> {
    pub fn new(client: &'a Client<C>, config: KeeperConfig) -> Self {
        Self {
            client,
            config,
            failures: HashMap::new(),
            passes: 0,
        }
    }

    /// The bot's own margin account.
    pub fn receiver(&self) -> Pubkey {
        options_margin_client::pda::margin_account(
            &self.config.exchange,
            &solana_signer::Signer::pubkey(&self.client.payer),
            self.config.account_index,
        )
        .0
    }

    /// One pass over the exchange; its decisions in the order taken.
    pub async fn pass(&mut self) -> Vec<Decision> {
        self.passes += 1;
        let mut out = Vec::new();
        act::pass(self, &mut out).await;
        out
    }

    fn skipped(&self, account: &Pubkey) -> bool {
        self.failures
            .get(account)
            .is_some_and(|(_, until)| *until >= self.passes)
    }

    fn record(&mut self, account: &Pubkey, outcome: &Outcome) {
        match outcome {
            Outcome::Failed(_) => {
                let entry = self.failures.entry(*account).or_insert((0, 0));
                entry.0 += 1;
                if entry.0 >= self.config.max_failures {
                    entry.1 = self.passes + u64::from(self.config.skip_passes);
                    entry.0 = 0;
                }
            }
            _ => {
                self.failures.remove(account);
            }
        }
    }
}
