//! Pyth accounts with the real byte layout and owner.

use anchor_lang::prelude::Pubkey;
use options_margin::oracle::fixtures::{self, VerificationLevelByte};
use options_margin::oracle::{LEGACY_PYTH_PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID};
use solana_account::Account;

use crate::bench::TestBench;

/// A PriceUpdateV2 price, in Pyth's own units.
#[derive(Clone, Copy, Debug)]
pub struct PullPrice {
    pub feed_id: [u8; 32],
    /// precision: 10^expo USD.
    pub price: i64,
    /// precision: 10^expo USD.
    pub conf: u64,
    pub expo: i32,
    /// unit: unix seconds.
    pub publish_time: i64,
    pub verification: VerificationLevelByte,
    /// precision: 10^expo USD. The EMA price the update carries (`None`: the price).
    pub ema_price: Option<i64>,
    /// unit: unix seconds. The feed's previous publish time (`None`: one second before).
    pub prev_publish_time: Option<i64>,
}

impl PullPrice {
    /// A fully verified price at expo −8 (`price_usd_e8` = USD × 1e8).
    pub fn usd_e8(
        feed_id: [u8; 32],
        price_usd_e8: i64,
        conf_usd_e8: u64,
        publish_time: i64,
    ) -> Self {
        Self {
            feed_id,
            price: price_usd_e8,
            conf: conf_usd_e8,
            expo: -8,
            publish_time,
            verification: VerificationLevelByte::Full,
            ema_price: None,
            prev_publish_time: None,
        }
    }
}

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
    /// Writes a PriceUpdateV2 owned by the receiver program at `address`.
    pub fn set_pull_price(&mut self, address: &Pubkey, p: PullPrice) {
        let data = fixtures::price_update_v2_bytes_from(&fixtures::PriceUpdateV2Fields {
            write_authority: [0; 32],
            verification: p.verification,
            feed_id: p.feed_id,
            price: p.price,
            conf: p.conf,
            expo: p.expo,
            publish_time: p.publish_time,
            prev_publish_time: p
                .prev_publish_time
                .unwrap_or(p.publish_time.saturating_sub(1)),
            ema_price: p.ema_price.unwrap_or(p.price),
            ema_conf: p.conf,
            posted_slot: 0,
        });
        self.set_account(address, account(PYTH_RECEIVER_PROGRAM_ID, data));
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
