//! The in-process chain and transaction plumbing.

use std::path::Path;

use anchor_lang::prelude::{AccountInfo, Clock, Pubkey};
use anchor_lang::{AccountDeserialize, Discriminator};
use solana_account::{Account, AccountSharedData};
use solana_banks_interface::BanksTransactionResultWithSimulation;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

/// Unix time the bench starts at (2024-07-16 12:36:40 UTC, two seconds before
/// the real PriceUpdateV2 fixture was published).
pub const START_TS: i64 = 1_721_133_400;

/// unit: addresses. Addresses added per `extend_lookup_table` transaction
/// (25 × 32 bytes keeps the transaction well under 1,232 bytes).
const LOOKUP_EXTEND_CHUNK: usize = 25;

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

/// [`process_instruction`] for the `liquidation_vault` program (the CPI
/// caller of options-margin's `partial_liquidate`).
pub fn process_vault_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: as in `process_instruction`.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    liquidation_vault::entry(program_id, accounts, data)
}

/// True when an SBF build of options-margin is available and should be tested.
pub fn sbf_binary_available() -> bool {
    sbf_binary_available_for("options_margin")
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
/// registered. Each program runs from its SBF binary when `SBF_OUT_DIR`
/// holds it, natively otherwise (`prefer_bpf` is set per program): with
/// both `.so` files both run as SBF; with only `options_margin.so` the
/// suite keeps testing that binary and the vault runs natively, calling
/// into it through the runtime's CPI either way.
pub fn program_test() -> ProgramTest {
    // program-test logs every instruction at debug level unless told
    // otherwise; keep test output readable (set RUST_LOG to see them).
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var(
            "RUST_LOG",
            "solana_runtime::message_processor=warn,solana_program_test=warn",
        );
    }
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(sbf_binary_available());
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
pub struct TestBench {
    pub ctx: ProgramTestContext,
    /// Address lookup tables every transaction is compiled against. Empty:
    /// legacy transactions; otherwise v0 messages (see
    /// [`TestBench::create_lookup_table`]).
    lookup_tables: Vec<AddressLookupTableAccount>,
}

/// What a simulation reports.
pub struct Simulated {
    /// unit: CU.
    pub units: u64,
    pub logs: Vec<String>,
}

impl TestBench {
    /// Starts a chain from `pt`, with the clock set to [`START_TS`].
    pub async fn start(pt: ProgramTest) -> Self {
        let ctx = pt.start_with_context().await;
        let bench = Self {
            ctx,
            lookup_tables: Vec::new(),
        };
        bench.set_time(START_TS).await;
        bench
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

    /// Writes an account directly into the bank (oracles, spoofed accounts).
    pub fn set_account(&mut self, address: &Pubkey, account: Account) {
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
    /// budget (`budget::transaction_budget`: the sum of each instruction's
    /// measured cost and margin, never a blanket limit), paid by the bench
    /// payer and signed by `signers`.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), TransactionError> {
        self.send_with_cu(ixs, signers, crate::budget::transaction_budget(ixs))
            .await
    }

    /// The transaction the bench sends: a compute-budget instruction, then
    /// `ixs`, paid by the bench payer. Legacy while no lookup table is
    /// registered, a v0 message compiled against the tables otherwise.
    fn build_tx(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        cu_limit: u32,
        blockhash: solana_hash::Hash,
    ) -> VersionedTransaction {
        let mut all = Vec::with_capacity(ixs.len() + 1);
        all.push(ComputeBudgetInstruction::set_compute_unit_limit(cu_limit));
        all.extend_from_slice(ixs);
        let payer = &self.ctx.payer;
        let mut keys: Vec<&Keypair> = vec![payer];
        for s in signers {
            if s.pubkey() != payer.pubkey() && !keys.iter().any(|k| k.pubkey() == s.pubkey()) {
                keys.push(s);
            }
        }
        if self.lookup_tables.is_empty() {
            return Transaction::new_signed_with_payer(
                &all,
                Some(&payer.pubkey()),
                &keys,
                blockhash,
            )
            .into();
        }
        let message =
            v0::Message::try_compile(&payer.pubkey(), &all, &self.lookup_tables, blockhash)
                .expect("v0 message compiles");
        VersionedTransaction::try_new(VersionedMessage::V0(message), &keys)
            .expect("v0 transaction signs")
    }

    /// Every account key of `tx` in the order instruction indexes use:
    /// the static keys, then each lookup's writable addresses, then each
    /// lookup's read-only addresses.
    fn resolved_keys(&self, tx: &VersionedTransaction) -> Vec<Pubkey> {
        let mut keys = tx.message.static_account_keys().to_vec();
        let Some(lookups) = tx.message.address_table_lookups() else {
            return keys;
        };
        let table = |key: &Pubkey| {
            self.lookup_tables
                .iter()
                .find(|t| t.key == *key)
                .expect("lookup table registered")
        };
        for l in lookups {
            let t = table(&l.account_key);
            keys.extend(l.writable_indexes.iter().map(|&i| t.addresses[i as usize]));
        }
        for l in lookups {
            let t = table(&l.account_key);
            keys.extend(l.readonly_indexes.iter().map(|&i| t.addresses[i as usize]));
        }
        keys
    }

    /// The accounts the transaction for `ixs` locks, with whether each is
    /// locked for writing: the fee payer, the compute-budget program, every
    /// invoked program and every account an instruction names, each once
    /// (writable if any instruction writes it). A transaction may lock at
    /// most 64; the in-process bank enables the feature that raises the
    /// limit to 128, so tests assert the real limit themselves.
    pub fn locked_accounts(&self, ixs: &[Instruction]) -> Vec<(Pubkey, bool)> {
        let mut out: Vec<(Pubkey, bool)> = vec![
            (self.ctx.payer.pubkey(), true),
            (solana_sdk_ids::compute_budget::ID, false),
        ];
        let mut add = |key: Pubkey, writable: bool| match out.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 |= writable,
            None => out.push((key, writable)),
        };
        for ix in ixs {
            add(ix.program_id, false);
            for m in &ix.accounts {
                add(m.pubkey, m.is_writable);
            }
        }
        out
    }

    /// unit: bytes. Wire size of the transaction the bench would send for
    /// `ixs` with `cu_limit` (the network accepts at most 1,232).
    pub fn wire_size(&self, ixs: &[Instruction], signers: &[&Keypair]) -> usize {
        let blockhash = self.ctx.last_blockhash;
        let tx = self.build_tx(
            ixs,
            signers,
            crate::budget::transaction_budget(ixs),
            blockhash,
        );
        bincode::serialized_size(&tx).expect("serialisable") as usize
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
    /// (the bench controls time explicitly; a warp would re-estimate it).
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
        let len = u64::from_le_bytes(account.data[..8].try_into().unwrap());
        assert!(len > 0, "slot hashes hold a slot");
        u64::from_le_bytes(account.data[8..16].try_into().unwrap())
    }

    /// Like [`Self::send`] with an explicit compute-unit limit.
    pub async fn send_with_cu(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        cu_limit: u32,
    ) -> Result<(), TransactionError> {
        let blockhash = self
            .ctx
            .get_new_latest_blockhash()
            .await
            .expect("blockhash");
        let tx = self.build_tx(ixs, signers, cu_limit, blockhash);
        match self.ctx.banks_client.process_transaction(tx).await {
            Ok(()) => Ok(()),
            Err(BanksClientError::TransactionError(e)) => Err(e),
            Err(BanksClientError::SimulationError { err, .. }) => Err(err),
            Err(other) => panic!("banks client failure: {other:?}"),
        }
    }

    /// Compute units `ixs` consume, by simulation (nothing is committed),
    /// including the compute-budget instruction; the transaction's error
    /// when it fails. Natively only the real SPL Token (and other SBF)
    /// programs are metered: the figures mean something against the `.so`.
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
        let blockhash = self
            .ctx
            .get_new_latest_blockhash()
            .await
            .expect("blockhash");
        let tx = self.build_tx(ixs, signers, cu_limit, blockhash);
        let BanksTransactionResultWithSimulation {
            result,
            simulation_details,
        } = self
            .ctx
            .banks_client
            .simulate_transaction(tx)
            .await
            .expect("simulate");
        if let Some(Err(e)) = result {
            return Err(e);
        }
        let details = simulation_details.expect("simulation details");
        Ok(Simulated {
            units: details.units_consumed,
            logs: details.logs,
        })
    }

    /// Simulates `ixs` first (to capture inner instructions, where
    /// `emit_cpi!` events travel), then sends them. Returns the inner
    /// instruction data of every self-CPI event of the transaction.
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
        let blockhash = self
            .ctx
            .get_new_latest_blockhash()
            .await
            .expect("blockhash");
        let tx = self.build_tx(ixs, signers, cu_limit, blockhash);
        let BanksTransactionResultWithSimulation {
            result,
            simulation_details,
        } = self
            .ctx
            .banks_client
            .simulate_transaction(tx.clone())
            .await
            .expect("simulate");
        if let Some(Err(e)) = result {
            return Err(e);
        }
        let mut events = Vec::new();
        let account_keys = self.resolved_keys(&tx);
        if let Some(inner) = simulation_details.and_then(|d| d.inner_instructions) {
            for group in inner {
                for ix in group {
                    let program = account_keys[ix.instruction.program_id_index as usize];
                    let data = &ix.instruction.data;
                    if program == options_margin::ID
                        && data.len() >= 8
                        && data[..8] == anchor_lang::event::EVENT_IX_TAG_LE[..]
                    {
                        events.push(data[8..].to_vec());
                    }
                }
            }
        }
        match self.ctx.banks_client.process_transaction(tx).await {
            Ok(()) => Ok(events),
            Err(BanksClientError::TransactionError(e)) => Err(e),
            Err(other) => panic!("banks client failure: {other:?}"),
        }
    }
}

/// Decodes the first event of type `E` among captured event payloads.
pub fn find_event<E: anchor_lang::Event + anchor_lang::AnchorDeserialize>(
    events: &[Vec<u8>],
) -> Option<E> {
    events.iter().find_map(|data| {
        if data.len() >= 8 && &data[..8] == E::DISCRIMINATOR {
            E::try_from_slice(&data[8..]).ok()
        } else {
            None
        }
    })
}

/// Asserts that every account in `keys` is byte-for-byte (data, lamports,
/// owner) what `before` recorded.
pub async fn assert_unchanged(bench: &TestBench, keys: &[Pubkey], before: &[Option<Account>]) {
    let after = bench.snapshot(keys).await;
    for ((key, b), a) in keys.iter().zip(before).zip(&after) {
        assert_eq!(b, a, "account {key} changed");
    }
}
