//! The chain a command runs against: a cluster over RPC (`--url`), or the
//! embedded chain (the default; persisted with `--ledger DIR`). Both are
//! the SDK's [`Chain`]; what only a local ledger can do (publish prices,
//! a SOL faucet without limits) is refused on a cluster with a clear error.

use anchor_lang::prelude::{Clock, Pubkey};
use options_margin_client::chain::{AccountFilter, Chain, Simulation};
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::pyth_local::PullPrice;
use options_margin_client::rpc::{url_from_moniker, RpcChain};
use solana_commitment_config::CommitmentConfig;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

#[cfg(feature = "embedded")]
use options_margin_client::embedded::EmbeddedChain;

use crate::cli::{Commitment, Global};

pub enum Backend {
    Rpc(RpcChain),
    #[cfg(feature = "embedded")]
    Embedded(Box<EmbeddedChain>),
}

impl Backend {
    /// The chain `global` names: `--url`, else the embedded chain (from `--ledger` if given).
    pub async fn open(global: &Global) -> ClientResult<Self> {
        if let Some(url) = &global.url {
            let commitment = match global.commitment {
                Commitment::Processed => CommitmentConfig::processed(),
                Commitment::Confirmed => CommitmentConfig::confirmed(),
                Commitment::Finalized => CommitmentConfig::finalized(),
            };
            return Ok(Backend::Rpc(RpcChain::new(
                &url_from_moniker(url),
                commitment,
            )));
        }
        #[cfg(feature = "embedded")]
        {
            let chain = match &global.ledger {
                Some(dir) => EmbeddedChain::open(dir).await?,
                None => EmbeddedChain::start(options_margin_client::embedded::program_test()).await,
            };
            Ok(Backend::Embedded(Box::new(chain)))
        }
        #[cfg(not(feature = "embedded"))]
        Err(ClientError::Input(
            "built without the embedded chain: pass --url".into(),
        ))
    }

    /// A short description ("embedded chain (ledger DIR)", "https://…").
    pub fn describe(&self) -> String {
        match self {
            Backend::Rpc(r) => r.url(),
            #[cfg(feature = "embedded")]
            Backend::Embedded(_) => "embedded chain".into(),
        }
    }

    /// True for the embedded chain.
    pub fn is_local(&self) -> bool {
        !matches!(self, Backend::Rpc(_))
    }

    /// Writes the embedded chain's ledger back (no-op otherwise).
    pub async fn save(&self) -> ClientResult<()> {
        match self {
            Backend::Rpc(_) => Ok(()),
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => e.save().await,
        }
    }

    /// Publishes a Pyth update at `address` (local ledgers only).
    pub fn publish_price(&mut self, address: &Pubkey, price: PullPrice) -> ClientResult<()> {
        match self {
            Backend::Rpc(_) => Err(ClientError::Input(
                "oracle publish works on a local ledger only: on a cluster prices come from Pyth"
                    .into(),
            )),
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => {
                e.set_account(address, price.to_account());
                Ok(())
            }
        }
    }

    /// unit: lamports. Sends `lamports` to `to`: the embedded chain's own
    /// faucet, or an RPC airdrop (devnet, testnet, a local validator).
    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> ClientResult<()> {
        match self {
            Backend::Rpc(r) => {
                let sig = r
                    .client()
                    .request_airdrop(to, lamports)
                    .await
                    .map_err(|e| ClientError::Chain(format!("requestAirdrop: {e}")))?;
                for _ in 0..60 {
                    if r.client().confirm_transaction(&sig).await.unwrap_or(false) {
                        return Ok(());
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
                Err(ClientError::Chain(
                    "airdrop not confirmed within 30 s".into(),
                ))
            }
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => {
                let payer = e.payer();
                let ix = solana_system_interface::instruction::transfer(
                    &solana_signer::Signer::pubkey(&payer),
                    to,
                    lamports,
                );
                EmbeddedChain::send(e, &[ix], &[])
                    .await
                    .map_err(|err| ClientError::Transaction(err, Vec::new()))
            }
        }
    }

    /// Moves the embedded chain's clock forward (local ledgers only).
    pub async fn advance_time(&mut self, secs: i64) -> ClientResult<()> {
        match self {
            Backend::Rpc(_) => Err(ClientError::Input(
                "a cluster's clock cannot be moved".into(),
            )),
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => {
                e.advance_time(secs).await;
                Ok(())
            }
        }
    }
}

impl Chain for Backend {
    async fn account(&self, key: &Pubkey) -> ClientResult<Option<solana_account::Account>> {
        match self {
            Backend::Rpc(r) => r.account(key).await,
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => e.account(key).await,
        }
    }

    async fn accounts(
        &self,
        keys: &[Pubkey],
    ) -> ClientResult<Vec<Option<solana_account::Account>>> {
        match self {
            Backend::Rpc(r) => r.accounts(keys).await,
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => e.accounts(keys).await,
        }
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> ClientResult<Vec<(Pubkey, solana_account::Account)>> {
        match self {
            Backend::Rpc(r) => r.program_accounts(program, filters).await,
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => e.program_accounts(program, filters).await,
        }
    }

    async fn clock(&self) -> ClientResult<Clock> {
        match self {
            Backend::Rpc(r) => r.clock().await,
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => Chain::clock(e.as_ref()).await,
        }
    }

    async fn latest_blockhash(&self) -> ClientResult<solana_hash::Hash> {
        match self {
            Backend::Rpc(r) => r.latest_blockhash().await,
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => e.latest_blockhash().await,
        }
    }

    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        match self {
            Backend::Rpc(r) => r.simulate(tx).await,
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => Chain::simulate(e.as_ref(), tx).await,
        }
    }

    async fn send(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        match self {
            Backend::Rpc(r) => r.send(tx).await,
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => Chain::send(e.as_ref(), tx).await,
        }
    }

    async fn rent_exempt_lamports(&self, len: usize) -> ClientResult<u64> {
        match self {
            Backend::Rpc(r) => r.rent_exempt_lamports(len).await,
            #[cfg(feature = "embedded")]
            Backend::Embedded(e) => e.rent_exempt_lamports(len).await,
        }
    }
}
