//! The chain over JSON-RPC: any cluster (mainnet-beta, devnet, testnet, a
//! local validator) through `solana-rpc-client`'s nonblocking client.
//!
//! Every read is made at the chain's commitment and decoded here, so that a
//! malformed answer becomes [`ClientError::Chain`] instead of a panic (the
//! client's own `get_account*` helpers `expect` on undecodable data).
//! [`RpcChain::send`] confirms at the chain's commitment and retries
//! transient failures (timeouts, an unhealthy node, a blockhash the node has
//! not seen yet) a bounded number of times; a transaction that ran and
//! failed comes back as [`ClientError::Transaction`] with its logs.

use std::fmt::Display;
use std::time::{Duration, Instant};

use anchor_lang::prelude::{Clock, Pubkey};
use base64::prelude::{Engine, BASE64_STANDARD};
use solana_account::Account;
use solana_account_decoder_client_types::{UiAccount, UiAccountEncoding};
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::{Error as RpcClientError, ErrorKind};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
    RpcSimulateTransactionConfig, RpcTransactionConfig, UiTransactionEncoding,
};
use solana_rpc_client_api::custom_error::{
    JSON_RPC_SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED, JSON_RPC_SERVER_ERROR_NODE_UNHEALTHY,
};
use solana_rpc_client_api::filter::{Memcmp, MemcmpEncodedBytes, RpcFilterType};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_rpc_client_api::response::{
    RpcSimulateTransactionResult, UiInnerInstructions, UiInstruction, UiLoadedAddresses,
    UiParsedInstruction,
};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

use crate::chain::{AccountFilter, Chain, Simulation};
use crate::error::{ClientError, ClientResult};
use crate::tx;

/// unit: accounts. The most keys one `getMultipleAccounts` call accepts.
pub const MULTIPLE_ACCOUNTS_CHUNK: usize = 100;
/// unit: retries. How many times [`RpcChain::send`] re-sends after a
/// transient failure (so at most `1 + SEND_RETRIES` sends).
pub const SEND_RETRIES: u32 = 3;
/// unit: milliseconds. Pause before the first retry; the n-th waits n times this.
pub const RETRY_DELAY_MS: u64 = 500;
/// unit: milliseconds. Pause between two `getSignatureStatuses` polls.
pub const POLL_INTERVAL_MS: u64 = 500;
/// unit: polls. How often (every n-th unanswered poll) the blockhash's
/// validity is checked while the transaction is not seen.
const BLOCKHASH_CHECK_EVERY: u32 = 4;
/// unit: seconds. The longest [`RpcChain::send`] waits for one send to
/// reach the commitment (a blockhash lives about 60 to 90 s; finalisation
/// adds about 13 s).
pub const CONFIRM_TIMEOUT_S: u64 = 120;

/// A cluster reached over JSON-RPC, read and written at one commitment.
pub struct RpcChain {
    client: RpcClient,
    commitment: CommitmentConfig,
}

/// The JSON-RPC URL of a Solana CLI moniker (`mainnet-beta`/`m`,
/// `devnet`/`d`, `testnet`/`t`, `localhost`/`l`); anything else is taken as
/// a URL and returned as given, as the CLI's `--url` does.
pub fn url_from_moniker(s: &str) -> String {
    match s {
        "m" | "mainnet-beta" => "https://api.mainnet-beta.solana.com",
        "d" | "devnet" => "https://api.devnet.solana.com",
        "t" | "testnet" => "https://api.testnet.solana.com",
        "l" | "localhost" => "http://127.0.0.1:8899",
        other => other,
    }
    .to_owned()
}

impl RpcChain {
    /// A chain at `url` (a URL, not a moniker: see [`url_from_moniker`]),
    /// every read, simulation and confirmation at `commitment`. Nothing is
    /// requested until the first call.
    pub fn new(url: &str, commitment: CommitmentConfig) -> Self {
        Self::from_client(RpcClient::new_with_commitment(url.to_owned(), commitment))
    }

    /// A chain over an existing client (custom timeout or sender), at the
    /// client's commitment.
    pub fn from_client(client: RpcClient) -> Self {
        let commitment = client.commitment();
        Self { client, commitment }
    }

