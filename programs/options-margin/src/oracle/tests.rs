//! `read_price` end to end on the real mainnet dumps and on builder-made
//! accounts, through real `AccountInfo`s with the real owners and a clock
//! pinned near the publish time. Every rejection is asserted by exact code.

use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

use super::fixtures::*;
use super::*;
use crate::error::ErrorCode;

/// Assert that `$res` failed with exactly `ErrorCode::$code`.
macro_rules! assert_oracle_err {
    ($res:expr, $code:ident) => {
        match $res {
            Ok(v) => panic!("expected {}, got Ok({:?})", stringify!($code), v),
            Err(e) => assert_eq!(
                e,
                anchor_lang::error::Error::from(ErrorCode::$code),
                "expected {}",
                stringify!($code)
            ),
        }
    };
}

/// unit: seconds. Clock lead over the publish time in the happy paths.
const CLOCK_LEAD_SECS: i64 = 3;
/// unit: seconds.
const MAX_AGE_SECS: u32 = 60;
/// unit: bps of price (2%).
const MAX_CONF_BPS: u16 = 200;

fn pull_cfg() -> OracleConfig {
    OracleConfig::new(
        OracleKind::PythPull,
        SOL_USD_FEED_ID,
        MAX_AGE_SECS,
        MAX_CONF_BPS,
        10_000,
    )
}

fn legacy_cfg() -> OracleConfig {
    OracleConfig::new(
        OracleKind::PythLegacy,
        SOL_USD_LEGACY_ADDRESS.to_bytes(),
        MAX_AGE_SECS,
        MAX_CONF_BPS,
        10_000,
    )
}

fn read_with(
    key: Pubkey,
    owner: Pubkey,
    data: &[u8],
    cfg: &OracleConfig,
    now: i64,
) -> Result<OraclePrice> {
    let mut account = TestAccount::new(key, owner, data);
    read_price(&account.info(), cfg, now)
}

fn read_pull(data: &[u8], now: i64) -> Result<OraclePrice> {
    read_with(
        Pubkey::new_unique(),
        PYTH_RECEIVER_PROGRAM_ID,
        data,
        &pull_cfg(),
        now,
    )
}

fn read_legacy(data: &[u8], now: i64) -> Result<OraclePrice> {
    read_with(
        SOL_USD_LEGACY_ADDRESS,
        LEGACY_PYTH_PROGRAM_ID,
        data,
        &legacy_cfg(),
        now,
    )
}

/// A Full pull update for SOL/USD published at `publish_time`.
fn pull(price: i64, conf: u64, expo: i32, publish_time: i64) -> Vec<u8> {
    price_update_v2_bytes(
        SOL_USD_FEED_ID,
        price,
        conf,
        expo,
        publish_time,
        VerificationLevelByte::Full,
    )
}

/// A Trading legacy account published at `publish_time`.
fn legacy(price: i64, conf: u64, expo: i32, publish_time: i64) -> Vec<u8> {
    legacy_price_bytes(price, conf, expo, publish_time, LEGACY_STATUS_TRADING)
}

const T: i64 = PULL_DUMP_PUBLISH_TIME;
const NOW: i64 = T + CLOCK_LEAD_SECS;

// ---------------------------------------------------------------- pull ----

#[test]
fn pull_real_dump_decodes() {
    let price = read_pull(SOL_USD_PRICE_UPDATE_V2, NOW).unwrap();
    assert_eq!(
        price,
        OraclePrice {
            price_e12: 156_797_690_990_000,
            conf_e12: 161_972_710_000,
            ema_e12: 156_609_218_000_000,
            publish_time: 1_721_133_402,
            prev_publish_time: 1_721_133_401,
        }
    );
    assert_eq!(SOL_USD_PRICE_UPDATE_V2.len(), PriceUpdateV2::LEN);
}

