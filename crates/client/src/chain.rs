//! One chain trait, two back-ends: a cluster over JSON-RPC
//! ([`crate::rpc::RpcChain`], feature `rpc`) and solana-program-test's bank
//! in process ([`crate::embedded::EmbeddedChain`], feature `embedded`).
//! Everything above it (instruction assembly, health, the CLI, the bot, the
//! simulator) is written once, against this trait.

use anchor_lang::prelude::{Clock, Pubkey};
use solana_account::Account;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

use crate::error::ClientResult;

/// A `getProgramAccounts` filter (both must hold for an account to match).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountFilter {
    /// unit: bytes. The account's data length.
    DataSize(u64),
    /// `bytes` at byte `offset` of the account's data.
    Memcmp { offset: usize, bytes: Vec<u8> },
}

impl AccountFilter {
    /// True when `data` passes the filter.
    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            AccountFilter::DataSize(n) => data.len() as u64 == *n,
            AccountFilter::Memcmp { offset, bytes } => data
                .get(*offset..offset.saturating_add(bytes.len()))
                .is_some_and(|d| d == bytes.as_slice()),
        }
    }
}

/// What a simulation reports.
#[derive(Clone, Debug, Default)]
pub struct Simulation {
    /// unit: CU. Units consumed (including the compute-budget instructions).
    pub units: u64,
    pub logs: Vec<String>,
    /// The transaction's error, if it failed.
    pub error: Option<solana_transaction_error::TransactionError>,
    /// Data of every inner instruction invoking `options_margin` with
    /// Anchor's event tag (the `emit_cpi!` events), tag stripped.
    pub events: Vec<Vec<u8>>,
}

/// A Solana cluster as a client sees it.
#[allow(async_fn_in_trait)]
pub trait Chain {
    /// The account at `key`, `None` if it does not exist.
    async fn account(&self, key: &Pubkey) -> ClientResult<Option<Account>>;

    /// The accounts at `keys`, in order.
    async fn accounts(&self, keys: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.account(k).await?);
        }
        Ok(out)
    }

    /// Every account owned by `program` that passes all `filters`.
    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> ClientResult<Vec<(Pubkey, Account)>>;

    /// The cluster's clock.
    async fn clock(&self) -> ClientResult<Clock>;

    async fn latest_blockhash(&self) -> ClientResult<Hash>;

    /// Runs `tx` without committing it.
    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation>;

    /// Sends `tx` and waits until it is confirmed (or failed).
    async fn send(&self, tx: &VersionedTransaction) -> ClientResult<Signature>;

    /// unit: lamports. The minimum balance for `len` bytes to be rent-exempt.
    async fn rent_exempt_lamports(&self, len: usize) -> ClientResult<u64>;
}

/// A shared reference reads and sends through the chain it points to, so
/// several clients (two bots racing, a bot beside a trader) can share one.
impl<T: Chain> Chain for &T {
    async fn account(&self, key: &Pubkey) -> ClientResult<Option<Account>> {
        (**self).account(key).await
    }
    async fn accounts(&self, keys: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        (**self).accounts(keys).await
    }
    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        (**self).program_accounts(program, filters).await
    }
    async fn clock(&self) -> ClientResult<Clock> {
        (**self).clock().await
    }
    async fn latest_blockhash(&self) -> ClientResult<Hash> {
        (**self).latest_blockhash().await
    }
    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        (**self).simulate(tx).await
    }
    async fn send(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        (**self).send(tx).await
    }
    async fn rent_exempt_lamports(&self, len: usize) -> ClientResult<u64> {
        (**self).rent_exempt_lamports(len).await
    }
}
