//! Decoding of every account type the program owns (all `zero_copy`: an
//! 8-byte discriminator, then the `repr(C)` struct), plus the offsets a
//! `getProgramAccounts` scan filters on.

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use options_margin::state::{Collateral, LossShard, MarginAccount, Series, Underlying};
use solana_account::Account;

use crate::chain::{AccountFilter, Chain};
use crate::error::{ClientError, ClientResult};

/// unit: bytes. Offset of `MarginAccount::exchange` (after the discriminator).
pub const MARGIN_EXCHANGE_OFFSET: usize = 8;
/// unit: bytes. Offset of `MarginAccount::owner`.
pub const MARGIN_OWNER_OFFSET: usize = 8 + 32;

/// A zero-copy account of type `T` decoded from `data` (discriminator and
/// length checked), or `None` when the bytes are not one.
pub fn decode<T: bytemuck::Pod + Discriminator>(data: &[u8]) -> Option<T> {
    let size = 8 + core::mem::size_of::<T>();
    (data.len() >= size && &data[..8] == T::DISCRIMINATOR)
        .then(|| bytemuck::pod_read_unaligned::<T>(&data[8..size]))
}

/// The account at `key` decoded as `T`, owned by options-margin.
pub async fn fetch<T: bytemuck::Pod + Discriminator, C: Chain>(
    chain: &C,
    key: &Pubkey,
) -> ClientResult<T> {
    let account = chain
        .account(key)
        .await?
        .ok_or(ClientError::AccountNotFound(*key))?;
    decode_owned(key, &account)
}

/// `account` decoded as `T`, checking that options-margin owns it.
pub fn decode_owned<T: bytemuck::Pod + Discriminator>(
    key: &Pubkey,
    account: &Account,
) -> ClientResult<T> {
    if account.owner != options_margin::ID {
        return Err(ClientError::BadAccount(
            *key,
            format!("owned by {}, not options-margin", account.owner),
        ));
    }
    decode(&account.data).ok_or_else(|| {
        ClientError::BadAccount(*key, format!("not a {}", std::any::type_name::<T>()))
    })
}

/// Every margin account of `exchange` (optionally of one `owner`), by a
/// `getProgramAccounts` scan on size, discriminator and exchange.
pub async fn margin_accounts<C: Chain>(
    chain: &C,
    exchange: &Pubkey,
    owner: Option<&Pubkey>,
) -> ClientResult<Vec<(Pubkey, MarginAccount)>> {
    let mut filters = vec![
        AccountFilter::DataSize(MarginAccount::SPACE as u64),
        AccountFilter::Memcmp {
            offset: 0,
            bytes: MarginAccount::DISCRIMINATOR.to_vec(),
        },
        AccountFilter::Memcmp {
            offset: MARGIN_EXCHANGE_OFFSET,
            bytes: exchange.to_bytes().to_vec(),
        },
    ];
    if let Some(owner) = owner {
        filters.push(AccountFilter::Memcmp {
            offset: MARGIN_OWNER_OFFSET,
            bytes: owner.to_bytes().to_vec(),
        });
    }
    let found = chain
        .program_accounts(&options_margin::ID, &filters)
        .await?;
    let mut out: Vec<(Pubkey, MarginAccount)> = found
        .iter()
        .filter_map(|(k, a)| decode::<MarginAccount>(&a.data).map(|m| (*k, m)))
        .collect();
    out.sort_by_key(|(k, m)| (m.owner, m.account_index, *k));
    Ok(out)
}

/// Every series of `exchange`, by a scan on size, discriminator and exchange.
pub async fn series_of_exchange<C: Chain>(
    chain: &C,
    exchange: &Pubkey,
) -> ClientResult<Vec<(Pubkey, Series)>> {
    scan_by_exchange::<Series, C>(chain, exchange, Series::SPACE).await
}

/// Every underlying of `exchange`.
pub async fn underlyings_of_exchange<C: Chain>(
    chain: &C,
    exchange: &Pubkey,
) -> ClientResult<Vec<(Pubkey, Underlying)>> {
    scan_by_exchange::<Underlying, C>(chain, exchange, Underlying::SPACE).await
}

/// Every collateral registered on `exchange`.
pub async fn collaterals_of_exchange<C: Chain>(
    chain: &C,
    exchange: &Pubkey,
) -> ClientResult<Vec<(Pubkey, Collateral)>> {
    let mut out = scan_by_exchange::<Collateral, C>(chain, exchange, Collateral::SPACE).await?;
    out.sort_by_key(|(_, c)| c.index);
    Ok(out)
}

/// The loss shards of `exchange` that exist.
pub async fn loss_shards<C: Chain>(
    chain: &C,
    exchange: &Pubkey,
) -> ClientResult<Vec<(Pubkey, LossShard)>> {
    scan_by_exchange::<LossShard, C>(chain, exchange, LossShard::SPACE).await
}

async fn scan_by_exchange<T: bytemuck::Pod + Discriminator, C: Chain>(
    chain: &C,
    exchange: &Pubkey,
    space: usize,
) -> ClientResult<Vec<(Pubkey, T)>> {
    let filters = [
        AccountFilter::DataSize(space as u64),
        AccountFilter::Memcmp {
            offset: 0,
            bytes: T::DISCRIMINATOR.to_vec(),
        },
        AccountFilter::Memcmp {
            offset: 8,
            bytes: exchange.to_bytes().to_vec(),
        },
    ];
    let found = chain
        .program_accounts(&options_margin::ID, &filters)
        .await?;
    let mut out: Vec<(Pubkey, T)> = found
        .iter()
        .filter_map(|(k, a)| decode::<T>(&a.data).map(|t| (*k, t)))
        .collect();
    out.sort_by_key(|(k, _)| *k);
    Ok(out)
}