#[test]
fn pull_builder_reproduces_dump_byte_for_byte() {
    let mut bytes = SOL_USD_PRICE_UPDATE_V2;
    let real = PriceUpdateV2::try_deserialize(&mut bytes).unwrap();
    assert!(matches!(real.verification_level, VerificationLevel::Full));
    let m = real.price_message;
    assert_eq!(m.feed_id, SOL_USD_FEED_ID);
    assert_eq!(
        (m.price, m.conf, m.exponent),
        (PULL_DUMP_PRICE, PULL_DUMP_CONF, PULL_DUMP_EXPO)
    );
    assert_eq!(m.publish_time, PULL_DUMP_PUBLISH_TIME);
    let built = price_update_v2_bytes_from(&PriceUpdateV2Fields {
        write_authority: real.write_authority.to_bytes(),
        verification: VerificationLevelByte::Full,
        feed_id: m.feed_id,
        price: m.price,
        conf: m.conf,
        expo: m.exponent,
        publish_time: m.publish_time,
        prev_publish_time: m.prev_publish_time,
        ema_price: m.ema_price,
        ema_conf: m.ema_conf,
        posted_slot: real.posted_slot,
    });
    assert_eq!(built.as_slice(), SOL_USD_PRICE_UPDATE_V2);
    assert_eq!(
        &built[..8],
        &[0x22, 0xf1, 0x23, 0x63, 0x9d, 0x7e, 0xf4, 0xcd]
    );
}

#[test]
fn pull_builder_reads_back() {
    let data = pull(PULL_DUMP_PRICE, PULL_DUMP_CONF, PULL_DUMP_EXPO, T);
    assert_eq!(data.len(), PriceUpdateV2::LEN);
    // The builder sets the EMA to the price; the dump's EMA differs.
    let built = read_pull(&data, NOW).unwrap();
    let real = read_pull(SOL_USD_PRICE_UPDATE_V2, NOW).unwrap();
    assert_eq!(built.ema_e12, built.price_e12);
    assert_eq!(
        built,
        OraclePrice {
            ema_e12: built.ema_e12,
            ..real
        }
    );
    // Partial uses the padding byte: same allocated length.
    let partial = price_update_v2_bytes(
        SOL_USD_FEED_ID,
        1,
        0,
        -8,
        T,
        VerificationLevelByte::Partial { num_signatures: 5 },
    );
    assert_eq!(partial.len(), PriceUpdateV2::LEN);
}

#[test]
fn pull_wrong_owner() {
    let cfg = pull_cfg();
    for owner in [
        Pubkey::default(),
        LEGACY_PYTH_PROGRAM_ID,
        Pubkey::new_unique(),
    ] {
        assert_oracle_err!(
            read_with(
                Pubkey::new_unique(),
                owner,
                SOL_USD_PRICE_UPDATE_V2,
                &cfg,
                NOW
            ),
            OracleWrongOwner
        );
    }
}

#[test]
fn pull_invalid_account_data() {
    let mut bad_disc = SOL_USD_PRICE_UPDATE_V2.to_vec();
    bad_disc[0] ^= 1;
    assert_oracle_err!(read_pull(&bad_disc, NOW), OracleInvalidAccount);
    assert_oracle_err!(read_pull(&[], NOW), OracleInvalidAccount);
    assert_oracle_err!(
        read_pull(&SOL_USD_PRICE_UPDATE_V2[..8], NOW),
        OracleInvalidAccount
    );
    assert_oracle_err!(
        read_pull(&SOL_USD_PRICE_UPDATE_V2[..100], NOW),
        OracleInvalidAccount
    );
    // Verification-level tag 2 is not a variant.
    let mut bad_tag = SOL_USD_PRICE_UPDATE_V2.to_vec();
    bad_tag[40] = 2;
    assert_oracle_err!(read_pull(&bad_tag, NOW), OracleInvalidAccount);
    // A legacy account handed over under the receiver's owner.
    assert_oracle_err!(read_pull(SOL_USD_LEGACY_PRICE, NOW), OracleInvalidAccount);
}

#[test]
fn pull_wrong_feed() {
    let mut other = SOL_USD_FEED_ID;
    other[31] ^= 0xff;
    let data = price_update_v2_bytes(other, 100, 1, -8, T, VerificationLevelByte::Full);
    assert_oracle_err!(read_pull(&data, NOW), OracleWrongFeed);
}

