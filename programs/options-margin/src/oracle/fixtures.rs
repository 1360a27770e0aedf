//! Test builders for Pyth accounts, with the real mainnet layouts (feature
//! `test-utils`; never part of the on-chain program). The integration test
//! crate uses them to fund oracle accounts; the unit tests use them and
//! [`TestAccount`] to drive [`super::read_price`] through a real
//! `AccountInfo`.
//!
//! The real dumps (`tests/fixtures/pyth/*.bin`, see its README) are embedded
//! as [`SOL_USD_PRICE_UPDATE_V2`] and [`SOL_USD_LEGACY_PRICE`].

use core::mem::offset_of;

use anchor_lang::prelude::*;
use pyth_sdk_solana::state::{PriceInfo, SolanaPriceAccount};
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};

use super::legacy::LEGACY_PRICE_ACCOUNT_LEN;

/// Mainnet `PriceUpdateV2` for SOL/USD (134 bytes, verification Full).
pub const SOL_USD_PRICE_UPDATE_V2: &[u8] =
    include_bytes!("../../../../tests/fixtures/pyth/sol_usd_price_update_v2.bin");
/// Mainnet legacy v2 price account for SOL/USD (3312 bytes, Trading).
pub const SOL_USD_LEGACY_PRICE: &[u8] =
    include_bytes!("../../../../tests/fixtures/pyth/sol_usd_legacy_price.bin");

/// Pyth feed id of SOL/USD.
pub const SOL_USD_FEED_ID: [u8; 32] = [
    0xef, 0x0d, 0x8b, 0x6f, 0xda, 0x2c, 0xeb, 0xa4, 0x1d, 0xa1, 0x5d, 0x40, 0x95, 0xd1, 0xda, 0x39,
    0x2a, 0x0d, 0x2f, 0x8e, 0xd0, 0xc6, 0xc7, 0xbc, 0x0f, 0x4c, 0xfa, 0xc8, 0xc2, 0x80, 0xb5, 0x6d,
];
/// Mainnet address of the SOL/USD legacy price account (the dump's
/// address; legacy feeds are matched by address).
pub const SOL_USD_LEGACY_ADDRESS: Pubkey = pubkey!("H6ARHf6YXhGYeQfUzQNGk6rDNnLBQKrenN712K4AQJEG");
/// The pull dump's price: precision 1e-8 USD.
pub const PULL_DUMP_PRICE: i64 = 15_679_769_099;
/// The pull dump's confidence: precision 1e-8 USD.
pub const PULL_DUMP_CONF: u64 = 16_197_271;
/// The pull dump's exponent.
pub const PULL_DUMP_EXPO: i32 = -8;
/// unit: unix seconds. The pull dump's publish time (2024-07-16 12:36:42 UTC).
pub const PULL_DUMP_PUBLISH_TIME: i64 = 1_721_133_402;
/// The legacy dump's aggregate price: precision 1e-8 USD.
pub const LEGACY_DUMP_PRICE: i64 = 13_272_457_249;
/// The legacy dump's aggregate confidence: precision 1e-8 USD.
pub const LEGACY_DUMP_CONF: u64 = 13_518_041;
/// The legacy dump's exponent.
pub const LEGACY_DUMP_EXPO: i32 = -8;
/// The legacy dump's EMA price: precision 1e-8 USD.
pub const LEGACY_DUMP_EMA_PRICE: i64 = 13_354_810_400;
/// unit: unix seconds. The legacy dump's previous aggregate timestamp.
pub const LEGACY_DUMP_PREV_TIMESTAMP: i64 = 1_720_094_641;
/// unit: unix seconds. The legacy dump's aggregate timestamp (2024-07-04 12:04:05 UTC).
pub const LEGACY_DUMP_PUBLISH_TIME: i64 = 1_720_094_645;

/// Legacy `PriceStatus` bytes, for [`legacy_price_bytes`].
pub const LEGACY_STATUS_UNKNOWN: u8 = 0;
pub const LEGACY_STATUS_TRADING: u8 = 1;
pub const LEGACY_STATUS_HALTED: u8 = 2;
pub const LEGACY_STATUS_AUCTION: u8 = 3;
pub const LEGACY_STATUS_IGNORED: u8 = 4;

