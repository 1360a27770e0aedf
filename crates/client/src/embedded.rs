//! The embedded chain: solana-program-test's bank in process (the real
//! runtime, the real SPL Token and Address Lookup Table programs, each of
//! this protocol's programs natively or from its `.so` when `SBF_OUT_DIR`
//! holds one), behind the same [`Chain`] trait as a cluster.
//!
//! With a ledger directory ([`EmbeddedChain::open`]) every account it has
//! seen and the clock are loaded at start and written back by
//! [`EmbeddedChain::save`], so a person can run the CLI command after
//! command on a machine with no validator, as against a cluster. It answers
//! `getProgramAccounts` over the accounts it has seen (every key of every
//! transaction it ran, every account written into it).

// solana-program-test 3.x marks its API "unstable" (deprecated) ahead of 4.0;
// it is the pinned embedded bank, so the warning carries no information here.
#![allow(deprecated)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anchor_lang::prelude::{AccountInfo, Clock, Pubkey};
use anchor_lang::{AccountDeserialize, Discriminator};
use solana_account::{Account, AccountSharedData};
use solana_banks_interface::BanksTransactionResultWithSimulation;
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_program_test::{
    processor, BanksClientError, ProgramTest, ProgramTestBanksClientExt, ProgramTestContext,
};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

use crate::chain::{AccountFilter, Chain, Simulation};
use crate::error::{ClientError, ClientResult};
use crate::tx;

/// Unix time a fresh chain starts at (2024-07-16 12:36:40 UTC, two seconds
/// before the real PriceUpdateV2 fixture was published).
pub const START_TS: i64 = 1_721_133_400;

/// unit: addresses. Addresses added per `extend_lookup_table` transaction
/// (25 × 32 bytes keeps the transaction well under 1,232 bytes).
const LOOKUP_EXTEND_CHUNK: usize = 25;

/// The file a ledger directory holds.
const LEDGER_FILE: &str = "ledger.json";

/// Adapts Anchor's `entry`, whose three arguments share one lifetime, to the
/// builtin signature of `processor!`.
pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: only the lifetimes change; `entry` does not keep the slice
    // beyond this call, and the runtime keeps the accounts alive for it.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    options_margin::entry(program_id, accounts, data)
}

/// [`process_instruction`] for the `liquidation_vault` program.
pub fn process_vault_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: as in `process_instruction`.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    liquidation_vault::entry(program_id, accounts, data)
}

/// True when `SBF_OUT_DIR` (or `BPF_OUT_DIR`) holds `<program_name>.so`.
pub fn sbf_binary_available_for(program_name: &str) -> bool {
    ["SBF_OUT_DIR", "BPF_OUT_DIR"].iter().any(|var| {
        std::env::var(var)
            .map(|dir| Path::new(&dir).join(format!("{program_name}.so")).is_file())
            .unwrap_or(false)
    })
}

/// A fresh `ProgramTest` with options-margin and liquidation-vault
/// registered, each from its SBF binary when `SBF_OUT_DIR` holds it,
/// natively otherwise.
pub fn program_test() -> ProgramTest {
    // program-test logs every instruction at debug level unless told
    // otherwise; keep output readable (set RUST_LOG to see them).
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var(
            "RUST_LOG",
            "solana_runtime::message_processor=warn,solana_program_test=warn",
        );
    }
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(sbf_binary_available_for("options_margin"));
    pt.add_program(
        "options_margin",
        options_margin::ID,
        processor!(process_instruction),
    );
    pt.prefer_bpf(sbf_binary_available_for("liquidation_vault"));
    pt.add_program(
        "liquidation_vault",
        liquidation_vault::ID,
        processor!(process_vault_instruction),
    );
    pt
}

/// A running in-process chain.
pub struct EmbeddedChain {
    pub ctx: ProgramTestContext,
    /// Address lookup tables the inherent `send*` methods compile against
    /// (empty: legacy transactions).
    lookup_tables: Vec<AddressLookupTableAccount>,
    /// Every account key seen (what `getProgramAccounts` and the ledger cover).
    known: Mutex<BTreeSet<Pubkey>>,
    /// The last blockhash handed out (each send asks for a newer one).
    blockhash: Mutex<Hash>,
    ledger: Option<PathBuf>,
}

/// What a simulation reports (the inherent test-bench API).
pub struct Simulated {
    /// unit: CU.
    pub units: u64,
    pub logs: Vec<String>,
}