    /// The underlying client, for RPC methods the [`Chain`] trait lacks.
    pub fn client(&self) -> &RpcClient {
        &self.client
    }

    /// The commitment every call is made at.
    pub fn commitment(&self) -> CommitmentConfig {
        self.commitment
    }

    /// The endpoint's URL.
    pub fn url(&self) -> String {
        self.client.url()
    }

    fn account_config(&self) -> RpcAccountInfoConfig {
        RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            data_slice: None,
            commitment: Some(self.commitment),
            min_context_slot: None,
        }
    }

    /// One send and its confirmation; the error says whether re-sending
    /// the same transaction may succeed.
    async fn send_once(
        &self,
        tx: &VersionedTransaction,
        signature: Signature,
    ) -> Result<(), SendFailure> {
        let config = RpcSendTransactionConfig {
            skip_preflight: false,
            preflight_commitment: Some(self.commitment.commitment),
            encoding: Some(UiTransactionEncoding::Base64),
            max_retries: None,
            min_context_slot: None,
        };
        if let Err(e) = self.client.send_transaction_with_config(tx, config).await {
            if let Some(failure) = send_failure(&e) {
                return Err(failure);
            }
        }
        self.confirm(tx, signature).await
    }

    /// Polls until `signature` reaches the chain's commitment, fails, or
    /// can no longer land (its blockhash expired without it being seen).
    async fn confirm(
        &self,
        tx: &VersionedTransaction,
        signature: Signature,
    ) -> Result<(), SendFailure> {
        let blockhash = *tx.message.recent_blockhash();
        // A durable-nonce transaction has no blockhash lifetime: only the timeout bounds it.
        let check_blockhash = !tx.uses_durable_nonce();
        let start = Instant::now();
        let mut unseen_polls = 0u32;
        loop {
            match self.status(&signature).await? {
                Status::Reached(Ok(())) => return Ok(()),
                Status::Reached(Err(e)) => {
                    let logs = self.landed_logs(&signature).await;
                    return Err(SendFailure::fatal(ClientError::Transaction(e, logs)));
                }
                Status::Landed => unseen_polls = 0,
                Status::Unseen => {
                    unseen_polls += 1;
                    if check_blockhash && unseen_polls.is_multiple_of(BLOCKHASH_CHECK_EVERY) {
                        let valid = self
                            .client
                            .is_blockhash_valid(&blockhash, CommitmentConfig::processed())
                            .await
                            .map_err(|e| SendFailure::from_rpc("isBlockhashValid", &e))?;
                        // It may have landed between the poll and this check.
                        if !valid && matches!(self.status(&signature).await?, Status::Unseen) {
                            return Err(SendFailure::fatal(ClientError::Chain(format!(
                                "sendTransaction: {signature} was not confirmed before its blockhash \
                                 {blockhash} expired; rebuild it with a new blockhash"
                            ))));
                        }
                    }
                }
            }
            if start.elapsed() > Duration::from_secs(CONFIRM_TIMEOUT_S) {
                return Err(SendFailure::fatal(ClientError::Chain(format!(
                    "sendTransaction: {signature} did not reach {:?} commitment within \
                     {CONFIRM_TIMEOUT_S} s; check its status before sending again",
                    self.commitment.commitment
                ))));
            }
            tokio::time::sleep(Duration::from_millis(POLL_INTERVAL_MS)).await;
        }
    }

    /// Where `signature` stands relative to the chain's commitment.
    async fn status(&self, signature: &Signature) -> Result<Status, SendFailure> {
        let response = self
            .client
            .get_signature_statuses(&[*signature])
            .await
            .map_err(|e| SendFailure::from_rpc("getSignatureStatuses", &e))?;
        Ok(match response.value.into_iter().next().flatten() {
            None => Status::Unseen,
            Some(s) if s.satisfies_commitment(self.commitment) => Status::Reached(s.status),
            Some(_) => Status::Landed,
        })
    }

    /// The logs of a landed transaction, best effort (empty when the node
    /// keeps no history or has not indexed it yet).
    async fn landed_logs(&self, signature: &Signature) -> Vec<String> {
        // getTransaction accepts `confirmed` and `finalized` only.
        let commitment = if self.commitment.is_finalized() {
            CommitmentConfig::finalized()
        } else {
            CommitmentConfig::confirmed()
        };
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(commitment),
            max_supported_transaction_version: Some(0),
        };
        match self
            .client
            .get_transaction_with_config(signature, config)
            .await
        {
            Ok(t) => t
                .transaction
                .meta
                .and_then(|m| Option::<Vec<String>>::from(m.log_messages))
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }
}