#[test]
fn pull_partial_verification() {
    for num_signatures in [0, 13, u8::MAX] {
        let data = price_update_v2_bytes(
            SOL_USD_FEED_ID,
            PULL_DUMP_PRICE,
            PULL_DUMP_CONF,
            PULL_DUMP_EXPO,
            T,
            VerificationLevelByte::Partial { num_signatures },
        );
        assert_oracle_err!(read_pull(&data, NOW), OracleNotFullyVerified);
    }
}

#[test]
fn pull_stale() {
    let max_age = i64::from(MAX_AGE_SECS);
    assert!(read_pull(SOL_USD_PRICE_UPDATE_V2, T + max_age).is_ok());
    assert_oracle_err!(
        read_pull(SOL_USD_PRICE_UPDATE_V2, T + max_age + 1),
        OracleStale
    );
    assert_oracle_err!(read_pull(SOL_USD_PRICE_UPDATE_V2, i64::MAX), OracleStale);
}

#[test]
fn pull_future_publish_time() {
    assert!(read_pull(SOL_USD_PRICE_UPDATE_V2, T).is_ok());
    assert!(read_pull(SOL_USD_PRICE_UPDATE_V2, T - MAX_FUTURE_SECS).is_ok());
    assert_oracle_err!(
        read_pull(SOL_USD_PRICE_UPDATE_V2, T - MAX_FUTURE_SECS - 1),
        OracleStale
    );
    assert_oracle_err!(read_pull(SOL_USD_PRICE_UPDATE_V2, i64::MIN), OracleStale);
    assert_oracle_err!(read_pull(&pull(100, 1, -8, i64::MAX), NOW), OracleStale);
    assert_oracle_err!(read_pull(&pull(100, 1, -8, i64::MIN), NOW), OracleStale);
}

#[test]
fn pull_non_positive_price() {
    for price in [0, -1, -PULL_DUMP_PRICE, i64::MIN] {
        assert_oracle_err!(
            read_pull(&pull(price, 0, -8, T), NOW),
            OracleNonPositivePrice
        );
    }
}

#[test]
fn pull_confidence_limit() {
    // 200 bps of 10_000_000_000 is exactly 200_000_000.
    assert!(read_pull(&pull(10_000_000_000, 200_000_000, -8, T), NOW).is_ok());
    assert_oracle_err!(
        read_pull(&pull(10_000_000_000, 200_000_001, -8, T), NOW),
        OracleConfidenceTooWide
    );
    assert_oracle_err!(
        read_pull(&pull(1, u64::MAX, -8, T), NOW),
        OracleConfidenceTooWide
    );
}

#[test]
fn pull_exponent_range() {
    for expo in [-13, 1, i32::MIN, i32::MAX] {
        assert_oracle_err!(
            read_pull(&pull(100, 1, expo, T), NOW),
            OracleExponentOutOfRange
        );
    }
    let finest = read_pull(&pull(123_456, 1_000, -12, T), NOW).unwrap();
    assert_eq!((finest.price_e12, finest.conf_e12), (123_456, 1_000));
    let coarsest = read_pull(&pull(150, 1, 0, T), NOW).unwrap();
    assert_eq!(
        (coarsest.price_e12, coarsest.conf_e12),
        (150_000_000_000_000, 1_000_000_000_000)
    );
}

#[test]
fn pull_price_out_of_range() {
    // Above u64::MAX e12 (≈ 18.4M USD) at expo 0.
    assert_oracle_err!(
        read_pull(&pull(i64::MAX, 0, 0, T), NOW),
        OraclePriceOutOfRange
    );
    assert_oracle_err!(
        read_pull(&pull(18_446_745, 0, 0, T), NOW),
        OraclePriceOutOfRange
    );
    assert_eq!(
        read_pull(&pull(i64::MAX, 0, -12, T), NOW)
            .unwrap()
            .price_e12,
        i64::MAX as u64
    );
}