impl EmbeddedChain {
    /// Starts a chain from `pt`, with the clock set to [`START_TS`].
    pub async fn start(pt: ProgramTest) -> Self {
        let chain = Self::from_context(pt.start_with_context().await, None);
        chain.set_time(START_TS).await;
        chain
    }

    /// Starts a chain from the ledger in `dir` (or a fresh one if it holds
    /// none, creating `dir`); [`Self::save`] writes it back.
    pub async fn open(dir: &Path) -> ClientResult<Self> {
        let mut pt = program_test();
        let ledger = Ledger::load(dir)?;
        if let Some(l) = &ledger {
            for (key, account) in &l.accounts {
                pt.add_account(*key, account.clone());
            }
        }
        let mut chain = Self::from_context(pt.start_with_context().await, Some(dir.to_path_buf()));
        match ledger {
            Some(l) => {
                chain
                    .known
                    .lock()
                    .expect("lock")
                    .extend(l.accounts.iter().map(|(k, _)| *k));
                if l.slot > 1 {
                    chain
                        .ctx
                        .warp_to_slot(l.slot)
                        .map_err(|e| ClientError::Chain(format!("warp: {e:?}")))?;
                }
                chain.set_time(l.unix_timestamp).await;
            }
            None => chain.set_time(START_TS).await,
        }
        Ok(chain)
    }

    fn from_context(ctx: ProgramTestContext, ledger: Option<PathBuf>) -> Self {
        let blockhash = Mutex::new(ctx.last_blockhash);
        Self {
            ctx,
            lookup_tables: Vec::new(),
            known: Mutex::new(BTreeSet::new()),
            blockhash,
            ledger,
        }
    }

    /// Writes every account seen and the clock to the ledger directory (a
    /// no-op for a chain started without one).
    pub async fn save(&self) -> ClientResult<()> {
        let Some(dir) = &self.ledger else {
            return Ok(());
        };
        let clock = self.clock().await;
        let keys: Vec<Pubkey> = self.known.lock().expect("lock").iter().copied().collect();
        let mut accounts = Vec::new();
        for key in keys {
            if key == self.ctx.payer.pubkey() {
                continue;
            }
            if let Some(a) = self.get_account(&key).await {
                if !a.executable
                    && a.owner != solana_sdk_ids::sysvar::ID
                    && a.owner != solana_sdk_ids::native_loader::ID
                {
                    accounts.push((key, a));
                }
            }
        }
        Ledger {
            slot: clock.slot,
            unix_timestamp: clock.unix_timestamp,
            accounts,
        }
        .store(dir)
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// unit: unix seconds.
    pub async fn now(&self) -> i64 {
        self.clock().await.unix_timestamp
    }

    pub async fn clock(&self) -> Clock {
        self.ctx
            .banks_client
            .get_sysvar::<Clock>()
            .await
            .expect("clock sysvar")
    }

    /// Sets the cluster clock to `unix_ts`.
    pub async fn set_time(&self, unix_ts: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp = unix_ts;
        self.ctx.set_sysvar(&clock);
    }

    /// Moves the clock forward by `secs` seconds.
    pub async fn advance_time(&self, secs: i64) {
        let now = self.now().await;
        self.set_time(now + secs).await;
    }

    /// Writes an account directly into the bank (local oracles, faucets,
    /// spoofed accounts in tests).
    pub fn set_account(&mut self, address: &Pubkey, account: Account) {
        self.known.lock().expect("lock").insert(*address);
        self.ctx
            .set_account(address, &AccountSharedData::from(account));
    }

    pub async fn get_account(&self, address: &Pubkey) -> Option<Account> {
        self.ctx
            .banks_client
            .get_account(*address)
            .await
            .expect("banks client")
    }

    /// unit: lamports. The rent-exempt minimum for `len` bytes.
    pub async fn rent_minimum(&self, len: usize) -> u64 {
        self.ctx
            .banks_client
            .get_rent()
            .await
            .expect("rent sysvar")
            .minimum_balance(len)
    }

    /// Deserialises an Anchor account (zero-copy or borsh), checking its discriminator.
    pub async fn load<T: AccountDeserialize>(&self, address: &Pubkey) -> T {
        let account = self.get_account(address).await.expect("account exists");
        T::try_deserialize(&mut account.data.as_slice()).expect("account deserialises")
    }

    /// Reads a zero-copy account by value.
    pub async fn load_zc<T: bytemuck::Pod + Discriminator>(&self, address: &Pubkey) -> T {
        let account = self.get_account(address).await.expect("account exists");
        assert_eq!(
            &account.data[..8],
            T::DISCRIMINATOR,
            "discriminator of {address}"
        );
        *bytemuck::from_bytes::<T>(&account.data[8..8 + std::mem::size_of::<T>()])
    }

    /// Raw bytes and lamports of `addresses`, to show an instruction changed nothing.
    pub async fn snapshot(&self, addresses: &[Pubkey]) -> Vec<Option<Account>> {
        let mut out = Vec::with_capacity(addresses.len());
        for a in addresses {
            out.push(self.get_account(a).await);
        }
        out
    }

    /// Sends `ixs` with a compute-budget instruction requesting their stated
    /// budget ([`crate::budget::transaction_budget`]), paid by the chain's
    /// payer and signed by `signers`.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), TransactionError> {
        self.send_with_cu(ixs, signers, crate::budget::transaction_budget(ixs))
            .await
    }