impl Chain for RpcChain {
    async fn account(&self, key: &Pubkey) -> ClientResult<Option<Account>> {
        let response = self
            .client
            .get_ui_account_with_config(key, self.account_config())
            .await
            .map_err(|e| rpc_error("getAccountInfo", key, &e))?;
        response
            .value
            .map(|ui| decode_account("getAccountInfo", key, &ui))
            .transpose()
    }

    /// `getMultipleAccounts`, [`MULTIPLE_ACCOUNTS_CHUNK`] keys per call.
    async fn accounts(&self, keys: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MULTIPLE_ACCOUNTS_CHUNK) {
            let what = format!("of {} keys from {}", chunk.len(), chunk[0]);
            let response = self
                .client
                .get_multiple_ui_accounts_with_config(chunk, self.account_config())
                .await
                .map_err(|e| rpc_error("getMultipleAccounts", &what, &e))?;
            if response.value.len() != chunk.len() {
                return Err(ClientError::Chain(format!(
                    "getMultipleAccounts {what}: the node answered {} accounts",
                    response.value.len()
                )));
            }
            for (key, ui) in chunk.iter().zip(response.value) {
                out.push(
                    ui.map(|ui| decode_account("getMultipleAccounts", key, &ui))
                        .transpose()?,
                );
            }
        }
        Ok(out)
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        let config = RpcProgramAccountsConfig {
            filters: Some(rpc_filters(filters)?),
            account_config: self.account_config(),
            with_context: None,
            sort_results: None,
        };
        let accounts = self
            .client
            .get_program_ui_accounts_with_config(program, config)
            .await
            .map_err(|e| rpc_error("getProgramAccounts", program, &e))?;
        accounts
            .into_iter()
            .map(|(key, ui)| Ok((key, decode_account("getProgramAccounts", &key, &ui)?)))
            .collect()
    }

    /// The Clock sysvar account at the chain's commitment, bincode-decoded.
    async fn clock(&self) -> ClientResult<Clock> {
        let key = solana_sdk_ids::sysvar::clock::ID;
        let account = self.account(&key).await?.ok_or_else(|| {
            ClientError::Chain(format!("getAccountInfo {key}: the Clock sysvar is missing"))
        })?;
        bincode::deserialize::<Clock>(&account.data).map_err(|e| {
            ClientError::Chain(format!(
                "getAccountInfo {key}: {} bytes are not a Clock: {e}",
                account.data.len()
            ))
        })
    }

    async fn latest_blockhash(&self) -> ClientResult<Hash> {
        self.client
            .get_latest_blockhash_with_commitment(self.commitment)
            .await
            .map(|(hash, _last_valid_block_height)| hash)
            .map_err(|e| rpc_error("getLatestBlockhash", "", &e))
    }

    /// `simulateTransaction` at the chain's commitment, without signature
    /// checks, with the node's latest blockhash in place of the
    /// transaction's (unless it uses a durable nonce), so that a lagging
    /// node does not turn a simulation into `BlockhashNotFound`.
    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            replace_recent_blockhash: !tx.uses_durable_nonce(),
            commitment: Some(self.commitment),
            encoding: Some(UiTransactionEncoding::Base64),
            accounts: None,
            min_context_slot: None,
            inner_instructions: true,
        };
        let response = self
            .client
            .simulate_transaction_with_config(tx, config)
            .await
            .map_err(|e| rpc_error("simulateTransaction", "", &e))?;
        simulation_from_result(tx, response.value)
    }

    /// `sendTransaction` with preflight at the chain's commitment, then
    /// `getSignatureStatuses` until the commitment is reached. Re-sends the
    /// same transaction (same signature, so it lands at most once) up to
    /// [`SEND_RETRIES`] times after a transient failure, logging each retry
    /// to stderr.
    async fn send(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        let signature = *tx
            .signatures
            .first()
            .ok_or_else(|| ClientError::Input("the transaction carries no signature".into()))?;
        let mut retries = 0;
        loop {
            match self.send_once(tx, signature).await {
                Ok(()) => return Ok(signature),
                Err(SendFailure {
                    error,
                    transient: true,
                }) if retries < SEND_RETRIES => {
                    retries += 1;
                    let delay = Duration::from_millis(RETRY_DELAY_MS * u64::from(retries));
                    eprintln!(
                        "options-margin-client: {error}; re-sending {signature} \
                         (retry {retries}/{SEND_RETRIES}) in {} ms",
                        delay.as_millis()
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(SendFailure { error, .. }) => return Err(error),
            }
        }
    }

    async fn rent_exempt_lamports(&self, len: usize) -> ClientResult<u64> {
        self.client
            .get_minimum_balance_for_rent_exemption(len)
            .await
            .map_err(|e| {
                rpc_error(
                    "getMinimumBalanceForRentExemption",
                    format!("{len} bytes"),
                    &e,
                )
            })
    }
}

/// Where a signature stands.
enum Status {
    /// Not seen by the node.
    Unseen,
    /// Processed, below the chain's commitment.
    Landed,
    /// At the chain's commitment, with its result.
    Reached(Result<(), TransactionError>),
}

/// A failed send and whether re-sending the same transaction may succeed.
#[derive(Debug)]
struct SendFailure {
    error: ClientError,
    transient: bool,
}

impl SendFailure {
    fn fatal(error: ClientError) -> Self {
        Self {
            error,
            transient: false,
        }
    }

    fn from_rpc(method: &str, e: &RpcClientError) -> Self {
        Self {
            error: rpc_error(method, "", e),
            transient: is_transient(e.kind()),
        }
    }
}

/// What a `sendTransaction` error means; `None` when the transaction
/// already landed (an earlier attempt went through, its answer was lost).
/// A failed preflight is the transaction's own error with the simulation's
/// logs; its `BlockhashNotFound` is transient (a node behind the one that
/// gave the blockhash sees it a few slots later).
fn send_failure(e: &RpcClientError) -> Option<SendFailure> {
    let (err, logs) = match e.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError {
            data:
                RpcResponseErrorData::SendTransactionPreflightFailure(RpcSimulateTransactionResult {
                    err: Some(err),
                    logs,
                    ..
                }),
            ..
        }) => (
            TransactionError::from(err.clone()),
            logs.clone().unwrap_or_default(),
        ),
        ErrorKind::TransactionError(err) => (err.clone(), Vec::new()),
        _ => return Some(SendFailure::from_rpc("sendTransaction", e)),
    };
    match err {
        TransactionError::AlreadyProcessed => None,
        err => Some(SendFailure {
            transient: err == TransactionError::BlockhashNotFound,
            error: ClientError::Transaction(err, logs),
        }),
    }
}

