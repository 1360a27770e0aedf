//! Which price account a margin check passes for each oracle config.
//!
//! A legacy feed is matched by address, so its account is the feed itself.
//! A pull feed (`PriceUpdateV2`) is matched by feed id: any fully verified
//! update of that feed is valid, wherever it lives. By default the client
//! uses the Pyth push-oracle account of the feed (shard 0, the one Pyth's
//! sponsored feeds keep fresh); an operator who posts updates elsewhere
//! (a local ledger, a private shard) names the account per feed.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use options_margin::oracle::{OracleConfig, OracleKind};

/// The Pyth push-oracle program (the same address on mainnet and devnet).
pub const PYTH_PUSH_ORACLE_ID: Pubkey =
    anchor_lang::pubkey!("pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT");

/// The push-oracle account of `feed_id` on `shard`.
pub fn push_feed_account(feed_id: &[u8; 32], shard: u16) -> Pubkey {
    Pubkey::find_program_address(&[&shard.to_le_bytes(), feed_id], &PYTH_PUSH_ORACLE_ID).0
}

/// Price accounts by feed id, with the push-oracle default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceAccounts {
    by_feed: BTreeMap<[u8; 32], Pubkey>,
}

impl PriceAccounts {
    /// Updates of `feed_id` are read from `account`.
    pub fn set(&mut self, feed_id: [u8; 32], account: Pubkey) {
        self.by_feed.insert(feed_id, account);
    }

    /// Every explicit mapping.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8; 32], &Pubkey)> {
        self.by_feed.iter()
    }

    /// The account a check passes for `oracle`.
    pub fn account_for(&self, oracle: &OracleConfig) -> Pubkey {
        match oracle.kind() {
            Ok(OracleKind::PythLegacy) => Pubkey::new_from_array(oracle.feed),
            _ => self
                .by_feed
                .get(&oracle.feed)
                .copied()
                .unwrap_or_else(|| push_feed_account(&oracle.feed, 0)),
        }
    }
}