    fn build_tx(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        cu_limit: u32,
        blockhash: Hash,
    ) -> VersionedTransaction {
        let mut all = tx::compute_budget_instructions(cu_limit, 0);
        all.extend_from_slice(ixs);
        tx::build_transaction(
            &self.ctx.payer,
            &all,
            signers,
            &self.lookup_tables,
            blockhash,
        )
        .expect("transaction compiles and signs")
    }

    /// The accounts the transaction for `ixs` locks (see [`tx::locked_accounts`]).
    pub fn locked_accounts(&self, ixs: &[Instruction]) -> Vec<(Pubkey, bool)> {
        tx::locked_accounts(&self.ctx.payer.pubkey(), ixs)
    }

    /// unit: bytes. Wire size of the transaction the chain would send for `ixs`.
    pub fn wire_size(&self, ixs: &[Instruction], signers: &[&Keypair]) -> usize {
        let tx = self.build_tx(
            ixs,
            signers,
            crate::budget::transaction_budget(ixs),
            self.ctx.last_blockhash,
        );
        tx::wire_size(&tx)
    }

    /// Registers a lookup table the inherent `send*` methods compile against.
    pub fn use_lookup_table(&mut self, table: AddressLookupTableAccount) {
        self.lookup_tables.push(table);
    }

    /// The lookup tables registered so far.
    pub fn lookup_tables(&self) -> &[AddressLookupTableAccount] {
        &self.lookup_tables
    }

    /// Creates an address lookup table holding `addresses` with the real
    /// Address Lookup Table program (create, then extend in chunks), moves
    /// the chain one slot on so the new addresses are usable, keeps the
    /// clock's time, and compiles every later transaction as a v0 message
    /// against it (and against tables registered before).
    pub async fn create_lookup_table(&mut self, addresses: &[Pubkey]) -> Pubkey {
        use solana_address_lookup_table_interface::instruction as alt;
        let payer = self.ctx.payer.insecure_clone();
        self.next_slot().await;
        let recent_slot = self.most_recent_slot_hash().await;
        let (create, table) = alt::create_lookup_table(payer.pubkey(), payer.pubkey(), recent_slot);
        self.send(&[create], &[])
            .await
            .expect("create lookup table");
        for chunk in addresses.chunks(LOOKUP_EXTEND_CHUNK) {
            let extend = alt::extend_lookup_table(
                table,
                payer.pubkey(),
                Some(payer.pubkey()),
                chunk.to_vec(),
            );
            self.send(&[extend], &[])
                .await
                .expect("extend lookup table");
        }
        self.next_slot().await;
        let account = self.get_account(&table).await.expect("lookup table exists");
        let state = solana_address_lookup_table_interface::state::AddressLookupTable::deserialize(
            &account.data,
        )
        .expect("lookup table state");
        assert_eq!(
            state.addresses.as_ref(),
            addresses,
            "table holds the addresses"
        );
        self.lookup_tables.push(AddressLookupTableAccount {
            key: table,
            addresses: addresses.to_vec(),
        });
        table
    }

    /// Moves the working bank one slot on, keeping the clock's unix time
    /// (the chain controls time explicitly; a warp would re-estimate it).
    pub async fn next_slot(&mut self) {
        let clock = self.clock().await;
        self.ctx
            .warp_to_slot(clock.slot + 1)
            .expect("warp one slot");
        self.set_time(clock.unix_timestamp).await;
    }