#[test]
fn pull_validation_order() {
    // Wrong feed is reported before partial verification.
    let mut other = SOL_USD_FEED_ID;
    other[0] ^= 1;
    let data = price_update_v2_bytes(
        other,
        0,
        u64::MAX,
        -13,
        0,
        VerificationLevelByte::Partial { num_signatures: 1 },
    );
    assert_oracle_err!(read_pull(&data, NOW), OracleWrongFeed);
    // Verification before age; age before sign; sign before confidence;
    // confidence before exponent.
    let partial = price_update_v2_bytes(
        SOL_USD_FEED_ID,
        0,
        u64::MAX,
        -13,
        0,
        VerificationLevelByte::Partial { num_signatures: 1 },
    );
    assert_oracle_err!(read_pull(&partial, NOW), OracleNotFullyVerified);
    assert_oracle_err!(read_pull(&pull(0, u64::MAX, -13, 0), NOW), OracleStale);
    assert_oracle_err!(
        read_pull(&pull(0, u64::MAX, -13, T), NOW),
        OracleNonPositivePrice
    );
    assert_oracle_err!(
        read_pull(&pull(1, u64::MAX, -13, T), NOW),
        OracleConfidenceTooWide
    );
    assert_oracle_err!(
        read_pull(&pull(1, 0, -13, T), NOW),
        OracleExponentOutOfRange
    );
}

// -------------------------------------------------------------- legacy ----

const LT: i64 = LEGACY_DUMP_PUBLISH_TIME;
const LNOW: i64 = LT + CLOCK_LEAD_SECS;

#[test]
fn legacy_real_dump_decodes() {
    let price = read_legacy(SOL_USD_LEGACY_PRICE, LNOW).unwrap();
    assert_eq!(
        price,
        OraclePrice {
            price_e12: 132_724_572_490_000,
            conf_e12: 135_180_410_000,
            ema_e12: 133_548_104_000_000,
            publish_time: 1_720_094_645,
            prev_publish_time: 1_720_094_641,
        }
    );
}

#[test]
fn legacy_layout_offsets_and_builder_match_dump() {
    assert_eq!(SOL_USD_LEGACY_PRICE.len(), legacy::LEGACY_PRICE_ACCOUNT_LEN);
    assert_eq!(LEGACY_EXPO_OFFSET, 20);
    assert_eq!(LEGACY_TIMESTAMP_OFFSET, 96);
    assert_eq!(LEGACY_AGG_PRICE_OFFSET, 208);
    assert_eq!(LEGACY_AGG_CONF_OFFSET, 216);
    assert_eq!(LEGACY_AGG_STATUS_OFFSET, 224);
    assert_eq!(LEGACY_EMA_PRICE_OFFSET, 48);
    let mut rebuilt = legacy_price_bytes(
        LEGACY_DUMP_PRICE,
        LEGACY_DUMP_CONF,
        LEGACY_DUMP_EXPO,
        LEGACY_DUMP_PUBLISH_TIME,
        LEGACY_STATUS_TRADING,
    );
    // The builder sets the EMA to the price and the previous timestamp to
    // one second before; put the dump's back.
    patch(
        &mut rebuilt,
        LEGACY_EMA_PRICE_OFFSET,
        &LEGACY_DUMP_EMA_PRICE.to_le_bytes(),
    );
    assert_eq!(LEGACY_PREV_TIMESTAMP_OFFSET, 200);
    patch(
        &mut rebuilt,
        LEGACY_PREV_TIMESTAMP_OFFSET,
        &LEGACY_DUMP_PREV_TIMESTAMP.to_le_bytes(),
    );
    assert_eq!(rebuilt.as_slice(), SOL_USD_LEGACY_PRICE);
}

#[test]
fn legacy_builder_reads_back() {
    let got = read_legacy(&legacy(250_000, 100, -3, LT), LNOW).unwrap();
    assert_eq!(
        got,
        OraclePrice {
            price_e12: 250_000_000_000_000,
            conf_e12: 100_000_000_000,
            ema_e12: 250_000_000_000_000,
            publish_time: LT,
            prev_publish_time: LT - 1,
        }
    );
}