/// True for failures that may pass on a second try: timeouts, refused or
/// reset connections, rate limits and gateway errors, an unhealthy or
/// lagging node.
fn is_transient(kind: &ErrorKind) -> bool {
    match kind {
        ErrorKind::Io(_) => true,
        ErrorKind::Reqwest(e) => {
            e.is_timeout()
                || e.is_connect()
                || e.is_request()
                || e.status()
                    .is_some_and(|s| s.as_u16() == 429 || s.is_server_error())
        }
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) => {
            *code == JSON_RPC_SERVER_ERROR_NODE_UNHEALTHY
                || *code == JSON_RPC_SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED
        }
        _ => false,
    }
}

/// `ClientError::Chain("<method> <what>: <the RPC's text>")`.
fn rpc_error(method: &str, what: impl Display, e: &RpcClientError) -> ClientError {
    let what = what.to_string();
    let sep = if what.is_empty() { "" } else { " " };
    ClientError::Chain(format!("{method}{sep}{what}: {e}"))
}

/// The account an RPC answer describes, or a `Chain` error naming `key`.
fn decode_account(method: &str, key: &Pubkey, ui: &UiAccount) -> ClientResult<Account> {
    ui.decode::<Account>().ok_or_else(|| {
        ClientError::Chain(format!(
            "{method} {key}: the node's account data (owner {:?}) could not be decoded",
            ui.owner
        ))
    })
}