    /// The newest slot in the `SlotHashes` sysvar (bincode: u64 length,
    /// then `(slot u64, hash [u8; 32])` entries, newest first).
    async fn most_recent_slot_hash(&self) -> u64 {
        let account = self
            .get_account(&solana_sdk_ids::sysvar::slot_hashes::ID)
            .await
            .expect("slot hashes sysvar");
        let len = u64::from_le_bytes(account.data[..8].try_into().expect("8 bytes"));
        assert!(len > 0, "slot hashes hold a slot");
        u64::from_le_bytes(account.data[8..16].try_into().expect("8 bytes"))
    }

    async fn fresh_blockhash(&self) -> ClientResult<Hash> {
        let last = *self.blockhash.lock().expect("lock");
        let mut banks = self.ctx.banks_client.clone();
        let hash = banks
            .get_new_latest_blockhash(&last)
            .await
            .map_err(|e| ClientError::Chain(format!("blockhash: {e}")))?;
        *self.blockhash.lock().expect("lock") = hash;
        Ok(hash)
    }

    fn remember(&self, keys: &[Pubkey]) {
        self.known
            .lock()
            .expect("lock")
            .extend(keys.iter().copied());
    }

    /// Like [`Self::send`] with an explicit compute-unit limit.
    pub async fn send_with_cu(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        cu_limit: u32,
    ) -> Result<(), TransactionError> {
        let blockhash = self.fresh_blockhash().await.expect("blockhash");
        let tx = self.build_tx(ixs, signers, cu_limit, blockhash);
        match Chain::send(self, &tx).await {
            Ok(_) => Ok(()),
            Err(ClientError::Transaction(e, _)) => Err(e),
            Err(other) => panic!("banks client failure: {other}"),
        }
    }

    /// Compute units `ixs` consume, by simulation (nothing is committed),
    /// including the compute-budget instruction. Natively only the real SPL
    /// Token (and other SBF) programs are metered.
    pub async fn simulate_units(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        cu_limit: u32,
    ) -> Result<u64, TransactionError> {
        self.simulate(ixs, signers, cu_limit).await.map(|s| s.units)
    }

    /// Simulates `ixs` with `cu_limit`: the units used and the log lines.
    pub async fn simulate(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        cu_limit: u32,
    ) -> Result<Simulated, TransactionError> {
        let blockhash = self.fresh_blockhash().await.expect("blockhash");
        let tx = self.build_tx(ixs, signers, cu_limit, blockhash);
        let s = Chain::simulate(self, &tx).await.expect("simulate");
        match s.error {
            Some(e) => Err(e),
            None => Ok(Simulated {
                units: s.units,
                logs: s.logs,
            }),
        }
    }

    /// Simulates `ixs` first (to capture inner instructions, where
    /// `emit_cpi!` events travel), then sends them. Returns the payload of
    /// every self-CPI event of the transaction.
    pub async fn send_capturing_events(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        self.send_capturing_events_with_cu(ixs, signers, crate::budget::transaction_budget(ixs))
            .await
    }

    /// Like [`Self::send_capturing_events`] with an explicit compute-unit limit.
    pub async fn send_capturing_events_with_cu(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        cu_limit: u32,
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        let blockhash = self.fresh_blockhash().await.expect("blockhash");
        let tx = self.build_tx(ixs, signers, cu_limit, blockhash);
        let s = Chain::simulate(self, &tx).await.expect("simulate");
        if let Some(e) = s.error {
            return Err(e);
        }
        match Chain::send(self, &tx).await {
            Ok(_) => Ok(s.events),
            Err(ClientError::Transaction(e, _)) => Err(e),
            Err(other) => panic!("banks client failure: {other}"),
        }
    }
}

impl Chain for EmbeddedChain {
    async fn account(&self, key: &Pubkey) -> ClientResult<Option<Account>> {
        self.ctx
            .banks_client
            .get_account(*key)
            .await
            .map_err(|e| ClientError::Chain(e.to_string()))
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        let keys: Vec<Pubkey> = self.known.lock().expect("lock").iter().copied().collect();
        let mut out = Vec::new();
        for key in keys {
            if let Some(a) = self.account(&key).await? {
                if a.owner == *program && filters.iter().all(|f| f.matches(&a.data)) {
                    out.push((key, a));
                }
            }
        }
        Ok(out)
    }

    async fn clock(&self) -> ClientResult<Clock> {
        self.ctx
            .banks_client
            .get_sysvar::<Clock>()
            .await
            .map_err(|e| ClientError::Chain(e.to_string()))
    }