#[test]
fn legacy_wrong_owner() {
    let cfg = legacy_cfg();
    for owner in [
        PYTH_RECEIVER_PROGRAM_ID,
        Pubkey::default(),
        Pubkey::new_unique(),
    ] {
        assert_oracle_err!(
            read_with(
                SOL_USD_LEGACY_ADDRESS,
                owner,
                SOL_USD_LEGACY_PRICE,
                &cfg,
                LNOW
            ),
            OracleWrongOwner
        );
    }
}

#[test]
fn legacy_wrong_address() {
    let cfg = legacy_cfg();
    assert_oracle_err!(
        read_with(
            Pubkey::new_unique(),
            LEGACY_PYTH_PROGRAM_ID,
            SOL_USD_LEGACY_PRICE,
            &cfg,
            LNOW
        ),
        OracleWrongFeed
    );
}

#[test]
fn legacy_invalid_account_data() {
    let with = |offset: usize, bytes: &[u8]| {
        let mut data = SOL_USD_LEGACY_PRICE.to_vec();
        patch(&mut data, offset, bytes);
        data
    };
    // magic, version (1 and 3), account type (product = 2).
    assert_oracle_err!(
        read_legacy(&with(0, &[0, 0, 0, 0]), LNOW),
        OracleInvalidAccount
    );
    assert_oracle_err!(
        read_legacy(&with(4, &1u32.to_le_bytes()), LNOW),
        OracleInvalidAccount
    );
    assert_oracle_err!(
        read_legacy(&with(4, &3u32.to_le_bytes()), LNOW),
        OracleInvalidAccount
    );
    assert_oracle_err!(
        read_legacy(&with(8, &2u32.to_le_bytes()), LNOW),
        OracleInvalidAccount
    );
    // Too short, empty.
    assert_oracle_err!(
        read_legacy(
            &SOL_USD_LEGACY_PRICE[..SOL_USD_LEGACY_PRICE.len() - 1],
            LNOW
        ),
        OracleInvalidAccount
    );
    assert_oracle_err!(read_legacy(&[], LNOW), OracleInvalidAccount);
    // Undefined enum bytes: ptype 2, aggregate status 5, a corporate action,
    // and the last publisher's latest status.
    assert_oracle_err!(read_legacy(&with(16, &[2]), LNOW), OracleInvalidAccount);
    assert_oracle_err!(
        read_legacy(&legacy_price_bytes(1, 0, -8, LT, 5), LNOW),
        OracleInvalidAccount
    );
    assert_oracle_err!(
        read_legacy(&with(LEGACY_AGG_STATUS_OFFSET + 1, &[1]), LNOW),
        OracleInvalidAccount
    );
    assert_oracle_err!(
        read_legacy(&with(3312 - 16, &[0xff]), LNOW),
        OracleInvalidAccount
    );
    // A pull update under the legacy owner.
    assert_oracle_err!(
        read_legacy(SOL_USD_PRICE_UPDATE_V2, LNOW),
        OracleInvalidAccount
    );
}

#[test]
fn legacy_misaligned_data_is_rejected_not_panicking() {
    let mut account = TestAccount::misaligned(
        SOL_USD_LEGACY_ADDRESS,
        LEGACY_PYTH_PROGRAM_ID,
        SOL_USD_LEGACY_PRICE,
    );
    assert_oracle_err!(
        read_price(&account.info(), &legacy_cfg(), LNOW),
        OracleInvalidAccount
    );
}

#[test]
fn legacy_not_trading() {
    for status in [
        LEGACY_STATUS_UNKNOWN,
        LEGACY_STATUS_HALTED,
        LEGACY_STATUS_AUCTION,
        LEGACY_STATUS_IGNORED,
    ] {
        let data = legacy_price_bytes(LEGACY_DUMP_PRICE, LEGACY_DUMP_CONF, -8, LT, status);
        assert_oracle_err!(read_legacy(&data, LNOW), OracleNotTrading);
    }
}

