//! What every command needs: the client (chain, signer, prices), the
//! profile, and the exchange.

use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use options_margin_client::client::Client;
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::setup::parse_pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::backend::Backend;
use crate::cli::Global;
use crate::profile::{self, Profile};

/// unit: lamports. What the embedded chain's faucet gives a signer that has less than half of it.
const LOCAL_FEE_FUND_LAMPORTS: u64 = 100_000_000_000;

pub struct Context {
    pub client: Client<Backend>,
    pub profile: Profile,
    pub profile_path: PathBuf,
    pub global: Global,
}

/// The keypair file `path` (Solana CLI format), with a clear error.
pub fn read_keypair(path: &Path) -> ClientResult<Keypair> {
    if !path.exists() {
        return Err(ClientError::Input(format!(
            "keypair file {} not found (create one with `options-margin keygen --outfile {}`, or pass --keypair)",
            path.display(),
            path.display()
        )));
    }
    solana_keypair::read_keypair_file(path)
        .map_err(|e| ClientError::Input(format!("keypair file {}: {e}", path.display())))
}

/// `~/.config/solana/id.json`.
pub fn default_keypair_path() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".config/solana/id.json")
}

impl Context {
    pub async fn open(global: &Global) -> ClientResult<Self> {
        let keypair = read_keypair(&global.keypair.clone().unwrap_or_else(default_keypair_path))?;
        let mut backend = Backend::open(global).await?;
        if backend.is_local() {
            fund_locally(&mut backend, &keypair.pubkey()).await?;
        }
        let profile_path = profile::path(global);
        let profile = Profile::load(&profile_path)?;
        let mut client = Client::new(backend, keypair);
        client.cu_price_micro_lamports = global.compute_unit_price;
        Ok(Self {
            client,
            profile,
            profile_path,
            global: global.clone(),
        })
    }

    /// The exchange: `--exchange`, else the profile's.
    pub fn exchange(&self) -> ClientResult<Pubkey> {
        match (&self.global.exchange, self.profile.exchange) {
            (Some(text), _) => parse_pubkey(text),
            (None, Some(k)) => Ok(k),
            (None, None) => Err(ClientError::Input(format!(
                "no exchange: pass --exchange, or run `exchange init` (profile {})",
                self.profile_path.display()
            ))),
        }
    }

    pub fn signer(&self) -> &Keypair {
        &self.client.payer
    }

    /// On a local ledger, tops up `key` from the embedded faucet so it can pay fees and rent.
    pub async fn fund_locally(&mut self, key: &Pubkey) -> ClientResult<()> {
        if self.client.chain.is_local() {
            fund_locally(&mut self.client.chain, key).await?;
        }
        Ok(())
    }
}

async fn fund_locally(backend: &mut Backend, key: &Pubkey) -> ClientResult<()> {
    use options_margin_client::Chain;
    let balance = backend.account(key).await?.map_or(0, |a| a.lamports);
    if balance < LOCAL_FEE_FUND_LAMPORTS / 2 {
        backend.airdrop(key, LOCAL_FEE_FUND_LAMPORTS).await?;
    }
    Ok(())
}
