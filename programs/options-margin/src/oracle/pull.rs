//! `PriceUpdateV2` accounts written by the Pyth Solana receiver program (the
//! pull oracle mainnet serves). Anyone can post an update, so an account is
//! trusted only through its owner, its feed id and full Wormhole verification;
//! its address is irrelevant.
//!
//! Layout (Anchor account, Borsh): discriminator `22f123639d7ef4cd`, write
//! authority (32), verification level (1 byte tag + 1 byte signature count for
//! `Partial`), feed id (32), price i64, conf u64, exponent i32, publish_time
//! i64, prev_publish_time i64, ema_price i64, ema_conf u64, posted_slot u64.
//! Accounts are allocated at `PriceUpdateV2::LEN` = 134 bytes, so a `Full`
//! update carries one trailing zero byte.

use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

use super::RawPrice;
use crate::error::ErrorCode;
use crate::reader::AccountRead;

/// The Pyth receiver program that owns every `PriceUpdateV2`
/// (`rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ`).
pub const PYTH_RECEIVER_PROGRAM_ID: Pubkey = pyth_solana_receiver_sdk::ID;

/// Decode `info` as a `PriceUpdateV2` for `feed_id`. Checks, in order: owner
/// (`OracleWrongOwner`), discriminator and Borsh layout
/// (`OracleInvalidAccount`), feed id (`OracleWrongFeed`), verification level
/// (`OracleNotFullyVerified`). Age, sign, confidence and exponent are left to
/// [`RawPrice::check`].
pub fn load_raw<A: AccountRead + ?Sized>(info: &A, feed_id: &[u8; 32]) -> Result<RawPrice> {
    if *info.owner() != PYTH_RECEIVER_PROGRAM_ID {
        msg!("oracle: owner {} is not the Pyth receiver", info.owner());
        return err!(ErrorCode::OracleWrongOwner);
    }
    let update = {
        let data = info.data()?;
        let mut bytes: &[u8] = &data;
        PriceUpdateV2::try_deserialize(&mut bytes)
            .map_err(|_| error!(ErrorCode::OracleInvalidAccount))?
    };
    let message = &update.price_message;
    if message.feed_id != *feed_id {
        return err!(ErrorCode::OracleWrongFeed);
    }
    if !matches!(update.verification_level, VerificationLevel::Full) {
        return err!(ErrorCode::OracleNotFullyVerified);
    }
    Ok(RawPrice {
        price: message.price,
        conf: message.conf,
        expo: message.exponent,
        publish_time: message.publish_time,
        ema_price: message.ema_price,
        prev_publish_time: message.prev_publish_time,
    })
}