    async fn latest_blockhash(&self) -> ClientResult<Hash> {
        self.fresh_blockhash().await
    }

    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        let BanksTransactionResultWithSimulation {
            result,
            simulation_details,
        } = self
            .ctx
            .banks_client
            .simulate_transaction(tx.clone())
            .await
            .map_err(|e| ClientError::Chain(e.to_string()))?;
        let keys = tx::resolved_keys(tx, &self.lookup_tables);
        let Some(details) = simulation_details else {
            return Ok(Simulation {
                error: result.and_then(|r| r.err()),
                ..Simulation::default()
            });
        };
        let events = details
            .inner_instructions
            .as_ref()
            .map(|groups| {
                let inner = groups.iter().flatten().map(|ix| {
                    (
                        ix.instruction.program_id_index,
                        ix.instruction.data.as_slice(),
                    )
                });
                tx::cpi_events(&keys, inner)
            })
            .unwrap_or_default();
        Ok(Simulation {
            units: details.units_consumed,
            logs: details.logs,
            error: result.and_then(|r| r.err()),
            events,
        })
    }

    async fn send(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        self.remember(&tx::resolved_keys(tx, &self.lookup_tables));
        let signature = tx.signatures.first().copied().unwrap_or_default();
        match self.ctx.banks_client.process_transaction(tx.clone()).await {
            Ok(()) => Ok(signature),
            Err(BanksClientError::TransactionError(e)) => {
                Err(ClientError::Transaction(e, Vec::new()))
            }
            Err(BanksClientError::SimulationError { err, logs, .. }) => {
                Err(ClientError::Transaction(err, logs))
            }
            Err(other) => Err(ClientError::Chain(other.to_string())),
        }
    }

    async fn rent_exempt_lamports(&self, len: usize) -> ClientResult<u64> {
        Ok(self.rent_minimum(len).await)
    }
}

/// A ledger directory's content: the clock and every account.
struct Ledger {
    slot: u64,
    unix_timestamp: i64,
    accounts: Vec<(Pubkey, Account)>,
}

impl Ledger {
    fn load(dir: &Path) -> ClientResult<Option<Self>> {
        let path = dir.join(LEDGER_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ClientError::Input(format!("{}: {e}", path.display())))?;
        let file: LedgerFile = serde_json::from_str(&text)
            .map_err(|e| ClientError::Input(format!("{}: {e}", path.display())))?;
        let mut accounts = Vec::with_capacity(file.accounts.len());
        for a in file.accounts {
            let parse = |s: &str| {
                s.parse::<Pubkey>()
                    .map_err(|e| ClientError::Input(format!("{}: {s}: {e}", path.display())))
            };
            let data = hex_decode(&a.data_hex).ok_or_else(|| {
                ClientError::Input(format!("{}: bad data of {}", path.display(), a.key))
            })?;
            accounts.push((
                parse(&a.key)?,
                Account {
                    lamports: a.lamports,
                    data,
                    owner: parse(&a.owner)?,
                    executable: false,
                    rent_epoch: 0,
                },
            ));
        }
        Ok(Some(Self {
            slot: file.slot,
            unix_timestamp: file.unix_timestamp,
            accounts,
        }))
    }

    fn store(&self, dir: &Path) -> ClientResult<()> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ClientError::Input(format!("{}: {e}", dir.display())))?;
        let file = LedgerFile {
            version: 1,
            slot: self.slot,
            unix_timestamp: self.unix_timestamp,
            accounts: self
                .accounts
                .iter()
                .map(|(k, a)| LedgerAccount {
                    key: k.to_string(),
                    owner: a.owner.to_string(),
                    lamports: a.lamports,
                    data_hex: hex_encode(&a.data),
                })
                .collect(),
        };
        let text = serde_json::to_string(&file).map_err(|e| ClientError::Input(e.to_string()))?;
        // Written aside, then renamed: an interrupted save never leaves half a ledger.
        let tmp = dir.join(format!("{LEDGER_FILE}.tmp"));
        std::fs::write(&tmp, text)
            .map_err(|e| ClientError::Input(format!("{}: {e}", tmp.display())))?;
        std::fs::rename(&tmp, dir.join(LEDGER_FILE))
            .map_err(|e| ClientError::Input(format!("{}: {e}", dir.display())))
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct LedgerFile {
    version: u32,
    slot: u64,
    /// unit: unix seconds.
    unix_timestamp: i64,
    accounts: Vec<LedgerAccount>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct LedgerAccount {
    key: String,
    owner: String,
    /// unit: lamports.
    lamports: u64,
    data_hex: String,
}

fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