#[test]
fn legacy_age_and_future() {
    let max_age = i64::from(MAX_AGE_SECS);
    assert!(read_legacy(SOL_USD_LEGACY_PRICE, LT + max_age).is_ok());
    assert_oracle_err!(
        read_legacy(SOL_USD_LEGACY_PRICE, LT + max_age + 1),
        OracleStale
    );
    assert!(read_legacy(SOL_USD_LEGACY_PRICE, LT - MAX_FUTURE_SECS).is_ok());
    assert_oracle_err!(
        read_legacy(SOL_USD_LEGACY_PRICE, LT - MAX_FUTURE_SECS - 1),
        OracleStale
    );
}

#[test]
fn legacy_price_checks() {
    for price in [0, -1, i64::MIN] {
        assert_oracle_err!(
            read_legacy(&legacy(price, 0, -8, LT), LNOW),
            OracleNonPositivePrice
        );
    }
    assert!(read_legacy(&legacy(10_000, 200, -8, LT), LNOW).is_ok());
    assert_oracle_err!(
        read_legacy(&legacy(10_000, 201, -8, LT), LNOW),
        OracleConfidenceTooWide
    );
    for expo in [-13, 1] {
        assert_oracle_err!(
            read_legacy(&legacy(100, 1, expo, LT), LNOW),
            OracleExponentOutOfRange
        );
    }
    assert_eq!(
        read_legacy(&legacy(7, 0, -12, LT), LNOW).unwrap().price_e12,
        7
    );
    assert_eq!(
        read_legacy(&legacy(7, 0, 0, LT), LNOW).unwrap().price_e12,
        7_000_000_000_000
    );
    assert_oracle_err!(
        read_legacy(&legacy(i64::MAX, 0, 0, LT), LNOW),
        OraclePriceOutOfRange
    );
}

// -------------------------------------------------------------- config ----

#[test]
fn kind_mismatch_is_wrong_owner() {
    let legacy_kind = OracleConfig {
        kind: OracleKind::PythLegacy as u8,
        ..pull_cfg()
    };
    assert_oracle_err!(
        read_with(
            Pubkey::new_unique(),
            PYTH_RECEIVER_PROGRAM_ID,
            SOL_USD_PRICE_UPDATE_V2,
            &legacy_kind,
            NOW
        ),
        OracleWrongOwner
    );
    let pull_kind = OracleConfig {
        kind: OracleKind::PythPull as u8,
        ..legacy_cfg()
    };
    assert_oracle_err!(
        read_with(
            SOL_USD_LEGACY_ADDRESS,
            LEGACY_PYTH_PROGRAM_ID,
            SOL_USD_LEGACY_PRICE,
            &pull_kind,
            LNOW
        ),
        OracleWrongOwner
    );
}

#[test]
fn config_validate_bounds() {
    let ok = pull_cfg();
    assert!(ok.validate().is_ok());
    assert!(legacy_cfg().validate().is_ok());
    let edges = [
        OracleConfig {
            max_age_secs: 1,
            ..ok
        },
        OracleConfig {
            max_age_secs: MAX_AGE_SECS_LIMIT,
            ..ok
        },
        OracleConfig {
            max_conf_bps: 1,
            ..ok
        },
        OracleConfig {
            max_conf_bps: MAX_CONF_BPS_LIMIT,
            conf_k_bps: 49_999,
            ..ok
        },
        OracleConfig {
            max_conf_bps: 1_999,
            conf_k_bps: MAX_CONF_K_BPS,
            ..ok
        },
        OracleConfig {
            conf_k_bps: 0,
            ..ok
        },
    ];
    for cfg in edges {
        assert!(cfg.validate().is_ok(), "{cfg:?}");
    }
    let bad = [
        OracleConfig {
            max_age_secs: 0,
            ..ok
        },
        OracleConfig {
            max_age_secs: MAX_AGE_SECS_LIMIT + 1,
            ..ok
        },
        OracleConfig {
            max_conf_bps: 0,
            ..ok
        },
        OracleConfig {
            max_conf_bps: MAX_CONF_BPS_LIMIT + 1,
            ..ok
        },
        OracleConfig {
            conf_k_bps: MAX_CONF_K_BPS + 1,
            ..ok
        },
        OracleConfig {
            max_conf_bps: MAX_CONF_BPS_LIMIT,
            conf_k_bps: MAX_CONF_K_BPS,
            ..ok
        },
        OracleConfig { kind: 2, ..ok },
        OracleConfig {
            kind: u8::MAX,
            ..ok
        },
        OracleConfig {
            _padding: [0, 0, 0, 0, 0, 0, 1],
            ..ok
        },
    ];
    for cfg in bad {
        assert_oracle_err!(cfg.validate(), OracleConfigInvalid);
        // read_price validates first, before touching the account.
        assert_oracle_err!(read_pull_with_cfg(&cfg), OracleConfigInvalid);
    }
}

