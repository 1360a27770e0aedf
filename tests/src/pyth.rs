//! Pyth accounts with the real byte layout and owner.

use anchor_lang::prelude::Pubkey;
use options_margin::oracle::fixtures;
use options_margin::oracle::{LEGACY_PYTH_PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID};
use solana_account::Account;

use crate::bench::TestBench;

pub use options_margin_client::pyth_local::PullPrice;

fn account(owner: Pubkey, data: Vec<u8>) -> Account {
    Account {
        lamports: 10_000_000,
        data,
        owner,
        executable: false,
        rent_epoch: 0,
    }
}

impl TestBench {
    /// Writes a PriceUpdateV2 owned by the receiver program at `address`
    /// (the SDK's local-ledger writer).
    pub fn set_pull_price(&mut self, address: &Pubkey, p: PullPrice) {
        self.set_account(address, p.to_account());
    }

    /// Writes raw bytes with an arbitrary owner (spoofing tests).
    pub fn set_raw_account(&mut self, address: &Pubkey, owner: Pubkey, data: Vec<u8>) {
        self.set_account(address, account(owner, data));
    }

    /// Writes the real mainnet SOL/USD PriceUpdateV2 dump at `address`.
    pub fn set_real_pull_dump(&mut self, address: &Pubkey) {
        self.set_account(
            address,
            account(
                PYTH_RECEIVER_PROGRAM_ID,
                fixtures::SOL_USD_PRICE_UPDATE_V2.to_vec(),
            ),
        );
    }

    /// Writes a legacy price account owned by the legacy oracle program.
    pub fn set_legacy_price(
        &mut self,
        address: &Pubkey,
        price: i64,
        conf: u64,
        expo: i32,
        publish_time: i64,
        status: u8,
    ) {
        let data = fixtures::legacy_price_bytes(price, conf, expo, publish_time, status);
        self.set_account(address, account(LEGACY_PYTH_PROGRAM_ID, data));
    }
}