/// The RPC filters of `filters` (memcmp bytes base64-encoded), checked
/// against the node's limits before anything is sent.
fn rpc_filters(filters: &[AccountFilter]) -> ClientResult<Vec<RpcFilterType>> {
    filters
        .iter()
        .map(|f| {
            let rpc = rpc_filter(f);
            rpc.verify()
                .map_err(|e| ClientError::Input(format!("getProgramAccounts filter {f:?}: {e}")))?;
            Ok(rpc)
        })
        .collect()
}

/// One [`AccountFilter`] as the RPC spells it.
fn rpc_filter(filter: &AccountFilter) -> RpcFilterType {
    match filter {
        AccountFilter::DataSize(len) => RpcFilterType::DataSize(*len),
        AccountFilter::Memcmp { offset, bytes } => RpcFilterType::Memcmp(Memcmp::new(
            *offset,
            MemcmpEncodedBytes::Base64(BASE64_STANDARD.encode(bytes)),
        )),
    }
}

/// A [`Simulation`] from the node's answer for `tx`.
fn simulation_from_result(
    tx: &VersionedTransaction,
    result: RpcSimulateTransactionResult,
) -> ClientResult<Simulation> {
    let mut keys = simulation_keys(tx, result.loaded_addresses.as_ref())?;
    let inner = inner_instruction_payloads(
        &mut keys,
        result.inner_instructions.as_deref().unwrap_or_default(),
    )?;
    Ok(Simulation {
        units: result.units_consumed.unwrap_or(0),
        logs: result.logs.unwrap_or_default(),
        error: result.err.map(TransactionError::from),
        events: tx::cpi_events(
            &keys,
            inner
                .iter()
                .map(|(program, data)| (*program, data.as_slice())),
        ),
    })
}

/// The keys instruction indexes of `tx` refer to: the static keys, then the
/// lookup-table addresses the simulation loaded (writable, then read-only).
/// Without them (an older node) only the static keys are known.
fn simulation_keys(
    tx: &VersionedTransaction,
    loaded: Option<&UiLoadedAddresses>,
) -> ClientResult<Vec<Pubkey>> {
    let mut keys = tx.message.static_account_keys().to_vec();
    if let Some(loaded) = loaded {
        for address in loaded.writable.iter().chain(&loaded.readonly) {
            keys.push(address.parse::<Pubkey>().map_err(|e| {
                ClientError::Chain(format!(
                    "simulateTransaction: loaded address {address:?}: {e}"
                ))
            })?);
        }
    }
    Ok(keys)
}

/// `(program id index, data)` of every inner instruction whose data is
/// raw bytes. The node sends an instruction of a program it cannot parse
/// either compiled (an index) or partially decoded (the program's address,
/// then appended to `keys` if it is not among them); instructions it parsed
/// to JSON (System, SPL Token, …) carry no raw data and are skipped.
fn inner_instruction_payloads(
    keys: &mut Vec<Pubkey>,
    groups: &[UiInnerInstructions],
) -> ClientResult<Vec<(u8, Vec<u8>)>> {
    let mut out = Vec::new();
    for ix in groups.iter().flat_map(|g| &g.instructions) {
        let (program, data) = match ix {
            UiInstruction::Compiled(c) => (c.program_id_index, &c.data),
            UiInstruction::Parsed(UiParsedInstruction::PartiallyDecoded(p)) => {
                let program = p.program_id.parse::<Pubkey>().map_err(|e| {
                    ClientError::Chain(format!(
                        "simulateTransaction: inner program id {:?}: {e}",
                        p.program_id
                    ))
                })?;
                let index = match keys.iter().position(|k| *k == program) {
                    Some(i) => i,
                    None => {
                        keys.push(program);
                        keys.len() - 1
                    }
                };
                // Past 256 keys no index can name it (a transaction holds far fewer).
                let Ok(index) = u8::try_from(index) else {
                    continue;
                };
                (index, &p.data)
            }
            UiInstruction::Parsed(UiParsedInstruction::Parsed(_)) => continue,
        };
        let data = bs58::decode(data).into_vec().map_err(|e| {
            ClientError::Chain(format!(
                "simulateTransaction: inner instruction data is not base58: {e}"
            ))
        })?;
        out.push((program, data));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
