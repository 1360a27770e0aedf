//! Legacy Pyth price accounts (v2 layout, owned by the Pyth oracle program),
//! read with `pyth-sdk-solana`'s `load_price_account`. Its types are built on
//! solana-program 2.x, not Anchor 1.x's, so only the raw bytes cross over.
//!
//! # Choices
//! - **Age source:** the aggregate's `timestamp` (unix seconds at which the
//!   current aggregate was computed). It is the same unit and meaning as the
//!   pull oracle's `publish_time`, so one `max_age_secs` serves both kinds.
//!   We never fall back to `prev_price`/`prev_timestamp` (the SDK does when
//!   the status is not `Trading`): a non-trading aggregate is rejected.
//! - **Soundness of the zero-copy cast:** `load_price_account` reinterprets
//!   the bytes as a struct with `#[repr(u8)]` enums and 8-byte alignment and
//!   panics on misalignment. Before calling it we reject (as
//!   `OracleInvalidAccount`) data that is too short, not 8-byte aligned (the
//!   runtime always aligns account data, so only hand-built buffers are), or
//!   has any enum byte outside its defined values, so the cast can neither
//!   panic nor produce an invalid enum.

use core::mem::{offset_of, size_of};

use anchor_lang::prelude::*;
use pyth_sdk_solana::state::{
    load_price_account, PriceComp, PriceInfo, PriceStatus, SolanaPriceAccount,
};

use super::RawPrice;
use crate::error::ErrorCode;
use crate::reader::AccountRead;

/// The legacy Pyth oracle program on Solana mainnet that owns price accounts.
pub const LEGACY_PYTH_PROGRAM_ID: Pubkey = pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");

/// unit: bytes. Size of a v2 price account with 32 publisher slots.
pub const LEGACY_PRICE_ACCOUNT_LEN: usize = size_of::<SolanaPriceAccount>();
const _: () = assert!(LEGACY_PRICE_ACCOUNT_LEN == 3312);

/// Publisher slots in a Solana legacy price account.
const NUM_COMPONENTS: usize = 32;
/// One byte per enum field in the account: `ptype`, then `status` and
/// `corp_act` of the aggregate and of both `PriceInfo`s of every component.
const NUM_ENUM_BYTES: usize = 1 + 2 + NUM_COMPONENTS * 2 * 2;

/// Largest defined value of `PriceType`, `PriceStatus` and `CorpAction`.
const MAX_PRICE_TYPE: u8 = 1;
const MAX_PRICE_STATUS: u8 = 4;
const MAX_CORP_ACTION: u8 = 0;

/// Byte offset and largest valid value of every enum field, computed at
/// compile time from the SDK's own struct layout.
const ENUM_BYTES: [(usize, u8); NUM_ENUM_BYTES] = {
    const fn push_info(
        mut table: [(usize, u8); NUM_ENUM_BYTES],
        at: usize,
        info_offset: usize,
    ) -> [(usize, u8); NUM_ENUM_BYTES] {
        table[at] = (
            info_offset + offset_of!(PriceInfo, status),
            MAX_PRICE_STATUS,
        );
        table[at + 1] = (
            info_offset + offset_of!(PriceInfo, corp_act),
            MAX_CORP_ACTION,
        );
        table
    }
    let mut table = [(0usize, 0u8); NUM_ENUM_BYTES];
    table[0] = (offset_of!(SolanaPriceAccount, ptype), MAX_PRICE_TYPE);
    table = push_info(table, 1, offset_of!(SolanaPriceAccount, agg));
    let mut i = 0;
    while i < NUM_COMPONENTS {
        let comp = offset_of!(SolanaPriceAccount, comp) + i * size_of::<PriceComp>();
        table = push_info(table, 3 + 4 * i, comp + offset_of!(PriceComp, agg));
        table = push_info(table, 5 + 4 * i, comp + offset_of!(PriceComp, latest));
        i += 1;
    }
    table
};

/// Whether `data` can be cast to `SolanaPriceAccount` without a panic or an
/// invalid enum value (length, alignment, every enum byte in range).
fn castable(data: &[u8]) -> bool {
    data.len() >= LEGACY_PRICE_ACCOUNT_LEN
        && data.as_ptr().cast::<SolanaPriceAccount>().is_aligned()
        && ENUM_BYTES
            .iter()
            .all(|&(offset, max)| data.get(offset).is_some_and(|b| *b <= max))
}

/// Decode `info` as the legacy price account registered at address
/// `feed_address`. Checks, in order: owner (`OracleWrongOwner`), address
/// (`OracleWrongFeed`), layout, magic, version and account type
/// (`OracleInvalidAccount`), aggregate status (`OracleNotTrading`). Age, sign,
/// confidence and exponent are left to [`RawPrice::check`].
pub fn load_raw<A: AccountRead + ?Sized>(info: &A, feed_address: &[u8; 32]) -> Result<RawPrice> {
    if *info.owner() != LEGACY_PYTH_PROGRAM_ID {
        msg!(
            "oracle: owner {} is not the legacy Pyth program",
            info.owner()
        );
        return err!(ErrorCode::OracleWrongOwner);
    }
    if info.key().to_bytes() != *feed_address {
        return err!(ErrorCode::OracleWrongFeed);
    }
    let data = info.data()?;
    if !castable(&data) {
        return err!(ErrorCode::OracleInvalidAccount);
    }
    let account = load_price_account::<NUM_COMPONENTS, ()>(&data)
        .map_err(|_| error!(ErrorCode::OracleInvalidAccount))?;
    if account.agg.status != PriceStatus::Trading {
        return err!(ErrorCode::OracleNotTrading);
    }
    Ok(RawPrice {
        price: account.agg.price,
        conf: account.agg.conf,
        expo: account.expo,
        publish_time: account.timestamp,
        ema_price: account.ema_price.val,
        prev_publish_time: account.prev_timestamp,
    })
}