fn read_pull_with_cfg(cfg: &OracleConfig) -> Result<OraclePrice> {
    read_with(Pubkey::new_unique(), Pubkey::default(), &[], cfg, NOW)
}

#[test]
fn oracle_kind_encoding() {
    assert_eq!(OracleKind::from_u8(0), Some(OracleKind::PythPull));
    assert_eq!(OracleKind::from_u8(1), Some(OracleKind::PythLegacy));
    assert_eq!(OracleKind::from_u8(2), None);
    let mut bytes = Vec::new();
    OracleKind::PythLegacy.serialize(&mut bytes).unwrap();
    assert_eq!(bytes, vec![1]);
    assert_eq!(
        OracleKind::try_from_slice(&[0]).unwrap(),
        OracleKind::PythPull
    );
    assert!(OracleKind::try_from_slice(&[2]).is_err());
}

// ---------------------------------------------------------------- band ----

fn px(price_e12: u64, conf_e12: u64) -> OraclePrice {
    OraclePrice {
        price_e12,
        conf_e12,
        ema_e12: price_e12,
        publish_time: 0,
        prev_publish_time: 0,
    }
}

#[test]
fn band_rounds_against_the_user() {
    // 1.5 · 3 = 4.5 → band 5: low rounds down, high rounds up.
    assert_eq!(px(1_000, 3).low_e12(15_000).unwrap(), 995);
    assert_eq!(px(1_000, 3).high_e12(15_000).unwrap(), 1_005);
    // Exact band.
    assert_eq!(px(1_000, 4).low_e12(5_000).unwrap(), 998);
    assert_eq!(px(1_000, 4).high_e12(5_000).unwrap(), 1_002);
    // k = 0 and conf = 0 leave the price.
    assert_eq!(px(1_000, 4).low_e12(0).unwrap(), 1_000);
    assert_eq!(px(1_000, 0).high_e12(u16::MAX).unwrap(), 1_000);
}

#[test]
fn band_on_real_dump() {
    let p = read_pull(SOL_USD_PRICE_UPDATE_V2, NOW).unwrap();
    assert_eq!(
        p.low_e12(10_000).unwrap(),
        156_797_690_990_000 - 161_972_710_000
    );
    assert_eq!(
        p.high_e12(10_000).unwrap(),
        156_797_690_990_000 + 161_972_710_000
    );
    assert_eq!(
        p.low_e12(20_000).unwrap(),
        156_797_690_990_000 - 2 * 161_972_710_000
    );
}

#[test]
fn band_low_non_positive_is_an_error() {
    assert_oracle_err!(px(10, 10).low_e12(10_000), OracleNonPositivePrice);
    assert_oracle_err!(px(10, 10).low_e12(u16::MAX), OracleNonPositivePrice);
    // Rounding the band up can reach the price: 9_999 / 10_000 → 1.
    assert_oracle_err!(px(1, 1).low_e12(9_999), OracleNonPositivePrice);
    assert_eq!(px(11, 10).low_e12(10_000).unwrap(), 1);
}

#[test]
fn band_high_overflow_is_an_error() {
    assert_oracle_err!(px(u64::MAX, 1).high_e12(1), OraclePriceOutOfRange);
    assert_oracle_err!(px(u64::MAX - 9, 10).high_e12(10_001), OraclePriceOutOfRange);
    assert_eq!(px(u64::MAX - 10, 10).high_e12(10_000).unwrap(), u64::MAX);
    assert_eq!(
        px(u64::MAX, u64::MAX).low_e12(9_999).unwrap(),
        u64::MAX / 10_000
    );
}