/// Byte offsets of the legacy fields [`legacy_price_bytes`] patches, from
/// the SDK's struct layout (pinned against the dump in the unit tests).
pub const LEGACY_EXPO_OFFSET: usize = offset_of!(SolanaPriceAccount, expo);
pub const LEGACY_TIMESTAMP_OFFSET: usize = offset_of!(SolanaPriceAccount, timestamp);
pub const LEGACY_AGG_PRICE_OFFSET: usize =
    offset_of!(SolanaPriceAccount, agg) + offset_of!(PriceInfo, price);
pub const LEGACY_AGG_CONF_OFFSET: usize =
    offset_of!(SolanaPriceAccount, agg) + offset_of!(PriceInfo, conf);
pub const LEGACY_AGG_STATUS_OFFSET: usize =
    offset_of!(SolanaPriceAccount, agg) + offset_of!(PriceInfo, status);
/// Offset of the EMA price's `val` (the first field of its `Rational`).
pub const LEGACY_EMA_PRICE_OFFSET: usize = offset_of!(SolanaPriceAccount, ema_price);
/// Offset of the previous aggregate's timestamp.
pub const LEGACY_PREV_TIMESTAMP_OFFSET: usize = offset_of!(SolanaPriceAccount, prev_timestamp);

/// The receiver's `VerificationLevel`, mirrored so callers need no Pyth
/// dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerificationLevelByte {
    /// Only `num_signatures` guardian signatures were checked.
    Partial { num_signatures: u8 },
    /// Two thirds of the guardian set signed.
    Full,
}

impl From<VerificationLevelByte> for VerificationLevel {
    fn from(level: VerificationLevelByte) -> Self {
        match level {
            VerificationLevelByte::Partial { num_signatures } => {
                VerificationLevel::Partial { num_signatures }
            }
            VerificationLevelByte::Full => VerificationLevel::Full,
        }
    }
}

/// Every field of a `PriceUpdateV2`, for [`price_update_v2_bytes_from`].
/// Prices and confidences: precision 10^`expo` USD; times: unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceUpdateV2Fields {
    pub write_authority: [u8; 32],
    pub verification: VerificationLevelByte,
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub expo: i32,
    pub publish_time: i64,
    pub prev_publish_time: i64,
    pub ema_price: i64,
    pub ema_conf: u64,
    pub posted_slot: u64,
}

/// Account data of a `PriceUpdateV2` exactly as the receiver writes it: the
/// SDK struct serialised with its Anchor discriminator, zero-padded to the
/// allocated `PriceUpdateV2::LEN` (134 bytes).
pub fn price_update_v2_bytes_from(fields: &PriceUpdateV2Fields) -> Vec<u8> {
    let update = PriceUpdateV2 {
        write_authority: Pubkey::new_from_array(fields.write_authority),
        verification_level: fields.verification.into(),
        price_message: PriceFeedMessage {
            feed_id: fields.feed_id,
            price: fields.price,
            conf: fields.conf,
            exponent: fields.expo,
            publish_time: fields.publish_time,
            prev_publish_time: fields.prev_publish_time,
            ema_price: fields.ema_price,
            ema_conf: fields.ema_conf,
        },
        posted_slot: fields.posted_slot,
    };
    let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
    update
        .try_serialize(&mut data)
        .expect("serialising into a Vec cannot fail");
    if data.len() < PriceUpdateV2::LEN {
        data.resize(PriceUpdateV2::LEN, 0);
    }
    data
}

/// A `PriceUpdateV2` with the given price fields; the write authority is
/// zero, `prev_publish_time = publish_time − 1`, the EMA equals the price
/// and `posted_slot` is 0. precision of `price`/`conf`: 10^`expo` USD;
/// `publish_time`: unix seconds.
pub fn price_update_v2_bytes(
    feed_id: [u8; 32],
    price: i64,
    conf: u64,
    expo: i32,
    publish_time: i64,
    verification: VerificationLevelByte,
) -> Vec<u8> {
    price_update_v2_bytes_from(&PriceUpdateV2Fields {
        write_authority: [0; 32],
        verification,
        feed_id,
        price,
        conf,
        expo,
        publish_time,
        prev_publish_time: publish_time.saturating_sub(1),
        ema_price: price,
        ema_conf: conf,
        posted_slot: 0,
    })
}

