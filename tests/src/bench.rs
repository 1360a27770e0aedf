//! The in-process chain and transaction plumbing.

use std::path::Path;

use anchor_lang::prelude::{AccountInfo, Clock, Pubkey};
use anchor_lang::{AccountDeserialize, Discriminator};
use solana_account::{Account, AccountSharedData};
use solana_banks_interface::BanksTransactionResultWithSimulation;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

/// Compute-unit limit of a test transaction unless a test asks for another.
/// Native execution charges the program almost nothing, so on the host this
/// bounds the real SPL Token CPIs; on SBF it is the stated budget of our
/// instructions (see the README).
pub const DEFAULT_CU_LIMIT: u32 = 200_000;

/// Unix time the bench starts at (2024-07-16 12:36:40 UTC, two seconds before
/// the real PriceUpdateV2 fixture was published).
pub const START_TS: i64 = 1_721_133_400;

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
}

impl TestBench {
    /// Starts a chain from `pt`, with the clock set to [`START_TS`].
    pub async fn start(pt: ProgramTest) -> Self {
        let ctx = pt.start_with_context().await;
        let bench = Self { ctx };
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

    /// Sends `ixs` with a compute-budget instruction of [`DEFAULT_CU_LIMIT`],
    /// paid by the bench payer and signed by `signers`.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), TransactionError> {
        self.send_with_cu(ixs, signers, DEFAULT_CU_LIMIT).await
    }

    fn build_tx(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        cu_limit: u32,
        blockhash: solana_hash::Hash,
    ) -> Transaction {
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
        Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, blockhash)
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

    /// Simulates `ixs` first (to capture inner instructions, where
    /// `emit_cpi!` events travel), then sends them. Returns the inner
    /// instruction data of every self-CPI event of the transaction.
    pub async fn send_capturing_events(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        self.send_capturing_events_with_cu(ixs, signers, DEFAULT_CU_LIMIT)
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
        let account_keys = &tx.message.account_keys;
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
