//! **Local ledgers only**: `PriceUpdateV2` accounts a local operator
//! publishes (the embedded chain, a test validator), in the real byte
//! layout (Anchor discriminator + borsh, 134 bytes) and owned by the Pyth
//! receiver program, exactly as the program reads them on a cluster. On a
//! real cluster only Pyth's receiver can write such an account; nothing
//! here can, or tries to.

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use options_margin::oracle::PYTH_RECEIVER_PROGRAM_ID;
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_account::Account;

/// A price as Pyth publishes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PullPrice {
    pub feed_id: [u8; 32],
    /// precision: 10^expo USD.
    pub price: i64,
    /// precision: 10^expo USD.
    pub conf: u64,
    pub expo: i32,
    /// unit: unix seconds.
    pub publish_time: i64,
    /// Guardian signatures checked: `None` = full verification.
    pub partial_signatures: Option<u8>,
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
            partial_signatures: None,
            ema_price: None,
            prev_publish_time: None,
        }
    }

    /// The account bytes: `PriceUpdateV2` with a zero write authority and slot 0.
    pub fn to_bytes(&self) -> Vec<u8> {
        let update = PriceUpdateV2 {
            write_authority: Pubkey::default(),
            verification_level: match self.partial_signatures {
                Some(num_signatures) => VerificationLevel::Partial { num_signatures },
                None => VerificationLevel::Full,
            },
            price_message: PriceFeedMessage {
                feed_id: self.feed_id,
                price: self.price,
                conf: self.conf,
                exponent: self.expo,
                publish_time: self.publish_time,
                prev_publish_time: self
                    .prev_publish_time
                    .unwrap_or(self.publish_time.saturating_sub(1)),
                ema_price: self.ema_price.unwrap_or(self.price),
                ema_conf: self.conf,
            },
            posted_slot: 0,
        };
        let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
        update
            .try_serialize(&mut data)
            .expect("serialising into a Vec cannot fail");
        data.resize(PriceUpdateV2::LEN.max(data.len()), 0);
        data
    }

    /// The account: these bytes, owned by the receiver program, rent-exempt.
    pub fn to_account(&self) -> Account {
        Account {
            lamports: 10_000_000,
            data: self.to_bytes(),
            owner: PYTH_RECEIVER_PROGRAM_ID,
            executable: false,
            rent_epoch: 0,
        }
    }
}

/// A feed id from its 64-hex-digit form (with or without `0x`).
pub fn feed_id_from_hex(hex: &str) -> Option<[u8; 32]> {
    pyth_solana_receiver_sdk::price_update::get_feed_id_from_hex(hex).ok()
}