/// The real SOL/USD legacy account with its aggregate price, confidence,
/// exponent, timestamp and status byte replaced, its EMA price set to the
/// new price and its previous timestamp to one second before (everything
/// else, including magic, version, publishers and the previous aggregate's
/// price, stays as on mainnet).
/// precision of `price`/`conf`: 10^`expo` USD; `publish_time`: unix seconds;
/// `status`: a `LEGACY_STATUS_*` byte (any byte is written, so invalid
/// values can be tested).
pub fn legacy_price_bytes(
    price: i64,
    conf: u64,
    expo: i32,
    publish_time: i64,
    status: u8,
) -> Vec<u8> {
    let mut data = SOL_USD_LEGACY_PRICE.to_vec();
    data.resize(LEGACY_PRICE_ACCOUNT_LEN.max(data.len()), 0);
    patch(&mut data, LEGACY_AGG_PRICE_OFFSET, &price.to_le_bytes());
    patch(&mut data, LEGACY_AGG_CONF_OFFSET, &conf.to_le_bytes());
    patch(&mut data, LEGACY_EXPO_OFFSET, &expo.to_le_bytes());
    patch(
        &mut data,
        LEGACY_TIMESTAMP_OFFSET,
        &publish_time.to_le_bytes(),
    );
    patch(&mut data, LEGACY_AGG_STATUS_OFFSET, &[status]);
    patch(&mut data, LEGACY_EMA_PRICE_OFFSET, &price.to_le_bytes());
    patch(
        &mut data,
        LEGACY_PREV_TIMESTAMP_OFFSET,
        &publish_time.saturating_sub(1).to_le_bytes(),
    );
    data
}

/// Overwrite `data[offset..offset + bytes.len()]` with `bytes`.
pub fn patch(data: &mut [u8], offset: usize, bytes: &[u8]) {
    data[offset..offset + bytes.len()].copy_from_slice(bytes);
}

/// An owned account from which a real `AccountInfo` can be borrowed. The
/// data lives in a `u64` buffer so it is 8-byte aligned, like the runtime's
/// serialised input; `misaligned` shifts it by one byte to test the guard.
pub struct TestAccount {
    pub key: Pubkey,
    pub owner: Pubkey,
    /// unit: lamports.
    pub lamports: u64,
    words: Vec<u64>,
    /// unit: bytes. Length of the data.
    len: usize,
    /// unit: bytes. Offset of the data inside `words` (0 or 1).
    shift: usize,
}

impl TestAccount {
    /// An account at `key` owned by `owner` holding `data`.
    pub fn new(key: Pubkey, owner: Pubkey, data: &[u8]) -> Self {
        Self::with_shift(key, owner, data, 0)
    }

    /// Like [`Self::new`], but with the data starting one byte past an
    /// 8-byte boundary.
    pub fn misaligned(key: Pubkey, owner: Pubkey, data: &[u8]) -> Self {
        Self::with_shift(key, owner, data, 1)
    }

    fn with_shift(key: Pubkey, owner: Pubkey, data: &[u8], shift: usize) -> Self {
        let mut words = vec![0u64; (data.len() + shift).div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[shift..shift + data.len()]
            .copy_from_slice(data);
        Self {
            key,
            owner,
            lamports: 1_000_000_000,
            words,
            len: data.len(),
            shift,
        }
    }

    /// A read-only, non-signer `AccountInfo` over this account.
    pub fn info(&mut self) -> AccountInfo<'_> {
        let data = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut self.words)
            [self.shift..self.shift + self.len];
        AccountInfo::new(
            &self.key,
            false,
            false,
            &mut self.lamports,
            data,
            &self.owner,
            false,
        )
    }
}
